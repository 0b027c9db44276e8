"""What a user sees (issue 21, items 9-11): notes on simulated data, short skip notes, offline references, figure
panels and ranges, the report's tables and the names models are shown by."""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from brainscore_lcl.analyses import common
from brainscore_lcl.errors import UsageError

TOOLS = Path(__file__).resolve().parents[1] / "tools"


def test_a_skip_note_is_printed_as_its_first_clause():
    note = (
        "skipped alexnet-supervised: weights of alexnet-supervised are not available (download failed: [Errno -2] "
        "Name or service not known): download alexnet-owt-7be5be79.pth from https://download.pytorch.org/models/ "
        "(torchvision; sha256 unknown (published prefix 7be5be79)) and place it in /cache/weights"
    )
    assert common.short_note(note) == "skipped alexnet-supervised: weights of alexnet-supervised are not available"
    assert common.short_note("skipped lcl-v1: model lcl-v1 commits no layer to V2, only to V1; score it on V1") == (
        "skipped lcl-v1: model lcl-v1 commits no layer to V2, only to V1"
    )
    assert common.short_note("skipped: lcl-v2net ships no checkpoint: pass --checkpoint") == (
        "skipped: lcl-v2net ships no checkpoint"
    )
    assert common.short_note("added the offline references x: y") == "added the offline references x: y"


def test_print_table_prints_each_skipped_model_once_and_short(capsys):
    notes = ["skipped ant-alexnet: ANT (Rusak et al. 2020) AlexNet was never published; no id in this suite"]
    common.print_table([{"model": "lcl-v2", "score": 0.5}], ("model", "score"), notes)
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "skipped ant-alexnet: ANT AlexNet was never published"
    assert sum("ant-alexnet" in line for line in lines) == 1


def test_offline_references_are_added_only_when_a_figures_model_cannot_load():
    entries, notes = common.load_figure_models(["lcl-v2", "ant-alexnet"], {}, "V2", "sim", add_references=True)
    assert [entry.model_id for entry in entries] == ["lcl-v2", "alexnet-untrained", "v1-steerpyr-pool", "sim-generator"]
    assert notes[-1] == (
        "added the offline references alexnet-untrained, v1-steerpyr-pool, sim-generator, since 1 of the figure's "
        "models could not load"
    )
    entries, _ = common.load_figure_models(["lcl-v2", "ant-alexnet"], {}, "V2", "sim")
    assert [entry.model_id for entry in entries] == ["lcl-v2"]
    entries, notes = common.load_figure_models(["lcl-v2"], {}, "V2", "public", add_references=True)
    assert [entry.model_id for entry in entries] == ["lcl-v2"] and notes == []
    assert common.offline_references("conv", "sim") == ["alexnet-untrained"]


def test_figures_on_sim_say_what_simulated_data_can_show(capsys):
    import matplotlib.pyplot as plt

    figure = common.mark_simulated(plt.figure(), "sim")
    assert figure._suptitle.get_text() == common.SIMULATED_DATA_LINE
    assert common.mark_simulated(plt.figure(), "public")._suptitle is None
    plt.close("all")
    common.print_data_note("sim")
    common.print_data_note("official")
    assert capsys.readouterr().out.replace("\n", " ") == common.SIMULATED_DATA_NOTE + " "


def test_a_model_without_a_well_fit_filter_says_so_instead_of_an_empty_panel():
    import matplotlib.pyplot as plt

    from brainscore_lcl.analyses.receptive_fields import draw_nx_ny, draw_phases

    fitted = {"n_filters": 4, "n_well_fit": 2, "min_r_squared": 0.7, "folded_phase": [0.1, 1.2], "nx": [0.3, 0.5]}
    fitted |= {"ny": [0.4, 0.6], "phase_symmetry_fraction": 0.5, "nx_ny_distance": 0.2}
    unfit = {"n_filters": 64, "n_well_fit": 0, "min_r_squared": 0.7, "folded_phase": [], "nx": [], "ny": []}
    unfit |= {"phase_symmetry_fraction": None, "nx_ny_distance": None}
    for draw in (draw_phases, draw_nx_ny):
        figure = draw({"lcl-v2": fitted, "alexnet-untrained": unfit})
        first, second = figure.axes
        assert not first.texts
        assert second.texts[0].get_text() == "no filter passes R$^2$ >= 0.7\n(64 filters fitted)"
        plt.close(figure)


def test_every_qq_panel_of_fig5_has_one_range_and_units_beyond_it_sit_on_the_edge():
    import matplotlib.pyplot as plt

    from brainscore_lcl.analyses.texture_modulation import TextureModulation, draw_figure

    quantiles = np.linspace(0.0, 0.4, 11)

    def readings(fitted_top: float, units_top: float) -> dict:
        return {
            "fitted": {"quantiles": np.linspace(0, fitted_top, 11), "qq_distance": 0.1, "rho": 0.5, "family_ranks": []},
            "units": {"quantiles": np.linspace(0, units_top, 11), "rho": 0.4, "family_ranks": []},
        }

    models = {"lcl-v2": readings(0.2, 0.3), "alexnet-untrained": readings(0.25, 1.0)}
    for values in models.values():
        values["fitted"]["family_ranks"] = list(range(1, 16))
        values["fitted_stratified"] = values["fitted"]
    result = TextureModulation(
        source="sim",
        benchmark="FreemanZiemba2013sim.V2-texmod",
        options={},
        window="latency",
        time_window_ms=None,
        time_window_convention="",
        rows=[],
        fisher_z_tests=[],
        data={"quantiles": quantiles, "family_ranks": list(range(1, 16))},
        notes=[],
        models=models,
        excluded_cells={},
    )
    figure = draw_figure(result)
    top = [axis for axis in figure.axes if axis.get_subplotspec().rowspan.start == 0]
    assert top[0].get_xlim() == top[1].get_xlim() == pytest.approx((-0.02, 0.42))  # 5% margins around [0, 0.4]
    units_line = top[1].get_lines()[1]
    assert np.max(units_line.get_ydata()) == pytest.approx(0.42)
    assert units_line.get_label() == "layer units (6 beyond the range, on the edge)"  # 0.5, 0.6, ..., 1.0
    assert figure._suptitle.get_text() == common.SIMULATED_DATA_LINE
    plt.close(figure)


def test_cells_beyond_fig_a2s_range_keep_distinct_places_in_the_band():
    from brainscore_lcl.analyses.per_neuron import EDGE_BAND, into_edge_band

    placed = into_edge_band(np.array([0.5, 1.5, 2.0, 3.0, 30.0]), 1.5)
    # v -> 1.5 * (1 + 0.12 * (1 - 1.5 / v)): 2.0 -> 1.545, 3.0 -> 1.59, 30 -> 1.671
    np.testing.assert_allclose(placed, [0.5, 1.5, 1.545, 1.59, 1.671])
    assert np.all(placed[2:] < 1.5 * (1 + EDGE_BAND))


def test_per_neuron_fractions_within_the_v1like_and_v2like_cells():
    from brainscore_lcl.analyses.per_neuron import compute, subset_fractions
    from brainscore_lcl.benchmarks.freemanziemba2013_partition.benchmark import partition_from_scores

    # 8 cells, 2 per quartile: V1-like n6, n7; V2-like n0, n1 (reference EV rises with the index)
    ids = [f"n{k}" for k in range(8)]
    partition = partition_from_scores(ids, np.tile((np.arange(8) + 1) / 10.0, (2, 1)), np.full(8, 0.8))
    values = {"a": np.array([0.1, 0.5, 0, 0, 0, 0, 0.9, 0.2]), "b": np.array([0.2, 0.4, 0, 0, 0, 0, 0.3, 0.1])}
    rows = [{"model_a": "a", "model_b": "b"}]
    subset_fractions(rows, values, partition, ids)
    assert rows == [{"model_a": "a", "model_b": "b", "fraction_a_better_v1like": 1.0, "fraction_a_better_v2like": 0.5}]
    with pytest.raises(UsageError, match="--region V2"):
        compute(["lcl-v1", "v1-steerpyr"], "sim", region="V1", partition_ranking="paper")


def test_a_name_given_once_labels_the_network_in_every_figure(monkeypatch, tmp_path):
    import torch

    from brainscore_lcl.model_helpers import from_file

    monkeypatch.setattr(from_file, "GIVEN_NAMES", {})
    network = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU())
    assert from_file.as_model_id(network, name="my-net") == "my-net"
    assert from_file.as_model_id(network) == "my-net"  # as analyses.run does, without a name
    spec = tmp_path / "net.py"
    spec.write_text("import torch\n\n\ndef build():\n    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3))\n")
    model_id = from_file.as_model_id(f"{spec}:build", name="Mine")
    assert common.display_name(model_id) == "Mine"
    assert common.display_name("alexnet-untrained") == "Untrained"


def test_inner_progress_bars_are_hidden_and_the_commands_own_bar_shown():
    from tqdm import tqdm

    from brainscore_lcl.progress import inner_bars_hidden

    with inner_bars_hidden():
        assert tqdm(range(3)).disable
        assert not tqdm(range(3), disable=False).disable
    assert not tqdm(range(3)).disable


def test_one_line_says_that_the_simulated_data_are_being_generated(monkeypatch, tmp_path, capsys):
    from brainscore_lcl.cache import MANIFEST_FILE
    from brainscore_lcl.data import sources

    monkeypatch.setattr(sources, "default_cache_dir", lambda: tmp_path)
    monkeypatch.setattr(sources, "simulated_data_root", lambda seed: tmp_path)
    sources.announced_simulated_root()
    assert capsys.readouterr().err.startswith("generating the simulated V1/V2 recordings into ")
    root = tmp_path / f"fz2013-sim-{sources.SIM_SEED}-{sources.SIM_VERSION}"
    root.mkdir()
    (root / MANIFEST_FILE).write_text(json.dumps({"fingerprint": sources.generator_fingerprint(), "files": {}}))
    sources.announced_simulated_root()
    assert capsys.readouterr().err == ""


def test_the_model_description_is_a_table_not_json():
    from brainscore_lcl.report.build import key_value_table

    page = key_value_table(
        {"layers": ["layer1", "layer2"], "region_layer_map": {"V1": "layer1"}, "origin": None, "size": 0.123456789}
    )
    assert "{" not in page and "[" not in page and "null" not in page
    assert '<td class="text">layer1, layer2</td>' in page and ">0.123457<" in page
    assert '<table class="description"><tr><th>V1</th><td class="text">layer1</td></tr></table>' in page


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless chromium is not installed")
def test_a_wide_table_fits_the_report_page(tmp_path):
    pytest.importorskip("playwright", reason="the playwright package (which drives chromium) is not installed")
    from brainscore_lcl.report.build import Section, render_page

    # Fig. 4's table has 20 columns
    columns = ["model"] + [f"score_paper_sign_aware_column_{index}" for index in range(21)]
    table = tmp_path / "wide.csv"
    with table.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerow(["alexnet-untrained"] + [0.123456789] * 21)
    section = Section("v2_predictivity", "V2", "wide")
    result = {"status": "done", "figures": [], "tables": [table], "notes": []}
    numbers = {"elapsed_s": 1, "versions": {}, "data_note": common.SIMULATED_DATA_NOTE, "controls": []}
    page = tmp_path / "index.html"
    page.write_text(render_page("m", {"source": "sim"}, [section], {"v2_predictivity": result}, [], numbers))
    text = page.read_text()
    assert common.SIMULATED_DATA_NOTE in text and ">Untrained</td>" in text
    spec = importlib.util.spec_from_file_location("screenshot_report", TOOLS / "screenshot_report.py")
    tool = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = tool
    spec.loader.exec_module(tool)
    record = tool.screenshot_report(tmp_path, tmp_path / "shots", browser=shutil.which("chromium"))
    assert not record["sideways_scroll"] and record["wide"] == [], record
