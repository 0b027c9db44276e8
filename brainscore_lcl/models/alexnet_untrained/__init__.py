"""Registers ``alexnet-untrained`` and its candidate layers; the work is in ``model.py``, imported on first use."""
from importlib import import_module

from brainscore_lcl.model_helpers.commitment import register_candidate_layers
from brainscore_lcl.registry import model_registry

#: The modules Brain-Score's ``alexnet`` plugin records for its five conv stages (after ReLU, and after the
#: max-pool where AlexNet has one): conv1..conv5.
CANDIDATE_LAYERS = ["features.2", "features.5", "features.7", "features.9", "features.12"]

register_candidate_layers("alexnet-untrained", CANDIDATE_LAYERS)
model_registry["alexnet-untrained"] = lambda checkpoint=None: import_module(f"{__name__}.model").get_model(checkpoint)
