"""Command line: ``python -m sklearn_recourse benchmark ...`` (also ``sklearn-recourse``)."""

import argparse
import sys
import warnings


def _seed_list(text):
    try:
        values = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}")
    if not values or min(values) < 0:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated seeds >= 0 (at least one), got {text!r}"
        )
    return values


def _float_list(text):
    try:
        values = [float(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}")
    if not values:
        raise argparse.ArgumentTypeError(f"expected at least one number, got {text!r}")
    return values


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _name_list(parser, text, option):
    """The comma-separated names of ``option``; an empty list is an error."""
    names = [v.strip() for v in text.split(",") if v.strip()]
    if not names:
        parser.exit(2, f"error: {option} needs at least one name, got {text!r}\n")
    return names


def _check_param_names(parser, estimator, params, option, reserved=None):
    """Unknown parameter names, and names the command sets itself (``reserved``:
    name -> where it comes from), are a one-line error before any work is done."""
    known = sorted(estimator.get_params(deep=False))
    unknown = sorted(set(params) - set(known))
    if unknown:
        parser.exit(
            2,
            f"error: {option}: {type(estimator).__name__} has no parameter(s) {unknown}; "
            f"its parameters are {known}\n",
        )
    taken = sorted(set(params) & set(reserved or {}))
    if taken:
        sets = ", ".join(f"{name} (from {reserved[name]})" for name in taken)
        parser.exit(2, f"error: {option}: the command sets {sets}; leave it out of {option}\n")
    # values too, so that a bad one fails now and not after the first fits
    try:
        estimator.set_params(**params)._validate_params()
    except ValueError as exc:
        parser.exit(2, f"error: {option}: {exc}\n")


def _check_choices(parser, given, allowed, what):
    """Names outside ``allowed`` are a one-line error before any work is done."""
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        parser.exit(2, f"error: unknown {what} {unknown}; choose from {sorted(allowed)}\n")


def _sampling_methods(methods):
    """The registered methods among ``methods`` whose generator has a ``sampling_seed``
    (or that cannot be built without a classifier, so may have one)."""
    from ._benchmark import _METHODS

    def samples(name):
        try:
            return "sampling_seed" in _METHODS[name][0](None, [], [], 0).get_params()
        except Exception:  # a registered factory that needs a real classifier
            return True

    return [m for m in methods if m in _METHODS and samples(m)]


def _check_output_dir(parser, path):
    import os

    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        parser.exit(2, f"error: --output-dir {path!r} cannot be used: {exc}\n")
    if not os.access(path, os.W_OK):
        parser.exit(2, f"error: --output-dir {path!r} is not writable\n")


def _param(text):
    import ast

    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        value = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        value = value.strip()  # a bare string such as selection=cost
    return name.strip(), value


def build_parser():
    from ._benchmark import available_methods

    parser = argparse.ArgumentParser(
        prog="sklearn-recourse", description="sklearn-recourse command line tools."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    methods = "; ".join(f"{k}: {v}" for k, v in available_methods().items())
    bench = sub.add_parser(
        "benchmark",
        help="run the GenRe Table 2 protocol",
        description="Run the GenRe Table 2 protocol (calibrated RF oracle with sampled labels, "
        "MLP h [10,10,10], 200 test negatives, validity by the oracle, LOF on "
        "oracle-favourable rows) and print Cost, Val, LOF, Score, immutables kept and "
        "seconds per counterfactual.",
    )
    bench.add_argument(
        "--dataset",
        default="compas",
        choices=["compas", "adult", "heloc"],
        help="default compas",
    )
    bench.add_argument(
        "--methods",
        default="nnr,wachter",
        help=f"comma-separated method names, default nnr,wachter ({methods})",
    )
    seeds = bench.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, default=0, help="protocol seed (default 0)")
    seeds.add_argument("--seeds", type=_seed_list, help="several seeds, e.g. 0,1,2")
    bench.add_argument(
        "--n-test", type=_positive_int, default=200, help="test negatives (default 200)"
    )
    bench.add_argument(
        "--data-dir", default=None, help="folder with heloc_{train,test}.csv (HELOC is not shipped)"
    )
    bench.add_argument(
        "--output-dir",
        default="benchmark_results",
        help="where JSON and Markdown go (default benchmark_results)",
    )
    bench.add_argument(
        "--sampling-seeds",
        type=_positive_int,
        default=None,
        metavar="N",
        help="redraw the recourse of sampling methods (genre) with sampling seeds 0..N-1 "
        "after one fit per protocol seed",
    )
    bench.add_argument(
        "--sweep-lam",
        type=_float_list,
        default=None,
        metavar="L1,L2,...",
        help="fit genre once per lam value (paper Figure 4), e.g. 0.5,1,2.5,5,10",
    )
    bench.add_argument("--plot", action="store_true", help="with --sweep-lam: save a PNG plot")
    bench.add_argument(
        "--genre-param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        type=_param,
        help="set a GenReRecourse parameter, e.g. temperature=5 (repeatable)",
    )
    bench.add_argument("--quiet", action="store_true", help="no progress bar")

    rc = sub.add_parser(
        "recourse-classifier",
        help="benchmark RecourseClassifier (Ross et al. 2021, Tables 1 and 2)",
        description="Fit RecourseClassifier with each lam on an 80/20 split per seed and print "
        "F1, accuracy and recourse neg/all per recourse method at the F1-max and PAC "
        "thresholds, with the epoch time of adversarial against plain training.",
    )
    rc.add_argument(
        "--datasets",
        default="adult,compas,german",
        help="comma-separated, from adult, compas, german (default adult,compas,german)",
    )
    rc.add_argument("--seeds", type=_seed_list, default=[0, 1, 2], help="default 0,1,2")
    rc.add_argument(
        "--lams", type=_float_list, default=[0.0, 0.8], help="recourse loss weights (default 0,0.8)"
    )
    rc.add_argument(
        "--features",
        choices=["paper", "all"],
        default="paper",
        help="the paper's feature subsets (Appendix A.2, default) or every column",
    )
    rc.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        type=_param,
        help="set a RecourseClassifier parameter, e.g. max_epochs=30 (repeatable)",
    )
    rc.add_argument(
        "--output-dir", default="benchmark_results", help="default benchmark_results"
    )
    rc.add_argument("--quiet", action="store_true", help="no progress bar")

    fair = sub.add_parser(
        "fair-recourse",
        help="benchmark FairSACRecourse (Fair Recourse for All)",
        description="Fit FairSACRecourse per fairness level and objective and report, on "
        "held-out affected rows, per-group effectiveness and N_phi, ASR, PD, per-individual "
        "validity, mean Gower and training time, beside NNR and Wachter.",
    )
    fair.add_argument(
        "--settings",
        default="adult-race,adult-sex,compas-race",
        help="comma-separated, from adult-race, adult-sex, compas-race "
        "(default adult-race,adult-sex,compas-race)",
    )
    fair.add_argument("--seeds", type=_seed_list, default=[0], help="default 0")
    fair.add_argument(
        "--levels", default="individual,group,hybrid", help="default individual,group,hybrid"
    )
    fair.add_argument("--objectives", default="EE,ECR,EE-ECR", help="default EE,ECR,EE-ECR")
    fair.add_argument(
        "--n-test", type=_positive_int, default=2000, help="held-out affected rows (default 2000)"
    )
    fair.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        type=_param,
        help="set a FairSACRecourse parameter, e.g. total_timesteps=5000 (repeatable)",
    )
    fair.add_argument(
        "--output-dir", default="benchmark_results", help="default benchmark_results"
    )
    fair.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "benchmark":
        from sklearn.exceptions import ConvergenceWarning

        from ._benchmark import _METHODS, run_benchmark, write_results

        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        methods = _name_list(parser, args.methods, "--methods")
        _check_choices(parser, methods, _METHODS, "method(s)")
        if args.seed < 0:
            parser.exit(2, f"error: --seed must be >= 0, got {args.seed}\n")
        seeds = args.seeds if args.seeds else [args.seed]
        params = None
        if (args.sweep_lam or args.genre_param) and "genre" not in methods:
            parser.exit(2, "error: --sweep-lam and --genre-param need genre among --methods\n")
        if args.sweep_lam or args.genre_param:
            from ._genre import GenReRecourse

            extra = dict(args.genre_param)
            _check_param_names(
                parser,
                GenReRecourse(),
                extra,
                "--genre-param",
                reserved={
                    "classifier": "the protocol's classifier h",
                    "random_state": "--seeds",
                    "immutable_features": "the dataset",
                    "categorical_features": "the dataset",
                    # a chosen sampling seed is fine unless --sampling-seeds redraws
                    **({"sampling_seed": "--sampling-seeds"} if args.sampling_seeds else {}),
                },
            )
            if args.sweep_lam and "lam" in extra:
                parser.exit(2, "error: --sweep-lam sets lam; leave lam out of --genre-param\n")
            for lam in args.sweep_lam or []:
                _check_param_names(
                    parser, GenReRecourse(), {**extra, "lam": lam}, "--sweep-lam"
                )
            params = {"genre": [{**extra, "lam": lam} for lam in args.sweep_lam or []] or [extra]}
        if args.plot and not args.sweep_lam:
            parser.exit(2, "error: --plot draws the lam sweep; it needs --sweep-lam\n")
        if args.data_dir is not None and args.dataset != "heloc":
            # the shipped copy would be read regardless: say so rather than ignore it
            parser.exit(
                2,
                f"error: --data-dir is read for heloc only; {args.dataset} is shipped "
                "with the package, drop --data-dir\n",
            )
        if args.sampling_seeds and not _sampling_methods(methods):
            parser.exit(
                2,
                f"error: --sampling-seeds redraws the recourse of sampling methods "
                f"(genre); none of {methods} samples\n",
            )
        sampling_seeds = range(args.sampling_seeds) if args.sampling_seeds else None
        _check_output_dir(parser, args.output_dir)
        try:
            results = run_benchmark(
                args.dataset,
                methods,
                seeds=seeds,
                n_test=args.n_test,
                data_dir=args.data_dir,
                progress=not args.quiet,
                sampling_seeds=sampling_seeds,
                params=params,
            )
        except (ValueError, OSError) as exc:  # OSError: a HELOC path that is not a file
            parser.exit(2, f"error: {exc}\n")
        # every option that changes the figures is in the name, so runs do not overwrite
        stem = f"{args.dataset}_{'-'.join(methods)}_seed{'-'.join(map(str, seeds))}"
        if args.n_test != 200:
            stem += f"_n{args.n_test}"
        if args.sampling_seeds:
            stem += f"_sampling{args.sampling_seeds}"
        if args.sweep_lam:
            stem += "_lam-sweep"
        for name, value in args.genre_param:
            stem += f"_{name}-{value}"
        markdown = write_results(results, args.output_dir, stem)
        print(markdown)
        print(f"\nwrote {args.output_dir}/{stem}.json and {stem}.md")
        if args.plot and args.sweep_lam:
            from ._benchmark import plot_lam_sweep

            path = plot_lam_sweep(results, f"{args.output_dir}/{stem}.png")
            print(f"wrote {path}")
    elif args.command == "recourse-classifier":
        from . import _recourse_classifier_benchmark as rcb

        from ._recourse_classifier import RecourseClassifier

        names = _name_list(parser, args.datasets, "--datasets")
        _check_choices(parser, names, rcb.DATASETS, "dataset(s)")
        _check_param_names(
            parser,
            RecourseClassifier(),
            dict(args.param),
            "--param",
            reserved={
                "lam": "--lams",
                "threshold": "the F1-max and PAC rows it reports",
                "random_state": "--seeds",
                "actionable_features": "the dataset",
                "increasing_features": "the dataset",
            },
        )
        _check_output_dir(parser, args.output_dir)
        try:
            results = rcb.run(
                names,
                args.seeds,
                args.lams,
                params=dict(args.param),
                progress=not args.quiet,
                features=args.features,
            )
        except ValueError as exc:
            parser.exit(2, f"error: {exc}\n")
        stem = (
            f"recourse_classifier_{'-'.join(names)}_seed{'-'.join(map(str, args.seeds))}"
            f"_{args.features}-features"
        )
        for name, value in args.param:
            stem += f"_{name}-{value}"
        markdown = rcb.write(results, args.output_dir, stem)
        print(markdown)
        print(f"\nwrote {args.output_dir}/{stem}.json and {stem}.md")
    elif args.command == "fair-recourse":
        from sklearn.exceptions import ConvergenceWarning

        from . import _fair_sac_benchmark as fb

        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        from ._fair_sac import FairSACRecourse

        names = _name_list(parser, args.settings, "--settings")
        _check_choices(parser, names, fb.SETTINGS, "setting(s)")
        levels = _name_list(parser, args.levels, "--levels")
        objectives = _name_list(parser, args.objectives, "--objectives")
        # checked here, not when the loop reaches them after earlier levels trained
        for option, given, param in (
            ("--levels", levels, "fairness"),
            ("--objectives", objectives, "objective"),
        ):
            allowed = FairSACRecourse._parameter_constraints[param][0].options
            _check_choices(parser, given, allowed, f"{option} value(s)")
        _check_param_names(
            parser,
            FairSACRecourse(),
            dict(args.param),
            "--param",
            reserved={
                "sensitive_feature": "--settings",
                "fairness": "--levels",
                "objective": "--objectives",
                "random_state": "--seeds",
                "immutable_features": "the setting",
                "increasing_features": "the setting",
            },
        )
        _check_output_dir(parser, args.output_dir)
        try:
            results = fb.run(
                names,
                args.seeds,
                levels=levels,
                objectives=objectives,
                n_test=args.n_test,
                params=dict(args.param),
                progress=not args.quiet,
            )
        except ValueError as exc:
            parser.exit(2, f"error: {exc}\n")
        stem = f"fair_recourse_{'-'.join(names)}_seed{'-'.join(map(str, args.seeds))}"
        stem += f"_{'-'.join(levels)}_{'-'.join(objectives)}"
        markdown = fb.write(results, args.output_dir, stem)
        print(markdown)
        print(f"\nwrote {args.output_dir}/{stem}.json and {stem}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
