"""End-to-end Barlow Twins on AlexNet with BatchNorm (A.1.6), trained by the layerwise trainer as a one-stage model.

The whole AlexNet-BN (``brainscore_lcl.models.comparison.networks.AlexNetBN``: five convolutions, BatchNorm after
each) is one stage: its conv5 features are globally average-pooled to a 256-d vector and passed through the
projector MLP with two hidden layers and an output layer of ``objective.projector_dim`` units each (the paper's best:
1024, 1024, 1024), Linear -> BatchNorm1d -> ReLU between layers as in Zbontar et al. (2021); the loss is the config's
objective on that embedding, with gradients through every layer. Selected by ``architecture.kind: alexnet-bn``
(``configs/barlow-e2e-alexnet.yaml``); the checkpoint it writes is an encoder checkpoint whose ``architecture`` is
``{"kind": "alexnet-bn"}``, read by the ``barlow-e2e-alexnet`` model.
"""

from __future__ import annotations

import torch
from torch import nn

from brainscore_lcl.models.comparison.networks import AlexNetBN
from brainscore_lcl.training.config import TrainConfig
from brainscore_lcl.training.layerwise import LayerwiseModel
from brainscore_lcl.training.losses import Predictor


class ProjectorMLP(nn.Module):
    """Linear(in, dim) BN ReLU Linear(dim, dim) BN ReLU Linear(dim, dim): (batch, in) -> (batch, dim)."""

    def __init__(self, in_features: int, dim: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_features, dim),
            nn.BatchNorm1d(dim),
            nn.ReLU(inplace=True),
            nn.Linear(dim, dim),
            nn.BatchNorm1d(dim),
            nn.ReLU(inplace=True),
            nn.Linear(dim, dim),
        )

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.net(features)


class EndToEndModel(LayerwiseModel):
    """AlexNet-BN with one projector; the layerwise model's losses over one stage, gradients through all layers."""

    def __init__(self, config: TrainConfig):
        nn.Module.__init__(self)
        if config.architecture.n_stages != 1:
            raise ValueError("architecture.kind alexnet-bn trains one stage: set architecture.n_stages to 1")
        self.objective = config.objective
        self.encoder = AlexNetBN()
        dim = config.objective.projector_dim
        self.projectors = nn.ModuleList([ProjectorMLP(256, dim)])
        self.predictors = (
            nn.ModuleList([Predictor(dim, config.objective.simsiam_predictor_hidden)])
            if config.objective.name == "simsiam"
            else None
        )

    def embed(self, stage_index: int, images: torch.Tensor) -> torch.Tensor:
        """Projection embedding (batch, dim) of the pooled conv5 features."""
        return self.projectors[stage_index](self.encoder(images))
