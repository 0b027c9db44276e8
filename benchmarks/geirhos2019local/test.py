"""Geirhos2019local benchmarks end to end on a tiny data root with a stand-in colour classifier (hand-computed
answers), the human leave-one-out values, agreement with Brain-Score's error-consistency metric on real data, and
(slow: two padded batches of 64 images through LCL-V2Net) `brainscore score` of a stand-in LCL-V2Net checkpoint."""

from __future__ import annotations

import numpy as np
import pytest

from brainscore_lcl.data.geirhos import DecisionsFileError, read_decisions
from brainscore_lcl.testing import colour_classifier_commitment, shared_data_or_skip, tiny_geirhos_root


@pytest.fixture()
def tiny_root(tmp_path, monkeypatch):
    monkeypatch.setenv("RESULTCACHING_HOME", str(tmp_path / "result_caching"))
    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))
    return tiny_geirhos_root(tmp_path / "geirhos")


def test_stand_in_model_end_to_end_through_the_registry(tiny_root):
    from brainscore_lcl.scoring import load_benchmark

    benchmark = load_benchmark("Geirhos2019local.cue-conflict", data_root=str(tiny_root))
    model = colour_classifier_commitment()
    model.activations_model._extractor._batch_size = 4
    score = benchmark(model)
    details = score.attrs["details"]
    # model correct [1, 1, 0, 1]; humans [1, 1, 1, 1], [1, 0, 1, 1], [1, 0, 0, 1] (trials in stimulus order)
    assert details["accuracy"] == pytest.approx(0.75)
    assert details["error_consistency_by_observer"] == pytest.approx(
        {"subject-01": 0.0, "subject-02": -1 / 3, "subject-03": 0.5}
    )
    assert details["error_consistency"] == pytest.approx(1 / 18)
    assert details["observed_consistency"] == pytest.approx(2 / 3)
    assert details["human_error_consistency"] == pytest.approx(1 / 6)
    assert details["human_accuracy"] == pytest.approx(0.75)
    assert details["shape_bias"] == pytest.approx(2 / 3) and details["human_shape_bias"] == pytest.approx(0.75)
    assert float(score.values) == pytest.approx(1 / 3) and score.attrs["raw"] == pytest.approx(1 / 18)
    assert float(benchmark.ceiling.values) == pytest.approx(1 / 6)

    written = read_decisions([details["decisions_csv"]])
    assert written["subj"].unique().tolist() == [model.identifier]
    assert dict(zip(written["stimulus"], written["object_response"])) == {
        "airplane1-airplane2.png": "airplane",
        "airplane2-bear1.png": "airplane",
        "bear1-airplane1.png": "airplane",
        "bear2-airplane2.png": "bear",
    }


def test_human_file_is_scored_against_the_other_observers(tiny_root):
    from brainscore_lcl.benchmarks.geirhos2019local.benchmark import human_leave_one_out, score_decision_files

    result = score_decision_files(
        [tiny_root / "human/cue-conflict/cue-conflict_subject-02_session_1.csv"], "cue-conflict", tiny_root
    )
    assert result["human_observers"] == 2
    assert result["error_consistency_by_observer"] == pytest.approx({"subject-01": 0.0, "subject-03": 0.5})
    rows = {row["observer"]: row for row in human_leave_one_out("cue-conflict", tiny_root)}
    assert rows["subject-02"]["error_consistency"] == pytest.approx(result["error_consistency"])
    assert [rows[name]["error_consistency"] for name in sorted(rows)] == pytest.approx([0.0, 0.25, 0.25])
    assert rows["subject-03"]["shape_bias"] == pytest.approx(0.5)


def test_unmatched_and_missing_stimuli_are_counted(tiny_root, tmp_path):
    from brainscore_lcl.benchmarks.geirhos2019local.benchmark import score_decision_files

    path = tmp_path / "model.csv"
    path.write_text(
        "subj,session,trial,rt,object_response,category,condition,imagename\n"
        "m,1,1,NaN,airplane,airplane,0,0001_x_airplane2-bear1.png\n"
        "m,1,2,NaN,bear,bear,0,0002_x_bear9-cat1.png\n"
    )
    result = score_decision_files([path], "cue-conflict", tiny_root)
    assert (result["n_trials"], result["n_unmatched"], result["n_missing"]) == (1, 1, 3)
    assert result["unmatched_stimuli"] == ["bear9-cat1.png"]

    path.write_text(
        "subj,session,trial,rt,object_response,category,condition,imagename\n"
        "m,1,1,NaN,bear,bear,0,0001_x_airplane2-bear1.png\n"
    )
    with pytest.raises(DecisionsFileError, match=r"model.csv row 2, column category: 'bear', but the humans"):
        score_decision_files([path], "cue-conflict", tiny_root)


def test_brainscore_uses_geirhos_mapping():
    from brainscore_lcl.benchmarks.geirhos2019local.benchmark import check_brainscore_mapping

    check_brainscore_mapping()


def test_human_values_agree_with_brainscore_error_consistency_metric():
    """Brain-Score's metric (per subject and condition, matched by stimulus) on the real edge humans gives our values:
    one human against the other nine, and the human-human ceiling (Brain-Score takes |mean|; ours is positive)."""
    from brainscore_core.supported_data_standards.brainio.assemblies import BehavioralAssembly
    from brainscore_vision.metrics.error_consistency.metric import ErrorConsistency

    from brainscore_lcl.benchmarks.geirhos2019local.benchmark import human_leave_one_out, score_decision_files
    from brainscore_lcl.data.geirhos import human_trials

    root = shared_data_or_skip("geirhos")
    humans = human_trials("edge", root)
    n_humans, n_stimuli = humans.responses.shape

    def assembly(subjects, responses):
        return BehavioralAssembly(
            responses.reshape(-1),
            coords={
                "stimulus_id": ("presentation", np.tile(humans.stimuli, len(subjects))),
                "truth": ("presentation", np.tile(humans.category, len(subjects))),
                "condition": ("presentation", np.tile(humans.condition, len(subjects))),
                "subject": ("presentation", np.repeat(subjects, n_stimuli)),
            },
            dims=["presentation"],
        )

    metric = ErrorConsistency()
    ceiling = metric.ceiling(assembly(humans.subjects, humans.responses))
    rows = human_leave_one_out("edge", root)
    assert float(ceiling.values) == pytest.approx(np.mean([row["error_consistency"] for row in rows]), abs=1e-12)

    source = assembly(humans.subjects[:1], humans.responses[:1])
    source = BehavioralAssembly(
        source.values,
        coords={name: ("presentation", source[name].values) for name in ("stimulus_id", "truth", "condition")},
        dims=["presentation"],
    )
    target = assembly(humans.subjects[1:], humans.responses[1:])
    first = score_decision_files([sorted((root / "human" / "edge").glob("*.csv"))[0]], "edge", root)
    assert float(metric(source, target).values) == pytest.approx(abs(first["error_consistency"]), abs=1e-12)
    assert first["observer"] == humans.subjects[0] and n_humans == 10


@pytest.mark.slow
def test_brainscore_score_runs_lcl_v2net_offline(tiny_root, tmp_path, capsys):
    import json

    from brainscore_lcl.cli import main
    from brainscore_lcl.models.lcl_v2net.model import save_network_checkpoint
    from brainscore_lcl.testing import random_lcl_v2net

    checkpoint = tmp_path / "stand-in.pt"
    save_network_checkpoint(checkpoint, random_lcl_v2net(), config={}, data="random weights", epoch=0)
    out = tmp_path / "score.json"
    assert (
        main(
            [
                "score",
                "--model",
                "lcl-v2net",
                "--checkpoint",
                str(checkpoint),
                "--benchmark",
                "Geirhos2019local.cue-conflict",
                "--data-root",
                str(tiny_root),
                "--json",
                str(out),
            ]
        )
        == 0
    )
    record = json.loads(out.read_text())
    assert record["benchmark"] == "Geirhos2019local.cue-conflict"
    assert record["ceiling"] == pytest.approx(1 / 6) and record["score"] == pytest.approx(record["raw"] * 6)
    assert "lcl-v2net on Geirhos2019local.cue-conflict: score" in capsys.readouterr().out
