r"""Weak-object transfer functions of defocus: how phase and amplitude become intensity.

A weak object :math:`u = 1 + a + i\phi` (with :math:`|a|, |\phi| \ll 1`)
propagated by a distance :math:`z` gives, to first order, an intensity whose
spectrum is

.. math::
    \tilde I_z(f) = \delta(f) + \mathrm{ATF}_z(f)\,\tilde a(f)
                    + \mathrm{PTF}_z(f)\,\tilde\phi(f),\qquad
    \mathrm{PTF}_z = 2\sin(\pi\lambda z f^2),\quad \mathrm{ATF}_z = 2\cos(\pi\lambda z f^2)

(Fresnel approximation). Near :math:`f = 0` the phase transfer function
vanishes like :math:`2\pi\lambda z f^2`: slowly varying phase barely changes the
intensity, which is the low-frequency problem of propagation-based phase
recovery.
"""

from __future__ import annotations

import math

import torch

from .._checks import check_finite, check_positive, check_real
from ..backend import as_tensor
from .grid import frequencies, pixel_pair
from .propagation import angular_spectrum

__all__ = [
    "defocus_ptf",
    "defocus_atf",
    "weak_object_transfer",
    "ptf_coverage",
    "measure_ptf",
]


def _freq_and_distance(frequency, distance, wavelength):
    check_positive(wavelength, "wavelength", "m")
    f = as_tensor(frequency)
    if f.is_complex():
        raise TypeError(f"frequency: expected real frequencies in cycles/m, got dtype {f.dtype}")
    f = f.to(torch.float64)
    check_finite(f, "frequency")
    if isinstance(distance, torch.Tensor):
        check_real(distance, "distance")
        check_finite(distance, "distance")
        z = distance.to(torch.float64)
    else:
        if isinstance(distance, bool) or not isinstance(distance, (int, float)):
            raise TypeError("distance: expected a float in metres or a tensor, "
                            f"got {type(distance).__name__}")
        if not math.isfinite(distance):
            raise ValueError(f"distance: expected a finite value in metres, got {distance!r}")
        z = torch.tensor(float(distance), dtype=f.dtype, device=f.device)
    return f, z


def _defocus_argument(frequency, distance, wavelength, exact):
    """``pi lambda z f^2`` (Fresnel) or its angular-spectrum form, in float64."""
    f, z = _freq_and_distance(frequency, distance, wavelength)
    lam = float(wavelength)
    f2 = f**2
    if exact:
        if bool((lam * f > 1).any()):
            raise ValueError("frequency: the exact form needs |f| <= 1/wavelength = "
                             f"{1 / lam:.4g} cycles/m, got max {float(f.abs().max()):.4g}")
        return 2 * math.pi * z * lam * f2 / (1 + torch.sqrt(1 - lam**2 * f2))
    return math.pi * lam * z * f2


def defocus_ptf(frequency, distance, wavelength, *, exact: bool = False) -> torch.Tensor:
    r"""Phase transfer function of defocus for a weak object (Fresnel approximation).

    .. math:: \mathrm{PTF}_z(f) = 2\sin(\pi\lambda z f^2)

    With ``exact`` the Fresnel argument :math:`\pi\lambda z f^2` is replaced by
    the angular-spectrum one, :math:`2\pi z\,\lambda f^2/(1+\sqrt{1-\lambda^2 f^2})`
    (what :func:`~prcore.optics.angular_spectrum` simulates).

    Parameters
    ----------
    frequency : Tensor or array, shape ``(...)``
        Spatial frequency magnitude in cycles/m.
    distance : float or Tensor
        Defocus distance in metres (broadcasts with ``frequency``; differentiable).
    wavelength : float
        Wavelength in metres.
    exact : bool
        Angular-spectrum (non-paraxial) argument instead of the Fresnel one.

    Returns
    -------
    Tensor, shape broadcast of ``frequency`` and ``distance``, float64, dimensionless

    Raises
    ------
    ValueError
        Non-positive wavelength, non-finite frequency or distance.

    References
    ----------
    1. C. Zuo et al., "Transport of intensity equation: a tutorial,"
       Opt. Lasers Eng. 135, 106187 (2020).

    Examples
    --------
    >>> f = torch.tensor([0.0, 1e4])
    >>> defocus_ptf(f, 1e-3, 500e-9).tolist()  # 2 sin(pi * 0.05)
    [0.0, 0.312868...]
    """
    return 2 * torch.sin(_defocus_argument(frequency, distance, wavelength, exact))


def defocus_atf(frequency, distance, wavelength, *, exact: bool = False) -> torch.Tensor:
    r"""Amplitude transfer function of defocus for a weak object, :math:`2\cos(\pi\lambda z f^2)`.

    Same arguments as :func:`defocus_ptf`.

    Examples
    --------
    >>> defocus_atf(torch.tensor([0.0]), 1e-3, 500e-9).tolist()
    [2.0]
    """
    return 2 * torch.cos(_defocus_argument(frequency, distance, wavelength, exact))


def weak_object_transfer(shape, distance, wavelength, pixel_size, *, exact: bool = False,
                         device=None, dtype=torch.float64):
    r"""PTF and ATF of defocus on the FFT grid of an image.

    .. math::
        \mathrm{PTF} = 2\sin(\pi\lambda z (f_x^2+f_y^2)),\quad
        \mathrm{ATF} = 2\cos(\pi\lambda z (f_x^2+f_y^2))

    Parameters
    ----------
    shape : tuple of int
        ``(H, W)``.
    distance : float or Tensor, shape ``(D,)``
        Metres; a 1-D tensor gives a leading dimension ``D``.
    wavelength : float
        Metres.
    pixel_size : float or (float, float)
        Metres.
    exact : bool
        Angular-spectrum argument (see :func:`defocus_ptf`).

    Returns
    -------
    (ptf, atf) : Tensors, shape ``(H, W)`` or ``(D, H, W)``, real, FFT order

    Examples
    --------
    >>> ptf, atf = weak_object_transfer((4, 4), 1e-3, 500e-9, 1e-6)
    >>> float(ptf[0, 0]), float(atf[0, 0])
    (0.0, 2.0)
    """
    pixel_pair(pixel_size)
    fy, fx = frequencies(shape, pixel_size, device=device, dtype=torch.float64)
    f = torch.sqrt(fx**2 + fy**2)
    if isinstance(distance, torch.Tensor) and distance.ndim > 0:
        distance = distance.to(torch.float64).reshape(-1, 1, 1)
    return (defocus_ptf(f, distance, wavelength, exact=exact).to(dtype),
            defocus_atf(f, distance, wavelength, exact=exact).to(dtype))


def ptf_coverage(frequency, distances, wavelength) -> torch.Tensor:
    r"""Combined phase transfer of several distances, :math:`\sqrt{\sum_d \mathrm{PTF}_{z_d}^2}`.

    A least-squares combination of intensities at the distances :math:`z_d`
    transfers the phase at frequency :math:`f` with this gain (noise is
    amplified by its inverse); a single distance has zeros wherever
    :math:`\lambda z f^2` is an integer, several distances fill them.

    Parameters
    ----------
    frequency : Tensor, shape ``(...)``
        Cycles/m.
    distances : sequence of float or Tensor, shape ``(D,)``
        Metres.
    wavelength : float
        Metres.

    Returns
    -------
    Tensor, shape ``(...)``

    Examples
    --------
    >>> c = ptf_coverage(torch.tensor([1e4]), [1e-3, 1e-3], 500e-9)
    >>> round(float(c[0]) / float(defocus_ptf(torch.tensor([1e4]), 1e-3, 500e-9)[0]), 6)
    1.414214
    """
    z = as_tensor(distances, dtype=torch.float64).flatten()
    if z.numel() == 0:
        raise ValueError("distances: expected at least one distance, got none")
    f = as_tensor(frequency, dtype=torch.float64)
    p = defocus_ptf(f.unsqueeze(-1), z.to(f.device), wavelength)
    return torch.sqrt((p**2).sum(dim=-1))


def measure_ptf(cycles, distance, wavelength, pixel_size, shape, *, strength: float = 1e-3):
    r"""Measure the PTF of angular-spectrum propagation from weak phase gratings.

    For each integer ``n`` in ``cycles`` a pure phase grating
    :math:`\phi = \epsilon\cos(2\pi n x / (W\,\Delta x))` is propagated by
    ``distance`` with :func:`~prcore.optics.angular_spectrum` (complex128), the
    intensity is recorded, and the PTF is read off the Fourier coefficient
    :math:`c_n` of the intensity at the grating frequency:
    :math:`\mathrm{PTF} = 2\,\mathrm{Re}\,c_n/\epsilon` (error :math:`O(\epsilon^2)`).

    Parameters
    ----------
    cycles : sequence of int
        Grating periods per field of view, each in ``[0, W/2)``.
    distance : float
        Metres.
    wavelength : float
        Metres.
    pixel_size : float
        Metres.
    shape : tuple of int
        ``(H, W)`` of the simulation.
    strength : float
        Phase amplitude :math:`\epsilon` in radians (weak: ``<< 1``).

    Returns
    -------
    (frequency, ptf) : Tensors, shape ``(N,)``, float64
        Frequencies in cycles/m and measured PTF values.

    Raises
    ------
    ValueError
        Cycles outside ``[0, W/2)``, non-positive strength or physical parameters.

    Examples
    --------
    >>> f, p = measure_ptf([8], 1e-3, 500e-9, 2e-6, (4, 64))
    >>> bool(abs(p[0] - defocus_ptf(f, 1e-3, 500e-9, exact=True)[0]) < 1e-5)
    True
    """
    check_positive(strength, "strength", "rad")
    h, w = (int(s) for s in shape)
    dy, dx = pixel_pair(pixel_size)
    n = as_tensor(cycles).flatten()
    if n.is_floating_point() or n.is_complex():
        raise TypeError(f"cycles: expected integers (periods per field), got dtype {n.dtype}")
    if n.numel() == 0 or int(n.min()) < 0 or int(n.max()) >= w / 2:
        raise ValueError(f"cycles: expected integers in [0, {w / 2:g}), got {n.tolist()}")
    x = torch.arange(w, dtype=torch.float64)
    phase = strength * torch.cos(2 * math.pi * n.to(torch.float64).reshape(-1, 1, 1) * x / w)
    field = torch.polar(torch.ones_like(phase), phase).expand(-1, h, w)
    out = angular_spectrum(field.contiguous(), float(distance), wavelength, (dy, dx))
    inten = out.real**2 + out.imag**2
    coef = torch.fft.fft(inten.mean(dim=-2), dim=-1) / w
    c = coef.gather(-1, n.reshape(-1, 1).to(torch.int64)).squeeze(-1)
    ptf = 2 * c.real / strength
    ptf = torch.where(n == 0, torch.zeros_like(ptf), ptf)
    return n.to(torch.float64) / (w * dx), ptf

