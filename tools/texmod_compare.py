"""Compare the family modulation of models' layers from ``brainscore texmod`` outputs: per layer, the families with
Rmod > 0, the family ranks (1 = least modulated) and Spearman's rho against one reference layer
(``brainscore_lcl.metrics.texture.family_rank_correlation``).

python tools/texmod_compare.py --reference texmod-lcl/texmod.json:layer2 texmod-lcl/texmod.json texmod-alex/texmod.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from brainscore_lcl.metrics.texture import family_rank_correlation


def family_rmod(layer: dict, families: list[int]) -> np.ndarray:
    """A layer's family Rmod (``texmod.json``'s ``family_rmod``) in the order of ``families``."""
    position = {family: index for index, family in enumerate(layer["families"])}
    return np.array([layer["family_rmod"][position[family]] for family in families], dtype=float)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", nargs="+", type=Path, help="texmod.json files")
    parser.add_argument("--reference", required=True, help="FILE:LAYER whose family Rmod the others are ranked against")
    args = parser.parse_args()
    reference_file, _, reference_layer = args.reference.rpartition(":")
    reference = json.loads(Path(reference_file).read_text())["layers"][reference_layer]
    families = reference["families"]
    reference_rmod = family_rmod(reference, families)
    print(f"families {' '.join(map(str, families))}; rho against {args.reference}")
    for path in args.records:
        record = json.loads(path.read_text())
        for name, layer in record["layers"].items():
            position = {family: index for index, family in enumerate(layer["families"])}
            ranks = " ".join(f"{layer['family_ranks'][position[family]]:g}" for family in families)
            values = family_rmod(layer, families)
            rho = family_rank_correlation(values, reference_rmod)
            print(
                f"{record['model']:>20s} {name:12s} Rmod > 0 in {int((values > 0).sum()):2d} of {len(families)}  "
                f"ranks {ranks}  rho {rho:+.2f}"
            )


if __name__ == "__main__":
    main()
