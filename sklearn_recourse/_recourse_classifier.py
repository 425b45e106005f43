"""RecourseClassifier: a classifier trained so that recourse exists (Ross et al. 2021)."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted

from ._base import random_seed
from ._feature_space import FeatureSpace, _feature_indices, bound_pair
from ._pac import min_calibration_size, pac_threshold
from ._validation import (
    blank_rows,
    check_positive_integer,
    check_raw_X,
    check_y_shape,
    feature_names_checked,
    fit_or_reset,
    is_dataframe,
    take_rows,
)

_METHODS = ("adversarial", "gradient", "linear")


def _f1_curve(scores, y):
    """Candidate thresholds (descending unique scores) and the F1 of ``scores >= t``."""
    order = np.argsort(-scores, kind="stable")
    s, positive = scores[order], y[order].astype(float)
    tp = np.cumsum(positive)
    predicted = np.arange(1, len(s) + 1)
    # the last row of each run of equal scores: thresholds between distinct values
    last = np.r_[s[1:] != s[:-1], True]
    n_positive = positive.sum()
    f1 = 2 * tp[last] / (n_positive + predicted[last])
    return s[last], f1


def best_f1_threshold(scores, y, upper=None):
    """Threshold maximising F1 of ``scores >= t`` on (scores, y), below ``upper``.

    The threshold is placed halfway between the score it keeps and the next
    lower one, so no seen score sits exactly on it. Among equal F1 the highest
    threshold wins. Without positive rows in ``y`` F1 is undefined: 0.5 (or
    just below ``upper``) is returned.
    """
    scores = np.asarray(scores, dtype=float)
    y = np.asarray(y).astype(bool)
    # strictly below the bound, so a score equal to it is still accepted
    ceiling = np.inf if upper is None else np.nextafter(float(upper), -np.inf)
    if not y.any():
        return float(min(0.5, ceiling))
    thresholds, f1 = _f1_curve(scores, y)
    lower = np.r_[thresholds[1:], 0.0]
    midpoints = (thresholds + lower) / 2
    # cut k keeps the scores >= thresholds[k]: any threshold in (lower[k],
    # thresholds[k]] makes it, so the bound allows it when lower[k] < ceiling
    # (at the ceiling itself when the midpoint lies above it)
    keep = lower < ceiling
    if not keep.any():
        return float(ceiling)
    best = np.flatnonzero(keep)[np.argmax(f1[keep])]
    if best == len(thresholds) - 1 and ceiling < thresholds[best]:
        # the cut keeping every row has no lower score to sit halfway to (0 is
        # only a stand-in), so under a bound below every score the bound itself,
        # the highest threshold allowed, makes it
        return float(ceiling)
    return float(min(midpoints[best], ceiling))


def _f1_at_best(scores, y):
    if not np.asarray(y).astype(bool).any():
        return 0.0
    return float(_f1_curve(np.asarray(scores, float), np.asarray(y).astype(bool))[1].max())


class RecourseClassifier(ClassifierMixin, BaseEstimator):
    """Binary classifier trained so that rejected people have recourse.

    Implements "Learning Models for Actionable Recourse" (Ross, Lakkaraju and
    Bastani, NeurIPS 2021). A scorer g (an MLP, torch) is trained with the
    adversarial recourse loss

        ℓ(g(x), y) + lam · ℓ(g(x + δ*), 1),   δ* = argmin_{δ∈Δ} ∇ₓ ℓ(g(x), 1)·δ,

    which rewards g for accepting x after the change δ* a first-order step
    recommends within the allowed actions Δ. Δ is a polytope in standardized
    units: ``|δ_i| <= delta_max`` on the actionable features, 0 on the others,
    the sign of increasing- and decreasing-only features, optional feature
    bounds and optional extra rows ``A δ + b >= 0``. Without extra rows the
    step has a closed form; with them it is a linear program solved with cvxpy
    (a parametrised problem compiled once and solved for a whole batch).

    The decision threshold is then chosen on held-out data: ``"pac"`` takes the
    threshold with the best validation F1 among those no higher than the PAC
    bound τ̂ of :func:`pac_threshold` on the calibration scores max(g(x), g(x + δ*(x))),
    so that with probability at least 1 - ``alpha`` (over the calibration
    set) at least a 1 - ``epsilon`` share of people are accepted, directly or
    after the adversarial recourse ("recourse all").

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100, 100, 100)
        Widths of the hidden layers (the paper's 3 x 100).
    activation : {"tanh", "relu", "logistic"}, default="tanh"
        Hidden activation (the paper's tanh).
    dropout : float in [0, 1), default=0.3
        Dropout after every hidden layer.
    lam : float >= 0, default=0.8
        Weight of the recourse term; 0 trains a plain classifier.
    delta_max : float > 0 or None, default=0.75
        Largest change of one actionable feature, in standard deviations of
        that feature (training data). ``None`` removes the box; ``constraints``
        must then bound Δ.
    actionable_features : list of str or int, default=None
        Features recourse may change; they must be continuous. ``None``: every
        continuous feature.
    increasing_features, decreasing_features : list of str or int, default=None
        Actionable features that may only grow or only shrink.
    feature_bounds : None, "training" or dict, default=None
        Limits of the changed values in raw units. ``None``: no limit (the
        paper). ``"training"``: the training range of each actionable feature.
        A dict ``{feature: (low, high)}`` limits the listed features (``None``
        for an end means the training minimum or maximum). A row's own value
        is always allowed: a row outside the bounds may stay or move towards
        them, never further out.
    constraints : tuple (A, b) or None, default=None
        Extra rows of Δ: ``A @ change + b >= 0``, where ``change`` is the
        vector of raw-unit changes of the actionable features, in the order of
        ``actionable_features_`` (A of shape (r, m), b of shape (r,)).
    categorical_features : "auto" or list, default="auto"
        Categorical features (one-hot encoded, never actionable). ``"auto"``:
        non-numeric columns.
    threshold : "pac", "f1" or float, default="pac"
        Decision threshold on g: ``"pac"`` guarantees recourse as above,
        ``"f1"`` maximises validation F1, a float is used as given.
    epsilon, alpha : float in (0, 1), default=0.05
        PAC guarantee: at least a 1 - epsilon share with recourse, with
        confidence 1 - alpha.
    calibration_size : float in (0, 1) or int, default=0.2
        Rows held out of ``fit`` for the PAC bound (share or count); used only
        with ``threshold="pac"``. At least ``min_calibration_size(epsilon,
        alpha)`` rows are needed (59 for 0.05, 0.05).
    validation_fraction : float in (0, 1) or None, default=0.1
        Rows held out of training to choose the epoch (highest validation F1,
        as in the paper) and the F1 threshold. ``None`` uses the training rows.
    max_epochs : int, default=15
        Training epochs (the paper's 15).
    batch_size : int, default=32
        Rows per gradient step.
    learning_rate : float, default=0.002
        Adam learning rate (the paper's 0.002).
    n_iter_no_change : int or None, default=None
        Stop when validation F1 has not improved for this many epochs.
    desired_class : label or None, default=None
        The favourable class; ``None``: the larger of the two labels.
    random_state : int, RandomState or None, default=None
        Seeds the splits, the weights, dropout and the batch order.
    verbose : int, default=0
        Show a progress bar over epochs.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        Class labels.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X is a DataFrame with string column names.
    feature_space_ : FeatureSpace
        Encoding of raw rows (continuous scaled, categorical one-hot).
    actionable_features_ : list
        Names (or positions) of the actionable features, in column order.
    module_ : torch.nn.Module
        The trained scorer (outputs the logit of g).
    threshold_ : float
        Decision threshold on g: ``predict`` is favourable when ``g(x) >= threshold_``.
    f1_threshold_ : float
        The threshold of best validation F1 (the "F1 max" of the paper).
    pac_bound_ : float or None
        The PAC bound τ̂ (``threshold="pac"`` only); ``threshold_ <= pac_bound_``.
    calibration_scores_ : ndarray or None
        max(g(x), g(x + δ*(x))) on the calibration rows (``threshold="pac"``
        only): the score after the adversarial recourse, taken only when it
        raises the score, as :meth:`recourse` does for accepted rows.
    best_epoch_ : int
        Epoch whose weights were kept.
    n_iter_ : int
        Epochs run.
    history_ : list of dict
        Per epoch: train_loss, recourse_loss, valid_score (F1) and seconds.

    See Also
    --------
    pac_threshold : The PAC bound on its own, for any scorer.

    References
    ----------
    A. Ross, H. Lakkaraju, O. Bastani. "Learning Models for Actionable
    Recourse", NeurIPS 2021.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn_recourse import RecourseClassifier
    >>> X, y = make_classification(n_samples=600, n_features=4, n_informative=3,
    ...                            n_redundant=0, random_state=0)
    >>> clf = RecourseClassifier(hidden_layer_sizes=(16,), actionable_features=[0, 1],
    ...                          max_epochs=5, random_state=0).fit(X, y)
    >>> bool(clf.threshold_ <= clf.pac_bound_)
    True
    >>> X_cf, found = clf.recourse(X[:5])
    >>> X_cf.shape, found.dtype
    ((5, 4), dtype('bool'))
    >>> rate = clf.recourse_rate(X)
    >>> sorted(rate)
    ['all', 'negative']
    """

    _parameter_constraints = {
        "hidden_layer_sizes": [tuple, list],
        "activation": [StrOptions({"tanh", "relu", "logistic"})],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "lam": [Interval(numbers.Real, 0, None, closed="left")],
        "delta_max": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "actionable_features": [list, tuple, None],
        "increasing_features": [list, tuple, None],
        "decreasing_features": [list, tuple, None],
        "feature_bounds": [StrOptions({"training"}), dict, None],
        "constraints": [tuple, list, None],
        "categorical_features": [StrOptions({"auto"}), list, tuple, None],
        "threshold": [StrOptions({"pac", "f1"}), Interval(numbers.Real, 0, 1, closed="both")],
        "epsilon": [Interval(numbers.Real, 0, 1, closed="neither")],
        "alpha": [Interval(numbers.Real, 0, 1, closed="neither")],
        "calibration_size": [
            Interval(numbers.Real, 0, 1, closed="neither"),
            Interval(numbers.Integral, 1, None, closed="left"),
        ],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither"), None],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "desired_class": [numbers.Integral, str, bool, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100, 100, 100),
        *,
        activation="tanh",
        dropout=0.3,
        lam=0.8,
        delta_max=0.75,
        actionable_features=None,
        increasing_features=None,
        decreasing_features=None,
        feature_bounds=None,
        constraints=None,
        categorical_features="auto",
        threshold="pac",
        epsilon=0.05,
        alpha=0.05,
        calibration_size=0.2,
        validation_fraction=0.1,
        max_epochs=15,
        batch_size=32,
        learning_rate=0.002,
        n_iter_no_change=None,
        desired_class=None,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.lam = lam
        self.delta_max = delta_max
        self.actionable_features = actionable_features
        self.increasing_features = increasing_features
        self.decreasing_features = decreasing_features
        self.feature_bounds = feature_bounds
        self.constraints = constraints
        self.categorical_features = categorical_features
        self.threshold = threshold
        self.epsilon = epsilon
        self.alpha = alpha
        self.calibration_size = calibration_size
        self.validation_fraction = validation_fraction
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.n_iter_no_change = n_iter_no_change
        self.desired_class = desired_class
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @fit_or_reset
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the scorer with the recourse loss and choose the threshold.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Training rows in raw units (string categories allowed).
        y : array-like of shape (n_samples,)
            Binary labels.

        Returns
        -------
        self : RecourseClassifier
        """
        import torch

        from . import _recourse_training as training

        sizes = tuple(self.hidden_layer_sizes)
        if not all(isinstance(s, numbers.Integral) and s > 0 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must hold positive integers, got {self.hidden_layer_sizes!r}."
            )
        if isinstance(self.threshold, bool):
            # a bool passes the Real interval, and True would mean threshold 1.0
            raise ValueError(
                f"threshold must be 'pac', 'f1' or a number in [0, 1], got {self.threshold!r}."
            )
        X = check_raw_X(self, X, reset=True)
        favourable = self._check_target(y, X.shape[0])
        rng = check_random_state(self.random_state)

        self.feature_space_ = FeatureSpace(
            categorical_features=self.categorical_features,
            categorical_encoding="onehot",
        ).fit(X)
        Z = self.feature_space_.transform(X)
        self._fit_standardizer(Z)
        self._step = self._build_step()
        inputs = self._standardize(Z)

        # hold out calibration rows (PAC) and validation rows (epoch, F1 threshold)
        n = X.shape[0]
        rows = np.arange(n)
        cal_rows = np.zeros(0, dtype=int)
        if self.threshold == "pac":
            n_cal = self._n_calibration(n)
            rows, cal_rows = _split(rows, n_cal, favourable, rng)
        if self.validation_fraction is not None:
            n_val = max(1, int(np.ceil(self.validation_fraction * len(rows))))
            if len(rows) - n_val < 1:
                raise ValueError(
                    f"Too few rows to train: {n} rows leave none for training after "
                    "the calibration and validation hold-outs."
                )
            train_rows, val_rows = _split(rows, n_val, favourable, rng)
        else:
            train_rows = val_rows = rows

        seed = random_seed(rng)
        self.module_ = None
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            module = training.build_mlp(inputs.shape[1], sizes, self.activation, self.dropout)
            generator = torch.Generator().manual_seed(seed)
            self.best_epoch_, self.n_iter_, self.history_ = training.train(
                module,
                inputs[train_rows],
                favourable[train_rows].astype(float),
                step=self._step,
                lam=float(self.lam),
                X_val=inputs[val_rows],
                y_val=favourable[val_rows],
                validation_score=_f1_at_best,
                max_epochs=self.max_epochs,
                batch_size=self.batch_size,
                learning_rate=self.learning_rate,
                n_iter_no_change=self.n_iter_no_change,
                generator=generator,
                verbose=self.verbose,
            )
        self.module_ = module

        val_scores = training.scores(module, inputs[val_rows])
        self.f1_threshold_ = best_f1_threshold(val_scores, favourable[val_rows])
        self.pac_bound_ = None
        self.calibration_scores_ = None
        if self.threshold == "pac":
            cal = inputs[cal_rows]
            # A row counts in "recourse all" when accepted as it is or after the
            # step: the score of that event is max(g(x), g(x + δ*)), i.e.
            # g(x + A(x)) for the recourse A that takes δ* only when it helps
            # (threshold-free, so the PAC argument applies unchanged).
            self.calibration_scores_ = np.maximum(
                training.scores(module, cal), training.scores(module, cal + self._step(module, cal))
            )
            self.pac_bound_ = pac_threshold(
                self.calibration_scores_, epsilon=self.epsilon, alpha=self.alpha
            )
            self.threshold_ = best_f1_threshold(
                val_scores, favourable[val_rows], upper=self.pac_bound_
            )
        elif self.threshold == "f1":
            self.threshold_ = self.f1_threshold_
        else:
            self.threshold_ = float(self.threshold)
        return self

    def _check_target(self, y, n_samples):
        y = check_y_shape(self, y, n_samples, warn=True)
        check_classification_targets(y)
        if np.unique(y).shape[0] < 2:
            raise ValueError(
                f"y has only one class ({np.unique(y).tolist()[0]!r}); RecourseClassifier needs "
                "both classes to train."
            )
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        if kind != "binary":
            raise ValueError(
                "Only binary classification is supported. The type of the target "
                f"is {kind} (classes: {np.unique(y).tolist()[:10]})."
            )
        classes = np.unique(y)
        self.classes_ = classes
        if self.desired_class is None:
            self._favourable_index = 1
        else:
            hits = np.flatnonzero(classes == self.desired_class)
            if hits.size == 0:
                raise ValueError(
                    f"No favourable rows: desired_class={self.desired_class!r} does not "
                    f"occur in y (classes found: {classes.tolist()})."
                )
            self._favourable_index = int(hits[0])
        return y == classes[self._favourable_index]

    def _n_calibration(self, n):
        size = self.calibration_size
        if isinstance(size, numbers.Real) and size < 1:
            # the tolerance keeps float products such as 0.35 * 180 = 62.99... at 63
            n_cal = int(np.floor(size * n + 1e-9))
        else:
            n_cal = int(size)
        need = min_calibration_size(self.epsilon, self.alpha)
        if n_cal < need:
            raise ValueError(
                f"The calibration set is too small for the PAC threshold: calibration_size="
                f"{size!r} gives {n_cal} of {n} rows, but epsilon={self.epsilon} and "
                f"alpha={self.alpha} need at least {need}. Use more data, a larger "
                "calibration_size, larger epsilon/alpha, or threshold='f1'."
            )
        if n_cal >= n - 1:
            raise ValueError(
                f"calibration_size={size!r} leaves {n - n_cal} of {n} rows for training."
            )
        return n_cal

    def _fit_standardizer(self, Z):
        fs = self.feature_space_
        continuous = ~fs.categorical_[fs.encoded_feature_]
        mean = np.where(continuous, Z.mean(axis=0), 0.0)
        std = np.where(continuous, Z.std(axis=0), 1.0)
        self._mean = mean
        self._scale = np.where(std > 0, std, 1.0)

    def _standardize(self, Z):
        return (Z - self._mean) / self._scale

    def _build_step(self):
        """The actionable columns, Δ and the feature bounds in standardized units."""
        from ._action_set import ActionSet
        from ._recourse_training import ActionStep

        fs = self.feature_space_
        n = fs.n_features_in_
        names = getattr(self, "feature_names_in_", None)
        if self.actionable_features is None:
            actionable = ~fs.categorical_
        else:
            actionable = _feature_indices(self.actionable_features, n, names, "actionable_features")
        categorical = actionable & fs.categorical_
        if categorical.any():
            raise ValueError(
                f"Actionable features must be continuous; {fs._names(categorical)} are "
                "categorical (a change of category is not a step of a linear program)."
            )
        if not actionable.any():
            raise ValueError(
                "No actionable feature: recourse needs at least one continuous feature "
                "in actionable_features."
            )
        increasing = _feature_indices(self.increasing_features, n, names, "increasing_features")
        decreasing = _feature_indices(self.decreasing_features, n, names, "decreasing_features")
        if (increasing & decreasing).any():
            raise ValueError(
                f"Features {fs._names(increasing & decreasing)} are both increasing and "
                "decreasing; leave them out of actionable_features instead."
            )
        features = np.flatnonzero(actionable)
        self._actionable = features
        self.actionable_features_ = fs._names(actionable)
        columns = np.array([fs.columns_[j][0] for j in features])
        # one raw unit of feature j is this many standardized units
        per_raw = 1.0 / (fs.data_range_[features] * self._scale[columns])
        self._per_raw = per_raw

        box = np.inf if self.delta_max is None else float(self.delta_max)
        lower = np.where(increasing[features], 0.0, -box)
        upper = np.where(decreasing[features], 0.0, box)
        A = b = None
        if self.constraints is not None:
            A, b = self._check_constraints(len(features))
            if self.feature_bounds is not None and (b < 0).any():
                raise ValueError(
                    "constraints exclude 'no change' (A @ 0 + b < 0), so a row at a "
                    "feature bound could have no allowed change; use feature_bounds=None "
                    "with such constraints."
                )
            A = A / per_raw[None, :]  # A·Δraw = A·(Δstd / per_raw)
        action_set = ActionSet(lower, upper, A, b, names=self.actionable_features_).check()

        low_raw, high_raw = self._raw_bounds(features, names)
        self._raw_low, self._raw_high = low_raw, high_raw
        mean, scale = self._mean[columns], self._scale[columns]
        to_input = lambda raw: (  # noqa: E731
            (raw - fs.data_min_[features]) / fs.data_range_[features] - mean
        ) / scale
        return ActionStep(action_set, columns, to_input(low_raw), to_input(high_raw))

    def _check_constraints(self, m):
        try:
            A, b = self.constraints
            A = np.asarray(A, dtype=float)
            b = np.asarray(b, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(
                "constraints must be a pair (A, b) of numeric arrays meaning "
                f"A @ change + b >= 0, got {self.constraints!r}."
            ) from None
        if A.ndim == 1:
            A = A[None, :]
        if A.ndim != 2 or A.shape[1] != m or b.reshape(-1).shape[0] != A.shape[0]:
            raise ValueError(
                f"constraints: A must have shape (r, {m}) (one column per actionable "
                f"feature {self.actionable_features_}) and b shape (r,); got A "
                f"{A.shape} and b {b.shape}."
            )
        if not (np.isfinite(A).all() and np.isfinite(b).all()):
            raise ValueError("constraints: A and b must be finite.")
        return A, b.reshape(-1)

    def _raw_bounds(self, features, names):
        fs = self.feature_space_
        low = np.full(len(features), -np.inf)
        high = np.full(len(features), np.inf)
        if self.feature_bounds is None:
            return low, high
        if self.feature_bounds == "training":
            items = {j: (None, None) for j in features}
        else:
            items = {}
            for key, bound in self.feature_bounds.items():
                j = np.flatnonzero(
                    _feature_indices([key], fs.n_features_in_, names, "feature_bounds")
                )[0]
                if j not in features:
                    raise ValueError(
                        f"feature_bounds: {key!r} is not an actionable feature "
                        f"({self.actionable_features_})."
                    )
                items[j] = bound_pair(key, bound)
        column = {j: k for k, j in enumerate(features)}
        for j, (lo, hi) in items.items():
            k = column[j]
            low[k] = fs.data_min_[j] if lo is None else lo
            high[k] = fs._data_max[j] if hi is None else hi
            if low[k] > high[k]:
                raise ValueError(f"feature_bounds give an empty range for feature {j}: low > high.")
        return low, high

    # ------------------------------------------------------------- predict
    def _inputs(self, X):
        check_is_fitted(self)
        X = check_raw_X(self, X, reset=False)
        return X, self._encoded_inputs(X)

    def _encoded_inputs(self, X):
        """Standardized encoding of rows ``check_raw_X`` has validated."""
        with feature_names_checked():
            Z = self.feature_space_.transform(X)
        return self._standardize(Z)

    def _scores(self, inputs):
        from ._recourse_training import scores

        return scores(self.module_, inputs)

    def _g(self, X):
        """g(x) of raw rows."""
        return self._scores(self._inputs(X)[1])

    def predict_proba(self, X):
        """Scores [1 - g(x), g(x)] (in the order of ``classes_``).

        ``predict`` compares g(x) with ``threshold_``, not with 0.5.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
        """
        g = self._g(X)
        fav = np.c_[1.0 - g, g]
        return fav if self._favourable_index == 1 else fav[:, ::-1]

    def decision_function(self, X):
        """``g(x) - threshold_``: positive means the favourable class.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            For ``classes_[1]`` (the sign is flipped when ``classes_[0]`` is
            the favourable class).
        """
        d = self._g(X) - self.threshold_
        return d if self._favourable_index == 1 else -d

    def predict(self, X):
        """Favourable class when ``g(x) >= threshold_``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        return self._labels(self._g(X))

    def _labels(self, g):
        fav = self._favourable_index
        return self.classes_[np.where(g >= self.threshold_, fav, 1 - fav)]

    # ------------------------------------------------------------ recourse
    def recourse(self, X, method="adversarial", *, max_iter=100, step_size=0.1):
        """Recourse for rows the classifier rejects, within the allowed actions Δ.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Raw rows.
        method : {"adversarial", "gradient", "linear"}, default="adversarial"
            ``"adversarial"``: the training step δ* (one linear program, the
            step the PAC guarantee is about). ``"gradient"``: projected
            gradient descent on ℓ(g(x + δ), 1) over Δ, each row stopping once
            accepted. ``"linear"``: the cheapest (L1) change that the
            first-order expansion of g says reaches the threshold (Ustun et
            al.'s linear recourse applied to the local linearisation).
        max_iter, step_size : int, float, default=100, 0.1
            Iterations and step (standardized units) of ``"gradient"``.

        Returns
        -------
        X_cf : DataFrame or ndarray of shape (n_samples, n_features)
            Same container, index and columns as X, actionable features as
            floats. Rows already accepted are returned unchanged; rows without
            recourse are all-NaN.
        found : ndarray of bool of shape (n_samples,)
            True where the returned row is accepted by ``predict``.
        """
        X_cf, found, _ = self._recourse(X, method, max_iter, step_size)
        return X_cf, found

    def _recourse(self, X, method, max_iter=100, step_size=0.1):
        """``recourse`` plus the mask of rows accepted as they are."""
        if method not in _METHODS:
            raise ValueError(f"method must be one of {list(_METHODS)}, got {method!r}.")
        check_positive_integer(max_iter, "max_iter")
        if (
            isinstance(step_size, bool)
            or not isinstance(step_size, numbers.Real)
            or not np.isfinite(step_size)
            or step_size <= 0
        ):
            raise ValueError(f"step_size must be a positive finite number, got {step_size!r}.")
        X, inputs = self._inputs(X)
        accepted = self._scores(inputs) >= self.threshold_
        delta = np.zeros_like(inputs)
        todo = np.flatnonzero(~accepted)
        if todo.size:
            delta[todo] = self._changes(inputs[todo], method, max_iter, step_size)
        X_cf = self._apply(X, delta)
        found = accepted.copy()
        if todo.size:
            moved = self._scores(self._encoded_inputs(take_rows(X_cf, todo)))
            found[todo] = moved >= self.threshold_
        return blank_rows(X_cf, ~found), found, accepted

    def _changes(self, inputs, method, max_iter, step_size):
        from . import _recourse_training as training

        step = self._step
        if method == "adversarial":
            return step(self.module_, inputs)
        if method == "gradient":
            return training.gradient_search(
                self.module_,
                inputs,
                self.threshold_,
                step=step,
                max_iter=max_iter,
                step_size=step_size,
            )
        g, grad = training.score_gradients(self.module_, inputs)
        low, high = step.box(inputs)
        D, _ = step.action_set.cheapest_reaching(
            grad[:, step.columns], self.threshold_ - g, low, high
        )
        full = np.zeros_like(inputs)
        full[:, step.columns] = D
        return full

    def _apply(self, X, delta):
        """Raw rows X changed by ``delta`` (standardized units) on the actionable features."""
        changes = delta[:, self._step.columns] / self._per_raw
        frame = is_dataframe(X)
        out = X.copy() if frame or X.dtype.kind not in "fiub" else X.astype(float)
        for k, j in enumerate(self._actionable):
            before = np.asarray(X.iloc[:, j] if frame else X[:, j], dtype=float)
            after = before + changes[:, k]
            # the step lands on a bound up to rounding of the unit conversion;
            # clip so the returned row meets the bound exactly (a row already
            # outside its bounds keeps its own value as the limit)
            low = np.minimum(self._raw_low[k], before)
            high = np.maximum(self._raw_high[k], before)
            after = np.clip(after, low, high)
            if frame:
                out[X.columns[j]] = after
            else:
                out[:, j] = after
        return out

    def recourse_scores(self, X):
        """Score each row reaches with the adversarial recourse: max(g(x), g(x + δ*(x))).

        δ* does not depend on the threshold, so one call gives recourse at
        every threshold θ: a row is accepted directly or after its recourse
        exactly when its recourse score is >= θ. These are the scores the PAC
        bound is computed from (on the calibration rows).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Compare with ``predict_proba(X)[:, favourable]``, the score before
            recourse.
        """
        _, inputs = self._inputs(X)
        return np.maximum(
            self._scores(inputs), self._scores(inputs + self._step(self.module_, inputs))
        )

    def recourse_rate(self, X, method="adversarial", **kwargs):
        """"Recourse neg" and "recourse all" of Ross et al. (2021) on rows X.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
        method : {"adversarial", "gradient", "linear"}, default="adversarial"
        **kwargs
            Passed to :meth:`recourse`.

        Returns
        -------
        rate : Bunch
            ``negative``: rejected rows whose recourse is accepted / rejected
            rows (NaN if none is rejected); ``all``: (accepted rows + those
            flipped) / all rows.
        """
        _, found, accepted = self._recourse(X, method, **kwargs)
        rejected = ~accepted
        n_rejected = int(rejected.sum())
        negative = float(found[rejected].mean()) if n_rejected else float("nan")
        return Bunch(negative=negative, all=float(found.mean()))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.non_deterministic = False
        return tags


def _split(rows, n_out, favourable, rng):
    """Split ``rows`` into (kept, held out of size n_out), stratified when possible."""
    labels = favourable[rows]
    stratify = labels if min(labels.sum(), (~labels).sum()) >= 2 else None
    try:
        kept, held = train_test_split(
            rows, test_size=n_out, stratify=stratify, random_state=random_seed(rng)
        )
    except ValueError:  # too few rows of a class for the requested sizes
        kept, held = train_test_split(rows, test_size=n_out, random_state=random_seed(rng))
    return np.sort(kept), np.sort(held)
