"""Wachter et al. (2017) counterfactuals: gradient search on probability plus L1 cost."""

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import BaseRecourseGenerator
from ._differentiable import differentiable_probability
from ._nearest_neighbor import favourable_probability
from ._validation import take_rows


# largest weight of the prediction term: far above any cost (at most a few
# units per feature), and far below where Adam's squared gradients overflow
_LAM_MAX = 1e12


class WachterRecourse(BaseRecourseGenerator):
    """Counterfactuals by projected gradient search (Wachter et al., 2017).

    Every rejected row ``z`` (encoded) is moved by Adam on

        ``lam * (1 - P(favourable | z'))**2 + cost(z, z')``

    where cost is the L1 recourse cost (a changed category costs 1). After
    each step ``z'`` is clipped to the feasible box (immutables fixed,
    direction and bounds kept; categorical columns relaxed to [0, 1]). A row
    stops as soon as its projected, decoded candidate is accepted by the
    classifier, which keeps the cost low and puts the recourse near the
    decision boundary. Every ``lam_steps`` iterations ``lam`` of the rows
    still searching is multiplied by ``lam_growth``, as Wachter et al.
    increase the weight of the prediction term until the search succeeds.

    Gradients are exact for linear models, MLPClassifier and torch modules
    (skorch), alone or after FeatureSpace/StandardScaler/MinMaxScaler/
    MaxAbsScaler steps of a Pipeline (with raw numeric features, or a
    leading FeatureSpace for string categories). For any other classifier
    (and whenever the torch copy does not reproduce ``predict_proba`` on
    training rows, checked in ``fit``), the fallback is central finite
    differences of ``predict_proba`` with step ``fd_step`` (in range units) on decoded rows: it costs
    ``2 * n_mutable_columns`` probability evaluations per row and step, and
    a categorical change is only found when a step of ``fd_step`` changes
    the decoded category, so piecewise-constant models such as trees often
    give no direction and the rows end not found.

    Parameters
    ----------
    classifier : estimator or None, default=None
        Classifier on raw rows; needs ``predict_proba`` for the fallback.
        Unfitted: cloned and fitted in ``fit``; fitted: used as is; None:
        :func:`~sklearn_recourse.default_classifier`.
        ``clone`` (and so GridSearchCV) unfits a fitted classifier; wrap it
        in ``sklearn.frozen.FrozenEstimator`` to keep the model you explain.
    lam : float > 0, default=1.0
        Initial weight of the prediction term (at most 1e12 is used).
    lam_growth : float >= 1, default=2.0
        Factor applied to ``lam`` of rows not yet accepted every ``lam_steps``,
        up to 1e12: past that the cost term no longer counts, and a larger
        weight only overflows the gradients.
    lam_steps : int, default=20
        Iterations between increases of ``lam``.
    learning_rate : float, default=0.02
        Adam step size in range units.
    max_iter : int, default=300
        Iterations per batch of rows.
    fd_step : float, default=0.05
        Finite-difference step of the fallback, in range units.
    immutable_features, categorical_features, increasing_features, decreasing_features, feature_bounds
        Constraints, see :class:`~sklearn_recourse.FeatureSpace`.
    desired_class : int or str, default=1
        The favourable label.
    random_state : int, RandomState or None, default=None
        Seeds the default classifier and the restarts of ``sample``; the
        search of ``transform`` itself is deterministic.
    verbose : int, default=0
        Show a progress bar over iterations when > 0.

    Attributes
    ----------
    classifier_ : estimator
    feature_space_ : FeatureSpace
    gradient_ : {"analytic", "finite_differences"}
        How gradients are computed for ``classifier_``.
    found_ : ndarray of bool
        Set by the last ``transform``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_recourse import WachterRecourse
    >>> X, y = make_classification(n_samples=200, n_features=4, random_state=0)
    >>> gen = WachterRecourse(LogisticRegression(), immutable_features=[0]).fit(X, y)
    >>> X_cf = gen.transform(X[:20])
    >>> gen.gradient_, bool(gen.found_.all())
    ('analytic', True)
    >>> bool((gen.classifier_.predict(X_cf) == 1).all())
    True
    """

    _parameter_constraints = {
        **BaseRecourseGenerator._parameter_constraints,
        "lam": [Interval(numbers.Real, 0, None, closed="neither")],
        "lam_growth": [Interval(numbers.Real, 1, None, closed="left")],
        "lam_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "fd_step": [Interval(numbers.Real, 0, 1, closed="right")],
    }

    def __init__(
        self,
        classifier=None,
        *,
        lam=1.0,
        lam_growth=2.0,
        lam_steps=20,
        learning_rate=0.02,
        max_iter=300,
        fd_step=0.05,
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
        self.lam = lam
        self.lam_growth = lam_growth
        self.lam_steps = lam_steps
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.fd_step = fd_step
        self.immutable_features = immutable_features
        self.categorical_features = categorical_features
        self.increasing_features = increasing_features
        self.decreasing_features = decreasing_features
        self.feature_bounds = feature_bounds
        self.desired_class = desired_class
        self.random_state = random_state
        self.verbose = verbose

    def _fit(self, X, Z, favourable, accepted, rng):
        analytic = self._analytic_probability(X, Z)
        if analytic is None and not hasattr(self.classifier_, "predict_proba"):
            raise ValueError(
                f"{type(self.classifier_).__name__} has neither a differentiable form "
                "known to WachterRecourse nor predict_proba for finite differences."
            )
        self.gradient_ = "analytic" if analytic is not None else "finite_differences"

    def _analytic_probability(self, X, Z):
        """The torch copy of the classifier, if it reproduces ``predict_proba``."""
        import torch

        probability = differentiable_probability(
            self.classifier_, self.feature_space_, self.desired_class
        )
        if probability is None or not hasattr(self.classifier_, "predict_proba"):
            return probability
        # a self-check on training rows guards against a step we model wrongly
        rows = np.arange(min(len(Z), 64))
        expected = favourable_probability(
            self.classifier_, take_rows(X, rows), self.desired_class
        )
        with torch.no_grad():
            got = probability(torch.as_tensor(Z[rows], dtype=torch.float64)).numpy()
        return probability if np.allclose(got, expected, atol=1e-4) else None

    # -------------------------------------------------------------- search
    def _generate(self, X, Z):
        return self._search(X, Z, Z)

    def _sample(self, X, Z, n_samples, rng):
        """Searches restarted from random feasible points around each row.

        The first sample starts at the row itself (the ``transform`` result);
        the others start from a Gaussian perturbation (0.1 of the range) of
        its mutable features, so they end at different places on the boundary.
        """
        rows = np.repeat(np.arange(len(Z)), n_samples)
        Z_rep = Z[rows]
        start = Z_rep + rng.normal(scale=0.1, size=Z_rep.shape)
        start[::n_samples] = Z
        cand, found = self._search(take_rows(X, rows), Z_rep, start)
        return cand.reshape(len(Z), n_samples, -1), found.reshape(len(Z), n_samples)

    def _search(self, X, Z, start):
        import torch

        fs = self.feature_space_
        n = len(Z)
        low, high = fs.bounds_for(Z)
        cat_cols = np.isnan(low[0])
        low[:, cat_cols] = 0.0
        high[:, cat_cols] = 1.0
        frozen = fs.immutable_[fs.encoded_feature_]
        low[:, frozen] = Z[:, frozen]
        high[:, frozen] = Z[:, frozen]
        mutable = ~frozen

        probability = None
        if self.gradient_ == "analytic":
            probability = differentiable_probability(self.classifier_, fs, self.desired_class)
        z0 = torch.as_tensor(Z, dtype=torch.float64)
        start = np.clip(start, low, high)
        z = torch.as_tensor(start, dtype=torch.float64).clone().requires_grad_(True)
        lo_t = torch.as_tensor(low, dtype=torch.float64)
        hi_t = torch.as_tensor(high, dtype=torch.float64)
        weights = torch.as_tensor(fs.cost_weights_, dtype=torch.float64)
        grad_mask = torch.as_tensor(mutable, dtype=torch.float64)
        lam = torch.full((n,), min(float(self.lam), _LAM_MAX), dtype=torch.float64)
        optimizer = torch.optim.Adam([z], lr=self.learning_rate)

        result = Z.copy()
        found = np.zeros(n, dtype=bool)
        active = np.ones(n, dtype=bool)
        iterations = range(self.max_iter)
        if self.verbose:
            from tqdm.auto import tqdm

            iterations = tqdm(iterations, desc="Wachter search", leave=False)
        for it in iterations:
            optimizer.zero_grad()
            if probability is not None:
                p = probability(z)
                p_fav = p.detach().numpy()
            else:
                p_fav, p_grad = self._finite_differences(X, Z, z.detach().numpy(), mutable)
                p = torch.as_tensor(p_fav)
            cost = (torch.abs(z - z0) * weights).sum(dim=1)
            if probability is not None:
                loss = (lam * (1.0 - p) ** 2 + cost).sum()
                loss.backward()
            else:  # chain rule by hand: d/dz lam (1 - p)^2 = -2 lam (1 - p) dp/dz
                cost.sum().backward()
                pred_grad = -2.0 * (lam * (1.0 - p))[:, None] * torch.as_tensor(p_grad)
                z.grad += pred_grad
            z.grad *= grad_mask
            z.grad[torch.as_tensor(~active)] = 0.0
            # rows close to the boundary are checked every step, all rows every 10
            check = active & ((p_fav >= 0.5) | (it % 10 == 9))
            if check.any():
                hit = self._record_accepted(X, Z, z, np.flatnonzero(check), result, found)
                active[hit] = False
                z.grad[torch.as_tensor(hit, dtype=torch.long)] = 0.0
            if not active.any():
                break
            optimizer.step()
            with torch.no_grad():
                z.copy_(torch.maximum(torch.minimum(z, hi_t), lo_t))
            if (it + 1) % self.lam_steps == 0:
                grown = lam[torch.as_tensor(active)] * self.lam_growth
                lam[torch.as_tensor(active)] = torch.clamp(grown, max=_LAM_MAX)
        if active.any():  # last chance for rows still searching
            self._record_accepted(X, Z, z, np.flatnonzero(active), result, found)
        return result, found

    def _record_accepted(self, X, Z, z, rows, result, found):
        """Project the current points of ``rows``; store those the classifier accepts.

        Returns the positions stored (``result`` and ``found`` are updated in place).
        """
        projected = self.feature_space_.project(z.detach().numpy()[rows], Z[rows])
        accepted = self._accepts(self._decode(take_rows(X, rows), Z[rows], projected))
        hit = rows[accepted]
        result[hit] = projected[accepted]
        found[hit] = True
        return hit

    def _finite_differences(self, X, Z, z, mutable):
        """P(favourable) and its central-difference gradient on decoded rows."""
        fs = self.feature_space_
        n, d = z.shape
        cols = np.flatnonzero(mutable)
        h = self.fd_step
        batch = [z]
        for c in cols:
            for sign in (1.0, -1.0):
                shifted = z.copy()
                shifted[:, c] += sign * h
                batch.append(shifted)
        stacked = np.vstack(batch)
        origin = np.tile(Z, (len(batch), 1))
        projected = fs.project(np.clip(stacked, -1e6, 1e6), origin)
        decoded = fs.inverse_transform(projected)
        p = favourable_probability(self.classifier_, decoded, self.desired_class).reshape(
            len(batch), n
        )
        grad = np.zeros((n, d))
        for i, c in enumerate(cols):
            grad[:, c] = (p[1 + 2 * i] - p[2 + 2 * i]) / (2 * h)
        return p[0], grad
