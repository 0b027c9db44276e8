"""The table of bad inputs in ``tests/test_user_errors.py`` as Markdown: each input, its command, exit code and line.

    python tools/error_table.py                  # every row
    python tools/error_table.py --from "database URL that does not parse"   # the rows from that one on

The lines are the ones the tests assert, so the table is what ``main`` prints (``{tmp}`` stands for the inputs'
folder).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="first", help="start at the row of this name")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import test_user_errors

    cases = test_user_errors.CASES
    start = next((index for index, case in enumerate(cases) if case[0] == args.first), 0) if args.first else 0
    print("| input | command | exit | line |\n|---|---|---|---|")
    for name, argv, code, message in cases[start:]:
        line = message.removeprefix("brainscore: ").replace("|", "\\|")
        print(f"| {name} | `brainscore {' '.join(argv[:2])}` | {code} | {line} |")


if __name__ == "__main__":
    main()
