"""Planted networks for the texture experiment (``brainscore texmod --model-file tests/planted_texmod_nets.py:build``).

``build`` / ``energy_network``: a pure energy model: the image in gray, the fixed quadrature pairs of zero-mean Gabor
filters of ``brainscore_lcl.stimuli.energy`` (4 orientations, 2 scales), each pair squared and summed (local energy),
averaged over 32-px windows every 16 px (``build_global``: over the whole image). Its units see only the energy of
what falls in their window: on a texture and its noise it differs only by where each sample's energy falls.

``brightness_network``: units that count bright pixels (gray level above 0.8-0.95): they respond to textures whose
marginal has a bright tail that their spectrally matched noise (Gaussian marginal) lacks.
"""

from __future__ import annotations

import torch

from brainscore_lcl.stimuli.energy import KERNEL, gabor_pairs

#: ImageNet normalisation that the suite's default preprocessing applies (per RGB channel)
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
#: pooling window and stride of the energy network (px at the input)
POOL, POOL_STRIDE = 32, 16


def gray_layer() -> torch.nn.Conv2d:
    """1x1 convolution: ImageNet-normalised RGB -> gray level in [0, 1] (the mean of the un-normalised channels)."""
    layer = torch.nn.Conv2d(3, 1, 1)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([s / 3 for s in STD])[None, :, None, None])
        layer.bias.fill_(sum(MEAN) / 3)
    return layer


class Square(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * x


def energy_network() -> torch.nn.Module:
    """Layers: "0" gray, "1" Gabor pairs, "2" squared, "3" pair sums (energy), "4" pooled energy (8 channels)."""
    filters = gabor_pairs()
    linear = torch.nn.Conv2d(1, len(filters), KERNEL, padding=KERNEL // 2, bias=False)
    pairs = torch.nn.Conv2d(len(filters), len(filters) // 2, 1, bias=False)
    with torch.no_grad():
        linear.weight.copy_(filters)
        pairs.weight.zero_()
        for channel in range(len(filters) // 2):
            pairs.weight[channel, 2 * channel : 2 * channel + 2] = 1.0
    pool = torch.nn.AvgPool2d(POOL, stride=POOL_STRIDE)
    return torch.nn.Sequential(gray_layer(), linear, Square(), pairs, pool)


def build() -> torch.nn.Module:
    return energy_network()


def global_energy_network() -> torch.nn.Module:
    """``energy_network`` with its energy averaged over the whole image: layer "4", 8 units."""
    network = energy_network()
    network[4] = torch.nn.AdaptiveAvgPool2d(1)
    return network


def build_global() -> torch.nn.Module:
    return global_energy_network()


def brightness_network() -> torch.nn.Module:
    """Layers: "0" gray, "1" gray minus thresholds 0.8-0.95, "2" rectified, "3" mean over the image (4 units)."""
    thresholds = torch.tensor([0.8, 0.85, 0.9, 0.95])
    detect = torch.nn.Conv2d(1, 4, 1)
    with torch.no_grad():
        detect.weight.fill_(100.0)
        detect.bias.copy_(-100.0 * thresholds)
    return torch.nn.Sequential(gray_layer(), detect, torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1))


def build_brightness() -> torch.nn.Module:
    return brightness_network()
