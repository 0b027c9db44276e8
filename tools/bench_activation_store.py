"""Size and speed of Brain-Score's activation store: this suite's data-only netCDF entries
(``brainscore_patches.ASSEMBLY_NETCDF``) against the pickle ``result_caching`` writes as shipped
(``pickle.dump({"data": assembly}, protocol=-1)``, read with ``pd.read_pickle``), on one stored activations entry.

    brainscore score --model v1-steerpyr --benchmark FreemanZiemba2013sim.V1-pls   # makes an entry, if none yet
    python tools/bench_activation_store.py [--entry PATH.nc] [--repeats 3]

Prints the entry's shape, each format's bytes, best-of-``repeats`` write and read seconds, and the ratios netCDF /
pickle; the two reads are checked to give identical assemblies.
"""

from __future__ import annotations

import argparse
import os
import pickle
import tempfile
import time
from pathlib import Path


def best_seconds(action, *args, repeats: int) -> float:
    """The least wall-clock seconds of ``repeats`` calls ``action(*args)``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def write_pickle(assembly, path: Path) -> None:
    with open(path, "wb") as handle:
        pickle.dump({"data": assembly}, handle, protocol=-1)


def read_pickle(path: Path):
    import pandas as pd

    with open(path, "rb") as handle:
        return pd.read_pickle(handle)["data"]


def main() -> None:
    import xarray as xr

    from brainscore_lcl import cache_dir
    from brainscore_lcl.model_helpers.brainscore_patches import ASSEMBLY_NETCDF

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entry", type=Path, help="a stored activations entry (default: the largest in the cache)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    home = Path(os.environ.get("RESULTCACHING_HOME", cache_dir() / "result_caching"))
    entries = sorted(home.glob("*_from_paths_stored/*.nc"), key=lambda path: path.stat().st_size)
    entry = args.entry or (entries[-1] if entries else None)
    if entry is None:
        raise SystemExit(
            f"no activations entry under {home}; run the `brainscore score` line of this script's docstring"
        )
    assembly = ASSEMBLY_NETCDF.read(entry)
    print(f"entry: {entry.name}\nshape: {dict(zip(assembly.dims, assembly.shape))}, {assembly.dtype}")
    with tempfile.TemporaryDirectory() as folder:
        paths = {"netcdf": Path(folder) / "entry.nc", "pickle": Path(folder) / "entry.pkl"}
        formats = {"netcdf": (ASSEMBLY_NETCDF.write, ASSEMBLY_NETCDF.read), "pickle": (write_pickle, read_pickle)}
        measured = {}
        for name, (write, read) in formats.items():
            write_s = best_seconds(write, assembly, paths[name], repeats=args.repeats)
            read_s = best_seconds(read, paths[name], repeats=args.repeats)
            measured[name] = (paths[name].stat().st_size, write_s, read_s)
            print(f"{name}: {measured[name][0] / 1e6:.1f} MB, write {write_s:.3f} s, read {read_s:.3f} s")
        xr.testing.assert_identical(ASSEMBLY_NETCDF.read(paths["netcdf"]), read_pickle(paths["pickle"]))
    (size, write_s, read_s), (pickle_size, pickle_write, pickle_read) = measured["netcdf"], measured["pickle"]
    print(
        f"netcdf / pickle: size {size / pickle_size:.3f}, write {write_s / pickle_write:.2f}, "
        f"read {read_s / pickle_read:.2f} (identical assemblies)"
    )


if __name__ == "__main__":
    main()
