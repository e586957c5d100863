r"""Hologram formation: phase-shifted in-line holograms and off-axis holograms.

A hologram records the intensity of the object wave :math:`O` (the sample
field propagated to the sensor) added to a known reference wave :math:`R`,

.. math:: I = |O + R|^2 = |O|^2 + |R|^2 + 2\,\mathrm{Re}(O\,\bar R),

so the phase of :math:`O` relative to :math:`R` enters the cross term. In-line
phase shifting records several holograms with a plane reference
:math:`R = r\,e^{i\delta_k}` (shifted by a piezo mirror); off-axis holography
records one hologram with a tilted reference whose fringes put the cross term
on a spatial carrier frequency. The recovery lives in
:mod:`prcore.recover.holography`.
"""

from __future__ import annotations

import math
import warnings

import torch

from .._checks import (
    check_complex,
    check_finite,
    check_min_ndim,
    check_positive,
)
from ..optics.grid import coordinates, pixel_pair
from ..optics.propagation import angular_spectrum
from .intensity import intensity

__all__ = [
    "CarrierWarning",
    "sensor_field",
    "as_phase_shifts",
    "phase_shifted_holograms",
    "carrier_from_angle",
    "check_carrier",
    "reference_wave",
    "off_axis_hologram",
]


class CarrierWarning(UserWarning):
    """An off-axis sideband (carrier ± filter radius) overlaps the centre band or passes Nyquist."""


def sensor_field(field, *, distance: float, wavelength: float | None, pixel_size) -> torch.Tensor:
    """The object wave at the sensor: ``field`` propagated by ``distance`` (angular spectrum).

    ``distance = 0`` returns ``field`` itself (the sensor sits in the sample plane,
    or an imaging system conjugates them) and needs no wavelength. A tensor
    distance is passed on to :func:`prcore.optics.angular_spectrum` (and may
    require grad, e.g. for autofocusing).

    >>> u = torch.ones(4, 4, dtype=torch.complex64)
    >>> bool(torch.equal(sensor_field(u, distance=0.0, wavelength=None, pixel_size=1e-6), u))
    True
    """
    check_complex(field, "field")
    check_min_ndim(field, 2, "field")
    check_finite(field, "field")
    if isinstance(distance, torch.Tensor):
        if wavelength is None:
            raise ValueError("wavelength: expected a wavelength in metres for a distance tensor, "
                             "got None")
        return angular_spectrum(field, distance, wavelength, pixel_size)
    if (isinstance(distance, bool) or not isinstance(distance, (int, float))
            or not math.isfinite(distance)):
        raise TypeError(f"distance: expected a finite float or a tensor in metres, "
                        f"got {distance!r}")
    if distance == 0:
        return field
    if wavelength is None:
        raise ValueError("wavelength: expected a wavelength in metres for a non-zero distance, "
                         "got None")
    return angular_spectrum(field, float(distance), wavelength, pixel_size)


def as_phase_shifts(phase_shifts, *, dtype=torch.float64, device=None) -> torch.Tensor:
    r"""Validate known phase shifts :math:`\delta_k` (radians) and return them as a 1-D tensor.

    At least three shifts are needed (the hologram has three unknowns per pixel:
    the background and the real and imaginary parts of :math:`O\bar R`), and
    they must be distinct modulo :math:`2\pi`.

    Raises
    ------
    ValueError
        Fewer than 3 shifts, non-finite values, or two shifts equal modulo 2π.

    Examples
    --------
    >>> as_phase_shifts([0, math.pi / 2, math.pi]).tolist()
    [0.0, 1.5707963267948966, 3.141592653589793]
    """
    d = torch.as_tensor(phase_shifts, dtype=dtype, device=device)
    if d.is_complex():
        raise TypeError("phase_shifts: expected real shifts in radians, got complex values")
    if d.ndim != 1:
        raise ValueError("phase_shifts: expected a 1-D sequence of shifts (rad), "
                         f"got shape {tuple(d.shape)}")
    check_finite(d, "phase_shifts")
    if d.numel() < 3:
        raise ValueError(f"phase_shifts: expected at least 3 phase shifts (3 unknowns per pixel), "
                         f"got {d.numel()}")
    w = torch.remainder(d, 2 * math.pi)
    gap = (w[:, None] - w[None, :]).abs()
    gap = torch.minimum(gap, 2 * math.pi - gap)
    gap = gap + torch.eye(d.numel(), dtype=d.dtype, device=d.device) * 10
    if float(gap.min()) < 1e-6:
        i, j = divmod(int(torch.argmin(gap)), d.numel())
        raise ValueError(f"phase_shifts: expected shifts distinct modulo 2π, got shifts {i} "
                         f"and {j} equal ({float(d[i]):.6g} and {float(d[j]):.6g} rad)")
    return d


def phase_shifted_holograms(field, phase_shifts, *, distance: float = 0.0,
                            wavelength: float | None = None, pixel_size=1.0,
                            reference_amplitude: float = 1.0,
                            miscalibration: float = 0.0) -> torch.Tensor:
    r"""In-line holograms of ``field`` with a plane reference shifted by each ``phase_shifts[k]``.

    .. math::
        I_k = |O + r\,e^{i(1+\epsilon)\delta_k}|^2
            = |O|^2 + r^2 + 2r\,\mathrm{Re}\big(O\,e^{-i(1+\epsilon)\delta_k}\big),

    with :math:`O` the sample field propagated to the sensor by ``distance``
    (:func:`sensor_field`), :math:`r` the reference amplitude and
    :math:`\epsilon` a relative miscalibration of the phase shifter (a piezo
    that moves :math:`1+\epsilon` times the nominal step).

    Parameters
    ----------
    field : Tensor, shape ``(..., H, W)``, complex
        Sample field (transmission), dimensionless.
    phase_shifts : sequence of float, shape ``(N,)``
        Nominal reference phase shifts :math:`\delta_k` in radians, ``N >= 3``, distinct.
    distance : float
        Sample-to-sensor distance in metres (0: sensor in the sample plane).
    wavelength : float
        Metres (needed when ``distance != 0``).
    pixel_size : float or (float, float)
        Metres.
    reference_amplitude : float
        :math:`r > 0`.
    miscalibration : float
        :math:`\epsilon`, the relative error of the shifter (0.05 = 5 % too long).

    Returns
    -------
    Tensor, shape ``(..., N, H, W)``, real (the field's real dtype)

    Raises
    ------
    TypeError
        ``field`` not complex.
    ValueError
        Fewer than 3 shifts, repeated shifts, non-positive ``reference_amplitude``.

    References
    ----------
    1. I. Yamaguchi and T. Zhang, "Phase-shifting digital holography," Opt. Lett. 22, 1268 (1997).

    Examples
    --------
    >>> u = torch.zeros(2, 2, dtype=torch.complex128)  # no object: the reference alone
    >>> phase_shifted_holograms(u, [0, 2, 4], reference_amplitude=2.0)[:, 0, 0].tolist()
    [4.0, 4.0, 4.0]
    """
    check_positive(reference_amplitude, "reference_amplitude")
    if not math.isfinite(float(miscalibration)):
        raise ValueError(f"miscalibration: expected a finite number, got {miscalibration!r}")
    o = sensor_field(field, distance=distance, wavelength=wavelength, pixel_size=pixel_size)
    d = as_phase_shifts(phase_shifts, device=o.device) * (1.0 + float(miscalibration))
    ref = torch.polar(torch.full_like(d, float(reference_amplitude)), d).to(o.dtype)
    return intensity(o.unsqueeze(-3) + ref[:, None, None])


def carrier_from_angle(angle, wavelength: float) -> tuple[float, float]:
    r"""Fringe frequency ``(fy, fx)`` in cycles/m of a reference tilted by ``angle = (θy, θx)`` rad.

    .. math:: f = \sin\theta / \lambda

    >>> fy, fx = carrier_from_angle((0.0, math.asin(0.25)), 500e-9)
    >>> round(fy), round(fx)
    (0, 500000)
    """
    check_positive(wavelength, "wavelength", "m")
    try:
        ty, tx = (float(a) for a in angle)
    except (TypeError, ValueError):
        raise ValueError(f"angle: expected a pair (θy, θx) in radians, got {angle!r}") from None
    if not (abs(ty) < math.pi / 2 and abs(tx) < math.pi / 2):
        raise ValueError(f"angle: expected |θ| < π/2 rad, got {angle!r}")
    return math.sin(ty) / wavelength, math.sin(tx) / wavelength


def _carrier_pair(carrier, name="carrier") -> tuple[float, float]:
    try:
        fy, fx = (float(c) for c in carrier)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a pair (fy, fx) in cycles/m, got {carrier!r}") from None
    if not (math.isfinite(fy) and math.isfinite(fx)):
        raise ValueError(f"{name}: expected finite frequencies, got {carrier!r}")
    return fy, fx


def check_carrier(carrier, pixel_size, *, radius: float | None = None,
                  wavelength: float | None = None, stacklevel: int = 2) -> tuple[float, float]:
    r"""Check an off-axis carrier against the sampling; return it as ``(fy, fx)`` in cycles/m.

    * A carrier at or beyond the Nyquist frequency :math:`1/(2\Delta)` of either
      axis cannot be recorded: its fringes alias to a lower frequency and the
      object would come back with a wrong tilt. This raises ``ValueError``.
    * With a sideband ``radius`` (cycles/m), :class:`CarrierWarning` is issued
      when the sideband reaches past Nyquist (part of the object spectrum
      aliases) or when it overlaps the centre band, whose autocorrelation term
      :math:`|O|^2` is twice as wide (separation needs :math:`|f_c| \ge 3\rho`).

    Raises
    ------
    ValueError
        Carrier beyond Nyquist (the message gives the largest reference angle
        when ``wavelength`` is known), or a zero carrier.

    Examples
    --------
    >>> check_carrier((0.0, 2e5), 1e-6)
    (0.0, 200000.0)
    >>> check_carrier((0.0, 6e5), 1e-6)
    Traceback (most recent call last):
    ...
    ValueError: carrier: expected |fx| < Nyquist 5e+05 cycles/m (pixel 1e-06 m), ...
    """
    fy, fx = _carrier_pair(carrier)
    dy, dx = pixel_pair(pixel_size)
    ny, nx = 0.5 / dy, 0.5 / dx
    for f, nyq, d, axis in ((fy, ny, dy, "y"), (fx, nx, dx, "x")):
        if abs(f) >= nyq:
            hint = ""
            if wavelength is not None:
                theta = math.degrees(math.asin(min(1.0, wavelength * nyq)))
                hint = f" (largest reference angle {theta:.3g}°)"
            raise ValueError(
                f"carrier: expected |f{axis}| < Nyquist {nyq:.3g} cycles/m (pixel {d:.3g} m), "
                f"got f{axis} = {f:.3g} cycles/m: the fringes alias (undersampled); reduce the "
                f"reference angle{hint}"
            )
    fc = math.hypot(fy, fx)
    if fc == 0:
        raise ValueError("carrier: expected a non-zero carrier (a tilted reference), got (0, 0)")
    if radius is not None:
        check_positive(radius, "radius", "cycles/m")
        if abs(fy) + radius > ny or abs(fx) + radius > nx:
            warnings.warn(
                f"sideband |carrier| + radius passes Nyquist ({abs(fy) + radius:.3g}, "
                f"{abs(fx) + radius:.3g}) "
                f"> ({ny:.3g}, {nx:.3g}) cycles/m: the filter wraps around the spectrum edge and "
                "picks up aliased frequencies; lower the radius or the carrier",
                CarrierWarning, stacklevel=stacklevel,
            )
        if fc < 3 * radius * (1 - 1e-9):
            warnings.warn(
                f"sideband radius {radius:.3g} cycles/m overlaps the centre band: the carrier "
                f"{fc:.3g} cycles/m should be at least 3x the radius (the |O|^2 term is twice "
                "as wide)",
                CarrierWarning, stacklevel=stacklevel,
            )
    return fy, fx


def reference_wave(shape, carrier, *, pixel_size, amplitude: float = 1.0, device=None,
                   dtype=torch.complex64) -> torch.Tensor:
    r"""Tilted plane reference :math:`R = r\,e^{-2\pi i (f_y y + f_x x)}` on centred coordinates.

    The sign makes the object term :math:`O\bar R` of the hologram sit at
    ``+carrier`` in the spectrum. The phase is zero at the centre pixel
    (index ``H//2, W//2``).

    >>> R = reference_wave((4, 4), (0.0, 0.25), pixel_size=1.0, dtype=torch.complex128)
    >>> [round(v, 6) + 0.0 for v in torch.angle(R[0]).tolist()]
    [3.141593, 1.570796, 0.0, -1.570796]
    """
    check_positive(amplitude, "amplitude")
    fy, fx = _carrier_pair(carrier)
    y, x = coordinates(shape, pixel_size, device=device, dtype=torch.float64)
    phase = -2 * math.pi * (fy * y + fx * x)
    return torch.polar(torch.full_like(phase, float(amplitude)), phase).to(dtype)


def off_axis_hologram(field, carrier, *, distance: float = 0.0, wavelength: float | None = None,
                      pixel_size=1.0, reference_amplitude: float = 1.0) -> torch.Tensor:
    r"""Off-axis hologram of ``field`` with a tilted plane reference (carrier in cycles/m).

    .. math::
        I = |O + R|^2 = |O|^2 + r^2 + O\,\bar R + \bar O R,\qquad
        R = r\,e^{-2\pi i\, f_c\cdot x},

    so the object term :math:`r\,O\,e^{2\pi i f_c\cdot x}` is a sideband at
    ``+carrier`` and its twin at ``-carrier``. A reference tilted by
    :math:`\theta` gives :math:`f_c = \sin\theta/\lambda` (:func:`carrier_from_angle`).

    Parameters
    ----------
    field : Tensor, shape ``(..., H, W)``, complex
        Sample field.
    carrier : (float, float)
        ``(fy, fx)`` in cycles/m; each below Nyquist ``1/(2 pixel_size)``.
    distance : float
        Sample-to-sensor distance in metres.
    wavelength : float
        Metres (needed when ``distance != 0``; also improves the error message).
    pixel_size : float or (float, float)
        Metres.
    reference_amplitude : float
        :math:`r > 0`.

    Returns
    -------
    Tensor, shape ``(..., H, W)``, real

    Raises
    ------
    ValueError
        Carrier at or beyond Nyquist (aliased fringes), zero carrier.

    References
    ----------
    1. E. Cuche, P. Marquet and C. Depeursinge, "Spatial filtering for zero-order and
       twin-image elimination in digital off-axis holography," Appl. Opt. 39, 4070 (2000).

    Examples
    --------
    >>> u = torch.ones(1, 8, dtype=torch.complex128)  # a plane object wave: cosine fringes
    >>> I = off_axis_hologram(u, (0.0, 0.25), pixel_size=1.0)
    >>> [round(v, 6) for v in I[0].tolist()]
    [4.0, 2.0, 0.0, 2.0, 4.0, 2.0, 0.0, 2.0]
    """
    check_positive(reference_amplitude, "reference_amplitude")
    check_carrier(carrier, pixel_size, wavelength=wavelength)
    o = sensor_field(field, distance=distance, wavelength=wavelength, pixel_size=pixel_size)
    ref = reference_wave(o.shape[-2:], carrier, pixel_size=pixel_size,
                         amplitude=reference_amplitude, device=o.device, dtype=o.dtype)
    return intensity(o + ref)
