"""Local copy of the Freeman & Ziemba (2013) raw release, read into Brain-Score's FreemanZiemba2013 assembly schema.

Release layout (root folder): ``FreemanZiemba2013_V1V2data.mat`` (MATLAB v7.3 = HDF5; arrays ``v1`` and ``v2``, seen
through h5py as cell x time bin x repetition x sample x texture type x family, type 0 = noise, 1 = texture, families
in ``FAMILIES`` order; optional ``bin_ms``, default 1 ms) and ``stim/<tex|noise>-320x320-im<family>-smp<k>.png``.
Conventions follow Brain-Score's packaging (``brainscore_vision/data/freemanziemba2013/data_packaging``): presentations
stacked as (texture type, family, sample, repetition); the 4-degree raised-cosine aperture on gray of
``aperture_correct.py``; stimulus ids = sha1 of the aperture PNG; the public/private split of ``data_packaging.py``;
and the windowing and repetition averaging of the benchmark's ``load_assembly``.
"""

from __future__ import annotations

import functools
import hashlib
import os
import warnings
from pathlib import Path

import h5py
import imageio.v2 as imageio
import numpy as np
import pandas as pd
from brainscore_core.supported_data_standards.brainio.assemblies import NeuronRecordingAssembly
from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet
from brainscore_vision.benchmark_helpers.neural_common import average_repetition
from numpy.random.mtrand import RandomState
from PIL import Image
from sklearn.model_selection import StratifiedShuffleSplit

from brainscore_lcl.cache import MANIFEST_FILE, ensure_folder, intact_manifest, read_json, write_manifest
from brainscore_lcl.data.facts import (
    BRAINSCORE_WINDOW_MS,
    FAMILIES,
    N_IMAGES,
    N_SAMPLES,
    RECORDING_MS,
    REGIONS,
    TEXTURE_TYPES,
)
from brainscore_lcl.errors import RunError, UsageError

ACCESSES = ("public", "private", "all")
MAT_FILE_NAME = "FreemanZiemba2013_V1V2data.mat"
RESOLUTION = "320x320"
APERTURE_VERSION = "v1"
_FILE_PREFIX = {"noise": "noise", "texture": "tex"}


class DataUnavailableError(RunError):
    """Data that a source needs cannot be obtained (offline, no access, or missing local files)."""


class MalformedDataError(RunError, ValueError):
    """A local data file exists but does not have the release's layout."""


def raw_image_name(texture_type: str, family: int, sample: int) -> str:
    """Release file name, e.g. ``tex-320x320-im327-smp1.png`` (texture_type in {"texture", "noise"})."""
    return f"{_FILE_PREFIX[texture_type]}-{RESOLUTION}-im{int(family)}-smp{int(sample)}.png"


@functools.lru_cache(maxsize=8)
def cosine_aperture_mask(size: int = 320, degrees: float = 4.0, aperture_degrees: float = 4.0) -> np.ndarray:
    """Raised-cosine window of Brain-Score's ApplyCosineAperture (aperture_correct.py), (size, size) in [0, 1]."""
    radius = aperture_degrees * (size / degrees) / 2
    coords = np.arange(size) - size / 2
    xv, yv = np.meshgrid(coords, coords)
    distance = np.sqrt(xv**2 + yv**2)
    mask = 1 / 2 * (1 + np.cos(distance / radius * np.pi))
    mask[np.logical_not(xv**2 + yv**2 < radius**2)] = 0
    return mask


def apply_cosine_aperture(image: np.ndarray, gray: int = 128, size: int = 320) -> np.ndarray:
    """Brain-Score's 4-degree raised-cosine aperture on gray: uint8 (size, size) -> uint8 (size, size); ``size``: the
    side the image must have (the release's 320 px; the window spans the whole square at any size)."""
    if image.shape != (size, size):
        raise MalformedDataError(
            f"stimulus has shape {image.shape}; the stimuli are {size}x{size} grayscale"
            + (" in the release" if size == 320 else "")
        )
    return np.uint8((image - gray * np.ones(image.shape)) * cosine_aperture_mask(size) + gray * np.ones(image.shape))


def _read_grayscale(path: Path) -> np.ndarray:
    try:
        image = np.asarray(Image.open(path))
    except OSError as error:
        raise MalformedDataError(f"cannot read stimulus {path}: {error}") from error
    if image.ndim == 3 and np.all(image[..., :3] == image[..., :1]):
        image = image[..., 0]
    if image.ndim != 2:
        raise MalformedDataError(f"stimulus {path} is not grayscale; the release's stimuli are 8-bit grayscale")
    return image


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def _canonical_rows() -> list[tuple[str, int, int]]:
    """(texture_type, family, sample) in the release's stacked presentation order."""
    return [
        (texture_type, family, sample)
        for texture_type in TEXTURE_TYPES
        for family in FAMILIES
        for sample in range(1, N_SAMPLES + 1)
    ]


def _check_root(data_root) -> Path:
    if data_root is None:
        raise DataUnavailableError(
            f"no FreemanZiemba2013 data root given: pass --data-root DIR or set "
            f"BRAINSCORE_LCL_FZ_ROOT to the folder holding {MAT_FILE_NAME} and stim/"
        )
    root = Path(data_root).expanduser()
    if not root.is_dir():
        raise DataUnavailableError(
            f"FreemanZiemba2013 data root {root} does not exist; point --data-root or "
            f"BRAINSCORE_LCL_FZ_ROOT at the folder holding {MAT_FILE_NAME} and stim/"
        )
    return root


def _aperture_cache_dir() -> Path:
    return (
        Path(os.environ.get("BRAINSCORE_LCL_CACHE", "~/.cache/brainscore_lcl")).expanduser()
        / f"fz2013-aperture-{APERTURE_VERSION}"
    )


def _digest(raw_sha1s: list[str]) -> str:
    return hashlib.sha1("".join(raw_sha1s).encode()).hexdigest()


def stimuli_digest(data_root) -> str:
    """sha1 over the release's 450 stimulus files (stacked order): names a stimulus set by its content."""
    root = _check_root(data_root)
    paths = [root / "stim" / raw_image_name(*row) for row in _canonical_rows()]
    missing = [path for path in paths if not path.is_file()]
    if missing:
        raise DataUnavailableError(
            f"{len(missing)} of {N_IMAGES} FreemanZiemba2013 stimuli are missing, e.g. "
            f"{missing[0]}; the release keeps them as "
            "stim/<tex|noise>-320x320-im<family>-smp<k>.png"
        )
    return _digest([_sha1(path) for path in paths])


def _write_placed(raw_paths: list[Path], out_dir: Path) -> None:
    for raw_path in raw_paths:
        imageio.imwrite(out_dir / raw_path.name, apply_cosine_aperture(_read_grayscale(raw_path)))
    write_manifest(out_dir)


def placed_stimuli(raw_paths: list[Path], raw_sha1s: list[str]) -> list[tuple[str, Path]]:
    """(sha1, path) of the release's stimuli with Brain-Score's aperture applied, in the order of ``raw_paths``: PNGs
    of the same names in a cache folder (``<cache>/fz2013-aperture-<version>/<digest of the raw stimuli>``) written
    once, atomically and under a file lock, with the sha1 of every PNG in its manifest (damaged ones are rebuilt)."""
    folder = ensure_folder(
        _aperture_cache_dir() / _digest(raw_sha1s)[:16],
        lambda candidate: intact_manifest(candidate) is not None,
        functools.partial(_write_placed, raw_paths),
    )
    files = read_json(folder / MANIFEST_FILE, {}).get("files", {})
    return [(files[raw_path.name], folder / raw_path.name) for raw_path in raw_paths]


def load_local_stimulus_set(data_root, identifier: str) -> StimulusSet:
    """All 450 release stimuli with Brain-Score's aperture applied (written once into the cache), in stacked order.

    Columns as Brain-Score's ``FreemanZiemba2013.aperture`` sets: stimulus_id (= image_id = image_file_sha1, sha1 of
    the aperture PNG), image_file_name, filename, texture_type ("texture"/"noise"), texture_family, sample,
    resolution, image_id_without_aperture (sha1 of the release PNG). ``.identifier`` is ``identifier`` verbatim.
    """
    root = _check_root(data_root)
    rows = _canonical_rows()
    raw_paths = [root / "stim" / raw_image_name(*row) for row in rows]
    missing = [path for path in raw_paths if not path.is_file()]
    if missing:
        raise DataUnavailableError(
            f"{len(missing)} of {N_IMAGES} FreemanZiemba2013 stimuli are missing, e.g. "
            f"{missing[0]}; the release keeps them as "
            "stim/<tex|noise>-320x320-im<family>-smp<k>.png"
        )
    raw_sha1s = [_sha1(path) for path in raw_paths]
    placed = placed_stimuli(raw_paths, raw_sha1s)
    records = []
    for (texture_type, family, sample), raw_path, raw_sha1, (stimulus_id, _path) in zip(
        rows, raw_paths, raw_sha1s, placed
    ):
        records.append(
            {
                "stimulus_id": stimulus_id,
                "image_id": stimulus_id,
                "image_file_sha1": stimulus_id,
                "image_file_name": raw_path.name,
                "filename": raw_path.name,
                "texture_type": texture_type,
                "texture_family": family,
                "sample": sample,
                "resolution": RESOLUTION,
                "image_id_without_aperture": raw_sha1,
            }
        )
    stimulus_set = StimulusSet(pd.DataFrame(records))
    stimulus_set.stimulus_paths = dict(placed)
    stimulus_set.identifier = identifier
    return stimulus_set


def public_private_split(stimulus_set) -> tuple[list[str], list[str]]:
    """Brain-Score's public (135) / private (315) stimulus_ids, each in stacked order.

    As ``data_packaging.py``: unique images in the assembly's stacked order (texture type, family, sample),
    StratifiedShuffleSplit(n_splits=1, train_size=.3, random_state=RandomState(seed=12)) stratified by texture_type;
    the train part is public.
    """
    type_rank = {texture_type: index for index, texture_type in enumerate(TEXTURE_TYPES)}
    family_rank = {family: index for index, family in enumerate(FAMILIES)}
    frame = pd.DataFrame(
        {
            "stimulus_id": np.asarray(stimulus_set["stimulus_id"]),
            "type_rank": [type_rank[value] for value in stimulus_set["texture_type"]],
            "family_rank": [family_rank[int(value)] for value in stimulus_set["texture_family"]],
            "sample": np.asarray(stimulus_set["sample"], dtype=int),
        }
    )
    if len(frame) != N_IMAGES or frame["stimulus_id"].nunique() != N_IMAGES:
        raise MalformedDataError(
            f"the FreemanZiemba2013 split needs the {N_IMAGES} distinct stimuli; got {len(frame)} "
            f"rows with {frame['stimulus_id'].nunique()} distinct stimulus_ids"
        )
    frame = frame.sort_values(["type_rank", "family_rank", "sample"], kind="stable")
    splitter = StratifiedShuffleSplit(n_splits=1, train_size=0.3, test_size=None, random_state=RandomState(seed=12))
    public, private = next(splitter.split(np.zeros(len(frame)), frame["type_rank"].values))
    ids = frame["stimulus_id"].values
    return list(ids[np.sort(public)]), list(ids[np.sort(private)])


def _read_bin_ms(mat: h5py.File) -> float:
    if "bin_ms" in mat.attrs:
        return float(np.asarray(mat.attrs["bin_ms"]).squeeze())
    if "bin_ms" in mat:
        return float(np.asarray(mat["bin_ms"]).squeeze())
    return 1.0


def _open_release(mat_path: Path) -> h5py.File:
    if not mat_path.is_file():
        raise DataUnavailableError(f"{mat_path} is missing; the release's responses are in {MAT_FILE_NAME}")
    try:
        return h5py.File(mat_path, "r")
    except OSError as error:
        raise MalformedDataError(
            f"{mat_path} is not an HDF5 (MATLAB v7.3) file ({error}); re-save it in MATLAB with save(..., '-v7.3')"
        ) from error


def check_time_window(
    time_window, span_ms: float = RECORDING_MS, bin_ms: float = 1.0, option: str = "--time-window"
) -> tuple[int, int]:
    """``time_window`` (start, end) in ms if 0 <= start < end <= ``span_ms`` on ``bin_ms``-ms bin edges, else
    ``UsageError`` naming ``option``, the rule broken and a window that works."""
    start, stop = time_window
    given = f"{option} {start} {stop}"
    if start < 0:
        raise UsageError(f"{given}: the start must be >= 0 ms (stimulus onset); e.g. {option} 50 200")
    if stop <= start:
        raise UsageError(f"{given}: the end must come after the start (START_MS END_MS); e.g. {option} 50 200")
    if stop > span_ms:
        raise UsageError(
            f"{given}: the recordings span 0-{span_ms:g} ms after stimulus onset; choose an end <= {span_ms:g}"
        )
    if start % bin_ms or stop % bin_ms:
        raise UsageError(
            f"{given}: this data is binned in {bin_ms:g}-ms bins; choose a start and end on its bin edges "
            f"(multiples of {bin_ms:g} ms)"
        )
    return int(start), int(stop)


def windowed_rates(
    data_root, region: str, time_window: tuple[int, int] = BRAINSCORE_WINDOW_MS, cells_per_read: int = 8
) -> tuple[np.ndarray, int]:
    """Mean spikes per ms over time_window (ms) of one region's cells, as Brain-Score's mean over 1-ms bins.

    Returns float64 (cell, repetition, sample, texture type, family), NaN bins skipped as xarray's mean does,
    and the number of V1 cells (V2 neuroid ids follow V1's).
    """
    mat_path = _check_root(data_root) / MAT_FILE_NAME
    with _open_release(mat_path) as mat:
        if "v1" not in mat or "v2" not in mat:
            raise MalformedDataError(f"{mat_path} lacks the arrays 'v1' and 'v2'; found {sorted(mat.keys())}")
        v1, v2 = mat["v1"], mat["v2"]
        if v1.ndim != 6 or v1.shape[1:] != v2.shape[1:] or v1.shape[3:] != (N_SAMPLES, 2, len(FAMILIES)):
            raise MalformedDataError(
                f"{mat_path}: v1 {v1.shape} / v2 {v2.shape} are not cell x time bin x repetition"
                f" x sample (15) x texture type (2) x family (15)"
            )
        bin_ms = _read_bin_ms(mat)
        start, stop = check_time_window(time_window, span_ms=v1.shape[1] * bin_ms, bin_ms=bin_ms)
        bins = slice(int(start // bin_ms), int(stop // bin_ms))
        data = mat[region.lower()]
        chunks = []
        for first in range(0, data.shape[0], cells_per_read):
            counts = data[first : first + cells_per_read, bins].astype(np.float64)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                chunks.append(np.nanmean(counts, axis=1) / bin_ms)
        return np.concatenate(chunks), v1.shape[0]


def windowed_assembly(
    assembly, time_bins: list[tuple[int, int]], time_window: tuple[int, int], region: str, average_repetitions: bool
):
    """The processing of Brain-Score's FreemanZiemba2013 ``load_assembly`` for any time window.

    assembly: raw (neuroid, time_bin, presentation) with MultiIndex neuroid (neuroid_id, region) and time_bin
    (time_bin_start, time_bin_end); time_bins: the bins to average. Returns (presentation, neuroid).
    """
    assembly = assembly.sel(region=region)
    assembly = assembly.stack(neuroid=["neuroid_id"])
    assembly["region"] = "neuroid", [region] * len(assembly["neuroid"])
    assembly.load()
    assembly = assembly.sel(time_bin=time_bins)
    assembly = assembly.mean(dim="time_bin", keep_attrs=True)
    assembly = assembly.expand_dims("time_bin_start").expand_dims("time_bin_end")
    assembly["time_bin_start"], assembly["time_bin_end"] = [time_window[0]], [time_window[1]]
    assembly = assembly.stack(time_bin=["time_bin_start", "time_bin_end"])
    assembly = assembly.squeeze("time_bin")
    assembly = assembly.transpose("presentation", "neuroid")
    if average_repetitions:
        assembly = average_repetition(assembly)
    return assembly


def subset_stimulus_set(stimulus_set: StimulusSet, stimulus_ids, identifier: str) -> StimulusSet:
    """Rows of ``stimulus_set`` with the given ids, with paths and a new identifier."""
    subset = stimulus_set[stimulus_set["stimulus_id"].isin(set(stimulus_ids))].reset_index(drop=True)
    subset.stimulus_paths = {
        stimulus_id: stimulus_set.stimulus_paths[stimulus_id] for stimulus_id in subset["stimulus_id"]
    }
    subset.identifier = identifier
    return subset


def load_local_assembly(
    data_root,
    region: str,
    *,
    access: str = "private",
    average_repetitions: bool = True,
    time_window: tuple[int, int] = BRAINSCORE_WINDOW_MS,
    identifier: str,
) -> NeuronRecordingAssembly:
    """One region of the local release in the schema of Brain-Score's FreemanZiemba2013 ``load_assembly``.

    Values: mean spikes per ms over ``time_window`` (ms), averaged over repetitions unless ``average_repetitions``
    is False. access: "public" (135 images), "private" (315) or "all" (450). identifier names the dataset
    (e.g. "FreemanZiemba2013local"): the stimulus sets are "<identifier>.aperture[-<access>]" and the assembly
    "<identifier>.<access>".
    """
    if region not in REGIONS:
        raise UsageError(f"region must be one of {REGIONS}, got {region!r}")
    if access not in ACCESSES:
        raise UsageError(f"access must be one of {ACCESSES}, got {access!r}")
    stimulus_set = load_local_stimulus_set(data_root, f"{identifier}.aperture")
    rates, n_v1 = windowed_rates(data_root, region, tuple(time_window))
    n_cells, n_repetitions = rates.shape[:2]
    values = rates.transpose(3, 4, 2, 1, 0).reshape(-1, n_cells)  # (type, family, sample, repetition) x cell
    image_rows = np.repeat(np.arange(len(stimulus_set)), n_repetitions)
    if access == "all":
        selected_ids, subset = list(stimulus_set["stimulus_id"]), stimulus_set
    else:
        selected_ids = public_private_split(stimulus_set)[ACCESSES.index(access)]
        subset = subset_stimulus_set(stimulus_set, selected_ids, f"{identifier}.aperture-{access}")
    keep = np.isin(stimulus_set["stimulus_id"].values[image_rows], selected_ids)
    columns = pd.DataFrame(stimulus_set).iloc[image_rows[keep]].reset_index(drop=True)
    first_id = 1 if region == "V1" else n_v1 + 1
    coords = {column: ("presentation", columns[column].values) for column in stimulus_set.columns}
    coords.update(
        {
            "repetition": ("presentation", np.tile(np.arange(n_repetitions), len(stimulus_set))[keep]),
            "neuroid_id": ("neuroid", np.arange(first_id, first_id + n_cells)),
            "region": ("neuroid", [region] * n_cells),
            "time_bin_start": ("time_bin", [time_window[0]]),
            "time_bin_end": ("time_bin", [time_window[1]]),
        }
    )
    raw = NeuronRecordingAssembly(
        values[keep].T[:, None, :], coords=coords, dims=["neuroid", "time_bin", "presentation"]
    )
    raw.attrs["stimulus_set_identifier"] = subset.identifier
    raw.attrs["stimulus_set"] = subset
    raw.attrs["identifier"] = f"{identifier}.{access}"
    return windowed_assembly(raw, [tuple(time_window)], tuple(time_window), region, average_repetitions)
