"""v1-steerpyr / v1-steerpyr-pool: shapes and channel semantics of Appendix A.1.2, commitments."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from brainscore_lcl.models.steerpyr.model import SteerPyrModel, energy_pool, load_grayscale_images
from brainscore_lcl.registry import model_registry
from brainscore_lcl.testing import tiny_stimulus_set


@pytest.fixture(scope="module")
def network() -> SteerPyrModel:
    return SteerPyrModel().eval()


@pytest.fixture(scope="module")
def images() -> torch.Tensor:
    return torch.rand(2, 1, 200, 200, generator=torch.Generator().manual_seed(0))


def test_stage_shapes(network, images):
    v1 = network.v1(images)
    assert tuple(v1.shape[1:]) == (60, 50, 50)
    assert tuple(network.pool(v1).shape[1:]) == (60, 25, 25)


def test_channel_semantics(network, images):
    bands = network.v1.bands(images)
    v1 = network.v1(images)
    assert tuple(bands.shape[1:]) == (20, 50, 50) and bands.is_complex()
    assert (v1[:, :40] >= 0).all()
    assert torch.allclose(v1[:, :20], bands.real.clamp(min=0))
    assert torch.allclose(v1[:, 20:40], bands.imag.clamp(min=0))
    assert torch.allclose(v1[:, 40:], torch.sqrt(bands.real**2 + bands.imag**2), atol=1e-6)
    assert (bands.real < 0).any() and (bands.imag < 0).any()


def test_energy_pool_is_root_mean_square():
    assert torch.allclose(energy_pool(torch.full((1, 2, 6, 6), 3.0)), torch.tensor(3.0))
    responses = torch.zeros(1, 1, 6, 6)
    responses[0, 0, 2, 2] = 3.0
    assert energy_pool(responses)[0, 0, 1, 1].item() == pytest.approx(1.0)


def test_grayscale_preprocessing(tmp_path):
    path = tmp_path / "red.png"
    Image.new("RGB", (30, 20), (255, 0, 0)).save(path)
    pixels = load_grayscale_images([str(path)])
    assert pixels.shape == (1, 1, 200, 200) and pixels.dtype == np.float32
    assert np.allclose(pixels, round(0.299 * 255) / 255, atol=1 / 255)


@pytest.mark.parametrize(
    "model_id, region_layer_map",
    [("v1-steerpyr", {"V1": "v1", "V2": "v1"}), ("v1-steerpyr-pool", {"V1": "v1", "V2": "pool"})],
)
def test_factory_and_look_at(model_id, region_layer_map, tmp_path, monkeypatch):
    from brainscore_vision.model_helpers.brain_transformation import ModelCommitment

    monkeypatch.setenv("RESULTCACHING_HOME", str(tmp_path / "result_caching"))
    model = model_registry[model_id].factory()
    assert isinstance(model, ModelCommitment)
    assert dict(model.layer_model.region_layer_map) == region_layer_map
    assert model.visual_degrees() == 8
    assert model.identifier.startswith(f"{model_id}@")
    stimuli = tiny_stimulus_set(tmp_path, f"{model_id}-test")
    model.activations_model._extractor._batch_size = len(stimuli)
    model.start_recording("V2", [(70, 170)])
    activations = model.look_at(stimuli)
    assert activations.sizes == {"presentation": 3, "neuroid": 60 * (25 * 25 if model_id.endswith("pool") else 50 * 50)}


def test_checkpoint_is_rejected():
    with pytest.raises(ValueError, match="takes no checkpoint"):
        model_registry["v1-steerpyr"].factory(checkpoint="weights.pt")
