"""A panel of similarity measures between a model's features and recordings with repetitions, each reported as a raw
value, a ceiling from the recordings' own split-half reliability and the normalised value raw / ceiling, with
bootstrap intervals.

Shapes: model ``features`` (n_stimuli, n_units) in the recordings' stimulus order; ``Recordings.repetitions``
(n_stimuli, n_repetitions, n_neurons). Every measure is "higher = more similar" and correlation-like.

Where Brain-Score has the measure, its classes compute it: ``CrossRegressedCorrelation`` with ``ridge_cv_regression``
(ridge, alpha by generalised cross-validation over Brain-Score's ``ALPHA_LIST``) or with its ``SingleRegression``
vectorised (``OneToOneRegression``: the one-to-one mapping, equal to it within 1e-6), ``unbiased_linear_CKA`` (its
``cka`` metric); the PLS and reverse-PLS regressions are this suite's kernel PLS (``brainscore_lcl.metrics.pls``,
equal to Brain-Score's ``pls`` / ``reverse_pls`` within 1e-6 and faster). RSA goes through rsatoolbox
(``brainscore_lcl.metrics.rsa``), the angular Procrustes distance is ``brainscore_lcl.metrics.shape``. All splits
are Brain-Score's: 10 stratified (texture type) 90/10 shuffle splits.

Shared work: a model's features are reduced once to an (n_stimuli, rank) basis with the same centred Gram matrix
(``reduced_basis``). PLS, ridge, CKA, Procrustes and RSA (squared Euclidean distances) depend on the features only
through that Gram, so they are exact on it; the one-to-one mapping and reverse PLS need the units themselves.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

from brainscore_lcl.metrics.measure_names import MEASURES
from brainscore_lcl.metrics.pls import ColumnwisePearsonCorrelation, cached_stimulus_gram, pls_metric
from brainscore_lcl.metrics.rsa import crossnobis_rdm, euclidean_rdm, rdm_spearman, rdm_submatrix
from brainscore_lcl.metrics.shape import procrustes_similarity

#: the measures that fit a cross-validated regression and correlate held-out predictions
REGRESSIONS = ("pls", "ridge", "n2n", "reversepls")
#: what each measure computes (copied into every result)
MEASURE_DEFINITIONS = {
    "pls": "PLS regression model -> neurons (25 components; this suite's kernel PLS, equal to Brain-Score's pls); "
    "median over neurons of the held-out Pearson r, mean over the 10 splits",
    "ridge": "ridge regression model -> neurons, alpha chosen on each training set by generalised cross-validation "
    "over Brain-Score's ALPHA_LIST (brainscore_vision ridge_cv_regression in CrossRegressedCorrelation); median "
    "over neurons of the held-out Pearson r, mean over splits",
    "n2n": "one-to-one mapping: each neuron predicted by the one model unit that correlates best with it on the "
    "training images (Brain-Score's neuron_to_neuron: its SingleRegression, vectorised); median held-out r, mean "
    "over splits",
    "reversepls": "reverse PLS neurons -> model units (Brain-Score's reverse_pls direction, kernel PLS with "
    "min(25, neurons) components) on a seeded subset of at most 1000 varying units; median over units of the "
    "held-out r, mean over splits",
    "rsa": "Spearman correlation between the model's squared-Euclidean RDM and the recordings' crossnobis RDM "
    "(cross-validated over repetitions, identity noise covariance), through rsatoolbox",
    "cka": "unbiased linear CKA (Brain-Score's cka metric, unbiased_linear_CKA) of the features and the "
    "repetition-averaged responses",
    "procrustes": "cos of the angular Procrustes distance (Williams et al. 2021, no whitening) between the centred, "
    "unit-norm features and responses; details give the angle in degrees",
}
#: how each measure's ceiling is made (copied into every result)
CEILING_DEFINITIONS = {
    "regression": "Brain-Score's internal consistency: per-neuron Pearson r between the averages of two halves of the "
    "repetitions, Spearman-Brown corrected, mean over 10 splits, median over neurons",
    "split-half": "the measure between the averages of two random halves of the repetitions (reverse PLS: one half's "
    "neurons predicting the other half's; RSA: the two halves' crossnobis RDMs), Spearman-Brown corrected "
    "(2c / (1 + c)), mean over the ceiling splits",
}
#: model units reverse PLS predicts at most (a seeded subset of the varying units)
REVERSE_PLS_UNITS = 1000
#: random halvings of the repetitions a split-half ceiling averages
CEILING_SPLITS = 5
CROSSVALIDATION_KWARGS = {"stratification_coord": "texture_type"}


@dataclass(eq=False)
class Recordings:
    """Responses with repetitions and their Brain-Score form.

    ``averaged``: the repetition-averaged (presentation, neuroid) ``NeuroidAssembly`` with ``stimulus_id``,
    ``texture_type`` and ``neuroid_id`` coords; ``repetitions``: (n_stimuli, n_repetitions, n_neurons) float64 in its
    presentation and neuroid order; ``regression_ceiling``: Brain-Score's internal-consistency ceiling (median over
    neurons), computed from ``repetitions`` when None.
    """

    averaged: NeuroidAssembly
    repetitions: np.ndarray
    regression_ceiling: float | None = None
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def responses(self) -> np.ndarray:
        """Repetition-averaged responses (n_stimuli, n_neurons), float64."""
        return np.asarray(self.averaged.transpose("presentation", "neuroid").values, dtype=np.float64)

    @property
    def stimulus_ids(self) -> np.ndarray:
        return np.asarray(self.averaged["stimulus_id"].values)

    @property
    def strata(self) -> np.ndarray:
        return np.asarray(self.averaged["texture_type"].values)

    def memo(self, key: str, compute):
        """``compute()`` once per recordings and ``key`` (data RDM, ceilings)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


def neuroid_assembly(values: np.ndarray, stimulus_ids, strata, neuroid_prefix: str) -> NeuroidAssembly:
    """A (presentation, neuroid) ``NeuroidAssembly`` of ``values``, with the coords Brain-Score's regressions use."""
    values = np.asarray(values, dtype=np.float64)
    return NeuroidAssembly(
        values,
        coords={
            "stimulus_id": ("presentation", np.asarray(stimulus_ids)),
            "texture_type": ("presentation", np.asarray(strata)),
            "neuroid_id": ("neuroid", [f"{neuroid_prefix}{index}" for index in range(values.shape[1])]),
            "neuroid_group": ("neuroid", [neuroid_prefix] * values.shape[1]),
        },
        dims=["presentation", "neuroid"],
    )


def recordings_from_arrays(repetitions: np.ndarray, strata=None, regression_ceiling: float | None = None) -> Recordings:
    """``Recordings`` of ``repetitions`` (n_stimuli, n_repetitions, n_neurons); ``strata`` (n_stimuli,) are the
    stratification labels of the splits (default two alternating groups)."""
    repetitions = np.asarray(repetitions, dtype=np.float64)
    n_stimuli = repetitions.shape[0]
    strata = np.asarray(strata if strata is not None else np.arange(n_stimuli) % 2).astype(str)
    averaged = neuroid_assembly(repetitions.mean(axis=1), [f"s{index}" for index in range(n_stimuli)], strata, "n")
    return Recordings(averaged, repetitions, regression_ceiling)


def recordings_from_assemblies(averaged, repetition_assembly, regression_ceiling: float | None = None) -> Recordings:
    """``Recordings`` of a benchmark's repetition-averaged assembly and its (presentation x repetition, neuroid)
    assembly (``load_freemanziemba_assembly(average_repetitions=False)``), aligned by stimulus id and neuroid id."""
    averaged = averaged.transpose("presentation", "neuroid")
    repetition_assembly = repetition_assembly.transpose("presentation", "neuroid")
    rows = {stimulus: index for index, stimulus in enumerate(averaged["stimulus_id"].values)}
    columns = {neuroid: index for index, neuroid in enumerate(averaged["neuroid_id"].values)}
    order = [columns[neuroid] for neuroid in repetition_assembly["neuroid_id"].values]
    repetition = np.asarray(repetition_assembly["repetition"].values)
    _, repetition_index = np.unique(repetition, return_inverse=True)
    values = np.full((len(rows), repetition_index.max() + 1, len(columns)), np.nan)
    stimulus_rows = np.array([rows[stimulus] for stimulus in repetition_assembly["stimulus_id"].values])
    values[stimulus_rows[:, None], repetition_index[:, None], np.asarray(order)[None, :]] = repetition_assembly.values
    if np.isnan(values).any():
        raise ValueError("the repetition assembly does not hold every stimulus x repetition x neuron of the average")
    return Recordings(averaged, values, regression_ceiling)


def reduced_basis(gram: np.ndarray) -> np.ndarray:
    """An (n, rank) basis Z with Z Z^T = ``gram`` (a centred Gram matrix, (n, n)): eigenvectors scaled by the square
    roots of the eigenvalues above n * eps times the largest."""
    eigenvalues, eigenvectors = np.linalg.eigh(gram)
    keep = eigenvalues > max(eigenvalues[-1], 0.0) * len(gram) * np.finfo(np.float64).eps
    return eigenvectors[:, keep] * np.sqrt(eigenvalues[keep])


@dataclass(eq=False)
class ModelFeatures:
    """A model's ``units`` (n_stimuli, n_units) and their ``basis`` (n_stimuli, rank) of the same centred Gram."""

    units: np.ndarray
    basis: np.ndarray


_BASES: OrderedDict[int, tuple[Any, np.ndarray]] = OrderedDict()


def model_features(units: np.ndarray, stimulus_ids) -> ModelFeatures:
    """``ModelFeatures`` of ``units``; the Gram is ``cached_stimulus_gram``'s (shared with the PLS benchmarks) and the
    basis is made once per Gram (small LRU), so every measure of a panel reuses them."""
    stimulus_gram = cached_stimulus_gram(np.asarray(units), np.asarray(stimulus_ids))
    held = _BASES.get(id(stimulus_gram))
    if held is None or held[0] is not stimulus_gram:
        held = _BASES[id(stimulus_gram)] = (stimulus_gram, reduced_basis(stimulus_gram.gram))
        if len(_BASES) > 8:
            _BASES.popitem(last=False)
    return ModelFeatures(np.asarray(units), held[1])


class RecordingPearsonCorrelation(ColumnwisePearsonCorrelation):
    """``ColumnwisePearsonCorrelation`` that keeps each split's held-out stimulus ids and aligned (prediction, target)
    arrays (test stimuli, targets), for the bootstrap over images."""

    def __init__(self):
        super().__init__()
        self.pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def __call__(self, prediction, target):
        order = ["stimulus_id", "neuroid_id"]
        aligned_prediction = prediction.sortby(order).transpose("presentation", "neuroid")
        aligned_target = target.sortby(order).transpose("presentation", "neuroid")
        self.pairs.append(
            (
                np.asarray(aligned_target["stimulus_id"].values),
                np.asarray(aligned_prediction.values, float),
                np.asarray(aligned_target.values, float),
            )
        )
        return super().__call__(prediction, target)


class OneToOneRegression:
    """Brain-Score's ``SingleRegression`` (each target predicted by the one source unit that correlates best with it on
    the training stimuli, NaN correlations of constant units skipped), computed for all targets at once over blocks
    of units: Brain-Score's class normalises the whole training matrix again for every target, which costs minutes
    for a layer of 10^5 units. ``fit(X, Y)`` / ``predict(X)`` on arrays (n, p) and (n, q); with ``units`` (n_stimuli,
    p) given, X is instead the (n, 1) column of row indices into them (``row_source``), so that Brain-Score's
    cross-validation splits a one-column stand-in rather than copying every unit for each split."""

    def __init__(self, block_size: int = 8192, units: np.ndarray | None = None):
        self.block_size = block_size
        self.units = units
        self.mapping: np.ndarray | None = None

    def _features(self, X) -> np.ndarray:
        if self.units is None:
            return np.asarray(X)
        return self.units[np.asarray(X)[:, 0].astype(np.int64)]

    def fit(self, X, Y) -> OneToOneRegression:
        """Choose, for each target column of ``Y`` (n, q), the column of ``X`` (n, p) (or of ``units`` at the rows
        ``X`` names) that correlates best with it; returns self."""
        X, Y = self._features(X), np.asarray(Y, dtype=np.float64)
        targets = Y - Y.mean(axis=0)
        targets = targets / np.linalg.norm(targets, axis=0)
        best = np.full(Y.shape[1], -np.inf)
        mapping = np.zeros(Y.shape[1], dtype=np.int64)
        for start in range(0, X.shape[1], self.block_size):
            block = np.asarray(X[:, start : start + self.block_size], dtype=np.float64)
            block = block - block.mean(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                correlations = (block / np.linalg.norm(block, axis=0)).T @ targets
            correlations = np.where(np.isnan(correlations), -np.inf, correlations)
            winners = np.argmax(correlations, axis=0)
            values = correlations[winners, np.arange(Y.shape[1])]
            better = values > best
            best[better], mapping[better] = values[better], start + winners[better]
        self.mapping = mapping
        return self

    def predict(self, X) -> np.ndarray:
        """The chosen source columns of ``X`` (n, p) (or of ``units`` at its rows): the prediction (n, q)."""
        return self._features(X)[:, self.mapping]


def regression_metric(measure: str, n_components: int = 25, units: np.ndarray | None = None):
    """The cross-validated regression metric of ``measure`` (``metric(source, target) -> Score`` with per-split,
    per-target ``.raw``): Brain-Score's ``CrossRegressedCorrelation`` with its ``ridge_cv_regression`` or with
    ``OneToOneRegression`` (its ``SingleRegression``, vectorised; on ``units`` when given, the source then being their
    row indices), kernel PLS for the two PLS measures."""
    from brainscore_vision.metric_helpers.xarray_utils import XarrayRegression
    from brainscore_vision.metrics.regression_correlation.metric import CrossRegressedCorrelation, ridge_cv_regression

    if measure in ("pls", "reversepls"):
        return pls_metric("kernel", crossvalidation_kwargs=dict(CROSSVALIDATION_KWARGS), n_components=n_components)
    regression = ridge_cv_regression() if measure == "ridge" else XarrayRegression(OneToOneRegression(units=units))
    return CrossRegressedCorrelation(
        regression=regression,
        correlation=ColumnwisePearsonCorrelation(),
        crossvalidation_kwargs=dict(CROSSVALIDATION_KWARGS),
    )


@dataclass
class RegressionFit:
    """One cross-validated regression: ``raw`` (mean over splits of the median over targets of held-out r),
    ``per_split_r`` (split, target) and the splits' (held-out stimulus ids, prediction, target) arrays."""

    raw: float
    per_split_r: np.ndarray
    pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray]]


def cross_validated_regression(
    measure: str,
    source: np.ndarray,
    target: np.ndarray,
    stimulus_ids,
    strata,
    n_components: int = 25,
    units: np.ndarray | None = None,
) -> RegressionFit:
    """Fit ``measure``'s regression from ``source`` (n, p) to ``target`` (n, q) over Brain-Score's splits (for
    ``n2n`` with ``units``: ``source`` is ``row_source``'s column of row indices into them)."""
    metric = regression_metric(measure, n_components, units)
    recorder = RecordingPearsonCorrelation()
    metric.correlation = recorder
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant units in a test split: r is NaN, skipped
        score = metric(
            neuroid_assembly(source, stimulus_ids, strata, "x"), neuroid_assembly(target, stimulus_ids, strata, "y")
        )
    per_split = np.asarray(score.raw.transpose("split", "neuroid").values, dtype=float)
    return RegressionFit(float(np.mean(np.nanmedian(per_split, axis=1))), per_split, recorder.pairs)


def varying_unit_subset(units: np.ndarray, limit: int = REVERSE_PLS_UNITS, seed: int = 0) -> np.ndarray:
    """Indices of at most ``limit`` units that vary over stimuli (a seeded random subset, sorted)."""
    varying = np.flatnonzero(np.ptp(units, axis=0) > 0)
    if len(varying) <= limit:
        return varying
    return np.sort(np.random.default_rng(seed).choice(varying, size=limit, replace=False))


def regression_fit(measure: str, features: ModelFeatures, recordings: Recordings) -> RegressionFit:
    """``cross_validated_regression`` of ``measure`` between the model and ``recordings``."""
    ids, strata, responses = recordings.stimulus_ids, recordings.strata, recordings.responses
    if measure == "reversepls":
        units = features.units[:, varying_unit_subset(features.units)]
        return cross_validated_regression(measure, responses, units, ids, strata, min(25, responses.shape[1]))
    n_components = min(25, features.basis.shape[1])
    if measure == "n2n":
        rows = row_source(len(responses))
        return cross_validated_regression(measure, rows, responses, ids, strata, n_components, features.units)
    return cross_validated_regression(measure, features.basis, responses, ids, strata, n_components)


def row_source(n_stimuli: int) -> np.ndarray:
    """(n_stimuli, 1) row indices 0 .. n_stimuli - 1: the one-column stand-in source of ``OneToOneRegression`` with
    ``units`` (as ``brainscore_lcl.metrics.pls.gram_row_source`` is for the kernel PLS)."""
    return np.arange(n_stimuli, dtype=np.float64)[:, None]


def unbiased_cka(first: np.ndarray, second: np.ndarray) -> float:
    """Brain-Score's ``unbiased_linear_CKA`` of (n, p) and (n, q) features."""
    from brainscore_vision.metrics.cka.metric import unbiased_linear_CKA

    return float(unbiased_linear_CKA(np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)))


def geometry_value(measure: str, features: np.ndarray, recordings: Recordings) -> float:
    """Raw value of a geometry measure ("rsa", "cka", "procrustes") of ``features`` (n, p)."""
    if measure == "rsa":
        return rdm_spearman(euclidean_rdm(features), data_rdm(recordings))
    if measure == "cka":
        return unbiased_cka(features, recordings.responses)
    return procrustes_similarity(features, recordings.responses)


def data_rdm(recordings: Recordings) -> np.ndarray:
    """The recordings' crossnobis RDM over all repetitions, made once per recordings."""
    return recordings.memo("crossnobis", lambda: crossnobis_rdm(recordings.repetitions))


def spearman_brown(value: float) -> float:
    """Spearman-Brown correction of a split-half value to the full number of repetitions: ``2 c / (1 + c)``."""
    return 2 * value / (1 + value)


def split_half_value(measure: str, first: np.ndarray, second: np.ndarray, recordings: Recordings) -> float:
    """``measure`` between two halves of the repetitions, ``first`` and ``second`` (n_stimuli, half, n_neurons)."""
    first_mean, second_mean = first.mean(axis=1), second.mean(axis=1)
    if measure == "rsa":
        return rdm_spearman(crossnobis_rdm(first), crossnobis_rdm(second))
    if measure == "cka":
        return unbiased_cka(first_mean, second_mean)
    if measure == "procrustes":
        return procrustes_similarity(first_mean, second_mean)
    return cross_validated_regression(
        "reversepls",
        second_mean,
        first_mean,
        recordings.stimulus_ids,
        recordings.strata,
        min(25, second_mean.shape[1]),
    ).raw


def measure_ceiling(measure: str, recordings: Recordings, n_splits: int = CEILING_SPLITS, seed: int = 0) -> dict:
    """{"ceiling", "ceiling_std", "ceiling_definition"} of ``measure`` on ``recordings`` (``CEILING_DEFINITIONS``);
    made once per recordings and measure."""

    def compute() -> dict:
        if measure in ("pls", "ridge", "n2n"):
            value = recordings.regression_ceiling
            if value is None:
                value = internal_consistency_of(recordings)
            definition = CEILING_DEFINITIONS["regression"]
            return {"ceiling": float(value), "ceiling_std": None, "ceiling_definition": definition}
        rng = np.random.default_rng(seed)
        n_repetitions = recordings.repetitions.shape[1]
        values = []
        for _ in range(n_splits):
            order = rng.permutation(n_repetitions)
            half = n_repetitions // 2
            first = recordings.repetitions[:, order[:half]]
            second = recordings.repetitions[:, order[half : 2 * half]]
            values.append(spearman_brown(split_half_value(measure, first, second, recordings)))
        return {
            "ceiling": float(np.mean(values)),
            "ceiling_std": float(np.std(values)),
            "ceiling_definition": CEILING_DEFINITIONS["split-half"],
        }

    return recordings.memo(f"ceiling:{measure}:{n_splits}:{seed}", compute)


def internal_consistency_of(recordings: Recordings) -> float:
    """Brain-Score's ``internal_consistency`` ceiling (median over neurons) of ``recordings.repetitions``."""
    from brainscore_vision import load_ceiling

    n_stimuli, n_repetitions, n_neurons = recordings.repetitions.shape
    index = np.arange(n_stimuli * n_repetitions)
    stimulus_ids = recordings.stimulus_ids[index // n_repetitions]
    assembly = NeuroidAssembly(
        recordings.repetitions.reshape(n_stimuli * n_repetitions, n_neurons),
        coords={
            "stimulus_id": ("presentation", stimulus_ids),
            "repetition": ("presentation", index % n_repetitions),
            "neuroid_id": ("neuroid", [str(value) for value in recordings.averaged["neuroid_id"].values]),
            "neuroid_group": ("neuroid", ["recorded"] * n_neurons),
        },
        dims=["presentation", "neuroid"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(load_ceiling("internal_consistency")(assembly).values)


def resampled_image_counts(n_stimuli: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n_stimuli) how often each image is drawn in each of ``n_boot`` resamples of the n_stimuli images with
    replacement."""
    draws = rng.integers(0, n_stimuli, size=(n_boot, n_stimuli))
    return np.stack([np.bincount(row, minlength=n_stimuli) for row in draws]).astype(np.float64)


def weighted_correlations(weights: np.ndarray, prediction: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Pearson r of each target column over stimuli counted ``weights`` times: ``weights`` (n_boot, n), ``prediction``
    and ``target`` (n, q) -> (n_boot, q); the r of the resample that repeats each stimulus that often (NaN where a
    column is constant on the drawn stimuli)."""
    prediction = prediction - prediction.mean(axis=0)  # centred first: no cancellation in the moments below
    target = target - target.mean(axis=0)
    total = weights.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        prediction_mean, target_mean = (weights @ prediction) / total, (weights @ target) / total
        covariance = (weights @ (prediction * target)) / total - prediction_mean * target_mean
        prediction_variance = (weights @ prediction**2) / total - prediction_mean**2
        target_variance = (weights @ target**2) / total - target_mean**2
        correlations = covariance / np.sqrt(prediction_variance * target_variance)
    # a column constant on the drawn stimuli: its variance is rounding residue of the split's own (NaN, as scipy's r)
    constant = (prediction_variance <= 1e-10 * np.mean(prediction**2, axis=0)) | (
        target_variance <= 1e-10 * np.mean(target**2, axis=0)
    )
    return np.where(constant, np.nan, correlations)


def regression_bootstrap(
    fit: RegressionFit, stimulus_ids: np.ndarray, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """``n_boot`` values of the regression's raw score under a fold-aware bootstrap over images: each resample draws
    the ``stimulus_ids`` images once, with replacement, and every split's held-out predictions count each of its test
    images as often as it was drawn (the fits are not redone, so no image is ever both fitted and tested)."""
    counts = resampled_image_counts(len(stimulus_ids), n_boot, rng)
    position = {stimulus: index for index, stimulus in enumerate(stimulus_ids)}
    per_split = []
    for test_ids, prediction, target in fit.pairs:
        weights = counts[:, [position[stimulus] for stimulus in test_ids]]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a resample where every target is constant
            per_split.append(np.nanmedian(weighted_correlations(weights, prediction, target), axis=-1))
    return np.mean(per_split, axis=0)


def geometry_bootstrap(
    measure: str, features: np.ndarray, recordings: Recordings, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """``n_boot`` values of a geometry measure on images resampled with replacement, each resample's distinct images
    kept: repeated images would bias CKA (an unbiased pairwise estimator), RSA (pairs of distinct images) and
    Procrustes (a repeated image lowers the rank, so a rotation aligns more)."""
    n_stimuli = len(features)
    responses = recordings.responses
    values = np.empty(n_boot)
    if measure == "rsa":
        model, data = euclidean_rdm(features), data_rdm(recordings)
    for index in range(n_boot):
        keep = np.unique(rng.integers(0, n_stimuli, size=n_stimuli))
        if measure == "procrustes":
            values[index] = procrustes_similarity(features[keep], responses[keep])
        elif measure == "cka":
            values[index] = unbiased_cka(features[keep], responses[keep])
        else:
            values[index] = rdm_spearman(rdm_submatrix(model, n_stimuli, keep), rdm_submatrix(data, n_stimuli, keep))
    return values


def resampling_shift(raw: float, samples: np.ndarray) -> float:
    """``raw`` minus the median of the bootstrap ``samples``: what places their spread at the raw value. Resampling
    shifts every measure's statistic away from it: the geometry measures keep a resample's distinct images only; a
    regression's held-out r is undefined on a resample that misses the few test images where a sparse prediction
    varies (a one-hot unit of control-design is non-zero on one or two of a split's 31), and the resamples that keep
    them correlate higher, so the median over neurons moves up (V2 control-design n2n: 0.391 raw / ceiling, resamples'
    median 0.440)."""
    return float(raw) - float(np.nanmedian(samples))


@dataclass
class MeasureScore:
    """One measure of one model: raw value, ceiling, normalised = raw / ceiling, 95% bootstrap intervals over images
    (``raw_ci95``, ``normalised_ci95``: the resamples' 2.5-97.5% spread around their median, placed at the raw value,
    ``resampling_shift``; the regressions' resamples fold-aware, ``regression_bootstrap``) and, for the regressions,
    over neurons (or units, for reverse PLS: the median over them of the split-mean r, ``neuron_ci95``)."""

    measure: str
    raw: float
    ceiling: float
    normalised: float
    raw_ci95: list[float]
    normalised_ci95: list[float]
    neuron_ci95: list[float] | None
    ceiling_std: float | None
    measure_definition: str
    ceiling_definition: str
    n_boot: int
    seed: int
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Every field as a dict (``dataclasses.asdict``)."""
        return asdict(self)


def score_measure(
    measure: str, features: ModelFeatures, recordings: Recordings, n_boot: int = 200, seed: int = 0
) -> MeasureScore:
    """``measure`` (one of ``MEASURES``) of ``features`` against ``recordings``, with its ceiling and intervals."""
    from brainscore_lcl.metrics.statistics import bootstrap_median_ci

    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}")
    rng = np.random.default_rng(seed)
    details: dict[str, Any] = {}
    neuron_interval = None
    if measure in REGRESSIONS:
        fit = regression_fit(measure, features, recordings)
        raw, samples = fit.raw, regression_bootstrap(fit, recordings.stimulus_ids, n_boot, rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a unit constant in every test split has no r
            per_target = np.nanmean(fit.per_split_r, axis=0)
        neuron_interval = list(bootstrap_median_ci(per_target, n_boot=n_boot, seed=seed))
        details["n_targets"] = int(fit.per_split_r.shape[1])
    else:
        raw = geometry_value(measure, features.basis, recordings)
        samples = geometry_bootstrap(measure, features.basis, recordings, n_boot, rng)
    if measure == "procrustes":
        details["angle_degrees"] = float(np.degrees(np.arccos(raw)))
    ceiling = measure_ceiling(measure, recordings)
    details["resampling_shift"] = resampling_shift(raw, samples)
    low, high = (float(value) for value in np.nanquantile(samples, [0.025, 0.975]) + details["resampling_shift"])
    return MeasureScore(
        measure=measure,
        raw=float(raw),
        ceiling=ceiling["ceiling"],
        normalised=float(raw) / ceiling["ceiling"],
        raw_ci95=[low, high],
        normalised_ci95=[low / ceiling["ceiling"], high / ceiling["ceiling"]],
        neuron_ci95=neuron_interval,
        ceiling_std=ceiling["ceiling_std"],
        measure_definition=MEASURE_DEFINITIONS[measure],
        ceiling_definition=ceiling["ceiling_definition"],
        n_boot=n_boot,
        seed=seed,
        details=details | {"n_stimuli": int(features.units.shape[0]), "n_units": int(features.units.shape[1])},
    )


def score_panel(
    units: np.ndarray, recordings: Recordings, measures=MEASURES, n_boot: int = 200, seed: int = 0
) -> dict[str, MeasureScore]:
    """Every measure of ``measures`` for one model's ``units`` (n_stimuli, n_units), in the recordings' order."""
    features = model_features(units, recordings.stimulus_ids)
    return {measure: score_measure(measure, features, recordings, n_boot, seed) for measure in measures}


def align_features(source, recordings: Recordings) -> np.ndarray:
    """A model's (presentation, neuroid) activations as an array in the recordings' stimulus order."""
    source = source.transpose("presentation", "neuroid")
    rows = {stimulus: index for index, stimulus in enumerate(source["stimulus_id"].values)}
    missing = [stimulus for stimulus in recordings.stimulus_ids if stimulus not in rows]
    if missing:
        raise ValueError(f"the activations lack {len(missing)} of the recorded stimuli (e.g. {missing[0]!r})")
    return np.asarray(source.values)[[rows[stimulus] for stimulus in recordings.stimulus_ids]]
