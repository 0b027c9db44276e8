"""The layerwise model of Fig. 3: an ``LCLEncoder`` with a projector (and, for SimSiam, a predictor) per stage, whose
forward pass gives each stage's loss on its own view pair, without gradients into the stages below."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from brainscore_lcl.model_helpers.architecture import LCLEncoder, Projector
from brainscore_lcl.training.config import TrainConfig
from brainscore_lcl.training.distributed import batch_collectives
from brainscore_lcl.training.losses import Predictor, barlow_twins_loss, full_precision, nt_xent_loss, simsiam_loss

ViewPairs = list[tuple[torch.Tensor, torch.Tensor]]


def project_pooled(projector: Projector, features: torch.Tensor) -> torch.Tensor:
    """``projector(features)`` computed as GAP before the last (linear) layer, which gives the same result since
    averaging commutes with a linear map: (batch, C, H, W) -> (batch, out_dim), H*W times fewer output products."""
    hidden = projector.net[:3](features).mean(dim=(2, 3))
    last = projector.net[3]
    return F.linear(hidden, last.weight.flatten(1), last.bias)


class LayerwiseModel(nn.Module):
    """An ``LCLEncoder`` with one projector (and, for SimSiam, one predictor) per stage; ``forward`` gives the
    per-stage losses (n_stages,) of a list of view pairs, one pair per stage."""

    def __init__(self, config: TrainConfig):
        super().__init__()
        self.objective = config.objective
        self.lower_stage_norm = config.training.lower_stage_norm
        self.encoder = LCLEncoder(config.architecture.n_stages, config.architecture.blur_size)
        dim = config.objective.projector_dim
        self.projectors = nn.ModuleList(Projector(channels, dim) for channels in self.encoder.out_channels)
        self.predictors = (
            nn.ModuleList(Predictor(dim, config.objective.simsiam_predictor_hidden) for _ in self.encoder.out_channels)
            if config.objective.name == "simsiam"
            else None
        )

    def embed(self, stage_index: int, images: torch.Tensor) -> torch.Tensor:
        """Projection embedding (batch, dim) of stage ``stage_index`` (0-based); lower stages without gradient and,
        with ``lower_stage_norm="running"``, in eval mode (their running BatchNorm statistics, left unchanged)."""
        stages = self.encoder.stages
        with torch.no_grad():
            for stage in stages[:stage_index]:
                images = self._run_lower_stage(stage, images)
        return project_pooled(self.projectors[stage_index], stages[stage_index](images.detach()))

    def _run_lower_stage(self, stage: nn.Module, images: torch.Tensor) -> torch.Tensor:
        if self.lower_stage_norm == "batch" or not stage.training:
            return stage(images)
        stage.eval()
        try:
            return stage(images)
        finally:
            stage.train()

    def stage_loss(self, stage_index: int, z_a: torch.Tensor, z_b: torch.Tensor) -> torch.Tensor:
        """Stage loss on this process's embeddings; under DDP in training mode, over the global batch (the mean over
        processes of the returned values is the global batch's loss, see ``training/distributed.py``)."""
        objective = self.objective
        reduce, gather = batch_collectives(self)
        if objective.name == "barlow":
            return barlow_twins_loss(z_a, z_b, objective.barlow_lambda, reduce)
        if objective.name == "simclr":
            return nt_xent_loss(z_a, z_b, objective.simclr_temperature, gather)
        predictor = self.predictors[stage_index]
        return simsiam_loss(predictor(z_a), predictor(z_b), z_a, z_b)

    def forward(self, views: ViewPairs) -> torch.Tensor:
        losses = []
        for stage_index, (view_a, view_b) in enumerate(views):
            z_a, z_b = self.embed(stage_index, view_a), self.embed(stage_index, view_b)
            with torch.autocast(device_type=z_a.device.type, enabled=False):
                losses.append(self.stage_loss(stage_index, full_precision(z_a), full_precision(z_b)))
        return torch.stack(losses)
