"""Shared helper that turns a PyTorch network into a Brain-Score ``ModelCommitment``.

Every plugin of this suite commits to an explicit region-layer map and 8 visual degrees (unless it says
otherwise), so Brain-Score never runs its own layer selection (which would download public data).

Activations cache. Brain-Score's extractor stores activations with ``result_caching`` under
``$RESULTCACHING_HOME`` (default ``~/.result_caching``), keyed on the activations-model identifier and the
stimulus-set identifier. Here the activations model's identifier is ``activations_identifier``:
``"<model_id>@<weights hash>-<code hash>"``, the code hash covering the model plugin's source files, its network's
source file and its preprocessing (image size, visual degrees, normalisation; ``code_sha256``), so two checkpoints
under one model id, or one checkpoint under edited plugin code or other preprocessing, never share activations. The
commitment's own identifier stays ``"<model_id>@<weights hash>"``. Entries are netCDF, never pickle
(``brainscore_patches``), and ``RESULTCACHING_HOME`` defaults to
``<cache>/result_caching`` with ``<cache>`` = ``$BRAINSCORE_LCL_CACHE`` (default ``~/.cache/brainscore_lcl``).
Brain-Score's extractor already shows a ``tqdm`` progress bar ("activations", one step per batch).

Activation sanity check. ``make_commitment`` registers a batch-activations hook on the extractor
(``ActivationsExtractorHelper.register_batch_activations_hook``) that raises ``ActivationError`` naming the
model and the layer when a batch of a layer's activations holds NaN/inf or (two or more images) one constant value.
It runs on freshly computed batches, so nothing bad reaches the cache.

Each image once. ``make_commitment`` also keeps each image's activations in memory for the life of the model
(``brainscore_lcl.model_helpers.activations_memo``), so that an image shown again in another stimulus set (the
texture-modulation benchmark's 450 images are the V1/V2 benchmarks' 315 + 135) is not run through the network again.

Re-committing layers. ``ModelCommitment`` keeps one region-layer dict shared by ``model.layer_model``
(``TemporalAligned``) and the ``LayerMappedModel`` inside it; ``commit_layers`` updates that dict in place.
Assigning a new dict to ``model.layer_model.region_layer_map`` would not reach the inner model.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from brainscore_lcl import cache_dir
from brainscore_lcl.data.imagenet import IMAGENET_MEAN, IMAGENET_STD
from brainscore_lcl.errors import ActivationError, RegionNotCommittedError, UsageError

if TYPE_CHECKING:
    from torch import nn

#: Input size (px) and field of view (degrees) of the learned models, as in the paper (A.3.1).
IMAGE_SIZE = 224
VISUAL_DEGREES = 8


def refuse_checkpoint(model_id: str, checkpoint: str | os.PathLike | None, weights: str) -> None:
    """``UsageError`` when a ``checkpoint`` is given to ``model_id``, whose weights are ``weights`` (e.g. "generated
    from seed 0")."""
    if checkpoint is not None:
        raise UsageError(f"{model_id} takes no checkpoint (its weights are {weights}); drop --checkpoint {checkpoint}")


def committed_regions(model) -> list[str] | None:
    """The regions ``model`` maps a layer to (a ``ModelCommitment``'s region-layer map), or None when it does not say
    (a ready ``BrainModel`` of another kind: it answers for itself)."""
    region_layer_map = getattr(getattr(model, "layer_model", None), "region_layer_map", None)
    return sorted(region_layer_map) if region_layer_map is not None else None


def require_region(model, model_id: str, region: str) -> None:
    """``RegionNotCommittedError`` naming the regions ``model`` commits unless it commits ``region``."""
    require_committed(committed_regions(model), model_id, region)


def require_registered_region(model_id: str, region: str | None) -> None:
    """``require_region`` from the registry record of ``model_id`` alone, before the model or any data is loaded (a
    mistake costs no work); silent for a model whose factory decides its regions, or that is not this suite's."""
    from brainscore_lcl.registry import discover_plugins, model_registry

    discover_plugins(("model",))
    record = model_registry.get(model_id)
    if region is not None and record is not None and record.region_layers is not None:
        require_committed(sorted(record.region_layers), model_id, region)


def require_committed(regions: list[str] | None, model_id: str, region: str) -> None:
    """``RegionNotCommittedError`` naming ``regions`` (those ``model_id`` commits; None: unknown) unless ``region`` is
    among them."""
    if regions is not None and region not in regions:
        raise RegionNotCommittedError(
            f"model {model_id} commits no layer to {region}, only to "
            f"{', '.join(regions) or 'no region'}; score it on a "
            f"{' or '.join(regions)} benchmark, or choose a model that commits {region} "
            "(e.g. lcl-v2)"
        )


def configure_activation_cache() -> Path:
    """Set ``RESULTCACHING_HOME`` to ``<cache>/result_caching`` unless the user set it; returns the folder in use.

    ``result_caching`` reads the variable once, when Brain-Score's extractor module is imported (``brainscore_lcl``
    sets its default on import, but brainscore_vision may have come first, or the variable may have changed since),
    so Brain-Score's already-created stores are re-pointed as well, and made safe for concurrent and interrupted runs
    (``brainscore_lcl.model_helpers.brainscore_patches``).
    """
    from brainscore_lcl.model_helpers.brainscore_patches import secure_brainscore_caches

    os.environ.setdefault("RESULTCACHING_HOME", str(cache_dir() / "result_caching"))
    folder = Path(os.environ["RESULTCACHING_HOME"]).expanduser()
    secure_brainscore_caches(folder)
    return folder


def model_identifier(model_id: str, weights_sha256: str) -> str:
    """A commitment's identifier: ``"<model_id>@<first 16 hex digits of the weights hash>"``."""
    return f"{model_id}@{weights_sha256[:16]}"


def activations_identifier(model_id: str, weights_sha256: str, code_sha256: str) -> str:
    """Cache identity of a model's activations: ``"<model_identifier>-<first 12 hex digits of code_sha256>"``."""
    return f"{model_identifier(model_id, weights_sha256)}-{code_sha256[:12]}"


def model_source_files(model_id: str, network: nn.Module) -> list[Path]:
    """The source files that make ``model_id``'s activations: every non-test ``.py`` file of its registered plugin's
    folder (none for an id outside the registry) and the file defining its network's class (when it has one)."""
    from brainscore_lcl.registry import discover_plugins, model_registry

    discover_plugins(("model",))
    files = set()
    record = model_registry.get(model_id)
    if record is not None:
        folder = Path(inspect.getfile(record.factory)).parent
        files.update(
            path for path in folder.rglob("*.py") if path.name != "test.py" and not path.name.startswith("test_")
        )
    try:
        files.add(Path(inspect.getfile(type(network))))
    except (TypeError, OSError):  # a class defined in no file (built in, or made at run time)
        pass
    return sorted(path.resolve() for path in files if path.is_file())


def _is_test_file(path: Path) -> bool:
    return path.name == "test.py" or path.name.startswith("test_")


def preprocessing_description(preprocessing: Callable, image_size: int, visual_degrees: float) -> str:
    """What ``preprocessing`` does, as text: its function and keyword arguments (e.g. normalisation mean and std) for a
    ``functools.partial`` (after unwrapping decorators), else its qualified name and the sha256 of its source file;
    with ``image_size`` (px) and ``visual_degrees``."""
    function = inspect.unwrap(preprocessing)
    if isinstance(function, functools.partial):
        keywords = ", ".join(f"{key}={value!r}" for key, value in sorted(function.keywords.items()))
        what = f"{function.func.__module__}.{function.func.__qualname__}({keywords})"
    else:
        what = f"{getattr(function, '__module__', '')}.{getattr(function, '__qualname__', type(function).__name__)}"
        try:
            what += f" {hashlib.sha256(Path(inspect.getsourcefile(function)).read_bytes()).hexdigest()}"
        except (TypeError, OSError):  # no source file to read
            pass
    return f"{what}; image_size={image_size}; visual_degrees={float(visual_degrees)!r}"


def code_sha256(files: Sequence[Path], preprocessing: str) -> str:
    """sha256 over the names and bytes of ``files`` and the text ``preprocessing`` (``preprocessing_description``)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(Path(path).name.encode() + b"\0" + Path(path).read_bytes() + b"\0")
    digest.update(preprocessing.encode())
    return digest.hexdigest()


def config_sha256(config: Mapping[str, Any]) -> str:
    """sha256 of a JSON-serialisable configuration (keys sorted); identifies parameter-free models."""
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def check_batch_activations(model_id: str, batch_activations: Mapping[str, np.ndarray]) -> Mapping[str, np.ndarray]:
    """Return ``batch_activations`` ({layer: (batch, ...) array}) unchanged, or raise ``ActivationError``
    when a layer holds non-finite values, or one constant value over a batch of two or more images (a single
    blank image may legitimately give all-zero band-pass responses)."""
    for layer, values in batch_activations.items():
        if not np.all(np.isfinite(values)):
            raise ActivationError(
                f"model {model_id}: layer {layer} produced NaN or infinite activations; "
                "check the checkpoint's weights (a diverged training run?) and the input images"
            )
        if len(values) > 1 and values.min() == values.max():
            raise ActivationError(
                f"model {model_id}: layer {layer} produced constant activations ({values.flat[0]}) "
                "for every image and unit; the layer is dead, check the checkpoint's weights"
            )
    return batch_activations


def single_threaded(function: Callable[[list[str]], np.ndarray]) -> Callable[[list[str]], np.ndarray]:
    """``function`` run with one torch intra-op thread. Brain-Score preprocesses image by image with tiny tensor
    operations, whose thread synchronisation costs more than their work: one thread gives the same arrays for about a
    tenth of the CPU time (measured on 2 cores: 0.55 against 6.6 CPU s for 128 images)."""
    import torch

    @functools.wraps(function)
    def run(paths: list[str]) -> np.ndarray:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return function(paths)
        finally:
            torch.set_num_threads(threads)

    return run


def imagenet_preprocessing(image_size: int = IMAGE_SIZE) -> Callable[[list[str]], np.ndarray]:
    """Brain-Score preprocessing: RGB resized to ``image_size`` px, [0, 1], ImageNet-normalised; (n, 3, s, s)."""
    return normalized_preprocessing(image_size, IMAGENET_MEAN, IMAGENET_STD)


def normalized_preprocessing(
    image_size: int, mean: Sequence[float], std: Sequence[float]
) -> Callable[[list[str]], np.ndarray]:
    """Brain-Score preprocessing: RGB resized to ``image_size`` px, [0, 1], normalised by ``mean`` / ``std`` (one
    value per channel); (n, 3, s, s)."""
    from brainscore_vision.model_helpers.activations.pytorch import load_preprocess_images

    return single_threaded(
        functools.partial(
            load_preprocess_images, image_size=image_size, normalize_mean=tuple(mean), normalize_std=tuple(std)
        )
    )


def unit_range_preprocessing(image_size: int) -> Callable[[list[str]], np.ndarray]:
    """Brain-Score preprocessing without normalisation: RGB resized to ``image_size`` px in [0, 1]; (n, 3, s, s)."""
    from brainscore_vision.model_helpers.activations.pytorch import load_preprocess_images

    return single_threaded(
        functools.partial(
            load_preprocess_images, image_size=image_size, normalize_mean=(0.0, 0.0, 0.0), normalize_std=(1.0, 1.0, 1.0)
        )
    )


def make_commitment(
    model_id: str,
    network: nn.Module,
    *,
    weights_sha256: str,
    layers: list[str],
    region_layer_map: Mapping[str, str],
    preprocessing: Callable[[list[str]], np.ndarray],
    image_size: int,
    visual_degrees: float = VISUAL_DEGREES,
    checkpoint: str | os.PathLike | None = None,
    activations_key: str | None = None,
    source_files: Sequence[str | os.PathLike] = (),
    by_image_content: bool = True,
):
    """``ModelCommitment`` of ``network`` recording ``layers`` (module names), committed to ``region_layer_map``.

    The commitment's identifier is ``model_identifier(model_id, weights_sha256)``; the activations model's
    (Brain-Score's activation cache key) is ``activations_identifier``, which adds the hash of the model's code and
    preprocessing.
    ``network`` must have at least one parameter (Brain-Score's wrapper reads the input dtype from it).
    ``checkpoint`` (the file the weights came from) is kept as ``model.checkpoint_path`` for ``describe_model``, and
    ``weights_sha256`` as ``model.weights_sha256`` (the results database keys on it).
    ``source_files``: further files of the model's code for the activations identifier (a user's model file).
    ``activations_key`` names the network whose per-image activations this model shares in memory
    (``activations_memo``; default its identifier): models that are one network with other region maps share one.
    ``by_image_content=False``: no such memo, for a model whose activations are not a function of the image file's
    bytes (``control-design`` reads each stimulus's labels; two identical images may carry different ones).
    """
    from brainscore_vision.model_helpers.activations.pytorch import PytorchWrapper
    from brainscore_vision.model_helpers.brain_transformation import ModelCommitment

    from brainscore_lcl.model_helpers.brainscore_patches import extractor_of, remember_activations

    unknown = sorted(set(region_layer_map.values()) - set(layers))
    if unknown:
        raise ValueError(f"model {model_id}: region-layer map names layers {unknown} that are not recorded ({layers})")
    configure_activation_cache()
    identifier = model_identifier(model_id, weights_sha256)
    files = sorted({*model_source_files(model_id, network), *(Path(path).resolve() for path in source_files)})
    code = code_sha256(files, preprocessing_description(preprocessing, image_size, visual_degrees))
    activations = activations_identifier(model_id, weights_sha256, code)
    wrapper = PytorchWrapper(model=network.eval(), preprocessing=preprocessing, identifier=activations)
    wrapper.image_size = image_size
    extractor_of(wrapper).register_batch_activations_hook(functools.partial(check_batch_activations, identifier))
    if by_image_content:
        remember_activations(extractor_of(wrapper), activations_key or activations)
    model = ModelCommitment(
        identifier=identifier,
        activations_model=wrapper,
        layers=list(layers),
        region_layer_map=dict(region_layer_map),
        visual_degrees=visual_degrees,
    )
    model.checkpoint_path = Path(checkpoint) if checkpoint is not None else None
    model.weights_sha256 = weights_sha256
    return model


def checkpoint_summary(path: str | os.PathLike) -> dict[str, Any]:
    """What a checkpoint file says about itself: every entry but the weights, plus its path and the number of
    values in its state dict (parameters and buffers)."""
    import torch

    payload = torch.load(path, map_location="cpu", weights_only=True)
    summary: dict[str, Any] = {"path": str(path)}
    for key, value in payload.items():
        if key == "state_dict":
            summary["state_dict_values"] = sum(tensor.numel() for tensor in value.values())
        elif not _holds_tensors(value):
            summary[key] = value
    return summary


def _holds_tensors(value: Any) -> bool:
    """Whether ``value`` is or contains (in dicts, lists, tuples) a torch tensor."""
    import torch

    if isinstance(value, torch.Tensor):
        return True
    if isinstance(value, dict):
        value = list(value.values())
    return isinstance(value, (list, tuple)) and any(_holds_tensors(item) for item in value)


#: what ``brainscore info`` keeps of a checkpoint's training meta (``--full`` shows all, with the validation history)
SUMMARY_META = ("step", "epoch", "val_loss", "val_loss_smoothed", "stop_reason", "selected")


def config_essentials(config: Mapping[str, Any]) -> dict[str, Any]:
    """The few numbers of a recorded training config that tell runs apart: name, objective, learning rate, batch
    size, epochs and each stage's view (centre crop -> output size, px)."""
    training, stages = config.get("training", {}), config.get("stages", [])
    return {
        "name": config.get("name"),
        "objective": config.get("objective", {}).get("name"),
        "lr": config.get("optimizer", {}).get("lr"),
        "batch_size": training.get("batch_size"),
        "max_epochs": training.get("max_epochs"),
        "views_px": [f"{stage['view']['center_crop']}->{stage['view']['output_size']}" for stage in stages],
    }


def summarize_description(description: Mapping[str, Any]) -> dict[str, Any]:
    """The short form of ``describe_model``'s description: everything but the checkpoint's full config and training
    meta, of which it keeps ``config_essentials``, the best step and its loss (``SUMMARY_META``) and the number of
    validations."""
    summary = {key: value for key, value in description.items() if key != "checkpoint"}
    checkpoint = description.get("checkpoint")
    if checkpoint is not None:
        meta = checkpoint.get("meta", {})
        summary["checkpoint"] = {key: value for key, value in checkpoint.items() if key not in ("config", "meta")}
        if "config" in checkpoint:
            summary["checkpoint"]["config"] = config_essentials(checkpoint["config"])
        if meta:
            summary["checkpoint"]["best"] = {key: meta[key] for key in SUMMARY_META if key in meta}
            summary["checkpoint"]["validations"] = len(meta.get("val_history", []))
    return summary


def commit_layers(model, region_layer_map: Mapping[str, str]):
    """Re-commit ``model`` (a ``ModelCommitment``) to ``region_layer_map`` ({region: layer}) in place; returns it."""
    unknown = sorted(set(region_layer_map.values()) - set(model.layers))
    if unknown:
        raise ValueError(
            f"model {model.identifier}: cannot commit layers {unknown}; recorded layers are {model.layers}"
        )
    model.layer_model.region_layer_map.update(region_layer_map)
    return model
