"""Plugin tests: the V1-like / V2-like partition benchmarks register for every source and give known answers on the
simulator."""

from __future__ import annotations

import pytest

from brainscore_lcl.benchmarks.freemanziemba2013_partition.benchmark import (
    FreemanZiembaPartitionPLS,
    partition_from_details,
    subset_scores,
)
from brainscore_lcl.data.facts import SOURCE_PREFIXES
from brainscore_lcl.errors import UsageError
from brainscore_lcl.registry import benchmark_registry, discover_plugins


def test_every_source_registers_the_partition_benchmarks():
    discover_plugins()
    suffixes = ("V2-pls-v1like", "V2-pls-v2like")
    expected = {f"{prefix}.{suffix}" for prefix in SOURCE_PREFIXES.values() for suffix in suffixes}
    assert expected <= set(benchmark_registry)
    for suffix in suffixes:  # building a PLS benchmark loads its data: only the offline source here
        benchmark = benchmark_registry[f"FreemanZiemba2013sim.{suffix}"]()
        assert benchmark.identifier == f"FreemanZiemba2013sim.{suffix}"
        assert benchmark.region == "V2"


@pytest.mark.slow  # about 100 s; tests/test_analyses.py::test_v2_predictivity_script checks the same margin in CI
def test_reference_model_explains_its_v1like_cells_better_when_ranked_on_held_out_images():
    from brainscore_lcl.scoring import score

    # ranked on the 135 public images, scored on the 315 private ones: not true by construction, a cell's
    # V1-likeness must carry over to new images
    held_out = {
        subset: score("v1-steerpyr-pool", f"FreemanZiemba2013sim.V2-pls-{subset}", selection="public")
        for subset in ("v1like", "v2like")
    }
    assert held_out["v1like"].details["selection"] == "public"
    assert held_out["v1like"].details["partition"]["selected_on"] == "public"
    assert held_out["v1like"].details["access"] == "private"
    assert (
        held_out["v1like"].details["score_paper_sign_aware"]
        > held_out["v2like"].details["score_paper_sign_aware"] + 0.2
    )
    v1like = score("v1-steerpyr-pool", "FreemanZiemba2013sim.V2-pls-v1like")
    v2like = score("v1-steerpyr-pool", "FreemanZiemba2013sim.V2-pls-v2like")
    assert v1like.n_neuroids == v2like.n_neuroids == 26
    assert v1like.details["selection"] == "same" and v1like.details["partition"]["selected_on"] == "private"
    assert not set(v1like.details["neuroid_ids"]) & set(v2like.details["neuroid_ids"])
    full = score("v1-steerpyr-pool", "FreemanZiemba2013sim.V2-pls")  # the scripts' route: subsets of one record
    reference = partition_from_details(full.details)
    for record, subset in ((v1like, "v1like"), (v2like, "v2like")):
        from_full = subset_scores(full.details, reference.mask(subset, full.details["neuroid_ids"]))
        assert record.details["score_paper"] == pytest.approx(from_full["score_paper"])
        assert record.details["score_paper_sign_aware"] == pytest.approx(from_full["score_paper_sign_aware"])
        assert record.score == pytest.approx(from_full["score"])


def test_held_out_selection_needs_a_private_split():
    with pytest.raises(ValueError, match="public split"):
        FreemanZiembaPartitionPLS("sim", "v1like", selection="public", access="public").selection_access()
    with pytest.raises(ValueError, match="selection"):
        FreemanZiembaPartitionPLS("sim", "v1like", selection="private")


def test_the_papers_literal_ranking_lets_an_anti_correlated_cell_rank_as_v1_like():
    import numpy as np

    from brainscore_lcl.benchmarks.freemanziemba2013_partition.benchmark import partition_from_scores

    # 4 cells, 2 splits, ceilings 1, one cell per quartile: per-cell (r/r_ceil)^2 is 0.25, 0.64, 0.01, 0.09; the
    # sign-aware value of cell "b" (r = -0.8) is 0
    r = np.array([[0.5, -0.8, 0.1, 0.3], [0.5, -0.8, 0.1, 0.3]])
    ids = ("a", "b", "c", "d")
    sign_aware = partition_from_scores(ids, r, np.ones(4))
    literal = partition_from_scores(ids, r, np.ones(4), ranking="paper")
    assert sign_aware.summary()["v1like_ids"] == ["a"] and sign_aware.summary()["v2like_ids"] == ["b"]
    assert literal.summary()["v1like_ids"] == ["b"] and literal.summary()["v2like_ids"] == ["c"]
    assert sign_aware.summary()["ranking"] == "sign_aware" and literal.summary()["ranking"] == "paper"
    assert literal.summary()["v1like_min_reference_ev_paper"] == pytest.approx(0.64)
    benchmark = FreemanZiembaPartitionPLS("sim", "v1like", ranking="paper", partition=literal)
    assert benchmark.partition.mask("v1like", ["d", "b"]).tolist() == [False, True]
    with pytest.raises(ValueError, match="ranked by 'paper'"):
        FreemanZiembaPartitionPLS("sim", "v1like", partition=literal)
    with pytest.raises(UsageError, match="ranking"):
        FreemanZiembaPartitionPLS("sim", "v1like", ranking="literal")
