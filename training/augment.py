"""Complexity-matched views (Appendix A.2): the same parameter draws rendered two ways.

``sample_view_params`` draws every random number of a view (crop box, flip, jitter factors, grey, blur, solarize,
noise sigma) for a batch from a ``torch.Generator``. ``render_views_batched`` applies them to a batch of uint8 centre
crops on any device with vectorised tensor ops (``affine_grid`` + ``grid_sample`` for the per-sample
RandomResizedCrop); ``render_view_pil`` applies one sample's parameters with PIL (the plain reference pipeline).
Both return float images (3, p, p) in [0, 1] plus noise, before normalisation (``normalize``).

Differences from torchvision's transforms, the same in both renderers: the RandomResizedCrop box is continuous and,
when it does not fit, is clipped to the image instead of being re-drawn (with the LCL scale <= 0.9 and ratio in
[0.9, 1.1] it always fits); brightness and contrast are applied in a random order, saturation and hue after them.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from PIL import Image, ImageFilter, ImageOps
from torch.nn import functional as F
from torchvision.transforms import functional as TF

from brainscore_lcl.training.config import ViewSpec

GRAY_WEIGHTS = (0.299, 0.587, 0.114)


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=generator, dtype=torch.float64)


def _bernoulli(n: int, probability: float, generator: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=generator, dtype=torch.float64) < probability


def sample_crop_boxes(
    view: ViewSpec, n: int, which: int, generator: torch.Generator, quadrants: torch.Tensor | None = None
) -> torch.Tensor:
    """Crop boxes (n, 4) = (x0, y0, width, height) in pixels of the (center_crop x center_crop) patch.

    Area fraction ~ U(scale), aspect ratio log-uniform in ``ratio``; position uniform. With ``disjoint`` the box lies in
    quadrant ``quadrants`` (view A) or the diagonally opposite one (view B). Without ``random_crop`` the box is the
    whole region (no spatial deformation).
    """
    side = float(view.center_crop)
    region = side / 2 if view.disjoint else side
    if view.disjoint:
        quadrant = quadrants if which == 0 else 3 - quadrants
        region_x, region_y = (quadrant % 2).double() * region, (quadrant // 2).double() * region
    else:
        region_x = region_y = torch.zeros(n, dtype=torch.float64)
    if not view.random_crop:
        full = torch.full((n,), region, dtype=torch.float64)
        return torch.stack([region_x, region_y, full, full], dim=1)
    area = _uniform(n, *view.scale, generator) * region * region
    log_ratio = _uniform(n, math.log(view.ratio[0]), math.log(view.ratio[1]), generator)
    width = torch.sqrt(area * torch.exp(log_ratio)).clamp(max=region)
    height = torch.sqrt(area / torch.exp(log_ratio)).clamp(max=region)
    x0 = region_x + torch.rand(n, generator=generator, dtype=torch.float64) * (region - width)
    y0 = region_y + torch.rand(n, generator=generator, dtype=torch.float64) * (region - height)
    return torch.stack([x0, y0, width, height], dim=1)


def sample_view_params(
    view: ViewSpec, n: int, which: int, generator: torch.Generator, quadrants: torch.Tensor | None = None
) -> dict[str, torch.Tensor]:
    """Every random parameter of ``n`` views (``which`` = 0 for view A, 1 for view B), as float64/bool CPU tensors."""
    jitter = _bernoulli(n, view.jitter_probability, generator)

    def factor(strength: float) -> torch.Tensor:
        return torch.where(jitter, _uniform(n, max(0.0, 1 - strength), 1 + strength, generator), 1.0)

    return {
        "box": sample_crop_boxes(view, n, which, generator, quadrants),
        "flip": _bernoulli(n, view.flip_probability, generator),
        "brightness": factor(view.brightness),
        "contrast": factor(view.contrast),
        "saturation": factor(view.saturation),
        "hue": torch.where(jitter, _uniform(n, -view.hue, view.hue, generator), 0.0),
        "contrast_first": _bernoulli(n, 0.5, generator),
        "gray": _bernoulli(n, view.grayscale_probability, generator),
        "blur": _bernoulli(n, view.blur_probability[which], generator),
        "blur_sigma": _uniform(n, *view.blur_sigma, generator),
        "solarize": _bernoulli(n, view.solarize_probability[which], generator),
        "noise": _bernoulli(n, view.noise_probability[which], generator),
        "noise_sigma": _uniform(n, *view.noise_sigma, generator),
    }


def sample_pair_params(view: ViewSpec, n: int, generator: torch.Generator) -> tuple[dict, dict]:
    """Parameters of views A and B for ``n`` images (sharing the quadrant draw of disjoint crops)."""
    quadrants = torch.randint(0, 4, (n,), generator=generator)
    return (sample_view_params(view, n, 0, generator, quadrants), sample_view_params(view, n, 1, generator, quadrants))


def grayscale(images: torch.Tensor) -> torch.Tensor:
    """Luma (ITU-R 601) of (n, 3, h, w) images, shape (n, 1, h, w)."""
    weights = images.new_tensor(GRAY_WEIGHTS).view(1, 3, 1, 1)
    return (images * weights).sum(dim=1, keepdim=True)


def _per_sample(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return values.to(device=like.device, dtype=like.dtype).view(-1, 1, 1, 1)


def adjust_hue(images: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Rotate the HSV hue of (n, 3, h, w) images in [0, 1] by ``shift`` (n,) turns."""
    red, green, blue = images.unbind(dim=1)
    value, _ = images.max(dim=1)
    delta = value - images.min(dim=1).values
    saturation = delta / value.clamp_min(1e-8)
    safe_delta = delta.clamp_min(1e-8)
    hue = torch.where(
        value == red,
        (green - blue) / safe_delta,
        torch.where(value == green, 2.0 + (blue - red) / safe_delta, 4.0 + (red - green) / safe_delta),
    )
    hue = torch.where(delta > 0, hue / 6.0, torch.zeros_like(hue))
    hue = torch.remainder(hue + shift.to(images).view(-1, 1, 1), 1.0)
    sector = torch.floor(hue * 6.0)
    fraction = hue * 6.0 - sector
    p = value * (1 - saturation)
    q = value * (1 - saturation * fraction)
    t = value * (1 - saturation * (1 - fraction))
    sector = sector.long() % 6
    choices = torch.stack(
        [
            torch.stack(item, dim=0)
            for item in ((value, t, p), (q, value, p), (p, value, t), (p, q, value), (t, p, value), (value, p, q))
        ]
    )
    index = sector[None, None].expand(1, 3, *sector.shape)
    return torch.gather(choices, 0, index)[0].permute(1, 0, 2, 3)


def gaussian_blur(images: torch.Tensor, sigma: torch.Tensor, kernel_size: int) -> torch.Tensor:
    """Blur each image of (n, c, h, w) with its own Gaussian standard deviation ``sigma`` (n,) in pixels."""
    n, channels, height, width = images.shape
    offsets = torch.arange(kernel_size, device=images.device, dtype=images.dtype) - kernel_size // 2
    kernel = torch.exp(-(offsets[None] ** 2) / (2 * sigma.to(images).view(-1, 1) ** 2))
    kernel = (kernel / kernel.sum(dim=1, keepdim=True)).repeat_interleave(channels, dim=0)
    pad = kernel_size // 2
    groups = n * channels
    flat = images.reshape(1, groups, height, width)
    flat = F.conv2d(F.pad(flat, (pad, pad, 0, 0), mode="reflect"), kernel.view(-1, 1, 1, kernel_size), groups=groups)
    flat = F.conv2d(F.pad(flat, (0, 0, pad, pad), mode="reflect"), kernel.view(-1, 1, kernel_size, 1), groups=groups)
    return flat.view(n, channels, height, width)


def _brightness(images: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    return (images * _per_sample(factor, images)).clamp(0, 1)


def _contrast(images: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    mean = grayscale(images).mean(dim=(1, 2, 3), keepdim=True)
    factor = _per_sample(factor, images)
    return (factor * images + (1 - factor) * mean).clamp(0, 1)


def render_views_batched(
    patches: torch.Tensor,
    view: ViewSpec,
    params: dict[str, torch.Tensor],
    noise_generator: torch.Generator | None = None,
    first_row: int = 0,
) -> torch.Tensor:
    """Views (n, 3, p, p) in [0, 1] (+ noise) from float centre crops ``patches`` (n, 3, C, C) in [0, 1].

    ``params`` may describe a larger batch (the global batch of several processes) whose rows ``first_row`` to
    ``first_row + n`` are ``patches``: the noise is then drawn for the whole batch, so every row's views are those it
    would get in the whole batch.
    """
    n, _, side, _ = patches.shape
    batch_params, rows = params, slice(first_row, first_row + n)
    params = {name: values[rows] for name, values in batch_params.items()}
    box = params["box"].to(device=patches.device, dtype=patches.dtype)
    x0, y0, width, height = box.unbind(dim=1)
    flip = torch.where(params["flip"].to(patches.device), -1.0, 1.0).to(patches.dtype)
    theta = torch.zeros(n, 2, 3, device=patches.device, dtype=patches.dtype)
    theta[:, 0, 0] = width / side * flip
    theta[:, 0, 2] = (2 * x0 + width) / side - 1
    theta[:, 1, 1] = height / side
    theta[:, 1, 2] = (2 * y0 + height) / side - 1
    size = view.output_size
    grid = F.affine_grid(theta, [n, 3, size, size], align_corners=False)
    images = F.grid_sample(patches, grid, mode=view.interpolation, padding_mode="border", align_corners=False)
    images = images.clamp(0, 1)
    contrast_first = _per_sample(params["contrast_first"], images).bool()
    images = torch.where(
        contrast_first,
        _brightness(_contrast(images, params["contrast"]), params["brightness"]),
        _contrast(_brightness(images, params["brightness"]), params["contrast"]),
    )
    if view.saturation > 0:
        factor = _per_sample(params["saturation"], images)
        images = (factor * images + (1 - factor) * grayscale(images)).clamp(0, 1)
    if view.hue > 0:
        images = adjust_hue(images, params["hue"])
    images = torch.where(_per_sample(params["gray"], images).bool(), grayscale(images).expand_as(images), images)
    if params["blur"].any():
        blurred = gaussian_blur(images, params["blur_sigma"], view.blur_kernel)
        images = torch.where(_per_sample(params["blur"], images).bool(), blurred, images)
    images = torch.where(_per_sample(params["solarize"], images).bool() & (images >= 0.5), 1 - images, images)
    if batch_params["noise"].any():
        noise = torch.randn(
            (batch_params["noise"].shape[0], *images.shape[1:]),
            generator=noise_generator,
            device=images.device,
            dtype=images.dtype,
        )[rows]
        sigma = _per_sample(params["noise_sigma"] * params["noise"], images)
        images = images + sigma * noise
    return images


def normalize(images: torch.Tensor, mean: tuple[float, ...], std: tuple[float, ...]) -> torch.Tensor:
    """(images - mean) / std per channel for (n, 3, h, w) images."""
    return (images - images.new_tensor(mean).view(1, 3, 1, 1)) / images.new_tensor(std).view(1, 3, 1, 1)


def center_patches(stored: torch.Tensor, crop: int) -> torch.Tensor:
    """Float (n, 3, crop, crop) in [0, 1] from the centre of uint8 (n, S, S, 3) stored crops (channels-last memory)."""
    side = stored.shape[1]
    start = (side - crop) // 2
    patch = stored[:, start : start + crop, start : start + crop, :]
    return patch.permute(0, 3, 1, 2).float().div_(255.0)


def make_views_batched(
    stored: torch.Tensor,
    views: list[ViewSpec],
    mean: tuple[float, ...],
    std: tuple[float, ...],
    generator: torch.Generator,
    noise_generator: torch.Generator | None = None,
    first_row: int = 0,
    batch_size: int | None = None,
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Normalised view pairs [(A, B)] per stage for a uint8 batch (n, S, S, 3) on any device.

    The random numbers are drawn for a batch of ``batch_size`` images (default n) of which ``stored`` holds rows
    ``first_row`` to ``first_row + n``: a process's shard of a global batch gets the views the whole batch would.
    """
    pairs = []
    for view in views:
        patches = center_patches(stored, view.center_crop)
        params_a, params_b = sample_pair_params(view, batch_size or stored.shape[0], generator)
        pair = tuple(
            normalize(render_views_batched(patches, view, params, noise_generator, first_row), mean, std)
            for params in (params_a, params_b)
        )
        pairs.append(pair)
    return pairs


def render_view_pil(
    patch: Image.Image, view: ViewSpec, params: dict[str, torch.Tensor], index: int, generator: torch.Generator
) -> torch.Tensor:
    """One view (3, p, p) in [0, 1] (+ noise) from an RGB PIL centre crop, with sample ``index`` of ``params``."""
    x0, y0, width, height = params["box"][index].tolist()
    resample = Image.Resampling.BILINEAR if view.interpolation == "bilinear" else Image.Resampling.BICUBIC
    image = patch.resize((view.output_size, view.output_size), resample=resample, box=(x0, y0, x0 + width, y0 + height))
    if params["flip"][index]:
        image = ImageOps.mirror(image)
    steps = [("brightness", TF.adjust_brightness), ("contrast", TF.adjust_contrast)]
    if params["contrast_first"][index]:
        steps.reverse()
    for name, operation in steps:
        image = operation(image, float(params[name][index]))
    if view.saturation > 0:
        image = TF.adjust_saturation(image, float(params["saturation"][index]))
    if view.hue > 0:
        image = TF.adjust_hue(image, float(params["hue"][index]))
    if params["gray"][index]:
        image = TF.rgb_to_grayscale(image, num_output_channels=3)
    if params["blur"][index]:
        image = image.filter(ImageFilter.GaussianBlur(radius=float(params["blur_sigma"][index])))
    if params["solarize"][index]:
        image = ImageOps.solarize(image, threshold=128)
    tensor = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0).permute(2, 0, 1).contiguous()
    if params["noise"][index]:
        tensor = tensor + float(params["noise_sigma"][index]) * torch.randn(tensor.shape, generator=generator)
    return tensor


def pil_center_crop(image: Image.Image, crop: int) -> Image.Image:
    """The centre ``crop`` x ``crop`` patch of ``image``."""
    left, top = (image.width - crop) // 2, (image.height - crop) // 2
    return image.crop((left, top, left + crop, top + crop))


def make_views_pil(
    image: Image.Image,
    views: list[ViewSpec],
    mean: tuple[float, ...],
    std: tuple[float, ...],
    generator: torch.Generator,
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Normalised view pairs [(A, B)] per stage, each (3, p, p), for one resized RGB image (reference pipeline)."""
    pairs = []
    for view in views:
        patch = pil_center_crop(image, view.center_crop)
        params_a, params_b = sample_pair_params(view, 1, generator)
        pair = tuple(
            normalize(render_view_pil(patch, view, params, 0, generator)[None], mean, std)[0]
            for params in (params_a, params_b)
        )
        pairs.append(pair)
    return pairs
