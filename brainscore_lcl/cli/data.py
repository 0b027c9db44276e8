"""``brainscore data export|describe``: write the simulated release in the raw layout; compare the simulation's
statistics with the published ones."""

from __future__ import annotations

import argparse

from brainscore_lcl.cli.options import check_json_option, write_json_output
from brainscore_lcl.errors import UsageError
from brainscore_lcl.paths import output_folder


def command_data_export(args: argparse.Namespace) -> int:
    from brainscore_lcl.cache import output_folder_transaction
    from brainscore_lcl.data.simulation import export_simulated_release

    if args.source != "sim":
        raise UsageError(
            f"data export --source {args.source}: only the simulated source (sim) can be exported; "
            "official and local data belong to their owners"
        )
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed} must be >= 0 (a numpy random seed)")
    output_folder(args.out, "--out", subfolders=("stim",))
    with output_folder_transaction(args.out) as staging:  # an interrupted export leaves --out as it was
        export_simulated_release(staging, seed=args.seed)
    print(f"wrote the simulated Freeman-Ziemba release (seed {args.seed}) to {args.out}")
    return 0


def command_data_describe(args: argparse.Namespace) -> int:
    from brainscore_lcl.data.simulation_stats import describe_simulation, format_description

    check_json_option(args)
    description = describe_simulation()
    print(format_description(description))
    write_json_output(args.json, description)
    return 0


def add_subcommand(commands: argparse._SubParsersAction) -> None:
    """Add ``data`` (``export``, ``describe``) to the ``brainscore`` command's subparsers."""
    parser = commands.add_parser("data", help="data sources")
    data_commands = parser.add_subparsers(dest="data_command", required=True)
    export_parser = data_commands.add_parser("export", help="write a data source in the raw-release layout")
    export_parser.add_argument("--source", required=True, choices=("sim", "official", "public", "local"))
    export_parser.add_argument("--out", required=True)
    export_parser.add_argument("--seed", type=int, default=0)
    export_parser.set_defaults(func=command_data_export)
    describe_parser = data_commands.add_parser("describe", help="simulated vs published statistics of a data source")
    describe_parser.add_argument(
        "--source",
        required=True,
        choices=("sim",),
        help="the simulated data (the only source with published counterparts built in)",
    )
    describe_parser.add_argument("--json", help="also write the comparison to this JSON file")
    describe_parser.set_defaults(func=command_data_describe)
