"""Self-supervised objectives on embedding pairs (batch, dim): Barlow Twins, SimCLR (NT-Xent) and SimSiam.

Each is a pure function of the two views' embeddings and returns a scalar; computed in float32 whatever the input dtype.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def standardize(embeddings: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Centre and scale each dimension over the batch (biased variance, as BatchNorm1d(affine=False) in training)."""
    embeddings = embeddings.float()
    mean = embeddings.mean(dim=0, keepdim=True)
    variance = embeddings.var(dim=0, unbiased=False, keepdim=True)
    return (embeddings - mean) / torch.sqrt(variance + eps)


def cross_correlation(z_a: torch.Tensor, z_b: torch.Tensor) -> torch.Tensor:
    """Eq. 1 on standardised embeddings: c_ij = sum_b za_bi zb_bj / batch, shape (dim, dim), entries in [-1, 1]."""
    return standardize(z_a).T @ standardize(z_b) / z_a.shape[0]


def barlow_twins_loss(z_a: torch.Tensor, z_b: torch.Tensor, lambda_offdiag: float) -> torch.Tensor:
    """Eq. 2: sum_i (1 - c_ii)^2 + lambda * sum_{i != j} c_ij^2 (Zbontar et al. 2021)."""
    correlation = cross_correlation(z_a, z_b)
    diagonal = torch.diagonal(correlation)
    on_diagonal = (1 - diagonal).pow(2).sum()
    off_diagonal = correlation.pow(2).sum() - diagonal.pow(2).sum()
    return on_diagonal + lambda_offdiag * off_diagonal


def nt_xent_loss(z_a: torch.Tensor, z_b: torch.Tensor, temperature: float) -> torch.Tensor:
    """SimCLR's NT-Xent: cross-entropy of each of the 2N embeddings picking its pair among the other 2N - 1,
    with cosine similarities divided by ``temperature``; mean over the 2N anchors."""
    embeddings = F.normalize(torch.cat([z_a, z_b]).float(), dim=1)
    logits = embeddings @ embeddings.T / temperature
    n = z_a.shape[0]
    logits = logits.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=logits.device), float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(logits.device)
    return F.cross_entropy(logits, targets)


def simsiam_loss(p_a: torch.Tensor, p_b: torch.Tensor, z_a: torch.Tensor, z_b: torch.Tensor) -> torch.Tensor:
    """SimSiam: -(cos(p_a, sg(z_b)) + cos(p_b, sg(z_a))) / 2, averaged over the batch; in [-1, 1]."""
    similarity_a = F.cosine_similarity(p_a.float(), z_b.detach().float(), dim=1).mean()
    similarity_b = F.cosine_similarity(p_b.float(), z_a.detach().float(), dim=1).mean()
    return -(similarity_a + similarity_b) / 2


class Predictor(nn.Module):
    """SimSiam's predictor MLP: Linear(d, h) -> BatchNorm -> ReLU -> Linear(h, d) on (batch, d) embeddings."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True),
                                 nn.Linear(hidden, dim))

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        return self.net(embeddings)
