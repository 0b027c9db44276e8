"""Brain-Score model plugins generated from this suite's own model code.

A plugin folder ``models/<plugin_dir>/`` holds ``__init__.py`` (the import of ``model_registry`` and one literal
registration line), ``model.py`` (the network definition, preprocessing and checkpoint reading copied from this suite
by ``sources.copy_definitions``, then weight loading through brainscore_core's ``load_weight_file`` with its own sha256
check, and the ``ModelCommitment`` whose identifier is the registry key), ``requirements.txt`` and ``test.py``.
Commitments (recorded layers, region-layer map, visual degrees, input size) are read from the suite's model as built.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import os
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brainscore_lcl.errors import RunError, UsageError
from brainscore_lcl.export.identifiers import checked_identifier, export_identifier
from brainscore_lcl.export.sources import copy_definitions, top_level_definitions

#: where Brain-Score's team keeps model weights (``load_weight_file`` arguments), as its own plugins do
WEIGHTS_BUCKET = "brainscore-storage"
WEIGHTS_FOLDER = "brainscore-vision/models"
PAPER_BIBTEX = """@article{parthasarathy2024layerwise,
  title={Layerwise complexity-matched learning yields an improved model of cortical area {V2}},
  author={Parthasarathy, Nikhil and H{\\'e}naff, Olivier J and Simoncelli, Eero P},
  journal={Transactions on Machine Learning Research},
  year={2024}}"""


class ExportError(RunError):
    """A model or benchmark that cannot be exported as asked; the message says what to do (CLI exit code 1)."""


@dataclass(frozen=True)
class PluginRecipe:
    """How one suite model becomes plugin code.

    ``roots``: suite definitions ``model.py`` copies (with what they need). ``network``: body of
    ``network_from_weights(weights_path)`` (``weights_path`` is None for parameter-free models). ``preprocessing``: an
    expression of ``INPUT_SIZE``. ``requirements``: distributions brainscore_vision does not bring. ``imports``: more
    import lines of ``model.py``; ``files``: more (file name, text) of the plugin folder.
    """

    roots: tuple[tuple[str, str], ...]
    network: str
    preprocessing: str
    needs_weights: bool
    requirements: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    files: tuple[tuple[str, str], ...] = ()
    imagenet_readout: bool = False


_CHECKPOINT = "brainscore_lcl.checkpoint"
_COMMITMENT = "brainscore_lcl.model_helpers.commitment"
_ENCODER_NETWORK = """payload = torch.load(weights_path, map_location="cpu", weights_only=True)
verify_sha256(payload, weights_path, "checkpoint")
return build_encoder(payload, weights_path)"""
_LCL = PluginRecipe(
    roots=((_CHECKPOINT, "build_encoder"), (_CHECKPOINT, "verify_sha256"), (_COMMITMENT, "imagenet_preprocessing")),
    network=_ENCODER_NETWORK,
    preprocessing="imagenet_preprocessing(INPUT_SIZE)",
    needs_weights=True,
)
_LCL_V2NET = PluginRecipe(
    roots=(
        ("brainscore_lcl.models.lcl_v2net.model", "build_network"),
        (_CHECKPOINT, "verify_sha256"),
        (_COMMITMENT, "imagenet_preprocessing"),
    ),
    network="""payload = torch.load(weights_path, map_location="cpu", weights_only=True)
verify_sha256(payload, weights_path, "LCL-V2Net checkpoint")
return build_network(payload, weights_path)""",
    preprocessing="imagenet_preprocessing(INPUT_SIZE)",
    needs_weights=True,
    imagenet_readout=True,
)
_STEERPYR = PluginRecipe(
    roots=(
        ("brainscore_lcl.models.steerpyr.model", "SteerPyrModel"),
        ("brainscore_lcl.models.steerpyr.model", "load_grayscale_images"),
    ),
    network="return SteerPyrModel()",
    preprocessing="functools.partial(load_grayscale_images, image_size=INPUT_SIZE)",
    needs_weights=False,
    requirements=("plenoptic",),
)

RECIPES: dict[str, PluginRecipe] = {
    "lcl-v1": _LCL,
    "lcl-v2": _LCL,
    "lcl-v2net": _LCL_V2NET,
    "v1-steerpyr": _STEERPYR,
    "v1-steerpyr-pool": _STEERPYR,
}
#: the regions Brain-Score's leaderboard records from every model (``BrainModel.RecordingTarget``), in depth order
BRAIN_SCORE_REGIONS = ("V1", "V2", "V4", "IT")
_LCL_NOTES = {
    "V1": "LCL stage 1, trained as the model of V1 (paper Sec. 2.3, Table A.1)",
    "V2": "LCL stage 2, trained as the model of V2 (paper Sec. 2.3, Table A.1): the paper's LCL-V2",
}
#: why each region reads its layer, where the suite's own model commits the region
REGION_NOTES: dict[str, dict[str, str]] = {
    "lcl-v1": {"V1": _LCL_NOTES["V1"]},
    "lcl-v2": _LCL_NOTES,
    "lcl-v2net": {
        **_LCL_NOTES,
        "V4": "the AlexNet back-end stage (conv3, after its ReLU) that brainscore_vision's `alexnet` commits "
        "to V4 (`features.7`)",
        "IT": "the AlexNet back-end stage (conv5, after pooling) that brainscore_vision's `alexnet` commits "
        "to IT (`features.12`)",
    },
    "v1-steerpyr": {
        "V1": "the steerable-pyramid energy units (the paper's V1 reference model)",
        "V2": "the same units: the pyramid has no second stage (the paper scores it on V2 this way)",
    },
    "v1-steerpyr-pool": {"V1": "the steerable-pyramid energy units", "V2": "the energy units pooled over space"},
}


def exported_regions(model_id: str, suite_map: dict[str, str]) -> dict[str, dict[str, str]]:
    """{region: {"layer", "reason"}} for every region of ``BRAIN_SCORE_REGIONS``: the suite model's own layer where it
    commits the region, else the layer of its deepest committed region (a model has no stage beyond it)."""
    deepest = [region for region in BRAIN_SCORE_REGIONS if region in suite_map][-1]
    exported = {}
    for region in BRAIN_SCORE_REGIONS:
        if region in suite_map:
            reason = REGION_NOTES.get(model_id, {}).get(region, "the suite model's own commitment")
            exported[region] = {"layer": suite_map[region], "reason": reason}
        else:
            exported[region] = {
                "layer": suite_map[deepest],
                "reason": f"no stage beyond `{suite_map[deepest]}` (its {deepest} layer), so the "
                f"deepest stage is the only candidate; Brain-Score records {region} from "
                "every leaderboard model",
            }
    return exported


#: suite models with an equivalent already in brainscore_vision, which are therefore not exported
EQUIVALENT_IN_BRAINSCORE = {
    "alexnet-untrained": (
        "alexnet_random",
        "an untrained torchvision AlexNet whose layers Brain-Score selects on "
        "its public data, as this suite does for alexnet-untrained",
    ),
}


@dataclass(frozen=True)
class ModelDescription:
    """A suite model as built, with what an export needs: ``commitment`` is the suite's ``ModelCommitment``."""

    model_id: str
    identifier: str
    commitment: Any
    checkpoint: Path | None

    @property
    def recipe(self) -> PluginRecipe:
        return RECIPES[self.model_id]

    @property
    def origin(self) -> str:
        """What the plugin holds, for its docstring."""
        import brainscore_lcl

        return f"{self.model_id} of brainscore-lcl {brainscore_lcl.__version__}"

    @property
    def layers(self) -> list[str]:
        return list(self.commitment.layers)

    @property
    def region_reasons(self) -> dict[str, dict[str, str]]:
        """{region: {"layer", "reason"}} the plugin commits (``exported_regions``)."""
        return exported_regions(self.model_id, dict(self.commitment.layer_model.region_layer_map))

    @property
    def region_layer_map(self) -> dict[str, str]:
        return {region: entry["layer"] for region, entry in self.region_reasons.items()}

    @property
    def tasks(self) -> tuple[str, ...]:
        """Brain-Score behavioural tasks the plugin supports: ``probabilities`` (a logistic readout of the last
        recorded layer, fitted by Brain-Score), and ``label`` where the network ends in ImageNet logits."""
        return ("probabilities", "label") if self.recipe.imagenet_readout else ("probabilities",)

    @property
    def warnings(self) -> tuple[str, ...]:
        """What a submitter must know before uploading (the shipped demo checkpoint is no leaderboard entry)."""
        from brainscore_lcl.models.lcl.model import SHIPPED_CHECKPOINT

        if self.checkpoint is None or self.checkpoint.resolve() != SHIPPED_CHECKPOINT.resolve():
            return ()
        return (
            f"These are the shipped `{self.model_id}` weights, the demo checkpoint trained on 900 ImageNet images "
            "on a CPU, not the paper's ImageNet-1k model. A leaderboard entry should use a checkpoint trained on "
            "ImageNet: `brainscore train --config lcl-v2 --data /path/to/imagenet/train --out runs/lcl-v2`, then "
            f"`brainscore submit --model {self.model_id} --checkpoint runs/lcl-v2/encoder.pt --identifier "
            f"{self.identifier}_imagenet --out DIR`.",
        )

    @property
    def visual_degrees(self) -> float:
        return self.commitment.visual_degrees()

    @property
    def input_size(self) -> int:
        return int(self.commitment.activations_model.image_size)

    @property
    def commitments(self) -> dict[str, Any]:
        """What the plugin commits to, as the manifest records it."""
        return {
            "layers": self.layers,
            "region_layer_map": self.region_layer_map,
            "visual_degrees": self.visual_degrees,
            "input_size": self.input_size,
            "tasks": list(self.tasks),
            "behavioral_readout_layer": self.layers[-1],
        }


def describe_for_export(
    model_id: str, checkpoint: str | os.PathLike | None = None, identifier: str | None = None
) -> ModelDescription:
    """Build suite model ``model_id`` (with ``checkpoint``) for export under ``identifier`` (checked; default: the
    hyphen-free ``export_identifier(model_id)``)."""
    from brainscore_lcl.registry import discover_plugins, model_registry
    from brainscore_lcl.scoring import UnknownIdentifierError

    if model_id in EQUIVALENT_IN_BRAINSCORE:
        existing, what = EQUIVALENT_IN_BRAINSCORE[model_id]
        raise ExportError(
            f"{model_id} is not exported: brainscore_vision already has {existing!r}, {what}; "
            f"score that id on the leaderboard instead"
        )
    if model_id not in RECIPES:
        raise UnknownIdentifierError("model", model_id, sorted(RECIPES))
    if identifier is not None:
        checked_identifier(identifier)
    if checkpoint is not None and not RECIPES[model_id].needs_weights:
        raise ExportError(f"{model_id} has no weights to export; drop --checkpoint")
    discover_plugins(("model",))
    commitment = model_registry[model_id].factory(checkpoint=checkpoint)
    path = getattr(commitment, "checkpoint_path", None) or (Path(checkpoint) if checkpoint else None)
    return ModelDescription(
        model_id, identifier or export_identifier(model_id), commitment, Path(path) if path else None
    )


def file_digests(path: str | os.PathLike) -> dict[str, str]:
    """sha1 and sha256 (hex) of a file's bytes."""
    sha1, sha256 = hashlib.sha1(), hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha1.update(chunk)
            sha256.update(chunk)
    return {"sha1": sha1.hexdigest(), "sha256": sha256.hexdigest()}


#: weight-file suffixes the website's Large File Upload accepts (brain-score.web ``validate_lfu.js``)
UPLOAD_SUFFIXES = (
    ".pt",
    ".pth",
    ".ckpt",
    ".bin",
    ".onnx",
    ".h5",
    ".hdf5",
    ".pb",
    ".tflite",
    ".pkl",
    ".weights",
    ".npy",
    ".npz",
    ".safetensors",
)
#: where the website's Large File Upload puts a user's vision model files: ``brainscore-vision/models/user_<id>/<file>``
UPLOAD_KEY_PATTERN = re.compile(r"^brainscore-vision/models/[A-Za-z0-9_.=+-]+(/[A-Za-z0-9_.=+-]+)*$")


def weights_location(key: str | None, version: str | None) -> dict[str, str | None] | None:
    """``load_weight_file`` arguments (``folder_name``, ``relative_path``, ``version_id``) of the object ``key`` in
    Brain-Score's bucket: a key as the Large File Upload reports it, or its public URL (``...amazonaws.com/<key>
    ?versionId=<id>``, whose version is used unless ``version`` is given); None without ``key``. ``UsageError`` for
    anything else, and for a ``version`` without ``key``."""
    if key is None:
        if version is not None:
            raise UsageError("--weights-version needs --weights-key (the key of the Large File Upload it belongs to)")
        return None
    url = urllib.parse.urlsplit(key)
    if url.scheme in ("http", "https"):
        if not url.netloc.startswith(f"{WEIGHTS_BUCKET}.s3"):
            raise UsageError(
                f"--weights-key {key} is not in Brain-Score's bucket {WEIGHTS_BUCKET!r}; give the key "
                "or URL that the Large File Upload on your brain-score.org profile reported"
            )
        version = version or urllib.parse.parse_qs(url.query).get("versionId", [None])[0]
        key = urllib.parse.unquote(url.path).lstrip("/")
    if not UPLOAD_KEY_PATTERN.match(key) or ".." in key.split("/") or not key.lower().endswith(UPLOAD_SUFFIXES):
        raise UsageError(
            f"--weights-key {key!r} is not a vision model file of Brain-Score's bucket: expected "
            "brainscore-vision/models/user_<your user id>/<file> (as the Large File Upload reports it) "
            f"with one of the suffixes {', '.join(UPLOAD_SUFFIXES)}"
        )
    if version is not None and not re.fullmatch(r"[A-Za-z0-9._-]+", version):
        raise UsageError(f"--weights-version {version!r} is not an S3 version id (letters, digits, '.', '_', '-')")
    folder_name, relative_path = key.rsplit("/", 1)
    return {"folder_name": folder_name, "relative_path": relative_path, "version_id": version}


def weights_entry(
    description: ModelDescription, plugin_dir: str, key: str | None = None, version: str | None = None
) -> dict[str, str] | None:
    """The model's weights file: its source, name, digests, size and where the plugin loads it from (``key``, a
    Large File Upload, else the conventional ``brainscore-vision/models/<plugin_dir>/<file>``), or None when it has
    none. ``load_weight_file`` keeps it at ``$BRAINSCORE_HOME/<key>``."""
    if not description.recipe.needs_weights:
        if key or version:
            raise UsageError(f"{description.model_id} has no weights file; drop --weights-key and --weights-version")
        return None
    if description.checkpoint is None:
        raise ExportError(f"{description.model_id} has no weights file to export; pass --checkpoint PATH")
    location = weights_location(key, version)
    digests = file_digests(description.checkpoint)
    filename = f"{plugin_dir}_{digests['sha256'][:12]}{description.checkpoint.suffix or '.pt'}"
    location = location or {
        "folder_name": WEIGHTS_FOLDER,
        "relative_path": f"{plugin_dir}/{filename}",
        "version_id": None,
    }
    full_key = f"{location['folder_name']}/{location['relative_path']}"
    return {
        "source": str(description.checkpoint),
        "filename": filename,
        "bucket": WEIGHTS_BUCKET,
        **location,
        "key": full_key,
        "cache_path": full_key,
        "route": "website" if location["folder_name"].rsplit("/", 1)[-1].startswith("user_") else "team",
        "bytes": description.checkpoint.stat().st_size,
        **digests,
    }


def _requirement_line(distribution: str) -> str:
    return f"{distribution}=={importlib.metadata.version(distribution)}"


_MODEL_TEMPLATE = '''"""{identifier}: {origin}, as a self-contained Brain-Score plugin.

Generated by `brainscore submit`; code copied from brainscore-lcl's own modules is marked, followed by the weight
loading and the commitment: layers {layers}, {visual_degrees} visual degrees, {input_size}-px input.

Regions (Brain-Score records V1, V2, V4 and IT from every leaderboard model):
{region_text}

Behavioural tasks: {task_text}
"""
{imports}


{definitions}


# --- plugin: weights, commitment ---

IDENTIFIER = {identifier!r}
LAYERS = {layers!r}
REGION_LAYER_MAP = {region_layer_map!r}
VISUAL_DEGREES = {visual_degrees!r}
INPUT_SIZE = {input_size!r}
WEIGHTS = {weights!r}
BIBTEX = """{bibtex}"""


class WeightsFileError(RuntimeError):
    """The downloaded weights file is not the one this plugin was exported with."""


def weights_file():
    """Path of the weights file (downloaded by brainscore_core into $BRAINSCORE_HOME on first use), sha256-checked."""
    if WEIGHTS is None:
        return None
    path = load_weight_file(bucket=WEIGHTS["bucket"], folder_name=WEIGHTS["folder_name"],
                            relative_path=WEIGHTS["relative_path"], version_id=WEIGHTS["version_id"],
                            sha1=WEIGHTS["sha1"])
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    if digest != WEIGHTS["sha256"]:
        raise WeightsFileError(f"weights file {{path}} has sha256 {{digest}}, not the exported {{WEIGHTS['sha256']}}: "
                               f"delete it so that it is downloaded again, and if s3://{{WEIGHTS['bucket']}}/"
                               f"{{WEIGHTS['folder_name']}}/{{WEIGHTS['relative_path']}} holds another file, upload "
                               "the exported one there again (or re-export with its new --weights-key)")
    return path


def network_from_weights(weights_path):
    """The network with its weights (``weights_path``: the checked weights file, or None), in eval mode."""
{network}


def get_model(identifier):
    """``ModelCommitment`` of this plugin's model; ``identifier`` is the registry key."""
    assert identifier == IDENTIFIER, f"this plugin registers {{IDENTIFIER!r}}, not {{identifier!r}}"
    wrapper = PytorchWrapper(identifier=identifier, model=network_from_weights(weights_file()).eval(),
                             preprocessing={preprocessing})
    wrapper.image_size = INPUT_SIZE
    # an empty REGION_LAYER_MAP leaves each region's layer to Brain-Score's layer selection among LAYERS; the
    # probabilities task reads LAYERS[-1] (ModelCommitment's default behavioral readout layer)
    return ModelCommitment(identifier=identifier, activations_model=wrapper, layers=list(LAYERS),
                           region_layer_map=dict(REGION_LAYER_MAP) or None, visual_degrees=VISUAL_DEGREES)


def get_bibtex(identifier):
    return BIBTEX
'''

_GENERATED_NAMES = {
    "IDENTIFIER",
    "LAYERS",
    "REGION_LAYER_MAP",
    "VISUAL_DEGREES",
    "INPUT_SIZE",
    "WEIGHTS",
    "BIBTEX",
    "WeightsFileError",
    "weights_file",
    "network_from_weights",
    "get_model",
    "get_bibtex",
}
_PLUGIN_IMPORTS = [
    "import functools",
    "import hashlib",
    "from pathlib import Path",
    "import torch",
    "from brainscore_core.supported_data_standards.brainio.s3 import load_weight_file",
    "from brainscore_vision.model_helpers.activations.pytorch import PytorchWrapper",
    "from brainscore_vision.model_helpers.brain_transformation import ModelCommitment",
]

_TEST_TEMPLATE = '''"""Tests of the {identifier} plugin (generated by brainscore-lcl's `brainscore submit`)."""
import pytest

from brainscore_vision import BrainModel, load_model


def test_commitments():
    model = load_model({identifier!r})
    assert model.identifier == {identifier!r}
    assert list(model.layers) == {layers!r}
    assert dict(model.layer_model.region_layer_map) == {region_layer_map!r}
    assert model.visual_degrees() == {visual_degrees!r}
'''
_REGION_TEST_TEMPLATE = """

@pytest.mark.parametrize("region", {regions!r})
def test_records_region(region):
    model = load_model({identifier!r})
    model.start_recording(getattr(BrainModel.RecordingTarget, region), time_bins=[(70, 170)])
"""


def plugin_code(
    roots: Sequence[tuple[str, str]],
    plugin_imports: Sequence[str],
    generated_names: set[str],
    extra_imports: Sequence[str] = (),
) -> tuple[str, str]:
    """(import block, copied definitions) of a generated plugin file: ``from __future__``, then ``plugin_imports``,
    the imports of the suite code copied for ``roots`` (``copy_definitions``) and ``extra_imports``, each once;
    ``ExportError`` if the copied code defines one of ``generated_names``, which the plugin defines itself."""
    copied_imports, definitions = copy_definitions(list(roots)) if roots else ([], "")
    imports = ["from __future__ import annotations"] + list(
        dict.fromkeys([*plugin_imports, *copied_imports, *extra_imports])
    )
    clashes = sorted(generated_names & set(top_level_definitions(ast.parse(definitions))))
    if clashes:
        raise ExportError(f"copied suite code defines {clashes}, which the plugin generates; rename them in the suite")
    return "\n".join(imports), definitions


def model_source(description: ModelDescription, weights: dict[str, str] | None) -> str:
    """Text of the plugin's ``model.py``."""
    recipe = description.recipe
    imports, definitions = plugin_code(recipe.roots, _PLUGIN_IMPORTS, _GENERATED_NAMES, recipe.imports)
    plugin_weights = (
        None
        if weights is None
        else {key: weights[key] for key in ("bucket", "folder_name", "relative_path", "version_id", "sha1", "sha256")}
    )
    network = "\n".join(f"    {line}" for line in recipe.network.splitlines())
    region_layer_map = description.region_layer_map
    region_text = "\n".join(
        f"- {region} -> {entry['layer']}: {entry['reason']}" for region, entry in description.region_reasons.items()
    ) or ("- each region's layer is left to Brain-Score's layer selection on its public data")
    task_text = f"probabilities (a readout of {description.layers[-1]} fitted by Brain-Score)" + (
        "; label (the network's ImageNet logits)"
        if "label" in description.tasks
        else "; no label task: the network has no ImageNet readout"
    )
    return _MODEL_TEMPLATE.format(
        identifier=description.identifier,
        origin=description.origin,
        layers=description.layers,
        region_layer_map=region_layer_map,
        region_text=region_text,
        task_text=task_text,
        visual_degrees=description.visual_degrees,
        input_size=description.input_size,
        imports=imports,
        definitions=definitions,
        weights=plugin_weights,
        bibtex=PAPER_BIBTEX,
        network=network,
        preprocessing=recipe.preprocessing,
    )


def plugin_files(description: ModelDescription, weights: dict[str, str] | None) -> dict[str, str]:
    """{file name: text} of the plugin folder."""
    recipe = description.recipe
    requirements = [_requirement_line(name) for name in recipe.requirements]
    regions = sorted(description.region_layer_map)
    return {
        "__init__.py": "from brainscore_vision import model_registry\n\n"
        f'model_registry[{description.identifier!r}] = lambda: __import__(f"{{__name__}}.model", '
        f'fromlist=("get_model",)).get_model({description.identifier!r})\n',
        "model.py": model_source(description, weights),
        "requirements.txt": "\n".join(requirements) + "\n"
        if requirements
        else "# nothing beyond brainscore_vision (which brings torch and torchvision)\n",
        "test.py": _TEST_TEMPLATE.format(
            identifier=description.identifier,
            layers=description.layers,
            region_layer_map=description.region_layer_map,
            visual_degrees=description.visual_degrees,
        )
        + (_REGION_TEST_TEMPLATE.format(identifier=description.identifier, regions=regions) if regions else ""),
        **dict(recipe.files),
    }
