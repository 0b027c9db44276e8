"""The leaderboard (``brainscore_lcl.results.leaderboard``): its definitions against hand-computed values, then the
page in a real headless browser (Debian's chromium driven by Playwright, no browser download) on a database of 4
models x 3 benchmarks written through the results layer (plus the two controls, a time-window variant, a failed
cell and a model that could not be built): no console error, the numbers equal the database's, sorting and
filtering change the rows as the data says, the download equals the shown table, the model page shows provenance.
Screenshots go to the test's folder (and to ``$BRAINSCORE_LCL_SHOTS`` when set)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from brainscore_lcl.results.db import CellKey, ResultsDB
from brainscore_lcl.results.leaderboard import (
    UNBUILT_WEIGHTS,
    aggregates,
    checkpoint_metadata,
    columns_of,
    page_name,
    ranks,
    table,
    write_leaderboard,
)
from brainscore_lcl.testing import CHROMIUM, CHROMIUM_ARGS

V1, V2, TEXMOD = "FreemanZiemba2013sim.V1-pls", "FreemanZiemba2013sim.V2-pls", "FreemanZiemba2013sim.V2-texmod"
V2_REAL = "FreemanZiemba2013.V2-pls"
WINDOW = f"{V2} [time_window 70-170 ms]"
SHIPPED = Path(__file__).resolve().parents[1] / "brainscore_lcl" / "weights" / "lcl-v2.pt"
SHIPPED_SHA = "b9e74591317b086a894c5672ee0736501548870b93a156e36d8a6cbff5173906"
#: (model, benchmark) -> (score, error); each column orders the models differently
SCORES = {
    ("lcl-v2", V1): (0.41, 0.02),
    ("lcl-v2", V2): (0.52, 0.01),
    ("lcl-v2", TEXMOD): (0.61, 0.05),
    ("alexnet-untrained", V1): (0.143, 0.019),
    ("alexnet-untrained", V2): (0.487, 0.016),
    ("alexnet-untrained", TEXMOD): (0.12, 0.07),
    ("v1-steerpyr-pool", V1): (0.55, 0.01),
    ("v1-steerpyr-pool", V2): (0.3, 0.02),
    ("sim-generator", V1): (0.933, 0.004),
    ("sim-generator", V2): (0.936, 0.004),
    ("sim-generator", TEXMOD): (0.7, 0.03),
    ("control-design", V1): (0.2, 0.01),
    ("control-design", V2): (0.25, 0.01),
    ("control-pixels", V1): (0.01, 0.01),
    ("lcl-v2", V2_REAL): (0.318, 0.011),
}


def key(model: str, benchmark: str, weights: str | None = None, **options) -> CellKey:
    return CellKey(model, weights or f"{model}-weights", benchmark, "sim-data", {"visual_degrees": 8} | options, "code")


def fill(db: ResultsDB) -> None:
    """The 4 x 3 grid and the controls; lcl-v2 with the shipped checkpoint's weights, on V2 also with another time
    window, and a V2 cell failed under weights ``UNBUILT_WEIGHTS`` (a later grid that could not build it);
    v1-steerpyr-pool's texmod cell failed; lcl-v2 alone on a recordings column."""
    for (model, benchmark), (score, error) in SCORES.items():
        weights = SHIPPED_SHA if model == "lcl-v2" else None
        db.put_done(
            key(model, benchmark, weights),
            {"model": model, "benchmark": benchmark, "score": score, "error": error, "raw": score * 0.9},
            timings={"total": 2.5},
            worker="tcp://10.0.0.7:4242",
            checkpoint=str(SHIPPED) if model == "lcl-v2" else None,
        )
    db.put_done(key("lcl-v2", V2, SHIPPED_SHA, time_window=[70, 170]), {"score": 0.477, "error": 0.012})
    db.put_failed(key("lcl-v2", V2, UNBUILT_WEIGHTS), "lcl-v2 cannot be built: checkpoint missing")
    db.put_failed(key("v1-steerpyr-pool", TEXMOD), "v1-steerpyr-pool commits no V2 layer")


@pytest.fixture
def db(tmp_path, monkeypatch) -> ResultsDB:
    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))  # no remembered model of the user's cache
    db = ResultsDB(f"sqlite:///{tmp_path / 'results.sqlite'}")
    fill(db)
    yield db
    db.close()


def test_the_grid_and_the_leaderboard_name_unbuilt_models_alike():
    from brainscore_lcl.grid.run import UNBUILT

    assert UNBUILT["weights_sha256"] == UNBUILT_WEIGHTS


def test_other_options_make_another_labelled_column_and_the_field_of_view_none(db):
    labels = [column.label for column in columns_of(db.rows()).values()]
    assert labels == [V1, V2_REAL, V2, WINDOW, TEXMOD]  # by region, source (recordings first), measure
    content = table(db)
    lcl = next(row for row in content["rows"] if row["model"] == "lcl-v2")
    assert lcl["cells"][V2]["score"] == 0.52 and lcl["cells"][WINDOW]["score"] == 0.477  # neither replaces the other


def test_a_model_that_could_not_be_built_stays_in_its_row(db, tmp_path):
    content = table(db)
    labels = [row["model"] for row in content["rows"]]
    assert labels.count("lcl-v2") == 1 and not any("@" in label for label in labels)
    lcl = next(row for row in content["rows"] if row["model"] == "lcl-v2")
    assert lcl["cells"][V2]["status"] == "done"  # the finished row of the column is shown, the later failure noted
    assert lcl["cells"][V2]["later_failure"] == "lcl-v2 cannot be built: checkpoint missing"
    assert lcl["cells"][V1]["later_failure"] is None
    assert [cell["status"] for cell in lcl["history"] if cell["column"] == V2] == ["failed", "done"]
    only_failed = ResultsDB(f"sqlite:///{tmp_path / 'failed.sqlite'}")
    only_failed.put_failed(key("lcl-v2", V1, UNBUILT_WEIGHTS), "cannot be built")
    (row,) = table(only_failed)["rows"]
    assert row["model"] == "lcl-v2" and row["cells"][V1]["status"] == "failed"
    only_failed.put_done(key("lcl-v2", V2, "a" * 64), {"score": 0.1})
    only_failed.put_done(key("lcl-v2", V2, "b" * 64), {"score": 0.2})
    rows = {row["model"]: row for row in table(only_failed)["rows"]}
    assert sorted(rows) == ["lcl-v2@aaaaaaaa", "lcl-v2@bbbbbbbb"]  # several weights: a row each; the failure goes
    assert rows["lcl-v2@bbbbbbbb"]["cells"][V1]["status"] == "failed"  # to the newest weights' row


def test_aggregates_ranks_and_metadata_by_hand(db):
    content = table(db)
    rows = {row["model"]: row for row in content["rows"]}
    lcl = rows["lcl-v2"]["aggregates"]
    assert lcl["regions"]["V1"] == {"mean": 0.41, "scored": 1, "failed": 0, "missing": 0}
    assert lcl["regions"]["V2"]["mean"] == pytest.approx((0.318 + 0.52 + 0.477 + 0.61) / 4)
    assert lcl["overall"]["mean"] == pytest.approx((0.41 + (0.318 + 0.52 + 0.477 + 0.61) / 4) / 2)
    steerpyr = rows["v1-steerpyr-pool"]["aggregates"]["regions"]["V2"]
    assert steerpyr == {"mean": 0.3, "scored": 1, "failed": 1, "missing": 2}  # failed and missing left out, counted
    assert [row["model"] for row in content["rows"]] == [
        "sim-generator",
        "lcl-v2",
        "v1-steerpyr-pool",
        "alexnet-untrained",
        "control-design",
        "control-pixels",
    ]
    assert [row["rank"] for row in content["rows"]] == [1, 2, 3, 4, None, None]  # controls: reference rows
    assert ranks({"a": 0.5, "b": 0.7, "c": 0.5, "d": None}, ["e"]) == {"b": 1, "a": 2, "c": 2}
    assert rows["lcl-v2"]["metadata"]["parameters"] == 331_200  # the shipped encoder's (models/lcl/test.py)
    assert rows["lcl-v2"]["metadata"]["config"]["objective"] == "barlow"
    assert rows["alexnet-untrained"]["metadata"]["parameters"] is None  # no checkpoint file recorded
    assert aggregates({}, [])["overall"]["mean"] is None


def test_a_remembered_build_gives_the_size_of_a_model_without_checkpoint(db):
    from types import SimpleNamespace

    import torch

    from brainscore_lcl.model_helpers.identity import remember_model_identity

    linear = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))  # 6 + 2 + 2 + 2, and 5 in buffers
    network = SimpleNamespace(activations_model=SimpleNamespace(_model=linear))
    remember_model_identity("alexnet-untrained", None, {"weights_sha256": "alexnet-untrained-weights"}, network)
    remember_model_identity("sim-generator", None, {"weights_sha256": "other-weights"}, network)
    rows = {row["model"]: row["metadata"] for row in table(db)["rows"]}
    assert rows["alexnet-untrained"]["parameters"] == 12
    assert rows["sim-generator"]["parameters"] is None  # remembered of other weights: not these


def test_checkpoint_metadata_only_describes_the_weights_it_holds(tmp_path):
    assert checkpoint_metadata(str(SHIPPED), SHIPPED_SHA)["checkpoint"] == "lcl-v2.pt"
    assert checkpoint_metadata(str(SHIPPED), "0" * 64) == {}  # the file holds other weights now
    assert checkpoint_metadata(str(tmp_path / "absent.pt"), SHIPPED_SHA) == {}
    (tmp_path / "junk.pt").write_text("not a checkpoint")
    assert checkpoint_metadata(str(tmp_path / "junk.pt"), SHIPPED_SHA) == {}


def test_model_pages_have_safe_names():
    assert page_name("../../etc/passwd").startswith("models/etc_passwd-")
    assert page_name("lcl-v2@b9e74591") != page_name("lcl-v2@b9e74592")
    assert "/" not in page_name("a/b").removeprefix("models/")


@pytest.fixture
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no chromium at {CHROMIUM} (Debian's package `chromium`; .ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        yield browser
        browser.close()


def open_page(browser, url: str, problems: list[str], width: int = 1500):
    page = browser.new_page(viewport={"width": width, "height": 700}, accept_downloads=True)
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    page.goto(url)
    return page


def shown_table(page) -> tuple[list[str], list[list[str]]]:
    """The header labels of the table's second header row and each body row's cell texts."""
    return page.evaluate(
        """() => {
        const table = document.getElementById("leaderboard");
        const fixed = Array.from(table.tHead.rows[0].cells).filter(c => c.rowSpan === 2).map(c => c.innerText);
        const labels = Array.from(table.tHead.rows[1].cells).map(c => c.innerText);
        const rows = Array.from(table.tBodies[0].rows).map(r => Array.from(r.cells).map(c => c.innerText));
        return [fixed.concat(labels), rows];
    }"""
    )


def save_shot(page, path: Path, name: str) -> None:
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("BRAINSCORE_LCL_SHOTS"):
        Path(os.environ["BRAINSCORE_LCL_SHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(os.environ["BRAINSCORE_LCL_SHOTS"]) / name)


def test_the_page_in_a_browser(browser, db, tmp_path):
    reports = tmp_path / "reports"
    (reports / "lcl-v2").mkdir(parents=True)
    (reports / "lcl-v2" / "index.html").write_text("<html><body>report</body></html>")
    page_path = write_leaderboard(db, tmp_path / "site", reports=reports)
    problems: list[str] = []
    page = open_page(browser, page_path.as_uri(), problems)
    headers, rows = shown_table(page)
    fixed = ["rank", "model", "checkpoint", "weights", "parameters", "overall", "V1", "V2"]
    assert headers == fixed + [V1, V2_REAL, V2, WINDOW, TEXMOD]
    content = table(db)
    assert [row[1].split()[0] for row in rows] == [row["model"] for row in content["rows"]]
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "ref", "ref"]
    assert "control" in rows[-1][1] and "control" not in rows[0][1]

    # every number shown equals the database's
    stored = {}
    for row in db.rows():
        options = json.loads(row["options"])
        label = WINDOW if "time_window" in options else row["benchmark"]
        if row["weights_sha256"] != UNBUILT_WEIGHTS:
            stored[(row["model"], label)] = row
    values = page.evaluate(
        """() => Array.from(document.querySelectorAll("#leaderboard tbody tr")).map(r =>
        [r.getAttribute("data-model"), Array.from(r.querySelectorAll("td[data-column]")).map(c =>
        [c.getAttribute("data-column"), c.getAttribute("data-value"), c.innerText, c.className])])"""
    )
    checked = 0
    for model, cells in values:
        for label, value, text, kind in cells:
            row = stored.get((model, label))
            if row is None:
                assert kind == "missing" and text == "\u2013"
            elif row["status"] == "failed":
                assert kind == "failed" and text.startswith("failed")
            else:
                assert float(value) == row["score"]  # to the last bit
                marked = " \u26a0" if (model, label) == ("lcl-v2", V2) else ""  # its later failure
                assert text == f"{row['score']:.3f} \u00b1 {row['error']:.3f} {row['source']}{marked}"
                checked += 1
    assert checked == len(SCORES) + 1
    overall = {row[1].split()[0]: row[5].split()[0] for row in rows}
    for row in content["rows"]:
        assert overall[row["model"]] == f"{row['aggregates']['overall']['mean']:.3f}"
    assert rows[2][7] == "0.300 1/4"  # v1-steerpyr-pool's V2: one scored of four columns (one failed, two missing)

    # the colour scale: per column, the highest score darkest
    shades = page.evaluate(
        f"""() => Array.from(document.querySelectorAll("td[data-column='{V1}'].score")).map(c =>
        [parseFloat(c.getAttribute("data-value")),
         getComputedStyle(c).backgroundColor.match(/\\d+/g).slice(0, 3).reduce((a, b) => a + Number(b), 0)])"""
    )
    assert len(shades) == 6
    brightness = [value for _, value in sorted(shades)]  # by score, lowest first
    assert brightness == sorted(brightness, reverse=True) and brightness[0] > brightness[-1]

    # sorting: every header sorts; the rows follow the data
    def models() -> list[str]:
        return [row[1].split()[0] for row in shown_table(page)[1]]

    page.locator("th.sortable", has_text="model").first.click()
    assert models() == sorted(models())
    page.locator("th.sortable", has_text="model").first.click()
    assert models() == sorted(models(), reverse=True)
    page.locator(f"th.sortable[data-sort='column:{V1}']").click()
    with_v1 = sorted((m for m, b in SCORES if b == V1), key=lambda m: -SCORES[(m, V1)][0])
    assert models() == with_v1
    page.locator(f"th.sortable[data-sort='column:{V1}']").click()
    assert models() == with_v1[::-1]
    page.locator("th.sortable[data-sort='parameters']").click()
    assert models()[0] == "lcl-v2"  # the only row with a known parameter count; the rest after it
    for header in page.locator("th.sortable").all():
        header.click()
        assert sorted(models()) == sorted(row["model"] for row in content["rows"])
    page.locator("th.sortable[data-sort='rank']").click()
    assert models() == [row["model"] for row in content["rows"]]
    save_shot(page, tmp_path / "leaderboard.png", "leaderboard-test.png")

    # the report link stays inside --reports; the model page is one click away
    assert page.locator("tr[data-model='lcl-v2'] a.report-link").get_attribute("href") == (
        "../reports/lcl-v2/index.html"
    )

    # filters: unticking a source hides its columns and the rows left without any cell
    page.locator("#filters input[data-kind='source'][value='sim']").uncheck()
    headers, rows = shown_table(page)
    assert headers == ["rank", "model", "checkpoint", "weights", "parameters", "overall", "V2", V2_REAL]
    assert [row[1].split()[0] for row in rows] == ["lcl-v2"]  # the only model with a recordings cell
    assert rows[0][0] == "1" and rows[0][5].split()[0] == "0.318"  # rank and aggregate over the shown columns
    page.locator("#filters input[data-kind='source'][value='sim']").check()
    page.locator("#filters input[data-kind='measure'][value='texmod']").uncheck()
    page.locator("#filters input[data-kind='region'][value='V1']").uncheck()
    headers, rows = shown_table(page)
    assert headers[5:] == ["overall", "V2", V2_REAL, V2, WINDOW]
    assert [row[1].split()[0] for row in rows][-1] == "control-design"  # control-pixels has V1 only
    lcl_v2_mean = (0.318 + 0.52 + 0.477) / 3
    assert next(row for row in rows if row[1].startswith("lcl-v2"))[5].split()[0] == f"{lcl_v2_mean:.3f}"

    # the download equals the shown table
    headers, rows = shown_table(page)
    with page.expect_download() as download:
        page.locator("#download-csv").click()
    lines = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    regions = headers[6 : headers.index(V2_REAL)]
    columns = headers[6 + len(regions) :]
    assert lines[0] == ["rank", "model", "control", "checkpoint", "weights_sha256", "parameters", "overall"] + [
        *regions,
        *(name for label in columns for name in (label, f"{label} error")),
    ]
    assert len(lines) - 1 == len(rows)
    for line, row in zip(lines[1:], rows, strict=True):
        assert line[0] == row[0] and line[1] == row[1].split()[0]
        assert f"{float(line[6]):.3f}" == row[5].split()[0]
        for index in range(len(columns)):
            value, error = line[7 + len(regions) + 2 * index : 9 + len(regions) + 2 * index]
            text = row[6 + len(regions) + index]
            if value == "":
                assert text == "\u2013"
            elif value == "failed":
                assert text.startswith("failed")
            else:
                assert text.startswith(f"{float(value):.3f} \u00b1 {float(error):.3f}")
    with page.expect_download() as download:
        page.locator("#download-json").click()
    shown_json = json.loads(Path(download.value.path()).read_text())
    assert [record["model"] for record in shown_json["rows"]] == [row[1].split()[0] for row in rows]
    assert [column["label"] for column in shown_json["columns"]] == columns
    cells_of = {row["model"]: row["cells"] for row in content["rows"]}
    for record in shown_json["rows"]:
        for label in columns:
            cell = cells_of[record["model"]].get(label)
            expected = None if cell is None else {name: cell[name] for name in ("status", "score", "error")}
            assert record["cells"][label] == expected

    # the model page: metadata and every cell's provenance
    page.locator("#filters input[data-kind='region'][value='V1']").check()
    page.locator("tr[data-model='lcl-v2'] a.model-link").click()
    page.wait_for_selector("#provenance")
    meta = page.locator("#metadata").inner_text()
    assert "lcl-v2.pt" in meta and SHIPPED_SHA in meta and "331,200" in meta and "objective barlow" in meta
    assert page.locator("#report-link").get_attribute("href") == "../../reports/lcl-v2/index.html"
    history = page.locator("#provenance tbody tr").all_inner_texts()
    assert len(history) == sum(1 for row in db.rows() if row["model"] == "lcl-v2")
    window_row = page.locator("#provenance tbody tr", has_text="time_window 70-170 ms").inner_text()
    assert "0.477" in window_row and "sim-data" in window_row and "code" in window_row
    done_row = page.locator(f"#provenance tbody tr[data-column='{V1}']").inner_text()
    assert "tcp://10.0.0.7:4242" in done_row and "2.5" in done_row and "UTC" in done_row
    failed_row = page.locator("#provenance tbody tr", has_text="checkpoint missing").inner_text()
    assert "later failure" in failed_row and "unbuilt" in failed_row
    save_shot(page, tmp_path / "model.png", "leaderboard-model-test.png")
    page.go_back()
    page.wait_for_selector("#leaderboard tbody tr")
    assert problems == []


def test_the_download_escapes_formulas_and_names_stay_text(browser, tmp_path):
    db = ResultsDB(f"sqlite:///{tmp_path / 'results.sqlite'}")
    markup = "</script><img src=x onerror=alert(1)>"
    for model in ('=HYPERLINK("http://attacker.example","x")', "@sum", "good", markup):
        db.put_done(key(model, V1), {"score": -0.25})
    problems: list[str] = []
    page = open_page(browser, write_leaderboard(db, tmp_path / "site").as_uri(), problems)
    page.on("dialog", lambda dialog: problems.append(f"a script ran: {dialog.message}"))
    assert page.locator("#leaderboard img").count() == 0 and markup in page.locator("#leaderboard").inner_text()
    with page.expect_download() as download:
        page.locator("#download-csv").click()
    lines = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert sorted(line["model"] for line in lines) == [
        '\'=HYPERLINK("http://attacker.example","x")',
        "'@sum",
        markup,
        "good",
    ]
    assert {line[V1] for line in lines} == {"-0.25"}  # numbers stay numbers
    with open(tmp_path / "site" / "leaderboard.csv", newline="") as handle:
        assert {row["model"] for row in csv.DictReader(handle)} == {line["model"] for line in lines}
    page.locator("tr", has_text="onerror").locator("a.model-link").click()
    assert page.locator("h1").inner_text() == markup and page.locator("img").count() == 0
    assert problems == []


@pytest.mark.slow
def test_really_scored_cells_on_the_page(browser, tmp_path, monkeypatch):
    """Cells scored through ``score_cell`` (sim-generator and a control on the sim V1 benchmark; about 20 s of CPU):
    the page shows the database's numbers and the model page their real provenance."""
    from brainscore_lcl.results.cell import CellRequest, score_cell

    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("RESULTCACHING_HOME", str(tmp_path / "cache" / "result_caching"))
    db = ResultsDB(f"sqlite:///{tmp_path / 'results.sqlite'}")
    for model in ("sim-generator", "control-pixels"):
        score_cell(CellRequest(model, V1), db=db)
    problems: list[str] = []
    page = open_page(browser, write_leaderboard(db, tmp_path / "site").as_uri(), problems)
    _, rows = shown_table(page)
    stored = {row["model"]: row for row in db.rows()}
    assert [row[1].split()[0] for row in rows] == ["sim-generator", "control-pixels"]
    for row in rows:
        value = stored[row[1].split()[0]]
        assert row[-1].startswith(f"{value['score']:.3f} \u00b1 {value['error']:.3f}")
    page.locator("tr[data-model='sim-generator'] a.model-link").click()
    provenance = page.locator("#provenance tbody tr").inner_text()
    for name in ("code_version", "worker", "data_identity"):
        assert stored["sim-generator"][name] in provenance
    assert problems == []
