"""The simulated population's generator (``brainscore_lcl.data.simulation.SimulatedVisualSystem``) as a model.

Its ``v1`` (batch, 102) and ``v2`` (batch, 103) submodules are recorded for V1 and V2, so benchmarks on the
simulated data can check known answers (the generator should score near the noise ceiling). Input: RGB
resized to ``SimulatedVisualSystem.image_size`` px, in [0, 1], not normalised; the commitment's field of
view is ``SimulatedVisualSystem.visual_degrees``. The weights hash covers the system's state dict, its class
and these attributes (and ``seed`` and ``generator`` if it has them), so a regenerated population gets fresh
activations.
"""

from __future__ import annotations

import os

import torch
from torch import nn

from brainscore_lcl.checkpoint import state_dict_sha256
from brainscore_lcl.model_helpers.commitment import (
    config_sha256,
    make_commitment,
    refuse_checkpoint,
    unit_range_preprocessing,
)
from brainscore_lcl.registry import model_registry

MODEL_ID = "sim-generator"


class SimulatorNetwork(nn.Module):
    """``system`` with its ``v1`` and ``v2`` submodules exposed under the same names; ``forward`` is the system's.

    Adds an empty parameter when the system has none, because Brain-Score's ``PytorchWrapper`` reads the input
    dtype from the model's first parameter.
    """

    def __init__(self, system: nn.Module):
        super().__init__()
        self.system = system
        self.v1, self.v2 = system.v1, system.v2
        if next(system.parameters(), None) is None:
            self.dtype_anchor = nn.Parameter(torch.empty(0), requires_grad=False)

    def forward(self, images: torch.Tensor):
        return self.system(images)


def system_sha256(system: nn.Module) -> str:
    """Identity of a simulated system: its state dict, class, input size, field of view, seed and generator
    fingerprint (``generator``, the sha1 of the generator's code, where it has one)."""
    return config_sha256(
        {
            "state_dict": state_dict_sha256(system.state_dict()),
            "class": f"{type(system).__module__}.{type(system).__qualname__}",
            "image_size": system.image_size,
            "visual_degrees": system.visual_degrees,
            "seed": getattr(system, "seed", None),
            "generator": getattr(system, "generator", None),
        }
    )


def get_model(checkpoint: str | os.PathLike | None = None):
    """``ModelCommitment`` of the simulator's own V1 and V2 stages."""
    refuse_checkpoint(MODEL_ID, checkpoint, "generated from a seed")
    from brainscore_lcl.data.simulation import SimulatedVisualSystem

    system = SimulatedVisualSystem()
    return make_commitment(
        MODEL_ID,
        SimulatorNetwork(system),
        weights_sha256=system_sha256(system),
        layers=["v1", "v2"],
        region_layer_map=model_registry[MODEL_ID].region_layers,
        preprocessing=unit_range_preprocessing(system.image_size),
        image_size=system.image_size,
        visual_degrees=system.visual_degrees,
    )
