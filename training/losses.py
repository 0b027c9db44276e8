"""Self-supervised objectives on embedding pairs (batch, dim): Barlow Twins, SimCLR (NT-Xent) and SimSiam.

Each is a pure function of the two views' embeddings and returns a scalar; computed in float32 (float64 for float64
inputs) whatever the input dtype.
Barlow Twins and NT-Xent take the batch's cross-process collectives as arguments (``reduce``, ``gather``); their
defaults are those of one process, and ``training/distributed.py`` supplies the ones of several (global batch).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

Reduce = Callable[[torch.Tensor], torch.Tensor]
Gather = Callable[[torch.Tensor], tuple[torch.Tensor, int]]


def full_precision(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor`` in float32, or unchanged if it is float64 (bfloat16 / float16 under autocast are promoted)."""
    return tensor.to(torch.promote_types(tensor.dtype, torch.float32))


def local_sum(partial: torch.Tensor) -> torch.Tensor:
    """The sum over processes of a per-process partial sum, for one process: the partial sum itself."""
    return partial


def local_rows(rows: torch.Tensor) -> tuple[torch.Tensor, int]:
    """All processes' rows and the index of this process's first row among them, for one process: (rows, 0)."""
    return rows, 0


def standardize(embeddings: torch.Tensor, eps: float = 1e-5, reduce: Reduce = local_sum) -> torch.Tensor:
    """Centre and scale each dimension over the batch (biased variance, as BatchNorm1d(affine=False) in training).

    ``reduce`` sums per-process partial sums over processes, so that the mean and variance are the global batch's.
    """
    embeddings = full_precision(embeddings)
    count = reduce(embeddings.new_tensor(float(embeddings.shape[0])))
    mean = reduce(embeddings.sum(dim=0, keepdim=True)) / count
    centred = embeddings - mean
    variance = reduce(centred.pow(2).sum(dim=0, keepdim=True)) / count
    return centred / torch.sqrt(variance + eps)


def cross_correlation(z_a: torch.Tensor, z_b: torch.Tensor, reduce: Reduce = local_sum) -> torch.Tensor:
    """Eq. 1 on standardised embeddings: c_ij = sum_b za_bi zb_bj / batch, shape (dim, dim), entries in [-1, 1];
    the sum over b runs over the global batch (``reduce``, see ``standardize``)."""
    count = reduce(full_precision(z_a.new_tensor(float(z_a.shape[0]))))
    return reduce(standardize(z_a, reduce=reduce).T @ standardize(z_b, reduce=reduce)) / count


def barlow_twins_loss(
    z_a: torch.Tensor, z_b: torch.Tensor, lambda_offdiag: float, reduce: Reduce = local_sum
) -> torch.Tensor:
    """Eq. 2: sum_i (1 - c_ii)^2 + lambda * sum_{i != j} c_ij^2 (Zbontar et al. 2021), c over the global batch."""
    correlation = cross_correlation(z_a, z_b, reduce)
    diagonal = torch.diagonal(correlation)
    on_diagonal = (1 - diagonal).pow(2).sum()
    off_diagonal = correlation.pow(2).sum() - diagonal.pow(2).sum()
    return on_diagonal + lambda_offdiag * off_diagonal


def nt_xent_loss(z_a: torch.Tensor, z_b: torch.Tensor, temperature: float, gather: Gather = local_rows) -> torch.Tensor:
    """SimCLR's NT-Xent: cross-entropy of each of the 2N embeddings picking its pair among the other 2N - 1,
    with cosine similarities divided by ``temperature``; mean over the anchors.

    ``gather`` gives the candidates: every process's rows of z_a (and of z_b) and where this process's n rows start.
    The anchors are this process's 2n embeddings (on one process: all 2N), so the mean over processes of this loss
    is the mean over the global batch's 2N anchors.
    """
    anchors_a, anchors_b = F.normalize(full_precision(z_a), dim=1), F.normalize(full_precision(z_b), dim=1)
    keys_a, first = gather(anchors_a)
    keys_b, _ = gather(anchors_b)
    n, total = anchors_a.shape[0], keys_a.shape[0]
    logits = torch.cat([anchors_a, anchors_b]) @ torch.cat([keys_a, keys_b]).T / temperature
    rows = torch.arange(first, first + n, device=logits.device)
    own = torch.cat([rows, rows + total])
    positives = torch.cat([rows + total, rows])
    is_own = torch.zeros_like(logits, dtype=torch.bool).scatter_(1, own[:, None], True)
    return F.cross_entropy(logits.masked_fill(is_own, float("-inf")), positives)


def simsiam_loss(p_a: torch.Tensor, p_b: torch.Tensor, z_a: torch.Tensor, z_b: torch.Tensor) -> torch.Tensor:
    """SimSiam: -(cos(p_a, sg(z_b)) + cos(p_b, sg(z_a))) / 2, averaged over the batch; in [-1, 1]. A mean of
    per-sample terms: with equal shards, the mean over processes of this loss is the global batch's."""
    similarity_a = F.cosine_similarity(full_precision(p_a), full_precision(z_b.detach()), dim=1).mean()
    similarity_b = F.cosine_similarity(full_precision(p_b), full_precision(z_a.detach()), dim=1).mean()
    return -(similarity_a + similarity_b) / 2


class Predictor(nn.Module):
    """SimSiam's predictor MLP: Linear(d, h) -> BatchNorm -> ReLU -> Linear(h, d) on (batch, d) embeddings."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(dim, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True), nn.Linear(hidden, dim)
        )

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        return self.net(embeddings)
