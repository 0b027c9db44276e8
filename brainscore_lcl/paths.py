"""Checks of the paths a user passes, made before any work starts: each problem ends in one sentence.

Every path is first resolved with symlink-loop detection (``resolved``): a link that points back to itself through
other links is a bad request (``UsageError``, exit 2) naming the option, refused before any work rather than when the
first file is written. Input paths (``existing_file``, ``existing_folder``): a missing path is unusable data
(``RunError``, exit 1); a path of the wrong kind (a folder where a file is wanted, or the reverse) is a bad request
(``UsageError``, exit 2). Output paths (``output_file``, ``output_folder``) must not be of the wrong kind, and their
nearest existing ancestor must be a folder that this process can write into, on a file system mounted read-write
(``UsageError``; a read-only file system is named as such, since ``os.access`` alone reports it only as "not
writable"). ``option`` names the option in every sentence (e.g. ``"--checkpoint"``). Nothing here creates a file or
folder.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path

from brainscore_lcl.errors import RunError, SuiteError, UsageError


def resolved(path: str | os.PathLike, option: str) -> Path:
    """``path`` with ``~`` expanded, after checking that resolving it meets no symlink loop (``UsageError`` naming
    ``option`` if it does); the path itself is returned unresolved, so messages show what the user typed."""
    path = Path(path).expanduser()
    try:
        path.resolve()
    except RuntimeError:  # Python < 3.13: "Symlink loop from ..."
        raise _loop_error(path, option) from None
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise
        raise _loop_error(path, option) from None
    return path


def _loop_error(path: Path, option: str) -> UsageError:
    return UsageError(
        f"{option} {path} runs into a symbolic link loop (a link that leads back to itself); remove or fix the link, "
        "or pass another path"
    )


def read_only_file_system(path: str | os.PathLike) -> bool:
    """Whether the existing ``path`` lies on a file system mounted read-only (``statvfs``'s ``ST_RDONLY`` flag)."""
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def existing_file(
    path: str | os.PathLike,
    option: str,
    hint: str = "pass an existing file",
    missing_error: type[SuiteError] = RunError,
) -> Path:
    """``path`` if it is a file; ``missing_error`` if it does not exist (with ``hint``), ``UsageError`` if a folder."""
    path = resolved(path, option)
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder, not a file; pass the file itself (e.g. one inside it)")
    if not path.is_file():
        raise missing_error(f"{option} {path} does not exist; {hint}")
    return path


def existing_folder(
    path: str | os.PathLike,
    option: str,
    hint: str = "pass an existing folder",
    missing_error: type[SuiteError] = RunError,
) -> Path:
    """``path`` if it is a folder; ``missing_error`` if it does not exist (with ``hint``), ``UsageError`` if a file."""
    path = resolved(path, option)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path} is a file, not a folder; pass the folder that holds it ({path.parent})")
    if not path.is_dir():
        raise missing_error(f"{option} {path} does not exist; {hint}")
    return path


def _not_writable(path: Path, option: str, target: Path) -> UsageError:
    """The sentence for ``target`` (``path`` or its nearest existing ancestor) that cannot be written."""
    if read_only_file_system(target):
        return UsageError(
            f"{option} {path} cannot be written: {target} is on a read-only file system; choose a path on a "
            "writable one"
        )
    if target == path:
        return UsageError(f"{option} {path} is not writable (read-only or another user's); choose another folder")
    return UsageError(
        f"{option} {path} cannot be written: {target} is not writable (read-only or another user's); choose a path "
        "in a folder you can write to"
    )


def _writable_ancestor(path: Path, option: str) -> None:
    """``UsageError`` unless the nearest existing ancestor of ``path`` is a folder this process may write into."""
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UsageError(f"{option} {path} lies under {ancestor}, which is a file, not a folder; choose another path")
    if not os.access(ancestor, os.W_OK | os.X_OK) or read_only_file_system(ancestor):
        raise _not_writable(path, option, ancestor)


def output_file(path: str | os.PathLike, option: str) -> Path:
    """``path`` if it can be written as a file: not a folder, under a writable folder; ``UsageError`` otherwise."""
    path = resolved(path, option)
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder; pass a file path (e.g. {path / 'out.json'})")
    if path.exists() and (not os.access(path, os.W_OK) or read_only_file_system(path)):
        if read_only_file_system(path):
            raise _not_writable(path, option, path)
        raise UsageError(f"{option} {path} exists and is not writable; choose another file")
    _writable_ancestor(path, option)
    return path


def output_folder(path: str | os.PathLike, option: str, subfolders: Iterable[str] = ()) -> Path:
    """``path`` if it can be used as an output folder: a folder or nothing yet, under a writable folder, holding no
    file where the command writes one of ``subfolders`` (names relative to ``path``)."""
    path = resolved(path, option)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path} is a file, not a folder; pass a folder path (it is created if needed)")
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK) or read_only_file_system(path):
            raise _not_writable(path, option, path)
        for name in subfolders:
            inner = resolved(path / name, option)
            if inner.exists() and not inner.is_dir():
                raise UsageError(
                    f"{option} {path} holds a file named {name} where this command writes a folder of that name; "
                    "move the file or choose another folder"
                )
        return path
    _writable_ancestor(path, option)
    return path
