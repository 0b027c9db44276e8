"""One entry point for the Freeman & Ziemba (2013) assemblies of every source, all in Brain-Score's schema.

- "official": Brain-Score's data through brainscore_vision's own ``load_assembly`` (network and access): its private
  split by default, the public one with ``access="public"``, both joined (450 images) with ``access="all"``.
- "public": Brain-Score's public split, same loader.
- "local": the raw release on disk (``data_root`` or $BRAINSCORE_LCL_FZ_ROOT), see :mod:`.freemanziemba`.
- "sim": the simulated experiment of :mod:`.simulation`, generated once into the cache.
"""

from __future__ import annotations

import functools
import os
import socket
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from brainscore_lcl.cache import MANIFEST_FILE, read_json
from brainscore_lcl.data.facts import BRAINSCORE_WINDOW_MS, REGIONS, SOURCE_PREFIXES
from brainscore_lcl.data.freemanziemba import (
    ACCESSES,
    DataUnavailableError,
    MalformedDataError,
    load_local_assembly,
    stimuli_digest,
    windowed_assembly,
)
from brainscore_lcl.data.simulation import (
    SIM_SEED,
    SIM_VERSION,
    default_cache_dir,
    generator_fingerprint,
    simulated_data_root,
)
from brainscore_lcl.errors import UsageError

__all__ = [
    "SOURCES",
    "DATA_ROOT_ENV",
    "DataUnavailableError",
    "MalformedDataError",
    "join_splits",
    "load_brainscore_packaged",
    "load_freemanziemba_assembly",
]

SOURCES = tuple(SOURCE_PREFIXES)
DATA_ROOT_ENV = "BRAINSCORE_LCL_FZ_ROOT"
_S3_HOST = "brainscore-storage.s3.amazonaws.com"
_PROBE_TIMEOUT_S = 3.0
_OFFLINE_ALTERNATIVES = {
    "private": "use FreemanZiemba2013public.* (public split), FreemanZiemba2013local.* with --data-root, "
    "or the offline simulated FreemanZiemba2013sim.*",
    "public": "use FreemanZiemba2013local.* with --data-root or the offline simulated FreemanZiemba2013sim.*",
}


def local_data_root(data_root: str | os.PathLike | None = None) -> str:
    """The raw release's folder for the "local" source: ``data_root``, else ${BRAINSCORE_LCL_FZ_ROOT}, resolved;
    ``DataUnavailableError`` saying how to give it when neither is set."""
    root = data_root or os.environ.get(DATA_ROOT_ENV)
    if not root:
        raise DataUnavailableError(
            f"FreemanZiemba2013local needs the raw release: pass --data-root DIR or set "
            f"{DATA_ROOT_ENV} (DIR holds FreemanZiemba2013_V1V2data.mat and stim/); or use "
            f"the offline simulated FreemanZiemba2013sim.*"
        )
    return str(Path(root).expanduser().resolve())


def load_freemanziemba_assembly(
    source: str,
    region: str,
    *,
    access: str = "private",
    average_repetitions: bool = True,
    time_window=BRAINSCORE_WINDOW_MS,
    data_root=None,
):
    """(presentation, neuroid) NeuronRecordingAssembly of one region from one source, cached in memory.

    source: one of SOURCES. access: "public" (135 images), "private" (315) or "all" (450; for "official" Brain-Score's
    public and private assemblies joined by ``join_splits``); the source "public" is always the public split.
    time_window in ms; values are
    mean spikes per ms over it, averaged over repetitions unless ``average_repetitions`` is False.
    Raises DataUnavailableError when the source's data cannot be had (offline, no access, no local copy).
    """
    if source not in SOURCES:
        raise UsageError(f"source must be one of {SOURCES}, got {source!r}")
    if region not in REGIONS:
        raise UsageError(f"region must be one of {REGIONS}, got {region!r}")
    if access not in ACCESSES:
        raise UsageError(f"access must be one of {ACCESSES}, got {access!r}")
    time_window = (int(time_window[0]), int(time_window[1]))
    if source == "local":
        data_root = local_data_root(data_root)
    else:
        data_root = None
    if source == "public":
        access = "public"
    return _load(source, region, access, average_repetitions, time_window, data_root)


def announced_simulated_root() -> Path:
    """``simulated_data_root(SIM_SEED)``, first saying in one line on stderr that the data are being generated when
    its folder is absent or its manifest records another generator (a cheap look at the manifest; the full check is
    ``simulated_data_root``'s). Lives here, not in ``simulation``, whose source is the generator's fingerprint."""
    root = default_cache_dir() / f"fz2013-sim-{SIM_SEED}-{SIM_VERSION}"
    manifest = read_json(root / MANIFEST_FILE, None)
    if not isinstance(manifest, dict) or manifest.get("fingerprint") != generator_fingerprint():
        print(
            f"generating the simulated V1/V2 recordings into {root}, once (10-40 s)...",
            file=sys.stderr,
            flush=True,
        )
    return simulated_data_root(SIM_SEED)


@functools.lru_cache(maxsize=32)
def _load(
    source: str,
    region: str,
    access: str,
    average_repetitions: bool,
    time_window: tuple[int, int],
    data_root: str | None,
):
    if source in ("official", "public"):
        if access == "all":
            return join_splits(
                [_load_brainscore(region, split, average_repetitions, time_window) for split in ("public", "private")]
            )
        return _load_brainscore(region, access, average_repetitions, time_window)
    name = SOURCE_PREFIXES[source]
    root = announced_simulated_root() if source == "sim" else data_root
    # the stimuli's content digest in the identifier keeps Brain-Score's activation caches from going stale
    return load_local_assembly(
        root,
        region,
        access=access,
        average_repetitions=average_repetitions,
        time_window=time_window,
        identifier=f"{name}.{stimuli_digest(root)[:8]}",
    )


def join_splits(assemblies):
    """Assemblies of disjoint image splits of one experiment (same neuroids, same coords) as one: presentations
    concatenated in the given order, stimulus sets (``attrs["stimulus_set"]``) joined with their paths. The joined
    stimulus set is named after the first one with its split suffix replaced by "-all" (e.g.
    ``FreemanZiemba2013.aperture-public`` -> ``FreemanZiemba2013.aperture-all``), so that activation caches keyed by
    stimulus-set identifier never mix two experiments."""
    import pandas as pd
    import xarray as xr
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    stimulus_sets = [assembly.attrs["stimulus_set"] for assembly in assemblies]
    stimulus_set_identifier = f"{assemblies[0].attrs['stimulus_set_identifier'].rpartition('-')[0]}-all"
    stimulus_set = StimulusSet(pd.concat([pd.DataFrame(part) for part in stimulus_sets], ignore_index=True))
    stimulus_set.stimulus_paths = {key: path for part in stimulus_sets for key, path in part.stimulus_paths.items()}
    stimulus_set.identifier = stimulus_set_identifier
    joined = type(assemblies[0])(xr.concat(assemblies, dim="presentation"))
    joined.attrs.update(assemblies[0].attrs, stimulus_set=stimulus_set, stimulus_set_identifier=stimulus_set_identifier)
    return joined


def load_brainscore_packaged(access: str):
    """Brain-Score's packaged ``FreemanZiemba2013.<access>`` assembly as stored, before its benchmark's windowing:
    (neuroid, time_bin, presentation) over both regions, spike counts in 1-ms bins (time_bin_start 0..299 ms, as
    ``data_packaging/movshon.py`` packs the release), one presentation per image and repetition."""
    reason = s3_unreachable_reason()
    if reason:
        raise _unavailable(access, reason)
    from brainscore_vision import load_dataset

    try:
        return load_dataset(f"FreemanZiemba2013.{access}")
    except Exception as error:
        raise _unavailable(access, f"{type(error).__name__}: {error}") from error


def _unavailable(access: str, reason: str) -> DataUnavailableError:
    reason = " ".join(str(reason).split())[:200]
    return DataUnavailableError(
        f"FreemanZiemba2013 {access} data could not be downloaded ({reason}); {_OFFLINE_ALTERNATIVES[access]}"
    )


def s3_unreachable_reason(host: str = _S3_HOST, timeout_s: float = _PROBE_TIMEOUT_S) -> str | None:
    """None when a TCP connection to Brain-Score's S3 host opens within timeout_s, else why not (never hangs)."""
    outcome: dict[str, Exception] = {}

    def probe():
        try:
            socket.create_connection((host, 443), timeout=timeout_s).close()
        except OSError as error:
            outcome["error"] = error

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout_s + 1)
    if thread.is_alive():
        return f"no answer from {host} within {timeout_s:g} s"
    if "error" in outcome:
        return f"cannot reach {host}: {outcome['error']}"
    return None


@contextmanager
def _cached_results_only():
    """Within the block, result_caching raises NotCachedError instead of computing (and downloading)."""
    previous = os.environ.get("RESULTCACHING_CACHEDONLY")
    os.environ["RESULTCACHING_CACHEDONLY"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["RESULTCACHING_CACHEDONLY"]
        else:
            os.environ["RESULTCACHING_CACHEDONLY"] = previous


def _brainscore_assembly(region: str, access: str, average_repetitions: bool, time_window: tuple[int, int]):
    """Brain-Score's own loader: its cached ``load_assembly`` for the 50-200 ms window, else its raw assembly
    windowed by the same steps."""
    from brainscore_vision import load_dataset
    from brainscore_vision.benchmarks.freemanziemba2013.benchmarks.benchmark import load_assembly

    if time_window == BRAINSCORE_WINDOW_MS:
        return load_assembly(average_repetitions, region=region, access=access)
    raw = load_dataset(f"FreemanZiemba2013.{access}")
    bins = [(start, start + 1) for start in range(*time_window)]
    return windowed_assembly(raw, bins, time_window, region, average_repetitions)


def _load_brainscore(region: str, access: str, average_repetitions: bool, time_window: tuple[int, int]):
    """Brain-Score's data, from its result cache when there (offline-safe), else downloaded after a quick probe."""
    from result_caching import NotCachedError

    if time_window == BRAINSCORE_WINDOW_MS:
        try:
            with _cached_results_only():
                return _brainscore_assembly(region, access, average_repetitions, time_window)
        except NotCachedError:
            pass
    reason = s3_unreachable_reason()
    if reason:
        raise _unavailable(access, reason)
    try:
        return _brainscore_assembly(region, access, average_repetitions, time_window)
    except Exception as error:
        raise _unavailable(access, f"{type(error).__name__}: {error}") from error
