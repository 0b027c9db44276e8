"""Write a submission for Brain-Score: the upload zip, the folder mirroring it, the weights, a manifest and the steps.

Layout of ``DIR`` (``brainscore submit --model ID --out DIR``)::

    submission.zip                                 the upload: submission/<plugin_type>/<plugin_dir>/<files>
    submission/<plugin_type>/<plugin_dir>/         the same files (for a pull request on brain-score/vision)
    weights/<file>                                 the weights, for the website's Large File Upload or the team
    manifest.json                                  {"identifier", "suite_id", "plugin_dir", "zip", "weights", ...}
    SUBMIT.md                                      the steps, with these values

Everything is written into a staging folder beside ``DIR`` and checked there (``checks.check_submission``); ``DIR``
is replaced only when every check passed, so a failed ``submit`` leaves an earlier submission untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from brainscore_lcl import versioned
from brainscore_lcl.errors import RunError, UsageError
from brainscore_lcl.export.checks import check_submission
from brainscore_lcl.export.identifiers import plugin_dirname
from brainscore_lcl.export.models import ModelDescription, plugin_files, weights_entry
from brainscore_lcl.export.steps import submission_steps
from brainscore_lcl.export.upload import write_upload_zip
from brainscore_lcl.paths import resolved

ZIP_NAME = "submission.zip"
ZIP_ROOT = "submission"
#: what ``submit`` writes into ``DIR``; a non-empty ``DIR`` holding anything else is not replaced
SUBMISSION_ENTRIES = {ZIP_NAME, ZIP_ROOT, "weights", "manifest.json", "SUBMIT.md"}


def checked_out_folder(out: str | os.PathLike) -> Path:
    """``out`` as a folder a submission may be written to, checked before any work: not a file, empty or an earlier
    submission, its parent a writable folder; otherwise ``UsageError`` saying what to do."""
    out = resolved(out, "--out").absolute()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder for the submission")
    if out.is_dir():
        foreign = sorted(path.name for path in out.iterdir() if path.name not in SUBMISSION_ENTRIES)
        if foreign or (any(out.iterdir()) and not (out / "manifest.json").is_file()):
            raise UsageError(
                f"--out {out} holds {foreign[0] if foreign else 'files'} and is no earlier submission; "
                "choose a new or empty folder"
            )
    parent = next(folder for folder in out.parents if folder.exists())
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out} cannot be written: {parent} is not a writable folder; choose another --out")
    return out


def replace_folder(staging: Path, out: Path) -> None:
    """Move the checked ``staging`` folder to ``out``, replacing an earlier submission there only after the move."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists():
        staging.rename(out)
        return
    previous = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous-", dir=out.parent))
    out.rename(previous / out.name)
    try:
        staging.rename(out)
    except OSError:
        (previous / out.name).rename(out)
        raise
    finally:
        shutil.rmtree(previous, ignore_errors=True)


def _write_checked(
    staging: Path,
    out: Path,
    identifier: str,
    suite_id: str,
    plugin_type: str,
    files: dict[str, str],
    weights: dict[str, str] | None,
    source: dict,
    details: dict,
    scoring: str,
    warnings: tuple[str, ...],
) -> dict:
    """Write the submission into ``staging`` (to be moved to ``out``), check it and return its manifest."""
    plugin_dir = plugin_dirname(identifier)
    contents = {name: text.encode("utf-8") for name, text in files.items()}
    folder = staging / ZIP_ROOT / plugin_type / plugin_dir
    folder.mkdir(parents=True)
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    entries = write_upload_zip(staging / ZIP_NAME, ZIP_ROOT, plugin_type, plugin_dir, contents)
    manifest_weights = []
    if weights is not None:
        (staging / "weights").mkdir()
        shutil.copyfile(weights["source"], staging / "weights" / weights["filename"])
        manifest_weights.append(
            {
                "file": f"weights/{weights['filename']}",
                **{key: value for key, value in weights.items() if key != "source"},
            }
        )
    manifest = {
        "identifier": identifier,
        "suite_id": suite_id,
        "plugin_type": plugin_type,
        "plugin_dir": plugin_dir,
        "zip": ZIP_NAME,
        "zip_root": ZIP_ROOT,
        "zip_bytes": (staging / ZIP_NAME).stat().st_size,
        "zip_members": entries,
        "weights": manifest_weights,
        "source": source,
        "warnings": list(warnings),
        **details,
    }
    (staging / "manifest.json").write_text(json.dumps(versioned(manifest), indent=2))
    (staging / "SUBMIT.md").write_text(submission_steps(out, manifest, scoring))
    check_submission(staging)
    for path in staging.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    staging.chmod(0o755)
    return manifest


def write_submission(
    out: str | os.PathLike,
    identifier: str,
    suite_id: str,
    plugin_type: str,
    files: dict[str, str],
    weights: dict[str, str] | None,
    source: dict,
    details: dict,
    scoring: str,
    warnings: tuple[str, ...] = (),
) -> dict:
    """Write the submission of the plugin ``files`` registering ``identifier`` (the suite's ``suite_id``) into ``out``
    (layout in the module docstring): built and checked in a staging folder, then moved into place. ``details`` go
    into the manifest, ``scoring`` (what Brain-Score runs) and ``warnings`` into SUBMIT.md. Returns the manifest."""
    out = checked_out_folder(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    except OSError as error:
        raise RunError(f"--out {out} cannot be written ({error.strerror or error}); choose another --out") from None
    try:
        manifest = _write_checked(
            staging, out, identifier, suite_id, plugin_type, files, weights, source, details, scoring, warnings
        )
        replace_folder(staging, out)
    except OSError as error:
        raise RunError(
            f"writing the submission into {out} failed ({error.strerror or error}: "
            f"{error.filename or out.parent}); free space or choose another --out, then run "
            "`brainscore submit` again"
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def submit_model(
    description: ModelDescription,
    out: str | os.PathLike,
    weights_key: str | None = None,
    weights_version: str | None = None,
) -> dict:
    """Write the submission of ``description`` (a suite model as built) into ``out``; returns the manifest.

    ``weights_key`` (and ``weights_version``): where a Large File Upload on brain-score.org put the weights; without
    it, the conventional ``brainscore-vision/models/<plugin_dir>/<file>``. A failed check raises
    ``SubmissionCheckError`` and leaves ``out`` as it was.
    """
    checked_out_folder(out)
    plugin_dir = plugin_dirname(description.identifier)
    weights = weights_entry(description, plugin_dir, weights_key, weights_version)
    regions = ", ".join(f"{region} -> `{layer}`" for region, layer in description.region_layer_map.items())
    return write_submission(
        out,
        description.identifier,
        description.model_id,
        "models",
        plugin_files(description, weights),
        weights,
        source={
            "model": description.model_id,
            "checkpoint": str(description.checkpoint) if description.checkpoint else None,
        },
        details={"commitments": description.commitments, "regions": description.region_reasons},
        scoring=f" gives a `ModelCommitment` with identifier `{description.identifier}` ({regions}; behavioural "
        f"tasks {', '.join(description.tasks)}), {description.visual_degrees} visual degrees; after the "
        "merge Brain-Score scores it on every benchmark of the leaderboard.",
        warnings=description.warnings,
    )
