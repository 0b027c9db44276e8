from brainscore_lcl.registry import benchmark_registry

from .benchmark import FreemanZiembaPLS

benchmark_registry["FreemanZiemba2013.V1-pls"] = lambda **options: FreemanZiembaPLS("official", "V1", **options)
benchmark_registry["FreemanZiemba2013.V2-pls"] = lambda **options: FreemanZiembaPLS("official", "V2", **options)
benchmark_registry["FreemanZiemba2013public.V1-pls"] = lambda **options: FreemanZiembaPLS("public", "V1", **options)
benchmark_registry["FreemanZiemba2013public.V2-pls"] = lambda **options: FreemanZiembaPLS("public", "V2", **options)
benchmark_registry["FreemanZiemba2013local.V1-pls"] = lambda **options: FreemanZiembaPLS("local", "V1", **options)
benchmark_registry["FreemanZiemba2013local.V2-pls"] = lambda **options: FreemanZiembaPLS("local", "V2", **options)
benchmark_registry["FreemanZiemba2013sim.V1-pls"] = lambda **options: FreemanZiembaPLS("sim", "V1", **options)
benchmark_registry["FreemanZiemba2013sim.V2-pls"] = lambda **options: FreemanZiembaPLS("sim", "V2", **options)
