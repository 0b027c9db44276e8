"""The suite's version comes from one place (``brainscore_lcl.__version__``) and reaches ``brainscore --version``,
the package metadata, JSON records and every results-database row; a database made before the ``suite_version``
column existed still opens (read-only: NULL there; a writer adds the column)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import brainscore_lcl
from brainscore_lcl.results.db import CellKey, ResultsDB
from brainscore_lcl.scoring import ScoreRecord

ROOT = Path(__file__).resolve().parents[1]


def key(model: str) -> CellKey:
    return CellKey(model, "a" * 64, "FreemanZiemba2013sim.V2-pls", "sim:1234", {"visual_degrees": 8.0}, "c1")


def test_pyproject_reads_the_version_from_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in project["project"]["dynamic"] and "version" not in project["project"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "brainscore_lcl.__version__"}


def test_brainscore_version_prints_the_package_version():
    done = subprocess.run(
        [sys.executable, "-m", "brainscore_lcl.cli", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == f"brainscore-lcl {brainscore_lcl.__version__}"


def test_a_score_json_record_carries_the_version(tmp_path):
    record = ScoreRecord(model="m", benchmark="b", score=0.5)
    record.write_json(tmp_path / "summary.json")
    record.write_json(tmp_path / "full.json", full=True)
    for name in ("summary.json", "full.json"):
        assert json.loads((tmp_path / name).read_text())["suite_version"] == brainscore_lcl.__version__


def test_every_row_carries_the_version(tmp_path):
    db = ResultsDB(f"sqlite:///{tmp_path / 'results.sqlite'}")
    db.put_done(key(model="a"), {"score": 0.5})
    db.put_failed(key(model="b"), "it failed")
    assert [row["suite_version"] for row in db.rows()] == [brainscore_lcl.__version__] * 2


def older_database(path: Path) -> Path:
    """An SQLite database whose ``cells`` table has every column but ``suite_version``, with one finished row."""
    db = ResultsDB(f"sqlite:///{path}")
    db.put_done(key(model="old"), {"score": 0.25})
    db.close()
    with sqlite3.connect(path) as connection:
        connection.execute("ALTER TABLE cells DROP COLUMN suite_version")
    with sqlite3.connect(path) as connection:
        assert "suite_version" not in [row[1] for row in connection.execute("PRAGMA table_info(cells)")]
    return path


def test_an_older_database_opens_read_only_with_no_version(tmp_path):
    path = older_database(tmp_path / "old.sqlite")
    rows = ResultsDB(f"sqlite:///{path}", read_only=True).rows()
    assert [(row["model"], row["score"], row["suite_version"]) for row in rows] == [("old", 0.25, None)]
    with sqlite3.connect(path) as connection:
        assert "suite_version" not in [row[1] for row in connection.execute("PRAGMA table_info(cells)")]


def test_a_writer_adds_the_version_column_to_an_older_database(tmp_path):
    path = older_database(tmp_path / "old.sqlite")
    db = ResultsDB(f"sqlite:///{path}")
    db.put_done(key(model="new"), {"score": 0.75})
    assert {row["model"]: row["suite_version"] for row in db.rows()} == {"old": None, "new": brainscore_lcl.__version__}
    assert len(ResultsDB(f"sqlite:///{path}").rows()) == 2  # a second writer finds the column added
