"""Fig. 7: V1 and V2 predictivity of the runs of the ablation sweeps (patch size, spatial deformation, loss).

Runs come from ``--runs DIR`` (a folder of run folders, each holding the ``encoder.pt`` that ``brainscore train``
writes)
and/or ``--checkpoint NAME=PATH`` pairs (encoder checkpoints). Each run's recorded config says which sweep it belongs
to (its name, as ``brainscore train --config ablation-... --variant ...`` sets it) and where it sits on the x axis:

- ``lcl-v1-patch-*`` / ``lcl-v2-patch-*``: patch size (px, the view's ``output_size``) of layer 1 / layer 2;
- ``lcl-v1-scale-*`` / ``lcl-v2-scale-*``: spatial deformation of layer 1 / layer 2: 0 = no random crop, 1-3 = minimum
  RandomResizedCrop scale 0.6 / 0.3 / 0.08, "non-overlap" = crops from opposite quadrants;
- ``lcl-v2-loss-*``: the objective of every layer (barlow, simclr, simsiam);
- ``blockbarlow*``: the layerwise Barlow Twins baseline (dashed lines).

A one-stage run is scored as LCL-V1 on V1, a two-stage run as LCL-V2 on V1 and V2 (layer 2's sweeps are read on V2,
the loss panel on both). Scores are the paper's (median over cells of (r/r_ceil)^2, std over splits). Writes
fig7_ablations.{png,pdf}, ablations.csv and ablations.json into --out.

    python analyses/ablations.py --runs runs/ablations [--checkpoint NAME=PATH ...] [--source sim]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from brainscore_lcl.analyses.common import (
    BRAINSCORE_WINDOW_MS,
    FigureResult,
    LoadedModel,
    benchmark_id,
    benchmark_options,
    cell_score,
    output_folder,
    parse_args,
    print_table,
    run_script,
    save_figure,
    write_csv,
    write_json,
)
from brainscore_lcl.errors import RunError, UsageError
from brainscore_lcl.scoring import built_model

PANELS = ("patch", "deformation", "loss")
DEFORMATION_LEVELS = {0.6: "1", 0.3: "2", 0.08: "3"}
DEFORMATION_ORDER = ["0", "1", "2", "3", "non-overlap"]
LOSS_ORDER = ["barlow", "simclr", "simsiam"]
COLUMNS = ("run", "panel", "layer", "x", "region", "score_paper", "score_paper_std", "score_brainscore", "checkpoint")


@dataclass
class Ablations(FigureResult):
    """Fig. 7's numbers: one row per run and region scored (``COLUMNS``), the runs outside the sweeps (``notes``)."""

    source: str
    rows: list[dict[str, Any]]
    notes: list[str]


def deformation_level(view: dict[str, Any]) -> str:
    """Fig. 7's deformation label of a stage's view config: "0" (no random crop), "1"-"3" (minimum crop scale 0.6,
    0.3, 0.08), "non-overlap" (disjoint crops), else "scale <min>"."""
    if not view["random_crop"]:
        return "0"
    if view.get("disjoint"):
        return "non-overlap"
    minimum = float(view["scale"][0])
    return next(
        (label for scale, label in DEFORMATION_LEVELS.items() if abs(scale - minimum) < 1e-9), f"scale {minimum:g}"
    )


def classify(config: dict[str, Any]) -> dict[str, Any] | None:
    """Where a run sits in Fig. 7, from its training config: {"panel", "layer" (1 or 2), "x"}; the baseline gives
    panel "baseline"; a run of no Fig. 7 sweep gives None."""
    name = config["name"]
    stages = [stage["view"] for stage in config["stages"]]
    if name.startswith("blockbarlow"):
        return {"panel": "baseline", "layer": len(stages), "x": None}
    for prefix, layer in (("lcl-v1-", 1), ("lcl-v2-", 2)):
        if not name.startswith(prefix):
            continue
        view = stages[layer - 1]
        if name.startswith(prefix + "patch"):
            return {"panel": "patch", "layer": layer, "x": int(view["output_size"])}
        if name.startswith(prefix + "scale"):
            return {"panel": "deformation", "layer": layer, "x": deformation_level(view)}
        if name.startswith(prefix + "loss"):
            return {"panel": "loss", "layer": layer, "x": config["objective"]["name"]}
    return None


def find_runs(runs_folder: str | None, checkpoints: dict[str, str]) -> dict[str, Path]:
    """{run name: encoder checkpoint}: every ``<runs_folder>/<run>/encoder.pt``, then the --checkpoint pairs."""
    runs = {}
    if runs_folder:
        folder = Path(runs_folder)
        if not folder.is_dir():
            raise UsageError(f"--runs {folder} is not a folder of run folders")
        runs.update({path.parent.name: path for path in sorted(folder.glob("*/encoder.pt"))})
    runs.update({name: Path(path) for name, path in checkpoints.items()})
    if not runs:
        raise UsageError("no runs: pass --runs DIR (run folders with encoder.pt) or --checkpoint NAME=PATH")
    return runs


def compute(
    models: dict[str, Path],
    source: str = "sim",
    *,
    data_root: str | None = None,
    no_cache: bool = False,
    time_window: Sequence[int] = BRAINSCORE_WINDOW_MS,
) -> Ablations:
    """Score each run of ``models`` ({run name: encoder checkpoint}, ``find_runs``) on V1 (one-stage runs) or V1 and
    V2 (two-stage runs) of ``source``; runs outside the sweeps become notes (see the module docstring)."""
    from brainscore_lcl.checkpoint import load_encoder_checkpoint

    options = benchmark_options(source, data_root, time_window)
    rows, notes = [], []
    for run, path in models.items():
        config = load_encoder_checkpoint(path)["config"]
        place = classify(config)
        if place is None:
            notes.append(f"skipped {run}: its config {config['name']!r} is not a Fig. 7 sweep")
            continue
        n_stages = len(config["stages"])
        model_id = "lcl-v1" if n_stages == 1 else "lcl-v2"
        regions = ["V1"] if n_stages == 1 else ["V1", "V2"]
        entry = LoadedModel(model_id, built_model(model_id, str(path)), str(path))
        for region in regions:
            record = cell_score(entry, benchmark_id(source, region), no_cache, **options)
            rows.append(
                {
                    "run": run,
                    **place,
                    "region": region,
                    "score_paper": record.details.get("score_paper"),
                    "score_paper_std": record.details.get("score_paper_std"),
                    "score_brainscore": record.score,
                    "checkpoint": str(path),
                }
            )
    if not rows:
        raise RunError("none of the runs belongs to a Fig. 7 sweep: " + "; ".join(notes))
    return Ablations(source=source, rows=rows, notes=notes)


def panel_series(rows: Sequence[dict[str, Any]], panel: str) -> dict[str, list[dict[str, Any]]]:
    """Rows of one panel as series ``"layer 1 (V1)"`` / ``"layer 2 (V2)"`` (loss panel: one series per region),
    each ordered along the x axis."""
    series: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["panel"] != panel:
            continue
        if panel != "loss" and row["region"] != f"V{row['layer']}":
            continue
        label = f"{row['region']}" if panel == "loss" else f"layer {row['layer']} ({row['region']})"
        series.setdefault(label, []).append(row)
    order = {"deformation": DEFORMATION_ORDER, "loss": LOSS_ORDER}.get(panel)
    position = (
        (lambda row: row["x"])
        if order is None
        else (lambda row: order.index(row["x"]) if row["x"] in order else len(order))
    )
    return {label: sorted(items, key=position) for label, items in sorted(series.items())}


def draw_figure(rows: Sequence[dict[str, Any]], source: str) -> plt.Figure:
    """Fig. 7: patch size (left), spatial deformation (middle), loss (right); baseline runs as dashed lines."""
    figure, axes = plt.subplots(1, 3, figsize=(13, 4))
    baseline = {row["region"]: row["score_paper"] for row in rows if row["panel"] == "baseline"}
    colors = {"V1": "tab:green", "V2": "tab:purple"}
    for axis, panel in zip(axes, PANELS):
        for label, items in panel_series(rows, panel).items():
            region = items[0]["region"]
            x = [str(row["x"]) for row in items]
            axis.errorbar(
                x,
                [row["score_paper"] for row in items],
                yerr=[row["score_paper_std"] for row in items],
                fmt="o-" if panel != "loss" else "o",
                capsize=3,
                color=colors[region],
                label=label,
            )
        for region, value in baseline.items():
            axis.axhline(value, linestyle="--", color=colors[region], alpha=0.6, label=f"BlockBarlow ({region})")
        axis.set_xlabel(
            {"patch": "patch size (px)", "deformation": "spatial deformation strength", "loss": "objective"}[panel]
        )
        axis.set_ylabel("explained variance")
        axis.legend(fontsize=7)
    axes[0].set_title(f"Fig. 7 ablations ({source})", loc="left")
    return figure


def draw(result: Ablations, out: str | Path | None = None) -> list[Path]:
    """Fig. 7, its table and the JSON in ``out``."""
    out = output_folder(out, "ablations")
    return save_figure(draw_figure(result.rows, result.source), out, "fig7_ablations") + [
        write_csv(out, "ablations", result.rows),
        write_json(out, "ablations", result),
    ]


def main(argv: Sequence[str] | None = None) -> Ablations:
    """``python analyses/ablations.py``: parse ``argv`` (default ``sys.argv``), compute, then draw into
    ``--out``; returns the result."""
    args = parse_args(
        "ablations",
        __doc__.splitlines()[0],
        [],
        lambda parser: parser.add_argument("--runs", help="folder of run folders (each with encoder.pt)"),
        argv,
    )
    result = compute(
        find_runs(args.runs, args.checkpoints), args.source, data_root=args.data_root, no_cache=args.no_cache
    )
    paths = draw(result, args.out)
    print_table(result.rows, COLUMNS, result.notes)
    print(f"wrote {', '.join(str(path) for path in paths)}")
    return result


if __name__ == "__main__":
    run_script("ablations", main)
