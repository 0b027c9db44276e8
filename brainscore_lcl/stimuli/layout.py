"""The raw-release layout of a stimulus folder, as the local Freeman & Ziemba loader reads it
(``brainscore_lcl.data.freemanziemba.raw_image_name``): ``stim/<tex|noise>-<size>x<size>-im<family>-smp<k>.png``,
8-bit grayscale, families and samples numbered from 1; ``brainscore stimuli make`` adds ``stimuli.json`` (sources,
parameters, seeds, quality) and ``sources/source-<size>x<size>-im<family>.png`` (each family's cropped source)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brainscore_lcl.errors import UsageError

STIM_FOLDER = "stim"
SOURCES_FOLDER = "sources"
RECORD_FILE = "stimuli.json"
TEXTURE_TYPES = ("texture", "noise")
_PREFIX = {"texture": "tex", "noise": "noise"}
_NAME = re.compile(r"^(tex|noise)-(\d+)x(\d+)-im(\d+)-smp(\d+)\.png$")


def stimulus_file_name(texture_type: str, family: int, sample: int, size: int) -> str:
    """``tex-64x64-im1-smp2.png``: the release's name of one stimulus (texture_type in {"texture", "noise"})."""
    return f"{_PREFIX[texture_type]}-{size}x{size}-im{int(family)}-smp{int(sample)}.png"


def source_file_name(family: int, size: int) -> str:
    """``source-64x64-im1.png``: the cropped, resized source image of a family."""
    return f"source-{size}x{size}-im{int(family)}.png"


@dataclass(frozen=True)
class StimulusFile:
    """One stimulus found on disk: its path and what its name says."""

    path: Path
    texture_type: str
    family: int
    sample: int


def parse_stimulus_name(name: str) -> tuple[str, int, int] | None:
    """(texture_type, family, sample) from a release file name, or None for any other name."""
    match = _NAME.match(name)
    if match is None:
        return None
    prefix, _, _, family, sample = match.groups()
    return ("texture" if prefix == "tex" else "noise"), int(family), int(sample)


def stim_folder(folder: Path) -> Path:
    """The folder of the PNGs: ``folder/stim`` when it exists, else ``folder`` itself."""
    return folder / STIM_FOLDER if (folder / STIM_FOLDER).is_dir() else folder


def find_stimuli(folder: str | Path) -> list[StimulusFile]:
    """Every release-named stimulus under ``folder`` (or ``folder/stim``), sorted by family, type, sample.

    ``UsageError`` when there is none, or when a family lacks textures or noise images (the index needs both).
    """
    folder = Path(folder)
    found = []
    for path in sorted(stim_folder(folder).glob("*.png")):
        parsed = parse_stimulus_name(path.name)
        if parsed is not None and not path.is_file():
            raise UsageError(f"{path} is named like a stimulus but is not a file; rename or remove it")
        if parsed is not None:
            found.append(StimulusFile(path, *parsed))
    if not found:
        raise UsageError(
            f"--stimuli {folder} holds no stimuli named like the release (stim/tex-320x320-im<family>-smp<k>.png and "
            "noise-...); make them with `brainscore stimuli make --images DIR --out DIR`"
        )
    for family in sorted({item.family for item in found}):
        kinds = {item.texture_type for item in found if item.family == family}
        if kinds != set(TEXTURE_TYPES):
            missing = (set(TEXTURE_TYPES) - kinds).pop()
            raise UsageError(
                f"family {family} in {folder} has no {missing} images; texture modulation compares each family's "
                "textures with its noise, so both are needed"
            )
    return sorted(found, key=lambda item: (item.family, TEXTURE_TYPES.index(item.texture_type), item.sample))


def to_uint8(image: np.ndarray) -> np.ndarray:
    """[0, 1] floats -> 8-bit gray levels (rounded, values outside [0, 1] clipped)."""
    return np.round(np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0) * 255.0).astype(np.uint8)
