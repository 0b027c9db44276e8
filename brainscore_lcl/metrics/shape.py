"""Angular Procrustes distance between two representations (Williams et al. 2021, "Generalized shape metrics on
neural representations", NeurIPS; the alpha = 1 member of their family: no whitening).

No maintained package on PyPI computes it (``netrep``, the authors' code, is not published there), and it is a few
lines: centre each representation over stimuli, scale it to unit Frobenius norm, and take the angle whose cosine is
the nuclear norm of their cross-product (the largest correlation any rotation, reflection or zero-padding of one onto
the other reaches). The angle is a metric: 0 for representations equal up to rotation, translation and scale,
symmetric, and it obeys the triangle inequality.
"""

from __future__ import annotations

import numpy as np


def _unit_shape(features: np.ndarray, centre: bool) -> np.ndarray:
    """``features`` (n_stimuli, n_features) as float64, centred over stimuli (with ``centre``), unit Frobenius norm."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(f"a representation is (stimuli, features); got shape {features.shape}")
    if centre:
        features = features - features.mean(axis=0)
    norm = np.linalg.norm(features)
    if norm == 0:
        raise ValueError("a representation that does not vary over stimuli has no shape")
    return features / norm


def procrustes_similarity(first: np.ndarray, second: np.ndarray, centre: bool = True) -> float:
    """cos of the angular Procrustes distance: ``||A^T B||_*`` of the centred, unit-norm representations ``first``
    (n, p) and ``second`` (n, q) (the same n stimuli in the same order), in [0, 1]."""
    if len(first) != len(second):
        raise ValueError(f"representations of {len(first)} and {len(second)} stimuli cannot be compared")
    cross = _unit_shape(first, centre).T @ _unit_shape(second, centre)
    return float(np.clip(np.linalg.svd(cross, compute_uv=False).sum(), 0.0, 1.0))


def procrustes_angle(first: np.ndarray, second: np.ndarray, centre: bool = True) -> float:
    """Angular Procrustes distance (radians, in [0, pi/2]): ``arccos(procrustes_similarity(first, second))``."""
    return float(np.arccos(procrustes_similarity(first, second, centre)))
