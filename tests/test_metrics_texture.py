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
    texture_modulation_index,
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
    assert response_latency(psth, bin_ms) == pytest.approx(65.0)  # centred 3-bin smoothing leads by one bin
    flat = np.tile([4.0, 6.0], 30)
    latencies = response_latency(np.stack([psth, flat]), bin_ms, smoothing_bins=1)
    np.testing.assert_allclose(latencies, [70.0, 50.0])  # no response -> fallback


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
