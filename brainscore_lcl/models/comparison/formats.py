"""Reading the published checkpoint formats of the comparison models into this suite's module names.

Every file is read with ``torch.load(weights_only=True)``; a file that holds pickled Python objects besides tensors
and plain containers (e.g. a PyTorch Lightning checkpoint with its hyper-parameter object) is refused with a sentence
saying how to extract its state dict. The converters are pure functions on the loaded payloads:

- torchvision (``alexnet-owt-7be5be79.pth``): a plain state dict, used as is.
- Madry et al.'s robustness library (``make_and_restore_model`` checkpoints, as Chen et al. 2020 trained AlexNet-R):
  ``{"model": {...}, "epoch": ...}`` (or ``"state_dict"``) with keys ``module.model.<name>`` (the network),
  ``module.attacker.model.<name>`` (the same network inside the attacker: dropped), ``module.normalizer.new_mean`` /
  ``new_std`` (3, 1, 1) (the input normalisation the network was trained with) and ``module.attacker.normalize.*``.
  Its AlexNet splits torchvision's classifier: ``last_layer`` is torchvision's ``classifier.6``.
- VOneNet (Dapello et al. 2020, ``vonealexnet_e70.pth.tar``): ``{"flags": {...}, "state_dict": {...}, ...}`` with keys
  ``module.vone_block.simple_conv_q0.weight``, ``module.vone_block.simple_conv_q1.weight``,
  ``module.bottleneck.weight``,
  ``module.model.features.*``, ``module.model.classifier.*``; ``flags`` holds the VOneBlock's settings.
- LPL (Halvagal & Zenke 2023, a PyTorch Lightning checkpoint of ``lpl_main.py --encoder alexnet``): ``state_dict`` keys
  ``network.encoder.blocks.<i>.<j>.<param>``; the training-only ``network.encoder.projectors.*`` are dropped.
"""

from __future__ import annotations

import os
from typing import Any

import torch

from brainscore_lcl.checkpoint import CheckpointError, read_checkpoint


def read_weights_file(path: str | os.PathLike, kind: str) -> Any:
    """``torch.load(path, weights_only=True)``; ``CheckpointError`` naming ``path`` when it cannot be read safely
    (``brainscore_lcl.checkpoint.read_checkpoint``)."""
    return read_checkpoint(path, kind=kind, missing_hint="pass an existing file")


def strip_prefix(state_dict: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    """The entries whose key starts with ``prefix``, with the prefix removed."""
    return {key[len(prefix) :]: value for key, value in state_dict.items() if key.startswith(prefix)}


def _state_dict(payload: Any, keys: tuple[str, ...], kind: str, path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The first of ``keys`` present in a dict ``payload``; ``CheckpointError`` otherwise."""
    if isinstance(payload, dict):
        for key in keys:
            if isinstance(payload.get(key), dict):
                return payload[key]
    found = sorted(payload)[:8] if isinstance(payload, dict) else type(payload).__name__
    raise CheckpointError(f"{kind} {path} is not in the expected format (no {' or '.join(keys)} entry; found {found})")


def robustness_alexnet(
    payload: Any, path: str | os.PathLike = "<file>"
) -> tuple[dict[str, torch.Tensor], tuple[float, ...], tuple[float, ...]]:
    """A robustness-library AlexNet checkpoint as (torchvision AlexNet state dict, input mean, input std)."""
    kind = "robustness-library checkpoint"
    state = _state_dict(payload, ("model", "state_dict"), kind, path)
    network = strip_prefix(state, "module.model.")
    if not network or "module.normalizer.new_mean" not in state:
        raise CheckpointError(
            f"{kind} {path} has no 'module.model.*' weights or no 'module.normalizer.new_mean' "
            "(is it a robustness-library ImageNet checkpoint?)"
        )
    converted = {
        ("classifier.6." + key[len("last_layer.") :]) if key.startswith("last_layer.") else key: value
        for key, value in network.items()
    }
    mean = tuple(float(value) for value in state["module.normalizer.new_mean"].flatten())
    std = tuple(float(value) for value in state["module.normalizer.new_std"].flatten())
    return converted, mean, std


def vonenet(payload: Any, path: str | os.PathLike = "<file>") -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """A VOneNet checkpoint as (state dict with ``vone_block.*``, ``bottleneck.*``, ``model.*`` keys, its flags)."""
    kind = "VOneNet checkpoint"
    state = _state_dict(payload, ("state_dict",), kind, path)
    stripped = strip_prefix(state, "module.") if all(key.startswith("module.") for key in state) else dict(state)
    if "vone_block.simple_conv_q0.weight" not in stripped:
        raise CheckpointError(f"{kind} {path} has no 'module.vone_block.simple_conv_q0.weight'")
    return stripped, dict(payload.get("flags") or {})


def lpl_alexnet(payload: Any, path: str | os.PathLike = "<file>") -> dict[str, torch.Tensor]:
    """An LPL (Lightning) AlexNet checkpoint, or its extracted ``{"state_dict": ...}``, as ``blocks.*`` weights."""
    kind = "LPL checkpoint"
    blocks = strip_prefix(_state_dict(payload, ("state_dict",), kind, path), "network.encoder.")
    blocks = {key: value for key, value in blocks.items() if key.startswith("blocks.")}
    if not blocks:
        raise CheckpointError(
            f"{kind} {path} has no 'network.encoder.blocks.*' weights (is it from lpl_main.py --encoder alexnet?)"
        )
    return blocks


def load_into(
    network: torch.nn.Module, state_dict: dict[str, torch.Tensor], kind: str, path: str | os.PathLike
) -> torch.nn.Module:
    """``network.load_state_dict(state_dict)`` (strict); a mismatch raises ``CheckpointError`` naming the keys."""
    expected = network.state_dict()
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    wrong_shape = sorted(key for key in set(expected) & set(state_dict) if expected[key].shape != state_dict[key].shape)
    if missing or unexpected or wrong_shape:
        raise CheckpointError(
            f"{kind} {path} does not fit the network: missing {missing[:4]}, unexpected "
            f"{unexpected[:4]}, wrong shape {wrong_shape[:4]}"
        )
    network.load_state_dict(state_dict)
    return network.eval()
