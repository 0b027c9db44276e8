"""Count what one cold ``brainscore score`` runs: the modules it imports (the suite's and all) and the suite's functions
it calls (distinct functions, and the files they live in), for this tree and, with ``--other``, another tree (e.g.
``/work/main``), each in a child process with an empty cache of its own (the simulated release copied in from
``--sim-data``, so that its generation is not counted; no activations, no results database).

A function is counted once however often it runs (``sys.setprofile``'s "call" events whose code lives in the tree,
outside its ``.venv``; module bodies, lambdas and comprehensions are not functions). The child imports the tree's
four folders as ``brainscore_lcl``, ``.benchmarks``, ``.training`` and ``.analyses`` (as ``setup.py`` maps them),
whatever is installed (``tools/bench_figures.py``'s ``IMPORT_TREE``).

    python tools/count_calls.py --other /work/main --sim-data ~/.cache/brainscore_lcl/fz2013-sim-0-v3 \\
        --work /tmp/count-calls [-- score --model lcl-v2 --benchmark FreemanZiemba2013sim.V2-pls]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench_figures import run_on_empty_cache

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_COMMAND = ["score", "--model", "lcl-v2", "--benchmark", "FreemanZiemba2013sim.V2-pls"]
#: run in the child after IMPORT_TREE: argv = tree, brainscore's arguments; prints one JSON line
COUNT = """
import json, threading
called = set()
def profile(frame, event, arg):
    if event == "call":
        code = frame.f_code
        path = code.co_filename
        if path.startswith(TREE) and "/.venv/" not in path and not code.co_name.startswith("<"):
            called.add((path, code.co_firstlineno, code.co_name))
before = set(sys.modules)
sys.setprofile(profile)
threading.setprofile(profile)
from brainscore_lcl.cli import main
status = main(sys.argv[1:])
sys.setprofile(None)
threading.setprofile(None)
suite = sorted(name for name in sys.modules if name.startswith("brainscore_lcl"))
print("COUNT " + json.dumps({
    "status": status, "suite_modules": len(suite), "all_modules": len(set(sys.modules) - before),
    "functions": len(called), "files": len({path for path, _, _ in called}),
}))
"""


def count(tree: Path, command: list[str], work: Path, sim_data: Path) -> dict:
    """The counts of ``brainscore <command>`` run from ``tree`` on an empty cache under ``work``."""
    return run_on_empty_cache(tree, COUNT, command, work, sim_data, "COUNT")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--other", type=Path, help="another tree to count, e.g. /work/main")
    parser.add_argument("--sim-data", type=Path, required=True, help="the simulated release folder to copy in")
    parser.add_argument("--work", type=Path, required=True, help="a folder for the empty caches")
    parser.add_argument("command", nargs="*", default=DEFAULT_COMMAND, help="brainscore's arguments")
    args = parser.parse_args(argv)
    trees = {"this tree": REPOSITORY} | ({"other tree": args.other.resolve()} if args.other else {})
    print(f"brainscore {' '.join(args.command)}, cold (empty cache, simulated release copied in)")
    for name, tree in trees.items():
        folder = args.work / name.replace(" ", "-")
        folder.mkdir(parents=True, exist_ok=True)
        found = count(tree, args.command, folder, args.sim_data.expanduser())
        print(
            f"{name} ({tree}): {found['suite_modules']} suite modules, {found['all_modules']} modules in all; "
            f"{found['functions']} suite functions in {found['files']} files"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
