"""The models x benchmarks grid on a local Dask cluster of two worker processes (``brainscore_lcl.grid``): scores equal
``brainscore score``'s exactly, one activation extraction per model and stimulus set, a rerun computes nothing, and
the faults of issue 22: a failing model, an interrupted and restarted grid, a worker process killed mid-grid. Also the
batch-system clusters' job scripts (built, never submitted) and the ``brainscore grid`` and ``leaderboard`` commands.

The tiny network of these tests gets random weights drawn once per test session (a seed written into its file), so
its activations are never in a cache and its extractions can be counted."""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from pathlib import Path

import pytest

from brainscore_lcl import versioned
from brainscore_lcl.grid.cells import grid_models
from brainscore_lcl.results.db import DONE, FAILED, ResultsDB, record_of

SIM = "FreemanZiemba2013sim"
V1, V2 = f"{SIM}.V1-pls", f"{SIM}.V2-pls"
#: a network of two convolutions (so its layer is selected on the public split), small enough to extract in seconds
TINY_NETWORK = """
import os
from pathlib import Path

import torch

SEED = {seed}
MARK = Path(__file__).with_suffix(".mark")


def network():
    torch.manual_seed(SEED)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 7, stride=8), torch.nn.ReLU(), torch.nn.Conv2d(4, 4, 3, stride=2), torch.nn.ReLU()
    )


def build():
    return network()


def flaky():  # fails until its mark file exists
    if not MARK.exists():
        raise ValueError("the weights are not there yet")
    return network()


def killer():  # kills the process that builds it, once
    if not MARK.exists():
        MARK.touch()
        os._exit(1)
    return network()
"""


@pytest.fixture(scope="module")
def client():
    from brainscore_lcl.grid.clusters import close_client, open_client

    client = open_client(None, 2)
    yield client
    close_client(client)


@pytest.fixture(scope="module")
def short_folder():
    """A folder with a short path: a model file's path is part of its activations' cache file name, which Brain-Score's
    cache (result_caching) does not shorten, and pytest's folders are too deep for it."""
    folder = Path(tempfile.mkdtemp(prefix="g"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def network_file(short_folder) -> Path:
    path = short_folder / "tiny.py"
    path.write_text(TINY_NETWORK.format(seed=random.SystemRandom().randrange(2**31)))
    return path


def new_network(network_file: Path, name: str) -> Path:
    """A copy of the tiny network's file (with its own mark file) beside it."""
    path = network_file.with_name(name)
    path.write_text(network_file.read_text())
    return path


def run(client, db, model_ids, benchmarks, **options):
    from brainscore_lcl.grid.run import run_grid

    return run_grid(grid_models(model_ids), benchmarks, client=client, db=db, progress=False, **options)


def test_grid_scores_equal_brainscore_score_once_per_stimulus_set(client, network_file, tmp_path, capsys):
    from brainscore_lcl.cli import main

    tiny = f"{network_file}:build"
    db = ResultsDB(f"sqlite:///{tmp_path / 'grid.sqlite'}")
    summary = run(client, db, [tiny], [V1, V2])
    assert (summary.cells, summary.computed, summary.skipped, summary.failed) == (2, 2, 0, 0)
    # one run on the private stimuli (V1 and V2 share them), one on the public ones (layer selection for both)
    assert summary.extractions_by_model[tiny] == summary.extractions == 2
    rows = {row["benchmark"]: row for row in db.rows()}
    assert len(rows) == 2 and {row["status"] for row in rows.values()} == {DONE}
    assert record_of(rows[V2])["details"]["layer_selection"]["layer"] in ("0", "2")
    out = tmp_path / "score.json"
    argv = ["score", "--model", tiny, "--benchmark", V2, "--json", str(out), "--full-json", "--no-controls"]
    assert main([*argv, "--db", f"sqlite:///{tmp_path / 'score.sqlite'}"]) == 0
    # every field, per-neuron values included, and the suite's version
    assert versioned(record_of(rows[V2])) == json.loads(out.read_text())
    assert rows[V2]["score"] == json.loads(out.read_text())["score"]
    again = run(client, db, [tiny], [V1, V2])
    assert (again.computed, again.skipped, again.extractions) == (0, 2, 0)
    assert len(db.rows()) == 2


def test_a_failing_model_holds_its_error_and_is_retried(client, network_file, tmp_path):
    failing = new_network(network_file, "f.py")
    spec = f"{failing}:flaky"
    db = ResultsDB(f"sqlite:///{tmp_path / 'grid.sqlite'}")
    summary = run(client, db, [spec, "sim-generator"], [V1])
    assert (summary.computed, summary.failed) == (1, 1)
    status = {row["model"]: (row["status"], row["message"]) for row in db.rows()}
    assert status["sim-generator"] == (DONE, None)
    assert status[spec][0] == FAILED and "raised ValueError: the weights are not there yet" in status[spec][1]
    assert run(client, db, [spec, "sim-generator"], [V1]).skipped == 2  # failed cells wait for --retry-failed
    failing.with_suffix(".mark").touch()
    retried = run(client, db, [spec, "sim-generator"], [V1], retry_failed=True)
    assert (retried.computed, retried.skipped, retried.failed) == (1, 1, 0)
    assert {row["model"]: row["status"] for row in db.rows()} == {"sim-generator": DONE, spec: DONE}


def test_an_interrupted_grid_computes_only_the_missing_cells_when_restarted(client, network_file, tmp_path):
    tiny = f"{network_file}:build"
    db = ResultsDB(f"sqlite:///{tmp_path / 'grid.sqlite'}")

    def interrupt(key, result):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(client, db, [tiny, "sim-generator"], [V1, V2], on_cell=interrupt)
    kept = len(db.rows())  # the first cell, and any other a worker finished and stored before the interruption
    assert 1 <= kept <= 4
    restarted = run(client, db, [tiny, "sim-generator"], [V1, V2])
    # a cell the interrupted run's workers were still computing may land while the restart computes it too
    done = restarted.computed + restarted.computed_elsewhere + restarted.skipped
    assert done == 4 and restarted.skipped >= kept and restarted.failed == 0
    assert len(db.rows()) == 4 and {row["status"] for row in db.rows()} == {DONE}


@pytest.mark.slow
def test_a_worker_killed_mid_grid_leaves_every_cell_exactly_once(client, network_file, tmp_path):
    killer = new_network(network_file, "k.py")
    spec = f"{killer}:killer"
    db = ResultsDB(f"sqlite:///{tmp_path / 'grid.sqlite'}")
    summary = run(client, db, [spec, "sim-generator"], [V1, V2])
    assert killer.with_suffix(".mark").exists()  # a worker process did die
    assert (summary.computed, summary.failed) == (4, 0)
    rows = db.rows()
    assert len(rows) == 4 and len({(row["model"], row["benchmark"]) for row in rows}) == 4
    assert {row["status"] for row in rows} == {DONE}


@pytest.mark.parametrize(
    "system, directive",
    [("slurm", "#SBATCH --gres=gpu:2"), ("pbs", "#PBS -l ngpus=2"), ("sge", "#$ -l gpu=2")],
)
def test_batch_jobs_ask_for_cores_memory_walltime_and_gpus(system, directive, monkeypatch, tmp_path):
    from brainscore_lcl.grid.clusters import BatchResources, batch_cluster

    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "shared-cache"))
    cluster = batch_cluster(system, BatchResources(cores=8, memory="32GB", walltime="02:00:00", gpus=2, queue="gpu"))
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert directive in script
    assert "02:00:00" in script and "gpu" in script
    assert f"export BRAINSCORE_LCL_CACHE={tmp_path / 'shared-cache'}" in script
    worker_command = script.strip().splitlines()[-1]
    assert worker_command.endswith("--nthreads 1")  # the last --nthreads is the one `dask worker` takes
    assert "--memory-limit 29.80GiB" in worker_command


@pytest.mark.parametrize(
    "system, field, value, accepted",
    [
        ("slurm", "walltime", "1-12:00:00", True),
        ("slurm", "walltime", "100:00:00", True),
        ("pbs", "walltime", "1-12:00:00", False),
        ("sge", "walltime", "04:60:00", False),
        ("slurm", "walltime", "4h", False),
        ("pbs", "memory", "32GiB", True),
        ("pbs", "memory", "0GB", False),
        ("pbs", "memory", "sixteen", False),
        ("slurm", "cores", 0, False),
        ("slurm", "gpus", -1, False),
    ],
)
def test_batch_resources_are_checked_before_any_job(system, field, value, accepted):
    from dataclasses import replace

    from brainscore_lcl.errors import UsageError
    from brainscore_lcl.grid.clusters import BatchResources, check_batch_resources

    resources = replace(BatchResources(), **{field: value})
    if accepted:
        check_batch_resources(system, resources)
    else:
        with pytest.raises(UsageError, match=f"--{field} "):
            check_batch_resources(system, resources)


def test_grid_and_leaderboard_commands(client, network_file, tmp_path, capsys):
    from brainscore_lcl.cli import main

    db_url = f"sqlite:///{tmp_path / 'grid.sqlite'}"
    argv = ["grid", "--models", "sim-generator", "--benchmarks", V1, "--db", db_url, "--json", str(tmp_path / "s.json")]
    assert main([*argv, "--scheduler", client.scheduler.address]) == 0
    assert "3 cells: 3 computed" in capsys.readouterr().out  # the model and the two controls
    assert json.loads((tmp_path / "s.json").read_text())["computed"] == 3
    assert main(["leaderboard", "--db", db_url, "--out", str(tmp_path / "site")]) == 0
    page = (tmp_path / "site" / "index.html").read_text()
    assert "sim-generator" in page and 'src="http' not in page and "<link" not in page  # self-contained
    cell, *controls = json.loads((tmp_path / "site" / "leaderboard.json").read_text())["rows"]
    assert [row["model"] for row in controls] == ["control-design", "control-pixels"]
    assert all(row["control"] for row in controls) and not cell["control"]
    stored = {row["model"]: row["score"] for row in ResultsDB(db_url).rows()}
    assert cell["cells"][V1]["score"] == stored["sim-generator"] > stored["control-pixels"]


@pytest.mark.slow
def test_extractions_of_workers_killed_after_writing_them_are_counted(client, network_file, tmp_path):
    """Every worker is killed once the first cell is back (both of the model's extractions written, their tasks'
    results lost with the workers and recomputed from the disk cache): the summary still counts the two runs."""
    import os
    import signal

    fresh = new_network(network_file, "x.py")
    spec = f"{fresh}:build"
    db = ResultsDB(f"sqlite:///{tmp_path / 'grid.sqlite'}")
    killed = []

    def kill_workers(key, result):
        if not killed:
            killed.append(result["worker"])
            for pid in client.run(os.getpid).values():  # the nannies start new worker processes
                os.kill(pid, signal.SIGKILL)

    summary = run(client, db, [spec], [V1, V2], on_cell=kill_workers)
    assert killed and (summary.computed, summary.failed) == (2, 0)
    assert summary.extractions == summary.extractions_by_model[spec] == 2
    assert len(db.rows()) == 2
