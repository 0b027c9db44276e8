"""Model and benchmark registries of this suite, filled by the plugin folders' ``__init__.py`` files.

A model plugin registers one ``ModelRecord`` per id in ``model_registry``; a benchmark factory takes no argument
(options as keywords) and returns a Brain-Score ``Benchmark``. Plugins only register; the work lives in their
``model.py`` / ``benchmark.py``. ``discover_plugins`` is the one way plugins are found.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class WeightFile:
    """One published weight file. ``source`` names where ``url`` is published; ``sha256`` is the full published hash
    and ``sha256_prefix`` a published prefix of it (either may be None); ``direct`` is False when ``url`` is a page
    or folder to download from by hand; ``other_names``: further names under which a file placed by hand is found
    (publishers spell some names two ways)."""

    file_name: str
    url: str
    source: str
    sha256: str | None = None
    sha256_prefix: str | None = None
    direct: bool = True
    other_names: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """``file_name`` then ``other_names``."""
        return (self.file_name, *self.other_names)


@dataclass(frozen=True)
class ModelRecord:
    """One model of the suite.

    ``factory(checkpoint=None)`` builds its Brain-Score ``BrainModel`` (a ``ModelCommitment``);
    ``candidate_layers`` are the layers among which each region's layer is selected on public data (None: the
    region-layer map is fixed); ``weights`` are the published files it loads (``brainscore_lcl.published_weights``);
    ``region_layers`` is its ``{region: layer}`` commitment (provisional when there are candidate layers; None when
    the factory decides); ``notes`` says how its weights are had when it loads no published file.
    """

    factory: Callable[..., object]
    candidate_layers: tuple[str, ...] | None = None
    weights: tuple[WeightFile, ...] = ()
    region_layers: Mapping[str, str] | None = None
    notes: str | None = None


model_registry: dict[str, ModelRecord] = {}
benchmark_registry: dict[str, Callable[..., object]] = {}

#: plugin kind -> the package whose sub-packages are its plugins
PLUGIN_PACKAGES = {"model": "brainscore_lcl.models", "benchmark": "brainscore_lcl.benchmarks"}
_discovered: set[str] = set()


def discover_plugins(kinds: tuple[str, ...] = ("model", "benchmark")) -> None:
    """Import every plugin folder of ``kinds`` (keys of ``PLUGIN_PACKAGES``) once, so that each registers its ids."""
    for kind in kinds:
        if kind in _discovered:
            continue
        package = importlib.import_module(PLUGIN_PACKAGES[kind])
        for module in pkgutil.iter_modules(package.__path__):
            if module.ispkg:
                importlib.import_module(f"{package.__name__}.{module.name}")
        _discovered.add(kind)


def candidate_layers(model_id: str) -> list[str] | None:
    """Layers among which a region's layer is to be selected (on public data), or None for a fixed map (or an id
    outside this suite's registry)."""
    discover_plugins(("model",))
    record = model_registry.get(model_id)
    layers = record.candidate_layers if record is not None else None
    return list(layers) if layers is not None else None


def benchmark_id_parts(identifier: str) -> tuple[str, str]:
    """(data set, group) of a benchmark id by Brain-Score's convention ``<data set>.<group>-<metric>``: the group is a
    region for neural benchmarks (``FreemanZiemba2013sim.V2-pls`` -> ("FreemanZiemba2013sim", "V2")), a condition
    for behavioural ones (``Geirhos2019local.edge`` -> ("Geirhos2019local", "edge")), "" when the id has no dot."""
    data_set, _, rest = identifier.partition(".")
    return data_set, rest.split("-")[0]
