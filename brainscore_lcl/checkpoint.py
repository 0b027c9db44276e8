"""Encoder checkpoints that carry their own description.

A checkpoint is a ``torch.save`` of a plain dict (loadable with ``weights_only=True``)::

    {"format": "brainscore-lcl/encoder/1",
     "state_dict": {name: tensor},         # encoder weights only (no projectors, no optimiser)
     "architecture": {"n_stages": 2, "blur_size": 3},
     "config": {...},                      # the training config, as plain data
     "data": "1000-image ImageNet sample", # what it was trained on
     "meta": {...},                        # steps, validation-loss curve, code version, ...
     "sha256": "..."}                      # of the state_dict's tensors, see ``state_dict_sha256``

``load_encoder_checkpoint`` checks the content against one schema (``EncoderCheckpoint``, pydantic: the types of
every entry above, down to the config's sections and each stage's view), verifies the checksum and the architecture,
and names the file in every error: a file whose format and sha256 are valid but whose content is not ends in one
sentence there, not in a ``KeyError`` in whichever command reads the entry first.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import tempfile
from pathlib import Path
from typing import Any

import pydantic
import torch
from pydantic_core import PydanticCustomError

from brainscore_lcl.errors import RunError
from brainscore_lcl.paths import existing_file

FORMAT = "brainscore-lcl/encoder/1"


class CheckpointError(RunError):
    """A checkpoint file that cannot be used, with a message naming the file and what to do."""


class _Schema(pydantic.BaseModel):
    """A mapping with these typed entries; other entries are allowed (newer writers may add some)."""

    model_config = pydantic.ConfigDict(extra="allow", arbitrary_types_allowed=True, strict=True)


class _View(_Schema):
    center_crop: int
    output_size: int


class _Stage(_Schema):
    view: _View


class _Config(_Schema):
    """The training config, as plain data (``training.config``); its sections are mappings where present."""

    name: str | None = None
    objective: dict[str, Any] = {}
    optimizer: dict[str, Any] = {}
    training: dict[str, Any] = {}
    stages: list[_Stage] = []


class _Architecture(_Schema):
    """An LCL encoder's ``n_stages`` and ``blur_size``, or another encoder's ``kind`` (e.g. ``alexnet-bn``, the
    Barlow Twins E2E encoder)."""

    n_stages: int | None = None
    blur_size: int | None = None
    kind: str | None = None

    @pydantic.model_validator(mode="after")
    def _lcl_or_kind(self):
        if self.kind is None and (self.n_stages is None or self.blur_size is None):
            raise PydanticCustomError("lcl_architecture", "an LCL encoder needs n_stages and blur_size")
        return self


class EncoderCheckpoint(_Schema):
    """The content of an encoder checkpoint (module docstring), as ``load_encoder_checkpoint`` requires it."""

    format: str
    state_dict: dict[str, torch.Tensor]
    architecture: _Architecture
    config: _Config
    data: str = ""
    meta: dict[str, Any] = {}
    sha256: str | None = None  # verify_sha256 explains a missing one


#: pydantic's error types in words
_EXPECTED = {
    "model_type": "a mapping",
    "dict_type": "a mapping",
    "list_type": "a list",
    "int_type": "a whole number",
    "string_type": "text",
    "is_instance_of": "a tensor",
    "lcl_architecture": "n_stages and blur_size, or the kind of another encoder",
}


def schema_problem(error: pydantic.ValidationError) -> str:
    """The first problem pydantic found, in words: ``'config' is missing`` or ``'config.stages' is 'x' (expected a
    list)``."""
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "missing":
        return f"has no {where!r} entry"
    expected = _EXPECTED.get(first["type"], first["msg"])
    return f"has {where!r} {first['input']!r:.60} (expected {expected})"


def check_schema(payload: dict[str, Any], path: str | os.PathLike, schema: type[pydantic.BaseModel]) -> None:
    """``CheckpointError`` naming ``path`` and the first entry of ``payload`` that ``schema`` refuses."""
    try:
        schema.model_validate(payload)
    except pydantic.ValidationError as error:
        raise CheckpointError(
            f"checkpoint {path} {schema_problem(error)}, so it was not written by `brainscore train`; pass a "
            "checkpoint that was (OUT/encoder.pt)"
        ) from None


def state_dict_sha256(state_dict: dict[str, torch.Tensor]) -> str:
    """sha256 over the names, dtypes, shapes and bytes of ``state_dict``'s tensors, in sorted name order."""
    digest = hashlib.sha256()
    for name in sorted(state_dict):
        tensor = state_dict[name].detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.numpy().tobytes() if tensor.dtype != torch.bfloat16 else tensor.float().numpy().tobytes())
    return digest.hexdigest()


def atomic_torch_save(obj: Any, path: str | os.PathLike) -> None:
    """``torch.save`` to a temporary file beside ``path``, then rename: a killed process never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        torch.save(obj, temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def save_encoder_checkpoint(
    path: str | os.PathLike,
    state_dict: dict[str, torch.Tensor],
    *,
    architecture: dict[str, Any],
    config: dict[str, Any],
    data: str,
    meta: dict[str, Any],
) -> str:
    """Write an encoder checkpoint (format above) atomically; returns its sha256."""
    state_dict = {name: tensor.detach().cpu().clone() for name, tensor in state_dict.items()}
    checksum = state_dict_sha256(state_dict)
    atomic_torch_save(
        {
            "format": FORMAT,
            "state_dict": state_dict,
            "architecture": dict(architecture),
            "config": config,
            "data": data,
            "meta": meta,
            "sha256": checksum,
        },
        path,
    )
    return checksum


#: the one-line command that turns a file holding pickled Python objects (a whole module saved with
#: ``torch.save(model)``, a PyTorch Lightning checkpoint) into a state-dict file that loads with ``weights_only``
EXTRACT_COMMAND = (
    "python -c \"import torch; c = torch.load('{source}', map_location='cpu', weights_only=False); "
    "torch.save({{'state_dict': c.state_dict() if hasattr(c, 'state_dict') else c['state_dict']}}, "
    "'{target}')\""
)
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def _pickled_global(error: Exception) -> str | None:
    """The Python object named by torch's weights-only refusal (e.g. ``torch.nn.modules.container.Sequential``), or
    None when ``error`` is not such a refusal (a truncated or foreign file)."""
    found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", _ANSI_ESCAPE.sub("", str(error)))
    return found.group(1) if isinstance(error, pickle.UnpicklingError) and found else None


def _load_reason(error: Exception) -> str:
    """What ``torch.load`` says went wrong, in one short line: the weights-only unpickler's own reason when it gives
    one (e.g. "Unsupported operand 110"), else the first line of the message."""
    text = _ANSI_ESCAPE.sub("", str(error))
    text = text.partition("WeightsUnpickler error:")[2] or text
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:160]


def read_checkpoint(path: str | os.PathLike, *, kind: str, missing_hint: str) -> Any:
    """``torch.load(weights_only=True)`` of ``path``; a missing, unreadable or unsafe file raises ``CheckpointError``
    naming it (``kind``, e.g. "checkpoint") in one sentence: for a missing one with ``missing_hint`` (what to do
    instead), for one holding pickled objects (a whole module) with ``EXTRACT_COMMAND``; a folder is a
    ``UsageError``."""
    path = existing_file(path, kind, missing_hint, CheckpointError)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for truncated or foreign files
        pickled = _pickled_global(error)
        if pickled is None:
            reason = ": ".join(filter(None, (type(error).__name__, _load_reason(error))))
            raise CheckpointError(
                f"{kind} {path} cannot be read ({reason}); it is corrupted or not a torch file"
            ) from None
        target = path.with_name(f"{path.stem}.state_dict.pt")
        raise CheckpointError(
            f"{kind} {path} holds pickled Python objects ({pickled}), e.g. a whole module saved "
            "with torch.save(model), which are not loaded unsafely; if you trust the file, extract "
            f"its state dict once with {EXTRACT_COMMAND.format(source=path, target=target)} and "
            f"pass {target}"
        ) from None


def verify_sha256(payload: dict[str, Any], path: str | os.PathLike, kind: str) -> None:
    """Raise ``CheckpointError`` naming ``path`` unless ``payload["sha256"]`` matches its state dict."""
    if not payload.get("sha256"):
        raise CheckpointError(
            f"{kind} {path} has no 'sha256' entry, so its weights cannot be verified; re-save it "
            "with brainscore_lcl.checkpoint.save_encoder_checkpoint (as `brainscore train` does), "
            "which records it"
        )
    checksum = state_dict_sha256(payload["state_dict"])
    if checksum != payload["sha256"]:
        raise CheckpointError(
            f"{kind} {path} fails its sha256 check (stored {payload['sha256']}, "
            f"computed {checksum}); the file is corrupted"
        )


def load_encoder_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read and verify an encoder checkpoint; raises ``CheckpointError`` naming ``path`` on any problem."""
    payload = read_checkpoint(
        path, kind="checkpoint", missing_hint="train one with `brainscore train` or pass an existing file"
    )
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(
            f"checkpoint {path} is not a brainscore-lcl encoder checkpoint (expected format {FORMAT!r})"
        )
    if not isinstance(payload.get("state_dict"), dict):
        raise CheckpointError(
            f"checkpoint {path} has no 'state_dict' entry of weights; pass a checkpoint written by "
            "`brainscore train` (OUT/encoder.pt)"
        )
    check_schema(payload, path, EncoderCheckpoint)
    verify_sha256(payload, path, "checkpoint")
    return payload


def build_encoder(payload: dict[str, Any], path: str | os.PathLike = "<checkpoint>") -> torch.nn.Module:
    """The ``LCLEncoder`` described by a loaded checkpoint, with its weights, in eval mode."""
    from brainscore_lcl.model_helpers.architecture import LCLEncoder

    try:
        encoder = LCLEncoder(**payload["architecture"])
    except (TypeError, ValueError) as error:
        raise CheckpointError(
            f"checkpoint {path} names an unknown architecture {payload['architecture']}: {error}"
        ) from None
    expected = encoder.state_dict()
    stored = payload["state_dict"]
    missing = sorted(set(expected) - set(stored))
    unexpected = sorted(set(stored) - set(expected))
    mismatched = sorted(name for name in set(stored) & set(expected) if stored[name].shape != expected[name].shape)
    if missing or unexpected or mismatched:
        raise CheckpointError(
            f"checkpoint {path} does not fit the LCL architecture {payload['architecture']}: "
            f"missing {missing[:3]}, unexpected {unexpected[:3]}, wrong shape {mismatched[:3]}"
        )
    encoder.load_state_dict(stored)
    return encoder.eval()
