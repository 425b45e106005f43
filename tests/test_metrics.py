"""Tests of the recourse metrics: hand-computed values on tiny frames."""

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import LocalOutlierFactor

from sklearn_recourse import FeatureSpace
from sklearn_recourse.metrics import (
    EqualChoiceResult,
    EqualEffectivenessResult,
    equal_choice_of_recourse,
    equal_effectiveness,
    gower_distance,
    lof_plausibility,
    recourse_cost,
    recourse_rate,
    recourse_score,
    validity,
)


# ----------------------------------------------------------------- helpers
class ThresholdClassifier(ClassifierMixin, BaseEstimator):
    """predict: 1 iff x0 >= 1; predict_proba says 0.6 for class 1 everywhere.

    So ``predict_proba >= 0.5`` disagrees with ``predict`` on every row with
    x0 < 1. Records every batch passed to predict and refuses missing values.
    """

    def __init__(self, threshold=1.0):
        self.threshold = threshold

    def fit(self, X, y=None):
        self.classes_ = np.array([0, 1])
        self.calls_ = []
        return self

    def _x0(self, X):
        X = X.to_numpy() if isinstance(X, pd.DataFrame) else np.asarray(X)
        assert not pd.isna(X).any(), "a not-found row reached predict"
        self.calls_.append(len(X))
        return X[:, 0].astype(float)

    def predict(self, X):
        return (self._x0(X) >= self.threshold).astype(int)

    def predict_proba(self, X):
        n = len(self._x0(X))
        return np.tile([0.4, 0.6], (n, 1))


def not_found(X, rows):
    """X with the given rows replaced by NaN rows (how generators say "not found")."""
    return X.drop(index=X.index[rows]).reindex(X.index)


@pytest.fixture
def mixed():
    X = pd.DataFrame(
        {
            "age": [20, 40, 60, 30],
            "income": [10.0, 20.0, 30.0, 50.0],
            "sex": pd.Series(["F", "M", "F", "M"], dtype="str"),
            "job": pd.Series(["a", "b", "c", "a"], dtype="str"),
        }
    )
    return X


# ------------------------------------------------------------------ cost
def test_cost_one_hot_change_costs_one(mixed):
    X_cf = mixed.copy()
    X_cf["job"] = pd.Series(["b", "b", "c", "c"], dtype="str")  # rows 0 and 3 change job
    per_row = recourse_cost(mixed, X_cf, per_row=True)
    np.testing.assert_allclose(per_row, [1.0, 0.0, 0.0, 1.0])
    # the same with one-hot encoding of the two-valued feature too
    fs = FeatureSpace(categorical_encoding="onehot").fit(mixed)
    X_cf["sex"] = pd.Series(["M", "M", "F", "M"], dtype="str")
    np.testing.assert_allclose(
        recourse_cost(mixed, X_cf, feature_space=fs, per_row=True), [2.0, 0.0, 0.0, 1.0]
    )


def test_cost_continuous_in_units_of_range(mixed):
    X_cf = mixed.copy()
    X_cf["age"] = [40, 40, 60, 30]  # +20 of a range of 40
    X_cf["income"] = [10.0, 40.0, 30.0, 50.0]  # +20 of a range of 40
    np.testing.assert_allclose(recourse_cost(mixed, X_cf, per_row=True), [0.5, 0.5, 0, 0])
    assert recourse_cost(mixed, X_cf) == pytest.approx(0.25)
    # units of a given feature space (range of age 80, income 100)
    wide = pd.DataFrame(
        {
            "age": [0, 80],
            "income": [0.0, 100.0],
            "sex": pd.Series(["F", "M"], dtype="str"),
            "job": pd.Series(["a", "c"], dtype="str"),
        }
    )
    fs = FeatureSpace().fit(pd.concat([wide, mixed]))
    np.testing.assert_allclose(
        recourse_cost(mixed, X_cf, feature_space=fs, per_row=True), [0.25, 0.2, 0, 0]
    )


def test_cost_matches_feature_space_cost(mixed):
    rng = np.random.default_rng(0)
    fs = FeatureSpace(categorical_encoding="onehot").fit(mixed)
    X_cf = mixed.sample(frac=1.0, random_state=0).reset_index(drop=True)
    X_cf["income"] = X_cf["income"] + rng.normal(size=4)
    expected = fs.cost(fs.transform(mixed), fs.transform(X_cf))
    np.testing.assert_allclose(recourse_cost(mixed, X_cf, feature_space=fs, per_row=True), expected)


def test_cost_not_found_rows(mixed):
    X_cf = mixed.copy()
    X_cf["income"] = [30.0, 20.0, 30.0, 50.0]
    X_cf = not_found(X_cf, [1, 3])
    per_row = recourse_cost(mixed, X_cf, per_row=True)
    assert per_row[0] == pytest.approx(0.5)
    assert per_row[2] == 0.0
    assert np.isnan(per_row[[1, 3]]).all()
    assert recourse_cost(mixed, X_cf) == pytest.approx(0.25)  # mean over found rows only
    assert np.isnan(recourse_cost(mixed, not_found(X_cf, [0, 1, 2, 3])))


def test_cost_categorical_features_parameter():
    X = np.array([[1.0, 0.0], [3.0, 10.0]])
    X_cf = np.array([[3.0, 0.0], [3.0, 0.0]])
    np.testing.assert_allclose(recourse_cost(X, X_cf, per_row=True), [1.0, 1.0])
    # feature 0 as a category: 1 -> 3 is one changed category
    np.testing.assert_allclose(
        recourse_cost(X, X_cf, categorical_features=[0], per_row=True), [1.0, 1.0]
    )
    X_cf2 = np.array([[2.0, 0.0], [3.0, 0.0]])
    np.testing.assert_allclose(recourse_cost(X, X_cf2, per_row=True), [0.5, 1.0])
    np.testing.assert_allclose(
        recourse_cost(X, X_cf2, categorical_features=[0], per_row=True), [1.0, 1.0]
    )


def test_cost_unseen_category_counts_one(mixed):
    X_cf = mixed.copy()
    X_cf["job"] = pd.Series(["z", "b", "c", "a"], dtype="str")
    np.testing.assert_allclose(recourse_cost(mixed, X_cf, per_row=True), [1, 0, 0, 0])


def test_cost_with_category_and_object_dtypes(mixed):
    X = mixed.astype({"job": "category", "sex": object})
    X_cf = mixed.copy()
    X_cf["job"] = pd.Series(["a", "a", "c", "a"], dtype="str")
    np.testing.assert_allclose(recourse_cost(X, X_cf, per_row=True), [0, 1, 0, 0])


def test_default_space_refuses_a_change_it_has_no_range_for():
    x = pd.DataFrame({"income": [30000.0], "age": [40.0]})
    cf = pd.DataFrame({"income": [35000.0], "age": [40.0]})
    # one row: every feature is constant, and raw units would be a silent answer
    for metric in (recourse_cost, gower_distance):
        with pytest.raises(ValueError, match=r"\['income'\] take a single value in X"):
            metric(x, cf)
    assert recourse_cost(x, x) == 0.0  # unchanged constant features cost nothing
    # a space fitted on more rows measures the same change
    space = FeatureSpace().fit(pd.DataFrame({"income": [20000.0, 70000.0], "age": [20.0, 60.0]}))
    assert recourse_cost(x, cf, feature_space=space) == pytest.approx(0.1)
    assert gower_distance(x, cf, feature_space=space) == pytest.approx([0.05])


def test_cost_errors(mixed):
    with pytest.raises(ValueError, match="same shape"):
        recourse_cost(mixed, mixed.iloc[:3])
    with pytest.raises(ValueError, match="same columns"):
        recourse_cost(mixed, mixed.rename(columns={"age": "AGE"}))
    with pytest.raises(ValueError, match="same columns"):
        recourse_cost(mixed, mixed[["income", "age", "sex", "job"]])
    with pytest.raises(ValueError, match="empty"):
        recourse_cost(mixed.iloc[:0], mixed.iloc[:0])
    with pytest.raises(ValueError, match="2-D"):
        recourse_cost([1.0, 2.0], [1.0, 2.0])
    bad = mixed.copy()
    bad.loc[0, "income"] = np.nan
    with pytest.raises(ValueError, match="X contains missing"):
        recourse_cost(bad, mixed)
    bad.loc[0, "income"] = np.inf  # infinity is not "not found"
    for X, X_cf in ((mixed, bad), (bad, mixed)):
        with pytest.raises(ValueError, match=r"infinity.*'income'|'income' holds infinity"):
            recourse_cost(X, X_cf)
    fs = FeatureSpace().fit(mixed[["age", "income"]])
    with pytest.raises(ValueError, match="features"):
        recourse_cost(mixed, mixed, feature_space=fs)
    renamed = mixed.set_axis(["a", "b", "c", "d"], axis=1)
    fs = FeatureSpace().fit(renamed)
    with pytest.raises(ValueError, match="differ"):
        recourse_cost(mixed, mixed, feature_space=fs)
    with pytest.raises(ValueError, match="fitted FeatureSpace"):
        recourse_cost(mixed, mixed, feature_space="nope")
    strings = np.array([[1.0, "a"], [2.0, "b"]], dtype=object)
    numeric_space = FeatureSpace().fit(np.array([[1.0, 2.0], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="non-numeric"):
        recourse_cost(strings, strings, feature_space=numeric_space)


def test_cost_does_not_mutate(mixed):
    X_cf = not_found(mixed, [1])
    X_cf["job"] = X_cf["job"].astype(object)
    X_cf.loc[2, "job"] = pd.NA
    before, before_cf = mixed.copy(), X_cf.copy()
    recourse_cost(mixed, X_cf, per_row=True)
    gower_distance(mixed, X_cf)
    pd.testing.assert_frame_equal(mixed, before)
    pd.testing.assert_frame_equal(X_cf, before_cf)
    arr = np.array([[1.0, "a"], [2.0, None]], dtype=object)
    arr_before = arr.copy()
    recourse_cost(arr[:1].repeat(2, axis=0), arr, per_row=True)
    assert arr[1, 1] is None and (arr[:, 0] == arr_before[:, 0]).all()


rows = st.lists(
    st.tuples(
        st.floats(-100, 100, allow_nan=False),
        st.sampled_from(["a", "b", "c"]),
        st.integers(0, 5),
    ),
    min_size=2,
    max_size=8,
)


def _frame(data):
    return pd.DataFrame(
        {
            "x": [r[0] for r in data],
            "c": pd.Series([r[1] for r in data], dtype="str"),
            "k": [r[2] for r in data],
        }
    )


@settings(max_examples=40, deadline=None)
@given(rows, st.randoms(use_true_random=False))
def test_cost_properties(data, rnd):
    X = _frame(data)
    Y = X.sample(frac=1.0, random_state=rnd.randint(0, 1000)).reset_index(drop=True)
    fs = FeatureSpace(categorical_encoding="onehot").fit(X)
    c_xy = recourse_cost(X, Y, feature_space=fs, per_row=True)
    np.testing.assert_allclose(c_xy, recourse_cost(Y, X, feature_space=fs, per_row=True))
    np.testing.assert_allclose(recourse_cost(X, X, feature_space=fs, per_row=True), 0.0)
    np.testing.assert_allclose(c_xy, fs.cost(fs.transform(X), fs.transform(Y)), atol=1e-9)
    g = gower_distance(X, Y, feature_space=fs)
    assert ((g >= 0) & (g <= 1 + 1e-12)).all()
    np.testing.assert_allclose(g, c_xy / 3)


# -------------------------------------------------------------- validity
def test_validity_uses_predict_not_proba():
    clf = ThresholdClassifier().fit(None)
    X_cf = np.array([[0.0], [0.9], [1.0], [2.0]])
    assert (clf.predict_proba(X_cf)[:, 1] >= 0.5).all()  # proba would say 100%
    assert validity(clf, X_cf) == 0.5
    assert validity(clf, X_cf, desired_class=0) == 0.5


def test_validity_not_found_rows_are_invalid_and_not_predicted():
    clf = ThresholdClassifier().fit(None)
    X_cf = pd.DataFrame({"x": [2.0, np.nan, 3.0, 0.0], "c": ["a", "b", None, "a"]})
    before = X_cf.copy()
    assert validity(clf, X_cf) == 0.25  # row 2 (x=3) has a missing category
    assert clf.calls_ == [2]
    pd.testing.assert_frame_equal(X_cf, before)
    clf.calls_.clear()
    assert validity(clf, np.full((3, 2), np.nan)) == 0.0
    assert clf.calls_ == []  # nothing to predict


def test_validity_errors():
    clf = ThresholdClassifier().fit(None)
    with pytest.raises(ValueError, match="empty"):
        validity(clf, np.empty((0, 2)))
    with pytest.raises(ValueError, match="2-D"):
        validity(clf, np.array([1.0, 2.0]))


# ------------------------------------------------------------------- LOF
@pytest.fixture
def cluster():
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "a": rng.uniform(0, 1, 60),
            "b": rng.uniform(0, 1, 60),
            "g": pd.Series(rng.choice(["u", "v"], 60), dtype="str"),
        }
    )


def test_lof_flags_obvious_outlier(cluster):
    X_cf = pd.DataFrame(
        {"a": [0.5, 40.0, np.nan], "b": [0.5, -30.0, 0.5], "g": ["u", "v", "u"]}
    )
    assert lof_plausibility(X_cf, cluster) == pytest.approx(1 / 3)
    assert lof_plausibility(X_cf.iloc[[0]], cluster) == 1.0
    assert lof_plausibility(X_cf.iloc[[1]], cluster) == 0.0
    assert lof_plausibility(X_cf.iloc[[2]], cluster) == 0.0  # not found


def test_lof_prefitted_and_feature_space(cluster):
    fs = FeatureSpace().fit(cluster)
    lof = LocalOutlierFactor(n_neighbors=5, novelty=True).fit(fs.transform(cluster))
    X_cf = pd.DataFrame({"a": [0.5, 40.0], "b": [0.5, -30.0], "g": ["u", "v"]})
    assert lof_plausibility(X_cf, lof=lof, feature_space=fs) == 0.5
    assert lof_plausibility(X_cf, cluster, feature_space=fs) == 0.5
    with pytest.raises(ValueError, match="feature_space"):
        lof_plausibility(X_cf, lof=lof)
    with pytest.raises(ValueError, match="X_reference"):
        lof_plausibility(X_cf)
    with pytest.raises(ValueError, match="novelty=True"):
        lof_plausibility(X_cf, lof=LocalOutlierFactor(), feature_space=fs)
    narrow = LocalOutlierFactor(novelty=True).fit(np.random.default_rng(0).random((20, 2)))
    with pytest.raises(ValueError, match="encoded features"):
        lof_plausibility(X_cf, lof=narrow, feature_space=fs)
    with pytest.raises(ValueError, match="n_neighbors"):
        lof_plausibility(X_cf, cluster, n_neighbors=0)
    with pytest.raises(ValueError, match="features"):
        lof_plausibility(X_cf[["a", "b"]], cluster)


def test_lof_uses_n_neighbors(cluster):
    # a tight pair far from the cluster is an inlier for n_neighbors=1 only
    ref = pd.concat(
        [cluster, pd.DataFrame({"a": [10.0, 10.01], "b": [10.0, 10.01], "g": ["u", "u"]})],
        ignore_index=True,
    )
    X_cf = pd.DataFrame({"a": [10.005], "b": [10.005], "g": ["u"]})
    assert lof_plausibility(X_cf, ref, n_neighbors=1) == 1.0
    assert lof_plausibility(X_cf, ref, n_neighbors=10) == 0.0


def test_lof_with_fewer_reference_rows_than_neighbours_is_quiet():
    # n_neighbors is capped at the reference size here, not by scikit-learn's warning
    ref = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lof_plausibility(np.array([[0.05, 0.05]]), ref, n_neighbors=5) == 1.0


# ----------------------------------------------------------------- score
def test_recourse_score_is_v_plus_l_minus_c_over_d(cluster):
    clf = ThresholdClassifier(threshold=0.5).fit(None)
    X = pd.DataFrame({"a": [0.1, 0.2, 0.3, 0.0], "b": [0.5, 0.5, 0.5, 0.5], "g": ["u"] * 4})
    X_cf = pd.DataFrame(
        {"a": [0.6, 0.4, 50.0, np.nan], "b": [0.5, 0.5, 0.5, np.nan], "g": ["u", "u", "v", None]}
    )
    fs = FeatureSpace().fit(cluster)
    comps = recourse_score(
        X, X_cf, classifier=clf, X_reference=cluster, feature_space=fs, return_components=True
    )
    cost = recourse_cost(X, X_cf, feature_space=fs)
    assert comps["validity"] == 0.5  # rows 0 and 2 valid, row 1 invalid, row 3 not found
    assert comps["lof"] == 0.5  # rows 0 and 1 inliers
    assert comps["cost"] == pytest.approx(cost)
    assert comps["score"] == pytest.approx(0.5 + 0.5 - cost / 3)
    assert all(type(v) is float for v in comps.values())
    assert set(comps) == {"cost", "validity", "lof", "score"}
    assert recourse_score(
        X, X_cf, classifier=clf, X_reference=cluster, feature_space=fs
    ) == pytest.approx(comps["score"])


def test_recourse_score_max_two_and_none_found(cluster):
    clf = ThresholdClassifier(threshold=0.0).fit(None)
    X = cluster.iloc[:5]
    assert recourse_score(X, X.copy(), classifier=clf, X_reference=cluster) == 2.0
    nothing = not_found(X, [0, 1, 2, 3, 4])
    comps = recourse_score(X, nothing, classifier=clf, X_reference=cluster, return_components=True)
    assert comps == {"cost": 0.0, "validity": 0.0, "lof": 0.0, "score": 0.0}
    with pytest.raises(ValueError, match="X_reference"):
        recourse_score(X, X, classifier=clf)


# ---------------------------------------------------------- recourse rate
def test_recourse_rate_negative_vs_all():
    clf = ThresholdClassifier().fit(None)
    X = np.array([[0.0], [0.5], [0.2], [2.0], [3.0]])  # 3 rejected, 2 accepted
    X_cf = np.array([[1.5], [0.7], [np.nan], [0.0], [3.0]])  # one flipped; row 3's ignored
    assert recourse_rate(clf, X, X_cf) == pytest.approx(1 / 3)
    assert recourse_rate(clf, X, X_cf, kind="all") == pytest.approx(3 / 5)
    assert clf.calls_[-1] == 2  # only found recourse of rejected rows is predicted
    assert np.isnan(recourse_rate(clf, X[3:], X_cf[3:]))  # nobody rejected
    assert recourse_rate(clf, X[3:], X_cf[3:], kind="all") == 1.0
    with pytest.raises(ValueError, match="kind"):
        recourse_rate(clf, X, X_cf, kind="neg")
    with pytest.raises(ValueError, match="same shape"):
        recourse_rate(clf, X, X_cf[:2])


def test_recourse_rate_with_fitted_sklearn_classifier():
    X_train = np.array([[0.0], [1.0], [2.0], [3.0]])
    clf = LogisticRegression().fit(X_train, [0, 0, 1, 1])
    X = np.array([[0.0], [0.2]])
    assert recourse_rate(clf, X, np.array([[3.0], [0.1]])) == 0.5
    X = np.array([[3.0], [0.0]])  # for desired_class=0 only row 0 is negative
    assert recourse_rate(clf, X, np.array([[0.0], [0.0]]), desired_class=0) == 1.0
    assert recourse_rate(clf, X, np.array([[2.0], [0.0]]), desired_class=0) == 0.0


def test_desired_class_the_classifier_lacks_is_an_error():
    # labels "no"/"yes": the default desired_class=1 would count nothing as valid
    clf = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], ["no", "no", "yes", "yes"])
    X_cf = np.array([[3.0], [0.0]])
    with pytest.raises(ValueError, match="desired_class=1 is not a class"):
        validity(clf, X_cf)
    with pytest.raises(ValueError, match="desired_class=1 is not a class"):
        recourse_rate(clf, np.array([[0.0], [0.1]]), X_cf)
    assert validity(clf, X_cf, desired_class="yes") == 0.5


# ------------------------------------------------------------------ Gower
def test_gower_mixed_types_string_dtype():
    X = pd.DataFrame(
        {
            "age": [20.0, 60.0, 40.0],
            "job": pd.Series(["a", "b", "c"], dtype="str"),
            "sex": pd.Series(["F", "M", "F"], dtype="category"),
            "n": [1, 2, 3],
        }
    )
    Y = pd.DataFrame(
        {
            "age": [40.0, 60.0, 40.0],
            "job": pd.Series(["b", "b", None], dtype="str"),
            "sex": pd.Series(["M", "M", "F"], dtype="str"),
            "n": [3, 2, 3],
        }
    )
    g = gower_distance(X, Y)
    # row 0: age 20/40, job 1, sex 1, n 2/2 -> (0.5 + 1 + 1 + 1) / 4
    np.testing.assert_allclose(g[:2], [3.5 / 4, 0.0])
    assert np.isnan(g[2])
    # explicit feature space ranges: age range 80
    fs = FeatureSpace().fit(pd.concat([X, X.assign(age=[100.0, 20.0, 20.0])]))
    assert gower_distance(X, Y, feature_space=fs)[0] == pytest.approx((0.25 + 3) / 4)


def test_gower_arrays_and_categorical_features():
    X = np.array([[0.0, 1.0], [10.0, 2.0]])
    Y = np.array([[5.0, 2.0], [10.0, 2.0]])
    np.testing.assert_allclose(gower_distance(X, Y), [(0.5 + 1.0) / 2, 0.0])
    np.testing.assert_allclose(
        gower_distance(X, Y, categorical_features=[1]), [(0.5 + 1.0) / 2, 0.0]
    )
    Y2 = np.array([[5.0, 1.5], [10.0, 2.0]])
    np.testing.assert_allclose(gower_distance(X, Y2), [0.5, 0.0])
    np.testing.assert_allclose(gower_distance(X, Y2, categorical_features=[1]), [0.75, 0.0])
    obj = np.array([[1.0, "a"], [3.0, "b"]], dtype=object)
    obj_y = np.array([[2.0, "b"], [np.nan, "b"]], dtype=object)
    g = gower_distance(obj, obj_y)
    assert g[0] == pytest.approx(0.75) and np.isnan(g[1])


def test_gower_errors():
    X = pd.DataFrame({"a": [1.0, 2.0]})
    with pytest.raises(ValueError, match="same shape"):
        gower_distance(X, X.iloc[:1])
    with pytest.raises(ValueError, match="same columns"):
        gower_distance(X, X.rename(columns={"a": "b"}))
    with pytest.raises(ValueError, match="empty"):
        gower_distance(X.iloc[:0], X.iloc[:0])


# ---------------------------------------------------- equal effectiveness
FLIPPED = np.array(
    [
        # group "a": 4 rows
        [True, False, False],
        [False, True, False],
        [False, False, False],
        [True, True, False],
        # group "b": 2 rows
        [False, False, True],
        [False, False, True],
    ]
)
GROUPS = ["a", "a", "a", "a", "b", "b"]


def test_equal_effectiveness_micro_and_macro():
    micro = equal_effectiveness(FLIPPED, sensitive_features=GROUPS)
    # micro: a -> 3/4 flipped by some action, b -> 2/2
    assert micro.effectiveness.to_dict() == {"a": 0.75, "b": 1.0}
    assert micro.asr == pytest.approx(0.875)
    assert micro.pd == pytest.approx(0.25)
    assert micro.average == "micro"
    macro = equal_effectiveness(FLIPPED, sensitive_features=GROUPS, average="macro")
    # macro: a -> best action flips 2/4, b -> action 2 flips 2/2
    assert macro.effectiveness.to_dict() == {"a": 0.5, "b": 1.0}
    assert macro.asr == pytest.approx(0.75)
    assert macro.pd == pytest.approx(0.5)
    assert isinstance(micro, EqualEffectivenessResult)
    assert isinstance(micro.asr, float) and isinstance(micro.pd, float)
    with pytest.raises(dataclasses.FrozenInstanceError):
        micro.asr = 1.0


def test_equal_effectiveness_one_action_and_series_groups():
    flipped = pd.Series([True, False, True, True, False])
    race = pd.Series(["w", "b", "b", "w", "w"], name="race", dtype="str")
    res = equal_effectiveness(flipped, sensitive_features=race)
    assert res.effectiveness.index.name == "race"
    assert res.effectiveness["b"] == 0.5
    assert res.effectiveness["w"] == pytest.approx(2 / 3)
    assert res.pd == pytest.approx(2 / 3 - 0.5)
    macro = equal_effectiveness(flipped.to_numpy(), sensitive_features=race, average="macro")
    assert macro.asr == pytest.approx(res.asr)
    # single group: no disparity
    assert equal_effectiveness(flipped, sensitive_features=[1] * 5).pd == 0.0
    # a list mixing numbers and strings keeps each label's type
    mixed = equal_effectiveness(flipped, sensitive_features=[1, "b", 1, "b", 1])
    assert list(mixed.effectiveness.index) == [1, "b"]
    assert mixed.effectiveness[1] == pytest.approx(2 / 3)


def test_equal_effectiveness_errors_and_no_mutation():
    flipped = FLIPPED.copy()
    groups = np.array(GROUPS, dtype=object)
    equal_effectiveness(flipped, sensitive_features=groups, average="macro")
    np.testing.assert_array_equal(flipped, FLIPPED)
    np.testing.assert_array_equal(groups, GROUPS)
    with pytest.raises(ValueError, match="boolean"):
        equal_effectiveness(FLIPPED.astype(int), sensitive_features=GROUPS)
    with pytest.raises(ValueError, match="boolean"):
        equal_effectiveness(pd.Series([0, 1]), sensitive_features=[0, 1])
    with pytest.raises(ValueError, match="6 rows"):
        equal_effectiveness(FLIPPED, sensitive_features=GROUPS[:5])
    with pytest.raises(ValueError, match="average"):
        equal_effectiveness(FLIPPED, sensitive_features=GROUPS, average="weighted")
    with pytest.raises(ValueError, match="empty"):
        equal_effectiveness(np.zeros((0, 2), bool), sensitive_features=[])
    with pytest.raises(ValueError, match="missing"):
        equal_effectiveness(FLIPPED, sensitive_features=["a", None, "a", "a", "b", "b"])
    with pytest.raises(ValueError, match="required"):
        equal_effectiveness(FLIPPED, sensitive_features=None)
    with pytest.raises(TypeError):
        equal_effectiveness(FLIPPED, GROUPS)  # keyword-only


# ------------------------------------------------ equal choice of recourse
def test_equal_choice_of_recourse_n_phi_and_disparity():
    res = equal_choice_of_recourse(FLIPPED, sensitive_features=GROUPS)
    # eff(a, "a") = [0.5, 0.5, 0], eff(a, "b") = [0, 0, 1]
    assert res.n_phi.to_dict() == {"a": 2, "b": 1}
    assert res.disparity == 1
    np.testing.assert_allclose(res.effectiveness.loc["a"], [0.5, 0.5, 0.0])
    assert isinstance(res, EqualChoiceResult)
    high = equal_choice_of_recourse(FLIPPED, sensitive_features=GROUPS, phi=0.6)
    assert high.n_phi.to_dict() == {"a": 0, "b": 1}
    assert high.disparity == 1
    zero = equal_choice_of_recourse(FLIPPED, sensitive_features=GROUPS, phi=0)
    assert zero.n_phi.to_dict() == {"a": 3, "b": 3} and zero.disparity == 0
    three = equal_choice_of_recourse(FLIPPED, sensitive_features=[0, 0, 1, 1, 2, 2])
    # group 0: [0.5, 0.5, 0]; group 1: [0.5, 0.5, 0]; group 2: [0, 0, 1]
    assert three.n_phi.to_dict() == {0: 2, 1: 2, 2: 1} and three.disparity == 1


def test_equal_choice_errors():
    for phi in (-0.1, 1.5, "0.5", True, np.nan):
        with pytest.raises(ValueError, match="phi"):
            equal_choice_of_recourse(FLIPPED, sensitive_features=GROUPS, phi=phi)
    with pytest.raises(ValueError, match="boolean"):
        equal_choice_of_recourse(FLIPPED.astype(float), sensitive_features=GROUPS)
    with pytest.raises(ValueError, match="shape"):
        equal_choice_of_recourse(np.zeros((2, 2, 2), bool), sensitive_features=[0, 1])


def test_equal_choice_disparity_is_max_minus_min_over_all_groups():
    """Guards against |N_first - N_last| instead of max - min: equal for two groups."""
    from sklearn_recourse.metrics import equal_choice_of_recourse

    flipped = np.array(
        [[True, False, False], [True, False, False],
         [True, True, True], [True, True, True],
         [False, False, True], [False, False, True]]
    )
    res = equal_choice_of_recourse(flipped, sensitive_features=[0, 0, 1, 1, 2, 2])
    assert res.n_phi.tolist() == [1, 3, 1]
    assert res.disparity == 2


def test_groups_are_reported_in_sorted_order():
    """Guards against groups in order of appearance, not sorted."""
    from sklearn_recourse.metrics import equal_choice_of_recourse, equal_effectiveness

    flipped = np.array([[True], [False], [True], [True]])
    groups = ["b", "a", "b", "a"]
    result = equal_effectiveness(flipped, sensitive_features=groups)
    assert result.effectiveness.index.tolist() == ["a", "b"]
    res = equal_choice_of_recourse(flipped, sensitive_features=groups)
    assert res.n_phi.index.tolist() == ["a", "b"]
    assert res.effectiveness.loc["a"].tolist() == [0.5]


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_change_of_a_feature_single_valued_in_training_costs_one(scale):
    """Guards against counting it in raw units (range 1): the cost then depended on units."""
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.rand(50), "b": rng.rand(50), "k": 5.0 * scale})
    space = FeatureSpace().fit(X)
    x = pd.DataFrame({"a": [0.2, 0.2], "b": [0.2, 0.2], "k": [5.0 * scale] * 2})
    x_cf = x.assign(k=[7.0 * scale, 5.0 * scale], a=[0.2, 0.2 + 0.1 * np.ptp(X["a"])])
    np.testing.assert_allclose(
        recourse_cost(x, x_cf, feature_space=space, per_row=True), [1.0, 0.1]
    )
    np.testing.assert_allclose(gower_distance(x, x_cf, feature_space=space), [1 / 3, 0.1 / 3])
    # the encoded cost agrees with the raw one
    np.testing.assert_allclose(space.cost(space.transform(x), space.transform(x_cf)), [1.0, 0.1])
    # a rounding error of decoding is no change
    ulp = x.assign(k=np.nextafter(5.0 * scale, np.inf))
    np.testing.assert_allclose(recourse_cost(x, ulp, feature_space=space, per_row=True), 0.0)
    np.testing.assert_allclose(space.cost(space.transform(x), space.transform(ulp)), 0.0)


def test_lof_on_a_category_the_reference_lacks_says_to_pass_a_space():
    """Guards against a bare 'not seen in fit' error that does not say which fit."""
    rng = np.random.RandomState(0)
    reference = pd.DataFrame({"a": rng.rand(30), "grp": rng.choice(["x", "y"], 30)})
    X_cf = pd.DataFrame({"a": [0.8, 0.7], "grp": ["x", "z"]})
    with pytest.raises(ValueError, match=r"no row of X_reference has.*\['z'\].*feature_space="):
        lof_plausibility(X_cf, reference)
    # with a space that knows the category the row is judged
    space = FeatureSpace().fit(pd.concat([reference, X_cf]))
    assert 0.0 <= lof_plausibility(X_cf, reference, feature_space=space) <= 1.0


def test_rows_reordered_by_index_are_refused():
    """Guards against pairing a sorted copy of the recourse with the wrong rows."""
    X = pd.DataFrame({"a": [0.1, 0.2, 0.3], "b": [0.0, 0.5, 1.0]}, index=[2, 0, 1])
    X_cf = X.assign(a=X["a"] + 0.1)
    space = FeatureSpace().fit(pd.concat([X, X_cf]))
    expected = recourse_cost(X, X_cf, feature_space=space, per_row=True)
    with pytest.raises(ValueError, match=r"different order.*X_cf.loc\[X.index\]"):
        recourse_cost(X, X_cf.sort_index(), feature_space=space)
    np.testing.assert_allclose(
        recourse_cost(X, X_cf.sort_index().loc[X.index], feature_space=space, per_row=True),
        expected,
    )
    # labels that cannot be sorted together are compared too
    mixed = X.set_axis([1, "a", 2.5])
    with pytest.raises(ValueError, match="different order"):
        recourse_cost(mixed, X_cf.set_axis(["a", 1, 2.5]), feature_space=space)
    # a sample's (row, sample) index against the rows' own is paired by position
    multi = X_cf.set_axis(pd.MultiIndex.from_tuples([(2, 0), (0, 0), (1, 0)]))
    np.testing.assert_allclose(
        recourse_cost(X, multi, feature_space=space, per_row=True), expected
    )
    # other labels are paired by position, as in scikit-learn
    np.testing.assert_allclose(
        recourse_cost(X, X_cf.set_axis([7, 8, 9]), feature_space=space, per_row=True),
        expected,
    )
