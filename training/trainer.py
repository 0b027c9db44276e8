"""Layerwise complexity-matched learning (Fig. 3), for any number of stages.

For stage l with views (x_A, x_B): z = GAP(g_l(f_l(sg(f_{l-1} ... f_1(x))))), the stages below l run without
gradients, and the loss is sum_l L(z_lA, z_lB): no gradient of stage l's loss reaches stages < l.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from brainscore_lcl.checkpoint import save_encoder_checkpoint
from brainscore_lcl.errors import UsageError
from brainscore_lcl.training import engine
from brainscore_lcl.training.augment import make_views_batched
from brainscore_lcl.training.config import TrainConfig, check_resume, config_from_dict
from brainscore_lcl.training.data import (
    ReferenceViewDataset,
    build_store,
    epoch_batches,
    gather_batch,
    list_images,
    reference_loader,
    split_indices,
    view_seed,
)
from brainscore_lcl.training.distributed import convert_batchnorm
from brainscore_lcl.training.e2e import EndToEndModel
from brainscore_lcl.training.layerwise import LayerwiseModel, ViewPairs

VALIDATION_SALT = 1_000_003
STATE_FILE, ENCODER_FILE, LAST_ENCODER_FILE, LOG_FILE = "state.pt", "encoder.pt", "last_encoder.pt", "log.csv"


class ViewSource:
    """Batches of view pairs for one process: from the uint8 store rendered on the device ("device" pipeline), or
    from the PIL DataLoader ("reference" pipeline). A sample's views are a function of the seed, the epoch and its
    global index (device pipeline: its batch and its row in the global batch; reference pipeline: its image), not of
    the process count or rank: the same global batch gets the same views on 1 or N processes, and resumed runs too."""

    def __init__(
        self,
        config: TrainConfig,
        files: list[Path],
        runtime: engine.Runtime,
        cache_dir: Path,
        show_progress: bool = True,
    ):
        self.config, self.files, self.runtime, self.show_progress = config, files, runtime, show_progress
        self.views = [stage.view for stage in config.stages]
        self.store: np.ndarray | torch.Tensor | None = None
        if config.training.pipeline == "device":
            if runtime.is_main:
                self.store = self._build_store(cache_dir)
            runtime.barrier()
            if self.store is None:
                self.store = self._build_store(cache_dir)
            if config.training.preload_to_device:
                self.store = torch.from_numpy(np.array(self.store)).to(runtime.device)

    def _build_store(self, cache_dir: Path) -> np.ndarray:
        bar = tqdm(
            total=len(self.files),
            desc="preprocessing crops",
            leave=False,
            disable=not (self.show_progress and self.runtime.is_main),
        )
        progress = lambda done: bar.update(done - bar.n)  # noqa: E731
        store = build_store(
            self.files,
            cache_dir,
            self.config.input.resize_short_side,
            self.config.store_size,
            self.config.training.num_workers,
            progress,
        )
        bar.close()
        return store

    def _device_views(self, indices: np.ndarray, seed: int, first_row: int, batch_size: int) -> ViewPairs:
        """Views of ``indices``, rows ``first_row`` on of a global batch of ``batch_size`` drawn with ``seed``."""
        device = self.runtime.device
        stored = gather_batch(self.store, indices, device)
        generator = torch.Generator().manual_seed(seed)
        noise_generator = torch.Generator(device=device).manual_seed(seed)
        views = make_views_batched(
            stored,
            self.views,
            self.config.input.mean,
            self.config.input.std,
            generator,
            noise_generator,
            first_row,
            batch_size,
        )
        return self.to_model_layout(views)

    def to_model_layout(self, views: ViewPairs) -> ViewPairs:
        """Views on the device, in the model's memory layout and in torch's default dtype (float32 unless set, e.g.
        float64 by tools/check_distributed.py, which builds the model in that dtype too)."""
        device, dtype = self.runtime.device, torch.get_default_dtype()
        layout = torch.channels_last if self.config.training.channels_last else torch.contiguous_format
        return [
            tuple(view.to(device, dtype, non_blocking=True).contiguous(memory_format=layout) for view in pair)
            for pair in views
        ]

    def epoch(self, indices: np.ndarray, epoch: int, start_batch: int, salt: int = 0, shard: bool = True):
        """Yield (batch_index, views) for ``epoch``'s batches from ``start_batch`` on; with ``shard`` each process
        gets its share of every batch, without it every process gets whole batches."""
        training = self.config.training
        rank, world_size = (self.runtime.rank, self.runtime.world_size) if shard else (0, 1)
        batches = epoch_batches(indices, training.batch_size, self.config.seed + salt, epoch, rank, world_size)
        if training.pipeline == "device":
            for batch_index in range(start_batch, len(batches)):
                seed = view_seed(self.config.seed, salt, epoch, batch_index)
                shard = batches[batch_index]
                yield batch_index, self._device_views(shard, seed, rank * len(shard), world_size * len(shard))
            return
        dataset = ReferenceViewDataset(self.files, self.config, epoch, salt)
        loader = reference_loader(
            dataset, batches[start_batch:], training.num_workers, pin_memory=self.runtime.device.type == "cuda"
        )
        for batch_index, views in enumerate(loader, start=start_batch):
            yield batch_index, self.to_model_layout([tuple(pair) for pair in views])

    def n_batches(self, indices: np.ndarray) -> int:
        return len(
            epoch_batches(
                indices,
                self.config.training.batch_size,
                self.config.seed,
                0,
                self.runtime.rank,
                self.runtime.world_size,
            )
        )


def validation_loss(
    model: nn.Module, source: ViewSource, val_indices: np.ndarray, runtime: engine.Runtime
) -> torch.Tensor:
    """Per-stage loss (n_stages,) on held-out images with fixed views (same every call), mean over batches.

    Every process evaluates all held-out images (no sharding), so that all take the same early-stopping decision.
    """
    total, count = None, 0
    with engine.evaluating(engine.unwrap(model)), runtime.autocast():
        for _, views in source.epoch(val_indices, 0, 0, salt=VALIDATION_SALT, shard=False):
            losses = engine.unwrap(model)(views).float()
            total = losses if total is None else total + losses
            count += 1
    return (total / count).cpu()


def train_step(
    model: nn.Module, optimizer: torch.optim.Optimizer, views: ViewPairs, runtime: engine.Runtime
) -> torch.Tensor:
    """One optimisation step on the summed per-stage loss; returns the detached per-stage losses."""
    with runtime.autocast():
        losses = model(views)
    optimizer.zero_grad(set_to_none=True)
    losses.sum().backward()
    optimizer.step()
    return losses.detach()


def build_model(config: TrainConfig, runtime: engine.Runtime) -> tuple[nn.Module, nn.Module, torch.optim.Optimizer]:
    """(plain model, the model to call (DDP / compiled), Adam optimiser) on ``runtime.device``; under DDP with
    ``training.sync_batchnorm`` its BatchNorm layers normalise over the global batch (``GlobalBatchNorm``)."""
    if config.architecture.kind == "alexnet-bn":
        model = EndToEndModel(config).to(runtime.device)
    else:
        model = LayerwiseModel(config).to(runtime.device)
    if runtime.distributed and config.training.sync_batchnorm:
        model = convert_batchnorm(model)
    if config.training.channels_last:
        model = model.to(memory_format=torch.channels_last)
        for projector in model.projectors:  # (out, in, 1, 1) weights used as matrices: keep their gradients' strides
            projector.net[3].weight.data = projector.net[3].weight.data.clone(memory_format=torch.contiguous_format)
    optimizer = torch.optim.Adam(
        model.parameters(),
        lr=config.optimizer.lr,
        betas=config.optimizer.betas,
        weight_decay=config.optimizer.weight_decay,
        fused=runtime.device.type == "cuda",
    )
    wrapped: nn.Module = model
    if runtime.distributed:
        wrapped = nn.parallel.DistributedDataParallel(
            model, device_ids=[runtime.device.index] if runtime.device.type == "cuda" else None
        )
    if config.training.compile:
        wrapped = torch.compile(wrapped)
    return model, wrapped, optimizer


@dataclass
class Progress:
    """Counters saved in the training state."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    finished: bool = False
    stop_reason: str = ""
    val_history: list[dict[str, Any]] = field(default_factory=list)


def _save_encoder(
    path: Path,
    model: LayerwiseModel,
    config: TrainConfig,
    data_description: str,
    progress: Progress,
    extra: dict[str, Any],
) -> str:
    meta = {
        "step": progress.step,
        "epoch": progress.epoch,
        "val_history": progress.val_history,
        "stop_reason": progress.stop_reason,
        "seed": config.seed,
        "versions": dict(engine.environment_versions()),
        "normalization": {"mean": list(config.input.mean), "std": list(config.input.std), "pixel_range": [0.0, 1.0]},
        **extra,
    }
    return save_encoder_checkpoint(
        path,
        model.encoder.state_dict(),
        architecture={"kind": "alexnet-bn"}
        if config.architecture.kind == "alexnet-bn"
        else {"n_stages": config.architecture.n_stages, "blur_size": config.architecture.blur_size},
        config=config.to_dict(),
        data=data_description,
        meta=meta,
    )


def train(
    config: TrainConfig,
    data_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    resume: bool = False,
    device: str | None = None,
    max_steps: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    show_progress: bool = True,
    allow_changes: Sequence[str] = (),
) -> dict[str, Any]:
    """Train the layerwise model of ``config`` on the images under ``data_dir``; write into ``out_dir``:
    ``state.pt`` (resumable, every ``checkpoint_every_steps``), ``log.csv``, ``encoder.pt`` (best validation loss,
    an encoder checkpoint for ``brainscore score --checkpoint``), ``last_encoder.pt`` and ``summary.json``.

    ``max_steps`` (or ``training.max_steps``) pauses the run after that many steps in total; ``resume`` continues
    a run from ``state.pt``, whose recorded config ``config`` must equal but for the fields in ``allow_changes``
    (``config.allowed_changes``). Returns the summary. A run that fails or is interrupted before it wrote its first
    ``state.pt`` (an unreadable image, Ctrl-C while preprocessing) removes the run folder it created.
    """
    out_dir = Path(out_dir)
    state_path = out_dir / STATE_FILE
    if state_path.is_file() and not resume:
        raise UsageError(
            f"--out {out_dir} already holds a training run ({state_path}); pass --resume to continue it "
            "or choose another --out"
        )
    if resume and not state_path.is_file():
        raise UsageError(f"--resume was given but {state_path} does not exist; drop --resume to start a new run")
    state = engine.load_training_state(state_path) if resume else None
    if state is not None:
        check_resume(config_from_dict(state["config"]), config, allow_changes)
    runtime = engine.setup_runtime(device, config.training.amp)
    created = not out_dir.exists()
    try:
        return _train(
            config,
            Path(data_dir),
            out_dir,
            runtime,
            state,
            max_steps or config.training.max_steps,
            Path(cache_dir) if cache_dir else out_dir / "cache",
            show_progress,
        )
    except BaseException:
        if created and runtime.is_main and not state_path.exists():  # failed before its first resumable state
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    finally:
        engine.teardown_runtime(runtime)


def _train(
    config: TrainConfig,
    data_dir: Path,
    out_dir: Path,
    runtime: engine.Runtime,
    state: dict[str, Any] | None,
    max_steps: int | None,
    cache_dir: Path,
    show_progress: bool,
) -> dict[str, Any]:
    engine.seed_everything(config.seed)
    files = list_images(data_dir)
    training = config.training
    train_indices, val_indices = split_indices(len(files), training.val_fraction, training.val_max_images, config.seed)
    data_description = (
        f"{data_dir} ({len(files)} images: {len(train_indices)} train, {len(val_indices)} held out for validation)"
    )
    source = ViewSource(config, files, runtime, cache_dir, show_progress)
    model, wrapped, optimizer = build_model(config, runtime)
    stopper = engine.EarlyStopping(training.patience_epochs, training.min_delta, training.val_window)
    progress = Progress()
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        stopper.load_state_dict(state["early_stopping"])
        progress = Progress(**state["progress"])
        engine.restore_rng_state(state["rng"])
    if runtime.is_main:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "config.json").write_text(json.dumps(config.to_dict(), indent=1))
    stage_names = [f"loss_layer{index + 1}" for index in range(config.architecture.n_stages)]
    log = (
        engine.CSVLog(
            out_dir / LOG_FILE,
            ["step", "epoch", "split", "loss", "smoothed", *stage_names, "samples_per_s", "elapsed_s"],
        )
        if runtime.is_main
        else None
    )
    batches_per_epoch = source.n_batches(train_indices)
    samples_per_step = min(training.batch_size, len(train_indices)) // runtime.world_size * runtime.world_size

    def save_state() -> None:
        if runtime.is_main:
            engine.save_training_state(
                out_dir / STATE_FILE,
                {
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "early_stopping": stopper.state_dict(),
                    "progress": progress.__dict__,
                    "rng": engine.capture_rng_state(),
                    "config": config.to_dict(),
                },
            )

    def validate() -> bool:
        losses = validation_loss(wrapped, source, val_indices, runtime)
        total = float(losses.sum())
        improved = stopper.update(total, progress.epoch + progress.batch_in_epoch / batches_per_epoch)
        progress.val_history.append(
            {"step": progress.step, "loss": total, "smoothed": stopper.smoothed, "per_stage": losses.tolist()}
        )
        if runtime.is_main:
            log.write(
                step=progress.step,
                epoch=progress.epoch,
                split="val",
                loss=total,
                smoothed=stopper.smoothed,
                **dict(zip(stage_names, losses.tolist())),
            )
            if improved:
                _save_encoder(
                    out_dir / ENCODER_FILE,
                    model,
                    config,
                    data_description,
                    progress,
                    {"val_loss": total, "val_loss_smoothed": stopper.smoothed, "processes": runtime.world_size},
                )
        return improved

    start = time.perf_counter()
    bar = tqdm(
        total=max_steps or training.max_epochs * batches_per_epoch,
        initial=progress.step,
        disable=not (show_progress and runtime.is_main),
        desc=config.name,
        dynamic_ncols=True,
    )
    last_validated = progress.val_history[-1]["step"] if progress.val_history else -1
    while not progress.finished and progress.epoch < training.max_epochs:
        if max_steps is not None and progress.step >= max_steps:
            break
        tick = time.perf_counter()
        for batch_index, views in source.epoch(train_indices, progress.epoch, progress.batch_in_epoch):
            losses = train_step(wrapped, optimizer, views, runtime)
            progress.step += 1
            progress.batch_in_epoch = batch_index + 1
            losses = engine.all_reduce_mean(losses.double(), runtime).cpu()
            now = time.perf_counter()
            rate = samples_per_step / max(now - tick, 1e-9)
            tick = now
            if not math.isfinite(float(losses.sum())):
                raise engine.TrainingDivergedError(
                    f"loss became {losses.tolist()} at step {progress.step}; lower optimizer.lr or check the data"
                )
            if runtime.is_main:
                log.write(
                    step=progress.step,
                    epoch=progress.epoch,
                    split="train",
                    loss=float(losses.sum()),
                    samples_per_s=round(rate, 1),
                    elapsed_s=round(now - start, 2),
                    **dict(zip(stage_names, losses.tolist())),
                )
                bar.update(1)
                bar.set_postfix(loss=f"{float(losses.sum()):.4g}", best_val=f"{stopper.best:.4g}")
            if progress.step % training.val_every_steps == 0:
                validate()
                last_validated = progress.step
                if stopper.should_stop:
                    progress.finished, progress.stop_reason = (
                        True,
                        (
                            f"validation loss (mean of the last {training.val_window} validations) did not improve by "
                            f"more than {training.min_delta:.3g} (relative) for {training.patience_epochs:g} epochs"
                        ),
                    )
            if progress.step % training.checkpoint_every_steps == 0 or progress.finished:
                save_state()
            if progress.finished or (max_steps is not None and progress.step >= max_steps):
                break
        else:
            progress.epoch += 1
            progress.batch_in_epoch = 0
    bar.close()
    if not progress.finished and progress.epoch >= training.max_epochs:
        progress.finished, progress.stop_reason = True, f"reached training.max_epochs = {training.max_epochs}"
    if progress.finished and last_validated != progress.step:
        validate()
    save_state()
    summary = {
        "name": config.name,
        "step": progress.step,
        "epoch": progress.epoch,
        "finished": progress.finished,
        "stop_reason": progress.stop_reason or f"paused at max_steps = {max_steps}",
        "best_val_loss_smoothed": stopper.best,
        "val_history": progress.val_history,
        "out_dir": str(out_dir),
        "encoder": str(out_dir / ENCODER_FILE),
        "world_size": runtime.world_size,
        "device": str(runtime.device),
    }
    if runtime.is_main:
        _save_encoder(
            out_dir / LAST_ENCODER_FILE,
            model,
            config,
            data_description,
            progress,
            {
                "val_loss": progress.val_history[-1]["loss"] if progress.val_history else None,
                "processes": runtime.world_size,
            },
        )
        if not (out_dir / ENCODER_FILE).is_file():
            shutil.copyfile(out_dir / LAST_ENCODER_FILE, out_dir / ENCODER_FILE)
        (out_dir / "summary.json").write_text(json.dumps(summary, indent=1))
        log.close()
    return summary
