"""Texture modulation of model V2 against the recorded V2 cells of Freeman & Ziemba (2013) (``<prefix>.V2-texmod``).

Parthasarathy et al. 2024, Sec. 2.5, 3.2, A.3.3, Fig. 5: texture modulation of the recorded cells and of the model,
read two ways (see ``model_modulation``), with Q-Q distance and family-rank Spearman rho. Uses all 450 images (every
family and sample; on Brain-Score's data its public and private assemblies joined) and, by default, each cell's
latency-aligned 100-ms window (``brainscore_lcl.data.texture_responses``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
from brainscore_core.metrics import Score
from brainscore_vision.benchmark_helpers.screen import place_on_screen
from brainscore_vision.benchmarks import BenchmarkBase

from brainscore_lcl.benchmarks.freemanziemba2013.benchmark import (
    BIBTEX,
    NUMBER_OF_TRIALS,
    FreemanZiembaPLS,
    check_source_and_window,
)
from brainscore_lcl.data.facts import BRAINSCORE_WINDOW_MS, SOURCE_PREFIXES, VISUAL_DEGREES
from brainscore_lcl.data.texture_responses import LATENCY_WINDOW_MS, WINDOWS, TextureData, load_texture_data
from brainscore_lcl.errors import UsageError
from brainscore_lcl.metrics.texture import (
    CV_DESCRIPTIONS,
    CV_SCHEMES,
    DEFAULT_CV,
    MIN_NEURON_CEILING,
    N_FOLDS,
    Modulation,
    compare_modulation,
    cross_validated_predictions,
    family_ranks,
    modulation_quantiles,
    population_modulation,
    reliable_neurons,
    texture_folds,
)
from brainscore_lcl.model_helpers.unit_grid import stimulus_units


def model_modulation(
    features: np.ndarray,
    data: TextureData,
    reliable: np.ndarray,
    n_folds: int = N_FOLDS,
    seed: int = 0,
    cv: str = DEFAULT_CV,
) -> dict[str, Modulation]:
    """The two readings of a model's texture modulation (features: (presentation, unit), the data's image order).

    "fitted": each reliable recorded neuron as predicted from the features by cross-validated PLS over all images
    (``texture_folds``: ``cv="family"`` predicts each family from the other 14; ``cv="stratified"``, the paper's
    choice, ``n_folds`` folds stratified by family x texture type, leaks the family structure: a model of one-hot
    design labels scores rho ~ 1 under it), predictions rectified at zero before the index.
    "units": the units of the layer itself (rectified likewise); ``texture_modulation_details`` keeps, by default, only
    the units centred in the stimulus aperture that respond to some image (``model_helpers.unit_grid.stimulus_units``).
    """
    folds = texture_folds(data.families, data.texture_types, cv, n_folds, seed)
    predictions = cross_validated_predictions(features, data.responses[:, reliable], folds)
    return {
        "fitted": population_modulation(predictions, data.families, data.texture_types, rectify=True),
        "units": population_modulation(features, data.families, data.texture_types, rectify=True),
    }


def record_model_features(
    candidate, region: str, stimulus_set, stimulus_ids: np.ndarray, time_bins: Sequence[tuple[int, int]] = ((70, 170),)
) -> np.ndarray:
    """The candidate's ``region`` activations (presentation, unit) on ``stimulus_set`` shown at 4 degrees, in the
    order of ``stimulus_ids``."""
    candidate.start_recording(region, time_bins=list(time_bins))
    placed = place_on_screen(
        stimulus_set, target_visual_degrees=candidate.visual_degrees(), source_visual_degrees=VISUAL_DEGREES
    )
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
    above baseline mean + 3 s.d., capped to end by 300 ms; this suite's own rule, ``LATENCY_RULE``), computed from
    the raw release's bins (``local``, ``sim``) or from the 1-ms bins of Brain-Score's packaged assemblies
    (``official``, ``public``); ``window="fixed"``: the same ``time_window`` (ms) for every cell.

    Score: Spearman rho between model ("fitted" reading, cross-validated by ``cv``: "family", leave one family out, the
    default; "stratified", the paper's folds, which leak the family structure) and data per-family modulation over the
    15 families (raw, not ceiled). ``details``: the cross-validation (``cv``, ``cv_description``), the data's
    modulation (reliable cells: ceiling >= ``min_ceiling``), and for each reading ("fitted", "units") rho, Q-Q
    distance, quantiles, family modulation and ranks (see ``compare_modulation``).
    """

    def __init__(
        self,
        source: str,
        *,
        window: str | None = None,
        time_window: tuple[int, int] = BRAINSCORE_WINDOW_MS,
        min_ceiling: float = MIN_NEURON_CEILING,
        n_folds: int = N_FOLDS,
        seed: int = 0,
        cv: str = DEFAULT_CV,
        data_root: str | None = None,
        identifier: str | None = None,
    ):
        check_source_and_window(source, time_window)
        if cv not in CV_SCHEMES:
            raise UsageError(
                f"cross-validation {cv!r} is not one of {', '.join(CV_SCHEMES)}; use family (leak-free, the default) "
                "or stratified (the paper's)"
            )
        if window not in (None, *WINDOWS):
            raise UsageError(f"window {window!r} is not one of {', '.join(WINDOWS)}")
        if not 0 <= min_ceiling < 1:
            raise UsageError(f"min_ceiling {min_ceiling} must lie in [0, 1) (a fraction of the neuron's ceiling)")
        self.source, self.data_root, self.time_window = source, data_root, tuple(time_window)
        self.window = window or "latency"
        self.min_ceiling, self.n_folds, self.seed, self.cv = min_ceiling, n_folds, seed, cv
        self.region, self._visual_degrees = "V2", VISUAL_DEGREES
        self._data: TextureData | None = None
        super().__init__(
            identifier=identifier or f"{SOURCE_PREFIXES[source]}.V2-texmod",
            version=1,
            ceiling_func=lambda: Score(np.nan),
            parent="V2",
            bibtex=BIBTEX,
        )

    @property
    def data(self) -> TextureData:
        """The recorded responses (``shared_texture_data``: loaded once per process for every model scored)."""
        if self._data is None:
            self._data = shared_texture_data(self.source, self.window, self.time_window, self.data_root)
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
        return FreemanZiembaPLS(
            self.source,
            "V2",
            access="public",
            time_window=self.time_window,
            data_root=self.data_root,
            identifier=f"{SOURCE_PREFIXES[self.source]}.V2-pls.public-selection",
        )

    def __call__(self, candidate) -> Score:
        details = texture_modulation_details(
            candidate, self.data, self.min_ceiling, self.n_folds, self.seed, cv=self.cv
        )
        score = Score(details["fitted"]["rho"])
        score.attrs["raw"] = Score(details["fitted"]["rho"])
        score.attrs["ceiling"] = self.ceiling
        score.attrs["details"] = {
            "benchmark": self.identifier,
            "source": self.source,
            "region": "V2",
            "window": self.window,
            "time_window_ms": list(self.time_window) if self.window == "fixed" else None,
            "latency_window_ms": LATENCY_WINDOW_MS if self.window == "latency" else None,
            **details,
        }
        return score


@functools.lru_cache(maxsize=8)
def shared_texture_data(source: str, window: str, time_window: tuple[int, int], data_root: str | None) -> TextureData:
    """``load_texture_data`` of V2, once per process and arguments (its internal-consistency ceilings over all 450
    images take seconds), as ``load_freemanziemba_assembly`` keeps its assemblies; read-only for its users."""
    return load_texture_data(source, "V2", window=window, time_window=time_window, data_root=data_root)


def data_modulation(data: TextureData, min_ceiling: float = MIN_NEURON_CEILING) -> tuple[Modulation, np.ndarray]:
    """The reliable recorded cells' modulation (not rectified) and the reliability mask (neuroid,) over all cells."""
    reliable = reliable_neurons(data.ceilings, min_ceiling)
    return population_modulation(
        data.responses[:, reliable], data.families, data.texture_types, rectify=False
    ), reliable


def texture_modulation_details(
    candidate,
    data: TextureData,
    min_ceiling: float = MIN_NEURON_CEILING,
    n_folds: int = N_FOLDS,
    seed: int = 0,
    cv: str = DEFAULT_CV,
) -> dict[str, Any]:
    """The candidate's V2 texture modulation against ``data``: the score (Spearman rho of the "fitted" reading's
    family modulation with the data's over the families, raw), both readings' comparisons (``compare_modulation``),
    the data's own modulation, and the numbers behind them (images, reliable cells, folds, committed layer)."""
    data_mod, reliable = data_modulation(data, min_ceiling)
    features = record_model_features(candidate, "V2", data.stimulus_set, data.stimulus_ids)
    readings = model_modulation(features, data, reliable, n_folds, seed, cv)
    layer_map = getattr(getattr(candidate, "layer_model", None), "region_layer_map", {}) or {}
    # the "units" reading averages over the units that see the stimulus (texmod's default: metrics.texture.select_units)
    units = stimulus_units(candidate, layer_map.get("V2"), features, VISUAL_DEGREES)
    readings["units"] = population_modulation(features[:, units.used], data.families, data.texture_types, rectify=True)
    comparisons = {name: compare_modulation(modulation, data_mod) for name, modulation in readings.items()}
    return {
        "n_images": int(len(data.stimulus_ids)),
        "min_ceiling": min_ceiling,
        "n_folds": len(np.unique(data.families)) if cv == "family" else n_folds,
        "cv": cv,
        "cv_description": CV_DESCRIPTIONS[cv],
        "score": comparisons["fitted"]["rho"],
        "raw": comparisons["fitted"]["rho"],
        "ceiling": None,
        "error": None,
        "n_neuroids": int(reliable.sum()),
        "n_excluded": int((~reliable).sum()),
        "layer": layer_map.get("V2"),
        "data": {
            "neuron_rmod": data_mod.neuron_rmod.tolist(),
            "family_rmod": data_mod.family_rmod.tolist(),
            "family_ranks": family_ranks(data_mod.family_rmod).tolist(),
            "quantiles": modulation_quantiles(data_mod.neuron_rmod).tolist(),
            "families": [str(family) for family in data_mod.families],
            "neuroid_ids": data.neuroid_ids[reliable].tolist(),
            "ceilings": data.ceilings.tolist(),
            "latency_ms": None if data.latency_ms is None else data.latency_ms.tolist(),
        },
        "fitted": comparisons["fitted"],
        "units": {**comparisons["units"], "units": units.counts()},
    }
