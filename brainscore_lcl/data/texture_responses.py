"""Freeman & Ziemba (2013) responses for texture modulation: every image, each cell's latency-aligned window.

The latency-aligned window (Freeman et al. 2013): each cell's mean rate over its own 100 ms from its response latency,
measured on its PSTH over all presentations in 10-ms bins (``aligned_latency``), read from the raw release's bins
(``latency_aligned_rates``; "local", "sim") or from the 1-ms bins of Brain-Score's packaged assemblies
(``latency_aligned_packaged``; "official", "public"). ``load_texture_data`` returns a source's ``TextureData``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from brainscore_vision import load_ceiling
from brainscore_vision.benchmark_helpers.neural_common import average_repetition

from brainscore_lcl.data.facts import BRAINSCORE_WINDOW_MS, FAMILIES, RECORDING_MS, TEXTURE_TYPES
from brainscore_lcl.data.freemanziemba import windowed_assembly, windowed_rates
from brainscore_lcl.data.sources import (
    DATA_ROOT_ENV,
    announced_simulated_root,
    join_splits,
    load_brainscore_packaged,
    load_freemanziemba_assembly,
)
from brainscore_lcl.errors import UsageError
from brainscore_lcl.metrics.texture import latency_aligned_window, response_latency, window_mean

#: response windows of the texture-modulation benchmark: each cell's latency-aligned 100 ms, or one fixed window
WINDOWS = ("latency", "fixed")
#: 10-ms bins from 0 to 300 ms: the PSTH on which response latency is measured (Brain-Score's binning)
PSTH_BIN_MS = 10
PSTH_END_MS = RECORDING_MS
LATENCY_WINDOW_MS = 100
#: where the latency rule (``aligned_latency``) comes from, for the figures' JSON and docs
LATENCY_RULE = (
    "this suite's own rule (aligned_latency): on each cell's PSTH over all presentations in 10-ms bins, the start of "
    "the first bin after a 50-ms baseline that begins 3 consecutive bins above the baseline mean + 3 s.d. (3-bin "
    "moving average), 50 ms if none, capped so that the 100-ms window ends by 300 ms. The paper (A.3.3) says only that "
    "it uses 'the method in Freeman et al. (2013)', a 100 ms window 'aligned to the specific response-latency of each "
    "neuron', and quotes no rule for the latency"
)


@dataclass
class TextureData:
    """Recorded responses for texture modulation: repetition-averaged ``responses`` (presentation, neuron) over all
    images, per-neuron ``ceilings`` (internal consistency, r units), presentation labels, the window used and, for the
    latency-aligned window, each neuron's latency (ms)."""

    responses: np.ndarray
    ceilings: np.ndarray
    stimulus_ids: np.ndarray
    families: np.ndarray
    texture_types: np.ndarray
    neuroid_ids: np.ndarray
    stimulus_set: Any
    window: str
    assembly: Any
    latency_ms: np.ndarray | None = None


def raw_release_root(source: str, data_root: str | None = None) -> str | None:
    """Folder of the raw release behind ``source`` (where PSTHs can be read), or None for Brain-Score's assemblies."""
    if source == "sim":
        return str(announced_simulated_root())
    if source == "local":
        return data_root or os.environ.get(DATA_ROOT_ENV)
    return None


def release_psth(root: str, region: str) -> np.ndarray:
    """Mean PSTH of each cell over all images and repetitions, (cell, bin) in spikes/ms on 10-ms bins, 0-300 ms."""
    columns = []
    for start in range(0, PSTH_END_MS, PSTH_BIN_MS):
        rates = windowed_rates(root, region, (start, start + PSTH_BIN_MS))[0]
        columns.append(rates.reshape(len(rates), -1).mean(axis=1))
    return np.stack(columns, axis=1)


def aligned_latency(psth: np.ndarray, window_ms: int = LATENCY_WINDOW_MS) -> np.ndarray:
    """Each cell's response latency (ms) for the latency-aligned window, from its PSTH (cell, 10-ms bin from 0 ms).

    The rule is this suite's own (``LATENCY_RULE``): the paper (A.3.3) cites Freeman et al. (2013) for a 100-ms window
    aligned to each cell's latency but quotes no rule for the latency. Rule (``response_latency``): on the cell's PSTH
    over all images and repetitions, the start of the first bin after a 50-ms baseline that begins 3 consecutive bins
    above baseline mean + 3 s.d. (3-bin moving average); 50 ms if there is none; capped so that the window
    [latency, latency + window_ms) ends by 300 ms. Returns shape (cell,).
    """
    return np.minimum(response_latency(psth, PSTH_BIN_MS), PSTH_END_MS - window_ms)


def latency_aligned_rates(root: str, region: str, window_ms: int = LATENCY_WINDOW_MS) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's mean rate over its own [latency, latency + window_ms) window (Freeman et al. 2013), from the raw
    release under ``root``; latency by ``aligned_latency``. Returns rates (cell, repetition, sample, type, family) in
    spikes/ms and latencies (cell,) in ms.
    """
    latency = aligned_latency(release_psth(root, region), window_ms)
    rates = None
    for value in np.unique(latency):
        start, end = latency_aligned_window(value, window_ms)
        window_rates = windowed_rates(root, region, (int(start), int(end)))[0]
        rates = np.empty_like(window_rates) if rates is None else rates
        cells = latency == value
        rates[cells] = window_rates[cells]
    return rates, latency


def _replace_with_release_rates(assembly, rates: np.ndarray):
    """Copy of a repetition-level (presentation, neuroid) assembly of the release with values from ``rates``
    (cell, repetition, sample, type, family), matched by coords; cells in neuroid_id order."""
    assembly = assembly.transpose("presentation", "neuroid")
    type_index = np.array([TEXTURE_TYPES.index(str(value)) for value in assembly["texture_type"].values])
    family_index = np.array([FAMILIES.index(int(value)) for value in assembly["texture_family"].values])
    sample_index = assembly["sample"].values.astype(int) - 1
    repetition = assembly["repetition"].values.astype(int)
    cell_index = np.argsort(np.argsort(assembly["neuroid_id"].values.astype(int)))
    values = rates[:, repetition, sample_index, type_index, family_index]  # (cell, presentation)
    return assembly.copy(data=values[cell_index].T)


def _packaged_region_rates(packaged, region: str) -> tuple[Any, np.ndarray, float]:
    """One region of a packaged (neuroid, time_bin, presentation) assembly: the selection, its rates (neuroid,
    presentation, bin) in spikes/ms and the bin width (ms). Bins must be uniform and start at 0 ms."""
    selected = packaged.sel(region=region).stack(neuroid=["neuroid_id"])  # as Brain-Score's load_assembly
    starts = np.asarray(selected["time_bin_start"].values, dtype=float)
    width = float(selected["time_bin_end"].values[0] - starts[0])
    if not np.allclose(starts, np.arange(len(starts)) * width) or not np.allclose(
        selected["time_bin_end"].values - starts, width
    ):
        raise ValueError(
            "the packaged assembly's time bins must be uniform and start at 0 ms, as Brain-Score's 1-ms "
            "bins from 0 to 300 ms are"
        )
    counts = selected.transpose("neuroid", "presentation", "time_bin").values
    return selected, counts / width, width


def latency_aligned_packaged(
    packaged: Sequence, region: str, window_ms: int = LATENCY_WINDOW_MS
) -> tuple[Any, np.ndarray]:
    """Brain-Score's packaged assemblies of disjoint image splits (e.g. ``FreemanZiemba2013.public`` and ``.private``
    as stored: (neuroid, time_bin, presentation), spike counts in 1-ms bins from 0 to 300 ms) as one repetition-level
    (presentation, neuroid) assembly of ``region`` over all their images, each cell's rate (spikes/ms) averaged over
    its own latency-aligned window [latency, latency + window_ms).

    The latency (``aligned_latency``) is measured, as for the raw release, on the cell's PSTH over every presentation
    of every split, rebinned to 10 ms; the window mean is over the fine bins starting inside the window, as
    Brain-Score's ``load_assembly`` averages its 1-ms bins over 50-200 ms. Coordinates and split order are those of
    Brain-Score's own processing (``windowed_assembly``, then ``join_splits``). Returns the assembly and the
    latencies (neuroid,) in ms.
    """
    regions = [_packaged_region_rates(assembly, region) for assembly in packaged]
    _, _, width = regions[0]
    n_presentations = sum(rates.shape[1] for _, rates, _ in regions)
    fine_psth = sum(rates.sum(axis=1) for _, rates, _ in regions) / n_presentations  # (neuroid, bin)
    psth = np.stack(
        [window_mean(fine_psth, width, start, start + PSTH_BIN_MS) for start in range(0, PSTH_END_MS, PSTH_BIN_MS)],
        axis=1,
    )
    latency = aligned_latency(psth, window_ms)
    parts = []
    for assembly, (selected, rates, _) in zip(packaged, regions):
        start, end = latency_aligned_window(latency, window_ms)
        values = window_mean(rates, width, start[:, None], end[:, None])  # (neuroid, presentation)
        first_bin = (float(selected["time_bin_start"].values[0]), float(selected["time_bin_end"].values[0]))
        template = windowed_assembly(assembly, [first_bin], (0, window_ms), region, average_repetitions=False)
        if not np.array_equal(template["neuroid_id"].values, selected["neuroid_id"].values):
            raise ValueError("the packaged assembly's neuroids changed order in Brain-Score's processing")
        parts.append(template.copy(data=values.T))
    return join_splits(parts), latency


def load_texture_data(
    source: str,
    region: str = "V2",
    *,
    window: str = "latency",
    time_window: tuple[int, int] = BRAINSCORE_WINDOW_MS,
    data_root: str | None = None,
) -> TextureData:
    """Responses of ``region`` to every image of ``source`` with their ceilings, for texture modulation.

    Images: all 450 (every sample of every family), except for the source "public" (Brain-Score's public split, 135);
    for "official", Brain-Score's public and private assemblies joined. ``window``: "latency" (each cell's
    latency-aligned 100-ms window: from the raw release's bins for "local" and "sim", from the 1-ms bins of
    Brain-Score's packaged assemblies for "official" and "public", ``latency_aligned_packaged``) or "fixed"
    (``time_window``, ms, the same for every cell). The ceiling is Brain-Score's internal consistency on the same
    responses.
    """
    if window not in WINDOWS:
        raise UsageError(f"window {window!r} is not one of {', '.join(WINDOWS)}")
    access = "public" if source == "public" else "all"
    latency = None
    if window == "latency" and source in ("official", "public"):
        splits = ("public",) if source == "public" else ("public", "private")
        repetitions, latency = latency_aligned_packaged([load_brainscore_packaged(split) for split in splits], region)
    else:
        repetitions = load_freemanziemba_assembly(
            source,
            region,
            access=access,
            average_repetitions=False,
            time_window=tuple(time_window),
            data_root=data_root,
        )
    if window == "latency" and latency is None:
        rates, latency = latency_aligned_rates(raw_release_root(source, data_root), region)
        repetitions = _replace_with_release_rates(repetitions, rates)
    return texture_data_from_repetitions(repetitions, window, latency)


def texture_data_from_repetitions(repetitions, window: str, latency_ms: np.ndarray | None = None) -> TextureData:
    """``TextureData`` from a repetition-level (presentation, neuroid) assembly of one region in its response window
    (its ``stimulus_set`` attribute: the images shown): Brain-Score's internal-consistency ceiling per neuron and the
    repetition-averaged responses. ``window`` and ``latency_ms`` (neuroid,) describe how the window was chosen."""
    ceilings = load_ceiling("internal_consistency")(repetitions).raw.mean("split")
    means = average_repetition(repetitions).transpose("presentation", "neuroid")
    ceilings = ceilings.sel(neuroid=means["neuroid"]) if "neuroid" in ceilings.dims else ceilings
    return TextureData(
        responses=np.asarray(means.values, dtype=float),
        ceilings=np.asarray(ceilings.values, dtype=float),
        stimulus_ids=means["stimulus_id"].values,
        families=means["texture_family"].values,
        texture_types=means["texture_type"].values.astype(str),
        neuroid_ids=means["neuroid_id"].values.astype(str),
        stimulus_set=repetitions.attrs["stimulus_set"],
        window=window,
        assembly=means,
        latency_ms=latency_ms,
    )
