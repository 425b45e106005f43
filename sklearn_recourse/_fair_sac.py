"""FairSACRecourse: fair counterfactuals for individuals and groups with Soft Actor-Critic."""

import contextlib
import math
import numbers
import random
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import BaseRecourseGenerator, random_seed
from ._differentiable import unfrozen
from ._feature_space import _feature_indices
from ._validation import check_raw_X, feature_names_checked, take_rows

_DEFAULT_WEIGHTS = {"asr": 1.0, "pd": 1.0, "active": 0.1, "gower": 1.0, "success": 1.0}


def encoded_predictor(classifier, feature_space, desired_class):
    """A function Z -> accepted (bool) for encoded rows, with one classifier call.

    When the classifier is a Pipeline that starts with a FeatureSpace that
    agrees with ``feature_space`` on which features are categorical, its
    remaining steps are applied to the mapped encoding directly (exact for
    projected rows); otherwise the rows are decoded and the classifier
    called on raw rows.
    """
    from sklearn.pipeline import Pipeline

    from ._feature_space import FeatureSpace, same_kinds

    classifier = unfrozen(classifier)
    inner = classifier.steps[0][1] if isinstance(classifier, Pipeline) else None
    if isinstance(inner, FeatureSpace) and same_kinds(feature_space, inner):
        W, c = feature_space.linear_map_to(inner)
        rest = classifier[1:]

        def accepts(Z):
            return np.asarray(rest.predict(Z @ W.T + c)) == desired_class

        return accepts

    def accepts(Z):
        return np.asarray(classifier.predict(feature_space.inverse_transform(Z))) == desired_class

    return accepts


@contextlib.contextmanager
def _isolated_global_rng():
    """SB3 seeds Python's, NumPy's and torch's global generators: restore them after."""
    import torch

    py_state, np_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)


class FairSACRecourse(BaseRecourseGenerator):
    """Fair recourse for individuals and groups, learned with Soft Actor-Critic.

    Implements "Fair Recourse for All" (arXiv 2601.20449). The rows the
    classifier rejects (the *affected* set) are split into *units*: the whole
    set (``fairness="group"``) or K-means clusters of similar people
    (``"individual"`` and ``"hybrid"``, clustering on the encoded features
    without the sensitive one). For each unit a SAC agent
    (stable-baselines3) edits ``n_actions`` candidate actions, vectors of
    feature changes applied to every affected row of the unit, to maximise a
    reward built from fairness metrics of recourse:

    - ``"EE"`` (equal effectiveness): c_asr · ASR − c_pd · PD +
      c_active · (active actions / K) − c_gower · mean Gower distance, where
      ASR is the mean over groups of the share of the group flipped by at
      least one action and PD the spread of that share over groups;
    - ``"ECR"`` (equal choice of recourse): c_asr · mean N_phi / K − c_pd ·
      (N_phi disparity) / K − c_gower · Gower, with N_phi(G) the number of
      actions that flip at least a ``phi`` share of group G;
    - ``"EE-ECR"``: both.

    With ``fairness="individual"`` the group terms are dropped (ASR is the
    share of the cluster flipped, PD = 0): similar people get similar
    recourse. ``"group"`` and ``"hybrid"`` use group metrics, over the whole
    affected set or inside each cluster. The per-step reward is the change of
    R plus ``weights["success"]`` when the targets are met (ASR >=
    ``asr_target`` and PD <= ``pd_target``; for ECR, every group has an
    action that flips a ``phi`` share and N_phi is equal across groups),
    which ends the episode. Every successful action set is kept (or, when no
    episode succeeded, the best one seen).

    ``transform`` gives each rejected row, among the kept actions of every
    unit, the one whose (projected) result the classifier accepts with the
    lowest Gower distance (its own unit's action on ties); ``sample`` gives
    the ``n_samples`` best in that order (NaN rows once the accepted kept
    actions run out). The sensitive feature is never changed and every
    constraint is kept.

    Parameters
    ----------
    classifier : estimator or None, default=None
        Classifier on raw rows (fitted: used as is; None: the papers' MLP).
        ``clone`` (and so GridSearchCV) unfits a fitted classifier; wrap it
        in ``sklearn.frozen.FrozenEstimator`` to keep the model you explain.
    sensitive_feature : str or int
        The protected attribute (column name or position); immutable.
    fairness : {"individual", "group", "hybrid"}, default="hybrid"
    objective : {"EE", "ECR", "EE-ECR"}, default="EE"
    n_actions : int, default=4
        K, candidate actions per unit.
    n_clusters : int, default=3
        K-means clusters for the individual and hybrid levels.
    phi : float in (0, 1], default=0.5
        Effectiveness an action needs to count in N_phi.
    weights : dict, default=None
        Reward weights ``asr``, ``pd``, ``active``, ``gower``, ``success``;
        missing keys take the defaults 1, 1, 0.1, 1, 1.
    asr_target, pd_target : float, default=0.95, 0.05
        Success targets of an episode.
    step_size : float, default=0.1
        Largest change of a continuous feature per SAC step, as a share of
        its training range.
    total_timesteps : int, default=3000
        SAC budget per unit (SB3 runs whole rounds of ``train_freq`` steps,
        so the budget is rounded up to a multiple of it).
    max_episode_steps : int, default=50
        Episode length (a ``TimeLimit``).
    n_successes_stop : int or None, default=5
        Stop training a unit after this many successful episodes.
    max_rows_per_unit : int, default=500
        Affected rows of a unit the environment evaluates (a stratified
        sample by group that keeps at least one row of every group, so it
        can exceed this bound by about one row per group), which bounds the
        cost of a step. The figures in ``units_`` are on that
        sample.
    net_arch : tuple of int, default=(64, 64)
        Hidden layers of SAC's actor and critics (empty: linear ones).
    learning_rate : float, default=3e-4
    batch_size : int, default=64
    train_freq : int, default=4
        Environment steps between SAC updates.
    learning_starts : int, default=200
    immutable_features, categorical_features, increasing_features, \
decreasing_features, feature_bounds
        Constraints, see :class:`~sklearn_recourse.FeatureSpace`.
    desired_class : int or str, default=1
    random_state : int, RandomState or None, default=None
        Seeds the clustering, the row samples, SAC and the default classifier.
    verbose : int, default=0
        Progress bar over SAC steps.

    Attributes
    ----------
    classifier_, feature_space_ : fitted estimators
    units_ : list of dict
        Per unit: ``n_rows`` (affected training rows), ``timesteps``,
        ``seconds``, ``n_successes``, ``asr``, ``pd``, ``gower`` (of the kept
        best action set, on the rows the unit's environment evaluates, see
        ``max_rows_per_unit``).
    actions_ : list of DataFrame
        Per unit, the kept actions: one row per action, one column per
        mutable feature; continuous changes in raw units (0: unchanged),
        categorical values set (NaN: unchanged).
    cluster_model_ : KMeans or None
    found_ : ndarray of bool
        Rows of the last ``transform`` that got recourse.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_recourse import FairSACRecourse
    >>> rng = np.random.RandomState(0)
    >>> X = np.c_[rng.normal(size=(400, 2)), rng.randint(0, 2, 400)]
    >>> y = (X[:, 0] + X[:, 1] > 0.5).astype(int)
    >>> gen = FairSACRecourse(LogisticRegression(), sensitive_feature=2, fairness="group",
    ...                       total_timesteps=300, random_state=0).fit(X, y)
    >>> X_cf = gen.transform(X[:20])
    >>> bool((X_cf[gen.found_, 2] == X[:20][gen.found_, 2]).all())  # group never changes
    True
    """

    _parameter_constraints = {
        **BaseRecourseGenerator._parameter_constraints,
        "sensitive_feature": [str, numbers.Integral, None],
        "fairness": [StrOptions({"individual", "group", "hybrid"})],
        "objective": [StrOptions({"EE", "ECR", "EE-ECR"})],
        "n_actions": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_clusters": [Interval(numbers.Integral, 1, None, closed="left")],
        "phi": [Interval(numbers.Real, 0, 1, closed="right")],
        "weights": [dict, None],
        "asr_target": [Interval(numbers.Real, 0, 1, closed="both")],
        "pd_target": [Interval(numbers.Real, 0, 1, closed="both")],
        "step_size": [Interval(numbers.Real, 0, 1, closed="right")],
        "total_timesteps": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_episode_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_successes_stop": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "max_rows_per_unit": [Interval(numbers.Integral, 1, None, closed="left")],
        "net_arch": [tuple, list],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "train_freq": [Interval(numbers.Integral, 1, None, closed="left")],
        "learning_starts": [Interval(numbers.Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        classifier=None,
        *,
        sensitive_feature=None,
        fairness="hybrid",
        objective="EE",
        n_actions=4,
        n_clusters=3,
        phi=0.5,
        weights=None,
        asr_target=0.95,
        pd_target=0.05,
        step_size=0.1,
        total_timesteps=3000,
        max_episode_steps=50,
        n_successes_stop=5,
        max_rows_per_unit=500,
        net_arch=(64, 64),
        learning_rate=3e-4,
        batch_size=64,
        train_freq=4,
        learning_starts=200,
        immutable_features=None,
        categorical_features="auto",
        increasing_features=None,
        decreasing_features=None,
        feature_bounds=None,
        desired_class=1,
        random_state=None,
        verbose=0,
    ):
        self.classifier = classifier
        self.sensitive_feature = sensitive_feature
        self.fairness = fairness
        self.objective = objective
        self.n_actions = n_actions
        self.n_clusters = n_clusters
        self.phi = phi
        self.weights = weights
        self.asr_target = asr_target
        self.pd_target = pd_target
        self.step_size = step_size
        self.total_timesteps = total_timesteps
        self.max_episode_steps = max_episode_steps
        self.n_successes_stop = n_successes_stop
        self.max_rows_per_unit = max_rows_per_unit
        self.net_arch = net_arch
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.train_freq = train_freq
        self.learning_starts = learning_starts
        self.immutable_features = immutable_features
        self.categorical_features = categorical_features
        self.increasing_features = increasing_features
        self.decreasing_features = decreasing_features
        self.feature_bounds = feature_bounds
        self.desired_class = desired_class
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def _immutable_features(self):
        if self.sensitive_feature is None:
            raise ValueError(
                "FairSACRecourse needs sensitive_feature: the column (name or position) "
                "of the protected attribute whose groups recourse must treat alike."
            )
        # checked here, so that a bad name is reported as sensitive_feature's,
        # not as one of the immutable features it joins
        _feature_indices(
            [self.sensitive_feature],
            self.n_features_in_,
            getattr(self, "feature_names_in_", None),
            "sensitive_feature",
        )
        return list(self.immutable_features or []) + [self.sensitive_feature]

    def _fit(self, X, Z, favourable, accepted, rng):
        fs = self.feature_space_
        names = getattr(self, "feature_names_in_", None)
        self._sensitive = int(
            np.flatnonzero(
                _feature_indices([self.sensitive_feature], fs.n_features_in_, names, "sensitive_feature")
            )[0]
        )
        weights = {**_DEFAULT_WEIGHTS, **(self.weights or {})}
        unknown = sorted(set(weights) - set(_DEFAULT_WEIGHTS))
        if unknown:
            raise ValueError(
                f"weights has unknown keys {unknown}; the reward weights are "
                f"{sorted(_DEFAULT_WEIGHTS)}."
            )
        for key, value in weights.items():
            number = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
            if not (number and math.isfinite(float(value)) and value >= 0):
                raise ValueError(
                    f"weights[{key!r}] must be a finite number >= 0 (each weight scales "
                    f"one term of the reward), got {value!r}."
                )
        if any(
            isinstance(w, (bool, np.bool_)) or not isinstance(w, numbers.Integral) or w < 1
            for w in self.net_arch
        ):
            raise ValueError(
                f"net_arch must list positive layer widths (or none), got {self.net_arch!r}."
            )
        self._weights = {key: float(value) for key, value in weights.items()}
        mutable = ~fs.immutable_
        if not mutable.any():
            raise ValueError("Every feature is immutable: there is no action to learn.")
        from ._fair_sac_env import ActionCodec

        self._codec = ActionCodec(fs, mutable, self.step_size)
        affected = np.flatnonzero(~accepted)
        if affected.size == 0:
            raise ValueError(
                "No affected rows: the classifier accepts every training row, so there "
                "is no recourse to learn."
            )
        Z_aff = Z[affected]
        codes = self._group_codes(X, affected)
        # codes of a categorical feature index its categories: count distinct ones
        if self.fairness != "individual" and np.unique(codes).size == 1:
            if np.unique(self._group_codes(X, np.arange(X.shape[0]))).size == 1:
                raise ValueError(
                    f"sensitive_feature {self.sensitive_feature!r} takes a single value in "
                    f"X: fairness={self.fairness!r} compares groups and needs at least two "
                    "(use fairness='individual' for recourse without groups)."
                )
            warnings.warn(
                f"Every one of the {affected.size} training rows the classifier rejects "
                f"has the same sensitive_feature value: with one affected group, "
                f"fairness={self.fairness!r} has no disparity to reduce (PD is 0 by "
                "definition) and only effectiveness and cost shape the actions.",
                UserWarning,
                stacklevel=3,
            )
        self.cluster_model_ = None
        if self.fairness == "group":
            labels = np.zeros(len(affected), dtype=int)
        else:
            from sklearn.cluster import KMeans

            k = min(self.n_clusters, len(affected))
            self.cluster_model_ = KMeans(n_clusters=k, n_init=10, random_state=random_seed(rng))
            labels = self.cluster_model_.fit_predict(self._cluster_features(Z_aff))
        accepts = encoded_predictor(self.classifier_, fs, self.desired_class)
        self.units_, self._action_states = [], []
        n_units = 1 if self.cluster_model_ is None else self.cluster_model_.n_clusters
        for unit in range(n_units):
            rows = np.flatnonzero(labels == unit)
            if rows.size == 0:  # K-means can leave a cluster empty on tiny data
                states = np.zeros((0, self._codec.n_features))
                self._action_states.append(states)
                self.units_.append({"n_rows": 0, "timesteps": 0, "seconds": 0.0,
                                    "n_successes": 0, "asr": float("nan"), "pd": float("nan"),
                                    "gower": float("nan"), "n_kept_actions": 0})
                continue
            rows = self._sample_rows(rows, codes, rng)
            states, info = self._train_unit(Z_aff[rows], codes[rows], accepts, rng)
            self._action_states.append(states)
            self.units_.append({"n_rows": int((labels == unit).sum()), **info})
        self.actions_ = [self._describe(states) for states in self._action_states]

    def _group_codes(self, X, rows):
        fs = self.feature_space_
        values, _ = fs._column(take_rows(X, rows), self._sensitive)
        if fs.categories_[self._sensitive] is None:
            _, codes = np.unique(np.asarray(values, dtype=float), return_inverse=True)
            return codes
        return fs._codes(values, self._sensitive)

    def _cluster_features(self, Z):
        cols = self.feature_space_.columns_[self._sensitive]
        return np.delete(Z, cols, axis=1)

    def _sample_rows(self, rows, codes, rng):
        if len(rows) <= self.max_rows_per_unit:
            return rows
        # stratified by group, so small groups keep their share
        picked = []
        for g in np.unique(codes[rows]):
            members = rows[codes[rows] == g]
            n = max(1, int(round(self.max_rows_per_unit * len(members) / len(rows))))
            picked.append(rng.choice(members, size=min(n, len(members)), replace=False))
        return np.sort(np.concatenate(picked))

    def _train_unit(self, Z, codes, accepts, rng):
        from gymnasium.wrappers import TimeLimit
        from stable_baselines3 import SAC
        from stable_baselines3.common.callbacks import BaseCallback
        from stable_baselines3.common.logger import Logger

        from ._fair_sac_env import FairRecourseEnv

        env = FairRecourseEnv(
            Z,
            codes,
            self._codec,
            accepts,
            n_actions=self.n_actions,
            objective=self.objective,
            use_groups=self.fairness != "individual",
            weights=self._weights,
            asr_target=self.asr_target,
            pd_target=self.pd_target,
            phi=self.phi,
        )
        stop_after = self.n_successes_stop
        bar = None

        class _StopOnSuccess(BaseCallback):
            def _on_step(self):
                if bar is not None:
                    bar.update(1)
                return stop_after is None or len(env.successes) < stop_after

        seed = random_seed(rng)
        start = time.perf_counter()
        with _isolated_global_rng():
            model = SAC(
                "MlpPolicy",
                TimeLimit(env, max_episode_steps=self.max_episode_steps),
                learning_rate=self.learning_rate,
                buffer_size=max(self.total_timesteps, 1000),
                learning_starts=self.learning_starts,
                batch_size=self.batch_size,
                train_freq=self.train_freq,
                gradient_steps=1,
                policy_kwargs={"net_arch": list(self.net_arch)},
                seed=seed,
                device="cpu",
                verbose=0,
            )
            # SB3's default logger makes an empty directory in the temp folder
            # on every learn(); one with no outputs writes nothing anywhere
            model.set_logger(Logger(folder=None, output_formats=[]))
            if self.verbose:  # tqdm: SB3's own progress bar needs rich, not a dependency
                from tqdm.auto import tqdm

                # SB3 runs whole rounds of train_freq steps
                rounds = math.ceil(self.total_timesteps / self.train_freq)
                bar = tqdm(total=rounds * self.train_freq, desc="SAC steps", leave=False)
            try:
                model.learn(total_timesteps=self.total_timesteps, callback=_StopOnSuccess())
            finally:
                if bar is not None:
                    bar.close()
        seconds = time.perf_counter() - start
        if env.successes:
            kept = env.successes
            best = max(env.successes, key=lambda item: env.value(item[1]))[1]
        else:
            if env.best is None:  # no step was taken
                env.reset()
                env.step(np.zeros(2))
            kept, best = [(env.best[1], env.best[2])], env.best[2]
        # the actions that change something, without repeats
        states = np.unique(np.concatenate([s[ev.active] for s, ev in kept]), axis=0)
        if states.size == 0:
            states = np.zeros((0, self._codec.n_features))
        info = {
            "timesteps": env.n_steps,
            "seconds": seconds,
            "n_successes": len(env.successes),
            "asr": best.asr,
            "pd": best.pd,
            "gower": best.gower,
            "n_kept_actions": int(len(states)),
        }
        return states, info

    def _describe(self, states):
        """Actions as raw-unit changes (continuous) or categories set (categorical)."""
        fs = self.feature_space_
        codec = self._codec
        names = getattr(self, "feature_names_in_", None)
        columns = [str(names[j]) if names is not None else f"x{j}" for j in codec.features]
        data = {}
        for i, j in enumerate(codec.features):
            values = states[:, i]
            if not codec.categorical[i]:
                data[columns[i]] = values * fs.data_range_[j]
            else:
                cats = fs.categories_[j]
                code = np.floor(values * (len(cats) + 1)).astype(int) - 1
                data[columns[i]] = [
                    cats[min(c, len(cats) - 1)] if c >= 0 else np.nan for c in code
                ]
        return pd.DataFrame(data, columns=columns)

    # ------------------------------------------------------------ generate
    def _units_of(self, Z):
        if self.cluster_model_ is None:
            return np.zeros(len(Z), dtype=int)
        return self.cluster_model_.predict(self._cluster_features(Z))

    def _candidates(self, Z):
        """Per row: every kept action, own unit first. Returns (cand, own) of shapes
        (n, A, e) and (n, A)."""
        states = np.concatenate(self._action_states) if self._action_states else np.zeros((0, 0))
        owner = np.concatenate([np.full(len(s), u) for u, s in enumerate(self._action_states)])
        if len(states) == 0:
            return np.zeros((len(Z), 0, Z.shape[1])), np.zeros((len(Z), 0), dtype=bool)
        cand = self._codec.apply(states, Z)  # (A, n, e)
        own = owner[None, :] == self._units_of(Z)[:, None]
        return np.transpose(cand, (1, 0, 2)), own

    def _ranked(self, Z):
        """Every kept action per row, best first: (cand, ok) of shapes (n, A, e), (n, A)."""
        cand, own = self._candidates(Z)
        n, A, e = cand.shape
        if A == 0:
            return cand, np.zeros((n, 0), dtype=bool)
        accepts = encoded_predictor(self.classifier_, self.feature_space_, self.desired_class)
        ok = accepts(cand.reshape(n * A, e)).reshape(n, A)
        gower = self._codec.gower(np.transpose(cand, (1, 0, 2)), Z).T  # (n, A)
        # valid candidates by Gower distance (SPEC §5); among equal distances
        # the row's own unit wins
        key = np.where(ok, gower, np.inf) + np.where(own, 0.0, 1e-9)
        order = np.argsort(key, axis=1, kind="stable")
        return (
            np.take_along_axis(cand, order[:, :, None], axis=1),
            np.take_along_axis(ok, order, axis=1),
        )

    def _generate(self, X, Z):
        cand, ok = self._ranked(Z)
        if cand.shape[1] == 0:
            return Z.copy(), np.zeros(len(Z), dtype=bool)
        return cand[:, 0], ok[:, 0]

    def _sample(self, X, Z, n_samples, rng):
        """The ``n_samples`` best kept actions per row; fewer kept actions leave
        the rest not found."""
        cand, ok = self._ranked(Z)
        k = min(n_samples, cand.shape[1])
        out = np.repeat(Z[:, None, :], n_samples, axis=1)
        found = np.zeros((len(Z), n_samples), dtype=bool)
        out[:, :k], found[:, :k] = cand[:, :k], ok[:, :k]
        return out, found

    # --------------------------------------------------------------- report
    def fairness_report(self, X):
        """Per-group effectiveness, ASR, PD, N_phi and mean Gower on rows X.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Rows in raw units (the affected ones, those the classifier
            rejects, are evaluated).

        Returns
        -------
        report : DataFrame
            One row per group of the sensitive feature among the affected
            rows, in sorted order as in the fairness metrics, indexed by the
            group values under the sensitive feature's name (its column name
            in ``transform``'s output: ``"x2"`` for the third column of an
            array), with
            ``n_affected``, ``effectiveness`` (share given valid recourse by
            ``transform``), ``n_phi`` (kept actions flipping at least a
            ``phi`` share of the group's rows in their unit, summed over
            units), ``mean_gower`` (of the recourse found), and the overall
            ``asr`` (mean effectiveness) and ``pd`` (max - min
            effectiveness) repeated on every row.
        """
        check_is_fitted(self)
        X = check_raw_X(self, X, reset=False)
        with feature_names_checked():
            return self._fairness_report(X)

    def _fairness_report(self, X):
        """``fairness_report`` of validated rows."""
        fs = self.feature_space_
        affected = np.flatnonzero(~self._accepts(X))
        if affected.size == 0:
            raise ValueError("The classifier accepts every row of X: no affected rows to report on.")
        from .metrics import gower_distance
        from .metrics._fairness import factorize_groups

        X_aff = take_rows(X, affected)
        Z = fs.transform(X_aff)
        values, _ = fs._column(X_aff, self._sensitive)
        X_cf, found = self._recourse(X_aff)
        gower = np.full(len(affected), np.nan)
        if found.any():
            gower[found] = gower_distance(
                take_rows(X_aff, found), take_rows(X_cf, found), feature_space=fs
            )
        # N_phi as trained: each unit's actions on that unit's rows of the group
        units = self._units_of(Z)
        accepts = encoded_predictor(self.classifier_, fs, self.desired_class)
        unit_flips = {}
        for u, states in enumerate(self._action_states):
            rows = np.flatnonzero(units == u)
            if len(states) and len(rows):
                cand = self._codec.apply(states, Z[rows])
                A, m, e = cand.shape
                unit_flips[u] = (rows, accepts(cand.reshape(A * m, e)).reshape(A, m))

        def n_phi(member):
            total = 0
            for rows, flips in unit_flips.values():
                inside = member[rows]
                if inside.any():
                    total += int((flips[:, inside].mean(axis=1) >= self.phi).sum())
            return total

        rows = []
        # groups in the order of equal_effectiveness and equal_choice_of_recourse
        codes, groups = factorize_groups(values)
        for i, g in enumerate(groups):
            member = codes == i
            rows.append(
                {
                    "group": g,
                    "n_affected": int(member.sum()),
                    "effectiveness": float(found[member].mean()),
                    "n_phi": n_phi(member),
                    "mean_gower": float(np.nanmean(gower[member]))
                    if (member & found).any()
                    else float("nan"),
                }
            )
        # the index is named after the sensitive feature, as transform's columns name it
        report = pd.DataFrame(rows).set_index("group")
        report.index.name = self.get_feature_names_out()[self._sensitive]
        report["asr"] = report["effectiveness"].mean()
        report["pd"] = report["effectiveness"].max() - report["effectiveness"].min()
        return report
