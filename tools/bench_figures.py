"""Time the five neural figures on ``sim`` and a repeated ``brainscore report``, this tree against another (today's
path, e.g. ``/work/main``), in one run, each from an empty cache of its own, in wall and CPU seconds.

For each tree: (1) the five figures (v1_predictivity, v2_predictivity, per_neuron, texture_modulation,
receptive_fields) with ``lcl-v2 alexnet-untrained v1-steerpyr v1-steerpyr-pool`` (receptive_fields: the two with a
first convolution) from an empty cache (the simulated release copied in as data from ``--sim-data``; its generation
is not timed); the other tree runs each figure script in its own process (as its report did), this tree runs them in
one process through ``brainscore_lcl.analyses.run``; (2) ``brainscore report --model lcl-v2`` (references: the
figures' models) twice, each in a new process, on the cache of (1). Both trees run side by side (``--sequential``:
one after the other), so that they see the same load, printed beside the numbers. CPU seconds (user + system of each
process, ``os.wait4``) are inflated less by other work on the machine than wall seconds: on a quiet machine the wall
time is about the CPU time (the figures use about one core). Each child imports its tree's four folders as
``brainscore_lcl``, ``.benchmarks``, ``.training`` and ``.analyses`` (as ``setup.py`` maps them), whatever is
installed. The figures' JSON files stay under ``<work>/<tree>/figures`` for
``tools/check_figures_equal.py --compare-only``.

    python tools/bench_figures.py --other /work/main --sim-data ~/.cache/brainscore_lcl/fz2013-sim-0-v3 \
        --work /tmp/bench-figures

Smaller runs: ``--figures`` and ``--models`` choose the figures and their models (receptive_fields keeps only those
with a first convolution), ``--no-report`` leaves the reports out, ``--other-one-process`` runs the other tree's
figures in one process too (for a tree that has ``brainscore_lcl.analyses.run``: the same work on both sides).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from check_figures_equal import FIGURES, MODELS, figure_models

REPOSITORY = Path(__file__).resolve().parents[1]
#: the report timed: lcl-v2 against the references of the figures' models
REPORT = ["report", "--model", "lcl-v2", "--source", "sim", "--references", "v1-steerpyr-pool", "alexnet-untrained"]
#: run first in every child: import the package from the tree given as argv[1] (setup.py's package_dir)
IMPORT_TREE = """
import importlib.util, sys
TREE = sys.argv.pop(1)
FOLDERS = {"brainscore_lcl": "brainscore_lcl", "brainscore_lcl.benchmarks": "benchmarks",
           "brainscore_lcl.training": "training", "brainscore_lcl.analyses": "analyses"}
class TreeFinder:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name not in FOLDERS:
            return None
        folder = f"{TREE}/{FOLDERS[name]}"
        init = f"{folder}/__init__.py"
        return importlib.util.spec_from_file_location(name, init, submodule_search_locations=[folder])
sys.meta_path.insert(0, TreeFinder)
"""
#: one figure script as its own process: argv = tree, script, its arguments
SCRIPT = IMPORT_TREE + "import runpy; sys.argv.pop(0); runpy.run_path(sys.argv[0], run_name='__main__')"
#: the five figures in one process: argv = tree, output folder, JSON of {figure: models}
ONE_PROCESS = IMPORT_TREE + (
    "import json; from brainscore_lcl import analyses\n"
    "for figure, models in json.loads(sys.argv[2]).items():\n"
    "    analyses.run(figure, models, out=f'{sys.argv[1]}/{figure}', source='sim')"
)
#: the command line: argv = tree, brainscore's arguments
CLI = IMPORT_TREE + "from brainscore_lcl.cli import main; sys.exit(main(sys.argv[1:]))"


def timed(arguments: list[str], environment: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of ``python -c`` ``arguments`` (output discarded; a failure stops
    the bench)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", *arguments], env=environment, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    errors = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{arguments[1:3]} failed:\n{errors[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def run_on_empty_cache(tree: Path, script: str, arguments: list[str], work: Path, sim_data: Path, tag: str) -> dict:
    """Run ``IMPORT_TREE + script`` (argv: ``tree``, ``arguments``) in a new process on an empty cache under
    ``work`` (the simulated release copied in, a results database of its own); returns the JSON of its last stdout
    line that starts with ``tag`` (a failure raises with the end of its stderr)."""
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(sim_data, cache / sim_data.name)
    environment = os.environ | {
        "BRAINSCORE_LCL_CACHE": str(cache),
        "RESULTCACHING_HOME": str(cache / "result_caching"),
        "BRAINSCORE_LCL_DB": f"sqlite:///{cache / 'results.sqlite'}",
        "TQDM_DISABLE": "1",
    }
    environment.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_TREE + script, str(tree), *arguments],
        env=environment,
        cwd=work,
        capture_output=True,
        text=True,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith(f"{tag} ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{tree}: {' '.join(arguments)} failed:\n{result.stderr[-3000:]}")
    return json.loads(lines[-1].removeprefix(f"{tag} "))


def fresh_cache(folder: Path, sim_data: Path) -> Path:
    """An empty cache folder holding only the simulated release (data, not computed results)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copytree(sim_data, folder / sim_data.name, copy_function=shutil.copy2)
    return folder


def bench_tree(
    name: str,
    tree: Path,
    one_process: bool,
    sim_data: Path,
    work: Path,
    figure_names: Sequence[str] = FIGURES,
    models: Sequence[str] = MODELS,
    report: bool = True,
) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of the figures from an empty cache and (``report``) of a first and second report."""
    cache = fresh_cache(work / name / "cache", sim_data)
    figures = work / name / "figures"
    environment = os.environ | {
        "BRAINSCORE_LCL_CACHE": str(cache),
        "RESULTCACHING_HOME": str(cache / "result_caching"),
        "MPLBACKEND": "Agg",
    }
    environment.pop("PYTHONPATH", None)
    chosen = {figure: figure_models(figure, models) for figure in figure_names}
    if one_process:
        five = timed([ONE_PROCESS, str(tree), str(figures), json.dumps(chosen)], environment, tree)
    else:
        each = [
            timed(
                [
                    SCRIPT,
                    str(tree),
                    str(tree / "analyses" / f"{figure}.py"),
                    "--source",
                    "sim",
                    "--models",
                    *chosen[figure],
                    "--out",
                    str(figures / figure),
                ],
                environment,
                tree,
            )
            for figure in chosen
        ]
        five = (sum(wall for wall, _ in each), sum(cpu for _, cpu in each))
        for figure, (wall, cpu) in zip(chosen, each):
            print(f"{name}: {figure}: wall {wall:.1f} s, CPU {cpu:.1f} s", flush=True)
    print(f"{name}: figures, empty cache: wall {five[0]:.1f} s, CPU {five[1]:.1f} s", flush=True)
    if not report:
        return {"figures, empty cache": five}
    report_command = [CLI, str(tree), *REPORT, "--out", str(work / name / "report")]
    first = timed(report_command, environment, tree)
    print(f"{name}: first report: wall {first[0]:.1f} s, CPU {first[1]:.1f} s", flush=True)
    second = timed(report_command, environment, tree)
    print(f"{name}: second report: wall {second[0]:.1f} s, CPU {second[1]:.1f} s", flush=True)
    return {"figures, empty cache": five, "first report": first, "second report": second}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", type=Path, required=True, help="today's tree (e.g. /work/main)")
    parser.add_argument("--sim-data", type=Path, required=True, help="a generated simulated release folder")
    parser.add_argument("--work", type=Path, required=True, help="folder for the caches, figures and reports")
    parser.add_argument("--sequential", action="store_true", help="run the trees one after the other")
    parser.add_argument("--figures", nargs="+", default=list(FIGURES), choices=FIGURES, help="figures to time")
    parser.add_argument("--models", nargs="+", default=list(MODELS), help="the figures' models")
    parser.add_argument("--no-report", action="store_true", help="time the figures only")
    parser.add_argument("--other-one-process", action="store_true", help="the other tree's figures in one process too")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{load:.1f}' for load in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"figures {' '.join(args.figures)}; models {' '.join(args.models)}" + ("; no report" * args.no_report))
    jobs = (("today", args.other.resolve(), args.other_one_process), ("library", REPOSITORY, True))
    options = dict(figure_names=args.figures, models=args.models, report=not args.no_report)
    with ThreadPoolExecutor(1 if args.sequential else 2) as pool:
        futures = [
            pool.submit(bench_tree, name, tree, one, args.sim_data, args.work, **options) for name, tree, one in jobs
        ]
        today, library = (future.result() for future in futures)
    how = "one after the other" if args.sequential else "side by side"
    print(f"load average after: {' '.join(f'{load:.1f}' for load in os.getloadavg())} (the trees ran {how})")
    print(f"{'seconds':<28}{'today wall':>12}{'CPU':>8}{'library wall':>14}{'CPU':>8}{'wall ratio':>12}{'target':>8}")
    figures_target = 120 if args.figures == list(FIGURES) and args.models == list(MODELS) else None
    for key, target in (("figures, empty cache", figures_target), ("first report", None), ("second report", 10)):
        if key not in library:
            continue
        (today_wall, today_cpu), (wall, cpu) = today[key], library[key]
        print(
            f"{key:<28}{today_wall:>12.1f}{today_cpu:>8.1f}{wall:>14.1f}{cpu:>8.1f}{today_wall / wall:>11.1f}x"
            f"{target or '':>8}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
