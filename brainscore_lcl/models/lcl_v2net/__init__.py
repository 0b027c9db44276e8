"""Registers ``lcl-v2net``; the work is in ``model.py``, imported on first use."""
from importlib import import_module

from brainscore_lcl.registry import model_registry

model_registry["lcl-v2net"] = lambda checkpoint=None: import_module(f"{__name__}.model").get_model(checkpoint)
