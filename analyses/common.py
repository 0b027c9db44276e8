"""Shared plumbing of the ``analyses/`` scripts: arguments, model loading, a score cache, figures and tables.

Scripts only gather scores (computed by ``brainscore_lcl.benchmarks``) and draw them. Every score goes through
``cached_score``: a JSON cache of ``ScoreRecord``s under ``<cache>/analyses/scores.json`` (``<cache>`` =
``$BRAINSCORE_LCL_CACHE``, default ``~/.cache/brainscore_lcl``), keyed by model id, the model's activations
identifier (which carries its weights hash), checkpoint, benchmark id and options. Activations are cached by
Brain-Score's extractor under the same identifier.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

#: the sources a script accepts, and the benchmark-id prefix each maps to ("private" is Brain-Score's own split)
SOURCES = {"sim": "FreemanZiemba2013sim", "public": "FreemanZiemba2013public", "private": "FreemanZiemba2013",
           "official": "FreemanZiemba2013", "local": "FreemanZiemba2013local"}
#: the lead's ``FreemanZiembaPLS`` source names
BENCHMARK_SOURCES = {"sim": "sim", "public": "public", "private": "official", "official": "official",
                     "local": "local"}
#: models that run offline without a checkpoint, cheapest first
OFFLINE_MODELS = ["sim-generator", "v1-steerpyr", "v1-steerpyr-pool", "alexnet-untrained"]
CHECKPOINT_MODELS = ["lcl-v1", "lcl-v2", "lcl-v2net"]
DISPLAY_NAMES = {"sim-generator": "Simulator (ground truth)", "v1-steerpyr": "V1-SteerPyr",
                 "v1-steerpyr-pool": "V1-SteerPyr+Pool", "alexnet-untrained": "Untrained", "lcl-v1": "LCL-V1",
                 "lcl-v2": "LCL-V2", "lcl-v2net": "LCL-V2Net"}


def display_name(model_id: str) -> str:
    """Readable name of a model for figures."""
    return DISPLAY_NAMES.get(model_id, model_id)


def benchmark_id(source: str, region: str, metric: str = "pls") -> str:
    """``<prefix>.<region>-<metric>`` for a script's ``--source``."""
    return f"{SOURCES[source]}.{region}-{metric}"


def parse_args(script: str, description: str, default_models: Sequence[str],
               add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
               argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Common options: --source, --models, --checkpoint MODEL=PATH, --out, --data-root, --no-cache."""
    parser = argparse.ArgumentParser(prog=f"analyses/{script}.py", description=description)
    parser.add_argument("--source", default="sim", choices=sorted(SOURCES),
                        help="data source: sim (embedded simulation, offline; default), public / private "
                             "(Brain-Score's splits, network), local (raw release under --data-root)")
    parser.add_argument("--models", nargs="*", default=list(default_models), help="model ids")
    parser.add_argument("--checkpoint", nargs="*", default=[], metavar="MODEL=PATH",
                        help="checkpoint of a model, e.g. lcl-v2=runs/lcl_v2.pt (repeatable)")
    parser.add_argument("--out", default=None, help=f"output folder (default results/{script})")
    parser.add_argument("--data-root", default=os.environ.get("BRAINSCORE_LCL_FZ_ROOT"),
                        help="raw-release folder for --source local (default $BRAINSCORE_LCL_FZ_ROOT)")
    parser.add_argument("--no-cache", action="store_true", help="recompute scores instead of reading the cache")
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    args.checkpoints = parse_checkpoints(args.checkpoint)
    args.out = Path(args.out or Path("results") / script)
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def parse_checkpoints(pairs: Iterable[str]) -> dict[str, str]:
    """``["lcl-v2=path.pt", ...]`` -> ``{"lcl-v2": "path.pt"}``."""
    checkpoints = {}
    for pair in pairs:
        model_id, separator, path = pair.partition("=")
        if not separator or not model_id or not path:
            raise SystemExit(f"--checkpoint takes MODEL=PATH pairs, got {pair!r}")
        checkpoints[model_id] = path
    return checkpoints


def benchmark_options(args: argparse.Namespace) -> dict[str, Any]:
    """Options passed to this suite's benchmark factories (only those that are set)."""
    return {"data_root": args.data_root} if args.source == "local" and args.data_root else {}


@dataclass
class LoadedModel:
    """A model ready to score: its id, the ``BrainModel``, the checkpoint it came from."""
    model_id: str
    model: Any
    checkpoint: str | None


def load_models(model_ids: Sequence[str], checkpoints: dict[str, str]) -> tuple[list[LoadedModel], list[str]]:
    """Load each model; models without weights (e.g. ``lcl-v2`` without ``--checkpoint``) are skipped with a note."""
    from brainscore_lcl.models.commitment import ModelUnavailableError
    from brainscore_lcl.scoring import load_model

    loaded, notes = [], []
    for model_id in model_ids:
        checkpoint = checkpoints.get(model_id)
        try:
            loaded.append(LoadedModel(model_id, load_model(model_id, checkpoint=checkpoint), checkpoint))
        except ModelUnavailableError as error:
            notes.append(f"skipped {model_id}: {error}")
    for note in notes:
        print(note, file=sys.stderr)
    if not loaded:
        raise SystemExit("no model could be loaded; see the notes above")
    return loaded, notes


class ScoreCache:
    """ScoreRecords in a JSON file, keyed by model identity, benchmark and options (see the module docstring)."""

    def __init__(self, data_identity: str, path: Path | None = None, enabled: bool = True):
        from brainscore_lcl.models.commitment import cache_dir

        self.path = Path(path or cache_dir() / "analyses" / "scores.json")
        self.data_identity, self.enabled = data_identity, enabled
        self._entries = json.loads(self.path.read_text()) if enabled and self.path.is_file() else {}

    def key(self, entry: LoadedModel, benchmark: str, options: dict[str, Any]) -> str:
        """sha1 of the JSON of (model id, activations identifier, field of view, checkpoint, data identity,
        benchmark, options)."""
        visual_degrees = getattr(entry.model, "visual_degrees", None)
        identity = {"model": entry.model_id, "identifier": getattr(entry.model, "identifier", None),
                    "visual_degrees": visual_degrees() if callable(visual_degrees) else None,
                    "checkpoint": entry.checkpoint, "data": self.data_identity, "benchmark": benchmark,
                    "options": options}
        return hashlib.sha1(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()

    def get(self, key: str):
        """The cached ``ScoreRecord`` or None."""
        from brainscore_lcl.scoring import ScoreRecord

        return ScoreRecord(**self._entries[key]) if self.enabled and key in self._entries else None

    def put(self, key: str, record) -> None:
        """Store ``record`` and rewrite the file atomically."""
        self._entries[key] = asdict(record)
        if not self.enabled:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(f".{os.getpid()}.part")
        partial.write_text(json.dumps(self._entries, default=_json_default))
        os.replace(partial, self.path)


def data_identity(args: argparse.Namespace) -> str:
    """Identity of the data a script scores against: for a raw release (sim, local) the digest of its stimuli and the
    size and modification time of its response file, so that a regenerated data set never reuses cached scores."""
    from brainscore_lcl.benchmarks.freemanziemba2013_analyses.benchmark import raw_release_root
    from brainscore_lcl.data.freemanziemba import MAT_FILE_NAME, stimuli_digest

    root = raw_release_root(BENCHMARK_SOURCES[args.source], args.data_root)
    if root is None:
        return f"brainscore:{args.source}"
    responses = Path(root) / MAT_FILE_NAME
    if not responses.is_file():
        return f"{args.source}:{root}:missing"
    status = responses.stat()
    return f"{args.source}:{stimuli_digest(root)[:16]}:{status.st_size}:{status.st_mtime_ns}"


def open_cache(args: argparse.Namespace) -> ScoreCache:
    """The score cache for ``args`` (disabled by --no-cache)."""
    return ScoreCache(data_identity(args), enabled=not args.no_cache)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def cached_score(cache: ScoreCache, entry: LoadedModel, benchmark: str, **options):
    """``brainscore_lcl.scoring.score`` of ``entry`` on ``benchmark`` (with ``options``), through ``cache``."""
    from brainscore_lcl.scoring import score

    key = cache.key(entry, benchmark, options)
    record = cache.get(key)
    if record is None:
        record = score(entry.model_id, benchmark, checkpoint=entry.checkpoint, model=entry.model, **options)
        cache.put(key, record)
    return record


def save_figure(figure: plt.Figure, out: Path, name: str) -> list[Path]:
    """Write ``figure`` as ``<out>/<name>.png`` and ``.pdf``; returns the paths."""
    paths = [out / f"{name}.png", out / f"{name}.pdf"]
    figure.tight_layout()
    for path in paths:
        figure.savefig(path, dpi=150)
    plt.close(figure)
    return paths


def write_json(out: Path, name: str, payload: Any) -> Path:
    """Write ``payload`` to ``<out>/<name>.json`` (numpy values converted)."""
    path = out / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=_json_default))
    return path


def write_csv(out: Path, name: str, rows: Sequence[dict[str, Any]]) -> Path:
    """Write ``rows`` (dicts with the same keys) to ``<out>/<name>.csv``."""
    path = out / f"{name}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
    return path


def format_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """Plain-text table of ``rows`` restricted to ``columns`` (floats with 3 decimals)."""
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.2e}" if 0 < abs(value) < 1e-3 else f"{value:.3f}"
        if isinstance(value, (list, tuple)) and value and all(isinstance(item, float) for item in value):
            return "[" + ", ".join(f"{item:.3f}" for item in value) + "]"
        return "" if value is None else str(value)

    table = [list(columns)] + [[cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(len(line[index]) for line in table) for index in range(len(columns))]
    return "\n".join("  ".join(text.ljust(width) for text, width in zip(line, widths)) for line in table)


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """Print ``format_table``."""
    print(format_table(rows, columns))


def per_neuron_ev(record) -> np.ndarray:
    """Per-neuron ceiled explained variance (mean over splits of (r/r_ceil)^2) of a PLS ``ScoreRecord``."""
    from brainscore_lcl.metrics.scores import per_neuron_explained_variance

    return per_neuron_explained_variance(np.asarray(record.details["per_neuron_r"], dtype=float),
                                         np.asarray(record.details["per_neuron_ceiling"], dtype=float))


def pairwise_permutation_tests(values: dict[str, np.ndarray], n_perm: int = 10000) -> list[dict[str, Any]]:
    """Paired permutation test (median difference) of per-neuron values for every pair of models."""
    from brainscore_lcl.metrics.statistics import fraction_better, paired_permutation_test

    names = list(values)
    rows = []
    for index, first in enumerate(names):
        for second in names[index + 1:]:
            rows.append({"model_a": first, "model_b": second,
                         "p_permutation": paired_permutation_test(values[first], values[second], n_perm=n_perm),
                         "fraction_a_better": fraction_better(values[first], values[second])})
    return rows


def median_with_interval(values: np.ndarray) -> dict[str, float]:
    """Median over neurons and its 95% percentile-bootstrap interval (1000 resamples)."""
    from brainscore_lcl.metrics.statistics import bootstrap_median_ci

    low, high = bootstrap_median_ci(values)
    return {"median": float(np.nanmedian(values)), "ci95_low": low, "ci95_high": high}


def sweep_field_of_view(cache: ScoreCache, entry: LoadedModel, benchmark: str, degrees: Sequence[float],
                        **options) -> dict[str, Any]:
    """Choose ``entry``'s field of view on the public split of ``benchmark`` (``field_of_view_sweep``), through the
    cache; leaves the model at the chosen value. Returns {"degrees": best, "public_scores": {degrees: score}}."""
    from brainscore_lcl.benchmarks.freemanziemba2013_analyses.benchmark import (field_of_view_sweep,
                                                                                 set_field_of_view)
    from brainscore_lcl.scoring import ScoreRecord, load_benchmark

    sweep_id = f"{benchmark}.fov-sweep"
    key = cache.key(entry, sweep_id, {"degrees": list(map(float, degrees)), **options})
    record = cache.get(key)
    if record is None:
        best, public_scores = field_of_view_sweep(entry.model, load_benchmark(benchmark, **options), degrees)
        record = ScoreRecord(model=entry.model_id, benchmark=sweep_id, score=public_scores[best],
                             details={"degrees": best, "public_scores": {str(k): v for k, v in public_scores.items()}})
        cache.put(key, record)
    set_field_of_view(entry.model, float(record.details["degrees"]))
    return dict(record.details)


def predictivity_row(record, per_neuron: np.ndarray) -> dict[str, Any]:
    """One table row of a PLS ``ScoreRecord``: paper's score +- std over splits, Brain-Score's score, median
    per-neuron explained variance with its bootstrap interval, layer, field of view."""
    details = record.details
    interval = median_with_interval(per_neuron)
    return {"model": record.model, "layer": record.layer, "n_neuroids": record.n_neuroids,
            "score_paper": details.get("score_paper"), "score_paper_std": details.get("score_paper_std"),
            "score_brainscore": record.score, "raw_r": record.raw, "ceiling": record.ceiling,
            "median_neuron_ev": interval["median"], "ci95_low": interval["ci95_low"],
            "ci95_high": interval["ci95_high"],
            "field_of_view": details.get("field_of_view", {}).get("degrees")}


def predictivity_bars(axis: plt.Axes, rows: Sequence[dict[str, Any]], label: str) -> None:
    """Bars of the paper's score with the std over splits, and the bootstrap interval of the median per-neuron
    explained variance as a black range (Figs. 4 left and 6)."""
    positions = np.arange(len(rows))
    axis.bar(positions, [row["score_paper"] for row in rows], yerr=[row["score_paper_std"] for row in rows],
             color="tab:blue", alpha=0.8, capsize=4, label="median (r/r_ceil)$^2$, std over splits")
    axis.vlines(positions + 0.3, [row["ci95_low"] for row in rows], [row["ci95_high"] for row in rows],
                color="black", label="95% bootstrap CI over neurons")
    axis.set_xticks(positions, [display_name(row["model"]) for row in rows], rotation=30, ha="right")
    axis.set_ylabel(label)
    tops = [max(row["score_paper"] + row["score_paper_std"], row["ci95_high"]) for row in rows]
    axis.set_ylim(0, 1.3 * max(tops))
    axis.legend(fontsize=7, loc="upper right")


def score_models(args: argparse.Namespace, region: str, cache: ScoreCache, entries: Sequence[LoadedModel]
                 ) -> dict[str, Any]:
    """Each model's PLS record on ``region`` (field of view swept first when ``args.fields_of_view`` is set)."""
    options = benchmark_options(args)
    bid = benchmark_id(args.source, region)
    records = {}
    for entry in entries:
        field_of_view = None
        if getattr(args, "fields_of_view", None):
            field_of_view = sweep_field_of_view(cache, entry, bid, args.fields_of_view, **options)
        record = cached_score(cache, entry, bid, **options)
        if field_of_view is not None:
            record.details["field_of_view"] = field_of_view
        records[entry.model_id] = record
    return records


def add_field_of_view_argument(parser: argparse.ArgumentParser) -> None:
    """--fields-of-view DEG ...: sweep each model's field of view on the public split (paper A.3.1)."""
    parser.add_argument("--fields-of-view", nargs="+", type=float, default=None, metavar="DEG",
                        help="fields of view (degrees) to sweep on the public split, keeping the best "
                             "(default: each model's own, 8 degrees for the learned models)")
