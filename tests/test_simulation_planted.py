"""The simulator as an instrument: structure planted in the simulated cells, recovered by the real analyses.

Planted answers, each read through the benchmark code the paper's figures use:
- the V1-like / V2-like partition (``reference_partition``: v1-steerpyr-pool's per-cell explained variance on the
  full V2 PLS benchmark) ranks the V2 cells against their planted ``higher_order_weight``;
- a model made of the simulator's own V1 stage alone explains the V1-like cells better than the V2-like ones
  (``FreemanZiembaPartitionPLS``);
- the texture-modulation benchmark (``FreemanZiembaTextureModulation``) returns the family ranks planted in a model.
And the simulated statistics stand next to the published ones (``simulation_stats``), with hand-computed checks of
its small functions.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch
from scipy import stats
from torch import nn

from brainscore_lcl.benchmarks.freemanziemba2013_partition.benchmark import (
    FreemanZiembaPartitionPLS,
    reference_partition,
)
from brainscore_lcl.benchmarks.freemanziemba2013_texmod.benchmark import FreemanZiembaTextureModulation, data_modulation
from brainscore_lcl.checkpoint import state_dict_sha256
from brainscore_lcl.cli import main
from brainscore_lcl.data import simulation as sim
from brainscore_lcl.data import simulation_stats
from brainscore_lcl.data.facts import VISUAL_DEGREES
from brainscore_lcl.model_helpers.commitment import config_sha256, make_commitment, unit_range_preprocessing

#: Spearman rho between v1-steerpyr-pool's explained variance and the planted higher-order weight must be below this
PARTITION_RHO_BOUND = -0.4


@pytest.fixture(scope="module")
def planted():
    return sim.planted_cell_parameters()


@pytest.fixture(scope="module")
def partition():
    """The paper's partition of the simulated V2 cells (v1-steerpyr-pool scored on all of them)."""
    return reference_partition("sim")


def planted_weights(planted, neuroid_ids) -> np.ndarray:
    lookup = dict(zip(map(str, planted["V2"]["neuroid_id"]), planted["V2"]["higher_order_weight"]))
    return np.array([lookup[str(neuroid)] for neuroid in neuroid_ids])


def test_planted_parameters_line_up_with_the_simulated_cells(planted):
    assert planted["V1"]["neuroid_id"] == list(range(1, 103))
    assert planted["V2"]["neuroid_id"] == list(range(103, 206))
    system = sim.SimulatedVisualSystem()
    np.testing.assert_allclose(planted["V2"]["higher_order_weight"], system.v2.mixture.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(planted["V1"]["prototype"], system.v1.prototype)
    assert np.array(planted["V2"]["relation_weights"]).shape == (103, len(planted["V2"]["relations"]))
    root = sim.simulated_data_root()
    assert json.loads((root / sim.PLANTED_FILE).read_text())["V2"] == json.loads(json.dumps(planted["V2"]))


def test_partition_ranks_cells_by_their_planted_higher_order_weight(partition, planted):
    weight = planted_weights(planted, partition.neuroid_ids)
    scored = np.isfinite(partition.reference_ev)  # a cell that barely responds to any image has no explained variance
    assert scored.sum() >= 100
    rho = stats.spearmanr(np.asarray(partition.reference_ev)[scored], weight[scored]).correlation
    print(f"Spearman rho(reference explained variance, planted higher-order weight) = {rho:.3f}")
    assert rho < PARTITION_RHO_BOUND
    assert weight[partition.v1_like].mean() + 0.2 < weight[partition.v2_like].mean()


class V1StageNetwork(nn.Module):
    """The simulator's V1 stage alone, recorded as the model's "v2" layer."""

    def __init__(self, seed: int = sim.SIM_SEED):
        super().__init__()
        self.v2 = sim.SimulatedV1(seed)
        self.dtype_anchor = nn.Parameter(torch.empty(0), requires_grad=False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.v2(images)


def test_the_simulators_v1_stage_explains_v1like_cells_better_than_v2like_cells(partition):
    network = V1StageNetwork()
    model = make_commitment(
        "sim-v1-stage",
        network,
        weights_sha256=config_sha256(
            {"v1": state_dict_sha256(network.state_dict()), "generator": sim.generator_fingerprint()}
        ),
        layers=["v2"],
        region_layer_map={"V2": "v2"},
        preprocessing=unit_range_preprocessing(sim.IMAGE_SIZE),
        image_size=sim.IMAGE_SIZE,
        visual_degrees=VISUAL_DEGREES,
    )
    scores = {
        subset: FreemanZiembaPartitionPLS("sim", subset, partition=partition)(model).attrs["details"]
        for subset in ("v1like", "v2like")
    }
    print({subset: {key: details[key] for key in ("score_paper", "score")} for subset, details in scores.items()})
    assert scores["v1like"]["score_paper"] > scores["v2like"]["score_paper"] + 0.1
    assert scores["v1like"]["score"] > scores["v2like"]["score"]


def image_key(image: np.ndarray) -> str:
    """Identity of one preprocessed (3, H, W) image in [0, 1] by its 8-bit first channel."""
    return hashlib.sha1(np.round(np.asarray(image[0], dtype=np.float64) * 255).astype(np.uint8).tobytes()).hexdigest()


class PlantedFamilyNetwork(nn.Module):
    """Units with planted texture modulation: unit u answers a texture of family f with base_u * (1 + m[u, f]) and
    its noise image with base_u * (1 - m[u, f]), so its modulation index there is exactly m[u, f]. Images are
    recognised by ``image_key`` in ``conditions`` (key -> (family index, is texture))."""

    def __init__(self, conditions: dict[str, tuple[int, bool]], modulation: np.ndarray, base: np.ndarray):
        super().__init__()
        self.conditions = conditions
        self.register_buffer("modulation", torch.as_tensor(modulation, dtype=torch.float32))
        self.register_buffer("base", torch.as_tensor(base, dtype=torch.float32))
        self.v2 = nn.Identity()
        self.dtype_anchor = nn.Parameter(torch.empty(0), requires_grad=False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        rows = []
        for image in images.numpy():
            family, is_texture = self.conditions[image_key(image)]
            sign = 1.0 if is_texture else -1.0
            rows.append(self.base * (1 + sign * self.modulation[:, family]))
        return self.v2(torch.stack(rows))


def planted_family_model(benchmark, family_preference: np.ndarray, name: str):
    """A committed model whose 12 units share the planted per-family modulation (plus small unit jitter)."""
    data = benchmark.data
    paths = [benchmark.data.stimulus_set.get_stimulus(stimulus_id) for stimulus_id in data.stimulus_ids]
    images = unit_range_preprocessing(sim.IMAGE_SIZE)(paths)
    families = list(np.unique(data.families))
    conditions = {
        image_key(image): (families.index(family), kind == "texture")
        for image, family, kind in zip(images, data.families, data.texture_types)
    }
    assert len(conditions) == len(images)
    rng = np.random.default_rng(0)
    modulation = family_preference[None] + 0.01 * rng.standard_normal((12, len(families)))
    network = PlantedFamilyNetwork(conditions, modulation, rng.uniform(5, 20, 12))
    return make_commitment(
        name,
        network,
        weights_sha256=config_sha256({"modulation": modulation.tolist()}),
        layers=["v2"],
        region_layer_map={"V2": "v2"},
        preprocessing=unit_range_preprocessing(sim.IMAGE_SIZE),
        image_size=sim.IMAGE_SIZE,
        visual_degrees=VISUAL_DEGREES,
    )


@pytest.fixture(scope="module")
def texture_benchmark():
    return FreemanZiembaTextureModulation("sim")


def test_texture_modulation_benchmark_recovers_planted_family_ranks(texture_benchmark):
    benchmark = texture_benchmark
    preference = np.linspace(-0.1, 0.4, 15)[np.random.default_rng(1).permutation(15)]
    details = benchmark(planted_family_model(benchmark, preference, "planted-families")).attrs["details"]
    recovered = stats.spearmanr(details["units"]["family_ranks"], stats.rankdata(preference)).correlation
    print(f"Spearman rho(recovered, planted family ranks) = {recovered:.3f}")
    assert recovered > 0.95
    np.testing.assert_allclose(details["units"]["family_rmod"], preference, atol=0.02)
    expected = stats.spearmanr(preference, details["data"]["family_rmod"]).correlation
    assert details["units"]["rho"] == pytest.approx(expected, abs=0.05)


def test_planting_the_datas_family_order_scores_high_and_its_reverse_low(texture_benchmark):
    benchmark = texture_benchmark
    data_order = np.array(data_modulation(benchmark.data, benchmark.min_ceiling)[0].family_rmod)
    ranks = stats.rankdata(data_order) / 15
    same = benchmark(planted_family_model(benchmark, 0.3 * ranks, "planted-data-order")).attrs["details"]
    reverse = benchmark(planted_family_model(benchmark, 0.3 * (1 - ranks), "planted-reverse-order")).attrs["details"]
    assert same["units"]["rho"] > 0.95
    assert reverse["units"]["rho"] < -0.95


# ----------------------------------------------------------------------------------------------------------------------
# Simulated vs published statistics
# ----------------------------------------------------------------------------------------------------------------------


def toy_texture_table():
    """2 families x 2 samples x {texture, noise}, 2 cells; cell 0 varies across families only, cell 1 across
    samples only; textures drive both cells twice as hard as noise."""
    families = np.array([1, 1, 2, 2, 1, 1, 2, 2])
    kinds = np.array(["texture"] * 4 + ["noise"] * 4)
    samples = np.array([1, 2, 1, 2, 1, 2, 1, 2])
    cell0 = np.array([2.0, 2.0, 4.0, 4.0, 1.0, 1.0, 2.0, 2.0])
    cell1 = np.array([2.0, 4.0, 2.0, 4.0, 1.0, 2.0, 1.0, 2.0])
    return np.stack([cell0, cell1], axis=1), families, kinds, samples


def test_variance_split_on_a_hand_computed_table():
    responses, families, kinds, _ = toy_texture_table()
    split = simulation_stats.variance_split(responses, families, kinds)
    np.testing.assert_allclose(split.family, [1.0, 0.0])  # family means (2, 4) and (3, 3)
    np.testing.assert_allclose(split.sample, [0.0, 1.0])  # samples (2, 4) within each family of cell 1
    np.testing.assert_allclose(split.family_share, [1.0, 0.0])


def test_condition_mean_r2_on_a_hand_computed_table():
    responses, families, kinds, _ = toy_texture_table()
    r2 = simulation_stats.condition_mean_r2(responses, families, kinds)
    assert r2[0] == pytest.approx(1.0)
    # cell 1: condition means 3, 3, 1.5, 1.5; residual 4 * 1 + 4 * 0.25 = 5; around the mean 2.25: 6.25 + 3.25
    assert r2[1] == pytest.approx(1 - 5 / 9.5)


def test_enhancement_test_needs_consistent_texture_preference():
    rng = np.random.default_rng(0)
    families = np.repeat(np.arange(15), 30)
    samples = np.tile(np.repeat(np.arange(15), 2), 15)
    kinds = np.tile(["texture", "noise"], 225)
    base = rng.uniform(1, 2, 450)
    base[kinds == "texture"] = base[kinds == "noise"]  # texture and noise of a pair equal ...
    enhanced = base + (kinds == "texture") * 0.5  # ... then the first cell prefers textures
    responses = np.stack([enhanced, base + rng.normal(0, 0.1, 450)], axis=1)
    result = simulation_stats.enhanced_by_texture(responses, families, kinds, samples)
    assert result.tolist() == [True, False]


def test_published_statistics_are_the_digitized_figure_values():
    published = simulation_stats.published_statistics()
    assert published["V2"]["mean_rmod"] == pytest.approx(np.mean(simulation_stats.FREEMAN2013_FAMILY_RMOD["V2"]))
    assert published["V2"]["mean_rmod"] == pytest.approx(0.1198, abs=1e-3)
    assert abs(published["V1"]["mean_rmod"]) < 0.01
    assert published["V1"]["central_rmod_fraction"] == pytest.approx(0.1574 + 0.4215 + 0.2150)
    assert published["V2"]["family_variance_share"] is None  # Ziemba et al. (2016): no number found


@pytest.fixture(scope="module")
def description(tmp_path_factory):
    """``brainscore data describe --source sim --json FILE``, read back from FILE."""
    path = tmp_path_factory.mktemp("describe") / "sim.json"
    assert main(["data", "describe", "--source", "sim", "--json", str(path)]) == 0
    return json.loads(path.read_text())


def test_simulated_texture_modulation_matches_freeman_2013(description):
    simulated, published = description["simulated"], description["published"]
    print(simulation_stats.format_description(description))
    assert abs(simulated["V1"]["mean_rmod"] - published["V1"]["mean_rmod"]) < 0.05
    assert abs(simulated["V2"]["mean_rmod"] - published["V2"]["mean_rmod"]) < 0.05
    assert simulated["V1"]["central_rmod_fraction"] > 0.6
    assert simulated["V2"]["enhanced_fraction"] > simulated["V1"]["enhanced_fraction"] + 0.3
    assert abs(simulated["V2"]["enhanced_fraction"] - published["V2"]["enhanced_fraction"]) < 0.25


def test_simulated_variance_split_follows_ziemba_2016(description):
    simulated = description["simulated"]
    assert simulated["V2"]["family_variance_share"] > simulated["V1"]["family_variance_share"] + 0.2
    assert simulated["V1"]["family_over_sample_fraction"] < 0.5
    assert len(description["rows"]) == 2 * len(simulation_stats.STATISTIC_SOURCES)
    assert description["sim_version"] == sim.SIM_VERSION
