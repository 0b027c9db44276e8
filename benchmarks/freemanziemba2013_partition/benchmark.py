"""The V2 PLS benchmark of Freeman & Ziemba (2013) over the V1-like or V2-like V2 cells (``<prefix>.V2-pls-v1like``
/ ``-v2like``; Parthasarathy et al. 2024, Sec. 3.1, Fig. 4 right).

The cells are the "V1-like" (top quartile) or "V2-like" (bottom quartile) V2 cells, ranked by how well the reference
V1 model (``v1-steerpyr-pool``) explains each cell: by default (``ranking="sign_aware"``) the mean over the 10 splits of
the sign-aware (max(r_n, 0) / r_ceil,n)^2 (``per_neuron_explained_variance(..., sign_aware=True)``), ties broken by the
mean r, so an anti-correlated cell never ranks as V1-like; ``ranking="paper"`` ranks by the paper's literal per-cell
(r_n / r_ceil,n)^2 (Sec. 3.1), under which a strongly anti-correlated cell can rank as V1-like. By default (the
paper's procedure) the cells are ranked on the split that is scored; ``selection="public"`` ranks them on the public
split and scores them on the private one. The regression is always fitted on all cells; only the aggregation is
restricted.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from brainscore_core.metrics import Score

from brainscore_lcl.benchmarks.freemanziemba2013.benchmark import FreemanZiembaPLS, paper_score_fields
from brainscore_lcl.data.facts import BRAINSCORE_WINDOW_MS, SOURCE_PREFIXES
from brainscore_lcl.errors import UsageError
from brainscore_lcl.metrics.scores import (
    brainscore_ceiled_score,
    per_neuron_explained_variance,
    v1like_v2like_partition,
)

REFERENCE_MODEL = "v1-steerpyr-pool"
PARTITION_QUANTILE = 0.25
SUBSETS = ("v1like", "v2like")
#: where the partition is ranked: on the scored split (the paper's procedure) or on the public split
SELECTIONS = ("same", "public")
#: what the partition ranks the cells by, per ``ranking``: the default sign-aware value, or the paper's literal one
RANKED_BY = {
    "sign_aware": "per-cell mean over splits of the sign-aware (max(r, 0)/r_ceil)^2, ties by mean r",
    "paper": "per-cell mean over splits of the paper's literal (r/r_ceil)^2 (Sec. 3.1), ties by mean r",
}
RANKINGS = tuple(RANKED_BY)


def check_ranking(ranking: str) -> None:
    """``UsageError`` unless ``ranking`` is one of ``RANKINGS``."""
    if ranking not in RANKINGS:
        raise UsageError(f"the partition ranking must be one of {', '.join(RANKINGS)}, got {ranking!r}")


@dataclass(frozen=True)
class ReferencePartition:
    """The V1-like / V2-like cells, as ranked by a reference model's per-neuron explained variance.

    ``neuroid_ids`` (n,); ``reference_ev`` (n,): mean over splits of the sign-aware (max(r, 0)/r_ceil)^2;
    ``reference_ev_paper`` (n,), the paper's literal mean over splits of (r/r_ceil)^2; ``ranking``: which of the two
    ranks the cells ("sign_aware" or "paper", ``RANKED_BY``); boolean ``v1_like``/``v2_like``; ``selected_on``: the
    split (access) the reference was scored on.
    """

    reference: str
    neuroid_ids: tuple[str, ...]
    reference_ev: np.ndarray
    reference_ev_paper: np.ndarray
    v1_like: np.ndarray
    v2_like: np.ndarray
    selected_on: str | None = None
    ranking: str = "sign_aware"

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
            raise ValueError(
                f"{len(missing)} neuroids (e.g. {missing[0]}) are not in the {self.reference} partition; "
                "compute the partition on the same data source and region"
            )
        return np.array([lookup[str(neuroid)] for neuroid in neuroid_ids], dtype=bool)

    def summary(self) -> dict[str, Any]:
        """JSON-ready description: sizes and the reference's explained-variance range inside each subset."""
        ev, paper = self.reference_ev, self.reference_ev_paper
        return {
            "reference": self.reference,
            "selected_on": self.selected_on,
            "ranking": self.ranking,
            "ranked_by": RANKED_BY[self.ranking],
            "n_neuroids": len(self.neuroid_ids),
            "n_v1like": int(self.v1_like.sum()),
            "n_v2like": int(self.v2_like.sum()),
            "v1like_min_reference_ev": float(np.min(ev[self.v1_like])),
            "v2like_max_reference_ev": float(np.max(ev[self.v2_like])),
            "v1like_min_reference_ev_paper": float(np.min(paper[self.v1_like])),
            "v2like_max_reference_ev_paper": float(np.max(paper[self.v2_like])),
            "v1like_ids": [n for n, keep in zip(self.neuroid_ids, self.v1_like) if keep],
            "v2like_ids": [n for n, keep in zip(self.neuroid_ids, self.v2_like) if keep],
        }


def partition_from_scores(
    neuroid_ids: Sequence[str],
    per_neuron_r: np.ndarray,
    per_neuron_ceiling: np.ndarray,
    reference: str = REFERENCE_MODEL,
    quantile: float = PARTITION_QUANTILE,
    selected_on: str | None = None,
    ranking: str = "sign_aware",
) -> ReferencePartition:
    """Partition from a reference model's PLS table: ``per_neuron_r`` (split, neuron) r, ``per_neuron_ceiling``
    (neuron,) internal consistency; top / bottom ``quantile`` of the per-neuron explained variance (sign-aware, or
    with ``ranking="paper"`` the paper's literal (r/r_ceil)^2), ties broken by the mean r over splits."""
    check_ranking(ranking)
    r, c = np.asarray(per_neuron_r, dtype=float), np.asarray(per_neuron_ceiling, dtype=float)
    sign_aware, literal = per_neuron_explained_variance(r, c, sign_aware=True), per_neuron_explained_variance(r, c)
    ranked = sign_aware if ranking == "sign_aware" else literal
    masks = v1like_v2like_partition(ranked, quantile, tiebreak=np.nanmean(r, axis=0))
    return ReferencePartition(
        reference,
        tuple(map(str, neuroid_ids)),
        sign_aware,
        literal,
        masks.v1_like,
        masks.v2_like,
        selected_on,
        ranking,
    )


def partition_from_details(
    details: dict[str, Any],
    reference: str = REFERENCE_MODEL,
    quantile: float = PARTITION_QUANTILE,
    ranking: str = "sign_aware",
) -> ReferencePartition:
    """Partition from the ``details`` of a full (all-cell) ``FreemanZiembaPLS`` score of the reference model, ranked
    by ``ranking`` ("sign_aware" or "paper")."""
    return partition_from_scores(
        details["neuroid_ids"],
        details["per_neuron_r"],
        details["per_neuron_ceiling"],
        reference,
        quantile,
        details.get("access"),
        ranking,
    )


def subset_scores(details: dict[str, Any], mask: np.ndarray) -> dict[str, Any]:
    """Scores of a full ``FreemanZiembaPLS`` result restricted to the neurons in ``mask`` (n_neuroids,), computed as
    ``FreemanZiembaPartitionPLS`` does: the paper's literal and sign-aware median (r/r_ceil)^2 (mean, std over
    splits; see ``SCORE_DEFINITIONS``), Brain-Score's score, and per cell the mean over splits of both."""
    r = np.asarray(details["per_neuron_r"], dtype=float)[:, mask]
    c = np.asarray(details["per_neuron_ceiling"], dtype=float)[mask]
    brainscore = brainscore_ceiled_score(r, c)
    return {
        **paper_score_fields(r, c),
        "score": brainscore.ceiled,
        "raw": brainscore.raw,
        "ceiling": brainscore.ceiling,
        "n_neuroids": int(mask.sum()),
        "per_neuron_ev": per_neuron_explained_variance(r, c),
        "per_neuron_ev_sign_aware": per_neuron_explained_variance(r, c, sign_aware=True),
    }


@functools.lru_cache(maxsize=8)
def reference_partition(
    source: str,
    reference: str = REFERENCE_MODEL,
    quantile: float = PARTITION_QUANTILE,
    access: str | None = None,
    time_window: tuple[int, int] = BRAINSCORE_WINDOW_MS,
    pls: str = "kernel",
    data_root: str | None = None,
    ranking: str = "sign_aware",
) -> ReferencePartition:
    """Score ``reference`` on the full V2 PLS benchmark of ``source`` (on split ``access``) and partition its cells
    by ``ranking`` (once per process). ``reference`` is a model id of this suite's registry."""
    from brainscore_lcl.registry import discover_plugins, model_registry

    discover_plugins(("model",))
    benchmark = FreemanZiembaPLS(source, "V2", access=access, time_window=time_window, pls=pls, data_root=data_root)
    details = benchmark(model_registry[reference].factory()).attrs["details"]
    return partition_from_details(details, reference, quantile, ranking)


class FreemanZiembaPartitionPLS(FreemanZiembaPLS):
    """V2 PLS benchmark aggregated over the V1-like or V2-like cells (``subset``) of ``reference``'s partition.

    ``selection``: "same" (default, the paper's procedure) ranks the cells on the split this benchmark scores;
    "public" ranks them on the public split and scores them here (on the private split), so that the partition is
    not selected on the data that it is scored on. ``ranking``: "sign_aware" (default) or "paper" (the paper's literal
    per-cell (r/r_ceil)^2, ``RANKED_BY``). ``partition`` may be given (e.g. from cached reference scores, or a
    toy table in tests); otherwise it is computed on first use by scoring ``reference`` on the full V2 benchmark with
    the same options. The returned score's ``details`` are those of ``FreemanZiembaPLS`` over the subset, plus
    ``subset``, ``selection``, ``partition_ranking`` and ``partition`` (its summary).
    """

    def __init__(
        self,
        source: str,
        subset: str,
        *,
        reference: str = REFERENCE_MODEL,
        quantile: float = PARTITION_QUANTILE,
        partition: ReferencePartition | None = None,
        selection: str = "same",
        ranking: str = "sign_aware",
        access: str | None = None,
        time_window: tuple[int, int] = BRAINSCORE_WINDOW_MS,
        pls: str = "kernel",
        data_root: str | None = None,
        identifier: str | None = None,
    ):
        if subset not in SUBSETS:
            raise UsageError(f"subset must be one of {SUBSETS}, got {subset!r}")
        if selection not in SELECTIONS:
            raise UsageError(f"selection must be one of {SELECTIONS}, got {selection!r}")
        check_ranking(ranking)
        if partition is not None and partition.ranking != ranking:
            raise ValueError(f"the given partition is ranked by {partition.ranking!r}, not {ranking!r}")
        self.ranking = ranking
        self.subset, self.reference, self.quantile, self._partition = subset, reference, quantile, partition
        self.selection = selection
        super().__init__(
            source,
            "V2",
            access=access,
            time_window=time_window,
            pls=pls,
            data_root=data_root,
            identifier=identifier or f"{SOURCE_PREFIXES[source]}.V2-pls-{subset}",
            neuron_subset=self._subset_mask,
        )

    @property
    def partition(self) -> ReferencePartition:
        """The reference partition (computed on first access when not given)."""
        if self._partition is None:
            self._partition = reference_partition(
                self.source,
                self.reference,
                self.quantile,
                self.selection_access(),
                self.time_window,
                self.pls,
                self.data_root,
                self.ranking,
            )
        return self._partition

    def selection_access(self) -> str:
        """The split the partition is ranked on: this benchmark's own, or the public one (``selection="public"``)."""
        if self.selection == "same":
            return self.access
        if self.access == "public":
            raise ValueError(
                "selection='public' ranks the cells on the public split, which is the split this "
                "benchmark scores; use a private-split source (sim, local, official)"
            )
        return "public"

    def _subset_mask(self, neuroid_ids: list[str]) -> np.ndarray:
        """The subset over the scored neuroids, looked up by id in the reference partition."""
        return self.partition.mask(self.subset, neuroid_ids)

    def __call__(self, candidate) -> Score:
        score = super().__call__(candidate)
        details = score.attrs["details"]
        details.update(
            subset=self.subset,
            selection=self.selection,
            partition_ranking=self.ranking,
            partition=self.partition.summary(),
        )
        return score
