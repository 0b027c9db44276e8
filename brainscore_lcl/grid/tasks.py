"""What a Dask worker runs for the grid: identify a model, extract its activations on one stimulus set, select its
layer on a public split, score one cell. Each returns plain data (a dict), or ``{"error": sentence}`` for a
``SuiteError`` (a failure the same inputs would repeat, so Dask does not retry it); any other exception propagates and
Dask retries the task.

A worker process builds each model once (``brainscore_lcl.score_cache.built_model``) and loads each benchmark once,
and runs one task at a time on them (``_lock``: the committed layer of a shared model is state). Activations go through
Brain-Score's disk cache (``$RESULTCACHING_HOME``, shared by every worker of a machine or a shared file system), so
the tasks that depend on an extraction read it from there. ``extractions`` counts the network's runs on a stimulus set
in this process (``brainscore_patches.count_network_runs``); every task returns how many it caused.
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
    from brainscore_lcl.score_cache import built_model

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


def _run(step, *args) -> dict[str, Any]:
    """``step(*args)`` under the process lock, with its seconds, worker and extraction count; a ``SuiteError`` becomes
    ``{"error": sentence}``."""
    from brainscore_lcl.results.store import worker_name

    with _lock, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the client reports each cell in one line; libraries' warnings stay here
        before, start = sum(extractions.values()), time.perf_counter()
        try:
            result = step(*args)
        except SuiteError as error:
            result = {"error": str(error)}
        return result | {
            "seconds": time.perf_counter() - start,
            "worker": worker_name(),
            "extractions": sum(extractions.values()) - before,
        }


def identify(model_id: str, checkpoint: str | None, options: dict[str, Any]) -> dict[str, Any]:
    """Build the model: {"weights_sha256", "options"} of its cells' keys (``brainscore_lcl.results.store``), and
    whether it selects its layers on public data ("selects")."""

    def step():
        from brainscore_lcl.registry import candidate_layers
        from brainscore_lcl.results.store import key_options, weights_sha256

        built = model(model_id, checkpoint)
        selects = bool(candidate_layers(model_id)) and bool(getattr(built, "layers", None))
        return {"weights_sha256": weights_sha256(built), "options": key_options(built, options), "selects": selects}

    return _run(step)


def extract(model_id: str, checkpoint: str | None, benchmark_id: str, options: dict[str, Any], public: bool):
    """Extract the model's activations on the stimuli of the benchmark (``public``: of its public counterpart)."""

    def step():
        from brainscore_lcl.scoring import precompute_activations

        loaded = benchmark(benchmark_id, options)
        precompute_activations(model(model_id, checkpoint), loaded.public_counterpart() if public else loaded)
        return {}

    return _run(step)


def select_layer(model_id: str, checkpoint: str | None, benchmark_id: str, options: dict[str, Any], *needs):
    """``brainscore_lcl.scoring.layer_selection`` of the model for the benchmark, after ``needs`` (the public
    extraction): {"selection": {...}}."""

    def step():
        from brainscore_lcl.scoring import layer_selection

        failed = _first_error(needs)
        if failed:
            return failed
        built = model(model_id, checkpoint)
        return {"selection": layer_selection(model_id, built, benchmark(benchmark_id, options))}

    return _run(step)


def score_cell(model_id: str, label: str, checkpoint: str | None, benchmark_id: str, options: dict[str, Any], *needs):
    """``brainscore_lcl.scoring.score`` of one cell after ``needs`` (its extraction and, where the model selects a
    layer, the selection): {"record": asdict of the ScoreRecord, named ``label``}."""

    def step():
        from brainscore_lcl.scoring import score

        failed = _first_error(needs)
        if failed:
            return failed
        selection = next((need["selection"] for need in needs if "selection" in need), None)
        built = model(model_id, checkpoint)
        record = score(model_id, benchmark_id, checkpoint=checkpoint, model=built, selection=selection, **options)
        record.model = label
        return {"record": asdict(record)}

    return _run(step)


def _first_error(needs) -> dict[str, str] | None:
    """The first ``{"error": ...}`` among the results of a task's dependencies."""
    return next(({"error": need["error"]} for need in needs if "error" in need), None)
