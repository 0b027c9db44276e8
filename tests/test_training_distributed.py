"""Global batch under torchrun: shards of the views, batches and NT-Xent candidates; GlobalBatchNorm on one process;
and (slow) the 1-vs-2-process equivalence check of tools/check_distributed.py."""

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
from brainscore_lcl.training.distributed import GlobalBatchNorm, convert_batchnorm
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


@pytest.mark.parametrize("module", [nn.BatchNorm1d(4), nn.BatchNorm2d(4)])
def test_global_batchnorm_is_batchnorm_on_one_process(module):
    reference = module
    reference.weight.data.uniform_(0.5, 2)
    reference.bias.data.uniform_(-1, 1)
    converted = convert_batchnorm(nn.Sequential(type(module)(4)))
    converted[0].load_state_dict(reference.state_dict())
    assert isinstance(converted[0], GlobalBatchNorm)
    assert converted[0].state_dict().keys() == reference.state_dict().keys()
    shape = (8, 4) if isinstance(module, nn.BatchNorm1d) else (8, 4, 3, 3)
    inputs = torch.randn(*shape, generator=torch.Generator().manual_seed(1))
    for training in (True, False):
        reference.train(training), converted.train(training)
        assert torch.allclose(converted(inputs), reference(inputs), atol=1e-6)
    assert torch.allclose(converted[0].running_var, reference.running_var)


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
