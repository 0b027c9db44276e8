"""Objectives against hand-computed values."""

import math

import torch

from brainscore_lcl.training.losses import Predictor, barlow_twins_loss, cross_correlation, nt_xent_loss, simsiam_loss


def test_cross_correlation_standardizes_each_dimension_over_the_batch():
    z_a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])  # standardised: [[-1, -1], [1, 1]]
    z_b = torch.tensor([[1.0, 5.0], [2.0, 3.0]])  # standardised: [[-1, 1], [1, -1]]
    expected = torch.tensor([[1.0, -1.0], [1.0, -1.0]])
    assert torch.allclose(cross_correlation(z_a, z_b), expected, atol=1e-4)


def test_barlow_twins_hand_computed():
    z_a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    z_b = torch.tensor([[1.0, 5.0], [2.0, 3.0]])
    # on-diagonal (1 - 1)^2 + (1 + 1)^2 = 4; off-diagonal (-1)^2 + 1^2 = 2
    assert math.isclose(float(barlow_twins_loss(z_a, z_b, 0.5)), 4 + 0.5 * 2, rel_tol=1e-4)


def test_barlow_twins_is_zero_for_identical_decorrelated_views_and_invariant_to_scale_and_shift():
    z = torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    assert float(barlow_twins_loss(z, 3 * z + 7, 0.01)) < 1e-4


def test_nt_xent_hand_computed():
    z = torch.eye(2)
    # each anchor: positive similarity 1, negatives 0 and 0 -> -log(e / (e + 2))
    assert math.isclose(float(nt_xent_loss(z, z.clone(), temperature=1.0)), math.log(1 + 2 / math.e), rel_tol=1e-5)


def test_nt_xent_temperature_scales_logits():
    z = torch.eye(2)
    assert math.isclose(float(nt_xent_loss(z, z.clone(), temperature=0.5)), math.log(1 + 2 / math.e**2), rel_tol=1e-5)


def test_simsiam_hand_computed_and_stops_gradient_into_targets():
    p_a = torch.tensor([[1.0, 0.0]], requires_grad=True)
    p_b = torch.tensor([[0.0, 1.0]], requires_grad=True)
    z_a = torch.tensor([[1.0, 1.0]], requires_grad=True)
    z_b = torch.tensor([[2.0, 0.0]], requires_grad=True)
    loss = simsiam_loss(p_a, p_b, z_a, z_b)
    assert math.isclose(float(loss.detach()), -(1 + 1 / math.sqrt(2)) / 2, rel_tol=1e-6)
    loss.backward()
    assert z_a.grad is None and z_b.grad is None
    assert p_a.grad is not None and p_b.grad is not None


def test_predictor_keeps_dimension():
    assert Predictor(16, 4)(torch.randn(5, 16)).shape == (5, 16)
