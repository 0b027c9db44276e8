from brainscore_lcl.data.facts import SOURCE_PREFIXES
from brainscore_lcl.metrics.measure_names import MEASURES
from brainscore_lcl.registry import benchmark_registry

from .benchmark import FreemanZiembaPLS
from .measures import FreemanZiembaMeasure, check_accepts_metric


def pls_or_measure(source: str, region: str):
    """The ``-pls`` factory: Brain-Score's PLS benchmark, or with ``metric=`` the same data under that measure."""

    def factory(metric=None, **options):
        if metric is None:
            return FreemanZiembaPLS(source, region, **options)
        return FreemanZiembaMeasure(source, region, metric=metric, **options)

    return factory


def measure(source: str, region: str, metric: str):
    """The ``-<metric>`` factory (``metric=`` may only repeat the id's own measure)."""

    def factory(**options):
        if "metric" in options:
            check_accepts_metric(f"{SOURCE_PREFIXES[source]}.{region}-{metric}", options.pop("metric"))
        return FreemanZiembaMeasure(source, region, metric=metric, **options)

    return factory


for _source, _prefix in SOURCE_PREFIXES.items():
    for _region in ("V1", "V2"):
        benchmark_registry[f"{_prefix}.{_region}-pls"] = pls_or_measure(_source, _region)
        for _metric in MEASURES[1:]:
            benchmark_registry[f"{_prefix}.{_region}-{_metric}"] = measure(_source, _region, _metric)
