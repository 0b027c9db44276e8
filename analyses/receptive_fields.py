"""Figs. A.3-A.5: first-layer receptive fields against macaque V1 (Ringach 2002).

For each model: the filters of its first convolution, in grayscale (the achromatic field under ImageNet
normalisation, ``brainscore_lcl.metrics.gabor.to_grayscale``), each fitted with a 2-D Gabor; fits with R^2 below
--min-r2 are dropped. Reported: spatial phase folded into [0, pi/2], (nx, ny), the total-variation distance between
the model's and Ringach's (nx, ny) histograms, and the fraction of near-even/odd phases. Models: this suite's ids
(``alexnet-untrained``; ``lcl-v1`` / ``lcl-v2`` with --checkpoint) and any torchvision-style state dict given as
--checkpoint NAME=PATH under a name that is not a model id (its first 4-D weight with 3 input channels is used).
Writes figA3_filters, figA4_phase, figA5_nx_ny (.png, .pdf), receptive_fields.csv and receptive_fields.json.

    python analyses/receptive_fields.py [--models alexnet-untrained lcl-v1] [--checkpoint lcl-v1=PATH]
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from brainscore_lcl.analyses.common import (
    OFFLINE_REFERENCES,
    PAPER_MODELS,
    FigureResult,
    display_name,
    output_folder,
    parse_args,
    print_table,
    references_note,
    run_script,
    save_figure,
    skipped_models,
    write_csv,
    write_json,
)
from brainscore_lcl.errors import RunError, UsageError
from brainscore_lcl.scoring import built_model

DEFAULT_MODELS = PAPER_MODELS["figA5"]
#: the filters of each model drawn in Fig. A.3
SHOWN_FILTERS = 64
#: where the Gabor fits are kept, one JSON file per filter bank and R^2 threshold (they depend on the filters only)
GABOR_FITS = "analyses/gabor-fits"


@dataclass
class ReceptiveFields(FigureResult):
    """Figs. A.3-A.5's numbers: per model the Gabor fits (``analyse``), one summary row each, the grayscale filters
    drawn in Fig. A.3 (``grayscale_filters``: model -> up to 64 filters, rows x columns each) and skipped models."""

    models: dict[str, dict[str, Any]]
    rows: list[dict[str, Any]]
    notes: list[str]
    grayscale_filters: dict[str, np.ndarray]


def first_conv_weights(network, model_id: str) -> np.ndarray:
    """Weights (n_filters, channels, rows, columns) of the first ``Conv2d`` of a torch module (``model_id``'s network);
    ``UsageError`` when it has none (e.g. a steerable pyramid: fixed filters, not a learned first layer)."""
    from torch import nn

    for module in network.modules():
        if isinstance(module, nn.Conv2d):
            return module.weight.detach().cpu().numpy().astype(float)
    raise UsageError(
        f"model {model_id} ({type(network).__name__}) has no convolution layer, so it has no first-layer filters to "
        "fit; drop it from --models and choose models with a learned first convolution "
        f"(e.g. {', '.join(DEFAULT_MODELS)})"
    )


def state_dict_first_conv(path: str) -> np.ndarray:
    """The first 4-D tensor with 3 input channels of a torchvision-style checkpoint (a state dict, or a dict holding
    one under "state_dict" / "model")."""
    import torch

    payload = torch.load(path, map_location="cpu", weights_only=True)
    state = payload.get("state_dict", payload.get("model", payload)) if isinstance(payload, dict) else None
    if not isinstance(state, dict):
        raise UsageError(f"{path} holds no state dict; pass a torchvision-style checkpoint")
    for tensor in state.values():
        if hasattr(tensor, "ndim") and tensor.ndim == 4 and tensor.shape[1] == 3:
            return tensor.detach().cpu().numpy().astype(float)
    raise UsageError(f"{path}: no 4-D weight with 3 input channels (a first RGB convolution) found")


def model_filters(model_ids: Sequence[str], checkpoints: dict[str, str]) -> tuple[dict[str, np.ndarray], list[str]]:
    """First-layer filters per model; models without weights are skipped with a note."""
    from brainscore_lcl.errors import ModelUnavailableError
    from brainscore_lcl.model_helpers.brainscore_patches import network_of
    from brainscore_lcl.registry import discover_plugins, model_registry

    discover_plugins()
    filters, notes = {}, []
    for model_id in list(model_ids) + [name for name in checkpoints if name not in model_ids]:
        if model_id not in model_registry and model_id in checkpoints:
            filters[model_id] = state_dict_first_conv(checkpoints[model_id])
            continue
        try:
            model = built_model(model_id, checkpoints.get(model_id))
        except ModelUnavailableError as error:
            notes.append(f"skipped {model_id}: {error}")
            continue
        filters[model_id] = first_conv_weights(network_of(model), model_id)
    return filters, notes


def analyse(filters: np.ndarray, min_r_squared: float) -> dict[str, Any]:
    """Gabor fits of a filter bank and their comparison with macaque V1."""
    from brainscore_lcl.metrics.gabor import fit_filter_bank, nx_ny_distance, phase_symmetry_fraction, well_fit

    fits = fit_filter_bank(filters)
    kept = well_fit(fits, min_r_squared)
    nx, ny = np.array([fit.nx for fit in kept]), np.array([fit.ny for fit in kept])
    phases = np.array([fit.folded_phase for fit in kept])
    return {
        "n_filters": len(fits),
        "n_well_fit": len(kept),
        "min_r_squared": min_r_squared,
        "r_squared": [fit.r_squared for fit in fits],
        "nx": nx.tolist(),
        "ny": ny.tolist(),
        "folded_phase": phases.tolist(),
        "nx_ny_distance": nx_ny_distance(nx, ny) if kept else None,
        "phase_symmetry_fraction": phase_symmetry_fraction(phases) if kept else None,
    }


def macaque_cloud(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points spread log-uniformly inside Ringach's (nx, ny) bins, one per counted cell (for plotting only)."""
    from brainscore_lcl.metrics.gabor import ringach_nx_ny_histogram

    counts, nx_edges, ny_edges = ringach_nx_ny_histogram()
    rng = np.random.default_rng(seed)
    nx, ny = [], []
    for (row, column), count in np.ndenumerate(counts.astype(int)):
        nx += list(np.exp(rng.uniform(np.log(nx_edges[row]), np.log(nx_edges[row + 1]), count)))
        ny += list(np.exp(rng.uniform(np.log(ny_edges[column]), np.log(ny_edges[column + 1]), count)))
    return np.array(nx), np.array(ny)


def draw_filters(result: ReceptiveFields) -> plt.Figure:
    """Fig. A.3: up to 64 grayscale filters per model, each scaled to its own range."""
    filters = result.grayscale_filters
    figure, axes = plt.subplots(1, len(filters), figsize=(4 * len(filters), 4.3), squeeze=False)
    for axis, (model, gray) in zip(axes[0], filters.items()):
        side = int(np.ceil(np.sqrt(len(gray))))
        rows, columns = gray.shape[1:]
        mosaic = np.full((side * (rows + 1), side * (columns + 1)), np.nan)
        for index, image in enumerate(gray):
            scale = np.abs(image).max() or 1.0
            top, left = (index // side) * (rows + 1), (index % side) * (columns + 1)
            mosaic[top : top + rows, left : left + columns] = image / scale
        axis.imshow(mosaic, cmap="gray", vmin=-1, vmax=1)
        axis.set_title(
            f"{display_name(model)} ({result.models[model]['n_filters']} filters, first {len(gray)})", fontsize=9
        )
        axis.axis("off")
    return figure


def say_no_fit(axis: plt.Axes, result: dict[str, Any]) -> None:
    """In place of an empty panel: that no filter of the model passes the fit criterion."""
    axis.text(
        0.5,
        0.5,
        f"no filter passes R$^2$ >= {result['min_r_squared']:g}\n({result['n_filters']} filters fitted)",
        ha="center",
        va="center",
        transform=axis.transAxes,
        fontsize=9,
    )


def draw_phases(results: dict[str, dict[str, Any]]) -> plt.Figure:
    """Fig. A.4: histograms of folded spatial phase per model (a model with no well-fit filter says so)."""
    figure, axes = plt.subplots(1, len(results), figsize=(3.6 * len(results), 3.4), squeeze=False)
    for axis, (model, result) in zip(axes[0], results.items()):
        if result["n_well_fit"]:
            axis.hist(result["folded_phase"], bins=np.linspace(0, np.pi / 2, 9), color="tab:blue", label="model")
        else:
            say_no_fit(axis, result)
            axis.set_yticks([])
        axis.set_xticks([0, np.pi / 4, np.pi / 2], ["0", "pi/4", "pi/2"])
        axis.set_xlabel("Spatial phase (folded, rad)")
        axis.set_ylabel("Filter count")
        fraction = result["phase_symmetry_fraction"]
        axis.set_title(
            f"{display_name(model)} (n={result['n_well_fit']}"
            + (f", even/odd fraction {fraction:.2f})" if fraction is not None else ")"),
            fontsize=9,
        )
    return figure


def draw_nx_ny(results: dict[str, dict[str, Any]]) -> plt.Figure:
    """Fig. A.5: (nx, ny) of the model's well-fit filters over the macaque V1 cloud."""
    cloud_nx, cloud_ny = macaque_cloud()
    figure, axes = plt.subplots(1, len(results), figsize=(3.8 * len(results), 3.8), squeeze=False)
    for axis, (model, result) in zip(axes[0], results.items()):
        axis.scatter(cloud_nx, cloud_ny, s=10, color="tab:green", alpha=0.6, label="Macaque V1 (Ringach 2002, binned)")
        axis.scatter(result["nx"], result["ny"], s=10, color="tab:blue", label="Model")
        if not result["n_well_fit"]:
            say_no_fit(axis, result)
        axis.set_xlim(0, 1.5)
        axis.set_ylim(0, 1.5)
        axis.set_aspect("equal")
        axis.set_xlabel("Gabor cycles (nx)")
        axis.set_ylabel("Gabor cycles (ny)")
        distance = result["nx_ny_distance"]
        axis.set_title(
            f"{display_name(model)}: TV distance "
            + (f"{distance:.2f}" if distance is not None else "n/a (no good fits)"),
            fontsize=9,
        )
        axis.legend(fontsize=6, loc="upper right")
    return figure


def summary_row(model: str, result: dict[str, Any]) -> dict[str, Any]:
    """One table row of a model's fits: filters, well-fit filters, (nx, ny) distance, phase symmetry, medians."""
    return {
        "model": model,
        "n_filters": result["n_filters"],
        "n_well_fit": result["n_well_fit"],
        "nx_ny_distance": result["nx_ny_distance"],
        "phase_symmetry_fraction": result["phase_symmetry_fraction"],
        "median_nx": float(np.median(result["nx"])) if result["nx"] else None,
        "median_ny": float(np.median(result["ny"])) if result["ny"] else None,
    }


def cached_analysis(filters: np.ndarray, min_r_squared: float, recompute: bool = False) -> dict[str, Any]:
    """``analyse`` of ``filters``, kept in ``<cache>/GABOR_FITS/<sha1 of the filters' values and min_r_squared>.json``
    (written atomically; ``recompute``: fitted again). Not a score, so not in the results database."""
    from brainscore_lcl import cache_dir
    from brainscore_lcl.analyses.common import json_default
    from brainscore_lcl.cache import atomic_write_json, read_json

    key = hashlib.sha1(repr((filters.shape, min_r_squared)).encode() + filters.tobytes()).hexdigest()
    path = cache_dir() / GABOR_FITS / f"{key}.json"
    fits = None if recompute else read_json(path, None)
    if not isinstance(fits, dict):
        fits = analyse(filters, min_r_squared)
        atomic_write_json(path, fits, default=json_default)
    return fits


def compute(
    models: Sequence[str] = DEFAULT_MODELS,
    source: str | None = None,
    *,
    checkpoints: dict[str, str] | None = None,
    min_r2: float = 0.7,
    no_cache: bool = False,
    offline_references: bool = False,
) -> ReceptiveFields:
    """Gabor fits of the first-layer filters of ``models`` (and of the state dicts in ``checkpoints`` under names
    that are not model ids), fits with R^2 below ``min_r2`` dropped, cached with the scores (``no_cache``
    recomputes); ``source`` is unused (no neural data). ``offline_references``: add the offline references with a
    first convolution (``OFFLINE_REFERENCES["conv"]``) when some of ``models`` cannot load (the script's default
    models do)."""
    from brainscore_lcl.metrics.gabor import to_grayscale

    filters, notes = model_filters(models, checkpoints or {})
    skipped = skipped_models(notes, models)
    extra = [model for model in OFFLINE_REFERENCES["conv"] if model not in models]
    if offline_references and skipped and extra:
        added, more_notes = model_filters(extra, {})
        filters |= added
        notes += more_notes + ([references_note(list(added), skipped)] if added else [])
    if not filters:
        raise RunError("no model has first-layer filters to analyse: " + "; ".join(notes))
    results = {model: cached_analysis(bank, min_r2, no_cache) for model, bank in filters.items()}
    return ReceptiveFields(
        models=results,
        rows=[summary_row(model, result) for model, result in results.items()],
        notes=notes,
        grayscale_filters={model: to_grayscale(bank)[:SHOWN_FILTERS] for model, bank in filters.items()},
    )


def draw(result: ReceptiveFields, out: str | Path | None = None) -> list[Path]:
    """Figs. A.3-A.5, the summary table and the JSON in ``out``."""
    out = output_folder(out, "receptive_fields")
    return (
        save_figure(draw_filters(result), out, "figA3_filters")
        + save_figure(draw_phases(result.models), out, "figA4_phase")
        + save_figure(draw_nx_ny(result.models), out, "figA5_nx_ny")
        + [write_csv(out, "receptive_fields", result.rows), write_json(out, "receptive_fields", result)]
    )


def main(argv: Sequence[str] | None = None) -> ReceptiveFields:
    """``python analyses/receptive_fields.py``: parse ``argv`` (default ``sys.argv``), compute, then draw into
    ``--out``; returns the result."""
    args = parse_args(
        "receptive_fields",
        __doc__.splitlines()[0],
        DEFAULT_MODELS,
        lambda parser: parser.add_argument(
            "--min-r2", type=float, default=0.7, help="drop Gabor fits with R^2 below this (default 0.7)"
        ),
        argv,
    )
    result = compute(
        args.models,
        args.source,
        checkpoints=args.checkpoints,
        min_r2=args.min_r2,
        no_cache=args.no_cache,
        offline_references=args.default_models,
    )
    paths = draw(result, args.out)
    print_table(
        result.rows,
        ("model", "n_filters", "n_well_fit", "nx_ny_distance", "phase_symmetry_fraction", "median_nx", "median_ny"),
        result.notes,
    )
    print(f"wrote {', '.join(str(path) for path in paths)}")
    return result


if __name__ == "__main__":
    run_script("receptive_fields", main)
