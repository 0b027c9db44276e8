"""Untrained torchvision AlexNet (weights drawn with a fixed seed) as a Brain-Score model.

Every conv stage is a candidate layer (its ``ModelRecord``'s ``candidate_layers``); the layer per region is to be
chosen on the
public part of the data, as Brain-Score does: the caller runs the selection with
``brainscore_lcl.registry.candidate_layers("alexnet-untrained")`` and re-commits with
``commit_layers``. Until then the commitment holds the provisional map of Brain-Score's trained ``alexnet``
(V1 -> features.2, V2 -> features.7). Input: 224-px ImageNet-normalised RGB spanning 8 visual degrees.
"""

from __future__ import annotations

import os

import torch
import torchvision

from brainscore_lcl.checkpoint import state_dict_sha256
from brainscore_lcl.model_helpers.commitment import (
    IMAGE_SIZE,
    imagenet_preprocessing,
    make_commitment,
    refuse_checkpoint,
)
from brainscore_lcl.registry import model_registry

MODEL_ID = "alexnet-untrained"
SEED = 0


def untrained_alexnet(seed: int = SEED) -> torch.nn.Module:
    """torchvision AlexNet with its default initialisation drawn from ``seed`` (global RNG state is restored)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return torchvision.models.alexnet(weights=None).eval()


def get_model(checkpoint: str | os.PathLike | None = None):
    """``ModelCommitment`` of the untrained AlexNet with the provisional region-layer map (see module docstring)."""
    refuse_checkpoint(MODEL_ID, checkpoint, f"drawn from seed {SEED}")
    network, record = untrained_alexnet(), model_registry[MODEL_ID]
    return make_commitment(
        MODEL_ID,
        network,
        weights_sha256=state_dict_sha256(network.state_dict()),
        layers=list(record.candidate_layers),
        region_layer_map=record.region_layers,
        preprocessing=imagenet_preprocessing(IMAGE_SIZE),
        image_size=IMAGE_SIZE,
    )
