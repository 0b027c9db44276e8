"""Time the ``brainscore`` command's start-up: ``brainscore --help`` and ``brainscore list models`` of this tree
beside ``python -c "import torch"`` and beside another checkout's command (default: main's,
``/work/main/.venv/bin/brainscore``), all in the same run.

Each command runs ``--runs`` times in a fresh process (output discarded); prints the median wall seconds and the
targets (``--help`` under 1 s, ``list models`` under 2 s on 2 cores). Usage:
``python tools/bench_cli_startup.py [--runs 5] [--reference /work/main/.venv/bin/brainscore]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGETS_S = {"--help": 1.0, "list models": 2.0}


def median_seconds(command: list[str], runs: int) -> float:
    """Median wall-clock seconds of ``runs`` fresh runs of ``command`` (stdout/stderr discarded; a failure raises)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per command (median reported)")
    parser.add_argument(
        "--reference",
        default="/work/main/.venv/bin/brainscore",
        help="another checkout's brainscore executable to compare with (today's path)",
    )
    args = parser.parse_args()
    ours = str(Path(sys.executable).with_name("brainscore"))
    rows = [("python -c 'import torch'", [sys.executable, "-c", "import torch"], None)]
    for name, arguments in (("--help", ["--help"]), ("list models", ["list", "models"])):
        rows.append((f"brainscore {name} (this tree)", [ours, *arguments], TARGETS_S[name]))
        if Path(args.reference).is_file():
            rows.append((f"brainscore {name} (reference)", [args.reference, *arguments], None))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; median of {args.runs} runs")
    print(f"{'command':<36} {'median s':>9}  target")
    for name, command, target in rows:
        seconds = median_seconds(command, args.runs)
        verdict = "" if target is None else f"< {target:.0f} s {'ok' if seconds < target else 'MISSED'}"
        print(f"{name:<36} {seconds:>9.2f}  {verdict}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
