"""Fig. A.2: per-cell V2 explained variance of one model against each other model.

Per cell, the mean over splits of (r/r_ceil)^2 of model A (the first of --models) against model B (each other one),
the identity line, the fraction of cells each model explains better and a paired permutation test (median).
Writes figA2_per_neuron.{png,pdf}, per_neuron.csv (one row per cell) and per_neuron.json.

    python analyses/per_neuron.py [--source sim] [--models A B ...] [--region V2]
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
    display_name,
    load_figure_models,
    mark_simulated,
    output_folder,
    pairwise_permutation_tests,
    parse_args,
    per_neuron_ev,
    print_data_note,
    print_table,
    run_script,
    save_figure,
    score_models,
    short_note,
    time_window_record,
    write_csv,
    write_json,
)
from brainscore_lcl.errors import RunError, UsageError

DEFAULT_MODELS = PAPER_MODELS["figA2"]
#: the V1 model whose partition ``--partition-ranking`` marks (as Fig. 4's)
REFERENCE_MODEL = "v1-steerpyr-pool"
PER_NEURON_EV_DEFINITION = (
    "per cell, the mean over splits of the paper's literal (r/r_ceil)^2 (score_paper's "
    "per-cell value; negative r squared as well)"
)


@dataclass
class PerNeuron(FigureResult):
    """Fig. A.2's numbers: the first model against each other one (``comparisons``), every model's per-cell explained
    variance (``per_neuron_ev``: model -> one value per cell of ``neuroid_ids``), skipped models and layers; with a
    partition ranking, the V1-like / V2-like partition (``partition``, its summary) and each comparison's fraction of
    cells better explained within each subset."""

    source: str
    region: str
    benchmark: str
    time_window_ms: list[int]
    time_window_convention: str
    comparisons: list[dict[str, Any]]
    per_neuron_ev: dict[str, np.ndarray]
    per_neuron_ev_definition: str
    neuroid_ids: list[str]
    notes: list[str]
    layers: dict[str, str]
    partition: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The fields as JSON data; ``partition`` only when a partition ranking was asked for."""
        fields = super().to_json()
        if self.partition is None:
            del fields["partition"]
        return fields


def subset_fractions(rows: list[dict[str, Any]], values: dict[str, np.ndarray], partition, neuroid_ids) -> None:
    """Add to each comparison row the fraction of the V1-like and of the V2-like cells (``partition``) that model A
    explains better than model B (``fraction_a_better_v1like``, ``..._v2like``)."""
    for subset in ("v1like", "v2like"):
        mask = partition.mask(subset, neuroid_ids)
        for row in rows:
            a, b = values[row["model_a"]][mask], values[row["model_b"]][mask]
            both = np.isfinite(a) & np.isfinite(b)
            row[f"fraction_a_better_{subset}"] = float(np.mean(a[both] > b[both]))


def comparisons(values: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """The first model against each other one: fraction of cells each explains better, permutation p."""
    first = next(iter(values))
    rows = []
    for test in pairwise_permutation_tests(values):
        if test["model_a"] != first:
            continue
        a, b = values[test["model_a"]], values[test["model_b"]]
        both = np.isfinite(a) & np.isfinite(b)
        rows.append(
            dict(
                test,
                fraction_b_better=float(np.mean(b[both] > a[both])),
                median_a=float(np.median(a[both])),
                median_b=float(np.median(b[both])),
            )
        )
    return rows


def compute(
    models: Sequence[str] = DEFAULT_MODELS,
    source: str = "sim",
    *,
    checkpoints: dict[str, str] | None = None,
    data_root: str | None = None,
    no_cache: bool = False,
    time_window: Sequence[int] = BRAINSCORE_WINDOW_MS,
    region: str = "V2",
    offline_references: bool = False,
    partition_ranking: str | None = None,
) -> PerNeuron:
    """Score ``models`` on ``region`` of ``source`` and compare the first with each other one, cell by cell.
    ``offline_references``: add the offline reference models when some of ``models`` cannot load
    (``load_figure_models``; the script's default models do). ``partition_ranking`` ("sign_aware" or "paper", V2
    only): also mark the V1-like / V2-like cells of ``v1-steerpyr-pool``'s partition so ranked (as Fig. 4's)."""
    if partition_ranking is not None and region != "V2":
        raise UsageError(f"--partition-ranking applies to --region V2 (the V1-like / V2-like cells), not {region}")
    entries, notes = load_figure_models(models, checkpoints or {}, region, source, offline_references)
    if len(entries) < 2:
        raise RunError(
            "per_neuron needs at least two models that load: "
            + ("; ".join(short_note(note) for note in notes) or "only one given")
        )
    bid = benchmark_id(source, region)
    options = benchmark_options(source, data_root, time_window)
    records = score_models(entries, no_cache, bid, options)
    values = {model: per_neuron_ev(record) for model, record in records.items()}
    neuroid_ids = next(iter(records.values())).details["neuroid_ids"]
    rows, partition = comparisons(values), None
    if partition_ranking is not None:
        from brainscore_lcl.analyses.v2_predictivity import reference_partition_for

        partition = reference_partition_for(no_cache, records, REFERENCE_MODEL, bid, options, ranking=partition_ranking)
        subset_fractions(rows, values, partition, neuroid_ids)
    return PerNeuron(
        source=source,
        region=region,
        benchmark=bid,
        **time_window_record(time_window),
        comparisons=rows,
        per_neuron_ev=values,
        per_neuron_ev_definition=PER_NEURON_EV_DEFINITION,
        neuroid_ids=neuroid_ids,
        notes=notes,
        layers={model: record.layer for model, record in records.items()},
        partition=None if partition is None else partition.summary(),
    )


#: the band beyond the shown range into which larger values are compressed, as a fraction of the range
EDGE_BAND = 0.12


def into_edge_band(values: np.ndarray, limit: float) -> np.ndarray:
    """``values`` with those above ``limit`` mapped monotonically into (limit, limit * (1 + EDGE_BAND)):
    v -> limit * (1 + EDGE_BAND * (1 - limit / v)), so that different values keep different places."""
    values = np.asarray(values, dtype=float)
    beyond = values > limit
    compressed = limit * (1 + EDGE_BAND * (1 - limit / np.where(beyond, values, limit)))
    return np.where(beyond, compressed, values)


def mark_subsets(axis: plt.Axes, result: PerNeuron, a: np.ndarray, b: np.ndarray, clipped: np.ndarray) -> None:
    """Ring the V1-like and V2-like cells of ``result.partition`` (those within the shown range)."""
    for subset, color in (("v1like", "tab:green"), ("v2like", "tab:purple")):
        members = set(result.partition[f"{subset}_ids"])
        inside = np.array([neuroid in members for neuroid in result.neuroid_ids]) & ~clipped
        ranking = {"sign_aware": "sign-aware", "paper": "paper's literal"}[result.partition["ranking"]]
        label = f"{'V1' if subset == 'v1like' else 'V2'}-like ({ranking} ranking)"
        axis.scatter(b[inside], a[inside], s=40, facecolors="none", edgecolors=color, lw=1, label=label)


def draw_figure(result: PerNeuron, max_shown: float = 1.5) -> plt.Figure:
    """One scatter per comparison, model B on x, model A on y, with the identity line; cells whose explained
    variance exceeds ``max_shown`` (low-ceiling cells) are drawn as open markers in a shaded band beyond the range,
    their values compressed monotonically (``into_edge_band``) so that they do not hide each other."""
    values, rows = result.per_neuron_ev, result.comparisons
    figure, axes = plt.subplots(1, len(rows), figsize=(4.4 * len(rows), 5.0), squeeze=False)
    finite = np.concatenate([value[np.isfinite(value)] for value in values.values()])
    limit = float(np.clip(np.max(finite) * 1.05, 1.0, max_shown))
    # one range for every panel: with the band wherever any cell lies beyond the limit
    top = limit * (1 + EDGE_BAND + 0.02) if np.max(finite) > limit else limit * 1.02
    for axis, row in zip(axes[0], rows):
        a, b = values[row["model_a"]], values[row["model_b"]]
        clipped = (a > limit) | (b > limit)
        axis.scatter(b[~clipped], a[~clipped], s=12, alpha=0.7)
        if result.partition is not None:
            mark_subsets(axis, result, a, b, clipped)
        if clipped.any():
            axis.axvspan(limit, top, color="0.92", lw=0)
            axis.axhspan(limit, top, color="0.92", lw=0)
            axis.scatter(
                into_edge_band(b[clipped], limit),
                into_edge_band(a[clipped], limit),
                s=24,
                facecolors="none",
                edgecolors="tab:red",
                label=f"{clipped.sum()} cells > {limit:g}, in the shaded band",
            )
        axis.plot([0, limit], [0, limit], "k--", lw=1, label="identity")
        axis.set_xlim(0, top)
        axis.set_ylim(0, top)
        axis.set_aspect("equal")
        axis.set_xlabel(f"{display_name(row['model_b'])} ({result.region} expl. var. per cell)")
        axis.set_ylabel(f"{display_name(row['model_a'])} ({result.region} expl. var. per cell)")
        axis.set_title(
            f"{row['fraction_a_better']:.0%} of cells better explained by {display_name(row['model_a'])}"
            f"\n(paired permutation p = {row['p_permutation']:.3g})",
            fontsize=8,
        )
        axis.legend(loc="lower right", fontsize=7)
    return mark_simulated(figure, result.source)


def draw(result: PerNeuron, out: str | Path | None = None) -> list[Path]:
    """Fig. A.2, the per-cell table (one row per cell, one column per model) and the JSON in ``out``."""
    out = output_folder(out, "per_neuron")
    cells = [
        {"neuroid_id": neuroid, **{model: float(value[index]) for model, value in result.per_neuron_ev.items()}}
        for index, neuroid in enumerate(result.neuroid_ids)
    ]
    return save_figure(draw_figure(result), out, "figA2_per_neuron") + [
        write_csv(out, "per_neuron", cells),
        write_json(out, "per_neuron", result),
    ]


def main(argv: Sequence[str] | None = None) -> PerNeuron:
    """``python analyses/per_neuron.py``: parse ``argv`` (default ``sys.argv``), compute, then draw into
    ``--out``; returns the result."""
    args = parse_args(
        "per_neuron",
        __doc__.splitlines()[0],
        DEFAULT_MODELS,
        lambda parser: (
            parser.add_argument("--region", default="V2", choices=("V1", "V2")),
            add_time_window_argument(parser),
            parser.add_argument(
                "--partition-ranking",
                choices=("sign_aware", "paper"),
                help="also mark the V1-like / V2-like cells, ranked by v1-steerpyr-pool's sign-aware or the paper's "
                "literal per-cell (r/r_ceil)^2, and give each comparison's fractions within them",
            ),
        ),
        argv,
    )
    result = compute(
        args.models,
        args.source,
        checkpoints=args.checkpoints,
        data_root=args.data_root,
        no_cache=args.no_cache,
        time_window=args.time_window,
        region=args.region,
        offline_references=args.default_models,
        partition_ranking=args.partition_ranking,
    )
    paths = draw(result, args.out)
    print_data_note(result.source)
    subsets = ("fraction_a_better_v1like", "fraction_a_better_v2like") if result.partition is not None else ()
    print_table(
        result.comparisons,
        ("model_a", "model_b", "median_a", "median_b", "fraction_a_better", "fraction_b_better", "p_permutation")
        + subsets,
        result.notes,
    )
    print(f"wrote {', '.join(str(path) for path in paths)}")
    return result


if __name__ == "__main__":
    run_script("per_neuron", main)
