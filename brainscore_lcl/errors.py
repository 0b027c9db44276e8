"""The suite's error types: one contract for every layer.

Every error a user can fix is a ``SuiteError`` raised where the problem is detected, with one sentence that names the
value, the rule and what to do next. It carries its exit code; ``brainscore``'s ``main`` catches ``SuiteError`` once
and prints that sentence as one line. Any other exception is a bug: ``main`` prints one line naming the exception and
a log file holding the full traceback, and exits ``EXIT_BUG``.

This module imports nothing of the suite, so every layer (metrics, data, models, training, export, CLI) may import it.
"""

from __future__ import annotations

import argparse

EXIT_FAILED = 1
"""A run that failed or data that cannot be used (unreachable data, a corrupt file, a failed check)."""
EXIT_USAGE = 2
"""A bad request: an unknown id, an out-of-range option, a path of the wrong kind."""
EXIT_BUG = 3
"""An exception the suite did not expect: a bug, reported with the path of its traceback's log file."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (128 + SIGINT), as shells report it."""


class SuiteError(Exception):
    """Base of the suite's errors: ``str(error)`` is one sentence, ``exit_code`` the command's exit status."""

    exit_code = EXIT_FAILED


class UsageError(SuiteError, ValueError):
    """A request that cannot be carried out as given (exit code 2): the sentence names the value and what is allowed."""

    exit_code = EXIT_USAGE


class RunError(SuiteError, RuntimeError):
    """A run that failed, or data, weights or files that cannot be used (exit code 1)."""

    exit_code = EXIT_FAILED


class ModelUnavailableError(RunError):
    """A model that cannot be built yet (e.g. no shipped checkpoint); the CLI exits with code 1."""


class ActivationError(RunError):
    """A layer produced NaN/inf or constant activations."""


class RegionNotCommittedError(UsageError):
    """A model asked for a brain region it maps no layer to (e.g. lcl-v1, one stage, on a V2 benchmark)."""


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` whose errors (unknown option, bad choice, a value of the wrong type) raise
    ``UsageError`` instead of printing the usage and exiting, so that they too end in one line; its subcommands'
    parsers are of this class as well."""

    def error(self, message: str):
        raise UsageError(f"{message} (see `{self.prog} --help`)")
