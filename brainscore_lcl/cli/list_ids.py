"""``brainscore list models|benchmarks``: this suite's ids (models with their weights' availability), ``--all`` adds
brainscore_vision's."""

from __future__ import annotations

import argparse


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


def add_subcommand(commands: argparse._SubParsersAction) -> None:
    """Add ``list`` to the ``brainscore`` command's subparsers."""
    parser = commands.add_parser("list", help="list model or benchmark ids")
    parser.add_argument("kind", choices=("models", "benchmarks"))
    parser.add_argument("--all", action="store_true", help="also list brainscore_vision's ids")
    parser.set_defaults(func=command_list)
