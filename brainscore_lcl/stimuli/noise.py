"""Spectrally matched noise (Freeman et al. 2013; the phase randomisation of Portilla & Simoncelli 2000's Fig. 2
controls): an image with exactly the Fourier amplitude spectrum of a texture and uniformly random phase, real-valued
(the random phase is Hermitian-symmetric) with the texture's mean (the DC term keeps phase 0).

Saving. A random-phase image has a near-Gaussian marginal, so it overshoots [0, 1] where its texture does not;
clipping it to save it would remove AC energy (0.2-21% per family on the suite's earlier sets). ``matched_pair``
instead scales the texture and its noise by one common contrast about their common mean, the largest that keeps both
inside [``MARGIN``, 1 - ``MARGIN``]; scaling about the mean multiplies every AC amplitude by the same factor, so the
pair stays matched and nothing clips. This is the suite's own choice: Freeman et al. (2013) and Ziemba et al. (2016)
show texture and noise at a common mean luminance in a 4-degree window but do not say how overshoot was handled.
The only loss left is 8-bit rounding (``SAVED_LEVELS``), measured per image by ``spectrum_error`` and
``ac_energy_ratio``.

Shapes: images are (rows, columns) float arrays; spectra are ``numpy.fft.rfft2`` half-planes (rows, columns // 2 + 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brainscore_lcl.stimuli.layout import to_uint8

#: the top gray level of a saved (8-bit) image
SAVED_LEVELS = 255
#: room (in [0, 1] units) kept below 0 and above 1 for the noise of the rounded texture, which differs from the noise
#: of the unrounded one by the random-phase image of the rounding error (s.d. 0.29 / 255 per pixel)
MARGIN = 2.0 / SAVED_LEVELS
#: a saved noise image whose AC energy differs from its texture's by more than this fraction is reported
AC_ENERGY_TOLERANCE = 0.01


def amplitude_spectrum(image: np.ndarray) -> np.ndarray:
    """|rfft2(image)|, shape (rows, columns // 2 + 1), in the image's units times pixels."""
    return np.abs(np.fft.rfft2(np.asarray(image, dtype=np.float64)))


def random_phase(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Phase (radians) of the rfft2 of white Gaussian noise of ``shape``: uniform on the circle and
    Hermitian-symmetric, so that any amplitude with it is the spectrum of a real image; the DC term's phase is 0 (the
    mean keeps its sign)."""
    phase = np.angle(np.fft.rfft2(rng.standard_normal(shape)))
    phase[0, 0] = 0.0
    return phase


def noise_with_phase(image: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """The real image (float64, ``image``'s shape) with ``image``'s amplitude spectrum and ``phase`` (an rfft2
    half-plane from ``random_phase``).

    On the self-conjugate frequencies (DC and, for even sizes, the Nyquist row and column) white noise's phase is 0
    or pi, so the product stays real there and ``irfft2`` keeps every amplitude.
    """
    image = np.asarray(image, dtype=np.float64)
    return np.fft.irfft2(amplitude_spectrum(image) * np.exp(1j * phase), s=image.shape)


def spectrally_matched_noise(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A real image whose Fourier amplitude spectrum equals ``image``'s (to float precision), phase from
    ``random_phase``."""
    image = np.asarray(image, dtype=np.float64)
    return noise_with_phase(image, random_phase(image.shape, rng))


def spectrum_error(image: np.ndarray, target: np.ndarray) -> float:
    """Relative error of ``image``'s AC amplitude spectrum against ``target``'s: ||A(image) - A(target)|| /
    ||A(target)|| over the rfft2 half-plane without the DC term (the mean is no part of the match: with it, the
    error of a mid-gray image would be diluted by its DC amplitude, ~87% of the norm)."""
    image_spectrum, reference = amplitude_spectrum(image), amplitude_spectrum(target)
    image_spectrum[0, 0] = reference[0, 0] = 0.0
    return float(np.linalg.norm(image_spectrum - reference) / np.linalg.norm(reference))


def ac_energy(image: np.ndarray) -> float:
    """Sum of squared deviations from the mean: the image's AC energy (Parseval: its spectrum's AC power / pixels)."""
    image = np.asarray(image, dtype=np.float64)
    return float(np.sum((image - image.mean()) ** 2))


def ac_energy_ratio(noise: np.ndarray, texture: np.ndarray) -> float:
    """AC energy of ``noise`` over ``texture``'s (1 when matched)."""
    return ac_energy(noise) / ac_energy(texture)


def common_contrast(images: list[np.ndarray], mean: float, low: float = MARGIN, high: float = 1 - MARGIN) -> float:
    """The largest c <= 1 for which mean + c * (image - mean) lies in [low, high] for every image of ``images``
    (``mean`` must lie in [low, high])."""
    contrast = 1.0
    for image in images:
        above, below = float(np.max(image)) - mean, mean - float(np.min(image))
        if above > 0:
            contrast = min(contrast, (high - mean) / above)
        if below > 0:
            contrast = min(contrast, (mean - low) / below)
    return max(contrast, 0.0)


@dataclass(frozen=True)
class MatchedPair:
    """A texture and its noise as saved: 8-bit (rows, columns) each, the common contrast applied to both (1 = as
    synthesised), and the fraction of noise pixels that had to be clipped to [0, 1] before rounding (0 unless the
    ``MARGIN`` was too small)."""

    texture: np.ndarray
    noise: np.ndarray
    contrast: float
    clipped_fraction: float


def matched_pair(texture: np.ndarray, rng: np.random.Generator) -> MatchedPair:
    """Texture (float, [0, 1]) and its spectrally matched noise, saved at a common contrast so that neither clips
    (module docstring): the noise's phase is drawn once (``random_phase``); c = ``common_contrast`` of the texture
    and its noise; the texture is scaled by c about its mean and rounded to 8 bits, and the saved noise is the noise
    of that saved texture with the same phase, rounded."""
    texture = np.asarray(texture, dtype=np.float64)
    phase = random_phase(texture.shape, rng)
    mean = float(texture.mean())
    contrast = common_contrast([texture, noise_with_phase(texture, phase)], mean)
    saved_texture = to_uint8(mean + contrast * (texture - mean))
    noise = noise_with_phase(saved_texture / SAVED_LEVELS, phase)
    clipped = float(np.mean((noise < 0) | (noise > 1)))
    return MatchedPair(saved_texture, to_uint8(noise), contrast, clipped)


def radial_band_energies(image: np.ndarray, n_bands: int) -> np.ndarray:
    """AC power of ``image`` in ``n_bands`` octave-wide rings of radial frequency, the finest ending at Nyquist
    (cycles/px 0.5 / 2**(n_bands - b - 1) ... ), shape (n_bands,); over the full 2-D spectrum."""
    image = np.asarray(image, dtype=np.float64)
    power = np.abs(np.fft.fft2(image - image.mean())) ** 2
    fy, fx = np.meshgrid(np.fft.fftfreq(image.shape[0]), np.fft.fftfreq(image.shape[1]), indexing="ij")
    radius = np.hypot(fy, fx)
    edges = 0.5 / 2.0 ** np.arange(n_bands, -1, -1)
    edges[0], edges[-1] = 0.0, np.inf
    return np.array([power[(radius > low) & (radius <= high)].sum() for low, high in zip(edges[:-1], edges[1:])])
