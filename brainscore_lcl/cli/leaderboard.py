"""``brainscore leaderboard``: the results database as a static site (``brainscore_lcl.results.leaderboard``)."""

from __future__ import annotations

import argparse

from brainscore_lcl.cli.options import add_database_argument


def command_leaderboard(args: argparse.Namespace) -> int:
    from brainscore_lcl.paths import output_folder
    from brainscore_lcl.results.db import ResultsDB
    from brainscore_lcl.results.leaderboard import write_leaderboard

    out = output_folder(args.out, "--out", subfolders=("models",))
    db = ResultsDB(args.db, read_only=True)
    try:
        page = write_leaderboard(db, out, reports=args.reports, title=args.title)
        print(
            f"wrote {page} ({len(db.rows())} cells of {db.display_url()}; a page per model in {out / 'models'}; "
            "leaderboard.json and .csv beside it)"
        )
    finally:
        db.close()
    return 0


def add_subcommand(commands: argparse._SubParsersAction) -> None:
    """Add ``leaderboard`` to the ``brainscore`` command's subparsers."""
    parser = commands.add_parser(
        "leaderboard", help="the results database as a static site: the board and a page per model"
    )
    add_database_argument(parser)
    parser.add_argument(
        "--out", required=True, help="folder for index.html, models/*.html, leaderboard.json and leaderboard.csv"
    )
    parser.add_argument("--reports", help="folder of model reports (<reports>/<model>/index.html) the cells link to")
    parser.add_argument("--title", default="Leaderboard", help="the page's title")
    parser.set_defaults(func=command_leaderboard)
