"""Known answers of the simulated Freeman & Ziemba (2013) experiment (FreemanZiemba2013sim)."""

import json
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from PIL import Image

from brainscore_lcl.data import simulation as sim
from brainscore_lcl.data.facts import FAMILIES
from brainscore_lcl.data.freemanziemba import MAT_FILE_NAME, load_local_assembly, load_local_stimulus_set
from brainscore_lcl.metrics.texture import family_mean_responses_from_assembly, texture_modulation_index

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


@pytest.fixture(scope="module")
def sim_root():
    return sim.simulated_data_root()


@pytest.fixture(scope="module")
def all_trials(sim_root):
    return {
        region: load_local_assembly(
            sim_root, region, access="all", average_repetitions=False, identifier="FreemanZiemba2013sim-test"
        )
        for region in ("V1", "V2")
    }


def texture_modulation(assembly) -> np.ndarray:
    """The package's Rmod per neuron and family (columns in FAMILIES order) of sample- and trial-averaged responses,
    (neuron, family)."""
    means = family_mean_responses_from_assembly(assembly)
    assert [int(family) for family in means.families] == sorted(FAMILIES)
    order = [list(means.families).index(family) for family in FAMILIES]
    return texture_modulation_index(means.texture, means.noise)[:, order]


def test_noise_has_exactly_the_texture_amplitude_spectrum():
    textures = sim.synthesize_textures(sim.SIM_SEED, 0)
    rng = np.random.default_rng(0)
    for texture in textures[:3]:
        noise = sim.spectrally_matched_noise(texture, rng)
        np.testing.assert_allclose(
            np.abs(np.fft.rfft2(noise)),
            np.abs(np.fft.rfft2(texture)),
            rtol=1e-8,
            atol=1e-8 * np.abs(np.fft.rfft2(texture)).max(),
        )
        assert not np.allclose(noise, texture)
        assert noise.mean() == pytest.approx(texture.mean(), abs=1e-12)
        assert noise.std() == pytest.approx(texture.std(), rel=1e-9)


def test_release_images_are_luminance_and_contrast_matched(sim_root):
    for family in (FAMILIES[0], FAMILIES[7]):
        texture = np.asarray(Image.open(sim_root / "stim" / f"tex-320x320-im{family}-smp3.png"), dtype=float)
        noise = np.asarray(Image.open(sim_root / "stim" / f"noise-320x320-im{family}-smp3.png"), dtype=float)
        assert texture.shape == noise.shape == (320, 320)
        assert texture.mean() == pytest.approx(noise.mean(), abs=0.5)
        assert texture.std() == pytest.approx(noise.std(), rel=0.05)  # only rare clipped peaks differ
        spectrum_texture, spectrum_noise = np.abs(np.fft.rfft2(texture)), np.abs(np.fft.rfft2(noise))
        assert np.corrcoef(spectrum_texture[1:].ravel(), spectrum_noise[1:].ravel())[0, 1] > 0.99


def test_release_layout_and_counts(sim_root):
    with h5py.File(sim_root / MAT_FILE_NAME, "r") as mat:
        assert mat["v1"].shape == (102, sim.N_BINS, 20, 15, 2, 15)
        assert mat["v2"].shape == (103, sim.N_BINS, 20, 15, 2, 15)
        assert mat["v1"].dtype == np.uint8
        assert float(mat["bin_ms"][()]) == sim.BIN_MS
        psth = mat["v2"][:, :, :2].mean(axis=(0, 2, 3, 4, 5))
    baseline, response = psth[:4].mean(), psth[6:16].mean()  # 0-40 ms vs 60-160 ms
    assert response > 2 * baseline
    assert len(list((sim_root / "stim").glob("*.png"))) == 450


def test_v1_modulation_near_zero_and_v2_clearly_positive(all_trials):
    v1 = texture_modulation(all_trials["V1"]).mean(axis=1).mean()
    v2 = texture_modulation(all_trials["V2"]).mean(axis=1).mean()
    assert abs(v1) < 0.05
    assert v2 > 0.07
    assert v2 - v1 > 0.07


def test_v2_modulation_depends_on_family_as_constructed(all_trials):
    per_family = texture_modulation(all_trials["V2"]).mean(axis=0)
    by_family = dict(zip(FAMILIES, per_family))
    structured = np.mean([by_family[family] for family in (336, 402, 56, 60)])  # large, separated, oriented
    dense = np.mean([by_family[family] for family in (393, 48, 52, 99)])  # blobs, densely packed elements
    assert structured > dense + 0.1
    assert per_family.max() - per_family.min() > 0.2


def test_v2_modulation_grows_with_higher_order_weight(all_trials):
    per_cell = texture_modulation(all_trials["V2"]).mean(axis=1)
    weight = sim.SimulatedV2(sim.SIM_SEED).higher_order_weight
    assert np.corrcoef(weight, per_cell)[0, 1] > 0.2


def test_noise_ceilings_are_realistic(all_trials):
    ceilings = []
    for assembly in all_trials.values():
        values = assembly.values.reshape(450, 20, -1)
        half1, half2 = values[:, ::2].mean(axis=1), values[:, 1::2].mean(axis=1)
        r = np.array([np.corrcoef(a, b)[0, 1] for a, b in zip(half1.T, half2.T)])
        ceilings.append(2 * r / (1 + r))
    ceilings = np.concatenate(ceilings)
    assert 0.6 < np.median(ceilings) < 0.97
    assert 0 < np.mean(ceilings < 0.4) < 0.2


def test_visual_system_is_the_generators_mean_rate(sim_root, all_trials):
    stimuli = load_local_stimulus_set(sim_root, "FreemanZiemba2013sim-test.aperture")
    chosen = stimuli.iloc[::9]
    images = np.stack(
        [
            np.asarray(Image.open(stimuli.get_stimulus(stimulus_id)), dtype=np.float32) / 255
            for stimulus_id in chosen["stimulus_id"]
        ]
    )
    system = sim.SimulatedVisualSystem()
    assert (system.image_size, system.visual_degrees) == (320, 4)
    with torch.no_grad():
        batch = torch.from_numpy(images)[:, None].expand(-1, 3, -1, -1)
        v1, v2, both = system.v1(batch), system.v2(batch), system(batch)
    assert v1.shape == (len(chosen), 102) and v2.shape == (len(chosen), 103)
    torch.testing.assert_close(both, torch.cat([v1, v2], dim=1))
    assert 0 < float(torch.cat([v1, v2], 1).min()) and float(torch.cat([v1, v2], 1).max()) < 250
    for region, predicted in (("V1", v1), ("V2", v2)):
        trials = all_trials[region]
        stimulus_ids = trials["stimulus_id"].values
        measured = (
            np.stack([trials.values[stimulus_ids == stimulus_id].mean(axis=0) for stimulus_id in chosen["stimulus_id"]])
            * 1000
        )  # spikes per ms -> spikes/s
        r = [np.corrcoef(a, b)[0, 1] for a, b in zip(predicted.numpy().T, measured.T)]
        assert np.nanmedian(r) > 0.7
        assert measured.mean() == pytest.approx(float(predicted.mean()), rel=0.1)


def test_v1_population_is_low_dimensional_enough_for_a_25_component_readout(sim_root):
    """102 independent Gabor units would need ~50 principal components for 99% of their variance and defeat any
    25-component PLS readout; the prototype design keeps V1 about as low-dimensional as V2."""
    stimuli = load_local_stimulus_set(sim_root, "FreemanZiemba2013sim-test.aperture")
    images = np.stack(
        [
            np.asarray(Image.open(stimuli.get_stimulus(stimulus_id)), dtype=np.float32) / 255
            for stimulus_id in stimuli["stimulus_id"]
        ]
    )
    v1 = sim.SimulatedV1(sim.SIM_SEED)
    assert np.bincount(v1.prototype, minlength=sim.N_V1_PROTOTYPES).min() >= 5
    with torch.no_grad():
        rates = torch.cat(
            [v1(torch.from_numpy(chunk)[:, None].expand(-1, 3, -1, -1)) for chunk in np.array_split(images, 9)]
        ).numpy()
    singular_values = np.linalg.svd(rates - rates.mean(axis=0), compute_uv=False)
    explained = np.cumsum(singular_values**2) / np.sum(singular_values**2)
    assert len(images) == 450
    assert np.searchsorted(explained, 0.99) + 1 <= 25


def test_same_seed_same_stimuli_and_cells(sim_root):
    regenerated = sim.simulate_stimuli(sim.SIM_SEED, families=(0,))
    for name, image in regenerated.items():
        np.testing.assert_array_equal(np.asarray(Image.open(sim_root / "stim" / name)), image)
    first, second = sim.SimulatedVisualSystem(0).state_dict(), sim.SimulatedVisualSystem(0).state_dict()
    assert all(torch.equal(first[key], second[key]) for key in first)
    other = sim.SimulatedVisualSystem(1).state_dict()
    assert not torch.equal(first["v1.filters"], other["v1.filters"])


@pytest.mark.slow
def test_same_seed_identical_release_files(sim_root, tmp_path):
    fresh = sim.export_simulated_release(tmp_path / "again")
    with h5py.File(sim_root / MAT_FILE_NAME, "r") as cached, h5py.File(fresh / MAT_FILE_NAME, "r") as regenerated:
        for name in ("v1", "v2"):
            assert sim.array_digest(cached[name][()]) == sim.array_digest(regenerated[name][()])
    for path in (sim_root / "stim").glob("*.png"):
        assert (fresh / "stim" / path.name).read_bytes() == path.read_bytes()


def test_v1_receptive_field_numbers_match_shared_reference():
    reference = SHARED_DATA / "reference" / "v1_rf_distributions.json"
    if not reference.is_file():
        pytest.skip(f"{reference} is absent (a fresh clone has no ../shared/data)")
    data = json.loads(reference.read_text())
    np.testing.assert_allclose(sim._NXNY_EDGES, data["ringach2002_nx_ny_joint"]["nx_bin_edges"])
    np.testing.assert_array_equal(sim._NXNY_COUNTS, data["ringach2002_nx_ny_joint"]["counts_nx_rows_ny_cols"])
    np.testing.assert_array_equal(sim._ORIENTATION_COUNTS, data["devalois1982_orientation"]["counts"])
    np.testing.assert_allclose(sim._SF_EDGES_CPD, data["devalois1982_spatial_frequency"]["bin_edges_cpd"])
    np.testing.assert_array_equal(sim._SF_COUNTS, data["devalois1982_spatial_frequency"]["counts"])
