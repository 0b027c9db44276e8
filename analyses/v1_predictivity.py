"""Fig. 6: V1 predictivity of each model (the paper's median (r/r_ceil)^2 over the V1 cells, std over splits).

With a 95% bootstrap interval over cells per model and paired permutation tests on per-cell scores for every pair.
Writes fig6_v1_predictivity.{png,pdf}, v1_predictivity.csv, permutation_tests.csv and v1_predictivity.json.

    python analyses/v1_predictivity.py [--source sim] [--models ...] [--checkpoint lcl-v1=PATH]
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

import matplotlib.pyplot as plt  # noqa: E402

from common import (PAPER_MODELS, add_field_of_view_argument, add_time_window_argument, benchmark_id,  # noqa: E402
                    load_models, open_cache, pairwise_permutation_tests, parse_args, per_neuron_ev, predictivity_bars,
                    predictivity_row, print_table, run_script, save_figure, score_definitions, score_models,
                    time_window_record, write_csv, write_json)

DEFAULT_MODELS = PAPER_MODELS["fig6"]
COLUMNS = ("model", "layer", "n_neuroids", "score_paper", "score_paper_std", "score_brainscore", "ci95_low",
           "ci95_high", "field_of_view")


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args("v1_predictivity", __doc__.splitlines()[0], DEFAULT_MODELS,
                      lambda parser: (add_field_of_view_argument(parser), add_time_window_argument(parser)), argv)
    cache = open_cache(args)
    entries, notes = load_models(args.models, args.checkpoints, "V1")
    records = score_models(args, "V1", cache, entries)
    rows = [predictivity_row(record, per_neuron_ev(record)) for record in records.values()]
    tests = pairwise_permutation_tests({model: per_neuron_ev(record) for model, record in records.items()})
    figure, axis = plt.subplots(figsize=(7, 4.5))
    predictivity_bars(axis, rows, f"V1 explained variance (N={rows[0]['n_neuroids']})")
    axis.set_title(f"V1 predictivity ({args.source})")
    paths = save_figure(figure, args.out, "fig6_v1_predictivity")
    write_csv(args.out, "v1_predictivity", rows)
    write_csv(args.out, "permutation_tests", tests)
    result = {"source": args.source, "benchmark": benchmark_id(args.source, "V1"), **time_window_record(args),
              "score_definitions": score_definitions(), "rows": rows,
              "permutation_tests": tests, "notes": notes,
              "records": {model: record.summary() | {"details": record.details} for model, record in records.items()}}
    write_json(args.out, "v1_predictivity", result)
    print_table(rows, COLUMNS, notes)
    print_table(tests, ("model_a", "model_b", "p_permutation", "fraction_a_better"))
    print(f"wrote {', '.join(str(path) for path in paths)} and tables in {args.out}")
    return result


if __name__ == "__main__":
    run_script("v1_predictivity", main)
