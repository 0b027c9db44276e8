"""``brainscore train``: the training subcommands added to the ``brainscore`` argparse CLI.

``add_subcommands(subparsers)`` adds ``train`` (layerwise LCL training); each handler is set as ``func`` and returns
an exit code. Multi-GPU / multi-node: ``torchrun --nproc-per-node N -m brainscore_lcl.training.cli train ...``;
the process group is read from torchrun's environment variables (``--nnodes``/``--rdzv-endpoint`` for several nodes).
"""
from __future__ import annotations

import argparse
import json
import sys

from brainscore_lcl.errors import ArgumentParser, UsageError
from brainscore_lcl.paths import existing_folder, output_folder
from brainscore_lcl.training.config import RESUMABLE_CHANGES, allowed_changes, load_config
from brainscore_lcl.training.data import DataError


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True,
                        help="packaged config name (lcl-v2, lcl-v2-sample, blockbarlow, ablation-*) or a YAML file")
    parser.add_argument("--data", required=True, help="folder of images, searched recursively (e.g. ImageNet train/)")
    parser.add_argument("--out", required=True, help="run folder: state.pt, log.csv, encoder.pt, summary.json")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its state.pt (with "
                                                                  "the run's config)")
    parser.add_argument("--allow-changes", type=lambda text: [name for name in text.split(",") if name], default=[],
                        metavar="FIELD[,FIELD]", help="with --resume: config fields that may differ from the run's "
                                                      f"({', '.join(name.removeprefix('training.') for name in RESUMABLE_CHANGES)})")
    parser.add_argument("--device", choices=["cpu", "cuda"], default=None, help="default: cuda when available")
    parser.add_argument("--max-steps", type=int, default=None, help="pause after this many steps in total")
    parser.add_argument("--variant", default=None, help="one run of a config's sweep: section")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config field, e.g. --set training.batch_size=128 (repeatable)")
    parser.add_argument("--cache", default=None, help="folder for the preprocessed crop store (default OUT/cache)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (logs still go to log.csv)")


def run_train(args: argparse.Namespace) -> int:
    """Handler of ``brainscore train``: every option and the config are checked before the run folder is made."""
    from brainscore_lcl.training.trainer import train

    config = load_config(args.config, args.variant, args.overrides)
    allow_changes = allowed_changes(args.allow_changes)
    if allow_changes and not args.resume:
        raise UsageError("--allow-changes applies to --resume only; drop it to start a new run")
    if args.max_steps is not None and args.max_steps < 1:
        raise UsageError(f"--max-steps {args.max_steps} must be >= 1 (steps in total, counting a resumed run's)")
    existing_folder(args.data, "--data", "pass a folder of images (any depth of sub-folders)", DataError)
    output_folder(args.out, "--out")
    if args.cache:
        output_folder(args.cache, "--cache")
    summary = train(config, args.data, args.out, resume=args.resume, device=args.device, max_steps=args.max_steps,
                    cache_dir=args.cache, show_progress=not args.no_progress, allow_changes=allow_changes)
    print(json.dumps({key: value for key, value in summary.items() if key != "val_history"}, indent=1))
    return 0


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``train`` (layerwise LCL) and ``train-net`` (LCL-V2Net, ``training/supervised.py``) to the CLI."""
    from brainscore_lcl.training import supervised

    parser = subparsers.add_parser("train", help="layerwise LCL training (Fig. 3) from a YAML config",
                                   description="Train an LCL encoder layerwise; writes OUT/encoder.pt for "
                                               "`brainscore score --model lcl-v2 --checkpoint OUT/encoder.pt`.")
    add_train_arguments(parser)
    parser.set_defaults(func=run_train)
    supervised.add_subcommand(subparsers)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m brainscore_lcl.training.cli train|train-net ...``), e.g. under torchrun."""
    from brainscore_lcl.cli import run_command

    parser = ArgumentParser(prog="brainscore")
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    return run_command(parser, argv)


if __name__ == "__main__":
    sys.exit(main())
