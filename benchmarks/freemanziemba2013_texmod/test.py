"""Plugin tests: the texture-modulation benchmark registers for every source and gives known answers on the
simulator, under both cross-validations (the leak-free default and the paper's stratified folds)."""

from __future__ import annotations

import numpy as np
import pytest

from brainscore_lcl.data.facts import SOURCE_PREFIXES
from brainscore_lcl.errors import UsageError
from brainscore_lcl.registry import benchmark_registry, discover_plugins


def test_every_source_registers_the_texture_modulation_benchmark():
    discover_plugins()
    assert {f"{prefix}.V2-texmod" for prefix in SOURCE_PREFIXES.values()} <= set(benchmark_registry)
    benchmark = benchmark_registry["FreemanZiemba2013sim.V2-texmod"]()
    assert benchmark.identifier == "FreemanZiemba2013sim.V2-texmod"
    assert benchmark.region == "V2"
    assert benchmark.cv == "family"
    with pytest.raises(UsageError, match="cross-validation 'random' is not one of family, stratified"):
        benchmark_registry["FreemanZiemba2013sim.V2-texmod"](cv="random")


def test_generator_texture_modulation_matches_the_data():
    from brainscore_lcl.scoring import score

    record = score("sim-generator", "FreemanZiemba2013sim.V2-texmod")
    assert record.score > 0.8
    assert record.details["fitted"]["qq_distance"] < 0.05
    assert record.details["window"] == "latency"
    assert record.details["cv"] == "family" and record.details["n_folds"] == 15
    assert np.nanmean(record.details["data"]["neuron_rmod"]) > 0.05


@pytest.mark.parametrize(
    "model_id, cv, low, high",
    [
        ("control-design", "family", -1.0, 0.3),  # design labels predict nothing about a family never seen
        ("control-design", "stratified", 0.9, 1.0),  # the paper's folds leak each family's modulation
        ("sim-generator", "family", 0.95, 1.0),
        ("sim-generator", "stratified", 0.95, 1.0),
    ],
)
def test_the_family_folds_close_the_leak_that_the_design_control_exposes(model_id, cv, low, high):
    from brainscore_lcl.scoring import load_model, score

    record = score(model_id, "FreemanZiemba2013sim.V2-texmod", model=load_model(model_id), cv=cv)
    assert low <= record.score <= high
    assert record.details["cv"] == cv and f"(cv={cv})" in record.line()
