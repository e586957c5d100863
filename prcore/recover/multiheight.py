r"""Multi-height (multi-distance) phase retrieval: Gerchberg–Saxton between defocused planes.

Intensities :math:`I_j = |U(z_j)|^2` of one coherent field are recorded at
several distances :math:`z_j` from the object. Starting from the first plane
with a flat phase, the field is propagated with the (band-limited) angular
spectrum method from plane to plane; at each plane its amplitude is replaced by
the measured :math:`\sqrt{I_j}` and its phase is kept. One iteration visits
planes :math:`1, 2, \dots, N-1` and returns to plane 0. Each extra plane adds
an independent constraint, so the solution becomes better determined as planes
are added.
"""

from __future__ import annotations

import math

import torch
from tqdm.auto import tqdm

from .._checks import (
    check_complex,
    check_finite,
    check_int,
    check_min_ndim,
    check_nonnegative_tensor,
    check_positive,
    check_same_device,
)
from ..backend import complex_dtype
from ..optics.grid import pixel_pair
from ..optics.propagation import angular_spectrum_transfer

__all__ = ["multi_height"]


def _check_distances(distances, n_planes):
    if isinstance(distances, torch.Tensor):
        zs = distances.detach().flatten().tolist()
    else:
        try:
            zs = [float(z) for z in distances]
        except TypeError:
            raise TypeError(f"distances: expected a sequence of floats (metres), "
                            f"got {type(distances).__name__}") from None
    if len(zs) != n_planes:
        raise ValueError(f"distances: expected {n_planes} distances (one per intensity plane), "
                         f"got {len(zs)}")
    if not all(math.isfinite(z) for z in zs):
        raise ValueError(f"distances: expected finite values in metres, got {zs}")
    return zs


def multi_height(intensities: torch.Tensor, distances, x0: torch.Tensor | None = None, *,
                 wavelength: float, pixel_size, n_iter: int, bandlimit: bool = True,
                 callback=None, progress: bool = False):
    r"""Recover a complex field from intensities at several distances (multi-height GS).

    .. math::
        U \leftarrow \sqrt{I_j}\;\frac{\mathcal{P}_{z_j - z_{j-1}} U}
                                      {|\mathcal{P}_{z_j - z_{j-1}} U|},
        \qquad j = 1, \dots, N-1, 0

    with :math:`\mathcal{P}_z` the band-limited angular-spectrum propagator
    (:func:`prcore.optics.angular_spectrum`); the result is the plane-0 field
    propagated back by :math:`-z_0` to the object.

    Parameters
    ----------
    intensities : Tensor, shape ``(..., N, H, W)``, real, >= 0
        Measured intensities, plane ``j`` at ``distances[j]``.
    distances : sequence of float, length ``N``
        Object-to-plane distances in metres.
    x0 : Tensor, shape ``(..., H, W)``, complex, optional
        Initial guess of the object-plane field; default: the plane-0 amplitude
        with a flat phase.
    wavelength : float
        Metres.
    pixel_size : float or (float, float)
        Metres.
    n_iter : int
        Number of cycles through all planes.
    bandlimit : bool, default True
        Band-limited transfer functions (no aliasing at long distances).
    callback : callable ``(k, field, error)``, optional
        Called after each cycle with the current plane-0 field.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    field : Tensor, shape ``(..., H, W)``, complex
        Object-plane field (``z = 0``).
    history : dict
        ``"error"``: float64 tensor ``(n_iter, ...)``, the amplitude mismatch
        :math:`\frac1N\sum_j \| |\mathcal{P}U| - \sqrt{I_j} \| / \|\sqrt{I_j}\|`
        measured before each replacement (zero when all planes agree).

    Raises
    ------
    TypeError
        If ``intensities`` is complex or ``x0`` is not complex.
    ValueError
        Negative or non-finite intensities, a number of distances different from
        ``N``, non-positive wavelength or pixel size, ``n_iter < 1``, or an ``x0``
        of the wrong shape.

    References
    ----------
    1. L. J. Allen and M. P. Oxley, "Phase retrieval from series of images
       obtained by defocus variation," Opt. Commun. 199, 65 (2001).
    2. G. Pedrini, W. Osten and Y. Zhang, "Wave-front reconstruction from a
       sequence of interferograms recorded at different planes," Opt. Lett. 30,
       833 (2005).
    3. A. Greenbaum and A. Ozcan, "Maskless imaging of dense samples using
       pixel super-resolution based multi-height lensfree on-chip microscopy,"
       Opt. Express 20, 3129 (2012).

    Examples
    --------
    >>> from prcore.optics import angular_spectrum
    >>> y, x = torch.meshgrid(torch.arange(32.0), torch.arange(32.0), indexing="ij")
    >>> phase = torch.exp(-((y - 16) ** 2 + (x - 16) ** 2) / 20).double()
    >>> u = torch.polar(torch.ones_like(phase), phase)
    >>> zs = [1e-3, 2e-3, 3e-3]
    >>> I = torch.stack([angular_spectrum(u, z, 500e-9, 4e-6).abs() ** 2 for z in zs])
    >>> est, hist = multi_height(I, zs, wavelength=500e-9, pixel_size=4e-6, n_iter=100)
    >>> from prcore.metrics import phase_rmse  # flat-phase guess: 0.16 rad
    >>> bool(phase_rmse(est.angle(), phase) < 0.03)
    True
    """
    check_nonnegative_tensor(intensities, "intensities")
    check_min_ndim(intensities, 3, "intensities", "(..., N, H, W)")
    n_planes, h, w = intensities.shape[-3:]
    zs = _check_distances(distances, n_planes)
    check_positive(wavelength, "wavelength", "m")
    dy, dx = pixel_pair(pixel_size)
    check_int(n_iter, "n_iter", minimum=1)
    cdt = complex_dtype(intensities.dtype)
    dev = intensities.device
    amps = intensities.sqrt()
    batch = amps.shape[:-3]

    def transfer(dz):
        return angular_spectrum_transfer((h, w), dz, wavelength, (dy, dx), bandlimit=bandlimit,
                                         device=dev, dtype=cdt)

    if x0 is None:
        u = amps[..., 0, :, :].to(cdt)
    else:
        check_complex(x0, "x0")
        check_finite(x0, "x0")
        check_same_device(("intensities", intensities), ("x0", x0))
        if tuple(x0.shape[-2:]) != (h, w):
            raise ValueError(f"x0: expected last dimensions {(h, w)}, got shape {tuple(x0.shape)}")
        u = torch.fft.ifft2(torch.fft.fft2(x0.to(cdt)) * transfer(zs[0]))
    u = u.expand(*batch, h, w).clone()

    order = list(range(1, n_planes)) + [0]
    steps = []  # (plane index, transfer function from the previous plane)
    prev = 0
    for j in order:
        steps.append((j, transfer(zs[j] - zs[prev]) if j != prev else None))
        prev = j
    a_norm = torch.linalg.vector_norm(amps, dim=(-2, -1)).clamp_min(torch.finfo(amps.dtype).tiny)
    tiny = torch.finfo(amps.dtype).tiny
    errs = torch.empty((n_iter, *batch), dtype=torch.float64, device=dev)
    for k in tqdm(range(n_iter), disable=not progress, desc="multi-height"):
        err = torch.zeros(batch, dtype=torch.float64, device=dev)
        for j, H in steps:
            if H is not None:
                u = torch.fft.ifft2(torch.fft.fft2(u).mul_(H))
            mod = u.abs()
            a = amps[..., j, :, :]
            err += (torch.linalg.vector_norm(mod - a, dim=(-2, -1)) / a_norm[..., j])
            u.mul_(a / mod.clamp_min_(tiny))
        errs[k] = err / n_planes
        if callback is not None:
            callback(k, u, errs[k])
    field = torch.fft.ifft2(torch.fft.fft2(u) * transfer(-zs[0]))
    return field, {"error": errs.cpu()}
