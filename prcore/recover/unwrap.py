r"""Classical phase unwrapping: Itoh (1-D), least squares (DCT/Poisson) and quality-guided (2-D).

A recovered phase is known only modulo :math:`2\pi`: :math:`\psi = \mathcal W(\phi)`,
with :math:`\mathcal W(x) = x - 2\pi\,\mathrm{round}(x / 2\pi)` wrapping to (−π, π].
All three methods rest on Itoh's observation that, if neighbouring samples of
the true phase differ by less than π, the wrapped differences of :math:`\psi`
equal the true differences, so the phase is their sum along any path. Noise,
undersampling and true discontinuities break that condition; the methods
differ in how they cope:

* :func:`unwrap_itoh` sums along one axis (any violation propagates to the end);
* :func:`unwrap_least_squares` finds the surface whose gradient best matches
  the wrapped differences in the least-squares sense (fast, with FFTs, but it
  spreads errors over the whole image);
* :func:`unwrap_quality_guided` integrates along a path that visits the most
  reliable pixels first, so unreliable regions are reached last.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import torch
import torch.nn.functional as F

from .._checks import check_finite, check_min_ndim, check_real
from ..backend import as_tensor, to_numpy

__all__ = [
    "wrap_phase",
    "unwrap_itoh",
    "unwrap_least_squares",
    "phase_derivative_variance",
    "unwrap_quality_guided",
    "dct2",
    "idct2",
]


def _check_phase(phase, name="phase", ndim=2):
    check_real(phase, name)
    check_min_ndim(phase, ndim, name, "(..., H, W)" if ndim == 2 else "(..., N)")
    check_finite(phase, name)
    return phase


def wrap_phase(phase: torch.Tensor) -> torch.Tensor:
    r"""Wrap to (−π, π]: :math:`\mathcal W(\phi) = \phi - 2\pi\,\lceil(\phi - \pi)/2\pi\rceil`.

    >>> [round(v, 4) for v in wrap_phase(torch.tensor([3.5, -3.5, math.pi])).tolist()]
    [-2.7832, 2.7832, 3.1416]
    """
    return phase - 2 * math.pi * torch.ceil((phase - math.pi) / (2 * math.pi))


def unwrap_itoh(phase: torch.Tensor, *, dim: int = -1) -> torch.Tensor:
    r"""Itoh's 1-D unwrapping: cumulative sum of wrapped differences along ``dim``.

    .. math:: \phi_n = \psi_0 + \sum_{m=1}^{n} \mathcal W(\psi_m - \psi_{m-1})

    Exact when the true phase changes by less than π between neighbours.

    Parameters
    ----------
    phase : Tensor, shape ``(..., N)``, real
        Wrapped phase in radians.
    dim : int
        Axis along which to unwrap.

    Returns
    -------
    Tensor, same shape and dtype

    References
    ----------
    1. K. Itoh, "Analysis of the phase unwrapping algorithm," Appl. Opt. 21, 2470 (1982).

    Examples
    --------
    >>> t = torch.linspace(0, 20, 50, dtype=torch.float64)
    >>> bool(torch.allclose(unwrap_itoh(wrap_phase(t)), t))
    True
    """
    _check_phase(phase, ndim=1)
    d = wrap_phase(torch.diff(phase, dim=dim))
    first = phase.narrow(dim, 0, 1)
    return torch.cat([first, first + torch.cumsum(d, dim=dim)], dim=dim)


def _makhoul_perm(n, device):
    return torch.cat([torch.arange(0, n, 2), torch.arange(1, n, 2).flip(0)]).to(device)


def _dct_last(x: torch.Tensor) -> torch.Tensor:
    """Unnormalised DCT-II along the last dim via one FFT (Makhoul 1980)."""
    n = x.shape[-1]
    v = torch.view_as_real(torch.fft.fft(x.index_select(-1, _makhoul_perm(n, x.device))))
    a = -math.pi * torch.arange(n, device=x.device, dtype=x.dtype) / (2 * n)
    return v[..., 0] * torch.cos(a) - v[..., 1] * torch.sin(a)


def _idct_last(y: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`_dct_last` along the last dim."""
    n = y.shape[-1]
    k = torch.arange(n, device=y.device, dtype=y.dtype)
    w = torch.polar(torch.ones_like(k), math.pi * k / (2 * n))
    y_rev = torch.cat([torch.zeros_like(y[..., :1]), y[..., 1:].flip(-1)], dim=-1)
    v = torch.fft.ifft(w * torch.complex(y, -y_rev)).real
    inv = torch.argsort(_makhoul_perm(n, y.device))
    return v.index_select(-1, inv)


def _dct2_torch(x):
    return _dct_last(_dct_last(x).transpose(-1, -2)).transpose(-1, -2)


def _idct2_torch(x):
    return _idct_last(_idct_last(x).transpose(-1, -2)).transpose(-1, -2)


def _scipy_dct(x, inverse):
    import scipy.fft

    f = scipy.fft.idctn if inverse else scipy.fft.dctn
    out = f(to_numpy(x), type=2, axes=(-2, -1), workers=torch.get_num_threads())
    return as_tensor(out * (4.0 if inverse else 0.25), dtype=x.dtype, device=x.device)


def dct2(x: torch.Tensor) -> torch.Tensor:
    r"""Unnormalised 2-D DCT-II over the last two dims.

    .. math:: X_{kl} = \sum_{m,n} x_{mn}\cos\frac{\pi k(2m+1)}{2H}\cos\frac{\pi l(2n+1)}{2W}

    Equals ``scipy.fft.dctn(x, type=2, axes=(-2, -1)) / 4``. CPU tensors use
    scipy's native DCT (several times faster than an FFT-based one); other
    devices use torch FFTs with Makhoul's reordering, so the result stays on
    the input's device.

    >>> x = torch.rand(5, 6, dtype=torch.float64)
    >>> bool(torch.allclose(idct2(dct2(x)), x))
    True
    """
    _check_phase(x, "x")
    return _dct2(x)


def idct2(x: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`dct2` over the last two dims (same backends)."""
    _check_phase(x, "x")
    return _idct2(x)


def _dct2(x):
    if x.device.type == "cpu" and not x.requires_grad:
        return _scipy_dct(x, inverse=False)
    return _dct2_torch(x)


def _idct2(x):
    if x.device.type == "cpu" and not x.requires_grad:
        return _scipy_dct(x, inverse=True)
    return _idct2_torch(x)


def _wrapped_gradients(psi):
    dx = wrap_phase(torch.diff(psi, dim=-1))
    dy = wrap_phase(torch.diff(psi, dim=-2))
    return dy, dx


def unwrap_least_squares(phase: torch.Tensor, *, congruent: bool = True) -> torch.Tensor:
    r"""Unweighted least-squares 2-D unwrapping, solved exactly with DCTs (Ghiglia & Romero 1994).

    Finds :math:`\phi` minimising :math:`\sum (\phi_{i,j+1}-\phi_{i,j}-\Delta^x_{ij})^2
    + (\phi_{i+1,j}-\phi_{i,j}-\Delta^y_{ij})^2` with the wrapped differences
    :math:`\Delta = \mathcal W(\text{diff}\,\psi)`.
    Its normal equation is the discrete Poisson equation with Neumann
    boundaries, :math:`\nabla^2\phi = \rho = \nabla\cdot\Delta`, which the
    DCT diagonalises:

    .. math::
        \hat\phi_{kl} = \frac{\hat\rho_{kl}}{2\cos(\pi k/H) + 2\cos(\pi l/W) - 4},\qquad
        \hat\phi_{00} = 0.

    With ``congruent`` the result is snapped to the data,
    :math:`\phi + \mathcal W(\psi - \phi)`, so it differs from ``phase`` by
    multiples of 2π (Ghiglia & Pritt §5.3).

    Parameters
    ----------
    phase : Tensor, shape ``(..., H, W)``, real
        Wrapped phase in radians.
    congruent : bool, default True

    Returns
    -------
    Tensor, shape ``(..., H, W)``
        Unwrapped phase (defined up to a constant).

    References
    ----------
    1. D. C. Ghiglia and L. A. Romero, "Robust two-dimensional weighted and unweighted phase
       unwrapping that uses fast transforms and iterative methods," JOSA A 11, 107 (1994).
    2. D. C. Ghiglia and M. D. Pritt, *Two-Dimensional Phase Unwrapping*, Wiley (1998).

    Examples
    --------
    >>> y, x = torch.meshgrid(torch.arange(32.0), torch.arange(32.0), indexing="ij")
    >>> phi = (0.3 * x + 0.2 * y).double()
    >>> out = unwrap_least_squares(wrap_phase(phi))
    >>> float((out - phi - (out - phi).mean()).abs().max()) < 1e-9
    True
    """
    _check_phase(phase)
    h, w = phase.shape[-2:]
    dy, dx = _wrapped_gradients(phase)
    rho = F.pad(dx, (0, 1)) - F.pad(dx, (1, 0)) + F.pad(dy, (0, 0, 0, 1)) - F.pad(dy, (0, 0, 1, 0))
    ky = torch.arange(h, device=phase.device, dtype=phase.dtype).reshape(h, 1)
    kx = torch.arange(w, device=phase.device, dtype=phase.dtype).reshape(1, w)
    denom = 2 * torch.cos(math.pi * ky / h) + 2 * torch.cos(math.pi * kx / w) - 4
    denom[0, 0] = 1.0
    spec = _dct2(rho) / denom
    spec[..., 0, 0] = 0.0
    out = _idct2(spec)
    if congruent:
        out = out + wrap_phase(phase - out)
    return out


def phase_derivative_variance(phase: torch.Tensor, *, size: int = 3) -> torch.Tensor:
    r"""Phase-derivative variance, a local badness map for quality-guided unwrapping (low: good).

    .. math::
        z_{ij} = \sqrt{\overline{(\Delta^x - \overline{\Delta^x})^2}}
               + \sqrt{\overline{(\Delta^y - \overline{\Delta^y})^2}},

    averages :math:`\overline{\,\cdot\,}` over a ``size`` × ``size`` window,
    :math:`\Delta` the wrapped differences (Ghiglia & Pritt §3.4). Noise,
    residues and discontinuities raise it; smooth regions, even steep ones,
    keep it near zero.

    Returns
    -------
    Tensor, shape ``(..., H, W)``, radians

    Examples
    --------
    >>> ramp = wrap_phase(0.5 * torch.arange(64.0, dtype=torch.float64).repeat(8, 1))
    >>> float(phase_derivative_variance(ramp).max()) < 1e-6
    True
    """
    _check_phase(phase)
    if size < 1 or size % 2 == 0:
        raise ValueError(f"size: expected an odd window size >= 1, got {size}")
    h, w = phase.shape[-2:]
    dy, dx = _wrapped_gradients(phase)
    if h < 2 or w < 2:
        raise ValueError(f"phase: expected at least 2x2 samples, got shape {tuple(phase.shape)}")
    dx = F.pad(dx.reshape(-1, 1, h, w - 1), (0, 1, 0, 0), mode="replicate")
    dy = F.pad(dy.reshape(-1, 1, h - 1, w), (0, 0, 0, 1), mode="replicate")
    p = size // 2

    def local_std(g):
        g = g.reshape(-1, 1, h, w)
        m = F.avg_pool2d(F.pad(g, (p, p, p, p), mode="replicate"), size, stride=1)
        m2 = F.avg_pool2d(F.pad(g * g, (p, p, p, p), mode="replicate"), size, stride=1)
        return torch.sqrt((m2 - m * m).clamp_min(0))

    return (local_std(dx) + local_std(dy)).reshape(phase.shape)


def _flood(psi: np.ndarray, badness: np.ndarray) -> np.ndarray:
    h, w = psi.shape
    flat = psi.ravel()
    bad = badness.ravel()
    out = np.empty_like(flat)
    done = np.zeros(h * w, dtype=bool)
    start = int(np.argmin(bad))
    out[start] = flat[start]
    done[start] = True
    heap: list = []
    two_pi = 2 * math.pi

    def push_neighbours(i):
        r, c = divmod(i, w)
        for j, ok in ((i - w, r > 0), (i + w, r < h - 1), (i - 1, c > 0), (i + 1, c < w - 1)):
            if ok and not done[j]:
                heapq.heappush(heap, (bad[j], j, i))

    push_neighbours(start)
    while heap:
        _, j, i = heapq.heappop(heap)
        if done[j]:
            continue
        d = flat[j] - flat[i]
        out[j] = out[i] + d - two_pi * round(d / two_pi)
        done[j] = True
        push_neighbours(j)
    return out.reshape(h, w)


def unwrap_quality_guided(phase: torch.Tensor, *, quality: torch.Tensor | None = None,
                          size: int = 3) -> torch.Tensor:
    r"""Quality-guided path-following unwrapping (Ghiglia & Pritt §4.3), a heap-ordered flood fill.

    Starting from the best pixel, the unwrapped region grows one pixel at a
    time, always taking next the best-quality pixel on its border and unwrapping
    it against the neighbour that reached it,
    :math:`\phi_j = \phi_i + \mathcal W(\psi_j - \psi_i)`. Pixels next to noise,
    residues or a discontinuity (low quality) are reached last, so paths go
    around them and errors stay local instead of spreading. Runs in numpy
    (:math:`O(N\log N)` with a binary heap), one image at a time.

    Parameters
    ----------
    phase : Tensor, shape ``(..., H, W)``, real
        Wrapped phase in radians.
    quality : Tensor, shape ``(..., H, W)``, optional
        Higher is better. Default: minus :func:`phase_derivative_variance`.
    size : int
        Window of the default quality map.

    Returns
    -------
    Tensor, same shape, dtype and device as ``phase``

    References
    ----------
    1. D. C. Ghiglia and M. D. Pritt, *Two-Dimensional Phase Unwrapping*, Wiley (1998), ch. 4.
    2. M. D. Pritt, "Phase unwrapping by means of multigrid techniques for interferometric
       SAR," IEEE TGRS 34, 728 (1996).

    Examples
    --------
    >>> y, x = torch.meshgrid(torch.arange(16.0), torch.arange(16.0), indexing="ij")
    >>> phi = (0.02 * (x - 8) ** 2 + 0.4 * y).double()
    >>> out = unwrap_quality_guided(wrap_phase(phi))
    >>> float((out - phi - (out - phi).mean()).abs().max()) < 1e-9
    True
    """
    _check_phase(phase)
    if quality is None:
        badness = phase_derivative_variance(phase, size=size)
    else:
        check_real(quality, "quality")
        check_finite(quality, "quality")
        if quality.shape != phase.shape:
            raise ValueError(f"quality: expected shape {tuple(phase.shape)} (same as phase), "
                             f"got {tuple(quality.shape)}")
        badness = -quality
    h, w = phase.shape[-2:]
    psi = to_numpy(phase).reshape(-1, h, w).astype(np.float64)
    bad = to_numpy(badness).reshape(-1, h, w).astype(np.float64)
    out = np.stack([_flood(p, b) for p, b in zip(psi, bad)])
    return as_tensor(out.reshape(phase.shape), dtype=phase.dtype, device=phase.device)
