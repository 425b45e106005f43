"""GenRe: pair distribution, loss, sampling and the estimator on real data."""

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import LinearSVC

from sklearn_recourse import FeatureSpace, GenReRecourse, default_classifier
from sklearn_recourse._genre_network import RecourseTransformer
from sklearn_recourse._genre_training import (
    Bins,
    forward_sample,
    row_uniforms,
    soft_label_loss,
    soft_labels,
)
from sklearn_recourse._pairs import draw_partners, pair_distribution
from sklearn_recourse.datasets import load_compas

FAST = dict(d_model=16, n_heads=2, dim_feedforward=32, max_epochs=6)


@pytest.fixture(scope="module")
def compas():
    bunch = load_compas(subset="train")
    X = bunch.data.iloc[:2000].reset_index(drop=True)
    y = bunch.target.iloc[:2000].to_numpy()
    test = load_compas(subset="test").data.iloc[:200]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = default_classifier(bunch.categorical_features, random_state=0).fit(X, y)
    return X, y, test, clf, bunch.categorical_features


@pytest.fixture(scope="module")
def fitted(compas):
    X, y, _, clf, categorical = compas
    gen = GenReRecourse(
        clf,
        immutable_features=["race", "sex"],
        increasing_features=["age"],
        feature_bounds={"priors_count": (0, 15)},
        categorical_features=categorical,
        random_state=0,
        **{**FAST, "max_epochs": 15},
    )
    return gen.fit(X, y)


# ---------------------------------------------------------------- pairs
def _brute_force_q(fs, Z_neg, Z_pos, lam, top_k):
    """Q by the dense definition: every reachable favourable row, top-k, renormalised."""
    cost = np.array([[fs.cost(z[None], p[None])[0] for p in Z_pos] for z in Z_neg])
    same = fs.immutable_groups(np.vstack([Z_neg, Z_pos]))
    reachable = same[: len(Z_neg), None] == same[None, len(Z_neg) :]
    for i, z in enumerate(Z_neg):
        reachable[i] &= fs.is_feasible(Z_pos, np.repeat(z[None], len(Z_pos), 0))
    weight = np.where(reachable, np.exp(-lam * cost), 0.0)
    out = []
    for i in range(len(Z_neg)):
        top = np.argsort(-weight[i], kind="stable")[:top_k]
        top = top[weight[i, top] > 0]
        out.append(dict(zip(top, weight[i, top] / weight[i, top].sum())))
    return out


def _mixed_rows(n=120):
    rng = np.random.RandomState(0)
    return pd.DataFrame(
        {
            "a": rng.uniform(0, 10, n),
            "b": rng.uniform(0, 1, n),
            "g": rng.choice(["x", "y", "z"], n),
            "s": rng.choice(["f", "m"], n),
        }
    )


@pytest.mark.parametrize("chunk_elements", [None, 50])
@pytest.mark.parametrize("top_k", [1, 5, 1000])
def test_pair_distribution_equals_brute_force_q(top_k, chunk_elements, monkeypatch):
    if chunk_elements is not None:  # a few sources per k-NN query: the same Q
        import sklearn_recourse._pairs as pairs

        monkeypatch.setattr(pairs, "_CHUNK_ELEMENTS", chunk_elements)
    X = _mixed_rows()
    fs = FeatureSpace(immutable_features=["s"], increasing_features=["a"]).fit(X)
    Z = fs.transform(X)
    Z_neg, Z_pos = Z[:40], Z[40:]
    partners, probs = pair_distribution(fs, Z_neg, Z_pos, lam=3.0, top_k=top_k)
    expected = _brute_force_q(fs, Z_neg, Z_pos, 3.0, top_k)
    assert partners.shape == (40, min(top_k, 80))
    for i, q in enumerate(expected):
        got = {p: w for p, w in zip(partners[i], probs[i]) if p >= 0}
        assert set(got) == set(q)
        for p, w in q.items():
            assert got[p] == pytest.approx(w, rel=1e-9)
        # nearest first, and no dense matrix was needed to get there
        costs = fs.cost(np.repeat(Z_neg[[i]], len(got), 0), Z_pos[list(got)])
        assert np.all(np.diff(costs) >= -1e-12)


@pytest.mark.parametrize("top_k", [5, 1000])
def test_pair_distribution_respects_decreasing_features_and_bounds(top_k):
    # bounds inside the data range, so that some favourable rows are out of reach
    X = _mixed_rows()
    fs = FeatureSpace(
        immutable_features=["s"], decreasing_features=["b"], feature_bounds={"a": (2.0, 8.0)}
    ).fit(X)
    Z = fs.transform(X)
    Z_neg, Z_pos = Z[:40], Z[40:]
    partners, probs = pair_distribution(fs, Z_neg, Z_pos, lam=3.0, top_k=top_k)
    for i, q in enumerate(_brute_force_q(fs, Z_neg, Z_pos, 3.0, top_k)):
        got = {p: w for p, w in zip(partners[i], probs[i]) if p >= 0}
        assert set(got) == set(q)
        for p, w in q.items():
            assert got[p] == pytest.approx(w, rel=1e-9)


def test_a_group_without_favourable_rows_gets_no_partners():
    # sources and targets must share one numbering of the immutable groups
    X = _mixed_rows()
    fs = FeatureSpace(immutable_features=["s"]).fit(X)
    Z = fs.transform(X)
    s = X["s"].to_numpy()
    Z_neg, Z_pos = Z[:40], Z[40:][s[40:] == "m"]
    partners, probs = pair_distribution(fs, Z_neg, Z_pos, lam=3.0, top_k=5)
    female = s[:40] == "f"
    assert female.any() and (~female).any()
    assert (partners[female] == -1).all() and (probs[female] == 0).all()
    assert (partners[~female] >= 0).all()


def test_drawn_partners_follow_q():
    partners = np.array([[3, 7, -1]])
    probs = np.array([[0.75, 0.25, 0.0]])
    rng = np.random.RandomState(0)
    draws = np.concatenate([draw_partners(partners, probs, rng) for _ in range(4000)])
    assert set(draws) == {3, 7}
    assert np.mean(draws == 3) == pytest.approx(0.75, abs=0.03)


# ----------------------------------------------------------------- loss
def test_loss_equals_eq8_on_a_hand_made_case():
    # one continuous feature with 3 bins over [0, 0.9] (width 0.3, centres
    # 0.15, 0.45, 0.75) and one categorical feature with 2 categories
    bins = Bins.from_targets(
        np.array([[0.0, 0], [0.9, 1]]), np.array([False, True]), np.array([0, 2]), 3
    )
    np.testing.assert_allclose(bins.centers[0], [0.15, 0.45, 0.75])
    np.testing.assert_allclose(bins.centers[1, :2], [0, 1])
    assert np.isnan(bins.centers[1, 2])
    targets = torch.tensor([[0.4, 1.0], [0.75, 0.0]], dtype=torch.float64)
    logits = torch.tensor(
        [[[0.2, 1.0, -0.5], [0.3, -0.3, -1e9]], [[1.5, 0.0, 0.5], [2.0, 1.0, -1e9]]],
        dtype=torch.float64,
    )
    loss = soft_label_loss(logits, soft_labels(targets, bins))

    def by_hand(x, cat, row_logits):
        kernel = np.exp(-0.5 * ((x - np.array([0.15, 0.45, 0.75])) / 0.3) ** 2)
        labels = kernel / kernel.sum()
        log_p = row_logits[0] - np.log(np.exp(row_logits[0]).sum())
        log_q = row_logits[1][:2] - np.log(np.exp(row_logits[1][:2]).sum())
        return -(labels * log_p).sum() - log_q[cat]

    expected = np.mean(
        [by_hand(0.4, 1, logits[0].numpy()), by_hand(0.75, 0, logits[1].numpy())]
    )
    assert float(loss) == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------------- sampling
def test_infinite_temperature_without_noise_is_deterministic(fitted, compas):
    test = compas[2].iloc[:40]
    fitted.set_params(temperature=np.inf, sigma=0.0)
    try:
        a = fitted.set_params(sampling_seed=1).sample(test, n_samples=4)
        b = fitted.set_params(sampling_seed=2).sample(test, n_samples=4)
    finally:
        fitted.set_params(temperature=10.0, sampling_seed=None)
    pd.testing.assert_frame_equal(a, b)
    # every draw of a row is the same most-likely recourse
    values = a.to_numpy().reshape(40, 4, -1)
    same = [pd.isna(v).all() or (v == v[0]).all() for v in values]
    assert all(same)


def test_finite_temperature_draws_differ_between_seeds(fitted, compas):
    test = compas[2].iloc[:40]
    a = fitted.set_params(sampling_seed=1).sample(test, n_samples=4)
    b = fitted.set_params(sampling_seed=2).sample(test, n_samples=4)
    fitted.set_params(sampling_seed=None)
    assert not a.equals(b)


def test_round_trip_on_real_data_is_valid_and_feasible(fitted, compas):
    X, _, test, clf, _ = compas
    before = test.copy()
    X_cf = fitted.transform(test)
    pd.testing.assert_frame_equal(test, before)
    rejected = clf.predict(test) == 0
    found = fitted.found_
    assert found[rejected].mean() > 0.9
    cf, orig = X_cf[found], test[found]
    assert (clf.predict(cf) == 1).all()
    assert (cf[["race", "sex"]] == orig[["race", "sex"]]).all().all()
    assert (cf["age"] >= orig["age"]).all()
    assert (cf["priors_count"] <= np.maximum(15, orig["priors_count"])).all()
    for col in ["c_charge_degree", "race", "sex", "two_year_recid"]:
        assert set(cf[col]).issubset(set(X[col]))
    # recourse costs something but stays local: far less than the data spread
    cost = fitted.feature_space_.cost(
        fitted.feature_space_.transform(orig[rejected[found]]),
        fitted.feature_space_.transform(cf[rejected[found]]),
    )
    assert 0 < cost.mean() < 1.5


@pytest.mark.parametrize("bin_value", ["center", "nearest", "both"])
def test_constraints_hold_while_sampling(fitted, compas, bin_value):
    """Draws are feasible before any projection: constraints are applied while sampling."""
    from sklearn_recourse._genre_training import forward_sample, row_uniforms

    test = compas[2].iloc[:60]
    fs = fitted.feature_space_
    Z = fs.transform(test)
    tokens = forward_sample(
        fitted.model_, fitted._tokens(Z), 5, fitted.bins_, **fitted._sampling_constraints(Z),
        temperature=10.0,
        sigma=0.0 if bin_value == "both" else 0.01,
        bin_value=bin_value, uniforms=row_uniforms(Z, 0, 5, 7),
    )
    per_row = 10 if bin_value == "both" else 5
    assert tokens.shape == (60, per_row, 7)
    flat = fitted._from_tokens(tokens.reshape(-1, 7))
    Z_rep = np.repeat(Z, per_row, axis=0)
    cont = fs._continuous_cols
    lo, hi = fs.bounds_for(Z_rep)
    assert np.all(flat[:, cont] >= lo[:, cont] - 1e-12)
    assert np.all(flat[:, cont] <= hi[:, cont] + 1e-12)
    imm = np.concatenate([fs.columns_[j] for j in np.flatnonzero(fs.immutable_)])
    np.testing.assert_array_equal(flat[:, imm], Z_rep[:, imm])
    if bin_value == "both":
        # the nearest variant of a draw is never further from the row than its centre
        centre, near = tokens[:, :5], tokens[:, 5:]
        x = fitted._tokens(Z)[:, None, :]
        assert np.all(np.abs(near - x) <= np.abs(centre - x) + 1e-12)


def test_selection_rules(fitted, compas):
    test = compas[2].iloc[:80]
    fs = fitted.feature_space_
    Z = fs.transform(test)
    rejected = fitted.classifier_.predict(test) == 0
    results = {}
    for rule in ["score", "probability", "cost"]:
        fitted.set_params(selection=rule)
        X_cf = fitted.transform(test)
        ok = fitted.found_ & rejected
        proba = fitted.classifier_.predict_proba(X_cf[ok])[:, 1]
        cost = fs.cost(Z[ok], fs.transform(X_cf[ok]))
        results[rule] = (proba.mean(), cost.mean())
    fitted.set_params(selection="score")
    # same draws, so the probability rule has the highest mean probability and
    # the cost rule the lowest mean cost
    assert results["probability"][0] >= max(r[0] for r in results.values()) - 1e-12
    assert results["cost"][1] <= min(r[1] for r in results.values()) + 1e-12


def test_label_rate_and_the_blended_validity_estimate(fitted, compas):
    X, y = compas[0], compas[1]
    fs = fitted.feature_space_
    Z_train = fs.transform(X)
    Z_query = fs.transform(compas[2].iloc[:30])
    # brute force: share of favourable labels among the 15 training rows nearest
    # (Euclidean in the cost embedding), every row tied with the 15th included
    emb, emb_query = fs.cost_embedding(Z_train), fs.cost_embedding(Z_query)
    dist = np.sqrt(((emb_query[:, None, :] - emb[None, :, :]) ** 2).sum(axis=2))
    kth = np.sort(dist, axis=1)[:, 14:15]
    within = dist <= kth + 1e-9
    expected = (within * (y == 1)).sum(axis=1) / within.sum(axis=1)
    assert (within.sum(axis=1) > 15).any()  # COMPAS has ties: they must count
    np.testing.assert_allclose(fitted._label_rate(Z_query), expected)
    # "score" picks the accepted draw with the best blended estimate; weight 0 is h alone
    test = compas[2].iloc[:80]
    Z = fs.transform(test)
    rejected = np.flatnonzero(fitted.classifier_.predict(test) == 0)
    X_rej, Z_rej, d = test.iloc[rejected], Z[rejected], fs.n_features_in_
    draws = fitted._draw(Z_rej, fitted.n_samples, 0)  # the draws _ranked makes with seed 0
    picks = {}
    for weight in (0.0, 1.0):
        fitted.set_params(label_weight=weight)
        ranked, ok = fitted._ranked(X_rej, Z_rej, fitted.n_samples, 0)
        picks[weight] = ranked[:, 0]
        for i in np.flatnonzero(ok[:, 0])[:5]:
            rows = [i] * len(draws[i])
            decoded = fitted._decode(X_rej.iloc[rows], Z_rej[rows], draws[i])
            p = fitted.classifier_.predict_proba(decoded)[:, 1]
            v = (1 - weight) * p + weight * fitted._label_rate(draws[i])
            inlier = fitted._plausibility_model().predict(draws[i]) == 1
            u = v + inlier - fs.cost(Z_rej[rows], draws[i]) / d
            u[fitted.classifier_.predict(decoded) != 1] = -np.inf
            np.testing.assert_allclose(ranked[i, 0], draws[i][np.argmax(u)])
    fitted.set_params(label_weight=0.25)
    assert not np.array_equal(picks[0.0], picks[1.0])


def test_label_rate_on_a_subsample_of_large_training_data(compas, monkeypatch):
    from sklearn_recourse import _genre

    # past _LABEL_ROWS training rows the labelled neighbourhood is a seeded
    # subsample; each kept row must keep its own label
    monkeypatch.setattr(_genre, "_LABEL_ROWS", 300)
    X, y, _, clf, categorical = compas
    params = dict(categorical_features=categorical, random_state=0, **{**FAST, "max_epochs": 1})
    fits = [GenReRecourse(clf, **params).fit(X, y) for _ in range(2)]
    index = fits[0]._label_index
    assert index.n_samples_fit_ == 300
    emb = fits[0].feature_space_.cost_embedding(fits[0].feature_space_.transform(X))
    kept = index._fit_X
    same = (np.abs(kept[:, None, :] - emb[None, :, :]).max(axis=2) < 1e-12)
    assert same.any(axis=1).all()  # every kept row is a training row
    # a kept row's label is the label of a training row equal to it
    labels = fits[0]._label_favourable
    assert all(labels[i] in set(y[same[i]] == 1) for i in range(len(kept)))
    assert len(np.unique(kept, axis=0)) > 200  # a spread, not one region
    np.testing.assert_array_equal(kept, fits[1]._label_index._fit_X)
    np.testing.assert_array_equal(labels, fits[1]._label_favourable)


def test_single_row_and_batch_give_feasible_recourse(fitted, compas):
    row = compas[2].iloc[[0]]
    out = fitted.transform(row)
    assert out.shape == (1, 7) and out.index.equals(row.index)
    rejected = fitted.classifier_.predict(compas[2]) == 0
    row = compas[2][rejected].iloc[[0]]
    out = fitted.transform(row)
    assert fitted.found_.tolist() == [True]
    assert fitted.classifier_.predict(out)[0] == 1


def test_same_seed_same_model_and_recourse(compas):
    X, y, test, clf, categorical = compas
    kwargs = dict(categorical_features=categorical, random_state=3, **FAST)
    a = GenReRecourse(clf, **kwargs).fit(X, y)
    b = GenReRecourse(clf, **kwargs).fit(X, y)
    assert a.loss_curve_ == b.loss_curve_
    # fit, not the first transform, pays for the selection's LOF
    lof = a._lof
    assert lof is not None
    pd.testing.assert_frame_equal(a.transform(test), b.transform(test))
    assert a._lof is lof
    # torch's global random state is left alone
    state = torch.random.get_rng_state()
    GenReRecourse(clf, **kwargs).fit(X, y)
    assert torch.equal(state, torch.random.get_rng_state())


def test_early_stopping_keeps_the_best_epoch():
    X, y = make_moons(n_samples=300, noise=0.2, random_state=0)
    gen = GenReRecourse(
        LogisticRegression(), max_epochs=200, n_iter_no_change=2, tol=10.0, random_state=0,
        **{k: v for k, v in FAST.items() if k != "max_epochs"},
    ).fit(X, y)
    # tol=10 makes every epoch after the first "no improvement"
    assert gen.n_iter_ == 3 and gen.best_epoch_ == 1
    assert len(gen.loss_curve_) == len(gen.validation_loss_curve_) == 3


def test_grid_search_over_lam(compas):
    X, y, _, clf, categorical = compas
    from sklearn.frozen import FrozenEstimator

    search = GridSearchCV(
        GenReRecourse(
            FrozenEstimator(clf), categorical_features=categorical, random_state=0, **FAST
        ),
        {"lam": [1.0, 10.0]},
        cv=2,
    ).fit(X.iloc[:800], y[:800])
    assert search.best_params_["lam"] in (1.0, 10.0)
    scores = search.cv_results_["mean_test_score"]
    assert np.all((scores > 0) & (scores <= 2))


def test_larger_lam_gives_cheaper_pairs(compas):
    X, y, _, clf, categorical = compas
    fs = FeatureSpace(categorical_features=categorical).fit(X)
    Z = fs.transform(X)
    Z_neg, Z_pos = Z[y == 0][:200], Z[y == 1]
    expected = []
    for lam in (0.5, 5.0, 50.0):
        partners, probs = pair_distribution(fs, Z_neg, Z_pos, lam=lam, top_k=200)
        costs = np.stack(
            [fs.cost(np.repeat(Z_neg[[i]], 200, 0), Z_pos[partners[i]]) for i in range(200)]
        )
        expected.append((probs * costs).sum(axis=1).mean())
    assert expected[0] > expected[1] > expected[2]


def test_bad_input_errors(compas):
    X, y, _, clf, categorical = compas
    with pytest.raises(ValueError, match="n_heads=3 must divide d_model=16"):
        GenReRecourse(clf, d_model=16, n_heads=3).fit(X, y)
    with pytest.raises(ValueError, match="predict_proba"):
        X_num, y_num = make_moons(n_samples=100, random_state=0)
        GenReRecourse(LinearSVC()).fit(X_num, y_num)
    with pytest.raises(ValueError, match="No favourable rows"):
        GenReRecourse(clf, categorical_features=categorical, gamma=0.99999).fit(X, y)
    with pytest.raises(ValueError, match="lam"):
        GenReRecourse(clf, lam=0).fit(X, y)
    # a 1-NN classifier accepts every favourable row and rejects every other
    X_num, y_num = make_moons(n_samples=100, random_state=0)
    gen = GenReRecourse(KNeighborsClassifier(n_neighbors=1), **FAST).fit(X_num, y_num)
    with pytest.raises(ValueError, match="features"):
        gen.transform(X_num[:, :1])


def test_divergent_training_and_infinite_temperature(compas):
    X_num, y_num = make_moons(n_samples=200, random_state=0)
    with pytest.raises(ValueError, match="diverged.*lower learning_rate"):
        GenReRecourse(
            LogisticRegression(), learning_rate=1e6, random_state=0, **{**FAST, "max_epochs": 3}
        ).fit(X_num, y_num)
    # the documented "most likely bin" setting is a valid parameter value at fit
    gen = GenReRecourse(
        LogisticRegression(), temperature=np.inf, random_state=0, **{**FAST, "max_epochs": 2}
    ).fit(X_num, y_num)
    rejected = X_num[gen.classifier_.predict(X_num) == 0][:20]
    draws = gen.sample(rejected, n_samples=3)
    found = np.isfinite(draws).all(axis=2)
    rows = found.all(axis=1)
    assert rows.any()
    assert np.array_equal(draws[rows, 0], draws[rows, 1])


def test_feature_constant_over_favourable_rows_keeps_its_value():
    # every favourable row has z = 0 while the others spread over [0, 1]: the
    # single bin of z must sit at 0, where the favourable rows are
    rng = np.random.RandomState(0)
    n = 600
    y = (rng.rand(n) > 0.5).astype(int)
    X = np.c_[rng.randn(n) + 2 * y, np.where(y == 1, 0.0, rng.rand(n))]
    gen = GenReRecourse(
        LogisticRegression(), random_state=0, **{**FAST, "max_epochs": 10}
    ).fit(X, y)
    j = 1
    assert gen.bins_.counts[j] == 1
    assert gen.bins_.centers[j, 0] == 0.0 and gen.bins_.widths[j] == 0.0
    rejected = X[gen.classifier_.predict(X) == 0][:50]
    X_cf = gen.transform(rejected)
    assert gen.found_.mean() > 0.9
    assert np.all(X_cf[gen.found_, j] == 0.0)


def test_row_uniforms_are_uniform_and_keyed_by_row():
    from scipy import stats

    from sklearn_recourse._genre_training import row_uniforms

    Z = np.random.RandomState(0).uniform(size=(400, 5))
    Z[1] = Z[0]
    u = row_uniforms(Z, 7, 10, 5, n_streams=3)
    assert u.shape == (3, 400, 10, 5) and u.min() >= 0 and u.max() < 1
    assert stats.kstest(u.ravel(), "uniform").pvalue > 1e-3
    # neighbouring counters and rows are not correlated
    assert abs(np.corrcoef(u[0, :, :, 0].ravel(), u[0, :, :, 1].ravel())[0, 1]) < 0.03
    assert abs(np.corrcoef(u[0, 2:-1].ravel(), u[0, 3:].ravel())[0, 1]) < 0.03
    # a row's numbers depend on the row and the seed only
    np.testing.assert_array_equal(u[:, 0], u[:, 1])
    perm = np.random.RandomState(1).permutation(400)
    np.testing.assert_array_equal(row_uniforms(Z[perm], 7, 10, 5)[0], u[0, perm])
    np.testing.assert_array_equal(row_uniforms(Z, 7, 4, 5, n_streams=3), u[:, :, :4])
    assert not np.array_equal(row_uniforms(Z, 8, 10, 5)[0], u[0])
    # rows differing in one value get unrelated numbers
    Z2 = Z.copy()
    Z2[:, 4] += 1e-12
    assert abs(np.corrcoef(row_uniforms(Z2, 7, 10, 5)[0].ravel(), u[0].ravel())[0, 1]) < 0.03


def test_recourse_of_a_row_does_not_depend_on_the_batch(fitted, compas, monkeypatch):
    import sklearn_recourse._genre as genre_module

    test = compas[2].iloc[:40]
    full = fitted.transform(test)
    found = fitted.found_.copy()
    perm = np.random.RandomState(0).permutation(len(test))
    shuffled = fitted.transform(test.iloc[perm])
    pd.testing.assert_frame_equal(shuffled, full.iloc[perm])
    rejected = np.flatnonzero(found & (fitted.classifier_.predict(test) == 0))[:3]
    for i in rejected:
        pd.testing.assert_frame_equal(fitted.transform(test.iloc[[i]]), full.iloc[[i]])
    monkeypatch.setattr(genre_module, "_CHUNK_CANDIDATES", 30)  # 3 rows per chunk
    pd.testing.assert_frame_equal(fitted.transform(test), full)


@pytest.mark.parametrize("selection", ["score", "probability", "cost"])
def test_identical_draws_are_judged_once_with_the_same_ranking(
    fitted, compas, monkeypatch, selection
):
    import sklearn_recourse._genre as genre_module

    gen = copy.deepcopy(fitted).set_params(selection=selection)
    test = compas[2].iloc[:40]
    judged = []
    probability = genre_module.favourable_probability
    monkeypatch.setattr(
        genre_module,
        "favourable_probability",
        lambda clf, X, *args, **kw: judged.append(len(X)) or probability(clf, X, *args, **kw),
    )
    X_cf, samples = gen.transform(test), gen.sample(test, 10)
    rejected = np.flatnonzero(fitted.classifier_.predict(test) == 0)
    Z = fitted.feature_space_.transform(test.iloc[rejected])
    draws = fitted._draw(Z, 10, fitted._sampling_seed())
    distinct = sum(len(np.unique(row, axis=0)) for row in draws)
    assert judged == [distinct, distinct] and distinct < 0.8 * draws[:, :, 0].size
    # judging every draw, duplicates included, ranks the same
    monkeypatch.setattr(genre_module, "_distinct_rows", lambda A: (np.arange(len(A)),) * 2)
    pd.testing.assert_frame_equal(gen.transform(test), X_cf)
    pd.testing.assert_frame_equal(gen.sample(test, 10), samples)


def test_rows_in_chunks_are_all_feasible(fitted, compas, monkeypatch):
    import sklearn_recourse._genre as genre_module

    monkeypatch.setattr(genre_module, "_CHUNK_CANDIDATES", 30)  # 3 rows of 10 per chunk
    test = compas[2].iloc[:50]
    X_cf = fitted.transform(test)
    rejected = fitted.classifier_.predict(test) == 0
    assert fitted.found_[rejected].mean() > 0.9
    ok = fitted.found_
    assert (fitted.classifier_.predict(X_cf[ok]) == 1).all()
    assert (X_cf[ok][["race", "sex"]] == test[ok][["race", "sex"]]).all().all()


def test_cached_decoding_equals_the_full_decoder():
    """Step-by-step logits with cached keys/values equal the teacher-forced pass."""
    from sklearn_recourse._genre_network import RecourseTransformer

    torch.manual_seed(0)
    categorical = np.array([False, True, False, True, False])
    n_categories = np.array([0, 3, 0, 2, 0])
    model = RecourseTransformer(categorical, n_categories, [7, 3, 7, 2, 1], d_model=16,
                                n_heads=4, dim_feedforward=24).eval()
    rng = np.random.RandomState(0)
    source = rng.uniform(size=(9, 5))
    target = rng.uniform(size=(9, 5))
    for j in (1, 3):
        source[:, j] = rng.randint(n_categories[j], size=9)
        target[:, j] = rng.randint(n_categories[j], size=9)
    source_t = torch.as_tensor(source, dtype=torch.float32)
    target_t = torch.as_tensor(target, dtype=torch.float32)
    with torch.no_grad():
        full = model(source_t, target_t)
        memory_kv = model.encode(source_t)
        caches = model.new_caches()
        previous = None
        for j in range(5):
            step = model.step(previous, j, memory_kv, caches)
            torch.testing.assert_close(step, full[:, j], rtol=1e-5, atol=1e-5)
            previous = target_t[:, j]
        # samples of a row share its encoder keys without copies: the same logits
        # as the teacher-forced pass of the repeated rows
        # (every sample has its own target, so a mix-up between samples shows)
        n_samples = 3
        targets = target_t[torch.as_tensor(rng.permutation(np.tile(np.arange(9), n_samples)))]
        full = model(source_t.repeat_interleave(n_samples, 0), targets)
        caches = model.new_caches()
        previous = None
        for j in range(5):
            step = model.step(previous, j, memory_kv, caches, n_samples)
            torch.testing.assert_close(step, full[:, j], rtol=1e-5, atol=1e-5)
            previous = targets[:, j]
    # invalid bins of a feature are masked out
    assert (full[:, 4, 1:] < -1e8).all() and (full[:, 3, 2:] < -1e8).all()


def test_bin_draws_follow_the_tempered_softmax_over_allowed_bins():
    from sklearn_recourse._genre_training import _draw

    logits = torch.log(torch.tensor([[0.1, 0.2, 0.3, 0.4]])).repeat(20000, 1)
    allowed = np.ones((20000, 4), dtype=bool)
    allowed[:, 0] = False
    allowed[:10000, 2] = False
    rng = np.random.default_rng(0)
    k = _draw(logits, allowed, 1.0, rng.random(20000))
    assert not np.isin(k[:10000], [0, 2]).any() and not (k[10000:] == 0).any()
    # first half: bins 1 and 3 in ratio 0.2 : 0.4
    assert np.mean(k[:10000] == 1) == pytest.approx(1 / 3, abs=0.02)
    # second half: bins 1, 2, 3 in ratio 2 : 3 : 4
    assert np.mean(k[10000:] == 2) == pytest.approx(3 / 9, abs=0.02)
    # temperature 2 squares the odds; infinity takes the most likely allowed bin
    k = _draw(logits[10000:], allowed[10000:], 2.0, rng.random(10000))
    assert np.mean(k == 3) == pytest.approx(16 / 29, abs=0.02)
    k = _draw(logits[:10000], allowed[:10000], np.inf, None)
    assert (k == 3).all()
    # finite temperatures so large that the products overflow (in float32, or
    # the temperature itself) behave as infinity, not as NaN probabilities
    for huge in (1e37, 1e39, 1e300):
        k = _draw(logits[:10000], allowed[:10000], huge, rng.random(10000))
        assert (k == 3).all(), huge


def test_sampling_parameters_set_after_fit_are_checked(fitted, compas):
    test = compas[2].iloc[:5]
    for params, match in (
        ({"n_samples": 0}, "n_samples"),
        ({"selection": "bogus"}, "selection"),
        ({"temperature": -1.0}, "temperature"),
    ):
        saved = fitted.get_params()
        fitted.set_params(**params)
        try:
            with pytest.raises(ValueError, match=match):
                fitted.transform(test)
            with pytest.raises(ValueError, match=match):
                fitted.sample(test, n_samples=2)
        finally:
            fitted.set_params(**{k: saved[k] for k in params})
    assert fitted.transform(test).shape == test.shape


def test_a_classifier_accepting_one_training_row():
    # D_h^+ and the plausibility reference set are one row: LOF needs two
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 2))
    s = X.sum(axis=1)
    top = np.sort(s)
    clf = _Threshold((top[-1] + top[-2]) / 2).fit(X, None)
    y = (s >= top[-3]).astype(int)
    gen = GenReRecourse(clf, random_state=0, **{**FAST, "max_epochs": 3}).fit(X, y)
    accepted = X[np.argmax(s)]
    lof = gen._plausibility_model()
    np.testing.assert_array_equal(lof.predict(gen.feature_space_.transform(
        np.vstack([accepted, accepted + 0.1]))), [1, -1])
    X_cf = gen.transform(X[:10])
    assert gen.found_.any()
    np.testing.assert_allclose(X_cf[gen.found_], np.repeat(accepted[None], gen.found_.sum(), 0))
    assert np.isfinite(gen.score(X))


class _Threshold(ClassifierMixin, BaseEstimator):
    """Accepts the rows whose feature sum exceeds t (fitted as it is)."""

    def __init__(self, t=0.0):
        self.t = t

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        p = 1 / (1 + np.exp(-20 * (np.asarray(X, dtype=float).sum(axis=1) - self.t)))
        return np.c_[1 - p, p]

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


@pytest.mark.parametrize("fraction, validated", [(0.99, True), (0.5, True), (0.1, False)])
def test_held_out_share_keeps_a_source_to_train_on(fraction, validated):
    """A share that rounds to every source holds out all but one, not none;
    one that rounds to no source monitors the training loss."""
    from sklearn_recourse._genre_network import RecourseTransformer
    from sklearn_recourse._genre_training import Bins, train

    rng = np.random.RandomState(0)
    source, targets = rng.uniform(size=(4, 2)), rng.uniform(size=(6, 2))
    categorical = np.array([False, False])
    bins = Bins.from_targets(targets, categorical, np.array([0, 0]), 5)
    model = RecourseTransformer(categorical, np.array([0, 0]), bins.counts, d_model=8,
                                n_heads=2, dim_feedforward=8)
    partners = np.tile(np.arange(3), (4, 1))
    probabilities = np.full((4, 3), 1 / 3)
    result = train(model, source, targets, partners, probabilities, bins, learning_rate=1e-3,
                   batch_size=2, max_epochs=2, validation_fraction=fraction,
                   n_iter_no_change=None, tol=0.0, rng=np.random.RandomState(0), verbose=0)
    assert len(result.validation_loss) == (2 if validated else 0)
    assert len(result.train_loss) == 2


# ------------------------------------------ sampling with logits we control
def _fixed_logits_model(bias):
    """One continuous feature, 5 bins of width 0.2 over [0, 1], logits = ``bias``."""
    bins = Bins.from_targets(np.array([[0.0], [1.0]]), np.array([False]), np.array([0]), 5)
    torch.manual_seed(0)
    model = RecourseTransformer([False], [0], bins.counts, d_model=8, n_heads=2, dim_feedforward=8)
    with torch.no_grad():
        model.head_weight.zero_()
        model.head_bias.copy_(torch.tensor([bias], dtype=torch.float32))
    return model.eval(), bins


def _sample_one_feature(bias, x, low, high, bin_value="center", sigma=0.0, uniforms=None):
    model, bins = _fixed_logits_model(bias)
    x = np.asarray(x, dtype=float)[:, None]
    if uniforms is None:
        uniforms = row_uniforms(x, 0, 1, 1, 3)
    out = forward_sample(
        model,
        x,
        1,
        bins,
        low=np.asarray(low, dtype=float)[:, None],
        high=np.asarray(high, dtype=float)[:, None],
        fixed=np.zeros((len(x), 1), dtype=bool),
        temperature=np.inf,
        sigma=sigma,
        bin_value=bin_value,
        uniforms=uniforms,
    )
    return out[:, 0, 0]


def test_nearest_value_is_the_point_of_the_drawn_bin_closest_to_the_row():
    # bin 1 = [0.2, 0.4] is drawn: the row's own value inside it, else the nearer edge
    got = _sample_one_feature([0, 5, 0, 0, 0], [0.35, 0.25, 0.05, 0.9], [-np.inf] * 4,
                              [np.inf] * 4, bin_value="nearest")
    np.testing.assert_allclose(got, [0.35, 0.25, 0.2, 0.4])


def test_a_bin_partly_inside_the_feasible_range_can_be_drawn():
    # bin 0 = [0, 0.2] (centre 0.1) still holds values >= 0.15: drawn, then clipped
    assert _sample_one_feature([5, 4, 3, 2, 1], [0.15], [0.15], [1.0])[0] == pytest.approx(0.15)
    # bin 2 = [0.4, 0.6] overlaps [0, 0.45]
    assert _sample_one_feature([1, 2, 3, 4, 5], [0.45], [0.0], [0.45])[0] == pytest.approx(0.45)


def test_sampling_noise_is_gaussian_with_standard_deviation_sigma():
    from scipy import stats

    n = 20000
    uniforms = np.random.default_rng(0).random((3, n, 1, 1))
    got = _sample_one_feature([0, 0, 5, 0, 0], np.full(n, 0.5), np.full(n, -np.inf),
                              np.full(n, np.inf), sigma=0.01, uniforms=uniforms)
    assert stats.kstest((got - 0.5) / 0.01, "norm").pvalue > 1e-3


def test_both_conditions_later_features_on_the_centre_draws():
    rng = np.random.RandomState(0)
    d = 4
    bins = Bins.from_targets(rng.uniform(size=(200, d)), np.zeros(d, bool), np.zeros(d, int), 10)
    torch.manual_seed(0)
    model = RecourseTransformer(
        np.zeros(d, bool), np.zeros(d, int), bins.counts, d_model=16, n_heads=2, dim_feedforward=16
    ).eval()
    with torch.no_grad():
        model.head_weight.mul_(20.0)  # logits that depend strongly on the earlier features
    source = rng.uniform(size=(100, d))
    common = dict(
        low=np.full((100, d), -np.inf),
        high=np.full((100, d), np.inf),
        fixed=np.zeros((100, d), dtype=bool),
        temperature=1.0,
        sigma=0.0,
        uniforms=row_uniforms(source, 0, 5, d),
    )
    centre = forward_sample(model, source, 5, bins, bin_value="center", **common)
    both = forward_sample(model, source, 5, bins, bin_value="both", **common)
    nearest = forward_sample(model, source, 5, bins, bin_value="nearest", **common)
    assert not np.array_equal(centre, nearest)  # the conditioning matters here
    np.testing.assert_array_equal(both[:, :5], centre)


# ------------------------------------------------------ training schedule
def _tiny_training(**params):
    from sklearn_recourse import _genre_training as training

    rng = np.random.RandomState(0)
    source, targets = rng.uniform(size=(40, 2)), rng.uniform(size=(30, 2))
    bins = Bins.from_targets(targets, np.array([False, False]), np.array([0, 0]), 5)
    model = RecourseTransformer([False, False], [0, 0], bins.counts, d_model=8, n_heads=2,
                                dim_feedforward=8)
    settings = dict(learning_rate=1e-2, batch_size=8, max_epochs=6, validation_fraction=0.25,
                    n_iter_no_change=None, tol=0.0, rng=np.random.RandomState(0), verbose=0)
    return training.train(model, source, targets, np.tile(np.arange(3), (40, 1)),
                          np.full((40, 3), 1 / 3), bins, **{**settings, **params})


def test_best_epoch_follows_the_validation_loss(monkeypatch):
    from sklearn_recourse import _genre_training as training

    # held-out losses below any training loss: only they can pick epoch 2
    scripted = iter([0.5, 0.1, 0.4, 0.4, 0.4, 0.4])
    monkeypatch.setattr(training, "_evaluate", lambda *args, **kwargs: next(scripted))
    result = _tiny_training()
    assert result.validation_loss == [0.5, 0.1, 0.4, 0.4, 0.4, 0.4]
    assert result.best_epoch == 2


def test_learning_rate_warms_up_for_an_epoch_then_decays_to_zero(monkeypatch):
    captured = {}
    real = torch.optim.lr_scheduler.LambdaLR

    def spy(optimizer, factor):
        captured["factor"] = factor
        return real(optimizer, factor)

    monkeypatch.setattr(torch.optim.lr_scheduler, "LambdaLR", spy)
    _tiny_training(batch_size=10, max_epochs=3, validation_fraction=0.0)
    factor = captured["factor"]  # 4 steps per epoch, 12 in all
    np.testing.assert_allclose([factor(s) for s in range(4)], [0.25, 0.5, 0.75, 1.0])
    assert factor(4) == pytest.approx(1.0) and factor(12) == pytest.approx(0.0)


# ------------------------------------------------ sources, selection, labels
def test_sources_are_unfavourable_rows_the_classifier_rejects():
    X, y = make_moons(n_samples=300, noise=0.3, random_state=0)
    gen = GenReRecourse(LogisticRegression(), random_state=0, **{**FAST, "max_epochs": 1})
    gen.fit(X, y)
    rejected = gen.classifier_.predict(X) == 0
    assert (rejected & (y == 1)).any()  # favourable rows h rejects are not sources
    assert gen.n_pairs_[0] == (rejected & (y == 0)).sum()


def test_cost_selection_breaks_ties_by_probability():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(400, 2))
    y = (2 * X[:, 0] + X[:, 1] > 1.6).astype(int)
    gen = GenReRecourse(
        LogisticRegression(C=100), selection="cost", n_samples=2, random_state=0,
        **{**FAST, "max_epochs": 1},
    ).fit(X, y)
    row = np.array([[0.55, 0.45]])
    assert gen.classifier_.predict(row)[0] == 0
    Z = gen.feature_space_.transform(row)
    # two accepted draws of equal cost, the less likely one first
    cand = np.stack([Z[0] + [0, 0.4], Z[0] + [0.4, 0]])[None]
    gen._draw = lambda Z_, n, seed: cand[:, :n]
    decoded = gen.feature_space_.inverse_transform(cand[0])
    assert (gen.classifier_.predict(decoded) == 1).all()
    cost = gen.feature_space_.cost(np.repeat(Z, 2, axis=0), cand[0])
    proba = gen.classifier_.predict_proba(decoded)[:, 1]
    assert cost[0] == pytest.approx(cost[1]) and proba[1] > proba[0]
    np.testing.assert_allclose(gen.transform(row)[0], decoded[1])


def test_label_rate_counts_ties_beyond_twice_the_neighbours():
    from sklearn.neighbors import NearestNeighbors

    X, y = make_moons(n_samples=200, noise=0.2, random_state=0)
    gen = GenReRecourse(
        LogisticRegression(), label_neighbors=5, random_state=0, **{**FAST, "max_epochs": 1}
    ).fit(X, y)
    fs = gen.feature_space_
    # 40 copies of one row (10 favourable) and 49 other rows: the rate of the copy is 0.25
    Z = np.vstack([np.repeat(fs.transform(X[:1]), 40, axis=0), fs.transform(X[1:50])])
    gen._label_index = NearestNeighbors(algorithm="brute").fit(fs.cost_embedding(Z))
    gen._label_favourable = np.r_[np.ones(10), np.zeros(30), np.ones(49)]
    assert gen._label_rate(Z[:1])[0] == pytest.approx(0.25)

