"""Texture modulation of model V2 against the Freeman & Ziemba (2013) V2 cells, for every data source."""

from brainscore_lcl.registry import benchmark_registry

from .benchmark import FreemanZiembaTextureModulation

benchmark_registry["FreemanZiemba2013.V2-texmod"] = lambda **options: FreemanZiembaTextureModulation(
    "official", **options
)
benchmark_registry["FreemanZiemba2013public.V2-texmod"] = lambda **options: FreemanZiembaTextureModulation(
    "public", **options
)
benchmark_registry["FreemanZiemba2013local.V2-texmod"] = lambda **options: FreemanZiembaTextureModulation(
    "local", **options
)
benchmark_registry["FreemanZiemba2013sim.V2-texmod"] = lambda **options: FreemanZiembaTextureModulation(
    "sim", **options
)
