r"""Shack–Hartmann wavefront reconstruction: centroids, slopes, zonal and modal integration.

Pipeline: spot image → thresholded centre of mass in each lenslet window
(:func:`spot_centroids`) → phase gradients :math:`\nabla\phi = 2\pi s/(\lambda f)`
(:func:`centroid_gradients`) → wavefront, either *zonal* (least squares on the
lenslet grid, Southwell geometry, :func:`zonal_reconstruct`) or *modal*
(least-squares fit of Zernike-polynomial gradients, :func:`modal_reconstruct`).
The zonal result lives on the lenslet grid: its resolution is the lenslet pitch.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .._checks import (
    check_finite,
    check_int,
    check_min_ndim,
    check_nonnegative,
    check_positive,
    check_real,
)
from ..measure.wavefront import _blocks, camera_pixel_size, lenslet_gradients, lenslet_grid
from ..optics.zernike import zernike_basis

__all__ = [
    "spot_centroids",
    "centroid_gradients",
    "southwell_matrix",
    "zonal_reconstruct",
    "zernike_gradients",
    "modal_reconstruct",
    "lenslet_to_pupil",
]


def _check_int(value, name, minimum=1):
    return check_int(value, name, minimum)


def _check_pair(gy, gx):
    for t, n in ((gy, "gy"), (gx, "gx")):
        check_real(t, n)
        check_min_ndim(t, 2, n, "(..., ny, nx)")
        check_finite(t, n)
    if gy.shape != gx.shape:
        raise ValueError(f"gx: expected the shape of gy {tuple(gy.shape)}, got {tuple(gx.shape)}")


def spot_centroids(spots, *, spot_pixels: int, threshold: float = 0.1):
    r"""Thresholded centre of mass of the spot in each lenslet window, in camera pixels.

    In each ``K × K`` window, :math:`I' = \max(I - t\,\max I, 0)` and

    .. math:: s_x = \frac{\sum I'\,(x - x_c)}{\sum I'},\qquad x_c = \tfrac{K-1}{2},

    the same for :math:`y`. The threshold suppresses the noisy background that
    otherwise pulls centroids towards the window centre.

    Parameters
    ----------
    spots : Tensor, shape ``(..., ny * K, nx * K)``, real, >= 0
        Camera image (e.g. :func:`prcore.measure.wavefront.shack_hartmann_spots`).
    spot_pixels : int
        ``K``, camera pixels per lenslet side.
    threshold : float
        Fraction of each window's maximum subtracted before the centroid, in ``[0, 1)``.

    Returns
    -------
    (sy, sx) : Tensors, shape ``(..., ny, nx)``
        Spot displacements from the window centres, in camera pixels (0 for an
        empty window).

    Raises
    ------
    ValueError
        Image sides not multiples of ``spot_pixels``, bad threshold, non-finite input.

    Examples
    --------
    >>> img = torch.zeros(8, 8); img[2, 5] = 1.0
    >>> sy, sx = spot_centroids(img, spot_pixels=8)
    >>> float(sy[0, 0]), float(sx[0, 0])
    (-1.5, 1.5)
    """
    check_real(spots, "spots")
    check_min_ndim(spots, 2, "spots")
    check_finite(spots, "spots")
    k = _check_int(spot_pixels, "spot_pixels")
    lenslet_grid(spots.shape[-2:], k)
    check_nonnegative(threshold, "threshold")
    if threshold >= 1:
        raise ValueError(f"threshold: expected a fraction in [0, 1), got {threshold}")
    b = _blocks(spots, k)  # (..., ny, nx, k, k)
    peak = b.amax(dim=(-2, -1), keepdim=True)
    w = (b - threshold * peak).clamp_min(0)
    c = torch.arange(k, dtype=spots.dtype, device=spots.device) - (k - 1) / 2
    total = w.sum(dim=(-2, -1))
    safe = torch.where(total > 0, total, torch.ones_like(total))
    sy = (w.sum(dim=-1) * c).sum(dim=-1) / safe
    sx = (w.sum(dim=-2) * c).sum(dim=-1) / safe
    zero = torch.zeros_like(sy)
    return torch.where(total > 0, sy, zero), torch.where(total > 0, sx, zero)


def centroid_gradients(spots, wavelength, pixel_size, *, lenslet_pixels: int, focal_length: float,
                       spot_pixels: int | None = None, threshold: float = 0.1):
    r"""Phase gradients (rad/m) per lenslet from a Shack–Hartmann image.

    A spot displaced by :math:`s` (metres) behind a lenslet of focal length
    :math:`f` means a wavefront tilt :math:`\theta = s/f`, i.e.

    .. math:: \nabla\phi = \frac{2\pi}{\lambda}\,\frac{s}{f}.

    Parameters
    ----------
    spots : Tensor, shape ``(..., ny * K, nx * K)``, real
    wavelength : float
        Metres.
    pixel_size : float
        Pupil sampling in metres (the camera pitch follows, see
        :func:`prcore.measure.wavefront.camera_pixel_size`).
    lenslet_pixels, focal_length, spot_pixels
        As in :func:`prcore.measure.wavefront.shack_hartmann_spots`.
    threshold : float
        As in :func:`spot_centroids`.

    Returns
    -------
    (gy, gx) : Tensors, shape ``(..., ny, nx)``, rad/m

    References
    ----------
    1. B. C. Platt and R. Shack, J. Refract. Surg. 17, S573 (2001).

    Examples
    --------
    >>> from prcore.measure.wavefront import shack_hartmann_spots
    >>> x = (torch.arange(64, dtype=torch.float64) - 31.5) * 10e-6
    >>> u = torch.polar(torch.ones(64, 64, dtype=torch.float64), (2e4 * x).expand(64, 64))
    >>> img = shack_hartmann_spots(u, 633e-9, 10e-6, lenslet_pixels=16, focal_length=5e-3,
    ...                            spot_pixels=32)
    >>> gy, gx = centroid_gradients(img, 633e-9, 10e-6, lenslet_pixels=16, focal_length=5e-3,
    ...                             spot_pixels=32)
    >>> bool((gx - 2e4).abs().max() < 100), bool(gy.abs().max() < 1)
    (True, True)
    """
    check_positive(wavelength, "wavelength", "m")
    check_positive(focal_length, "focal_length", "m")
    k = lenslet_pixels if spot_pixels is None else spot_pixels
    dcam = camera_pixel_size(pixel_size, lenslet_pixels, k)
    sy, sx = spot_centroids(spots, spot_pixels=k, threshold=threshold)
    scale = 2 * math.pi * dcam / (float(wavelength) * float(focal_length))
    return sy * scale, sx * scale


def southwell_matrix(ny: int, nx: int, pitch: float, *, dtype=torch.float64, device=None):
    r"""Southwell least-squares system mapping lenslet phases to averaged slope differences.

    Unknowns are the phases :math:`\phi_{i,j}` at the lenslet centres (row-major).
    Each pair of horizontal neighbours gives one equation

    .. math:: \phi_{i,j+1} - \phi_{i,j} = \tfrac{d}{2}\,(g^x_{i,j} + g^x_{i,j+1}),

    vertical neighbours likewise, and a last row fixes the mean phase to 0.

    Returns
    -------
    (A, Gy, Gx) : Tensors
        ``A`` of shape ``(M, ny*nx)``, and ``Gy``, ``Gx`` of shape ``(M, ny*nx)``
        so the right-hand side is ``Gy @ gy.flatten() + Gx @ gx.flatten()``.

    References
    ----------
    1. W. H. Southwell, "Wave-front estimation from wave-front slope
       measurements," J. Opt. Soc. Am. 70, 998 (1980).

    Examples
    --------
    >>> A, Gy, Gx = southwell_matrix(2, 2, 1.0)
    >>> A.shape  # 2 horizontal + 2 vertical pairs + the mean row
    torch.Size([5, 4])
    """
    _check_int(ny, "ny")
    _check_int(nx, "nx")
    check_positive(pitch, "pitch", "m")
    n = ny * nx
    idx = torch.arange(n).reshape(ny, nx)
    left, right = idx[:, :-1].flatten(), idx[:, 1:].flatten()
    top, bottom = idx[:-1, :].flatten(), idx[1:, :].flatten()
    mh, mv = left.numel(), top.numel()
    m = mh + mv + 1
    A = torch.zeros(m, n, dtype=dtype, device=device)
    Gy = torch.zeros(m, n, dtype=dtype, device=device)
    Gx = torch.zeros(m, n, dtype=dtype, device=device)
    rh = torch.arange(mh)
    rv = torch.arange(mh, mh + mv)
    A[rh, right] = 1.0
    A[rh, left] = -1.0
    Gx[rh, right] = pitch / 2
    Gx[rh, left] = pitch / 2
    A[rv, bottom] = 1.0
    A[rv, top] = -1.0
    Gy[rv, bottom] = pitch / 2
    Gy[rv, top] = pitch / 2
    A[-1, :] = 1.0 / n
    return A, Gy, Gx


def _dct_matrix(n, dtype, device):
    """Orthonormal DCT-II matrix: its rows are the eigenvectors of the path-graph Laplacian."""
    k = torch.arange(n, dtype=dtype, device=device).reshape(n, 1)
    i = torch.arange(n, dtype=dtype, device=device).reshape(1, n)
    c = torch.cos(math.pi * k * (2 * i + 1) / (2 * n)) * math.sqrt(2.0 / n)
    c[0] = c[0] / math.sqrt(2.0)
    return c


def zonal_reconstruct(gy, gx, pitch: float):
    r"""Zonal (Southwell) least-squares wavefront on the lenslet grid.

    .. math::
        \hat\phi = \arg\min_\phi \|A\phi - (G_y g_y + G_x g_x)\|^2,\quad \textstyle\sum\phi = 0

    with the system of :func:`southwell_matrix`. Its normal matrix
    :math:`A^\top A` is the grid-graph Laplacian with Neumann boundaries, which
    the 2-D DCT-II diagonalises (eigenvalues :math:`4\sin^2(\pi k_y/2n_y) +
    4\sin^2(\pi k_x/2n_x)`), so the least-squares solution costs two small
    matrix transforms instead of a pseudo-inverse.

    Parameters
    ----------
    gy, gx : Tensor, shape ``(..., ny, nx)``, rad/m
        Phase gradients at the lenslet centres (e.g. :func:`centroid_gradients`).
    pitch : float
        Lenslet pitch in metres.

    Returns
    -------
    Tensor, shape ``(..., ny, nx)``, radians, zero mean
        Phase at the lenslet centres (upsample with :func:`lenslet_to_pupil`).

    Raises
    ------
    ValueError
        Shapes differ or are not 2-D at the end; non-finite values.

    References
    ----------
    1. W. H. Southwell, J. Opt. Soc. Am. 70, 998 (1980).

    Examples
    --------
    >>> y = torch.arange(4, dtype=torch.float64).reshape(4, 1) * 1e-3
    >>> phase = zonal_reconstruct(torch.full((4, 5), 100.0, dtype=torch.float64),
    ...                           torch.zeros(4, 5, dtype=torch.float64), 1e-3)
    >>> bool(torch.allclose(phase, (100 * (y - y.mean())).expand(4, 5)))
    True
    """
    _check_pair(gy, gx)
    check_positive(pitch, "pitch", "m")
    ny, nx = gy.shape[-2:]
    d = float(pitch)
    y, x = gy.to(torch.float64), gx.to(torch.float64)
    bx = d / 2 * (x[..., :, 1:] + x[..., :, :-1])  # (.., ny, nx-1): phi[j+1] - phi[j]
    by = d / 2 * (y[..., 1:, :] + y[..., :-1, :])
    rhs = torch.zeros_like(y)  # A^T b
    rhs[..., :, 1:] += bx
    rhs[..., :, :-1] -= bx
    rhs[..., 1:, :] += by
    rhs[..., :-1, :] -= by
    cy = _dct_matrix(ny, torch.float64, gy.device)
    cx = _dct_matrix(nx, torch.float64, gy.device)
    ky = torch.arange(ny, dtype=torch.float64, device=gy.device).reshape(ny, 1)
    kx = torch.arange(nx, dtype=torch.float64, device=gy.device).reshape(1, nx)
    eig = 4 * torch.sin(math.pi * ky / (2 * ny)) ** 2 + 4 * torch.sin(math.pi * kx / (2 * nx)) ** 2
    spec = cy @ rhs @ cx.T
    spec = torch.where(eig > 0, spec / torch.where(eig > 0, eig, torch.ones_like(eig)),
                       torch.zeros_like(spec))
    return (cy.T @ spec @ cx).to(gy.dtype)


def zernike_gradients(n_modes: int, shape, pixel_size, *, lenslet_pixels: int, start: int = 2,
                      radius: float | None = None, dtype=torch.float64, device=None):
    r"""Lenslet-averaged gradients of Zernike polynomials: the modal reconstruction matrix.

    Each polynomial :math:`Z_j` is sampled on the pupil grid and averaged like
    the sensor does (:func:`prcore.measure.wavefront.lenslet_gradients`).

    Parameters
    ----------
    n_modes : int
        Number of Noll modes from ``start`` (default 2: tilts first, piston is invisible).
    shape : tuple of int
        Pupil ``(H, W)``, multiples of ``lenslet_pixels``.
    pixel_size : float
        Pupil sampling, metres.
    lenslet_pixels : int
    radius : float, optional
        Zernike disk radius in pupil pixels (default: half the diagonal, so the
        whole square pupil lies inside the disk and the modes are smooth on it).

    Returns
    -------
    (basis, dy, dx) : Tensors
        ``basis`` ``(n_modes, H, W)`` (radians per unit coefficient) and its
        lenslet-averaged gradients ``(n_modes, ny, nx)`` in rad/m.

    Examples
    --------
    >>> basis, dy, dx = zernike_gradients(3, (32, 32), 1e-4, lenslet_pixels=8)
    >>> basis.shape, dx.shape
    (torch.Size([3, 32, 32]), torch.Size([3, 4, 4]))
    """
    _check_int(n_modes, "n_modes")
    h, w = (int(s) for s in shape)
    lenslet_grid((h, w), lenslet_pixels)
    r = math.hypot(h, w) / 2 if radius is None else radius
    check_positive(r, "radius", "pixels")
    basis = zernike_basis(n_modes, (h, w), start=start, radius=r, device=device, dtype=dtype)
    gy, gx = lenslet_gradients(basis, pixel_size, lenslet_pixels=lenslet_pixels)
    return basis, gy, gx


def modal_reconstruct(gy, gx, pixel_size, *, lenslet_pixels: int, n_modes: int | None = None,
                      start: int = 2, radius: float | None = None, basis=None):
    r"""Modal wavefront: least-squares fit of Zernike gradients to the measured gradients.

    .. math::
        \hat c = \arg\min_c \sum_{mn}\Big\|\sum_j c_j\,\langle\nabla Z_j\rangle_{mn}
                 - \nabla\phi_{mn}\Big\|^2,\qquad \hat\phi = \sum_j \hat c_j Z_j

    Parameters
    ----------
    gy, gx : Tensor, shape ``(..., ny, nx)``, rad/m
    pixel_size : float
        Pupil sampling in metres (the pupil is ``ny * lenslet_pixels`` by
        ``nx * lenslet_pixels`` samples).
    lenslet_pixels : int
    n_modes : int
        Zernike modes fitted, Noll indices ``start ... start + n_modes - 1``
        (at most ``2 * ny * nx`` equations).
    start : int
    radius : float, optional
        As in :func:`zernike_gradients`.
    basis : Tensor, shape ``(n_modes, H, W)``, optional
        Precomputed modes on the pupil grid (any real basis, e.g. from
        :func:`zernike_gradients`), instead of ``n_modes``/``start``/``radius``;
        saves recomputing Zernike polynomials in loops.

    Returns
    -------
    (coefficients, phase) : Tensors, shapes ``(..., n_modes)`` and ``(..., H, W)``
        Noll coefficients (radians) and the wavefront on the pupil grid.

    Raises
    ------
    ValueError
        More modes than equations, shapes that differ, non-finite values.

    References
    ----------
    1. R. Cubalchini, "Modal wave-front estimation from phase derivative
       measurements," J. Opt. Soc. Am. 69, 972 (1979).

    Examples
    --------
    >>> basis, dy, dx = zernike_gradients(5, (32, 32), 1e-4, lenslet_pixels=8)
    >>> c, phase = modal_reconstruct(0.7 * dy[2], 0.7 * dx[2], 1e-4, lenslet_pixels=8, n_modes=5)
    >>> [round(v, 6) for v in c.tolist()]  # Noll 2..6: pure defocus (Z4) comes back
    [0.0, 0.0, 0.7, 0.0, 0.0]
    """
    _check_pair(gy, gx)
    ny, nx = gy.shape[-2:]
    p = _check_int(lenslet_pixels, "lenslet_pixels", minimum=2)
    if basis is not None:
        check_real(basis, "basis")
        if basis.ndim != 3 or tuple(basis.shape[-2:]) != (ny * p, nx * p):
            raise ValueError(f"basis: expected shape (n_modes, {ny * p}, {nx * p}), "
                             f"got {tuple(basis.shape)}")
        n_modes = basis.shape[0]
    _check_int(n_modes, "n_modes")
    if n_modes > 2 * ny * nx:
        raise ValueError(f"n_modes: expected at most {2 * ny * nx} (two slopes per lenslet), "
                         f"got {n_modes}")
    if basis is None:
        basis, zy, zx = zernike_gradients(n_modes, (ny * p, nx * p), pixel_size, lenslet_pixels=p,
                                          start=start, radius=radius, device=gy.device)
    else:
        basis = basis.to(device=gy.device, dtype=torch.float64)
        zy, zx = lenslet_gradients(basis, pixel_size, lenslet_pixels=p)
    M = torch.cat([zy.reshape(n_modes, -1), zx.reshape(n_modes, -1)], dim=1).T  # (2 n, modes)
    lead = gy.shape[:-2]
    g = torch.cat([gy.reshape(-1, ny * nx), gx.reshape(-1, ny * nx)], dim=1).to(torch.float64)
    scale = M.abs().max().clamp_min(1e-300)
    coef = torch.linalg.lstsq((M / scale).expand(g.shape[0], -1, -1),
                              (g / scale).unsqueeze(-1)).solution.squeeze(-1)
    phase = torch.einsum("bj,jhw->bhw", coef, basis)
    return (coef.reshape(*lead, n_modes).to(gy.dtype),
            phase.reshape(*lead, ny * p, nx * p).to(gy.dtype))


def lenslet_to_pupil(phase, lenslet_pixels: int, *, mode: str = "bicubic"):
    """Interpolate a lenslet-grid phase ``(..., ny, nx)`` to the pupil grid ``(..., ny*P, nx*P)``.

    Lenslet values sit at the centres of their ``P × P`` blocks
    (``align_corners=False``); the half-lenslet border is extrapolated by
    edge replication, which is where a zonal reconstruction knows least.

    >>> lenslet_to_pupil(torch.ones(2, 3, dtype=torch.float64), 4).shape
    torch.Size([8, 12])
    """
    check_real(phase, "phase")
    check_min_ndim(phase, 2, "phase", "(..., ny, nx)")
    p = _check_int(lenslet_pixels, "lenslet_pixels")
    if mode not in ("bilinear", "bicubic", "nearest"):
        raise ValueError(f"mode: expected 'bilinear', 'bicubic' or 'nearest', got {mode!r}")
    lead = phase.shape[:-2]
    ny, nx = phase.shape[-2:]
    x = phase.reshape(-1, 1, ny, nx)
    kw = {} if mode == "nearest" else {"align_corners": False}
    out = F.interpolate(x, size=(ny * p, nx * p), mode=mode, **kw)
    return out.reshape(*lead, ny * p, nx * p)
