"""Portilla-Simoncelli texture synthesis with plenoptic (``models.PortillaSimoncelli``, ``Metamer``).

Parameters (``PS_PARAMETERS``): 4 scales, 4 orientations, a 7 x 7 spatial neighbourhood, as in Freeman et al. (2013,
Methods) per this suite's design brief; the LCL paper does not restate them (its text, A.3.1, only says the stimuli are
Freeman et al.'s). They are also plenoptic 2.1.1's defaults, whose docstring says ``spatial_corr_width=7`` matches the
figures of Portilla & Simoncelli (2000). The pyramid halves the image ``n_scales`` times and the autocorrelation of the
coarsest (lowpass) band needs ``spatial_corr_width`` pixels, so an image needs a side of at least 7 * 2**4 = 112 px for
4 scales; below that (e.g. 64 px test stimuli) ``pyramid_scales`` drops to the most scales the size allows (3 at 64 px)
and ``stimuli.json`` records it.

Batching. A family's samples are synthesised together through plenoptic's own ``Metamer`` loop: the target is the
source repeated once per sample (batch, 1, size, size) and the loss is the sum over the batch of plenoptic's
``portilla_simoncelli_loss_factory`` loss of each image. With plenoptic's default optimiser (Adam, elementwise) and its
per-pixel range penalty, the sum makes the images independent: each one follows exactly the path it would follow alone,
so a batch of any size gives the same images (to floating point), which is what makes an interrupted run resumable
per image. Plenoptic's own factory loss on a batch would be the norm over the whole batch and couple the images.
Convergence stopping is off (a fixed number of iterations), for the same reason and for determinism.

Threads and batches. A family's samples are one batch on every device, with torch's own thread count (set it with
``torch.set_num_threads`` or ``OMP_NUM_THREADS``). Measured on this project's idle 2-core CPU with 2 threads and 15
samples (``python tools/bench_stimuli.py --size S``), one batch against plenoptic's loop one image at a time was x2.94
at 64 px, x2.02 at 128 px and x1.10 at 320 px, where a step is compute-bound (the FFTs, products and ``atan2`` of the
pyramid's bands); on a GPU, where one 320-px image leaves most of the device idle, the batch should gain more (not
measured here). Threads lose when the cores are already busy (the same bench under a load of ~7, 320 px, one image at
a time: 233 s with 2 threads against 21.5 s with 1): on a shared machine, set one thread and run families in separate
processes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from brainscore_lcl.errors import UsageError
from brainscore_lcl.stimuli.images import read_gray_image


@dataclass(frozen=True)
class PSParameters:
    """Portilla-Simoncelli model parameters: pyramid scales and orientations, autocorrelation width (px)."""

    n_scales: int = 4
    n_orientations: int = 4
    spatial_corr_width: int = 7

    def as_dict(self) -> dict[str, int]:
        """The parameters as a dict (``dataclasses.asdict``), as the stimuli's record stores them."""
        return asdict(self)


#: Freeman et al. (2013)'s parameters (module docstring)
PS_PARAMETERS = PSParameters()
#: side (px) of every stimulus is a multiple of this: the 4-scale pyramid halves it 4 times
SIZE_MULTIPLE = 2**PS_PARAMETERS.n_scales
#: the fewest scales accepted: at fewer, the model loses the cross-scale statistics that make a texture
MIN_SCALES = 3
#: the smallest --size: 3 scales with a 7-px neighbourhood need 7 * 2**3 = 56 px, rounded up to SIZE_MULTIPLE
MIN_SIZE = -(-PS_PARAMETERS.spatial_corr_width * 2**MIN_SCALES // SIZE_MULTIPLE) * SIZE_MULTIPLE
#: a source whose gray levels vary less than this (s.d., [0, 1] units: one 8-bit level) is flat
MIN_SOURCE_STD = 1.0 / 255
#: plenoptic's default Metamer optimiser (Adam, amsgrad) and its learning rate
LEARNING_RATE = 0.01


def pyramid_scales(size: int, parameters: PSParameters = PS_PARAMETERS) -> int:
    """The most scales (at most ``parameters.n_scales``) whose coarsest band still holds the autocorrelation window:
    size / 2**n >= spatial_corr_width."""
    scales = parameters.n_scales
    while scales > 1 and size / 2**scales < parameters.spatial_corr_width:
        scales -= 1
    return scales


def check_size(size: int) -> None:
    """``UsageError`` unless ``size`` (px) is a multiple of ``SIZE_MULTIPLE`` and at least ``MIN_SIZE``."""
    if size % SIZE_MULTIPLE or size < MIN_SIZE:
        raise UsageError(
            f"--size {size} cannot be analysed by the {PS_PARAMETERS.n_scales}-scale steerable pyramid: it must be a "
            f"multiple of {SIZE_MULTIPLE} px (the pyramid halves it {PS_PARAMETERS.n_scales} times) and at least "
            f"{MIN_SIZE} px; e.g. --size 320 (Freeman et al. 2013) or --size 64"
        )


def load_source(path: Path, size: int) -> np.ndarray:
    """The source image as Freeman et al.'s stimuli are: grayscale (``images.read_gray_image``: any bit depth to
    [0, 1]), the central square crop, downsampled (Lanczos, in float) to ``size`` px; float64 in [0, 1], shape
    (size, size). ``UsageError`` for an image whose shorter side is below ``size`` (no upsampling: an upsampled source
    lacks the fine scales' statistics) or that is flat (s.d. below ``MIN_SOURCE_STD``: it has no texture statistics,
    and the synthesis' normalised statistics divide by its zero variance); ``read_gray_image``'s errors for a file that
    is not a usable image."""
    pixels = read_gray_image(path, "--images file")
    height, width = pixels.shape
    side = min(width, height)
    if side < size:
        raise UsageError(
            f"image {path} is {width}x{height} px, smaller than the {size}x{size} px texture it should be the source "
            f"of (sources are cropped, never upsampled); choose --size {side // SIZE_MULTIPLE * SIZE_MULTIPLE} "
            "or lower, or a larger image"
            if side >= MIN_SIZE
            else f"image {path} is {width}x{height} px, smaller than the {MIN_SIZE} px the steerable pyramid needs; "
            f"use images of at least {MIN_SIZE}x{MIN_SIZE} px"
        )
    left, top = (width - side) // 2, (height - side) // 2
    square = pixels[top : top + side, left : left + side]
    if side != size:
        resized = Image.fromarray(square.astype(np.float32), mode="F").resize((size, size), Image.Resampling.LANCZOS)
        square = np.clip(np.asarray(resized, dtype=np.float64), 0.0, 1.0)
    if square.std() < MIN_SOURCE_STD:
        raise UsageError(
            f"image {path} is flat (gray-level s.d. {square.std() * 255:.2f} of 255 after cropping to {size} px): it "
            "has no texture to synthesise; remove it from the --images folder"
        )
    return square


def ps_model(size: int, parameters: PSParameters = PS_PARAMETERS, device: str = "cpu"):
    """plenoptic's ``PortillaSimoncelli`` for (size, size) images, ``pyramid_scales(size)`` scales, on ``device``."""
    import plenoptic

    return plenoptic.models.PortillaSimoncelli(
        (size, size),
        n_scales=pyramid_scales(size, parameters),
        n_orientations=parameters.n_orientations,
        spatial_corr_width=parameters.spatial_corr_width,
    ).to(device)


def per_image_loss(model, source):
    """Loss of a batch: the sum over images of plenoptic's Portilla-Simoncelli loss (its factory's weights: min/max
    pixel statistics off, highpass variance x 100) of each image against its target; ``source`` (1, 1, size, size)."""
    import plenoptic

    single = plenoptic.loss.portilla_simoncelli_loss_factory(model, source)

    def loss(representation, target):
        return sum(single(representation[index : index + 1], target[index : index + 1]) for index in range(len(target)))

    return loss


def _as_tensor(images: np.ndarray, device: str):
    import torch

    return torch.as_tensor(np.asarray(images), dtype=torch.float32, device=device)[:, None]


def relative_ps_error(images: np.ndarray, source: np.ndarray, model, device: str = "cpu") -> np.ndarray:
    """Relative error of each image's Portilla-Simoncelli representation against the source's, in the loss's
    weighting: loss(image, source) / loss(0, source); images (n, size, size), source (size, size) -> (n,)."""
    import torch

    with torch.no_grad():
        target = _as_tensor(source[None], device)
        loss = per_image_loss(model, target)
        reference = model(target)
        scale = float(loss(torch.zeros_like(reference), reference))
        representations = model(_as_tensor(images, device))
        return np.array([float(loss(representations[i : i + 1], reference)) / scale for i in range(len(images))])


def initial_images(seeds: list[int], size: int) -> np.ndarray:
    """Plenoptic's default starting point (uniform noise in [0, 1]), one image per seed: (len(seeds), size, size)."""
    return np.stack([np.random.default_rng(seed).random((size, size)) for seed in seeds])


def synthesize_textures(
    source: np.ndarray,
    seeds: list[int],
    iterations: int,
    parameters: PSParameters = PS_PARAMETERS,
    device: str = "cpu",
) -> tuple[np.ndarray, np.ndarray]:
    """Textures matching ``source``'s Portilla-Simoncelli statistics, one per seed, synthesised as one batch through
    plenoptic's ``Metamer`` (module docstring) for ``iterations`` steps, with plenoptic's progress bar.

    source: (size, size) in [0, 1]. Returns the textures clipped to [0, 1], float64 (n, size, size), and each one's
    final loss (n,).
    """
    import warnings

    import plenoptic
    import torch

    size = source.shape[-1]
    model = ps_model(size, parameters, device)
    target = _as_tensor(source[None], device)
    loss = per_image_loss(model, target)
    metamer = plenoptic.Metamer(target.repeat(len(seeds), 1, 1, 1), model, loss_function=loss)
    metamer.setup(
        initial_image=_as_tensor(initial_images(seeds, size), device),
        optimizer=torch.optim.Adam,
        optimizer_kwargs={"lr": LEARNING_RATE, "amsgrad": True},
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Loss has converged", category=UserWarning)
        metamer.synthesize(max_iter=iterations, stop_criterion=-1.0)
    with torch.no_grad():
        result = metamer.metamer.detach()
        representation, reference = model(result), model(target)
        single = plenoptic.loss.portilla_simoncelli_loss_factory(model, target)
        losses = np.array([float(single(representation[i : i + 1], reference)) for i in range(len(seeds))])
    return np.clip(result[:, 0].double().cpu().numpy(), 0.0, 1.0), losses
