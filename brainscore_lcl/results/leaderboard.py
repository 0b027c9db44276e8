"""The leaderboard: the results database as a static site that works from ``file://`` with no network.

``write_leaderboard(db, out)`` writes ``<out>/index.html`` (one self-contained page: its data as inline JSON, inline
CSS and JavaScript), one page per model under ``<out>/models/``, and ``leaderboard.json`` / ``leaderboard.csv``
(every shown cell with its provenance) beside them. The page and its definitions:

- **Columns** are column definitions, not benchmark ids: a benchmark with other options (a time window, a
  cross-validation, a PLS implementation) or on other data (another data identity) is another column, labelled with
  what differs (``column_label``). The model's field of view is no column option (it belongs to the model).
- **Rows** are models: one per model id, or one per weights (``<model>@<sha256[:8]>``) when the database holds
  several weights of it. Cells of a model that could not be built (the grid stores them under the weights
  ``UNBUILT_WEIGHTS``) stay in that model's row (its newest weights' row, where it has several), never a row of
  their own. Where a (row, column) cell was stored several times (other code versions, a later failure), the newest
  finished row is shown, else the newest failed one; a failure newer than the shown score is marked beside it
  (``later_failure``); the model's page lists every row.
- **Aggregates** (``aggregates``): per region, the mean of the row's finished scores over that region's columns;
  overall, the mean of the region means (each region counts once, as in Brain-Score's average). Failed and missing
  cells are left out and counted. The page recomputes them over the columns its filters show; ``leaderboard.json``
  holds them over every column. **Rank**: by the overall aggregate, highest first (ties share a rank); the controls
  (``CONTROL_MODELS``) are reference rows, marked and not ranked.
- A per-column colour scale (white at the column's lowest score, green at its highest); sorting on every column;
  filters by data source, region and measure (a row with no cell in any shown column is hidden); a CSV or JSON
  download of exactly the shown table, made in the browser.

Links to model reports are confined to ``--reports`` (``report_link``); CSV text that a spreadsheet would read as a
formula gets a leading ``'`` (``csv_cell``; the page's download does the same).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from brainscore_lcl import versioned
from brainscore_lcl.controls import is_control
from brainscore_lcl.metrics.measure_names import MEASURES
from brainscore_lcl.results.db import DONE, ResultsDB

TEMPLATES = Path(__file__).resolve().parents[1] / "report"
PAGE_TEMPLATE, MODEL_TEMPLATE = "leaderboard.html", "leaderboard_model.html"
SOURCE_ORDER = ("official", "public", "local", "sim")
#: the weights a grid stores the cells of a model it could not build under (``brainscore_lcl.grid.run.UNBUILT``)
UNBUILT_WEIGHTS = "unbuilt"
#: options of a stored cell that describe the model, not the benchmark (they never make another column)
MODEL_OPTIONS = ("visual_degrees",)
#: what each number of the page is; shown on the page itself
DEFINITIONS = {
    "score": "each benchmark's score as Brain-Score 2.4.2 defines it (ceiling-normalised for the PLS benchmarks; "
    "for texture modulation, -texmod, the Spearman correlation of the families' modulation with the recorded "
    "cells', no ceiling), with Brain-Score's error",
    "region": "the mean of the row's finished scores over the shown columns of that region; failed and missing "
    "cells are left out and counted (n scored / n columns)",
    "overall": "the mean of the row's region aggregates (each region counts once)",
    "rank": "by the overall aggregate, highest first; ties share a rank; the controls are reference rows, not ranked",
    "colour": "per column: white at the column's lowest score, green at its highest (every row, controls included)",
}


@dataclass(frozen=True)
class Column:
    """A column: one benchmark with one set of options on one data identity. ``label`` names it (unique)."""

    label: str
    benchmark: str
    region: str
    source: str
    measure: str
    options: str
    data_identity: str


def measure_of(benchmark: str) -> str:
    """The similarity measure (or benchmark kind) of a benchmark id ``<Dataset>.<region>-<measure>``: "pls"."""
    return benchmark.rpartition("-")[2] if "-" in benchmark else "?"


def column_options(options_json: str) -> str:
    """A stored cell's ``options`` (canonical JSON) without ``MODEL_OPTIONS``, as canonical JSON."""
    options = json.loads(options_json or "{}")
    return json.dumps({name: value for name, value in options.items() if name not in MODEL_OPTIONS}, sort_keys=True)


def column_definition(row: Mapping[str, Any]) -> tuple[str, str, str]:
    """What makes a stored cell's column: its benchmark, benchmark options (``column_options``) and data identity."""
    return row["benchmark"], column_options(row["options"]), row["data_identity"]


def _option_text(name: str, value: Any) -> str:
    if isinstance(value, list | tuple) and name == "time_window":
        return f"{name} {value[0]}-{value[1]} ms"
    return f"{name} {value}"


def column_label(benchmark: str, options_json: str, data_identity: str, several_data: bool) -> str:
    """The column's header: the benchmark id, then its options (``[time_window 70-170 ms]``) and, where the benchmark
    has columns on several data identities, the data's (``[data 1a2b3c4d]``, sha256[:8] of the identity)."""
    options = json.loads(options_json)
    parts = [_option_text(name, value) for name, value in sorted(options.items())]
    if several_data:
        parts.append(f"data {hashlib.sha256(data_identity.encode()).hexdigest()[:8]}")
    return f"{benchmark} [{', '.join(parts)}]" if parts else benchmark


def columns_of(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str, str], Column]:
    """{``column_definition``: Column} of the stored ``rows``, ordered by region, then data source (recordings before
    sim), then similarity measure (``MEASURES``' order), then benchmark id and label."""
    found: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    for row in rows:
        found.setdefault(column_definition(row), row)
    identities: dict[str, set[str]] = {}
    for benchmark, _, identity in found:
        identities.setdefault(benchmark, set()).add(identity)
    columns = {
        definition: Column(
            label=column_label(*definition, several_data=len(identities[definition[0]]) > 1),
            benchmark=definition[0],
            region=row["region"] or "?",
            source=row["source"] or "?",
            measure=measure_of(definition[0]),
            options=definition[1],
            data_identity=definition[2],
        )
        for definition, row in found.items()
    }
    source_rank = {source: index for index, source in enumerate(SOURCE_ORDER)}
    measure_rank = {measure: index for index, measure in enumerate(MEASURES)}

    def order(column: Column) -> tuple:
        source, measure = source_rank.get(column.source, len(source_rank)), measure_rank.get(column.measure, 99)
        return column.region, source, column.source, measure, column.measure, column.benchmark, column.label

    return dict(sorted(columns.items(), key=lambda item: order(item[1])))


def _newest(row: Mapping[str, Any]) -> tuple:
    return (row["written_at"].replace(tzinfo=None), row["id"])


def row_labels(rows: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    """{database row id: the leaderboard row it belongs to}: the model id, or ``<model>@<sha256[:8]>`` when the
    model has several weights; a cell stored under ``UNBUILT_WEIGHTS`` goes to its model's (newest weights') row."""
    rows = sorted(rows, key=_newest)
    weights: dict[str, list[str]] = {}
    for row in rows:
        if row["weights_sha256"] != UNBUILT_WEIGHTS and row["weights_sha256"] not in weights.get(row["model"], []):
            weights.setdefault(row["model"], []).append(row["weights_sha256"])
    labels = {}
    for row in rows:
        known = weights.get(row["model"], [])
        sha = row["weights_sha256"] if row["weights_sha256"] != UNBUILT_WEIGHTS or not known else known[-1]
        labels[row["id"]] = f"{row['model']}@{sha[:8]}" if len(known) > 1 else row["model"]
    return labels


def shown_row(stored: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """Of the stored rows of one (leaderboard row, column) cell, the one shown: the newest finished, else the newest
    failed."""
    finished = [row for row in stored if row["status"] == DONE]
    return max(finished or stored, key=_newest)


def shown_cell(stored: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The page's data of one (leaderboard row, column) cell: its ``shown_row``, and as ``later_failure`` the message
    of a failed row newer than a finished one shown (e.g. a later grid could not build the model), else None."""
    shown = shown_row(stored)
    later = [row for row in stored if row["status"] != DONE and _newest(row) > _newest(shown)]
    return _plain_cell(shown) | {"later_failure": max(later, key=_newest)["message"] if later else None}


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def aggregates(cells: Mapping[str, Mapping[str, Any]], columns: Sequence[Column]) -> dict[str, Any]:
    """The row's aggregates over ``columns`` (``DEFINITIONS``): {"regions": {region: {"mean", "scored", "failed",
    "missing"}}, "overall": {"mean", "regions" (how many have a mean), "scored", "failed", "missing"}}; a mean is
    None where nothing was scored."""
    regions: dict[str, dict[str, Any]] = {}
    for column in columns:
        region = regions.setdefault(column.region, {"scores": [], "failed": 0, "missing": 0})
        cell = cells.get(column.label)
        score = _finite(cell["score"]) if cell is not None and cell["status"] == DONE else None
        if score is not None:
            region["scores"].append(score)
        elif cell is not None and cell["status"] != DONE:
            region["failed"] += 1
        else:
            region["missing"] += 1
    summary = {
        name: {
            "mean": sum(region["scores"]) / len(region["scores"]) if region["scores"] else None,
            "scored": len(region["scores"]),
            "failed": region["failed"],
            "missing": region["missing"],
        }
        for name, region in regions.items()
    }
    means = [region["mean"] for region in summary.values() if region["mean"] is not None]
    overall = {"mean": sum(means) / len(means) if means else None, "regions": len(means)}
    overall |= {name: sum(region[name] for region in summary.values()) for name in ("scored", "failed", "missing")}
    return {"regions": summary, "overall": overall}


def ranks(overall: Mapping[str, float | None], controls: Iterable[str]) -> dict[str, int]:
    """{row label: rank} by overall aggregate, highest first, ties sharing the better rank; controls and rows without
    an aggregate get none."""
    controls = set(controls)
    ranked = sorted((value, label) for label, value in overall.items() if value is not None and label not in controls)
    values = sorted((value for value, _ in ranked), reverse=True)
    return {label: values.index(value) + 1 for value, label in ranked}


def _plain_cell(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row as the page's data: its values and provenance."""
    cell = {name: row[name] for name in ("status", "score", "error", "raw", "ceiling", "layer", "n_neuroids")}
    cell |= {name: row[name] for name in ("message", "benchmark", "data_identity", "code_version", "worker", "host")}
    cell["checkpoint"] = row["checkpoint"]
    return cell | {
        "id": row["id"],
        "options": column_options(row["options"]),
        "seconds": row["seconds"],
        "written_at": f"{row['written_at']:%Y-%m-%d %H:%M:%S} UTC",
        "weights_sha256": row["weights_sha256"],
    }


def checkpoint_metadata(path: str | None, weights_sha256: str) -> dict[str, Any]:
    """What the encoder checkpoint ``path`` (``brainscore_lcl.checkpoint``'s format) says of the weights
    ``weights_sha256``: {"checkpoint": file name, "parameters": the encoder's parameter count (None for an encoder
    kind other than LCL's), "config": ``config_essentials``, "data": what it was trained on, "architecture"}; {} unless
    the file is such a checkpoint, passes its checks and holds those weights (a file changed since the score was made
    describes other weights)."""
    from brainscore_lcl.checkpoint import build_encoder, load_encoder_checkpoint
    from brainscore_lcl.errors import RunError
    from brainscore_lcl.model_helpers.commitment import config_essentials

    if not path or not Path(path).is_file():
        return {}
    try:
        payload = load_encoder_checkpoint(path)
    except RunError:
        return {}  # not an encoder checkpoint of this suite (a network's own weights file), or damaged
    if payload["sha256"] != weights_sha256:
        return {}
    try:
        parameters = sum(int(parameter.numel()) for parameter in build_encoder(payload, path).parameters())
    except RunError:
        parameters = None  # another encoder kind (e.g. the Barlow Twins E2E AlexNet)
    metadata = {"checkpoint": Path(path).name, "parameters": parameters, "config": config_essentials(payload["config"])}
    return metadata | {name: payload[name] for name in ("data", "architecture") if payload.get(name) is not None}


def model_metadata(stored: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A leaderboard row's model: {"model", "weights_sha256", "checkpoint", "parameters", "config", ...} of its
    newest real weights, from the checkpoint file a row of those weights names (``checkpoint_metadata``), else from
    what the model's last build remembered (``remembered_model``: its shipped checkpoint file, its network's
    parameter count), each only where it describes those weights."""
    from brainscore_lcl.model_helpers.identity import remembered_model

    built = [row for row in stored if row["weights_sha256"] != UNBUILT_WEIGHTS]
    newest = max(built or stored, key=_newest)
    weights = newest["weights_sha256"]
    named = [row["checkpoint"] for row in sorted(built, key=_newest, reverse=True) if row["weights_sha256"] == weights]
    paths = list(dict.fromkeys(path for path in named if path))
    metadata: dict[str, Any] = {"model": newest["model"], "weights_sha256": weights, "checkpoint": None}
    if paths:
        metadata["checkpoint"] = Path(paths[0]).name
    remembered = {} if paths else remembered_model(newest["model"], None)
    if remembered.get("weights_sha256") != weights:
        remembered = {}
    for path in paths or remembered.get("files", []):
        found = checkpoint_metadata(path, weights)
        if found:
            return metadata | found | {"parameters": found["parameters"] or remembered.get("parameters")}
    return metadata | {"parameters": remembered.get("parameters")}


def page_name(label: str) -> str:
    """The model page of a row label under ``models/``: its safe characters and sha256[:8] (a label is data: it may
    hold ``/`` or ``..``)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("._")[:60] or "model"
    return f"models/{safe}-{hashlib.sha256(label.encode()).hexdigest()[:8]}.html"


def table(db: ResultsDB) -> dict[str, Any]:
    """The leaderboard as data: {"columns": [Column as dict], "rows": [{"model": row label, "control", "page",
    "metadata", "cells": {column label: shown cell}, "history": [every stored cell with its "column" and "role":
    shown, later failure or superseded; newest first],
    "aggregates", "rank"}], "definitions": DEFINITIONS}; rows by rank, then unranked, then controls."""
    stored_rows = db.rows()
    columns = columns_of(stored_rows)
    labels = row_labels(stored_rows)
    by_label: dict[str, list[Mapping[str, Any]]] = {}
    for row in stored_rows:
        by_label.setdefault(labels[row["id"]], []).append(row)
    rows = []
    for label, stored in by_label.items():
        by_column: dict[str, list[Mapping[str, Any]]] = {}
        for row in stored:
            by_column.setdefault(columns[column_definition(row)].label, []).append(row)
        cells = {column: shown_cell(group) for column, group in by_column.items()}
        history = [
            _plain_cell(row) | {"column": columns[column_definition(row)].label}
            for row in sorted(stored, key=_newest, reverse=True)
        ]
        for cell in history:
            shown = cells[cell["column"]]
            newer = (cell["written_at"], cell["id"]) > (shown["written_at"], shown["id"])
            cell["role"] = "shown" if cell["id"] == shown["id"] else "later failure" if newer else "superseded"
        rows.append(
            {
                "model": label,
                "control": is_control(stored[0]["model"]),
                "page": page_name(label),
                "metadata": model_metadata(stored),
                "cells": cells,
                "history": history,
                "aggregates": aggregates(cells, list(columns.values())),
            }
        )
    rank_of = ranks({row["model"]: row["aggregates"]["overall"]["mean"] for row in rows}, _control_labels(rows))
    for row in rows:
        row["rank"] = rank_of.get(row["model"])
    rows.sort(key=lambda row: (row["control"], row["rank"] is None, row["rank"] or 0, row["model"]))
    return {"columns": [asdict(column) for column in columns.values()], "rows": rows, "definitions": DEFINITIONS}


def _control_labels(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    return [row["model"] for row in rows if row["control"]]


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


#: the columns of ``leaderboard.csv``: one line per shown cell
CSV_FIELDS = (
    "model",
    "column",
    "benchmark",
    "region",
    "source",
    "measure",
    "status",
    "score",
    "error",
    "raw",
    "ceiling",
    "layer",
    "message",
    "weights_sha256",
    "options",
    "data_identity",
    "code_version",
    "written_at",
    "worker",
    "host",
    "seconds",
    "checkpoint",
)


def csv_text(content: Mapping[str, Any]) -> str:
    """``leaderboard.csv``: one line per shown cell (``CSV_FIELDS``: its column, value and provenance)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for row in content["rows"]:
        for column in content["columns"]:
            cell = row["cells"].get(column["label"])
            if cell is not None:
                values = {"model": row["model"], "column": column["label"]} | column | cell
                writer.writerow(tuple(csv_cell(values[name]) for name in CSV_FIELDS))
    return buffer.getvalue()


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _page_data(content: Mapping[str, Any], out: Path, reports: str | Path | None) -> dict[str, Any]:
    """What the index page's script reads: the content without the histories, with each row's report link."""
    rows = [
        {name: value for name, value in row.items() if name != "history"}
        | {"report": report_link(row["metadata"]["model"], reports, out)}
        for row in content["rows"]
    ]
    return {
        "columns": content["columns"],
        "rows": rows,
        "definitions": content["definitions"],
        "formula_starts": list(FORMULA_STARTS),
    }


def render(content: Mapping[str, Any], out: Path, reports: str | Path | None = None, title: str = "Leaderboard") -> str:
    """The index page's HTML for ``content`` (``table``)."""
    return (
        _environment()
        .get_template(PAGE_TEMPLATE)
        .render(
            title=title,
            generated=f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
            definitions=content["definitions"],
            data=_page_data(content, out, reports),
            sources=sorted(
                {column["source"] for column in content["columns"]}, key=lambda s: (s not in SOURCE_ORDER, s)
            ),
            regions=sorted({column["region"] for column in content["columns"]}),
            measures=sorted(
                {column["measure"] for column in content["columns"]},
                key=lambda m: (m not in MEASURES, MEASURES.index(m) if m in MEASURES else 0, m),
            ),
        )
    )


def render_model_page(
    row: Mapping[str, Any], content: Mapping[str, Any], out: Path, reports: str | Path | None, title: str
) -> str:
    """A model's page: its metadata, aggregates, shown cells and every stored cell with its provenance."""
    columns = {column["label"]: column for column in content["columns"]}
    report = report_link(row["metadata"]["model"], reports, out)
    return (
        _environment()
        .get_template(MODEL_TEMPLATE)
        .render(
            title=title,
            row=row,
            columns=content["columns"],
            column_of=columns,
            definitions=content["definitions"],
            report=None if report is None else os.path.relpath(out / report, (out / row["page"]).parent),
        )
    )


def write_leaderboard(
    db: ResultsDB, out: str | Path, reports: str | Path | None = None, title: str = "Leaderboard"
) -> Path:
    """Write ``<out>/index.html``, ``<out>/models/*.html``, ``leaderboard.json`` and ``leaderboard.csv`` (each
    atomically); returns the index page."""
    from brainscore_lcl.cache import atomic_write_json, atomic_write_text

    out = Path(out)
    content = table(db)
    for row in content["rows"]:
        atomic_write_text(out / row["page"], render_model_page(row, content, out, reports, title))
    page = atomic_write_text(out / "index.html", render(content, out, reports, title))
    atomic_write_json(
        out / "leaderboard.json", versioned(content | {"database": db.display_url()}), indent=2, default=str
    )
    atomic_write_text(out / "leaderboard.csv", csv_text(content))
    return page
