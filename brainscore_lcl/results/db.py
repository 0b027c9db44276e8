"""The results database: one row per (model, weights sha256, benchmark, data identity, options, code version) cell.

SQLAlchemy Core on SQLite (default: ``<cache>/results.sqlite``, ``<cache>`` = ``$BRAINSCORE_LCL_CACHE``) or
PostgreSQL (``postgresql://user@host/db``, driven by psycopg 3). The six key fields are hashed into ``cell_key``,
which carries a unique constraint: every write is one ``INSERT ... ON CONFLICT`` statement, so that several grids
writing into one database at once can neither lose nor duplicate a row (the database, not this process, decides which
write lands). Rules of a write:

- a finished cell (``status`` "done") replaces a failed one, never a finished one unless ``replace`` (``--recompute``);
- a failed cell (``status`` "failed", its one-sentence error in ``message``) never replaces a finished one.

Rows hold every field of ``brainscore score --json``'s record as columns, the full record (per-neuron values, layer
selection) as JSON in ``record``, the time each step took (``timings``, seconds), the worker that computed it and the
suite's version (``suite_version``, ``brainscore_lcl.__version__``). A database made before that column existed opens
as it is: a writer adds the column (``ALTER TABLE``), a reader reads NULL for it.
"""

from __future__ import annotations

import datetime
import functools
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

from brainscore_lcl import __version__, cache_dir
from brainscore_lcl.errors import RunError, UsageError

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
    sa.Column("suite_version", sa.String(64)),
)
sa.Index("cells_model_benchmark", cells.c.model, cells.c.benchmark)
#: columns added after the first release of the table: a database without them is still this suite's
ADDED_COLUMNS = ("suite_version",)
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


#: the first 16 bytes of every SQLite 3 database file (an empty file is an empty database too)
SQLITE_HEADER = b"SQLite format 3\x00"
#: seconds a PostgreSQL server has to answer before the connection counts as refused
CONNECT_TIMEOUT_S = 10
#: columns of ``cells`` whose stored values must be numbers (or NULL); ``written_at`` must read as a time
NUMBER_COLUMNS = ("score", "raw", "ceiling", "error", "n_neuroids", "seconds")


def _sqlite_pragmas(connection, _record) -> None:
    """Write-ahead log (readers do not block the writer) and a 60 s wait for the write lock."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


def _driver_reason(error: BaseException) -> str:
    """The database driver's own words for ``error`` (its first line), with SQLAlchemy's wrapping removed."""
    original = getattr(error, "orig", None) or error
    return next((line.strip() for line in str(original).splitlines() if line.strip()), type(original).__name__)


def database_error(error: BaseException, shown: str) -> RunError:
    """The one sentence for a driver's ``error`` on the database ``shown`` (its URL without the password): what the
    driver said, in the terms of the mistake it stands for, and what to do."""
    reason = _driver_reason(error)
    lowered = reason.lower()
    if "not a database" in lowered:
        problem, hint = "the file is not an SQLite database", "pass another --db, or move the file away"
    elif "malformed" in lowered or "disk i/o" in lowered:
        problem, hint = "the file is damaged (truncated or overwritten)", "restore it from a copy or pass another --db"
    elif "readonly" in lowered or "read-only" in lowered:
        problem, hint = "it is read-only", "pass a writable --db (e.g. a copy of the file in a folder you can write to)"
    elif "locked" in lowered:
        problem, hint = "another process held its write lock for over 60 s", "try again when that process is done"
    elif "unable to open" in lowered:
        problem, hint = "the file cannot be opened", "check that its folder exists and can be written to"
    elif "connection" in lowered or "connect" in lowered or "timeout" in lowered or "resolve" in lowered:
        problem = f"no database server answered ({reason})"
        hint = "start the server, or check the URL's host, port, user and database name"
    else:
        problem, hint = reason, "check the database, or pass another --db"
    return RunError(f"results database {shown} cannot be used: {problem}; {hint}")


def _convert_driver_error(context, shown: str) -> None:
    """SQLAlchemy's ``handle_error`` hook: every driver error of the engine becomes ``database_error``'s sentence,
    except those a caller handles itself (a row that exists already, a table another process created first)."""
    error = context.original_exception
    if isinstance(context.sqlalchemy_exception, sa.exc.IntegrityError) or any(
        words in str(error) for words in ("already exists", "duplicate column")
    ):
        return
    raise database_error(error, shown) from None


def _check_sqlite_target(path: Path, shown: str, read_only: bool) -> None:
    """Before the engine is made: ``path`` (the SQLite file of ``shown``) is a folder-free, loop-free path whose
    existing file starts with SQLite's header and can be written (unless ``read_only``); a missing one can be created
    (unless ``read_only``, which needs it to exist). ``UsageError``/``RunError`` naming the problem otherwise."""
    from brainscore_lcl.paths import output_file, resolved

    path = resolved(path, "--db")
    if path.is_dir():
        raise UsageError(f"--db {shown} is a folder, not a database file; pass sqlite:///FOLDER/results.sqlite")
    if path.is_file():
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if header and header != SQLITE_HEADER:
            raise RunError(
                f"results database {shown} cannot be used: the file is not an SQLite database (it does not begin "
                "with SQLite's header); pass another --db, or move the file away"
            )
    elif read_only:
        raise RunError(
            f"results database {shown} does not exist; fill it with `brainscore grid` or `brainscore score --db` "
            "first, or pass the --db they wrote"
        )
    if not read_only:
        output_file(path, "--db")


def _check_schema(engine: sa.Engine, shown: str) -> bool:
    """Whether the database holds the ``cells`` table; ``RunError`` when it holds a ``cells`` table of another
    program (one that lacks this suite's columns)."""
    inspector = sa.inspect(engine)
    if not inspector.has_table("cells"):
        return False
    found = {column["name"] for column in inspector.get_columns("cells")}
    missing = [column.name for column in cells.columns if column.name not in found and column.name not in ADDED_COLUMNS]
    if missing:
        raise RunError(
            f"results database {shown} holds a table 'cells' that is not this suite's (it has no column "
            f"{', '.join(missing[:3])}); pass another --db, or rename that table"
        )
    return True


def checked_target(url: str | None, read_only: bool = False) -> tuple[sa.engine.URL, str]:
    """The parsed URL of the results database ``url`` and the URL as messages show it (no password), checked without
    creating or connecting to anything: the URL parses and names SQLite or PostgreSQL with an installed driver, and an
    SQLite file is a database file that can be written (``read_only``: read; it must exist then). ``UsageError`` for a
    bad URL, ``RunError`` for a database that cannot be used."""
    given = url or os.environ.get("BRAINSCORE_LCL_DB") or default_url()
    try:
        parsed = sa.engine.make_url(engine_url(given))
    except sa.exc.ArgumentError:
        raise UsageError(
            f"--db {given!r} is not a database URL (expected sqlite:///FILE or postgresql://USER@HOST/DATABASE, "
            "with three slashes before an SQLite file)"
        ) from None
    shown = sa.engine.make_url(given).render_as_string(hide_password=True) if "://" in given else given
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise UsageError(
            f"--db {given!r} is neither sqlite:///FILE nor postgresql://USER@HOST/DATABASE; pass one of those, or "
            "drop --db for the SQLite file in the cache"
        )
    try:
        parsed.get_dialect().import_dbapi()
    except sa.exc.NoSuchModuleError:
        raise UsageError(
            f"--db {shown} names the driver {parsed.get_driver_name()!r}, which SQLAlchemy does not know; write "
            "postgresql://USER@HOST/DATABASE (psycopg) or sqlite:///FILE"
        ) from None
    except ImportError as error:
        raise RunError(
            f"--db {shown} needs the Python package {error.name or parsed.get_driver_name()}, which is not "
            "installed; install it (e.g. pip install 'psycopg[binary]')"
        ) from None
    if _sqlite_file(parsed):
        _check_sqlite_target(Path(parsed.database).expanduser(), shown, read_only)
    return parsed, shown


def _sqlite_file(parsed: sa.engine.URL) -> bool:
    """Whether ``parsed`` names an SQLite database in a file (not in memory)."""
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def is_new_sqlite_file(parsed: sa.engine.URL) -> bool:
    """Whether ``parsed`` (``checked_target``'s URL) names an SQLite file that does not exist yet (no cell stored)."""
    return _sqlite_file(parsed) and not Path(parsed.database).expanduser().exists()


def open_database(url: str | None, read_only: bool = False) -> tuple[sa.Engine, str]:
    """The engine of the results database ``url`` (``engine_url``) and its URL as messages show it (no password),
    checked before anything is created (``checked_target``); then the server answers, and a ``cells`` table is this
    suite's. Every driver error the engine raises later becomes one sentence too (``database_error``)."""
    parsed, shown = checked_target(url, read_only)
    if _sqlite_file(parsed):
        path = Path(parsed.database).expanduser()
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not _sqlite_writable(path):  # read on a read-only file system or from another user's file: no journal
            parsed = parsed.set(
                database=f"file:{path.absolute()}", query={"mode": "ro", "immutable": "1", "uri": "true"}
            )
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, connect_args={"timeout": 60})
        if not read_only:
            sa.event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = sa.create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    sa.event.listen(engine, "handle_error", functools.partial(_convert_driver_error, shown=shown))
    try:
        has_cells = _check_schema(engine, shown)
        if read_only and not has_cells:
            raise RunError(
                f"results database {shown} holds no cells table; pass the --db that `brainscore grid` filled"
            )
    except BaseException:
        engine.dispose()  # closes the file, so SQLite removes the journal it made while reading
        raise
    return engine, shown


def _sqlite_writable(path: Path) -> bool:
    """Whether SQLite can write the file ``path`` and its journal beside it."""
    from brainscore_lcl.paths import read_only_file_system

    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK) and not read_only_file_system(path)


def checked_row(row: Mapping[str, Any], shown: str) -> dict[str, Any]:
    """``row`` as a dict, after checking the types another program could have stored: numbers in the number columns,
    a time in ``written_at`` (``RunError`` naming the row, the column and the value otherwise)."""
    row = dict(row)
    wrong = [
        (name, row[name])
        for name in NUMBER_COLUMNS
        if name in row
        and row[name] is not None
        and (isinstance(row[name], bool) or not isinstance(row[name], int | float))
    ]
    if "written_at" in row and not isinstance(row["written_at"], datetime.datetime):
        wrong.append(("written_at", row["written_at"]))
    if wrong:
        name, value = wrong[0]
        expected = "a time" if name == "written_at" else "a number"
        raise RunError(
            f"results database {shown}: row {row.get('id')} of the cells table has {name} {value!r} (expected "
            f"{expected}), so another program wrote it; remove that row, or pass another --db"
        )
    return row


def read_rows(result: sa.CursorResult, shown: str) -> list[dict[str, Any]]:
    """Every row of ``result`` through ``checked_row``; a stored time that does not parse is one sentence too."""
    try:
        return [checked_row(row, shown) for row in result.mappings()]
    except (ValueError, TypeError) as error:
        raise RunError(
            f"results database {shown}: a row of the cells table holds a value of the wrong type ({error}), so "
            "another program wrote it; remove that row, or pass another --db"
        ) from None


def now() -> datetime.datetime:
    """The current UTC time."""
    return datetime.datetime.now(datetime.UTC)


class ResultsDB:
    """The cells table of the database at ``url`` (created on first use unless ``read_only``; ``open_database``)."""

    def __init__(self, url: str | None = None, read_only: bool = False):
        self.engine, self.shown = open_database(url, read_only)
        self.url = engine_url(url)
        self.dialect = sqlite if self.url.startswith("sqlite") else postgresql
        if not read_only:
            self._create_tables()
            self._add_columns()
        self.table_columns = self._selected_columns()

    def close(self) -> None:
        """Close the engine's connections (SQLite then removes the journal files beside the database)."""
        self.engine.dispose()

    def _create_tables(self) -> None:
        """Create the table unless it exists; a writer that lost the race to create it finds it made by another."""
        try:
            metadata.create_all(self.engine, checkfirst=True)
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError, sa.exc.OperationalError):
            if not sa.inspect(self.engine).has_table("cells"):
                raise

    def _add_columns(self) -> None:
        """Add the ``ADDED_COLUMNS`` an older table lacks (all nullable, so its rows keep their values and read NULL
        there); a writer that lost the race to add one finds it added by another."""
        found = {column["name"] for column in sa.inspect(self.engine).get_columns("cells")}
        for column in (cells.c[name] for name in ADDED_COLUMNS if name not in found):
            kind = column.type.compile(dialect=self.engine.dialect)
            try:
                with self.engine.begin() as connection:
                    connection.execute(sa.text(f"ALTER TABLE cells ADD COLUMN {column.name} {kind}"))
            except (sa.exc.OperationalError, sa.exc.ProgrammingError):
                if column.name not in {c["name"] for c in sa.inspect(self.engine).get_columns("cells")}:
                    raise

    def _selected_columns(self) -> list[sa.ColumnElement[Any]]:
        """The columns a read selects: ``cells``' own, NULL under the name of an added column the table lacks (a
        database opened read-only that a writer of an older version made)."""
        found = {column["name"] for column in sa.inspect(self.engine).get_columns("cells")}
        return [column if column.name in found else sa.null().label(column.name) for column in cells.columns]

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
            rows = read_rows(
                connection.execute(sa.select(*self.table_columns).where(cells.c.cell_key == key.digest())), self.shown
            )
        return rows[0] if rows else None

    def other_code_versions(self, key: CellKey) -> list[dict[str, Any]]:
        """The finished rows of ``key``'s cell made by other code (every key field equal but ``code_version``),
        newest first."""
        columns = key.columns()
        query = (
            sa.select(*self.table_columns)
            .where(*(cells.c[name] == columns[name] for name in ("model", "weights_sha256", "benchmark")))
            .where(*(cells.c[name] == columns[name] for name in ("data_identity", "options")))
            .where(cells.c.code_version != key.code_version, cells.c.status == DONE)
            .order_by(cells.c.id.desc())
        )
        with self.engine.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    def rows(self, status: str | None = None) -> list[dict[str, Any]]:
        """Every row (with ``status``: those only), oldest first."""
        query = sa.select(*self.table_columns).order_by(cells.c.id)
        if status is not None:
            query = query.where(cells.c.status == status)
        with self.engine.connect() as connection:
            return read_rows(connection.execute(query), self.shown)

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
        "suite_version": __version__,
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
