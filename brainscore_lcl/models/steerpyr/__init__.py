"""Registers ``v1-steerpyr`` and ``v1-steerpyr-pool``; the work is in ``model.py``, imported on first use."""

from importlib import import_module

from brainscore_lcl.registry import ModelRecord, model_registry

for _model_id, _region_layers in (
    ("v1-steerpyr", {"V1": "v1", "V2": "v1"}),
    ("v1-steerpyr-pool", {"V1": "v1", "V2": "pool"}),
):
    model_registry[_model_id] = ModelRecord(
        factory=(
            lambda model_id: lambda checkpoint=None: import_module(f"{__name__}.model").get_model(model_id, checkpoint)
        )(_model_id),
        region_layers=_region_layers,
    )
