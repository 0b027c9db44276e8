"""Checks and outputs shared by several ``brainscore`` commands; light imports only, so that parsers stay fast."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from brainscore_lcl import versioned
from brainscore_lcl.paths import existing_file, existing_folder, output_file, resolved


def check_json_option(args: argparse.Namespace) -> None:
    """``UsageError`` before any work when ``--json`` (if the command has it) cannot be written as a file."""
    if getattr(args, "json", None):
        output_file(args.json, "--json")


def check_input_paths(args: argparse.Namespace) -> None:
    """Before any work, for the commands that have them: ``--checkpoint`` must be a file, ``--data-root`` a folder."""
    from brainscore_lcl.checkpoint import CheckpointError

    if getattr(args, "checkpoint", None):
        existing_file(args.checkpoint, "--checkpoint", "pass an existing checkpoint file", CheckpointError)
    if (
        getattr(args, "data_root", None) and resolved(args.data_root, "--data-root").exists()
    ):  # else its loader explains
        existing_folder(args.data_root, "--data-root")


def write_json_output(path: str | None, payload: object) -> None:
    """The ``--json`` option: write ``payload`` to ``path`` (folders created) and say so; no-op without it."""
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(versioned(payload) if isinstance(payload, dict) else payload, indent=2))
        print(f"wrote {path}")


class LazyChoices:
    """``choices`` for an argparse option whose allowed values live in a heavy module: ``load()`` (which imports it)
    runs only when a value is checked or the option's help is shown, not when the parser is built (give the option a
    ``metavar``: argparse formats it when the option is added)."""

    def __init__(self, load: Callable[[], Sequence[str]]):
        self._load = load

    def __contains__(self, value: object) -> bool:
        return value in self._load()

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())


def add_database_argument(parser: argparse.ArgumentParser) -> None:
    """--db URL: the results database (default SQLite in the cache)."""
    parser.add_argument(
        "--db",
        metavar="URL",
        help="results database: sqlite:///FILE or postgresql://USER@HOST/DB (default $BRAINSCORE_LCL_CACHE/"
        "results.sqlite)",
    )
