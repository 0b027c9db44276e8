"""Time `brainscore report` for one model: wall-clock and CPU seconds of a first run and of a second run in the same
process (everything cached), with the machine's load average, so that a loaded machine can be told from a slow report.

    python tools/bench_report.py --model lcl-v2 --out /tmp/report-bench
    python tools/bench_report.py --model-file my_net.py:build --layers layer1 layer2 --out /tmp/report-bench
"""

from __future__ import annotations

import argparse
import os
import time

from brainscore_lcl.model_helpers.from_file import add_model_arguments, model_id_from_args
from brainscore_lcl.report.build import build_report


def timed_report(model_id: str, out: str, source: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one ``build_report``."""
    wall, cpu = time.perf_counter(), time.process_time()
    build_report(model_id, out, source=source)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_arguments(parser)
    parser.add_argument("--source", default="sim")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    model_id = model_id_from_args(args)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    first = timed_report(model_id, args.out, args.source)
    second = timed_report(model_id, args.out, args.source)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    for name, (wall, cpu) in (("first run", first), ("second run (cached)", second)):
        print(f"{name:<20} wall {wall:7.1f} s   CPU {cpu:7.1f} s")
    print(f"second / first (wall): {second[0] / first[0]:.2f}")


if __name__ == "__main__":
    main()
