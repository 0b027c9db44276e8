"""brainscore-lcl: layerwise complexity-matched learning (LCL-V2) and its evaluations on Brain-Score."""
__version__ = "0.1.0"
