"""Model plugins: one folder each, registering into ``brainscore_lcl.registry.model_registry``."""
