"""The one operation every score goes through: ``score_cell(CellRequest(model, benchmark, ...))``.

It does, once each and in this order: (1) the request's checks (model and benchmark ids, options, the region the
benchmark names, the time window, the checkpoint and data paths), before any work; (2) the lookup of the cell in the
results database (``brainscore_lcl.results.db``); (3) the model build, only where the cell must be computed or its
weights are not yet known (``brainscore_lcl.model_helpers.identity.known_model_identity``); (4) the scoring
(``brainscore_lcl.scoring.score``); (5) the write. ``brainscore score``, ``brainscore_lcl.score``, ``brainscore demo``,
the grid's workers, the figures, the reports and the behaviour analysis all call it.

A cell's key (``CellKey``) holds the name it is stored under, the sha256 of the model's weights, the benchmark id, the
identity of the data (``brainscore_lcl.data.identity``, by content), the benchmark options that change the
computation (a default time window and the data folder, which the data identity covers, are left out) plus the
model's field of view, and the code version (``brainscore_lcl.model_helpers.identity.code_version``). A stored cell
whose key differs only in its code version was made by other code: the cell is computed again and the result says so
in one line (``CellResult.reason``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from brainscore_lcl.data.facts import BRAINSCORE_WINDOW_MS
from brainscore_lcl.results.db import DONE, CellKey, ResultsDB, record_of, shared_database, worker_name
from brainscore_lcl.scoring import ScoreRecord

#: ``score_cell(db=DEFAULT_DATABASE)``: the shared database of ``$BRAINSCORE_LCL_DB`` or the cache's SQLite file
DEFAULT_DATABASE = "default"


@dataclass(frozen=True)
class CellRequest:
    """One model on one benchmark: ``options`` go to the benchmark (``time_window``, ``data_root``, ``pls``,
    ``ranking``); ``label`` is the name the cell is stored under (default the model id); ``recompute`` scores even
    when the database holds the cell."""

    model_id: str
    benchmark_id: str
    checkpoint: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    label: str | None = None
    recompute: bool = False

    @property
    def name(self) -> str:
        return self.label or self.model_id


@dataclass
class CellResult:
    """A scored cell: its ``record``, whether it was ``computed`` now, when a stored value made by other code was
    replaced the one-line ``reason``, and whether this call's row was ``written`` (False when another run wrote the
    cell first, or no database was given)."""

    record: ScoreRecord
    computed: bool
    reason: str | None = None
    written: bool = False


def check_request(request: CellRequest, model_built: bool = False) -> None:
    """The request's own mistakes, before any model, data or database is touched: unknown ids, options a benchmark
    does not take, a region the model does not commit, a time window off the data, a checkpoint that is not a file,
    a data folder that is not a folder. ``model_built``: the caller passes the model itself (a figure's, a grid
    worker's, a Python object), so its id need not be registered and its regions are asked of it when it is scored."""
    from brainscore_lcl.checkpoint import CheckpointError
    from brainscore_lcl.paths import existing_file, existing_folder
    from brainscore_lcl.scoring import check_model_ids, check_region

    if request.checkpoint:
        existing_file(request.checkpoint, "--checkpoint", "pass an existing checkpoint file", CheckpointError)
    data_root = request.options.get("data_root")
    if data_root and os.path.lexists(data_root):  # a missing one: its loader explains; a link loop: refused here
        existing_folder(data_root, "--data-root")
    if not model_built:
        check_model_ids([request.model_id])
    check_benchmark_request(request.benchmark_id, request.options)
    if not model_built:
        check_region(request.model_id, request.benchmark_id)


def check_benchmark_request(benchmark_id: str, options: Mapping[str, Any]) -> None:
    """``UsageError`` for an unknown benchmark id, options it does not take, or a time window off its source's
    recordings: the benchmark's half of ``check_request`` (the grid asks it once per benchmark)."""
    from brainscore_lcl.benchmarks.freemanziemba2013.benchmark import check_source_and_window
    from brainscore_lcl.results.db import benchmark_source_and_region
    from brainscore_lcl.scoring import check_benchmark_id, check_benchmark_options

    check_benchmark_id(benchmark_id)
    check_benchmark_options(benchmark_id, dict(options))
    if options.get("time_window") is not None:
        source = benchmark_source_and_region(benchmark_id)[0]
        check_source_and_window(source, tuple(options["time_window"]))


def model_identity(model) -> dict[str, Any]:
    """``{"weights_sha256", "visual_degrees"}`` of a built model: ``model.weights_sha256`` (set by
    ``make_commitment``; the model's identifier for models built elsewhere) and its field of view (degrees)."""
    visual_degrees = getattr(model, "visual_degrees", None)
    return {
        "weights_sha256": getattr(model, "weights_sha256", None) or str(getattr(model, "identifier", "unknown")),
        "visual_degrees": float(visual_degrees()) if callable(visual_degrees) else None,
    }


def key_options(options: Mapping[str, Any], visual_degrees: float | None) -> dict[str, Any]:
    """The benchmark ``options`` that change a score, and the model's field of view (degrees) as ``visual_degrees``."""
    kept = {name: value for name, value in options.items() if value is not None and name != "data_root"}
    if tuple(kept.get("time_window", BRAINSCORE_WINDOW_MS)) == BRAINSCORE_WINDOW_MS:
        kept.pop("time_window", None)
    if visual_degrees is not None:
        kept["visual_degrees"] = visual_degrees
    return kept


def cell_key(
    request: CellRequest, identity: Mapping[str, Any], data_identities: dict[tuple, str] | None = None
) -> CellKey:
    """The ``CellKey`` of ``request`` for a model of ``identity`` (``model_identity``). ``data_identities``: a
    {(benchmark id, data folder): data identity} memo the caller keeps for a batch of keys (the identity hashes the
    data's files: a grid computes it once per benchmark, not once per cell)."""
    from brainscore_lcl.data.identity import benchmark_data_identity
    from brainscore_lcl.model_helpers.identity import code_version

    data = (request.benchmark_id, request.options.get("data_root"))
    data_identities = {} if data_identities is None else data_identities
    if data not in data_identities:
        data_identities[data] = benchmark_data_identity(*data)
    return CellKey(
        request.name,
        identity["weights_sha256"],
        request.benchmark_id,
        data_identities[data],
        key_options(request.options, identity["visual_degrees"]),
        code_version(request.model_id),
    )


def known_cell_key(request: CellRequest) -> CellKey | None:
    """``cell_key`` of ``request`` without building its model: None when its weights are not known yet
    (``known_model_identity``)."""
    from brainscore_lcl.model_helpers.identity import known_model_identity

    identity = known_model_identity(request.model_id, request.checkpoint)
    return None if identity is None else cell_key(request, identity)


#: the identity of a model that could not be built: its cells hold the build error
UNBUILT: dict[str, Any] = {"weights_sha256": "unbuilt", "visual_degrees": None}


def stored_cells(
    requests: Sequence[CellRequest],
    identity: Mapping[str, Any],
    db: ResultsDB,
    data_identities: dict[tuple, str] | None = None,
) -> list[tuple[CellRequest, CellKey, str | None]]:
    """(request, its ``cell_key`` for a model of ``identity``, its stored status: ``DONE``, ``FAILED`` or None when
    absent) of each of ``requests`` in ``db``, in one query: a grid's bulk lookup, with ``score_cell``'s keys
    (``data_identities``: ``cell_key``'s memo, kept by the caller across its lookups)."""
    data_identities = {} if data_identities is None else data_identities
    keys = [cell_key(request, identity, data_identities) for request in requests]
    statuses = db.statuses(keys)
    return [(request, key, statuses.get(key.digest())) for request, key in zip(requests, keys)]


def forget_unbuilt_cells(
    requests: Sequence[CellRequest], db: ResultsDB, data_identities: dict[tuple, str] | None = None
) -> int:
    """Delete from ``db`` the failed cells of ``requests`` whose model could not be built (``UNBUILT``): once the
    model builds, its cells are stored under its weights (``data_identities``: ``cell_key``'s memo). The number of
    rows deleted."""
    data_identities = {} if data_identities is None else data_identities
    return db.delete(cell_key(request, UNBUILT, data_identities) for request in requests)


def record_failed_cell(
    request: CellRequest,
    identity: Mapping[str, Any],
    message: str,
    db: ResultsDB,
    *,
    seconds: float = 0.0,
    worker: str | None = None,
    data_identities: dict[tuple, str] | None = None,
) -> bool:
    """Store ``request``'s cell, for a model of ``identity`` (``UNBUILT``: it could not be built), as failed with its
    one-sentence ``message``; ``seconds`` spent and the Dask ``worker`` are kept with it (``data_identities``:
    ``cell_key``'s memo). False when ``db`` keeps a finished row of the cell instead (a failure never replaces one)."""
    key = cell_key(request, identity, data_identities)
    return db.put_failed(key, message, timings={"total": seconds}, worker=worker, checkpoint=request.checkpoint)


def build_model(request: CellRequest):
    """The request's model, its identity remembered for ``known_cell_key``: a model of this suite's registry built
    once per process (``brainscore_lcl.scoring.built_model``, so that the cells of one process share it), any other
    (a model file, a network registered from Python) built anew, since its id may name other weights next time."""
    from brainscore_lcl.model_helpers.identity import remember_model_identity, remembers_identity
    from brainscore_lcl.scoring import built_model, load_model

    if remembers_identity(request.model_id):
        model = built_model(request.model_id, request.checkpoint)
    else:
        model = load_model(request.model_id, checkpoint=request.checkpoint)
    remember_model_identity(request.model_id, request.checkpoint, model_identity(model), model)
    return model


def recompute_reason(db: ResultsDB, key: CellKey) -> str | None:
    """One line when ``db`` holds ``key``'s cell made by other code (another code version), else None."""
    older = db.other_code_versions(key)
    if not older:
        return None
    row = older[0]
    value = "n/a" if row["score"] is None else f"{row['score']:.3f}"
    now = key.code_version.split("; ")
    then = [part for part in row["code_version"].split("; ") if part not in now]
    changed = [part for part in now if part not in row["code_version"].split("; ")]
    return (
        f"recomputed: the stored value {value} ({row['written_at']:%Y-%m-%d %H:%M} UTC) was made by other code "
        f"({', '.join(then) or row['code_version']}; now {', '.join(changed) or key.code_version})"
    )


#: the figures' former JSON score cache, under the suite's cache folder; its scores are not read any more
OLD_SCORE_FILE = "analyses/scores.json"
_old_score_file_noted: set[str] = set()


def note_old_score_file() -> None:
    """Say once per process, in one line on stderr, that a former ``<cache>/analyses/scores.json`` is ignored."""
    import sys

    from brainscore_lcl import cache_dir

    path = cache_dir() / OLD_SCORE_FILE
    if str(path) not in _old_score_file_noted and path.is_file():
        _old_score_file_noted.add(str(path))
        print(
            f"brainscore: ignoring {path}: scores now live in the results database only; delete the file",
            file=sys.stderr,
        )


def score_cell(
    request: CellRequest,
    *,
    db: ResultsDB | str | None = DEFAULT_DATABASE,
    model=None,
    selection: dict[str, Any] | None = None,
    timings: Mapping[str, float] | None = None,
) -> CellResult:
    """Score ``request`` through the results database ``db`` (a ``ResultsDB``, a URL, ``DEFAULT_DATABASE``, or None:
    computed and stored nowhere), in the order of the module docstring. ``model``: the request's model already built
    (a figure's shared model, at its field of view; a grid worker's); ``selection``: its layer selection already made
    for this benchmark (``brainscore_lcl.scoring.layer_selection``); ``timings``: seconds of steps done elsewhere
    (a grid's extraction and selection), stored beside the scoring's own."""
    from brainscore_lcl.scoring import score

    check_request(request, model_built=model is not None)
    note_old_score_file()
    if isinstance(db, str):
        db = shared_database(None if db == DEFAULT_DATABASE else db)
    key = cell_key(request, model_identity(model)) if model is not None else known_cell_key(request)
    if key is None:
        model = build_model(request)
        key = cell_key(request, model_identity(model))
    reason = None
    if db is not None and not request.recompute:
        row = db.get(key)
        if row is not None and row["status"] == DONE:
            return CellResult(ScoreRecord(**record_of(row)), computed=False)
        reason = recompute_reason(db, key)
    start = time.perf_counter()
    if model is None:
        model = build_model(request)
        key = cell_key(request, model_identity(model))  # a shared model may have left its remembered field of view
    record = score(
        request.model_id,
        request.benchmark_id,
        checkpoint=request.checkpoint,
        model=model,
        selection=selection,
        **request.options,
    )
    record.model = request.name
    written = False
    if db is not None:
        steps = dict(timings or {}) | {"score": time.perf_counter() - start}
        written = db.put_done(
            key,
            asdict(record),
            timings=steps | {"total": sum(steps.values())},
            worker=worker_name(),
            checkpoint=request.checkpoint,
            replace=request.recompute,
        )
    return CellResult(record, computed=True, reason=reason, written=written)
