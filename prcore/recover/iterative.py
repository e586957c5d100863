r"""Alternating-projection phase retrieval: Gerchberg–Saxton, error reduction, HIO and RAAR.

All four algorithms alternate between two constraint sets:

* the *Fourier* (measurement) set :math:`M = \{x : |\mathcal{F}x| = m\}`, with
  the projection :math:`P_M x = \mathcal{F}^{-1}\{m\,\mathcal{F}x / |\mathcal{F}x|\}`
  (:func:`fourier_projection`);
* an *object-domain* set: a known object-plane amplitude (Gerchberg–Saxton) or
  a support, optionally with a real or non-negative object (Fienup's error
  reduction, hybrid input–output and Luke's RAAR), with the projection
  :func:`support_projection`.

The FFT is unitary (``norm="ortho"``), matching
:class:`prcore.measure.diffraction.FarField`, so ``magnitude`` is the
measured far-field amplitude in FFT order on the (zero-padded) detector grid,
and the support is a mask on that same grid.

Every algorithm returns ``(x, history)``. ``history["error"]`` holds, for each
iteration :math:`k`, Fienup's object-domain error

.. math:: E_k = \frac{\|P_M x_k - P_S P_M x_k\|}{\|m\|},

the distance from the Fourier-consistent field to the object constraint. By
Parseval it bounds the Fourier-magnitude error of the estimate
:math:`P_S P_M x_k` from above, it is zero exactly at a solution, and it costs
no extra FFT (the Fourier error of an HIO iterate itself does not vanish at a
solution, since HIO keeps non-zero values outside the support). Use
:func:`fourier_error` for the exact Fourier-magnitude error of a result.
"""

from __future__ import annotations

import torch
from tqdm.auto import tqdm

from .._checks import (
    check_complex,
    check_finite,
    check_int,
    check_min_ndim,
    check_nonnegative_tensor,
    check_real,
    check_same_device,
    check_tensor,
)
from ..backend import as_generator, complex_dtype, real_dtype

__all__ = [
    "fourier_projection",
    "support_projection",
    "fourier_error",
    "random_start",
    "gs",
    "er",
    "hio",
    "raar",
    "align_to_reference",
]


# --------------------------------------------------------------------------- validation


def _check_magnitude(magnitude, name="magnitude"):
    check_tensor(magnitude, name)
    if magnitude.is_complex():
        raise TypeError(f"{name}: expected a real tensor (|F x|, not the complex field), "
                        f"got dtype {magnitude.dtype}")
    check_real(magnitude, name)
    check_min_ndim(magnitude, 2, name)
    check_nonnegative_tensor(magnitude, name)
    if not bool((magnitude.flatten(-2).amax(-1) > 0).all()):
        raise ValueError(f"{name}: expected a non-zero measurement, got an all-zero magnitude")
    return magnitude


def _check_support(support, magnitude):
    check_tensor(support, "support")
    check_min_ndim(support, 2, "support")
    check_same_device(("magnitude", magnitude), ("support", support))
    (h, w), (p, q) = support.shape[-2:], magnitude.shape[-2:]
    if h > p or w > q:
        raise ValueError(
            f"support: expected a mask on the detector grid {(p, q)}, got {(h, w)}, larger than "
            "the field; the support must fit inside the (zero-padded) field")
    if (h, w) != (p, q):
        raise ValueError(
            f"support: expected last dimensions {(p, q)} (the magnitude's grid), got {(h, w)}; "
            "place a smaller mask with prcore.measure.diffraction.embed(mask, shape)")
    if support.dtype != torch.bool:
        if support.is_complex() or not bool(((support == 0) | (support == 1)).all()):
            raise ValueError("support: expected a boolean mask (or 0/1 values), got other values")
        support = support != 0
    try:
        torch.broadcast_shapes(support.shape, magnitude.shape)
    except RuntimeError:
        raise ValueError(f"support: shape {tuple(support.shape)} does not broadcast with "
                         f"magnitude {tuple(magnitude.shape)}") from None
    if not bool(support.flatten(-2).any(-1).all()):
        raise ValueError("support: expected at least one True pixel, got an empty mask")
    return support


def _check_iterations(n_iter):
    check_int(n_iter, "n_iter", minimum=1)


def _check_beta(beta):
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0 < beta <= 1:
        raise ValueError(f"beta: expected a number in (0, 1], got {beta!r}")
    return float(beta)


def _check_start(x0, magnitude):
    check_complex(x0, "x0")
    check_finite(x0, "x0")
    check_same_device(("magnitude", magnitude), ("x0", x0))
    if tuple(x0.shape) != tuple(magnitude.shape):
        raise ValueError(f"x0: expected shape {tuple(magnitude.shape)} (the magnitude's), "
                         f"got {tuple(x0.shape)}")
    return x0.to(complex_dtype(magnitude.dtype)).clone()


# --------------------------------------------------------------------------- projections


def _rv(x):
    """Real view ``(..., H, W, 2)`` of a complex tensor."""
    return torch.view_as_real(x)


def _pair_mask(mask, dtype, shape):
    """A 0/1 mask as a contiguous real tensor ``(..., H, W, 2)`` matching a real view."""
    return mask.to(dtype).unsqueeze(-1).expand(*shape, 2).contiguous()


class _FourierProjector:
    """``P_M`` with preallocated buffers.

    On CPU every fresh multi-megabyte tensor costs page faults comparable to an
    FFT, so the iteration writes into the same two buffers. The returned field
    is the ``P`` buffer: it is overwritten by the next call.
    """

    def __init__(self, magnitude, shape):
        self.m = magnitude.expand(shape).contiguous()
        self.tiny = torch.finfo(magnitude.dtype).tiny
        self.scale = torch.empty_like(self.m)
        self.X = torch.empty(shape, dtype=complex_dtype(magnitude.dtype), device=magnitude.device)
        self.P = torch.empty_like(self.X)

    def __call__(self, x):
        X = torch.fft.fft2(x, norm="ortho", out=self.X)
        sc = torch.mul(X.real, X.real, out=self.scale)
        sc.addcmul_(X.imag, X.imag).clamp_min_(self.tiny).rsqrt_().mul_(self.m)  # m / |X|
        X.mul_(sc)  # where X = 0 this stays 0
        return torch.fft.ifft2(X, norm="ortho", out=self.P)


def _sqnorm(v, nd=3):
    """Squared norm over the last ``nd`` dims (3 for a real view), per image, as a BLAS dot."""
    flat = v.reshape(*v.shape[:-nd], 1, -1)
    return (flat @ flat.transpose(-1, -2)).reshape(v.shape[:-nd])


def fourier_projection(x: torch.Tensor, magnitude: torch.Tensor) -> torch.Tensor:
    r"""Project onto the set of fields whose unitary Fourier modulus is ``magnitude``.

    .. math:: P_M x = \mathcal{F}^{-1}\!\left\{ m\,\frac{\mathcal{F}x}{|\mathcal{F}x|} \right\}

    Keeps the Fourier phase and replaces the modulus (the nearest such field in
    the Euclidean norm); where :math:`\mathcal{F}x = 0` the result is 0.

    Parameters
    ----------
    x : Tensor, shape ``(..., H, W)``, complex
    magnitude : Tensor, shape broadcastable to ``x``, real, >= 0, FFT order

    Returns
    -------
    Tensor, shape ``(..., H, W)``, dtype of ``x``

    Raises
    ------
    TypeError
        If ``x`` is not complex or ``magnitude`` not real.
    ValueError
        For negative or non-finite magnitudes, or mismatched grids.

    References
    ----------
    1. J. R. Fienup, "Phase retrieval algorithms: a comparison," Appl. Opt. 21,
       2758 (1982).

    Examples
    --------
    >>> x = torch.randn(8, 8, dtype=torch.complex128, generator=torch.Generator().manual_seed(0))
    >>> m = torch.ones(8, 8, dtype=torch.float64)
    >>> p = fourier_projection(x, m)
    >>> bool(torch.allclose(torch.fft.fft2(p, norm="ortho").abs(), m))
    True
    """
    check_complex(x, "x")
    check_finite(x, "x")
    _check_magnitude(magnitude)
    if tuple(x.shape[-2:]) != tuple(magnitude.shape[-2:]):
        raise ValueError(f"x: expected last dimensions {tuple(magnitude.shape[-2:])} "
                         f"(the magnitude's), got {tuple(x.shape)}")
    check_same_device(("x", x), ("magnitude", magnitude))
    m = magnitude.to(x.real.dtype)
    return _FourierProjector(m, torch.broadcast_shapes(x.shape, m.shape))(x)


def support_projection(x: torch.Tensor, support: torch.Tensor, *, real: bool = False,
                       nonnegative: bool = False) -> torch.Tensor:
    r"""Project onto fields that vanish outside ``support`` (optionally real or non-negative).

    .. math:: (P_S x)(r) = \begin{cases} \Pi(x(r)) & r \in S \\ 0 & r \notin S \end{cases}

    with :math:`\Pi` the identity, :math:`\mathrm{Re}` (``real``) or
    :math:`\max(\mathrm{Re}, 0)` (``nonnegative``, which implies ``real``).

    Parameters
    ----------
    x : Tensor, shape ``(..., H, W)``, complex
    support : Tensor, shape broadcastable to ``x``, bool
    real, nonnegative : bool

    Returns
    -------
    Tensor, shape ``(..., H, W)``, dtype of ``x``

    Examples
    --------
    >>> x = torch.tensor([[1 + 1j, -2 + 0j, 3j]])
    >>> support_projection(x, torch.tensor([[True, True, False]]), nonnegative=True).tolist()
    [[(1+0j), 0j, 0j]]
    """
    check_complex(x, "x")
    check_min_ndim(x, 2, "x")
    s = _check_support(support, x.real)
    out = x.real.clone() if (real or nonnegative) else x.clone()
    if nonnegative:
        out.clamp_min_(0)
    out = out * s
    return out.to(x.dtype) if not out.is_complex() else out


def fourier_error(x: torch.Tensor, magnitude: torch.Tensor) -> torch.Tensor:
    r"""Normalised Fourier-magnitude error :math:`\| |\mathcal{F}x| - m \| / \|m\|`, per image.

    Invariant under the trivial ambiguities (global phase, circular translation,
    conjugate inversion), so it needs no alignment.

    Examples
    --------
    >>> x = torch.randn(4, 4, dtype=torch.complex128, generator=torch.Generator().manual_seed(1))
    >>> m = torch.fft.fft2(x, norm="ortho").abs()
    >>> float(fourier_error(1j * x.roll(1, -1), m)) < 1e-12
    True
    """
    check_complex(x, "x")
    check_finite(x, "x")
    _check_magnitude(magnitude)
    if tuple(x.shape[-2:]) != tuple(magnitude.shape[-2:]):
        raise ValueError(f"x: expected last dimensions {tuple(magnitude.shape[-2:])}, "
                         f"got {tuple(x.shape)}")
    d = torch.fft.fft2(x, norm="ortho").abs() - magnitude
    return (torch.linalg.vector_norm(d, dim=(-2, -1))
            / torch.linalg.vector_norm(magnitude, dim=(-2, -1)))


def random_start(magnitude: torch.Tensor, *, rng=None) -> torch.Tensor:
    r"""A field with the measured modulus and uniformly random Fourier phases.

    .. math:: x_0 = \mathcal{F}^{-1}\{m\,e^{i\theta}\},\quad \theta \sim U[0, 2\pi)

    Examples
    --------
    >>> m = torch.ones(4, 4)
    >>> x0 = random_start(m, rng=0)
    >>> x0.dtype, bool(torch.allclose(torch.fft.fft2(x0, norm="ortho").abs(), m))
    (torch.complex64, True)
    """
    _check_magnitude(magnitude)
    g = as_generator(rng, device=magnitude.device)
    theta = torch.rand(magnitude.shape, generator=g, device=magnitude.device,
                       dtype=magnitude.dtype) * (2 * torch.pi)
    return torch.fft.ifft2(torch.polar(magnitude, theta), norm="ortho")


# --------------------------------------------------------------------------- algorithms


def _setup(magnitude, support, x0, rng, real, nonnegative):
    _check_magnitude(magnitude)
    s = _check_support(support, magnitude)
    m = magnitude
    x = random_start(m, rng=rng) if x0 is None else _check_start(x0, m)
    shape = torch.broadcast_shapes(s.shape, m.shape)
    m = m.expand(shape)
    if tuple(x.shape) != tuple(shape):
        x = x.expand(shape).clone()
    if real or nonnegative:
        _rv(x)[..., 1].zero_()
    m_norm = torch.linalg.vector_norm(m, dim=(-2, -1))
    return _FourierProjector(m, shape), s.expand(shape), x.contiguous(), m_norm


def _good_set(pr, s, nonnegative):
    """Where ``p`` already meets the object constraints (inside the support, Re >= 0)."""
    return s & (pr[..., 0] >= 0) if nonnegative else s


def _object_error(pr, outside2, real):
    """``||p - P_S p||^2`` from the real view of ``p`` and the interleaved outside mask."""
    if real:
        q = pr[..., 0] * outside2[..., 0]
        return q.square().sum(dim=(-2, -1)) + pr[..., 1].square().sum(dim=(-2, -1))
    return _sqnorm(pr * outside2)


def _run(step, x, n_iter, m_norm, callback, progress, desc):
    errs = torch.empty((n_iter, *m_norm.shape), dtype=torch.float64, device=m_norm.device)
    for k in tqdm(range(n_iter), disable=not progress, desc=desc):
        x, e2 = step(x)
        errs[k] = e2.sqrt() / m_norm
        if callback is not None:
            callback(k, x, errs[k])
    return x, errs.cpu()


def gs(magnitude: torch.Tensor, amplitude: torch.Tensor, x0: torch.Tensor | None = None, *,
       n_iter: int, rng=None, callback=None, progress: bool = False):
    r"""Gerchberg–Saxton: recover a phase from the object-plane and Fourier-plane moduli.

    .. math:: x_{k+1} = a\,\frac{P_M x_k}{|P_M x_k|}

    Alternates between the two measured amplitudes, keeping the phase each
    time. The error (``history["error"]``) never increases, but the algorithm
    can stagnate in a local minimum.

    Parameters
    ----------
    magnitude : Tensor, shape ``(..., H, W)``, real, >= 0
        Fourier modulus :math:`|\mathcal{F}_u x|` in FFT order.
    amplitude : Tensor, shape ``(..., H, W)``, real, >= 0
        Object-plane modulus :math:`|x|`.
    x0 : Tensor, shape ``(..., H, W)``, complex, optional
        Start; default ``amplitude`` with random phases drawn from ``rng``.
    n_iter : int
        Number of iterations.
    rng : torch.Generator, int or None
    callback : callable ``(k, x, error)``, optional
        Called after iteration ``k`` with the new iterate :math:`x_{k+1}` (for
        HIO and RAAR it differs from the estimate :math:`P_S P_M x`) and the
        error tensor; ``x`` is a work buffer that the next iteration
        overwrites, so clone it to keep it.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    x : Tensor, shape ``(..., H, W)``, complex
        The estimate (it has the object-plane modulus ``amplitude``).
    history : dict
        ``"error"``: float64 tensor ``(n_iter, ...)`` of the normalised
        object-domain error :math:`\| |P_M x_k| - a \| / \|m\|`.

    Raises
    ------
    TypeError
        If ``magnitude`` or ``amplitude`` is complex, or ``x0`` is not complex.
    ValueError
        For negative or non-finite moduli, mismatched shapes, ``n_iter < 1``.

    References
    ----------
    1. R. W. Gerchberg and W. O. Saxton, "A practical algorithm for the
       determination of phase from image and diffraction plane pictures,"
       Optik 35, 237 (1972).

    Examples
    --------
    >>> a = torch.ones(16, 16, dtype=torch.float64)
    >>> ph = torch.zeros(16, 16, dtype=torch.float64); ph[4:8, 4:8] = 1.0
    >>> m = torch.fft.fft2(torch.polar(a, ph), norm="ortho").abs()
    >>> x, hist = gs(m, a, n_iter=50, rng=0)
    >>> bool(hist["error"][-1] <= hist["error"][0])
    True
    """
    _check_magnitude(magnitude)
    _check_magnitude(amplitude, "amplitude")
    _check_iterations(n_iter)
    check_same_device(("magnitude", magnitude), ("amplitude", amplitude))
    if tuple(amplitude.shape[-2:]) != tuple(magnitude.shape[-2:]):
        raise ValueError(f"amplitude: expected last dimensions {tuple(magnitude.shape[-2:])} "
                         f"(the magnitude's), got {tuple(amplitude.shape)}")
    shape = torch.broadcast_shapes(amplitude.shape, magnitude.shape)
    m = magnitude.expand(shape).contiguous()
    a = amplitude.to(m.dtype).expand(shape).contiguous()
    if x0 is None:
        g = as_generator(rng, device=m.device)
        theta = torch.rand(shape, generator=g, device=m.device, dtype=m.dtype) * (2 * torch.pi)
        x = torch.polar(a, theta)
    else:
        x = _check_start(x0, m)
    m_norm = torch.linalg.vector_norm(m, dim=(-2, -1))
    project = _FourierProjector(m, shape)
    tiny = torch.finfo(m.dtype).tiny
    mod, diff = torch.empty_like(a), torch.empty_like(a)

    def step(x):
        p = project(x)
        torch.mul(p.real, p.real, out=mod)
        mod.addcmul_(p.imag, p.imag).sqrt_()  # |p|
        e2 = _sqnorm(torch.sub(mod, a, out=diff), 2)
        torch.div(a, mod.clamp_min_(tiny), out=mod)
        return torch.mul(p, mod, out=x), e2  # a p / |p|

    x, errs = _run(step, x, n_iter, m_norm, callback, progress, "GS")
    return x, {"error": errs}


def er(magnitude: torch.Tensor, support: torch.Tensor, x0: torch.Tensor | None = None, *,
       n_iter: int, real: bool = False, nonnegative: bool = False, rng=None, callback=None,
       progress: bool = False):
    r"""Error reduction (Fienup 1982): alternate the Fourier and support projections.

    .. math:: x_{k+1} = P_S P_M x_k

    The Gerchberg–Saxton iteration with the object-plane amplitude replaced by
    a support (and optional real / non-negative) constraint. The error never
    increases, and the algorithm typically stagnates far from a solution.

    Parameters
    ----------
    magnitude : Tensor, shape ``(..., P, Q)``, real, >= 0
        Measured far-field modulus in FFT order, unitary normalisation
        (:func:`prcore.measure.diffraction.diffraction_magnitude`).
    support : Tensor, shape ``(P, Q)`` or broadcastable to ``magnitude``, bool
        Where the object may be non-zero, on the same grid.
    x0 : Tensor, shape ``(..., P, Q)``, complex, optional
        Start; default :func:`random_start` with ``rng``.
    n_iter : int
    real, nonnegative : bool
        Also constrain the object to be real (non-negative implies real).
    rng, callback, progress
        As in :func:`gs`.

    Returns
    -------
    x : Tensor, shape ``(..., P, Q)``, complex
        :math:`P_S P_M x_{n-1}`: meets the object constraints.
    history : dict
        ``"error"``: float64 tensor ``(n_iter, ...)``, see the module docstring.

    Raises
    ------
    TypeError
        If ``magnitude`` is complex or ``x0`` is not complex.
    ValueError
        Negative or non-finite magnitudes, a support larger than the field or of
        the wrong shape, an empty support, ``n_iter < 1``.

    References
    ----------
    1. J. R. Fienup, "Phase retrieval algorithms: a comparison," Appl. Opt. 21,
       2758 (1982).

    Examples
    --------
    >>> from prcore.measure.diffraction import box_support, diffraction_magnitude, embed
    >>> obj = torch.rand(8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> m = diffraction_magnitude(obj.to(torch.complex128), oversampling=2.0)
    >>> x, hist = er(m, box_support((16, 16), (8, 8)), n_iter=20, nonnegative=True, rng=0)
    >>> x.shape, bool(hist["error"][-1] <= hist["error"][0])
    (torch.Size([16, 16]), True)
    """
    _check_iterations(n_iter)
    real = real or nonnegative
    project, s, x, m_norm = _setup(magnitude, support, x0, rng, real, nonnegative)
    rdt = m_norm.dtype
    o2 = _pair_mask(~s, rdt, s.shape)
    q = torch.empty_like(o2)

    def step(x):
        p = project(x)
        pr = _rv(p)
        if not real:
            torch.mul(pr, o2, out=q)  # the part of P_M x outside the support
            e2 = _sqnorm(q)
            torch.sub(pr, q, out=_rv(x))
            return x, e2
        good = _good_set(pr, s, nonnegative)
        e2 = _object_error(pr, _pair_mask(~good, rdt, good.shape), True)
        pr[..., 0].mul_(good)
        pr[..., 1].zero_()
        return x.copy_(p), e2

    x, errs = _run(step, x, n_iter, m_norm, callback, progress, "ER")
    return x, {"error": errs}


def hio(magnitude: torch.Tensor, support: torch.Tensor, x0: torch.Tensor | None = None, *,
        n_iter: int, beta: float = 0.9, real: bool = False, nonnegative: bool = False, rng=None,
        callback=None, progress: bool = False):
    r"""Hybrid input–output (Fienup 1982): negative feedback where the constraints fail.

    .. math::
        x_{k+1}(r) = \begin{cases} (P_M x_k)(r) & r \in \gamma_k \\
                     x_k(r) - \beta\,(P_M x_k)(r) & r \notin \gamma_k \end{cases}

    with :math:`\gamma_k` the pixels where :math:`P_M x_k` meets the object
    constraints (inside the support; real part >= 0 with ``nonnegative``; with
    ``real`` the real part of :math:`P_M x_k` is used). The feedback pushes the
    iterate out of the stagnation points where error reduction stops.

    Parameters
    ----------
    magnitude, support, x0, n_iter, real, nonnegative, rng, callback, progress
        As in :func:`er`.
    beta : float in (0, 1], default 0.9
        Feedback strength.

    Returns
    -------
    x : Tensor, shape ``(..., P, Q)``, complex
        The estimate :math:`P_S P_M x_{n-1}` (the iterate itself keeps values
        outside the support).
    history : dict
        ``"error"``: float64 tensor ``(n_iter, ...)``, see the module docstring.

    Raises
    ------
    ValueError
        As :func:`er`; also for ``beta`` outside (0, 1].

    References
    ----------
    1. J. R. Fienup, "Phase retrieval algorithms: a comparison," Appl. Opt. 21,
       2758 (1982).
    2. J. R. Fienup, "Reconstruction of an object from the modulus of its
       Fourier transform," Opt. Lett. 3, 27 (1978).

    Examples
    --------
    >>> from prcore.measure.diffraction import box_support, diffraction_magnitude
    >>> obj = torch.rand(8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> m = diffraction_magnitude(obj.to(torch.complex128), oversampling=2.0)
    >>> x, hist = hio(m, box_support((16, 16), (8, 8)), n_iter=200, nonnegative=True, rng=0)
    >>> bool(hist["error"][-1] < 1e-2)
    True
    """
    _check_iterations(n_iter)
    beta = _check_beta(beta)
    real = real or nonnegative
    project, s, x, m_norm = _setup(magnitude, support, x0, rng, real, nonnegative)
    rdt = m_norm.dtype
    outside = ~s
    if real:  # work on real parts only: x stays real, Re(P_M x) is used
        out_f = outside.to(rdt)
        bad_b, bad_f = torch.empty_like(outside), torch.empty_like(out_f)
        q = torch.empty_like(out_f)
    else:
        o2 = _pair_mask(outside, rdt, s.shape)
        q = torch.empty_like(o2)

    def step(x):
        p = project(x)
        pr, xr = _rv(p), _rv(x)
        if real:
            pre, xre = pr[..., 0], xr[..., 0]
            if nonnegative:  # constraints fail outside the support or where Re(P_M x) < 0
                torch.lt(pre, 0, out=bad_b).logical_or_(outside)
                bad = bad_f.copy_(bad_b)
            else:
                bad = out_f
            torch.mul(pre, bad, out=q)
            e2 = _sqnorm(q, 2) + _sqnorm(pr[..., 1], 2)  # the imaginary part violates realness
            xre.mul_(bad).add_(pre).add_(q, alpha=-(1.0 + beta))
            return x, e2
        torch.mul(pr, o2, out=q)  # P_M x outside the support
        e2 = _sqnorm(q)
        # x <- out * x + p - (1 + beta) * out * p   (= p in the support, x - beta p outside)
        xr.mul_(o2).add_(pr).add_(q, alpha=-(1.0 + beta))
        return x, e2

    x, errs = _run(step, x, n_iter, m_norm, callback, progress, "HIO")
    pr = _rv(project.P)  # P_S P_M x of the last iteration
    if real:
        return torch.complex(pr[..., 0] - q, torch.zeros_like(q)), {"error": errs}
    return torch.view_as_complex(pr - q), {"error": errs}


def raar(magnitude: torch.Tensor, support: torch.Tensor, x0: torch.Tensor | None = None, *,
         n_iter: int, beta: float = 0.95, real: bool = False, nonnegative: bool = False,
         rng=None, callback=None, progress: bool = False):
    r"""Relaxed averaged alternating reflections (Luke 2005).

    .. math::
        x_{k+1} = \tfrac{\beta}{2}\,(R_S R_M + I)\,x_k + (1 - \beta)\,P_M x_k,
        \qquad R = 2P - I

    For a support constraint this equals HIO on the support and
    :math:`\beta x_k + (1 - 2\beta) P_M x_k` outside it; the relaxation makes
    it robust to noise and inconsistent data.

    Parameters
    ----------
    magnitude, support, x0, n_iter, real, nonnegative, rng, callback, progress
        As in :func:`er`.
    beta : float in (0, 1], default 0.95
        Relaxation (``beta = 1`` is Douglas–Rachford / HIO with ``beta = 1``).

    Returns
    -------
    x : Tensor, shape ``(..., P, Q)``, complex
        The estimate :math:`P_S P_M x_{n-1}`.
    history : dict
        ``"error"``: float64 tensor ``(n_iter, ...)``, see the module docstring.

    Raises
    ------
    ValueError
        As :func:`hio`.

    References
    ----------
    1. D. R. Luke, "Relaxed averaged alternating reflections for diffraction
       imaging," Inverse Problems 21, 37 (2005).

    Examples
    --------
    >>> from prcore.measure.diffraction import box_support, diffraction_magnitude
    >>> obj = torch.rand(8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> m = diffraction_magnitude(obj.to(torch.complex128), oversampling=2.0)
    >>> x, hist = raar(m, box_support((16, 16), (8, 8)), n_iter=200, nonnegative=True, rng=0)
    >>> bool(hist["error"][-1] < 1e-2)
    True
    """
    _check_iterations(n_iter)
    beta = _check_beta(beta)
    real = real or nonnegative
    project, s, x, m_norm = _setup(magnitude, support, x0, rng, real, nonnegative)
    rdt = m_norm.dtype
    o2 = _pair_mask(~s, rdt, s.shape)
    q = torch.empty_like(o2)
    last = {}

    def step(x):
        p = project(x)
        pr, xr = _rv(p), _rv(x)
        if not real:
            torch.mul(pr, o2, out=q)
            e2 = _sqnorm(q)
            # x <- p + beta * out * (x - 2 p)
            xr.mul_(o2).mul_(beta).add_(pr).add_(q, alpha=-2.0 * beta)
            last["est"] = None
            return x, e2
        good = _good_set(pr, s, nonnegative)
        e2 = _object_error(pr, _pair_mask(~good, rdt, good.shape), True)
        refl = 2 * pr - xr  # R_M x
        ps = refl[..., 0].clamp_min(0) if nonnegative else refl[..., 0]
        ps = ps * s
        new = xr.mul(beta)
        new[..., 0].add_(ps, alpha=beta)
        new.add_(pr, alpha=1 - 2 * beta)
        est = pr.clone()
        est[..., 0].mul_(good)
        est[..., 1].zero_()
        last["est"] = est
        return torch.view_as_complex(new.contiguous()), e2

    x, errs = _run(step, x, n_iter, m_norm, callback, progress, "RAAR")
    if last["est"] is None:  # complex object: P_S P_M x of the last iteration
        return torch.view_as_complex(_rv(project.P) - q), {"error": errs}
    return torch.view_as_complex(last["est"].contiguous()), {"error": errs}


# --------------------------------------------------------------------------- ambiguities


def align_to_reference(x: torch.Tensor, reference: torch.Tensor, *,
                       conjugate_flip: bool = True) -> torch.Tensor:
    r"""Remove the trivial ambiguities of Fourier phase retrieval against a reference.

    A Fourier modulus cannot tell :math:`x(r)` from :math:`c\,x(r - t)`
    (global phase :math:`|c| = 1`, circular translation :math:`t`) or from its
    conjugate inversion (twin) :math:`\bar x(-r)`. This picks the member of
    that class closest to ``reference``: for each candidate (``x`` and, with
    ``conjugate_flip``, :math:`\bar x(-r)`) the circular cross-correlation

    .. math:: c(t) = \sum_r \mathrm{ref}(r)\,\overline{y(r - t)}
              = \mathcal{F}^{-1}\{\mathcal{F}\mathrm{ref}\;\overline{\mathcal{F}y}\}(t)

    is computed with FFTs; the candidate and integer shift with the largest
    :math:`|c|` win, and the phase of :math:`c` at the peak fixes the global phase.

    Parameters
    ----------
    x : Tensor, shape ``(..., H, W)``, complex (real is promoted)
        Reconstruction.
    reference : Tensor, shape ``(..., H, W)``, complex or real
        Ground truth on the same grid.
    conjugate_flip : bool, default True
        Also consider the twin :math:`\bar x(-r)`.

    Returns
    -------
    Tensor, shape ``(..., H, W)``, complex: the aligned copy of ``x``.

    Raises
    ------
    TypeError
        If an input is not a tensor.
    ValueError
        If the shapes differ or values are not finite.

    References
    ----------
    1. M. Guizar-Sicairos, S. T. Thurman and J. R. Fienup, "Efficient
       subpixel image registration algorithms," Opt. Lett. 33, 156 (2008).

    Examples
    --------
    >>> ref = torch.zeros(8, 8, dtype=torch.complex128)
    >>> ref[1:4, 2:4] = torch.arange(1.0, 7.0).reshape(3, 2)
    >>> twin = torch.flip(ref, (-2, -1)).conj().roll((3, 1), (-2, -1)) * 1j
    >>> bool(torch.allclose(align_to_reference(twin, ref), ref))
    True
    """
    check_tensor(x, "x")
    check_tensor(reference, "reference")
    if tuple(x.shape) != tuple(reference.shape):
        raise ValueError(f"x: expected the reference's shape {tuple(reference.shape)}, "
                         f"got {tuple(x.shape)}")
    check_min_ndim(x, 2, "x")
    check_finite(x, "x")
    check_finite(reference, "reference")
    check_same_device(("x", x), ("reference", reference))
    cdt = complex_dtype(torch.promote_types(_float_of(x), _float_of(reference)))
    y = x.to(cdt)
    ref = reference.to(cdt)
    h, w = y.shape[-2:]
    cands = [y]
    if conjugate_flip:
        cands.append(torch.flip(y, (-2, -1)).conj())
    R = torch.fft.fft2(ref)
    lead = y.shape[:-2]
    best_val = torch.full(lead, -1.0, dtype=real_dtype(cdt), device=y.device)
    out = torch.empty_like(y)
    for cand in cands:
        c = torch.fft.ifft2(R * torch.fft.fft2(cand).conj())
        flat = c.reshape(*lead, h * w)
        idx = flat.abs().argmax(dim=-1, keepdim=True)
        peak = torch.gather(flat, -1, idx).squeeze(-1)
        ty, tx = idx.squeeze(-1) // w, idx.squeeze(-1) % w
        aligned = _roll_batched(cand, ty, tx) * torch.sgn(peak)[..., None, None]
        better = peak.abs() > best_val
        out = torch.where(better[..., None, None], aligned, out)
        best_val = torch.where(better, peak.abs().to(best_val.dtype), best_val)
    return out


def _float_of(t):
    """``t``'s dtype if floating or complex, else float32 (integer or bool images)."""
    return t.dtype if (t.is_floating_point() or t.is_complex()) else torch.float32


def _roll_batched(y, ty, tx):
    """Circularly shift each image of ``y`` ``(..., H, W)`` by its own ``(ty, tx)``."""
    h, w = y.shape[-2:]
    iy = (torch.arange(h, device=y.device).reshape(h, 1) - ty[..., None, None]) % h
    ix = (torch.arange(w, device=y.device).reshape(1, w) - tx[..., None, None]) % w
    flat = y.reshape(-1, h, w)
    iy = iy.expand(*y.shape[:-2], h, w).reshape(-1, h, w)
    ix = ix.expand(*y.shape[:-2], h, w).reshape(-1, h, w)
    b = torch.arange(flat.shape[0], device=y.device).reshape(-1, 1, 1)
    return flat[b, iy, ix].reshape(y.shape)
