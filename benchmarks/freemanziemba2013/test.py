"""Known answers of the Freeman-Ziemba PLS benchmarks on the simulated population, and their bookkeeping."""

import numpy as np
import pytest

from brainscore_lcl.benchmarks.freemanziemba2013.benchmark import FreemanZiembaPLS
from brainscore_lcl.data.facts import SOURCE_PREFIXES
from brainscore_lcl.metrics.scores import brainscore_ceiled_score, paper_explained_variance
from brainscore_lcl.registry import benchmark_registry, discover_plugins
from brainscore_lcl.scoring import load_benchmark, load_model, score


@pytest.fixture(scope="module")
def generator_records():
    model = load_model("sim-generator")
    return {
        region: score("sim-generator", f"FreemanZiemba2013sim.{region}-pls", model=model) for region in ("V1", "V2")
    }


@pytest.fixture(scope="module")
def alexnet_records():
    model = load_model("alexnet-untrained")
    return {
        region: score("alexnet-untrained", f"FreemanZiemba2013sim.{region}-pls", model=model) for region in ("V1", "V2")
    }


@pytest.mark.parametrize("region", ["V1", "V2"])
def test_generator_reaches_the_noise_ceiling(generator_records, region):
    # the generator's features are the cells' expected rates: a perfect model, whose r with the trial-averaged
    # responses is sqrt(ceiling) (the ceiling is the split-half reliability), so that Brain-Score's raw^2 / ceiling
    # is 1 and the paper's median (r / r_ceil)^2 is the median of 1 / r_ceil (above 1)
    record = generator_records[region]
    r, c = np.array(record.details["per_neuron_r"]), np.array(record.details["per_neuron_ceiling"])
    assert record.raw / np.sqrt(record.ceiling) == pytest.approx(1.0, abs=0.05)
    reliable = c > 0  # a cell that barely responds to any image has no positive split-half reliability
    assert reliable.mean() > 0.97
    assert np.median(np.mean(r, axis=0)[reliable] / np.sqrt(c[reliable])) == pytest.approx(1.0, abs=0.05)
    assert record.score == pytest.approx(1.0, abs=0.1)
    assert record.details["score_paper"] == pytest.approx(np.median(1 / c), abs=0.1)
    assert record.details["score_paper"] > 1.0


@pytest.mark.parametrize("region", ["V1", "V2"])
def test_untrained_alexnet_scores_clearly_below_the_generator(generator_records, alexnet_records, region):
    assert alexnet_records[region].details["score_paper"] < generator_records[region].details["score_paper"] - 0.2
    assert alexnet_records[region].score < generator_records[region].score - 0.2


def test_untrained_alexnet_layer_is_selected_on_the_public_split(alexnet_records):
    selection = alexnet_records["V2"].details["layer_selection"]
    assert alexnet_records["V2"].layer == selection["layer"]
    assert selection["layer"] == max(selection["public_scores"], key=selection["public_scores"].get)
    assert len(selection["public_scores"]) == 5


def test_record_fields_agree_with_the_per_neuron_values(generator_records):
    details = generator_records["V2"].details
    r, c = np.array(details["per_neuron_r"]), np.array(details["per_neuron_ceiling"])
    assert r.shape == (10, 103) and c.shape == (103,) and details["n_neuroids"] == 103
    assert details["access"] == "private" and details["time_window_ms"] == [50, 200]
    assert paper_explained_variance(r, c).mean == pytest.approx(details["score_paper"])
    assert paper_explained_variance(r, c, sign_aware=True).mean == pytest.approx(details["score_paper_sign_aware"])
    assert set(details["score_definitions"]) == {"score", "score_paper", "score_paper_sign_aware"}
    assert brainscore_ceiled_score(r, c).raw == pytest.approx(details["raw"])
    assert details["layer"] == "v2"


def test_every_source_and_region_is_registered():
    discover_plugins()
    for prefix in SOURCE_PREFIXES.values():
        for region in ("V1", "V2"):
            assert f"{prefix}.{region}-pls" in benchmark_registry


def test_private_and_public_splits_have_brainscores_sizes():
    private = FreemanZiembaPLS("sim", "V2")
    public = private.public_counterpart()
    assert len(private.assembly["presentation"]) == 315
    assert len(public.assembly["presentation"]) == 135
    assert not set(private.assembly["stimulus_id"].values) & set(public.assembly["stimulus_id"].values)


def test_the_paper_window_is_an_option():
    benchmark = load_benchmark("FreemanZiemba2013sim.V1-pls", time_window=(50, 150))
    assert benchmark.time_window == (50, 150)
    default = load_benchmark("FreemanZiemba2013sim.V1-pls")
    assert not np.allclose(benchmark.assembly.values, default.assembly.values)
