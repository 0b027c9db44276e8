"""``brainscore info``: describe a model and its checkpoint."""

from __future__ import annotations

import argparse
import json

from brainscore_lcl.cli.options import check_input_paths


def command_info(args: argparse.Namespace) -> int:
    """Describe a model: a short summary (``summarize_description``), everything with ``--full``."""
    from brainscore_lcl.model_helpers.commitment import summarize_description
    from brainscore_lcl.model_helpers.from_file import model_id_from_args
    from brainscore_lcl.scoring import describe_model

    check_input_paths(args)
    description = describe_model(model_id_from_args(args), checkpoint=args.checkpoint)
    print(json.dumps(description if args.full else summarize_description(description), indent=2, default=str))
    return 0


def add_subcommand(commands: argparse._SubParsersAction) -> None:
    """Add ``info`` to the ``brainscore`` command's subparsers."""
    from brainscore_lcl.model_helpers.from_file import add_model_arguments

    parser = commands.add_parser("info", help="describe a model and its checkpoint")
    add_model_arguments(parser)
    parser.add_argument("--checkpoint", help="the model's checkpoint (default: the shipped one)")
    parser.add_argument(
        "--full", action="store_true", help="everything the checkpoint records, with its config and validation history"
    )
    parser.set_defaults(func=command_info)
