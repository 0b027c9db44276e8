"""``brainscore behavior``: score a model with an ImageNet readout, or decisions files (the human files' format),
against Geirhos et al.'s human observers.

    brainscore behavior --model ID | --model-file FILE.py:FUNCTION | --decisions FILE... --dataset cue-conflict
                        [--checkpoint P] [--json OUT] [--data-root DIR]

The scoring lives in ``brainscore_lcl.benchmarks.geirhos2019local.benchmark`` (``score_decision_files`` for files,
``score_model`` for a ``BrainModel``, which also writes the model's decisions as a CSV).
"""

from __future__ import annotations

import argparse

from brainscore_lcl.cli.options import LazyChoices, check_input_paths, check_json_option, write_json_output
from brainscore_lcl.errors import RunError, UsageError

#: the fields of ``--json`` (cue-conflict adds ``SHAPE_FIELDS``)
JSON_FIELDS = (
    "dataset",
    "n_trials",
    "accuracy",
    "observed_consistency",
    "error_consistency",
    "human_accuracy",
    "human_error_consistency",
)
SHAPE_FIELDS = ("shape_bias", "human_shape_bias")


def geirhos_datasets() -> tuple[str, ...]:
    """The Geirhos datasets ``--dataset`` accepts (``brainscore_lcl.data.geirhos.DATASETS``)."""
    from brainscore_lcl.data.geirhos import DATASETS

    return DATASETS


def command_behavior(args: argparse.Namespace) -> int:
    from brainscore_lcl.benchmarks.geirhos2019local.benchmark import (
        format_result,
        imagenet_readout_reason,
        score_decision_files,
        score_model,
    )
    from brainscore_lcl.model_helpers.from_file import check_input_options_need_model_file, model_id_from_args
    from brainscore_lcl.scoring import load_model

    check_input_options_need_model_file(args)
    if args.decisions and (args.layers or args.checkpoint):
        raise UsageError("--layers and --checkpoint apply to --model or --model-file, not to --decisions")
    check_json_option(args)
    check_input_paths(args)
    if args.decisions:
        result = score_decision_files(args.decisions, args.dataset, args.data_root)
    else:
        model_id = model_id_from_args(args)
        model = load_model(model_id, checkpoint=args.checkpoint)
        reason = imagenet_readout_reason(model)
        if reason:
            raise RunError(
                f"{model_id} cannot make the 16-class decisions: {reason}; behaviour needs a network whose "
                "output is the 1000 ImageNet class scores"
            )
        result = score_model(model, [args.dataset], args.data_root)[args.dataset]
    print(format_result(result))
    write_json_output(args.json, result)
    return 0


def add_subcommand(commands: argparse._SubParsersAction) -> None:
    """Add ``behavior`` to the ``brainscore`` command's subparsers."""
    from brainscore_lcl.model_helpers.from_file import add_model_file_arguments

    parser = commands.add_parser(
        "behavior",
        help="score a model with an ImageNet readout, or 16-class decisions (CSV), against Geirhos et al.'s humans",
    )
    given = parser.add_mutually_exclusive_group(required=True)
    given.add_argument("--model", help="model id with a 1000-way ImageNet readout (see `brainscore list models`)")
    add_model_file_arguments(parser, given)
    given.add_argument(
        "--decisions",
        nargs="+",
        metavar="FILE",
        help="one observer's decisions: CSV files with the columns subj, session, trial, rt, "
        "object_response, category, condition, imagename (as the human files)",
    )
    parser.add_argument("--checkpoint", help="with --model or --model-file: weights to load")
    parser.add_argument(
        "--dataset", required=True, choices=LazyChoices(geirhos_datasets), metavar="DATASET", help="one of %(choices)s"
    )
    parser.add_argument(
        "--json", help=f"write {', '.join(JSON_FIELDS + SHAPE_FIELDS)} (cue-conflict) and the per-observer values here"
    )
    parser.add_argument(
        "--data-root",
        help="Geirhos data folder with human/ and stimuli/ "
        "(default $BRAINSCORE_LCL_GEIRHOS_ROOT, else ../shared/data/geirhos)",
    )
    parser.set_defaults(func=command_behavior)
