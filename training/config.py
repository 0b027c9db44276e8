"""Training configs: YAML files parsed into frozen dataclasses, with inheritance (``extends:``), sweeps and overrides.

A config names every number of the recipe (Section 2.4 and Appendix A.2 of the paper); the ones the paper leaves open
(batch size, Barlow lambda, noise scale, early stopping) are documented in ``configs/lcl-v2.yaml`` and recorded in
every checkpoint. Packaged configs are found by bare name (``lcl-v2``); any other path is read as a file.
"""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from brainscore_lcl.errors import UsageError

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
OBJECTIVES = ("barlow", "simclr", "simsiam")
#: "lcl": the layerwise LCL encoder; "alexnet-bn": AlexNet-BN trained end to end as one stage (training/e2e.py)
ARCHITECTURES = ("lcl", "alexnet-bn")
PIPELINES = ("device", "reference")
LOWER_STAGE_NORMS = ("running", "batch")


class ConfigError(UsageError):
    """A config that cannot be used; the message names the file and the field to fix."""


@dataclass(frozen=True)
class ViewSpec:
    """How the two views (A, B) of one stage are drawn from an image (Appendix A.2). Pixel values in [0, 1].

    Pairs ``[a, b]`` give view A's and view B's value. ``center_crop`` and ``output_size`` are in pixels of the image
    resized to ``resize_short_side``; ``scale`` is the RandomResizedCrop area fraction; ``ratio`` its aspect-ratio range
    (sampled log-uniformly). ``noise_sigma`` is the range of the per-image standard deviation of additive Gaussian
    noise, in [0, 1] pixel units, added before normalisation and not clipped. ``disjoint`` draws the two views from
    diagonally opposite quadrants of the centre crop (the "non-overlapping crops" ablation of Fig. 7).
    """

    center_crop: int = 56
    output_size: int = 48
    random_crop: bool = True
    scale: tuple[float, float] = (0.6, 0.9)
    ratio: tuple[float, float] = (0.9, 1.1)
    disjoint: bool = False
    interpolation: str = "bilinear"
    flip_probability: float = 0.0
    jitter_probability: float = 0.8
    brightness: float = 0.2
    contrast: float = 0.2
    saturation: float = 0.0
    hue: float = 0.0
    grayscale_probability: float = 0.2
    blur_probability: tuple[float, float] = (0.0, 0.0)
    blur_kernel: int = 23
    blur_sigma: tuple[float, float] = (0.1, 2.0)
    solarize_probability: tuple[float, float] = (0.0, 0.0)
    noise_probability: tuple[float, float] = (1.0, 0.0)
    noise_sigma: tuple[float, float] = (0.04, 0.1)


@dataclass(frozen=True)
class StageConfig:
    view: ViewSpec = ViewSpec()


@dataclass(frozen=True)
class ObjectiveConfig:
    name: str = "barlow"
    projector_dim: int = 2048
    barlow_lambda: float = 0.0051
    simclr_temperature: float = 0.1
    simsiam_predictor_hidden: int = 512


@dataclass(frozen=True)
class InputConfig:
    resize_short_side: int = 224
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD


@dataclass(frozen=True)
class OptimizerConfig:
    lr: float = 1e-3
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)


@dataclass(frozen=True)
class TrainingConfig:
    """Batch size counts images per step (each image gives both views of every stage), summed over GPUs.

    Early stopping: every ``val_every_steps`` steps the summed per-stage loss on held-out images is computed with
    fixed views (the same views every time, so it is a deterministic function of the weights); the trailing mean
    of the last ``val_window`` values is the smoothed loss, and training stops when that has not dropped by more
    than ``min_delta`` (a fraction of its best value) for ``patience_epochs`` epochs, or after ``max_epochs`` /
    ``max_steps``. The weights kept (``encoder.pt``) are those at the validation where the smoothed loss was best.

    ``lower_stage_norm``: how the stages below stage l normalise when they compute stage l's inputs during training
    (they never get gradients from it): "running" runs them in eval mode, with their own running BatchNorm
    statistics, which stage l's larger views then never change; "batch" runs them in training mode (batch
    statistics, and their running statistics also absorb stage l's views).

    ``sync_batchnorm``: under torchrun (several processes), every BatchNorm layer (encoder, projectors, predictors)
    normalises with the statistics of the global batch (``distributed.GlobalBatchNorm``); no effect on one process.
    """

    batch_size: int = 256
    max_epochs: int = 100
    max_steps: int | None = None
    val_fraction: float = 0.1
    val_max_images: int = 10000
    val_every_steps: int = 500
    val_window: int = 5
    patience_epochs: float = 2.0
    min_delta: float = 0.001
    lower_stage_norm: str = "running"
    sync_batchnorm: bool = True
    checkpoint_every_steps: int = 500
    pipeline: str = "device"
    preload_to_device: bool = True
    num_workers: int = 4
    amp: bool = True
    channels_last: bool = True
    compile: bool = False


@dataclass(frozen=True)
class ArchitectureConfig:
    n_stages: int = 2
    blur_size: int = 3
    kind: str = "lcl"


@dataclass(frozen=True)
class TrainConfig:
    name: str = "lcl-v2"
    seed: int = 0
    architecture: ArchitectureConfig = ArchitectureConfig()
    input: InputConfig = InputConfig()
    objective: ObjectiveConfig = ObjectiveConfig()
    optimizer: OptimizerConfig = OptimizerConfig()
    training: TrainingConfig = TrainingConfig()
    stages: tuple[StageConfig, ...] = (StageConfig(),)
    sweep: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def store_size(self) -> int:
        """Side in pixels of the stored centre crop that holds every stage's centre crop."""
        return max(stage.view.center_crop for stage in self.stages)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists, not tuples) fit for YAML and ``torch.save(weights_only)`` loading."""
        return _plain(dataclasses.asdict(self))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _build(cls: type, data: Any, where: str) -> Any:
    """Instantiate dataclass ``cls`` from ``data``, rejecting unknown fields and converting lists to tuples."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be a mapping, got {type(data).__name__}")
    fields = {item.name: item for item in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {unknown}; allowed: {sorted(fields)}")
    values = {}
    for name, value in data.items():
        default = getattr(cls(), name) if name != "stages" else None
        if dataclasses.is_dataclass(default):
            values[name] = _build(type(default), value, f"{where}.{name}")
        elif name == "stages":
            if not isinstance(value, list) or not value:
                raise ConfigError(f"{where}.stages must be a non-empty list of stages")
            values[name] = tuple(_build(StageConfig, item, f"{where}.stages[{index}]")
                                 for index, item in enumerate(value))
        elif isinstance(default, tuple):
            if not isinstance(value, (list, tuple)) or len(value) != len(default):
                raise ConfigError(f"{where}.{name} must be a list of {len(default)} numbers, got {value!r}")
            values[name] = tuple(value)
        else:
            values[name] = value
    return cls(**values)


def validate(config: TrainConfig, where: str) -> TrainConfig:
    """Check ranges and cross-field consistency; returns ``config`` or raises ``ConfigError``."""
    problems = []
    if config.architecture.n_stages != len(config.stages):
        problems.append(f"architecture.n_stages is {config.architecture.n_stages} "
                        f"but {len(config.stages)} stages are given")
    if config.architecture.kind not in ARCHITECTURES:
        problems.append(f"architecture.kind {config.architecture.kind!r} is not one of {ARCHITECTURES}")
    if config.objective.name not in OBJECTIVES:
        problems.append(f"objective.name {config.objective.name!r} is not one of {OBJECTIVES}")
    if config.training.pipeline not in PIPELINES:
        problems.append(f"training.pipeline {config.training.pipeline!r} is not one of {PIPELINES}")
    if config.training.batch_size < 2:
        problems.append("training.batch_size must be >= 2 (the losses compare samples within a batch)")
    if not 0.0 < config.training.val_fraction < 1.0:
        problems.append("training.val_fraction must be in (0, 1)")
    if config.training.val_window < 1 or config.training.patience_epochs <= 0:
        problems.append("training.val_window must be >= 1 and training.patience_epochs > 0")
    if config.training.lower_stage_norm not in LOWER_STAGE_NORMS:
        problems.append(f"training.lower_stage_norm {config.training.lower_stage_norm!r} is not one of "
                        f"{LOWER_STAGE_NORMS}")
    for index, stage in enumerate(config.stages):
        view = stage.view
        if view.center_crop > config.input.resize_short_side:
            problems.append(f"stages[{index}].view.center_crop {view.center_crop} exceeds input.resize_short_side")
        if not 0.0 < view.scale[0] <= view.scale[1] <= 1.0:
            problems.append(f"stages[{index}].view.scale {list(view.scale)} must satisfy 0 < min <= max <= 1")
        if not 0.0 < view.ratio[0] <= view.ratio[1]:
            problems.append(f"stages[{index}].view.ratio {list(view.ratio)} must satisfy 0 < min <= max")
        if view.interpolation not in ("bilinear", "bicubic"):
            problems.append(f"stages[{index}].view.interpolation must be bilinear or bicubic")
        if view.blur_kernel % 2 == 0:
            problems.append(f"stages[{index}].view.blur_kernel must be odd")
        probabilities = [view.flip_probability, view.jitter_probability, view.grayscale_probability,
                         *view.blur_probability, *view.solarize_probability, *view.noise_probability]
        if any(not 0.0 <= p <= 1.0 for p in probabilities):
            problems.append(f"stages[{index}].view has a probability outside [0, 1]")
    if problems:
        raise ConfigError(f"config {where} is invalid: " + "; ".join(problems))
    return config


def _merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "sweep":
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def resolve_config_path(name_or_path: str | Path) -> Path:
    """A packaged config by bare name (``lcl-v2``) or an existing YAML file."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    packaged = CONFIG_DIR / f"{name_or_path}.yaml"
    if packaged.is_file():
        return packaged
    available = sorted(item.stem for item in CONFIG_DIR.glob("*.yaml"))
    raise ConfigError(f"config {name_or_path!r} is neither a file nor a packaged config; packaged: {available}")


def load_raw(name_or_path: str | Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The YAML mapping with its ``extends:`` chain merged in (base first)."""
    path = resolve_config_path(name_or_path).resolve()
    if path in _seen:
        raise ConfigError(f"config {path} extends itself through {[str(item) for item in _seen]}")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"config {path} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config {path} must be a YAML mapping at top level")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    parent_path = path.parent / parent if (path.parent / parent).is_file() else parent
    return _merge(load_raw(parent_path, _seen + (path,)), data)


def set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``data['a']['b'][0]['c'] = value`` for ``dotted = 'a.b.0.c'`` (list indices as integers)."""
    keys = dotted.split(".")
    target: Any = data
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target.setdefault(key, {})
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


def parse_override(text: str) -> tuple[str, Any]:
    """``'training.batch_size=64'`` -> ``('training.batch_size', 64)``; the value is read as YAML."""
    if "=" not in text:
        raise ConfigError(f"override {text!r} must look like dotted.key=value, e.g. training.batch_size=64")
    key, value = text.split("=", 1)
    return key.strip(), yaml.safe_load(value)


def load_config(name_or_path: str | Path, variant: str | None = None,
                overrides: list[str] | tuple[str, ...] = ()) -> TrainConfig:
    """Read, merge, apply a sweep variant and ``key=value`` overrides, and validate a training config.

    A config with a ``sweep:`` section (``{variant_name: {dotted.key: value}}``) needs ``variant``; the variant's name
    is appended to the config's ``name``.
    """
    data = load_raw(name_or_path)
    sweep = data.get("sweep") or {}
    if variant is not None:
        if variant not in sweep:
            raise ConfigError(f"config {name_or_path} has no sweep variant {variant!r}; variants: {sorted(sweep)}")
        for dotted, value in sweep[variant].items():
            try:
                set_dotted(data, dotted, copy.deepcopy(value))
            except (IndexError, ValueError, TypeError):
                raise ConfigError(f"config {name_or_path}: sweep variant {variant!r} sets {dotted!r}, "
                                  "which does not exist") from None
        data["name"] = f"{data.get('name', 'lcl')}-{variant}"
        data["sweep"] = {}
    elif sweep:
        raise ConfigError(f"config {name_or_path} is a sweep: pick one run with --variant NAME from {sorted(sweep)}")
    for text in overrides:
        key, value = parse_override(text)
        try:
            set_dotted(data, key, value)
        except (IndexError, ValueError, TypeError):
            raise ConfigError(f"override {text!r} names a field that does not exist") from None
    return validate(_build(TrainConfig, data, str(name_or_path)), str(name_or_path))


def config_from_dict(data: dict[str, Any]) -> TrainConfig:
    """Rebuild a config recorded in a checkpoint (``TrainConfig.to_dict``)."""
    return validate(_build(TrainConfig, data, "<recorded config>"), "<recorded config>")
