"""GenRe pair construction memory: peak RSS of ``fit`` with and without constraints.

Run: ``python benchmarks/genre_pairs_memory.py [--rows 6000]``.

Direction and bound constraints make some nearest favourable rows unreachable,
so the pair search asks for more neighbours (2 x top_k, then the whole immutable
group) and checks the constrained columns of each. This script fits a tiny
GenRe (one epoch: training is not what is measured) on synthetic mixed data
(2 continuous features, 6 categorical ones with 8 values: 50 encoded columns),
once without constraints and once with ``increasing_features=["age"]``, each in
its own process, and prints the peak resident memory of each and their ratio.
"""

import argparse
import resource
import subprocess
import sys
import time


def _fit(n_rows, constrained):
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from sklearn_recourse import FeatureSpace, GenReRecourse

    rng = np.random.RandomState(0)
    X = pd.DataFrame({"age": rng.randint(18, 80, n_rows), "hours": rng.normal(40, 10, n_rows)})
    for i in range(6):
        X[f"c{i}"] = rng.choice([f"v{k}" for k in range(8)], n_rows)
    noise = rng.normal(0, 1, n_rows)
    y = ((X.age - 45) / 15 + (X.hours - 40) / 10 + (X.c0 == "v0") + noise > 0.3).astype(int)
    start = time.perf_counter()
    gen = GenReRecourse(
        make_pipeline(FeatureSpace(), LogisticRegression()),
        increasing_features=["age"] if constrained else None,
        d_model=16,
        n_heads=2,
        dim_feedforward=32,
        n_encoder_layers=1,
        n_decoder_layers=1,
        max_epochs=1,
        random_state=0,
    ).fit(X, y)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{peak_mb:.0f} {seconds:.1f} {gen.n_pairs_[0]} {gen.n_pairs_[1]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--child", choices=["plain", "constrained"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _fit(args.rows, args.child == "constrained")
        return
    peaks = {}
    for kind in ("plain", "constrained"):
        out = subprocess.run(
            [sys.executable, __file__, "--rows", str(args.rows), "--child", kind],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        peaks[kind] = float(out[0])
        print(
            f"{kind:12s} peak RSS {out[0]} MB, fit {out[1]} s, "
            f"{out[2]} sources, {out[3]} favourable rows"
        )
    print(f"constrained / plain peak RSS: {peaks['constrained'] / peaks['plain']:.2f}")


if __name__ == "__main__":
    main()
