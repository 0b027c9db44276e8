"""Supervised training of the Table A.3 classifier stage on a frozen encoder: LCL-V2Net's back end on LCL-V2 (Sec. 2.4),
and the same classifier stage on the other encoders that Sec. 3.5 compares (A.1.6; ``brainscore_lcl.models.lcl_v2net``):
``blockbarlow-net`` on BlockBarlow, ``barlow-e2e-alexnet-net`` on Barlow Twins E2E (the model id follows from the
encoder checkpoint, ``front_end_model``).

Recipe: cross-entropy on ImageNet-1k, SGD (momentum 0.9), learning rate 0.1 for a batch of 256 images, scaled
linearly with the global batch (lr = 0.1 * batch / 256, Goyal et al. 2017; the paper gives lr 0.1 and no batch),
weight decay 1e-4 (the paper gives none; 1e-4 is the standard AlexNet / torchvision ImageNet value), StepLR (x0.1
every 30 epochs), 90 epochs. Augmentation: RandomResizedCrop(224) and horizontal flip; validation: resize 256,
centre crop 224; both normalised as the encoder's checkpoint records (``meta["normalization"]``, else ImageNet's).

Data: an ImageNet-style folder (``<root>/<wnid>/*.JPEG``) or a flat folder of ``<wnid>_<anything>.JPEG`` files
(``../shared/data/imagenet-sample``). Labels are indices into the 1000 ImageNet wnids in sorted order (Brain-Score's
``imagenet_classes.txt``), so a subset of classes keeps ImageNet's label numbers; class folders that are not wnids
are numbered in sorted order instead.

Engine (``brainscore_lcl.training.engine``): CPU or GPU; several GPUs / nodes with ``torchrun`` (DDP, one process per
GPU, ``--batch-size`` is the global batch; ``torchrun --nproc-per-node N -m brainscore_lcl.cli train-net ...``);
bfloat16 autocast on GPUs. After every epoch rank 0 appends a row to ``<out>/log.csv`` and writes, atomically,
``<out>/checkpoint.pt``: the network's checkpoint (``brainscore_lcl.models.lcl_v2net.model``, sha256-verified, itself
usable as ``--model <id> --checkpoint``) plus optimiser, scheduler and seeding rule. At the end it writes
``<out>/<id>.pt``, e.g. ``lcl-v2net.pt`` (the network alone, a third of the size). ``<out>/run.json`` records the
config, seed, versions, device and data. ``--resume`` continues after the last finished epoch (a run killed mid-epoch
redoes that epoch). Instead of saving generator states, every epoch re-seeds its randomness from (seed, epoch, rank,
image) (``SEEDING_RULE``): a resumed run then reproduces the uninterrupted one exactly on the same hardware, also under
DDP, where one process's saved generator state could not restore the others'.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import importlib.util
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

from brainscore_lcl.checkpoint import CheckpointError, load_encoder_checkpoint
from brainscore_lcl.data.imagenet import IMAGENET_MEAN, IMAGENET_STD
from brainscore_lcl.errors import UsageError
from brainscore_lcl.models.lcl_v2net import CLASSIFIER_STAGE_IDS
from brainscore_lcl.models.lcl_v2net.model import (
    MODEL_ID,
    ClassifierStageNet,
    build_network,
    front_end_model,
    frozen_front_end,
    input_normalization,
    load_network_checkpoint,
    save_network_checkpoint,
)
from brainscore_lcl.paths import existing_file, existing_folder, output_folder
from brainscore_lcl.training import engine
from brainscore_lcl.training.data import IMAGE_SUFFIXES, DataError, epoch_batches, loader_workers
from brainscore_lcl.training.distributed import convert_batchnorm

REFERENCE_BATCH = 256
CHECKPOINT_NAME, LOG_NAME, RUN_NAME = "checkpoint.pt", "log.csv", "run.json"
LOG_FIELDS = (
    "epoch",
    "lr",
    "train_loss",
    "train_top1",
    "images_per_second",
    "val_loss",
    "val_top1",
    "val_top5",
    "seconds",
)
#: How every epoch's randomness is seeded (recorded in checkpoints instead of a generator state, see above).
AUGMENTATION_STREAM, GLOBAL_STREAM = 0, 1
SEEDING_RULE = (
    "batch order: training.data.epoch_batches(seed, epoch); augmentation of image i: "
    "derived_seed(seed, epoch, 0, i); global generators (dropout): derived_seed(seed, epoch, 1, rank)"
)


@dataclass(frozen=True)
class SupervisedConfig:
    """Every number of the recipe (see the module docstring); ``batch_size`` is the global batch (all processes).
    ``sync_batchnorm``: under torchrun, BatchNorm statistics of the global batch (``distributed.GlobalBatchNorm``)."""

    epochs: int = 90
    batch_size: int = 256
    base_lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 1e-4
    lr_step_epochs: int = 30
    lr_gamma: float = 0.1
    image_size: int = 224
    resize_size: int = 256
    num_classes: int = 1000
    dropout: float = 0.5
    seed: int = 0
    workers: int = 8
    amp: bool = True
    sync_batchnorm: bool = True

    @property
    def lr(self) -> float:
        """Learning rate for this batch: ``base_lr * batch_size / 256``."""
        return scaled_learning_rate(self.base_lr, self.batch_size)


def scaled_learning_rate(base_lr: float, batch_size: int, reference_batch: int = REFERENCE_BATCH) -> float:
    """Linear scaling rule: ``base_lr`` is the rate for ``reference_batch`` images per step."""
    return base_lr * batch_size / reference_batch


def derived_seed(*keys: int) -> int:
    """A 63-bit seed that is a deterministic function of the integers ``keys`` (e.g. seed, epoch, rank)."""
    return int(np.random.SeedSequence(list(keys)).generate_state(1, dtype=np.uint64)[0]) >> 1


@functools.cache
def imagenet_wnids() -> tuple[str, ...]:
    """The 1000 ImageNet-1k wnids in sorted order (label i is wnid i): the class list that brainscore_vision's
    label readout uses (read without importing brainscore_vision, which is slow to import)."""
    package = Path(importlib.util.find_spec("brainscore_vision").origin).parent
    return tuple((package / "model_helpers" / "brain_transformation" / "imagenet_classes.txt").read_text().split())


def class_indices(names: list[str], num_classes: int) -> dict[str, int]:
    """Label of each class name: its ImageNet index when every name is a wnid, else its rank in sorted order."""
    wnid_index = {wnid: index for index, wnid in enumerate(imagenet_wnids())}
    if all(name in wnid_index for name in names):
        return {name: wnid_index[name] for name in names}
    if len(names) > num_classes:
        raise DataError(f"{len(names)} classes do not fit a {num_classes}-way classifier; use at most {num_classes}")
    return {name: index for index, name in enumerate(sorted(names))}


def find_samples(root: str | os.PathLike, num_classes: int = 1000) -> list[tuple[Path, int]]:
    """(image path, label) pairs of an ImageNet-style folder (``<root>/<class>/*``) or a flat folder of
    ``<wnid>_<name>.<ext>`` files, sorted by path."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(
            f"data folder {root} does not exist; pass an ImageNet-style folder (<root>/<wnid>/*.JPEG) "
            "or a flat folder of <wnid>_<name>.JPEG files"
        )
    class_folders = sorted(path for path in root.iterdir() if path.is_dir())
    if class_folders:
        labels = class_indices([folder.name for folder in class_folders], num_classes)
        samples = [
            (path, labels[folder.name])
            for folder in class_folders
            for path in sorted(folder.rglob("*"))
            if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()
        ]
    else:
        files = sorted(path for path in root.iterdir() if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file())
        wnid_index = {wnid: index for index, wnid in enumerate(imagenet_wnids())}
        strangers = [path.name for path in files if path.name.split("_")[0] not in wnid_index]
        if strangers:
            raise DataError(
                f"{root}: flat folders need <wnid>_<name> files, but {strangers[0]} (and "
                f"{len(strangers) - 1} more) do not start with an ImageNet wnid; sort the images into "
                "<root>/<wnid>/ folders (for ImageNet's val/, as its devkit's ground truth says)"
            )
        samples = [(path, wnid_index[path.name.split("_")[0]]) for path in files]
    if not samples:
        raise DataError(
            f"data folder {root} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in the ImageNet "
            "layout (<root>/<wnid>/*.JPEG) or the flat layout (<root>/<wnid>_<name>.JPEG)"
        )
    return samples


def train_transform(
    config: SupervisedConfig, mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD
) -> Callable[[Image.Image], torch.Tensor]:
    """Standard ImageNet training augmentation: RandomResizedCrop, horizontal flip, normalisation (``mean``/``std``)."""
    return transforms.Compose(
        [
            transforms.RandomResizedCrop(config.image_size),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            transforms.Normalize(mean, std),
        ]
    )


def eval_crop(config: SupervisedConfig) -> Callable[[Image.Image], Image.Image]:
    """Standard ImageNet evaluation crop: resize the short side to ``resize_size`` (256), centre crop ``image_size``
    (224); a PIL image in, a PIL image out."""
    return transforms.Compose([transforms.Resize(config.resize_size), transforms.CenterCrop(config.image_size)])


def eval_transform(
    config: SupervisedConfig, mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD
) -> Callable[[Image.Image], torch.Tensor]:
    """Standard ImageNet evaluation: ``eval_crop``, then normalisation (``mean``/``std``)."""
    return transforms.Compose([eval_crop(config), transforms.ToTensor(), transforms.Normalize(mean, std)])


def evaluation_crops(
    samples: list[tuple[Path, int]], root: str | os.PathLike, out: str | os.PathLike, config: SupervisedConfig
) -> list[Path]:
    """Lossless PNG copies of the images of ``samples`` (under ``root``) after ``eval_crop`` (RGB, ``image_size``
    px square), in ``out`` with the same relative paths; built once (``cache.ensure_folder``, checked by its
    manifest, rebuilt when the images or the crop change). Returns the copies' paths in the order of ``samples``.
    A model whose own preprocessing resizes to ``image_size`` then sees exactly the standard evaluation crop."""
    from brainscore_lcl.cache import ensure_folder, intact_manifest, write_manifest

    root, out = Path(root), Path(out)
    names = [path.relative_to(root).with_suffix(".png") for path, _ in samples]
    source = [
        f"{path.relative_to(root).as_posix()}:{path.stat().st_size}:{path.stat().st_mtime_ns}" for path, _ in samples
    ]
    fields = {"crop": [config.resize_size, config.image_size], "sources": source}

    def build(staging: Path) -> None:
        crop = eval_crop(config)
        for (path, _), name in zip(samples, names):
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            with Image.open(path) as image:
                crop(image.convert("RGB")).save(staging / name)
        write_manifest(staging, **fields)

    ensure_folder(out, lambda folder: intact_manifest(folder, **fields) is not None, build)
    return [out / name for name in names]


class LabelledImages(Dataset):
    """(image (3, S, S) float tensor, label) items; random transforms draw from a generator seeded by
    (seed, epoch, index), so augmentations do not depend on worker count or on resumption."""

    def __init__(
        self,
        samples: list[tuple[Path, int]],
        transform: Callable[[Image.Image], torch.Tensor],
        seed: int = 0,
        epoch: int = 0,
    ):
        self.samples, self.transform, self.seed, self.epoch = samples, transform, seed, epoch

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        path, label = self.samples[index]
        try:
            with Image.open(path) as image:
                image = image.convert("RGB")
        except OSError as error:
            raise DataError(f"image {path} cannot be read ({error}); remove it from the data folder") from None
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(derived_seed(self.seed, self.epoch, AUGMENTATION_STREAM, index))
            return self.transform(image), label


def topk_correct(logits: torch.Tensor, targets: torch.Tensor, ks: tuple[int, ...] = (1, 5)) -> list[int]:
    """Number of rows of ``logits`` (B, C) whose target is among the k largest, for each k (k capped at C)."""
    top = logits.topk(min(max(ks), logits.shape[1]), dim=1).indices
    hits = top == targets[:, None]
    return [int(hits[:, :k].any(dim=1).sum()) for k in ks]


def build_optimizer(network: nn.Module, config: SupervisedConfig) -> torch.optim.SGD:
    """SGD with momentum and weight decay over the trainable (back-end) parameters only."""
    parameters = [parameter for parameter in network.parameters() if parameter.requires_grad]
    return torch.optim.SGD(parameters, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)


def global_ratios(sums: torch.Tensor, runtime: engine.Runtime) -> list[float]:
    """``sums[:-1] / sums[-1]`` after adding each entry over all processes (the last entry is the sample count)."""
    totals = engine.all_reduce_mean(sums.double(), runtime)
    return (totals[:-1] / totals[-1]).tolist()


def train_one_epoch(
    model: nn.Module,
    loader: DataLoader,
    optimizer: torch.optim.Optimizer,
    runtime: engine.Runtime,
    progress: bool = False,
) -> dict[str, float]:
    """One pass over ``loader``; returns the mean cross-entropy and top-1 accuracy over all processes."""
    model.train()
    sums = torch.zeros(3, device=runtime.device)  # loss * n, correct, n
    batches = loader
    if progress:
        from tqdm import tqdm

        batches = tqdm(loader, desc="train", leave=False, dynamic_ncols=True)
    for step, (images, targets) in enumerate(batches):
        images = images.to(runtime.device, non_blocking=True)
        targets = targets.to(runtime.device, non_blocking=True)
        with runtime.autocast():
            logits = model(images)
        loss = nn.functional.cross_entropy(logits.float(), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        sums += torch.stack(
            [
                loss.detach() * len(targets),
                (logits.argmax(dim=1) == targets).sum(),
                torch.tensor(len(targets), device=runtime.device),
            ]
        )
        if progress and step % 20 == 0:
            batches.set_postfix(loss=f"{loss.item():.3f}")
    loss, top1 = global_ratios(sums, runtime)
    if not np.isfinite(loss):
        raise engine.TrainingDivergedError(
            f"the training loss became {loss}; lower --batch-size (and so the learning rate)"
        )
    return {"train_loss": loss, "train_top1": top1}


def evaluate(network: nn.Module, loader: DataLoader, runtime: engine.Runtime) -> dict[str, float]:
    """Cross-entropy, top-1 and top-5 accuracy of ``network`` on ``loader``, over all processes."""
    sums = torch.zeros(4, dtype=torch.float64, device=runtime.device)  # loss * n, top-1 hits, top-5 hits, n
    with engine.evaluating(network):
        for images, targets in loader:
            images, targets = images.to(runtime.device), targets.to(runtime.device)
            with runtime.autocast():
                logits = network(images)
            logits = logits.float()
            loss = nn.functional.cross_entropy(logits, targets, reduction="sum").item()
            sums += torch.tensor([loss, *topk_correct(logits, targets, (1, 5)), len(targets)], device=runtime.device)
    loss, top1, top5 = global_ratios(sums, runtime)
    return {"val_loss": loss, "val_top1": top1, "val_top5": top5}


def describe_data(root: str | os.PathLike, samples: list[tuple[Path, int]]) -> str:
    """One line: how many images of how many classes, from which folder."""
    return f"{len(samples)} images of {len({label for _, label in samples})} classes in {Path(root).resolve()}"


def train(
    front_end: str | os.PathLike,
    data: str | os.PathLike,
    out: str | os.PathLike,
    *,
    val: str | os.PathLike | None = None,
    config: SupervisedConfig = SupervisedConfig(),
    device: str | None = None,
    resume: bool = False,
    progress: bool = True,
    model_id: str | None = None,
) -> Path:
    """Train the classifier stage on the frozen encoder checkpoint ``front_end``; returns ``<out>/<model_id>.pt``.
    ``model_id``: one of ``CLASSIFIER_STAGE_IDS``' values, by default the one of the encoder (``front_end_model``).

    ``device``: "cpu", "cuda" or None (a GPU when there is one). With ``resume``, continue from ``<out>/checkpoint.pt``
    when it exists (its config wins, except ``epochs`` and ``workers``); without it, an existing checkpoint in ``out``
    is an error rather than being overwritten.
    """
    out = Path(out)
    state = None
    if (out / CHECKPOINT_NAME).is_file():
        if not resume:
            raise CheckpointError(
                f"{out / CHECKPOINT_NAME} exists; pass --resume to continue that run or choose another --out"
            )
        state = load_network_checkpoint(out / CHECKPOINT_NAME)
        if "training_state" not in state:
            raise CheckpointError(f"{out / CHECKPOINT_NAME} holds no training state; it cannot be resumed")
        config = dataclasses.replace(SupervisedConfig(**state["config"]), epochs=config.epochs, workers=config.workers)
    runtime = engine.setup_runtime(device, config.amp)
    try:
        return _train(front_end, data, out, val, config, runtime, state, progress, model_id)
    finally:
        engine.teardown_runtime(runtime)


def _train(
    front_end: str | os.PathLike,
    data: str | os.PathLike,
    out: Path,
    val: str | os.PathLike | None,
    config: SupervisedConfig,
    runtime: engine.Runtime,
    state: dict[str, Any] | None,
    progress: bool,
    model_id: str | None,
) -> Path:
    if config.batch_size % runtime.world_size:
        raise DataError(f"--batch-size {config.batch_size} is not divisible by the {runtime.world_size} processes")
    encoder_payload = load_encoder_checkpoint(front_end)
    model_id = check_model_id(model_id, encoder_payload, front_end)
    if state is not None and state.get("model_id", MODEL_ID) != model_id:
        raise CheckpointError(
            f"{out / CHECKPOINT_NAME} trains {state.get('model_id', MODEL_ID)}, not {model_id}; choose another --out"
        )
    normalization = input_normalization(encoder_payload)
    if state is None:
        engine.seed_everything(config.seed)
        network = ClassifierStageNet(frozen_front_end(encoder_payload, front_end), config.num_classes, config.dropout)
    elif state["front_end_sha256"] != encoder_payload["sha256"]:
        raise CheckpointError(
            f"{out / CHECKPOINT_NAME} was trained on front end {state['front_end_sha256'][:16]}, "
            f"not on {front_end} ({encoder_payload['sha256'][:16]}); pass the same --front-end"
        )
    else:
        network = build_network(state, out / CHECKPOINT_NAME)
    if network.front_end_sha256() != encoder_payload["sha256"]:
        raise CheckpointError(
            f"front end {front_end}: its weights' sha256 differs from the one it records; "
            "the encoder checkpoint is inconsistent"
        )
    network.to(runtime.device)
    optimizer = build_optimizer(network, config)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, config.lr_step_epochs, config.lr_gamma)
    first_epoch = 0
    if state is not None:
        optimizer.load_state_dict(state["training_state"]["optimizer"])
        scheduler.load_state_dict(state["training_state"]["scheduler"])
        first_epoch = state["epoch"]
    model = network
    if runtime.distributed:
        if config.sync_batchnorm:
            network = convert_batchnorm(network)
        model = nn.parallel.DistributedDataParallel(
            network, device_ids=[runtime.local_rank] if runtime.device.type == "cuda" else None
        )

    samples = find_samples(data, config.num_classes)
    data_description = describe_data(data, samples)
    val_samples = find_samples(val, config.num_classes) if val is not None else []
    if len(samples) < config.batch_size:
        raise DataError(
            f"{len(samples)} training images are fewer than one batch of {config.batch_size}; "
            "lower --batch-size or add images"
        )
    log = None
    if runtime.is_main:
        out.mkdir(parents=True, exist_ok=True)
        run_record = {
            "config": dataclasses.asdict(config),
            "lr": config.lr,
            "start_epoch": first_epoch,
            "model_id": model_id,
            "front_end": str(Path(front_end).resolve()),
            "front_end_model": front_end_model(encoder_payload),
            "front_end_sha256": encoder_payload["sha256"],
            "normalization": normalization,
            "data": data_description,
            "val": describe_data(val, val_samples) if val is not None else None,
            "world_size": runtime.world_size,
            "device": str(runtime.device),
            "amp_bf16": runtime.amp,
            "versions": engine.environment_versions(),
            "command": sys.argv,
        }
        (out / RUN_NAME).write_text(json.dumps(run_record, indent=2))
        log = engine.CSVLog(out / LOG_NAME, list(LOG_FIELDS))

    pin_memory = runtime.device.type == "cuda"
    epochs_done, row = first_epoch, {}
    try:
        for epoch in range(first_epoch, config.epochs):
            started = time.time()
            engine.seed_everything(derived_seed(config.seed, epoch, GLOBAL_STREAM, runtime.rank))
            batches = epoch_batches(
                np.arange(len(samples)), config.batch_size, config.seed, epoch, runtime.rank, runtime.world_size
            )
            loader = DataLoader(
                LabelledImages(samples, train_transform(config, **normalization), config.seed, epoch),
                batch_sampler=[batch.tolist() for batch in batches],
                num_workers=loader_workers(config.workers),
                pin_memory=pin_memory,
            )
            row = {"epoch": epoch + 1, "lr": optimizer.param_groups[0]["lr"]}
            row.update(train_one_epoch(model, loader, optimizer, runtime, progress and runtime.is_main))
            row["images_per_second"] = round(len(batches) * config.batch_size / (time.time() - started), 1)
            scheduler.step()
            if val_samples:
                val_loader = DataLoader(
                    LabelledImages(
                        val_samples[runtime.rank :: runtime.world_size], eval_transform(config, **normalization)
                    ),
                    batch_size=config.batch_size // runtime.world_size,
                    num_workers=loader_workers(config.workers),
                    pin_memory=pin_memory,
                )
                row.update(evaluate(network, val_loader, runtime))
            row["seconds"] = round(time.time() - started, 1)
            epochs_done = epoch + 1
            if runtime.is_main:
                log.write(**row)
                save_network_checkpoint(
                    out / CHECKPOINT_NAME,
                    network,
                    config=dataclasses.asdict(config),
                    data=data_description,
                    epoch=epochs_done,
                    meta=epoch_meta(config, row),
                    model_id=model_id,
                    normalization=normalization,
                    training_state={
                        "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict(),
                        "seeds": SEEDING_RULE,
                    },
                )
                print(
                    " ".join(
                        f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
                        for key, value in row.items()
                    ),
                    flush=True,
                )
    finally:
        if log is not None:
            log.close()
    if network.front_end_sha256() != encoder_payload["sha256"]:
        raise RuntimeError("the front end's weights changed during training; this is a bug, please report it")
    if runtime.is_main:
        save_network_checkpoint(
            out / f"{model_id}.pt",
            network,
            config=dataclasses.asdict(config),
            data=data_description,
            epoch=epochs_done,
            meta=epoch_meta(config, row),
            model_id=model_id,
            normalization=normalization,
        )
    runtime.barrier()
    return out / f"{model_id}.pt"


def check_model_id(model_id: str | None, encoder_payload: dict[str, Any], path: str | os.PathLike) -> str:
    """The id of the network to train on the encoder ``encoder_payload`` (read from ``path``): by default that of the
    encoder (``front_end_model``); ``model_id`` when its front end has the encoder's architecture (``lcl-v2net`` and
    ``blockbarlow-net`` share one), else ``UsageError``."""
    encoder = front_end_model(encoder_payload)
    if model_id is None:
        return CLASSIFIER_STAGE_IDS[encoder]
    same_architecture = {
        network
        for front, network in CLASSIFIER_STAGE_IDS.items()
        if (front == "barlow-e2e-alexnet") == (encoder == "barlow-e2e-alexnet")
    }
    if model_id not in same_architecture:
        raise UsageError(
            f"--model {model_id} cannot be trained on {path}, an encoder of {encoder}; use --model "
            f"{' or '.join(sorted(same_architecture))}, or leave --model out"
        )
    return model_id


def epoch_meta(config: SupervisedConfig, row: dict[str, Any]) -> dict[str, Any]:
    """What a checkpoint records beside the weights: the last epoch's metrics, seed, learning rate, versions."""
    return {"metrics": row, "seed": config.seed, "lr": config.lr, "versions": engine.environment_versions()}


def check_train_net_options(args: argparse.Namespace) -> None:
    """``UsageError`` (or ``CheckpointError``/``DataError`` for a missing file or folder) for the first option of
    ``brainscore train-net`` that cannot be used, before any work."""
    for option, value, low in (
        ("--epochs", args.epochs, 1),
        ("--batch-size", args.batch_size, 1),
        ("--workers", args.workers, 0),
        ("--seed", args.seed, 0),
    ):
        if value is not None and value < low:
            raise UsageError(f"{option} {value} must be >= {low}")
    existing_file(args.front_end, "--front-end", "train one with `brainscore train`", CheckpointError)
    if args.model is not None:
        check_model_id(args.model, load_encoder_checkpoint(args.front_end), args.front_end)
    for option, folder in (("--data", args.data), ("--val", args.val)):
        if folder is not None:
            existing_folder(folder, option, "pass an ImageNet-style folder (<wnid>/*.JPEG)", DataError)
    output_folder(args.out, "--out")
