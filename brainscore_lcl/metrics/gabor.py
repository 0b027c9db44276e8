"""Gabor fits of first-layer filters and their comparison with macaque V1 (Ringach 2002; paper App. A.5).

The Gabor model (Ringach 2002), on pixel coordinates (x = column, y = row, origin at the filter centre):
    x' = (x - x0) cos(theta) + (y - y0) sin(theta)      across the stripes (the direction of modulation)
    y' = -(x - x0) sin(theta) + (y - y0) cos(theta)     along the stripes
    g = amplitude * exp(-x'^2 / (2 sigma_x^2) - y'^2 / (2 sigma_y^2)) * cos(2 pi frequency x' + phase) + offset
Units: pixels for x0, y0, sigma_x, sigma_y; cycles per pixel for frequency; radians for theta and phase.
nx = sigma_x * frequency and ny = sigma_y * frequency are the envelope s.d. across / along the stripes in periods.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from scipy import optimize

from brainscore_lcl.data.imagenet import IMAGENET_STD

# A filter applied to ImageNet-normalised RGB input responds to an achromatic image x (equal in R, G, B) as the
# single-channel filter sum_c w_c / std_c does (plus a constant), so these weights give the filter's grayscale
# (luminance) receptive field. Pass (0.299, 0.587, 0.114) for the ITU-R BT.601 luma of the raw weights instead.
ACHROMATIC_CHANNEL_WEIGHTS = tuple(1.0 / std for std in IMAGENET_STD)
DEFAULT_MIN_R_SQUARED = 0.7
_REFERENCE_RESOURCE = ("brainscore_lcl.data", "v1_rf_reference.json")


@dataclass(frozen=True)
class GaborFit:
    """Parameters of a fitted Gabor (see the module docstring for units) and the fit's R^2.

    Canonical form: amplitude >= 0, theta in [0, pi), phase in [0, 2 pi).
    """

    amplitude: float
    x0: float
    y0: float
    theta: float
    sigma_x: float
    sigma_y: float
    frequency: float
    phase: float
    offset: float
    r_squared: float = float("nan")

    @property
    def nx(self) -> float:
        """Envelope s.d. across the stripes, in spatial periods."""
        return self.sigma_x * self.frequency

    @property
    def ny(self) -> float:
        """Envelope s.d. along the stripes, in spatial periods."""
        return self.sigma_y * self.frequency

    @property
    def folded_phase(self) -> float:
        """Spatial phase folded into [0, pi/2] (0 = even, pi/2 = odd symmetric); see ``fold_phase``."""
        return float(fold_phase(self.phase))


_PARAMETER_NAMES = ("amplitude", "x0", "y0", "theta", "sigma_x", "sigma_y", "frequency", "phase", "offset")


def fold_phase(phase: np.ndarray | float) -> np.ndarray:
    """Fold spatial phase into [0, pi/2] as Ringach (2002) does.

    A Gabor with phase p equals one with phase p + pi and negated amplitude, and one with phase -p and orientation
    theta + pi; so only the distance of p from the nearest multiple of pi matters: |((p + pi/2) mod pi) - pi/2|.
    0 is an even-symmetric (cosine) field, pi/2 an odd-symmetric (sine) one.
    """
    return np.abs(np.mod(np.asarray(phase, dtype=float) + np.pi / 2, np.pi) - np.pi / 2)


def _grid(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    rows, columns = shape
    y, x = np.mgrid[0:rows, 0:columns].astype(float)
    return x - (columns - 1) / 2, y - (rows - 1) / 2


def _gabor_values(parameters: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    amplitude, x0, y0, theta, sigma_x, sigma_y, frequency, phase, offset = parameters
    dx, dy = x - x0, y - y0
    across = dx * np.cos(theta) + dy * np.sin(theta)
    along = -dx * np.sin(theta) + dy * np.cos(theta)
    envelope = np.exp(-(across**2) / (2 * sigma_x**2) - along**2 / (2 * sigma_y**2))
    return amplitude * envelope * np.cos(2 * np.pi * frequency * across + phase) + offset


def _gabor_jacobian(parameters: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Derivatives of ``_gabor_values`` with respect to the 9 parameters, shape (n_pixels, 9)."""
    amplitude, x0, y0, theta, sigma_x, sigma_y, frequency, phase, offset = parameters
    cos_theta, sin_theta = np.cos(theta), np.sin(theta)
    dx, dy = (x - x0).ravel(), (y - y0).ravel()
    across = dx * cos_theta + dy * sin_theta
    along = -dx * sin_theta + dy * cos_theta
    envelope = np.exp(-(across**2) / (2 * sigma_x**2) - along**2 / (2 * sigma_y**2))
    carrier = 2 * np.pi * frequency * across + phase
    even, odd = envelope * np.cos(carrier), envelope * np.sin(carrier)
    d_across = amplitude * (-even * across / sigma_x**2 - odd * 2 * np.pi * frequency)
    d_along = -amplitude * even * along / sigma_y**2
    return np.stack(
        [
            even,
            -d_across * cos_theta + d_along * sin_theta,
            -d_across * sin_theta - d_along * cos_theta,
            d_across * along - d_along * across,
            amplitude * even * across**2 / sigma_x**3,
            amplitude * even * along**2 / sigma_y**3,
            -amplitude * odd * 2 * np.pi * across,
            -amplitude * odd,
            np.ones_like(even),
        ],
        axis=1,
    )


def gabor(fit: GaborFit, shape: tuple[int, int]) -> np.ndarray:
    """The Gabor described by ``fit`` sampled on a (rows, columns) pixel grid centred on the array."""
    x, y = _grid(shape)
    return _gabor_values(np.array([getattr(fit, name) for name in _PARAMETER_NAMES]), x, y)


def to_grayscale(filters: np.ndarray, channel_weights: Sequence[float] = ACHROMATIC_CHANNEL_WEIGHTS) -> np.ndarray:
    """Weighted sum over colour channels: (n_filters, n_channels, rows, columns) -> (n_filters, rows, columns).

    Default weights: the achromatic receptive field under ImageNet normalisation (``ACHROMATIC_CHANNEL_WEIGHTS``).
    A single-channel bank (n_channels = 1) is returned unweighted.
    """
    filters = np.asarray(filters, dtype=float)
    if filters.ndim != 4:
        raise ValueError(f"filters must be (n_filters, n_channels, rows, columns), got shape {filters.shape}")
    if filters.shape[1] == 1:
        return filters[:, 0]
    weights = np.asarray(channel_weights, dtype=float)
    if weights.shape != (filters.shape[1],):
        raise ValueError(f"need one weight per channel ({filters.shape[1]}), got {weights.shape}")
    return np.einsum("nchw,c->nhw", filters, weights)


def _initial_guesses(image: np.ndarray, x: np.ndarray, y: np.ndarray, n_phase_starts: int) -> list[np.ndarray]:
    """Starts from the FFT peak (frequency, orientation), energy centroid (centre) and energy spread (sigma)."""
    rows, columns = image.shape
    centred = image - image.mean()
    padding = 4
    spectrum = np.abs(np.fft.fft2(centred, s=(padding * rows, padding * columns)))
    peak_row, peak_column = np.unravel_index(np.argmax(spectrum), spectrum.shape)
    frequency_y = np.fft.fftfreq(padding * rows)[peak_row]
    frequency_x = np.fft.fftfreq(padding * columns)[peak_column]
    frequency = float(np.clip(np.hypot(frequency_x, frequency_y), 1e-3, 0.45))
    theta = float(np.arctan2(frequency_y, frequency_x))
    energy = centred**2
    total = energy.sum()
    x0, y0 = float((energy * x).sum() / total), float((energy * y).sum() / total)
    spread = np.sqrt((energy * ((x - x0) ** 2 + (y - y0) ** 2)).sum() / total)
    sigma = float(np.clip(spread, 0.5, max(rows, columns)))
    amplitude = float(np.abs(centred).max())
    phases = np.arange(n_phase_starts) * 2 * np.pi / n_phase_starts
    return [
        np.array([amplitude, x0, y0, theta, sigma, sigma, frequency, phase, float(image.mean())]) for phase in phases
    ]


def _canonical(parameters: np.ndarray) -> np.ndarray:
    amplitude, x0, y0, theta, sigma_x, sigma_y, frequency, phase, offset = parameters
    if amplitude < 0:
        amplitude, phase = -amplitude, phase + np.pi
    theta = np.mod(theta, 2 * np.pi)
    if theta >= np.pi:
        theta, phase = theta - np.pi, -phase
    return np.array([amplitude, x0, y0, theta, sigma_x, sigma_y, frequency, np.mod(phase, 2 * np.pi), offset])


def fit_gabor(image: np.ndarray, n_phase_starts: int = 4) -> GaborFit:
    """Least-squares Gabor fit (scipy ``least_squares``, trust region) of one 2-D filter of shape (rows, columns).

    Tries ``n_phase_starts`` evenly spaced starting phases from a common FFT/centroid initialisation and keeps the
    lowest residual; each start gets at most 300 evaluations (filters that need more fit poorly anyway).
    Bounds: centre within the filter's extent, sigma in [0.25, 2 * size] pixels, frequency in [0, 0.5] cycles/pixel.
    R^2 = 1 - SS_residual / SS_total (about the filter's mean); NaN for a constant filter.
    """
    image = np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"fit_gabor takes one 2-D filter, got shape {image.shape}; use fit_filter_bank for a bank")
    x, y = _grid(image.shape)
    size = float(max(image.shape))
    half = size / 2
    lower = [-np.inf, -half, -half, -np.inf, 0.25, 0.25, 0.0, -np.inf, -np.inf]
    upper = [np.inf, half, half, np.inf, 2 * size, 2 * size, 0.5, np.inf, np.inf]
    total = float(((image - image.mean()) ** 2).sum())
    if total == 0:
        return GaborFit(0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, float(image.mean()), float("nan"))
    target = image.ravel()

    def residual(parameters: np.ndarray) -> np.ndarray:
        return _gabor_values(parameters, x, y).ravel() - target

    def jacobian(parameters: np.ndarray) -> np.ndarray:
        return _gabor_jacobian(parameters, x, y)

    best = None
    for start in _initial_guesses(image, x, y, n_phase_starts):
        start = np.clip(start, np.array(lower) + 1e-9, np.array(upper) - 1e-9)
        result = optimize.least_squares(
            residual, start, jac=jacobian, bounds=(lower, upper), method="trf", max_nfev=300
        )
        if best is None or result.cost < best.cost:
            best = result
    parameters = _canonical(best.x)
    r_squared = 1.0 - 2.0 * best.cost / total
    return GaborFit(*map(float, parameters), r_squared=float(r_squared))


def fit_filter_bank(
    filters: np.ndarray, channel_weights: Sequence[float] = ACHROMATIC_CHANNEL_WEIGHTS, n_phase_starts: int = 4
) -> list[GaborFit]:
    """Gabor fit of every filter of a bank: (n, channels, rows, columns) via ``to_grayscale``, or (n, rows, columns)."""
    filters = np.asarray(filters, dtype=float)
    grayscale = filters if filters.ndim == 3 else to_grayscale(filters, channel_weights)
    return [fit_gabor(image, n_phase_starts) for image in grayscale]


def well_fit(fits: Sequence[GaborFit], min_r_squared: float = DEFAULT_MIN_R_SQUARED) -> list[GaborFit]:
    """The fits with R^2 >= ``min_r_squared`` (default 0.7: the Gabor explains at least 70% of the filter's variance).

    Drops the "cells not fit well" of App. A.5 (unoriented or multi-lobed filters a single Gabor does not describe).
    """
    return [fit for fit in fits if np.isfinite(fit.r_squared) and fit.r_squared >= min_r_squared]


def load_v1_rf_reference() -> dict[str, Any]:
    """The macaque V1 receptive-field reference shipped in ``brainscore_lcl/data/v1_rf_reference.json``."""
    package, name = _REFERENCE_RESOURCE
    return json.loads(resources.files(package).joinpath(name).read_text())


def ringach_nx_ny_histogram(reference: dict[str, Any] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ringach (2002)'s (nx, ny) counts, shape (n_nx_bins, n_ny_bins), with its nx and ny bin edges (log-spaced)."""
    table = (reference or load_v1_rf_reference())["ringach2002_nx_ny_joint"]
    return (
        np.asarray(table["counts_nx_rows_ny_cols"], dtype=float),
        np.asarray(table["nx_bin_edges"], dtype=float),
        np.asarray(table["ny_bin_edges"], dtype=float),
    )


def nx_ny_histogram(nx: np.ndarray, ny: np.ndarray, nx_edges: np.ndarray, ny_edges: np.ndarray) -> np.ndarray:
    """Counts of (nx, ny) pairs per bin, shape (len(nx_edges) - 1, len(ny_edges) - 1), rows = nx.

    Values outside the edges are counted in the outermost bins (so blob-like fits with nx, ny < 0.1 land in the
    first bin rather than vanish); non-finite pairs are dropped.
    """
    nx, ny = np.asarray(nx, dtype=float), np.asarray(ny, dtype=float)
    keep = np.isfinite(nx) & np.isfinite(ny)
    rows = np.clip(np.searchsorted(nx_edges, nx[keep], side="right") - 1, 0, len(nx_edges) - 2)
    columns = np.clip(np.searchsorted(ny_edges, ny[keep], side="right") - 1, 0, len(ny_edges) - 2)
    counts = np.zeros((len(nx_edges) - 1, len(ny_edges) - 1))
    np.add.at(counts, (rows, columns), 1.0)
    return counts


def _total_variation(counts_a: np.ndarray, counts_b: np.ndarray) -> float:
    if counts_a.sum() == 0 or counts_b.sum() == 0:
        raise ValueError("cannot compare an empty histogram; are any fits left after the R^2 cut?")
    return float(0.5 * np.abs(counts_a / counts_a.sum() - counts_b / counts_b.sum()).sum())


def nx_ny_distance(nx: np.ndarray, ny: np.ndarray, reference: dict[str, Any] | None = None) -> float:
    """Total-variation distance between the model's and Ringach's (nx, ny) histograms, on Ringach's 5 x 5 log bins.

    0.5 * sum |p_model - p_macaque| over the 25 bins of the normalised histograms: 0 = same distribution,
    1 = no overlap. nx, ny: shape (n_fits,), e.g. from ``well_fit`` fits.
    """
    counts, nx_edges, ny_edges = ringach_nx_ny_histogram(reference)
    return _total_variation(nx_ny_histogram(nx, ny, nx_edges, ny_edges), counts)


def phase_histogram(folded_phases: np.ndarray, n_bins: int = 4) -> np.ndarray:
    """Counts of folded phases in ``n_bins`` equal bins over [0, pi/2]; shape (n_bins,)."""
    phases = np.asarray(folded_phases, dtype=float)
    return np.histogram(phases[np.isfinite(phases)], bins=n_bins, range=(0.0, np.pi / 2))[0].astype(float)


def phase_histogram_distance(folded_phases: np.ndarray, reference_phases: np.ndarray, n_bins: int = 4) -> float:
    """Total-variation distance between two folded-phase histograms (``n_bins`` bins over [0, pi/2]).

    The shipped reference has no tabulated Ringach phase counts, so the reference is a set of phases the caller
    supplies (another model, or a simulated V1 population drawn to match Ringach's bimodal shape).
    """
    return _total_variation(phase_histogram(folded_phases, n_bins), phase_histogram(reference_phases, n_bins))


def phase_symmetry_fraction(folded_phases: np.ndarray) -> float:
    """Fraction of folded phases within pi/8 of 0 (even) or pi/2 (odd): 0.5 for uniform phases, above 0.5 for
    Ringach's bimodal (even/odd) distribution."""
    phases = np.asarray(folded_phases, dtype=float)
    phases = phases[np.isfinite(phases)]
    return float(np.mean((phases < np.pi / 8) | (phases > 3 * np.pi / 8)))
