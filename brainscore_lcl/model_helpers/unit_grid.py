"""Where each recorded unit of a layer looks: its receptive-field centre from the layer's geometry.

A layer's output for one image has shape (channels, rows, columns) for convolutional layers; Brain-Score flattens it
in C order, so unit u sits at channel u // (rows * columns), row (u // columns) % rows, column u % columns. Its centre
is taken where that grid position falls on the input when the grid tiles the input evenly: row r of R maps to input
pixel (r + 0.5) * size / R, i.e. ((r + 0.5) / R - 0.5) * visual_degrees from the centre. This is the layer's geometry,
not a measured receptive-field map: for padded convolutions and poolings the true centre differs from it by at most
about one input stride (e.g. AlexNet's conv1, stride 4 px at 224 px: 0-2.4 px, under 0.1 degree). A layer without a
spatial grid (fully connected, pooled to 1 x 1, tokens) has every unit centred on the image.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from brainscore_lcl.metrics.texture import UnitSelection, grid_centres_degrees, select_units


def layer_output_shapes(model, layers: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """{layer: shape of its output for one image} of a layer-committed model (``ModelCommitment``), from one forward
    pass of a mid-gray image through the model's own preprocessing and Brain-Score's layer hooks."""
    from PIL import Image

    wrapper = model.activations_model
    size = int(getattr(wrapper, "image_size", 224))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gray.png"
        Image.fromarray(np.full((size, size, 3), 128, dtype=np.uint8)).save(path)
        batch = wrapper._extractor.preprocess([str(path)])
        outputs = wrapper.get_activations(batch, list(layers))
    return {layer: tuple(np.asarray(values).shape[1:]) for layer, values in outputs.items()}


def unit_centres(model, layer: str) -> np.ndarray | None:
    """(n_units, 2) receptive-field centres (row, column offsets from the image centre, degrees) of ``layer``'s
    units in Brain-Score's order (module docstring); None for a model that is not layer-committed (no geometry)."""
    if getattr(model, "activations_model", None) is None or not hasattr(model, "visual_degrees"):
        return None
    shape = layer_output_shapes(model, [layer])[layer]
    return grid_centres_degrees(shape, model.visual_degrees())


def stimulus_units(
    model, layer: str | None, features: np.ndarray, aperture_degrees: float, units: str = "centred"
) -> UnitSelection:
    """``select_units`` of ``features`` (image, unit) recorded from ``layer`` of ``model``, the stimulus shown at
    ``aperture_degrees`` (its aperture's diameter); with no layer geometry every unit counts as centred."""
    centres = None if layer is None or units == "all" else unit_centres(model, layer)
    if centres is not None and len(centres) != features.shape[1]:
        centres = None
    return select_units(features, centres, aperture_degrees / 2, units=units)
