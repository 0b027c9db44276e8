"""``brainscore grid``: score every model on every benchmark on Dask, into the results database."""

from __future__ import annotations

import argparse

from brainscore_lcl.cli.options import add_database_argument, check_json_option
from brainscore_lcl.cli.score import add_texmod_cv_argument, benchmark_options, check_texmod_cv
from brainscore_lcl.controls import CONTROL_MODELS
from brainscore_lcl.errors import UsageError


def command_grid(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from brainscore_lcl.cache import atomic_write_json
    from brainscore_lcl.grid.cells import grid_models
    from brainscore_lcl.grid.clusters import BatchResources, check_cluster_request, close_client, open_client
    from brainscore_lcl.grid.run import run_grid
    from brainscore_lcl.results.db import ResultsDB
    from brainscore_lcl.scoring import check_benchmark_id

    check_json_option(args)
    check_texmod_cv(args, args.benchmarks)
    rows = list(args.models or [])
    if not args.no_controls:  # every column's scores beside the controls' (docs/controls.md)
        rows += [control for control in CONTROL_MODELS if control not in rows]
    models = grid_models(rows, args.checkpoint or [], args.runs)
    for benchmark_id in args.benchmarks:
        check_benchmark_id(benchmark_id)
    if args.retries < 0:
        raise UsageError(f"--retries {args.retries} must be 0 or more (Dask's retries of a task that raised)")
    resources = BatchResources(args.cores, args.memory, args.walltime, args.gpus, args.queue)
    check_cluster_request(args.scheduler, args.workers, resources)  # before the database is opened
    db = ResultsDB(args.db)
    client = open_client(args.scheduler, args.workers, resources)
    try:
        summary = run_grid(
            models,
            args.benchmarks,
            client=client,
            db=db,
            options=benchmark_options(args),
            recompute=args.recompute,
            retry_failed=args.retry_failed,
            retries=args.retries,
        )
    finally:
        close_client(client)
    print(summary.line())
    if args.json:
        atomic_write_json(args.json, asdict(summary), indent=2)
    return 1 if summary.failed else 0


def add_subcommand(commands: argparse._SubParsersAction) -> None:
    """Add ``grid`` to the ``brainscore`` command's subparsers."""
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
    parser.add_argument("--workers", type=int, default=2, help="Dask workers (processes or batch jobs; default 2)")
    parser.add_argument(
        "--scheduler",
        help="slurm, pbs or sge (workers as batch jobs, through dask-jobqueue), or an existing scheduler's address "
        "tcp://HOST:PORT (default: a local cluster of --workers processes)",
    )
    parser.add_argument("--cores", type=int, default=4, help="batch jobs: cores per worker (default 4)")
    parser.add_argument("--memory", default="16GB", help="batch jobs: memory per worker (default 16GB)")
    parser.add_argument("--walltime", default="04:00:00", help="batch jobs: walltime per worker (default 04:00:00)")
    parser.add_argument("--gpus", type=int, default=0, help="batch jobs: GPUs per worker (default 0)")
    parser.add_argument("--queue", help="batch jobs: queue or partition")
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
