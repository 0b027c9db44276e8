"""``brainscore score``: score one model on one benchmark and print one line (``--json`` writes the record)."""

from __future__ import annotations

import argparse

from brainscore_lcl.cli.options import check_json_option
from brainscore_lcl.errors import UsageError
from brainscore_lcl.metrics.measure_names import MEASURES

#: the ids of the V1-like / V2-like benchmarks end with these (``benchmarks/freemanziemba2013_partition``)
PARTITION_SUFFIXES = ("-v1like", "-v2like")
#: the ids of the texture-modulation benchmarks end with this (``benchmarks/freemanziemba2013_texmod``)
TEXMOD_SUFFIX = "-texmod"


def benchmark_options(args: argparse.Namespace) -> dict:
    """The benchmark keyword arguments a command's options give: ``time_window``, ``data_root``, ``pls``."""
    options = {}
    if getattr(args, "time_window", None):
        options["time_window"] = tuple(args.time_window)
    if getattr(args, "data_root", None):
        options["data_root"] = args.data_root
    if getattr(args, "pls", None):
        options["pls"] = args.pls
    if getattr(args, "partition_ranking", None):
        options["ranking"] = args.partition_ranking
    if getattr(args, "metric", None):
        options["metric"] = args.metric
    if getattr(args, "texmod_cv", None):
        options["cv"] = args.texmod_cv
    return options


def check_texmod_cv(args: argparse.Namespace, benchmark_ids: list[str]) -> None:
    """``UsageError`` when ``--texmod-cv`` is given for benchmarks that are not all texture-modulation ones."""
    others = [identifier for identifier in benchmark_ids if not identifier.endswith(TEXMOD_SUFFIX)]
    if getattr(args, "texmod_cv", None) and others:
        raise UsageError(
            f"--texmod-cv applies to the texture-modulation benchmarks (ids ending in {TEXMOD_SUFFIX}), not to "
            f"{others[0]!r}; drop it or score a *.V2-texmod benchmark"
        )


def add_texmod_cv_argument(parser: argparse.ArgumentParser) -> None:
    """``--texmod-cv``: the texture-modulation benchmark's cross-validation of its fitted reading."""
    parser.add_argument(
        "--texmod-cv",
        choices=("family", "stratified"),
        help="texture-modulation benchmarks: cross-validate the fitted reading leaving one texture family out "
        "(family, the default) or with the paper's 10 folds stratified by family x type (stratified: every "
        "held-out image has images of its own family in training, so the folds leak the family structure)",
    )


def command_score(args: argparse.Namespace) -> int:
    """Score the request and its controls through ``brainscore_lcl.results.cell.score_cell`` (each cell from the
    database when it holds it, with one line when its stored value was made by other code) and print their lines."""
    from brainscore_lcl.controls import control_scores, control_summary, is_control, margin_line
    from brainscore_lcl.metrics.texture import DEFAULT_CV
    from brainscore_lcl.model_helpers.from_file import model_id_from_args
    from brainscore_lcl.results.cell import DEFAULT_DATABASE, CellRequest, score_cell

    if args.full_json and not args.json:
        raise UsageError("--full-json applies with --json FILE only; add --json FILE or drop --full-json")
    check_json_option(args)
    if args.partition_ranking and not args.benchmark.endswith(PARTITION_SUFFIXES):
        raise UsageError(
            f"--partition-ranking applies to the V1-like / V2-like benchmarks (ids ending in "
            f"{' or '.join(PARTITION_SUFFIXES)}), not to {args.benchmark!r}; drop it or score one of them"
        )
    if args.metric:
        from brainscore_lcl.benchmarks.freemanziemba2013.measures import check_accepts_metric

        check_accepts_metric(args.benchmark, args.metric)
    check_texmod_cv(args, [args.benchmark])
    options = benchmark_options(args)
    if args.benchmark.endswith(TEXMOD_SUFFIX):
        options.setdefault("cv", DEFAULT_CV)  # named in the results database's key: cells before it were stratified

    def cell(model_id: str, checkpoint: str | None):
        request = CellRequest(model_id, args.benchmark, checkpoint, options, recompute=args.recompute)
        result = score_cell(request, db=args.db or DEFAULT_DATABASE)
        if result.reason:
            print(result.reason)
        return result.record

    record = cell(model_id_from_args(args), args.checkpoint)
    print(record.line())
    if not args.no_controls and not is_control(record.model):
        controls = control_scores(args.benchmark, lambda control: cell(control, None))
        print(margin_line(record.score, controls))
        record.details["controls"] = control_summary(controls)
    if args.json:
        record.write_json(args.json, full=args.full_json)
    return 0


def add_subcommand(commands: argparse._SubParsersAction) -> None:
    """Add ``score`` to the ``brainscore`` command's subparsers."""
    from brainscore_lcl.cli.options import add_database_argument
    from brainscore_lcl.model_helpers.from_file import add_model_arguments

    parser = commands.add_parser("score", help="score a model on a benchmark")
    add_model_arguments(parser)
    parser.add_argument("--benchmark", required=True, help="benchmark id, e.g. FreemanZiemba2013sim.V2-pls")
    parser.add_argument("--checkpoint", help="encoder checkpoint for LCL models (default: the shipped one)")
    parser.add_argument("--json", help="write model, benchmark, score, raw, ceiling, error, n_neuroids, layer here")
    parser.add_argument("--full-json", action="store_true", help="with --json: also per-neuron values per split")
    parser.add_argument(
        "--time-window",
        nargs=2,
        type=int,
        metavar=("START_MS", "END_MS"),
        help="response window (default Brain-Score's 50 200; the paper used 50 150)",
    )
    parser.add_argument(
        "--data-root", help="folder of the raw release for FreemanZiemba2013local.* (default $BRAINSCORE_LCL_FZ_ROOT)"
    )
    parser.add_argument(
        "--pls",
        choices=("kernel", "exact", "brainscore"),
        help="PLS implementation (default kernel: equals Brain-Score's within 1e-6, much faster)",
    )
    parser.add_argument(
        "--partition-ranking",
        choices=("sign_aware", "paper"),
        help="for the V1-like / V2-like benchmarks: rank the cells by the sign-aware per-cell explained variance "
        "(default) or by the paper's literal per-cell (r/r_ceil)^2",
    )
    parser.add_argument(
        "--metric",
        choices=MEASURES,
        help="for a FreemanZiemba2013*.V1/V2 benchmark: the similarity measure (docs/metrics.md); its JSON carries "
        "raw, ceiling and normalised values",
    )
    add_texmod_cv_argument(parser)
    parser.add_argument(
        "--no-controls",
        action="store_true",
        help="do not score the controls control-design and control-pixels beside the model (docs/controls.md)",
    )
    add_database_argument(parser)
    parser.add_argument("--recompute", action="store_true", help="score again even if the database holds the cell")
    parser.set_defaults(func=command_score)
