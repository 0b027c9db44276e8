"""Every mistake a user can make ends in one sentence (issue 19): a table of bad inputs, each run through
``brainscore``'s ``main`` in this process, with its exit code (2: a bad request, 1: unusable data or files) and its
exact one line on stderr; no traceback, and nothing written (the folder the inputs live in is unchanged, no run
folder, no partial output). ``{tmp}`` stands for the folder of the prepared inputs (``inputs``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from brainscore_lcl.cli import main
from brainscore_lcl.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE
from brainscore_lcl.testing import (
    symlink_loop,
    write_bad_checkpoints,
    write_bad_databases,
    write_bad_model_files,
    write_bad_zips,
)

TINY_RUN = [
    "--set",
    "training.batch_size=4",
    "--set",
    "training.val_every_steps=2",
    "--set",
    "training.checkpoint_every_steps=2",
    "--set",
    "training.val_max_images=4",
    "--set",
    "training.num_workers=0",
    "--set",
    "objective.projector_dim=16",
    "--set",
    "stages.0.view.center_crop=28",
    "--set",
    "stages.0.view.output_size=24",
    "--set",
    "stages.1.view.center_crop=56",
    "--set",
    "stages.1.view.output_size=48",
]
MODEL_FILE = """import numpy as np
import torch


def build():
    return torch.nn.Sequential(torch.nn.Conv2d(3, 32, 3), torch.nn.ReLU())


def gray():
    return torch.nn.Sequential(torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU())


def constant():
    return build(), lambda paths: np.ones((len(paths), 3, 32, 32), dtype=np.float32)
"""
SIM = "FreemanZiemba2013sim"
#: the sentence of a training config with one bad field: ``{field}`` is ``{value}``, ``{expected}``
CONFIG_ERROR = "brainscore: config {config} is invalid: {problem}"
TRAIN = ["train", "--data", "{tmp}/images", "--out", "{tmp}/run"]
ONE_BAD_FIELD = {
    "batch_size: lots": (
        "training:\n  batch_size: lots\n",
        "training.batch_size is 'lots' (expected a whole number, e.g. 256)",
    ),
    "lr: fast": ("optimizer:\n  lr: fast\n", "optimizer.lr is 'fast' (expected a number, e.g. 0.001)"),
    "lr: -0.5": ("optimizer:\n  lr: -0.5\n", "optimizer.lr is -0.5 (expected > 0)"),
    "lr: .inf": ("optimizer:\n  lr: .inf\n", "optimizer.lr is inf (expected a finite number, e.g. 0.001)"),
    "min_delta: .nan": (
        "training:\n  min_delta: .nan\n",
        "training.min_delta is nan (expected a finite number, e.g. 0.001)",
    ),
    "val_fraction: 1.5": ("training:\n  val_fraction: 1.5\n", "training.val_fraction is 1.5 (expected in (0, 1))"),
    "pipeline: gpu": ("training:\n  pipeline: gpu\n", "training.pipeline is 'gpu' (expected one of device, reference)"),
    "betas: [0.9]": (
        "optimizer:\n  betas: [0.9]\n",
        "optimizer.betas is [0.9] (expected a list of 2 numbers, e.g. [0.9, 0.999])",
    ),
}

#: (id, argv, exit code, the one line on stderr)
CASES = [
    # score: regions, time windows, input sizes, paths, options of the wrong command
    (
        "lcl-v1 on V2 PLS",
        ["score", "--model", "lcl-v1", "--benchmark", f"{SIM}.V2-pls"],
        EXIT_USAGE,
        "brainscore: model lcl-v1 commits no layer to V2, only to V1; score it on a V1 benchmark, or choose a model "
        "that commits V2 (e.g. lcl-v2)",
    ),
    (
        "lcl-v1 on V2 texmod",
        ["score", "--model", "lcl-v1", "--benchmark", f"{SIM}.V2-texmod"],
        EXIT_USAGE,
        "brainscore: model lcl-v1 commits no layer to V2, only to V1; score it on a V1 benchmark, or choose a model "
        "that commits V2 (e.g. lcl-v2)",
    ),
    (
        "time window reversed",
        ["score", "--model", "sim-generator", "--benchmark", f"{SIM}.V1-pls", "--time-window", "200", "50"],
        EXIT_USAGE,
        "brainscore: --time-window 200 50: the end must come after the start (START_MS END_MS); e.g. --time-window 50 "
        "200",
    ),
    (
        "time window negative",
        ["score", "--model", "sim-generator", "--benchmark", f"{SIM}.V1-pls", "--time-window", "-50", "100"],
        EXIT_USAGE,
        "brainscore: --time-window -50 100: the start must be >= 0 ms (stimulus onset); e.g. --time-window 50 200",
    ),
    (
        "time window too long",
        ["score", "--model", "sim-generator", "--benchmark", f"{SIM}.V1-pls", "--time-window", "50", "5000"],
        EXIT_USAGE,
        "brainscore: --time-window 50 5000: the recordings span 0-300 ms after stimulus onset; choose an end <= 300",
    ),
    (
        "time window off the bins",
        ["score", "--model", "sim-generator", "--benchmark", f"{SIM}.V1-pls", "--time-window", "55", "105"],
        EXIT_USAGE,
        "brainscore: --time-window 55 105: this data is binned in 10-ms bins; choose a start and end on its bin edges "
        "(multiples of 10 ms)",
    ),
    (
        "time window not a number",
        ["score", "--model", "sim-generator", "--benchmark", f"{SIM}.V1-pls", "--time-window", "fifty", "100"],
        EXIT_USAGE,
        "brainscore: argument --time-window: invalid int value: 'fifty' (see `brainscore score --help`)",
    ),
    (
        "time window on a brainscore_vision benchmark",
        [
            "score",
            "--model",
            "sim-generator",
            "--benchmark",
            "MajajHong2015public.IT-pls",
            "--time-window",
            "70",
            "170",
        ],
        EXIT_USAGE,
        "brainscore: --time-window applies to this suite's benchmarks only, not to brainscore_vision's "
        "'MajajHong2015public.IT-pls'; drop it or score a FreemanZiemba2013* benchmark",
    ),
    (
        "image size 0",
        ["score", "--model-file", "{tmp}/net.py", "--image-size", "0", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_USAGE,
        "brainscore: --image-size 0 must lie in 8-2048 pixels (the side of the square input your network "
        "takes, e.g. 224)",
    ),
    (
        "visual degrees negative",
        ["score", "--model-file", "{tmp}/net.py", "--visual-degrees", "-8", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_USAGE,
        "brainscore: --visual-degrees -8 must lie in (0, 90] degrees (the field of view of the input, e.g. 8)",
    ),
    (
        "pls not a choice",
        ["score", "--model", "sim-generator", "--benchmark", f"{SIM}.V1-pls", "--pls", "fast"],
        EXIT_USAGE,
        "brainscore: argument --pls: invalid choice: 'fast' (choose from 'kernel', 'exact', 'brainscore') "
        "(see `brainscore score --help`)",
    ),
    (
        "unknown option",
        ["score", "--model", "sim-generator", "--benchmark", f"{SIM}.V1-pls", "--window", "50"],
        EXIT_USAGE,
        "brainscore: unrecognized arguments: --window 50 (see `brainscore --help`)",
    ),
    (
        "no model",
        ["score", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_USAGE,
        "brainscore: one of the arguments --model --model-file is required (see `brainscore score --help`)",
    ),
    (
        "checkpoint is a folder",
        ["score", "--model", "lcl-v2", "--checkpoint", "{tmp}", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_USAGE,
        "brainscore: --checkpoint {tmp} is a folder, not a file; pass the file itself (e.g. one inside it)",
    ),
    (
        "checkpoint missing",
        ["score", "--model", "lcl-v2", "--checkpoint", "{tmp}/absent.pt", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_FAILED,
        "brainscore: --checkpoint {tmp}/absent.pt does not exist; pass an existing checkpoint file",
    ),
    (
        "checkpoint is a whole module",
        ["score", "--model", "lcl-v2", "--checkpoint", "{tmp}/module.pt", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_FAILED,
        "brainscore: checkpoint {tmp}/module.pt holds pickled Python objects (torch.nn.modules.container.Sequential), "
        "e.g. a whole module saved with torch.save(model), which are not loaded unsafely; if you trust the file, "
        "extract its state dict once with python -c \"import torch; c = torch.load('{tmp}/module.pt', "
        "map_location='cpu', weights_only=False); torch.save({'state_dict': c.state_dict() if hasattr(c, "
        "'state_dict') else c['state_dict']}, '{tmp}/module.state_dict.pt')\" and pass {tmp}/module.state_dict.pt",
    ),
    (
        "checkpoint without sha256",
        ["score", "--model", "lcl-v2", "--checkpoint", "{tmp}/nosha.pt", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_FAILED,
        "brainscore: checkpoint {tmp}/nosha.pt has no 'sha256' entry, so its weights cannot be verified; re-save it "
        "with brainscore_lcl.checkpoint.save_encoder_checkpoint (as `brainscore train` does), which records it",
    ),
    (
        "checkpoint not a torch file",
        ["score", "--model", "lcl-v2", "--checkpoint", "{tmp}/afile", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_FAILED,
        "brainscore: checkpoint {tmp}/afile cannot be read (UnpicklingError: Unsupported operand 110); it is corrupted "
        "or not a torch file",
    ),
    (
        "json is a folder",
        ["score", "--model", "sim-generator", "--benchmark", f"{SIM}.V1-pls", "--json", "{tmp}"],
        EXIT_USAGE,
        "brainscore: --json {tmp} is a folder; pass a file path (e.g. {tmp}/out.json)",
    ),
    (
        "json under a file",
        ["score", "--model", "sim-generator", "--benchmark", f"{SIM}.V1-pls", "--json", "{tmp}/afile/score.json"],
        EXIT_USAGE,
        "brainscore: --json {tmp}/afile/score.json lies under {tmp}/afile, which is a file, not a folder; "
        "choose another "
        "path",
    ),
    (
        "full json without json",
        ["score", "--model", "sim-generator", "--benchmark", f"{SIM}.V1-pls", "--full-json"],
        EXIT_USAGE,
        "brainscore: --full-json applies with --json FILE only; add --json FILE or drop --full-json",
    ),
    (
        "data root is a file",
        [
            "score",
            "--model",
            "sim-generator",
            "--benchmark",
            "FreemanZiemba2013local.V1-pls",
            "--data-root",
            "{tmp}/afile",
        ],
        EXIT_USAGE,
        "brainscore: --data-root {tmp}/afile is a file, not a folder; pass the folder that holds it ({tmp})",
    ),
    (
        "model file takes 1 channel",
        ["score", "--model-file", "{tmp}/net.py:gray", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_USAGE,
        "brainscore: model {tmp}/net.py:gray: the network fails on its preprocessed input of shape "
        "(2, 3, 224, 224) (RuntimeError: Given groups=1, weight of size [32, 1, 3, 3], expected "
        "input[2, 3, 224, 224] to have 1 channels, but got 3 channels instead); make the network take "
        "(batch, 3, rows, columns) RGB images or pass a preprocessing that makes its input",
    ),
    (
        "model file preprocessing constant",
        ["score", "--model-file", "{tmp}/net.py:constant", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_USAGE,
        "brainscore: model {tmp}/net.py:constant: its preprocessing returns the same array for two different images "
        "(first value 1); it must compute its output from the image at each path",
    ),
    (
        "model file missing",
        ["score", "--model-file", "{tmp}/absent.py", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_USAGE,
        "brainscore: model file {tmp}/absent.py does not exist; pass an existing FILE.py:FUNCTION",
    ),
    (
        "model file without the function",
        ["score", "--model-file", "{tmp}/net.py:nothing", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_USAGE,
        "brainscore: model file {tmp}/net.py defines no function 'nothing' (its functions: build, gray, constant); "
        "name one as {tmp}/net.py:FUNCTION",
    ),
    (
        "layers without a model file",
        ["score", "--model", "sim-generator", "--layers", "conv1", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_USAGE,
        "brainscore: --layers applies to --model-file only; registered models have their own layers",
    ),
    (
        "checkpoint for a hand-crafted model",
        ["score", "--model", "v1-steerpyr", "--checkpoint", "{tmp}/afile", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_USAGE,
        "brainscore: v1-steerpyr takes no checkpoint (its weights are hand-crafted); drop --checkpoint {tmp}/afile",
    ),
    (
        "checkpoint empty",
        ["score", "--model", "lcl-v2", "--checkpoint", "{tmp}/empty.pt", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_FAILED,
        "brainscore: checkpoint {tmp}/empty.pt cannot be read (EOFError); it is corrupted or not a torch file",
    ),
    (
        "model file layer that is not a module",
        ["score", "--model-file", "{tmp}/net.py", "--layers", "0.weight", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_USAGE,
        "brainscore: model {tmp}/net.py has no layer '0.weight' (its layers: 0, 1); pass existing module names to "
        "--layers",
    ),
    (
        "unknown model",
        ["score", "--model", "lcl-v3", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_USAGE,
        "brainscore: unknown model id 'lcl-v3'; nearest: lcl-v2, lcl-v1, lcl-v2net (see `brainscore list models`)",
    ),
    # list, data, weights, info
    (
        "list an unknown kind",
        ["list", "widgets"],
        EXIT_USAGE,
        "brainscore: argument kind: invalid choice: 'widgets' (choose from 'models', 'benchmarks') "
        "(see `brainscore list --help`)",
    ),
    (
        "export official data",
        ["data", "export", "--source", "official", "--out", "{tmp}/export"],
        EXIT_USAGE,
        "brainscore: data export --source official: only the simulated source (sim) can be exported; official and "
        "local data belong to their owners",
    ),
    (
        "export into a file",
        ["data", "export", "--source", "sim", "--out", "{tmp}/afile"],
        EXIT_USAGE,
        "brainscore: --out {tmp}/afile is a file, not a folder; pass a folder path (it is created if needed)",
    ),
    (
        "export under a file",
        ["data", "export", "--source", "sim", "--out", "{tmp}/afile/sim"],
        EXIT_USAGE,
        "brainscore: --out {tmp}/afile/sim lies under {tmp}/afile, which is a file, not a folder; choose another path",
    ),
    (
        "export with a negative seed",
        ["data", "export", "--source", "sim", "--out", "{tmp}/export", "--seed", "-1"],
        EXIT_USAGE,
        "brainscore: --seed -1 must be >= 0 (a numpy random seed)",
    ),
    (
        "describe into a folder",
        ["data", "describe", "--source", "sim", "--json", "{tmp}"],
        EXIT_USAGE,
        "brainscore: --json {tmp} is a folder; pass a file path (e.g. {tmp}/out.json)",
    ),
    (
        "fetch weights of a model without published files",
        ["weights", "fetch", "--model", "lcl-v2"],
        EXIT_FAILED,
        "brainscore: lcl-v2 loads no published weight file of this suite (no download needed); nothing to fetch",
    ),
    (
        "info with a folder as checkpoint",
        ["info", "--model", "lcl-v2", "--checkpoint", "{tmp}"],
        EXIT_USAGE,
        "brainscore: --checkpoint {tmp} is a folder, not a file; pass the file itself (e.g. one inside it)",
    ),
    (
        "info without sha256",
        ["info", "--model", "lcl-v2", "--checkpoint", "{tmp}/nosha.pt"],
        EXIT_FAILED,
        "brainscore: checkpoint {tmp}/nosha.pt has no 'sha256' entry, so its weights cannot be verified; re-save it "
        "with brainscore_lcl.checkpoint.save_encoder_checkpoint (as `brainscore train` does), which records it",
    ),
    # report, demo
    (
        "report into a file",
        ["report", "--model", "lcl-v2", "--out", "{tmp}/afile"],
        EXIT_USAGE,
        "brainscore: --out {tmp}/afile is a file, not a folder; pass a folder path (it is created if needed)",
    ),
    (
        "report with a reversed window",
        ["report", "--model", "lcl-v2", "--out", "{tmp}/report", "--time-window", "300", "50"],
        EXIT_USAGE,
        "brainscore: --time-window 300 50: the end must come after the start (START_MS END_MS); e.g. --time-window 50 "
        "200",
    ),
    (
        "report on local data without its folder",
        ["report", "--model", "lcl-v2", "--source", "local", "--out", "{tmp}/report"],
        EXIT_FAILED,
        "brainscore: FreemanZiemba2013local needs the raw release: pass --data-root DIR or set BRAINSCORE_LCL_FZ_ROOT "
        "(DIR holds FreemanZiemba2013_V1V2data.mat and stim/); or use the offline simulated FreemanZiemba2013sim.*",
    ),
    (
        "report with an unknown reference",
        ["report", "--model", "lcl-v2", "--out", "{tmp}/report", "--references", "steerpyr"],
        EXIT_USAGE,
        "brainscore: unknown model id 'steerpyr'; nearest: v1-steerpyr, v1-steerpyr-pool, steer_pyr_scatter_v2_ds4 "
        "(see `brainscore list models`)",
    ),
    (
        "demo with an unknown model",
        ["demo", "--models", "sim-generator", "lcl-v9", "--out", "{tmp}/demo"],
        EXIT_USAGE,
        "brainscore: unknown model id 'lcl-v9'; nearest: lcl-v2, lcl-v1, lcl-v2net (see `brainscore list models`)",
    ),
    (
        "demo into a file",
        ["demo", "--models", "sim-generator", "--out", "{tmp}/afile"],
        EXIT_USAGE,
        "brainscore: --out {tmp}/afile is a file, not a folder; pass a folder path (it is created if needed)",
    ),
    # train: the config field by field, extends, options, paths, resume
    *[
        (
            f"train config {name}",
            [*TRAIN, "--config", f"{{tmp}}/bad-{index}.yaml"],
            EXIT_USAGE,
            CONFIG_ERROR.format(config=f"{{tmp}}/bad-{index}.yaml", problem=problem),
        )
        for index, (name, (_, problem)) in enumerate(ONE_BAD_FIELD.items())
    ],
    (
        "train --set batch_size=abc",
        [*TRAIN, "--config", "lcl-v2", "--set", "training.batch_size=abc"],
        EXIT_USAGE,
        "brainscore: config lcl-v2 is invalid: training.batch_size is 'abc' (expected a whole number, e.g. 256)",
    ),
    (
        "train two bad fields",
        [*TRAIN, "--config", "lcl-v2", "--set", "optimizer.lr=fast", "--set", "training.max_epochs=0"],
        EXIT_USAGE,
        "brainscore: config lcl-v2 is invalid: optimizer.lr is 'fast' (expected a number, e.g. 0.001); "
        "training.max_epochs is 0 (expected >= 1)",
    ),
    (
        "train too many stages",
        [*TRAIN, "--config", "lcl-v2", "--set", "architecture.n_stages=4"],
        EXIT_USAGE,
        "brainscore: config lcl-v2 is invalid: architecture.n_stages is 4 (expected in [1, 3]); architecture.n_stages "
        "is 4 but 2 stages are given",
    ),
    (
        "train alexnet-bn in two stages",
        [*TRAIN, "--config", "lcl-v2", "--set", "architecture.kind=alexnet-bn"],
        EXIT_USAGE,
        "brainscore: config lcl-v2 is invalid: architecture.kind alexnet-bn trains the whole AlexNet as one "
        "stage, but architecture.n_stages is 2 (expected 1, with one stage)",
    ),
    (
        "train centre crop beyond the image",
        [*TRAIN, "--config", "lcl-v2", "--set", "stages.1.view.center_crop=300"],
        EXIT_USAGE,
        "brainscore: config lcl-v2 is invalid: stages[1].view.center_crop 300 exceeds input.resize_short_side 224",
    ),
    (
        "train cache is a file",
        [*TRAIN, "--config", "lcl-v2", "--cache", "{tmp}/afile"],
        EXIT_USAGE,
        "brainscore: --cache {tmp}/afile is a file, not a folder; pass a folder path (it is created if needed)",
    ),
    (
        "train --set an unknown field",
        [*TRAIN, "--config", "lcl-v2", "--set", "training.epochs=3"],
        EXIT_USAGE,
        "brainscore: config lcl-v2 is invalid: training has unknown field(s) ['epochs'] "
        "(allowed: ['amp', 'batch_size', "
        "'channels_last', 'checkpoint_every_steps', 'compile', 'lower_stage_norm', 'max_epochs', 'max_steps', "
        "'min_delta', 'num_workers', 'patience_epochs', 'pipeline', 'preload_to_device', 'sync_batchnorm', "
        "'val_every_steps', 'val_fraction', 'val_max_images', 'val_window'])",
    ),
    (
        "train --set without =",
        [*TRAIN, "--config", "lcl-v2", "--set", "training.batch_size"],
        EXIT_USAGE,
        "brainscore: override 'training.batch_size' must look like dotted.key=value, e.g. training.batch_size=64",
    ),
    (
        "train config is not YAML",
        [*TRAIN, "--config", "{tmp}/net.py"],
        EXIT_USAGE,
        "brainscore: config {tmp}/net.py is not valid YAML (mapping values are not allowed here at line 5, column 12); "
        "fix the file",
    ),
    (
        "train config is a YAML list",
        [*TRAIN, "--config", "{tmp}/list.yaml"],
        EXIT_USAGE,
        "brainscore: config {tmp}/list.yaml must be a YAML mapping at top level",
    ),
    (
        "train config is a folder",
        [*TRAIN, "--config", "{tmp}"],
        EXIT_USAGE,
        "brainscore: --config {tmp} is a folder; pass a YAML file or a packaged config name",
    ),
    (
        "train unknown config",
        [*TRAIN, "--config", "lcl-v9"],
        EXIT_USAGE,
        "brainscore: config 'lcl-v9' is neither a file nor a packaged config; packaged: ['ablation-layer1-patch', "
        "'ablation-layer1-scale', 'ablation-layer2-patch', 'ablation-layer2-scale', 'ablation-loss', "
        "'barlow-e2e-alexnet', 'blockbarlow', 'lcl-3stage', 'lcl-v1', 'lcl-v2', 'lcl-v2-sample']",
    ),
    (
        "train unknown variant",
        [*TRAIN, "--config", "ablation-loss", "--variant", "byol"],
        EXIT_USAGE,
        "brainscore: config ablation-loss has no sweep variant 'byol'; variants: ['barlow', 'simclr', 'simsiam']",
    ),
    (
        "train data missing",
        ["train", "--config", "lcl-v2", "--data", "{tmp}/absent", "--out", "{tmp}/run"],
        EXIT_FAILED,
        "brainscore: --data {tmp}/absent does not exist; pass a folder of images (any depth of sub-folders)",
    ),
    (
        "train data is a file",
        ["train", "--config", "lcl-v2", "--data", "{tmp}/afile", "--out", "{tmp}/run"],
        EXIT_USAGE,
        "brainscore: --data {tmp}/afile is a file, not a folder; pass the folder that holds it ({tmp})",
    ),
    (
        "train out is a file",
        ["train", "--config", "lcl-v2", "--data", "{tmp}/images", "--out", "{tmp}/afile"],
        EXIT_USAGE,
        "brainscore: --out {tmp}/afile is a file, not a folder; pass a folder path (it is created if needed)",
    ),
    (
        "train max steps 0",
        [*TRAIN, "--config", "lcl-v2", "--max-steps", "0"],
        EXIT_USAGE,
        "brainscore: --max-steps 0 must be >= 1 (steps in total, counting a resumed run's)",
    ),
    (
        "train allow changes without resume",
        [*TRAIN, "--config", "lcl-v2", "--allow-changes", "max_epochs"],
        EXIT_USAGE,
        "brainscore: --allow-changes applies to --resume only; drop it to start a new run",
    ),
    (
        "train allow changes of the learning rate",
        [*TRAIN, "--config", "lcl-v2", "--resume", "--allow-changes", "optimizer.lr"],
        EXIT_USAGE,
        "brainscore: --allow-changes optimizer.lr: only fields that pace or end a run may change on --resume: "
        "max_epochs, max_steps, patience_epochs, min_delta, val_window, checkpoint_every_steps, num_workers, compile, "
        "preload_to_device",
    ),
    (
        "train resume without a run",
        [*TRAIN, "--config", "lcl-v2", "--resume"],
        EXIT_USAGE,
        "brainscore: --resume was given but {tmp}/run/state.pt does not exist; drop --resume to start a new run",
    ),
    (
        "train on the cpu device named gpu",
        [*TRAIN, "--config", "lcl-v2", "--device", "gpu"],
        EXIT_USAGE,
        "brainscore: argument --device: invalid choice: 'gpu' (choose from 'cpu', 'cuda') (see `brainscore train "
        "--help`)",
    ),
    (
        "train-net with 0 epochs",
        ["train-net", "--front-end", "{tmp}/nosha.pt", "--data", "{tmp}/images", "--out", "{tmp}/run", "--epochs", "0"],
        EXIT_USAGE,
        "brainscore: --epochs 0 must be >= 1",
    ),
    (
        "train-net front end missing",
        ["train-net", "--front-end", "{tmp}/absent.pt", "--data", "{tmp}/images", "--out", "{tmp}/run"],
        EXIT_FAILED,
        "brainscore: --front-end {tmp}/absent.pt does not exist; train one with `brainscore train`",
    ),
    (
        "train-net of Barlow's network on an LCL encoder",
        [
            "train-net",
            "--front-end",
            "{tmp}/lcl-v2.pt",
            "--data",
            "{tmp}/images",
            "--out",
            "{tmp}/run",
            "--model",
            "barlow-e2e-alexnet-net",
        ],
        EXIT_USAGE,
        "brainscore: --model barlow-e2e-alexnet-net cannot be trained on {tmp}/lcl-v2.pt, an encoder of lcl-v2; use "
        "--model blockbarlow-net or lcl-v2net, or leave --model out",
    ),
    (
        "train-net data is a file",
        ["train-net", "--front-end", "{tmp}/nosha.pt", "--data", "{tmp}/afile", "--out", "{tmp}/run"],
        EXIT_USAGE,
        "brainscore: --data {tmp}/afile is a file, not a folder; pass the folder that holds it ({tmp})",
    ),
    # behavior
    (
        "decisions is a folder",
        ["behavior", "--decisions", "{tmp}", "--dataset", "cue-conflict"],
        EXIT_USAGE,
        "brainscore: decisions file {tmp} is a folder, not a file; pass the file itself (e.g. one inside it)",
    ),
    (
        "decisions missing",
        ["behavior", "--decisions", "{tmp}/absent.csv", "--dataset", "cue-conflict"],
        EXIT_FAILED,
        "brainscore: decisions file {tmp}/absent.csv does not exist; pass the CSV files of one observer",
    ),
    (
        "decisions with a checkpoint",
        ["behavior", "--decisions", "{tmp}/afile", "--checkpoint", "{tmp}/nosha.pt", "--dataset", "cue-conflict"],
        EXIT_USAGE,
        "brainscore: --layers and --checkpoint apply to --model or --model-file, not to --decisions",
    ),
    (
        "decisions and a model",
        ["behavior", "--model", "lcl-v2", "--decisions", "{tmp}/afile", "--dataset", "cue-conflict"],
        EXIT_USAGE,
        "brainscore: argument --decisions: not allowed with argument --model (see `brainscore behavior --help`)",
    ),
    (
        "behaviour json is a folder",
        ["behavior", "--decisions", "{tmp}/afile", "--dataset", "cue-conflict", "--json", "{tmp}"],
        EXIT_USAGE,
        "brainscore: --json {tmp} is a folder; pass a file path (e.g. {tmp}/out.json)",
    ),
    (
        "behaviour unknown dataset",
        ["behavior", "--decisions", "{tmp}/afile", "--dataset", "stylized"],
        EXIT_USAGE,
        "brainscore: argument --dataset: invalid choice: 'stylized' (choose from 'cue-conflict', 'edge', 'silhouette') "
        "(see `brainscore behavior --help`)",
    ),
    # submit (the upload-rule and tampering tables are in tests/test_submit.py)
    (
        "submit hyphenated identifier",
        ["submit", "--model", "lcl-v2", "--identifier", "lcl-v2-imagenet", "--out", "{tmp}/sub"],
        EXIT_USAGE,
        "brainscore: --identifier 'lcl-v2-imagenet' cannot be registered on brain-score.org: use letters, digits, '_' "
        "and '.' only, starting with a letter, with no '..' (hyphens, spaces and paths are refused), e.g. "
        "'lcl_v2_imagenet'",
    ),
    (
        "submit weights key outside the upload folder",
        ["submit", "--model", "lcl-v2", "--weights-key", "models/user_7/net.pt", "--out", "{tmp}/sub"],
        EXIT_USAGE,
        "brainscore: --weights-key 'models/user_7/net.pt' is not a vision model file of Brain-Score's bucket: "
        "expected brainscore-vision/models/user_<your user id>/<file> (as the Large File Upload reports it) with one "
        "of the suffixes .pt, .pth, .ckpt, .bin, .onnx, .h5, .hdf5, .pb, .tflite, .pkl, .weights, .npy, .npz, "
        ".safetensors",
    ),
    (
        "submit weights version without key",
        ["submit", "--model", "lcl-v2", "--weights-version", "abc", "--out", "{tmp}/sub"],
        EXIT_USAGE,
        "brainscore: --weights-version needs --weights-key (the key of the Large File Upload it belongs to)",
    ),
    (
        "submit out is a file",
        ["submit", "--model", "lcl-v2", "--out", "{tmp}/afile"],
        EXIT_USAGE,
        "brainscore: --out {tmp}/afile is a file; give a folder for the submission",
    ),
    (
        "submit benchmark with weights",
        ["submit", "--benchmark", "FreemanZiemba2013.V2-texmod", "--checkpoint", "{tmp}/afile", "--out", "{tmp}/sub"],
        EXIT_USAGE,
        "brainscore: --checkpoint, --weights-key and --weights-version apply to models; a benchmark has no weights",
    ),
    (
        "submit check a file that is no zip",
        ["submit", "--check", "{tmp}/afile"],
        EXIT_FAILED,
        "brainscore: rule 'a readable zip': {tmp}/afile is truncated or not a zip file (File is not a zip file); "
        "run `brainscore submit` again",
    ),
    (
        "submit check a folder that is no submission",
        ["submit", "--check", "{tmp}"],
        EXIT_FAILED,
        "brainscore: rule 'a submission has a manifest': {tmp}/manifest.json is missing; write the folder with "
        "`brainscore submit --model ID --out DIR`",
    ),
    (
        "score partition ranking on a benchmark of all cells",
        ["score", "--model", "sim-generator", "--benchmark", f"{SIM}.V2-pls", "--partition-ranking", "paper"],
        EXIT_USAGE,
        "brainscore: --partition-ranking applies to the V1-like / V2-like benchmarks (ids ending in -v1like or "
        "-v2like), not to 'FreemanZiemba2013sim.V2-pls'; drop it or score one of them",
    ),
    (
        "score --metric on a benchmark that takes none",
        ["score", "--model", "sim-generator", "--benchmark", f"{SIM}.V2-texmod", "--metric", "cka"],
        EXIT_USAGE,
        "brainscore: --metric applies to the FreemanZiemba2013*.V1 / V2 benchmarks (e.g. FreemanZiemba2013sim.V2-pls), "
        "not to 'FreemanZiemba2013sim.V2-texmod'; drop --metric or score one of them",
    ),
    (
        "score --metric other than the measure its id names",
        ["score", "--model", "sim-generator", "--benchmark", f"{SIM}.V2-cka", "--metric", "ridge"],
        EXIT_USAGE,
        "brainscore: FreemanZiemba2013sim.V2-cka measures cka, not --metric ridge; drop --metric or score "
        "FreemanZiemba2013sim.V2-ridge",
    ),
    (
        "score texture-modulation cross-validation on a PLS benchmark",
        ["score", "--model", "sim-generator", "--benchmark", f"{SIM}.V2-pls", "--texmod-cv", "stratified"],
        EXIT_USAGE,
        "brainscore: --texmod-cv applies to the texture-modulation benchmarks (ids ending in -texmod), not to "
        "'FreemanZiemba2013sim.V2-pls'; drop it or score a *.V2-texmod benchmark",
    ),
    # stimuli make, texmod
    (
        "stimuli make from a folder without images",
        ["stimuli", "make", "--images", "{tmp}/no-images", "--out", "{tmp}/stim"],
        EXIT_USAGE,
        "brainscore: --images {tmp}/no-images holds no images; put one source image per texture family in it",
    ),
    (
        "stimuli make from a file that is no image",
        ["stimuli", "make", "--images", "{tmp}/not-images", "--out", "{tmp}/stim"],
        EXIT_FAILED,
        "brainscore: --images file {tmp}/not-images/notes.txt is not an image that PIL can read "
        "(UnidentifiedImageError); remove it or replace it with a PNG, JPEG or TIFF",
    ),
    (
        "stimuli make from a flat image",
        ["stimuli", "make", "--images", "{tmp}/flat-images", "--out", "{tmp}/stim", "--size", "64"],
        EXIT_USAGE,
        "brainscore: image {tmp}/flat-images/gray.png is flat (gray-level s.d. 0.00 of 255 after cropping to 64 px): "
        "it has no texture to synthesise; remove it from the --images folder",
    ),
    (
        "stimuli make from an image above the pixel limit",
        ["stimuli", "make", "--images", "{tmp}/huge-images", "--out", "{tmp}/stim", "--size", "64"],
        EXIT_USAGE,
        "brainscore: --images file {tmp}/huge-images/huge.png is 9000x9000 px, more than the 64,000,000 pixels this "
        "suite reads; downsample it first",
    ),
    (
        "stimuli make from a folder holding a folder",
        ["stimuli", "make", "--images", "{tmp}/nested-images", "--out", "{tmp}/stim", "--size", "64"],
        EXIT_USAGE,
        "brainscore: --images {tmp}/nested-images holds inner.png, which is not a file; keep only images in it",
    ),
    (
        "stimuli make with too many samples",
        ["stimuli", "make", "--images", "{tmp}/images", "--out", "{tmp}/stim", "--samples", "1000000"],
        EXIT_USAGE,
        "brainscore: --samples 1000000 must lie in 1-100 (textures per family, synthesised as one batch in memory; "
        "Freeman et al. used 15)",
    ),
    (
        "stimuli make into a folder whose stimuli.json is a list",
        ["stimuli", "make", "--images", "{tmp}/images", "--out", "{tmp}/list-out", "--size", "64"],
        EXIT_USAGE,
        'brainscore: {tmp}/list-out/stimuli.json is not a `stimuli make` record (a JSON object with an "images" '
        "object); move the folder away or choose another --out",
    ),
    (
        "stimuli make into a folder whose stimuli.json lacks images",
        ["stimuli", "make", "--images", "{tmp}/images", "--out", "{tmp}/noimages-out", "--size", "64"],
        EXIT_USAGE,
        'brainscore: {tmp}/noimages-out/stimuli.json is not a `stimuli make` record (a JSON object with an "images" '
        "object); move the folder away or choose another --out",
    ),
    (
        "stimuli make into a folder with a broken stimuli.json and another seed",
        ["stimuli", "make", "--images", "{tmp}/images", "--out", "{tmp}/broken-out", "--size", "64", "--seed", "7"],
        EXIT_USAGE,
        "brainscore: {tmp}/broken-out/stimuli.json is not valid JSON (JSONDecodeError), so --out {tmp}/broken-out "
        "cannot be continued safely; move the folder away or choose another --out",
    ),
    (
        "stimuli make into a folder of other files",
        ["stimuli", "make", "--images", "{tmp}/images", "--out", "{tmp}/not-images", "--size", "64"],
        EXIT_USAGE,
        "brainscore: --out {tmp}/not-images holds files but no stimuli.json, so it was not made by `brainscore "
        "stimuli make`; choose a new or empty --out",
    ),
    (
        "stimuli make from an image smaller than the pyramid needs",
        ["stimuli", "make", "--images", "{tmp}/tiny-images", "--out", "{tmp}/stim", "--size", "64"],
        EXIT_USAGE,
        "brainscore: image {tmp}/tiny-images/tiny.png is 40x32 px, smaller than the 64 px the steerable pyramid "
        "needs; use images of at least 64x64 px",
    ),
    (
        "stimuli make with a size the pyramid cannot halve",
        ["stimuli", "make", "--images", "{tmp}/images", "--out", "{tmp}/stim", "--size", "60"],
        EXIT_USAGE,
        "brainscore: --size 60 cannot be analysed by the 4-scale steerable pyramid: it must be a multiple of 16 px "
        "(the pyramid halves it 4 times) and at least 64 px; e.g. --size 320 (Freeman et al. 2013) or --size 64",
    ),
    (
        "stimuli make larger than its sources",
        ["stimuli", "make", "--images", "{tmp}/images", "--out", "{tmp}/stim", "--size", "96"],
        EXIT_USAGE,
        "brainscore: image {tmp}/images/0.png is 96x80 px, smaller than the 96x96 px texture it should be the source "
        "of (sources are cropped, never upsampled); choose --size 80 or lower, or a larger image",
    ),
    (
        "stimuli make without samples",
        ["stimuli", "make", "--images", "{tmp}/images", "--out", "{tmp}/stim", "--samples", "0"],
        EXIT_USAGE,
        "brainscore: --samples 0 must lie in 1-100 (textures per family, synthesised as one batch in memory; Freeman "
        "et al. used 15)",
    ),
    (
        "stimuli make without iterations",
        ["stimuli", "make", "--images", "{tmp}/images", "--out", "{tmp}/stim", "--iterations", "0"],
        EXIT_USAGE,
        "brainscore: --iterations 0 must be at least 1 (steps of the synthesis loop)",
    ),
    (
        "stimuli make with a negative seed",
        ["stimuli", "make", "--images", "{tmp}/images", "--out", "{tmp}/stim", "--seed", "-1"],
        EXIT_USAGE,
        "brainscore: --seed -1 must be 0 or more (numpy's SeedSequence takes no negative seed)",
    ),
    (
        "stimuli make on a device torch does not run it on",
        ["stimuli", "make", "--images", "{tmp}/images", "--out", "{tmp}/stim", "--device", "tpu"],
        EXIT_USAGE,
        "brainscore: --device 'tpu' is not a torch device this command runs on; use cpu or cuda[:N]",
    ),
    (
        "texmod stimuli neither folder nor freemanziemba2013",
        ["texmod", "--model", "lcl-v2", "--stimuli", "{tmp}/afile", "--out", "{tmp}/tm"],
        EXIT_USAGE,
        "brainscore: --stimuli {tmp}/afile is neither freemanziemba2013 nor a folder; pass a folder made by "
        "`brainscore stimuli make` (or holding stim/tex-*.png and noise-*.png)",
    ),
    (
        "texmod stimuli folder without release names",
        ["texmod", "--model", "lcl-v2", "--stimuli", "{tmp}/images", "--out", "{tmp}/tm"],
        EXIT_USAGE,
        "brainscore: --stimuli {tmp}/images holds no stimuli named like the release "
        "(stim/tex-320x320-im<family>-smp<k>.png and noise-...); make them with `brainscore stimuli make --images DIR "
        "--out DIR`",
    ),
    (
        "texmod stimuli folder with a folder named like a PNG",
        ["texmod", "--model", "lcl-v2", "--stimuli", "{tmp}/folder-stim", "--out", "{tmp}/tm"],
        EXIT_USAGE,
        "brainscore: {tmp}/folder-stim/tex-64x64-im1-smp1.png is named like a stimulus but is not a file; rename or "
        "remove it",
    ),
    (
        "texmod stimuli folder with an unreadable PNG",
        ["texmod", "--model", "lcl-v2", "--stimuli", "{tmp}/broken-stim", "--out", "{tmp}/tm"],
        EXIT_FAILED,
        "brainscore: stimulus {tmp}/broken-stim/tex-64x64-im1-smp1.png is not an image that PIL can read "
        "(UnidentifiedImageError); remove it or replace it with a PNG, JPEG or TIFF",
    ),
    (
        "texmod image size with a registered model",
        ["texmod", "--model", "lcl-v2", "--image-size", "64", "--stimuli", "{tmp}/images", "--out", "{tmp}/tm"],
        EXIT_USAGE,
        "brainscore: --image-size applies to --model-file only; registered models have their own input size and "
        "field of view: drop it, or give --model-file FILE.py:FUNCTION",
    ),
    (
        "texmod layer the model does not record",
        ["texmod", "--model", "lcl-v2", "--stimuli", "{tmp}/images", "--layers", "nope", "--out", "{tmp}/tm"],
        EXIT_USAGE,
        "brainscore: --layers nope is not a layer that model lcl-v2 records; choose from layer1, layer2",
    ),
    (
        "image size without a model file",
        ["score", "--model", "sim-generator", "--image-size", "64", "--benchmark", f"{SIM}.V1-pls"],
        EXIT_USAGE,
        "brainscore: --image-size applies to --model-file only; registered models have their own input size and "
        "field of view: drop it, or give --model-file FILE.py:FUNCTION",
    ),
    (
        "image size and visual degrees without a model file",
        ["report", "--model", "sim-generator", "--image-size", "64", "--visual-degrees", "4", "--out", "{tmp}/r"],
        EXIT_USAGE,
        "brainscore: --image-size and --visual-degrees apply to --model-file only; registered models have their own "
        "input size and field of view: drop them, or give --model-file FILE.py:FUNCTION",
    ),
    (
        "grid unknown model",
        ["grid", "--models", "zzzz", "--benchmarks", f"{SIM}.V1-pls"],
        EXIT_USAGE,
        "brainscore: unknown model id 'zzzz' (see `brainscore list models`)",
    ),
    (
        "grid unknown benchmark",
        ["grid", "--models", "sim-generator", "--benchmarks", "Zzzz.V9"],
        EXIT_USAGE,
        "brainscore: unknown benchmark id 'Zzzz.V9' (see `brainscore list benchmarks`)",
    ),
    (
        "grid checkpoint without a name",
        ["grid", "--checkpoint", "{tmp}/afile", "--benchmarks", f"{SIM}.V1-pls"],
        EXIT_USAGE,
        "brainscore: --checkpoint takes NAME=PATH pairs, got '{tmp}/afile'; e.g. --checkpoint lcl-v2=encoder.pt",
    ),
    (
        "grid no workers",
        ["grid", "--models", "sim-generator", "--benchmarks", f"{SIM}.V1-pls", "--workers", "0"],
        EXIT_USAGE,
        "brainscore: --workers 0 must be at least 1",
    ),
    (
        "grid negative retries",
        ["grid", "--models", "sim-generator", "--benchmarks", f"{SIM}.V1-pls", "--retries", "-1"],
        EXIT_USAGE,
        "brainscore: --retries -1 must be 0 or more (Dask's retries of a task that raised)",
    ),
    (
        "grid batch jobs without cores",
        ["grid", "--models", "sim-generator", "--benchmarks", f"{SIM}.V1-pls", "--scheduler", "slurm", "--cores", "0"],
        EXIT_USAGE,
        "brainscore: --cores 0 must be at least 1 (cores per batch job), e.g. --cores 4",
    ),
    (
        "grid batch jobs with unreadable memory",
        [
            "grid",
            "--models",
            "sim-generator",
            "--benchmarks",
            f"{SIM}.V1-pls",
            "--scheduler",
            "pbs",
            "--memory",
            "lots",
        ],
        EXIT_USAGE,
        "brainscore: --memory 'lots' is not an amount of memory per batch job; write a positive number and a unit, "
        "e.g. --memory 16GB or --memory 32GiB",
    ),
    (
        "grid batch jobs with a walltime in hours",
        [
            "grid",
            "--models",
            "sim-generator",
            "--benchmarks",
            f"{SIM}.V1-pls",
            "--scheduler",
            "sge",
            "--walltime",
            "4h",
        ],
        EXIT_USAGE,
        "brainscore: --walltime '4h' is not a walltime sge reads (HH:MM:SS); e.g. --walltime 04:00:00",
    ),
    (
        "grid time window reversed",
        ["grid", "--models", "sim-generator", "--benchmarks", f"{SIM}.V1-pls", "--time-window", "200", "50"],
        EXIT_USAGE,
        "brainscore: --time-window 200 50: the end must come after the start (START_MS END_MS); e.g. --time-window "
        "50 200",
    ),
    (
        "grid constraint outside slurm",
        [
            "grid",
            "--models",
            "sim-generator",
            "--benchmarks",
            f"{SIM}.V1-pls",
            "--scheduler",
            "sge",
            "--constraint",
            "x",
        ],
        EXIT_USAGE,
        "brainscore: --constraint applies to slurm only, not sge; write sge's own directive with --job-extra",
    ),
    (
        "grid worker timeout zero",
        ["grid", "--models", "sim-generator", "--benchmarks", f"{SIM}.V1-pls", "--worker-timeout", "0"],
        EXIT_USAGE,
        "brainscore: --worker-timeout 0.0 must be a positive number of seconds, e.g. 120",
    ),
    (
        "leaderboard database of another kind",
        ["leaderboard", "--db", "mysql://lab@host/results", "--out", "{tmp}/site"],
        EXIT_USAGE,
        "brainscore: --db 'mysql://lab@host/results' is neither sqlite:///FILE nor postgresql://USER@HOST/DATABASE; "
        "pass one of those, or drop --db for the SQLite file in the cache",
    ),
    # issue 30: every class of bad input at its boundary (brainscore_lcl.testing writes the files)
    (
        "database URL that does not parse",
        ["leaderboard", "--out", "{tmp}/site", "--db", "sqlite:foo.sqlite"],
        EXIT_USAGE,
        "brainscore: --db 'sqlite:foo.sqlite' is not a database URL (expected sqlite:///FILE or "
        "postgresql://USER@HOST/DATABASE, with three slashes before an SQLite file)",
    ),
    (
        "database server that refuses",
        ["leaderboard", "--out", "{tmp}/site", "--db", "postgresql://lab@127.0.0.1:1/results"],
        EXIT_FAILED,
        "brainscore: results database postgresql://lab@127.0.0.1:1/results cannot be used: no database "
        'server answered (connection failed: connection to server at "127.0.0.1", port 1 failed: '
        "Connection refused); start the server, or check the URL's host, port, user and database name",
    ),
    (
        "database driver unknown",
        ["leaderboard", "--out", "{tmp}/site", "--db", "postgresql+nosuchdriver://lab@host/results"],
        EXIT_USAGE,
        "brainscore: --db postgresql+nosuchdriver://lab@host/results names the driver 'nosuchdriver', "
        "which SQLAlchemy does not know; write postgresql://USER@HOST/DATABASE (psycopg) or "
        "sqlite:///FILE",
    ),
    (
        "database that is text",
        ["leaderboard", "--out", "{tmp}/site", "--db", "sqlite:///{tmp}/db/text.sqlite"],
        EXIT_FAILED,
        "brainscore: results database sqlite:///{tmp}/db/text.sqlite cannot be used: the file is not an "
        "SQLite database (it does not begin with SQLite's header); pass another --db, or move the file "
        "away",
    ),
    (
        "database truncated",
        [
            "score",
            "--model",
            "sim-generator",
            "--benchmark",
            f"{SIM}.V1-pls",
            "--db",
            "sqlite:///{tmp}/db/truncated.sqlite",
        ],
        EXIT_FAILED,
        "brainscore: results database sqlite:///{tmp}/db/truncated.sqlite cannot be used: the file is "
        "damaged (truncated or overwritten); restore it from a copy or pass another --db",
    ),
    (
        "database a folder",
        ["grid", "--models", "sim-generator", "--benchmarks", f"{SIM}.V1-pls", "--db", "sqlite:///{tmp}/db"],
        EXIT_USAGE,
        "brainscore: --db sqlite:///{tmp}/db is a folder, not a database file; pass sqlite:///FOLDER/results.sqlite",
    ),
    (
        "database under a file",
        [
            "score",
            "--model",
            "sim-generator",
            "--benchmark",
            f"{SIM}.V1-pls",
            "--db",
            "sqlite:///{tmp}/afile/results.sqlite",
        ],
        EXIT_USAGE,
        "brainscore: --db {tmp}/afile/results.sqlite lies under {tmp}/afile, which is a file, not a "
        "folder; choose another path",
    ),
    (
        "database missing for the leaderboard",
        ["leaderboard", "--out", "{tmp}/site", "--db", "sqlite:///{tmp}/db/absent.sqlite"],
        EXIT_FAILED,
        "brainscore: results database sqlite:///{tmp}/db/absent.sqlite does not exist; fill it with "
        "`brainscore grid` or `brainscore score --db` first, or pass the --db they wrote",
    ),
    (
        "database with a foreign cells table",
        ["leaderboard", "--out", "{tmp}/site", "--db", "sqlite:///{tmp}/db/foreign.sqlite"],
        EXIT_FAILED,
        "brainscore: results database sqlite:///{tmp}/db/foreign.sqlite holds a table 'cells' that is "
        "not this suite's (it has no column id, cell_key, model); pass another --db, or rename that "
        "table",
    ),
    (
        "database row with text as written_at",
        ["leaderboard", "--out", "{tmp}/site", "--db", "sqlite:///{tmp}/db/bad-time.sqlite"],
        EXIT_FAILED,
        "brainscore: results database sqlite:///{tmp}/db/bad-time.sqlite: a row of the cells table "
        "holds a value of the wrong type (Invalid isoformat string: 'yesterday'), so another program "
        "wrote it; remove that row, or pass another --db",
    ),
    (
        "database row with text as score",
        ["leaderboard", "--out", "{tmp}/site", "--db", "sqlite:///{tmp}/db/bad-score.sqlite"],
        EXIT_FAILED,
        "brainscore: results database sqlite:///{tmp}/db/bad-score.sqlite: row 3 of the cells table has "
        "score 'high' (expected a number), so another program wrote it; remove that row, or pass "
        "another --db",
    ),
    (
        "export into a symlink loop",
        ["data", "export", "--source", "sim", "--out", "{tmp}/loops/loop-a"],
        EXIT_USAGE,
        "brainscore: --out {tmp}/loops/loop-a runs into a symbolic link loop (a link that leads back to "
        "itself); remove or fix the link, or pass another path",
    ),
    (
        "json into a symlink loop",
        [
            "score",
            "--model",
            "sim-generator",
            "--benchmark",
            f"{SIM}.V1-pls",
            "--json",
            "{tmp}/loops/loop-a/score.json",
        ],
        EXIT_USAGE,
        "brainscore: --json {tmp}/loops/loop-a/score.json runs into a symbolic link loop (a link that "
        "leads back to itself); remove or fix the link, or pass another path",
    ),
    (
        "report into a symlink loop",
        ["report", "--model", "sim-generator", "--out", "{tmp}/loops/loop-b"],
        EXIT_USAGE,
        "brainscore: --out {tmp}/loops/loop-b runs into a symbolic link loop (a link that leads back to "
        "itself); remove or fix the link, or pass another path",
    ),
    (
        "checkpoint is a symlink loop",
        ["info", "--model", "lcl-v2", "--checkpoint", "{tmp}/loops/loop-a"],
        EXIT_USAGE,
        "brainscore: --checkpoint {tmp}/loops/loop-a runs into a symbolic link loop (a link that leads "
        "back to itself); remove or fix the link, or pass another path",
    ),
    (
        "submission into a symlink loop",
        ["submit", "--model", "lcl-v2", "--out", "{tmp}/loops/loop-a"],
        EXIT_USAGE,
        "brainscore: --out {tmp}/loops/loop-a runs into a symbolic link loop (a link that leads back to itself); "
        "remove or fix the link, or pass another path",
    ),
    (
        "data root in a symlink loop",
        [
            "score",
            "--model",
            "sim-generator",
            "--benchmark",
            "FreemanZiemba2013local.V1-pls",
            "--data-root",
            "{tmp}/loops/loop-b",
        ],
        EXIT_USAGE,
        "brainscore: --data-root {tmp}/loops/loop-b runs into a symbolic link loop (a link that leads back to itself); "
        "remove or fix the link, or pass another path",
    ),
    (
        "export over a file named stim",
        ["data", "export", "--source", "sim", "--out", "{tmp}/with-stim"],
        EXIT_USAGE,
        "brainscore: --out {tmp}/with-stim holds a file named stim where this command writes a folder "
        "of that name; move the file or choose another folder",
    ),
    (
        "leaderboard over a file named models",
        ["leaderboard", "--out", "{tmp}/with-models", "--db", "sqlite:///{tmp}/db/absent.sqlite"],
        EXIT_USAGE,
        "brainscore: --out {tmp}/with-models holds a file named models where this command writes a folder "
        "of that name; move the file or choose another folder",
    ),
    (
        "checkpoint without config",
        ["info", "--model", "lcl-v2", "--checkpoint", "{tmp}/ckpt/no-config.pt"],
        EXIT_FAILED,
        "brainscore: checkpoint {tmp}/ckpt/no-config.pt has no 'config' entry, so it was not written by "
        "`brainscore train`; pass a checkpoint that was (OUT/encoder.pt)",
    ),
    (
        "report of a checkpoint without architecture",
        ["report", "--model", "lcl-v2", "--checkpoint", "{tmp}/ckpt/no-architecture.pt", "--out", "{tmp}/report"],
        EXIT_FAILED,
        "brainscore: checkpoint {tmp}/ckpt/no-architecture.pt has no 'architecture' entry, so it was "
        "not written by `brainscore train`; pass a checkpoint that was (OUT/encoder.pt)",
    ),
    (
        "grid of a checkpoint whose config is text",
        [
            "grid",
            "--checkpoint",
            "mine={tmp}/ckpt/config-text.pt",
            "--benchmarks",
            f"{SIM}.V1-pls",
            "--db",
            "sqlite:///{tmp}/never.sqlite",
        ],
        EXIT_FAILED,
        "brainscore: checkpoint {tmp}/ckpt/config-text.pt has 'config' 'lr=0.001' (expected a mapping), "
        "so it was not written by `brainscore train`; pass a checkpoint that was (OUT/encoder.pt)",
    ),
    (
        "train-net on a front end without config",
        ["train-net", "--front-end", "{tmp}/ckpt/no-config.pt", "--data", "{tmp}/images", "--out", "{tmp}/run"],
        EXIT_FAILED,
        "brainscore: checkpoint {tmp}/ckpt/no-config.pt has no 'config' entry, so it was not written by "
        "`brainscore train`; pass a checkpoint that was (OUT/encoder.pt)",
    ),
    (
        "zip compressed with an unknown method",
        ["submit", "--check", "{tmp}/zips/method99.zip"],
        EXIT_FAILED,
        "brainscore: rule 'a compression zipfile reads': {tmp}/zips/method99.zip holds submission/ "
        "compressed with method 99, which Python's zipfile cannot read; write the zip with stored or "
        "deflate or bzip2 or lzma (`brainscore submit` uses deflate)",
    ),
    (
        "zip with an encrypted entry",
        ["submit", "--check", "{tmp}/zips/encrypted.zip"],
        EXIT_FAILED,
        "brainscore: rule 'no encrypted entries': {tmp}/zips/encrypted.zip holds submission/ encrypted; "
        "write the zip without a password",
    ),
    (
        "zip with a bad CRC",
        ["submit", "--check", "{tmp}/zips/bad-crc.zip"],
        EXIT_FAILED,
        "brainscore: rule 'a readable zip': {tmp}/zips/bad-crc.zip is damaged (Bad CRC-32 for file "
        "'submission/models/tiny_net/__init__.py'); run `brainscore submit` again",
    ),
    (
        "zip bomb",
        ["submit", "--check", "{tmp}/zips/bomb.zip"],
        EXIT_FAILED,
        "brainscore: rule 'at most 50 MiB': {tmp}/zips/bomb.zip expands to 64.0 MiB (its entries' "
        "recorded sizes); a plugin is code",
    ),
    (
        "manifest zip a number",
        ["submit", "--check", "{tmp}/zips/zip-number"],
        EXIT_FAILED,
        "brainscore: rule 'the manifest is complete': {tmp}/zips/zip-number/manifest.json has 'zip' of "
        "the wrong type (expected text); run `brainscore submit` again",
    ),
    (
        "manifest weights without file",
        ["submit", "--check", "{tmp}/zips/weights-without-file"],
        EXIT_FAILED,
        "brainscore: rule 'the manifest is complete': {tmp}/zips/weights-without-file/manifest.json has "
        "'weights[0]' of the wrong type (expected {'file': NAME, 'sha256': HEX}); run `brainscore "
        "submit` again",
    ),
    (
        "manifest zip an absolute path",
        ["submit", "--check", "{tmp}/zips/absolute-zip"],
        EXIT_FAILED,
        "brainscore: rule 'the manifest names files in its folder': "
        "{tmp}/zips/absolute-zip/manifest.json names '{tmp}/zips/valid.zip', which lies outside "
        "{tmp}/zips/absolute-zip; run `brainscore submit` again",
    ),
    (
        "manifest zip outside the folder",
        ["submit", "--check", "{tmp}/zips/dotdot-zip"],
        EXIT_FAILED,
        "brainscore: rule 'the manifest names files in its folder': {tmp}/zips/dotdot-zip/manifest.json "
        "names '../valid.zip', which lies outside {tmp}/zips/dotdot-zip; run `brainscore submit` again",
    ),
    (
        "model file exits on import",
        ["info", "--model-file", "{tmp}/mf/exit_on_import.py"],
        EXIT_USAGE,
        "brainscore: model file {tmp}/mf/exit_on_import.py on import calls sys.exit(0), which would end "
        "this command silently; remove the call (or put it under `if __name__ == '__main__':`)",
    ),
    (
        "model file exits in build",
        [
            "score",
            "--model-file",
            "{tmp}/mf/exit_in_build.py",
            "--image-size",
            "64",
            "--visual-degrees",
            "8",
            "--benchmark",
            f"{SIM}.V1-pls",
        ],
        EXIT_USAGE,
        "brainscore: {tmp}/mf/exit_in_build.py:build() calls sys.exit(3), which would end this command "
        "silently; remove the call (or put it under `if __name__ == '__main__':`)",
    ),
    (
        "model file interrupts in build",
        ["info", "--model-file", "{tmp}/mf/interrupt_in_build.py"],
        EXIT_INTERRUPTED,
        "brainscore: {tmp}/mf/interrupt_in_build.py:build() was interrupted (KeyboardInterrupt, by "
        "Ctrl-C or raised by the code); nothing was scored",
    ),
    (
        "fetch weights of an unknown model",
        ["weights", "fetch", "--model", "nope-net"],
        EXIT_USAGE,
        "brainscore: unknown model id 'nope-net'; nearest: alexnet, vonealexnet, lpl-alexnet, "
        "VOneCORnet-S (see `brainscore list models`)",
    ),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """The bad inputs' files: a plain file, a model file, a whole pickled module, a checkpoint without its sha256,
    a few images, the YAML files of ``ONE_BAD_FIELD`` (each extending the packaged lcl-v2 by name)."""
    from brainscore_lcl.models.lcl.model import SHIPPED_CHECKPOINT

    folder = tmp_path_factory.mktemp("inputs")
    (folder / "afile").write_text("not a checkpoint\n")
    (folder / "empty.pt").write_bytes(b"")
    (folder / "net.py").write_text(MODEL_FILE)
    (folder / "list.yaml").write_text("- lcl-v2\n- lcl-v1\n")
    torch.save(torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3)), folder / "module.pt")
    payload = torch.load(SHIPPED_CHECKPOINT, weights_only=True)
    del payload["sha256"]
    torch.save(payload, folder / "nosha.pt")
    (folder / "lcl-v2.pt").write_bytes(Path(SHIPPED_CHECKPOINT).read_bytes())
    (folder / "images").mkdir()
    for index in range(12):
        pixels = np.random.default_rng(index).integers(0, 256, (80, 96, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / "images" / f"{index}.png")
    (folder / "no-images").mkdir()
    (folder / "not-images").mkdir()
    (folder / "not-images" / "notes.txt").write_text("not an image\n")
    (folder / "tiny-images").mkdir()
    Image.fromarray(np.zeros((32, 40), dtype=np.uint8)).save(folder / "tiny-images" / "tiny.png")
    (folder / "flat-images").mkdir()
    Image.fromarray(np.full((96, 96), 128, dtype=np.uint8)).save(folder / "flat-images" / "gray.png")
    (folder / "huge-images").mkdir()
    Image.new("1", (9000, 9000)).save(folder / "huge-images" / "huge.png")
    (folder / "nested-images" / "inner.png").mkdir(parents=True)
    for name, text in (("list-out", "[]"), ("noimages-out", '{"format": 2}'), ("broken-out", '{"format": 2, "ima')):
        (folder / name).mkdir()
        (folder / name / "stimuli.json").write_text(text)
    (folder / "folder-stim" / "tex-64x64-im1-smp1.png").mkdir(parents=True)
    Image.fromarray(np.zeros((64, 64), dtype=np.uint8)).save(folder / "folder-stim" / "noise-64x64-im1-smp1.png")
    (folder / "broken-stim").mkdir()
    (folder / "broken-stim" / "tex-64x64-im1-smp1.png").write_bytes(b"not a png")
    Image.fromarray(np.zeros((64, 64), dtype=np.uint8)).save(folder / "broken-stim" / "noise-64x64-im1-smp1.png")
    for index, (text, _) in enumerate(ONE_BAD_FIELD.values()):
        (folder / f"bad-{index}.yaml").write_text(f"extends: lcl-v2.yaml\n{text}")
    write_bad_databases(folder / "db")
    write_bad_zips(folder / "zips")
    write_bad_checkpoints(folder / "ckpt")
    write_bad_model_files(folder / "mf")
    symlink_loop(folder / "loops")
    (folder / "with-stim").mkdir()
    (folder / "with-stim" / "stim").write_text("a file where data export writes a folder\n")
    (folder / "with-models").mkdir()
    (folder / "with-models" / "models").write_text("a file where the leaderboard writes its model pages\n")
    return folder


def listing(folder: Path) -> list[str]:
    """Every path under ``folder`` with its size (folders as 0): what a run may not change."""
    return sorted(
        f"{path.relative_to(folder)}:{path.stat().st_size if path.is_file() else 0}" for path in folder.rglob("*")
    )


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    """``main(argv)`` in this process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("argv, code, message", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_bad_input_ends_in_one_sentence(inputs, capsys, argv, code, message):
    before = listing(inputs)
    returned, _, stderr = run_main([item.replace("{tmp}", str(inputs)) for item in argv], capsys)
    assert "Traceback" not in stderr
    assert stderr.count("\n") == 1, stderr
    assert stderr.rstrip("\n") == message.replace("{tmp}", str(inputs))
    assert returned == code
    assert listing(inputs) == before  # nothing written: no run folder, no partial output


def test_an_output_in_a_read_only_folder_is_refused_before_any_work(inputs, capsys, monkeypatch):
    """A read-only file system (or another user's folder), as ``os.access`` reports it: tests run as root here, for
    whom every folder is writable, so ``os.access`` stands in for the file system."""
    import brainscore_lcl.paths

    monkeypatch.setattr(brainscore_lcl.paths.os, "access", lambda path, mode: False)
    before = listing(inputs)
    code, _, stderr = run_main(["data", "export", "--source", "sim", "--out", f"{inputs}/export"], capsys)
    assert code == EXIT_USAGE
    assert stderr == (
        f"brainscore: --out {inputs}/export cannot be written: {inputs} is not writable (read-only or "
        "another user's); choose a path in a folder you can write to\n"
    )
    code, _, stderr = run_main(
        ["score", "--model", "sim-generator", "--benchmark", f"{SIM}.V1-pls", "--json", f"{inputs}/afile"], capsys
    )
    assert code == EXIT_USAGE
    assert stderr == f"brainscore: --json {inputs}/afile exists and is not writable; choose another file\n"
    assert listing(inputs) == before


def test_every_command_has_a_row():
    from brainscore_lcl.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices
    tried = {case[1][0] for case in CASES}
    assert set(commands) <= tried


def test_a_config_copied_elsewhere_extends_the_packaged_one(tmp_path):
    from brainscore_lcl.training.config import CONFIG_DIR, load_config

    copy = tmp_path / "mine" / "lcl-v2-sample.yaml"
    copy.parent.mkdir()
    copy.write_text((CONFIG_DIR / "lcl-v2-sample.yaml").read_text())
    assert "extends: lcl-v2.yaml" in copy.read_text()
    assert load_config(copy) == load_config("lcl-v2-sample")


def test_yaml_1_1_exponents_are_numbers():
    from brainscore_lcl.training.config import load_config

    assert load_config("lcl-v2", overrides=["optimizer.lr=1e-4"]).optimizer.lr == 1e-4


@pytest.fixture(scope="module")
def paused_run(inputs, tmp_path_factory) -> Path:
    """A tiny training run paused after 2 steps (its state.pt), to resume."""
    out = tmp_path_factory.mktemp("runs") / "paused"
    assert (
        main(
            [
                "train",
                "--config",
                "lcl-v2",
                "--data",
                str(inputs / "images"),
                "--out",
                str(out),
                "--device",
                "cpu",
                "--max-steps",
                "2",
                "--no-progress",
                *TINY_RUN,
            ]
        )
        == 0
    )
    return out


def test_resume_with_another_config_is_refused_naming_the_fields(paused_run, inputs, capsys):
    config_before = (paused_run / "config.json").read_text()
    resume = [
        "train",
        "--config",
        "lcl-v2",
        "--data",
        str(inputs / "images"),
        "--out",
        str(paused_run),
        "--resume",
        "--device",
        "cpu",
        "--no-progress",
        *TINY_RUN,
    ]
    code, _, stderr = run_main([*resume, "--set", "optimizer.lr=0.01", "--set", "training.max_epochs=7"], capsys)
    assert code == EXIT_USAGE and stderr.count("\n") == 1 and "Traceback" not in stderr
    assert stderr == (
        "brainscore: --resume: the config differs from the run's in optimizer.lr (run: 0.001, now: "
        "0.01), training.max_epochs (run: 100, now: 7); resume with the run's own config (its "
        "config.json) or start a new run in another --out\n"
    )
    code, _, stderr = run_main([*resume, "--set", "training.max_epochs=7"], capsys)
    assert code == EXIT_USAGE
    assert stderr == (
        "brainscore: --resume: the config differs from the run's in training.max_epochs (run: 100, "
        "now: 7); pass --allow-changes max_epochs to continue with them\n"
    )
    assert (paused_run / "config.json").read_text() == config_before
    code, _, stderr = run_main(
        [*resume, "--set", "training.max_epochs=7", "--allow-changes", "max_epochs", "--max-steps", "3"], capsys
    )
    assert code == 0, stderr
    assert '"max_epochs": 7' in (paused_run / "config.json").read_text()


def test_a_bad_config_leaves_no_run_folder(inputs, tmp_path, capsys):
    out = tmp_path / "run"
    code, _, _ = run_main(
        [
            "train",
            "--config",
            str(inputs / "bad-1.yaml"),
            "--data",
            str(inputs / "images"),
            "--out",
            str(out),
            "--device",
            "cpu",
        ],
        capsys,
    )
    assert code == EXIT_USAGE and not out.exists()


def test_info_is_a_summary_and_full_adds_the_history(capsys):
    import json

    code, summary, _ = run_main(["info", "--model", "lcl-v2"], capsys)
    assert code == 0
    described = json.loads(summary)
    checkpoint = described["checkpoint"]
    assert len(checkpoint["sha256"]) == 64 and checkpoint["best"]["step"] > 0 and checkpoint["best"]["val_loss"] > 0
    assert checkpoint["config"]["objective"] == "barlow" and checkpoint["config"]["views_px"] == ["56->48", "112->96"]
    assert "val_history" not in summary and "ImageNet" in checkpoint["data"]
    assert described["region_layer_map"] == {"V1": "layer1", "V2": "layer2"}
    assert len(summary.splitlines()) < 60
    code, full, _ = run_main(["info", "--model", "lcl-v2", "--full"], capsys)
    assert code == 0 and len(json.loads(full)["checkpoint"]["meta"]["val_history"]) == checkpoint["validations"]


def test_figures_skip_a_model_that_commits_no_layer_to_their_region():
    from brainscore_lcl.analyses.common import load_models

    loaded, notes = load_models(["lcl-v1", "sim-generator"], {}, "V2")
    assert [entry.model_id for entry in loaded] == ["sim-generator"]
    assert notes == [
        "skipped lcl-v1: model lcl-v1 commits no layer to V2, only to V1; score it on a V1 benchmark, "
        "or choose a model that commits V2 (e.g. lcl-v2)"
    ]


def test_figure_with_only_such_a_model_says_so_once():
    from brainscore_lcl import analyses
    from brainscore_lcl.errors import RunError

    with pytest.raises(RunError) as refused:
        analyses.texture_modulation.compute(["lcl-v1"], "sim")
    assert str(refused.value).count("skipped lcl-v1: model lcl-v1 commits no layer to V2") == 1
    assert str(refused.value).startswith("no model could be loaded: ")


@pytest.mark.parametrize(
    "argv, code, message",
    [
        (
            ["--out", "{tmp}/afile"],
            EXIT_USAGE,
            "analyses/v1_predictivity.py: --out {tmp}/afile is a file, not a folder; "
            "pass a folder path (it is created if "
            "needed)",
        ),
        (
            ["--time-window", "150", "50"],
            EXIT_USAGE,
            "analyses/v1_predictivity.py: --time-window 150 50: the end must come after the start "
            "(START_MS END_MS); e.g. "
            "--time-window 50 200",
        ),
        (
            ["--source", "lab"],
            EXIT_USAGE,
            "analyses/v1_predictivity.py: argument --source: invalid choice: 'lab' (choose from 'local', 'official', "
            "'private', 'public', 'sim') (see `analyses/v1_predictivity.py --help`)",
        ),
    ],
    ids=["out is a file", "reversed window", "unknown source"],
)
def test_a_figure_script_ends_a_bad_option_in_one_line(inputs, tmp_path, capsys, argv, code, message):
    from brainscore_lcl.analyses import v1_predictivity
    from brainscore_lcl.analyses.common import run_script

    argv = ["--models", "sim-generator", "--out", str(tmp_path / "out"), *argv]
    with pytest.raises(SystemExit) as exited:
        run_script(
            "v1_predictivity", lambda: v1_predictivity.main([item.replace("{tmp}", str(inputs)) for item in argv])
        )
    stderr = capsys.readouterr().err
    assert exited.value.code == code and "Traceback" not in stderr
    assert stderr.splitlines()[-1] == message.replace("{tmp}", str(inputs))
