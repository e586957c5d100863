import math

import pytest
import torch

from prcore.measure.focus import defocus_stack, tie_stack
from prcore.optics.propagation import angular_spectrum

LAM, PX = 633e-9, 2e-6


def _field(n=32, seed=0, dtype=torch.complex128):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n, dtype=torch.float64).reshape(n, 1) - n / 2
    x = torch.arange(n, dtype=torch.float64).reshape(1, n) - n / 2
    noise = torch.randn(n, n, generator=g, dtype=torch.float64)
    phase = 1.5 * torch.exp(-(x**2 + y**2) / 40) + 0.1 * noise
    amp = 1 + 0.2 * torch.exp(-((x - 3) ** 2 + y**2) / 30)
    return torch.polar(amp, phase).to(dtype)


def test_defocus_stack_zero_distance_is_intensity(device):
    u = _field().to(device)
    stack = defocus_stack(u, [0.0], LAM, PX)
    assert stack.shape == (1, 32, 32) and stack.device.type == device.type
    torch.testing.assert_close(stack[0], u.abs() ** 2)


def test_defocus_stack_matches_angular_spectrum_and_conserves_power():
    u = _field()
    zs = [-1e-4, 5e-5, 2e-4]
    stack = defocus_stack(u, zs, LAM, PX)
    for i, z in enumerate(zs):
        torch.testing.assert_close(stack[i], angular_spectrum(u, z, LAM, PX).abs() ** 2)
    power = defocus_stack(u, zs, LAM, PX, bandlimit=False).sum(dim=(-2, -1))  # unitary: Parseval
    expected = torch.full_like(power, float((u.abs() ** 2).sum()))
    torch.testing.assert_close(power, expected, rtol=1e-10, atol=0)


def test_defocus_stack_intensity_changes_with_distance():
    stack = defocus_stack(_field(), [0.0, 2e-4], LAM, PX)
    assert float((stack[1] - stack[0]).abs().max()) > 0.05


def test_defocus_stack_conjugate_symmetry():
    # propagating conj(u) by +z is the conjugate of propagating u by -z: same intensity
    u = _field()
    a = defocus_stack(u, [-1.5e-4], LAM, PX)
    b = defocus_stack(u.conj(), [1.5e-4], LAM, PX)
    torch.testing.assert_close(a, b)


def test_defocus_stack_batched_equals_loop():
    u = torch.stack([_field(seed=0), _field(seed=1)])
    zs = [-1e-4, 1e-4]
    batched = defocus_stack(u, zs, LAM, PX)
    assert batched.shape == (2, 2, 32, 32)
    for b in range(2):
        torch.testing.assert_close(batched[b], defocus_stack(u[b], zs, LAM, PX))


def test_defocus_stack_keeps_complex64_precision():
    u = _field()
    s64 = defocus_stack(u.to(torch.complex64), [1e-4], LAM, PX)
    assert s64.dtype == torch.float32
    ref = defocus_stack(u, [1e-4], LAM, PX)
    torch.testing.assert_close(s64.double(), ref, atol=1e-4, rtol=1e-4)


def test_tie_stack_is_symmetric_triplet():
    u = _field()
    s = tie_stack(u, 1e-4, LAM, PX)
    torch.testing.assert_close(s, defocus_stack(u, [-1e-4, 0.0, 1e-4], LAM, PX))


def test_defocus_stack_gradcheck_distance():
    u = _field(n=8)
    z = torch.tensor([3e-5], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda d: defocus_stack(u, d, LAM, PX), (z,), eps=1e-10,
                                    atol=1e-5)


def test_defocus_stack_rejects_bad_input():
    u = _field()
    with pytest.raises(TypeError, match="complex"):
        defocus_stack(u.abs(), [0.0], LAM, PX)
    with pytest.raises(ValueError, match="non-empty"):
        defocus_stack(u, [], LAM, PX)
    with pytest.raises(ValueError, match="finite"):
        defocus_stack(u, [math.nan], LAM, PX)
    with pytest.raises(ValueError, match="wavelength"):
        defocus_stack(u, [0.0], 0.0, PX)
    with pytest.raises(TypeError, match="distances"):
        defocus_stack(u, 1e-3, LAM, PX)
    with pytest.raises(ValueError, match="defocus"):
        tie_stack(u, -1e-4, LAM, PX)
