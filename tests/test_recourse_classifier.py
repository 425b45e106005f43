"""RecourseClassifier: the action-set LPs, the adversarial step, the PAC threshold,
recourse within Δ, and the scikit-learn API (Ross, Lakkaraju and Bastani 2021)."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score
import torch
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_recourse import RecourseClassifier, min_calibration_size, pac_threshold
from sklearn_recourse._action_set import ActionSet, InfeasibleActionSetError
from sklearn_recourse._pac import _k_star
from sklearn_recourse._recourse_classifier import best_f1_threshold
from sklearn_recourse._recourse_classifier_benchmark import _at_threshold
from sklearn_recourse._recourse_training import ActionStep, build_mlp

SMALL = dict(hidden_layer_sizes=(16, 16), max_epochs=8, random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=800, n_features=5, n_informative=3, n_redundant=0, random_state=3
    )
    return X, y


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    clf = RecourseClassifier(
        actionable_features=[0, 1, 2],
        increasing_features=[0],
        decreasing_features=[1],
        **SMALL,
    )
    return clf.fit(X, y)


def _trivial_rows(m):
    """A = 0, b = 0: no restriction, but forces the cvxpy path."""
    return np.zeros((1, m)), np.zeros(1)


def _random_boxes(rng, n, m):
    low = -rng.uniform(0, 2, size=(n, m))
    high = rng.uniform(0, 2, size=(n, m))
    sign = rng.integers(0, 3, size=m)  # 0 free, 1 increasing, 2 decreasing
    low[:, sign == 1] = 0.0
    high[:, sign == 2] = 0.0
    return low, high


# ------------------------------------------------------------------ action set
@pytest.mark.parametrize("seed", range(5))
def test_closed_form_step_equals_cvxpy(seed):
    rng = np.random.default_rng(seed)
    n, m = 40, 4
    low, high = _random_boxes(rng, n, m)
    G = rng.normal(size=(n, m))
    box = ActionSet(np.full(m, -2.0), np.full(m, 2.0))
    general = ActionSet(np.full(m, -2.0), np.full(m, 2.0), *_trivial_rows(m))
    assert box.is_box and not general.is_box
    closed = box.steepest(G, low, high)
    solved = general.steepest(G, low, high)
    np.testing.assert_allclose(closed, solved, atol=1e-6)
    # the step decreases the objective as far as the box allows
    assert np.all(np.einsum("ij,ij->i", G, closed) <= 1e-12)


def test_zero_gradient_leaves_a_feature_unchanged_on_both_paths():
    m = 3
    box = ActionSet(np.full(m, -1.0), np.full(m, 1.0))
    general = ActionSet(np.full(m, -1.0), np.full(m, 1.0), *_trivial_rows(m))
    G = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, -1.0]])
    low, high = box.row_box()
    low, high = np.broadcast_to(low, G.shape), np.broadcast_to(high, G.shape)
    expected = np.array([[0.0, 0.0, 0.0], [-1.0, 0.0, 1.0]])
    np.testing.assert_array_equal(box.steepest(G, low, high), expected)
    np.testing.assert_allclose(general.steepest(G, low, high), expected, atol=1e-6)


def test_the_lp_prints_nothing_to_stdout():
    # HiGHS prints a banner on the first solver object of a process: run a fresh one
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from sklearn_recourse._action_set import ActionSet\n"
        "s = ActionSet(np.full(2, -1.0), np.full(2, 1.0), np.array([[1.0, 1.0]]), np.array([1.0]))\n"
        "low, high = s.row_box()\n"
        "s.steepest(np.ones((3, 2)), np.broadcast_to(low, (3, 2)), np.broadcast_to(high, (3, 2)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == ""


@pytest.mark.parametrize("seed", range(3))
def test_closed_form_projection_and_cheapest_equal_cvxpy(seed):
    rng = np.random.default_rng(seed)
    n, m = 30, 3
    low, high = _random_boxes(rng, n, m)
    box = ActionSet(np.full(m, -2.0), np.full(m, 2.0))
    general = ActionSet(np.full(m, -2.0), np.full(m, 2.0), *_trivial_rows(m))
    P = rng.normal(scale=2, size=(n, m))
    np.testing.assert_allclose(box.project(P, low, high), general.project(P, low, high), atol=1e-5)

    W = rng.normal(size=(n, m))
    target = rng.uniform(-0.2, 2.0, size=n)
    D1, ok1 = box.cheapest_reaching(W, target, low, high)
    D2, ok2 = general.cheapest_reaching(W, target, low, high)
    np.testing.assert_array_equal(ok1, ok2)
    assert ok1.any() and not ok1.all()
    reach = ok1 & (target > 0)
    # same optimal L1 cost and both reach the target where it is reachable
    np.testing.assert_allclose(
        np.abs(D1[reach]).sum(1), np.abs(D2[reach]).sum(1), rtol=1e-5, atol=1e-6
    )
    for D in (D1, D2):
        assert np.all(np.einsum("ij,ij->i", W, D)[reach] >= target[reach] - 1e-6)
        assert box.contains(D, low, high).all()
    # unreachable rows get the largest W·δ the box allows
    best = box.steepest(-W, low, high)
    np.testing.assert_allclose(D1[~ok1], best[~ok1])


def test_general_polytope_step_is_optimal_and_feasible():
    rng = np.random.default_rng(0)
    m = 2
    # δ0 + δ1 <= 1 and δ0 >= -0.5, inside the box |δ| <= 2
    A, b = np.array([[-1.0, -1.0], [1.0, 0.0]]), np.array([1.0, 0.5])
    act = ActionSet(np.full(m, -2.0), np.full(m, 2.0), A, b)
    G = rng.normal(size=(25, m))
    low, high = act.row_box()
    low, high = np.broadcast_to(low, G.shape), np.broadcast_to(high, G.shape)
    D = act.steepest(G, low, high)
    assert act.contains(D, low, high).all()
    # no vertex of the polytope does better
    vertices = np.array([[-0.5, -2.0], [-0.5, 1.5], [2.0, -1.0], [2.0, -2.0]])
    best = (G @ vertices.T).min(axis=1)
    np.testing.assert_allclose(np.einsum("ij,ij->i", G, D), best, atol=1e-6)


def test_row_box_always_allows_no_change():
    # the changes that reach the bounds: +0.5 up to row 0's lower bound on the first
    # feature, -0.3 down to row 1's upper bound on the second (both rows lie outside)
    action_set = ActionSet(np.array([-1.0, -1.0]), np.array([1.0, 1.0]))
    low, high = action_set.row_box(
        np.array([[0.5, -0.5], [-0.5, -2.0]]), np.array([[0.8, 0.5], [0.5, -0.3]])
    )
    np.testing.assert_allclose(low, [[0.0, -0.5], [-0.5, -1.0]])
    np.testing.assert_allclose(high, [[0.8, 0.5], [0.5, 0.0]])


def test_action_set_errors():
    with pytest.raises(InfeasibleActionSetError, match="infeasible"):
        ActionSet([-1.0], [1.0], A=[[1.0]], b=[-3.0]).check()  # δ >= 3 outside the box
    with pytest.raises(InfeasibleActionSetError, match="unbounded.*'hours'"):
        ActionSet([-np.inf], [np.inf], names=["hours"]).check()
    # infinite box ends are replaced by the bounds the rows imply
    act = ActionSet([-np.inf], [np.inf], A=[[1.0], [-1.0]], b=[2.0, 3.0]).check()
    np.testing.assert_allclose([act.lower[0], act.upper[0]], [-2.0, 3.0])


# ------------------------------------------------------------ adversarial step
def test_adversarial_step_raises_the_score_to_first_order(fitted, data):
    X, _ = data
    inputs = fitted._standardize(fitted.feature_space_.transform(X))
    delta = fitted._step(fitted.module_, inputs)
    x = torch.as_tensor(inputs, dtype=torch.float32).requires_grad_(True)
    g = torch.sigmoid(fitted.module_(x)).squeeze(1)
    (grad,) = torch.autograd.grad(g.sum(), x)
    # the first-order change of g along δ* is never negative, and positive
    # wherever g moves at all (the reference code had the sign reversed)
    first_order = np.einsum("ij,ij->i", grad.numpy(), delta)
    assert np.all(first_order >= 0)
    moving = np.abs(grad.numpy()[:, :3]).max(1) > 1e-6
    assert np.all(first_order[moving] > 0)
    # and the score itself goes up for almost every row
    from sklearn_recourse._recourse_training import scores

    assert np.mean(scores(fitted.module_, inputs + delta) >= scores(fitted.module_, inputs)) > 0.95


def test_training_gradient_trick_gives_the_same_step():
    """One backward of ℓ(g(x), y) yields δ* for ℓ(g(x), 1): x.grad, sign-flipped for y = 0."""
    torch.manual_seed(0)
    module = build_mlp(4, (8,), "tanh", 0.0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4))
    y = rng.integers(0, 2, size=64).astype(float)
    step = ActionStep(ActionSet(np.full(3, -0.5), np.full(3, 0.5)), [0, 1, 3], -np.inf, np.inf)
    x = torch.as_tensor(X, dtype=torch.float32).requires_grad_(True)
    logit = module(x).squeeze(1)
    torch.nn.functional.binary_cross_entropy_with_logits(logit, torch.as_tensor(y).float()).backward()
    trick = x.grad.numpy().astype(float) * np.where(y > 0.5, 1.0, -1.0)[:, None]
    np.testing.assert_array_equal(step.from_gradient(trick, X), step(module, X))


# ------------------------------------------------------------------------ PAC
@pytest.mark.parametrize("n, epsilon, alpha", [(59, 0.05, 0.05), (200, 0.05, 0.05), (500, 0.1, 0.01)])
def test_k_star_matches_its_definition(n, epsilon, alpha):
    from scipy.stats import binom

    k = _k_star(n, epsilon, alpha)
    assert binom.cdf(k, n, epsilon) <= alpha < binom.cdf(k + 1, n, epsilon)


def test_k_star_and_calibration_size_at_exact_boundaries():
    from scipy.stats import binom

    # BinomCDF(k) == alpha still qualifies k
    n, epsilon = 100, 0.05
    assert _k_star(n, epsilon, binom.cdf(np.arange(n + 1), n, epsilon)[2]) == 2
    # (1 - eps)^n == alpha exactly: the ratio of logs rounds up to 3.0000000000000004
    assert min_calibration_size(0.25, 0.75**3) == 3
    assert min_calibration_size(0.25, 0.75**6) == 6
    # it agrees with pac_threshold where the closed form and the CDF round apart
    for epsilon, alpha in ((0.99, 0.01), (0.3, 0.49), (0.05, 0.05), (0.5, 0.25)):
        n = min_calibration_size(epsilon, alpha)
        pac_threshold(np.zeros(n), epsilon=epsilon, alpha=alpha)
        if n > 1:
            with pytest.raises(ValueError, match=f"at least {n} rows"):
                pac_threshold(np.zeros(n - 1), epsilon=epsilon, alpha=alpha)


def test_fractional_calibration_size_is_not_cut_short_by_float_rounding(data):
    # 0.35 * 180 == 62.99999999999999 in floats: 63 rows, as the fraction means
    X, y = data
    clf = RecourseClassifier(**{**SMALL, "max_epochs": 1, "calibration_size": 0.35})
    assert clf._n_calibration(180) == 63
    assert clf.set_params(calibration_size=0.2)._n_calibration(301) == 60
    assert clf.set_params(calibration_size=70)._n_calibration(180) == 70


def test_pac_threshold_is_the_k_plus_first_smallest_score():
    rng = np.random.default_rng(0)
    s = rng.uniform(size=300)
    k = _k_star(300, 0.05, 0.05)
    assert pac_threshold(s) == np.sort(s)[k]
    assert (s < pac_threshold(s)).sum() == k


def test_pac_threshold_guarantee_holds_in_simulation():
    # scores ~ U(0, 1): τ̂ is approximately correct iff P(score >= τ̂) = 1 - τ̂ >= 1 - ε
    rng = np.random.default_rng(1)
    eps, alpha = 0.1, 0.1
    misses = np.mean([pac_threshold(rng.uniform(size=100), epsilon=eps, alpha=alpha) > eps
                      for _ in range(2000)])
    assert misses <= alpha
    # and it is not vacuous: the miss rate is close to alpha, not 0
    assert misses > alpha / 4


def test_pac_threshold_errors():
    assert min_calibration_size(0.05, 0.05) == 59
    pac_threshold(np.linspace(0, 1, 59))
    with pytest.raises(ValueError, match="too small.*58 rows.*at least 59"):
        pac_threshold(np.linspace(0, 1, 58))
    with pytest.raises(ValueError, match="NaN"):
        pac_threshold([0.1, np.nan] * 50)
    with pytest.raises(ValueError, match="epsilon"):
        pac_threshold(np.ones(100), epsilon=1.5)


def test_best_f1_threshold():
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.2])
    y = np.array([1, 1, 0, 1, 0])
    # keeping the top 4 gives F1 = 6/7, the best; the cut is halfway to 0.2
    assert best_f1_threshold(s, y) == pytest.approx(0.4)
    # below an upper bound of 0.65 the top-4 cut is still allowed
    assert best_f1_threshold(s, y, upper=0.65) == pytest.approx(0.4)
    # a bound below every score returns (just under) the bound
    assert best_f1_threshold(s, y, upper=0.1) == pytest.approx(0.1)
    assert best_f1_threshold(s, y, upper=0.1) < 0.1
    # ... also when keeping every row is the F1-max cut (not half the lowest score)
    all_positive = np.ones(len(s), dtype=bool)
    assert best_f1_threshold(s, all_positive, upper=0.15) == pytest.approx(0.15)
    # a score just under the bound is still a cut
    s, y = np.array([0.9, 0.6, 0.1]), np.array([1, 1, 0])
    assert best_f1_threshold(s, y, upper=np.nextafter(0.6, 1.0)) == pytest.approx(0.35)
    # tied scores cannot be split by a threshold: the cuts are >= 0.8, 0.5, 0.2
    s, y = np.array([0.8, 0.5, 0.5, 0.2]), np.array([1, 1, 0, 0])
    assert best_f1_threshold(s, y) == pytest.approx(0.35)


def test_best_f1_threshold_under_a_bound_between_two_scores():
    """Guards against dropping the cut the bound itself makes (one row too many accepted)."""
    s, y = np.array([0.9, 0.8, 0.7, 0.6]), np.array([1, 1, 0, 0])
    # the F1-max cut (>= 0.8, midpoint 0.75) exceeds no bound of 0.76 ...
    assert best_f1_threshold(s, y, upper=0.76) == pytest.approx(0.75)
    # ... and under a bound of 0.72 it is still made, at the bound: F1 1.0, not 0.8
    t = best_f1_threshold(s, y, upper=0.72)
    assert 0.7 < t <= 0.72
    assert f1_score(y, s >= t) == 1.0
    # against every threshold the bound allows, on random scores
    rng = np.random.RandomState(0)
    for _ in range(300):
        n = rng.randint(2, 30)
        s = np.round(rng.rand(n), 2)
        y = rng.rand(n) < s
        if not y.any():
            continue
        upper = rng.rand()
        t = best_f1_threshold(s, y, upper=upper)
        assert t < upper  # strictly: a score equal to the bound stays accepted
        allowed = np.r_[s[s < upper], np.nextafter(upper, -np.inf), 0.0]
        best = max(f1_score(y, s >= a, zero_division=0) for a in allowed)
        assert f1_score(y, s >= t, zero_division=0) == pytest.approx(best)


# ---------------------------------------------------------------- the classifier
def test_pac_threshold_holds_on_calibration_and_held_out_rows(data):
    X, y = data
    clf = RecourseClassifier(actionable_features=[0, 1, 2], **SMALL).fit(X[:600], y[:600])
    assert clf.threshold_ <= clf.pac_bound_
    # the threshold is the F1-max one when that is allowed, else at most the bound
    if clf.f1_threshold_ <= clf.pac_bound_:
        assert clf.threshold_ == clf.f1_threshold_
    k = _k_star(len(clf.calibration_scores_), clf.epsilon, clf.alpha)
    assert (clf.calibration_scores_ < clf.threshold_).sum() <= k
    rate = clf.recourse_rate(X[600:])
    assert rate.all >= 0.9
    assert 0 <= rate.negative <= 1


def test_calibration_scores_are_the_recourse_scores_of_the_calibration_rows(data, monkeypatch):
    import sklearn_recourse._recourse_classifier as module

    X, y = data
    splits = []
    real_split = module._split
    monkeypatch.setattr(module, "_split", lambda *a: splits.append(real_split(*a)) or splits[-1])
    # a step that lowers g (trained networks rarely give one): only the max keeps g(x)
    real_step = ActionStep.__call__
    monkeypatch.setattr(ActionStep, "__call__", lambda self, m, Z: -real_step(self, m, Z))
    clf = RecourseClassifier(actionable_features=[0, 1, 2], delta_max=2.0, **SMALL).fit(X, y)
    calibration = X[splits[0][1]]
    assert np.all(clf.calibration_scores_ >= clf.predict_proba(calibration)[:, 1] - 1e-12)
    np.testing.assert_allclose(clf.calibration_scores_, clf.recourse_scores(calibration))


def test_adversarial_training_raises_recourse(data):
    X, y = data
    params = dict(actionable_features=[0, 1], threshold="f1", delta_max=0.5, **SMALL)
    plain = RecourseClassifier(lam=0.0, **params).fit(X, y)
    trained = RecourseClassifier(lam=2.0, **params).fit(X, y)
    assert trained.recourse_rate(X).negative > plain.recourse_rate(X).negative + 0.1
    assert not np.isnan(trained.history_[0]["recourse_loss"])
    assert np.isnan(plain.history_[0]["recourse_loss"])


@pytest.mark.parametrize("method", ["adversarial", "gradient", "linear"])
def test_recourse_respects_the_polytope(fitted, data, method):
    X, _ = data
    X_cf, found = fitted.recourse(X, method=method)
    accepted = fitted.predict(X) == 1
    assert found[accepted].all()
    np.testing.assert_array_equal(X_cf[accepted], X[accepted])
    rows = found & ~accepted
    assert rows.sum() > 20
    change = X_cf[rows] - X[rows]
    # non-actionable features unchanged, exactly
    np.testing.assert_array_equal(change[:, 3:], 0.0)
    # within delta_max standard deviations, in the allowed direction
    std = X[:, :3].std(axis=0)
    assert np.all(np.abs(change[:, :3]) <= 0.75 * std + 1e-9)
    assert np.all(change[:, 0] >= 0) and np.all(change[:, 1] <= 0)
    # found rows are accepted, the others are all-NaN
    assert (fitted.predict(X_cf[rows]) == 1).all()
    assert np.isnan(X_cf[~found]).all()


def test_recourse_scores_give_recourse_all_at_any_threshold(fitted, data):
    X, _ = data
    r = fitted.recourse_scores(X)
    g = fitted.predict_proba(X)[:, 1]
    assert np.all(r >= g)
    for threshold in (0.3, fitted.threshold_, 0.8):
        model = _at_threshold(fitted, threshold)
        assert model.recourse_rate(X).all == pytest.approx(np.mean(r >= threshold), abs=2 / len(X))


def test_gradient_finds_at_least_what_the_step_finds(fitted, data):
    X, _ = data
    adversarial = fitted.recourse_rate(X, "adversarial")
    gradient = fitted.recourse_rate(X, "gradient", max_iter=200)
    assert gradient.negative >= adversarial.negative - 0.02


def test_constraints_in_raw_units_and_feature_bounds(data):
    X, y = data
    X = X.copy()
    X[:, 0] = X[:, 0] * 10 + 50  # a feature in other units
    # raw changes: change0 + 10 * change1 <= 2, change1 >= -0.1
    A, b = np.array([[-1.0, -10.0], [0.0, 1.0]]), np.array([2.0, 0.1])
    clf = RecourseClassifier(
        actionable_features=[0, 1],
        constraints=(A, b),
        feature_bounds={0: (None, 60.0)},
        **SMALL,
    ).fit(X, y)
    for method in ("adversarial", "gradient", "linear"):
        X_cf, found = clf.recourse(X, method=method)
        rows = found & (clf.predict(X) != 1)
        assert rows.any(), method
        change = X_cf[rows][:, :2] - X[rows][:, :2]
        assert np.all(change @ A.T + b >= -1e-6), method
        assert np.all(X_cf[rows][:, 0] <= np.maximum(60.0, X[rows][:, 0]) + 1e-6)
        np.testing.assert_array_equal(X_cf[rows][:, 2:], X[rows][:, 2:])


def test_dataframe_with_categories(shared_data_dir):
    from sklearn_recourse.datasets import load_compas

    X, y = load_compas(return_X_y=True)
    X, y = X.iloc[:1500], y.iloc[:1500]
    before = X.copy()
    clf = RecourseClassifier(actionable_features=["priors_count"], **SMALL).fit(X, y)
    X_cf, found = clf.recourse(X.iloc[:300])
    pd.testing.assert_frame_equal(X, before)  # input not mutated
    assert list(X_cf.columns) == list(X.columns)
    assert X_cf.index.equals(X.index[:300])
    moved = found & (clf.predict(X.iloc[:300]) != 1)
    assert moved.any()
    other = [c for c in X.columns if c != "priors_count"]
    pd.testing.assert_frame_equal(
        X_cf.loc[moved, other], X.iloc[:300].loc[moved, other], check_dtype=False
    )
    assert (X_cf.loc[moved, "priors_count"] != X.iloc[:300].loc[moved, "priors_count"]).all()
    with pytest.raises(ValueError, match="race.*categories not seen"):
        clf.predict(X.assign(race="Martian").iloc[:5])


def test_api_pipeline_gridsearch_cross_val_pickle(data):
    X, y = data
    base = RecourseClassifier(actionable_features=[0, 1], threshold="f1", **SMALL)
    pipe = make_pipeline(FunctionTransformer(), base)
    assert cross_val_score(pipe, X, y, cv=2).mean() > 0.7
    grid = GridSearchCV(base, {"lam": [0.0, 0.8]}, cv=2).fit(X, y)
    assert grid.best_params_["lam"] in (0.0, 0.8)
    clf = RecourseClassifier(actionable_features=[0, 1], **SMALL).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(again.recourse(X)[0], clf.recourse(X)[0])


def test_rows_without_names_are_warned_about_once(data):
    X, y = data
    frame = pd.DataFrame(X, columns=list("abcde"))
    clf = RecourseClassifier(actionable_features=["a", "b"], **SMALL).fit(frame, y)
    for call in (clf.predict, clf.recourse_scores, lambda A: clf.recourse(A)[0]):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call(X[:20])
        names = [str(w.message) for w in caught if "feature names" in str(w.message)]
        assert len(names) == 1 and "RecourseClassifier" in names[0], names


def test_same_seed_same_model_and_global_rng_untouched(data):
    X, y = data
    state = torch.random.get_rng_state()
    a = RecourseClassifier(actionable_features=[0], **SMALL).fit(X, y)
    b = RecourseClassifier(actionable_features=[0], **SMALL).fit(X, y)
    assert torch.equal(state, torch.random.get_rng_state())
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.threshold_ == b.threshold_


def test_string_labels_and_desired_class(data):
    X, y = data
    labels = np.where(y == 1, "approve", "deny")
    clf = RecourseClassifier(actionable_features=[0, 1], desired_class="approve", **SMALL)
    clf.fit(X, labels)
    assert set(clf.predict(X)) <= {"approve", "deny"}
    # 'approve' is classes_[0]: decision_function > 0 means classes_[1]
    d = clf.decision_function(X)
    np.testing.assert_array_equal(clf.classes_[(d > 0).astype(int)], clf.predict(X))
    X_cf, found = clf.recourse(X)
    assert (clf.predict(X_cf[found]) == "approve").all()


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(actionable_features=[0], constraints=([[1.0]], [-5.0])), "infeasible"),
        (dict(actionable_features=[0], delta_max=None), "unbounded"),
        (dict(actionable_features=[0], constraints=([[1.0, 1.0]], [0.0])), r"shape \(r, 1\)"),
        (dict(actionable_features=[0], increasing_features=[0], decreasing_features=[0]),
         "both increasing and decreasing"),
        (dict(actionable_features=["x"]), "no column names"),
        (dict(calibration_size=20), "calibration set is too small.*at least 59"),
        (dict(feature_bounds={4: (0, 1)}, actionable_features=[0]), "not an actionable"),
        (dict(feature_bounds={0: (np.nan, 1.0)}, threshold="f1"), r"numbers or None, got low nan"),
        (dict(feature_bounds={0: ("a", 1.0)}), r"numbers or None, got low 'a'"),
        (dict(feature_bounds={0: (True, 2.0)}), r"numbers or None, got low True"),
        (dict(feature_bounds={0: 1.0}), r"a pair \(low, high\), got 1.0"),
        (dict(actionable_features=[0], constraints=([[1.0]], [-0.1]), feature_bounds="training"),
         "exclude 'no change'"),
        (dict(threshold=True), r"threshold must be 'pac', 'f1' or a number in \[0, 1\], got True"),
    ],
)
def test_clear_errors_at_fit(data, params, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        RecourseClassifier(**{**SMALL, "max_epochs": 1, **params}).fit(X, y)


def test_clear_errors_for_inputs(data):
    X, y = data
    frame = pd.DataFrame({"a": ["u", "v"] * 50, "b": np.arange(100.0)})
    with pytest.raises(ValueError, match="must be continuous.*'a'"):
        RecourseClassifier(actionable_features=["a"], **SMALL).fit(frame, y[:100])
    with pytest.raises(ValueError, match="Only binary"):
        RecourseClassifier(**SMALL).fit(X, np.arange(len(y)) % 3)
    clf = RecourseClassifier(**SMALL)
    with pytest.raises(Exception, match="not fitted"):
        clf.predict(X)
    clf.set_params(max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(np.where(np.eye(len(X), 5, dtype=bool), np.nan, X))
    with pytest.raises(ValueError, match="5 features"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="method must be one of"):
        clf.recourse(X, method="magic")
    for bad in (0, -5, 2.5, True):
        with pytest.raises(ValueError, match="max_iter must be a positive integer"):
            clf.recourse(X, method="gradient", max_iter=bad)
    for bad in (0.0, -0.1, np.inf, "0.1"):
        with pytest.raises(ValueError, match="step_size must be a positive finite number"):
            clf.recourse_rate(X, method="gradient", step_size=bad)


def test_failed_fit_leaves_the_classifier_unfitted(data):
    X, y = data
    clf = RecourseClassifier(**{**SMALL, "max_epochs": 1})
    with pytest.raises(ValueError, match="calibration set is too small"):
        clf.set_params(calibration_size=20).fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    # a good fit, then a failed refit on other features: no stale model is left
    clf.set_params(calibration_size=0.2).fit(X, y)
    with pytest.raises(ValueError, match="calibration set is too small"):
        clf.set_params(calibration_size=20).fit(X[:, :3], y)
    assert not [k for k in vars(clf) if k.endswith("_")]
    with pytest.raises(NotFittedError):
        clf.predict(X[:, :3])


def test_recourse_meets_feature_bounds_exactly():
    # bounds in odd raw units: the standardized step lands on them up to rounding
    X, y = make_classification(
        n_samples=400, n_features=3, n_informative=3, n_redundant=0, random_state=0
    )
    X = X * np.array([1.7, 13.3, 0.37]) + 0.3
    clf = RecourseClassifier(
        hidden_layer_sizes=(8,),
        max_epochs=3,
        feature_bounds={0: (None, 0.7), 1: (-3.3, 2.9)},
        delta_max=3.0,
        threshold="f1",
        random_state=0,
    ).fit(X, y)
    for method in ("adversarial", "linear"):
        X_cf, found = clf.recourse(X, method=method)
        moved = found & (clf.predict(X) != 1)
        cf, x = X_cf[moved], X[moved]
        assert (cf[:, 0] <= np.maximum(0.7, x[:, 0])).all(), method
        assert (cf[:, 1] >= np.minimum(-3.3, x[:, 1])).all(), method
        assert (cf[:, 1] <= np.maximum(2.9, x[:, 1])).all(), method
    # the adversarial step takes rows to the bound: the check above is not vacuous
    X_cf, found = clf.recourse(X)
    assert (X_cf[found, 1] == -3.3).sum() > 0


def test_min_calibration_size_checks_its_arguments():
    assert min_calibration_size(0.1, 0.1) == 22
    for eps, alpha in ((0.0, 0.05), (1.0, 0.05), (0.05, 2.0), (-0.1, 0.5)):
        with pytest.raises(ValueError, match="must be a float in the range"):
            min_calibration_size(eps, alpha)


# ------------------------------------------ action set and training loop
def test_a_target_reached_exactly_counts_as_reachable():
    """Guards against W·δ >= target -> W·δ > target."""
    from sklearn_recourse._action_set import ActionSet

    for act in (ActionSet([-1.0, -1.0], [1.0, 1.0]),
                ActionSet([-1.0, -1.0], [1.0, 1.0], *_trivial_rows(2))):
        low, high = act.row_box()
        W = np.array([[2.0, 0.0], [1.0, 1.0]])
        target = np.array([2.0, 2.0])  # exactly the largest W·δ of each row
        D, reachable = act.cheapest_reaching(
            W, target, np.broadcast_to(low, W.shape), np.broadcast_to(high, W.shape)
        )
        assert reachable.all()
        np.testing.assert_allclose(D, [[1.0, 0.0], [1.0, 1.0]], atol=1e-7)


def test_solver_results_are_inside_the_row_box_exactly():
    """Guards against solver output not clipped to the row box: CLARABEL's projection
    overshoots a bound by ~1e-13 on some rows."""
    from sklearn_recourse._action_set import ActionSet

    for seed in (2, 4):
        rng = np.random.default_rng(seed)
        n, m = 64, 4
        low, high = -rng.uniform(0, 1, (n, m)), rng.uniform(0, 1, (n, m))
        low[:, 0] = 0.0  # an increasing-only feature
        A, b = rng.normal(size=(2, m)), np.abs(rng.normal(size=2)) + 0.1
        act = ActionSet(np.full(m, -2.0), np.full(m, 2.0), A, b)
        D = act.project(rng.normal(scale=3, size=(n, m)), low, high)
        assert np.all(D >= low) and np.all(D <= high)


def test_build_mlp_uses_the_activation_and_dropout():
    """Guards against the activation ignored: always tanh."""
    from torch import nn

    from sklearn_recourse._recourse_training import build_mlp

    kinds = {"relu": nn.ReLU, "tanh": nn.Tanh, "logistic": nn.Sigmoid}
    for name, kind in kinds.items():
        net = build_mlp(3, (4, 5), name, 0.2)
        types_ = [type(layer) for layer in net]
        assert types_ == [nn.Linear, kind, nn.Dropout, nn.Linear, kind, nn.Dropout, nn.Linear]
        assert net[0].in_features == 3 and net[-1].out_features == 1
    no_dropout = build_mlp(3, (4,), "relu", 0.0)
    assert [type(layer) for layer in no_dropout] == [nn.Linear, nn.ReLU, nn.Linear]


def _training_problem(seed=0):
    from sklearn_recourse._action_set import ActionSet
    from sklearn_recourse._recourse_training import ActionStep, build_mlp

    torch.manual_seed(seed)
    module = build_mlp(3, (6,), "tanh", 0.0)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(48, 3))
    y = (X[:, 0] > 0).astype(float)
    step = ActionStep(ActionSet(np.full(3, -0.5), np.full(3, 0.5)), [0, 1, 2], -np.inf, np.inf)
    return module, X, y, step


def _train(module, X, y, step, **kw):
    from sklearn_recourse._recourse_training import train

    params = dict(step=step, lam=0.5, X_val=X, y_val=y, max_epochs=10, batch_size=16,
                  learning_rate=0.05, n_iter_no_change=None,
                  generator=torch.Generator().manual_seed(0), verbose=0)
    params.update(kw)
    return train(module, X, y, **params)


def test_early_stopping_after_n_iter_no_change_epochs_keeps_the_first_of_ties():
    """Guards against since_best >= n -> > n: one epoch too many; value > best -> >=: a tie
    replaces the best epoch, so a flat score never stops."""
    module, X, y, step = _training_problem()
    best_epoch, n_epochs, history = _train(
        module, X, y, step, validation_score=lambda s, t: 0.5, n_iter_no_change=3
    )
    assert (best_epoch, n_epochs, len(history)) == (1, 4, 4)


def test_training_restores_the_weights_of_the_best_epoch():
    """Guards against the best epoch's weights not loaded back."""
    module, X, y, step = _training_problem()
    states, values = [], iter([0.2, 0.9, 0.5, 0.4])

    def score(s, t):
        states.append({k: v.clone() for k, v in module.state_dict().items()})
        return next(values)

    best_epoch, n_epochs, _ = _train(module, X, y, step, validation_score=score, max_epochs=4)
    assert (best_epoch, n_epochs) == (2, 4)
    assert not torch.equal(states[1]["0.weight"], states[3]["0.weight"])
    for k, v in module.state_dict().items():
        assert torch.equal(v, states[1][k]), k


def test_score_gradients_are_the_score_and_its_gradient():
    """Guards against the logit and its gradient returned instead of g = sigmoid(logit)."""
    from sklearn_recourse._recourse_training import score_gradients, scores

    module, X, _, _ = _training_problem()
    g, grad = score_gradients(module, X)
    np.testing.assert_allclose(g, scores(module, X), atol=1e-6)
    h = 1e-2
    for j in range(X.shape[1]):
        e = np.zeros(X.shape[1])
        e[j] = h
        fd = (scores(module, X + e) - scores(module, X - e)) / (2 * h)
        np.testing.assert_allclose(grad[:, j], fd, atol=2e-3)


def test_gradient_search_leaves_a_row_already_at_the_threshold():
    """Guards against g < threshold -> g <= threshold: a row whose score equals the
    threshold, hence accepted, keeps moving."""
    from sklearn_recourse._recourse_training import gradient_search, scores

    module, X, _, step = _training_problem()
    g = scores(module, X)
    row = int(np.argsort(g)[len(g) // 2])
    D = gradient_search(module, X, g[row], step=step, max_iter=5, step_size=0.1)
    assert np.all(D[row] == 0.0)
    below = g < g[row]
    assert np.abs(D[below]).sum(axis=1).min() > 0  # the rows below it do move
