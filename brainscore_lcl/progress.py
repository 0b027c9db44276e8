"""One progress bar per unit of work a command shows: Brain-Score's inner bars hidden meanwhile.

Brain-Score draws a ``tqdm`` bar for every stimulus conversion, activation extraction, layer packaging and
cross-validation (one per split set), so scoring one model prints a dozen bars. ``inner_bars_hidden`` makes every
``tqdm`` bar created inside it disabled unless it is created with ``disable=False``, which a command's own bar is.
tqdm has no global switch, hence the patched default.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def inner_bars_hidden() -> Iterator[None]:
    """Within the block, ``tqdm`` bars are disabled by default (``disable=False`` still shows one)."""
    from tqdm import tqdm

    original = tqdm.__init__
    tqdm.__init__ = functools.partialmethod(original, disable=True)
    try:
        yield
    finally:
        tqdm.__init__ = original
