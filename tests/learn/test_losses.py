import math

import pytest
import torch

from prcore.learn.losses import (
    PhysicsLoss,
    mae,
    mse,
    npcc_loss,
    physics_field,
    physics_loss,
    ssim_loss,
)
from prcore.measure.intensity import IntensityMeasurement
from prcore.measure.propagation import FreeSpacePropagation


def test_mse_mae_known_values():
    p, t = torch.tensor([[1.0, 3.0]]), torch.tensor([[0.0, 0.0]])
    assert float(mse(p, t)) == 5.0
    assert float(mae(p, t)) == 2.0


def test_npcc_loss_known_values():
    x = torch.tensor([[[0.0, 1.0], [2.0, 3.0]]], dtype=torch.float64)
    assert float(npcc_loss(5 * x - 2, x)) == pytest.approx(-1.0)
    assert float(npcc_loss(-x, x)) == pytest.approx(1.0)
    # y = [0, 1, 0, 1] against x = [0, 1, 2, 3]: r = 1 / sqrt(5 * 1) = 0.447
    y = torch.tensor([[[0.0, 1.0], [0.0, 1.0]]], dtype=torch.float64)
    assert float(npcc_loss(y, x)) == pytest.approx(-1 / math.sqrt(5), abs=1e-12)


def test_ssim_loss_known_values():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(2, 1, 16, 16, dtype=torch.float64, generator=g)
    assert float(ssim_loss(x, x)) == pytest.approx(0.0, abs=1e-12)
    # against scikit-image with the same settings
    from skimage.metrics import structural_similarity

    y = (x + 0.2 * torch.rand(x.shape, dtype=torch.float64, generator=g)).clamp(0, 1)
    ref = (
        sum(
            structural_similarity(
                y[b, 0].numpy(),
                x[b, 0].numpy(),
                data_range=1.0,
                gaussian_weights=True,
                sigma=1.5,
                use_sample_covariance=False,
            )
            for b in range(2)
        )
        / 2
    )
    assert float(ssim_loss(y, x, data_range=1.0, win_size=11)) == pytest.approx(1 - ref, abs=1e-6)


def test_losses_reject_shape_mismatch():
    for f in (mse, mae, npcc_loss, ssim_loss):
        with pytest.raises(ValueError, match="equal shapes"):
            f(torch.zeros(1, 1, 16, 16), torch.zeros(1, 1, 16, 8))


def _op(dtype=torch.complex128):
    return IntensityMeasurement(FreeSpacePropagation((8, 8), 2e-4, 532e-9, 3e-6, dtype=dtype))


def test_physics_loss_zero_at_truth_positive_elsewhere():
    op = _op()
    g = torch.Generator().manual_seed(1)
    theta = torch.rand(2, 8, 8, dtype=torch.float64, generator=g)
    holo = op(physics_field(theta))
    assert float(physics_loss(theta, holo, op)) < 1e-20
    assert (
        float(
            physics_loss(
                theta + 0.3 * torch.rand(theta.shape, dtype=theta.dtype, generator=g), holo, op
            )
        )
        > 1e-4
    )
    # a constant phase offset is invisible to the hologram
    assert float(physics_loss(theta + 1.0, holo, op)) < 1e-20


def test_physics_loss_gradcheck():
    op = _op()
    g = torch.Generator().manual_seed(2)
    theta = torch.rand(1, 8, 8, dtype=torch.float64, generator=g)
    amp = 0.5 + torch.rand(1, 8, 8, dtype=torch.float64, generator=g)
    holo = op(physics_field(0.5 * theta, amp))
    assert torch.autograd.gradcheck(
        lambda t, a: physics_loss(t, holo, op, amplitude=a),
        (theta.requires_grad_(True), amp.requires_grad_(True)),
    )


def test_physics_loss_module_ynet_layout():
    op = _op(torch.complex64)
    pred = torch.stack([torch.ones(8, 8), torch.zeros(8, 8)])[None]
    assert float(PhysicsLoss(op, amplitude_channel=True)(pred, torch.ones(1, 1, 8, 8))) < 1e-10
    with pytest.raises(ValueError, match=r"\(B, 2, H, W\)"):
        PhysicsLoss(op, amplitude_channel=True)(torch.zeros(1, 1, 8, 8), torch.ones(1, 1, 8, 8))


def test_physics_loss_rejects_bad_input():
    op = _op()
    with pytest.raises(TypeError, match="Operator"):
        physics_loss(torch.zeros(8, 8), torch.zeros(8, 8), lambda x: x)
    with pytest.raises(ValueError, match="shape"):
        physics_loss(torch.zeros(8, 8), torch.zeros(4, 4), op)
    with pytest.raises(TypeError, match="real"):
        physics_field(torch.zeros(2, 2, dtype=torch.complex64))
