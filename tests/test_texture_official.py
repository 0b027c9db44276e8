"""Texture modulation on Brain-Score's data: its public and private packaged assemblies joined (450 images), each
cell's window aligned to its own latency from the packaged time bins. Run offline: the simulated population, packaged
in Brain-Score's schema and split into public / private as Brain-Score split the recordings, replaces the official
loaders in brainscore_vision's data registry, and the result must equal the simulator's own (raw-release) path."""

import numpy as np
import pytest

from brainscore_lcl.data import sources
from brainscore_lcl.data.freemanziemba import load_local_stimulus_set
from brainscore_lcl.data.simulation import simulated_data_root
from brainscore_lcl.data.texture_responses import (
    _replace_with_release_rates,
    latency_aligned_packaged,
    latency_aligned_rates,
    load_texture_data,
)
from brainscore_lcl.testing import brainscore_packaged_assembly, official_loaders_replaced


@pytest.fixture(scope="module")
def official_standin():
    """brainscore_vision's FreemanZiemba2013.public / .private loaders replaced by the packaged simulation."""
    root = simulated_data_root()
    stimulus_set = load_local_stimulus_set(root, "FreemanZiemba2013standin.aperture")
    with official_loaders_replaced(
        {access: brainscore_packaged_assembly(root, stimulus_set, access) for access in ("public", "private")}
    ) as packaged:
        yield packaged


def by_stimulus(stimulus_ids):
    """Row order that sorts presentations by stimulus id."""
    return np.argsort(stimulus_ids, kind="stable")


def test_joined_splits_with_latency_aligned_windows_equal_the_raw_release(official_standin):
    packaged = [sources.load_brainscore_packaged(access) for access in ("public", "private")]
    assert packaged[0] is official_standin["public"] and packaged[1] is official_standin["private"]
    assembly, latency = latency_aligned_packaged(packaged, "V2")
    rates, release_latency = latency_aligned_rates(str(simulated_data_root()), "V2")
    assert assembly.dims == ("presentation", "neuroid") and assembly.shape == (450 * 20, 103)
    np.testing.assert_array_equal(latency, release_latency)
    assert len(np.unique(latency)) > 1  # the windows really differ between cells
    np.testing.assert_allclose(assembly.values, _replace_with_release_rates(assembly, rates).values, rtol=1e-12)
    public, _ = latency_aligned_packaged([official_standin["public"]], "V2")
    assert len(set(public["stimulus_id"].values)) == 135


@pytest.mark.slow  # Brain-Score's internal-consistency ceiling over 9000 presentations
def test_official_texture_data_uses_all_450_images(official_standin):
    official = load_texture_data("official", "V2", window="latency")
    assert len(official.stimulus_ids) == len(set(official.stimulus_ids)) == 450
    assert len(official.stimulus_set) == 450
    assert official.stimulus_set.identifier == "FreemanZiemba2013standin.aperture-all"
    assert official.ceilings.shape == (103,) and np.all(np.isfinite(official.ceilings))
    assert sorted(np.unique(official.families, return_counts=True)[1]) == [30] * 15
