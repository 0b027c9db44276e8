"""Statistics over neurons for comparing models' per-neuron scores (Fig. 4 significance, Fig. A.2).

All functions take per-neuron values, shape (n_neurons,), and drop NaNs (pairwise for paired tests).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

_STATISTICS: dict[str, Callable[..., np.ndarray]] = {"median": np.median, "mean": np.mean}
_TIE_TOLERANCE = 1e-12


def _finite(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float).ravel()
    return values[np.isfinite(values)]


def _finite_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired values need equal lengths, got {a.shape} and {b.shape}; align the neurons first")
    keep = np.isfinite(a) & np.isfinite(b)
    return a[keep], b[keep]


def bootstrap_median_ci(
    values: np.ndarray, n_boot: int = 1000, seed: int = 0, confidence: float = 0.95
) -> tuple[float, float]:
    """Percentile-bootstrap interval for the median over neurons.

    Resamples the neurons with replacement ``n_boot`` times, takes each resample's median, and returns the
    ((1 - confidence) / 2, (1 + confidence) / 2) percentiles of those medians (numpy's linear interpolation).
    values: shape (n_neurons,); NaNs dropped.
    """
    values = _finite(values)
    if values.size == 0:
        raise ValueError("no finite values to bootstrap")
    rng = np.random.default_rng(seed)
    medians = np.median(values[rng.integers(0, values.size, size=(n_boot, values.size))], axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(medians, [alpha, 1.0 - alpha])
    return float(low), float(high)


def paired_permutation_test(
    a: np.ndarray, b: np.ndarray, n_perm: int = 10000, seed: int = 0, statistic: str = "median"
) -> float:
    """Two-sided paired sign-flip test that two models score the neurons equally; returns the p-value.

    Test statistic T = statistic(a) - statistic(b) over neurons (``"median"`` or ``"mean"``). Under the null each
    neuron's pair (a_n, b_n) is exchangeable, so permutations swap a_n and b_n independently per neuron. p is the
    fraction of swaps with |T*| >= |T_obs| (within 1e-12): over all 2^N swaps when 2^N <= n_perm (exact), else over
    ``n_perm`` random swaps with the +1 correction p = (1 + count) / (1 + n_perm). Identical samples give p = 1.
    a, b: shape (n_neurons,), the same neurons in the same order; pairs with a NaN are dropped.
    """
    if statistic not in _STATISTICS:
        raise ValueError(f"statistic must be one of {sorted(_STATISTICS)}, got {statistic!r}")
    reduce = _STATISTICS[statistic]
    a, b = _finite_pairs(a, b)
    if a.size == 0:
        raise ValueError("no neuron has finite scores for both models")
    observed = abs(reduce(a) - reduce(b))
    if 2**a.size <= n_perm:
        swaps = np.array(list(itertools.product([False, True], repeat=a.size)), dtype=bool)
    else:
        swaps = np.random.default_rng(seed).random((n_perm, a.size)) < 0.5
    permuted_a = np.where(swaps, b[None, :], a[None, :])
    permuted_b = np.where(swaps, a[None, :], b[None, :])
    null = np.abs(reduce(permuted_a, axis=1) - reduce(permuted_b, axis=1))
    count = int(np.sum(null >= observed - _TIE_TOLERANCE))
    if 2**a.size <= n_perm:
        return count / len(swaps)
    return (1 + count) / (1 + n_perm)


def fraction_better(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of neurons that model a explains strictly better than model b (Fig. A.2); NaN pairs dropped."""
    a, b = _finite_pairs(a, b)
    if a.size == 0:
        raise ValueError("no neuron has finite scores for both models")
    return float(np.mean(a > b))
