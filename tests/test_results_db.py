"""The results database (``brainscore_lcl.results.db``): keys, the write rules, exact round trips, and four processes
writing the same cells at once into SQLite and into a PostgreSQL server this test starts itself."""

from __future__ import annotations

import math
import multiprocessing
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from brainscore_lcl.errors import UsageError
from brainscore_lcl.results.db import (
    DONE,
    FAILED,
    CellKey,
    ResultsDB,
    benchmark_source_and_region,
    engine_url,
    record_of,
)

#: the server binaries of the newest PostgreSQL Debian installed (``postgresql-<version>``)
PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda path: int(path.parent.name), default=Path("/absent"))
#: where Debian keeps ``runuser``; a clean environment's PATH (CI's, ``env -i``) may not name them
SYSTEM_BINARIES = ("/usr/sbin", "/sbin")
SIM = "FreemanZiemba2013sim"


def key(model="m", benchmark=f"{SIM}.V2-pls", **changes) -> CellKey:
    fields = dict(weights_sha256="a" * 64, data_identity="sim:1234", options={"visual_degrees": 8.0}, code_version="c1")
    return CellKey(model, benchmark=benchmark, **(fields | changes))


@pytest.fixture
def db(tmp_path) -> ResultsDB:
    return ResultsDB(f"sqlite:///{tmp_path / 'results.sqlite'}")


def test_every_key_field_makes_another_cell():
    base = key()
    others = [
        key(model="n"),
        key(benchmark=f"{SIM}.V1-pls"),
        key(weights_sha256="b" * 64),
        key(data_identity="sim:5678"),
        key(options={"visual_degrees": 4.0}),
        key(code_version="other"),
    ]
    digests = {other.digest() for other in others}
    assert base.digest() not in digests and len(digests) == len(others)
    assert key().digest() == base.digest()


@pytest.mark.parametrize(
    "benchmark, expected",
    [
        (f"{SIM}.V2-pls", ("sim", "V2")),
        ("FreemanZiemba2013.V1-pls", ("official", "V1")),
        ("FreemanZiemba2013public.V2-texmod", ("public", "V2")),
        ("FreemanZiemba2013local.V2-pls-v1like", ("local", "V2")),
        ("Geirhos2019local.edge", ("local", "edge")),
    ],
)
def test_source_and_region_come_from_the_benchmark_id(benchmark, expected):
    assert benchmark_source_and_region(benchmark) == expected


def test_only_sqlite_and_postgresql_urls_are_taken(monkeypatch, tmp_path):
    monkeypatch.delenv("BRAINSCORE_LCL_DB", raising=False)
    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path))
    assert engine_url(None) == f"sqlite:///{tmp_path}/results.sqlite"
    assert engine_url("postgresql://lab@host/results") == "postgresql+psycopg://lab@host/results"
    with pytest.raises(UsageError, match="neither sqlite"):
        engine_url("mysql://lab@host/results")


def test_a_finished_cell_replaces_a_failed_one_and_is_kept_against_failures(db):
    cell = key()
    assert db.put_failed(cell, "first failure")
    assert db.put_failed(cell, "second failure")
    assert [(row["status"], row["message"]) for row in db.rows()] == [(FAILED, "second failure")]
    assert db.put_done(cell, {"score": 0.25, "raw": 0.5})
    assert not db.put_failed(cell, "a later failure")
    assert not db.put_done(cell, {"score": 0.75})
    assert [(row["status"], row["score"]) for row in db.rows()] == [(DONE, 0.25)]
    assert db.put_done(cell, {"score": 0.75}, replace=True)
    assert [(row["status"], row["score"], row["message"]) for row in db.rows()] == [(DONE, 0.75, None)]


def test_records_read_back_exactly(db):
    record = {"score": 1 / 3, "raw": math.pi / 7, "ceiling": float("nan"), "details": {"r": [0.1 + 0.2, 1e-17]}}
    db.put_done(key(), record, timings={"total": 1.5}, worker="tcp://w:1")
    (row,) = db.rows()
    assert row["score"] == 1 / 3 and row["raw"] == math.pi / 7 and row["ceiling"] is None
    assert row["seconds"] == 1.5 and row["worker"] == "tcp://w:1" and row["region"] == "V2" and row["source"] == "sim"
    stored = record_of(row)
    assert stored["details"] == record["details"] and math.isnan(stored["ceiling"])


def _write_cells(url: str, writer: int, n_cells: int) -> None:
    """A writer process: half the writers store every cell as failed, the other half as finished, in its own order."""
    db = ResultsDB(url)
    order = list(range(n_cells))[writer::2] + list(range(n_cells))[1 - writer % 2 :: 2]
    for index in order:
        cell = key(model=f"model-{index % 5}", benchmark=f"{SIM}.V{1 + index % 2}-pls", data_identity=f"sim:{index}")
        if writer % 2:
            db.put_done(cell, {"score": index / n_cells}, worker=f"writer-{writer}")
        else:
            db.put_failed(cell, f"writer {writer} failed", worker=f"writer-{writer}")
    db.engine.dispose()


def four_writers_at_once(url: str, n_cells: int = 40) -> list[dict]:
    ResultsDB(url).engine.dispose()
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write_cells, args=(url, writer, n_cells)) for writer in range(4)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(120)
        assert process.exitcode == 0
    return ResultsDB(url).rows()


def check_every_cell_once_and_finished(rows: list[dict], n_cells: int = 40) -> None:
    assert len(rows) == n_cells
    assert len({row["cell_key"] for row in rows}) == n_cells
    assert {row["status"] for row in rows} == {DONE}
    assert sorted(row["score"] for row in rows) == [index / n_cells for index in range(n_cells)]


def test_four_sqlite_writers_neither_lose_nor_duplicate(tmp_path):
    check_every_cell_once_and_finished(four_writers_at_once(f"sqlite:///{tmp_path / 'results.sqlite'}"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def postgresql_url():
    """A PostgreSQL 15 server in a temporary folder, run as the ``postgres`` user when the tests run as root
    (PostgreSQL refuses to run as root); stopped and removed afterwards."""
    if not (PG_BIN / "pg_ctl").is_file():
        pytest.skip("PostgreSQL's server binaries are not in /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="lcl-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser", path=os.pathsep.join([os.environ.get("PATH", ""), *SYSTEM_BINARIES]))
        if runuser is None:
            pytest.skip("running as root without runuser: PostgreSQL cannot be started as another user")
        shutil.chown(folder, "postgres", "postgres")
        prefix = [runuser, "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()
    run = lambda *argv: subprocess.run(prefix + list(argv), check=True, capture_output=True, timeout=120)
    try:
        run(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "lcl", "--no-sync")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
        yield f"postgresql://lcl@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_four_postgresql_writers_neither_lose_nor_duplicate(postgresql_url):
    check_every_cell_once_and_finished(four_writers_at_once(postgresql_url))
