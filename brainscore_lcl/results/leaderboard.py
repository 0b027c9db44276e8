"""The leaderboard page: the results database as one static, self-contained HTML page (inline CSS and JavaScript, no
network), with ``leaderboard.json`` and ``leaderboard.csv`` beside it.

Rows are models (a model id with several weights in the database gets one row per weights, ``<model>@<sha256[:8]>``),
columns benchmarks, grouped by region and data source; a cell shows the ceiling-normalised score, its error and its
data source (the code version that made it and its date on hover, and in the JSON and CSV), and links to the model's
report (``<reports>/<model>/index.html``) when one exists. Where a cell was written several times (other data,
options or code), the latest row is shown. The controls (``CONTROL_MODELS``, docs/controls.md) come last, marked as
controls, so that every column's scores are read beside theirs.
"""

from __future__ import annotations

import csv
import html
import io
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from brainscore_lcl import versioned
from brainscore_lcl.metrics.measure_names import MEASURES
from brainscore_lcl.controls import is_control
from brainscore_lcl.results.db import DONE, ResultsDB

TEMPLATE = Path(__file__).resolve().parents[1] / "report" / "leaderboard.html"
SOURCE_ORDER = ("official", "public", "local", "sim")


@dataclass(frozen=True)
class Column:
    """A benchmark column: its id, region and data source."""

    benchmark: str
    region: str
    source: str


def latest_cells(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """{(row label, benchmark): latest row}; the label carries the weights when a model has several."""
    rows = sorted(rows, key=lambda row: (row["written_at"].replace(tzinfo=None), row["id"]))
    weights: dict[str, set[str]] = {}
    for row in rows:
        weights.setdefault(row["model"], set()).add(row["weights_sha256"])
    cells = {}
    for row in rows:
        several = len(weights[row["model"]]) > 1
        label = f"{row['model']}@{row['weights_sha256'][:8]}" if several else row["model"]
        cells[(label, row["benchmark"])] = dict(row) | {"label": label}
    return cells


def columns_of(cells: Mapping[tuple[str, str], Mapping[str, Any]]) -> list[Column]:
    """The benchmark columns, by region, then data source (recordings before sim), then similarity measure
    (``brainscore_lcl.metrics.measure_names.MEASURES``), then id."""
    found = {benchmark: (row["region"] or "?", row["source"] or "?") for (_, benchmark), row in cells.items()}
    columns = [Column(benchmark, region, source) for benchmark, (region, source) in found.items()]
    rank = {source: index for index, source in enumerate(SOURCE_ORDER)}
    measure_rank = {measure: index for index, measure in enumerate(MEASURES)}

    def measure_of(column: Column) -> int:
        return measure_rank.get(column.benchmark.partition("-")[2], len(measure_rank))

    return sorted(
        columns, key=lambda c: (c.region, rank.get(c.source, len(rank)), c.source, measure_of(c), c.benchmark)
    )


def table(db: ResultsDB) -> dict[str, Any]:
    """The page's content as data: {"columns": [...], "rows": [{"model": label, "control": whether it is one of the
    controls, "cells": {benchmark: {...}}}]}, the controls last."""
    cells = latest_cells(db.rows())
    columns = columns_of(cells)
    model_of = {label: row["model"] for (label, _), row in cells.items()}
    labels = sorted(model_of, key=lambda label: (is_control(model_of[label]), label))
    rows = []
    for label in labels:
        row_cells = {}
        for column in columns:
            row = cells.get((label, column.benchmark))
            if row is not None:
                row_cells[column.benchmark] = {
                    name: row[name]
                    for name in ("status", "score", "error", "raw", "ceiling", "layer", "message", "source", "model")
                } | {"code_version": row["code_version"], "written_at": f"{row['written_at']:%Y-%m-%d %H:%M}"}
        rows.append({"model": label, "control": is_control(model_of[label]), "cells": row_cells})
    return {"columns": [vars(column) for column in columns], "rows": rows}


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _cell_html(column: Column, cell: Mapping[str, Any] | None, report: str | None) -> str:
    """One ``<td>``: score +- error and the source badge; its exact score in ``data-value`` (what sorting reads)."""
    source = html.escape(column.source)
    badge = f'<span class="source source-{source}">{source}</span>'
    if cell is None:
        return f'<td class="missing" data-source="{source}" data-value="">&ndash;</td>'
    if cell["status"] != DONE:
        message = html.escape(cell.get("message") or "failed", quote=True)
        return f'<td class="failed" data-source="{source}" data-value="" title="{message}">failed {badge}</td>'
    score = cell["score"]
    text = _number(score) if score is not None else "n/a"
    if cell.get("error") is not None:
        text += f' <span class="error">&plusmn; {_number(cell["error"])}</span>'
    if report is not None:
        text = f'<a href="{html.escape(report, quote=True)}">{text}</a>'
    value = "" if score is None else repr(float(score))
    made = html.escape(f"{cell['code_version']}; written {cell['written_at']} UTC", quote=True)
    return f'<td class="score" data-source="{source}" data-value="{value}" title="{made}">{text} {badge}</td>'


def report_link(model: str, reports: str | Path | None, out: Path) -> str | None:
    """The relative link from ``out`` to ``<reports>/<model>/index.html``, where that report exists inside
    ``reports`` (a model named ``../../x`` or a link out of the folder gets none: the database's names are data)."""
    if reports is None:
        return None
    page = Path(reports) / model / "index.html"
    if not page.is_file() or not page.resolve().is_relative_to(Path(reports).resolve()):
        return None
    return os.path.relpath(page, out)


#: first characters that make a spreadsheet read a CSV cell as a formula (OWASP's CSV injection guidance)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell a spreadsheet shows as text: text starting with ``FORMULA_STARTS`` gets a leading
    ``'`` (numbers stay numbers, so a negative score is still a number)."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def render(content: Mapping[str, Any], out: Path, reports: str | Path | None = None, title: str = "Leaderboard") -> str:
    """The page's HTML for ``content`` (``table``)."""
    import datetime

    columns = [Column(**column) for column in content["columns"]]
    groups: list[tuple[tuple[str, str], int]] = []
    for column in columns:
        group = (column.region, column.source)
        if groups and groups[-1][0] == group:
            groups[-1] = (group, groups[-1][1] + 1)
        else:
            groups.append((group, 1))
    group_headers = "".join(
        f'<th colspan="{span}" class="group-{html.escape(source)}" data-source="{html.escape(source)}">'
        f"{html.escape(region)} &middot; {html.escape(source)}</th>"
        for (region, source), span in groups
    )
    benchmark_headers = "".join(
        f'<th class="sortable" data-column="{index}" data-source="{html.escape(column.source)}" '
        f'title="{html.escape(column.benchmark)}">{html.escape(column.benchmark)}</th>'
        for index, column in enumerate(columns, start=1)
    )
    body = []
    for row in content["rows"]:
        model = row["model"]
        any_cell = next(iter(row["cells"].values()), {})
        report = report_link(any_cell.get("model", model), reports, out)
        cells = "".join(_cell_html(column, row["cells"].get(column.benchmark), report) for column in columns)
        control = ' <span class="control">control</span>' if row.get("control") else ""
        body.append(
            f'<tr><td class="model" data-value="{html.escape(model)}">{html.escape(model)}{control}</td>{cells}</tr>'
        )
    sources = sorted({column.source for column in columns}, key=lambda s: (s not in SOURCE_ORDER, s))
    filters = "".join(
        f'<label><input type="checkbox" checked data-source="{html.escape(source)}"> {html.escape(source)}</label>'
        for source in sources
    )
    generated = f"Written {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC."
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        title=html.escape(title),
        generated=generated,
        filters=filters,
        group_headers=group_headers,
        benchmark_headers=benchmark_headers,
        rows="\n".join(body),
    )


def csv_text(content: Mapping[str, Any]) -> str:
    """One line per cell: model, benchmark, region, source, status, score, error, raw, ceiling, layer, message, the
    code version that made it and when it was written (UTC)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = ("status", "score", "error", "raw", "ceiling", "layer", "message", "code_version", "written_at")
    writer.writerow(("model", "benchmark", "region", "source", *names))
    for row in content["rows"]:
        for column in content["columns"]:
            cell = row["cells"].get(column["benchmark"])
            if cell is not None:
                values = (row["model"], column["benchmark"], column["region"], column["source"])
                writer.writerow(tuple(map(csv_cell, values + tuple(cell[name] for name in names))))
    return buffer.getvalue()


def write_leaderboard(
    db: ResultsDB, out: str | Path, reports: str | Path | None = None, title: str = "Leaderboard"
) -> Path:
    """Write ``<out>/index.html``, ``leaderboard.json`` and ``leaderboard.csv`` (each atomically); returns the page."""
    from brainscore_lcl.cache import atomic_write_json, atomic_write_text

    out = Path(out)
    content = table(db)
    page = atomic_write_text(out / "index.html", render(content, out, reports, title))
    atomic_write_json(out / "leaderboard.json", versioned(content | {"database": db.display_url()}), indent=2)
    atomic_write_text(out / "leaderboard.csv", csv_text(content))
    return page
