"""What a grid computes: its models (label, model id, checkpoint) and the stimulus sets each benchmark shows (which
decide the activation extractions the cells share)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from brainscore_lcl.errors import UsageError


@dataclass(frozen=True)
class GridModel:
    """A row of the grid: ``label`` (the name in the results), the model id it builds, its checkpoint."""

    label: str
    model_id: str
    checkpoint: str | None = None


def encoder_model_id(path: str | Path) -> str:
    """``lcl-v1`` for a one-stage encoder checkpoint (``brainscore train``'s ``encoder.pt``), ``lcl-v2`` otherwise."""
    from brainscore_lcl.checkpoint import load_encoder_checkpoint

    return "lcl-v1" if len(load_encoder_checkpoint(path)["config"]["stages"]) == 1 else "lcl-v2"


def grid_models(model_ids: Sequence[str], checkpoints: Iterable[str] = (), runs: str | None = None) -> list[GridModel]:
    """The grid's models: each of ``model_ids``; each ``NAME=PATH`` of ``checkpoints`` (NAME a model id: that model
    with those weights; otherwise an encoder checkpoint scored as LCL-V1 or LCL-V2, named NAME); each
    ``<runs>/<run>/encoder.pt`` (named after its run folder). ``UsageError`` for a malformed pair, a missing file or
    an unknown model id, before anything is built."""
    from brainscore_lcl.registry import discover_plugins, model_registry
    from brainscore_lcl.scoring import check_model_ids

    check_model_ids(list(model_ids))
    models = [GridModel(model_id, model_id) for model_id in model_ids]
    pairs = []
    for pair in checkpoints:
        name, separator, path = pair.partition("=")
        if not separator or not name or not path:
            raise UsageError(f"--checkpoint takes NAME=PATH pairs, got {pair!r}; e.g. --checkpoint lcl-v2=encoder.pt")
        pairs.append((name, Path(path)))
    if runs:
        folder = Path(runs)
        if not folder.is_dir():
            raise UsageError(f"--runs {folder} is not a folder; pass the folder of run folders that hold encoder.pt")
        pairs += [(path.parent.name, path) for path in sorted(folder.glob("*/encoder.pt"))]
    discover_plugins(("model",))
    for name, path in pairs:
        if not path.is_file():
            raise UsageError(f"checkpoint {path} of {name} is not a file; pass an existing checkpoint")
        model_id = name if name in model_registry else encoder_model_id(path)
        models.append(GridModel(name, model_id, str(path)))
    labels = [model.label for model in models]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise UsageError(f"model names {repeated} appear twice in the grid; give each checkpoint its own NAME")
    if not models:
        raise UsageError("the grid has no model; pass --models, --checkpoint NAME=PATH or --runs DIR")
    return models


def stimuli_identity(benchmark) -> str | None:
    """The stimulus set a benchmark shows (its identifier and visual degrees); None where the benchmark does not
    expose one (then its cells extract inside their own task)."""
    try:
        stimulus_set = benchmark.assembly.stimulus_set
        return f"{stimulus_set.identifier}@{benchmark._visual_degrees}deg"
    except AttributeError:
        return None


def public_identity(benchmark) -> tuple[str, str] | None:
    """(public counterpart's benchmark identifier, its stimulus set) of a benchmark that selects layers there."""
    if not hasattr(benchmark, "public_counterpart"):
        return None
    public = benchmark.public_counterpart()
    return public.identifier, stimuli_identity(public) or public.identifier


def control_skip_reason(control_id: str, benchmark_id: str, options, benchmark=None) -> str | None:
    """Why the control ``control_id`` cannot be scored on ``benchmark_id`` (one sentence), or None: a region it
    commits no layer to (``brainscore_lcl.results.cell.check_request``, from the ids alone) or, given the loaded
    ``benchmark``, a stimulus set without the design labels ``control-design`` reads (read from its ``assembly``, or
    Brain-Score's ``_assembly``/``_stimulus_set``, where it has one). The grid skips such a cell before submitting it,
    as ``brainscore score`` skips the control (``brainscore_lcl.controls.control_scores``)."""
    from brainscore_lcl.results.cell import CellRequest, check_request

    try:
        check_request(CellRequest(control_id, benchmark_id, options=options))
        if benchmark is not None and control_id == "control-design":
            from brainscore_lcl.models.controls.design import design_labels

            stimulus_set = _stimulus_set_of(benchmark)
            if stimulus_set is not None:
                design_labels(stimulus_set)
    except UsageError as error:
        return str(error)
    return None


def _stimulus_set_of(benchmark):
    """The StimulusSet a loaded benchmark shows, None where it exposes none."""
    for name in ("assembly", "_assembly"):
        assembly = getattr(benchmark, name, None)
        if assembly is not None and hasattr(assembly, "stimulus_set"):
            return assembly.stimulus_set
    return getattr(benchmark, "_stimulus_set", None)
