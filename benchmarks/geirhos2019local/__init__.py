from brainscore_lcl.data.geirhos import DATASETS
from brainscore_lcl.registry import benchmark_registry


def _factory(dataset):
    from .benchmark import Geirhos2019Local

    return lambda data_root=None: Geirhos2019Local(dataset, data_root=data_root)


for _dataset in DATASETS:
    benchmark_registry[f"Geirhos2019local.{_dataset}"] = _factory(_dataset)
