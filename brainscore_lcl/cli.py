"""The ``brainscore`` command: score models, list ids, export data, describe checkpoints, train, run the demo, report.

Exit codes (``brainscore_lcl.errors``): 0 success; 1 a failed run, or data, weights or files that cannot be used;
2 a bad request (unknown id, an out-of-range or mistyped option, a path of the wrong kind); 3 a bug (one line naming
the exception and the log file of its traceback); 130 Ctrl-C. Every option and path is checked before any work
starts, and every mistake prints one sentence on stderr, never a traceback.
"""
from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
import warnings
from pathlib import Path

from brainscore_lcl.errors import ArgumentParser, UsageError
from brainscore_lcl.paths import existing_file, existing_folder, output_file, output_folder

DEMO_MODELS = ("sim-generator", "v1-steerpyr", "v1-steerpyr-pool", "alexnet-untrained", "lcl-v2")
DEMO_BENCHMARKS = ("FreemanZiemba2013sim.V1-pls", "FreemanZiemba2013sim.V2-pls")


def _benchmark_options(args: argparse.Namespace) -> dict:
    options = {}
    if getattr(args, "time_window", None):
        options["time_window"] = tuple(args.time_window)
    if getattr(args, "data_root", None):
        options["data_root"] = args.data_root
    if getattr(args, "pls", None):
        options["pls"] = args.pls
    return options


def command_score(args: argparse.Namespace) -> int:
    from brainscore_lcl.model_helpers.from_file import model_id_from_args
    from brainscore_lcl.scoring import score

    if args.full_json and not args.json:
        raise UsageError("--full-json applies with --json FILE only; add --json FILE or drop --full-json")
    check_json_option(args)
    check_input_paths(args)
    record = score(model_id_from_args(args), args.benchmark, checkpoint=args.checkpoint, **_benchmark_options(args))
    print(record.line())
    if args.json:
        record.write_json(args.json, full=args.full_json)
    return 0


def command_list(args: argparse.Namespace) -> int:
    from brainscore_lcl.scoring import brainscore_vision_ids, suite_ids

    kind = args.kind.rstrip("s")
    ours = suite_ids(kind)
    print(f"# brainscore-lcl {kind}s" + ("  (weights)" if kind == "model" else ""))
    if kind == "model":
        from brainscore_lcl.published_weights import availability

        ours = [f"{identifier:<22} {availability(identifier)}" for identifier in ours]
    print("\n".join(ours))
    if args.all:
        print(f"# brainscore_vision {kind}s")
        print("\n".join(identifier for identifier in brainscore_vision_ids(kind) if identifier not in ours))
    return 0


def command_weights_fetch(args: argparse.Namespace) -> int:
    from brainscore_lcl.published_weights import fetch, registered_weights
    from brainscore_lcl.registry import discover_plugins

    discover_plugins()
    for path, weight_file in zip(fetch(args.model), registered_weights(args.model)):
        print(f"{args.model}: {path} ({weight_file.url})")
    return 0


def command_data_export(args: argparse.Namespace) -> int:
    from brainscore_lcl.data.simulation import export_simulated_release

    if args.source != "sim":
        raise UsageError(f"data export --source {args.source}: only the simulated source (sim) can be exported; "
                         "official and local data belong to their owners")
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed} must be >= 0 (a numpy random seed)")
    output_folder(args.out, "--out")
    root = export_simulated_release(args.out, seed=args.seed)
    print(f"wrote the simulated Freeman-Ziemba release (seed {args.seed}) to {root}")
    return 0


def check_json_option(args: argparse.Namespace) -> None:
    """``UsageError`` before any work when ``--json`` (if the command has it) cannot be written as a file."""
    if getattr(args, "json", None):
        output_file(args.json, "--json")


def check_input_paths(args: argparse.Namespace) -> None:
    """Before any work, for the commands that have them: ``--checkpoint`` must be a file, ``--data-root`` a folder."""
    from brainscore_lcl.checkpoint import CheckpointError

    if getattr(args, "checkpoint", None):
        existing_file(args.checkpoint, "--checkpoint", "pass an existing checkpoint file", CheckpointError)
    if getattr(args, "data_root", None) and Path(args.data_root).exists():  # a missing one: its loader explains
        existing_folder(args.data_root, "--data-root")


def write_json_output(path: str | None, payload: object) -> None:
    """The ``--json`` option of a command: write ``payload`` to ``path`` (folders created) and say so; no-op without it."""
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(payload, indent=2))
        print(f"wrote {path}")


def command_data_describe(args: argparse.Namespace) -> int:
    from brainscore_lcl.data.simulation_stats import describe_simulation, format_description

    check_json_option(args)
    description = describe_simulation()
    print(format_description(description))
    write_json_output(args.json, description)
    return 0


def command_info(args: argparse.Namespace) -> int:
    """Describe a model: a short summary (``summarize_description``), everything with ``--full``."""
    from brainscore_lcl.model_helpers.commitment import summarize_description
    from brainscore_lcl.scoring import describe_model
    from brainscore_lcl.model_helpers.from_file import model_id_from_args

    check_input_paths(args)
    description = describe_model(model_id_from_args(args), checkpoint=args.checkpoint)
    print(json.dumps(description if args.full else summarize_description(description), indent=2, default=str))
    return 0


def command_demo(args: argparse.Namespace) -> int:
    """Score every offline model on the simulated V1 and V2 benchmarks and print a table."""
    from brainscore_lcl.model_helpers.commitment import ModelUnavailableError
    from brainscore_lcl.scoring import check_model_ids, load_model, score

    check_model_ids(args.models)
    out = output_folder(args.out, "--out")
    out.mkdir(parents=True, exist_ok=True)
    rows, skipped = [], []
    for model_id in args.models:
        try:
            model = load_model(model_id)
        except ModelUnavailableError as error:
            skipped.append(f"{model_id}: {error}")
            continue
        for benchmark_id in DEMO_BENCHMARKS:
            record = score(model_id, benchmark_id, model=model)
            rows.append(record)
            print(record.line(), flush=True)
    table = [{"model": r.model, "benchmark": r.benchmark, "score": r.score, "score_paper": r.details.get("score_paper"),
              "score_paper_std": r.details.get("score_paper_std"), "raw": r.raw, "ceiling": r.ceiling,
              "error": r.error, "n_neuroids": r.n_neuroids, "layer": r.layer} for r in rows]
    with open(out / "demo_scores.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    (out / "demo_scores.json").write_text(json.dumps(table, indent=2))
    print()
    print(f"{'model':<20} {'benchmark':<30} {'score':>7} {'paper def.':>14} {'layer':<12}")
    for row in table:
        print(f"{row['model']:<20} {row['benchmark']:<30} {row['score']:>7.3f} "
              f"{row['score_paper']:>7.3f}+-{row['score_paper_std']:.3f} {str(row['layer']):<12}")
    for line in skipped:
        print(f"skipped {line}")
    print(f"tables written to {out / 'demo_scores.csv'} and {out / 'demo_scores.json'}")
    return 0


def command_report(args: argparse.Namespace) -> int:
    from brainscore_lcl.benchmarks.freemanziemba2013.benchmark import check_source_and_window
    from brainscore_lcl.data.sources import local_data_root
    from brainscore_lcl.model_helpers.from_file import model_id_from_args
    from brainscore_lcl.report.build import build_report
    from brainscore_lcl.scoring import check_model_ids

    if args.time_window:
        check_source_and_window(args.source, args.time_window)
    if args.source == "local":
        local_data_root(args.data_root)
    output_folder(args.out, "--out")
    check_input_paths(args)
    check_model_ids(args.references or [])
    page = build_report(model_id_from_args(args), args.out, checkpoint=args.checkpoint, source=args.source,
                        data_root=args.data_root, time_window=args.time_window, references=args.references,
                        no_cache=args.no_cache)
    print(f"wrote {page} (figures in {page.parent}, every number in {page.parent / 'report.json'})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from brainscore_lcl.model_helpers.from_file import add_model_arguments

    parser = ArgumentParser(prog="brainscore", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    score_parser = commands.add_parser("score", help="score a model on a benchmark")
    add_model_arguments(score_parser)
    score_parser.add_argument("--benchmark", required=True, help="benchmark id, e.g. FreemanZiemba2013sim.V2-pls")
    score_parser.add_argument("--checkpoint", help="encoder checkpoint for LCL models (default: the shipped one)")
    score_parser.add_argument("--json", help="write model, benchmark, score, raw, ceiling, error, n_neuroids, layer here")
    score_parser.add_argument("--full-json", action="store_true", help="with --json: also per-neuron values per split")
    score_parser.add_argument("--time-window", nargs=2, type=int, metavar=("START_MS", "END_MS"),
                              help="response window (default Brain-Score's 50 200; the paper used 50 150)")
    score_parser.add_argument("--data-root", help="folder of the raw release for FreemanZiemba2013local.* "
                                                  "(default $BRAINSCORE_LCL_FZ_ROOT)")
    score_parser.add_argument("--pls", choices=("kernel", "exact", "brainscore"),
                              help="PLS implementation (default kernel: equals Brain-Score's within 1e-6, much faster)")
    score_parser.set_defaults(func=command_score)

    list_parser = commands.add_parser("list", help="list model or benchmark ids")
    list_parser.add_argument("kind", choices=("models", "benchmarks"))
    list_parser.add_argument("--all", action="store_true", help="also list brainscore_vision's ids")
    list_parser.set_defaults(func=command_list)

    data_parser = commands.add_parser("data", help="data sources")
    data_commands = data_parser.add_subparsers(dest="data_command", required=True)
    export_parser = data_commands.add_parser("export", help="write a data source in the raw-release layout")
    export_parser.add_argument("--source", required=True, choices=("sim", "official", "public", "local"))
    export_parser.add_argument("--out", required=True)
    export_parser.add_argument("--seed", type=int, default=0)
    export_parser.set_defaults(func=command_data_export)
    describe_parser = data_commands.add_parser("describe", help="simulated vs published statistics of a data source")
    describe_parser.add_argument("--source", required=True, choices=("sim",),
                                 help="the simulated data (the only source with published counterparts built in)")
    describe_parser.add_argument("--json", help="also write the comparison to this JSON file")
    describe_parser.set_defaults(func=command_data_describe)

    weights_parser = commands.add_parser("weights", help="published weights of the comparison models")
    weights_commands = weights_parser.add_subparsers(dest="weights_command", required=True)
    fetch_parser = weights_commands.add_parser("fetch", help="download and verify a model's published weight files")
    fetch_parser.add_argument("--model", required=True, help="model id, e.g. alexnet-supervised")
    fetch_parser.set_defaults(func=command_weights_fetch)

    info_parser = commands.add_parser("info", help="describe a model and its checkpoint")
    add_model_arguments(info_parser)
    info_parser.add_argument("--checkpoint", help="the model's checkpoint (default: the shipped one)")
    info_parser.add_argument("--full", action="store_true",
                             help="everything the checkpoint records, with its config and validation history")
    info_parser.set_defaults(func=command_info)

    report_parser = commands.add_parser("report", help="one HTML page of every analysis of the paper for one model")
    add_model_arguments(report_parser)
    report_parser.add_argument("--checkpoint", help="the model's checkpoint (default: the shipped one)")
    report_parser.add_argument("--source", default="sim", choices=("sim", "public", "official", "local"),
                               help="data source (default sim: the embedded simulation, offline)")
    report_parser.add_argument("--data-root", help="raw-release folder for --source local")
    report_parser.add_argument("--time-window", nargs=2, type=int, metavar=("START_MS", "END_MS"),
                               help="response window for every analysis (default: each analysis' own)")
    report_parser.add_argument("--references", nargs="*", metavar="MODEL",
                               help="models to compare with (default: the offline reference models)")
    report_parser.add_argument("--no-cache", action="store_true", help="recompute scores instead of reading the cache")
    report_parser.add_argument("--out", required=True, help="folder for index.html, report.json and the figures")
    report_parser.set_defaults(func=command_report)

    demo_parser = commands.add_parser("demo", help="score the offline models on the simulated V1 and V2 data")
    demo_parser.add_argument("--models", nargs="+", default=list(DEMO_MODELS))
    demo_parser.add_argument("--out", default="results/demo")
    demo_parser.set_defaults(func=command_demo)

    from brainscore_lcl.training.cli import add_subcommands

    add_subcommands(commands)
    from brainscore_lcl.behaviour_cli import add_subcommand as add_behavior

    add_behavior(commands)
    from brainscore_lcl.export.cli import add_subcommand as add_submit

    add_submit(commands)
    return parser


def _quiet_libraries() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("brainscore_vision", "brainscore_core", "result_caching", "PIL"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")


def write_bug_log(error: BaseException) -> Path:
    """Write ``error``'s traceback to ``<cache>/logs/brainscore-<time>-<pid>.log``; returns the path."""
    import os
    import time
    import traceback

    from brainscore_lcl import __version__, cache_dir
    from brainscore_lcl.cache import atomic_write_text

    folder = cache_dir() / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        import tempfile

        folder = Path(tempfile.gettempdir())
    path = folder / f"brainscore-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    atomic_write_text(path, f"brainscore-lcl {__version__}\nargv: {sys.argv}\n\n"
                      + "".join(traceback.format_exception(error)))
    return path


def run_command(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Parse ``argv`` with ``parser`` and run the chosen command's ``func``: a ``SuiteError`` prints its one sentence
    and exits with its code, Ctrl-C exits 130, any other exception (a bug) prints one line naming the log file of its
    traceback and exits 3."""
    from brainscore_lcl.errors import EXIT_BUG, EXIT_INTERRUPTED, SuiteError

    try:
        args = parser.parse_args(argv)
        return args.func(args)
    except SuiteError as error:
        print(f"brainscore: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("brainscore: interrupted; nothing partial was kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug: one line here, the traceback in the log
        log = write_bug_log(error)
        first_line = next(iter(str(error).strip().splitlines()), "")
        print(f"brainscore: internal error {type(error).__name__}: {first_line} (a bug; full traceback in {log})",
              file=sys.stderr)
        return EXIT_BUG


def main(argv: list[str] | None = None) -> int:
    """Run the ``brainscore`` command (``run_command`` with every subcommand)."""
    _quiet_libraries()
    return run_command(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
