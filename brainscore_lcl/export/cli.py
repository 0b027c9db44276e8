"""``brainscore submit``: write a Brain-Score model submission folder, or check one (``--check DIR``)."""
from __future__ import annotations

import argparse
import sys


def command_submit(args: argparse.Namespace) -> int:
    from brainscore_lcl.export.checks import check_submission

    if args.check:
        manifest = check_submission(args.check)
        print(f"{args.check}: every pre-flight check passed for {manifest['identifier']!r} "
              f"({manifest['plugin_type']}/{manifest['plugin_dir']}, {manifest['zip']} {manifest['zip_bytes']} bytes)")
        return 0
    if not args.model or not args.out:
        print("brainscore submit: give --model ID and --out DIR (or --check DIR alone)", file=sys.stderr)
        return 2
    from brainscore_lcl.export.models import describe_for_export
    from brainscore_lcl.export.submission import submit_model

    manifest = submit_model(describe_for_export(args.model, args.checkpoint, args.identifier), args.out)
    print(f"wrote {args.out}/ for {manifest['identifier']!r}: "
          f"plugin/{manifest['plugin_type']}/{manifest['plugin_dir']}/, "
          f"{manifest['zip']} ({manifest['zip_bytes']} bytes), {len(manifest['weights'])} weight file(s), "
          f"manifest.json, SUBMIT.md; pre-flight checks passed")
    return 0


def add_subcommand(commands) -> None:
    """Add ``submit`` to the ``brainscore`` command's subparsers."""
    parser = commands.add_parser("submit", help="export a model as a Brain-Score plugin submission")
    parser.add_argument("--model", help="model id of this suite, e.g. lcl-v2")
    parser.add_argument("--checkpoint", help="weights to export (LCL models; required for lcl-v2net)")
    parser.add_argument("--identifier", help="id to register in Brain-Score (default: the suite's id)")
    parser.add_argument("--out", help="submission folder to write")
    parser.add_argument("--check", metavar="DIR", help="only run the pre-flight checks on a written folder")
    parser.set_defaults(func=command_submit)
