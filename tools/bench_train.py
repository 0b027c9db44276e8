"""LCL training throughput: plain DataLoader+PIL pipeline vs preprocessed uint8 store with views rendered on the device.

Same model, same config, same process. Samples per second count images per second, each image giving views A and B
for every layer (layer 1 and layer 2 both trained). Example (CPU, small)::

    python tools/bench_train.py --device cpu --steps 5 --batch-size 64 --images 256
    python tools/bench_train.py --device cuda --steps 50 --batch-size 4096 --images 8192 --reference-steps 5

Without ``--data`` it generates ``--images`` smooth random JPEGs (320 x 256 px) in a temporary folder.
Prints one JSON object: samples/s per pipeline, the ratio, and the device-side split (views vs training step).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from brainscore_lcl.training import engine
from brainscore_lcl.training.config import load_config
from brainscore_lcl.training.data import ReferenceViewDataset, epoch_batches, list_images, reference_loader
from brainscore_lcl.training.trainer import ViewSource, build_model, train_step


def write_synthetic_images(folder: Path, count: int, seed: int = 0) -> None:
    """``count`` smooth random RGB JPEGs of 320 x 256 px in ``folder``."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        coarse = rng.integers(0, 256, (16, 20, 3), dtype=np.uint8)
        Image.fromarray(coarse).resize((320, 256), Image.Resampling.BICUBIC).save(folder / f"{index:06d}.jpg",
                                                                                  quality=90)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _batches(source: ViewSource, indices: np.ndarray):
    """Endless view batches. The PIL pipeline gets one DataLoader over many epochs' batches, so that all its workers
    stay busy however few batches one epoch of the benchmark's images holds."""
    config = source.config
    if config.training.pipeline == "reference":
        batches = [batch for epoch in range(1000) for batch in
                   epoch_batches(indices, config.training.batch_size, config.seed, epoch)]
        loader = reference_loader(ReferenceViewDataset(source.files, config), batches, config.training.num_workers,
                                  pin_memory=source.runtime.device.type == "cuda")
        yield from (source.to_model_layout([tuple(pair) for pair in views]) for views in loader)
        return
    epoch = 0
    while True:
        yield from (views for _, views in source.epoch(indices, epoch, 0))
        epoch += 1


def time_pipeline(source: ViewSource, indices: np.ndarray, model, optimizer, runtime, steps: int, warmup: int
                  ) -> float:
    """Images per second over ``steps`` training steps (data loading included) after ``warmup`` steps.

    With ``warmup=0`` the clock starts before the loader's first batch, so that worker start-up and the filling of
    its prefetch queue are counted (otherwise a few steps would be served from batches prefetched during warm-up).
    """
    batches = _batches(source, indices)
    for _ in range(warmup):
        train_step(model, optimizer, next(batches), runtime)
    _synchronize(runtime.device)
    start = time.perf_counter()
    images = 0
    for _ in range(steps):
        views = next(batches)
        images += views[0][0].shape[0]
        train_step(model, optimizer, views, runtime)
    _synchronize(runtime.device)
    return images / (time.perf_counter() - start)


def time_device_split(source: ViewSource, indices: np.ndarray, model, optimizer, runtime, steps: int
                      ) -> dict[str, float]:
    """Images per second of the device view rendering alone and of the training step alone (fixed views)."""
    batches = _batches(source, indices)
    _synchronize(runtime.device)
    start = time.perf_counter()
    for _ in range(steps):
        views = next(batches)
    _synchronize(runtime.device)
    views_rate = steps * views[0][0].shape[0] / (time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(steps):
        train_step(model, optimizer, views, runtime)
    _synchronize(runtime.device)
    step_rate = steps * views[0][0].shape[0] / (time.perf_counter() - start)
    return {"views_only_samples_per_s": round(views_rate, 1), "train_step_only_samples_per_s": round(step_rate, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="lcl-v2")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--data", default=None, help="image folder (default: generated images)")
    parser.add_argument("--images", type=int, default=256, help="number of generated images")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=5, help="timed steps of the device pipeline")
    parser.add_argument("--reference-steps", type=int, default=None,
                        help="timed steps of the PIL pipeline, clock started before its first batch "
                             "(default: max(--steps, 3 x --workers), several times the loader's prefetch depth)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers of the PIL pipeline")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    parser.add_argument("--no-amp", action="store_true", help="no bf16 autocast on CUDA")
    parser.add_argument("--no-channels-last", action="store_true")
    parser.add_argument("--skip-reference", action="store_true")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        data = Path(args.data) if args.data else scratch / "images"
        if not args.data:
            data.mkdir()
            write_synthetic_images(data, args.images)
        files = list_images(data)
        overrides = [f"training.batch_size={args.batch_size}", f"training.num_workers={args.workers}",
                     f"training.compile={args.compile}", f"training.amp={not args.no_amp}",
                     f"training.channels_last={not args.no_channels_last}"]
        runtime = engine.setup_runtime(args.device, amp=not args.no_amp)
        indices = np.arange(len(files))
        results: dict[str, object] = {"device": str(runtime.device), "config": args.config,
                                      "batch_size": args.batch_size, "images": len(files), "compile": args.compile,
                                      "amp": runtime.amp, "torch": str(torch.__version__)}
        if runtime.device.type == "cuda":
            results["gpu"] = torch.cuda.get_device_name(runtime.device)
        engine.seed_everything(0)
        config = load_config(args.config, overrides=[*overrides, "training.pipeline=device"])
        model, wrapped, optimizer = build_model(config, runtime)
        start = time.perf_counter()
        device_source = ViewSource(config, files, runtime, scratch / "cache", show_progress=False)
        results["preprocess_s"] = round(time.perf_counter() - start, 2)
        results["device_samples_per_s"] = round(
            time_pipeline(device_source, indices, wrapped, optimizer, runtime, args.steps, args.warmup), 1)
        results.update(time_device_split(device_source, indices, wrapped, optimizer, runtime, args.steps))
        if not args.skip_reference:
            reference_config = load_config(args.config, overrides=[*overrides, "training.pipeline=reference"])
            reference_source = ViewSource(reference_config, files, runtime, scratch / "cache", show_progress=False)
            results["reference_samples_per_s"] = round(time_pipeline(
                reference_source, indices, wrapped, optimizer, runtime,
                args.reference_steps or max(args.steps, 3 * args.workers), warmup=0), 1)
            results["speedup"] = round(results["device_samples_per_s"] / results["reference_samples_per_s"], 2)
        if runtime.device.type == "cuda":
            results["max_memory_gib"] = round(torch.cuda.max_memory_allocated(runtime.device) / 2**30, 2)
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
