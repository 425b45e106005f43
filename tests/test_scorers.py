"""Tests of make_recourse_scorer with a minimal recourse generator (test double)."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_recourse import FeatureSpace
from sklearn_recourse.metrics import (
    equal_effectiveness,
    lof_plausibility,
    make_recourse_scorer,
    recourse_cost,
    recourse_rate,
    recourse_score,
    validity,
)

METRICS = ["score", "validity", "plausibility", "neg_cost", "recourse_rate", "asr", "neg_pd"]


class NearestAcceptedRecourse(BaseEstimator):
    """Test double of the generator contract.

    Recourse of a rejected row = the nearest (in cost) training row the
    classifier accepts; a NaN row when that is further than ``max_cost``.
    """

    def __init__(self, C=1.0, max_cost=None, desired_class=1):
        self.C = C
        self.max_cost = max_cost
        self.desired_class = desired_class

    def fit(self, X, y):
        self.feature_space_ = FeatureSpace().fit(X)
        self.classifier_ = make_pipeline(
            FeatureSpace(), LogisticRegression(C=self.C, class_weight="balanced")
        ).fit(X, y)
        self._candidates = X[self.classifier_.predict(X) == self.desired_class]
        self._nn = NearestNeighbors(n_neighbors=1, metric="manhattan").fit(
            self._embed(self._candidates)
        )
        return self

    def _embed(self, X):
        return self.feature_space_.cost_embedding(self.feature_space_.transform(X))

    def _within_budget(self, dist):
        return np.full(len(dist), True) if self.max_cost is None else dist[:, 0] <= self.max_cost

    def transform(self, X):
        rejected = np.flatnonzero(self.classifier_.predict(X) != self.desired_class)
        if isinstance(X, pd.DataFrame):
            if rejected.size == 0:
                return X.copy()
            dist, idx = self._nn.kneighbors(self._embed(X.iloc[rejected]))
            ok = self._within_budget(dist)
            cf = self._candidates.iloc[idx[ok, 0]].set_axis(X.index[rejected[ok]])
            keep = X.drop(index=X.index[rejected])
            return pd.concat([keep, cf]).reindex(X.index)
        out = np.array(X, dtype=float)
        if rejected.size:
            dist, idx = self._nn.kneighbors(self._embed(X[rejected]))
            ok = self._within_budget(dist)
            out[rejected[ok]] = self._candidates[idx[ok, 0]]
            out[rejected[~ok]] = np.nan
        return out


class DoubleX1(TransformerMixin, BaseEstimator):
    """Doubles x1, with no inverse_transform."""

    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        return X.assign(x1=X["x1"] * 2.0)


def make_data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b"], n)
    x1 = rng.normal(size=n) + (group == "a") * 0.5
    x2 = rng.normal(size=n)
    y = (x1 + x2 + rng.normal(scale=0.5, size=n) > 0.3).astype(int)
    X = pd.DataFrame({"x1": x1, "x2": x2, "group": pd.Series(group, dtype="str")})
    return X, y


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return NearestAcceptedRecourse().fit(X, y)


def _manual(gen, X):
    rejected = gen.classifier_.predict(X) != 1
    X_neg = X[rejected]
    return rejected, X_neg, gen.transform(X_neg)


@pytest.mark.parametrize("metric", METRICS)
def test_each_metric_returns_float(fitted, data, metric):
    X, y = data
    scorer = make_recourse_scorer(metric, sensitive_feature="group")
    value = scorer(fitted, X, y)
    assert type(value) is float
    assert np.isfinite(value)


def test_scorer_values_match_metric_functions(fitted, data):
    X, y = data
    rejected, X_neg, X_cf = _manual(fitted, X)
    assert rejected.any() and (~rejected).any()
    fs = fitted.feature_space_
    reference = X[fitted.classifier_.predict(X) == 1]
    assert make_recourse_scorer("validity")(fitted, X) == validity(fitted.classifier_, X_cf)
    assert make_recourse_scorer("validity")(fitted, X) == 1.0  # nearest accepted row
    assert make_recourse_scorer("neg_cost")(fitted, X) == pytest.approx(
        -recourse_cost(X_neg, X_cf, feature_space=fs)
    )
    assert make_recourse_scorer("plausibility")(fitted, X) == pytest.approx(
        lof_plausibility(X_cf, reference, feature_space=fs)
    )
    assert make_recourse_scorer("score")(fitted, X) == pytest.approx(
        recourse_score(
            X_neg, X_cf, classifier=fitted.classifier_, X_reference=reference, feature_space=fs
        )
    )
    assert make_recourse_scorer("recourse_rate")(fitted, X) == pytest.approx(
        recourse_rate(fitted.classifier_, X, fitted.transform(X), kind="all")
    )


def test_oracle_changes_validity(fitted, data):
    X, y = data
    always_no = DummyClassifier(strategy="constant", constant=0).fit(X, y)
    assert make_recourse_scorer("validity")(fitted, X) == 1.0
    assert make_recourse_scorer("validity", oracle=always_no)(fitted, X) == 0.0
    assert make_recourse_scorer("asr", oracle=always_no, sensitive_feature="group")(
        fitted, X
    ) == 0.0
    n_pos = (fitted.classifier_.predict(X) == 1).sum()
    # the classifier's accepted rows still count; no rejected row is flipped
    assert make_recourse_scorer("recourse_rate", oracle=always_no)(fitted, X) == pytest.approx(
        n_pos / len(X)
    )


def test_oracle_in_score_and_reference(fitted, data):
    X, y = data
    _, X_neg, X_cf = _manual(fitted, X)
    oracle = make_pipeline(FeatureSpace(), LogisticRegression()).fit(X, (X["x1"] > 0.5).astype(int))
    val = validity(oracle, X_cf)
    assert 0 < val < 1
    assert make_recourse_scorer("validity", oracle=oracle)(fitted, X) == pytest.approx(val)
    # LOF reference: rows the oracle accepts, unless reference is given
    ref = X[oracle.predict(X) == 1]
    fs = fitted.feature_space_
    comps = recourse_score(
        X_neg, X_cf, classifier=oracle, X_reference=ref, feature_space=fs, return_components=True
    )
    assert make_recourse_scorer("score", oracle=oracle)(fitted, X) == pytest.approx(
        comps["score"]
    )
    far = X.assign(x1=X["x1"] + 100.0)
    assert make_recourse_scorer("plausibility", reference=far)(fitted, X) == 0.0


def test_sensitive_feature_metrics_with_named_column(fitted, data):
    X, y = data
    rejected, X_neg, X_cf = _manual(fitted, X)
    always = DummyClassifier(strategy="constant", constant=1).fit(X, y)
    oracle = make_pipeline(FeatureSpace(), LogisticRegression()).fit(X, (X["x2"] > 0).astype(int))
    flipped = oracle.predict(X_cf) == 1
    groups = X_neg["group"]
    ee = equal_effectiveness(flipped, sensitive_features=groups)
    asr = make_recourse_scorer("asr", sensitive_feature="group", oracle=oracle)(fitted, X)
    neg_pd = make_recourse_scorer("neg_pd", sensitive_feature="group", oracle=oracle)(fitted, X)
    assert asr == pytest.approx(ee.asr)
    assert neg_pd == pytest.approx(-ee.pd)
    assert neg_pd < 0
    assert make_recourse_scorer("asr", sensitive_feature="group", oracle=always)(fitted, X) == 1.0
    # integer position also works on a DataFrame
    assert make_recourse_scorer("asr", sensitive_feature=2, oracle=oracle)(fitted, X) == asr
    with pytest.raises(ValueError, match=r"'race' is not a column of X; X has columns \['x1'"):
        make_recourse_scorer("asr", sensitive_feature="race")(fitted, X)


def test_sensitive_feature_integer_is_a_position_even_for_integer_labels():
    # the rule of FeatureSpace and FairSACRecourse: column label 1 at position 0
    # is read by sensitive_feature=0, not the column labelled 0
    rng = np.random.default_rng(2)
    X = pd.DataFrame(
        {1: rng.integers(0, 2, 80), 0: rng.normal(size=80), 2: rng.normal(size=80)}
    )
    y = (X[0] + X[2] > 0).astype(int)
    gen = NearestAcceptedRecourse(max_cost=0.3).fit(X, y)
    rejected = gen.classifier_.predict(X) != 1
    X_cf = gen.transform(X[rejected])
    flipped = ~X_cf.isna().any(axis=1).to_numpy()
    flipped[flipped] = gen.classifier_.predict(X_cf[flipped]) == 1
    by_position = equal_effectiveness(flipped, sensitive_features=X[rejected].iloc[:, 0])
    assert 0 < by_position.pd
    assert make_recourse_scorer("neg_pd", sensitive_feature=0)(gen, X) == pytest.approx(
        -by_position.pd
    )
    by_label_0 = equal_effectiveness(flipped, sensitive_features=X[rejected][0])
    assert by_label_0.pd != pytest.approx(by_position.pd)
    with pytest.raises(ValueError, match=r"'s' is not a column of X; X has columns \[1, 0, 2\]"):
        make_recourse_scorer("neg_pd", sensitive_feature="s")(gen, X)
    # other labels than integers still name their column
    for labels, key in (([1.5, 0.5, 2.5], 1.5), ([("g", "s"), ("x", "a"), ("x", "b")], ("g", "s"))):
        relabelled = X.set_axis(pd.Index(labels, tupleize_cols=True), axis=1)
        gen_l = NearestAcceptedRecourse(max_cost=0.3).fit(relabelled, y)
        assert make_recourse_scorer("neg_pd", sensitive_feature=key)(gen_l, relabelled) == (
            pytest.approx(-by_position.pd)
        )


def test_sensitive_feature_position_on_arrays():
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(size=80), rng.normal(size=80), rng.integers(0, 2, 80)])
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    gen = NearestAcceptedRecourse(max_cost=0.3).fit(X, y)
    rejected = gen.classifier_.predict(X) != 1
    X_cf = gen.transform(X[rejected])
    assert np.isnan(X_cf).any() and not np.isnan(X_cf).all()
    flipped = ~np.isnan(X_cf).any(axis=1) & (gen.classifier_.predict(np.nan_to_num(X_cf)) == 1)
    ee = equal_effectiveness(flipped, sensitive_features=X[rejected, 2])
    assert make_recourse_scorer("asr", sensitive_feature=2)(gen, X) == pytest.approx(ee.asr)
    assert make_recourse_scorer("neg_pd", sensitive_feature=-1)(gen, X) == pytest.approx(-ee.pd)
    with pytest.raises(ValueError, match="no column names"):
        make_recourse_scorer("asr", sensitive_feature="group")(gen, X)
    with pytest.raises(ValueError, match="out of range"):
        make_recourse_scorer("asr", sensitive_feature=3)(gen, X)


def test_not_found_rows(data):
    X, y = data
    gen = NearestAcceptedRecourse(max_cost=1e-9).fit(X, y)
    _, X_neg, X_cf = _manual(gen, X)
    assert X_cf.isna().all(axis=None)
    assert make_recourse_scorer("validity")(gen, X) == 0.0
    assert make_recourse_scorer("plausibility")(gen, X) == 0.0
    assert make_recourse_scorer("score")(gen, X) == 0.0  # cost taken as 0
    assert np.isnan(make_recourse_scorer("neg_cost")(gen, X))
    n_pos = (gen.classifier_.predict(X) == 1).sum()
    assert make_recourse_scorer("recourse_rate")(gen, X) == pytest.approx(n_pos / len(X))


@pytest.mark.parametrize(
    "metric, best",
    [
        ("score", 2.0),
        ("validity", 1.0),
        ("plausibility", 1.0),
        ("recourse_rate", 1.0),
        ("asr", 1.0),
        ("neg_cost", 0.0),
        ("neg_pd", 0.0),
    ],
)
def test_no_rejected_row_returns_best_value(fitted, data, metric, best):
    X, _ = data
    accepted = X[fitted.classifier_.predict(X) == 1]
    value = make_recourse_scorer(metric, sensitive_feature="group")(fitted, accepted)
    assert value == best and type(value) is float


def test_grid_search_single_scorer(data):
    X, y = data
    search = GridSearchCV(
        NearestAcceptedRecourse(),
        {"C": [0.05, 1.0]},
        scoring=make_recourse_scorer("score"),
        cv=3,
        error_score="raise",
    ).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and (scores <= 2.0).all()
    assert search.best_params_["C"] in (0.05, 1.0)


def test_grid_search_multi_scorer_dict(data):
    X, y = data
    scoring = {
        "score": make_recourse_scorer("score"),
        "validity": make_recourse_scorer("validity"),
        "neg_cost": make_recourse_scorer("neg_cost"),
        "asr": make_recourse_scorer("asr", sensitive_feature="group"),
    }
    search = GridSearchCV(
        NearestAcceptedRecourse(),
        {"C": [0.05, 1.0]},
        scoring=scoring,
        refit="neg_cost",
        cv=3,
        error_score="raise",
    ).fit(X, y)
    for name in scoring:
        assert np.isfinite(search.cv_results_[f"mean_test_{name}"]).all()
    best = np.argmax(search.cv_results_["mean_test_neg_cost"])
    assert search.best_index_ == best
    assert hasattr(search.best_estimator_, "classifier_")


def test_pipeline_ending_with_generator(data):
    X, y = data
    shift = FunctionTransformer(lambda Z: Z.assign(x1=Z["x1"] * 2.0))
    pipe = make_pipeline(shift, NearestAcceptedRecourse()).fit(X, y)
    gen, X_t = pipe[-1], shift.transform(X)
    for metric in ["score", "neg_cost", "recourse_rate"]:
        assert make_recourse_scorer(metric)(pipe, X) == make_recourse_scorer(metric)(gen, X_t)
    # the sensitive column is read from the X given to the scorer
    drop = FunctionTransformer(lambda Z: Z[["x1", "x2"]])
    pipe = make_pipeline(drop, NearestAcceptedRecourse()).fit(X, y)
    asr = make_recourse_scorer("asr", sensitive_feature="group")(pipe, X)
    rejected = pipe[-1].classifier_.predict(X[["x1", "x2"]]) != 1
    assert asr == 1.0 and rejected.any()


def test_pipeline_oracle_and_reference_judge_the_scorer_input_rows(data):
    X, y = data
    # the generator works on doubled x1; the oracle knows only the input rows
    double = FunctionTransformer(
        lambda Z: Z.assign(x1=Z["x1"] * 2.0),
        inverse_func=lambda Z: Z.assign(x1=Z["x1"] / 2.0),
        check_inverse=False,
    )
    pipe = make_pipeline(double, NearestAcceptedRecourse()).fit(X, y)
    gen, X_t = pipe[-1], double.transform(X)
    oracle = make_pipeline(FeatureSpace(), LogisticRegression(C=100.0))
    oracle.fit(X, (X["x1"] > 0.5).astype(int))
    rejected = gen.classifier_.predict(X_t) != 1
    X_cf = double.inverse_transform(gen.transform(X_t[rejected]))
    expected = validity(oracle, X_cf)
    assert 0 < expected < 1
    assert make_recourse_scorer("validity", oracle=oracle)(pipe, X) == expected
    # the reference is moved to the generator's rows as the recourse is
    reference = X[X["x1"] > 0.5]
    plausibility = make_recourse_scorer("plausibility", reference=reference)(pipe, X)
    X_cf_t, reference_t = gen.transform(X_t[rejected]), double.transform(reference)
    assert plausibility == lof_plausibility(X_cf_t, reference_t, feature_space=gen.feature_space_)
    # earlier steps that cannot map recourse back: a clear error, not a wrong answer
    one_way = make_pipeline(DoubleX1(), NearestAcceptedRecourse()).fit(X, y)
    with pytest.raises(ValueError, match="no inverse_transform"):
        make_recourse_scorer("validity", oracle=oracle)(one_way, X)


def test_repr_pickle_and_errors(fitted, data):
    X, _ = data
    assert repr(make_recourse_scorer()) == "make_recourse_scorer('score')"
    r = repr(
        make_recourse_scorer(
            "asr",
            sensitive_feature="race",
            average="macro",
            n_neighbors=3,
            oracle=LogisticRegression(),
            reference=np.zeros((4, 2)),
        )
    )
    assert r == (
        "make_recourse_scorer('asr', oracle=LogisticRegression(), reference=<ndarray of "
        "shape (4x2)>, sensitive_feature='race', average='macro', n_neighbors=3)"
    )
    scorer = pickle.loads(pickle.dumps(make_recourse_scorer("validity")))
    assert scorer(fitted, X) == 1.0
    with pytest.raises(ValueError, match=r"Unknown recourse metric 'cost'.*'neg_cost'"):
        make_recourse_scorer("cost")
    with pytest.raises(ValueError, match="needs sensitive_feature"):
        make_recourse_scorer("neg_pd")
    with pytest.raises(ValueError, match="average"):
        make_recourse_scorer("asr", sensitive_feature="g", average="weighted")
    with pytest.raises(ValueError, match="n_neighbors"):
        make_recourse_scorer(n_neighbors=0)
    with pytest.raises(ValueError, match="oracle"):
        make_recourse_scorer(oracle="oracle")
    with pytest.raises(TypeError):
        make_recourse_scorer("score", None)  # keyword-only
    with pytest.raises(ValueError, match="classifier_"):
        make_recourse_scorer()(NearestAcceptedRecourse(), X)
    # too few favourable rows for the LOF reference
    always_no = DummyClassifier(strategy="constant", constant=0).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="reference"):
        make_recourse_scorer("plausibility", oracle=always_no)(fitted, X)


def test_scorer_does_not_mutate(fitted, data):
    X, _ = data
    before = X.copy()
    for metric in METRICS:
        make_recourse_scorer(metric, sensitive_feature="group")(fitted, X)
    pd.testing.assert_frame_equal(X, before)


class _NearestAccepted(BaseEstimator):
    """Generator double on arrays: recourse = the nearest training row accepted."""

    def fit(self, X, y):
        from sklearn.linear_model import LogisticRegression
        from sklearn.neighbors import NearestNeighbors
        from sklearn.pipeline import make_pipeline

        self.feature_space_ = FeatureSpace().fit(X)
        self.classifier_ = make_pipeline(FeatureSpace(), LogisticRegression()).fit(X, y)
        self._pool = np.asarray(X)[self.classifier_.predict(X) == 1]
        self._nn = NearestNeighbors(n_neighbors=1).fit(self._pool)
        return self

    def transform(self, X):
        X = np.array(X, dtype=float)
        rejected = self.classifier_.predict(X) != 1
        if rejected.any():
            X[rejected] = self._pool[self._nn.kneighbors(X[rejected])[1][:, 0]]
        return X


def test_pipeline_oracle_with_column_names_gets_a_dataframe():
    """Guards against the earlier steps' inverse_transform output, an ndarray, passed as is
    to an oracle that selects its columns by name."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_recourse.metrics import make_recourse_scorer, validity

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x1": rng.normal(size=150), "x2": rng.normal(size=150)})
    y = (X["x1"] + X["x2"] > 0).astype(int)
    pipe = make_pipeline(StandardScaler(), _NearestAccepted()).fit(X, y)
    oracle = make_pipeline(
        ColumnTransformer([("keep", "passthrough", ["x1", "x2"])]), LogisticRegression()
    ).fit(X, (X["x1"] > 0.3).astype(int))
    scaler, gen = pipe[0], pipe[-1]
    X_t = scaler.transform(X)
    rejected = gen.classifier_.predict(X_t) != 1
    X_cf = pd.DataFrame(scaler.inverse_transform(gen.transform(X_t[rejected])), columns=X.columns)
    expected = validity(oracle, X_cf)
    assert 0 < expected < 1
    assert make_recourse_scorer("validity", oracle=oracle)(pipe, X) == pytest.approx(expected)
