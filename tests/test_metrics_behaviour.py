"""Behavioural metrics against hand-computed values, and the ImageNet -> 16-category mapping pinned to Geirhos et al."""

from __future__ import annotations

import numpy as np
import pytest

from brainscore_lcl.metrics.behaviour import (
    CATEGORIES,
    accuracy,
    category_log_probabilities,
    category_members,
    cohens_kappa,
    conditionwise_consistency,
    consistency_matrices,
    expected_consistency,
    human_consistency,
    ood_accuracy,
    pooled_shape_bias,
    shape_bias,
    sixteen_class_decisions,
    sixteen_class_decisions_from_logits,
    stimulus_key,
    texture_category,
)

#: Geirhos et al.'s published class indices of each category (model-vs-human, helper/human_categories.py)
PUBLISHED_INDICES = {
    "airplane": [404],
    "bear": [294, 295, 296, 297],
    "bicycle": [444, 671],
    "bird": [
        8,
        10,
        11,
        12,
        13,
        14,
        15,
        16,
        18,
        19,
        20,
        22,
        23,
        24,
        80,
        81,
        82,
        83,
        87,
        88,
        89,
        90,
        91,
        92,
        93,
        94,
        95,
        96,
        98,
        99,
        100,
        127,
        128,
        129,
        130,
        131,
        132,
        133,
        135,
        136,
        137,
        138,
        139,
        140,
        141,
        142,
        143,
        144,
        145,
    ],
    "boat": [472, 554, 625, 814, 914],
    "bottle": [440, 720, 737, 898, 899, 901, 907],
    "car": [436, 511, 817],
    "cat": [281, 282, 283, 284, 285, 286],
    "chair": [423, 559, 765, 857],
    "clock": [409, 530, 892],
    "dog": [
        152,
        153,
        154,
        155,
        156,
        157,
        158,
        159,
        160,
        161,
        162,
        163,
        164,
        165,
        166,
        167,
        168,
        169,
        170,
        171,
        172,
        173,
        174,
        175,
        176,
        177,
        178,
        179,
        180,
        181,
        182,
        183,
        184,
        185,
        186,
        187,
        188,
        189,
        190,
        191,
        193,
        194,
        195,
        196,
        197,
        198,
        199,
        200,
        201,
        202,
        203,
        205,
        206,
        207,
        208,
        209,
        210,
        211,
        212,
        213,
        214,
        215,
        216,
        217,
        218,
        219,
        220,
        221,
        222,
        223,
        224,
        225,
        226,
        228,
        229,
        230,
        231,
        232,
        233,
        234,
        235,
        236,
        237,
        238,
        239,
        240,
        241,
        243,
        244,
        245,
        246,
        247,
        248,
        249,
        250,
        252,
        253,
        254,
        255,
        256,
        257,
        259,
        261,
        262,
        263,
        265,
        266,
        267,
        268,
    ],
    "elephant": [385, 386],
    "keyboard": [508, 878],
    "knife": [499],
    "oven": [766],
    "truck": [555, 569, 656, 675, 717, 734, 864, 867],
}
#: a few of the WordNet ids of Geirhos et al.'s sets (HumanCategories), one per category
PUBLISHED_WNIDS = {
    "airplane": "n02690373",
    "bear": "n02134418",
    "bicycle": "n02835271",
    "bird": "n01514859",
    "boat": "n04612504",
    "bottle": "n04591713",
    "car": "n03100240",
    "cat": "n02123045",
    "chair": "n04099969",
    "clock": "n04548280",
    "dog": "n02113978",
    "elephant": "n02504458",
    "keyboard": "n04505470",
    "knife": "n03041632",
    "oven": "n04111531",
    "truck": "n04467665",
}


def test_mapping_pins_every_category_to_the_published_indices():
    assert CATEGORIES == tuple(sorted(PUBLISHED_INDICES))
    assert {name: list(indices) for name, indices in category_members().items()} == PUBLISHED_INDICES


def test_mapping_wnids_are_the_imagenet_classes_at_those_indices():
    import json

    from brainscore_lcl.metrics.behaviour import MAPPING_FILE
    from brainscore_lcl.training.supervised import imagenet_wnids

    categories = json.loads(MAPPING_FILE.read_text())["categories"]
    wnids = imagenet_wnids()
    for name, entry in categories.items():
        assert entry["wnids"] == [wnids[index] for index in entry["indices"]]
        assert PUBLISHED_WNIDS[name] in entry["wnids"]
    members = [index for indices in category_members().values() for index in indices]
    assert len(members) == len(set(members)) == 207


def test_decision_rule_takes_the_highest_mean_probability():
    probabilities = np.full((3, 1000), 0.0)
    probabilities[0, 404] = 0.9  # airplane
    probabilities[1, 152] = 0.3  # one dog class: mean over 109 dog classes 0.0028
    probabilities[1, 499] = 0.01  # knife (one class): mean 0.01 wins
    probabilities[2, [294, 295]] = 0.2  # bear mean 0.1
    probabilities[2, 766] = 0.09  # oven 0.09
    assert sixteen_class_decisions(probabilities).tolist() == ["airplane", "knife", "bear"]


def test_decision_rule_equals_brainscore_label_behavior():
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    from brainscore_vision.model_helpers.brain_transformation.behavior import LabelBehavior

    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (50, 1000))
    assembly = NeuroidAssembly(
        logits,
        coords={
            "stimulus_id": ("presentation", [f"s{i}" for i in range(50)]),
            "neuroid_id": ("neuroid", np.arange(1000)),
        },
        dims=["presentation", "neuroid"],
    )
    behaviour = LabelBehavior("test", activations_model=None)
    behaviour.choice_labels, behaviour.aggregation = list(CATEGORIES), np.mean
    theirs = behaviour.logits_to_choice(assembly).values.reshape(-1)
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    assert sixteen_class_decisions(probabilities).tolist() == theirs.tolist()


def label_behavior_choices(logits: np.ndarray) -> list[str]:
    """Brain-Score's ``LabelBehavior.logits_to_choice`` on ``logits`` (n, 1000) with the 16 categories."""
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    from brainscore_vision.model_helpers.brain_transformation.behavior import LabelBehavior

    assembly = NeuroidAssembly(
        logits,
        coords={
            "stimulus_id": ("presentation", [f"s{i}" for i in range(len(logits))]),
            "neuroid_id": ("neuroid", np.arange(1000)),
        },
        dims=["presentation", "neuroid"],
    )
    behaviour = LabelBehavior("test", activations_model=None)
    behaviour.choice_labels, behaviour.aggregation = list(CATEGORIES), np.mean
    with np.errstate(over="ignore", invalid="ignore"):
        return behaviour.logits_to_choice(assembly).values.reshape(-1).tolist()


def test_stable_rule_equals_the_probability_rule_on_ordinary_logits():
    logits = np.random.default_rng(1).normal(0, 3, (20, 1000))
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)  # no overflow at this scale
    expected = np.log(
        np.stack([probabilities[:, list(members)].mean(axis=1) for members in category_members().values()], axis=1)
    )
    np.testing.assert_allclose(category_log_probabilities(logits), expected, rtol=1e-10)
    assert sixteen_class_decisions_from_logits(logits).tolist() == sixteen_class_decisions(probabilities).tolist()


def test_stable_rule_decides_logits_above_88_where_brainscore_softmax_overflows():
    logits = np.zeros((3, 1000), dtype=np.float32)  # float32, as Brain-Score's extractor returns activations
    logits[0, 499] = 200.0  # knife, far above float32's exp limit (~88.7) ...
    logits[0, 404] = 199.0  # ... and airplane one below it: p(knife) / p(airplane) = e
    logits[1, [294, 295]] = 95.0  # bear: 2 of its 4 classes
    logits[1, 766] = 95.5  # oven (one class)
    # by hand: log mean p(bear) - log mean p(oven) = log(2 e^95 / 4) - 95.5 = log(0.5) - 0.5 < 0 -> oven
    logits[2, [499, 404]] = 1000.0, 999.0  # knife again, beyond float64's exp limit (~709.8) too
    assert sixteen_class_decisions_from_logits(logits).tolist() == ["knife", "oven", "knife"]
    assert np.isfinite(category_log_probabilities(logits)).all()
    # Brain-Score's exp overflows to inf, inf / inf is NaN, and arg max picks the first NaN category
    assert label_behavior_choices(logits) == ["airplane", "bear", "airplane"]


def test_stimulus_key_and_texture_category():
    assert stimulus_key("0001_s5n_s01_0_bird_00_bird3-bird2.png") == "bird3-bird2.png"
    assert stimulus_key("airplane1.png") == "airplane1.png"
    assert texture_category("0003_s5n_s01_0_dog_00_dog10-bicycle1.png") == "bicycle"
    assert texture_category("XXX_dog10-bird2.png") == "bird"


def test_accuracy_and_kappa_by_hand():
    assert accuracy(np.array(["dog", "cat", "na", "dog"]), np.array(["dog", "dog", "cat", "dog"])) == 0.5
    assert expected_consistency(0.75, 0.5) == pytest.approx(0.5)
    assert cohens_kappa(0.75, 0.5) == pytest.approx(0.5)
    assert cohens_kappa(1.0, 1.0) == 1.0  # both always right: defined as 1, not 0/0
    assert cohens_kappa(0.0, 0.5) == pytest.approx(-1.0)


def test_consistency_matrices_by_hand():
    a = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], dtype=bool)
    b = np.array([[1, 0, 1, 0], [1, 1, 1, 1]], dtype=bool)
    observed, kappa = consistency_matrices(a, b)
    # a0 vs b0: agree on 3 of 4, p 0.75 / 0.5 -> c_exp 0.5, kappa 0.5; a0 vs b1: 0.75, c_exp 0.75 -> 0
    # a1 vs b0: agree on 2 of 4, p 0.5 / 0.5 -> 0; a1 vs b1: 0.5, c_exp 0.5 -> 0
    assert observed == pytest.approx(np.array([[0.75, 0.75], [0.5, 0.5]]))
    assert kappa == pytest.approx(np.array([[0.5, 0.0], [0.0, 0.0]]))


def test_conditions_are_averaged_not_pooled():
    a = np.array([[1, 0, 1, 1, 0, 0]], dtype=bool)
    b = np.array([[1, 0, 0, 1, 1, 0]], dtype=bool)
    conditions = np.array(["x", "x", "x", "y", "y", "y"])
    observed, kappa = conditionwise_consistency(a, b, conditions)
    # x: a [1, 0, 1], b [1, 0, 0]: c_obs 2/3, p 2/3, 1/3 -> c_exp 4/9, kappa (2/3 - 4/9) / (5/9) = 0.4
    # y: a [1, 0, 0], b [1, 1, 0]: c_obs 2/3, p 1/3, 2/3 -> the same, 0.4
    assert observed[0, 0] == pytest.approx(2 / 3) and kappa[0, 0] == pytest.approx(0.4)
    pooled = consistency_matrices(a, b)[1][0, 0]
    assert pooled != pytest.approx(0.4)


def test_human_consistency_leave_one_out_and_ceiling():
    correct = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 1, 0]], dtype=bool)
    result = human_consistency(correct, np.zeros(4))
    # pairs: (0, 1) 0.5, (0, 2) 0.5, (1, 2) 0 -> ceiling 1/3; leave one out: 0.5, 0.25, 0.25
    assert result.error == pytest.approx([0.5, 0.25, 0.25])
    assert result.ceiling_error == pytest.approx(1 / 3) == pytest.approx(result.error.mean())
    assert result.observed == pytest.approx([0.75, 0.625, 0.625])
    assert result.ceiling_observed == pytest.approx(2 / 3)


def test_shape_bias_by_hand():
    responses = np.array(["dog", "cat", "cat", "bird", "dog"])
    shape = np.array(["dog", "dog", "cat", "cat", "bird"])
    texture = np.array(["cat", "cat", "cat", "bird", "dog"])
    result = shape_bias(responses, shape, texture)  # trial 3 has no conflict; 1 shape, 3 texture decisions
    assert (result.shape_fraction, result.texture_fraction, result.shape_bias) == pytest.approx((0.25, 0.75, 0.25))
    per_observer = shape_bias(np.array([responses, shape]), shape, texture).shape_bias
    assert per_observer == pytest.approx([0.25, 1.0])
    assert pooled_shape_bias(np.array([responses, shape]), shape, texture).shape_bias == pytest.approx(5 / 8)


def test_ood_accuracy_is_the_unweighted_mean_over_datasets():
    assert ood_accuracy({"cue-conflict": 0.2, "edge": 0.5, "silhouette": 0.5}) == pytest.approx(0.4)
    with pytest.raises(ValueError):
        ood_accuracy({})
