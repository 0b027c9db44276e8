"""Concurrent and interrupted runs on one cache (``$BRAINSCORE_LCL_CACHE``), and the helpers that make them safe.

- Two and four ``brainscore score`` processes started together on one empty cache all exit 0 with identical scores.
- Ctrl-C at each stage of a run (simulated data generation, aperture stimuli, placing stimuli on the model's field of
  view, activations, storing them, PLS) exits 130 with one line on stderr and leaves no temporary file and no partial
  entry (after the generation stage, the release the concurrent runs generated is copied in, saving ~20 s); the rerun,
  after the activations entry (netCDF) was truncated, reports it, recomputes it and gives the same score.
- ``brainscore_lcl.cache``: atomic writes leave nothing on an exception, locks serialise processes, a folder entry is
  built once by concurrent processes; a truncated file of the simulated release, broken JSON and a truncated store entry
  are reported in one line and rebuilt.

Runs are fresh processes (the point is concurrency and SIGINT-like interrupts), with progress bars and warnings off so
that stderr holds only the suite's own lines. An interrupt is injected deterministically: a few lines of Python run
before ``main`` make one stage raise ``KeyboardInterrupt`` (what Python raises on SIGINT) part-way through its work.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from brainscore_lcl.cache import (
    TEMPORARY_MARK,
    atomic_folder,
    atomic_path,
    atomic_write_json,
    intact_manifest,
    locked,
    write_manifest,
)

SCORE = ("score", "--model", "v1-steerpyr-pool", "--benchmark", "FreemanZiemba2013sim.V2-pls", "--no-controls")
INTERRUPTED = "brainscore: interrupted; nothing partial was kept"
GENERATING = "generating the simulated V1/V2 recordings into "
RUN_MAIN = "import sys\nfrom brainscore_lcl.cli import main\nsys.exit(main(sys.argv[1:]))\n"
ACTIVATIONS = "result_caching/*_from_paths_stored/*.nc"
PLACEMENTS = "result_caching/*_place_on_screen/*.json"


def start(cache: Path, *arguments: str, before: str = "") -> subprocess.Popen:
    """``brainscore <arguments>`` in a fresh process on ``cache`` (``before``: Python run ahead of ``main``)."""
    environment = {
        key: value for key, value in os.environ.items() if key not in ("RESULTCACHING_HOME", "BRAINSCORE_HOME")
    }
    environment.update(BRAINSCORE_LCL_CACHE=str(cache), TQDM_DISABLE="1", PYTHONWARNINGS="ignore")
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(before) + RUN_MAIN, *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=600)
    return process.returncode, stdout, stderr


def score_together(cache: Path, n: int) -> list[dict]:
    """Start ``n`` score runs at once on ``cache``; assert each exits 0 and that they share one entry of each kind
    in it; their ``--json`` outputs."""
    outputs = [cache.parent / f"{cache.name}-score-{index}.json" for index in range(n)]
    processes = [start(cache, *SCORE, "--json", str(out)) for out in outputs]
    for process in processes:
        returncode, _, stderr = finish(process)
        assert returncode == 0, stderr
    for shared in ("fz2013-sim-*", "fz2013-aperture-v1/*", "stimuli_on_screen/*", PLACEMENTS, ACTIVATIONS):
        assert len(entries(cache, shared)) == 1, shared
    return [json.loads(out.read_text()) for out in outputs]


def leftovers(cache: Path) -> list[str]:
    """Temporary files and folders anywhere in the cache (this suite's and result_caching's)."""
    return sorted(
        str(path.relative_to(cache))
        for path in cache.rglob("*")
        if TEMPORARY_MARK in path.name or path.name.endswith(".filepart")
    )


def entries(cache: Path, pattern: str) -> list[Path]:
    """Entries matching ``pattern`` (a glob below ``cache``), lock files left out."""
    return [path for path in cache.glob(pattern) if not path.name.endswith(".lock")]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[Path, list[dict]]:
    """The cache that two score runs started together on it filled, and their scores."""
    cache = tmp_path_factory.mktemp("two") / "cache"
    return cache, score_together(cache, 2)


# slow (two cold scores, 45-50 s): make test keeps the store's own concurrency check
# (test_concurrent_processes_compute_a_brainscore_store_entry_once) and spends the time on the installed wheel
@pytest.mark.slow
def test_two_runs_on_one_empty_cache_both_succeed_with_the_same_score(two_runs):
    cache, scores = two_runs
    assert scores[0] == scores[1]
    assert scores[0]["n_neuroids"] == 103 and 0 < scores[0]["score"] < 1
    assert leftovers(cache) == []


@pytest.mark.slow  # 55-95 s of subprocesses; `make test-all` runs it
def test_four_runs_on_one_empty_cache_all_succeed_with_the_same_score(tmp_path, two_runs):
    cache = tmp_path / "cache"
    scores = score_together(cache, 4)
    assert all(score == two_runs[1][0] for score in scores)
    assert leftovers(cache) == []


# Python run before `main` in the interrupted process: one stage raises KeyboardInterrupt part-way through its work
INTERRUPT_GENERATION = """
    from pathlib import Path
    from brainscore_lcl.data import simulation

    def half_written_release(out_dir, seed):
        (Path(out_dir) / "stim").mkdir(parents=True)
        (Path(out_dir) / "stim" / "tex-320x320-im327-smp1.png").write_bytes(b"half a png")
        raise KeyboardInterrupt

    simulation.export_simulated_release = half_written_release
"""
INTERRUPT_APERTURE = """
    from brainscore_lcl.data import freemanziemba

    aperture, calls = freemanziemba.apply_cosine_aperture, []

    def aperture_until_interrupted(image, *args, **kwargs):
        calls.append(1)
        if len(calls) == 50:
            raise KeyboardInterrupt
        return aperture(image, *args, **kwargs)

    freemanziemba.apply_cosine_aperture = aperture_until_interrupted
"""
INTERRUPT_PLACEMENT = """
    from brainscore_vision.benchmark_helpers.screen import ImageConverter

    write, calls = ImageConverter._write, []

    def write_until_interrupted(self, image, target_path):
        calls.append(1)
        if len(calls) == 100:
            raise KeyboardInterrupt
        write(self, image, target_path)

    ImageConverter._write = write_until_interrupted
"""
INTERRUPT_ACTIVATIONS = """
    from brainscore_lcl.model_helpers import commitment

    check, calls = commitment.check_batch_activations, []

    def check_until_interrupted(model_id, batch):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return check(model_id, batch)

    commitment.check_batch_activations = check_until_interrupted
"""
INTERRUPT_STORING_ACTIVATIONS = """
    from brainscore_lcl.model_helpers import brainscore_patches

    save_file = brainscore_patches._DataOnlyStorage.save_file

    def save_half_then_interrupt(self, result, path):
        if not str(path).endswith(".nc"):
            return save_file(self, result, path)
        with open(path, "wb") as handle:
            handle.write(b"half a netCDF file")
        raise KeyboardInterrupt

    brainscore_patches._DataOnlyStorage.save_file = save_half_then_interrupt
"""
INTERRUPT_PLS = """
    from brainscore_lcl.metrics.pls import KernelPLSRegression

    fit, calls = KernelPLSRegression.fit, []

    def fit_until_interrupted(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return fit(self, *args, **kwargs)

    KernelPLSRegression.fit = fit_until_interrupted
"""


def interrupted(cache: Path, stage: str, before: str, absent: str | None) -> None:
    """Run score on ``cache`` with ``before`` interrupting it at ``stage``: exit 130, one line on stderr, no score, no
    temporary file and no entry matching ``absent``."""
    returncode, stdout, stderr = finish(start(cache, *SCORE, before=before))
    # the one progress line said before the generation starts (it is not the interruption's)
    lines = [line for line in stderr.strip().splitlines() if not line.startswith(GENERATING)]
    assert (stage, returncode, lines) == (stage, 130, [INTERRUPTED])
    assert (stage, leftovers(cache), entries(cache, absent) if absent else []) == (stage, [], [])
    assert "score" not in stdout


@pytest.mark.slow  # 55-95 s of subprocesses; `make test-all` runs it
def test_an_interrupt_at_each_stage_keeps_nothing_partial_and_the_rerun_gives_the_same_score(tmp_path, two_runs):
    cache = tmp_path / "cache"
    interrupted(cache, "data generation", INTERRUPT_GENERATION, "fz2013-sim-*")
    # generating the simulated data completely is what the concurrent runs did: use theirs
    for release in entries(two_runs[0], "fz2013-sim-*"):
        shutil.copytree(release, cache / release.name)
    stages = [
        ("aperture stimuli", INTERRUPT_APERTURE, "fz2013-aperture-v1/*"),
        ("placing stimuli on screen", INTERRUPT_PLACEMENT, "stimuli_on_screen/*"),
        ("activations", INTERRUPT_ACTIVATIONS, ACTIVATIONS),
        ("storing activations", INTERRUPT_STORING_ACTIVATIONS, ACTIVATIONS),
        ("PLS", INTERRUPT_PLS, None),
    ]
    for stage, before, absent in stages:
        interrupted(cache, stage, before, absent)
    assert len(entries(cache, PLACEMENTS)) == 1 and len(entries(cache, ACTIVATIONS)) == 1
    activations = entries(cache, ACTIVATIONS)[0]
    activations.write_bytes(activations.read_bytes()[:1000])

    out = tmp_path / "rerun.json"
    returncode, _, stderr = finish(start(cache, *SCORE, "--json", str(out)))
    assert returncode == 0, stderr
    assert stderr.splitlines() == [
        f"brainscore: cache entry {activations} was corrupt "
        f"(OSError: [Errno -101] NetCDF: HDF error: '{activations}'); rebuilding it"
    ]
    assert json.loads(out.read_text()) == two_runs[1][0]
    assert leftovers(cache) == []


def test_a_truncated_file_of_the_simulated_release_is_reported_in_one_line_and_regenerated(
    tmp_path, monkeypatch, capsys
):
    from brainscore_lcl.data import simulation

    generations = []

    def small_release(out_dir, seed):
        generations.append(seed)
        (Path(out_dir) / "stim").mkdir(parents=True)
        (Path(out_dir) / "stim" / "tex-320x320-im327-smp1.png").write_bytes(b"\x89PNG" + bytes(range(200)))

    monkeypatch.setattr(simulation, "export_simulated_release", small_release)
    root = simulation.simulated_data_root(cache_dir=tmp_path)
    assert simulation.simulated_data_root(cache_dir=tmp_path) == root and generations == [0]
    image = root / "stim" / "tex-320x320-im327-smp1.png"
    image.write_bytes(image.read_bytes()[:100])
    assert simulation.simulated_data_root(cache_dir=tmp_path) == root and generations == [0, 0]
    assert capsys.readouterr().err == (
        f"brainscore: cache entry {root} was corrupt (stim/{image.name} differs from the file written); rebuilding it\n"
    )
    assert len(image.read_bytes()) == 204 and leftovers(tmp_path) == []


def test_an_atomic_write_that_raises_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "entry.json"
    atomic_write_json(target, {"version": 1})
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target) as temporary:
            temporary.write_text('{"version": ')
            raise KeyboardInterrupt
    assert json.loads(target.read_text()) == {"version": 1}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["entry.json"]


def test_an_atomic_folder_that_raises_leaves_the_old_folder_and_no_staging(tmp_path):
    target = tmp_path / "release"
    with atomic_folder(target) as staging:
        (staging / "old.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_folder(target) as staging:
            (staging / "new.txt").write_text("half")
            raise RuntimeError("stopped")
    assert [path.name for path in tmp_path.iterdir()] == ["release"]
    assert [path.name for path in target.iterdir()] == ["old.txt"]
    with atomic_folder(target) as staging:
        (staging / "new.txt").write_text("new")
    assert [path.name for path in target.iterdir()] == ["new.txt"] and leftovers(tmp_path) == []


LOCKED_WORK = """
import sys, time
from brainscore_lcl.cache import locked

with locked(sys.argv[1]):
    with open(sys.argv[2], "a") as log:
        log.write(f"start {sys.argv[3]}\\n")
    time.sleep(0.5)
    with open(sys.argv[2], "a") as log:
        log.write(f"end {sys.argv[3]}\\n")
"""


def test_a_lock_serialises_two_processes(tmp_path):
    log = tmp_path / "log.txt"
    processes = [
        subprocess.Popen([sys.executable, "-c", LOCKED_WORK, str(tmp_path / "entry"), str(log), name])
        for name in ("a", "b")
    ]
    assert [process.wait(timeout=60) for process in processes] == [0, 0]
    lines = log.read_text().split("\n")[:-1]
    first, second = lines[0].split()[1], lines[2].split()[1]
    assert lines == [f"start {first}", f"end {first}", f"start {second}", f"end {second}"] and first != second


def test_a_read_only_cache_is_read_without_a_lock(tmp_path, monkeypatch):
    import filelock

    def read_only(self, *args, **kwargs):
        raise PermissionError(errno.EROFS, "Read-only file system", str(self.lock_file))

    monkeypatch.setattr(filelock.FileLock, "acquire", read_only)
    with locked(tmp_path / "entry"):
        entered = True
    assert entered


BUILD_ONCE = """
import sys, time
from pathlib import Path
from brainscore_lcl.cache import ensure_folder, intact_manifest, write_manifest

def build(staging):
    with open(sys.argv[2], "a") as log:
        log.write("built\\n")
    time.sleep(0.5)
    (staging / "data.txt").write_text("data")
    write_manifest(staging)

ensure_folder(Path(sys.argv[1]), lambda folder: intact_manifest(folder) is not None, build)
print((Path(sys.argv[1]) / "data.txt").read_text())
"""


def test_concurrent_processes_build_a_folder_entry_once(tmp_path):
    log = tmp_path / "builds.txt"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", BUILD_ONCE, str(tmp_path / "entry"), str(log)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    assert [process.communicate(timeout=60)[0] for process in processes] == ["data\n"] * 3
    assert log.read_text() == "built\n"


def test_a_changed_file_in_a_folder_entry_is_reported_in_one_line(tmp_path, capsys):
    folder = tmp_path / "entry"
    folder.mkdir()
    (folder / "image.png").write_bytes(b"0123456789")
    write_manifest(folder, version=2)
    assert intact_manifest(folder, version=2) is not None and intact_manifest(folder, version=3) is None
    assert capsys.readouterr().err == ""
    (folder / "image.png").write_bytes(b"01234")
    assert intact_manifest(folder, version=2) is None
    assert capsys.readouterr().err == (
        f"brainscore: cache entry {folder} was corrupt (image.png differs from the file written); rebuilding it\n"
    )
    assert not folder.exists()


def test_a_broken_model_identity_is_reported_in_one_line_and_rebuilt(tmp_path, monkeypatch, capsys):
    from types import SimpleNamespace

    from brainscore_lcl.model_helpers import identity

    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path))
    path = identity._identity_path("sim-generator", None)
    path.parent.mkdir(parents=True)
    path.write_text('{"weights_sha256": "ab", ')
    assert identity.known_model_identity("sim-generator", None) is None
    assert capsys.readouterr().err.splitlines() == [
        f"brainscore: cache entry {path} was corrupt (JSONDecodeError: Expecting property name enclosed in double "
        "quotes: line 1 column 26 (char 25)); rebuilding it"
    ]
    known = {"weights_sha256": "ab", "visual_degrees": 8.0}
    identity.remember_model_identity("sim-generator", None, known, SimpleNamespace())
    assert identity.known_model_identity("sim-generator", None) == known and leftovers(tmp_path) == []


def counted_square(value: int, calls: list) -> int:
    calls.append(value)
    return value * value


def test_a_truncated_entry_in_a_brainscore_store_is_reported_in_one_line_and_recomputed(tmp_path, capsys):
    from result_caching import store

    from brainscore_lcl.model_helpers.brainscore_patches import JSON_VALUE, secure_store, storage_of

    stored = store(identifier_ignore=["calls"])(counted_square)
    storage_of(stored)._storage_directory = str(tmp_path)
    square, calls = secure_store(stored, JSON_VALUE), []
    assert (square(3, calls), square(3, calls), calls) == (9, 9, [3])
    [entry] = tmp_path.rglob("*.json")
    entry.write_text("[9")
    assert square(3, calls) == 9 and calls == [3, 3]
    assert capsys.readouterr().err == (
        f"brainscore: cache entry {entry} was corrupt (JSONDecodeError: Expecting ',' delimiter: line 1 column 3 "
        "(char 2)); rebuilding it\n"
    )
    assert json.loads(entry.read_text()) == 9
    assert leftovers(tmp_path) == [] and list(tmp_path.rglob("*.pkl")) == []


STORE_ONCE = """
import sys, time
from result_caching import store
from brainscore_lcl.model_helpers.brainscore_patches import JSON_VALUE, secure_store, storage_of

def slow_square(value):
    with open(sys.argv[2], "a") as log:
        log.write("computed\\n")
    time.sleep(0.5)
    return value * value

stored = store()(slow_square)
storage_of(stored)._storage_directory = sys.argv[1]
print(secure_store(stored, JSON_VALUE)(3))
"""


def test_concurrent_processes_compute_a_brainscore_store_entry_once(tmp_path):
    log = tmp_path / "computed.txt"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", STORE_ONCE, str(tmp_path / "store"), str(log)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    assert [process.communicate(timeout=120)[0] for process in processes] == ["9\n"] * 3
    assert log.read_text() == "computed\n" and leftovers(tmp_path) == []


def write_marker(folder: str, calls: list) -> str:
    calls.append(folder)
    marker = Path(folder) / "marker.txt"
    marker.write_text("placed")
    return str(marker)


def test_a_stored_result_whose_files_are_gone_is_reported_in_one_line_and_recomputed(tmp_path, capsys):
    from result_caching import store

    from brainscore_lcl.model_helpers.brainscore_patches import JSON_VALUE, secure_store, storage_of

    stored = store(identifier_ignore=["calls"])(write_marker)
    storage_of(stored)._storage_directory = str(tmp_path / "store")
    place = secure_store(stored, JSON_VALUE, is_usable=lambda marker: Path(marker).is_file())
    calls = []
    marker = Path(place(str(tmp_path), calls))
    assert place(str(tmp_path), calls) == str(marker) and len(calls) == 1
    marker.unlink()
    assert place(str(tmp_path), calls) == str(marker) and marker.is_file() and len(calls) == 2
    [entry] = (tmp_path / "store").rglob("*.json")
    assert capsys.readouterr().err == (
        f"brainscore: cache entry {entry} was corrupt (files it names are missing); rebuilding it\n"
    )
