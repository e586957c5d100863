"""Tests of prcore.optics.regimes: validity of the propagation models, references, test objects."""

import math
import warnings

import pytest
import torch

from prcore.optics.propagation import SamplingWarning, angular_spectrum
from prcore.optics.regimes import (
    angular_spectrum_padded,
    aperture,
    grating,
    paraxial_phase_error,
    propagator_errors,
    relative_error,
    talbot_length,
)

WAVELENGTH = 500e-9


def test_aperture_centre_and_symmetry(device):
    u = aperture((16, 16), 3, device=device)
    assert u.device.type == device.type and u.dtype == torch.complex128
    assert int(u.abs().sum()) == 49
    assert float(u[8, 8].real) == 1.0 and float(u[8, 12].real) == 0.0
    torch.testing.assert_close(u[1:, 1:], torch.flip(u[1:, 1:], dims=(-2, -1)))  # symmetric about 8
    disk = aperture((32, 32), 10, kind="disk")
    assert abs(float(disk.abs().sum()) - math.pi * 100) < 0.05 * math.pi * 100


def test_grating_period_and_duty():
    g = grating((2, 12), 4, duty=0.25)
    assert g[0].tolist() == [1.0, 0, 0, 0] * 3
    torch.testing.assert_close(g[0], g[1])
    assert float(grating((4, 40), 10).mean()) == 0.5


def test_talbot_length_closed_form_self_imaging():
    """At z_T the grating intensity returns; at z_T / 2 it is shifted by half a period."""
    p_px, d = 20, 5e-6
    g = grating((1, 200), p_px).to(torch.complex128)
    z_t = talbot_length(p_px * d, WAVELENGTH)
    assert math.isclose(z_t, 2 * (p_px * d) ** 2 / WAVELENGTH)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplingWarning)  # periodic object: circular is exact
        i_t = angular_spectrum(g, z_t, WAVELENGTH, d, bandlimit=False).abs() ** 2
        i_half = angular_spectrum(g, z_t / 2, WAVELENGTH, d, bandlimit=False).abs() ** 2
        i_quarter = angular_spectrum(g, z_t / 4, WAVELENGTH, d, bandlimit=False).abs() ** 2
    g_int = g.abs() ** 2
    assert float(relative_error(i_t, g_int)) < 0.05
    assert float(relative_error(i_half, torch.roll(g_int, p_px // 2, dims=-1))) < 0.05
    assert float(relative_error(i_quarter, g_int)) > 0.3  # the check can fail


def test_paraxial_phase_error_leading_order():
    z, d = 1e-2, 20e-6
    f2 = 0.5 / d**2
    approx = math.pi * z * WAVELENGTH**3 * f2**2 / 4
    assert math.isclose(paraxial_phase_error(z, WAVELENGTH, d), approx, rel_tol=1e-3)
    assert paraxial_phase_error(0.0, WAVELENGTH, d) == 0.0
    assert paraxial_phase_error(-z, WAVELENGTH, d) == paraxial_phase_error(z, WAVELENGTH, d)
    # beyond 1/lambda the frequency is clipped: the error stays finite
    assert math.isfinite(paraxial_phase_error(1e-3, WAVELENGTH, 0.1e-6))


def test_relative_error_window():
    ref = torch.ones(8, 8, dtype=torch.complex128)
    u = ref.clone()
    u[0, 0] = 3.0  # an edge pixel, outside the central half
    assert float(relative_error(u, ref)) > 0.2
    assert float(relative_error(u, ref, window=0.5)) == 0.0


def test_angular_spectrum_padded_energy_and_agreement():
    """Inside z_c the padded reference agrees with the padded ASM; energy stays in the window."""
    u = aperture((32, 32), 4)
    z = 0.5 * 32 * (2e-6) ** 2 / WAVELENGTH
    ref = angular_spectrum_padded(u, z, WAVELENGTH, 2e-6, factor=4)
    asm = angular_spectrum(u, z, WAVELENGTH, 2e-6, pad=True)
    assert float(relative_error(asm, ref)) < 0.01
    assert 0.95 < float(ref.abs().pow(2).sum() / u.abs().pow(2).sum()) <= 1.0 + 1e-9


def test_angular_spectrum_padded_aliasing_shows_beyond_zc():
    """Beyond z_c the non-band-limited ASM aliases; the band-limited, padded one does not."""
    u = aperture((64, 64), 4)
    d = 2e-6
    z = 4 * 64 * d**2 / WAVELENGTH
    ref = angular_spectrum_padded(u, z, WAVELENGTH, d, factor=4)
    with pytest.warns(SamplingWarning, match="critical distance"):
        aliased = angular_spectrum(u, z, WAVELENGTH, d, bandlimit=False)
    band = angular_spectrum(u, z, WAVELENGTH, d, pad=True)
    assert float(relative_error(aliased, ref)) > 0.2
    assert float(relative_error(band, ref)) < 0.05


def test_angular_spectrum_padded_warns_when_too_far():
    u = aperture((16, 16), 2)
    zc_big = 2 * 4 * 16 * (1e-6) ** 2 / WAVELENGTH
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        angular_spectrum_padded(u, 2 * zc_big, WAVELENGTH, 1e-6, factor=4)
    messages = [str(w.message) for w in caught if issubclass(w.category, SamplingWarning)]
    assert any("increase factor" in m for m in messages)


def test_propagator_errors_regimes():
    """Fresnel is accurate under the paraxial condition; Fraunhofer only for N_F << 1."""
    n, d = 128, 8e-6
    small = propagator_errors(aperture((n, n), 1), WAVELENGTH, d)  # N_F ~ 0.018
    large = propagator_errors(aperture((n, n), 24), WAVELENGTH, d)  # N_F ~ 4.7
    assert math.isclose(small.distance, n * d**2 / WAVELENGTH)
    assert small.fresnel < 0.01 and large.fresnel < 0.01
    assert small.single_fft < 0.03 and large.single_fft < 0.03
    assert small.fraunhofer < 0.1
    assert large.fraunhofer > 0.5


def test_propagator_errors_fresnel_fails_off_paraxial():
    """With sub-wavelength pixels the wide angles break the Fresnel approximation."""
    n, d = 64, 0.25e-6
    e = propagator_errors(aperture((n, n), 2), WAVELENGTH, d)
    assert paraxial_phase_error(e.distance, WAVELENGTH, d) > 1.0
    assert e.fresnel > 0.1 and e.single_fft > 0.1


def test_regimes_exception():
    with pytest.raises(ValueError, match="half_width"):
        aperture((8, 8), 0)
    with pytest.raises(ValueError, match="kind"):
        aperture((8, 8), 2, kind="hexagon")
    with pytest.raises(ValueError, match="period"):
        grating((8, 8), 1)
    with pytest.raises(ValueError, match="duty"):
        grating((8, 8), 4, duty=1.0)
    with pytest.raises(ValueError, match="wavelength"):
        talbot_length(1e-4, -1.0)
    with pytest.raises(ValueError, match="distance"):
        paraxial_phase_error(float("nan"), WAVELENGTH, 1e-6)
    with pytest.raises(ValueError, match="window"):
        relative_error(torch.ones(4, 4), torch.ones(4, 4), window=0.0)
    with pytest.raises(TypeError, match="complex"):
        propagator_errors(torch.ones(8, 8), WAVELENGTH, 1e-6)
    with pytest.raises(ValueError, match="square"):
        propagator_errors(aperture((8, 16), 2), WAVELENGTH, 1e-6)
    with pytest.raises(ValueError, match="factor"):
        angular_spectrum_padded(aperture((8, 8), 2), 1e-6, WAVELENGTH, 1e-6, factor=0)
