"""Sampling grids: frequencies, coordinates, critical distance, validation."""

import dataclasses
import math

import pytest
import torch

from prcore.optics.grid import Grid, coordinates, critical_distance, frequencies, pixel_pair


def test_frequencies_known_values():
    fy, fx = frequencies((4, 5), (2e-6, 1e-6))
    assert fy.shape == (4, 1) and fx.shape == (1, 5)
    # FFT order: 0, 1/(N d), ..., negative frequencies last; cycles per metre
    assert fy.flatten().tolist() == pytest.approx([0.0, 1.25e5, -2.5e5, -1.25e5])
    assert fx.flatten().tolist() == pytest.approx([0.0, 2e5, 4e5, -4e5, -2e5])


def test_frequencies_match_numpy_fftfreq():
    import numpy as np

    fy, fx = frequencies((7, 8), 3e-6)
    assert fx.flatten().numpy() == pytest.approx(np.fft.fftfreq(8, d=3e-6))
    assert fy.flatten().numpy() == pytest.approx(np.fft.fftfreq(7, d=3e-6))


def test_coordinates_known_values():
    y, x = coordinates((3, 4), (2.0, 0.5))
    # index H // 2 (W // 2) is the origin, matching fftshift
    assert y.flatten().tolist() == [-2.0, 0.0, 2.0]
    assert x.flatten().tolist() == [-1.0, -0.5, 0.0, 0.5]
    assert y.shape == (3, 1) and x.shape == (1, 4)


def test_coordinates_dtype_and_device_follow_arguments(device):
    y, x = coordinates((4, 4), 1e-6, device=device, dtype=torch.float32)
    fy, fx = frequencies((4, 4), 1e-6, device=device, dtype=torch.float32)
    for t in (y, x, fy, fx):
        assert t.dtype == torch.float32 and t.device.type == device.type


def test_grid_properties():
    g = Grid((256, 128), (2e-6, 4e-6), 500e-9)
    assert g.shape == (256, 128)
    assert g.pixel_yx == (2e-6, 4e-6)
    assert g.extent == pytest.approx((512e-6, 512e-6))
    assert g.k == pytest.approx(2 * math.pi / 500e-9)
    assert g.nyquist == pytest.approx((2.5e5, 1.25e5))
    # min over the axes of N d^2 / lambda: 256 * 4e-12 / 5e-7 = 2.048 mm vs 128 * 16e-12 / 5e-7
    assert g.critical_distance == pytest.approx(min(256 * 4e-12, 128 * 16e-12) / 500e-9)
    assert g.fresnel_number(1e-2) == pytest.approx((256e-6) ** 2 / (500e-9 * 1e-2))
    assert g.fresnel_number(-1e-2, aperture=1e-4) == pytest.approx(1e-8 / (500e-9 * 1e-2))
    fy, fx = g.frequencies()
    assert fy.shape == (256, 1) and fx.shape == (1, 128)
    assert float(fx[0, 1]) == pytest.approx(1 / (128 * 4e-6))
    y, x = g.coordinates()
    assert float(y[1, 0] - y[0, 0]) == pytest.approx(2e-6)


def test_grid_square_pixel_is_stored_as_scalar_and_frozen():
    g = Grid([64, 64], (1e-6, 1e-6), 633e-9)
    assert g.pixel_size == 1e-6 and g.shape == (64, 64)
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.wavelength = 1e-6


def test_critical_distance_known_value():
    assert critical_distance((100, 200), 1e-6, 1e-6) == pytest.approx(1e-4)
    assert critical_distance((64, 64), 2e-6, 500e-9) == pytest.approx(64 * 4e-12 / 500e-9)


def test_pixel_pair_accepts_scalar_and_pair():
    assert pixel_pair(2e-6) == (2e-6, 2e-6)
    assert pixel_pair((1e-6, 3e-6)) == (1e-6, 3e-6)


@pytest.mark.parametrize(
    "fn, exc, name",
    [
        (lambda: Grid((0, 4), 1e-6, 5e-7), ValueError, "shape"),
        (lambda: Grid((4,), 1e-6, 5e-7), ValueError, "shape"),
        (lambda: Grid((4, 4), -1e-6, 5e-7), ValueError, "pixel_size"),
        (lambda: Grid((4, 4), (1e-6, 2e-6, 3e-6), 5e-7), ValueError, "pixel_size"),
        (lambda: Grid((4, 4), 1e-6, 0.0), ValueError, "wavelength"),
        (lambda: Grid((4, 4), 1e-6, float("nan")), ValueError, "wavelength"),
        (lambda: Grid((4, 4), "1e-6", 5e-7), TypeError, "pixel_size"),
        (lambda: frequencies((4, 4), 0.0), ValueError, "pixel_size"),
        (lambda: coordinates((4, -1), 1e-6), ValueError, "shape"),
        (lambda: critical_distance((4, 4), 1e-6, -5e-7), ValueError, "wavelength"),
        (lambda: Grid((4, 4), 1e-6, 5e-7).fresnel_number(0.0), ValueError, "distance"),
    ],
)
def test_grid_rejects_bad_input(fn, exc, name):
    with pytest.raises(exc, match=rf"^{name}\b"):
        fn()


def test_critical_distance_ignores_singleton_axis():
    """A (1, W) field is 1-D: its critical distance is W dx^2 / lambda, not dx^2 / lambda."""
    assert critical_distance((1, 256), 2e-6, 500e-9) == pytest.approx(256 * 4e-12 / 500e-9)
    assert critical_distance((256, 1), 2e-6, 500e-9) == pytest.approx(256 * 4e-12 / 500e-9)
