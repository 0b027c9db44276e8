"""What the figure modules of ``brainscore_lcl.analyses`` share: options, the result record, tables, statistics.

Each figure module computes its numbers with ``compute(models, source, **options) -> Result`` (each score through
``brainscore_lcl.results.cell.score_cell``, the results database: ``cell_score``), draws and writes them with
``draw(result, out) -> paths`` and runs from the command line with ``main(argv)``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from brainscore_lcl import versioned
from brainscore_lcl.data.facts import BRAINSCORE_WINDOW_MS, PAPER_WINDOW_MS, SOURCE_PREFIXES
from brainscore_lcl.data.identity import BENCHMARK_SOURCES
from brainscore_lcl.errors import UsageError
from brainscore_lcl.scoring import ScoreRecord, built_model

#: the benchmark-id prefix of each source an analysis accepts
SOURCES = {name: SOURCE_PREFIXES[source] for name, source in BENCHMARK_SOURCES.items()}
#: Models of the paper's figures that this suite cannot build, with the reason (listed as skipped, never dropped).
UNAVAILABLE_MODELS = {
    "ant-alexnet": "ANT (Rusak et al. 2020) AlexNet was trained by the paper's authors with "
    "bethgelab/game-of-noise and never published; no id in this suite"
}


@dataclass
class LoadedModel:
    """A model ready to score: its id, the ``BrainModel``, the checkpoint it came from."""

    model_id: str
    model: Any
    checkpoint: str | None


def load_models(
    model_ids: Sequence[str], checkpoints: dict[str, str], region: str | None = None
) -> tuple[list[LoadedModel], list[str]]:
    """Each model (``brainscore_lcl.scoring.built_model``, shared by the figures of one process) and one
    'skipped <id>: <reason>' note per model that cannot be scored: without weights (e.g. ``lcl-v2`` without a
    checkpoint) or, with ``region``, committing no layer to it (e.g. ``lcl-v1`` for V2). Raises ``RunError`` when no
    model loads."""
    from brainscore_lcl.checkpoint import CheckpointError
    from brainscore_lcl.data.freemanziemba import DataUnavailableError
    from brainscore_lcl.errors import ModelUnavailableError, RegionNotCommittedError, RunError
    from brainscore_lcl.model_helpers.commitment import require_region

    loaded, notes = [], []
    for model_id in model_ids:
        checkpoint = checkpoints.get(model_id)
        if model_id in UNAVAILABLE_MODELS and checkpoint is None:
            notes.append(f"skipped {model_id}: {UNAVAILABLE_MODELS[model_id]}")
            continue
        try:
            model = built_model(model_id, checkpoint)
            if region is not None:
                require_region(model, model_id, region)
            loaded.append(LoadedModel(model_id, model, checkpoint))
        except (ModelUnavailableError, DataUnavailableError, CheckpointError, RegionNotCommittedError) as error:
            notes.append(f"skipped {model_id}: {error}")
    if not loaded:
        raise RunError("no model could be loaded: " + "; ".join(notes))
    return loaded, notes


def json_default(value: Any) -> Any:
    """numpy values and paths as JSON data (``json.dumps(default=...)``)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


#: what the simulated data (``sim``) can and cannot show, for the demo, the reports and the figures' scripts on ``sim``
SIMULATED_DATA_NOTE = (
    "Simulated data: they check the analyses, not the models. They can show that the generator (sim-generator) scores "
    "at its noise ceiling and that the analyses recover the planted answers (the V1-like / V2-like cells against each "
    "cell's planted higher-order weight, the texture families' ranks as constructed). They cannot rank models: a "
    "model scores high here when it resembles this simulator, which says nothing about area V2; the paper's model "
    "comparisons need the real recordings (--source public, official or local)."
)
#: the same in one short line, for the top of a figure
SIMULATED_DATA_LINE = (
    "Simulated data: checks the analyses (generator at its ceiling, planted answers), cannot rank models for V2"
)
DISPLAY_NAMES = {
    "sim-generator": "Simulator (ground truth)",
    "v1-steerpyr": "V1-SteerPyr",
    "v1-steerpyr-pool": "V1-SteerPyr+Pool",
    "alexnet-untrained": "Untrained",
    "lcl-v1": "LCL-V1",
    "lcl-v2": "LCL-V2",
    "lcl-v2net": "LCL-V2Net",
    "alexnet-supervised": "Supervised",
    "alexnet-l2at-eps3": "L2-AT (eps=3)",
    "vonenet-alexnet": "VOneNet",
    "lpl-alexnet": "LPL",
    "barlow-e2e-alexnet": "BarlowTwins",
    "barlow-e2e-alexnet-net": "BarlowTwins + classifier stage",
    "blockbarlow-net": "BlockBarlow + classifier stage",
    "blockbarlow": "BlockBarlow",
    "ant-alexnet": "ANT",
    "resnet50-l2at-eps3": "ResNet50 L2-AT (eps=3)",
    "resnet50-supervised": "ResNet-50 Supervised",
    "voneresnet50-at": "VOneResNet-50 L2-AT",
    "resnext101-wsl": "ResNext-101 (32x8d) WSL",
    "bag-of-tricks": "Bag-of-Tricks",
}
#: The models each of the paper's figures compares, in its order (``--models`` overrides).
PAPER_MODELS = {
    "fig4": [
        "v1-steerpyr-pool",
        "barlow-e2e-alexnet",
        "alexnet-supervised",
        "vonenet-alexnet",
        "ant-alexnet",
        "alexnet-l2at-eps3",
        "lpl-alexnet",
        "blockbarlow",
        "lcl-v2",
    ],
    "table_a4": [
        "lcl-v2",
        "resnet50-l2at-eps3",
        "alexnet-l2at-eps3",
        "voneresnet50-at",
        "bag-of-tricks",
        "alexnet-supervised",
        "resnet50-supervised",
        "resnext101-wsl",
    ],
    "fig5": ["lcl-v2", "alexnet-l2at-eps3", "alexnet-supervised"],
    "fig6": [
        "alexnet-untrained",
        "barlow-e2e-alexnet",
        "alexnet-supervised",
        "ant-alexnet",
        "alexnet-l2at-eps3",
        "lpl-alexnet",
        "blockbarlow",
        "lcl-v1",
        "vonenet-alexnet",
        "v1-steerpyr",
    ],
    "figA2": ["lcl-v2", "alexnet-l2at-eps3", "alexnet-supervised"],
    "figA5": ["lcl-v1", "alexnet-l2at-eps3", "alexnet-supervised"],
    "fig8": [
        "barlow-e2e-alexnet",
        "alexnet-supervised",
        "vonenet-alexnet",
        "ant-alexnet",
        "alexnet-l2at-eps3",
        "lcl-v2net",
    ],
}


#: the offline models the scripts' defaults add when some of the paper's models cannot load, per region ("conv": the
#: first-layer filters of Figs. A.3-A.5), so that every figure compares at least two models; on ``sim`` the
#: generator is added too (``offline_references``)
OFFLINE_REFERENCES = {
    "V1": ("alexnet-untrained", "v1-steerpyr"),
    "V2": ("alexnet-untrained", "v1-steerpyr-pool"),
    "conv": ("alexnet-untrained",),
}


def offline_references(region: str, source: str | None) -> list[str]:
    """The offline reference models of ``region`` ("V1", "V2" or "conv"), with the generator on ``sim``."""
    return list(OFFLINE_REFERENCES[region]) + (["sim-generator"] if source == "sim" and region != "conv" else [])


def skipped_models(notes: Sequence[str], models: Sequence[str]) -> list[str]:
    """The ``models`` that a skip note ("skipped <id>: <reason>", ``load_models``) names."""
    return [model for model in models if any(note.startswith(f"skipped {model}: ") for note in notes)]


def references_note(added: Sequence[str], skipped: Sequence[str]) -> str:
    """The note that says which offline references were added, and why."""
    names = ", ".join(added)
    return f"added the offline references {names}, since {len(skipped)} of the figure's models could not load"


def load_figure_models(
    models: Sequence[str],
    checkpoints: dict[str, str],
    region: str,
    source: str,
    add_references: bool = False,
) -> tuple[list[LoadedModel], list[str]]:
    """``load_models`` of ``models`` on ``region``; with ``add_references`` (the scripts' default models), the
    ``offline_references`` not among ``models`` are added when any of ``models`` cannot load (with a note)."""
    extra = [model for model in offline_references(region, source) if model not in models] if add_references else []
    entries, notes = load_models(list(models) + extra, checkpoints, region)
    skipped = skipped_models(notes, models)
    added = [entry.model_id for entry in entries if entry.model_id in extra]
    if not skipped:
        return [entry for entry in entries if entry.model_id not in extra], notes
    return entries, notes + ([references_note(added, skipped)] if added else [])


def short_note(note: str) -> str:
    """A note in one short sentence: its first clause, without parentheses (``"skipped alexnet-supervised: weights
    of alexnet-supervised are not available (download failed: ...): download ..."`` -> ``"skipped
    alexnet-supervised: weights of alexnet-supervised are not available"``); the full note stays in the JSON."""
    prefix, separator, reason = note.partition(": ")
    if not separator or prefix.split(" ")[0] != "skipped":
        return note
    depth, kept = 0, []
    for character in reason:
        depth += character == "("
        if depth == 0:
            kept.append(character)
        depth -= character == ")" and depth > 0
    clause = re.split(r": |; ", "".join(kept), maxsplit=1)[0]
    return f"{prefix}: {re.sub(r' {2,}', ' ', clause).strip().rstrip('.')}"


def print_data_note(source: str) -> None:
    """On ``sim``: what the simulated data can and cannot show (``SIMULATED_DATA_NOTE``), before a script's tables."""
    if source == "sim":
        print(textwrap.fill(SIMULATED_DATA_NOTE, width=120))


def mark_simulated(figure: plt.Figure, source: str | None) -> plt.Figure:
    """On ``sim``: ``SIMULATED_DATA_LINE`` at the top of ``figure``; returns the figure."""
    if source == "sim":
        figure.suptitle(SIMULATED_DATA_LINE, fontsize=8, color="firebrick")
    return figure


def display_name(model_id: str) -> str:
    """Readable name of a model for figures: the name given with ``name=`` (``as_model_id``), else this suite's name
    for its own ids, else the id (a model file ``dir/my_net.py:build`` as ``my_net.py:build``)."""
    from brainscore_lcl.model_helpers.from_file import given_name, is_model_file_spec

    if given_name(model_id):
        return given_name(model_id)
    return Path(model_id).name if is_model_file_spec(model_id) else DISPLAY_NAMES.get(model_id, model_id)


def benchmark_id(source: str, region: str, metric: str = "pls") -> str:
    """``<prefix>.<region>-<metric>`` for a script's ``--source``."""
    return f"{SOURCES[source]}.{region}-{metric}"


def parse_args(
    script: str,
    description: str,
    default_models: Sequence[str],
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
    argv: Sequence[str] | None = None,
) -> argparse.Namespace:
    """Common options: --source, --models, --checkpoint MODEL=PATH, --out, --data-root, --no-cache, and
    --model-file FILE.py:FUNCTION (with --layers, --image-size, --visual-degrees), whose model goes first."""
    from brainscore_lcl.errors import ArgumentParser
    from brainscore_lcl.model_helpers.from_file import ModelFileError, add_model_file_arguments, model_file_id

    parser = ArgumentParser(prog=f"analyses/{script}.py", description=description)
    parser.add_argument(
        "--source",
        default="sim",
        choices=sorted(SOURCES),
        help="data source: sim (embedded simulation, offline; default), public / private "
        "(Brain-Score's splits, network), local (raw release under --data-root)",
    )
    parser.add_argument("--models", nargs="*", default=list(default_models), help="model ids")
    parser.add_argument(
        "--checkpoint",
        nargs="*",
        default=[],
        metavar="MODEL=PATH",
        help="checkpoint of a model, e.g. lcl-v2=runs/lcl_v2.pt (repeatable)",
    )
    parser.add_argument("--out", default=None, help=f"output folder (default results/{script})")
    parser.add_argument(
        "--data-root",
        default=os.environ.get("BRAINSCORE_LCL_FZ_ROOT"),
        help="raw-release folder for --source local (default $BRAINSCORE_LCL_FZ_ROOT)",
    )
    parser.add_argument("--no-cache", action="store_true", help="recompute scores instead of reading the cache")
    add_model_file_arguments(parser)
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        own_model = model_file_id(args)
    except ModelFileError as error:
        raise UsageError(str(error)) from None
    args.default_models = own_model is None and args.models == list(default_models)
    if own_model is not None:
        args.models = [own_model] + [model for model in args.models if model != own_model]
    args.checkpoints = parse_checkpoints(args.checkpoint)
    if default_models:
        require_models(args.models, args.checkpoints)
    args.out = output_folder(args.out, script)
    return args


def require_models(models: Sequence[str], checkpoints: dict[str, str]) -> None:
    """``UsageError`` when a figure is asked to compare no model (an empty ``--models`` and no ``--checkpoint``)."""
    if not models and not checkpoints:
        raise UsageError(
            "--models names no model; name at least one model id (see `brainscore list models`), or leave --models "
            "out for the figure's own models"
        )


def output_folder(out: str | os.PathLike | None, figure: str) -> Path:
    """The folder a figure writes into (default ``results/<figure>``), validated and created."""
    from brainscore_lcl.paths import output_folder as validated

    folder = validated(out or Path("results") / figure, "--out")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def run_script(script: str, main: Callable[[], Any]) -> None:
    """``main()`` of ``analyses/<script>.py`` run from the command line under ``brainscore``'s error contract
    (``brainscore_lcl.run_contract``): whatever it raises ends in one line on stderr and its exit code."""
    from brainscore_lcl.run_contract import run_under_contract

    sys.exit(run_under_contract(f"analyses/{script}.py", main))


def parse_checkpoints(pairs: Iterable[str]) -> dict[str, str]:
    """``["lcl-v2=path.pt", ...]`` -> ``{"lcl-v2": "path.pt"}``."""
    checkpoints = {}
    for pair in pairs:
        model_id, separator, path = pair.partition("=")
        if not separator or not model_id or not path:
            raise UsageError(f"--checkpoint takes MODEL=PATH pairs, got {pair!r}")
        checkpoints[model_id] = path
    return checkpoints


def benchmark_options(source: str, data_root: str | None, time_window: Sequence[int]) -> dict[str, Any]:
    """Options passed to this suite's benchmark factories (only those that are set, or differ from the default)."""
    options = {"data_root": data_root} if source == "local" and data_root else {}
    if tuple(time_window) != BRAINSCORE_WINDOW_MS:
        options["time_window"] = tuple(time_window)
    return options


def add_time_window_argument(parser: argparse.ArgumentParser) -> None:
    """--time-window START END: the response window in ms (default Brain-Score's 50-200; the paper's text: 50-150)."""
    parser.add_argument(
        "--time-window",
        nargs=2,
        type=int,
        default=list(BRAINSCORE_WINDOW_MS),
        metavar=("START_MS", "END_MS"),
        help="response window in ms after stimulus onset (default 50 200, as Brain-Score's code "
        "averages; the paper's text says 50 150; see README)",
    )


def score_definitions() -> dict[str, str]:
    """What each score key in a figure's JSON means (``brainscore_lcl.metrics.scores.SCORE_DEFINITIONS``)."""
    from brainscore_lcl.metrics.scores import SCORE_DEFINITIONS

    return dict(SCORE_DEFINITIONS)


def time_window_record(time_window: Sequence[int]) -> dict[str, Any]:
    """The window of a run for its JSON: ``time_window_ms`` (ms after onset) and which convention it is."""
    window = tuple(time_window)
    convention = {BRAINSCORE_WINDOW_MS: "Brain-Score's code (default)", PAPER_WINDOW_MS: "the paper's text"}
    return {"time_window_ms": list(window), "time_window_convention": convention.get(window, "user-chosen")}


@dataclass
class FigureResult:
    """Base of each figure's record of every number (its fields); ``to_json`` gives them as plain JSON data."""

    def to_json(self) -> dict[str, Any]:
        """The fields as JSON data (numpy values as numbers and lists, paths as strings)."""
        return json.loads(
            json.dumps({field.name: getattr(self, field.name) for field in fields(self)}, default=json_default)
        )


def save_figure(figure: plt.Figure, out: Path, name: str) -> list[Path]:
    """Write ``figure`` as ``<out>/<name>.png`` and ``.pdf`` (with a suptitle, if any, cropped to what is drawn, so
    that nothing is cut off); returns the paths."""
    paths = [out / f"{name}.png", out / f"{name}.pdf"]
    suptitle = figure._suptitle is not None
    figure.tight_layout(rect=(0, 0, 1, 1 - 0.3 / figure.get_figheight()) if suptitle else None)
    for path in paths:
        figure.savefig(path, dpi=150, **({"bbox_inches": "tight", "pad_inches": 0.1} if suptitle else {}))
    plt.close(figure)
    return paths


def write_json(out: Path, name: str, result: FigureResult) -> Path:
    """Write ``result.to_json()`` to ``<out>/<name>.json``."""
    path = out / f"{name}.json"
    path.write_text(json.dumps(versioned(result.to_json()), indent=2))
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
    """Print ``format_table``, then ``notes`` (skipped models, ``load_models``), one short line each
    (``short_note``; the full notes are in the JSON)."""
    print(format_table(rows, columns))
    for note in notes:
        print(short_note(note))


def per_neuron_ev(record) -> np.ndarray:
    """Per-neuron ceiled explained variance (mean over splits of (r/r_ceil)^2) of a PLS ``ScoreRecord``."""
    from brainscore_lcl.metrics.scores import per_neuron_explained_variance

    return per_neuron_explained_variance(
        np.asarray(record.details["per_neuron_r"], dtype=float),
        np.asarray(record.details["per_neuron_ceiling"], dtype=float),
    )


def pairwise_permutation_tests(values: dict[str, np.ndarray], n_perm: int = 10000) -> list[dict[str, Any]]:
    """Paired permutation test (median difference) of per-neuron values for every pair of models."""
    from brainscore_lcl.metrics.statistics import fraction_better, paired_permutation_test

    names = list(values)
    rows = []
    for index, first in enumerate(names):
        for second in names[index + 1 :]:
            rows.append(
                {
                    "model_a": first,
                    "model_b": second,
                    "p_permutation": paired_permutation_test(values[first], values[second], n_perm=n_perm),
                    "fraction_a_better": fraction_better(values[first], values[second]),
                }
            )
    return rows


def median_with_interval(values: np.ndarray) -> dict[str, float]:
    """Median over neurons and its 95% percentile-bootstrap interval (1000 resamples)."""
    from brainscore_lcl.metrics.statistics import bootstrap_median_ci

    low, high = bootstrap_median_ci(values)
    return {"median": float(np.nanmedian(values)), "ci95_low": low, "ci95_high": high}


def predictivity_row(record, per_neuron: np.ndarray) -> dict[str, Any]:
    """One table row of a PLS ``ScoreRecord``: the paper's literal and sign-aware scores +- std over splits
    (``SCORE_DEFINITIONS``), Brain-Score's score, median per-neuron explained variance (literal) with its bootstrap
    interval, layer, field of view."""
    from brainscore_lcl.benchmarks.freemanziemba2013.benchmark import paper_score_fields

    details = record.details
    interval = median_with_interval(per_neuron)
    # from the per-split table, so that records cached before the sign-aware score existed report it too
    paper = paper_score_fields(
        np.asarray(details["per_neuron_r"], dtype=float), np.asarray(details["per_neuron_ceiling"], dtype=float)
    )
    return {
        "model": record.model,
        "layer": record.layer,
        "n_neuroids": record.n_neuroids,
        "score_paper": paper["score_paper"],
        "score_paper_std": paper["score_paper_std"],
        "score_paper_sign_aware": paper["score_paper_sign_aware"],
        "score_paper_sign_aware_std": paper["score_paper_sign_aware_std"],
        "score_brainscore": record.score,
        "raw_r": record.raw,
        "ceiling": record.ceiling,
        "median_neuron_ev": interval["median"],
        "ci95_low": interval["ci95_low"],
        "ci95_high": interval["ci95_high"],
        "field_of_view": details.get("field_of_view", {}).get("degrees"),
    }


def predictivity_bars(axis: plt.Axes, rows: Sequence[dict[str, Any]], label: str) -> None:
    """Bars of the paper's score with the std over splits, and the bootstrap interval of the median per-neuron
    explained variance as a black range (Figs. 4 left and 6)."""
    positions = np.arange(len(rows))
    axis.bar(
        positions,
        [row["score_paper"] for row in rows],
        yerr=[row["score_paper_std"] for row in rows],
        color="tab:blue",
        alpha=0.8,
        capsize=4,
        label="median (r/r_ceil)$^2$, std over splits",
    )
    axis.vlines(
        positions + 0.3,
        [row["ci95_low"] for row in rows],
        [row["ci95_high"] for row in rows],
        color="black",
        label="95% bootstrap CI over neurons",
    )
    axis.set_xticks(positions, [display_name(row["model"]) for row in rows], rotation=30, ha="right")
    axis.set_ylabel(label)
    tops = [max(row["score_paper"] + row["score_paper_std"], row["ci95_high"]) for row in rows]
    axis.set_ylim(0, 1.3 * max(tops))
    axis.legend(fontsize=7, loc="upper right")


def cell_score(entry: LoadedModel, benchmark: str, recompute: bool = False, **options) -> ScoreRecord:
    """``entry``'s record on ``benchmark`` with ``options``, through ``brainscore_lcl.results.cell.score_cell`` (from
    the results database when it holds the cell at the model's present field of view; ``recompute``: scored
    again)."""
    from brainscore_lcl.results.cell import CellRequest, score_cell

    request = CellRequest(entry.model_id, benchmark, entry.checkpoint, options, recompute=recompute)
    return score_cell(request, model=entry.model).record


def sweep_field_of_view(entry: LoadedModel, benchmark: str, degrees: Sequence[float], **options) -> dict[str, Any]:
    """Choose ``entry``'s field of view on the public split of ``benchmark`` (``field_of_view_sweep``); leaves the
    model at the chosen value. Returns {"degrees": best, "public_scores": {degrees: score}}."""
    from brainscore_lcl.analyses.field_of_view import field_of_view_sweep, set_field_of_view
    from brainscore_lcl.scoring import load_benchmark

    best, public_scores = field_of_view_sweep(entry.model, load_benchmark(benchmark, **options), degrees)
    set_field_of_view(entry.model, float(best))
    return {"degrees": best, "public_scores": {str(k): v for k, v in public_scores.items()}}


def score_models(
    entries: Sequence[LoadedModel],
    recompute: bool,
    benchmark: str,
    options: dict[str, Any],
    fields_of_view: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Each model's PLS record on ``benchmark`` (its field of view swept first when ``fields_of_view`` is given;
    ``recompute``: scored again)."""
    records = {}
    for entry in entries:
        field_of_view = sweep_field_of_view(entry, benchmark, fields_of_view, **options) if fields_of_view else None
        record = cell_score(entry, benchmark, recompute, **options)
        if field_of_view is not None:
            record.details["field_of_view"] = field_of_view
        records[entry.model_id] = record
    return records


def record_json(record) -> dict[str, Any]:
    """A ``ScoreRecord`` as a figure's JSON holds it: its summary and its details."""
    return record.summary() | {"details": record.details}


def add_field_of_view_argument(parser: argparse.ArgumentParser) -> None:
    """--fields-of-view DEG ...: sweep each model's field of view on the public split (paper A.3.1)."""
    parser.add_argument(
        "--fields-of-view",
        nargs="+",
        type=float,
        default=None,
        metavar="DEG",
        help="fields of view (degrees) to sweep on the public split, keeping the best "
        "(default: each model's own, 8 degrees for the learned models)",
    )
