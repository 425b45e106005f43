"""GenRe against Wachter and NNR on 2-D data (the idea of GenRe's Figure 2).

Run: ``python examples/plot_genre_2d.py [output.png]``. For two moons and two
circles, an MLP is trained, and every rejected test point is joined to the
recourse returned by GenReRecourse, WachterRecourse and
NearestNeighborRecourse (D_h^+). Wachter stops just past the decision
boundary, often off the data; NNR jumps to the nearest confident favourable
training point; GenRe samples recourse inside the favourable data, deeper
than either (a higher L1 cost, shown in each panel's title, for recourse that
the classifier accepts with a margin and that lies on the data).
"""

import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import make_circles, make_moons  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from sklearn_recourse import (  # noqa: E402
    GenReRecourse,
    NearestNeighborRecourse,
    WachterRecourse,
)

DATASETS = {
    "moons": lambda n, seed: make_moons(n_samples=n, noise=0.2, random_state=seed),
    "circles": lambda n, seed: make_circles(n_samples=n, noise=0.1, factor=0.5, random_state=seed),
}


def main(path="genre_2d.png"):
    fig, axes = plt.subplots(2, 3, figsize=(14, 9))
    for row, (name, make) in zip(axes, DATASETS.items()):
        X, y = make(1500, 0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = MLPClassifier((32, 32), max_iter=1000, random_state=0).fit(X, y)
        X_test, _ = make(300, 1)
        rejected = X_test[clf.predict(X_test) == 0][:40]
        methods = {
            "GenRe": GenReRecourse(clf, random_state=0),
            "Wachter": WachterRecourse(clf),
            "NNR (D_h^+)": NearestNeighborRecourse(clf),
        }
        lo, hi = X.min(axis=0) - 0.3, X.max(axis=0) + 0.3
        xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
        proba = clf.predict_proba(np.c_[xx.ravel(), yy.ravel()])[:, 1].reshape(xx.shape)
        for ax, (method, gen) in zip(row, methods.items()):
            X_cf = gen.fit(X, y).transform(rejected)
            found = gen.found_
            ax.contourf(xx, yy, proba, levels=[0, 0.5, 1], colors=["#f4cccc", "#d9ead3"],
                        alpha=0.8)
            ax.scatter(X[:, 0], X[:, 1], c=np.where(y == 1, "tab:blue", "lightcoral"), s=4,
                       alpha=0.4)
            for a, b in zip(rejected[found], X_cf[found]):
                ax.plot([a[0], b[0]], [a[1], b[1]], color="black", lw=0.7)
            ax.scatter(rejected[:, 0], rejected[:, 1], marker="x", color="darkred", s=22)
            ax.scatter(X_cf[found, 0], X_cf[found, 1], marker="o", facecolor="none",
                       edgecolor="darkgreen", s=26)
            cost = np.abs(X_cf[found] - rejected[found]).sum(axis=1).mean()
            ax.set_title(f"{name}: {method} (found {found.mean():.0%}, L1 {cost:.2f})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"saved {path}")


if __name__ == "__main__":
    main(*sys.argv[1:])
