"""``brainscore report``: every analysis of the paper that applies to one model, next to the reference models, on
one HTML page (``build_report``)."""
