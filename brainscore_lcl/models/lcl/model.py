"""LCL-V1 and LCL-V2 (Parthasarathy, Henaff & Simoncelli 2024) as Brain-Score models.

Both read one encoder checkpoint (format of ``brainscore_lcl.checkpoint``): the shipped
``brainscore_lcl/weights/lcl-v2.pt`` or a file given with ``--checkpoint PATH``. LCL is trained layerwise, so
stage 1 of the LCL-V2 encoder is LCL-V1. Stage outputs (after pooling) ``layer1`` (64, 28, 28) -> V1 and
``layer2`` (192, 14, 14) -> V2, for 224-px ImageNet-normalised RGB input spanning 8 visual degrees.
"""

from __future__ import annotations

import os
from pathlib import Path

from brainscore_lcl.checkpoint import CheckpointError, build_encoder, load_encoder_checkpoint
from brainscore_lcl.errors import ModelUnavailableError
from brainscore_lcl.model_helpers.architecture import LCLEncoder
from brainscore_lcl.model_helpers.commitment import IMAGE_SIZE, imagenet_preprocessing, make_commitment
from brainscore_lcl.registry import model_registry

SHIPPED_CHECKPOINT = Path(__file__).resolve().parents[2] / "weights" / "lcl-v2.pt"


def resolve_checkpoint(model_id: str, checkpoint: str | os.PathLike | None) -> Path:
    """The checkpoint to load: ``checkpoint`` if given, else the shipped one; ``ModelUnavailableError`` if neither."""
    if checkpoint is not None:
        return Path(checkpoint)
    if SHIPPED_CHECKPOINT.is_file():
        return SHIPPED_CHECKPOINT
    raise ModelUnavailableError(
        f"{model_id} has no shipped checkpoint yet ({SHIPPED_CHECKPOINT} does not exist): "
        "pass --checkpoint PATH or train one with `brainscore train`."
    )


def load_encoder(path: Path, min_stages: int) -> tuple[LCLEncoder, str]:
    """The verified encoder in ``path`` and its weights' sha256; ``CheckpointError`` naming ``path`` if unusable."""
    payload = load_encoder_checkpoint(path)
    encoder = build_encoder(payload, path)
    if encoder.n_stages < min_stages:
        raise CheckpointError(
            f"checkpoint {path} has {encoder.n_stages} stage(s) but this model needs {min_stages}; "
            "pass a checkpoint of a deeper LCL encoder"
        )
    return encoder, payload["sha256"]


def get_model(model_id: str, checkpoint: str | os.PathLike | None = None):
    """``ModelCommitment`` of ``model_id`` ("lcl-v1" or "lcl-v2") with the weights of ``checkpoint``."""
    region_layer_map = model_registry[model_id].region_layers
    layers = sorted(set(region_layer_map.values()))
    path = resolve_checkpoint(model_id, checkpoint)
    encoder, weights_sha256 = load_encoder(path, min_stages=len(layers))
    return make_commitment(
        model_id,
        encoder,
        weights_sha256=weights_sha256,
        layers=layers,
        region_layer_map=region_layer_map,
        preprocessing=imagenet_preprocessing(IMAGE_SIZE),
        image_size=IMAGE_SIZE,
        checkpoint=path,
    )
