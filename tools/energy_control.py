"""The energy-model control of a stimulus folder, per family: family Rmod of a pure Gabor-energy model
(``brainscore_lcl.stimuli.energy``) on the saved images pooled over the whole image (circular: must be ~0 when the
noise keeps its texture's spectrum), under the benchmark's raised-cosine aperture, and that windowed value's mean and
s.d. over random circular shifts of the textures; the noise/texture AC energy ratio of the saved images.

python tools/energy_control.py STIMULI_DIR [--shifts 20] [--seed 0] [--json FILE]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from brainscore_lcl.data.freemanziemba import cosine_aperture_mask
from brainscore_lcl.stimuli.energy import circular_energy, family_rmod, shift_spread, windowed_energy
from brainscore_lcl.stimuli.layout import find_stimuli
from brainscore_lcl.stimuli.make import read_png
from brainscore_lcl.stimuli.noise import ac_energy_ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--shifts", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json")
    args = parser.parse_args()
    found = find_stimuli(args.folder)
    rng = np.random.default_rng(args.seed)
    rows = []
    for family in sorted({item.family for item in found}):
        images = {
            kind: np.stack([read_png(i.path) for i in found if i.family == family and i.texture_type == kind])
            for kind in ("texture", "noise")
        }
        window = cosine_aperture_mask(images["texture"].shape[-1])
        mean, spread = shift_spread(images["texture"], images["noise"], window, rng, args.shifts)
        ratios = [ac_energy_ratio(n, t) for t, n in zip(images["texture"], images["noise"])]
        rows.append(
            {
                "family": family,
                "ac_energy_ratio_min": min(ratios),
                "ac_energy_ratio_max": max(ratios),
                "circular_rmod": family_rmod(circular_energy(images["texture"]), circular_energy(images["noise"])),
                "windowed_rmod": family_rmod(
                    windowed_energy(images["texture"], window), windowed_energy(images["noise"], window)
                ),
                "shifted_windowed_rmod_mean": mean,
                "shifted_windowed_rmod_sd": spread,
            }
        )
        row = rows[-1]
        print(
            f"family {family}: AC energy noise/texture {row['ac_energy_ratio_min']:.4f}-"
            f"{row['ac_energy_ratio_max']:.4f}; energy-model Rmod circular {row['circular_rmod']:+.4f}, windowed "
            f"{row['windowed_rmod']:+.4f} (over {args.shifts} shifts: {mean:+.4f} +- {spread:.4f})"
        )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"folder": args.folder, "shifts": args.shifts, "seed": args.seed, "families": rows}, handle)


if __name__ == "__main__":
    main()
