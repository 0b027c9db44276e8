"""Published weight files of the comparison models: pinned sources, hashes, download into the cache, offline errors.

Each file is a ``WeightFile``: the URL it was published at (looked up in the project's own code or README), the file
name, and the hash its publisher gives. torchvision publishes the first 8 hex digits of a file's sha256 in its name
(``alexnet-owt-7be5be79.pth``); the other projects publish no hash. Where no full sha256 is published, the full sha256
of the first file downloaded (or placed by hand) is recorded in ``<weights folder>/sha256-first-use.json`` and every
later load is checked against it ("trust on first download"); a published prefix is checked as well.

Files live in ``<cache>/weights`` (``<cache>`` = ``$BRAINSCORE_LCL_CACHE``, default ``~/.cache/brainscore_lcl``). They
are
downloaded on first use with a progress bar (``brainscore weights fetch --model ID`` does it ahead). When a file cannot
be had, ``WeightsUnavailableError`` says in one sentence which URL, which file name and sha256, and which folder.
Some publishers share weights only through a web page or a cloud folder (``direct=False``): those files are placed by
hand.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path

from brainscore_lcl import cache_dir
from brainscore_lcl.cache import atomic_path, atomic_write_json, locked, read_json
from brainscore_lcl.errors import ModelUnavailableError
from brainscore_lcl.registry import WeightFile, discover_plugins, model_registry

RECORD_FILE = "sha256-first-use.json"
_CHUNK = 1 << 20


class WeightsUnavailableError(ModelUnavailableError):
    """A weight file that is absent and cannot be downloaded, or whose hash is wrong; the CLI exits with code 1."""


def registered_weights(model_id: str) -> tuple[WeightFile, ...]:
    """The published files ``model_id`` loads (its ``ModelRecord``'s ``weights``; () for ids outside the registry)."""
    discover_plugins(("model",))
    record = model_registry.get(model_id)
    return record.weights if record is not None else ()


def weights_folder() -> Path:
    """Where published weight files are kept: ``<cache>/weights``."""
    return cache_dir() / "weights"


def file_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def recorded_hashes() -> dict[str, str]:
    """{file name: sha256} recorded at first use for files without a published full hash (an unreadable record file
    is reported in one line and started afresh)."""
    return read_json(weights_folder() / RECORD_FILE, {})


def _record_hash(file_name: str, sha256: str) -> None:
    path = weights_folder() / RECORD_FILE
    with locked(path):
        atomic_write_json(path, recorded_hashes() | {file_name: sha256}, indent=2, sort_keys=True)


def expected_sha256(weight_file: WeightFile) -> str | None:
    """The full sha256 a file must have: the published one, else the one recorded at first use, else None."""
    return weight_file.sha256 or recorded_hashes().get(weight_file.file_name)


def describe_hash(weight_file: WeightFile) -> str:
    """How the file's sha256 is known, in words (for messages and the closing table)."""
    if weight_file.sha256:
        return f"sha256 {weight_file.sha256} (published)"
    recorded = recorded_hashes().get(weight_file.file_name)
    prefix = f"published prefix {weight_file.sha256_prefix}; " if weight_file.sha256_prefix else ""
    if recorded:
        return f"sha256 {recorded} ({prefix}recorded at first use)"
    return f"sha256 unknown ({prefix}none published in full; recorded at first use)"


def unavailable_sentence(model_id: str, weight_file: WeightFile, reason: str) -> str:
    """The one sentence said when a file cannot be had: what failed, the URL, the file name and sha256, the folder."""
    how = "download" if weight_file.direct else "download by hand (no direct link is published)"
    later = f", or run `brainscore weights fetch --model {model_id}` when online" if weight_file.direct else ""
    name = " or ".join(weight_file.names)
    return (
        f"weights of {model_id} are not available ({reason}): {how} {name} from "
        f"{weight_file.url} ({weight_file.source}; {describe_hash(weight_file)}) and place it in "
        f"{weights_folder()}{later}"
    )


def verify(model_id: str, weight_file: WeightFile, path: Path) -> str:
    """Check ``path`` against the published or recorded hash (recording it on first use); returns its sha256."""
    actual = file_sha256(path)
    expected = expected_sha256(weight_file)
    prefix = weight_file.sha256_prefix
    if (expected and actual != expected) or (prefix and not actual.startswith(prefix)):
        wanted = expected or f"a hash starting {prefix}"
        raise WeightsUnavailableError(
            f"weights of {model_id}: {path} has sha256 {actual} but {wanted} is expected; "
            f"delete it and download {weight_file.url} again"
        )
    if expected is None:
        _record_hash(weight_file.file_name, actual)
    return actual


def download(weight_file: WeightFile, destination: Path, show_progress: bool = True) -> None:
    """Download ``weight_file.url`` to ``destination`` (atomically, through a temporary beside it), with progress."""
    from tqdm import tqdm

    request = urllib.request.Request(weight_file.url, headers={"User-Agent": "brainscore-lcl"})
    with urllib.request.urlopen(request, timeout=30) as response, atomic_path(destination) as temporary:
        total = int(response.headers.get("Content-Length") or 0) or None
        with (
            open(temporary, "wb") as out,
            tqdm(total=total, unit="B", unit_scale=True, disable=not show_progress, desc=weight_file.file_name) as bar,
        ):
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                bar.update(len(chunk))


def local_path(weight_file: WeightFile) -> Path:
    """Where the file is in the weights folder: the first of its ``names`` present there, else its ``file_name``."""
    folder = weights_folder()
    return next(
        (folder / name for name in weight_file.names if (folder / name).is_file()), folder / weight_file.file_name
    )


def weights_path(model_id: str, weight_file: WeightFile, show_progress: bool = True) -> Path:
    """Path of the verified file in the weights folder (``local_path``), downloaded first if absent (under the file's
    lock, so that concurrent runs download it once)."""
    path = local_path(weight_file)
    if not path.is_file():
        if not weight_file.direct:
            raise WeightsUnavailableError(
                unavailable_sentence(model_id, weight_file, f"{path.name} is not in the folder")
            )
        with locked(path):
            _download_once(model_id, weight_file, path, show_progress)
    verify(model_id, weight_file, path)
    return path


def _download_once(model_id: str, weight_file: WeightFile, path: Path, show_progress: bool) -> None:
    """Download ``weight_file`` to ``path`` unless another process did meanwhile; one sentence when it fails."""
    if path.is_file():
        return
    try:
        download(weight_file, path, show_progress)
    except OSError as error:
        reason = str(getattr(error, "reason", None) or error).splitlines()[0][:120] or type(error).__name__
        raise WeightsUnavailableError(
            unavailable_sentence(model_id, weight_file, f"download failed: {reason}")
        ) from None


def is_present(weight_file: WeightFile) -> bool:
    """Whether the file is in the weights folder under one of its names (not hashed)."""
    return local_path(weight_file).is_file()


def fetch(model_id: str, show_progress: bool = True) -> list[Path]:
    """Download and verify every file ``model_id`` loads; ``WeightsUnavailableError`` for ids with no published file."""
    files = registered_weights(model_id)
    if not files:
        raise WeightsUnavailableError(
            f"{model_id} loads no published weight file of this suite ({availability(model_id)}); nothing to fetch"
        )
    return [weights_path(model_id, weight_file, show_progress) for weight_file in files]


def availability(model_id: str) -> str:
    """One word or phrase for ``brainscore list models``: present / missing / how the weights are had otherwise (the
    ``ModelRecord``'s notes)."""
    files = registered_weights(model_id)
    if files:
        missing = [" or ".join(item.names) for item in files if not is_present(item)]
        return f"missing: {', '.join(missing)} (brainscore weights fetch --model {model_id})" if missing else "present"
    record = model_registry.get(model_id)
    return (record.notes if record is not None else None) or "no download needed"
