"""The ``brainscore`` command: score models (one or a grid), list ids, export data, train, report, make stimuli.

``main`` keeps the error contract of ``brainscore_lcl.errors`` through ``brainscore_lcl.run_contract`` (one line on
stderr, the exit code of the error; a bug's traceback goes to a log file), as the figure scripts do;
docs/errors-and-cache.md explains it to users.

One module per command (``score``, ``list_ids``, ``data``, ``weights``, ``info``, ``report``, ``demo``, ``train``,
``behavior``, ``submit``, ``stimuli``, ``texmod``, ``grid``, ``leaderboard``), each with ``add_subcommand(commands)``
and its ``command_*`` functions; the parsers import nothing heavy (torch, brainscore_vision and the suite's models
load inside the command functions).
"""

from __future__ import annotations

import argparse
import logging
import warnings

from brainscore_lcl import __version__
from brainscore_lcl.cli import (
    behavior,
    data,
    demo,
    grid,
    info,
    leaderboard,
    list_ids,
    report,
    score,
    stimuli,
    submit,
    texmod,
    train,
    weights,
)
from brainscore_lcl.errors import ArgumentParser
from brainscore_lcl.run_contract import run_under_contract

#: the command modules, in the order of ``brainscore --help``
COMMANDS = (
    score,
    list_ids,
    data,
    weights,
    info,
    report,
    demo,
    train,
    behavior,
    submit,
    stimuli,
    texmod,
    grid,
    leaderboard,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``brainscore`` parser with every command's subparser."""
    parser = ArgumentParser(prog="brainscore", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"brainscore-lcl {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_subcommand(commands)
    return parser


def _quiet_libraries() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("brainscore_vision", "brainscore_core", "result_caching", "PIL"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    # known, harmless warnings of Brain-Score's packages: xarray asks their assembly subclasses for __slots__, and
    # brainscore_vision's screen.py sets a pandas attribute that pandas does not turn into a column
    warnings.filterwarnings(
        "ignore",
        message="xarray subclass .* should explicitly define __slots__",
        category=FutureWarning,
        module="brainscore_core|brainio|brainscore_vision",
    )
    warnings.filterwarnings(
        "ignore",
        message="Pandas doesn't allow columns to be created via a new attribute name",
        category=UserWarning,
        module="brainscore_vision.benchmark_helpers.screen",
    )


def run_command(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Parse ``argv`` with ``parser`` and run the chosen command's ``func`` under the error contract
    (``brainscore_lcl.run_contract``): one line on stderr and the error's exit code for whatever it raises."""

    def parse_and_run() -> int:
        args = parser.parse_args(argv)
        return args.func(args)

    return run_under_contract("brainscore", parse_and_run)


def main(argv: list[str] | None = None) -> int:
    """Run the ``brainscore`` command (``run_command`` with every subcommand)."""
    _quiet_libraries()
    return run_command(build_parser(), argv)
