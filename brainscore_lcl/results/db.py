"""The results database: one row per (model, weights sha256, benchmark, data identity, options, code version) cell.

SQLAlchemy Core on SQLite (default: ``<cache>/results.sqlite``, ``<cache>`` = ``$BRAINSCORE_LCL_CACHE``) or
PostgreSQL (``postgresql://user@host/db``, driven by psycopg 3). The six key fields are hashed into ``cell_key``,
which carries a unique constraint: every write is one ``INSERT ... ON CONFLICT`` statement, so that several grids
writing into one database at once can neither lose nor duplicate a row (the database, not this process, decides which
write lands). Rules of a write:

- a finished cell (``status`` "done") replaces a failed one, never a finished one unless ``replace`` (``--recompute``);
- a failed cell (``status`` "failed", its one-sentence error in ``message``) never replaces a finished one.

Rows hold every field of ``brainscore score --json``'s record as columns, the full record (per-neuron values, layer
selection) as JSON in ``record``, the time each step took (``timings``, seconds) and the worker that computed it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from brainscore_lcl import cache_dir
from brainscore_lcl.errors import UsageError

DONE, FAILED = "done", "failed"

metadata = sa.MetaData()
#: one row per cell; docs/grid.md lists the columns
cells = sa.Table(
    "cells",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cell_key", sa.String(64), nullable=False, unique=True),
    sa.Column("model", sa.String(255), nullable=False),
    sa.Column("weights_sha256", sa.String(64), nullable=False),
    sa.Column("benchmark", sa.String(255), nullable=False),
    sa.Column("data_identity", sa.Text, nullable=False),
    sa.Column("options", sa.Text, nullable=False),
    sa.Column("code_version", sa.String(255), nullable=False),
    sa.Column("source", sa.String(64)),
    sa.Column("region", sa.String(64)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("score", sa.Double),
    sa.Column("raw", sa.Double),
    sa.Column("ceiling", sa.Double),
    sa.Column("error", sa.Double),
    sa.Column("n_neuroids", sa.Integer),
    sa.Column("layer", sa.String(255)),
    sa.Column("record", sa.Text),
    sa.Column("message", sa.Text),
    sa.Column("checkpoint", sa.Text),
    sa.Column("timings", sa.Text),
    sa.Column("seconds", sa.Double),
    sa.Column("worker", sa.String(255)),
    sa.Column("host", sa.String(255)),
    sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("cells_model_benchmark", cells.c.model, cells.c.benchmark)
#: columns copied from the record's summary
SUMMARY_COLUMNS = ("score", "raw", "ceiling", "error", "n_neuroids", "layer")


def plain(value: Any) -> Any:
    """``value`` as JSON data: numpy arrays and scalars as lists and numbers, paths and the rest as text."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def to_json(value: Any) -> str:
    """Canonical JSON (sorted keys) of ``value``; floats written exactly (``repr``), so they read back equal."""
    return json.dumps(value, sort_keys=True, default=plain)


@dataclass(frozen=True)
class CellKey:
    """What makes two scores the same cell. ``options``: the benchmark's options and the model's field of view;
    ``code_version``: ``brainscore_lcl.model_helpers.identity.code_version`` of the model."""

    model: str
    weights_sha256: str
    benchmark: str
    data_identity: str
    options: Mapping[str, Any]
    code_version: str

    def digest(self) -> str:
        """sha256 (hex) of the canonical JSON of the six fields: the row's ``cell_key``."""
        fields = [self.model, self.weights_sha256, self.benchmark, self.data_identity, self.options, self.code_version]
        return hashlib.sha256(to_json(fields).encode()).hexdigest()

    def columns(self) -> dict[str, Any]:
        """The key's columns of a row."""
        source, region = benchmark_source_and_region(self.benchmark)
        return {
            "cell_key": self.digest(),
            "model": self.model,
            "weights_sha256": self.weights_sha256,
            "benchmark": self.benchmark,
            "data_identity": self.data_identity,
            "options": to_json(dict(self.options)),
            "code_version": self.code_version,
            "source": source,
            "region": region,
        }


def benchmark_source_and_region(benchmark: str) -> tuple[str, str]:
    """Data source and region of a benchmark id ``<Dataset><source>.<region>-<metric>``: ``FreemanZiemba2013sim.V2-pls``
    -> ("sim", "V2"); Brain-Score's own ``FreemanZiemba2013.V1-pls`` -> ("official", "V1"); the dataset name stands in
    for an id of another family (``Geirhos2019local.edge`` -> ("local", "edge"))."""
    from brainscore_lcl.data.facts import SOURCE_PREFIXES
    from brainscore_lcl.registry import benchmark_id_parts

    dataset, region = benchmark_id_parts(benchmark)
    region = region or "?"
    for source, prefix in SOURCE_PREFIXES.items():
        if dataset == prefix:
            return source, region
    for suffix in ("sim", "local", "public"):
        if dataset.endswith(suffix):
            return suffix, region
    return "official", region


def default_url() -> str:
    """``sqlite:///<cache>/results.sqlite``."""
    return f"sqlite:///{cache_dir() / 'results.sqlite'}"


def engine_url(url: str | None) -> str:
    """The SQLAlchemy URL for ``url`` (None: ``$BRAINSCORE_LCL_DB``, else ``default_url()``); ``postgresql://`` uses
    psycopg 3. ``UsageError`` for any other kind of database."""
    url = url or os.environ.get("BRAINSCORE_LCL_DB") or default_url()
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("sqlite:", "postgresql+")):
        return url
    raise UsageError(
        f"--db {url!r} is neither sqlite:///FILE nor postgresql://USER@HOST/DATABASE; pass one of those, or drop "
        "--db for the SQLite file in the cache"
    )


def _sqlite_pragmas(connection, _record) -> None:
    """Write-ahead log (readers do not block the writer) and a 60 s wait for the write lock."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


def now() -> datetime.datetime:
    """The current UTC time."""
    return datetime.datetime.now(datetime.UTC)


class ResultsDB:
    """The cells table of the database at ``url`` (created on first use)."""

    def __init__(self, url: str | None = None):
        self.url = engine_url(url)
        if self.url.startswith("sqlite"):
            if self.url.startswith("sqlite:///"):
                Path(self.url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
            self.engine = sa.create_engine(self.url, connect_args={"timeout": 60})
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.dialect = sqlite
        else:
            self.engine = sa.create_engine(self.url, pool_pre_ping=True)
            self.dialect = postgresql
        self._create_tables()

    def _create_tables(self) -> None:
        """Create the table unless it exists; a writer that lost the race to create it finds it made by another."""
        try:
            metadata.create_all(self.engine, checkfirst=True)
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError, sa.exc.OperationalError):
            if not sa.inspect(self.engine).has_table("cells"):
                raise

    def display_url(self) -> str:
        """The URL without its password."""
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def statuses(self, keys: Iterable[CellKey]) -> dict[str, str]:
        """{cell_key: status} of the rows of ``keys`` that exist."""
        digests = [key.digest() for key in keys]
        found: dict[str, str] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(digests), 500):
                query = sa.select(cells.c.cell_key, cells.c.status).where(
                    cells.c.cell_key.in_(digests[start : start + 500])
                )
                found.update(dict(connection.execute(query).all()))
        return found

    def get(self, key: CellKey) -> dict[str, Any] | None:
        """The row of ``key`` as a dict, or None."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(cells).where(cells.c.cell_key == key.digest())).mappings().first()
        return dict(row) if row is not None else None

    def other_code_versions(self, key: CellKey) -> list[dict[str, Any]]:
        """The finished rows of ``key``'s cell made by other code (every key field equal but ``code_version``),
        newest first."""
        columns = key.columns()
        query = (
            sa.select(cells)
            .where(*(cells.c[name] == columns[name] for name in ("model", "weights_sha256", "benchmark")))
            .where(*(cells.c[name] == columns[name] for name in ("data_identity", "options")))
            .where(cells.c.code_version != key.code_version, cells.c.status == DONE)
            .order_by(cells.c.id.desc())
        )
        with self.engine.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    def rows(self, status: str | None = None) -> list[dict[str, Any]]:
        """Every row (with ``status``: those only), oldest first."""
        query = sa.select(cells).order_by(cells.c.id)
        if status is not None:
            query = query.where(cells.c.status == status)
        with self.engine.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    def _write(self, values: dict[str, Any], overwrite: sa.ColumnElement[bool] | None) -> bool:
        """INSERT ``values``; where the cell exists, UPDATE it when ``overwrite`` holds for the stored row (never,
        when None). Returns whether a row was written."""
        insert = self.dialect.insert(cells).values(**values)
        if overwrite is None:
            statement = insert.on_conflict_do_nothing(index_elements=["cell_key"])
        else:
            changes = {name: insert.excluded[name] for name in values if name not in ("cell_key",)}
            statement = insert.on_conflict_do_update(index_elements=["cell_key"], set_=changes, where=overwrite)
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount > 0

    def put_done(
        self,
        key: CellKey,
        record: Mapping[str, Any],
        *,
        timings: Mapping[str, float] | None = None,
        worker: str | None = None,
        checkpoint: str | None = None,
        replace: bool = False,
    ) -> bool:
        """Store a finished cell: ``record`` is ``dataclasses.asdict`` of its ``ScoreRecord``. It replaces a failed
        row (or, with ``replace``, any row). Returns whether it was written."""
        summary = {name: _number(record.get(name)) for name in SUMMARY_COLUMNS}
        values = key.columns() | summary | _provenance(timings, worker, checkpoint)
        values |= {"status": DONE, "record": to_json(record), "message": None}
        return self._write(values, sa.true() if replace else cells.c.status != DONE)

    def put_failed(
        self,
        key: CellKey,
        message: str,
        *,
        timings: Mapping[str, float] | None = None,
        worker: str | None = None,
        checkpoint: str | None = None,
    ) -> bool:
        """Store a failed cell with its one-sentence ``message``; a finished row is kept. Returns whether it was
        written."""
        values = key.columns() | _provenance(timings, worker, checkpoint) | {"status": FAILED, "message": message}
        values |= {name: None for name in (*SUMMARY_COLUMNS, "record")}
        return self._write(values, cells.c.status == FAILED)

    def delete(self, keys: Iterable[CellKey]) -> int:
        """Remove the rows of ``keys``; returns how many were removed."""
        digests = [key.digest() for key in keys]
        with self.engine.begin() as connection:
            return connection.execute(sa.delete(cells).where(cells.c.cell_key.in_(digests))).rowcount


def _number(value: Any) -> Any:
    """A float column's value: None for NaN (SQL has no NaN)."""
    if isinstance(value, float | np.floating) and math.isnan(value):
        return None
    return plain(value) if isinstance(value, np.generic) else value


def _provenance(timings: Mapping[str, float] | None, worker: str | None, checkpoint: str | None) -> dict[str, Any]:
    timings = dict(timings or {})
    return {
        "timings": to_json(timings),
        "seconds": timings.get("total"),
        "worker": worker,
        "host": socket.gethostname(),
        "checkpoint": checkpoint,
        "written_at": now(),
    }


def worker_name() -> str:
    """``<host>:<pid>``, or the Dask worker's address when running in one."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"{socket.gethostname()}:{os.getpid()}"


def record_of(row: Mapping[str, Any]) -> dict[str, Any]:
    """The stored record (``dataclasses.asdict`` of the ``ScoreRecord``) of a finished row."""
    return json.loads(row["record"])


_open: dict[str, ResultsDB] = {}


def shared_database(url: str | None = None) -> ResultsDB:
    """The ``ResultsDB`` of ``url`` (``engine_url``), opened once per process."""
    resolved = engine_url(url)
    if resolved not in _open:
        _open[resolved] = ResultsDB(resolved)
    return _open[resolved]
