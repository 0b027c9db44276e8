"""``brainscore grid``: score every model on every benchmark on Dask, into the results database."""

from __future__ import annotations

import argparse

from brainscore_lcl import versioned
from brainscore_lcl.cli.options import add_database_argument, check_json_option
from brainscore_lcl.cli.score import add_texmod_cv_argument, benchmark_options, check_texmod_cv
from brainscore_lcl.controls import CONTROL_MODELS
from brainscore_lcl.errors import UsageError


def batch_resources(args: argparse.Namespace):
    """The ``BatchResources`` the options name (None: left to the site's jobqueue.yaml)."""
    from brainscore_lcl.grid.clusters import BatchResources

    return BatchResources(
        cores=args.cores,
        memory=args.memory,
        walltime=args.walltime,
        gpus=args.gpus,
        queue=args.queue,
        account=args.account,
        constraint=args.constraint,
        interface=args.interface,
        job_extra=tuple(args.job_extra or ()),
    )


def command_grid(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from brainscore_lcl.cache import atomic_write_json
    from brainscore_lcl.grid.cells import grid_models
    from brainscore_lcl.grid.clusters import (
        DEFAULT_WORKERS,
        check_cluster_request,
        close_client,
        dask_logs_to,
        describe_cluster,
        grid_log_file,
        open_client,
        usable_cores,
    )
    from brainscore_lcl.grid.run import run_grid
    from brainscore_lcl.results.cell import check_benchmark_request
    from brainscore_lcl.results.db import ResultsDB, checked_target, engine_url, is_new_sqlite_file

    # every check before any cluster, job, log or database file exists
    check_json_option(args)
    check_texmod_cv(args, args.benchmarks)
    if args.retries < 0:
        raise UsageError(f"--retries {args.retries} must be 0 or more (Dask's retries of a task that raised)")
    resources = batch_resources(args)
    if args.workers is None:  # two, or fewer on a machine of one core
        args.workers = min(DEFAULT_WORKERS, usable_cores()) if args.scheduler is None else DEFAULT_WORKERS
    check_cluster_request(
        args.scheduler, args.workers, resources, worker_timeout=args.worker_timeout, submitting=not args.dry_run
    )
    rows = list(args.models or [])
    if not args.no_controls:  # every column's scores beside the controls' (docs/controls.md)
        rows += [control for control in CONTROL_MODELS if control not in rows]
    models = grid_models(rows, args.checkpoint or [], args.runs)
    options = benchmark_options(args)
    for benchmark_id in args.benchmarks:
        check_benchmark_request(benchmark_id, options)
    url = engine_url(args.db)
    if args.dry_run:
        import sqlalchemy

        cells = len(models) * len(args.benchmarks)
        print(
            f"grid: {len(models)} models x {len(args.benchmarks)} benchmarks = {cells} cells, results in "
            f"{sqlalchemy.engine.make_url(url).render_as_string(hide_password=True)}"
        )
        print(describe_cluster(args.scheduler, args.workers, resources))
        print("dry run: nothing submitted, no database opened")
        return 0
    # its URL and file checked before any cluster starts; a new database (no cell stored) starts the cluster at once,
    # and its file is made only once the cluster has a worker
    fresh = is_new_sqlite_file(checked_target(url)[0])
    log_file = grid_log_file()
    opened = []

    def connect():  # called by run_grid only when a task is to be submitted: a no-op grid starts no cluster
        opened.append(
            open_client(args.scheduler, args.workers, resources, worker_timeout=args.worker_timeout, log_file=log_file)
        )
        return opened[-1]

    with dask_logs_to(log_file):
        try:
            client = connect() if fresh else connect
            db = ResultsDB(url)  # an existing database's server and schema checked before its lazy cluster starts
            summary = run_grid(
                models,
                args.benchmarks,
                client=client,
                db=db,
                options=options,
                recompute=args.recompute,
                retry_failed=args.retry_failed,
                retries=args.retries,
                worker_timeout=args.worker_timeout,
            )
        finally:
            for client in opened:
                close_client(client)
    print(summary.line())
    if args.json:
        atomic_write_json(args.json, versioned(asdict(summary)), indent=2)
    return 1 if summary.failed else 0


def add_subcommand(commands: argparse._SubParsersAction) -> None:
    """Add ``grid`` to the ``brainscore`` command's subparsers."""
    from brainscore_lcl.grid.clusters import WORKER_TIMEOUT

    parser = commands.add_parser("grid", help="score many models on many benchmarks on Dask, into the results database")
    parser.add_argument("--models", nargs="+", metavar="MODEL", help="model ids (rows of the grid)")
    parser.add_argument("--benchmarks", nargs="+", required=True, metavar="BENCHMARK", help="benchmark ids (columns)")
    parser.add_argument(
        "--checkpoint",
        action="append",
        metavar="NAME=PATH",
        help="a checkpoint as one more row: NAME a model id (that model with these weights) or any name (an encoder "
        "checkpoint of `brainscore train`); repeatable",
    )
    parser.add_argument("--runs", metavar="DIR", help="every DIR/<run>/encoder.pt as one more row, named <run>")
    add_database_argument(parser)
    parser.add_argument("--recompute", action="store_true", help="compute every cell again, replacing stored ones")
    parser.add_argument("--retry-failed", action="store_true", help="compute the cells stored as failed again")
    parser.add_argument(
        "--workers",
        type=int,
        help="Dask workers: local processes (at most this machine's cores) or batch jobs (default 2)",
    )
    parser.add_argument(
        "--scheduler",
        help="slurm, pbs or sge (workers as batch jobs, through dask-jobqueue), or an existing scheduler's address "
        "tcp://HOST:PORT (default: a local cluster of --workers processes)",
    )
    parser.add_argument(
        "--worker-timeout",
        type=float,
        default=WORKER_TIMEOUT,
        metavar="SECONDS",
        help=f"end the grid when no worker has joined after this long, or the cluster has had none for this long while "
        f"cells are pending (default {WORKER_TIMEOUT:g})",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the cluster's settings and job script; submit nothing"
    )
    batch = parser.add_argument_group(
        "batch jobs", "each overrides the site's jobqueue.yaml (dask config jobqueue.<system>.*), which sets the rest"
    )
    batch.add_argument("--cores", type=int, help="cores per job (default: jobqueue.yaml, else 4)")
    batch.add_argument("--memory", help="memory per job, e.g. 16GB (default: jobqueue.yaml, else 16GB)")
    batch.add_argument(
        "--walltime", help="walltime per job, HH:MM:SS (default: jobqueue.yaml); ended jobs are replaced"
    )
    batch.add_argument("--gpus", type=int, default=0, help="GPUs per job (default 0)")
    batch.add_argument("--queue", help="queue or partition")
    batch.add_argument("--account", help="account to charge (SGE: project)")
    batch.add_argument("--constraint", help="SLURM node features, e.g. 'v100|a100'")
    batch.add_argument("--interface", help="network interface of the workers and the scheduler, e.g. ib0")
    batch.add_argument(
        "--job-extra",
        action="append",
        metavar="DIRECTIVE",
        help="one more job directive, e.g. --job-extra=--qos=high for '#SBATCH --qos=high'; repeatable",
    )
    parser.add_argument("--retries", type=int, default=2, help="Dask retries of a task that raised (default 2)")
    parser.add_argument("--json", help="write the grid's summary here")
    parser.add_argument(
        "--time-window", nargs=2, type=int, metavar=("START_MS", "END_MS"), help="response window (default 50 200)"
    )
    parser.add_argument("--data-root", help="folder of the raw release for FreemanZiemba2013local.*")
    parser.add_argument("--pls", choices=("kernel", "exact", "brainscore"), help="PLS implementation (default kernel)")
    add_texmod_cv_argument(parser)
    parser.add_argument(
        "--no-controls",
        action="store_true",
        help="do not add the controls control-design and control-pixels as rows (docs/controls.md)",
    )
    parser.set_defaults(func=command_grid)
