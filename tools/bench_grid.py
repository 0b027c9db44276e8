"""Bench of ``brainscore grid`` (issues 22 and 29): 4 models x 4 benchmarks on the simulated data, in one run,

- through one ``brainscore score`` process per cell, one after the other (the shell loop a lab writes today;
  ``--skip-per-cell`` leaves it out), and
- through ``brainscore grid --workers 2`` (a local Dask cluster of two worker processes), then the same command again
  on its full database (the no-op rerun: every cell stored; target under 10 s for 12 cells), and
- with ``--other TREE``, the same grid and no-op rerun through another checkout's ``.venv`` (e.g. the tree before a
  change), with the ratios of its seconds to this tree's,

each with an empty activations cache of its own (``$RESULTCACHING_HOME``; the simulated data and placed stimuli are
shared and built before timing; the other tree gets its own cache folder) and a results database of its own. Prints
the wall time of each, their ratio (target >= 2x), the network's runs on stimulus sets in each (the activation files
each wrote; the grid's own count too; target: one per model and stimulus set), the load average, and whether every
cell's score is the same in both (exactly). ``--json FILE`` writes the numbers; ``--keep DIR`` keeps both runs'
databases; ``--benchmarks N`` uses the first N benchmarks; ``--no-controls`` leaves out the control rows.

    python tools/bench_grid.py [--json bench_grid.json] [--workers 2] [--keep DIR]
    python tools/bench_grid.py --benchmarks 3 --no-controls --skip-per-cell --other /work/wt/base28   # 12 cells
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODELS = ["lcl-v2", "alexnet-untrained", "v1-steerpyr-pool", "sim-generator"]
BENCHMARKS = [
    "FreemanZiemba2013sim.V1-pls",
    "FreemanZiemba2013sim.V2-pls",
    "FreemanZiemba2013sim.V2-texmod",
    "FreemanZiemba2013sim.V2-pls-v1like",
]
ACTIVATIONS = "brainscore_vision.model_helpers.activations.core.ActivationsExtractorHelper._from_paths_stored"
REPOSITORY = Path(__file__).resolve().parents[1]


def brainscore(tree: Path) -> list[str]:
    """The ``brainscore`` command of the checkout ``tree`` (its own ``.venv``; run with ``cwd=tree``)."""
    python = tree / ".venv" / "bin" / "python" if tree != REPOSITORY else Path(sys.executable)
    return [str(python), "-m", "brainscore_lcl.cli"]


def activation_files(resultcaching_home: Path) -> int:
    """Activation entries written: one per model and stimulus set the network ran on."""
    folder = resultcaching_home / ACTIVATIONS
    return len(list(folder.glob("*.nc"))) if folder.is_dir() else 0


def prepare(tree: Path, environment: dict[str, str]) -> None:
    """Build the simulated data and the placed stimuli once, outside the timed runs."""
    argv = [*brainscore(tree), "score", "--model", "sim-generator", "--benchmark", BENCHMARKS[0], "--db", "sqlite://"]
    subprocess.run([*argv, "--no-controls"], check=True, capture_output=True, env=environment, cwd=tree)


def run_cells(folder: Path, benchmarks: list[str]) -> dict:
    """One ``brainscore score`` process per cell."""
    environment = os.environ | {"RESULTCACHING_HOME": str(folder / "activations"), "TQDM_DISABLE": "1"}
    database = f"sqlite:///{folder / 'results.sqlite'}"
    start = time.perf_counter()
    for model in MODELS:
        for benchmark in benchmarks:
            argv = [*brainscore(REPOSITORY), "score", "--model", model, "--benchmark", benchmark, "--db", database]
            subprocess.run([*argv, "--no-controls"], check=True, env=environment, capture_output=True)
    return {"seconds": time.perf_counter() - start, "extractions": activation_files(folder / "activations")}


def run_grid(
    folder: Path, workers: int, benchmarks: list[str], controls: bool, tree: Path, environment: dict[str, str]
) -> dict:
    """``brainscore grid`` of ``tree`` over the same cells, then the same command again (the no-op rerun)."""
    environment = environment | {"RESULTCACHING_HOME": str(folder / "activations"), "TQDM_DISABLE": "1"}
    summary = folder / "summary.json"
    argv = [*brainscore(tree), "grid", "--models", *MODELS, "--benchmarks", *benchmarks, "--workers", str(workers)]
    argv += ["--db", f"sqlite:///{folder / 'results.sqlite'}", "--json", str(summary)]
    argv += [] if controls else ["--no-controls"]
    start = time.perf_counter()
    subprocess.run(argv, check=True, env=environment, capture_output=True, cwd=tree)
    seconds = time.perf_counter() - start
    counted = json.loads(summary.read_text())
    start = time.perf_counter()
    subprocess.run(argv, check=True, env=environment, capture_output=True, cwd=tree)
    rerun_seconds = time.perf_counter() - start
    rerun = json.loads(summary.read_text())
    return {
        "seconds": seconds,
        "extractions": activation_files(folder / "activations"),
        "grid_counted_extractions": counted["extractions"],
        "extraction_tasks": counted["extraction_tasks"],
        "noop_rerun_seconds": rerun_seconds,
        "noop_rerun_computed": rerun["computed"],
        "cells": counted["cells"],
    }


def scores(database: Path) -> dict[str, float]:
    """{model/benchmark: score} of a results database."""
    from brainscore_lcl.results.db import DONE, ResultsDB

    rows = ResultsDB(f"sqlite:///{database}").rows(status=DONE)
    return {f"{row['model']}/{row['benchmark']}": row["score"] for row in rows}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="write the numbers here")
    parser.add_argument("--keep", help="keep both runs' databases and activations in this folder (default: removed)")
    parser.add_argument("--benchmarks", type=int, default=len(BENCHMARKS), help="use the first N benchmarks")
    parser.add_argument("--no-controls", action="store_true", help="grids without the control rows")
    parser.add_argument("--skip-per-cell", action="store_true", help="leave out one `brainscore score` per cell")
    parser.add_argument("--other", type=Path, help="another checkout (with its .venv) to run the same grid through")
    args = parser.parse_args(argv)
    benchmarks, controls = BENCHMARKS[: args.benchmarks], not args.no_controls
    here = dict(os.environ)
    prepare(REPOSITORY, here)
    if args.other:
        other_cache = Path(here.get("BRAINSCORE_LCL_CACHE", tempfile.gettempdir())) / "bench-grid-other-tree"
        there = here | {"BRAINSCORE_LCL_CACHE": str(other_cache)}
        prepare(args.other.resolve(), there)
    load_before = os.getloadavg()
    result: dict = {"cells": len(MODELS) * len(benchmarks), "benchmarks": benchmarks, "controls": controls}
    with tempfile.TemporaryDirectory(prefix="bench-grid-") as scratch:
        folder = Path(args.keep or scratch)
        if not args.skip_per_cell:
            result["per_cell_processes"] = run_cells(folder / "cells", benchmarks)
        grid = run_grid(folder / "grid", args.workers, benchmarks, controls, REPOSITORY, here)
        result["grid"] = grid | {"workers": args.workers}
        if args.other:
            other = run_grid(folder / "other", args.workers, benchmarks, controls, args.other.resolve(), there)
            result["other_tree"] = other | {"tree": str(args.other)}
        on_grid = scores(folder / "grid" / "results.sqlite")
        per_cell = scores(folder / "cells" / "results.sqlite") if not args.skip_per_cell else {}
    result["load_average_before_after"] = [load_before, os.getloadavg()]
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} (2 cores, shared machine)")
    if not args.skip_per_cell:
        cells = result["per_cell_processes"]
        same = sum(per_cell.get(cell) == score for cell, score in on_grid.items())
        result |= {"speedup": cells["seconds"] / grid["seconds"], "scores_equal": same}
        print(f"one `brainscore score` per cell: {cells['seconds']:.1f} s, {cells['extractions']} activation runs")
    print(
        f"brainscore grid --workers {args.workers} ({grid['cells']} cells): {grid['seconds']:.1f} s, "
        f"{grid['extractions']} activation extractions (grid's count {grid['grid_counted_extractions']}, "
        f"{grid['extraction_tasks']} model x stimulus-set tasks); no-op rerun {grid['noop_rerun_seconds']:.1f} s "
        f"({grid['noop_rerun_computed']} computed; target under 10 s)"
    )
    if not args.skip_per_cell:
        print(
            f"speed-up {result['speedup']:.2f}x (target >= 2x); scores equal in both: "
            f"{result['scores_equal']}/{len(on_grid)} cells"
        )
    if args.other:
        other = result["other_tree"]
        result["ratios_this_over_other"] = {
            "grid": grid["seconds"] / other["seconds"],
            "noop_rerun": grid["noop_rerun_seconds"] / other["noop_rerun_seconds"],
        }
        print(
            f"other tree {args.other}: grid {other['seconds']:.1f} s ({other['extractions']} activation extractions, "
            f"grid's count {other['grid_counted_extractions']}), no-op rerun {other['noop_rerun_seconds']:.1f} s; "
            f"this/other: grid {result['ratios_this_over_other']['grid']:.2f}, no-op rerun "
            f"{result['ratios_this_over_other']['noop_rerun']:.2f}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
