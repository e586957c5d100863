import math

import pytest
import torch

from prcore.optics.propagation import angular_spectrum
from prcore.optics.transfer import (
    defocus_atf,
    defocus_ptf,
    measure_ptf,
    ptf_coverage,
    weak_object_transfer,
)

LAM, PX = 633e-9, 5e-6


def test_defocus_ptf_closed_form():
    f = torch.tensor([0.0, 1e3, 2e4], dtype=torch.float64)
    z = 2e-3
    expected = 2 * torch.sin(math.pi * LAM * z * f**2)
    torch.testing.assert_close(defocus_ptf(f, z, LAM), expected)
    torch.testing.assert_close(defocus_atf(f, z, LAM), 2 * torch.cos(math.pi * LAM * z * f**2))
    assert float(defocus_ptf(f, z, LAM)[0]) == 0.0


def test_defocus_ptf_vanishes_quadratically_at_low_frequency():
    f = torch.tensor([1e2, 2e2], dtype=torch.float64)
    p = defocus_ptf(f, 1e-3, LAM)
    assert abs(float(p[1] / p[0]) - 4.0) < 1e-6


def test_measure_ptf_matches_exact_ptf():
    cycles = [1, 3, 10, 30, 60, 100]
    f, p = measure_ptf(cycles, 3e-3, LAM, PX, (4, 256), strength=1e-3)
    torch.testing.assert_close(p, defocus_ptf(f, 3e-3, LAM, exact=True), atol=1e-5, rtol=0)
    # the Fresnel (paraxial) closed form is close, but not exact, at these angles
    assert float((p - defocus_ptf(f, 3e-3, LAM)).abs().max()) < 0.05


def test_measure_ptf_detects_wrong_sign_of_distance():
    f, p = measure_ptf([20], -3e-3, LAM, PX, (4, 128))
    assert float(p[0]) * float(defocus_ptf(f, 3e-3, LAM)[0]) < 0


def test_weak_object_transfer_predicts_weak_phase_intensity():
    g = torch.Generator().manual_seed(0)
    n, z, eps = 64, 1e-3, 1e-4
    phi = eps * torch.randn(n, n, generator=g, dtype=torch.float64)
    u = torch.polar(torch.ones_like(phi), phi)
    out = angular_spectrum(u, z, LAM, PX, bandlimit=False)
    inten = out.abs() ** 2
    ptf, _ = weak_object_transfer((n, n), z, LAM, PX, exact=True)
    pred = 1 + torch.fft.ifft2(ptf * torch.fft.fft2(phi)).real
    assert float((inten - pred).abs().max()) < 50 * eps**2


def test_weak_object_transfer_stack_of_distances():
    ptf, atf = weak_object_transfer((8, 8), torch.tensor([1e-3, 2e-3]), LAM, PX)
    assert ptf.shape == (2, 8, 8)
    torch.testing.assert_close(ptf**2 + atf**2, torch.full_like(ptf, 4.0))


def test_ptf_coverage_fills_the_zeros_of_one_distance():
    z1 = 2e-3
    f0 = torch.tensor([math.sqrt(1 / (LAM * z1))], dtype=torch.float64)  # sin(pi) = 0
    assert float(defocus_ptf(f0, z1, LAM).abs()[0]) < 1e-9
    assert float(ptf_coverage(f0, [z1, 0.5 * z1], LAM)[0]) > 1.0


def test_defocus_ptf_gradcheck_distance():
    f = torch.tensor([1e3, 1e4], dtype=torch.float64)
    z = torch.tensor(1e-3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda d: defocus_ptf(f, d, LAM), (z,), eps=1e-9)


def test_defocus_ptf_rejects_bad_input():
    with pytest.raises(ValueError, match="wavelength"):
        defocus_ptf(torch.ones(2), 1e-3, -1.0)
    with pytest.raises(TypeError, match="distance"):
        defocus_ptf(torch.ones(2), "1 mm", LAM)
    with pytest.raises(TypeError, match="frequency"):
        defocus_ptf(torch.ones(2, dtype=torch.complex64), 1e-3, LAM)
    with pytest.raises(ValueError, match="exact"):
        defocus_ptf(torch.tensor([2 / LAM]), 1e-3, LAM, exact=True)


def test_measure_ptf_rejects_bad_cycles():
    with pytest.raises(ValueError, match="cycles"):
        measure_ptf([64], 1e-3, LAM, PX, (4, 128))
    with pytest.raises(TypeError, match="integers"):
        measure_ptf([1.5], 1e-3, LAM, PX, (4, 128))
    with pytest.raises(ValueError, match="strength"):
        measure_ptf([1], 1e-3, LAM, PX, (4, 128), strength=0.0)
