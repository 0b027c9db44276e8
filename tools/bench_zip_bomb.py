"""Time and memory of ``brainscore submit --check`` on a zip bomb (issue 30): a zip of about 1 MiB whose one file
expands to ``--gib`` GiB of zeros, against a valid upload zip checked in the same run as the baseline.

    python tools/bench_zip_bomb.py            # 1 GiB; prints one JSON line per zip and the ratios

Each check runs in its own Python process (``python -c``), after the command's imports, so its numbers are the
check's own: wall time of ``main(["submit", "--check", ZIP])`` and the growth of the process's peak resident memory
(``ru_maxrss``) during it, with the process's whole peak beside it. Making the bomb deflates the zeros once (a few
seconds, in 1 MiB chunks, little memory: ``brainscore_lcl.testing.zip_bomb``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, resource, sys, time
from brainscore_lcl.cli import main
import brainscore_lcl.export.checks
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
code = main(["submit", "--check", sys.argv[1]])
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"exit": code, "seconds": round(seconds, 4), "check_peak_growth_mb": round((peak - before) / 1024, 1),
                  "process_peak_mb": round(peak / 1024, 1)}))
"""


def measure(path: Path) -> dict:
    """The child's measurement of ``submit --check path`` (its stderr line as ``message``)."""
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=False)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result | {"zip_bytes": path.stat().st_size, "message": done.stderr.strip().splitlines()[-1:]}


def main() -> None:
    from brainscore_lcl.testing import valid_upload_zip, zip_bomb

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=1.0, help="expanded size of the bomb in GiB (default 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        bomb = zip_bomb(Path(folder) / "bomb.zip", int(args.gib * 2**30))
        made_s = time.perf_counter() - started
        baseline = measure(valid_upload_zip(Path(folder) / "valid.zip"))
        refused = measure(bomb)
    print(json.dumps({"zip": "valid upload (baseline)", **baseline}))
    print(json.dumps({"zip": f"bomb expanding to {args.gib:g} GiB", "made_in_s": round(made_s, 1), **refused}))
    print(
        f"bomb/baseline: time {refused['seconds'] / max(baseline['seconds'], 1e-9):.2f}x, check's memory growth "
        f"{refused['check_peak_growth_mb']} MB vs {baseline['check_peak_growth_mb']} MB"
    )


if __name__ == "__main__":
    main()
