"""The one way this package reads an image: ``read_gray_image`` turns any file PIL opens into gray levels in [0, 1].

Conversions, by PIL mode: 8-bit modes ("L", "P" through its palette, "RGB", "RGBA", "LA", "CMYK", "1") via PIL's own
``convert("L")`` (ITU-R 601-2 luma, L = R * 299/1000 + G * 587/1000 + B * 114/1000; an alpha channel is ignored: the
pixels are taken as they are, not composited), divided by 255; 16-bit gray ("I;16", "I;16B", "I;16L", and "I" as
PIL opens 16-bit PNGs) divided by 65535; 32-bit float ("F", e.g. a float TIFF) taken as it is, and refused unless it
lies in [0, 1] (there is no scale to guess). PIL's own ``convert("L")`` of a 16-bit or float image clips it at 255,
which turns most of it white: that is why the 16-bit and float modes do not go through it.

Checks, each ending in one sentence: a path that is not a file, a file PIL cannot decode, an image above
``MAX_PIXELS`` (read from the header, before any pixel is decoded: no ``DecompressionBombError``), a mode with no
gray conversion here.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from brainscore_lcl.errors import RunError, UsageError

#: the most pixels an input image may have (a 8000 x 8000 photograph; a 320-px stimulus needs far fewer)
MAX_PIXELS = 64_000_000
#: PIL modes of 16-bit gray images and the full-scale value they are divided by
SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")
SIXTEEN_BIT_FULL_SCALE = 65535.0
#: PIL modes that ``convert("L")`` maps to 8-bit gray without clipping
EIGHT_BIT_MODES = ("1", "L", "LA", "P", "PA", "RGB", "RGBA", "RGBX", "CMYK", "YCbCr", "LAB", "HSV", "La", "RGBa")


def _unreadable(path: Path, error: BaseException, what: str) -> RunError:
    return RunError(
        f"{what} {path} is not an image that PIL can read ({type(error).__name__}); remove it or replace it with a "
        "PNG, JPEG or TIFF"
    )


def gray_levels(image: Image.Image, path: Path, what: str = "image") -> np.ndarray:
    """An opened PIL image as float64 gray levels in [0, 1], shape (rows, columns) (module docstring)."""
    if image.mode in SIXTEEN_BIT_MODES:
        values = np.asarray(image, dtype=np.float64)
        if values.min() < 0 or values.max() > SIXTEEN_BIT_FULL_SCALE:
            raise UsageError(
                f"{what} {path} is a 32-bit integer image with values outside 0-65535; save it as an 8- or 16-bit image"
            )
        return values / SIXTEEN_BIT_FULL_SCALE
    if image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
        if not np.all(np.isfinite(values)) or values.min() < 0 or values.max() > 1:
            raise UsageError(
                f"{what} {path} is a float image with values in [{np.nanmin(values):g}, {np.nanmax(values):g}]; float "
                "images must hold gray levels in [0, 1] (rescale it, or save it as an 8- or 16-bit image)"
            )
        return values
    if image.mode not in EIGHT_BIT_MODES:
        raise UsageError(
            f"{what} {path} has PIL mode {image.mode}, which this suite does not convert to gray; save it as an 8- "
            "or 16-bit PNG"
        )
    return np.asarray(image.convert("L"), dtype=np.float64) / 255.0


def read_gray_image(path: str | Path, what: str = "image") -> np.ndarray:
    """The image file ``path`` as float64 gray levels in [0, 1], shape (rows, columns). ``what`` names the file in
    the error sentences (e.g. "--images file", "stimulus")."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{what} {path} is a folder, not an image file; rename or remove it")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise UsageError(
                        f"{what} {path} is {width}x{height} px, more than the {MAX_PIXELS:,} pixels this suite reads; "
                        "downsample it first"
                    )
                return gray_levels(image, path, what)
    except UsageError:
        raise
    except Image.DecompressionBombError as error:
        raise UsageError(
            f"{what} {path} is larger than PIL's decompression-bomb limit; downsample it to at most "
            f"{MAX_PIXELS:,} pixels"
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise _unreadable(path, error, what) from error
