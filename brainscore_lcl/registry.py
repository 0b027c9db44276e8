"""Model and benchmark registries of this suite, filled by the plugin folders' ``__init__.py`` files.

A model factory takes ``checkpoint: str | None`` and returns a Brain-Score ``BrainModel``
(a ``ModelCommitment``); a benchmark factory takes no argument and returns a Brain-Score ``Benchmark``.
Plugins only register; the work lives in their ``model.py`` / ``benchmark.py``.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Callable

model_registry: dict[str, Callable[..., object]] = {}
benchmark_registry: dict[str, Callable[[], object]] = {}

_PLUGIN_PACKAGES = ("brainscore_lcl.models", "brainscore_lcl.benchmarks")
_discovered: set[str] = set()


def discover_plugins(packages: tuple[str, ...] = _PLUGIN_PACKAGES) -> None:
    """Import every plugin folder of ``packages`` (default: models and benchmarks) once, so that each registers its
    ids; ``brainscore list models`` discovers the light model plugins alone."""
    for package_name in packages:
        if package_name in _discovered:
            continue
        package = importlib.import_module(package_name)
        for module in pkgutil.iter_modules(package.__path__):
            if module.ispkg:
                importlib.import_module(f"{package_name}.{module.name}")
        _discovered.add(package_name)
