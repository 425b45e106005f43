"""F1, accuracy and recourse against the decision threshold (Ross et al. 2021, Figure 2).

A RecourseClassifier is trained on Adult with the recourse loss (lam = 0.8)
and without it (lam = 0, the baseline). For every threshold θ on the score g,
the held-out rows give F1, accuracy, "recourse neg" (rejected rows that the
adversarial recourse gets accepted) and "recourse all" (rows accepted directly
or after recourse). The PAC bound τ̂ and the chosen threshold are marked: any
θ <= τ̂ guarantees recourse all >= 1 - ε with confidence 1 - α.

Run: ``python examples/plot_recourse_classifier.py [output.png]`` (about a
minute on a 2-core CPU; needs matplotlib).
"""

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from sklearn_recourse import RecourseClassifier  # noqa: E402
from sklearn_recourse.datasets import load_adult  # noqa: E402


def curves(clf, X, y, thresholds):
    """F1, accuracy, recourse neg and recourse all at each threshold."""
    g = clf.predict_proba(X)[:, 1]
    # the score after the adversarial recourse does not depend on θ: one call
    reached = clf.recourse_scores(X)
    out = {"F1": [], "accuracy": [], "recourse neg": [], "recourse all": []}
    for t in thresholds:
        pred = g >= t
        tp = np.sum(pred & (y == 1))
        out["F1"].append(2 * tp / max(pred.sum() + (y == 1).sum(), 1))
        out["accuracy"].append(np.mean(pred == (y == 1)))
        rejected = ~pred
        out["recourse neg"].append(np.mean(reached[rejected] >= t) if rejected.any() else np.nan)
        out["recourse all"].append(np.mean(reached >= t))
    return out


def main(path="recourse_classifier_threshold.png"):
    X, y = load_adult(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=12000, test_size=4000, stratify=y, random_state=0
    )
    y_test = y_test.to_numpy()
    thresholds = np.linspace(0.0, 1.0, 101)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, lam in zip(axes, (0.8, 0.0)):
        clf = RecourseClassifier(
            lam=lam,
            actionable_features=["education-num", "hours-per-week"],
            increasing_features=["education-num"],
            max_epochs=8,
            random_state=0,
        ).fit(X_train, y_train)
        for name, values in curves(clf, X_test, y_test, thresholds).items():
            style = "-" if name in ("F1", "accuracy") else "--"
            ax.plot(thresholds, values, style, label=name)
        ax.axvline(clf.pac_bound_, color="k", lw=1, label="PAC bound τ̂")
        ax.axvline(clf.threshold_, color="k", lw=1, ls=":", label="chosen threshold")
        ax.set_title(f"lam = {lam:g}" + (" (baseline)" if lam == 0 else ""))
        ax.set_xlabel("decision threshold θ on g(x)")
    axes[0].set_ylabel("rate on held-out rows (Adult)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=6, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
