"""Pure scientific functions: regressions, scores, statistics, texture modulation, receptive-field fits."""
