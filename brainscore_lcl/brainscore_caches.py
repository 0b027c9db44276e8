"""Brain-Score's own on-disk caches, made safe for concurrent and interrupted runs of this suite.

Brain-Score stores activations (``ActivationsExtractorHelper._from_paths_stored``) and stimuli placed on the model's
field of view (``screen._place_on_screen``) with ``result_caching`` under ``$RESULTCACHING_HOME``. As shipped, each
store writes ``<entry>.filepart`` and renames it (two processes writing one entry collide on that name), reads an entry
without a check (a truncated pickle is a traceback), and ``_place_on_screen`` deletes and refills its image folder
(under ``~/.brain-score``) while another process may read it. ``secure_brainscore_caches`` (idempotent) changes that:

- every store writes through ``brainscore_lcl.cache.atomic_path`` (a unique temporary name, renamed into place);
- an entry that cannot be read is reported in one line (``brainscore_lcl.cache.report_corrupt``) and recomputed;
- each stored call runs under the file lock of its entry, so concurrent processes compute it once and the others
  load it;
- stimuli are placed under ``<cache>/stimuli_on_screen`` (``<cache>`` = ``$BRAINSCORE_LCL_CACHE``); a placement that
  is interrupted removes its folder, and a stored placement whose images are gone is recomputed; placed PNGs are
  written with fast compression (the same pixels).
"""

from __future__ import annotations

import functools
import os
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from brainscore_lcl import cache_dir
from brainscore_lcl.cache import atomic_path, error_summary, locked, remove, report_corrupt

_SECURED = "__brainscore_lcl_secured__"


def _disk_storage_class():
    from result_caching import _DiskStorage

    return _DiskStorage


@functools.cache
def _checked_storage_class(base: type) -> type:
    """``base`` (a ``result_caching._DiskStorage`` class) with atomic saves and checked loads."""
    disk_storage = _disk_storage_class()

    class CheckedDiskStorage(disk_storage):
        """Saves through a unique temporary file; ``is_stored`` loads the entry (kept for the ``load`` that follows)
        and reports and removes one that cannot be read."""

        def is_stored(self, function_identifier):
            if not super().is_stored(function_identifier):
                return False
            path = self.storage_path(function_identifier)
            try:
                self.__dict__.setdefault("_loaded", {})[function_identifier] = self.load_file(path)
            except Exception as error:  # any failure to read an entry means it is unusable: recompute it
                report_corrupt(path, error_summary(error))
                return False
            return True

        def load(self, function_identifier):
            loaded = self.__dict__.get("_loaded", {})
            return (
                loaded.pop(function_identifier) if function_identifier in loaded else super().load(function_identifier)
            )

        def save(self, result, function_identifier):
            with atomic_path(self.storage_path(function_identifier)) as temporary:
                self.save_file(result, str(temporary))

    if base is disk_storage:
        return CheckedDiskStorage
    return type(f"Checked{base.__name__}", (base, CheckedDiskStorage), {})


def _closure_value(function: Callable, kind: type | tuple[type, ...]) -> Any:
    return next(cell.cell_contents for cell in function.__closure__ or () if isinstance(cell.cell_contents, kind))


def storage_of(stored: Callable):
    """The ``result_caching`` storage object behind a function decorated with one of its stores."""
    return _closure_value(stored, _disk_storage_class())


def secure_store(
    stored: Callable,
    is_usable: Callable[[Any], bool] = lambda result: True,
    on_interrupt: Callable[[dict], None] = lambda call_args: None,
) -> Callable:
    """``stored`` (decorated with a ``result_caching`` disk store) made safe: atomic, checked storage; every call
    under the lock of its entry; a loaded result that is not ``is_usable`` removed and recomputed; on an exception
    before the entry was saved, ``on_interrupt(call arguments)`` cleans up what the call wrote elsewhere."""
    storage = storage_of(stored)
    storage.__class__ = _checked_storage_class(type(storage))
    function = _closure_value(stored, types.FunctionType)

    @functools.wraps(stored)
    def run(*args, **kwargs):
        call_args = storage.getcallargs(function, *args, **kwargs)
        path = Path(storage.storage_path(storage.get_function_identifier(function, dict(call_args))))
        with locked(path):
            try:
                result = stored(*args, **kwargs)
            except BaseException:
                if not path.exists():
                    on_interrupt(call_args)
                raise
            if not is_usable(result):
                report_corrupt(path, "files it names are missing")
                result = stored(*args, **kwargs)
        return result

    setattr(run, _SECURED, True)
    return run


def on_screen_folder() -> Path:
    """Where stimuli placed on a model's field of view are written: ``<cache>/stimuli_on_screen``."""
    return cache_dir() / "stimuli_on_screen"


def _placement_folder(call_args: dict) -> Path:
    """The folder ``screen._place_on_screen`` fills for these arguments (its own naming, brainscore-vision 2.4.2)."""
    source = call_args["source_visual_degrees"]
    source = f"{source}" if source is None else f"{source:.2f}"
    name = f"{call_args['stimuli_identifier']}--target{call_args['target_visual_degrees']:.2f}--source{source}"
    return on_screen_folder() / name


def _placement_is_usable(stimulus_set) -> bool:
    return all(Path(path).is_file() for path in stimulus_set.stimulus_paths.values())


def secure_brainscore_caches(folder: str | os.PathLike) -> None:
    """Keep Brain-Score's activation and placed-stimuli stores in ``folder`` (``result_caching`` reads
    ``RESULTCACHING_HOME`` only once, at import) and make them atomic, checked and locked (see the module docstring);
    idempotent."""
    from brainscore_vision.benchmark_helpers import screen
    from brainscore_vision.model_helpers.activations.core import ActivationsExtractorHelper

    screen.root_path = on_screen_folder()
    if not getattr(screen._place_on_screen, _SECURED, False):
        screen._place_on_screen = secure_store(
            screen._place_on_screen,
            is_usable=_placement_is_usable,
            on_interrupt=lambda call_args: remove(_placement_folder(call_args)),
        )
    if not getattr(ActivationsExtractorHelper._from_paths_stored, _SECURED, False):
        ActivationsExtractorHelper._from_paths_stored = secure_store(ActivationsExtractorHelper._from_paths_stored)
    for stored in (screen._place_on_screen, ActivationsExtractorHelper._from_paths_stored):
        storage_of(stored)._storage_directory = str(folder)
    if screen.ImageConverter._write.__module__ == screen.__name__:  # Brain-Score's own, not one patched by a caller
        screen.ImageConverter._write = _write_fast_png


def _write_fast_png(converter, image, target_path) -> None:
    """``ImageConverter._write`` with zlib level 1 for PNGs: the same pixels as Brain-Score's default (level 6) in half
    the CPU time (5.6 against 11 ms for a placed 640-px stimulus; placing stimuli on screen was mostly compression),
    files 40% larger."""
    if str(target_path).lower().endswith(".png"):
        image.save(target_path, compress_level=1)
    else:
        image.save(target_path)
