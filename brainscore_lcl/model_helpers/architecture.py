"""The LCL encoder (Table A.1), its projector heads (Table A.2) and Zhang's (2019) MaxBlurPool.

Shapes for a 224-px input: layer 1 gives (64, 28, 28) = 50,176 features, layer 2 (192, 14, 14) = 37,632.
Layer names ``layer1``, ``layer2``, ... are the ones Brain-Score's activation extractor records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


def binomial_kernel(size: int) -> torch.Tensor:
    """Normalised 2-D binomial blur kernel of shape (size, size), e.g. size 3 -> [1, 2, 1]^T [1, 2, 1] / 16."""
    if size < 1:
        raise ValueError(f"blur kernel size must be >= 1, got {size}")
    row = torch.tensor([float(math.comb(size - 1, k)) for k in range(size)])
    kernel = torch.outer(row, row)
    return kernel / kernel.sum()


class BlurMaxPool2d(nn.Module):
    """Anti-aliased max pooling (Zhang 2019, "MaxBlurPool"): dense max-pool with stride 1, then a binomial
    blur applied channel-wise with the stride.

    Table A.1 writes ``BlurMaxPool2d(ks=3, stride=2, padding=1)``: ``kernel_size`` and ``padding`` are the
    max-pool's, ``stride`` is the blur's. The blur kernel size is not given in the paper; ``blur_size``
    (default 3, the binomial [1, 2, 1]) is ours. The blur pads by reflection so that an even input of size
    H gives H / 2, as Zhang's implementation does.
    """

    def __init__(self, kernel_size: int = 3, stride: int = 2, padding: int = 1, blur_size: int = 3):
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.blur_size = kernel_size, stride, padding, blur_size
        self.register_buffer("blur", binomial_kernel(blur_size)[None, None], persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(x, self.kernel_size, stride=1, padding=self.padding)
        left = (self.blur_size - 1) // 2
        right = self.blur_size - 1 - left
        x = F.pad(x, (left, right, left, right), mode="reflect") if self.blur_size > 1 else x
        channels = x.shape[1]
        return F.conv2d(x, self.blur.expand(channels, 1, -1, -1), stride=self.stride, groups=channels)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, blur_size={self.blur_size}"
        )


@dataclass(frozen=True)
class StageSpec:
    """One convolutional stage: Conv2d(reflect padding) -> BatchNorm2d -> ReLU -> optional BlurMaxPool2d."""

    out_channels: int
    kernel_size: int
    stride: int
    padding: int
    pool: bool = True


#: AlexNet's first three convolutions; LCL-V2 uses the first two (Table A.1), deeper LCL models add more.
ALEXNET_STAGES = (
    StageSpec(64, 11, 4, 5),
    StageSpec(192, 5, 1, 2),
    StageSpec(384, 3, 1, 1, pool=False),
)


def conv_stage(in_channels: int, spec: StageSpec, blur_size: int = 3) -> nn.Sequential:
    """Build one stage of Table A.1 from ``spec``."""
    layers: list[nn.Module] = [
        nn.Conv2d(
            in_channels,
            spec.out_channels,
            spec.kernel_size,
            stride=spec.stride,
            padding=spec.padding,
            padding_mode="reflect",
        ),
        nn.BatchNorm2d(spec.out_channels),
        nn.ReLU(inplace=True),
    ]
    if spec.pool:
        layers.append(BlurMaxPool2d(3, 2, 1, blur_size=blur_size))
    return nn.Sequential(*layers)


class LCLEncoder(nn.Module):
    """Stack of ``n_stages`` AlexNet stages named ``layer1`` ... ``layerN`` (LCL-V2: ``n_stages=2``).

    ``forward`` returns the last stage's feature map; ``stage_outputs`` returns every stage's.
    Input: (batch, 3, H, W) images, normalised as recorded in the checkpoint's config.
    """

    def __init__(self, n_stages: int = 2, blur_size: int = 3, stages: tuple[StageSpec, ...] = ALEXNET_STAGES):
        super().__init__()
        if not 1 <= n_stages <= len(stages):
            raise ValueError(f"n_stages must be between 1 and {len(stages)}, got {n_stages}")
        self.n_stages, self.blur_size = n_stages, blur_size
        in_channels = 3
        for index, spec in enumerate(stages[:n_stages], start=1):
            self.add_module(f"layer{index}", conv_stage(in_channels, spec, blur_size))
            in_channels = spec.out_channels
        self.out_channels = [spec.out_channels for spec in stages[:n_stages]]

    @property
    def stages(self) -> list[nn.Sequential]:
        return [getattr(self, f"layer{index}") for index in range(1, self.n_stages + 1)]

    def stage_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        for stage in self.stages:
            x = stage(x)
            outputs.append(x)
        return outputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stage_outputs(x)[-1]


class Projector(nn.Module):
    """Table A.2 projector applied at every spatial location, then global average pooling.

    Linear(C, C) -> BatchNorm -> ReLU -> Linear(C, out_dim), written as 1x1 convolutions so that it acts
    per location; input (batch, C, H, W), output (batch, out_dim). Used only during training.
    """

    def __init__(self, in_channels: int, out_dim: int = 2048):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, in_channels, 1),
            nn.BatchNorm2d(in_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_channels, out_dim, 1),
        )

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.net(features).mean(dim=(2, 3))
