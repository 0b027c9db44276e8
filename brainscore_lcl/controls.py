"""Controls beside every score: the scores of ``CONTROL_MODELS`` on a benchmark, and how far a model is above them.

``control-design`` (one-hot units of each stimulus's design labels: Freeman-Ziemba family x texture type, Geirhos
category; no pixels, no recordings) and ``control-pixels`` (the grey image at 32 x 32 px) are ordinary model plugins
(``brainscore_lcl.models.controls``), scored through the ordinary scoring path; what each rules out: docs/controls.md.
A control that a benchmark cannot take (a region it commits no layer to, a stimulus set without design labels)
gets a skipped record saying why, so the model's own score is never lost to its controls.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from brainscore_lcl.errors import RunError, UsageError

if TYPE_CHECKING:
    from brainscore_lcl.scoring import ScoreRecord

#: light to import (the CLI's parsers read it): the scoring machinery is imported on first use
CONTROL_MODELS = ("control-design", "control-pixels")


def is_control(model_id: str) -> bool:
    """Whether ``model_id`` is one of ``CONTROL_MODELS``."""
    return model_id in CONTROL_MODELS


def control_scores(
    benchmark_id: str, score_cell: Callable[[str], ScoreRecord] | None = None, **options
) -> dict[str, ScoreRecord]:
    """{control id: its ``ScoreRecord`` on ``benchmark_id``} for every control, scored by ``score_cell(control id)``
    (default ``brainscore_lcl.scoring.score`` with ``options``; the CLI passes its results-database cell). A control
    the benchmark cannot take gets a NaN record whose ``details["skipped"]`` gives the one-sentence reason."""
    from brainscore_lcl.scoring import ScoreRecord, score

    score_cell = score_cell or (lambda model_id: score(model_id, benchmark_id, **options))
    records = {}
    for control in CONTROL_MODELS:
        try:
            records[control] = score_cell(control)
        except (UsageError, RunError) as error:
            records[control] = ScoreRecord(control, benchmark_id, math.nan, details={"skipped": str(error)})
    return records


def control_summary(records: Mapping[str, ScoreRecord]) -> dict[str, float | None]:
    """{control id: score, None where skipped or NaN}: the controls as JSON data."""
    return {
        control: None if "skipped" in record.details or math.isnan(record.score) else record.score
        for control, record in records.items()
    }


def margin_line(model_score: float, records: Mapping[str, ScoreRecord]) -> str:
    """One line: each control's score and how far ``model_score`` is above (or below) it, or why it was skipped;
    e.g. "controls: control-design 0.649 (model 0.120 above it), control-pixels 0.003 (model 0.766 above it)"."""
    parts = []
    for control, value in control_summary(records).items():
        if value is None:
            reason = records[control].details.get("skipped", "score undefined")
            parts.append(f"{control} skipped ({reason})")
        else:
            margin = model_score - value
            parts.append(f"{control} {value:.3f} (model {abs(margin):.3f} {'above' if margin >= 0 else 'below'} it)")
    return "controls: " + ", ".join(parts)
