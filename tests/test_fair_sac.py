"""FairSACRecourse: the gymnasium environment, the reward, constraints, fairness
levels, the report, determinism and model selection ("Fair Recourse for All")."""

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import GridSearchCV

from sklearn_recourse import FairSACRecourse
from sklearn_recourse._fair_sac import encoded_predictor
from sklearn_recourse._fair_sac_env import ActionCodec, FairRecourseEnv
from sklearn_recourse.metrics import make_recourse_scorer

FAST = dict(total_timesteps=400, learning_starts=50, max_episode_steps=25, random_state=0)


def _frame(n=600, seed=0):
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b"], size=n, p=[0.7, 0.3])
    income = rng.normal(size=n) - 0.6 * (group == "b")
    hours = rng.normal(size=n)
    job = rng.choice(["x", "y", "z"], size=n)
    score = income + hours + 0.8 * (job == "z") + rng.normal(scale=0.3, size=n)
    X = pd.DataFrame({"income": income, "hours": hours, "job": job, "group": group})
    return X, (score > 0.6).astype(int)


@pytest.fixture(scope="module")
def data():
    return _frame()


@pytest.fixture(scope="module")
def classifier(data):
    from sklearn_recourse import default_classifier

    X, y = data
    return default_classifier(random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def fitted(data, classifier):
    X, y = data
    return FairSACRecourse(
        classifier,
        sensitive_feature="group",
        fairness="hybrid",
        objective="EE-ECR",
        n_clusters=2,
        increasing_features=["hours"],
        **FAST,
    ).fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_encoded_predictor_when_the_spaces_read_a_feature_as_different_kinds(data):
    # "code" is categorical for the classifier and continuous for the generator:
    # no affine map between the encodings, so rows are decoded for the classifier
    from sklearn_recourse import FeatureSpace, default_classifier

    X, y = data
    X = X.assign(code=np.arange(len(X)) % 3)
    clf = default_classifier(["job", "group", "code"], random_state=0).fit(X, y)
    fs = FeatureSpace().fit(X)
    accepts = encoded_predictor(clf, fs, 1)
    np.testing.assert_array_equal(accepts(fs.transform(X)), clf.predict(X) == 1)
    gen = FairSACRecourse(clf, sensitive_feature="group", fairness="group", **FAST).fit(X, y)
    out = gen.transform(X[clf.predict(X) == 0])
    assert gen.found_.any()
    assert (clf.predict(out[gen.found_]) == 1).all()


def _env(fitted, data, objective="EE", use_groups=True):
    X, _ = data
    fs = fitted.feature_space_
    Z = fs.transform(X)
    rejected = ~fitted._accepts(X)
    codes = (X["group"] == "b").to_numpy().astype(int)[rejected]
    accepts = encoded_predictor(fitted.classifier_, fs, 1)
    return FairRecourseEnv(
        Z[rejected],
        codes,
        ActionCodec(fs, ~fs.immutable_, 0.1),
        accepts,
        n_actions=3,
        objective=objective,
        use_groups=use_groups,
        weights={"asr": 1.0, "pd": 1.0, "active": 0.1, "gower": 1.0, "success": 1.0},
        asr_target=0.95,
        pd_target=0.05,
        phi=0.5,
    )


def test_environment_passes_gymnasium_checks(fitted, data):
    from gymnasium.utils.env_checker import check_env

    env = _env(fitted, data)
    check_env(env, skip_render_check=True)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (3 * 3,) and not obs.any()  # K = 3 actions x 3 mutable features


def test_one_classifier_call_per_step(fitted, data):
    env = _env(fitted, data)
    calls = []
    inner = env.accepts
    env.accepts = lambda Z: calls.append(len(Z)) or inner(Z)
    env.reset(seed=0)
    calls.clear()
    env.step(np.array([-0.9, 1.0], dtype=np.float32))
    assert calls == [3 * len(env.Z)]  # all K actions on all rows, one call


def test_reward_is_the_change_of_R_and_metrics_are_right(fitted, data):
    env = _env(fitted, data)
    env.reset(seed=0)
    # slot 0 = action 0, feature income; a full step up
    _, reward, terminated, _, info = env.step(np.array([-1.0, 1.0], dtype=np.float32))
    assert env._states[0, 0] == pytest.approx(0.1) and np.count_nonzero(env._states) == 1
    # from first principles: rows flipped by the one active action, per group;
    # its Gower cost is the income change (a share of the range) over 4 features
    changed = env.Z.copy()
    changed[:, 0] = np.minimum(changed[:, 0] + 0.1, 1.0)
    flipped = env.accepts(changed)
    shares = [flipped[env.codes == g].mean() for g in (0, 1)]
    asr, pd_ = np.mean(shares), max(shares) - min(shares)
    gower = np.mean(changed[:, 0] - env.Z[:, 0]) / 4
    assert info["asr"] == pytest.approx(asr)
    assert info["pd"] == pytest.approx(pd_)
    # R before the step is 0 (no active action); EE: asr - pd + 0.1 * 1/3 - gower
    expected = asr - pd_ + 0.1 / 3 - gower + (1.0 if terminated else 0.0)
    assert reward == pytest.approx(expected)


def test_individual_level_drops_group_terms(fitted, data):
    env = _env(fitted, data, use_groups=False)
    env.reset(seed=0)
    env.step(np.array([-1.0, 1.0], dtype=np.float32))
    ev = env.evaluate(env._states)
    changed = env.Z.copy()
    changed[:, 0] = np.minimum(changed[:, 0] + 0.1, 1.0)
    # one effectiveness, the share of the whole unit, whatever the groups
    assert ev.effectiveness.tolist() == [pytest.approx(env.accepts(changed).mean())]
    grouped = _env(fitted, data, use_groups=True)
    grouped.reset(seed=0)
    grouped.step(np.array([-1.0, 1.0], dtype=np.float32))
    assert len(grouped.evaluate(grouped._states).effectiveness) == 2


def test_actions_that_change_nothing_are_not_active(fitted, data):
    env = _env(fitted, data)
    env.reset(seed=0)
    states = np.zeros_like(env._states)
    states[0, 2] = 0.1  # a category value below 1/(C+1): leaves the category unchanged
    ev = env.evaluate(states)
    assert ev.n_active == 0 and env.value(ev) == 0.0


def test_increasing_feature_cannot_decrease_and_categories_are_valid(fitted, data):
    codec = fitted._codec
    hours = list(codec.features).index(1)
    assert codec.low[hours] == 0.0
    X, _ = data
    Z = fitted.feature_space_.transform(X.iloc[:50])
    states = np.array([[0.0, -1.0, 0.9], [0.5, 0.5, 0.5]])
    cand = codec.apply(states, Z)
    cols = fitted.feature_space_.columns_
    np.testing.assert_array_equal(cand[:, :, cols[3]], np.repeat(Z[None][..., cols[3]], 2, 0))
    assert np.all(cand[:, :, cols[1][0]] >= Z[None, :, cols[1][0]] - 1e-12)
    onehot = cand[:, :, cols[2]]
    assert np.all(onehot.sum(axis=-1) == 1.0)
    assert np.all(onehot[0].argmax(-1) == 2)  # u = 0.9 sets the third category


def test_transform_keeps_constraints_and_the_sensitive_feature(fitted, data):
    X, _ = data
    X_cf = fitted.transform(X)
    found = fitted.found_
    rejected = ~fitted._accepts(X)
    assert found[rejected].mean() > 0.5
    rows = found & rejected
    pd.testing.assert_series_equal(X_cf["group"][rows], X["group"][rows])
    assert (X_cf["hours"][rows] >= X["hours"][rows] - 1e-9).all()
    assert set(X_cf["job"][rows]) <= {"x", "y", "z"}
    assert (fitted.classifier_.predict(X_cf[rows]) == 1).all()
    assert X_cf[~found].isna().all(axis=None)
    pd.testing.assert_frame_equal(X_cf[~rejected], X[~rejected])


def test_units_actions_and_report(fitted, data):
    X, _ = data
    assert len(fitted.units_) == 2 and fitted.cluster_model_ is not None
    for unit, actions in zip(fitted.units_, fitted.actions_):
        assert list(actions.columns) == ["income", "hours", "job"]
        assert len(actions) == unit["n_kept_actions"]
        assert (actions["hours"] >= 0).all()
    fitted.transform(X.iloc[:3])
    report = fitted.fairness_report(X)
    assert fitted.found_.shape == (3,)  # the report leaves transform's found_ alone
    assert set(report.index) == {"a", "b"}
    # groups sorted, as in the fairness metrics, whatever order the rows come in
    backwards = fitted.fairness_report(X.sort_values("group", ascending=False))
    assert backwards.index.tolist() == ["a", "b"]
    pd.testing.assert_frame_equal(backwards, report)
    assert set(report.columns) >= {"n_affected", "effectiveness", "n_phi", "mean_gower", "asr", "pd"}
    fitted.transform(X)
    rejected = ~fitted._accepts(X)
    effs = []
    for g in ("a", "b"):
        member = rejected & (X["group"] == g).to_numpy()
        effs.append(fitted.found_[member].mean())
        assert report.loc[g, "n_affected"] == member.sum()
        assert report.loc[g, "effectiveness"] == pytest.approx(effs[-1])
    assert report["asr"].iloc[0] == pytest.approx(np.mean(effs))
    assert report["pd"].iloc[0] == pytest.approx(abs(effs[0] - effs[1]))


def test_report_of_rows_without_names_warns_once(fitted, data):
    X, _ = data
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = fitted.fairness_report(X.to_numpy())
    names = [str(w.message) for w in caught if "feature names" in str(w.message)]
    assert len(names) == 1 and "FairSACRecourse" in names[0], names
    pd.testing.assert_frame_equal(report, fitted.fairness_report(X))


def test_same_seed_same_actions_and_global_rng_untouched(data, classifier):
    import random

    import torch

    X, y = data
    states = (random.getstate(), np.random.get_state()[1].copy(), torch.random.get_rng_state())
    params = dict(sensitive_feature="group", fairness="group", **FAST)
    a = FairSACRecourse(classifier, **params).fit(X, y)
    b = FairSACRecourse(classifier, **params).fit(X, y)
    assert random.getstate() == states[0]
    np.testing.assert_array_equal(np.random.get_state()[1], states[1])
    assert torch.equal(torch.random.get_rng_state(), states[2])
    pd.testing.assert_frame_equal(a.actions_[0], b.actions_[0])
    pd.testing.assert_frame_equal(a.transform(X), b.transform(X))


def test_fit_leaves_no_log_directories(data, classifier, tmp_path, monkeypatch):
    import tempfile

    # stable-baselines3's default logger makes tempdir/SB3-<time> on every learn()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("SB3_LOGDIR", raising=False)
    X, y = data
    FairSACRecourse(classifier, sensitive_feature="group", **FAST).fit(X, y)
    assert not list(tmp_path.glob("SB3-*"))


def test_gridsearch_tunes_the_pd_weight_scoring_equal_effectiveness(data, classifier):
    X, y = data
    search = GridSearchCV(
        FairSACRecourse(classifier, sensitive_feature="group", fairness="group", **FAST),
        {"weights": [{"pd": 0.0}, {"pd": 2.0}]},
        scoring=make_recourse_scorer("neg_pd", sensitive_feature="group"),
        cv=2,
    ).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    # both settings were fitted and scored (a failed fit would score NaN)
    assert len(scores) == 2 and np.all(np.isfinite(scores)) and np.all(scores <= 0)
    assert search.best_estimator_._weights["pd"] == search.best_params_["weights"]["pd"]


def test_clear_errors(data, classifier):
    X, y = data
    with pytest.raises(ValueError, match="needs sensitive_feature"):
        FairSACRecourse(classifier, **FAST).fit(X, y)
    # the message names the parameter the user set, not the immutables it joins
    with pytest.raises(ValueError, match="^sensitive_feature: unknown feature 'gender'"):
        FairSACRecourse(classifier, sensitive_feature="gender", **FAST).fit(X, y)
    one_group = X.assign(group="a")
    with pytest.raises(ValueError, match="sensitive_feature 'group' takes a single value in X"):
        FairSACRecourse(classifier, sensitive_feature="group", fairness="group", **FAST).fit(
            one_group, y
        )
    with pytest.raises(ValueError, match="weights has unknown keys"):
        FairSACRecourse(classifier, sensitive_feature="group", weights={"cost": 1}, **FAST).fit(X, y)
    for value in ("x", np.nan, np.inf, None, -1.0, True):
        with pytest.raises(ValueError, match=r"weights\['pd'\] must be a finite number >= 0"):
            FairSACRecourse(
                classifier, sensitive_feature="group", weights={"pd": value}, **FAST
            ).fit(X, y)
    for arch in (("a",), (0,), (64, 2.5)):
        with pytest.raises(ValueError, match="net_arch must list positive layer widths"):
            FairSACRecourse(classifier, sensitive_feature="group", net_arch=arch, **FAST).fit(X, y)
    # any real number >= 0 is a weight, and no hidden layer is a linear policy
    from fractions import Fraction

    weights = {"pd": 2, "gower": np.float32(0.5), "asr": Fraction(1, 2)}
    fitted = FairSACRecourse(
        classifier, sensitive_feature="group", fairness="group", weights=weights, net_arch=(),
        **{**FAST, "total_timesteps": 60},
    ).fit(X, y)
    assert fitted._weights == {**fitted._weights, "pd": 2.0, "gower": 0.5, "asr": 0.5}
    with pytest.raises(ValueError, match="Every feature is immutable"):
        FairSACRecourse(
            classifier,
            sensitive_feature="group",
            immutable_features=["income", "hours", "job"],
            **FAST,
        ).fit(X, y)
    accept_all = _AcceptAll().fit(X, y)  # accepts every row: no affected rows
    with pytest.raises(ValueError, match="No affected rows"):
        FairSACRecourse(accept_all, sensitive_feature="group", **FAST).fit(X, y)


@pytest.mark.parametrize("accepted_group", ["b", "a"])
def test_one_affected_group_warns_and_individual_level_accepts_it(data, accepted_group):
    X, y = data
    # the classifier accepts every row of one group: the affected rows are all
    # of the other, whether it is the first category or not
    clf = _AcceptGroup(accepted_group).fit(X, y)
    with pytest.warns(UserWarning, match="has no disparity to reduce"):
        FairSACRecourse(clf, sensitive_feature="group", fairness="group", **FAST).fit(X, y)
    if accepted_group == "a":
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        FairSACRecourse(
            clf, sensitive_feature="group", fairness="individual", n_clusters=2, **FAST
        ).fit(X.assign(group="a"), y)


def test_sample_ranks_the_kept_actions_like_transform(fitted, data):
    X, _ = data
    rows = X.iloc[:40]
    X_cf = fitted.transform(rows)
    found = fitted.found_
    n_kept = sum(len(a) for a in fitted.actions_)
    k = n_kept + 2  # more samples than kept actions: the rest are not found
    S = fitted.sample(rows, n_samples=k)
    assert S.shape == (len(rows) * k, X.shape[1])
    assert S.index.names == [None, "sample"]
    first = S.xs(0, level="sample")
    pd.testing.assert_frame_equal(first[found], X_cf[found])
    rejected = ~fitted._accepts(rows)
    for i in np.flatnonzero(rejected):
        cands = S.xs(rows.index[i], level=0)
        ok = cands.notna().all(axis=1).to_numpy()
        # accepted candidates come first, then NaN rows, at least 2 of them
        assert not ok[n_kept:].any()
        assert (ok[:-1] >= ok[1:]).all()
        kept = cands[ok]
        assert (kept["group"] == rows["group"].iloc[i]).all()
        assert (kept["hours"] >= rows["hours"].iloc[i] - 1e-9).all()
        if len(kept):
            assert (fitted.classifier_.predict(kept) == 1).all()
    # an accepted row is repeated unchanged
    i = np.flatnonzero(~rejected)[0]
    cands = S.xs(rows.index[i], level=0)
    assert (cands.to_numpy() == rows.iloc[[i] * k].to_numpy()).all()


class _AcceptGroup(ClassifierMixin, BaseEstimator):
    """Accepts every row of one group, and rows with positive income otherwise."""

    def __init__(self, group="b"):
        self.group = group

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        p = ((X["group"] == self.group) | (X["income"] > 0)).to_numpy(dtype=float)
        return np.c_[1 - p, p]

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


class _AcceptAll(ClassifierMixin, BaseEstimator):
    """A fitted classifier that accepts every row."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict(self, X):
        return np.ones(len(X), dtype=int)

    def predict_proba(self, X):
        return np.c_[np.zeros(len(X)), np.ones(len(X))]


# ------------------------- actions set by hand, with a rule classifier
class _RuleClassifier(ClassifierMixin, BaseEstimator):
    """Accepts x0 > 0.5 or a category other than 'p'."""

    def fit(self, X, y=None):
        self.classes_ = np.array([0, 1])
        return self

    def predict(self, X):
        return ((X["x0"] > 0.5) | (X["c"] != "p")).to_numpy().astype(int)

    def predict_proba(self, X):
        p = self.predict(X).astype(float)
        return np.c_[1 - p, p]


def _rule_frame():
    # group a: x0 spread over [0, 1]; group b: its rejected rows sit just below 0.5
    a = np.linspace(0.0, 1.0, 100)
    b = np.r_[np.linspace(0.42, 0.48, 40), np.linspace(0.6, 1.0, 60)]
    x0 = np.r_[a, b]
    n = len(x0)
    c = np.array(["p"] * n, dtype=object)
    c[[150, 160]] = "q"  # accepted rows that give c its three categories
    c[[170, 180]] = "r"
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {"x0": x0, "x1": rng.uniform(0, 1, n), "c": c.astype(str), "g": ["a"] * 100 + ["b"] * 100}
    )
    return X, _RuleClassifier().predict(X)

RULE_FAST = dict(total_timesteps=40, learning_starts=10, max_episode_steps=10, batch_size=16,
            net_arch=(8,), random_state=0)


@pytest.fixture(scope="module")
def rule_fitted():
    X, y = _rule_frame()
    gen = FairSACRecourse(
        _RuleClassifier().fit(X, y), sensitive_feature="g", fairness="group", **RULE_FAST
    )
    return X, gen.fit(X, y)


def test_kept_actions_all_change_something():
    """Guards against keeping actions that change nothing, e.g. all-zero ones: with eight
    actions and three SAC steps at least five actions of the best state are untouched."""
    X, y = _rule_frame()
    gen = FairSACRecourse(_RuleClassifier().fit(X, y), sensitive_feature="g", fairness="group",
                          n_actions=8, n_successes_stop=None,
                          **{**RULE_FAST, "total_timesteps": 3}).fit(X, y)
    Z = gen.feature_space_.transform(X[~gen._accepts(X)])
    states = gen._action_states[0]
    assert 0 < len(states) <= 3 and gen.units_[0]["n_kept_actions"] == len(states)
    cand = gen._codec.apply(states, Z)
    assert (gen._codec.gower(cand, Z).max(axis=1) > 0).all()
    assert not (gen.actions_[0].fillna(0) == 0).all(axis=1).any()


def test_transform_picks_the_cheapest_accepted_action(rule_fitted):
    """Guards against a negated ranking key, which would choose the costliest valid action."""
    X, gen = rule_fitted
    gen = copy.deepcopy(gen)
    gen._action_states = [np.array([[0.3, 0.0, 0.0], [0.6, 0.0, 0.0]])]
    rows = X[(X["x0"] > 0.25) & (X["x0"] <= 0.4)]  # both actions flip these
    X_cf = gen.transform(rows)
    assert gen.found_.all()
    np.testing.assert_allclose(X_cf["x0"] - rows["x0"], 0.3)
    # rows only the larger action flips get it
    rows = X[(X["x0"] > 0.0) & (X["x0"] < 0.15)]
    X_cf = gen.transform(rows)
    assert gen.found_.all()
    np.testing.assert_allclose(X_cf["x0"] - rows["x0"], 0.6)


def test_report_counts_n_phi_within_each_group(rule_fitted):
    """Guards against N_phi from the action's share of the whole unit, not of the group."""
    X, gen = rule_fitted
    gen = copy.deepcopy(gen)
    gen._action_states = [np.array([[0.1, 0.0, 0.0]])]  # flips b (x0 > 0.4) not most of a
    report = gen.fairness_report(X)
    assert report.index.name == "g"  # the sensitive feature, not a fixed "group"
    assert report.loc["b", "n_phi"] == 1
    assert report.loc["a", "n_phi"] == 0
    assert report.loc["b", "effectiveness"] == 1.0
    assert report.loc["a", "effectiveness"] == pytest.approx(10 / 51, abs=0.03)


class _TwoUnits:
    """Stand-in for the K-means model: unit 1 for scaled x0 > 0.25."""

    n_clusters = 2

    def predict(self, Zc):
        return (Zc[:, 0] > 0.25).astype(int)


def test_equal_cost_ties_go_to_the_rows_own_unit(rule_fitted):
    """Guards against a tie-break that favours the other units' actions."""
    X, gen = rule_fitted
    gen = copy.deepcopy(gen)
    gen.cluster_model_ = _TwoUnits()
    # unit 0 sets c = 'q', unit 1 sets c = 'r': same Gower cost, both accepted
    gen._action_states = [np.array([[0.0, 0.0, 0.6]]), np.array([[0.0, 0.0, 0.9]])]
    rows = X[(X["x0"] <= 0.5) & (X["c"] == "p")]
    X_cf = gen.transform(rows)
    assert gen.found_.all()
    own = np.where(rows["x0"] > 0.25, "r", "q")
    np.testing.assert_array_equal(X_cf["c"].to_numpy(), own)


def test_hybrid_uses_groups_inside_clusters_without_the_sensitive_feature(monkeypatch):
    """Guards against hybrid trained without group terms; clusters computed on the sensitive
    feature too."""
    import sklearn_recourse._fair_sac_env as env_module

    seen = []
    real = env_module.FairRecourseEnv

    class Recording(real):
        def __init__(self, *args, **kwargs):
            seen.append(kwargs["use_groups"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(env_module, "FairRecourseEnv", Recording)
    X, y = _rule_frame()
    gen = FairSACRecourse(_RuleClassifier().fit(X, y), sensitive_feature="g", fairness="hybrid",
                          n_clusters=2, **RULE_FAST).fit(X, y)
    assert seen and all(seen)
    fs = gen.feature_space_
    assert gen.cluster_model_.n_features_in_ == fs.n_encoded_features_ - len(fs.columns_[3])
    seen.clear()
    FairSACRecourse(_RuleClassifier().fit(X, y), sensitive_feature="g", fairness="individual",
                    n_clusters=2, **RULE_FAST).fit(X, y)
    assert seen and not any(seen)


def test_row_sample_is_stratified_within_the_unit():
    """Guards against the stratified sample sized by the share of all affected rows instead
    of the unit's rows."""
    gen = FairSACRecourse(sensitive_feature=0, max_rows_per_unit=8)
    codes = np.r_[np.zeros(30, int), np.ones(10, int), np.zeros(60, int)]
    rows = np.arange(40)  # the unit: 30 rows of group 0, 10 of group 1
    picked = gen._sample_rows(rows, codes, np.random.RandomState(0))
    assert len(picked) == 8 and set(picked) <= set(rows)
    assert (codes[picked] == 0).sum() == 6 and (codes[picked] == 1).sum() == 2


def test_verbose_shows_a_progress_bar_over_sac_steps(data, classifier, capsys):
    # drawn with tqdm: SB3's progress_bar=True needs rich, which is not a dependency
    X, y = data
    gen = FairSACRecourse(
        classifier, sensitive_feature="group", fairness="group", verbose=1,
        **{**FAST, "total_timesteps": 60},
    ).fit(X, y)
    err = capsys.readouterr().err
    assert "SAC steps" in err and "/60" in err
    assert gen.units_[0]["timesteps"] <= 64
    gen.set_params(verbose=0).fit(X, y)
    assert "SAC steps" not in capsys.readouterr().err
