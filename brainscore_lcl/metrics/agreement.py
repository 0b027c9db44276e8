"""Do similarity measures rank models alike? Ranks, Kendall's W and pairwise rank correlations, with permutation
p-values, and the pairwise conclusions that hold under every measure or flip.

``scores`` is always a (n_measures, n_models) array of each measure's values (higher = more similar to the data).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.stats


def model_ranks(scores: np.ndarray) -> np.ndarray:
    """Rank of each model under each measure, 1 = best (average ranks for ties): (n_measures, n_models)."""
    scores = np.asarray(scores, dtype=float)
    return np.vstack([scipy.stats.rankdata(-row) for row in scores])


def _concordance(ranks: np.ndarray) -> np.ndarray:
    """Kendall's W of rank arrays (..., m measures, n models)."""
    n_measures, n_models = ranks.shape[-2:]
    totals = ranks.sum(axis=-2)
    deviation = np.sum((totals - totals.mean(axis=-1, keepdims=True)) ** 2, axis=-1)
    return 12 * deviation / (n_measures**2 * (n_models**3 - n_models))


def kendall_w(scores: np.ndarray) -> float:
    """Kendall's coefficient of concordance W of the measures' rankings of the models (no tie correction):
    ``12 S / (m^2 (n^3 - n))`` with S the sum over models of the squared deviation of its rank sum from its mean; 1 when
    every measure ranks the models alike, near 0 for unrelated rankings. ``scores``: (m measures, n models)."""
    return float(_concordance(model_ranks(scores)))


def kendall_w_test(scores: np.ndarray, n_perm: int = 10000, seed: int = 0) -> dict[str, float]:
    """Kendall's W and its permutation p-value: the fraction of ``n_perm`` draws, each measure's ranks shuffled over
    the models independently, whose W reaches the observed one, ``(1 + count) / (1 + n_perm)``."""
    ranks = model_ranks(scores)
    observed = float(_concordance(ranks))
    shuffled = np.random.default_rng(seed).permuted(np.broadcast_to(ranks, (n_perm, *ranks.shape)), axis=-1)
    count = int(np.sum(_concordance(shuffled) >= observed - 1e-12))
    return {"kendall_w": observed, "p_permutation": (1 + count) / (1 + n_perm), "n_perm": n_perm}


def _pair_signs(values: np.ndarray) -> np.ndarray:
    """sign(v_i - v_j) over the model pairs i < j, for the last axis of ``values`` (..., n)."""
    first, second = np.triu_indices(values.shape[-1], k=1)
    return np.sign(values[..., first] - values[..., second])


def _tau_b(first_signs: np.ndarray, second_signs: np.ndarray) -> np.ndarray:
    """Kendall's tau-b from the pair signs of two rankings (the last axis: pairs)."""
    numerator = np.sum(first_signs * second_signs, axis=-1)
    denominator = np.sqrt(np.sum(first_signs**2, axis=-1) * np.sum(second_signs**2, axis=-1))
    return np.divide(numerator, denominator, out=np.zeros_like(numerator, dtype=float), where=denominator > 0)


def rank_correlation_test(first: np.ndarray, second: np.ndarray, n_perm: int = 10000, seed: int = 0) -> dict[str, Any]:
    """Kendall's tau-b of two measures' scores over the same models (equal to ``scipy.stats.kendalltau``), with its
    two-sided permutation p-value over ``n_perm`` random orderings of ``second``, ``(1 + count) / (1 + n_perm)``."""
    first, second = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    first_signs = _pair_signs(first)
    observed = float(_tau_b(first_signs, _pair_signs(second)))
    orderings = np.random.default_rng(seed).permuted(np.broadcast_to(second, (n_perm, len(second))), axis=-1)
    null = _tau_b(first_signs, _pair_signs(orderings))
    count = int(np.sum(np.abs(null) >= abs(observed) - 1e-12))
    return {"kendall_tau": observed, "p_permutation": (1 + count) / (1 + n_perm)}


def pairwise_rank_correlations(
    scores: np.ndarray, measures: Sequence[str], n_perm: int = 10000, seed: int = 0
) -> list[dict[str, Any]]:
    """``rank_correlation_test`` of every pair of measures: rows {measure_a, measure_b, kendall_tau, p_permutation}."""
    scores = np.asarray(scores, dtype=float)
    return [
        {"measure_a": measures[a], "measure_b": measures[b]}
        | rank_correlation_test(scores[a], scores[b], n_perm=n_perm, seed=seed)
        for a, b in itertools.combinations(range(len(measures)), 2)
    ]


def pairwise_conclusions(scores: np.ndarray, measures: Sequence[str], models: Sequence[str]) -> list[dict[str, Any]]:
    """For every pair of models, the measures under which the first scores above the second and those under which it
    scores below: {model_a, model_b, a_above_under, a_below_under, holds} (``holds``: the same order under every
    measure)."""
    scores = np.asarray(scores, dtype=float)
    rows = []
    for a, b in itertools.combinations(range(len(models)), 2):
        above = [measure for measure, row in zip(measures, scores) if row[a] > row[b]]
        below = [measure for measure, row in zip(measures, scores) if row[a] < row[b]]
        rows.append(
            {
                "model_a": models[a],
                "model_b": models[b],
                "a_above_under": above,
                "a_below_under": below,
                "holds": not (above and below),
            }
        )
    return rows


def conclusions_sentence(scores: np.ndarray, measures: Sequence[str], models: Sequence[str], region: str) -> str:
    """One or two sentences: the model first under every measure (if one is), how many of the pairwise orders hold
    under every measure, and each order that flips with the measures that put it each way."""
    scores = np.asarray(scores, dtype=float)
    rows = pairwise_conclusions(scores, measures, models)
    firsts = {models[int(np.argmax(row))] for row in scores}
    parts = []
    if len(firsts) == 1:
        parts.append(f"{region}: {firsts.pop()} is first under every measure")
    else:
        parts.append(f"{region}: the first model depends on the measure ({', '.join(sorted(firsts))})")
    held = sum(row["holds"] for row in rows)
    parts.append(f"{held} of {len(rows)} pairwise orders hold under every measure")
    flips = [row for row in rows if not row["holds"]]
    text = "; ".join(parts) + "."
    if flips:
        described = [
            f"{row['model_a']} vs {row['model_b']} ({row['model_a']} above under {', '.join(row['a_above_under'])};"
            f" below under {', '.join(row['a_below_under'])})"
            for row in flips
        ]
        text += " Flips: " + "; ".join(described) + "."
    return text
