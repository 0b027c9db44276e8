"""The Dask cluster a grid runs on: a ``LocalCluster`` of worker processes on this machine (the default), an existing
scheduler by address, or a batch system's jobs through ``dask-jobqueue`` (SLURM, PBS, SGE).

Every worker runs one task at a time (one thread; torch and BLAS use the cores, as in ``brainscore score``) and
sees this suite's cache folder (``$BRAINSCORE_LCL_CACHE``, and ``$RESULTCACHING_HOME`` for activations): batch jobs
export both, so on a cluster they must name a shared file system.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from dataclasses import dataclass

from brainscore_lcl.errors import UsageError

BATCH_SYSTEMS = ("slurm", "pbs", "sge")
#: environment of every worker: no progress bars or library warnings of their own (the client shows the grid's)
WORKER_ENVIRONMENT = {"TQDM_DISABLE": "1", "PYTHONWARNINGS": "ignore"}


@dataclass(frozen=True)
class BatchResources:
    """What each batch job (one Dask worker) asks for: cores, memory ("16GB"), walltime ("04:00:00"), GPUs, queue."""

    cores: int = 4
    memory: str = "16GB"
    walltime: str = "04:00:00"
    gpus: int = 0
    queue: str | None = None


#: walltimes every batch system reads: HH:MM:SS (hours of any length); SLURM also D-HH:MM:SS
WALLTIME = re.compile(r"(?:(?P<days>\d+)-)?\d+:(?P<minutes>[0-5]\d):(?P<seconds>[0-5]\d)")


def check_batch_resources(system: str, resources: BatchResources) -> None:
    """``UsageError`` for a request ``system``'s batch jobs cannot carry: cores below 1, negative GPUs, a memory
    dask-jobqueue cannot read or of zero bytes, a walltime not HH:MM:SS (or D-HH:MM:SS on SLURM)."""
    from dask.utils import parse_bytes

    if resources.cores < 1:
        raise UsageError(f"--cores {resources.cores} must be at least 1 (cores per batch job), e.g. --cores 4")
    if resources.gpus < 0:
        raise UsageError(f"--gpus {resources.gpus} must be 0 or more (GPUs per batch job)")
    try:
        memory = parse_bytes(resources.memory)
    except ValueError:
        memory = 0
    if memory <= 0:
        raise UsageError(
            f"--memory {resources.memory!r} is not an amount of memory per batch job; write a positive number and a "
            "unit, e.g. --memory 16GB or --memory 32GiB"
        )
    walltime = WALLTIME.fullmatch(resources.walltime)
    if walltime is None or (walltime["days"] is not None and system != "slurm"):
        accepted = "HH:MM:SS or D-HH:MM:SS" if system == "slurm" else "HH:MM:SS"
        raise UsageError(
            f"--walltime {resources.walltime!r} is not a walltime {system} reads ({accepted}); e.g. --walltime 04:00:00"
        )


def check_cluster_request(scheduler: str | None, workers: int, resources: BatchResources) -> None:
    """``UsageError`` for a cluster ``open_client`` cannot start: fewer than one worker, or (for a batch system)
    resources its jobs cannot ask for (``check_batch_resources``)."""
    if workers < 1:
        raise UsageError(f"--workers {workers} must be at least 1")
    if scheduler in BATCH_SYSTEMS:
        check_batch_resources(scheduler, resources)


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


def batch_cluster(system: str, resources: BatchResources):
    """The ``dask_jobqueue`` cluster of ``system`` (its job script: ``cluster.job_script()``); no job is submitted
    until it is scaled."""
    import dask_jobqueue

    cluster_class = {
        "slurm": dask_jobqueue.SLURMCluster,
        "pbs": dask_jobqueue.PBSCluster,
        "sge": dask_jobqueue.SGECluster,
    }[system]
    return cluster_class(
        cores=resources.cores,
        processes=1,
        memory=resources.memory,
        walltime=resources.walltime,
        queue=resources.queue,
        python=sys.executable,
        job_script_prologue=worker_prologue(),
        job_extra_directives=gpu_directives(system, resources.gpus),
        worker_extra_args=["--nthreads", "1"],
    )


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


def open_client(scheduler: str | None, workers: int, resources: BatchResources | None = None):
    """A ``distributed.Client``: ``scheduler`` None starts a ``LocalCluster`` of ``workers`` processes; "slurm",
    "pbs" or "sge" a batch cluster scaled to ``workers`` jobs; anything else is a scheduler's address. Close it with
    ``client.close()`` and, when it owns one, ``client.cluster.close()`` (``close_client``)."""
    from distributed import Client, LocalCluster

    resources = resources or BatchResources()
    check_cluster_request(scheduler, workers, resources)
    logging.getLogger("distributed").setLevel(logging.WARNING)  # the grid prints its own progress
    if scheduler is None:
        inherit_thread_settings()
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
            env=WORKER_ENVIRONMENT,
        )
        return Client(cluster)
    if scheduler in BATCH_SYSTEMS:
        cluster = batch_cluster(scheduler, resources)
        cluster.scale(jobs=workers)
        return Client(cluster)
    if "://" not in scheduler and ":" not in scheduler:
        raise UsageError(
            f"--scheduler {scheduler!r} is neither one of {', '.join(BATCH_SYSTEMS)} nor a scheduler address "
            "(tcp://HOST:PORT)"
        )
    try:
        return Client(scheduler, timeout="20s")
    except OSError as error:
        from brainscore_lcl.errors import RunError

        raise RunError(f"no Dask scheduler answers at {scheduler} ({error}); start one or drop --scheduler") from None


def close_client(client) -> None:
    """Close ``client`` and the cluster it started (a LocalCluster or batch jobs)."""
    cluster = client.cluster
    client.close()
    if cluster is not None:
        cluster.close()
