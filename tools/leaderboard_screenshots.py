"""Screenshots of a leaderboard site (``brainscore leaderboard --out SITE``) in headless chromium (Debian's, driven by
Playwright, as tests/test_leaderboard.py does): the board and one model's page, from ``file://``.

    python tools/leaderboard_screenshots.py SITE --model lcl-v2 --out docs/screenshots

writes ``OUT/leaderboard.png`` and ``OUT/leaderboard-model.png``; exit status 1 when a page logs a console error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from brainscore_lcl.testing import CHROMIUM, CHROMIUM_ARGS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the folder `brainscore leaderboard --out` wrote")
    parser.add_argument("--model", required=True, help="the row whose model page is shot")
    parser.add_argument("--out", type=Path, required=True, help="folder for the two PNG files")
    parser.add_argument("--width", type=int, default=1500, help="viewport width, px")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = json.loads((args.site / "leaderboard.json").read_text())["rows"]
    page_of = {row["model"]: row["page"] for row in rows}
    args.out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        for name, path in (("leaderboard.png", "index.html"), ("leaderboard-model.png", page_of[args.model])):
            page = browser.new_page(viewport={"width": args.width, "height": 600})
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto((args.site / path).resolve().as_uri())
            page.screenshot(path=str(args.out / name), full_page=True)
            print(f"wrote {args.out / name}")
        browser.close()
    for problem in problems:
        print(f"console error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
