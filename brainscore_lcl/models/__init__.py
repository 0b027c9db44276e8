"""Model plugins: one folder each, registering one ``brainscore_lcl.registry.ModelRecord`` per model id."""
