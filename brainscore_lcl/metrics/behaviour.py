"""Behavioural metrics of Geirhos et al.: 16-class accuracy, shape bias (ICLR 2019), observed and error consistency
(NeurIPS 2020), OOD accuracy over datasets (NeurIPS 2021), with the aggregation of their ``model-vs-human`` toolbox.

Decisions are category names (one of ``CATEGORIES``, or ``"na"`` for no answer); trials of different observers are
matched by stimulus (``stimulus_key``). Correctness arrays are boolean with trials on the last axis; every function
works on whole arrays (observers x trials), without Python loops over observers or pairs.

Definitions (``c`` = trial-wise correctness of two observers over the same n trials, ``p`` = their accuracies):
- observed consistency ``c_obs = mean(c_1 == c_2)``;
- expected consistency ``c_exp = p_1 p_2 + (1 - p_1)(1 - p_2)`` (two independent observers of these accuracies);
- error consistency ``kappa = (c_obs - c_exp) / (1 - c_exp)``, and 1 where ``c_obs`` is 1 (as ``model-vs-human``).
Per data set, a model's value is the mean over conditions, then over the human observers; the humans' own value (the
ceiling) is the mean over conditions, then over the unordered pairs of observers. Unlike Brain-Score's
``error_consistency`` metric, no absolute value is taken (``model-vs-human`` and the paper do not).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAPPING_FILE = Path(__file__).resolve().parents[1] / "data" / "geirhos_16_categories.json"
NO_ANSWER = "na"


@functools.cache
def category_members() -> dict[str, tuple[int, ...]]:
    """ImageNet-1k class indices (into the 1000 wnids in sorted order) that form each of the 16 categories,
    Geirhos et al.'s mapping (``brainscore_lcl/data/geirhos_16_categories.json``), categories in sorted order."""
    categories = json.loads(MAPPING_FILE.read_text())["categories"]
    return {name: tuple(categories[name]["indices"]) for name in sorted(categories)}


CATEGORIES: tuple[str, ...] = tuple(category_members())


def sixteen_class_decisions(probabilities: np.ndarray) -> np.ndarray:
    """Geirhos et al.'s decision rule: the category whose member ImageNet classes have the highest mean probability.
    ``probabilities`` (n, 1000) softmax outputs -> (n,) category names."""
    means = np.stack([probabilities[:, list(indices)].mean(axis=1) for indices in category_members().values()], axis=1)
    return np.asarray(CATEGORIES)[means.argmax(axis=1)]


def category_log_probabilities(logits: np.ndarray) -> np.ndarray:
    """Log of each category's mean softmax probability over its member classes, from ``logits`` (n, 1000) -> (n, 16):
    ``logsumexp(z[members]) - log(len(members)) - logsumexp(z)`` in float64. ``logsumexp`` subtracts the maximum
    before exponentiating, so logits of any size give finite values (a plain ``exp`` overflows float32 above ~88)."""
    from scipy.special import logsumexp

    logits = np.asarray(logits, dtype=np.float64)
    normaliser = logsumexp(logits, axis=1)
    return np.stack(
        [
            logsumexp(logits[:, list(indices)], axis=1) - np.log(len(indices)) - normaliser
            for indices in category_members().values()
        ],
        axis=1,
    )


def sixteen_class_decisions_from_logits(logits: np.ndarray) -> np.ndarray:
    """``sixteen_class_decisions`` of ``softmax(logits)``, computed stably (``category_log_probabilities``):
    ``logits`` (n, 1000) -> (n,) category names."""
    return np.asarray(CATEGORIES)[category_log_probabilities(logits).argmax(axis=1)]


def stimulus_key(imagename: str) -> str:
    """The stimulus an image name shows: its part after the last ``_`` (``0001_s5n_s01_0_bird_00_bird3-bird2.png``
    -> ``bird3-bird2.png``); observers' files number trials differently, so trials are matched by this key."""
    return imagename.rsplit("_", 1)[-1]


def texture_category(imagename: str) -> str:
    """Texture category of a cue-conflict stimulus: ``..._dog10-bird2.png`` -> ``bird``."""
    texture = stimulus_key(imagename).rsplit(".", 1)[0].rsplit("-", 1)[-1]
    return texture.rstrip("0123456789")


def accuracy(responses: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Fraction of trials (last axis) whose response equals the true category; (..., n) -> (...)."""
    return np.mean(np.asarray(responses) == np.asarray(truth), axis=-1)


def expected_consistency(accuracy_a: np.ndarray, accuracy_b: np.ndarray) -> np.ndarray:
    """Consistency expected of two independent observers with these accuracies: p_a p_b + (1 - p_a)(1 - p_b)."""
    return accuracy_a * accuracy_b + (1 - accuracy_a) * (1 - accuracy_b)


def cohens_kappa(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Error consistency (c_obs - c_exp) / (1 - c_exp); 1 where c_obs is 1 (then c_exp may be 1 as well)."""
    observed, expected = np.asarray(observed, dtype=float), np.asarray(expected, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (observed - expected) / (1 - expected)
    return np.where(observed == 1, 1.0, kappa)


def consistency_matrices(correct_a: np.ndarray, correct_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Observed and error consistency of every observer in ``correct_a`` (m, n) with every one in ``correct_b``
    (k, n), both boolean over the same n trials -> two (m, k) arrays."""
    a, b = np.asarray(correct_a, dtype=float), np.asarray(correct_b, dtype=float)
    n_trials = a.shape[-1]
    observed = (a @ b.T + (1 - a) @ (1 - b).T) / n_trials
    expected = expected_consistency(a.mean(axis=-1)[:, None], b.mean(axis=-1)[None, :])
    return observed, cohens_kappa(observed, expected)


def conditionwise_consistency(
    correct_a: np.ndarray, correct_b: np.ndarray, conditions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``consistency_matrices`` within each condition (trials sharing a label in ``conditions`` (n,)), averaged over
    conditions, as ``model-vs-human`` does -> observed and error consistency, each (m, k)."""
    conditions = np.asarray(conditions)
    per_condition = [
        consistency_matrices(correct_a[:, conditions == label], correct_b[:, conditions == label])
        for label in np.unique(conditions)
    ]
    observed, kappa = zip(*per_condition)
    return np.mean(observed, axis=0), np.mean(kappa, axis=0)


@dataclass(frozen=True)
class HumanConsistency:
    """Humans scored against each other. ``observed`` / ``error`` (h,): each observer against the other h - 1
    (leave one out); ``ceiling_observed`` / ``ceiling_error``: the mean over unordered pairs (= the mean of the
    leave-one-out values)."""

    observed: np.ndarray
    error: np.ndarray
    ceiling_observed: float
    ceiling_error: float


def human_consistency(correct: np.ndarray, conditions: np.ndarray) -> HumanConsistency:
    """Consistency of h observers' correctness ``correct`` (h, n) with each other, conditions (n,) as above."""
    observed, kappa = conditionwise_consistency(correct, correct, conditions)
    n_observers = len(correct)
    others = ~np.eye(n_observers, dtype=bool)
    pairs = np.triu(others)
    return HumanConsistency(
        observed=np.where(others, observed, 0).sum(axis=1) / (n_observers - 1),
        error=np.where(others, kappa, 0).sum(axis=1) / (n_observers - 1),
        ceiling_observed=float(observed[pairs].mean()),
        ceiling_error=float(kappa[pairs].mean()),
    )


@dataclass(frozen=True)
class ShapeBias:
    """Cue-conflict decisions on trials whose shape and texture categories differ: fractions (of those trials) that
    name the shape and the texture category, and shape / (shape + texture) (NaN when neither was ever named)."""

    shape_fraction: np.ndarray
    texture_fraction: np.ndarray
    shape_bias: np.ndarray


def shape_bias(responses: np.ndarray, shape: np.ndarray, texture: np.ndarray) -> ShapeBias:
    """Shape bias of responses (..., n) to cue-conflict trials with shape and texture categories (n,)."""
    conflict = np.asarray(shape) != np.asarray(texture)
    responses = np.asarray(responses)[..., conflict]
    shape_fraction = np.mean(responses == np.asarray(shape)[conflict], axis=-1)
    texture_fraction = np.mean(responses == np.asarray(texture)[conflict], axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        bias = shape_fraction / (shape_fraction + texture_fraction)
    return ShapeBias(shape_fraction, texture_fraction, bias)


def pooled_shape_bias(responses: np.ndarray, shape: np.ndarray, texture: np.ndarray) -> ShapeBias:
    """Shape bias of several observers' responses (h, n) pooled into one decision maker, as ``model-vs-human``
    reports "humans"."""
    n_observers = len(responses)
    return shape_bias(np.asarray(responses).reshape(-1), np.tile(shape, n_observers), np.tile(texture, n_observers))


def ood_accuracy(accuracy_by_dataset: Mapping[str, float]) -> float:
    """OOD accuracy as ``model-vs-human`` reports it: per data set the accuracy over all trials of its OOD conditions
    (control conditions excluded), then the unweighted mean over data sets."""
    if not accuracy_by_dataset:
        raise ValueError("OOD accuracy needs the accuracy of at least one data set")
    return float(np.mean(list(accuracy_by_dataset.values())))
