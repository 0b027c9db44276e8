"""Kernel PLS against scikit-learn's PLSRegression and Brain-Score's ``pls`` metric."""

import warnings

import numpy as np
import pytest
from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
from brainscore_vision import load_metric, metric_registry
from sklearn.cross_decomposition import PLSRegression
from sklearn.cross_decomposition._pls import _PLS

from brainscore_lcl.metrics import pls
from brainscore_lcl.metrics.pls import PLS_IMPLEMENTATIONS, KernelPLSRegression, kernel_pls_regression, pls_metric

STRATIFIED = dict(stratification_coord="texture_type")


class SvdPLSRegression(_PLS):
    """scikit-learn's PLS2 with the exact SVD step instead of the power iteration (the converged reference)."""

    def __init__(self, n_components=25, *, scale=False, max_iter=500, tol=1e-06, copy=True):
        super().__init__(
            n_components=n_components,
            scale=scale,
            deflation_mode="regression",
            mode="A",
            algorithm="svd",
            max_iter=max_iter,
            tol=tol,
            copy=copy,
        )


def _linear_data(n_samples: int, n_features: int, n_targets: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n_samples, n_features))
    weights = rng.normal(size=(n_features, n_targets)) / np.sqrt(n_features)
    return features, features @ weights + 0.5 * rng.normal(size=(n_samples, n_targets))


def _realistic_data(n_samples: int, n_features: int, n_targets: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """ReLU features of a latent with a power-law spectrum; Poisson-like rates of a few latent directions."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n_samples, 64)) * np.arange(1, 65) ** -0.8
    features = np.maximum(latent @ rng.normal(size=(64, n_features)) + 0.3, 0).astype(np.float32)
    rates = np.exp(0.5 * latent[:, :8] @ rng.normal(size=(8, n_targets)))
    return features, rng.poisson(5 * rates) / 5.0


def _constant_columns(features: np.ndarray) -> np.ndarray:
    features = features.copy()
    features[:, ::7] = 2.5
    return features


def _rank_deficient(features: np.ndarray, rank: int = 40) -> np.ndarray:
    rng = np.random.default_rng(7)
    return features[:, :rank] @ rng.normal(size=(rank, features.shape[1]))


CASES = {
    "fewer_features_than_images": (_linear_data(90, 40, 6, 0), None),
    "more_features_than_images": (_linear_data(90, 600, 6, 1), None),
    "single_target": (_linear_data(60, 80, 1, 2), None),
    "constant_columns": (_linear_data(90, 300, 5, 3), _constant_columns),
    "rank_40_of_300": (_linear_data(90, 300, 5, 4), _rank_deficient),
    "fewer_train_images_than_components": (_linear_data(30, 200, 4, 5), None),
    "realistic": (_realistic_data(120, 900, 12, 6), None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_sklearn_mode_reproduces_sklearn_predictions(case):
    (features, targets), transform = CASES[case]
    features = transform(features) if transform else features
    n_train = int(0.8 * len(features))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = PLSRegression(n_components=25, scale=False).fit(features[:n_train], targets[:n_train])
        expected = expected.predict(features[n_train:]).reshape(len(features) - n_train, -1)
        kernel = KernelPLSRegression().fit(features[:n_train], targets[:n_train])
        actual = kernel.predict(features[n_train:])
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-8 * np.abs(expected).max())


@pytest.mark.parametrize("case", ["more_features_than_images", "constant_columns", "realistic"])
def test_exact_mode_reproduces_converged_svd_pls(case):
    (features, targets), transform = CASES[case]
    features = np.asarray(transform(features) if transform else features, dtype=np.float64)
    expected = SvdPLSRegression().fit(features[:70], targets[:70]).predict(features[70:])
    actual = KernelPLSRegression(mode="exact").fit(features[:70], targets[:70]).predict(features[70:])
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-8 * np.abs(expected).max())


def test_medium_shape_matches_sklearn():
    features, targets = _realistic_data(300, 3000, 40, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = PLSRegression(n_components=25, scale=False).fit(features[:270], targets[:270])
        expected = expected.predict(features[270:])
        actual = KernelPLSRegression().fit(features[:270], targets[:270]).predict(features[270:])
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-6 * np.abs(expected).max())


def test_more_components_than_features_is_refused_like_sklearn():
    features, targets = _linear_data(40, 10, 3, 9)
    with pytest.raises(ValueError, match="upper bound is 10"):
        PLSRegression(n_components=25, scale=False).fit(features, targets)
    with pytest.raises(ValueError, match="upper bound is 10"):
        KernelPLSRegression().fit(features, targets)


def _assemblies(features: np.ndarray, targets: np.ndarray, seed: int) -> tuple[NeuroidAssembly, NeuroidAssembly]:
    """Brain-Score-like source and target, the target in another presentation order, with ``texture_type``."""
    rng = np.random.default_rng(seed)
    n_images = len(features)
    stimulus_ids = np.array([f"image{index:04d}" for index in rng.permutation(n_images)])
    texture_types = np.where(np.arange(n_images) % 3 == 0, "noise", "texture")
    source = NeuroidAssembly(
        features,
        dims=["presentation", "neuroid"],
        coords={
            "stimulus_id": ("presentation", stimulus_ids),
            "texture_type": ("presentation", texture_types),
            "neuroid_id": ("neuroid", [f"unit{index}" for index in range(features.shape[1])]),
        },
    )
    order = rng.permutation(n_images)
    target = NeuroidAssembly(
        targets[order],
        dims=["presentation", "neuroid"],
        coords={
            "stimulus_id": ("presentation", stimulus_ids[order]),
            "texture_type": ("presentation", texture_types[order]),
            "neuroid_id": ("neuroid", [f"neuron{index}" for index in range(targets.shape[1])]),
            "region": ("neuroid", ["V2"] * targets.shape[1]),
        },
    )
    return source, target


@pytest.mark.parametrize("case", ["more_features_than_images", "realistic"])
def test_metric_matches_brainscore_per_split_and_neuroid(case, monkeypatch):
    monkeypatch.setenv("BS_INSTALL_DEPENDENCIES", "no")
    (features, targets), _ = CASES[case]
    source, target = _assemblies(features, targets, seed=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = load_metric("pls", crossvalidation_kwargs=STRATIFIED)(source, target)
        actual = pls_metric("kernel", crossvalidation_kwargs=STRATIFIED)(source, target)
    assert expected.raw.dims == actual.raw.dims == ("split", "neuroid")
    assert actual.raw.sizes["split"] == 10
    np.testing.assert_array_equal(actual.raw["neuroid_id"].values, expected.raw["neuroid_id"].values)
    np.testing.assert_allclose(actual.raw.values, expected.raw.values, rtol=0, atol=1e-6)
    np.testing.assert_allclose(float(actual), float(expected), rtol=0, atol=1e-6)
    np.testing.assert_allclose(float(actual.attrs["error"]), float(expected.attrs["error"]), rtol=0, atol=1e-6)


def test_gram_is_computed_once_per_source(monkeypatch):
    (features, targets), _ = CASES["realistic"]
    source, target = _assemblies(features, targets, seed=11)
    calls = []
    original = pls.gram_matrix
    monkeypatch.setattr(pls, "gram_matrix", lambda values: calls.append(1) or original(values))
    metric = pls_metric("kernel", crossvalidation_kwargs=STRATIFIED)
    first = metric(source, target)
    transposed_copy = source.transpose("neuroid", "presentation").copy(deep=True)
    second = pls_metric("kernel", crossvalidation_kwargs=STRATIFIED)(transposed_copy, target)
    assert len(calls) == 1
    np.testing.assert_array_equal(second.raw.values, first.raw.values)


def test_registered_ids_and_implementations():
    assert PLS_IMPLEMENTATIONS == ("kernel", "exact", "brainscore")
    assert isinstance(metric_registry["pls_kernel"](), pls.KernelCrossRegressedCorrelation)
    assert metric_registry["pls_exact"]()._kernel_regression.mode == "exact"
    assert kernel_pls_regression(mode="exact")._regression.mode == "exact"
    assert type(pls_metric("brainscore")).__name__ == "CrossRegressedCorrelation"
    with pytest.raises(ValueError, match="implementation must be one of"):
        pls_metric("nipals")
