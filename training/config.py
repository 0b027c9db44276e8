"""Training configs: YAML files parsed into frozen dataclasses, with inheritance (``extends:``), sweeps and overrides.

A config names every number of the recipe (Section 2.4 and Appendix A.2 of the paper); the ones the paper leaves open
(batch size, Barlow lambda, noise scale, early stopping) are documented in ``configs/lcl-v2.yaml`` and recorded in
every checkpoint. Packaged configs are found by bare name (``lcl-v2``); any other path is read as a file.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import re
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from brainscore_lcl.data.imagenet import IMAGENET_MEAN, IMAGENET_STD
from brainscore_lcl.errors import UsageError
from brainscore_lcl.model_helpers.architecture import ALEXNET_STAGES

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
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


_YAML_1_1_FLOAT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")
_TYPE_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "a text"}


def _check_scalar(expected: Any, value: Any) -> bool:
    """Whether ``value`` (from YAML) is of type ``expected`` (bool, int, float, str or ``int | None``); an int is a
    float, a bool is neither."""
    if expected is bool:
        return isinstance(value, bool)
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is str:
        return isinstance(value, str)
    return value is None or _check_scalar(int, value)  # int | None


def _type_name(expected: Any) -> str:
    return _TYPE_NAMES.get(expected, "a whole number or null")


def _join(where: str, name: str) -> str:
    """The dotted name of field ``name`` below ``where`` ("" at the top level)."""
    return f"{where}.{name}" if where else name


def _field_value(name: str, expected: Any, default: Any, value: Any, where: str, problems: list[str]) -> Any:
    """``value`` for field ``name`` (type ``expected``, lists as tuples), or ``default`` with a problem appended."""
    if isinstance(default, tuple):
        item_type = typing.get_args(expected)[0]
        if (
            not isinstance(value, (list, tuple))
            or len(value) != len(default)
            or not all(_check_scalar(item_type, item) for item in value)
            or (item_type is float and not all(math.isfinite(item) for item in value))
        ):
            problems.append(
                f"{_join(where, name)} is {value!r} (expected a list of {len(default)} numbers, e.g. {list(default)})"
            )
            return default
        return tuple(float(item) if item_type is float else item for item in value)
    if expected is float and isinstance(value, str) and _YAML_1_1_FLOAT.fullmatch(value.strip()):
        value = float(value)  # YAML 1.1 reads 1e-3 (no dot) as text
    if not _check_scalar(expected, value):
        problems.append(f"{_join(where, name)} is {value!r} (expected {_type_name(expected)}, e.g. {default!r})")
        return default
    if expected is float and not math.isfinite(value):  # YAML reads .inf and .nan as floats
        problems.append(f"{_join(where, name)} is {value!r} (expected a finite number, e.g. {default!r})")
        return default
    return float(value) if expected is float else value


def _build(cls: type, data: Any, where: str, problems: list[str]) -> Any:
    """Instantiate dataclass ``cls`` from ``data``; each unknown field and each value of the wrong type appends one
    sentence to ``problems`` (and keeps the default), lists become tuples."""
    if not isinstance(data, dict):
        problems.append(f"{where or 'the config'} is {data!r} (expected a mapping of fields)")
        return cls()
    fields = {item.name: item for item in dataclasses.fields(cls)}
    types = typing.get_type_hints(cls)
    unknown = sorted(set(data) - set(fields))
    if unknown:
        problems.append(f"{where or 'the top level'} has unknown field(s) {unknown} (allowed: {sorted(fields)})")
    values = {}
    for name, value in data.items():
        if name not in fields:
            continue
        default = getattr(cls(), name) if name != "stages" else None
        if dataclasses.is_dataclass(default):
            values[name] = _build(type(default), value, _join(where, name), problems)
        elif name == "stages":
            if not isinstance(value, list) or not value:
                problems.append(f"{_join(where, name)} is {value!r} (expected a non-empty list of stages)")
                continue
            values[name] = tuple(
                _build(StageConfig, item, f"{_join(where, name)}[{index}]", problems)
                for index, item in enumerate(value)
            )
        elif name == "sweep":
            values[name] = value
        else:
            values[name] = _field_value(name, types[name], default, value, where, problems)
    return cls(**values)


def _above(low: float) -> tuple[Callable[[Any], bool], str]:
    return (lambda value: value > low), f"> {low:g}"


def _at_least(low: float) -> tuple[Callable[[Any], bool], str]:
    return (lambda value: value >= low), f">= {low:g}"


def _within(low: float, high: float) -> tuple[Callable[[Any], bool], str]:
    return (lambda value: low <= value <= high), f"in [{low:g}, {high:g}]"


def _one_of(choices: tuple[str, ...]) -> tuple[Callable[[Any], bool], str]:
    return (lambda value: value in choices), f"one of {', '.join(choices)}"


#: the allowed values of every checked field (dotted name below the config, without the stage prefix for views)
RULES = {
    "seed": _at_least(0),
    "architecture.n_stages": _within(1, len(ALEXNET_STAGES)),
    "architecture.blur_size": _at_least(1),
    "architecture.kind": _one_of(ARCHITECTURES),
    "input.resize_short_side": _at_least(8),
    "objective.name": _one_of(OBJECTIVES),
    "objective.projector_dim": _at_least(1),
    "objective.barlow_lambda": _above(0),
    "objective.simclr_temperature": _above(0),
    "objective.simsiam_predictor_hidden": _at_least(1),
    "optimizer.lr": _above(0),
    "optimizer.weight_decay": _at_least(0),
    "training.batch_size": (lambda value: value >= 2, ">= 2 (the losses compare samples within a batch)"),
    "training.max_epochs": _at_least(1),
    "training.val_max_images": _at_least(1),
    "training.val_every_steps": _at_least(1),
    "training.val_window": _at_least(1),
    "training.patience_epochs": _above(0),
    "training.min_delta": _at_least(0),
    "training.checkpoint_every_steps": _at_least(1),
    "training.num_workers": _at_least(0),
    "training.val_fraction": ((lambda value: 0 < value < 1), "in (0, 1)"),
    "training.lower_stage_norm": _one_of(LOWER_STAGE_NORMS),
    "training.pipeline": _one_of(PIPELINES),
    "view.center_crop": _at_least(1),
    "view.output_size": _at_least(1),
    "view.interpolation": _one_of(("bilinear", "bicubic")),
    "view.flip_probability": _within(0, 1),
    "view.jitter_probability": _within(0, 1),
    "view.grayscale_probability": _within(0, 1),
    "view.brightness": _at_least(0),
    "view.contrast": _at_least(0),
    "view.saturation": _at_least(0),
    "view.hue": _within(0, 0.5),
    "view.blur_kernel": ((lambda value: value >= 1 and value % 2 == 1), "an odd number >= 1"),
}
#: pairs (list fields) whose every item follows the rule
PAIR_RULES = {
    "input.std": _above(0),
    "optimizer.betas": ((lambda value: 0 <= value < 1), "in [0, 1)"),
    "view.blur_probability": _within(0, 1),
    "view.solarize_probability": _within(0, 1),
    "view.noise_probability": _within(0, 1),
    "view.noise_sigma": _at_least(0),
    "view.blur_sigma": _above(0),
}


def _flat(config: Any, prefix: str = "") -> dict[str, Any]:
    """{dotted name: value} of a config dataclass; stages as ``stages[i].view.<field>``."""
    flat = {}
    for item in dataclasses.fields(config):
        value, name = getattr(config, item.name), f"{prefix}{item.name}"
        if dataclasses.is_dataclass(value):
            flat.update(_flat(value, f"{name}."))
        elif item.name == "stages":
            for index, stage in enumerate(value):
                flat.update(_flat(stage, f"{name}[{index}]."))
        else:
            flat[name] = value
    return flat


def range_problems(config: TrainConfig) -> list[str]:
    """One sentence per field of ``config`` outside its allowed values (``RULES``, ``PAIR_RULES``)."""
    problems = []
    for name, value in _flat(config).items():
        rule_name = name.partition("].")[2] if name.startswith("stages[") else name
        if rule_name in RULES:
            check, expected = RULES[rule_name]
            if not check(value):
                problems.append(f"{name} is {value!r} (expected {expected})")
        elif rule_name in PAIR_RULES:
            check, expected = PAIR_RULES[rule_name]
            if not all(check(item) for item in value):
                problems.append(f"{name} is {list(value)} (expected every value {expected})")
    return problems


#: fields a resumed run may change (``--allow-changes``): they pace or end the run, not what each step computes
RESUMABLE_CHANGES = (
    "training.max_epochs",
    "training.max_steps",
    "training.patience_epochs",
    "training.min_delta",
    "training.val_window",
    "training.checkpoint_every_steps",
    "training.num_workers",
    "training.compile",
    "training.preload_to_device",
)


def allowed_changes(names: Sequence[str]) -> tuple[str, ...]:
    """The dotted fields of ``--allow-changes`` (bare names like ``max_epochs`` mean ``training.max_epochs``);
    ``ConfigError`` naming any that is not in ``RESUMABLE_CHANGES``."""
    fields = tuple(name if "." in name else f"training.{name}" for name in names)
    refused = [name for name in fields if name not in RESUMABLE_CHANGES]
    if refused:
        raise ConfigError(
            f"--allow-changes {', '.join(refused)}: only fields that pace or end a run may change on "
            f"--resume: {', '.join(name.removeprefix('training.') for name in RESUMABLE_CHANGES)}"
        )
    return fields


def config_differences(recorded: TrainConfig, current: TrainConfig) -> dict[str, tuple[Any, Any]]:
    """{dotted field: (recorded value, current value)} for every field where the two configs differ."""
    old, new = _flat(recorded), _flat(current)
    return {
        name: (old.get(name), new.get(name)) for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)
    }


def check_resume(recorded: TrainConfig, current: TrainConfig, allowed: Sequence[str] = ()) -> None:
    """``ConfigError`` naming every field in which ``current`` differs from the run's ``recorded`` config, unless
    each is in ``allowed`` (``allowed_changes``)."""
    refused = {name: pair for name, pair in config_differences(recorded, current).items() if name not in allowed}
    if not refused:
        return
    listed = ", ".join(f"{name} (run: {old!r}, now: {new!r})" for name, (old, new) in refused.items())
    if all(name in RESUMABLE_CHANGES for name in refused):
        hint = (
            f"pass --allow-changes {','.join(name.removeprefix('training.') for name in refused)} to continue with them"
        )
    else:
        hint = "resume with the run's own config (its config.json) or start a new run in another --out"
    raise ConfigError(f"--resume: the config differs from the run's in {listed}; {hint}")


def validate(config: TrainConfig, where: str, problems: Sequence[str] = ()) -> TrainConfig:
    """Check types (``problems`` found while building), ranges and cross-field consistency; returns ``config`` or
    raises ``ConfigError`` with one sentence per bad field."""
    problems = [*problems, *range_problems(config)]
    if config.architecture.kind == "alexnet-bn" and config.architecture.n_stages != 1:
        problems.append(
            f"architecture.kind alexnet-bn trains the whole AlexNet as one stage, but "
            f"architecture.n_stages is {config.architecture.n_stages} (expected 1, with one stage)"
        )
    if config.architecture.n_stages != len(config.stages):
        problems.append(
            f"architecture.n_stages is {config.architecture.n_stages} but {len(config.stages)} stages are given"
        )
    for index, stage in enumerate(config.stages):
        view = stage.view
        if view.center_crop > config.input.resize_short_side:
            problems.append(
                f"stages[{index}].view.center_crop {view.center_crop} exceeds "
                f"input.resize_short_side {config.input.resize_short_side}"
            )
        if not 0.0 < view.scale[0] <= view.scale[1] <= 1.0:
            problems.append(f"stages[{index}].view.scale is {list(view.scale)} (expected 0 < min <= max <= 1)")
        if not 0.0 < view.ratio[0] <= view.ratio[1]:
            problems.append(f"stages[{index}].view.ratio is {list(view.ratio)} (expected 0 < min <= max)")
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


def packaged_config(name: str) -> Path | None:
    """The packaged config named ``name`` (``lcl-v2`` or ``lcl-v2.yaml``), or None."""
    packaged = CONFIG_DIR / f"{Path(name).name.removesuffix('.yaml')}.yaml"
    return packaged if packaged.is_file() else None


def resolve_config_path(name_or_path: str | Path) -> Path:
    """An existing YAML file, else a packaged config by name (``lcl-v2``); ``ConfigError`` for neither, or a folder."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    if path.is_dir():
        raise ConfigError(f"--config {path} is a folder; pass a YAML file or a packaged config name")
    packaged = packaged_config(str(name_or_path))
    if packaged is not None:
        return packaged
    available = sorted(item.stem for item in CONFIG_DIR.glob("*.yaml"))
    raise ConfigError(f"config {name_or_path!r} is neither a file nor a packaged config; packaged: {available}")


def resolve_parent(parent: Any, child: Path) -> Path:
    """The file that ``extends: parent`` in config file ``child`` names: a file beside ``child`` (or at the path
    given), else the packaged config of that name, wherever ``child`` lives."""
    if not isinstance(parent, str):
        raise ConfigError(f"config {child}: extends is {parent!r}; expected a config name or file, e.g. lcl-v2.yaml")
    beside = child.parent / parent
    if beside.is_file():
        return beside
    packaged = packaged_config(parent)
    if packaged is not None:
        return packaged
    available = sorted(item.stem for item in CONFIG_DIR.glob("*.yaml"))
    raise ConfigError(
        f"config {child} extends {parent!r}, which is neither a file beside it nor a packaged config; "
        f"packaged: {available}"
    )


def yaml_reason(error: Exception) -> str:
    """A YAML parse error as "<problem> at line L, column C" (1-based), or its first line."""
    mark = getattr(error, "problem_mark", None)
    if getattr(error, "problem", None) and mark is not None:
        return f"{error.problem} at line {mark.line + 1}, column {mark.column + 1}"
    return " ".join(str(error).split())[:200]


def load_raw(name_or_path: str | Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The YAML mapping with its ``extends:`` chain merged in (base first)."""
    path = resolve_config_path(name_or_path).resolve()
    if path in _seen:
        raise ConfigError(f"config {path} extends itself through {[str(item) for item in _seen]}")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ConfigError(f"config {path} is not valid YAML ({yaml_reason(error)}); fix the file") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config {path} must be a YAML mapping at top level")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    return _merge(load_raw(resolve_parent(parent, path), _seen + (path,)), data)


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


def load_config(
    name_or_path: str | Path, variant: str | None = None, overrides: list[str] | tuple[str, ...] = ()
) -> TrainConfig:
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
            except (IndexError, ValueError, TypeError, AttributeError):
                raise ConfigError(
                    f"config {name_or_path}: sweep variant {variant!r} sets {dotted!r}, which does not exist"
                ) from None
        data["name"] = f"{data.get('name', 'lcl')}-{variant}"
        data["sweep"] = {}
    elif sweep:
        raise ConfigError(f"config {name_or_path} is a sweep: pick one run with --variant NAME from {sorted(sweep)}")
    for text in overrides:
        key, value = parse_override(text)
        try:
            set_dotted(data, key, value)
        except (IndexError, ValueError, TypeError, AttributeError):
            raise ConfigError(f"override {text!r} names a field that does not exist") from None
    return build_config(data, str(name_or_path))


def build_config(data: dict[str, Any], where: str) -> TrainConfig:
    """The validated ``TrainConfig`` of a merged YAML mapping; ``ConfigError`` naming ``where`` and every bad field."""
    problems: list[str] = []
    config = _build(TrainConfig, data, "", problems)
    return validate(config, where, problems)


def config_from_dict(data: dict[str, Any]) -> TrainConfig:
    """Rebuild a config recorded in a checkpoint (``TrainConfig.to_dict``)."""
    return build_config(data, "<recorded config>")
