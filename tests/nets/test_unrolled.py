import pytest
import torch

from prcore.measure.intensity import IntensityMeasurement
from prcore.measure.propagation import FreeSpacePropagation
from prcore.nets.unrolled import UnrolledSolver, data_gradient


def _op(dtype=torch.complex64):
    return IntensityMeasurement(FreeSpacePropagation((16, 16), 3e-4, 532e-9, 4e-6, dtype=dtype))


def test_unrolled_shape_dtype(device):
    op = _op().to(device)
    solver = UnrolledSolver(op, n_stages=3, width=4).to(device)
    y = op(torch.ones(2, 16, 16, dtype=torch.complex64, device=device))
    x, its = solver(y, return_all=True)
    assert x.shape == (2, 16, 16) and x.dtype == torch.complex64 and len(its) == 4


def test_data_gradient_matches_autograd_for_linear():
    lin = FreeSpacePropagation((8, 8), 2e-4, 500e-9, 2e-6, dtype=torch.complex128)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(8, 8, dtype=torch.complex128, generator=g)
    y = torch.randn(8, 8, dtype=torch.complex128, generator=g)
    xr = x.clone().requires_grad_(True)
    (0.5 * (lin.A(xr) - y).abs().pow(2).sum()).backward()
    torch.testing.assert_close(data_gradient(lin, x, y), xr.grad)


def test_unrolled_untrained_is_gradient_descent_that_lowers_the_data_term():
    op = _op(torch.complex128)
    phase = torch.zeros(1, 16, 16, dtype=torch.float64)
    phase[:, 5:11, 5:11] = 1.0
    y = op(torch.polar(torch.ones_like(phase), phase))
    solver = UnrolledSolver(op, n_stages=6, step_size=0.1).double()
    x0 = torch.ones_like(
        y, dtype=torch.complex128
    )  # a plane wave (the back-propagation fits y exactly)
    with torch.no_grad():
        _, its = solver(y, x0, return_all=True)
    err = [float((op(x) - y).abs().pow(2).sum()) for x in its]
    assert err[-1] < 0.5 * err[0]


def test_unrolled_gradients_reach_all_parameters_and_steps_learn():
    op = _op()
    solver = UnrolledSolver(op, n_stages=2, width=4)
    y = op(
        torch.polar(
            torch.ones(2, 16, 16), torch.rand(2, 16, 16, generator=torch.Generator().manual_seed(0))
        )
    )
    x = solver(y)
    (x.abs() - 1).pow(2).mean().backward()
    for name, p in solver.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
    assert solver.step_logits.grad.abs().sum() > 0
    assert torch.all(solver.step_sizes > 0)


def test_unrolled_rejects_bad_input():
    with pytest.raises(TypeError, match="Operator"):
        UnrolledSolver(torch.nn.Identity())
    with pytest.raises(ValueError, match="n_stages"):
        UnrolledSolver(_op(), n_stages=0)
    with pytest.raises(ValueError, match="NaN"):
        UnrolledSolver(_op(), n_stages=1)(torch.full((1, 16, 16), float("nan")))
