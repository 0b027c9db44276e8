"""Your own network, three ways in: `brainscore score --model-file`, the Python API, and the one-page report.

The networks are defined in this file; `--model-file tests/test_own_model.py:build` imports it as a model file.
Scores use the simulated data (offline) and this suite's caches (shared, so repeated runs are quick). The report tests
run every analysis (minutes on 2 cores) and are marked slow (`make test-all`).
"""

from __future__ import annotations

import functools
import json
import math
import shutil
import subprocess
import sys
from dataclasses import asdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
import torch
from torch import nn

THIS_FILE = Path(__file__).resolve()
BENCHMARK = "FreemanZiemba2013sim.V2-pls"
IMAGE_SIZE = 64


def build() -> nn.Module:
    """A two-convolution network with a 10-class readout (too narrow for PLS, so not a default candidate)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return nn.Sequential(
            nn.Conv2d(3, 8, 7, stride=4, padding=3),
            nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
            nn.Linear(256, 10),
        )


def ready_brain_model():
    """A Brain-Score ``BrainModel`` built with Brain-Score's own helpers, as a user of Brain-Score would."""
    from brainscore_vision.model_helpers.activations.pytorch import PytorchWrapper, load_preprocess_images
    from brainscore_vision.model_helpers.brain_transformation import ModelCommitment

    wrapper = PytorchWrapper(
        identifier="ready-made",
        model=build(),
        preprocessing=functools.partial(load_preprocess_images, image_size=IMAGE_SIZE),
    )
    return ModelCommitment("ready-made", wrapper, layers=["0", "2"], region_layer_map={"V1": "0", "V2": "2"})


def returns_a_number() -> float:
    return 3.0


def nan_net() -> nn.Module:
    """A network whose convolution outputs NaN (its weights are NaN, as after a diverged training run)."""
    network = nn.Sequential()
    network.add_module("conv", nn.Conv2d(3, 4, 3))
    with torch.no_grad():
        network.conv.weight.fill_(float("nan"))
    return network


def assert_same(first, second, path: str = "record") -> None:
    """Recursive equality of JSON-like values; floats equal to 1e-12 (NaN equals NaN)."""
    if isinstance(first, float) or isinstance(second, float):
        assert (math.isnan(first) and math.isnan(second)) or first == pytest.approx(second, rel=1e-12, abs=1e-12), path
    elif isinstance(first, dict):
        assert set(first) == set(second), path
        for key in first:
            assert_same(first[key], second[key], f"{path}.{key}")
    elif isinstance(first, list):
        assert len(first) == len(second), path
        for index, (a, b) in enumerate(zip(first, second)):
            assert_same(a, b, f"{path}[{index}]")
    else:
        assert first == second, path


def test_model_file_and_python_api_give_the_same_record(tmp_path):
    import brainscore_lcl as bl
    from brainscore_lcl import versioned
    from brainscore_lcl.scoring import ScoreRecord, load_model

    spec = f"{THIS_FILE}:build"
    written = tmp_path / "record.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "brainscore_lcl.cli",
            "score",
            "--model-file",
            spec,
            "--image-size",
            str(IMAGE_SIZE),
            "--benchmark",
            BENCHMARK,
            "--json",
            str(written),
            "--full-json",
            "--no-controls",  # the CLI's controls line is beside the record; bl.score returns the record alone
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    from_file = json.loads(written.read_text())
    record = bl.score(build(), BENCHMARK, name=spec, image_size=IMAGE_SIZE)
    assert_same(json.loads(json.dumps(versioned(asdict(record)))), from_file)
    fields = {name: value for name, value in from_file.items() if name != "suite_version"}
    assert record.summary() == ScoreRecord(**fields).summary()
    selection = record.details["layer_selection"]
    assert set(selection["public_scores"]) == {"0", "2"}  # both convolutions; the 10-unit readout is left out
    assert record.layer == selection["layer"] == max(selection["public_scores"], key=selection["public_scores"].get)
    assert len(record.details["per_neuron_ceiling"]) == record.n_neuroids == 103
    assert load_model(spec).identifier.startswith(f"{spec}@")  # activations cached under the weights hash


def test_weights_change_the_activations_identifier():
    from brainscore_lcl.model_helpers.from_file import commit_module

    network = build()
    first = commit_module("own", network, image_size=IMAGE_SIZE).identifier
    with torch.no_grad():
        network[0].weight.add_(1.0)
    assert commit_module("own", network, image_size=IMAGE_SIZE).identifier != first
    assert commit_module("own", build(), image_size=IMAGE_SIZE).identifier == first
    assert commit_module("own", build(), image_size=IMAGE_SIZE + 1).identifier != first


def test_a_ready_brain_model_is_used_as_it_is():
    from brainscore_lcl.model_helpers.from_file import as_model_id
    from brainscore_lcl.scoring import load_model

    model = load_model(f"{THIS_FILE}:ready_brain_model")
    assert model.identifier == "ready-made" and dict(model.layer_model.region_layer_map) == {"V1": "0", "V2": "2"}
    assert as_model_id(model) == "ready-made"


def run_cli(capsys, *arguments: str) -> tuple[int, str]:
    from brainscore_lcl.cli import main

    code = main(list(arguments))
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "spec, options, code, named",
    [
        (f"{THIS_FILE}:no_such_function", [], 2, "no_such_function"),
        (f"{THIS_FILE}:returns_a_number", [], 2, "returns_a_number"),
        (f"{THIS_FILE}:build", ["--layers", "conv9"], 2, "conv9"),
        (f"{THIS_FILE}:build", ["--layers", "6"], 2, "'6'"),
        (f"{THIS_FILE.parent / 'no_such_file.py'}:build", [], 2, "no_such_file.py"),
        (f"{THIS_FILE}:ready_brain_model", ["--layers", "0"], 2, "ready_brain_model"),
        (f"{THIS_FILE}:nan_net", [], 1, "layer conv"),
    ],
)
def test_bad_model_files_are_one_sentence(capsys, spec, options, code, named):
    returned, stderr = run_cli(
        capsys, "score", "--model-file", spec, *options, "--image-size", str(IMAGE_SIZE), "--benchmark", BENCHMARK
    )
    lines = [line for line in stderr.splitlines() if line.startswith("brainscore:")]
    assert returned == code
    assert len(lines) == 1 and named in lines[0], stderr[-2000:]
    assert "Traceback" not in stderr


def test_layers_without_model_file_is_refused(capsys):
    returned, stderr = run_cli(capsys, "score", "--model", "lcl-v2", "--layers", "layer1", "--benchmark", BENCHMARK)
    assert returned == 2 and "--layers applies to --model-file only" in stderr


def test_analyses_are_modules_with_compute_draw_and_main():
    from brainscore_lcl import analyses

    assert {"v1_predictivity", "v2_predictivity", "texture_modulation", "receptive_fields", "per_neuron"} <= set(
        analyses.FIGURES
    )
    for figure in analyses.FIGURES:
        module = getattr(analyses, figure)
        assert callable(module.compute) and callable(module.draw) and callable(module.main)
    with pytest.raises(AttributeError, match="figures"):
        _ = analyses.no_such_figure


class PageStructure(HTMLParser):
    """Section ids with their h2 titles, inline PNGs, tables and the embedded JSON of a report page."""

    def __init__(self):
        super().__init__()
        self.sections, self.images, self.tables, self.json_text = [], [], 0, ""
        self._in_json = False

    def handle_starttag(self, tag, attributes):
        attributes = dict(attributes)
        if tag == "section":
            self.sections.append(attributes["id"])
        elif tag == "img":
            self.images.append((self.sections[-1], attributes["src"]))
        elif tag == "table":
            self.tables += 1
        elif tag == "script" and attributes.get("type") == "application/json":
            self._in_json = True

    def handle_endtag(self, tag):
        self._in_json = self._in_json and tag != "script"

    def handle_data(self, data):
        if self._in_json:
            self.json_text += data


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from brainscore_lcl.report.build import build_report

    out = tmp_path_factory.mktemp("report")
    return build_report(f"{THIS_FILE}:build", out, references=["v1-steerpyr-pool"])


@pytest.mark.slow
def test_report_on_sim_has_every_section(report):
    from brainscore_lcl.report.build import SECTIONS

    page = PageStructure()
    page.feed(report.read_text())
    assert page.sections == ["model"] + [section.figure for section in SECTIONS] + ["controls", "skipped", "numbers"]
    numbers = json.loads(page.json_text)
    assert numbers == json.loads((report.parent / "report.json").read_text())
    behaviour = numbers["sections"].pop("behaviour")
    assert behaviour == {
        "status": "skipped",
        "reason": "the model has no ImageNet readout (its output has shape (10,), not 1000 class scores)",
    }
    assert {"section": "behaviour", "reason": behaviour["reason"]} in numbers["skipped"]
    for section, result in numbers["sections"].items():
        assert result["status"] == "done", (section, result)
        assert any(owner == section and source.startswith("data:image/png;base64,") for owner, source in page.images), (
            section
        )
    assert page.tables >= 10
    model = numbers["model"]
    assert model["model"] == f"{THIS_FILE}:build" and model["origin"]["function"] == "build"
    assert model["V2_layer"] in model["origin"]["candidate_layers"]
    assert model["V2_layer_selection"]["layer"] == model["V2_layer"]
    v2_rows = numbers["sections"]["v2_predictivity"]["numbers"]["rows"]
    assert [row["model"] for row in v2_rows] == [f"{THIS_FILE}:build", "v1-steerpyr-pool"]
    assert numbers["controls"] == []  # no control among this report's references


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless chromium is not installed")
def test_report_renders_in_a_headless_browser(report):
    screenshot = report.parent / "screenshot.png"
    result = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,2400",
            f"--screenshot={screenshot}",
            report.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert screenshot.is_file() and screenshot.stat().st_size > 10_000, result.stderr[-2000:]
    assert "Uncaught" not in result.stderr, result.stderr[-2000:]
