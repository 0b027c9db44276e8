"""Benchmark plugins: one folder each, registering into ``brainscore_lcl.registry.benchmark_registry``."""
