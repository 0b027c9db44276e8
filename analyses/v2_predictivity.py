"""Fig. 4 and Table A.4: V2 predictivity of each model, and its V1-like / V2-like split.

Left: the paper's V2 score (median over the V2 cells of (r/r_ceil)^2, mean +- std over the 10 splits) with a 95%
bootstrap interval over cells. Right: median explained variance over the V1-like vs the V2-like quartile of V2 cells,
ranked by ``v1-steerpyr-pool``'s sign-aware per-cell explained variance (Sec. 3.1; ``--partition-ranking paper``: by
the paper's literal per-cell (r/r_ceil)^2, recorded as the partitions' ``ranking``), ranked on the scored split as the
paper does; the same quartiles ranked on the public split and scored on the private one are reported beside them
(``*_public_selection``; not for --source public). Every score is given as the paper's literal median (r/r_ceil)^2
and as its sign-aware variant (``score_definitions`` in the JSON). Paired permutation tests on per-cell scores for
every pair of models,
on all cells and on each subset. Table A.4: every row of the paper's table (values from data/paper_table_a4.json)
beside ours, models that could not be scored marked with the reason. Writes fig4_v2_predictivity.{png,pdf},
v2_predictivity.csv, table_a4.csv, permutation_tests.csv and v2_predictivity.json into --out.

    python analyses/v2_predictivity.py [--source sim] [--models ...] [--checkpoint lcl-v2=PATH]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from brainscore_lcl.analyses.common import (
    BRAINSCORE_WINDOW_MS,
    PAPER_MODELS,
    FigureResult,
    LoadedModel,
    add_field_of_view_argument,
    add_time_window_argument,
    benchmark_id,
    benchmark_options,
    cell_score,
    display_name,
    load_figure_models,
    mark_simulated,
    median_with_interval,
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
from brainscore_lcl.scoring import built_model

DEFAULT_MODELS = PAPER_MODELS["fig4"] + [
    model for model in PAPER_MODELS["table_a4"] if model not in PAPER_MODELS["fig4"]
]
PAPER_TABLE_A4 = Path(__file__).resolve().parent / "data" / "paper_table_a4.json"
TABLE_A4_COLUMNS = (
    "paper_name",
    "model",
    "paper_score",
    "paper_std",
    "score_paper",
    "score_paper_std",
    "score_brainscore",
    "status",
)
#: how the printed partition line names each ranking
RANKING_NAMES = {"sign_aware": "sign-aware EV", "paper": "the paper's literal (r/r_ceil)^2"}
COLUMNS = (
    "model",
    "layer",
    "n_neuroids",
    "score_paper",
    "score_paper_std",
    "score_brainscore",
    "ci95_low",
    "ci95_high",
    "v1like",
    "v2like",
    "v1like_public_selection",
    "v2like_public_selection",
    "field_of_view",
)


@dataclass
class V2Predictivity(FigureResult):
    """Fig. 4's and Table A.4's numbers: one row per model, per-subset scores (``subsets``: model -> v1like/v2like ->
    ``subset_scores``) with bootstrap intervals, the partitions (scored split and public-split selection),
    permutation tests, skipped models (``notes``), Table A.4 and each model's ``ScoreRecord`` (``records``)."""

    source: str
    benchmark: str
    time_window_ms: list[int]
    time_window_convention: str
    score_definitions: dict[str, str]
    rows: list[dict[str, Any]]
    subsets: dict[str, dict[str, dict[str, Any]]]
    subset_intervals: dict[str, dict[str, dict[str, float]]]
    partition: dict[str, Any]
    partition_public_selection: dict[str, Any] | None
    subsets_public_selection: dict[str, dict[str, dict[str, Any]]]
    permutation_tests: list[dict[str, Any]]
    notes: list[str]
    table_a4: list[dict[str, Any]]
    records: dict[str, dict[str, Any]]


def reference_partition_for(
    recompute: bool,
    records: dict[str, Any],
    reference: str,
    benchmark: str,
    options: dict[str, Any],
    access: str | None = None,
    ranking: str = "sign_aware",
):
    """The V1-like / V2-like partition from ``reference``'s V2 record, ranked by ``ranking`` ("sign_aware" or
    "paper"): the one among ``records`` (scored here if it is not among them), or with ``access="public"`` its record
    on the public split of the same source (``recompute``: scored again)."""
    from brainscore_lcl.benchmarks.freemanziemba2013_partition.benchmark import partition_from_details

    if reference not in records or access is not None:
        entry = LoadedModel(reference, built_model(reference), None)
        options = options | ({"access": access} if access else {})
        records = {reference: cell_score(entry, benchmark, recompute, **options)}
    return partition_from_details(records[reference].details, reference, ranking=ranking)


def subset_table(records: dict[str, Any], partition) -> dict[str, dict[str, dict[str, Any]]]:
    """Per model and subset: the paper's score, Brain-Score's score and per-cell values (``subset_scores``)."""
    from brainscore_lcl.benchmarks.freemanziemba2013_partition.benchmark import SUBSETS, subset_scores

    return {
        model: {
            subset: subset_scores(record.details, partition.mask(subset, record.details["neuroid_ids"]))
            for subset in SUBSETS
        }
        for model, record in records.items()
    }


#: what the paper's Table A.4 values were computed on, and ours per source (a column of Table A.4 beside each value)
PAPER_A4_DATA = "paper: real V2 recordings (Brain-Score's FreemanZiemba2013)"
OUR_A4_DATA = {
    "sim": "ours: SIMULATED V2 cells, not comparable with the paper's values",
    "public": "ours: real V2 recordings, Brain-Score's public split",
    "official": "ours: real V2 recordings, Brain-Score's private split",
    "local": "ours: real V2 recordings, the raw release",
}


def table_a4(rows: Sequence[dict[str, Any]], notes: Sequence[str], source: str = "official") -> list[dict[str, Any]]:
    """Every row of the paper's Table A.4 with the paper's value beside ours, each with the data it comes from
    (``paper_data``, ``our_data``: on ``sim`` simulated, so not comparable); a model that was not scored says why
    (its skip note, or that it was left out of the models)."""
    ours = {row["model"]: row for row in rows}
    table = []
    for paper in json.loads(PAPER_TABLE_A4.read_text())["rows"]:
        model = paper["model"]
        row = ours.get(model, {})
        skipped = [note.split(": ", 1)[1] for note in notes if note.startswith(f"skipped {model}: ")]
        status = "scored" if row else (f"skipped: {skipped[0]}" if skipped else "not scored (not in --models)")
        table.append(
            {
                "paper_name": paper["paper_name"],
                "model": model,
                "paper_score": paper["v2_score"],
                "paper_std": paper["v2_std"],
                "paper_data": PAPER_A4_DATA,
                "score_paper": row.get("score_paper"),
                "score_paper_std": row.get("score_paper_std"),
                "score_brainscore": row.get("score_brainscore"),
                "our_data": OUR_A4_DATA[source],
                "status": status,
            }
        )
    return table


def subset_tests(records: dict[str, Any], subsets: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Paired permutation tests between every pair of models on all cells, then on each subset (``cells``)."""
    tests = [
        dict(test, cells="all")
        for test in pairwise_permutation_tests({model: per_neuron_ev(record) for model, record in records.items()})
    ]
    for subset in ("v1like", "v2like"):
        tests += [
            dict(test, cells=subset)
            for test in pairwise_permutation_tests(
                {model: values[subset]["per_neuron_ev"] for model, values in subsets.items()}
            )
        ]
    return tests


def compute(
    models: Sequence[str] = DEFAULT_MODELS,
    source: str = "sim",
    *,
    checkpoints: dict[str, str] | None = None,
    data_root: str | None = None,
    no_cache: bool = False,
    time_window: Sequence[int] = BRAINSCORE_WINDOW_MS,
    fields_of_view: Sequence[float] | None = None,
    reference: str = "v1-steerpyr-pool",
    partition_ranking: str = "sign_aware",
    offline_references: bool = False,
) -> V2Predictivity:
    """Score ``models`` on V2 of ``source`` and split the V2 cells by ``reference`` (a V1 model) into V1-like and
    V2-like quartiles, ranked by ``partition_ranking`` ("sign_aware", or "paper": the literal per-cell
    (r/r_ceil)^2) (``time_window`` in ms; fields of view swept over ``fields_of_view`` degrees when given).
    ``offline_references``: add the offline reference models when some of ``models`` cannot load
    (``load_figure_models``; the script's default models do). ``reference`` is checked (a known id committing V2)
    before anything is scored."""
    from brainscore_lcl.model_helpers.commitment import require_registered_region
    from brainscore_lcl.scoring import check_model_ids

    check_model_ids([reference])
    require_registered_region(reference, "V2")
    options = benchmark_options(source, data_root, time_window)
    entries, notes = load_figure_models(models, checkpoints or {}, "V2", source, offline_references)
    bid = benchmark_id(source, "V2")
    records = score_models(entries, no_cache, bid, options, fields_of_view)
    partition = reference_partition_for(no_cache, records, reference, bid, options, ranking=partition_ranking)
    subsets = subset_table(records, partition)
    held_out = (
        None
        if source == "public"
        else reference_partition_for(no_cache, records, reference, bid, options, "public", partition_ranking)
    )
    held_out_subsets = subset_table(records, held_out) if held_out else {}
    rows = []
    for model, record in records.items():
        row = predictivity_row(record, per_neuron_ev(record))
        for subset in ("v1like", "v2like"):
            row[subset] = subsets[model][subset]["score_paper"]
            row[f"{subset}_sign_aware"] = subsets[model][subset]["score_paper_sign_aware"]
            row[f"{subset}_public_selection"] = held_out_subsets[model][subset]["score_paper"] if held_out else None
        rows.append(row)
    return V2Predictivity(
        source=source,
        benchmark=bid,
        **time_window_record(time_window),
        score_definitions=score_definitions(),
        rows=rows,
        subsets=subsets,
        subset_intervals={
            model: {subset: median_with_interval(values[subset]["per_neuron_ev"]) for subset in values}
            for model, values in subsets.items()
        },
        partition=partition.summary(),
        partition_public_selection=held_out.summary() if held_out else None,
        subsets_public_selection=held_out_subsets,
        permutation_tests=subset_tests(records, subsets),
        notes=notes,
        table_a4=table_a4(rows, notes, source),
        records={model: record_json(record) for model, record in records.items()},
    )


def draw_figure(result: V2Predictivity) -> plt.Figure:
    """Fig. 4: bars (left) and the V1-like vs V2-like scatter (right)."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), gridspec_kw={"width_ratios": [1.3, 1]})
    predictivity_bars(left, result.rows, f"V2 explained variance (N={result.rows[0]['n_neuroids']})")
    left.set_title(f"V2 predictivity ({result.source})")
    for model, values in result.subsets.items():
        x, y = values["v1like"], values["v2like"]
        right.errorbar(
            x["score_paper"], y["score_paper"], xerr=x["score_paper_std"], yerr=y["score_paper_std"], fmt="o", capsize=3
        )
        right.annotate(
            display_name(model),
            (x["score_paper"], y["score_paper"]),
            fontsize=8,
            xytext=(4, 4),
            textcoords="offset points",
        )
    right.set_xlabel(f"V2 explained variance (V1-like, N={result.partition['n_v1like']})")
    right.set_ylabel(f"V2 explained variance (V2-like, N={result.partition['n_v2like']})")
    ranking = "" if result.partition["ranking"] == "sign_aware" else ", literal (r/r_ceil)$^2$"
    right.set_title(f"cells ranked by {display_name(result.partition['reference'])}{ranking}")
    return mark_simulated(figure, result.source)


def draw(result: V2Predictivity, out: str | Path | None = None) -> list[Path]:
    """Fig. 4, its three tables (rows, Table A.4, permutation tests) and the JSON in ``out``."""
    out = output_folder(out, "v2_predictivity")
    return save_figure(draw_figure(result), out, "fig4_v2_predictivity") + [
        write_csv(out, "v2_predictivity", result.rows),
        write_csv(out, "table_a4", result.table_a4),
        write_csv(out, "permutation_tests", result.permutation_tests),
        write_json(out, "v2_predictivity", result),
    ]


def print_partitions(result: V2Predictivity) -> None:
    """One line per partition: its reference, where it was ranked and the subsets' sizes and thresholds."""
    for name, ranked in (
        ("paper's procedure", result.partition),
        ("public-split selection", result.partition_public_selection),
    ):
        if ranked is not None:
            print(
                f"partition by {ranked['reference']} ({name}, ranked on {ranked['selected_on']}, "
                f"{RANKING_NAMES[ranked['ranking']]}): "
                f"{ranked['n_v1like']} V1-like (reference EV >= {ranked['v1like_min_reference_ev']:.3f}), "
                f"{ranked['n_v2like']} V2-like (reference EV <= {ranked['v2like_max_reference_ev']:.3f})"
            )


def main(argv: Sequence[str] | None = None) -> V2Predictivity:
    """``python analyses/v2_predictivity.py``: parse ``argv`` (default ``sys.argv``), compute, then draw into
    ``--out``; returns the result."""
    args = parse_args(
        "v2_predictivity",
        __doc__.splitlines()[0],
        DEFAULT_MODELS,
        lambda parser: (
            add_field_of_view_argument(parser),
            add_time_window_argument(parser),
            parser.add_argument("--reference", default="v1-steerpyr-pool", help="V1 model that ranks the V2 cells"),
            parser.add_argument(
                "--partition-ranking",
                choices=("sign_aware", "paper"),
                default="sign_aware",
                help="rank the V2 cells by the reference's sign-aware per-cell explained variance (default) or by "
                "the paper's literal per-cell (r/r_ceil)^2",
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
        fields_of_view=args.fields_of_view,
        reference=args.reference,
        partition_ranking=args.partition_ranking,
        offline_references=args.default_models,
    )
    paths = draw(result, args.out)
    print_data_note(result.source)
    print_table(result.rows, COLUMNS, result.notes)
    print(f"Table A.4 ({PAPER_A4_DATA}; {OUR_A4_DATA[result.source]}: {result.benchmark})")
    # a skipped model's reason is printed once, under the first table
    printed = [dict(row, status=row["status"].split(":")[0]) for row in result.table_a4]
    print_table(printed, TABLE_A4_COLUMNS)
    print_partitions(result)
    print_table(result.permutation_tests, ("cells", "model_a", "model_b", "p_permutation", "fraction_a_better"))
    print(f"wrote {', '.join(str(path) for path in paths)}")
    return result


if __name__ == "__main__":
    run_script("v2_predictivity", main)
