"""Tests of prcore.optics.fourier: Fourier-magnitude ambiguities and phase-swap hybrids."""

import math

import pytest
import torch

from prcore.optics.fourier import (
    circular_convolve,
    distance_modulo_trivial,
    flip_conjugate,
    fourier_magnitude,
    swap_fourier_phase,
)


def _rand(shape, *, seed=0, dtype=torch.complex128, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, dtype=dtype, generator=g).to(device)


def test_fourier_magnitude_parseval(device):
    x = _rand((3, 8, 6), device=device)
    mag = fourier_magnitude(x)
    assert mag.device == x.device and mag.dtype == torch.float64
    torch.testing.assert_close((mag**2).sum(dim=(-2, -1)), (x.abs() ** 2).sum(dim=(-2, -1)))


def test_fourier_magnitude_blind_to_trivial_ambiguities(device):
    x = _rand((8, 8), device=device)
    others = [
        x * complex(math.cos(0.7), math.sin(0.7)),  # global phase
        torch.roll(x, (3, -2), dims=(-2, -1)),  # translation
        flip_conjugate(x),  # twin
    ]
    for y in others:
        torch.testing.assert_close(fourier_magnitude(y), fourier_magnitude(x),
                                   rtol=1e-12, atol=1e-12)
        assert float((y - x).norm() / x.norm()) > 0.3  # yet the fields differ


def test_flip_conjugate_is_spectrum_conjugate(device):
    x = _rand((5, 6), device=device)  # odd and even sizes
    torch.testing.assert_close(torch.fft.fft2(flip_conjugate(x)), torch.fft.fft2(x).conj())
    torch.testing.assert_close(flip_conjugate(flip_conjugate(x)), x)


def test_flip_conjugate_real_stays_real():
    x = torch.arange(12.0).reshape(3, 4)
    y = flip_conjugate(x)
    assert not y.is_complex()
    assert float(y[0, 0]) == 0.0 and float(y[1, 1]) == float(x[2, 3])


def test_circular_convolve_matches_direct_sum():
    a = _rand((4, 5), seed=1, dtype=torch.float64)
    b = _rand((4, 5), seed=2, dtype=torch.float64)
    direct = torch.zeros(4, 5, dtype=torch.float64)
    for n0 in range(4):
        for n1 in range(5):
            for m0 in range(4):
                for m1 in range(5):
                    direct[n0, n1] += a[m0, m1] * b[(n0 - m0) % 4, (n1 - m1) % 5]
    out = circular_convolve(a, b)
    assert not out.is_complex()
    torch.testing.assert_close(out, direct)


def test_circular_convolve_nontrivial_ambiguity():
    """a*b and a*twin(b): equal Fourier magnitude, yet not related by a trivial ambiguity."""
    a = torch.zeros(16, 16, dtype=torch.float64)
    b = torch.zeros(16, 16, dtype=torch.float64)
    a[:4, :4] = _rand((4, 4), seed=4, dtype=torch.float64).abs()
    b[:4, :4] = _rand((4, 4), seed=5, dtype=torch.float64).abs()
    x1 = circular_convolve(a, b)
    x2 = circular_convolve(a, flip_conjugate(b))
    torch.testing.assert_close(fourier_magnitude(x1), fourier_magnitude(x2), rtol=1e-12, atol=1e-12)
    assert float(distance_modulo_trivial(x1, x2)) > 0.1


def test_swap_fourier_phase_keeps_magnitude_and_phase(device):
    m = _rand((8, 8), seed=6, dtype=torch.float64, device=device)
    p = _rand((8, 8), seed=7, dtype=torch.float64, device=device)
    h = swap_fourier_phase(m, p)
    assert not h.is_complex() and h.device == m.device
    torch.testing.assert_close(fourier_magnitude(h), fourier_magnitude(m))
    phase_err = torch.angle(torch.fft.fft2(h) * torch.fft.fft2(p).conj())
    assert float(phase_err.abs().max()) < 1e-9


def test_swap_fourier_phase_hybrid_resembles_phase_donor():
    """Oppenheim & Lim: the hybrid correlates better with the phase donor (two smooth images)."""
    y = torch.linspace(-1, 1, 32, dtype=torch.float64).reshape(32, 1)
    x = torch.linspace(-1, 1, 32, dtype=torch.float64).reshape(1, 32)
    disk = ((x - 0.3) ** 2 + (y + 0.2) ** 2 < 0.2).double()
    bar = ((x.abs() < 0.7) & ((y - 0.4).abs() < 0.15)).double()
    h = swap_fourier_phase(disk, bar)

    def corr(u, v):
        u, v = u - u.mean(), v - v.mean()
        return float((u * v).sum() / (u.norm() * v.norm()))

    assert corr(h, bar) > corr(h, disk) + 0.2


def test_swap_fourier_phase_complex_input():
    m = _rand((6, 6), seed=8)
    p = _rand((6, 6), seed=9)
    h = swap_fourier_phase(m, p)
    assert h.is_complex()
    torch.testing.assert_close(torch.fft.fft2(h).abs(), torch.fft.fft2(m).abs())


def test_distance_modulo_trivial_zero_for_trivial(device):
    x = _rand((3, 8, 8), seed=10, device=device)
    c = torch.exp(torch.tensor(0.4j, dtype=torch.complex128))
    y = c * torch.roll(flip_conjugate(x), (1, 7), (-2, -1))
    d = distance_modulo_trivial(x, y)
    assert d.shape == (3,) and float(d.max()) < 1e-7


def test_distance_modulo_trivial_large_for_unrelated():
    x, y = _rand((16, 16), seed=11), _rand((16, 16), seed=12)
    # optimum over 2 * 256 candidates of two random fields: still near sqrt(2)
    assert float(distance_modulo_trivial(x, y)) > 1.0


@pytest.mark.parametrize("fn", [swap_fourier_phase, circular_convolve, distance_modulo_trivial])
def test_pair_functions_exception(fn):
    x = torch.rand(4, 4)
    with pytest.raises(ValueError, match="image size"):
        fn(x, torch.rand(4, 5))
    with pytest.raises(TypeError, match="torch.Tensor"):
        fn(x.numpy(), x)
    with pytest.raises(TypeError, match="floating or complex"):
        fn(x, torch.ones(4, 4, dtype=torch.int64))
    with pytest.raises(ValueError, match="finite"):
        fn(x, torch.full((4, 4), float("nan")))


def test_fourier_magnitude_exception():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        fourier_magnitude(torch.ones(4))
    with pytest.raises(ValueError, match="non-zero"):
        distance_modulo_trivial(torch.zeros(4, 4), torch.ones(4, 4))


def test_circular_convolve_gradcheck():
    a = _rand((4, 4), seed=13).requires_grad_()
    b = _rand((4, 4), seed=14).requires_grad_()
    assert torch.autograd.gradcheck(circular_convolve, (a, b))
    m = torch.rand(4, 4, dtype=torch.float64, requires_grad=True)
    p = torch.rand(4, 4, dtype=torch.float64) + 1.0  # spectrum of p away from 0 (phase defined)
    assert torch.autograd.gradcheck(lambda u: swap_fourier_phase(u + 2.0, p), (m,))
