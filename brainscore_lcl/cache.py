"""Safe writes into the suite's cache (``$BRAINSCORE_LCL_CACHE``): atomic files and folders, a file lock per entry,
corrupt entries reported and rebuilt.

- Every entry is written under a unique temporary name beside it (``.<name>.<random>.tmp[<suffix>]``) and renamed
  into place, so a reader sees the old entry or the complete new one, never half of one; a write that fails or is
  interrupted (Ctrl-C) removes its temporary.
- Where two processes may build the same entry, the builder holds ``locked(entry)`` (a ``filelock`` on
  ``.<name>.lock`` beside the entry, removed on release; the kernel releases it when a process dies) and looks again
  once it holds it, so the second process uses what the first one built (``ensure_folder``).
- An entry that exists but cannot be read is reported in one line on stderr (``report_corrupt``), removed and rebuilt.

This module imports nothing of the suite, so every layer may use it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock

TEMPORARY_MARK = ".tmp"
"""Part of every temporary name this module writes (a test looks for leftovers by it)."""
LOCK_SUFFIX = ".lock"
_MAX_NAME = 255
_UMASK = os.umask(0)
os.umask(_UMASK)


def _hidden_sibling(path: Path, suffix: str) -> Path:
    """``.<name><suffix>`` beside ``path``, or ``.<sha1 of name><suffix>`` where the name would be too long."""
    name = f".{path.name}{suffix}"
    if len(name.encode()) > _MAX_NAME:
        name = f".{hashlib.sha1(path.name.encode()).hexdigest()}{suffix}"
    return path.with_name(name)


def lock_path(path: str | os.PathLike) -> Path:
    """The lock file that guards the entry ``path``: ``.<name>.lock`` beside it."""
    return _hidden_sibling(Path(path), LOCK_SUFFIX)


@contextlib.contextmanager
def locked(path: str | os.PathLike) -> Iterator[None]:
    """Hold the lock of the entry ``path`` (waiting for another process that holds it). Re-entrant in one process.
    In a folder where no lock file can be created (read-only), nothing can be built either: the block runs unlocked,
    so that reading a complete read-only cache still works."""
    lock = FileLock(lock_path(path), is_singleton=True)
    try:
        lock_path(path).parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except OSError as error:
        if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        yield
        return
    try:
        yield
    finally:
        lock.release()


def _temporary_prefix(path: Path) -> str:
    """``.<name>.``, or ``.<sha1 of name>.`` where the temporary name (this prefix, mkstemp's 8 random characters,
    the mark and the suffix) would be too long for the file system."""
    room = _MAX_NAME - 8 - len(f"{TEMPORARY_MARK}{path.suffix}".encode())
    prefix = f".{path.name}."
    return prefix if len(prefix.encode()) <= room else f".{hashlib.sha1(path.name.encode()).hexdigest()}."


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A new, empty temporary file beside ``path`` (same suffix, so writers that infer the format from it work) for
    the block to write; when the block ends it is flushed to disk and renamed onto ``path``; when the block raises
    (or is interrupted) it is removed and ``path`` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        dir=path.parent, prefix=_temporary_prefix(path), suffix=f"{TEMPORARY_MARK}{path.suffix}"
    )
    os.close(handle)
    temporary = Path(name)
    try:
        os.chmod(temporary, 0o666 & ~_UMASK)
        yield temporary
        _fsync(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    return atomic_write_bytes(path, text.encode())


def atomic_write_json(path: str | os.PathLike, value: Any, **dumps_options) -> Path:
    """Write ``json.dumps(value, **dumps_options)`` to ``path`` atomically; returns the path."""
    return atomic_write_text(path, json.dumps(value, **dumps_options))


def remove(path: str | os.PathLike) -> None:
    """Remove a file or a folder tree; nothing when it does not exist."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike) -> Iterator[Path]:
    """A new, empty temporary folder beside ``path`` for the block to fill; when the block ends it replaces ``path``
    (an old folder there is removed); when the block raises (or is interrupted) it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=_temporary_prefix(path), suffix=TEMPORARY_MARK))
    retired = None
    try:
        yield staging
        if path.exists() or path.is_symlink():
            retired = _hidden_sibling(path, f".{uuid.uuid4().hex[:8]}.old{TEMPORARY_MARK}")
            os.replace(path, retired)
        os.replace(staging, path)
    finally:
        remove(staging)
        if retired is not None:
            remove(retired)


def exclusive_lock(path: str | os.PathLike, refusal: str) -> FileLock:
    """The lock of ``path`` (``lock_path``), taken without waiting; ``UsageError(refusal)`` when another process
    holds it. The caller releases it."""
    from filelock import Timeout

    from brainscore_lcl.errors import UsageError

    lock = FileLock(lock_path(path), timeout=0)
    try:
        lock_path(path).parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        raise UsageError(refusal) from None
    return lock


@contextlib.contextmanager
def output_folder_transaction(path: str | os.PathLike, option: str = "--out") -> Iterator[Path]:
    """A command's output folder, written all or nothing: the block fills a new temporary folder beside ``path``;
    when it ends, the staged folder becomes ``path`` (one rename) or, where ``path`` exists, each staged entry replaces
    its namesake there (other entries stay); when the block raises or is interrupted, the staging folder is removed
    and ``path`` is as it was. A second run on the same ``path`` while one holds it is refused (``UsageError`` naming
    ``option``) rather than interleaving its files: the lock is ``.<name>.lock`` beside ``path``, removed when done.
    Written here rather than taken from a library: ``filelock`` gives the lock, not the folder's merge."""
    path = Path(path)
    lock = exclusive_lock(
        path,
        f"{option} {path} is being written by another run (it holds {lock_path(path)}); wait for it to finish or "
        "choose another folder",
    )
    try:
        staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=_temporary_prefix(path), suffix=TEMPORARY_MARK))
        try:
            yield staging
            if not path.exists():
                os.replace(staging, path)
            else:
                for entry in sorted(staging.iterdir()):
                    target = path / entry.name
                    retired = _hidden_sibling(target, f".{uuid.uuid4().hex[:8]}.old{TEMPORARY_MARK}")
                    if target.exists() or target.is_symlink():
                        os.replace(target, retired)
                    os.replace(entry, target)
                    remove(retired)
        finally:
            remove(staging)
    finally:
        Path(lock_path(path)).unlink(missing_ok=True)
        lock.release()


def ensure_folder(path: str | os.PathLike, is_current: Callable[[Path], bool], build: Callable[[Path], None]) -> Path:
    """The folder ``path``, built once by ``build(staging folder)`` unless ``is_current(path)``. Under the entry's lock
    ``is_current`` is asked again, so concurrent callers build it once and the others use it; returns ``path``."""
    path = Path(path)
    if is_current(path):
        return path
    with locked(path):
        if not is_current(path):
            with atomic_folder(path) as staging:
                build(staging)
    return path


def report_corrupt(path: str | os.PathLike, reason: str) -> None:
    """Say in one line on stderr that the cache entry ``path`` is corrupt (``reason``) and is rebuilt; remove it."""
    print(f"brainscore: cache entry {path} was corrupt ({reason}); rebuilding it", file=sys.stderr)
    remove(path)


def error_summary(error: BaseException) -> str:
    """``"<exception name>: <first line of its message>"`` (just the name when it has no message)."""
    message = str(error).strip()
    return f"{type(error).__name__}: {message.splitlines()[0]}" if message else type(error).__name__


def read_json(path: str | os.PathLike, default: Any) -> Any:
    """The JSON value in ``path``; ``default`` when there is no such file, or when it does not parse (then the
    entry is reported corrupt and removed, see ``report_corrupt``)."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return default
    except (ValueError, UnicodeDecodeError) as error:
        report_corrupt(path, error_summary(error))
        return default


def file_sha1(path: str | os.PathLike) -> str:
    """Hex sha1 of a file's bytes."""
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


MANIFEST_FILE = "manifest.json"


def write_manifest(folder: str | os.PathLike, **fields) -> dict[str, Any]:
    """Write ``folder``'s MANIFEST_FILE: ``fields`` and ``files`` ({path relative to ``folder``, POSIX: sha1} of every
    file below it); returns the manifest."""
    folder = Path(folder)
    files = {
        path.relative_to(folder).as_posix(): file_sha1(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST_FILE
    }
    manifest = {**fields, "files": files}
    atomic_write_json(folder / MANIFEST_FILE, manifest)
    return manifest


def _mismatch(folder: Path, files: dict[str, str]) -> str | None:
    for name, sha1 in files.items():
        if not (folder / name).is_file():
            return f"{name} is missing"
        if file_sha1(folder / name) != sha1:
            return f"{name} differs from the file written"
    return None


def intact_manifest(folder: str | os.PathLike, **fields) -> dict[str, Any] | None:
    """``folder``'s manifest (``write_manifest``) when it records ``fields`` and every file is there with its sha1;
    else None: silently when the folder or its manifest is absent or records other ``fields`` (an outdated entry),
    after ``report_corrupt`` when the manifest does not parse or a file is missing or changed."""
    folder = Path(folder)
    if not (folder / MANIFEST_FILE).is_file():
        return None
    manifest = read_json(folder / MANIFEST_FILE, None)
    if manifest is None:
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        report_corrupt(folder, f"{MANIFEST_FILE} does not list its files")
        return None
    if any(manifest.get(key) != value for key, value in fields.items()):
        return None
    mismatch = _mismatch(folder, manifest["files"])
    if mismatch:
        report_corrupt(folder, mismatch)
        return None
    return manifest
