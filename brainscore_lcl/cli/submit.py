"""``brainscore submit``: write a Brain-Score model or benchmark submission, or check one (``--check DIR|ZIP``)."""

from __future__ import annotations

import argparse

from brainscore_lcl.errors import UsageError


def command_submit(args: argparse.Namespace) -> int:
    from brainscore_lcl.export.checks import check_submission

    if args.check:
        manifest = check_submission(args.check)
        print(
            f"{args.check}: every pre-flight check passed for {manifest['identifier']!r} "
            f"({manifest['plugin_type']}/{manifest['plugin_dir']}, {manifest['zip']} {manifest['zip_bytes']} bytes)"
        )
        return 0
    if sum(bool(value) for value in (args.model, args.model_file, args.benchmark)) != 1 or not args.out:
        raise UsageError(
            "brainscore submit needs one of --model ID, --model-file FILE.py:FUNCTION or --benchmark ID, "
            "and --out DIR (or --check DIR alone)"
        )
    if args.layers and not args.model_file:
        raise UsageError("--layers applies to --model-file only; the suite's models have their own layers")
    from brainscore_lcl.model_helpers.from_file import check_input_options_need_model_file, given_input_options

    check_input_options_need_model_file(args)
    if args.benchmark and (args.checkpoint or args.weights_key or args.weights_version):
        raise UsageError(
            "--checkpoint, --weights-key and --weights-version apply to models; a benchmark has no weights"
        )
    from brainscore_lcl.export.models import weights_location
    from brainscore_lcl.export.submission import checked_out_folder

    checked_out_folder(args.out)
    weights_location(args.weights_key, args.weights_version)
    weights = {"weights_key": args.weights_key, "weights_version": args.weights_version}
    if args.model_file:
        from brainscore_lcl.export.own_model import submit_own_model

        manifest = submit_own_model(
            args.model_file,
            args.out,
            layers=args.layers,
            **given_input_options(args),
            checkpoint=args.checkpoint,
            identifier=args.identifier,
            **weights,
        )
    elif args.benchmark:
        from brainscore_lcl.export.benchmarks import submit_benchmark

        manifest = submit_benchmark(args.benchmark, args.out, identifier=args.identifier)
    else:
        from brainscore_lcl.export.models import describe_for_export
        from brainscore_lcl.export.submission import submit_model

        manifest = submit_model(describe_for_export(args.model, args.checkpoint, args.identifier), args.out, **weights)
    print(
        f"wrote {args.out}/ for {manifest['identifier']!r} (this suite's {manifest['suite_id']!r}): "
        f"{manifest['zip']} ({manifest['zip_bytes']} bytes, upload layout {manifest['zip_root']}/"
        f"{manifest['plugin_type']}/{manifest['plugin_dir']}/), the same folder beside it, "
        f"{len(manifest['weights'])} weight file(s), manifest.json, SUBMIT.md; pre-flight checks passed"
    )
    for warning in manifest["warnings"]:
        print(f"warning: {warning}")
    return 0


def add_subcommand(commands) -> None:
    """Add ``submit`` to the ``brainscore`` command's subparsers."""
    from brainscore_lcl.model_helpers.from_file import add_model_file_arguments

    parser = commands.add_parser("submit", help="export a model or benchmark as a Brain-Score plugin submission")
    parser.add_argument("--model", help="model id of this suite, e.g. lcl-v2")
    parser.add_argument(
        "--benchmark",
        help="benchmark id this suite adds on Brain-Score's data, e.g. "
        "FreemanZiemba2013.V2-texmod (see `brainscore list benchmarks`)",
    )
    add_model_file_arguments(parser)
    parser.add_argument(
        "--checkpoint",
        help="weights to export (LCL models; required for lcl-v2net); with "
        "--model-file a state dict loaded into the network first",
    )
    parser.add_argument(
        "--identifier",
        help="id to register on Brain-Score: letters, digits, '_' and '.' (default: "
        "the suite's id without hyphens, e.g. lcl_v2; with --model-file the "
        "file's stem)",
    )
    parser.add_argument(
        "--weights-key",
        metavar="KEY",
        help="where the Large File Upload of your brain-score.org "
        "profile put the weights: brainscore-vision/models/"
        "user_<id>/<file>, or its URL (default: the key "
        "Brain-Score's team uploads to, in SUBMIT.md)",
    )
    parser.add_argument("--weights-version", metavar="VID", help="the S3 version id of --weights-key")
    parser.add_argument("--out", help="submission folder to write (replaced only when every check passed)")
    parser.add_argument(
        "--check",
        metavar="DIR|ZIP",
        help="only run the pre-flight checks on a written submission folder or an upload zip",
    )
    parser.set_defaults(func=command_submit)
