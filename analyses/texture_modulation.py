"""Fig. 5: texture modulation of model V2 against the recorded V2 cells.

Per model, two readings (``FreemanZiembaTextureModulation``): "fitted" (each reliable recorded cell predicted by
10-fold cross-validated PLS over all 450 images, rectified) and "units" (the committed V2 layer's units). Top row: Q-Q
plot of per-cell Rmod quantiles, model ("fitted") vs data, with the mean absolute quantile difference. Bottom row:
texture-family ranks, model vs data, with Spearman rho. Fisher z tests (N = 15 families, SE sqrt(2 / (N - 3)))
between the rho of every pair of models. Writes fig5_texture_modulation.{png,pdf}, texture_modulation.csv,
fisher_z_tests.csv and texture_modulation.json.

    python analyses/texture_modulation.py [--source sim] [--models ...] [--window latency|fixed]
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from common import (PAPER_MODELS, add_time_window_argument, benchmark_id, benchmark_options, cached_score,  # noqa: E402
                    display_name, load_models, open_cache, parse_args, print_table, run_script, save_figure,
                    time_window_record, write_csv, write_json)

DEFAULT_MODELS = PAPER_MODELS["fig5"]
READINGS = ("fitted", "units")


def add_arguments(parser) -> None:
    parser.add_argument("--window", choices=("latency", "fixed"), default="latency",
                        help="response window: each cell's latency-aligned 100 ms (default; from the raw release for "
                             "sim and local, from Brain-Score's 1-ms bins for public and private) or the fixed "
                             "--time-window")
    add_time_window_argument(parser)
    parser.add_argument("--min-ceiling", type=float, default=0.4,
                        help="exclude recorded cells whose internal consistency R is below this (default 0.4)")


def fisher_tests(rows: Sequence[dict[str, Any]], reading: str) -> list[dict[str, Any]]:
    """Fisher z test between the family-rank rho of every pair of models, for one reading."""
    from brainscore_lcl.metrics.texture import fisher_z_test

    tests = []
    for index, first in enumerate(rows):
        for second in rows[index + 1:]:
            test = fisher_z_test(first[f"rho_{reading}"], second[f"rho_{reading}"])
            tests.append({"reading": reading, "model_a": first["model"], "model_b": second["model"],
                          "rho_a": first[f"rho_{reading}"], "rho_b": second[f"rho_{reading}"], "z": test.z,
                          "p": test.p})
    return tests


def draw(records: dict[str, Any], source: str) -> plt.Figure:
    """Q-Q plots (top) and family-rank scatters (bottom), one column per model ("fitted" reading)."""
    figure, axes = plt.subplots(2, len(records), figsize=(3.6 * len(records), 7.2), squeeze=False)
    for column, (model, record) in enumerate(records.items()):
        data, fitted, units = record.details["data"], record.details["fitted"], record.details["units"]
        top, bottom = axes[0, column], axes[1, column]
        top.plot(data["quantiles"], fitted["quantiles"], "o", ms=3, label="fitted model cells")
        top.plot(data["quantiles"], units["quantiles"], ".", ms=2, color="tab:gray", alpha=0.6,
                 label="layer units")
        values = np.concatenate([data["quantiles"], fitted["quantiles"], units["quantiles"]])
        margin = 0.05 * (values.max() - values.min() or 1.0)
        limits = [values.min() - margin, values.max() + margin]
        top.plot(limits, limits, "k--", lw=1, label="identity")
        top.set_xlim(limits)
        top.set_ylim(limits)
        top.set_aspect("equal")
        top.set_xlabel(f"Cell Rmod quantiles (V2, {source})")
        top.set_ylabel(f"Rmod quantiles ({display_name(model)})")
        top.set_title(f"{display_name(model)}\nQ-Q distance {fitted['qq_distance']:.3f}", fontsize=9)
        top.legend(fontsize=6, loc="upper left")
        bottom.scatter(data["family_ranks"], fitted["family_ranks"], s=18)
        bottom.plot([1, 15], [1, 15], "k--", lw=1)
        bottom.set_xlabel("Texture family Rmod rank (V2)")
        bottom.set_ylabel(f"Texture family Rmod rank ({display_name(model)})")
        bottom.set_title(f"rho = {fitted['rho']:.2f} (layer units: {units['rho']:.2f})", fontsize=9)
        bottom.set_aspect("equal")
    return figure


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args("texture_modulation", __doc__.splitlines()[0], DEFAULT_MODELS, add_arguments, argv)
    options = benchmark_options(args) | {"min_ceiling": args.min_ceiling, "time_window": tuple(args.time_window)}
    if args.window != "latency":        # the benchmark's default
        options["window"] = args.window
    cache = open_cache(args)
    entries, notes = load_models(args.models, args.checkpoints, "V2")
    bid = benchmark_id(args.source, "V2", "texmod")
    records = {entry.model_id: cached_score(cache, entry, bid, **options) for entry in entries}
    rows = []
    for model, record in records.items():
        details = record.details
        rows.append({"model": model, "layer": record.layer, "window": details["window"],
                     "n_cells": details["n_neuroids"], "n_excluded": details["n_excluded"],
                     **{f"rho_{reading}": details[reading]["rho"] for reading in READINGS},
                     **{f"qq_{reading}": details[reading]["qq_distance"] for reading in READINGS},
                     "n_units": details["units"]["n_units"]})
    tests = fisher_tests(rows, "fitted") + fisher_tests(rows, "units")
    paths = save_figure(draw(records, args.source), args.out, "fig5_texture_modulation")
    write_csv(args.out, "texture_modulation", rows)
    write_csv(args.out, "fisher_z_tests", tests)
    data = next(iter(records.values())).details["data"]
    window = time_window_record(args) if args.window == "fixed" else {
        "time_window_ms": None, "time_window_convention": "each cell's latency-aligned 100-ms window",
        "latency_ms": data["latency_ms"]}
    result = {"source": args.source, "benchmark": bid, "options": options, "window": args.window, **window,
              "rows": rows, "fisher_z_tests": tests,
              "data": data, "notes": notes,
              "models": {model: {reading: record.details[reading] for reading in READINGS} | {"layer": record.layer}
                         for model, record in records.items()}}
    write_json(args.out, "texture_modulation", result)
    print(f"data: {rows[0]['n_cells']} V2 cells kept (ceiling >= {args.min_ceiling}), {rows[0]['n_excluded']} "
          f"excluded; mean cell Rmod {np.nanmean(data['neuron_rmod']):.3f}; window {rows[0]['window']}")
    print_table(rows, ("model", "layer", "rho_fitted", "qq_fitted", "rho_units", "qq_units", "n_units"), notes)
    print_table(tests, ("reading", "model_a", "model_b", "rho_a", "rho_b", "z", "p"))
    print(f"wrote {', '.join(str(path) for path in paths)} and tables in {args.out}")
    return result


if __name__ == "__main__":
    run_script("texture_modulation", main)
