"""Tests for prcore.measure.fourier_ptychography."""

import math

import pytest
import torch

from prcore.measure.fourier_ptychography import (
    FourierPtychography,
    circular_pupil,
    fp_fields,
    fp_intensity,
    grating_chart,
    led_array,
    led_shifts,
    spectrum_windows,
    synthetic_na,
)
from prcore.measure.operator import linear_examples
from prcore.testing import assert_adjoint, assert_close


def _obj(n=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, n, dtype=torch.complex128, generator=g)


def test_led_array_geometry_known_values():
    freqs, na = led_array(3, pitch=3e-3, height=40e-3, wavelength=600e-9)
    assert na[0] == 0 and freqs.shape == (9, 2)
    # an edge LED (3 mm off axis, 40 mm below): sin(theta) = 3 / sqrt(9 + 1600)
    assert float(na[1]) == pytest.approx(3 / math.sqrt(1609))
    assert torch.all(na[1:] >= na[:-1])
    assert synthetic_na(0.1, na) == pytest.approx(0.1 + 3 * math.sqrt(2) / math.sqrt(18 + 1600))


def test_led_shifts_rounds_to_spectrum_samples():
    shifts = led_shifts(torch.tensor([[2.1e4, -4.9e4]], dtype=torch.float64), (100, 100), 1e-6)
    assert shifts.tolist() == [[2, -5]]


def test_circular_pupil_area_matches_disc():
    p = circular_pupil((64, 64), na=0.2, wavelength=500e-9, pixel_size=1e-6)
    radius = 0.2 / 500e-9 * 64e-6  # in frequency samples
    assert float(p.real.sum()) == pytest.approx(math.pi * radius**2, rel=0.05)


def test_fp_linear_adjoint_registered(device):
    op, shape = linear_examples()["FourierPtychographyLinear"](torch.complex128, device)
    assert_adjoint(op, shape, device=device)


def test_fp_intensity_unit_object_bright_and_dark_field():
    obj = torch.ones(32, 32, dtype=torch.complex128)
    pupil = circular_pupil((8, 8), na=0.1, wavelength=500e-9, pixel_size=4e-6,
                           dtype=torch.complex128)
    I = fp_intensity(obj, pupil, torch.tensor([[0, 0], [1, 0], [0, 5]]))
    assert_close(I[0], torch.ones(8, 8, dtype=torch.float64))
    assert_close(I[1], torch.ones(8, 8, dtype=torch.float64))  # DC still inside the pupil
    assert float(I[2].max()) < 1e-20  # DC outside the pupil: dark field of a blank slide


def test_fp_intensity_full_pupil_is_parseval():
    """A pupil that passes its whole window keeps the window's energy (scaled by c^2 HW/hw)."""
    obj = _obj()
    pupil = torch.ones(8, 8, dtype=torch.complex128)
    shifts = torch.tensor([[0, 0], [3, -2]])
    I = fp_intensity(obj, pupil, shifts)
    spec = torch.fft.fftshift(torch.fft.fft2(obj))
    for k, (sy, sx) in enumerate(shifts.tolist()):
        win = spec[16 + sy - 4:16 + sy + 4, 16 + sx - 4:16 + sx + 4]
        expected = (win.abs() ** 2).sum() / (8 * 8) * (64 / 1024) ** 2
        assert float(I[k].sum()) == pytest.approx(float(expected), rel=1e-10)


def test_fp_intensity_low_pass_removes_fine_grating():
    """A coherent imager of NA passes a grating only if 1/p <= NA / lambda."""
    dx, lam = 0.5e-6, 500e-9
    periods = [64e-6 / 8, 64e-6 / 24]  # 8 um (passes NA 0.1), 2.67 um (does not)
    amp = grating_chart((128, 128), periods, pixel_size=dx).to(torch.complex128)
    pupil = circular_pupil((32, 32), na=0.1, wavelength=lam, pixel_size=2e-6,
                           dtype=torch.complex128)
    img = fp_intensity(amp, pupil, torch.tensor([[0, 0]]))[0].sqrt()
    coarse, fine = img[4:12].std(dim=-1).mean(), img[20:28].std(dim=-1).mean()
    assert float(coarse) > 0.25 and float(fine) < 0.02  # residue: ringing from the band edge


def test_fp_batched_equals_loop():
    objs = torch.stack([_obj(seed=1), _obj(seed=2)])
    pupil = circular_pupil((8, 8), na=0.1, wavelength=500e-9, pixel_size=4e-6,
                           dtype=torch.complex128)
    shifts = torch.tensor([[0, 0], [2, 2]])
    out = fp_fields(objs, pupil, shifts)
    for i in range(2):
        assert_close(out[i], fp_fields(objs[i], pupil, shifts))
    assert FourierPtychography(pupil, shifts, (32, 32))(objs).shape == (2, 2, 8, 8)


def test_fp_rejects_bad_input():
    pupil = circular_pupil((8, 8), na=0.1, wavelength=500e-9, pixel_size=4e-6)
    with pytest.raises(ValueError, match="finer object pixel_size"):
        spectrum_windows(torch.tensor([[0, 13]]), (32, 32), (8, 8))
    with pytest.raises(TypeError, match="complex"):
        fp_intensity(torch.ones(32, 32), pupil, torch.tensor([[0, 0]]))
    with pytest.raises(ValueError, match="n_side"):
        led_array(0, pitch=1e-3, height=1e-2, wavelength=5e-7)
    with pytest.raises(ValueError, match="contrast"):
        grating_chart((8, 8), [4e-6], pixel_size=1e-6, contrast=0.7)


def test_fp_intensity_gradcheck():
    g = torch.Generator().manual_seed(5)
    obj = torch.randn(8, 8, dtype=torch.complex128, generator=g).requires_grad_()
    pupil = torch.randn(4, 4, dtype=torch.complex128, generator=g).requires_grad_()
    shifts = torch.tensor([[0, 0], [1, -1]])
    assert torch.autograd.gradcheck(lambda o, p: fp_intensity(o, p, shifts), (obj, pupil))
