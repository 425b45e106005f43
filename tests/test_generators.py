"""Our own checks of the recourse-generator contract (SPEC section 2)."""

import functools
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_recourse import (
    FeatureSpace,
    GenReRecourse,
    NearestNeighborRecourse,
    RecourseClassifier,
    WachterRecourse,
    default_classifier,
)
from sklearn_recourse.datasets import load_compas
from sklearn_recourse.metrics import make_recourse_scorer

# a small, short-trained GenRe: these tests check the contract, not its quality
FastGenRe = functools.partial(
    GenReRecourse, d_model=16, n_heads=2, dim_feedforward=32, max_epochs=4
)
GENERATORS = [NearestNeighborRecourse, WachterRecourse, FastGenRe]
GENERATOR_IDS = ["NearestNeighborRecourse", "WachterRecourse", "GenReRecourse"]
IMMUTABLE = ["race", "sex"]

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def compas():
    bunch = load_compas(subset="train")
    X = bunch.data.iloc[:1500].reset_index(drop=True)
    y = bunch.target.iloc[:1500].to_numpy()
    test = load_compas(subset="test").data.iloc[:300]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = default_classifier(bunch.categorical_features, random_state=0).fit(X, y)
    return X, y, test, clf, bunch.categorical_features


def _fit(cls, compas, **params):
    X, y, _, clf, categorical = compas
    params = {
        "immutable_features": IMMUTABLE,
        "increasing_features": ["age"],
        "categorical_features": categorical,
        "feature_bounds": {"priors_count": (0, 15)},
        **params,
    }
    return cls(clf, **params).fit(X, y)


@pytest.mark.parametrize("cls", GENERATORS, ids=GENERATOR_IDS)
def test_recourse_respects_every_constraint(cls, compas):
    X, _, test, clf, _ = compas
    gen = _fit(cls, compas)
    before = test.copy()
    X_cf = gen.transform(test)
    pd.testing.assert_frame_equal(test, before)  # input not mutated
    assert isinstance(X_cf, pd.DataFrame)
    assert list(X_cf.columns) == list(test.columns)
    assert X_cf.index.equals(test.index)
    found = gen.found_
    assert found.mean() > 0.5, "the generator should find recourse for most rows"
    cf, orig = X_cf[found], test[found]
    assert (cf[IMMUTABLE] == orig[IMMUTABLE]).all().all()
    assert (cf["age"] >= orig["age"]).all()
    # bounds are widened to include the row's own value, never more
    assert (cf["priors_count"] >= np.minimum(0, orig["priors_count"])).all()
    assert (cf["priors_count"] <= np.maximum(15, orig["priors_count"])).all()
    assert (cf["age"] <= np.maximum(X["age"].max(), orig["age"])).all()
    for col in ["c_charge_degree", "race", "sex", "two_year_recid"]:
        assert set(cf[col]).issubset(set(X[col]))
    for col in ["age", "priors_count", "length_of_stay"]:
        assert (cf[col] == np.round(cf[col])).all()
    assert (clf.predict(cf) == 1).all(), "found recourse must be accepted"
    # not-found rows are NaN, never an invalid row
    assert X_cf[~found].isna().all(axis=1).all()
    # rows the classifier already accepts are returned unchanged
    accepted = clf.predict(test) == 1
    pd.testing.assert_frame_equal(X_cf[accepted], test[accepted], check_dtype=False)


@pytest.mark.parametrize("cls", GENERATORS, ids=GENERATOR_IDS)
def test_no_reachable_recourse_gives_nan_rows(cls, compas):
    X, _, test, clf, categorical = compas
    gen = cls(clf, immutable_features=list(X.columns), categorical_features=categorical)
    if cls is FastGenRe:
        # nothing can change, so GenRe has no training pairs to learn from
        with pytest.raises(ValueError, match="No training pairs"):
            gen.fit(X, compas[1])
        return
    X_cf = gen.fit(X, compas[1]).transform(test)
    rejected = clf.predict(test) != 1
    assert rejected.any()
    assert not gen.found_[rejected].any()
    assert gen.found_[~rejected].all()
    assert X_cf[rejected].isna().all(axis=1).all()
    pd.testing.assert_frame_equal(X_cf[~rejected], test[~rejected], check_dtype=False)


@pytest.mark.parametrize("cls", GENERATORS, ids=GENERATOR_IDS)
def test_single_row_and_array_input(cls):
    X, y = make_classification(n_samples=200, n_features=5, random_state=1)
    X[:, 0] = np.round(X[:, 0])  # an immutable with shared values, so NNR has candidates
    gen = cls(LogisticRegression(), immutable_features=[0], decreasing_features=[1]).fit(X, y)
    row = X[gen.classifier_.predict(X) == 0][:1]
    out = gen.transform(row)
    assert isinstance(out, np.ndarray) and out.shape == (1, 5)
    assert gen.found_.tolist() == [True]
    assert out[0, 0] == row[0, 0] and out[0, 1] <= row[0, 1]
    assert gen.classifier_.predict(out)[0] == 1


def test_default_classifier_fits_without_a_convergence_warning():
    # its fixed 100 epochs stop before scikit-learn's tol is met on this data
    X, y = make_classification(n_samples=300, n_features=4, random_state=0)
    with pytest.warns(ConvergenceWarning):
        default_classifier(random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        gen = NearestNeighborRecourse(random_state=0).fit(X, y)
    assert gen.classifier_.named_steps["mlp"].n_iter_ == 100


def test_nearest_neighbor_is_the_exact_nearest_feasible_candidate():
    X, y = make_classification(n_samples=300, n_features=4, random_state=3)
    X[:, 0] = np.round(X[:, 0])  # an immutable feature with a few groups
    gen = NearestNeighborRecourse(
        LogisticRegression(), candidates="accepted", immutable_features=[0],
        increasing_features=[2],
    ).fit(X, y)
    fs = gen.feature_space_
    pool = gen.candidates_
    queries = X[gen.classifier_.predict(X) == 0][:40]
    out = gen.transform(queries)
    Zq = fs.transform(queries)
    for i, z in enumerate(Zq):
        feasible = (pool[:, 0] == z[0]) & (pool[:, 2] >= z[2])
        if not feasible.any():
            assert not gen.found_[i]
            continue
        costs = np.abs(pool[feasible] - z).sum(axis=1)
        best = fs.inverse_transform(pool[feasible][[np.argmin(costs)]])
        np.testing.assert_allclose(out[i], best[0])


def test_nearest_neighbor_is_exact_under_a_decreasing_feature_and_a_tight_bound():
    # a bound inside the data range and a direction rule out some nearer rows
    X, y = make_classification(n_samples=300, n_features=4, random_state=3)
    gen = NearestNeighborRecourse(
        LogisticRegression(),
        candidates="accepted",
        decreasing_features=[1],
        feature_bounds={2: (None, np.quantile(X[:, 2], 0.6))},
    ).fit(X, y)
    fs, pool = gen.feature_space_, gen.candidates_
    queries = X[gen.classifier_.predict(X) == 0][:60]
    out = gen.transform(queries)
    for i, z in enumerate(fs.transform(queries)):
        feasible = fs.is_feasible(pool, np.repeat(z[None], len(pool), axis=0))
        if not feasible.any():
            assert not gen.found_[i]
            continue
        best = pool[feasible][np.argmin(fs.cost(z[None], pool[feasible]))]
        np.testing.assert_allclose(out[i], fs.inverse_transform(best[None])[0])


def test_wachter_finite_differences_are_central():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    gen = WachterRecourse(LogisticRegression()).fit(X, y)
    fs, clf = gen.feature_space_, gen.classifier_
    Z = fs.transform(X)
    Z = Z[((Z > 0.1) & (Z < 0.9)).all(axis=1)][:20]  # away from the bounds
    p, grad = gen._finite_differences(fs.inverse_transform(Z), Z, Z.copy(), np.array([True, True]))
    # the logistic model on encoded rows: sigmoid(Z @ w + b)
    w = clf.coef_[0] * fs.data_range_
    logit = Z @ w + clf.intercept_[0] + fs.data_min_ @ clf.coef_[0]
    h = gen.fd_step
    expected = (expit(logit[:, None] + h * w) - expit(logit[:, None] - h * w)) / (2 * h)
    np.testing.assert_allclose(p, expit(logit), rtol=1e-9)
    np.testing.assert_allclose(grad, expected, rtol=1e-9, atol=1e-12)


def test_nearest_neighbor_variants_choose_from_the_right_rows(compas):
    X, y, _, clf, categorical = compas
    proba = clf.predict_proba(X)[:, 1]
    pred = clf.predict(X)
    expected = {
        "accepted": pred == 1,
        "confident": (pred == 1) & (proba > 0.6),
        "confident_labelled": (pred == 1) & (proba > 0.6) & (y == 1),
    }
    for variant, mask in expected.items():
        gen = NearestNeighborRecourse(
            clf, candidates=variant, gamma=0.6, categorical_features=categorical
        ).fit(X, y)
        assert len(gen.candidates_) == mask.sum()
        np.testing.assert_allclose(gen.candidates_, gen.feature_space_.transform(X[mask]))


def test_wachter_fallback_for_models_without_gradients():
    X, y = make_classification(n_samples=300, n_features=3, n_redundant=0, random_state=0)
    rf = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
    gen = WachterRecourse(rf, max_iter=100, fd_step=0.1).fit(X, y)
    assert gen.gradient_ == "finite_differences"
    queries = X[rf.predict(X) == 0][:15]
    out = gen.transform(queries)
    assert gen.found_.mean() > 0.5
    assert (rf.predict(out[gen.found_]) == 1).all()


def test_wachter_weight_growth_stops_before_it_overflows():
    # income is immutable and the row cannot reach h's boundary through hours:
    # 1100 doublings of lam would overflow to inf and the gradients to NaN
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"income": rng.normal(size=300), "hours": rng.normal(size=300)})
    y = (X["income"] + X["hours"] > 0.5).astype(int)
    clf = LogisticRegression().fit(X, y)
    row = pd.DataFrame({"income": [X["income"].min()], "hours": [X["hours"].min()]})
    gen = WachterRecourse(clf, immutable_features=["income"], lam_steps=1, max_iter=1100)
    out = gen.fit(X, y).transform(row)
    assert not gen.found_[0] and out.isna().all().all()
    # a huge starting weight acts as the cap instead of finding nothing
    rows = X[clf.predict(X) == 0].iloc[:10]
    capped = WachterRecourse(clf, lam=1e12).fit(X, y)
    huge = WachterRecourse(clf, lam=1e160).fit(X, y)
    pd.testing.assert_frame_equal(huge.transform(rows), capped.transform(rows))
    assert huge.found_.all()


def test_wachter_analytic_gradients_for_supported_models(compas):
    X, y = make_classification(n_samples=200, n_features=4, random_state=0)
    scaled = Pipeline([("s", StandardScaler()), ("lr", LogisticRegression())])
    assert WachterRecourse(scaled).fit(X, y).gradient_ == "analytic"
    Xc, yc, _, clf, categorical = compas
    gen = WachterRecourse(clf, categorical_features=categorical).fit(Xc, yc)
    assert gen.gradient_ == "analytic"
    # FrozenEstimator, which keeps the model through clone, is read through
    frozen = WachterRecourse(FrozenEstimator(clf), categorical_features=categorical)
    refitted = clone(frozen).fit(Xc, yc)
    assert refitted.gradient_ == "analytic"
    queries = Xc[clf.predict(Xc) == 0].iloc[:10]
    pd.testing.assert_frame_equal(refitted.transform(queries), gen.transform(queries))


def test_wachter_when_the_classifier_space_reads_a_feature_as_another_kind(compas):
    # the classifier's FeatureSpace was told two_year_recid is categorical, the
    # generator's detects it as an integer: the encodings have no affine map
    # between them, so Wachter falls back to finite differences on raw rows
    X, y, _, clf, _ = compas
    gen = WachterRecourse(clf, immutable_features=IMMUTABLE, max_iter=200).fit(X, y)
    assert not gen.feature_space_.categorical_[list(X.columns).index("two_year_recid")]
    assert gen.gradient_ == "finite_differences"
    queries = X[clf.predict(X) == 0].iloc[:10]
    out = gen.transform(queries)
    assert gen.found_.mean() > 0.5
    assert (clf.predict(out[gen.found_]) == 1).all()
    assert (out.loc[gen.found_, IMMUTABLE] == queries.loc[gen.found_, IMMUTABLE]).all().all()


@pytest.mark.parametrize("cls", GENERATORS, ids=GENERATOR_IDS)
def test_same_seed_same_output_and_pickle_clone(cls, compas):
    X, y, test, _, categorical = compas
    X, y = X.iloc[:600], y[:600]
    kwargs = dict(immutable_features=IMMUTABLE, categorical_features=categorical, random_state=7)
    if cls is NearestNeighborRecourse:
        kwargs["candidates"] = "accepted"
    a = cls(**kwargs).fit(X, y)  # default classifier, seeded by random_state
    b = cls(**kwargs).fit(X, y)
    out_a, out_b = a.transform(test), b.transform(test)
    pd.testing.assert_frame_equal(out_a, out_b)
    restored = pickle.loads(pickle.dumps(a))
    pd.testing.assert_frame_equal(restored.transform(test), out_a)
    fresh = clone(a)
    assert fresh.get_params() == a.get_params()
    assert not hasattr(fresh, "classifier_")


@pytest.mark.parametrize("cls", GENERATORS, ids=GENERATOR_IDS)
def test_last_step_of_a_pipeline(cls, compas):
    X, y, test, clf, categorical = compas
    params = dict(immutable_features=IMMUTABLE, categorical_features=categorical, random_state=0)
    pipe = Pipeline(
        [
            ("identity", FunctionTransformer(validate=False)),
            ("recourse", cls(clf, **params)),
        ]
    )
    out = pipe.fit(X, y).transform(test)
    direct = cls(clf, **params)
    pd.testing.assert_frame_equal(out, direct.fit(X, y).transform(test))


def test_grid_search_with_every_scorer(compas):
    X, y, _, clf, categorical = compas
    X, y = X.iloc[:900], y[:900]
    oracle = Pipeline(
        [("fs", FeatureSpace(categorical_features=categorical)), ("lr", LogisticRegression())]
    ).fit(X, y)
    names = ["score", "validity", "plausibility", "neg_cost", "recourse_rate"]
    scoring = {name: make_recourse_scorer(name, oracle=oracle) for name in names}
    scoring["asr"] = make_recourse_scorer("asr", sensitive_feature="race")
    scoring["neg_pd"] = make_recourse_scorer("neg_pd", sensitive_feature="race")
    gen = NearestNeighborRecourse(
        clf, immutable_features=IMMUTABLE, categorical_features=categorical
    )
    search = GridSearchCV(gen, {"gamma": [0.5, 0.8]}, scoring=scoring, refit="score", cv=3)
    search.fit(X, y)
    for name in scoring:
        scores = search.cv_results_[f"mean_test_{name}"]
        assert np.isfinite(scores).all(), name
    assert search.best_params_["gamma"] in (0.5, 0.8)
    # the estimator's own score works as the default scoring
    default = GridSearchCV(gen, {"gamma": [0.5, 0.8]}, cv=3).fit(X, y)
    assert np.isfinite(default.cv_results_["mean_test_score"]).all()
    assert default.best_score_ <= 2.0


def test_score_is_the_spec_score(compas):
    from sklearn_recourse.metrics import recourse_score

    X, y, test, clf, categorical = compas
    gen = _fit(NearestNeighborRecourse, compas)
    rejected = test[clf.predict(test) != 1]
    expected = recourse_score(
        rejected,
        gen.transform(rejected),
        classifier=clf,
        X_reference=X[clf.predict(X) == 1],
        feature_space=gen.feature_space_,
    )
    assert gen.score(test) == pytest.approx(expected)
    assert gen.score(test[clf.predict(test) == 1]) == 2.0


def test_score_leaves_found_of_the_last_transform(compas):
    X, y, test, clf, categorical = compas
    gen = _fit(NearestNeighborRecourse, compas)
    gen.transform(test.iloc[:7])
    gen.score(test)
    assert gen.found_.shape == (7,)


@pytest.mark.parametrize("cls", GENERATORS, ids=GENERATOR_IDS)
def test_bad_input_gives_clear_errors(cls, compas):
    X, y, test, clf, categorical = compas
    gen = cls(clf, categorical_features=categorical)
    with pytest.raises(NotFittedError):
        gen.transform(test)
    bad = X.copy()
    bad.iloc[3, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clone(gen).fit(bad, y)
    with pytest.raises(ValueError, match="one class"):
        clone(gen).fit(X, np.ones_like(y))
    with pytest.raises(ValueError, match="No favourable rows"):
        cls(clf, categorical_features=categorical, desired_class=5).fit(X, y)
    with pytest.raises(ValueError, match="requires y"):
        clone(gen).fit(X, None)
    gen.fit(X, y)
    with pytest.raises(ValueError, match="missing"):
        gen.transform(test.iloc[:, :5])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="expecting 7 features"):
            gen.transform(test.to_numpy()[:, :5])
    # scikit-learn's own warning: an array without names, fitted on a frame
    assert any("valid feature names" in str(w.message) for w in caught)
    unseen = test.copy()
    unseen["race"] = unseen["race"].astype(object)
    unseen.iloc[0, unseen.columns.get_loc("race")] = "Martian"
    with pytest.raises(ValueError, match="Martian"):
        gen.transform(unseen)
    nan_test = test.copy()
    nan_test.iloc[0, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        gen.transform(nan_test)
    with pytest.raises(ValueError, match="unknown feature"):
        cls(clf, immutable_features=["colour"]).fit(X, y)
    # a fitted classifier that cannot predict desired_class
    with pytest.raises(ValueError, match="desired_class='yes' is not a class of the classifier"):
        cls(clf, categorical_features=categorical, desired_class="yes").fit(
            X, np.where(y == 1, "yes", "no")
        )
    # age held whole numbers in fit: 30.5 could neither be kept nor only raised
    fractional = test.copy()
    fractional["age"] = fractional["age"] + 0.5
    with pytest.raises(ValueError, match="'age' held whole numbers in fit"):
        gen.transform(fractional)
    with pytest.raises(ValueError, match="'age' held whole numbers in fit"):
        gen.sample(fractional, n_samples=2)
    with pytest.raises(ValueError, match="n_samples"):
        gen.sample(test, n_samples=True)


def test_error_messages_show_plain_values():
    # 1 and 'good', not numpy's reprs np.int64(1) and np.str_('good')
    X, y = make_classification(n_samples=100, n_features=3, n_redundant=0, random_state=0)
    gen = NearestNeighborRecourse(LogisticRegression())
    bad = X.copy()
    bad[0, [0, 2]] = np.nan
    with pytest.raises(ValueError, match=r"NaN \(missing values\) in feature\(s\) \[0, 2\];"):
        gen.fit(bad, y)
    bad[0, [0, 2]] = np.inf
    with pytest.raises(ValueError, match=r"infinity in feature\(s\) \[0, 2\]\.$"):
        gen.fit(bad, y)
    with pytest.raises(ValueError, match=r"only one class \(1\)"):
        gen.fit(X, np.ones(100, dtype=np.int64))
    with pytest.raises(ValueError, match=r"only one class \(1\)"):
        RecourseClassifier(max_epochs=1).fit(X, np.ones(100, dtype=np.int64))
    with pytest.raises(ValueError, match=r"classes found: \['bad', 'good'\]"):
        gen.fit(X, np.where(y == 1, "good", "bad"))
    whole = np.round(X * 10).astype(int)
    gen.fit(whole, y)
    with pytest.raises(ValueError, match=rf"such as {float(whole[0, 0]) + 0.5};"):
        gen.transform(whole[:3] + 0.5)


def test_rows_without_recourse_keep_nullable_dtypes():
    # nobody in group "b" is accepted and the group is immutable: those rows are
    # NaN; nullable columns hold <NA>, NumPy int and bool columns cannot
    n = 40
    X = pd.DataFrame(
        {
            "x": np.tile([0.0, 1.0, 2.0, 3.0], n // 4),
            "count": pd.array(np.arange(n) % 5, dtype="Int64"),
            "flag": pd.array(np.arange(n) % 2 == 0, dtype="boolean"),
            "plain": np.arange(n) % 3,
            "group": np.repeat(["a", "b"], n // 2),
        }
    )
    y = ((X["group"] == "a") & (X["x"] >= 2)).astype(int).to_numpy()
    clf = Pipeline([("fs", FeatureSpace()), ("lr", LogisticRegression(C=100.0))]).fit(X, y)
    gen = NearestNeighborRecourse(clf, immutable_features=["group"], candidates="accepted")
    out = gen.fit(X, y).transform(X)
    missing = X["group"].eq("b").to_numpy()
    assert (~gen.found_ == missing).all()
    assert out.dtypes.to_dict() == {
        "x": np.dtype(float),
        "count": pd.Int64Dtype(),
        "flag": pd.BooleanDtype(),
        "plain": np.dtype(float),
        "group": X["group"].dtype,
    }
    assert out[missing].isna().all().all()
    assert (clf.predict(out[~missing]) == 1).all() and (out.loc[~missing, "group"] == "a").all()


class _BlackBox:
    """A fitted model outside scikit-learn: no BaseEstimator, no tags."""

    def __init__(self, model):
        self.model = model
        self.classes_ = model.classes_

    def fit(self, X, y):
        raise AssertionError("a fitted classifier is used as is")

    def predict(self, X):
        return self.model.predict(X)

    def predict_proba(self, X):
        return self.model.predict_proba(X)


class _PropertyBox(_BlackBox):
    """State in a private attribute, classes_ a property, is_fitted() (as catboost)."""

    def __init__(self, model):
        self._model = model

    def is_fitted(self):
        return getattr(self, "_model", None) is not None

    @property
    def classes_(self):
        return self._model.classes_

    def predict(self, X):
        return self._model.predict(X)

    def predict_proba(self, X):
        return self._model.predict_proba(X)


def test_is_fitted_outside_scikit_learn_follows_scikit_learn_signs():
    from sklearn_recourse._base import is_fitted

    class Model:
        def __init__(self, ready=False):
            self.ready = ready

        def __sklearn_is_fitted__(self):
            return self.ready

    assert not is_fitted(Model()) and is_fitted(Model(ready=True))
    assert not is_fitted(_PropertyBox.__new__(_PropertyBox))  # is_fitted() says no

    class Wrapper:  # unfitted, with a class-level default for classes_
        @property
        def classes_(self):
            return np.array([0, 1])

    assert not is_fitted(Wrapper())
    unfitted = _BlackBox.__new__(_BlackBox)
    assert not is_fitted(unfitted)
    unfitted.coef_ = 1.0
    assert is_fitted(unfitted)


@pytest.mark.parametrize("box", [_BlackBox, _PropertyBox])
@pytest.mark.parametrize("cls", GENERATORS, ids=GENERATOR_IDS)
def test_fitted_model_outside_scikit_learn_is_used_as_is(cls, box):
    X, y = make_classification(n_samples=300, n_features=3, n_redundant=0, random_state=0)
    box = box(LogisticRegression().fit(X, y))
    gen = cls(box, random_state=0).fit(X, y)
    assert gen.classifier_ is box
    rows = X[box.predict(X) == 0][:20]
    out = gen.transform(rows)
    assert gen.found_.mean() > 0.5
    assert (box.predict(out[gen.found_]) == 1).all()


@pytest.mark.parametrize("cls", GENERATORS, ids=GENERATOR_IDS)
def test_multiclass_target_is_read_one_against_the_rest(cls):
    # desired_class is favourable, every other class unfavourable
    X, y = make_classification(
        n_samples=300, n_features=3, n_informative=3, n_redundant=0, n_classes=3,
        n_clusters_per_class=1, random_state=0,
    )
    clf = LogisticRegression().fit(X, y)
    gen = cls(clf, desired_class=2, random_state=0).fit(X, y)
    rows = X[clf.predict(X) != 2][:20]
    assert set(clf.predict(rows)) == {0, 1}
    out = gen.transform(rows)
    assert gen.found_.mean() > 0.5
    assert (clf.predict(out[gen.found_]) == 2).all()


@pytest.mark.parametrize("cls", GENERATORS, ids=GENERATOR_IDS)
def test_integer_column_labels_in_another_order_are_refused(cls):
    # scikit-learn checks string column names only
    X, y = make_classification(
        n_samples=200, n_features=3, n_informative=3, n_redundant=0, random_state=0
    )
    frame = pd.DataFrame(X)
    frame[2] = (frame[2] > 0).astype(float)  # an immutable with groups to pair within
    gen = cls(LogisticRegression(), immutable_features=[2], random_state=0).fit(frame, y)
    with pytest.raises(ValueError, match=r"fitted on columns \[0, 1, 2\]"):
        gen.transform(frame[[2, 1, 0]])
    with pytest.raises(ValueError, match=r"fitted on columns \[0, 1, 2\]"):
        gen.sample(frame.rename(columns={2: 5}), n_samples=2)
    out = gen.transform(frame)
    assert list(out.columns) == [0, 1, 2] and gen.found_.any()
    np.testing.assert_array_equal(out.loc[gen.found_, 2], frame.loc[gen.found_, 2])


@pytest.mark.parametrize("cls", GENERATORS, ids=GENERATOR_IDS)
def test_sample_gives_several_feasible_valid_candidates(cls, compas):
    X, y, test, clf, _ = compas
    gen = _fit(cls, compas, random_state=0)
    rows = test.iloc[:25]
    S = gen.sample(rows, n_samples=3)
    assert S.shape == (75, 7) and S.index.names[-1] == "sample"
    origin = rows.loc[S.index.get_level_values(0)].set_axis(S.index)
    ok = ~S.isna().any(axis=1)
    assert ok.mean() > 0.5
    assert (S.loc[ok, IMMUTABLE] == origin.loc[ok, IMMUTABLE]).all().all()
    assert (S.loc[ok, "age"] >= origin.loc[ok, "age"]).all()
    assert (clf.predict(S[ok]) == 1).all()
    # the first candidate is what transform returns; same seed, same samples
    if "n_samples" in gen.get_params():  # GenRe: transform draws n_samples candidates
        gen.set_params(n_samples=3)
    first = S.xs(0, level="sample")
    pd.testing.assert_frame_equal(first, gen.transform(rows), check_dtype=False)
    pd.testing.assert_frame_equal(S, gen.sample(rows, n_samples=3))
    with pytest.raises(ValueError, match="n_samples"):
        gen.sample(rows, n_samples=0)


def test_sample_keeps_every_level_of_a_multiindex(compas):
    X, y, test, clf, categorical = compas
    gen = NearestNeighborRecourse(clf, categorical_features=categorical).fit(X, y)
    rows = test.iloc[:4].copy()
    rows.index = pd.MultiIndex.from_arrays(
        [["a", "a", "b", "b"], [1, 2, 1, 2]], names=["group", "id"]
    )
    S = gen.sample(rows, n_samples=2)
    assert list(S.index.names) == ["group", "id", "sample"]
    assert S.index.get_level_values("group").tolist() == ["a"] * 4 + ["b"] * 4
    assert S.index.get_level_values("id").tolist() == [1, 1, 2, 2] * 2
    pd.testing.assert_frame_equal(S.xs(0, level="sample"), gen.transform(rows))


def test_nearest_neighbor_samples_are_sorted_by_cost(compas):
    gen = _fit(NearestNeighborRecourse, compas)
    rows = compas[2].iloc[:30]
    S = gen.sample(rows, n_samples=4)
    Z = gen.feature_space_.transform(rows)
    ok = ~S.isna().any(axis=1).to_numpy().reshape(30, 4)
    for i in range(30):
        cand = S.xs(rows.index[i], level=0)[ok[i]]
        costs = gen.feature_space_.cost(Z[[i]], gen.feature_space_.transform(cand))
        assert (np.diff(costs) >= -1e-12).all()


def test_nearest_neighbor_sample_beyond_the_pool_gives_nan_rows():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 1.0).astype(int)
    gen = NearestNeighborRecourse(LogisticRegression()).fit(X, y)
    pool = len(gen.candidates_)
    rejected = X[gen.classifier_.predict(X) == 0][:3]
    S = gen.sample(rejected, n_samples=pool + 3)
    assert S.shape == (3, pool + 3, 2)
    assert np.isfinite(S[:, :pool]).all()
    assert np.isnan(S[:, pool:]).all()
    np.testing.assert_array_equal(S[:, 0], gen.transform(rejected))


@pytest.mark.parametrize("cls", GENERATORS, ids=GENERATOR_IDS)
def test_failed_fit_leaves_the_generator_unfitted(cls, compas):
    X, y, test, clf, categorical = compas
    gen = _fit(cls, compas)
    # a refit that fails after the feature space and classifier were fitted
    bad = {"increasing_features": ["age"], "decreasing_features": ["age"]}
    with pytest.raises(ValueError):
        gen.set_params(**bad).fit(X, y)
    assert not [k for k in vars(gen) if k.endswith("_")]
    with pytest.raises(NotFittedError):
        gen.transform(test.iloc[:3])


def test_generator_whose_own_fit_step_fails_is_left_unfitted():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 2))
    y = (X[:, 0] > 0.5).astype(int)
    nnr = NearestNeighborRecourse(LogisticRegression(), gamma=0.999)
    with pytest.raises(ValueError, match="No favourable rows"):
        nnr.fit(X, y)
    with pytest.raises(NotFittedError):
        nnr.transform(X[:3])


def test_recourse_meets_a_feature_bound_exactly():
    # raw units that do not scale exactly: decoding a bound used to overshoot by an ulp
    rng = np.random.RandomState(1)
    X = pd.DataFrame({"a": rng.normal(0.3, 1.7, 400), "b": rng.normal(size=400) * 3.3})
    y = (X.a + 0.3 * X.b > 0).astype(int)
    for cls in (WachterRecourse, NearestNeighborRecourse):
        gen = cls(LogisticRegression(), feature_bounds={"a": (None, 0.7)}).fit(X, y)
        rejected = X[gen.classifier_.predict(X) == 0]
        X_cf = gen.transform(rejected)
        rows = gen.found_
        assert (X_cf.a[rows] <= np.maximum(0.7, rejected.a[rows])).all(), cls.__name__
        if cls is WachterRecourse:  # it stops at the bound for many rows: not vacuous
            assert (X_cf.a[rows] == 0.7).sum() > 10
    fs = FeatureSpace(feature_bounds={"a": (-0.45, 0.7)}).fit(X)
    Z = np.c_[np.r_[fs.lower_bound_[0], fs.upper_bound_[0]], [0.5, 0.5]]
    np.testing.assert_array_equal(fs.inverse_transform(Z)["a"], [-0.45, 0.7])


def test_frozen_classifier_survives_clone_and_grid_search(compas):
    from sklearn.frozen import FrozenEstimator

    X, y, test, clf, categorical = compas
    frozen = FrozenEstimator(clf)
    gen = NearestNeighborRecourse(frozen, categorical_features=categorical)
    search = GridSearchCV(gen, {"gamma": [0.6, 0.7]}, cv=2).fit(X, 1 - y)
    best = search.best_estimator_.classifier_
    np.testing.assert_array_equal(best.predict(test), clf.predict(test))


def test_containers_and_global_pandas_output(compas):
    import sklearn

    X, y = make_classification(n_samples=200, n_features=4, random_state=0)
    frame = pd.DataFrame(X)  # integer column labels
    gen = NearestNeighborRecourse(LogisticRegression(), candidates="accepted").fit(frame, y)
    out = gen.transform(frame.iloc[:5])
    assert isinstance(out, pd.DataFrame) and list(out.columns) == [0, 1, 2, 3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # fitted on a frame, given an array
        assert isinstance(gen.transform(X[:5]), np.ndarray)
    with sklearn.config_context(transform_output="pandas"):
        for cls in GENERATORS:
            named = pd.DataFrame(X, columns=list("abcd"))
            fitted = cls(LogisticRegression()).fit(named, y)
            got = fitted.transform(named.iloc[:5])
            assert isinstance(got, pd.DataFrame) and list(got.columns) == list("abcd")
    # integer labels survive pandas output too (scikit-learn records no names
    # for them, and would otherwise rename the columns x0, x1, ...)
    for configured in (gen.set_output(transform="pandas"), make_pipeline(clone(gen))):
        configured = configured.set_output(transform="pandas")
        if isinstance(configured, Pipeline):
            configured.fit(frame, y)
        got = configured.transform(frame.iloc[:5])
        assert list(got.columns) == [0, 1, 2, 3]
        assert list(configured.get_feature_names_out()) == [0, 1, 2, 3]
        pd.testing.assert_frame_equal(configured.transform(got), got)  # accepted rows
    levels = frame.set_axis(pd.MultiIndex.from_product([["g", "h"], ["a", "b"]]), axis=1)
    names = clone(gen).fit(levels, y).get_feature_names_out()
    assert names.shape == (4,) and names.tolist() == list(levels.columns)


@pytest.mark.parametrize("cls", GENERATORS, ids=GENERATOR_IDS)
def test_rows_without_names_are_warned_about_once(cls, compas):
    # the feature space and the classifier, fitted on the same frame, stay quiet
    gen = _fit(cls, compas)
    rows = compas[2].iloc[:40].to_numpy()
    for call in (gen.transform, gen.score, lambda A: gen.sample(A, n_samples=2)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call(rows)
        names = [str(w.message) for w in caught if "feature names" in str(w.message)]
        assert len(names) == 1 and getattr(cls, "func", cls).__name__ in names[0], names


def test_wachter_checks_its_torch_copy_of_the_classifier():
    X, y = make_classification(n_samples=300, n_features=4, random_state=0)
    X = X + 5.0  # a mean the scaler must not subtract
    clf = Pipeline([("s", StandardScaler(with_mean=False)), ("lr", LogisticRegression())])
    clf.fit(X, y)
    gen = WachterRecourse(clf).fit(X, y)
    assert gen.gradient_ == "analytic"
    gen.transform(X[clf.predict(X) == 0][:20])
    assert gen.found_.all()


def test_default_classifier_trains_the_papers_100_epochs_even_on_a_flat_loss():
    """Guards against scikit-learn's early stop on the training loss (it stopped the
    benchmark's h on COMPAS after 53 epochs), which the papers' 100 epochs do not have."""
    rng = np.random.RandomState(0)
    X, y = rng.rand(400, 3), rng.randint(0, 2, 400)  # labels noise: the loss flattens fast
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = default_classifier(random_state=0).fit(X, y)
    assert clf.named_steps["mlp"].n_iter_ == 100


def test_classifier_with_predict_proba_but_no_classes_gets_a_clear_error():
    """Guards against an AttributeError from deep inside when classes_ is missing."""

    class NoClasses:
        def fit(self, X, y):
            self.model_ = LogisticRegression().fit(X, y)
            return self

        def predict(self, X):
            return self.model_.predict(X)

        def predict_proba(self, X):
            return self.model_.predict_proba(X)

    X, y = make_classification(n_samples=200, n_features=4, random_state=0)
    for cls in (NearestNeighborRecourse, WachterRecourse):
        with pytest.raises(ValueError, match="no classes_ attribute.*desired_class=1"):
            cls(NoClasses().fit(X, y)).fit(X, y).transform(X[:20])
