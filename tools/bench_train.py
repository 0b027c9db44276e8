"""LCL training throughput: plain DataLoader+PIL pipeline vs preprocessed uint8 store with views rendered on the device.

Same model, same config, same process. Samples per second count images per second, each image giving views A and B
for every layer (layer 1 and layer 2 both trained). Example (CPU, small)::

    python tools/bench_train.py --device cpu --steps 5 --batch-size 64 --images 256
    python tools/bench_train.py --device cuda --steps 50 --batch-size 4096 --images 8192 --reference-steps 5
    python tools/bench_train.py --processes 2 --steps 5 --batch-size 64 --images 128

Without ``--data`` it generates ``--images`` smooth random JPEGs (320 x 256 px) in a temporary folder.
Prints one JSON object: samples/s per pipeline, the ratio, and the device-side split (views vs training step).
With ``--processes N`` it instead times the device pipeline with the same global batch in 1 and in N processes (DDP
as under torchrun, global-batch objectives and BatchNorm; gloo on CPU or when the processes share GPUs, NCCL with one
GPU each; on CPU each process gets cores / N threads): samples/s of each and their ratio, the cost of the collectives.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
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
        Image.fromarray(coarse).resize((320, 256), Image.Resampling.BICUBIC).save(
            folder / f"{index:06d}.jpg", quality=90
        )


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _batches(source: ViewSource, indices: np.ndarray):
    """Endless view batches. The PIL pipeline gets one DataLoader over many epochs' batches, so that all its workers
    stay busy however few batches one epoch of the benchmark's images holds."""
    config = source.config
    if config.training.pipeline == "reference":
        batches = [
            batch
            for epoch in range(1000)
            for batch in epoch_batches(indices, config.training.batch_size, config.seed, epoch)
        ]
        loader = reference_loader(
            ReferenceViewDataset(source.files, config),
            batches,
            config.training.num_workers,
            pin_memory=source.runtime.device.type == "cuda",
        )
        yield from (source.to_model_layout([tuple(pair) for pair in views]) for views in loader)
        return
    epoch = 0
    while True:
        yield from (views for _, views in source.epoch(indices, epoch, 0))
        epoch += 1


def time_pipeline(source: ViewSource, indices: np.ndarray, model, optimizer, runtime, steps: int, warmup: int) -> float:
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


def time_device_split(
    source: ViewSource, indices: np.ndarray, model, optimizer, runtime, steps: int
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


def free_port() -> int:
    """A TCP port on localhost that is free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def set_torchrun_environment(rank: int, world_size: int, local_rank: int, port: int) -> None:
    """The environment variables torchrun gives process ``rank`` (rendezvous on localhost:``port``)."""
    os.environ.update(
        RANK=str(rank),
        WORLD_SIZE=str(world_size),
        LOCAL_RANK=str(local_rank),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )


def config_overrides(args: argparse.Namespace) -> list[str]:
    return [
        f"training.batch_size={args.batch_size}",
        f"training.num_workers={args.workers}",
        f"training.compile={args.compile}",
        f"training.amp={not args.no_amp}",
        f"training.channels_last={not args.no_channels_last}",
    ]


def scaling_worker(
    rank: int, world_size: int, args: argparse.Namespace, data: Path, cache: Path, port: int, results
) -> None:
    """Process ``rank`` of ``world_size`` (set up as torchrun would): device-pipeline samples/s of the global batch
    over ``args.steps`` steps after ``args.warmup``, put on ``results`` by rank 0 with the backend and threads."""
    threads = max(1, (os.cpu_count() or 1) // world_size)
    torch.set_num_threads(threads)
    backend = None
    if world_size > 1:
        gpus = torch.cuda.device_count() if args.device == "cuda" else 0
        set_torchrun_environment(rank, world_size, rank % gpus if gpus else 0, port)
        backend = "nccl" if gpus >= world_size else "gloo"
        dist.init_process_group(backend, rank=rank, world_size=world_size)
    runtime = engine.setup_runtime(args.device, amp=not args.no_amp)
    try:
        engine.seed_everything(0)
        config = load_config(args.config, overrides=[*config_overrides(args), "training.pipeline=device"])
        _, wrapped, optimizer = build_model(config, runtime)
        files = list_images(data)
        source = ViewSource(config, files, runtime, cache, show_progress=False)
        rate = time_pipeline(source, np.arange(len(files)), wrapped, optimizer, runtime, args.steps, args.warmup)
        if runtime.is_main:
            results.put(
                {
                    "samples_per_s": round(rate * world_size, 1),
                    "backend": backend,
                    "threads_per_process": threads,
                    "device": str(runtime.device),
                }
            )
    finally:
        engine.teardown_runtime(runtime)


def time_scaling(args: argparse.Namespace, data: Path, cache: Path) -> dict[str, object]:
    """Global-batch samples/s of 1 and of ``args.processes`` training processes, each run in fresh processes."""
    context = mp.get_context("spawn")
    runs = {}
    for world_size in (1, args.processes):
        results = context.SimpleQueue()
        mp.start_processes(
            scaling_worker,
            args=(world_size, args, data, cache, free_port(), results),
            nprocs=world_size,
            start_method="spawn",
        )
        runs[world_size] = results.get()
    single, multi = runs[1], runs[args.processes]
    return {
        "processes": args.processes,
        "backend": multi["backend"],
        "device": multi["device"],
        "threads_per_process": {"1": single["threads_per_process"], "n": multi["threads_per_process"]},
        "samples_per_s_1_process": single["samples_per_s"],
        "samples_per_s_n_processes": multi["samples_per_s"],
        "ratio_n_over_1": round(multi["samples_per_s"] / single["samples_per_s"], 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="lcl-v2")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--data", default=None, help="image folder (default: generated images)")
    parser.add_argument("--images", type=int, default=256, help="number of generated images")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=5, help="timed steps of the device pipeline")
    parser.add_argument(
        "--reference-steps",
        type=int,
        default=None,
        help="timed steps of the PIL pipeline, clock started before its first batch "
        "(default: max(--steps, 3 x --workers), several times the loader's prefetch depth)",
    )
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers of the PIL pipeline")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    parser.add_argument("--no-amp", action="store_true", help="no bf16 autocast on CUDA")
    parser.add_argument("--no-channels-last", action="store_true")
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="time 1 and this many DDP processes with the same global --batch-size instead",
    )
    args = parser.parse_args(argv)
    if args.processes is not None and (args.processes < 2 or args.batch_size % args.processes):
        print(
            f"bench_train: error: --processes must be >= 2 and divide --batch-size ({args.batch_size})", file=sys.stderr
        )
        return 2

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        data = Path(args.data) if args.data else scratch / "images"
        if not args.data:
            data.mkdir()
            write_synthetic_images(data, args.images)
        files = list_images(data)
        if args.processes is not None:
            results = {
                "config": args.config,
                "batch_size": args.batch_size,
                "images": len(files),
                "steps": args.steps,
                "torch": str(torch.__version__),
                "cpu_count": os.cpu_count(),
                **time_scaling(args, data, scratch / "cache"),
            }
            print(json.dumps(results, indent=1))
            return 0
        overrides = config_overrides(args)
        runtime = engine.setup_runtime(args.device, amp=not args.no_amp)
        indices = np.arange(len(files))
        results: dict[str, object] = {
            "device": str(runtime.device),
            "config": args.config,
            "batch_size": args.batch_size,
            "images": len(files),
            "compile": args.compile,
            "amp": runtime.amp,
            "torch": str(torch.__version__),
        }
        if runtime.device.type == "cuda":
            results["gpu"] = torch.cuda.get_device_name(runtime.device)
        engine.seed_everything(0)
        config = load_config(args.config, overrides=[*overrides, "training.pipeline=device"])
        model, wrapped, optimizer = build_model(config, runtime)
        start = time.perf_counter()
        device_source = ViewSource(config, files, runtime, scratch / "cache", show_progress=False)
        results["preprocess_s"] = round(time.perf_counter() - start, 2)
        results["device_samples_per_s"] = round(
            time_pipeline(device_source, indices, wrapped, optimizer, runtime, args.steps, args.warmup), 1
        )
        results.update(time_device_split(device_source, indices, wrapped, optimizer, runtime, args.steps))
        if not args.skip_reference:
            reference_config = load_config(args.config, overrides=[*overrides, "training.pipeline=reference"])
            reference_source = ViewSource(reference_config, files, runtime, scratch / "cache", show_progress=False)
            results["reference_samples_per_s"] = round(
                time_pipeline(
                    reference_source,
                    indices,
                    wrapped,
                    optimizer,
                    runtime,
                    args.reference_steps or max(args.steps, 3 * args.workers),
                    warmup=0,
                ),
                1,
            )
            results["speedup"] = round(results["device_samples_per_s"] / results["reference_samples_per_s"], 2)
        if runtime.device.type == "cuda":
            results["max_memory_gib"] = round(torch.cuda.max_memory_allocated(runtime.device) / 2**30, 2)
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
