"""Your own network (``brainscore submit --model-file FILE.py:FUNCTION``) as a self-contained Brain-Score model plugin.

The submission has the layout, manifest, zip, ``SUBMIT.md`` and pre-flight checks of the suite's own exports
(``brainscore_lcl.export.models``, ``brainscore_lcl.export.submission``); the plugin folder also holds
``network.py``, a copy of FILE.py. Its ``model.py`` calls ``network.FUNCTION()`` and loads into the module the
weights the suite scored (the built module's ``state_dict`` after ``--checkpoint``, saved with ``torch.save``; uploaded
through the website or by Brain-Score's team, ``load_weight_file`` fetches them and ``model.py`` checks their sha256).
It commits:

- layers: the candidate layers the suite uses for FILE.py (``--layers``, else every convolution and linear layer);
- region-layer map: none, so Brain-Score selects each region's layer among these layers on its public data (its own
  standard layer selection; this suite selects per data source when it scores, which a plugin cannot carry); with
  exactly one layer, the only one any selection can choose, every standard region (V1, V2, V4, IT) is committed to it;
- preprocessing: FUNCTION's own when it returns ``(module, preprocessing)`` (``network.FUNCTION()[1]``, so FUNCTION
  runs twice per load), else the suite's ImageNet preprocessing (copied) at ``--image-size``; ``--visual-degrees``.

Before writing, the export refuses a FILE.py that imports brainscore_lcl or a module that is not installed, lists in
``requirements.txt`` the installed distributions it imports that brainscore_vision does not bring, and checks that
FUNCTION() rebuilt with the saved weights computes the outputs of the network the suite scored.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brainscore_lcl.export.checks import suite_imports
from brainscore_lcl.export.identifiers import checked_identifier, export_identifier, plugin_dirname
from brainscore_lcl.export.models import ExportError, ModelDescription, PluginRecipe, plugin_files, weights_entry
from brainscore_lcl.export.sources import is_suite_module
from brainscore_lcl.export.submission import checked_out_folder, write_submission
from brainscore_lcl.model_helpers.commitment import IMAGE_SIZE, VISUAL_DEGREES, imagenet_preprocessing
from brainscore_lcl.model_helpers.from_file import (
    DEFAULT_FUNCTION,
    ModelFileError,
    call_build,
    is_brain_model,
    load_build_function,
    model_from_build_result,
    parse_model_file,
)

#: the copy of the user's file in the plugin folder (``model.py`` imports it as ``from . import network``)
PLUGIN_NETWORK_FILE = "network.py"
_NETWORK = """result = network.{function}()
module = result[0] if isinstance(result, tuple) else result
module.load_state_dict(torch.load(weights_path, map_location="cpu", weights_only=True))
return module"""
#: largest output difference allowed between the scored network and FUNCTION() rebuilt with the saved weights
REBUILD_TOLERANCE = 1e-6


@dataclass(frozen=True)
class OwnModelDescription(ModelDescription):
    """A network of a model file as the suite builds it (``model_id`` = the file spec, ``checkpoint`` = the saved
    state dict to hand to Brain-Score's team), with its plugin recipe and exported region-layer map."""

    plugin_recipe: PluginRecipe
    committed_regions: dict[str, str]
    file: Path
    function: str

    @property
    def recipe(self) -> PluginRecipe:
        return self.plugin_recipe

    @property
    def region_reasons(self) -> dict[str, dict[str, str]]:
        return {
            region: {"layer": layer, "reason": "the network's one recorded layer (--layers)"}
            for region, layer in self.committed_regions.items()
        }

    @property
    def region_layer_map(self) -> dict[str, str]:
        return dict(self.committed_regions)

    @property
    def origin(self) -> str:
        import brainscore_lcl

        return (
            f"{self.file.name}:{self.function}() (copied as {PLUGIN_NETWORK_FILE}) exported by brainscore-lcl "
            f"{brainscore_lcl.__version__}"
        )


def default_identifier(path: Path, function: str) -> str:
    """The Brain-Score id of ``path:function`` when none is given: the file's stem (``stem_function`` for a function
    other than ``build``), hyphen-free (``export_identifier``)."""
    return export_identifier(path.stem if function == DEFAULT_FUNCTION else f"{path.stem}_{function}")


def committed_regions(layers: Sequence[str]) -> dict[str, str]:
    """Region-layer map of the plugin: every standard region to the one layer, or none for several (Brain-Score's
    layer selection chooses among them)."""
    from brainscore_vision.model_helpers.brain_transformation import STANDARD_REGION_BENCHMARKS

    return {region: layers[0] for region in STANDARD_REGION_BENCHMARKS} if len(layers) == 1 else {}


def distributions_with_brainscore() -> set[str]:
    """Normalised names of brainscore_vision and every distribution it requires, recursively (markers evaluated)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found, pending = set(), ["brainscore-vision"]
    while pending:
        name = canonicalize_name(pending.pop())
        if name in found:
            continue
        found.add(name)
        try:
            requirements = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        pending += [
            requirement.name
            for requirement in map(Requirement, requirements)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""})
        ]
    return found


def imported_modules(path: Path) -> list[str]:
    """Top-level names of the modules ``path`` imports (absolute imports anywhere in the file), in first-seen order."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.append(node.module.split(".")[0])
    return list(dict.fromkeys(names))


def file_requirements(path: Path) -> list[str]:
    """Installed distributions that ``path`` imports and brainscore_vision does not bring (for ``requirements.txt``);
    ``ExportError`` for an imported module that no installed distribution provides."""
    from packaging.utils import canonicalize_name

    providers = importlib.metadata.packages_distributions()
    brought = distributions_with_brainscore()
    needed = []
    for module in imported_modules(path):
        if module in sys.stdlib_module_names or module == "__future__" or is_suite_module(module):
            continue
        if module not in providers:
            raise ExportError(
                f"{path} imports {module!r}, which no installed distribution provides (a file next to "
                f"it?); a plugin carries only {path.name}, so put what {module} defines into it"
            )
        needed += [name for name in providers[module] if canonicalize_name(name) not in brought]
    return list(dict.fromkeys(needed))


def _tensors(value: Any) -> list:
    """The tensors in a network's output (a tensor, or tensors nested in tuples, lists and dicts), in order."""
    import torch

    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [tensor for item in value for tensor in _tensors(item)] if isinstance(value, (list, tuple)) else []


def check_rebuilt(
    build: Callable[[], Any],
    owner: str,
    network,
    weights_path: Path,
    preprocessing: Callable[[list[str]], Any],
    folder: Path,
) -> None:
    """``ExportError`` unless ``build()`` with the weights file gives ``network``'s outputs on one random image."""
    import numpy as np
    import torch
    from PIL import Image

    probe = folder / "probe.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(probe)
    inputs = torch.as_tensor(np.asarray(preprocessing([str(probe)])), dtype=next(network.parameters()).dtype)
    result = call_build(build, owner)
    rebuilt = result[0] if isinstance(result, tuple) else result
    rebuilt.load_state_dict(torch.load(weights_path, map_location="cpu", weights_only=True))
    with torch.no_grad():
        expected, got = _tensors(network.eval()(inputs)), _tensors(rebuilt.eval()(inputs))
    if len(expected) != len(got) or not all(
        torch.allclose(a, b, rtol=0, atol=REBUILD_TOLERANCE) for a, b in zip(expected, got)
    ):
        raise ExportError(
            f"{owner} rebuilt with the saved state_dict computes other outputs than the network scored "
            "here; keep every tensor its forward pass uses in parameters or registered buffers (and no "
            "randomness in eval mode), then export again"
        )


def describe_own_model(
    spec: str,
    folder: Path,
    *,
    layers: Sequence[str] | None = None,
    image_size: int = IMAGE_SIZE,
    visual_degrees: float = VISUAL_DEGREES,
    checkpoint: str | os.PathLike | None = None,
    identifier: str | None = None,
) -> OwnModelDescription:
    """Build ``spec`` (``FILE.py[:FUNCTION]``) as the suite does, save its state dict into ``folder`` and return what
    its export needs (module docstring)."""
    import torch

    if identifier is not None:
        checked_identifier(identifier)
    path, function = parse_model_file(spec)
    build = load_build_function(path, function)
    imported = suite_imports(path.read_text(), str(path))
    if imported:
        raise ExportError(
            f"{path} imports {imported[0]}, which Brain-Score does not have; remove that import from the "
            "file (copy into it what it used) and export again"
        )
    owner = f"{path}:{function}()"
    result = call_build(build, owner)
    if is_brain_model(result):
        raise ModelFileError(
            f"{owner} returns a ready BrainModel, whose code brainscore submit cannot copy into a "
            "plugin; return its torch.nn.Module (with its preprocessing) instead"
        )
    commitment = model_from_build_result(
        spec, result, owner, layers=layers, image_size=image_size, visual_degrees=visual_degrees, checkpoint=checkpoint
    )
    network = commitment.activations_model._model
    own_preprocessing = isinstance(result, tuple)
    weights_path = folder / "weights.pt"
    torch.save(network.state_dict(), weights_path)
    check_rebuilt(
        build,
        owner,
        network,
        weights_path,
        result[1] if own_preprocessing else imagenet_preprocessing(image_size),
        folder,
    )
    recipe = PluginRecipe(
        roots=() if own_preprocessing else ((imagenet_preprocessing.__module__, imagenet_preprocessing.__name__),),
        network=_NETWORK.format(function=function),
        preprocessing=f"network.{function}()[1]" if own_preprocessing else "imagenet_preprocessing(INPUT_SIZE)",
        needs_weights=True,
        requirements=tuple(file_requirements(path)),
        imports=("from . import network",),
        files=((PLUGIN_NETWORK_FILE, path.read_text()),),
    )
    return OwnModelDescription(
        spec,
        identifier or default_identifier(path, function),
        commitment,
        weights_path,
        recipe,
        committed_regions(list(commitment.layers)),
        path,
        function,
    )


def submit_own_model(
    spec: str,
    out: str | os.PathLike,
    *,
    layers: Sequence[str] | None = None,
    image_size: int = IMAGE_SIZE,
    visual_degrees: float = VISUAL_DEGREES,
    checkpoint: str | os.PathLike | None = None,
    identifier: str | None = None,
    weights_key: str | None = None,
    weights_version: str | None = None,
) -> dict:
    """Write the submission folder of the network ``spec`` builds into ``out`` (checked); returns the manifest.
    ``weights_key``/``weights_version``: as for ``submission.submit_model``."""
    checked_out_folder(out)
    with tempfile.TemporaryDirectory(prefix="brainscore-lcl-submit-") as folder:
        description = describe_own_model(
            spec,
            Path(folder),
            layers=layers,
            image_size=image_size,
            visual_degrees=visual_degrees,
            checkpoint=checkpoint,
            identifier=identifier,
        )
        plugin_dir = plugin_dirname(description.identifier)
        weights = weights_entry(description, plugin_dir, weights_key, weights_version)
        regions = description.region_layer_map
        selection = (
            f"commits {', '.join(regions)} to its one layer `{description.layers[0]}`"
            if regions
            else f"records the layers {description.layers} and leaves each region's layer to Brain-Score's own "
            "layer selection on its public data (this suite selects per data source when it scores, which a "
            "plugin cannot carry; pass one --layers to commit every region to that layer)"
        )
        return write_submission(
            out,
            description.identifier,
            f"{description.file.name}:{description.function}",
            "models",
            plugin_files(description, weights),
            weights,
            source={
                "model_file": f"{description.file.resolve()}:{description.function}",
                "checkpoint": str(checkpoint) if checkpoint else None,
            },
            details={"commitments": description.commitments, "regions": description.region_reasons},
            scoring=f" gives a `ModelCommitment` with identifier `{description.identifier}` that {selection}, "
            f"{description.visual_degrees} visual degrees, {description.input_size}-px input; "
            f"`{PLUGIN_NETWORK_FILE}` is a copy of {description.file.name}, and `model.py` loads the weights "
            f"into what its `{description.function}()` returns. After the merge Brain-Score scores it on "
            "every benchmark of the leaderboard.",
        )
