r"""Holographic phase recovery: phase-shifting (in-line) and off-axis (spatial filtering).

Both methods recover the object wave :math:`O` at the sensor from the cross
term :math:`O\bar R` of the holograms made by
:mod:`prcore.measure.holography`, then back-propagate it to the sample plane
with the angular spectrum method. The phase of the result is wrapped to
(−π, π]; unwrap it with :mod:`prcore.recover.unwrap`.
"""

from __future__ import annotations

import math

import torch

from .._checks import (
    check_finite,
    check_min_ndim,
    check_nonnegative_tensor,
    check_positive,
    check_real,
)
from ..backend import complex_dtype
from ..measure.holography import as_phase_shifts, check_carrier, sensor_field
from ..optics.grid import coordinates, frequencies, pixel_pair

__all__ = [
    "phase_shifting",
    "phase_shifting_formula",
    "find_sideband",
    "off_axis",
    "spectrum_fraction",
]


def _equally_spaced(d: torch.Tensor) -> bool:
    n = d.numel()
    steps = torch.remainder(d[1:] - d[:-1], 2 * math.pi)
    return bool(torch.allclose(steps, torch.full_like(steps, 2 * math.pi / n), atol=1e-9))


def _three_quarter(d: torch.Tensor) -> bool:
    if d.numel() != 3:
        return False
    steps = torch.remainder(d[1:] - d[:-1], 2 * math.pi)
    return bool(torch.allclose(steps, torch.full_like(steps, math.pi / 2), atol=1e-9))


def phase_shifting_formula(phase_shifts) -> str:
    """Name of the formula :func:`phase_shifting` uses for these shifts with ``method="auto"``.

    ``"N-step"`` for N equally spaced shifts covering 2π (including the classic
    3-step with 2π/3 and 4-step with π/2 steps), ``"3-step-quarter"`` for three
    shifts in π/2 steps, otherwise ``"least-squares"``.

    >>> phase_shifting_formula([0, math.pi / 2, math.pi, 3 * math.pi / 2])
    'N-step'
    >>> phase_shifting_formula([0, 1, 2.5])
    'least-squares'
    """
    d = as_phase_shifts(phase_shifts)
    if _equally_spaced(d):
        return "N-step"
    if _three_quarter(d):
        return "3-step-quarter"
    return "least-squares"


def phase_shifting(holograms, phase_shifts, *, reference_amplitude: float = 1.0,
                   method: str = "auto", distance: float = 0.0, wavelength: float | None = None,
                   pixel_size=1.0) -> torch.Tensor:
    r"""Object wave from N >= 3 phase-shifted in-line holograms with known shifts.

    Each pixel follows
    :math:`I_k = a + 2\,\mathrm{Re}(C)\cos\delta_k + 2\,\mathrm{Im}(C)\sin\delta_k` with
    :math:`C = r\,O` (see :func:`prcore.measure.holography.phase_shifted_holograms`).
    The general solution is the least-squares fit of :math:`(a, \mathrm{Re}\,C, \mathrm{Im}\,C)`
    over the known shifts,

    .. math::
        (a, 2\mathrm{Re}\,C, 2\mathrm{Im}\,C)^T = (M^T M)^{-1} M^T I,\qquad
        M_k = (1, \cos\delta_k, \sin\delta_k),

    which for N shifts equally spaced over 2π reduces to
    :math:`C = \frac1N\sum_k I_k e^{i\delta_k}` (4-step:
    :math:`C = [(I_0 - I_2) + i(I_1 - I_3)]/4`), and for the 3-step with π/2
    steps to :math:`C = [(I_0 - I_2) + i(2I_1 - I_0 - I_2)]/4` (shifts relative to the first).
    :math:`O = C/r` is then propagated back by ``-distance`` to the sample plane.

    Parameters
    ----------
    holograms : Tensor, shape ``(..., N, H, W)``, real
        Intensities, non-negative.
    phase_shifts : sequence of float, shape ``(N,)``
        Known (nominal) shifts in radians, distinct modulo 2π.
    reference_amplitude : float
        :math:`r`.
    method : {"auto", "lsq"}
        ``"auto"`` uses the closed form when the shifts have one
        (:func:`phase_shifting_formula`), ``"lsq"`` always solves the least-squares fit.
    distance : float
        Sample-to-sensor distance in metres; 0 returns the sensor-plane wave.
    wavelength : float
        Metres (needed when ``distance != 0``).
    pixel_size : float or (float, float)
        Metres.

    Returns
    -------
    Tensor, shape ``(..., H, W)``, complex
        The sample field (or the sensor-plane object wave when ``distance = 0``).

    Raises
    ------
    TypeError
        ``holograms`` not a real tensor.
    ValueError
        Fewer than 3 frames, frame count different from the number of shifts,
        shifts not distinct, negative or non-finite intensities, unknown method.

    References
    ----------
    1. I. Yamaguchi and T. Zhang, "Phase-shifting digital holography," Opt. Lett. 22, 1268 (1997).
    2. J. E. Greivenkamp, "Generalized data reduction for heterodyne interferometry,"
       Opt. Eng. 23, 350 (1984).

    Examples
    --------
    >>> from prcore.measure.holography import phase_shifted_holograms
    >>> u = torch.full((4, 4), complex(math.cos(0.7), math.sin(0.7)), dtype=torch.complex128)
    >>> shifts = [0, math.pi / 2, math.pi, 3 * math.pi / 2]
    >>> o = phase_shifting(phase_shifted_holograms(u, shifts), shifts)
    >>> round(float(torch.angle(o[0, 0])), 6)
    0.7
    """
    check_nonnegative_tensor(holograms, "holograms")
    check_min_ndim(holograms, 3, "holograms", "(..., N, H, W)")
    check_positive(reference_amplitude, "reference_amplitude")
    d = as_phase_shifts(phase_shifts, device=holograms.device)
    n = holograms.shape[-3]
    if n != d.numel():
        raise ValueError(f"holograms: expected {d.numel()} frames (one per phase shift) along "
                         f"dim -3, got shape {tuple(holograms.shape)}")
    if method not in ("auto", "lsq"):
        raise ValueError(f"method: expected 'auto' or 'lsq', got {method!r}")
    formula = phase_shifting_formula(d) if method == "auto" else "least-squares"
    cdt = complex_dtype(holograms.dtype)
    if formula == "N-step":
        w = torch.polar(torch.full_like(d, 1.0 / n), d).to(cdt)
        c = torch.einsum("n,...nhw->...hw", w, holograms.to(cdt))
    elif formula == "3-step-quarter":
        i0, i1, i2 = holograms.unbind(-3)
        c = torch.complex(i0 - i2, 2 * i1 - i0 - i2) / 4 * torch.polar(
            torch.ones((), dtype=d.dtype, device=d.device), d[0]).to(cdt)
    else:
        m = torch.stack([torch.ones_like(d), torch.cos(d), torch.sin(d)], dim=1)
        pinv = torch.linalg.pinv(m).to(holograms.dtype)
        coef = torch.einsum("jn,...nhw->...jhw", pinv, holograms)
        c = torch.complex(coef[..., 1, :, :], coef[..., 2, :, :]) / 2
    o = c / float(reference_amplitude)
    return sensor_field(o, distance=-distance, wavelength=wavelength, pixel_size=pixel_size)


def _half_plane(fy, fx, hint):
    hy, hx = hint
    dot = fy * hy + fx * hx
    # ties on the dividing line go to the side of the perpendicular (-hx, hy)
    tie = (dot == 0) & ((-fy * hx + fx * hy) > 0)
    return (dot > 0) | tie


def find_sideband(hologram, *, pixel_size, min_frequency: float | None = None,
                  hint=None, subpixel: bool = True) -> tuple[float, float]:
    r"""Locate the off-axis sideband: the spectral peak away from the centre band, in cycles/m.

    The hologram spectrum (mean removed; summed in magnitude over leading
    dimensions) is searched outside a disk of radius ``min_frequency`` around
    DC, in one half-plane, because the twin at :math:`-f_c` is the mirror image
    of the sideband at :math:`+f_c`. The peak is refined to sub-bin accuracy by
    a parabola through the logarithm of the magnitude on each axis.

    Parameters
    ----------
    hologram : Tensor, shape ``(..., H, W)``, real
    pixel_size : float or (float, float)
        Metres.
    min_frequency : float, optional
        Exclusion radius around DC in cycles/m (default: 8 frequency bins).
    hint : (float, float), optional
        Rough carrier ``(fy, fx)``; the half-plane containing it is searched.
        Default ``(1, 0)``: the sideband with ``fy > 0`` (or ``fy = 0, fx > 0``).
    subpixel : bool, default True
        Refine the peak between FFT bins (a carrier error :math:`\delta f` leaves a
        phase tilt :math:`2\pi\,\delta f\cdot x` in the result; the refinement is
        biased by the object's own spectrum near its DC, by a fraction of a bin).

    Returns
    -------
    (float, float)
        ``(fy, fx)`` in cycles/m.

    Examples
    --------
    >>> from prcore.measure.holography import off_axis_hologram
    >>> u = torch.ones(64, 64, dtype=torch.complex128)
    >>> fy, fx = find_sideband(off_axis_hologram(u, (0.25, 0.125), pixel_size=1.0), pixel_size=1.0)
    >>> round(fy, 4), round(fx, 4)
    (0.25, 0.125)
    """
    check_real(hologram, "hologram")
    check_finite(hologram, "hologram")
    check_min_ndim(hologram, 2, "hologram")
    h, w = hologram.shape[-2:]
    dy, dx = pixel_pair(pixel_size)
    x = hologram - hologram.mean(dim=(-2, -1), keepdim=True)
    mag = torch.fft.fft2(x).abs()
    mag = mag.reshape(-1, h, w).sum(0)
    fy, fx = frequencies((h, w), (dy, dx), device=hologram.device, dtype=torch.float64)
    if min_frequency is None:
        min_frequency = 8 * min(1 / (h * dy), 1 / (w * dx))
    hint = (1.0, 0.0) if hint is None else tuple(float(v) for v in hint)
    keep = (fy**2 + fx**2 >= float(min_frequency) ** 2) & _half_plane(fy, fx, hint)
    if not bool(keep.any()):
        raise ValueError(f"min_frequency: {min_frequency:.3g} cycles/m excludes the whole spectrum")
    score = torch.where(keep, mag.to(torch.float64), torch.zeros_like(mag, dtype=torch.float64))
    iy, ix = divmod(int(torch.argmax(score)), w)
    if not subpixel:
        return float(fy[iy, 0]), float(fx[0, ix])
    logm = torch.log(mag.to(torch.float64).clamp_min(1e-300))

    def vertex(a, b, c):
        den = a - 2 * b + c
        return 0.0 if den >= 0 else float(0.5 * (a - c) / den)

    sy = vertex(logm[(iy - 1) % h, ix], logm[iy, ix], logm[(iy + 1) % h, ix]) if h > 2 else 0.0
    sx = vertex(logm[iy, (ix - 1) % w], logm[iy, ix], logm[iy, (ix + 1) % w]) if w > 2 else 0.0
    return (float(fy[iy, 0]) + sy / (h * dy), float(fx[0, ix]) + sx / (w * dx))


def _residual_tilt(o, pixel_size):
    """Unit phasor of the mean phase gradient of ``o`` (amplitude-weighted), over the whole batch.

    For a sample surrounded by flat background the phase gradient of the object
    wave averages to zero over the field, so what remains is carrier error.
    """
    dy, dx = pixel_size
    h, w = o.shape[-2:]
    c = o[..., h // 8: h - h // 8, w // 8: w - w // 8]  # away from the edges, where a carrier
    gy = torch.angle((c[..., 1:, :] * c[..., :-1, :].conj()).sum())  # off the FFT bins rings
    gx = torch.angle((c[..., :, 1:] * c[..., :, :-1].conj()).sum())
    y, x = coordinates((h, w), (dy, dx), device=o.device, dtype=torch.float64)
    ramp = gy.to(torch.float64) * y / dy + gx.to(torch.float64) * x / dx
    return torch.polar(torch.ones_like(ramp), ramp).to(o.dtype)


def spectrum_fraction(radius: float, pixel_size) -> float:
    r"""Fraction of the sampled spectrum covered by a sideband disk of ``radius`` cycles/m.

    The sampled spectrum is the rectangle :math:`|f_x| < 1/(2\Delta_x)`,
    :math:`|f_y| < 1/(2\Delta_y)` of area :math:`1/(\Delta_x\Delta_y)`, so

    .. math:: \pi\rho^2\,\Delta_x\Delta_y

    >>> round(spectrum_fraction(0.125, 1.0), 4)
    0.0491
    """
    check_positive(radius, "radius", "cycles/m")
    dy, dx = pixel_pair(pixel_size)
    return math.pi * float(radius) ** 2 * dx * dy


def off_axis(hologram, *, pixel_size, carrier=None, radius: float | None = None,
             reference_amplitude: float = 1.0, distance: float = 0.0,
             wavelength: float | None = None) -> torch.Tensor:
    r"""Object wave from one off-axis hologram by spatial filtering of the sideband.

    The hologram spectrum is multiplied by a disk of radius :math:`\rho` centred on
    the carrier :math:`f_c` (found by :func:`find_sideband` when not given),
    transformed back, demodulated (shifted to the centre of the spectrum) and
    divided by the reference amplitude:

    .. math::
        O = \frac{1}{r}\, e^{-2\pi i f_c\cdot x}\,
            \mathcal{F}^{-1}\big\{\mathbb 1_{|f - f_c| \le \rho}\,\mathcal{F}\{I\}\big\},

    then propagated back by ``-distance``. The resolution is the radius
    :math:`\rho` (the object's spectrum beyond it is lost) and the carrier must
    be at least :math:`3\rho` from DC, so only the disk — a small part of the
    recorded spectrum (:func:`spectrum_fraction`) — is used.

    Parameters
    ----------
    hologram : Tensor, shape ``(..., H, W)``, real
    pixel_size : float or (float, float)
        Metres.
    carrier : (float, float), optional
        Sideband centre ``(fy, fx)`` in cycles/m (the convention of
        :func:`prcore.measure.holography.off_axis_hologram`). Default: located
        by :func:`find_sideband` (the twin ambiguity is resolved towards
        ``fy > 0``), and the residual carrier error, which would leave a phase
        tilt, is removed afterwards as the mean phase gradient of the
        demodulated wave (zero for a sample surrounded by flat background).
    radius : float, optional
        Filter radius in cycles/m, default ``|carrier| / 3``.
    reference_amplitude : float
        :math:`r`.
    distance : float
        Sample-to-sensor distance in metres (0: return the sensor-plane wave).
    wavelength : float
        Metres (needed when ``distance != 0``).

    Returns
    -------
    Tensor, shape ``(..., H, W)``, complex

    Raises
    ------
    ValueError
        Carrier beyond Nyquist, negative intensities, non-positive radius.

    Warns
    -----
    CarrierWarning
        The filter disk passes Nyquist or overlaps the centre band.

    References
    ----------
    1. M. Takeda, H. Ina and S. Kobayashi, "Fourier-transform method of fringe-pattern
       analysis for computer-based topography and interferometry," JOSA 72, 156 (1982).
    2. E. Cuche, P. Marquet and C. Depeursinge, Appl. Opt. 39, 4070 (2000).

    Examples
    --------
    >>> from prcore.measure.holography import off_axis_hologram
    >>> u = torch.full((32, 32), complex(math.cos(0.5), math.sin(0.5)), dtype=torch.complex128)
    >>> o = off_axis(off_axis_hologram(u, (0.25, 0.25), pixel_size=1.0), pixel_size=1.0)
    >>> round(float(torch.angle(o[16, 16])), 6)
    0.5
    """
    check_nonnegative_tensor(hologram, "hologram")
    check_min_ndim(hologram, 2, "hologram")
    check_positive(reference_amplitude, "reference_amplitude")
    dy, dx = pixel_pair(pixel_size)
    auto = carrier is None
    if auto:
        carrier = find_sideband(hologram, pixel_size=(dy, dx))
    fc = math.hypot(*(float(c) for c in carrier))
    if radius is None:
        radius = fc / 3 if fc > 0 else None
    cy, cx = check_carrier(carrier, (dy, dx), radius=radius, wavelength=wavelength, stacklevel=3)
    h, w = hologram.shape[-2:]
    fy, fx = frequencies((h, w), (dy, dx), device=hologram.device, dtype=torch.float64)
    mask = ((fy - cy) ** 2 + (fx - cx) ** 2 <= float(radius) ** 2)
    cdt = complex_dtype(hologram.dtype)
    side = torch.fft.ifft2(torch.fft.fft2(hologram.to(cdt)) * mask.to(cdt))
    y, x = coordinates((h, w), (dy, dx), device=hologram.device, dtype=torch.float64)
    demod = torch.polar(torch.ones_like(y * x), -2 * math.pi * (cy * y + cx * x)).to(cdt)
    o = side * demod / float(reference_amplitude)
    if auto:
        o = o * _residual_tilt(o, (dy, dx)).conj()
    return sensor_field(o, distance=-distance, wavelength=wavelength, pixel_size=(dy, dx))
