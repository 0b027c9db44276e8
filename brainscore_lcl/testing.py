"""Small fixtures shared by the plugin tests (``test.py`` beside each plugin) and ``tests/``."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

import numpy as np
from PIL import Image

#: Debian's chromium, and its flags for a headless Playwright run here: as root (no sandbox), no GPU, and none of the
#: background network services (the closed network refuses them, many at a time)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def tiny_stimulus_set(folder: Path, identifier: str, count: int = 3):
    """A Brain-Score ``StimulusSet`` of ``count`` random 24x24 RGB PNGs written to ``folder``, identified by
    ``identifier`` and the folder: Brain-Score's activation store keys an entry by the stimulus set's identifier and
    checks the stored stimulus paths on a hit, so a set written elsewhere (another test run's folder) needs its own."""
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    rng = np.random.default_rng(0)
    stimuli = StimulusSet([{"stimulus_id": f"stim{index}"} for index in range(count)])
    stimuli.stimulus_paths = {}
    for index in range(count):
        path = folder / f"stim{index}.png"
        Image.fromarray(rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)).save(path)
        stimuli.stimulus_paths[f"stim{index}"] = path
    stimuli.identifier = f"{identifier}-{hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:8]}"
    return stimuli


SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def load_tool(name: str):
    """``tools/<name>.py`` of this checkout as a module (the developer scripts are not installed); ``tools/`` goes on
    ``sys.path`` too, for the tools that import one another."""
    import importlib.util
    import sys

    folder = Path(__file__).resolve().parents[1] / "tools"
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shared_data_or_skip(relative: str) -> Path:
    """``../shared/data/<relative>`` beside the project, or skip the calling test saying that it is absent."""
    import pytest

    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path.resolve()} is absent (a fresh clone has no ../shared/data)")
    return path


#: the tiny cue-conflict set of ``tiny_geirhos_root``: stimulus -> colour of its image (red or green)
TINY_CUE_CONFLICT = {
    "airplane1-airplane2.png": "red",
    "airplane2-bear1.png": "red",
    "bear1-airplane1.png": "red",
    "bear2-airplane2.png": "green",
}
#: responses of three observers to the stimuli of ``TINY_CUE_CONFLICT`` (in its order)
TINY_HUMAN_RESPONSES = {
    "subject-01": ["airplane", "airplane", "bear", "bear"],
    "subject-02": ["airplane", "bear", "bear", "bear"],
    "subject-03": ["airplane", "bear", "na", "bear"],
}


def tiny_geirhos_root(folder: Path) -> Path:
    """A Geirhos data root with a 4-stimulus cue-conflict set (plain red or green 224-px images, see
    ``TINY_CUE_CONFLICT``) and three observers' decision files (``TINY_HUMAN_RESPONSES``), each in its own trial
    order and with its own image-name prefix, so that trials must be matched by stimulus."""
    colours = {"red": (255, 0, 0), "green": (0, 255, 0)}
    names = list(TINY_CUE_CONFLICT)
    for name, colour in TINY_CUE_CONFLICT.items():
        path = folder / "stimuli" / "cue-conflict" / name.split("-")[0].rstrip("0123456789") / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (224, 224), colours[colour]).save(path)
    human_folder = folder / "human" / "cue-conflict"
    human_folder.mkdir(parents=True)
    for number, (subject, responses) in enumerate(TINY_HUMAN_RESPONSES.items(), start=1):
        order = np.roll(np.arange(len(names)), number)
        lines = ["subj,session,trial,rt,object_response,category,condition,imagename"]
        for trial, index in enumerate(order, start=1):
            shape = names[index].split("-")[0].rstrip("0123456789")
            lines.append(
                f"{subject},1,{trial},0.8,{responses[index]},{shape},0,"
                f"{trial:04d}_s5n_s{number:02d}_0_{shape}_00_{names[index]}"
            )
        (human_folder / f"cue-conflict_{subject}_session_1.csv").write_text("\n".join(lines) + "\n")
    return folder


def colour_classifier_network():
    """A network whose 1000 ImageNet logits are 10 x the mean ImageNet-normalised red channel at class 404 (airplane)
    and 10 x the green one at class 294 (bear), 0 elsewhere: red images are airplanes, green ones bears."""
    import torch
    from torch import nn

    readout = nn.Linear(3, 1000, bias=False)
    with torch.no_grad():
        readout.weight.zero_()
        readout.weight[404, 0] = 10.0
        readout.weight[294, 1] = 10.0
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), readout)


def colour_classifier_commitment(
    identifier: str = "colour-classifier", image_size: int | None = None, visual_degrees: float | None = None
):
    """A ``ModelCommitment`` of ``colour_classifier_network`` recording its logits ("2"), fed ``image_size``-px
    ImageNet-normalised images of ``visual_degrees`` (default the learned models' 224 px and 8 degrees)."""
    from brainscore_lcl.model_helpers.commitment import (
        IMAGE_SIZE,
        VISUAL_DEGREES,
        imagenet_preprocessing,
        make_commitment,
    )

    image_size = image_size or IMAGE_SIZE
    return make_commitment(
        identifier,
        colour_classifier_network(),
        weights_sha256="0" * 64,
        layers=["2"],
        region_layer_map={"IT": "2"},
        preprocessing=imagenet_preprocessing(image_size),
        image_size=image_size,
        visual_degrees=visual_degrees or VISUAL_DEGREES,
    )


def brainscore_packaged_assembly(release, stimulus_set, access: str):
    """The raw release under ``release`` as Brain-Score packaged it into ``FreemanZiemba2013.<access>`` (movshon.py
    ``load_responses``, data_packaging.py's split, aperture_correct.py's id mapping, ``StimulusMergeAssemblyLoader``):
    (neuroid, time_bin, presentation) spike counts of both regions on the release's bins (``bin_ms``, 1 ms in
    Brain-Score's), before its benchmark's ``load_assembly``. ``stimulus_set``: the release's aperture stimulus set
    (``load_local_stimulus_set``); the assembly's stimulus set is its ``access`` part, named ``<its id>-<access>``."""
    import types

    import h5py
    import xarray as xr
    from brainscore_core.supported_data_standards.brainio.assemblies import (
        NeuronRecordingAssembly,
        StimulusMergeAssemblyLoader,
    )
    from numpy.random.mtrand import RandomState
    from sklearn.model_selection import StratifiedShuffleSplit

    from brainscore_lcl.data.facts import FAMILIES
    from brainscore_lcl.data.freemanziemba import MAT_FILE_NAME, _read_bin_ms, subset_stimulus_set

    with h5py.File(Path(release) / MAT_FILE_NAME, "r") as mat:
        v1, v2, bin_ms = mat["v1"][()], mat["v2"][()], _read_bin_ms(mat)
    responses = np.concatenate([v1, v2])
    starts = np.arange(responses.shape[1]) * bin_ms
    assembly = xr.DataArray(
        responses,
        coords={
            "neuroid_id": ("neuroid", list(range(1, responses.shape[0] + 1))),
            "region": ("neuroid", ["V1"] * v1.shape[0] + ["V2"] * v2.shape[0]),
            "time_bin_start": ("time_bin", starts),
            "time_bin_end": ("time_bin", starts + bin_ms),
            "repetition": list(range(responses.shape[2])),
            "sample": list(range(1, responses.shape[3] + 1)),
            "texture_type": ["noise", "texture"],
            "texture_family": list(FAMILIES),
        },
        dims=["neuroid", "time_bin", "repetition", "sample", "texture_type", "texture_family"],
    )
    assembly = assembly.stack(presentation=["texture_type", "texture_family", "sample", "repetition"])
    names = [
        f"{'tex' if t == 'texture' else 'noise'}-320x320-im{f}-smp{s}.png"
        for t, f, s in zip(*[assembly[k].values for k in ["texture_type", "texture_family", "sample"]])
    ]
    by_name = stimulus_set.set_index("image_file_name")
    raw_ids = by_name.loc[names, "image_id_without_aperture"].values
    _, first = np.unique(raw_ids, return_index=True)
    first = np.sort(first)
    splitter = StratifiedShuffleSplit(n_splits=1, train_size=0.3, test_size=None, random_state=RandomState(seed=12))
    split = dict(
        zip(["public", "private"], next(splitter.split(np.zeros(len(first)), assembly["texture_type"].values[first])))
    )
    keep = np.isin(raw_ids, raw_ids[first][split[access]])
    assembly = assembly.reset_index("presentation").drop_vars(["texture_type", "texture_family", "sample"])
    assembly = assembly.assign_coords(image_id=("presentation", by_name.loc[names, "stimulus_id"].values))
    assembly = assembly.isel(presentation=np.flatnonzero(keep))
    assembly = assembly.assign_coords(stimulus_id=("presentation", assembly["image_id"].values))
    subset = subset_stimulus_set(
        stimulus_set, set(assembly["stimulus_id"].values), f"{stimulus_set.identifier}-{access}"
    )
    merged = StimulusMergeAssemblyLoader.merge_stimulus_set_meta(
        types.SimpleNamespace(assembly_class=NeuronRecordingAssembly), NeuronRecordingAssembly(assembly), subset
    )
    merged.attrs.update(stimulus_set_identifier=subset.identifier, stimulus_set=subset)
    return merged


def hard_link_tree(source: Path, target: Path) -> None:
    """Copy the folder ``source`` to ``target`` with hard links (real copies across file systems), never symlinks: a
    copy of an installed package that must read its own files from the copy (e.g. brainscore_vision, whose
    ``ModelCommitment`` finds region-layer maps next to its real path when symlinked)."""
    import os
    import shutil

    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link)


def isolated_brainscore_vision(submissions, root: Path) -> dict[str, Path]:
    """A brainscore_vision that holds the plugins of the submission folders ``submissions`` (written by ``brainscore
    submit``) as Brain-Score installs an upload: ``root/site/brainscore_vision``, a hard-linked copy of the installed
    package, into which each ``submission.zip`` is extracted (its ``<root>/<plugin_type>/<plugin_dir>/`` becomes
    ``brainscore_vision/<plugin_type>/<plugin_dir>/``; the folder beside the zip is not read), and ``root/home`` (for
    $BRAINSCORE_HOME) with each weights file at its ``cache_path``, where ``load_weight_file`` looks. Returns
    {"root", "site", "package", "home"}."""
    import json
    import os
    import zipfile

    import brainscore_vision

    package = root / "site" / "brainscore_vision"
    hard_link_tree(Path(brainscore_vision.__file__).parent, package)
    for out in submissions:
        manifest = json.loads((out / "manifest.json").read_text())
        prefix = f"{manifest['zip_root']}/"
        with zipfile.ZipFile(out / manifest["zip"]) as archive:
            for info in archive.infolist():
                target = package / info.filename[len(prefix) :]
                if info.is_dir():
                    target.mkdir(exist_ok=True)
                else:
                    target.write_bytes(archive.read(info))
        for weights in manifest["weights"]:
            target = root / "home" / weights["cache_path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(out / weights["file"], target)
    return {"root": root, "site": root / "site", "package": package, "home": root / "home"}


def run_in_isolated_brainscore(
    runner: Path, job: dict, isolated: dict[str, Path], timeout: int, **env: str
) -> tuple[dict, str]:
    """Run ``runner JOB REPORT`` (a script that blocks ``brainscore_lcl`` itself) in a subprocess whose only
    brainscore_vision is ``isolated`` (``isolated_brainscore_vision``), with Brain-Score's result cache and dependency
    installation off and ``env`` added; returns (the JSON report it wrote, its stdout)."""
    import json
    import os
    import subprocess
    import sys

    root = isolated["root"]
    (root / "job.json").write_text(json.dumps(job))
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    environment.update(
        PYTHONPATH=str(isolated["site"]),
        BRAINSCORE_HOME=str(isolated["home"]),
        BS_INSTALL_DEPENDENCIES="no",
        RESULTCACHING_DISABLE="1",
        **env,
    )
    result = subprocess.run(
        [sys.executable, str(runner), str(root / "job.json"), str(root / "report.json")],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads((root / "report.json").read_text()), result.stdout


def fine_binned_release(
    release, out, n_cells: tuple[int, int] = (2, 24), n_repetitions: int = 4, n_samples: int = 15, bin_ms: float = 1.0
) -> Path:
    """A small copy of the raw release under ``release`` in ``out``: the first ``n_cells`` (V1, V2) cells,
    ``n_repetitions`` repetitions and ``n_samples`` samples of every family and texture type (30 x ``n_samples``
    images), each count spread evenly over bins of ``bin_ms`` (float32), so that
    ``brainscore_packaged_assembly`` of it has the 1-ms bins of Brain-Score's packaged assemblies (whose benchmark
    code selects them by (t, t + 1)); the stimuli are linked, not copied."""
    import h5py

    from brainscore_lcl.data.freemanziemba import MAT_FILE_NAME, _read_bin_ms

    release, out = Path(release), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with h5py.File(release / MAT_FILE_NAME, "r") as mat:
        factor = int(round(_read_bin_ms(mat) / bin_ms))
        regions = {
            name: np.repeat(mat[name][:count, :, :n_repetitions, :n_samples].astype(np.float32), factor, axis=1)
            / factor
            for name, count in zip(("v1", "v2"), n_cells)
        }
    with h5py.File(out / MAT_FILE_NAME, "w") as mat:
        for name, counts in regions.items():
            mat.create_dataset(name, data=counts)
        mat.create_dataset("bin_ms", data=np.float64(bin_ms))
    if not (out / "stim").exists():
        (out / "stim").symlink_to((release / "stim").resolve(), target_is_directory=True)
    return out


def random_lcl_v2net(seed: int = 0):
    """An LCL-V2Net with random weights (from ``seed``) and random front-end BatchNorm statistics, in eval mode."""
    import torch

    from brainscore_lcl.model_helpers.architecture import LCLEncoder
    from brainscore_lcl.models.lcl_v2net.model import ClassifierStageNet

    torch.manual_seed(seed)
    front_end = LCLEncoder()
    for module in front_end.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.5, 1.5)
    return ClassifierStageNet(front_end).eval()


@contextlib.contextmanager
def official_loaders_replaced(packaged: dict):
    """Within the block, brainscore_vision's ``FreemanZiemba2013.public`` / ``.private`` loaders return
    ``packaged["public"]`` / ``packaged["private"]`` (e.g. from ``brainscore_packaged_assembly``), the connectivity
    probe passes and Brain-Score's result cache is off, so nothing is stored under the official ids; this suite's
    in-process assembly cache is emptied before and after."""
    import brainscore_vision.data.freemanziemba2013  # noqa: F401 (registers the official loaders replaced here)
    import pytest
    from brainscore_vision import data_registry

    from brainscore_lcl.data import sources

    sources._load.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        for access, assembly in packaged.items():
            patch.setitem(data_registry, f"FreemanZiemba2013.{access}", lambda assembly=assembly: assembly)
        patch.setattr(sources, "s3_unreachable_reason", lambda *args, **kwargs: None)
        patch.setenv("RESULTCACHING_DISABLE", "1")
        try:
            yield packaged
        finally:
            sources._load.cache_clear()


def tiny_image_folder(folder: Path, count: int = 8, size: tuple[int, int] = (300, 240)) -> Path:
    """``folder/images`` with ``count`` smooth random RGB PNGs of ``size`` (width, height) px, for tiny training."""
    images = folder / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    for index in range(count):
        pixels = rng.integers(0, 256, (8, 10, 3), dtype=np.uint8)
        Image.fromarray(pixels).resize(size, Image.Resampling.BICUBIC).save(images / f"{index}.png")
    return images


# Bad inputs of each class the error contract covers (issue 30), shared by tests/test_user_errors.py's table,
# tests/test_contract.py's generators and tools/bench_zip_bomb.py.

#: the two files a plugin folder needs, for a zip that passes every upload rule
PLUGIN_FILES = {
    "__init__.py": b"from brainscore_vision import model_registry\nmodel_registry['tiny_net'] = lambda: None\n",
    "test.py": b"def test():\n    pass\n",
}


def valid_upload_zip(path: Path) -> Path:
    """A zip of the plugin ``models/tiny_net`` that passes every upload rule (``check_upload_zip``)."""
    from brainscore_lcl.export.upload import write_upload_zip

    write_upload_zip(path, "submission", "models", "tiny_net", PLUGIN_FILES)
    return path


def _patched_headers(data: bytes, offsets: dict[bytes, int], value: int, size: int) -> bytes:
    """``data`` (a zip) with the field at ``offsets[signature]`` of every header of that signature set to ``value``."""
    patched = bytearray(data)
    for signature, offset in offsets.items():
        start = patched.find(signature)
        while start >= 0:
            patched[start + offset : start + offset + size] = value.to_bytes(size, "little")
            start = patched.find(signature, start + 4)
    return bytes(patched)


#: offsets of the compression method, the flags and the CRC-32 in local (PK\3\4) and central (PK\1\2) headers
_LOCAL, _CENTRAL = b"PK\x03\x04", b"PK\x01\x02"
ZIP_FIELDS = {
    "method": ({_LOCAL: 8, _CENTRAL: 10}, 2),
    "flags": ({_LOCAL: 6, _CENTRAL: 8}, 2),
    "crc": ({_LOCAL: 14, _CENTRAL: 16}, 4),
}


def zip_bomb(path: Path, expanded_bytes: int, chunk_bytes: int = 1 << 20) -> Path:
    """A deflated zip whose one file is ``expanded_bytes`` zeros (inside a plugin folder): about 1/1000 of that on
    disk. Written in chunks, so making a 1 GiB one needs little memory (and a few seconds of deflate)."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("submission/", b"")
        with archive.open("submission/models/tiny_net/__init__.py", "w", force_zip64=True) as handle:
            zeros = bytes(chunk_bytes)
            for start in range(0, expanded_bytes, chunk_bytes):
                handle.write(zeros[: min(chunk_bytes, expanded_bytes - start)])
    return path


def write_bad_zips(folder: Path) -> dict[str, Path]:
    """Upload zips and submission folders that ``brainscore submit --check`` refuses: an unsupported compression
    (method 99, AES), an encrypted flag, a wrong CRC-32, 64 MiB of zeros in 64 kB (over the 50 MiB limit), and
    manifests with a number as ``zip``, a weights entry without ``file``, an absolute and a ``..`` zip path."""
    import json
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    valid = valid_upload_zip(folder / "valid.zip").read_bytes()
    made = {}
    for name, field, value in (("method99", "method", 99), ("encrypted", "flags", 1), ("bad-crc", "crc", 12345)):
        offsets, size = ZIP_FIELDS[field]
        made[name] = folder / f"{name}.zip"
        made[name].write_bytes(_patched_headers(valid, offsets, value, size))
    made["bomb"] = zip_bomb(folder / "bomb.zip", 64 << 20)
    manifest = {"identifier": "tiny_net", "plugin_type": "models", "plugin_dir": "tiny_net", "weights": []}
    for name, fields in {
        "zip-number": {"zip": 123},
        "weights-without-file": {"zip": "submission.zip", "weights": [{"sha256": "0" * 64}]},
        "absolute-zip": {"zip": str((folder / "valid.zip").absolute())},
        "dotdot-zip": {"zip": "../valid.zip"},
    }.items():
        made[name] = folder / name
        made[name].mkdir()
        shutil.copy(folder / "valid.zip", made[name] / "submission.zip")
        (made[name] / "manifest.json").write_text(json.dumps(manifest | fields))
    return made


def write_bad_databases(folder: Path) -> dict[str, Path]:
    """SQLite files the results database refuses: text, a truncated database, a foreign ``cells`` table, and
    databases of this suite with one row whose ``written_at`` or ``score`` another program overwrote with text.
    Each in SQLite's rollback-journal mode, so that reading one leaves no ``-wal``/``-shm`` file beside it."""
    import sqlite3

    from brainscore_lcl.results.db import CellKey, ResultsDB

    folder.mkdir(parents=True, exist_ok=True)
    good = folder / "good.sqlite"
    db = ResultsDB(f"sqlite:///{good}")
    for index in range(200):
        db.put_done(CellKey("m", "w", "FreemanZiemba2013sim.V1-pls", f"data-{index}", {}, "code"), {"score": 0.5})
    db.close()
    made = {}
    for name, statement in (
        ("bad-time", "UPDATE cells SET written_at = 'yesterday' WHERE id = 3"),
        ("bad-score", "UPDATE cells SET score = 'high' WHERE id = 3"),
        ("good", None),
    ):
        made[name] = folder / f"{name}.sqlite"
        if name != "good":
            made[name].write_bytes(good.read_bytes())
        with contextlib.closing(sqlite3.connect(made[name])) as connection:
            connection.execute("PRAGMA journal_mode=DELETE")
            if statement:
                connection.execute(statement)
            connection.commit()
    data = good.read_bytes()
    made["truncated"] = folder / "truncated.sqlite"
    made["truncated"].write_bytes(data[: len(data) // 3])
    made["text"] = folder / "text.sqlite"
    made["text"].write_text("not a database\n")
    made["foreign"] = folder / "foreign.sqlite"
    with contextlib.closing(sqlite3.connect(made["foreign"])) as connection:
        connection.execute("CREATE TABLE cells (a, b)")
        connection.commit()
    return made


def write_bad_checkpoints(folder: Path) -> dict[str, Path]:
    """Copies of the shipped lcl-v2 checkpoint whose format and sha256 are valid but whose content is not: no
    ``config``, no ``architecture``, ``config`` a string."""
    import torch

    from brainscore_lcl.models.lcl.model import SHIPPED_CHECKPOINT

    folder.mkdir(parents=True, exist_ok=True)
    payload = torch.load(SHIPPED_CHECKPOINT, weights_only=True)
    made = {}
    for name, change in (
        ("no-config", {"config": None}),
        ("no-architecture", {"architecture": None}),
        ("config-text", {"config": "lr=0.001"}),
    ):
        broken = {key: value for key, value in (payload | change).items() if value is not None}
        made[name] = folder / f"{name}.pt"
        torch.save(broken, made[name])
    return made


#: model files whose code ends the process: sys.exit at import, in build(), a KeyboardInterrupt in build()
BAD_MODEL_FILES = {
    "exit-on-import": "import sys\n\nsys.exit(0)\n",
    "exit-in-build": "import sys\n\n\ndef build():\n    sys.exit(3)\n",
    "interrupt-in-build": "def build():\n    raise KeyboardInterrupt\n",
}


def write_bad_model_files(folder: Path) -> dict[str, Path]:
    """``BAD_MODEL_FILES`` as ``<folder>/<name>.py``."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for name, text in BAD_MODEL_FILES.items():
        made[name] = folder / f"{name.replace('-', '_')}.py"
        made[name].write_text(text)
    return made


def symlink_loop(folder: Path) -> Path:
    """Two links in ``folder`` that point at each other; returns one of them."""
    import os

    folder.mkdir(parents=True, exist_ok=True)
    os.symlink(folder / "loop-b", folder / "loop-a")
    os.symlink(folder / "loop-a", folder / "loop-b")
    return folder / "loop-a"
