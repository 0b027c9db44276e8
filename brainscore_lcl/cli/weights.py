"""``brainscore weights fetch``: download and verify a comparison model's published weight files."""

from __future__ import annotations

import argparse


def command_weights_fetch(args: argparse.Namespace) -> int:
    from brainscore_lcl.published_weights import fetch, registered_weights
    from brainscore_lcl.scoring import check_model_ids

    check_model_ids([args.model])  # an unknown id is a bad request (exit 2), before any download
    for path, weight_file in zip(fetch(args.model), registered_weights(args.model)):
        print(f"{args.model}: {path} ({weight_file.url})")
    return 0


def add_subcommand(commands: argparse._SubParsersAction) -> None:
    """Add ``weights`` (``fetch``) to the ``brainscore`` command's subparsers."""
    parser = commands.add_parser("weights", help="published weights of the comparison models")
    weights_commands = parser.add_subparsers(dest="weights_command", required=True)
    fetch_parser = weights_commands.add_parser("fetch", help="download and verify a model's published weight files")
    fetch_parser.add_argument("--model", required=True, help="model id, e.g. alexnet-supervised")
    fetch_parser.set_defaults(func=command_weights_fetch)
