"""The Freeman & Ziemba (2013) V2 PLS benchmark over the V1-like or V2-like V2 cells, for every data source."""

from brainscore_lcl.registry import benchmark_registry

from .benchmark import FreemanZiembaPartitionPLS

benchmark_registry["FreemanZiemba2013.V2-pls-v1like"] = lambda **options: FreemanZiembaPartitionPLS(
    "official", "v1like", **options
)
benchmark_registry["FreemanZiemba2013.V2-pls-v2like"] = lambda **options: FreemanZiembaPartitionPLS(
    "official", "v2like", **options
)
benchmark_registry["FreemanZiemba2013public.V2-pls-v1like"] = lambda **options: FreemanZiembaPartitionPLS(
    "public", "v1like", **options
)
benchmark_registry["FreemanZiemba2013public.V2-pls-v2like"] = lambda **options: FreemanZiembaPartitionPLS(
    "public", "v2like", **options
)
benchmark_registry["FreemanZiemba2013local.V2-pls-v1like"] = lambda **options: FreemanZiembaPartitionPLS(
    "local", "v1like", **options
)
benchmark_registry["FreemanZiemba2013local.V2-pls-v2like"] = lambda **options: FreemanZiembaPartitionPLS(
    "local", "v2like", **options
)
benchmark_registry["FreemanZiemba2013sim.V2-pls-v1like"] = lambda **options: FreemanZiembaPartitionPLS(
    "sim", "v1like", **options
)
benchmark_registry["FreemanZiemba2013sim.V2-pls-v2like"] = lambda **options: FreemanZiembaPartitionPLS(
    "sim", "v2like", **options
)
