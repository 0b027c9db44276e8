"""The paper's further analyses of the Freeman & Ziemba (2013) V2 data as Brain-Score benchmarks.

- ``FreemanZiembaPartitionPLS`` (``<prefix>.V2-pls-v1like`` / ``-v2like``, Sec. 3.1, Fig. 4 right): the PLS benchmark
  aggregated over the "V1-like" (top quartile) or "V2-like" (bottom quartile) V2 cells, ranked by how well the
  reference V1 model (``v1-steerpyr-pool``) explains each cell: the mean over the 10 splits of the sign-aware
  (max(r_n, 0) / r_ceil,n)^2 (``per_neuron_explained_variance(..., sign_aware=True)``), ties broken by the mean r, so
  an anti-correlated cell never ranks as V1-like. By default (the paper's procedure) the cells are ranked on the split
  that is scored; ``selection="public"`` ranks them on the public split and scores them on the private one. The
  regression is always fitted on all cells; only the aggregation is restricted.
- ``FreemanZiembaTextureModulation`` (``<prefix>.V2-texmod``, Sec. 2.5, 3.2, A.3.3, Fig. 5): texture modulation of
  the recorded cells and of the model, read two ways (see ``model_modulation``), with Q-Q distance and family-rank
  Spearman rho. Uses all 450 images (every family and sample; on Brain-Score's data its public and private
  assemblies joined) and, by default, each cell's latency-aligned 100-ms window (see ``load_texture_data``).
- ``field_of_view_sweep`` (A.3.1): the model's field of view (degrees) chosen on the public split.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from brainscore_core.metrics import Score
from brainscore_vision import load_ceiling
from brainscore_vision.benchmark_helpers.neural_common import average_repetition
from brainscore_vision.benchmark_helpers.screen import place_on_screen
from brainscore_vision.benchmarks import BenchmarkBase
from sklearn.model_selection import StratifiedKFold

from brainscore_lcl.benchmarks.freemanziemba2013.benchmark import (BIBTEX, BRAINSCORE_TIME_WINDOW, NUMBER_OF_TRIALS,
                                                                   SOURCE_PREFIXES, VISUAL_DEGREES, FreemanZiembaPLS,
                                                                   check_source_and_window, paper_score_fields)
from brainscore_lcl.errors import UsageError
from brainscore_lcl.metrics.pls import KernelPLSRegression, StimulusGram, gram_matrix
from brainscore_lcl.metrics.scores import (brainscore_ceiled_score, per_neuron_explained_variance,
                                           v1like_v2like_partition)
from brainscore_lcl.metrics.texture import (MIN_NEURON_CEILING, family_mean_responses, family_modulation,
                                            family_rank_correlation, family_ranks, latency_aligned_window,
                                            modulation_quantiles, neuron_modulation, qq_distance, reliable_neurons,
                                            response_latency, texture_modulation_index)

REFERENCE_MODEL = "v1-steerpyr-pool"
PARTITION_QUANTILE = 0.25
SUBSETS = ("v1like", "v2like")
#: where the partition is ranked: on the scored split (the paper's procedure) or on the public split
SELECTIONS = ("same", "public")
#: response windows of the texture-modulation benchmark: each cell's latency-aligned 100 ms, or one fixed window
WINDOWS = ("latency", "fixed")
#: 10-ms bins from 0 to 300 ms: the PSTH on which response latency is measured (Brain-Score's binning)
PSTH_BIN_MS = 10
PSTH_END_MS = 300
LATENCY_WINDOW_MS = 100
N_FOLDS = 10
PLS_COMPONENTS = 25
#: fields of view (degrees of visual angle) tried by ``field_of_view_sweep`` unless told otherwise
DEFAULT_FIELDS_OF_VIEW = (4.0, 6.0, 8.0, 10.0, 12.0)


# ----------------------------------------------------------------------------------------------------------------------
# V1-like / V2-like partition
# ----------------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReferencePartition:
    """The V1-like / V2-like cells, as ranked by a reference model's per-neuron explained variance.

    ``neuroid_ids`` (n,); ``reference_ev`` (n,), the ranking value: mean over splits of the sign-aware
    (max(r, 0)/r_ceil)^2; ``reference_ev_paper`` (n,), the paper's literal mean over splits of (r/r_ceil)^2, for
    reporting; boolean ``v1_like``/``v2_like``; ``selected_on``: the split (access) the reference was scored on.
    """
    reference: str
    neuroid_ids: tuple[str, ...]
    reference_ev: np.ndarray
    reference_ev_paper: np.ndarray
    v1_like: np.ndarray
    v2_like: np.ndarray
    selected_on: str | None = None

    def mask(self, subset: str, neuroid_ids: Sequence[str] | None = None) -> np.ndarray:
        """Boolean mask of ``subset`` ("v1like" / "v2like") over ``neuroid_ids`` (default: the partition's order)."""
        if subset not in SUBSETS:
            raise UsageError(f"subset must be one of {SUBSETS}, got {subset!r}")
        own = self.v1_like if subset == "v1like" else self.v2_like
        if neuroid_ids is None:
            return own.copy()
        lookup = dict(zip(self.neuroid_ids, own))
        missing = [neuroid for neuroid in map(str, neuroid_ids) if neuroid not in lookup]
        if missing:
            raise ValueError(f"{len(missing)} neuroids (e.g. {missing[0]}) are not in the {self.reference} partition; "
                             "compute the partition on the same data source and region")
        return np.array([lookup[str(neuroid)] for neuroid in neuroid_ids], dtype=bool)

    def summary(self) -> dict[str, Any]:
        """JSON-ready description: sizes and the reference's explained-variance range inside each subset."""
        ev, paper = self.reference_ev, self.reference_ev_paper
        return {"reference": self.reference, "selected_on": self.selected_on,
                "ranked_by": "per-cell mean over splits of the sign-aware (max(r, 0)/r_ceil)^2, ties by mean r",
                "n_neuroids": len(self.neuroid_ids),
                "n_v1like": int(self.v1_like.sum()), "n_v2like": int(self.v2_like.sum()),
                "v1like_min_reference_ev": float(np.min(ev[self.v1_like])),
                "v2like_max_reference_ev": float(np.max(ev[self.v2_like])),
                "v1like_min_reference_ev_paper": float(np.min(paper[self.v1_like])),
                "v2like_max_reference_ev_paper": float(np.max(paper[self.v2_like])),
                "v1like_ids": [n for n, keep in zip(self.neuroid_ids, self.v1_like) if keep],
                "v2like_ids": [n for n, keep in zip(self.neuroid_ids, self.v2_like) if keep]}


def partition_from_scores(neuroid_ids: Sequence[str], per_neuron_r: np.ndarray, per_neuron_ceiling: np.ndarray,
                          reference: str = REFERENCE_MODEL, quantile: float = PARTITION_QUANTILE,
                          selected_on: str | None = None) -> ReferencePartition:
    """Partition from a reference model's PLS table: ``per_neuron_r`` (split, neuron) r, ``per_neuron_ceiling``
    (neuron,) internal consistency; top / bottom ``quantile`` of the per-neuron sign-aware explained variance, ties
    broken by the mean r over splits."""
    r, c = np.asarray(per_neuron_r, dtype=float), np.asarray(per_neuron_ceiling, dtype=float)
    ev = per_neuron_explained_variance(r, c, sign_aware=True)
    masks = v1like_v2like_partition(ev, quantile, tiebreak=np.nanmean(r, axis=0))
    return ReferencePartition(reference, tuple(map(str, neuroid_ids)), ev, per_neuron_explained_variance(r, c),
                              masks.v1_like, masks.v2_like, selected_on)


def partition_from_details(details: dict[str, Any], reference: str = REFERENCE_MODEL,
                           quantile: float = PARTITION_QUANTILE) -> ReferencePartition:
    """Partition from the ``details`` of a full (all-cell) ``FreemanZiembaPLS`` score of the reference model."""
    return partition_from_scores(details["neuroid_ids"], details["per_neuron_r"], details["per_neuron_ceiling"],
                                 reference, quantile, details.get("access"))


def subset_scores(details: dict[str, Any], mask: np.ndarray) -> dict[str, Any]:
    """Scores of a full ``FreemanZiembaPLS`` result restricted to the neurons in ``mask`` (n_neuroids,), computed as
    ``FreemanZiembaPartitionPLS`` does: the paper's literal and sign-aware median (r/r_ceil)^2 (mean, std over
    splits; see ``SCORE_DEFINITIONS``), Brain-Score's score, and per cell the mean over splits of both."""
    r = np.asarray(details["per_neuron_r"], dtype=float)[:, mask]
    c = np.asarray(details["per_neuron_ceiling"], dtype=float)[mask]
    brainscore = brainscore_ceiled_score(r, c)
    return {**paper_score_fields(r, c), "score": brainscore.ceiled, "raw": brainscore.raw,
            "ceiling": brainscore.ceiling, "n_neuroids": int(mask.sum()),
            "per_neuron_ev": per_neuron_explained_variance(r, c),
            "per_neuron_ev_sign_aware": per_neuron_explained_variance(r, c, sign_aware=True)}


@functools.lru_cache(maxsize=8)
def reference_partition(source: str, reference: str = REFERENCE_MODEL, quantile: float = PARTITION_QUANTILE,
                        access: str | None = None, time_window: tuple[int, int] = BRAINSCORE_TIME_WINDOW,
                        pls: str = "kernel", data_root: str | None = None) -> ReferencePartition:
    """Score ``reference`` on the full V2 PLS benchmark of ``source`` (on split ``access``) and partition its cells
    (once per process)."""
    from brainscore_lcl.scoring import load_model

    benchmark = FreemanZiembaPLS(source, "V2", access=access, time_window=time_window, pls=pls, data_root=data_root)
    details = benchmark(load_model(reference)).attrs["details"]
    return partition_from_details(details, reference, quantile)


class FreemanZiembaPartitionPLS(FreemanZiembaPLS):
    """V2 PLS benchmark aggregated over the V1-like or V2-like cells (``subset``) of ``reference``'s partition.

    ``selection``: "same" (default, the paper's procedure) ranks the cells on the split this benchmark scores;
    "public" ranks them on the public split and scores them here (on the private split), so that the partition is
    not selected on the data that it is scored on. ``partition`` may be given (e.g. from cached reference scores, or a
    toy table in tests); otherwise it is computed on first use by scoring ``reference`` on the full V2 benchmark with
    the same options. The returned score's ``details`` are those of ``FreemanZiembaPLS`` over the subset, plus
    ``subset``, ``selection`` and ``partition`` (its summary).
    """

    def __init__(self, source: str, subset: str, *, reference: str = REFERENCE_MODEL,
                 quantile: float = PARTITION_QUANTILE, partition: ReferencePartition | None = None,
                 selection: str = "same", access: str | None = None,
                 time_window: tuple[int, int] = BRAINSCORE_TIME_WINDOW, pls: str = "kernel",
                 data_root: str | None = None, identifier: str | None = None):
        if subset not in SUBSETS:
            raise UsageError(f"subset must be one of {SUBSETS}, got {subset!r}")
        if selection not in SELECTIONS:
            raise UsageError(f"selection must be one of {SELECTIONS}, got {selection!r}")
        self.subset, self.reference, self.quantile, self._partition = subset, reference, quantile, partition
        self.selection = selection
        super().__init__(source, "V2", access=access, time_window=time_window, pls=pls, data_root=data_root,
                         identifier=identifier or f"{SOURCE_PREFIXES[source]}.V2-pls-{subset}",
                         neuron_subset=self._subset_mask)

    @property
    def partition(self) -> ReferencePartition:
        """The reference partition (computed on first access when not given)."""
        if self._partition is None:
            self._partition = reference_partition(self.source, self.reference, self.quantile,
                                                  self.selection_access(), self.time_window, self.pls,
                                                  self.data_root)
        return self._partition

    def selection_access(self) -> str:
        """The split the partition is ranked on: this benchmark's own, or the public one (``selection="public"``)."""
        if self.selection == "same":
            return self.access
        if self.access == "public":
            raise ValueError("selection='public' ranks the cells on the public split, which is the split this "
                             "benchmark scores; use a private-split source (sim, local, official)")
        return "public"

    def _subset_mask(self, neuroid_ids: list[str]) -> np.ndarray:
        """The subset over the scored neuroids, looked up by id in the reference partition."""
        return self.partition.mask(self.subset, neuroid_ids)

    def __call__(self, candidate) -> Score:
        score = super().__call__(candidate)
        details = score.attrs["details"]
        details.update(subset=self.subset, selection=self.selection, partition=self.partition.summary())
        return score


# ----------------------------------------------------------------------------------------------------------------------
# Texture modulation
# ----------------------------------------------------------------------------------------------------------------------

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
        from brainscore_lcl.data.simulation import simulated_data_root

        return str(simulated_data_root())
    if source == "local":
        return data_root or os.environ.get("BRAINSCORE_LCL_FZ_ROOT")
    return None


def release_psth(root: str, region: str) -> np.ndarray:
    """Mean PSTH of each cell over all images and repetitions, (cell, bin) in spikes/ms on 10-ms bins, 0-300 ms."""
    from brainscore_lcl.data.freemanziemba import windowed_rates

    columns = []
    for start in range(0, PSTH_END_MS, PSTH_BIN_MS):
        rates = windowed_rates(root, region, (start, start + PSTH_BIN_MS))[0]
        columns.append(rates.reshape(len(rates), -1).mean(axis=1))
    return np.stack(columns, axis=1)


def aligned_latency(psth: np.ndarray, window_ms: int = LATENCY_WINDOW_MS) -> np.ndarray:
    """Each cell's response latency (ms) for the latency-aligned window, from its PSTH (cell, 10-ms bin from 0 ms).

    Rule (``response_latency``): on the cell's PSTH over all images and repetitions, the start of the first bin after a
    50-ms baseline that begins 3 consecutive bins above baseline mean + 3 s.d. (3-bin moving average); 50 ms if there is
    none; capped so that the window [latency, latency + window_ms) ends by 300 ms. Returns shape (cell,).
    """
    return np.minimum(response_latency(psth, PSTH_BIN_MS), PSTH_END_MS - window_ms)


def latency_aligned_rates(root: str, region: str, window_ms: int = LATENCY_WINDOW_MS
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's mean rate over its own [latency, latency + window_ms) window (Freeman et al. 2013), from the raw
    release under ``root``; latency by ``aligned_latency``. Returns rates (cell, repetition, sample, type, family) in
    spikes/ms and latencies (cell,) in ms.
    """
    from brainscore_lcl.data.freemanziemba import windowed_rates

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
    from brainscore_lcl.data.freemanziemba import FAMILIES, TEXTURE_TYPES

    assembly = assembly.transpose("presentation", "neuroid")
    type_index = np.array([TEXTURE_TYPES.index(str(value)) for value in assembly["texture_type"].values])
    family_index = np.array([FAMILIES.index(int(value)) for value in assembly["texture_family"].values])
    sample_index = assembly["sample"].values.astype(int) - 1
    repetition = assembly["repetition"].values.astype(int)
    cell_index = np.argsort(np.argsort(assembly["neuroid_id"].values.astype(int)))
    values = rates[:, repetition, sample_index, type_index, family_index]      # (cell, presentation)
    return assembly.copy(data=values[cell_index].T)


def _packaged_region_rates(packaged, region: str) -> tuple[Any, np.ndarray, float]:
    """One region of a packaged (neuroid, time_bin, presentation) assembly: the selection, its rates (neuroid,
    presentation, bin) in spikes/ms and the bin width (ms). Bins must be uniform and start at 0 ms."""
    selected = packaged.sel(region=region).stack(neuroid=["neuroid_id"])       # as Brain-Score's load_assembly
    starts = np.asarray(selected["time_bin_start"].values, dtype=float)
    width = float(selected["time_bin_end"].values[0] - starts[0])
    if not np.allclose(starts, np.arange(len(starts)) * width) or not np.allclose(
            selected["time_bin_end"].values - starts, width):
        raise ValueError("the packaged assembly's time bins must be uniform and start at 0 ms, as Brain-Score's 1-ms "
                         "bins from 0 to 300 ms are")
    counts = selected.transpose("neuroid", "presentation", "time_bin").values
    return selected, counts / width, width


def latency_aligned_packaged(packaged: Sequence, region: str, window_ms: int = LATENCY_WINDOW_MS
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
    from brainscore_lcl.data.freemanziemba import windowed_assembly
    from brainscore_lcl.data.sources import join_splits
    from brainscore_lcl.metrics.texture import window_mean

    regions = [_packaged_region_rates(assembly, region) for assembly in packaged]
    _, _, width = regions[0]
    n_presentations = sum(rates.shape[1] for _, rates, _ in regions)
    fine_psth = sum(rates.sum(axis=1) for _, rates, _ in regions) / n_presentations        # (neuroid, bin)
    psth = np.stack([window_mean(fine_psth, width, start, start + PSTH_BIN_MS)
                     for start in range(0, PSTH_END_MS, PSTH_BIN_MS)], axis=1)
    latency = aligned_latency(psth, window_ms)
    parts = []
    for assembly, (selected, rates, _) in zip(packaged, regions):
        start, end = latency_aligned_window(latency, window_ms)
        values = window_mean(rates, width, start[:, None], end[:, None])                   # (neuroid, presentation)
        first_bin = (float(selected["time_bin_start"].values[0]), float(selected["time_bin_end"].values[0]))
        template = windowed_assembly(assembly, [first_bin], (0, window_ms), region, average_repetitions=False)
        if not np.array_equal(template["neuroid_id"].values, selected["neuroid_id"].values):
            raise ValueError("the packaged assembly's neuroids changed order in Brain-Score's processing")
        parts.append(template.copy(data=values.T))
    return join_splits(parts), latency


def load_texture_data(source: str, region: str = "V2", *, window: str = "latency",
                      time_window: tuple[int, int] = BRAINSCORE_TIME_WINDOW,
                      data_root: str | None = None) -> TextureData:
    """Responses of ``region`` to every image of ``source`` with their ceilings, for texture modulation.

    Images: all 450 (every sample of every family), except for the source "public" (Brain-Score's public split, 135);
    for "official", Brain-Score's public and private assemblies joined. ``window``: "latency" (each cell's
    latency-aligned 100-ms window: from the raw release's bins for "local" and "sim", from the 1-ms bins of
    Brain-Score's packaged assemblies for "official" and "public", ``latency_aligned_packaged``) or "fixed"
    (``time_window``, ms, the same for every cell). The ceiling is Brain-Score's internal consistency on the same
    responses.
    """
    from brainscore_lcl.data.sources import load_brainscore_packaged, load_freemanziemba_assembly

    if window not in WINDOWS:
        raise UsageError(f"window {window!r} is not one of {', '.join(WINDOWS)}")
    access = "public" if source == "public" else "all"
    latency = None
    if window == "latency" and source in ("official", "public"):
        splits = ("public",) if source == "public" else ("public", "private")
        repetitions, latency = latency_aligned_packaged([load_brainscore_packaged(split) for split in splits], region)
    else:
        repetitions = load_freemanziemba_assembly(source, region, access=access, average_repetitions=False,
                                                  time_window=tuple(time_window), data_root=data_root)
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
    return TextureData(responses=np.asarray(means.values, dtype=float),
                       ceilings=np.asarray(ceilings.values, dtype=float),
                       stimulus_ids=means["stimulus_id"].values, families=means["texture_family"].values,
                       texture_types=means["texture_type"].values.astype(str),
                       neuroid_ids=means["neuroid_id"].values.astype(str),
                       stimulus_set=repetitions.attrs["stimulus_set"], window=window, assembly=means,
                       latency_ms=latency_ms)


def cross_validated_predictions(features: np.ndarray, targets: np.ndarray, strata: np.ndarray,
                                n_folds: int = N_FOLDS, n_components: int = PLS_COMPONENTS,
                                seed: int = 0) -> np.ndarray:
    """Held-out PLS predictions of every image: ``features`` (n_images, p) -> ``targets`` (n_images, q).

    ``n_folds`` disjoint folds stratified by ``strata`` (n_images,), so each image is predicted exactly once by a
    kernel PLS (``KernelPLSRegression``, ``n_components``, at most p) fitted on the other folds. The image Gram
    matrix is computed once and sliced per fold. Returns (n_images, q).
    """
    targets = np.asarray(targets, dtype=np.float64)
    features = np.asarray(features)
    regression = KernelPLSRegression(n_components=min(n_components, features.shape[1]))
    regression.stimulus_gram = StimulusGram(gram_matrix(features), features.shape[1])
    rows = np.arange(len(features), dtype=np.float64)[:, None]
    predictions = np.full(targets.shape, np.nan)
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    for train, test in folds.split(rows, strata):
        predictions[test] = regression.fit(rows[train], targets[train]).predict(rows[test])
    return predictions


@dataclass(frozen=True)
class Modulation:
    """Texture modulation of one population: per-unit Rmod (n_units,) and per-family Rmod (n_families,)."""
    neuron_rmod: np.ndarray
    family_rmod: np.ndarray
    families: np.ndarray


def population_modulation(responses: np.ndarray, families: np.ndarray, texture_types: np.ndarray,
                          rectify: bool) -> Modulation:
    """Rmod of every unit of ``responses`` (presentation, unit): family means, index, unit and family averages."""
    means = family_mean_responses(responses, families, texture_types)
    rmod = texture_modulation_index(means.texture, means.noise, rectify=rectify)
    return Modulation(neuron_modulation(rmod), family_modulation(rmod), means.families)


def compare_modulation(model: Modulation, data: Modulation) -> dict[str, Any]:
    """Q-Q distance (mean |quantile difference| of per-unit Rmod), family ranks and their Spearman rho."""
    if not np.array_equal(model.families, data.families):
        raise ValueError("model and data modulations cover different texture families")
    return {"rho": family_rank_correlation(model.family_rmod, data.family_rmod),
            "qq_distance": qq_distance(model.neuron_rmod, data.neuron_rmod),
            "quantiles": modulation_quantiles(model.neuron_rmod).tolist(),
            "family_rmod": model.family_rmod.tolist(), "family_ranks": family_ranks(model.family_rmod).tolist(),
            "neuron_rmod": model.neuron_rmod.tolist(), "n_units": int(np.isfinite(model.neuron_rmod).sum())}


def model_modulation(features: np.ndarray, data: TextureData, reliable: np.ndarray, n_folds: int = N_FOLDS,
                     seed: int = 0) -> dict[str, Modulation]:
    """The two readings of a model's texture modulation (features: (presentation, unit), the data's image order).

    "fitted": each reliable recorded neuron as predicted from the features by ``n_folds``-fold cross-validated PLS
    over all images (strata = family x texture type), predictions rectified at zero before the index.
    "units": the units of the layer itself (rectified likewise).
    """
    strata = np.array([f"{family}-{kind}" for family, kind in zip(data.families, data.texture_types)])
    predictions = cross_validated_predictions(features, data.responses[:, reliable], strata, n_folds, seed=seed)
    return {"fitted": population_modulation(predictions, data.families, data.texture_types, rectify=True),
            "units": population_modulation(features, data.families, data.texture_types, rectify=True)}


def record_model_features(candidate, region: str, stimulus_set, stimulus_ids: np.ndarray,
                          time_bins: Sequence[tuple[int, int]] = ((70, 170),)) -> np.ndarray:
    """The candidate's ``region`` activations (presentation, unit) on ``stimulus_set`` shown at 4 degrees, in the
    order of ``stimulus_ids``."""
    candidate.start_recording(region, time_bins=list(time_bins))
    placed = place_on_screen(stimulus_set, target_visual_degrees=candidate.visual_degrees(),
                             source_visual_degrees=VISUAL_DEGREES)
    activations = candidate.look_at(placed, number_of_trials=NUMBER_OF_TRIALS)
    if "time_bin" in activations.dims:
        activations = activations.squeeze("time_bin", drop=True)
    activations = activations.transpose("presentation", "neuroid")
    order = {stimulus_id: row for row, stimulus_id in enumerate(activations["stimulus_id"].values)}
    return np.asarray(activations.values)[[order[stimulus_id] for stimulus_id in stimulus_ids]]


class FreemanZiembaTextureModulation(BenchmarkBase):
    """Texture modulation of the model's V2 against the recorded V2 cells (``<prefix>.V2-texmod``).

    Data (``load_texture_data``): the V2 cells' responses to all 450 images (15 families x 15 samples x texture /
    noise; for ``official`` Brain-Score's public (135) and private (315) assemblies joined; the ``public`` source has
    only its 135), averaged over repetitions. ``window="latency"`` (default): each cell's rate over its own 100-ms
    window from its response latency (``aligned_latency``: PSTH over all presentations on 10-ms bins, first of 3 bins
    above baseline mean + 3 s.d., capped to end by 300 ms), computed from the raw release's bins (``local``, ``sim``)
    or from the 1-ms bins of Brain-Score's packaged assemblies (``official``, ``public``); ``window="fixed"``: the
    same ``time_window`` (ms) for every cell.

    Score: Spearman rho between model ("fitted" reading) and data per-family modulation over the 15 families (raw,
    not ceiled). ``details``: the data's modulation (reliable cells: ceiling >= ``min_ceiling``), and for each reading
    ("fitted", "units") rho, Q-Q distance, quantiles, family modulation and ranks (see ``compare_modulation``).
    """

    def __init__(self, source: str, *, window: str | None = None,
                 time_window: tuple[int, int] = BRAINSCORE_TIME_WINDOW, min_ceiling: float = MIN_NEURON_CEILING,
                 n_folds: int = N_FOLDS, seed: int = 0, data_root: str | None = None, identifier: str | None = None):
        check_source_and_window(source, time_window)
        if window not in (None, *WINDOWS):
            raise UsageError(f"window {window!r} is not one of {', '.join(WINDOWS)}")
        if not 0 <= min_ceiling < 1:
            raise UsageError(f"min_ceiling {min_ceiling} must lie in [0, 1) (a fraction of the neuron's ceiling)")
        self.source, self.data_root, self.time_window = source, data_root, tuple(time_window)
        self.window = window or "latency"
        self.min_ceiling, self.n_folds, self.seed = min_ceiling, n_folds, seed
        self.region, self._visual_degrees = "V2", VISUAL_DEGREES
        self._data: TextureData | None = None
        super().__init__(identifier=identifier or f"{SOURCE_PREFIXES[source]}.V2-texmod", version=1,
                         ceiling_func=lambda: Score(np.nan), parent="V2", bibtex=BIBTEX)

    @property
    def data(self) -> TextureData:
        """The recorded responses (loaded once)."""
        if self._data is None:
            self._data = load_texture_data(self.source, "V2", window=self.window, time_window=self.time_window,
                                           data_root=self.data_root)
        return self._data

    @property
    def assembly(self):
        """The repetition-averaged (presentation, neuroid) recordings over all images (its ``stimulus_set``: the
        images shown), in the chosen response window."""
        return self.data.assembly

    @property
    def ceiling(self) -> Score:
        """No ceiling: the rank correlation is reported raw."""
        return Score(np.nan)

    def public_counterpart(self) -> FreemanZiembaPLS:
        """The V2 PLS benchmark on the public split of the same source: where layers are selected."""
        return FreemanZiembaPLS(self.source, "V2", access="public", time_window=self.time_window,
                                data_root=self.data_root,
                                identifier=f"{SOURCE_PREFIXES[self.source]}.V2-pls.public-selection")

    def __call__(self, candidate) -> Score:
        details = texture_modulation_details(candidate, self.data, self.min_ceiling, self.n_folds, self.seed)
        score = Score(details["fitted"]["rho"])
        score.attrs["raw"] = Score(details["fitted"]["rho"])
        score.attrs["ceiling"] = self.ceiling
        score.attrs["details"] = {
            "benchmark": self.identifier, "source": self.source, "region": "V2", "window": self.window,
            "time_window_ms": list(self.time_window) if self.window == "fixed" else None,
            "latency_window_ms": LATENCY_WINDOW_MS if self.window == "latency" else None, **details}
        return score


def data_modulation(data: TextureData, min_ceiling: float = MIN_NEURON_CEILING) -> tuple[Modulation, np.ndarray]:
    """The reliable recorded cells' modulation (not rectified) and the reliability mask (neuroid,) over all cells."""
    reliable = reliable_neurons(data.ceilings, min_ceiling)
    return population_modulation(data.responses[:, reliable], data.families, data.texture_types,
                                 rectify=False), reliable


def texture_modulation_details(candidate, data: TextureData, min_ceiling: float = MIN_NEURON_CEILING,
                               n_folds: int = N_FOLDS, seed: int = 0) -> dict[str, Any]:
    """The candidate's V2 texture modulation against ``data``: the score (Spearman rho of the "fitted" reading's
    family modulation with the data's over the families, raw), both readings' comparisons (``compare_modulation``),
    the data's own modulation, and the numbers behind them (images, reliable cells, folds, committed layer)."""
    data_mod, reliable = data_modulation(data, min_ceiling)
    features = record_model_features(candidate, "V2", data.stimulus_set, data.stimulus_ids)
    readings = model_modulation(features, data, reliable, n_folds, seed)
    comparisons = {name: compare_modulation(modulation, data_mod) for name, modulation in readings.items()}
    layer_map = getattr(getattr(candidate, "layer_model", None), "region_layer_map", {}) or {}
    return {"n_images": int(len(data.stimulus_ids)), "min_ceiling": min_ceiling, "n_folds": n_folds,
            "score": comparisons["fitted"]["rho"], "raw": comparisons["fitted"]["rho"], "ceiling": None,
            "error": None, "n_neuroids": int(reliable.sum()), "n_excluded": int((~reliable).sum()),
            "layer": layer_map.get("V2"),
            "data": {"neuron_rmod": data_mod.neuron_rmod.tolist(), "family_rmod": data_mod.family_rmod.tolist(),
                     "family_ranks": family_ranks(data_mod.family_rmod).tolist(),
                     "quantiles": modulation_quantiles(data_mod.neuron_rmod).tolist(),
                     "families": [str(family) for family in data_mod.families],
                     "neuroid_ids": data.neuroid_ids[reliable].tolist(), "ceilings": data.ceilings.tolist(),
                     "latency_ms": None if data.latency_ms is None else data.latency_ms.tolist()},
            "fitted": comparisons["fitted"], "units": comparisons["units"]}


# ----------------------------------------------------------------------------------------------------------------------
# Field of view
# ----------------------------------------------------------------------------------------------------------------------

def set_field_of_view(model, degrees: float):
    """Make ``model`` (a ``ModelCommitment``) see its input as spanning ``degrees`` of visual angle; returns it."""
    model._visual_degrees = degrees
    extractor = getattr(getattr(model, "activations_model", None), "_extractor", None)
    if extractor is not None and hasattr(extractor, "set_visual_degrees"):
        extractor.set_visual_degrees(degrees)
    return model


def field_of_view_sweep(model, benchmark: FreemanZiembaPLS, degrees: Sequence[float] = DEFAULT_FIELDS_OF_VIEW,
                        score_of: Callable[[Score], float] = lambda score: float(score.values)
                        ) -> tuple[float, dict[float, float]]:
    """Score ``model`` on ``benchmark.public_counterpart()`` at each field of view (degrees) and keep the best.

    The model is left at the best field of view. Returns it and every tried field of view's public score.
    """
    public = benchmark.public_counterpart()
    scores = {}
    for value in degrees:
        scores[float(value)] = score_of(public(set_field_of_view(model, float(value))))
    best = max(scores, key=scores.get)
    set_field_of_view(model, best)
    return best, scores
