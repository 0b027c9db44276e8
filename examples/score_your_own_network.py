"""
Score your own network
======================

A small PyTorch network scored on the simulated V1 and V2 recordings through the Python API, `bl.score`, the
operation `brainscore score --model-file my_net.py:build` uses. The network is untrained: the point is the path, not
the number. Runs as it is: `python examples/score_your_own_network.py` (about a minute on one core; the simulated
data are generated into the cache on first use).
"""

# %%
# A network is any `torch.nn.Module` taking (batch, 3, H, W) images. `layers` names the candidate layers; the
# benchmark's public split picks one per region, as Brain-Score does for every model.
import os

import torch
from torch import nn

import brainscore_lcl as bl

TINY = os.environ.get("BRAINSCORE_LCL_EXAMPLES_TINY") == "1"  # tests/test_examples.py: smaller still

torch.manual_seed(0)
network = nn.Sequential(
    nn.Conv2d(3, 8, kernel_size=7, stride=2, padding=3),
    nn.ReLU(),
    nn.Conv2d(8, 16, kernel_size=5, stride=2, padding=2),
    nn.ReLU(),
)

# %%
# `db=None` stores nothing; without it the score lands in the results database and a second call reads it back.
benchmarks = ["FreemanZiemba2013sim.V1-pls"] if TINY else ["FreemanZiemba2013sim.V1-pls", "FreemanZiemba2013sim.V2-pls"]
for benchmark in benchmarks:
    record = bl.score(network, benchmark, name="tiny-net", layers=["1", "3"], image_size=64, visual_degrees=8, db=None)
    print(record.line())

# %%
# The record holds what `brainscore score --json` writes (`record.summary()`) and, in `record.details`, the
# per-neuron values: r of each of the 10 splits and each neuron's ceiling.
summary = record.summary()
print({name: summary[name] for name in ("score", "raw", "ceiling", "layer")})
print(len(record.details["per_neuron_ceiling"]), "neurons")
