"""``brainscore behavior``: score decisions files (the human files' format) against Geirhos et al.'s human observers.

    brainscore behavior --decisions model.csv --dataset cue-conflict [--json OUT] [--data-root DIR]

The scoring lives in ``brainscore_lcl.benchmarks.geirhos2019local.benchmark`` (``score_decision_files`` for files,
``score_model`` for a ``BrainModel``).
"""
from __future__ import annotations

import argparse
import sys

from brainscore_lcl.data.geirhos import DATASETS

#: the fields of ``--json`` (cue-conflict adds ``SHAPE_FIELDS``)
JSON_FIELDS = ("dataset", "n_trials", "accuracy", "observed_consistency", "error_consistency", "human_accuracy",
               "human_error_consistency")
SHAPE_FIELDS = ("shape_bias", "human_shape_bias")


def command_behavior(args: argparse.Namespace) -> int:
    from brainscore_lcl.benchmarks.geirhos2019local.benchmark import format_result, score_decision_files
    from brainscore_lcl.cli import write_json_output
    from brainscore_lcl.data.geirhos import DecisionsFileError

    try:
        result = score_decision_files(args.decisions, args.dataset, args.data_root)
    except DecisionsFileError as error:
        print(f"brainscore behavior: {error}", file=sys.stderr)
        return 1
    print(format_result(result))
    write_json_output(args.json, result)
    return 0


def add_subcommand(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``behavior`` on the ``brainscore`` parser's subcommands."""
    parser = commands.add_parser("behavior", help="score 16-class decisions (CSV) against Geirhos et al.'s humans")
    parser.add_argument("--decisions", nargs="+", required=True, metavar="FILE",
                        help="one observer's decisions: CSV files with the columns subj, session, trial, rt, "
                             "object_response, category, condition, imagename (as the human files)")
    parser.add_argument("--dataset", required=True, choices=DATASETS)
    parser.add_argument("--json", help=f"write {', '.join(JSON_FIELDS + SHAPE_FIELDS)} (cue-conflict) and the "
                                       "per-observer values here")
    parser.add_argument("--data-root", help="Geirhos data folder with human/ and stimuli/ "
                                            "(default $BRAINSCORE_LCL_GEIRHOS_ROOT, else ../shared/data/geirhos)")
    parser.set_defaults(func=command_behavior)
    return parser
