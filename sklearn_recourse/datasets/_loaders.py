"""Loaders for the tabular benchmarks used in the algorithmic-recourse literature.

Adult, COMPAS and German credit are shipped with the package as gzip-compressed
CSV files (see ``data/README.md`` for their sources, licences and checksums).
HELOC is distributed by FICO under its own terms and is therefore *not* shipped:
:func:`load_heloc` reads a copy that the user provides.

Every loader returns the raw feature values (categorical columns stay plain
string columns) with an integer target where 1 is always the favourable outcome,
plus the recourse metadata the estimators of this package need (categorical,
immutable, increasing-only and actionable features).
"""

import lzma
import os
import zipfile
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd
from sklearn.utils import Bunch
from sklearn.utils._param_validation import StrOptions, validate_params

_DATA_PACKAGE = "sklearn_recourse.datasets"
_TARGET_NAMES = ("unfavourable", "favourable")
_SUBSETS = ("train", "test", "all")


@dataclass(frozen=True)
class _DatasetInfo:
    """Static description of one dataset: label and recourse metadata."""

    name: str
    label: str
    categorical: tuple = ()
    immutable: tuple = ()
    increasing: tuple = ()
    # ``None`` means "every feature is actionable".
    actionable: tuple | None = None
    # Mapping from raw label values to {0, 1}; ``None`` means already 0/1.
    label_map: dict | None = None
    descr: str = ""


_ADULT = _DatasetInfo(
    name="adult",
    label="income",
    categorical=(
        "workclass",
        "marital-status",
        "occupation",
        "relationship",
        "race",
        "sex",
        "native-country",
    ),
    immutable=("race", "sex"),
    increasing=("age", "education-num"),
    actionable=("education-num", "hours-per-week"),
    descr="""\
Adult (census income), CARLA-processed version
----------------------------------------------
Source: UCI Machine Learning Repository, Adult (Becker & Kohavi, 1996),
licence CC BY 4.0; processed and split by CARLA (carla-recourse/cf-data,
commit 2d56677, MIT licence). These are the train/test files used by the GenRe
paper (Garg et al., ICLR 2025).
Subset: {subset} -- {n_rows} rows, {n_features} features, {n_pos} favourable.
Label ``income``: 1 = income > 50K (favourable), 0 = income <= 50K.
Split: train 36,624 rows, test 12,208 rows; "all" is train then test.
Categorical features are binarised strings (e.g. Private / Non-Private).
Metadata: immutable race, sex; age and education-num can only increase;
actionable features (Ross et al., NeurIPS 2021, Appendix A.3): education-num
(increase only) and hours-per-week.
""",
)

_COMPAS = _DatasetInfo(
    name="compas",
    label="score",
    categorical=("two_year_recid", "c_charge_degree", "race", "sex"),
    immutable=("race", "sex"),
    increasing=("age",),
    actionable=("priors_count",),
    descr="""\
COMPAS recidivism risk, CARLA-processed version
-----------------------------------------------
Source: ProPublica, "How we analyzed the COMPAS recidivism algorithm" (2016),
Broward County data; processed and split by CARLA (carla-recourse/cf-data,
commit 2d56677, MIT licence). These are the train/test files used by the GenRe
paper (Garg et al., ICLR 2025).
Subset: {subset} -- {n_rows} rows, {n_features} features, {n_pos} favourable.
Label ``score``: the binarised COMPAS risk score, 1 = favourable outcome,
0 = unfavourable outcome.
Split: train 4,629 rows, test 1,543 rows; "all" is train then test.
Categorical features: two_year_recid (stored as 0/1 integers),
c_charge_degree, race, sex (binarised strings).
Metadata: immutable race, sex; age can only increase; actionable feature
(Ross et al., NeurIPS 2021, Appendix A.3): priors_count.
""",
)

# Columns of the decoded German credit file that hold 0/1 indicators.
_GERMAN_INDICATORS = (
    "ForeignWorker",
    "Single",
    "HasTelephone",
    "CheckingAccountBalance_geq_0",
    "CheckingAccountBalance_geq_200",
    "SavingsAccountBalance_geq_100",
    "SavingsAccountBalance_geq_500",
    "MissedPayments",
    "NoCurrentLoan",
    "CriticalAccountOrLoansElsewhere",
    "OtherLoansAtBank",
    "OtherLoansAtStore",
    "HasCoapplicant",
    "HasGuarantor",
    "OwnsHouse",
    "RentsHouse",
    "Unemployed",
    "YearsAtCurrentJob_lt_1",
    "YearsAtCurrentJob_geq_4",
    "JobClassIsSkilled",
)

_GERMAN = _DatasetInfo(
    name="german",
    label="GoodCustomer",
    categorical=("Gender", "PurposeOfLoan", *_GERMAN_INDICATORS),
    immutable=("Gender", "ForeignWorker"),
    increasing=("Age",),
    actionable=("Age", "LoanAmount"),
    label_map={1: 1, -1: 0},
    descr="""\
German credit (Statlog), decoded version
----------------------------------------
Source: UCI Machine Learning Repository, Statlog (German Credit Data)
(Hofmann, 1994), licence CC BY 4.0; decoded into readable columns by the
charmlab/recourse_benchmarks repository (MIT licence).
{n_rows} rows, {n_features} features, {n_pos} favourable (good customers).
Label ``GoodCustomer``: 1 = good credit risk (favourable), 0 = bad credit
risk (the file's -1 is mapped to 0). No official train/test split.
Categorical features: Gender, PurposeOfLoan (strings) and the 0/1 indicator
columns (kept as integers).
Metadata: immutable Gender, ForeignWorker; Age can only increase; actionable
features (Ross et al., NeurIPS 2021, Appendix A.3): Age (increase only) and
LoanAmount. Note: the column Credit is an exact copy of LoanAmount in the
source file, and OtherLoansAtStore is constant (0); drop them if your model
or recourse method needs non-redundant features.
""",
)

_HELOC = _DatasetInfo(
    name="heloc",
    label="RiskPerformance",
    descr="""\
HELOC (FICO Explainable Machine Learning Challenge), CARLA-processed version
---------------------------------------------------------------------------
Source: FICO's home equity line of credit data, used under FICO's own terms
(not redistributable, hence not shipped with this package); processed and
split by CARLA (carla-recourse/cf-data, MIT licence for the processing).
File: {filename}
{n_rows} rows, {n_features} features, {n_pos} favourable.
Label ``RiskPerformance``: 1 = good (favourable), 0 = bad.
All features are numeric; none is immutable and no paper restricts the
actionable set, so every feature is declared actionable.
""",
)


def _shipped_frame(stem):
    """Read ``data/<stem>.csv.gz`` shipped inside the package."""
    ref = resources.files(_DATA_PACKAGE) / "data" / f"{stem}.csv.gz"
    with resources.as_file(ref) as path:
        return pd.read_csv(path, compression="infer")


def _shipped_split(name, subset):
    """Read the CARLA train/test files of ``name`` for ``subset``."""
    if subset == "all":
        parts = [_shipped_frame(f"{name}_train"), _shipped_frame(f"{name}_test")]
        return pd.concat(parts, axis=0, ignore_index=True)
    return _shipped_frame(f"{name}_{subset}")


def _binary_target(column, label_map, source):
    """Return ``column`` as an int64 Series of 0/1, raising on other values."""
    if label_map is not None:
        mapped = column.map(label_map)
    else:
        mapped = column
    unexpected = pd.unique(column[mapped.isna() | ~mapped.isin([0, 1])])
    if len(unexpected):
        allowed = sorted(label_map) if label_map is not None else [0, 1]
        raise ValueError(
            f"The label column {column.name!r} of {source} must only contain "
            f"the values {allowed}; found {unexpected.tolist()[:5]}."
        )
    return mapped.astype("int64")


def _make_bunch(frame, info, *, return_X_y, as_frame, source, **extra):
    """Split ``frame`` into features and target and package the result.

    Shared by every loader: validates the label, builds the metadata lists
    (fresh copies, so that callers can modify them) and honours
    ``return_X_y`` / ``as_frame`` like scikit-learn's loaders.
    """
    if info.label not in frame.columns:
        raise ValueError(
            f"The label column {info.label!r} is missing from {source}; found "
            f"columns {list(frame.columns)}."
        )
    target = _binary_target(frame[info.label], info.label_map, source)
    data = frame.drop(columns=info.label)
    feature_names = list(data.columns)

    declared = info.categorical + info.immutable + info.increasing
    declared += info.actionable or ()
    missing = [c for c in dict.fromkeys(declared) if c not in feature_names]
    if missing:
        raise ValueError(
            f"{source} lacks the feature(s) {missing} expected for the "
            f"{info.name} dataset."
        )
    actionable = feature_names if info.actionable is None else info.actionable

    fmt = dict(
        n_rows=f"{len(data):,}",
        n_features=data.shape[1],
        n_pos=f"{int(target.sum()):,}",
        **extra,
    )
    descr = info.descr.format(**fmt)

    if as_frame:
        full = pd.concat([data, target], axis=1)
    else:
        data = data.to_numpy()
        target = target.to_numpy()
        full = None

    if return_X_y:
        return data, target

    return Bunch(
        data=data,
        target=target,
        frame=full,
        feature_names=feature_names,
        target_names=list(_TARGET_NAMES),
        categorical_features=list(info.categorical),
        immutable_features=list(info.immutable),
        increasing_features=list(info.increasing),
        actionable_features=list(actionable),
        DESCR=descr,
        **extra,
    )


_RETURNS_DOC = """\
    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : {{DataFrame, ndarray}} of shape ({n_rows}, {n_features})
            The features, raw values. Categorical columns are plain string
            columns (0/1 indicators stay integers). With ``as_frame=False``
            an ndarray, of dtype object when some columns hold strings.
        target : {{Series, ndarray}} of shape ({n_rows},)
            The label as integers, 1 = favourable outcome, 0 = unfavourable.
            The Series is named after the label column ``{label!r}``.
        frame : DataFrame of shape ({n_rows}, {n_columns}) or None
            ``data`` and ``target`` together; None when ``as_frame=False``.
        feature_names : list of str
            The names of the feature columns.
        target_names : list of str
            ``["unfavourable", "favourable"]``, the meanings of 0 and 1.
        categorical_features : list of str
            Features to treat as categorical (e.g. to one-hot encode).
        immutable_features : list of str
            Features a recourse must leave unchanged.
        increasing_features : list of str
            Features that can only increase.
        actionable_features : list of str
            The features the recourse is allowed to change.
        DESCR : str
            Description of the dataset: source, licence, size, label.{extra}

    (data, target) : tuple if ``return_X_y`` is True
        ``data`` and ``target`` as described above."""

_SUBSET_RETURN = """
        subset : str
            The subset that was loaded."""

_HELOC_RETURN = """
        filename : str
            The path of the file that was read."""


def _returns_doc(n_rows, n_features, label, extra=""):
    return _RETURNS_DOC.format(
        n_rows=n_rows,
        n_features=n_features,
        n_columns=n_features + 1,
        label=label,
        extra=extra,
    )


_COMMON_PARAMS_DOC = """\
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch object.

    as_frame : bool, default=True
        If True, ``data`` is a pandas DataFrame and ``target`` a pandas Series.
        If False, both are NumPy arrays and ``frame`` is None."""

_SUBSET_PARAM_DOC = """\
    subset : {"train", "test", "all"}, default="all"
        Which rows to load: CARLA's training split, its test split, or both
        (training rows then test rows, re-indexed from 0)."""


@validate_params(
    {
        "subset": [StrOptions(set(_SUBSETS))],
        "return_X_y": ["boolean"],
        "as_frame": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_adult(*, subset="all", return_X_y=False, as_frame=True):
    """Load the Adult census income dataset (binary classification).

    Predict whether a person earns more than 50K a year. This is the version
    processed and split by CARLA, as used by the GenRe paper: 13 raw features
    (6 numeric, 7 binarised categorical strings). The data are shipped with the
    package, no download is needed.

    ==============   ======================================
    Samples total    48,832 (train 36,624 + test 12,208)
    Features         13 (numeric and categorical strings)
    Label            ``income``: 1 = > 50K (favourable)
    Immutable        race, sex
    Actionable       education-num (increase only), hours-per-week
    ==============   ======================================

    Parameters
    ----------
{subset}

{common}

{returns}

    See Also
    --------
    load_compas : The COMPAS recidivism dataset.
    load_german : The German credit dataset.
    load_heloc : The HELOC dataset (file provided by the user).

    Notes
    -----
    Source: UCI Adult (CC BY 4.0), processed by CARLA (carla-recourse/cf-data,
    MIT). ``actionable_features`` follows Appendix A.3 of Ross, Lakkaraju and
    Bastani, "Learning Models for Actionable Recourse" (NeurIPS 2021).

    Examples
    --------
    >>> from sklearn_recourse.datasets import load_adult
    >>> adult = load_adult(subset="train")
    >>> adult.data.shape
    (36624, 13)
    >>> adult.target.name, sorted(adult.target.unique().tolist())
    ('income', [0, 1])
    >>> adult.immutable_features
    ['race', 'sex']
    >>> X, y = load_adult(return_X_y=True)
    >>> X.shape, y.shape
    ((48832, 13), (48832,))
    """
    frame = _shipped_split("adult", subset)
    return _make_bunch(
        frame,
        _ADULT,
        return_X_y=return_X_y,
        as_frame=as_frame,
        source=f"the shipped Adult {subset} data",
        subset=subset,
    )


@validate_params(
    {
        "subset": [StrOptions(set(_SUBSETS))],
        "return_X_y": ["boolean"],
        "as_frame": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_compas(*, subset="all", return_X_y=False, as_frame=True):
    """Load the COMPAS recidivism risk dataset (binary classification).

    Predict the (binarised) COMPAS risk score of a defendant. This is the
    version processed and split by CARLA, as used by the GenRe paper: 7 raw
    features. The data are shipped with the package, no download is needed.

    ==============   ======================================
    Samples total    6,172 (train 4,629 + test 1,543)
    Features         7 (numeric and categorical)
    Label            ``score``: 1 = favourable
    Immutable        race, sex
    Actionable       priors_count
    ==============   ======================================

    Parameters
    ----------
{subset}

{common}

{returns}

    See Also
    --------
    load_adult : The Adult census income dataset.
    load_german : The German credit dataset.
    load_heloc : The HELOC dataset (file provided by the user).

    Notes
    -----
    Source: ProPublica's COMPAS analysis data, processed by CARLA
    (carla-recourse/cf-data, MIT). The categorical feature ``two_year_recid``
    is stored as 0/1 integers; the other categorical features are strings.
    ``actionable_features`` follows Appendix A.3 of Ross, Lakkaraju and
    Bastani, "Learning Models for Actionable Recourse" (NeurIPS 2021).

    Examples
    --------
    >>> from sklearn_recourse.datasets import load_compas
    >>> compas = load_compas()
    >>> compas.frame.shape
    (6172, 8)
    >>> compas.categorical_features
    ['two_year_recid', 'c_charge_degree', 'race', 'sex']
    >>> compas.actionable_features
    ['priors_count']
    >>> X_test, y_test = load_compas(subset="test", return_X_y=True, as_frame=False)
    >>> X_test.shape, y_test.dtype
    ((1543, 7), dtype('int64'))
    """
    frame = _shipped_split("compas", subset)
    return _make_bunch(
        frame,
        _COMPAS,
        return_X_y=return_X_y,
        as_frame=as_frame,
        source=f"the shipped COMPAS {subset} data",
        subset=subset,
    )


@validate_params(
    {"return_X_y": ["boolean"], "as_frame": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_german(*, return_X_y=False, as_frame=True):
    """Load the German credit dataset (binary classification).

    Predict whether a loan applicant is a good credit risk. This is the
    decoded 1,000 x 31 version of UCI's Statlog German credit data from the
    charmlab/recourse_benchmarks repository: readable column names, with
    ``Gender`` and ``PurposeOfLoan`` as strings and the other categorical
    attributes as 0/1 indicator columns. The data are shipped with the
    package, no download is needed. There is no official train/test split.

    ==============   ======================================
    Samples total    1,000 (700 good, 300 bad)
    Features         30 (numeric and categorical)
    Label            ``GoodCustomer``: 1 = good (favourable)
    Immutable        Gender, ForeignWorker
    Actionable       Age (increase only), LoanAmount
    ==============   ======================================

    Parameters
    ----------
{common}

{returns}

    See Also
    --------
    load_adult : The Adult census income dataset.
    load_compas : The COMPAS recidivism dataset.

    Notes
    -----
    Source: UCI Statlog (German Credit Data), CC BY 4.0, decoded by
    charmlab/recourse_benchmarks (MIT). The file's label is 1 (good) / -1
    (bad); it is mapped to 1 / 0. The column ``Credit`` is an exact copy of
    ``LoanAmount`` and ``OtherLoansAtStore`` is constant; both are kept so
    that the features match the source file.

    ``actionable_features`` follows Appendix A.3 of Ross, Lakkaraju and
    Bastani, "Learning Models for Actionable Recourse" (NeurIPS 2021): age
    (which can only increase) and the credit amount given by the bank.

    Examples
    --------
    >>> from sklearn_recourse.datasets import load_german
    >>> german = load_german()
    >>> german.data.shape
    (1000, 30)
    >>> german.target.value_counts().sort_index().tolist()
    [300, 700]
    >>> german.immutable_features, german.actionable_features
    (['Gender', 'ForeignWorker'], ['Age', 'LoanAmount'])
    """
    frame = _shipped_frame("german")
    return _make_bunch(
        frame,
        _GERMAN,
        return_X_y=return_X_y,
        as_frame=as_frame,
        source="the shipped German credit data",
    )


@validate_params(
    {"path": [str, os.PathLike], "return_X_y": ["boolean"], "as_frame": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_heloc(path, *, return_X_y=False, as_frame=True):
    """Load the HELOC dataset from a file you provide (binary classification).

    Predict whether a home equity line of credit applicant repaid (FICO's
    Explainable Machine Learning Challenge). FICO's licence does not allow
    redistribution, so this dataset is **not** shipped with the package: pass
    the path of CARLA's processed ``heloc.csv``, ``heloc_train.csv`` or
    ``heloc_test.csv`` (21 numeric features and the 0/1 label
    ``RiskPerformance``). Compressed files (``.gz``, ``.zip``, ...) are read
    transparently.

    ==============   ======================================
    Samples total    9,871 (train 7,403 + test 2,468)
    Features         21 (numeric)
    Label            ``RiskPerformance``: 1 = good (favourable)
    Immutable        none
    Actionable       all features
    ==============   ======================================

    Parameters
    ----------
    path : str or path-like
        Path of a CARLA-processed HELOC CSV file.

{common}

{returns}

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    IsADirectoryError
        If ``path`` is a directory.
    ValueError
        If the file cannot be read as CSV, holds no rows, has a feature that
        is not numeric, lacks the ``RiskPerformance`` column, or its label
        holds values other than 0 and 1 (e.g. FICO's raw "Good"/"Bad" file).

    See Also
    --------
    load_adult : The Adult census income dataset.
    load_compas : The COMPAS recidivism dataset.

    Notes
    -----
    Every column other than ``RiskPerformance`` is returned as a feature.
    CARLA declares no immutable HELOC feature and the recourse papers do not
    restrict the actionable set, so ``actionable_features`` lists every
    feature and ``immutable_features`` is empty.

    Examples
    --------
    With your copy of the data::

        heloc = load_heloc("path/to/heloc.csv")

    A self-contained example on a tiny file with the same layout:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn_recourse.datasets import load_heloc
    >>> tiny = Path(tempfile.mkdtemp()) / "heloc_tiny.csv"
    >>> _ = tiny.write_text(
    ...     "ExternalRiskEstimate,NumTotalTrades,RiskPerformance\\n"
    ...     "82.0,10.0,1.0\\n"
    ...     "61.0,25.0,0.0\\n"
    ... )
    >>> heloc = load_heloc(tiny)
    >>> heloc.data.shape, heloc.target.tolist()
    ((2, 2), [1, 0])
    >>> heloc.actionable_features
    ['ExternalRiskEstimate', 'NumTotalTrades']
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"No HELOC file at '{path}'. HELOC cannot be shipped with "
            "sklearn-recourse (FICO licence): pass the path of your copy of "
            "CARLA's processed heloc.csv, heloc_train.csv or heloc_test.csv."
        )
    if path.is_dir():
        raise IsADirectoryError(
            f"'{path}' is a directory; pass the path of a HELOC CSV file "
            "(e.g. heloc.csv) instead."
        )
    try:
        frame = pd.read_csv(path, compression="infer")
    except (ValueError, EOFError, OSError, zlib.error, lzma.LZMAError, zipfile.BadZipFile) as exc:
        # undecodable bytes, an empty or ragged file, a broken compressed file
        # (bz2 and gzip say so with an OSError without errno); a system error
        # such as PermissionError stays itself
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        raise ValueError(f"Cannot read '{path}' as a HELOC CSV file: {exc}") from exc
    if frame.empty:
        raise ValueError(f"'{path}' holds no HELOC rows (columns {list(frame.columns)}).")
    text = [
        c
        for c in frame.columns
        if c != _HELOC.label and not pd.api.types.is_numeric_dtype(frame[c])
    ]
    if text:
        raise ValueError(
            f"'{path}': every HELOC feature is numeric, but column(s) {text} hold "
            "other values; pass CARLA's processed file."
        )
    return _make_bunch(
        frame,
        _HELOC,
        return_X_y=return_X_y,
        as_frame=as_frame,
        source=f"'{path}'",
        filename=str(path),
    )


def _fill_docstrings():
    """Insert the shared Parameters/Returns sections into the docstrings."""
    specs = [
        (load_adult, 48832, 13, "income", _SUBSET_RETURN),
        (load_compas, 6172, 7, "score", _SUBSET_RETURN),
        (load_german, 1000, 30, "GoodCustomer", ""),
        (load_heloc, "n_samples", 21, "RiskPerformance", _HELOC_RETURN),
    ]
    for func, n_rows, n_features, label, extra in specs:
        if func.__doc__ is None:  # python -OO strips docstrings
            continue
        func.__doc__ = func.__doc__.format(
            subset=_SUBSET_PARAM_DOC,
            common=_COMMON_PARAMS_DOC,
            returns=_returns_doc(n_rows, n_features, label, extra),
        )


_fill_docstrings()
