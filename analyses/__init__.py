"""The paper's figures and tables from Python: ``brainscore_lcl.analyses.<figure>(models=[...], **options)``.

Each figure is a script in this folder (``python analyses/<figure>.py --help``; installed as
``brainscore_lcl.analyses``). Calling it from Python runs the script's own ``main`` with the keyword options turned
into its flags (``source="sim"`` -> ``--source sim``, ``checkpoint={"lcl-v2": "x.pt"}`` -> ``--checkpoint
lcl-v2=x.pt``, ``no_cache=True`` -> ``--no-cache``) and returns the numbers it prints (the dict it also writes as
JSON). ``models`` may hold ids, ``FILE.py:FUNCTION`` specs, ``torch.nn.Module``s or ``BrainModel``s
(``brainscore_lcl.model_helpers.from_file.as_model_id``)::

    import brainscore_lcl as bl
    numbers = bl.analyses.texture_modulation(models=[my_net, "v1-steerpyr-pool"], source="sim", out="results/fig5")
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Sequence

from brainscore_lcl.errors import UsageError

FOLDER = Path(__file__).resolve().parent
#: every figure script of this folder, by name
FIGURES = tuple(sorted(path.stem for path in FOLDER.glob("*.py") if path.stem not in ("__init__", "common")))
_scripts: dict[str, ModuleType] = {}


def option_argv(options: dict[str, Any]) -> list[str]:
    """Keyword options as command-line flags: True -> ``--flag``, False/None -> nothing, a dict -> ``K=V`` pairs,
    a list -> its items; underscores in names become hyphens."""
    argv: list[str] = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            argv.append(flag)
        elif isinstance(value, dict):
            argv += [flag, *(f"{name}={item}" for name, item in value.items())]
        elif isinstance(value, (list, tuple)):
            argv += [flag, *map(str, value)]
        else:
            argv += [flag, str(value)]
    return argv


def script(figure: str) -> ModuleType:
    """The module of ``analyses/<figure>.py``, imported once (under a private name: the scripts import their
    neighbour ``common`` by path, as they do when run from the command line)."""
    if figure not in FIGURES:
        raise UsageError(f"no analysis {figure!r}; choose one of {', '.join(FIGURES)}")
    if figure not in _scripts:
        spec = importlib.util.spec_from_file_location(f"{__name__}._script_{figure}", FOLDER / f"{figure}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _scripts[figure] = module
    return _scripts[figure]


def run(figure: str, models: Sequence[Any] | None = None, **options) -> dict[str, Any]:
    """Run ``analyses/<figure>.py`` with ``models`` and ``options`` (see the module docstring); returns its numbers."""
    from brainscore_lcl.model_helpers.from_file import as_model_id

    if models is not None:
        options = {"models": [as_model_id(model) for model in models], **options}
    return script(figure).main(option_argv(options))


def _entry_point(figure: str) -> Callable[..., dict[str, Any]]:
    def entry_point(models: Sequence[Any] | None = None, **options) -> dict[str, Any]:
        return run(figure, models, **options)

    entry_point.__name__ = entry_point.__qualname__ = figure
    entry_point.__doc__ = f"``python analyses/{figure}.py`` from Python: ``run({figure!r}, models, **options)``."
    return entry_point


def __getattr__(name: str) -> Callable[..., dict[str, Any]]:
    if name in FIGURES:
        return _entry_point(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}; figures: {', '.join(FIGURES)}")
