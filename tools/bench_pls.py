"""Time Brain-Score's ``pls`` metric against the kernel PLS metric on the same simulated assemblies.

For each feature count: one source assembly (images x features, float32 ReLU features of a latent with a power-law
spectrum, presentation coords ``stimulus_id`` and ``texture_type``) and two regions of neurons on the same stimuli.
Both metrics run 10 stratified splits (``stratification_coord='texture_type'``). Prints seconds, the speed-up on the
first region, the kernel metric's cost for the second region (Gram reused) and the max abs difference of the
per-split, per-neuron correlations. Timings are measured, never asserted.
Then times the whole ``brainscore score`` command (a fresh process, activations cached after the first benchmark of a
model) for each of ``--score-models`` on ``FreemanZiemba2013sim.V1-pls`` and ``.V2-pls``, once with the kernel PLS and
once with Brain-Score's (``--pls brainscore``).
Usage: ``python tools/bench_pls.py [--features 37632 150000] [--images 315] [--neurons 103] [--kernel-only]
[--score-models lcl-v2 v1-steerpyr-pool] [--no-score]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

STRATIFIED = dict(stratification_coord="texture_type")


def simulated_assemblies(n_images: int, n_features: int, n_neurons: int, seed: int = 0):
    """Source (presentation, neuroid) float32 and two target regions (V1, V2) on the same shuffled stimuli."""
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

    rng = np.random.default_rng(seed)
    latent = (rng.standard_normal((n_images, 128)) * np.arange(1, 129) ** -0.8).astype(np.float32)
    features = np.maximum(latent @ rng.standard_normal((128, n_features), dtype=np.float32) + 0.3, 0)
    features += 0.1 * rng.standard_normal(features.shape, dtype=np.float32)
    stimulus_ids = np.array([f"image{index:04d}" for index in range(n_images)])
    texture_types = np.where(np.arange(n_images) % 2 == 0, "noise", "texture")
    source = NeuroidAssembly(
        features,
        dims=["presentation", "neuroid"],
        coords={
            "stimulus_id": ("presentation", stimulus_ids),
            "texture_type": ("presentation", texture_types),
            "neuroid_id": ("neuroid", np.arange(n_features)),
        },
    )
    targets = []
    for region in ("V1", "V2"):
        rates = np.exp(0.5 * latent[:, :16] @ rng.standard_normal((16, n_neurons)))
        order = rng.permutation(n_images)
        targets.append(
            NeuroidAssembly(
                rng.poisson(5 * rates)[order] / 5.0,
                dims=["presentation", "neuroid"],
                coords={
                    "stimulus_id": ("presentation", stimulus_ids[order]),
                    "texture_type": ("presentation", texture_types[order]),
                    "neuroid_id": ("neuroid", [f"{region}-{index}" for index in range(n_neurons)]),
                    "region": ("neuroid", [region] * n_neurons),
                },
            )
        )
    return source, targets


def timed(metric, source, target):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        score = metric(source, target)
    return score, time.perf_counter() - start


def bench(n_images: int, n_features: int, n_neurons: int, kernel_only: bool) -> None:
    from brainscore_lcl.metrics.pls import pls_metric

    source, (first_region, second_region) = simulated_assemblies(n_images, n_features, n_neurons)
    kernel, kernel_seconds = timed(pls_metric("kernel", crossvalidation_kwargs=STRATIFIED), source, first_region)
    _, second_seconds = timed(pls_metric("kernel", crossvalidation_kwargs=STRATIFIED), source, second_region)
    print(
        f"{n_images} images x {n_features} features, {n_neurons} neurons, 10 splits:\n"
        f"  kernel pls      {kernel_seconds:8.2f} s   score {float(kernel):.6f}\n"
        f"  kernel pls, second region on the same stimuli (Gram reused) {second_seconds:.2f} s",
        flush=True,
    )
    if kernel_only:
        return
    reference, reference_seconds = timed(
        pls_metric("brainscore", crossvalidation_kwargs=STRATIFIED), source, first_region
    )
    difference = float(np.abs(kernel.raw.values - reference.raw.values).max())
    print(
        f"  brainscore pls  {reference_seconds:8.2f} s   score {float(reference):.6f}   "
        f"speed-up {reference_seconds / kernel_seconds:.1f}x\n"
        f"  max |r_kernel - r_brainscore| over splits and neurons: {difference:.2e}",
        flush=True,
    )


def time_score_command(model_id: str, kernel_only: bool) -> None:
    """Seconds of `brainscore score` for ``model_id`` on the simulated V1 then V2 benchmark, per PLS implementation,
    each implementation starting from an empty activation cache."""
    for implementation in ("kernel",) if kernel_only else ("kernel", "brainscore"):
        environment = {**os.environ, "RESULTCACHING_HOME": tempfile.mkdtemp(prefix="bench-pls-")}
        for region in ("V1", "V2"):
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "brainscore_lcl.cli",
                    "score",
                    "--model",
                    model_id,
                    "--benchmark",
                    f"FreemanZiemba2013sim.{region}-pls",
                    "--pls",
                    implementation,
                ],
                check=True,
                env=environment,
                capture_output=True,
            )
            print(
                f"  brainscore score --model {model_id} --benchmark FreemanZiemba2013sim.{region}-pls "
                f"--pls {implementation}: {time.perf_counter() - start:.1f} s",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, nargs="+", default=[37632, 150000])
    parser.add_argument("--images", type=int, default=315)
    parser.add_argument("--neurons", type=int, default=103)
    parser.add_argument("--kernel-only", action="store_true", help="skip Brain-Score's (minutes-long) pls metric")
    parser.add_argument("--score-models", nargs="+", default=["lcl-v2", "v1-steerpyr-pool"])
    parser.add_argument("--no-score", action="store_true", help="skip the `brainscore score` timings")
    args = parser.parse_args()
    for n_features in args.features:
        bench(args.images, n_features, args.neurons, args.kernel_only)
    if not args.no_score:
        print("brainscore score on the simulated data (fresh process each; V2 reuses the cached stimuli):")
        for model_id in args.score_models:
            time_score_command(model_id, args.kernel_only)


if __name__ == "__main__":
    main()
