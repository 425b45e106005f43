"""The GenRe Table 2 benchmark protocol (SPEC section 7).

1. Data: the CARLA train/test files; continuous features min-max scaled and
   categoricals binary (the :class:`FeatureSpace` encoding).
2. Oracle: ``CalibratedClassifierCV(RandomForestClassifier, method="isotonic")``
   fitted with balanced sample weights on all rows; labels are then *sampled*
   from its probabilities and replace the gold labels.
3. Classifier h: MLP [10, 10, 10] (``default_classifier``) on the training
   rows with the sampled labels.
4. Test set: ``n_test`` (200) test rows with h(x) <= 0.5, drawn with the seed.
5. Validity is judged by the oracle; LOF is fitted on all rows the oracle
   predicts favourable; cost is the L1 recourse cost in the encoded space.

Methods plug in by name through :func:`register_method`.
"""

import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ._base import default_classifier
from ._feature_space import FeatureSpace

_METHODS = {}


def register_method(name, factory, description=""):
    """Make a recourse generator available to the benchmark by name.

    Parameters
    ----------
    name : str
        Name used on the command line (``--methods name``).
    factory : callable
        ``factory(classifier, immutable_features, categorical_features, random_state)``
        returning an unfitted generator that follows the generator contract.
    description : str
        One line shown by ``--help``.
    """
    _METHODS[name] = (factory, description)


def available_methods():
    return dict((name, desc) for name, (_, desc) in _METHODS.items())


def _generator(module, name, **params):
    """Factory of a built-in generator, imported on first use (torch stays unloaded)."""

    def factory(classifier, immutable, categorical, random_state):
        import importlib

        cls = getattr(importlib.import_module(module, __package__), name)
        return cls(
            classifier,
            immutable_features=immutable,
            categorical_features=categorical,
            random_state=random_state,
            **params,
        )

    return factory


def _nnr(candidates):
    return _generator("._nearest_neighbor", "NearestNeighborRecourse", candidates=candidates)


_wachter = _generator("._wachter", "WachterRecourse")
_genre = _generator("._genre", "GenReRecourse")


register_method("genre", _genre, "GenRe generative recourse (transformer, forward sampling)")
register_method("nnr", _nnr("confident_labelled"), "nearest neighbour in D_h^+ (NNR(D_h^+))")
register_method("nnr_confident", _nnr("confident"), "nearest neighbour with h > 0.7 (NNR(γ>0.7))")
register_method("nnr_accepted", _nnr("accepted"), "nearest neighbour h accepts (NNR)")
register_method("wachter", _wachter, "Wachter et al. gradient search")


@dataclass
class BenchmarkData:
    """Train/test rows with metadata, as loaded for the protocol."""

    name: str
    X_train: pd.DataFrame
    y_train: np.ndarray
    X_test: pd.DataFrame
    y_test: np.ndarray
    categorical_features: list
    immutable_features: list


def load_benchmark_data(name, data_dir=None):
    """Load a protocol dataset: adult and compas are shipped, heloc needs ``data_dir``."""
    from . import datasets

    if name in ("adult", "compas"):
        loader = getattr(datasets, f"load_{name}")
        train, test = loader(subset="train"), loader(subset="test")
    elif name == "heloc":
        if data_dir is None:
            raise ValueError(
                "HELOC is not shipped (FICO licence): pass --data-dir, the folder "
                "holding heloc_train.csv and heloc_test.csv."
            )
        train = datasets.load_heloc(Path(data_dir) / "heloc_train.csv")
        test = datasets.load_heloc(Path(data_dir) / "heloc_test.csv")
    else:
        raise ValueError(f"Unknown dataset {name!r}; choose adult, compas or heloc.")
    return BenchmarkData(
        name,
        train.data,
        np.asarray(train.target),
        test.data,
        np.asarray(test.target),
        list(train.categorical_features),
        list(train.immutable_features),
    )


def _oracle(categorical, seed):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("encode", FeatureSpace(categorical_features=categorical)),
            (
                "rf",
                CalibratedClassifierCV(
                    RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1),
                    method="isotonic",
                ),
            ),
        ]
    )


class Protocol:
    """One seed of the protocol: oracle, sampled labels, classifier h, test rows.

    Parameters
    ----------
    data : BenchmarkData
    seed : int
    n_test : int, default=200
    """

    def __init__(self, data, seed, n_test=200):
        from sklearn.neighbors import LocalOutlierFactor
        from sklearn.utils.class_weight import compute_sample_weight

        rng = np.random.RandomState(seed)
        self.data = data
        X_all = pd.concat([data.X_train, data.X_test], ignore_index=True)
        y_all = np.concatenate([data.y_train, data.y_test])
        self.oracle = _oracle(data.categorical_features, seed)
        self.oracle.fit(X_all, y_all, rf__sample_weight=compute_sample_weight("balanced", y_all))
        p_oracle = self.oracle.predict_proba(X_all)[:, 1]
        y_sampled = rng.binomial(1, p_oracle)
        n_train = len(data.X_train)
        self.X_train, self.y_train = data.X_train, y_sampled[:n_train]
        self.classifier = default_classifier(data.categorical_features, seed).fit(
            self.X_train, self.y_train
        )
        p_test = self.classifier.predict_proba(data.X_test)[:, 1]
        negatives = np.flatnonzero(p_test <= 0.5)
        if n_test > len(negatives):
            warnings.warn(
                f"n_test={n_test} but h rejects only {len(negatives)} test rows of "
                f"{data.name}; all {len(negatives)} are used.",
                UserWarning,
                stacklevel=2,
            )
        chosen = np.sort(rng.choice(negatives, size=min(n_test, len(negatives)), replace=False))
        self.X_test = data.X_test.iloc[chosen]
        self.space = FeatureSpace(categorical_features=data.categorical_features).fit(
            self.X_train
        )
        favourable = X_all[self.oracle.predict(X_all) == 1]
        self.lof = LocalOutlierFactor(n_neighbors=5, novelty=True).fit(
            self.space.transform(favourable)
        )

    def evaluate(self, method, factory, seed, sampling_seeds=None, params=None):
        """Fit ``method`` on the training rows and score it on the test rows.

        Returns one result dict per sampling seed: a generator with a
        ``sampling_seed`` parameter (GenRe) is fitted once and its recourse
        drawn again for each seed in ``sampling_seeds``; other generators give
        one result. ``params`` are set on the generator before fitting.
        """
        gen = factory(
            self.classifier, self.data.immutable_features, self.data.categorical_features, seed
        )
        if params:
            gen.set_params(**params)
        start = time.perf_counter()
        gen.fit(self.X_train, self.y_train)
        fit_seconds = time.perf_counter() - start
        redraw = sampling_seeds is not None and "sampling_seed" in gen.get_params()
        rows = []
        for sampling_seed in sampling_seeds if redraw else [None]:
            if redraw:
                gen.set_params(sampling_seed=sampling_seed)
            start = time.perf_counter()
            X_cf = gen.transform(self.X_test)
            seconds = time.perf_counter() - start
            rows.append(
                {
                    "method": method,
                    "seed": seed,
                    "sampling_seed": sampling_seed,
                    **(params or {}),
                    **self._quality(X_cf),
                    "seconds_per_cf": seconds / len(self.X_test),
                    "fit_seconds": fit_seconds,
                }
            )
        return rows

    def _quality(self, X_cf):
        from .metrics import recourse_score

        parts = recourse_score(
            self.X_test,
            X_cf,
            classifier=self.oracle,
            lof=self.lof,
            feature_space=self.space,
            return_components=True,
        )
        found = ~X_cf.isna().any(axis=1).to_numpy()
        imm = self.data.immutable_features
        kept = (
            float((X_cf.loc[found, imm] == self.X_test.loc[found, imm]).all(axis=1).mean())
            if imm and found.any()
            else 1.0
        )
        return {
            "cost": parts["cost"],
            "validity": parts["validity"],
            "lof": parts["lof"],
            "score": parts["score"],
            "found": float(found.mean()),
            "immutables_kept": kept,
        }


QUALITY = ["cost", "validity", "lof", "score", "found", "immutables_kept"]
TIMING = ["seconds_per_cf", "fit_seconds"]


def run_benchmark(
    dataset,
    methods,
    seeds=(0,),
    n_test=200,
    data_dir=None,
    progress=True,
    sampling_seeds=None,
    params=None,
):
    """Run the protocol; returns a DataFrame with one row per method, seed and sampling seed.

    ``sampling_seeds`` redraws the recourse of sampling generators (GenRe)
    without refitting. ``params`` maps a method name to a list of parameter
    dicts, each fitted and reported separately (a sweep, e.g. over ``lam``).
    """
    from tqdm.auto import tqdm

    unknown = [m for m in methods if m not in _METHODS]
    if unknown:
        raise ValueError(f"Unknown methods {unknown}; available: {sorted(_METHODS)}.")
    data = load_benchmark_data(dataset, data_dir)
    rows = []
    bar = tqdm(total=len(seeds) * (len(methods) + 1), disable=not progress, desc=dataset)
    for seed in seeds:
        bar.set_postfix_str(f"seed {seed}: oracle and classifier")
        protocol = Protocol(data, seed, n_test)
        bar.update()
        for method in methods:
            bar.set_postfix_str(f"seed {seed}: {method}")
            for setting in (params or {}).get(method, [None]):
                for row in protocol.evaluate(
                    method, _METHODS[method][0], seed, sampling_seeds, setting
                ):
                    rows.append({"dataset": dataset, **row})
            bar.update()
    bar.close()
    return pd.DataFrame(rows)


def summarize(results):
    """Mean (and std over seeds and sampling seeds) per dataset, method and setting."""
    cols = QUALITY + TIMING
    settings = _setting_columns(results)
    keys = ["dataset", "method"] + settings
    # a setting may be a list or dict (increasing_features, feature_bounds):
    # grouped by its repr, as pandas cannot group unhashable values
    results = results.assign(**{c: results[c].map(_hashable) for c in settings})
    grouped = results.groupby(keys, sort=False, dropna=False)[cols]
    mean = grouped.mean()
    if len(results) > results.groupby(keys, dropna=False).ngroups:
        std = grouped.std(ddof=0).add_suffix("_std")
        mean = mean.join(std)
    return mean.reset_index()


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _setting_columns(results):
    fixed = {"dataset", "method", "seed", "sampling_seed", *QUALITY, *TIMING}
    return [c for c in results.columns if c not in fixed]


def to_markdown(summary):
    """A Markdown table: Cost / Val / LOF / Score / found / immutables kept / s per CF / fit s."""
    header = (
        "| dataset | method | Cost | Val | LOF | Score | found | immutables kept | s per CF "
        "| fit s |"
    )
    lines = [header, "|" + "---|" * 10]
    settings = _setting_columns(summary.drop(columns=[c for c in summary if c.endswith("_std")]))
    for r in summary.itertuples(index=False):
        method = r.method + "".join(
            f" {k}={getattr(r, k)}" for k in settings if pd.notna(getattr(r, k))
        )
        def f(name, digits=3):
            value = getattr(r, name)
            std = getattr(r, f"{name}_std", None)
            return f"{value:.{digits}f}" + (f" ± {std:.{digits}f}" if std is not None else "")

        lines.append(
            f"| {r.dataset} | {method} | {f('cost')} | {f('validity')} | {f('lof')} | "
            f"{f('score')} | {f('found')} | {f('immutables_kept')} | {r.seconds_per_cf:.4f} "
            f"| {r.fit_seconds:.1f} |"
        )
    return "\n".join(lines)


def write_files(output_dir, stem, payload, markdown):
    """Write ``stem.json`` and ``stem.md`` into ``output_dir``; return the Markdown."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / f"{stem}.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    (output_dir / f"{stem}.md").write_text(markdown + "\n")
    return markdown


def write_results(results, output_dir, stem):
    """Write ``stem.json`` (per-seed rows, quality and timing apart) and ``stem.md``."""
    summary = summarize(results)
    keys = ["dataset", "method", "seed", "sampling_seed"] + _setting_columns(results)
    payload = {
        "protocol": "GenRe Table 2 (SPEC section 7)",
        "quality": results[keys + QUALITY].to_dict(orient="records"),
        "timing": results[keys + TIMING].to_dict(orient="records"),
    }
    return write_files(output_dir, stem, payload, to_markdown(summary))


def plot_lam_sweep(results, path):
    """Paper Figure 4: -cost/d against validity and against LOF, one point per lam.

    Needs matplotlib (``pip install sklearn-recourse[plots]``).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sweep = results.dropna(subset=["lam"]) if "lam" in results else results.iloc[:0]
    if sweep.empty:
        raise ValueError("No lam sweep in the results: run with --sweep-lam.")
    fig, axes = plt.subplots(2, 1, figsize=(4.5, 6), sharex=True)
    for dataset, part in sweep.groupby("dataset"):
        mean = part.groupby("lam")[["score", "validity", "lof"]].mean()
        x = mean["score"] - mean["validity"] - mean["lof"]  # = -cost / d
        for ax, metric in zip(axes, ["validity", "lof"]):
            ax.plot(x, mean[metric], "o-", label=dataset)
            for lam, xi, yi in zip(mean.index, x, mean[metric]):
                ax.annotate(f"λ={lam:g}", (xi, yi), fontsize=7, xytext=(3, 3),
                            textcoords="offset points")
            ax.set_ylabel(metric)
    axes[0].legend()
    axes[1].set_xlabel("-cost / d")
    fig.suptitle("GenRe: cost against validity and LOF as λ varies")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
