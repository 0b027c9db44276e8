"""``brainscore train`` (layerwise LCL training) and ``brainscore train-net`` (the Table A.3 classifier stage on a
frozen encoder: LCL-V2Net on LCL-V2, ``blockbarlow-net``, ``barlow-e2e-alexnet-net``;
``brainscore_lcl.training.supervised``).

Multi-GPU / multi-node: ``torchrun --nproc-per-node N -m brainscore_lcl.cli train ...`` (or ``train-net ...``); the
process group is read from torchrun's environment variables (``--nnodes``/``--rdzv-endpoint`` for several nodes).
"""

from __future__ import annotations

import argparse
import json
import os

from brainscore_lcl.errors import UsageError
from brainscore_lcl.paths import existing_folder, output_folder


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``brainscore train``."""
    parser.add_argument(
        "--config",
        required=True,
        help="packaged config name (lcl-v2, lcl-v2-sample, blockbarlow, ablation-*) or a YAML file",
    )
    parser.add_argument("--data", required=True, help="folder of images, searched recursively (e.g. ImageNet train/)")
    parser.add_argument("--out", required=True, help="run folder: state.pt, log.csv, encoder.pt, summary.json")
    parser.add_argument(
        "--resume", action="store_true", help="continue the run in --out from its state.pt (with the run's config)"
    )
    parser.add_argument(
        "--allow-changes",
        type=lambda text: [name for name in text.split(",") if name],
        default=[],
        metavar="FIELD[,FIELD]",
        help="with --resume: config fields that may differ from the run's "
        "(those that pace or end a run, e.g. max_epochs; an unknown "
        "name is refused with the full list)",
    )
    parser.add_argument("--device", choices=["cpu", "cuda"], default=None, help="default: cuda when available")
    parser.add_argument("--max-steps", type=int, default=None, help="pause after this many steps in total")
    parser.add_argument("--variant", default=None, help="one run of a config's sweep: section")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config field, e.g. --set training.batch_size=128 (repeatable)",
    )
    parser.add_argument("--cache", default=None, help="folder for the preprocessed crop store (default OUT/cache)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (logs still go to log.csv)")


def command_train(args: argparse.Namespace) -> int:
    """Handler of ``brainscore train``: every option and the config are checked before the run folder is made."""
    from brainscore_lcl.training.config import allowed_changes, load_config
    from brainscore_lcl.training.data import DataError
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
    summary = train(
        config,
        args.data,
        args.out,
        resume=args.resume,
        device=args.device,
        max_steps=args.max_steps,
        cache_dir=args.cache,
        show_progress=not args.no_progress,
        allow_changes=allow_changes,
    )
    print(json.dumps({key: value for key, value in summary.items() if key != "val_history"}, indent=1))
    return 0


def command_train_net(args: argparse.Namespace) -> int:
    """Handler of ``brainscore train-net``: options checked first, then the run; returns 0."""
    from brainscore_lcl.training.supervised import SupervisedConfig, check_train_net_options, train

    check_train_net_options(args)
    config = SupervisedConfig(
        seed=args.seed,
        amp=not args.no_amp,
        sync_batchnorm=not args.no_sync_batchnorm,
        **{
            key: value
            for key, value in (("epochs", args.epochs), ("batch_size", args.batch_size), ("workers", args.workers))
            if value is not None
        },
    )
    path = train(
        args.front_end,
        args.data,
        args.out,
        val=args.val,
        config=config,
        device=args.device,
        resume=args.resume,
        progress=not args.no_progress,
        model_id=args.model,
    )
    if int(os.environ.get("RANK", "0")) == 0:
        model_id = path.stem
        print(f"{model_id} checkpoint: {path} (use it with `brainscore score --model {model_id} --checkpoint {path}`)")
    return 0


def add_train_net_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``brainscore train-net``."""
    parser.add_argument(
        "--front-end",
        required=True,
        help="frozen encoder checkpoint from `brainscore train` (--config lcl-v2, blockbarlow or barlow-e2e-alexnet)",
    )
    parser.add_argument(
        "--model",
        choices=["lcl-v2net", "blockbarlow-net", "barlow-e2e-alexnet-net"],
        help="id of the trained network (default: the encoder's, from its checkpoint's architecture and config name)",
    )
    parser.add_argument("--data", required=True, help="ImageNet train folder (<wnid>/*.JPEG, or flat <wnid>_*.JPEG)")
    parser.add_argument("--out", required=True, help="output folder: checkpoint.pt, <model id>.pt, log.csv, run.json")
    parser.add_argument("--val", help="validation folder, same layouts: top-1 / top-5 after every epoch")
    parser.add_argument("--resume", action="store_true", help="continue from <out>/checkpoint.pt if present")
    parser.add_argument("--epochs", type=int, help="total epochs (default 90)")
    parser.add_argument("--batch-size", type=int, help="global batch over all processes (default 256; lr = 0.1*B/256)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default=None, help="default: cuda when available")
    parser.add_argument("--workers", type=int, help="data-loading processes per training process (default 8)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-amp", action="store_true", help="full precision on GPU (default: bfloat16 autocast)")
    parser.add_argument(
        "--no-sync-batchnorm",
        action="store_true",
        help="under torchrun, BatchNorm statistics per process (default: of the global batch)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (log.csv is still written)")


def add_subcommand(commands: argparse._SubParsersAction) -> None:
    """Add ``train`` (layerwise LCL) and ``train-net`` (LCL-V2Net) to the ``brainscore`` command's subparsers."""
    parser = commands.add_parser(
        "train",
        help="layerwise LCL training (Fig. 3) from a YAML config",
        description="Train an LCL encoder layerwise; writes OUT/encoder.pt for "
        "`brainscore score --model lcl-v2 --checkpoint OUT/encoder.pt`.",
    )
    add_train_arguments(parser)
    parser.set_defaults(func=command_train)
    parser = commands.add_parser(
        "train-net",
        help="train the Table A.3 classifier stage on a frozen encoder (LCL-V2Net, Barlow, BlockBarlow)",
        description="Train the Table A.3 classifier stage (Sec. 2.4, A.1.6; the recipe is in "
        "brainscore_lcl.training.supervised) on a frozen encoder: LCL-V2Net's back end on LCL-V2 or BlockBarlow, the "
        "classifier on Barlow Twins E2E's AlexNet-BN.",
    )
    add_train_net_arguments(parser)
    parser.set_defaults(func=command_train_net)
