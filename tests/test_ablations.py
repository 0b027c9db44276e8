"""analyses/ablations.py (Fig. 7): where each sweep run sits, the panels' series, and two tiny CPU runs end to end."""

from __future__ import annotations

import numpy as np
import pytest

from brainscore_lcl.analyses import ablations
from brainscore_lcl.testing import tiny_image_folder
from brainscore_lcl.training.config import load_config

TINY = [
    "training.batch_size=4",
    "training.val_every_steps=1",
    "training.checkpoint_every_steps=1",
    "training.val_max_images=4",
    "training.num_workers=0",
    "objective.projector_dim=32",
    "training.amp=false",
    "training.channels_last=false",
]


@pytest.mark.parametrize(
    "variant, level",
    [("s0-none", "0"), ("s1-0.6", "1"), ("s2-0.3", "2"), ("s3-0.08", "3"), ("disjoint", "non-overlap")],
)
def test_layer1_deformation_levels(variant, level):
    assert ablations.classify(load_config("ablation-layer1-scale", variant).to_dict()) == {
        "panel": "deformation",
        "layer": 1,
        "x": level,
    }


def test_every_sweep_is_placed():
    place = lambda name, variant=None: ablations.classify(load_config(name, variant).to_dict())
    assert place("ablation-layer1-patch", "p64") == {"panel": "patch", "layer": 1, "x": 64}
    assert place("ablation-layer2-patch", "p144") == {"panel": "patch", "layer": 2, "x": 144}
    assert place("ablation-layer2-scale", "s3-0.08") == {"panel": "deformation", "layer": 2, "x": "3"}
    assert place("ablation-loss", "simsiam") == {"panel": "loss", "layer": 2, "x": "simsiam"}
    assert place("blockbarlow")["panel"] == "baseline"
    assert place("lcl-v2") is None


def test_panel_series_keep_each_layers_region_and_order():
    row = lambda panel, layer, x, region: {
        "panel": panel,
        "layer": layer,
        "x": x,
        "region": region,
        "score_paper": 0.1,
        "score_paper_std": 0.01,
    }
    rows = [
        row("deformation", 2, "non-overlap", "V2"),
        row("deformation", 2, "0", "V2"),
        row("deformation", 2, "0", "V1"),
        row("patch", 1, 64, "V1"),
        row("patch", 1, 24, "V1"),
        row("loss", 2, "simsiam", "V1"),
        row("loss", 2, "barlow", "V1"),
    ]
    deformation = ablations.panel_series(rows, "deformation")
    assert list(deformation) == ["layer 2 (V2)"] and [r["x"] for r in deformation["layer 2 (V2)"]] == [
        "0",
        "non-overlap",
    ]
    assert [r["x"] for r in ablations.panel_series(rows, "patch")["layer 1 (V1)"]] == [24, 64]
    assert [r["x"] for r in ablations.panel_series(rows, "loss")["V1"]] == ["barlow", "simsiam"]
    assert ablations.draw_figure(rows + [row("baseline", 2, None, "V2")], "sim") is not None


@pytest.mark.slow
def test_two_tiny_cpu_runs_end_to_end(tmp_path, monkeypatch):
    """`brainscore train --max-steps 2` for a layer-1 patch run and a loss run, then Fig. 7 from the run folder."""
    from brainscore_lcl.cli import main

    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))
    images = tiny_image_folder(tmp_path)
    runs = tmp_path / "runs"
    for config, variant in (("ablation-layer1-patch", "p24"), ("ablation-loss", "simclr")):
        overrides = [item for override in TINY for item in ("--set", override)]
        assert (
            main(
                [
                    "train",
                    "--config",
                    config,
                    "--variant",
                    variant,
                    "--data",
                    str(images),
                    "--device",
                    "cpu",
                    "--out",
                    str(runs / f"{config}-{variant}"),
                    "--max-steps",
                    "2",
                    "--no-progress",
                    *overrides,
                ]
            )
            == 0
        )
    result = ablations.compute(ablations.find_runs(str(runs), {}), "sim")
    ablations.draw(result, tmp_path / "out")
    placed = {(row["run"], row["region"]): (row["panel"], row["x"]) for row in result.rows}
    assert placed == {
        ("ablation-layer1-patch-p24", "V1"): ("patch", 24),
        ("ablation-loss-simclr", "V1"): ("loss", "simclr"),
        ("ablation-loss-simclr", "V2"): ("loss", "simclr"),
    }
    assert all(np.isfinite(row["score_paper"]) for row in result.rows)
    for name in ("fig7_ablations.png", "fig7_ablations.pdf", "ablations.csv", "ablations.json"):
        assert (tmp_path / "out" / name).is_file()
