"""The leaderboard page (``brainscore_lcl.results.leaderboard``) in a real headless browser: Debian's chromium driven
by Playwright (no browser download). The page loads with no console error, its cells equal the database's values,
each number carries its data source, sorting a column reorders the rows, the source filter hides columns, a cell
links to its model's report. A screenshot is saved in the test's folder (and in ``$BRAINSCORE_LCL_SHOTS`` when set)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from brainscore_lcl.results.db import CellKey, ResultsDB
from brainscore_lcl.results.leaderboard import table, write_leaderboard
from brainscore_lcl.testing import CHROMIUM, CHROMIUM_ARGS

V1_SIM, V2_SIM, V2_REAL = "FreemanZiemba2013sim.V1-pls", "FreemanZiemba2013sim.V2-pls", "FreemanZiemba2013.V2-pls"
#: (model, benchmark) -> (score, error); chosen so that each column orders the models differently
SCORES = {
    ("lcl-v2", V1_SIM): (0.41, 0.02),
    ("lcl-v2", V2_SIM): (0.52, 0.01),
    ("lcl-v2", V2_REAL): (0.318, 0.011),
    ("alexnet-untrained", V1_SIM): (0.143, 0.019),
    ("alexnet-untrained", V2_SIM): (0.487, 0.016),
    ("sim-generator", V1_SIM): (0.933, 0.004),
    ("sim-generator", V2_SIM): (0.936, 0.004),
}


def fill(db: ResultsDB) -> None:
    for (model, benchmark), (score, error) in SCORES.items():
        key = CellKey(model, model * 2, benchmark, "data", {}, "code")
        db.put_done(key, {"model": model, "benchmark": benchmark, "score": score, "error": error, "raw": score})
    db.put_failed(
        CellKey("alexnet-untrained", "alexnet-untrained" * 2, V2_REAL, "data", {}, "code"), "needs credentials"
    )


def test_the_table_holds_the_latest_row_of_each_cell_and_labels_several_weights(tmp_path):
    db = ResultsDB(f"sqlite:///{tmp_path / 'results.sqlite'}")
    fill(db)
    db.put_done(CellKey("lcl-v2", "other-weights", V1_SIM, "data", {}, "code"), {"score": 0.2})
    content = table(db)
    assert [column["benchmark"] for column in content["columns"]] == [V1_SIM, V2_REAL, V2_SIM]  # region, then source
    labels = [row["model"] for row in content["rows"]]
    assert "alexnet-untrained" in labels and "lcl-v2@lcl-v2lc" in labels and "lcl-v2@other-we" in labels


@pytest.fixture
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no chromium at {CHROMIUM} (Debian's package `chromium`; .ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    sync_playwright = sync_api.sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield browser
        browser.close()


def test_the_page_in_a_browser(browser, tmp_path):
    db = ResultsDB(f"sqlite:///{tmp_path / 'results.sqlite'}")
    fill(db)
    reports = tmp_path / "reports"
    (reports / "lcl-v2").mkdir(parents=True)
    (reports / "lcl-v2" / "index.html").write_text("<html><body>report</body></html>")
    page_path = write_leaderboard(db, tmp_path / "site", reports=reports)

    page = browser.new_page(viewport={"width": 1100, "height": 420})
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(page_path.as_uri())
    headers = page.locator("th.sortable").all_inner_texts()
    assert headers == [V1_SIM, V2_REAL, V2_SIM]

    def column_values(benchmark: str) -> list[tuple[str, str, str]]:
        column = headers.index(benchmark) + 2
        return [
            (
                row.locator("td").nth(0).inner_text(),
                *(
                    row.locator(f"td:nth-child({column})").evaluate(
                        "cell => [cell.getAttribute('data-value'), cell.innerText]"
                    )
                ),
            )
            for row in page.locator("#leaderboard tbody tr").all()
        ]

    stored = {(row["model"], row["benchmark"]): row for row in db.rows()}
    for benchmark in headers:
        for model, value, text in column_values(benchmark):
            row = stored.get((model, benchmark))
            if row is None:
                assert value == "" and text == "\u2013"
            elif row["status"] == "failed":
                assert value == "" and text.startswith("failed")
            else:
                assert float(value) == row["score"]  # the page's number is the database's, to the last bit
                assert text == f"{row['score']:.3f} \u00b1 {row['error']:.3f} {row['source']}"

    page.locator("th.sortable", has_text=V2_SIM).click()
    order = [model for model, _, _ in column_values(V2_SIM)]
    assert order == sorted((m for m, b in SCORES if b == V2_SIM), key=lambda m: -SCORES[(m, V2_SIM)][0])
    page.locator("th.sortable", has_text=V1_SIM).click()
    page.locator("th.sortable", has_text=V1_SIM).click()
    ascending = [model for model, _, _ in column_values(V1_SIM)]
    assert ascending == sorted((m for m, b in SCORES if b == V1_SIM), key=lambda m: SCORES[(m, V1_SIM)][0])

    link = page.locator("tr", has_text="lcl-v2").locator("a").first
    assert link.get_attribute("href") == "../reports/lcl-v2/index.html"
    screenshot = tmp_path / "leaderboard.png"
    page.screenshot(path=str(screenshot), full_page=True)
    if os.environ.get("BRAINSCORE_LCL_SHOTS"):
        Path(os.environ["BRAINSCORE_LCL_SHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(os.environ["BRAINSCORE_LCL_SHOTS"]) / "leaderboard-test.png")

    page.locator("#filters input[data-source='sim']").uncheck()
    assert not page.locator("th.sortable", has_text=V1_SIM).is_visible()
    assert page.locator("th.sortable", has_text=V2_REAL).is_visible()
    assert problems == []
