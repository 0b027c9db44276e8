"""Representational similarity analysis through ``rsatoolbox``: cross-validated distances of the recordings
(crossnobis over repetitions, with an identity noise covariance: the cross-validated squared Euclidean distance, an
unbiased estimate whose expectation is 0 for two stimuli with the same response), squared Euclidean distances of a
model's features, compared by Spearman's rank correlation over the stimulus pairs.

rsatoolbox 0.3.2 imports its plotting package (``rsatoolbox.vis``) on import, and that package needs scikit-learn >= 1.6
(``sklearn.utils.validation.validate_data``), while this suite keeps scikit-learn 1.5 (the kernel PLS reproduces its
NIPALS iteration). Nothing here plots, so where the plotting package cannot import it is replaced by an empty module
before ``rsatoolbox`` is imported (``import_rsatoolbox``); every function used is rsatoolbox's own.
"""

from __future__ import annotations

import sys
import types
import warnings

import numpy as np
import scipy.stats


def import_rsatoolbox():
    """``rsatoolbox``, imported without its plotting package when that cannot import (module docstring)."""
    if "rsatoolbox" in sys.modules:
        return sys.modules["rsatoolbox"]
    try:
        import sklearn.utils.validation as validation

        needs_stub = not hasattr(validation, "validate_data")
    except ImportError:
        needs_stub = True
    if needs_stub and "rsatoolbox.vis" not in sys.modules:
        sys.modules["rsatoolbox.vis"] = types.ModuleType("rsatoolbox.vis")
    import rsatoolbox

    return rsatoolbox


def crossnobis_rdm(repetitions: np.ndarray) -> np.ndarray:
    """Cross-validated squared Euclidean RDM of ``repetitions`` (n_stimuli, n_repetitions, n_neurons), as
    rsatoolbox's ``calc_rdm(method="crossnobis", cv_descriptor=repetition)`` computes it: the (n_stimuli choose 2,)
    upper-triangle vector, divided by the number of neurons."""
    rsatoolbox = import_rsatoolbox()
    n_stimuli, n_repetitions, n_neurons = repetitions.shape
    dataset = rsatoolbox.data.Dataset(
        np.asarray(repetitions, dtype=np.float64).reshape(n_stimuli * n_repetitions, n_neurons),
        obs_descriptors={
            "stimulus": np.repeat(np.arange(n_stimuli), n_repetitions),
            "repetition": np.tile(np.arange(n_repetitions), n_stimuli),
        },
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rsatoolbox casts NaN descriptors while it sorts
        rdm = rsatoolbox.rdm.calc_rdm(dataset, method="crossnobis", descriptor="stimulus", cv_descriptor="repetition")
    return np.asarray(rdm.dissimilarities[0], dtype=np.float64)


def euclidean_rdm(features: np.ndarray) -> np.ndarray:
    """Squared Euclidean RDM of ``features`` (n_stimuli, n_features), rsatoolbox's ``calc_rdm(method="euclidean")``:
    the upper-triangle vector, divided by the number of features."""
    rsatoolbox = import_rsatoolbox()
    rdm = rsatoolbox.rdm.calc_rdm(rsatoolbox.data.Dataset(np.asarray(features, dtype=np.float64)), method="euclidean")
    return np.asarray(rdm.dissimilarities[0], dtype=np.float64)


def rdm_spearman(first: np.ndarray, second: np.ndarray) -> float:
    """Spearman's rank correlation of two RDM vectors (average ranks for ties): what rsatoolbox's
    ``compare(method="spearman")`` returns, computed with one ``scipy.stats.spearmanr`` call so that bootstrap
    resamples of the stimuli cost no RDM objects."""
    return float(scipy.stats.spearmanr(first, second).statistic)


def rdm_pair_indices(n_stimuli: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices (i < j) of the RDM vector's entries, in rsatoolbox's order."""
    return np.triu_indices(n_stimuli, k=1)


def rdm_submatrix(rdm: np.ndarray, n_stimuli: int, keep: np.ndarray) -> np.ndarray:
    """The RDM vector of the stimuli ``keep`` (distinct indices into the n_stimuli, any order) taken from ``rdm``."""
    matrix = np.zeros((n_stimuli, n_stimuli))
    rows, columns = rdm_pair_indices(n_stimuli)
    matrix[rows, columns] = rdm
    matrix = matrix + matrix.T
    sub_rows, sub_columns = rdm_pair_indices(len(keep))
    return matrix[keep[sub_rows], keep[sub_columns]]
