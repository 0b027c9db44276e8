"""The grid's Dask graph and its writes into the results database.

Per model, an ``identify`` task builds it and names its weights; once it is back, the client looks its cells up in the
database and submits only the missing ones (all with ``recompute``; failed ones too with ``retry_failed``): one
``extract`` task per (model, stimulus set), shared by every cell that shows those stimuli; for models with candidate
layers, one ``extract`` of the public split and one ``select_layer`` task per (model, public benchmark); one
``score_cell`` task per cell, depending on them. Results come back through ``distributed.as_completed`` and each is
written by the client as it arrives, so an interrupted grid keeps every finished cell and a rerun computes only the
rest. Dask retries a task whose worker died or that raised an unexpected exception (``retries``); a cell whose task
still fails is stored with its one-sentence error.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from brainscore_lcl.grid import tasks
from brainscore_lcl.grid.cells import (
    GridModel,
    benchmark_data_identity,
    public_identity,
    stimuli_identity,
)
from brainscore_lcl.results.db import FAILED, CellKey, ResultsDB

#: the weights field of the cells of a model that could not be built
UNBUILT = "unbuilt"


@dataclass
class GridSummary:
    """What a grid did: cells computed and written by this run, computed by it but written first by another run
    (``computed_elsewhere``: the database kept the other's row), found in the database, failed; the network's runs on
    stimulus sets."""

    cells: int = 0
    computed: int = 0
    computed_elsewhere: int = 0
    skipped: int = 0
    failed: int = 0
    extractions: int = 0
    extraction_tasks: int = 0
    extractions_by_model: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    database: str = ""
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One readable line."""
        elsewhere = f", {self.computed_elsewhere} written first by another run" if self.computed_elsewhere else ""
        return (
            f"{self.cells} cells: {self.computed} computed{elsewhere}, {self.skipped} already in the database, "
            f"{self.failed} failed; {self.extractions} activation extractions ({self.extraction_tasks} model x "
            f"stimulus-set tasks); {self.seconds:.1f} s; results in {self.database}"
        )


def failure_sentence(error: BaseException) -> str:
    """One sentence for an exception that came back from a task after its retries."""
    first_line = next(iter(str(error).strip().splitlines()), "")
    return f"{type(error).__name__}: {first_line} (after Dask's retries; rerun with --retry-failed)"


class _Grid:
    """One grid run: the submitted futures, what each stands for, the running counts."""

    def __init__(
        self, client, db: ResultsDB, benchmark_ids, options, *, recompute, retry_failed, retries, bar, on_cell
    ):
        self.client, self.db, self.options = client, db, options
        self.recompute, self.retry_failed, self.retries = recompute, retry_failed, retries
        self.bar, self.on_cell = bar, on_cell
        self.benchmark_ids = list(benchmark_ids)
        self.meta: dict[Any, tuple] = {}
        self.shared: dict[tuple, Any] = {}
        self.summary = GridSummary(database=db.display_url())
        self.token = uuid.uuid4().hex[:8]

    def load_benchmarks(self) -> None:
        """Each benchmark's data identity, stimulus set and public counterpart (loaded here, in the client, while
        the workers build the models)."""
        from brainscore_lcl.scoring import load_benchmark

        loaded = {benchmark_id: load_benchmark(benchmark_id, **self.options) for benchmark_id in self.benchmark_ids}
        data_root = self.options.get("data_root")
        self.identities = {b: benchmark_data_identity(b, data_root) for b in self.benchmark_ids}
        self.stimuli = {b: stimuli_identity(loaded[b]) for b in self.benchmark_ids}
        self.publics = {b: public_identity(loaded[b]) for b in self.benchmark_ids}

    def submit(self, function, *args, name: str):
        return self.client.submit(
            function, *args, key=f"{name}-{self.token}-{uuid.uuid4().hex[:6]}", retries=self.retries, pure=False
        )

    def keys(self, model: GridModel, weights: str, options: dict[str, Any]) -> dict[str, CellKey]:
        return {b: CellKey(model.label, weights, b, self.identities[b], options) for b in self.benchmark_ids}

    def finish_cell(self, model: GridModel, benchmark_id: str, key: CellKey, result: dict[str, Any], needs=()):
        """Write one cell's result, advance the bar, print its line."""
        from brainscore_lcl.scoring import ScoreRecord

        timings = {"score": result.get("seconds", 0.0)}
        for need in needs:
            try:
                done = need.result()
            except Exception:  # a failed dependency: its error is the cell's, its time unknown
                continue
            step = "selection" if "selection" in done else "activations"
            timings[step] = timings.get(step, 0.0) + done.get("seconds", 0.0)
        timings["total"] = sum(timings.values())
        worker = result.get("worker")
        if "record" in result:
            written = self.db.put_done(
                key,
                result["record"],
                timings=timings,
                worker=worker,
                checkpoint=model.checkpoint,
                replace=self.recompute,
            )
            line = ScoreRecord(**result["record"]).line()
        else:
            written = self.db.put_failed(
                key, result["error"], timings=timings, worker=worker, checkpoint=model.checkpoint
            )
            line = f"{model.label} on {benchmark_id}: FAILED: {result['error']}"
        if not written:  # another run's finished row came first and is kept
            self.summary.computed_elsewhere += 1
            line += " (not written: another run had written this cell)"
        elif "record" in result:
            self.summary.computed += 1
        else:
            self.summary.failed += 1
            self.summary.failures.append(line)
        self.bar.update(1)
        self.bar.write(f"{line} [{worker}, {timings['total']:.1f} s]")
        if self.on_cell is not None:
            self.on_cell(key, result)

    def skip(self, count: int = 1) -> None:
        self.summary.skipped += count
        self.bar.update(count)

    def identified(self, model: GridModel, result: dict[str, Any], pending) -> None:
        """Submit the missing cells of an identified model (or store its build error in each of them)."""
        if "error" in result:
            unbuilt = self.keys(model, UNBUILT, {})
            statuses = self.db.statuses(unbuilt.values())
            for benchmark_id, key in unbuilt.items():
                if key.digest() in statuses and not (self.retry_failed or self.recompute):
                    self.skip()
                else:
                    self.finish_cell(model, benchmark_id, key, result)
            return
        keys = self.keys(model, result["weights_sha256"], result["options"])
        statuses = self.db.statuses(keys.values())
        if self.retry_failed or self.recompute:
            self.db.delete(self.keys(model, UNBUILT, {}).values())
        for benchmark_id, key in keys.items():
            status = statuses.get(key.digest())
            if status is not None and not self.recompute and not (status == FAILED and self.retry_failed):
                self.skip()
                continue
            needs = self.needs(model, benchmark_id, result["selects"])
            future = self.submit(
                tasks.score_cell,
                model.model_id,
                model.label,
                model.checkpoint,
                benchmark_id,
                self.options,
                *needs,
                name=f"score-{model.label}-{benchmark_id}",
            )
            self.meta[future] = ("cell", model, benchmark_id, key, needs)
            pending.add(future)

    def shared_task(self, kind: tuple, function, *args, name: str):
        """The future of a task shared by several cells (one extraction per model and stimulus set, one selection
        per model and public benchmark), submitted the first time it is asked for."""
        if kind not in self.shared:
            self.shared[kind] = self.submit(function, *args, name=name)
            if kind[0] == "extract":
                self.summary.extraction_tasks += 1
        return self.shared[kind]

    def needs(self, model: GridModel, benchmark_id: str, selects: bool) -> list:
        """The extraction (and, where the model ``selects`` its layers, layer selection) futures a cell depends on."""
        needs = []
        base = (model.model_id, model.checkpoint, benchmark_id, self.options)
        if self.stimuli[benchmark_id] is not None:
            kind = ("extract", model.label, self.stimuli[benchmark_id])
            needs.append(self.shared_task(kind, tasks.extract, *base, False, name=f"extract-{model.label}"))
        public = self.publics[benchmark_id]
        if public is not None and selects:
            public_id, public_stimuli = public
            extraction = self.shared_task(
                ("extract", model.label, public_stimuli), tasks.extract, *base, True, name=f"extract-{model.label}"
            )
            needs.append(
                self.shared_task(
                    ("select", model.label, public_id),
                    tasks.select_layer,
                    *base,
                    extraction,
                    name=f"select-{model.label}",
                )
            )
        return needs

    def count_extractions(self, label: str, result: Any) -> None:
        """Add the extractions a task's ``result`` reports to ``label``'s count."""
        count = result.get("extractions", 0) if isinstance(result, dict) else 0
        self.summary.extractions += count
        by_model = self.summary.extractions_by_model
        by_model[label] = by_model.get(label, 0) + count


def run_grid(
    models: Sequence[GridModel],
    benchmark_ids: Sequence[str],
    *,
    client,
    db: ResultsDB,
    options: dict[str, Any] | None = None,
    recompute: bool = False,
    retry_failed: bool = False,
    retries: int = 2,
    progress: bool = True,
    on_cell: Callable[[CellKey, dict[str, Any]], None] | None = None,
) -> GridSummary:
    """Compute every cell of ``models`` x ``benchmark_ids`` missing from ``db`` on the Dask ``client`` (see the module
    docstring); ``options`` go to every benchmark. ``on_cell(key, result)`` is called after each cell is written."""
    from distributed import as_completed
    from tqdm.auto import tqdm

    start = time.perf_counter()
    with tqdm(total=len(models) * len(benchmark_ids), desc="cells", unit="cell", disable=not progress) as bar:
        grid = _Grid(
            client,
            db,
            benchmark_ids,
            dict(options or {}),
            recompute=recompute,
            retry_failed=retry_failed,
            retries=retries,
            bar=bar,
            on_cell=on_cell,
        )
        grid.summary.cells = bar.total
        pending = as_completed()
        for model in models:
            future = grid.submit(tasks.identify, model.model_id, model.checkpoint, grid.options, name="identify")
            grid.meta[future] = ("identify", model)
            pending.add(future)
        try:
            grid.load_benchmarks()
            for future in pending:
                kind, model, *cell = grid.meta.pop(future)
                try:
                    result = future.result()
                except Exception as error:  # a task that failed after its retries: stored with its sentence
                    result = {"error": failure_sentence(error)}
                grid.count_extractions(model.label, result)
                if kind == "identify":
                    grid.identified(model, result, pending)
                else:
                    grid.finish_cell(model, *cell[:2], result, needs=cell[2])
            for (_, label, _), future in grid.shared.items():
                if future.status == "finished":
                    grid.count_extractions(label, future.result())
        finally:
            grid.client.cancel(list(grid.meta) + list(grid.shared.values()))
    grid.summary.seconds = time.perf_counter() - start
    return grid.summary
