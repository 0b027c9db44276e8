"""LCL architecture shapes, the lcl-v1 / lcl-v2 commitments and their error paths (random-weight checkpoints)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from brainscore_lcl.checkpoint import CheckpointError, save_encoder_checkpoint
from brainscore_lcl.errors import ActivationError, ModelUnavailableError
from brainscore_lcl.model_helpers.activations_memo import forget_activations
from brainscore_lcl.model_helpers.architecture import BlurMaxPool2d, LCLEncoder
from brainscore_lcl.models.lcl import model as lcl_model
from brainscore_lcl.registry import model_registry
from brainscore_lcl.testing import tiny_stimulus_set

ARCHITECTURE = {"n_stages": 2, "blur_size": 3}


def write_checkpoint(path: Path, encoder: torch.nn.Module, architecture: dict = ARCHITECTURE) -> Path:
    save_encoder_checkpoint(
        path, encoder.state_dict(), architecture=architecture, config={"seed": 0}, data="test", meta={}
    )
    return path


def random_encoder(seed: int, n_stages: int = 2) -> LCLEncoder:
    torch.manual_seed(seed)
    return LCLEncoder(n_stages=n_stages)


def record(model, region: str, stimuli):
    model.activations_model._extractor._batch_size = len(stimuli)
    model.start_recording(region, [(70, 170)])
    return model.look_at(stimuli)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("RESULTCACHING_HOME", str(tmp_path / "result_caching"))
    return tmp_path / "result_caching"


@pytest.fixture
def checkpoint(tmp_path) -> Path:
    return write_checkpoint(tmp_path / "random.pt", random_encoder(0))


def test_encoder_stage_shapes_at_224_px():
    outputs = LCLEncoder(n_stages=2).eval().stage_outputs(torch.rand(1, 3, 224, 224))
    assert [tuple(output.shape[1:]) for output in outputs] == [(64, 28, 28), (192, 14, 14)]


def test_encoder_parameter_count():
    assert sum(parameter.numel() for parameter in LCLEncoder(n_stages=2).parameters()) == 331_200


@pytest.mark.parametrize("size, expected", [(56, 28), (28, 14), (15, 8)])
def test_blur_max_pool_output_size(size, expected):
    assert BlurMaxPool2d()(torch.rand(1, 2, size, size)).shape[-2:] == (expected, expected)


def test_blur_max_pool_blur_is_normalised():
    pool = BlurMaxPool2d(blur_size=3)
    assert pool.blur.sum().item() == pytest.approx(1.0)
    assert torch.allclose(pool(torch.full((1, 1, 8, 8), 2.5)), torch.tensor(2.5))


@pytest.mark.parametrize(
    "model_id, region_layer_map", [("lcl-v1", {"V1": "layer1"}), ("lcl-v2", {"V1": "layer1", "V2": "layer2"})]
)
def test_factory_commits_to_explicit_map(model_id, region_layer_map, checkpoint, cache):
    from brainscore_vision.model_helpers.brain_transformation import ModelCommitment

    model = model_registry[model_id].factory(checkpoint=str(checkpoint))
    assert isinstance(model, ModelCommitment)
    assert dict(model.layer_model.region_layer_map) == region_layer_map
    assert model.visual_degrees() == 8
    assert model.identifier.startswith(f"{model_id}@")


@pytest.mark.parametrize("region, units", [("V1", 64 * 28 * 28), ("V2", 192 * 14 * 14)])
def test_look_at_gives_presentation_by_neuroid(region, units, checkpoint, cache, tmp_path):
    activations = record(
        model_registry["lcl-v2"].factory(checkpoint=checkpoint),
        region,
        tiny_stimulus_set(tmp_path, f"lcl-test-{region}"),
    )
    assert set(activations.dims) == {"presentation", "neuroid"}
    assert activations.sizes == {"presentation": 3, "neuroid": units}
    assert set(activations["region"].values) == {region}


def test_two_checkpoints_get_distinct_identifiers_and_caches(tmp_path, cache):
    forget_activations()  # an earlier test's model with the same weights may hold these images in memory
    first = write_checkpoint(tmp_path / "a.pt", random_encoder(0))
    second = write_checkpoint(tmp_path / "b.pt", random_encoder(1))
    models = [model_registry["lcl-v2"].factory(checkpoint=path) for path in (first, second)]
    identifiers = {model.activations_model.identifier for model in models}
    assert len(identifiers) == 2
    stimuli = tiny_stimulus_set(tmp_path, "lcl-test-cache")
    responses = [record(model, "V1", stimuli) for model in models]
    assert not np.allclose(responses[0].values, responses[1].values)
    cached = "\n".join(str(path) for path in cache.rglob("*"))
    assert all(f"identifier={identifier}," in cached for identifier in identifiers)


def test_corrupted_checkpoint_error_names_file(tmp_path):
    path = tmp_path / "corrupt.pt"
    path.write_bytes(b"not a torch file")
    with pytest.raises(CheckpointError, match="corrupt.pt"):
        model_registry["lcl-v2"].factory(checkpoint=path)


def test_wrong_architecture_error_names_file(tmp_path):
    mismatched = write_checkpoint(tmp_path / "mismatched.pt", random_encoder(0, n_stages=1))
    with pytest.raises(CheckpointError, match="mismatched.pt"):
        model_registry["lcl-v2"].factory(checkpoint=mismatched)
    shallow = write_checkpoint(tmp_path / "shallow.pt", random_encoder(0, n_stages=1), {"n_stages": 1, "blur_size": 3})
    with pytest.raises(CheckpointError, match="shallow.pt.*1 stage"):
        model_registry["lcl-v2"].factory(checkpoint=shallow)


def test_missing_shipped_checkpoint_is_model_unavailable(tmp_path, monkeypatch):
    monkeypatch.setattr(lcl_model, "SHIPPED_CHECKPOINT", tmp_path / "absent.pt")
    with pytest.raises(ModelUnavailableError, match="no shipped checkpoint yet.*--checkpoint PATH.*brainscore train"):
        model_registry["lcl-v2"].factory()


@pytest.mark.parametrize("corruption, message", [("nan", "NaN"), ("dead", "constant")])
def test_nan_or_constant_activations_raise(corruption, message, tmp_path, cache):
    encoder = random_encoder(0)
    with torch.no_grad():
        if corruption == "nan":
            encoder.layer1[0].weight.fill_(float("nan"))
        else:
            encoder.layer1[1].weight.zero_()
            encoder.layer1[1].bias.zero_()
    model = model_registry["lcl-v1"].factory(checkpoint=write_checkpoint(tmp_path / f"{corruption}.pt", encoder))
    with pytest.raises(ActivationError, match=f"lcl-v1@.*layer1.*{message}"):
        record(model, "V1", tiny_stimulus_set(tmp_path, f"lcl-test-{corruption}"))


def test_activations_are_cached_in_suite_cache_folder_and_reused(checkpoint, tmp_path, monkeypatch):
    monkeypatch.setenv("RESULTCACHING_HOME", "restored-after-test")
    monkeypatch.delenv("RESULTCACHING_HOME")
    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "suite-cache"))
    stimuli = tiny_stimulus_set(tmp_path, "lcl-test-cache-folder")
    model = model_registry["lcl-v1"].factory(checkpoint=checkpoint)
    computed = record(model, "V1", stimuli)
    stored = list((tmp_path / "suite-cache" / "result_caching").rglob("*.nc"))
    assert len(stored) == 1 and f"identifier={model.activations_model.identifier}," in str(stored[0])

    rebuilt = model_registry["lcl-v1"].factory(checkpoint=checkpoint)
    monkeypatch.setattr(
        rebuilt.activations_model._extractor,
        "get_activations",
        lambda *args: pytest.fail("cached activations were recomputed"),
    )
    assert np.array_equal(record(rebuilt, "V1", stimuli).values, computed.values)


def test_describe_model_reports_commitments_and_checkpoint(checkpoint, cache):
    from brainscore_lcl.scoring import describe_model

    description = describe_model("lcl-v2", checkpoint=checkpoint)
    assert description["region_layer_map"] == {"V1": "layer1", "V2": "layer2"}
    assert description["visual_degrees"] == 8 and description["image_size"] == 224
    assert description["candidate_layers"] is None
    assert description["checkpoint"]["state_dict_values"] == 331_200 + 2 * (64 + 192) + 2  # + BatchNorm buffers
    assert description["checkpoint"]["data"] == "test"
    assert description["identifier"] == f"lcl-v2@{description['checkpoint']['sha256'][:16]}"
