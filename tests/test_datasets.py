"""Tests for sklearn_recourse.datasets."""

import bz2
import gzip
import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.utils import Bunch

import sklearn_recourse.datasets as datasets
from sklearn_recourse.datasets import load_adult, load_compas, load_german, load_heloc

DATA_DIR = Path(datasets.__file__).resolve().parent / "data"

# shipped file -> original under ../shared/data
SHIPPED = {
    "adult_train.csv.gz": "carla/adult_train.csv",
    "adult_test.csv.gz": "carla/adult_test.csv",
    "compas_train.csv.gz": "carla/compas_train.csv",
    "compas_test.csv.gz": "carla/compas_test.csv",
    "german.csv.gz": "german/german_raw.csv",
}

LABELS = {load_adult: "income", load_compas: "score", load_german: "GoodCustomer"}
SPLIT_LOADERS = [load_adult, load_compas]
SHIPPED_LOADERS = [load_adult, load_compas, load_german]

HELOC_FEATURES = 21


def _name(loader):
    return loader.__name__


@pytest.mark.parametrize(
    "loader, kwargs, n_rows, n_features",
    [
        (load_adult, {"subset": "train"}, 36_624, 13),
        (load_adult, {"subset": "test"}, 12_208, 13),
        (load_adult, {"subset": "all"}, 48_832, 13),
        (load_adult, {}, 48_832, 13),
        (load_compas, {"subset": "train"}, 4_629, 7),
        (load_compas, {"subset": "test"}, 1_543, 7),
        (load_compas, {"subset": "all"}, 6_172, 7),
        (load_compas, {}, 6_172, 7),
        (load_german, {}, 1_000, 30),
    ],
    ids=lambda v: _name(v) if callable(v) else str(v),
)
def test_shapes(loader, kwargs, n_rows, n_features):
    bunch = loader(**kwargs)
    assert isinstance(bunch, Bunch)
    assert bunch.data.shape == (n_rows, n_features)
    assert bunch.target.shape == (n_rows,)
    assert bunch.frame.shape == (n_rows, n_features + 1)
    assert len(bunch.feature_names) == n_features
    if loader in SPLIT_LOADERS:
        assert bunch.subset == kwargs.get("subset", "all")


@pytest.mark.parametrize("loader", SHIPPED_LOADERS, ids=_name)
def test_target_is_binary_int_named_after_label(loader):
    bunch = loader()
    label = LABELS[loader]
    assert bunch.target.name == label
    assert bunch.target.dtype == np.int64
    assert set(bunch.target.unique()) == {0, 1}
    assert label not in bunch.data.columns
    assert list(bunch.data.columns) == bunch.feature_names
    assert list(bunch.frame.columns) == bunch.feature_names + [label]
    pd.testing.assert_frame_equal(bunch.frame[bunch.feature_names], bunch.data)
    pd.testing.assert_series_equal(bunch.frame[label], bunch.target)
    assert bunch.target_names == ["unfavourable", "favourable"]


def test_favourable_counts():
    # the favourable class is the minority in Adult and the majority in
    # COMPAS and German: catches an inverted label or a wrong mapping
    assert load_adult().target.sum() == 11_687
    assert load_compas().target.sum() == 5_028
    assert load_german().target.value_counts().to_dict() == {1: 700, 0: 300}


@pytest.mark.parametrize("loader", SPLIT_LOADERS, ids=_name)
def test_all_is_train_then_test(loader):
    train, test, full = (loader(subset=s) for s in ("train", "test", "all"))
    n_train = len(train.data)
    pd.testing.assert_index_equal(full.frame.index, pd.RangeIndex(len(full.frame)))
    pd.testing.assert_frame_equal(full.frame.iloc[:n_train], train.frame)
    pd.testing.assert_frame_equal(
        full.frame.iloc[n_train:].reset_index(drop=True), test.frame
    )


@pytest.mark.parametrize("loader", SHIPPED_LOADERS, ids=_name)
def test_metadata_lists_are_subsets_of_columns(loader):
    bunch = loader()
    columns = set(bunch.data.columns)
    for key in (
        "categorical_features",
        "immutable_features",
        "increasing_features",
        "actionable_features",
    ):
        values = bunch[key]
        assert isinstance(values, list), key
        assert set(values) <= columns, key
        assert len(values) == len(set(values)), key
    assert bunch.actionable_features, "a recourse needs something to change"
    assert not set(bunch.immutable_features) & set(bunch.actionable_features)


@pytest.mark.parametrize(
    "loader, immutable, increasing, actionable",
    [
        (load_adult, ["race", "sex"], ["age", "education-num"],
         ["education-num", "hours-per-week"]),
        (load_compas, ["race", "sex"], ["age"], ["priors_count"]),
        (load_german, ["Gender", "ForeignWorker"], ["Age"], ["Age", "LoanAmount"]),
    ],
    ids=lambda v: _name(v) if callable(v) else None,
)  # fmt: skip
def test_metadata_values(loader, immutable, increasing, actionable):
    bunch = loader()
    assert bunch.immutable_features == immutable
    assert bunch.increasing_features == increasing
    assert bunch.actionable_features == actionable


@pytest.mark.parametrize(
    "loader, categorical",
    [
        (load_adult, {"workclass", "marital-status", "occupation", "relationship",
                      "race", "sex", "native-country"}),
        (load_compas, {"two_year_recid", "c_charge_degree", "race", "sex"}),
    ],
    ids=lambda v: _name(v) if callable(v) else None,
)  # fmt: skip
def test_categorical_features(loader, categorical):
    assert set(loader().categorical_features) == categorical


@pytest.mark.parametrize("loader", SHIPPED_LOADERS, ids=_name)
def test_categorical_columns_keep_raw_values(loader):
    bunch = loader()
    data, categorical = bunch.data, set(bunch.categorical_features)
    for column, dtype in data.dtypes.items():
        assert not isinstance(dtype, pd.CategoricalDtype), column
        if not pd.api.types.is_numeric_dtype(dtype):
            # every string column is declared categorical and holds strings
            assert column in categorical, column
            assert all(isinstance(v, str) for v in data[column].unique()), column


def test_compas_two_year_recid_stays_integer():
    data = load_compas().data
    assert pd.api.types.is_integer_dtype(data["two_year_recid"])
    assert set(data["two_year_recid"].unique()) == {0, 1}
    assert set(data["c_charge_degree"].unique()) == {"F", "M"}


def test_german_categorical_indicators():
    bunch = load_german()
    data, categorical = bunch.data, set(bunch.categorical_features)
    assert {"Gender", "PurposeOfLoan"} <= categorical
    for column in data.columns:
        values = set(data[column].unique())
        is_indicator = pd.api.types.is_integer_dtype(data[column]) and values <= {0, 1}
        if is_indicator:
            assert column in categorical, f"0/1 column {column} not categorical"
        elif column in categorical:
            assert data[column].dtype.kind not in "iuf", column
    # counts and amounts are numeric, not categorical
    assert not {"Age", "LoanAmount", "LoanDuration"} & categorical


def test_german_label_mapping_matches_source(shared_data_dir):
    raw = pd.read_csv(shared_data_dir / "german" / "german_raw.csv")
    bunch = load_german()
    np.testing.assert_array_equal(
        bunch.target.to_numpy(), (raw["GoodCustomer"] == 1).astype(int).to_numpy()
    )
    assert set(raw["GoodCustomer"].unique()) == {1, -1}
    pd.testing.assert_frame_equal(bunch.data, raw.drop(columns="GoodCustomer"))


@pytest.mark.parametrize("loader", SHIPPED_LOADERS, ids=_name)
def test_return_X_y(loader):
    bunch = loader()
    result = loader(return_X_y=True)
    assert isinstance(result, tuple) and len(result) == 2
    X, y = result
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    pd.testing.assert_frame_equal(X, bunch.data)
    pd.testing.assert_series_equal(y, bunch.target)


@pytest.mark.parametrize("loader", SHIPPED_LOADERS, ids=_name)
def test_as_frame_false(loader):
    reference = loader()
    bunch = loader(as_frame=False)
    assert bunch.frame is None
    assert isinstance(bunch.data, np.ndarray) and isinstance(bunch.target, np.ndarray)
    # every dataset here has string columns -> object array of raw values
    assert bunch.data.dtype == object
    assert bunch.data.shape == reference.data.shape
    assert bunch.target.dtype == np.int64
    np.testing.assert_array_equal(bunch.target, reference.target.to_numpy())
    first = reference.data.iloc[0].tolist()
    assert bunch.data[0].tolist() == first
    assert bunch.feature_names == reference.feature_names

    X, y = loader(as_frame=False, return_X_y=True)
    assert isinstance(X, np.ndarray) and isinstance(y, np.ndarray)
    assert X.shape == reference.data.shape and y.dtype == np.int64


@pytest.mark.parametrize(
    "loader, expected",
    [
        (load_adult, ["CC BY 4.0", "MIT", "48,832", "income"]),
        (load_compas, ["ProPublica", "MIT", "6,172", "score"]),
        (load_german, ["CC BY 4.0", "MIT", "1,000", "GoodCustomer"]),
    ],
    ids=lambda v: _name(v) if callable(v) else None,
)
def test_descr(loader, expected):
    descr = loader().DESCR
    for text in expected:
        assert text in descr, text


def test_descr_reports_the_subset():
    assert "36,624 rows" in load_adult(subset="train").DESCR.split("Split:")[0]
    assert "1,543 rows" in load_compas(subset="test").DESCR.split("Split:")[0]


@pytest.mark.parametrize("loader", SPLIT_LOADERS, ids=_name)
@pytest.mark.parametrize("subset", ["validation", "Train", "", None])
def test_invalid_subset(loader, subset):
    with pytest.raises(ValueError, match="subset") as excinfo:
        loader(subset=subset)
    for allowed in ("train", "test", "all"):
        assert f"'{allowed}'" in str(excinfo.value)


@pytest.mark.parametrize("loader", SHIPPED_LOADERS, ids=_name)
@pytest.mark.parametrize("param", ["return_X_y", "as_frame"])
def test_invalid_flags(loader, param):
    with pytest.raises(ValueError, match=param):
        loader(**{param: "yes"})


def test_metadata_lists_are_fresh_copies():
    first = load_adult(subset="test")
    first.immutable_features.append("age")
    first.actionable_features.clear()
    second = load_adult(subset="test")
    assert second.immutable_features == ["race", "sex"]
    assert second.actionable_features == ["education-num", "hours-per-week"]


# --- shipped files -----------------------------------------------------------


def test_shipped_files_and_no_heloc():
    shipped = sorted(p.name for p in DATA_DIR.iterdir() if p.suffix == ".gz")
    assert shipped == sorted(SHIPPED)
    # FICO's licence forbids shipping HELOC, in any form
    assert not [p for p in DATA_DIR.rglob("*") if "heloc" in p.name.lower()]


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_gzip_is_reproducible(name):
    header = (DATA_DIR / name).read_bytes()[:10]
    assert header[:3] == b"\x1f\x8b\x08"  # gzip, deflate
    flags, mtime = header[3], header[4:8]
    assert flags & 0x08 == 0, "original file name stored (use gzip -n)"
    assert mtime == b"\x00\x00\x00\x00", "timestamp stored (use gzip -n)"


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_md5_documented(name):
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    row = re.search(rf"^\| {re.escape(name)} \|.*\| ([0-9a-f]{{32}}) \|$", readme, re.M)
    assert row, f"{name} missing from data/README.md"
    content = gzip.decompress((DATA_DIR / name).read_bytes())
    assert hashlib.md5(content).hexdigest() == row.group(1)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_content_equals_shared_csv(shared_data_dir, name):
    original = (shared_data_dir / SHIPPED[name]).read_bytes()
    assert gzip.decompress((DATA_DIR / name).read_bytes()) == original


# --- HELOC -------------------------------------------------------------------


@pytest.mark.parametrize(
    "filename, n_rows",
    [("heloc.csv", 9_871), ("heloc_train.csv", 7_403), ("heloc_test.csv", 2_468)],
)
def test_heloc_loads_from_shared(shared_data_dir, filename, n_rows):
    path = shared_data_dir / "carla" / filename
    bunch = load_heloc(path)
    assert bunch.data.shape == (n_rows, HELOC_FEATURES)
    assert bunch.target.name == "RiskPerformance"
    assert bunch.target.dtype == np.int64
    assert set(bunch.target.unique()) == {0, 1}
    assert all(pd.api.types.is_float_dtype(dt) for dt in bunch.data.dtypes)
    assert bunch.categorical_features == []
    assert bunch.immutable_features == []
    assert bunch.increasing_features == []
    assert bunch.actionable_features == bunch.feature_names
    assert bunch.filename == str(path)
    assert f"{n_rows:,} rows" in bunch.DESCR

    X, y = load_heloc(str(path), return_X_y=True, as_frame=False)
    assert X.dtype == np.float64 and X.shape == (n_rows, HELOC_FEATURES)
    np.testing.assert_array_equal(y, bunch.target.to_numpy())


def test_heloc_missing_file(tmp_path):
    path = tmp_path / "nowhere" / "heloc.csv"
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        load_heloc(path)


def test_heloc_directory(tmp_path):
    with pytest.raises(IsADirectoryError, match=re.escape(str(tmp_path))):
        load_heloc(tmp_path)


@pytest.mark.parametrize(
    "content, match",
    [
        (b"\x8d\x01\xff\xfe garbage", "as a HELOC CSV file"),
        (b"", "as a HELOC CSV file: No columns to parse"),
        (b"A,RiskPerformance\n1,0\n2,1,7,8\n", "as a HELOC CSV file"),
        (b"A,RiskPerformance\n", "holds no HELOC rows"),
        (b"A,B,RiskPerformance\n1,x,0\n2,y,1\n", r"column\(s\) \['B'\] hold other values"),
    ],
)
def test_heloc_unreadable_file_is_named(tmp_path, content, match):
    path = tmp_path / "heloc_bad.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match) as info:
        load_heloc(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("suffix, compress", [("gz", gzip.compress), ("bz2", bz2.compress)])
def test_heloc_broken_compressed_file_is_named(tmp_path, suffix, compress):
    path = tmp_path / f"heloc_bad.csv.{suffix}"
    path.write_bytes(compress(b"A,RiskPerformance\n1,0\n")[:-12])  # truncated
    with pytest.raises(ValueError, match="as a HELOC CSV file") as info:
        load_heloc(path)
    assert str(path) in str(info.value)


def test_heloc_missing_label_column(tmp_path):
    path = tmp_path / "no_label.csv"
    path.write_text("ExternalRiskEstimate,NumTotalTrades\n82.0,10.0\n61.0,25.0\n")
    with pytest.raises(ValueError, match="'RiskPerformance' is missing"):
        load_heloc(path)


def test_heloc_non_binary_label(tmp_path):
    # FICO's raw file spells the label out; only the 0/1 CARLA file is accepted
    path = tmp_path / "heloc_raw.csv"
    path.write_text("RiskPerformance,ExternalRiskEstimate\nBad,55\nGood,82\n")
    with pytest.raises(ValueError, match=r"RiskPerformance.*\[0, 1\].*'Bad'"):
        load_heloc(path)


def test_heloc_small_compressed_file(tmp_path):
    path = tmp_path / "heloc_tiny.csv.gz"
    path.write_bytes(gzip.compress(b"A,RiskPerformance,B\n1.5,1.0,3\n2.5,0.0,4\n"))
    bunch = load_heloc(str(path))
    assert bunch.feature_names == ["A", "B"]
    assert bunch.target.tolist() == [1, 0]
    assert list(bunch.frame.columns) == ["A", "B", "RiskPerformance"]


def test_loader_reports_missing_declared_features():
    """Guards against a shipped file lacking a declared feature accepted silently."""
    from sklearn_recourse.datasets._loaders import _COMPAS, _make_bunch
    from sklearn_recourse.datasets import load_compas

    frame = load_compas().frame.drop(columns="priors_count")
    with pytest.raises(ValueError, match=r"lacks the feature\(s\) \['priors_count'\]"):
        _make_bunch(frame, _COMPAS, return_X_y=False, as_frame=True, source="a test frame",
                    subset="all")


def test_heloc_every_feature_is_actionable(tmp_path):
    """Guards against HELOC's actionable list left empty instead of every feature (the
    shared-data test that checks it is skipped where ../shared/data is absent)."""
    import gzip

    from sklearn_recourse.datasets import load_heloc

    path = tmp_path / "heloc_tiny.csv.gz"
    path.write_bytes(gzip.compress(b"A,RiskPerformance,B\n1.5,1.0,3\n2.5,0.0,4\n"))
    bunch = load_heloc(path)
    assert bunch.actionable_features == ["A", "B"]
    assert bunch.immutable_features == [] and bunch.categorical_features == []
