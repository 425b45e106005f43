"""The recourse-generator contract shared by every generator (SPEC section 2).

A public validated method calls a private one each generator implements:
``fit`` -> ``_fit``, ``transform`` -> ``_generate``. The base class owns input
checks, the feature space, the classifier, the hard feasibility guarantee
(every returned row is projected, decoded and re-checked by the classifier)
and the output container.
"""

import numbers
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from ._feature_space import FeatureSpace
from ._validation import (
    blank_rows,
    check_binary_target,
    check_desired_class,
    check_positive_integer,
    check_raw_X,
    feature_names_checked,
    fit_or_reset,
    is_dataframe,
    take_rows,
)

_COMMON_PARAMETERS = {
    "classifier": [HasMethods(["fit", "predict"]), None],
    "immutable_features": [list, tuple, None],
    "categorical_features": [StrOptions({"auto"}), list, tuple, None],
    "increasing_features": [list, tuple, None],
    "decreasing_features": [list, tuple, None],
    "feature_bounds": [dict, None],
    "desired_class": [numbers.Integral, str, bool],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


def default_classifier(categorical_features="auto", random_state=None):
    """The papers' classifier h: MLP [10, 10, 10], ReLU, Adam lr 1e-3, batch 64, 100 epochs.

    Wrapped in a Pipeline after a :class:`FeatureSpace` so that it works on raw
    rows with string categories (and so that gradient-based generators can
    differentiate it analytically).

    Parameters
    ----------
    categorical_features : "auto" or list, default="auto"
        Passed to the :class:`FeatureSpace` step.
    random_state : int, RandomState or None, default=None
        Seeds the MLP.

    Returns
    -------
    classifier : Pipeline
        Unfitted ``Pipeline([("encode", FeatureSpace), ("mlp", MLPClassifier)])``.

    Notes
    -----
    The MLP trains for exactly 100 epochs (scikit-learn's stop on a flat
    training loss is off), so fitting it yourself raises scikit-learn's
    ``ConvergenceWarning``; a generator given
    ``classifier=None`` fits it with that warning silenced.
    """
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("encode", FeatureSpace(categorical_features=categorical_features)),
            (
                "mlp",
                MLPClassifier(
                    hidden_layer_sizes=(10, 10, 10),
                    learning_rate_init=1e-3,
                    batch_size=64,
                    max_iter=100,
                    # the papers train a fixed 100 epochs: no stop on a flat loss
                    # (scikit-learn's default stopped COMPAS's h after 53 epochs)
                    n_iter_no_change=100,
                    random_state=random_state,
                ),
            ),
        ]
    )


def is_fitted(estimator):
    if not hasattr(estimator, "__sklearn_tags__"):
        # a duck-typed model outside scikit-learn (fit, predict, predict_proba):
        # scikit-learn's __sklearn_is_fitted__, an is_fitted() method (catboost),
        # else scikit-learn's rule of attributes that end in "_"
        if hasattr(estimator, "__sklearn_is_fitted__"):
            return bool(estimator.__sklearn_is_fitted__())
        if callable(getattr(estimator, "is_fitted", None)):
            return bool(estimator.is_fitted())
        attributes = getattr(estimator, "__dict__", {})
        return any(v.endswith("_") and not v.startswith("__") for v in attributes)
    try:
        check_is_fitted(estimator)
    except (NotFittedError, TypeError):
        return False
    return True


def random_seed(rng):
    """An integer seed for torch, SB3 or a sub-estimator drawn from ``rng``."""
    return int(rng.randint(np.iinfo(np.int32).max))


class BaseRecourseGenerator(TransformerMixin, BaseEstimator):
    """Base class of recourse generators; not for direct use.

    Subclasses implement ``_fit(X, Z, favourable, accepted, rng)`` (``accepted``:
    training rows the classifier accepts) and
    ``_generate(X, Z) -> (Z_candidates, found)`` on the rows the classifier
    rejects, where ``Z`` are the encoded rows. ``_generate`` need not return
    feasible or valid rows: the base class projects and re-checks them.
    """

    _parameter_constraints = dict(_COMMON_PARAMETERS)

    # ------------------------------------------------------------------ fit
    @fit_or_reset
    def fit(self, X, y):
        """Fit the feature space, the classifier (if unfitted) and the generator.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Training rows in raw units.
        y : array-like of shape (n_samples,)
            Class labels. Rows labelled ``desired_class`` are favourable and
            all others unfavourable (a multiclass ``y`` is read one class
            against the rest).

        Returns
        -------
        self : object
            Fitted generator.
        """
        self._validate_params()
        X = check_raw_X(self, X, reset=True)
        favourable = check_binary_target(self, y, X.shape[0], self.desired_class)
        rng = check_random_state(self.random_state)
        self.feature_space_ = FeatureSpace(
            categorical_features=self.categorical_features,
            immutable_features=self._immutable_features(),
            increasing_features=self.increasing_features,
            decreasing_features=self.decreasing_features,
            feature_bounds=self.feature_bounds,
        ).fit(X)
        self.classifier_ = self._fit_classifier(X, y, rng)
        check_desired_class(self.classifier_, self.desired_class)
        Z = self.feature_space_.transform(X)
        accepted = self._accepts(X)
        # the favourable reference set for LOF plausibility in ``score``
        self._reference_Z = Z[accepted] if accepted.any() else Z[favourable]
        self._lof = None
        self._fit(X, Z, favourable, accepted, rng)
        return self

    def _validate_sampling_params(self):
        """Parameters set after fit (those ``transform`` reads) are checked too."""
        BaseEstimator._validate_params(self)

    def _immutable_features(self):
        """The features the feature space keeps fixed (subclasses may add some)."""
        return self.immutable_features

    def _fit_classifier(self, X, y, rng):
        if self.classifier is None:
            from sklearn.exceptions import ConvergenceWarning

            clf = default_classifier(self.categorical_features, random_seed(rng))
            # the papers' h trains a fixed 100 epochs; scikit-learn's "not
            # converged" warning measures its own tol, which nobody set here
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                return clf.fit(X, y)
        if is_fitted(self.classifier):
            return self.classifier
        return clone(self.classifier).fit(X, y)

    def _accepts(self, X):
        return np.asarray(self.classifier_.predict(X)) == self.desired_class

    def _fit(self, X, Z, favourable, accepted, rng):
        raise NotImplementedError

    # ------------------------------------------------------------ transform
    def transform(self, X):
        """Best recourse per row, in raw units.

        Rows the classifier already accepts are returned unchanged. A row for
        which no feasible recourse accepted by the classifier was found is
        returned as a row of NaN and flagged False in ``found_``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Rows in raw units.

        Returns
        -------
        X_cf : DataFrame or ndarray of shape (n_samples, n_features)
            Same container, columns and index as ``X``.
        """
        check_is_fitted(self)
        X = check_raw_X(self, X, reset=False)
        with feature_names_checked():
            X_cf, self.found_ = self._recourse(X)
        return X_cf

    def _recourse(self, X):
        """Recourse of validated rows and its found mask, leaving ``found_`` alone."""
        self._validate_sampling_params()
        Z, accepted = self._encoded(X)
        Z_cf = Z.copy()
        found = accepted.copy()
        rejected = np.flatnonzero(~accepted)
        if rejected.size:
            X_rej = take_rows(X, rejected)
            cand, ok = self._generate(X_rej, Z[rejected])
            cand, ok = self._enforce(X_rej, Z[rejected], cand, ok)
            Z_cf[rejected] = cand
            found[rejected] = ok
        return self._assemble(X, Z, Z_cf, found), found

    def _encoded(self, X):
        """Validated raw rows ``X`` encoded, and whether the classifier accepts each."""
        fs = self.feature_space_
        fs._check_whole_numbers(X)
        return fs.transform(X), self._accepts(X)

    def sample(self, X, n_samples=10):
        """Several recourse candidates per row.

        Every candidate satisfies the constraints and is accepted by the
        classifier; a candidate that could not be found is a row of NaN.
        Rows the classifier already accepts are repeated unchanged.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Rows in raw units.
        n_samples : int, default=10
            Candidates per row.

        Returns
        -------
        samples : ndarray of shape (n_rows, n_samples, n_features) or DataFrame
            For a DataFrame input, a DataFrame of ``n_rows * n_samples`` rows
            with a MultiIndex (original index, ``sample``).
        """
        check_is_fitted(self)
        self._validate_sampling_params()
        k = check_positive_integer(n_samples, "n_samples")
        X = check_raw_X(self, X, reset=False)
        with feature_names_checked():
            return self._samples_of(X, k)

    def _samples_of(self, X, k):
        """``sample`` of validated rows: ``k`` candidates per row."""
        n = X.shape[0]
        Z, accepted = self._encoded(X)
        Z_cf = np.repeat(Z[:, None, :], k, axis=1)
        found = np.repeat(accepted[:, None], k, axis=1)
        rejected = np.flatnonzero(~accepted)
        if rejected.size:
            X_rej = take_rows(X, rejected)
            cand, ok = self._sample(X_rej, Z[rejected], k, check_random_state(self.random_state))
            rows = np.repeat(rejected, k)
            flat, flat_ok = self._enforce(
                take_rows(X, rows), Z[rows], cand.reshape(-1, Z.shape[1]), ok.reshape(-1)
            )
            Z_cf[rejected] = flat.reshape(len(rejected), k, -1)
            found[rejected] = flat_ok.reshape(len(rejected), k)
        rows = np.repeat(np.arange(n), k)
        out = self._assemble(
            take_rows(X, rows), Z[rows], Z_cf.reshape(n * k, -1), found.reshape(-1)
        )
        if is_dataframe(out):
            # the original index (every level of a MultiIndex), then the sample number
            levels = [X.index.get_level_values(i)[rows] for i in range(X.index.nlevels)]
            out.index = pd.MultiIndex.from_arrays(
                levels + [np.tile(np.arange(k), n)], names=[*X.index.names, "sample"]
            )
            return out
        return out.reshape(n, k, -1)

    def _sample(self, X, Z, n_samples, rng):
        """Candidates of shape (n, n_samples, n_encoded) and found mask (n, n_samples)."""
        raise NotImplementedError

    def _enforce(self, X, Z, cand, ok):
        """Make the guarantee hold: project, then keep only rows the classifier accepts."""
        fs = self.feature_space_
        ok = np.asarray(ok, dtype=bool) & np.isfinite(cand).all(axis=1)
        cand = np.where(ok[:, None], cand, Z)
        cand = fs.project(cand, Z)
        if ok.any():
            decoded = self._decode(X, Z, cand)
            ok &= self._accepts(decoded)
        return cand, ok

    def _decode(self, X, Z, Z_cf):
        """Decode candidates; features left unchanged keep the caller's exact raw value."""
        fs = self.feature_space_
        index = X.index if is_dataframe(X) else None
        out = fs.inverse_transform(Z_cf, index=index)
        for j, cols in enumerate(fs.columns_):
            same = np.all(Z_cf[:, cols] == Z[:, cols], axis=1)
            if not same.any():
                continue
            original, _ = fs._column(X, j)
            if is_dataframe(out):
                col = out.columns[j]
                values = out[col].to_numpy(copy=True)
                values[same] = original[same]
                out[col] = pd.Series(values, index=out.index).astype(out[col].dtype)
            else:
                out[same, j] = original[same]
        # same container as the caller's rows, even if fit saw the other kind
        if is_dataframe(X) and not is_dataframe(out):
            out = pd.DataFrame(out, index=X.index, columns=X.columns)
        elif not is_dataframe(X) and is_dataframe(out):
            out = out.to_numpy()
        return out

    def _assemble(self, X, Z, Z_cf, found):
        out = self._decode(X, Z, Z_cf)
        if found.all():
            return out
        return blank_rows(out, ~found)

    def get_feature_names_out(self, input_features=None):
        """Recourse keeps the input columns.

        For a DataFrame whose column labels are not all strings (scikit-learn
        records no ``feature_names_in_`` then) these are the labels of fit, so
        that ``set_output(transform="pandas")`` keeps them too.
        """
        check_is_fitted(self)
        fit_columns = getattr(self, "_fit_columns", None)
        if input_features is None and fit_columns and not hasattr(self, "feature_names_in_"):
            names = np.empty(len(fit_columns), dtype=object)
            names[:] = fit_columns  # element by element: MultiIndex labels are tuples
            return names
        return _check_feature_names_in(self, input_features)

    # ---------------------------------------------------------------- score
    def score(self, X, y=None):
        """Mean recourse Score (validity + LOF - cost / d) on the rejected rows.

        Validity is judged by ``classifier_``; LOF plausibility uses the
        training rows ``classifier_`` accepts. Returns 2.0, the maximum, when
        the classifier rejects no row of ``X``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Rows in raw units.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        score : float
        """
        from .metrics import recourse_score

        check_is_fitted(self)
        X = check_raw_X(self, X, reset=False)
        with feature_names_checked():
            rejected = np.flatnonzero(~self._accepts(X))
            if rejected.size == 0:
                return 2.0
            X_rej = take_rows(X, rejected)
            X_cf, _ = self._recourse(X_rej)  # score does not overwrite transform's found_
            return float(
                recourse_score(
                    X_rej,
                    X_cf,
                    classifier=self.classifier_,
                    lof=self._plausibility_model(),
                    feature_space=self.feature_space_,
                    desired_class=self.desired_class,
                )
            )

    def _plausibility_model(self):
        if getattr(self, "_lof", None) is None:
            from sklearn.neighbors import LocalOutlierFactor

            ref = self._reference_Z
            if len(ref) == 1:
                # LOF needs two rows; a duplicated single row makes exactly that
                # row (up to rounding) the only inlier
                ref = np.repeat(ref, 2, axis=0)
            self._lof = LocalOutlierFactor(
                n_neighbors=min(5, max(1, len(ref) - 1)), novelty=True
            ).fit(ref)
        return self._lof

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.target_tags.required = True
        return tags

