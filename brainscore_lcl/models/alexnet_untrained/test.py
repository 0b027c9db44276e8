"""alexnet-untrained: fixed-seed weights, candidate layers, provisional map and re-committing."""

from __future__ import annotations

import pytest
import torch

from brainscore_lcl.model_helpers.commitment import commit_layers
from brainscore_lcl.models.alexnet_untrained.model import untrained_alexnet
from brainscore_lcl.registry import candidate_layers, model_registry
from brainscore_lcl.testing import tiny_stimulus_set


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RESULTCACHING_HOME", str(tmp_path_factory.mktemp("result_caching")))
        patch.setenv("RESULTCACHING_DISABLE", "1")
        yield model_registry["alexnet-untrained"].factory()


def test_factory_commits_with_provisional_map(model):
    from brainscore_vision.model_helpers.brain_transformation import ModelCommitment

    assert isinstance(model, ModelCommitment)
    assert dict(model.layer_model.region_layer_map) == {"V1": "features.2", "V2": "features.7"}
    assert model.visual_degrees() == 8
    assert model.layers == candidate_layers("alexnet-untrained")
    assert model.identifier.startswith("alexnet-untrained@")


def test_candidate_layers_are_the_conv_stages():
    assert candidate_layers("alexnet-untrained") == [
        "features.2",
        "features.5",
        "features.7",
        "features.9",
        "features.12",
    ]
    assert candidate_layers("lcl-v2") is None


def test_weights_are_seeded_and_leave_global_rng_alone():
    state = torch.random.get_rng_state()
    first, second = untrained_alexnet(), untrained_alexnet()
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))


def test_commit_layers_changes_recorded_layer(model, tmp_path):
    stimuli = tiny_stimulus_set(tmp_path, "alexnet-untrained-test")
    model.activations_model._extractor._batch_size = len(stimuli)
    commit_layers(model, {"V2": "features.5"})
    model.start_recording("V2", [(70, 170)])
    activations = model.look_at(stimuli)
    assert set(activations.dims) == {"presentation", "neuroid"}
    assert activations.sizes == {"presentation": 3, "neuroid": 192 * 13 * 13}
    assert set(activations["layer"].values) == {"features.5"}


def test_commit_layers_rejects_unrecorded_layer(model):
    with pytest.raises(ValueError, match="classifier.2"):
        commit_layers(model, {"V1": "classifier.2"})


def test_checkpoint_is_rejected():
    with pytest.raises(ValueError, match="takes no checkpoint"):
        model_registry["alexnet-untrained"].factory(checkpoint="weights.pt")
