"""
Run a grid and open the leaderboard
===================================

Two models x two benchmarks on the simulated data with `brainscore grid` (Dask workers on this machine), every cell
stored once in a results database, then `brainscore leaderboard` writes the static page of that database. Run again,
the grid computes nothing: every cell is in the database. Runs as it is: `python examples/run_a_grid.py`
(`--out DIR` keeps the database and the page; default a temporary folder).
"""

# %%
# The commands are called in Python here (`brainscore_lcl.cli.main`, what the `brainscore` executable runs); in a
# shell they read `brainscore grid --models ... --benchmarks ... --db sqlite:///results.sqlite`.
import os
import sys
import tempfile
from pathlib import Path

from brainscore_lcl.cli import main

TINY = os.environ.get("BRAINSCORE_LCL_EXAMPLES_TINY") == "1"  # tests/test_examples.py: the two controls, one benchmark
out = Path(sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else tempfile.mkdtemp(prefix="grid-"))
db = f"sqlite:///{out / 'results.sqlite'}"
models = ["control-pixels", "control-design"] if TINY else ["v1-steerpyr-pool", "sim-generator"]
benchmarks = ["FreemanZiemba2013sim.V1-pls"] + ([] if TINY else ["FreemanZiemba2013sim.V2-pls"])

grid = ["grid", "--models", *models, "--benchmarks", *benchmarks, "--no-controls", "--workers", "1", "--db", db]
assert main(grid) == 0

# %%
# A second run finds every cell stored and starts no worker.
assert main(grid) == 0

# %%
# The leaderboard: `index.html` (open it in a browser; it needs no network), and the same table as JSON and CSV.
assert main(["leaderboard", "--db", db, "--out", str(out / "site")]) == 0
print((out / "site" / "leaderboard.csv").read_text())
print("open", (out / "site" / "index.html").as_uri())
