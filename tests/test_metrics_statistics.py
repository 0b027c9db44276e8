"""Known-case tests of the bootstrap interval, the paired sign-flip test and fraction_better."""

import numpy as np
import pytest

from brainscore_lcl.metrics.statistics import bootstrap_median_ci, fraction_better, paired_permutation_test


def test_bootstrap_of_constant_values_is_a_point():
    assert bootstrap_median_ci(np.full(20, 0.3)) == pytest.approx((0.3, 0.3))


def test_bootstrap_interval_width_matches_normal_theory():
    values = np.random.default_rng(0).standard_normal(400)
    low, high = bootstrap_median_ci(values, n_boot=2000, seed=1)
    assert low < np.median(values) < high
    expected_width = 2 * 1.96 * np.sqrt(np.pi / 2) / np.sqrt(400)  # asymptotic s.e. of a normal median
    assert high - low == pytest.approx(expected_width, rel=0.25)
    assert bootstrap_median_ci(values, n_boot=2000, seed=1) == (low, high)


def test_identical_samples_give_p_one():
    a = np.random.default_rng(0).random(50)
    assert paired_permutation_test(a, a.copy()) == 1.0
    assert paired_permutation_test(a[:5], a[:5].copy(), statistic="mean") == 1.0


def test_large_shift_gives_smallest_monte_carlo_p():
    rng = np.random.default_rng(0)
    a = rng.random(103)
    p = paired_permutation_test(a + 1.0, a + 0.01 * rng.standard_normal(103), n_perm=2000)
    assert p == pytest.approx(1 / 2001)


def test_exact_enumeration_by_hand():
    # differences 1, 2, 3: of the 8 sign patterns only +/-(1 + 2 + 3) reach |mean| >= 2
    assert paired_permutation_test([1.0, 2.0, 3.0], [0.0, 0.0, 0.0], statistic="mean") == pytest.approx(0.25)


def test_permutation_rejects_unknown_statistic():
    with pytest.raises(ValueError, match="statistic"):
        paired_permutation_test([1.0], [0.0], statistic="mode")


def test_fraction_better_drops_nan_pairs():
    assert fraction_better([1.0, 2.0, 3.0, np.nan], [0.0, 3.0, 2.0, 1.0]) == pytest.approx(2 / 3)
