"""Checks of the paths a user passes, made before any work starts: each problem ends in one sentence.

Input paths (``existing_file``, ``existing_folder``): a missing path is unusable data (``RunError``, exit 1); a path of
the wrong kind (a folder where a file is wanted, or the reverse) is a bad request (``UsageError``, exit 2). Output
paths (``output_file``, ``output_folder``) must not be of the wrong kind, and their nearest existing ancestor must be a
folder that this process can write into (``UsageError``). ``option`` names the option in every sentence
(e.g. ``"--checkpoint"``). Nothing here creates a file or folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from brainscore_lcl.errors import RunError, SuiteError, UsageError


def existing_file(
    path: str | os.PathLike,
    option: str,
    hint: str = "pass an existing file",
    missing_error: type[SuiteError] = RunError,
) -> Path:
    """``path`` if it is a file; ``missing_error`` if it does not exist (with ``hint``), ``UsageError`` if a folder."""
    path = Path(path).expanduser()
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
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path} is a file, not a folder; pass the folder that holds it ({path.parent})")
    if not path.is_dir():
        raise missing_error(f"{option} {path} does not exist; {hint}")
    return path


def _writable_ancestor(path: Path, option: str) -> None:
    """``UsageError`` unless the nearest existing ancestor of ``path`` is a folder this process may write into."""
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UsageError(f"{option} {path} lies under {ancestor}, which is a file, not a folder; choose another path")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise UsageError(
            f"{option} {path} cannot be written: {ancestor} is not writable (read-only or another "
            "user's); choose a path in a folder you can write to"
        )


def output_file(path: str | os.PathLike, option: str) -> Path:
    """``path`` if it can be written as a file: not a folder, under a writable folder; ``UsageError`` otherwise."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder; pass a file path (e.g. {path / 'out.json'})")
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{option} {path} exists and is not writable; choose another file")
    _writable_ancestor(path, option)
    return path


def output_folder(path: str | os.PathLike, option: str) -> Path:
    """``path`` if it can be used as an output folder: a folder or nothing yet, under a writable folder."""
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path} is a file, not a folder; pass a folder path (it is created if needed)")
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK):
            raise UsageError(f"{option} {path} is not writable (read-only or another user's); choose another folder")
        return path
    _writable_ancestor(path, option)
    return path
