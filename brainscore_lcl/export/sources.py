"""Copy this suite's own definitions into a self-contained module (one source of truth for exported plugins).

``copy_definitions`` takes root names (``(module, name)`` pairs, e.g. ``("brainscore_lcl.model_helpers.architecture",
"LCLEncoder")``) and returns their source text plus everything they need from this suite, read from the installed
modules' syntax trees: top-level functions, classes and constants of the same module that they name, and names
they import from other ``brainscore_lcl`` modules (at module level or inside a function), followed recursively.
Imports of ``brainscore_lcl`` are dropped (the copied definitions take their place); other imports that the copied
code uses are kept. Definitions keep their source text (comments included), grouped by module in source order.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from dataclasses import dataclass, field

from brainscore_lcl.errors import RunError

SUITE_PACKAGE = "brainscore_lcl"


class ExportSourceError(RunError):
    """A suite definition that cannot be copied into a plugin (e.g. an aliased suite import)."""


def is_suite_module(module: str | None) -> bool:
    """Whether ``module`` (dotted name) belongs to this suite."""
    return module is not None and (module == SUITE_PACKAGE or module.startswith(f"{SUITE_PACKAGE}."))


def top_level_definitions(tree: ast.Module) -> dict[str, ast.stmt]:
    """{name: statement} for the functions, classes and assigned names at the top level of ``tree``."""
    definitions = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            definitions[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            definitions.update((target.id, node) for target in targets if isinstance(target, ast.Name))
    return definitions


@dataclass
class ParsedModule:
    """One suite module's source, its top-level definitions by name and its imports."""

    name: str
    path: str
    source: str
    tree: ast.Module
    definitions: dict[str, ast.stmt] = field(default_factory=dict)
    suite_imports: dict[str, tuple[str, str]] = field(default_factory=dict)  # bound name -> (module, name)
    other_imports: list[ast.stmt] = field(default_factory=list)

    @classmethod
    def load(cls, name: str) -> ParsedModule:
        module = importlib.import_module(name)
        source = inspect.getsource(module)
        parsed = cls(name, inspect.getsourcefile(module), source, ast.parse(source))
        parsed.definitions = top_level_definitions(parsed.tree)
        for node in parsed.tree.body:
            if isinstance(node, ast.ImportFrom) and is_suite_module(_absolute(node, name)):
                parsed.suite_imports.update(_suite_bindings(node, name))
            elif isinstance(node, (ast.Import, ast.ImportFrom)) and not (
                isinstance(node, ast.ImportFrom) and node.module == "__future__"
            ):
                if isinstance(node, ast.Import) and any(is_suite_module(alias.name) for alias in node.names):
                    raise ExportSourceError(f"{name} imports a suite module as a whole; import names from it instead")
                parsed.other_imports.append(node)
        return parsed

    def segment(self, node: ast.stmt) -> str:
        """Source text of ``node`` (decorators included) without the lines of nested suite imports."""
        lines = self.source.splitlines()
        first = min([node.lineno] + [decorator.lineno for decorator in getattr(node, "decorator_list", [])])
        while first > 1 and lines[first - 2].startswith("#"):  # the comment lines right above belong to it
            first -= 1
        dropped = {
            line
            for inner in ast.walk(node)
            if isinstance(inner, ast.ImportFrom) and is_suite_module(_absolute(inner, self.name))
            for line in range(inner.lineno, inner.end_lineno + 1)
        }
        return "\n".join(
            line for number, line in enumerate(lines[first - 1 : node.end_lineno], start=first) if number not in dropped
        )


def _absolute(node: ast.ImportFrom, module_name: str) -> str | None:
    """The absolute module an ``ImportFrom`` node reads from (relative imports resolved against ``module_name``)."""
    if not node.level:
        return node.module
    package = module_name.rsplit(".", node.level)[0]
    return f"{package}.{node.module}" if node.module else package


def _suite_bindings(node: ast.ImportFrom, module_name: str) -> dict[str, tuple[str, str]]:
    source = _absolute(node, module_name)
    bindings = {}
    for alias in node.names:
        bindings[alias.asname or alias.name] = (source, alias.name)
    return bindings


def _used_names(node: ast.AST) -> set[str]:
    return {inner.id for inner in ast.walk(node) if isinstance(inner, ast.Name)}


def _bound_name(alias: ast.alias) -> str:
    return alias.asname or alias.name.split(".")[0]


def _dependencies_first(module_names: list[str], needs: dict[str, set[str]]) -> list[str]:
    """``module_names`` ordered so that each module comes after the modules it needs (their constants may be read
    when its definitions are executed, e.g. as default arguments); discovery order otherwise, cycles broken there."""
    ordered: list[str] = []

    def visit(module: str, path: tuple[str, ...]) -> None:
        if module in ordered or module in path or module not in module_names:
            return
        for needed in [name for name in module_names if name in needs.get(module, ())]:
            visit(needed, path + (module,))
        ordered.append(module)

    for module in module_names:
        visit(module, ())
    return ordered


def copy_definitions(roots: list[tuple[str, str]]) -> tuple[list[str], str]:
    """(import lines, definitions text) for ``roots`` and everything of this suite they need (module docstring).

    Import lines are the non-suite imports (module level) that the copied definitions use, in first-seen order.
    """
    modules: dict[str, ParsedModule] = {}
    chosen: dict[str, set[str]] = {}
    needs: dict[str, set[str]] = {}  # module -> the modules whose copied names it uses
    pending = list(roots)
    while pending:
        module_name, name = pending.pop()
        if module_name not in modules:
            modules[module_name] = ParsedModule.load(module_name)
        parsed = modules[module_name]
        if name in chosen.setdefault(module_name, set()):
            continue
        if name in parsed.suite_imports:
            source, original = parsed.suite_imports[name]
            if original != name:
                raise ExportSourceError(
                    f"{module_name} imports {original} from {source} as {name}; an exported "
                    "plugin can only copy suite names imported under their own name"
                )
            needs.setdefault(module_name, set()).add(source)
            pending.append((source, original))
            continue
        if name not in parsed.definitions:
            raise ExportSourceError(f"{module_name} defines no top-level {name!r} to copy")
        chosen[module_name].add(name)
        node = parsed.definitions[name]
        for used in _used_names(node):
            if used in parsed.definitions or used in parsed.suite_imports:
                pending.append((module_name, used))
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and is_suite_module(_absolute(inner, module_name)):
                bindings = _suite_bindings(inner, module_name).values()
                needs.setdefault(module_name, set()).update(source for source, _ in bindings)
                pending.extend(bindings)
    finish_order = _dependencies_first([module for module in modules if chosen.get(module)], needs)

    blocks, used = [], set()
    for module_name in finish_order:
        parsed = modules[module_name]
        nodes = [
            node
            for node in parsed.tree.body
            if any(parsed.definitions.get(name) is node for name in chosen[module_name])
        ]
        text = parsed.segment(nodes[0])
        for previous, node in zip(nodes, nodes[1:]):
            constants = all(isinstance(item, (ast.Assign, ast.AnnAssign)) for item in (previous, node))
            text += ("\n" if constants else "\n\n\n") + parsed.segment(node)
        blocks.append(f"# --- copied from {module_name} ---\n\n" + text)
        used |= set().union(*(_used_names(node) for node in nodes))
    plain, from_names = [], {}
    for module_name in finish_order:
        for node in modules[module_name].other_imports:
            for alias in node.names:
                if _bound_name(alias) not in used:
                    continue
                text = alias.name + (f" as {alias.asname}" if alias.asname else "")
                if isinstance(node, ast.Import):
                    plain.append(f"import {text}")
                else:
                    from_names.setdefault(node.module, []).append(text)
    imports = list(dict.fromkeys(plain)) + [
        f"from {module} import {', '.join(dict.fromkeys(names))}" for module, names in from_names.items()
    ]
    return imports, "\n\n\n".join(blocks)
