"""Cost of the adversarial term of RecourseClassifier: epoch time and LP time.

Prints, in one process on the same data (COMPAS, or ``--dataset adult``):

- the mean epoch time of plain training (lam = 0), of adversarial training with
  the closed-form step (box plus signs), and of adversarial training with a
  general polytope (the batched cvxpy LP), with their ratios to plain training;
- the time per row of the adversarial LP solved three ways: the closed form,
  one batched cvxpy problem, and one scipy ``linprog`` per row (what the
  paper's reference code does).

Run: ``python benchmarks/recourse_classifier_epoch_time.py [--dataset compas] [--epochs 3]``
"""

import argparse
import time

import numpy as np


def epoch_seconds(X, y, **params):
    from sklearn_recourse import RecourseClassifier

    clf = RecourseClassifier(threshold="f1", random_state=0, **params).fit(X, y)
    return float(np.mean([h["seconds"] for h in clf.history_])), clf


def main(argv=None):
    from scipy.optimize import linprog

    from sklearn_recourse._action_set import ActionSet
    from sklearn_recourse._recourse_classifier_benchmark import DATASETS, load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="compas", choices=sorted(DATASETS))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)

    X, y = load(args.dataset)
    info = DATASETS[args.dataset]
    m = len(info["actionable"])
    common = dict(
        actionable_features=info["actionable"],
        increasing_features=info["increasing"] or None,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
    )
    # a general polytope: the total raw change is at most 1 in absolute value
    # (any rows that are not a box take the cvxpy path)
    rows = np.vstack([np.ones(m), -np.ones(m)])
    general = (rows, np.array([1.0, 1.0]))

    plain, _ = epoch_seconds(X, y, lam=0.0, **common)
    closed, _ = epoch_seconds(X, y, lam=0.8, **common)
    solved, _ = epoch_seconds(X, y, lam=0.8, constraints=general, **common)
    print(f"dataset {args.dataset}: {len(X)} rows, batch {args.batch_size}, {args.epochs} epochs")
    print("| training | s per epoch | ratio to plain |")
    print("|---|---|---|")
    for name, value in (
        ("plain (lam=0)", plain),
        ("adversarial, closed form (box + signs)", closed),
        ("adversarial, cvxpy LP (general polytope)", solved),
    ):
        print(f"| {name} | {value:.3f} | {value / plain:.2f} |")

    # the LP alone, per row
    rng = np.random.default_rng(0)
    n = 2048
    G = rng.normal(size=(n, m))
    box = ActionSet(np.full(m, -0.75), np.full(m, 0.75))
    low, high = box.row_box()
    low, high = np.broadcast_to(low, G.shape), np.broadcast_to(high, G.shape)
    start = time.perf_counter()
    box.steepest(G, low, high)
    t_closed = (time.perf_counter() - start) / n
    polytope = ActionSet(np.full(m, -0.75), np.full(m, 0.75), rows, np.array([1.0, 1.0]))
    polytope.steepest(G[:256], low[:256], high[:256])  # compile once
    start = time.perf_counter()
    polytope.steepest(G, low, high)
    t_cvxpy = (time.perf_counter() - start) / n
    start = time.perf_counter()
    for i in range(200):
        linprog(G[i], A_ub=-rows, b_ub=[1.0, 1.0], bounds=[(-0.75, 0.75)] * m, method="highs")
    t_scipy = (time.perf_counter() - start) / 200
    print()
    print("| adversarial LP | ms per row | speed-up vs one scipy LP per row |")
    print("|---|---|---|")
    for name, value in (
        ("closed form (box)", t_closed),
        ("cvxpy, batches of 256 (general polytope)", t_cvxpy),
        ("scipy linprog, one per row (reference)", t_scipy),
    ):
        print(f"| {name} | {1000 * value:.4f} | {t_scipy / value:.0f}x |")


if __name__ == "__main__":
    main()
