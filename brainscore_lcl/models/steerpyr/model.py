"""The hand-crafted V1-SteerPyr and V1-SteerPyr+Pool baselines of the paper (Appendix A.1.2).

Input: the image converted to grayscale with the ITU-R 601-2 luma weights (0.299 R + 0.587 G + 0.114 B, as
PIL's ``"L"`` mode / torchvision's ``Grayscale``), resized to 200 x 200 px, pixel values in [0, 1] (no mean
subtraction: the residual lowpass, which carries the mean, is excluded). The 200 px span 8 visual degrees
like every other model of the suite (25 px/deg; the paper gives no field of view for this baseline).

V1 stage (layer ``v1``, (60, 50, 50)): plenoptic's complex steerable pyramid, 5 scales x 4 orientations,
3rd-order derivative filters (``order=3``), not downsampled, residual bands excluded; channels 0-19 are the
rectified real parts and 20-39 the rectified imaginary parts (40 simple cells), 40-59 the moduli
sqrt(re^2 + im^2) (20 complex cells); within each group scale-major (fine to coarse), then orientation.
The 200 x 200 maps are subsampled by 4.

Pool stage (layer ``pool``, (60, 25, 25)): channel-wise L2 energy pooling over 3 x 3 neighbourhoods, taken
as the root mean square (sqrt of the mean of squares, zero padding not counted, so a constant map stays
constant), then subsampling by 2 (done as a stride-2 pooling, which is the same thing).

``v1-steerpyr`` maps V1 and V2 to ``v1``; ``v1-steerpyr-pool`` maps V1 to ``v1`` and V2 to ``pool``.
"""

from __future__ import annotations

import os

import numpy as np
import plenoptic
import torch
from plenoptic.process import SteerablePyramidFreq
from torch import nn
from torch.nn import functional as F

from brainscore_lcl.model_helpers.commitment import config_sha256, make_commitment, refuse_checkpoint
from brainscore_lcl.registry import model_registry

IMAGE_SIZE = 200
CONFIG = {
    "image_size": IMAGE_SIZE,
    "height": 5,
    "order": 3,
    "is_complex": True,
    "downsample": False,
    "tight_frame": False,
    "v1_subsample": 4,
    "pool_kernel": 3,
    "pool_subsample": 2,
    "pooling": "root mean square",
    "grayscale": "ITU-R 601-2 luma",
    "pixel_range": [0, 1],
    "plenoptic": getattr(plenoptic, "__version__", "unknown"),
}
LAYERS = ["v1", "pool"]


def load_grayscale_images(image_paths: list[str], image_size: int = IMAGE_SIZE) -> np.ndarray:
    """Images as (n, 1, image_size, image_size) float32 luma in [0, 1] (module docstring)."""
    from brainscore_vision.model_helpers.activations.pytorch import load_images
    from torchvision import transforms

    transform = transforms.Compose(
        [transforms.Grayscale(), transforms.Resize((image_size, image_size)), transforms.ToTensor()]
    )
    return np.stack([transform(image).numpy() for image in load_images(image_paths)])


def v1_responses(bands: torch.Tensor) -> torch.Tensor:
    """Simple and complex cells from complex bands (batch, B, H, W): (batch, 3B, H, W) =
    [relu(real), relu(imag), modulus]."""
    return torch.cat([F.relu(bands.real), F.relu(bands.imag), bands.abs()], dim=1)


def energy_pool(responses: torch.Tensor, kernel_size: int = 3, stride: int = 2) -> torch.Tensor:
    """Channel-wise L2 energy pooling: sqrt of the mean of squares over kernel_size^2 neighbourhoods,
    subsampled by ``stride``; (batch, C, H, W) -> (batch, C, ceil(H / stride), ceil(W / stride)) for odd kernels."""
    mean_square = F.avg_pool2d(
        responses.square(), kernel_size, stride=stride, padding=kernel_size // 2, count_include_pad=False
    )
    return mean_square.sqrt()


class SteerPyrV1(nn.Module):
    """V1 stage: grayscale (batch, 1, S, S) in [0, 1] -> (batch, 3 * scales * orientations, S / sub, S / sub)."""

    def __init__(self, image_size: int = IMAGE_SIZE, height: int = 5, order: int = 3, subsample: int = 4):
        super().__init__()
        self.pyramid = SteerablePyramidFreq(
            (image_size, image_size), height=height, order=order, is_complex=True, downsample=False, tight_frame=False
        )
        self.subsample = subsample

    def bands(self, images: torch.Tensor) -> torch.Tensor:
        """Complex band responses (batch, scales * orientations, S / sub, S / sub), residuals excluded."""
        coefficients = self.pyramid(images, scales=list(range(self.pyramid.num_scales)))
        return torch.cat(
            [
                coefficients[scale][:, 0, :, :: self.subsample, :: self.subsample]
                for scale in range(self.pyramid.num_scales)
            ],
            dim=1,
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return v1_responses(self.bands(images))


class EnergyPool(nn.Module):
    """Pool stage: ``energy_pool`` as a module, so that Brain-Score can record it."""

    def __init__(self, kernel_size: int = 3, stride: int = 2):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, responses: torch.Tensor) -> torch.Tensor:
        return energy_pool(responses, self.kernel_size, self.stride)


class SteerPyrModel(nn.Module):
    """``v1`` then ``pool``. Holds an empty parameter because Brain-Score's ``PytorchWrapper`` reads the input
    dtype from the model's first parameter."""

    def __init__(self, config: dict = CONFIG):
        super().__init__()
        self.v1 = SteerPyrV1(config["image_size"], config["height"], config["order"], config["v1_subsample"])
        self.pool = EnergyPool(config["pool_kernel"], config["pool_subsample"])
        self.dtype_anchor = nn.Parameter(torch.empty(0), requires_grad=False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.pool(self.v1(images))


def get_model(model_id: str, checkpoint: str | os.PathLike | None = None):
    """``ModelCommitment`` of ``model_id`` ("v1-steerpyr" or "v1-steerpyr-pool")."""
    refuse_checkpoint(model_id, checkpoint, "hand-crafted")
    return make_commitment(
        model_id,
        SteerPyrModel(),
        weights_sha256=config_sha256(CONFIG),
        layers=LAYERS,
        region_layer_map=model_registry[model_id].region_layers,
        preprocessing=load_grayscale_images,
        image_size=IMAGE_SIZE,
        activations_key=f"steerpyr@{config_sha256(CONFIG)[:16]}",  # both ids are this one network
    )
