"""Bench of ``brainscore grid`` (issue 22): 4 models x 4 benchmarks on the simulated data, in one run,

- through one ``brainscore score`` process per cell, one after the other (the shell loop a lab writes today), and
- through ``brainscore grid --workers 2`` (a local Dask cluster of two worker processes),

each with an empty activations cache of its own (``$RESULTCACHING_HOME``; the simulated data and placed stimuli are
shared and built before timing) and a results database of its own. Prints the wall time of each, their ratio (target
>= 2x), the network's runs on stimulus sets in each (the activation files each wrote; the grid's own count too;
target: one per model and stimulus set), the load average, and whether every cell's score is the same in both
(exactly). ``--json FILE`` writes the numbers; ``--keep DIR`` keeps both runs' databases.

    python tools/bench_grid.py [--json bench_grid.json] [--workers 2] [--keep DIR]
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
BRAINSCORE = [sys.executable, "-m", "brainscore_lcl.cli"]


def activation_files(resultcaching_home: Path) -> int:
    """Activation entries written: one per model and stimulus set the network ran on."""
    folder = resultcaching_home / ACTIVATIONS
    return len(list(folder.glob("*.nc"))) if folder.is_dir() else 0


def prepare() -> None:
    """Build the simulated data and the placed stimuli once, outside the timed runs."""
    subprocess.run(
        [*BRAINSCORE, "score", "--model", "sim-generator", "--benchmark", BENCHMARKS[0], "--db", "sqlite://"],
        check=True,
        capture_output=True,
    )


def run_cells(folder: Path) -> dict:
    """One ``brainscore score`` process per cell."""
    environment = os.environ | {"RESULTCACHING_HOME": str(folder / "activations"), "TQDM_DISABLE": "1"}
    database = f"sqlite:///{folder / 'results.sqlite'}"
    start = time.perf_counter()
    for model in MODELS:
        for benchmark in BENCHMARKS:
            argv = [*BRAINSCORE, "score", "--model", model, "--benchmark", benchmark, "--db", database]
            subprocess.run(argv, check=True, env=environment, capture_output=True)
    return {"seconds": time.perf_counter() - start, "extractions": activation_files(folder / "activations")}


def run_grid(folder: Path, workers: int) -> dict:
    """``brainscore grid`` over the same cells."""
    environment = os.environ | {"RESULTCACHING_HOME": str(folder / "activations"), "TQDM_DISABLE": "1"}
    summary = folder / "summary.json"
    argv = [*BRAINSCORE, "grid", "--models", *MODELS, "--benchmarks", *BENCHMARKS, "--workers", str(workers)]
    argv += ["--db", f"sqlite:///{folder / 'results.sqlite'}", "--json", str(summary)]
    start = time.perf_counter()
    subprocess.run(argv, check=True, env=environment, capture_output=True)
    seconds = time.perf_counter() - start
    counted = json.loads(summary.read_text())
    return {
        "seconds": seconds,
        "extractions": activation_files(folder / "activations"),
        "grid_counted_extractions": counted["extractions"],
        "extraction_tasks": counted["extraction_tasks"],
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
    args = parser.parse_args(argv)
    prepare()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-grid-") as scratch:
        folder = Path(args.keep or scratch)
        cells_folder, grid_folder = folder / "cells", folder / "grid"
        cells = run_cells(cells_folder)
        grid = run_grid(grid_folder, args.workers)
        per_cell, on_grid = scores(cells_folder / "results.sqlite"), scores(grid_folder / "results.sqlite")
    same = sum(per_cell.get(cell) == score for cell, score in on_grid.items())
    result = {
        "cells": len(MODELS) * len(BENCHMARKS),
        "per_cell_processes": cells,
        "grid": grid | {"workers": args.workers},
        "speedup": cells["seconds"] / grid["seconds"],
        "scores_equal": same,
        "load_average_before_after": [load_before, os.getloadavg()],
    }
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} (2 cores, shared machine)")
    print(f"one `brainscore score` per cell: {cells['seconds']:.1f} s, {cells['extractions']} activation extractions")
    print(
        f"brainscore grid --workers {args.workers}: {grid['seconds']:.1f} s, {grid['extractions']} activation "
        f"extractions (grid's count {grid['grid_counted_extractions']}, {grid['extraction_tasks']} model x "
        "stimulus-set tasks)"
    )
    print(f"speed-up {result['speedup']:.2f}x (target >= 2x); scores equal in both: {same}/{len(on_grid)} cells")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
