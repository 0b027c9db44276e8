"""LCL training (installed as ``brainscore_lcl.training``)."""
