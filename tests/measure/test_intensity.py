"""Intensity detection and detector noise."""

import math

import pytest
import torch

from prcore.measure.intensity import (
    Intensity,
    IntensityMeasurement,
    gaussian_noise,
    intensity,
    poisson_noise,
)
from prcore.measure.propagation import FreeSpacePropagation
from prcore.optics.propagation import angular_spectrum

LAM, DX = 633e-9, 2e-6


def _field(shape, seed=0, dtype=torch.complex128):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, dtype=torch.complex128, generator=g).to(dtype)


def test_intensity_known_value(device):
    u = torch.tensor([3 + 4j, 1j, 0], dtype=torch.complex64, device=device)
    out = intensity(u)
    assert out.dtype == torch.float32 and out.device.type == device.type
    assert out.tolist() == [25.0, 1.0, 0.0]
    torch.testing.assert_close(Intensity()(u), out)


def test_intensity_measurement_equals_propagated_intensity():
    op = IntensityMeasurement(FreeSpacePropagation((16, 16), 1e-4, LAM, DX, dtype=torch.complex128))
    x = _field((2, 16, 16))
    ref = angular_spectrum(x, 1e-4, LAM, DX).abs() ** 2
    y = op(x)
    assert y.dtype == torch.float64
    torch.testing.assert_close(y, ref, rtol=1e-12, atol=1e-12)
    # global phase is invisible; a different field is not
    torch.testing.assert_close(op(x * (0.6 + 0.8j)), y, rtol=1e-12, atol=1e-12)
    assert float((op(x.conj()) - y).abs().max()) > 1e-3


def test_intensity_measurement_rejects_nonlinear_inner():
    with pytest.raises(TypeError, match="^linear"):
        IntensityMeasurement(Intensity())


def test_intensity_rejects_real_or_nonfinite():
    with pytest.raises(TypeError, match="^field"):
        intensity(torch.ones(2, 2))
    with pytest.raises(ValueError, match="^field"):
        intensity(torch.full((2, 2), complex("nan+0j")))


def test_poisson_noise_mean_and_variance():
    # counts ~ Poisson(photons I): mean I, variance I / photons
    photons = 100.0
    levels = torch.tensor([0.5, 2.0, 8.0], dtype=torch.float64)
    img = levels.reshape(3, 1, 1).expand(3, 200, 200).contiguous()
    y = poisson_noise(img, photons, rng=0)
    n = 200 * 200
    for k, level in enumerate(levels.tolist()):
        m, v = float(y[k].mean()), float(y[k].var())
        assert abs(m - level) < 5 * math.sqrt(level / photons / n)
        assert v == pytest.approx(level / photons, rel=0.05)
    # quantised to multiples of 1 / photons, non-negative
    assert bool(((y * photons) - (y * photons).round()).abs().max() < 1e-9)
    assert bool((y >= 0).all())


def test_poisson_noise_dtype_device_and_zero(device):
    img = torch.zeros(4, 4, device=device)
    y = poisson_noise(img, 10.0, rng=1)
    assert y.dtype == torch.float32 and y.device.type == device.type
    assert bool((y == 0).all())


def test_gaussian_noise_std_and_clip():
    img = torch.full((300, 300), 0.2, dtype=torch.float64)
    y = gaussian_noise(img, 0.1, rng=0)
    assert float(y.std()) == pytest.approx(0.1, rel=0.02)
    assert float(y.mean()) == pytest.approx(0.2, abs=0.002)
    assert y.dtype == torch.float64
    yc = gaussian_noise(img, 0.1, rng=0, clip=True)
    assert float(yc.min()) == 0.0 and float(y.min()) < 0
    torch.testing.assert_close(gaussian_noise(img, 0.0, rng=3), img)


@pytest.mark.parametrize("noise", [lambda i, r: poisson_noise(i, 50.0, rng=r),
                                   lambda i, r: gaussian_noise(i, 0.1, rng=r)])
def test_noise_deterministic_with_seed(noise):
    img = torch.rand(32, 32, generator=torch.Generator().manual_seed(0))
    a, b, c = noise(img, 7), noise(img, 7), noise(img, 8)
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert not torch.equal(a, c)
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    torch.testing.assert_close(noise(img, g1), noise(img, g2), rtol=0, atol=0)


@pytest.mark.parametrize(
    "fn, exc, name",
    [
        (lambda: poisson_noise(torch.tensor([[1.0, -0.1]]), 10.0), ValueError, "intensity"),
        (lambda: poisson_noise(torch.tensor([[1.0, float("nan")]]), 10.0), ValueError, "intensity"),
        (lambda: poisson_noise(torch.ones(2, 2, dtype=torch.complex64), 10.0), TypeError,
         "intensity"),
        (lambda: poisson_noise(torch.ones(2, 2), 0.0), ValueError, "photons"),
        (lambda: poisson_noise(torch.ones(2, 2), 10.0, rng="seed"), TypeError, "rng"),
        (lambda: gaussian_noise(torch.ones(2, 2), -0.1), ValueError, "sigma"),
        (lambda: gaussian_noise(torch.ones(2, 2, dtype=torch.int64), 0.1), TypeError, "intensity"),
    ],
)
def test_noise_rejects_bad_input(fn, exc, name):
    with pytest.raises(exc, match=rf"^{name}\b"):
        fn()
