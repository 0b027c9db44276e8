"""The ``brainscore`` command: score models (one or a grid), list ids, export data, train, report, make stimuli.

``main`` keeps the error contract of ``brainscore_lcl.errors`` (one line on stderr, the exit code of the error; a
bug's traceback goes to a log file); docs/errors-and-cache.md explains it to users.

One module per command (``score``, ``list_ids``, ``data``, ``weights``, ``info``, ``report``, ``demo``, ``train``,
``behavior``, ``submit``, ``stimuli``, ``texmod``, ``grid``, ``leaderboard``), each with ``add_subcommand(commands)``
and its ``command_*`` functions; the parsers import nothing heavy (torch, brainscore_vision and the suite's models
load inside the command functions).
"""

from __future__ import annotations

import argparse
import errno
import logging
import sys
import warnings
from pathlib import Path

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
from brainscore_lcl.errors import EXIT_BUG, EXIT_FAILED, EXIT_INTERRUPTED, ArgumentParser, SuiteError

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
    atomic_write_text(
        path, f"brainscore-lcl {__version__}\nargv: {sys.argv}\n\n" + "".join(traceback.format_exception(error))
    )
    return path


def run_command(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Parse ``argv`` with ``parser`` and run the chosen command's ``func``: a ``SuiteError`` prints its one sentence
    and exits with its code, Ctrl-C exits 130, a write the file system refused (read-only, full) prints
    ``unwritable_sentence`` and exits 1, any other exception (a bug) prints one line naming the log file of its
    traceback and exits 3."""
    try:
        args = parser.parse_args(argv)
        return args.func(args)
    except SuiteError as error:
        print(f"brainscore: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("brainscore: interrupted; nothing partial was kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:
        sentence = unwritable_sentence(error)
        if sentence is None:
            return _bug(error)
        print(f"brainscore: {sentence}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as error:  # a bug
        return _bug(error)


#: errno values of a write that the file system refused: read-only, no permission, full, over quota
UNWRITABLE = {errno.EROFS: "a read-only file system", errno.EACCES: "no permission", errno.EPERM: "no permission"}
UNWRITABLE |= {errno.ENOSPC: "no space left", errno.EDQUOT: "over the disk quota"}


def unwritable_sentence(error: OSError) -> str | None:
    """The one sentence for a write the file system refused (``UNWRITABLE``) with the path it names: the path, the
    reason, and, for a path in the cache, ``$BRAINSCORE_LCL_CACHE`` to change; None for any other ``OSError``."""
    from brainscore_lcl import cache_dir

    if error.errno not in UNWRITABLE or not error.filename:
        return None
    path, cache = Path(error.filename).absolute(), cache_dir().absolute()
    if path.is_relative_to(cache):
        return (
            f"cannot write {path} in the cache ({UNWRITABLE[error.errno]}); point BRAINSCORE_LCL_CACHE at a folder "
            "you can write to (or free space there)"
        )
    return f"cannot write {path} ({UNWRITABLE[error.errno]}); choose a path you can write to (or free space there)"


def _bug(error: BaseException) -> int:
    """One line naming ``error`` and the log file of its traceback; ``EXIT_BUG``."""
    log = write_bug_log(error)
    first_line = next(iter(str(error).strip().splitlines()), "")
    print(
        f"brainscore: internal error {type(error).__name__}: {first_line} (a bug; full traceback in {log})",
        file=sys.stderr,
    )
    return EXIT_BUG


def main(argv: list[str] | None = None) -> int:
    """Run the ``brainscore`` command (``run_command`` with every subcommand)."""
    _quiet_libraries()
    return run_command(build_parser(), argv)
