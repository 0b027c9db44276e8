"""Pre-flight checks of a submission folder written by ``brainscore submit`` (``brainscore submit --check DIR``).

Rules (each failure is one ``SubmissionCheckError`` sentence naming the rule and the file):

- every registered id is new to the installed brainscore_vision and registered exactly once, on one literal line
  that Brain-Score's own id parser (greedy on ``]``) reads back as the same id;
- ``__init__.py`` holds only imports from brainscore_vision and literal registrations;
- plugin folder names are legal (a Python package name, not starting with ``_`` or ``.``, not already taken);
- no Python file imports ``brainscore_lcl`` (checked on the syntax tree, ``__import__``/``import_module`` included);
- ``submission.zip`` holds one top-level folder, is under 50 MB, and has no weight files, no ``metadata.yml`` and
  no absolute or ``..`` paths.
"""
from __future__ import annotations

import ast
import json
import re
import zipfile
from pathlib import Path, PurePosixPath

from brainscore_lcl.errors import RunError
from brainscore_lcl.export.sources import is_suite_module

MAX_ZIP_BYTES = 50 * 1000 * 1000
WEIGHT_SUFFIXES = (".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".h5", ".hdf5", ".bin", ".safetensors", ".npy", ".npz",
                   ".onnx", ".tar", ".mat", ".nc")
FORBIDDEN_NAMES = ("metadata.yml", "metadata.yaml")
PLUGIN_DIR_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
REGISTRIES = {"models": "model_registry", "benchmarks": "benchmark_registry"}


class SubmissionCheckError(RunError):
    """A submission that breaks one of Brain-Score's rules; the message names the rule and the file."""


def brainscore_plugin_dirs(plugin_type: str) -> set[str]:
    """Folder names of the installed brainscore_vision's ``plugin_type`` ("models" / "benchmarks") plugins."""
    import brainscore_vision

    return {path.name for path in (Path(brainscore_vision.__file__).parent / plugin_type).iterdir() if path.is_dir()}


def registered_ids(init_file: Path, registry: str) -> list[str]:
    """Ids registered in ``init_file`` as ``<registry>['<id>'] = ...``, checked line by line (rules above)."""
    tree = ast.parse(init_file.read_text(), filename=str(init_file))
    lines = init_file.read_text().splitlines()
    ids = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "brainscore_vision" and not node.level:
            continue
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                and target.value.id == registry and isinstance(target.slice, ast.Constant)
                and isinstance(target.slice.value, str)):
            raise SubmissionCheckError(f"rule 'only imports from brainscore_vision and literal registrations': "
                                       f"{init_file} line {node.lineno} is neither")
        identifier = target.slice.value
        if node.lineno != node.end_lineno:
            raise SubmissionCheckError(f"rule 'one literal line per registration': {init_file} registers "
                                       f"{identifier!r} over lines {node.lineno}-{node.end_lineno}")
        parsed = re.search(rf"{registry}\[.*\]", lines[node.lineno - 1].replace('"', "'"))
        if parsed is None or parsed.group(0)[len(registry) + 2:-2] != identifier:
            raise SubmissionCheckError(f"rule 'Brain-Score's greedy id parser reads the id back': {init_file} line "
                                       f"{node.lineno} has a ']' after the key {identifier!r}")
        ids.append(identifier)
    return ids


def suite_imports(path: Path) -> list[str]:
    """Modules of this suite that the Python file ``path`` imports (statements, ``__import__``, ``import_module``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if is_suite_module(alias.name)]
        elif isinstance(node, ast.ImportFrom) and not node.level and is_suite_module(node.module):
            found.append(node.module)
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("__import__", "import_module")
              and isinstance(node.args[0].value, str) and is_suite_module(node.args[0].value)):
            found.append(node.args[0].value)
    return found


def check_plugin_folder(folder: Path, plugin_type: str, existing_ids: set[str]) -> list[str]:
    """Check one plugin folder (``.../<plugin_type>/<name>``); returns the ids it registers."""
    name = folder.name
    if not PLUGIN_DIR_PATTERN.match(name):
        raise SubmissionCheckError(f"rule 'legal plugin folder name' (a Python package name not starting with _ or .): "
                                   f"{folder} is not one")
    if name in brainscore_plugin_dirs(plugin_type):
        raise SubmissionCheckError(f"rule 'new plugin folder': brainscore_vision already has {plugin_type}/{name} "
                                   f"({folder}); export under another --identifier")
    init_file = folder / "__init__.py"
    if not init_file.is_file():
        raise SubmissionCheckError(f"rule 'a plugin has an __init__.py': {init_file} is missing")
    ids = registered_ids(init_file, REGISTRIES[plugin_type])
    if not ids:
        raise SubmissionCheckError(f"rule 'a plugin registers an id': {init_file} registers none")
    for identifier in ids:
        if identifier in existing_ids:
            raise SubmissionCheckError(f"rule 'the id is new to brainscore_vision': {identifier!r} of {init_file} is "
                                       "already registered there; export under another --identifier")
        if ids.count(identifier) > 1:
            raise SubmissionCheckError(f"rule 'one registration per id': {init_file} registers {identifier!r} "
                                       f"{ids.count(identifier)} times")
    for path in sorted(folder.rglob("*.py")):
        imported = suite_imports(path)
        if imported:
            raise SubmissionCheckError(f"rule 'no brainscore_lcl import': {path} imports {imported[0]}")
    return ids


def check_zip(path: Path) -> list[str]:
    """Check ``submission.zip``; returns its member names."""
    if not path.is_file():
        raise SubmissionCheckError(f"rule 'the submission has a zip': {path} is missing; run `brainscore submit` again")
    if path.stat().st_size >= MAX_ZIP_BYTES:
        raise SubmissionCheckError(f"rule 'zip under 50 MB': {path} has {path.stat().st_size / 1e6:.1f} MB")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    for member in names:
        pure = PurePosixPath(member)
        if member.startswith("/") or re.match(r"^[A-Za-z]:", member) or ".." in pure.parts:
            raise SubmissionCheckError(f"rule 'no absolute or .. paths in the zip': {path} holds {member}")
        if pure.name.lower() in FORBIDDEN_NAMES:
            raise SubmissionCheckError(f"rule 'no metadata.yml in the zip': {path} holds {member}")
        if pure.suffix.lower() in WEIGHT_SUFFIXES:
            raise SubmissionCheckError(f"rule 'no weight files in the zip' (they go to Brain-Score's team): "
                                       f"{path} holds {member}")
    tops = {PurePosixPath(member).parts[0] for member in names}
    if len(tops) != 1 or next(iter(tops)).startswith((".", "_")):
        raise SubmissionCheckError(f"rule 'one top-level folder in the zip' (Brain-Score unpacks the single folder): "
                                   f"{path} has {sorted(tops)}")
    return names


def check_submission(out: str | Path) -> dict:
    """Run every rule on the submission folder ``out``; returns its manifest. Raises ``SubmissionCheckError``."""
    from brainscore_lcl.scoring import brainscore_vision_ids

    out = Path(out)
    manifest_path = out / "manifest.json"
    if not manifest_path.is_file():
        raise SubmissionCheckError(f"rule 'a submission has a manifest': {manifest_path} is missing; "
                                   "write the folder with `brainscore submit --model ID --out DIR`")
    manifest = json.loads(manifest_path.read_text())
    plugin_type = manifest.get("plugin_type", "models")
    folder = out / "plugin" / plugin_type / manifest["plugin_dir"]
    ids = check_plugin_folder(folder, plugin_type, set(brainscore_vision_ids(plugin_type.rstrip("s"))))
    if manifest["identifier"] not in ids:
        raise SubmissionCheckError(f"rule 'the manifest names the registered id': {manifest_path} names "
                                   f"{manifest['identifier']!r} but {folder / '__init__.py'} registers {ids}")
    names = check_zip(out / manifest["zip"])
    expected = sorted(f"{manifest['plugin_dir']}/{path.relative_to(folder).as_posix()}"
                      for path in folder.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    if sorted(name for name in names if not name.endswith("/")) != expected:
        raise SubmissionCheckError(f"rule 'the zip holds the plugin folder': {out / manifest['zip']} differs from "
                                   f"{folder}; run `brainscore submit` again")
    for weights in manifest.get("weights", []):
        from brainscore_lcl.export.models import file_digests

        if file_digests(out / weights["file"])["sha256"] != weights["sha256"]:
            raise SubmissionCheckError(f"rule 'weights match the manifest': {out / weights['file']} does not have "
                                       f"sha256 {weights['sha256']}")
    return manifest
