"""Tests for prcore.recover.fourier_ptychography."""

import pytest
import torch

from prcore.measure.fourier_ptychography import (
    circular_pupil,
    fp_intensity,
    grating_chart,
    led_array,
    led_shifts,
)
from prcore.recover.fourier_ptychography import (
    fp_recover,
    grating_modulation,
    resolved_period,
    upsample_image,
)
from prcore.recover.ptychography import object_error

LAM, DX, N, n = 500e-9, 0.5e-6, 64, 16
PERIODS = [N * DX / c for c in (4, 8, 12)]  # 8 um, 4 um, 2.67 um


def _setup(seed=0):
    g = torch.Generator().manual_seed(seed)
    amp = grating_chart((N, N), PERIODS, pixel_size=DX).to(torch.float64)
    phase = torch.nn.functional.avg_pool2d(torch.rand(1, 1, N + 7, N + 7, generator=g,
                                                      dtype=torch.float64), 8, 1)[0, 0]
    obj = torch.polar(amp, 2 * (phase - phase.mean()))
    freqs, na_ill = led_array(5, pitch=4e-3, height=80e-3, wavelength=LAM)
    shifts = led_shifts(freqs, (N, N), DX)
    pupil = circular_pupil((n, n), na=0.1, wavelength=LAM, pixel_size=DX * N / n,
                           dtype=torch.complex128)
    return obj, amp, shifts, pupil


def test_upsample_image_preserves_band_limited_image():
    img = torch.cos(2 * torch.pi * torch.arange(8, dtype=torch.float64) / 4).repeat(8, 1)
    up = upsample_image(img, (16, 16))
    torch.testing.assert_close(up[::2, ::2], img)


def test_fp_recover_beats_centre_image_and_resolves_beyond_objective():
    obj, amp, shifts, pupil = _setup()
    I = fp_intensity(obj, pupil, shifts)
    (rec, _), hist = fp_recover(I, shifts, pupil, (N, N), n_iter=15)
    centre = upsample_image(I[0].sqrt(), (N, N))
    m_rec = grating_modulation(rec.abs(), PERIODS, pixel_size=DX)
    m_centre = grating_modulation(centre, PERIODS, pixel_size=DX)
    # the objective (cutoff period lambda/NA = 5 um) resolves only the 8 um grating
    assert resolved_period(m_centre, PERIODS, threshold=0.2) == pytest.approx(8e-6)
    assert resolved_period(m_rec, PERIODS, threshold=0.2) == pytest.approx(N * DX / 12)
    err_rec = float(object_error(rec, obj))
    assert err_rec < 0.1
    assert err_rec < 0.5 * float(object_error(centre.to(torch.complex128), obj))
    assert hist["error"][-1] < 1e-2 * hist["error"][0]


def test_fp_recover_pupil_update_reduces_aberration_error():
    obj, _, shifts, pupil = _setup(1)
    fy = torch.fft.fftshift(torch.fft.fftfreq(n, dtype=torch.float64))
    aberr = torch.exp(1j * 1.0 * ((fy[:, None] ** 2 + fy[None, :] ** 2) / 0.4 ** 2))
    I = fp_intensity(obj, pupil * aberr, shifts)
    (rec_fixed, _), _ = fp_recover(I, shifts, pupil, (N, N), n_iter=30)
    (rec, p), _ = fp_recover(I, shifts, pupil, (N, N), n_iter=30, update_pupil=True)
    assert float(object_error(rec, obj)) < 0.85 * float(object_error(rec_fixed, obj))
    assert float(p[0, 0].abs()) == 0  # the pupil stays inside the objective's NA


def test_fp_recover_rejects_bad_input():
    _, _, shifts, pupil = _setup()
    I = torch.ones(len(shifts), n, n)
    with pytest.raises(ValueError, match="non-negative"):
        fp_recover(-I, shifts, pupil, (N, N), n_iter=1)
    with pytest.raises(ValueError, match="pupil"):
        fp_recover(I, shifts, pupil[:8], (N, N), n_iter=1)
    with pytest.raises(ValueError, match="rows"):
        fp_recover(I[:3], shifts, pupil, (N, N), n_iter=1)
    with pytest.raises(TypeError, match="complex"):
        fp_recover(I, shifts, pupil.real, (N, N), n_iter=1)
