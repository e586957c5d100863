r"""Shack–Hartmann wavefront sensor: lenslet-array spot images from a field.

A lenslet array of pitch :math:`d` and focal length :math:`f` cuts the pupil
into sub-apertures; each lenslet focuses its part of the field onto the camera
in its focal plane (a Fraunhofer pattern). A local wavefront tilt
:math:`\theta = \frac{\lambda}{2\pi}\partial_x\phi` moves the spot by
:math:`f\theta`, which is what the sensor measures.

Sampling convention: the pupil field has ``lenslet_pixels`` samples per lenslet
side (so :math:`d` = ``lenslet_pixels * pixel_size``), the camera has
``spot_pixels`` pixels behind each lenslet (camera pitch :math:`d/K`), and
each focal field is computed with a matrix Fourier transform, so the camera
sampling does not depend on the FFT size. Coordinates are centred on each
lenslet: a flat wavefront puts every spot exactly in the centre of its window.
"""

from __future__ import annotations

import math
import warnings

import torch

from .._checks import (
    check_complex,
    check_finite,
    check_int,
    check_min_ndim,
    check_positive,
    check_real,
)
from ..optics.grid import pixel_pair
from ..optics.propagation import SamplingWarning

__all__ = ["lenslet_grid", "shack_hartmann_spots", "lenslet_gradients", "camera_pixel_size"]


def _check_int(value, name, minimum=1):
    return check_int(value, name, minimum)


def lenslet_grid(shape, lenslet_pixels: int) -> tuple[int, int]:
    """Number of lenslets ``(ny, nx)`` of a pupil ``shape`` cut into ``lenslet_pixels`` squares.

    Raises ``ValueError`` unless both sides are multiples of ``lenslet_pixels``.

    >>> lenslet_grid((64, 96), 16)
    (4, 6)
    """
    h, w = (int(s) for s in shape)
    _check_int(lenslet_pixels, "lenslet_pixels")
    if h % lenslet_pixels or w % lenslet_pixels:
        raise ValueError(f"shape: expected multiples of lenslet_pixels={lenslet_pixels}, "
                         f"got {(h, w)}")
    return h // lenslet_pixels, w // lenslet_pixels


def camera_pixel_size(pixel_size, lenslet_pixels: int, spot_pixels: int) -> float:
    """Camera pitch in metres: lenslet pitch ``lenslet_pixels * pixel_size`` over ``spot_pixels``.

    >>> camera_pixel_size(10e-6, 16, 32)
    5e-06
    """
    dy, dx = pixel_pair(pixel_size)
    if dy != dx:
        raise ValueError(f"pixel_size: expected square pupil pixels, got {(dy, dx)}")
    _check_int(lenslet_pixels, "lenslet_pixels")
    _check_int(spot_pixels, "spot_pixels")
    return lenslet_pixels * dx / spot_pixels


def _blocks(x, p):
    """``(..., ny*p, nx*p) -> (..., ny, nx, p, p)``."""
    *lead, h, w = x.shape
    ny, nx = h // p, w // p
    return x.reshape(*lead, ny, p, nx, p).transpose(-3, -2)


def _unblocks(x):
    """``(..., ny, nx, k, k) -> (..., ny*k, nx*k)``."""
    *lead, ny, nx, k, k2 = x.shape
    return x.transpose(-3, -2).reshape(*lead, ny * k, nx * k2)


def shack_hartmann_spots(field, wavelength, pixel_size, *, lenslet_pixels: int, focal_length: float,
                         spot_pixels: int | None = None) -> torch.Tensor:
    r"""Camera image of a Shack–Hartmann sensor: one Fraunhofer spot per lenslet.

    For lenslet :math:`(m, n)` with sub-aperture field :math:`U_{mn}(x)`, the
    focal-plane intensity at camera position :math:`u` (centred on the lenslet) is

    .. math::
        I_{mn}(u) = \frac{1}{\lambda^2 f^2}\Big|\sum_x U_{mn}(x)\,
                    e^{-i 2\pi\, x\cdot u/(\lambda f)}\,\Delta^2\Big|^2,

    evaluated by a matrix Fourier transform onto ``spot_pixels`` × ``spot_pixels``
    camera pixels of pitch ``lenslet_pixels * pixel_size / spot_pixels``. A tilt
    :math:`\theta` of the wavefront across a lenslet moves its spot by
    :math:`f\theta`. Light falling outside a lenslet's window (shifts larger
    than half the pitch, the dynamic range) wraps into the window, like the
    cross-talk of a real sensor.

    The sampled pupil has a periodic spectrum: copies of each spot repeat every
    :math:`\lambda f/\Delta` in the focal plane, so the window :math:`d` must be
    smaller than that, :math:`f \ge d\,\Delta/\lambda` (a :class:`SamplingWarning` otherwise).

    Parameters
    ----------
    field : Tensor, shape ``(..., H, W)``, complex
        Pupil field; ``H`` and ``W`` are multiples of ``lenslet_pixels``.
    wavelength : float
        Metres.
    pixel_size : float
        Pupil sampling in metres (square pixels).
    lenslet_pixels : int
        Pupil samples per lenslet side (lenslet pitch / ``pixel_size``).
    focal_length : float
        Lenslet focal length in metres.
    spot_pixels : int, optional
        Camera pixels per lenslet side (default ``lenslet_pixels``).

    Returns
    -------
    Tensor, shape ``(..., ny * K, nx * K)``, real
        Camera intensity (energy-normalised: each spot sums to its
        sub-aperture's :math:`\sum |U|^2` when the window holds the whole spot,
        up to the sampling of the focal plane), ``K = spot_pixels``.

    Raises
    ------
    TypeError
        ``field`` not complex.
    ValueError
        Sizes that are not multiples of ``lenslet_pixels``, non-positive
        parameters, non-finite field.

    Warns
    -----
    SamplingWarning
        When ``focal_length < lenslet_pixels * pixel_size**2 / wavelength``.

    References
    ----------
    1. B. C. Platt and R. Shack, "History and principles of Shack-Hartmann
       wavefront sensing," J. Refract. Surg. 17, S573 (2001).

    Examples
    --------
    >>> u = torch.ones(32, 32, dtype=torch.complex128)
    >>> img = shack_hartmann_spots(u, 633e-9, 10e-6, lenslet_pixels=16, focal_length=5e-3,
    ...                            spot_pixels=15)
    >>> img.shape
    torch.Size([30, 30])
    >>> int(img[:15, :15].argmax()) == 7 * 15 + 7  # flat wavefront: spot at the window centre
    True
    """
    check_complex(field, "field")
    check_min_ndim(field, 2, "field")
    check_finite(field, "field")
    check_positive(wavelength, "wavelength", "m")
    check_positive(focal_length, "focal_length", "m")
    p = _check_int(lenslet_pixels, "lenslet_pixels")
    k = p if spot_pixels is None else _check_int(spot_pixels, "spot_pixels")
    lenslet_grid(field.shape[-2:], p)
    dcam = camera_pixel_size(pixel_size, p, k)
    dx = pixel_pair(pixel_size)[1]
    f_min = p * dx**2 / float(wavelength)
    if float(focal_length) < f_min:
        warnings.warn(
            f"focal_length {float(focal_length):.4g} m is below lenslet_pixels * pixel_size**2 / "
            f"wavelength = {f_min:.4g} m: the pupil sampling aliases spot copies into each lenslet "
            "window; sample the pupil more finely or use a longer focal length.",
            SamplingWarning, stacklevel=2,
        )
    rdt = field.real.dtype
    x = (torch.arange(p, device=field.device, dtype=torch.float64) - (p - 1) / 2) * dx
    u = (torch.arange(k, device=field.device, dtype=torch.float64) - (k - 1) / 2) * dcam
    lam_f = float(wavelength) * float(focal_length)
    kernel = torch.polar(torch.full((k, p), dx / math.sqrt(lam_f), dtype=torch.float64,
                                    device=field.device),
                         -2 * math.pi * u.reshape(k, 1) * x.reshape(1, p) / lam_f).to(field.dtype)
    sub = _blocks(field, p)  # (..., ny, nx, p, p)
    focal = kernel @ sub @ kernel.transpose(-2, -1)
    spots = (focal.real**2 + focal.imag**2) * (dcam**2)
    return _unblocks(spots).to(rdt)


def lenslet_gradients(phase, pixel_size, *, lenslet_pixels: int):
    r"""Average phase gradient over each lenslet, :math:`\langle\nabla\phi\rangle_{mn}`, in rad/m.

    The geometric-optics quantity a Shack–Hartmann sensor measures for a
    uniformly illuminated lenslet. The average of :math:`\partial_x\phi` over a
    square is the mean over its rows of the phase difference across it, so it
    is computed from edge-to-edge differences of the sampled phase (trapezoid
    rule along the other axis would change little).

    .. math::
        \langle\partial_x\phi\rangle
        = \frac{1}{d}\,\big\langle \phi(x_R, y) - \phi(x_L, y)\big\rangle_y

    with :math:`x_L, x_R` the first and last sample of the lenslet, :math:`d = (P-1)\Delta`.

    Parameters
    ----------
    phase : Tensor, shape ``(..., H, W)``, real, radians
    pixel_size : float
        Metres.
    lenslet_pixels : int
        Samples per lenslet side (>= 2).

    Returns
    -------
    (gy, gx) : Tensors, shape ``(..., ny, nx)``, rad/m

    Examples
    --------
    >>> x = torch.arange(32, dtype=torch.float64) * 1e-5
    >>> gy, gx = lenslet_gradients((3e3 * x).expand(32, 32), 1e-5, lenslet_pixels=8)
    >>> round(float(gx.mean()), 6), round(float(gy.abs().max()), 6)
    (3000.0, 0.0)
    """
    check_real(phase, "phase")
    check_min_ndim(phase, 2, "phase")
    check_finite(phase, "phase")
    p = _check_int(lenslet_pixels, "lenslet_pixels", minimum=2)
    lenslet_grid(phase.shape[-2:], p)
    dy, dx = pixel_pair(pixel_size)
    b = _blocks(phase, p)
    gx = (b[..., :, -1] - b[..., :, 0]).mean(dim=-1) / ((p - 1) * dx)
    gy = (b[..., -1, :] - b[..., 0, :]).mean(dim=-1) / ((p - 1) * dy)
    return gy, gx
