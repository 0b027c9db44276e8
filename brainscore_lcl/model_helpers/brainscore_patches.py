"""Every change this suite makes to private parts of Brain-Score, in one module, pinned to the versions it was written
for (``WRITTEN_FOR``): importing it with other versions installed raises ``RunError`` in one sentence (``brainscore``
prints it as one line), because a private method may change meaning in any release.

What is replaced or read, and why:

- ``result_caching._DiskStorage`` / ``_XarrayStorage`` of two stores: ``storage_path``, ``is_stored``, ``load``,
  ``load_file``, ``save``, ``save_file`` (the storage object's class is swapped). As shipped they write pickles,
  collide on one ``<entry>.filepart`` name, and read an entry unchecked. Here every entry is written in a data-only
  format (``Codec``: activations as netCDF, placed stimulus sets as JSON; nothing is unpickled, so a file planted in
  the cache can fail to load but cannot run code), atomically (``brainscore_lcl.cache.atomic_path``), and an entry
  that cannot be read is reported in one line and recomputed. ``_storage_directory`` is re-pointed to
  ``$RESULTCACHING_HOME`` (``result_caching`` reads it once, at import).
- ``screen._place_on_screen`` and ``ActivationsExtractorHelper._from_paths_stored`` (the stored functions, found in
  their decorators' closures): wrapped so each call runs under its entry's file lock (concurrent processes compute it
  once), a placement whose images are gone is recomputed, and an interrupted placement removes its folder.
  ``screen.root_path`` moves placed stimuli under ``<cache>/stimuli_on_screen``; ``screen.ImageConverter._write``
  writes PNGs with fast compression (the same pixels).
- ``ModelCommitment._visual_degrees`` is set by ``set_visual_degrees`` (the field-of-view sweep). Read: a
  ``PytorchWrapper``'s network (``network_of``: its ``_model``) and extractor (``extractor_of``: its ``_extractor``).
  Per extractor: ``_get_activations_batched`` becomes an ``activations_memo.ActivationsMemo`` (each image run once
  per network), ``_from_paths_stored`` serves requests held in memory (``remember_activations``), and ``_from_paths``
  or the memo counts the network's runs (``count_network_runs``); the memo reads ``_microsaccade_helper``.

Activations are stored as netCDF rather than ``.npz``: a Brain-Score assembly is labelled (one coordinate per
presentation and neuroid property, strings included), netCDF keeps the labels and dtypes as data, and xarray reads and
writes it without pickling (``.npz`` holds only arrays; strings would need ``allow_pickle`` or a second file).
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import os
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brainscore_lcl import cache_dir
from brainscore_lcl.cache import atomic_path, error_summary, locked, remove, report_corrupt
from brainscore_lcl.errors import RunError

#: the distributions whose private parts this module replaces, at the versions it was written and tested for
#: (pyproject.toml pins the same)
WRITTEN_FOR = {"brainscore_vision": "2.4.2", "brainscore_core": "2.5.0", "result_caching": "0.5"}


def installed_version(distribution: str) -> str | None:
    """The installed version of ``distribution``, or None when it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_versions() -> None:
    """``RunError`` naming the first distribution of ``WRITTEN_FOR`` installed at another version."""
    for distribution, wanted in WRITTEN_FOR.items():
        found = installed_version(distribution)
        if found != wanted:
            pins = " ".join(f"{name}=={version}" for name, version in WRITTEN_FOR.items())
            raise RunError(
                f"brainscore-lcl replaces private parts of {distribution} {wanted}, and {distribution} "
                f"{found or '(none)'} is installed; install the versions it was written for: pip install {pins}"
            )


check_versions()

_SECURED = "__brainscore_lcl_secured__"
_COUNTED = "__brainscore_lcl_counted__"
_MEMO = "__brainscore_lcl_activations_memo__"


@dataclass(frozen=True)
class Codec:
    """A data-only file format of a store's results: ``write(result, path)``, ``read(path) -> result``; entries are
    named ``<identifier><suffix>``."""

    suffix: str
    write: Callable[[Any, Path], None]
    read: Callable[[Path], Any]


def _is_text(values) -> bool:
    return values.dtype.kind == "U" or (values.dtype.kind == "O" and all(isinstance(value, str) for value in values))


def _write_assembly(assembly, path: Path) -> None:
    """A Brain-Score assembly as netCDF: its values and every coordinate (MultiIndex levels as plain coordinates);
    text coordinates as fixed-width UTF-8 character arrays (HDF5's default variable-length strings took 5.2x pickle's
    write time and 1.15x its size on 315 images x 187500 units, the character arrays 1.85x and 1.04x;
    ``tools/bench_activation_store.py``)."""
    import xarray as xr
    from brainscore_core.supported_data_standards.brainio.assemblies import walk_coords

    coords = {name: (dims, values) for name, dims, values in walk_coords(assembly)}
    flat = xr.DataArray(assembly.values, coords=coords, dims=assembly.dims)
    text = {name: {"dtype": "S1"} for name, (_, values) in coords.items() if _is_text(values)}
    flat.to_netcdf(path, engine="netcdf4", encoding=text)


def _read_assembly(path: Path):
    """The ``NeuroidAssembly`` written by ``_write_assembly`` (its MultiIndex rebuilt from the coordinates)."""
    import xarray as xr
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

    with xr.open_dataarray(path, engine="netcdf4") as stored:
        return NeuroidAssembly(stored.load())


def _write_stimulus_set(stimulus_set, path: Path) -> None:
    """A placed ``StimulusSet`` as JSON: its columns (values and dtypes), index, identifier and image paths (not the
    ``original_paths`` attribute ``_place_on_screen`` adds, which nothing reads)."""
    document = {
        "identifier": stimulus_set.identifier,
        "index": stimulus_set.index.tolist(),
        "columns": {
            str(name): {"dtype": str(column.dtype), "values": column.tolist()} for name, column in stimulus_set.items()
        },
        "stimulus_paths": [[key, str(value)] for key, value in stimulus_set.stimulus_paths.items()],
    }
    path.write_text(json.dumps(document))


def _read_stimulus_set(path: Path):
    """The ``StimulusSet`` written by ``_write_stimulus_set``."""
    import pandas as pd
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    document = json.loads(path.read_text())
    frame = pd.DataFrame(
        {name: pd.Series(column["values"], dtype=column["dtype"]) for name, column in document["columns"].items()}
    )
    frame.index = document["index"]
    stimulus_set = StimulusSet(frame)
    stimulus_set.identifier = document["identifier"]
    stimulus_set.stimulus_paths = dict(map(tuple, document["stimulus_paths"]))
    return stimulus_set


def _write_json(value, path: Path) -> None:
    path.write_text(json.dumps(value))


def _read_json(path: Path):
    return json.loads(path.read_text())


ASSEMBLY_NETCDF = Codec(".nc", _write_assembly, _read_assembly)
STIMULUS_SET_JSON = Codec(".json", _write_stimulus_set, _read_stimulus_set)
#: for stores whose results are plain JSON values
JSON_VALUE = Codec(".json", _write_json, _read_json)


def _disk_storage_class():
    from result_caching import _DiskStorage

    return _DiskStorage


class _DataOnlyStorage:
    """Mixed in before a ``result_caching`` disk storage class: entries in ``codec``'s format (never pickle), saved
    through a unique temporary file; ``is_stored`` reads the entry (kept for the ``load`` that follows) and reports
    and removes one that cannot be read."""

    codec: Codec

    def storage_path(self, function_identifier):
        return os.path.join(self._storage_directory, function_identifier + self.codec.suffix)

    def is_stored(self, function_identifier):
        path = self.storage_path(function_identifier)
        if not os.path.isfile(path):
            return False
        try:
            self.__dict__.setdefault("_loaded", {})[function_identifier] = self.load_file(path)
        except Exception as error:  # any failure to read an entry means it is unusable: recompute it
            report_corrupt(path, error_summary(error))
            return False
        return True

    def load(self, function_identifier):
        loaded = self.__dict__.get("_loaded", {})
        if function_identifier in loaded:
            return loaded.pop(function_identifier)
        return self.load_file(self.storage_path(function_identifier))

    def load_file(self, path):
        return self.codec.read(Path(path))

    def save(self, result, function_identifier):
        with atomic_path(self.storage_path(function_identifier)) as temporary:
            self.save_file(result, temporary)

    def save_file(self, result, path):
        self.codec.write(result, Path(path))


@functools.cache
def _data_only_storage_class(base: type, codec: Codec) -> type:
    """``base`` (a ``result_caching._DiskStorage`` class) storing ``codec``'s format (``_DataOnlyStorage``)."""
    return type(f"DataOnly{base.__name__}", (_DataOnlyStorage, base), {"codec": codec})


def _closure_value(function: Callable, kind: type | tuple[type, ...]) -> Any:
    return next(cell.cell_contents for cell in function.__closure__ or () if isinstance(cell.cell_contents, kind))


def storage_of(stored: Callable):
    """The ``result_caching`` storage object behind a function decorated with one of its stores."""
    return _closure_value(stored, _disk_storage_class())


def secure_store(
    stored: Callable,
    codec: Codec,
    is_usable: Callable[[Any], bool] = lambda result: True,
    on_interrupt: Callable[[dict], None] = lambda call_args: None,
) -> Callable:
    """``stored`` (decorated with a ``result_caching`` disk store) made safe: entries in ``codec``'s data-only format,
    atomic and checked; every call under the lock of its entry; a loaded result that is not ``is_usable`` removed
    and recomputed; on an exception before the entry was saved, ``on_interrupt(call arguments)`` cleans up what the
    call wrote elsewhere."""
    storage = storage_of(stored)
    storage.__class__ = _data_only_storage_class(type(storage), codec)
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
    """Keep Brain-Score's activation and placed-stimuli stores in ``folder`` and make them data-only, atomic, checked
    and locked (see the module docstring); idempotent."""
    from brainscore_vision.benchmark_helpers import screen
    from brainscore_vision.model_helpers.activations.core import ActivationsExtractorHelper

    screen.root_path = on_screen_folder()
    if not getattr(screen._place_on_screen, _SECURED, False):
        screen._place_on_screen = secure_store(
            screen._place_on_screen,
            STIMULUS_SET_JSON,
            is_usable=_placement_is_usable,
            on_interrupt=lambda call_args: remove(_placement_folder(call_args)),
        )
    if not getattr(ActivationsExtractorHelper._from_paths_stored, _SECURED, False):
        ActivationsExtractorHelper._from_paths_stored = secure_store(
            ActivationsExtractorHelper._from_paths_stored, ASSEMBLY_NETCDF
        )
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


def extractor_of(model):
    """The ``ActivationsExtractorHelper`` behind a ``ModelCommitment`` or a ``PytorchWrapper``, or None (a model of
    another kind)."""
    return getattr(getattr(model, "activations_model", model), "_extractor", None)


def set_visual_degrees(model, degrees: float) -> None:
    """Make ``model`` (a ``ModelCommitment``) see its input as spanning ``degrees`` of visual angle: its
    ``_visual_degrees`` (what ``visual_degrees()`` returns), and its extractor's where it has a setter."""
    model._visual_degrees = degrees
    extractor = extractor_of(model)
    if extractor is not None and hasattr(extractor, "set_visual_degrees"):
        extractor.set_visual_degrees(degrees)


def network_of(model):
    """The torch module behind a ``ModelCommitment`` built on a ``PytorchWrapper`` (its ``_model``)."""
    return getattr(model, "activations_model", model)._model


def remember_activations(extractor, key: str) -> None:
    """Make ``extractor`` run each image once for the network ``key`` (``activations_memo``), and package a request
    whose images are all held from memory rather than read back from Brain-Score's disk cache (reading and filtering a
    stored layer costs more than packaging it); idempotent."""
    from brainscore_lcl.model_helpers.activations_memo import ActivationsMemo

    if getattr(extractor, _MEMO, None) is not None:
        return
    memo = ActivationsMemo(extractor._get_activations_batched, extractor._microsaccade_helper, key)
    stored = extractor._from_paths_stored

    def stored_or_held(*, layers, stimuli_paths, require_variance=False, **cache_key):
        if not require_variance and memo.holds(stimuli_paths, layers):
            return extractor._from_paths(layers=layers, stimuli_paths=stimuli_paths, require_variance=False)
        return stored(layers=layers, stimuli_paths=stimuli_paths, require_variance=require_variance, **cache_key)

    setattr(extractor, _MEMO, memo)
    extractor._get_activations_batched = memo
    extractor._from_paths_stored = stored_or_held


def count_network_runs(model, callback: Callable[[], None]) -> None:
    """Call ``callback()`` each time ``model``'s network really runs on images: not for a request served from
    Brain-Score's disk cache, nor (with ``remember_activations``) from memory; idempotent, nothing for a model without
    an extractor."""
    extractor = extractor_of(model)
    if extractor is None or getattr(extractor, _COUNTED, False):
        return
    setattr(extractor, _COUNTED, True)
    memo = getattr(extractor, _MEMO, None)
    if memo is not None:
        memo.on_compute(callback)
        return
    run = extractor._from_paths

    @functools.wraps(run)
    def counted(*args, **kwargs):
        callback()
        return run(*args, **kwargs)

    extractor._from_paths = counted
