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

from brainscore_lcl.data.facts import BRAINSCORE_WINDOW_MS, PAPER_WINDOW_MS, SOURCE_PREFIXES  # noqa: E402

#: the lead's ``FreemanZiembaPLS`` source names of the sources a script accepts ("private": Brain-Score's own split)
BENCHMARK_SOURCES = {"sim": "sim", "public": "public", "private": "official", "official": "official",
                     "local": "local"}
#: the benchmark-id prefix of each source a script accepts
SOURCES = {name: SOURCE_PREFIXES[source] for name, source in BENCHMARK_SOURCES.items()}
DISPLAY_NAMES = {"sim-generator": "Simulator (ground truth)", "v1-steerpyr": "V1-SteerPyr",
                 "v1-steerpyr-pool": "V1-SteerPyr+Pool", "alexnet-untrained": "Untrained", "lcl-v1": "LCL-V1",
                 "lcl-v2": "LCL-V2", "lcl-v2net": "LCL-V2Net", "alexnet-supervised": "Supervised",
                 "alexnet-l2at-eps3": "L2-AT (eps=3)", "vonenet-alexnet": "VOneNet", "lpl-alexnet": "LPL",
                 "barlow-e2e-alexnet": "BarlowTwins", "blockbarlow": "BlockBarlow", "ant-alexnet": "ANT",
                 "resnet50-l2at-eps3": "ResNet50 L2-AT (eps=3)", "resnet50-supervised": "ResNet-50 Supervised",
                 "voneresnet50-at": "VOneResNet-50 L2-AT", "resnext101-wsl": "ResNext-101 (32x8d) WSL",
                 "bag-of-tricks": "Bag-of-Tricks"}
#: The models each of the paper's figures compares, in its order (``--models`` overrides).
PAPER_MODELS = {
    "fig4": ["v1-steerpyr-pool", "barlow-e2e-alexnet", "alexnet-supervised", "vonenet-alexnet", "ant-alexnet",
             "alexnet-l2at-eps3", "lpl-alexnet", "blockbarlow", "lcl-v2"],
    "table_a4": ["lcl-v2", "resnet50-l2at-eps3", "alexnet-l2at-eps3", "voneresnet50-at", "bag-of-tricks",
                 "alexnet-supervised", "resnet50-supervised", "resnext101-wsl"],
    "fig5": ["lcl-v2", "alexnet-l2at-eps3", "alexnet-supervised"],
    "fig6": ["alexnet-untrained", "barlow-e2e-alexnet", "alexnet-supervised", "ant-alexnet", "alexnet-l2at-eps3",
             "lpl-alexnet", "blockbarlow", "lcl-v1", "vonenet-alexnet", "v1-steerpyr"],
    "figA2": ["lcl-v2", "alexnet-l2at-eps3", "alexnet-supervised"],
    "figA5": ["lcl-v1", "alexnet-l2at-eps3", "alexnet-supervised"],
    "fig8": ["barlow-e2e-alexnet", "alexnet-supervised", "vonenet-alexnet", "ant-alexnet", "alexnet-l2at-eps3",
             "lcl-v2net"],
}
#: Models of the paper's figures that this suite cannot build, with the reason (listed as skipped, never dropped).
UNAVAILABLE_MODELS = {"ant-alexnet": "ANT (Rusak et al. 2020) AlexNet was trained by the paper's authors with "
                                     "bethgelab/game-of-noise and never published; no id in this suite"}


def display_name(model_id: str) -> str:
    """Readable name of a model for figures (a model file ``dir/my_net.py:build`` as ``my_net.py:build``)."""
    from brainscore_lcl.models.from_file import is_model_file_spec

    return Path(model_id).name if is_model_file_spec(model_id) else DISPLAY_NAMES.get(model_id, model_id)


def benchmark_id(source: str, region: str, metric: str = "pls") -> str:
    """``<prefix>.<region>-<metric>`` for a script's ``--source``."""
    return f"{SOURCES[source]}.{region}-{metric}"


def parse_args(script: str, description: str, default_models: Sequence[str],
               add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
               argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Common options: --source, --models, --checkpoint MODEL=PATH, --out, --data-root, --no-cache, and
    --model-file FILE.py:FUNCTION (with --layers, --image-size, --visual-degrees), whose model goes first."""
    from brainscore_lcl.errors import ArgumentParser
    from brainscore_lcl.models.from_file import ModelFileError, add_model_file_arguments, model_file_id
    from brainscore_lcl.paths import output_folder

    parser = ArgumentParser(prog=f"analyses/{script}.py", description=description)
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
    add_model_file_arguments(parser)
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        own_model = model_file_id(args)
    except ModelFileError as error:
        raise SystemExit(f"analyses/{script}.py: {error}") from None
    if own_model is not None:
        args.models = [own_model] + [model for model in args.models if model != own_model]
    args.checkpoints = parse_checkpoints(args.checkpoint)
    args.out = output_folder(args.out or Path("results") / script, "--out")
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def run_script(script: str, main: Callable[[], Any]) -> None:
    """``main()`` of ``analyses/<script>.py`` run from the command line: a suite error (a bad option, unusable data)
    ends in one line on stderr and its exit code, as for ``brainscore``."""
    from brainscore_lcl.errors import SuiteError

    try:
        main()
    except SuiteError as error:
        print(f"analyses/{script}.py: {error}", file=sys.stderr)
        sys.exit(error.exit_code)


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
    """Options passed to this suite's benchmark factories (only those that are set, or differ from the default)."""
    options = {"data_root": args.data_root} if args.source == "local" and args.data_root else {}
    if tuple(getattr(args, "time_window", BRAINSCORE_WINDOW_MS)) != BRAINSCORE_WINDOW_MS:
        options["time_window"] = tuple(args.time_window)
    return options


def add_time_window_argument(parser: argparse.ArgumentParser) -> None:
    """--time-window START END: the response window in ms (default Brain-Score's 50-200; the paper's text: 50-150)."""
    parser.add_argument("--time-window", nargs=2, type=int, default=list(BRAINSCORE_WINDOW_MS),
                        metavar=("START_MS", "END_MS"),
                        help="response window in ms after stimulus onset (default 50 200, as Brain-Score's code "
                             "averages; the paper's text says 50 150; see README)")


def score_definitions() -> dict[str, str]:
    """What each score key in a script's JSON means (``brainscore_lcl.metrics.scores.SCORE_DEFINITIONS``)."""
    from brainscore_lcl.metrics.scores import SCORE_DEFINITIONS

    return dict(SCORE_DEFINITIONS)


def time_window_record(args: argparse.Namespace) -> dict[str, Any]:
    """The window of a script's run for its JSON: ``time_window_ms`` and which convention it is."""
    window = tuple(args.time_window)
    convention = {BRAINSCORE_WINDOW_MS: "Brain-Score's code (default)", PAPER_WINDOW_MS: "the paper's text"}
    return {"time_window_ms": list(window), "time_window_convention": convention.get(window, "user-chosen")}


@dataclass
class LoadedModel:
    """A model ready to score: its id, the ``BrainModel``, the checkpoint it came from."""
    model_id: str
    model: Any
    checkpoint: str | None


def load_models(model_ids: Sequence[str], checkpoints: dict[str, str], region: str | None = None
                ) -> tuple[list[LoadedModel], list[str]]:
    """Load each model; models without weights (e.g. ``lcl-v2`` without ``--checkpoint``), and with ``region``
    models that commit no layer to it (e.g. ``lcl-v1`` for V2), are skipped with a note (printed once)."""
    from brainscore_lcl.checkpoint import CheckpointError
    from brainscore_lcl.data.freemanziemba import DataUnavailableError
    from brainscore_lcl.models.commitment import ModelUnavailableError, RegionNotCommittedError, require_region
    from brainscore_lcl.scoring import load_model

    loaded, notes = [], []
    for model_id in model_ids:
        checkpoint = checkpoints.get(model_id)
        if model_id in UNAVAILABLE_MODELS and checkpoint is None:
            notes.append(f"skipped {model_id}: {UNAVAILABLE_MODELS[model_id]}")
            continue
        try:
            model = load_model(model_id, checkpoint=checkpoint)
            if region is not None:
                require_region(model, model_id, region)
            loaded.append(LoadedModel(model_id, model, checkpoint))
        except (ModelUnavailableError, DataUnavailableError, CheckpointError, RegionNotCommittedError) as error:
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
        self._entries = self._read() if enabled else {}

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

    def _read(self) -> dict[str, Any]:
        """The file's entries; {} when it is absent, or unreadable (then reported in one line and rebuilt)."""
        from brainscore_lcl.cache import read_json, report_corrupt

        entries = read_json(self.path, {})
        if not isinstance(entries, dict):
            report_corrupt(self.path, "it does not hold an object of score records")
            return {}
        return entries

    def put(self, key: str, record) -> None:
        """Store ``record`` and rewrite the file atomically under its lock, merged with what other processes wrote
        since it was read (so that scripts running side by side do not drop each other's scores)."""
        from brainscore_lcl.cache import atomic_write_json, locked

        self._entries[key] = asdict(record)
        if not self.enabled:
            return
        with locked(self.path):
            self._entries = self._read() | self._entries
            atomic_write_json(self.path, self._entries, default=_json_default)


def data_identity(args: argparse.Namespace) -> str:
    """Identity of the data a script scores against: for a raw release (sim, local) the digest of its stimuli and the
    size and modification time of its response file, so that a regenerated data set never reuses cached scores."""
    from brainscore_lcl.data.texture_responses import raw_release_root
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


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], notes: Sequence[str] = ()) -> None:
    """Print ``format_table``, then the skipped models of ``notes`` (``load_models``), one line each."""
    print(format_table(rows, columns))
    for note in notes:
        print(note)


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
    from brainscore_lcl.analyses.field_of_view import field_of_view_sweep, set_field_of_view
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
    """One table row of a PLS ``ScoreRecord``: the paper's literal and sign-aware scores +- std over splits
    (``SCORE_DEFINITIONS``), Brain-Score's score, median per-neuron explained variance (literal) with its bootstrap
    interval, layer, field of view."""
    from brainscore_lcl.benchmarks.freemanziemba2013.benchmark import paper_score_fields

    details = record.details
    interval = median_with_interval(per_neuron)
    # from the per-split table, so that records cached before the sign-aware score existed report it too
    paper = paper_score_fields(np.asarray(details["per_neuron_r"], dtype=float),
                               np.asarray(details["per_neuron_ceiling"], dtype=float))
    return {"model": record.model, "layer": record.layer, "n_neuroids": record.n_neuroids,
            "score_paper": paper["score_paper"], "score_paper_std": paper["score_paper_std"],
            "score_paper_sign_aware": paper["score_paper_sign_aware"],
            "score_paper_sign_aware_std": paper["score_paper_sign_aware_std"],
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
