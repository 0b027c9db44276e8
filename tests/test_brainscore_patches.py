"""The one module that patches Brain-Score's internals (``model_helpers/brainscore_patches.py``) and the activation
cache it keys and stores:

- it refuses versions of brainscore_vision, brainscore_core and result_caching other than those it was written for, in
  one sentence, at import;
- the activations identifier changes with the model plugin's source bytes and its preprocessing (image size, visual
  degrees, normalisation), not with where the files are;
- Brain-Score's stores write data-only files (netCDF, JSON): a pickle planted where an activation entry is read does
  not run its payload; the entry is reported in one line and rebuilt.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import pickle
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from brainscore_lcl.errors import RunError
from brainscore_lcl.model_helpers import brainscore_patches
from brainscore_lcl.model_helpers.commitment import (
    code_sha256,
    imagenet_preprocessing,
    model_source_files,
    normalized_preprocessing,
    preprocessing_description,
)
from brainscore_lcl.testing import colour_classifier_commitment

PLUGIN = Path(brainscore_patches.__file__).resolve().parents[1] / "models" / "steerpyr"


def test_other_versions_are_refused_in_one_sentence(monkeypatch):
    brainscore_patches.check_versions()  # the installed ones are those it was written for
    monkeypatch.setattr(
        brainscore_patches,
        "installed_version",
        lambda name: "2.5.0" if name == "brainscore_vision" else brainscore_patches.WRITTEN_FOR[name],
    )
    with pytest.raises(RunError) as refused:
        brainscore_patches.check_versions()
    message = str(refused.value)
    assert "\n" not in message and message.count(";") == 1
    assert "private parts of brainscore_vision 2.4.2, and brainscore_vision 2.5.0 is installed" in message
    assert "pip install brainscore_vision==2.4.2 brainscore_core==2.5.0 result_caching==0.5" in message


def test_the_module_refuses_at_import(monkeypatch):
    version = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: None if name == "result_caching" else version(name))
    monkeypatch.delitem(sys.modules, brainscore_patches.__name__)
    with pytest.raises(RunError, match=r"result_caching \(none\) is installed"):
        importlib.import_module(brainscore_patches.__name__)


def test_pyproject_pins_the_versions_the_patches_were_written_for():
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    for name, version in brainscore_patches.WRITTEN_FOR.items():
        assert f'"{name.replace("_", "-")}=={version}"' in pyproject


def plugin_copy(folder: Path) -> list[Path]:
    shutil.copytree(PLUGIN, folder, ignore=shutil.ignore_patterns("__pycache__", "test.py"))
    return sorted(folder.rglob("*.py"))


def test_the_code_hash_follows_the_plugin_source_bytes_not_its_place(tmp_path):
    preprocessing = preprocessing_description(imagenet_preprocessing(224), 224, 8)
    original = code_sha256(
        [path for path in model_source_files("v1-steerpyr", object()) if path.parent == PLUGIN], preprocessing
    )
    copied = plugin_copy(tmp_path / "copy")
    assert code_sha256(copied, preprocessing) == original
    model_file = tmp_path / "copy" / "model.py"
    model_file.write_bytes(model_file.read_bytes() + b"\n# edited\n")
    assert code_sha256(copied, preprocessing) != original


def test_the_source_files_are_the_plugin_folder_and_the_network_class_file():
    from torch import nn

    files = model_source_files("v1-steerpyr", nn.Identity())
    assert PLUGIN / "model.py" in files and PLUGIN / "__init__.py" in files and PLUGIN / "test.py" not in files
    assert Path(sys.modules[nn.Identity.__module__].__file__).resolve() in files
    assert model_source_files("not-registered", object()) == []


def test_the_preprocessing_description_names_size_degrees_and_normalisation():
    described = {
        preprocessing_description(imagenet_preprocessing(224), 224, 8),
        preprocessing_description(imagenet_preprocessing(112), 112, 8),
        preprocessing_description(imagenet_preprocessing(224), 224, 4),
        preprocessing_description(normalized_preprocessing(224, (0.5,) * 3, (0.5,) * 3), 224, 8),
    }
    assert len(described) == 4
    assert preprocessing_description(imagenet_preprocessing(224), 224, 8) == preprocessing_description(
        imagenet_preprocessing(224), 224, 8.0
    )


def test_the_activations_identifier_changes_with_preprocessing_and_not_the_commitment_identifier(tmp_path, monkeypatch):
    monkeypatch.setenv("RESULTCACHING_HOME", str(tmp_path))
    models = [
        colour_classifier_commitment("net"),
        colour_classifier_commitment("net"),
        colour_classifier_commitment("net", image_size=112),
        colour_classifier_commitment("net", visual_degrees=4),
    ]
    assert {model.identifier for model in models} == {"net@" + "0" * 16}
    activations = [model.activations_model.identifier for model in models]
    assert activations[0] == activations[1] and len(set(activations)) == 3
    assert all(identifier.startswith("net@" + "0" * 16 + "-") for identifier in activations)


class Payload:
    """A pickle that, when loaded, writes ``marker`` (what a planted cache entry could do with any code)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "the payload ran"))


def test_a_planted_pickle_where_activations_are_read_does_not_run(tmp_path, monkeypatch, capsys):
    from brainscore_lcl.model_helpers.activations_memo import forget_activations
    from brainscore_lcl.testing import tiny_stimulus_set

    monkeypatch.setenv("RESULTCACHING_HOME", str(tmp_path / "result_caching"))
    stimuli = tiny_stimulus_set(tmp_path, "planted-pickle-test")
    first = colour_classifier_commitment("planted").activations_model(stimuli, layers=["2"])
    [entry] = (tmp_path / "result_caching").rglob("*.nc")
    assert list((tmp_path / "result_caching").rglob("*.pkl")) == []
    marker = tmp_path / "marker.txt"
    for planted in (entry, entry.with_suffix(".pkl")):  # the entry, and where result_caching's pickle would be
        planted.write_bytes(pickle.dumps(Payload(marker)))
    capsys.readouterr()
    forget_activations()
    again = colour_classifier_commitment("planted").activations_model(stimuli, layers=["2"])
    assert not marker.exists()
    [line] = [line for line in capsys.readouterr().err.splitlines() if line.startswith("brainscore:")]
    assert line.startswith(f"brainscore: cache entry {entry} was corrupt (OSError") and line.endswith("rebuilding it")
    assert np.array_equal(again.values, first.values)
    assert np.array_equal(brainscore_patches.ASSEMBLY_NETCDF.read(entry).values, first.values)


def test_brainscore_stores_are_data_only(tmp_path):
    from brainscore_vision.benchmark_helpers import screen
    from brainscore_vision.model_helpers.activations.core import ActivationsExtractorHelper

    brainscore_patches.secure_brainscore_caches(tmp_path)
    for stored, suffix in ((ActivationsExtractorHelper._from_paths_stored, ".nc"), (screen._place_on_screen, ".json")):
        storage = brainscore_patches.storage_of(stored)
        assert storage.storage_path("entry") == str(tmp_path / f"entry{suffix}")
        assert isinstance(storage, brainscore_patches._DataOnlyStorage)


def test_a_placed_stimulus_set_round_trips_through_json(tmp_path):
    from brainscore_lcl.testing import tiny_stimulus_set

    stimuli = tiny_stimulus_set(tmp_path, "round-trip")
    stimuli["degrees"] = 8
    codec = brainscore_patches.STIMULUS_SET_JSON
    codec.write(stimuli, tmp_path / "entry.json")
    loaded = codec.read(tmp_path / "entry.json")
    assert loaded.identifier == stimuli.identifier and loaded.equals(stimuli)
    assert loaded.stimulus_paths == {key: str(value) for key, value in stimuli.stimulus_paths.items()}


def test_a_model_file_edit_changes_the_activations_identifier(tmp_path, monkeypatch):
    from brainscore_lcl.model_helpers.commitment import make_commitment
    from brainscore_lcl.testing import colour_classifier_network

    monkeypatch.setenv("RESULTCACHING_HOME", str(tmp_path))
    model_file = tmp_path / "my_net.py"

    def identifier() -> str:
        return make_commitment(
            "my_net.py:build",
            colour_classifier_network(),
            weights_sha256="0" * 64,
            layers=["2"],
            region_layer_map={"IT": "2"},
            preprocessing=imagenet_preprocessing(224),
            image_size=224,
            source_files=[model_file],
        ).activations_model.identifier

    model_file.write_text("def build():\n    return make_network(relu=True)\n")
    first = identifier()
    assert identifier() == first
    model_file.write_text("def build():\n    return make_network(relu=False)\n")
    assert identifier() != first
