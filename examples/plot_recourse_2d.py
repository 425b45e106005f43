"""Recourse on 2-D data: each rejected point joined to its counterfactual.

Run: ``python examples/plot_recourse_2d.py [output.png]``. Draws the decision
regions of an MLP on two moons and, for NearestNeighborRecourse (two of its
variants: accepted rows and D_h^+) and WachterRecourse, a line from every rejected test point to the
recourse returned for it. Wachter stops just past the boundary (cheap, often
implausible); NNR(D_h^+) lands on confident, labelled favourable data.
"""

import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import make_moons  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from sklearn_recourse import NearestNeighborRecourse, WachterRecourse  # noqa: E402


def main(path="recourse_2d.png"):
    X, y = make_moons(n_samples=600, noise=0.25, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((16, 16), max_iter=2000, random_state=0).fit(X, y)
    X_test, _ = make_moons(n_samples=120, noise=0.25, random_state=1)
    rejected = X_test[clf.predict(X_test) == 0][:40]
    methods = {
        "NNR (accepted)": NearestNeighborRecourse(clf, candidates="accepted"),
        "NNR (D_h^+)": NearestNeighborRecourse(clf),
        "Wachter": WachterRecourse(clf),
    }
    xx, yy = np.meshgrid(np.linspace(-2, 3, 200), np.linspace(-1.5, 2, 200))
    proba = clf.predict_proba(np.c_[xx.ravel(), yy.ravel()])[:, 1].reshape(xx.shape)
    fig, axes = plt.subplots(1, len(methods), figsize=(5 * len(methods), 4.5), sharey=True)
    for ax, (name, gen) in zip(axes, methods.items()):
        X_cf = gen.fit(X, y).transform(rejected)
        ax.contourf(xx, yy, proba, levels=[0, 0.5, 1], colors=["#f4cccc", "#d9ead3"], alpha=0.8)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=6, alpha=0.3)
        found = gen.found_
        for a, b in zip(rejected[found], X_cf[found]):
            ax.plot([a[0], b[0]], [a[1], b[1]], color="black", lw=0.8)
        ax.scatter(rejected[:, 0], rejected[:, 1], marker="x", color="firebrick", s=25,
                   label="rejected")
        ax.scatter(X_cf[found, 0], X_cf[found, 1], marker="o", facecolor="none",
                   edgecolor="darkgreen", s=30, label="recourse")
        ax.set_title(f"{name}: {found.mean():.0%} found")
    axes[0].legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"saved {path}")


if __name__ == "__main__":
    main(*sys.argv[1:])
