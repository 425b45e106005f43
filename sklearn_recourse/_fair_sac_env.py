"""The gymnasium environment of FairSACRecourse ("Fair Recourse for All", SPEC §5).

State: K candidate actions x p mutable features. An action is a vector of
changes: for a continuous feature a change of the min-max scaled value in
[-1, 1] (the sign limited for increasing/decreasing features); for a
categorical feature a value u in [0, 1] that leaves the category unchanged
below 1/(C+1) and otherwise sets category floor(u (C+1)) - 1. Actions are
applied to every affected row of the unit and projected onto each row's
feasible set (immutables, the sensitive feature, directions, bounds).

A SAC step is a point of Box(-1, 1, (2,)): the first coordinate picks one of
the K x p (action, feature) slots, the second the size of the change. Each
step applies all K actions to all rows and calls the classifier once.
"""

import numpy as np

try:  # gymnasium is a dependency, imported lazily by the estimator
    import gymnasium as gym
    from gymnasium import spaces
except ImportError:  # pragma: no cover
    gym = None


class ActionCodec:
    """Turns action states (K, p) into candidate encoded rows, and measures Gower cost."""

    def __init__(self, feature_space, mutable, step_size):
        fs = feature_space
        self.fs = fs
        self.features = np.flatnonzero(mutable)
        self.categorical = fs.categorical_[self.features]
        self.step_size = float(step_size)
        low = np.where(self.categorical, 0.0, -1.0)
        high = np.ones(len(self.features))
        cont = ~self.categorical
        low[cont & fs.increasing_[self.features]] = 0.0
        high[cont & fs.decreasing_[self.features]] = 0.0
        self.low, self.high = low, high

    @property
    def n_features(self):
        return len(self.features)

    def apply(self, states, Z):
        """Candidates of shape (K, n, e): every action applied to every row, projected."""
        fs = self.fs
        K, n = states.shape[0], Z.shape[0]
        cand = np.repeat(Z[None], K, axis=0)
        for i, j in enumerate(self.features):
            cols = fs.columns_[j]
            values = states[:, i]
            if not self.categorical[i]:
                cand[:, :, cols[0]] += values[:, None]
                continue
            n_cats = len(fs.categories_[j])
            code = np.floor(values * (n_cats + 1)).astype(int) - 1
            for k in np.flatnonzero(code >= 0):
                c = min(code[k], n_cats - 1)
                if len(cols) == 1:
                    cand[k, :, cols[0]] = float(c == 1) if n_cats == 2 else 0.0
                else:
                    cand[k, :, cols] = 0.0
                    cand[k, :, cols[c]] = 1.0
        flat = fs.project(cand.reshape(K * n, -1), np.tile(Z, (K, 1)))
        return flat.reshape(K, n, -1)

    def gower(self, cand, Z):
        """Gower distance of each candidate to its row, shape (K, n)."""
        fs = self.fs
        total = np.zeros(cand.shape[:2])
        for j, cols in enumerate(fs.columns_):
            diff = np.abs(cand[..., cols] - Z[None][..., cols])
            if fs.categories_[j] is None:
                total += diff[..., 0]
            else:
                total += (diff.max(axis=-1) > 1e-9).astype(float)
        return total / fs.n_features_in_


class Evaluation:
    """Metrics of K actions on a unit: per-group effectiveness, ASR, PD, N_phi, Gower."""

    def __init__(self, accepted, active, codes, n_groups, gower, phi, use_groups):
        accepted = accepted & active[:, None]
        self.accepted = accepted
        self.active = active
        if use_groups:
            per_group = np.array(
                [accepted[:, codes == g].mean(axis=1) for g in range(n_groups)]
            )  # (G, K)
            micro = np.array([accepted[:, codes == g].any(axis=0).mean() for g in range(n_groups)])
        else:
            per_group = accepted.mean(axis=1)[None]
            micro = np.array([accepted.any(axis=0).mean()])
        self.effectiveness = micro
        self.asr = float(micro.mean())
        self.pd = float(micro.max() - micro.min())
        self.n_phi = (per_group >= phi).sum(axis=1)
        self.ecr_disparity = int(self.n_phi.max() - self.n_phi.min())
        self.gower = float(gower[active].mean()) if active.any() else 0.0
        self.n_active = int(active.sum())


class FairRecourseEnv(gym.Env if gym is not None else object):
    """K candidate actions for one unit of affected rows (a gymnasium.Env).

    Parameters
    ----------
    Z : ndarray (n, e)
        Encoded affected rows of the unit.
    codes : ndarray of int (n,)
        Group of each row (sensitive feature).
    codec : ActionCodec
    accepts : callable
        Encoded rows (m, e) -> bool (m,), the classifier's decision; called
        once per step on all K x n candidates.
    n_actions : int
        K.
    objective : {"EE", "ECR", "EE-ECR"}
    use_groups : bool
        False for the individual level: effectiveness of the whole unit, no
        group terms.
    weights : dict
        asr, pd, active, gower, success (reward weights).
    asr_target, pd_target, phi : float
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        Z,
        codes,
        codec,
        accepts,
        *,
        n_actions,
        objective,
        use_groups,
        weights,
        asr_target,
        pd_target,
        phi,
    ):
        super().__init__()
        self.Z = np.asarray(Z, dtype=float)
        # the groups present in this unit (a cluster may lack one)
        _, self.codes = np.unique(np.asarray(codes), return_inverse=True)
        self.n_groups = int(self.codes.max()) + 1 if use_groups and len(self.codes) else 1
        self.codec = codec
        self.accepts = accepts
        self.n_actions = int(n_actions)
        self.objective = objective
        self.use_groups = use_groups
        self.weights = dict(weights)
        self.asr_target = asr_target
        self.pd_target = pd_target
        self.phi = phi
        p = codec.n_features
        self.observation_space = spaces.Box(-1.0, 1.0, shape=(self.n_actions * p,), dtype=np.float32)
        self.action_space = spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
        self.successes = []  # every successful action set: (states, Evaluation)
        self.best = None  # (value, states, Evaluation) of the best state seen
        self.n_steps = 0
        self._states = np.zeros((self.n_actions, p))

    # ------------------------------------------------------------ metrics
    def evaluate(self, states):
        cand = self.codec.apply(states, self.Z)
        K, n, e = cand.shape
        accepted = np.asarray(self.accepts(cand.reshape(K * n, e)), dtype=bool).reshape(K, n)
        gower = self.codec.gower(cand, self.Z)
        # active: the action changes some row after projection (a clipped or
        # "unchanged" category setting is no action and earns nothing)
        active = gower.max(axis=1) > 0
        return Evaluation(accepted, active, self.codes, self.n_groups, gower, self.phi, self.use_groups)

    def value(self, ev):
        """The paper's reward R (EE, ECR or both) of a state."""
        w, K = self.weights, self.n_actions
        value = -w["gower"] * ev.gower
        if "EE" in self.objective.split("-"):
            value += w["asr"] * ev.asr - w["pd"] * ev.pd + w["active"] * ev.n_active / K
        if "ECR" in self.objective.split("-"):
            value += w["asr"] * ev.n_phi.mean() / K - w["pd"] * ev.ecr_disparity / K
        return float(value)

    def is_success(self, ev):
        ok = True
        if "EE" in self.objective.split("-"):
            ok &= ev.asr >= self.asr_target and ev.pd <= self.pd_target
        if "ECR" in self.objective.split("-"):
            ok &= bool(ev.n_phi.min() >= 1) and ev.ecr_disparity == 0
        return bool(ok)

    # ------------------------------------------------------------- gym API
    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._states = np.zeros((self.n_actions, self.codec.n_features))
        self._value = self.value(self.evaluate(self._states))
        return self._observation(), {}

    def step(self, action):
        action = np.clip(np.asarray(action, dtype=float).reshape(-1), -1.0, 1.0)
        K, p = self._states.shape
        slot = min(int((action[0] + 1.0) / 2.0 * K * p), K * p - 1)
        k, i = divmod(slot, p)
        size = self.codec.step_size if not self.codec.categorical[i] else 0.5
        self._states[k, i] = np.clip(
            self._states[k, i] + size * action[1], self.codec.low[i], self.codec.high[i]
        )
        ev = self.evaluate(self._states)
        value = self.value(ev)
        # the change of R (potential-based shaping): the undiscounted return of
        # an episode is R(final) - R(start), so reaching a good state is what pays
        reward = value - self._value
        self._value = value
        self.n_steps += 1
        if self.best is None or value > self.best[0]:
            self.best = (value, self._states.copy(), ev)
        terminated = self.is_success(ev)
        if terminated:
            reward += self.weights["success"]
            self.successes.append((self._states.copy(), ev))
        info = {"asr": ev.asr, "pd": ev.pd, "gower": ev.gower, "success": terminated}
        return self._observation(), float(reward), terminated, False, info

    def _observation(self):
        return self._states.reshape(-1).astype(np.float32)
