"""``control-design``: a model whose units are the one-hot code of each stimulus's design labels.

Units (``DESIGN_UNITS``, 46): one per Freeman-Ziemba (texture_family, texture_type) pair (15 families x texture /
noise = 30), then one per Geirhos et al. category (16), read from the StimulusSet's metadata columns
(``texture_family`` and ``texture_type``, else ``category``); a stimulus of one experiment is 0 on the other's units.
No pixel is read and no recording is seen: whatever this model scores, the experiment's design alone explains.
Its ``logits`` (1000 ImageNet classes) are ``LOGIT`` on the ImageNet classes of the stimulus's category (Geirhos et
al.'s mapping, ``brainscore_lcl.metrics.behaviour.category_members``) and 0 elsewhere, so Geirhos et al.'s
16-class rule answers the true category.

How the labels reach the network: Brain-Score's extractor hands the network only image paths, so a stimulus-set hook
(``register_stimulus_set_hook``, called with every StimulusSet before its paths are read) records each path's code,
and the preprocessing returns the codes of the paths it is given. An image shown without a StimulusSet (e.g. the
mid-gray image with which the texture benchmark probes a layer's shape) has no design label: its code is all zeros.
"""

from __future__ import annotations

import os

import numpy as np
import torch
from torch import nn

from brainscore_lcl.data.facts import FAMILIES, TEXTURE_TYPES
from brainscore_lcl.errors import UsageError
from brainscore_lcl.metrics.behaviour import CATEGORIES, category_members
from brainscore_lcl.model_helpers.commitment import config_sha256, make_commitment, refuse_checkpoint
from brainscore_lcl.registry import model_registry

MODEL_ID = "control-design"
#: the StimulusSet columns read, per experiment
FREEMAN_ZIEMBA_COLUMNS = ("texture_family", "texture_type")
GEIRHOS_COLUMN = "category"
#: one unit per design label: (family, type) pairs of Freeman & Ziemba (2013), then Geirhos et al.'s categories
DESIGN_UNITS: tuple[str, ...] = tuple(f"{family}-{kind}" for family in FAMILIES for kind in TEXTURE_TYPES) + tuple(
    CATEGORIES
)
#: logit of a category's ImageNet classes for a stimulus of that category (the others get 0)
LOGIT = 10.0
#: the stimuli's own extent (degrees): the model reads no pixels, so placing images on a screen would only cost time
VISUAL_DEGREES = 4


def design_labels(stimulus_set) -> list[str]:
    """Each stimulus's design label (an entry of ``DESIGN_UNITS``), in the StimulusSet's row order; ``UsageError``
    when it has neither design columns or holds a label outside the design."""
    columns = set(stimulus_set.columns)
    if set(FREEMAN_ZIEMBA_COLUMNS) <= columns:
        labels = [
            f"{int(family)}-{kind}"
            for family, kind in zip(stimulus_set["texture_family"], stimulus_set["texture_type"])
        ]
    elif GEIRHOS_COLUMN in columns:
        labels = [str(category) for category in stimulus_set[GEIRHOS_COLUMN]]
    else:
        raise UsageError(
            f"{MODEL_ID} reads the design labels from a StimulusSet's columns {' and '.join(FREEMAN_ZIEMBA_COLUMNS)} "
            f"(Freeman-Ziemba) or {GEIRHOS_COLUMN} (Geirhos), and stimulus set {stimulus_set.identifier!r} has "
            "neither; score it on a FreemanZiemba2013* or Geirhos benchmark"
        )
    unknown = sorted(set(labels) - set(DESIGN_UNITS))
    if unknown:
        raise UsageError(
            f"{MODEL_ID}: stimulus set {stimulus_set.identifier!r} has design labels {unknown[:3]} outside the "
            "Freeman-Ziemba families and Geirhos categories; score it on a FreemanZiemba2013* or Geirhos benchmark"
        )
    return labels


def one_hot(labels: list[str]) -> np.ndarray:
    """(n_stimuli, len(DESIGN_UNITS)) float32 one-hot code of ``labels``."""
    codes = np.zeros((len(labels), len(DESIGN_UNITS)), dtype=np.float32)
    codes[np.arange(len(labels)), [DESIGN_UNITS.index(label) for label in labels]] = 1.0
    return codes


class DesignCodes:
    """The preprocessing of ``control-design``: image paths -> their one-hot codes (n, len(DESIGN_UNITS)), learned
    from every StimulusSet the extractor is given (``remember``, its stimulus-set hook); all zeros for a path no
    StimulusSet named."""

    def __init__(self):
        self.codes: dict[str, np.ndarray] = {}

    def remember(self, stimulus_set):
        """Record the code of each stimulus's path; returns ``stimulus_set`` unchanged (a stimulus-set hook)."""
        codes = one_hot(design_labels(stimulus_set))
        for row, stimulus_id in enumerate(stimulus_set["stimulus_id"]):
            self.codes[str(stimulus_set.get_stimulus(stimulus_id))] = codes[row]
        return stimulus_set

    def __call__(self, paths: list[str]) -> np.ndarray:
        unlabelled = np.zeros(len(DESIGN_UNITS), dtype=np.float32)
        return np.stack([self.codes.get(str(path), unlabelled) for path in paths])


class DesignNetwork(nn.Module):
    """(batch, len(DESIGN_UNITS)) codes -> the ``design`` layer (the codes themselves) and 1000 ImageNet logits.

    Any other input (a benchmark checking the readout's shape on a blank image) is read as its first
    len(DESIGN_UNITS) values."""

    def __init__(self):
        super().__init__()
        self.design = nn.Identity()
        self.logits = nn.Linear(len(DESIGN_UNITS), 1000, bias=False)
        weights = torch.zeros(1000, len(DESIGN_UNITS))
        for name, indices in category_members().items():
            weights[list(indices), DESIGN_UNITS.index(name)] = LOGIT
        self.logits.weight = nn.Parameter(weights, requires_grad=False)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        return self.logits(self.design(codes.flatten(1)[:, : len(DESIGN_UNITS)]))


def get_model(checkpoint: str | os.PathLike | None = None):
    """``ModelCommitment`` of the design code, committed to V1 and V2 (layer ``design``)."""
    refuse_checkpoint(MODEL_ID, checkpoint, "a fixed one-hot code")
    codes = DesignCodes()
    model = make_commitment(
        MODEL_ID,
        DesignNetwork(),
        weights_sha256=config_sha256({"model": MODEL_ID, "units": DESIGN_UNITS, "logit": LOGIT}),
        layers=["design"],
        region_layer_map=model_registry[MODEL_ID].region_layers,
        preprocessing=codes,
        image_size=224,
        visual_degrees=VISUAL_DEGREES,
        by_image_content=False,
    )
    model.activations_model._extractor.register_stimulus_set_hook(codes.remember)
    return model
