"""The error contract of every entry point (``brainscore`` and the figure scripts ``analyses/*.py``), in one function.

``run_under_contract(prog, run)`` runs ``run()`` and turns what escapes it into one line on stderr and an exit code: a
``SuiteError`` prints its sentence and exits with its code, Ctrl-C exits 130, a write the file system refused (a
read-only cache, a full disk) prints ``unwritable_sentence`` and exits 1, any other exception (a bug) prints one
line naming the log file that holds its traceback (``<cache>/logs``) and exits 3. docs/errors-and-cache.md explains
it to users.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from brainscore_lcl import __version__, cache_dir
from brainscore_lcl.cache import atomic_write_text
from brainscore_lcl.errors import EXIT_BUG, EXIT_FAILED, EXIT_INTERRUPTED, SuiteError

#: errno values of a write that the file system refused: read-only, no permission, full, over quota
UNWRITABLE = {errno.EROFS: "a read-only file system", errno.EACCES: "no permission", errno.EPERM: "no permission"}
UNWRITABLE |= {errno.ENOSPC: "no space left", errno.EDQUOT: "over the disk quota"}


def write_bug_log(error: BaseException) -> Path:
    """Write ``error``'s traceback to ``<cache>/logs/brainscore-<time>-<pid>.log`` (the temporary folder when the cache
    cannot hold it); returns the path."""
    folder = cache_dir() / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir())
    path = folder / f"brainscore-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    atomic_write_text(
        path, f"brainscore-lcl {__version__}\nargv: {sys.argv}\n\n" + "".join(traceback.format_exception(error))
    )
    return path


def unwritable_sentence(error: OSError) -> str | None:
    """The one sentence for a write the file system refused (``UNWRITABLE``) with the path it names: the path, the
    reason, and, for a path in the cache, ``$BRAINSCORE_LCL_CACHE`` to change; None for any other ``OSError``."""
    if error.errno not in UNWRITABLE or not error.filename:
        return None
    path, cache = Path(error.filename).absolute(), cache_dir().absolute()
    if path.is_relative_to(cache):
        return (
            f"cannot write {path} in the cache ({UNWRITABLE[error.errno]}); point BRAINSCORE_LCL_CACHE at a folder "
            "you can write to (or free space there)"
        )
    return f"cannot write {path} ({UNWRITABLE[error.errno]}); choose a path you can write to (or free space there)"


def run_under_contract(prog: str, run: Callable[[], object]) -> int:
    """``run()``'s exit code (its return value when that is an int, else 0), or the code of what it raised, after one
    line on stderr starting ``<prog>:`` (see the module docstring)."""
    try:
        code = run()
    except SuiteError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; nothing partial was kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        sentence = unwritable_sentence(error) if isinstance(error, OSError) else None
        if sentence is not None:
            print(f"{prog}: {sentence}", file=sys.stderr)
            return EXIT_FAILED
        # a bug: one line here, the traceback in the log
        log = write_bug_log(error)
        first_line = next(iter(str(error).strip().splitlines()), "")
        print(
            f"{prog}: internal error {type(error).__name__}: {first_line} (a bug; full traceback in {log})",
            file=sys.stderr,
        )
        return EXIT_BUG
    return code if isinstance(code, int) and not isinstance(code, bool) else 0
