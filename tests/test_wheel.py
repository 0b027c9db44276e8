"""The release: every file the package reads besides its Python source is package data (fast: setup.py's globs
against the files git tracks), and ``python -m build`` makes an sdist and, from it, a wheel holding exactly
those files, which installed into a fresh virtual environment (no editable install, no checkout on the path; the
heavy dependencies seen through a ``.pth`` line, so nothing is downloaded) runs ``brainscore --help``,
``--version``, ``list models`` and a score of the shipped checkpoint on the simulated data from a folder outside the
checkout."""

from __future__ import annotations

import ast
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import brainscore_lcl

ROOT = Path(__file__).resolve().parents[1]


def setup_literal(name: str):
    """The literal value of ``name`` in setup.py (``PACKAGE_DIRS``) or of the ``setup()`` keyword ``name``."""
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
        if isinstance(node, ast.keyword) and node.arg == name:
            return ast.literal_eval(node.value)
    raise KeyError(name)


def installed_name(path: str, package_dirs: dict[str, str]) -> str | None:
    """Where the repository file ``path`` lands in the wheel (``analyses/x`` -> ``brainscore_lcl/analyses/x``), or
    None outside the package folders."""
    for package, folder in sorted(package_dirs.items(), key=lambda item: -len(item[1])):
        if path.startswith(folder + "/"):
            return "/".join(package.split(".")) + path[len(folder) :]
    return None


def tracked_package_data() -> set[str]:
    """The wheel paths of every file git tracks under the package folders that is not Python source."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    package_dirs = setup_literal("PACKAGE_DIRS")
    listed = subprocess.run(
        ["git", "ls-files", *package_dirs.values()], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    names = {installed_name(path, package_dirs) for path in listed if not path.endswith(".py")}
    return names - {None}


def declared(name: str, package_data: dict[str, list[str]]) -> bool:
    """Whether the wheel path ``name`` matches a glob of setup.py's ``package_data``."""
    for package, globs in package_data.items():
        prefix = "/".join(package.split(".")) + "/"
        if name.startswith(prefix) and any(fnmatch.fnmatch(name[len(prefix) :], glob) for glob in globs):
            return True
    return False


def test_every_tracked_datum_is_declared_package_data():
    data = tracked_package_data()
    assert {"brainscore_lcl/weights/lcl-v2.pt", "brainscore_lcl/report/leaderboard.html"} <= data
    assert "brainscore_lcl/training/configs/lcl-v2.yaml" in data
    assert "brainscore_lcl/analyses/data/paper_table_a4.json" in data
    package_data = setup_literal("package_data")
    assert [name for name in sorted(data) if not declared(name, package_data)] == []
    assert not declared("brainscore_lcl/weights/notes.txt", package_data)  # the check can fail


def test_the_version_has_one_source():
    assert 'version = { attr = "brainscore_lcl.__version__" }' in (ROOT / "pyproject.toml").read_text()
    assert "version=" not in (ROOT / "setup.py").read_text()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The sdist and the wheel ``python -m build`` makes (the wheel from the sdist; no isolation: setuptools of this
    environment, no download)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return {"sdist": next(out.glob("*.tar.gz")), "wheel": next(out.glob("*.whl"))}


def test_the_wheel_holds_exactly_the_package_data(built):
    assert built["wheel"].name == f"brainscore_lcl-{brainscore_lcl.__version__}-py3-none-any.whl"
    names = zipfile.ZipFile(built["wheel"]).namelist()
    data = {name for name in names if not name.endswith(".py") and not name.startswith("brainscore_lcl-")}
    assert data == tracked_package_data()
    assert not any(name.startswith(("tests/", "tools/", "examples/")) for name in names)


def test_the_installed_wheel_runs_outside_the_checkout(built, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_packages = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # the heavy dependencies (torch, brainscore_vision, ...) of this environment, as a plain path: its .pth files
    # (the editable install's finder among them) are not run
    (site_packages / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", built["wheel"]],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environment = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "BRAINSCORE_LCL_DB")
    } | {
        "BRAINSCORE_LCL_CACHE": str(tmp_path / "cache"),
        "RESULTCACHING_HOME": str(tmp_path / "cache" / "result_caching"),
        "PATH": f"{venv / 'bin'}:{os.environ['PATH']}",
    }

    def run(*command) -> str:
        done = subprocess.run(command, cwd=elsewhere, env=environment, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    where = run(
        str(python), "-c", "import brainscore_lcl, json, sys; print(json.dumps([brainscore_lcl.__file__, sys.path]))"
    )
    module, path = json.loads(where)
    assert Path(module).is_relative_to(site_packages)
    in_checkout = [entry for entry in map(Path, path) if entry.is_relative_to(ROOT)]
    assert in_checkout == [Path(sysconfig.get_paths()["purelib"])]  # the dependencies only, never the sources
    brainscore = shutil.which("brainscore", path=str(venv / "bin"))
    assert "usage: brainscore" in run(brainscore, "--help")
    assert run(brainscore, "--version").strip() == f"brainscore-lcl {brainscore_lcl.__version__}"
    assert "lcl-v2" in run(brainscore, "list", "models")
    run(
        brainscore,
        "score",
        "--model",
        "lcl-v2",
        "--benchmark",
        "FreemanZiemba2013sim.V1-pls",
        "--no-controls",
        "--json",
        "score.json",
    )
    record = json.loads((elsewhere / "score.json").read_text())
    assert record["suite_version"] == brainscore_lcl.__version__ and 0 < record["score"] < 1.5
