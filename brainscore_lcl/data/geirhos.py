"""Geirhos et al.'s 16-class stimuli and trial-by-trial human decisions (model-vs-human release layout).

Layout of a data root::

    human/<dataset>/*.csv                      one file per observer and session
    stimuli/<dataset>/<category>/<name>.png    e.g. stimuli/cue-conflict/bird/bird3-bird2.png

Decision files (human or model) have the columns ``DECISION_COLUMNS``; ``imagename`` ends with ``_<stimulus file
name>``. The default root is ``$BRAINSCORE_LCL_GEIRHOS_ROOT``, else ``../shared/data/geirhos`` beside the project.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from brainscore_lcl.cache import atomic_path
from brainscore_lcl.data.sources import DataUnavailableError
from brainscore_lcl.errors import RunError, UsageError
from brainscore_lcl.metrics.behaviour import CATEGORIES, NO_ANSWER, stimulus_key
from brainscore_lcl.paths import existing_file

DATASETS = ("cue-conflict", "edge", "silhouette")
DECISION_COLUMNS = ("subj", "session", "trial", "rt", "object_response", "category", "condition", "imagename")
ROOT_VARIABLE = "BRAINSCORE_LCL_GEIRHOS_ROOT"
PROJECT_DATA_ROOT = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "geirhos"


class DecisionsFileError(RunError, ValueError):
    """A malformed decisions file; the message names the file, row and column."""


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The Geirhos data folder: ``root``, else ``$BRAINSCORE_LCL_GEIRHOS_ROOT``, else the project's shared data."""
    folder = Path(root or os.environ.get(ROOT_VARIABLE) or PROJECT_DATA_ROOT).resolve()
    if not (folder / "human").is_dir() or not (folder / "stimuli").is_dir():
        raise DataUnavailableError(
            f"no Geirhos data at {folder}: pass --data-root DIR (or set ${ROOT_VARIABLE}) "
            "holding human/<dataset>/*.csv and stimuli/<dataset>/<category>/*.png "
            "(the model-vs-human release)"
        )
    return folder


def check_dataset(dataset: str) -> str:
    """``dataset`` if it is one of ``DATASETS``, else a ``ValueError`` naming them."""
    if dataset not in DATASETS:
        raise UsageError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
    return dataset


def _read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of one decisions CSV, checked; each row also gets ``file``, ``row`` (1 = header) and ``stimulus``."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [column for column in DECISION_COLUMNS if column not in header]
            if missing:
                raise DecisionsFileError(
                    f"{path} row 1 (header): column {missing[0]!r} is missing; a decisions file "
                    f"has the columns {', '.join(DECISION_COLUMNS)}"
                )
            rows = []
            for row_number, row in enumerate(reader, start=2):
                rows.append(_checked_row(path, row_number, row, len(header)))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DecisionsFileError(f"{path} cannot be read as a CSV file ({error})") from None
    if not rows:
        raise DecisionsFileError(f"{path} row 2: the file holds a header but no decisions")
    return rows


def _checked_row(path: Path, row_number: int, row: dict[str | None, str | None], n_columns: int) -> dict[str, str]:
    where = f"{path} row {row_number}"
    if None in row or any(row[column] is None for column in DECISION_COLUMNS):
        n_fields = sum(value is not None for key, value in row.items() if key is not None) + len(row.get(None) or ())
        raise DecisionsFileError(
            f"{where}: has {n_fields} fields where the header names {n_columns}; check the delimiters and quoting"
        )
    values = {column: row[column].strip() for column in DECISION_COLUMNS}
    if values["object_response"] not in CATEGORIES and values["object_response"] != NO_ANSWER:
        raise DecisionsFileError(
            f"{where}, column object_response: {values['object_response']!r} is neither one "
            f"of the 16 categories ({', '.join(CATEGORIES)}) nor {NO_ANSWER!r}"
        )
    if values["category"] not in CATEGORIES:
        raise DecisionsFileError(
            f"{where}, column category: {values['category']!r} is not one of the 16 "
            f"categories ({', '.join(CATEGORIES)})"
        )
    if not values["imagename"].lower().endswith((".png", ".jpg", ".jpeg")):
        raise DecisionsFileError(
            f"{where}, column imagename: {values['imagename']!r} does not end with an image "
            "file name (e.g. 0001_..._bird3-bird2.png)"
        )
    if values["condition"] == "":
        raise DecisionsFileError(
            f"{where}, column condition: empty; give the condition (0 for the 16-class "
            "cue-conflict, edge and silhouette sets)"
        )
    for column in ("session", "trial"):
        if not values[column].lstrip("-").isdigit():
            raise DecisionsFileError(f"{where}, column {column}: {values[column]!r} is not an integer")
    try:
        rt = float(values["rt"]) if values["rt"] else math.nan
    except ValueError:
        raise DecisionsFileError(
            f"{where}, column rt: {values['rt']!r} is not a number (write NaN when there is no reaction time)"
        ) from None
    return {**values, "rt": rt, "file": str(path), "row": row_number, "stimulus": stimulus_key(values["imagename"])}


def read_decisions(paths: Sequence[str | os.PathLike]) -> pd.DataFrame:
    """The decisions of one observer (human or model) from one or more CSV files (e.g. sessions), checked:
    one ``subj``, each stimulus once. Columns ``DECISION_COLUMNS`` plus ``file``, ``row`` and ``stimulus``."""
    rows = []
    for path in paths:
        path = existing_file(path, "decisions file", "pass the CSV files of one observer", DecisionsFileError)
        rows.extend(_read_rows(path))
    frame = pd.DataFrame(rows)
    observers = sorted(frame["subj"].unique())
    if len(observers) > 1:
        first_other = frame[frame["subj"] != frame["subj"].iloc[0]].iloc[0]
        raise DecisionsFileError(
            f"{first_other['file']} row {first_other['row']}, column subj: "
            f"{first_other['subj']!r} differs from {frame['subj'].iloc[0]!r}; the files of one "
            f"call must hold one observer's decisions (found {', '.join(observers)})"
        )
    repeated = frame[frame.duplicated("stimulus", keep="first")]
    if len(repeated):
        again = repeated.iloc[0]
        first = frame[frame["stimulus"] == again["stimulus"]].iloc[0]
        raise DecisionsFileError(
            f"{again['file']} row {again['row']}, column imagename: stimulus "
            f"{again['stimulus']!r} was already decided in {first['file']} row {first['row']}"
        )
    return frame


def read_humans(dataset: str, root: str | os.PathLike | None = None) -> pd.DataFrame:
    """All human decisions of ``dataset`` (every observer's files), checked like any decisions file."""
    folder = data_root(root) / "human" / check_dataset(dataset)
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise DataUnavailableError(
            f"no human decision files (*.csv) in {folder}; the model-vs-human release has them "
            f"under raw-data/{dataset}/"
        )
    frame = pd.DataFrame([row for path in files for row in _read_rows(path)])
    return frame.sort_values(["subj", "stimulus"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class HumanTrials:
    """Human decisions of one data set as aligned arrays: ``responses`` (h, n) of observers ``subjects`` (h,) on the
    stimuli ``stimuli`` (n,, sorted), with their true (shape) ``category``, ``condition`` and texture-bearing
    ``imagename`` (n,). Only stimuli that every observer saw are kept."""

    subjects: np.ndarray
    stimuli: np.ndarray
    responses: np.ndarray
    category: np.ndarray
    condition: np.ndarray
    imagename: np.ndarray


def human_trials(dataset: str, root: str | os.PathLike | None = None) -> HumanTrials:
    """``read_humans`` aligned by stimulus into observers x stimuli arrays."""
    frame = read_humans(dataset, root)
    table = frame.pivot_table(index="subj", columns="stimulus", values="object_response", aggfunc="first")
    table = table.dropna(axis=1).sort_index(axis=1)
    stimuli = table.columns.to_numpy()
    first = frame.drop_duplicates("stimulus").set_index("stimulus").loc[stimuli]
    return HumanTrials(
        subjects=table.index.to_numpy(),
        stimuli=stimuli,
        responses=table.to_numpy(),
        category=first["category"].to_numpy(),
        condition=first["condition"].astype(str).to_numpy(),
        imagename=first["imagename"].to_numpy(),
    )


def stimulus_paths(dataset: str, root: str | os.PathLike | None = None) -> dict[str, Path]:
    """{stimulus file name: path} of the stimuli of ``dataset`` (``stimuli/<dataset>/<category>/*.png``)."""
    folder = data_root(root) / "stimuli" / check_dataset(dataset)
    paths = {path.name: path for path in sorted(folder.glob("*/*.png"))}
    if not paths:
        raise DataUnavailableError(f"no stimuli in {folder}; expected {folder}/<category>/<name>.png")
    return paths


def stimulus_set(datasets: Sequence[str], root: str | os.PathLike | None = None):
    """Brain-Score ``StimulusSet`` of the stimuli of ``datasets`` (one set, so that a model sees them in one pass):
    ``stimulus_id`` = ``<dataset>/<file name>``, ``dataset``, ``stimulus`` = the file name (the key that matches human
    trials), ``category`` = its folder (shape category). Its identifier carries a digest of the files' names and
    sizes, so changed data never reuse cached activations."""
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    paths = {f"{dataset}/{name}": path for dataset in datasets for name, path in stimulus_paths(dataset, root).items()}
    digest = hashlib.sha1(
        "".join(
            f"{identifier}:{path.parent.name}:{path.stat().st_size};" for identifier, path in paths.items()
        ).encode()
    ).hexdigest()[:12]
    stimuli = StimulusSet(
        {
            "stimulus_id": list(paths),
            "dataset": [key.split("/")[0] for key in paths],
            "stimulus": [path.name for path in paths.values()],
            "category": [path.parent.name for path in paths.values()],
            "filename": [str(path) for path in paths.values()],
        }
    )
    stimuli.stimulus_paths = dict(paths)
    stimuli.identifier = f"brainscore-lcl.Geirhos-{'+'.join(datasets)}-{digest}"
    return stimuli


def write_decisions(path: str | os.PathLike, frame: pd.DataFrame) -> Path:
    """Write decisions (columns ``DECISION_COLUMNS``) as a CSV in the human files' format, atomically; returns the
    path."""
    with atomic_path(path) as temporary:
        frame.loc[:, list(DECISION_COLUMNS)].to_csv(temporary, index=False, na_rep="NaN")
    return Path(path)
