"""FairSAC's environment on a small hand-made space: the action codec, the
evaluation of a state (effectiveness, N_phi, disparities, Gower), the objective
values R, success, the decoding of a SAC step and the reward."""

import types
import warnings

import numpy as np
import pandas as pd
import pytest

from sklearn_recourse import FeatureSpace
from sklearn_recourse._fair_sac_env import ActionCodec, Evaluation, FairRecourseEnv

WEIGHTS = {"asr": 2.0, "pd": 3.0, "active": 0.7, "gower": 0.5, "success": 1.0}


def _space_frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x0": np.linspace(0.0, 1.0, n),
            "x1": rng.uniform(0, 1, n),
            "c": np.array(["p", "q", "r"])[np.arange(n) % 3],
            "b": np.array(["no", "yes"])[np.arange(n) % 2],
            "g": np.array(["a", "b"])[(np.arange(n) // 2) % 2],
        }
    )


@pytest.fixture(scope="module")
def space():
    X = _space_frame()
    fs = FeatureSpace(decreasing_features=["x1"], immutable_features=["g"]).fit(X)
    return X, fs


def _env(space, n_actions=2, objective="EE", codes=None, rows=None):
    X, fs = space
    Z = fs.transform(X)
    rows = np.flatnonzero(Z[:, 0] < 0.5) if rows is None else rows
    codes = (X["g"] == "b").to_numpy().astype(int)[rows] if codes is None else codes
    codec = ActionCodec(fs, ~fs.immutable_, 0.1)
    return FairRecourseEnv(
        Z[rows],
        codes,
        codec,
        lambda E: E[:, 0] >= 0.5,  # accepts: scaled x0 at least 0.5
        n_actions=n_actions,
        objective=objective,
        use_groups=True,
        weights=WEIGHTS,
        asr_target=0.95,
        pd_target=0.05,
        phi=0.5,
    )


def test_codec_decreasing_feature_can_only_decrease(space):
    """Guards against the upper limit 0 of a decreasing continuous feature dropped."""
    _, fs = space
    codec = ActionCodec(fs, ~fs.immutable_, 0.1)
    i = list(codec.features).index(1)  # x1, decreasing
    assert codec.low[i] == -1.0 and codec.high[i] == 0.0
    # and a SAC step that pushes it up leaves the state at 0
    env = _env(space, n_actions=1)
    env.reset(seed=0)
    slot = i  # K = 1: slot i is feature i
    p = codec.n_features
    a0 = -1.0 + 2.0 * (slot + 0.5) / p
    env.step(np.array([a0, 1.0]))
    assert env._states[0, i] == 0.0


def test_codec_categorical_values_map_to_categories(space):
    """Guards against code >= 0 -> code > 0: the first category could never be set;
    two-category feature in one column: the 0/1 meaning inverted."""
    X, fs = space
    codec = ActionCodec(fs, ~fs.immutable_, 0.1)
    ic, ib = list(codec.features).index(2), list(codec.features).index(3)
    Z = fs.transform(X)
    states = np.zeros((5, codec.n_features))
    # c has 3 categories: u < 1/4 unchanged, [1/4, 1/2) -> first, [3/4, 1] -> last
    states[0, ic], states[1, ic], states[2, ic] = 0.2, 0.3, 1.0
    # b has 2 categories (one binary column): u < 1/3 unchanged, [1/3, 2/3) -> first, else second
    states[3, ib], states[4, ib] = 0.4, 0.9
    cand = codec.apply(states, Z)
    decoded = [fs.inverse_transform(cand[k]) for k in range(5)]
    cats_c, cats_b = fs.categories_[2], fs.categories_[3]
    pd.testing.assert_series_equal(decoded[0]["c"], X["c"])
    assert (decoded[1]["c"] == cats_c[0]).all()
    assert (decoded[2]["c"] == cats_c[-1]).all()
    assert (decoded[3]["b"] == cats_b[0]).all()
    assert (decoded[4]["b"] == cats_b[1]).all()


def _evaluation(phi=0.5, active=(True, True), gower=None):
    # 4 rows of group 0, 2 of group 1
    codes = np.array([0, 0, 0, 0, 1, 1])
    accepted = np.array(
        [
            [True, True, False, False, True, False],  # g0: 2/4, g1: 1/2
            [False, False, False, False, True, True],  # g0: 0, g1: 2/2
        ]
    )
    if gower is None:
        gower = np.array([[0.1] * 6, [0.3] * 6])
    return Evaluation(accepted, np.array(active), codes, 2, gower, phi, True)


def test_evaluation_per_group_n_phi_and_disparity():
    """Guards against per-group effectiveness over all rows, not the group's; eff >= phi ->
    eff > phi; disparity max - min -> max; ASR = mean over groups."""
    ev = _evaluation()
    np.testing.assert_allclose(ev.effectiveness, [0.5, 1.0])  # micro, per group
    assert ev.asr == pytest.approx(0.75) and ev.pd == pytest.approx(0.5)
    # eff(a, g0) = [0.5, 0], eff(a, g1) = [0.5, 1]: at phi = 0.5 the share 0.5 counts
    assert ev.n_phi.tolist() == [1, 2]
    assert ev.ecr_disparity == 1


def test_evaluation_gower_is_over_active_actions_only():
    """Guards against mean Gower over all K actions, inactive ones included."""
    gower = np.array([[0.2] * 6, [0.0] * 6])
    ev = _evaluation(active=(True, False), gower=gower)
    assert ev.n_active == 1
    assert ev.gower == pytest.approx(0.2)
    # the inactive action flips nothing
    assert ev.n_phi.tolist() == [1, 1]


@pytest.mark.parametrize("objective", ["EE", "ECR", "EE-ECR"])
def test_value_of_each_objective(space, objective):
    """Guards against PD term of EE dropped; N_phi disparity term of ECR dropped."""
    env = _env(space, objective=objective)
    ev = _evaluation()
    K = env.n_actions
    ee = WEIGHTS["asr"] * 0.75 - WEIGHTS["pd"] * 0.5 + WEIGHTS["active"] * 2 / K
    ecr = WEIGHTS["asr"] * 1.5 / K - WEIGHTS["pd"] * 1 / K
    gower = WEIGHTS["gower"] * ev.gower
    expected = {"EE": ee - gower, "ECR": ecr - gower, "EE-ECR": ee + ecr - gower}[objective]
    assert env.value(ev) == pytest.approx(expected)


def test_success_needs_both_targets(space):
    """Guards against the PD target of EE success dropped."""
    env = _env(space, objective="EE")
    ok = types.SimpleNamespace(asr=0.96, pd=0.05, n_phi=np.array([1, 1]), ecr_disparity=0)
    assert env.is_success(ok)
    assert not env.is_success(types.SimpleNamespace(**{**vars(ok), "pd": 0.06}))
    assert not env.is_success(types.SimpleNamespace(**{**vars(ok), "asr": 0.94}))
    ecr = _env(space, objective="ECR")
    assert ecr.is_success(ok)
    assert not ecr.is_success(types.SimpleNamespace(**{**vars(ok), "n_phi": np.array([0, 0])}))
    assert not ecr.is_success(types.SimpleNamespace(**{**vars(ok), "n_phi": np.array([1, 2]),
                                                       "ecr_disparity": 1}))


def test_step_slot_decoding_with_more_features_than_actions(space):
    """Guards against decoding a slot with divmod(slot, K) instead of divmod(slot, p) (the
    same when K == p, as in the other tests) and a categorical slot moving by step_size
    instead of 0.5."""
    env = _env(space, n_actions=2)
    K, p = env._states.shape
    assert (K, p) == (2, 4)
    env.reset(seed=0)
    # slot 2 of K * p = 8: action 0, feature 2 (the categorical c)
    env.step(np.array([-0.375, 1.0]))
    expected = np.zeros((K, p))
    expected[0, 2] = 0.5
    np.testing.assert_array_equal(env._states, expected)
    # slot 5: action 1, feature 1 (x1, decreasing): a step down of step_size
    env.step(np.array([0.375, -1.0]))
    expected[1, 1] = -0.1
    np.testing.assert_allclose(env._states, expected)


def test_reward_is_the_change_of_R_over_several_steps(space):
    """Guards against a reward of R instead of R - R_previous (the same from R = 0, where
    the other reward test starts) and a best state that keeps the lowest R."""
    env = _env(space, n_actions=2)
    env.reset(seed=0)
    previous = env.value(env.evaluate(env._states))
    values = []
    rng = np.random.default_rng(0)
    for _ in range(8):
        action = rng.uniform(-1, 1, 2)
        _, reward, terminated, _, _ = env.step(action)
        value = env.value(env.evaluate(env._states))
        bonus = WEIGHTS["success"] if terminated else 0.0
        assert reward == pytest.approx(value - previous + bonus)
        previous = value
        values.append(value)
        if terminated:
            env.reset(seed=0)
            previous = env.value(env.evaluate(env._states))
    assert len(set(np.round(values, 12))) > 1
    assert env.best[0] == pytest.approx(max(values))
    assert env.value(env.best[2]) == pytest.approx(max(values))


def test_groups_of_a_unit_are_relabelled(space):
    """Guards against group codes used as given: a unit holding groups 3 and 7 would get 8
    groups, 6 of them empty."""
    X, fs = space
    Z = fs.transform(X)
    rows = np.flatnonzero(Z[:, 0] < 0.5)
    codes = np.where((X["g"] == "b").to_numpy()[rows], 7, 3)
    env = _env(space, codes=codes, rows=rows)
    assert env.n_groups == 2
    env.reset(seed=0)
    states = np.zeros_like(env._states)
    states[0, 0] = 0.3
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no mean of an empty group
        ev = env.evaluate(states)
    assert ev.effectiveness.shape == (2,) and np.isfinite(ev.effectiveness).all()
