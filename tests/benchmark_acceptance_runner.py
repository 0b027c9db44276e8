"""Runs inside the benchmark acceptance test's subprocess, where only a copy of brainscore_vision with the exported
plugins is importable and ``brainscore_lcl`` is blocked. Reads a JSON job from argv[1], writes a JSON report to argv[2].

Job: {"data": {registry id: pickle of the packaged assembly that replaces Brain-Score's official loader},
      "benchmarks": [{"identifier", "plugin_dir"}], "candidate": model id (an exported model plugin) or null}.
Report per benchmark: identifier, parent, the plugin's own test.py's pytest exit code and, with a candidate, its
score, raw and ceiling and the score's details (JSON-ready values only); plus whether brainscore_lcl was importable.
"""

import json
import pickle
import sys
from pathlib import Path

from plugin_acceptance_runner import BlockSuite, _importable


def json_ready(value):
    """``value`` with numpy scalars and arrays as Python numbers and lists (other objects dropped)."""
    import numpy as np

    if isinstance(value, dict):
        ready = {key: json_ready(item) for key, item in value.items()}
        return {key: item for key, item in ready.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value if isinstance(value, (str, int, float, bool)) or value is None else None


def main(job_path, report_path):
    sys.meta_path.insert(0, BlockSuite())
    import brainscore_vision
    import brainscore_vision.data.freemanziemba2013  # noqa: F401 (registers the official loaders replaced below)
    import pytest
    from brainscore_vision import data_registry, load_benchmark, load_model

    job = json.loads(Path(job_path).read_text())
    for identifier, path in job["data"].items():
        data_registry[identifier] = lambda path=path: pickle.loads(Path(path).read_bytes())
    root = Path(brainscore_vision.__file__).parent
    report = {
        "brainscore_vision": str(root),
        "brainscore_lcl_importable": _importable("brainscore_lcl"),
        "benchmarks": {},
    }
    candidate = load_model(job["candidate"]) if job["candidate"] else None
    for entry in job["benchmarks"]:
        benchmark = load_benchmark(entry["identifier"])
        plugin = root / "benchmarks" / entry["plugin_dir"]
        result = {
            "identifier": benchmark.identifier,
            "parent": benchmark.parent,
            "plugin_test": int(
                pytest.main(
                    [str(plugin / "test.py"), "-m", "not slow and not private_access", "-q", "-p", "no:cacheprovider"]
                )
            ),
        }
        if candidate is not None:
            score = benchmark(candidate)
            result.update(
                score=float(score.values),
                raw=float(score.attrs["raw"].values),
                ceiling=float(score.attrs["ceiling"].values),
                details=json_ready(score.attrs["details"]),
            )
        report["benchmarks"][entry["identifier"]] = result
    Path(report_path).write_text(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
