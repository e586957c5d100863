r"""Scalar free-space propagation: angular spectrum, Fresnel, Fraunhofer.

All functions take complex fields of shape ``(..., H, W)`` sampled at
``pixel_size`` metres, a ``wavelength`` in metres and a ``distance`` in metres
(negative distances back-propagate). Output device and dtype follow the input
field; transfer functions are computed in float64 and then cast, and the
constant piston :math:`e^{ikz}` is dropped everywhere so complex64 keeps its
precision at millimetre distances.
"""

from __future__ import annotations

import cmath
import math
import warnings
from typing import NamedTuple

import torch

from .._checks import (
    check_complex,
    check_finite,
    check_min_ndim,
    check_positive,
    check_same_device,
    check_shape_2d,
)
from ..backend import complex_dtype
from .grid import coordinates, critical_distance, frequencies, pixel_pair

__all__ = [
    "SamplingWarning",
    "Propagated",
    "angular_spectrum",
    "angular_spectrum_transfer",
    "fresnel",
    "fresnel_transfer",
    "fraunhofer",
    "apply_transfer",
    "check_sampling",
]


class SamplingWarning(UserWarning):
    """A propagation distance is outside the range its sampling supports."""


class Propagated(NamedTuple):
    """A propagated field and the pixel size (metres) of the plane it lives on."""

    field: torch.Tensor
    pixel_size: float | tuple


def _check_field(field, name="field", *, finite: bool = True):
    check_complex(field, name)
    check_min_ndim(field, 2, name)
    if finite:
        check_finite(field, name)
    return field


def _distance_tensor(distance, *, device, batch_ndim: int | None = None) -> torch.Tensor:
    """Distance as a float64 tensor shaped ``(..., 1, 1)`` for broadcasting."""
    if isinstance(distance, torch.Tensor):
        if distance.is_complex() or not distance.is_floating_point():
            raise TypeError(
                f"distance: expected a real floating tensor or a float, got {distance.dtype}"
            )
        check_finite(distance, "distance")
        z = distance.to(torch.float64) if distance.dtype != torch.float64 else distance
    else:
        if isinstance(distance, bool) or not isinstance(distance, (int, float)):
            raise TypeError(f"distance: expected a float in metres, got {type(distance).__name__}")
        if not math.isfinite(distance):
            raise ValueError(f"distance: expected a finite value in metres, got {distance!r}")
        z = torch.tensor(float(distance), dtype=torch.float64, device=device)
    return z.reshape(*z.shape, 1, 1)


def _fft_shape(shape, pad: bool):
    h, w = check_shape_2d(shape)
    return (2 * h, 2 * w) if pad else (h, w)


def angular_spectrum_transfer(
    shape, distance, wavelength, pixel_size, *, bandlimit: bool = True, device=None,
    dtype=torch.complex128,
) -> torch.Tensor:
    r"""Angular-spectrum transfer function :math:`H(f_x, f_y)` in FFT order, piston removed.

    .. math::
        H = \exp\!\Big(-i 2\pi z \frac{\lambda f^2}{1 + \sqrt{1-\lambda^2 f^2}}\Big)
        = e^{i 2\pi z (k_z - 1/\lambda)},\qquad f^2 = f_x^2 + f_y^2,

    zero for evanescent waves (:math:`\lambda f > 1`). With ``bandlimit`` the
    band-limited ASM mask of Matsushima & Shimobaba keeps only frequencies
    whose transfer-function phase is sampled without aliasing:
    :math:`|f_x| \le 1/(\lambda\sqrt{(2 z\,\Delta f_x)^2 + 1})`, same for y.

    Parameters
    ----------
    shape : tuple of int
        ``(H, W)`` of the FFT grid.
    distance : float or Tensor, shape ``(...)``
        Propagation distance(s) in metres; a tensor adds leading dimensions and
        may require grad.
    wavelength : float
        Wavelength in metres.
    pixel_size : float or (float, float)
        Pixel pitch in metres.
    bandlimit : bool
        Apply the band-limit mask.
    device, dtype
        Where and in which complex dtype to return ``H``.

    Returns
    -------
    Tensor, shape ``(..., H, W)``, complex

    Raises
    ------
    ValueError
        For non-positive wavelength or pixel size, non-finite distance.

    References
    ----------
    1. J. W. Goodman, *Introduction to Fourier Optics*, 3rd ed., ch. 3.10.
    2. K. Matsushima and T. Shimobaba, "Band-limited angular spectrum method
       for numerical simulation of free-space propagation in far and near
       fields," Opt. Express 17, 19662 (2009).

    Examples
    --------
    >>> H = angular_spectrum_transfer((8, 8), 0.0, 500e-9, 1e-6)
    >>> bool(torch.allclose(H, torch.ones_like(H)))
    True
    """
    h, w = check_shape_2d(shape)
    check_positive(wavelength, "wavelength", "m")
    dy, dx = pixel_pair(pixel_size)
    z = _distance_tensor(distance, device=device)
    fy, fx = frequencies((h, w), (dy, dx), device=z.device, dtype=torch.float64)
    lam = float(wavelength)
    f2 = fx**2 + fy**2
    arg = 1.0 - lam**2 * f2
    propagating = arg > 0
    g = -lam * f2 / (1.0 + torch.sqrt(arg.clamp_min(0.0)))  # k_z - 1/lambda, cancellation-free
    phase = 2 * math.pi * z * g
    mask = propagating.to(torch.float64)
    if bandlimit:
        zabs = z.detach().abs()
        lim_x = 1.0 / (lam * torch.sqrt((2.0 * zabs / (w * dx)) ** 2 + 1.0))
        lim_y = 1.0 / (lam * torch.sqrt((2.0 * zabs / (h * dy)) ** 2 + 1.0))
        mask = mask * (fx.abs() <= lim_x) * (fy.abs() <= lim_y)
    H = torch.polar(mask.expand(phase.shape).contiguous(), phase)
    return H.to(dtype)


def fresnel_transfer(shape, distance, wavelength, pixel_size, *, device=None,
                     dtype=torch.complex128):
    r"""Fresnel (paraxial) transfer function in FFT order, piston removed.

    .. math:: H = \exp(-i\pi\lambda z (f_x^2 + f_y^2))

    Examples
    --------
    >>> H = fresnel_transfer((4, 4), 1e-3, 500e-9, 1e-6)
    >>> bool(torch.allclose(H.abs(), torch.ones(4, 4, dtype=torch.float64)))
    True
    """
    check_positive(wavelength, "wavelength", "m")
    z = _distance_tensor(distance, device=device)
    fy, fx = frequencies(shape, pixel_size, device=z.device, dtype=torch.float64)
    phase = -math.pi * float(wavelength) * z * (fx**2 + fy**2)
    return torch.polar(torch.ones_like(phase), phase).to(dtype)


def apply_transfer(field: torch.Tensor, transfer: torch.Tensor, *,
                   pad: bool = False) -> torch.Tensor:
    r"""Filter ``field`` by a transfer function: ``ifft2(fft2(field) * transfer)``.

    .. math:: U_{out} = \mathcal{F}^{-1}\{\mathcal{F}\{U\}\,H\}

    ``transfer`` must have the FFT shape: ``(H, W)``, or ``(2H, 2W)`` with ``pad``
    (zero padding then cropping turns the circular convolution into a linear one).
    It is cast to the field's dtype; store it in that dtype to avoid a copy per call.
    This is the hot path of every cached propagator: one FFT pair and one multiply.
    Finiteness is checked on the spectrum's zero-frequency bin (the sum of the
    field, non-finite whenever any entry is), which costs no extra pass.

    Parameters
    ----------
    field : Tensor, shape ``(..., H, W)``, complex
    transfer : Tensor, shape ``(..., H, W)`` or ``(..., 2H, 2W)``, complex, FFT order
    pad : bool

    Returns
    -------
    Tensor, shape broadcast of ``field`` and ``transfer`` batch dims + ``(H, W)``

    Raises
    ------
    TypeError, ValueError
        Real or non-finite field, wrong transfer shape, different devices.

    Examples
    --------
    >>> u = torch.ones(4, 4, dtype=torch.complex64)
    >>> bool(torch.allclose(apply_transfer(u, torch.ones(4, 4, dtype=torch.complex64)), u))
    True
    """
    _check_field(field, finite=False)
    check_same_device(("field", field), ("transfer", transfer))
    h, w = field.shape[-2:]
    fft_shape = (2 * h, 2 * w) if pad else (h, w)
    if tuple(transfer.shape[-2:]) != fft_shape:
        raise ValueError(
            f"transfer: expected last dimensions {fft_shape} for a field of shape "
            f"{tuple(field.shape)} (pad={pad}), got {tuple(transfer.shape)}"
        )
    spec = torch.fft.fft2(field, s=fft_shape) if pad else torch.fft.fft2(field)
    if not all(map(cmath.isfinite, spec[..., 0, 0].reshape(-1).tolist())):
        check_finite(field, "field")  # raises for NaN/Inf; passes on a mere overflow
    H = transfer if transfer.dtype == spec.dtype else transfer.to(spec.dtype)
    in_place = (not (torch.is_grad_enabled() and (spec.requires_grad or H.requires_grad))
                and torch.broadcast_shapes(spec.shape, H.shape) == spec.shape)
    spec = spec.mul_(H) if in_place else spec * H
    out = torch.fft.ifft2(spec)
    return out[..., :h, :w] if pad else out


def check_sampling(distance, wavelength, pixel_size, shape, *, method: str = "asm",
                   stacklevel=3) -> float:
    """Warn with :class:`SamplingWarning` when ``distance`` is undersampled; return :math:`z_c`.

    The critical distance is :math:`z_c = N\\,d^2/\\lambda` (smallest over the axes).

    * ``"asm"`` (without band limit) and ``"fresnel"`` transfer functions alias
      beyond :math:`|z| > z_c`;
    * the single-FFT Fresnel and Fraunhofer forms alias their output chirp for
      :math:`z < z_c`;
    * the band-limited ASM (``"asm-bandlimit"``) never aliases, so nothing is checked.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     zc = check_sampling(1.0, 500e-9, 1e-6, (64, 64), method="fresnel")
    >>> len(w), round(zc * 1e6, 1)
    (1, 128.0)
    """
    zc = critical_distance(shape, pixel_size, wavelength)
    if isinstance(distance, torch.Tensor):
        zs = distance.detach().abs().flatten().tolist()
    else:
        zs = [abs(float(distance))]
    far = max(zs) if zs else 0.0
    near = min(zs) if zs else 0.0
    if method in ("asm", "fresnel") and far > zc:
        warnings.warn(
            f"distance {far:.4g} m exceeds the critical distance {zc:.4g} m (N dx^2 / wavelength) "
            f"for the {method} transfer function: its phase is aliased. Use a band-limited ASM, "
            "zero padding, or the single-FFT Fresnel form.",
            SamplingWarning, stacklevel=stacklevel,
        )
    elif method in ("single_fft", "fraunhofer") and near < zc:
        warnings.warn(
            f"distance {near:.4g} m is below the critical distance {zc:.4g} m "
            f"(N dx^2 / wavelength) for the {method} form: the output chirp is aliased. "
            "Use the angular spectrum method or the Fresnel transfer function.",
            SamplingWarning, stacklevel=stacklevel,
        )
    elif method not in ("asm", "asm-bandlimit", "fresnel", "single_fft", "fraunhofer"):
        raise ValueError(
            "method: expected one of 'asm', 'asm-bandlimit', 'fresnel', 'single_fft', "
            f"'fraunhofer', got {method!r}"
        )
    return zc


def angular_spectrum(field, distance, wavelength, pixel_size, *, bandlimit: bool = True,
                     pad: bool = False):
    r"""Propagate a complex field by ``distance`` with the (band-limited) angular spectrum method.

    .. math:: U_z = \mathcal{F}^{-1}\{ \mathcal{F}\{U_0\}\, H_z \},

    with :math:`H_z` from :func:`angular_spectrum_transfer`. Exact for scalar
    waves (no paraxial approximation); unitary on the propagating, band-limited
    part of the spectrum, so ``z`` then ``-z`` returns such a field.

    Parameters
    ----------
    field : Tensor, shape ``(..., H, W)``, complex
        Field at the input plane.
    distance : float or Tensor, shape broadcastable to ``field.shape[:-2]``
        Distance in metres (negative back-propagates). Differentiable.
    wavelength : float
        Wavelength in metres.
    pixel_size : float or (float, float)
        Pixel pitch in metres.
    bandlimit : bool, default True
        Band-limit the transfer function (no aliasing at long distances).
    pad : bool, default False
        Zero-pad to twice the size (linear instead of circular convolution).

    Returns
    -------
    Tensor, shape ``(..., H, W)``, same dtype and device as ``field``

    Raises
    ------
    TypeError
        If ``field`` is not a complex tensor.
    ValueError
        If ``field`` has fewer than 2 dimensions or non-finite values, the
        wavelength or pixel size is not positive, or devices differ.

    Warns
    -----
    SamplingWarning
        Without ``bandlimit``, when ``|distance|`` exceeds ``N dx^2 / wavelength``.

    References
    ----------
    1. J. W. Goodman, *Introduction to Fourier Optics*, 3rd ed. (2005).
    2. K. Matsushima and T. Shimobaba, Opt. Express 17, 19662 (2009).

    Examples
    --------
    >>> u = torch.ones(16, 16, dtype=torch.complex128)
    >>> bool(torch.allclose(angular_spectrum(u, 1e-3, 633e-9, 5e-6), u))
    True
    """
    _check_field(field, finite=False)  # apply_transfer checks finiteness for free
    check_positive(wavelength, "wavelength", "m")
    dy, dx = pixel_pair(pixel_size)
    if isinstance(distance, torch.Tensor):
        check_same_device(("field", field), ("distance", distance))
    h, w = field.shape[-2:]
    if not bandlimit:
        check_sampling(distance, wavelength, (dy, dx), _fft_shape((h, w), pad), method="asm")
    H = angular_spectrum_transfer(
        _fft_shape((h, w), pad), distance, wavelength, (dy, dx), bandlimit=bandlimit,
        device=field.device, dtype=complex_dtype(field.dtype),
    )
    return apply_transfer(field, H, pad=pad)


def _chirp(shape, pixel_size, wavelength, distance, device):
    y, x = coordinates(shape, pixel_size, device=device, dtype=torch.float64)
    return math.pi * (x**2 + y**2) / (wavelength * distance)


def _single_fft(field, distance, wavelength, dy, dx, *, input_chirp: bool, quadratic_phase: bool):
    h, w = field.shape[-2:]
    out_px = (wavelength * distance / (h * dy), wavelength * distance / (w * dx))
    u = field
    if input_chirp:
        chirp = _chirp((h, w), (dy, dx), wavelength, distance, field.device)
        u = u * torch.polar(torch.ones((), dtype=torch.float64, device=field.device),
                            chirp).to(field.dtype)
    spec = torch.fft.fftshift(torch.fft.fft2(torch.fft.ifftshift(u, dim=(-2, -1))), dim=(-2, -1))
    scale = dy * dx / (wavelength * distance)
    out_phase = torch.full((h, w), -math.pi / 2, dtype=torch.float64, device=field.device)
    if quadratic_phase:
        out_phase = out_phase + _chirp((h, w), out_px, wavelength, distance, field.device)
    factor = torch.polar(torch.full_like(out_phase, scale), out_phase).to(field.dtype)
    out_pixel = out_px[0] if math.isclose(out_px[0], out_px[1]) else out_px
    return Propagated(spec * factor, out_pixel)


def _positive_float_distance(distance, method, field):
    if isinstance(distance, torch.Tensor):
        check_same_device(("field", field), ("distance", distance))
        if distance.numel() != 1:
            raise ValueError(f"distance: the {method} form takes one scalar distance, "
                             f"got shape {tuple(distance.shape)}")
        distance = float(distance)
    if isinstance(distance, bool) or not isinstance(distance, (int, float)):
        raise TypeError(f"distance: expected a float in metres, got {type(distance).__name__}")
    if not math.isfinite(distance) or distance <= 0:
        raise ValueError(
            f"distance: the {method} form needs a finite distance > 0 m, got {distance!r}"
        )
    return float(distance)


def fresnel(field, distance, wavelength, pixel_size, *, method: str = "transfer",
            pad: bool = False) -> Propagated:
    r"""Fresnel (paraxial) propagation, as a transfer function or as a single FFT.

    ``method="transfer"`` multiplies the spectrum by
    :math:`\exp(-i\pi\lambda z f^2)` and keeps the input grid (valid for
    :math:`|z| \le N d^2/\lambda`). ``method="single_fft"`` evaluates the Fresnel
    integral with one FFT,

    .. math::
        U(x_2) = \frac{e^{i\pi x_2^2/(\lambda z)}}{i\lambda z}\,
        \mathcal{F}\{U(x_1)\,e^{i\pi x_1^2/(\lambda z)}\}\Big|_{f=x_2/(\lambda z)},

    on a new grid of pitch :math:`\lambda z/(N d)` (valid for :math:`z \ge N d^2/\lambda`).
    The piston :math:`e^{ikz}` is dropped. Energy :math:`\sum |U|^2 d^2` is conserved by both forms.

    Parameters
    ----------
    field : Tensor, shape ``(..., H, W)``, complex
    distance : float or Tensor
        Metres; > 0 for ``single_fft``.
    wavelength : float
        Metres.
    pixel_size : float or (float, float)
        Input pitch in metres.
    method : {"transfer", "single_fft"}
    pad : bool
        Zero padding for the transfer form.

    Returns
    -------
    Propagated
        ``(field, pixel_size)``: the output field and its pitch in metres.

    Raises
    ------
    TypeError, ValueError
        As :func:`angular_spectrum`; ``single_fft`` also needs ``distance > 0``.

    Warns
    -----
    SamplingWarning
        When ``distance`` lies on the aliased side of ``N d^2/λ`` for the chosen form.

    References
    ----------
    1. D. G. Voelz, *Computational Fourier Optics: A MATLAB Tutorial*, SPIE (2011), ch. 5.

    Examples
    --------
    >>> u = torch.ones(8, 8, dtype=torch.complex64)
    >>> out = fresnel(u, 1e-5, 500e-9, 1e-6)
    >>> out.pixel_size, out.field.dtype
    (1e-06, torch.complex64)
    """
    _check_field(field, finite=method != "transfer")  # apply_transfer checks it
    check_positive(wavelength, "wavelength", "m")
    dy, dx = pixel_pair(pixel_size)
    h, w = field.shape[-2:]
    if method == "transfer":
        if isinstance(distance, torch.Tensor):
            check_same_device(("field", field), ("distance", distance))
        check_sampling(distance, wavelength, (dy, dx), _fft_shape((h, w), pad), method="fresnel")
        H = fresnel_transfer(_fft_shape((h, w), pad), distance, wavelength, (dy, dx),
                             device=field.device, dtype=complex_dtype(field.dtype))
        return Propagated(apply_transfer(field, H, pad=pad), pixel_size)
    if method == "single_fft":
        z = _positive_float_distance(distance, method, field)
        check_sampling(z, wavelength, (dy, dx), (h, w), method="single_fft")
        return _single_fft(field, z, float(wavelength), dy, dx, input_chirp=True,
                           quadratic_phase=True)
    raise ValueError(f"method: expected 'transfer' or 'single_fft', got {method!r}")


def fraunhofer(field, distance, wavelength, pixel_size, *,
               quadratic_phase: bool = True) -> Propagated:
    r"""Far-field (Fraunhofer) propagation: a scaled Fourier transform.

    .. math::
        U(x_2) = \frac{e^{i\pi x_2^2/(\lambda z)}}{i\lambda z}\,
                 \mathcal{F}\{U(x_1)\}\big|_{f=x_2/(\lambda z)}

    Valid when the Fresnel number of the input aperture is small,
    :math:`a^2/(\lambda z) \ll 1`. The output pitch is :math:`\lambda z/(N d)`.
    ``quadratic_phase=False`` drops the output chirp (the intensity is unchanged).

    Parameters
    ----------
    field : Tensor, shape ``(..., H, W)``, complex
    distance : float
        Metres, > 0.
    wavelength : float
        Metres.
    pixel_size : float or (float, float)
        Input pitch in metres.

    Returns
    -------
    Propagated
        ``(field, pixel_size)`` on the far-field grid.

    Raises
    ------
    TypeError, ValueError
        As :func:`fresnel`.

    Examples
    --------
    >>> u = torch.zeros(8, 8, dtype=torch.complex128); u[4, 4] = 1
    >>> out = fraunhofer(u, 1.0, 500e-9, 1e-4)
    >>> bool(torch.allclose(out.field.abs(), out.field.abs()[0, 0].expand(8, 8)))
    True
    """
    _check_field(field)
    check_positive(wavelength, "wavelength", "m")
    dy, dx = pixel_pair(pixel_size)
    z = _positive_float_distance(distance, "fraunhofer", field)
    check_sampling(z, wavelength, (dy, dx), field.shape[-2:], method="fraunhofer")
    return _single_fft(field, z, float(wavelength), dy, dx, input_chirp=False,
                       quadratic_phase=quadratic_phase)
