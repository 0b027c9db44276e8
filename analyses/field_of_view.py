"""The model's field of view (degrees of visual angle) chosen on the public split (Parthasarathy et al. 2024, A.3.1)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from brainscore_core.metrics import Score

from brainscore_lcl.benchmarks.freemanziemba2013.benchmark import FreemanZiembaPLS

#: fields of view (degrees of visual angle) tried by ``field_of_view_sweep`` unless told otherwise
DEFAULT_FIELDS_OF_VIEW = (4.0, 6.0, 8.0, 10.0, 12.0)


def set_field_of_view(model, degrees: float):
    """Make ``model`` (a ``ModelCommitment``) see its input as spanning ``degrees`` of visual angle; returns it."""
    from brainscore_lcl.model_helpers.brainscore_patches import set_visual_degrees

    set_visual_degrees(model, degrees)
    return model


def field_of_view_sweep(
    model,
    benchmark: FreemanZiembaPLS,
    degrees: Sequence[float] = DEFAULT_FIELDS_OF_VIEW,
    score_of: Callable[[Score], float] = lambda score: float(score.values),
) -> tuple[float, dict[float, float]]:
    """Score ``model`` on ``benchmark.public_counterpart()`` at each field of view (degrees) and keep the best.

    The model is left at the best field of view. Returns it and every tried field of view's public score.
    """
    public = benchmark.public_counterpart()
    scores = {}
    for value in degrees:
        scores[float(value)] = score_of(public(set_field_of_view(model, float(value))))
    best = max(scores, key=scores.get)
    set_field_of_view(model, best)
    return best, scores
