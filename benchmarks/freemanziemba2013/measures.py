"""Freeman & Ziemba (2013) V1/V2 under each similarity measure of ``brainscore_lcl.metrics.measures``.

``FreemanZiembaMeasure(source, region, metric=...)`` is the PLS benchmark of the same data (stimuli on screen at 4
degrees, 20 trials, the same private / public split and window, layer selection on the public split by PLS) scored by
one measure: its score is the measure's normalised value (raw / ceiling), and ``details`` carry the raw value, the
ceiling, the bootstrap intervals and what each means. Registered as ``<prefix>.<region>-<metric>`` (e.g.
``FreemanZiemba2013sim.V2-procrustes``) and reached from any ``-pls`` id with the option ``metric=``.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

from brainscore_core.metrics import Score
from brainscore_vision.benchmark_helpers.screen import place_on_screen

from brainscore_lcl.data.facts import SOURCE_PREFIXES
from brainscore_lcl.data.sources import load_freemanziemba_assembly
from brainscore_lcl.errors import UsageError
from brainscore_lcl.metrics.measures import (
    MEASURES,
    Recordings,
    align_features,
    model_features,
    recordings_from_assemblies,
    score_measure,
)

from .benchmark import FreemanZiembaPLS

#: the model units of the last few (model, field of view, region, layer, recordings) (``model_units``)
_UNITS: OrderedDict[tuple, Any] = OrderedDict()
#: the recordings of each benchmark's data: {id(averaged assembly): (averaged assembly, Recordings)}
_RECORDINGS: dict[int, tuple[Any, Recordings]] = {}


def check_metric(metric: str) -> str:
    """``UsageError`` unless ``metric`` is one of ``MEASURES``."""
    if metric not in MEASURES:
        raise UsageError(f"unknown --metric {metric!r}; choose one of {', '.join(MEASURES)}")
    return metric


def check_accepts_metric(benchmark_id: str, metric: str) -> None:
    """``UsageError`` unless ``benchmark_id`` is a Freeman-Ziemba V1/V2 benchmark that can be scored by ``metric``:
    a ``-pls`` id takes any measure, a ``-<measure>`` id only its own."""
    measures = "|".join(MEASURES)
    prefixes = "|".join(SOURCE_PREFIXES.values())
    match = re.fullmatch(rf"({prefixes})\.(V[12])-({measures})", benchmark_id)
    if match is None:
        raise UsageError(
            f"--metric applies to the FreemanZiemba2013*.V1 / V2 benchmarks (e.g. FreemanZiemba2013sim.V2-pls), "
            f"not to {benchmark_id!r}; drop --metric or score one of them"
        )
    prefix, region, own = match.groups()
    if own not in ("pls", metric):
        raise UsageError(
            f"{benchmark_id} measures {own}, not --metric {metric}; drop --metric or score {prefix}.{region}-{metric}"
        )


class FreemanZiembaMeasure(FreemanZiembaPLS):
    """The ``region`` cells of one data ``source`` compared to a model by ``metric`` (one of ``MEASURES``); the other
    options are ``FreemanZiembaPLS``'s (``pls`` is the layer selection's PLS)."""

    def __init__(self, source: str, region: str, *, metric: str, n_boot: int = 200, **options):
        self.metric, self.n_boot = check_metric(metric), n_boot
        options.setdefault("identifier", f"{SOURCE_PREFIXES.get(source, source)}.{region}-{metric}")
        super().__init__(source, region, **options)

    def repetition_assembly(self):
        """The (presentation x repetition, neuroid) responses of this benchmark's data, region, split and window."""
        return load_freemanziemba_assembly(
            self.source,
            average_repetitions=False,
            region=self.region,
            access=self.access,
            time_window=self.time_window,
            data_root=self.data_root,
        )

    def recordings(self) -> Recordings:
        """The recordings with repetitions, aligned to the averaged assembly, made once per data object."""
        averaged = getattr(self._assembly, "content", self._assembly)
        held = _RECORDINGS.get(id(averaged))
        if held is None or held[0] is not averaged:
            repetitions = self.repetition_assembly()
            ceiling = float(self.ceiling.values) if self.metric in ("pls", "ridge", "n2n") else None
            held = _RECORDINGS[id(averaged)] = (averaged, recordings_from_assemblies(averaged, repetitions, ceiling))
        if held[1].regression_ceiling is None and self.metric in ("pls", "ridge", "n2n"):
            held[1].regression_ceiling = float(self.ceiling.values)
        return held[1]

    def model_units(self, candidate):
        """The candidate's (n_stimuli, n_units) activations for the recorded stimuli, in the recordings' order (as
        Brain-Score's ``NeuralBenchmark`` records them: placed on screen, ``number_of_trials`` trials); read once per
        process for each model identity, field of view, committed layer and data object, so that the measures of a
        panel share them."""
        layer_map = getattr(getattr(candidate, "layer_model", None), "region_layer_map", {}) or {}
        key = (
            getattr(candidate, "identifier", id(candidate)),
            candidate.visual_degrees(),
            self.region,
            layer_map.get(self.region),
            id(self.recordings()),
        )
        if key not in _UNITS:
            _UNITS[key] = self._recorded_units(candidate)
            if len(_UNITS) > 4:
                _UNITS.popitem(last=False)
        return _UNITS[key]

    def _recorded_units(self, candidate):
        candidate.start_recording(self.region, time_bins=self.timebins)
        stimulus_set = place_on_screen(
            self._assembly.stimulus_set,
            target_visual_degrees=candidate.visual_degrees(),
            source_visual_degrees=self._visual_degrees,
        )
        source = candidate.look_at(stimulus_set, number_of_trials=self._number_of_trials)
        if "time_bin" in source.dims and source.sizes["time_bin"] == 1:
            source = source.squeeze("time_bin")
        return align_features(source, self.recordings())

    def __call__(self, candidate) -> Score:
        recordings = self.recordings()
        features = model_features(self.model_units(candidate), recordings.stimulus_ids)
        result = score_measure(self.metric, features, recordings, n_boot=self.n_boot)
        score = Score(result.normalised)
        score.attrs["raw"] = Score(result.raw)
        score.attrs["ceiling"] = Score(result.ceiling)
        layer_map = getattr(getattr(candidate, "layer_model", None), "region_layer_map", {}) or {}
        score.attrs["details"] = {
            **self.data_fields(),
            "score": result.normalised,
            "error": None,
            "n_neuroids": int(recordings.repetitions.shape[2]),
            "layer": layer_map.get(self.region),
            **result.to_json(),
        }
        return score
