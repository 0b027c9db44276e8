"""Speed of the behavioural benchmarks (issue 11, item 7), each printed as a ratio against a baseline in this process.

1. Decisions of a model the size of LCL-V2Net (random weights, saved as a stand-in checkpoint and loaded through the
   ``lcl-v2net`` plugin) for every local stimulus (cue-conflict 1280, edge 160, silhouette 160), from an empty
   activations cache, through ``model_decisions`` (the logits read through Brain-Score's activations model, all
   stimuli in one pass, at full field, decided by the stable log-softmax rule). Baseline:
   brainscore_vision's ``Geirhos2021`` flow on the same stimuli and model (``place_on_screen`` at 3 degrees, then
   ``LabelBehavior``), also from an empty cache, on ``--baseline-datasets`` (edge and silhouette by default, to keep
   the run short), compared per stimulus. The target is under 60 s on 2 CPU cores; wall time depends on what
   else runs on the machine, so CPU time (all threads) is printed too.
2. The human-human error consistency of every data set: ``human_consistency`` (vectorised) against brainscore_vision's
   ``ErrorConsistency.ceiling`` (a loop over pairs of observers on xarray assemblies), same values.

    python tools/bench_behaviour.py [--threads 2] [--datasets ...] [--baseline-datasets ...] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path


def timed(function, *args, **kwargs):
    """(result, wall seconds, process CPU seconds) of ``function(*args, **kwargs)``."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def stand_in_lcl_v2net(folder: Path):
    """The ``lcl-v2net`` plugin's model with random weights (seed 0), from a stand-in checkpoint in ``folder``."""
    from brainscore_lcl.models.lcl_v2net.model import get_model, save_network_checkpoint
    from brainscore_lcl.testing import random_lcl_v2net

    checkpoint = folder / "lcl-v2net-random.pt"
    save_network_checkpoint(checkpoint, random_lcl_v2net(), config={}, data="random weights (bench)", epoch=0)
    return get_model(checkpoint)


def brainscore_geirhos2021_flow(model, dataset: str):
    """What brainscore_vision's Geirhos2021 benchmarks do with a model: stimuli placed at 3 of its degrees, then the
    16-category label task."""
    from brainscore_vision.benchmark_helpers.screen import place_on_screen
    from brainscore_vision.model_interface import BrainModel

    from brainscore_lcl.data.geirhos import stimulus_set
    from brainscore_lcl.metrics.behaviour import CATEGORIES

    stimuli = place_on_screen(
        stimulus_set([dataset]), target_visual_degrees=model.visual_degrees(), source_visual_degrees=3
    )
    model.start_task(BrainModel.Task.label, list(CATEGORIES))
    return model.look_at(stimuli, number_of_trials=1)


def human_assembly(humans):
    """Brain-Score ``BehavioralAssembly`` of a data set's human decisions (for its error-consistency metric)."""
    import numpy as np
    from brainscore_core.supported_data_standards.brainio.assemblies import BehavioralAssembly

    n_observers, n_stimuli = humans.responses.shape
    return BehavioralAssembly(
        humans.responses.reshape(-1),
        coords={
            "stimulus_id": ("presentation", np.tile(humans.stimuli, n_observers)),
            "truth": ("presentation", np.tile(humans.category, n_observers)),
            "condition": ("presentation", np.tile(humans.condition, n_observers)),
            "subject": ("presentation", np.repeat(humans.subjects, n_stimuli)),
        },
        dims=["presentation"],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the target is for 2 CPU cores)")
    parser.add_argument("--datasets", nargs="+", default=["cue-conflict", "edge", "silhouette"])
    parser.add_argument("--baseline-datasets", nargs="+", default=["edge", "silhouette"])
    parser.add_argument("--skip-baseline", action="store_true", help="time only this suite's decisions")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="bench_behaviour_"))
    os.environ["RESULTCACHING_HOME"] = str(scratch / "result_caching")
    os.environ["BRAINSCORE_LCL_CACHE"] = str(scratch / "cache")
    import numpy as np
    import torch
    from brainscore_vision.metrics.error_consistency.metric import ErrorConsistency

    from brainscore_lcl.benchmarks.geirhos2019local.benchmark import model_decisions
    from brainscore_lcl.data.geirhos import human_trials
    from brainscore_lcl.metrics.behaviour import human_consistency

    torch.set_num_threads(args.threads)
    print(
        f"torch {torch.__version__}, {args.threads} threads, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}, python {platform.python_version()}; scratch cache {scratch}"
    )

    model = stand_in_lcl_v2net(scratch)
    parameters = sum(parameter.numel() for parameter in model.activations_model._model.parameters())
    decisions, ours_wall, ours_cpu = timed(model_decisions, model, args.datasets)
    n_stimuli = sum(len(frame) for frame in decisions.values())
    print(
        f"1. LCL-V2Net-sized model ({parameters / 1e6:.1f} M parameters), {n_stimuli} stimuli: {ours_wall:.1f} s wall "
        f"({n_stimuli / ours_wall:.1f} images/s), {ours_cpu:.1f} s CPU = {ours_cpu / args.threads:.1f} s on "
        f"{args.threads} idle cores"
    )
    if n_stimuli >= 1600:
        print(
            f"   target (1,600 stimuli in < 60 s): {'met' if ours_wall < 60 else 'NOT met'} in wall time at load "
            f"{os.getloadavg()[0]:.1f}, {'met' if ours_cpu / args.threads < 60 else 'NOT met'} in CPU time"
        )
    if not args.skip_baseline:
        os.environ["RESULTCACHING_HOME"] = str(scratch / "result_caching_baseline")
        baseline = stand_in_lcl_v2net(scratch)
        base_wall = base_cpu = 0.0
        base_stimuli = 0
        for dataset in args.baseline_datasets:
            choices, wall, cpu = timed(brainscore_geirhos2021_flow, baseline, dataset)
            base_wall, base_cpu, base_stimuli = (
                base_wall + wall,
                base_cpu + cpu,
                base_stimuli + choices.sizes["presentation"],
            )
        ours_per, base_per = ours_cpu / n_stimuli, base_cpu / base_stimuli
        print(
            f"   baseline brainscore_vision Geirhos2021 flow on {base_stimuli} stimuli: {base_wall:.1f} s wall, "
            f"{base_cpu:.1f} s CPU = {1e3 * base_per:.0f} ms CPU per stimulus against our {1e3 * ours_per:.0f}: "
            f"ratio baseline / ours {base_per / ours_per:.2f}"
        )

    metric = ErrorConsistency()
    for dataset in args.datasets:
        humans = human_trials(dataset)
        ours, wall, _ = timed(human_consistency, humans.responses == humans.category, humans.condition)
        theirs, base_wall, _ = timed(metric.ceiling, human_assembly(humans))
        agree = np.isclose(ours.ceiling_error, float(theirs.values), atol=1e-12)
        print(
            f"2. human-human error consistency {dataset:<13} ours {ours.ceiling_error:.4f} in {wall * 1e3:.1f} ms, "
            f"brainscore_vision {float(theirs.values):.4f} in {base_wall:.1f} s: ratio {base_wall / wall:.0f}x, "
            f"{'same value' if agree else 'VALUES DIFFER'}"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
