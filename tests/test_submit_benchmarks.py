"""`brainscore submit --benchmark`: the exported V2 benchmarks run in brainscore_vision alone, on its own official
FreemanZiemba2013 loaders, and score a model as this suite's own benchmarks do.

In ``make test``: the three plugins load in a copy of brainscore_vision where ``brainscore_lcl`` cannot be imported,
and their own ``test.py`` passes. In ``make test-all`` (about 9.5 minutes on 2 cores: Brain-Score's sklearn PLS and
the steerable pyramid over the stand-in's images), their scores of an exported ``lcl-v2`` equal this suite's
benchmarks of the same ids. Offline stand-in for the official data: the simulated release, cut to 2 V1 and 24 V2
cells and 4 repetitions, spread over 1-ms bins (``fine_binned_release``), packaged in Brain-Score's schema and split
into public / private as
Brain-Score split the recordings (``brainscore_packaged_assembly``). In the subprocess (``benchmark_acceptance_runner``,
``brainscore_lcl`` blocked) these replace brainscore_vision's ``FreemanZiemba2013.public`` / ``.private`` loaders; in
this process, the same assemblies replace them for the suite's own benchmarks (``official_loaders_replaced``).
"""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from brainscore_lcl.cli import main as brainscore
from brainscore_lcl.data.freemanziemba import load_local_stimulus_set
from brainscore_lcl.data.simulation import simulated_data_root
from brainscore_lcl.export.models import describe_for_export
from brainscore_lcl.export.submission import submit_model
from brainscore_lcl.testing import (
    brainscore_packaged_assembly,
    fine_binned_release,
    isolated_brainscore_vision,
    official_loaders_replaced,
    run_in_isolated_brainscore,
)

RUNNER = Path(__file__).with_name("benchmark_acceptance_runner.py")
TEXTURE = "FreemanZiemba2013.V2-texmod"
PARTITIONS = ("FreemanZiemba2013.V2-pls-v1like", "FreemanZiemba2013.V2-pls-v2like")
#: the model every exported benchmark scores, in both worlds (an exported model plugin there, the suite's here)
CANDIDATE = "lcl-v2"


@pytest.fixture(scope="module")
def standin(tmp_path_factory) -> dict:
    release = fine_binned_release(simulated_data_root(), tmp_path_factory.mktemp("release"))
    stimulus_set = load_local_stimulus_set(release, "FreemanZiemba2013standin1ms.aperture")
    return {access: brainscore_packaged_assembly(release, stimulus_set, access) for access in ("public", "private")}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("benchmark-submissions")
    for identifier in (TEXTURE,) + PARTITIONS:
        assert brainscore(["submit", "--benchmark", identifier, "--out", str(root / identifier)]) == 0
    submit_model(describe_for_export(CANDIDATE), root / CANDIDATE)
    return {identifier: root / identifier for identifier in (TEXTURE,) + PARTITIONS + (CANDIDATE,)}


def run_isolated(exported: dict[str, Path], root: Path, standin: dict | None = None) -> dict:
    """Run the runner where only a copy of brainscore_vision with the exported plugins is importable; with
    ``standin``, its assemblies replace the official loaders and every benchmark scores ``CANDIDATE``."""
    isolated = isolated_brainscore_vision(exported.values(), root)
    registered = {suite_id: json.loads((out / "manifest.json").read_text()) for suite_id, out in exported.items()}
    job = {"data": {}, "benchmarks": [], "candidate": registered[CANDIDATE]["identifier"] if standin else None}
    for manifest in registered.values():
        if manifest["plugin_type"] == "benchmarks":
            job["benchmarks"].append({"identifier": manifest["identifier"], "plugin_dir": manifest["plugin_dir"]})
    for access, assembly in (standin or {}).items():
        path = root / f"FreemanZiemba2013.{access}.pkl"
        path.write_bytes(pickle.dumps(assembly, protocol=pickle.HIGHEST_PROTOCOL))
        job["data"][f"FreemanZiemba2013.{access}"] = str(path)
    report, _ = run_in_isolated_brainscore(RUNNER, job, isolated, 1800)
    report["benchmarks"] = {
        suite_id: report["benchmarks"][manifest["identifier"]]
        for suite_id, manifest in registered.items()
        if manifest["plugin_type"] == "benchmarks"
    }
    return report


@pytest.fixture(scope="module")
def isolated_report(exported, standin, tmp_path_factory) -> dict:
    return run_isolated(exported, tmp_path_factory.mktemp("isolated-scoring"), standin)


@pytest.fixture(scope="module")
def suite_details(standin) -> dict:
    """The suite's own benchmarks of the same ids on the same stand-in, scoring the suite's model."""
    from brainscore_lcl.benchmarks.freemanziemba2013_partition.benchmark import reference_partition
    from brainscore_lcl.registry import benchmark_registry
    from brainscore_lcl.scoring import load_model

    model = load_model(CANDIDATE)  # also imports the suite's plugins into its registries
    reference_partition.cache_clear()
    try:
        with official_loaders_replaced(standin):
            return {
                identifier: benchmark_registry[identifier]()(model).attrs["details"]
                for identifier in (TEXTURE,) + PARTITIONS
            }
    finally:
        reference_partition.cache_clear()


def test_submit_benchmark_writes_a_checked_benchmark_plugin(exported):
    out = exported[TEXTURE]
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["plugin_type"], manifest["plugin_dir"]) == ("benchmarks", "freemanziemba2013_v2_texmod")
    assert (manifest["identifier"], manifest["suite_id"]) == ("FreemanZiemba2013.V2_texmod", TEXTURE)
    assert manifest["weights"] == [] and manifest["source"] == {"benchmark": TEXTURE}
    folder = "submission/benchmarks/freemanziemba2013_v2_texmod/"
    with zipfile.ZipFile(out / manifest["zip"]) as archive:
        assert archive.namelist() == ["submission/", "submission/benchmarks/", folder] + [
            folder + name for name in ("__init__.py", "benchmark.py", "requirements.txt", "test.py")
        ]
    init = (out / folder / "__init__.py").read_text()
    assert init.splitlines()[0] == "from brainscore_vision import benchmark_registry"
    assert "benchmark_registry['FreemanZiemba2013.V2_texmod']" in init
    assert "`FreemanZiemba2013.V2_texmod`" in (out / "SUBMIT.md").read_text()
    partition = json.loads((exported[PARTITIONS[0]] / "manifest.json").read_text())
    assert partition["identifier"] == "FreemanZiemba2013.V2_pls_v1like"
    assert "submission/benchmarks/freemanziemba2013_v2_pls_v1like/reference_model.py" in partition["zip_members"]
    assert partition["requirements"] and partition["requirements"][0].startswith("plenoptic==")
    assert brainscore(["submit", "--check", str(out)]) == 0


def test_submit_benchmark_refuses_ids_it_cannot_export(tmp_path, capsys):
    assert brainscore(["submit", "--benchmark", "FreemanZiemba2013.V2-pls", "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "FreemanZiemba2013.V2-texmod" in error


def test_exported_benchmarks_load_in_brainscore_vision_alone(exported, tmp_path):
    report = run_isolated(exported, tmp_path)
    assert report["brainscore_lcl_importable"] is False
    for identifier in (TEXTURE,) + PARTITIONS:
        result = report["benchmarks"][identifier]
        assert (result["identifier"], result["parent"]) == (identifier.replace("-", "_"), "V2")
        assert result["plugin_test"] == 0


@pytest.mark.slow
def test_exported_texture_modulation_equals_the_suites(isolated_report, suite_details):
    assert isolated_report["brainscore_lcl_importable"] is False
    assert isolated_report["benchmarks"][TEXTURE]["plugin_test"] == 0
    exported, ours = isolated_report["benchmarks"][TEXTURE]["details"], suite_details[TEXTURE]
    print(
        f"{TEXTURE}: exported {isolated_report['benchmarks'][TEXTURE]['score']:.6f}, suite {ours['score']:.6f}, "
        f"{ours['n_neuroids']} reliable cells"
    )
    assert exported["n_images"] == ours["n_images"] == 450
    assert exported["n_neuroids"] == ours["n_neuroids"] > 0
    np.testing.assert_allclose(exported["data"]["latency_ms"], ours["data"]["latency_ms"])
    np.testing.assert_allclose(exported["data"]["family_rmod"], ours["data"]["family_rmod"], rtol=1e-9)
    for reading in ("fitted", "units"):
        np.testing.assert_allclose(exported[reading]["family_rmod"], ours[reading]["family_rmod"], rtol=1e-5, atol=1e-8)
        assert exported[reading]["rho"] == pytest.approx(ours[reading]["rho"], abs=1e-9)
    assert isolated_report["benchmarks"][TEXTURE]["score"] == pytest.approx(ours["score"], abs=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("identifier", PARTITIONS)
def test_exported_partition_benchmarks_equal_the_suites(isolated_report, suite_details, identifier):
    exported, ours = isolated_report["benchmarks"][identifier]["details"], suite_details[identifier]
    print(
        f"{identifier}: exported {exported['score']:.6f} (paper {exported['score_paper']:.6f}), "
        f"suite {ours['score']:.6f} (paper {ours['score_paper']:.6f})"
    )
    assert exported["partition"]["v1like_ids"] == ours["partition"]["v1like_ids"]
    assert exported["partition"]["v2like_ids"] == ours["partition"]["v2like_ids"]
    assert exported["neuroid_ids"] == ours["neuroid_ids"] and exported["n_neuroids"] == ours["n_neuroids"] == 6
    for field in ("score", "raw", "ceiling", "score_paper", "score_paper_sign_aware"):
        assert exported[field] == pytest.approx(ours[field], abs=1e-5), field
