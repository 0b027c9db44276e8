"""End-to-end Barlow Twins on AlexNet-BN (A.1.6): the views and the network its config gives against the paper's
recipe, gradients through every layer, a tiny CPU run whose encoder checkpoint the ``barlow-e2e-alexnet`` model
loads."""

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


def test_views_follow_the_standard_end_to_end_augmentations():
    """4000 view pairs drawn with the config, against A.2's recipe (Zbontar et al. 2021), numbers from the paper:
    crops of 8-100 % of the area at aspect ratios 3/4-4/3 resized to 224 px, flip 1/2, colour jitter 0.8, grey 0.2,
    blur always in view A and 0.1 in B, solarisation 0.2 in B only."""
    from brainscore_lcl.training.augment import make_views_batched, sample_pair_params

    config = load_config("barlow-e2e-alexnet")
    (view,) = [stage.view for stage in config.stages]
    n = 4000
    a, b = sample_pair_params(view, n, torch.Generator().manual_seed(0))
    side = view.center_crop
    for params in (a, b):
        width, height = params["box"][:, 2], params["box"][:, 3]
        area = width * height / side**2
        assert area.min() >= 0.08 and area.max() <= 1.0
        assert abs(float((area < 0.54).double().mean()) - 0.5) < 0.03  # median of U(0.08, 1) before edge clamps
        inside = (width < side) & (height < side)
        ratio = (width / height)[inside]
        assert ratio.min() >= 3 / 4 - 1e-9 and ratio.max() <= 4 / 3 + 1e-9
        for key, expected in (("flip", 0.5), ("gray", 0.2)):
            assert abs(float(params[key].double().mean()) - expected) < 0.03
        assert abs(float((params["brightness"] != 1).double().mean()) - 0.8) < 0.03
        assert not params["noise"].any()
    assert a["blur"].all() and abs(float(b["blur"].double().mean()) - 0.1) < 0.02
    assert not a["solarize"].any() and abs(float(b["solarize"].double().mean()) - 0.2) < 0.03
    stored = torch.randint(0, 256, (2, side, side, 3), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    (pair,) = make_views_batched(stored, [view], config.input.mean, config.input.std, torch.Generator().manual_seed(2))
    assert pair[0].shape == pair[1].shape == (2, 3, 224, 224) and not torch.equal(pair[0], pair[1])


def test_network_is_alexnet_bn_with_the_papers_projector():
    """A.1.6: AlexNet with BatchNorm after every convolution, conv5 pooled to a 256-d vector, then a projector with
    two hidden layers and an output layer of 1024 units each."""
    model = EndToEndModel(load_config("barlow-e2e-alexnet")).eval()
    layers = list(model.encoder.features)
    convolutions = [index for index, layer in enumerate(layers) if isinstance(layer, torch.nn.Conv2d)]
    assert len(convolutions) == 5
    assert all(isinstance(layers[index + 1], torch.nn.BatchNorm2d) for index in convolutions)
    linear = [layer for layer in model.projectors[0].net if isinstance(layer, torch.nn.Linear)]
    assert [(layer.in_features, layer.out_features) for layer in linear] == [(256, 1024), (1024, 1024), (1024, 1024)]
    with torch.no_grad():
        pooled = model.encoder(torch.randn(2, 3, 224, 224))
        assert pooled.shape == (2, 256) and model.embed(0, torch.randn(2, 3, 224, 224)).shape == (2, 1024)


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
