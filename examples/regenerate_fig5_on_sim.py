"""
Regenerate Fig. 5 on the simulated data
=======================================

The paper's Fig. 5 (texture modulation of recorded V2 cells against model units; family ranks, Spearman rho, Fisher z
tests) computed on the simulated population with two small models, through `bl.analyses.texture_modulation`, the
library side of `python analyses/texture_modulation.py --source sim`. On `sim` the recorded cells are the
simulator's, so the figure checks the analysis, not the paper's claim. Runs as it is:
`python examples/regenerate_fig5_on_sim.py` (figures, CSV and JSON into a temporary folder; `--out DIR` keeps them).
"""

# %%
import os
import sys
import tempfile

import matplotlib.pyplot as plt

import brainscore_lcl as bl

TINY = os.environ.get("BRAINSCORE_LCL_EXAMPLES_TINY") == "1"  # tests/test_examples.py: one model
out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else tempfile.mkdtemp(prefix="fig5-")

figure = bl.analyses.texture_modulation
models = ["control-pixels"] if TINY else ["sim-generator", "control-pixels"]
result = figure.compute(models, source="sim")

# %%
# One row per model: its units' texture-modulation reading against the recorded cells' (Spearman rho of the family
# ranks, leaving one family out; the paper's stratified folds beside it), and the Fisher z tests between models.
for row in result.rows:
    print({name: value for name, value in row.items() if not isinstance(value, dict | list)})
for test in result.fisher_z_tests:
    print(test)

# %%
# `draw` writes fig5_texture_modulation.png/.pdf, the two tables as CSV and every number as JSON (with the suite's
# version); the figure as written:
written = figure.draw(result, out)
print("wrote", *sorted(path.name for path in written))
plt.figure(figsize=(7, 10))
plt.imshow(plt.imread(os.path.join(out, "fig5_texture_modulation.png")))
plt.axis("off")
