"""Fig. 4 and Table A.4: V2 predictivity of each model, and its V1-like / V2-like split.

Left: the paper's V2 score (median over the V2 cells of (r/r_ceil)^2, mean +- std over the 10 splits) with a 95%
bootstrap interval over cells. Right: median explained variance over the V1-like vs the V2-like quartile of V2 cells,
ranked by ``v1-steerpyr-pool`` (Sec. 3.1). Paired permutation tests on per-cell scores for every pair of models,
on all cells and on each subset. Writes fig4_v2_predictivity.{png,pdf}, table_a4.csv, permutation_tests.csv and
v2_predictivity.json into --out.

    python analyses/v2_predictivity.py [--source sim] [--models ...] [--checkpoint lcl-v2=PATH]
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

import matplotlib.pyplot as plt  # noqa: E402

from common import (OFFLINE_MODELS, ScoreCache, add_field_of_view_argument, benchmark_id,  # noqa: E402
                    benchmark_options, cached_score, open_cache, display_name, load_models, median_with_interval,
                    pairwise_permutation_tests, parse_args, per_neuron_ev, predictivity_bars, predictivity_row,
                    print_table, save_figure, score_models, write_csv, write_json)

DEFAULT_MODELS = OFFLINE_MODELS + ["lcl-v2", "lcl-v2net"]
COLUMNS = ("model", "layer", "n_neuroids", "score_paper", "score_paper_std", "score_brainscore", "ci95_low",
           "ci95_high", "v1like", "v2like", "field_of_view")


def reference_partition_for(args, cache: ScoreCache, records: dict[str, Any], reference: str):
    """The V1-like / V2-like partition from ``reference``'s V2 record (scored here if not among the models)."""
    from brainscore_lcl.benchmarks.freemanziemba2013_analyses.benchmark import partition_from_details

    if reference not in records:
        entry = load_models([reference], {})[0][0]
        records = {reference: cached_score(cache, entry, benchmark_id(args.source, "V2"), **benchmark_options(args))}
    return partition_from_details(records[reference].details, reference)


def subset_table(records: dict[str, Any], partition) -> dict[str, dict[str, dict[str, Any]]]:
    """Per model and subset: the paper's score, Brain-Score's score and per-cell values (``subset_scores``)."""
    from brainscore_lcl.benchmarks.freemanziemba2013_analyses.benchmark import SUBSETS, subset_scores

    return {model: {subset: subset_scores(record.details, partition.mask(subset, record.details["neuroid_ids"]))
                    for subset in SUBSETS}
            for model, record in records.items()}


def draw(rows: Sequence[dict[str, Any]], subsets: dict[str, Any], partition_summary: dict[str, Any],
         source: str) -> plt.Figure:
    """Fig. 4: bars (left) and the V1-like vs V2-like scatter (right)."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), gridspec_kw={"width_ratios": [1.3, 1]})
    predictivity_bars(left, rows, f"V2 explained variance (N={rows[0]['n_neuroids']})")
    left.set_title(f"V2 predictivity ({source})")
    for model, values in subsets.items():
        x, y = values["v1like"], values["v2like"]
        right.errorbar(x["score_paper"], y["score_paper"], xerr=x["score_paper_std"], yerr=y["score_paper_std"],
                       fmt="o", capsize=3)
        right.annotate(display_name(model), (x["score_paper"], y["score_paper"]), fontsize=8,
                       xytext=(4, 4), textcoords="offset points")
    right.set_xlabel(f"V2 explained variance (V1-like, N={partition_summary['n_v1like']})")
    right.set_ylabel(f"V2 explained variance (V2-like, N={partition_summary['n_v2like']})")
    right.set_title(f"cells ranked by {display_name(partition_summary['reference'])}")
    return figure


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args("v2_predictivity", __doc__.splitlines()[0], DEFAULT_MODELS,
                      lambda parser: (add_field_of_view_argument(parser),
                                      parser.add_argument("--reference", default="v1-steerpyr-pool",
                                                          help="V1 model that ranks the V2 cells")), argv)
    cache = open_cache(args)
    entries, notes = load_models(args.models, args.checkpoints)
    records = score_models(args, "V2", cache, entries)
    partition = reference_partition_for(args, cache, records, args.reference)
    subsets = subset_table(records, partition)
    rows = []
    for model, record in records.items():
        row = predictivity_row(record, per_neuron_ev(record))
        row.update(v1like=subsets[model]["v1like"]["score_paper"], v2like=subsets[model]["v2like"]["score_paper"])
        rows.append(row)
    tests = [dict(test, cells="all") for test in
             pairwise_permutation_tests({model: per_neuron_ev(record) for model, record in records.items()})]
    for subset in ("v1like", "v2like"):
        tests += [dict(test, cells=subset) for test in pairwise_permutation_tests(
            {model: values[subset]["per_neuron_ev"] for model, values in subsets.items()})]
    summary = partition.summary()
    paths = save_figure(draw(rows, subsets, summary, args.source), args.out, "fig4_v2_predictivity")
    write_csv(args.out, "table_a4", rows)
    write_csv(args.out, "permutation_tests", tests)
    result = {"source": args.source, "benchmark": benchmark_id(args.source, "V2"), "rows": rows,
              "subsets": {model: {subset: {key: value for key, value in scores.items()}
                                  for subset, scores in values.items()} for model, values in subsets.items()},
              "subset_intervals": {model: {subset: median_with_interval(values[subset]["per_neuron_ev"])
                                           for subset in values} for model, values in subsets.items()},
              "partition": summary, "permutation_tests": tests, "notes": notes,
              "records": {model: record.summary() | {"details": record.details} for model, record in records.items()}}
    write_json(args.out, "v2_predictivity", result)
    print_table(rows, COLUMNS)
    print(f"partition by {summary['reference']}: {summary['n_v1like']} V1-like (reference EV >= "
          f"{summary['v1like_min_reference_ev']:.3f}), {summary['n_v2like']} V2-like (reference EV <= "
          f"{summary['v2like_max_reference_ev']:.3f})")
    print_table(tests, ("cells", "model_a", "model_b", "p_permutation", "fraction_a_better"))
    print(f"wrote {', '.join(str(path) for path in paths)} and tables in {args.out}")
    return result


if __name__ == "__main__":
    main()
