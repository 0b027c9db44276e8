"""The `brainscore` command end to end, including every bad input it must explain: in subprocesses where a fresh
process matters (scoring end to end, cache and weight folders set by environment variables), in this process through
``main`` for listing and the other bad inputs (same exit codes and output; each subprocess costs about 11 s of
imports)."""

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from brainscore_lcl.cli import main

BRAINSCORE = [sys.executable, "-m", "brainscore_lcl.cli"]


def run(*arguments: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*BRAINSCORE, *arguments], capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})}
    )


@pytest.fixture
def run_here(capsys):
    """``main`` in this process: returns what ``run`` returns (returncode, stdout, stderr)."""

    def run_main(*arguments: str) -> SimpleNamespace:
        capsys.readouterr()
        returncode = main(list(arguments))
        captured = capsys.readouterr()
        return SimpleNamespace(returncode=returncode, stdout=captured.out, stderr=captured.err)

    return run_main


def test_score_writes_the_json_fields(tmp_path):
    out = tmp_path / "out.json"
    result = run(
        "score", "--model", "v1-steerpyr-pool", "--benchmark", "FreemanZiemba2013sim.V2-pls", "--json", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "v1-steerpyr-pool on FreemanZiemba2013sim.V2-pls: score" in result.stdout
    written = json.loads(out.read_text())
    assert set(written) == {
        "suite_version",
        "model",
        "benchmark",
        "score",
        "raw",
        "ceiling",
        "error",
        "n_neuroids",
        "layer",
        "score_paper",
        "score_paper_std",
        "score_paper_sign_aware",
        "score_paper_sign_aware_std",
        "score_definitions",
        "controls",
    }
    assert set(written["controls"]) == {"control-design", "control-pixels"}  # scored beside the model
    assert "controls: control-design" in result.stdout
    assert set(written["score_definitions"]) == {"score", "score_paper", "score_paper_sign_aware"}
    assert written["n_neuroids"] == 103 and written["layer"] == "pool"
    assert written["score"] == pytest.approx(written["raw"] ** 2 / written["ceiling"])
    assert written["score_paper_sign_aware"] <= written["score_paper"]


def test_unknown_model_exits_2_with_the_nearest_ids(run_here):
    result = run_here("score", "--model", "lcl-v3", "--benchmark", "FreemanZiemba2013sim.V2-pls")
    assert result.returncode == 2
    assert "lcl-v2" in result.stderr and "Traceback" not in result.stderr


def test_unknown_benchmark_exits_2_with_the_nearest_ids(run_here):
    result = run_here("score", "--model", "sim-generator", "--benchmark", "FreemanZiemba2013sim.V3-pls")
    assert result.returncode == 2
    assert "FreemanZiemba2013sim.V2-pls" in result.stderr and "Traceback" not in result.stderr


def test_official_data_offline_is_one_sentence_naming_the_alternatives(tmp_path):
    result = run(
        "score",
        "--model",
        "sim-generator",
        "--benchmark",
        "FreemanZiemba2013.V2-pls",
        env={"RESULTCACHING_HOME": str(tmp_path)},
    )
    assert result.returncode == 1
    message = result.stderr.strip().splitlines()
    assert len(message) == 1 and "Traceback" not in result.stderr
    for alternative in ("FreemanZiemba2013public", "FreemanZiemba2013local", "FreemanZiemba2013sim"):
        assert alternative in message[0]


def test_local_data_missing_names_the_folder(tmp_path, run_here):
    missing = tmp_path / "no-such-release"
    result = run_here(
        "score", "--model", "sim-generator", "--benchmark", "FreemanZiemba2013local.V1-pls", "--data-root", str(missing)
    )
    assert result.returncode == 1
    assert str(missing) in result.stderr and "Traceback" not in result.stderr


def test_missing_checkpoint_names_the_file(tmp_path, run_here):
    missing = tmp_path / "missing.pt"
    result = run_here(
        "score", "--model", "lcl-v2", "--checkpoint", str(missing), "--benchmark", "FreemanZiemba2013sim.V2-pls"
    )
    assert result.returncode == 1
    assert str(missing) in result.stderr and "Traceback" not in result.stderr


def test_corrupted_checkpoint_names_the_file(tmp_path, run_here):
    corrupted = tmp_path / "corrupted.pt"
    corrupted.write_bytes(b"not a checkpoint")
    result = run_here(
        "score", "--model", "lcl-v2", "--checkpoint", str(corrupted), "--benchmark", "FreemanZiemba2013sim.V2-pls"
    )
    assert result.returncode == 1
    assert str(corrupted) in result.stderr and "Traceback" not in result.stderr


def test_list_models_and_benchmarks(run_here):
    models = run_here("list", "models")
    assert models.returncode == 0
    for model_id in (
        "lcl-v1",
        "lcl-v2",
        "lcl-v2net",
        "alexnet-untrained",
        "v1-steerpyr",
        "v1-steerpyr-pool",
        "sim-generator",
    ):
        assert model_id in models.stdout.split()
    benchmarks = run_here("list", "benchmarks")
    assert "FreemanZiemba2013sim.V2-pls" in benchmarks.stdout.split()


@pytest.mark.slow  # regenerates the whole simulated release (about 90 s); the cached one is read by every sim test
def test_data_export_writes_the_simulated_release(tmp_path):
    export = run("data", "export", "--source", "sim", "--out", str(tmp_path / "sim"))
    assert export.returncode == 0, export.stderr
    assert (tmp_path / "sim" / "FreemanZiemba2013_V1V2data.mat").is_file()
    assert len(list((tmp_path / "sim" / "stim").glob("*.png"))) == 450


def test_brainscore_vision_model_without_its_weights_is_one_sentence(tmp_path):
    result = run(
        "score", "--model", "alexnet", "--benchmark", "FreemanZiemba2013sim.V1-pls", env={"TORCH_HOME": str(tmp_path)}
    )
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert "'alexnet'" in last_line and "brainscore list models" in last_line
    assert "Traceback" not in result.stderr


def test_score_line_prints_only_the_fields_a_benchmark_has():
    from brainscore_lcl.scoring import ScoreRecord

    pls = ScoreRecord(
        "m", "FreemanZiemba2013sim.V2-pls", 0.5, raw=0.6, ceiling=0.72, error=0.01, n_neuroids=103, layer="pool"
    )
    assert pls.line() == (
        "m on FreemanZiemba2013sim.V2-pls: score 0.500 (raw r 0.600, ceiling 0.720, error 0.010, "
        "103 neurons, layer pool)"
    )
    texture_modulation = ScoreRecord("m", "FreemanZiemba2013sim.V2-texmod", 0.25, raw=0.25, n_neuroids=98, layer="v2")
    assert texture_modulation.line() == "m on FreemanZiemba2013sim.V2-texmod: score 0.250 (98 neurons, layer v2)"
    behaviour = ScoreRecord("m", "Geirhos2019local.cue-conflict", 0.4, raw=0.3, ceiling=0.75)
    assert behaviour.line() == "m on Geirhos2019local.cue-conflict: score 0.400 (raw 0.300, ceiling 0.750)"
    assert ScoreRecord("m", "b", 0.1).line() == "m on b: score 0.100"
