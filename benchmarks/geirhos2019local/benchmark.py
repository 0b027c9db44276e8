"""Behaviour on Geirhos et al.'s 16-class cue-conflict, edge and silhouette stimuli, offline, against the humans'
trial-by-trial decisions (``brainscore_lcl.data.geirhos``; metrics in ``brainscore_lcl.metrics.behaviour``).

A model's 1000-way ``logits`` layer is read through its Brain-Score activations model (as Brain-Score's
``LabelBehavior`` reads it) and Geirhos et al.'s rule applied (softmax, mean probability over each category's ImageNet
classes, arg max), with a stable log-softmax instead of ``LabelBehavior``'s overflowing ``exp``
(``brainscore_lcl.metrics.behaviour.category_log_probabilities``). A model without such a readout
(``imagenet_readout_reason``) is skipped with the reason, not run. Brain-Score's class lists are checked against
Geirhos et al.'s published mapping (this suite's data) before a model is run. The stimuli fill the model's input
(224 px), as in ``model-vs-human`` and the paper, and as Brain-Score's ``Geirhos2021*-top1`` benchmarks do; its
``Geirhos2021*-error_consistency`` benchmarks instead place them at 3 of the model's 8 degrees.

The decisions are written as a CSV in the human files' format
(``$BRAINSCORE_LCL_CACHE/behaviour/<model>/<dataset>.csv``)
and scored like any decisions file (``brainscore behavior``). The benchmark's score is the error consistency with the
humans divided by the humans' own (leave-one-out mean), not clipped; ``details`` holds accuracy, observed consistency,
shape bias (cue-conflict) and the humans' values.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from brainscore_core.metrics import Score
from brainscore_vision.benchmarks import BenchmarkBase

from brainscore_lcl import cache_dir
from brainscore_lcl.data.geirhos import (
    DecisionsFileError,
    HumanTrials,
    check_dataset,
    data_root,
    human_trials,
    read_decisions,
    stimulus_set,
    write_decisions,
)
from brainscore_lcl.metrics.behaviour import (
    CATEGORIES,
    accuracy,
    category_members,
    conditionwise_consistency,
    human_consistency,
    pooled_shape_bias,
    shape_bias,
    sixteen_class_decisions_from_logits,
    texture_category,
)

PREFIX = "Geirhos2019local"
BIBTEX = """@inproceedings{geirhos2019imagenettrained,
  title={ImageNet-trained {CNNs} are biased towards texture; increasing shape bias improves accuracy and robustness},
  author={Geirhos, Robert and Rubisch, Patricia and Michaelis, Claudio and Bethge, Matthias and Wichmann, Felix A and
          Brendel, Wieland}, booktitle={ICLR}, year={2019}}"""
#: at most this many unmatched stimulus names are listed in a result
LISTED_UNMATCHED = 10


def check_brainscore_mapping() -> None:
    """Raise ``RuntimeError`` unless Brain-Score's ImageNet class lists of the 16 categories are Geirhos et al.'s."""
    from brainscore_vision.model_helpers.brain_transformation.behavior import LabelToImagenetIndices

    differing = [
        name
        for name, indices in category_members().items()
        if tuple(getattr(LabelToImagenetIndices, f"{name}_indices", ())) != indices
    ]
    if differing:
        raise RuntimeError(
            f"this brainscore_vision maps {', '.join(differing)} to other ImageNet classes than "
            "Geirhos et al.; install brainscore-vision 2.4.2 (setup.py)"
        )


def imagenet_readout_reason(model) -> str | None:
    """Why the behavioural analysis does not apply to ``model`` (None if it does): it needs 1000 ImageNet outputs,
    checked on one blank image of the model's input size."""
    import torch
    from torch import nn

    wrapper = getattr(model, "activations_model", None)
    network = getattr(wrapper, "_model", None)
    if not isinstance(network, nn.Module):
        return "the model is not a PyTorch network wrapped by Brain-Score, so its readout cannot be checked"
    size = getattr(wrapper, "image_size", 224)
    try:
        with torch.no_grad():
            outputs = tuple(network(torch.zeros(1, 3, size, size)).shape[1:])
    except Exception as error:  # any network: a blank image that it cannot take means no usable readout
        return f"the model does not run on a blank {size}-px image ({type(error).__name__}: {error})"
    return (
        None
        if outputs == (1000,)
        else (f"the model has no ImageNet readout (its output has shape {outputs}, not 1000 class scores)")
    )


def model_logits(model, stimuli) -> dict[str, np.ndarray]:
    """{stimulus_id: (1000,) logits} of ``model`` (a Brain-Score model with an ``activations_model`` whose ``logits``
    layer is the network's output, as ``LabelBehavior`` reads it) on ``stimuli``, in one pass."""
    logits = model.activations_model(stimuli, layers=["logits"], number_of_trials=1)
    logits = logits.transpose("presentation", "neuroid")
    return dict(zip(logits["stimulus_id"].values, np.asarray(logits.values, dtype=np.float64)))


def model_decisions(model, datasets: Sequence[str], root: str | os.PathLike | None = None) -> dict[str, pd.DataFrame]:
    """The 16-class decisions of ``model`` (a Brain-Score ``BrainModel`` with a 1000-way ImageNet ``logits`` layer)
    on every stimulus of ``datasets``, all looked at in one pass, as {dataset: decisions in the human files'
    format} (``subj`` = the model's identifier). The rule is Geirhos et al.'s (``LabelBehavior``'s), computed from the
    logits with a stable log-softmax (``sixteen_class_decisions_from_logits``): Brain-Score's ``softmax``
    exponentiates without subtracting the maximum, so logits above ~88 give NaN and the first category."""
    check_brainscore_mapping()
    stimuli = stimulus_set([check_dataset(dataset) for dataset in datasets], root)
    logits = model_logits(model, stimuli)
    identifiers = list(logits)
    decided = dict(zip(identifiers, sixteen_class_decisions_from_logits(np.stack([logits[i] for i in identifiers]))))
    decisions = {}
    for dataset in datasets:
        subset = stimuli[stimuli["dataset"] == dataset]
        trials = np.arange(1, len(subset) + 1)
        decisions[dataset] = pd.DataFrame(
            {
                "subj": model.identifier,
                "session": 1,
                "trial": trials,
                "rt": math.nan,
                "object_response": [decided[identifier] for identifier in subset["stimulus_id"]],
                "category": subset["category"].values,
                "condition": 0,
                "imagename": [f"{trial:04d}_{dataset}_{name}" for trial, name in zip(trials, subset["stimulus"])],
            }
        )
    return decisions


def decisions_path(model_identifier: str, dataset: str) -> Path:
    """Where a model's decisions on ``dataset`` are written: ``<cache>/behaviour/<model identifier>/<dataset>.csv``."""
    return cache_dir() / "behaviour" / model_identifier.replace(os.sep, "_") / f"{dataset}.csv"


def _matched_trials(decisions: pd.DataFrame, humans: HumanTrials) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    """Columns of ``humans`` that the decisions' stimuli occupy, the matched decisions, the unmatched ones; a
    decision whose true category differs from the humans' raises ``DecisionsFileError``."""
    column_of = pd.Series(np.arange(len(humans.stimuli)), index=humans.stimuli)
    is_matched = decisions["stimulus"].isin(column_of.index).to_numpy()
    matched, unmatched = decisions[is_matched], decisions[~is_matched]
    columns = column_of.loc[matched["stimulus"]].to_numpy()
    wrong = matched["category"].to_numpy() != humans.category[columns]
    if wrong.any():
        row = matched[wrong].iloc[0]
        raise DecisionsFileError(
            f"{row['file']} row {row['row']}, column category: {row['category']!r}, but the "
            f"humans' files give {humans.category[columns[wrong][0]]!r} for {row['stimulus']!r}"
        )
    return columns, matched, unmatched


def score_decisions(decisions: pd.DataFrame, dataset: str, root: str | os.PathLike | None = None) -> dict[str, Any]:
    """Score one observer's decisions (``read_decisions``) against the humans of ``dataset`` on the stimuli both have.

    A human observer's own file is scored against the other observers (leave one out). Stimuli that match no human
    trial are counted (``n_unmatched``) and listed, human stimuli without a decision are counted (``n_missing``); the
    humans' values are computed on the same matched trials."""
    check_dataset(dataset)
    humans = human_trials(dataset, root)
    columns, matched, unmatched = _matched_trials(decisions, humans)
    if not len(matched):
        example = decisions["stimulus"].iloc[0]
        raise DecisionsFileError(
            f"none of the {len(decisions)} decisions in {decisions['file'].iloc[0]} matches a "
            f"{dataset} stimulus of the humans (e.g. {example!r}); check --dataset and that "
            "imagename ends with _<stimulus file name>"
        )
    observer = str(decisions["subj"].iloc[0])
    others = humans.subjects != observer
    truth, conditions = humans.category[columns], humans.condition[columns]
    responses = matched["object_response"].to_numpy()
    human_responses = humans.responses[others][:, columns]
    human_correct = human_responses == truth
    observed, kappa = conditionwise_consistency((responses == truth)[None], human_correct, conditions)
    ceiling = human_consistency(human_correct, conditions)
    subjects = humans.subjects[others].tolist()
    result = {
        "dataset": dataset,
        "observer": observer,
        "n_trials": int(len(matched)),
        "n_unmatched": int(len(unmatched)),
        "unmatched_stimuli": unmatched["stimulus"].head(LISTED_UNMATCHED).tolist(),
        "n_missing": int(len(humans.stimuli) - len(matched)),
        "accuracy": float(accuracy(responses, truth)),
        "observed_consistency": float(observed.mean()),
        "error_consistency": float(kappa.mean()),
        "error_consistency_by_observer": dict(zip(subjects, kappa[0].tolist())),
        "human_observers": len(subjects),
        "human_accuracy": float(accuracy(human_responses, truth).mean()),
        "human_observed_consistency": ceiling.ceiling_observed,
        "human_error_consistency": ceiling.ceiling_error,
    }
    if dataset == "cue-conflict":
        texture = np.array([texture_category(name) for name in humans.imagename[columns]])
        model_bias = shape_bias(responses, truth, texture)
        human_bias = pooled_shape_bias(human_responses, truth, texture)
        result.update(
            shape_bias=float(model_bias.shape_bias),
            shape_fraction=float(model_bias.shape_fraction),
            texture_fraction=float(model_bias.texture_fraction),
            human_shape_bias=float(human_bias.shape_bias),
        )
    return result


def score_decision_files(
    paths: Sequence[str | os.PathLike], dataset: str, root: str | os.PathLike | None = None
) -> dict[str, Any]:
    """``score_decisions`` of the decisions in ``paths`` (one observer's files), with the files and data root."""
    result = score_decisions(read_decisions(paths), dataset, root)
    return {**result, "decisions": [str(path) for path in paths], "data_root": str(data_root(root))}


def score_model(model, datasets: Sequence[str], root: str | os.PathLike | None = None) -> dict[str, dict[str, Any]]:
    """Run ``model`` (a ``BrainModel``) on ``datasets`` in one pass, write its decisions CSV per data set
    (``decisions_path``) and score each: {dataset: ``score_decision_files`` result}."""
    results = {}
    for dataset, decisions in model_decisions(model, datasets, root).items():
        path = write_decisions(decisions_path(model.identifier, dataset), decisions)
        results[dataset] = score_decision_files([path], dataset, root)
    return results


def score_against_assembly(decided: dict[str, str], assembly) -> dict[str, Any]:
    """Full-field, signed scoring (as ``model-vs-human`` and the paper) of a model's 16-class decisions
    ({stimulus_id: category}) against the humans of a Brain-Score ``Geirhos2021_<dataset>`` assembly (one choice per
    presentation, coords ``subject``, ``stimulus_id``, ``truth``, ``condition``; every subject saw every image):
    accuracy over the assembly's trials, observed and error consistency (means over conditions, then over subjects;
    no absolute value, unlike Brain-Score's ``error_consistency``), and the humans' own values."""
    subjects, subject_rows = np.unique(np.asarray(assembly["subject"].values).astype(str), return_inverse=True)
    stimulus_ids, columns = np.unique(np.asarray(assembly["stimulus_id"].values).astype(str), return_inverse=True)
    counts = np.zeros((len(subjects), len(stimulus_ids)), dtype=int)
    np.add.at(counts, (subject_rows, columns), 1)
    if (counts != 1).any():
        subject, column = np.argwhere(counts != 1)[0]
        raise DecisionsFileError(
            f"subject {subjects[subject]} has {counts[subject, column]} trials of {stimulus_ids[column]}; "
            "error consistency needs every subject to see every image once"
        )
    responses = np.empty((len(subjects), len(stimulus_ids)), dtype=object)
    responses[subject_rows, columns] = np.asarray(assembly.values).reshape(-1)
    truth = np.empty(len(stimulus_ids), dtype=object)
    truth[columns] = np.asarray(assembly["truth"].values)
    conditions = np.empty(len(stimulus_ids), dtype=object)
    conditions[columns] = np.asarray(assembly["condition"].values).astype(str)
    missing = [identifier for identifier in stimulus_ids if identifier not in decided]
    if missing:
        raise DecisionsFileError(f"the model made no decision on {len(missing)} stimuli, e.g. {missing[0]}")
    model = np.array([decided[identifier] for identifier in stimulus_ids], dtype=object)
    human_correct = responses == truth
    observed, kappa = conditionwise_consistency((model == truth)[None], human_correct, conditions.astype(str))
    ceiling = human_consistency(human_correct, conditions.astype(str))
    return {
        "n_trials": len(stimulus_ids),
        "accuracy": float(accuracy(model, truth)),
        "observed_consistency": float(observed.mean()),
        "error_consistency": float(kappa.mean()),
        "human_observers": len(subjects),
        "human_accuracy": float(accuracy(responses, truth).mean()),
        "human_observed_consistency": ceiling.ceiling_observed,
        "human_error_consistency": ceiling.ceiling_error,
    }


def score_model_on_assembly(model, assembly) -> dict[str, Any]:
    """``score_against_assembly`` of ``model``'s decisions (``model_logits``, stable rule) on the assembly's stimulus
    set shown full-field (filling the model's input, not Brain-Score's 3 of 8 degrees)."""
    check_brainscore_mapping()
    unknown = sorted(set(np.asarray(assembly["truth"].values).astype(str)) - set(CATEGORIES))
    if unknown:
        raise DecisionsFileError(f"the assembly's categories {unknown} are not Geirhos et al.'s 16")
    logits = model_logits(model, assembly.stimulus_set)
    identifiers = list(logits)
    decisions = sixteen_class_decisions_from_logits(np.stack([logits[identifier] for identifier in identifiers]))
    return score_against_assembly(dict(zip(map(str, identifiers), decisions)), assembly)


def human_leave_one_out(dataset: str, root: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """Every human observer of ``dataset`` scored against the others: accuracy, observed and error consistency, and
    (cue-conflict) shape bias, one row per observer."""
    humans = human_trials(dataset, root)
    correct = humans.responses == humans.category
    consistency = human_consistency(correct, humans.condition)
    rows = [
        {
            "dataset": dataset,
            "observer": subject,
            "accuracy": float(accuracy(responses, humans.category)),
            "observed_consistency": float(observed),
            "error_consistency": float(kappa),
        }
        for subject, responses, observed, kappa in zip(
            humans.subjects, humans.responses, consistency.observed, consistency.error
        )
    ]
    if dataset == "cue-conflict":
        texture = np.array([texture_category(name) for name in humans.imagename])
        biases = shape_bias(humans.responses, humans.category, texture).shape_bias
        for row, bias in zip(rows, biases):
            row["shape_bias"] = float(bias)
    return rows


def human_reference(dataset: str, root: str | os.PathLike | None = None) -> dict[str, Any]:
    """The humans of ``dataset`` as one reference decision maker: mean accuracy, the pairwise means of observed and
    error consistency (= the means of the leave-one-out values), pooled shape bias (cue-conflict), and the
    leave-one-out rows of ``human_leave_one_out`` (``observers``)."""
    humans = human_trials(dataset, root)
    consistency = human_consistency(humans.responses == humans.category, humans.condition)
    reference = {
        "accuracy": float(accuracy(humans.responses, humans.category).mean()),
        "observed_consistency": consistency.ceiling_observed,
        "error_consistency": consistency.ceiling_error,
        "observers": human_leave_one_out(dataset, root),
    }
    if dataset == "cue-conflict":
        texture = np.array([texture_category(name) for name in humans.imagename])
        reference["shape_bias"] = float(pooled_shape_bias(humans.responses, humans.category, texture).shape_bias)
    return reference


def format_result(result: dict[str, Any]) -> str:
    """Readable lines of a ``score_decisions`` result."""
    lines = [
        f"{result['observer']} on {result['dataset']}: {result['n_trials']} trials matched "
        f"({result['n_unmatched']} decisions matched no human trial, {result['n_missing']} human stimuli "
        "had no decision)"
    ]
    if result["n_unmatched"]:
        lines.append(f"  unmatched stimuli (first {LISTED_UNMATCHED}): {', '.join(result['unmatched_stimuli'])}")
    lines.append(f"  accuracy {result['accuracy']:.3f} (humans {result['human_accuracy']:.3f})")
    lines.append(
        f"  observed consistency {result['observed_consistency']:.3f} "
        f"(human-human {result['human_observed_consistency']:.3f})"
    )
    lines.append(
        f"  error consistency {result['error_consistency']:.3f} "
        f"(human-human {result['human_error_consistency']:.3f}, {result['human_observers']} observers)"
    )
    if "shape_bias" in result:
        lines.append(f"  shape bias {result['shape_bias']:.3f} (humans {result['human_shape_bias']:.3f})")
    return "\n".join(lines)


def skipped_score(model_identifier: str, reason: str) -> Score:
    """The score of a model that cannot make the 16-class decisions: NaN, with ``details["skipped"]`` saying why."""
    score = Score(np.nan)
    score.attrs.update(details={"skipped": f"{model_identifier} cannot make the 16-class decisions: {reason}"})
    return score


class Geirhos2019Local(BenchmarkBase):
    """``Geirhos2019local.<dataset>``: a model's error consistency with the humans on ``dataset``, ceiled by the
    humans' own; ``data_root`` as in ``brainscore_lcl.data.geirhos.data_root``. A model without an ImageNet readout
    scores NaN with the reason in ``details["skipped"]`` (``skipped_score``)."""

    def __init__(self, dataset: str, data_root: str | os.PathLike | None = None):
        from brainscore_lcl.data.geirhos import data_root as resolve_root

        self.dataset, self.root = check_dataset(dataset), resolve_root(data_root)
        super().__init__(
            identifier=f"{PREFIX}.{dataset}", version=1, ceiling_func=self._human_ceiling, parent=PREFIX, bibtex=BIBTEX
        )

    def _human_ceiling(self) -> Score:
        humans = human_trials(self.dataset, self.root)
        return Score(human_consistency(humans.responses == humans.category, humans.condition).ceiling_error)

    def __call__(self, candidate) -> Score:
        reason = imagenet_readout_reason(candidate)
        if reason:
            return skipped_score(candidate.identifier, reason)
        result = score_model(candidate, [self.dataset], self.root)[self.dataset]
        raw, ceiling = result["error_consistency"], result["human_error_consistency"]
        score = Score(raw / ceiling)
        score.attrs.update(
            raw=raw,
            ceiling=ceiling,
            error=float(np.std(list(result["error_consistency_by_observer"].values()))),
            details={**result, "decisions_csv": result["decisions"][0]},
        )
        return score
