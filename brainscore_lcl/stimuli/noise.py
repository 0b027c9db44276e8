"""Spectrally matched noise (Freeman et al. 2013): an image with exactly the Fourier amplitude spectrum of a texture
and uniformly random phase, real-valued (the random phase is Hermitian-symmetric) with the texture's mean (the DC
term keeps phase 0).

Shapes: images are (rows, columns) float arrays; spectra are ``numpy.fft.rfft2`` half-planes (rows, columns // 2 + 1).
"""

from __future__ import annotations

import numpy as np


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


def spectrally_matched_noise(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A real image (float64, ``image``'s shape) whose Fourier amplitude spectrum equals ``image``'s (to float
    precision) and whose phase is ``random_phase``.

    On the self-conjugate frequencies (DC and, for even sizes, the Nyquist row and column) the white noise's phase
    is 0 or pi, so the product stays real there and ``irfft2`` keeps every amplitude.
    """
    image = np.asarray(image, dtype=np.float64)
    spectrum = amplitude_spectrum(image) * np.exp(1j * random_phase(image.shape, rng))
    return np.fft.irfft2(spectrum, s=image.shape)


def spectrum_error(image: np.ndarray, target: np.ndarray) -> float:
    """Relative error of ``image``'s amplitude spectrum against ``target``'s: ||A(image) - A(target)|| / ||A(target)||
    (Frobenius norms over the rfft2 half-plane)."""
    reference = amplitude_spectrum(target)
    return float(np.linalg.norm(amplitude_spectrum(image) - reference) / np.linalg.norm(reference))
