"""Registers ``sim-generator``; the work is in ``model.py``, imported on first use."""

from importlib import import_module

from brainscore_lcl.registry import ModelRecord, model_registry

model_registry["sim-generator"] = ModelRecord(
    factory=lambda checkpoint=None: import_module(f"{__name__}.model").get_model(checkpoint),
    region_layers={"V1": "v1", "V2": "v2"},
)
