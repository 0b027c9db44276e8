"""Global batch under torchrun: shards of the views, batches and NT-Xent candidates; GlobalBatchNorm on two simulated
processes (and, slow, two gloo processes) against the global batch's statistics by hand; and (slow) the 1-vs-2-process
equivalence check of tools/check_distributed.py."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from brainscore_lcl.data.imagenet import IMAGENET_MEAN, IMAGENET_STD
from brainscore_lcl.training.augment import make_views_batched
from brainscore_lcl.training.config import load_config
from brainscore_lcl.training.data import DataError, epoch_batches
from brainscore_lcl.training.distributed import convert_batchnorm
from brainscore_lcl.training.losses import nt_xent_loss

ROOT = Path(__file__).resolve().parents[1]


def test_shards_of_a_global_batch_get_the_views_of_the_whole_batch():
    stored = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (6, 112, 112, 3), dtype=np.uint8))
    views = [stage.view for stage in load_config("lcl-v2").stages]

    def render(rows: slice, first_row: int, batch_size: int | None) -> list:
        return make_views_batched(
            stored[rows],
            views,
            IMAGENET_MEAN,
            IMAGENET_STD,
            torch.Generator().manual_seed(5),
            torch.Generator().manual_seed(5),
            first_row,
            batch_size,
        )

    whole = render(slice(0, 6), 0, None)
    shards = [render(slice(start, start + 2), start, 6) for start in (0, 2, 4)]
    for stage, pair in enumerate(whole):
        for which in (0, 1):
            joined = torch.cat([shard[stage][which] for shard in shards])
            assert torch.equal(joined, pair[which])


def test_epoch_batches_shards_join_to_the_one_process_batches():
    indices = np.arange(20)
    whole = epoch_batches(indices, 8, seed=3, epoch=1)
    shards = [epoch_batches(indices, 8, seed=3, epoch=1, rank=rank, world_size=4) for rank in range(4)]
    assert len(whole) == 2
    for index, batch in enumerate(whole):
        assert np.array_equal(np.concatenate([shard[index] for shard in shards]), batch)
    with pytest.raises(DataError, match="multiple of 3"):
        epoch_batches(indices, 8, seed=3, epoch=1, rank=0, world_size=3)


def test_nt_xent_over_shards_averages_to_the_global_loss_and_gradient():
    generator = torch.Generator().manual_seed(0)
    z_a = torch.randn(6, 5, generator=generator, requires_grad=True)
    z_b = torch.randn(6, 5, generator=generator, requires_grad=True)
    whole = nt_xent_loss(z_a, z_b, 0.3)
    whole_grads = torch.autograd.grad(whole, [z_a, z_b])

    def shard_loss(rank: int) -> torch.Tensor:
        rows = slice(3 * rank, 3 * rank + 3)
        candidates = iter([torch.nn.functional.normalize(z, dim=1) for z in (z_a, z_b)])  # gathered a, then b

        def gather(local: torch.Tensor) -> tuple[torch.Tensor, int]:
            every = next(candidates)
            return torch.cat(
                [local if shard == rank else every[3 * shard : 3 * shard + 3] for shard in (0, 1)]
            ), 3 * rank

        return nt_xent_loss(z_a[rows], z_b[rows], 0.3, gather)

    mean = (shard_loss(0) + shard_loss(1)) / 2
    assert torch.allclose(mean, whole, atol=1e-6)
    for got, expected in zip(torch.autograd.grad(mean, [z_a, z_b]), whole_grads):
        assert torch.allclose(got, expected, atol=1e-6)


WEIGHT, BIAS = [0.5, 1.0, 1.5, 2.0], [-1.0, 0.0, 0.5, 1.0]


def global_batchnorm(shape: tuple[int, ...]) -> nn.Module:
    """A ``GlobalBatchNorm`` of 4 channels for inputs of ``shape``, float64, in training mode, WEIGHT and BIAS."""
    module = convert_batchnorm(nn.BatchNorm2d(4) if len(shape) == 4 else nn.BatchNorm1d(4)).double().train()
    with torch.no_grad():
        module.weight.copy_(torch.tensor(WEIGHT)), module.bias.copy_(torch.tensor(BIAS))
    return module


def loss_weights(shape: tuple[int, ...]) -> torch.Tensor:
    """Fixed per-element weights of the loss sum(outputs * weights) whose input gradient is checked."""
    return torch.arange(int(np.prod(shape)), dtype=torch.float64).reshape(shape).cos()


def by_hand(inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """BatchNorm's training-mode arithmetic written out over the whole batch (not computed by BatchNorm): outputs,
    the input gradient of sum(outputs * loss_weights), and the running mean and variance after one step (momentum 0.1
    from 0 and 1; the running variance takes the unbiased batch variance)."""
    x = inputs.clone().requires_grad_(True)
    dims, view = [0, *range(2, x.dim())], (1, -1) + (1,) * (x.dim() - 2)
    n = x.numel() / x.shape[1]
    mean = x.sum(dim=dims) / n
    variance = ((x - mean.view(view)) ** 2).sum(dim=dims) / n
    weight, bias = torch.tensor(WEIGHT, dtype=x.dtype).view(view), torch.tensor(BIAS, dtype=x.dtype).view(view)
    outputs = (x - mean.view(view)) / torch.sqrt(variance.view(view) + 1e-5) * weight + bias
    (outputs * loss_weights(x.shape)).sum().backward()
    return outputs.detach(), x.grad, 0.1 * mean.detach(), 0.9 + 0.1 * variance.detach() * n / (n - 1)


SHAPES = [(8, 4), (8, 4, 3, 3)]


@pytest.mark.parametrize("shape", SHAPES)
def test_global_batchnorm_of_two_simulated_processes_uses_the_global_batch(monkeypatch, shape):
    """Two threads stand for two processes, each holding half of the batch: the sum over processes is exchanged
    between them (forward only), so GlobalBatchNorm's own arithmetic is checked against ``by_hand`` in a second."""
    import threading

    from brainscore_lcl.training import distributed

    inputs = torch.randn(*shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 3 + 1
    barrier, partials, results = threading.Barrier(2), {}, {}

    def sum_of_both(partial: torch.Tensor) -> torch.Tensor:
        partials[threading.current_thread().name] = partial.detach()
        barrier.wait()
        total = partials["0"] + partials["1"]
        barrier.wait()
        return total

    def process(rank: int) -> None:
        module = global_batchnorm(shape)
        with torch.no_grad():
            results[rank] = (module(inputs[4 * rank : 4 * rank + 4]), module.running_mean, module.running_var)

    monkeypatch.setattr(distributed, "spans_processes", lambda module: module.training)
    monkeypatch.setattr(distributed, "sum_over_processes", sum_of_both)
    threads = [threading.Thread(target=process, args=(rank,), name=str(rank)) for rank in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    outputs, _, running_mean, running_var = by_hand(inputs)
    torch.testing.assert_close(torch.cat([results[rank][0] for rank in (0, 1)]), outputs)
    for rank in (0, 1):
        torch.testing.assert_close(results[rank][1], running_mean)
        torch.testing.assert_close(results[rank][2], running_var)


def _global_batchnorm_process(rank: int, init_file: str, inputs: dict, out: str) -> None:
    """One of two gloo processes: for each input shape, a ``GlobalBatchNorm`` in training mode on its half of the
    batch; saves outputs, the input gradient of its half's loss and running statistics to ``out/<rank>.pt``."""
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    try:
        saved = {}
        for name, batch in inputs.items():
            module = global_batchnorm(tuple(batch.shape))
            shard = batch[4 * rank : 4 * rank + 4].clone().requires_grad_(True)
            outputs = module(shard)
            (outputs * loss_weights(tuple(batch.shape))[4 * rank : 4 * rank + 4]).sum().backward()
            saved[name] = (outputs.detach(), shard.grad, module.running_mean, module.running_var)
        torch.save(saved, f"{out}/{rank}.pt")
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_global_batchnorm_on_two_gloo_processes_uses_the_global_batch(tmp_path):
    """Two real gloo processes on CPU (about 20 s to start): outputs, input gradients (through the autograd-aware
    collectives) and running statistics of GlobalBatchNorm on two halves equal ``by_hand`` on the whole batch."""
    generator = torch.Generator().manual_seed(1)
    inputs = {str(shape): torch.randn(*shape, generator=generator, dtype=torch.float64) * 3 + 1 for shape in SHAPES}
    torch.multiprocessing.spawn(
        _global_batchnorm_process, args=(str(tmp_path / "init"), inputs, str(tmp_path)), nprocs=2
    )
    results = [torch.load(tmp_path / f"{rank}.pt", weights_only=True) for rank in (0, 1)]
    for name, batch in inputs.items():
        outputs, grad, running_mean, running_var = by_hand(batch)
        torch.testing.assert_close(torch.cat([result[name][0] for result in results]), outputs)
        torch.testing.assert_close(torch.cat([result[name][1] for result in results]), grad)
        for result in results:
            torch.testing.assert_close(result[name][2], running_mean)
            torch.testing.assert_close(result[name][3], running_var)


def test_convert_batchnorm_shares_parameters_and_buffers():
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4).eval())
    weight, running_mean = model[1].weight, model[1].running_mean
    converted = convert_batchnorm(model)
    assert converted[1].weight is weight and converted[1].running_mean is running_mean
    assert not converted[1].training


@pytest.mark.slow
def test_one_and_two_processes_train_the_same_model():
    """tools/check_distributed.py: 3 steps of each objective on 1 and on 2 gloo processes from the same weights, in
    float64 (in float32, Adam turns rounding noise into differences of up to lr per step, on one process too)."""
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "check_distributed.py"),
            "--processes",
            "2",
            "--config",
            "lcl-v2-sample",
            "--steps",
            "3",
            "--dtype",
            "float64",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert sorted(report["objectives"]) == ["barlow", "simclr", "simsiam"]
    for objective in report["objectives"].values():
        assert objective["max_loss_diff"] < 1e-5 and objective["max_param_diff"] < 1e-5
        assert len(objective["losses_1_process"]) == 3
