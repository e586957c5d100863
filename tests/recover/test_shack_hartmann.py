import math

import pytest
import torch

from prcore.measure.wavefront import lenslet_gradients, shack_hartmann_spots
from prcore.optics.zernike import zernike_basis
from prcore.recover.shack_hartmann import (
    centroid_gradients,
    lenslet_to_pupil,
    modal_reconstruct,
    southwell_matrix,
    spot_centroids,
    zernike_gradients,
    zonal_reconstruct,
)

LAM, PX = 633e-9, 10e-6


def _sensor(phase, p, k, f):
    u = torch.polar(torch.ones_like(phase), phase)
    img = shack_hartmann_spots(u, LAM, PX, lenslet_pixels=p, focal_length=f, spot_pixels=k)
    return centroid_gradients(img, LAM, PX, lenslet_pixels=p, focal_length=f, spot_pixels=k)


def test_spot_centroids_threshold_removes_background_bias():
    img = torch.full((16, 16), 0.05, dtype=torch.float64)
    img[3, 12] = 1.0
    sy0, sx0 = spot_centroids(img, spot_pixels=16, threshold=0.0)
    sy, sx = spot_centroids(img, spot_pixels=16, threshold=0.1)
    assert (float(sy[0, 0]), float(sx[0, 0])) == (3 - 7.5, 12 - 7.5)
    assert abs(float(sx0[0, 0])) < 1.0  # the background pulls the plain centroid to the centre


def test_centroid_gradients_pure_tilt():
    n, g = 64, 4e4  # rad/m: a 2-pixel spot shift here
    c = (torch.arange(n, dtype=torch.float64) - (n - 1) / 2) * PX
    gy, gx = _sensor((g * c).reshape(n, 1).expand(n, n), 16, 32, 5e-3)
    torch.testing.assert_close(gy, torch.full_like(gy, g), rtol=0.01, atol=0)
    assert float(gx.abs().max()) < 1e-6 * g


def test_zonal_reconstruct_matches_southwell_pseudo_inverse():
    g = torch.Generator().manual_seed(3)
    gy = torch.randn(2, 5, 6, generator=g, dtype=torch.float64)
    gx = torch.randn(2, 5, 6, generator=g, dtype=torch.float64)
    A, Gy, Gx = southwell_matrix(5, 6, 0.25)
    rhs = Gy @ gy.reshape(2, -1).T + Gx @ gx.reshape(2, -1).T
    ref = (torch.linalg.pinv(A) @ rhs).T.reshape(2, 5, 6)
    torch.testing.assert_close(zonal_reconstruct(gy, gx, 0.25), ref)


def test_zonal_reconstruct_defocus_from_spots():
    n, p = 128, 16
    basis = zernike_basis(1, (n, n), start=4, radius=n / 2 * math.sqrt(2))[0]
    phase = 3.0 * basis
    gy, gx = _sensor(phase, p, 32, 8e-3)
    rec = lenslet_to_pupil(zonal_reconstruct(gy, gx, p * PX), p)
    truth = phase[p // 2::p, p // 2::p]  # values near the lenslet centres
    rec_c = rec[p // 2::p, p // 2::p]
    err = (rec_c - rec_c.mean()) - (truth - truth.mean())
    assert float(err.abs().max()) < 0.05 * float(truth.max() - truth.min())


def test_modal_reconstruct_recovers_defocus_coefficient_from_spots():
    n, p = 128, 16
    basis, _, _ = zernike_gradients(10, (n, n), PX, lenslet_pixels=p)
    phase = 2.5 * basis[2] - 0.8 * basis[4]  # Noll 4 (defocus) and 6 (astigmatism)
    gy, gx = _sensor(phase, p, 32, 8e-3)
    coef, rec = modal_reconstruct(gy, gx, PX, lenslet_pixels=p, n_modes=10)
    assert abs(float(coef[2]) - 2.5) < 0.05 and abs(float(coef[4]) + 0.8) < 0.05
    others = torch.cat([coef[:2], coef[3:4], coef[5:]])
    assert float(others.abs().max()) < 0.05
    assert rec.shape == (n, n)


def test_zonal_error_decreases_with_lenslet_count():
    n = 128
    g = torch.Generator().manual_seed(0)
    basis = zernike_basis(20, (n, n), start=2, radius=n / 2 * math.sqrt(2))
    phase = torch.einsum("j,jhw->hw", torch.randn(20, generator=g, dtype=torch.float64), basis)
    errors = []
    for p in (32, 8):  # 4x4 and 16x16 lenslets; ideal slopes isolate the sampling effect
        gy, gx = lenslet_gradients(phase, PX, lenslet_pixels=p)
        rec = lenslet_to_pupil(zonal_reconstruct(gy, gx, p * PX), p)
        e = rec - phase
        errors.append(float((e - e.mean()).pow(2).mean().sqrt()))
    assert errors[1] < 0.25 * errors[0]


def test_zonal_reconstruct_gradcheck():
    g = torch.Generator().manual_seed(1)
    gy = torch.randn(3, 4, dtype=torch.float64, generator=g, requires_grad=True)
    gx = torch.randn(3, 4, dtype=torch.float64, generator=g, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: zonal_reconstruct(a, b, 0.1), (gy, gx))


def test_shack_hartmann_reconstruction_rejects_bad_input():
    with pytest.raises(ValueError, match="threshold"):
        spot_centroids(torch.ones(8, 8), spot_pixels=8, threshold=1.0)
    with pytest.raises(ValueError, match="multiples"):
        spot_centroids(torch.ones(8, 9), spot_pixels=8)
    with pytest.raises(ValueError, match="gx"):
        zonal_reconstruct(torch.ones(4, 4), torch.ones(4, 5), 1e-4)
    with pytest.raises(ValueError, match="pitch"):
        zonal_reconstruct(torch.ones(4, 4), torch.ones(4, 4), 0.0)
    with pytest.raises(ValueError, match="n_modes"):
        modal_reconstruct(torch.ones(2, 2), torch.ones(2, 2), PX, lenslet_pixels=4, n_modes=9)
    with pytest.raises(ValueError, match="basis"):
        modal_reconstruct(torch.ones(2, 2), torch.ones(2, 2), PX, lenslet_pixels=4,
                          basis=torch.ones(3, 4, 4))
    with pytest.raises(ValueError, match="mode"):
        lenslet_to_pupil(torch.ones(2, 2), 4, mode="spline")


def test_lenslet_to_pupil_keeps_constants_and_interior_ramps():
    const = lenslet_to_pupil(torch.full((3, 4), 2.0, dtype=torch.float64), 5)
    torch.testing.assert_close(const, torch.full((15, 20), 2.0, dtype=torch.float64))
    ramp = torch.arange(6, dtype=torch.float64).reshape(1, 6).expand(6, 6)  # value = lenslet index
    up = lenslet_to_pupil(ramp, 4, mode="bilinear")
    # pupil sample positions in lenslet units
    centres = (torch.arange(24, dtype=torch.float64) + 0.5) / 4 - 0.5
    inner = slice(2, 22)
    torch.testing.assert_close(up[0, inner], centres[inner])


def test_zernike_gradients_of_tilt_are_uniform():
    n, p = 32, 8
    # Noll 2 (x tilt) and 3 (y tilt)
    basis, gy, gx = zernike_gradients(2, (n, n), PX, lenslet_pixels=p)
    assert float(gx[0].std()) < 1e-9 * float(gx[0].abs().mean())
    assert float(gy[0].abs().max()) < 1e-9 * float(gx[0].abs().mean())
    assert float(gy[1].std()) < 1e-9 * float(gy[1].abs().mean())
