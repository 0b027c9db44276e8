"""Pre-flight checks of a submission written by ``brainscore submit`` (``brainscore submit --check DIR|ZIP``).

What is checked is the zip that is uploaded, not only the folder beside it. Each failure is one
``SubmissionCheckError`` sentence naming the rule and the file:

- every upload rule of brain-score.org (``upload.check_upload_zip``);
- in the zip's plugin: ``__init__.py`` holds only imports from brainscore_vision and literal registrations, each on
  one line that Brain-Score's own id parser (greedy on ``]``) reads back; the plugin folder name is a Python package
  name new to the installed brainscore_vision, and so is the id; no Python file imports ``brainscore_lcl``
  (statements, ``__import__`` and ``import_module``);
- in a submission folder: ``manifest.json`` is JSON naming the zip's id and plugin, the folder beside the zip holds
  exactly the zip's files, byte for byte, and each weights file is present with the manifest's sha256.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from brainscore_lcl.export.models import file_digests
from brainscore_lcl.export.sources import is_suite_module
from brainscore_lcl.export.upload import SubmissionCheckError, UploadZip, check_upload_zip, rule_error

__all__ = ["SubmissionCheckError", "check_submission", "check_zip_contents"]

PLUGIN_DIR_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
REGISTRIES = {
    "models": "model_registry",
    "benchmarks": "benchmark_registry",
    "data": "data_registry",
    "metrics": "metric_registry",
}
MANIFEST_KEYS = ("identifier", "plugin_type", "plugin_dir", "zip", "weights")


def brainscore_plugin_dirs(plugin_type: str) -> set[str]:
    """Folder names of the installed brainscore_vision's ``plugin_type`` ("models" / "benchmarks") plugins."""
    import brainscore_vision

    folder = Path(brainscore_vision.__file__).parent / plugin_type
    return {path.name for path in folder.iterdir() if path.is_dir()} if folder.is_dir() else set()


def literal_registrations(source: str, where: str, registry: str) -> list[str]:
    """Ids registered in the ``__init__.py`` text ``source`` (``where`` names it) as ``<registry>['<id>'] = ...``,
    checked line by line (module docstring)."""
    try:
        tree = ast.parse(source, filename=where)
    except SyntaxError as error:
        raise rule_error("valid Python", f"{where} line {error.lineno}: {error.msg}") from None
    lines = source.splitlines()
    ids = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "brainscore_vision" and not node.level:
            continue
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        if not (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and target.value.id == registry
            and isinstance(target.slice, ast.Constant)
            and isinstance(target.slice.value, str)
        ):
            raise rule_error(
                "only imports from brainscore_vision and literal registrations",
                f"{where} line {node.lineno} is neither",
            )
        identifier = target.slice.value
        if node.lineno != node.end_lineno:
            raise rule_error(
                "one literal line per registration",
                f"{where} registers {identifier!r} over lines {node.lineno}-{node.end_lineno}",
            )
        parsed = re.search(rf"{registry}\[.*\]", lines[node.lineno - 1].replace('"', "'"))
        if parsed is None or parsed.group(0)[len(registry) + 2 : -2] != identifier:
            raise rule_error(
                "Brain-Score's greedy id parser reads the id back",
                f"{where} line {node.lineno} has a ']' after the key {identifier!r}",
            )
        ids.append(identifier)
    return ids


def suite_imports(source: str, where: str) -> list[str]:
    """Modules of this suite that the Python text ``source`` imports (statements, ``__import__``, ``import_module``)."""
    try:
        tree = ast.parse(source, filename=where)
    except SyntaxError as error:
        raise rule_error("valid Python", f"{where} line {error.lineno}: {error.msg}") from None
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if is_suite_module(alias.name)]
        elif isinstance(node, ast.ImportFrom) and not node.level and is_suite_module(node.module):
            found.append(node.module)
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("__import__", "import_module")
            and isinstance(node.args[0].value, str)
            and is_suite_module(node.args[0].value)
        ):
            found.append(node.args[0].value)
    return found


def check_zip_contents(upload: UploadZip, where: str) -> None:
    """The plugin rules (module docstring) on the files of the checked zip ``upload`` (``where``: the zip's path)."""
    from brainscore_lcl.scoring import brainscore_vision_ids

    prefix = f"{where}: {upload.root}/{upload.plugin_type}/{upload.plugin_dir}/"
    if not PLUGIN_DIR_PATTERN.match(upload.plugin_dir):
        raise rule_error("legal plugin folder name", f"{prefix} is not a Python package name starting with a letter")
    if upload.plugin_dir in brainscore_plugin_dirs(upload.plugin_type):
        raise rule_error(
            "new plugin folder",
            f"{prefix}: brainscore_vision already has {upload.plugin_type}/"
            f"{upload.plugin_dir}; export under another --identifier",
        )
    texts = {}
    for name, data in upload.files.items():
        if name.endswith(".py"):
            try:
                texts[name] = data.decode("utf-8")
            except UnicodeDecodeError:
                raise rule_error("UTF-8 source", f"{prefix}{name} is not UTF-8 text") from None
    ids = literal_registrations(texts["__init__.py"], f"{prefix}__init__.py", REGISTRIES[upload.plugin_type])
    if ids != [upload.identifier]:
        raise rule_error("one registration of one id", f"{prefix}__init__.py registers {ids}")
    if upload.identifier in brainscore_vision_ids(upload.plugin_type.rstrip("s")):
        raise rule_error(
            "the id is new to brainscore_vision",
            f"{upload.identifier!r} of {prefix}__init__.py is "
            "already registered there; export under another "
            "--identifier",
        )
    for name, text in sorted(texts.items()):
        imported = suite_imports(text, f"{prefix}{name}")
        if imported:
            raise rule_error("no brainscore_lcl import", f"{prefix}{name} imports {imported[0]}")


def read_manifest(out: Path) -> dict:
    """``out/manifest.json`` with the keys a check needs; a missing or malformed one is one rule sentence."""
    path = out / "manifest.json"
    if not path.is_file():
        raise rule_error(
            "a submission has a manifest",
            f"{path} is missing; write the folder with `brainscore submit --model ID --out DIR`",
        )
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise rule_error("the manifest is JSON", f"{path} is not ({error}); run `brainscore submit` again") from None
    missing = [key for key in MANIFEST_KEYS if not isinstance(manifest, dict) or key not in manifest]
    if missing:
        raise rule_error("the manifest is complete", f"{path} has no {missing[0]!r}; run `brainscore submit` again")
    wrong = [key for key in MANIFEST_KEYS[:4] if not isinstance(manifest[key], str)]
    if not isinstance(manifest["weights"], list):
        wrong.append("weights")
    else:
        for index, entry in enumerate(manifest["weights"]):
            if not isinstance(entry, dict) or not all(isinstance(entry.get(key), str) for key in ("file", "sha256")):
                wrong.append(f"weights[{index}]")
    if wrong:
        entry = "{'file': NAME, 'sha256': HEX}"
        expected = {"weights": f"a list of {entry}"}.get(wrong[0], entry if wrong[0].startswith("weights") else "text")
        raise rule_error(
            "the manifest is complete",
            f"{path} has {wrong[0]!r} of the wrong type (expected {expected}); run `brainscore submit` again",
        )
    return manifest


def manifest_path(out: Path, name: str) -> Path:
    """``out / name`` for a path the manifest names (the zip, a weights file): a relative path inside ``out``, never
    an absolute or ``..`` one, so a check reads nothing outside the submission folder."""
    from brainscore_lcl.paths import resolved

    inside = not Path(name).is_absolute() and ".." not in Path(name).parts and name
    if not inside or not resolved(out / name, "the manifest's file").resolve().is_relative_to(out.resolve()):
        raise rule_error(
            "the manifest names files in its folder",
            f"{out / 'manifest.json'} names {name!r}, which lies outside {out}; run `brainscore submit` again",
        )
    return out / name


def check_folder_mirrors_zip(out: Path, upload: UploadZip, zip_path: Path) -> None:
    """The folder ``out/<root>/<type>/<plugin>/`` holds exactly the zip's files, byte for byte."""
    folder = out / upload.root / upload.plugin_type / upload.plugin_dir
    if not folder.is_dir():
        raise rule_error("the folder mirrors the zip", f"{folder} is missing; run `brainscore submit` again")
    on_disk = {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    for name in sorted(on_disk | set(upload.files)):
        if name not in upload.files or name not in on_disk or (folder / name).read_bytes() != upload.files[name]:
            raise rule_error(
                "the folder mirrors the zip",
                f"{folder / name} differs from its copy in {zip_path} "
                "(or exists in only one); run `brainscore submit` again",
            )


def check_submission(target: str | Path) -> dict:
    """Run every rule on a submission folder (or on an upload zip alone); returns the folder's manifest (for a zip:
    its id, plugin type and plugin folder). Raises ``SubmissionCheckError``."""
    target = Path(target)
    if target.is_file():
        upload = check_upload_zip(target)
        check_zip_contents(upload, str(target))
        return {
            "identifier": upload.identifier,
            "plugin_type": upload.plugin_type,
            "plugin_dir": upload.plugin_dir,
            "zip": target.name,
            "zip_bytes": target.stat().st_size,
            "weights": [],
        }
    manifest = read_manifest(target)
    zip_path = manifest_path(target, manifest["zip"])
    upload = check_upload_zip(zip_path)
    check_zip_contents(upload, str(zip_path))
    if (manifest["identifier"], manifest["plugin_type"], manifest["plugin_dir"]) != (
        upload.identifier,
        upload.plugin_type,
        upload.plugin_dir,
    ):
        named = f"{manifest['identifier']!r} in {manifest['plugin_type']}/{manifest['plugin_dir']}"
        raise rule_error(
            "the manifest names the zip's plugin",
            f"{target / 'manifest.json'} names {named}, the zip "
            f"{upload.identifier!r} in {upload.plugin_type}/"
            f"{upload.plugin_dir}; run `brainscore submit` again",
        )
    check_folder_mirrors_zip(target, upload, zip_path)
    for weights in manifest["weights"]:
        path = manifest_path(target, weights["file"])
        if not path.is_file():
            raise rule_error("the weights are beside the zip", f"{path} is missing; run `brainscore submit` again")
        if file_digests(path)["sha256"] != weights["sha256"]:
            raise rule_error(
                "weights match the manifest",
                f"{path} does not have sha256 {weights['sha256']}; run `brainscore submit` again",
            )
    return manifest
