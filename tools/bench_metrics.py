"""Time the similarity-measure panel for one model against the same measures through Brain-Score's own classes, one by
one, in one run.

The model's activations for the recorded stimuli are extracted once (timed apart) and shared by both paths.
- panel: ``brainscore_lcl.metrics.measures.score_panel`` (every measure, its ceiling from the recordings' split
  halves, 200 bootstrap resamples over images and neurons), first with fresh recordings (ceilings computed: the first
  model on a data set), then again (ceilings made once per data set: every further model);
- baseline: each measure's raw value through Brain-Score's classes on the full activations, one by one: ``pls``
  (sklearn PLS), ``CrossRegressedCorrelation`` with ``ridge_cv_regression`` and with ``single_regression``,
  ``reverse_pls`` (on the same unit subset), ``cka``; RSA through rsatoolbox's objects (no Brain-Score class computes
  crossnobis RDMs) and Procrustes by its function (none in Brain-Score); plus Brain-Score's internal-consistency
  ceiling once. No bootstrap, no split-half ceilings: the baseline does less work than the panel.
Prints seconds (wall and this process's CPU) per measure and in total, the ratio baseline / panel, and the load
average before and after. Timings are measured, never asserted.
Usage: ``python tools/bench_metrics.py [--model lcl-v2] [--source sim] [--regions V1 V2] [--n-boot 200]``.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np

STRATIFIED = {"crossvalidation_kwargs": {"stratification_coord": "texture_type"}}


class Clock:
    """Wall and process-CPU seconds of a block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def baseline_metrics():
    """{measure: callable(source assembly, target assembly) -> value} through Brain-Score's classes."""
    import brainscore_vision.metrics.cka  # noqa: F401 (registers cka)
    import brainscore_vision.metrics.regression_correlation  # noqa: F401 (registers pls, reverse_pls, ...)
    from brainscore_vision import metric_registry
    from brainscore_vision.metrics.regression_correlation.metric import (
        CrossRegressedCorrelation,
        pearsonr_correlation,
        ridge_cv_regression,
    )

    return {
        "pls": metric_registry["pls"](**STRATIFIED),
        "ridge": CrossRegressedCorrelation(ridge_cv_regression(), pearsonr_correlation(), **STRATIFIED),
        "n2n": metric_registry["neuron_to_neuron"](**STRATIFIED),
        "reversepls": metric_registry["reverse_pls"](**STRATIFIED),
        "cka": metric_registry["cka"](),
    }


def rsatoolbox_rsa(units: np.ndarray, repetitions: np.ndarray) -> float:
    """RSA through rsatoolbox's own objects: crossnobis data RDM, Euclidean model RDM, Spearman."""
    from brainscore_lcl.metrics.rsa import import_rsatoolbox

    rsatoolbox = import_rsatoolbox()
    n_stimuli, n_repetitions, n_neurons = repetitions.shape
    data = rsatoolbox.data.Dataset(
        repetitions.reshape(-1, n_neurons),
        obs_descriptors={
            "stimulus": np.repeat(np.arange(n_stimuli), n_repetitions),
            "run": np.tile(np.arange(n_repetitions), n_stimuli),
        },
    )
    data_rdm = rsatoolbox.rdm.calc_rdm(data, method="crossnobis", descriptor="stimulus", cv_descriptor="run")
    model_rdm = rsatoolbox.rdm.calc_rdm(rsatoolbox.data.Dataset(units), method="euclidean")
    return float(rsatoolbox.rdm.compare(model_rdm, data_rdm, method="spearman")[0, 0])


def run_region(model, source: str, region: str, n_boot: int) -> dict:
    from brainscore_lcl.benchmarks.freemanziemba2013.measures import FreemanZiembaMeasure
    from brainscore_lcl.metrics.measure_names import MEASURES
    from brainscore_lcl.metrics.measures import (
        internal_consistency_of,
        neuroid_assembly,
        recordings_from_assemblies,
        score_panel,
        varying_unit_subset,
    )
    from brainscore_lcl.metrics.shape import procrustes_similarity

    benchmark = FreemanZiembaMeasure(source, region, metric="cka")
    recordings = benchmark.recordings()
    with Clock() as extraction:
        units = benchmark.model_units(model)
    timings = {"extraction": extraction}
    fresh = recordings_from_assemblies(recordings.averaged, benchmark.repetition_assembly())
    with Clock() as first:
        panel = score_panel(units, fresh, MEASURES, n_boot=n_boot)
    with Clock() as again:
        score_panel(units, fresh, MEASURES, n_boot=n_boot)
    timings |= {"panel (ceilings computed)": first, "panel (ceilings made before)": again}
    for name, clock in timings.items():
        print(f"  {region} {name:32s} wall {clock.wall:7.2f} s  cpu {clock.cpu:7.2f} s", flush=True)

    source_assembly = neuroid_assembly(units, recordings.stimulus_ids, recordings.strata, "unit")
    subset = neuroid_assembly(units[:, varying_unit_subset(units)], recordings.stimulus_ids, recordings.strata, "unit")
    target = recordings.averaged
    baseline, values = {}, {}
    metrics = baseline_metrics()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for measure in MEASURES:
            with Clock() as clock:
                if measure in metrics:
                    given = subset if measure == "reversepls" else source_assembly
                    values[measure] = float(metrics[measure](given, target).values)
                elif measure == "rsa":
                    values[measure] = rsatoolbox_rsa(units, recordings.repetitions)
                else:
                    values[measure] = procrustes_similarity(units, recordings.responses)
            baseline[measure] = clock
            print(f"  {region} baseline {measure:14s} wall {clock.wall:7.2f} s  cpu {clock.cpu:7.2f} s", flush=True)
        with Clock() as clock:
            internal_consistency_of(fresh)
        baseline["internal consistency"] = clock
    return {"timings": timings, "baseline": baseline, "panel": panel, "baseline_values": values, "units": units.shape}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="lcl-v2")
    parser.add_argument("--source", default="sim")
    parser.add_argument("--regions", nargs="+", default=["V1", "V2"])
    parser.add_argument("--n-boot", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("TQDM_DISABLE", "1")
    from brainscore_lcl.model_helpers.commitment import configure_activation_cache
    from brainscore_lcl.scoring import load_model

    configure_activation_cache()
    load_before = os.getloadavg()
    model = load_model(args.model)
    print(f"{args.model} on {args.source}; {os.cpu_count()} cores, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    totals = {"panel": [0.0, 0.0], "panel, ceilings made": [0.0, 0.0], "baseline": [0.0, 0.0]}
    for region in args.regions:
        result = run_region(model, args.source, region, args.n_boot)
        print(f"\n{region}: {result['units'][1]} units x {result['units'][0]} stimuli")
        for name, clock in result["timings"].items():
            print(f"  {name:32s} wall {clock.wall:7.2f} s  cpu {clock.cpu:7.2f} s")
        for name, clock in result["baseline"].items():
            shown = f"{result['baseline_values'][name]:.4f}" if name in result["baseline_values"] else ""
            panel_value = f"{result['panel'][name].raw:.4f}" if name in result["panel"] else ""
            print(
                f"  baseline {name:23s} wall {clock.wall:7.2f} s  cpu {clock.cpu:7.2f} s  value {shown} (panel "
                f"{panel_value})"
            )
        for key, clocks in (
            ("panel", [result["timings"]["panel (ceilings computed)"]]),
            ("panel, ceilings made", [result["timings"]["panel (ceilings made before)"]]),
            ("baseline", list(result["baseline"].values())),
        ):
            totals[key][0] += sum(clock.wall for clock in clocks)
            totals[key][1] += sum(clock.cpu for clock in clocks)
    print(f"\ntotal over {', '.join(args.regions)} (activations extracted once, not counted):")
    for key, (wall, cpu) in totals.items():
        print(f"  {key:22s} wall {wall:7.2f} s  cpu {cpu:7.2f} s")
    print(
        f"ratio baseline / panel: wall {totals['baseline'][0] / totals['panel'][0]:.2f}x, "
        f"cpu {totals['baseline'][1] / totals['panel'][1]:.2f}x; with ceilings made: wall "
        f"{totals['baseline'][0] / totals['panel, ceilings made'][0]:.2f}x, "
        f"cpu {totals['baseline'][1] / totals['panel, ceilings made'][1]:.2f}x"
    )
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
