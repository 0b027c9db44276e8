"""The simulated experiment next to published statistics of the real recordings (``brainscore data describe``).

Published numbers, each with its source (a statistic whose published value could not be found has ``None``):

- Freeman, Ziemba, Heeger, Simoncelli & Movshon (2013) Nat Neurosci 16:974, Fig. 3: mean texture modulation index
  (T - N) / (T + N) of each of the 15 families over V1 and V2 neurons, and the histogram of V1 neurons' modulation
  (averaged over families). The figure's values as digitized by a third party, not by us:
  github.com/jonasprokop/classical_exps, run_pipeline/config/experimental_scraped_data/
  freeman2013_naturalistic_texture_modulation.py (commit 09c2cd3); families in the figure's order (by V2 modulation).
- Freeman, Ziemba, Movshon & Simoncelli (2012) Cosyne abstract T-41 ("Linking physiology and perception in V2", the
  same experiment): 64% of V2 and 10% of V1 single units fired reliably more to naturalistic textures than to noise.
- Ziemba, Freeman, Movshon & Simoncelli (2016) PNAS 113:E3140: split of each neuron's response variance to the
  texture images into across-family and across-sample (within-family) parts. Its numbers could not be found in the
  sources available to us; only its qualitative result is used: V2 neurons are relatively more variable across
  families, V1 neurons across samples (V1 populations identify samples better, V2 populations classify families
  better; abstract).

Simulated statistics are computed on the simulated recordings as the paper's texture analyses read them:
repetition-averaged responses in each cell's latency-aligned 100-ms window (``latency_aligned_rates``), all cells.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from scipy import stats

from brainscore_lcl.metrics.texture import (
    family_mean_responses,
    family_modulation,
    neuron_modulation,
    texture_modulation_index,
)

FREEMAN2013_SOURCE = (
    "Freeman et al. (2013) Nat Neurosci 16:974, Fig. 3, digitized in "
    "github.com/jonasprokop/classical_exps (commit 09c2cd3)"
)
COSYNE2012_SOURCE = "Freeman, Ziemba, Movshon & Simoncelli (2012) Cosyne abstract T-41"
ZIEMBA2016_SOURCE = "Ziemba et al. (2016) PNAS 113:E3140"
#: mean modulation index of each family over neurons, in Fig. 3's family order (descending V2 modulation)
FREEMAN2013_FAMILY_RMOD = {
    "V2": (
        0.2463,
        0.2379,
        0.2224,
        0.2081,
        0.2021,
        0.1746,
        0.1436,
        0.1078,
        0.1018,
        0.0684,
        0.0540,
        0.0493,
        0.0158,
        -0.0104,
        -0.0248,
    ),
    "V1": (
        0.0087,
        0.0863,
        -0.0116,
        0.0457,
        0.0325,
        0.0409,
        -0.0128,
        0.0290,
        0.0433,
        -0.0069,
        -0.0212,
        -0.0355,
        -0.0857,
        -0.0522,
        -0.0415,
    ),
}
#: histogram of V1 neurons' modulation index (bin centres, proportion of the 102 cells)
FREEMAN2013_V1_RMOD_HISTOGRAM = (
    (-0.4194, -0.2386, -0.1819, -0.1231, -0.0599, -0.0011, 0.0599, 0.1209, 0.1776, 0.2386, 0.3584),
    (0.0092, 0.0184, 0.0292, 0.0384, 0.1574, 0.4215, 0.2150, 0.0691, 0.0100, 0.0192, 0.0107),
)
#: half-width of the histogram's three central bins (centres -0.06, 0, 0.06; bin width about 0.06)
CENTRAL_RMOD = 0.09
#: fraction of single units firing reliably more to naturalistic textures than to noise (Cosyne 2012)
COSYNE2012_ENHANCED_FRACTION = {"V1": 0.10, "V2": 0.64}
ENHANCEMENT_ALPHA = 0.05


class VarianceSplit(NamedTuple):
    """Per-cell variance of the texture-image responses across families (of the family means) and across samples
    (within family, averaged over families); ``family_share`` = family / (family + sample). Shapes (n_cells,)."""

    family: np.ndarray
    sample: np.ndarray
    family_share: np.ndarray


def variance_split(responses: np.ndarray, families: np.ndarray, texture_types: np.ndarray) -> VarianceSplit:
    """Across-family and across-sample variance of each cell over the texture images (Ziemba et al. 2016's split).

    responses: (n_images, n_cells) repetition-averaged; families, texture_types: (n_images,). Noise images are
    left out; every family needs the same number of texture samples.
    """
    responses, families = np.asarray(responses, dtype=float), np.asarray(families)
    texture = np.asarray(texture_types) == "texture"
    by_family = np.stack([responses[texture & (families == family)] for family in np.unique(families[texture])])
    family_means = by_family.mean(axis=1)  # (family, cell)
    family = family_means.var(axis=0)
    sample = by_family.var(axis=1).mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return VarianceSplit(family, sample, family / (family + sample))


def condition_mean_r2(responses: np.ndarray, families: np.ndarray, texture_types: np.ndarray) -> np.ndarray:
    """Fraction of each cell's variance across all images explained by its family x image-type means, (n_cells,)."""
    responses = np.asarray(responses, dtype=float)
    conditions = np.char.add(np.asarray(families).astype(str), np.asarray(texture_types).astype(str))
    fitted = np.empty_like(responses)
    for condition in np.unique(conditions):
        rows = conditions == condition
        fitted[rows] = responses[rows].mean(axis=0)
    residual = ((responses - fitted) ** 2).sum(axis=0)
    total = ((responses - responses.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1 - residual / total


def enhanced_by_texture(
    responses: np.ndarray,
    families: np.ndarray,
    texture_types: np.ndarray,
    samples: np.ndarray,
    alpha: float = ENHANCEMENT_ALPHA,
) -> np.ndarray:
    """Cells firing reliably more to textures than to their spectrally matched noise, (n_cells,) bool.

    One-sided Wilcoxon signed-rank test over the (family, sample) pairs of texture and noise responses, p < alpha.
    """
    responses = np.asarray(responses, dtype=float)
    keys = [f"{family}/{sample}" for family, sample in zip(families, samples)]
    texture_types = np.asarray(texture_types)
    rows = {(key, kind): row for row, (key, kind) in enumerate(zip(keys, texture_types))}
    pairs = sorted({key for key in keys})
    difference = np.stack([responses[rows[(key, "texture")]] - responses[rows[(key, "noise")]] for key in pairs])
    enhanced = np.zeros(responses.shape[1], dtype=bool)
    for cell in range(responses.shape[1]):
        if np.any(difference[:, cell] != 0):
            enhanced[cell] = stats.wilcoxon(difference[:, cell], alternative="greater").pvalue < alpha
    return enhanced


def region_statistics(
    responses: np.ndarray, families: np.ndarray, texture_types: np.ndarray, samples: np.ndarray
) -> dict[str, Any]:
    """The compared statistics of one region's cells (responses (n_images, n_cells), repetition-averaged)."""
    means = family_mean_responses(responses, families, texture_types)
    rmod = texture_modulation_index(means.texture, means.noise)
    per_neuron, per_family = neuron_modulation(rmod), family_modulation(rmod)
    split = variance_split(responses, families, texture_types)
    ratio = split.family / split.sample
    return {
        "mean_rmod": float(np.nanmean(per_neuron)),
        "median_rmod": float(np.nanmedian(per_neuron)),
        "central_rmod_fraction": float(np.mean(np.abs(per_neuron[np.isfinite(per_neuron)]) < CENTRAL_RMOD)),
        "family_rmod_sorted": np.sort(per_family)[::-1].tolist(),
        "family_rmod_max": float(np.nanmax(per_family)),
        "family_rmod_min": float(np.nanmin(per_family)),
        "enhanced_fraction": float(np.mean(enhanced_by_texture(responses, families, texture_types, samples))),
        "family_variance_share": float(np.nanmedian(split.family_share)),
        "family_over_sample_geomean": float(np.exp(np.nanmean(np.log(ratio[ratio > 0])))),
        "family_over_sample_fraction": float(np.mean(split.family > split.sample)),
        "condition_mean_r2": float(np.nanmedian(condition_mean_r2(responses, families, texture_types))),
    }


def published_statistics() -> dict[str, dict[str, Any]]:
    """The published counterparts of ``region_statistics`` (None where no number could be found)."""
    centres, proportions = map(np.asarray, FREEMAN2013_V1_RMOD_HISTOGRAM)
    published = {}
    for region in ("V1", "V2"):
        family = np.asarray(FREEMAN2013_FAMILY_RMOD[region])
        published[region] = {
            # the grand mean over neurons and families, i.e. the mean of the family means
            "mean_rmod": float(family.mean()),
            "median_rmod": None,
            "central_rmod_fraction": float(proportions[np.abs(centres) < CENTRAL_RMOD].sum())
            if region == "V1"
            else None,
            "family_rmod_sorted": np.sort(family)[::-1].tolist(),
            "family_rmod_max": float(family.max()),
            "family_rmod_min": float(family.min()),
            "enhanced_fraction": COSYNE2012_ENHANCED_FRACTION[region],
            "family_variance_share": None,
            "family_over_sample_geomean": None,
            "family_over_sample_fraction": None,
            "condition_mean_r2": None,
        }
    return published


STATISTIC_SOURCES = {
    "mean_rmod": FREEMAN2013_SOURCE,
    "median_rmod": "not reported as a number in the sources found",
    "central_rmod_fraction": f"{FREEMAN2013_SOURCE} (V1 histogram; |Rmod| < {CENTRAL_RMOD})",
    "family_rmod_sorted": FREEMAN2013_SOURCE,
    "family_rmod_max": FREEMAN2013_SOURCE,
    "family_rmod_min": FREEMAN2013_SOURCE,
    "enhanced_fraction": f"{COSYNE2012_SOURCE} (simulated: one-sided Wilcoxon over the 225 texture-noise pairs, "
    f"p < {ENHANCEMENT_ALPHA})",
    "family_variance_share": f"{ZIEMBA2016_SOURCE}: number not found; published: larger in V2 than in V1",
    "family_over_sample_geomean": f"{ZIEMBA2016_SOURCE}: number not found; published: larger in V2 than in V1",
    "family_over_sample_fraction": f"{ZIEMBA2016_SOURCE}: number not found",
    "condition_mean_r2": "no published counterpart (share of variance held by the 30 family x type means)",
}


def release_responses(root, region: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Repetition-averaged responses (n_images, n_cells) of one region of a raw release in each cell's
    latency-aligned 100-ms window (``latency_aligned_rates``), with each image's family, texture type and sample."""
    from brainscore_lcl.data.facts import FAMILIES, TEXTURE_TYPES
    from brainscore_lcl.data.texture_responses import latency_aligned_rates

    rates = latency_aligned_rates(str(root), region)[0].mean(axis=1)  # (cell, sample, type, family)
    n_samples = rates.shape[1]
    sample, kind, family = np.meshgrid(
        np.arange(1, n_samples + 1), np.array(TEXTURE_TYPES), np.array(FAMILIES), indexing="ij"
    )
    return rates.reshape(len(rates), -1).T, family.ravel(), kind.ravel(), sample.ravel()


def describe_simulation(root=None) -> dict[str, Any]:
    """Simulated vs published statistics of V1 and V2, JSON-ready: {"rows": [...], "simulated", "published",
    "sources", "sim_version", "seed", "window"}; each row is (statistic, region, simulated, published, source).
    ``root``: a simulated release (default: the cached one of SIM_SEED, generated on first use)."""
    from brainscore_lcl.data.simulation import SIM_SEED, SIM_VERSION, simulated_data_root

    root = root or simulated_data_root()
    simulated = {region: region_statistics(*release_responses(root, region)) for region in ("V1", "V2")}
    published = published_statistics()
    rows = [
        {
            "statistic": name,
            "region": region,
            "simulated": simulated[region][name],
            "published": published[region][name],
            "source": STATISTIC_SOURCES[name],
        }
        for name in STATISTIC_SOURCES
        for region in ("V1", "V2")
    ]
    return {
        "rows": rows,
        "simulated": simulated,
        "published": published,
        "sources": STATISTIC_SOURCES,
        "sim_version": SIM_VERSION,
        "seed": SIM_SEED,
        "window": "latency-aligned 100 ms",
    }


def _cell(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, list):
        return " ".join(f"{item:.2f}" for item in value)
    return f"{value:.3f}"


def format_description(description: dict[str, Any]) -> str:
    """The rows of ``describe_simulation`` as a plain-text table, sources listed below it."""
    header = f"{'statistic':<28} {'region':<6} {'simulated':>10} {'published':>10}"
    lines = [
        f"FreemanZiemba2013sim (sim {description['sim_version']}, seed {description['seed']}, "
        f"{description['window']} window) vs published recordings",
        header,
        "-" * len(header),
    ]
    for row in description["rows"]:
        if isinstance(row["simulated"], list):
            lines.append(f"{row['statistic']:<28} {row['region']:<6}")
            lines.append(f"    simulated: {_cell(row['simulated'])}")
            lines.append(f"    published: {_cell(row['published'])}")
        else:
            lines.append(
                f"{row['statistic']:<28} {row['region']:<6} {_cell(row['simulated']):>10} {_cell(row['published']):>10}"
            )
    lines.append("")
    lines.extend(f"{name}: {source}" for name, source in description["sources"].items())
    return "\n".join(lines)
