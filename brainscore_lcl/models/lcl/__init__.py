"""Registers ``lcl-v1`` and ``lcl-v2``; the work is in ``model.py``, imported on first use."""

from importlib import import_module

from brainscore_lcl.registry import ModelRecord, model_registry

for _model_id, _region_layers in (("lcl-v1", {"V1": "layer1"}), ("lcl-v2", {"V1": "layer1", "V2": "layer2"})):
    model_registry[_model_id] = ModelRecord(
        factory=(
            lambda model_id: lambda checkpoint=None: import_module(f"{__name__}.model").get_model(model_id, checkpoint)
        )(_model_id),
        region_layers=_region_layers,
    )
