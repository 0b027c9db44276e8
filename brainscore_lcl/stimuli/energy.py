"""A pure energy model of gray images, the control that spectrally matched noise is built for: fixed quadrature pairs
of zero-mean Gabor filters (``WAVELENGTHS`` x ``ORIENTATIONS``), each pair squared and summed (local energy).

``circular_energy`` pools the energy over the whole image with circular convolution, so by Parseval it depends on the
amplitude spectrum alone: a texture and its saved noise must drive it alike. ``windowed_energy`` pools it under the
stimulus' raised-cosine aperture, as a model sees a placed image: there a texture sample's energy differs from its
noise's by where its energy falls in the window, which ``shift_spread`` measures (circular shifts keep a periodic
texture's spectrum and statistics). Used by ``tools/energy_control.py`` and the tests' planted networks.
"""

from __future__ import annotations

import math

import numpy as np

#: Gabor wavelengths (px), orientations and kernel side (px)
WAVELENGTHS, ORIENTATIONS, KERNEL = (6.0, 12.0), 4, 25


def gabor_pairs():
    """torch (2 * n_filters, 1, KERNEL, KERNEL): even and odd zero-mean Gabor filters of unit norm, pair after pair;
    envelope s.d. half the wavelength."""
    import torch

    half = KERNEL // 2
    y, x = torch.meshgrid(torch.arange(-half, half + 1.0), torch.arange(-half, half + 1.0), indexing="ij")
    kernels = []
    for wavelength in WAVELENGTHS:
        envelope = torch.exp(-(x**2 + y**2) / (2 * (0.5 * wavelength) ** 2))
        for index in range(ORIENTATIONS):
            angle = math.pi * index / ORIENTATIONS
            position = x * math.cos(angle) + y * math.sin(angle)
            for phase in (torch.cos, torch.sin):
                kernel = envelope * phase(2 * math.pi * position / wavelength)
                kernel = kernel - envelope * kernel.sum() / envelope.sum()
                kernels.append(kernel / kernel.norm())
    return torch.stack(kernels)[:, None]


def _energy_maps(images: np.ndarray, padding: str):
    import torch

    filters = gabor_pairs()
    batch = torch.as_tensor(np.asarray(images, dtype=np.float32))[:, None]
    batch = torch.nn.functional.pad(batch, [KERNEL // 2] * 4, mode=padding)
    with torch.no_grad():
        responses = torch.nn.functional.conv2d(batch, filters) ** 2
    return responses[:, 0::2] + responses[:, 1::2]


def circular_energy(images: np.ndarray) -> np.ndarray:
    """images (n, rows, columns) gray -> (n, n_filters) energies averaged over the image, circular convolution."""
    return _energy_maps(images, "circular").mean(dim=(2, 3)).numpy().astype(np.float64)


def windowed_energy(images: np.ndarray, window: np.ndarray, gray: float = 128 / 255) -> np.ndarray:
    """images (n, rows, columns) placed on ``gray`` under ``window`` (rows, columns; the aperture) -> (n, n_filters)
    energies averaged over the image (zero padding: the gray surround)."""
    placed = gray + (np.asarray(images) - gray) * window
    return _energy_maps(placed - gray, "constant").mean(dim=(2, 3)).numpy().astype(np.float64)


def family_rmod(texture: np.ndarray, noise: np.ndarray) -> float:
    """Mean over units of (t - n) / (t + n) of per-unit mean responses texture (samples, units), noise likewise."""
    t, n = texture.mean(axis=0), noise.mean(axis=0)
    return float(np.mean((t - n) / (t + n)))


def shift_spread(
    textures: np.ndarray, noise: np.ndarray, window: np.ndarray, rng: np.random.Generator, n_shifts: int = 20
) -> tuple[float, float]:
    """Mean and s.d. over ``n_shifts`` draws of the windowed-energy family Rmod with every texture (samples, rows,
    columns) moved by a random circular shift (its noise images fixed)."""
    noise_energy = windowed_energy(noise, window)
    values = []
    for _ in range(n_shifts):
        shifts = rng.integers(0, textures.shape[-1], (len(textures), 2))
        moved = np.stack([np.roll(image, tuple(shift), (0, 1)) for image, shift in zip(textures, shifts)])
        values.append(family_rmod(windowed_energy(moved, window), noise_energy))
    return float(np.mean(values)), float(np.std(values))
