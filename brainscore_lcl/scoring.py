"""Loading models and benchmarks by id, and scoring one on the other.

Ids are looked up in this suite's registries first (``brainscore_lcl.registry``), then handed to brainscore_vision's
own loaders, so every Brain-Score model or benchmark id works too. Models with several candidate layers per region
(``brainscore_lcl.registry.candidate_layers``) get their layer chosen on the public split of the same data source, as
Brain-Score does, and the choice is recorded in the result.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from brainscore_lcl import versioned
from brainscore_lcl.data.remote import (
    OFFLINE_MODEL_HINT,
    is_download_failure,
    load_from_brainscore_vision,
    offline_error,
)
from brainscore_lcl.errors import UsageError
from brainscore_lcl.registry import (
    benchmark_id_parts,
    benchmark_registry,
    candidate_layers,
    discover_plugins,
    model_registry,
)


class UnknownIdentifierError(UsageError, LookupError):
    """An id that neither this suite nor brainscore_vision knows; carries the nearest known ids."""

    def __init__(self, kind: str, identifier: str, known: list[str]):
        self.kind, self.identifier = kind, identifier
        self.suggestions = difflib.get_close_matches(identifier, known, n=5, cutoff=0.5)
        hint = f"; nearest: {', '.join(self.suggestions)}" if self.suggestions else ""
        super().__init__(f"unknown {kind} id {identifier!r}{hint} (see `brainscore list {kind}s`)")


def brainscore_vision_ids(kind: str) -> list[str]:
    """Ids that brainscore_vision's plugins register for ``kind`` ("model" or "benchmark"), read from their
    ``__init__.py`` files the way brainscore_vision itself locates plugins (without importing them)."""
    import brainscore_vision

    folder = Path(brainscore_vision.__file__).parent / f"{kind}s"
    pattern = re.compile(rf"{kind}_registry\[['\"]([^'\"]+)['\"]\]")
    found: set[str] = set()
    for init_file in folder.glob("*/__init__.py"):
        found.update(pattern.findall(init_file.read_text(encoding="utf-8", errors="ignore")))
    return sorted(found)


def suite_ids(kind: str) -> list[str]:
    """This suite's registered ids for ``kind`` ("model" or "benchmark"), sorted."""
    discover_plugins((kind,))
    return sorted(model_registry if kind == "model" else benchmark_registry)


def known_ids(kind: str) -> list[str]:
    """This suite's ids for ``kind`` followed by brainscore_vision's."""
    ours = suite_ids(kind)
    return ours + [identifier for identifier in brainscore_vision_ids(kind) if identifier not in ours]


def _benchmark_offline_hint(identifier: str) -> str:
    """The offline alternatives to name when brainscore_vision's benchmark ``identifier`` cannot get its data."""
    if identifier.startswith(("Geirhos2021", "Hermann2020")):
        return (
            "Geirhos2019local.cue-conflict, Geirhos2019local.edge or Geirhos2019local.silhouette (the 16-class "
            "human data, --data-root), or `brainscore behavior --decisions` for decisions made elsewhere"
        )
    return "FreemanZiemba2013sim.*, or FreemanZiemba2013local.* with --data-root"


def fixed_threads():
    """One BLAS thread for the block: the scoring maths (regressions, correlations) then sum in one order, so that
    the same cell gives the same bits on a one-thread batch worker and a many-thread laptop (measured: 2 of 4 scores
    differed in their last bits, up to 5.6e-16, before). The network's own threads (torch) are left as they are."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _run_benchmark(benchmark, model, identifier: str):
    """``benchmark(model)``; brainscore_vision's benchmarks that fetch their data on first use (``Geirhos2021*``)
    fail here when offline, with the one sentence of ``brainscore_lcl.data.remote.offline_error``."""
    try:
        with fixed_threads():
            return benchmark(model)
    except Exception as error:
        if identifier in benchmark_registry or not is_download_failure(error):
            raise
        raise offline_error("benchmark", identifier, error, _benchmark_offline_hint(identifier)) from None


def check_benchmark_id(identifier: str) -> None:
    """``UnknownIdentifierError`` when ``identifier`` names no benchmark of this suite or brainscore_vision."""
    discover_plugins(("benchmark",))
    if identifier not in benchmark_registry and identifier not in brainscore_vision_ids("benchmark"):
        raise UnknownIdentifierError("benchmark", identifier, known_ids("benchmark"))


def check_model_ids(identifiers: list[str]) -> None:
    """``UnknownIdentifierError`` for the first of ``identifiers`` that names no model (neither an id of this suite
    or brainscore_vision nor a ``FILE.py[:FUNCTION]``), before anything is loaded."""
    from brainscore_lcl.model_helpers.from_file import is_model_file_spec

    discover_plugins()
    for identifier in identifiers:
        if not (
            identifier in model_registry
            or is_model_file_spec(identifier)
            or identifier in brainscore_vision_ids("model")
        ):
            raise UnknownIdentifierError("model", identifier, known_ids("model"))


def load_model(identifier: str, checkpoint: str | None = None):
    """The ``BrainModel`` registered as ``identifier`` (this suite first, then brainscore_vision); an identifier
    ``FILE.py[:FUNCTION]`` names your own network (``brainscore_lcl.model_helpers.from_file``)."""
    from brainscore_lcl.model_helpers.from_file import is_model_file_spec, register_model_file

    discover_plugins()
    if identifier not in model_registry and is_model_file_spec(identifier):
        register_model_file(identifier)
    if identifier in model_registry:
        return model_registry[identifier].factory(checkpoint=checkpoint)
    if identifier not in brainscore_vision_ids("model"):
        raise UnknownIdentifierError("model", identifier, known_ids("model"))
    if checkpoint is not None:
        from brainscore_lcl.errors import ModelUnavailableError

        raise ModelUnavailableError(
            f"--checkpoint is only supported for this suite's models, not brainscore_vision's "
            f"{identifier!r}; drop --checkpoint, or load your weights with --model-file"
        )
    return load_from_brainscore_vision("model", identifier, OFFLINE_MODEL_HINT)


_built: dict[tuple[str, str | None], Any] = {}


def built_model(model_id: str, checkpoint: str | None = None):
    """``load_model(model_id, checkpoint)``, built once per process and shared afterwards (the figures of one report
    and a grid worker's cells share their models; a field-of-view sweep leaves the shared model at its chosen value,
    which the cells' keys hold)."""
    key = (model_id, checkpoint)
    if key not in _built:
        _built[key] = load_model(model_id, checkpoint=checkpoint)
    return _built[key]


def describe_model(model_id: str, checkpoint: str | os.PathLike | None = None, model=None) -> dict[str, Any]:
    """Describe ``model_id``'s commitments, activations cache and checkpoint (and, for your own networks,
    ``origin``: file, function, weights sha256; ``brainscore_lcl.model_helpers.from_file``): of ``model`` when given
    (built from ``model_id`` with ``checkpoint``), else of one built through ``load_model``."""
    from brainscore_lcl.model_helpers.commitment import checkpoint_summary

    model = model if model is not None else load_model(model_id, checkpoint=checkpoint)
    activations_model = model.activations_model
    checkpoint_path = getattr(model, "checkpoint_path", None)
    return {
        "model": model_id,
        "identifier": model.identifier,
        "activations_identifier": activations_model.identifier,
        "layers": list(model.layers),
        "region_layer_map": dict(model.layer_model.region_layer_map),
        "candidate_layers": candidate_layers(model_id),
        "visual_degrees": model.visual_degrees(),
        "image_size": getattr(activations_model, "image_size", None),
        "activations_cache": os.environ.get("RESULTCACHING_HOME", "~/.result_caching"),
        "checkpoint": checkpoint_summary(checkpoint_path) if checkpoint_path is not None else None,
        "origin": getattr(model, "origin", None),
    }


def load_benchmark(identifier: str, **options):
    """The benchmark registered as ``identifier``; ``options`` (e.g. ``time_window``, ``data_root``, ``pls``) go to
    this suite's benchmark factories."""
    discover_plugins()
    if identifier in benchmark_registry:
        return benchmark_registry[identifier](**options)
    if identifier not in brainscore_vision_ids("benchmark"):
        raise UnknownIdentifierError("benchmark", identifier, known_ids("benchmark"))
    check_benchmark_options(identifier, options)
    return load_from_brainscore_vision("benchmark", identifier, _benchmark_offline_hint(identifier))


def check_benchmark_options(identifier: str, options: dict[str, Any]) -> None:
    """``UsageError`` when ``options`` (e.g. ``time_window``) are given to a benchmark that is not this suite's."""
    discover_plugins(("benchmark",))
    if options and identifier not in benchmark_registry:
        flags = ", ".join("--" + name.replace("_", "-") for name in sorted(options))
        verb, pronoun = ("applies", "it") if len(options) == 1 else ("apply", "them")
        raise UsageError(
            f"{flags} {verb} to this suite's benchmarks only, not to brainscore_vision's {identifier!r}; "
            f"drop {pronoun} or score a FreemanZiemba2013* benchmark"
        )


@dataclass
class ScoreRecord:
    """One model on one benchmark. ``score`` is the ceiled score as Brain-Score 2.4.2 computes it."""

    model: str
    benchmark: str
    score: float
    raw: float | None = None
    ceiling: float | None = None
    error: float | None = None
    n_neuroids: int | None = None
    layer: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    SUMMARY_FIELDS = ("model", "benchmark", "score", "raw", "ceiling", "error", "n_neuroids", "layer")
    #: copied from ``details`` into the summary when the benchmark gives them: the paper's scores, a skip reason
    PAPER_FIELDS = (
        "score_paper",
        "score_paper_std",
        "score_paper_sign_aware",
        "score_paper_sign_aware_std",
        "score_definitions",
        "skipped",
    )
    #: how a V1-like / V2-like benchmark chose its cells, copied from ``details`` into the summary where present
    PARTITION_FIELDS = ("subset", "selection", "partition_ranking")
    #: a similarity measure's values (``brainscore_lcl.metrics.measures.MeasureScore``), copied where present
    MEASURE_FIELDS = (
        "measure",
        "normalised",
        "raw_ci95",
        "normalised_ci95",
        "neuron_ci95",
        "measure_definition",
        "ceiling_definition",
    )
    #: the texture-modulation benchmark's cross-validation and the controls' scores beside the model
    #: (``brainscore_lcl.controls``), copied from ``details`` into the summary where present
    CONTEXT_FIELDS = ("cv", "controls")

    def summary(self) -> dict[str, Any]:
        """The fields of ``brainscore score --json``: the summary fields, then the paper's literal and sign-aware
        scores with what each key means (``score_definitions``) where the benchmark computes them, for a V1-like /
        V2-like benchmark its subset, selection and ranking, and for a similarity measure its normalised value,
        intervals and definitions."""
        return {name: getattr(self, name) for name in self.SUMMARY_FIELDS} | {
            name: self.details[name]
            for name in self.PAPER_FIELDS + self.PARTITION_FIELDS + self.MEASURE_FIELDS + self.CONTEXT_FIELDS
            if name in self.details
        }

    def line(self) -> str:
        """One readable line."""
        if "skipped" in self.details:
            return f"{self.model} on {self.benchmark}: skipped ({self.details['skipped']})"
        text = f"{self.model} on {self.benchmark}: score {self.score:.3f}"
        parts = []
        if self.raw is not None and self.ceiling is not None:
            correlation = self.n_neuroids is not None and "measure" not in self.details
            parts += [f"raw {'r ' if correlation else ''}{self.raw:.3f}", f"ceiling {self.ceiling:.3f}"]
        if self.error is not None:
            parts.append(f"error {self.error:.3f}")
        if self.n_neuroids is not None:
            parts.append(f"{self.n_neuroids} neurons")
        if self.layer:
            parts.append(f"layer {self.layer}")
        if parts:
            text += f" ({', '.join(parts)})"
        if "score_paper" in self.details:
            text += (
                f"; paper's median (r/r_ceil)^2 {self.details['score_paper']:.3f}"
                f" +- {self.details['score_paper_std']:.3f}"
            )
        if "score_paper_sign_aware" in self.details:
            text += (
                f", sign-aware (0 where r < 0) {self.details['score_paper_sign_aware']:.3f}"
                f" +- {self.details['score_paper_sign_aware_std']:.3f}"
            )
        if "cv" in self.details:
            text += (
                f"; family-rank rho of the fitted reading, {self.details['cv_description']} (cv={self.details['cv']})"
            )
        return text

    def write_json(self, path: str | os.PathLike, full: bool = False) -> None:
        """Write the summary (or, with ``full``, every field incl. per-neuron values) as JSON, atomically."""
        from brainscore_lcl.cache import atomic_write_json

        atomic_write_json(path, versioned(asdict(self) if full else self.summary()), indent=2)


def record_from_score(model_id: str, benchmark_id: str, score) -> ScoreRecord:
    """Turn a benchmark's ``Score`` into a ``ScoreRecord`` (this suite's benchmarks attach ``details``)."""
    details = dict(score.attrs.get("details", {}))
    raw = score.attrs.get("raw")
    ceiling = score.attrs.get("ceiling")
    error = score.attrs.get("error")

    def as_float(value):
        return None if value is None else float(getattr(value, "values", value))

    return ScoreRecord(
        model=model_id,
        benchmark=benchmark_id,
        score=float(score.values),
        raw=details.get("raw", as_float(raw)),
        ceiling=details.get("ceiling", as_float(ceiling)),
        error=details.get("error", as_float(error)),
        n_neuroids=details.get("n_neuroids"),
        layer=details.get("layer"),
        details=details,
    )


def select_layer(model, region: str, public, candidates: list[str]) -> tuple[str, dict[str, float]]:
    """Brain-Score's layer selection for ``region``: commit each candidate layer in turn, score it on ``public`` (the
    public split of the same source), keep the best. Returns the layer and every candidate's public score."""
    from brainscore_lcl.model_helpers.commitment import commit_layers

    public_scores = {}
    for layer in candidates:
        commit_layers(model, {region: layer})
        with fixed_threads():
            public_scores[layer] = float(public(model).values)
    best = max(public_scores, key=public_scores.get)
    commit_layers(model, {region: best})
    return best, public_scores


#: layer selections made in this process: {selection key: (public data, layer, public scores)}
_SELECTIONS: dict[tuple, tuple[Any, str, dict[str, float]]] = {}


def shared_layer_selection(model, benchmark, candidates: list[str]) -> tuple[str, dict[str, float]]:
    """``select_layer`` of ``model`` for ``benchmark``'s region on its public counterpart, made once per process for
    each model (identifier, field of view), public benchmark (id, window, data, PLS) and candidates: the V2 PLS and
    the texture-modulation benchmarks select V2 on the same public split (the same data object: a data set loaded
    anew is selected on anew). Leaves the chosen layer committed."""
    from brainscore_lcl.model_helpers.commitment import commit_layers

    public = benchmark.public_counterpart()
    key = (
        model.identifier,
        model.visual_degrees(),
        benchmark.region,
        public.identifier,
        public.time_window,
        public.data_root,
        public.pls,
        tuple(candidates),
    )
    data = getattr(public.assembly, "content", public.assembly)  # Brain-Score's LazyLoad, already loaded
    if key not in _SELECTIONS or _SELECTIONS[key][0] is not data:
        precompute_activations(model, public)
        _SELECTIONS[key] = (data, *select_layer(model, benchmark.region, public, candidates))
    _, layer, public_scores = _SELECTIONS[key]
    commit_layers(model, {benchmark.region: layer})
    return layer, dict(public_scores)


#: activations precomputed in this process: (model identifier, field of view, stimulus set identifier, its field of
#: view, layers) (``precompute_activations``)
_PRECOMPUTED: set[tuple] = set()


def precompute_activations(model, benchmark) -> None:
    """Extract every recorded layer for the benchmark's stimuli in one pass. Brain-Score's activation cache stores
    each layer separately, so every later ``look_at`` of one of them (V1, V2, layer selection) is served from the
    cache instead of running the network again per layer. Done once per process for each model (identifier, field
    of view), stimulus set (its identifier holds a hash of its content) and layers: reading every stored layer back
    costs seconds per call, and the metric panel scores each model on 14 benchmarks of the same stimuli."""
    from brainscore_vision.benchmark_helpers.screen import place_on_screen

    stimulus_set = benchmark.assembly.stimulus_set
    key = (
        getattr(model, "identifier", id(model)),
        model.visual_degrees(),
        getattr(stimulus_set, "identifier", None) or id(stimulus_set),
        benchmark._visual_degrees,
        tuple(model.layers),
    )
    if key in _PRECOMPUTED:
        return
    stimuli = place_on_screen(
        stimulus_set, target_visual_degrees=model.visual_degrees(), source_visual_degrees=benchmark._visual_degrees
    )
    model.activations_model(stimuli, layers=list(model.layers))
    _PRECOMPUTED.add(key)


#: the regions Brain-Score's neural benchmarks name in their ids
BRAIN_REGIONS = ("V1", "V2", "V4", "IT")


def benchmark_region(identifier: str) -> str | None:
    """The region a benchmark id names by Brain-Score's convention ``<data>.<region>-<metric>`` (e.g. "V2" for
    FreemanZiemba2013sim.V2-pls), or None when it names none (e.g. a behavioural benchmark)."""
    group = benchmark_id_parts(identifier)[1]
    return group if group in BRAIN_REGIONS else None


def check_region(model_id: str, benchmark_id: str) -> None:
    """``RegionNotCommittedError`` when the region ``benchmark_id`` names is one that ``model_id``'s registry record
    does not commit: before the model or any benchmark data is loaded or generated, so that the mistake costs no work
    (a model whose factory decides its regions is asked once built, by ``score``)."""
    from brainscore_lcl.model_helpers.commitment import require_registered_region

    require_registered_region(model_id, benchmark_region(benchmark_id))


def selects_layer(model_id: str, model, benchmark) -> bool:
    """Whether scoring ``model`` on ``benchmark`` starts with a layer selection on the public split."""
    return bool(
        hasattr(benchmark, "public_counterpart") and getattr(model, "layers", None) and candidate_layers(model_id)
    )


def layer_selection(model_id: str, model, benchmark) -> dict[str, Any]:
    """``select_layer`` of ``model`` for ``benchmark``'s region on its public counterpart (models with candidate
    layers): {"layer": chosen layer, "public_scores": {layer: public score}}; the chosen layer stays committed."""
    layer, public_scores = shared_layer_selection(model, benchmark, candidate_layers(model_id))
    return {"layer": layer, "public_scores": public_scores}


def score(
    model_id: str,
    benchmark_id: str,
    checkpoint: str | None = None,
    model=None,
    selection: dict[str, Any] | None = None,
    **benchmark_options,
) -> ScoreRecord:
    """Score ``model_id`` on ``benchmark_id``, without the results database (``brainscore_lcl.results.cell.score_cell``
    checks the request, looks the cell up and stores it, and calls this). Pass an already loaded ``model`` to reuse
    its activations, and the ``layer_selection`` already made for this model and benchmark as ``selection`` to commit
    its layer instead of selecting again (the grid selects once per model, region and source)."""
    from brainscore_lcl.model_helpers.commitment import commit_layers, configure_activation_cache, require_region

    configure_activation_cache()
    benchmark = load_benchmark(benchmark_id, **benchmark_options)
    model = model if model is not None else load_model(model_id, checkpoint=checkpoint)
    if getattr(benchmark, "region", None):
        require_region(model, model_id, benchmark.region)
    record_details = {"checkpoint": str(checkpoint)} if checkpoint else {}
    if hasattr(benchmark, "public_counterpart") and getattr(model, "layers", None):
        precompute_activations(model, benchmark)
        if selects_layer(model_id, model, benchmark):
            if selection is None:
                selection = layer_selection(model_id, model, benchmark)
            else:
                commit_layers(model, {benchmark.region: selection["layer"]})
            record_details["layer_selection"] = selection
    record = record_from_score(model_id, benchmark_id, _run_benchmark(benchmark, model, benchmark_id))
    record.details.update(record_details)
    return record
