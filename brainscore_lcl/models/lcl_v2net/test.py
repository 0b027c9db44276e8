"""LCL-V2Net plugin: architecture shapes, frozen front end, checkpoint format, Brain-Score label readout."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from brainscore_lcl.checkpoint import CheckpointError, save_encoder_checkpoint
from brainscore_lcl.models.lcl_v2net.model import (
    LAYERS,
    LOGITS_LAYER,
    ClassifierStageNet,
    build_network,
    load_network_checkpoint,
    save_network_checkpoint,
)
from brainscore_lcl.registry import model_registry
from brainscore_lcl.testing import random_lcl_v2net


@pytest.fixture(scope="module")
def network() -> ClassifierStageNet:
    return random_lcl_v2net(seed=0)


def test_shapes_for_a_224_px_image(network):
    outputs = {}
    hooks = [
        module.register_forward_hook(lambda _m, _i, output, name=name: outputs.__setitem__(name, output.shape))
        for name, module in network.named_modules()
        if name in LAYERS
    ]
    with torch.no_grad():
        logits = network(torch.rand(2, 3, 224, 224))
    for hook in hooks:
        hook.remove()
    assert logits.shape == (2, 1000)
    assert outputs["front_end.layer1"] == (2, 64, 28, 28)
    assert outputs["front_end.layer2"] == (2, 192, 14, 14)
    assert outputs["features.relu3"] == (2, 384, 14, 14)
    assert outputs["features.pool5"] == (2, 256, 6, 6)
    assert outputs[LOGITS_LAYER] == (2, 1000)
    assert set(model_registry["lcl-v2net"].region_layers.values()) <= set(LAYERS) and LAYERS[-1] == LOGITS_LAYER


def test_front_end_gets_no_gradient_and_keeps_its_batchnorm_statistics(network):
    before = {name: tensor.clone() for name, tensor in network.front_end.state_dict().items()}
    network.train()
    try:
        assert not network.front_end.training and network.features.training
        loss = network(torch.rand(4, 3, 224, 224)).logsumexp(dim=1).mean()
        loss.backward()
        front_end_parameters = list(network.front_end.parameters())
        assert all(parameter.grad is None and not parameter.requires_grad for parameter in front_end_parameters)
        assert network.features.conv3.weight.grad is not None
        after = network.front_end.state_dict()
        assert all(torch.equal(before[name], after[name]) for name in before)
    finally:
        network.zero_grad(set_to_none=True)
        network.eval()


def test_checkpoint_round_trip_and_errors(network, tmp_path):
    path = tmp_path / "net.pt"
    checksum = save_network_checkpoint(path, network, config={"epochs": 1}, data="test", epoch=3)
    payload = load_network_checkpoint(path)
    assert payload["sha256"] == checksum and payload["epoch"] == 3
    assert payload["front_end_sha256"] == network.front_end_sha256()
    rebuilt = build_network(payload, path)
    images = torch.rand(2, 3, 224, 224)
    with torch.no_grad():
        assert torch.equal(rebuilt(images), network(images))

    corrupted = tmp_path / "corrupted.pt"
    corrupted.write_bytes(path.read_bytes()[:100_000])
    with pytest.raises(CheckpointError, match="corrupted.pt.*cannot be read"):
        load_network_checkpoint(corrupted)

    payload["state_dict"]["features.conv3.bias"] += 1.0
    torch.save(payload, tmp_path / "tampered.pt")
    with pytest.raises(CheckpointError, match="tampered.pt fails its sha256"):
        load_network_checkpoint(tmp_path / "tampered.pt")

    encoder_path = tmp_path / "encoder.pt"
    save_encoder_checkpoint(
        encoder_path,
        network.front_end.state_dict(),
        architecture={"n_stages": 2, "blur_size": 3},
        config={},
        data="test",
        meta={},
    )
    with pytest.raises(CheckpointError, match=r"encoder checkpoint \(`brainscore train`\), not a classifier-stage one"):
        load_network_checkpoint(encoder_path)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_network_checkpoint(tmp_path / "missing.pt")


def test_plugin_without_checkpoint_says_how_to_train_one():
    import brainscore_lcl.models.lcl_v2net  # noqa: F401  (registers the id)
    from brainscore_lcl.errors import ModelUnavailableError

    with pytest.raises(ModelUnavailableError, match="train-net"):
        model_registry["lcl-v2net"].factory()


def test_label_readout_returns_imagenet_synsets(network, tmp_path, monkeypatch):
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet
    from brainscore_vision.model_interface import BrainModel

    from brainscore_lcl.models.lcl_v2net.model import get_model
    from brainscore_lcl.training.supervised import imagenet_wnids

    monkeypatch.setenv("RESULTCACHING_HOME", str(tmp_path / "cache"))
    checkpoint = tmp_path / "net.pt"
    save_network_checkpoint(checkpoint, network, config={}, data="random weights", epoch=0)
    rng = np.random.default_rng(0)
    paths = {}
    for index in range(2):
        paths[f"image{index}"] = tmp_path / f"image{index}.png"
        Image.fromarray(rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)).save(paths[f"image{index}"])
    stimuli = StimulusSet({"stimulus_id": list(paths), "filename": [path.name for path in paths.values()]})
    stimuli.stimulus_paths = paths
    stimuli.identifier = f"lcl-v2net-test-{tmp_path.name}"

    model = get_model(checkpoint)
    model.activations_model._extractor._batch_size = 2  # Brain-Score pads every batch to 64 images: slow on a CPU
    assert model.identifier.startswith("lcl-v2net@")
    model.start_task(BrainModel.Task.label, "imagenet")
    choices = model.look_at(stimuli)
    assert list(choices["stimulus_id"].values) == ["image0", "image1"]
    assert set(choices.values.ravel()) <= set(imagenet_wnids())


def test_classifier_stage_on_barlow_e2e_alexnet(tmp_path):
    from brainscore_lcl.checkpoint import load_encoder_checkpoint
    from brainscore_lcl.models.comparison.networks import AlexNetBN
    from brainscore_lcl.models.lcl_v2net.model import (
        ALEXNET_BN_LAYERS,
        AlexNetBNFeatures,
        ClassifierStageNet,
        front_end_model,
        frozen_front_end,
        get_model,
        input_normalization,
    )

    torch.manual_seed(0)
    barlow = AlexNetBN().eval()
    encoder_path = tmp_path / "barlow.pt"
    normalization = {"mean": [0.5, 0.4, 0.3], "std": [0.2, 0.25, 0.3]}
    save_encoder_checkpoint(
        encoder_path,
        barlow.state_dict(),
        architecture={"kind": "alexnet-bn"},
        config={"name": "barlow-e2e-alexnet"},
        data="random weights",
        meta={"normalization": normalization},
    )
    payload = load_encoder_checkpoint(encoder_path)
    assert front_end_model(payload) == "barlow-e2e-alexnet" and input_normalization(payload) == normalization
    network = ClassifierStageNet(frozen_front_end(payload, encoder_path)).eval()
    assert isinstance(network.front_end, AlexNetBNFeatures) and len(network.features) == 0
    images = torch.rand(2, 3, 224, 224)
    with torch.no_grad():
        # the classifier reads the Barlow network's own output: its globally pooled conv5 features, unchanged
        assert torch.equal(network.front_end(images).mean(dim=(2, 3)), barlow(images))
        assert network(images).shape == (2, 1000)
    assert {name for name, _ in network.named_modules()} >= set(ALEXNET_BN_LAYERS)

    checkpoint = tmp_path / "barlow-net.pt"
    save_network_checkpoint(
        checkpoint,
        network,
        config={},
        data="test",
        epoch=0,
        model_id="barlow-e2e-alexnet-net",
        normalization=normalization,
    )
    with torch.no_grad():
        assert torch.equal(build_network(load_network_checkpoint(checkpoint), checkpoint)(images), network(images))
    with pytest.raises(CheckpointError, match="holds barlow-e2e-alexnet-net, not lcl-v2net"):
        get_model(checkpoint)
    model = get_model(checkpoint, "barlow-e2e-alexnet-net")
    assert model.identifier.startswith("barlow-e2e-alexnet-net@")
    preprocessing = model.activations_model._extractor.preprocess
    assert tuple(preprocessing.__wrapped__.keywords["normalize_mean"]) == tuple(normalization["mean"])
