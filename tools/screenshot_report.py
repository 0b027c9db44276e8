"""Screenshots of a ``brainscore report`` page with a real headless browser (Chromium through Playwright).

Opens ``REPORT_DIR/index.html`` at a 1280 x 900 viewport and writes into OUT_DIR: ``page-<k>.png`` (the full page
as it opens, folded parts closed, in slices of at most ``SLICE_PX`` CSS pixels: Chromium cannot capture a taller
image), ``top.png`` (the first screen), one ``overflow-<n>.png`` crop per table or figure wider than its section
(folded tables opened first), and ``overflow.json``: the page's width against the viewport's (sideways scroll), and
for each wide element its tag, its source CSV or alt text and its width in CSS pixels.

    python tools/screenshot_report.py REPORT_DIR OUT_DIR [--browser /usr/bin/chromium] [--width 1280]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from brainscore_lcl.testing import CHROMIUM, CHROMIUM_ARGS

#: the tallest slice of the full page in one PNG (CSS pixels)
SLICE_PX = 6000
#: elements wider than their section (CSS pixels, after opening folded tables)
WIDE_ELEMENTS_SCRIPT = """() => {
  document.querySelectorAll("section details").forEach((element) => {
    if (element.querySelector("table")) { element.open = true; }
  });
  const wide = [];
  document.querySelectorAll("section table, section img").forEach((element, index) => {
    const section = element.closest("section");
    const width = element.getBoundingClientRect().width;
    if (width > section.clientWidth + 1 || element.scrollWidth > element.clientWidth + 1) {
      element.setAttribute("data-wide", String(index));
      wide.push({index, tag: element.tagName.toLowerCase(), width: Math.round(width),
                 section_width: section.clientWidth, section: section.id,
                 name: element.getAttribute("data-source") || element.getAttribute("alt")});
    }
  });
  return {page_width: document.documentElement.scrollWidth, viewport_width: window.innerWidth, wide};
}"""


def screenshot_report(report_dir: Path, out_dir: Path, browser: str = CHROMIUM, width: int = 1280) -> dict:
    """Take the screenshots of ``report_dir/index.html`` into ``out_dir``; returns the ``overflow.json`` record."""
    from playwright.sync_api import sync_playwright

    page_path = (report_dir / "index.html").resolve()
    if not page_path.is_file():
        raise FileNotFoundError(f"{page_path} does not exist: write it with `brainscore report --out {report_dir}`")
    out_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser, args=list(CHROMIUM_ARGS))
        page = chromium.new_page(viewport={"width": width, "height": 900})
        page.goto(page_path.as_uri())
        page.screenshot(path=out_dir / "top.png")
        height = page.evaluate("document.documentElement.scrollHeight")
        page_width = page.evaluate("document.documentElement.scrollWidth")
        for number, top in enumerate(range(0, height, SLICE_PX), start=1):
            clip = {"x": 0, "y": top, "width": page_width, "height": min(SLICE_PX, height - top)}
            page.screenshot(path=out_dir / f"page-{number}.png", full_page=True, clip=clip)
        record = page.evaluate(WIDE_ELEMENTS_SCRIPT)
        for number, element in enumerate(record["wide"]):
            crop = out_dir / f"overflow-{number}.png"
            page.locator(f'[data-wide="{element["index"]}"]').screenshot(path=crop)
            element["screenshot"] = crop.name
        chromium.close()
    record["sideways_scroll"] = record["page_width"] > record["viewport_width"]
    (out_dir / "overflow.json").write_text(json.dumps(record, indent=1))
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report_dir", type=Path, help="folder holding the report's index.html")
    parser.add_argument("out_dir", type=Path, help="folder for the PNG screenshots and overflow.json")
    parser.add_argument("--browser", default="/usr/bin/chromium", help="Chromium executable")
    parser.add_argument("--width", type=int, default=1280, help="viewport width in CSS pixels")
    args = parser.parse_args(argv)
    record = screenshot_report(args.report_dir, args.out_dir, args.browser, args.width)
    print(
        f"page {record['page_width']} px wide in a {record['viewport_width']} px viewport "
        f"({'scrolls sideways' if record['sideways_scroll'] else 'no sideways scroll'}); "
        f"{len(record['wide'])} elements wider than their section; screenshots in {args.out_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
