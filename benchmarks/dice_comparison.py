"""GenRe against DiCE on the GenRe Table 2 protocol, timed in the same process.

DiCE (``dice-ml``) is not a dependency of sklearn-recourse: install it for this
script only, for example without its model backends::

    pip install --no-deps --target /tmp/dice dice-ml raiutils jsonschema attrs \\
        referencing jsonschema-specifications rpds-py
    PYTHONPATH=/tmp/dice python benchmarks/dice_comparison.py --dataset compas --seeds 0,1,2

For each protocol seed: the oracle, sampled labels, classifier h and the 200 test
rows h rejects (``sklearn_recourse._benchmark.Protocol``); then DiCE ``random``
(``total_CFs=1``, ``desired_class=1``, every feature but the immutables may vary,
its default ``sample_size`` 1000 and post-hoc sparsity) and GenReRecourse with
its defaults, each scored by the protocol (oracle validity, protocol LOF). The
seconds per counterfactual are the wall time of DiCE's
``generate_counterfactuals`` and of GenRe's ``transform`` over the same rows,
divided by the number of rows; the ratio is DiCE's over GenRe's.
"""

import argparse
import contextlib
import io
import os
import sys
import time

os.environ.setdefault("TQDM_DISABLE", "1")  # DiCE wraps its query loop in tqdm

import numpy as np
import pandas as pd

from sklearn_recourse._benchmark import _METHODS, Protocol, load_benchmark_data

OUTCOME = "__outcome__"
COLUMNS = ["cost", "validity", "lof", "score", "found", "immutables_kept", "seconds_per_cf"]


def _restore_categorical_dtypes(reference, categorical):
    """DiCE's ``func`` hook: give h non-string categoricals in their training dtype.

    DiCE hands categorical values to the model as strings; h refuses the string
    "1" for a feature fitted on the integer 1 (COMPAS ``two_year_recid``).
    """
    columns = [
        c
        for c in categorical
        if not (pd.api.types.is_string_dtype(reference[c]) or reference[c].dtype == object)
    ]
    if not columns:
        return None
    dtypes = reference.dtypes

    def func(X, data_interface=None):
        X = X.copy() if isinstance(X, pd.DataFrame) else pd.DataFrame(X, columns=reference.columns)
        for c in columns:
            X[c] = pd.to_numeric(X[c].astype(str)).astype(dtypes[c])
        return X

    return func


def _as_protocol_rows(counterfactuals, X_test):
    """One DiCE row per test row (NaN where none) in the test rows' dtypes."""
    X_cf = pd.DataFrame(index=X_test.index, columns=X_test.columns, dtype=object)
    for index, row in zip(X_test.index, counterfactuals):
        if row is not None:
            X_cf.loc[index] = row[list(X_test.columns)].to_numpy()
    found = ~X_cf.isna().any(axis=1)
    out = pd.DataFrame(index=X_test.index)
    for c in X_test.columns:
        dtype, col = X_test[c].dtype, X_cf[c].where(found, None)
        if pd.api.types.is_numeric_dtype(dtype):
            values = pd.to_numeric(col.astype(str).where(found, None))
            # an integer column cannot hold NaN, so it stays float where a row is missing
            is_int = pd.api.types.is_integer_dtype(dtype)
            out[c] = values.round().astype(dtype) if is_int and found.all() else values
        else:
            out[c] = col.map(lambda v: None if v is None else str(v)).astype(dtype)
    return out


def dice_random(protocol, data, seed):
    import dice_ml
    from raiutils.exceptions import UserConfigValidationException

    train = protocol.X_train.copy()
    train[OUTCOME] = np.asarray(protocol.y_train).astype(int)
    continuous = [c for c in protocol.X_train.columns if c not in data.categorical_features]
    explainer = dice_ml.Dice(
        dice_ml.Data(dataframe=train, continuous_features=continuous, outcome_name=OUTCOME),
        dice_ml.Model(
            model=protocol.classifier,
            backend="sklearn",
            func=_restore_categorical_dtypes(protocol.X_train, data.categorical_features),
        ),
        method="random",
    )
    mutable = [c for c in protocol.X_train.columns if c not in data.immutable_features]
    X_test = protocol.X_test
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # DiCE prints per row
        try:
            examples = explainer.generate_counterfactuals(
                query_instances=X_test,
                total_CFs=1,
                desired_class=1,
                features_to_vary=mutable,
                random_seed=seed,
            ).cf_examples_list
        except UserConfigValidationException:  # no row got a counterfactual
            examples = [None] * len(X_test)
    seconds = time.perf_counter() - start
    rows = []
    for example in examples:
        frame = None if example is None else example.final_cfs_df_sparse
        if frame is None or len(frame) == 0:
            frame = None if example is None else example.final_cfs_df
        rows.append(None if frame is None or len(frame) == 0 else frame.iloc[0])
    quality = protocol._quality(_as_protocol_rows(rows, X_test))
    return {**quality, "seconds_per_cf": seconds / len(X_test)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="compas", choices=["compas", "adult", "heloc"])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--data-dir", default=None, help="folder with the HELOC csv files")
    args = parser.parse_args(argv)
    try:
        import dice_ml  # noqa: F401
    except ImportError:
        sys.exit("dice-ml is not installed; see the docstring of this script.")
    data = load_benchmark_data(args.dataset, args.data_dir)
    rows = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        protocol = Protocol(data, seed)
        dice = dice_random(protocol, data, seed)
        (genre,) = protocol.evaluate("genre", _METHODS["genre"][0], seed)
        for method, result in (("dice random", dice), ("genre", genre)):
            rows.append({"seed": seed, "method": method, **{k: result[k] for k in COLUMNS}})
        ratio = dice["seconds_per_cf"] / genre["seconds_per_cf"]
        print(f"seed {seed}: DiCE {dice['seconds_per_cf']:.4f} s per CF, GenRe "
              f"{genre['seconds_per_cf']:.4f} s per CF, ratio {ratio:.0f}x", flush=True)
    table = pd.DataFrame(rows)
    mean = table.groupby("method", sort=False)[COLUMNS].mean()
    mean.loc["ratio DiCE / GenRe", "seconds_per_cf"] = (
        mean.loc["dice random", "seconds_per_cf"] / mean.loc["genre", "seconds_per_cf"]
    )
    print(table.round(4).to_string(index=False))
    print(mean.round(4).to_string())


if __name__ == "__main__":
    main()
