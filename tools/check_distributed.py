"""One process or N: the same LCL training steps, the same model (global-batch objectives and BatchNorm).

    python tools/check_distributed.py --processes 2 --config lcl-v2-sample --steps 3

For each objective (barlow, simclr, simsiam) it runs ``brainscore train``'s training function for ``--steps`` steps on
``--images`` generated images twice: in this process, and in ``--processes`` processes set up as ``torchrun`` sets
them up (gloo on CPU; NCCL with ``--device cuda``, one GPU per process). Both start from the same weights (the
config's seed; DDP also broadcasts rank 0's) and see the same global batches and views. It compares the logged
training loss of every step (global batch) and every parameter and BatchNorm buffer after the last step, and prints
one JSON object; exit code 0 when every loss and parameter difference is below ``--tolerance``, 1 otherwise.

Float32 rounding differs between any two ways of summing a batch (two processes, or one process with another number
of threads), and Adam divides each gradient coordinate by its own magnitude, so coordinates whose exact gradient is 0
(e.g. the bias of a convolution followed by BatchNorm) move by up to +-lr on rounding noise alone. ``--noise-floor``
measures that floor: two one-process runs that differ only in their number of threads. ``--dtype float64`` builds
the model, views and losses in float64, where that noise is ~1e-16 and the comparison isolates the algorithm.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path

import torch
import torch.multiprocessing as mp
from bench_train import free_port, set_torchrun_environment, write_synthetic_images

from brainscore_lcl.training.config import OBJECTIVES, ConfigError, load_config
from brainscore_lcl.training.layerwise import LayerwiseModel
from brainscore_lcl.training.trainer import LOG_FILE, STATE_FILE, train


def check_overrides(objective: str, batch_size: int) -> list[str]:
    """Config overrides of the check: ``objective``, global ``batch_size``, no bf16 autocast, no validation or state
    saving on the way."""
    return [
        f"objective.name={objective}",
        f"training.batch_size={batch_size}",
        "training.num_workers=0",
        "training.val_every_steps=1000000",
        "training.checkpoint_every_steps=1000000",
        "training.amp=false",
    ]


def run_training(
    config_name: str, overrides: list[str], data: Path, out: Path, device: str, steps: int, dtype: str = "float32"
) -> None:
    """``brainscore train`` for ``steps`` steps into ``out``, model and views in ``dtype``."""
    torch.set_default_dtype(getattr(torch, dtype))
    train(load_config(config_name, overrides=overrides), data, out, device=device, max_steps=steps, show_progress=False)


def _worker(
    rank: int, world_size: int, device: str, dtype: str, runs: list[tuple[str, list[str], Path, Path, int, int]]
) -> None:
    """Process ``rank`` of ``world_size``: every run in turn, each with its own rendezvous port, as torchrun would."""
    torch.set_num_threads(1)
    for config_name, overrides, data, out, steps, port in runs:
        set_torchrun_environment(rank, world_size, rank, port)
        run_training(config_name, overrides, data, out, device, steps, dtype)


def training_losses(out: Path) -> list[float]:
    """The logged training loss (global batch, summed over stages) of every step."""
    with (out / LOG_FILE).open() as file:
        return [float(row["loss"]) for row in csv.DictReader(file) if row["split"] == "train"]


def compare_runs(single: Path, multi: Path, parameter_names: set[str]) -> dict[str, object]:
    """Largest absolute differences between two runs' training losses (also the first step's, taken with the same
    initial weights, before any update), parameters and buffers (after the last step)."""
    losses_single, losses_multi = training_losses(single), training_losses(multi)
    weights_single = torch.load(single / STATE_FILE, map_location="cpu", weights_only=True)["model"]
    weights_multi = torch.load(multi / STATE_FILE, map_location="cpu", weights_only=True)["model"]

    def largest(names: list[str]) -> float:
        return max(float((weights_single[name].double() - weights_multi[name].double()).abs().max()) for name in names)

    floating = [name for name, value in weights_single.items() if value.is_floating_point()]
    loss_diffs = [abs(a - b) for a, b in zip(losses_single, losses_multi, strict=True)]
    return {
        "max_loss_diff": max(loss_diffs),
        "first_step_loss_diff": loss_diffs[0],
        "max_relative_loss_diff": max(diff / abs(loss) for diff, loss in zip(loss_diffs, losses_single)),
        "max_param_diff": largest([name for name in floating if name in parameter_names]),
        "max_buffer_diff": largest([name for name in floating if name not in parameter_names]),
        "losses_1_process": losses_single,
        "losses_n_processes": losses_multi,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--config", default="lcl-v2-sample")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=8, help="global batch (a multiple of --processes)")
    parser.add_argument("--images", type=int, default=12, help="generated images (about 10%% are held out)")
    parser.add_argument("--objectives", nargs="+", choices=OBJECTIVES, default=list(OBJECTIVES))
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    parser.add_argument(
        "--dtype",
        choices=["float32", "float64"],
        default="float32",
        help="dtype of the model, views and losses (float64: no float32 rounding for Adam to amplify)",
    )
    parser.add_argument(
        "--noise-floor",
        action="store_true",
        help="also compare two one-process runs with 1 and 2 threads (float rounding alone)",
    )
    parser.add_argument("--keep", default=None, help="keep the images and run folders in this new folder")
    args = parser.parse_args(argv)
    if args.processes < 2 or args.batch_size % args.processes:
        print(
            f"check_distributed: error: --processes must be >= 2 and divide --batch-size ({args.batch_size})",
            file=sys.stderr,
        )
        return 2
    if args.device == "cuda" and torch.cuda.device_count() < args.processes:
        print(
            f"check_distributed: error: NCCL needs one GPU per process, {torch.cuda.device_count()} found for "
            f"{args.processes} processes; use --device cpu (gloo)",
            file=sys.stderr,
        )
        return 2
    try:
        configs = {
            objective: load_config(args.config, overrides=check_overrides(objective, args.batch_size))
            for objective in args.objectives
        }
    except ConfigError as error:
        print(f"check_distributed: error: {error}", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as temporary:
        scratch = Path(args.keep or temporary)
        data = scratch / "images"
        data.mkdir(parents=True)
        write_synthetic_images(data, args.images)
        runs = [
            (
                args.config,
                check_overrides(objective, args.batch_size),
                data,
                scratch / f"{objective}-n",
                args.steps,
                free_port(),
            )
            for objective in args.objectives
        ]
        mp.spawn(_worker, args=(args.processes, args.device, args.dtype, runs), nprocs=args.processes)
        results = {}
        for objective, config in configs.items():
            overrides = check_overrides(objective, args.batch_size)
            run_training(args.config, overrides, data, scratch / f"{objective}-1", args.device, args.steps, args.dtype)
            names = {name for name, _ in LayerwiseModel(config).named_parameters()}
            results[objective] = compare_runs(scratch / f"{objective}-1", scratch / f"{objective}-n", names)
            if args.noise_floor:
                torch.set_num_threads(2)
                run_training(
                    args.config,
                    overrides,
                    data,
                    scratch / f"{objective}-1-threads2",
                    args.device,
                    args.steps,
                    args.dtype,
                )
                torch.set_num_threads(1)
                floor = compare_runs(scratch / f"{objective}-1", scratch / f"{objective}-1-threads2", names)
                results[objective]["noise_floor_1_vs_2_threads"] = {
                    key: value for key, value in floor.items() if key.startswith("max_")
                }
    passed = all(
        result["max_loss_diff"] < args.tolerance and result["max_param_diff"] < args.tolerance
        for result in results.values()
    )
    backend = "nccl" if args.device == "cuda" else "gloo"
    print(
        json.dumps(
            {
                "config": args.config,
                "processes": args.processes,
                "steps": args.steps,
                "batch_size": args.batch_size,
                "images": args.images,
                "device": args.device,
                "backend": backend,
                "dtype": args.dtype,
                "torch": str(torch.__version__),
                "tolerance": args.tolerance,
                "passed": passed,
                "objectives": results,
            },
            indent=1,
        )
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
