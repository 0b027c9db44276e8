"""Fig. A.2: per-cell V2 explained variance of one model against each other model.

Per cell, the mean over splits of (r/r_ceil)^2 of model A (the first of --models) against model B (each other one),
the identity line, the fraction of cells each model explains better and a paired permutation test (median).
Writes figA2_per_neuron.{png,pdf}, per_neuron.csv (one row per cell) and per_neuron.json.

    python analyses/per_neuron.py [--source sim] [--models A B ...] [--region V2]
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from common import (PAPER_MODELS, add_time_window_argument, benchmark_id, display_name, load_models,  # noqa: E402
                    open_cache, pairwise_permutation_tests, parse_args, per_neuron_ev, print_table, run_script,
                    save_figure, score_models, time_window_record, write_csv, write_json)

DEFAULT_MODELS = PAPER_MODELS["figA2"]


def comparisons(values: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """The first model against each other one: fraction of cells each explains better, permutation p."""
    first = next(iter(values))
    rows = []
    for test in pairwise_permutation_tests(values):
        if test["model_a"] != first:
            continue
        a, b = values[test["model_a"]], values[test["model_b"]]
        both = np.isfinite(a) & np.isfinite(b)
        rows.append(dict(test, fraction_b_better=float(np.mean(b[both] > a[both])),
                         median_a=float(np.median(a[both])), median_b=float(np.median(b[both]))))
    return rows


def draw(values: dict[str, np.ndarray], rows: Sequence[dict[str, Any]], region: str,
         max_shown: float = 1.5) -> plt.Figure:
    """One scatter per comparison, model B on x, model A on y, with the identity line; cells whose explained
    variance exceeds ``max_shown`` (low-ceiling cells) are drawn on the edge as open markers."""
    figure, axes = plt.subplots(1, len(rows), figsize=(4.4 * len(rows), 4.6), squeeze=False)
    finite = np.concatenate([value[np.isfinite(value)] for value in values.values()])
    limit = float(np.clip(np.max(finite) * 1.05, 1.0, max_shown))
    for axis, row in zip(axes[0], rows):
        a, b = values[row["model_a"]], values[row["model_b"]]
        clipped = (a > limit) | (b > limit)
        axis.scatter(b[~clipped], a[~clipped], s=12, alpha=0.7)
        if clipped.any():
            axis.scatter(np.minimum(b[clipped], limit), np.minimum(a[clipped], limit), s=24, facecolors="none",
                         edgecolors="tab:red", label=f"{clipped.sum()} cells > {limit:g}, on the edge")
        axis.plot([0, limit], [0, limit], "k--", lw=1, label="identity")
        axis.set_xlim(0, limit * 1.02)
        axis.set_ylim(0, limit * 1.02)
        axis.set_aspect("equal")
        axis.set_xlabel(f"{display_name(row['model_b'])} ({region} expl. var. per cell)")
        axis.set_ylabel(f"{display_name(row['model_a'])} ({region} expl. var. per cell)")
        axis.set_title(f"{row['fraction_a_better']:.0%} of cells better explained by {display_name(row['model_a'])}"
                       f"\n(paired permutation p = {row['p_permutation']:.3g})", fontsize=8)
        axis.legend(loc="lower right", fontsize=7)
    return figure


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args("per_neuron", __doc__.splitlines()[0], DEFAULT_MODELS,
                      lambda parser: (parser.add_argument("--region", default="V2", choices=("V1", "V2")),
                                      add_time_window_argument(parser)), argv)
    cache = open_cache(args)
    entries, notes = load_models(args.models, args.checkpoints, args.region)
    if len(entries) < 2:
        raise SystemExit("per_neuron needs at least two models that load; see the notes above")
    records = score_models(args, args.region, cache, entries)
    values = {model: per_neuron_ev(record) for model, record in records.items()}
    rows = comparisons(values)
    paths = save_figure(draw(values, rows, args.region), args.out, "figA2_per_neuron")
    neuroid_ids = next(iter(records.values())).details["neuroid_ids"]
    write_csv(args.out, "per_neuron", [{"neuroid_id": neuroid, **{model: float(value[index])
                                                                 for model, value in values.items()}}
                                       for index, neuroid in enumerate(neuroid_ids)])
    result = {"source": args.source, "benchmark": benchmark_id(args.source, args.region),
              **time_window_record(args), "comparisons": rows,
              "per_neuron_ev": values, "per_neuron_ev_definition": "per cell, the mean over splits of the paper's "
              "literal (r/r_ceil)^2 (score_paper's per-cell value; negative r squared as well)",
              "neuroid_ids": neuroid_ids, "notes": notes,
              "layers": {model: record.layer for model, record in records.items()}}
    write_json(args.out, "per_neuron", result)
    print_table(rows, ("model_a", "model_b", "median_a", "median_b", "fraction_a_better", "fraction_b_better",
                       "p_permutation"), notes)
    print(f"wrote {', '.join(str(path) for path in paths)} and tables in {args.out}")
    return result


if __name__ == "__main__":
    run_script("per_neuron", main)
