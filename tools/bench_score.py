"""Time scoring one model on the simulated V1 and V2 benchmarks: this suite vs brainscore_vision's own path.

Both paths see the same model and the same assemblies, each starting from an empty activations cache (a fresh
temporary RESULTCACHING_HOME; the reference path uses its own model identifier):
- "brainscore": brainscore_vision's ``NeuralBenchmark`` with ``load_metric('pls', ...)`` (scikit-learn PLS) and
  ``load_ceiling('internal_consistency')``, exactly as its FreemanZiemba2013 benchmarks are built;
- "lcl": this suite's ``brainscore_lcl.scoring.score`` (kernel PLS, activations reused across benchmarks).
Prints seconds per benchmark and the ratios. Usage: ``python tools/bench_score.py [--model v1-steerpyr-pool]``.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time


def time_brainscore_path(model_id: str, regions: list[str]) -> list[float]:
    from brainscore_vision import load_ceiling, load_metric
    from brainscore_vision.benchmark_helpers.neural_common import NeuralBenchmark

    from brainscore_lcl.benchmarks.freemanziemba2013.benchmark import NUMBER_OF_TRIALS, VISUAL_DEGREES, FreemanZiembaPLS
    from brainscore_lcl.scoring import load_model

    model = load_model(model_id)
    model.activations_model.identifier += "-bench-reference"  # its own activation cache entries
    seconds = []
    for region in regions:
        ours = FreemanZiembaPLS("sim", region)
        ceiler = load_ceiling("internal_consistency")
        start = time.perf_counter()
        benchmark = NeuralBenchmark(identifier=f"bench-{region}-{time.time()}", version=1, assembly=ours.assembly,
                                    similarity_metric=load_metric(
                                        "pls", crossvalidation_kwargs=dict(stratification_coord="texture_type")),
                                    visual_degrees=VISUAL_DEGREES, number_of_trials=NUMBER_OF_TRIALS,
                                    ceiling_func=lambda: ceiler(ours._assembly_repetition), parent=region)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="v1-steerpyr-pool")
    args = parser.parse_args()
    os.environ["RESULTCACHING_HOME"] = tempfile.mkdtemp(prefix="bench-score-cache-")  # read when Brain-Score is imported
    regions = ["V1", "V2"]
    from brainscore_lcl.data.sources import load_freemanziemba_assembly

    for region in regions:  # load (and, the first time, simulate) the data outside the timed sections
        load_freemanziemba_assembly("sim", region, average_repetitions=True)
        load_freemanziemba_assembly("sim", region, average_repetitions=False)
    print(f"model {args.model} on FreemanZiemba2013sim V1 then V2 (empty activation cache for each path)")
    reference = time_brainscore_path(args.model, regions)
    ours = time_lcl_path(args.model, regions)
    print(f"first benchmark:  brainscore_vision {reference[0]:.1f} s, brainscore-lcl {ours[0]:.1f} s, "
          f"ratio {reference[0] / ours[0]:.1f}x")
    print(f"second benchmark: brainscore_vision {reference[1]:.1f} s, brainscore-lcl {ours[1]:.1f} s, "
          f"ratio {reference[1] / ours[1]:.1f}x")
    print(f"both:             ratio {sum(reference) / sum(ours):.1f}x")


if __name__ == "__main__":
    main()
