"""GenRe sampling speed: milliseconds per row for best-of-10, with and without caching.

Run: ``python benchmarks/genre_sampling_speed.py [--datasets compas,adult,heloc]
[--data-dir ../shared/data/carla] [--max-epochs 1]``.

Sampling speed does not depend on how well the model is trained, so each
model is trained for one epoch only by default (default architecture);
``--max-epochs 60`` trains it as ``fit`` does, whose peaked draws repeat more
often (which ``transform`` exploits, see the last two columns). For batches of
1, 200 and 2000 rejected rows it prints:

* ``sample ms/row``: Algorithm 2 alone (10 draws per row) with the encoder
  run once per row and the decoder's keys/values cached across features;
* ``uncached ms/row``: the same draws recomputing the decoder over the whole
  prefix at every feature (what a plain ``nn.Transformer`` loop does), and the
  ratio of the two, measured in the same process;
* ``transform ms/row``: the whole ``transform`` (draw 10, project, decode,
  judge with h and the LOF, keep the best);
* ``every draw judged``: the same ``transform`` judging each of the 10 draws
  even when a row drew the same candidate twice (``transform`` judges each
  distinct candidate once), and the ratio of the two, in the same process.
"""

import argparse
import time
import warnings

import numpy as np
import torch

import sklearn_recourse._genre as genre_module
from sklearn_recourse import GenReRecourse
from sklearn_recourse._benchmark import Protocol, load_benchmark_data
from sklearn_recourse._genre_training import _draw


@torch.no_grad()
def uncached_sample(model, source, n_samples, bins, rng):
    """Reference loop without caches: the decoder reruns on the prefix for every feature."""
    x = torch.as_tensor(np.repeat(source, n_samples, axis=0), dtype=torch.float32)
    n, d = x.shape
    target = torch.zeros(n, d)
    for j in range(d):
        logits = model(x, target)[:, j, : bins.counts[j]]
        k = _draw(logits, np.ones(logits.shape, dtype=bool), 10.0, rng.random(n))
        v = k.astype(float) if bins.categorical[j] else np.nan_to_num(bins.centers[j, k])
        target[:, j] = torch.as_tensor(v, dtype=torch.float32)
    return target


def timed(fn, repeat):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="compas,adult,heloc")
    parser.add_argument("--data-dir", default="../shared/data/carla")
    parser.add_argument("--max-epochs", type=int, default=1)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    print("| dataset | d | rows | sample ms/row | uncached ms/row | cache speed-up "
          "| transform ms/row | every draw judged ms/row | judged once speed-up |")
    print("|---|---|---|---|---|---|---|---|---|")
    judged_once = genre_module._distinct_rows

    def every_draw(A):
        return np.arange(len(A)), np.arange(len(A))

    for name in args.datasets.split(","):
        data = load_benchmark_data(name, args.data_dir)
        protocol = Protocol(data, seed=0, n_test=2000)
        gen = GenReRecourse(
            protocol.classifier,
            immutable_features=data.immutable_features,
            categorical_features=data.categorical_features,
            max_epochs=args.max_epochs,
            random_state=0,
        ).fit(protocol.X_train, protocol.y_train)
        fs = gen.feature_space_
        X = protocol.X_test
        Z = fs.transform(X)
        for rows in (1, 200, 2000):
            rows = min(rows, len(X))
            Zr, Xr = Z[:rows], X.iloc[:rows]
            repeat = 5 if rows < 2000 else 2
            cached = timed(lambda: gen._draw(Zr, 10, 0), repeat)
            tokens = gen._tokens(Zr)
            uncached = timed(
                lambda: uncached_sample(
                    gen.model_, tokens, 10, gen.bins_, np.random.default_rng(0)
                ),
                repeat if rows < 2000 else 1,
            )
            whole = timed(lambda: gen.transform(Xr), repeat)
            genre_module._distinct_rows = every_draw
            try:
                every = timed(lambda: gen.transform(Xr), repeat)
            finally:
                genre_module._distinct_rows = judged_once
            print(
                f"| {name} | {X.shape[1]} | {rows} | {1000 * cached / rows:.2f} | "
                f"{1000 * uncached / rows:.2f} | {uncached / cached:.1f}x | "
                f"{1000 * whole / rows:.2f} | {1000 * every / rows:.2f} | "
                f"{every / whole:.1f}x |",
                flush=True,
            )


if __name__ == "__main__":
    main()
