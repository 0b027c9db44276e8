"""The similarity-measure panel (issue 31): each measure against an independent computation (Brain-Score's classes,
rsatoolbox's functions), Procrustes' invariances, the rank-agreement statistics, a planted case where CKA and ridge
disagree by construction, and the simulated data (the generator first and at its ceilings, a control below it)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from brainscore_lcl.metrics.agreement import (
    conclusions_sentence,
    kendall_w,
    kendall_w_test,
    model_ranks,
    pairwise_conclusions,
    rank_correlation_test,
)
from brainscore_lcl.metrics.measures import (
    MEASURES,
    model_features,
    recordings_from_arrays,
    regression_fit,
    score_measure,
    score_panel,
    spearman_brown,
)
from brainscore_lcl.metrics.shape import procrustes_angle, procrustes_similarity


def small_recordings(seed: int = 0, n_stimuli: int = 60, n_repetitions: int = 6, n_neurons: int = 26, noise=0.5):
    """Recordings of ``n_neurons`` driven by 5 latent signals, with Gaussian noise per repetition; and the signal."""
    rng = np.random.default_rng(seed)
    signal = rng.standard_normal((n_stimuli, 5)) @ rng.standard_normal((5, n_neurons))
    repetitions = signal[:, None, :] + noise * rng.standard_normal((n_stimuli, n_repetitions, n_neurons))
    return recordings_from_arrays(repetitions), signal


def assemblies(features: np.ndarray, recordings):
    """Brain-Score assemblies of the model ``features`` and the averaged recordings."""
    from brainscore_lcl.metrics.measures import neuroid_assembly

    return (
        neuroid_assembly(features, recordings.stimulus_ids, recordings.strata, "x"),
        recordings.averaged,
    )


def random_rotation(size: int, seed: int) -> np.ndarray:
    return scipy.stats.special_ortho_group.rvs(size, random_state=seed)


# Procrustes -----------------------------------------------------------------------------------------------------------


def test_procrustes_hand_computed_two_by_two():
    # unit-norm I/sqrt(2) and diag(1, 2)/sqrt(5): nuclear norm of their product 3/sqrt(10)
    assert procrustes_similarity(np.eye(2), np.diag([1.0, 2.0]), centre=False) == pytest.approx(3 / np.sqrt(10))
    assert procrustes_angle(np.eye(2), np.diag([1.0, 2.0]), centre=False) == pytest.approx(np.arccos(3 / np.sqrt(10)))


def test_procrustes_is_zero_to_itself_and_invariant_to_rotation_translation_scale():
    rng = np.random.default_rng(0)
    features = rng.standard_normal((40, 6))
    assert procrustes_angle(features, features) == pytest.approx(0.0, abs=1e-6)
    moved = 3.0 * features @ random_rotation(6, 1) + 5.0
    assert procrustes_angle(features, moved) == pytest.approx(0.0, abs=1e-6)
    other = rng.standard_normal((40, 4))
    assert procrustes_angle(moved, other) == pytest.approx(procrustes_angle(features, other), abs=1e-9)
    padded = np.hstack([features, np.zeros((40, 3))])  # zero-padding to another width changes nothing
    assert procrustes_angle(padded, other) == pytest.approx(procrustes_angle(features, other), abs=1e-9)
    assert procrustes_angle(features, other) > 0.5


def test_procrustes_obeys_the_triangle_inequality_on_random_triples():
    rng = np.random.default_rng(2)
    for _ in range(50):
        first, second, third = (rng.standard_normal((12, int(rng.integers(2, 6)))) for _ in range(3))
        detour = procrustes_angle(first, second) + procrustes_angle(second, third)
        assert procrustes_angle(first, third) <= detour + 1e-9


# each measure against an independent computation -----------------------------------------------------------------


def brainscore_split_r(metric, source, target) -> np.ndarray:
    score = metric(source, target)
    return np.asarray(score.raw.transpose("split", "neuroid").values, dtype=float)


def test_ridge_one_to_one_and_reverse_pls_equal_brainscores_classes():
    from brainscore_vision.metrics.regression_correlation.metric import (
        CrossRegressedCorrelation,
        ReverseCrossRegressedCorrelation,
        pearsonr_correlation,
        pls_regression,
        ridge_cv_regression,
        single_regression,
    )

    recordings, signal = small_recordings()
    rng = np.random.default_rng(3)
    units = signal @ rng.standard_normal((26, 40)) + rng.standard_normal((60, 40))
    features = model_features(units, recordings.stimulus_ids)
    source, target = assemblies(units, recordings)
    split = {"crossvalidation_kwargs": {"stratification_coord": "texture_type"}}
    references = {
        "ridge": CrossRegressedCorrelation(ridge_cv_regression(), pearsonr_correlation(), **split),
        "n2n": CrossRegressedCorrelation(single_regression(), pearsonr_correlation(), **split),
        "reversepls": ReverseCrossRegressedCorrelation(pls_regression(), pearsonr_correlation(), **split),
    }
    for measure, metric in references.items():
        expected = brainscore_split_r(metric, source, target)
        fit = regression_fit(measure, features, recordings)
        np.testing.assert_allclose(np.sort(fit.per_split_r, axis=1), np.sort(expected, axis=1), atol=1e-6)
        assert fit.raw == pytest.approx(np.mean(np.nanmedian(expected, axis=1)), abs=1e-6)


def test_cka_equals_brainscores_cka_metric_on_the_units():
    from brainscore_vision.metrics.cka.metric import CKA

    recordings, signal = small_recordings(seed=1)
    units = signal @ np.random.default_rng(4).standard_normal((26, 50)) + 3.0  # an offset: CKA must not care
    source, target = assemblies(units, recordings)
    expected = float(CKA()(source, target).values)
    result = score_measure("cka", model_features(units, recordings.stimulus_ids), recordings, n_boot=10)
    assert result.raw == pytest.approx(expected, abs=1e-6)


def test_rsa_equals_rsatoolbox_on_the_units():
    from brainscore_lcl.metrics.rsa import import_rsatoolbox

    rsatoolbox = import_rsatoolbox()
    recordings, signal = small_recordings(seed=2)
    units = np.tanh(signal @ np.random.default_rng(5).standard_normal((26, 40)))
    n_stimuli, n_repetitions, n_neurons = recordings.repetitions.shape
    data = rsatoolbox.data.Dataset(
        recordings.repetitions.reshape(-1, n_neurons),
        obs_descriptors={
            "stimulus": np.repeat(np.arange(n_stimuli), n_repetitions),
            "run": np.tile(np.arange(n_repetitions), n_stimuli),
        },
    )
    data_rdm = rsatoolbox.rdm.calc_rdm(data, method="crossnobis", descriptor="stimulus", cv_descriptor="run")
    model_rdm = rsatoolbox.rdm.calc_rdm(rsatoolbox.data.Dataset(units), method="euclidean")
    expected = float(rsatoolbox.rdm.compare(model_rdm, data_rdm, method="spearman")[0, 0])
    result = score_measure("rsa", model_features(units, recordings.stimulus_ids), recordings, n_boot=10)
    assert result.raw == pytest.approx(expected, abs=1e-6)


def test_ceilings_are_spearman_brown_corrected_split_halves():
    assert spearman_brown(0.5) == pytest.approx(2 / 3)
    recordings, signal = small_recordings(seed=3)
    result = score_measure("procrustes", model_features(signal, recordings.stimulus_ids), recordings, n_boot=10)
    assert 0 < result.ceiling <= 1 and result.normalised == pytest.approx(result.raw / result.ceiling)
    assert result.raw_ci95[0] <= result.raw <= result.raw_ci95[1]
    assert result.details["angle_degrees"] == pytest.approx(np.degrees(np.arccos(result.raw)))


# the bootstrap over images ----------------------------------------------------------------------------------------


def test_weighted_correlations_are_the_r_of_the_resample_that_repeats_each_image():
    from brainscore_lcl.metrics.measures import weighted_correlations

    rng = np.random.default_rng(6)
    prediction, target = rng.standard_normal((12, 3)) + 5.0, rng.standard_normal((12, 3))
    counts = np.array([[2, 0, 1, 1, 3, 0, 1, 1, 0, 2, 1, 0], [1] * 12], dtype=float)
    for weights in counts:
        rows = np.repeat(np.arange(12), weights.astype(int))
        expected = [scipy.stats.pearsonr(prediction[rows, k], target[rows, k]).statistic for k in range(3)]
        np.testing.assert_allclose(weighted_correlations(weights[None], prediction, target)[0], expected, atol=1e-12)
    sparse = np.zeros((12, 1))
    sparse[4] = 1.0  # varies on one image only: constant on a resample without it
    assert np.isnan(weighted_correlations(np.where(np.arange(12) == 4, 0.0, 1.0)[None], sparse, target[:, :1]))[0, 0]


def test_the_regression_bootstrap_draws_each_image_once_for_every_split():
    from brainscore_lcl.metrics.measures import RegressionFit, regression_bootstrap

    rng = np.random.default_rng(7)
    stimulus_ids = np.array([f"s{index}" for index in range(8)])
    prediction, target = rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    same_images = (stimulus_ids[:4], prediction, target)
    fit = RegressionFit(0.0, np.zeros((2, 2)), [same_images, same_images])
    samples = regression_bootstrap(fit, stimulus_ids, 50, np.random.default_rng(0))
    alone = regression_bootstrap(
        RegressionFit(0.0, np.zeros((1, 2)), [same_images]), stimulus_ids, 50, np.random.default_rng(0)
    )
    np.testing.assert_allclose(samples, alone)  # two splits testing the same images see the same draw of them


def design_like_recordings(seed: int = 0):
    """Recordings whose 30 neurons each respond to one of 12 image groups (10 images each) plus noise, and a
    control-design-like model: one-hot units of the groups, each non-zero on about one image of a 12-image test split.
    Its held-out r is undefined on a resample that misses that image, so resampling shifts the regressions' median."""
    rng = np.random.default_rng(seed)
    groups = np.arange(120) % 12
    signal = (groups[:, None] == np.arange(30)[None, :] % 12) * rng.uniform(1, 2, 30)
    repetitions = signal[:, None, :] + 0.8 * rng.standard_normal((120, 6, 30))
    return recordings_from_arrays(repetitions), (groups[:, None] == np.arange(12)[None, :]).astype(float)


def test_every_interval_contains_its_point_value_on_a_sparse_planted_case():
    recordings, one_hot = design_like_recordings()
    panel = score_panel(one_hot, recordings, MEASURES, n_boot=50)
    for measure, result in panel.items():
        assert result.raw_ci95[0] <= result.raw <= result.raw_ci95[1], (measure, result.raw, result.raw_ci95)
        assert result.normalised_ci95[0] <= result.normalised <= result.normalised_ci95[1], measure
    for measure in ("pls", "n2n"):  # the resamples' own percentiles miss the raw value (pls below, n2n above)
        result = panel[measure]
        low, high = np.subtract(result.raw_ci95, result.details["resampling_shift"])
        assert not low <= result.raw <= high, (measure, result.raw, low, high)


# rank agreement ---------------------------------------------------------------------------------------------------


def test_kendall_w_and_tau_against_hand_values():
    same = np.tile([3.0, 2.0, 1.0], (4, 1))
    assert kendall_w(same) == pytest.approx(1.0)
    assert kendall_w(np.array([[3.0, 2.0, 1.0], [1.0, 2.0, 3.0]])) == pytest.approx(0.0)
    assert model_ranks(same)[0].tolist() == [1.0, 2.0, 3.0]
    tested = kendall_w_test(np.tile(np.arange(8.0), (5, 1)), n_perm=2000)
    assert tested["kendall_w"] == pytest.approx(1.0) and tested["p_permutation"] < 0.01
    rng = np.random.default_rng(0)
    first, second = rng.standard_normal(7), rng.standard_normal(7)
    assert rank_correlation_test(first, second)["kendall_tau"] == pytest.approx(
        scipy.stats.kendalltau(first, second).statistic
    )


# a planted disagreement -------------------------------------------------------------------------------------------


def planted_disagreement(seed: int = 0):
    """Recordings with a steep spectrum (5 latent dimensions, s.d. 10, 5, 2, 1, 0.5), each neuron driven by one
    of them; model ``top`` holds the top 2 dimensions exactly, model ``whitened`` all 5 scaled to equal variance."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal((200, 5))
    latent -= latent.mean(axis=0)
    scales = np.array([10.0, 5.0, 2.0, 1.0, 0.5])
    mixing = np.eye(5)[np.arange(40) % 5].T * rng.uniform(0.5, 1.5, 40)  # neuron k reads latent dimension k % 5
    signal = (latent * scales) @ mixing
    repetitions = signal[:, None, :] + 0.2 * rng.standard_normal((200, 8, 40))
    return recordings_from_arrays(repetitions), {"top": latent[:, :2] * scales[:2], "whitened": latent}


def test_a_planted_case_flips_between_cka_and_ridge():
    recordings, models = planted_disagreement()
    measures = ("ridge", "cka")
    panel = {name: score_panel(units, recordings, measures, n_boot=10) for name, units in models.items()}
    assert panel["whitened"]["ridge"].raw > panel["top"]["ridge"].raw + 0.1  # every neuron's variance is predictable
    assert panel["top"]["cka"].raw > panel["whitened"]["cka"].raw + 0.1  # CKA weighs the high-variance dimensions
    scores = np.array([[panel[name][measure].normalised for name in models] for measure in measures])
    (conclusion,) = pairwise_conclusions(scores, measures, list(models))
    assert not conclusion["holds"]
    assert conclusion["a_above_under"] == ["cka"] and conclusion["a_below_under"] == ["ridge"]
    assert "Flips: top vs whitened" in conclusions_sentence(scores, measures, list(models), "V2")


# the simulated data -------------------------------------------------------------------------------------------------


def design_stand_in(recordings) -> np.ndarray:
    """One-hot units of each stimulus's texture family and texture type (what ``control-design`` encodes)."""
    labels = [recordings.averaged[name].values for name in ("texture_family", "texture_type")]
    return np.hstack([(values[:, None] == np.unique(values)[None, :]).astype(float) for values in labels])


def sim_v2_panels(measures) -> dict:
    """The panels of the generator and a control (``control-design`` where registered, else a one-hot stand-in) on
    ``sim`` V2 under ``measures``."""
    from brainscore_lcl.benchmarks.freemanziemba2013.measures import FreemanZiembaMeasure
    from brainscore_lcl.model_helpers.commitment import configure_activation_cache
    from brainscore_lcl.registry import discover_plugins, model_registry
    from brainscore_lcl.scoring import load_model

    configure_activation_cache()
    discover_plugins(("model",))
    benchmark = FreemanZiembaMeasure("sim", "V2", metric="cka")
    recordings = benchmark.recordings()
    recordings.regression_ceiling = float(benchmark.ceiling.values)
    generator = benchmark.model_units(load_model("sim-generator"))
    if "control-design" in model_registry:
        control = benchmark.model_units(load_model("control-design"))
    else:
        control = design_stand_in(recordings)
    return {
        name: score_panel(units, recordings, measures, n_boot=20)
        for name, units in (("gen", generator), ("ctl", control))
    }


def check_generator_and_control(panels, measures) -> None:
    for measure in measures:
        generator, control = panels["gen"][measure], panels["ctl"][measure]
        for result in (generator, control):
            assert result.raw_ci95[0] <= result.raw <= result.raw_ci95[1], (measure, result.raw, result.raw_ci95)
        assert abs(generator.normalised - 1) < 0.1, (measure, generator.normalised)
        assert control.normalised < generator.normalised - 0.1, (measure, control.normalised)


def test_on_sim_the_generator_is_at_the_ceilings_and_a_control_below_fast():
    measures = ("pls", "n2n", "cka", "procrustes")
    check_generator_and_control(sim_v2_panels(measures), measures)


@pytest.mark.slow  # every measure with its split-half ceilings: about 30 s of CPU
def test_on_sim_the_generator_is_at_every_ceiling_and_a_control_below():
    check_generator_and_control(sim_v2_panels(MEASURES), MEASURES)


# ids, export, leaderboard -------------------------------------------------------------------------------------------


def test_measure_ids_are_registered_and_export_hyphen_free():
    from brainscore_lcl.export.identifiers import IDENTIFIER_PATTERN, export_identifier
    from brainscore_lcl.registry import benchmark_registry, discover_plugins

    discover_plugins(("benchmark",))
    for source in ("FreemanZiemba2013", "FreemanZiemba2013public", "FreemanZiemba2013local", "FreemanZiemba2013sim"):
        for region in ("V1", "V2"):
            for measure in MEASURES:
                identifier = f"{source}.{region}-{measure}"
                assert identifier in benchmark_registry
                assert IDENTIFIER_PATTERN.match(export_identifier(identifier))
    assert export_identifier("FreemanZiemba2013sim.V2-reversepls") == "FreemanZiemba2013sim.V2_reversepls"
    benchmark = benchmark_registry["FreemanZiemba2013sim.V2-pls"](metric="procrustes")
    assert (benchmark.identifier, benchmark.metric) == ("FreemanZiemba2013sim.V2-procrustes", "procrustes")


def test_leaderboard_columns_are_grouped_by_measure():
    from brainscore_lcl.results.leaderboard import columns_of

    ids = ["FreemanZiemba2013sim.V2-cka", "FreemanZiemba2013sim.V2-pls", "FreemanZiemba2013sim.V2-ridge"]
    rows = [
        {"benchmark": identifier, "options": "{}", "data_identity": "sim-data", "region": "V2", "source": "sim"}
        for identifier in ids
    ]
    assert [column.benchmark for column in columns_of(rows).values()] == [ids[1], ids[2], ids[0]]
