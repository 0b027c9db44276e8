"""Time the five neural figures on ``sim`` and a repeated ``brainscore report``, this tree against another (today's
path: e.g. ``git archive main``), in one run, each from an empty cache of its own.

For each tree: (1) the five figures (v1_predictivity, v2_predictivity, per_neuron, texture_modulation,
receptive_fields) with ``lcl-v2 alexnet-untrained v1-steerpyr v1-steerpyr-pool`` (receptive_fields: the two with a
first convolution) from an empty cache (the simulated release copied in as data from ``--sim-data``; its generation
is not timed); the other tree runs each figure script in its own process (as its report did), this tree runs them in
one process through ``brainscore_lcl.analyses.run``; (2) ``brainscore report --model lcl-v2`` (references: the
figures' models) twice, each in a new process, on the cache of (1). Both trees run side by side, so that they see the
same load, printed beside the numbers. The figures' JSON files stay under ``<work>/<tree>/figures`` for
``tools/check_figures_equal.py --compare-only``. ``--other`` needs ``benchmarks``, ``training`` and ``analyses``
under its ``brainscore_lcl/`` (links), as installed.

    python tools/bench_figures.py --other /tmp/main-tree --sim-data ~/.cache/brainscore_lcl/fz2013-sim-0-v3 \
        --work /tmp/bench-figures
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from check_figures_equal import FIGURES, figure_models

REPOSITORY = Path(__file__).resolve().parents[1]
#: the report timed: lcl-v2 against the references of the figures' models
REPORT = ["report", "--model", "lcl-v2", "--source", "sim", "--references", "v1-steerpyr-pool", "alexnet-untrained"]
ONE_PROCESS = (
    "import sys; from brainscore_lcl import analyses\n"
    "for figure, models in {models!r}.items():\n"
    "    analyses.run(figure, models, out=f'{{sys.argv[1]}}/{{figure}}', source='sim')"
)


def timed(command: list[str], environment: dict[str, str], cwd: Path) -> float:
    """Wall seconds of ``command`` (its output discarded; a failure stops the bench)."""
    started = time.perf_counter()
    subprocess.run(command, env=environment, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def fresh_cache(folder: Path, sim_data: Path) -> Path:
    """An empty cache folder holding only the simulated release (data, not computed results)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copytree(sim_data, folder / sim_data.name, copy_function=shutil.copy2)
    return folder


def bench_tree(name: str, tree: Path, one_process: bool, sim_data: Path, work: Path) -> dict[str, float]:
    """Seconds of the five figures from an empty cache and of a first and second report (see the module docstring)."""
    cache = fresh_cache(work / name / "cache", sim_data)
    figures = work / name / "figures"
    environment = os.environ | {"BRAINSCORE_LCL_CACHE": str(cache), "RESULTCACHING_HOME": str(cache / "result_caching")}
    if tree != REPOSITORY:
        environment["PYTHONPATH"] = str(tree)
    if one_process:
        models = {figure: list(figure_models(figure)) for figure in FIGURES}
        five = timed([sys.executable, "-c", ONE_PROCESS.format(models=models), str(figures)], environment, tree)
    else:
        five = sum(
            timed(
                [
                    sys.executable,
                    str(tree / "analyses" / f"{figure}.py"),
                    "--source",
                    "sim",
                    "--models",
                    *figure_models(figure),
                    "--out",
                    str(figures / figure),
                ],
                environment,
                tree,
            )
            for figure in FIGURES
        )
    cli = [sys.executable, "-c", "import sys; from brainscore_lcl.cli import main; sys.exit(main(sys.argv[1:]))"]
    first = timed(cli + REPORT + ["--out", str(work / name / "report")], environment, tree)
    second = timed(cli + REPORT + ["--out", str(work / name / "report")], environment, tree)
    return {"five figures, empty cache": five, "first report": first, "second report": second}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--other",
        type=Path,
        required=True,
        help="today's tree; its brainscore_lcl/ must hold benchmarks, training and analyses (links)",
    )
    parser.add_argument("--sim-data", type=Path, required=True, help="a generated simulated release folder")
    parser.add_argument("--work", type=Path, required=True, help="folder for the caches, figures and reports")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    with ThreadPoolExecutor(2) as pool:  # side by side: both trees see the same load
        today = pool.submit(bench_tree, "today", args.other.resolve(), False, args.sim_data, args.work)
        library = pool.submit(bench_tree, "library", REPOSITORY, True, args.sim_data, args.work)
        today, library = today.result(), library.result()
    print(f"load average after: {os.getloadavg()[0]:.1f} (both trees ran side by side)")
    print(f"{'wall seconds':<28}{'today':>10}{'library':>10}{'target':>10}")
    for key, target in (("five figures, empty cache", 120), ("first report", None), ("second report", 10)):
        print(f"{key:<28}{today[key]:>10.1f}{library[key]:>10.1f}{target or '':>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
