"""Tests of prcore.measure.holography: phase-shifted and off-axis hologram formation."""

import math
import warnings

import pytest
import torch

from prcore.measure.holography import (
    CarrierWarning,
    as_phase_shifts,
    carrier_from_angle,
    check_carrier,
    off_axis_hologram,
    phase_shifted_holograms,
    reference_wave,
    sensor_field,
)
from prcore.optics.propagation import angular_spectrum

QUARTER = [0.0, math.pi / 2, math.pi, 3 * math.pi / 2]
THIRDS = [0.0, 2 * math.pi / 3, 4 * math.pi / 3]


def _field(shape=(16, 16), dtype=torch.complex128, seed=0, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    amp = 0.5 + 0.5 * torch.rand(shape, generator=g, dtype=torch.float64)
    ph = 2 * math.pi * torch.rand(shape, generator=g, dtype=torch.float64)
    return torch.polar(amp, ph).to(dtype).to(device)


def test_phase_shifted_holograms_zero_object_is_reference_intensity(device):
    u = torch.zeros(8, 8, dtype=torch.complex64, device=device)
    holo = phase_shifted_holograms(u, [0, 1, 2], reference_amplitude=1.5)
    assert holo.shape == (3, 8, 8)
    assert holo.device == u.device and holo.dtype == torch.float32
    torch.testing.assert_close(holo, torch.full_like(holo, 2.25))


def test_phase_shifted_holograms_fringe_visibility():
    # a uniform object wave s against reference r: the intensity swings between (r ± s)^2
    s, r = 0.4, 1.0
    u = torch.full((4, 4), s, dtype=torch.complex128)
    shifts = torch.linspace(0, 2 * math.pi, 65, dtype=torch.float64)[:-1]
    holo = phase_shifted_holograms(u, shifts, reference_amplitude=r)[:, 0, 0]
    vis = (holo.max() - holo.min()) / (holo.max() + holo.min())
    assert float(vis) == pytest.approx(2 * r * s / (r**2 + s**2), abs=1e-12)
    assert float(holo.max()) == pytest.approx((r + s) ** 2, abs=1e-12)


def test_phase_shifted_holograms_mean_is_background():
    u = _field()
    holo = phase_shifted_holograms(u, QUARTER, reference_amplitude=2.0)
    torch.testing.assert_close(holo.mean(0), u.abs() ** 2 + 4.0)


def test_phase_shifted_holograms_miscalibration_scales_shifts():
    u = _field()
    eps = 0.07
    a = phase_shifted_holograms(u, QUARTER, miscalibration=eps)
    b = phase_shifted_holograms(u, [d * (1 + eps) for d in QUARTER])
    torch.testing.assert_close(a, b)


def test_phase_shifted_holograms_propagates_to_sensor():
    u = _field((32, 32))
    holo = phase_shifted_holograms(u, QUARTER, distance=2e-4, wavelength=633e-9, pixel_size=2e-6)
    o = angular_spectrum(u, 2e-4, 633e-9, 2e-6)
    torch.testing.assert_close(holo[0], (o + 1).abs() ** 2)


def test_phase_shifted_holograms_batched_equals_loop():
    u = torch.stack([_field(seed=1), _field(seed=2)])
    holo = phase_shifted_holograms(u, QUARTER)
    assert holo.shape == (2, 4, 16, 16)
    torch.testing.assert_close(holo[1], phase_shifted_holograms(u[1], QUARTER))


def test_phase_shifted_holograms_rejects_bad_shifts():
    u = _field()
    with pytest.raises(ValueError, match="at least 3"):
        phase_shifted_holograms(u, [0.0, math.pi])
    with pytest.raises(ValueError, match="distinct"):
        phase_shifted_holograms(u, [0.0, 1.0, 2 * math.pi])
    with pytest.raises(ValueError, match="1-D"):
        as_phase_shifts([[0.0, 1.0, 2.0]])
    with pytest.raises(TypeError, match="complex"):
        phase_shifted_holograms(u.real, QUARTER)
    with pytest.raises(ValueError, match="wavelength"):
        phase_shifted_holograms(u, QUARTER, distance=1e-3)
    with pytest.raises(ValueError, match="reference_amplitude"):
        phase_shifted_holograms(u, QUARTER, reference_amplitude=0.0)


def test_sensor_field_zero_distance_is_identity():
    u = _field()
    assert sensor_field(u, distance=0.0, wavelength=None, pixel_size=1e-6) is u


def test_off_axis_hologram_zero_object_is_reference_intensity(device):
    u = torch.zeros(8, 8, dtype=torch.complex64, device=device)
    holo = off_axis_hologram(u, (0.1, 0.2), pixel_size=1.0, reference_amplitude=2.0)
    torch.testing.assert_close(holo, torch.full_like(holo, 4.0))


def test_off_axis_hologram_plane_wave_fringes_at_carrier():
    n = 64
    u = torch.full((n, n), 0.5, dtype=torch.complex128)
    carrier = (5 / n, 12 / n)  # cycles per pixel, on FFT bins
    holo = off_axis_hologram(u, carrier, pixel_size=1.0)
    spec = torch.fft.fft2(holo - holo.mean()).abs()
    peaks = {divmod(int(i), n) for i in torch.topk(spec.flatten(), 2).indices}
    assert peaks == {(5, 12), (n - 5, n - 12)}
    # visibility of the fringes: 2 r s / (r^2 + s^2)
    vis = (holo.max() - holo.min()) / (holo.max() + holo.min())
    assert float(vis) == pytest.approx(2 * 0.5 / 1.25, abs=1e-9)


def test_off_axis_hologram_object_term_sits_at_plus_carrier():
    n = 32
    u = torch.full((n, n), 1.0, dtype=torch.complex128)
    holo = off_axis_hologram(u, (0.0, 4 / n), pixel_size=1.0)
    ref = reference_wave((n, n), (0.0, 4 / n), pixel_size=1.0, dtype=torch.complex128)
    cross = torch.fft.fft2(u * ref.conj())
    assert int(torch.argmax(cross.abs())) == 4  # bin (0, +4)
    torch.testing.assert_close(holo, (u + ref).abs() ** 2)


def test_off_axis_hologram_rejects_carrier_beyond_nyquist():
    u = torch.ones(16, 16, dtype=torch.complex64)
    with pytest.raises(ValueError, match="Nyquist"):
        off_axis_hologram(u, (0.0, 0.6), pixel_size=1.0)
    with pytest.raises(ValueError, match="largest reference angle"):
        off_axis_hologram(u, carrier_from_angle((0.3, 0.0), 500e-9), pixel_size=2e-6,
                          wavelength=500e-9)
    with pytest.raises(ValueError, match="non-zero"):
        off_axis_hologram(u, (0.0, 0.0), pixel_size=1.0)


def test_check_carrier_warns_on_overlap_and_edge():
    with pytest.warns(CarrierWarning, match="overlaps the centre band"):
        check_carrier((0.0, 0.2), 1.0, radius=0.1)
    with pytest.warns(CarrierWarning, match="passes Nyquist"):
        check_carrier((0.0, 0.45), 1.0, radius=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_carrier((0.0, 0.3), 1.0, radius=0.1) == (0.0, 0.3)


def test_carrier_from_angle_known_values():
    fy, fx = carrier_from_angle((math.asin(0.1), 0.0), 633e-9)
    assert fy == pytest.approx(0.1 / 633e-9)
    assert fx == 0.0
    with pytest.raises(ValueError, match="pair"):
        carrier_from_angle(0.1, 633e-9)


def test_phase_shifted_holograms_gradcheck():
    u = _field((6, 6)).requires_grad_()
    torch.autograd.gradcheck(lambda f: phase_shifted_holograms(f, THIRDS, miscalibration=0.01),
                             (u,))
    z = torch.tensor(1e-4, dtype=torch.float64, requires_grad=True)
    torch.autograd.gradcheck(
        lambda d: phase_shifted_holograms(u.detach(), THIRDS, distance=d, wavelength=633e-9,
                                          pixel_size=2e-6),
        (z,), eps=1e-10, atol=1e-5)


def test_off_axis_hologram_gradcheck():
    u = _field((6, 6)).requires_grad_()
    torch.autograd.gradcheck(lambda f: off_axis_hologram(f, (0.2, 0.25), pixel_size=1.0), (u,))

