"""The package's module graph: every import between its modules (read from the source, including imports inside
functions), its cycles, the imports from a lower layer into a higher one, and the number of files per folder.

    python tools/module_graph.py            # prints the summary; exit status 1 when a cycle or upward import is found

Modules are named as installed (``setup.py``'s ``package_dir``: ``benchmarks/`` is ``brainscore_lcl.benchmarks``,
``training/`` is ``brainscore_lcl.training``, ``analyses/`` is ``brainscore_lcl.analyses``). An import of
``a.b.c`` is an edge to the deepest module of the package that the name reaches (``from a.b import c`` reaches
``a.b.c`` when that is a module). Imports under ``if TYPE_CHECKING:`` count too: a type named across layers ties
them as much as a run-time import does. Test files (``test.py``, ``test_*.py``) are left out: they may import
anything.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "brainscore_lcl"
#: installed package -> source folder, as in setup.py
PACKAGE_DIRS = {
    "brainscore_lcl": "brainscore_lcl",
    "brainscore_lcl.benchmarks": "benchmarks",
    "brainscore_lcl.training": "training",
    "brainscore_lcl.analyses": "analyses",
}

#: Layers, low to high: a module may import its own layer and the layers below it, never a higher one. Each module
#: belongs to the layer of its longest listed prefix.
LAYERS = (
    (
        "foundation",
        (
            "brainscore_lcl",
            "brainscore_lcl.errors",
            "brainscore_lcl.paths",
            "brainscore_lcl.cache",
            "brainscore_lcl.data.facts",
            "brainscore_lcl.data.imagenet",
            "brainscore_lcl.progress",
            "brainscore_lcl.run_contract",
        ),
    ),
    ("metrics", ("brainscore_lcl.metrics",)),
    ("data", ("brainscore_lcl.data", "brainscore_lcl.stimuli")),
    (
        "model_helpers",
        (
            "brainscore_lcl.model_helpers",
            "brainscore_lcl.registry",
            "brainscore_lcl.published_weights",
            "brainscore_lcl.checkpoint",
        ),
    ),
    ("models", ("brainscore_lcl.models",)),
    ("training", ("brainscore_lcl.training",)),
    ("benchmarks", ("brainscore_lcl.benchmarks",)),
    ("scoring", ("brainscore_lcl.scoring", "brainscore_lcl.controls")),
    ("results", ("brainscore_lcl.results",)),
    (
        "analyses/report/export",
        (
            "brainscore_lcl.analyses",
            "brainscore_lcl.report",
            "brainscore_lcl.export",
            "brainscore_lcl.api",
            "brainscore_lcl.testing",
            "brainscore_lcl.texture_experiment",
        ),
    ),
    ("grid", ("brainscore_lcl.grid",)),
    ("cli", ("brainscore_lcl.cli",)),
)


def is_test_file(path: Path) -> bool:
    """Whether ``path`` is a test module (``test.py`` in a plugin folder, or ``test_*.py``)."""
    return path.name == "test.py" or path.name.startswith("test_")


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """{module name: source file} of every non-test module of the package."""
    modules = {}
    for package, folder in PACKAGE_DIRS.items():
        for path in sorted((root / folder).rglob("*.py")):
            relative = path.relative_to(root / folder).with_suffix("")
            parts = [part for part in relative.parts if part != "__init__"]
            name = ".".join([package, *parts])
            if not is_test_file(path) and name not in modules and ".venv" not in path.parts:
                modules[name] = path
    return modules


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The deepest module of the package that the dotted ``name`` reaches, or None outside the package."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def imported_names(module: str, path: Path) -> set[str]:
    """Dotted names imported anywhere in ``path`` (module ``module``; in functions and ``if TYPE_CHECKING:`` blocks
    too), relative imports made absolute; for ``from a import b`` both ``a`` and ``a.b``."""
    is_package = path.name == "__init__.py"
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """{module: modules of the package it imports} (self-imports left out)."""
    modules = module_files(root)
    graph = {}
    for module, path in modules.items():
        targets = {_resolve(name, modules) for name in imported_names(module, path)}
        graph[module] = {target for target in targets if target is not None and target != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of two or more modules (each sorted), by Tarjan's algorithm."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def layer_of(module: str) -> int:
    """Index in ``LAYERS`` of the layer of ``module`` (its longest listed prefix)."""
    best, best_length = None, -1
    for position, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = position, len(prefix)
    if best is None:
        raise ValueError(f"module {module} is in no layer of LAYERS")
    return best


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(importer, imported) pairs where the importer's layer is lower than the imported module's."""
    return sorted(
        (source, target)
        for source, targets in graph.items()
        for target in targets
        if layer_of(source) < layer_of(target)
    )


def files_per_folder(root: Path = ROOT) -> dict[str, int]:
    """{source folder relative to the repository: number of .py files in it, tests included}."""
    counts = Counter()
    for folder in PACKAGE_DIRS.values():
        for path in (root / folder).rglob("*.py"):
            if ".venv" not in path.parts:
                counts[str(path.parent.relative_to(root))] += 1
    return dict(sorted(counts.items()))


def summary(root: Path = ROOT) -> str:
    """The printed report: modules and edges, each cycle, each upward import with its layers, files per folder."""
    graph = import_graph(root)
    found_cycles, upward = cycles(graph), upward_imports(graph)
    lines = [
        f"modules: {len(graph)}, imports between them: {sum(len(targets) for targets in graph.values())}",
        f"cycles: {len(found_cycles)}",
    ]
    lines += [f"  {' <-> '.join(component)}" for component in found_cycles]
    lines.append(f"upward imports: {len(upward)}")
    lines += [
        f"  {source} ({LAYERS[layer_of(source)][0]}) -> {target} ({LAYERS[layer_of(target)][0]})"
        for source, target in upward
    ]
    lines.append("files per folder:")
    lines += [f"  {folder}: {count}" for folder, count in files_per_folder(root).items()]
    return "\n".join(lines)


def main() -> int:
    print(summary())
    graph = import_graph()
    return 1 if cycles(graph) or upward_imports(graph) else 0


if __name__ == "__main__":
    sys.exit(main())
