"""End-to-end Barlow Twins on AlexNet-BN (A.1.6): config, gradients through every layer, a tiny CPU run whose encoder
checkpoint the ``barlow-e2e-alexnet`` model loads."""

from __future__ import annotations

import torch

from brainscore_lcl.testing import tiny_image_folder
from brainscore_lcl.training.config import load_config
from brainscore_lcl.training.e2e import EndToEndModel

TINY = [
    "training.batch_size=4",
    "training.val_every_steps=1",
    "training.checkpoint_every_steps=1",
    "training.val_max_images=4",
    "training.num_workers=0",
    "objective.projector_dim=32",
    "training.amp=false",
    "stages.0.view.center_crop=96",
    "stages.0.view.output_size=96",
    "input.resize_short_side=96",
]


def test_config_is_the_papers_recipe():
    config = load_config("barlow-e2e-alexnet")
    assert config.architecture.kind == "alexnet-bn" and config.architecture.n_stages == 1
    assert config.objective.name == "barlow" and config.objective.projector_dim == 1024
    assert config.training.max_epochs == 100
    view = config.stages[0].view
    assert (view.output_size, view.scale, view.interpolation) == (224, (0.08, 1.0), "bicubic")


def test_loss_reaches_every_layer():
    torch.manual_seed(0)
    model = EndToEndModel(load_config("barlow-e2e-alexnet", overrides=["objective.projector_dim=32"]))
    views = [(torch.randn(4, 3, 96, 96), torch.randn(4, 3, 96, 96))]
    losses = model(views)
    assert losses.shape == (1,) and torch.isfinite(losses).all()
    losses.sum().backward()
    assert model.encoder.features[0].weight.grad.abs().sum() > 0
    assert model.projectors[0].net[0].weight.shape == (32, 256)


def test_tiny_run_loads_as_barlow_e2e_alexnet(tmp_path, monkeypatch):
    from brainscore_lcl.cli import main
    from brainscore_lcl.registry import discover_plugins, model_registry

    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))
    images = tiny_image_folder(tmp_path, size=(120, 100))
    overrides = [item for override in TINY for item in ("--set", override)]
    assert (
        main(
            [
                "train",
                "--config",
                "barlow-e2e-alexnet",
                "--data",
                str(images),
                "--device",
                "cpu",
                "--out",
                str(tmp_path / "run"),
                "--max-steps",
                "2",
                "--no-progress",
                *overrides,
            ]
        )
        == 0
    )
    discover_plugins()
    model = model_registry["barlow-e2e-alexnet"].factory(checkpoint=tmp_path / "run" / "encoder.pt")
    assert model.identifier.startswith("barlow-e2e-alexnet@")
