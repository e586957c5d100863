import math

import pytest
import torch

from prcore.measure.wavefront import (
    camera_pixel_size,
    lenslet_gradients,
    lenslet_grid,
    shack_hartmann_spots,
)
from prcore.optics.propagation import SamplingWarning
from prcore.recover.shack_hartmann import spot_centroids

LAM, PX = 633e-9, 10e-6


def _tilted(n, gy, gx, dtype=torch.complex128):
    c = (torch.arange(n, dtype=torch.float64) - (n - 1) / 2) * PX
    phase = gy * c.reshape(n, 1) + gx * c.reshape(1, n)
    return torch.polar(torch.ones_like(phase), phase).to(dtype)


def test_shack_hartmann_spots_tilt_shifts_spots_by_f_theta(device):
    # a wavefront tilt theta moves every spot by f * theta
    p, k, f = 16, 48, 4e-3
    theta_x, theta_y = 1.2e-3, -0.5e-3
    u = _tilted(64, 2 * math.pi / LAM * theta_y, 2 * math.pi / LAM * theta_x).to(device)
    img = shack_hartmann_spots(u, LAM, PX, lenslet_pixels=p, focal_length=f, spot_pixels=k)
    assert img.shape == (4 * k, 4 * k) and img.device.type == device.type
    sy, sx = spot_centroids(img, spot_pixels=k, threshold=0.05)
    dcam = camera_pixel_size(PX, p, k)
    tol = dict(atol=0.03 * dcam, rtol=0)
    torch.testing.assert_close(sx * dcam, torch.full_like(sx, f * theta_x), **tol)
    torch.testing.assert_close(sy * dcam, torch.full_like(sy, f * theta_y), **tol)


def test_shack_hartmann_spots_flat_wavefront_is_centred_and_keeps_power():
    p, k = 16, 64
    u = torch.ones(32, 48, dtype=torch.complex128)
    # focal length chosen so the spot (lambda f / d wide) is small in the window
    img = shack_hartmann_spots(u, LAM, PX, lenslet_pixels=p, focal_length=3e-3, spot_pixels=k)
    sy, sx = spot_centroids(img, spot_pixels=k, threshold=0.0)
    assert float(sy.abs().max()) < 1e-9 and float(sx.abs().max()) < 1e-9
    power_in = p * p * PX**2  # per lenslet, |U| = 1
    windows = img.reshape(2, k, 3, k).sum(dim=(1, 3))
    assert bool(((windows / power_in) > 0.9).all()) and bool(((windows / power_in) < 1.001).all())


def test_shack_hartmann_spots_batched_equals_loop():
    u = torch.stack([_tilted(32, 1e3, 0.0), _tilted(32, 0.0, -2e3)])
    kw = dict(lenslet_pixels=8, focal_length=3e-3, spot_pixels=12)
    batched = shack_hartmann_spots(u, LAM, PX, **kw)
    for b in range(2):
        torch.testing.assert_close(batched[b], shack_hartmann_spots(u[b], LAM, PX, **kw))


def test_lenslet_gradients_of_linear_and_quadratic_phase():
    n = 64
    c = (torch.arange(n, dtype=torch.float64) - (n - 1) / 2) * PX
    gy, gx = lenslet_gradients((500.0 * c).reshape(1, n).expand(n, n), PX, lenslet_pixels=16)
    torch.testing.assert_close(gx, torch.full_like(gx, 500.0))
    assert float(gy.abs().max()) == 0.0
    # phi = a x^2: the mean slope over a lenslet is 2 a x at its centre
    a = 1e7
    gy, gx = lenslet_gradients((a * c**2).reshape(1, n).expand(n, n), PX, lenslet_pixels=16)
    centres = c.reshape(4, 16).mean(dim=1)
    torch.testing.assert_close(gx[0], 2 * a * centres)


def test_shack_hartmann_spots_gradcheck_wrt_phase():
    phase = 0.1 * torch.randn(8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    phase.requires_grad_(True)

    def fn(ph):
        return shack_hartmann_spots(torch.polar(torch.ones_like(ph), ph), LAM, PX, lenslet_pixels=4,
                                    focal_length=2e-3, spot_pixels=5)

    assert torch.autograd.gradcheck(fn, (phase,))


def test_shack_hartmann_spots_rejects_bad_input():
    u = torch.ones(30, 32, dtype=torch.complex64)
    with pytest.raises(ValueError, match="multiples"):
        shack_hartmann_spots(u, LAM, PX, lenslet_pixels=16, focal_length=1e-3)
    u = torch.ones(32, 32, dtype=torch.complex64)
    with pytest.raises(TypeError, match="complex"):
        shack_hartmann_spots(u.real, LAM, PX, lenslet_pixels=16, focal_length=1e-3)
    with pytest.raises(ValueError, match="focal_length"):
        shack_hartmann_spots(u, LAM, PX, lenslet_pixels=16, focal_length=0.0)
    with pytest.raises(ValueError, match="spot_pixels"):
        shack_hartmann_spots(u, LAM, PX, lenslet_pixels=16, focal_length=1e-3, spot_pixels=0)
    with pytest.raises(ValueError, match="lenslet_pixels"):
        lenslet_grid((32, 32), 2.5)
    with pytest.warns(SamplingWarning, match="focal_length"):
        shack_hartmann_spots(u, LAM, PX, lenslet_pixels=16, focal_length=1e-3)
    with pytest.raises(ValueError, match="square"):
        camera_pixel_size((1e-6, 2e-6), 4, 4)
