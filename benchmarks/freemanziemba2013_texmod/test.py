"""Plugin tests: the texture-modulation benchmark registers for every source and gives known answers on the
simulator."""

from __future__ import annotations

import numpy as np

from brainscore_lcl.data.facts import SOURCE_PREFIXES
from brainscore_lcl.registry import benchmark_registry, discover_plugins


def test_every_source_registers_the_texture_modulation_benchmark():
    discover_plugins()
    assert {f"{prefix}.V2-texmod" for prefix in SOURCE_PREFIXES.values()} <= set(benchmark_registry)
    benchmark = benchmark_registry["FreemanZiemba2013sim.V2-texmod"]()
    assert benchmark.identifier == "FreemanZiemba2013sim.V2-texmod"
    assert benchmark.region == "V2"


def test_generator_texture_modulation_matches_the_data():
    from brainscore_lcl.scoring import score

    record = score("sim-generator", "FreemanZiemba2013sim.V2-texmod")
    assert record.score > 0.8
    assert record.details["fitted"]["qq_distance"] < 0.05
    assert record.details["window"] == "latency"
    assert np.nanmean(record.details["data"]["neuron_rmod"]) > 0.05
