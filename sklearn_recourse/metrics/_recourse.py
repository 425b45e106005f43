"""Quality metrics of recourse: cost, validity, plausibility, Score, rate, Gower.

Conventions shared by every function here:

* ``X`` holds the original rows and ``X_cf`` their recourse, row by row, in raw
  units (DataFrame or array; categories as the user's values).
* A row of ``X_cf`` with any missing value is *not found* (generators return a
  NaN row when they find no recourse). It never reaches a classifier or an
  encoder: it counts as invalid and implausible, and its cost is NaN.
* Inputs are never modified.
"""

import numpy as np
import pandas as pd
from sklearn.neighbors import LocalOutlierFactor
from sklearn.utils.validation import check_is_fitted

from .._feature_space import FeatureSpace
from .._validation import check_desired_class, check_positive_integer, is_dataframe
from .._validation import take_rows as _take

__all__ = [
    "gower_distance",
    "lof_plausibility",
    "recourse_cost",
    "recourse_rate",
    "recourse_score",
    "validity",
]


# --------------------------------------------------------------------------- helpers
def _check_2d(X, name):
    """Return ``X`` as a DataFrame (unchanged) or a 2-D ndarray; refuse empty input."""
    if X is None:
        raise ValueError(f"{name} is required, got None.")
    if not is_dataframe(X):
        if isinstance(X, pd.Series):
            raise ValueError(
                f"{name} must be 2-D (n_samples, n_features); got a Series. Use "
                "series.to_frame().T for a single row."
            )
        arr = np.asarray(X)
        if arr.dtype.kind in "US":  # a list mixing numbers and strings
            arr = np.asarray(X, dtype=object)
        if arr.ndim != 2:
            raise ValueError(
                f"{name} must be 2-D (n_samples, n_features); got an array of shape "
                f"{arr.shape}. Reshape a single row with X.reshape(1, -1)."
            )
        X = arr
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty (0 rows); at least one row is required.")
    if X.shape[1] == 0:
        raise ValueError(f"{name} has no features (0 columns).")
    return X


def _check_pair(X, X_cf, names=("X", "X_cf")):
    """Validate two row-aligned matrices of the same raw features."""
    X = _check_2d(X, names[0])
    X_cf = _check_2d(X_cf, names[1])
    if X.shape != X_cf.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape (one recourse row per "
            f"original row); got {X.shape} and {X_cf.shape}."
        )
    if is_dataframe(X) and is_dataframe(X_cf) and list(X.columns) != list(X_cf.columns):
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same columns in the same order; got "
            f"{list(X.columns)} and {list(X_cf.columns)}."
        )
    if (
        is_dataframe(X)
        and is_dataframe(X_cf)
        and X.index.nlevels == X_cf.index.nlevels  # a sample's (row, sample) index is not
        and not X.index.equals(X_cf.index)
        and X.index.is_unique
        and X_cf.index.is_unique
        and X_cf.index.isin(X.index).all()  # not sorting: labels may not be comparable
    ):
        # rows are paired by position; the same labels in another order say
        # that the pairing is wrong (a sorted or shuffled copy of one of them)
        raise ValueError(
            f"{names[0]} and {names[1]} hold the same index labels in a different "
            f"order, but rows are paired by position. Align them first, for example "
            f"{names[1]}.loc[{names[0]}.index], or, if the rows are already in the same "
            f"order, give them the same index."
        )
    return X, X_cf


def _missing_rows(X):
    """Boolean mask of the rows holding any missing value (``pd.isna``)."""
    return np.asarray(pd.isna(X)).reshape(X.shape[0], -1).any(axis=1)


def _found(X_cf):
    """Boolean mask of the rows of ``X_cf`` that hold a recourse (no missing value)."""
    return ~_missing_rows(X_cf)


def _column(X, j):
    return X.iloc[:, j].to_numpy() if is_dataframe(X) else X[:, j]


def _feature_name(X, space, j):
    if is_dataframe(X):
        return X.columns[j]
    names = getattr(space, "feature_names_in_", None)
    return names[j] if names is not None else j


def _as_float(values, name):
    arr = np.asarray(values)
    if arr.dtype.kind in "fiub":
        return arr.astype(float)
    arr = np.array(values, dtype=object)  # a copy: the input stays untouched
    arr[np.asarray(pd.isna(arr), dtype=bool)] = np.nan
    try:
        return arr.astype(float)
    except (TypeError, ValueError):
        raise ValueError(
            f"Feature {name!r} is continuous in the feature space but holds non-numeric "
            "values; declare it in categorical_features."
        ) from None


def _as_labels(values):
    arr = np.array(values, dtype=object)  # a copy
    arr[np.asarray(pd.isna(arr), dtype=bool)] = None  # pd.NA cannot be compared
    return arr


def _check_space(feature_space, X, name="X"):
    """Check that a fitted FeatureSpace describes the raw features of ``X``."""
    if not isinstance(feature_space, FeatureSpace):
        raise ValueError(
            f"feature_space must be a fitted FeatureSpace, got {type(feature_space).__name__}."
        )
    check_is_fitted(feature_space)
    if feature_space.n_features_in_ != X.shape[1]:
        raise ValueError(
            f"{name} has {X.shape[1]} features but feature_space was fitted on "
            f"{feature_space.n_features_in_}."
        )
    names = getattr(feature_space, "feature_names_in_", None)
    if is_dataframe(X) and names is not None and list(X.columns) != list(names):
        raise ValueError(
            f"The columns of {name} {list(X.columns)} differ from the features of "
            f"feature_space {list(names)}."
        )
    return feature_space


def _default_space(X, feature_space, categorical_features, name="X"):
    """The given fitted space, or one fitted on the complete rows of ``X``."""
    if feature_space is not None:
        return _check_space(feature_space, X, name)
    complete = ~_missing_rows(X)
    if not complete.any():
        raise ValueError(
            f"Cannot fit a FeatureSpace: every row of {name} has missing values."
        )
    rows = X if complete.all() else _take(X, complete)
    return FeatureSpace(categorical_features=categorical_features).fit(rows)


def _paired_differences(X, Y, feature_space, categorical_features, name):
    """:func:`_feature_differences` in the given space, or in one fitted on ``X``
    (where a change of a single-valued feature is refused)."""
    space = _default_space(X, feature_space, categorical_features)
    if feature_space is not None:
        _check_space(space, Y, name)
    differences = _feature_differences(X, Y, space)
    if feature_space is None:
        _check_default_ranges(X, space, differences)
    return differences


def _check_default_ranges(X, space, differences):
    """Refuse a change of a feature that the default space (fitted on ``X``)
    saw with one value only: it has no range to measure the change in (a
    single row, or a column constant over ``X``), and raw units would be a
    silently wrong cost."""
    changed = space._single_valued & np.any(np.nan_to_num(differences) > 0, axis=0)
    if changed.any():
        names = [_feature_name(X, space, j) for j in np.flatnonzero(changed)]
        raise ValueError(
            f"Feature(s) {names} take a single value in X, so their change has no "
            "range to be measured in. Pass feature_space= (a FeatureSpace fitted on "
            "the training rows, such as a fitted generator's feature_space_)."
        )


def _feature_differences(X, Y, space):
    """Per-row, per-raw-feature change: |x - y| / range, or 1 for a changed category
    (or a changed continuous feature the space saw with a single value).

    Rows missing in ``X`` or ``Y`` are NaN. Summing a row gives
    ``FeatureSpace.cost`` of the encoded rows (one-hot weights make a changed
    category cost 1 however it is encoded), without encoding: a category the
    space has not seen is simply a change.
    """
    n, d = X.shape
    out = np.empty((n, d))
    for j in range(d):  # loop over features only; every operation is over all rows
        x, y = _column(X, j), _column(Y, j)
        if space.categorical_[j]:
            out[:, j] = _as_labels(x) != _as_labels(y)
        else:
            name = _feature_name(X, space, j)
            xf, yf = _as_float(x, name), _as_float(y, name)
            if np.isinf(xf).any() or np.isinf(yf).any():
                raise ValueError(
                    f"Feature {name!r} holds infinity; rows must be finite, or missing "
                    "(NaN) for recourse that was not found."
                )
            if space._single_valued[j]:
                # no range to measure the change in: it costs 1, as a category does
                out[:, j] = space._single_valued_change(np.abs(xf - yf), j)
            else:
                out[:, j] = np.abs(xf - yf) / space.data_range_[j]
    out[_missing_rows(X) | _missing_rows(Y)] = np.nan
    return out


def _predict_found(classifier, X_cf, found, desired_class):
    """Whether each row is found and predicted ``desired_class`` (predict on found rows only)."""
    check_desired_class(classifier, desired_class)
    accepted = np.zeros(X_cf.shape[0], dtype=bool)
    if found.any():
        pred = np.asarray(classifier.predict(_take(X_cf, found)))
        accepted[found] = pred == desired_class
    return accepted


# --------------------------------------------------------------------------- metrics
def recourse_cost(X, X_cf, *, feature_space=None, categorical_features="auto", per_row=False):
    """L1 cost of moving from each row to its recourse, in the encoded space.

    Continuous features count their change in units of their range (the
    min-max encoding of :class:`~sklearn_recourse.FeatureSpace`); a changed
    categorical feature costs 1, however it is encoded (one-hot would count it
    twice). This is :meth:`FeatureSpace.cost` of the encoded rows, computed
    feature by feature from the raw values, so a category the feature space has
    not seen counts as a change instead of failing to encode.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
        Original rows, raw units.
    X_cf : DataFrame or array-like of shape (n_samples, n_features)
        Recourse of each row; a row with any missing value is *not found*.
        Rows are paired by position, as everywhere in scikit-learn; two
        DataFrames holding the same index labels in a different order are
        refused rather than paired wrongly.
    feature_space : FeatureSpace, default=None
        Fitted feature space defining the units (ranges, categorical
        features), typically the generator's ``feature_space_``; a change of
        a continuous feature it saw with a single value costs 1, as a changed
        category does. Default: a
        ``FeatureSpace(categorical_features=categorical_features)`` fitted on
        ``X``; a change of a feature that takes a single value in ``X`` is
        then refused (it has no range).
    categorical_features : "auto" or list of str or int, default="auto"
        Categorical features of the default feature space; ignored when
        ``feature_space`` is given.
    per_row : bool, default=False
        Return the cost of every row instead of the mean.

    Returns
    -------
    cost : float or ndarray of shape (n_samples,)
        Mean cost over the found rows (NaN when no row is found), or with
        ``per_row=True`` the cost of each row, NaN for rows not found.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn_recourse.metrics import recourse_cost
    >>> X = pd.DataFrame({"income": [10.0, 20.0, 30.0], "job": ["a", "b", "c"]})
    >>> X_cf = pd.DataFrame({"income": [20.0, 20.0, np.nan], "job": ["b", "b", np.nan]})
    >>> recourse_cost(X, X_cf, per_row=True)  # +0.5 of the range, one job change
    array([1.5, 0. , nan])
    >>> float(recourse_cost(X, X_cf))
    0.75
    """
    X, X_cf = _check_pair(X, X_cf)
    if _missing_rows(X).any():
        raise ValueError(
            "X contains missing values; only recourse rows (X_cf) may be missing "
            "(not found)."
        )
    cost = _paired_differences(X, X_cf, feature_space, categorical_features, "X_cf").sum(axis=1)
    if per_row:
        return cost
    found = ~np.isnan(cost)
    return float(cost[found].mean()) if found.any() else float("nan")


def validity(classifier, X_cf, *, desired_class=1):
    """Fraction of recourse rows the classifier predicts as the desired class.

    Uses ``classifier.predict``, never a probability threshold (counting
    ``p = 0.5`` as a success is a known bug of DiCE). Rows not found count as
    invalid and are not passed to the classifier.

    Parameters
    ----------
    classifier : fitted classifier
        Judge of the recourse (the deployed model or an oracle), on raw rows.
    X_cf : DataFrame or array-like of shape (n_samples, n_features)
        Recourse rows; a row with any missing value is not found.
    desired_class : int or str, default=1
        The favourable class.

    Returns
    -------
    validity : float
        Share of all rows of ``X_cf`` that are found and predicted
        ``desired_class``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_recourse.metrics import validity
    >>> clf = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    >>> X_cf = np.array([[3.0], [0.0], [np.nan], [2.5]])
    >>> validity(clf, X_cf)
    0.5
    """
    X_cf = _check_2d(X_cf, "X_cf")
    accepted = _predict_found(classifier, X_cf, _found(X_cf), desired_class)
    return float(accepted.mean())


def _fit_lof(X_reference, space, n_neighbors):
    X_reference = _check_2d(X_reference, "X_reference")
    if _missing_rows(X_reference).any():
        raise ValueError("X_reference contains missing values.")
    if X_reference.shape[0] < 2:
        raise ValueError(
            f"X_reference needs at least 2 rows to fit LocalOutlierFactor, got "
            f"{X_reference.shape[0]}."
        )
    Z = space.transform(X_reference)
    # LocalOutlierFactor itself caps n_neighbors at n_samples - 1 (with a warning)
    n_neighbors = min(n_neighbors, X_reference.shape[0] - 1)
    return LocalOutlierFactor(n_neighbors=n_neighbors, novelty=True).fit(Z)


def lof_plausibility(
    X_cf,
    X_reference=None,
    *,
    n_neighbors=5,
    feature_space=None,
    categorical_features="auto",
    lof=None,
):
    """Fraction of recourse rows that LocalOutlierFactor finds inliers of the reference.

    ``LocalOutlierFactor(n_neighbors=n_neighbors, novelty=True)`` is fitted on
    the encoded reference rows (the favourable rows; the benchmark protocol
    uses all rows the oracle predicts favourable). Rows not found count as
    not plausible.

    Parameters
    ----------
    X_cf : DataFrame or array-like of shape (n_samples, n_features)
        Recourse rows; a row with any missing value is not found.
    X_reference : DataFrame or array-like of shape (n_reference, n_features), default=None
        Favourable rows, raw units. Required unless ``lof`` is given.
    n_neighbors : int, default=5
        Neighbours of the LocalOutlierFactor (capped at ``n_reference - 1``).
    feature_space : FeatureSpace, default=None
        Fitted feature space encoding the rows. Default: one fitted on
        ``X_reference``.
    categorical_features : "auto" or list of str or int, default="auto"
        Categorical features of the default feature space.
    lof : LocalOutlierFactor, default=None
        A fitted ``LocalOutlierFactor(novelty=True)`` on rows encoded by
        ``feature_space`` (or by a space fitted on ``X_reference``), to fit it
        once for many calls; ``X_reference`` may then be None if
        ``feature_space`` is given.

    Returns
    -------
    plausibility : float
        Share of all rows of ``X_cf`` that are found and predicted inliers.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recourse.metrics import lof_plausibility
    >>> reference = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [0.1, 0.1],
    ...                       [0.05, 0.05], [0.0, 0.05], [1.0, 1.0]])
    >>> X_cf = np.array([[0.05, 0.06], [5.0, -3.0], [np.nan, np.nan]])
    >>> lof_plausibility(X_cf, reference, n_neighbors=3)  # inlier, outlier, not found
    0.333...
    """
    X_cf = _check_2d(X_cf, "X_cf")
    n_neighbors = check_positive_integer(n_neighbors, "n_neighbors")
    if lof is None:
        if X_reference is None:
            raise ValueError("lof_plausibility needs X_reference (favourable rows) or lof.")
        X_reference = _check_2d(X_reference, "X_reference")
        if X_reference.shape[1] != X_cf.shape[1]:
            raise ValueError(
                f"X_reference has {X_reference.shape[1]} features but X_cf has "
                f"{X_cf.shape[1]}."
            )
        space = _default_space(X_reference, feature_space, categorical_features, "X_reference")
        lof = _fit_lof(X_reference, space, n_neighbors)
    else:
        if not isinstance(lof, LocalOutlierFactor) or not lof.novelty:
            raise ValueError(
                "lof must be a LocalOutlierFactor with novelty=True, got "
                f"{lof!r}."
            )
        check_is_fitted(lof)
        if feature_space is None:
            if X_reference is None:
                raise ValueError(
                    "With a pre-fitted lof, pass the feature_space that encoded its "
                    "training rows (or X_reference to fit one)."
                )
            X_reference = _check_2d(X_reference, "X_reference")
            space = _default_space(X_reference, None, categorical_features, "X_reference")
        else:
            space = feature_space
        if lof.n_features_in_ != space.n_encoded_features_:
            raise ValueError(
                f"lof was fitted on {lof.n_features_in_} encoded features but the feature "
                f"space encodes {space.n_encoded_features_}; fit it on "
                "feature_space.transform(X_reference)."
            )
    _check_space(space, X_cf, "X_cf")
    found = _found(X_cf)
    inlier = np.zeros(X_cf.shape[0], dtype=bool)
    if found.any():
        try:
            Z_cf = space.transform(_take(X_cf, found))
        except ValueError as exc:
            if feature_space is not None or "not seen in fit" not in str(exc):
                raise
            # the default space knows only the reference rows' categories
            raise ValueError(
                f"X_cf holds a category that no row of X_reference has ({exc}) The "
                "default feature space is fitted on X_reference; pass feature_space= "
                "(a FeatureSpace fitted on the training rows, such as a fitted "
                "generator's feature_space_) to judge such rows."
            ) from None
        inlier[found] = lof.predict(Z_cf) == 1
    return float(inlier.mean())


def recourse_score(
    X,
    X_cf,
    *,
    classifier,
    X_reference=None,
    lof=None,
    feature_space=None,
    desired_class=1,
    n_neighbors=5,
    categorical_features="auto",
    return_components=False,
):
    """Score of GenRe's Table 2: Validity + LOF - Cost / d (at most 2).

    ``d`` is the number of raw features (``X.shape[1]``); Cost is the mean
    :func:`recourse_cost` over the rows whose recourse was found, taken as 0
    when none was found (those rows already score 0 validity and 0
    plausibility).

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
        Original rows, raw units.
    X_cf : DataFrame or array-like of shape (n_samples, n_features)
        Recourse of each row; a row with any missing value is not found.
    classifier : fitted classifier
        Judge of validity (the deployed model or an oracle).
    X_reference : DataFrame or array-like, default=None
        Favourable rows for the LOF (see :func:`lof_plausibility`).
    lof : LocalOutlierFactor, default=None
        Pre-fitted novelty LOF on the encoded reference rows.
    feature_space : FeatureSpace, default=None
        Fitted feature space for both cost and LOF. Default: a space fitted on
        ``X`` for the cost and one fitted on ``X_reference`` for the LOF.
    desired_class : int or str, default=1
        The favourable class.
    n_neighbors : int, default=5
        Neighbours of the LocalOutlierFactor.
    categorical_features : "auto" or list of str or int, default="auto"
        Categorical features of the default feature spaces.
    return_components : bool, default=False
        Return ``{"cost", "validity", "lof", "score"}`` instead of the score.

    Returns
    -------
    score : float or dict
        The Score, or a dict of plain floats with its components.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_recourse import FeatureSpace
    >>> from sklearn_recourse.metrics import recourse_score
    >>> X_train = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0],
    ...                     [0.9, 0.9], [0.8, 1.0], [1.0, 0.8]])
    >>> y_train = np.array([0, 0, 0, 1, 1, 1, 1])
    >>> clf = LogisticRegression(C=100.0).fit(X_train, y_train)
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0]])
    >>> X_cf = np.array([[0.9, 0.9], [1.0, 1.0]])
    >>> recourse_score(X, X_cf, classifier=clf, X_reference=X_train[y_train == 1],
    ...                feature_space=FeatureSpace().fit(X_train), n_neighbors=2,
    ...                return_components=True)
    {'cost': 1.4, 'validity': 1.0, 'lof': 1.0, 'score': 1.3}
    """
    X, X_cf = _check_pair(X, X_cf)
    if lof is None and X_reference is None:
        raise ValueError("recourse_score needs X_reference (favourable rows) or lof for the LOF.")
    cost = recourse_cost(
        X, X_cf, feature_space=feature_space, categorical_features=categorical_features
    )
    cost = 0.0 if np.isnan(cost) else float(cost)
    valid = validity(classifier, X_cf, desired_class=desired_class)
    plausible = lof_plausibility(
        X_cf,
        X_reference,
        n_neighbors=n_neighbors,
        feature_space=feature_space,
        categorical_features=categorical_features,
        lof=lof,
    )
    score = valid + plausible - cost / X.shape[1]
    if return_components:
        return {"cost": cost, "validity": valid, "lof": plausible, "score": float(score)}
    return float(score)


def recourse_rate(classifier, X, X_cf, *, desired_class=1, kind="negative"):
    """Share of people who get the favourable outcome by following their recourse.

    A row is *flipped* when the classifier rejects it, its recourse was found
    and the classifier predicts the recourse as ``desired_class``. Rows the
    classifier already accepts count as accepted (their recourse is ignored).

    Parameters
    ----------
    classifier : fitted classifier
        The decision model, on raw rows.
    X : DataFrame or array-like of shape (n_samples, n_features)
        Original rows.
    X_cf : DataFrame or array-like of shape (n_samples, n_features)
        Recourse of each row; a row with any missing value is not found.
    desired_class : int or str, default=1
        The favourable class.
    kind : {"negative", "all"}, default="negative"
        ``"negative"``: flipped / rows predicted negative ("recourse neg" of
        Ross et al. 2021; NaN when no row is predicted negative). ``"all"``:
        (rows predicted positive + flipped) / all rows ("recourse all").

    Returns
    -------
    rate : float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_recourse.metrics import recourse_rate
    >>> clf = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    >>> X = np.array([[0.0], [0.5], [3.0], [2.5]])       # two rejected, two accepted
    >>> X_cf = np.array([[3.0], [np.nan], [3.0], [2.5]])  # one flipped, one not found
    >>> recourse_rate(clf, X, X_cf)
    0.5
    >>> recourse_rate(clf, X, X_cf, kind="all")
    0.75
    """
    if kind not in ("negative", "all"):
        raise ValueError(f"kind must be 'negative' or 'all', got {kind!r}.")
    X, X_cf = _check_pair(X, X_cf)
    if _missing_rows(X).any():
        raise ValueError("X contains missing values; only X_cf rows may be missing.")
    negative = np.asarray(classifier.predict(X)) != desired_class
    flipped = _predict_found(classifier, X_cf, negative & _found(X_cf), desired_class)
    if kind == "all":
        return float(((~negative) | flipped).mean())
    n_negative = negative.sum()
    return float(flipped.sum() / n_negative) if n_negative else float("nan")


def gower_distance(X, Y, *, feature_space=None, categorical_features="auto"):
    """Gower distance between paired rows, for mixed continuous and categorical data.

    Mean over the raw features of ``|x - y| / range`` for continuous features
    (range of ``feature_space``, or of ``X``) and of the mismatch (0 or 1) for
    categorical features. Pure numpy, vectorised over rows; works with pandas
    string, object and category columns.

    Parameters
    ----------
    X, Y : DataFrame or array-like of shape (n_samples, n_features)
        Paired rows, raw units.
    feature_space : FeatureSpace, default=None
        Fitted feature space giving ranges and categorical features (a change
        of a continuous feature it saw with a single value counts as a
        mismatch, 1). Default: one fitted on the complete rows of ``X``; a
        change of a feature that takes a single value in ``X`` is then refused
        (it has no range).
    categorical_features : "auto" or list of str or int, default="auto"
        Categorical features of the default feature space.

    Returns
    -------
    distance : ndarray of shape (n_samples,)
        Gower distance of each pair, NaN when either row has missing values.
        Within the fitted ranges it lies in [0, 1].

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_recourse.metrics import gower_distance
    >>> X = pd.DataFrame({"age": [20.0, 60.0], "job": pd.Series(["a", "b"], dtype="str")})
    >>> Y = pd.DataFrame({"age": [40.0, 60.0], "job": pd.Series(["b", None], dtype="str")})
    >>> gower_distance(X, Y)  # (0.5 + 1) / 2; second row missing
    array([0.75,  nan])
    """
    X, Y = _check_pair(X, Y, names=("X", "Y"))
    return _paired_differences(X, Y, feature_space, categorical_features, "Y").mean(axis=1)
