"""The package's import graph (``tools/module_graph.py``, every module including imports inside functions and
``if TYPE_CHECKING:`` blocks): no cycle
between modules, and no import from a lower layer into a higher one.

Layers, low to high (``tools/module_graph.py`` ``LAYERS``, each module in the layer of its longest listed prefix):
foundation (errors, paths, cache, run_contract, data.facts, data.imagenet, the package itself) -> metrics -> data
-> model_helpers
(with registry, published_weights, checkpoint) -> models (plugins) -> training -> benchmarks -> scoring ->
analyses/report/export (with api, testing) -> cli (the ``brainscore_lcl.cli`` package).

Run with ``-s`` to see the summary (modules, cycles, upward imports, files per folder).
"""

from __future__ import annotations

import pytest

from brainscore_lcl.testing import load_tool


@pytest.fixture(scope="module")
def module_graph():
    return load_tool("module_graph")


@pytest.fixture(scope="module")
def graph(module_graph):
    print(module_graph.summary())
    return module_graph.import_graph()


def test_imports_inside_functions_are_edges(graph):
    # scoring imports from_file only inside load_model / check_model_ids
    assert "brainscore_lcl.model_helpers.from_file" in graph["brainscore_lcl.scoring"]
    assert "brainscore_lcl.benchmarks" in graph and "brainscore_lcl.training.trainer" in graph


def test_cycles_are_found(module_graph):
    assert module_graph.cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert module_graph.cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle(module_graph, graph):
    assert module_graph.cycles(graph) == []


def test_every_module_has_a_layer(module_graph, graph):
    for module in graph:
        module_graph.layer_of(module)


def test_no_upward_import(module_graph, graph):
    assert module_graph.upward_imports(graph) == []


def test_type_only_imports_are_edges(module_graph, tmp_path):
    source = tmp_path / "typed.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from brainscore_lcl.published_weights import WeightFile\n"
    )
    assert "brainscore_lcl.published_weights.WeightFile" in module_graph.imported_names("brainscore_lcl.typed", source)
