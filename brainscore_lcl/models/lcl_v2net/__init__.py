"""Registers ``lcl-v2net``; the work is in ``model.py``, imported on first use."""
from importlib import import_module

from brainscore_lcl.published_weights import weights_notes
from brainscore_lcl.registry import model_registry

weights_notes["lcl-v2net"] = "--checkpoint PATH (train with `brainscore train-net`)"

model_registry["lcl-v2net"] = lambda checkpoint=None: import_module(f"{__name__}.model").get_model(checkpoint)
