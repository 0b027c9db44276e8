"""Known-answer tests of the PLS score aggregations (Brain-Score 2.4.2 and the paper's App. A.3.2)."""

import numpy as np
import pytest

from brainscore_lcl.metrics.scores import (
    SCORE_DEFINITIONS,
    brainscore_ceiled_score,
    paper_explained_variance,
    per_neuron_explained_variance,
    split_neuron_correlations,
    v1like_v2like_partition,
)

R = np.array([[0.2, 0.4, 0.6], [0.1, 0.5, 0.3]])
C = np.array([0.5, 0.8, 1.0])


def test_brainscore_ceiled_score_by_hand():
    score = brainscore_ceiled_score(R, C)
    assert score.raw == pytest.approx(0.35)  # medians 0.4, 0.3
    assert score.ceiling == pytest.approx(0.8)
    assert score.ceiled == pytest.approx(0.35**2 / 0.8)
    assert score.error == pytest.approx(0.05 / np.sqrt(2))  # std (ddof=0) of (0.4, 0.3) / sqrt(2 splits)


def test_brainscore_ceiled_score_matches_brainscore_aggregation():
    from brainscore_core import Score
    from brainscore_vision.benchmark_helpers.neural_common import explained_variance
    from brainscore_vision.metric_helpers.transformations import Split

    ceiling_table = np.array([[0.5, 0.7, 0.9], [0.6, 0.9, 0.8]])
    as_score = lambda table: Score(table, coords={"split": [0, 1], "neuroid": [0, 1, 2]}, dims=["split", "neuroid"])
    raw = Split.aggregate(as_score(R).median("neuroid"))
    ceiling = Split.aggregate(as_score(ceiling_table).median("neuroid"))
    expected = explained_variance(raw, ceiling)
    ours = brainscore_ceiled_score(R, ceiling_table)
    assert ours.ceiled == pytest.approx(float(expected))
    assert ours.error == pytest.approx(float(expected.attrs["error"]))
    assert ours.ceiling == pytest.approx(float(ceiling))


def test_paper_explained_variance_by_hand():
    # (r/c)^2: split 0 -> 0.16, 0.25, 0.36 (median 0.25); split 1 -> 0.04, 0.390625, 0.09 (median 0.09)
    result = paper_explained_variance(R, C)
    np.testing.assert_allclose(result.per_split, [0.25, 0.09])
    assert result.mean == pytest.approx(0.17)
    assert result.std == pytest.approx(0.08)
    assert paper_explained_variance(R, C, ddof=1).std == pytest.approx(0.08 * np.sqrt(2))
    subset = paper_explained_variance(R, C, neurons=np.array([True, False, False]))
    assert subset.mean == pytest.approx(0.1)


def test_per_neuron_explained_variance_by_hand():
    np.testing.assert_allclose(per_neuron_explained_variance(R, C), [0.1, 0.3203125, 0.225])


def test_nonpositive_ceiling_and_nan_r_are_skipped():
    r = np.array([[0.2, 0.4, np.nan], [0.1, 0.5, 0.3]])
    c = np.array([0.5, 0.0, 1.0])
    per_neuron = per_neuron_explained_variance(r, c)
    assert np.isnan(per_neuron[1])
    np.testing.assert_allclose(per_neuron[[0, 2]], [0.1, 0.09])
    np.testing.assert_allclose(paper_explained_variance(r, c).per_split, [0.16, (0.04 + 0.09) / 2])


R_SIGNED = np.array([[0.2, -0.4, 0.6], [-0.1, 0.5, 0.3]])


def test_sign_aware_explained_variance_zeroes_anticorrelated_predictions():
    # literal (r/c)^2 equals the unsigned table's: medians 0.25, 0.09. Sign-aware: split 0 -> 0.16, 0, 0.36
    # (median 0.16); split 1 -> 0, 0.390625, 0.09 (median 0.09)
    literal = paper_explained_variance(R_SIGNED, C)
    np.testing.assert_allclose(literal.per_split, [0.25, 0.09])
    signed = paper_explained_variance(R_SIGNED, C, sign_aware=True)
    np.testing.assert_allclose(signed.per_split, [0.16, 0.09])
    assert signed.mean == pytest.approx(0.125) and signed.std == pytest.approx(0.035)
    np.testing.assert_allclose(per_neuron_explained_variance(R_SIGNED, C), [0.1, 0.3203125, 0.225])
    np.testing.assert_allclose(per_neuron_explained_variance(R_SIGNED, C, sign_aware=True), [0.08, 0.1953125, 0.225])
    assert set(SCORE_DEFINITIONS) == {"score", "score_paper", "score_paper_sign_aware"}


def test_a_perfect_model_scores_one_over_the_ceiling_on_the_papers_scale():
    # one cell, 4000 images, signal variance 1, trial noise variance 30, 20 trials: the 20-trial mean has
    # reliability R = 1 / (1 + 30/20) = 0.4; the Spearman-Brown split-half ceiling estimates R, and the true signal
    # correlates with the mean at sqrt(R): the paper's (r/c)^2 is 1/R = 2.5, Brain-Score's r^2/c is 1
    rng = np.random.default_rng(0)
    signal = rng.standard_normal(4000)
    trials = signal[:, None] + np.sqrt(30) * rng.standard_normal((4000, 20))
    half = np.corrcoef(trials[:, ::2].mean(axis=1), trials[:, 1::2].mean(axis=1))[0, 1]
    ceiling = 2 * half / (1 + half)
    r = np.corrcoef(signal, trials.mean(axis=1))[0, 1]
    assert ceiling == pytest.approx(0.4, abs=0.03)
    assert paper_explained_variance(np.array([[r]]), np.array([ceiling])).mean == pytest.approx(1 / 0.4, abs=0.2)
    assert brainscore_ceiled_score(np.array([[r]]), np.array([ceiling])).ceiled == pytest.approx(1.0, abs=0.05)


def test_partition_breaks_ties_by_the_tiebreak_then_by_neuron_order():
    ev = np.array([0.0, 0.5, 0.0, 0.9, 0.3, 0.0, 0.7, 0.2])
    mean_r = np.array([-0.1, 0.4, -0.3, 0.6, 0.3, -0.2, 0.5, 0.2])
    assert set(np.flatnonzero(v1like_v2like_partition(ev).v2_like)) == {0, 2}
    partition = v1like_v2like_partition(ev, tiebreak=mean_r)
    assert set(np.flatnonzero(partition.v2_like)) == {2, 5}
    assert set(np.flatnonzero(partition.v1_like)) == {3, 6}


def test_partition_on_toy_table():
    ev = np.array([0.5, 0.1, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4])
    partition = v1like_v2like_partition(ev)
    assert set(np.flatnonzero(partition.v1_like)) == {2, 6}
    assert set(np.flatnonzero(partition.v2_like)) == {1, 5}


def test_partition_gives_26_of_103_like_the_quantile_rule():
    ev = np.random.default_rng(1).random(103)
    partition = v1like_v2like_partition(ev)
    assert partition.v1_like.sum() == partition.v2_like.sum() == 26
    assert not np.any(partition.v1_like & partition.v2_like)
    np.testing.assert_array_equal(partition.v1_like, ev >= np.quantile(ev, 0.75))
    np.testing.assert_array_equal(partition.v2_like, ev <= np.quantile(ev, 0.25))


def test_partition_leaves_nan_neurons_out():
    ev = np.array([np.nan, 0.1, 0.9, 0.3, 0.7])
    partition = v1like_v2like_partition(ev)
    assert not partition.v1_like[0] and not partition.v2_like[0]
    assert partition.v1_like.sum() == partition.v2_like.sum() == 1


def test_split_neuron_correlations_unwraps_raw_values():
    from brainscore_core import Score

    table = Score(R.T, coords={"neuroid": [0, 1, 2], "split": [0, 1]}, dims=["neuroid", "split"])
    outer = Score(0.1)
    outer.attrs["raw"] = Score(0.35)
    outer.attrs["raw"].attrs["raw"] = table
    np.testing.assert_allclose(split_neuron_correlations(outer), R)
    with pytest.raises(ValueError, match="split"):
        split_neuron_correlations(Score(0.1))
