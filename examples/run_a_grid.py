"""
Run a grid and open the leaderboard
===================================

Two models x two benchmarks on the simulated data with `brainscore grid` (Dask workers on this machine), every cell
stored once in a results database, then `brainscore leaderboard` writes the static page of that database. Run again,
the grid computes nothing: every cell is in the database. Runs as it is: `python examples/run_a_grid.py`
(`--out DIR` keeps the database and the page; default a temporary folder).
"""

# %%
# The commands run as a user runs them in a shell (`brainscore grid --models ... --benchmarks ... --db
# sqlite:///results.sqlite`); `brainscore` is `python -m brainscore_lcl.cli`. The grid's workers are processes.
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def brainscore(*arguments: str) -> None:
    """Run `brainscore ARGUMENTS` and print what it printed."""
    done = subprocess.run([sys.executable, "-m", "brainscore_lcl.cli", *arguments], capture_output=True, text=True)
    print(done.stdout, end="")
    if done.returncode:
        raise SystemExit(done.stderr)


TINY = os.environ.get("BRAINSCORE_LCL_EXAMPLES_TINY") == "1"  # tests/test_examples.py: the two controls, one benchmark
out = Path(sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else tempfile.mkdtemp(prefix="grid-"))
db = f"sqlite:///{out / 'results.sqlite'}"
models = ["control-pixels", "control-design"] if TINY else ["v1-steerpyr-pool", "sim-generator"]
benchmarks = ["FreemanZiemba2013sim.V1-pls"] + ([] if TINY else ["FreemanZiemba2013sim.V2-pls"])

grid = ["grid", "--models", *models, "--benchmarks", *benchmarks, "--no-controls", "--workers", "1", "--db", db]
brainscore(*grid)

# %%
# A second run finds every cell stored and starts no worker.
brainscore(*grid)

# %%
# The leaderboard: `index.html` (open it in a browser; it needs no network), and the same table as JSON and CSV.
brainscore("leaderboard", "--db", db, "--out", str(out / "site"))
print((out / "site" / "leaderboard.csv").read_text())
print("open", (out / "site" / "index.html").as_uri())
