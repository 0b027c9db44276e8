"""Fig. 8 and Table A.5: OOD accuracy, observed and error consistency with humans, shape bias (and IN-1k accuracy).

Offline, on Geirhos et al.'s 16-class cue-conflict, edge and silhouette sets with their 10 human observers each
(``Geirhos2019local.*``): every model with an ImageNet readout is run on the stimuli (full-field), its 16-class
decisions (stable log-softmax rule) written as CSVs and scored against the humans
(``brainscore_lcl.benchmarks.geirhos2019local``). Humans are scored against each other (leave one out;
``human_reference``) as the reference, their shape bias pooled over observers (over cue-conflict trials whose shape and
texture differ). OOD accuracy is the mean over data sets; consistency values are means over data sets of the means over
human observers.

The self-supervised encoders have no ImageNet readout: the paper trains a classifier stage on each (A.1.6), so
``barlow-e2e-alexnet`` (and ``blockbarlow``, ``lcl-v2``) stand for their networks ``barlow-e2e-alexnet-net`` (...)
trained with ``brainscore train-net``; ``--checkpoint barlow-e2e-alexnet=PATH`` takes that network's checkpoint. A model
without an ImageNet readout is listed as skipped with the reason.

``--online`` adds Brain-Score's 17 ``Geirhos2021`` data sets (the paper's Table A.5 covers these 17): their stimulus
sets and human assemblies scored as the offline sets (full-field, signed error consistency, as ``model-vs-human`` and
the paper), in the ``*_geirhos2021`` columns beside the paper's values; Brain-Score's own benchmarks only in the
``brainscore_*`` columns: ``Geirhos2021*-top1`` (the stimuli shown as they are, filling the model's field of view, 10
trials, a choice among the data set's labels) and ``Geirhos2021*-error_consistency`` (the stimuli placed at 3 of the
model's 8 degrees, ``abs`` of the mean consistency; brainscore_vision 2.4.2's ``benchmarks/geirhos2021``).
``--imagenet-val DIR`` adds IN-1k top-1 accuracy with the standard evaluation crop (short side resized to 256, centre
crop 224, the model's own normalisation), not Brain-Score's squash to 224 x 224. ``--decisions NAME=DIR`` adds decisions
made elsewhere (``DIR/<dataset>.csv``). Models without weights or readout, unknown ids, and data sets without data are
listed as skipped. Writes fig8_behaviour.{png,pdf}, table_a5.csv, behaviour_per_dataset.csv and behaviour.json.

    python analyses/behaviour.py [--models ...] [--checkpoint barlow-e2e-alexnet=PATH] [--data-root DIR] [--online]
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from brainscore_lcl.analyses.common import (
    PAPER_MODELS,
    UNAVAILABLE_MODELS,
    FigureResult,
    display_name,
    output_folder,
    parse_checkpoints,
    print_table,
    require_models,
    run_script,
    save_figure,
    write_csv,
    write_json,
)
from brainscore_lcl.errors import RunError
from brainscore_lcl.scoring import built_model

HUMANS = "humans"
COLUMNS = (
    "model",
    "in1k_accuracy",
    "ood_accuracy",
    "observed_consistency",
    "error_consistency",
    "shape_bias",
    "ood_accuracy_geirhos2021",
    "observed_consistency_geirhos2021",
    "error_consistency_geirhos2021",
    "brainscore_top1_geirhos2021",
    "brainscore_error_consistency_geirhos2021",
    "datasets",
)
#: what the IN-1k and Geirhos2021 columns hold (printed under the table, saved in the JSON)
COLUMN_NOTES = {
    "in1k_accuracy": "top-1 on --imagenet-val, standard evaluation crop (resize 256, centre crop 224)",
    "*_geirhos2021": "Brain-Score's 17 Geirhos2021 stimulus sets and human assemblies, full-field, signed error "
    "consistency (as model-vs-human and the paper): comparable with the paper's Table A.5",
    "brainscore_*_geirhos2021": "Brain-Score's own Geirhos2021 benchmarks (top1: stimuli filling the model's field "
    "of view; error consistency: stimuli at 3 of 8 degrees, abs(mean), raw values): not comparable with the paper",
}
#: the paper's Table A.5 (17 Geirhos2021 data sets) and human references (Fig. 8 caption), for the figure
PAPER_TABLE_A5 = {
    "lcl-v2net": (0.492, 0.211),
    "barlow-e2e-alexnet-net": (0.451, 0.166),
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
    column_notes: dict[str, str]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The options of ``python analyses/behaviour.py`` parsed from ``argv`` (default ``sys.argv``)."""
    from brainscore_lcl.errors import ArgumentParser

    parser = ArgumentParser(prog="analyses/behaviour.py", description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=list(PAPER_MODELS["fig8"]), help="model ids")
    parser.add_argument(
        "--checkpoint",
        nargs="*",
        default=[],
        metavar="MODEL=PATH",
        help="checkpoint of a model, e.g. lcl-v2net=runs/net/lcl-v2net.pt or barlow-e2e-alexnet=runs/barlow-net/"
        "barlow-e2e-alexnet-net.pt (its classifier stage, from `brainscore train-net`)",
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
    parser.add_argument(
        "--imagenet-val",
        help="ImageNet validation folder (<wnid>/*.JPEG) for IN-1k accuracy (resize 256, centre crop 224)",
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="also Brain-Score's 17 Geirhos2021 data sets: scored full-field and signed (beside the paper's values), "
        "and Brain-Score's own benchmark numbers in columns labelled brainscore_*",
    )
    parser.add_argument("--out", default="results/behaviour", help="output folder")
    args = parser.parse_args(argv)
    args.checkpoints = parse_checkpoints(args.checkpoint)
    args.decision_dirs = parse_checkpoints(args.decisions)
    require_models(args.models, args.decision_dirs)
    args.out = output_folder(args.out, "behaviour")
    return args


def readout_model(model_id: str) -> str:
    """The id whose network has an ImageNet readout for ``model_id``: its classifier-stage network for a frozen
    encoder (``barlow-e2e-alexnet`` -> ``barlow-e2e-alexnet-net``, A.1.6), else ``model_id``."""
    from brainscore_lcl.models.lcl_v2net import CLASSIFIER_STAGE_IDS

    return CLASSIFIER_STAGE_IDS.get(model_id, model_id)


def load_behaving_models(model_ids: Sequence[str], checkpoints: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """{id: BrainModel} of the models that can be built and have an ImageNet readout (a frozen encoder stands for its
    classifier-stage network, ``readout_model``; its checkpoint may be given under either id); one
    'skipped <id>: <reason>' line for each other."""
    from brainscore_lcl.benchmarks.geirhos2019local.benchmark import imagenet_readout_reason
    from brainscore_lcl.checkpoint import CheckpointError
    from brainscore_lcl.data.sources import DataUnavailableError
    from brainscore_lcl.errors import ModelUnavailableError
    from brainscore_lcl.scoring import UnknownIdentifierError

    models, skipped = {}, []
    for model_id in model_ids:
        readout_id = readout_model(model_id)
        checkpoint = checkpoints.get(model_id, checkpoints.get(readout_id))
        if model_id in UNAVAILABLE_MODELS and checkpoint is None:
            skipped.append(f"skipped {model_id}: {UNAVAILABLE_MODELS[model_id]}")
            continue
        try:
            model = built_model(readout_id, checkpoint)
        except UnknownIdentifierError:
            skipped.append(f"skipped {model_id}: not a model id of this suite or brainscore_vision")
            continue
        except (ModelUnavailableError, DataUnavailableError, CheckpointError) as error:
            skipped.append(f"skipped {model_id}: {error}")
            continue
        reason = imagenet_readout_reason(model)
        if reason:
            skipped.append(f"skipped {model_id}: {reason}")
        else:
            models[readout_id] = model
    return models, skipped


def imagenet_accuracy(model, folder: str) -> float:
    """IN-1k top-1 accuracy of ``model`` on an ImageNet-style folder with the standard evaluation crop (short side
    resized to 256, centre crop 224: ``training.supervised.evaluation_crops``, cached), then the model's own
    preprocessing (which leaves a 224-px image's size and applies its normalisation), arg max of the logits."""
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    from brainscore_lcl import cache_dir
    from brainscore_lcl.benchmarks.geirhos2019local.benchmark import model_logits
    from brainscore_lcl.training.supervised import SupervisedConfig, evaluation_crops, find_samples

    config = SupervisedConfig(image_size=model.activations_model.image_size)
    config = replace(config, resize_size=round(config.image_size * 256 / 224))
    samples = find_samples(folder)
    folder_key = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:16]
    crops = evaluation_crops(samples, folder, cache_dir() / "imagenet-eval" / folder_key, config)
    ids = [str(path.relative_to(folder)) for path, _ in samples]
    stimuli = StimulusSet({"stimulus_id": ids, "label": [label for _, label in samples]})
    stimuli.stimulus_paths = dict(zip(ids, crops))
    stimuli.identifier = f"brainscore-lcl.imagenet-eval-crop-{len(ids)}-{folder_key}"
    logits = model_logits(model, stimuli)
    predicted = np.array([logits[identifier].argmax() for identifier in ids])
    return float(np.mean(predicted == stimuli["label"].values))


def geirhos2021_assembly(dataset: str):
    """Brain-Score's human assembly of ``Geirhos2021_<dataset>`` with its benchmark's exclusions (control conditions,
    conditions where humans are below 20 %), its stimulus set attached; ``DataUnavailableError`` offline."""
    from brainscore_vision.benchmarks.geirhos2021.benchmark import load_assembly

    from brainscore_lcl.data.remote import is_download_failure, offline_error

    try:
        return load_assembly(dataset)
    except Exception as error:
        if not is_download_failure(error):
            raise
        raise offline_error(
            "dataset", f"Geirhos2021_{dataset}", error, "the offline Geirhos2019local data sets"
        ) from None


def online_scores(model_id: str, model) -> tuple[dict[str, Any], str | None]:
    """Over Brain-Score's 17 Geirhos2021 data sets: this suite's full-field, signed OOD accuracy and observed and
    error consistency (``score_model_on_assembly``; means over data sets), and Brain-Score's own benchmarks' raw
    top-1 and error consistency (``brainscore_*``); or the reason why they could not be had (the first failure stops
    the rest)."""
    from brainscore_vision.benchmarks.geirhos2021 import DATASETS as GEIRHOS2021

    from brainscore_lcl.benchmarks.geirhos2019local.benchmark import score_model_on_assembly
    from brainscore_lcl.data.sources import DataUnavailableError
    from brainscore_lcl.metrics.behaviour import ood_accuracy
    from brainscore_lcl.results.cell import CellRequest, score_cell

    ours, top1, brainscore_consistency = {}, {}, []
    try:
        for dataset in GEIRHOS2021:
            ours[dataset] = score_model_on_assembly(model, geirhos2021_assembly(dataset))
            name = dataset.replace("-", "")
            top1[dataset] = score_cell(CellRequest(model_id, f"Geirhos2021{name}-top1"), model=model).record.score
            consistency = CellRequest(model_id, f"Geirhos2021{name}-error_consistency")
            brainscore_consistency.append(score_cell(consistency, model=model).record.raw)
    except DataUnavailableError as error:
        return {}, str(error)
    return {
        "ood_accuracy_geirhos2021": ood_accuracy({dataset: result["accuracy"] for dataset, result in ours.items()}),
        "observed_consistency_geirhos2021": float(
            np.mean([result["observed_consistency"] for result in ours.values()])
        ),
        "error_consistency_geirhos2021": float(np.mean([result["error_consistency"] for result in ours.values()])),
        "brainscore_top1_geirhos2021": ood_accuracy(top1),
        "brainscore_error_consistency_geirhos2021": float(np.mean(brainscore_consistency)),
        "geirhos2021_per_dataset": ours,
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
    sets with ``online``. ``source`` is unused (no neural data). A model that cannot be loaded (an unknown id, a
    build error) is listed in ``skipped`` with the reason; ``main`` refuses unknown ids before any data is read."""
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
            per_dataset_online = online_values.pop("geirhos2021_per_dataset", {})
            for dataset, value in per_dataset_online.items():
                results[f"Geirhos2021_{dataset}"] = {"dataset": f"Geirhos2021_{dataset}", **value}
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
        column_notes=COLUMN_NOTES,
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
    """``python analyses/behaviour.py``: parse ``argv`` (default ``sys.argv``), compute, then draw into
    ``--out``; returns the result."""
    from brainscore_lcl.scoring import check_model_ids

    args = parse_args(argv)
    check_model_ids(list(args.models))
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
    for column, note in result.column_notes.items():
        prefix, _, suffix = column.partition("*")
        filled = [key for row in result.table_a5 for key, value in row.items() if value is not None]
        if any(key.startswith(prefix) and key.endswith(suffix) for key in filled):
            print(f"{column}: {note}")
    print(f"wrote {', '.join(map(str, paths))}")
    return result


if __name__ == "__main__":
    run_script("behaviour", main)
