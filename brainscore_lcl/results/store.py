"""Scores read from the results database, or computed and written into it: what ``brainscore score``, the figure
scripts (``brainscore_lcl.score_cache``) and the grid share.

A cell's key (``brainscore_lcl.results.db.CellKey``) is built from the loaded model: its label, the sha256 of its
weights (``model.weights_sha256``, set by ``make_commitment``; the model's identifier for models built elsewhere), the
benchmark id, the identity of the data (``brainscore_lcl.score_cache.data_identity``), the benchmark options that change
the computation (a default time window and the data folder, which the data identity covers, are left out) plus the
model's field of view, and the code version.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

from brainscore_lcl.data.facts import BRAINSCORE_WINDOW_MS
from brainscore_lcl.results.db import DONE, CellKey, ResultsDB, record_of
from brainscore_lcl.scoring import ScoreRecord


def weights_sha256(model) -> str:
    """The sha256 of ``model``'s weights (``model.weights_sha256``), else its identifier."""
    return getattr(model, "weights_sha256", None) or str(getattr(model, "identifier", "unknown"))


def key_options(model, options: Mapping[str, Any]) -> dict[str, Any]:
    """The benchmark ``options`` that change a score, and the model's field of view (degrees) as ``visual_degrees``."""
    kept = {name: value for name, value in options.items() if value is not None and name != "data_root"}
    if tuple(kept.get("time_window", BRAINSCORE_WINDOW_MS)) == BRAINSCORE_WINDOW_MS:
        kept.pop("time_window", None)
    visual_degrees = getattr(model, "visual_degrees", None)
    if callable(visual_degrees):
        kept["visual_degrees"] = float(visual_degrees())
    return kept


def cell_key(label: str, model, benchmark: str, data_identity: str, options: Mapping[str, Any]) -> CellKey:
    """The ``CellKey`` of ``model`` (named ``label``) on ``benchmark`` with ``options``."""
    return CellKey(label, weights_sha256(model), benchmark, data_identity, key_options(model, options))


def record_from_row(row: Mapping[str, Any]) -> ScoreRecord:
    """The ``ScoreRecord`` stored in a finished row (exactly the one written)."""
    return ScoreRecord(**record_of(row))


def worker_name() -> str:
    """``<host>:<pid>``, or the Dask worker's address when running in one."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"{socket.gethostname()}:{os.getpid()}"


def stored_score(
    db: ResultsDB | None,
    key: CellKey,
    compute: Callable[[], ScoreRecord],
    *,
    recompute: bool = False,
    checkpoint: str | None = None,
) -> tuple[ScoreRecord, bool]:
    """The finished cell ``key`` from ``db``, else ``compute()`` written into it (``recompute``: always computed and
    replacing the stored row; ``db`` None: computed, nothing stored). Returns the record and whether it was
    computed."""
    if db is not None and not recompute:
        row = db.get(key)
        if row is not None and row["status"] == DONE:
            return record_from_row(row), False
    start = time.perf_counter()
    record = compute()
    if db is not None:
        db.put_done(
            key,
            asdict(record),
            timings={"total": time.perf_counter() - start},
            worker=worker_name(),
            checkpoint=checkpoint,
            replace=recompute,
        )
    return record, True
