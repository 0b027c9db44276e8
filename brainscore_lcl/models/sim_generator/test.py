"""sim-generator against a stub of ``brainscore_lcl.data.simulation`` with the agreed interface."""

from __future__ import annotations

import sys
import types

import pytest
import torch
from torch import nn

from brainscore_lcl.registry import model_registry
from brainscore_lcl.testing import tiny_stimulus_set


class StubVisualSystem(nn.Module):
    """The agreed interface: ``v1`` (batch, 102), ``v2`` (batch, 103), ``image_size``, ``visual_degrees``;
    input (batch, 3, H, W) in [0, 1]."""

    image_size = 32
    visual_degrees = 4
    seen_pixel_range: tuple[float, float] | None = None

    def __init__(self):
        super().__init__()
        generator = torch.Generator().manual_seed(0)
        self.v1 = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 102))
        self.v2 = nn.Linear(102, 103)
        for parameter in self.parameters():
            parameter.data = torch.rand(parameter.shape, generator=generator)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        StubVisualSystem.seen_pixel_range = (images.min().item(), images.max().item())
        return self.v2(self.v1(images))


@pytest.fixture
def stub_simulation(monkeypatch, tmp_path):
    module = types.ModuleType("brainscore_lcl.data.simulation")
    module.SimulatedVisualSystem = StubVisualSystem
    monkeypatch.setitem(sys.modules, "brainscore_lcl.data.simulation", module)
    monkeypatch.setenv("RESULTCACHING_HOME", str(tmp_path / "result_caching"))


def test_factory_uses_simulator_geometry(stub_simulation):
    from brainscore_vision.model_helpers.brain_transformation import ModelCommitment

    model = model_registry["sim-generator"].factory()
    assert isinstance(model, ModelCommitment)
    assert dict(model.layer_model.region_layer_map) == {"V1": "v1", "V2": "v2"}
    assert model.visual_degrees() == 4
    assert model.activations_model.image_size == 32
    assert model.identifier.startswith("sim-generator@")


@pytest.mark.parametrize("region, units", [("V1", 102), ("V2", 103)])
def test_look_at_records_simulated_cells_on_unnormalised_input(region, units, stub_simulation, tmp_path):
    model = model_registry["sim-generator"].factory()
    stimuli = tiny_stimulus_set(tmp_path, f"sim-generator-test-{region}")
    model.activations_model._extractor._batch_size = len(stimuli)
    model.start_recording(region, [(70, 170)])
    activations = model.look_at(stimuli)
    assert activations.sizes == {"presentation": 3, "neuroid": units}
    low, high = StubVisualSystem.seen_pixel_range
    assert 0.0 <= low and high <= 1.0


def test_checkpoint_is_rejected():
    with pytest.raises(ValueError, match="takes no checkpoint"):
        model_registry["sim-generator"].factory(checkpoint="weights.pt")
