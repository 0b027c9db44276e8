"""`brainscore submit`: the upload zips pass brain-score.org's rules, and the plugins extracted from them load and pass
Brain-Score's own tests where brainscore_lcl cannot be imported.

The acceptance test hard-links the installed brainscore_vision into a temporary folder, extracts each exported
``submission.zip`` into it as Brain-Score installs an upload, puts the weights at their key under a temporary
``$BRAINSCORE_HOME`` and runs ``plugin_acceptance_runner.py`` in a subprocess with ``brainscore_lcl`` blocked and
``BS_INSTALL_DEPENDENCIES=no``: the server's two pytest runs (generic plugin tests, the plugin's ``test.py``), every
region (V1, V2, V4, IT) recorded and every behavioural task started, and the activations compared with the suite's.
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
from brainscore_lcl.export.submission import submit_model
from brainscore_lcl.export.upload import check_upload_zip, write_upload_zip
from brainscore_lcl.models.lcl_v2net.model import save_network_checkpoint
from brainscore_lcl.testing import isolated_brainscore_vision, random_lcl_v2net, run_in_isolated_brainscore

RUNNER = Path(__file__).with_name("plugin_acceptance_runner.py")
SHIPPED = Path(__file__).resolve().parents[1] / "brainscore_lcl" / "weights" / "lcl-v2.pt"
#: every exported model goes through the loader, Brain-Score's generic plugin tests, its test.py, the region and task
#: calls and the activation comparison; lcl-v2 is also scored on FreemanZiemba2013sim.V2-pls
EXPORTS = ("lcl-v2", "lcl-v1", "lcl-v2net", "v1-steerpyr", "v1-steerpyr-pool")
#: the Brain-Score id each export registers (hyphen-free)
EXPORTED_IDS = {
    "lcl-v2": "lcl_v2",
    "lcl-v1": "lcl_v1",
    "lcl-v2net": "lcl_v2net",
    "v1-steerpyr": "v1_steerpyr",
    "v1-steerpyr-pool": "v1_steerpyr_pool",
}
#: lcl-v1 is exported with its weights at a key of the website's Large File Upload, as a user would after uploading
UPLOAD_KEY = "brainscore-vision/models/user_1234/lcl_v1_weights.pt"
UPLOAD_VERSION = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
REGIONS = ["IT", "V1", "V2", "V4"]
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
OWN_EXPORTS = {"brainscore_lcl_test_net": (), "brainscore_lcl_test_net_one_layer": ("--layers", "2")}
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
        assert (
            brainscore(
                [
                    "submit",
                    "--model",
                    "lcl-v1",
                    "--weights-key",
                    UPLOAD_KEY,
                    "--weights-version",
                    UPLOAD_VERSION,
                    "--out",
                    str(root / "lcl-v1"),
                ]
            )
            == 0
        )
        for model_id in EXPORTS:
            if model_id not in ("lcl-v2", "lcl-v1"):
                submit_model(describe_for_export(model_id, checkpoints.get(model_id)), root / model_id)
        for identifier, options in OWN_EXPORTS.items():
            assert (
                brainscore(
                    [
                        "submit",
                        "--model-file",
                        f"{root / 'own_network.py'}:build",
                        *options,
                        "--image-size",
                        str(OWN_IMAGE_SIZE),
                        "--identifier",
                        identifier,
                        "--out",
                        str(root / identifier),
                    ]
                )
                == 0
            )
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
        job["models"].append(
            {
                "identifier": manifest["identifier"],
                "plugin_dir": manifest["plugin_dir"],
                "regions": sorted(commitments["region_layer_map"]),
                "tasks": commitments["tasks"],
            }
        )
        if model_id in OWN_EXPORTS:
            job["models"][-1].update(
                layers=commitments["layers"],
                generic_tests_k=None if commitments["region_layer_map"] else OFFLINE_GENERIC_TESTS,
            )
    report, stdout = run_in_isolated_brainscore(RUNNER, job, isolated_brainscore, 900, OMP_NUM_THREADS="1")
    return report, dict(np.load(job["activations"])), stdout


def exported_id(model_id: str) -> str:
    return EXPORTED_IDS.get(model_id, model_id)


def test_submit_writes_the_upload_layout_weights_manifest_and_steps(submissions):
    out = submissions["lcl-v2"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["identifier"], manifest["suite_id"], manifest["plugin_dir"]) == ("lcl_v2", "lcl-v2", "lcl_v2")
    with zipfile.ZipFile(out / manifest["zip"]) as archive:
        infos = archive.infolist()
    assert (
        [info.filename for info in infos]
        == [
            "submission/",
            "submission/models/",
            "submission/models/lcl_v2/",
            "submission/models/lcl_v2/__init__.py",
            "submission/models/lcl_v2/model.py",
            "submission/models/lcl_v2/requirements.txt",
            "submission/models/lcl_v2/test.py",
        ]
        == manifest["zip_members"]
    )
    assert {oct(info.external_attr >> 16) for info in infos if info.is_dir()} == {"0o40755"}
    assert {oct(info.external_attr >> 16) for info in infos if not info.is_dir()} == {"0o100644"}
    with zipfile.ZipFile(out / manifest["zip"]) as archive:
        for info in infos[3:]:
            assert (out / info.filename).read_bytes() == archive.read(info)
    [weights] = manifest["weights"]
    assert file_digests(out / weights["file"]) == {"sha1": weights["sha1"], "sha256": weights["sha256"]}
    assert weights["sha256"] == file_digests(SHIPPED)["sha256"]
    assert weights["key"] == f"brainscore-vision/models/lcl_v2/{Path(weights['file']).name}" == weights["cache_path"]
    assert (weights["route"], weights["version_id"]) == ("team", None)
    steps = (out / "SUBMIT.md").read_text()
    for value in (
        weights["sha256"],
        weights["key"],
        "submission.zip",
        "Large File Upload",
        "--weights-key",
        "brainscore-vision/models/user_<your user id>/",
        "pull request",
        "`lcl-v2`",
        "`lcl_v2`",
        "900 ImageNet images",
        "| V4 | `layer2` |",
        "| IT | `layer2` |",
    ):
        assert value in steps, value
    init = (out / "submission" / "models" / "lcl_v2" / "__init__.py").read_text()
    assert init.splitlines()[0] == "from brainscore_vision import model_registry"
    assert "model_registry['lcl_v2']" in init
    assert manifest["commitments"]["region_layer_map"] == {
        "V1": "layer1",
        "V2": "layer2",
        "V4": "layer2",
        "IT": "layer2",
    }
    assert manifest["commitments"]["tasks"] == ["probabilities"]
    assert manifest["warnings"] and "trained on ImageNet" in manifest["warnings"][0]
    assert brainscore(["submit", "--check", str(out)]) == 0
    assert brainscore(["submit", "--check", str(out / "submission.zip")]) == 0


def test_every_produced_zip_passes_the_upload_rules(submissions):
    for model_id, out in submissions.items():
        upload = check_upload_zip(out / "submission.zip")
        assert (upload.root, upload.plugin_type, upload.identifier) == ("submission", "models", exported_id(model_id))
        assert "-" not in upload.identifier


def test_weights_key_of_a_large_file_upload_is_where_the_plugin_loads_from(submissions):
    manifest = json.loads((submissions["lcl-v1"] / "manifest.json").read_text())
    [weights] = manifest["weights"]
    assert (weights["folder_name"], weights["relative_path"], weights["version_id"], weights["route"]) == (
        "brainscore-vision/models/user_1234",
        "lcl_v1_weights.pt",
        UPLOAD_VERSION,
        "website",
    )
    model = (submissions["lcl-v1"] / "submission" / "models" / "lcl_v1" / "model.py").read_text()
    assert (
        f"'folder_name': 'brainscore-vision/models/user_1234', 'relative_path': 'lcl_v1_weights.pt', "
        f"'version_id': '{UPLOAD_VERSION}'" in model
    )
    assert "done: Large File Upload" in (submissions["lcl-v1"] / "SUBMIT.md").read_text()


@pytest.mark.parametrize(
    "key, version, expected",
    [
        (
            "https://brainscore-storage.s3.us-east-2.amazonaws.com/brainscore-vision/models/user_7/net.pth?versionId=abc",
            None,
            ("brainscore-vision/models/user_7", "net.pth", "abc"),
        ),
        ("brainscore-vision/models/user_7/net.pt", "v2", ("brainscore-vision/models/user_7", "net.pt", "v2")),
    ],
)
def test_weights_key_or_its_url(key, version, expected):
    from brainscore_lcl.export.models import weights_location

    assert tuple(weights_location(key, version).values()) == expected


@pytest.mark.parametrize(
    "options, named",
    [
        (("--weights-key", "brainscore-vision/models/user_7/../x.pt"), "--weights-key"),
        (("--weights-key", "models/user_7/net.pt"), "brainscore-vision/models/user_<your user id>/<file>"),
        (("--weights-key", "brainscore-vision/models/user_7/net.txt"), "suffixes"),
        (("--weights-key", "https://example.org/brainscore-vision/models/user_7/net.pt"), "brainscore-storage"),
        (("--weights-key", "brainscore-vision/models/user_7/net.pt", "--weights-version", "a b"), "--weights-version"),
        (("--weights-version", "abc"), "--weights-version needs --weights-key"),
        (("--identifier", "lcl-v2-imagenet"), "e.g. 'lcl_v2_imagenet'"),
        (("--identifier", "my model"), "--identifier 'my model'"),
        (("--identifier", "../models/x"), "--identifier '../models/x'"),
        (("--identifier", "a..b"), "no '..'"),
        (("--identifier", "2net"), "starting with a letter"),
    ],
)
def test_bad_ids_and_keys_are_one_sentence_before_any_work(tmp_path, capsys, options, named):
    assert brainscore(["submit", "--model", "lcl-v1", *options, "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and named in error and "Traceback" not in error, error
    assert not (tmp_path / "out").exists()


def test_identifier_names_the_registration_and_the_plugin_folder(tmp_path):
    manifest = submit_model(describe_for_export("lcl-v1", identifier="LCL_V1.sample2024"), tmp_path / "out")
    assert manifest["identifier"] == "LCL_V1.sample2024" and manifest["plugin_dir"] == "lcl_v1_sample2024"
    init = (tmp_path / "out" / "submission" / "models" / "lcl_v1_sample2024" / "__init__.py").read_text()
    assert "model_registry['LCL_V1.sample2024']" in init
    assert manifest["weights"][0]["relative_path"].startswith("lcl_v1_sample2024/lcl_v1_sample2024_")


def test_benchmark_identifier_option_is_used(tmp_path):
    assert (
        brainscore(
            [
                "submit",
                "--benchmark",
                "FreemanZiemba2013.V2-texmod",
                "--identifier",
                "FreemanZiemba2013.V2_texmod_lab",
                "--out",
                str(tmp_path / "out"),
            ]
        )
        == 0
    )
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert (manifest["identifier"], manifest["plugin_dir"]) == (
        "FreemanZiemba2013.V2_texmod_lab",
        "freemanziemba2013_v2_texmod_lab",
    )


def test_pyramid_plugins_require_plenoptic_only(submissions):
    requirements = (
        submissions["v1-steerpyr"] / "submission" / "models" / "v1_steerpyr" / "requirements.txt"
    ).read_text()
    assert requirements.strip().startswith("plenoptic==")
    assert json.loads((submissions["v1-steerpyr"] / "manifest.json").read_text())["weights"] == []


def test_exported_plugins_load_in_brainscore_vision_alone(acceptance, submissions, isolated_brainscore):
    report, _, _ = acceptance
    assert report["brainscore_lcl_importable"] is False
    assert report["brainscore_vision"].startswith(str(isolated_brainscore["site"]))
    for model_id in EXPORTS + tuple(OWN_EXPORTS):
        commitments = json.loads((submissions[model_id] / "manifest.json").read_text())["commitments"]
        loaded = report["models"][exported_id(model_id)]
        assert loaded["identifier"] == exported_id(model_id)
        assert loaded["region_layer_map"] == commitments["region_layer_map"]
        assert loaded["visual_degrees"] == 8


@pytest.mark.parametrize("model_id", EXPORTS + tuple(OWN_EXPORTS))
def test_brainscore_generic_plugin_tests_and_plugin_test_pass(acceptance, model_id):
    report, _, stdout = acceptance
    assert report["models"][exported_id(model_id)]["generic_tests"] == 0, stdout[-3000:]
    assert report["models"][exported_id(model_id)]["plugin_test"] == 0, stdout[-3000:]


@pytest.mark.parametrize("model_id", EXPORTS)
def test_every_region_and_task_a_leaderboard_run_asks_for(acceptance, stimuli, model_id):
    """V1, V2, V4 and IT recorded with finite values of the committed layer's width; probabilities fitted and
    finite; label (ImageNet and two categories) where the network has an ImageNet readout."""
    report, activations, stdout = acceptance
    loaded = report["models"][exported_id(model_id)]
    assert sorted(loaded["regions"]) == REGIONS
    for region, recorded in loaded["regions"].items():
        same_layer = [
            other for other in REGIONS if loaded["region_layer_map"][other] == loaded["region_layer_map"][region]
        ]
        assert recorded["finite"] and recorded["shape"][0] == len(stimuli), (region, recorded)
        assert all(loaded["regions"][other]["shape"] == recorded["shape"] for other in same_layer)
    probabilities = loaded["tasks"]["probabilities"]["probabilities"]
    assert sorted(probabilities["dims"]) == ["choice", "presentation"] and probabilities["finite"]
    values = np.array(probabilities["values"]).reshape(probabilities["shape"])
    assert sorted(probabilities["shape"]) == [2, len(stimuli)]
    assert ((values >= 0) & (values <= 1)).all()
    np.testing.assert_allclose(values.sum(axis=probabilities["dims"].index("choice")), 1, atol=1e-6)
    if model_id == "lcl-v2net":
        labels = loaded["tasks"]["label"]
        assert labels["label-imagenet"]["shape"] == labels["label-choices"]["shape"] == [1, len(stimuli)]
        assert {str(value) for value in labels["label-choices"]["values"][0]} <= {"airplane", "bear"}
        assert all(str(value).startswith("n") for value in labels["label-imagenet"]["values"][0])
    else:
        assert "label" not in loaded["tasks"]


def test_activations_equal_the_suite_models(acceptance, submissions, stimuli, monkeypatch):
    """Each exported region's recording equals the suite model's recording of the region it commits to the same
    layer (V4 and IT of the two-stage encoders read the V2 stage)."""
    from brainscore_lcl.registry import model_registry

    monkeypatch.setenv("RESULTCACHING_DISABLE", "1")
    _, activations, _ = acceptance
    stimulus_set = acceptance_stimulus_set(stimuli)
    for model_id in EXPORTS:
        manifest = json.loads((submissions[model_id] / "manifest.json").read_text())
        model = model_registry[model_id].factory(checkpoint=manifest["source"]["checkpoint"])
        suite_map = dict(model.layer_model.region_layer_map)
        for region, layer in manifest["commitments"]["region_layer_map"].items():
            suite_region = next(name for name, suite_layer in suite_map.items() if suite_layer == layer)
            model.start_recording(suite_region, [(70, 170)])
            ours = model.look_at(stimulus_set)
            ours = ours.squeeze("time_bin") if "time_bin" in ours.dims else ours
            ours = ours.sortby("stimulus_id").transpose("presentation", "neuroid").values
            np.testing.assert_allclose(
                activations[f"{exported_id(model_id)}/{region}"],
                ours,
                rtol=0,
                atol=1e-5,
                err_msg=f"{model_id} {region}",
            )


def test_own_network_activations_equal_the_suite_model(acceptance, submissions, stimuli, monkeypatch):
    """Every recorded layer (and, with one layer, every region committed to it) of the exported network equals the
    suite's own model of the same file."""
    from brainscore_lcl.model_helpers.from_file import register_model_file
    from brainscore_lcl.registry import model_registry

    monkeypatch.setenv("RESULTCACHING_DISABLE", "1")
    _, activations, _ = acceptance
    stimulus_set = acceptance_stimulus_set(stimuli)
    for identifier, options in OWN_EXPORTS.items():
        manifest = json.loads((submissions[identifier] / "manifest.json").read_text())
        commitments = manifest["commitments"]
        layers = list(options[1:]) or None
        suite = model_registry[
            register_model_file(manifest["source"]["model_file"], layers=layers, image_size=OWN_IMAGE_SIZE)
        ].factory()
        assert commitments["layers"] == list(suite.layers) == (layers or ["0", "2"])
        assert set(commitments["region_layer_map"]) == (set() if len(suite.layers) > 1 else {"V1", "V2", "V4", "IT"})
        recorded = {**{layer: layer for layer in commitments["layers"]}, **commitments["region_layer_map"]}
        for key, layer in recorded.items():
            ours = suite.activations_model(stimulus_set, layers=[layer])
            ours = ours.sortby("stimulus_id").transpose("presentation", "neuroid").values
            np.testing.assert_allclose(
                activations[f"{identifier}/{key}"], ours, rtol=0, atol=1e-5, err_msg=f"{identifier} {key}"
            )


def test_own_network_submission_carries_the_file_and_the_scored_weights(submissions):
    import torch

    out = submissions["brainscore_lcl_test_net"]
    manifest = json.loads((out / "manifest.json").read_text())
    folder = out / "submission" / "models" / "brainscore_lcl_test_net"
    assert [name for name in manifest["zip_members"] if not name.endswith("/")] == [
        f"submission/models/brainscore_lcl_test_net/{name}"
        for name in ("__init__.py", "model.py", "network.py", "requirements.txt", "test.py")
    ]
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
    one_layer = json.loads((submissions["brainscore_lcl_test_net_one_layer"] / "manifest.json").read_text())
    assert one_layer["commitments"]["region_layer_map"] == {"V1": "2", "V2": "2", "V4": "2", "IT": "2"}


@pytest.mark.parametrize(
    "text, code, message",
    [
        (
            "from brainscore_vision.model_interface import BrainModel\n\ndef build():\n    return BrainModel()\n",
            2,
            r"build\(\) returns a ready BrainModel, whose code brainscore submit cannot copy into a plugin",
        ),
        (
            "import brainscore_lcl.testing\nfrom torch import nn\n\ndef build():\n    return nn.Conv2d(3, 30, 3)\n",
            1,
            r"net.py imports brainscore_lcl.testing, which Brain-Score does not have; remove that import",
        ),
        (
            "import torch\nfrom torch import nn\n\nclass Shifted(nn.Module):\n    def __init__(self):\n"
            "        super().__init__()\n        self.conv, self.shift = nn.Conv2d(3, 30, 3), torch.randn(1)\n\n"
            "    def forward(self, images):\n        return self.conv(images) + self.shift\n\n"
            "def build():\n    return Shifted()\n",
            1,
            r"rebuilt with the saved state_dict computes other outputs .* registered buffers",
        ),
    ],
)
def test_own_networks_that_cannot_be_exported_say_why(tmp_path, capsys, text, code, message):
    (tmp_path / "net.py").write_text(text)
    assert (
        brainscore(
            ["submit", "--model-file", str(tmp_path / "net.py"), "--image-size", "16", "--out", str(tmp_path / "out")]
        )
        == code
    )
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
    assert "needs one of --model ID, --model-file" in capsys.readouterr().err
    assert brainscore(["submit", "--model", "lcl-v2", "--layers", "layer1", "--out", str(tmp_path)]) == 2
    assert "--layers applies to --model-file only" in capsys.readouterr().err


def test_default_own_model_id_is_hyphen_free(tmp_path):
    from brainscore_lcl.export.own_model import default_identifier

    assert default_identifier(Path("my-net.py"), "build") == "my_net"
    assert default_identifier(Path("my-net.py"), "small") == "my_net_small"


def test_sim_v2_pls_score_equals_the_suite_models(submissions, isolated_brainscore, monkeypatch):
    import importlib.util

    import brainscore_lcl.benchmarks.freemanziemba2013  # noqa: F401  (registers the sim benchmarks)
    from brainscore_lcl.registry import benchmark_registry, model_registry

    out = submissions["lcl-v2"]
    plugin = out / "submission" / "models" / "lcl_v2" / "model.py"
    spec = importlib.util.spec_from_file_location("exported_lcl_v2_model", plugin)
    exported = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, exported)  # dataclasses look their module up there
    spec.loader.exec_module(exported)
    benchmark = benchmark_registry["FreemanZiemba2013sim.V2-pls"]()
    suite_score = float(benchmark(model_registry["lcl-v2"].factory(checkpoint=SHIPPED)).values)
    monkeypatch.setenv("BRAINSCORE_HOME", str(isolated_brainscore["home"]))
    monkeypatch.setenv("RESULTCACHING_DISABLE", "1")  # the plugin's identifier must not enter the suite's cache
    exported_score = float(benchmark(exported.get_model("lcl_v2")).values)
    assert exported_score == pytest.approx(suite_score, abs=1e-6)


def test_plugin_refuses_weights_of_another_sha256_in_one_sentence(submissions, tmp_path, monkeypatch):
    import importlib.util

    plugin = submissions["lcl-v1"] / "submission" / "models" / "lcl_v1" / "model.py"
    spec = importlib.util.spec_from_file_location("exported_lcl_v1_model", plugin)
    exported = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, exported)
    spec.loader.exec_module(exported)
    wrong = tmp_path / "home" / UPLOAD_KEY
    wrong.parent.mkdir(parents=True)
    wrong.write_bytes(b"not the exported weights")
    monkeypatch.setenv("BRAINSCORE_HOME", str(tmp_path / "home"))
    with pytest.raises(
        exported.WeightsFileError,
        match=rf"not the exported .*delete it .*s3://brainscore-storage/"
        rf"{UPLOAD_KEY}",
    ):
        exported.weights_file()


# ----------------------------------------------------------------------------------------------------------------------
# Pre-flight rules on the zip itself: each failure names the rule and the file
# ----------------------------------------------------------------------------------------------------------------------


def tampered(submission: Path, tmp_path: Path, edit=None, entries=None) -> Path:
    """Copy of ``submission`` whose zip was rewritten: its plugin files changed by ``edit(files)`` (the folder beside
    it left as it was), or its entries replaced by ``entries`` ([(ZipInfo or name, bytes)]) when given."""
    out = tmp_path / "tampered"
    shutil.copytree(submission, out)
    manifest = json.loads((out / "manifest.json").read_text())
    upload = check_upload_zip(out / "submission.zip")
    (out / "submission.zip").unlink()
    if entries is None:
        files = dict(upload.files)
        edit(files)
        write_upload_zip(out / "submission.zip", upload.root, upload.plugin_type, manifest["plugin_dir"], files)
    else:
        with zipfile.ZipFile(out / "submission.zip", "w") as archive:
            for info, data in entries:
                archive.writestr(info, data)
    return out


def _entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system, info.external_attr = 3, mode << 16
    return info


def _flat_entries(submission: Path) -> list:
    """The plugin's files as ``lcl_v2/<file>`` with no folder entries: the layout brain-score.org refused."""
    upload = check_upload_zip(submission / "submission.zip")
    return [(_entry(f"lcl_v2/{name}", 0o100644), data) for name, data in sorted(upload.files.items())]


def _entries_with(submission: Path, change) -> list:
    """The zip's entries with ``change(info)`` applied to each ZipInfo."""
    with zipfile.ZipFile(submission / "submission.zip") as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    for info, _ in entries:
        change(info)
    return entries


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda files: files.update({"model.py": b"import brainscore_lcl.models\n" + files["model.py"]}),
            r"rule 'no brainscore_lcl import': .*model.py imports brainscore_lcl.models",
        ),
        (
            lambda files: files.update({"helpers.py": b"x = __import__('brainscore_lcl')\n"}),
            r"rule 'no brainscore_lcl import': .*helpers.py",
        ),
        (
            lambda files: files.update({"__init__.py": b"import os\nos.system('echo hi')\n" + files["__init__.py"]}),
            r"rule 'only imports from brainscore_vision and literal registrations': .*__init__.py line 1",
        ),
        (
            lambda files: files.update({"__init__.py": files["__init__.py"].replace(b"'lcl_v2'", b"'alexnet'")}),
            r"rule 'the id is new to brainscore_vision': 'alexnet' of .*__init__.py",
        ),
        (
            lambda files: files.update({"__init__.py": files["__init__.py"].replace(b"'lcl_v2'", b"'lcl-v2'")}),
            r"rule 'no hyphen in any registered id': .*registers 'lcl-v2'; export with --identifier 'lcl_v2'",
        ),
        (
            lambda files: files.update(
                {"__init__.py": files["__init__.py"] + files["__init__.py"].splitlines()[-1] + b"\n"}
            ),
            r"rule 'one registration of one id': .*__init__.py registers \['lcl_v2', 'lcl_v2'\]",
        ),
        (
            lambda files: files.update(
                {"__init__.py": files["__init__.py"] + b"model_registry['x'] = lambda: [1][0]\n"}
            ),
            r"rule 'one registered id per submission': .*registers \['lcl_v2', 'x'\]",
        ),
        (lambda files: files.pop("test.py"), r"rule 'a plugin has __init__.py and test.py': .*lacks test.py"),
        (
            lambda files: files.update({"weights.pth": b"not really weights"}),
            r"rule 'no weight files in the zip'.*submission/models/lcl_v2/weights.pth",
        ),
        (lambda files: files.update({"metadata.yml": b"models: {}\n"}), r"rule 'no metadata.yml': .*metadata.yml"),
        (lambda files: files.update({"my notes.txt": b""}), r"rule 'no spaces in names'"),
        (
            lambda files: files.update({"model.py": files["model.py"] + b"\n# edited after the check\n"}),
            r"rule 'the folder mirrors the zip': .*model.py differs from its copy in .*submission.zip",
        ),
    ],
)
def test_check_refuses_a_tampered_zip_in_one_sentence(submissions, tmp_path, capsys, edit, message):
    out = tampered(submissions["lcl-v2"], tmp_path, edit)
    assert brainscore(["submit", "--check", str(out)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "Traceback" not in error and re.search(message, error), error


@pytest.mark.parametrize(
    "entries, message",
    [
        (_flat_entries, r"rule 'one root folder, listed first': .* begins with 'lcl_v2/__init__.py'"),
        (
            lambda out: (
                [(_entry("submission/", 0o40755), b"")]
                + [
                    (_entry(f"submission/models/lcl_v2/{info.filename.split('/')[-1]}", 0o100644), data)
                    for info, data in _flat_entries(out)
                ]
            ),
            r"rule 'a plugin-type folder': .*submission/ holds no folder entry among \['models'",
        ),
        (
            lambda out: _entries_with(out, lambda info: setattr(info, "external_attr", 0)),
            r"rule 'ordinary file modes': .*submission/ with mode 0o600, not 0o40755",
        ),
        (
            lambda out: _entries_with(out, lambda info: None) + [(_entry("submission/../evil.py", 0o100644), b"")],
            r"rule 'no absolute or .. paths': .*submission/../evil.py",
        ),
    ],
)
def test_check_refuses_a_zip_in_another_layout(submissions, tmp_path, entries, message):
    out = tampered(submissions["lcl-v2"], tmp_path, entries=entries(submissions["lcl-v2"]))
    with pytest.raises(SubmissionCheckError, match=message):
        check_submission(out)


@pytest.mark.parametrize(
    "damage, message",
    [
        (
            lambda out: (out / "submission.zip").write_bytes((out / "submission.zip").read_bytes()[:2000]),
            r"rule 'a readable zip': .*submission.zip is truncated or not a zip file",
        ),
        (
            lambda out: (out / "submission.zip").unlink(),
            r"rule 'the submission has its zip': .*submission.zip is missing",
        ),
        (lambda out: (out / "manifest.json").write_text("{not json"), r"rule 'the manifest is JSON': .*manifest.json"),
        (lambda out: (out / "manifest.json").write_text("[]"), r"rule 'the manifest is complete': .*'identifier'"),
        (
            lambda out: [path.unlink() for path in (out / "weights").iterdir()],
            r"rule 'the weights are beside the zip': .*weights/lcl_v2_.*\.pt is missing",
        ),
        (
            lambda out: [path.write_bytes(b"x") for path in (out / "weights").iterdir()],
            r"rule 'weights match the manifest'",
        ),
        (lambda out: shutil.rmtree(out / "submission"), r"rule 'the folder mirrors the zip': .*lcl_v2 is missing"),
    ],
)
def test_check_refuses_a_damaged_submission_in_one_sentence(submissions, tmp_path, capsys, damage, message):
    out = tmp_path / "damaged"
    shutil.copytree(submissions["lcl-v2"], out)
    damage(out)
    assert brainscore(["submit", "--check", str(out)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "Traceback" not in error and re.search(message, error), error


def test_models_that_cannot_be_exported_say_why(tmp_path, capsys):
    assert brainscore(["submit", "--model", "alexnet-untrained", "--out", str(tmp_path / "a")]) == 1
    assert "alexnet_random" in capsys.readouterr().err
    assert brainscore(["submit", "--model", "lcl-v2net", "--out", str(tmp_path / "b")]) == 1
    assert "--checkpoint PATH" in capsys.readouterr().err


@pytest.mark.parametrize(
    "out, message",
    [
        ("afile", r"--out .*afile is a file; give a folder"),
        ("afile/sub", r"--out .*afile/sub cannot be written: .*afile is not a writable folder"),
        ("notes", r"--out .*notes holds notes.txt and is no earlier submission; choose a new or empty folder"),
    ],
)
def test_submit_refuses_an_out_it_cannot_use_before_any_work(tmp_path, capsys, out, message):
    (tmp_path / "afile").write_text("keep me")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "notes.txt").write_text("keep me")
    assert brainscore(["submit", "--model", "v1-steerpyr", "--out", str(tmp_path / out)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and re.search(message, error), error
    assert (tmp_path / "afile").read_text() == (tmp_path / "notes" / "notes.txt").read_text() == "keep me"


def test_a_failed_resubmit_leaves_the_earlier_submission_untouched(submissions, tmp_path, capsys, monkeypatch):
    from brainscore_lcl.export import submission

    out = tmp_path / "out"
    shutil.copytree(submissions["v1-steerpyr"], out)
    before = {path.relative_to(out): path.read_bytes() for path in out.rglob("*") if path.is_file()}

    def refuse(folder):
        raise SubmissionCheckError("rule 'test': refused")

    monkeypatch.setattr(submission, "check_submission", refuse)
    assert brainscore(["submit", "--model", "v1-steerpyr", "--out", str(out)]) == 1
    assert capsys.readouterr().err == "brainscore: rule 'test': refused\n"
    after = {path.relative_to(out): path.read_bytes() for path in out.rglob("*") if path.is_file()}
    assert after == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]  # no staging folder left
    monkeypatch.undo()
    assert brainscore(["submit", "--model", "v1-steerpyr-pool", "--out", str(out)]) == 0
    assert json.loads((out / "manifest.json").read_text())["identifier"] == "v1_steerpyr_pool"
    assert not (out / "submission" / "models" / "v1_steerpyr").exists()
