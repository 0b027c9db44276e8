"""Every number of the five figure scripts on ``sim`` equal to a folder written by another version of the suite.

Runs ``analyses/<figure>.py --source sim --models lcl-v2 alexnet-untrained v1-steerpyr v1-steerpyr-pool`` for each of
the five neural figures into ``<out>/<figure>/`` (with the repository of --repo, default this one), then, with
--before, compares every number of every JSON file with the same file under ``<before>/<figure>/`` (absolute
difference at most --tolerance, 1e-12 by default; strings, keys and list lengths equal, NaN equal to NaN).

    python tools/check_figures_equal.py --out /tmp/figures-after --before /work/figures-before-i20-analyses
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

FIGURES = ("v1_predictivity", "v2_predictivity", "per_neuron", "texture_modulation", "receptive_fields")
MODELS = ("lcl-v2", "alexnet-untrained", "v1-steerpyr", "v1-steerpyr-pool")
#: receptive_fields fits first-layer convolutions: the models of MODELS that have one (the steerable pyramids have none)
CONV_MODELS = ("lcl-v2", "alexnet-untrained")


def figure_models(figure: str, models: Sequence[str] = MODELS) -> list[str]:
    """The models of ``models`` that ``figure`` runs with (receptive_fields: those with a first convolution)."""
    return [model for model in models if figure != "receptive_fields" or model in CONV_MODELS]


REPOSITORY = Path(__file__).resolve().parents[1]


def run_figures(repository: Path, out: Path) -> dict[str, float]:
    """Run the five figure scripts of ``repository`` into ``out/<figure>``; returns wall seconds per figure. Another
    repository than this one is imported through ``PYTHONPATH`` (its ``brainscore_lcl/`` must hold ``benchmarks``,
    ``training`` and ``analyses``, as installed: e.g. links to its top-level folders)."""
    environment = os.environ | ({"PYTHONPATH": str(repository)} if repository != REPOSITORY else {})
    seconds = {}
    for figure in FIGURES:
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(repository / "analyses" / f"{figure}.py"),
                "--source",
                "sim",
                "--models",
                *figure_models(figure),
                "--out",
                str(out / figure),
            ],
            check=True,
            cwd=repository,
            env=environment,
            stdout=subprocess.DEVNULL,
        )
        seconds[figure] = time.perf_counter() - started
    return seconds


def differences(before: Any, after: Any, where: str, tolerance: float) -> Iterator[str]:
    """Every place where ``after`` differs from ``before`` (numbers beyond ``tolerance``, keys missing, anything else
    unequal); keys only ``after`` has are additions, not differences (listed by ``added_keys``)."""
    if isinstance(before, dict) and isinstance(after, dict):
        if set(before) - set(after):
            yield f"{where}: keys {sorted(set(before) - set(after))} missing"
        for key in set(before) & set(after):
            yield from differences(before[key], after[key], f"{where}.{key}", tolerance)
    elif isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            yield f"{where}: {len(before)} items before, {len(after)} after"
        for index, (first, second) in enumerate(zip(before, after)):
            yield from differences(first, second, f"{where}[{index}]", tolerance)
    elif isinstance(before, (int, float)) and isinstance(after, (int, float)) and not isinstance(before, bool):
        both_nan = isinstance(before, float) and isinstance(after, float) and math.isnan(before) and math.isnan(after)
        if not both_nan and not abs(before - after) <= tolerance:
            yield f"{where}: {before!r} before, {after!r} after"
    elif before != after:
        yield f"{where}: {before!r} before, {after!r} after"


def added_keys(before: Path, after: Path) -> list[str]:
    """Top-level keys of the JSON files of ``after`` that ``before``'s files lack."""
    found = []
    for path in sorted(before.glob("*/*.json")):
        other = after / path.relative_to(before)
        old, new = json.loads(path.read_text()), json.loads(other.read_text()) if other.is_file() else None
        if isinstance(old, dict) and isinstance(new, dict):  # a table (a list of rows) has no keys to add
            found += [f"{path.relative_to(before)}: {key}" for key in sorted(set(new) - set(old))]
    return found


def compare(before: Path, after: Path, tolerance: float) -> tuple[int, list[str]]:
    """(number of JSON numbers compared, differences) between the JSON files of two output folders."""
    found, count = [], 0
    for path in sorted(before.glob("*/*.json")):
        other = after / path.relative_to(before)
        if not other.is_file():
            found.append(f"{other}: missing")
            continue
        old, new = json.loads(path.read_text()), json.loads(other.read_text())
        count += sum(1 for _ in numbers(old))
        found += list(differences(old, new, str(path.relative_to(before)), tolerance))
    return count, found


def numbers(value: Any) -> Iterator[float]:
    """Every number in a JSON value."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from numbers(item)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for this run's figures")
    parser.add_argument("--before", type=Path, help="folder written by the other version, to compare with")
    parser.add_argument("--repo", type=Path, default=REPOSITORY, help="repository whose scripts run (default: this)")
    parser.add_argument("--tolerance", type=float, default=1e-12)
    parser.add_argument("--compare-only", action="store_true", help="compare --out with --before without running")
    args = parser.parse_args()
    if not args.compare_only:
        seconds = run_figures(args.repo.resolve(), args.out)
        print(
            "seconds: "
            + ", ".join(f"{figure} {value:.1f}" for figure, value in seconds.items())
            + f"; total {sum(seconds.values()):.1f}"
        )
    if args.before is None:
        return 0
    count, found = compare(args.before, args.out, args.tolerance)
    for line in found:
        print(line)
    for line in added_keys(args.before, args.out):
        print(f"added (not compared): {line}")
    print(
        f"{count} numbers in {len(list(args.before.glob('*/*.json')))} JSON files compared: "
        + (f"all equal to {args.tolerance:g}" if not found else f"{len(found)} differences")
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
