"""The identity of the data a benchmark scores against, by content: the same release copied to another folder or
machine has the same identity, a regenerated or edited one another (the results database keys every cell on it)."""

from __future__ import annotations

from pathlib import Path

from brainscore_lcl.data.facts import SOURCE_PREFIXES

#: the ``FreemanZiembaPLS`` source name of each source an analysis accepts ("private": Brain-Score's own split)
BENCHMARK_SOURCES = {"sim": "sim", "public": "public", "private": "official", "official": "official", "local": "local"}


def data_identity(source: str, data_root: str | None) -> str:
    """``<source>:<sha1 of the stimuli[:16]>:<sha1 of the response file[:16]>`` for a raw release (sim, local), from
    the files' bytes only (never their paths or times); ``brainscore:<source>`` for Brain-Score's own assemblies."""
    from brainscore_lcl.cache import file_sha1
    from brainscore_lcl.data.freemanziemba import MAT_FILE_NAME, stimuli_digest
    from brainscore_lcl.data.texture_responses import raw_release_root

    root = raw_release_root(BENCHMARK_SOURCES[source], data_root)
    if root is None:
        return f"brainscore:{source}"
    responses = Path(root) / MAT_FILE_NAME
    if not responses.is_file():
        return f"{source}:missing"
    return f"{source}:{stimuli_digest(root)[:16]}:{file_sha1(responses)[:16]}"


def benchmark_data_identity(benchmark_id: str, data_root: str | None = None) -> str:
    """Identity of the data ``benchmark_id`` scores against: ``data_identity`` for the FreemanZiemba2013 sources;
    the id and data folder for other benchmarks."""
    dataset = benchmark_id.partition(".")[0]
    for source, prefix in SOURCE_PREFIXES.items():
        if dataset == prefix:
            return data_identity(source, data_root)
    return f"{benchmark_id}:{data_root}" if data_root else f"brainscore:{benchmark_id}"
