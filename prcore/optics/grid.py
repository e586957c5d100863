"""Sampling grids: shape, pixel size and wavelength in one frozen object."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .._checks import check_positive, check_shape_2d

__all__ = ["Grid", "pixel_pair", "frequencies", "coordinates"]


def pixel_pair(pixel_size) -> tuple[float, float]:
    """Return ``(dy, dx)`` in metres from a scalar or a pair, validated."""
    if isinstance(pixel_size, (tuple, list)):
        if len(pixel_size) != 2:
            raise ValueError(
                f"pixel_size: expected a number or a pair (dy, dx), got {pixel_size!r}"
            )
        dy, dx = pixel_size
    else:
        dy = dx = pixel_size
    check_positive(dy, "pixel_size", "m")
    check_positive(dx, "pixel_size", "m")
    return float(dy), float(dx)


def frequencies(shape, pixel_size, *, device=None, dtype=torch.float64):
    """Spatial frequencies ``(fy, fx)`` in cycles/m, in FFT order, shape ``(H, 1)`` and ``(1, W)``.

    Examples
    --------
    >>> fy, fx = frequencies((4, 4), 1e-6)
    >>> fx.flatten().tolist()
    [0.0, 250000.0, -500000.0, -250000.0]
    """
    h, w = check_shape_2d(shape)
    dy, dx = pixel_pair(pixel_size)
    fy = torch.fft.fftfreq(h, d=dy, dtype=dtype, device=device).reshape(h, 1)
    fx = torch.fft.fftfreq(w, d=dx, dtype=dtype, device=device).reshape(1, w)
    return fy, fx


def coordinates(shape, pixel_size, *, device=None, dtype=torch.float64):
    """Centred sample positions ``(y, x)`` in metres, shape ``(H, 1)`` and ``(1, W)``.

    The sample at index ``H // 2`` (``W // 2``) is at 0, matching ``fftshift``.

    >>> y, x = coordinates((4, 4), 1.0)
    >>> x.flatten().tolist()
    [-2.0, -1.0, 0.0, 1.0]
    """
    h, w = check_shape_2d(shape)
    dy, dx = pixel_pair(pixel_size)
    y = (torch.arange(h, device=device, dtype=dtype) - h // 2) * dy
    x = (torch.arange(w, device=device, dtype=dtype) - w // 2) * dx
    return y.reshape(h, 1), x.reshape(1, w)


@dataclass(frozen=True)
class Grid:
    """A sampled optical plane.

    Parameters
    ----------
    shape : tuple of int
        ``(H, W)`` samples.
    pixel_size : float or tuple of float
        Sample pitch in metres (scalar, or ``(dy, dx)``).
    wavelength : float
        Vacuum wavelength in metres (divide by the refractive index for a medium).

    Examples
    --------
    >>> g = Grid((256, 256), 2e-6, 500e-9)
    >>> round(g.critical_distance * 1e3, 3)  # N dx^2 / lambda, in mm
    2.048
    >>> g.extent
    (0.000512, 0.000512)
    """

    shape: tuple
    pixel_size: float | tuple
    wavelength: float

    def __post_init__(self):
        object.__setattr__(self, "shape", check_shape_2d(self.shape))
        pair = pixel_pair(self.pixel_size)
        object.__setattr__(self, "pixel_size", pair[0] if pair[0] == pair[1] else pair)
        check_positive(self.wavelength, "wavelength", "m")
        object.__setattr__(self, "wavelength", float(self.wavelength))

    @property
    def pixel_yx(self) -> tuple[float, float]:
        """``(dy, dx)`` in metres."""
        return pixel_pair(self.pixel_size)

    @property
    def extent(self) -> tuple[float, float]:
        """Field of view ``(H dy, W dx)`` in metres."""
        (h, w), (dy, dx) = self.shape, self.pixel_yx
        return (h * dy, w * dx)

    @property
    def k(self) -> float:
        """Wavenumber 2π/λ in rad/m."""
        return 2 * math.pi / self.wavelength

    @property
    def nyquist(self) -> tuple[float, float]:
        """Highest representable frequency ``1/(2 d)`` per axis, cycles/m."""
        dy, dx = self.pixel_yx
        return (0.5 / dy, 0.5 / dx)

    @property
    def critical_distance(self) -> float:
        """``min(N d^2 / λ)`` over the axes: where transfer-function and impulse-response
        sampling trade places (Voelz & Roggemann 2009)."""
        return critical_distance(self.shape, self.pixel_size, self.wavelength)

    def frequencies(self, *, device=None, dtype=torch.float64):
        """``(fy, fx)`` in cycles/m, FFT order; see :func:`frequencies`."""
        return frequencies(self.shape, self.pixel_size, device=device, dtype=dtype)

    def coordinates(self, *, device=None, dtype=torch.float64):
        """Centred ``(y, x)`` in metres; see :func:`coordinates`."""
        return coordinates(self.shape, self.pixel_size, device=device, dtype=dtype)

    def fresnel_number(self, distance: float, aperture: float | None = None) -> float:
        """``a^2 / (λ z)`` with ``a`` the aperture half-width (default half the field of view)."""
        check_positive(abs(distance), "distance", "m")
        a = aperture if aperture is not None else min(self.extent) / 2
        return a**2 / (self.wavelength * abs(distance))


def critical_distance(shape, pixel_size, wavelength) -> float:
    """``min_axis N d^2 / λ`` in metres for a grid.

    >>> critical_distance((100, 200), 1e-6, 1e-6)
    0.0001
    >>> critical_distance((1, 200), 1e-6, 1e-6)  # 1-D field: only the long axis counts
    0.0002
    """
    h, w = check_shape_2d(shape)
    dy, dx = pixel_pair(pixel_size)
    check_positive(wavelength, "wavelength", "m")
    # an axis of length 1 carries no diffraction (a 1-D field), so it sets no limit
    per_axis = [n * d**2 for n, d in ((h, dy), (w, dx)) if n > 1] or [max(h * dy**2, w * dx**2)]
    return min(per_axis) / wavelength
