import pytest
import torch
from torch import nn

from prcore.learn.cycle import PhysicsCycle, cycle_loss
from prcore.learn.losses import physics_field
from prcore.measure.intensity import IntensityMeasurement
from prcore.measure.propagation import FreeSpacePropagation


def _op():
    return IntensityMeasurement(FreeSpacePropagation((8, 8), 2e-4, 532e-9, 4e-6))


class _Const(nn.Module):
    """Returns a fixed phase whatever the input (an 'oracle' for one sample)."""

    def __init__(self, phase):
        super().__init__()
        self.phase = nn.Parameter(phase.clone())

    def forward(self, x):
        return self.phase.expand_as(x)


def test_physics_cycle_outputs_both_cycles():
    op = _op()
    g = torch.Generator().manual_seed(0)
    theta = torch.rand(1, 1, 8, 8, generator=g)
    holo = op(physics_field(theta))
    cyc = PhysicsCycle(_Const(theta), op)
    x = torch.cat([holo, theta], 1)
    with torch.no_grad():
        out = cyc(x)
        wrong = PhysicsCycle(_Const(torch.zeros_like(theta)), op)(x)
    assert out.shape == (1, 2, 8, 8)
    # the oracle closes both cycles exactly
    assert float(cycle_loss(out, x)) < 1e-10
    assert float(cycle_loss(wrong, x)) > 1e-3


def test_physics_cycle_gradients_reach_generator():
    cyc = PhysicsCycle(nn.Conv2d(1, 1, 3, padding=1), _op())
    x = torch.rand(2, 2, 8, 8)
    cycle_loss(cyc(x), x, phase_weight=0.5).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in cyc.generator.parameters())


def test_physics_cycle_rejects_bad_input():
    with pytest.raises(TypeError, match="Operator"):
        PhysicsCycle(nn.Identity(), nn.Identity())
    with pytest.raises(ValueError, match=r"\(B, 2, H, W\)"):
        PhysicsCycle(nn.Identity(), _op())(torch.rand(1, 1, 8, 8))
    with pytest.raises(ValueError, match="equal"):
        cycle_loss(torch.rand(1, 2, 8, 8), torch.rand(1, 2, 4, 4))
