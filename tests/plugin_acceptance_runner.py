"""Runs inside the acceptance test's subprocess, where only a copy of brainscore_vision with the exported plugins is
importable and ``brainscore_lcl`` is blocked. Reads a JSON job from argv[1], writes a JSON report to argv[2].

Job: {"models": [{"identifier", "plugin_dir", "regions", "tasks", optional "layers" and "generic_tests_k" (a pytest
      -k expression selecting the generic plugin tests)}],
      "stimuli": [paths], "activations": path of the .npz to write}; activations are recorded per region
(``start_recording`` + ``look_at``) and per layer (the activations model, unplaced).
Behavioural tasks, as Brain-Score's benchmarks start them: ``probabilities`` fitted on the stimuli labelled
``FITTING_LABELS``, then ``look_at`` (presentation x choice); ``label`` with ``'imagenet'`` and with two of Geirhos'
categories (``CHOICE_LABELS``).
Report per model: identifier, region_layer_map, visual_degrees, per region the recorded shape and whether every value is
finite, per task the output's dims, shape, finiteness and values, the generic plugin tests' and the plugin's own
test.py's pytest exit codes; plus where brainscore_vision was imported from and whether brainscore_lcl was importable.
"""

import json
import sys
from pathlib import Path


class BlockSuite:
    """Meta-path finder that makes ``brainscore_lcl`` unimportable, as it is in Brain-Score's CI."""

    def find_spec(self, name, path=None, target=None):
        if name == "brainscore_lcl" or name.startswith("brainscore_lcl."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the acceptance test)", name=name)
        return None


FITTING_LABELS = ("label1", "label2", "label1")
CHOICE_LABELS = ["airplane", "bear"]


def stimulus_set(paths):
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    stimuli = StimulusSet(
        [{"stimulus_id": f"stimulus{index}", "image_label": FITTING_LABELS[index % 3]} for index in range(len(paths))]
    )
    stimuli.stimulus_paths = {f"stimulus{index}": path for index, path in enumerate(paths)}
    stimuli.identifier = "brainscore-lcl-acceptance"
    return stimuli


def main(job_path, report_path):
    sys.meta_path.insert(0, BlockSuite())
    import brainscore_vision
    import numpy as np
    import pytest
    from brainscore_vision import BrainModel, load_model

    job = json.loads(Path(job_path).read_text())
    root = Path(brainscore_vision.__file__).parent
    report = {"brainscore_vision": str(root), "brainscore_lcl_importable": _importable("brainscore_lcl"), "models": {}}
    activations = {}
    for entry in job["models"]:
        identifier = entry["identifier"]
        model = load_model(identifier)
        model.activations_model._extractor._batch_size = len(job["stimuli"])
        result = {
            "identifier": model.identifier,
            "region_layer_map": dict(model.layer_model.region_layer_map),
            "visual_degrees": model.visual_degrees(),
        }
        result["regions"] = {}
        for region in entry["regions"]:
            model.start_task(BrainModel.Task.passive)
            model.start_recording(region, [(70, 170)])
            recorded = model.look_at(stimulus_set(job["stimuli"]))
            recorded = recorded.squeeze("time_bin") if "time_bin" in recorded.dims else recorded
            values = recorded.sortby("stimulus_id").transpose("presentation", "neuroid").values
            activations[f"{identifier}/{region}"] = values
            result["regions"][region] = {"shape": list(values.shape), "finite": bool(np.isfinite(values).all())}
        result["tasks"] = {name: run_task(model, name, job["stimuli"]) for name in entry.get("tasks", [])}
        for layer in entry.get("layers", []):
            recorded = model.activations_model(stimulus_set(job["stimuli"]), layers=[layer])
            activations[f"{identifier}/{layer}"] = (
                recorded.sortby("stimulus_id").transpose("presentation", "neuroid").values
            )
        plugin = root / "models" / entry["plugin_dir"]
        selection = ["-k", entry["generic_tests_k"]] if entry.get("generic_tests_k") else []
        result["generic_tests"] = int(
            pytest.main(
                [
                    str(root / "model_helpers" / "generic_plugin_tests.py"),
                    "--plugin_directory",
                    str(plugin),
                    "-m",
                    "not slow",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                ]
                + selection
            )
        )
        result["plugin_test"] = int(
            pytest.main([str(plugin / "test.py"), "-m", "not slow", "-q", "-p", "no:cacheprovider"])
        )
        report["models"][identifier] = result
    np.savez(job["activations"], **activations)
    Path(report_path).write_text(json.dumps(report))


def run_task(model, task, paths):
    """Start the behavioural ``task`` as Brain-Score's benchmarks do and look at the stimuli; returns what came out."""
    import numpy as np
    from brainscore_vision import BrainModel

    stimuli = stimulus_set(paths)
    if task == "probabilities":
        model.start_task(BrainModel.Task.probabilities, fitting_stimuli=stimuli)
        outputs = {"probabilities": model.look_at(stimuli)}
    else:
        outputs = {}
        for labels in ("imagenet", CHOICE_LABELS):
            model.start_task(BrainModel.Task.label, labels)
            outputs[f"label-{'imagenet' if labels == 'imagenet' else 'choices'}"] = model.look_at(stimuli)
    model.start_task(BrainModel.Task.passive)
    report = {}
    for name, output in outputs.items():
        values = np.asarray(output.values)
        numeric = values.dtype.kind in "fiu"
        report[name] = {
            "dims": list(output.dims),
            "shape": list(values.shape),
            "finite": bool(np.isfinite(values).all()) if numeric else None,
            "values": values.tolist(),
        }
    return report


def _importable(name):
    try:
        __import__(name)
        return True
    except ModuleNotFoundError:
        return False


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
