"""What a stored score depends on besides its data: the code that computed it (``code_version``) and the model's
weights and field of view, known without building the model once it has been built (``known_model_identity``).

``code_version(model_id)`` hashes the bytes of the installed package's scoring-relevant source (``SCORING_SOURCES``:
metrics, benchmarks, data, model helpers, scoring, checkpoints, the registry; and the model's plugin folder) and
names the installed versions of the libraries that compute inside a score (``SCORING_LIBRARIES``), so that editing a
metric changes every key it computed and nothing has to be bumped by hand.

A model built once leaves a small JSON entry under ``<cache>/model-identities/`` (written atomically): its weights
sha256 and field of view, valid while the code version is the same and the checkpoint files it read keep their path,
size, modification time and inode. Hashing a checkpoint's bytes again would be as slow as building the model, and a
file replaced in place changes its modification time or inode.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from brainscore_lcl import cache_dir

#: the modules and packages whose source computes a score (besides the model's own plugin folder)
SCORING_SOURCES = (
    "brainscore_lcl.metrics",
    "brainscore_lcl.benchmarks",
    "brainscore_lcl.data",
    "brainscore_lcl.model_helpers",
    "brainscore_lcl.scoring",
    "brainscore_lcl.checkpoint",
    "brainscore_lcl.registry",
)
#: the distributions whose code runs inside a score (Brain-Score's benchmarks and caches, the network)
SCORING_LIBRARIES = ("brainscore_vision", "brainscore_core", "result_caching", "torch")
#: the files of a source folder that are hashed (code, and the reference tables the data modules read)
SOURCE_SUFFIXES = (".py", ".json")


def tree_digest(roots: Iterable[str | os.PathLike]) -> str:
    """sha256 (hex) over every ``SOURCE_SUFFIXES`` file under ``roots`` (a file or a folder each): its path relative
    to its root and its bytes, in sorted order; ``__pycache__`` and hidden folders are skipped."""
    digest = hashlib.sha256()
    for root in map(Path, roots):
        files = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in files:
            relative = path.relative_to(root.parent if root.is_file() else root)
            if path.suffix not in SOURCE_SUFFIXES or any(
                part == "__pycache__" or part.startswith(".") for part in relative.parts
            ):
                continue
            digest.update(f"{root.name}/{relative.as_posix()}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def _source_location(module: str) -> Path:
    """The folder of package ``module`` or the file of plain module ``module``, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(spec.origin)


def plugin_folder(model_id: str) -> Path | None:
    """The folder of the plugin (``brainscore_lcl/models/<plugin>/``) that registers ``model_id``; None for other
    models (a model file registered at run time, a model of brainscore_vision)."""
    from brainscore_lcl.registry import PLUGIN_PACKAGES, discover_plugins, model_registry

    discover_plugins(("model",))
    record = model_registry.get(model_id)
    module = getattr(record.factory, "__module__", None) if record is not None else None
    if not module or not module.startswith(PLUGIN_PACKAGES["model"] + "."):
        return None
    location = _source_location(module)
    return location if location.is_dir() else location.parent


def library_versions() -> str:
    """``name version`` of each of ``SCORING_LIBRARIES`` ("absent" where not installed), joined by "; "."""
    parts = []
    for name in SCORING_LIBRARIES:
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            parts.append(f"{name} absent")
    return "; ".join(parts)


@functools.cache
def code_version(model_id: str | None = None) -> str:
    """The code a score of ``model_id`` comes from: ``src <sha256[:16]> of SCORING_SOURCES and the model's plugin
    folder; <library versions>``. Computed once per process (the source does not change under a running process)."""
    roots = [_source_location(module) for module in SCORING_SOURCES]
    folder = plugin_folder(model_id) if model_id else None
    if folder is not None:
        roots.append(folder)
    return f"src {tree_digest(roots)[:16]}; {library_versions()}"


def _file_state(path: str | os.PathLike) -> dict[str, Any] | None:
    """Path, size, modification time (ns) and inode of ``path``; None when it is not a file."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return {
        "path": str(Path(path).resolve()),
        "size": status.st_size,
        "mtime_ns": status.st_mtime_ns,
        "inode": status.st_ino,
    }


def _identity_path(model_id: str, checkpoint: str | os.PathLike | None) -> Path:
    name = json.dumps([model_id, None if checkpoint is None else str(Path(checkpoint).resolve())])
    return cache_dir() / "model-identities" / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.json"


def remembers_identity(model_id: str) -> bool:
    """Whether ``model_id``'s weights are named by this suite's plugin code and checkpoint files alone (a model of
    the registry; not a model file, whose source may change under the same id, nor a model of brainscore_vision)."""
    return plugin_folder(model_id) is not None


def known_model_identity(model_id: str, checkpoint: str | os.PathLike | None) -> dict[str, Any] | None:
    """``{"weights_sha256", "visual_degrees"}`` of ``model_id`` built with ``checkpoint``, as remembered by
    ``remember_model_identity``; None when never remembered, or when the code or a checkpoint file changed since."""
    from brainscore_lcl.cache import read_json

    if not remembers_identity(model_id):
        return None
    entry = read_json(_identity_path(model_id, checkpoint), None)
    if not isinstance(entry, dict) or entry.get("code_version") != code_version(model_id):
        return None
    if any(_file_state(state["path"]) != state for state in entry.get("files", [])):
        return None
    return {"weights_sha256": entry["weights_sha256"], "visual_degrees": entry["visual_degrees"]}


def remembered_model(model_id: str, checkpoint: str | os.PathLike | None) -> dict[str, Any]:
    """What ``remember_model_identity`` wrote of ``model_id`` built with ``checkpoint``: {"weights_sha256",
    "files": [checkpoint paths it read: ``checkpoint`` and the model's own, e.g. a shipped one], "parameters"
    (``parameter_count``; None where not recorded)}; {} when nothing is remembered. Unlike ``known_model_identity``,
    whatever code or files wrote it: the files may have changed since (a reader checks their sha256)."""
    from brainscore_lcl.cache import read_json

    entry = read_json(_identity_path(model_id, checkpoint), None) if remembers_identity(model_id) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("weights_sha256"), str):
        return {}
    files = [state.get("path") for state in entry.get("files", []) if isinstance(state, dict)]
    count = entry.get("parameters")
    return {
        "weights_sha256": entry["weights_sha256"],
        "files": [path for path in files if isinstance(path, str)],
        "parameters": count if isinstance(count, int) and not isinstance(count, bool) else None,
    }


def parameter_count(model) -> int | None:
    """The number of parameters (learnable or frozen tensors; buffers not counted) of the torch network behind
    ``model`` (a ``ModelCommitment`` on a ``PytorchWrapper``); None for a model without one."""
    parameters = getattr(getattr(getattr(model, "activations_model", None), "_model", None), "parameters", None)
    return sum(int(parameter.numel()) for parameter in parameters()) if callable(parameters) else None


def remember_model_identity(model_id: str, checkpoint: str | os.PathLike | None, identity: dict[str, Any], model):
    """Write ``identity`` (``{"weights_sha256", "visual_degrees"}`` of the built ``model``) for
    ``known_model_identity``, with the state of the checkpoint files it read (``checkpoint`` and the model's own
    ``checkpoint_path``) and its network's ``parameter_count`` (the leaderboard shows it)."""
    from brainscore_lcl.cache import atomic_write_json

    if not remembers_identity(model_id):
        return
    paths = {str(path) for path in (checkpoint, getattr(model, "checkpoint_path", None)) if path is not None}
    files = [_file_state(path) for path in sorted(paths)]
    entry = identity | {"code_version": code_version(model_id), "files": [state for state in files if state]}
    entry["parameters"] = parameter_count(model)
    atomic_write_json(_identity_path(model_id, checkpoint), entry)
