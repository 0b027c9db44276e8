"""Training machinery shared by the LCL trainer and supervised trainers: device and ``torchrun`` DDP set-up,
bf16 autocast, seeding and RNG state capture, atomic resumable training states, early stopping, CSV logs, versions.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import os
import platform
import random
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from brainscore_lcl.checkpoint import CheckpointError, atomic_torch_save
from brainscore_lcl.errors import RunError

TRAINING_STATE_FORMAT = "brainscore-lcl/training-state/1"


class TrainingDivergedError(RunError, FloatingPointError):
    """The training loss became NaN or infinite; the message names the step and what to lower."""


@dataclass(frozen=True)
class Runtime:
    """Where this process runs: its device, and its rank among ``world_size`` processes (1 without torchrun)."""

    device: torch.device
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    amp: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def autocast(self) -> contextlib.AbstractContextManager:
        """bf16 autocast on CUDA when ``amp``; a no-op otherwise."""
        if self.amp and self.device.type == "cuda":
            return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()


def setup_runtime(device: str | None = None, amp: bool = True) -> Runtime:
    """Pick the device (``cuda`` when available unless told) and, under ``torchrun`` (``WORLD_SIZE`` > 1), initialise
    the process group from its environment variables (NCCL on CUDA, Gloo on CPU)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    name = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError("--device cuda was asked for but torch sees no CUDA GPU; use --device cpu")
    if name == "cuda":
        name = f"cuda:{local_rank}"
    chosen = torch.device(name)
    if chosen.type == "cuda":
        torch.cuda.set_device(chosen)
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if chosen.type == "cuda" else "gloo")
    return Runtime(chosen, rank, world_size, local_rank, amp and chosen.type == "cuda")


def teardown_runtime(runtime: Runtime) -> None:
    if runtime.distributed and dist.is_initialized():
        dist.destroy_process_group()


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's (CPU and CUDA) global generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def capture_rng_state() -> dict[str, Any]:
    """Global RNG states as plain data and tensors (loadable with ``weights_only=True``)."""
    kind, keys, position, has_gauss, cached = np.random.get_state()
    state = {
        "python": random.getstate(),
        "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), position, has_gauss, cached],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, position, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), position, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_training_state(path: str | os.PathLike, state: dict[str, Any]) -> None:
    """Write a resumable training state (models, optimiser, counters, RNG, early stopping) atomically."""
    atomic_torch_save({"format": TRAINING_STATE_FORMAT, **state}, path)


def load_training_state(path: str | os.PathLike) -> dict[str, Any]:
    """Read a state written by ``save_training_state``; errors name the file and what to do."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for truncated or foreign files
        reason = str(error).strip().splitlines()[0][:160] if str(error).strip() else ""
        raise CheckpointError(
            f"training state {path} cannot be read ({type(error).__name__}: {reason}); "
            "delete it to start over, or pass another --out"
        ) from None
    if not isinstance(state, dict) or state.get("format") != TRAINING_STATE_FORMAT:
        raise CheckpointError(f"{path} is not a brainscore-lcl training state; pass another --out")
    return state


@dataclass
class EarlyStopping:
    """Early stopping on a smoothed validation loss, with patience counted in epochs.

    A single validation value moves by about 1% between checks of a small held-out set even while the trend still
    falls (optimiser noise), so the rule compares the trailing mean of the last ``window`` validation values: it
    improves when that mean drops by more than ``min_delta`` (a fraction of the best mean so far), and training
    stops once it has not improved for ``patience_epochs`` epochs. ``window=1`` compares raw values.
    """

    patience_epochs: float
    min_delta: float
    window: int = 1
    best: float = float("inf")
    best_epoch: float = 0.0
    last_epoch: float = 0.0
    recent: list[float] = field(default_factory=list)

    def update(self, value: float, epoch: float) -> bool:
        """Record the validation ``value`` at (fractional) ``epoch``; True when the smoothed loss is a new best."""
        self.recent = [*self.recent, float(value)][-self.window :]
        self.last_epoch = float(epoch)
        smoothed = self.smoothed
        improved = self.best == float("inf") or smoothed < self.best - self.min_delta * abs(self.best)
        if improved:
            self.best, self.best_epoch = smoothed, float(epoch)
        return improved

    @property
    def smoothed(self) -> float:
        """Mean of the last ``window`` validation values (inf before the first)."""
        return sum(self.recent) / len(self.recent) if self.recent else float("inf")

    @property
    def should_stop(self) -> bool:
        return self.last_epoch - self.best_epoch >= self.patience_epochs

    def state_dict(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "last_epoch": self.last_epoch,
            "recent": list(self.recent),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_epoch = float(state["best"]), float(state["best_epoch"])
        self.last_epoch, self.recent = float(state["last_epoch"]), [float(value) for value in state["recent"]]


class CSVLog:
    """Append rows of named values to a CSV file (header written once), flushed after each row."""

    def __init__(self, path: str | os.PathLike, fields: list[str]):
        self.path, self.fields = Path(path), fields
        new = not self.path.is_file() or self.path.stat().st_size == 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", newline="")
        self._writer = csv.DictWriter(self._file, fieldnames=fields, extrasaction="ignore")
        if new:
            self._writer.writeheader()

    def write(self, **row: Any) -> None:
        self._writer.writerow(row)
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def _git_commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


@functools.lru_cache(maxsize=1)
def environment_versions() -> dict[str, Any]:
    """Versions of Python, torch, torchvision, numpy, this package and the git commit, for checkpoints."""
    from importlib.metadata import PackageNotFoundError, version

    import torchvision

    try:
        package = version("brainscore-lcl")
    except PackageNotFoundError:
        package = None
    return {
        "python": platform.python_version(),
        "torch": str(torch.__version__),
        "torchvision": str(torchvision.__version__),
        "numpy": str(np.__version__),
        "brainscore_lcl": package,
        "git_commit": _git_commit(),
        "cuda": torch.version.cuda,
        "platform": platform.platform(),
    }


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The plain module inside DDP and/or ``torch.compile`` wrappers."""
    model = getattr(model, "_orig_mod", model)
    return model.module if isinstance(model, torch.nn.parallel.DistributedDataParallel) else model


def all_reduce_mean(values: torch.Tensor, runtime: Runtime) -> torch.Tensor:
    """Mean of ``values`` over processes (identity without DDP)."""
    if runtime.distributed:
        values = values.clone()
        dist.all_reduce(values)
        values /= runtime.world_size
    return values


@contextlib.contextmanager
def evaluating(model: torch.nn.Module) -> Iterator[None]:
    """Eval mode and no gradients inside; the previous mode restored after."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)
