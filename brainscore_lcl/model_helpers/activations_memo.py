"""Each image's activations computed once per network and process, whatever stimulus set or model it comes in.

Brain-Score's activations cache (``result_caching``) is keyed by model and stimulus set: the 450 images of the
texture-modulation benchmark ("all") are run through the network again although the V1 and V2 benchmarks already ran
its 315 private and 135 public images (the same files, placed on screen the same way), and ``v1-steerpyr`` and
``v1-steerpyr-pool`` (one network, two region maps) each run every image. ``ActivationsMemo`` stands in for an
extractor's ``_get_activations_batched`` (installed by ``brainscore_patches.remember_activations``) so that every
image (named by the sha1 of its placed file, not its path) is run once per network key (``make_commitment``'s
``activations_key``: by default the model's activations identifier); later
requests take its rows from memory and run only the images not seen yet, and a request whose images are all held is
packaged from memory instead of being read back from the disk cache.

The rows are the extractor's own, unchanged (after its batch hooks), so numbers equal those of a fresh run as long as
the network's forward pass gives each image the same bits whatever batch it is in; the suite's models do on CPU
(checked bit for bit by ``tests/test_speed_structure.py``). Requests with microsaccades (``require_variance``) are
passed through untouched. Memory: one row per image and layer (e.g. 0.8 MB per image for the five AlexNet candidate
layers in float32), for the ``MAX_NETWORKS`` networks used last.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: how many networks' activations are held (the least recently used is dropped first)
MAX_NETWORKS = 4


def file_sha1(path: str | Path) -> str:
    """sha1 of a file's bytes (an image's identity, whatever its path); read again only when the file changed."""
    status = os.stat(path)
    return _file_sha1(str(path), status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=65536)
def _file_sha1(path: str, modified_ns: int, size: int) -> str:
    return hashlib.sha1(Path(path).read_bytes(), usedforsecurity=False).hexdigest()


class ImageActivations:
    """One network's activations: a row per (layer, image sha1), and the layer orders its extractor returned."""

    def __init__(self):
        self.rows: dict[tuple[str, str], np.ndarray] = {}
        self.layer_orders: list[list[str]] = []

    def layer_order(self, layers: Sequence[str]) -> list[str] | None:
        """``layers`` in the order the extractor returned them before (the network's execution order), or None when
        no earlier request held them all."""
        wanted = set(layers)
        for seen in self.layer_orders:
            if wanted <= set(seen):
                return [layer for layer in seen if layer in wanted]
        return None


_NETWORKS: OrderedDict[str, ImageActivations] = OrderedDict()


def network_activations(key: str) -> ImageActivations:
    """The held activations of the network ``key`` (new and empty at first; ``MAX_NETWORKS`` kept)."""
    if key not in _NETWORKS:
        _NETWORKS[key] = ImageActivations()
        while len(_NETWORKS) > MAX_NETWORKS:
            _NETWORKS.popitem(last=False)
    _NETWORKS.move_to_end(key)
    return _NETWORKS[key]


class ActivationsMemo:
    """Stands in for an extractor's ``_get_activations_batched(paths, layers, batch_size, require_variance)``:
    {layer: array (image, ...)} in the extractor's layer order, computing only the images (by content) not held yet
    by the network ``key``."""

    def __init__(self, compute: Callable[..., OrderedDict], microsaccades: Any, key: str):
        self._compute, self._microsaccades, self._key = compute, microsaccades, key

    def on_compute(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` each time the network really runs on images (not for a request served from memory)."""
        compute = self._compute

        def counted(*args, **kwargs):
            callback()
            return compute(*args, **kwargs)

        self._compute = counted

    def holds(self, paths: Sequence[str], layers: Sequence[str]) -> bool:
        """Whether every layer of every image of ``paths`` is held (then a call runs nothing)."""
        held = network_activations(self._key)
        return held.layer_order(layers) is not None and all(
            (layer, digest) in held.rows for digest in map(file_sha1, paths) for layer in layers
        )

    def __call__(self, paths: Sequence[str], layers: Sequence[str], batch_size: int, require_variance: bool = False):
        if require_variance or self._microsaccades.number_of_trials != 1:
            return self._compute(paths, layers=layers, batch_size=batch_size, require_variance=require_variance)
        held = network_activations(self._key)
        digests = [file_sha1(path) for path in paths]
        order = held.layer_order(layers)
        missing = list(
            dict.fromkeys(
                digest
                for digest in digests
                if order is None or any((layer, digest) not in held.rows for layer in layers)
            )
        )
        if missing:
            first_path = {digest: path for path, digest in reversed(list(zip(paths, digests)))}
            computed = self._compute(
                [first_path[digest] for digest in missing],
                layers=layers,
                batch_size=batch_size,
                require_variance=require_variance,
            )
            order = list(computed)
            held.layer_orders.append(order)
            for layer, values in computed.items():
                for row, digest in enumerate(missing):
                    held.rows[(layer, digest)] = values[row]
        for path in paths:  # what the extractor's packaging reads of each image it ran (no shift without variance)
            self._microsaccades.microsaccades["pixels"][path] = [(0.0, 0.0)]
            self._microsaccades.microsaccades["degrees"][path] = [(0.0, 0.0)]
        return OrderedDict((layer, np.stack([held.rows[(layer, digest)] for digest in digests])) for layer in order)


def forget_activations() -> None:
    """Drop every network's held activations (e.g. between tests that must see Brain-Score's disk cache written)."""
    _NETWORKS.clear()
