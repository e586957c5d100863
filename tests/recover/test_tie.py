import math

import pytest
import torch

from prcore.measure.focus import defocus_stack, tie_stack
from prcore.recover.tie import (
    ctf_phase,
    intensity_derivative,
    inverse_laplacian,
    low_frequency_fraction,
    tie,
    tie_forward,
    tie_teague,
    tie_uniform,
)

LAM, PX = 633e-9, 2e-6
N = 64


def _r2(n=N, cy=0.0, cx=0.0):
    y = torch.arange(n, dtype=torch.float64).reshape(n, 1) - n / 2 - cy
    x = torch.arange(n, dtype=torch.float64).reshape(1, n) - n / 2 - cx
    return x**2 + y**2


def _bump(n=N, height=1.0, width=6.0):
    return height * torch.exp(-_r2(n) / (2 * width**2))


def test_tie_uniform_gaussian_bump_exact_derivative():
    phi = _bump()
    didz = tie_forward(torch.ones(N, N, dtype=torch.float64), phi, LAM, PX)
    rec = tie_uniform(didz, 1.0, LAM, PX)
    err = rec - phi + phi.mean()
    assert float(err.abs().max()) < 1e-8


def test_tie_teague_nonuniform_intensity_exact_derivative():
    phi = _bump()
    inten = 0.6 + 0.4 * torch.exp(-_r2() / (2 * 10.0**2))  # radial: flux is curl-free
    didz = tie_forward(inten, phi, LAM, PX)
    rec = tie_teague(didz, inten, LAM, PX)
    err_teague = float((rec - phi + phi.mean()).abs().max())
    err_uniform = float((tie_uniform(didz, inten, LAM, PX) - phi + phi.mean()).abs().max())
    assert err_teague < 1e-6
    assert err_uniform > 100 * err_teague  # the uniform-intensity solver is wrong here


def test_tie_from_defocused_intensities_small_defocus(device):
    phi = _bump().to(device)
    u = torch.polar(torch.ones_like(phi), phi)
    stack = tie_stack(u, 2e-6, LAM, PX)
    rec = tie(stack, 2e-6, LAM, PX, method="uniform")
    rel = float((rec - phi + phi.mean()).norm() / (phi - phi.mean()).norm())
    assert rel < 0.01
    assert rec.device.type == device.type


def test_inverse_laplacian_alpha_damps_low_frequencies():
    n = 64
    x = torch.arange(n, dtype=torch.float64) * 2 * math.pi / n
    low = torch.cos(x).expand(n, n)
    high = torch.cos(16 * x).expand(n, n)
    lap = lambda u, k: -((2 * math.pi * k / n) ** 2) * u  # noqa: E731
    a = 1e-2
    r_low = float(inverse_laplacian(lap(low, 1), 1.0, alpha=a).std() / low.std())
    r_high = float(inverse_laplacian(lap(high, 16), 1.0, alpha=a).std() / high.std())
    assert r_low < 0.1 and r_high > 0.99


def test_ctf_phase_multi_distance_beats_single_under_noise():
    g = torch.Generator().manual_seed(0)
    phi = 0.3 * torch.exp(-_r2() / (2 * 12.0**2)) + 0.05 * torch.cos(
        2 * math.pi * 20 * torch.arange(N, dtype=torch.float64) / N)
    u = torch.polar(torch.ones_like(phi), phi)
    zs = [2e-5, 2e-4, 1e-3]
    stack = defocus_stack(u, zs, LAM, PX)
    noisy = stack + 0.01 * torch.randn(stack.shape, generator=g, dtype=torch.float64)
    ref = phi - phi.mean()
    multi = ctf_phase(noisy, zs, LAM, PX, alpha=1e-2)
    single = ctf_phase(noisy[:1], zs[:1], LAM, PX, alpha=1e-2)
    e_multi = float((multi - ref).norm() / ref.norm())
    e_single = float((single - ref).norm() / ref.norm())
    assert e_multi < 0.3 and e_multi < 0.5 * e_single


def test_ctf_phase_exact_for_weak_noise_free_object():
    x = torch.arange(N, dtype=torch.float64) * 2 * math.pi / N
    phi = 1e-3 * (torch.cos(5 * x).reshape(N, 1) + torch.sin(9 * x).reshape(1, N))
    u = torch.polar(torch.ones_like(phi), phi)
    zs = [1e-4, 4e-4]
    rec = ctf_phase(defocus_stack(u, zs, LAM, PX), zs, LAM, PX, alpha=0.0)
    assert float((rec - phi).abs().max()) < 1e-5


def test_low_frequency_fraction_white_noise_matches_area():
    g = torch.Generator().manual_seed(1)
    e = torch.randn(4, 128, 128, generator=g, dtype=torch.float64)
    frac = low_frequency_fraction(e, 0.2).mean()
    assert abs(float(frac) - math.pi * 0.2**2 / 4) < 0.01


def test_tie_teague_gradcheck():
    g = torch.Generator().manual_seed(0)
    inten = 1 + 0.1 * torch.rand(8, 8, dtype=torch.float64, generator=g)
    didz = torch.randn(8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    didz.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda d: tie_teague(d, inten, LAM, PX, alpha=1e-3), (didz,))


def test_tie_rejects_bad_input():
    s = torch.ones(3, 8, 8)
    with pytest.raises(ValueError, match="3 planes"):
        tie(torch.ones(2, 8, 8), 1e-6, LAM, PX)
    with pytest.raises(ValueError, match="method"):
        tie(s, 1e-6, LAM, PX, method="fourier")
    with pytest.raises(ValueError, match="defocus"):
        tie(s, 0.0, LAM, PX)
    with pytest.raises(ValueError, match="non-negative"):
        tie_teague(torch.zeros(8, 8), -torch.ones(8, 8), LAM, PX)
    with pytest.raises(ValueError, match="shape"):
        intensity_derivative(torch.ones(8, 8), torch.ones(8, 9), 1e-6)
    with pytest.raises(TypeError, match="real"):
        tie_uniform(torch.zeros(8, 8, dtype=torch.complex64), 1.0, LAM, PX)
    with pytest.raises(ValueError, match="distances"):
        ctf_phase(torch.ones(2, 8, 8), [1e-4], LAM, PX)
    with pytest.raises(ValueError, match="cutoff"):
        low_frequency_fraction(torch.ones(8, 8), 1.5)


def test_tie_batched_equals_loop():
    g = torch.Generator().manual_seed(2)
    stacks = 1 + 0.01 * torch.randn(2, 3, 16, 16, generator=g, dtype=torch.float64)
    for method in ("uniform", "teague"):
        batched = tie(stacks, 1e-6, LAM, PX, method=method)
        for b in range(2):
            torch.testing.assert_close(batched[b], tie(stacks[b], 1e-6, LAM, PX, method=method))
