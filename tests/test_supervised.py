"""LCL-V2Net supervised trainer: data layouts, a 3-step training run, kill-and-resume equality, the CLI."""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from brainscore_lcl.checkpoint import CheckpointError, save_encoder_checkpoint
from brainscore_lcl.cli.train import add_subcommand
from brainscore_lcl.errors import UsageError
from brainscore_lcl.model_helpers.architecture import LCLEncoder
from brainscore_lcl.models.lcl_v2net.model import build_network, load_network_checkpoint
from brainscore_lcl.training import supervised
from brainscore_lcl.training.supervised import (
    SupervisedConfig,
    find_samples,
    imagenet_wnids,
    scaled_learning_rate,
    topk_correct,
    train,
)

SHARED_SAMPLE = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "imagenet-sample"
WNIDS = imagenet_wnids()


def write_images(folder: Path, names: list[str], seed: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name in names:
        Image.fromarray(rng.integers(0, 256, (72, 96, 3), dtype=np.uint8)).save(folder / name)


@pytest.fixture
def front_end(tmp_path) -> Path:
    torch.manual_seed(1)
    path = tmp_path / "lcl-v2.pt"
    save_encoder_checkpoint(
        path,
        LCLEncoder().state_dict(),
        architecture={"n_stages": 2, "blur_size": 3},
        config={},
        data="random weights",
        meta={},
    )
    return path


@pytest.fixture
def flat_images(tmp_path) -> Path:
    folder = tmp_path / "flat"
    write_images(folder, [f"{WNIDS[index]}_class{index}.JPEG" for index in (0, 10, 200, 500, 998, 999)])
    return folder


def fast_config(**changes) -> SupervisedConfig:
    return SupervisedConfig(**{"epochs": 1, "batch_size": 2, "workers": 0, **changes})


def test_imagenet_labels_in_both_layouts(tmp_path, flat_images):
    assert len(WNIDS) == 1000 and list(WNIDS) == sorted(WNIDS)
    assert [label for _, label in find_samples(flat_images)] == [0, 10, 200, 500, 998, 999]
    for wnid in (WNIDS[7], WNIDS[3]):
        write_images(tmp_path / "folders" / wnid, ["a.JPEG", "b.png"])
    assert [label for _, label in find_samples(tmp_path / "folders")] == [3, 3, 7, 7]
    write_images(tmp_path / "named" / "zebra", ["a.png"])
    write_images(tmp_path / "named" / "apple", ["a.png"])
    named = find_samples(tmp_path / "named")
    assert [(path.parent.name, label) for path, label in named] == [("apple", 0), ("zebra", 1)]
    with pytest.raises(supervised.DataError, match="does not exist"):
        find_samples(tmp_path / "missing")
    write_images(tmp_path / "val", ["ILSVRC2012_val_00000001.JPEG"])
    with pytest.raises(supervised.DataError, match="ILSVRC2012_val_00000001.JPEG .* do not start with an ImageNet"):
        find_samples(tmp_path / "val")


def test_shared_imagenet_sample_labels():
    if not SHARED_SAMPLE.is_dir():
        pytest.skip(f"shared data {SHARED_SAMPLE} is absent (it is not part of a fresh clone)")
    samples = find_samples(SHARED_SAMPLE)
    assert [label for _, label in samples] == list(range(1000))


def test_recipe_numbers():
    config = SupervisedConfig()
    assert (config.epochs, config.lr_step_epochs, config.lr_gamma, config.momentum) == (90, 30, 0.1, 0.9)
    assert config.lr == pytest.approx(0.1) and scaled_learning_rate(0.1, 1024) == pytest.approx(0.4)
    logits = torch.tensor([[0.0, 3.0, 2.0, 1.0], [5.0, 0.0, 1.0, 2.0]])
    assert topk_correct(logits, torch.tensor([2, 0]), (1, 2)) == [1, 2]


def test_three_training_steps(tmp_path, front_end, flat_images):
    out = tmp_path / "run"
    network_path = train(
        front_end, flat_images, out, val=flat_images, config=fast_config(), device="cpu", progress=False
    )
    payload = load_network_checkpoint(network_path)
    network = build_network(payload, network_path)
    initial = torch.load(front_end, weights_only=True)
    assert payload["front_end_sha256"] == initial["sha256"] == network.front_end_sha256()
    assert payload["epoch"] == 1 and "training_state" not in payload
    resumable = load_network_checkpoint(out / "checkpoint.pt")
    assert resumable["training_state"]["optimizer"]["state"], "SGD took no step"
    rows = list(csv.DictReader(open(out / "log.csv")))
    assert len(rows) == 1 and np.isfinite(float(rows[0]["train_loss"])) and 0 <= float(rows[0]["val_top5"]) <= 1
    assert float(rows[0]["lr"]) == pytest.approx(0.1 * 2 / 256)
    run = json.loads((out / "run.json").read_text())
    assert run["config"]["seed"] == 0 and run["versions"]["torch"] == torch.__version__
    assert run["data"].startswith("6 images of 6 classes")
    with pytest.raises(CheckpointError, match="--resume"):
        train(front_end, flat_images, out, config=fast_config(), device="cpu", progress=False)


def test_killed_run_resumes_to_the_same_weights(tmp_path, monkeypatch, front_end, flat_images):
    images = tmp_path / "two"
    images.mkdir()
    for path in sorted(flat_images.iterdir())[:2]:
        shutil.copy(path, images / path.name)
    config = fast_config(epochs=2)
    uninterrupted = train(front_end, images, tmp_path / "whole", config=config, device="cpu", progress=False)

    real_train_one_epoch = supervised.train_one_epoch
    calls = []

    def killed_in_second_epoch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("simulated kill")
        return real_train_one_epoch(*args, **kwargs)

    monkeypatch.setattr(supervised, "train_one_epoch", killed_in_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        train(front_end, images, tmp_path / "killed", config=config, device="cpu", progress=False)
    monkeypatch.setattr(supervised, "train_one_epoch", real_train_one_epoch)
    assert load_network_checkpoint(tmp_path / "killed" / "checkpoint.pt")["epoch"] == 1
    resumed = train(front_end, images, tmp_path / "killed", config=config, device="cpu", resume=True, progress=False)

    whole, again = load_network_checkpoint(uninterrupted), load_network_checkpoint(resumed)
    assert again["epoch"] == whole["epoch"] == 2
    assert again["sha256"] == whole["sha256"]
    logs = [list(csv.DictReader(open(path.parent / "log.csv"))) for path in (uninterrupted, resumed)]
    assert [row["train_loss"] for row in logs[0]] == [row["train_loss"] for row in logs[1]]


def test_cli_subcommand(tmp_path, front_end):
    parser = argparse.ArgumentParser(prog="brainscore")
    add_subcommand(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        [
            "train-net",
            "--front-end",
            str(front_end),
            "--data",
            str(tmp_path / "missing"),
            "--out",
            str(tmp_path / "out"),
            "--epochs",
            "2",
            "--batch-size",
            "4",
            "--device",
            "cpu",
        ]
    )
    assert (args.epochs, args.batch_size, args.resume) == (2, 4, False)
    with pytest.raises(supervised.DataError, match="does not exist"):
        args.func(args)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_two_process_ddp_run_on_cpu(tmp_path, front_end, flat_images):
    out = tmp_path / "ddp"
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node",
        "2",
        "-m",
        "brainscore_lcl.cli",
        "train-net",
        "--front-end",
        str(front_end),
        "--data",
        str(flat_images),
        "--val",
        str(flat_images),
        "--out",
        str(out),
        "--epochs",
        "1",
        "--batch-size",
        "4",
        "--device",
        "cpu",
        "--workers",
        "0",
        "--no-progress",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads((out / "run.json").read_text())["world_size"] == 2
    checkpoint = load_network_checkpoint(out / "lcl-v2net.pt")
    assert checkpoint["epoch"] == 1 and checkpoint["config"]["sync_batchnorm"] is True
    assert result.stdout.count("lcl-v2net checkpoint:") == 1


def test_evaluation_crops_give_brainscore_preprocessing_the_standard_crop(tmp_path):
    from brainscore_vision.model_helpers.activations.pytorch import load_preprocess_images

    from brainscore_lcl.data.imagenet import IMAGENET_MEAN, IMAGENET_STD

    write_images(tmp_path / "val" / WNIDS[3], ["a.JPEG"])  # 96 x 72
    samples = find_samples(tmp_path / "val")
    config = SupervisedConfig()
    (crop,) = supervised.evaluation_crops(samples, tmp_path / "val", tmp_path / "crops", config)
    with Image.open(samples[0][0]) as image:
        # by hand: short side 72 -> 256, long side int(256 * 96 / 72) = 341; top 16, left round(58.5) = 58
        expected = np.asarray(image.convert("RGB").resize((341, 256), Image.BILINEAR).crop((58, 16, 282, 240)))
        standard = supervised.eval_transform(config)(image.convert("RGB")).numpy()
    with Image.open(crop) as cropped:
        np.testing.assert_array_equal(np.asarray(cropped), expected)
    seen = load_preprocess_images([str(crop)], 224, normalize_mean=IMAGENET_MEAN, normalize_std=IMAGENET_STD)[0]
    np.testing.assert_allclose(seen, standard, atol=1e-6)
    modified = crop.stat().st_mtime_ns
    assert supervised.evaluation_crops(samples, tmp_path / "val", tmp_path / "crops", config) == [crop]
    assert crop.stat().st_mtime_ns == modified


def test_the_trained_network_follows_the_encoder(tmp_path):
    def payload(architecture, name):
        return {"architecture": architecture, "config": {"name": name}}

    lcl, blockbarlow = payload({"n_stages": 2}, "lcl-v2"), payload({"n_stages": 2}, "blockbarlow")
    barlow = payload({"kind": "alexnet-bn"}, "anything")
    check = supervised.check_model_id
    assert [check(None, encoder, "e.pt") for encoder in (lcl, blockbarlow, barlow)] == [
        "lcl-v2net",
        "blockbarlow-net",
        "barlow-e2e-alexnet-net",
    ]
    assert check("blockbarlow-net", lcl, "e.pt") == "blockbarlow-net"
    with pytest.raises(UsageError, match="--model barlow-e2e-alexnet-net cannot be trained on e.pt"):
        check("barlow-e2e-alexnet-net", lcl, "e.pt")
    with pytest.raises(UsageError, match="use --model barlow-e2e-alexnet-net"):
        check("lcl-v2net", barlow, "e.pt")
