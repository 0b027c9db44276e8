"""Scores of the figure analyses, cached on disk, and the models they score, built once per process.

Every score of ``brainscore_lcl.analyses`` goes through ``cached_score``: a JSON cache of ``ScoreRecord``s under
``<cache>/analyses/scores.json`` (``<cache>`` = ``$BRAINSCORE_LCL_CACHE``, default ``~/.cache/brainscore_lcl``), keyed
by model id, the model's activations identifier (which carries its weights hash), field of view, checkpoint, data
identity, benchmark id and options; written atomically under its lock (``brainscore_lcl.cache``). Activations are
cached by Brain-Score's extractor under the same identifier. ``built_model`` keeps each (model id, checkpoint) built
once per process, so that the figures of one report share their models.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from brainscore_lcl import cache_dir
from brainscore_lcl.data.facts import SOURCE_PREFIXES

#: the ``FreemanZiembaPLS`` source name of each source an analysis accepts ("private": Brain-Score's own split)
BENCHMARK_SOURCES = {"sim": "sim", "public": "public", "private": "official", "official": "official", "local": "local"}
#: the benchmark-id prefix of each source an analysis accepts
SOURCES = {name: SOURCE_PREFIXES[source] for name, source in BENCHMARK_SOURCES.items()}
#: Models of the paper's figures that this suite cannot build, with the reason (listed as skipped, never dropped).
UNAVAILABLE_MODELS = {
    "ant-alexnet": "ANT (Rusak et al. 2020) AlexNet was trained by the paper's authors with "
    "bethgelab/game-of-noise and never published; no id in this suite"
}

_built: dict[tuple[str, str | None], Any] = {}


@dataclass
class LoadedModel:
    """A model ready to score: its id, the ``BrainModel``, the checkpoint it came from."""

    model_id: str
    model: Any
    checkpoint: str | None


def built_model(model_id: str, checkpoint: str | None = None):
    """``brainscore_lcl.scoring.load_model(model_id, checkpoint)``, built once per process and shared afterwards
    (a field-of-view sweep leaves the shared model at its chosen value; the score cache keys on it)."""
    from brainscore_lcl.scoring import load_model

    key = (model_id, checkpoint)
    if key not in _built:
        _built[key] = load_model(model_id, checkpoint=checkpoint)
    return _built[key]


def load_models(
    model_ids: Sequence[str], checkpoints: dict[str, str], region: str | None = None
) -> tuple[list[LoadedModel], list[str]]:
    """Each model (``built_model``) and one 'skipped <id>: <reason>' note per model that cannot be scored: without
    weights (e.g. ``lcl-v2`` without a checkpoint) or, with ``region``, committing no layer to it (e.g. ``lcl-v1``
    for V2). Raises ``RunError`` when no model loads."""
    from brainscore_lcl.checkpoint import CheckpointError
    from brainscore_lcl.data.freemanziemba import DataUnavailableError
    from brainscore_lcl.errors import ModelUnavailableError, RegionNotCommittedError, RunError
    from brainscore_lcl.model_helpers.commitment import require_region

    loaded, notes = [], []
    for model_id in model_ids:
        checkpoint = checkpoints.get(model_id)
        if model_id in UNAVAILABLE_MODELS and checkpoint is None:
            notes.append(f"skipped {model_id}: {UNAVAILABLE_MODELS[model_id]}")
            continue
        try:
            model = built_model(model_id, checkpoint)
            if region is not None:
                require_region(model, model_id, region)
            loaded.append(LoadedModel(model_id, model, checkpoint))
        except (ModelUnavailableError, DataUnavailableError, CheckpointError, RegionNotCommittedError) as error:
            notes.append(f"skipped {model_id}: {error}")
    if not loaded:
        raise RunError("no model could be loaded: " + "; ".join(notes))
    return loaded, notes


class ScoreCache:
    """ScoreRecords in a JSON file, keyed by model identity, benchmark and options (see the module docstring)."""

    def __init__(self, data_identity: str, path: Path | None = None, enabled: bool = True):
        self.path = Path(path or cache_dir() / "analyses" / "scores.json")
        self.data_identity, self.enabled = data_identity, enabled
        self._entries = self._read() if enabled else {}

    def key(self, entry: LoadedModel, benchmark: str, options: dict[str, Any]) -> str:
        """sha1 of the JSON of (model id, activations identifier, field of view, checkpoint, data identity,
        benchmark, options)."""
        visual_degrees = getattr(entry.model, "visual_degrees", None)
        identity = {
            "model": entry.model_id,
            "identifier": getattr(entry.model, "identifier", None),
            "visual_degrees": visual_degrees() if callable(visual_degrees) else None,
            "checkpoint": entry.checkpoint,
            "data": self.data_identity,
            "benchmark": benchmark,
            "options": options,
        }
        return hashlib.sha1(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()

    def get(self, key: str):
        """The cached ``ScoreRecord`` or None."""
        from brainscore_lcl.scoring import ScoreRecord

        return ScoreRecord(**self._entries[key]) if self.enabled and key in self._entries else None

    def _read(self) -> dict[str, Any]:
        """The file's entries; {} when it is absent, or unreadable (then reported in one line and rebuilt)."""
        from brainscore_lcl.cache import read_json, report_corrupt

        entries = read_json(self.path, {})
        if not isinstance(entries, dict):
            report_corrupt(self.path, "it does not hold an object of score records")
            return {}
        return entries

    def put(self, key: str, record) -> None:
        """Store ``record`` and rewrite the file atomically under its lock, merged with what other processes wrote
        since it was read (so that analyses running side by side do not drop each other's scores)."""
        from brainscore_lcl.cache import atomic_write_json, locked

        self._entries[key] = asdict(record)
        if not self.enabled:
            return
        with locked(self.path):
            self._entries = self._read() | self._entries
            atomic_write_json(self.path, self._entries, default=json_default)


def data_identity(source: str, data_root: str | None) -> str:
    """Identity of the data an analysis scores against: for a raw release (sim, local) the digest of its stimuli and
    the size and modification time of its response file, so that a regenerated data set never reuses cached scores."""
    from brainscore_lcl.data.freemanziemba import MAT_FILE_NAME, stimuli_digest
    from brainscore_lcl.data.texture_responses import raw_release_root

    root = raw_release_root(BENCHMARK_SOURCES[source], data_root)
    if root is None:
        return f"brainscore:{source}"
    responses = Path(root) / MAT_FILE_NAME
    if not responses.is_file():
        return f"{source}:{root}:missing"
    status = responses.stat()
    return f"{source}:{stimuli_digest(root)[:16]}:{status.st_size}:{status.st_mtime_ns}"


def open_cache(source: str, data_root: str | None, enabled: bool = True) -> ScoreCache:
    """The score cache for data ``source`` (``data_root`` for a local release); ``enabled=False`` recomputes."""
    return ScoreCache(data_identity(source, data_root), enabled=enabled)


def json_default(value: Any) -> Any:
    """numpy values and paths as JSON data (``json.dumps(default=...)``)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def cached_score(cache: ScoreCache, entry: LoadedModel, benchmark: str, **options):
    """``brainscore_lcl.scoring.score`` of ``entry`` on ``benchmark`` (with ``options``), through ``cache``."""

    key = cache.key(entry, benchmark, options)
    record = cache.get(key)
    if record is None:
        record = database_score(cache, entry, benchmark, options)
        cache.put(key, record)
    return record


def database_score(cache: ScoreCache, entry: LoadedModel, benchmark: str, options: dict[str, Any]):
    """The cell from the results database (``brainscore_lcl.results``, the one ``brainscore grid`` and ``brainscore
    score`` fill), else ``brainscore_lcl.scoring.score`` written into it; a disabled ``cache`` recomputes."""
    from brainscore_lcl.results.db import shared_database
    from brainscore_lcl.results.store import cell_key, stored_score
    from brainscore_lcl.scoring import score

    record, _ = stored_score(
        shared_database(),
        cell_key(entry.model_id, entry.model, benchmark, cache.data_identity, options),
        lambda: score(entry.model_id, benchmark, checkpoint=entry.checkpoint, model=entry.model, **options),
        recompute=not cache.enabled,
        checkpoint=entry.checkpoint,
    )
    return record


def sweep_field_of_view(
    cache: ScoreCache, entry: LoadedModel, benchmark: str, degrees: Sequence[float], **options
) -> dict[str, Any]:
    """Choose ``entry``'s field of view on the public split of ``benchmark`` (``field_of_view_sweep``), through the
    cache; leaves the model at the chosen value. Returns {"degrees": best, "public_scores": {degrees: score}}."""
    from brainscore_lcl.analyses.field_of_view import field_of_view_sweep, set_field_of_view
    from brainscore_lcl.scoring import ScoreRecord, load_benchmark

    sweep_id = f"{benchmark}.fov-sweep"
    key = cache.key(entry, sweep_id, {"degrees": list(map(float, degrees)), **options})
    record = cache.get(key)
    if record is None:
        best, public_scores = field_of_view_sweep(entry.model, load_benchmark(benchmark, **options), degrees)
        record = ScoreRecord(
            model=entry.model_id,
            benchmark=sweep_id,
            score=public_scores[best],
            details={"degrees": best, "public_scores": {str(k): v for k, v in public_scores.items()}},
        )
        cache.put(key, record)
    set_field_of_view(entry.model, float(record.details["degrees"]))
    return dict(record.details)
