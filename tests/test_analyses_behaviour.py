"""analyses/behaviour.py (Fig. 8, Table A.5) on a tiny data root: a stand-in model, decisions made elsewhere, humans,
and every skipped model and data set listed with its reason."""

from __future__ import annotations

import json

import pytest

from brainscore_lcl.analyses import behaviour
from brainscore_lcl.testing import colour_classifier_commitment, tiny_geirhos_root


def test_figure_table_and_skips(tmp_path, monkeypatch):
    from brainscore_lcl.registry import ModelRecord, discover_plugins, model_registry

    monkeypatch.setenv("RESULTCACHING_HOME", str(tmp_path / "result_caching"))
    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))
    discover_plugins()
    monkeypatch.setitem(
        model_registry, "colour-classifier", ModelRecord(factory=lambda checkpoint=None: colour_classifier_commitment())
    )
    root = tiny_geirhos_root(tmp_path / "geirhos")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "cue-conflict.csv").write_text(
        (root / "human/cue-conflict/cue-conflict_subject-01_session_1.csv").read_text().replace("subject-01", "net")
    )
    out = tmp_path / "out"
    result = behaviour.compute(
        ["colour-classifier", "lcl-v2net", "no-such-model"], data_root=str(root), decisions={"external": str(elsewhere)}
    )
    behaviour.draw(result, out)

    assert result.datasets == ["cue-conflict"]
    rows = {row["model"]: row for row in result.table_a5}
    assert rows["colour-classifier"]["ood_accuracy"] == pytest.approx(0.75)
    assert rows["colour-classifier"]["error_consistency"] == pytest.approx(1 / 18)
    assert rows["colour-classifier"]["shape_bias"] == pytest.approx(2 / 3)
    assert rows["external"]["ood_accuracy"] == pytest.approx(1.0)
    # humans, leave one out: kappa 0, 0.25, 0.25; accuracy 1, 0.75, 0.5
    assert rows["humans"]["error_consistency"] == pytest.approx(1 / 6)
    assert rows["humans"]["ood_accuracy"] == pytest.approx(0.75)
    assert rows["humans"]["shape_bias"] == pytest.approx(0.75)  # pooled: 6 shape, 2 texture
    skipped = "\n".join(result.skipped)
    for reason in (
        "skipped data set edge:",
        "skipped data set silhouette:",
        "skipped lcl-v2net: lcl-v2net ships no",
        "skipped no-such-model: not a model id",
        "skipped IN-1k accuracy",
    ):
        assert reason in skipped
    for name in ("fig8_behaviour.png", "fig8_behaviour.pdf", "table_a5.csv", "behaviour_per_dataset.csv"):
        assert (out / name).is_file()
    saved = json.loads((out / "behaviour.json").read_text())
    assert saved["per_dataset"]["colour-classifier"]["cue-conflict"]["n_trials"] == 4
