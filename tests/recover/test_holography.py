"""Tests of prcore.recover.holography: phase-shifting and off-axis recovery."""

import math

import pytest
import torch

from prcore.measure.holography import (
    CarrierWarning,
    off_axis_hologram,
    phase_shifted_holograms,
)
from prcore.metrics import complex_rmse, wrap
from prcore.optics.propagation import angular_spectrum
from prcore.recover.holography import (
    find_sideband,
    off_axis,
    phase_shifting,
    phase_shifting_formula,
    spectrum_fraction,
)

QUARTER = [0.0, math.pi / 2, math.pi, 3 * math.pi / 2]
THIRDS = [0.0, 2 * math.pi / 3, 4 * math.pi / 3]


def _field(shape=(24, 24), seed=0, dtype=torch.complex128):
    g = torch.Generator().manual_seed(seed)
    amp = 0.5 + 0.5 * torch.rand(shape, generator=g, dtype=torch.float64)
    ph = 2 * math.pi * torch.rand(shape, generator=g, dtype=torch.float64)
    return torch.polar(amp, ph).to(dtype)


def _band_limited(n, bandwidth, seed=0):
    """1 + a complex perturbation whose spectrum is zero beyond ``bandwidth`` (cycles/px)."""
    g = torch.Generator().manual_seed(seed)
    f = torch.fft.fftfreq(n, dtype=torch.float64)
    inside = (f[:, None] ** 2 + f[None, :] ** 2) <= bandwidth**2
    spec = torch.randn(n, n, dtype=torch.complex128, generator=g) * inside
    pert = torch.fft.ifft2(spec)
    return 1.0 + 0.4 * pert / pert.abs().max()


@pytest.mark.parametrize("shifts, formula", [
    (THIRDS, "N-step"),
    (QUARTER, "N-step"),
    ([0.3, 0.3 + math.pi / 2, 0.3 + math.pi], "3-step-quarter"),
    ([0.0, 0.9, 2.0, 4.1, 5.0], "least-squares"),
])
def test_phase_shifting_exact_without_noise(shifts, formula):
    u = _field()
    holo = phase_shifted_holograms(u, shifts, reference_amplitude=1.3)
    assert phase_shifting_formula(shifts) == formula
    for method in ("auto", "lsq"):
        o = phase_shifting(holo, shifts, reference_amplitude=1.3, method=method)
        torch.testing.assert_close(o, u, rtol=0, atol=1e-12)


def test_phase_shifting_float32_device(device):
    u = _field().to(torch.complex64).to(device)
    o = phase_shifting(phase_shifted_holograms(u, QUARTER), QUARTER)
    assert o.dtype == torch.complex64 and o.device == u.device
    assert float((o - u).abs().max()) < 1e-5


def test_phase_shifting_back_propagates_to_sample():
    u = _band_limited(64, 0.2, seed=5)  # inside the band-limited ASM's pass band at this distance
    kw = dict(distance=5e-4, wavelength=633e-9, pixel_size=2e-6)
    holo = phase_shifted_holograms(u, QUARTER, **kw)
    o = phase_shifting(holo, QUARTER, **kw)
    torch.testing.assert_close(o, u, rtol=0, atol=1e-10)
    sensor = phase_shifting(holo, QUARTER)
    torch.testing.assert_close(sensor, angular_spectrum(u, 5e-4, 633e-9, 2e-6), rtol=0, atol=1e-12)


def test_phase_shifting_batched_equals_loop():
    u = torch.stack([_field(seed=3), _field(seed=4)])
    holo = phase_shifted_holograms(u, THIRDS)
    torch.testing.assert_close(phase_shifting(holo, THIRDS)[1], phase_shifting(holo[1], THIRDS))


def test_phase_shifting_four_step_miscalibration_known_first_order_error():
    # first-order theory for the 4-step formula with shifts k*pi/2*(1+eps):
    # dphi = -3*pi*eps/4 - (pi*eps/4) cos(2 phi): a ripple at twice the fringe frequency
    n, eps = 128, 1e-3
    phi = (2 * math.pi * 3 * torch.arange(n, dtype=torch.float64) / n).repeat(4, 1)
    u = torch.polar(torch.ones_like(phi), phi)
    o = phase_shifting(phase_shifted_holograms(u, QUARTER, miscalibration=eps), QUARTER)
    err = wrap(torch.angle(o) - phi)
    theory = -3 * math.pi * eps / 4 - math.pi * eps / 4 * torch.cos(2 * phi)
    assert float((err - theory).abs().max()) < 5 * eps**2


def test_phase_shifting_rejects_bad_input():
    u = _field()
    holo = phase_shifted_holograms(u, QUARTER)
    with pytest.raises(ValueError, match="non-negative"):
        phase_shifting(holo - 10.0, QUARTER)
    with pytest.raises(ValueError, match="at least 3"):
        phase_shifting(holo[:2], QUARTER[:2])
    with pytest.raises(ValueError, match="frames"):
        phase_shifting(holo[:3], QUARTER)
    with pytest.raises(ValueError, match="distinct"):
        phase_shifting(holo, [0.0, 1.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="method"):
        phase_shifting(holo, QUARTER, method="fast")
    with pytest.raises(TypeError, match="real"):
        phase_shifting(holo.to(torch.complex128), QUARTER)
    with pytest.raises(ValueError, match="dimensions"):
        phase_shifting(holo[0], QUARTER)


def test_find_sideband_subpixel():
    n = 128
    u = _band_limited(n, 0.05)
    carrier = (0.2137, -0.1871)
    holo = off_axis_hologram(u, carrier, pixel_size=1.0)
    fy, fx = find_sideband(holo, pixel_size=1.0)
    assert abs(fy - carrier[0]) < 0.25 / n and abs(fx - carrier[1]) < 0.25 / n
    # the twin is chosen when the hint points the other way
    ty, tx = find_sideband(holo, pixel_size=1.0, hint=(-1.0, 0.0))
    assert ty == pytest.approx(-fy) and tx == pytest.approx(-fx)


def test_off_axis_exact_for_band_limited_object():
    n, bw = 64, 0.06
    u = _band_limited(n, bw, seed=1)
    carrier = (12 / n, 14 / n)  # |f_c| = 0.29 >= 3 bw, sideband inside Nyquist
    holo = off_axis_hologram(u, carrier, pixel_size=1.0, reference_amplitude=2.0)
    o = off_axis(holo, pixel_size=1.0, carrier=carrier, radius=bw + 1e-9, reference_amplitude=2.0)
    torch.testing.assert_close(o, u, rtol=0, atol=1e-12)
    # automatic search: the integer-bin peak is the carrier; the sub-bin refinement is
    # biased by the object's own spectrum by less than a quarter bin
    assert find_sideband(holo, pixel_size=1.0, subpixel=False) == pytest.approx(carrier)
    assert find_sideband(holo, pixel_size=1.0) == pytest.approx(carrier, abs=0.25 / n)
    o_auto = off_axis(holo, pixel_size=1.0, reference_amplitude=2.0)
    assert float(complex_rmse(o_auto, u)) < 0.05


def test_off_axis_back_propagates_to_sample():
    n = 64
    u = _band_limited(n, 0.06, seed=2)
    kw = dict(distance=3e-4, wavelength=633e-9, pixel_size=(2e-6, 2e-6))
    carrier = (12 / (n * 2e-6), 14 / (n * 2e-6))
    holo = off_axis_hologram(u, carrier, **kw)
    o = off_axis(holo, carrier=carrier, radius=0.061 / 2e-6, **kw)
    assert float(complex_rmse(o, u)) < 1e-9


def test_off_axis_matches_qpretrieve():
    qpretrieve = pytest.importorskip("qpretrieve")
    n = 96
    r = torch.arange(n, dtype=torch.float64)
    y, x = torch.meshgrid(r, r, indexing="ij")
    phase = 1.5 * torch.exp(-((x - 50) ** 2 + (y - 44) ** 2) / (2 * 9.0**2))
    u = torch.polar(1 - 0.3 * torch.exp(-((x - 40) ** 2 + (y - 52) ** 2) / 50), phase)
    carrier = (-21 / n, 22 / n)  # on FFT bins: qpretrieve demodulates by whole bins
    radius = math.hypot(*carrier) / 3
    holo = off_axis_hologram(u, carrier, pixel_size=1.0)
    ours = off_axis(holo, pixel_size=1.0, carrier=carrier, radius=radius)
    qp = qpretrieve.OffAxisHologram(holo.numpy(), padding=0)
    field = qp.run_pipeline(filter_name="disk", filter_size=radius, sideband_freq=carrier,
                            filter_size_interpretation="frequency")
    theirs = torch.as_tensor(field).reshape(n, n)
    c = slice(n // 8, -n // 8)
    z = (ours * theirs.conj())[c, c]  # offset removed as a phasor (it may be ±π)
    assert float(torch.angle(z * torch.exp(-1j * torch.angle(z.sum()))).abs().max()) < 1e-9


def test_off_axis_rejects_and_warns():
    u = _band_limited(32, 0.05)
    holo = off_axis_hologram(u, (0.25, 0.25), pixel_size=1.0)
    with pytest.raises(ValueError, match="Nyquist"):
        off_axis(holo, pixel_size=1.0, carrier=(0.0, 0.55))
    with pytest.warns(CarrierWarning, match="centre band"):
        off_axis(holo, pixel_size=1.0, carrier=(0.25, 0.25), radius=0.2)
    with pytest.raises(ValueError, match="non-negative"):
        off_axis(holo - 100.0, pixel_size=1.0, carrier=(0.25, 0.25))
    with pytest.raises(ValueError, match="radius"):
        off_axis(holo, pixel_size=1.0, carrier=(0.25, 0.25), radius=-1.0)


def test_spectrum_fraction_known_value():
    assert spectrum_fraction(0.5, 1.0) == pytest.approx(math.pi / 4)
    assert spectrum_fraction(1e5, 2e-6) == pytest.approx(math.pi * 0.04)


def test_off_axis_auto_carrier_removes_residual_tilt():
    from prcore.data.phantoms import cell_phantom
    from prcore.metrics import phase_rmse

    n = 128
    phase = cell_phantom((n, n), rng=4, max_phase=2.0, dtype=torch.float64)
    u = torch.polar(torch.ones_like(phase), phase)
    carrier = (0.1654, 0.1819)  # cycles/px, between FFT bins
    holo = off_axis_hologram(u, carrier, pixel_size=1.0)
    c = slice(n // 8, -n // 8)
    known = off_axis(holo, pixel_size=1.0, carrier=carrier)
    auto = off_axis(holo, pixel_size=1.0)
    e_known = float(phase_rmse(torch.angle(known)[c, c], phase[c, c]))
    e_auto = float(phase_rmse(torch.angle(auto)[c, c], phase[c, c]))
    assert e_known < 0.05
    assert e_auto < e_known + 0.01  # without the refinement the tilt costs ~0.3 rad


def test_phase_shifting_gradcheck_and_tensor_distance():
    holo = phase_shifted_holograms(_field((6, 6)), [0.0, 0.9, 2.0, 4.1]).requires_grad_()
    torch.autograd.gradcheck(lambda h: phase_shifting(h, [0.0, 0.9, 2.0, 4.1]), (holo,))
    u = _band_limited(32, 0.1, seed=7)
    kw = dict(wavelength=633e-9, pixel_size=2e-6)
    h = phase_shifted_holograms(u, QUARTER, distance=2e-4, **kw)
    z = torch.tensor(2e-4, dtype=torch.float64, requires_grad=True)
    o = phase_shifting(h, QUARTER, distance=z, **kw)
    torch.testing.assert_close(o.detach(), u, rtol=0, atol=1e-10)
    (o.abs() ** 2).sum().backward()
    assert z.grad is not None and torch.isfinite(z.grad)
