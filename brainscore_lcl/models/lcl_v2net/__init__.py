"""Registers ``lcl-v2net`` and the same classifier stage on the other frozen encoders (``blockbarlow-net``,
``barlow-e2e-alexnet-net``); the work is in ``model.py``, imported on first use."""

from importlib import import_module

from brainscore_lcl.registry import ModelRecord, model_registry

#: frozen encoder's model id -> the id of the network with its Table A.3 classifier stage (``brainscore train-net``)
CLASSIFIER_STAGE_IDS = {
    "lcl-v2": "lcl-v2net",
    "blockbarlow": "blockbarlow-net",
    "barlow-e2e-alexnet": "barlow-e2e-alexnet-net",
}
_LCL_REGION_LAYERS = {
    "V1": "front_end.layer1",
    "V2": "front_end.layer2",
    "V4": "features.relu3",
    "IT": "features.pool5",
}
_REGION_LAYERS = {
    "lcl-v2net": _LCL_REGION_LAYERS,
    "blockbarlow-net": _LCL_REGION_LAYERS,
    # as barlow-e2e-alexnet's provisional map, inside the network's front end
    "barlow-e2e-alexnet-net": {"V1": "front_end.features.3", "V2": "front_end.features.10"},
}


def _factory(model_id: str):
    return lambda checkpoint=None: import_module(f"{__name__}.model").get_model(checkpoint, model_id)


for _front_end, _model_id in CLASSIFIER_STAGE_IDS.items():
    model_registry[_model_id] = ModelRecord(
        factory=_factory(_model_id),
        region_layers=_REGION_LAYERS[_model_id],
        notes=f"--checkpoint PATH (train with `brainscore train-net` on a frozen {_front_end} encoder)",
    )
