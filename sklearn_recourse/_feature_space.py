"""The feature space every recourse method works in.

Raw rows (the user's units and categories) are encoded to a numeric *model
space*: continuous features min-max scaled to [0, 1] over the training range,
categorical features one-hot (or one 0/1 column for two-valued features).
The same object decodes back, projects encoded rows onto the set of rows a
person could actually reach, and measures the L1 cost of a change.
"""

import numbers

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ._validation import check_raw_X, is_dataframe


def _feature_indices(spec, n_features, names, param):
    """Resolve a list of column names or integer positions to a boolean mask."""
    mask = np.zeros(n_features, dtype=bool)
    if spec is None:
        return mask
    if isinstance(spec, (str, numbers.Integral)):
        spec = [spec]
    for item in spec:
        if isinstance(item, (bool, np.bool_)):
            raise ValueError(f"{param} must list column names or positions, got {spec!r}.")
        if isinstance(item, numbers.Integral):
            if not -n_features <= item < n_features:
                raise ValueError(
                    f"{param}: position {item} is out of range for {n_features} features."
                )
            mask[item] = True
        elif isinstance(item, str):
            if names is None:
                raise ValueError(
                    f"{param} names column {item!r} but X has no column names; "
                    "pass integer positions or a DataFrame."
                )
            hits = np.flatnonzero(names == item)
            if hits.size == 0:
                raise ValueError(
                    f"{param}: unknown feature {item!r}; X has columns {list(names)}."
                )
            mask[hits[0]] = True
        else:
            raise ValueError(f"{param} must list column names or positions, got {item!r}.")
    return mask


def same_kinds(space, other):
    """Whether two fitted spaces read every raw feature as the same kind
    (continuous or categorical): the condition of ``linear_map_to``."""
    return space.n_features_in_ == other.n_features_in_ and np.array_equal(
        space.categorical_, other.categorical_
    )


def bound_pair(key, bound):
    """``feature_bounds[key]`` as (low, high), each a float or None (a clear error otherwise)."""
    try:
        lo, hi = bound
    except (TypeError, ValueError):
        raise ValueError(
            f"feature_bounds[{key!r}] must be a pair (low, high), got {bound!r}."
        ) from None
    for end, value in (("low", lo), ("high", hi)):
        if value is not None and (
            isinstance(value, (bool, np.bool_))
            or not isinstance(value, numbers.Real)
            or np.isnan(value)
        ):
            raise ValueError(
                f"feature_bounds[{key!r}] must hold numbers or None, got {end} {value!r}."
            )
    return tuple(None if value is None else float(value) for value in (lo, hi))


def _is_categorical_column(values, dtype):
    if dtype is not None:  # pandas column
        if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype):
            return True
        return not pd.api.types.is_numeric_dtype(dtype)
    if values.dtype.kind in "OUS":
        return any(
            isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) for v in values
        )
    return values.dtype.kind == "b"


class FeatureSpace(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Encode raw rows to model space, decode them back, and keep changes feasible.

    Shared by every recourse method of the package. ``transform`` encodes,
    ``inverse_transform`` decodes, :meth:`project` maps encoded candidate rows
    onto the feasible set of the row they start from, and :meth:`cost` is the
    L1 cost of a change.

    Parameters
    ----------
    categorical_features : "auto" or list of str or int, default="auto"
        Features treated as categorical. ``"auto"`` takes the columns whose
        dtype is not numeric (object, string including pandas 3's default
        ``str`` dtype, category) or bool; in an object array, the columns
        holding non-numbers. In this and the lists below a string names a
        column and an integer is a position, as in scikit-learn's
        ``ColumnTransformer``, even for a DataFrame whose column labels are
        integers.
    immutable_features : list of str or int, default=None
        Features a person cannot change (race, sex, ...). Projection copies
        them from the original row.
    increasing_features : list of str or int, default=None
        Continuous features that can only grow (age, education level).
    decreasing_features : list of str or int, default=None
        Continuous features that can only shrink.
    feature_bounds : dict, default=None
        ``{feature: (low, high)}`` in raw units for continuous features;
        ``None`` for either end means the training minimum or maximum.
        Features not listed are bounded by their training range. A row's own
        value is always allowed, so leaving a feature unchanged is feasible:
        a row's range is the bounds widened to include its value, so a row
        outside them may stay or move towards them, never further out.
    categorical_encoding : {"binary", "onehot"}, default="binary"
        ``"onehot"``: one 0/1 column per category. ``"binary"``: a feature
        with two categories is a single 0/1 column (1 = the second of
        ``categories_``) and features with more categories are one-hot. A
        feature with a single category is one constant 0 column either way.

    Attributes
    ----------
    n_features_in_ : int
        Number of raw features.
    feature_names_in_ : ndarray of str
        Raw column names, when fitted on a DataFrame.
    categorical_ : ndarray of bool
        Which raw features are categorical.
    immutable_, increasing_, decreasing_ : ndarray of bool
        The constraints as masks over raw features.
    categories_ : list of ndarray or None
        Categories of each categorical feature in sorted order, or in the
        dtype's own order for a pandas Categorical (None for continuous).
    data_min_, data_range_ : ndarray
        Training minimum and range of continuous features (NaN for categorical;
        a constant feature gets range 1 so that it encodes to 0, and
        :meth:`cost` counts any change of it as 1).
    lower_bound_, upper_bound_ : ndarray
        Feasible bounds of continuous features in encoded units.
    integer_ : ndarray of bool
        Continuous features of integer dtype (in an object array: columns of
        integers, not whole-valued floats), decoded and projected to whole numbers.
    columns_ : list of ndarray
        Encoded columns of each raw feature.
    encoded_feature_ : ndarray of int
        Raw feature of each encoded column.
    cost_weights_ : ndarray
        Per encoded column weight of the L1 cost: 1 for continuous and single
        binary columns, 0.5 for one-hot columns so that a changed category
        costs 1 however it is encoded.
    n_encoded_features_ : int
        Width of the model space.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_recourse import FeatureSpace
    >>> X = pd.DataFrame({"age": [20, 40, 60], "sex": ["F", "M", "F"],
    ...                   "job": ["a", "b", "c"]})
    >>> fs = FeatureSpace(immutable_features=["sex"], increasing_features=["age"]).fit(X)
    >>> Z = fs.transform(X)
    >>> Z[0]
    array([0., 0., 1., 0., 0.])
    >>> fs.inverse_transform(Z).equals(X)
    True
    >>> wish = Z.copy()
    >>> wish[:, 0] = 0.0   # younger: not allowed
    >>> wish[:, 1] = 1.0   # other sex: immutable
    >>> fs.inverse_transform(fs.project(wish, Z)).equals(X)
    True
    >>> fs.cost(Z[[0]], Z[[1]])   # age +0.5 of the range, sex and job changed
    array([2.5])
    """

    _parameter_constraints = {
        "categorical_features": [StrOptions({"auto"}), list, tuple, None],
        "immutable_features": [list, tuple, None],
        "increasing_features": [list, tuple, None],
        "decreasing_features": [list, tuple, None],
        "feature_bounds": [dict, None],
        "categorical_encoding": [StrOptions({"binary", "onehot"})],
    }

    def __init__(
        self,
        *,
        categorical_features="auto",
        immutable_features=None,
        increasing_features=None,
        decreasing_features=None,
        feature_bounds=None,
        categorical_encoding="binary",
    ):
        self.categorical_features = categorical_features
        self.immutable_features = immutable_features
        self.increasing_features = increasing_features
        self.decreasing_features = decreasing_features
        self.feature_bounds = feature_bounds
        self.categorical_encoding = categorical_encoding

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn ranges, categories and constraints from raw training rows.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Raw training rows.
        y : None
            Ignored.

        Returns
        -------
        self : FeatureSpace
        """
        X = check_raw_X(self, X, reset=True)
        n = X.shape[1]
        names = getattr(self, "feature_names_in_", None)
        self._frame_dtypes = X.dtypes.copy() if is_dataframe(X) else None
        self._frame_columns = X.columns.copy() if is_dataframe(X) else None
        self._array_dtype = None if is_dataframe(X) else X.dtype

        if isinstance(self.categorical_features, str):  # "auto"
            self.categorical_ = np.array(
                [_is_categorical_column(*self._column(X, j)) for j in range(n)], dtype=bool
            )
        else:
            self.categorical_ = _feature_indices(
                self.categorical_features, n, names, "categorical_features"
            )
        self.immutable_ = _feature_indices(self.immutable_features, n, names, "immutable_features")
        self.increasing_ = _feature_indices(
            self.increasing_features, n, names, "increasing_features"
        )
        self.decreasing_ = _feature_indices(
            self.decreasing_features, n, names, "decreasing_features"
        )
        both = self.increasing_ & self.decreasing_
        if both.any():
            raise ValueError(
                f"Features {self._names(both)} are both increasing and decreasing; "
                "list them in immutable_features instead."
            )
        monotone_cat = (self.increasing_ | self.decreasing_) & self.categorical_
        if monotone_cat.any():
            raise ValueError(
                f"Features {self._names(monotone_cat)} are categorical and cannot be "
                "increasing or decreasing; only continuous features have a direction."
            )

        self.categories_ = []
        self.data_min_ = np.full(n, np.nan)
        self.data_range_ = np.full(n, np.nan)
        self.integer_ = np.zeros(n, dtype=bool)
        self._data_max = np.full(n, np.nan)
        self._object_ints = np.zeros(n, dtype=bool)
        dtype_limits = {}  # integer columns: what decoding can cast back to
        for j in range(n):
            values, dtype = self._column(X, j)
            if self.categorical_[j]:
                if isinstance(dtype, pd.CategoricalDtype):
                    cats = np.asarray(dtype.categories, dtype=object)
                else:
                    cats = np.asarray(pd.unique(pd.Series(values)), dtype=object)
                    try:
                        cats = np.array(sorted(cats), dtype=object)
                    except TypeError:  # mixed types: sort by text
                        cats = np.array(sorted(cats, key=str), dtype=object)
                self.categories_.append(cats)
            else:
                numeric = self._to_float(values, j)
                self.categories_.append(None)
                lo, hi = numeric.min(), numeric.max()
                with np.errstate(over="ignore"):
                    overflows = not np.isfinite(hi - lo)
                if overflows:
                    raise ValueError(
                        f"Feature {self._name(j)!r} spans {lo:g} to "
                        f"{hi:g}, a range that overflows float64, so it cannot be min-max "
                        "scaled. Rescale it (for example to other units) before fitting."
                    )
                self.data_min_[j] = lo
                self.data_range_[j] = hi - lo if hi > lo else 1.0
                self._data_max[j] = hi
                kind = (dtype if dtype is not None else values.dtype).kind
                # in an object array the values' own types stand for the dtype:
                # a column of ints is an integer feature (and decodes to Python
                # ints again), whole-valued floats stay floats as in a float array
                self._object_ints[j] = kind == "O" and all(
                    isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))
                    for v in values
                )
                self.integer_[j] = kind in "iu" or self._object_ints[j]
                if kind in "iu":
                    own = dtype if dtype is not None else values.dtype
                    info = np.iinfo(getattr(own, "numpy_dtype", own))
                    dtype_limits[j] = (float(info.min), float(info.max), str(own))
        self._dtype_limits = dtype_limits
        self._fit_bounds(names, dtype_limits)
        self._build_columns()
        return self

    def _fit_bounds(self, names, dtype_limits):
        n = self.n_features_in_
        low = np.where(self.categorical_, np.nan, self.data_min_)
        # the training maximum: a constant feature's range is 1 only for scaling
        high = np.where(self.categorical_, np.nan, self._data_max)
        for key, bound in (self.feature_bounds or {}).items():
            j = np.flatnonzero(_feature_indices([key], n, names, "feature_bounds"))[0]
            if self.categorical_[j]:
                raise ValueError(f"feature_bounds: {key!r} is categorical and has no bounds.")
            lo, hi = bound_pair(key, bound)
            low[j] = low[j] if lo is None else lo
            high[j] = high[j] if hi is None else hi
            if j in dtype_limits:
                dmin, dmax, dname = dtype_limits[j]
                if low[j] < dmin or high[j] > dmax:
                    raise ValueError(
                        f"feature_bounds[{key!r}] = {bound!r} lies outside what the "
                        f"column's dtype {dname} can hold ({dmin:.0f} to {dmax:.0f}); "
                        "recourse there could not be returned in that dtype. Narrow the "
                        "bounds or widen the column's dtype."
                    )
        # whole-number features get whole-number bounds
        low = np.where(self.integer_, np.ceil(low), low)
        high = np.where(self.integer_, np.floor(high), high)
        bad = ~self.categorical_ & ~(low <= high)
        if bad.any():
            raise ValueError(
                f"feature_bounds give an empty range for {self._names(bad)}: low > high."
            )
        self.lower_bound_ = (low - self.data_min_) / self.data_range_
        self.upper_bound_ = (high - self.data_min_) / self.data_range_
        self._raw_low, self._raw_high = low, high

    def _build_columns(self):
        columns, owner, weights, start = [], [], [], 0
        for j in range(self.n_features_in_):
            cats = self.categories_[j]
            if cats is None or (self.categorical_encoding == "binary" and len(cats) <= 2):
                width, w = 1, 1.0
            else:
                width, w = len(cats), 0.5
            columns.append(np.arange(start, start + width))
            owner += [j] * width
            weights += [w] * width
            start += width
        self.columns_ = columns
        self.encoded_feature_ = np.array(owner, dtype=int)
        self.cost_weights_ = np.array(weights)
        self.n_encoded_features_ = start
        self._onehot = np.array([len(c) > 1 for c in columns])
        self._continuous_cols = np.flatnonzero(
            ~self.categorical_[self.encoded_feature_]
        )
        # continuous features seen with one value have no range to measure a
        # change in: any change of them costs 1, as a changed category does
        self._single_valued = ~self.categorical_ & (self._data_max <= self.data_min_)
        self._single_valued_cols = np.flatnonzero(self._single_valued[self.encoded_feature_])
        # one lookup index per categorical feature, kept so that its hash table
        # is built once and not on every transform (a tenth of a one-row transform)
        self._category_index = [
            None if cats is None else pd.Index(cats, dtype=object) for cats in self.categories_
        ]

    # ------------------------------------------------------------- helpers
    @staticmethod
    def _column(X, j):
        if is_dataframe(X):
            col = X.iloc[:, j]
            return col.to_numpy(), col.dtype
        return X[:, j], None

    def _names(self, mask):
        names = getattr(self, "feature_names_in_", None)
        idx = np.flatnonzero(mask)
        return [str(names[i]) for i in idx] if names is not None else [int(i) for i in idx]

    def _name(self, j):
        """Name (or position) of feature j, as error messages show it."""
        return self._names(np.arange(self.n_features_in_) == j)[0]

    def _to_float(self, values, j):
        try:
            out = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(
                f"Feature {self._name(j)} was "
                "treated as continuous but holds non-numeric values; list it in "
                "categorical_features."
            ) from None
        if not np.isfinite(out).all():
            raise ValueError(f"Input X contains NaN or infinity in feature {j}.")
        return out

    # ------------------------------------------------------ encode / decode
    def transform(self, X):
        """Encode raw rows to the model space.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Raw rows with the columns seen in ``fit``.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_encoded_features)
            A DataFrame after ``set_output(transform="pandas")``.
        """
        check_is_fitted(self)
        X = check_raw_X(self, X, reset=False)
        Z = np.zeros((X.shape[0], self.n_encoded_features_))
        for j, cols in enumerate(self.columns_):
            values, _ = self._column(X, j)
            cats = self.categories_[j]
            if cats is None:
                Z[:, cols[0]] = (self._to_float(values, j) - self.data_min_[j]) / self.data_range_[j]
                continue
            codes = self._codes(values, j)
            if len(cols) == 1:
                Z[:, cols[0]] = codes
            else:
                Z[np.arange(X.shape[0]), cols[codes]] = 1.0
        if getattr(self, "_sklearn_output_config", {}).get("transform") == "pandas":
            index = X.index if is_dataframe(X) else None
            return pd.DataFrame(Z, columns=self.get_feature_names_out(), index=index)
        return Z

    def set_output(self, *, transform=None):
        """Choose the container ``transform`` returns.

        Only this explicit setting counts: the global
        ``sklearn.set_config(transform_output=...)`` is ignored, because the
        recourse methods work on the encoded arrays of their own feature space.

        Parameters
        ----------
        transform : {"default", "pandas"} or None, default=None
            ``"pandas"``: a DataFrame with the columns of
            :meth:`get_feature_names_out` (and the index of a DataFrame input);
            ``"default"``: an ndarray; ``None``: unchanged.

        Returns
        -------
        self : FeatureSpace
        """
        if transform is None:
            return self
        if transform not in ("default", "pandas"):
            raise ValueError(
                f"FeatureSpace.set_output supports transform='default' or 'pandas', "
                f"got {transform!r}."
            )
        self._sklearn_output_config = {"transform": transform}
        return self

    def _check_whole_numbers(self, X):
        """Refuse fractional values of raw rows ``X`` in features that held
        whole numbers in fit: recourse decodes such features to whole
        numbers, so a fractional value could not be kept (an immutable would
        change) or only raised (an increasing feature could round down).
        """
        for j in np.flatnonzero(self.integer_):
            values = self._to_float(self._column(X, j)[0], j)
            fractional = values != np.round(values)
            if fractional.any():
                name = self._name(j)
                raise ValueError(
                    f"Feature {name!r} held whole numbers in fit, but X has fractional "
                    f"values such as {float(values[fractional][0])!r}; round them, or fit on "
                    "data with a float column."
                )

    def _codes(self, values, j):
        cats = self.categories_[j]
        # get_indexer marks unknown values -1 (pd.Categorical warns on them in pandas 3)
        codes = self._category_index[j].get_indexer(np.asarray(values, dtype=object))
        if (codes < 0).any():
            # the values themselves, shown with repr, so that 1 and "1" are told apart
            unknown = sorted(set(np.asarray(values, dtype=object)[codes < 0].tolist()), key=str)
            name = self._name(j)
            raise ValueError(
                f"Feature {name!r} has categories not seen in fit: {unknown[:10]}; "
                f"known categories are {list(cats)}."
            )
        return codes.astype(int)

    def inverse_transform(self, Z, index=None):
        """Decode model-space rows back to raw units and categories.

        Categorical blocks decode to their largest entry (a single binary
        column to its nearer category); integer features are rounded.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_encoded_features)
            Encoded rows without missing values.
        index : pandas Index, default=None
            Index of the returned DataFrame when the space was fitted on one.

        Returns
        -------
        X : DataFrame or ndarray of shape (n_samples, n_features)
            Same container, columns and dtypes as the training data.

        Raises
        ------
        ValueError
            When a row decodes an integer feature to a number its dtype
            cannot hold (only rows not projected with :meth:`project` can).
        """
        check_is_fitted(self)
        Z = self._check_encoded(Z)
        out = {}
        for j, cols in enumerate(self.columns_):
            out[j] = self._decode_feature(Z, j, cols)
        if self._frame_dtypes is not None:
            frame = pd.DataFrame(dict(enumerate(out.values())), index=index)
            frame.columns = self._frame_columns
            return frame.astype(self._frame_dtypes)
        dtype = self._array_dtype
        X = np.empty((Z.shape[0], self.n_features_in_), dtype=dtype)
        for j in range(self.n_features_in_):
            X[:, j] = out[j]
        return X

    def _decode_feature(self, Z, j, cols):
        cats = self.categories_[j]
        if cats is None:
            z = Z[:, cols[0]]
            raw = self.data_min_[j] + z * self.data_range_[j]
            # a value within the bounds in the encoded space stays within them
            # in raw units (the scaling alone can overshoot a bound by an ulp);
            # a value beyond a bound (a row outside it keeps its own) is left alone
            tol = 1e-9
            inside = (z >= self.lower_bound_[j] - tol) & (z <= self.upper_bound_[j] + tol)
            raw = np.where(inside, np.clip(raw, self._raw_low[j], self._raw_high[j]), raw)
            if not self.integer_[j]:
                return self._within_bounds_in_dtype(raw, inside, j)
            raw = np.round(raw)
            if self._object_ints[j]:  # an object column of Python ints, in array or frame
                if not np.isfinite(raw).all():
                    name = self._name(j)
                    raise ValueError(
                        f"Z decodes feature {name!r} to an infinite value; project the rows "
                        "onto the feasible set first (project)."
                    )
                out = np.empty(len(raw), dtype=object)
                out[:] = [int(v) for v in raw]  # exact, and unbounded like Python ints
                return out
            return self._within_dtype(raw, j)
        if len(cols) == 1:
            codes = (Z[:, cols[0]] >= 0.5).astype(int) if len(cats) > 1 else np.zeros(len(Z), int)
        else:
            codes = np.argmax(Z[:, cols], axis=1)
        return cats[codes]

    def _within_bounds_in_dtype(self, raw, inside, j):
        """Clipped values of float feature j as its (narrower) float dtype holds
        them: rounding 60.7 to float32 gives 60.70000076, above a bound of 60.7,
        so such values step one float of that dtype back inside. (A row's own
        float32 60.70000076 then decodes to 60.69999695: the bound wins over the
        round trip; the generators hand back unchanged features as given.)"""
        dtype = (
            self._frame_dtypes.iloc[j] if self._frame_dtypes is not None else self._array_dtype
        )
        dtype = getattr(dtype, "numpy_dtype", dtype)  # pandas' nullable Float32 too
        if not (isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize < 8):
            return raw
        with np.errstate(over="ignore"):
            held = raw.astype(dtype)
        low, high = self._raw_low[j], self._raw_high[j]
        above = inside & (held > high)
        below = inside & (held < low)
        held[above] = np.nextafter(held[above], dtype.type(-np.inf))
        held[below] = np.nextafter(held[below], dtype.type(np.inf))
        return np.where(above | below, held.astype(float), raw)

    def _within_dtype(self, values, j):
        """Decoded whole numbers of feature j, refused where its integer dtype
        cannot hold them (numpy would wrap them around); only rows that were
        not projected get there."""
        if j not in self._dtype_limits:
            return values
        low, high, dtype = self._dtype_limits[j]
        outside = (values < low) | (values > high)
        if outside.any():
            name = self._name(j)
            raise ValueError(
                f"Z decodes feature {name!r} to {float(values[outside][0]):g}, which its "
                f"dtype {dtype} cannot hold; project the rows onto the feasible set "
                "first (project), or widen the column's dtype."
            )
        # float(2**63 - 1) is 2**63, one past int64 (and so for uint64): step
        # down to the largest float the dtype holds
        return np.minimum(values, high if high < 2.0**53 else np.nextafter(high, 0.0))

    def _check_encoded(self, Z, name="Z"):
        Z = np.asarray(Z, dtype=float)
        if Z.ndim != 2 or Z.shape[1] != self.n_encoded_features_:
            raise ValueError(
                f"{name} must have shape (n_samples, {self.n_encoded_features_}) "
                f"in the encoded space, got {Z.shape}."
            )
        if not np.isfinite(Z).all():
            raise ValueError(f"{name} contains NaN or infinity.")
        return Z

    def _check_origin(self, Z_origin, Z):
        """Origin rows of the candidates ``Z``: as many rows, or one row broadcast."""
        Z0 = np.asarray(Z_origin, dtype=float)
        if Z0.ndim == 1:
            Z0 = Z0[None, :]
        if Z0.shape[0] == 1:
            Z0 = np.broadcast_to(Z0, (Z.shape[0], Z0.shape[1]))
        Z0 = self._check_encoded(Z0, "Z_origin")
        if Z0.shape[0] != Z.shape[0]:
            raise ValueError(
                f"Z_origin must have one row or as many rows as Z ({Z.shape[0]}), got "
                f"{Z0.shape[0]}."
            )
        return Z0

    def get_feature_names_out(self, input_features=None):
        """Names of the encoded columns: ``feature`` or ``feature=category``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            The raw feature names; if given, they must equal the names seen
            in ``fit`` (``x0``, ``x1``, ... for an array).

        Returns
        -------
        names : ndarray of str of shape (n_encoded_features,)
            A feature with a single category is one constant 0 column named
            after the feature alone.
        """
        check_is_fitted(self)
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            names = np.array([f"x{j}" for j in range(self.n_features_in_)], dtype=object)
        if input_features is not None and list(input_features) != list(names):
            raise ValueError(
                f"input_features {list(input_features)} are not the features seen in fit "
                f"{list(names)}."
            )
        out = []
        for j, cols in enumerate(self.columns_):
            cats = self.categories_[j]
            if cats is None or len(cats) == 1:
                out.append(str(names[j]))
            elif len(cols) == 1:
                out.append(f"{names[j]}={cats[-1]}")
            else:
                out += [f"{names[j]}={c}" for c in cats]
        return np.asarray(out, dtype=object)

    # ------------------------------------------------------------ feasibility
    def bounds_for(self, Z_origin):
        """Per-row feasible box of continuous encoded columns.

        Returns ``(low, high)`` arrays of shape (n_samples, n_encoded_features),
        NaN on categorical columns: the training/user bounds widened to
        include the row's own value, narrowed by direction constraints, and
        collapsed to the row's value for immutables.

        Parameters
        ----------
        Z_origin : array-like of shape (n_samples, n_encoded_features)
            Encoded rows.

        Returns
        -------
        low, high : ndarray of shape (n_samples, n_encoded_features)
        """
        check_is_fitted(self)
        Z0 = self._check_encoded(Z_origin, "Z_origin")
        owner = self.encoded_feature_
        low = np.broadcast_to(self.lower_bound_[owner], Z0.shape).copy()
        high = np.broadcast_to(self.upper_bound_[owner], Z0.shape).copy()
        cont = self._continuous_cols
        low[:, cont] = np.minimum(low[:, cont], Z0[:, cont])
        high[:, cont] = np.maximum(high[:, cont], Z0[:, cont])
        inc = self.increasing_[owner] | self.immutable_[owner]
        dec = self.decreasing_[owner] | self.immutable_[owner]
        low[:, inc] = np.where(np.isnan(low[:, inc]), np.nan, Z0[:, inc])
        high[:, dec] = np.where(np.isnan(high[:, dec]), np.nan, Z0[:, dec])
        return low, high

    def project(self, Z, Z_origin):
        """Map candidate rows onto the set reachable from their origin rows.

        Immutable features are copied from ``Z_origin``, continuous features
        clipped to bounds and direction (integer features to whole numbers),
        and each categorical block set to one valid category.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_encoded_features)
            Candidate rows in the encoded space.
        Z_origin : array-like of shape (n_samples, n_encoded_features) or (n_encoded_features,)
            The rows the candidates start from (one row is broadcast).

        Returns
        -------
        Z_feasible : ndarray of shape (n_samples, n_encoded_features)
            A new array; the inputs are not modified.
        """
        check_is_fitted(self)
        Z = self._check_encoded(Z).copy()
        Z0 = self._check_origin(Z_origin, Z)
        cont = self._continuous_cols
        low, high = self.bounds_for(Z0)
        Zc = np.clip(Z[:, cont], low[:, cont], high[:, cont])
        ints = self.integer_[self.encoded_feature_[cont]]
        if ints.any():
            j = self.encoded_feature_[cont][ints]
            raw = np.round(self.data_min_[j] + Zc[:, ints] * self.data_range_[j])
            Zc[:, ints] = np.clip(
                (raw - self.data_min_[j]) / self.data_range_[j], low[:, cont][:, ints],
                high[:, cont][:, ints],
            )
        Z[:, cont] = Zc
        for j, cols in enumerate(self.columns_):
            if not self.categorical_[j]:
                continue
            if self.immutable_[j]:
                Z[:, cols] = Z0[:, cols]
            elif len(cols) == 1:
                Z[:, cols[0]] = (Z[:, cols[0]] >= 0.5) if len(self.categories_[j]) > 1 else 0.0
            else:
                hard = np.zeros((Z.shape[0], len(cols)))
                hard[np.arange(Z.shape[0]), np.argmax(Z[:, cols], axis=1)] = 1.0
                Z[:, cols] = hard
        return Z

    def is_feasible(self, Z, Z_origin, atol=1e-9):
        """Whether each candidate row is reachable from its origin row.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_encoded_features)
            Candidate rows in the encoded space.
        Z_origin : array-like of shape (n_samples, n_encoded_features)
            The rows they start from.
        atol : float, default=1e-9
            Tolerance on continuous bounds.

        Returns
        -------
        feasible : ndarray of bool of shape (n_samples,)
        """
        check_is_fitted(self)
        Z = self._check_encoded(Z)
        Z0 = self._check_origin(Z_origin, Z)
        low, high = self.bounds_for(Z0)
        cont = self._continuous_cols
        ok = np.all(
            (Z[:, cont] >= low[:, cont] - atol) & (Z[:, cont] <= high[:, cont] + atol), axis=1
        )
        for j, cols in enumerate(self.columns_):
            if not self.categorical_[j]:
                continue
            block = Z[:, cols]
            if len(cols) == 1:
                valid = np.isin(block[:, 0], [0.0, 1.0] if len(self.categories_[j]) > 1 else [0.0])
            else:
                valid = np.isin(block, [0.0, 1.0]).all(axis=1) & (block.sum(axis=1) == 1)
            ok &= valid
            if self.immutable_[j]:
                ok &= np.all(block == Z0[:, cols], axis=1)
        return ok

    # ------------------------------------------------------------------ cost
    def cost(self, Z, Z_other):
        """L1 cost of moving from ``Z`` to ``Z_other``, row by row.

        Continuous features count their change in units of the training
        range; a changed categorical feature costs 1 however it is encoded,
        and so does a changed continuous feature that took a single value in
        training (it has no range, and raw units would make the cost depend on
        the feature's units).

        Parameters
        ----------
        Z, Z_other : array-like of shape (n_samples, n_encoded_features)
            Encoded rows; a single row of either is compared with every row
            of the other.

        Returns
        -------
        cost : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        Z = self._check_encoded(Z)
        Z_other = self._check_encoded(Z_other, "Z_other")
        if Z.shape[0] != Z_other.shape[0] and 1 not in (Z.shape[0], Z_other.shape[0]):
            raise ValueError(
                f"Z and Z_other must have the same number of rows (or one of them a "
                f"single row), got {Z.shape[0]} and {Z_other.shape[0]}."
            )
        change = np.abs(Z - Z_other)
        single = self._single_valued_cols
        # encoded as x - min, so the change is in raw units here
        change[:, single] = self._single_valued_change(
            change[:, single], self.encoded_feature_[single]
        )
        return change @ self.cost_weights_

    def _single_valued_change(self, change, j):
        """Cost of raw changes ``|x - y|`` of continuous features ``j`` seen with a
        single value: 1 for a change, 0 for none or a rounding error of decoding."""
        return change > 1e-9 * (1.0 + np.abs(self.data_min_[j]))

    def cost_embedding(self, Z):
        """Rows scaled so that the Manhattan distance between them is :meth:`cost`.

        The one exception is a continuous feature that took a single value in
        training: its change counts in raw units here but costs 1 in
        :meth:`cost` (rows within the training bounds never differ in it).

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_encoded_features)
            Encoded rows.

        Returns
        -------
        embedded : ndarray of shape (n_samples, n_encoded_features)
        """
        check_is_fitted(self)
        return self._check_encoded(Z) * self.cost_weights_

    def immutable_groups(self, Z):
        """Integer id per row of its combination of immutable feature values.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_encoded_features)
            Encoded rows.

        Returns
        -------
        ids : ndarray of int of shape (n_samples,)
            Rows with equal ids share every immutable value.
        """
        check_is_fitted(self)
        Z = self._check_encoded(Z)
        cols = np.concatenate(
            [self.columns_[j] for j in np.flatnonzero(self.immutable_)] or [np.array([], int)]
        )
        if cols.size == 0:
            return np.zeros(len(Z), dtype=int)
        _, ids = np.unique(Z[:, cols], axis=0, return_inverse=True)
        return ids.ravel()

    # ------------------------------------------------------ linear relations
    def linear_map_to(self, other):
        """Affine map ``Z_other = Z @ W.T + c`` from this encoding to ``other``'s.

        Exact for continuous features without integer rounding and for
        one-hot blocks read as category probabilities, so a model fitted
        behind ``other`` can be differentiated with respect to this space.

        Parameters
        ----------
        other : FeatureSpace
            A fitted space over the same raw features.

        Returns
        -------
        W : ndarray of shape (n_other_encoded, n_encoded_features)
        c : ndarray of shape (n_other_encoded,)
        """
        check_is_fitted(self)
        check_is_fitted(other)
        if other.n_features_in_ != self.n_features_in_:
            raise ValueError("Both feature spaces must describe the same raw features.")
        W = np.zeros((other.n_encoded_features_, self.n_encoded_features_))
        c = np.zeros(other.n_encoded_features_)
        for j in range(self.n_features_in_):
            mine, theirs = self.columns_[j], other.columns_[j]
            if self.categories_[j] is None:
                if other.categories_[j] is not None:
                    raise ValueError(f"Feature {j} is continuous here but categorical there.")
                scale = self.data_range_[j] / other.data_range_[j]
                W[theirs[0], mine[0]] = scale
                c[theirs[0]] = (self.data_min_[j] - other.data_min_[j]) / other.data_range_[j]
                continue
            if other.categories_[j] is None:
                raise ValueError(f"Feature {j} is categorical here but continuous there.")
            # category probabilities p = A z + b over this space's categories
            cats = self.categories_[j]
            A = np.zeros((len(cats), len(mine)))
            b = np.zeros(len(cats))
            if len(mine) > 1:
                A[:] = np.eye(len(cats))
            elif len(cats) == 2:
                A[0, 0], b[0], A[1, 0] = -1.0, 1.0, 1.0
            else:
                b[0] = 1.0
            # their columns read the probability of their categories
            ocats = list(other.categories_[j])
            if len(theirs) > 1:
                M = np.array([[float(oc == cat) for cat in cats] for oc in ocats])
            else:
                M = np.array([[float(len(ocats) == 2 and cat == ocats[1]) for cat in cats]])
            W[np.ix_(theirs, mine)] = M @ A
            c[theirs] = M @ b
        return W, c

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.input_tags.allow_nan = False
        return tags
