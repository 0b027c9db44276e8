"""The global batch under ``torchrun``: collectives for the objectives and BatchNorm over all processes.

Rule: under DDP every process returns a loss whose mean over processes is the loss of the global batch. The
collectives here are autograd-aware (``torch.distributed._functional_collectives``; the backward of a sum over
processes is a sum over processes), so each process's backward gives the gradient of the sum of all processes'
losses with respect to its copy of the weights; DDP averages these copies' gradients, which gives the gradient of the
global batch's loss: the same step as one process holding the whole batch.

Barlow Twins sums its batch statistics and its cross-correlation over processes (every process gets the global loss),
NT-Xent gathers every process's embeddings as candidates (every process averages over its own anchors), SimSiam's
per-sample loss needs nothing (equal shards). Collectives run only while a module trains under a process group of
several processes (as torch's SyncBatchNorm): evaluation stays per process.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.distributed._functional_collectives as collectives
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from brainscore_lcl.training.losses import Gather, Reduce, full_precision, local_rows, local_sum


def spans_processes(module: nn.Module) -> bool:
    """True while ``module`` trains under an initialised process group of more than one process."""
    return module.training and dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def sum_over_processes(partial: torch.Tensor) -> torch.Tensor:
    """Sum of ``partial`` over all processes, differentiable (its gradient is summed over processes too)."""
    return collectives.all_reduce(partial, "sum", dist.group.WORLD)


def gather_over_processes(rows: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Every process's ``rows`` (n, ...) stacked in rank order (world_size * n, ...), differentiable, and the index
    of this process's first row. All processes must hold the same number of rows."""
    gathered = collectives.all_gather_single_autograd(rows.contiguous(), 0, dist.group.WORLD)
    return gathered, dist.get_rank() * rows.shape[0]


def batch_collectives(module: nn.Module) -> tuple[Reduce, Gather]:
    """(reduce, gather) for the objectives of ``module``: over processes while it trains under DDP, else local."""
    if spans_processes(module):
        return sum_over_processes, gather_over_processes
    return local_sum, local_rows


class GlobalBatchNorm(_BatchNorm):
    """BatchNorm whose training-mode statistics are those of the global batch (all processes), for inputs
    (batch, C, ...) of any rank >= 2 on any backend (torch's SyncBatchNorm needs a GPU, so it could not be checked
    on CPU). Mean and biased variance per channel come from sums over processes (two passes, at least float32); running
    statistics take the unbiased variance of the global batch, as BatchNorm does for its batch. On one process, or in
    eval mode, it is plain BatchNorm. Same parameters and buffers as BatchNorm, so checkpoints do not change.
    """

    def _check_input_dim(self, input: torch.Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        if not spans_processes(self):
            return super().forward(input)
        self._check_input_dim(input)
        dims = [0, *range(2, input.dim())]
        shape = (1, -1) + (1,) * (input.dim() - 2)
        values = full_precision(input)
        count = sum_over_processes(values.new_tensor(float(values.numel() // values.shape[1])))
        mean = sum_over_processes(values.sum(dim=dims)) / count
        centred = values - mean.view(shape)
        variance = sum_over_processes(centred.pow(2).sum(dim=dims)) / count
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
                self.running_mean.lerp_(mean.to(self.running_mean.dtype), factor)
                self.running_var.lerp_((variance * count / (count - 1)).to(self.running_var.dtype), factor)
        output = centred * torch.rsqrt(variance + self.eps).view(shape)
        if self.affine:
            output = output * self.weight.view(shape) + self.bias.view(shape)
        return output.to(input.dtype)


def convert_batchnorm(module: nn.Module) -> nn.Module:
    """``module`` with every BatchNorm layer replaced by a ``GlobalBatchNorm`` sharing its parameters and buffers
    (so an optimiser built before or after sees the same tensors); returns the (possibly new) module."""
    if isinstance(module, _BatchNorm) and not isinstance(module, GlobalBatchNorm):
        converted = GlobalBatchNorm(
            module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats
        )
        if module.affine:
            converted.weight, converted.bias = module.weight, module.bias
        if module.track_running_stats:
            converted.running_mean, converted.running_var = module.running_mean, module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
        return converted.train(module.training)
    for name, child in module.named_children():
        module.add_module(name, convert_batchnorm(child))
    return module
