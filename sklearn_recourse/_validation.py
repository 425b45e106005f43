"""Input validation shared by every estimator of the package.

Recourse is computed for *raw* rows: DataFrames with string categories stay
DataFrames (the user's classifier may be a Pipeline that needs them), so the
checks here validate without converting, unlike ``check_array``.
"""

import contextlib
import functools
import numbers
import warnings

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, validate_data


def is_dataframe(X):
    return isinstance(X, pd.DataFrame)


def take_rows(X, rows):
    """Rows of a DataFrame or array, by boolean mask or positions (a new object)."""
    rows = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows)
    return X.iloc[rows] if is_dataframe(X) else X[rows]


def blank_rows(X, rows):
    """X with the masked rows set to NaN (the "no recourse found" signal).

    NumPy integer columns become float and bool columns object, since they
    cannot hold NaN; pandas' nullable dtypes (Int64, boolean, ...) keep
    theirs and hold <NA>. Returns a new object unless no row is masked.
    """
    rows = np.asarray(rows, dtype=bool)
    if not rows.any():
        return X
    if is_dataframe(X):
        columns = {}
        for col in X.columns:
            s = X[col]
            if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu":
                s = s.astype(float)
            elif isinstance(s.dtype, np.dtype) and s.dtype.kind == "b":
                s = s.astype(object)
            s = s.copy()
            s.iloc[np.flatnonzero(rows)] = np.nan
            columns[col] = s
        return pd.DataFrame(columns, index=X.index)
    X = X.astype(float) if X.dtype.kind in "iub" else X.copy()
    X[rows] = np.nan
    return X


def check_raw_X(estimator, X, *, reset):
    """Validate a raw feature matrix and record/check its shape and names.

    Returns a DataFrame (unchanged, never copied) or a 2-D ndarray whose
    dtype is numeric, or object when some columns hold strings.
    """
    if is_dataframe(X):
        if X.shape[0] < 1:
            raise ValueError(
                f"Found array with 0 sample(s) (shape={X.shape}) while a minimum "
                f"of 1 is required by {type(estimator).__name__}."
            )
        if X.shape[1] < 1:
            raise ValueError(
                f"Found array with 0 feature(s) (shape={X.shape}) while a minimum "
                f"of 1 is required by {type(estimator).__name__}."
            )
        unsupported = [
            c
            for c, dt in X.dtypes.items()
            if pd.api.types.is_datetime64_any_dtype(dt)
            or pd.api.types.is_timedelta64_dtype(dt)
            or pd.api.types.is_complex_dtype(dt)
        ]
        if unsupported:
            raise ValueError(
                f"Columns {unsupported} have a datetime, timedelta or complex dtype, "
                "which recourse cannot change; convert them to numbers first."
            )
    else:
        if isinstance(X, (list, tuple)):
            X = _rows_as_array(X)
        X = check_array(X, dtype=None, ensure_all_finite=False, estimator=estimator)
        if X.dtype.kind == "c":  # check_array already refuses complex; keep explicit
            raise ValueError("Complex data not supported.")
    validate_data(estimator, X, reset=reset, skip_check_array=True)
    _check_frame_columns(estimator, X, reset)
    _check_finite(X)
    return X


@contextlib.contextmanager
def feature_names_checked():
    """Silence repeats of scikit-learn's feature-name warnings.

    Used after ``check_raw_X`` has checked the rows' names against fit: the
    feature space and classifier fitted on the same rows would otherwise
    repeat its warning under their own names.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="X (does not have valid|has) feature names", category=UserWarning
        )
        yield


def _rows_as_array(rows):
    """A list of rows as numpy reads it, except that rows mixing numbers and
    strings become an object array: numpy would turn the numbers into text,
    and every feature would look categorical."""
    try:
        values = np.asarray(rows)
    except ValueError:  # ragged rows: check_array explains
        return rows
    if values.dtype.kind in "US":
        objects = np.asarray(rows, dtype=object)
        if not all(isinstance(v, (str, bytes)) for v in objects.flat):
            return objects
    return values


def _check_frame_columns(estimator, X, reset):
    """Record the columns of a fitted DataFrame; refuse others in transform.

    scikit-learn checks string column names only; a DataFrame with integer
    (or mixed) labels in another order would otherwise be read by position.
    """
    columns = list(X.columns) if is_dataframe(X) else None
    if reset:
        estimator._fit_columns = columns
        return
    fitted = getattr(estimator, "_fit_columns", None)
    if columns is None or fitted is None or columns == fitted:
        return
    if all(isinstance(c, str) for c in fitted) and not all(isinstance(c, str) for c in columns):
        return  # scikit-learn has warned that X has no valid feature names
    raise ValueError(
        f"X has columns {columns}, but {type(estimator).__name__} was fitted on "
        f"columns {fitted}; pass the columns of fit, in the same order."
    )


def _check_finite(X):
    missing = pd.isna(X) if is_dataframe(X) else pd.isna(pd.DataFrame(X))
    missing = np.asarray(missing)
    if missing.any():
        cols = np.flatnonzero(missing.any(axis=0))
        names = [X.columns[c] for c in cols] if is_dataframe(X) else cols.tolist()
        raise ValueError(
            f"Input X contains NaN (missing values) in feature(s) {names}; "
            "impute or drop them before computing recourse."
        )
    if is_dataframe(X):
        numeric = X.select_dtypes(include="number")
        values = numeric.to_numpy(dtype=float) if numeric.shape[1] else None
        names = list(numeric.columns)
    elif X.dtype.kind in "fiub":
        values, names = X.astype(float, copy=False), None
    else:
        return  # object arrays: infinities are caught when the columns are parsed
    if values is not None and np.isinf(values).any():
        cols = np.flatnonzero(np.isinf(values).any(axis=0))
        where = [names[c] for c in cols] if names is not None else cols.tolist()
        raise ValueError(f"Input X contains infinity in feature(s) {where}.")


def check_y_shape(estimator, y, n_samples, *, warn=False):
    """y as a 1-D array of n_samples labels (a column vector is raveled, with a
    DataConversionWarning when ``warn``), or a clear error."""
    from sklearn.utils.validation import column_or_1d

    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None."
        )
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=warn)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-dimensional, got an array of shape {y.shape}.")
    if y.shape[0] != n_samples:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: "
            f"X has {n_samples} rows and y has {y.shape[0]}."
        )
    return y


def check_binary_target(estimator, y, n_samples, desired_class):
    """Validate y for a recourse generator; return a boolean 'favourable' mask."""
    y = check_y_shape(estimator, y, n_samples)
    if pd.isna(y).any():
        raise ValueError("Input y contains NaN.")
    kind = type_of_target(y, input_name="y")
    if kind not in ("binary", "multiclass"):
        raise ValueError(
            f"Unknown label type: y must hold class labels (desired_class = favourable); "
            f"got target type {kind!r}."
        )
    classes = np.unique(y)
    if classes.shape[0] < 2:
        raise ValueError(
            f"y has only one class ({classes.tolist()[0]!r}): recourse needs both favourable and "
            "unfavourable rows (one class given)."
        )
    favourable = y == desired_class
    if not favourable.any():
        raise ValueError(
            f"No favourable rows: desired_class={desired_class!r} does not occur in y "
            f"(classes found: {classes.tolist()})."
        )
    return favourable


def check_desired_class(classifier, desired_class):
    """Refuse a fitted classifier that has no class ``desired_class``.

    Without this, "predicted desired_class" is silently never true.
    Classifiers without ``classes_`` are taken on trust.
    """
    classes = getattr(classifier, "classes_", None)
    if classes is None:
        return
    classes = np.asarray(classes).tolist()
    if desired_class not in classes:
        raise ValueError(
            f"desired_class={desired_class!r} is not a class of the classifier "
            f"{type(classifier).__name__} (its classes_: {classes})."
        )


def check_positive_integer(value, name):
    """``value`` as an int; bools, non-integers and values below 1 are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def fit_or_reset(fit):
    """Decorate ``fit`` so that a failed fit leaves the estimator unfitted.

    Without this, the attributes set before the failure (or left by an earlier
    successful fit) would make the estimator look fitted and fail later with
    an error from inside torch or an ``AttributeError``.
    """

    @functools.wraps(fit)
    def wrapper(estimator, *args, **kwargs):
        try:
            return fit(estimator, *args, **kwargs)
        except BaseException:
            for name in list(vars(estimator)):
                if name.endswith("_") and not name.startswith("__"):
                    delattr(estimator, name)
            raise

    return wrapper
