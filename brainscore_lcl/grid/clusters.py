"""The Dask cluster a grid runs on: a ``LocalCluster`` of worker processes on this machine (the default), an existing
scheduler by address, or a batch system's jobs through ``dask-jobqueue`` (SLURM, PBS, SGE).

Every worker runs one task at a time (one thread; torch and BLAS use the cores, as in ``brainscore score``) and
sees this suite's cache folder (``$BRAINSCORE_LCL_CACHE``, and ``$RESULTCACHING_HOME`` for activations): batch jobs
export both, so on a cluster they must name a shared file system.

A batch cluster starts from the site's dask-jobqueue configuration (``jobqueue.yaml``: ``jobqueue.<system>.*``) and
only what the request names overrides it; its lines (prologue, extra directives, worker arguments) are kept and this
suite's are appended. Its jobs are kept at ``workers`` by adaptive scaling, which submits a new job for each one that
ends (its walltime; the worker retires itself shortly before). Every request is checked (``check_cluster_request``)
before any cluster, scheduler or job exists; a cluster that gets no worker within ``worker_timeout`` seconds ends in
one sentence naming the likely cause (``no_worker_sentence``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin

from brainscore_lcl.errors import RunError, UsageError

BATCH_SYSTEMS = ("slurm", "pbs", "sge")
#: each batch system's command that submits a job and the one that lists the queue
SUBMIT_COMMANDS = {"slurm": "sbatch", "pbs": "qsub", "sge": "qsub"}
QUEUE_COMMANDS = {"slurm": "squeue", "pbs": "qstat", "sge": "qstat"}
#: the most batch jobs one grid submits: one per worker; sites cap a user's jobs at a few hundred to a thousand
MAX_BATCH_JOBS = 1000
#: cores and memory of a batch job when neither the request nor the site's jobqueue.yaml names them
DEFAULT_CORES, DEFAULT_MEMORY = 4, "16GB"
#: workers of a grid that names none (locally: at most the machine's cores)
DEFAULT_WORKERS = 2
#: seconds a grid waits for its first worker before it ends with a sentence naming the likely cause
WORKER_TIMEOUT = 120.0
#: environment of every worker: no progress bars or library warnings of their own (the client shows the grid's)
WORKER_ENVIRONMENT = {"TQDM_DISABLE": "1", "PYTHONWARNINGS": "ignore"}
#: the loggers whose records go to the grid's log file instead of stderr while a cluster runs
DASK_LOGGERS = ("distributed", "dask", "dask_jobqueue", "asyncio", "tornado", "py.warnings")


@dataclass(frozen=True)
class BatchResources:
    """What each batch job (one Dask worker) asks for. ``None`` (and an empty ``job_extra``) leaves the field to the
    site's ``jobqueue.yaml`` (cores and memory: else 4 and "16GB"; walltime: else dask-jobqueue's default).

    cores, memory ("16GB"), walltime ("04:00:00"), gpus, queue (partition), account (SGE: project), constraint
    (SLURM ``--constraint``), interface (the network interface of workers and scheduler, e.g. "ib0"), job_extra
    (more directives, e.g. "--qos=high" for ``#SBATCH --qos=high``)."""

    cores: int | None = None
    memory: str | None = None
    walltime: str | None = None
    gpus: int = 0
    queue: str | None = None
    account: str | None = None
    constraint: str | None = None
    interface: str | None = None
    job_extra: tuple[str, ...] = ()


#: walltimes every batch system reads: HH:MM:SS (hours of any length); SLURM also D-HH:MM:SS
WALLTIME = re.compile(r"(?:(?P<days>\d+)-)?(?P<hours>\d+):(?P<minutes>[0-5]\d):(?P<seconds>[0-5]\d)")


def walltime_seconds(walltime: str) -> int | None:
    """Seconds of a walltime ``[D-]HH:MM:SS``; None for another form."""
    match = WALLTIME.fullmatch(str(walltime))
    if match is None:
        return None
    days, hours, minutes, seconds = (int(match[name] or 0) for name in ("days", "hours", "minutes", "seconds"))
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def check_batch_resources(system: str, resources: BatchResources) -> None:
    """``UsageError`` for a request ``system``'s batch jobs cannot carry: cores below 1, negative GPUs, a memory
    dask-jobqueue cannot read or of zero bytes, a walltime not HH:MM:SS (or D-HH:MM:SS on SLURM), a constraint
    outside SLURM, a network interface this machine does not have (the scheduler listens on it)."""
    from dask.utils import parse_bytes

    if resources.cores is not None and resources.cores < 1:
        raise UsageError(f"--cores {resources.cores} must be at least 1 (cores per batch job), e.g. --cores 4")
    if resources.gpus < 0:
        raise UsageError(f"--gpus {resources.gpus} must be 0 or more (GPUs per batch job)")
    if resources.memory is not None:
        try:
            memory = parse_bytes(resources.memory)
        except ValueError:
            memory = 0
        if memory <= 0:
            raise UsageError(
                f"--memory {resources.memory!r} is not an amount of memory per batch job; write a positive number "
                "and a unit, e.g. --memory 16GB or --memory 32GiB"
            )
    if resources.walltime is not None:
        walltime = WALLTIME.fullmatch(resources.walltime)
        if walltime is None or (walltime["days"] is not None and system != "slurm"):
            accepted = "HH:MM:SS or D-HH:MM:SS" if system == "slurm" else "HH:MM:SS"
            raise UsageError(
                f"--walltime {resources.walltime!r} is not a walltime {system} reads ({accepted}); "
                "e.g. --walltime 04:00:00"
            )
    if resources.constraint is not None and system != "slurm":
        raise UsageError(
            f"--constraint applies to slurm only, not {system}; write {system}'s own directive with --job-extra"
        )
    if resources.interface is not None:
        import psutil

        interfaces = sorted(psutil.net_if_addrs())
        if resources.interface not in interfaces:
            raise UsageError(
                f"--interface {resources.interface!r} is not a network interface of this machine (the scheduler "
                f"listens on it); choose one of {', '.join(interfaces)}"
            )


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on this platform
        return os.cpu_count() or 1


def check_submit_command(system: str) -> None:
    """``UsageError`` when ``system``'s submit command (sbatch, qsub) is not on ``PATH``: dask-jobqueue would retry
    submitting forever."""
    command = SUBMIT_COMMANDS[system]
    if shutil.which(command) is None:
        raise UsageError(
            f"--scheduler {system} needs the batch system's {command} command, which is not on PATH on this "
            f"machine; run the grid on a login node of the {system} cluster, or drop --scheduler for local workers"
        )


def slurm_job_limit() -> int | None:
    """The most jobs SLURM lets this user submit (the smallest ``MaxSubmitJobs`` of the user's associations in
    ``sacctmgr``); None where none is set or ``sacctmgr`` cannot say."""
    if shutil.which("sacctmgr") is None:
        return None
    user = os.environ.get("USER") or os.environ.get("LOGNAME") or ""
    argv = ["sacctmgr", "-nP", "show", "assoc", f"where user={user}", "format=MaxSubmitJobs"]
    try:
        listing = subprocess.run(argv, capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    limits = [int(line) for line in listing.split() if line.isdigit()]
    return min(limits) if limits else None


def check_cluster_request(
    scheduler: str | None,
    workers: int,
    resources: BatchResources | None = None,
    *,
    worker_timeout: float = WORKER_TIMEOUT,
    submitting: bool = True,
) -> None:
    """``UsageError`` for a cluster ``open_client`` cannot start: fewer than one worker, more local workers than
    this machine's cores or more batch jobs than ``MAX_BATCH_JOBS``, a scheduler that is neither a batch system nor
    an address, a worker timeout that is not positive, (for a batch system) resources its jobs cannot ask for
    (``check_batch_resources``) and, when ``submitting``, a submit command not on ``PATH`` or more SLURM jobs than
    the user may submit (``slurm_job_limit``)."""
    if workers < 1:
        raise UsageError(f"--workers {workers} must be at least 1")
    if not worker_timeout > 0:
        raise UsageError(f"--worker-timeout {worker_timeout} must be a positive number of seconds, e.g. 120")
    if scheduler is None:
        cores = usable_cores()
        if workers > cores:
            raise UsageError(
                f"--workers {workers} is more than this machine's {cores} cores (each local worker is one process); "
                f"pass --workers {cores} or fewer, or --scheduler for a cluster"
            )
    elif scheduler in BATCH_SYSTEMS:
        if workers > MAX_BATCH_JOBS:
            raise UsageError(
                f"--workers {workers} batch jobs is more than the {MAX_BATCH_JOBS} one grid submits (one job per "
                "worker; sites cap a user's jobs); pass fewer workers with more --cores each"
            )
        check_batch_resources(scheduler, resources or BatchResources())
        if submitting:
            check_submit_command(scheduler)
            limit = slurm_job_limit() if scheduler == "slurm" else None
            if limit is not None and workers > limit:
                raise UsageError(
                    f"--workers {workers} batch jobs is more than the {limit} SLURM lets this user submit "
                    f"(sacctmgr's MaxSubmitJobs); pass --workers {limit} or fewer"
                )
    elif "://" not in scheduler and ":" not in scheduler:
        raise UsageError(
            f"--scheduler {scheduler!r} is neither one of {', '.join(BATCH_SYSTEMS)} nor a scheduler address "
            "(tcp://HOST:PORT)"
        )


def gpu_directives(system: str, gpus: int) -> list[str]:
    """The job-script lines that ask ``system`` for ``gpus`` GPUs (none for 0)."""
    if gpus <= 0:
        return []
    return {"slurm": [f"--gres=gpu:{gpus}"], "pbs": [f"-l ngpus={gpus}"], "sge": [f"-l gpu={gpus}"]}[system]


def worker_prologue() -> list[str]:
    """Shell lines every batch job runs first: the cache folders and worker environment of this process."""
    from brainscore_lcl import cache_dir

    variables = {"BRAINSCORE_LCL_CACHE": str(cache_dir())} | WORKER_ENVIRONMENT
    if "RESULTCACHING_HOME" in os.environ:
        variables["RESULTCACHING_HOME"] = os.environ["RESULTCACHING_HOME"]
    return [f"export {name}={value}" for name, value in variables.items()]


def logs_folder() -> Path:
    """``<cache>/logs``: the grid's log files and (unless the site's jobqueue.yaml names a log-directory) the batch
    jobs' output."""
    from brainscore_lcl import cache_dir

    return cache_dir() / "logs"


def lifetime_arguments(walltime: str | None) -> list[str]:
    """``dask worker`` arguments that retire a batch job's worker gracefully before ``walltime`` ends it (at 90%, give
    or take 5%, so that jobs started together do not all retire at once); none for an unreadable walltime."""
    seconds = walltime_seconds(walltime) if walltime else None
    if not seconds:
        return []
    return ["--lifetime", f"{int(seconds * 0.9)}s", "--lifetime-stagger", f"{int(seconds * 0.05)}s"]


def batch_cluster_options(system: str, resources: BatchResources) -> dict:
    """The keyword arguments of ``system``'s dask-jobqueue cluster: the site's ``jobqueue.<system>`` configuration,
    overridden only by the fields ``resources`` names, with this suite's lines appended to its lists (one process of
    one thread per job, the cache folders exported, the worker retired before the walltime)."""
    import dask
    import dask_jobqueue  # noqa: F401 - its defaults join dask's configuration when it is imported

    site = dask.config.get(f"jobqueue.{system}", default={}) or {}
    walltime = resources.walltime or site.get("walltime")
    worker_arguments = list(site.get("worker-extra-args") or [])
    if "--lifetime" not in worker_arguments:
        worker_arguments += lifetime_arguments(walltime)
    constraint = [f"--constraint={resources.constraint}"] if resources.constraint else []
    options = {
        "cores": resources.cores or site.get("cores") or DEFAULT_CORES,
        "memory": resources.memory or site.get("memory") or DEFAULT_MEMORY,
        "processes": 1,
        "python": site.get("python") or sys.executable,
        "job_script_prologue": [*(site.get("job-script-prologue") or site.get("env-extra") or []), *worker_prologue()],
        "job_extra_directives": [
            *(site.get("job-extra-directives") or site.get("job-extra") or []),
            *gpu_directives(system, resources.gpus),
            *constraint,
            *resources.job_extra,
        ],
        "worker_extra_args": [*worker_arguments, "--nthreads", "1"],
        "log_directory": site.get("log-directory") or str(logs_folder() / "jobs"),
        "scheduler_options": {"dashboard_address": ":0"} | (site.get("scheduler-options") or {}),
    }
    account_name = "project" if system == "sge" else "account"
    for name, value in (
        ("walltime", resources.walltime),
        ("queue", resources.queue),
        ("interface", resources.interface),
        (account_name, resources.account),
    ):
        if value is not None:
            options[name] = value
    return options


def batch_cluster(system: str, resources: BatchResources):
    """The ``dask_jobqueue`` cluster of ``system`` (``batch_cluster_options``; its job script:
    ``cluster.job_script()``); no job is submitted until it is scaled."""
    import dask_jobqueue

    cluster_class = {
        "slurm": dask_jobqueue.SLURMCluster,
        "pbs": dask_jobqueue.PBSCluster,
        "sge": dask_jobqueue.SGECluster,
    }[system]
    return cluster_class(**batch_cluster_options(system, resources))


def describe_cluster(scheduler: str | None, workers: int, resources: BatchResources | None = None) -> str:
    """What ``open_client`` would start, as text, submitting nothing: a batch cluster's settings and job script
    (dask-jobqueue's ``cluster.job_script()``), the local cluster's processes, or the scheduler's address."""
    if scheduler is None:
        return (
            f"cluster: a LocalCluster of {workers} worker processes x 1 thread on this machine "
            f"({usable_cores()} cores), environment {WORKER_ENVIRONMENT}"
        )
    if scheduler not in BATCH_SYSTEMS:
        return f"cluster: the running scheduler at {scheduler} (its workers; --workers does not apply)"
    resources = resources or BatchResources()
    options = batch_cluster_options(scheduler, resources)
    with dask_logs_to(None):
        cluster = batch_cluster(scheduler, resources)
        try:
            script = cluster.job_script()
        finally:
            cluster.close()
    import dask

    site = dask.config.get(f"jobqueue.{scheduler}", default={}) or {}
    settings = {}  # each setting as the job gets it: the request's, else the site's jobqueue.yaml
    for name in ("cores", "memory", "walltime", "queue", "account", "project", "interface", "log_directory"):
        value = options.get(name, site.get(name.replace("_", "-")))
        if value is not None:
            settings[name] = value
    lines = [
        f"cluster: {workers} {scheduler} batch jobs (one Dask worker each, kept at {workers} by adaptive scaling), "
        f"submitted with {SUBMIT_COMMANDS[scheduler]}",
        *(f"  {name}: {value}" for name, value in settings.items()),
        "job script:",
        script.rstrip(),
    ]
    return "\n".join(lines)


def inherit_thread_settings() -> None:
    """Let the local workers' processes inherit this process's BLAS and OpenMP thread settings: Dask's nannies set
    ``OMP_NUM_THREADS=1`` (and MKL's, OpenBLAS's) by default, and sums over another number of threads differ in their
    last bits, so the grid's scores would not equal ``brainscore score``'s exactly. Dask's memory-trim setting is
    kept; idle OpenMP threads sleep instead of spinning (``OMP_WAIT_POLICY=PASSIVE``: several workers share the
    cores; it changes no result)."""
    import dask

    dask.config.set(
        {"distributed.nanny.pre-spawn-environ": {"MALLOC_TRIM_THRESHOLD_": 65536, "OMP_WAIT_POLICY": "PASSIVE"}}
    )


@contextlib.contextmanager
def _sigint_blocked():
    """Block SIGINT in this thread while a local cluster starts: the thread that runs its nannies is created now and
    inherits the mask, and so does every worker process it spawns (restarts too), so a Ctrl-C in the terminal reaches
    this process alone, which closes the cluster; a Ctrl-C during the start is delivered when it ends."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


class LogToFile(WorkerPlugin):
    """A Dask worker plugin that sends a worker process's logging and its stderr (warnings, tracebacks of native
    code) to ``path``, not to the terminal of the grid that started it."""

    name = "brainscore-lcl-log-to-file"

    def __init__(self, path: str):
        self.path = path

    def setup(self, worker) -> None:
        stream = open(self.path, "a", buffering=1)  # noqa: SIM115 - the worker process's stderr until it exits
        os.dup2(stream.fileno(), 2)
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s [worker %(process)d] %(message)s"))
        for name in DASK_LOGGERS:
            logger = logging.getLogger(name)
            logger.handlers = [handler]
            logger.propagate = False

    def teardown(self, worker) -> None:
        """Nothing: the process exits with its worker."""

    def transition(self, key, start, finish, **kwargs) -> None:
        """Nothing: the plugin acts at setup only."""


@contextlib.contextmanager
def dask_logs_to(path: Path | None):
    """Send the records of Dask's and dask-jobqueue's loggers (and Python warnings) in this process to ``path``
    (None: drop them) instead of stderr; restore them after."""
    handler: logging.Handler
    if path is None:
        handler = logging.NullHandler()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    saved = {}
    for name in DASK_LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = (logger.handlers, logger.propagate, logger.level)
        logger.handlers, logger.propagate = [handler], False
        logger.setLevel(logging.INFO)
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        for name, (handlers, propagate, level) in saved.items():
            logger = logging.getLogger(name)
            logger.handlers, logger.propagate = handlers, propagate
            logger.setLevel(level)
        handler.close()


def grid_log_file() -> Path:
    """A new log file for one grid's Dask messages: ``<cache>/logs/grid-<time>-<pid>.log``."""
    import time

    return logs_folder() / f"grid-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"


def job_states(system: str, job_ids: list[str]) -> dict[str, str]:
    """{job id: state} of the jobs ``system``'s queue command still lists (SLURM: PENDING, RUNNING, ...; PBS/SGE:
    the state column, e.g. Q, R, qw, r); {} when the command fails."""
    command = QUEUE_COMMANDS[system]
    if shutil.which(command) is None or not job_ids:
        return {}
    argv = [command, "-h", "-o", "%i %T", "-j", ",".join(job_ids)] if system == "slurm" else [command]
    try:
        listing = subprocess.run(argv, capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    states = {}
    for line in listing.splitlines():
        fields = line.split()
        for job_id in job_ids:
            if fields and fields[0].split(".")[0] == job_id.split(".")[0]:
                states[job_id] = fields[1] if system == "slurm" else (fields[4] if len(fields) > 4 else "?")
    return states


def _pending(state: str) -> bool:
    """Whether a queue's job ``state`` means waiting to start (SLURM PENDING/CONFIGURING, PBS Q/H/W, SGE qw/hqw)."""
    return state.upper() in {"PENDING", "CONFIGURING", "Q", "H", "W", "QW", "HQW"}


def no_worker_sentence(scheduler: str | None, cluster, timeout: float) -> str:
    """The sentence of a grid that got no worker within ``timeout`` seconds, naming the likely cause: jobs still
    pending in the queue, jobs running whose workers cannot reach the scheduler, jobs that ended (failed at start,
    with the folder of their logs), or a scheduler without workers."""
    if scheduler is None:
        return f"no local Dask worker process started within {timeout:g} s; see the grid's log in {logs_folder()}"
    if scheduler not in BATCH_SYSTEMS:
        return (
            f"no Dask worker joined the scheduler at {scheduler} within {timeout:g} s; start workers with "
            f"`dask worker {scheduler}`, or raise --worker-timeout"
        )
    job_ids = [job.job_id for job in cluster.workers.values() if getattr(job, "job_id", None)]
    states = job_states(scheduler, job_ids)
    logs = cluster._dummy_job.log_directory
    queue = QUEUE_COMMANDS[scheduler]
    if any(_pending(state) for state in states.values()):
        pending = sum(_pending(state) for state in states.values())
        return (
            f"no Dask worker started within {timeout:g} s: {pending} of {len(job_ids)} {scheduler} jobs are still "
            f"pending in the queue ({queue}); raise --worker-timeout, or ask for less (--cores, --memory, --walltime) "
            "or another --queue"
        )
    running = [state for state in states.values() if state.upper() in {"RUNNING", "R"}]
    if running:
        return (
            f"no Dask worker reached the scheduler within {timeout:g} s although {len(running)} {scheduler} jobs run; "
            f"their logs are in {logs}: choose the network --interface the nodes reach this machine on"
        )
    return (
        f"no Dask worker started within {timeout:g} s: the {len(job_ids)} {scheduler} job(s) ended without one "
        f"(failed at start); their logs are in {logs}"
    )


def _submission_sentence(system: str, error: RuntimeError) -> str:
    """The sentence of a job the batch system refused (dask-jobqueue's RuntimeError carries its stderr)."""
    text = str(error)
    detail = text.split("stderr:", 1)[1] if "stderr:" in text else text
    first_line = next((line.strip() for line in detail.splitlines() if line.strip()), "no message")
    return (
        f"{SUBMIT_COMMANDS[system]} refused the grid's worker job ({first_line}); check --queue, --account and the "
        "site's jobqueue.yaml (see the job script with --dry-run)"
    )


def open_client(
    scheduler: str | None,
    workers: int,
    resources: BatchResources | None = None,
    *,
    worker_timeout: float = WORKER_TIMEOUT,
    log_file: Path | None = None,
):
    """A ``distributed.Client`` with at least one worker: ``scheduler`` None starts a ``LocalCluster`` of ``workers``
    processes (their logs and stderr go to ``log_file`` when given); "slurm", "pbs" or "sge" a batch cluster adapted
    to ``workers`` jobs (each that ends is replaced); anything else is a scheduler's address. ``RunError`` when the
    jobs are refused or no worker comes within ``worker_timeout`` s. Close it with ``close_client``."""
    from distributed import Client, LocalCluster

    resources = resources or BatchResources()
    check_cluster_request(scheduler, workers, resources, worker_timeout=worker_timeout)
    cluster = client = None
    try:
        if scheduler is None:
            inherit_thread_settings()
            with _sigint_blocked():
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # a free port: Dask's HTTP server warns when 8787 is taken
                    silence_logs=logging.ERROR,
                    env=WORKER_ENVIRONMENT,
                )
                client = Client(cluster)
            if log_file is not None:
                client.register_plugin(LogToFile(str(log_file)))
        elif scheduler in BATCH_SYSTEMS:
            cluster = batch_cluster(scheduler, resources)
            while len(cluster.worker_spec) < workers:  # what cluster.scale does, but submitted here and now, so
                cluster.worker_spec.update(cluster.new_worker_spec())  # that a refused job is reported at once
            try:
                cluster.sync(cluster._correct_state)
            except RuntimeError as error:
                from distributed.core import Status

                cluster.worker_spec.clear()  # the jobs never submitted: failed, so that the cluster closes
                for job in cluster.workers.values():
                    if job.job_id is None:
                        job.status = Status.failed
                raise RunError(_submission_sentence(scheduler, error)) from None
            cluster.adapt(minimum=workers, maximum=workers)
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout="20s")
            except OSError as error:
                raise RunError(
                    f"no Dask scheduler answers at {scheduler} ({error}); start one or drop --scheduler"
                ) from None
        try:
            client.wait_for_workers(1, timeout=worker_timeout)
        except TimeoutError:
            raise RunError(no_worker_sentence(scheduler, cluster, worker_timeout)) from None
    except BaseException:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        raise
    return client


def close_client(client) -> None:
    """Close ``client`` and the cluster it started (a LocalCluster or batch jobs)."""
    cluster = client.cluster
    client.close()
    if cluster is not None:
        cluster.close()
