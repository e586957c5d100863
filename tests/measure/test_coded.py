"""Tests for prcore.measure.coded."""

import math

import pytest
import torch

from prcore.measure.coded import CodedDiffraction, GaussianMeasurement, coded_masks, gaussian_matrix
from prcore.measure.operator import linear_examples
from prcore.testing import assert_adjoint, assert_close


@pytest.mark.parametrize("name", ["GaussianMeasurement", "CodedDiffraction"])
def test_coded_adjoints_registered(name, device):
    op, shape = linear_examples()[name](torch.complex128, device)
    assert_adjoint(op, shape, device=device)


def test_gaussian_matrix_isotropy():
    """E[A^H A] = m I: the sample average is close to the identity for m >> n."""
    A = gaussian_matrix(20000, 4, rng=0)
    G = A.mH @ A / 20000
    assert float((G - torch.eye(4)).abs().max()) < 0.03
    Ar = gaussian_matrix(20000, 4, complex=False, rng=0)
    assert Ar.dtype == torch.float64
    assert float((Ar.T @ Ar / 20000 - torch.eye(4, dtype=torch.float64)).abs().max()) < 0.03


def test_gaussian_matrix_seeded():
    assert torch.equal(gaussian_matrix(5, 3, rng=4), gaussian_matrix(5, 3, rng=4))


def test_gaussian_measurement_batched_equals_loop():
    M = gaussian_matrix(6, 3, batch=(2,), rng=0)
    x = torch.randn(2, 3, dtype=torch.complex128)
    y = GaussianMeasurement(M).A(x)
    for i in range(2):
        assert_close(y[i], M[i] @ x[i])


def test_coded_masks_distribution():
    d = coded_masks(8, (64, 64), rng=1)
    mags = torch.unique(torch.round(d.abs() * 1e6) / 1e6).tolist()
    assert mags == pytest.approx([math.sqrt(2) / 2, math.sqrt(3)])
    assert float((d.abs() == d.abs().max()).double().mean()) == pytest.approx(0.2, abs=0.02)
    # E[d] = 0 and E[d^2] = 0: the phases are uniform on {1, -1, i, -i}
    assert abs(complex(d.mean())) < 0.02 and abs(complex((d**2).mean())) < 0.03


def test_coded_diffraction_energy():
    """Unitary FFT: the energy of pattern l equals that of the masked field."""
    d = coded_masks(3, (8, 8), rng=2)
    x = torch.randn(8, 8, dtype=torch.complex128)
    y = CodedDiffraction(d).A(x)
    assert_close((y.abs() ** 2).sum(dim=(-2, -1)), ((d * x).abs() ** 2).sum(dim=(-2, -1)))


def test_coded_rejects_bad_input():
    with pytest.raises(ValueError, match="m:"):
        gaussian_matrix(0, 3)
    with pytest.raises(ValueError, match="signal length"):
        GaussianMeasurement(gaussian_matrix(4, 3, rng=0)).A(torch.ones(4, dtype=torch.complex128))
    with pytest.raises(ValueError, match=r"\(L, H, W\)"):
        CodedDiffraction(torch.ones(4, 4, dtype=torch.complex128))
    with pytest.raises(ValueError, match="last dimensions"):
        CodedDiffraction(coded_masks(2, (4, 4), rng=0)).A(torch.ones(5, 4, dtype=torch.complex128))


def test_coded_diffraction_intensity_gradcheck():
    op = CodedDiffraction(coded_masks(2, (4, 4), rng=0))
    x = torch.randn(4, 4, dtype=torch.complex128).requires_grad_()
    assert torch.autograd.gradcheck(lambda z: op.A(z).abs() ** 2, (x,))
