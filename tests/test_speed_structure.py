"""The work the figures share is done once per process (issue 20, item 7): each image's activations per model, each
ceiling per data set, each layer selection per model and public split, each model per report."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image


def image_files(folder, count: int, size: int = 64, seed: int = 0) -> list[str]:
    """``count`` random RGB PNGs of ``size`` px in ``folder``."""
    rng = np.random.default_rng(seed)
    paths = []
    for index in range(count):
        path = folder / f"image{index}.png"
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(path)
        paths.append(str(path))
    return paths


def microsaccade_helper() -> SimpleNamespace:
    """What the memo reads and writes of an extractor's ``MicrosaccadeHelper``."""
    return SimpleNamespace(number_of_trials=1, microsaccades={"pixels": {}, "degrees": {}})


class CountingExtractor:
    """A stand-in for ``_get_activations_batched``: per image, layer "b" then "a" (a network's execution order,
    not the requested one), values from the file's first bytes; records the paths of every call."""

    def __init__(self):
        self.calls: list[list[str]] = []

    def __call__(self, paths, layers, batch_size, require_variance=False):
        self.calls.append(list(paths))
        rows = np.array([np.frombuffer(Path(path).read_bytes()[-8:], dtype=np.uint8) for path in paths], np.float32)
        return OrderedDict((layer, rows * (2.0 if layer == "a" else 3.0)) for layer in ("b", "a") if layer in layers)


def test_activations_memo_runs_each_image_once_whatever_its_path(tmp_path):
    from brainscore_lcl.model_helpers.activations_memo import ActivationsMemo

    paths = image_files(tmp_path, 5)
    copies = tmp_path / "copies"
    copies.mkdir()
    copied = []
    for path in paths[:3]:  # the same images under other names, as another stimulus set places them
        target = copies / f"other-{len(copied)}.png"
        target.write_bytes(Path(path).read_bytes())
        copied.append(str(target))
    compute = CountingExtractor()
    memo = ActivationsMemo(compute, microsaccade_helper(), f"net-{tmp_path}")
    first = memo(paths[:3], layers=["a", "b"], batch_size=2)
    second = memo(copied + paths[3:], layers=["a", "b"], batch_size=2)
    assert compute.calls == [paths[:3], paths[3:]]  # only the two new images ran the second time
    assert list(first) == list(second) == ["b", "a"]  # the extractor's order, kept for a request served from memory
    direct = CountingExtractor()(paths, layers=["a", "b"], batch_size=2)
    for layer in ("a", "b"):
        np.testing.assert_array_equal(second[layer], direct[layer])
        np.testing.assert_array_equal(first[layer], direct[layer][:3])
    only_a = memo(copied, layers=["a"], batch_size=2)
    assert len(compute.calls) == 2 and list(only_a) == ["a"]
    assert all(memo._microsaccades.microsaccades["pixels"][path] == [(0.0, 0.0)] for path in copied + paths)
    other_model = CountingExtractor()  # another model of the same network (key) runs nothing
    same_network = ActivationsMemo(other_model, microsaccade_helper(), f"net-{tmp_path}")
    np.testing.assert_array_equal(same_network(paths, layers=["a"], batch_size=2)["a"], direct["a"])
    assert other_model.calls == []
    another_network = ActivationsMemo(other_model, microsaccade_helper(), f"other-{tmp_path}")
    another_network(paths[:1], layers=["a"], batch_size=2)
    assert other_model.calls == [paths[:1]]


def test_activations_memo_passes_microsaccades_through(tmp_path):
    from brainscore_lcl.model_helpers.activations_memo import ActivationsMemo

    paths = image_files(tmp_path, 2)
    compute = CountingExtractor()
    memo = ActivationsMemo(compute, microsaccade_helper(), f"net-{tmp_path}")
    memo(paths, layers=["a"], batch_size=2, require_variance=True)
    memo(paths, layers=["a"], batch_size=2, require_variance=True)
    assert len(compute.calls) == 2


@pytest.mark.parametrize("model_id", ["alexnet-untrained", "v1-steerpyr-pool"])
def test_suite_models_give_an_image_the_same_bits_in_any_batch(tmp_path, model_id):
    """What the memo relies on: an image's activations do not depend on the other images of its batch."""
    from brainscore_lcl.scoring import load_model

    model = load_model(model_id)
    extractor = model.activations_model._extractor
    paths = image_files(tmp_path, 5, size=96)
    layers = list(model.layers)[:2]
    original = extractor._get_activations_batched._compute  # the extractor's own, behind the memo
    batched = original(paths, layers=layers, batch_size=4, require_variance=False)
    for index, path in enumerate(paths):
        alone = original([path], layers=layers, batch_size=4, require_variance=False)
        for layer in layers:
            assert np.array_equal(alone[layer][0], batched[layer][index]), (model_id, layer, index)


def test_a_ceiling_is_computed_once_per_assembly(monkeypatch):
    from brainscore_lcl.benchmarks.freemanziemba2013 import benchmark

    computed = []
    monkeypatch.setattr(benchmark, "_CEILINGS", {})
    monkeypatch.setattr(benchmark, "load_ceiling", lambda name: lambda assembly: computed.append(assembly) or name)
    first, second = SimpleNamespace(), SimpleNamespace()
    assert benchmark.internal_consistency_ceiling(first) == "internal_consistency"
    benchmark.internal_consistency_ceiling(first)
    benchmark.internal_consistency_ceiling(second)
    assert computed == [first, second]


def test_a_layer_selection_is_shared_by_benchmarks_on_the_same_public_split(monkeypatch):
    from brainscore_lcl import scoring
    from brainscore_lcl.model_helpers import commitment

    public = SimpleNamespace(
        identifier="X.V2-pls.public", time_window=(50, 200), data_root=None, pls="kernel", assembly=SimpleNamespace()
    )
    model = SimpleNamespace(identifier="net@123", visual_degrees=lambda: 8.0)
    selections, committed = [], []
    monkeypatch.setattr(scoring, "_SELECTIONS", {})
    monkeypatch.setattr(scoring, "precompute_activations", lambda model, benchmark: None)
    monkeypatch.setattr(
        scoring, "select_layer", lambda *args: selections.append(args) or ("layer2", {"layer1": 0.1, "layer2": 0.2})
    )
    monkeypatch.setattr(commitment, "commit_layers", lambda model, layers: committed.append(layers))
    pls = SimpleNamespace(region="V2", public_counterpart=lambda: public)
    texmod = SimpleNamespace(region="V2", public_counterpart=lambda: public)
    assert scoring.shared_layer_selection(model, pls, ["layer1", "layer2"]) == (
        "layer2",
        {"layer1": 0.1, "layer2": 0.2},
    )
    assert scoring.shared_layer_selection(model, texmod, ["layer1", "layer2"])[0] == "layer2"
    assert len(selections) == 1 and committed == [{"V2": "layer2"}, {"V2": "layer2"}]
    other = SimpleNamespace(identifier="net@456", visual_degrees=lambda: 8.0)  # other weights: selected again
    scoring.shared_layer_selection(other, pls, ["layer1", "layer2"])
    assert len(selections) == 2
    public.assembly = SimpleNamespace()  # the public data loaded anew: selected anew
    scoring.shared_layer_selection(model, pls, ["layer1", "layer2"])
    assert len(selections) == 3


def test_a_report_builds_its_model_once(monkeypatch, tmp_path):
    from brainscore_lcl import scoring
    from brainscore_lcl.report import build

    built = []
    load_model = scoring.load_model
    monkeypatch.setattr(scoring, "_built", {})
    monkeypatch.setattr(
        scoring, "load_model", lambda *args, **kwargs: built.append(args) or load_model(*args, **kwargs)
    )
    monkeypatch.setattr(build, "run_section", lambda *args: {"status": "skipped", "reason": "not run in this test"})
    build.build_report("sim-generator", tmp_path / "report", references=[])
    assert built == [("sim-generator",)]


def test_a_model_packages_images_it_ran_from_memory(tmp_path):
    """Images already run (under other paths, in another stimulus set) are packaged without running the network or
    reading Brain-Score's disk cache, with the same values."""
    from brainscore_lcl.scoring import load_model

    extractor = load_model("v1-steerpyr-pool").activations_model._extractor
    paths = image_files(tmp_path, 3, size=96, seed=1)
    first = extractor(paths, layers=["pool"], stimuli_identifier=False)
    copies = []
    for index, path in enumerate(paths):
        copies.append(str(tmp_path / f"placed-again-{index}.png"))
        Path(copies[-1]).write_bytes(Path(path).read_bytes())
    memo = extractor._get_activations_batched

    def refuse(*args, **kwargs):
        raise AssertionError("the network ran again")

    memo._compute = refuse
    again = extractor(copies, layers=["pool"], stimuli_identifier=f"memory-test-{tmp_path.name}")
    np.testing.assert_array_equal(again.sortby("stimulus_path").values, first.sortby("stimulus_path").values)
