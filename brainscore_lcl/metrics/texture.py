"""Texture modulation of V2 neurons and model units (Freeman et al. 2013; paper Sec. 2.5, 3.2, App. A.3.3).

Rmod[n, i] = (tex[n, i] - noise[n, i]) / (tex[n, i] + noise[n, i]), with tex and noise the responses of neuron n to
texture family i, each averaged over the family's 15 samples (texture images and their spectrally-matched noise).
Arrays of means have shape (n_neurons, n_families). Where tex + noise == 0 (a unit silent to both) the index is
undefined and set to NaN; every average below skips NaNs, so such a unit/family pair simply does not count.
A model's modulation is read from its features directly or from the recorded cells as predicted from them
(``cross_validated_predictions``), and compared with the data's (``compare_modulation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy import ndimage, stats
from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold

from brainscore_lcl.data.facts import FAMILIES
from brainscore_lcl.metrics.pls import KernelPLSRegression, StimulusGram, gram_matrix

N_TEXTURE_FAMILIES = len(FAMILIES)
MIN_NEURON_CEILING = 0.4
N_FOLDS = 10
PLS_COMPONENTS = 25
DEFAULT_QUANTILE_PROBABILITIES = np.linspace(0.01, 0.99, 99)
#: cross-validation of the fitted reading: "family" (leave one family out, the default: no held-out image has an image
#: of its own family in training) or "stratified" (the paper's ``N_FOLDS`` folds stratified by family x type: every
#: held-out image has ~13 of its own family and type in training, so the fold leaks the data's family modulation)
CV_SCHEMES = ("family", "stratified")
DEFAULT_CV = "family"
CV_DESCRIPTIONS = {
    "family": "leave-one-family-out cross-validation",
    "stratified": "the paper's 10-fold cross-validation stratified by family x type (leaks family structure)",
}
#: family modulations whose range is below this count as constant: they rank no family above another
CONSTANT_RMOD_RANGE = 1e-9


class FamilyResponses(NamedTuple):
    """Per-neuron, per-family mean responses; ``texture`` and ``noise`` have shape (n_neurons, n_families)."""

    texture: np.ndarray
    noise: np.ndarray
    families: np.ndarray  # shape (n_families,), sorted family labels, the column order


class FisherZTest(NamedTuple):
    """Fisher z test of two correlations: the test statistic and its two-sided normal p-value."""

    z: float
    p: float


class WilliamsTest(NamedTuple):
    """Williams' test of two dependent correlations sharing a variable: t, its degrees of freedom, two-sided p."""

    t: float
    dof: int
    p: float


def reliable_neurons(ceilings: np.ndarray, threshold: float = MIN_NEURON_CEILING) -> np.ndarray:
    """Mask of neurons whose internal-consistency ceiling (r units) reaches ``threshold``, shape (n_neurons,).

    App. A.3.3 computes texture modulation only for neurons with ceiling >= 0.4 (93 of the 103 V2 neurons).
    """
    ceilings = np.asarray(ceilings, dtype=float)
    return np.isfinite(ceilings) & (ceilings >= threshold)


def family_mean_responses(responses: np.ndarray, families: np.ndarray, texture_types: np.ndarray) -> FamilyResponses:
    """Average responses over the samples (and any repetitions) of each family, separately for texture and noise.

    responses: shape (n_presentations, n_neurons); families, texture_types: shape (n_presentations,), with texture_types
    in {"texture", "noise"}. Families are returned in sorted order; each must have both texture and noise presentations.
    """
    responses = np.asarray(responses, dtype=float)
    families, texture_types = np.asarray(families), np.asarray(texture_types)
    if responses.ndim != 2 or len(responses) != len(families) or len(families) != len(texture_types):
        raise ValueError(
            "responses must be (n_presentations, n_neurons) with one family and one texture_type per row; "
            f"got shapes {responses.shape}, {families.shape}, {texture_types.shape}"
        )
    unknown = set(np.unique(texture_types)) - {"texture", "noise"}
    if unknown:
        raise ValueError(f"texture_type values must be 'texture' or 'noise', found {sorted(unknown)}")
    labels = np.unique(families)
    means = {}
    for kind in ("texture", "noise"):
        columns = []
        for family in labels:
            rows = (families == family) & (texture_types == kind)
            if not rows.any():
                raise ValueError(f"family {family!r} has no {kind} presentations; every family needs both")
            columns.append(responses[rows].mean(axis=0))
        means[kind] = np.stack(columns, axis=1)
    return FamilyResponses(texture=means["texture"], noise=means["noise"], families=labels)


def family_mean_responses_from_assembly(assembly: Any) -> FamilyResponses:
    """``family_mean_responses`` on a Brain-Score-like assembly with dims (presentation, neuroid[, time_bin of size 1]).

    Needs presentation coords ``texture_family`` and ``texture_type``; all presentations (samples, repetitions) of a
    family and type are averaged. Neurons keep the assembly's neuroid order.
    """
    if "time_bin" in assembly.dims:
        if assembly.sizes["time_bin"] != 1:
            raise ValueError("average the assembly over time bins (e.g. the response window) before this call")
        assembly = assembly.squeeze("time_bin", drop=True)
    values = assembly.transpose("presentation", "neuroid").values
    return family_mean_responses(values, assembly["texture_family"].values, assembly["texture_type"].values)


def texture_modulation_index(texture: np.ndarray, noise: np.ndarray, rectify: bool = False) -> np.ndarray:
    """Rmod = (tex - noise) / (tex + noise), elementwise; NaN where tex + noise == 0.

    ``rectify=True`` clips responses at zero first: use it for model predictions/activations, which can be negative
    (firing rates cannot); without it, negative responses give indices outside [-1, 1].
    texture, noise: same shape, typically (n_neurons, n_families).
    """
    texture, noise = np.asarray(texture, dtype=float), np.asarray(noise, dtype=float)
    if rectify:
        texture, noise = np.maximum(texture, 0.0), np.maximum(noise, 0.0)
    total = texture + noise
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total != 0, (texture - noise) / np.where(total != 0, total, 1.0), np.nan)


def _nanmean(values: np.ndarray, axis: int) -> np.ndarray:
    finite = np.isfinite(values)
    counts = finite.sum(axis=axis)
    sums = np.where(finite, values, 0.0).sum(axis=axis)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def neuron_modulation(rmod: np.ndarray) -> np.ndarray:
    """Rmod_n: per-neuron mean over families, shape (n_neurons,) from rmod of shape (n_neurons, n_families)."""
    return _nanmean(np.asarray(rmod, dtype=float), axis=1)


def family_modulation(rmod: np.ndarray) -> np.ndarray:
    """Rmod_i: per-family mean over neurons, shape (n_families,) from rmod of shape (n_neurons, n_families)."""
    return _nanmean(np.asarray(rmod, dtype=float), axis=0)


def family_ranks(family_mod: np.ndarray) -> np.ndarray:
    """Ranks of the families by modulation, 1 = least modulated (ties get their average rank); shape (n_families,).
    A constant family modulation (range below ``CONSTANT_RMOD_RANGE``) ranks every family alike."""
    values = np.asarray(family_mod, dtype=float)
    if np.all(np.isfinite(values)) and np.ptp(values) < CONSTANT_RMOD_RANGE:
        values = np.zeros_like(values)
    return stats.rankdata(values)


def family_rank_correlation(model_family_mod: np.ndarray, data_family_mod: np.ndarray) -> float:
    """Spearman rho between model and data per-family modulations (Fig. 5 bottom); both shape (n_families,).

    A family modulation that is constant (range below ``CONSTANT_RMOD_RANGE``, e.g. a design-label control predicting
    held-out families: every family gets Rmod 0 up to rounding) ranks no family above another; Spearman's rho with it
    is then undefined and reported as 0 (no association) rather than as the rank order of rounding errors.
    """
    model_family_mod, data_family_mod = np.asarray(model_family_mod, float), np.asarray(data_family_mod, float)
    if model_family_mod.shape != data_family_mod.shape:
        raise ValueError(
            f"model and data need the same families, got {model_family_mod.shape} and {data_family_mod.shape}"
        )
    for values in (model_family_mod, data_family_mod):
        if np.all(np.isfinite(values)) and np.ptp(values) < CONSTANT_RMOD_RANGE:
            return 0.0
    return float(stats.spearmanr(model_family_mod, data_family_mod).correlation)


def modulation_quantiles(values: np.ndarray, probabilities: np.ndarray = DEFAULT_QUANTILE_PROBABILITIES) -> np.ndarray:
    """Quantiles (numpy's linear interpolation) of per-neuron Rmod values at fixed probabilities; NaNs dropped."""
    values = np.asarray(values, dtype=float)
    return np.quantile(values[np.isfinite(values)], probabilities)


def qq_distance(
    model_values: np.ndarray, data_values: np.ndarray, probabilities: np.ndarray = DEFAULT_QUANTILE_PROBABILITIES
) -> float:
    """Mean absolute difference between model and data quantiles of per-neuron Rmod (distance from the Q-Q diagonal).

    model_values: shape (n_model_units,); data_values: shape (n_neurons,); the counts may differ.
    """
    return float(
        np.mean(
            np.abs(modulation_quantiles(model_values, probabilities) - modulation_quantiles(data_values, probabilities))
        )
    )


def fisher_z_test(rho1: float, rho2: float, n: int = N_TEXTURE_FAMILIES, dof_offset: int = 3) -> FisherZTest:
    """Two-sided test that two correlations over n items differ (App. A.3.3, after Obilor & Amadi 2018).

    z = (arctanh(rho1) - arctanh(rho2)) / sqrt(2 / (n - dof_offset)); p = 2 (1 - Phi(|z|)).
    The standard error of arctanh(rho) is 1 / sqrt(n - 3); the paper prints n - 2, but its p-values
    (0.90 vs 0.56 -> 0.040, 0.90 vs 0.58 -> 0.047 with n = 15) are reproduced only with n - 3, the default.
    """
    if n - dof_offset <= 0:
        raise ValueError(f"need n > dof_offset, got n={n}, dof_offset={dof_offset}")
    z = (np.arctanh(rho1) - np.arctanh(rho2)) / np.sqrt(2.0 / (n - dof_offset))
    return FisherZTest(z=float(z), p=float(2.0 * stats.norm.sf(abs(z))))


def williams_test(r12: float, r13: float, r23: float, n: int = N_TEXTURE_FAMILIES) -> WilliamsTest:
    """Williams' (1959) t test that two correlations sharing variable 1 differ (Steiger 1980, eq. 7), two-sided.

    r12, r13: the correlations of variables 2 and 3 with variable 1 (here: two models' family-rank rho with the same
    neural family modulation); r23: between variables 2 and 3 (the two models' rho with each other); n items (15
    families). Unlike ``fisher_z_test`` it accounts for both correlations being measured against the same data:
    t = (r12 - r13) sqrt((n - 1)(1 + r23) / (2 (n - 1)/(n - 3) |R| + (r12 + r13)^2 / 4 (1 - r23)^3)), with
    |R| = 1 - r12^2 - r13^2 - r23^2 + 2 r12 r13 r23, on n - 3 degrees of freedom. Written here because scipy has no
    test of dependent correlations.
    """
    if n <= 3:
        raise ValueError(f"Williams' test needs n > 3 items, got n={n}")
    determinant = 1 - r12**2 - r13**2 - r23**2 + 2 * r12 * r13 * r23
    denominator = 2 * (n - 1) / (n - 3) * determinant + (r12 + r13) ** 2 / 4 * (1 - r23) ** 3
    if r12 == r13:
        t = 0.0
    elif denominator > 0:
        t = (r12 - r13) * np.sqrt((n - 1) * (1 + r23) / denominator)
    else:  # only rounding makes |R| negative with r23 = 1 (two models ranking the families alike)
        t = float(np.copysign(np.inf, r12 - r13))
    return WilliamsTest(t=float(t), dof=n - 3, p=float(2.0 * stats.t.sf(abs(t), n - 3)))


def response_latency(
    psth: np.ndarray,
    bin_ms: float,
    baseline_ms: float = 50.0,
    threshold_sd: float = 3.0,
    consecutive_bins: int = 3,
    smoothing_bins: int = 3,
    fallback_ms: float = 50.0,
) -> np.ndarray:
    """Response latency (ms after stimulus onset) of each PSTH, for the latency-aligned window of Freeman et al. 2013.

    The rule and its defaults are this suite's own: the paper (A.3.3) quotes none from Freeman et al. (2013). Rule:
    smooth each PSTH with a centred moving average of ``smoothing_bins`` bins; take the mean and standard deviation
    (ddof=0) of the smoothed bins that start before ``baseline_ms`` (too early for a cortical response); find the
    first bin after the baseline that begins a run of ``consecutive_bins`` smoothed bins all above mean +
    ``threshold_sd`` * sd; the latency is the start time of the first of that run's first ``smoothing_bins // 2 + 1``
    bins whose unsmoothed value is above the unsmoothed baseline's mean + ``threshold_sd`` * sd (the run's first bin
    if none is). With no such run the latency is ``fallback_ms``.
    The centred average mixes the next bins' rate into each bin, so a step's smoothed run begins up to
    ``smoothing_bins // 2`` bins before the step; checking the run's unsmoothed bins removes that lead (a step PSTH
    with onset at a bin start is found at that bin).

    psth: shape (..., n_bins), bin k spanning [k * bin_ms, (k + 1) * bin_ms) after onset (spike counts or rates).
    Returns shape psth.shape[:-1].
    """
    psth = np.asarray(psth, dtype=float)
    n_baseline = int(np.ceil(baseline_ms / bin_ms))
    if not 0 < n_baseline < psth.shape[-1]:
        raise ValueError(
            f"baseline_ms={baseline_ms} must cover at least one bin and leave some of the "
            f"{psth.shape[-1]} bins of {bin_ms} ms after it"
        )
    smoothed = ndimage.uniform_filter1d(psth, size=smoothing_bins, axis=-1, mode="nearest")
    baseline = smoothed[..., :n_baseline]
    threshold = baseline.mean(axis=-1, keepdims=True) + threshold_sd * baseline.std(axis=-1, keepdims=True)
    above = (smoothed > threshold)[..., n_baseline:]
    n_starts = above.shape[-1] - consecutive_bins + 1
    if n_starts <= 0:
        return np.full(psth.shape[:-1], float(fallback_ms))
    runs = np.ones(above.shape[:-1] + (n_starts,), dtype=bool)
    for offset in range(consecutive_bins):
        runs &= above[..., offset : offset + n_starts]
    first = n_baseline + np.argmax(runs, axis=-1)
    raw_baseline = psth[..., :n_baseline]
    raw_above = psth > raw_baseline.mean(axis=-1, keepdims=True) + threshold_sd * raw_baseline.std(
        axis=-1, keepdims=True
    )
    lead = smoothing_bins // 2
    offsets = np.arange(lead + 1)
    candidates = np.minimum(first[..., None] + offsets, psth.shape[-1] - 1)
    onset_above = np.take_along_axis(raw_above, candidates, axis=-1) & (offsets < consecutive_bins)
    onset = np.where(onset_above.any(axis=-1), first + np.argmax(onset_above, axis=-1), first)
    return np.where(runs.any(axis=-1), onset * bin_ms, float(fallback_ms))


def latency_aligned_window(latency_ms: np.ndarray | float, length_ms: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    """Response window [latency, latency + length_ms) in ms, per neuron (Freeman et al. 2013's 100 ms window)."""
    start = np.asarray(latency_ms, dtype=float)
    return start, start + length_ms


def window_mean(
    psth: np.ndarray, bin_ms: float, start_ms: np.ndarray | float, end_ms: np.ndarray | float
) -> np.ndarray:
    """Mean of the PSTH bins whose start lies in [start_ms, end_ms), per PSTH.

    psth: shape (..., n_bins) (binning as in ``response_latency``); start_ms, end_ms broadcast to psth.shape[:-1].
    Returns shape psth.shape[:-1].
    """
    psth = np.asarray(psth, dtype=float)
    bin_starts = np.arange(psth.shape[-1]) * bin_ms
    start = np.asarray(start_ms, dtype=float)[..., None]
    end = np.asarray(end_ms, dtype=float)[..., None]
    inside = (bin_starts >= start) & (bin_starts < end)
    counts = inside.sum(axis=-1)
    if np.any(counts == 0):
        raise ValueError("a window holds no bin; check that windows lie within the PSTH and span at least one bin")
    return (psth * inside).sum(axis=-1) / counts


def texture_folds(
    families: np.ndarray, texture_types: np.ndarray, cv: str = DEFAULT_CV, n_folds: int = N_FOLDS, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Disjoint (train, test) image index folds covering every image once, for ``cv`` (``CV_SCHEMES``).

    "family": one fold per family (leave one family out; ``n_folds`` and ``seed`` unused). "stratified": ``n_folds``
    shuffled folds (``seed``) stratified by family x texture type, the paper's choice. families, texture_types:
    (n_images,).
    """
    families, texture_types = np.asarray(families), np.asarray(texture_types)
    rows = np.zeros((len(families), 1))
    if cv == "family":
        return list(LeaveOneGroupOut().split(rows, groups=families))
    if cv == "stratified":
        strata = np.array([f"{family}-{kind}" for family, kind in zip(families, texture_types)])
        return list(StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed).split(rows, strata))
    raise ValueError(f"cv {cv!r} is not one of {', '.join(CV_SCHEMES)}")


def cross_validated_predictions(
    features: np.ndarray,
    targets: np.ndarray,
    folds: list[tuple[np.ndarray, np.ndarray]],
    n_components: int = PLS_COMPONENTS,
) -> np.ndarray:
    """Held-out PLS predictions of every image: ``features`` (n_images, p) -> ``targets`` (n_images, q).

    ``folds`` (``texture_folds``): disjoint (train, test) index arrays, so each image is predicted exactly once by a
    kernel PLS (``KernelPLSRegression``, ``n_components``, at most p) fitted on the other folds. The image Gram
    matrix is computed once and sliced per fold. Returns (n_images, q).
    """
    targets = np.asarray(targets, dtype=np.float64)
    features = np.asarray(features)
    regression = KernelPLSRegression(n_components=min(n_components, features.shape[1]))
    regression.stimulus_gram = StimulusGram(gram_matrix(features), features.shape[1])
    rows = np.arange(len(features), dtype=np.float64)[:, None]
    predictions = np.full(targets.shape, np.nan)
    for train, test in folds:
        predictions[test] = regression.fit(rows[train], targets[train]).predict(rows[test])
    return predictions


@dataclass(frozen=True)
class Modulation:
    """Texture modulation of one population: per-unit Rmod (n_units,) and per-family Rmod (n_families,)."""

    neuron_rmod: np.ndarray
    family_rmod: np.ndarray
    families: np.ndarray


def population_modulation(
    responses: np.ndarray, families: np.ndarray, texture_types: np.ndarray, rectify: bool
) -> Modulation:
    """Rmod of every unit of ``responses`` (presentation, unit): family means, index, unit and family averages."""
    means = family_mean_responses(responses, families, texture_types)
    rmod = texture_modulation_index(means.texture, means.noise, rectify=rectify)
    return Modulation(neuron_modulation(rmod), family_modulation(rmod), means.families)


def compare_modulation(model: Modulation, data: Modulation) -> dict[str, Any]:
    """Q-Q distance (mean |quantile difference| of per-unit Rmod), family ranks and their Spearman rho."""
    if not np.array_equal(model.families, data.families):
        raise ValueError("model and data modulations cover different texture families")
    return {
        "rho": family_rank_correlation(model.family_rmod, data.family_rmod),
        "qq_distance": qq_distance(model.neuron_rmod, data.neuron_rmod),
        "quantiles": modulation_quantiles(model.neuron_rmod).tolist(),
        "family_rmod": model.family_rmod.tolist(),
        "family_ranks": family_ranks(model.family_rmod).tolist(),
        "neuron_rmod": model.neuron_rmod.tolist(),
        "n_units": int(np.isfinite(model.neuron_rmod).sum()),
    }


#: ``units`` choices of the texture experiment: units centred in the stimulus aperture (default), or every unit
UNIT_RULES = ("centred", "all")


@dataclass(frozen=True)
class UnitSelection:
    """Which units of a layer enter the modulation averages. ``used``: (n_units,) mask; ``rule``: how they were
    chosen; counts: all units, those whose receptive-field centre lies outside the aperture (0 under "all" or without
    geometry), the silent ones (rectified response 0 to every image; counted after the aperture rule), and the used."""

    used: np.ndarray
    rule: str
    n_units: int
    n_outside: int
    n_silent: int

    @property
    def n_used(self) -> int:
        return int(self.used.sum())

    def counts(self) -> dict[str, Any]:
        """The selection's rule and unit counts (all, outside the aperture, silent, used) as JSON data."""
        return {
            "rule": self.rule,
            "n_units": self.n_units,
            "n_outside_aperture": self.n_outside,
            "n_silent": self.n_silent,
            "n_used": self.n_used,
        }


def grid_centres_degrees(shape: tuple[int, ...], visual_degrees: float) -> np.ndarray:
    """(n_units, 2) centres (row, column; degrees from the image centre, down and right positive) of the units of a
    layer whose output per image has ``shape``, in C (Brain-Score's flatten) order. (channels, rows, columns): unit
    at grid (r, c) of (R, C) -> (((r + 0.5) / R - 0.5), ((c + 0.5) / C - 0.5)) * visual_degrees (the grid tiles the
    image evenly); any other shape has no spatial grid and every unit sits at (0, 0)."""
    n_units = int(np.prod(shape))
    if len(shape) != 3:
        return np.zeros((n_units, 2))
    channels, rows, columns = shape
    row, column = np.meshgrid((np.arange(rows) + 0.5) / rows - 0.5, (np.arange(columns) + 0.5) / columns - 0.5)
    grid = np.stack([row.T.ravel(), column.T.ravel()], axis=1) * visual_degrees
    return np.tile(grid, (channels, 1))


def silent_units(features: np.ndarray) -> np.ndarray:
    """(n_units,) mask of units whose rectified response is 0 to every image of ``features`` (image, unit): their
    index is 0/0 for every family, so they are counted and left out rather than averaged as NaN or 0."""
    return np.all(np.asarray(features) <= 0, axis=0)


def select_units(
    features: np.ndarray, centres: np.ndarray | None, aperture_radius: float, units: str = "centred"
) -> UnitSelection:
    """The units of ``features`` (image, unit) that enter the averages: under ``units="centred"`` those whose centre
    (``centres``, (n_units, 2) degrees from the image centre) lies inside the aperture (distance < ``aperture_radius``
    degrees), under "all" every unit; silent units (``silent_units``) are left out under both. Without ``centres``
    (no geometry) "centred" keeps every unit and says so in ``rule``."""
    if units not in UNIT_RULES:
        raise ValueError(f"units {units!r} is not one of {', '.join(UNIT_RULES)}")
    n_units = features.shape[1]
    if units == "centred" and centres is not None:
        inside = np.hypot(centres[:, 0], centres[:, 1]) < aperture_radius
        rule = f"centred: receptive-field centre (layer geometry) within {aperture_radius:g} degrees of the centre"
    else:
        inside = np.ones(n_units, dtype=bool)
        rule = "all" if units == "all" else "all (the layer has no spatial geometry to place units by)"
    silent = silent_units(features) & inside
    return UnitSelection(inside & ~silent, rule, int(n_units), int((~inside).sum()), int(silent.sum()))
