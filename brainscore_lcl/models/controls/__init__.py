"""Registers the controls ``control-design`` and ``control-pixels``; the work is in ``design.py`` and ``pixels.py``,
imported on first use. What each control rules out: docs/controls.md."""

from importlib import import_module

from brainscore_lcl.registry import ModelRecord, model_registry

model_registry["control-design"] = ModelRecord(
    factory=lambda checkpoint=None: import_module(f"{__name__}.design").get_model(checkpoint),
    region_layers={"V1": "design", "V2": "design"},
    notes="a control: one-hot units of each stimulus's design labels (no weights, no pixels)",
)
model_registry["control-pixels"] = ModelRecord(
    factory=lambda checkpoint=None: import_module(f"{__name__}.pixels").get_model(checkpoint),
    region_layers={"V1": "pixels", "V2": "pixels"},
    notes="a control: the grey image downsampled to 32 x 32 pixels (no weights)",
)
