"""The error contract as a property (issue 30): commands, options and adversarial files drawn by ``hypothesis`` from
one generator per class of bad input (databases, paths and symlinks, checkpoints, zips, images, model files, configs),
each run through ``brainscore``'s ``main`` in this process. Whatever is drawn, the run keeps the contract:

- its exit code is 0, 1, 2 or 130;
- stderr holds at most one line that is not a progress bar, and no traceback;
- nothing appears outside the run's outputs (the inputs' folder and the example's folder are unchanged but for the
  outputs the command names), and a run that did not succeed leaves no output at all (no partial folder).

Examples are bounded (``EXAMPLES`` per class) and derandomized (a fixed seed), so a run draws the same inputs every
time; the generators are built so that no drawn input starts real work (scoring, training, a Dask cluster).
``tests/test_user_errors.py`` keeps the table of named instances. The deterministic tests at the end cover what a
property cannot draw cheaply: an interrupted export or report, a second run on one ``--out``, a read-only cache, the
leaderboard's links and CSV cells, and the memory a zip bomb costs.
"""

from __future__ import annotations

import csv
import errno
import itertools
import json
import re
import tempfile
import tracemalloc
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brainscore_lcl.cli import main
from brainscore_lcl.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE
from brainscore_lcl.testing import (
    ZIP_FIELDS,
    symlink_loop,
    valid_upload_zip,
    write_bad_checkpoints,
    write_bad_databases,
    write_bad_model_files,
    write_bad_zips,
)

SIM_V1 = "FreemanZiemba2013sim.V1-pls"
CONTRACT_EXITS = {0, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED}
#: examples drawn per class: enough to reach every branch of each generator, few enough for `make test`
EXAMPLES = {"databases": 16, "paths": 16, "checkpoints": 12, "zips": 24, "images": 6, "model files": 10, "configs": 10}
#: a tqdm progress line ("name:  40%|####      | 2/5 [...]") is not a message
PROGRESS = re.compile(r"\d+%\|| \d+/\d+ \[")
TINY_TRAIN = ["--set", "training.batch_size=4", "--set", "training.num_workers=0"]


def contract_settings(name: str):
    """``hypothesis`` settings of one class: ``EXAMPLES[name]`` derandomized examples, no deadline (a first command
    imports torch), no example database (nothing written beside the tests)."""
    return settings(
        max_examples=EXAMPLES[name],
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """Every class's fixed bad inputs (``brainscore_lcl.testing``), a plain file, a folder holding a file named like
    an output subfolder, a symlink loop, twelve images."""
    import numpy as np
    from PIL import Image

    folder = tmp_path_factory.mktemp("contract")
    write_bad_databases(folder / "db")
    write_bad_zips(folder / "zips")
    write_bad_checkpoints(folder / "ckpt")
    write_bad_model_files(folder / "mf")
    symlink_loop(folder / "loops")
    (folder / "afile").write_text("a plain file\n")
    (folder / "with-stim").mkdir()
    (folder / "with-stim" / "stim").write_text("a file where a folder is written\n")
    (folder / "images").mkdir()
    for index in range(12):
        pixels = np.random.default_rng(index).integers(0, 256, (64, 64, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / "images" / f"{index}.png")
    (folder / "work").mkdir()
    return folder


def listing(folder: Path) -> set[str]:
    """Every path under ``folder`` with its size (folders and links as 0)."""
    return {f"{path.relative_to(folder)}:{path.stat().st_size if path.is_file() else 0}" for path in folder.rglob("*")}


def keeps_the_contract(argv: list[str], inputs: Path, work: Path, outputs: list[Path], capsys) -> tuple[int, str]:
    """Run ``argv`` and assert the contract (module docstring); ``outputs``: what the command may write on success.
    Returns (exit code, stderr)."""
    before_inputs = listing(inputs)
    capsys.readouterr()
    code = main(argv)
    stderr = capsys.readouterr().err
    assert code in CONTRACT_EXITS, (argv, code, stderr)
    assert "Traceback" not in stderr, (argv, stderr)
    messages = [line for line in re.split(r"[\r\n]", stderr) if line.strip() and not PROGRESS.search(line)]
    assert len(messages) <= 1, (argv, stderr)
    outside = {
        entry
        for entry in listing(inputs) - before_inputs
        if not any((inputs / entry.rsplit(":", 1)[0]).is_relative_to(path) for path in outputs if code == 0)
    }
    assert not outside, (argv, code, sorted(outside))
    if code != 0:
        assert not any(path.exists() or path.is_symlink() for path in outputs), (argv, "partial output", stderr)
        assert not list(work.iterdir()), (argv, "files left", sorted(map(str, work.iterdir())))
    return code, stderr


def example_folder(inputs: Path) -> Path:
    """A new, empty folder (inside the inputs' folder, so the listing watches it) for one example's outputs."""
    return Path(tempfile.mkdtemp(dir=inputs / "work"))


# Databases: fixed bad files, URLs that do not parse, unknown drivers, a server that refuses


def database_urls(inputs: Path, command: str) -> st.SearchStrategy[str]:
    """Bad results-database URLs for ``command``; the leaderboard, which reads every row, also gets the databases
    with one wrongly typed row (score and grid read only their cells') and a good one."""
    db = inputs / "db"
    files = ["text", "truncated", "foreign"]
    if command == "leaderboard":
        files += ["bad-time", "bad-score", "good", "absent"]
    fixed = [f"sqlite:///{db / name}.sqlite" for name in files]
    fixed += [f"sqlite:///{db}", f"sqlite:///{inputs / 'afile'}/results.sqlite", "postgresql://lab@127.0.0.1:1/r"]
    words = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True)
    return st.one_of(
        st.sampled_from(fixed),
        st.builds("sqlite:{}".format, words),
        st.builds("postgresql+{}://lab@127.0.0.1:1/results".format, words),
        st.builds("{}://lab@host/results".format, words.filter(lambda word: not word.startswith("postgres"))),
    )


@contract_settings("databases")
@given(data=st.data())
def test_databases_keep_the_contract(inputs, capsys, data):
    command = data.draw(st.sampled_from(["leaderboard", "score", "grid"]), label="command")
    url = data.draw(database_urls(inputs, command), label="url")
    work = example_folder(inputs)
    argv = {
        "leaderboard": ["leaderboard", "--out", str(work / "site")],
        "score": ["score", "--model", "sim-generator", "--benchmark", SIM_V1],
        "grid": ["grid", "--models", "sim-generator", "--benchmarks", SIM_V1],
    }[command]
    code, _ = keeps_the_contract([*argv, "--db", url], inputs, work, [work / "site"], capsys)
    assert code != 0 or (command == "leaderboard" and url.endswith("good.sqlite"))


# Paths: symlink loops, paths under a file, a file named like an output subfolder


def bad_paths(inputs: Path) -> st.SearchStrategy[Path]:
    """A path that resolves through a symlink loop, or lies under a plain file, with 0-2 more components."""
    names = st.sampled_from(["x", "sub", "out.json"])
    loop = st.builds(
        lambda base, tail: Path(base, *tail), st.sampled_from(["loop-a", "loop-b"]), st.lists(names, max_size=2)
    )
    under_file = st.builds(lambda tail: Path("afile", *tail), st.lists(names, min_size=1, max_size=2))
    return st.one_of(loop.map(lambda path: inputs / "loops" / path), under_file.map(lambda path: inputs / path))


@contract_settings("paths")
@given(data=st.data())
def test_paths_keep_the_contract(inputs, capsys, data):
    path = data.draw(bad_paths(inputs), label="path")
    good_db = f"sqlite:///{inputs / 'db' / 'good.sqlite'}"
    argv = data.draw(
        st.sampled_from(
            [
                ["data", "export", "--source", "sim", "--out", str(path)],
                ["data", "export", "--source", "sim", "--out", str(inputs / "with-stim")],
                ["score", "--model", "sim-generator", "--benchmark", SIM_V1, "--json", str(path)],
                ["report", "--model", "sim-generator", "--out", str(path)],
                ["leaderboard", "--db", good_db, "--out", str(path)],
                ["info", "--model", "lcl-v2", "--checkpoint", str(path)],
                ["data", "describe", "--source", "sim", "--json", str(path)],
            ]
        ),
        label="argv",
    )
    work = example_folder(inputs)
    code, _ = keeps_the_contract(argv, inputs, work, [], capsys)
    assert code in (EXIT_FAILED, EXIT_USAGE)


# Checkpoints: the shipped one with required entries dropped or replaced, random bytes, fixed bad files


def checkpoint_payloads() -> st.SearchStrategy[dict | bytes]:
    """Bytes, or the shipped checkpoint's dict with ``config`` or ``architecture`` broken (always one of them, so that
    no drawn checkpoint starts real work) and 0-2 other entries replaced or dropped."""
    junk = st.one_of(st.none(), st.integers(-3, 3), st.text(max_size=6), st.lists(st.integers(0, 3), max_size=2))
    required = st.tuples(st.sampled_from(["config", "architecture"]), junk)
    others = st.dictionaries(st.sampled_from(["data", "meta", "config", "architecture"]), junk, max_size=2)
    broken = st.builds(lambda first, more: {first[0]: first[1], **more}, required, others)
    return st.one_of(broken, st.binary(max_size=64))


def written_checkpoint(folder: Path, change: dict | bytes) -> Path:
    """``change`` written as a checkpoint file: bytes as they are; a dict applied to the shipped checkpoint (a None
    value drops the entry)."""
    from brainscore_lcl.models.lcl.model import SHIPPED_CHECKPOINT

    path = folder.parent / f"{folder.name}.pt"  # beside the example's folder: an input, not an output
    if isinstance(change, bytes):
        path.write_bytes(change)
        return path
    payload = torch.load(SHIPPED_CHECKPOINT, weights_only=True) | change
    torch.save({key: value for key, value in payload.items() if value is not None}, path)
    return path


@contract_settings("checkpoints")
@given(data=st.data())
def test_checkpoints_keep_the_contract(inputs, capsys, data):
    work = example_folder(inputs)
    fixed = [inputs / "ckpt" / f"{name}.pt" for name in ("no-config", "no-architecture", "config-text")]
    checkpoint = data.draw(
        st.one_of(st.sampled_from(fixed), checkpoint_payloads().map(lambda change: written_checkpoint(work, change))),
        label="checkpoint",
    )
    command = data.draw(st.sampled_from(["info", "report", "grid", "train-net"]), label="command")
    argv = {
        "info": ["info", "--model", "lcl-v2", "--checkpoint", str(checkpoint)],
        "report": ["report", "--model", "lcl-v2", "--checkpoint", str(checkpoint), "--out", str(work / "report")],
        "grid": ["grid", "--checkpoint", f"mine={checkpoint}", "--benchmarks", SIM_V1, "--db", f"sqlite:///{work}/g"],
        "train-net": ["train-net", "--front-end", str(checkpoint), "--data", str(inputs / "images")]
        + ["--out", str(work / "run")],
    }[command]
    before = listing(inputs)
    code, _ = keeps_the_contract(argv, inputs, work, [], capsys)
    assert code == EXIT_FAILED
    assert listing(inputs) == before


# Zips: header fields of a valid upload zip changed, bytes flipped, truncations, manifests of any JSON


def mutated_zips(valid: bytes) -> st.SearchStrategy[bytes]:
    """``valid`` with a compression method, flags or CRC-32 field set to a drawn value, one byte flipped, or cut."""
    field = st.sampled_from(sorted(ZIP_FIELDS)).flatmap(
        lambda name: st.builds(
            lambda value: _set_field(valid, name, value), st.integers(0, 2 ** (8 * ZIP_FIELDS[name][1]) - 1)
        )
    )
    flipped = st.builds(
        lambda index, value: valid[:index] + bytes([value]) + valid[index + 1 :],
        st.integers(0, len(valid) - 1),
        st.integers(0, 255),
    )
    cut = st.integers(0, len(valid) - 1).map(lambda end: valid[:end])
    return st.one_of(field, flipped, cut)


def _set_field(data: bytes, name: str, value: int) -> bytes:
    from brainscore_lcl.testing import _patched_headers

    offsets, size = ZIP_FIELDS[name]
    return _patched_headers(data, offsets, value, size)


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=8)),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)


def manifests(inputs: Path) -> st.SearchStrategy[dict]:
    """A submission manifest with 1-2 of its keys replaced by any JSON value or a path outside the folder."""
    manifest = {"identifier": "tiny_net", "plugin_type": "models", "plugin_dir": "tiny_net", "zip": "submission.zip"}
    manifest["weights"] = []
    outside = st.sampled_from(["../valid.zip", str(inputs / "zips" / "valid.zip"), "/etc/hostname", ""])
    value = st.one_of(JSON, outside, st.lists(st.dictionaries(st.sampled_from(["file", "sha256"]), JSON), max_size=2))
    changes = st.dictionaries(st.sampled_from(sorted(manifest)), value, min_size=1, max_size=2)
    return changes.map(lambda change: manifest | change)


@contract_settings("zips")
@given(data=st.data())
def test_zips_keep_the_contract(inputs, capsys, data):
    valid = (inputs / "zips" / "valid.zip").read_bytes()
    work = example_folder(inputs)
    if data.draw(st.booleans(), label="a submission folder"):
        target = work.parent / f"{work.name}-submission"
        target.mkdir()
        (target / "submission.zip").write_bytes(valid)
        (target / "manifest.json").write_text(json.dumps(data.draw(manifests(inputs), label="manifest")))
    else:
        target = work.parent / f"{work.name}.zip"
        target.write_bytes(data.draw(mutated_zips(valid), label="zip"))
    keeps_the_contract(["submit", "--check", str(target)], inputs, work, [], capsys)


# Images: folders of files that no image reader decodes, for training


IMAGE_FILES = {
    "random bytes": lambda seed: bytes(itertools.islice(itertools.cycle(range(seed, seed + 97)), 300)),
    "empty": lambda seed: b"",
    "cut PNG": lambda seed: b"\x89PNG\r\n\x1a\n" + bytes(seed % 40),
    "text": lambda seed: f"not an image {seed}\n".encode(),
}


@contract_settings("images")
@given(
    kinds=st.lists(st.sampled_from(sorted(IMAGE_FILES)), min_size=4, max_size=6),
    suffix=st.sampled_from([".png", ".jpg"]),
)
def test_images_keep_the_contract(inputs, capsys, kinds, suffix):
    work = example_folder(inputs)
    images = work.parent / f"{work.name}-images"
    images.mkdir()
    for index, kind in enumerate(kinds):
        (images / f"{index}{suffix}").write_bytes(IMAGE_FILES[kind](index))
    argv = ["train", "--config", "lcl-v2", "--data", str(images), "--out", str(work / "run"), *TINY_TRAIN]
    code, _ = keeps_the_contract(argv, inputs, work, [], capsys)
    assert code == EXIT_FAILED


# Model files: fragments that exit, interrupt, raise or define no usable build()

MODEL_FILE_FRAGMENTS = (
    "import sys\nsys.exit(0)\n",
    "raise SystemExit('bye')\n",
    "raise KeyboardInterrupt\n",
    "x = 1 / 0\n",
    "def build(:\n",
    "def build():\n    import sys\n    sys.exit(1)\n",
    "def build():\n    raise KeyboardInterrupt\n",
    "def build():\n    return 42\n",
    "def build():\n    return None\n",
    "import os\n",
)


@contract_settings("model files")
@given(fragments=st.lists(st.sampled_from(MODEL_FILE_FRAGMENTS), min_size=1, max_size=3))
def test_model_files_keep_the_contract(inputs, capsys, fragments):
    work = example_folder(inputs)
    source = work.parent / f"{work.name}_net.py"
    source.write_text("".join(fragments))
    code, _ = keeps_the_contract(["info", "--model-file", str(source)], inputs, work, [], capsys)
    assert code in (EXIT_USAGE, EXIT_INTERRUPTED)


# Configs: one bounded field set to a value outside its type or range (non-finite numbers included)

CONFIG_FIELDS = (
    ("optimizer", "lr"),
    ("optimizer", "weight_decay"),
    ("training", "batch_size"),
    ("training", "val_fraction"),
    ("training", "min_delta"),
    ("training", "patience_epochs"),
    ("objective", "barlow_lambda"),
)
BAD_VALUES = (".inf", "-.inf", ".nan", "-1e9", "fast", "[1, 2]", "{a: 1}", "1e999")


@contract_settings("configs")
@given(field=st.sampled_from(CONFIG_FIELDS), value=st.sampled_from(BAD_VALUES))
def test_configs_keep_the_contract(inputs, capsys, field, value):
    work = example_folder(inputs)
    config = work.parent / f"{work.name}.yaml"
    config.write_text(f"extends: lcl-v2.yaml\n{field[0]}:\n  {field[1]}: {value}\n")
    argv = ["train", "--config", str(config), "--data", str(inputs / "images"), "--out", str(work / "run")]
    code, stderr = keeps_the_contract(argv, inputs, work, [], capsys)
    assert code == EXIT_USAGE and f"{field[0]}.{field[1]} is" in stderr


# What a property cannot draw cheaply


def test_an_interrupted_export_or_report_leaves_out_as_it_was(inputs, capsys, monkeypatch):
    import brainscore_lcl.data.simulation
    import brainscore_lcl.report.build

    def interrupted_export(out, seed):
        (Path(out) / "stim").mkdir(parents=True)
        for index in range(25):
            (Path(out) / "stim" / f"{index}.png").write_bytes(b"partial")
        raise KeyboardInterrupt

    def interrupted_model(model_id, checkpoint):
        raise KeyboardInterrupt

    monkeypatch.setattr(brainscore_lcl.data.simulation, "export_simulated_release", interrupted_export)
    monkeypatch.setattr(brainscore_lcl.report.build, "built_model", interrupted_model)
    work = example_folder(inputs)
    (work / "old").mkdir()
    (work / "old" / "mine.txt").write_text("kept\n")
    for out in (work / "new", work / "old"):
        for argv in (["data", "export", "--source", "sim"], ["report", "--model", "sim-generator"]):
            before = listing(work)
            capsys.readouterr()
            assert main([*argv, "--out", str(out)]) == EXIT_INTERRUPTED
            assert capsys.readouterr().err == "brainscore: interrupted; nothing partial was kept\n"
            assert listing(work) == before


def test_a_failed_report_leaves_no_folder(inputs, capsys):
    work = example_folder(inputs)
    argv = ["report", "--model", "lcl-v2", "--checkpoint", str(inputs / "ckpt" / "no-config.pt")]
    code, _ = keeps_the_contract([*argv, "--out", str(work / "report")], inputs, work, [work / "report"], capsys)
    assert code == EXIT_FAILED


def test_a_second_run_on_the_same_out_is_refused(inputs, capsys):
    from brainscore_lcl.cache import output_folder_transaction

    work = example_folder(inputs)
    with output_folder_transaction(work / "export"):
        code = main(["data", "export", "--source", "sim", "--out", str(work / "export")])
    assert code == EXIT_USAGE
    assert capsys.readouterr().err == (
        f"brainscore: --out {work / 'export'} is being written by another run (it holds {work / '.export.lock'}); "
        "wait for it to finish or choose another folder\n"
    )
    assert [path.name for path in work.iterdir()] == ["export"]  # the first run's (empty) output, nothing else
    assert not list((work / "export").iterdir())


def test_a_cache_on_a_read_only_file_system_is_one_sentence(tmp_path, capsys, monkeypatch):
    """As root (these tests' user) no folder refuses a write, so a read-only mount is stood in for by the error the
    kernel gives: ``EROFS`` from the first folder the command makes in the cache."""
    import brainscore_lcl.cache

    def read_only(*args, dir=None, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(dir))

    monkeypatch.setenv("BRAINSCORE_LCL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(brainscore_lcl.cache.tempfile, "mkdtemp", read_only)
    code = main(["data", "describe", "--source", "sim"])
    assert code == EXIT_FAILED
    assert capsys.readouterr().err == (
        f"brainscore: cannot write {tmp_path / 'cache'} in the cache (a read-only file system); point "
        "BRAINSCORE_LCL_CACHE at a folder you can write to (or free space there)\n"
    )


def test_a_database_on_a_read_only_file_system(inputs, capsys, monkeypatch):
    """The leaderboard reads it (immutable, no journal); score, which writes, refuses it before any work."""
    import brainscore_lcl.paths

    good = inputs / "db" / "good.sqlite"
    monkeypatch.setattr(brainscore_lcl.paths, "read_only_file_system", lambda path: Path(path) == good)
    work = example_folder(inputs)
    argv = ["leaderboard", "--db", f"sqlite:///{good}", "--out", str(work / "site")]
    assert keeps_the_contract(argv, inputs, work, [work / "site"], capsys)[0] == 0
    argv = ["score", "--model", "sim-generator", "--benchmark", SIM_V1, "--db", f"sqlite:///{good}"]
    code, stderr = keeps_the_contract(argv, inputs, example_folder(inputs), [], capsys)
    assert code == EXIT_USAGE
    assert stderr == (
        f"brainscore: --db {good} cannot be written: {good} is on a read-only file system; choose a path on a "
        "writable one\n"
    )


def test_leaderboard_links_stay_in_reports_and_csv_cells_are_not_formulas(tmp_path):
    from brainscore_lcl.results.db import CellKey, ResultsDB
    from brainscore_lcl.results.leaderboard import write_leaderboard

    db = ResultsDB(f"sqlite:///{tmp_path / 'results.sqlite'}")
    for model in ("../../evil", '=HYPERLINK("http://attacker.example","x")', "@sum", "good"):
        db.put_done(CellKey(model, "w", SIM_V1, "data", {}, "code"), {"score": -0.25})
    reports = tmp_path / "site" / "reports"
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / "index.html").write_text("outside --reports")
    (reports / "good").mkdir(parents=True)
    (reports / "good" / "index.html").write_text("a report")
    page = write_leaderboard(db, tmp_path / "site" / "board", reports=reports).read_text()
    assert '"report": "../reports/good/index.html"' in page  # the page's data: the script makes the link
    assert "evil/index.html" not in page
    with open(tmp_path / "site" / "board" / "leaderboard.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["model"] for row in rows) == [
        '\'=HYPERLINK("http://attacker.example","x")',
        "'@sum",
        "../../evil",
        "good",
    ]
    assert {row["score"] for row in rows} == {"-0.25"}  # numbers stay numbers


def test_a_zip_bomb_is_refused_before_anything_is_decompressed(inputs):
    """64 MiB of zeros in 64 kB: refused from the zip's directory, with a peak of Python allocations far below the
    expanded size (tools/bench_zip_bomb.py measures time and memory of a 1 GiB one)."""
    from brainscore_lcl.export.upload import SubmissionCheckError, check_upload_zip

    tracemalloc.start()
    try:
        with pytest.raises(SubmissionCheckError, match="expands to 64.0 MiB"):
            check_upload_zip(inputs / "zips" / "bomb.zip")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


def test_a_valid_upload_zip_still_passes(tmp_path, capsys):
    assert main(["submit", "--check", str(valid_upload_zip(tmp_path / "ok.zip"))]) == 0
