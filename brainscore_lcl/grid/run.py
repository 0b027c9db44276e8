"""The grid's Dask graph.

A model whose identity is remembered (``brainscore_lcl.model_helpers.identity.known_model_identity``: its weights
sha256 and field of view, while its code and checkpoint files are unchanged) has its cells looked up in the database
at once, without building it; any other gets an ``identify`` task that builds it and names its weights. The client
then submits only the missing cells (all with ``recompute``; failed ones too with ``retry_failed``): one ``extract``
task per (model, stimulus set), shared by every cell that shows those stimuli; for models with candidate layers, one
``extract`` of the public split and one ``select_layer`` task per (model, public benchmark); one ``score_cell`` task
per cell, depending on them, which scores and stores the cell through ``brainscore_lcl.results.cell.score_cell``.
The lookups and the writes of failed cells go through ``brainscore_lcl.results.cell`` too (``stored_cells``,
``record_failed_cell``): no module of the grid touches the database itself. A control that a benchmark cannot take
(``cells.control_skip_reason``) is skipped before submission, with its reason.

Results come back through ``distributed.as_completed``, so an interrupted grid keeps every finished cell and a rerun
computes only the rest. Dask retries a task whose worker died or that raised an unexpected exception (``retries``); a
cell whose task still fails is stored as failed with its one-sentence error. What the workers did is counted from the
events they log on the scheduler (``tasks``: extractions, cells written), so a worker killed after writing still
counts. A cluster that has had no worker for ``worker_timeout`` seconds while cells are pending ends the grid in one
sentence (``RunError``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from brainscore_lcl.controls import is_control
from brainscore_lcl.errors import RunError
from brainscore_lcl.grid import tasks
from brainscore_lcl.grid.cells import GridModel, control_skip_reason, public_identity, stimuli_identity
from brainscore_lcl.grid.clusters import WORKER_TIMEOUT
from brainscore_lcl.results.cell import (
    UNBUILT,
    CellRequest,
    forget_unbuilt_cells,
    record_failed_cell,
    stored_cells,
)
from brainscore_lcl.results.db import FAILED, CellKey, ResultsDB

#: seconds between two looks at the cluster's workers while the grid waits for a result
WORKER_CHECK_SECONDS = 1.0


@dataclass
class GridSummary:
    """What a grid did: cells computed and written by this run, computed by it but written first by another run
    (``computed_elsewhere``: the database kept the other's row), found in the database, failed, controls the
    benchmark cannot take (``skipped_controls``: model, benchmark, reason; never submitted); the network's runs on
    stimulus sets (``extractions``, from the workers' events: killed workers' runs included)."""

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
    skipped_controls: list[dict[str, str]] = field(default_factory=list)

    def line(self) -> str:
        """One readable line."""
        elsewhere = f", {self.computed_elsewhere} written first by another run" if self.computed_elsewhere else ""
        controls = (
            f", {len(self.skipped_controls)} control cells skipped (the benchmark cannot take them)"
            if self.skipped_controls
            else ""
        )
        return (
            f"{self.cells} cells: {self.computed} computed{elsewhere}, {self.skipped} already in the database, "
            f"{self.failed} failed{controls}; {self.extractions} activation extractions ({self.extraction_tasks} model "
            f"x stimulus-set tasks); {self.seconds:.1f} s; results in {self.database}"
        )


def failure_sentence(error: BaseException) -> str:
    """One sentence for an exception that came back from a task after its retries."""
    first_line = next(iter(str(error).strip().splitlines()), "")
    return f"{type(error).__name__}: {first_line} (after Dask's retries; rerun with --retry-failed)"


def workers_lost_sentence(timeout: float, pending: int, stored: int) -> str:
    """The sentence of a grid whose cluster lost every worker mid-run."""
    return (
        f"the Dask cluster has had no worker for {timeout:g} s while {pending} cells were still to compute (its "
        "workers were lost: batch jobs ended or were cancelled, worker processes were killed or ran out of memory, "
        f"or the scheduler's workers were stopped); the {stored} cells stored so far are kept, and rerunning the same "
        "command computes only the rest"
    )


class _Pending:
    """The submitted futures, in the order they finish (``distributed.as_completed``, made when the first future is
    added: it needs a running client; a grid with nothing to compute waits for nothing)."""

    def __init__(self):
        self._futures = None

    def add(self, future) -> None:
        if self._futures is None:
            from distributed import as_completed

            self._futures = as_completed()
        self._futures.add(future)

    def empty(self) -> bool:
        return self._futures is None or self._futures.is_empty()

    def finished(self, seconds: float) -> list:
        """The futures that finished since the last call, waiting up to ``seconds`` for one (none: [])."""
        deadline = time.monotonic() + seconds
        while not self._futures.has_ready() and time.monotonic() < deadline:
            time.sleep(0.02)
        return self._futures.next_batch(block=False) if self._futures.has_ready() else []


class _Grid:
    """One grid run: the submitted futures, what each stands for, the running counts."""

    def __init__(
        self, client, db: ResultsDB, benchmark_ids, options, *, recompute, retry_failed, retries, bar, on_cell
    ):
        self._client, self.db, self.options = client, db, options
        self.recompute, self.retry_failed, self.retries = recompute, retry_failed, retries
        self.bar, self.on_cell = bar, on_cell
        self.benchmark_ids = list(benchmark_ids)
        self.meta: dict[Any, tuple] = {}
        self.shared: dict[tuple, Any] = {}
        self.summary = GridSummary(database=db.display_url())
        self.token = uuid.uuid4().hex[:8]
        self.topic = f"brainscore-lcl-grid-{self.token}"
        self.loaded: dict[str, Any] | None = None
        self.stimuli: dict[str, str | None] = {}
        self.publics: dict[str, tuple[str, str] | None] = {}
        self.found_after_submit: list[tuple[str, str]] = []
        self.data_identities: dict[tuple, str] = {}  # cell_key's memo: the data hashed once per benchmark

    def load_benchmarks(self) -> None:
        """Each benchmark's stimulus set and public counterpart (loaded here, in the client, while the workers build
        the models; once, and only when a cell is to be computed)."""
        from brainscore_lcl.scoring import load_benchmark

        if self.loaded is not None:
            return
        self.loaded = {b: load_benchmark(b, **self.options) for b in self.benchmark_ids}
        self.stimuli = {b: stimuli_identity(self.loaded[b]) for b in self.benchmark_ids}
        self.publics = {b: public_identity(self.loaded[b]) for b in self.benchmark_ids}

    @property
    def started(self) -> bool:
        """Whether the Dask client exists (a task was submitted, or the caller passed a client)."""
        return hasattr(self._client, "submit")

    @property
    def client(self):
        """The Dask client; a callable given instead is called on first use (a grid with nothing to compute starts
        no cluster)."""
        if not self.started:
            self._client = self._client()
        return self._client

    def submit(self, function, *args, name: str, label: str):
        return self.client.submit(
            function,
            *args,
            key=f"{name}-{self.token}-{uuid.uuid4().hex[:6]}",
            retries=self.retries,
            pure=False,
            report=(self.topic, label),
        )

    def requests(self, model: GridModel) -> list[CellRequest]:
        """The cells of ``model`` that the grid scores (its skipped control cells left out)."""
        skipped = {(row["model"], row["benchmark"]) for row in self.summary.skipped_controls}
        return [
            CellRequest(model.model_id, b, model.checkpoint, self.options, label=model.label)
            for b in self.benchmark_ids
            if (model.label, b) not in skipped
        ]

    def skip_control(self, model: GridModel, benchmark_id: str, reason: str) -> None:
        """List a control cell the benchmark cannot take, with its ``reason``; it is never submitted."""
        self.summary.skipped_controls.append({"model": model.label, "benchmark": benchmark_id, "reason": reason})
        self.bar.update(1)
        self.bar.write(f"{model.label} on {benchmark_id}: skipped: {reason}")

    def finish_cell(
        self, model: GridModel, request: CellRequest, key: CellKey, identity, result: dict[str, Any], needs=()
    ):
        """Count one cell's result (a worker's ``score_cell`` stored it; a failure is stored here with its sentence),
        advance the bar, print its line."""
        from brainscore_lcl.scoring import ScoreRecord

        seconds = result.get("seconds", 0.0)
        for need in needs:
            try:
                seconds += need.result().get("seconds", 0.0)
            except Exception:  # a failed dependency: its error is the cell's, its time unknown
                continue
        worker = result.get("worker")
        if result.get("computed") is False:  # found stored: by another run, or by this one's killed worker
            self.found_after_submit.append((model.label, request.benchmark_id))
            self.skip()
            return
        if "record" in result:
            written = result.get("written", True)  # the worker's score_cell wrote it, unless another run came first
            line = ScoreRecord(**result["record"]).line()
        else:
            written = record_failed_cell(
                request,
                identity,
                result["error"],
                self.db,
                seconds=seconds,
                worker=worker,
                data_identities=self.data_identities,
            )
            line = f"{model.label} on {request.benchmark_id}: FAILED: {result['error']}"
        if not written:  # another run's finished row came first and is kept
            self.summary.computed_elsewhere += 1
            line += " (not written: another run had written this cell)"
        elif "record" in result:
            self.summary.computed += 1
        else:
            self.summary.failed += 1
            self.summary.failures.append(line)
        self.bar.update(1)
        self.bar.write(f"{line} [{worker}, {seconds:.1f} s]")
        if self.on_cell is not None:
            self.on_cell(key, result)

    def skip(self, count: int = 1) -> None:
        self.summary.skipped += count
        self.bar.update(count)

    def identified(self, model: GridModel, result: dict[str, Any], pending) -> None:
        """Submit the missing cells of an identified model (or store its build error in each of them)."""
        requests = self.requests(model)
        if "error" in result:
            for request, key, status in stored_cells(requests, UNBUILT, self.db, self.data_identities):
                if status is not None and not (self.retry_failed or self.recompute):
                    self.skip()
                else:
                    self.finish_cell(model, request, key, UNBUILT, result)
            return
        identity = result["identity"]
        stored = stored_cells(requests, identity, self.db, self.data_identities)
        if self.retry_failed or self.recompute:
            forget_unbuilt_cells(requests, self.db, self.data_identities)
        for request, key, status in stored:
            if status is not None and not self.recompute and not (status == FAILED and self.retry_failed):
                self.skip()
                continue
            self.load_benchmarks()
            benchmark_id = request.benchmark_id
            if is_control(model.model_id):
                reason = control_skip_reason(model.model_id, benchmark_id, self.options, self.loaded[benchmark_id])
                if reason is not None:
                    self.skip_control(model, benchmark_id, reason)
                    continue
            needs = self.needs(model, benchmark_id, result["selects"])
            future = self.submit(
                tasks.score_cell,
                model.model_id,
                model.label,
                model.checkpoint,
                benchmark_id,
                self.options,
                self.db.url,
                self.recompute,
                *needs,
                name=f"score-{model.label}-{benchmark_id}",
                label=model.label,
            )
            self.meta[future] = ("cell", model, request, key, identity, needs)
            pending.add(future)

    def shared_task(self, kind: tuple, function, *args, name: str):
        """The future of a task shared by several cells (one extraction per model and stimulus set, one selection
        per model and public benchmark), submitted the first time it is asked for."""
        if kind not in self.shared:
            self.shared[kind] = self.submit(function, *args, name=name, label=kind[1])
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

    def wait_for_results(self, pending: _Pending, worker_timeout: float):
        """Each future as it finishes; ``RunError`` (``workers_lost_sentence``) once the cluster has had no worker
        for ``worker_timeout`` seconds while futures are pending."""
        without_workers_since = None
        while not pending.empty():
            finished = pending.finished(WORKER_CHECK_SECONDS)
            yield from finished
            if finished:
                without_workers_since = None
                continue
            if self.client.scheduler_info().get("workers"):
                without_workers_since = None
            elif without_workers_since is None:
                without_workers_since = time.monotonic()
            elif time.monotonic() - without_workers_since >= worker_timeout:
                summary = self.summary
                done = summary.computed + summary.computed_elsewhere + summary.skipped + summary.failed
                left = summary.cells - done - len(summary.skipped_controls)
                raise RunError(workers_lost_sentence(worker_timeout, left, summary.computed + summary.skipped))

    def count_events(self) -> None:
        """Count what the workers logged on the scheduler (``tasks``): their network runs per model, and the cells
        this run wrote though a killed worker's retry found them stored (counted computed, not found)."""
        if not self.started:
            return
        written = set()
        for _, message in self.client.get_events(self.topic):
            label = message["model"]
            if "extractions" in message:
                self.summary.extractions += message["extractions"]
                by_model = self.summary.extractions_by_model
                by_model[label] = by_model.get(label, 0) + message["extractions"]
            if "written" in message:
                written.add((label, message["written"]))
        for cell in self.found_after_submit:
            if cell in written:
                self.summary.skipped -= 1
                self.summary.computed += 1


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
    worker_timeout: float = WORKER_TIMEOUT,
) -> GridSummary:
    """Compute every cell of ``models`` x ``benchmark_ids`` missing from ``db`` on the Dask ``client`` (or a callable
    returning one, called only when there is a task to submit; see the module docstring); ``options`` go to every
    benchmark. ``on_cell(key, result)`` is called after each cell is written. ``RunError`` when the cluster has had
    no worker for ``worker_timeout`` seconds while cells are pending. ``progress``: the bar (``$TQDM_DISABLE`` turns
    it off too)."""
    from tqdm.auto import tqdm

    from brainscore_lcl.model_helpers.identity import known_model_identity
    from brainscore_lcl.registry import candidate_layers

    start = time.perf_counter()
    unscorable = {  # a control the benchmark cannot take, by the ids alone: never looked up nor submitted
        (model, benchmark_id): reason
        for model in models
        if is_control(model.model_id)
        for benchmark_id in benchmark_ids
        if (reason := control_skip_reason(model.model_id, benchmark_id, options or {})) is not None
    }
    active = [model for model in models if sum(cell[0] == model for cell in unscorable) < len(benchmark_ids)]
    known = {}
    for model in active:
        identity = known_model_identity(model.model_id, model.checkpoint)
        if identity is not None:
            known[model] = {"identity": identity, "selects": bool(candidate_layers(model.model_id))}
    if len(known) < len(active) and not hasattr(client, "submit"):
        client = client()  # a model is to be built: the cluster starts (and says why it cannot) before the bar
    shown = {} if progress else {"disable": True}  # unset, tqdm reads $TQDM_DISABLE
    with tqdm(total=len(models) * len(benchmark_ids), desc="cells", unit="cell", **shown) as bar:
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
        for (model, benchmark_id), reason in unscorable.items():
            grid.skip_control(model, benchmark_id, reason)
        pending = _Pending()
        for model in active:
            if model in known:
                continue
            future = grid.submit(tasks.identify, model.model_id, model.checkpoint, name="identify", label=model.label)
            grid.meta[future] = ("identify", model)
            pending.add(future)
        try:
            if grid.meta:
                grid.load_benchmarks()
            for model, result in known.items():
                grid.identified(model, result, pending)
            for future in grid.wait_for_results(pending, worker_timeout):
                kind, model, *cell = grid.meta.pop(future)
                try:
                    result = future.result()
                except Exception as error:  # a task that failed after its retries: stored with its sentence
                    result = {"error": failure_sentence(error)}
                if kind == "identify":
                    grid.identified(model, result, pending)
                else:
                    grid.finish_cell(model, *cell[:3], result, needs=cell[3])
            grid.count_events()
        finally:
            if grid.meta or grid.shared:
                grid.client.cancel(list(grid.meta) + list(grid.shared.values()))
    grid.summary.seconds = time.perf_counter() - start
    return grid.summary
