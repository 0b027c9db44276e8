"""The zip uploaded to brain-score.org: its layout, and this suite's re-statement of the website's upload rules.

Layout (as the website's ``packaging_tutorial.zip``): one root folder holding a plugin-type folder holding the plugin
folder, ``<root>/<plugin_type>/<plugin_dir>/<file>``, with an explicit entry for each of the three folders (the
website finds plugins through those entries), Unix modes 0755 for folders and 0644 for files and fixed timestamps.

Rules restated from brain-score.web ``benchmarks/views/user.py`` (``validate_zip``, ``plugins_exist``,
``plugin_has_instances``, ``instance_has_files``, ``extract_identifiers``, ``validate_identifiers_no_hyphens``,
``under_identifier_limit``) and brain-score/core ``submission/repository.py`` (``find_submission_directory``): at
most 50 MiB (brain-score.web e69aad0 ``benchmarks/views/user.py`` ``file.size / (1024 * 1024) > 50``, on the
uploaded file; this suite applies it to the decompressed total too, read from the zip's directory before anything is
decompressed, so that a small zip that expands to gigabytes is refused at once); no space in any name; no
``metadata.yml``/``metadata.yaml``; one root folder not starting with ``.`` or ``_``; a plugin-type folder
(``models``, ``benchmarks``, ``data`` or ``metrics``) with at least one plugin folder, each holding ``__init__.py``
and ``test.py``; the ids its ``__init__.py`` registers (the website's regular expressions, comments stripped) have
no hyphen, and there is one id in all. This suite adds: no absolute or ``..`` paths, no weight files, nothing
outside the plugin folder, ordinary modes, and entries Python's ``zipfile`` reads: a compression it implements, no
encryption, and each entry's CRC-32 as recorded.
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from brainscore_lcl.errors import RunError

PLUGIN_TYPES = ("models", "benchmarks", "data", "metrics")
#: the website refuses a zip of more than this many MiB (``file.size / (1024 * 1024) > 50``)
MAX_ZIP_MIB = 50
#: ids one upload may register in all (``PLUGIN_LIMIT``)
PLUGIN_LIMIT = 1
#: the website's patterns for registered ids, per plugin type (``extract_identifiers``)
REGISTRY_PATTERNS = {
    "models": re.compile(r"model_registry\['(.+?)'\]"),
    "benchmarks": re.compile(r"benchmark_registry\['(.+?)'\]"),
    "data": re.compile(r"data_registry\['(.+?)'\]"),
    "metrics": re.compile(r"metric_registry\['(.+?)'\]"),
}
REQUIRED_FILES = ("__init__.py", "test.py")
FORBIDDEN_SUFFIXES = ("metadata.yml", "metadata.yaml")
WEIGHT_SUFFIXES = (
    ".pt",
    ".pth",
    ".ckpt",
    ".pkl",
    ".pickle",
    ".h5",
    ".hdf5",
    ".bin",
    ".safetensors",
    ".npy",
    ".npz",
    ".onnx",
    ".tar",
    ".mat",
    ".nc",
)
#: the compressions Python's zipfile decompresses (stored, deflate, bzip2, LZMA), by their zip method numbers
READABLE_COMPRESSIONS = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}
#: bit 0 of an entry's general-purpose flags: the entry is encrypted
ENCRYPTED_FLAG = 0x1
FILE_MODE, FOLDER_MODE = 0o644, 0o755
_TIMESTAMP = (2024, 1, 1, 0, 0, 0)
_UNIX = 3


class SubmissionCheckError(RunError):
    """A submission that breaks one of Brain-Score's rules; the message names the rule and the file."""


def rule_error(rule: str, detail: str) -> SubmissionCheckError:
    """The one sentence of a broken rule: ``rule '<rule>': <detail>``."""
    return SubmissionCheckError(f"rule '{rule}': {detail}")


def _entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_TIMESTAMP)
    info.create_system = _UNIX
    info.external_attr = mode << 16
    if stat.S_ISDIR(mode):
        info.external_attr |= 0x10  # the MS-DOS directory flag, as zip tools write it
    else:
        info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_upload_zip(path: Path, root: str, plugin_type: str, plugin_dir: str, files: dict[str, bytes]) -> list[str]:
    """Write ``files`` ({file name in the plugin folder: bytes}) as ``<root>/<plugin_type>/<plugin_dir>/<name>`` into
    the
    zip ``path``, folders first as explicit entries; returns the entry names in order."""
    folders = [f"{root}/", f"{root}/{plugin_type}/", f"{root}/{plugin_type}/{plugin_dir}/"]
    with zipfile.ZipFile(path, "w") as archive:
        for folder in folders:
            archive.writestr(_entry(folder, stat.S_IFDIR | FOLDER_MODE), b"")
        for name in sorted(files):
            archive.writestr(_entry(folders[-1] + name, stat.S_IFREG | FILE_MODE), files[name])
    return folders + [folders[-1] + name for name in sorted(files)]


@dataclass(frozen=True)
class UploadZip:
    """What a zip that passes every upload rule holds: its root, the one plugin, its files and its registered id."""

    root: str
    plugin_type: str
    plugin_dir: str
    files: dict[str, bytes]
    identifier: str


def _check_entries(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Before anything is decompressed: every entry uses a compression zipfile reads, none is encrypted, and the
    sizes the zip's directory records add up to at most ``MAX_ZIP_MIB`` (zipfile reads no more than the recorded size
    of an entry, and a larger stream fails its CRC check, so the total bounds what reading can expand to)."""
    for info in infos:
        if info.compress_type not in READABLE_COMPRESSIONS:
            raise rule_error(
                "a compression zipfile reads",
                f"{path} holds {info.filename} compressed with method {info.compress_type}, which Python's zipfile "
                f"cannot read; write the zip with {' or '.join(READABLE_COMPRESSIONS.values())} (`brainscore submit` "
                "uses deflate)",
            )
        if info.flag_bits & ENCRYPTED_FLAG:
            raise rule_error(
                "no encrypted entries", f"{path} holds {info.filename} encrypted; write the zip without a password"
            )
    total_mib = sum(info.file_size for info in infos) / 2**20
    if total_mib > MAX_ZIP_MIB:
        raise rule_error(
            "at most 50 MiB", f"{path} expands to {total_mib:.1f} MiB (its entries' recorded sizes); a plugin is code"
        )


def _read_members(path: Path) -> tuple[list[zipfile.ZipInfo], dict[str, bytes]]:
    """Entries and file contents of the zip ``path``; a missing, truncated or corrupt zip (an entry that fails its
    CRC-32 check, a damaged compressed stream), an unreadable compression, an encrypted entry or more than
    ``MAX_ZIP_MIB`` decompressed is one rule sentence."""
    if not path.is_file():
        raise rule_error("the submission has its zip", f"{path} is missing; run `brainscore submit` again")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_entries(path, infos)
            contents = {info.filename: archive.read(info) for info in infos if not info.is_dir()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, zlib.error) as error:
        if "CRC" in str(error):
            raise rule_error("a readable zip", f"{path} is damaged ({error}); run `brainscore submit` again") from None
        raise rule_error(
            "a readable zip", f"{path} is truncated or not a zip file ({error}); run `brainscore submit` again"
        ) from None
    if not infos:
        raise rule_error("a readable zip", f"{path} is empty; run `brainscore submit` again")
    return infos, contents


def _check_names(path: Path, infos: list[zipfile.ZipInfo]) -> str:
    """Rules on entry names; returns the root folder."""
    for info in infos:
        name, pure = info.filename, PurePosixPath(info.filename)
        if " " in name:
            raise rule_error("no spaces in names", f"{path} holds {name!r}")
        if name.lower().endswith(FORBIDDEN_SUFFIXES):
            raise rule_error("no metadata.yml", f"{path} holds {name}; Brain-Score writes the metadata itself")
        if name.startswith("/") or "\\" in name or re.match(r"^[A-Za-z]:", name) or ".." in pure.parts:
            raise rule_error("no absolute or .. paths", f"{path} holds {name}")
        if pure.suffix.lower() in WEIGHT_SUFFIXES:
            raise rule_error(
                "no weight files in the zip",
                f"{path} holds {name}; weights go through the website's "
                "Large File Upload or Brain-Score's team (SUBMIT.md)",
            )
    root = infos[0].filename
    if not (infos[0].is_dir() and root.count("/") == 1) or root.startswith((".", "_")):
        raise rule_error(
            "one root folder, listed first", f"{path} begins with {root!r}, not a folder entry such as 'submission/'"
        )
    strays = sorted(info.filename for info in infos if not info.filename.startswith(root))
    if strays:
        raise rule_error("one root folder, listed first", f"{path} also holds {strays[0]} outside {root}")
    return root.rstrip("/")


def _check_modes(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    for info in infos:
        mode = info.external_attr >> 16
        expected = stat.S_IFDIR | FOLDER_MODE if info.is_dir() else stat.S_IFREG | FILE_MODE
        if info.create_system != _UNIX or mode != expected:
            raise rule_error(
                "ordinary file modes",
                f"{path} holds {info.filename} with mode {oct(mode)}, not "
                f"{oct(expected)}; run `brainscore submit` again",
            )


def _plugin_folder(path: Path, root: str, infos: list[zipfile.ZipInfo]) -> tuple[str, str]:
    """(plugin type, plugin folder) of the one plugin: explicit folder entries, as the website finds them."""
    folders = [info.filename for info in infos if info.is_dir()]
    plugin_types = sorted({name.split("/")[1] for name in folders if name.count("/") == 2} & set(PLUGIN_TYPES))
    if not plugin_types:
        raise rule_error(
            "a plugin-type folder",
            f"{path}: {root}/ holds no folder entry among {list(PLUGIN_TYPES)} "
            f"(the website's 'contains at least one of the following valid "
            f"plugin folders')",
        )
    instances = [name.split("/")[1:3] for name in folders if name.count("/") == 3]
    if len(plugin_types) != 1 or len(instances) != 1:
        raise rule_error(
            "one plugin per submission",
            f"{path} holds the plugin folders {['/'.join(item) for item in instances] or plugin_types}",
        )
    plugin_type, plugin_dir = instances[0]
    if plugin_type not in PLUGIN_TYPES:
        raise rule_error("a plugin-type folder", f"{path}: {plugin_type}/ is not one of {list(PLUGIN_TYPES)}")
    prefix = f"{root}/{plugin_type}/{plugin_dir}/"
    outside = sorted(info.filename for info in infos if not info.is_dir() and not info.filename.startswith(prefix))
    if outside:
        raise rule_error("nothing outside the plugin folder", f"{path} holds {outside[0]}")
    return plugin_type, plugin_dir


def registered_ids_by_website(plugin_type: str, init_text: str) -> list[str]:
    """The ids the website reads from an ``__init__.py``: its pattern on each line, comments stripped."""
    return [
        match
        for line in init_text.splitlines()
        for match in REGISTRY_PATTERNS[plugin_type].findall(line.split("#", 1)[0].strip())
    ]


def check_upload_zip(path: str | Path) -> UploadZip:
    """Check the zip ``path`` against every upload rule (module docstring); returns what it holds, or raises
    ``SubmissionCheckError`` naming the first rule it breaks and the entry."""
    path = Path(path)
    size_mib = path.stat().st_size / 2**20 if path.is_file() else 0
    if size_mib > MAX_ZIP_MIB:
        raise rule_error("at most 50 MiB", f"{path} has {size_mib:.1f} MiB")
    infos, contents = _read_members(path)
    root = _check_names(path, infos)
    _check_modes(path, infos)
    plugin_type, plugin_dir = _plugin_folder(path, root, infos)
    prefix = f"{root}/{plugin_type}/{plugin_dir}/"
    files = {name[len(prefix) :]: data for name, data in contents.items()}
    missing = [name for name in REQUIRED_FILES if name not in files]
    if missing:
        raise rule_error("a plugin has __init__.py and test.py", f"{path}: {prefix} lacks {missing[0]}")
    try:
        ids = registered_ids_by_website(plugin_type, files["__init__.py"].decode("utf-8"))
    except UnicodeDecodeError:
        raise rule_error("UTF-8 source", f"{path}: {prefix}__init__.py is not UTF-8 text") from None
    hyphenated = [identifier for identifier in ids if "-" in identifier]
    if hyphenated:
        raise rule_error(
            "no hyphen in any registered id",
            f"{path}: {prefix}__init__.py registers "
            f"{hyphenated[0]!r}; export with --identifier "
            f"{hyphenated[0].replace('-', '_')!r}",
        )
    if len(set(ids)) != PLUGIN_LIMIT:
        raise rule_error(
            "one registered id per submission", f"{path}: {prefix}__init__.py registers {sorted(set(ids))}"
        )
    return UploadZip(root, plugin_type, plugin_dir, files, ids[0])
