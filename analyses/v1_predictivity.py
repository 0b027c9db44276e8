"""Fig. 6: V1 predictivity of each model (the paper's median (r/r_ceil)^2 over the V1 cells, std over splits).

With a 95% bootstrap interval over cells per model and paired permutation tests on per-cell scores for every pair.
Writes fig6_v1_predictivity.{png,pdf}, v1_predictivity.csv, permutation_tests.csv and v1_predictivity.json.

    python analyses/v1_predictivity.py [--source sim] [--models ...] [--checkpoint lcl-v1=PATH]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from brainscore_lcl.analyses.common import (
    BRAINSCORE_WINDOW_MS,
    PAPER_MODELS,
    FigureResult,
    add_field_of_view_argument,
    add_time_window_argument,
    benchmark_id,
    benchmark_options,
    load_figure_models,
    mark_simulated,
    output_folder,
    pairwise_permutation_tests,
    parse_args,
    per_neuron_ev,
    predictivity_bars,
    predictivity_row,
    print_data_note,
    print_table,
    record_json,
    run_script,
    save_figure,
    score_definitions,
    score_models,
    time_window_record,
    write_csv,
    write_json,
)

DEFAULT_MODELS = PAPER_MODELS["fig6"]
COLUMNS = (
    "model",
    "layer",
    "n_neuroids",
    "score_paper",
    "score_paper_std",
    "score_brainscore",
    "ci95_low",
    "ci95_high",
    "field_of_view",
)


@dataclass
class V1Predictivity(FigureResult):
    """Fig. 6's numbers: one row per model (``predictivity_row``), permutation tests between every pair, skipped
    models (``notes``) and each model's ``ScoreRecord`` (``records``)."""

    source: str
    benchmark: str
    time_window_ms: list[int]
    time_window_convention: str
    score_definitions: dict[str, str]
    rows: list[dict[str, Any]]
    permutation_tests: list[dict[str, Any]]
    notes: list[str]
    records: dict[str, dict[str, Any]]


def compute(
    models: Sequence[str] = DEFAULT_MODELS,
    source: str = "sim",
    *,
    checkpoints: dict[str, str] | None = None,
    data_root: str | None = None,
    no_cache: bool = False,
    time_window: Sequence[int] = BRAINSCORE_WINDOW_MS,
    fields_of_view: Sequence[float] | None = None,
    offline_references: bool = False,
) -> V1Predictivity:
    """Score ``models`` on V1 of ``source`` (``time_window`` in ms; each model's field of view swept over
    ``fields_of_view`` degrees first when given).
    ``offline_references``: add the offline reference models when some of ``models`` cannot load
    (``load_figure_models``; the script's default models do)."""
    entries, notes = load_figure_models(models, checkpoints or {}, "V1", source, offline_references)
    bid = benchmark_id(source, "V1")
    records = score_models(
        entries,
        no_cache,
        bid,
        benchmark_options(source, data_root, time_window),
        fields_of_view,
    )
    values = {model: per_neuron_ev(record) for model, record in records.items()}
    return V1Predictivity(
        source=source,
        benchmark=bid,
        **time_window_record(time_window),
        score_definitions=score_definitions(),
        rows=[predictivity_row(record, values[model]) for model, record in records.items()],
        permutation_tests=pairwise_permutation_tests(values),
        notes=notes,
        records={model: record_json(record) for model, record in records.items()},
    )


def draw(result: V1Predictivity, out: str | Path | None = None) -> list[Path]:
    """Fig. 6 (bars with the std over splits and the bootstrap interval), its two tables and the JSON in ``out``."""
    out = output_folder(out, "v1_predictivity")
    figure, axis = plt.subplots(figsize=(7, 4.5))
    predictivity_bars(axis, result.rows, f"V1 explained variance (N={result.rows[0]['n_neuroids']})")
    axis.set_title(f"V1 predictivity ({result.source})")
    return save_figure(mark_simulated(figure, result.source), out, "fig6_v1_predictivity") + [
        write_csv(out, "v1_predictivity", result.rows),
        write_csv(out, "permutation_tests", result.permutation_tests),
        write_json(out, "v1_predictivity", result),
    ]


def main(argv: Sequence[str] | None = None) -> V1Predictivity:
    """``python analyses/v1_predictivity.py``: parse ``argv`` (default ``sys.argv``), compute, then draw into
    ``--out``; returns the result."""
    args = parse_args(
        "v1_predictivity",
        __doc__.splitlines()[0],
        DEFAULT_MODELS,
        lambda parser: (add_field_of_view_argument(parser), add_time_window_argument(parser)),
        argv,
    )
    result = compute(
        args.models,
        args.source,
        checkpoints=args.checkpoints,
        data_root=args.data_root,
        no_cache=args.no_cache,
        time_window=args.time_window,
        fields_of_view=args.fields_of_view,
        offline_references=args.default_models,
    )
    paths = draw(result, args.out)
    print_data_note(result.source)
    print_table(result.rows, COLUMNS, result.notes)
    print_table(result.permutation_tests, ("model_a", "model_b", "p_permutation", "fraction_a_better"))
    print(f"wrote {', '.join(str(path) for path in paths)}")
    return result


if __name__ == "__main__":
    run_script("v1_predictivity", main)
