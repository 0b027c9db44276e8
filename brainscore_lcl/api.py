"""The Python entry point: ``brainscore_lcl.score(model, benchmark)`` for an id, a model file, a ``torch.nn.Module``
or a Brain-Score ``BrainModel`` (the figures: ``brainscore_lcl.analyses``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from brainscore_lcl.results.cell import DEFAULT_DATABASE


def score(
    model: Any,
    benchmark: str,
    *,
    checkpoint: str | os.PathLike | None = None,
    name: str | None = None,
    layers: Sequence[str] | None = None,
    image_size: int | None = None,
    visual_degrees: float | None = None,
    db: str | None = DEFAULT_DATABASE,
    recompute: bool = False,
    **benchmark_options,
):
    """Score ``model`` on ``benchmark`` through the operation ``brainscore score`` uses
    (``brainscore_lcl.results.cell.score_cell``): the same checks, the cell from the results database when it holds
    it (``db``: a URL, default ``$BRAINSCORE_LCL_DB`` or the cache's SQLite file; None stores nothing), else scored and
    stored (``recompute``: always scored). Returns the ``ScoreRecord``.

    ``model``: a model id (``"lcl-v2"``), a file spec (``"my_net.py:build"``), a ``torch.nn.Module`` (id ``name`` or
    its class name; candidate ``layers``, default every convolution and linear layer, input ``image_size`` px (default
    224) over ``visual_degrees`` (default 8)), ``(module, preprocessing)``, or a ``BrainModel``. ``benchmark_options``
    (``time_window``, ``data_root``, ``pls``) go to this suite's benchmarks. The record holds the ``--json`` fields
    (``record.summary()``) and, in ``record.details``, the paper's score, the layer selection and the per-neuron
    values (``neuroid_ids``, ``per_neuron_r`` (split, neuron), ``per_neuron_ceiling``).
    """
    from brainscore_lcl.model_helpers.from_file import as_model_id
    from brainscore_lcl.results.cell import CellRequest, score_cell

    model_id = as_model_id(model, name=name, layers=layers, image_size=image_size, visual_degrees=visual_degrees)
    request = CellRequest(
        model_id, benchmark, None if checkpoint is None else str(checkpoint), benchmark_options, recompute=recompute
    )
    return score_cell(request, db=db).record
