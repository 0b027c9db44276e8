"""Freeman & Ziemba (2013) sources: the local raw-release loader against Brain-Score's own packaging and loader."""

import socket
import time

import h5py
import numpy as np
import pytest

from brainscore_lcl.data import sources
from brainscore_lcl.data.freemanziemba import (
    MAT_FILE_NAME,
    DataUnavailableError,
    MalformedDataError,
    load_local_assembly,
    load_local_stimulus_set,
    public_private_split,
)
from brainscore_lcl.data.simulation import simulated_data_root
from brainscore_lcl.testing import brainscore_packaged_assembly, official_loaders_replaced

N_V1, N_V2 = 2, 2


@pytest.fixture(scope="module")
def sim_root():
    return simulated_data_root()


@pytest.fixture(scope="module")
def stimulus_set(sim_root):
    return load_local_stimulus_set(sim_root, "FreemanZiemba2013test.aperture")


@pytest.fixture(scope="module")
def counts_1ms():
    rng = np.random.default_rng(7)
    rates = rng.uniform(0.005, 0.05, size=(N_V1 + N_V2, 1, 1, 15, 2, 15))
    return rng.poisson(np.broadcast_to(rates, (N_V1 + N_V2, 300, 20, 15, 2, 15))).astype(np.uint8)


def write_release(root, sim_root, v1, v2, bin_ms=None, bin_ms_as_attribute=False):
    root.mkdir()
    (root / "stim").symlink_to(sim_root / "stim")
    with h5py.File(root / MAT_FILE_NAME, "w") as mat:
        mat["v1"], mat["v2"] = v1, v2
        if bin_ms is not None and bin_ms_as_attribute:
            mat.attrs["bin_ms"] = bin_ms
        elif bin_ms is not None:
            mat["bin_ms"] = float(bin_ms)
    return root


@pytest.fixture(scope="module")
def release_1ms(tmp_path_factory, sim_root, counts_1ms):
    return write_release(tmp_path_factory.mktemp("fz") / "release", sim_root, counts_1ms[:N_V1], counts_1ms[N_V1:])


def brainscore_load_assembly(raw, region, average_repetitions, monkeypatch):
    from brainscore_vision.benchmarks.freemanziemba2013.benchmarks import benchmark

    monkeypatch.setenv("RESULTCACHING_DISABLE", "1")
    monkeypatch.setattr(benchmark, "load_dataset", lambda identifier: raw)
    return benchmark.load_assembly(average_repetitions, region=region, access="private")


def sorted_by_stimulus(assembly):
    """Values with presentations sorted by stimulus id, then repetition (a level of the presentation index)."""
    levels = set(assembly.coords) | set(assembly.indexes["presentation"].names)
    keys = [
        f"{s}-{r}"
        for s, r in zip(
            assembly["stimulus_id"].values,
            assembly["repetition"].values if "repetition" in levels else np.zeros(assembly.shape[0], int),
        )
    ]
    return assembly.values[np.argsort(keys, kind="stable")]


def coord_names(assembly):
    return (
        {name for name in assembly.coords}
        | set(assembly.indexes["presentation"].names)
        | set(assembly.indexes["neuroid"].names)
    )


@pytest.mark.parametrize("average_repetitions", [True, False])
def test_local_equals_brainscore_packaging_and_loader(release_1ms, stimulus_set, monkeypatch, average_repetitions):
    raw = brainscore_packaged_assembly(release_1ms, stimulus_set, "private")
    expected = brainscore_load_assembly(raw, "V2", average_repetitions, monkeypatch)
    local = load_local_assembly(
        release_1ms, "V2", access="private", average_repetitions=average_repetitions, identifier="FreemanZiemba2013test"
    )
    assert local.dims == expected.dims == ("presentation", "neuroid")
    assert local.shape == expected.shape == ((315 if average_repetitions else 6300), N_V2)
    assert coord_names(local) == coord_names(expected)
    np.testing.assert_array_equal(local["neuroid_id"].values, expected["neuroid_id"].values)
    assert local["time_bin"].item() == expected["time_bin"].item() == (50, 200)
    np.testing.assert_allclose(sorted_by_stimulus(local), sorted_by_stimulus(expected), rtol=1e-12)
    assert len(local.attrs["stimulus_set"]) == 315
    assert set(local.attrs["stimulus_set"]["stimulus_id"]) == set(expected["stimulus_id"].values)


def test_sim_source_has_brainscores_schema(release_1ms, stimulus_set, monkeypatch):
    expected = brainscore_load_assembly(
        brainscore_packaged_assembly(release_1ms, stimulus_set, "private"), "V1", True, monkeypatch
    )
    simulated = sources.load_freemanziemba_assembly("sim", "V1")
    assert simulated.dims == expected.dims
    assert simulated.shape == (315, 102)
    assert coord_names(simulated) == coord_names(expected)
    assert {key for key in expected.attrs} <= set(simulated.attrs)
    assert simulated.attrs["stimulus_set_identifier"].endswith(".aperture-private")
    assert sources.load_freemanziemba_assembly("sim", "V1") is simulated


def test_split_sizes_stratification_and_determinism(stimulus_set):
    public, private = public_private_split(stimulus_set)
    assert (len(public), len(private)) == (135, 315)
    assert not set(public) & set(private) and len(set(public) | set(private)) == 450
    n_texture = int(stimulus_set.set_index("stimulus_id").loc[public, "texture_type"].eq("texture").sum())
    assert n_texture in (67, 68)
    shuffled = stimulus_set.sample(frac=1, random_state=3)
    assert public_private_split(shuffled) == (public, private)


def test_access_subsets_and_identifiers(sim_root):
    identifiers = {}
    for access, size in (("public", 135), ("private", 315), ("all", 450)):
        assembly = load_local_assembly(sim_root, "V2", access=access, identifier="FreemanZiemba2013test")
        assert assembly.shape == (size, 103)
        assert len(assembly.attrs["stimulus_set"]) == size
        identifiers[access] = assembly.attrs["stimulus_set"].identifier
    assert len(set(identifiers.values())) == 3


@pytest.mark.parametrize("as_attribute", [False, True])
def test_coarser_bins_round_trip(tmp_path, sim_root, counts_1ms, release_1ms, as_attribute):
    coarse = counts_1ms.reshape(N_V1 + N_V2, 30, 10, 20, 15, 2, 15).sum(axis=2).astype(np.uint16)
    release_10ms = write_release(
        tmp_path / "coarse", sim_root, coarse[:N_V1], coarse[N_V1:], bin_ms=10, bin_ms_as_attribute=as_attribute
    )
    for window in ((50, 200), (50, 150)):
        fine = load_local_assembly(release_1ms, "V1", time_window=window, identifier="t")
        coarse_assembly = load_local_assembly(release_10ms, "V1", time_window=window, identifier="t")
        np.testing.assert_allclose(coarse_assembly.values, fine.values, rtol=1e-12)
        assert coarse_assembly["time_bin"].item() == window
    with pytest.raises(ValueError, match="bin edges"):
        load_local_assembly(release_10ms, "V1", time_window=(55, 200), identifier="t")


def test_missing_folder_names_it(tmp_path):
    with pytest.raises(DataUnavailableError, match="nowhere"):
        load_local_assembly(tmp_path / "nowhere", "V1", identifier="t")


def test_missing_mat_file_names_it(tmp_path, sim_root):
    (tmp_path / "release").mkdir()
    (tmp_path / "release" / "stim").symlink_to(sim_root / "stim")
    with pytest.raises(DataUnavailableError, match=MAT_FILE_NAME):
        load_local_assembly(tmp_path / "release", "V1", identifier="t")


def test_malformed_mat_file_names_it(tmp_path, sim_root):
    release = tmp_path / "release"
    release.mkdir()
    (release / "stim").symlink_to(sim_root / "stim")
    (release / MAT_FILE_NAME).write_bytes(b"MATLAB 5.0 MAT-file, not HDF5" + bytes(200))
    with pytest.raises(MalformedDataError, match=MAT_FILE_NAME):
        load_local_assembly(release, "V1", identifier="t")
    assert issubclass(MalformedDataError, ValueError)
    with h5py.File(release / MAT_FILE_NAME, "w") as mat:
        mat["v1"] = np.zeros((2, 10, 20, 15, 2, 14), np.uint8)
        mat["v2"] = np.zeros((2, 10, 20, 15, 2, 14), np.uint8)
    with pytest.raises(MalformedDataError, match=MAT_FILE_NAME):
        load_local_assembly(release, "V1", time_window=(0, 10), identifier="t")


def test_missing_stimulus_names_it(tmp_path, sim_root):
    stim = tmp_path / "release" / "stim"
    stim.mkdir(parents=True)
    for path in sorted((sim_root / "stim").glob("*.png"))[1:]:
        (stim / path.name).symlink_to(path)
    missing = sorted((sim_root / "stim").glob("*.png"))[0].name
    with pytest.raises(DataUnavailableError, match=missing):
        load_local_stimulus_set(tmp_path / "release", "t")


def test_local_source_reads_environment_variable(monkeypatch, release_1ms):
    monkeypatch.setenv(sources.DATA_ROOT_ENV, str(release_1ms))
    assembly = sources.load_freemanziemba_assembly("local", "V1", access="public")
    assert assembly.shape == (135, N_V1)
    assert assembly.attrs["stimulus_set_identifier"].startswith("FreemanZiemba2013local.")
    monkeypatch.delenv(sources.DATA_ROOT_ENV)
    with pytest.raises(DataUnavailableError, match="--data-root"):
        sources.load_freemanziemba_assembly("local", "V1", access="public")


@pytest.mark.parametrize(
    "source, alternatives",
    [
        ("official", ("FreemanZiemba2013public.*", "FreemanZiemba2013local.*", "FreemanZiemba2013sim.*")),
        ("public", ("FreemanZiemba2013local.*", "FreemanZiemba2013sim.*")),
    ],
)
def test_official_sources_fail_fast_offline(monkeypatch, tmp_path, source, alternatives):
    def offline(*args, **kwargs):
        raise OSError("network is unreachable (test)")

    monkeypatch.setattr(socket, "create_connection", offline)
    monkeypatch.setenv("RESULTCACHING_HOME", str(tmp_path))
    sources._load.cache_clear()
    start = time.monotonic()
    with pytest.raises(DataUnavailableError) as raised:
        sources.load_freemanziemba_assembly(source, "V2")
    assert time.monotonic() - start < 10
    message = str(raised.value)
    assert "could not be downloaded" in message and "network is unreachable" in message
    assert all(alternative in message for alternative in alternatives)
    assert message.count(". ") == 0 and "\n" not in message


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="source"):
        sources.load_freemanziemba_assembly("elsewhere", "V1")
    with pytest.raises(ValueError, match="region"):
        sources.load_freemanziemba_assembly("sim", "V4")
    with pytest.raises(ValueError, match="access"):
        sources.load_freemanziemba_assembly("sim", "V1", access="secret")


@pytest.fixture
def official_1ms(release_1ms, stimulus_set):
    """brainscore_vision's FreemanZiemba2013.public / .private loaders replaced by the 1-ms release as Brain-Score
    packaged it."""
    with official_loaders_replaced(
        {access: brainscore_packaged_assembly(release_1ms, stimulus_set, access) for access in ("public", "private")}
    ) as packaged:
        yield packaged


def test_official_source_honours_access_and_joins_both_splits(official_1ms, release_1ms):
    for access, size in (("public", 135), ("private", 315), ("all", 450)):
        official = sources.load_freemanziemba_assembly("official", "V2", access=access, average_repetitions=False)
        local = load_local_assembly(release_1ms, "V2", access=access, average_repetitions=False, identifier="t")
        assert len(set(official["stimulus_id"].values)) == size
        np.testing.assert_allclose(sorted_by_stimulus(official), sorted_by_stimulus(local), rtol=1e-12, err_msg=access)
    assert official.attrs["stimulus_set_identifier"] == "FreemanZiemba2013test.aperture-all"
    assert len(official.attrs["stimulus_set"]) == 450
    assert sources.load_freemanziemba_assembly("public", "V2", access="all").shape == (135, N_V2)


def test_latency_aligned_windows_from_brainscores_1ms_bins_equal_the_release(official_1ms, release_1ms):
    from brainscore_lcl.data.texture_responses import (
        _replace_with_release_rates,
        latency_aligned_packaged,
        latency_aligned_rates,
    )

    assembly, latency = latency_aligned_packaged([official_1ms["public"], official_1ms["private"]], "V2")
    rates, release_latency = latency_aligned_rates(str(release_1ms), "V2")
    np.testing.assert_array_equal(latency, release_latency)
    assert assembly.shape == (450 * 20, N_V2)
    np.testing.assert_allclose(assembly.values, _replace_with_release_rates(assembly, rates).values, rtol=1e-12)
