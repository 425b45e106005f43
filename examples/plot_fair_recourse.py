"""Per-group effectiveness and cost of recourse, without and with fairness training.

COMPAS with race as the sensitive feature and the papers' MLP classifier.
"Without" is FairSACRecourse at the individual level with no group terms
(each cluster's agent only maximises its flipped share, PD weight 0); "with"
is the hybrid level with the EE-ECR reward (group metrics inside each cluster).
For each, on held-out rejected rows, the share of each group given valid
recourse (effectiveness) and the mean Gower distance of that recourse.
NNR(D_h^+) (the nearest training row the classifier is confident about and that
is labelled favourable) is shown as the per-individual baseline.

Run: ``python examples/plot_fair_recourse.py [output.png]`` (a few minutes on
a 2-core CPU; needs matplotlib).
"""

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sklearn_recourse import FairSACRecourse, NearestNeighborRecourse, default_classifier  # noqa: E402
from sklearn_recourse.datasets import load_compas  # noqa: E402
from sklearn_recourse.metrics import gower_distance  # noqa: E402


def per_group(gen, X, groups):
    X_cf = gen.transform(X)
    found = gen.found_
    gower = np.full(len(X), np.nan)
    gower[found] = gower_distance(X[found], X_cf[found], feature_space=gen.feature_space_)
    names = sorted(set(groups))
    eff = [found[groups == g].mean() for g in names]
    cost = [np.nanmean(gower[groups == g]) for g in names]
    return names, eff, cost


def main(path="fair_recourse_groups.png"):
    train, test = load_compas(subset="train"), load_compas(subset="test")
    clf = default_classifier(random_state=0).fit(train.data, train.target)
    affected = test.data[clf.predict(test.data) == 0]
    groups = affected["race"].to_numpy()
    common = dict(immutable_features=["sex"], increasing_features=["age"], random_state=0)
    methods = {
        "without fairness (individual, PD weight 0)": FairSACRecourse(
            clf, sensitive_feature="race", fairness="individual", objective="EE",
            weights={"pd": 0.0}, **common,
        ),
        "with fairness (hybrid, EE-ECR)": FairSACRecourse(
            clf, sensitive_feature="race", fairness="hybrid", objective="EE-ECR", **common
        ),
        "NNR baseline": NearestNeighborRecourse(
            clf, immutable_features=["sex", "race"], increasing_features=["age"]
        ),
    }
    fig, (ax_eff, ax_cost) = plt.subplots(1, 2, figsize=(10, 4))
    width = 0.8 / len(methods)
    for i, (label, gen) in enumerate(methods.items()):
        gen.fit(train.data, train.target)
        names, eff, cost = per_group(gen, affected, groups)
        x = np.arange(len(names)) + i * width
        ax_eff.bar(x, eff, width, label=label)
        ax_cost.bar(x, cost, width, label=label)
        print(label, dict(zip(names, np.round(eff, 3))), dict(zip(names, np.round(cost, 3))))
    for ax, title in ((ax_eff, "effectiveness (share given valid recourse)"),
                      (ax_cost, "mean Gower distance of the recourse")):
        ax.set_xticks(np.arange(len(names)) + width * (len(methods) - 1) / 2, names)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("race (COMPAS, held-out rejected rows)")
    ax_eff.set_ylim(0, 1.05)
    handles, labels = ax_eff.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
