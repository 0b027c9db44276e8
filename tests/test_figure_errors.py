"""Every figure script (``analyses/*.py``) keeps ``brainscore``'s error contract (``brainscore_lcl.run_contract``): a
table of mistakes, each run through the script's ``main`` in this process as ``python analyses/<script>.py`` runs it
(``run_script``), with its exit code (2: a bad request, 1: unusable data) and its exact one line on stderr; no
traceback. ``{tmp}`` stands for the test's folder."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from brainscore_lcl.errors import EXIT_BUG, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ("v1_predictivity", "v2_predictivity", "per_neuron", "texture_modulation", "receptive_fields", "behaviour")
NO_MODEL = (
    "--models names no model; name at least one model id (see `brainscore list models`), or leave --models out for "
    "the figure's own models"
)
UNKNOWN = "unknown model id 'nope' (see `brainscore list models`)"
NO_CONV = (
    "model v1-steerpyr (SteerPyrModel) has no convolution layer, so it has no first-layer filters to fit; drop it "
    "from --models and choose models with a learned first convolution (e.g. lcl-v1, alexnet-l2at-eps3, "
    "alexnet-supervised)"
)

#: (id, script, argv, exit code, the one line after "analyses/<script>.py: ")
CASES = [
    *[(f"{script}: empty --models", script, ["--models"], EXIT_USAGE, NO_MODEL) for script in FIGURES],
    *[(f"{script}: unknown model", script, ["--models", "nope"], EXIT_USAGE, UNKNOWN) for script in FIGURES],
    *[
        (
            f"{script}: --checkpoint without =",
            script,
            ["--models", "lcl-v2", "--checkpoint", "lcl-v2"],
            EXIT_USAGE,
            "--checkpoint takes MODEL=PATH pairs, got 'lcl-v2'",
        )
        for script in FIGURES
    ],
    (
        "receptive_fields: no convolution",
        "receptive_fields",
        ["--source", "sim", "--models", "v1-steerpyr"],
        EXIT_USAGE,
        NO_CONV,
    ),
    (
        "receptive_fields: unknown source",
        "receptive_fields",
        ["--source", "lab"],
        EXIT_USAGE,
        "argument --source: invalid choice: 'lab' (choose from 'local', 'official', 'private', 'public', 'sim') "
        "(see `analyses/receptive_fields.py --help`)",
    ),
    (
        "receptive_fields: out is a file",
        "receptive_fields",
        ["--models", "v1-steerpyr", "--out", "{tmp}/file"],
        EXIT_USAGE,
        "--out {tmp}/file is a file, not a folder; pass a folder path (it is created if needed)",
    ),
    (
        "v2_predictivity: unknown reference",
        "v2_predictivity",
        ["--models", "sim-generator", "--reference", "nope"],
        EXIT_USAGE,
        UNKNOWN,
    ),
    (
        "v2_predictivity: reference without V2",
        "v2_predictivity",
        ["--models", "sim-generator", "--reference", "lcl-v1"],
        EXIT_USAGE,
        "model lcl-v1 commits no layer to V2, only to V1; score it on a V1 benchmark, or choose a model that commits "
        "V2 (e.g. lcl-v2)",
    ),
    *[
        (
            f"{script}: a model without V2",
            script,
            ["--models", "lcl-v1"],
            EXIT_FAILED,
            "no model could be loaded: skipped lcl-v1: model lcl-v1 commits no layer to V2, only to V1; score it on a "
            "V1 benchmark, or choose a model that commits V2 (e.g. lcl-v2)",
        )
        for script in ("v2_predictivity", "texture_modulation")
    ],
    (
        "per_neuron: unknown region",
        "per_neuron",
        ["--region", "V4"],
        EXIT_USAGE,
        "argument --region: invalid choice: 'V4' (choose from 'V1', 'V2') (see `analyses/per_neuron.py --help`)",
    ),
    (
        "ablations: no runs",
        "ablations",
        [],
        EXIT_USAGE,
        "no runs: pass --runs DIR (run folders with encoder.pt) or --checkpoint NAME=PATH",
    ),
    (
        "ablations: runs is not a folder",
        "ablations",
        ["--runs", "{tmp}/none"],
        EXIT_USAGE,
        "--runs {tmp}/none is not a folder of run folders",
    ),
]


def run_figure(script: str, argv: list[str], out: Path) -> int:
    """``python analyses/<script>.py --out OUT ARGV`` in this process: its exit code."""
    from brainscore_lcl.analyses.common import run_script

    module = importlib.import_module(f"brainscore_lcl.analyses.{script}")
    with pytest.raises(SystemExit) as exited:
        run_script(script, lambda: module.main(["--out", str(out), *argv]))
    return exited.value.code


def contract_lines(stderr: str, script: str) -> list[str]:
    """The lines of ``stderr`` the script's error handling printed (not a library's warnings)."""
    assert "Traceback" not in stderr
    return [line for line in stderr.splitlines() if line.startswith(f"analyses/{script}.py: ")]


@pytest.mark.parametrize(("script", "argv", "code", "message"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_a_figure_script_mistake_ends_in_one_line(tmp_path, capsys, script, argv, code, message):
    (tmp_path / "file").write_text("not a folder")
    argv = [item.replace("{tmp}", str(tmp_path)) for item in argv]
    assert run_figure(script, argv, tmp_path / "out") == code
    assert contract_lines(capsys.readouterr().err, script) == [
        f"analyses/{script}.py: {message.replace('{tmp}', str(tmp_path))}"
    ]


@pytest.mark.parametrize(
    ("raised", "code", "line"),
    [
        (ValueError("a bug\nwith two lines"), EXIT_BUG, "internal error ValueError: a bug (a bug; full traceback in "),
        (KeyboardInterrupt(), EXIT_INTERRUPTED, "interrupted; nothing partial was kept"),
    ],
    ids=["bug", "ctrl-c"],
)
def test_a_bug_or_an_interrupt_in_a_figure_script_ends_in_one_line(tmp_path, capsys, monkeypatch, raised, code, line):
    from brainscore_lcl.analyses import v1_predictivity

    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))

    def compute(*args, **kwargs):
        raise raised

    monkeypatch.setattr(v1_predictivity, "compute", compute)
    assert run_figure("v1_predictivity", ["--models", "sim-generator"], tmp_path / "out") == code
    [printed] = contract_lines(capsys.readouterr().err, "v1_predictivity")
    assert printed.startswith(f"analyses/v1_predictivity.py: {line}")
    if code == EXIT_BUG:
        log = Path(printed.rpartition("full traceback in ")[2].rstrip(")"))
        assert log.parent == tmp_path / "cache" / "logs" and "ValueError: a bug" in log.read_text()


@pytest.mark.slow
def test_receptive_fields_of_a_model_without_convolution_from_the_shell(tmp_path):
    finished = subprocess.run(
        [
            sys.executable,
            "analyses/receptive_fields.py",
            "--source",
            "sim",
            "--models",
            "v1-steerpyr",
            "--out",
            tmp_path,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TQDM_DISABLE": "1"},
    )
    assert finished.returncode == EXIT_USAGE and "Traceback" not in finished.stderr
    assert contract_lines(finished.stderr, "receptive_fields") == [f"analyses/receptive_fields.py: {NO_CONV}"]
