"""Gabor fits recover known parameters; phase folding, nx/ny and the macaque V1 comparisons by hand."""

import json
from pathlib import Path

import numpy as np
import pytest

from brainscore_lcl.metrics.gabor import (
    ACHROMATIC_CHANNEL_WEIGHTS,
    GaborFit,
    fit_filter_bank,
    fit_gabor,
    fold_phase,
    gabor,
    load_v1_rf_reference,
    nx_ny_distance,
    nx_ny_histogram,
    phase_histogram_distance,
    phase_symmetry_fraction,
    ringach_nx_ny_histogram,
    to_grayscale,
    well_fit,
)

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
TRUE = GaborFit(
    amplitude=1.0, x0=0.7, y0=-0.4, theta=0.6, sigma_x=1.8, sigma_y=2.6, frequency=0.18, phase=1.0, offset=0.05
)
FIELDS = ("amplitude", "x0", "y0", "theta", "sigma_x", "sigma_y", "frequency", "phase", "offset")


def _random_gabor(rng: np.random.Generator) -> GaborFit:
    return GaborFit(
        rng.uniform(0.5, 2),
        rng.uniform(-1.5, 1.5),
        rng.uniform(-1.5, 1.5),
        rng.uniform(0, np.pi),
        rng.uniform(1.2, 3),
        rng.uniform(1.2, 3),
        rng.uniform(0.08, 0.35),
        rng.uniform(0, 2 * np.pi),
        0.0,
    )


def test_fit_recovers_noise_free_parameters():
    fit = fit_gabor(gabor(TRUE, (11, 11)))
    for name in FIELDS:
        assert getattr(fit, name) == pytest.approx(getattr(TRUE, name), abs=1e-4), name
    assert fit.r_squared == pytest.approx(1.0)


def test_fit_recovers_parameters_under_noise():
    noisy = gabor(TRUE, (11, 11)) + 0.05 * np.random.default_rng(0).standard_normal((11, 11))
    fit = fit_gabor(noisy)
    assert fit.r_squared > 0.9
    assert fit.frequency == pytest.approx(TRUE.frequency, rel=0.05)
    assert fit.theta == pytest.approx(TRUE.theta, abs=0.05)
    assert fit.nx == pytest.approx(TRUE.nx, rel=0.1) and fit.ny == pytest.approx(TRUE.ny, rel=0.1)
    assert fit.folded_phase == pytest.approx(TRUE.folded_phase, abs=0.1)


def test_fit_canonicalises_equivalent_gabors():
    flipped = GaborFit(**{**TRUE.__dict__, "amplitude": -1.0, "phase": TRUE.phase + np.pi})
    mirrored = GaborFit(**{**TRUE.__dict__, "theta": TRUE.theta + np.pi, "phase": -TRUE.phase})
    for variant in (flipped, mirrored):
        np.testing.assert_allclose(gabor(variant, (11, 11)), gabor(TRUE, (11, 11)), atol=1e-12)
        fit = fit_gabor(gabor(variant, (11, 11)))
        assert fit.amplitude > 0 and 0 <= fit.theta < np.pi
        assert fit.phase == pytest.approx(TRUE.phase, abs=1e-4)


def test_bank_of_64_filters_is_well_fit():
    rng = np.random.default_rng(1)
    truths = [_random_gabor(rng) for _ in range(64)]
    bank = np.stack([gabor(truth, (11, 11)) for truth in truths]) + 0.02 * rng.standard_normal((64, 11, 11))
    fits = fit_filter_bank(bank)
    assert len(well_fit(fits)) == 64
    recovered = np.array([fit.frequency for fit in fits]) / np.array([truth.frequency for truth in truths])
    assert np.median(np.abs(recovered - 1)) < 0.02


def test_well_fit_drops_noise_and_constant_filters():
    noise = np.random.default_rng(2).standard_normal((11, 11))
    fits = [fit_gabor(noise), fit_gabor(np.ones((11, 11))), fit_gabor(gabor(TRUE, (11, 11)))]
    assert np.isnan(fits[1].r_squared)
    assert well_fit(fits) == [fits[2]]


def test_fold_phase_by_hand():
    np.testing.assert_allclose(
        fold_phase([0, np.pi / 2, np.pi, 3 * np.pi / 4, -np.pi / 3, 2 * np.pi - 0.1]),
        [0, np.pi / 2, 0, np.pi / 4, np.pi / 3, 0.1],
        atol=1e-12,
    )


def test_nx_ny_by_hand():
    fit = GaborFit(1.0, 0, 0, 0, sigma_x=2.0, sigma_y=4.0, frequency=0.25, phase=0, offset=0)
    assert (fit.nx, fit.ny) == (0.5, 1.0)


def test_to_grayscale_weights():
    filters = np.zeros((1, 3, 2, 2))
    filters[0, 1] = 1.0
    np.testing.assert_allclose(to_grayscale(filters), np.full((1, 2, 2), 1 / 0.224))
    np.testing.assert_allclose(to_grayscale(filters, (0.299, 0.587, 0.114)), np.full((1, 2, 2), 0.587))
    assert len(ACHROMATIC_CHANNEL_WEIGHTS) == 3


def test_nx_ny_histogram_by_hand_and_distance_to_ringach():
    counts, nx_edges, ny_edges = ringach_nx_ny_histogram()
    assert counts.shape == (5, 5) and counts.sum() == 79
    histogram = nx_ny_histogram(np.array([0.05, 0.4, 5.0]), np.array([0.2, 0.4, 5.0]), nx_edges, ny_edges)
    assert histogram[0, 1] == histogram[2, 2] == histogram[4, 4] == 1 and histogram.sum() == 3
    centres_nx = np.sqrt(nx_edges[:-1] * nx_edges[1:])
    centres_ny = np.sqrt(ny_edges[:-1] * ny_edges[1:])
    rows, columns = np.nonzero(counts)
    repeats = counts[rows, columns].astype(int)
    same_nx, same_ny = np.repeat(centres_nx[rows], repeats), np.repeat(centres_ny[columns], repeats)
    assert nx_ny_distance(same_nx, same_ny) == pytest.approx(0.0)
    assert nx_ny_distance(np.array([1.5]), np.array([1.5])) == pytest.approx(1.0)  # an empty macaque bin
    assert nx_ny_distance(np.array([0.4]), np.array([0.4])) == pytest.approx(1 - 19 / 79)


def test_phase_distances_by_hand():
    even_odd = np.array([0.0, 0.1, np.pi / 2, np.pi / 2 - 0.1])
    assert phase_histogram_distance(even_odd, even_odd[::-1]) == pytest.approx(0.0)
    assert phase_histogram_distance(np.array([0.1]), np.array([np.pi / 2 - 0.1])) == pytest.approx(1.0)
    assert phase_symmetry_fraction(np.array([0.0, 0.1, np.pi / 4, np.pi / 2])) == pytest.approx(0.75)


def test_packaged_reference_matches_shared_data():
    reference = load_v1_rf_reference()
    assert "provenance" in reference and "Ringach" in reference["ringach2002_nx_ny_joint"]["source"]
    shared = SHARED_DATA / "reference" / "v1_rf_distributions.json"
    if not shared.exists():
        pytest.skip(f"shared data not found at {shared}; the packaged copy was checked on its own")
    original = json.loads(shared.read_text())
    assert {key: value for key, value in reference.items() if key != "provenance"} == original


def test_analytic_jacobian_matches_finite_differences():
    from scipy.optimize import approx_fprime

    from brainscore_lcl.metrics.gabor import _gabor_jacobian, _gabor_values, _grid

    x, y = _grid((7, 9))
    parameters = np.array([1.3, 0.4, -0.7, 0.9, 1.7, 2.4, 0.2, 0.8, 0.1])
    numeric = np.stack(
        [approx_fprime(parameters, lambda p, i=i: _gabor_values(p, x, y).ravel()[i], 1e-7) for i in range(x.size)]
    )
    np.testing.assert_allclose(_gabor_jacobian(parameters, x, y), numeric, atol=1e-5)
