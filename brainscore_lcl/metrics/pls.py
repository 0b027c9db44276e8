"""PLS regression in kernel (image-space) form, reproducing Brain-Score's ``pls`` metric.

Brain-Score's ``pls`` metric fits scikit-learn's ``PLSRegression(n_components=25, scale=False)`` (NIPALS, PLS2,
"regression" deflation) on every cross-validation split. With n images (at most a few hundred) and p features
(tens to hundreds of thousands) all of that work can be done on the n x n Gram matrix instead of the n x p features.

Derivation (sklearn 1.5 ``_PLS.fit`` with ``scale=False``, ``mode="A"``, ``norm_y_weights=False``)
-------------------------------------------------------------------------------------------------
Let X0 (n x p) and Y0 (n x q) be the train blocks centred with their train means, and K0 = X0 X0^T.
sklearn deflates ``X_{k+1} = Q_k X_k`` with the projector ``Q_k = I - t_k t_k^T / (t_k^T t_k)``, so
``X_k = Q_{k-1} ... Q_0 X0`` and ``K_k = X_k X_k^T = Q_{k-1} K_{k-1} Q_{k-1}``. Its power iteration for component k is

    u <- first column of Y_k with any |entry| > eps                      (columns with all |y| < 10 eps zeroed first)
    repeat up to max_iter times:
        w = X_k^T u / (u^T u);  w /= ||w|| + eps;  t = X_k w
        c = Y_k^T t / (t^T t);  u = Y_k c / (c^T c + eps)
        stop if ||w - w_old||^2 < tol  (w_old = 100 at the first pass, which therefore never stops) or q == 1

Every x-weight is a combination of the rows of X_k: with b = u / (u^T u), ||X_k^T b||^2 = b^T K_k b, so
w = X_k^T a with a = b / (sqrt(b^T K_k b) + eps), t = K_k a, and ||w - w_old||^2 = (a - a_old)^T (t - t_old):
the iteration, its normalisations and its stopping rule run in image space and follow sklearn's iterates to rounding.
The sign flip sklearn applies to (w, c) afterwards changes no prediction (t and both loadings flip together).

With the chained projections a'_k = Q_0 ... Q_{k-1} a_k and t'_k = Q_0 ... Q_{k-1} t_k one has w_k = X0^T a'_k and the
x-loadings p_k = X_k^T t_k / (t_k^T t_k) = X0^T t'_k / (t_k^T t_k). Hence, with A' = [a'_k], T' = [t'_k],
D = diag(t_k^T t_k) and the y-loadings Q = [Y_k^T t_k / (t_k^T t_k)] (q x K),

    P^T W = D^-1 T'^T K0 A',     coef = W pinv(P^T W) Q^T = X0^T B,     B = A' pinv(P^T W) Q^T  (n x q),

and sklearn's prediction (X_test - x_mean) coef + y_mean becomes ``K_test B + y_mean`` with the cross-Gram
K_test = (X_test - x_mean)(X_train - x_mean)^T. Both centred blocks are slices of one Gram G of all stimuli, centred by
any common vector (here the mean over all stimuli, for accuracy):
K_test = G[test, train] - rowmeans(G[test, train]) 1^T - 1 colmeans(G[train, train])^T + mean(G[train, train]).

Mode ``"exact"`` replaces the truncated power iteration by its fixed point: the dominant singular pair of X_k^T Y_k,
i.e. c = top eigenvector of the q x q matrix Y_k^T K_k Y_k (eigenvalue s^2), a = Y_k c / s. This is the converged
PLS2 solution; it stops adding components once s^2 falls below n * eps times the first component's s^2 (X or Y
exhausted), where sklearn would fit rounding noise.

Precision and limits: the Gram is accumulated in float64. For float32 features sklearn's ``predict`` centres the test
rows in float32, so its correlations differ from these by about 1e-8. When the rank of the centred train features is
below ``n_components`` while Y is not exhausted, sklearn's later components fit floating-point residue of X; nothing
reproduces those (it does not happen with a few hundred images and thousands of informative features).

Integration: ``KernelCrossRegressedCorrelation`` computes the Gram of the whole source assembly once (cached by a
hash of its values and stimulus ids, shared by every split, region and benchmark on the same activations) and hands
Brain-Score's ``CrossValidation`` a one-column stand-in source whose values are each presentation's Gram row, so the
per-split subsetting moves no features; correlations are scipy's ``pearsonr`` for all neuroids at once.
``brainscore_vision.load_metric`` only finds plugins by grepping its own source tree, so the ids ``pls_kernel`` and
``pls_exact`` are registered in ``brainscore_vision.metric_registry`` when this module is imported; use them through
``metric_registry`` (or ``pls_metric``) after importing it.
"""

from __future__ import annotations

import hashlib
import importlib
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.stats
from brainscore_core.metrics import Score
from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly, walk_coords
from brainscore_vision import metric_registry
from brainscore_vision.metric_helpers.xarray_utils import XarrayRegression
from brainscore_vision.metrics.regression_correlation.metric import CrossRegressedCorrelation
from scipy.linalg import pinv
from sklearn.exceptions import ConvergenceWarning

PLS_IMPLEMENTATIONS = ("kernel", "exact", "brainscore")
PLS_MODES = ("sklearn", "exact")
GRAM_ROW_COORD = "gram_row"
_FLOAT_EPS = float(np.finfo(np.float64).eps)


def gram_matrix(features: np.ndarray, block_size: int = 8192) -> np.ndarray:
    """Gram matrix (n, n) float64 of the rows of ``features`` (n, p), centred by their mean over rows.

    Accumulated in float64 over blocks of ``block_size`` feature columns, so float32 inputs lose nothing.
    """
    features = np.asarray(features)
    if features.ndim != 2:
        raise ValueError(f"features must be 2-D (stimuli, features); got shape {features.shape}")
    mean = features.mean(axis=0, dtype=np.float64)
    gram = np.zeros((features.shape[0], features.shape[0]))
    for start in range(0, features.shape[1], block_size):
        block = features[:, start : start + block_size].astype(np.float64) - mean[start : start + block_size]
        gram += block @ block.T
    return gram


def centred_blocks(
    gram: np.ndarray, train_rows: np.ndarray, test_rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Train Gram (n_train, n_train) and test cross-Gram (n_test, n_train), both centred with the train mean.

    ``gram`` is the Gram of all stimuli centred by any common vector; rows are integer index arrays into it.
    """
    train_train = gram[np.ix_(train_rows, train_rows)]
    column_means = train_train.mean(axis=0)
    grand_mean = column_means.mean()
    train = train_train - column_means[:, None] - column_means[None, :] + grand_mean
    if test_rows is None:
        return train, None
    test_train = gram[np.ix_(test_rows, train_rows)]
    test = test_train - test_train.mean(axis=1)[:, None] - column_means[None, :] + grand_mean
    return train, test


def _first_informative_column(y_residual: np.ndarray) -> int | None:
    """sklearn's start vector: index of the first column of Y with an entry above eps; None when Y is exhausted."""
    informative = np.flatnonzero(np.any(np.abs(y_residual) > _FLOAT_EPS, axis=0))
    return int(informative[0]) if informative.size else None


def _sklearn_dual_weights(gram: np.ndarray, y_residual: np.ndarray, max_iter: int, tol: float) -> np.ndarray | None:
    """Dual x-weights a (w = X_k^T a) where sklearn's NIPALS power iteration stops; None when Y is exhausted."""
    start = _first_informative_column(y_residual)
    if start is None:
        return None
    y_score = y_residual[:, start]
    dual_weights_old = x_score_old = None
    for iteration in range(max_iter):  # noqa: B007 (read after the loop, as in sklearn's NIPALS)
        scaled = y_score / np.dot(y_score, y_score)
        gram_scaled = gram @ scaled
        norm = np.sqrt(max(scaled @ gram_scaled, 0.0)) + _FLOAT_EPS
        dual_weights, x_score = scaled / norm, gram_scaled / norm
        y_weights = y_residual.T @ x_score / np.dot(x_score, x_score)
        y_score = y_residual @ y_weights / (np.dot(y_weights, y_weights) + _FLOAT_EPS)
        if y_residual.shape[1] == 1:
            break
        if dual_weights_old is not None and (dual_weights - dual_weights_old) @ (x_score - x_score_old) < tol:
            break
        dual_weights_old, x_score_old = dual_weights, x_score
    if iteration + 1 == max_iter:
        warnings.warn("Maximum number of iterations reached", ConvergenceWarning, stacklevel=2)
    return dual_weights


def _top_singular_pair(gram: np.ndarray, y_residual: np.ndarray) -> tuple[np.ndarray, float]:
    """Top eigenpair (c, s^2) of Y_k^T K_k Y_k (q, q): c is the y-direction of the top singular pair of X_k^T Y_k."""
    eigenvalues, eigenvectors = np.linalg.eigh(y_residual.T @ gram @ y_residual)
    return eigenvectors[:, -1], float(eigenvalues[-1])


def _exact_dual_weights(gram: np.ndarray, y_residual: np.ndarray, noise_floor: float) -> np.ndarray | None:
    """Dual x-weights a = Y_k c / s of the converged PLS2 component; None once s^2 <= noise_floor."""
    y_direction, squared_singular_value = _top_singular_pair(gram, y_residual)
    if squared_singular_value <= noise_floor:
        return None
    return y_residual @ y_direction / np.sqrt(squared_singular_value)


def fit_dual_coefficients(
    gram: np.ndarray,
    targets: np.ndarray,
    n_components: int = 25,
    mode: str = "sklearn",
    max_iter: int = 500,
    tol: float = 1e-6,
) -> np.ndarray:
    """Dual PLS2 coefficients B (n, q): predictions are ``K_test @ B + targets.mean(0)``.

    ``gram`` (n, n) is the train Gram centred with the train mean, ``targets`` (n, q) the uncentred train targets.
    ``mode`` "sklearn" reproduces scikit-learn's NIPALS iteration, "exact" the converged PLS2 (module docstring).
    """
    if mode not in PLS_MODES:
        raise ValueError(f"mode must be one of {PLS_MODES}; got {mode!r}")
    y_residual = np.array(targets, dtype=np.float64)
    y_residual = y_residual - y_residual.mean(axis=0)
    deflated = np.array(gram, dtype=np.float64)
    projections: list[np.ndarray] = []
    dual_weights, x_scores, y_loadings, score_norms = [], [], [], []
    if mode == "exact":
        noise_floor = len(gram) * _FLOAT_EPS * _top_singular_pair(deflated, y_residual)[1]
    for component in range(n_components):
        y_residual[:, np.all(np.abs(y_residual) < 10 * _FLOAT_EPS, axis=0)] = 0.0
        if mode == "sklearn":
            weights = _sklearn_dual_weights(deflated, y_residual, max_iter, tol)
        else:
            weights = _exact_dual_weights(deflated, y_residual, noise_floor)
        if weights is None:
            if mode == "sklearn":
                warnings.warn(f"y residual is constant at iteration {component}", stacklevel=2)
            break
        x_score = deflated @ weights
        score_norm = float(x_score @ x_score)
        y_loading = y_residual.T @ x_score / score_norm
        y_residual -= np.outer(x_score, y_loading)
        scaled_score = x_score / score_norm
        deflated_score = deflated @ scaled_score
        deflated = (
            deflated
            - np.outer(x_score, deflated_score)
            - np.outer(deflated_score, x_score)
            + (scaled_score @ deflated_score) * np.outer(x_score, x_score)
        )
        dual_weights.append(_chain_projections(weights, projections))
        x_scores.append(_chain_projections(x_score, projections))
        y_loadings.append(y_loading)
        score_norms.append(score_norm)
        projections.append(x_score)
    if not dual_weights:
        return np.zeros_like(y_residual)
    dual_weights_matrix = np.stack(dual_weights, axis=1)
    loadings_times_weights = (np.stack(x_scores, axis=1) / np.array(score_norms)).T @ gram @ dual_weights_matrix
    return dual_weights_matrix @ pinv(loadings_times_weights, check_finite=False) @ np.stack(y_loadings, axis=0)


def _chain_projections(vector: np.ndarray, scores: list[np.ndarray]) -> np.ndarray:
    """Q_0 ... Q_{k-1} vector with Q_j = I - t_j t_j^T / (t_j^T t_j), the last projector applied first."""
    for score in reversed(scores):
        vector = vector - score * (score @ vector) / (score @ score)
    return vector


@dataclass(frozen=True)
class StimulusGram:
    """Gram matrix (n, n) of all stimuli of a source assembly and its number of features."""

    gram: np.ndarray
    n_features: int


class KernelPLSRegression:
    """PLS2 regression computed on image-by-image Gram matrices; ``fit(X, Y)`` / ``predict(X)`` on arrays.

    Without a ``stimulus_gram`` it takes features X (n, p) and builds the Grams itself. With ``stimulus_gram`` set
    (by ``KernelCrossRegressedCorrelation``), X is a one-column array of integer row indices into that Gram.
    """

    def __init__(self, n_components: int = 25, mode: str = "sklearn", max_iter: int = 500, tol: float = 1e-6):
        if mode not in PLS_MODES:
            raise ValueError(f"mode must be one of {PLS_MODES}; got {mode!r}")
        self.n_components = n_components
        self.mode = mode
        self.max_iter = max_iter
        self.tol = tol
        self.stimulus_gram: StimulusGram | None = None

    def fit(self, X: Any, Y: Any) -> KernelPLSRegression:
        """Fit on features X (n, p) (or Gram rows (n, 1) when ``stimulus_gram`` is set) and targets Y (n, q)."""
        targets = np.asarray(Y, dtype=np.float64)
        if targets.ndim == 1:
            targets = targets[:, None]
        if self.stimulus_gram is None:
            features = np.asarray(X, dtype=np.float64)
            self._feature_mean = features.mean(axis=0)
            self._centred_train = features - self._feature_mean
            train_gram, n_features = self._centred_train @ self._centred_train.T, features.shape[1]
        else:
            self._train_rows = self._gram_rows(X)
            train_gram, _ = centred_blocks(self.stimulus_gram.gram, self._train_rows)
            n_features = self.stimulus_gram.n_features
        if self.n_components > n_features:
            raise ValueError(
                f"`n_components` upper bound is {n_features}. Got {self.n_components} instead. Reduce `n_components`."
            )
        self._dual_coefficients = fit_dual_coefficients(
            train_gram, targets, self.n_components, self.mode, self.max_iter, self.tol
        )
        self._target_mean = targets.mean(axis=0)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets (n_test, q) for features X (or Gram rows when ``stimulus_gram`` is set)."""
        if self.stimulus_gram is None:
            cross_gram = (np.asarray(X, dtype=np.float64) - self._feature_mean) @ self._centred_train.T
        else:
            _, cross_gram = centred_blocks(self.stimulus_gram.gram, self._train_rows, self._gram_rows(X))
        return cross_gram @ self._dual_coefficients + self._target_mean

    @staticmethod
    def _gram_rows(X: Any) -> np.ndarray:
        values = np.asarray(X)
        if values.ndim != 2 or values.shape[1] != 1:
            raise ValueError(
                "with a stimulus_gram attached, X must be the (n, 1) Gram-row stand-in built by "
                f"KernelCrossRegressedCorrelation; got shape {values.shape}"
            )
        return values[:, 0].astype(np.int64)


def kernel_pls_regression(
    mode: str = "sklearn", xarray_kwargs: dict | None = None, **regression_kwargs
) -> XarrayRegression:
    """``KernelPLSRegression`` wrapped like Brain-Score's ``pls_regression()`` (n_components=25 by default)."""
    return XarrayRegression(KernelPLSRegression(mode=mode, **regression_kwargs), **(xarray_kwargs or {}))


_GRAM_CACHE: OrderedDict[tuple, StimulusGram] = OrderedDict()
_GRAM_CACHE_SIZE = 8


def _fingerprint(features: np.ndarray, stimulus_ids: np.ndarray) -> tuple:
    """Content key of a source: shape, dtype, SHA-1 of the values (about 0.15 s per 200 MB) and the stimulus ids."""
    digest = hashlib.sha1(np.ascontiguousarray(features), usedforsecurity=False).hexdigest()
    return features.shape, features.dtype.str, digest, tuple(map(str, stimulus_ids))


def cached_stimulus_gram(features: np.ndarray, stimulus_ids: np.ndarray) -> StimulusGram:
    """Gram of ``features`` (n, p), reused across calls on the same values and stimulus ids (small LRU)."""
    key = _fingerprint(features, stimulus_ids)
    if key in _GRAM_CACHE:
        _GRAM_CACHE.move_to_end(key)
        return _GRAM_CACHE[key]
    stimulus_gram = StimulusGram(gram_matrix(features), features.shape[1])
    _GRAM_CACHE[key] = stimulus_gram
    if len(_GRAM_CACHE) > _GRAM_CACHE_SIZE:
        _GRAM_CACHE.popitem(last=False)
    return stimulus_gram


def gram_row_source(source: NeuroidAssembly, presentation_dim: str = "presentation") -> NeuroidAssembly:
    """One-column stand-in for ``source`` (presentation, neuroid): same presentation coords, values = row index."""
    coords = {name: (dims, values) for name, dims, values in walk_coords(source) if dims == (presentation_dim,)}
    coords[GRAM_ROW_COORD] = ("neuroid", [GRAM_ROW_COORD])
    rows = np.arange(source.sizes[presentation_dim], dtype=np.float64)[:, None]
    return NeuroidAssembly(rows, coords=coords, dims=[presentation_dim, "neuroid"])


class ColumnwisePearsonCorrelation:
    """Brain-Score's ``pearsonr_correlation()`` with one vectorised ``scipy.stats.pearsonr`` call for all neuroids.

    Same alignment (sorted by stimulus and neuroid coords), same per-neuroid Score; Brain-Score's version loops over
    neuroids with an xarray ``isel`` each, which costs more than the kernel PLS fit itself.
    """

    def __init__(self, correlation_coord: str = "stimulus_id", neuroid_coord: str = "neuroid_id"):
        self._correlation_coord = correlation_coord
        self._neuroid_coord = neuroid_coord

    def __call__(self, prediction: NeuroidAssembly, target: NeuroidAssembly) -> Score:
        prediction = prediction.sortby([self._correlation_coord, self._neuroid_coord])
        target = target.sortby([self._correlation_coord, self._neuroid_coord])
        for coord in (self._correlation_coord, self._neuroid_coord):
            if not np.array_equal(prediction[coord].values, target[coord].values):
                raise ValueError(f"prediction and target disagree on {coord!r}; align them before correlating")
        (sample_dim,), neuroid_dims = target[self._correlation_coord].dims, target[self._neuroid_coord].dims
        order = (sample_dim, neuroid_dims[0])
        correlations = scipy.stats.pearsonr(
            target.transpose(*order).values, prediction.transpose(*order).values, axis=0
        ).statistic
        return Score(
            correlations,
            dims=neuroid_dims,
            coords={coord: (dims, values) for coord, dims, values in walk_coords(target) if dims == neuroid_dims},
        )


class KernelCrossRegressedCorrelation(CrossRegressedCorrelation):
    """Brain-Score's ``CrossRegressedCorrelation`` with kernel PLS: one cached Gram per source, all splits slice it."""

    def __init__(self, mode: str = "sklearn", crossvalidation_kwargs: dict | None = None, **regression_kwargs):
        self._kernel_regression = KernelPLSRegression(mode=mode, **regression_kwargs)
        super().__init__(
            regression=XarrayRegression(self._kernel_regression),
            correlation=ColumnwisePearsonCorrelation(),
            crossvalidation_kwargs=crossvalidation_kwargs,
        )

    def __call__(self, source: NeuroidAssembly, target: NeuroidAssembly) -> Score:
        source = source.transpose("presentation", "neuroid")
        self._kernel_regression.stimulus_gram = cached_stimulus_gram(source.values, source["stimulus_id"].values)
        try:
            return super().__call__(gram_row_source(source), target)
        finally:
            self._kernel_regression.stimulus_gram = None


def pls_metric(
    implementation: str = "kernel", crossvalidation_kwargs: dict | None = None, **regression_kwargs
) -> CrossRegressedCorrelation:
    """PLS cross-regressed correlation: ``metric(source, target) -> Score`` with per-split, per-neuroid ``.raw``.

    ``implementation``: "kernel" (kernel PLS reproducing sklearn's NIPALS), "exact" (converged PLS2), or
    "brainscore" (Brain-Score's registered ``pls`` metric unchanged, as ``load_metric('pls', ...)`` builds it, minus
    load_metric's attempt to pip-install plugin requirements; takes no regression kwargs).
    """
    if implementation == "brainscore":
        if regression_kwargs:
            raise ValueError(f"implementation 'brainscore' takes no regression kwargs; got {sorted(regression_kwargs)}")
        importlib.import_module("brainscore_vision.metrics.regression_correlation")
        return metric_registry["pls"](crossvalidation_kwargs=crossvalidation_kwargs)
    if implementation not in PLS_IMPLEMENTATIONS:
        raise ValueError(f"implementation must be one of {PLS_IMPLEMENTATIONS}; got {implementation!r}")
    mode = "sklearn" if implementation == "kernel" else "exact"
    return KernelCrossRegressedCorrelation(
        mode=mode, crossvalidation_kwargs=crossvalidation_kwargs, **regression_kwargs
    )


metric_registry["pls_kernel"] = lambda *args, **kwargs: pls_metric("kernel", *args, **kwargs)
metric_registry["pls_exact"] = lambda *args, **kwargs: pls_metric("exact", *args, **kwargs)
