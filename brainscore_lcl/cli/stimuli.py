"""``brainscore stimuli make``: Freeman-style stimuli from any images (``brainscore_lcl.stimuli``).

    brainscore stimuli make --images DIR --out DIR [--samples 15] [--size 320] [--seed 0] [--iterations N]
                            [--device cpu|cuda]

One texture family per source image: ``--samples`` Portilla-Simoncelli textures (plenoptic) and as many spectrally
matched noise images, in the raw-release layout (``stim/<tex|noise>-<size>x<size>-im<family>-smp<k>.png``) with
``stimuli.json``; texture and noise at a common contrast so that neither clips. ``--out`` changes only when the set is
complete; a rerun with the same arguments continues an interrupted one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from brainscore_lcl.errors import EXIT_INTERRUPTED
from brainscore_lcl.stimuli import DEFAULT_ITERATIONS, DEFAULT_SAMPLES, DEFAULT_SIZE, MAX_SAMPLES


def command_stimuli_make(args: argparse.Namespace) -> int:
    from brainscore_lcl.stimuli.make import convergence_warning, make_stimuli, partial_folder, spectrum_warning

    try:
        record = make_stimuli(
            args.images,
            args.out,
            samples=args.samples,
            size=args.size,
            seed=args.seed,
            iterations=args.iterations,
            device=args.device,
        )
    except KeyboardInterrupt:
        print(
            f"brainscore: interrupted; --out {args.out} is unchanged and the finished families are kept in "
            f"{partial_folder(Path(args.out).expanduser())}: run the same command to continue",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    quality = record["quality"]
    n_images, n_families = len(record["images"]), len(record["sources"])
    families = f"{n_families} {'family' if n_families == 1 else 'families'}"
    print(
        f"wrote {n_images} stimuli of {families} to {Path(args.out) / 'stim'} "
        f"(relative Portilla-Simoncelli error, median: textures {quality['texture_ps_error']['median']:.3f}, "
        f"noise {quality['noise_ps_error']['median']:.3f}; noise/texture AC energy "
        f"{quality['noise_ac_energy_ratio']['min']:.4f}-{quality['noise_ac_energy_ratio']['max']:.4f} at contrast "
        f"{quality['texture_contrast']['min']:.2f}-{quality['texture_contrast']['max']:.2f}; details in "
        f"{Path(args.out) / 'stimuli.json'})"
    )
    for warning in (convergence_warning(record), spectrum_warning(record)):
        if warning:
            print(warning)
    return 0


def add_subcommand(commands: argparse._SubParsersAction) -> None:
    """Add ``stimuli`` (``make``) to the ``brainscore`` command's subparsers."""
    parser = commands.add_parser("stimuli", help="make Freeman-style texture and noise stimuli from any images")
    stimuli_commands = parser.add_subparsers(dest="stimuli_command", required=True)
    make = stimuli_commands.add_parser(
        "make", help="Portilla-Simoncelli textures and spectrally matched noise, one family per source image"
    )
    make.add_argument("--images", required=True, help="folder of source images, one texture family each")
    make.add_argument(
        "--out",
        required=True,
        help="output folder (stim/, sources/, stimuli.json), replaced only when the set is complete; reruns continue",
    )
    make.add_argument(
        "--samples",
        type=int,
        default=DEFAULT_SAMPLES,
        help=f"textures per family, 1-{MAX_SAMPLES} (default %(default)s)",
    )
    make.add_argument(
        "--size", type=int, default=DEFAULT_SIZE, help="side in pixels, a multiple of 16 (default %(default)s)"
    )
    make.add_argument("--seed", type=int, default=0, help="random seed (default %(default)s)")
    make.add_argument(
        "--iterations", type=int, default=DEFAULT_ITERATIONS, help="synthesis steps (default %(default)s)"
    )
    make.add_argument(
        "--device",
        default="cpu",
        help="torch device: cpu or cuda[:N] (default %(default)s; on the CPU torch's threads, OMP_NUM_THREADS: one "
        "per process where the cores are already busy)",
    )
    make.set_defaults(func=command_stimuli_make)
