"""Choose the simulated texture families' lattice densities so that the sorted per-family V2 texture modulation
follows Freeman et al. (2013) Fig. 3.

For every family, the number of elements per lattice side is swept (the family's element kind, size, width and
orientation spread stay); each family keeps its rank among the families under the current design and is given the
published value of that rank; the density whose noise-free V2 modulation is closest to it is proposed. Modulation
here is the family mean over cells of Rmod of the cells' expected rates in the 50-200 ms window (no Poisson noise), a
fast stand-in for ``brainscore data describe --source sim``, which gives the final numbers from the spike counts.

    python tools/calibrate_sim_families.py                  # prints the table and the proposed spacings
    python tools/calibrate_sim_families.py --json out.json  # also writes the sweep
"""

from __future__ import annotations

import argparse
import dataclasses
import json

import numpy as np
import torch
from tqdm import tqdm

from brainscore_lcl.data import simulation as sim
from brainscore_lcl.data.facts import FAMILIES, N_SAMPLES
from brainscore_lcl.data.freemanziemba import raw_image_name
from brainscore_lcl.data.simulation_stats import FREEMAN2013_FAMILY_RMOD
from brainscore_lcl.metrics.texture import texture_modulation_index

ELEMENTS_PER_SIDE = (5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 18, 20, 24, 28, 32)


def elements_per_side(design: sim.TextureFamily) -> int:
    """Lattice elements per image side, as ``synthesize_textures`` rounds them."""
    return max(int(round(sim.IMAGE_SIZE / design.spacing_px)), 1)


def family_modulation(system: sim.SimulatedVisualSystem, family_index: int) -> dict[str, float]:
    """Noise-free mean Rmod over cells of one family under the current TEXTURE_FAMILY_DESIGN, per region."""
    images = sim.simulate_stimuli(families=(family_index,))
    family = FAMILIES[family_index]
    modulation = {}
    for region, stage in (("V1", system.v1), ("V2", system.v2)):
        rates = {}
        for kind in ("texture", "noise"):
            names = [raw_image_name(kind, family, sample + 1) for sample in range(N_SAMPLES)]
            with torch.no_grad():
                rates[kind] = stage(sim._aperture_batch(images, names)).numpy().mean(axis=0)
        modulation[region] = float(np.nanmean(texture_modulation_index(rates["texture"], rates["noise"])))
    return modulation


def sweep(system: sim.SimulatedVisualSystem) -> dict[int, dict[int, dict[str, float]]]:
    """{family: {elements per side: {region: modulation}}}, the current density included."""
    designs = dict(sim.TEXTURE_FAMILY_DESIGN)
    result = {}
    try:
        for family_index, family in enumerate(tqdm(FAMILIES, desc="families")):
            result[family] = {}
            for n in sorted({*ELEMENTS_PER_SIDE, elements_per_side(designs[family])}):
                sim.TEXTURE_FAMILY_DESIGN[family] = dataclasses.replace(designs[family], spacing_px=sim.IMAGE_SIZE / n)
                result[family][n] = family_modulation(system, family_index)
    finally:
        sim.TEXTURE_FAMILY_DESIGN.update(designs)
    return result


def propose(result: dict[int, dict[int, dict[str, float]]]) -> dict[int, dict[str, float]]:
    """Per family: the current and published-rank target V2 modulation and the closest density (ties: nearest to
    the current one)."""
    current_n = {family: elements_per_side(sim.TEXTURE_FAMILY_DESIGN[family]) for family in FAMILIES}
    current = {family: result[family][current_n[family]]["V2"] for family in FAMILIES}
    targets = sorted(FREEMAN2013_FAMILY_RMOD["V2"], reverse=True)
    ranked = sorted(FAMILIES, key=lambda family: -current[family])
    proposal = {}
    for family, target in zip(ranked, targets):
        n = min(result[family], key=lambda k: (abs(result[family][k]["V2"] - target), abs(k - current_n[family])))
        proposal[family] = {
            "current_n": current_n[family],
            "current_v2": current[family],
            "target_v2": target,
            "n": n,
            "spacing_px": round(sim.IMAGE_SIZE / n, 1),
            "v2": result[family][n]["V2"],
            "v1": result[family][n]["V1"],
        }
    return proposal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the sweep and the proposal to this file")
    args = parser.parse_args()
    result = sweep(sim.SimulatedVisualSystem().eval())
    proposal = propose(result)
    print(
        f"{'family':>6} {'kind':>7} {'n now':>5} {'V2 now':>7} {'target':>7} {'n':>3} "
        f"{'spacing':>7} {'V2':>6} {'V1':>6}"
    )
    for family, row in proposal.items():
        print(
            f"{family:>6} {sim.TEXTURE_FAMILY_DESIGN[family].kind:>7} {row['current_n']:>5} {row['current_v2']:7.3f} "
            f"{row['target_v2']:7.3f} {row['n']:>3} {row['spacing_px']:7.1f} {row['v2']:6.3f} {row['v1']:6.3f}"
        )
    error = {
        key: float(np.sqrt(np.mean([(row[key] - row["target_v2"]) ** 2 for row in proposal.values()])))
        for key in ("current_v2", "v2")
    }
    print(
        f"RMS distance to the published sorted V2 modulation: now {error['current_v2']:.3f}, proposed {error['v2']:.3f}"
    )
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(
                {
                    "sweep": {str(f): {str(n): v for n, v in rows.items()} for f, rows in result.items()},
                    "proposal": {str(f): row for f, row in proposal.items()},
                    "rms": error,
                },
                handle,
                indent=1,
            )


if __name__ == "__main__":
    main()
