"""Your own network as a model of this suite, without writing a plugin: from a Python file or from Python.

From a file, ``--model-file my_net.py:build`` (``:build`` is the default function name): ``build()`` takes no
argument and returns one of
- a ``torch.nn.Module`` taking (batch, 3, image_size, image_size) ImageNet-normalised RGB images,
- a pair ``(module, preprocessing)`` where ``preprocessing(paths) -> (batch, channels, rows, columns) array``
  is Brain-Score's preprocessing convention (a list of image paths in, an array out),
- a ready Brain-Score ``BrainModel`` (used as it is: its own layers, regions and field of view).

From Python, ``as_model_id(model)`` accepts the same three things, an id, or a file spec, and returns the id under
which the model is registered in this process (``brainscore_lcl.registry.model_registry``). Every command and
function that loads models by id (``scoring.load_model``) then takes it: scoring, the analyses, the report.

A bare module becomes a ``ModelCommitment`` (``commit_module``) exactly like this suite's own models:
- candidate layers: the ones given (``--layers``), else the output of every convolution and linear layer; with more
  than one, each region's layer is chosen on the public split of the benchmark's own data source and recorded in the
  score's ``details["layer_selection"]`` (the ``ModelRecord``'s ``candidate_layers``, ``brainscore_lcl.scoring.score``);
- activations are cached under ``<model id>@<hash>``, the hash covering the module's weights (``state_dict``), its
  input (image size, preprocessing) and candidate layers, so changed weights never reuse stale activations;
- the activation check of ``make_commitment`` names the layer that produced NaN, infinite or constant values.

Everything a user can get wrong here raises ``ModelFileError``: one sentence naming the file, function, layer or
checkpoint, and what to do.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import functools
import hashlib
import importlib.util
import inspect
import os
import sys
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from brainscore_lcl.errors import EXIT_INTERRUPTED, UsageError
from brainscore_lcl.model_helpers.commitment import (
    IMAGE_SIZE,
    VISUAL_DEGREES,
    config_sha256,
    imagenet_preprocessing,
    make_commitment,
)
from brainscore_lcl.paths import existing_file
from brainscore_lcl.registry import ModelRecord, discover_plugins, model_registry

DEFAULT_FUNCTION = "build"
#: layer types whose outputs are the default candidate layers of a bare module
CANDIDATE_TYPES = ("Conv1d", "Conv2d", "Conv3d", "Linear")
#: the input sizes (pixels) and fields of view (degrees) a --model-file may ask for
MIN_IMAGE_SIZE, MAX_IMAGE_SIZE, MAX_VISUAL_DEGREES = 8, 2048, 90
#: components of Brain-Score's PLS readout: a layer needs at least this many output values to be read out
PLS_COMPONENTS = 25


class ModelFileError(UsageError):
    """A model file, its function, a layer name or a checkpoint that cannot be used; one sentence saying why."""


class ModelFileInterrupted(ModelFileError):
    """A ``KeyboardInterrupt`` inside the user's code (Ctrl-C, or raised by the code itself): exit code 130."""

    exit_code = EXIT_INTERRUPTED


@contextlib.contextmanager
def ending_the_process_refused(what: str) -> Iterator[None]:
    """Run user code (``what``: e.g. "model file net.py on import") where ``SystemExit`` (``sys.exit``, ``exit()``)
    and ``KeyboardInterrupt`` become one sentence: ordinary exceptions are caught by the caller, but these two derive
    from ``BaseException`` and would otherwise end the command silently with the code's own exit status."""
    try:
        yield
    except SystemExit as error:
        raise ModelFileError(
            f"{what} calls sys.exit({error.code!r}), which would end this command silently; remove the call "
            "(or put it under `if __name__ == '__main__':`)"
        ) from None
    except KeyboardInterrupt:
        raise ModelFileInterrupted(
            f"{what} was interrupted (KeyboardInterrupt, by Ctrl-C or raised by the code); nothing was scored"
        ) from None


def is_model_file_spec(text: str) -> bool:
    """Whether ``text`` names a model file (``FILE.py`` or ``FILE.py:FUNCTION``) rather than a model id."""
    return text.endswith(".py") or ".py:" in text


def parse_model_file(spec: str) -> tuple[Path, str]:
    """``"path/my_net.py:build"`` -> (Path("path/my_net.py"), "build"); the function defaults to ``build``."""
    path, separator, function = spec.rpartition(":") if ".py:" in spec else (spec, "", DEFAULT_FUNCTION)
    if not path.endswith(".py") or not function.isidentifier():
        raise ModelFileError(f"--model-file takes FILE.py or FILE.py:FUNCTION, got {spec!r}")
    return Path(path), function


def load_build_function(path: Path, function: str) -> Callable[[], Any]:
    """Import ``path`` as a module and return its ``function``. No ``__pycache__`` is written beside the user's file
    (scoring a model leaves the user's folder as it was)."""
    existing_file(path, "model file", "pass an existing FILE.py:FUNCTION", ModelFileError)
    module_name = "brainscore_lcl_model_file_" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        with ending_the_process_refused(f"model file {path} on import"):
            spec.loader.exec_module(module)
    except ModelFileError:
        raise
    except Exception as error:  # the user's file may raise anything while it is imported
        raise ModelFileError(
            f"model file {path} fails on import ({type(error).__name__}: {error}); "
            "fix the file so that `python FILE.py` runs"
        ) from None
    finally:
        sys.dont_write_bytecode = writes_bytecode
    build = getattr(module, function, None)
    if not callable(build):
        defined = [
            name
            for name, value in vars(module).items()
            if inspect.isfunction(value) and value.__module__ == module_name
        ]
        raise ModelFileError(
            f"model file {path} defines no function {function!r} "
            f"(its functions: {', '.join(defined) or 'none'}); name one as {path}:FUNCTION"
        )
    return build


def default_layers(network) -> list[str]:
    """Names of every convolution and linear layer of ``network``, in definition order, but linear layers with fewer
    than ``PLS_COMPONENTS`` outputs (e.g. a 10-class readout), which the PLS readout cannot use."""
    return [
        name
        for name, module in network.named_modules()
        if name
        and type(module).__name__ in CANDIDATE_TYPES
        and getattr(module, "out_features", PLS_COMPONENTS) >= PLS_COMPONENTS
    ]


def check_layers(network, layers: Sequence[str], owner: str) -> list[str]:
    """``layers`` if each names a module of ``network``, else ``ModelFileError`` naming the first that does not."""
    modules = {name: module for name, module in network.named_modules() if name}
    for layer in layers:
        if layer not in modules:
            nearest = difflib.get_close_matches(layer, list(modules), n=3, cutoff=0.3)
            hint = f"nearest: {', '.join(nearest)}" if nearest else f"its layers: {', '.join(list(modules)[:12])}"
            raise ModelFileError(f"{owner} has no layer {layer!r} ({hint}); pass existing module names to --layers")
        if getattr(modules[layer], "out_features", PLS_COMPONENTS) < PLS_COMPONENTS:
            raise ModelFileError(
                f"{owner}'s layer {layer!r} has {modules[layer].out_features} outputs, fewer than "
                f"the {PLS_COMPONENTS} components of the PLS readout; choose a wider layer"
            )
    return list(layers)


def callable_identity(function: Callable) -> str:
    """A stable text naming ``function``: its qualified name and arguments (partials, decorated functions' inner
    function) or the hash of its source."""
    if isinstance(function, functools.partial):
        return f"partial({callable_identity(function.func)}, {function.args!r}, {sorted(function.keywords.items())!r})"
    name = f"{getattr(function, '__module__', '')}.{getattr(function, '__qualname__', type(function).__name__)}"
    if hasattr(function, "__wrapped__"):
        return f"{name}({callable_identity(function.__wrapped__)})"
    try:
        return f"{name}:{hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]}"
    except (OSError, TypeError):
        return name


def commit_module(
    model_id: str,
    network,
    *,
    layers: Sequence[str] | None = None,
    preprocessing: Callable[[list[str]], Any] | None = None,
    image_size: int = IMAGE_SIZE,
    visual_degrees: float = VISUAL_DEGREES,
    checkpoint: str | os.PathLike | None = None,
):
    """``ModelCommitment`` of a bare ``torch.nn.Module`` (see the module docstring); ``checkpoint`` is a state dict
    (or a dict holding one under "state_dict") loaded into ``network`` first."""
    from brainscore_lcl.checkpoint import state_dict_sha256

    if checkpoint is not None:
        load_state_dict(network, checkpoint, model_id)
    if not any(True for _ in network.parameters()):
        raise ModelFileError(
            f"model {model_id} has no parameters; Brain-Score's wrapper reads the input type from "
            "them, so register at least one (e.g. a frozen nn.Parameter)"
        )
    candidates = check_layers(network, layers, f"model {model_id}") if layers else default_layers(network)
    if not candidates:
        raise ModelFileError(f"model {model_id} has no convolution or linear layer; name its layers with --layers")
    if preprocessing is None:
        preprocessing = imagenet_preprocessing(image_size)
    probe_network(model_id, network, preprocessing, image_size)
    weights_sha256 = state_dict_sha256(network.state_dict())
    identity = config_sha256(
        {
            "weights": weights_sha256,
            "image_size": image_size,
            "layers": candidates,
            "preprocessing": callable_identity(preprocessing),
        }
    )
    model = make_commitment(
        model_id,
        network,
        weights_sha256=identity,
        layers=candidates,
        region_layer_map={"V1": candidates[0], "V2": candidates[0]},
        preprocessing=preprocessing,
        image_size=image_size,
        visual_degrees=visual_degrees,
        checkpoint=checkpoint,
        source_files=[parse_model_file(model_id)[0]] if is_model_file_spec(model_id) else (),
    )
    model.origin = {"weights_sha256": weights_sha256, "input_sha256": identity, "candidate_layers": candidates}
    return model


def check_input_options(image_size: int, visual_degrees: float) -> None:
    """``ModelFileError`` unless ``image_size`` (pixels) and ``visual_degrees`` are usable input sizes."""
    if not MIN_IMAGE_SIZE <= image_size <= MAX_IMAGE_SIZE:
        raise ModelFileError(
            f"--image-size {image_size} must lie in {MIN_IMAGE_SIZE}-{MAX_IMAGE_SIZE} pixels (the "
            "side of the square input your network takes, e.g. 224)"
        )
    if not 0 < visual_degrees <= MAX_VISUAL_DEGREES:
        raise ModelFileError(
            f"--visual-degrees {visual_degrees:g} must lie in (0, {MAX_VISUAL_DEGREES}] degrees (the "
            "field of view of the input, e.g. 8)"
        )


def _first_line(error: BaseException) -> str:
    """``error``'s type and the first line of its text, for a sentence."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:200]}" if text else type(error).__name__


def probe_images(image_size: int, folder: Path) -> list[str]:
    """Two different test images (random RGB noise and mid-grey, ``image_size`` px) written to ``folder``."""
    import numpy as np
    from PIL import Image

    pixels = [
        np.random.default_rng(0).integers(0, 256, (image_size, image_size, 3), dtype=np.uint8),
        np.full((image_size, image_size, 3), 128, dtype=np.uint8),
    ]
    paths = [str(folder / f"probe-{index}.png") for index in range(len(pixels))]
    for path, image in zip(paths, pixels):
        Image.fromarray(image).save(path)
    return paths


def probe_network(model_id: str, network, preprocessing: Callable[[list[str]], Any], image_size: int) -> None:
    """Run ``preprocessing`` on two different test images and ``network`` on the result, before any stimulus is
    touched; ``ModelFileError`` naming what fails: the preprocessing raising, returning no (2, channels, rows,
    columns) array, non-finite or identical values for both images, or the network not taking that input."""
    import tempfile

    import numpy as np
    import torch

    with tempfile.TemporaryDirectory() as folder:
        try:
            with ending_the_process_refused(f"model {model_id}'s preprocessing"):
                batch = np.asarray(preprocessing(probe_images(image_size, Path(folder))))
        except ModelFileError:
            raise
        except Exception as error:  # the user's preprocessing may raise anything
            raise ModelFileError(
                f"model {model_id}: its preprocessing fails on two test images ({_first_line(error)});"
                " it must map a list of image paths to a (batch, channels, rows, columns) array"
            ) from None
    if batch.ndim != 4 or len(batch) != 2 or not np.issubdtype(batch.dtype, np.number):
        raise ModelFileError(
            f"model {model_id}: its preprocessing returns {batch.dtype} of shape {batch.shape} for two "
            "images; return a (batch, channels, rows, columns) numeric array"
        )
    if not np.all(np.isfinite(batch)):
        raise ModelFileError(
            f"model {model_id}: its preprocessing returns NaN or infinite values; return finite pixels"
        )
    if np.array_equal(batch[0], batch[1]):
        raise ModelFileError(
            f"model {model_id}: its preprocessing returns the same array for two different images "
            f"(first value {batch.flat[0]:g}); it must compute its output from the image at each path"
        )
    parameter = next(network.parameters())
    try:
        with torch.no_grad(), ending_the_process_refused(f"model {model_id}'s network"):
            network.eval()(torch.as_tensor(batch, dtype=parameter.dtype, device=parameter.device))
    except ModelFileError:
        raise
    except Exception as error:  # the user's network may raise anything
        raise ModelFileError(
            f"model {model_id}: the network fails on its preprocessed input of shape "
            f"{tuple(batch.shape)} ({_first_line(error)}); make the network take "
            "(batch, 3, rows, columns) RGB images or pass a preprocessing that makes its input"
        ) from None


def load_state_dict(network, checkpoint: str | os.PathLike, model_id: str) -> None:
    """Load a state dict file (``weights_only``) into ``network``; ``ModelFileError`` naming it if it does not fit."""
    from brainscore_lcl.checkpoint import read_checkpoint

    payload = read_checkpoint(checkpoint, kind="checkpoint", missing_hint="pass an existing state-dict file")
    state = payload.get("state_dict", payload) if isinstance(payload, dict) else None
    if not isinstance(state, dict):
        raise ModelFileError(
            f"checkpoint {checkpoint} holds no state dict; save one with torch.save(model.state_dict(), PATH)"
        )
    try:
        network.load_state_dict(state)
    except RuntimeError as error:
        first = str(error).splitlines()[1].strip() if len(str(error).splitlines()) > 1 else str(error)
        raise ModelFileError(
            f"checkpoint {checkpoint} does not fit model {model_id} ({first}); pass the state dict of this architecture"
        ) from None


def is_brain_model(value: Any) -> bool:
    """Whether ``value`` is a Brain-Score ``BrainModel``."""
    from brainscore_vision.model_interface import BrainModel

    return isinstance(value, BrainModel)


def model_from_build_result(
    model_id: str,
    result: Any,
    owner: str,
    *,
    layers: Sequence[str] | None = None,
    image_size: int = IMAGE_SIZE,
    visual_degrees: float = VISUAL_DEGREES,
    checkpoint: str | os.PathLike | None = None,
):
    """A ``BrainModel`` from what a build function (``owner``, for messages) returned."""
    from torch import nn

    if is_brain_model(result):
        if layers or checkpoint is not None:
            raise ModelFileError(
                f"{owner} returned a ready BrainModel, which has its own layers and weights; "
                "drop --layers and --checkpoint"
            )
        return result
    network, preprocessing = result if isinstance(result, tuple) and len(result) == 2 else (result, None)
    if not isinstance(network, nn.Module) or (preprocessing is not None and not callable(preprocessing)):
        raise ModelFileError(
            f"{owner} returned {type(result).__name__}; return a torch.nn.Module, "
            "(module, preprocessing) or a Brain-Score BrainModel"
        )
    return commit_module(
        model_id,
        network,
        layers=layers,
        preprocessing=preprocessing,
        image_size=image_size,
        visual_degrees=visual_degrees,
        checkpoint=checkpoint,
    )


def selectable_layers(model) -> tuple[str, ...] | None:
    """The candidate layers of a model built here: those ``commit_module`` recorded in ``model.origin`` when there are
    several, () for one, None for a ready ``BrainModel`` (its own commitment)."""
    candidates = (getattr(model, "origin", None) or {}).get("candidate_layers")
    if candidates is None:
        return None
    return tuple(candidates) if len(candidates) > 1 else ()


def register_factory(model_id: str, factory: Callable[..., Any]) -> str:
    """Put a ``ModelRecord`` of ``factory`` into the model registry under ``model_id`` (not one of this suite's own
    ids); returns the id."""
    discover_plugins()
    existing = model_registry.get(model_id)
    if existing is not None and not getattr(existing.factory, "user_model", False):
        raise ModelFileError(f"{model_id!r} is one of this suite's model ids; give your model another name")
    model = factory()  # build once now, so that a bad model fails here, in one sentence, not halfway through a run
    factory.user_model = True
    model_registry[model_id] = ModelRecord(factory=factory, candidate_layers=selectable_layers(model))
    return model_id


def call_build(build: Callable[[], Any], owner: str) -> Any:
    """What the user's ``build()`` (``owner``, for messages) returns; ``ModelFileError`` if it raises."""
    try:
        with ending_the_process_refused(owner):
            return build()
    except ModelFileError:
        raise
    except Exception as error:  # the user's function may raise anything
        raise ModelFileError(f"{owner} raised {type(error).__name__}: {error}") from None


def register_model_file(
    spec: str,
    *,
    layers: Sequence[str] | None = None,
    image_size: int = IMAGE_SIZE,
    visual_degrees: float = VISUAL_DEGREES,
) -> str:
    """Register the model that ``spec`` (``FILE.py[:FUNCTION]``) builds under the id ``spec``; returns the id."""
    check_input_options(image_size, visual_degrees)
    path, function = parse_model_file(spec)
    build = load_build_function(path, function)
    model_id = spec
    owner = f"{path}:{function}()"

    def factory(checkpoint: str | os.PathLike | None = None):
        model = model_from_build_result(
            model_id,
            call_build(build, owner),
            owner,
            layers=layers,
            image_size=image_size,
            visual_degrees=visual_degrees,
            checkpoint=checkpoint,
        )
        model.origin = {**getattr(model, "origin", {}), "file": str(path.resolve()), "function": function}
        return model

    return register_factory(model_id, factory)


#: the names given with ``name=`` (``as_model_id``): by model id, the name figures show for it; by network object,
#: the name a later call without ``name=`` reuses (so that ``bl.score(net, ..., name="mine")`` and then
#: ``bl.analyses.run(figure, [net])`` label the network "mine")
GIVEN_NAMES: dict[str, str] = {}
_NETWORK_NAMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def given_name(model_id: str) -> str | None:
    """The name given to ``model_id`` with ``name=`` (None if none was given)."""
    return GIVEN_NAMES.get(model_id)


def as_model_id(
    model: Any,
    *,
    name: str | None = None,
    layers: Sequence[str] | None = None,
    image_size: int | None = None,
    visual_degrees: float | None = None,
) -> str:
    """The id under which ``model`` loads: an id is returned as is, a ``FILE.py:FUNCTION`` spec, a
    ``torch.nn.Module`` (id ``name`` or its class name), ``(module, preprocessing)`` or a ``BrainModel``
    (id ``name`` or its identifier) are registered first (a spec registered before keeps its options unless new ones
    are given; ``image_size`` and ``visual_degrees`` default to 224 px and 8 degrees)."""
    options = {"layers": layers, "image_size": image_size, "visual_degrees": visual_degrees}
    given = {key: value for key, value in options.items() if value is not None}
    if isinstance(model, (str, os.PathLike)):
        text = str(model)
        if name:
            GIVEN_NAMES[text] = name
        if is_model_file_spec(text) and (given or text not in model_registry):
            return register_model_file(text, **given)
        if layers:
            raise ModelFileError(f"layers apply to your own networks, not to the registered model {text!r}")
        return text
    network = model[0] if isinstance(model, tuple) else model
    try:
        name = name or _NETWORK_NAMES.get(network)
        if name:
            _NETWORK_NAMES[network] = name
    except TypeError:  # an object that cannot be weakly referenced keeps only the name given now
        pass
    model_id = name or (getattr(model, "identifier", None) if is_brain_model(model) else type(network).__name__)
    owner = f"model {model_id}"

    def factory(checkpoint: str | os.PathLike | None = None):
        return model_from_build_result(model_id, model, owner, checkpoint=checkpoint, **given)

    return register_factory(str(model_id), factory)


def add_model_file_arguments(parser: argparse.ArgumentParser, model_file_group=None) -> None:
    """--model-file FILE.py[:FUNCTION] (into ``model_file_group`` if given) with --layers, --image-size and
    --visual-degrees."""
    (model_file_group or parser).add_argument(
        "--model-file",
        metavar="FILE.py:FUNCTION",
        help="your own network: FUNCTION() returns a torch.nn.Module, (module, preprocessing) or a Brain-Score "
        "BrainModel (default FUNCTION: build)",
    )
    parser.add_argument(
        "--layers",
        nargs="+",
        metavar="LAYER",
        help="with --model-file: candidate layers (module names; default every convolution and "
        "linear layer); each region's layer is chosen on the public split",
    )
    parser.add_argument(
        "--image-size",
        type=int,
        help=f"with --model-file: input size in pixels (default {IMAGE_SIZE})",
    )
    parser.add_argument(
        "--visual-degrees",
        type=float,
        help=f"with --model-file: field of view of the input in degrees (default {VISUAL_DEGREES})",
    )


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """--model ID or --model-file FILE.py:FUNCTION (exactly one), and the --model-file options."""
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--model", help="model id, e.g. lcl-v2 (see `brainscore list models`)")
    add_model_file_arguments(parser, group)


def model_file_id(args: argparse.Namespace) -> str | None:
    """Register ``args.model_file`` (with its options) and return its id; None without --model-file."""
    if not getattr(args, "model_file", None):
        if getattr(args, "layers", None):
            raise ModelFileError("--layers applies to --model-file only; registered models have their own layers")
        check_input_options_need_model_file(args)
        return None
    return register_model_file(args.model_file, layers=args.layers, **given_input_options(args))


def given_input_options(args: argparse.Namespace) -> dict[str, Any]:
    """``image_size`` and ``visual_degrees`` of ``--image-size`` / ``--visual-degrees``, only those given (the
    functions taking them have the defaults, 224 px and 8 degrees)."""
    options = {"image_size": getattr(args, "image_size", None), "visual_degrees": getattr(args, "visual_degrees", None)}
    return {name: value for name, value in options.items() if value is not None}


def check_input_options_need_model_file(args: argparse.Namespace) -> None:
    """``ModelFileError`` when ``--image-size`` or ``--visual-degrees`` is given without ``--model-file`` (they would
    be ignored: a registered model has its own input size and field of view)."""
    given = [f"--{name.replace('_', '-')}" for name in given_input_options(args)]
    if given and not getattr(args, "model_file", None):
        verb, pronoun = ("applies", "it") if len(given) == 1 else ("apply", "them")
        raise ModelFileError(
            f"{' and '.join(given)} {verb} to --model-file only; registered models have their own input size and "
            f"field of view: drop {pronoun}, or give --model-file FILE.py:FUNCTION"
        )


def model_id_from_args(args: argparse.Namespace) -> str:
    """The model id of a command with ``add_model_arguments``: ``--model``, or the registered ``--model-file``."""
    return model_file_id(args) or args.model
