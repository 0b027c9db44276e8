"""The comparison models as Brain-Score ``ModelCommitment``s.

Each model's layer per region is chosen among the candidate layers of its ``ModelRecord`` on the public split of the
same data source, as for ``alexnet-untrained``; until then it holds the record's provisional region-layer map. Published
weights come from the weights folder (``brainscore_lcl.published_weights``: downloaded on first use, hash-checked);
``--checkpoint PATH`` loads a file of the same format instead. All inputs span 8 visual degrees.

ImageNet classifiers (``alexnet-supervised``, ``alexnet-l2at-eps3``, ``vonenet-alexnet``) return their 1000 logits
from ``forward``, which is what Brain-Score's ``start_task(BrainModel.Task.label, 'imagenet')`` reads (the
activations model's ``logits`` layer); their last recorded layer (fc7) is the readout for probability tasks.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import torch
import torchvision

from brainscore_lcl.checkpoint import CheckpointError, load_encoder_checkpoint, state_dict_sha256
from brainscore_lcl.data.imagenet import IMAGENET_MEAN, IMAGENET_STD
from brainscore_lcl.data.remote import OFFLINE_MODEL_HINT, load_from_brainscore_vision
from brainscore_lcl.errors import ModelUnavailableError
from brainscore_lcl.model_helpers.commitment import (
    IMAGE_SIZE,
    imagenet_preprocessing,
    make_commitment,
    normalized_preprocessing,
    refuse_checkpoint,
)
from brainscore_lcl.models.comparison import ALIASES, formats
from brainscore_lcl.models.comparison.networks import AlexNetBN, LPLAlexNet, VOneAlexNet
from brainscore_lcl.published_weights import weights_path
from brainscore_lcl.registry import model_registry

#: Recorded beyond the candidates: fc6 and fc7 (the last recorded layer is Brain-Score's probability readout).
CLASSIFIER_LAYERS = {
    "alexnet-supervised": ["classifier.2", "classifier.5"],
    "alexnet-l2at-eps3": ["classifier.2", "classifier.5"],
    "vonenet-alexnet": ["model.classifier.2", "model.classifier.5"],
    "lpl-alexnet": ["blocks.5", "blocks.6"],
    "barlow-e2e-alexnet": [],
}
VONENET_MEAN = VONENET_STD = (0.5, 0.5, 0.5)  # VOneNet README: trained on images normalised with 0.5, 0.5
STL10_MEAN, STL10_STD = (0.43, 0.42, 0.39), (0.27, 0.26, 0.27)  # pl_bolts stl10_normalization, used by LPL
STL10_IMAGE_SIZE = 96  # [ours] LPL's input size: STL-10's, as trained (the paper does not give one)
BARLOW_E2E_TRAIN = "brainscore train --config barlow-e2e-alexnet --data IMAGENET_TRAIN_DIR --out DIR"
LPL_TRAIN = (
    "python lpl_main.py --encoder alexnet --dataset stl10 --max_epochs 800 "
    "(github.com/fmi-basel/latent-predictive-learning)"
)


def resolve_weights(model_id: str, checkpoint: str | os.PathLike | None) -> Path:
    """``checkpoint`` if given, else the model's registered published file (downloaded on first use, hash-checked)."""
    return Path(checkpoint) if checkpoint is not None else weights_path(model_id, model_registry[model_id].weights[0])


def require_checkpoint(model_id: str, checkpoint: str | os.PathLike | None, how: str) -> Path:
    """``checkpoint`` as a path; ``ModelUnavailableError`` (one sentence) when no checkpoint is given."""
    if checkpoint is None:
        raise ModelUnavailableError(
            f"{model_id} has no published weights: pass --checkpoint PATH, e.g. a file trained with `{how}`"
        )
    return Path(checkpoint)


def commit(model_id: str, network: torch.nn.Module, path: Path, preprocessing, image_size: int):
    """``ModelCommitment`` of ``network`` recording candidates plus classifier layers, provisional region map."""
    record = model_registry[model_id]
    return make_commitment(
        model_id,
        network,
        weights_sha256=state_dict_sha256(network.state_dict()),
        layers=list(record.candidate_layers) + CLASSIFIER_LAYERS[model_id],
        region_layer_map=record.region_layers,
        preprocessing=preprocessing,
        image_size=image_size,
        checkpoint=path,
    )


def alexnet_supervised(checkpoint: str | os.PathLike | None = None):
    """torchvision's ImageNet-supervised AlexNet without BatchNorm (A.1.7); 224 px, ImageNet normalisation."""
    path = resolve_weights("alexnet-supervised", checkpoint)
    state = formats.read_weights_file(path, "torchvision AlexNet weights")
    network = formats.load_into(torchvision.models.alexnet(weights=None), state, "torchvision AlexNet weights", path)
    return commit("alexnet-supervised", network, path, imagenet_preprocessing(IMAGE_SIZE), IMAGE_SIZE)


def alexnet_l2at(checkpoint: str | os.PathLike | None = None):
    """The L2 adversarially trained (eps = 3) AlexNet (A.1.8): a robustness-library checkpoint converted to
    torchvision's AlexNet; 224 px, normalised with the checkpoint's own normaliser (``module.normalizer``)."""
    path = resolve_weights("alexnet-l2at-eps3", checkpoint)
    state, mean, std = formats.robustness_alexnet(
        formats.read_weights_file(path, "robustness-library checkpoint"), path
    )
    network = formats.load_into(torchvision.models.alexnet(weights=None), state, "robustness-library checkpoint", path)
    return commit("alexnet-l2at-eps3", network, path, normalized_preprocessing(IMAGE_SIZE, mean, std), IMAGE_SIZE)


def vonenet_alexnet(checkpoint: str | os.PathLike | None = None):
    """VOneNet-AlexNet (A.1.3): the VOneBlock built from the checkpoint's flags (bank drawn with VOneNet's seed and
    distributions, then replaced by the published bank), bottleneck and AlexNet back end; 224 px, mean = std = 0.5."""
    path = resolve_weights("vonenet-alexnet", checkpoint)
    state, flags = formats.vonenet(formats.read_weights_file(path, "VOneNet checkpoint"), path)
    settings = {
        name: flags[key]
        for name, key in (
            ("simple_channels", "simple_channels"),
            ("complex_channels", "complex_channels"),
            ("stride", "stride"),
            ("k_exc", "k_exc"),
            ("kernel_size", "ksize"),
            ("gabor_seed", "gabor_seed"),
            ("sf_corr", "sf_corr"),
            ("sf_max", "sf_max"),
            ("sf_min", "sf_min"),
        )
        if key in flags
    }
    network = formats.load_into(VOneAlexNet(**settings), state, "VOneNet checkpoint", path)
    return commit(
        "vonenet-alexnet", network, path, normalized_preprocessing(IMAGE_SIZE, VONENET_MEAN, VONENET_STD), IMAGE_SIZE
    )


def lpl_alexnet(checkpoint: str | os.PathLike | None = None):
    """Halvagal & Zenke's layerwise LPL AlexNet trained on STL-10 (A.1.5), from ``--checkpoint`` (a Lightning
    checkpoint's extracted state dict); STL-10 normalisation. Input 96 px over 8 degrees: the suite's own choice (the
    paper does not say how LPL was shown; 96 px is STL-10's size, which it was trained at, and 8 degrees the field
    of every model here)."""
    path = require_checkpoint("lpl-alexnet", checkpoint, LPL_TRAIN)
    state = formats.lpl_alexnet(formats.read_weights_file(path, "LPL checkpoint"), path)
    network = formats.load_into(LPLAlexNet(), state, "LPL checkpoint", path)
    return commit(
        "lpl-alexnet",
        network,
        path,
        normalized_preprocessing(STL10_IMAGE_SIZE, STL10_MEAN, STL10_STD),
        STL10_IMAGE_SIZE,
    )


def barlow_e2e_alexnet(checkpoint: str | os.PathLike | None = None):
    """AlexNet with BatchNorm trained end to end with Barlow Twins (A.1.6), from ``--checkpoint``: the encoder
    checkpoint that ``brainscore train --config barlow-e2e-alexnet`` writes (architecture ``{"kind": "alexnet-bn"}``);
    224 px, normalised as recorded in the checkpoint."""
    path = require_checkpoint("barlow-e2e-alexnet", checkpoint, BARLOW_E2E_TRAIN)
    payload = load_encoder_checkpoint(path)
    if payload["architecture"].get("kind") != "alexnet-bn":
        raise CheckpointError(
            f"{path} holds an {payload['architecture']} encoder, not the AlexNet-BN of "
            f"barlow-e2e-alexnet; train one with `{BARLOW_E2E_TRAIN}`"
        )
    network = formats.load_into(AlexNetBN(), payload["state_dict"], "AlexNet-BN checkpoint", path)
    normalization = payload["meta"].get("normalization", {"mean": IMAGENET_MEAN, "std": IMAGENET_STD})
    return commit(
        "barlow-e2e-alexnet",
        network,
        path,
        normalized_preprocessing(IMAGE_SIZE, normalization["mean"], normalization["std"]),
        IMAGE_SIZE,
    )


def blockbarlow(checkpoint: str | os.PathLike | None = None):
    """Layerwise Barlow Twins (A.1.4): an LCL-V2-architecture encoder trained with ``--config blockbarlow``;
    layer1 -> V1, layer2 -> V2 as for LCL-V2 (the same architecture)."""
    from brainscore_lcl.models.lcl.model import load_encoder

    path = require_checkpoint(
        "blockbarlow", checkpoint, "brainscore train --config blockbarlow --data IMAGENET_TRAIN_DIR --out DIR"
    )
    encoder, weights_sha256 = load_encoder(path, min_stages=2)
    region_layer_map = model_registry["lcl-v2"].region_layers
    return make_commitment(
        "blockbarlow",
        encoder,
        weights_sha256=weights_sha256,
        layers=sorted(set(region_layer_map.values())),
        region_layer_map=region_layer_map,
        preprocessing=imagenet_preprocessing(IMAGE_SIZE),
        image_size=IMAGE_SIZE,
        checkpoint=path,
    )


def alias(alias_id: str, checkpoint: str | os.PathLike | None = None):
    """brainscore_vision's model registered for ``alias_id`` (``ALIASES``); its recorded layers become the candidates
    of the layer selection on the public split."""
    target, _ = ALIASES[alias_id]
    refuse_checkpoint(alias_id, checkpoint, f"those of brainscore_vision's {target}")
    try:
        model = load_from_brainscore_vision("model", target, OFFLINE_MODEL_HINT)
    except ImportError as error:
        raise ModelUnavailableError(
            f"{alias_id} (brainscore_vision's {target}) needs the Python package "
            f"{error.name!r}: install the requirements.txt of its brainscore_vision plugin "
            "folder and retry"
        ) from None
    except (RuntimeError, OSError, ValueError) as error:  # third-party loaders: torch.hub, timm, S3 ...
        reason = (str(error).splitlines() or [type(error).__name__])[0][:200]
        raise ModelUnavailableError(f"{alias_id} (brainscore_vision's {target}) could not be built: {reason}") from None
    model_registry[alias_id] = replace(model_registry[alias_id], candidate_layers=tuple(model.layers))
    return model
