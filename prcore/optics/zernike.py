r"""Zernike polynomials on the unit disk (Noll ordering and normalisation)."""

from __future__ import annotations

import math

import torch

from .._checks import check_shape_2d

__all__ = ["noll_to_nm", "zernike", "zernike_basis"]


def noll_to_nm(j: int) -> tuple[int, int]:
    """Radial order ``n`` and azimuthal frequency ``m`` of Noll index ``j`` (from 1).

    >>> [noll_to_nm(j) for j in range(1, 7)]
    [(0, 0), (1, 1), (1, -1), (2, 0), (2, -2), (2, 2)]
    """
    if isinstance(j, bool) or not isinstance(j, int) or j < 1:
        raise ValueError(f"j: expected a Noll index >= 1, got {j!r}")
    n = 0
    while (n + 1) * (n + 2) // 2 < j:
        n += 1
    k = j - n * (n + 1) // 2 - 1  # position within the radial order, 0..n
    # |m| values in order n%2, n%2, n%2+2, n%2+2, ... ; the zero appears once
    ms = []
    for mm in range(n % 2, n + 1, 2):
        ms += [mm] if mm == 0 else [mm, mm]
    m = ms[k]
    if m != 0 and (j % 2 == 1):
        m = -m
    return n, m


def _radial(n: int, m: int, rho: torch.Tensor) -> torch.Tensor:
    m = abs(m)
    out = torch.zeros_like(rho)
    for s in range((n - m) // 2 + 1):
        c = (-1) ** s * math.factorial(n - s) / (
            math.factorial(s) * math.factorial((n + m) // 2 - s) * math.factorial((n - m) // 2 - s)
        )
        out = out + c * rho ** (n - 2 * s)
    return out


def zernike(j: int, shape, *, radius: float | None = None, device=None,
            dtype=torch.float64) -> torch.Tensor:
    r"""Noll-normalised Zernike polynomial :math:`Z_j` sampled on a centred disk.

    .. math::
        Z_j = \sqrt{n+1}\,R_n^{|m|}(\rho)\,\{\sqrt2\cos(m\theta),\ \sqrt2\sin(|m|\theta),\ 1\}

    so that the mean of :math:`Z_j^2` over the unit disk is 1. Zero outside the disk.

    Parameters
    ----------
    j : int
        Noll index (1 = piston, 2/3 = tilts, 4 = defocus, ...).
    shape : tuple of int
        ``(H, W)`` samples.
    radius : float, optional
        Disk radius in pixels (default: half the smaller side).

    Returns
    -------
    Tensor, shape ``(H, W)``, real

    References
    ----------
    1. R. J. Noll, "Zernike polynomials and atmospheric turbulence,"
       J. Opt. Soc. Am. 66, 207 (1976).

    Examples
    --------
    >>> z4 = zernike(4, (65, 65))
    >>> round(float(z4[32, 32]), 4)  # defocus sqrt(3)(2 rho^2 - 1) at the centre
    -1.7321
    """
    h, w = check_shape_2d(shape)
    n, m = noll_to_nm(j)
    r = radius if radius is not None else min(h, w) / 2
    if r <= 0:
        raise ValueError(f"radius: expected > 0 pixels, got {r}")
    y = (torch.arange(h, device=device, dtype=dtype) - (h - 1) / 2).reshape(h, 1) / r
    x = (torch.arange(w, device=device, dtype=dtype) - (w - 1) / 2).reshape(1, w) / r
    rho = torch.sqrt(x**2 + y**2)
    theta = torch.atan2(y, x)
    rad = _radial(n, m, rho) * math.sqrt(n + 1)
    if m > 0:
        ang = math.sqrt(2) * torch.cos(m * theta)
    elif m < 0:
        ang = math.sqrt(2) * torch.sin(-m * theta)
    else:
        ang = torch.ones_like(theta)
    return torch.where(rho <= 1, rad * ang, torch.zeros_like(rho))


def zernike_basis(n_modes: int, shape, *, start: int = 1, radius=None, device=None,
                  dtype=torch.float64):
    """Stack of Zernike polynomials ``Z_start ... Z_{start+n_modes-1}``, shape ``(n_modes, H, W)``.

    >>> zernike_basis(3, (16, 16), start=2).shape
    torch.Size([3, 16, 16])
    """
    if n_modes < 1:
        raise ValueError(f"n_modes: expected >= 1, got {n_modes}")
    return torch.stack([zernike(j, shape, radius=radius, device=device, dtype=dtype)
                        for j in range(start, start + n_modes)])
