"""Scores of a PLS neural-predictivity fit, from per-split, per-neuron correlations (paper Sec. 3.1, App. A.3.2).

Inputs throughout:
- ``r[split, neuron]``: Pearson r between held-out predictions and responses, one row per cross-validation split.
- ``c[neuron]`` (or ``c[ceiling_split, neuron]``): Brain-Score's internal consistency, the Spearman-Brown corrected
  split-half Pearson r of each neuron (r units, not r^2).

Three scores are kept apart on purpose (``SCORE_DEFINITIONS`` names them as every result dict and JSON does):
- ``score``: Brain-Score 2.4.2 squares the *aggregated* r and divides by the aggregated ceiling
  (``brainscore_ceiled_score``); a model as good as the data's own reliability scores about 1.
- ``score_paper``: the paper's literal definition (App. A.3.2), the median over neurons of ``(r_n / c_n)^2``
  (``paper_explained_variance``). A negative r is squared, so an anti-correlated prediction counts as explained
  variance. Its scale can exceed 1: c is a split-half reliability, a perfect model's r reaches about sqrt(c), so it
  scores about c / c^2 = 1 / c (1.1 with a ceiling of 0.9).
- ``score_paper_sign_aware``: the same with ``max(r_n, 0)``, i.e. 0 where r < 0 (``sign_aware=True``).

Missing values: a NaN r (e.g. a constant prediction) is skipped by every median/mean, as xarray's ``skipna`` does in
Brain-Score. A neuron with ceiling ``c <= 0`` or NaN has no defined ceiled value: ``(r / c)^2`` is NaN for it and it is
skipped likewise.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

#: what each score key of a result (``details``, ``--json``, figure JSONs) means
SCORE_DEFINITIONS = {
    "score": "Brain-Score 2.4.2's ceiled score: (mean over splits of the median over neurons of r)^2 / median "
    "ceiling; about 1 for a model as good as the data's reliability",
    "score_paper": "the paper's literal explained variance (App. A.3.2): mean over splits of the median over neurons "
    "of (r/r_ceil)^2, negative r squared as well; can exceed 1, a perfect model scores about 1/r_ceil",
    "score_paper_sign_aware": "score_paper with (max(r, 0)/r_ceil)^2, i.e. 0 where the prediction is "
    "anti-correlated (r < 0); same scale, also up to about 1/r_ceil",
}


class CeiledScore(NamedTuple):
    """Brain-Score's ceiled score and its parts (all scalars)."""

    ceiled: float  # raw ** 2 / ceiling (explained-variance units)
    raw: float  # mean over splits of the median over neurons of r
    ceiling: float  # aggregated internal consistency (r units)
    error: float  # standard error of the per-split medians of r (ddof=0), as Brain-Score's `error` attribute


class SplitStatistic(NamedTuple):
    """Mean and standard deviation over cross-validation splits of a per-split score."""

    mean: float
    std: float
    per_split: np.ndarray  # shape (n_splits,)


class NeuronPartition(NamedTuple):
    """Boolean masks over neurons, shape (n_neurons,)."""

    v1_like: np.ndarray
    v2_like: np.ndarray


def _split_table(r: np.ndarray) -> np.ndarray:
    r = np.asarray(r, dtype=float)
    if r.ndim != 2:
        raise ValueError(f"r must have shape (n_splits, n_neurons), got {r.shape}; add a split axis with r[None]")
    return r


def _neuron_ceilings(c: np.ndarray, n_neurons: int) -> np.ndarray:
    """Per-neuron ceiling, shape (n_neurons,): c itself, or its mean over ceiling splits when c is 2-D."""
    c = np.asarray(c, dtype=float)
    if c.ndim == 2:
        c = np.nanmean(c, axis=0)
    if c.shape != (n_neurons,):
        raise ValueError(f"c must have shape ({n_neurons},) or (n_ceiling_splits, {n_neurons}), got {c.shape}")
    return np.where(c > 0, c, np.nan)


def brainscore_ceiled_score(r: np.ndarray, c: np.ndarray) -> CeiledScore:
    """Brain-Score 2.4.2's ceiled PLS score, computed the way its metric, ceiling and benchmark aggregate.

    raw = mean over splits of median over neurons of r (``CrossRegressedCorrelation.aggregate`` then
    ``Split.aggregate``); error = std over splits (ddof=0, xarray's default) of those medians / sqrt(n_splits)
    (``standard_error_of_the_mean``); ceiling = median over neurons of c (``PearsonCorrelation.aggregate``), and with a
    2-D c[ceiling_split, neuron] the mean over ceiling splits of those medians (``Split.aggregate`` of the ceiling);
    ceiled = raw^2 / ceiling (``explained_variance`` in ``benchmark_helpers/neural_common.py``). NaNs are skipped.

    r: shape (n_splits, n_neurons); c: shape (n_neurons,) or (n_ceiling_splits, n_neurons).
    """
    r = _split_table(r)
    c = np.asarray(c, dtype=float)
    if c.shape[-1] != r.shape[1] or c.ndim not in (1, 2):
        raise ValueError(f"c must have shape ({r.shape[1]},) or (n_ceiling_splits, {r.shape[1]}), got {c.shape}")
    per_split = np.nanmedian(r, axis=1)
    raw = float(np.nanmean(per_split))
    error = float(np.nanstd(per_split) / math.sqrt(len(per_split)))
    ceiling = float(np.nanmean(np.nanmedian(np.atleast_2d(c), axis=1)))
    return CeiledScore(ceiled=raw**2 / ceiling, raw=raw, ceiling=ceiling, error=error)


def ceiled_explained_variance(r: np.ndarray, c: np.ndarray, sign_aware: bool = False) -> np.ndarray:
    """(r / c)^2 per split and neuron, shape (n_splits, n_neurons); NaN where r is NaN or c <= 0.

    ``sign_aware=True`` uses max(r, 0): 0 where the prediction is anti-correlated with the responses.
    r: shape (n_splits, n_neurons); c: shape (n_neurons,), or (n_ceiling_splits, n_neurons) averaged over its splits.
    """
    r = _split_table(r)
    if sign_aware:
        r = np.where(r < 0, 0.0, r)
    return (r / _neuron_ceilings(c, r.shape[1])[None, :]) ** 2


def paper_explained_variance(
    r: np.ndarray, c: np.ndarray, neurons: np.ndarray | None = None, ddof: int = 0, sign_aware: bool = False
) -> SplitStatistic:
    """The paper's V2 score (App. A.3.2): per split, median over neurons of (r/c)^2; mean and std over splits.

    ``neurons`` (boolean mask or indices over neurons) restricts the median to a subset (Fig. 4 right, V1-/V2-like).
    ``ddof=0`` gives the population standard deviation over the splits (numpy's and xarray's default); pass ``ddof=1``
    for the sample standard deviation. ``sign_aware``: see ``ceiled_explained_variance``. Shapes as there.
    """
    explained = ceiled_explained_variance(r, c, sign_aware)
    if neurons is not None:
        explained = explained[:, np.asarray(neurons)]
    per_split = np.nanmedian(explained, axis=1)
    return SplitStatistic(
        mean=float(np.nanmean(per_split)), std=float(np.nanstd(per_split, ddof=ddof)), per_split=per_split
    )


def per_neuron_explained_variance(r: np.ndarray, c: np.ndarray, sign_aware: bool = False) -> np.ndarray:
    """Per neuron, the mean over splits of (r/c)^2, shape (n_neurons,); NaN for neurons with c <= 0 or all-NaN r.

    ``sign_aware``: see ``ceiled_explained_variance``."""
    explained = ceiled_explained_variance(r, c, sign_aware)
    finite = np.isfinite(explained)
    counts = finite.sum(axis=0)
    sums = np.where(finite, explained, 0.0).sum(axis=0)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def v1like_v2like_partition(
    ev_reference: np.ndarray, quantile: float = 0.25, tiebreak: np.ndarray | None = None
) -> NeuronPartition:
    """Top and bottom quantile of neurons ranked by a reference model's per-neuron explained variance (Sec. 3.1).

    The reference is the V1 model (``v1-steerpyr-pool``): its best-explained neurons are "V1-like", its worst "V2-like".
    Each group holds k = ceil(quantile * n) of the n neurons with a finite reference value (NaN neurons are in neither):
    103 neurons give ceil(25.75) = 26 per group, the paper's N = 26. Without ties this equals thresholding at numpy's
    linearly interpolated quantiles (value >= quantile(1 - q) or <= quantile(q)). Ties are broken by ``tiebreak``
    (shape (n_neurons,), e.g. the mean r, so that among sign-aware zeros the most anti-correlated cell ranks lowest),
    then by neuron order (stable sort), so both groups always have exactly k members.

    ev_reference: shape (n_neurons,). Returns boolean masks of shape (n_neurons,).
    """
    ev_reference = np.asarray(ev_reference, dtype=float)
    if not 0 < quantile <= 0.5:
        raise ValueError(f"quantile must lie in (0, 0.5], got {quantile}")
    valid = np.flatnonzero(np.isfinite(ev_reference))
    k = math.ceil(round(quantile * len(valid), 9))
    secondary = (
        np.zeros(len(valid)) if tiebreak is None else np.nan_to_num(np.asarray(tiebreak, float)[valid], nan=-np.inf)
    )
    order = valid[np.lexsort((secondary, ev_reference[valid]))]
    v1_like = np.zeros(ev_reference.shape, dtype=bool)
    v2_like = np.zeros(ev_reference.shape, dtype=bool)
    v1_like[order[len(order) - k :]] = True
    v2_like[order[:k]] = True
    return NeuronPartition(v1_like=v1_like, v2_like=v2_like)


def split_neuron_correlations(score: Any) -> np.ndarray:
    """The r[split, neuron] table inside a Brain-Score PLS score, shape (n_splits, n_neurons).

    Walks ``score.attrs['raw']`` (ceiled score -> raw score -> per-split, per-neuroid correlations) until it finds an
    array with dims ``split`` and ``neuroid``.
    """
    current = score
    while current is not None:
        dims = getattr(current, "dims", ())
        if set(dims) == {"split", "neuroid"}:
            return np.asarray(current.transpose("split", "neuroid").values, dtype=float)
        current = getattr(current, "attrs", {}).get("raw")
    raise ValueError(
        "no array with dims ('split', 'neuroid') in this score's raw values; "
        "pass the Score returned by a Brain-Score 'pls' metric or benchmark"
    )
