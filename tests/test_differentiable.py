"""differentiable_probability: a torch z -> P(desired_class) that equals predict_proba.

Every check evaluates on encoded rows that are hard (FeatureSpace.transform of
real rows, or projections, which decode without loss); purely continuous spaces
are also checked on random points in and around [0, 1].
"""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    MaxAbsScaler,
    MinMaxScaler,
    OneHotEncoder,
    PolynomialFeatures,
    StandardScaler,
)
from sklearn.svm import SVC

from sklearn_recourse import FeatureSpace, default_classifier
from sklearn_recourse._differentiable import differentiable_probability

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# ------------------------------------------------------------------ data
def _numeric(n=240, seed=0, n_classes=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)) * [1.0, 2.0, 0.5, 3.0] + [0.0, 1.0, -1.0, 2.0]
    score = X[:, 0] + np.sin(X[:, 1]) - 2 * X[:, 2] + 0.3 * (X[:, 3] - 2)
    if n_classes == 2:
        y = (score > np.median(score)).astype(int)
    else:
        y = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3]))
    return X, y


def _mixed(n=300, seed=0):
    rng = np.random.default_rng(seed)
    jobs = np.array(["clerk", "nurse", "engineer", "artist"])
    cities = ["north", "south", "east"]
    X = pd.DataFrame(
        {
            "age": rng.integers(18, 70, n),
            "income": rng.normal(3.0, 1.0, n),
            "job": pd.Series(jobs[np.arange(n) % 4]),  # pandas 3 default str dtype
            "city": pd.Categorical(np.array(cities)[rng.integers(0, 3, n)], categories=cities),
            "owner": rng.random(n) < 0.4,
        }
    )
    assert X["job"].dtype == "str"
    score = (
        0.05 * (X["age"] - 40)
        + X["income"]
        - 3
        + (X["job"] == "engineer") * 1.5
        - (X["city"] == "south") * 1.0
        + X["owner"] * 0.7
    )
    y = np.where(score + rng.normal(0, 0.3, n) > 0, "good", "bad")
    return X, y


def _probability(f, Z):
    return f(torch.as_tensor(Z, dtype=torch.float64)).detach().numpy()


def _assert_agrees(clf, fs, desired, Z, X_raw=None):
    """differentiable_probability(z) == predict_proba(decode(z))[:, desired] to 1e-6."""
    f = differentiable_probability(clf, fs, desired)
    assert f is not None
    k = list(clf.classes_).index(desired)
    X_dec = fs.inverse_transform(Z)
    if X_raw is not None:  # hard rows: decoding gives back the raw rows
        if isinstance(X_raw, pd.DataFrame):
            pd.testing.assert_frame_equal(X_dec.reset_index(drop=True), X_raw.reset_index(drop=True))
        else:
            np.testing.assert_allclose(X_dec.astype(float), X_raw.astype(float), rtol=1e-12)
    want = clf.predict_proba(X_dec)[:, k]
    got = _probability(f, Z)
    assert got.shape == want.shape == (len(Z),)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert np.ptp(want) > 0.05, "degenerate model: the comparison would prove little"
    return f


def _random_unit_rows(fs, n=60, seed=1):
    """Random points in and slightly beyond [0, 1] (continuous-only spaces)."""
    assert not fs.categorical_.any() and not fs.integer_.any()
    return np.random.default_rng(seed).uniform(-0.2, 1.2, size=(n, fs.n_encoded_features_))


def _hard_rows(fs, X, n=60, seed=2):
    """Real rows encoded, plus projections of random candidates onto their feasible sets."""
    Z = fs.transform(X)
    rng = np.random.default_rng(seed)
    wish = Z + rng.normal(0, 0.5, Z.shape)
    return np.vstack([Z[:n], fs.project(wish[:n], Z[:n])])


# ---------------------------------------------------------- agreement
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_mlp_on_numeric_array(activation, n_classes):
    X, y = _numeric(n_classes=n_classes)
    clf = MLPClassifier(hidden_layer_sizes=(8, 6), activation=activation, max_iter=400, random_state=0)
    clf.fit(X, y)
    fs = FeatureSpace().fit(X[:200])  # recourse space fitted on other rows: other ranges
    for desired in clf.classes_:
        _assert_agrees(clf, fs, desired, fs.transform(X[200:]), X_raw=X[200:])
        _assert_agrees(clf, fs, desired, _random_unit_rows(fs))


def test_mlp_on_integer_array():
    X, y = _numeric()
    X = np.round(X * 2).astype(np.int64)
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=400, random_state=0).fit(X, y)
    fs = FeatureSpace(increasing_features=[0]).fit(X)
    assert fs.integer_.all()
    Z = _hard_rows(fs, X)
    _assert_agrees(clf, fs, 1, Z)
    _assert_agrees(clf, fs, 0, Z)


@pytest.mark.parametrize(
    "scalers",
    [
        [StandardScaler()],
        [StandardScaler(with_mean=False)],
        [StandardScaler(with_std=False)],
        [MinMaxScaler()],
        [MinMaxScaler(feature_range=(-1, 3))],
        [MaxAbsScaler()],
        [MaxAbsScaler(), StandardScaler()],
        ["passthrough", MinMaxScaler()],
    ],
    ids=["std", "std-no-mean", "std-no-std", "minmax", "minmax-range", "maxabs", "maxabs-std",
         "passthrough-minmax"],
)
@pytest.mark.parametrize("desired", [0, 1])
def test_scaler_pipeline_logistic_regression(scalers, desired):
    X, y = _numeric()
    clf = make_pipeline(*scalers, LogisticRegression()).fit(X, y)
    fs = FeatureSpace().fit(X[:150])
    _assert_agrees(clf, fs, desired, fs.transform(X[150:]), X_raw=X[150:])
    _assert_agrees(clf, fs, desired, _random_unit_rows(fs))


@pytest.mark.parametrize("encoding", ["binary", "onehot"])
@pytest.mark.parametrize("desired", ["good", "bad"])
def test_default_classifier_on_string_categories(encoding, desired):
    X, y = _mixed()
    clf = default_classifier(random_state=0)
    assert isinstance(clf.steps[0][1], FeatureSpace) and isinstance(clf[-1], MLPClassifier)
    clf.fit(X, y)
    # the recourse space: other rows (other ranges), maybe another encoding, constraints
    fs = FeatureSpace(
        categorical_encoding=encoding, immutable_features=["city"], increasing_features=["age"]
    ).fit(X.iloc[:120])
    test = X.iloc[120:]
    _assert_agrees(clf, fs, desired, fs.transform(test), X_raw=test)
    _assert_agrees(clf, fs, desired, _hard_rows(fs, test))


@pytest.mark.parametrize("desired", ["a", "b", "c"])
def test_multiclass_logistic_regression(desired):
    X, y = _numeric(n_classes=3)
    labels = np.array(["a", "b", "c"])[y]
    clf = LogisticRegression(max_iter=1000).fit(X, labels)
    assert clf.coef_.shape[0] == 3
    fs = FeatureSpace().fit(X)
    _assert_agrees(clf, fs, desired, fs.transform(X[:80]), X_raw=X[:80])
    _assert_agrees(clf, fs, desired, _random_unit_rows(fs))
    # also behind a FeatureSpace, on mixed data
    Xm, _ = _mixed()
    ym = np.array(["a", "b", "c"])[np.arange(len(Xm)) % 3]
    ym[Xm["job"].to_numpy() == "nurse"] = "a"
    ym[(Xm["income"] > 3.5).to_numpy()] = "c"
    clf = Pipeline([("fs", FeatureSpace()), ("sc", StandardScaler()), ("lr", LogisticRegression())])
    clf.fit(Xm, ym)
    fs = FeatureSpace(categorical_encoding="onehot").fit(Xm)
    _assert_agrees(clf, fs, desired, _hard_rows(fs, Xm))


def _numeric_categories(n=300, seed=0):
    """A float column, a 3-valued code {1, 5, 9} and a 2-valued code {2, 7}."""
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [rng.normal(0, 1, n), rng.choice([1, 5, 9], n), rng.choice([2, 7], n)]
    ).astype(float)
    y = (X[:, 0] + (X[:, 1] == 5) * 1.5 - (X[:, 2] == 7) + rng.normal(0, 0.3, n) > 0.3).astype(int)
    return X, y


@pytest.mark.parametrize("encoding", ["binary", "onehot"])
@pytest.mark.parametrize(
    "make_clf",
    [
        lambda: make_pipeline(StandardScaler(), LogisticRegression()),
        lambda: MLPClassifier(hidden_layer_sizes=(6,), activation="tanh", max_iter=500, random_state=0),
        lambda: make_pipeline(FeatureSpace(categorical_features=[1, 2]), MLPClassifier(
            hidden_layer_sizes=(6,), max_iter=500, random_state=0)),
        lambda: make_pipeline(
            FeatureSpace(categorical_features=[1, 2], categorical_encoding="onehot"),
            MinMaxScaler(),
            LogisticRegression(),
        ),
    ],
    ids=["scaler-lr", "mlp", "fs-mlp", "fs-scaler-lr"],
)
def test_numeric_categories_declared(make_clf, encoding):
    X, y = _numeric_categories()
    clf = make_clf().fit(X, y)
    fs = FeatureSpace(categorical_features=[1, 2], categorical_encoding=encoding).fit(X)
    assert [len(c) for c in fs.columns_] == ([1, 3, 1] if encoding == "binary" else [1, 3, 2])
    Z = _hard_rows(fs, X)
    _assert_agrees(clf, fs, 1, Z)
    _assert_agrees(clf, fs, 0, fs.transform(X), X_raw=X)


@pytest.mark.parametrize("encoding", ["binary", "onehot"])
def test_numeric_categories_in_a_dataframe(encoding):
    """Category dtype with numeric categories (in non-sorted order) and a bool column."""
    Xa, y = _numeric_categories()
    X = pd.DataFrame(
        {
            "x": Xa[:, 0],
            "code": pd.Categorical(Xa[:, 1].astype(int), categories=[9, 1, 5]),
            "flag": Xa[:, 2] > 5,
        }
    )
    clf = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    fs = FeatureSpace(categorical_encoding=encoding).fit(X)
    assert list(fs.categorical_) == [False, True, True]
    _assert_agrees(clf, fs, 1, _hard_rows(fs, X))
    _assert_agrees(clf, fs, 0, fs.transform(X), X_raw=X)


class _TorchClassifier:
    """Minimal skorch-like estimator: a fitted torch ``module_`` and ``predict_proba``."""

    def __init__(self, seed=0):
        torch.manual_seed(seed)
        self.module_ = torch.nn.Sequential(
            torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3), torch.nn.Softmax(dim=1)
        )
        self.classes_ = np.array([0, 1, 2])

    def predict_proba(self, X):
        with torch.no_grad():
            return self.module_(torch.as_tensor(np.asarray(X), dtype=torch.float32)).double().numpy()


@pytest.mark.parametrize("desired", [0, 1, 2])
def test_torch_module(desired):
    X, _ = _numeric()
    X = (X - X.mean(0)) / X.std(0)
    clf = _TorchClassifier()
    fs = FeatureSpace().fit(X)
    _assert_agrees(clf, fs, desired, fs.transform(X[:50]), X_raw=X[:50])


# ------------------------------------------------------------ gradients
def _check_gradient(f, Z, cols, h=1e-6):
    z = torch.as_tensor(Z, dtype=torch.float64).requires_grad_(True)
    f(z).sum().backward()
    grad = z.grad.numpy()
    assert np.isfinite(grad).all()
    fd = np.zeros((len(Z), len(cols)))
    for i, c in enumerate(cols):
        step = np.zeros(Z.shape[1])
        step[c] = h
        fd[:, i] = (_probability(f, Z + step) - _probability(f, Z - step)) / (2 * h)
    np.testing.assert_allclose(grad[:, cols], fd, rtol=1e-4, atol=1e-7)
    assert np.abs(fd).max() > 1e-3, "flat function: the comparison would prove little"


def _continuous_columns(fs):
    return np.flatnonzero(~fs.categorical_[fs.encoded_feature_])


def test_gradient_default_classifier():
    X, y = _mixed()
    clf = default_classifier(random_state=0).fit(X, y)
    fs = FeatureSpace(categorical_encoding="onehot").fit(X)
    f = differentiable_probability(clf, fs, "good")
    cols = _continuous_columns(fs)
    assert len(cols) == 2
    _check_gradient(f, fs.transform(X.iloc[:40]), cols)


@pytest.mark.parametrize(
    "clf",
    [
        make_pipeline(StandardScaler(), LogisticRegression()),
        MLPClassifier(hidden_layer_sizes=(8,), activation="tanh", max_iter=400, random_state=0),
        MLPClassifier(hidden_layer_sizes=(8, 4), activation="logistic", max_iter=400, random_state=0),
    ],
    ids=["scaler-lr", "mlp-tanh", "mlp-logistic"],
)
def test_gradient_numeric(clf):
    X, y = _numeric(n_classes=3)
    clf.fit(X, y)
    fs = FeatureSpace().fit(X)
    f = differentiable_probability(clf, fs, 1)
    Z = np.vstack([fs.transform(X[:30]), _random_unit_rows(fs, n=30)])
    _check_gradient(f, Z, np.arange(fs.n_encoded_features_))


def test_gradient_numeric_categories():
    X, y = _numeric_categories()
    clf = MLPClassifier(hidden_layer_sizes=(6,), activation="tanh", max_iter=500, random_state=0)
    clf.fit(X, y)
    fs = FeatureSpace(categorical_features=[1, 2]).fit(X)
    f = differentiable_probability(clf, fs, 1)
    _check_gradient(f, fs.transform(X[:40]), _continuous_columns(fs))


# ---------------------------------------------------------- unsupported
def test_none_for_random_forest():
    X, y = _numeric()
    rf = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    fs = FeatureSpace().fit(X)
    assert differentiable_probability(rf, fs, 1) is None
    Xm, ym = _mixed()
    pipe = make_pipeline(FeatureSpace(), RandomForestClassifier(n_estimators=5, random_state=0))
    pipe.fit(Xm, ym)
    assert differentiable_probability(pipe, FeatureSpace().fit(Xm), "good") is None


def test_none_for_string_categories_without_feature_space():
    X, y = _mixed()
    fs = FeatureSpace().fit(X)
    pre = ColumnTransformer(
        [("cat", OneHotEncoder(), ["job", "city", "owner"])], remainder="passthrough"
    )
    pipe = make_pipeline(pre, LogisticRegression(max_iter=1000)).fit(X, y)
    assert differentiable_probability(pipe, fs, "good") is None
    # even a linear head cannot read raw string categories without a leading FeatureSpace
    lr = LogisticRegression().fit(FeatureSpace().fit_transform(X), y)
    assert differentiable_probability(lr, fs, "good") is None
    assert differentiable_probability(make_pipeline(StandardScaler(), lr), fs, "good") is None


@pytest.mark.parametrize("declared", ["classifier", "generator"])
def test_none_when_the_spaces_read_a_feature_as_different_kinds(declared):
    # an integer code, categorical in one FeatureSpace and continuous in the
    # other: no affine map between the encodings (finite differences instead)
    X, y = _numeric()
    X = pd.DataFrame(X, columns=list("abcd")).assign(code=np.arange(len(y)) % 3)
    told = FeatureSpace(categorical_features=["code"])
    inner, outer = (told, FeatureSpace()) if declared == "classifier" else (FeatureSpace(), told)
    pipe = make_pipeline(inner, LogisticRegression()).fit(X, y)
    assert differentiable_probability(pipe, outer.fit(X), 1) is None
    # the same kinds on both sides keep the exact map
    assert differentiable_probability(pipe, clone(inner).fit(X), 1) is not None


def test_none_for_unsupported_step_or_unknown_class():
    X, y = _numeric()
    fs = FeatureSpace().fit(X)
    poly = make_pipeline(PolynomialFeatures(2), StandardScaler(), LogisticRegression()).fit(X, y)
    assert differentiable_probability(poly, fs, 1) is None
    lr = LogisticRegression().fit(X, y)
    assert differentiable_probability(lr, fs, 2) is None
    assert differentiable_probability(lr, fs, "1") is None


# ------------------------------------------------------ bugs (reported)
@pytest.mark.parametrize("desired", [0, 2])
def test_sgd_log_loss_multiclass(desired):
    # predict_proba normalises one-vs-rest sigmoids; a softmax is off by up to ~0.5
    X, y = _numeric(n_classes=3)
    clf = make_pipeline(StandardScaler(), SGDClassifier(loss="log_loss", random_state=0)).fit(X, y)
    fs = FeatureSpace().fit(X)
    _assert_agrees(clf, fs, desired, fs.transform(X[:50]))


@pytest.mark.filterwarnings("ignore:The `probability` parameter was deprecated:FutureWarning")
def test_linear_svc_with_platt_scaling_is_not_modelled():
    # it has coef_/intercept_, but its predict_proba is Platt-scaled: a sigmoid
    # of the decision function would be a wrong gradient, so there is none
    X, y = _numeric()
    clf = make_pipeline(StandardScaler(), SVC(kernel="linear", probability=True, random_state=0))
    clf.fit(X, y)
    fs = FeatureSpace().fit(X)
    assert differentiable_probability(clf, fs, 1) is None


@pytest.mark.parametrize("n_classes, desired", [(2, 1), (2, 0), (3, 1)])
def test_sgd_modified_huber(n_classes, desired):
    # predict_proba is (clip(d, -1, 1) + 1) / 2 (normalised over 3+ classes), not sigmoid(d)
    X, y = _numeric(n_classes=n_classes)
    clf = make_pipeline(StandardScaler(), SGDClassifier(loss="modified_huber", random_state=0))
    clf.fit(X, y)
    fs = FeatureSpace().fit(X)
    _assert_agrees(clf, fs, desired, fs.transform(X[:50]))


def test_minmax_scaler_with_clip_is_not_modelled():
    """Guards against MinMaxScaler(clip=True) modelled as affine."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    from sklearn_recourse._differentiable import differentiable_probability

    X, y = _numeric()
    clf = make_pipeline(MinMaxScaler(clip=True), LogisticRegression()).fit(X, y)
    assert differentiable_probability(clf, FeatureSpace().fit(X), 1) is None


@pytest.mark.parametrize("desired", [0, 1])
def test_sgd_log_loss_binary(desired):
    """Guards against binary log_loss SGD sent to the one-vs-rest normalisation."""
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _numeric()
    clf = make_pipeline(StandardScaler(), SGDClassifier(loss="log_loss", random_state=0)).fit(X, y)
    fs = FeatureSpace().fit(X)
    _assert_agrees(clf, fs, desired, fs.transform(X[:60]))


def test_sgd_modified_huber_rows_with_no_positive_class_are_uniform():
    """Guards against rows whose clipped decisions are all -1 given 0 instead of
    1/n_classes."""
    from sklearn.linear_model import SGDClassifier

    X, y = _numeric(n_classes=3)
    clf = SGDClassifier(loss="modified_huber", random_state=0).fit(X, y)
    clf.coef_ = np.array([[1.0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    clf.intercept_ = np.array([-2.0, -2.0, -2.0])  # all decisions <= -1 where x0 < 1
    fs = FeatureSpace().fit(X)
    Z = fs.transform(X)
    for desired in (0, 1):
        _assert_agrees(clf, fs, desired, Z)
        want = clf.predict_proba(fs.inverse_transform(Z))[:, desired]
        assert np.isclose(want, 1 / 3).sum() > 20 and not np.isclose(want, 1 / 3).all()


def test_torch_module_is_differentiated_in_eval_mode():
    """Guards against a module left in training mode: dropout makes P random."""
    from sklearn_recourse._differentiable import differentiable_probability

    torch.manual_seed(0)

    class Net:
        classes_ = np.array([0, 1])

        def __init__(self):
            self.module_ = torch.nn.Sequential(
                torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Dropout(0.5),
                torch.nn.Linear(16, 2), torch.nn.Softmax(dim=1),
            )

    X, _ = _numeric()
    X = (X - X.mean(0)) / X.std(0)
    net = Net()
    net.module_.train()
    fs = FeatureSpace().fit(X)
    f = differentiable_probability(net, fs, 1)
    Z = torch.as_tensor(fs.transform(X[:50]), dtype=torch.float64)
    first, second = f(Z).detach().numpy(), f(Z).detach().numpy()
    np.testing.assert_array_equal(first, second)
    net.module_.eval()
    with torch.no_grad():
        want = net.module_(torch.as_tensor(X[:50], dtype=torch.float32))[:, 1].double().numpy()
    np.testing.assert_allclose(first, want, atol=1e-6)
