"""Registers ``alexnet-untrained``; the work is in ``model.py``, imported on first use."""

from importlib import import_module

from brainscore_lcl.registry import ModelRecord, model_registry

model_registry["alexnet-untrained"] = ModelRecord(
    factory=lambda checkpoint=None: import_module(f"{__name__}.model").get_model(checkpoint),
    # the modules Brain-Score's ``alexnet`` plugin records for its five conv stages (after ReLU, and after the
    # max-pool where AlexNet has one): conv1..conv5
    candidate_layers=("features.2", "features.5", "features.7", "features.9", "features.12"),
    # provisional until the layer selection: Brain-Score's trained ``alexnet`` map
    region_layers={"V1": "features.2", "V2": "features.7"},
)
