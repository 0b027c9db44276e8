"""
Make stimuli and run the texture experiment on your model
=========================================================

Freeman-style stimuli (Portilla-Simoncelli textures and spectrally matched noise, one family per source image) made
from any images with `brainscore_lcl.stimuli.make.make_stimuli` (`brainscore stimuli make`), then the in-silico
texture-modulation experiment on a small network with `bl.texture_experiment` (`brainscore texmod`). Small sizes
(64 px, few synthesis iterations) so that it runs in a minute or two; the paper's stimuli are 320 px after 1000
iterations. Runs as it is: `python examples/texture_experiment_on_your_model.py` (`--out DIR` keeps the stimuli and
the results).
"""

# %%
# Source images: here four synthetic ones (oriented gratings under noise, written as PNG); any folder of images
# works, one texture family per image.
import os
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from PIL import Image
from torch import nn

import brainscore_lcl as bl
from brainscore_lcl.stimuli.make import make_stimuli
from brainscore_lcl.texture_experiment import summary_lines

TINY = os.environ.get("BRAINSCORE_LCL_EXAMPLES_TINY") == "1"  # tests/test_examples.py: fewer families and iterations
out = Path(sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else tempfile.mkdtemp(prefix="texmod-"))
images = out / "images"
images.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(0)
y, x = np.mgrid[0:128, 0:128] / 128
for family, angle in enumerate(np.linspace(0, np.pi, 3 if TINY else 4, endpoint=False)):
    grating = np.sin(2 * np.pi * (4 + 4 * family) * (x * np.cos(angle) + y * np.sin(angle)))
    pixels = 127 + 60 * grating + 30 * rng.standard_normal(grating.shape)
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).convert("RGB").save(images / f"family{family}.png")

# %%
# The stimuli: `samples` textures and as many noise images per family, written with `stimuli.json` (every parameter,
# seed and library version, and the synthesis' convergence).
record = make_stimuli(images, out / "stimuli", samples=2 if TINY else 3, size=64, iterations=5 if TINY else 40)
print(len(record["images"]), "images made")

# %%
# The experiment: the mean response of each unit to each family's textures against its noise images (the
# modulation index of Freeman et al. 2013), averaged over the units whose receptive field lies in the aperture. A
# `torch.nn.Module`'s recorded layers are its convolutions and linear layers (here "0" and "2").
torch.manual_seed(0)
network = nn.Sequential(nn.Conv2d(3, 8, 7, stride=2, padding=3), nn.ReLU(), nn.Conv2d(8, 16, 5, stride=2, padding=2))
result = bl.texture_experiment(network, out / "stimuli", layers=["0", "2"], out=out / "texmod")
print(*summary_lines(result), sep="\n")
print("wrote", *sorted(path.name for path in (out / "texmod").iterdir()))

# %%
# The Fig. 5-style panels it drew (`texmod.png`): each family's modulation per layer and the units' distribution.
plt.figure(figsize=(9, 4))
plt.imshow(plt.imread(out / "texmod" / "texmod.png"))
plt.axis("off")
