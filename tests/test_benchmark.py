"""The benchmark protocol and its command line."""

import json

import pytest

from sklearn_recourse.__main__ import main
from sklearn_recourse._benchmark import QUALITY, run_benchmark

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_same_seed_same_table_and_files(tmp_path, capsys):
    args = ["benchmark", "--dataset", "compas", "--methods", "nnr,nnr_accepted",
            "--n-test", "40", "--quiet"]
    assert main(args + ["--output-dir", str(tmp_path / "a")]) == 0
    printed = capsys.readouterr().out
    assert "| compas | nnr |" in printed and "Score" in printed
    assert main(args + ["--output-dir", str(tmp_path / "b")]) == 0
    first = json.loads((tmp_path / "a" / "compas_seed0.json").read_text())
    second = json.loads((tmp_path / "b" / "compas_seed0.json").read_text())
    assert first["quality"] == second["quality"]
    assert (tmp_path / "a" / "compas_seed0.md").read_text().startswith("| dataset | method |")
    rows = {r["method"]: r for r in first["quality"]}
    for row in rows.values():
        assert 0 <= row["validity"] <= 1 and 0 <= row["lof"] <= 1
        assert row["score"] == pytest.approx(row["validity"] + row["lof"] - row["cost"] / 7)
        assert row["immutables_kept"] == 1.0
    # accepted-only candidates are closer than confident, labelled ones
    assert rows["nnr_accepted"]["cost"] <= rows["nnr"]["cost"]


def test_other_seed_changes_the_protocol():
    a = run_benchmark("compas", ["nnr"], seeds=[0], n_test=30, progress=False)
    b = run_benchmark("compas", ["nnr"], seeds=[1], n_test=30, progress=False)
    assert not a[QUALITY].equals(b[QUALITY])


def test_unknown_method_and_missing_heloc_dir_are_clear(capsys):
    with pytest.raises(SystemExit):
        main(["benchmark", "--methods", "magic", "--quiet"])
    assert "Unknown methods ['magic']" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["benchmark", "--dataset", "heloc", "--quiet"])
    assert "--data-dir" in capsys.readouterr().err
