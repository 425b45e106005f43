"""The benchmark protocol and its command line."""

import json

import numpy as np
import pandas as pd
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
    first = json.loads((tmp_path / "a" / "compas_nnr-nnr_accepted_seed0_n40.json").read_text())
    second = json.loads((tmp_path / "b" / "compas_nnr-nnr_accepted_seed0_n40.json").read_text())
    assert first["quality"] == second["quality"]
    assert (tmp_path / "a" / "compas_nnr-nnr_accepted_seed0_n40.md").read_text().startswith("| dataset | method |")
    rows = {r["method"]: r for r in first["quality"]}
    for row in rows.values():
        assert 0 <= row["validity"] <= 1 and 0 <= row["lof"] <= 1
        assert row["score"] == pytest.approx(row["validity"] + row["lof"] - row["cost"] / 7)
        assert row["immutables_kept"] == 1.0
    # accepted-only candidates are closer than confident, labelled ones
    assert rows["nnr_accepted"]["cost"] <= rows["nnr"]["cost"]
    # a run with other methods writes other files
    assert main(["benchmark", "--methods", "nnr", "--n-test", "40", "--quiet",
                 "--output-dir", str(tmp_path / "a")]) == 0
    assert (tmp_path / "a" / "compas_nnr_seed0_n40.json").exists()
    again = json.loads((tmp_path / "a" / "compas_nnr-nnr_accepted_seed0_n40.json").read_text())
    assert again["quality"] == first["quality"]


def test_other_seed_changes_the_protocol():
    a = run_benchmark("compas", ["nnr"], seeds=[0], n_test=30, progress=False)
    b = run_benchmark("compas", ["nnr"], seeds=[1], n_test=30, progress=False)
    assert not a[QUALITY].equals(b[QUALITY])


def test_unknown_method_and_missing_heloc_dir_are_clear(capsys, tmp_path):
    out = tmp_path / "not_made"
    with pytest.raises(SystemExit):
        main(["benchmark", "--methods", "nnr,magic", "--quiet", "--output-dir", str(out)])
    assert "unknown method(s) ['magic']; choose from [" in capsys.readouterr().err
    assert not out.exists()  # refused before anything was made
    with pytest.raises(SystemExit):
        main(["benchmark", "--dataset", "heloc", "--quiet"])
    assert "--data-dir" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # not silently replaced by the shipped copy
        main(["benchmark", "--dataset", "compas", "--data-dir", "mine", "--quiet"])
    assert "--data-dir is read for heloc only" in capsys.readouterr().err


def test_heloc_data_dir_problems_are_one_line_errors(tmp_path, capsys):
    (tmp_path / "heloc_train.csv").mkdir()  # a directory where the file should be
    with pytest.raises(SystemExit):
        main(["benchmark", "--dataset", "heloc", "--data-dir", str(tmp_path), "--quiet"])
    assert "is a directory" in capsys.readouterr().err
    (tmp_path / "heloc_train.csv").rmdir()
    (tmp_path / "heloc_train.csv").write_bytes(b"\x8d\x01\xff\xfe")
    with pytest.raises(SystemExit):
        main(["benchmark", "--dataset", "heloc", "--data-dir", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert "heloc_train.csv" in err and "as a HELOC CSV file" in err


def test_genre_sampling_seeds_and_lam_sweep(tmp_path):
    pytest.importorskip("matplotlib")
    from sklearn_recourse._benchmark import plot_lam_sweep, summarize, to_markdown

    small = dict(max_epochs=2, d_model=8, n_heads=2, dim_feedforward=16)
    results = run_benchmark(
        "compas",
        ["genre", "nnr"],
        seeds=[0],
        n_test=30,
        progress=False,
        sampling_seeds=range(3),
        params={"genre": [{"lam": 1.0, **small}, {"lam": 10.0, **small}]},
    )
    genre = results[results["method"] == "genre"]
    # one fit per lam, redrawn with three sampling seeds; nnr is not redrawn
    assert len(genre) == 6 and sorted(genre["sampling_seed"].unique()) == [0, 1, 2]
    assert len(results[results["method"] == "nnr"]) == 1
    assert genre.groupby("lam")["fit_seconds"].nunique().eq(1).all()
    assert (genre["immutables_kept"] == 1.0).all()
    summary = summarize(results)
    assert len(summary) == 3
    table = to_markdown(summary)
    assert "| compas | genre lam=1.0" in table and "| compas | nnr |" in table
    path = plot_lam_sweep(results, tmp_path / "sweep.png")
    assert path.stat().st_size > 1000


def test_summary_groups_settings_that_are_lists_or_dicts(tmp_path):
    from sklearn_recourse._benchmark import QUALITY, TIMING, summarize, write_results

    rows = [
        {"dataset": "compas", "method": "genre", "seed": seed, "sampling_seed": None,
         "increasing_features": features, "feature_bounds": {"age": (0, 1)},
         **{c: float(seed + len(features)) for c in QUALITY + TIMING}}
        for seed in (0, 1)
        for features in (["age"], ["age", "priors_count"])
    ]
    results = pd.DataFrame(rows)
    summary = summarize(results)
    assert len(summary) == 2
    assert summary["score"].tolist() == [1.5, 2.5]
    assert summary["increasing_features"].tolist() == ["['age']", "['age', 'priors_count']"]
    table = write_results(results, tmp_path, "lists")
    assert "genre increasing_features=['age'] feature_bounds={'age': (0, 1)}" in table
    assert isinstance(results.loc[0, "increasing_features"], list)  # not modified


@pytest.mark.parametrize(
    "argv, message",
    [
        (["benchmark", "--sampling-seeds", "-2"], "--sampling-seeds: expected a positive integer"),
        (["benchmark", "--sampling-seeds", "0"], "--sampling-seeds: expected a positive integer"),
        (["benchmark", "--n-test", "0"], "--n-test: expected a positive integer"),
        (["benchmark", "--seeds", ""], "--seeds: expected comma-separated seeds >= 0"),
        (["benchmark", "--seeds", "0,-1"], "--seeds: expected comma-separated seeds >= 0"),
        (["benchmark", "--seed", "-1"], "--seed must be >= 0"),
        (["benchmark", "--methods", ","], "--methods needs at least one name"),
        (["benchmark", "--methods", "genre", "--genre-param", "foo=1"],
         "--genre-param: GenReRecourse has no parameter(s) ['foo']"),
        (["benchmark", "--methods", "genre", "--sweep-lam", "1,2", "--genre-param", "lam=3"],
         "--sweep-lam sets lam"),
        (["benchmark", "--methods", "genre", "--sweep-lam", ""], "expected at least one number"),
        (["recourse-classifier", "--param", "foo=1"],
         "--param: RecourseClassifier has no parameter(s) ['foo']"),
        (["recourse-classifier", "--datasets", ","], "--datasets needs at least one name"),
        (["recourse-classifier", "--lams", ""], "expected at least one number"),
        (["fair-recourse", "--param", "foo=1"], "--param: FairSACRecourse has no parameter(s)"),
        (["fair-recourse", "--levels", ","], "--levels needs at least one name"),
        (["fair-recourse", "--n-test", "-1"], "--n-test: expected a positive integer"),
        (["recourse-classifier", "--param", "lam=0.5"], "the command sets lam (from --lams)"),
        (["fair-recourse", "--param", "random_state=1"],
         "the command sets random_state (from --seeds)"),
        (["fair-recourse", "--levels", "individual,grp"], "unknown --levels value(s) ['grp']"),
        (["fair-recourse", "--objectives", "EE,XX"], "unknown --objectives value(s) ['XX']"),
        (["benchmark", "--methods", "nnr", "--sampling-seeds", "3"],
         "none of ['nnr'] samples"),
        (["benchmark", "--methods", "genre", "--plot"], "--plot draws the lam sweep"),
        (["benchmark", "--methods", "genre", "--genre-param", "random_state=7"],
         "the command sets random_state (from --seeds)"),
        (["benchmark", "--methods", "genre", "--genre-param", "classifier=None"],
         "the command sets classifier (from the protocol's classifier h)"),
        (["benchmark", "--methods", "genre", "--sampling-seeds", "2",
          "--genre-param", "sampling_seed=3"],
         "the command sets sampling_seed (from --sampling-seeds)"),
        (["benchmark", "--methods", "genre", "--genre-param", "immutable_features=[]"],
         "the command sets immutable_features (from the dataset)"),
        (["benchmark", "--methods", "genre", "--genre-param", "temperature=-1"],
         "--genre-param: The 'temperature' parameter of GenReRecourse must be"),
        (["benchmark", "--methods", "genre", "--sweep-lam", "1,-1"],
         "--sweep-lam: The 'lam' parameter of GenReRecourse must be"),
        (["recourse-classifier", "--param", "threshold=0.5"],
         "the command sets threshold (from the F1-max and PAC rows it reports)"),
        (["recourse-classifier", "--param", "epsilon=2"],
         "--param: The 'epsilon' parameter of RecourseClassifier must be"),
        (["fair-recourse", "--param", "n_actions=0"],
         "--param: The 'n_actions' parameter of FairSACRecourse must be"),
    ],
)
def test_bad_arguments_fail_before_any_work(argv, message, capsys, monkeypatch):
    import sklearn_recourse._benchmark as bench
    import sklearn_recourse._fair_sac_benchmark as fb
    import sklearn_recourse._recourse_classifier_benchmark as rcb

    def must_not_run(*args, **kwargs):
        raise AssertionError("the run started despite a bad argument")

    for module, name in ((bench, "run_benchmark"), (rcb, "run"), (fb, "run")):
        monkeypatch.setattr(module, name, must_not_run)
    with pytest.raises(SystemExit) as exit_info:
        main(argv + ["--quiet"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_unusable_output_dir_fails_before_the_run(tmp_path, capsys, monkeypatch):
    import sklearn_recourse._benchmark as bench

    monkeypatch.setattr(bench, "run_benchmark", lambda *a, **k: pytest.fail("the run started"))
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(SystemExit) as exit_info:
        main(["benchmark", "--quiet", "--output-dir", str(a_file)])
    assert exit_info.value.code == 2
    assert "--output-dir" in capsys.readouterr().err


def test_genre_parameters_from_the_command_line(tmp_path, capsys):
    args = ["benchmark", "--dataset", "compas", "--methods", "genre", "--n-test", "20",
            "--quiet", "--output-dir", str(tmp_path)]
    small = ["max_epochs=1", "d_model=8", "n_heads=2", "selection=cost"]
    assert main(args + [x for p in small for x in ("--genre-param", p)]) == 0
    out = capsys.readouterr().out
    assert "| compas | genre max_epochs=1 d_model=8 n_heads=2 selection=cost |" in out
    record = json.loads(next(tmp_path.glob("*.json")).read_text())["quality"][0]
    assert record["selection"] == "cost" and record["max_epochs"] == 1
    with pytest.raises(SystemExit):
        main(["benchmark", "--methods", "nnr", "--genre-param", "lam=1"])
    assert "need genre among --methods" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["benchmark", "--methods", "genre", "--genre-param", "lam"])


def test_recourse_classifier_benchmark_command(tmp_path, capsys):
    argv = [
        "recourse-classifier", "--datasets", "german", "--seeds", "0", "--lams", "0,0.8",
        "--param", "max_epochs=2", "--output-dir", str(tmp_path), "--quiet",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "| german | 0.8 | pac |" in out and "epoch ratio vs lam=0" in out
    rows = json.loads(next(tmp_path.glob("*.json")).read_text())["rows"]
    assert {(r["lam"], r["threshold"]) for r in rows} == {
        (0.0, "f1"), (0.0, "pac"), (0.8, "f1"), (0.8, "pac")
    }
    for r in rows:
        assert 0 <= r["f1"] <= 1 and 0 <= r["all_adversarial"] <= 1
        assert r["best_epoch"] in (1, 2)
        assert r["features"] == "paper"
    with pytest.raises(SystemExit) as exc:
        main(["recourse-classifier", "--datasets", "mnist"])
    assert exc.value.code == 2
    assert "unknown dataset" in capsys.readouterr().err


def test_fair_recourse_benchmark_command(tmp_path, capsys):
    argv = [
        "fair-recourse", "--settings", "compas-race", "--levels", "group", "--objectives", "EE",
        "--n-test", "60", "--param", "total_timesteps=60", "--param", "learning_starts=20",
        "--output-dir", str(tmp_path), "--quiet",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "| compas-race | fair_sac | group | EE |" in out
    assert "| compas-race | nnr |" in out and "| compas-race | wachter |" in out
    rows = json.loads(next(tmp_path.glob("*.json")).read_text())["rows"]
    fair = [r for r in rows if r["method"] == "fair_sac"][0]
    groups = [k for k in fair if k.startswith("eff[")]
    assert len(groups) == 2
    effs = [fair[k] for k in groups]
    assert fair["asr"] == pytest.approx(sum(effs) / 2)
    assert fair["pd"] == pytest.approx(max(effs) - min(effs))
    with pytest.raises(SystemExit) as exc:
        main(["fair-recourse", "--settings", "german-age"])
    assert exc.value.code == 2


def test_recourse_classifier_benchmark_features():
    from sklearn_recourse._recourse_classifier_benchmark import DATASETS, load

    X, y = load("german")  # the paper's Appendix A.2 subset is the default
    assert list(X.columns) == ["Gender", "Age", "LoanDuration", "LoanAmount"]
    X_all, y_all = load("german", "all")
    assert X_all.shape == (1000, 28) and "Credit" not in X_all and len(y_all) == 1000
    for name, info in DATASETS.items():  # the actionable features are always kept
        assert set(info["actionable"]) <= set(load(name)[0].columns)
    assert "two_year_recid" not in load("compas")[0]
    with pytest.raises(ValueError, match="features must be 'paper' or 'all'"):
        load("german", "some")


# ------------------------------------------- the protocol on toy data
def _benchmark_data(n_train=240, n_test=160, seed=0):
    from sklearn_recourse._benchmark import BenchmarkData

    rng = np.random.default_rng(seed)
    n = n_train + n_test
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c1": rng.choice(["u", "v"], n),
            "c2": rng.choice(["s", "t"], n),
        }
    )
    y = (X["a"] + X["b"] + 0.5 * (X["c1"] == "u") + rng.normal(scale=0.8, size=n) > 0.3)
    y = y.astype(int).to_numpy()
    return BenchmarkData(
        "toy", X.iloc[:n_train].reset_index(drop=True), y[:n_train],
        X.iloc[n_train:].reset_index(drop=True), y[n_train:], ["c1", "c2"], ["c1", "c2"],
    )


@pytest.fixture(scope="module")
def protocol_calls():
    import sklearn_recourse._benchmark as bench

    calls = []
    real = bench._oracle

    def recording(categorical, seed):
        pipe = real(categorical, seed)
        fit = pipe.fit

        def recorded_fit(X, y, **kw):
            calls.append(kw)
            return fit(X, y, **kw)

        pipe.fit = recorded_fit
        return pipe

    bench._oracle = recording
    try:
        data = _benchmark_data()
        protocol = bench.Protocol(data, seed=0, n_test=30)
    finally:
        bench._oracle = real
    return data, protocol, calls


def test_protocol_labels_are_sampled_from_the_balanced_oracle(protocol_calls):
    """Guards against labels = the oracle's decision, not a Bernoulli draw from its
    probability; the oracle fitted without balanced sample weights."""
    from sklearn.utils.class_weight import compute_sample_weight

    data, protocol, calls = protocol_calls
    X_all = pd.concat([data.X_train, data.X_test], ignore_index=True)
    y_all = np.concatenate([data.y_train, data.y_test])
    assert len(calls) == 1
    np.testing.assert_allclose(
        calls[0]["rf__sample_weight"], compute_sample_weight("balanced", y_all)
    )
    p = protocol.oracle.predict_proba(X_all)[:, 1]
    expected = np.random.RandomState(0).binomial(1, p)[: len(data.X_train)]
    np.testing.assert_array_equal(protocol.y_train, expected)
    assert (protocol.y_train != (p[: len(data.X_train)] > 0.5)).any()


def test_protocol_test_rows_and_lof_reference(protocol_calls):
    """Guards against test rows not restricted to h(x) <= 0.5; LOF fitted on the rows h
    accepts instead of those the oracle predicts favourable."""
    data, protocol, _ = protocol_calls
    assert len(protocol.X_test) == 30
    assert protocol.X_test.index.is_monotonic_increasing
    assert (protocol.classifier.predict_proba(protocol.X_test)[:, 1] <= 0.5).all()
    X_all = pd.concat([data.X_train, data.X_test], ignore_index=True)
    n_fav = int((protocol.oracle.predict(X_all) == 1).sum())
    assert n_fav != int((protocol.classifier.predict(X_all) == 1).sum())
    assert protocol.lof.n_samples_fit_ == n_fav


def test_immutables_kept_needs_every_immutable_unchanged(protocol_calls):
    """Guards against a row counted as keeping its immutables when any one is kept."""
    _, protocol, _ = protocol_calls
    X_cf = protocol.X_test.copy()
    i = X_cf.index[0]
    X_cf.loc[i, "c1"] = "v" if X_cf.loc[i, "c1"] == "u" else "u"  # c2 kept
    quality = protocol._quality(X_cf)
    assert quality["immutables_kept"] == pytest.approx(1 - 1 / len(X_cf))
    assert quality["found"] == 1.0


def test_every_option_with_a_default_says_it_in_its_help():
    """Guards against --help leaving users to guess what runs when an option is omitted."""
    import argparse

    from sklearn_recourse.__main__ import build_parser

    def shown(value):
        if isinstance(value, list):
            return ",".join(f"{v:g}" for v in value)
        return str(value)

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = []
    for name, sub in commands.choices.items():
        for action in sub._actions:
            if action.default in (None, False, [], argparse.SUPPRESS) or action.help is None:
                continue
            if shown(action.default) not in action.help:
                missing.append(f"{name} {action.option_strings[0]}: {action.help!r}")
    assert not missing, missing


def test_protocol_warns_when_fewer_rejected_test_rows_than_asked():
    """Guards against a table over fewer test rows than --n-test without a word."""
    import sklearn_recourse._benchmark as bench

    with pytest.warns(UserWarning, match=r"n_test=1000 but h rejects only (\d+) test rows"):
        protocol = bench.Protocol(_benchmark_data(), seed=0, n_test=1000)
    assert 0 < len(protocol.X_test) < 160
