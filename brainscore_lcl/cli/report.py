"""``brainscore report``: one HTML page of every analysis of the paper for one model."""

from __future__ import annotations

import argparse

from brainscore_lcl.analyses import FIGURES
from brainscore_lcl.cli.options import check_input_paths
from brainscore_lcl.paths import output_folder

#: the figures with a report section (``brainscore_lcl.report.build.SECTIONS``; the ablations compare training runs,
#: not one model), named here without importing the report's scoring machinery
REPORT_SECTIONS = tuple(figure for figure in FIGURES if figure != "ablations")


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
    page = build_report(
        model_id_from_args(args),
        args.out,
        checkpoint=args.checkpoint,
        source=args.source,
        data_root=args.data_root,
        time_window=args.time_window,
        references=args.references,
        no_cache=args.no_cache,
        sections=args.sections,
    )
    print(f"wrote {page} (figures in {page.parent}, every number in {page.parent / 'report.json'})")
    return 0


def add_subcommand(commands: argparse._SubParsersAction) -> None:
    """Add ``report`` to the ``brainscore`` command's subparsers."""
    from brainscore_lcl.model_helpers.from_file import add_model_arguments

    parser = commands.add_parser("report", help="one HTML page of every analysis of the paper for one model")
    add_model_arguments(parser)
    parser.add_argument("--checkpoint", help="the model's checkpoint (default: the shipped one)")
    parser.add_argument(
        "--source",
        default="sim",
        choices=("sim", "public", "official", "local"),
        help="data source (default sim: the embedded simulation, offline)",
    )
    parser.add_argument("--data-root", help="raw-release folder for --source local")
    parser.add_argument(
        "--time-window",
        nargs=2,
        type=int,
        metavar=("START_MS", "END_MS"),
        help="response window for every analysis (default: each analysis' own)",
    )
    parser.add_argument(
        "--references",
        nargs="*",
        metavar="MODEL",
        help="models to compare with (default: the offline reference models)",
    )
    parser.add_argument(
        "--sections",
        nargs="+",
        choices=REPORT_SECTIONS,
        metavar="SECTION",
        help=f"only these sections (default all: {', '.join(REPORT_SECTIONS)})",
    )
    parser.add_argument("--no-cache", action="store_true", help="recompute scores instead of reading the cache")
    parser.add_argument("--out", required=True, help="folder for index.html, report.json and the figures")
    parser.set_defaults(func=command_report)
