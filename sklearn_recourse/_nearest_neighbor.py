"""Nearest-neighbour recourse: the closest feasible favourable training row."""

import numbers

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseRecourseGenerator
from ._validation import check_desired_class

# rows x candidates distances computed at once; bounds memory at ~64 MB
_CHUNK_ELEMENTS = 8_000_000


class NearestNeighborRecourse(BaseRecourseGenerator):
    """Recourse by the nearest feasible favourable row of the training data.

    The three variants compared with GenRe (Garg et al., ICLR 2025, §5.5)
    differ in which training rows may be returned:

    - ``"accepted"``: rows the classifier predicts favourable (NNR);
    - ``"confident"``: rows the classifier accepts with probability > ``gamma``
      (NNR(γ > 0.7));
    - ``"confident_labelled"``: confident rows whose observed label is also
      favourable (NNR(D_h^+), the strongest).

    Distance is the recourse cost (L1 in the encoded space, a changed
    category costs 1). Only candidates reachable from the row are
    considered: same immutable values, direction constraints and bounds
    respected. The search is exact and runs in chunks, so memory stays
    bounded for any number of rows.

    Parameters
    ----------
    classifier : estimator or None, default=None
        Classifier on raw rows. Unfitted: cloned and fitted in ``fit``. Fitted:
        used as is. None: :func:`~sklearn_recourse.default_classifier`.
        ``clone`` (and so GridSearchCV) unfits a fitted classifier; wrap it
        in ``sklearn.frozen.FrozenEstimator`` to keep the model you explain.
    candidates : {"accepted", "confident", "confident_labelled"}, default="confident_labelled"
        Which training rows can be returned, see above.
    gamma : float in [0, 1), default=0.7
        Confidence threshold of the confident variants; needs ``predict_proba``.
    immutable_features, categorical_features, increasing_features, decreasing_features, feature_bounds
        Constraints, see :class:`~sklearn_recourse.FeatureSpace`.
    desired_class : int or str, default=1
        The favourable label.
    random_state : int, RandomState or None, default=None
        Seeds the default classifier.
    verbose : int, default=0
        Unused; present for API consistency.

    Attributes
    ----------
    classifier_ : estimator
        The fitted classifier.
    feature_space_ : FeatureSpace
        Encoding and constraints.
    candidates_ : ndarray of shape (n_candidates, n_encoded_features)
        Encoded training rows that can be returned.
    found_ : ndarray of bool
        Set by the last ``transform``: which rows got recourse (or were
        already accepted).
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_recourse import NearestNeighborRecourse
    >>> import numpy as np
    >>> X, y = make_classification(n_samples=200, n_features=4, random_state=0)
    >>> X[:, 3] = np.random.RandomState(0).randint(2, size=200)  # immutable yes/no
    >>> gen = NearestNeighborRecourse(LogisticRegression(), immutable_features=[3])
    >>> X_neg = X[y == 0][:5]
    >>> X_cf = gen.fit(X, y).transform(X_neg)
    >>> gen.found_.tolist()
    [True, True, True, True, True]
    >>> bool((X_cf[:, 3] == X_neg[:, 3]).all())
    True
    >>> bool((gen.classifier_.predict(X_cf) == 1).all())
    True
    """

    _parameter_constraints = {
        **BaseRecourseGenerator._parameter_constraints,
        "candidates": [StrOptions({"accepted", "confident", "confident_labelled"})],
        "gamma": [Interval(numbers.Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        classifier=None,
        *,
        candidates="confident_labelled",
        gamma=0.7,
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
        self.candidates = candidates
        self.gamma = gamma
        self.immutable_features = immutable_features
        self.categorical_features = categorical_features
        self.increasing_features = increasing_features
        self.decreasing_features = decreasing_features
        self.feature_bounds = feature_bounds
        self.desired_class = desired_class
        self.random_state = random_state
        self.verbose = verbose

    def _fit(self, X, Z, favourable, accepted, rng):
        keep = accepted.copy()
        if self.candidates != "accepted":
            proba = favourable_probability(
                self.classifier_,
                X,
                self.desired_class,
                needed_for="the confidence threshold gamma (or use candidates='accepted')",
            )
            keep &= proba > self.gamma
        if self.candidates == "confident_labelled":
            keep &= favourable
        if not keep.any():
            raise ValueError(
                f"No favourable rows to draw recourse from: no training row meets "
                f"candidates={self.candidates!r} (gamma={self.gamma}). Lower gamma or "
                "use candidates='accepted'."
            )
        self.candidates_ = Z[keep]

    def _generate(self, X, Z):
        cand, found = self._nearest(Z, 1)
        return cand[:, 0], found[:, 0]

    def _sample(self, X, Z, n_samples, rng):
        """The ``n_samples`` nearest feasible candidates, nearest first."""
        return self._nearest(Z, n_samples)

    def _nearest(self, Z, k):
        fs = self.feature_space_
        pool = self.candidates_
        pool_embedded = fs.cost_embedding(pool)
        # immutable groups of queries and candidates share one numbering
        groups = fs.immutable_groups(np.vstack([pool, Z]))
        pool_groups, query_groups = groups[: len(pool)], groups[len(pool) :]
        low, high = fs.bounds_for(Z)
        checked = _constrained_columns(fs, pool)
        chunk = max(1, _CHUNK_ELEMENTS // max(1, len(pool)))
        # asked for more candidates than the pool holds: the rest stay not found
        best = np.full((len(Z), k), -1)
        k = min(k, len(pool))
        for start in range(0, len(Z), chunk):
            rows = slice(start, start + chunk)
            dist = cdist(fs.cost_embedding(Z[rows]), pool_embedded, metric="cityblock")
            feasible = query_groups[rows, None] == pool_groups[None, :]
            for c in checked:
                feasible &= pool[None, :, c] >= low[rows, c, None] - 1e-12
                feasible &= pool[None, :, c] <= high[rows, c, None] + 1e-12
            dist[~feasible] = np.inf
            if k < dist.shape[1]:
                part = np.argpartition(dist, k - 1, axis=1)[:, :k]
            else:
                part = np.tile(np.arange(dist.shape[1]), (len(dist), 1))
            part_dist = np.take_along_axis(dist, part, axis=1)
            order = np.argsort(part_dist, axis=1, kind="stable")
            nearest = np.take_along_axis(part, order, axis=1)
            reachable = np.isfinite(np.take_along_axis(part_dist, order, axis=1))
            best[rows, :k] = np.where(reachable, nearest, -1)
        found = best >= 0
        cand = np.where(found[..., None], pool[np.maximum(best, 0)], Z[:, None, :])
        return cand, found


def _constrained_columns(fs, pool):
    """Continuous encoded columns where some candidate could break a bound."""
    cols = []
    for c in fs._continuous_cols:
        j = fs.encoded_feature_[c]
        if fs.increasing_[j] or fs.decreasing_[j] or fs.immutable_[j]:
            cols.append(c)
        elif pool[:, c].min() < fs.lower_bound_[j] or pool[:, c].max() > fs.upper_bound_[j]:
            cols.append(c)
    return cols


def favourable_probability(classifier, X, desired_class, *, needed_for="recourse"):
    """Probability of ``desired_class`` under ``classifier`` (needs ``predict_proba``).

    ``needed_for`` completes the error message of a classifier without one.
    """
    if not hasattr(classifier, "predict_proba"):
        raise ValueError(
            f"{type(classifier).__name__} has no predict_proba, which {needed_for} needs."
        )
    if not hasattr(classifier, "classes_"):
        # without classes_ the column of desired_class in predict_proba is unknown
        raise ValueError(
            f"{type(classifier).__name__} has predict_proba but no classes_ attribute, so "
            f"the column of desired_class={desired_class!r} is unknown ({needed_for} needs "
            "it). Give the classifier a classes_ attribute, as scikit-learn classifiers have."
        )
    check_desired_class(classifier, desired_class)
    classes = np.asarray(classifier.classes_).tolist()
    return np.asarray(classifier.predict_proba(X))[:, classes.index(desired_class)]
