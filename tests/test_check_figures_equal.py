"""``tools/check_figures_equal.py``: the comparison behind the figures' equality claims (docs/architecture.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brainscore_lcl.testing import load_tool


@pytest.fixture(scope="module")
def check():
    return load_tool("check_figures_equal")


def write(root: Path, name: str, value) -> None:
    (root / "figure").mkdir(parents=True, exist_ok=True)
    (root / "figure" / f"{name}.json").write_text(json.dumps(value))


def test_a_planted_difference_in_a_table_is_found_and_an_equal_one_is_not(check, tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    rows = [{"model": "a", "score": 0.5}, {"model": "b", "score": float("nan")}]
    write(before, "table", rows)
    write(after, "table", [{"model": "a", "score": 0.5 + 1e-13}, {"model": "b", "score": float("nan")}])
    assert check.compare(before, after, 1e-12) == (2, [])
    assert check.added_keys(before, after) == []  # a list of rows has no top-level keys
    write(after, "table", [{"model": "a", "score": 0.5 + 1e-9}, rows[1]])
    count, found = check.compare(before, after, 1e-12)
    assert count == 2 and found == ["figure/table.json[0].score: 0.5 before, 0.500000001 after"]


def test_keys_only_the_new_file_has_are_listed_as_added(check, tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    write(before, "figure", {"score": 1.0})
    write(after, "figure", {"score": 1.0, "panel": [2.0]})
    assert check.compare(before, after, 0.0) == (1, [])
    assert check.added_keys(before, after) == ["figure/figure.json: panel"]
