"""``make_stimuli``: for every source image (a family), ``samples`` Portilla-Simoncelli textures and as many
spectrally matched noise images, in the raw-release layout (``layout``), with ``stimuli.json``.

Atomic and resumable: the run fills a hidden staging folder beside ``--out`` (``partial_folder``: ``.<out>.partial``)
under an exclusive lock on ``--out`` (a second run into the same ``--out`` is refused at once), writing each PNG
atomically as its family's batch finishes and ``stimuli.json`` after every family; only a complete set replaces
``--out`` (one rename). A failed or interrupted run leaves ``--out`` as it was and keeps the staging folder, so a
rerun with the same arguments skips every sample already made and synthesises only the rest (a family's samples are
independent of the batch they are made in: ``synthesis``). Deterministic for a seed on a given device: sample k of
family f starts from the noise of seed ``SeedSequence([seed, f, k, 0])`` and its noise image's phase comes from
``SeedSequence([seed, f, k, 1])``.

Texture and noise of a sample are saved at a common contrast so that neither clips (``noise.matched_pair``).
Quality, per image in ``stimuli.json``: ``ps_error`` (relative error of the saved image's Portilla-Simoncelli
representation against its source's at the sample's contrast, ``synthesis.relative_ps_error``; for textures and, for
comparison, noise), ``contrast`` (the common contrast, 1 = as synthesised), and for noise ``spectrum_error`` (AC
amplitude spectrum against its saved texture's, DC excluded: 8-bit rounding is its only source), ``ac_energy_ratio``
(noise / texture AC energy, as saved) and ``clipped_fraction`` (noise pixels that still had to be clipped, normally
0). Textures whose ``ps_error`` exceeds ``CONVERGENCE_THRESHOLD`` are listed in ``not_converged``; noise images whose
AC energy is off by more than ``noise.AC_ENERGY_TOLERANCE`` in ``unmatched_noise``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from brainscore_lcl.cache import atomic_path, atomic_write_json, exclusive_lock, lock_path, remove
from brainscore_lcl.errors import UsageError
from brainscore_lcl.paths import existing_folder, output_folder
from brainscore_lcl.stimuli import DEFAULT_ITERATIONS, DEFAULT_SAMPLES, DEFAULT_SIZE, MAX_SAMPLES
from brainscore_lcl.stimuli.images import read_gray_image
from brainscore_lcl.stimuli.layout import (
    RECORD_FILE,
    SOURCES_FOLDER,
    STIM_FOLDER,
    TEXTURE_TYPES,
    source_file_name,
    stimulus_file_name,
    to_uint8,
)
from brainscore_lcl.stimuli.noise import (
    AC_ENERGY_TOLERANCE,
    SAVED_LEVELS,
    ac_energy_ratio,
    matched_pair,
    spectrum_error,
)
from brainscore_lcl.stimuli.synthesis import (
    LEARNING_RATE,
    PS_PARAMETERS,
    check_size,
    load_source,
    ps_model,
    pyramid_scales,
    relative_ps_error,
    synthesize_textures,
)

#: 2: texture and noise saved at a common contrast (1: noise clipped to [0, 1])
FORMAT_VERSION = 2
#: a texture whose relative Portilla-Simoncelli error exceeds this did not converge (``make`` warns)
CONVERGENCE_THRESHOLD = 0.05
#: parameters that must match for a rerun to continue a folder
RESUME_KEYS = ("size", "samples", "seed", "iterations", "device", "n_scales", "n_orientations", "spatial_corr_width")


def image_seed(seed: int, family: int, sample: int, stream: int) -> int:
    """A 32-bit seed for one image's random draws (stream 0: the texture's start, 1: the noise image's phase)."""
    return int(np.random.SeedSequence([seed, family, sample, stream]).generate_state(1)[0])


def source_images(folder: str | Path) -> list[Path]:
    """The entries of ``folder`` (not hidden, not recursive) in name order: each one a family, numbered from 1.
    ``UsageError`` when there is none, or when one is a folder."""
    folder = existing_folder(folder, "--images")
    entries = sorted(path for path in folder.iterdir() if not path.name.startswith("."))
    if not entries:
        raise UsageError(f"--images {folder} holds no images; put one source image per texture family in it")
    for path in entries:
        if not path.is_file():
            raise UsageError(f"--images {folder} holds {path.name}, which is not a file; keep only images in it")
    return entries


def write_png(path: Path, image: np.ndarray) -> None:
    """Save ``image`` (uint8, (rows, columns)) as an 8-bit grayscale PNG, atomically."""
    with atomic_path(path) as temporary:
        Image.fromarray(image, mode="L").save(temporary, format="PNG")


def read_png(path: Path) -> np.ndarray:
    """A stimulus PNG as float64 gray levels in [0, 1], (rows, columns) (``images.read_gray_image``)."""
    return read_gray_image(path, "stimulus")


def _torch_threads() -> int:
    """torch's intra-op threads of this run: a float sum's order, so the last bits of a texture, can depend on it."""
    import torch

    return torch.get_num_threads()


def _versions() -> dict[str, str]:
    import plenoptic
    import torch

    from brainscore_lcl import __version__

    return {
        "brainscore_lcl": __version__,
        "plenoptic": plenoptic.__version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
    }


def check_device(device: str) -> None:
    """``UsageError`` unless ``device`` is "cpu" or a CUDA device that this machine has."""
    import torch

    if device == "cpu":
        return
    if not device.startswith("cuda"):
        raise UsageError(f"--device {device!r} is not a torch device this command runs on; use cpu or cuda[:N]")
    if not torch.cuda.is_available():
        raise UsageError(f"--device {device}: no CUDA GPU is visible on this machine; use --device cpu")


def check_counts(samples: int, iterations: int, seed: int) -> None:
    """``UsageError`` unless 1 <= samples <= ``MAX_SAMPLES``, iterations >= 1 and seed >= 0."""
    if not 1 <= samples <= MAX_SAMPLES:
        raise UsageError(
            f"--samples {samples} must lie in 1-{MAX_SAMPLES} (textures per family, synthesised as one batch in "
            "memory; Freeman et al. used 15)"
        )
    if iterations < 1:
        raise UsageError(f"--iterations {iterations} must be at least 1 (steps of the synthesis loop)")
    if seed < 0:
        raise UsageError(f"--seed {seed} must be 0 or more (numpy's SeedSequence takes no negative seed)")


def stimulus_parameters(size: int, samples: int, seed: int, iterations: int, device: str) -> dict[str, Any]:
    """The parameters recorded in ``stimuli.json`` (those of ``RESUME_KEYS`` must match for a rerun to continue)."""
    return {
        "size": size,
        "samples": samples,
        "seed": seed,
        "iterations": iterations,
        "device": device,
        **PS_PARAMETERS.as_dict(),
        "n_scales": pyramid_scales(size),
        "optimizer": f"torch.optim.Adam(lr={LEARNING_RATE}, amsgrad=True) (plenoptic's default Metamer optimiser)",
        "loss": "sum over images of plenoptic.loss.portilla_simoncelli_loss_factory's loss",
        "penalty": "plenoptic.regularize.penalize_range, lambda 0.1 (Metamer's default)",
        "noise": "the saved texture's Fourier amplitude spectrum with the phase of white noise (DC phase 0); texture "
        "and noise scaled by one contrast about their mean so that neither clips (brainscore_lcl.stimuli.noise)",
        "convergence_threshold": CONVERGENCE_THRESHOLD,
    }


def partial_folder(out: Path) -> Path:
    """The staging folder of an unfinished run into ``out``: ``.<name>.partial`` beside it."""
    return out.with_name(f".{out.name}.partial")


def read_record(folder: Path, option: str = "--out") -> dict[str, Any] | None:
    """The ``stimuli.json`` record of ``folder``; None when the folder is absent or empty. ``UsageError`` (nothing
    touched) when it holds files but no record, or a record that is not a ``stimuli make`` record of this format."""
    if not folder.is_dir() or not any(folder.iterdir()):
        return None
    path = folder / RECORD_FILE
    what = f"{option} {folder}"
    if not path.is_file():
        raise UsageError(
            f"{what} holds files but no {RECORD_FILE}, so it was not made by `brainscore stimuli make`; choose a new "
            "or empty --out"
        )
    try:
        record = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise UsageError(
            f"{path} is not valid JSON ({type(error).__name__}), so {what} cannot be continued safely; move the "
            "folder away or choose another --out"
        ) from None
    if not isinstance(record, dict) or not isinstance(record.get("images"), dict):
        raise UsageError(
            f'{path} is not a `stimuli make` record (a JSON object with an "images" object); move the folder away '
            "or choose another --out"
        )
    if record.get("format") != FORMAT_VERSION:
        raise UsageError(
            f"{what} was made by `stimuli make` format {record.get('format')} (this is format {FORMAT_VERSION}: "
            "texture and noise at a common contrast, no clipping); choose another --out"
        )
    return record


def _check_resumable(record: dict[str, Any], parameters: dict[str, Any], sources: list[dict], where: str) -> None:
    old = record.get("parameters", {})
    old = old if isinstance(old, dict) else {}
    changed = [key for key in RESUME_KEYS if old.get(key) != parameters[key]]
    old_sources = [(item.get("file"), item.get("sha1")) for item in record.get("sources", []) if isinstance(item, dict)]
    if changed or old_sources != [(item["file"], item["sha1"]) for item in sources]:
        what = f"{changed[0]} {old.get(changed[0])}" if changed else "other source images"
        raise UsageError(
            f"{where} holds stimuli made with {what}; rerun with the same arguments to continue them, or choose "
            "another --out"
        )


def _expected_names(n_families: int, samples: int, size: int) -> list[str]:
    return [
        stimulus_file_name(kind, family, sample, size)
        for family in range(1, n_families + 1)
        for sample in range(1, samples + 1)
        for kind in TEXTURE_TYPES
    ]


def _complete(record: dict[str, Any], folder: Path, n_families: int, samples: int, size: int) -> bool:
    return all(
        name in record["images"] and (folder / STIM_FOLDER / name).is_file()
        for name in _expected_names(n_families, samples, size)
    )


def _exclusive_lock(out: Path):
    """The lock of ``out``, taken without waiting: ``UsageError`` when another run holds it."""
    return exclusive_lock(
        out,
        f"another `brainscore stimuli make` is writing --out {out} (it holds {lock_path(out)}); wait for it to "
        "finish, or choose another --out",
    )


def _publish(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging`` with one rename (an old ``out`` is moved aside first, then removed)."""
    retired = None
    if out.exists() or out.is_symlink():
        retired = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.old")
        os.replace(out, retired)
    os.replace(staging, out)
    if retired is not None:
        remove(retired)


def make_stimuli(
    images: str | Path,
    out: str | Path,
    *,
    samples: int = DEFAULT_SAMPLES,
    size: int = DEFAULT_SIZE,
    seed: int = 0,
    iterations: int = DEFAULT_ITERATIONS,
    device: str = "cpu",
    progress: Callable | None = None,
) -> dict[str, Any]:
    """Make (or continue) the stimulus folder ``out`` from the source images in ``images``; returns the
    ``stimuli.json`` record. Every input is checked before anything is written; ``out`` changes only when the whole
    set is made (module docstring). ``progress``: a tqdm-like wrapper for the loop over families (default: tqdm)."""
    from tqdm import tqdm

    check_size(size)
    check_counts(samples, iterations, seed)
    check_device(device)
    paths = source_images(images)
    sources = [load_source(path, size) for path in paths]
    out = output_folder(out, "--out")
    parameters = stimulus_parameters(size, samples, seed, iterations, device)
    source_entries = [
        {
            "family": family,
            "file": path.name,
            "sha1": hashlib.sha1(path.read_bytes()).hexdigest(),
            "png": f"{SOURCES_FOLDER}/{source_file_name(family, size)}",
        }
        for family, path in enumerate(paths, start=1)
    ]
    existing = read_record(out)
    if existing is not None:
        _check_resumable(existing, parameters, source_entries, f"--out {out}")
    lock = _exclusive_lock(out)
    try:
        existing = read_record(out)  # another run may have finished it while this one checked
        if existing is not None:
            _check_resumable(existing, parameters, source_entries, f"--out {out}")
            if _complete(existing, out, len(sources), samples, size):
                return existing
        staging = partial_folder(out)
        record = read_record(staging, "the unfinished run")
        if record is not None:
            _check_resumable(record, parameters, source_entries, f"the unfinished run in {staging}")
        else:
            remove(staging)
            if existing is not None:
                shutil.copytree(out, staging)
            record = existing or {
                "format": FORMAT_VERSION,
                "parameters": parameters,
                "sources": source_entries,
                "images": {},
            }
        record["versions"] = _versions()
        record["suite_version"] = record["versions"]["brainscore_lcl"]
        _make_families(staging, sources, record, parameters, progress or tqdm)
        _publish(staging, out)
        return record
    finally:
        lock.release()


def _make_families(
    folder: Path, sources: list[np.ndarray], record: dict[str, Any], parameters: dict[str, Any], progress: Callable
) -> None:
    """Make every missing sample of every family into ``folder``, ``stimuli.json`` rewritten after each family."""
    size, samples = parameters["size"], parameters["samples"]
    model = ps_model(size, device=parameters["device"])
    for family, source in progress(list(enumerate(sources, start=1)), desc="families", unit="family"):
        write_png(folder / SOURCES_FOLDER / source_file_name(family, size), to_uint8(source))
        pending = [
            sample
            for sample in range(1, samples + 1)
            if not all(
                name in record["images"] and (folder / STIM_FOLDER / name).is_file()
                for name in (stimulus_file_name(kind, family, sample, size) for kind in TEXTURE_TYPES)
            )
        ]
        if pending:
            record["images"].update(_make_family(folder, family, source, pending, parameters, model))
        record["quality"] = quality_summary(record["images"])
        atomic_write_json(folder / RECORD_FILE, record, indent=1)


def _make_family(
    out: Path, family: int, source: np.ndarray, samples: list[int], parameters: dict[str, Any], model
) -> dict[str, dict[str, Any]]:
    """Synthesise and save ``samples`` of one family (textures as one batch, then each with its noise at a common
    contrast); returns the images' ``stimuli.json`` entries."""
    size, seed, device = parameters["size"], parameters["seed"], parameters["device"]
    texture_seeds = [image_seed(seed, family, sample, 0) for sample in samples]
    textures, losses = synthesize_textures(source, texture_seeds, parameters["iterations"], device=device)
    threads = _torch_threads()
    entries = {}
    for sample, texture, texture_seed, loss in zip(samples, textures, texture_seeds, losses):
        noise_seed = image_seed(seed, family, sample, 1)
        pair = matched_pair(texture, np.random.default_rng(noise_seed))
        texture_name, noise_name = (stimulus_file_name(kind, family, sample, size) for kind in TEXTURE_TYPES)
        write_png(out / STIM_FOLDER / texture_name, pair.texture)
        write_png(out / STIM_FOLDER / noise_name, pair.noise)
        saved_texture, saved_noise = pair.texture / SAVED_LEVELS, pair.noise / SAVED_LEVELS
        mean = source.mean()
        scaled_source = mean + pair.contrast * (source - mean)
        texture_error, noise_error = relative_ps_error(
            np.stack([saved_texture, saved_noise]), scaled_source, model, device
        )
        common = {"family": family, "sample": sample, "contrast": pair.contrast}
        entries[texture_name] = {
            "texture_type": "texture",
            **common,
            "seed": texture_seed,
            "final_loss": float(loss),
            "torch_threads": threads,
            "ps_error": float(texture_error),
        }
        entries[noise_name] = {
            "texture_type": "noise",
            **common,
            "seed": noise_seed,
            "spectrum_error": spectrum_error(saved_noise, saved_texture),
            "ac_energy_ratio": ac_energy_ratio(saved_noise, saved_texture),
            "clipped_fraction": pair.clipped_fraction,
            "ps_error": float(noise_error),
        }
    return entries


def quality_summary(images: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Median and extremes of every quality number over the images so far, the textures above
    ``CONVERGENCE_THRESHOLD`` (name, error), worst first, and the noise images whose AC energy differs from their
    texture's by more than ``AC_ENERGY_TOLERANCE`` (name, ratio), worst first."""
    summary: dict[str, Any] = {}
    keys = {
        "texture": ("ps_error", "contrast"),
        "noise": ("ps_error", "spectrum_error", "ac_energy_ratio", "clipped_fraction"),
    }
    for kind, names in keys.items():
        for key in names:
            values = [entry[key] for entry in images.values() if entry["texture_type"] == kind and key in entry]
            if values:
                summary[f"{kind}_{key}"] = {
                    "median": float(np.median(values)),
                    "min": float(np.min(values)),
                    "max": float(np.max(values)),
                }
    summary["not_converged"] = sorted(
        (
            [name, entry["ps_error"]]
            for name, entry in images.items()
            if entry["texture_type"] == "texture" and entry.get("ps_error", 0.0) > CONVERGENCE_THRESHOLD
        ),
        key=lambda item: -item[1],
    )
    summary["unmatched_noise"] = sorted(
        (
            [name, entry["ac_energy_ratio"]]
            for name, entry in images.items()
            if entry["texture_type"] == "noise" and abs(entry["ac_energy_ratio"] - 1) > AC_ENERGY_TOLERANCE
        ),
        key=lambda item: -abs(item[1] - 1),
    )
    return summary


def convergence_warning(record: dict[str, Any]) -> str | None:
    """One line naming the textures that did not converge (worst three), their error and what to change; None when
    every texture converged."""
    failed = record["quality"]["not_converged"]
    if not failed:
        return None
    n_textures = sum(entry["texture_type"] == "texture" for entry in record["images"].values())
    worst = ", ".join(f"{name} {error:.3f}" for name, error in failed[:3])
    return (
        f"warning: {len(failed)} of {n_textures} textures did not converge (relative Portilla-Simoncelli error above "
        f"{CONVERGENCE_THRESHOLD}; worst: {worst}); raise --iterations (now {record['parameters']['iterations']}) "
        "and rerun into a new --out"
    )


def spectrum_warning(record: dict[str, Any]) -> str | None:
    """One line naming the noise images whose saved AC energy differs from their texture's by more than
    ``AC_ENERGY_TOLERANCE`` (worst three); None when every noise image is matched."""
    unmatched = record["quality"]["unmatched_noise"]
    if not unmatched:
        return None
    worst = ", ".join(f"{name} {ratio:.3f}" for name, ratio in unmatched[:3])
    return (
        f"warning: {len(unmatched)} noise images have an AC energy more than {AC_ENERGY_TOLERANCE:.0%} away from "
        f"their texture's (noise/texture; worst: {worst}): texture modulation on them mixes in a contrast difference"
    )
