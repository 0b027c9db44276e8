"""The controls ``control-design`` and ``control-pixels``: what they read, where they score, and ``control_scores``
beside a model's score (``brainscore_lcl.controls``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from brainscore_lcl.controls import CONTROL_MODELS, control_scores, control_summary, margin_line
from brainscore_lcl.errors import UsageError
from brainscore_lcl.scoring import ScoreRecord, load_model, score


def test_design_codes_read_the_stimulus_set_columns_not_the_pixels(tmp_path):
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    from brainscore_lcl.models.controls.design import DESIGN_UNITS, DesignCodes, design_labels

    stimuli = StimulusSet(
        pd.DataFrame(
            {
                "stimulus_id": ["a", "b", "c"],
                "texture_family": [13, 13, 99],
                "texture_type": ["texture", "noise"] * 1 + ["noise"],
            }
        )
    )
    stimuli.stimulus_paths = {name: str(tmp_path / f"{name}.png") for name in "abc"}  # never read
    stimuli.identifier = "toy"
    assert design_labels(stimuli) == ["13-texture", "13-noise", "99-noise"]
    codes = DesignCodes()
    codes.remember(stimuli)
    one_hot = codes([str(tmp_path / "c.png"), str(tmp_path / "a.png")])
    assert one_hot.shape == (2, len(DESIGN_UNITS)) and one_hot.sum(axis=1).tolist() == [1.0, 1.0]
    assert one_hot[0, DESIGN_UNITS.index("99-noise")] == 1 and one_hot[1, DESIGN_UNITS.index("13-texture")] == 1
    assert not codes([str(tmp_path / "unknown.png")]).any()  # an image no StimulusSet named has no label
    categories = StimulusSet(pd.DataFrame({"stimulus_id": ["x"], "category": ["bear"]}))
    assert design_labels(categories) == ["bear"]
    bare = StimulusSet(pd.DataFrame({"stimulus_id": ["x"]}))
    bare.identifier = "bare"
    with pytest.raises(UsageError, match="has neither; score it on a FreemanZiemba2013"):
        design_labels(bare)


def test_pixels_control_is_1024_grey_pixels(tmp_path):
    from brainscore_lcl.testing import tiny_stimulus_set

    model = load_model("control-pixels")
    model.start_recording("V1", [(70, 170)])
    activations = model.look_at(tiny_stimulus_set(tmp_path, "control-pixels-test"))
    assert activations.sizes["neuroid"] == 1024
    values = np.asarray(activations.transpose("presentation", "neuroid", ...).values).reshape(len(activations), -1)
    assert values.min() >= 0 and values.max() <= 1


@pytest.mark.parametrize(
    "benchmark_id",
    [
        "FreemanZiemba2013sim.V1-pls",
        pytest.param("FreemanZiemba2013sim.V2-pls", marks=pytest.mark.slow),  # 4-13 s each; V1 keeps make test's check
        pytest.param("FreemanZiemba2013sim.V2-pls-v2like", marks=pytest.mark.slow),
    ],
)
def test_controls_score_on_the_pls_and_partition_benchmarks(benchmark_id):
    records = control_scores(benchmark_id)
    assert set(records) == set(CONTROL_MODELS)
    for control, record in records.items():
        assert "skipped" not in record.details and math.isfinite(record.score), control
        assert record.layer == ("design" if control == "control-design" else "pixels")
    # the generator of the simulated data is far above the image's pixels on V2
    assert records["control-pixels"].score < score("sim-generator", benchmark_id).score


def test_design_control_answers_the_category_and_pixels_have_no_readout_on_geirhos(tmp_path, monkeypatch):
    from brainscore_lcl.testing import tiny_geirhos_root

    monkeypatch.setenv("RESULTCACHING_HOME", str(tmp_path / "result_caching"))  # the tiny set's id is not its folder's
    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))

    root = tiny_geirhos_root(tmp_path / "geirhos")
    records = control_scores("Geirhos2019local.cue-conflict", data_root=str(root))
    design = records["control-design"].details
    assert design["accuracy"] == 1.0  # the category is the label: every decision is right
    assert "has no ImageNet readout" in records["control-pixels"].details["skipped"]


def test_control_scores_skip_a_control_the_benchmark_cannot_take():
    def refuse(control):
        raise UsageError(f"{control} commits no layer to IT")

    records = control_scores("SomeData.IT-pls", refuse)
    assert control_summary(records) == {"control-design": None, "control-pixels": None}
    assert "control-design skipped (control-design commits no layer to IT)" in margin_line(0.5, records)
    records = {
        "control-design": ScoreRecord("control-design", "b", 0.25),
        "control-pixels": ScoreRecord("control-pixels", "b", 0.75),
    }
    assert margin_line(0.5, records) == (
        "controls: control-design 0.250 (model 0.250 above it), control-pixels 0.750 (model 0.250 below it)"
    )


def test_the_report_states_the_margin_over_each_control():
    from brainscore_lcl.report.build import control_margins, controls_section

    results = {
        "v2_predictivity": {
            "status": "done",
            "numbers": {"records": {"lcl-v2": {"score": 0.42}, "control-design": {"score": 0.65}}},
        },
        "texture_modulation": {
            "status": "done",
            "numbers": {
                "rows": [{"model": "lcl-v2", "rho_fitted": 0.54}, {"model": "control-pixels", "rho_fitted": -0.01}]
            },
        },
        "behaviour": {"status": "skipped", "reason": "no readout"},
    }
    margins = control_margins("lcl-v2", results)
    assert [(row["section"], row["control"]) for row in margins] == [
        ("v2_predictivity", "control-design"),
        ("texture_modulation", "control-pixels"),
    ]
    assert margins[0]["margin"] == pytest.approx(-0.23) and margins[1]["margin"] == pytest.approx(0.55)
    html = controls_section("lcl-v2", margins)
    assert "0.230 below control-design (0.650)" in html and "0.550 above control-pixels (-0.010)" in html
