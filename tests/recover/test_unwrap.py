"""Tests of prcore.recover.unwrap: Itoh, least-squares (DCT) and quality-guided unwrapping."""

import math

import numpy as np
import pytest
import torch

from prcore.recover.unwrap import (
    _dct2_torch,
    _idct2_torch,
    dct2,
    idct2,
    phase_derivative_variance,
    unwrap_itoh,
    unwrap_least_squares,
    unwrap_quality_guided,
    wrap_phase,
)


def _surface(n=64, scale=12.0):
    y, x = torch.meshgrid(torch.linspace(-1, 1, n, dtype=torch.float64),
                          torch.linspace(-1, 1, n, dtype=torch.float64), indexing="ij")
    return scale * (torch.exp(-((x - 0.2) ** 2 + y**2) / 0.3) + 0.5 * x * y + 0.3 * y)


def _cut_surface(n=64):
    """A smooth surface plus a crack: a jump of up to 3π along x = n/2, fading out at y = 0.6 n."""
    r = torch.arange(n, dtype=torch.float64)
    y, x = torch.meshgrid(r, r, indexing="ij")
    step = 3 * math.pi * (1 - y / (0.6 * n)).clamp_min(0) * (x >= n // 2)
    band = ((x - n // 2 + 0.5).abs() < 3) & (y < 0.6 * n + 3)
    return _surface(n, 6.0) + step, band


def _err(out, ref, mask=None):
    d = out - ref
    sel = d if mask is None else d[mask]
    return float((sel - sel.median()).abs().max())


def test_wrap_phase_range_and_congruence():
    t = torch.linspace(-20, 20, 1001, dtype=torch.float64)
    w = wrap_phase(t)
    assert float(w.min()) > -math.pi and float(w.max()) <= math.pi
    k = (t - w) / (2 * math.pi)
    torch.testing.assert_close(k, k.round(), rtol=0, atol=1e-12)


def test_unwrap_itoh_exact_when_itoh_condition_holds(device):
    t = torch.cumsum(torch.full((3, 200), 2.9, dtype=torch.float64, device=device), -1)
    out = unwrap_itoh(wrap_phase(t))
    torch.testing.assert_close(out - out[..., :1], t - t[..., :1])
    out0 = unwrap_itoh(wrap_phase(t.T.contiguous()), dim=0)
    torch.testing.assert_close(out0 - out0[:1], (t - t[..., :1]).T)


def test_unwrap_itoh_fails_beyond_pi_per_sample():
    t = torch.arange(50, dtype=torch.float64) * 3.3  # steps > π alias to 3.3 - 2π
    out = unwrap_itoh(wrap_phase(t))
    assert float((out - t).abs().max()) > 10


def test_dct2_matches_scipy_both_backends():
    scipy_fft = pytest.importorskip("scipy.fft")
    x = torch.rand(2, 7, 10, dtype=torch.float64)
    ref = torch.as_tensor(scipy_fft.dctn(x.numpy(), type=2, axes=(-2, -1))) / 4
    torch.testing.assert_close(dct2(x), ref)
    torch.testing.assert_close(_dct2_torch(x), ref)
    torch.testing.assert_close(_idct2_torch(ref), x)
    torch.testing.assert_close(idct2(ref), x)


def test_unwrap_least_squares_exact_on_smooth_surface(device):
    phi = _surface().to(device)
    psi = wrap_phase(phi)
    out = unwrap_least_squares(psi)
    assert out.device == psi.device
    assert _err(out, phi) < 1e-9
    raw = unwrap_least_squares(psi, congruent=False)  # the LS solution itself
    assert _err(raw, phi) < 1e-9


def test_unwrap_least_squares_congruent_with_data():
    g = torch.Generator().manual_seed(0)
    psi = wrap_phase(_surface() + 0.8 * torch.randn(64, 64, generator=g, dtype=torch.float64))
    out = unwrap_least_squares(psi)
    k = (out - psi) / (2 * math.pi)
    torch.testing.assert_close(k, k.round(), rtol=0, atol=1e-9)


def test_unwrap_least_squares_batched_equals_loop():
    psi = wrap_phase(torch.stack([_surface(32, 8.0), _surface(32, -5.0)]))
    out = unwrap_least_squares(psi)
    torch.testing.assert_close(out[1], unwrap_least_squares(psi[1]))


def test_unwrap_least_squares_agrees_with_skimage():
    restoration = pytest.importorskip("skimage.restoration")
    phi = _surface(96, 20.0)
    psi = wrap_phase(phi)
    ours = unwrap_least_squares(psi)
    theirs = torch.as_tensor(restoration.unwrap_phase(psi.numpy()))
    assert _err(ours, theirs) < 1e-9


def test_unwrap_quality_guided_exact_on_smooth_surface():
    phi = _surface(48, 10.0)
    out = unwrap_quality_guided(wrap_phase(phi).float())
    assert out.dtype == torch.float32
    assert _err(out.double(), phi) < 1e-4


def test_unwrap_quality_guided_goes_around_a_cut_least_squares_smears_it():
    phi, band = _cut_surface()
    psi = wrap_phase(phi)
    qg = unwrap_quality_guided(psi)
    ls = unwrap_least_squares(psi)
    assert _err(qg, phi, ~band) < 1e-9  # exact away from the crack
    assert _err(ls, phi, ~band) > 1.0  # the residues at the crack's end spread everywhere


def test_unwrap_quality_guided_uses_given_quality():
    phi, _ = _cut_surface(32)
    psi = wrap_phase(phi)
    quality = -phase_derivative_variance(psi)
    out = unwrap_quality_guided(psi, quality=quality)
    torch.testing.assert_close(out, unwrap_quality_guided(psi))
    with pytest.raises(ValueError, match="shape"):
        unwrap_quality_guided(psi, quality=quality[:-1])


def test_phase_derivative_variance_flags_noise_not_slope():
    ramp = wrap_phase(torch.arange(32, dtype=torch.float64).repeat(32, 1) * 2.5)
    assert float(phase_derivative_variance(ramp).max()) < 1e-9
    g = torch.Generator().manual_seed(1)
    noisy = wrap_phase(ramp + torch.randn(32, 32, generator=g, dtype=torch.float64))
    assert float(phase_derivative_variance(noisy).mean()) > 0.5
    with pytest.raises(ValueError, match="odd"):
        phase_derivative_variance(ramp, size=2)


@pytest.mark.parametrize("fn", [unwrap_least_squares, unwrap_quality_guided, unwrap_itoh])
def test_unwrappers_reject_bad_input(fn):
    with pytest.raises(TypeError, match="real"):
        fn(torch.zeros(8, 8, dtype=torch.complex64))
    with pytest.raises(ValueError, match="finite"):
        fn(torch.full((8, 8), float("nan")))
    with pytest.raises(TypeError, match="Tensor"):
        fn(np.zeros((8, 8)))
