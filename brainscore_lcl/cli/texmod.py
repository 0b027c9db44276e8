"""``brainscore texmod``: in-silico texture modulation of any model on Freeman-style stimuli
(``brainscore_lcl.texture_experiment``).

    brainscore texmod --model ID|FILE.py:FUNCTION | --model-file FILE.py:FUNCTION --stimuli DIR|freemanziemba2013
                      [--layers LAYER ...] [--units centred|all] [--out DIR] [--checkpoint P] [--source sim]
                      [--data-root DIR]

Per unit and family the modulation index (texture - noise) / (texture + noise), the population's family ranks, the
Fig. 5-style panels and their JSON/CSV in ``--out``.
"""

from __future__ import annotations

import argparse

from brainscore_lcl.cli.options import check_input_paths
from brainscore_lcl.paths import output_folder

SOURCES = ("sim", "public", "local", "official")
#: --units choices (``brainscore_lcl.metrics.texture.UNIT_RULES``; spelled here so that the parser stays light)
UNIT_RULES = ("centred", "all")


def command_texmod(args: argparse.Namespace) -> int:
    from brainscore_lcl.model_helpers.from_file import (
        check_input_options_need_model_file,
        given_input_options,
        register_model_file,
    )
    from brainscore_lcl.texture_experiment import summary_lines, texture_experiment

    check_input_paths(args)
    check_input_options_need_model_file(args)
    output_folder(args.out, "--out")
    model_id = (
        register_model_file(args.model_file, layers=args.layers, **given_input_options(args))
        if args.model_file
        else args.model
    )
    record = texture_experiment(
        model_id,
        args.stimuli,
        layers=args.layers,
        checkpoint=args.checkpoint,
        source=args.source,
        data_root=args.data_root,
        out=args.out,
        units=args.units,
    )
    print("\n".join(summary_lines(record)))
    print(f"wrote texmod.json, texmod_units.csv, texmod_families.csv and texmod.png/.pdf to {args.out}")
    return 0


def add_subcommand(commands: argparse._SubParsersAction) -> None:
    """Add ``texmod`` to the ``brainscore`` command's subparsers."""
    from brainscore_lcl.model_helpers.from_file import add_model_arguments

    parser = commands.add_parser(
        "texmod", help="texture modulation of a model's units on Freeman-style stimuli (Fig. 5 panels, JSON, CSV)"
    )
    add_model_arguments(parser)
    for action in parser._actions:  # --layers means the layers to analyse here, for every model
        if action.dest == "layers":
            action.help = "layers to analyse (default: the layers the model commits to its regions)"
    parser.add_argument(
        "--stimuli",
        required=True,
        metavar="DIR|freemanziemba2013",
        help="a folder made by `brainscore stimuli make` (or holding stim/tex-*.png, noise-*.png), or "
        "freemanziemba2013: the images of the --source data",
    )
    parser.add_argument(
        "--units",
        default="centred",
        choices=UNIT_RULES,
        help="centred (default): the units whose receptive-field centre (from the layer's geometry) lies inside the "
        "stimulus aperture; all: every unit (silent units are left out under both)",
    )
    parser.add_argument("--checkpoint", help="weights to load into the model")
    parser.add_argument("--out", default="texmod", help="output folder (default %(default)s)")
    parser.add_argument(
        "--source", default="sim", choices=SOURCES, help="with --stimuli freemanziemba2013: the data source"
    )
    parser.add_argument("--data-root", help="with --source local: the release folder (default $BRAINSCORE_LCL_FZ_ROOT)")
    parser.set_defaults(func=command_texmod)
