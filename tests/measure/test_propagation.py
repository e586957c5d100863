"""FreeSpacePropagation: the cached operator equals the functional propagators."""

import warnings

import pytest
import torch

from prcore.measure.propagation import FreeSpacePropagation
from prcore.optics.propagation import SamplingWarning, angular_spectrum, fresnel

LAM, DX = 633e-9, 2e-6


def _field(shape, seed=0, dtype=torch.complex128, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(shape, dtype=torch.complex128, generator=g)
    return u.to(dtype=dtype, device=device)


@pytest.mark.parametrize("bandlimit", [True, False])
@pytest.mark.parametrize("pad", [False, True])
def test_free_space_propagation_equals_angular_spectrum(device, bandlimit, pad):
    z = 1e-4  # below N dx^2 / lambda = 0.1 mm for 16 px: no warning without band limit
    op = FreeSpacePropagation((16, 20), z, LAM, DX, bandlimit=bandlimit, pad=pad,
                              dtype=torch.complex128, device=device)
    x = _field((3, 16, 20), device=device)
    ref = angular_spectrum(x, z, LAM, DX, bandlimit=bandlimit, pad=pad)
    torch.testing.assert_close(op.A(x), ref, rtol=0, atol=1e-12)
    torch.testing.assert_close(op(x), ref, rtol=0, atol=1e-12)
    # the adjoint is propagation by -z
    back = angular_spectrum(x, -z, LAM, DX, bandlimit=bandlimit, pad=pad)
    torch.testing.assert_close(op.A_adjoint(x), back, rtol=0, atol=1e-12)


def test_free_space_propagation_fresnel_equals_fresnel():
    op = FreeSpacePropagation((16, 16), 5e-5, LAM, DX, method="fresnel", dtype=torch.complex128)
    x = _field((16, 16), seed=1)
    torch.testing.assert_close(op.A(x), fresnel(x, 5e-5, LAM, DX).field, rtol=0, atol=1e-12)
    torch.testing.assert_close(op.A_adjoint(x), fresnel(x, -5e-5, LAM, DX).field, rtol=0,
                               atol=1e-12)


def test_free_space_propagation_dtype_follows_input():
    op = FreeSpacePropagation((8, 8), 1e-4, LAM, DX)  # complex64 transfer function
    assert op.transfer.dtype == torch.complex64
    x64 = _field((8, 8), dtype=torch.complex64)
    assert op.A(x64).dtype == torch.complex64 and op.A_adjoint(x64).dtype == torch.complex64
    x128 = x64.to(torch.complex128)
    assert op.A(x128).dtype == torch.complex128
    torch.testing.assert_close(op.A(x128).to(torch.complex64), op.A(x64), rtol=1e-5, atol=1e-5)


def test_free_space_propagation_normal_is_identity_in_band():
    op = FreeSpacePropagation((16, 16), 5e-5, LAM, DX, method="fresnel", dtype=torch.complex128)
    x = _field((16, 16), seed=2)
    torch.testing.assert_close(op.A_normal(x), x, rtol=0, atol=1e-12)


def test_free_space_propagation_warns_when_undersampled():
    with pytest.warns(SamplingWarning, match="critical distance"):
        FreeSpacePropagation((16, 16), 1e-3, LAM, DX, method="fresnel")
    with pytest.warns(SamplingWarning, match="critical distance"):
        FreeSpacePropagation((16, 16), 1e-3, LAM, DX, bandlimit=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingWarning)
        FreeSpacePropagation((16, 16), 1e-3, LAM, DX)  # band-limited: fine at any distance


@pytest.mark.parametrize(
    "fn, exc, name",
    [
        (lambda: FreeSpacePropagation((8, 8), 1e-4, LAM, DX, method="sphere"), ValueError,
         "method"),
        (lambda: FreeSpacePropagation((8, 8), 1e-4, -LAM, DX), ValueError, "wavelength"),
        (lambda: FreeSpacePropagation((8, 8), 1e-4, LAM, 0.0), ValueError, "pixel_size"),
        (lambda: FreeSpacePropagation((8, 0), 1e-4, LAM, DX), ValueError, "shape"),
        (lambda: FreeSpacePropagation((8, 8), 1e-4, LAM, DX).A(torch.ones(8, 8)), TypeError, "x"),
        (lambda: FreeSpacePropagation((8, 8), 1e-4, LAM, DX).A(_field((8, 9))), ValueError, "x"),
        (lambda: FreeSpacePropagation((8, 8), 1e-4, LAM, DX).A_adjoint(_field((4, 8))),
         ValueError, "y"),
    ],
)
def test_free_space_propagation_rejects_bad_input(fn, exc, name):
    with pytest.raises(exc, match=rf"^{name}\b"):
        fn()
