"""The gallery's scripts (examples/): each runs as it is on tiny data (``BRAINSCORE_LCL_EXAMPLES_TINY=1``, slow: each
builds models and scores on the simulated data), and, fast, each is a titled gallery page whose every use of the
suite's API names something that exists."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))


def api_names(tree: ast.Module) -> list[tuple[str, str]]:
    """(module, name) of every ``from brainscore_lcl... import name`` and ("brainscore_lcl", "a.b") of every
    attribute chain ``bl.a.b`` of a script (``import brainscore_lcl as bl``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("brainscore_lcl"):
            found += [(node.module, alias.name) for alias in node.names]
        if isinstance(node, ast.Attribute) and not isinstance(getattr(node, "parent", None), ast.Attribute):
            chain, inner = [], node
            while isinstance(inner, ast.Attribute):
                chain.insert(0, inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name) and inner.id == "bl":
                found.append(("brainscore_lcl", ".".join(chain)))
    return found


def resolve(module: str, dotted: str):
    """The object ``module.dotted`` (``AttributeError`` / ``ImportError`` when it does not exist)."""
    value = importlib.import_module(module)
    for name in dotted.split("."):
        value = getattr(value, name)
    return value


def test_api_names_are_read_from_a_planted_script():
    tree = ast.parse("import brainscore_lcl as bl\nfrom brainscore_lcl.x import y\nbl.analyses.run(1)\nbl.score\n")
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node
    assert sorted(api_names(tree)) == [
        ("brainscore_lcl", "analyses.run"),
        ("brainscore_lcl", "score"),
        ("brainscore_lcl.x", "y"),
    ]


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.stem)
def test_each_example_is_a_titled_page_using_names_that_exist(script):
    tree = ast.parse(script.read_text())
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node
    title, underline = ast.get_docstring(tree).splitlines()[:2]
    assert title and underline == "=" * len(title)
    names = api_names(tree)
    assert names or "brainscore_lcl.cli" in script.read_text(), f"{script.name} uses neither the API nor the command"
    for module, dotted in names:
        assert resolve(module, dotted) is not None, (script.name, module, dotted)
    assert "BRAINSCORE_LCL_EXAMPLES_TINY" in script.read_text()


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory) -> Path:
    """One cache for the examples (the simulated data are generated once)."""
    return tmp_path_factory.mktemp("examples-cache")


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.stem)
def test_each_example_runs_on_tiny_data(script, shared_cache, tmp_path):
    environment = os.environ | {
        "BRAINSCORE_LCL_EXAMPLES_TINY": "1",
        "BRAINSCORE_LCL_CACHE": str(shared_cache),
        "BRAINSCORE_LCL_DB": f"sqlite:///{tmp_path / 'results.sqlite'}",
        "MPLBACKEND": "Agg",
    }
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip()
