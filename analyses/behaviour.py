"""Fig. 8 and Table A.5: OOD accuracy, observed and error consistency with humans, shape bias (and IN-1k accuracy).

Offline, on Geirhos et al.'s 16-class cue-conflict, edge and silhouette sets with their 10 human observers each
(``Geirhos2019local.*``): every model with an ImageNet readout is run through Brain-Score's label task, its decisions
written as CSVs and scored against the humans (``brainscore_lcl.benchmarks.geirhos2019local``). Humans are scored
against each other (leave one out; ``human_reference``) as the reference, their shape bias pooled over observers. OOD
accuracy is the mean over data sets; consistency values are
means over data sets of the means over human observers. ``--online`` adds Brain-Score's 17 ``Geirhos2021*`` data sets
(``-top1`` and ``-error_consistency``; the paper's Table A.5 covers these 17). ``--imagenet-val DIR`` adds IN-1k top-1
accuracy (``start_task(label, 'imagenet')``). ``--decisions NAME=DIR`` adds decisions made elsewhere
(``DIR/<dataset>.csv``). Models without weights, unknown ids, and data sets without data are listed as skipped.
Writes fig8_behaviour.{png,pdf}, table_a5.csv, behaviour_per_dataset.csv and behaviour.json.

    python analyses/behaviour.py [--models ...] [--checkpoint lcl-v2net=PATH] [--data-root DIR] [--online]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from brainscore_lcl.analyses.common import (
    PAPER_MODELS,
    FigureResult,
    display_name,
    output_folder,
    parse_checkpoints,
    print_table,
    run_script,
    save_figure,
    write_csv,
    write_json,
)
from brainscore_lcl.errors import RunError
from brainscore_lcl.score_cache import UNAVAILABLE_MODELS, built_model

HUMANS = "humans"
COLUMNS = (
    "model",
    "in1k_accuracy",
    "ood_accuracy",
    "observed_consistency",
    "error_consistency",
    "shape_bias",
    "ood_accuracy_geirhos2021",
    "error_consistency_geirhos2021",
    "datasets",
)
#: the paper's Table A.5 (17 Geirhos2021 data sets) and human references (Fig. 8 caption), for the figure
PAPER_TABLE_A5 = {
    "lcl-v2net": (0.492, 0.211),
    "barlow-e2e-alexnet": (0.451, 0.166),
    "alexnet-supervised": (0.443, 0.165),
    "vonenet-alexnet": (0.407, 0.168),
    "alexnet-l2at-eps3": (0.391, 0.176),
}
PAPER_HUMANS = (0.73, 0.43)


@dataclass
class Behaviour(FigureResult):
    """Fig. 8's and Table A.5's numbers: the data sets read, one table row per model then the humans' (``table_a5``),
    per-data-set results per model, the humans' leave-one-out values, the paper's values and what was skipped."""

    datasets: list[str]
    table_a5: list[dict[str, Any]]
    per_dataset: dict[str, dict[str, dict[str, Any]]]
    humans_leave_one_out: dict[str, Any]
    paper_table_a5: dict[str, tuple[float, float]]
    paper_humans: tuple[float, float]
    skipped: list[str]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    from brainscore_lcl.errors import ArgumentParser

    parser = ArgumentParser(prog="analyses/behaviour.py", description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=list(PAPER_MODELS["fig8"]), help="model ids")
    parser.add_argument(
        "--checkpoint",
        nargs="*",
        default=[],
        metavar="MODEL=PATH",
        help="checkpoint of a model, e.g. lcl-v2net=runs/net/lcl-v2net.pt (repeatable)",
    )
    parser.add_argument(
        "--decisions",
        nargs="*",
        default=[],
        metavar="NAME=DIR",
        help="decisions made elsewhere: DIR/<dataset>.csv in the human files' format",
    )
    parser.add_argument(
        "--data-root", help="Geirhos data folder (default $BRAINSCORE_LCL_GEIRHOS_ROOT, else ../shared/data/geirhos)"
    )
    parser.add_argument("--imagenet-val", help="ImageNet validation folder (<wnid>/*.JPEG) for IN-1k accuracy")
    parser.add_argument("--online", action="store_true", help="also Brain-Score's 17 Geirhos2021 data sets")
    parser.add_argument("--out", default="results/behaviour", help="output folder")
    args = parser.parse_args(argv)
    args.checkpoints = parse_checkpoints(args.checkpoint)
    args.decision_dirs = parse_checkpoints(args.decisions)
    args.out = output_folder(args.out, "behaviour")
    return args


def load_behaving_models(model_ids: Sequence[str], checkpoints: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """{id: BrainModel} of the models that can be built; one 'skipped <id>: <reason>' line for each other."""
    from brainscore_lcl.checkpoint import CheckpointError
    from brainscore_lcl.data.sources import DataUnavailableError
    from brainscore_lcl.model_helpers.commitment import ModelUnavailableError
    from brainscore_lcl.scoring import UnknownIdentifierError

    models, skipped = {}, []
    for model_id in model_ids:
        if model_id in UNAVAILABLE_MODELS and model_id not in checkpoints:
            skipped.append(f"skipped {model_id}: {UNAVAILABLE_MODELS[model_id]}")
            continue
        try:
            models[model_id] = built_model(model_id, checkpoints.get(model_id))
        except UnknownIdentifierError:
            skipped.append(f"skipped {model_id}: not a model id of this suite or brainscore_vision")
        except (ModelUnavailableError, DataUnavailableError, CheckpointError) as error:
            skipped.append(f"skipped {model_id}: {error}")
    return models, skipped


def imagenet_accuracy(model, folder: str) -> float:
    """IN-1k top-1 accuracy of ``model`` on an ImageNet-style folder, through ``start_task(label, 'imagenet')``."""
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet
    from brainscore_vision.model_interface import BrainModel

    from brainscore_lcl.training.supervised import find_samples, imagenet_wnids

    samples = find_samples(folder)
    ids = [str(path.relative_to(folder)) for path, _ in samples]
    stimuli = StimulusSet({"stimulus_id": ids, "wnid": [imagenet_wnids()[label] for _, label in samples]})
    stimuli.stimulus_paths = {identifier: path for identifier, (path, _) in zip(ids, samples)}
    stimuli.identifier = f"brainscore-lcl.imagenet-val-{len(ids)}-{Path(folder).resolve().name}"
    model.start_task(BrainModel.Task.label, "imagenet")
    choices = model.look_at(stimuli, number_of_trials=1)
    return float(np.mean(np.asarray(choices.values).reshape(-1) == stimuli["wnid"].values))


def online_scores(model_id: str, model) -> tuple[dict[str, float], str | None]:
    """Mean raw top-1 accuracy and error consistency over Brain-Score's 17 Geirhos2021 data sets, or the reason why
    they could not be had (the first failure stops the rest)."""
    from brainscore_vision.benchmarks.geirhos2021 import DATASETS as GEIRHOS2021

    from brainscore_lcl.data.sources import DataUnavailableError
    from brainscore_lcl.metrics.behaviour import ood_accuracy
    from brainscore_lcl.scoring import score

    accuracies, consistencies = {}, []
    try:
        for dataset in GEIRHOS2021:
            name = dataset.replace("-", "")
            accuracies[dataset] = score(model_id, f"Geirhos2021{name}-top1", model=model).score
            consistencies.append(score(model_id, f"Geirhos2021{name}-error_consistency", model=model).raw)
    except DataUnavailableError as error:
        return {}, str(error)
    return {
        "ood_accuracy_geirhos2021": ood_accuracy(accuracies),
        "error_consistency_geirhos2021": float(np.mean(consistencies)),
    }, None


def summary_row(name: str, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One Table A.5 row from per-data-set results ({dataset: result}) of a model or of the humans."""
    from brainscore_lcl.metrics.behaviour import ood_accuracy

    return {
        "model": name,
        "ood_accuracy": ood_accuracy({dataset: result["accuracy"] for dataset, result in results.items()}),
        "observed_consistency": float(np.mean([result["observed_consistency"] for result in results.values()])),
        "error_consistency": float(np.mean([result["error_consistency"] for result in results.values()])),
        "shape_bias": results["cue-conflict"]["shape_bias"] if "cue-conflict" in results else None,
        "datasets": " ".join(results),
    }


def flat_result(name: str, result: dict[str, Any]) -> dict[str, Any]:
    """A per-data-set result as one CSV row (its per-observer values and file lists stay in the JSON)."""
    return {"model": name, **{key: value for key, value in result.items() if not isinstance(value, (dict, list))}}


def draw_figure(rows: Sequence[dict[str, Any]], humans: dict[str, Any], out: Path) -> list[Path]:
    """Fig. 8: OOD accuracy and error consistency per model, humans (leave one out) as dashed lines, the paper's
    values (17 data sets) as open markers where the paper reports the model."""
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    names = [display_name(row["model"]) for row in rows]
    for axis, key, label, paper_index in (
        (axes[0], "ood_accuracy", "OOD accuracy (top-1, 16 classes)", 0),
        (axes[1], "error_consistency", "Error consistency (kappa)", 1),
    ):
        values = [row[key] for row in rows]
        axis.bar(range(len(rows)), values, color="tab:blue", label="this run (cue-conflict, edge, silhouette)")
        paper = [
            (index, PAPER_TABLE_A5[row["model"]][paper_index])
            for index, row in enumerate(rows)
            if row["model"] in PAPER_TABLE_A5
        ]
        if paper:
            axis.scatter(*zip(*paper), marker="o", facecolors="none", edgecolors="k", label="paper (17 data sets)")
        axis.axhline(humans[key], color="tab:red", linestyle="--", label=f"humans {humans[key]:.2f} (this data)")
        axis.axhline(
            PAPER_HUMANS[paper_index],
            color="tab:red",
            linestyle=":",
            label=f"humans {PAPER_HUMANS[paper_index]:.2f} (paper)",
        )
        axis.set_xticks(range(len(rows)), names, rotation=30, ha="right")
        axis.set_ylabel(label)
    axes[0].legend(fontsize=7, loc="lower left")
    figure.suptitle("Fig. 8: OOD generalisation and error consistency with human observers")
    return save_figure(figure, out, "fig8_behaviour")


def compute(
    models: Sequence[str] = PAPER_MODELS["fig8"],
    source: str | None = None,
    *,
    checkpoints: dict[str, str] | None = None,
    decisions: dict[str, str] | None = None,
    data_root: str | None = None,
    imagenet_val: str | None = None,
    online: bool = False,
) -> Behaviour:
    """Table A.5 for ``models`` (and for the decisions in ``decisions``: {name: folder of <dataset>.csv}) on the
    Geirhos data sets under ``data_root``; IN-1k accuracy with ``imagenet_val``, Brain-Score's 17 Geirhos2021 data
    sets with ``online``. ``source`` is unused (no neural data)."""
    from brainscore_lcl.benchmarks.geirhos2019local.benchmark import human_reference, score_decision_files, score_model
    from brainscore_lcl.data.geirhos import DATASETS
    from brainscore_lcl.data.sources import DataUnavailableError

    skipped, humans = [], {}
    for dataset in DATASETS:
        try:
            humans[dataset] = human_reference(dataset, data_root)
        except DataUnavailableError as error:
            skipped.append(f"skipped data set {dataset}: {error}")
    datasets = list(humans)
    if not datasets:
        raise RunError(f"no Geirhos data set could be read ({skipped[0]})")
    loaded, skipped_models = load_behaving_models(models, checkpoints or {})
    skipped += skipped_models
    results_by_model, rows = {}, []
    for name, model in loaded.items():
        results = score_model(model, datasets, data_root)
        row = summary_row(name, results)
        if imagenet_val:
            row["in1k_accuracy"] = imagenet_accuracy(model, imagenet_val)
        if online:
            online_values, reason = online_scores(name, model)
            row.update(online_values)
            if reason:
                skipped.append(f"skipped Geirhos2021 data sets for {name}: {reason}")
        rows.append(row)
        results_by_model[name] = results
    for name, folder in (decisions or {}).items():
        files = {dataset: Path(folder) / f"{dataset}.csv" for dataset in datasets}
        results = {
            dataset: score_decision_files([path], dataset, data_root)
            for dataset, path in files.items()
            if path.is_file()
        }
        skipped += [
            f"skipped data set {dataset} for {name}: {path} does not exist"
            for dataset, path in files.items()
            if not path.is_file()
        ]
        if results:
            rows.append(summary_row(name, results))
            results_by_model[name] = results
    if not imagenet_val:
        skipped.append("skipped IN-1k accuracy: no --imagenet-val folder given")
    if not rows:
        skipped.append("skipped the figure: no model could be run")
    return Behaviour(
        datasets=datasets,
        table_a5=rows + [summary_row(HUMANS, humans)],
        per_dataset=results_by_model,
        humans_leave_one_out={dataset: value["observers"] for dataset, value in humans.items()},
        paper_table_a5=PAPER_TABLE_A5,
        paper_humans=PAPER_HUMANS,
        skipped=skipped,
    )


def draw(result: Behaviour, out: str | Path | None = None) -> list[Path]:
    """Fig. 8 (when a model was run), Table A.5, the per-data-set table and the JSON in ``out``."""
    out = output_folder(out, "behaviour")
    rows, human_row = result.table_a5[:-1], result.table_a5[-1]
    paths = draw_figure(rows, human_row, out) if rows else []
    return paths + [
        write_csv(out, "table_a5", [{column: row.get(column) for column in COLUMNS} for row in result.table_a5]),
        write_csv(
            out,
            "behaviour_per_dataset",
            [flat_result(name, value) for name, results in result.per_dataset.items() for value in results.values()],
        ),
        write_json(out, "behaviour", result),
    ]


def main(argv: Sequence[str] | None = None) -> Behaviour:
    args = parse_args(argv)
    result = compute(
        args.models,
        checkpoints=args.checkpoints,
        decisions=args.decision_dirs,
        data_root=args.data_root,
        imagenet_val=args.imagenet_val,
        online=args.online,
    )
    paths = draw(result, args.out)
    print_table(result.table_a5, COLUMNS, result.skipped)
    print(f"wrote {', '.join(map(str, paths))}")
    return result


if __name__ == "__main__":
    run_script("behaviour", main)
