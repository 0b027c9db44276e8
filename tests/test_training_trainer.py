"""Layerwise trainer: stop-gradient, smoke training, kill-and-resume, checkpoints, errors and the CLI."""

import argparse
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from brainscore_lcl.checkpoint import build_encoder, load_encoder_checkpoint
from brainscore_lcl.cli.train import add_subcommand
from brainscore_lcl.errors import UsageError
from brainscore_lcl.model_helpers.architecture import Projector
from brainscore_lcl.training import engine
from brainscore_lcl.training import trainer as trainer_module
from brainscore_lcl.training.config import ConfigError, load_config
from brainscore_lcl.training.data import DataError, list_images
from brainscore_lcl.training.layerwise import LayerwiseModel, project_pooled
from brainscore_lcl.training.trainer import train

SAMPLE = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "imagenet-sample"
SMALL = [
    "training.batch_size=8",
    "training.val_every_steps=5",
    "training.checkpoint_every_steps=5",
    "training.val_max_images=8",
    "training.num_workers=0",
    "objective.projector_dim=64",
    "training.patience_epochs=1000",
]
TINY_VIEWS = [
    "stages.0.view.center_crop=28",
    "stages.0.view.output_size=24",
    "stages.1.view.center_crop=56",
    "stages.1.view.output_size=48",
    "training.batch_size=4",
    "training.val_every_steps=3",
    "training.checkpoint_every_steps=3",
]


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory) -> Path:
    """24 images: the first ones of the shared ImageNet sample when present, else generated ones, in class folders."""
    root = tmp_path_factory.mktemp("images")
    sources = sorted(SAMPLE.glob("*.JPEG"))[:24] if SAMPLE.is_dir() else []
    rng = np.random.default_rng(0)
    for index in range(24):
        folder = root / f"class{index % 3}"
        folder.mkdir(exist_ok=True)
        if sources:
            Image.open(sources[index]).save(folder / f"{index}.png")
        else:
            pixels = rng.integers(0, 256, (8, 10, 3), dtype=np.uint8)
            Image.fromarray(pixels).resize((300, 240), Image.Resampling.BICUBIC).save(folder / f"{index}.png")
    return root


def random_views() -> list:
    return [(torch.randn(4, 3, size, size), torch.randn(4, 3, size, size)) for size in (48, 96)]


def small_config(*extra: str, name: str = "lcl-v2"):
    return load_config(name, overrides=[*SMALL, *extra])


def test_project_pooled_equals_projector_then_gap():
    projector = Projector(8, 16).eval()
    features = torch.randn(3, 8, 5, 5)
    assert torch.allclose(project_pooled(projector, features), projector(features), atol=1e-5)


def _no_gradient(module: torch.nn.Module) -> bool:
    return all(parameter.grad is None or not parameter.grad.any() for parameter in module.parameters())


def test_layer2_loss_sends_no_gradient_to_layer1():
    torch.manual_seed(0)
    model = LayerwiseModel(small_config())
    views = random_views()
    model(views)[1].backward()
    assert _no_gradient(model.encoder.layer1) and _no_gradient(model.projectors[0])
    assert not _no_gradient(model.encoder.layer2)
    model.zero_grad(set_to_none=True)
    model(views)[0].backward()
    assert not _no_gradient(model.encoder.layer1)
    assert _no_gradient(model.encoder.layer2) and _no_gradient(model.projectors[1])


@pytest.mark.parametrize("objective", ["simclr", "simsiam"])
def test_other_objectives_give_finite_losses(objective):
    model = LayerwiseModel(small_config(f"objective.name={objective}"))
    views = random_views()
    assert torch.isfinite(model(views)).all()


def test_smoke_training_writes_a_scorable_checkpoint(image_folder, tmp_path):
    summary = train(
        small_config("training.batch_size=4"),
        image_folder,
        tmp_path / "run",
        max_steps=20,
        device="cpu",
        show_progress=False,
    )
    assert summary["step"] == 20 and summary["val_history"]
    log = (tmp_path / "run" / "log.csv").read_text().splitlines()
    assert log[0].startswith("step,epoch,split,loss,smoothed,loss_layer1,loss_layer2")
    assert sum(",train," in line for line in log) == 20
    payload = load_encoder_checkpoint(tmp_path / "run" / "encoder.pt")
    assert payload["architecture"] == {"n_stages": 2, "blur_size": 3}
    assert payload["config"]["input"]["mean"] == [0.485, 0.456, 0.406]
    assert payload["meta"]["seed"] == 0 and "torch" in payload["meta"]["versions"]
    encoder = build_encoder(payload)
    assert encoder(torch.zeros(1, 3, 224, 224)).shape == (1, 192, 14, 14)


def _weights(out: Path) -> dict:
    return torch.load(out / "state.pt", weights_only=True)


def test_kill_and_resume_equals_an_uninterrupted_run(image_folder, tmp_path, monkeypatch):
    config = small_config(*TINY_VIEWS)
    train(config, image_folder, tmp_path / "full", max_steps=6, device="cpu", show_progress=False)

    real_step = trainer_module.train_step
    calls = {"n": 0}

    def dying_step(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt("killed")
        return real_step(*args, **kwargs)

    monkeypatch.setattr(trainer_module, "train_step", dying_step)
    with pytest.raises(KeyboardInterrupt):
        train(config, image_folder, tmp_path / "killed", max_steps=6, device="cpu", show_progress=False)
    monkeypatch.setattr(trainer_module, "train_step", real_step)
    assert _weights(tmp_path / "killed")["progress"]["step"] == 3
    train(config, image_folder, tmp_path / "killed", resume=True, max_steps=6, device="cpu", show_progress=False)
    full, resumed = _weights(tmp_path / "full"), _weights(tmp_path / "killed")
    assert resumed["progress"]["step"] == full["progress"]["step"] == 6
    for name, tensor in full["model"].items():
        assert torch.equal(tensor, resumed["model"][name]), name
    assert full["early_stopping"] == resumed["early_stopping"]


def test_reference_pipeline_trains(image_folder, tmp_path):
    summary = train(
        small_config("training.pipeline=reference", *TINY_VIEWS),
        image_folder,
        tmp_path / "ref",
        max_steps=3,
        device="cpu",
        show_progress=False,
    )
    assert summary["step"] == 3


def test_early_stopping_finishes_and_refuses_to_overwrite(image_folder, tmp_path):
    config = small_config(
        *TINY_VIEWS,
        "training.val_every_steps=1",
        "training.val_window=1",
        "training.patience_epochs=0.5",
        "training.min_delta=10.0",
    )
    summary = train(config, image_folder, tmp_path / "stop", device="cpu", show_progress=False)
    # 5 batches of 4 per epoch: the first validation (epoch 0.2) stays the best; step 4 (epoch 0.8) is 0.5 epoch later
    assert summary["finished"] and summary["step"] == 4 and "did not improve" in summary["stop_reason"]
    with pytest.raises(UsageError, match="--resume"):
        train(config, image_folder, tmp_path / "stop", device="cpu", show_progress=False)


def test_early_stopping_uses_the_trailing_mean_and_patience_in_epochs():
    stopper = engine.EarlyStopping(patience_epochs=3, min_delta=0.01, window=2)
    assert stopper.update(10.0, epoch=1)  # mean 10
    assert stopper.update(8.0, epoch=2) and stopper.best == 9.0  # mean 9 < 10 - 0.1
    assert not stopper.update(9.95, epoch=3)  # mean 8.975: not below 9 - 0.09
    assert stopper.update(7.0, epoch=4) and stopper.best == pytest.approx(8.475)
    assert not stopper.update(20.0, epoch=6) and not stopper.should_stop  # a noisy spike: 3 epochs not yet over
    assert not stopper.update(9.0, epoch=7) and stopper.should_stop  # 7 - 4 >= 3
    restored = engine.EarlyStopping(3, 0.01, 2)
    restored.load_state_dict(stopper.state_dict())
    assert restored.state_dict() == stopper.state_dict() and restored.should_stop


@pytest.mark.parametrize("norm, layer1_identical", [("running", True), ("batch", False)])
def test_lower_stage_norm_decides_whether_layer2_views_move_layer1(image_folder, tmp_path, norm, layer1_identical):
    """Two runs that differ only in layer 2's view: layer 1 (weights and BatchNorm statistics) is the same run for
    run with lower_stage_norm=running, and its running statistics differ with lower_stage_norm=batch."""
    layer1 = []
    for layer2_size in (40, 48):
        config = small_config(
            *TINY_VIEWS, f"training.lower_stage_norm={norm}", f"stages.1.view.output_size={layer2_size}"
        )
        train(config, image_folder, tmp_path / f"{norm}{layer2_size}", max_steps=3, device="cpu", show_progress=False)
        state = _weights(tmp_path / f"{norm}{layer2_size}")["model"]
        layer1.append({name: tensor for name, tensor in state.items() if name.startswith("encoder.layer1.")})
    assert all(torch.equal(layer1[0][name], layer1[1][name]) for name in layer1[0] if "running" not in name)
    running_equal = all(torch.equal(layer1[0][name], layer1[1][name]) for name in layer1[0] if "running" in name)
    assert running_equal == layer1_identical


def test_bad_config_and_empty_folder_give_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="unknown field"):
        load_config("lcl-v2", overrides=["training.batchsize=3"])
    with pytest.raises(ConfigError, match="n_stages"):
        load_config("lcl-v2", overrides=["architecture.n_stages=1"])
    with pytest.raises(ConfigError, match="--variant"):
        load_config("ablation-loss")
    with pytest.raises(ConfigError, match="packaged"):
        load_config("no-such-config")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no images"):
        list_images(tmp_path / "empty")


def test_cli_train_subcommand(image_folder, tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="brainscore")
    add_subcommand(parser.add_subparsers(dest="command"))
    arguments = [
        "train",
        "--config",
        "lcl-v2",
        "--data",
        str(image_folder),
        "--out",
        str(tmp_path / "cli"),
        "--device",
        "cpu",
        "--max-steps",
        "2",
        "--no-progress",
        *sum((["--set", item] for item in [*SMALL, *TINY_VIEWS]), []),
    ]
    args = parser.parse_args(arguments)
    assert args.func(args) == 0
    assert (tmp_path / "cli" / "encoder.pt").is_file()
    empty = tmp_path / "nothing"
    empty.mkdir()
    args = parser.parse_args(["train", "--config", "lcl-v2", "--data", str(empty), "--out", str(tmp_path / "x")])
    with pytest.raises(DataError, match="no images"):
        args.func(args)
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_torchrun_two_processes_on_cpu(image_folder, tmp_path):
    import subprocess
    import sys

    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc-per-node",
        "2",
        "-m",
        "brainscore_lcl.cli",
        "train",
        "--config",
        "lcl-v2",
        "--data",
        str(image_folder),
        "--out",
        str(tmp_path / "ddp"),
        "--device",
        "cpu",
        "--max-steps",
        "3",
        "--no-progress",
        *sum((["--set", item] for item in [*SMALL, *TINY_VIEWS]), []),
    ]
    subprocess.run(command, check=True, timeout=600)
    payload = load_encoder_checkpoint(tmp_path / "ddp" / "encoder.pt")
    assert payload["config"]["training"]["sync_batchnorm"] is True and payload["meta"]["processes"] == 2
