"""What a Dask worker runs for the grid: identify a model, extract its activations on one stimulus set, select its
layer on a public split, score one cell. Each returns plain data (a dict), or ``{"error": sentence}`` for a
``SuiteError`` (a failure the same inputs would repeat, so Dask does not retry it); any other exception propagates and
Dask retries the task.

A worker process builds each model once (``brainscore_lcl.scoring.built_model``) and loads each benchmark once,
and runs one task at a time on them (``_lock``: the committed layer of a shared model is state). Activations go through
Brain-Score's disk cache (``$RESULTCACHING_HOME``, shared by every worker of a machine or a shared file system), so
the tasks that depend on an extraction read it from there. ``extractions`` counts the network's runs on a stimulus set
in this process (``brainscore_patches.count_network_runs``).

What a task did that must outlive its worker is logged as a Dask event on the scheduler (``Worker.log_event``) under
the grid's topic (``report``: (topic, the model's label)): {"model", "extractions": n} when its step ends (after
Brain-Score's cache stored the activations; also when the step raises) and {"model", "written": benchmark id} right
after its cell was written into the database. The client reads them at the end (``Client.get_events``), so a worker
killed after writing still counts (an event is lost only when the worker dies in the milliseconds between the write
and the event's send).
"""

from __future__ import annotations

import threading
import time
import warnings
from collections import Counter
from dataclasses import asdict
from typing import Any

from brainscore_lcl.errors import SuiteError

_lock = threading.RLock()
_benchmarks: dict[tuple[str, str], Any] = {}
#: the network's runs on a stimulus set in this process, per activations identifier
extractions: Counter[str] = Counter()


def _count_extractions(model) -> None:
    """Make each run of ``model``'s network on a stimulus set add one to ``extractions``: not a request served from
    Brain-Score's disk cache, nor one served from the process's memory (``brainscore_patches.count_network_runs``)."""
    from brainscore_lcl.model_helpers.brainscore_patches import count_network_runs

    identifier = str(getattr(model, "identifier", "model"))

    def count() -> None:
        extractions[identifier] += 1

    count_network_runs(model, count)


def model(model_id: str, checkpoint: str | None):
    """The model, built once per process, with its extractions counted."""
    from brainscore_lcl.scoring import built_model

    built = built_model(model_id, checkpoint)
    _count_extractions(built)
    return built


def benchmark(benchmark_id: str, options: dict[str, Any]):
    """The benchmark, loaded once per process."""
    from brainscore_lcl.scoring import load_benchmark

    key = (benchmark_id, repr(sorted(options.items())))
    if key not in _benchmarks:
        _benchmarks[key] = load_benchmark(benchmark_id, **options)
    return _benchmarks[key]


def _log_event(report: tuple[str, str] | None, message: dict[str, Any]) -> None:
    """Log ``message`` with the model's label under the grid's topic (``report``) on the scheduler; nothing outside a
    Dask worker (a task called directly) or without ``report``."""
    if report is None:
        return
    from distributed import get_worker

    try:
        worker = get_worker()
    except ValueError:  # not on a Dask worker
        return
    topic, label = report
    worker.log_event(topic, {"model": label} | message)


def _run(step, report: tuple[str, str] | None) -> dict[str, Any]:
    """``step()`` under the process lock, with its seconds and worker; a ``SuiteError`` becomes ``{"error":
    sentence}``; the network's runs it caused are logged as an event (``report``, see the module docstring)."""
    from brainscore_lcl.results.db import worker_name

    with _lock, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the client reports each cell in one line; libraries' warnings stay here
        before, start = sum(extractions.values()), time.perf_counter()
        try:
            result = step()
        except SuiteError as error:
            result = {"error": str(error)}
        finally:
            runs = sum(extractions.values()) - before
            if runs:
                _log_event(report, {"extractions": runs})
        return result | {"seconds": time.perf_counter() - start, "worker": worker_name()}


def identify(model_id: str, checkpoint: str | None, *, report: tuple[str, str] | None = None) -> dict[str, Any]:
    """Build the model: its ``identity`` (weights sha256, field of view: ``brainscore_lcl.results.cell.model_identity``,
    remembered for the next grid) and whether it selects its layers on public data ("selects")."""

    def step():
        from brainscore_lcl.model_helpers.identity import remember_model_identity
        from brainscore_lcl.registry import candidate_layers
        from brainscore_lcl.results.cell import model_identity

        built = model(model_id, checkpoint)
        identity = model_identity(built)
        remember_model_identity(model_id, checkpoint, identity, built)
        selects = bool(candidate_layers(model_id)) and bool(getattr(built, "layers", None))
        return {"identity": identity, "selects": selects}

    return _run(step, report)


def extract(
    model_id: str,
    checkpoint: str | None,
    benchmark_id: str,
    options: dict[str, Any],
    public: bool,
    *,
    report: tuple[str, str] | None = None,
):
    """Extract the model's activations on the stimuli of the benchmark (``public``: of its public counterpart)."""

    def step():
        from brainscore_lcl.scoring import precompute_activations

        loaded = benchmark(benchmark_id, options)
        precompute_activations(model(model_id, checkpoint), loaded.public_counterpart() if public else loaded)
        return {}

    return _run(step, report)


def select_layer(
    model_id: str,
    checkpoint: str | None,
    benchmark_id: str,
    options: dict[str, Any],
    *needs,
    report: tuple[str, str] | None = None,
):
    """``brainscore_lcl.scoring.layer_selection`` of the model for the benchmark, after ``needs`` (the public
    extraction): {"selection": {...}}."""

    def step():
        from brainscore_lcl.scoring import layer_selection

        failed = _first_error(needs)
        if failed:
            return failed
        built = model(model_id, checkpoint)
        return {"selection": layer_selection(model_id, built, benchmark(benchmark_id, options))}

    return _run(step, report)


def score_cell(
    model_id: str,
    label: str,
    checkpoint: str | None,
    benchmark_id: str,
    options: dict[str, Any],
    db_url: str,
    recompute: bool,
    *needs,
    report: tuple[str, str] | None = None,
):
    """``brainscore_lcl.results.cell.score_cell`` of one cell, stored in the database at ``db_url``, after ``needs``
    (its extraction and, where the model selects a layer, the selection; their seconds are stored with the cell's):
    {"record": asdict of the ScoreRecord, named ``label``, "computed": False when found stored, "written": False
    when another run wrote it first}; a written cell is logged as an event (``report``)."""

    def step():
        from brainscore_lcl.results.cell import CellRequest
        from brainscore_lcl.results.cell import score_cell as score_one

        failed = _first_error(needs)
        if failed:
            return failed
        selection = next((need["selection"] for need in needs if "selection" in need), None)
        timings: dict[str, float] = {}
        for need in needs:
            step_name = "selection" if "selection" in need else "activations"
            timings[step_name] = timings.get(step_name, 0.0) + need.get("seconds", 0.0)
        request = CellRequest(model_id, benchmark_id, checkpoint, options, label=label, recompute=recompute)
        result = score_one(request, db=db_url, model=model(model_id, checkpoint), selection=selection, timings=timings)
        if result.written:
            _log_event(report, {"written": benchmark_id})
        return {"record": asdict(result.record), "computed": result.computed, "written": result.written}

    return _run(step, report)


def _first_error(needs) -> dict[str, str] | None:
    """The first ``{"error": ...}`` among the results of a task's dependencies."""
    return next(({"error": need["error"]} for need in needs if "error" in need), None)
