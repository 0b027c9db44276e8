"""Registers ``v1-steerpyr`` and ``v1-steerpyr-pool``; the work is in ``model.py``, imported on first use."""
from importlib import import_module

from brainscore_lcl.registry import model_registry


def _model_module():
    return import_module(f"{__name__}.model")


model_registry["v1-steerpyr"] = lambda checkpoint=None: _model_module().get_model("v1-steerpyr", checkpoint)
model_registry["v1-steerpyr-pool"] = lambda checkpoint=None: _model_module().get_model("v1-steerpyr-pool", checkpoint)
