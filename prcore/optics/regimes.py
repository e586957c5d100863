r"""Where each propagation model is valid: test objects, reference fields and measured errors.

The angular spectrum method (ASM) is exact for scalar waves on a grid; the
Fresnel and Fraunhofer forms approximate it. This module measures by how much,
on the one distance where all of them share the input grid,
:math:`z_c = N\,d^2/\lambda` (the Fraunhofer and single-FFT Fresnel output pitch
:math:`\lambda z/(N d)` equals the input pitch ``d`` there), and provides
apertures, gratings, the Talbot length and a padded ASM reference for
aliasing studies.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import torch
import torch.nn.functional as F

from .._checks import (
    check_complex,
    check_finite,
    check_min_ndim,
    check_positive,
    check_same_device,
    check_shape_2d,
    check_tensor,
)
from .grid import coordinates, critical_distance, pixel_pair
from .propagation import SamplingWarning, angular_spectrum, fraunhofer, fresnel

__all__ = [
    "aperture",
    "grating",
    "talbot_length",
    "paraxial_phase_error",
    "relative_error",
    "angular_spectrum_padded",
    "PropagatorErrors",
    "propagator_errors",
]


def aperture(shape, half_width: float, *, kind: str = "square", dtype=torch.complex128,
             device=None):
    r"""A binary aperture centred on pixel ``(H//2, W//2)`` (the origin of ``coordinates``).

    .. math:: t(x, y) = 1 \text{ if } \max(|x|, |y|) \le a \text{ (square) or }
              \sqrt{x^2+y^2} \le a \text{ (disk)}, \text{ else } 0

    Parameters
    ----------
    shape : tuple of int
        ``(H, W)``.
    half_width : float
        :math:`a` in pixels (an integer gives a ``2a + 1`` pixel wide square).
    kind : {"square", "disk"}
    dtype, device
        Of the returned field.

    Returns
    -------
    Tensor, shape ``(H, W)``

    Raises
    ------
    ValueError
        For a non-positive ``half_width`` or an unknown ``kind``.

    Examples
    --------
    >>> int(aperture((8, 8), 1).abs().sum()), int(aperture((9, 9), 2, kind="disk").abs().sum())
    (9, 13)
    """
    h, w = check_shape_2d(shape)
    check_positive(half_width, "half_width", "pixels")
    y, x = coordinates((h, w), 1.0, device=device)
    if kind == "square":
        inside = (x.abs() <= half_width) & (y.abs() <= half_width)
    elif kind == "disk":
        inside = x**2 + y**2 <= half_width**2
    else:
        raise ValueError(f"kind: expected 'square' or 'disk', got {kind!r}")
    return inside.to(dtype)


def grating(shape, period: int, *, duty: float = 0.5, dtype=torch.float64, device=None):
    r"""Binary amplitude grating with lines along y, period ``period`` pixels along x.

    .. math:: t(x) = 1 \text{ if } (x \bmod p) < \text{duty}\cdot p \text{ else } 0

    Use a width ``W`` that is a multiple of ``period`` so the grating is
    periodic on the FFT grid (then circular propagation is exact for it).

    Parameters
    ----------
    shape : tuple of int
        ``(H, W)``.
    period : int
        Period in pixels, >= 2.
    duty : float
        Open fraction of a period, in (0, 1).

    Returns
    -------
    Tensor, shape ``(H, W)``, real transmittance in {0, 1}

    Raises
    ------
    ValueError
        For ``period < 2`` or ``duty`` outside (0, 1).

    Examples
    --------
    >>> grating((1, 8), 4)[0].tolist()
    [1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    """
    h, w = check_shape_2d(shape)
    if isinstance(period, bool) or not isinstance(period, int) or period < 2:
        raise ValueError(f"period: expected an int >= 2 pixels, got {period!r}")
    if not 0 < duty < 1:
        raise ValueError(f"duty: expected a fraction in (0, 1), got {duty!r}")
    x = torch.arange(w, device=device, dtype=torch.float64)
    line = (torch.remainder(x, period) < duty * period).to(dtype)
    return line.reshape(1, w).expand(h, w).contiguous()


def talbot_length(period: float, wavelength: float) -> float:
    r"""Talbot self-imaging distance of a grating, :math:`z_T = 2p^2/\lambda` (paraxial).

    A periodic field :math:`\sum_m c_m e^{2\pi i m x/p}` propagates each order
    with the phase :math:`-\pi\lambda z m^2/p^2`; at :math:`z_T` all of them are
    multiples of :math:`2\pi` and the field repeats; at :math:`z_T/2` the odd
    orders flip sign, which shifts the pattern by half a period.

    Parameters
    ----------
    period : float
        Grating period in metres.
    wavelength : float
        Metres.

    Returns
    -------
    float
        Metres.

    References
    ----------
    1. H. F. Talbot, "Facts relating to optical science. No. IV," Philos. Mag. 9, 401 (1836).
    2. Lord Rayleigh, "On copying diffraction-gratings," Philos. Mag. 11, 196 (1881).

    Examples
    --------
    >>> round(talbot_length(100e-6, 500e-9) * 1e3, 6)  # mm
    40.0
    """
    check_positive(period, "period", "m")
    check_positive(wavelength, "wavelength", "m")
    return 2.0 * float(period) ** 2 / float(wavelength)


def paraxial_phase_error(distance: float, wavelength: float, pixel_size) -> float:
    r"""Largest phase (rad) the Fresnel transfer function misses on a grid, at its corner frequency.

    .. math::
        \Delta\phi = 2\pi |z|\,\Big|\sqrt{\lambda^{-2} - f^2} - \lambda^{-1}
        + \tfrac{1}{2}\lambda f^2\Big| \approx \frac{\pi |z| \lambda^3 f^4}{4},
        \qquad f^2 = \frac{1}{4 d_x^2} + \frac{1}{4 d_y^2},

    with :math:`f` clipped to :math:`1/\lambda` (beyond it the waves are
    evanescent). The Fresnel approximation is accurate when
    :math:`\Delta\phi \ll 1` rad, i.e. for small angles or short distances.

    Parameters
    ----------
    distance : float
        Metres.
    wavelength : float
        Metres.
    pixel_size : float or (float, float)
        Metres.

    Returns
    -------
    float
        Radians.

    Examples
    --------
    >>> round(paraxial_phase_error(1e-3, 500e-9, 10e-6), 5)
    0.00246
    """
    check_positive(wavelength, "wavelength", "m")
    if (isinstance(distance, bool) or not isinstance(distance, (int, float))
            or not math.isfinite(distance)):
        raise ValueError(f"distance: expected a finite float in metres, got {distance!r}")
    dy, dx = pixel_pair(pixel_size)
    lam = float(wavelength)
    f2 = min(0.25 / dx**2 + 0.25 / dy**2, 1.0 / lam**2)
    exact = -lam * f2 / (1.0 + math.sqrt(max(1.0 - lam**2 * f2, 0.0)))  # k_z - 1/lambda
    return 2 * math.pi * abs(distance) * abs(exact + 0.5 * lam * f2)


def relative_error(field: torch.Tensor, reference: torch.Tensor, *, window: float = 1.0):
    r"""Relative L2 error :math:`\|u - u_{ref}\| / \|u_{ref}\|` over a central window.

    Parameters
    ----------
    field, reference : Tensor, shape ``(..., H, W)``
    window : float in (0, 1]
        Side of the central square compared, as a fraction of ``H`` and ``W``.

    Returns
    -------
    Tensor, shape ``(...)``, real

    Examples
    --------
    >>> r = torch.ones(4, 4, dtype=torch.complex128)
    >>> float(relative_error(1.1 * r, r))
    0.1
    """
    check_tensor(field, "field")
    check_tensor(reference, "reference")
    if field.shape[-2:] != reference.shape[-2:]:
        raise ValueError(f"reference: expected the image size {tuple(field.shape[-2:])}, "
                         f"got {tuple(reference.shape[-2:])}")
    check_same_device(("field", field), ("reference", reference))
    if not 0 < window <= 1:
        raise ValueError(f"window: expected a fraction in (0, 1], got {window!r}")
    h, w = field.shape[-2:]
    ch, cw = max(1, round(h * window)), max(1, round(w * window))
    t, l = (h - ch) // 2, (w - cw) // 2
    u = field[..., t:t + ch, l:l + cw]
    r = reference[..., t:t + ch, l:l + cw]
    return torch.linalg.vector_norm(u - r, dim=(-2, -1)) / torch.linalg.vector_norm(r, dim=(-2, -1))


def angular_spectrum_padded(field, distance, wavelength, pixel_size, *, factor: int = 4):
    r"""Reference propagation: embed in a ``factor`` times larger zero grid, ASM, crop back.

    .. math:: U_z = \mathrm{crop}\,\mathcal{F}^{-1}\{\mathcal{F}\{\mathrm{pad}(U_0)\}\,H_z\}

    With ``pad=True`` inside, the FFT grid is ``2 * factor`` times larger, so the
    transfer function is sampled without aliasing up to ``2 * factor`` times
    the critical distance of the original grid, and light that leaves the
    window is not wrapped back in. Use it as the ground truth when studying
    aliasing of the unpadded methods.

    Parameters
    ----------
    field : Tensor, shape ``(..., H, W)``, complex
    distance, wavelength, pixel_size
        As :func:`~prcore.optics.propagation.angular_spectrum` (metres).
    factor : int
        Grid enlargement, >= 1.

    Returns
    -------
    Tensor, shape ``(..., H, W)``: the propagated field on the original window.

    Raises
    ------
    TypeError, ValueError
        As :func:`~prcore.optics.propagation.angular_spectrum`; ``factor < 1``.

    Warns
    -----
    SamplingWarning
        When ``|distance|`` exceeds the critical distance of the enlarged, padded grid.

    Examples
    --------
    >>> u = aperture((16, 16), 3)
    >>> ref = angular_spectrum_padded(u, 1e-4, 500e-9, 2e-6, factor=2)
    >>> ref.shape, round(float(ref.abs().pow(2).sum() / u.abs().pow(2).sum()), 2)
    (torch.Size([16, 16]), 0.98)
    """
    check_complex(field, "field")
    check_min_ndim(field, 2, "field")
    check_finite(field, "field")
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 1:
        raise ValueError(f"factor: expected an int >= 1, got {factor!r}")
    h, w = field.shape[-2:]
    big_h, big_w = factor * h, factor * w
    top, left = (big_h - h) // 2, (big_w - w) // 2
    big = F.pad(field, (left, big_w - w - left, top, big_h - h - top))
    dy, dx = pixel_pair(pixel_size)
    zc = critical_distance((2 * big_h, 2 * big_w), (dy, dx), wavelength)
    if isinstance(distance, torch.Tensor):
        zs = distance.detach().abs().max().item()
    else:
        zs = abs(distance)
    if zs > zc:
        warnings.warn(f"distance {zs:.4g} m exceeds the critical distance {zc:.4g} m of the padded "
                      f"reference grid; increase factor", SamplingWarning, stacklevel=2)
    out = angular_spectrum(big, distance, wavelength, (dy, dx), bandlimit=False, pad=True)
    return out[..., top:top + h, left:left + w]


class PropagatorErrors(NamedTuple):
    """Relative errors of the approximate propagators against the padded ASM, at ``distance``."""

    distance: float
    fresnel: float
    single_fft: float
    fraunhofer: float


def propagator_errors(field, wavelength, pixel_size, *, window: float = 0.5) -> PropagatorErrors:
    r"""Errors of Fresnel (transfer and single-FFT) and Fraunhofer against the ASM at :math:`z_c`.

    At :math:`z_c = N d^2/\lambda` the single-FFT forms return the field on the
    input grid, so all results compare pixel by pixel with the angular spectrum
    reference (zero-padded, band-limited: exact on this grid). Errors are
    :func:`relative_error` over the central ``window`` of the field, away from
    the edges where the single-FFT outputs wrap around.

    .. math:: \varepsilon_m = \frac{\|U_m - U_{ASM}\|}{\|U_{ASM}\|}

    Vary the aperture of ``field`` to sweep the Fresnel number
    :math:`N_F = a^2/(\lambda z_c)`.

    Parameters
    ----------
    field : Tensor, shape ``(H, W)`` or ``(..., H, W)``, complex
        Field in the input plane (square pixels recommended).
    wavelength : float
        Metres.
    pixel_size : float or (float, float)
        Metres.
    window : float
        Central fraction compared, in (0, 1].

    Returns
    -------
    PropagatorErrors
        ``(distance, fresnel, single_fft, fraunhofer)``; errors are plain floats
        (the largest over any batch dimensions).

    Raises
    ------
    TypeError, ValueError
        As :func:`~prcore.optics.propagation.fresnel`.

    References
    ----------
    1. J. W. Goodman, *Introduction to Fourier Optics*, 3rd ed. (2005), ch. 4.
    2. D. G. Voelz, *Computational Fourier Optics: A MATLAB Tutorial*, SPIE (2011), ch. 5.

    Examples
    --------
    >>> e = propagator_errors(aperture((64, 64), 2), 500e-9, 8e-6)
    >>> e.fresnel < 0.01, e.fraunhofer < 0.2
    (True, True)
    """
    check_complex(field, "field")
    check_min_ndim(field, 2, "field")
    check_finite(field, "field")
    dy, dx = pixel_pair(pixel_size)
    h, w = field.shape[-2:]
    if not math.isclose(h * dy**2, w * dx**2, rel_tol=1e-9):
        raise ValueError("field/pixel_size: expected equal N d^2 on both axes (e.g. a square "
                         "grid of square pixels) so the far-field grid matches the input, "
                         f"got shape {(h, w)} and pixel_size {(dy, dx)}")
    z = critical_distance((h, w), (dy, dx), wavelength)
    ref = angular_spectrum(field, z, wavelength, (dy, dx), pad=True)
    outs = {
        "fresnel": fresnel(field, z, wavelength, (dy, dx), pad=True).field,
        "single_fft": fresnel(field, z, wavelength, (dy, dx), method="single_fft").field,
        "fraunhofer": fraunhofer(field, z, wavelength, (dy, dx)).field,
    }
    errs = {k: float(relative_error(v, ref, window=window).max()) for k, v in outs.items()}
    return PropagatorErrors(distance=z, **errs)
