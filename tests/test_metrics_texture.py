"""Known-answer tests of texture modulation, family ranks, Q-Q distance, the Fisher z test and response latency."""

import numpy as np
import pytest
import xarray as xr

from brainscore_lcl.metrics.texture import (
    family_mean_responses,
    family_mean_responses_from_assembly,
    family_modulation,
    family_rank_correlation,
    family_ranks,
    fisher_z_test,
    latency_aligned_window,
    modulation_quantiles,
    neuron_modulation,
    qq_distance,
    response_latency,
    texture_folds,
    texture_modulation_index,
    williams_test,
    window_mean,
)

# 2 neurons x 2 families x 2 samples per type; per-family means: tex [[3, 1], [2, 2]], noise [[1, 1], [0, 2]]
FAMILIES = np.array(["a", "a", "a", "a", "b", "b", "b", "b"])
TYPES = np.array(["texture", "texture", "noise", "noise"] * 2)
RESPONSES = np.array([[2.0, 1.0], [4.0, 3.0], [1.0, 0.0], [1.0, 0.0], [0.0, 2.0], [2.0, 2.0], [1.0, 1.0], [1.0, 3.0]])


def test_family_means_and_rmod_by_hand():
    means = family_mean_responses(RESPONSES, FAMILIES, TYPES)
    np.testing.assert_array_equal(means.families, ["a", "b"])
    np.testing.assert_allclose(means.texture, [[3, 1], [2, 2]])
    np.testing.assert_allclose(means.noise, [[1, 1], [0, 2]])
    rmod = texture_modulation_index(means.texture, means.noise)
    np.testing.assert_allclose(rmod, [[0.5, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(neuron_modulation(rmod), [0.25, 0.5])
    np.testing.assert_allclose(family_modulation(rmod), [0.75, 0.0])


def test_family_means_from_assembly():
    assembly = xr.DataArray(
        RESPONSES[:, :, None],
        dims=["presentation", "neuroid", "time_bin"],
        coords={
            "texture_family": ("presentation", FAMILIES),
            "texture_type": ("presentation", TYPES),
            "sample": ("presentation", [1, 2] * 4),
            "neuroid_id": ("neuroid", ["n0", "n1"]),
        },
    )
    means = family_mean_responses_from_assembly(assembly.transpose("neuroid", "time_bin", "presentation"))
    np.testing.assert_allclose(means.texture, [[3, 1], [2, 2]])
    np.testing.assert_allclose(means.noise, [[1, 1], [0, 2]])


def test_rmod_zero_guard_and_rectification():
    rmod = texture_modulation_index(np.array([[0.0, 3.0]]), np.array([[0.0, 1.0]]))
    assert np.isnan(rmod[0, 0]) and rmod[0, 1] == pytest.approx(0.5)
    assert neuron_modulation(rmod)[0] == pytest.approx(0.5)  # the undefined family does not count
    assert np.isnan(texture_modulation_index(-1.0, 1.0))
    assert texture_modulation_index(-1.0, 1.0, rectify=True) == pytest.approx(-1.0)
    assert texture_modulation_index(3.0, -1.0) == pytest.approx(2.0)  # why model outputs need rectify=True


def test_family_ranks_and_spearman_on_toy():
    np.testing.assert_array_equal(family_ranks([0.3, 0.1, 0.2]), [3, 1, 2])
    # rank differences 1, 1, 1, 1, 0 -> rho = 1 - 6 * 4 / (5 * 24) = 0.8
    assert family_rank_correlation([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)


def test_a_constant_family_modulation_has_no_rank_association():
    # rounding-level differences must not become a rank order (a design control predicting held-out families)
    assert family_rank_correlation([0.0, 1e-17, -1e-17, 0.0], [0.1, 0.2, 0.3, 0.4]) == 0.0
    assert family_rank_correlation([0.1, 0.2, 0.3, 0.4], [0.0, 1e-17, -1e-17, 0.0]) == 0.0
    np.testing.assert_array_equal(family_ranks([0.0, 1e-17, -1e-17, 0.0]), [2.5] * 4)
    assert family_rank_correlation([0.0, 1e-6, 2e-6, 3e-6], [0.1, 0.2, 0.3, 0.4]) == pytest.approx(1.0)


def test_family_folds_hold_out_whole_families_and_stratified_folds_do_not():
    families = np.repeat([13, 18, 23], 4)
    kinds = np.tile(["texture", "noise"], 6)
    family_folds = texture_folds(families, kinds, "family")
    assert len(family_folds) == 3
    for train, test in family_folds:
        assert len(set(families[test])) == 1 and families[test][0] not in set(families[train])
    assert sorted(np.concatenate([test for _, test in family_folds]).tolist()) == list(range(12))
    stratified = texture_folds(families, kinds, "stratified", n_folds=2)
    assert all(set(families[test]) <= set(families[train]) for train, test in stratified)
    with pytest.raises(ValueError, match="not one of family, stratified"):
        texture_folds(families, kinds, "random")


def test_williams_test_reproduces_howells_worked_example():
    # Howell, Statistical Methods for Psychology (6th ed., p. 262): r12 .80, r13 .72, r23 .89, N 26 -> t(23) 1.361,
    # p .187 (also the output of B. Weaver's SPSS syntax for Williams' test, CBU statistics wiki FAQ/Will)
    test = williams_test(0.80, 0.72, 0.89, 26)
    assert round(test.t, 3) == pytest.approx(1.361) and test.dof == 23 and round(test.p, 3) == pytest.approx(0.187)
    # by hand: |R| = 1 - .64 - .5184 - .7921 + 2 (.8)(.72)(.89) = 0.074780; denominator = 2 (25/23) |R| +
    # (1.52^2 / 4)(0.11^3) = 0.162565 + 0.000769 = 0.163334; t = 0.08 sqrt(25 * 1.89 / 0.163334) = 1.3607
    assert test.t == pytest.approx(0.08 * np.sqrt(25 * 1.89 / 0.163334), rel=1e-4)
    assert williams_test(0.72, 0.80, 0.89, 26).t == pytest.approx(-test.t)
    assert williams_test(0.5, 0.5, 0.3).p == pytest.approx(1.0)


def test_williams_test_gains_power_from_models_that_agree():
    # the paper's 0.90 vs 0.56 over 15 families: Fisher z (independent rho) gives p = 0.040; when the two models'
    # family modulations correlate (r23 = 0.7) their rho covary, the difference is less noisy, and Williams' p falls
    assert fisher_z_test(0.90, 0.56).p == pytest.approx(0.0398, abs=1e-4)
    agreeing, unrelated = williams_test(0.90, 0.56, 0.70), williams_test(0.90, 0.56, 0.0)
    assert agreeing.p < unrelated.p < 0.05 and agreeing.dof == 12


def test_qq_quantiles_and_distance_on_toy():
    np.testing.assert_allclose(modulation_quantiles(np.array([0.0, 10.0, np.nan]), np.array([0, 0.5, 1])), [0, 5, 10])
    assert qq_distance(np.arange(5.0), np.arange(5.0) + 1) == pytest.approx(1.0)
    assert qq_distance(np.arange(5.0), np.arange(5.0)[::-1]) == pytest.approx(0.0)


@pytest.mark.parametrize("rho_other, printed_p", [(0.56, 0.040), (0.58, 0.047)])
def test_fisher_z_reproduces_paper_p_values_with_n_minus_3(rho_other, printed_p):
    assert round(fisher_z_test(0.90, rho_other, n=15).p, 3) == pytest.approx(printed_p)
    assert round(fisher_z_test(0.90, rho_other, n=15, dof_offset=2).p, 3) != pytest.approx(printed_p)


def test_fisher_z_is_symmetric_and_one_for_equal_rhos():
    assert fisher_z_test(0.5, 0.5).p == pytest.approx(1.0)
    assert fisher_z_test(0.2, 0.8).p == pytest.approx(fisher_z_test(0.8, 0.2).p)
    assert fisher_z_test(0.2, 0.8).z == pytest.approx(-fisher_z_test(0.8, 0.2).z)


def test_response_latency_on_synthetic_psth():
    bin_ms = 5.0
    psth = np.where(np.arange(60) * bin_ms >= 70.0, 50.0, 0.0) + np.tile([4.0, 6.0], 30)
    assert response_latency(psth, bin_ms, smoothing_bins=1) == pytest.approx(70.0)
    assert response_latency(psth, bin_ms) == pytest.approx(70.0)  # the centred smoothing's one-bin lead removed
    flat = np.tile([4.0, 6.0], 30)
    latencies = response_latency(np.stack([psth, flat]), bin_ms, smoothing_bins=1)
    np.testing.assert_allclose(latencies, [70.0, 50.0])  # no response -> fallback


@pytest.mark.parametrize("bin_ms, onsets", [(10.0, range(60, 151, 10)), (1.0, range(60, 151, 7))])
def test_response_latency_recovers_step_onsets_within_5_ms(bin_ms, onsets):
    times = np.arange(0.0, 300.0, bin_ms)
    baseline = 5.0 + np.tile([-1.0, 1.0], len(times) // 2)  # a baseline with some spread
    for onset in onsets:
        step = np.where(times >= onset, 40.0, 0.0)
        assert abs(float(response_latency(baseline + step, bin_ms)) - onset) <= 5.0, onset


def test_latency_aligned_window_and_window_mean():
    start, end = latency_aligned_window(np.array([70.0, 50.0]))
    np.testing.assert_allclose(start, [70, 50])
    np.testing.assert_allclose(end, [170, 150])
    psth = np.arange(40.0)[None].repeat(2, axis=0)  # 10 ms bins, value = bin index
    np.testing.assert_allclose(
        window_mean(psth, 10.0, start, end), [np.mean(np.arange(7, 17)), np.mean(np.arange(5, 15))]
    )


def test_family_means_from_brainscore_assembly():
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

    assembly = NeuroidAssembly(
        RESPONSES[:, :, None],
        dims=["presentation", "neuroid", "time_bin"],
        coords={
            "stimulus_id": ("presentation", [f"s{i}" for i in range(8)]),
            "texture_family": ("presentation", FAMILIES),
            "texture_type": ("presentation", TYPES),
            "sample": ("presentation", [1, 2] * 4),
            "neuroid_id": ("neuroid", ["n0", "n1"]),
            "region": ("neuroid", ["V2", "V2"]),
            "time_bin_start": ("time_bin", [50]),
            "time_bin_end": ("time_bin", [150]),
        },
    )
    means = family_mean_responses_from_assembly(assembly)
    np.testing.assert_allclose(means.texture, [[3, 1], [2, 2]])
    np.testing.assert_allclose(means.noise, [[1, 1], [0, 2]])


def test_reliable_neurons_threshold():
    from brainscore_lcl.metrics.texture import reliable_neurons

    np.testing.assert_array_equal(reliable_neurons(np.array([0.39, 0.4, 0.9, np.nan])), [False, True, True, False])
