"""Architectures of the comparison models that torchvision does not provide, with the module names their published
checkpoints use (so that ``formats`` can load them strictly).

- ``VOneAlexNet`` (Dapello et al. 2020): the VOneBlock (a fixed Gabor filter bank of simple and complex cells whose
  parameters are drawn from macaque V1 distributions with a fixed seed) -> 1x1 bottleneck to 64 channels -> AlexNet
  back end (torchvision's AlexNet after its first convolution). Names ``vone_block``, ``bottleneck``, ``model.*``.
- ``LPLAlexNet`` (Halvagal & Zenke 2023): the STL-10 AlexNet of their ``AlexNetEncoder`` (96-px input), ``blocks.0`` ...
  ``blocks.6`` (conv1 .. conv5, then fc6 / fc7 written as convolutions).
- ``AlexNetBN``: torchvision's AlexNet features with BatchNorm after every convolution (the end-to-end Barlow Twins
  baseline of A.1.6), ``features.*``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy import stats
from torch import nn
from torch.nn import functional as F

# Published distributions of macaque V1 receptive-field parameters, as VOneNet samples them (vonenet/params.py).
#: Preferred orientation (deg), De Valois, Yund & Hepler 1982: counts per 45-deg bin centred on 0, 45, 90, 135.
ORIENTATION_BINS = np.array([-22.5, 22.5, 67.5, 112.5, 157.5])
ORIENTATION_COUNTS = np.array([66.0, 49.0, 77.0, 54.0])
#: Envelope widths in periods (nx, ny), Ringach 2002: joint counts over 5 x 5 log-spaced bins from 0.1 to 10^0.2.
N_BINS = np.logspace(-1, 0.2, 6)
N_JOINT_COUNTS = np.array(
    [
        [2.0, 0.0, 1.0, 0.0, 0.0],
        [8.0, 9.0, 4.0, 1.0, 0.0],
        [1.0, 2.0, 19.0, 17.0, 3.0],
        [0.0, 0.0, 1.0, 7.0, 4.0],
        [0.0, 0.0, 0.0, 0.0, 0.0],
    ]
)
#: Peak spatial frequency (cycles/deg), De Valois, Albrecht & Thorell 1982: counts per octave-spaced bin.
SF_BINS = np.array([0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0, 5.6, 8.0])
SF_COUNTS = np.array([4.0, 4.0, 8.0, 25.0, 32.0, 26.0, 28.0, 12.0])


@dataclass(frozen=True)
class GaborParameters:
    """Per-channel Gabor parameters: ``sf`` (cycles/deg), ``theta`` and ``phase`` (deg), ``nx``/``ny`` (envelope
    standard deviations in periods, across and along the stripes). Arrays of shape (channels,)."""

    sf: np.ndarray
    theta: np.ndarray
    phase: np.ndarray
    nx: np.ndarray
    ny: np.ndarray


def _inverse_cdf(uniform: np.ndarray, counts: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Samples of a piecewise-uniform density (``counts`` over ``edges``) from uniform variates in [0, 1]."""
    cumulative = np.concatenate(([0.0], np.cumsum(counts / counts.sum())))
    return np.interp(uniform, cumulative, edges)


def gabor_parameters(
    channels: int, seed: int = 0, sf_corr: float = 0.75, sf_max: float = 9.0, sf_min: float = 0.0
) -> GaborParameters:
    """VOneNet's draw of ``channels`` Gabor parameter sets (its ``generate_gabor_param`` with ``rand_flag=False``):
    NumPy's global generator seeded with ``seed``, draws in VOneNet's order (phase, orientation, an (nx, sf) pair
    correlated by ``sf_corr`` through a Gaussian copula, then ny given nx's bin), so the same seed gives VOneNet's
    bank."""
    np.random.seed(seed)
    keep = (SF_BINS <= sf_max) & (SF_BINS >= sf_min)
    sf_edges = SF_BINS[keep]
    sf_counts = SF_COUNTS[np.flatnonzero(keep)[:-1]]
    phase = _inverse_cdf(np.random.rand(channels), np.array([1.0]), np.array([0.0, 360.0]))
    theta = _inverse_cdf(np.random.rand(channels), ORIENTATION_COUNTS, ORIENTATION_BINS)
    theta[theta < 0] += 180.0
    pairs = np.random.multivariate_normal([0.0, 0.0], [[1.0, sf_corr], [sf_corr, 1.0]], channels)
    quantiles = stats.norm.cdf(pairs)
    nx = 10 ** _inverse_cdf(quantiles[:, 0], N_JOINT_COUNTS.sum(axis=1), np.log10(N_BINS))
    ny_uniform = np.random.rand(channels)
    with np.errstate(invalid="ignore"):  # the last nx bin holds no cell and is never drawn
        ny_conditional = N_JOINT_COUNTS / N_JOINT_COUNTS.sum(axis=1, keepdims=True)
    ny = np.empty(channels)
    for index, value in enumerate(nx):
        row = np.flatnonzero(N_BINS < value)[-1]
        ny[index] = 10 ** _inverse_cdf(ny_uniform[index], ny_conditional[row], np.log10(N_BINS))
    sf = 2 ** _inverse_cdf(quantiles[:, 1], sf_counts, np.log2(sf_edges))
    return GaborParameters(sf=sf, theta=theta, phase=phase, nx=nx, ny=ny)


def gabor_kernel(
    frequency: float, sigma_x: float, sigma_y: float, theta: float, phase: float, size: int
) -> torch.Tensor:
    """(size, size) Gabor: Gaussian envelope (``sigma_x`` across, ``sigma_y`` along the stripes, px) normalised by
    2 pi sigma_x sigma_y, times cos(2 pi ``frequency`` (cycles/px) x' + ``phase``), x' rotated by ``theta`` (rad)."""
    half = size // 2
    grid = torch.arange(-half, half + 1, dtype=torch.float64)
    x, y = torch.meshgrid(grid, grid, indexing="ij")
    x_rot = x * np.cos(theta) + y * np.sin(theta)
    y_rot = -x * np.sin(theta) + y * np.cos(theta)
    envelope = torch.exp(-0.5 * (x_rot**2 / sigma_x**2 + y_rot**2 / sigma_y**2)) / (2 * np.pi * sigma_x * sigma_y)
    return (envelope * torch.cos(2 * np.pi * frequency * x_rot + phase)).float()


class GaborBank(nn.Module):
    """A fixed convolution whose output channel c is a Gabor on one input channel (chosen at random); ``weight``
    (out, in, k, k) is a non-trainable parameter, as in VOneNet (so it is part of the published state dict)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int):
        super().__init__()
        self.stride, self.padding = stride, kernel_size // 2
        self.weight = nn.Parameter(
            torch.zeros(out_channels, in_channels, kernel_size, kernel_size), requires_grad=False
        )

    def fill(self, kernels: list[torch.Tensor], input_channels: torch.Tensor) -> None:
        """Set output channel c to ``kernels[c]`` on input channel ``input_channels[c]`` (zero elsewhere)."""
        with torch.no_grad():
            self.weight.zero_()
            for channel, (kernel, source) in enumerate(zip(kernels, input_channels.tolist())):
                self.weight[channel, source] = kernel

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return F.conv2d(images, self.weight, None, self.stride, self.padding)


class VOneBlock(nn.Module):
    """Simple cells (half-rectified quadrature-0 Gabor responses) and complex cells (quadrature energy / sqrt 2),
    scaled by ``k_exc``, then rectified. The Gabor parameters are VOneNet's draws (``gabor_parameters``); the input
    channel of each filter is drawn with torch's generator, not as VOneNet draws it, so a bank built here differs
    from VOneNet's in that channel: ``vonenet_alexnet`` loads both banks (q0, q1) from the checkpoint instead.
    VOneNet's stochastic (Poisson-like) noise is left out: Brain-Score's own ``vonealexnet`` plugin does the same so
    that activations are deterministic and cacheable.
    Input (B, 3, 224, 224) -> (B, simple + complex, 224 / stride, 224 / stride)."""

    def __init__(
        self,
        simple_channels: int = 256,
        complex_channels: int = 256,
        kernel_size: int = 25,
        stride: int = 4,
        k_exc: float = 25.0,
        image_size: int = 224,
        visual_degrees: float = 8.0,
        gabor_seed: int = 0,
        sf_corr: float = 0.75,
        sf_max: float = 9.0,
        sf_min: float = 0.0,
    ):
        super().__init__()
        self.simple_channels, self.k_exc = simple_channels, k_exc
        channels = simple_channels + complex_channels
        self.simple_conv_q0 = GaborBank(3, channels, kernel_size, stride)
        self.simple_conv_q1 = GaborBank(3, channels, kernel_size, stride)
        params = gabor_parameters(channels, gabor_seed, sf_corr, sf_max, sf_min)
        pixels_per_degree = image_size / visual_degrees
        frequency = params.sf / pixels_per_degree
        sigma_x, sigma_y = params.nx / frequency, params.ny / frequency
        theta, phase = np.deg2rad(params.theta), np.deg2rad(params.phase)
        generator = torch.Generator().manual_seed(gabor_seed)
        input_channels = torch.randint(0, 3, (channels,), generator=generator)
        for bank, shift in ((self.simple_conv_q0, 0.0), (self.simple_conv_q1, np.pi / 2)):
            bank.fill(
                [
                    gabor_kernel(frequency[c], sigma_x[c], sigma_y[c], theta[c], phase[c] + shift, kernel_size)
                    for c in range(channels)
                ],
                input_channels,
            )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        q0, q1 = self.simple_conv_q0(images), self.simple_conv_q1(images)
        split = self.simple_channels
        simple = F.relu(q0[:, :split])
        complex_ = torch.sqrt(q0[:, split:] ** 2 + q1[:, split:] ** 2) / np.sqrt(2)
        return F.relu(self.k_exc * torch.cat((simple, complex_), dim=1))


class AlexNetBackEnd(nn.Module):
    """VOneNet's AlexNet back end: torchvision's AlexNet from its second convolution on (64 input channels at
    1/4 resolution), a 7 x 7 average pool and the classifier; ``features`` indices 0-9, ``classifier`` 0-6."""

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(64, 192, kernel_size=5, stride=2, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Dropout(),
            nn.Linear(256 * 7 * 7, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        )

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(features)), 1))


class VOneAlexNet(nn.Module):
    """VOneBlock -> bottleneck Conv2d(channels, 64, 1, bias=False) -> AlexNet back end; (B, 3, 224, 224) -> logits."""

    def __init__(self, **vone_settings):
        super().__init__()
        self.vone_block = VOneBlock(**vone_settings)
        channels = self.vone_block.simple_conv_q0.weight.shape[0]
        self.bottleneck = nn.Conv2d(channels, 64, kernel_size=1, stride=1, bias=False)
        self.model = AlexNetBackEnd()

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.model(self.bottleneck(self.vone_block(images)))


class LPLAlexNet(nn.Module):
    """Halvagal & Zenke's STL-10 AlexNet encoder (their ``AlexNetEncoder``), inference only: seven blocks, each
    read out (pooled) by the layer-local loss during training. For a 96-px input: blocks.0 (64, 11, 11),
    blocks.1 (192, 5, 5), blocks.2 (384, 5, 5), blocks.3 (256, 5, 5), blocks.4 (256, 3, 3), blocks.5 / .6 (4096, 1, 1).
    ``forward`` returns the globally pooled last block (B, 4096)."""

    def __init__(self, dropout: float = 0.5):
        super().__init__()
        self.blocks = nn.ModuleList(
            [
                nn.Sequential(nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2)),
                nn.Sequential(nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2)),
                nn.Sequential(nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True)),
                nn.Sequential(nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True)),
                nn.Sequential(nn.Conv2d(256, 256, 3, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2)),
                nn.Sequential(
                    nn.AdaptiveAvgPool2d((6, 6)), nn.Dropout(dropout), nn.Conv2d(256, 4096, 6), nn.ReLU(inplace=True)
                ),
                nn.Sequential(nn.Dropout(dropout), nn.Conv2d(4096, 4096, 1), nn.ReLU(inplace=True)),
            ]
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            images = block(images)
        return images.mean(dim=(2, 3))


class AlexNetBN(nn.Module):
    """torchvision's AlexNet convolutions with BatchNorm2d after each (A.1.6). ``features`` indices: conv1 0-3
    (pool 3), conv2 4-7 (pool 7), conv3 8-10, conv4 11-13, conv5 14-17 (pool 17). ``forward`` returns the globally
    average-pooled conv5 features (B, 256), the vector the Barlow Twins projector reads."""

    def __init__(self):
        super().__init__()

        def conv(in_channels: int, out_channels: int, kernel: int, stride: int, padding: int) -> list[nn.Module]:
            return [
                nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=padding),
                nn.BatchNorm2d(out_channels),
                nn.ReLU(inplace=True),
            ]

        def pool() -> nn.Module:
            return nn.MaxPool2d(kernel_size=3, stride=2)

        self.features = nn.Sequential(
            *conv(3, 64, 11, 4, 2),
            pool(),
            *conv(64, 192, 5, 1, 2),
            pool(),
            *conv(192, 384, 3, 1, 1),
            *conv(384, 256, 3, 1, 1),
            *conv(256, 256, 3, 1, 1),
            pool(),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.features(images).mean(dim=(2, 3))
