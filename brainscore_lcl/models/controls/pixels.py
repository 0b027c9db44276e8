"""``control-pixels``: a model whose units are the image's grey pixels, downsampled to ``SIZE`` x ``SIZE`` (1,024).

Brain-Score's preprocessing resizes the RGB image to ``SIZE`` px in [0, 1] (no normalisation); the ``pixels`` layer is
the mean over the three channels, flattened. The image fills the field (``VISUAL_DEGREES``, the Freeman-Ziemba
stimuli's 4 degrees), so no pixel is spent on the grey screen around it. Whatever this model scores, a linear
read-out of the image's coarse luminance explains. It has no ImageNet read-out: behavioural benchmarks skip it.
"""

from __future__ import annotations

import os

import torch
from torch import nn

from brainscore_lcl.model_helpers.commitment import (
    config_sha256,
    make_commitment,
    refuse_checkpoint,
    unit_range_preprocessing,
)
from brainscore_lcl.registry import model_registry

MODEL_ID = "control-pixels"
SIZE = 32
VISUAL_DEGREES = 4


class GreyPixels(nn.Module):
    """(batch, 3, SIZE, SIZE) images in [0, 1] -> ``pixels`` (batch, SIZE * SIZE): the channel mean, flattened.

    Holds an empty parameter because Brain-Score's ``PytorchWrapper`` reads the input dtype from the first one."""

    def __init__(self):
        super().__init__()
        self.pixels = nn.Flatten()
        self.dtype_anchor = nn.Parameter(torch.empty(0), requires_grad=False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.pixels(images.mean(dim=1))


def get_model(checkpoint: str | os.PathLike | None = None):
    """``ModelCommitment`` of the grey pixels, committed to V1 and V2 (layer ``pixels``)."""
    refuse_checkpoint(MODEL_ID, checkpoint, "none, it reads the image itself")
    return make_commitment(
        MODEL_ID,
        GreyPixels(),
        weights_sha256=config_sha256({"model": MODEL_ID, "size": SIZE, "grey": "channel mean"}),
        layers=["pixels"],
        region_layer_map=model_registry[MODEL_ID].region_layers,
        preprocessing=unit_range_preprocessing(SIZE),
        image_size=SIZE,
        visual_degrees=VISUAL_DEGREES,
    )
