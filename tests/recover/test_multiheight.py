"""Tests for prcore.recover.multiheight: multi-distance Gerchberg–Saxton."""

import pytest
import torch

from prcore.metrics import phase_rmse
from prcore.optics import angular_spectrum
from prcore.recover.multiheight import multi_height

WL, PX = 532e-9, 2e-6



def _phase_object(n=64, device="cpu"):
    y, x = torch.meshgrid(torch.arange(n, dtype=torch.float64),
                          torch.arange(n, dtype=torch.float64), indexing="ij")
    c = n / 2
    phase = (1.5 * torch.exp(-((y - c) ** 2 + (x - 0.8 * c) ** 2) / (0.02 * n * n))
             + 0.8 * torch.exp(-((y - 0.6 * c) ** 2 + (x - 1.3 * c) ** 2) / (0.005 * n * n)))
    return torch.polar(torch.ones_like(phase), phase).to(device), phase.to(device)


def _stack(u, zs, bandlimit=True):
    return torch.stack([angular_spectrum(u, z, WL, PX, bandlimit=bandlimit).abs() ** 2
                        for z in zs], dim=-3)


ZS = [0.4e-3, 0.8e-3, 1.2e-3, 1.6e-3, 2.0e-3]


def test_multi_height_recovers_phase_object_with_enough_planes(device):
    u, phase = _phase_object(device=device)
    est, hist = multi_height(_stack(u, ZS), ZS, wavelength=WL, pixel_size=PX, n_iter=150)
    assert est.device.type == device.type and est.dtype == torch.complex128
    assert float(phase_rmse(est.angle(), phase)) < 0.05
    assert float(hist["error"][-1]) < 0.2 * float(hist["error"][0])


def test_multi_height_more_planes_lower_error():
    u, phase = _phase_object()
    errs = []
    for n in (1, 2, 5):
        est, _ = multi_height(_stack(u, ZS[:n]), ZS[:n], wavelength=WL, pixel_size=PX, n_iter=60)
        errs.append(float(phase_rmse(est.angle(), phase)))
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 0.5 * errs[0]


def test_multi_height_exact_field_is_a_fixed_point():
    # without the band limit (distances below N dx^2 / wavelength = 0.24 mm) the ASM is
    # unitary and composes exactly, so the true field satisfies every plane
    u, _ = _phase_object(n=32)
    zs = [0.05e-3, 0.1e-3, 0.15e-3]
    est, hist = multi_height(_stack(u, zs, bandlimit=False), zs, u.clone(), wavelength=WL,
                             pixel_size=PX, n_iter=3, bandlimit=False)
    assert float(hist["error"].max()) < 1e-10
    torch.testing.assert_close(est, u)


def test_multi_height_batched_equals_loop():
    u, _ = _phase_object(n=32)
    v = u.conj().roll(5, -1)
    zs = ZS[:3]
    I = torch.stack([_stack(u, zs), _stack(v, zs)])
    eb, hb = multi_height(I, zs, wavelength=WL, pixel_size=PX, n_iter=5)
    assert hb["error"].shape == (5, 2)
    for k in range(2):
        ek, hk = multi_height(I[k], zs, wavelength=WL, pixel_size=PX, n_iter=5)
        torch.testing.assert_close(eb[k], ek)
        torch.testing.assert_close(hb["error"][:, k], hk["error"])


def test_multi_height_rejects_bad_input():
    u, _ = _phase_object(n=16)
    zs = ZS[:2]
    stack = _stack(u, zs)
    bad = stack.clone()
    bad[0, 0, 0] = -1.0
    with pytest.raises(ValueError, match="non-negative"):
        multi_height(bad, zs, wavelength=WL, pixel_size=PX, n_iter=2)
    with pytest.raises(ValueError, match="2 distances"):
        multi_height(stack, ZS[:3], wavelength=WL, pixel_size=PX, n_iter=2)
    with pytest.raises(ValueError, match="finite"):
        multi_height(stack, [1e-3, float("nan")], wavelength=WL, pixel_size=PX, n_iter=2)
    with pytest.raises(ValueError, match="wavelength"):
        multi_height(stack, zs, wavelength=-1.0, pixel_size=PX, n_iter=2)
    with pytest.raises(ValueError, match="n_iter"):
        multi_height(stack, zs, wavelength=WL, pixel_size=PX, n_iter=0)
    with pytest.raises(TypeError):
        multi_height(stack.to(torch.complex128), zs, wavelength=WL, pixel_size=PX, n_iter=2)
    with pytest.raises(ValueError, match="at least 3"):
        multi_height(stack[0], zs[:1], wavelength=WL, pixel_size=PX, n_iter=2)
    with pytest.raises(ValueError, match="x0"):
        multi_height(stack, zs, u[:8, :8], wavelength=WL, pixel_size=PX, n_iter=2)
