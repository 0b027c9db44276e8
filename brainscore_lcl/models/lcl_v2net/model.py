"""LCL-V2Net (Sec. 2.4, 3.5; Table A.3): the frozen LCL-V2 front end plus a supervised AlexNet-BN back end; and the
same classifier stage on the other frozen encoders of Sec. 3.5 (A.1.6: "we train a classifier stage (as defined in
Table A.3), that operates on the output of the fixed network").

| id | frozen front end | trained stages (Table A.3) |
|---|---|---|
| ``lcl-v2net`` | ``lcl-v2`` (LCL encoder, 2 stages, 192 channels) | downstream features (conv3-5) + classifier |
| ``blockbarlow-net`` | ``blockbarlow`` (the same architecture) | downstream features (conv3-5) + classifier |
| ``barlow-e2e-alexnet-net`` | ``barlow-e2e-alexnet`` (AlexNet-BN, conv1-5, 256 channels) | classifier only |

The AlexNet-BN of Barlow Twins E2E already holds conv3-5, so only Table A.3's "Classifier" part (global pool, MLP,
D = 256) is trained on it: our reading of A.1.6, which does not say which part of Table A.3 it means.

Architecture for a 224-px ImageNet-normalised RGB input::

    front_end   LCLEncoder (2 stages, frozen, always in eval mode)      -> (192, 14, 14)
    features    conv3 Conv2d(192, 384, 3, p1) bn3 relu3                 -> (384, 14, 14)
                conv4 Conv2d(384, 256, 3, p1) bn4 relu4                 -> (256, 14, 14)
                conv5 Conv2d(256, 256, 3, p1) bn5 relu5 pool5 MaxPool2d(3, 2) -> (256, 6, 6)
    classifier  avgpool AdaptiveAvgPool2d(1) flatten dropout6 fc6 Linear(256, 4096) bn6 relu6
                dropout7 fc7 Linear(4096, 4096) bn7 relu7 fc8 Linear(4096, 1000)   -> 1000 logits

Table A.3 writes ``AdaptiveAvgPool2d(1,1)`` and ``Linear(D, 4096)``: we read the pool literally (global average,
so D = 256, not torchvision AlexNet's 256 * 6 * 6), and its "BatchNorm2d(4096)" after a Linear as BatchNorm1d.
Module names follow AlexNet's numbering (conv3 is AlexNet's third convolution), so the Brain-Score layers are
``front_end.layer1`` (V1), ``front_end.layer2`` (V2), ``features.relu3`` (V4) and ``features.pool5`` (IT): the
same AlexNet stages that brainscore_vision's ``alexnet`` commits to V4 (``features.7``) and IT (``features.12``).
``classifier.fc8`` gives the ImageNet logits (behavioural readout).

Checkpoint (a ``torch.save`` of a plain dict, loadable with ``weights_only=True``)::

    {"format": "brainscore-lcl/lcl-v2net/1",
     "model_id": "lcl-v2net",               # or blockbarlow-net, barlow-e2e-alexnet-net (absent: lcl-v2net)
     "state_dict": {name: tensor},          # the whole network, front end included
     "architecture": {"front_end": {"n_stages": 2, "blur_size": 3},   # or {"kind": "alexnet-bn"}
                      "num_classes": 1000, "dropout": 0.5},
     "normalization": {"mean": [...], "std": [...]},   # the front end's input normalisation (absent: ImageNet's)
     "config": {...},                       # the training config, as plain data
     "front_end_sha256": "...",             # sha256 of the front end's weights = its encoder checkpoint's sha256
     "data": "...", "epoch": 90, "meta": {...},
     "sha256": "..."}                       # of state_dict, see ``brainscore_lcl.checkpoint.state_dict_sha256``

A resumable training checkpoint is the same dict with one more key, ``"training_state"``.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import Any

import torch
from torch import nn

from brainscore_lcl.checkpoint import FORMAT as ENCODER_FORMAT
from brainscore_lcl.checkpoint import (
    CheckpointError,
    atomic_torch_save,
    read_checkpoint,
    state_dict_sha256,
    verify_sha256,
)
from brainscore_lcl.data.imagenet import IMAGENET_MEAN, IMAGENET_STD
from brainscore_lcl.model_helpers.architecture import LCLEncoder
from brainscore_lcl.models.comparison.networks import AlexNetBN
from brainscore_lcl.models.lcl_v2net import CLASSIFIER_STAGE_IDS
from brainscore_lcl.registry import model_registry

MODEL_ID = "lcl-v2net"
ALEXNET_BN = "alexnet-bn"
FORMAT = "brainscore-lcl/lcl-v2net/1"
FRONT_END_PREFIX = "front_end."
LOGITS_LAYER = "classifier.fc8"
#: Layers Brain-Score records; the last one is the behavioural readout (``ModelCommitment`` uses ``layers[-1]``).
LAYERS = [
    "front_end.layer1",
    "front_end.layer2",
    "features.relu3",
    "features.relu4",
    "features.pool5",
    "classifier.relu6",
    "classifier.relu7",
    LOGITS_LAYER,
]
#: the Brain-Score layers of the classifier stage on the AlexNet-BN of Barlow Twins E2E
ALEXNET_BN_LAYERS = [
    "front_end.features.3",
    "front_end.features.7",
    "front_end.features.10",
    "front_end.features.13",
    "front_end.features.17",
    "classifier.relu6",
    "classifier.relu7",
    LOGITS_LAYER,
]
TRAIN_COMMAND = "brainscore train-net --front-end LCL_V2_CHECKPOINT --data IMAGENET_TRAIN_DIR --out DIR"


class AlexNetBNFeatures(AlexNetBN):
    """The AlexNet-BN of Barlow Twins E2E (``AlexNetBN``, same weights and names) returning its conv5 feature map
    (B, 256, 6, 6) after the last max-pool, which the classifier stage pools, instead of the pooled vector."""

    out_channels = (256,)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.features(images)


def build_front_end(architecture: dict[str, Any]) -> nn.Module:
    """The front end an ``architecture["front_end"]`` entry describes: ``{"kind": "alexnet-bn"}`` or an LCL encoder's
    keyword arguments (``{"n_stages": 2, "blur_size": 3}``)."""
    if architecture.get("kind") == ALEXNET_BN:
        return AlexNetBNFeatures()
    return LCLEncoder(**architecture)


def front_end_model(encoder_payload: dict[str, Any]) -> str:
    """The model id of a loaded encoder checkpoint: ``barlow-e2e-alexnet`` for the AlexNet-BN architecture,
    ``blockbarlow`` for an LCL-architecture encoder trained with a config named so, else ``lcl-v2``."""
    if encoder_payload["architecture"].get("kind") == ALEXNET_BN:
        return "barlow-e2e-alexnet"
    return "blockbarlow" if (encoder_payload.get("config") or {}).get("name") == "blockbarlow" else "lcl-v2"


def frozen_front_end(encoder_payload: dict[str, Any], path: str | os.PathLike) -> nn.Module:
    """The front end of a loaded encoder checkpoint (``brainscore train``'s ``encoder.pt``) with its weights, in eval
    mode; ``CheckpointError`` naming ``path`` when the weights do not fit the architecture it records."""
    if encoder_payload["architecture"].get("kind") != ALEXNET_BN:
        from brainscore_lcl.checkpoint import build_encoder

        return build_encoder(encoder_payload, path)
    network = AlexNetBNFeatures()
    try:
        network.load_state_dict(encoder_payload["state_dict"])
    except RuntimeError as error:
        raise CheckpointError(
            f"checkpoint {path} does not fit the AlexNet-BN architecture: {str(error).splitlines()[0]}"
        ) from None
    return network.eval()


def input_normalization(encoder_payload: dict[str, Any]) -> dict[str, list[float]]:
    """The input normalisation an encoder checkpoint records (``meta["normalization"]``), else ImageNet's."""
    recorded = (encoder_payload.get("meta") or {}).get("normalization") or {}
    return {
        "mean": [float(value) for value in recorded.get("mean", IMAGENET_MEAN)],
        "std": [float(value) for value in recorded.get("std", IMAGENET_STD)],
    }


def back_end_features(in_channels: int = 192) -> nn.Sequential:
    """AlexNet-BN convolutions 3-5 and the last max-pool (Table A.3); (B, in_channels, H, W) -> (B, 256, H', W')."""
    return nn.Sequential(
        OrderedDict(
            [
                ("conv3", nn.Conv2d(in_channels, 384, 3, padding=1)),
                ("bn3", nn.BatchNorm2d(384)),
                ("relu3", nn.ReLU()),
                ("conv4", nn.Conv2d(384, 256, 3, padding=1)),
                ("bn4", nn.BatchNorm2d(256)),
                ("relu4", nn.ReLU()),
                ("conv5", nn.Conv2d(256, 256, 3, padding=1)),
                ("bn5", nn.BatchNorm2d(256)),
                ("relu5", nn.ReLU()),
                ("pool5", nn.MaxPool2d(3, 2)),
            ]
        )
    )


def back_end_classifier(in_features: int = 256, num_classes: int = 1000, dropout: float = 0.5) -> nn.Sequential:
    """Global average pool and the AlexNet-BN MLP (Table A.3); (B, in_features, H, W) -> (B, num_classes) logits."""
    return nn.Sequential(
        OrderedDict(
            [
                ("avgpool", nn.AdaptiveAvgPool2d(1)),
                ("flatten", nn.Flatten()),
                ("dropout6", nn.Dropout(dropout)),
                ("fc6", nn.Linear(in_features, 4096)),
                ("bn6", nn.BatchNorm1d(4096)),
                ("relu6", nn.ReLU()),
                ("dropout7", nn.Dropout(dropout)),
                ("fc7", nn.Linear(4096, 4096)),
                ("bn7", nn.BatchNorm1d(4096)),
                ("relu7", nn.ReLU()),
                ("fc8", nn.Linear(4096, num_classes)),
            ]
        )
    )


class ClassifierStageNet(nn.Module):
    """Frozen front end (no gradients, BatchNorm statistics fixed: it stays in eval mode even under ``.train()``)
    followed by the trainable Table A.3 stages: downstream features (conv3-5) on an LCL encoder, none on AlexNet-BN
    (already conv1-5), then the classifier. Input (B, 3, 224, 224), output (B, num_classes) logits."""

    def __init__(self, front_end: nn.Module, num_classes: int = 1000, dropout: float = 0.5):
        super().__init__()
        self.front_end = front_end.requires_grad_(False).eval()
        self.features = (
            nn.Sequential()
            if isinstance(front_end, AlexNetBNFeatures)
            else back_end_features(front_end.out_channels[-1])
        )
        self.classifier = back_end_classifier(256, num_classes, dropout)
        self.num_classes, self.dropout = num_classes, dropout

    def train(self, mode: bool = True) -> ClassifierStageNet:
        super().train(mode)
        self.front_end.eval()
        return self

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(self.front_end(images)))

    def architecture(self) -> dict[str, Any]:
        """Plain-data description from which ``build_network`` rebuilds this network."""
        front_end = (
            {"kind": ALEXNET_BN}
            if isinstance(self.front_end, AlexNetBNFeatures)
            else {"n_stages": self.front_end.n_stages, "blur_size": self.front_end.blur_size}
        )
        return {
            "front_end": front_end,
            "num_classes": self.num_classes,
            "dropout": self.dropout,
        }

    def front_end_sha256(self) -> str:
        """sha256 of the front end's weights, comparable with its encoder checkpoint's ``sha256``."""
        return state_dict_sha256(self.front_end.state_dict())


def save_network_checkpoint(
    path: str | os.PathLike,
    network: ClassifierStageNet,
    *,
    config: dict[str, Any],
    data: str,
    epoch: int,
    meta: dict[str, Any] | None = None,
    training_state: dict[str, Any] | None = None,
    model_id: str = MODEL_ID,
    normalization: dict[str, list[float]] | None = None,
) -> str:
    """Write a classifier-stage checkpoint (format above) of ``model_id`` atomically, with ``training_state`` if
    given; ``normalization``: the front end's input normalisation (default ImageNet's); returns its sha256."""
    state_dict = {name: tensor.detach().cpu().clone() for name, tensor in network.state_dict().items()}
    checksum = state_dict_sha256(state_dict)
    payload = {
        "format": FORMAT,
        "model_id": model_id,
        "normalization": normalization or {"mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD)},
        "state_dict": state_dict,
        "architecture": network.architecture(),
        "config": config,
        "front_end_sha256": network.front_end_sha256(),
        "data": data,
        "epoch": int(epoch),
        "meta": meta or {},
        "sha256": checksum,
    }
    if training_state is not None:
        payload["training_state"] = training_state
    atomic_torch_save(payload, path)
    return checksum


def load_network_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read and verify an LCL-V2Net checkpoint; raises ``CheckpointError`` naming ``path`` on any problem."""
    payload = read_checkpoint(path, kind="LCL-V2Net checkpoint", missing_hint=f"train one with `{TRAIN_COMMAND}`")
    if isinstance(payload, dict) and payload.get("format") == ENCODER_FORMAT:
        raise CheckpointError(
            f"{path} is an encoder checkpoint (`brainscore train`), not a classifier-stage one (`brainscore "
            "train-net`, e.g. LCL-V2Net); use it as the front end: "
            f"`{TRAIN_COMMAND.replace('LCL_V2_CHECKPOINT', str(path))}`"
        )
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an LCL-V2Net checkpoint (expected format {FORMAT!r})")
    verify_sha256(payload, path, "LCL-V2Net checkpoint")
    return payload


def build_network(payload: dict[str, Any], path: str | os.PathLike = "<checkpoint>") -> ClassifierStageNet:
    """The ``ClassifierStageNet`` described by a loaded checkpoint, with its weights, in eval mode; checks that the
    front end's weights are those the checkpoint names (``front_end_sha256``)."""
    architecture = payload["architecture"]
    try:
        network = ClassifierStageNet(
            build_front_end(architecture["front_end"]),
            num_classes=architecture["num_classes"],
            dropout=architecture["dropout"],
        )
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(
            f"LCL-V2Net checkpoint {path} names an unknown architecture {architecture}: {error}"
        ) from None
    try:
        network.load_state_dict(payload["state_dict"])
    except RuntimeError as error:
        raise CheckpointError(
            f"LCL-V2Net checkpoint {path} does not fit its architecture {architecture}: {str(error).splitlines()[0]}"
        ) from None
    if network.front_end_sha256() != payload["front_end_sha256"]:
        raise CheckpointError(
            f"LCL-V2Net checkpoint {path}: the front end's weights do not match its recorded "
            f"front_end_sha256 {payload['front_end_sha256']}; the file is inconsistent, retrain it"
        )
    return network.eval()


def get_model(checkpoint: str | os.PathLike | None = None, model_id: str = MODEL_ID):
    """``ModelCommitment`` of ``model_id`` (``lcl-v2net``, ``blockbarlow-net`` or ``barlow-e2e-alexnet-net``) with the
    weights of ``checkpoint`` (224 px, 8 degrees, the checkpoint's input normalisation, region-layer map of its
    ``ModelRecord``, logits readout for ``BrainModel.Task.label``). The weights are kept in channels-last memory layout:
    about 30% less CPU time per image, the same outputs within 1e-7."""
    from brainscore_lcl.errors import ModelUnavailableError
    from brainscore_lcl.model_helpers.commitment import IMAGE_SIZE, make_commitment, normalized_preprocessing

    front_end_id = next(encoder for encoder, network in CLASSIFIER_STAGE_IDS.items() if network == model_id)
    command = TRAIN_COMMAND.replace("LCL_V2_CHECKPOINT", f"{front_end_id.upper().replace('-', '_')}_CHECKPOINT")
    if checkpoint is None:
        raise ModelUnavailableError(
            f"{model_id} ships no checkpoint: pass --checkpoint PATH to a checkpoint of its classifier stage, "
            f"or train one (ImageNet, GPU) on a frozen {front_end_id} encoder with `{command}`."
        )
    payload = load_network_checkpoint(checkpoint)
    trained = payload.get("model_id", MODEL_ID)
    if trained != model_id:
        raise CheckpointError(f"{checkpoint} holds {trained}, not {model_id}; pass it as --checkpoint of {trained}")
    network = build_network(payload, checkpoint).to(memory_format=torch.channels_last)
    normalization = payload.get("normalization") or {"mean": IMAGENET_MEAN, "std": IMAGENET_STD}
    return make_commitment(
        model_id,
        network,
        weights_sha256=payload["sha256"],
        layers=ALEXNET_BN_LAYERS if isinstance(network.front_end, AlexNetBNFeatures) else LAYERS,
        region_layer_map=model_registry[model_id].region_layers,
        preprocessing=normalized_preprocessing(IMAGE_SIZE, normalization["mean"], normalization["std"]),
        image_size=IMAGE_SIZE,
        checkpoint=checkpoint,
    )
