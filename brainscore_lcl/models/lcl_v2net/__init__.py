"""Registers ``lcl-v2net``; the work is in ``model.py``, imported on first use."""

from importlib import import_module

from brainscore_lcl.registry import ModelRecord, model_registry

model_registry["lcl-v2net"] = ModelRecord(
    factory=lambda checkpoint=None: import_module(f"{__name__}.model").get_model(checkpoint),
    region_layers={"V1": "front_end.layer1", "V2": "front_end.layer2", "V4": "features.relu3", "IT": "features.pool5"},
    notes="--checkpoint PATH (train with `brainscore train-net`)",
)
