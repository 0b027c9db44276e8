"""`brainscore submit`: exported plugins load and pass Brain-Score's own tests where brainscore_lcl cannot be imported.

The acceptance test hard-links the installed brainscore_vision into a temporary folder, adds the exported plugins,
puts the weights at their ``cache_path`` under a temporary ``$BRAINSCORE_HOME`` and runs
``plugin_acceptance_runner.py`` in a subprocess with ``brainscore_lcl`` blocked and ``BS_INSTALL_DEPENDENCIES=no``.
"""
from __future__ import annotations

import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from brainscore_lcl.cli import main as brainscore
from brainscore_lcl.export.checks import SubmissionCheckError, check_submission
from brainscore_lcl.export.models import describe_for_export, file_digests
from brainscore_lcl.export.submission import submit_model, write_plugin
from brainscore_lcl.models.lcl_v2net.model import save_network_checkpoint
from brainscore_lcl.testing import isolated_brainscore_vision, random_lcl_v2net, run_in_isolated_brainscore

RUNNER = Path(__file__).with_name("plugin_acceptance_runner.py")
SHIPPED = Path(__file__).resolve().parents[1] / "brainscore_lcl" / "weights" / "lcl-v2.pt"
#: every exported model goes through the loader, Brain-Score's generic plugin tests, its test.py and the activation
#: comparison; lcl-v2 is also scored on FreemanZiemba2013sim.V2-pls
EXPORTS = ("lcl-v2", "lcl-v1", "lcl-v2net", "v1-steerpyr", "v1-steerpyr-pool")
#: a user's own network file (it must not import brainscore_lcl), exported with ``brainscore submit --model-file``
OWN_NETWORK = """import torch
from torch import nn


def build():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 5, stride=2), nn.ReLU(), nn.Conv2d(8, 16, 3, stride=2), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(64, 10))
"""
OWN_IMAGE_SIZE = 32
#: id -> extra options: its default candidates (the 10-unit readout left out; Brain-Score selects each region's layer,
#: which needs its public data, so the offline acceptance leaves out the generic test that looks at V1), and one layer
OWN_EXPORTS = {"brainscore-lcl-test-net": (), "brainscore-lcl-test-net-one-layer": ("--layers", "2")}
OFFLINE_GENERIC_TESTS = "not test_look_at_neural_V1"


def stand_in_lcl_v2net(path: Path) -> Path:
    """A random LCL-V2Net written by the suite's own checkpoint writer (lcl-v2net ships no weights)."""
    save_network_checkpoint(path, random_lcl_v2net(seed=0), config={}, data="acceptance-test stand-in", epoch=0)
    return path


def write_generic_test_images(folder: Path) -> None:
    """Stand-ins for the three images Brain-Score's generic plugin tests read: the brainscore_vision 2.4.2 wheel
    does not ship ``model_helpers/generic_plugin_tests_resources/`` (its GitHub repository, used by its CI, does)."""
    if folder.is_dir():
        return
    folder.mkdir()
    rng = np.random.default_rng(1)
    for name in ("rgb1.jpg", "rgb2.jpg", "rgb3.png"):
        Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(folder / name)


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("submissions")
    checkpoints = {"lcl-v2net": stand_in_lcl_v2net(root / "lcl-v2net-stand-in.pt")}
    (root / "own_network.py").write_text(OWN_NETWORK)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RESULTCACHING_DISABLE", "1")
        assert brainscore(["submit", "--model", "lcl-v2", "--out", str(root / "lcl-v2")]) == 0
        for model_id in EXPORTS:
            if model_id != "lcl-v2":
                submit_model(describe_for_export(model_id, checkpoints.get(model_id)), root / model_id)
        for identifier, options in OWN_EXPORTS.items():
            assert brainscore(["submit", "--model-file", f"{root / 'own_network.py'}:build", *options, "--image-size",
                               str(OWN_IMAGE_SIZE), "--identifier", identifier, "--out", str(root / identifier)]) == 0
    return {model_id: root / model_id for model_id in EXPORTS + tuple(OWN_EXPORTS)}


@pytest.fixture(scope="module")
def stimuli(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("stimuli")
    rng = np.random.default_rng(0)
    paths = []
    for index in range(3):
        paths.append(str(folder / f"stimulus{index}.png"))
        Image.fromarray(rng.integers(0, 256, (96, 96, 3), dtype=np.uint8)).save(paths[-1])
    return paths


def acceptance_stimulus_set(paths: list[str]):
    """``stimuli`` as the StimulusSet the acceptance runner builds (ids stimulus0, stimulus1, ...)."""
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    stimulus_set = StimulusSet([{"stimulus_id": f"stimulus{index}"} for index in range(len(paths))])
    stimulus_set.stimulus_paths = {f"stimulus{index}": path for index, path in enumerate(paths)}
    stimulus_set.identifier = "brainscore-lcl-acceptance"
    return stimulus_set


@pytest.fixture(scope="module")
def isolated_brainscore(submissions, tmp_path_factory) -> dict[str, Path]:
    """site/ (brainscore_vision copy with the plugins) and home/ ($BRAINSCORE_HOME with the weights)."""
    isolated = isolated_brainscore_vision(submissions.values(), tmp_path_factory.mktemp("isolated"))
    write_generic_test_images(isolated["package"] / "model_helpers" / "generic_plugin_tests_resources")
    return isolated


@pytest.fixture(scope="module")
def acceptance(submissions, isolated_brainscore, stimuli):
    root = isolated_brainscore["root"]
    job = {"stimuli": stimuli, "activations": str(root / "activations.npz"), "models": []}
    for model_id in EXPORTS + tuple(OWN_EXPORTS):
        manifest = json.loads((submissions[model_id] / "manifest.json").read_text())
        commitments = manifest["commitments"]
        job["models"].append({"identifier": manifest["identifier"], "plugin_dir": manifest["plugin_dir"],
                              "regions": sorted(commitments["region_layer_map"])})
        if model_id in OWN_EXPORTS:
            job["models"][-1].update(layers=commitments["layers"], generic_tests_k=None if commitments[
                "region_layer_map"] else OFFLINE_GENERIC_TESTS)
    report, stdout = run_in_isolated_brainscore(RUNNER, job, isolated_brainscore, 900, OMP_NUM_THREADS="1")
    return report, dict(np.load(job["activations"])), stdout


def test_submit_writes_folder_zip_weights_manifest_and_steps(submissions):
    out = submissions["lcl-v2"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["identifier"] == "lcl-v2" and manifest["plugin_dir"] == "lcl_v2"
    with zipfile.ZipFile(out / manifest["zip"]) as archive:
        assert sorted(archive.namelist()) == ["lcl_v2/__init__.py", "lcl_v2/model.py", "lcl_v2/requirements.txt",
                                              "lcl_v2/test.py"]
    [weights] = manifest["weights"]
    assert file_digests(out / weights["file"]) == {"sha1": weights["sha1"], "sha256": weights["sha256"]}
    assert weights["sha256"] == file_digests(SHIPPED)["sha256"]
    assert weights["cache_path"] == f"{weights['folder_name']}/{weights['relative_path']}"
    steps = (out / "SUBMIT.md").read_text()
    assert weights["sha256"] in steps and weights["cache_path"] in steps and "submission.zip" in steps
    init = (out / "plugin" / "models" / "lcl_v2" / "__init__.py").read_text()
    assert init.splitlines()[0] == "from brainscore_vision import model_registry"
    assert brainscore(["submit", "--check", str(out)]) == 0


def test_pyramid_plugins_require_plenoptic_only(submissions):
    requirements = (submissions["v1-steerpyr"] / "plugin" / "models" / "v1_steerpyr" / "requirements.txt").read_text()
    assert requirements.strip().startswith("plenoptic==")
    assert json.loads((submissions["v1-steerpyr"] / "manifest.json").read_text())["weights"] == []


def test_exported_plugins_load_in_brainscore_vision_alone(acceptance, submissions, isolated_brainscore):
    report, _, _ = acceptance
    assert report["brainscore_lcl_importable"] is False
    assert report["brainscore_vision"].startswith(str(isolated_brainscore["site"]))
    for model_id in EXPORTS + tuple(OWN_EXPORTS):
        commitments = json.loads((submissions[model_id] / "manifest.json").read_text())["commitments"]
        loaded = report["models"][model_id]
        assert loaded["identifier"] == model_id
        assert loaded["region_layer_map"] == commitments["region_layer_map"]
        assert loaded["visual_degrees"] == 8


@pytest.mark.parametrize("model_id", EXPORTS + tuple(OWN_EXPORTS))
def test_brainscore_generic_plugin_tests_and_plugin_test_pass(acceptance, model_id):
    report, _, stdout = acceptance
    assert report["models"][model_id]["generic_tests"] == 0, stdout[-3000:]
    assert report["models"][model_id]["plugin_test"] == 0, stdout[-3000:]


def test_activations_equal_the_suite_models(acceptance, submissions, stimuli, monkeypatch):
    from brainscore_lcl.registry import model_registry

    monkeypatch.setenv("RESULTCACHING_DISABLE", "1")
    _, activations, _ = acceptance
    stimulus_set = acceptance_stimulus_set(stimuli)
    for model_id in EXPORTS:
        manifest = json.loads((submissions[model_id] / "manifest.json").read_text())
        model = model_registry[model_id](checkpoint=manifest["source"]["checkpoint"])
        for region in manifest["commitments"]["region_layer_map"]:
            model.start_recording(region, [(70, 170)])
            ours = model.look_at(stimulus_set)
            ours = ours.squeeze("time_bin") if "time_bin" in ours.dims else ours
            ours = ours.sortby("stimulus_id").transpose("presentation", "neuroid").values
            np.testing.assert_allclose(activations[f"{model_id}/{region}"], ours, rtol=0, atol=1e-5,
                                       err_msg=f"{model_id} {region}")


def test_own_network_activations_equal_the_suite_model(acceptance, submissions, stimuli, monkeypatch):
    """Every recorded layer (and, with one layer, every region committed to it) of the exported network equals the
    suite's own model of the same file."""
    from brainscore_lcl.models.from_file import register_model_file
    from brainscore_lcl.registry import model_registry

    monkeypatch.setenv("RESULTCACHING_DISABLE", "1")
    _, activations, _ = acceptance
    stimulus_set = acceptance_stimulus_set(stimuli)
    for identifier, options in OWN_EXPORTS.items():
        manifest = json.loads((submissions[identifier] / "manifest.json").read_text())
        commitments = manifest["commitments"]
        layers = list(options[1:]) or None
        suite = model_registry[register_model_file(manifest["source"]["model_file"], layers=layers,
                                                   image_size=OWN_IMAGE_SIZE)]()
        assert commitments["layers"] == list(suite.layers) == (layers or ["0", "2"])
        assert set(commitments["region_layer_map"]) == (set() if len(suite.layers) > 1 else {"V1", "V2", "V4", "IT"})
        recorded = {**{layer: layer for layer in commitments["layers"]}, **commitments["region_layer_map"]}
        for key, layer in recorded.items():
            ours = suite.activations_model(stimulus_set, layers=[layer])
            ours = ours.sortby("stimulus_id").transpose("presentation", "neuroid").values
            np.testing.assert_allclose(activations[f"{identifier}/{key}"], ours, rtol=0, atol=1e-5,
                                       err_msg=f"{identifier} {key}")


def test_own_network_submission_carries_the_file_and_the_scored_weights(submissions):
    import torch

    out = submissions["brainscore-lcl-test-net"]
    manifest = json.loads((out / "manifest.json").read_text())
    folder = out / "plugin" / "models" / "brainscore_lcl_test_net"
    assert manifest["zip_members"] == [f"brainscore_lcl_test_net/{name}" for name in
                                       ("__init__.py", "model.py", "network.py", "requirements.txt", "test.py")]
    assert (folder / "network.py").read_text() == OWN_NETWORK
    assert "from . import network" in (folder / "model.py").read_text()
    [weights] = manifest["weights"]
    state = torch.load(out / weights["file"], weights_only=True)
    namespace = {}
    exec(OWN_NETWORK, namespace)
    expected = namespace["build"]().state_dict()
    assert list(state) == list(expected) and all(torch.equal(state[name], expected[name]) for name in expected)
    assert "Brain-Score's own layer selection" in (out / "SUBMIT.md").read_text()
    assert manifest["source"]["model_file"].endswith("own_network.py:build")
    one_layer = json.loads((submissions["brainscore-lcl-test-net-one-layer"] / "manifest.json").read_text())
    assert one_layer["commitments"]["region_layer_map"] == {"V1": "2", "V2": "2", "V4": "2", "IT": "2"}


@pytest.mark.parametrize("text, code, message", [
    ("from brainscore_vision.model_interface import BrainModel\n\ndef build():\n    return BrainModel()\n", 2,
     r"build\(\) returns a ready BrainModel, whose code brainscore submit cannot copy into a plugin"),
    ("import brainscore_lcl.testing\nfrom torch import nn\n\ndef build():\n    return nn.Conv2d(3, 30, 3)\n", 1,
     r"net.py imports brainscore_lcl.testing, which Brain-Score does not have; remove that import"),
    ("import torch\nfrom torch import nn\n\nclass Shifted(nn.Module):\n    def __init__(self):\n"
     "        super().__init__()\n        self.conv, self.shift = nn.Conv2d(3, 30, 3), torch.randn(1)\n\n"
     "    def forward(self, images):\n        return self.conv(images) + self.shift\n\n"
     "def build():\n    return Shifted()\n", 1,
     r"rebuilt with the saved state_dict computes other outputs .* registered buffers"),
])
def test_own_networks_that_cannot_be_exported_say_why(tmp_path, capsys, text, code, message):
    (tmp_path / "net.py").write_text(text)
    assert brainscore(["submit", "--model-file", str(tmp_path / "net.py"), "--image-size", "16",
                       "--out", str(tmp_path / "out")]) == code
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "Traceback" not in error and re.search(message, error), error


def test_own_network_requirements_are_what_brainscore_vision_does_not_bring(tmp_path):
    from brainscore_lcl.export.models import ExportError
    from brainscore_lcl.export.own_model import file_requirements

    (tmp_path / "net.py").write_text("import os\nimport numpy as np\nimport plenoptic.simulate\nfrom torch import nn\n")
    assert file_requirements(tmp_path / "net.py") == ["plenoptic"]
    (tmp_path / "local.py").write_text("def build():\n    from my_helpers import network\n    return network()\n")
    with pytest.raises(ExportError, match=r"local.py imports 'my_helpers', which no installed distribution provides"):
        file_requirements(tmp_path / "local.py")


def test_submit_takes_one_of_model_model_file_and_benchmark(tmp_path, capsys):
    assert brainscore(["submit", "--model", "lcl-v2", "--model-file", "net.py", "--out", str(tmp_path)]) == 2
    assert "give one of --model ID, --model-file" in capsys.readouterr().err
    assert brainscore(["submit", "--model", "lcl-v2", "--layers", "layer1", "--out", str(tmp_path)]) == 2
    assert "--layers applies to --model-file only" in capsys.readouterr().err


def test_sim_v2_pls_score_equals_the_suite_models(submissions, isolated_brainscore, monkeypatch):
    import importlib.util

    import brainscore_lcl.benchmarks.freemanziemba2013  # noqa: F401  (registers the sim benchmarks)
    from brainscore_lcl.registry import benchmark_registry, model_registry

    out = submissions["lcl-v2"]
    plugin = out / "plugin" / "models" / "lcl_v2" / "model.py"
    spec = importlib.util.spec_from_file_location("exported_lcl_v2_model", plugin)
    exported = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, exported)   # dataclasses look their module up there
    spec.loader.exec_module(exported)
    benchmark = benchmark_registry["FreemanZiemba2013sim.V2-pls"]()
    suite_score = float(benchmark(model_registry["lcl-v2"](checkpoint=SHIPPED)).values)
    monkeypatch.setenv("BRAINSCORE_HOME", str(isolated_brainscore["home"]))
    monkeypatch.setenv("RESULTCACHING_DISABLE", "1")   # the plugin's identifier "lcl-v2" must not enter the cache
    exported_score = float(benchmark(exported.get_model("lcl-v2")).values)
    assert exported_score == pytest.approx(suite_score, abs=1e-6)


# ----------------------------------------------------------------------------------------------------------------------
# Pre-flight rules: each failure names the rule and the file
# ----------------------------------------------------------------------------------------------------------------------

def rewrite(submission: Path, tmp_path: Path, edit) -> Path:
    """Copy of ``submission`` whose plugin files were changed by ``edit(files)`` (zip rewritten to match)."""
    out = tmp_path / "edited"
    shutil.copytree(submission, out)
    manifest = json.loads((out / "manifest.json").read_text())
    folder = out / "plugin" / "models" / manifest["plugin_dir"]
    files = {path.name: path.read_text() for path in folder.iterdir() if path.is_file()}
    edit(files)
    shutil.rmtree(folder)
    (out / "submission.zip").unlink()
    write_plugin(out, "models", manifest["plugin_dir"], files)
    return out


@pytest.mark.parametrize("edit, message", [
    (lambda files: files.update({"model.py": "import brainscore_lcl.models\n" + files["model.py"]}),
     r"rule 'no brainscore_lcl import': .*model.py imports brainscore_lcl.models"),
    (lambda files: files.update({"helpers.py": "x = __import__('brainscore_lcl')\n"}),
     r"rule 'no brainscore_lcl import': .*helpers.py"),
    (lambda files: files.update({"__init__.py": files["__init__.py"].replace("'lcl-v2'", "'alexnet'")}),
     r"rule 'the id is new to brainscore_vision': 'alexnet' of .*__init__.py"),
    (lambda files: files.update({"__init__.py": files["__init__.py"] + files["__init__.py"].splitlines()[-1] + "\n"}),
     r"rule 'one registration per id': .*__init__.py registers 'lcl-v2' 2 times"),
    (lambda files: files.update({"__init__.py": files["__init__.py"] + "model_registry['x'] = lambda: [1][0]\n"}),
     r"rule 'Brain-Score's greedy id parser reads the id back': .*__init__.py line 4"),
    (lambda files: files.update({"__init__.py": "import os\n" + files["__init__.py"]}),
     r"rule 'only imports from brainscore_vision and literal registrations': .*__init__.py line 1"),
    (lambda files: files.update({"weights.pth": "not really weights"}),
     r"rule 'no weight files in the zip'.*submission.zip holds lcl_v2/weights.pth"),
    (lambda files: files.update({"metadata.yml": "models: {}\n"}),
     r"rule 'no metadata.yml in the zip': .*submission.zip holds lcl_v2/metadata.yml"),
])
def test_check_rejects_with_one_sentence(submissions, tmp_path, edit, message):
    with pytest.raises(SubmissionCheckError, match=message):
        check_submission(rewrite(submissions["lcl-v2"], tmp_path, edit))


def test_check_rejects_dotdot_path_and_illegal_folder(submissions, tmp_path, capsys):
    out = tmp_path / "dotdot"
    shutil.copytree(submissions["lcl-v2"], out)
    with zipfile.ZipFile(out / "submission.zip", "a") as archive:
        archive.writestr("lcl_v2/../evil.py", "")
    assert brainscore(["submit", "--check", str(out)]) == 1
    error = capsys.readouterr().err
    assert "rule 'no absolute or .. paths in the zip'" in error and "Traceback" not in error

    illegal = tmp_path / "illegal"
    shutil.copytree(submissions["lcl-v2"], illegal)
    manifest = json.loads((illegal / "manifest.json").read_text())
    (illegal / "plugin" / "models" / "lcl_v2").rename(illegal / "plugin" / "models" / "_lcl_v2")
    (illegal / "manifest.json").write_text(json.dumps({**manifest, "plugin_dir": "_lcl_v2"}))
    with pytest.raises(SubmissionCheckError, match=r"rule 'legal plugin folder name'.*_lcl_v2"):
        check_submission(illegal)


def test_models_that_cannot_be_exported_say_why(tmp_path, capsys):
    assert brainscore(["submit", "--model", "alexnet-untrained", "--out", str(tmp_path / "a")]) == 1
    assert "alexnet_random" in capsys.readouterr().err
    assert brainscore(["submit", "--model", "lcl-v2net", "--out", str(tmp_path / "b")]) == 1
    assert "--checkpoint PATH" in capsys.readouterr().err


def test_identifier_names_the_registration_and_the_plugin_folder(tmp_path):
    manifest = submit_model(describe_for_export("lcl-v1", identifier="LCL-V1 sample.2024"), tmp_path / "out")
    assert manifest["identifier"] == "LCL-V1 sample.2024" and manifest["plugin_dir"] == "lcl_v1_sample_2024"
    init = (tmp_path / "out" / "plugin" / "models" / "lcl_v1_sample_2024" / "__init__.py").read_text()
    assert "model_registry['LCL-V1 sample.2024']" in init
    assert manifest["weights"][0]["relative_path"].startswith("lcl_v1_sample_2024/lcl_v1_sample_2024-")


def test_submit_refuses_a_folder_that_is_not_a_submission(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("keep me")
    assert brainscore(["submit", "--model", "v1-steerpyr", "--out", str(tmp_path)]) == 1
    assert "holds no manifest.json" in capsys.readouterr().err and (tmp_path / "notes.txt").is_file()
