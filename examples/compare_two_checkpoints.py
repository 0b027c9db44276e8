"""
Compare two checkpoints with a paired test
==========================================

Two checkpoints of the LCL encoder, the shipped `lcl-v2` demo and an untrained one written in the same format (what
`brainscore train` writes at step 0), scored on the same simulated V2 neurons; a paired sign-flip permutation test
over neurons asks whether one explains them better than the other, and a bootstrap gives each median's interval.
Runs as it is: `python examples/compare_two_checkpoints.py`.
"""

# %%
# A checkpoint is the file `brainscore train` writes (`encoder.pt`: weights, architecture, config);
# `save_encoder_checkpoint` writes one of any encoder's weights.
import os
import tempfile
from pathlib import Path

import numpy as np
import torch

import brainscore_lcl as bl
from brainscore_lcl.checkpoint import save_encoder_checkpoint
from brainscore_lcl.metrics.statistics import bootstrap_median_ci, fraction_better, paired_permutation_test
from brainscore_lcl.model_helpers.architecture import LCLEncoder

TINY = os.environ.get("BRAINSCORE_LCL_EXAMPLES_TINY") == "1"  # tests/test_examples.py: fewer permutations
torch.manual_seed(0)
untrained = Path(tempfile.mkdtemp(prefix="checkpoints-")) / "untrained.pt"
save_encoder_checkpoint(
    untrained,
    LCLEncoder(n_stages=2).state_dict(),
    architecture={"n_stages": 2, "blur_size": 3},
    config={"seed": 0},
    data="none (untrained)",
    meta={},
)

# %%
# Each score's record holds every neuron's r on each of the 10 splits and its ceiling: per neuron, the paper's
# explained variance (r / r_ceil)^2 averaged over the splits, as Fig. A.2 (`bl.analyses.per_neuron`) compares two
# model ids.
benchmark = "FreemanZiemba2013sim.V2-pls"
per_neuron = {}
for name, checkpoint in {"shipped": None, "untrained": untrained}.items():
    record = bl.score("lcl-v2", benchmark, checkpoint=checkpoint, db=None)
    print(name, record.line())
    r = np.array(record.details["per_neuron_r"])  # (split, neuron)
    ceiling = np.array(record.details["per_neuron_ceiling"])  # (neuron,)
    per_neuron[name] = np.mean((r / ceiling) ** 2, axis=0)

# %%
# The paired test: under the null hypothesis each neuron's two values are exchangeable.
a, b = per_neuron["shipped"], per_neuron["untrained"]
p = paired_permutation_test(a, b, n_perm=1000 if TINY else 10000)
for name, values in per_neuron.items():
    low, high = bootstrap_median_ci(values)
    print(f"{name}: median {np.median(values):.3f} (95% CI {low:.3f}-{high:.3f}) over {len(values)} neurons")
print(f"shipped better for {fraction_better(a, b):.0%} of neurons; paired permutation test p = {p:.4f}")
