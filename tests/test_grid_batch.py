"""The grid on a batch system, end to end, through a stand-in SLURM: ``sbatch``, ``squeue`` and ``scancel`` scripts
on ``PATH`` that run each job script on this machine in the background (``STANDIN_SLURM=run``), keep it pending
(``pend``), let it end at once (``fail``) or refuse it (``refuse``). Also the requests refused before any cluster
starts, the dry run's job script, and the site's ``jobqueue.yaml`` kept where the request names nothing."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from brainscore_lcl.cli import main

V1 = "FreemanZiemba2013sim.V1-pls"
GRID = ["grid", "--models", "sim-generator", "--benchmarks", V1]
#: the stand-in commands; a job's id is the pid of its sbatch, its state a file in ``state/``
STANDIN = {
    "sbatch": r"""#!/usr/bin/env bash
state="$(dirname "$0")/state"; mkdir -p "$state"
script="${@: -1}"; id=$$
if [ "${STANDIN_SLURM:-run}" = refuse ]; then
    echo "sbatch: error: Invalid account or account/partition combination specified" >&2; exit 1
fi
cp "$script" "$state/$id.script"
out=$(sed -n 's/^#SBATCH -o //p' "$script" | sed "s/%J/$id/")
case "${STANDIN_SLURM:-run}" in
    run) setsid bash "$state/$id.script" > "${out:-$state/$id.out}" 2>&1 < /dev/null &
         echo $! > "$state/$id.pid"; echo RUNNING > "$state/$id.state" ;;
    pend) echo PENDING > "$state/$id.state" ;;
esac
echo "Submitted batch job $id"
""",
    "squeue": r"""#!/usr/bin/env bash
state="$(dirname "$0")/state"; ids=""
while [ $# -gt 0 ]; do [ "$1" = -j ] && ids="$2"; shift; done
for id in ${ids//,/ }; do
    [ -f "$state/$id.state" ] || continue
    if [ -f "$state/$id.pid" ] && ! kill -0 "$(cat "$state/$id.pid")" 2>/dev/null; then continue; fi
    echo "$id $(cat "$state/$id.state")"
done
""",
    "scancel": r"""#!/usr/bin/env bash
state="$(dirname "$0")/state"
for id in "$@"; do
    [ -f "$state/$id.pid" ] && kill -TERM -- "-$(cat "$state/$id.pid")" 2>/dev/null
    rm -f "$state/$id.state"
done
exit 0
""",
}


@pytest.fixture
def slurm(tmp_path, monkeypatch):
    """The stand-in SLURM on ``PATH`` (its folder); every job it started is killed afterwards."""
    folder = tmp_path / "slurm"
    folder.mkdir()
    for name, text in STANDIN.items():
        (folder / name).write_text(text)
        (folder / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    yield folder
    for pid_file in (folder / "state").glob("*.pid"):
        try:
            os.killpg(int(pid_file.read_text()), signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def run_main(argv, capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    "options, message",
    [
        (["--scheduler", "slurm"], "--scheduler slurm needs the batch system's sbatch command, which is not on PATH"),
        (["--scheduler", "pbs"], "--scheduler pbs needs the batch system's qsub command, which is not on PATH"),
        (["--time-window", "200", "50"], "--time-window 200 50: the end must come after the start"),
        (["--workers", "100000"], "--workers 100000 is more than this machine's"),
        (["--scheduler", "slurm", "--workers", "5000"], "--workers 5000 batch jobs is more than the 1000"),
        (["--scheduler", "sge", "--constraint", "v100"], "--constraint applies to slurm only, not sge"),
        (["--scheduler", "slurm", "--interface", "nope0"], "--interface 'nope0' is not a network interface"),
        (["--worker-timeout", "-1"], "--worker-timeout -1.0 must be a positive number of seconds"),
    ],
)
def test_a_bad_request_ends_in_one_sentence_before_any_cluster_or_file(options, message, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # no sbatch, no qsub
    code, _, err = run_main([*GRID, *options, "--db", f"sqlite:///{tmp_path / 'r.sqlite'}"], capsys)
    assert code == 2 and err.startswith(f"brainscore: {message}") and err.count("\n") == 1, err
    assert not list(tmp_path.iterdir())  # no database file


def test_the_dry_run_prints_the_job_script_with_the_site_config_kept(tmp_path, capsys, monkeypatch):
    import dask
    import dask_jobqueue  # noqa: F401 - its defaults in dask's configuration before the site's are set

    site = {
        "jobqueue.slurm.cores": 8,
        "jobqueue.slurm.walltime": "12:00:00",
        "jobqueue.slurm.account": "site-account",
        "jobqueue.slurm.job-extra-directives": ["--constraint=skylake"],
        "jobqueue.slurm.job-script-prologue": ["module load cuda/12", "source /opt/venv/bin/activate"],
    }
    monkeypatch.setenv("PATH", "/nonexistent")  # a dry run needs no sbatch
    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))
    argv = [*GRID, "--scheduler", "slurm", "--dry-run", "--db", f"sqlite:///{tmp_path / 'r.sqlite'}"]
    with dask.config.set(site):
        code, out, err = run_main([*argv, "--memory", "2GB", "--job-extra=--qos=high", "--gpus", "1"], capsys)
    assert code == 0 and err == "" and not (tmp_path / "r.sqlite").exists()
    for line in [
        "#SBATCH -A site-account",
        "#SBATCH --cpus-per-task=8",
        "#SBATCH --mem=2G",  # the request's memory, the site's cores
        "#SBATCH -t 12:00:00",
        "#SBATCH --constraint=skylake",
        "#SBATCH --gres=gpu:1",
        "#SBATCH --qos=high",
        "module load cuda/12",
        "source /opt/venv/bin/activate",  # the site's prologue, then the suite's
        f"export BRAINSCORE_LCL_CACHE={tmp_path / 'cache'}",
    ]:
        assert line in out.splitlines(), line
    assert "--lifetime 38880s --lifetime-stagger 2160s --nthreads 1" in out  # retired before 12 h
    with dask.config.set(site):
        code, out, _ = run_main([*argv, "--account", "mine", "--constraint", "a100", "--walltime", "01:00:00"], capsys)
    assert "#SBATCH -A mine" in out and "#SBATCH -t 01:00:00" in out and "--constraint=a100" in out


@pytest.mark.parametrize(
    "mode, message",
    [
        ("refuse", "sbatch refused the grid's worker job (sbatch: error: Invalid account"),
        ("pend", "no Dask worker started within 3 s: 1 of 1 slurm jobs are still pending in the queue (squeue)"),
        ("fail", "no Dask worker started within 3 s: the 1 slurm job(s) ended without one (failed at start); their "),
    ],
)
def test_jobs_that_never_give_a_worker_end_in_one_sentence(mode, message, slurm, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STANDIN_SLURM", mode)
    argv = [*GRID, "--scheduler", "slurm", "--workers", "1", "--worker-timeout", "3"]
    code, _, err = run_main([*argv, "--db", f"sqlite:///{tmp_path / 'r.sqlite'}"], capsys)
    assert code == 1 and err.startswith(f"brainscore: {message}") and err.count("\n") == 1, err
    assert not (tmp_path / "r.sqlite").exists()


def test_a_scheduler_without_workers_ends_in_one_sentence(tmp_path, capsys):
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as empty:
        argv = [*GRID, "--scheduler", empty.scheduler_address, "--worker-timeout", "2"]
        code, _, err = run_main([*argv, "--db", f"sqlite:///{tmp_path / 'r.sqlite'}"], capsys)
    assert code == 1 and err == (
        f"brainscore: no Dask worker joined the scheduler at {empty.scheduler_address} within 2 s; start workers "
        f"with `dask worker {empty.scheduler_address}`, or raise --worker-timeout\n"
    )


@pytest.mark.slow
def test_a_grid_runs_through_the_slurm_path_end_to_end(slurm, tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'r.sqlite'}"
    argv = [*GRID, "--scheduler", "slurm", "--workers", "1", "--cores", "1", "--memory", "2GB", "--db", db]
    code, out, err = run_main([*argv, "--walltime", "00:10:00", "--worker-timeout", "60"], capsys)
    assert code == 0, err
    assert "3 cells: 3 computed, 0 already in the database" in out  # the model and both controls
    assert "Traceback" not in err and "distributed" not in err
    (job,) = (slurm / "state").glob("*.script")
    assert "--lifetime 540s" in job.read_text()
    assert not list(Path(slurm / "state").glob("*.state"))  # scancel'd when the grid closed its cluster


@pytest.mark.slow
def test_a_job_that_ends_is_replaced(slurm, monkeypatch):
    """A job ended from outside (as its walltime would) is replaced by adaptive scaling: a new job, a new worker."""
    from brainscore_lcl.grid.clusters import BatchResources, close_client, open_client

    resources = BatchResources(cores=1, memory="2GB", walltime="00:10:00")
    client = open_client("slurm", 1, resources, worker_timeout=60)
    try:
        (first,) = client.scheduler_info()["workers"]
        (pid_file,) = (slurm / "state").glob("*.pid")
        os.killpg(int(pid_file.read_text()), signal.SIGKILL)  # the batch system ends the job
        client.wait_for_workers(1, timeout=90)
        deadline = time.monotonic() + 90
        while first in client.scheduler_info()["workers"] or not client.scheduler_info()["workers"]:
            assert time.monotonic() < deadline, "no new worker joined"
            time.sleep(1)
        assert len(list((slurm / "state").glob("*.script"))) == 2  # a second job was submitted
    finally:
        close_client(client)


def test_a_cell_another_run_wrote_first_is_counted_apart(tmp_path):
    """Two grids on one database: the one whose worker's write came second computed the cell but did not write it."""
    from dataclasses import asdict

    from tqdm import tqdm

    from brainscore_lcl.grid.cells import GridModel
    from brainscore_lcl.grid.run import _Grid
    from brainscore_lcl.results.cell import CellRequest
    from brainscore_lcl.results.db import CellKey, ResultsDB
    from brainscore_lcl.scoring import ScoreRecord

    db = ResultsDB(f"sqlite:///{tmp_path / 'r.sqlite'}")
    model, key = GridModel("m", "m"), CellKey("m", "w" * 64, V1, "data", {}, "code")
    result = {"record": asdict(ScoreRecord("m", V1, 0.5)), "worker": "w"}
    grids = [
        _Grid(None, db, [V1], {}, recompute=False, retry_failed=False, retries=0, bar=tqdm(disable=True), on_cell=None)
        for _ in range(2)
    ]
    for grid, written in zip(grids, (True, False)):  # the workers' score_cell wrote the cell once
        identity = {"weights_sha256": "w" * 64, "visual_degrees": None}
        grid.finish_cell(model, CellRequest("m", V1), key, identity, result | {"computed": True, "written": written})
    assert [(grid.summary.computed, grid.summary.computed_elsewhere) for grid in grids] == [(1, 0), (0, 1)]
    assert "1 written first by another run" in grids[1].summary.line()


def test_workers_beyond_the_users_slurm_job_limit_are_refused(slurm, tmp_path, capsys):
    (slurm / "sacctmgr").write_text("#!/usr/bin/env bash\necho 100\necho\necho 40\n")  # two associations, one open
    (slurm / "sacctmgr").chmod(0o755)
    argv = [*GRID, "--scheduler", "slurm", "--workers", "41", "--db", f"sqlite:///{tmp_path / 'r.sqlite'}"]
    code, _, err = run_main(argv, capsys)
    assert (code, err) == (
        2,
        "brainscore: --workers 41 batch jobs is more than the 40 SLURM lets this user submit (sacctmgr's "
        "MaxSubmitJobs); pass --workers 40 or fewer\n",
    )
    assert not (slurm / "state").exists()  # sbatch never ran


def test_a_grid_whose_cluster_loses_every_worker_ends_in_one_sentence(tmp_path, monkeypatch):
    """The cluster had a worker, then none (jobs ended, processes killed) while a task is pending: the grid ends after
    --worker-timeout seconds with one sentence, instead of waiting forever."""
    from distributed import Client, LocalCluster

    from brainscore_lcl.errors import RunError
    from brainscore_lcl.grid.cells import GridModel
    from brainscore_lcl.grid.run import _Grid, run_grid
    from brainscore_lcl.results.db import ResultsDB

    monkeypatch.setattr(_Grid, "load_benchmarks", lambda grid: None)  # no task ever runs: no data needed
    network = tmp_path / "n.py"
    network.write_text("import torch\n\ndef build():\n    return torch.nn.Conv2d(3, 4, 7)\n")
    db = ResultsDB(f"sqlite:///{tmp_path / 'r.sqlite'}")
    with LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster, Client(cluster) as client:
        client.wait_for_workers(1, timeout=30)
        cluster.scale(0)
        deadline = time.monotonic() + 30
        while client.scheduler_info()["workers"]:
            assert time.monotonic() < deadline, "the worker did not leave"
            time.sleep(0.1)
        start = time.monotonic()
        with pytest.raises(RunError) as error:
            model = GridModel("n", f"{network}:build")
            run_grid([model], [V1], client=client, db=db, progress=False, worker_timeout=0.5)
    assert time.monotonic() - start < 20
    assert str(error.value) == (
        "the Dask cluster has had no worker for 0.5 s while 1 cells were still to compute (its workers were lost: "
        "batch jobs ended or were cancelled, worker processes were killed or ran out of memory, or the scheduler's "
        "workers were stopped); the 0 cells stored so far are kept, and rerunning the same command computes only "
        "the rest"
    )


def test_controls_a_benchmark_cannot_take_are_skipped_not_failed(tmp_path, capsys):
    """control-design and control-pixels commit V1 and V2 only: on an IT benchmark of brainscore_vision both are
    skipped with their reason before any cluster starts (exit 0), listed in the summary and its JSON."""
    from brainscore_lcl.results.db import ResultsDB

    summary, db = tmp_path / "s.json", f"sqlite:///{tmp_path / 'r.sqlite'}"
    ResultsDB(db)  # an existing database: the grid starts its cluster only when a cell is to be computed
    argv = ["grid", "--benchmarks", "MajajHong2015public.IT-pls", "--json", str(summary)]
    code, out, err = run_main([*argv, "--db", db], capsys)
    assert code == 0 and "Traceback" not in err, err
    assert "2 cells: 0 computed, 0 already in the database, 0 failed, 2 control cells skipped" in out
    assert "control-design on MajajHong2015public.IT-pls: skipped: model control-design commits no layer to IT" in out
    skipped = json.loads(summary.read_text())["skipped_controls"]
    assert [(row["model"], row["benchmark"]) for row in skipped] == [
        ("control-design", "MajajHong2015public.IT-pls"),
        ("control-pixels", "MajajHong2015public.IT-pls"),
    ]
    assert all("commits no layer to IT" in row["reason"] for row in skipped)


def test_control_design_is_skipped_on_a_stimulus_set_without_design_labels():
    from types import SimpleNamespace

    from brainscore_lcl.grid.cells import control_skip_reason

    stimuli = SimpleNamespace(columns=["stimulus_id", "truth"], identifier="stand-in-Geirhos2021")
    loaded = SimpleNamespace(assembly=SimpleNamespace(stimulus_set=stimuli))
    reason = control_skip_reason("control-design", V1, {}, loaded)
    assert reason is not None and "stimulus set 'stand-in-Geirhos2021' has neither" in reason
    assert control_skip_reason("control-pixels", V1, {}, loaded) is None
    assert control_skip_reason("control-design", V1, {}) is None  # the ids alone allow it


@pytest.mark.parametrize("disabled", [True, False])
def test_the_grid_bar_honours_tqdm_disable(disabled, tmp_path):
    """tqdm reads ``$TQDM_DISABLE`` when it is imported: a fresh process each."""
    import subprocess
    import sys

    database = f"sqlite:///{tmp_path / 'r.sqlite'}"
    script = (
        "from brainscore_lcl.grid.run import run_grid; from brainscore_lcl.results.db import ResultsDB; "
        f"run_grid([], [{V1!r}], client=None, db=ResultsDB({database!r}))"
    )
    environment = {name: value for name, value in os.environ.items() if name != "TQDM_DISABLE"}
    environment |= {"TQDM_DISABLE": "1"} if disabled else {}
    done = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert ("cells:" in done.stderr) is not disabled


def test_the_summary_counts_the_workers_events_not_the_returned_tasks(tmp_path):
    """The fast half of ``test_grid.py::test_extractions_of_workers_killed_after_writing_them_are_counted``: the
    extractions and written cells the workers logged on the scheduler are what the summary counts; a cell this run's
    killed worker wrote, found stored by the retried task, counts as computed, one another run wrote as found."""
    from tqdm import tqdm

    from brainscore_lcl.grid.cells import GridModel
    from brainscore_lcl.grid.run import _Grid
    from brainscore_lcl.results.cell import CellRequest
    from brainscore_lcl.results.db import CellKey, ResultsDB

    class Scheduler:
        """A client whose scheduler holds the events of two workers, one of them killed after its writes."""

        submit = None

        def __init__(self, events):
            self.events = events

        def get_events(self, topic):
            return tuple((0.0, message) for name, message in self.events if name == topic)

    db = ResultsDB(f"sqlite:///{tmp_path / 'r.sqlite'}")
    grid = _Grid(
        None, db, [V1, "B"], {}, recompute=False, retry_failed=False, retries=0, bar=tqdm(disable=True), on_cell=None
    )
    grid._client = Scheduler(
        [
            (grid.topic, {"model": "m", "extractions": 1}),
            (grid.topic, {"model": "m", "extractions": 1}),  # the killed worker's
            (grid.topic, {"model": "m", "written": V1}),  # the killed worker's
            ("brainscore-lcl-grid-another", {"model": "m", "extractions": 5}),
        ]
    )
    grid.summary.cells = 2
    model, identity = GridModel("m", "m"), {"weights_sha256": "w" * 64, "visual_degrees": None}
    for benchmark_id in (V1, "B"):  # both retried tasks found their cell stored
        key = CellKey("m", "w" * 64, benchmark_id, "data", {}, "code")
        grid.finish_cell(model, CellRequest("m", benchmark_id), key, identity, {"computed": False, "worker": "w"})
    assert (grid.summary.computed, grid.summary.skipped, grid.summary.extractions) == (0, 2, 0)
    grid.count_events()
    summary = grid.summary
    assert (summary.computed, summary.skipped, summary.extractions, summary.extractions_by_model) == (1, 1, 2, {"m": 2})
