"""One family of a stimulus folder as a strip of images: source | textures | noise images (8-bit PNG), for docs.

python tools/family_strip.py STIMULI_DIR --family 1 [--samples 2] --out docs/stimuli-family.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

from brainscore_lcl.stimuli.layout import RECORD_FILE, STIM_FOLDER, stimulus_file_name
from brainscore_lcl.stimuli.make import read_png, write_png

GAP = 4


def family_strip(folder: Path, family: int, samples: int) -> np.ndarray:
    """uint8 (size, (1 + 2 * samples) * (size + GAP) - GAP): the family's source, ``samples`` textures, their noise."""
    record = json.loads((folder / RECORD_FILE).read_text())
    size = record["parameters"]["size"]
    source = next(item for item in record["sources"] if item["family"] == family)
    images = [read_png(folder / source["png"])]
    for kind in ("texture", "noise"):
        images += [
            read_png(folder / STIM_FOLDER / stimulus_file_name(kind, family, sample, size))
            for sample in range(1, samples + 1)
        ]
    gap = np.ones((size, GAP))
    row = np.concatenate([part for image in images for part in (image, gap)][:-1], axis=1)
    return np.uint8(np.round(row * 255))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--family", type=int, default=1)
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write_png(args.out, family_strip(args.folder, args.family, args.samples))
    print(f"wrote {args.out} ({Image.open(args.out).size[0]} px wide)")


if __name__ == "__main__":
    main()
