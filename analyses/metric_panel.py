"""Does the ranking of models depend on the similarity measure? Every model under every measure, V1 and V2.

Models x measures (``brainscore_lcl.metrics.measures``: PLS, ridge, one-to-one, reverse PLS, RSA, CKA, Procrustes),
each value with its 95% bootstrap interval over images and its ceiling; the rank of each model per measure; Kendall's W
across measures and Kendall's tau between every pair of measures, with permutation p-values; and a sentence saying
which pairwise conclusions hold under every measure and which flip. The controls (``control-design``,
``control-pixels``) are scored too, so that each column shows its own floor. Writes metric_panel.{png,pdf},
metric_panel.csv, rank_correlations.csv and metric_panel.json.

    python analyses/metric_panel.py [--source sim] [--models ...] [--measures ...] [--out panel/]
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from brainscore_lcl.analyses.common import (
    BRAINSCORE_WINDOW_MS,
    FigureResult,
    add_time_window_argument,
    benchmark_id,
    benchmark_options,
    cell_score,
    display_name,
    load_models,
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
from brainscore_lcl.controls import CONTROL_MODELS
from brainscore_lcl.metrics.measure_names import MEASURES

#: the offline zoo every panel compares by default; zoo models whose published weights are present are added
OFFLINE_MODELS = ("lcl-v2", "alexnet-untrained", "v1-steerpyr", "v1-steerpyr-pool", "sim-generator")
REGIONS = ("V1", "V2")
COLUMNS = ("region", "model", "measure", "raw", "ceiling", "normalised", "normalised_ci95_low", "normalised_ci95_high")


def default_models() -> list[str]:
    """``OFFLINE_MODELS``, then every registered model whose published weight files are all present."""
    from brainscore_lcl.published_weights import availability
    from brainscore_lcl.registry import discover_plugins, model_registry

    discover_plugins(("model",))
    present = [
        model_id
        for model_id, record in sorted(model_registry.items())
        if record.weights and model_id not in OFFLINE_MODELS and availability(model_id) == "present"
    ]
    return list(OFFLINE_MODELS) + present


def registered_controls(models: Sequence[str]) -> tuple[list[str], list[str]]:
    """The ``CONTROL_MODELS`` not among ``models`` that are registered, and one note per control that is not."""
    from brainscore_lcl.registry import discover_plugins, model_registry

    discover_plugins(("model",))
    added, notes = [], []
    for control in CONTROL_MODELS:
        if control in models:
            continue
        if control in model_registry:
            added.append(control)
        else:
            notes.append(f"skipped {control}: not registered in this checkout (brainscore_lcl/models/controls)")
    return added, notes


def measure_benchmark(source: str, region: str, measure: str) -> tuple[str, dict[str, Any]]:
    """The benchmark id and extra options of ``measure``: ``-pls`` with ``metric="pls"`` for PLS (the plain ``-pls``
    id is Brain-Score's PLS score), ``-<measure>`` for the others."""
    if measure == "pls":
        return benchmark_id(source, region, "pls"), {"metric": "pls"}
    return benchmark_id(source, region, measure), {}


@dataclass
class MetricPanel(FigureResult):
    """The panel's numbers: ``rows`` (one per region, model and measure: raw, ceiling, normalised, intervals, rank),
    ``agreement`` per region (Kendall's W with its permutation p, pairwise rank correlations, pairwise conclusions,
    the sentence), ``notes`` (skipped models) and what each measure and ceiling means."""

    source: str
    time_window_ms: list[int]
    time_window_convention: str
    measures: list[str]
    measure_definitions: dict[str, str]
    ceiling_definitions: dict[str, str]
    rows: list[dict[str, Any]]
    agreement: dict[str, dict[str, Any]]
    sentences: list[str]
    notes: list[str]
    seeds: dict[str, int]


def panel_rows(region: str, records: dict[str, dict[str, Any]], measures: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of one region: {model: {measure: ScoreRecord}} -> one row per model and measure, with its rank (1 = best)
    among the models under that measure."""
    from brainscore_lcl.metrics.agreement import model_ranks

    models = list(records)
    scores = np.array([[records[model][measure].score for model in models] for measure in measures])
    ranks = model_ranks(scores)
    rows = []
    for m_index, measure in enumerate(measures):
        for index, model in enumerate(models):
            details = records[model][measure].details
            rows.append(
                {
                    "region": region,
                    "model": model,
                    "measure": measure,
                    "raw": details["raw"],
                    "raw_ci95_low": details["raw_ci95"][0],
                    "raw_ci95_high": details["raw_ci95"][1],
                    "ceiling": details["ceiling"],
                    "ceiling_std": details["ceiling_std"],
                    "normalised": details["normalised"],
                    "normalised_ci95_low": details["normalised_ci95"][0],
                    "normalised_ci95_high": details["normalised_ci95"][1],
                    "neuron_ci95_low": (details["neuron_ci95"] or [None, None])[0],
                    "neuron_ci95_high": (details["neuron_ci95"] or [None, None])[1],
                    "rank": float(ranks[m_index, index]),
                    "layer": details.get("layer"),
                }
            )
    return rows


def agreement_of(region: str, rows: Sequence[dict[str, Any]], measures: Sequence[str], n_perm: int) -> dict[str, Any]:
    """Kendall's W, pairwise rank correlations, pairwise conclusions and the sentence of one region's rows."""
    from brainscore_lcl.metrics.agreement import (
        conclusions_sentence,
        kendall_w_test,
        pairwise_conclusions,
        pairwise_rank_correlations,
    )

    models = list(dict.fromkeys(row["model"] for row in rows))
    value = {(row["model"], row["measure"]): row["normalised"] for row in rows}
    scores = np.array([[value[(model, measure)] for model in models] for measure in measures])
    if len(models) < 2:
        return {"models": models, "sentence": f"{region}: one model, nothing to rank."}
    return {
        "models": models,
        **kendall_w_test(scores, n_perm=n_perm),
        "rank_correlations": pairwise_rank_correlations(scores, measures, n_perm=n_perm),
        "conclusions": pairwise_conclusions(scores, measures, models),
        "sentence": conclusions_sentence(scores, measures, models, region),
    }


def compute(
    models: Sequence[str] | None = None,
    source: str = "sim",
    *,
    measures: Sequence[str] = MEASURES,
    regions: Sequence[str] = REGIONS,
    checkpoints: dict[str, str] | None = None,
    data_root: str | None = None,
    no_cache: bool = False,
    time_window: Sequence[int] = BRAINSCORE_WINDOW_MS,
    controls: bool = True,
    n_perm: int = 10000,
) -> MetricPanel:
    """Score ``models`` (default ``default_models()``) on ``regions`` of ``source`` under every one of
    ``measures``, with the ``CONTROL_MODELS`` added where registered (``controls``)."""
    from brainscore_lcl.errors import UsageError
    from brainscore_lcl.metrics.measures import CEILING_DEFINITIONS, MEASURE_DEFINITIONS

    unknown = [measure for measure in measures if measure not in MEASURES]
    if unknown:
        raise UsageError(f"unknown measure {unknown[0]!r}; choose among {', '.join(MEASURES)}")
    models = list(models) if models is not None else default_models()
    added, notes = registered_controls(models) if controls else ([], [])
    options = benchmark_options(source, data_root, time_window)
    rows, agreement, sentences = [], {}, []
    for region in regions:
        entries, region_notes = load_models(models + added, checkpoints or {}, region)
        notes += [note for note in region_notes if note not in notes]
        records: dict[str, dict[str, Any]] = {}
        for entry in entries:  # one model's measures in a row: its activations are read once for all of them
            records[entry.model_id] = {}
            for measure in measures:
                identifier, extra = measure_benchmark(source, region, measure)
                records[entry.model_id][measure] = cell_score(entry, identifier, no_cache, **options, **extra)
        region_rows = panel_rows(region, records, measures)
        rows += region_rows
        agreement[region] = agreement_of(region, region_rows, measures, n_perm)
        sentences.append(agreement[region]["sentence"])
    return MetricPanel(
        source=source,
        **time_window_record(time_window),
        measures=list(measures),
        measure_definitions={measure: MEASURE_DEFINITIONS[measure] for measure in measures},
        ceiling_definitions=dict(CEILING_DEFINITIONS),
        rows=rows,
        agreement=agreement,
        sentences=sentences,
        notes=notes,
        seeds={"bootstrap": 0, "ceiling_splits": 0, "permutations": 0},
    )


def _region_bars(axis: plt.Axes, rows: Sequence[dict[str, Any]], measures: Sequence[str], region: str) -> None:
    """Grouped bars: normalised value of each model per measure, with its 95% interval over images; ceiling = 1."""
    models = list(dict.fromkeys(row["model"] for row in rows))
    by_key = {(row["model"], row["measure"]): row for row in rows}
    width = 0.8 / max(len(models), 1)
    colours = plt.get_cmap("tab10")
    for index, model in enumerate(models):
        values = np.array([by_key[(model, measure)]["normalised"] for measure in measures])
        low = np.array([by_key[(model, measure)]["normalised_ci95_low"] for measure in measures])
        high = np.array([by_key[(model, measure)]["normalised_ci95_high"] for measure in measures])
        positions = np.arange(len(measures)) - 0.4 + width * (index + 0.5)
        axis.bar(positions, values, width, color=colours(index % 10), label=display_name(model))
        axis.errorbar(
            positions,
            values,
            yerr=[np.clip(values - low, 0, None), np.clip(high - values, 0, None)],
            fmt="none",
            ecolor="black",
            elinewidth=0.7,
        )
    ceilings = [by_key[(models[0], measure)]["ceiling"] for measure in measures]
    axis.set_xticks(
        np.arange(len(measures)), [f"{measure}\nceil {ceiling:.2f}" for measure, ceiling in zip(measures, ceilings)]
    )
    axis.axhline(1.0, color="grey", linestyle="--", linewidth=0.8)
    axis.set_ylabel(f"{region}: raw / ceiling")
    axis.set_title(f"{region}: every model under every measure (95% CI over images)")


def _region_ranks(axis: plt.Axes, rows: Sequence[dict[str, Any]], measures: Sequence[str], agreement: dict) -> None:
    """Rank of each model (rows) under each measure (columns), 1 = best; Kendall's W in the title."""
    models = list(dict.fromkeys(row["model"] for row in rows))
    rank = {(row["model"], row["measure"]): row["rank"] for row in rows}
    grid = np.array([[rank[(model, measure)] for measure in measures] for model in models])
    axis.imshow(grid, cmap="viridis_r", aspect="auto")
    for (y, x), value in np.ndenumerate(grid):
        axis.text(x, y, f"{value:g}", ha="center", va="center", color="white", fontsize=8)
    axis.set_xticks(np.arange(len(measures)), list(measures), rotation=30, ha="right")
    axis.set_yticks(np.arange(len(models)), [display_name(model) for model in models])
    title = "rank per measure"
    if "kendall_w" in agreement:
        title += f"; Kendall's W {agreement['kendall_w']:.2f} (p {agreement['p_permutation']:.3g})"
    axis.set_title(title, fontsize=9)


def draw(result: MetricPanel, out: str | Path | None = None) -> list[Path]:
    """The figure (per region: grouped bars with intervals and ceilings, and the rank grid), the sentence under it,
    metric_panel.csv, rank_correlations.csv and the JSON in ``out``."""
    out = output_folder(out, "metric_panel")
    regions = list(result.agreement)
    figure, axes = plt.subplots(
        len(regions) + 1,
        2,
        figsize=(15, 4.6 * len(regions) + 1.6),
        squeeze=False,
        gridspec_kw={"width_ratios": [3, 1.3], "height_ratios": [4.6] * len(regions) + [1.2]},
    )
    for row_axes, region in zip(axes, regions):
        region_rows = [row for row in result.rows if row["region"] == region]
        _region_bars(row_axes[0], region_rows, result.measures, region)
        _region_ranks(row_axes[1], region_rows, result.measures, result.agreement[region])
    axes[0][0].legend(fontsize=7, ncol=2, loc="lower left")
    for axis in axes[-1]:
        axis.axis("off")
    sentence = textwrap.fill(" ".join(result.sentences), width=200)
    axes[-1][0].text(0, 1, sentence, fontsize=7, va="top", ha="left", transform=axes[-1][0].transAxes)
    correlations = [
        {"region": region} | row
        for region, agreement in result.agreement.items()
        for row in agreement.get("rank_correlations", [])
    ]
    return save_figure(mark_simulated(figure, result.source), out, "metric_panel") + [
        write_csv(out, "metric_panel", result.rows),
        write_csv(out, "rank_correlations", correlations),
        write_json(out, "metric_panel", result),
    ]


def add_panel_arguments(parser: argparse.ArgumentParser) -> None:
    """--measures, --regions, --time-window, --no-controls."""
    parser.add_argument("--measures", nargs="+", default=list(MEASURES), choices=MEASURES, help="similarity measures")
    parser.add_argument("--regions", nargs="+", default=list(REGIONS), choices=REGIONS, help="regions")
    parser.add_argument("--no-controls", action="store_true", help="do not add control-design and control-pixels")
    add_time_window_argument(parser)


def main(argv: Sequence[str] | None = None) -> MetricPanel:
    """``python analyses/metric_panel.py``: parse ``argv`` (default ``sys.argv``), compute, then draw into
    ``--out``; returns the result."""
    args = parse_args("metric_panel", __doc__.splitlines()[0], default_models(), add_panel_arguments, argv)
    result = compute(
        args.models,
        args.source,
        measures=args.measures,
        regions=args.regions,
        checkpoints=args.checkpoints,
        data_root=args.data_root,
        no_cache=args.no_cache,
        time_window=args.time_window,
        controls=not args.no_controls,
    )
    paths = draw(result, args.out)
    print_data_note(result.source)
    print_table(result.rows, COLUMNS + ("rank",), result.notes)
    for region, agreement in result.agreement.items():
        if "kendall_w" in agreement:
            w, p_value = agreement["kendall_w"], agreement["p_permutation"]
            print(f"{region}: Kendall's W {w:.3f} (permutation p {p_value:.3g})")
    for sentence in result.sentences:
        print(textwrap.fill(sentence, width=120))
    print(f"wrote {', '.join(str(path) for path in paths)}")
    return result


if __name__ == "__main__":
    run_script("metric_panel", main)
