"""Time Portilla-Simoncelli texture synthesis: one family's samples as one batch (``synthesize_textures``, the path of
``brainscore stimuli make``) against one image at a time through plenoptic's default ``Metamer`` loop, in one run.

The baseline is what a plenoptic user writes: ``Metamer(source, model, loss_function=portilla_simoncelli_loss_factory
(model, source))``, plenoptic's default optimiser (Adam, lr 0.01, amsgrad), ``synthesize(max_iter)``, once per sample.
Both use torch's thread count (``--threads``, default torch's own), so the ratio is the gain from batching alone.
Both start from the same images, so the batched textures must equal the baseline's up to float rounding: the
largest pixel difference is printed. Prints images/s (at ``--iterations`` steps), the ratios, the load average, and an
extrapolation (stated as such) of 15 families x 15 samples x (texture + noise) at ``--size`` with ``--full-iterations``
steps from the batched seconds per image-step measured here. Timings are measured, never asserted.

Usage: ``python tools/bench_stimuli.py [--size 320] [--samples 15] [--iterations 10] [--device cpu|cuda]
[--threads N] [--full-iterations 1000]``.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np


def structured_source(size: int, seed: int = 0) -> np.ndarray:
    """A texture-like source in [0, 1], (size, size): oriented gratings gated by a smooth random field."""
    rng = np.random.default_rng(seed)
    rows, columns = np.mgrid[0:size, 0:size] / size
    field = np.real(np.fft.ifft2(np.fft.fft2(rng.standard_normal((size, size))) * np.exp(-((rows * 30) ** 2))))
    image = 0.5 + 0.1 * field / np.abs(field).max()
    for angle, frequency in ((0.3, 20), (1.9, 33)):
        grating = np.sin(2 * np.pi * frequency * (np.cos(angle) * columns + np.sin(angle) * rows))
        image += 0.15 * grating * (field > 0)
    return np.clip(image, 0, 1)


def one_at_a_time(source: np.ndarray, seeds: list[int], iterations: int, device: str) -> tuple[float, np.ndarray]:
    """Seconds and textures (n, size, size) of plenoptic's default loop, one Metamer per sample."""
    import plenoptic
    import torch

    from brainscore_lcl.stimuli.synthesis import initial_images, ps_model

    model = ps_model(source.shape[-1], device=device)
    target = torch.as_tensor(source, dtype=torch.float32, device=device)[None, None]
    starts = initial_images(seeds, source.shape[-1])
    results = []
    began = time.perf_counter()
    for start in starts:
        metamer = plenoptic.Metamer(
            target, model, loss_function=plenoptic.loss.portilla_simoncelli_loss_factory(model, target)
        )
        metamer.setup(initial_image=torch.as_tensor(start, dtype=torch.float32, device=device)[None, None])
        metamer.synthesize(max_iter=iterations, stop_criterion=-1.0)
        results.append(metamer.metamer.detach()[0, 0].double().clamp(0, 1).cpu().numpy())
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - began, np.stack(results)


def batched(source: np.ndarray, seeds: list[int], iterations: int, device: str) -> tuple[float, np.ndarray]:
    """Seconds and textures of ``synthesize_textures``, all ``seeds`` in one batch."""
    import torch

    from brainscore_lcl.stimuli.synthesis import synthesize_textures

    began = time.perf_counter()
    textures, _ = synthesize_textures(source, seeds, iterations, device=device)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - began, textures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own)")
    parser.add_argument("--full-iterations", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault("TQDM_DISABLE", "1")
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    source = structured_source(args.size)
    seeds = list(range(args.samples))
    batched(source, seeds[:1], 2, args.device)  # warm-up: imports, FFT plans
    baseline_seconds, baseline = one_at_a_time(source, seeds, args.iterations, args.device)
    batched_seconds, textures = batched(source, seeds, args.iterations, args.device)
    print(
        f"{args.size} px, {args.samples} samples, {args.iterations} steps, device {args.device}, "
        f"{torch.get_num_threads()} torch thread(s), load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for name, seconds in (
        ("one at a time, plenoptic default loop", baseline_seconds),
        (f"synthesize_textures, one batch of {args.samples}", batched_seconds),
    ):
        print(
            f"  {name:40s} {seconds:8.1f} s  {args.samples / seconds:7.3f} images/s  "
            f"x{baseline_seconds / seconds:.2f} against the first row"
        )
    print(f"  largest |one batch - one at a time| pixel difference: {np.abs(textures - baseline).max():.2e}")
    per_image_step = batched_seconds / (args.samples * args.iterations)
    full_images = 15 * 15
    hours = per_image_step * full_images * args.full_iterations / 3600
    print(
        f"extrapolated (not measured end to end): 15 families x 15 samples at {args.size} px, "
        f"{args.full_iterations} steps: {full_images} textures x {per_image_step:.3f} s per image-step = "
        f"{hours:.1f} h of synthesis on this {args.device}, at the speed of batches of {args.samples} "
        "(noise images take milliseconds)"
    )


if __name__ == "__main__":
    main()
