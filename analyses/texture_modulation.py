"""Fig. 5: texture modulation of model V2 against the recorded V2 cells.

Per model, three readings (``FreemanZiembaTextureModulation``): "fitted" (each reliable recorded cell predicted by
cross-validated PLS over all 450 images, rectified, each family predicted from the other 14: leave-one-family-out),
"fitted_stratified" (the same with the paper's 10 folds stratified by family x type, which leak the family structure:
every held-out image has ~13 of its own family and type in training) and "units" (the committed V2 layer's units).
Top row: Q-Q plot of per-cell Rmod quantiles, model ("fitted") vs data, with the mean absolute quantile difference.
Middle and bottom rows: texture-family ranks, model vs data, with Spearman rho, leave-one-family-out and stratified
side by side. Between the rho of every pair of models: the paper's Fisher z test (N = 15 families, SE
sqrt(2 / (N - 3)), treating the two rho as independent) and Williams' test of dependent correlations (both rho share
the neural ranks; ``brainscore_lcl.metrics.texture.williams_test``). Writes fig5_texture_modulation.{png,pdf},
texture_modulation.csv, fisher_z_tests.csv and texture_modulation.json.

    python analyses/texture_modulation.py [--source sim] [--models ...] [--window latency|fixed]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from brainscore_lcl.analyses.common import (
    BRAINSCORE_WINDOW_MS,
    PAPER_MODELS,
    FigureResult,
    add_time_window_argument,
    benchmark_id,
    benchmark_options,
    cell_score,
    display_name,
    load_figure_models,
    mark_simulated,
    output_folder,
    parse_args,
    print_data_note,
    print_table,
    run_script,
    save_figure,
    time_window_record,
    write_csv,
    write_json,
)
from brainscore_lcl.data.texture_responses import LATENCY_RULE

DEFAULT_MODELS = PAPER_MODELS["fig5"]
#: the readings of each model: "fitted" (leave-one-family-out), "fitted_stratified" (the paper's folds), "units"
READINGS = ("fitted", "fitted_stratified", "units")
#: the benchmark's cross-validation behind each fitted reading
READING_CV = {"fitted": "family", "fitted_stratified": "stratified"}
#: the cells the paper's reliability cut (R >= 0.4) excludes on Brain-Score's data (A.3.3: "the bottom 10 (out of 103)")
PAPER_EXCLUDED = {"n_excluded": 10, "n_cells": 103, "min_ceiling": 0.4, "data": "Brain-Score's V2 cells (A.3.3)"}


@dataclass
class TextureModulation(FigureResult):
    """Fig. 5's numbers: one row per model (rho and Q-Q distance of each reading), Fisher z tests, the recorded cells'
    Rmod (``data``), skipped models (``notes``) and each model's readings (``models``). ``time_window_ms`` is None
    with each cell's latency-aligned window (then ``latency_ms`` holds the latencies and ``latency_rule`` says where
    the rule comes from: this suite). ``excluded_cells``: the cells the reliability cut excludes here and in the
    paper."""

    source: str
    benchmark: str
    options: dict[str, Any]
    window: str
    time_window_ms: list[int] | None
    time_window_convention: str
    rows: list[dict[str, Any]]
    fisher_z_tests: list[dict[str, Any]]
    data: dict[str, Any]
    notes: list[str]
    models: dict[str, dict[str, Any]]
    excluded_cells: dict[str, Any]
    latency_ms: Any = None
    latency_rule: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The fields as JSON data; ``latency_ms`` and ``latency_rule`` only with the latency-aligned window."""
        fields = super().to_json()
        if self.window == "fixed":
            del fields["latency_ms"], fields["latency_rule"]
        return fields


def excluded_cells(row: dict[str, Any], min_ceiling: float) -> dict[str, Any]:
    """The recorded cells the reliability cut excludes (from a ``model_row``), beside the paper's count."""
    return {
        "min_ceiling": min_ceiling,
        "n_excluded": row["n_excluded"],
        "n_cells": row["n_cells"] + row["n_excluded"],
        "paper": PAPER_EXCLUDED,
    }


def excluded_line(excluded: dict[str, Any]) -> str:
    """One printed line: cells kept and excluded by the reliability cut, and the paper's count."""
    paper = excluded["paper"]
    return (
        f"reliability cut R >= {excluded['min_ceiling']:g}: {excluded['n_cells'] - excluded['n_excluded']} of "
        f"{excluded['n_cells']} V2 cells kept, {excluded['n_excluded']} excluded (the paper: {paper['n_excluded']} of "
        f"{paper['n_cells']} excluded at R >= {paper['min_ceiling']:g} on {paper['data']})"
    )


def add_arguments(parser) -> None:
    """This figure's own options on ``parser``: ``--window``, ``--time-window``, ``--min-ceiling``."""
    parser.add_argument(
        "--window",
        choices=("latency", "fixed"),
        default="latency",
        help="response window: each cell's latency-aligned 100 ms (default; from the raw release for "
        "sim and local, from Brain-Score's 1-ms bins for public and private) or the fixed "
        "--time-window",
    )
    add_time_window_argument(parser)
    parser.add_argument(
        "--min-ceiling",
        type=float,
        default=0.4,
        help="exclude recorded cells whose internal consistency R is below this (default 0.4)",
    )


def fisher_tests(
    rows: Sequence[dict[str, Any]], reading: str, models: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Tests between the family-rank rho of every pair of models, for one reading: the paper's Fisher z test (the two
    rho as independent) and Williams' test of dependent correlations (both share the neural family ranks; r23 = the
    Spearman rho between the two models' family modulations, from ``models``' readings)."""
    from brainscore_lcl.metrics.texture import family_rank_correlation, fisher_z_test, williams_test

    tests = []
    for index, first in enumerate(rows):
        for second in rows[index + 1 :]:
            rho_a, rho_b = first[f"rho_{reading}"], second[f"rho_{reading}"]
            test = fisher_z_test(rho_a, rho_b)
            rho_ab = family_rank_correlation(
                models[first["model"]][reading]["family_rmod"], models[second["model"]][reading]["family_rmod"]
            )
            williams = williams_test(rho_a, rho_b, rho_ab)
            tests.append(
                {
                    "reading": reading,
                    "model_a": first["model"],
                    "model_b": second["model"],
                    "rho_a": rho_a,
                    "rho_b": rho_b,
                    "z": test.z,
                    "p": test.p,
                    "rho_ab": rho_ab,
                    "williams_t": williams.t,
                    "williams_p": williams.p,
                }
            )
    return tests


def model_readings(family_record, stratified_record) -> dict[str, dict[str, Any]]:
    """The readings of one model (``READINGS``) from its texture-modulation ``ScoreRecord`` of each cross-validation."""
    details = family_record.details
    return {
        "fitted": details["fitted"],
        "fitted_stratified": stratified_record.details["fitted"],
        "units": details["units"],
    }


def model_row(model: str, record, readings: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One table row of a texture-modulation ``ScoreRecord`` (leave-one-family-out) and the model's ``readings``:
    layer, window, cells kept and excluded, rho and Q-Q distance of each reading, number of layer units."""
    details = record.details
    return {
        "model": model,
        "layer": record.layer,
        "window": details["window"],
        "n_cells": details["n_neuroids"],
        "n_excluded": details["n_excluded"],
        **{f"rho_{reading}": readings[reading]["rho"] for reading in READINGS},
        **{f"qq_{reading}": readings[reading]["qq_distance"] for reading in READINGS},
        "n_units": details["units"]["n_units"],
    }


def compute(
    models: Sequence[str] = DEFAULT_MODELS,
    source: str = "sim",
    *,
    checkpoints: dict[str, str] | None = None,
    data_root: str | None = None,
    no_cache: bool = False,
    time_window: Sequence[int] = BRAINSCORE_WINDOW_MS,
    window: str = "latency",
    min_ceiling: float = 0.4,
    offline_references: bool = False,
) -> TextureModulation:
    """Texture modulation of ``models`` against V2 of ``source``: ``window`` "latency" (each cell's latency-aligned
    100 ms) or "fixed" (``time_window`` in ms); cells with internal consistency below ``min_ceiling`` excluded.
    ``offline_references``: add the offline reference models when some of ``models`` cannot load
    (``load_figure_models``; the script's default models do)."""
    options = benchmark_options(source, data_root, time_window) | {
        "min_ceiling": min_ceiling,
        "time_window": tuple(time_window),
    }
    if window != "latency":  # the benchmark's default
        options["window"] = window
    entries, notes = load_figure_models(models, checkpoints or {}, "V2", source, offline_references)
    bid = benchmark_id(source, "V2", "texmod")
    by_cv = {
        cv: {entry.model_id: cell_score(entry, bid, no_cache, **options, cv=cv) for entry in entries}
        for cv in READING_CV.values()
    }
    records = by_cv["family"]
    readings = {model: model_readings(record, by_cv["stratified"][model]) for model, record in records.items()}
    rows = [model_row(model, record, readings[model]) for model, record in records.items()]
    data = next(iter(records.values())).details["data"]
    window_record = (
        time_window_record(time_window)
        if window == "fixed"
        else {
            "time_window_ms": None,
            "time_window_convention": "each cell's latency-aligned 100-ms window",
            "latency_ms": data["latency_ms"],
            "latency_rule": LATENCY_RULE,
        }
    )
    return TextureModulation(
        source=source,
        benchmark=bid,
        options=options,
        window=window,
        **window_record,
        rows=rows,
        fisher_z_tests=[test for reading in READINGS for test in fisher_tests(rows, reading, readings)],
        data=data,
        notes=notes,
        excluded_cells=excluded_cells(rows[0], min_ceiling),
        models={model: readings[model] | {"layer": record.layer} for model, record in records.items()},
    )


def qq_limits(result: TextureModulation) -> list[float]:
    """One axis range for every Q-Q panel: the recorded cells' and every model's fitted Rmod quantiles, 5% margin
    (the layer units' quantiles outside it are drawn on the edge)."""
    values = np.concatenate(
        [result.data["quantiles"]] + [readings["fitted"]["quantiles"] for readings in result.models.values()]
    )
    margin = 0.05 * (values.max() - values.min() or 1.0)
    return [float(values.min() - margin), float(values.max() + margin)]


def draw_figure(result: TextureModulation) -> plt.Figure:
    """Q-Q plots (top, one range for the whole row) and family-rank scatters of the fitted reading cross-validated
    leaving one family out (middle) and with the paper's stratified folds (bottom), one column per model."""
    data = result.data
    figure, axes = plt.subplots(3, len(result.models), figsize=(3.6 * len(result.models), 10.8), squeeze=False)
    limits = qq_limits(result)
    for column, (model, readings) in enumerate(result.models.items()):
        fitted, units = readings["fitted"], readings["units"]
        top = axes[0, column]
        top.plot(data["quantiles"], fitted["quantiles"], "o", ms=3, label="fitted model cells")
        unit_quantiles = np.asarray(units["quantiles"], dtype=float)
        outside = int(np.sum((unit_quantiles < limits[0]) | (unit_quantiles > limits[1])))
        top.plot(
            data["quantiles"],
            np.clip(unit_quantiles, *limits),
            ".",
            ms=2,
            color="tab:gray",
            alpha=0.6,
            label="layer units" + (f" ({outside} beyond the range, on the edge)" if outside else ""),
        )
        top.plot(limits, limits, "k--", lw=1, label="identity")
        top.set_xlim(limits)
        top.set_ylim(limits)
        top.set_aspect("equal")
        top.set_xlabel(f"Cell Rmod quantiles (V2, {result.source})")
        top.set_ylabel(f"Rmod quantiles ({display_name(model)})")
        top.set_title(f"{display_name(model)}\nQ-Q distance {fitted['qq_distance']:.3f}", fontsize=9)
        top.legend(fontsize=6, loc="upper left")
        for axis, reading, label in (
            (axes[1, column], "fitted", "leave one family out"),
            (axes[2, column], "fitted_stratified", "stratified folds (paper; leak)"),
        ):
            axis.scatter(data["family_ranks"], readings[reading]["family_ranks"], s=18)
            axis.plot([1, 15], [1, 15], "k--", lw=1)
            axis.set_xlim(0.5, 15.5)
            axis.set_ylim(0.5, 15.5)
            axis.set_xlabel("Texture family Rmod rank (V2)")
            axis.set_ylabel(f"Texture family Rmod rank ({display_name(model)})")
            axis.set_title(
                f"{label}: rho = {readings[reading]['rho']:.2f}\n(layer units: {units['rho']:.2f})", fontsize=9
            )
            axis.set_aspect("equal")
    return mark_simulated(figure, result.source)


def draw(result: TextureModulation, out: str | Path | None = None) -> list[Path]:
    """Fig. 5, its two tables (rows, Fisher z tests) and the JSON in ``out``."""
    out = output_folder(out, "texture_modulation")
    return save_figure(draw_figure(result), out, "fig5_texture_modulation") + [
        write_csv(out, "texture_modulation", result.rows),
        write_csv(out, "fisher_z_tests", result.fisher_z_tests),
        write_json(out, "texture_modulation", result),
    ]


def main(argv: Sequence[str] | None = None) -> TextureModulation:
    """``python analyses/texture_modulation.py``: parse ``argv`` (default ``sys.argv``), compute, then draw into
    ``--out``; returns the result."""
    args = parse_args("texture_modulation", __doc__.splitlines()[0], DEFAULT_MODELS, add_arguments, argv)
    result = compute(
        args.models,
        args.source,
        checkpoints=args.checkpoints,
        data_root=args.data_root,
        no_cache=args.no_cache,
        time_window=args.time_window,
        window=args.window,
        min_ceiling=args.min_ceiling,
        offline_references=args.default_models,
    )
    paths = draw(result, args.out)
    print_data_note(result.source)
    print(excluded_line(result.excluded_cells))
    window = (
        "each cell's 100 ms from its latency (the latency rule is this suite's own: latency_rule in the JSON)"
        if result.window == "latency"
        else f"{result.time_window_ms[0]}-{result.time_window_ms[1]} ms"
    )
    print(f"data: mean cell Rmod {np.nanmean(result.data['neuron_rmod']):.3f}; window {window}")
    print(
        "rho_fitted: leave-one-family-out; rho_fitted_stratified: the paper's stratified folds (leak family structure)"
    )
    print_table(
        result.rows,
        ("model", "layer", "rho_fitted", "rho_fitted_stratified", "qq_fitted", "rho_units", "qq_units", "n_units"),
        result.notes,
    )
    print("p: the paper's Fisher z (independent rho); williams_p: Williams' test (both rho share the neural ranks)")
    print_table(
        result.fisher_z_tests,
        ("reading", "model_a", "model_b", "rho_a", "rho_b", "z", "p", "rho_ab", "williams_t", "williams_p"),
    )
    print(f"wrote {', '.join(str(path) for path in paths)}")
    return result


if __name__ == "__main__":
    run_script("texture_modulation", main)
