"""The similarity measures' names, without importing the measures (for the command line's options and the
leaderboard's column order). What each computes: ``brainscore_lcl.metrics.measures.MEASURE_DEFINITIONS``."""

#: every similarity measure, in the order of the figures and the leaderboard's columns
MEASURES = ("pls", "ridge", "n2n", "reversepls", "rsa", "cka", "procrustes")
