"""Simulated Freeman & Ziemba (2013) experiment with a known ground truth (``FreemanZiemba2013sim``).

Stimuli: 15 families x 15 samples x {texture, spectrally matched noise}, 320x320 grayscale, 4 degrees of visual angle.
Each texture family scatters one kind of element (bars, crosses, edges, corners, arcs, rings, blobs, Gabor patches)
at a family-specific size, density and orientation spread; sparse families carry much higher-order structure, dense
ones little. Each noise image has exactly its texture's Fourier amplitude spectrum with randomised phase.

Cells: 102 V1 cells (contrast-normalised Gabor simple and complex units, all centred on the stimulus, drawn from
N_V1_PROTOTYPES receptive-field prototypes whose parameters follow macaque distributions, so that the population has
the low effective dimensionality a 25-component PLS readout needs) and 103 V2 cells (normalised pooling of V1-like
complex energies over larger fields plus products across scale, orientation and position; each cell's
``higher_order_weight`` sets the mixture from "V1-like" (0) to "V2-like" (1)). Poisson spike counts, 20 repetitions,
10-ms bins from 0 to 300 ms, written in the raw-release layout and read back through the local loader.
:class:`SimulatedVisualSystem` is the exact deterministic mean-rate part of the generator; ``planted_cell_parameters``
gives every cell's planted parameters by neuroid id (also written beside the release as PLANTED_FILE).

Calibration against published statistics (numbers in :mod:`.simulation_stats`, the comparison printed by ``brainscore
data describe --source sim``): each family's lattice density was chosen by ``tools/calibrate_sim_families.py`` so that
the sorted per-family V2 texture modulation follows Freeman et al. (2013) Fig. 3 (0.27 ... -0.02 vs 0.25 ... -0.02;
mean Rmod V2 0.13 vs 0.12); 70% of V2 cells are reliably enhanced by textures (published 64%). V1 stays slightly
suppressed by textures (mean Rmod -0.03 vs 0.00, no reliably enhanced cell vs 10%, 95% of cells with |Rmod| < 0.09 vs
79%): its contrast-normalised units run mostly near saturation (median energy / semisaturation about 5), where sparse
textures drive them slightly less than their noise; expansive exponents (1-2), 3-20 times higher semisaturation and 3
times broader normalisation pools each moved mean V1 Rmod by less than 0.01 in exploratory runs, so V1 was left. V2 is
more variable across families than V1 (the
direction Ziemba et al. 2016 report; their numbers were not available): the 30 family x image-type means hold 60% of a
V2 cell's variance across the 450 images (V1: 14%). Two ways of adding sample-specific variance to V2 were tried and not
kept: narrower V2 fields (s.d. 0.2-0.4 deg) with half the first-order drive from one of the 18 V1 prototypes made V2
too high-dimensional for the 25-component PLS readout (the generator fell to 0.90 of its ceiling); 70% of the
first-order drive from one of 3 V1 prototypes kept the generator at its ceiling but made the planted V1-like cells
poorly predictable by the partition's V1 reference model.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import torch
from PIL import Image

from brainscore_lcl.cache import ensure_folder, intact_manifest, write_manifest
from brainscore_lcl.data import facts, freemanziemba
from brainscore_lcl.data.facts import BRAINSCORE_WINDOW_MS, FAMILIES, N_SAMPLES, TEXTURE_TYPES, VISUAL_DEGREES
from brainscore_lcl.data.freemanziemba import MAT_FILE_NAME, apply_cosine_aperture, raw_image_name

SIM_SEED = 0
SIM_VERSION = "v3"
PLANTED_FILE = "planted.json"
IMAGE_SIZE = 320  # pixels, stimulus side length
N_REPETITIONS = 20
N_V1, N_V2 = 102, 103
BIN_MS = 10
N_BINS = 30  # 0-300 ms
STIMULUS_DURATION_MS = 100  # stimulus on for 100 ms (Freeman et al. 2013)
GRAY_LEVEL = 128
TEXTURE_RMS = 0.1  # RMS contrast of every image, in units of the full 0-255 range
_FRONT_END_PIXELS = 160  # the cells see the stimulus at half resolution: 40 px/deg, Nyquist 20 cycles/deg
_PX_PER_DEG = _FRONT_END_PIXELS / VISUAL_DEGREES
_V2_PIXELS = 80  # V2's subunits work at quarter resolution: 20 px/deg, Nyquist 10 cycles/deg
_V2_PX_PER_DEG = _V2_PIXELS / VISUAL_DEGREES
V2_SCALES_CPD = (1.5, 3.0, 6.0)  # centre spatial frequencies of V2's complex subunits (cycles/deg)
_POOL_STRIDE = 2  # V2 pools energies and products on a 40x40 grid (block means of 2x2 subunit pixels)
V2_POOL_SIGMA_DEG = (0.4, 0.8)  # range of the s.d. (deg) of V2 cells' Gaussian pooling fields

# Macaque V1 receptive-field distributions, copied from ../shared/data/reference/v1_rf_distributions.json:
# Ringach (2002) J Neurophysiol 88:455 simple-cell (nx, ny) joint histogram (rows nx, columns ny; log10 bin edges),
# De Valois, Yund & Hepler (1982) preferred orientation, De Valois, Albrecht & Thorell (1982) peak spatial frequency.
_NXNY_EDGES = np.array([0.1, 0.1738, 0.3020, 0.5248, 0.9120, 1.5849])
_NXNY_COUNTS = np.array([[2, 0, 1, 0, 0], [8, 9, 4, 1, 0], [1, 2, 19, 17, 3], [0, 0, 1, 7, 4], [0, 0, 0, 0, 0]])
_ORIENTATION_EDGES_DEG = np.array([-22.5, 22.5, 67.5, 112.5, 157.5])
_ORIENTATION_COUNTS = np.array([66, 49, 77, 54])
_SF_EDGES_CPD = np.array([0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0, 5.6, 8.0])
_SF_COUNTS = np.array([4, 4, 8, 25, 32, 26, 28, 12])


@dataclass(frozen=True)
class TextureFamily:
    """How one family's textures are drawn: one element kind on a jittered lattice, random polarity.

    size_px, width_px and spacing_px (lattice period) are at the 320-px stimulus resolution (80 px/deg);
    orientation_spread is the s.d. (radians) of element orientations around a family-specific axis, or None for
    uniform orientations.
    """

    kind: str
    size_px: float
    width_px: float
    spacing_px: float
    orientation_spread: float | None


# One row per family, in FAMILIES order. Large, well separated elements = strong higher-order structure;
# small, densely packed ones = nearly Gaussian. Spacings (elements per side) from tools/calibrate_sim_families.py.
TEXTURE_FAMILY_DESIGN: dict[int, TextureFamily] = dict(
    zip(
        FAMILIES,
        (
            TextureFamily("bar", 28, 2.5, 35.6, 0.3),
            TextureFamily("cross", 24, 2.0, 35.6, None),
            TextureFamily("blob", 6, 6, 16, None),
            TextureFamily("arc", 14, 2.0, 32, None),
            TextureFamily("edge", 30, 3.0, 32, 0.5),
            TextureFamily("gabor", 12, 12, 32, 0.2),
            TextureFamily("ring", 10, 2.0, 35.6, None),
            TextureFamily("bar", 60, 2.5, 35.6, 0.15),
            TextureFamily("corner", 20, 2.0, 40, None),
            TextureFamily("bar", 10, 1.5, 16, None),
            TextureFamily("blob", 12, 12, 64, None),
            TextureFamily("cross", 40, 3.0, 53.3, 0.2),
            TextureFamily("arc", 30, 3.0, 40, None),
            TextureFamily("gabor", 24, 24, 53.3, None),
            TextureFamily("edge", 12, 1.5, 17.8, None),
        ),
    )
)

_ORIENTATION_PERIOD = {
    "bar": np.pi,
    "cross": np.pi / 2,
    "edge": np.pi,
    "gabor": np.pi,
    "arc": 2 * np.pi,
    "corner": 2 * np.pi,
    "blob": 0.0,
    "ring": 0.0,
}
_N_ORIENTATION_BINS = 8

N_V1_PROTOTYPES = 18  # receptive-field prototypes the 102 V1 cells are drawn from
V1_FREQUENCY_JITTER = 0.05  # s.d. of a cell's log spatial frequency around its prototype's
V1_ORIENTATION_JITTER = np.deg2rad(3)  # s.d. of a cell's orientation around its prototype's (radians)
V1_PHASE_JITTER = 0.1  # s.d. of a cell's phase around its prototype's (radians)


def _rng(seed: int, *stream: int) -> np.random.Generator:
    """Independent, platform-stable random stream for (seed, *stream)."""
    return np.random.default_rng(np.random.SeedSequence([seed, *stream]))


def _element_kernel(design: TextureFamily, theta: float, size: int = IMAGE_SIZE) -> np.ndarray:
    """One element centred at pixel (0, 0) of a periodic size x size grid, rotated by theta (radians)."""
    coords = np.fft.fftfreq(size, 1 / size)
    y, x = np.meshgrid(coords, coords, indexing="ij")
    u = x * np.cos(theta) + y * np.sin(theta)
    v = -x * np.sin(theta) + y * np.cos(theta)
    length, width = design.size_px, design.width_px

    def segment(along, across, shift=0.0):
        """Line of the element's length and width, its centre moved by shift * length along it."""
        return np.exp(-0.5 * (across / width) ** 2 - (np.abs(along - shift * length) / (length / 2)) ** 4)

    radius = np.hypot(x, y)
    if design.kind == "bar":
        return segment(u, v)
    if design.kind == "cross":
        return segment(u, v) + segment(v, u)
    if design.kind == "corner":
        return segment(u, v, shift=0.5) + segment(v, u, shift=0.5)
    if design.kind == "edge":
        return np.tanh(v / width) * np.exp(-0.5 * (v / (3 * width)) ** 2 - (np.abs(u) / (length / 2)) ** 4)
    if design.kind == "blob":
        return np.exp(-0.5 * (radius / width) ** 2)
    if design.kind == "ring":
        return np.exp(-0.5 * ((radius - length) / width) ** 2)
    if design.kind == "arc":
        angle = np.angle(np.exp(1j * (np.arctan2(y, x) - theta)))
        return np.exp(-0.5 * ((radius - length) / width) ** 2 - 0.5 * (angle / 0.6) ** 2)
    if design.kind == "gabor":
        return np.cos(2 * np.pi * u / length) * np.exp(-0.5 * (radius / width) ** 2)
    raise ValueError(f"unknown texture element kind {design.kind!r}; use one of {sorted(_ORIENTATION_PERIOD)}")


def synthesize_textures(seed: int, family_index: int) -> np.ndarray:
    """The 15 texture samples of one family, zero mean, RMS TEXTURE_RMS (fraction of the 0-255 range).

    Returns float64 (N_SAMPLES, IMAGE_SIZE, IMAGE_SIZE); pixel value = GRAY_LEVEL + 255 * texture.
    """
    design = TEXTURE_FAMILY_DESIGN[FAMILIES[family_index]]
    rng = _rng(seed, 1, family_index)
    period = _ORIENTATION_PERIOD[design.kind]
    n_bins = _N_ORIENTATION_BINS if period else 1
    bin_angles = np.arange(n_bins) * period / max(n_bins, 1)
    kernels = torch.from_numpy(np.stack([np.fft.rfft2(_element_kernel(design, angle)) for angle in bin_angles]))
    axis = rng.uniform(0, np.pi)
    impulses = np.zeros((N_SAMPLES, n_bins, IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    per_side = max(int(round(IMAGE_SIZE / design.spacing_px)), 1)
    spacing = IMAGE_SIZE / per_side
    lattice = np.stack(np.meshgrid(np.arange(per_side), np.arange(per_side), indexing="ij"), -1).reshape(-1, 2)
    n_elements = len(lattice)
    for sample in range(N_SAMPLES):
        jitter = rng.uniform(-0.35, 0.35, size=(n_elements, 2)) + rng.uniform(0, 1, size=2)
        positions = np.round((lattice + jitter) * spacing).astype(int) % IMAGE_SIZE
        polarity = rng.choice([-1.0, 1.0], size=n_elements)
        if design.orientation_spread is None:
            angles = rng.uniform(0, 2 * np.pi, size=n_elements)
        else:
            angles = axis + design.orientation_spread * rng.standard_normal(n_elements)
        bins = (
            np.round(np.mod(angles, period) / period * n_bins).astype(int) % n_bins
            if period
            else np.zeros(n_elements, int)
        )
        np.add.at(impulses[sample], (bins, positions[:, 0], positions[:, 1]), polarity)
    spectra = (torch.fft.rfft2(torch.from_numpy(impulses)) * kernels.to(torch.complex64)).sum(dim=1)
    textures = torch.fft.irfft2(spectra, s=(IMAGE_SIZE, IMAGE_SIZE)).to(torch.float64).numpy()
    textures -= textures.mean(axis=(1, 2), keepdims=True)
    textures *= TEXTURE_RMS / textures.std(axis=(1, 2), keepdims=True)
    return textures


def spectrally_matched_noise(texture: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An image with exactly the Fourier amplitude spectrum of ``texture`` (2-D) and uniformly random phase."""
    spectrum = np.fft.rfft2(texture)
    phase = np.angle(np.fft.rfft2(rng.standard_normal(texture.shape)))
    phase[0, 0] = np.angle(spectrum[0, 0])
    return np.fft.irfft2(np.abs(spectrum) * np.exp(1j * phase), s=texture.shape)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Contrast image (fraction of the 0-255 range, 0 = gray) -> 8-bit pixels."""
    return np.clip(np.round(GRAY_LEVEL + 255 * image), 0, 255).astype(np.uint8)


def simulate_stimuli(seed: int = SIM_SEED, families: tuple[int, ...] | None = None) -> dict[str, np.ndarray]:
    """Raw (no aperture) 8-bit stimuli keyed by their release file name, for all or some family indices."""
    images = {}
    for family_index in range(len(FAMILIES)) if families is None else families:
        textures = synthesize_textures(seed, family_index)
        noise_rng = _rng(seed, 2, family_index)
        for sample_index, texture in enumerate(textures):
            family, sample = FAMILIES[family_index], sample_index + 1
            images[raw_image_name("texture", family, sample)] = to_uint8(texture)
            images[raw_image_name("noise", family, sample)] = to_uint8(spectrally_matched_noise(texture, noise_rng))
    return images


def _sample_histogram(rng: np.random.Generator, edges: np.ndarray, counts: np.ndarray, n: int, log: bool) -> np.ndarray:
    """n draws from a histogram: bin by count, then uniform (in log if ``log``) within the bin."""
    bins = rng.choice(len(counts), size=n, p=counts / counts.sum())
    low, high = edges[bins], edges[bins + 1]
    if log:
        return np.exp(rng.uniform(np.log(low), np.log(high)))
    return rng.uniform(low, high)


def _gaussian_window(center: np.ndarray, sigma: np.ndarray, size: int = _FRONT_END_PIXELS) -> np.ndarray:
    """(n, size*size) Gaussian weights summing to 1; center in pixels from the image centre, sigma in pixels."""
    coords = np.arange(size) - (size - 1) / 2
    y, x = np.meshgrid(coords, coords, indexing="ij")
    distance2 = (x[None] - center[:, None, None, 0]) ** 2 + (y[None] - center[:, None, None, 1]) ** 2
    window = np.exp(-0.5 * distance2 / sigma[:, None, None] ** 2).reshape(len(sigma), -1)
    return window / window.sum(axis=1, keepdims=True)


def _time_course(latency_ms: np.ndarray, transient: np.ndarray) -> np.ndarray:
    """(n_cells, N_BINS) relative rate per 10-ms bin: rise after latency, transient, offset 100 ms later."""
    t = np.arange(N_BINS * BIN_MS) + 0.5
    s = t[None] - latency_ms[:, None]
    on = (1 - np.exp(-np.clip(s, 0, None) / 10)) * (1 + transient[:, None] * np.exp(-np.clip(s, 0, None) / 25))
    at_offset = (1 - np.exp(-STIMULUS_DURATION_MS / 10)) * (1 + transient[:, None] * np.exp(-STIMULUS_DURATION_MS / 25))
    off = at_offset * np.exp(-np.clip(s - STIMULUS_DURATION_MS, 0, None) / 30)
    profile = np.where(s < 0, 0.0, np.where(s < STIMULUS_DURATION_MS, on, off))
    return profile.reshape(len(latency_ms), N_BINS, BIN_MS).mean(axis=2)


def _window_gain(time_course: np.ndarray, window_ms: tuple[int, int] = BRAINSCORE_WINDOW_MS) -> np.ndarray:
    """Mean relative rate over a window aligned with the 10-ms bins, (n_cells,)."""
    return time_course[:, window_ms[0] // BIN_MS : window_ms[1] // BIN_MS].mean(axis=1)


def _grayscale_contrast(images: torch.Tensor) -> torch.Tensor:
    """(batch, 3, 320, 320) in [0, 1] -> (batch, 160*160) contrast relative to gray, at the front-end resolution."""
    if images.ndim != 4 or images.shape[-2:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(
            f"SimulatedVisualSystem expects (batch, 3, {IMAGE_SIZE}, {IMAGE_SIZE}) images in [0, 1]; got "
            f"{tuple(images.shape)}: resize the stimuli to {IMAGE_SIZE} px ({VISUAL_DEGREES} deg)"
        )
    gray = images.to(torch.float32).mean(dim=1, keepdim=True) - GRAY_LEVEL / 255
    return torch.nn.functional.avg_pool2d(gray, 2).flatten(1)


def _gabor_quadrature_pairs(
    frequency: np.ndarray, orientation: np.ndarray, nx: np.ndarray, ny: np.ndarray, phase: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unit-norm, zero-DC Gabor filters centred on the stimulus at the front-end resolution.

    frequency in cycles/deg, orientation and phase in radians (n,), nx and ny the envelope s.d. across and along the
    carrier in carrier periods (Ringach 2002). Returns the filters (2n, 160*160), all even (cosine) ones first, then
    their odd (sine) partners, and the envelope s.d. (n, 2) across and along, in front-end pixels.
    """
    wavelength = _PX_PER_DEG / frequency
    sigma = np.clip(np.stack([nx, ny], axis=1) * wavelength[:, None], 1.5, _PX_PER_DEG)
    coords = np.arange(_FRONT_END_PIXELS) - (_FRONT_END_PIXELS - 1) / 2
    y, x = np.meshgrid(coords, coords, indexing="ij")
    cos, sin = np.cos(orientation)[:, None, None], np.sin(orientation)[:, None, None]
    across, along = x[None] * cos + y[None] * sin, -x[None] * sin + y[None] * cos
    envelope = np.exp(
        -0.5 * (across / sigma[:, 0, None, None]) ** 2 - 0.5 * (along / sigma[:, 1, None, None]) ** 2
    ).reshape(len(frequency), -1)
    carrier = (2 * np.pi * across / wavelength[:, None, None] + phase[:, None, None]).reshape(len(frequency), -1)
    filters = []
    for quadrature in (np.cos(carrier), np.sin(carrier)):
        gabor = envelope * quadrature
        gabor -= gabor.mean(axis=1, keepdims=True) * envelope / envelope.mean(axis=1, keepdims=True)
        filters.append(gabor / np.linalg.norm(gabor, axis=1, keepdims=True))
    return np.concatenate(filters), sigma


class SimulatedV1(torch.nn.Module):
    """102 contrast-normalised Gabor simple/complex cells; output (batch, 102) mean rates (spikes/s), 50-200 ms.

    Like a V1 array recording in which every receptive field was centred on the stimulus (Freeman et al. 2013), the
    cells share structure: each is one of N_V1_PROTOTYPES receptive-field prototypes (frequency, orientation, nx, ny
    drawn from the macaque distributions; complex, or simple with one of four phases), with small cell-specific
    tuning jitter and its own semisaturation, gain, spontaneous rate and time course. The population is therefore
    about as low-dimensional as Brain-Score's 25-component PLS readout can follow (<= 25 principal components hold
    99% of its variance over the 450 stimuli). 102 independent Gabor units need about 50 components for 99%, and a
    rank-25 PLS map from their own generator reached only r 0.66 against a ceiling of 0.89: no model could be read
    out well from them.
    ``prototype`` (102,) says which prototype each cell is.
    """

    def __init__(self, seed: int = SIM_SEED):
        super().__init__()
        rng = _rng(seed, 3)
        k, n = N_V1_PROTOTYPES, N_V1
        frequency = _sample_histogram(rng, _SF_EDGES_CPD, _SF_COUNTS, k, log=True)
        orientation = np.deg2rad(_sample_histogram(rng, _ORIENTATION_EDGES_DEG, _ORIENTATION_COUNTS, k, log=False))
        joint = rng.choice(_NXNY_COUNTS.size, size=k, p=(_NXNY_COUNTS / _NXNY_COUNTS.sum()).ravel())
        log_edges = np.log(_NXNY_EDGES)
        nx = np.exp(rng.uniform(log_edges[joint // 5], log_edges[joint // 5 + 1]))
        ny = np.exp(rng.uniform(log_edges[joint % 5], log_edges[joint % 5 + 1]))
        phase = rng.choice([0.0, np.pi / 2, np.pi, 3 * np.pi / 2], size=k)
        is_complex = rng.permutation(np.arange(k) % 2 == 0)
        self.prototype = rng.permutation(np.arange(n) % k)
        self.is_complex = is_complex[self.prototype]
        self.frequency_cpd = frequency[self.prototype] * np.exp(V1_FREQUENCY_JITTER * rng.standard_normal(n))
        self.orientation = orientation[self.prototype] + V1_ORIENTATION_JITTER * rng.standard_normal(n)
        self.nx, self.ny = nx[self.prototype], ny[self.prototype]
        self.phase = phase[self.prototype] + V1_PHASE_JITTER * rng.standard_normal(n)
        filters, sigma = _gabor_quadrature_pairs(self.frequency_cpd, self.orientation, self.nx, self.ny, self.phase)
        self.register_buffer("filters", _float32(filters.T))
        pool_sigma = np.clip(2 * sigma.max(axis=1), 4, 1.5 * _PX_PER_DEG)
        self.register_buffer("normalization_pool", _float32(_gaussian_window(np.zeros((n, 2)), pool_sigma).T))
        self.register_buffer("is_complex_cell", torch.from_numpy(self.is_complex))
        self.register_buffer("semisaturation", _float32(rng.uniform(0.5, 3.0, n)))
        self.register_buffer("max_rate", _float32(np.exp(rng.uniform(np.log(3), np.log(120), n))))
        self.register_buffer("spontaneous_rate", _float32(rng.uniform(0.5, 6.0, n)))
        self.latency_ms = rng.uniform(45, 65, n)
        self.transient = rng.uniform(0.2, 1.0, n)
        self.register_buffer("window_gain", _float32(_window_gain(self.time_course())))

    def time_course(self) -> np.ndarray:
        """(102, N_BINS) relative driven rate in each 10-ms bin."""
        return _time_course(self.latency_ms, self.transient)

    def driven_rate(self, images: torch.Tensor) -> torch.Tensor:
        """Peak stimulus-driven rate above spontaneous (spikes/s), (batch, 102)."""
        contrast = _grayscale_contrast(images)
        linear = contrast @ self.filters
        even, odd = linear[:, :N_V1], linear[:, N_V1:]
        energy = torch.where(self.is_complex_cell, even**2 + odd**2, 2 * torch.relu(even) ** 2)
        local_contrast = (contrast**2) @ self.normalization_pool
        normalized = energy / (energy + self.semisaturation * (local_contrast + 1e-4))
        return self.max_rate * normalized

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.spontaneous_rate + self.window_gain * self.driven_rate(images)


def _float32(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))


def _downsample(maps: torch.Tensor) -> torch.Tensor:
    """(batch, channels, 80, 80) -> (batch, channels, 40*40) block means, the grid V2 pools over."""
    return torch.nn.functional.avg_pool2d(maps, _POOL_STRIDE).flatten(2)


def _log_gabor_bank() -> np.ndarray:
    """(12, 80, 80) analytic log-Gabor filters, 4 orientations x 3 scales (V2_SCALES_CPD), mean |H|^2 = 1."""
    frequencies = np.fft.fftfreq(_V2_PIXELS) * _V2_PX_PER_DEG
    fy, fx = np.meshgrid(frequencies, frequencies, indexing="ij")
    radius = np.hypot(fx, fy)
    angle = np.arctan2(fy, fx)
    bank = []
    for scale_cpd in V2_SCALES_CPD:
        radial = np.exp(-0.5 * (np.log(np.maximum(radius, 1e-9) / scale_cpd) / np.log(2) / 0.5) ** 2)
        radial[0, 0] = 0
        for orientation in np.arange(4) * np.pi / 4:
            angular = np.exp(-0.5 * (np.angle(np.exp(1j * (angle - orientation))) / (np.pi / 8)) ** 2)
            filt = radial * angular
            bank.append(filt / np.sqrt((filt**2).mean()))
    return np.stack(bank)


_RELATIONS = ("self", "scale", "orientation_adjacent", "orientation_orthogonal", "collinear", "parallel")
_RELATION_PREVALENCE = np.array([0.3, 2.0, 1.0, 0.5, 1.0, 0.3])  # Dirichlet concentration of V2 cells' weights


def _relation_partner(channel: int, relation: str) -> tuple[int, tuple[int, int]]:
    """Partner channel and (dy, dx) shift in pixels of one second-order relation of a (scale, orientation) channel."""
    scale, orientation = divmod(channel, 4)
    wavelength = _V2_PX_PER_DEG / V2_SCALES_CPD[scale]
    theta = orientation * np.pi / 4
    if relation == "scale":
        return (scale + 1 if scale < 2 else scale - 1) * 4 + orientation, (0, 0)
    if relation == "orientation_adjacent":
        return scale * 4 + (orientation + 1) % 4, (0, 0)
    if relation == "orientation_orthogonal":
        return scale * 4 + (orientation + 2) % 4, (0, 0)
    if relation == "collinear":
        return channel, (int(round(wavelength * np.cos(theta))), int(round(-wavelength * np.sin(theta))))
    if relation == "parallel":
        return channel, (int(round(wavelength * np.sin(theta))), int(round(wavelength * np.cos(theta))))
    return channel, (0, 0)


class SimulatedV2(torch.nn.Module):
    """103 V2 cells: normalised pooled complex energies plus pooled second-order products (scale, orientation,
    position); output (batch, 103) mean rates (spikes/s), 50-200 ms. Planted per cell: ``higher_order_weight``
    (V1-like 0 to V2-like 1 mixture), ``pool_center_deg`` / ``pool_sigma_deg`` (its field), ``preferred_channel``
    (scale * 4 + orientation of its log-Gabor subunits) and ``relation_weights`` (over _RELATIONS)."""

    def __init__(self, seed: int = SIM_SEED):
        super().__init__()
        rng = _rng(seed, 4)
        n = N_V2
        self.register_buffer("bank", _float32(_log_gabor_bank()))
        center = rng.normal(0, 0.2 * _PX_PER_DEG, size=(n, 2))
        pool_sigma = rng.uniform(*V2_POOL_SIGMA_DEG, n) * _PX_PER_DEG
        self.pool_center_deg, self.pool_sigma_deg = center / _PX_PER_DEG, pool_sigma / _PX_PER_DEG
        pool_scale = _FRONT_END_PIXELS / (_V2_PIXELS // _POOL_STRIDE)
        pool = _gaussian_window(center / pool_scale, pool_sigma / pool_scale, _V2_PIXELS // _POOL_STRIDE)
        self.register_buffer("pool", _float32(pool.T))
        preferred_scale, preferred_orientation = rng.integers(0, 3, n), rng.integers(0, 4, n)
        scales, orientations = np.divmod(np.arange(12), 4)
        orientation_distance = np.abs(((orientations[None] - preferred_orientation[:, None]) + 2) % 4 - 2)
        tuning = np.exp(
            -0.5 * ((scales[None] - preferred_scale[:, None]) / 0.7) ** 2 - 0.5 * (orientation_distance / 0.7) ** 2
        )
        self.register_buffer("energy_weights", _float32(tuning / tuning.sum(axis=1, keepdims=True)))
        self.register_buffer("relation_weights", _float32(rng.dirichlet(_RELATION_PREVALENCE, size=n)))
        preferred_channel = preferred_scale * 4 + preferred_orientation
        self.register_buffer(
            "product_index",
            torch.from_numpy(preferred_channel[:, None] * len(_RELATIONS) + np.arange(len(_RELATIONS))[None]),
        )
        self.products = [
            (channel, *_relation_partner(channel, relation)) for channel in range(12) for relation in _RELATIONS
        ]
        partners = np.array(
            [[_relation_partner(channel, relation)[0] for relation in _RELATIONS] for channel in preferred_channel]
        )
        self.register_buffer("partner_channel", torch.from_numpy(partners))
        self.register_buffer("preferred_channel", torch.from_numpy(preferred_channel))
        self.higher_order_weight = rng.uniform(0, 1, n)
        self.register_buffer("mixture", _float32(self.higher_order_weight))
        self.register_buffer("threshold", _float32(rng.uniform(0.6, 0.9, n)))
        self.register_buffer("semisaturation", _float32(rng.uniform(1.0, 2.0, n)))
        self.register_buffer("max_rate", _float32(np.exp(rng.uniform(np.log(15), np.log(200), n))))
        self.register_buffer("spontaneous_rate", _float32(rng.uniform(0.5, 6.0, n)))
        self.latency_ms = rng.uniform(55, 80, n)
        self.transient = rng.uniform(0.1, 0.8, n)
        self.register_buffer("window_gain", _float32(_window_gain(self.time_course())))

    def time_course(self) -> np.ndarray:
        """(103, N_BINS) relative driven rate in each 10-ms bin."""
        return _time_course(self.latency_ms, self.transient)

    def energy_maps(self, images: torch.Tensor) -> torch.Tensor:
        """(batch, 12, 80, 80) complex-cell energy maps (contrast^2)."""
        contrast = _grayscale_contrast(images).reshape(-1, 1, _FRONT_END_PIXELS, _FRONT_END_PIXELS)
        contrast = torch.nn.functional.avg_pool2d(contrast, _FRONT_END_PIXELS // _V2_PIXELS)
        return torch.fft.ifft2(torch.fft.fft2(contrast) * self.bank).abs() ** 2

    def drive(self, images: torch.Tensor) -> torch.Tensor:
        """Dimensionless V2 drive, (batch, 103): mixture of normalised pooled energy (about 1) and second-order
        co-occurrence ratios <E1 E2'> / (<E1><E2'>) of the preferred channel with its partners (about 1 for
        independent channels, higher where textures align energy across scale, orientation or position)."""
        energy = self.energy_maps(images)
        pooled_energy = _downsample(energy) @ self.pool  # (batch, 12, 103)
        normalizer = pooled_energy.mean(dim=1) + 1e-4
        products = _downsample(
            torch.stack(
                [
                    energy[:, first] * torch.roll(energy[:, second], shifts=shift, dims=(-2, -1))
                    for first, second, shift in self.products
                ],
                dim=1,
            )
        )
        pooled_all = products @ self.pool  # (batch, 72, 103)
        cells = torch.arange(N_V2, device=pooled_all.device)[:, None]
        pooled_products = pooled_all[:, self.product_index, cells]  # (batch, 103, 6)
        expected_if_independent = (
            pooled_energy[:, self.preferred_channel[:, None], cells] * pooled_energy[:, self.partner_channel, cells]
        ) + 1e-8
        first_order = (pooled_energy * self.energy_weights.T).sum(dim=1) / normalizer
        second_order = (pooled_products / expected_if_independent * self.relation_weights).sum(dim=2)
        return (1 - self.mixture) * first_order + self.mixture * second_order

    def driven_rate(self, images: torch.Tensor) -> torch.Tensor:
        """Peak stimulus-driven rate above spontaneous (spikes/s), (batch, 103)."""
        drive2 = torch.relu(self.drive(images) - self.threshold) ** 2
        return self.max_rate * drive2 / (drive2 + self.semisaturation**2)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.spontaneous_rate + self.window_gain * self.driven_rate(images)


class SimulatedVisualSystem(torch.nn.Module):
    """The simulator's deterministic mean-rate model: submodules ``v1`` (102 cells) and ``v2`` (103 cells).

    Input (batch, 3, 320, 320) RGB (gray replicated) in [0, 1], the aperture PNGs of the stimulus set scaled by 1/255;
    each stage outputs mean rates (spikes/s) in the 50-200 ms window; forward returns both concatenated (batch, 205).
    ``generator`` is ``generator_fingerprint()``: model caches keyed on it never outlive a change of the generator.
    """

    image_size = IMAGE_SIZE
    visual_degrees = VISUAL_DEGREES

    def __init__(self, seed: int = SIM_SEED):
        super().__init__()
        self.seed = seed
        self.generator = generator_fingerprint()
        self.v1 = SimulatedV1(seed)
        self.v2 = SimulatedV2(seed)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.v1(images), self.v2(images)], dim=1)


def planted_cell_parameters(seed: int = SIM_SEED) -> dict[str, dict[str, list]]:
    """Every simulated cell's planted parameters, per region, as JSON-ready lists in neuroid order.

    ``neuroid_id`` follows the loader (V1 cells 1-102, V2 cells 103-205), so each list lines up with the assemblies'
    ``neuroid_id`` coord. V1: ``prototype``, ``is_complex``, ``frequency_cpd``, ``orientation_deg``, ``nx``, ``ny``.
    V2: ``higher_order_weight`` (0 = V1-like, 1 = V2-like), ``pool_center_deg`` (x, y),
    ``pool_sigma_deg``, ``preferred_scale_cpd``, ``preferred_orientation_deg`` and ``relation_weights`` (one weight
    per relation in ``relations``).
    """
    system = SimulatedVisualSystem(seed)
    v1, v2 = system.v1, system.v2
    scale, orientation = np.divmod(v2.preferred_channel.numpy(), 4)
    return {
        "V1": {
            "neuroid_id": list(range(1, N_V1 + 1)),
            "prototype": v1.prototype.tolist(),
            "is_complex": v1.is_complex.tolist(),
            "frequency_cpd": v1.frequency_cpd.tolist(),
            "orientation_deg": np.rad2deg(v1.orientation).tolist(),
            "nx": v1.nx.tolist(),
            "ny": v1.ny.tolist(),
        },
        "V2": {
            "neuroid_id": list(range(N_V1 + 1, N_V1 + N_V2 + 1)),
            "higher_order_weight": v2.higher_order_weight.tolist(),
            "pool_center_deg": v2.pool_center_deg.tolist(),
            "pool_sigma_deg": v2.pool_sigma_deg.tolist(),
            "preferred_scale_cpd": np.asarray(V2_SCALES_CPD)[scale].tolist(),
            "preferred_orientation_deg": (orientation * 45.0).tolist(),
            "relations": list(_RELATIONS),
            "relation_weights": v2.relation_weights.numpy().tolist(),
        },
    }


def _aperture_batch(raw_images: dict[str, np.ndarray], names: list[str]) -> torch.Tensor:
    """(n, 3, 320, 320) aperture images in [0, 1] exactly as the stimulus set's PNGs hold them."""
    apertured = np.stack([apply_cosine_aperture(raw_images[name]) for name in names]).astype(np.float32) / 255
    return torch.from_numpy(apertured)[:, None].expand(-1, 3, -1, -1)


def _release_order_names() -> list[str]:
    """Raw file names in the release's array order: (texture type, family, sample) with type fastest-varying last."""
    return [
        raw_image_name(texture_type, family, sample)
        for family in FAMILIES
        for texture_type in TEXTURE_TYPES
        for sample in range(1, N_SAMPLES + 1)
    ]


def simulate_mean_rates(
    raw_images: dict[str, np.ndarray], system: SimulatedVisualSystem, batch_size: int = 25
) -> tuple[np.ndarray, np.ndarray]:
    """Driven rates above spontaneous (spikes/s) of (V1, V2) cells, arrays (n_cells, family, type, sample)."""
    names = _release_order_names()
    driven = {"v1": [], "v2": []}
    with torch.no_grad():
        for start in range(0, len(names), batch_size):
            batch = _aperture_batch(raw_images, names[start : start + batch_size])
            driven["v1"].append(system.v1.driven_rate(batch))
            driven["v2"].append(system.v2.driven_rate(batch))
    shape = (len(FAMILIES), len(TEXTURE_TYPES), N_SAMPLES)
    return tuple(torch.cat(driven[stage]).numpy().T.reshape(-1, *shape) for stage in ("v1", "v2"))


def simulate_counts(raw_images: dict[str, np.ndarray], seed: int = SIM_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Poisson spike counts per 10-ms bin of (V1, V2) cells, uint8 arrays in the release's h5py layout
    (cell, time bin, repetition, sample, texture type, family)."""
    system = SimulatedVisualSystem(seed).eval()
    driven_v1, driven_v2 = simulate_mean_rates(raw_images, system)
    counts = []
    for stage_index, (stage, driven) in enumerate(((system.v1, driven_v1), (system.v2, driven_v2))):
        spontaneous = stage.spontaneous_rate.numpy()
        rates = spontaneous[:, None, None, None, None] + driven[:, None] * stage.time_course()[:, :, None, None, None]
        expected = rates.transpose(0, 1, 4, 3, 2) * (BIN_MS / 1000)  # (cell, bin, sample, type, family)
        rng = _rng(seed, 5, stage_index)
        draws = rng.poisson(
            np.broadcast_to(expected[:, :, None], (expected.shape[0], N_BINS, N_REPETITIONS, *expected.shape[2:]))
        )
        counts.append(np.minimum(draws, 255).astype(np.uint8))
    return counts[0], counts[1]


def write_release(
    out_dir, raw_images: dict[str, np.ndarray], v1: np.ndarray, v2: np.ndarray, bin_ms: int = BIN_MS
) -> Path:
    """Write a release folder: FreemanZiemba2013_V1V2data.mat (HDF5, arrays v1, v2 and bin_ms) and stim/*.png."""
    out_dir = Path(out_dir)
    (out_dir / "stim").mkdir(parents=True, exist_ok=True)
    for name, image in raw_images.items():
        Image.fromarray(image).save(out_dir / "stim" / name)
    with h5py.File(out_dir / MAT_FILE_NAME, "w") as mat:
        for name, counts in (("v1", v1), ("v2", v2)):
            mat.create_dataset(name, data=counts, chunks=(1, *counts.shape[1:]), compression="gzip", compression_opts=1)
        mat.create_dataset("bin_ms", data=np.float64(bin_ms))
    return out_dir


def export_simulated_release(out_dir, seed: int = SIM_SEED) -> Path:
    """Generate the simulated experiment and write it in the raw-release layout into ``out_dir``, with the cells'
    planted parameters (``planted_cell_parameters``) beside it as PLANTED_FILE; returns ``out_dir``."""
    raw_images = simulate_stimuli(seed)
    v1, v2 = simulate_counts(raw_images, seed)
    root = write_release(out_dir, raw_images, v1, v2)
    planted = {"seed": seed, "sim_version": SIM_VERSION, **planted_cell_parameters(seed)}
    (root / PLANTED_FILE).write_text(json.dumps(planted))
    return root


def default_cache_dir() -> Path:
    """${BRAINSCORE_LCL_CACHE:-~/.cache/brainscore_lcl}."""
    return Path(os.environ.get("BRAINSCORE_LCL_CACHE", "~/.cache/brainscore_lcl")).expanduser()


def generator_fingerprint() -> str:
    """sha1 of the generator's source (this module, the data facts and the loader whose aperture it applies)."""
    digest = hashlib.sha1()
    for source in (Path(__file__), Path(facts.__file__), Path(freemanziemba.__file__)):
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _write_release_with_manifest(out_dir: Path, seed: int, fingerprint: str) -> None:
    export_simulated_release(out_dir, seed)
    write_manifest(out_dir, fingerprint=fingerprint)


def simulated_data_root(seed: int = SIM_SEED, cache_dir=None) -> Path:
    """Root of the simulated release for ``seed``, generated once (10-40 s) into the cache and reused.

    The folder (``<cache>/fz2013-sim-<seed>-<SIM_VERSION>``) carries the generator's fingerprint and the sha1 of every
    file in its manifest (``brainscore_lcl.cache.write_manifest``); it is regenerated when the generator's code changed
    or a file was damaged. It is written
    into a temporary folder and renamed into place under a file lock, so concurrent runs generate it once and an
    interrupted generation leaves nothing behind.
    """
    root = Path(cache_dir or default_cache_dir()) / f"fz2013-sim-{seed}-{SIM_VERSION}"
    fingerprint = generator_fingerprint()
    return ensure_folder(
        root,
        lambda folder: intact_manifest(folder, fingerprint=fingerprint) is not None,
        lambda staging: _write_release_with_manifest(staging, seed, fingerprint),
    )


def array_digest(array: np.ndarray) -> str:
    """sha1 of an array's dtype, shape and bytes (for determinism checks)."""
    digest = hashlib.sha1(f"{array.dtype}{array.shape}".encode())
    digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()
