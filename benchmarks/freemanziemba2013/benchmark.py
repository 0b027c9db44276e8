"""Freeman & Ziemba (2013) V1/V2 PLS benchmarks on every data source, with Brain-Score's machinery.

The computation is Brain-Score 2.4.2's ``NeuralBenchmark`` (stimuli placed on screen at 4 degrees, 20 trials, PLS with
25 components over 10 stratified shuffle splits, internal-consistency ceiling). What this class adds:
- the data source is a parameter (official private / public split, a local raw-release copy, the simulator),
- the PLS implementation is selectable (``kernel``: exact and fast, ``brainscore``: Brain-Score's own),
- the returned score carries everything a neuroscientist needs to report it (``details``): the ceiled score as
  Brain-Score 2.4.2 computes it (``score``), the paper's literal definition (Appendix A.3.2, ``score_paper``) and its
  sign-aware variant (``score_paper_sign_aware``, 0 where r < 0), each with its standard deviation over splits (see
  ``SCORE_DEFINITIONS``, copied into ``details["score_definitions"]``), raw score, ceiling, error, number of neurons,
  the committed layer and the per-neuron values per split.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from brainscore_core.metrics import Score
from brainscore_vision import load_ceiling
from brainscore_vision.benchmark_helpers.neural_common import NeuralBenchmark
from brainscore_vision.utils import LazyLoad

from brainscore_lcl.data.facts import BRAINSCORE_WINDOW_MS, SOURCE_PREFIXES, VISUAL_DEGREES
from brainscore_lcl.data.freemanziemba import check_time_window
from brainscore_lcl.data.simulation import BIN_MS as SIM_BIN_MS
from brainscore_lcl.data.sources import load_freemanziemba_assembly
from brainscore_lcl.errors import UsageError
from brainscore_lcl.metrics.pls import pls_metric
from brainscore_lcl.metrics.scores import SCORE_DEFINITIONS, brainscore_ceiled_score, paper_explained_variance

NUMBER_OF_TRIALS = 20

BIBTEX = """@article{freeman2013functional,
  title={A functional and perceptual signature of the second visual area in primates},
  author={Freeman, Jeremy and Ziemba, Corey M and Heeger, David J and Simoncelli, Eero P and Movshon, J Anthony},
  journal={Nature neuroscience}, volume={16}, number={7}, pages={974--981}, year={2013}}"""


def check_source_and_window(source: str, time_window: tuple[int, int]) -> None:
    """``UsageError`` for an unknown ``source`` or a ``time_window`` (ms) outside its recordings or off its bins
    (10 ms for the simulation; a local release's own bins are checked when it is read)."""
    if source not in SOURCE_PREFIXES:
        raise UsageError(f"unknown source {source!r}; choose one of {sorted(SOURCE_PREFIXES)}")
    check_time_window(time_window, bin_ms=SIM_BIN_MS if source == "sim" else 1)


class FreemanZiembaPLS(NeuralBenchmark):
    """PLS predictivity of the ``region`` ("V1" or "V2") cells of one data ``source``.

    ``access`` is the stimulus subset scored: "private" (315 images; Brain-Score's scoring split), "public" (135; used
    for layer selection) or "all" (450). ``neuron_subset`` optionally maps the scored neuroid ids to a boolean mask of
    the neurons to aggregate over (e.g.
    the V1-like quartile of a reference model); the regression is always fitted on all neurons.
    """

    def __init__(
        self,
        source: str,
        region: str,
        *,
        access: str | None = None,
        time_window: tuple[int, int] = BRAINSCORE_WINDOW_MS,
        pls: str = "kernel",
        data_root: str | None = None,
        identifier: str | None = None,
        neuron_subset: Callable[[list[str]], np.ndarray] | None = None,
    ):
        check_source_and_window(source, time_window)
        self.source, self.time_window, self.pls = source, tuple(time_window), pls
        self.access = access or ("public" if source == "public" else "private")
        self.data_root, self.neuron_subset = data_root, neuron_subset
        options = dict(region=region, access=self.access, time_window=self.time_window, data_root=data_root)
        assembly = LazyLoad(lambda: load_freemanziemba_assembly(source, average_repetitions=True, **options))
        super().__init__(
            identifier=identifier or f"{SOURCE_PREFIXES[source]}.{region}-pls",
            version=1,
            assembly=assembly,
            similarity_metric=pls_metric(pls, crossvalidation_kwargs=dict(stratification_coord="texture_type")),
            visual_degrees=VISUAL_DEGREES,
            number_of_trials=NUMBER_OF_TRIALS,
            ceiling_func=lambda: internal_consistency_ceiling(
                load_freemanziemba_assembly(source, average_repetitions=False, **options)
            ),
            parent=region,
            bibtex=BIBTEX,
        )
        self._ceiling_score: Score | None = None

    @property
    def assembly(self):
        """The repetition-averaged (presentation, neuroid) assembly this benchmark scores against."""
        return self._assembly

    @property
    def ceiling(self) -> Score:
        """Internal-consistency ceiling, computed once per process for each repetition assembly
        (``internal_consistency_ceiling``; Brain-Score caches it on disk under the benchmark identifier alone, which
        would go stale when a local or simulated data set changes)."""
        if self._ceiling_score is None:
            self._ceiling_score = self._ceiling_func()
        return self._ceiling_score

    def public_counterpart(self) -> FreemanZiembaPLS:
        """The same benchmark on the public split of the same source: where layers are selected."""
        return FreemanZiembaPLS(
            self.source,
            self.region,
            access="public",
            time_window=self.time_window,
            pls=self.pls,
            data_root=self.data_root,
            identifier=f"{SOURCE_PREFIXES[self.source]}.{self.region}-pls.public-selection",
        )

    def data_fields(self) -> dict[str, Any]:
        """What a result's ``details`` say about the data scored: benchmark id, source, region, split, window (ms)."""
        return {
            "benchmark": self.identifier,
            "source": self.source,
            "region": self.region,
            "access": self.access,
            "time_window_ms": list(self.time_window),
        }

    def __call__(self, candidate) -> Score:
        score = super().__call__(candidate)
        neuroid_ids, r, c = per_neuron_table(score, self.ceiling)
        mask = np.ones(len(neuroid_ids), dtype=bool)
        if self.neuron_subset is not None:
            mask = np.asarray(self.neuron_subset(neuroid_ids), dtype=bool)
            score = _subset_score(r[:, mask], c[mask])
        layer_map = getattr(getattr(candidate, "layer_model", None), "region_layer_map", {}) or {}
        score.attrs["details"] = {
            **self.data_fields(),
            "pls": self.pls,
            "score": float(score.values),
            "raw": float(score.raw.values),
            "ceiling": float(score.ceiling.values),
            "error": float(score.attrs["error"].values) if "error" in score.attrs else float("nan"),
            **paper_score_fields(r[:, mask], c[mask]),
            "score_definitions": dict(SCORE_DEFINITIONS),
            "n_neuroids": int(mask.sum()),
            "layer": layer_map.get(self.region),
            "neuroid_ids": [neuroid for neuroid, keep in zip(neuroid_ids, mask) if keep],
            "per_neuron_r": r[:, mask].tolist(),
            "per_neuron_ceiling": c[mask].tolist(),
        }
        return score


#: the ceiling of each repetition assembly: {id: (assembly, ceiling)} (the assembly kept, so that its id stays its own)
_CEILINGS: dict[int, tuple[Any, Score]] = {}


def internal_consistency_ceiling(assembly) -> Score:
    """Brain-Score's ``internal_consistency`` ceiling of ``assembly`` (presentation x repetition, neuroid), computed
    once per assembly object and process: ``load_freemanziemba_assembly`` returns the same object for the same data,
    so every benchmark and every model scored on it shares one ceiling (seconds each; its splits are seeded)."""
    held = _CEILINGS.get(id(assembly))
    if held is None or held[0] is not assembly:
        held = _CEILINGS[id(assembly)] = (assembly, load_ceiling("internal_consistency")(assembly))
    return held[1]


def per_neuron_table(score: Score, ceiling: Score) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Per-neuron values of a Brain-Score PLS benchmark's result: neuroid ids, ``r`` (split, neuron) held-out
    correlations (``score.raw.raw``) and ``c`` (neuron,) internal-consistency ceilings (``ceiling.raw`` averaged over
    its splits), in the score's neuroid order."""
    correlations = score.raw.raw
    ceilings = ceiling.raw.mean("split").sel(neuroid=correlations["neuroid"])
    r = np.asarray(correlations.transpose("split", "neuroid").values, dtype=float)
    return ([str(value) for value in correlations["neuroid_id"].values], r, np.asarray(ceilings.values, dtype=float))


def paper_score_fields(r: np.ndarray, c: np.ndarray) -> dict[str, Any]:
    """``score_paper`` (literal) and ``score_paper_sign_aware``, each with ``_std`` and ``_per_split`` (over the
    cross-validation splits), from ``r`` (split, neuron) correlations and ``c`` (neuron,) ceilings."""
    fields = {}
    for name, sign_aware in (("score_paper", False), ("score_paper_sign_aware", True)):
        paper = paper_explained_variance(r, c, sign_aware=sign_aware)
        fields.update(
            {
                name: float(paper.mean),
                f"{name}_std": float(paper.std),
                f"{name}_per_split": [float(value) for value in paper.per_split],
            }
        )
    return fields


def _subset_score(r: np.ndarray, c: np.ndarray) -> Score:
    """Brain-Score 2.4.2's aggregation (mean over splits of the median r, squared, over the median ceiling)
    restricted to a subset of neurons; ``r``: (split, neuron) correlations, ``c``: (neuron,) ceilings."""
    values = brainscore_ceiled_score(r, c)
    score = Score(values.ceiled)
    score.attrs["raw"] = Score(values.raw)
    score.attrs["ceiling"] = Score(values.ceiling)
    score.attrs["error"] = Score(values.error)
    return score
