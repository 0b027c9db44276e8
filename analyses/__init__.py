"""The paper's figures and tables as library functions: ``brainscore_lcl.analyses.<figure>``.

Each figure module has ``compute(models, source, **options) -> Result`` (a dataclass of every number, with
``to_json()``), ``draw(result, out) -> paths`` (figures, tables and the JSON written into ``out``) and
``main(argv)`` (``python analyses/<figure>.py --help``). ``run`` does both steps. ``models`` may hold ids,
``FILE.py:FUNCTION`` specs, ``torch.nn.Module``s or ``BrainModel``s
(``brainscore_lcl.model_helpers.from_file.as_model_id``), or be a mapping {name: model}, whose names label the models
in the figures (as does a ``name=`` given to ``bl.score`` before)::

    import brainscore_lcl as bl
    result = bl.analyses.run("texture_modulation", [my_net, "v1-steerpyr-pool"], source="sim", out="results/fig5")
    result = bl.analyses.texture_modulation.compute(["lcl-v2"], "sim")
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from brainscore_lcl.errors import UsageError

#: every figure module of this package, by name
FIGURES = (
    "ablations",
    "behaviour",
    "metric_panel",
    "per_neuron",
    "receptive_fields",
    "texture_modulation",
    "v1_predictivity",
    "v2_predictivity",
)


def figure_module(figure: str) -> ModuleType:
    """The module ``brainscore_lcl.analyses.<figure>``."""
    if figure not in FIGURES:
        raise UsageError(f"no analysis {figure!r}; choose one of {', '.join(FIGURES)}")
    return importlib.import_module(f"{__name__}.{figure}")


def run(figure: str, models: Sequence[Any] | Mapping[str, Any] | None = None, out: str | Path | None = None, **options):
    """``compute`` then ``draw`` of ``figure`` (``out`` default ``results/<figure>``); returns the Result. ``models``
    as a mapping {name: model} labels each model by its name in the figures."""
    from brainscore_lcl.model_helpers.from_file import as_model_id

    module = figure_module(figure)
    if isinstance(models, Mapping):
        options["models"] = [as_model_id(model, name=name) for name, model in models.items()]
    elif models is not None:
        options["models"] = [as_model_id(model) for model in models]
    result = module.compute(**options)
    module.draw(result, out)
    return result


def __getattr__(name: str) -> ModuleType:
    if name in FIGURES:
        return figure_module(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}; figures: {', '.join(FIGURES)}")
