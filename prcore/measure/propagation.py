"""Free-space propagation as a linear operator with a cached transfer function."""

from __future__ import annotations

import torch

from .._checks import check_complex, check_shape_2d
from ..optics.grid import pixel_pair
from ..optics.propagation import (
    angular_spectrum_transfer,
    apply_transfer,
    check_sampling,
    fresnel_transfer,
)
from .operator import LinearOperator, register_linear_example

__all__ = ["FreeSpacePropagation"]


class FreeSpacePropagation(LinearOperator):
    r"""Propagation by a fixed distance, ``A x = F^{-1}(H F x)``, ``A^H y = F^{-1}(\bar H F y)``.

    The transfer function is computed once and stored as a buffer, so applying
    the operator costs one FFT pair and a multiply. ``A_adjoint`` equals
    propagation by ``-distance`` (the mask of the band-limited ASM is symmetric in z).

    Parameters
    ----------
    shape : tuple of int
        ``(H, W)`` of the fields.
    distance : float
        Metres.
    wavelength : float
        Metres.
    pixel_size : float or (float, float)
        Metres.
    method : {"asm", "fresnel"}
        Angular spectrum (exact) or Fresnel transfer function (paraxial).
    bandlimit, pad : bool
        As in :func:`prcore.optics.angular_spectrum`.
    dtype : torch.dtype
        Complex dtype of the cached transfer function (fields are cast to it).
    device : torch.device, optional

    Examples
    --------
    >>> op = FreeSpacePropagation((32, 32), 1e-3, 500e-9, 2e-6)
    >>> x = torch.ones(32, 32, dtype=torch.complex64)
    >>> bool(torch.allclose(op.A_adjoint(op.A(x)), x, atol=1e-5))
    True
    """

    def __init__(self, shape, distance, wavelength, pixel_size, *, method="asm", bandlimit=True,
                 pad=False, dtype=torch.complex64, device=None):
        super().__init__()
        h, w = check_shape_2d(shape)
        self.shape = (h, w)
        self.distance = float(distance)
        self.wavelength = float(wavelength)
        self.pixel_size = pixel_pair(pixel_size)
        self.method, self.bandlimit, self.pad = method, bandlimit, pad
        fft_shape = (2 * h, 2 * w) if pad else (h, w)
        if method == "asm":
            if not bandlimit:
                check_sampling(distance, wavelength, self.pixel_size, fft_shape, method="asm")
            H = angular_spectrum_transfer(fft_shape, distance, wavelength, self.pixel_size,
                                          bandlimit=bandlimit, device=device, dtype=dtype)
        elif method == "fresnel":
            check_sampling(distance, wavelength, self.pixel_size, fft_shape, method="fresnel")
            H = fresnel_transfer(fft_shape, distance, wavelength, self.pixel_size, device=device,
                                 dtype=dtype)
        else:
            raise ValueError(f"method: expected 'asm' or 'fresnel', got {method!r}")
        self.register_buffer("transfer", H)

    def _check(self, x, name):
        check_complex(x, name)
        if tuple(x.shape[-2:]) != self.shape:
            raise ValueError(
                f"{name}: expected last dimensions {self.shape}, got shape {tuple(x.shape)}"
            )

    def A(self, x):  # noqa: N802
        self._check(x, "x")
        return apply_transfer(x, self.transfer, pad=self.pad).to(x.dtype)

    def A_adjoint(self, y):  # noqa: N802
        self._check(y, "y")
        return apply_transfer(y, self.transfer.conj(), pad=self.pad).to(y.dtype)

    def extra_repr(self):
        return (f"shape={self.shape}, distance={self.distance:g} m, "
                f"wavelength={self.wavelength:g} m, "
                f"pixel_size={self.pixel_size}, method={self.method!r}")


@register_linear_example("FreeSpacePropagation[asm]")
def _example_asm(dtype, device):
    op = FreeSpacePropagation((16, 12), 3e-4, 633e-9, 2e-6, dtype=dtype, device=device)
    return op, (2, 16, 12)


@register_linear_example("FreeSpacePropagation[asm,pad]")
def _example_asm_pad(dtype, device):
    op = FreeSpacePropagation((10, 14), 5e-4, 500e-9, 3e-6, pad=True, dtype=dtype, device=device)
    return op, (10, 14)


@register_linear_example("FreeSpacePropagation[fresnel]")
def _example_fresnel(dtype, device):
    return FreeSpacePropagation((16, 16), 1e-4, 500e-9, 2e-6, method="fresnel", dtype=dtype,
                                device=device), (16, 16)
