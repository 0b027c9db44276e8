"""Registers ``lcl-v1`` and ``lcl-v2``; the work is in ``model.py``, imported on first use."""
from importlib import import_module

from brainscore_lcl.registry import model_registry


def _model_module():
    return import_module(f"{__name__}.model")


model_registry["lcl-v1"] = lambda checkpoint=None: _model_module().get_model("lcl-v1", checkpoint)
model_registry["lcl-v2"] = lambda checkpoint=None: _model_module().get_model("lcl-v2", checkpoint)
