"""``make_stimuli``: for every source image (a family), ``samples`` Portilla-Simoncelli textures and as many
spectrally matched noise images, in the raw-release layout (``layout``), with ``stimuli.json``.

Resumable: each PNG is written atomically as its family's batch finishes and ``stimuli.json`` is rewritten
(atomically) after every family, so a rerun with the same arguments skips every sample already recorded and
synthesises only the rest (a family's samples are independent of the batch they are made in: ``synthesis``).
Deterministic for a seed on a given device: sample k of family f starts from the noise of seed
``SeedSequence([seed, f, k, 0])`` and its noise image's phase comes from ``SeedSequence([seed, f, k, 1])``.

Quality, per image in ``stimuli.json``: ``ps_error`` (relative error of the saved image's Portilla-Simoncelli
representation against its source's, ``synthesis.relative_ps_error``; for textures and, for comparison, noise),
``spectrum_error`` (a noise image's amplitude spectrum against its texture's, as saved: 8-bit rounding and clipping are
its only sources) and ``clipped_fraction`` (noise pixels outside [0, 1] before saving). Textures whose ``ps_error``
exceeds ``CONVERGENCE_THRESHOLD`` are listed in ``not_converged``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from brainscore_lcl.cache import atomic_path, atomic_write_json, read_json
from brainscore_lcl.errors import UsageError
from brainscore_lcl.paths import existing_folder, output_folder
from brainscore_lcl.stimuli import DEFAULT_ITERATIONS, DEFAULT_SAMPLES, DEFAULT_SIZE
from brainscore_lcl.stimuli.layout import (
    RECORD_FILE,
    SOURCES_FOLDER,
    STIM_FOLDER,
    source_file_name,
    stimulus_file_name,
    to_uint8,
)
from brainscore_lcl.stimuli.noise import spectrally_matched_noise, spectrum_error
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

FORMAT_VERSION = 1
#: a texture whose relative Portilla-Simoncelli error exceeds this did not converge (``make`` warns)
CONVERGENCE_THRESHOLD = 0.05
#: parameters that must match for a rerun to continue a folder
RESUME_KEYS = ("size", "samples", "seed", "iterations", "device", "n_scales", "n_orientations", "spatial_corr_width")


def image_seed(seed: int, family: int, sample: int, stream: int) -> int:
    """A 32-bit seed for one image's random draws (stream 0: the texture's start, 1: the noise image's phase)."""
    return int(np.random.SeedSequence([seed, family, sample, stream]).generate_state(1)[0])


def source_images(folder: str | Path) -> list[Path]:
    """The files of ``folder`` (not hidden, not recursive) in name order: each one a family, numbered from 1.
    ``UsageError`` when there is none."""
    folder = existing_folder(folder, "--images")
    files = sorted(path for path in folder.iterdir() if path.is_file() and not path.name.startswith("."))
    if not files:
        raise UsageError(f"--images {folder} holds no images; put one source image per texture family in it")
    return files


def write_png(path: Path, image: np.ndarray) -> None:
    """Save ``image`` (uint8, (rows, columns)) as an 8-bit grayscale PNG, atomically."""
    with atomic_path(path) as temporary:
        Image.fromarray(image, mode="L").save(temporary, format="PNG")


def read_png(path: Path) -> np.ndarray:
    """An 8-bit grayscale PNG as float64 in [0, 1], (rows, columns)."""
    with Image.open(path) as image:
        return np.asarray(image.convert("L"), dtype=np.float64) / 255.0


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
        "noise": "the saved texture's Fourier amplitude spectrum with the phase of white noise (DC phase 0)",
        "convergence_threshold": CONVERGENCE_THRESHOLD,
    }


def _check_resumable(record: dict[str, Any], parameters: dict[str, Any], sources: list[dict], out: Path) -> None:
    old = record.get("parameters", {})
    changed = [key for key in RESUME_KEYS if old.get(key) != parameters[key]]
    old_sources = [(item["file"], item["sha1"]) for item in record.get("sources", [])]
    if changed or old_sources != [(item["file"], item["sha1"]) for item in sources]:
        what = f"{changed[0]} {old.get(changed[0])}" if changed else "other source images"
        raise UsageError(
            f"--out {out} holds stimuli made with {what}; rerun with the same arguments to continue them, or choose "
            "another --out"
        )


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
    ``stimuli.json`` record. Every input is checked before anything is written. ``progress``: a tqdm-like wrapper for
    the loop over families (default: tqdm)."""
    from tqdm import tqdm

    check_size(size)
    if samples < 1:
        raise UsageError(f"--samples {samples} must be at least 1 (textures per family)")
    if iterations < 1:
        raise UsageError(f"--iterations {iterations} must be at least 1 (steps of the synthesis loop)")
    if seed < 0:
        raise UsageError(f"--seed {seed} must be 0 or more (numpy's SeedSequence takes no negative seed)")
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
    record = read_json(out / RECORD_FILE, None)
    if record is not None:
        _check_resumable(record, parameters, source_entries, out)
    else:
        record = {"format": FORMAT_VERSION, "parameters": parameters, "sources": source_entries, "images": {}}
    record["versions"] = _versions()
    model = ps_model(size, device=device)
    families = list(enumerate(sources, start=1))
    for family, source in (progress or tqdm)(families, desc="families", unit="family"):
        write_png(out / SOURCES_FOLDER / source_file_name(family, size), to_uint8(source))
        pending = [
            sample
            for sample in range(1, samples + 1)
            if not all(
                name in record["images"] and (out / STIM_FOLDER / name).is_file()
                for name in (stimulus_file_name(kind, family, sample, size) for kind in ("texture", "noise"))
            )
        ]
        if pending:
            record["images"].update(_make_family(out, family, source, pending, parameters, model))
            record["quality"] = quality_summary(record["images"])
            atomic_write_json(out / RECORD_FILE, record, indent=1)
    record["quality"] = quality_summary(record["images"])
    atomic_write_json(out / RECORD_FILE, record, indent=1)
    return record


def _make_family(
    out: Path, family: int, source: np.ndarray, samples: list[int], parameters: dict[str, Any], model
) -> dict[str, dict[str, Any]]:
    """Synthesise and save ``samples`` of one family (textures as one batch, then their noise images); returns the
    images' ``stimuli.json`` entries."""
    size, seed, device = parameters["size"], parameters["seed"], parameters["device"]
    texture_seeds = [image_seed(seed, family, sample, 0) for sample in samples]
    textures, losses = synthesize_textures(source, texture_seeds, parameters["iterations"], device=device)
    threads = _torch_threads()
    saved_textures, saved_noise, entries = [], [], {}
    for sample, texture, texture_seed, loss in zip(samples, textures, texture_seeds, losses):
        saved_texture = to_uint8(texture)
        noise_seed = image_seed(seed, family, sample, 1)
        noise = spectrally_matched_noise(saved_texture / 255.0, np.random.default_rng(noise_seed))
        saved = to_uint8(noise)
        write_png(out / STIM_FOLDER / stimulus_file_name("texture", family, sample, size), saved_texture)
        write_png(out / STIM_FOLDER / stimulus_file_name("noise", family, sample, size), saved)
        saved_textures.append(saved_texture / 255.0)
        saved_noise.append(saved / 255.0)
        common = {"family": family, "sample": sample}
        entries[stimulus_file_name("texture", family, sample, size)] = {
            "texture_type": "texture",
            **common,
            "seed": texture_seed,
            "final_loss": float(loss),
            "torch_threads": threads,
        }
        entries[stimulus_file_name("noise", family, sample, size)] = {
            "texture_type": "noise",
            **common,
            "seed": noise_seed,
            "spectrum_error": spectrum_error(saved / 255.0, saved_texture / 255.0),
            "clipped_fraction": float(np.mean((noise < 0) | (noise > 1))),
        }
    texture_errors = relative_ps_error(np.stack(saved_textures), source, model, device)
    noise_errors = relative_ps_error(np.stack(saved_noise), source, model, device)
    for sample, texture_error, noise_error in zip(samples, texture_errors, noise_errors):
        entries[stimulus_file_name("texture", family, sample, size)]["ps_error"] = float(texture_error)
        entries[stimulus_file_name("noise", family, sample, size)]["ps_error"] = float(noise_error)
    return entries


def quality_summary(images: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Median and maximum of every quality number over the images so far, and the textures above
    ``CONVERGENCE_THRESHOLD`` (name, error), worst first."""
    summary: dict[str, Any] = {}
    for kind, keys in (("texture", ("ps_error",)), ("noise", ("ps_error", "spectrum_error", "clipped_fraction"))):
        for key in keys:
            values = [entry[key] for entry in images.values() if entry["texture_type"] == kind and key in entry]
            if values:
                summary[f"{kind}_{key}"] = {"median": float(np.median(values)), "max": float(np.max(values))}
    summary["not_converged"] = sorted(
        (
            [name, entry["ps_error"]]
            for name, entry in images.items()
            if entry["texture_type"] == "texture" and entry.get("ps_error", 0.0) > CONVERGENCE_THRESHOLD
        ),
        key=lambda item: -item[1],
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
