"""Benchmark of FairSACRecourse ("Fair Recourse for All", SPEC §5).

Per (dataset, sensitive feature, seed): the papers' MLP classifier is fitted on
the CARLA training split; FairSACRecourse is fitted on the same rows for each
fairness level and objective; on up to ``n_test`` held-out rows the
classifier rejects (the affected rows) it reports, per group, the share given
valid recourse (effectiveness) and N_phi, and overall ASR, PD, per-individual
validity, mean Gower distance and training time. The per-individual
baselines NNR and Wachter run on the same rows.
"""

import time

import numpy as np
import pandas as pd

SETTINGS = {
    "adult-race": dict(dataset="adult", sensitive="race", immutable=["sex"]),
    "adult-sex": dict(dataset="adult", sensitive="sex", immutable=["race"]),
    "compas-race": dict(dataset="compas", sensitive="race", immutable=["sex"]),
}
INCREASING = {"adult": ["age", "education-num"], "compas": ["age"]}


def _data(dataset):
    from . import datasets

    load = getattr(datasets, f"load_{dataset}")
    return load(subset="train"), load(subset="test")


def _group_rows(name, method, seed, groups, found, gower, fit_seconds, extra=None):
    eff = pd.Series(found).groupby(np.asarray(groups)).mean()
    row = {
        "setting": name,
        "method": method,
        "seed": seed,
        "asr": float(eff.mean()),
        "pd": float(eff.max() - eff.min()),
        "validity": float(np.mean(found)),
        "gower": float(np.nanmean(gower)) if np.isfinite(gower).any() else float("nan"),
        "fit_seconds": fit_seconds,
    }
    row.update({f"eff[{g}]": float(v) for g, v in eff.items()})
    row.update(extra or {})
    return row


def evaluate(name, seed=0, *, levels, objectives, n_test=2000, params=None, baselines=True):
    """Rows of results for one setting and seed."""
    from ._base import default_classifier
    from ._fair_sac import FairSACRecourse
    from ._nearest_neighbor import NearestNeighborRecourse
    from ._wachter import WachterRecourse
    from .metrics import gower_distance

    spec = SETTINGS[name]
    train, test = _data(spec["dataset"])
    clf = default_classifier(random_state=seed).fit(train.data, train.target)
    affected = test.data[clf.predict(test.data) == 0]
    affected = affected.sample(n=min(n_test, len(affected)), random_state=seed)
    groups = affected[spec["sensitive"]].to_numpy()
    constraints = dict(
        immutable_features=spec["immutable"],
        increasing_features=INCREASING[spec["dataset"]],
    )
    rows = []

    def gower_of(gen, X_cf):
        found = gen.found_
        gower = np.full(len(found), np.nan)
        if found.any():
            gower[found] = gower_distance(
                affected[found], X_cf[found], feature_space=gen.feature_space_
            )
        return found, gower

    for level in levels:
        for objective in objectives:
            gen = FairSACRecourse(
                clf,
                sensitive_feature=spec["sensitive"],
                fairness=level,
                objective=objective,
                random_state=seed,
                **constraints,
                **(params or {}),
            )
            start = time.perf_counter()
            gen.fit(train.data, train.target)
            fit_seconds = time.perf_counter() - start
            report = gen.fairness_report(affected)
            found, gower = gower_of(gen, gen.transform(affected))
            n_phi = {f"n_phi[{g}]": int(v) for g, v in report["n_phi"].items()}
            extra = {
                "level": level,
                "objective": objective,
                "timesteps": int(sum(u["timesteps"] for u in gen.units_)),
                **n_phi,
            }
            rows.append(
                _group_rows(name, "fair_sac", seed, groups, found, gower, fit_seconds, extra)
            )
    if baselines:
        for method, gen in (
            ("nnr", NearestNeighborRecourse(clf, **constraints, random_state=seed)),
            ("wachter", WachterRecourse(clf, **constraints, random_state=seed)),
        ):
            gen.set_params(immutable_features=spec["immutable"] + [spec["sensitive"]])
            start = time.perf_counter()
            gen.fit(train.data, train.target)
            seconds = time.perf_counter() - start  # fit only, as for FairSAC
            found, gower = gower_of(gen, gen.transform(affected))
            rows.append(_group_rows(name, method, seed, groups, found, gower, seconds))
    return rows


def run(settings, seeds=(0,), *, levels, objectives, n_test=2000, params=None, progress=True):
    from tqdm.auto import tqdm

    rows = []
    for name in tqdm(settings, disable=not progress, desc="FairSACRecourse"):
        for seed in seeds:
            rows += evaluate(
                name, seed, levels=levels, objectives=objectives, n_test=n_test, params=params
            )
    return pd.DataFrame(rows)


def to_markdown(results):
    results = results.copy()
    keys = ["setting", "method", "level", "objective"]
    for k in keys:
        if k not in results:
            results[k] = np.nan
    per_group = [c for c in results.columns if c.startswith(("eff[", "n_phi["))]
    cols = ["asr", "pd", "validity", "gower", "fit_seconds"] + per_group
    summary = results.groupby(keys, sort=False, dropna=False)[cols].mean().reset_index()
    head = "| setting | method | level | objective | ASR | PD | validity | Gower | fit s | per group |"
    lines = [head, "|" + "---|" * 10]
    for _, r in summary.iterrows():
        groups = ", ".join(
            f"{c} {r[c]:.3g}" for c in per_group if pd.notna(r[c])
        )
        level = r["level"] if isinstance(r["level"], str) else "-"
        objective = r["objective"] if isinstance(r["objective"], str) else "-"
        lines.append(
            f"| {r['setting']} | {r['method']} | {level} | {objective} | {r['asr']:.3f} | "
            f"{r['pd']:.3f} | {r['validity']:.3f} | {r['gower']:.3f} | "
            f"{r['fit_seconds']:.1f} | {groups} |"
        )
    return "\n".join(lines)


def write(results, output_dir, stem):
    from ._benchmark import write_files

    payload = {"protocol": "Fair Recourse for All (SPEC §5)", "rows": results.to_dict("records")}
    return write_files(output_dir, stem, payload, to_markdown(results))
