"""One HTML page of every analysis of the paper that applies to one model, next to the reference models.

Each section is one figure of ``brainscore_lcl.analyses``: its ``compute`` with the model first among the models, then
its ``draw`` into ``<out>/<figure>/``; the page shows the PNG figures and CSV tables it wrote and the models it skipped.
Scores come from the results database (``brainscore_lcl.results.cell.score_cell``), and each model is built once per
process, so reference models and repeated reports cost little. Sections that do not apply, or whose ``compute``
refuses the options or data (a ``SuiteError``), are listed with the reason.
``<out>/index.html`` is filled from the one template ``template.html``; ``<out>/report.json`` holds every number.
"""

from __future__ import annotations

import base64
import csv
import html
import json
import math
import platform
import string
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brainscore_lcl import versioned
from brainscore_lcl.benchmarks.geirhos2019local.benchmark import imagenet_readout_reason
from brainscore_lcl.controls import CONTROL_MODELS
from brainscore_lcl.errors import SuiteError
from brainscore_lcl.scoring import built_model

#: the offline models each section compares with, where the section applies to them (models that cannot be loaded
#: are skipped with a note), and the controls (docs/controls.md), whose margins the page states (``control_margins``)
REFERENCE_MODELS = ("sim-generator", "v1-steerpyr-pool", "alexnet-untrained", "lcl-v2") + CONTROL_MODELS
#: the score of each model that the margins over the controls compare: {section: (where in its numbers, measure)}
CONTROL_MEASURES = {
    "v1_predictivity": ("records", "ceiled explained variance (Brain-Score 2.4.2)"),
    "v2_predictivity": ("records", "ceiled explained variance (Brain-Score 2.4.2)"),
    "texture_modulation": ("rows", "family-rank rho, leave-one-family-out"),
}
#: the report's options each kind of section passes on to its figure's ``compute``
NEURAL_OPTIONS = ("source", "data_root", "no_cache", "checkpoints", "time_window")
#: figures that do not take one model, and why (listed among the skipped)
NOT_PER_MODEL = {"ablations": "Fig. 7 compares the training runs of the ablation sweeps (--runs), not one model"}
#: tables with more rows than this, and nested description values with more entries than this, are folded (still
#: in the page)
FOLD_ROWS = 30
FOLD_ENTRIES = 8
#: tables with more columns than this are set in a smaller font, so that they fit the page
WIDE_COLUMNS = 12
#: table columns that hold model ids, shown by their display names (the id on hover)
MODEL_COLUMNS = ("model", "model_a", "model_b")
TEMPLATE = Path(__file__).with_name("template.html")


@dataclass(frozen=True)
class Section:
    """One analysis on the page: the figure of ``brainscore_lcl.analyses`` it computes, why it does not apply to a
    model (None if it does; checked for the model and each reference) and the report options its ``compute`` takes."""

    figure: str
    title: str
    summary: str
    applies: Callable[[Any], str | None] | None = None
    options: tuple[str, ...] = NEURAL_OPTIONS


def first_layer_reason(model) -> str | None:
    """Why the receptive-field analysis does not apply to ``model`` (None if it does): it needs a first
    ``Conv2d`` over the 3 RGB channels."""
    from torch import nn

    network = getattr(getattr(model, "activations_model", None), "_model", None)
    if not isinstance(network, nn.Module):
        return "the model is not a PyTorch network wrapped by Brain-Score, so it has no first-layer filters to fit"
    first = next((module for module in network.modules() if isinstance(module, nn.Conv2d)), None)
    if first is None or first.in_channels != 3:
        return "the model's first layer is not a convolution over the 3 RGB channels (Gabor fits need one)"
    return None


SECTIONS = (
    Section(
        "v1_predictivity",
        "V1 predictivity (Fig. 6)",
        "PLS predictivity of the V1 cells: the paper's median (r/r_ceil)^2 with its s.d. over splits, "
        "Brain-Score 2.4.2's ceiled score, 95% bootstrap interval over cells, paired permutation tests.",
    ),
    Section(
        "v2_predictivity",
        "V2 predictivity and the V1-like / V2-like cells (Fig. 4, Table A.4)",
        "PLS predictivity of the V2 cells with both score definitions, and over the V1-like and V2-like "
        "quartiles of V2 cells as ranked by v1-steerpyr-pool.",
    ),
    Section(
        "texture_modulation",
        "Texture modulation (Fig. 5)",
        "Rmod of the recorded V2 cells against the model's (cross-validated fitted cells and raw layer units): "
        "Q-Q distance, texture-family ranks, Spearman rho and Fisher-z tests.",
    ),
    Section(
        "receptive_fields",
        "First-layer receptive fields (Figs. A.3-A.5)",
        "Gabor fits of the first convolution's filters: folded spatial phase and (nx, ny) against macaque V1 "
        "(Ringach 2002).",
        first_layer_reason,
        ("checkpoints",),
    ),
    Section(
        "per_neuron",
        "Per-neuron comparison (Fig. A.2)",
        "Per-cell V2 explained variance of the model against each reference, the fraction of cells each "
        "explains better and a paired permutation test.",
    ),
    Section(
        "metric_panel",
        "V1 and V2 under every similarity measure",
        "PLS, ridge, one-to-one, reverse PLS, RSA, CKA and Procrustes, each with its split-half ceiling and 95% "
        "bootstrap interval, the controls' floors, each model's rank per measure, Kendall's W across measures and "
        "which conclusions flip with the measure (docs/metrics.md).",
    ),
    Section(
        "behaviour",
        "Behaviour (Fig. 8, Table A.5)",
        "Out-of-distribution accuracy, observed and error consistency with Geirhos et al.'s human observers and "
        "shape bias, decided from the model's 1000 ImageNet logits (Geirhos et al.'s rule, stable log-softmax).",
        imagenet_readout_reason,
        ("checkpoints",),
    ),
)


def applicable_references(section: Section, references: Sequence[str]) -> list[str]:
    """The references ``section`` applies to (all of them when it has no ``applies`` test; those that cannot be
    loaded are left to the figure, which lists them as skipped)."""
    from brainscore_lcl.errors import ModelUnavailableError

    if section.applies is None:
        return list(references)
    kept = []
    for reference in references:
        try:
            if section.applies(built_model(reference)) is None:
                kept.append(reference)
        except ModelUnavailableError:
            kept.append(reference)
    return kept


def run_section(
    section: Section, model_id: str, model, references: Sequence[str], options: dict[str, Any], out: Path
) -> dict[str, Any]:
    """Compute and draw one section's figure; returns {"status": "done", "numbers", "figures", "tables", "notes"} or
    {"status": "skipped", "reason"}."""
    from brainscore_lcl import analyses

    reason = section.applies(model) if section.applies is not None else None
    if reason:
        return {"status": "skipped", "reason": reason}
    figure = analyses.figure_module(section.figure)
    models = [model_id] + [
        reference for reference in applicable_references(section, references) if reference != model_id
    ]
    passed = {name: options[name] for name in section.options if options.get(name) is not None}
    try:
        result = figure.compute(models, **passed)
    except SuiteError as error:
        return {"status": "skipped", "reason": f"{section.figure} stopped: {error}"}
    paths = figure.draw(result, out / section.figure)
    numbers = result.to_json()
    return {
        "status": "done",
        "numbers": numbers,
        "notes": numbers.get("notes", []) + numbers.get("skipped", []),
        "sentences": numbers.get("sentences", []),
        "figures": [path for path in paths if path.suffix == ".png"],
        "tables": [path for path in paths if path.suffix == ".csv"],
    }


def plain(value: Any) -> Any:
    """``value`` as strict JSON data: numpy values and paths converted, NaN and infinities as null."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if hasattr(value, "tolist"):
        return plain(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    return value


def model_description(
    model_id: str,
    description: dict[str, Any],
    source: str,
    options: dict[str, Any],
    sections: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The model (``description``, from ``describe_model`` before the sections ran: identifier with weights hash,
    layers, regions, field of view, checkpoint and, for your own networks, file and weights sha256), the layer chosen
    per region (also put into its region-layer map), the data source and time windows."""
    description = dict(description, region_layer_map=dict(description["region_layer_map"]))
    description["source"] = source
    description["data_root"] = options.get("data_root")
    for key, region in (("v1_predictivity", "V1"), ("v2_predictivity", "V2")):
        record = sections.get(key, {}).get("numbers", {}).get("records", {}).get(model_id)
        if record is not None:
            details = record["details"]
            description["region_layer_map"][region] = description[f"{region}_layer"] = record.get("layer")
            description[f"{region}_layer_selection"] = details.get("layer_selection")
            description[f"{region}_time_window_ms"] = details.get("time_window_ms")
    texture = sections.get("texture_modulation", {}).get("numbers", {}).get("rows", [])
    description["texture_modulation_window"] = next(
        (row.get("window") for row in texture if row.get("model") == model_id), None
    )
    return description


def section_scores(figure: str, numbers: dict[str, Any]) -> dict[str, float]:
    """{model: its score} in one section's numbers (``CONTROL_MEASURES``), empty for other sections."""
    if figure not in CONTROL_MEASURES:
        return {}
    if CONTROL_MEASURES[figure][0] == "records":
        return {model: record["score"] for model, record in numbers.get("records", {}).items()}
    return {row["model"]: row["rho_fitted"] for row in numbers.get("rows", [])}


def control_margins(model_id: str, results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """How far ``model_id`` is above each control in every section that scores both: one row per (section, control)
    with the measure, both scores and the margin (model minus control)."""
    rows = []
    for figure, result in results.items():
        scores = section_scores(figure, result.get("numbers", {})) if result["status"] == "done" else {}
        if model_id not in scores:
            continue
        for control in CONTROL_MODELS:
            if control in scores and control != model_id:
                rows.append(
                    {
                        "section": figure,
                        "measure": CONTROL_MEASURES[figure][1],
                        "model": model_id,
                        "score": scores[model_id],
                        "control": control,
                        "control_score": scores[control],
                        "margin": scores[model_id] - scores[control],
                    }
                )
    return rows


def versions() -> dict[str, str]:
    """Versions of the software that computed the numbers."""
    from importlib.metadata import version

    return {name: version(name) for name in ("brainscore-lcl", "brainscore-vision", "torch", "numpy")} | {
        "python": platform.python_version()
    }


def build_report(
    model_id: str,
    out: str | Path,
    *,
    checkpoint: str | None = None,
    source: str = "sim",
    data_root: str | None = None,
    time_window: Sequence[int] | None = None,
    references: Sequence[str] | None = None,
    no_cache: bool = False,
    sections: Sequence[str] | None = None,
) -> Path:
    """Run every section for ``model_id`` (or only the figures named in ``sections``; the others are listed as not
    requested) and write ``<out>/index.html`` and ``<out>/report.json``; returns the page. ``references`` (default
    ``REFERENCE_MODELS``) are compared with in every section that applies to them."""
    from tqdm import tqdm

    from brainscore_lcl import analyses
    from brainscore_lcl.analyses.common import SIMULATED_DATA_NOTE, write_csv
    from brainscore_lcl.cache import output_folder_transaction
    from brainscore_lcl.scoring import describe_model

    started = time.perf_counter()
    with output_folder_transaction(out) as staging:  # a failed or interrupted report leaves --out as it was
        model = built_model(model_id, checkpoint)
        before_sections = describe_model(model_id, checkpoint=checkpoint, model=model)  # before any layer selection
        options = {
            "source": source,
            "data_root": data_root,
            "no_cache": no_cache,
            "checkpoints": {model_id: checkpoint} if checkpoint else None,
            "time_window": list(time_window) if time_window else None,
        }
        results: dict[str, dict[str, Any]] = {}
        references = REFERENCE_MODELS if references is None else tuple(references)
        progress = tqdm(SECTIONS, desc="report", unit="section", file=sys.stderr)
        for section in progress:
            progress.set_postfix_str(section.figure)
            if sections is not None and section.figure not in sections:
                results[section.figure] = {"status": "skipped", "reason": "not requested (--sections)"}
                continue
            results[section.figure] = run_section(section, model_id, model, references, options, staging)
        description = model_description(model_id, before_sections, source, options, results)
        margins = control_margins(model_id, results)
        write_csv(staging, "controls", margins)
        skipped = [
            {"section": key, "reason": result["reason"]}
            for key, result in results.items()
            if result["status"] == "skipped"
        ]
        skipped += [
            {"section": figure, "reason": NOT_PER_MODEL.get(figure, f"{figure} has no report section")}
            for figure in analyses.FIGURES
            if figure not in results
        ]
        skipped += [
            {"section": key, "reason": note} for key, result in results.items() for note in result.get("notes", [])
        ]
        numbers = plain(
            versioned(
                {
                    "data_note": SIMULATED_DATA_NOTE if source == "sim" else None,
                    "model": description,
                    "versions": versions(),
                    "skipped": skipped,
                    "controls": margins,
                    "elapsed_s": round(time.perf_counter() - started, 1),
                    "sections": {
                        key: {name: value for name, value in result.items() if name in ("status", "reason", "numbers")}
                        for key, result in results.items()
                    },
                }
            )
        )
        (staging / "report.json").write_text(json.dumps(numbers, indent=1))
        (staging / "index.html").write_text(render_page(model_id, description, SECTIONS, results, skipped, numbers))
    return Path(out) / "index.html"


def render_page(
    model_id: str,
    description: dict[str, Any],
    sections: Sequence[Section],
    results: dict[str, dict[str, Any]],
    skipped: list[dict[str, str]],
    numbers: dict[str, Any],
) -> str:
    """The page, from ``template.html``."""
    entries = (
        [("model", "The model")]
        + [(section.figure, section.title) for section in sections]
        + [("controls", "Above the controls"), ("skipped", "Skipped, and why"), ("numbers", "Every number (JSON)")]
    )
    toc = "\n".join(f'<li><a href="#{key}">{html.escape(title)}</a></li>' for key, title in entries)
    parts = [f'<section id="model"><h2>The model</h2>{key_value_table(description)}</section>']
    banner = f'<p class="data-note">{html.escape(numbers["data_note"])}</p>' if numbers.get("data_note") else ""
    parts += [render_section(section, results[section.figure]) for section in sections]
    parts.append(controls_section(model_id, numbers["controls"]))
    items = (
        "".join(
            f"<li><b>{html.escape(item['section'])}</b>: {html.escape(str(item['reason']))}</li>" for item in skipped
        )
        or "<li>nothing</li>"
    )
    parts.append(f'<section id="skipped"><h2>Skipped, and why</h2><ul class="skipped">{items}</ul></section>')
    embedded = json.dumps(numbers).replace("</", "<\\/")
    return string.Template(TEMPLATE.read_text()).substitute(
        title=html.escape(f"brainscore-lcl report: {model_id}"),
        subtitle=html.escape(
            f"source {description['source']}; computed in {numbers['elapsed_s']} s with "
            + ", ".join(f"{name} {version}" for name, version in numbers["versions"].items())
        ),
        banner=banner,
        toc=toc,
        sections="\n".join(parts),
        numbers=embedded,
    )


def controls_section(model_id: str, margins: list[dict[str, Any]]) -> str:
    """How far the model is above each control (``control_margins``), one sentence per section and control."""
    from brainscore_lcl.analyses.common import display_name

    items = "".join(
        f"<li><b>{html.escape(row['section'])}</b> ({html.escape(row['measure'])}): "
        f"{html.escape(display_name(model_id))} {row['score']:.3f}, {abs(row['margin']):.3f} "
        f"{'above' if row['margin'] >= 0 else 'below'} "
        f"{html.escape(row['control'])} ({row['control_score']:.3f})</li>"
        for row in margins
    )
    items = items or "<li>no control was scored beside the model (they are among the default references)</li>"
    return (
        '<section id="controls"><h2>Above the controls</h2><p class="note">control-design: one-hot units of the '
        "stimuli's design labels (no pixels); control-pixels: the grey image at 32 x 32 px. A score near a "
        f"control's is explained by what that control holds (docs/controls.md).</p><ul>{items}</ul></section>"
    )


def render_section(section: Section, result: dict[str, Any]) -> str:
    """One section: title, what it computes, then its figures, the sentences its figure states under it (the metric
    panel's conclusions), its tables and notes, or why it was skipped."""
    head = (
        f'<section id="{section.figure}"><h2>{html.escape(section.title)}</h2>'
        f'<p class="note">{html.escape(section.summary)}</p>'
    )
    if result["status"] == "skipped":
        return f'{head}<p class="skipped">Skipped: {html.escape(result["reason"])}</p></section>'
    figures = "".join(
        f'<figure><img alt="{html.escape(path.stem)}" src="data:image/png;base64,'
        f'{base64.b64encode(path.read_bytes()).decode()}"><figcaption>{html.escape(path.name)}'
        "</figcaption></figure>"
        for path in result["figures"]
    )
    sentences = "".join(f'<p class="finding">{html.escape(text)}</p>' for text in result.get("sentences", []))
    tables = "".join(csv_table(path) for path in result["tables"])
    notes = "".join(f'<p class="note">{html.escape(note)}</p>' for note in result["notes"])
    return f"{head}{figures}{sentences}{tables}{notes}</section>"


def cell(value: str, column: str = "") -> str:
    """A table cell: numbers right-aligned with 4 significant digits, text left-aligned, model ids (``MODEL_COLUMNS``)
    by their display names with the id on hover."""
    from brainscore_lcl.analyses.common import display_name

    if column in MODEL_COLUMNS and value:
        return f'<td class="text" title="{html.escape(value)}">{html.escape(display_name(value))}</td>'
    try:
        number = float(value)
    except ValueError:
        return f'<td class="text">{html.escape(value)}</td>'
    return f"<td>{number:.4g}</td>"


def header_cell(name: str) -> str:
    """A column header that may wrap after each underscore (so that wide tables fit the page)."""
    return "<th>" + "_<wbr>".join(html.escape(part) for part in name.split("_")) + "</th>"


def csv_table(path: Path) -> str:
    """A CSV file as an HTML table under its name (wide ones wrap their headers and text to fit the page); folded
    when longer than ``FOLD_ROWS`` rows."""
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return ""
    header = "".join(header_cell(name) for name in rows[0])
    body = "".join(
        "<tr>" + "".join(cell(value, column) for value, column in zip(row, rows[0])) + "</tr>" for row in rows[1:]
    )
    wide = ' class="wide"' if len(rows[0]) > WIDE_COLUMNS else ""
    table = f'<table{wide} data-source="{html.escape(path.name)}"><tr>{header}</tr>{body}</table>'
    caption = f"<h3>{html.escape(path.name)} ({len(rows) - 1} rows)</h3>"
    if len(rows) - 1 > FOLD_ROWS:
        return f"{caption}<details><summary>show the table</summary>{table}</details>"
    return caption + table


def shown_value(value: Any) -> str:
    """One description value as HTML: a dict as a nested two-column table (folded, with its number of entries, when
    it has more than ``FOLD_ENTRIES``), a list of plain values as a comma-separated line, a list of dicts as one nested
    table per item, None as "none", numbers with up to 6 significant digits."""
    value = plain(value)
    if isinstance(value, dict):
        if not value:
            return "none"
        table = key_value_table(value)
        if len(value) <= FOLD_ENTRIES:
            return table
        return f"<details><summary>{len(value)} entries: {html.escape(', '.join(value))}</summary>{table}</details>"
    if isinstance(value, list):
        if any(isinstance(item, (dict, list)) for item in value):
            return "".join(shown_value(item) for item in value)
        return html.escape(", ".join(str(shown_value(item)) for item in value)) or "none"
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:.6g}"
    return html.escape(str(value))


def key_value_table(values: dict[str, Any]) -> str:
    """A two-column table of ``values``, nested values as nested tables (``shown_value``)."""
    rows = "".join(
        f'<tr><th>{html.escape(str(key))}</th><td class="text">{shown_value(value)}</td></tr>'
        for key, value in values.items()
    )
    return f'<table class="description">{rows}</table>'
