"""Complexity-matched views: sizes, parameter ranges, and the device renderer against the PIL reference."""

import math

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.stats import ks_2samp

from brainscore_lcl.data.imagenet import IMAGENET_MEAN, IMAGENET_STD
from brainscore_lcl.training.augment import (
    adjust_hue,
    make_views_batched,
    make_views_pil,
    render_view_pil,
    render_views_batched,
    sample_pair_params,
    sample_view_params,
)
from brainscore_lcl.training.config import load_config


@pytest.fixture(scope="module")
def lcl_v2():
    return load_config("lcl-v2")


def smooth_images(n: int, size: int, seed: int = 0) -> torch.Tensor:
    """uint8 (n, size, size, 3) images of upsampled noise: smooth, so that resampling differences stay small."""
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, size // 8, size // 8, generator=generator)
    fine = torch.nn.functional.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False)
    return (fine.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).contiguous()


def test_view_sizes_per_stage(lcl_v2):
    stored = smooth_images(4, lcl_v2.store_size)
    views = make_views_batched(
        stored, [stage.view for stage in lcl_v2.stages], IMAGENET_MEAN, IMAGENET_STD, torch.Generator().manual_seed(0)
    )
    assert [tuple(view.shape) for pair in views for view in pair] == [(4, 3, 48, 48)] * 2 + [(4, 3, 96, 96)] * 2
    reference = make_views_pil(
        Image.fromarray(stored[0].numpy()),
        [stage.view for stage in lcl_v2.stages],
        IMAGENET_MEAN,
        IMAGENET_STD,
        torch.Generator().manual_seed(0),
    )
    assert [tuple(view.shape) for pair in reference for view in pair] == [(3, 48, 48)] * 2 + [(3, 96, 96)] * 2


@pytest.mark.parametrize("stage", [0, 1])
def test_parameter_ranges(lcl_v2, stage):
    view = lcl_v2.stages[stage].view
    n = 4000
    params_a, params_b = sample_pair_params(view, n, torch.Generator().manual_seed(1))
    side = view.center_crop
    for params in (params_a, params_b):
        x0, y0, width, height = params["box"].unbind(1)
        area = width * height / side**2
        assert area.min() >= view.scale[0] - 1e-9 and area.max() <= view.scale[1] + 1e-9
        ratio = width / height
        assert ratio.min() >= view.ratio[0] - 1e-9 and ratio.max() <= view.ratio[1] + 1e-9
        assert x0.min() >= 0 and (x0 + width).max() <= side and y0.min() >= 0 and (y0 + height).max() <= side
        jittered = params["brightness"] != 1.0
        assert abs(float(jittered.double().mean()) - view.jitter_probability) < 0.03
        assert params["brightness"].min() >= 1 - view.brightness and params["brightness"].max() <= 1 + view.brightness
        assert params["contrast"].min() >= 1 - view.contrast and params["contrast"].max() <= 1 + view.contrast
        assert abs(float(params["gray"].double().mean()) - view.grayscale_probability) < 0.03
        assert params["noise_sigma"].min() >= 0.04 and params["noise_sigma"].max() <= 0.1
        assert not params["flip"].any() and not params["blur"].any() and not params["solarize"].any()
    assert params_a["noise"].all() and not params_b["noise"].any()
    log_ratio = torch.log(params_a["box"][:, 2] / params_a["box"][:, 3])
    counts = torch.histc(log_ratio.float(), bins=4, min=math.log(0.9), max=math.log(1.1))
    assert counts.min() > 0.2 * n / 4, "aspect ratio should be log-uniform"


def test_disjoint_views_do_not_overlap(lcl_v2):
    view = load_config("ablation-layer1-scale", "disjoint").stages[0].view
    params_a, params_b = sample_pair_params(view, 500, torch.Generator().manual_seed(2))
    a, b = params_a["box"], params_b["box"]
    overlap_x = torch.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - torch.maximum(a[:, 0], b[:, 0])
    overlap_y = torch.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - torch.maximum(a[:, 1], b[:, 1])
    assert ((overlap_x <= 1e-9) | (overlap_y <= 1e-9)).all()


def test_no_random_crop_gives_the_whole_centre_crop():
    view = load_config("ablation-layer1-scale", "s0-none").stages[0].view
    box = sample_view_params(view, 10, 0, torch.Generator().manual_seed(0))["box"]
    assert torch.equal(box, torch.tensor([[0.0, 0.0, 56.0, 56.0]], dtype=torch.float64).expand(10, 4))


def _render_both(view, stored, params, n):
    patches = stored.permute(0, 3, 1, 2).float() / 255
    batched = render_views_batched(patches, view, params)
    generator = torch.Generator().manual_seed(0)
    reference = torch.stack(
        [render_view_pil(Image.fromarray(stored[i].numpy()), view, params, i, generator) for i in range(n)]
    )
    return batched, reference


@pytest.mark.parametrize("config_name", ["lcl-v2", "blockbarlow"])
def test_device_renderer_matches_pil_reference_given_the_same_parameters(config_name):
    config = load_config(config_name)
    view = config.stages[-1].view
    n = 24
    stored = smooth_images(n, view.center_crop, seed=3)
    params = sample_view_params(view, n, 1, torch.Generator().manual_seed(4))
    params["noise"][:] = False
    params["blur"][:] = False  # PIL's box-approximated blur differs in kernel; blur is tested on its own below
    batched, reference = _render_both(view, stored, params, n)
    difference = (batched - reference).abs()
    assert float(difference.mean()) < 0.01  # about 1/255: uint8 rounding of the PIL path
    assert float(difference.flatten(1).mean(1).max()) < 0.02


def test_views_match_the_reference_in_distribution(lcl_v2):
    """Per-view mean and standard deviation of 300 device and 300 PIL views (independent draws) agree (KS test)."""
    view = lcl_v2.stages[0].view
    n = 300
    stored = smooth_images(n, view.center_crop, seed=5)
    patches = stored.permute(0, 3, 1, 2).float() / 255
    batched = render_views_batched(
        patches,
        view,
        sample_view_params(view, n, 0, torch.Generator().manual_seed(6)),
        torch.Generator().manual_seed(7),
    )
    params = sample_view_params(view, n, 0, torch.Generator().manual_seed(8))
    generator = torch.Generator().manual_seed(9)
    reference = torch.stack(
        [render_view_pil(Image.fromarray(stored[i].numpy()), view, params, i, generator) for i in range(n)]
    )
    for statistic in (lambda x: x.mean(dim=(1, 2, 3)), lambda x: x.std(dim=(1, 2, 3))):
        assert ks_2samp(statistic(batched).numpy(), statistic(reference).numpy()).pvalue > 1e-3


def test_noise_has_the_drawn_standard_deviation(lcl_v2):
    view = lcl_v2.stages[0].view
    stored = torch.full((64, 56, 56, 3), 128, dtype=torch.uint8)
    params = sample_view_params(view, 64, 0, torch.Generator().manual_seed(0))
    params["brightness"][:] = 1.0
    params["contrast"][:] = 1.0
    patches = stored.permute(0, 3, 1, 2).float() / 255
    images = render_views_batched(patches, view, params, torch.Generator().manual_seed(1))
    measured = images.std(dim=(1, 2, 3)).double()
    assert torch.allclose(measured, params["noise_sigma"], rtol=0.05)


def test_hue_rotation_matches_torchvision():
    from torchvision.transforms.v2 import functional as TF

    images = torch.rand(3, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    shifts = torch.tensor([0.1, -0.05, 0.0])
    expected = torch.stack([TF.adjust_hue(image, float(shift)) for image, shift in zip(images, shifts)])
    assert torch.allclose(adjust_hue(images, shifts), expected, atol=1e-4)


def test_batched_blur_matches_torchvision():
    from torchvision.transforms.v2 import functional as TF

    from brainscore_lcl.training.augment import gaussian_blur

    images = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    sigmas = torch.tensor([0.5, 1.7])
    expected = torch.stack(
        [TF.gaussian_blur(image, [23, 23], [float(sigma)] * 2) for image, sigma in zip(images, sigmas)]
    )
    assert torch.allclose(gaussian_blur(images, sigmas, 23), expected, atol=1e-4)


def test_same_generator_seed_gives_same_views(lcl_v2):
    stored = smooth_images(4, 112)
    views = [stage.view for stage in lcl_v2.stages]
    first = make_views_batched(
        stored, views, IMAGENET_MEAN, IMAGENET_STD, torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    )
    second = make_views_batched(
        stored, views, IMAGENET_MEAN, IMAGENET_STD, torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    )
    assert all(torch.equal(a, b) for pair_1, pair_2 in zip(first, second) for a, b in zip(pair_1, pair_2))
    assert np.isfinite(first[0][0].numpy()).all()
