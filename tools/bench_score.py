"""Time scoring one model on the simulated V1 and V2 benchmarks: this suite vs brainscore_vision's own path.

Both paths see the same model and the same assemblies, each starting from an empty activations cache (a fresh
temporary RESULTCACHING_HOME; the reference path uses its own model identifier):
- "brainscore": brainscore_vision's ``NeuralBenchmark`` with ``load_metric('pls', ...)`` (scikit-learn PLS) and
  ``load_ceiling('internal_consistency')``, exactly as its FreemanZiemba2013 benchmarks are built;
- "lcl": this suite's ``brainscore_lcl.scoring.score`` (kernel PLS, activations reused across benchmarks).
Prints seconds per benchmark and the ratios. Usage: ``python tools/bench_score.py [--model v1-steerpyr-pool]``.

``--deep``: a model with 21 candidate layers (torchvision ResNet-50 with stand-in weights drawn from a fixed seed, 96-px
input), counting how often the network runs on each image. First the extraction that layer selection on the public
split of simulated V1 needs (every candidate layer for every public image), layer by layer (what ``select_layer``
alone does: one network run per candidate) against this suite's one pass (every recorded layer per stimulus set at
once, later look-ups served from the activations cache), as seconds, passes per image and ratios; then this suite's
full scoring on simulated V1 (selection and benchmark), with its passes per image.

``--other TREE``: ``brainscore score`` of the model on simulated V1 then V2, this tree against another (e.g. the tree
before a change), each in a new process (the tree's four folders imported as ``brainscore_lcl`` and its subpackages,
``tools/bench_figures.py``'s ``IMPORT_TREE``) from an empty cache of its own (the simulated release copied in from
``--sim-data``, its generation not timed): the cold scores, then both again from the results database (warm). The
trees alternate, ``--repeats`` times each (first tree alternating too), so that both see the same load; prints each
run, the medians, their ratios (other / this: above 1 means this tree is faster) and the load average.

    python tools/bench_score.py --other /work/main --sim-data $BRAINSCORE_LCL_CACHE/fz2013-sim-0-v3 \
        --work /tmp/bench-score [--model v1-steerpyr-pool] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
#: run in the child after IMPORT_TREE: argv = tree, model id; prints one JSON line of seconds per phase
SCORE_TWICE = """
import json, time
seconds = {}
def timed(phase, work):
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    seconds[f"{phase} wall"] = time.perf_counter() - wall
    seconds[f"{phase} CPU"] = time.process_time() - cpu
    return result
main = timed("import", lambda: __import__("brainscore_lcl.cli", fromlist=["main"]).main)
for phase in ("cold", "warm"):
    for region in ("V1", "V2"):
        arguments = ["score", "--model", sys.argv[1], "--benchmark", f"FreemanZiemba2013sim.{region}-pls"]
        status = timed(f"{phase} {region}", lambda: main(arguments))
        assert status == 0, f"brainscore score exited {status}"
print("SECONDS " + json.dumps(seconds))
"""


def time_brainscore_path(model_id: str, regions: list[str]) -> list[float]:
    from brainscore_vision import load_ceiling, load_metric
    from brainscore_vision.benchmark_helpers.neural_common import NeuralBenchmark

    from brainscore_lcl.benchmarks.freemanziemba2013.benchmark import NUMBER_OF_TRIALS, FreemanZiembaPLS
    from brainscore_lcl.data.facts import VISUAL_DEGREES
    from brainscore_lcl.scoring import load_model

    model = load_model(model_id)
    model.activations_model.identifier += "-bench-reference"  # its own activation cache entries
    seconds = []
    for region in regions:
        ours = FreemanZiembaPLS("sim", region)
        ceiler = load_ceiling("internal_consistency")
        start = time.perf_counter()
        benchmark = NeuralBenchmark(
            identifier=f"bench-{region}-{time.time()}",
            version=1,
            assembly=ours.assembly,
            similarity_metric=load_metric("pls", crossvalidation_kwargs=dict(stratification_coord="texture_type")),
            visual_degrees=VISUAL_DEGREES,
            number_of_trials=NUMBER_OF_TRIALS,
            ceiling_func=lambda ceiler=ceiler, ours=ours: ceiler(ours._assembly_repetition),
            parent=region,
        )
        score = benchmark(model)
        seconds.append(time.perf_counter() - start)
        print(f"  brainscore_vision path, {region}: {float(score.values):.4f} in {seconds[-1]:.1f} s", flush=True)
    return seconds


def time_lcl_path(model_id: str, regions: list[str]) -> list[float]:
    from brainscore_lcl.scoring import load_model, score

    model = load_model(model_id)
    seconds = []
    for region in regions:
        start = time.perf_counter()
        record = score(model_id, f"FreemanZiemba2013sim.{region}-pls", model=model)
        seconds.append(time.perf_counter() - start)
        print(f"  brainscore-lcl path,    {region}: {record.score:.4f} in {seconds[-1]:.1f} s", flush=True)
    return seconds


DEEP_MODEL_ID = "bench-resnet50-standin"
DEEP_IMAGE_SIZE = 96
#: Brain-Score's ResNet-50 layers (resnet_50_v1 plugin) plus the stem's bn1/relu/maxpool: 21 candidates.
DEEP_LAYERS = (
    ["conv1", "bn1", "relu", "maxpool"]
    + [f"layer{block + 1}.{unit}" for block, units in enumerate((3, 4, 6, 3)) for unit in range(units)]
    + ["avgpool"]
)


def standin_deep_model(tag: str):
    """ResNet-50 with weights drawn from seed 0, committed with ``DEEP_LAYERS`` as candidates; its extractor counts
    network passes per image path in ``model.passes`` ({path: runs})."""
    from collections import Counter

    import torch
    import torchvision

    from brainscore_lcl.checkpoint import state_dict_sha256
    from brainscore_lcl.model_helpers.commitment import imagenet_preprocessing, make_commitment
    from brainscore_lcl.registry import ModelRecord, model_registry

    torch.manual_seed(0)
    network = torchvision.models.resnet50(weights=None)
    model = make_commitment(
        DEEP_MODEL_ID,
        network,
        weights_sha256=state_dict_sha256(network.state_dict()),
        layers=DEEP_LAYERS,
        region_layer_map={"V1": "layer1.0", "V2": "layer2.0"},
        preprocessing=imagenet_preprocessing(DEEP_IMAGE_SIZE),
        image_size=DEEP_IMAGE_SIZE,
    )
    model.activations_model.identifier += tag  # each path starts from an empty activations cache
    model_registry[DEEP_MODEL_ID] = ModelRecord(
        factory=lambda checkpoint=None: model, candidate_layers=tuple(DEEP_LAYERS)
    )
    extractor = model.activations_model._extractor
    model.passes = Counter()
    run_network = extractor._from_paths

    def counting(layers, stimuli_paths, require_variance=False):
        model.passes.update(str(path) for path in stimuli_paths)
        return run_network(layers=layers, stimuli_paths=stimuli_paths, require_variance=require_variance)

    extractor._from_paths = counting
    return model


def deep_extraction(one_pass: bool) -> tuple[float, dict]:
    """The extraction part of layer selection for the stand-in deep model on the public split of simulated V1: each
    candidate layer's activations for every public image, as ``select_layer`` requests them, with (``one_pass``) or
    without this suite's one-pass extraction first. Returns seconds and the network passes per image."""
    from brainscore_vision.benchmark_helpers.screen import place_on_screen

    from brainscore_lcl.scoring import load_benchmark, precompute_activations

    model = standin_deep_model("-one-pass" if one_pass else "-per-layer")
    public = load_benchmark("FreemanZiemba2013sim.V1-pls").public_counterpart()
    stimuli = place_on_screen(
        public.assembly.stimulus_set,
        target_visual_degrees=model.visual_degrees(),
        source_visual_degrees=public._visual_degrees,
    )
    start = time.perf_counter()
    if one_pass:
        precompute_activations(model, public)
    for layer in DEEP_LAYERS:
        model.activations_model(stimuli, layers=[layer])
    return time.perf_counter() - start, passes_per_image(model)


def deep_scoring() -> tuple[float, dict, str]:
    """This suite's full scoring of the stand-in deep model on simulated V1 (one-pass extraction of the benchmark's
    and the public split's images, layer selection among the 21 candidates, the benchmark): seconds, passes per image
    and the layer chosen."""
    from brainscore_lcl.scoring import score

    model = standin_deep_model("-scoring")
    start = time.perf_counter()
    record = score(DEEP_MODEL_ID, "FreemanZiemba2013sim.V1-pls", model=model)
    return time.perf_counter() - start, passes_per_image(model), f"{record.layer} (score {record.score:.4f})"


def passes_per_image(model) -> dict:
    passes = list(model.passes.values())
    return {"images": len(passes), "max": max(passes), "mean": sum(passes) / len(passes)}


def bench_deep_model() -> None:
    print(f"{DEEP_MODEL_ID}: {len(DEEP_LAYERS)} candidate layers, {DEEP_IMAGE_SIZE}-px input, simulated V1")
    per_layer_seconds, per_layer = deep_extraction(one_pass=False)
    one_pass_seconds, one_pass = deep_extraction(one_pass=True)
    for name, seconds, passes in (
        ("layer selection extraction, per layer", per_layer_seconds, per_layer),
        ("layer selection extraction, one pass ", one_pass_seconds, one_pass),
    ):
        print(
            f"{name}: {seconds:.1f} s; network passes per image: max {passes['max']}, "
            f"mean {passes['mean']:.2f} over {passes['images']} images",
            flush=True,
        )
    print(
        f"ratio (per layer / one pass): {per_layer_seconds / one_pass_seconds:.1f}x time, "
        f"{per_layer['mean'] / one_pass['mean']:.1f}x network passes per image",
        flush=True,
    )
    seconds, passes, layer = deep_scoring()
    print(
        f"full scoring with layer selection (this suite): {seconds:.1f} s; network passes per image: max "
        f"{passes['max']}, mean {passes['mean']:.2f} over {passes['images']} images; V1 layer {layer}"
    )


def time_tree(tree: Path, model_id: str, work: Path, sim_data: Path) -> dict[str, float]:
    """Wall and CPU seconds of ``brainscore score`` of ``model_id`` on simulated V1 then V2, cold then warm (and the
    import, and the whole process's wall seconds), in a new process that imports ``tree``, from an empty cache under
    ``work`` (the simulated release copied in)."""
    from bench_figures import run_on_empty_cache

    started = time.perf_counter()
    seconds = run_on_empty_cache(tree, SCORE_TWICE, [model_id], work, sim_data, "SECONDS")
    return seconds | {"process wall": time.perf_counter() - started}


def bench_against(other: Path, model_id: str, repeats: int, sim_data: Path, work: Path) -> None:
    """This tree against ``other``, alternating, ``repeats`` runs each; prints each run, the medians and ratios."""
    trees = {"this": REPOSITORY, "other": other.resolve()}
    print(f"brainscore score --model {model_id} on FreemanZiemba2013sim V1 then V2, cold then warm; this {REPOSITORY}")
    print(f"against other {trees['other']}; load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for repeat in range(repeats):
        for name in ("other", "this") if repeat % 2 == 0 else ("this", "other"):
            runs[name].append(time_tree(trees[name], model_id, work / name, sim_data))
            seconds = runs[name][-1]
            print(f"  {name} run {repeat + 1}: " + ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items()), flush=True)
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'median seconds':<18}{'other':>9}{'this':>9}{'other/this':>12}")
    for phase in runs["this"][0]:
        other_median, this_median = (statistics.median(run[phase] for run in runs[name]) for name in ("other", "this"))
        print(f"{phase:<18}{other_median:>9.2f}{this_median:>9.2f}{other_median / this_median:>11.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="v1-steerpyr-pool")
    parser.add_argument("--deep", action="store_true", help="count network passes per image for a 21-layer model")
    parser.add_argument("--other", type=Path, help="another tree to time `brainscore score` against (e.g. /work/main)")
    parser.add_argument("--sim-data", type=Path, help="with --other: a generated simulated release folder")
    parser.add_argument("--work", type=Path, help="with --other: a folder for the caches")
    parser.add_argument("--repeats", type=int, default=3, help="with --other: runs of each tree")
    args = parser.parse_args()
    if args.other is not None:
        if args.sim_data is None or args.work is None:
            parser.error("--other needs --sim-data and --work")
        bench_against(args.other, args.model, args.repeats, args.sim_data.expanduser(), args.work)
        return
    os.environ["RESULTCACHING_HOME"] = tempfile.mkdtemp(
        prefix="bench-score-cache-"
    )  # read when Brain-Score is imported
    regions = ["V1", "V2"]
    from brainscore_lcl.data.sources import load_freemanziemba_assembly

    for region in regions:  # load (and, the first time, simulate) the data outside the timed sections
        load_freemanziemba_assembly("sim", region, average_repetitions=True)
        load_freemanziemba_assembly("sim", region, average_repetitions=False)
    if args.deep:
        bench_deep_model()
        return
    print(f"model {args.model} on FreemanZiemba2013sim V1 then V2 (empty activation cache for each path)")
    reference = time_brainscore_path(args.model, regions)
    ours = time_lcl_path(args.model, regions)
    print(
        f"first benchmark:  brainscore_vision {reference[0]:.1f} s, brainscore-lcl {ours[0]:.1f} s, "
        f"ratio {reference[0] / ours[0]:.1f}x"
    )
    print(
        f"second benchmark: brainscore_vision {reference[1]:.1f} s, brainscore-lcl {ours[1]:.1f} s, "
        f"ratio {reference[1] / ours[1]:.1f}x"
    )
    print(f"both:             ratio {sum(reference) / sum(ours):.1f}x")


if __name__ == "__main__":
    main()
