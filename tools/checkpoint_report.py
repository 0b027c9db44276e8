"""Evidence for an LCL encoder checkpoint: loss curves, conv1 filters, Gabor-fit quality and simulated V1/V2 scores,
each beside the same architecture untrained (seed 0).

Writes into ``--out``: ``loss_curves.png`` (validation loss per stage from the checkpoint; training loss from the run's
``log.csv`` where ``--run-log`` is given), ``conv1_filters.png`` (trained | untrained, grayscale as seen by an
achromatic image), ``report.json`` (fraction of conv1 filters a 2-D Gabor fits with R^2 above the threshold, the total-
variation distance of the well-fit filters' (nx, ny) to Ringach's (2002) macaque histogram, and the
``FreemanZiemba2013sim`` V1/V2 scores of both). Usage::

    python tools/checkpoint_report.py --checkpoint brainscore_lcl/weights/lcl-v2.pt --out results/lcl-v2-checkpoint
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from brainscore_lcl.checkpoint import build_encoder, load_encoder_checkpoint, save_encoder_checkpoint  # noqa: E402
from brainscore_lcl.metrics.gabor import (
    DEFAULT_MIN_R_SQUARED,
    fit_filter_bank,
    nx_ny_distance,
    to_grayscale,  # noqa: E402
    well_fit,
)
from brainscore_lcl.model_helpers.architecture import LCLEncoder  # noqa: E402


def untrained_checkpoint(payload: dict, path: Path) -> Path:
    """The checkpoint's architecture with PyTorch's default initialisation (seed 0), saved to ``path``."""
    torch.manual_seed(0)
    encoder = LCLEncoder(**payload["architecture"])
    save_encoder_checkpoint(
        path,
        encoder.state_dict(),
        architecture=payload["architecture"],
        config={"name": "untrained"},
        data="none (untrained, seed 0)",
        meta={},
    )
    return path


def filter_grid(axis, filters: np.ndarray, title: str) -> None:
    """(n, rows, cols) filters as an 8-column grid, each scaled to its own max |value|."""
    n, rows, cols = filters.shape
    columns = 8
    grid = np.full(((rows + 1) * int(np.ceil(n / columns)) + 1, (cols + 1) * columns + 1), 0.5)
    for index, image in enumerate(filters):
        top, left = 1 + (index // columns) * (rows + 1), 1 + (index % columns) * (cols + 1)
        grid[top : top + rows, left : left + cols] = 0.5 + 0.5 * image / (np.abs(image).max() + 1e-12)
    axis.imshow(grid, cmap="gray", vmin=0, vmax=1)
    axis.set_title(title)
    axis.axis("off")


def plot_losses(payload: dict, run_log: Path | None, out: Path) -> None:
    history = payload["meta"].get("val_history", [])
    figure, axis = plt.subplots(figsize=(6, 4))
    steps = [entry["step"] for entry in history]
    n_stages = len(history[0]["per_stage"]) if history else 0
    for stage in range(n_stages):
        axis.plot(steps, [entry["per_stage"][stage] for entry in history], label=f"validation, layer {stage + 1}")
    if history and "smoothed" in history[-1]:
        axis.plot(steps, [entry["loss"] for entry in history], color="0.6", lw=0.8, label="validation, sum")
        axis.plot(steps, [entry["smoothed"] for entry in history], color="k", label="validation, sum, smoothed")
        axis.axvline(payload["meta"]["step"], color="k", ls=":", lw=0.8, label="kept weights")
    if run_log is not None:
        with open(run_log) as handle:
            rows = [row for row in csv.DictReader(handle) if row["split"] == "train"]
        train_steps = [int(row["step"]) for row in rows]
        for stage in range(n_stages):
            axis.plot(
                train_steps,
                [float(row[f"loss_layer{stage + 1}"]) for row in rows],
                alpha=0.4,
                label=f"training, layer {stage + 1}",
            )
    axis.set_xlabel("step")
    axis.set_ylabel("Barlow Twins loss")
    axis.set_title(f"{payload['config'].get('name', 'LCL')} on {payload['data'].split(' (')[0]}")
    axis.legend()
    figure.tight_layout()
    figure.savefig(out)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=Path("brainscore_lcl/weights/lcl-v2.pt"))
    parser.add_argument("--run-log", type=Path, help="the training run's log.csv, for training-loss curves")
    parser.add_argument("--out", type=Path, default=Path("results/lcl-v2-checkpoint"))
    parser.add_argument("--min-r-squared", type=float, default=DEFAULT_MIN_R_SQUARED)
    parser.add_argument("--no-scores", action="store_true", help="skip the simulated V1/V2 scores")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    payload = load_encoder_checkpoint(args.checkpoint)
    scratch = Path(tempfile.mkdtemp(prefix="checkpoint_report_"))
    checkpoints = {"trained": args.checkpoint, "untrained": untrained_checkpoint(payload, scratch / "untrained.pt")}
    plot_losses(payload, args.run_log, args.out / "loss_curves.png")

    report: dict = {
        "checkpoint": str(args.checkpoint),
        "sha256": payload["sha256"],
        "data": payload["data"],
        "min_r_squared": args.min_r_squared,
    }
    figure, axes = plt.subplots(1, 2, figsize=(10, 5))
    for axis, (name, path) in zip(axes, checkpoints.items()):
        weights = build_encoder(load_encoder_checkpoint(path), path).layer1[0].weight.detach().numpy()
        fits = fit_filter_bank(weights)
        r_squared = np.array([fit.r_squared for fit in fits])
        fraction = float(np.mean(r_squared > args.min_r_squared))
        kept = well_fit(fits, args.min_r_squared)
        report[name] = {
            "gabor_fraction": fraction,
            "n_gabor": len(kept),
            "n_filters": len(fits),
            "median_r_squared": float(np.median(r_squared)),
            "ringach_nx_ny_distance": nx_ny_distance(
                np.array([fit.nx for fit in kept]), np.array([fit.ny for fit in kept])
            )
            if kept
            else None,
        }
        filter_grid(axis, to_grayscale(weights), f"{name}: {fraction:.0%} Gabor-like (R$^2$ > {args.min_r_squared})")
    figure.tight_layout()
    figure.savefig(args.out / "conv1_filters.png")
    plt.close(figure)

    if not args.no_scores:
        from brainscore_lcl.data.simulation import SIM_SEED, SIM_VERSION
        from brainscore_lcl.scoring import load_model, score

        report["simulated_data"] = {"sim_version": SIM_VERSION, "seed": SIM_SEED}
        for name, path in checkpoints.items():
            model = load_model("lcl-v2", checkpoint=str(path))
            for region in ("V1", "V2"):
                record = score("lcl-v2", f"FreemanZiemba2013sim.{region}-pls", checkpoint=str(path), model=model)
                report[name][f"sim_{region}"] = {
                    "score": record.score,
                    "score_paper": record.details["score_paper"],
                    "score_paper_std": record.details["score_paper_std"],
                }
    (args.out / "report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps({key: value for key, value in report.items() if key in ("trained", "untrained")}, indent=2))
    print(f"figures and report.json written to {args.out}")


if __name__ == "__main__":
    main()
