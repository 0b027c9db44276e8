"""``brainscore submit``: write a Brain-Score model or benchmark submission folder, or check one (``--check DIR``)."""
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
    if sum(bool(value) for value in (args.model, args.model_file, args.benchmark)) != 1 or not args.out:
        print("brainscore submit: give one of --model ID, --model-file FILE.py:FUNCTION or --benchmark ID, and "
              "--out DIR (or --check DIR alone)", file=sys.stderr)
        return 2
    if args.layers and not args.model_file:
        print("brainscore submit: --layers applies to --model-file only; the suite's models have their own layers",
              file=sys.stderr)
        return 2
    if args.model_file:
        from brainscore_lcl.export.own_model import submit_own_model

        manifest = submit_own_model(args.model_file, args.out, layers=args.layers, image_size=args.image_size,
                                    visual_degrees=args.visual_degrees, checkpoint=args.checkpoint,
                                    identifier=args.identifier)
    elif args.benchmark:
        from brainscore_lcl.export.benchmarks import submit_benchmark

        manifest = submit_benchmark(args.benchmark, args.out)
    else:
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
    from brainscore_lcl.models.from_file import add_model_file_arguments

    parser = commands.add_parser("submit", help="export a model or benchmark as a Brain-Score plugin submission")
    parser.add_argument("--model", help="model id of this suite, e.g. lcl-v2")
    parser.add_argument("--benchmark", help="benchmark id this suite adds on Brain-Score's data, e.g. "
                                            "FreemanZiemba2013.V2-texmod (see `brainscore list benchmarks`)")
    add_model_file_arguments(parser)
    parser.add_argument("--checkpoint", help="weights to export (LCL models; required for lcl-v2net); with "
                                             "--model-file a state dict loaded into the network first")
    parser.add_argument("--identifier", help="id to register in Brain-Score (default: the suite's id; with "
                                             "--model-file the file's stem)")
    parser.add_argument("--out", help="submission folder to write")
    parser.add_argument("--check", metavar="DIR", help="only run the pre-flight checks on a written folder")
    parser.set_defaults(func=command_submit)
