"""The report's metric-panel section: rendered from a small computed panel (fast), and built end to end on ``sim``
through ``brainscore report --sections metric_panel`` (slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from brainscore_lcl.analyses import metric_panel
from brainscore_lcl.metrics.measures import (
    CEILING_DEFINITIONS,
    MEASURE_DEFINITIONS,
    recordings_from_arrays,
    score_panel,
)


class SectionPage(HTMLParser):
    """The ids of the page's sections, its images, tables and finding sentences, by section."""

    def __init__(self):
        super().__init__()
        self.sections, self.images, self.tables, self.findings = [], [], [], []
        self._in_finding = False

    def handle_starttag(self, tag, attributes):
        attributes = dict(attributes)
        if tag == "section":
            self.sections.append(attributes["id"])
        elif tag == "img":
            self.images.append(attributes["src"])
        elif tag == "table" and "data-source" in attributes:
            self.tables.append(attributes["data-source"])
        elif tag == "p" and attributes.get("class") == "finding":
            self._in_finding = True
            self.findings.append("")

    def handle_endtag(self, tag):
        self._in_finding = self._in_finding and tag != "p"

    def handle_data(self, data):
        if self._in_finding:
            self.findings[-1] += data


def small_panel(measures=("pls", "cka", "procrustes")) -> metric_panel.MetricPanel:
    """A metric panel computed on small planted recordings: the noise-free signal, a noisy copy and noise."""
    rng = np.random.default_rng(0)
    signal = rng.standard_normal((60, 5)) @ rng.standard_normal((5, 20))
    recordings = recordings_from_arrays(signal[:, None, :] + 0.5 * rng.standard_normal((60, 6, 20)))
    models = {
        "signal": signal,
        "noisy": signal + 2.0 * rng.standard_normal(signal.shape),
        "noise": rng.standard_normal((60, 20)),
    }
    records = {
        name: {
            measure: SimpleNamespace(score=result.normalised, details=result.to_json())
            for measure, result in score_panel(units, recordings, measures, n_boot=10).items()
        }
        for name, units in models.items()
    }
    rows = metric_panel.panel_rows("V2", records, measures)
    agreement = {"V2": metric_panel.agreement_of("V2", rows, measures, n_perm=200)}
    return metric_panel.MetricPanel(
        source="sim",
        time_window_ms=[50, 200],
        time_window_convention="Brain-Score's code (default)",
        measures=list(measures),
        measure_definitions={measure: MEASURE_DEFINITIONS[measure] for measure in measures},
        ceiling_definitions=dict(CEILING_DEFINITIONS),
        rows=rows,
        agreement=agreement,
        sentences=[agreement["V2"]["sentence"]],
        notes=["skipped control-pixels: a note the section must show"],
        seeds={"bootstrap": 0, "ceiling_splits": 0, "permutations": 0},
    )


def test_the_metric_panel_section_renders_a_computed_panel(monkeypatch, tmp_path):
    from brainscore_lcl.cli.report import REPORT_SECTIONS
    from brainscore_lcl.report.build import SECTIONS, render_section, run_section

    assert REPORT_SECTIONS == tuple(sorted(section.figure for section in SECTIONS))
    panel = small_panel()
    monkeypatch.setattr(metric_panel, "compute", lambda models, **options: panel)
    (section,) = [section for section in SECTIONS if section.figure == "metric_panel"]
    result = run_section(section, "signal", None, [], {"source": "sim"}, tmp_path)
    assert result["status"] == "done"
    page = SectionPage()
    page.feed(render_section(section, result))
    assert page.sections == ["metric_panel"]
    assert len(page.images) == 1 and page.images[0].startswith("data:image/png;base64,")
    assert page.tables == ["metric_panel.csv", "rank_correlations.csv"]
    assert page.findings == panel.sentences and page.findings[0].startswith("V2")
    assert "signal" in page.findings[0]
    assert result["notes"] == panel.notes
    rows = result["numbers"]["rows"]
    assert len(rows) == 3 * 3 and {row["model"] for row in rows if row["rank"] == 1.0} == {"signal"}
    for row in rows:
        assert row["normalised_ci95_low"] <= row["normalised"] <= row["normalised_ci95_high"], row


@pytest.mark.slow  # 3 models x 2 regions x 7 measures on sim through the scoring path: about 2 minutes of CPU
def test_brainscore_report_builds_the_metric_panel_section_on_sim():
    # not pytest's tmp_path: a pytest session started beside this one (same user) removes all but the 3 newest
    # basetemp folders, the cache with its placed stimuli among them, while this test runs
    with tempfile.TemporaryDirectory(prefix="metric-panel-report-") as folder:
        check_the_report(Path(folder))


def check_the_report(tmp_path: Path) -> None:
    out = tmp_path / "report"
    command = [sys.executable, "-m", "brainscore_lcl.cli", "report", "--model", "sim-generator", "--references"]
    command += ["--sections", "metric_panel", "--out", str(out)]
    environment = os.environ | {"BRAINSCORE_LCL_CACHE": str(tmp_path / "cache")}
    finished = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=1800, cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr[-2000:]
    page = SectionPage()
    page.feed((out / "index.html").read_text())
    assert "metric_panel" in page.sections and page.images and len(page.findings) == 2
    numbers = json.loads((out / "report.json").read_text())
    section = numbers["sections"]["metric_panel"]
    assert section["status"] == "done", section
    assert numbers["sections"]["v2_predictivity"] == {"status": "skipped", "reason": "not requested (--sections)"}
    rows = section["numbers"]["rows"]
    assert {row["model"] for row in rows} == {"sim-generator", "control-design", "control-pixels"}
    assert {row["region"] for row in rows} == {"V1", "V2"} and len(rows) == 2 * 3 * 7
    for row in rows:
        assert row["normalised_ci95_low"] <= row["normalised"] <= row["normalised_ci95_high"], row
        if row["model"] == "sim-generator":
            assert row["rank"] == 1.0, row
