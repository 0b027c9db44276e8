"""Image folders, train/validation split, batch order, the memory-mapped uint8 centre-crop store and the PIL dataset.

Every image is resized so that its short side is ``short_side`` pixels (bilinear, antialiased) and centre-cropped to
``crop`` pixels: the store holds these (n, crop, crop, 3) uint8 crops, everything the LCL views need.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset

from brainscore_lcl.cache import atomic_path, atomic_write_json, locked
from brainscore_lcl.errors import RunError
from brainscore_lcl.training.augment import make_views_pil, pil_center_crop
from brainscore_lcl.training.config import TrainConfig

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".ppm"}


class DataError(RunError):
    """Training data that cannot be used; the message says which folder or file and what to do."""


def list_images(root: str | os.PathLike) -> list[Path]:
    """All image files under ``root`` (recursive, so ImageNet-style class folders work), sorted."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"data folder {root} does not exist; pass --data DIR with images (any depth of sub-folders)")
    files = sorted(path for path in root.rglob("*") if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file())
    if not files:
        raise DataError(
            f"data folder {root} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))}); "
            "point --data at a folder of images, e.g. ImageNet's train/"
        )
    return files


def load_center_crop(path: str | os.PathLike, short_side: int, crop: int) -> Image.Image:
    """RGB image resized to short side ``short_side`` (bilinear, antialiased), then centre-cropped to ``crop``."""
    try:
        with Image.open(path) as image:
            image = image.convert("RGB")
    except OSError as error:
        raise DataError(f"image {path} cannot be read ({error}); remove it from the data folder") from None
    scale = short_side / min(image.size)
    size = (max(short_side, round(image.width * scale)), max(short_side, round(image.height * scale)))
    return pil_center_crop(image.resize(size, Image.Resampling.BILINEAR), crop)


def split_indices(n: int, val_fraction: float, val_max: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint sorted (train, validation) index arrays; validation is ``val_fraction`` of ``n`` (at most ``val_max``,
    at least 2), drawn with ``seed``."""
    n_val = min(max(2, round(n * val_fraction)), val_max)
    if n - n_val < 2:
        raise DataError(
            f"{n} images are too few to hold out {n_val} for validation and train on the rest; "
            "add images (at least 4) or lower training.val_fraction"
        )
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def epoch_batches(
    indices: np.ndarray, batch_size: int, seed: int, epoch: int, rank: int = 0, world_size: int = 1
) -> list[np.ndarray]:
    """Shuffled full batches of ``indices`` for ``epoch`` (same on every rank), each split into ``world_size`` equal
    shards of which this ``rank`` gets one: the global batches do not depend on ``world_size``. A short last batch is
    dropped (the losses compare within a batch); with fewer images than ``batch_size``, one batch of as many as
    split evenly."""
    if batch_size % world_size:
        raise DataError(
            f"a batch of {batch_size} images cannot be split evenly over {world_size} processes; "
            f"set the batch size to a multiple of {world_size}"
        )
    order = np.random.default_rng([seed, epoch]).permutation(indices)
    batch_size = min(batch_size, len(order) // world_size * world_size)
    per_rank = batch_size // world_size
    if per_rank < 2:
        raise DataError(
            f"batch of {batch_size} images over {world_size} processes leaves fewer than 2 per process; "
            "raise training.batch_size"
        )
    return [
        order[start : start + batch_size][rank * per_rank : (rank + 1) * per_rank]
        for start in range(0, len(order) - batch_size + 1, batch_size)
    ]


class _CropDataset(Dataset):
    def __init__(self, files: list[Path], short_side: int, crop: int):
        self.files, self.short_side, self.crop = files, short_side, crop

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> torch.Tensor:
        return torch.from_numpy(np.asarray(load_center_crop(self.files[index], self.short_side, self.crop)).copy())


def store_key(files: list[Path], short_side: int, crop: int) -> str:
    """Content key of a store: the file list (paths and sizes) and the geometry."""
    digest = hashlib.sha256(f"{short_side}|{crop}".encode())
    for path in files:
        digest.update(f"{path}|{path.stat().st_size}\n".encode())
    return digest.hexdigest()[:16]


def _write_store(
    files: list[Path], path: Path, short_side: int, crop: int, num_workers: int, progress: Callable[[int], None] | None
) -> None:
    """Write the centre crops of ``files`` to ``path`` (.npy) atomically, chunk by chunk through a memory map."""
    with atomic_path(path) as temporary:
        array = np.lib.format.open_memmap(temporary, mode="w+", dtype=np.uint8, shape=(len(files), crop, crop, 3))
        loader = DataLoader(
            _CropDataset(files, short_side, crop), batch_size=64, num_workers=loader_workers(num_workers)
        )
        done = 0
        for chunk in loader:
            array[done : done + len(chunk)] = chunk.numpy()
            done += len(chunk)
            if progress is not None:
                progress(done)
        array.flush()
        del array


def build_store(
    files: list[Path],
    cache_dir: str | os.PathLike,
    short_side: int,
    crop: int,
    num_workers: int = 0,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Memory-mapped uint8 array (n, crop, crop, 3) of centre crops, built once into ``cache_dir`` and reused.

    The file is ``crops-<key>.npy`` (written under a temporary name, then renamed, under a file lock so that concurrent
    runs build it once) with a JSON sidecar listing the source files; ``progress`` is called with the number of images
    done after each chunk.
    """
    cache_dir = Path(cache_dir)
    key = store_key(files, short_side, crop)
    path = cache_dir / f"crops-{key}.npy"
    with locked(path):
        if not path.is_file():
            _write_store(files, path, short_side, crop, num_workers, progress)
            atomic_write_json(
                cache_dir / f"crops-{key}.json",
                {"short_side": short_side, "crop": crop, "files": [str(item) for item in files]},
            )
    return np.load(path, mmap_mode="r")


def gather_batch(store: np.ndarray | torch.Tensor, indices: np.ndarray, device: torch.device) -> torch.Tensor:
    """uint8 (n, S, S, 3) batch of ``indices`` on ``device`` (from a device-resident tensor or a memory map)."""
    if isinstance(store, torch.Tensor):
        return store[torch.as_tensor(indices, device=store.device)]
    batch = torch.from_numpy(np.ascontiguousarray(store[np.sort(indices)][np.argsort(np.argsort(indices))]))
    if device.type == "cuda":
        batch = batch.pin_memory()
    return batch.to(device, non_blocking=True)


def view_seed(seed: int, *keys: int) -> int:
    """A 63-bit seed derived from ``seed`` and ``keys`` (e.g. step and rank, or epoch and image index)."""
    return int(np.random.SeedSequence([seed, *keys]).generate_state(1, dtype=np.uint64)[0]) >> 1


class ReferenceViewDataset(Dataset):
    """Plain PIL pipeline: decode, resize, crop and augment one image per item (views drawn with a generator seeded
    by (seed, epoch, index), so that a resumed run sees the same views). Items are lists of (A, B) per stage."""

    def __init__(self, files: list[Path], config: TrainConfig, epoch: int = 0, salt: int = 0):
        self.files, self.config, self.epoch, self.salt = files, config, epoch, salt
        self.views = [stage.view for stage in config.stages]

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        image = load_center_crop(self.files[index], self.config.input.resize_short_side, self.config.store_size)
        generator = torch.Generator().manual_seed(view_seed(self.config.seed, self.salt, self.epoch, index))
        return make_views_pil(image, self.views, self.config.input.mean, self.config.input.std, generator)


def loader_workers(requested: int) -> int:
    """``requested`` data-loader worker processes, bounded by the cores this process may run on (PyTorch warns about
    more; the packaged configs ask for 8, a laptop or a 2-core job has fewer)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(requested, cores)


def reference_loader(
    dataset: ReferenceViewDataset, batches: list[np.ndarray], num_workers: int, pin_memory: bool = False
) -> DataLoader:
    """A DataLoader yielding the given batches of the reference dataset, in order."""
    return DataLoader(
        dataset,
        batch_sampler=[batch.tolist() for batch in batches],
        num_workers=loader_workers(num_workers),
        pin_memory=pin_memory,
        persistent_workers=False,
    )
