"""Plugin tests: the analysis benchmarks register for every source and give known answers on the simulator."""
from __future__ import annotations

import numpy as np
import pytest

from brainscore_lcl.benchmarks.freemanziemba2013_analyses.benchmark import partition_from_details, subset_scores
from brainscore_lcl.registry import benchmark_registry, discover_plugins

PREFIXES = ("FreemanZiemba2013", "FreemanZiemba2013public", "FreemanZiemba2013local", "FreemanZiemba2013sim")


def test_every_source_registers_the_analysis_benchmarks():
    discover_plugins()
    suffixes = ("V2-pls-v1like", "V2-pls-v2like", "V2-texmod")
    assert {f"{prefix}.{suffix}" for prefix in PREFIXES for suffix in suffixes} <= set(benchmark_registry)
    for suffix in suffixes:     # building a PLS benchmark loads its data: only the offline source here
        benchmark = benchmark_registry[f"FreemanZiemba2013sim.{suffix}"]()
        assert benchmark.identifier == f"FreemanZiemba2013sim.{suffix}"
        assert benchmark.region == "V2"


def test_reference_model_explains_its_v1like_cells_better_than_its_v2like_cells():
    from brainscore_lcl.scoring import score

    v1like = score("v1-steerpyr-pool", "FreemanZiemba2013sim.V2-pls-v1like")
    v2like = score("v1-steerpyr-pool", "FreemanZiemba2013sim.V2-pls-v2like")
    assert v1like.n_neuroids == v2like.n_neuroids == 26
    assert not set(v1like.details["neuroid_ids"]) & set(v2like.details["neuroid_ids"])
    partition = v1like.details["partition"]
    assert partition["v1like_min_reference_ev"] > partition["v2like_max_reference_ev"]
    assert v1like.details["score_paper"] > v2like.details["score_paper"]
    full = score("v1-steerpyr-pool", "FreemanZiemba2013sim.V2-pls")     # the scripts' route: subsets of one record
    reference = partition_from_details(full.details)
    for record, subset in ((v1like, "v1like"), (v2like, "v2like")):
        from_full = subset_scores(full.details, reference.mask(subset, full.details["neuroid_ids"]))
        assert record.details["score_paper"] == pytest.approx(from_full["score_paper"])
        assert record.score == pytest.approx(from_full["score"])


def test_generator_texture_modulation_matches_the_data():
    from brainscore_lcl.scoring import score

    record = score("sim-generator", "FreemanZiemba2013sim.V2-texmod")
    assert record.score > 0.8
    assert record.details["fitted"]["qq_distance"] < 0.05
    assert record.details["window"] == "latency"
    assert np.nanmean(record.details["data"]["neuron_rmod"]) > 0.05
