"""Export this suite's models and benchmarks as self-contained Brain-Score plugins (``brainscore submit``)."""
