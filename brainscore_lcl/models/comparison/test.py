"""Comparison models: each published format is written as a small stand-in file (random weights, the real key layout)
and loaded through the real loading code; Gabor-bank draws; ImageNet readout; checkpoint-only models; aliases."""

from __future__ import annotations

import argparse
import shutil

import numpy as np
import pytest
import torch
import torchvision

from brainscore_lcl.checkpoint import CheckpointError, save_encoder_checkpoint
from brainscore_lcl.errors import ModelUnavailableError
from brainscore_lcl.models.comparison import ALIASES
from brainscore_lcl.models.comparison.networks import (
    AlexNetBN,
    LPLAlexNet,
    VOneAlexNet,
    _inverse_cdf,
    gabor_kernel,
    gabor_parameters,
)
from brainscore_lcl.published_weights import WeightsUnavailableError, recorded_hashes, weights_folder
from brainscore_lcl.registry import candidate_layers, model_registry
from brainscore_lcl.testing import tiny_stimulus_set

ROBUST_MEAN, ROBUST_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
SMALL_VONE_FLAGS = {
    "simple_channels": 4,
    "complex_channels": 4,
    "stride": 4,
    "k_exc": 25.0,
    "noise_mode": "neuronal",
    "noise_scale": 0.35,
    "noise_level": 0.07,
    "arch": "alexnet",
}


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("RESULTCACHING_DISABLE", "1")


@pytest.fixture(scope="module")
def alexnet_state():
    torch.manual_seed(0)
    return torchvision.models.alexnet(weights=None).state_dict()


@pytest.fixture(scope="module")
def files(tmp_path_factory, alexnet_state):
    """Stand-in files in each published format."""
    folder = tmp_path_factory.mktemp("stand-ins")
    torch.save(alexnet_state, folder / "torchvision.pth")
    robust = {
        ("last_layer." + key[len("classifier.6.") :]) if key.startswith("classifier.6.") else key: value
        for key, value in alexnet_state.items()
    }
    model = {
        **{f"module.model.{key}": value for key, value in robust.items()},
        **{f"module.attacker.model.{key}": value for key, value in robust.items()},
        "module.normalizer.new_mean": torch.tensor(ROBUST_MEAN)[:, None, None],
        "module.normalizer.new_std": torch.tensor(ROBUST_STD)[:, None, None],
        "module.attacker.normalize.new_mean": torch.tensor(ROBUST_MEAN)[:, None, None],
        "module.attacker.normalize.new_std": torch.tensor(ROBUST_STD)[:, None, None],
    }
    torch.save({"model": model, "epoch": 90}, folder / "robustness.pt")
    torch.manual_seed(1)
    vone = VOneAlexNet(simple_channels=4, complex_channels=4).state_dict()
    torch.save(
        {"flags": SMALL_VONE_FLAGS, "state_dict": {f"module.{key}": value for key, value in vone.items()}, "epoch": 70},
        folder / "vonenet.pth.tar",
    )
    lpl = LPLAlexNet().state_dict()
    torch.save({"state_dict": {f"network.encoder.{key}": value for key, value in lpl.items()}}, folder / "lpl.pt")
    torch.save({"state_dict": {}, "hyper_parameters": argparse.Namespace(encoder="alexnet")}, folder / "lightning.ckpt")
    save_encoder_checkpoint(
        folder / "alexnet-bn.pt",
        AlexNetBN().state_dict(),
        architecture={"kind": "alexnet-bn"},
        config={},
        data="stand-in",
        meta={"normalization": {"mean": list(ROBUST_MEAN), "std": list(ROBUST_STD)}},
    )
    return folder


def place_in_weights_folder(source, file_name):
    weights_folder().mkdir(parents=True, exist_ok=True)
    shutil.copy(source, weights_folder() / file_name)


def network_of(model):
    return model.activations_model._model


def test_torchvision_format(files, alexnet_state):
    model = model_registry["alexnet-supervised"].factory(checkpoint=files / "torchvision.pth")
    assert all(torch.equal(network_of(model).state_dict()[key], value) for key, value in alexnet_state.items())
    assert model.identifier.startswith("alexnet-supervised@")
    assert model.layers == candidate_layers("alexnet-supervised") + ["classifier.2", "classifier.5"]


def test_torchvision_file_failing_its_published_prefix_is_refused(files):
    place_in_weights_folder(files / "torchvision.pth", "alexnet-owt-7be5be79.pth")
    with pytest.raises(WeightsUnavailableError, match="a hash starting 7be5be79"):
        model_registry["alexnet-supervised"].factory()


def test_robustness_format_from_the_weights_folder(files, alexnet_state, tmp_path):
    place_in_weights_folder(files / "robustness.pt", "alexnet_r.pt")
    model = model_registry["alexnet-l2at-eps3"].factory()
    state = network_of(model).state_dict()
    assert torch.equal(state["classifier.6.weight"], alexnet_state["classifier.6.weight"])
    assert torch.equal(state["features.0.weight"], alexnet_state["features.0.weight"])
    assert "alexnet_r.pt" in recorded_hashes()
    assert model.activations_model._extractor.preprocess.__wrapped__.keywords["normalize_mean"] == pytest.approx(
        ROBUST_MEAN
    )
    stimuli = tiny_stimulus_set(tmp_path, "comparison-readout-test")
    from brainscore_vision.model_interface import BrainModel

    model.start_task(BrainModel.Task.label, "imagenet")
    choices = model.look_at(stimuli)
    assert choices.sizes["presentation"] == 3 and all(str(label).startswith("n") for label in choices.values.ravel())


def test_robustness_format_without_normalizer_is_refused(files, tmp_path):
    payload = torch.load(files / "robustness.pt", weights_only=True)
    del payload["model"]["module.normalizer.new_mean"]
    torch.save(payload, tmp_path / "broken.pt")
    with pytest.raises(CheckpointError, match="normalizer"):
        model_registry["alexnet-l2at-eps3"].factory(checkpoint=tmp_path / "broken.pt")


def test_vonenet_format(files, tmp_path):
    model = model_registry["vonenet-alexnet"].factory(checkpoint=files / "vonenet.pth.tar")
    stored = torch.load(files / "vonenet.pth.tar", weights_only=True)["state_dict"]
    assert torch.equal(
        network_of(model).vone_block.simple_conv_q1.weight, stored["module.vone_block.simple_conv_q1.weight"]
    )
    assert network_of(model).vone_block.simple_channels == 4
    stimuli = tiny_stimulus_set(tmp_path, "comparison-vone-test")
    model.activations_model._extractor._batch_size = len(stimuli)
    model.start_recording("V1", [(70, 170)])
    activations = model.look_at(stimuli)
    assert activations.sizes == {"presentation": 3, "neuroid": 8 * 56 * 56}


def test_lpl_format_and_lightning_file_refused(files):
    model = model_registry["lpl-alexnet"].factory(checkpoint=files / "lpl.pt")
    assert model.activations_model.image_size == 96
    assert torch.equal(
        network_of(model).blocks[6][1].weight,
        torch.load(files / "lpl.pt", weights_only=True)["state_dict"]["network.encoder.blocks.6.1.weight"],
    )
    with pytest.raises(CheckpointError, match="extract its state dict"):
        model_registry["lpl-alexnet"].factory(checkpoint=files / "lightning.ckpt")


def test_checkpoint_only_models_need_a_checkpoint(files):
    for model_id in ("lpl-alexnet", "barlow-e2e-alexnet", "blockbarlow"):
        with pytest.raises(ModelUnavailableError, match="--checkpoint"):
            model_registry[model_id].factory()
    model = model_registry["barlow-e2e-alexnet"].factory(checkpoint=files / "alexnet-bn.pt")
    assert model.layers == candidate_layers("barlow-e2e-alexnet")
    assert model.activations_model._extractor.preprocess.__wrapped__.keywords["normalize_std"] == pytest.approx(
        ROBUST_STD
    )
    from brainscore_lcl.models.lcl.model import SHIPPED_CHECKPOINT

    with pytest.raises(CheckpointError, match="not the AlexNet-BN"):
        model_registry["barlow-e2e-alexnet"].factory(checkpoint=SHIPPED_CHECKPOINT)

    blockbarlow = model_registry["blockbarlow"].factory(checkpoint=SHIPPED_CHECKPOINT)
    assert dict(blockbarlow.layer_model.region_layer_map) == {"V1": "layer1", "V2": "layer2"}


def test_every_candidate_layer_exists():
    networks = {
        "alexnet-supervised": torchvision.models.alexnet(),
        "vonenet-alexnet": VOneAlexNet(simple_channels=4, complex_channels=4),
        "lpl-alexnet": LPLAlexNet(),
        "barlow-e2e-alexnet": AlexNetBN(),
    }
    for model_id, network in networks.items():
        assert set(candidate_layers(model_id)) <= {name for name, _ in network.named_modules()}


def test_inverse_cdf_by_hand():
    assert _inverse_cdf(np.array([0.0, 0.25, 0.5, 1.0]), np.array([1.0, 1.0]), np.array([0.0, 1.0, 3.0])).tolist() == [
        0.0,
        0.5,
        1.0,
        3.0,
    ]


#: Values of VOneNet's own ``generate_gabor_param(features, seed, rand_flag=False, sf_corr, sf_max, sf_min)``
#: (github.com/dicarlolab/vonenet, commit 3c3a0b24a4996dc9339e384bad7b97545c570cbb, vonenet/params.py and
#: vonenet/utils.py, run unchanged with numpy 1.26 on 2026-12-01) at channels VONENET_CHANNELS, 12 significant digits.
VONENET_CHANNELS = [0, 1, 2, 37, -1]
VONENET_DRAWS = {
    (512, 0, 0.75, 9, 0): {
        "sf": [2.2151663627, 5.43424620729, 4.29826205441, 1.51280463199, 4.12639557532],
        "theta": [106.69324167, 98.1272117695, 89.7700730419, 37.3365531926, 146.950761731],
        "phase": [197.572861414, 257.468171894, 216.994815386, 222.096238875, 125.451356052],
        "nx": [0.269823122439, 0.635907847323, 0.482015254008, 0.207364294677, 0.375379294121],
        "ny": [0.479183783233, 1.52001133906, 0.47947795609, 0.154871064338, 0.832098597266],
    },
    (64, 3, 0.75, 5.6, 1.0): {
        "sf": [1.57184174569, 3.02750863835, 2.0863872278, 1.83651116135, 1.79159641384],
        "theta": [35.493576322, 62.4541978642, 167.820079762, 104.618996584, 60.2798480992],
        "phase": [198.287244927, 254.933216143, 104.725706009, 200.82267446, 206.205793153],
        "nx": [0.202004681447, 0.486282735541, 0.258243924479, 0.202883374104, 0.198748929838],
        "ny": [0.43891071274, 0.375696441031, 0.472240478695, 0.205212540754, 0.743180386489],
    },
}


@pytest.mark.parametrize("setting", list(VONENET_DRAWS))
def test_gabor_parameters_equal_vonenets_own_draws(setting):
    channels, seed, sf_corr, sf_max, sf_min = setting
    drawn = gabor_parameters(channels, seed=seed, sf_corr=sf_corr, sf_max=sf_max, sf_min=sf_min)
    for name, expected in VONENET_DRAWS[setting].items():
        np.testing.assert_allclose(getattr(drawn, name)[VONENET_CHANNELS], expected, rtol=1e-10, err_msg=name)


def test_gabor_kernel_by_hand():
    kernel = gabor_kernel(0.25, 2.0, 3.0, theta=0.0, phase=0.0, size=5)
    assert kernel[2, 2] == pytest.approx(1 / (2 * np.pi * 6))
    # one pixel along x (rows, theta = 0): envelope exp(-1/8), carrier cos(pi / 2) = 0
    assert kernel[3, 2] == pytest.approx(0.0, abs=1e-9)
    assert kernel[2, 3] == pytest.approx(np.exp(-0.5 / 9) / (2 * np.pi * 6))


def test_aliases_point_at_brainscore_vision_ids():
    from brainscore_lcl.scoring import brainscore_vision_ids

    assert {target for target, _ in ALIASES.values()} <= set(brainscore_vision_ids("model"))
    with pytest.raises(ValueError, match="drop --checkpoint"):
        model_registry["resnet50-supervised"].factory(checkpoint="x.pt")
