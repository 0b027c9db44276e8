"""brainscore-lcl: layerwise complexity-matched learning (LCL-V2) and its evaluations on Brain-Score."""

import os
from pathlib import Path

#: the suite's version, its one source: pyproject.toml reads it (``[tool.setuptools.dynamic]``), ``brainscore
#: --version`` prints it, and every JSON record (``versioned``) and results-database row carries it
__version__ = "0.1.0"


def versioned(record: dict) -> dict:
    """``record`` with ``suite_version`` (``__version__``) as its first key: what every JSON record the suite writes
    carries."""
    return {"suite_version": __version__} | dict(record)


def cache_dir() -> Path:
    """Where this suite keeps simulated data, placed stimuli and activations: ``$BRAINSCORE_LCL_CACHE``
    (default ``~/.cache/brainscore_lcl``)."""
    return Path(os.environ.get("BRAINSCORE_LCL_CACHE", "~/.cache/brainscore_lcl")).expanduser()


# Brain-Score's result_caching reads RESULTCACHING_HOME when brainscore_vision is imported: set it first, so that
# activations land in this suite's cache folder unless the user chose another.
os.environ.setdefault("RESULTCACHING_HOME", str(cache_dir() / "result_caching"))
# brainscore_vision's load_metric/load_ceiling/load_model pip-install each plugin's requirements on every call unless
# told not to; this suite's own dependencies are declared in pyproject.toml, so it turns that off (a user may set
# "yes").
os.environ.setdefault("BS_INSTALL_DEPENDENCIES", "no")


def __getattr__(name: str):
    """The Python entry points, imported on first use: ``score`` (``brainscore_lcl.api.score``), ``analyses``
    (the figure scripts, ``brainscore_lcl.analyses``) and ``texture_experiment``
    (``brainscore_lcl.texture_experiment.texture_experiment``)."""
    import importlib

    if name == "score":
        return importlib.import_module("brainscore_lcl.api").score
    if name == "analyses":
        return importlib.import_module("brainscore_lcl.analyses")
    if name == "texture_experiment":
        return importlib.import_module("brainscore_lcl.texture_experiment").texture_experiment
    raise AttributeError(f"module 'brainscore_lcl' has no attribute {name!r}")
