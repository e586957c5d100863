r"""Non-convex phase retrieval: spectral initialisation, Wirtinger flow, truncated amplitude flow.

Given :math:`y_i = |a_i^H x|^2`, :math:`i = 1..m`, these methods minimise a
non-convex loss by gradient descent from a carefully chosen start:

* **Spectral initialisation**: the leading eigenvector of
  :math:`\frac1m\sum_i w_i\, a_i a_i^H`, whose expectation singles out the
  direction of :math:`x` (computed by power iteration with the operator only).
* **Wirtinger flow** (Candès, Li and Soltanolkotabi 2015) descends the intensity
  loss :math:`\frac{1}{2m}\sum (|a_i^H z|^2 - y_i)^2` with Wirtinger gradients.
* **Truncated amplitude flow** (Wang, Giannakis and Eldar 2018) descends the
  amplitude loss :math:`\frac{1}{2m}\sum (|a_i^H z| - \sqrt{y_i})^2`, skipping the
  terms whose sign/phase is likely wrong, from an orthogonality-promoting start.

All functions take any :class:`~prcore.measure.operator.LinearOperator` (e.g.
:class:`~prcore.measure.coded.GaussianMeasurement`,
:class:`~prcore.measure.coded.CodedDiffraction`); ``ndim`` says how many trailing
dimensions of the signal form one signal (1 for vectors, 2 for images), the rest
being a batch of independent problems solved at once.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
from tqdm.auto import tqdm

from .._checks import (
    check_finite,
    check_int,
    check_nonnegative_tensor,
    check_positive,
    check_tensor,
)
from ..backend import as_generator
from ..measure.operator import LinearOperator
from ..metrics import complex_rmse

__all__ = ["spectral_init", "wirtinger_flow", "truncated_amplitude_flow", "relative_error",
           "success_rate", "success_vs_oversampling", "transition_ratio"]


def _dims(ndim, total):
    return tuple(range(total - ndim, total))


def _check_problem(y, op, ndim):
    check_nonnegative_tensor(y, "y")
    if not isinstance(op, LinearOperator):
        raise TypeError(f"op: expected a LinearOperator, got {type(op).__name__}")
    if isinstance(ndim, bool) or ndim not in (1, 2):
        raise ValueError(f"ndim: expected 1 (vectors) or 2 (images), got {ndim!r}")


def _check_n_iter(n_iter):
    check_int(n_iter, "n_iter", minimum=0)


def _batch_sum(t, batch_ndim):
    """Sum over all but the first ``batch_ndim`` dimensions, keeping them for broadcasting."""
    dims = tuple(range(batch_ndim, t.ndim))
    return t.sum(dim=dims, keepdim=True) if dims else t


def relative_error(x: torch.Tensor, reference: torch.Tensor, *, ndim: int = 1) -> torch.Tensor:
    r"""Distance up to a global phase, :math:`\min_\phi \|e^{i\phi}x - x_*\| / \|x_*\|`.

    Uses :func:`prcore.metrics.complex_rmse`. Returns shape ``x.shape[:-ndim]``.

    >>> x = torch.randn(3, 5, dtype=torch.complex128)
    >>> relative_error(x * 1j, x).abs().max() < 1e-12
    tensor(True)
    """
    check_tensor(x, "x")
    check_tensor(reference, "reference")
    if ndim == 1:
        x, reference = x.unsqueeze(-2), reference.unsqueeze(-2)
    if not x.is_complex():
        x = x.to(torch.promote_types(x.dtype, torch.complex64))
    return complex_rmse(x, reference.to(x.dtype))


def success_rate(x: torch.Tensor, reference: torch.Tensor, *, ndim: int = 1,
                 tol: float = 1e-5) -> float:
    """Fraction of the batch recovered to :func:`relative_error` below ``tol``.

    >>> x = torch.randn(4, 6, dtype=torch.complex128)
    >>> success_rate(torch.stack([x[0], x[1], -x[2], 0 * x[3]]), x)
    0.75
    """
    err = relative_error(x, reference, ndim=ndim)
    return float((err < tol).to(torch.float64).mean())


def spectral_init(y: torch.Tensor, op: LinearOperator, x_shape, *, method: str = "truncated",
                  n_iter: int = 50, ndim: int = 1, rng=None, dtype=torch.complex128):
    r"""Spectral initialisation by power iteration on :math:`Y = \frac1m\sum_i w_i\,a_i a_i^H`.

    .. math:: z \leftarrow \frac{A^H(w \odot A z)}{\|A^H(w \odot A z)\|},\qquad
              x_0 = z \sqrt{\textstyle\sum_i y_i / \|A z\|^2}

    Weights :math:`w` by ``method``:

    * ``"wf"``: :math:`w_i = y_i` (Candès et al. 2015);
    * ``"truncated"``: :math:`w_i = y_i\,\mathbb 1[y_i \le 9\,\bar y]` (Chen and Candès
      2017), robust to the heavy tail of :math:`y_i`;
    * ``"orthogonal"``: :math:`w_i = 1/\|a_i\|^2` on the :math:`\lceil m/6\rceil`
      largest :math:`y_i/\|a_i\|^2` and 0 elsewhere (Wang et al. 2018, the
      orthogonality-promoting start of truncated amplitude flow).

    The final scaling makes :math:`\|A x_0\|^2 = \sum_i y_i`.

    Parameters
    ----------
    y : Tensor, shape ``op.A(x).shape``, real, >= 0
        Intensities.
    op : LinearOperator
        Measurement operator.
    x_shape : tuple of int
        Shape of the signal (batch included), e.g. ``(trials, n)``.
    method : {"wf", "truncated", "orthogonal"}
    n_iter : int
        Power iterations.
    ndim : int
        Trailing dimensions of one signal (1 vectors, 2 images).
    rng : torch.Generator, int or None
        Random start of the power iteration.

    Returns
    -------
    Tensor, shape ``x_shape``

    References
    ----------
    1. E. J. Candès, X. Li, M. Soltanolkotabi, "Phase retrieval via Wirtinger flow:
       theory and algorithms," IEEE Trans. Inf. Theory 61, 1985 (2015).
    2. G. Wang, G. B. Giannakis, Y. C. Eldar, "Solving systems of random quadratic
       equations via truncated amplitude flow," IEEE Trans. Inf. Theory 64, 773 (2018).

    Examples
    --------
    >>> from prcore.measure.coded import GaussianMeasurement, gaussian_matrix
    >>> x = torch.randn(16, dtype=torch.complex128, generator=torch.Generator().manual_seed(1))
    >>> op = GaussianMeasurement(gaussian_matrix(16 * 40, 16, rng=0))
    >>> x0 = spectral_init(op.A(x).abs() ** 2, op, (16,), rng=0)
    >>> float(relative_error(x0, x)) < 0.5
    True
    """
    _check_problem(y, op, ndim)
    _check_n_iter(n_iter)
    x_shape = tuple(int(s) for s in x_shape)
    batch_ndim = len(x_shape) - ndim
    g = as_generator(rng)
    real = not dtype.is_complex
    z = torch.randn(x_shape, generator=g, dtype=torch.float64)
    if not real:
        z = z + 1j * torch.randn(x_shape, generator=g, dtype=torch.float64)
    z = z.to(dtype=dtype, device=y.device)
    yb = y.to(z.real.dtype)
    m = yb[(0,) * batch_ndim].numel()
    if method == "wf":
        w = yb
    elif method == "truncated":
        mean = _batch_sum(yb, batch_ndim) / m
        w = yb * (yb <= 9 * mean)
    elif method == "orthogonal":
        if hasattr(op, "row_norms_sq"):
            norms = op.row_norms_sq().to(yb.dtype)
        else:
            norms = torch.ones_like(yb)
        norms = norms.expand(yb.shape)
        score = yb / norms.clamp_min(torch.finfo(yb.dtype).tiny)
        score = score.reshape(*yb.shape[:batch_ndim], -1)
        k = math.ceil(m / 6)
        thresh = score.topk(k, dim=-1).values[..., -1:]
        sel = (score >= thresh).reshape(yb.shape)
        w = sel / norms
    else:
        raise ValueError(f"method: expected 'wf', 'truncated' or 'orthogonal', got {method!r}")
    dims = _dims(ndim, len(x_shape))
    for _ in range(n_iter):
        z = op.A_adjoint(w * op.A(z))
        if real:
            z = z.real if z.is_complex() else z
        z = z / torch.linalg.vector_norm(z, dim=dims, keepdim=True).clamp_min(1e-300)
    Az2 = op.A(z).abs() ** 2
    scale = torch.sqrt(_batch_sum(yb, batch_ndim) / _batch_sum(Az2, batch_ndim).clamp_min(1e-300))
    scale = scale.reshape(*x_shape[:batch_ndim], *([1] * ndim))
    return z * scale


def _setup_flow(y, op, x0, ndim):
    _check_problem(y, op, ndim)
    check_tensor(x0, "x0")
    check_finite(x0, "x0")
    batch_ndim = x0.ndim - ndim
    if batch_ndim < 0:
        raise ValueError(f"x0: expected at least {ndim} dimensions, got shape {tuple(x0.shape)}")
    Ax0 = op.A(x0)
    if Ax0.shape != y.shape:
        raise ValueError(f"y: expected shape {tuple(Ax0.shape)} (that of op.A(x0)), "
                         f"got {tuple(y.shape)}")
    return batch_ndim, Ax0


def wirtinger_flow(y: torch.Tensor, op: LinearOperator, x0: torch.Tensor, *, n_iter: int,
                   mu_max: float = 0.2, t0: float = 330.0, ndim: int = 1,
                   callback: Callable | None = None, progress: bool = False):
    r"""Wirtinger flow: gradient descent on the intensity loss.

    .. math::

        z_{t+1} = z_t - \frac{\mu_t}{\|z_0\|^2}\,\frac1m\sum_i
                  \big(|a_i^H z_t|^2 - y_i\big)\,a_i a_i^H z_t,\qquad
        \mu_t = \min(1 - e^{-t/t_0},\ \mu_{max}).

    With a general operator :math:`\frac{m}{\|z_0\|^2}` is replaced by
    :math:`\|A z_0\|^2` (equal in expectation for Gaussian rows), so the same
    step rule serves Gaussian and coded-diffraction models.

    Parameters
    ----------
    y : Tensor, real, >= 0
        Intensities ``|A x|^2``.
    op : LinearOperator
    x0 : Tensor
        Start (e.g. :func:`spectral_init` with ``method="wf"``).
    n_iter : int
    mu_max, t0 : float
        Step schedule of Candès et al. (0.2 and 330 for Gaussian models).
    ndim : int
        Trailing dimensions of one signal.
    callback : callable, optional
        ``callback(it, z)`` after every step.
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    z : Tensor, shape of ``x0``
    history : dict
        ``"loss"``: :math:`\frac{1}{2m}\sum(|Az|^2-y)^2 / \bar y^2`, averaged over the batch.

    Raises
    ------
    ValueError
        Negative intensities, ``y`` not shaped like ``op.A(x0)``.

    References
    ----------
    1. E. J. Candès, X. Li, M. Soltanolkotabi, "Phase retrieval via Wirtinger flow:
       theory and algorithms," IEEE Trans. Inf. Theory 61, 1985 (2015).

    Examples
    --------
    >>> from prcore.measure.coded import GaussianMeasurement, gaussian_matrix
    >>> x = torch.randn(8, dtype=torch.complex128, generator=torch.Generator().manual_seed(1))
    >>> op = GaussianMeasurement(gaussian_matrix(8 * 8, 8, rng=0))
    >>> y = op.A(x).abs() ** 2
    >>> z, hist = wirtinger_flow(y, op, spectral_init(y, op, (8,), method="wf", rng=0), n_iter=600)
    >>> float(relative_error(z, x)) < 1e-5
    True
    """
    batch_ndim, Az = _setup_flow(y, op, x0, ndim)
    _check_n_iter(n_iter)
    check_positive(mu_max, "mu_max")
    check_positive(t0, "t0")
    yb = y.to(x0.real.dtype)
    norm0 = _batch_sum(Az.abs() ** 2, batch_ndim).clamp_min(1e-300)
    norm0 = norm0.reshape(*x0.shape[:batch_ndim], *([1] * ndim))
    ybar2 = (_batch_sum(yb, batch_ndim) / yb[(0,) * batch_ndim].numel()) ** 2
    z = x0.clone()
    history = {"loss": []}
    for it in tqdm(range(n_iter), disable=not progress, desc="Wirtinger flow"):
        mu = min(1 - math.exp(-(it + 1) / t0), mu_max)
        Az = op.A(z)
        r = Az.abs() ** 2 - yb
        grad = op.A_adjoint(r * Az)
        z = z - (mu / norm0) * grad
        history["loss"].append(float((0.5 * (r**2).mean(dim=tuple(range(batch_ndim, r.ndim)),
                                                         keepdim=True) / ybar2).mean()))
        if callback is not None:
            callback(it, z)
    return z, history


def truncated_amplitude_flow(y: torch.Tensor, op: LinearOperator, x0: torch.Tensor, *,
                             n_iter: int, mu: float | None = None, gamma: float = 0.7,
                             ndim: int = 1,
                             callback: Callable | None = None, progress: bool = False):
    r"""Truncated amplitude flow (TAF): truncated gradient descent on the amplitude loss.

    .. math::

        z_{t+1} = z_t - \frac{\mu}{m}\sum_{i \in \mathcal I_t}
        \Big(a_i^H z_t - \sqrt{y_i}\,\frac{a_i^H z_t}{|a_i^H z_t|}\Big) a_i,
        \qquad \mathcal I_t = \Big\{i : |a_i^H z_t| \ge \frac{\sqrt{y_i}}{1+\gamma}\Big\}.

    The truncation drops the measurements whose estimated phase (sign, for real
    data) is likely wrong, which is what lets amplitude flow succeed with fewer
    measurements than Wirtinger flow. As in :func:`wirtinger_flow`, :math:`m` is
    replaced by :math:`\|A z_0\|^2 / \|z_0\|^2` for a general operator.

    Parameters
    ----------
    y : Tensor, real, >= 0
        Intensities ``|A x|^2``.
    op : LinearOperator
    x0 : Tensor
        Start (e.g. :func:`spectral_init` with ``method="orthogonal"``).
    n_iter : int
    mu : float, optional
        Step size; default 0.6 for real signals (Wang et al.) and 1.0 for complex
        ones, whose Wirtinger gradient is half as steep.
    gamma : float
        Truncation parameter (0.7 in Wang et al.).
    ndim : int
    callback : callable, optional
        ``callback(it, z)`` after every step.
    progress : bool

    Returns
    -------
    z : Tensor, shape of ``x0``
    history : dict
        ``"loss"``: amplitude loss :math:`\frac{1}{2m}\sum(|Az|-\sqrt y)^2/\bar y`, batch mean.

    References
    ----------
    1. G. Wang, G. B. Giannakis, Y. C. Eldar, "Solving systems of random quadratic
       equations via truncated amplitude flow," IEEE Trans. Inf. Theory 64, 773 (2018).

    Examples
    --------
    >>> from prcore.measure.coded import GaussianMeasurement, gaussian_matrix
    >>> x = torch.randn(8, dtype=torch.complex128, generator=torch.Generator().manual_seed(1))
    >>> op = GaussianMeasurement(gaussian_matrix(8 * 6, 8, rng=0))
    >>> y = op.A(x).abs() ** 2
    >>> x0 = spectral_init(y, op, (8,), method="orthogonal", rng=0)
    >>> z, hist = truncated_amplitude_flow(y, op, x0, n_iter=300)
    >>> float(relative_error(z, x)) < 1e-5
    True
    """
    batch_ndim, Az = _setup_flow(y, op, x0, ndim)
    _check_n_iter(n_iter)
    if mu is None:
        mu = 1.0 if x0.is_complex() else 0.6
    check_positive(mu, "mu")
    check_positive(gamma, "gamma")
    dims = _dims(ndim, x0.ndim)
    frame = (_batch_sum(Az.abs() ** 2, batch_ndim).reshape(*x0.shape[:batch_ndim], *([1] * ndim))
             / (torch.linalg.vector_norm(x0, dim=dims, keepdim=True) ** 2).clamp_min(1e-300))
    psi = torch.sqrt(y.to(x0.real.dtype))
    ybar = _batch_sum(psi**2, batch_ndim) / psi[(0,) * batch_ndim].numel()
    tiny = torch.finfo(psi.dtype).tiny
    z = x0.clone()
    history = {"loss": []}
    for it in tqdm(range(n_iter), disable=not progress, desc="TAF"):
        Az = op.A(z)
        mod = Az.abs()
        keep = mod >= psi / (1 + gamma)
        resid = (Az - psi * Az / mod.clamp_min(tiny)) * keep
        z = z - (mu / frame) * op.A_adjoint(resid)
        loss = 0.5 * ((mod - psi) ** 2).mean(dim=tuple(range(batch_ndim, mod.ndim)), keepdim=True)
        history["loss"].append(float((loss / ybar).mean()))
        if callback is not None:
            callback(it, z)
    return z, history


def success_vs_oversampling(n: int, ratios, *, trials: int, method: str = "taf", n_iter: int,
                            complex: bool = True, tol: float = 1e-5, t0: float = 330.0,
                            rng=0, progress: bool = False) -> dict:
    r"""Empirical success rate of WF or TAF against the oversampling ratio :math:`m/n`.

    For each ratio, ``trials`` independent signals :math:`x \sim \mathcal{CN}(0, I_n)`
    (or real normal) and Gaussian matrices with :math:`m = \mathrm{round}(r n)` rows
    are drawn; all trials run as one batch from a spectral start (``"wf"`` weights
    for WF, orthogonality-promoting for TAF). A trial succeeds when
    :func:`relative_error` is below ``tol``.

    Parameters
    ----------
    n : int
        Signal length.
    ratios : sequence of float
        Values of :math:`m/n`.
    trials : int
        Random problems per ratio.
    method : {"taf", "wf"}
    n_iter : int
        Iterations of the flow.
    complex : bool
        Complex (default) or real signals and matrices.
    tol : float
        Success threshold on the relative error.
    t0 : float
        Wirtinger-flow step schedule (ignored by TAF).
    rng : int
        Base seed; ratio ``i`` uses seeds derived from it, so runs are reproducible.

    Returns
    -------
    dict
        ``"ratio"``, ``"rate"`` (success fraction) and ``"median_error"``, lists
        aligned with ``ratios``.

    Examples
    --------
    >>> out = success_vs_oversampling(8, [1, 8], trials=4, method="taf", n_iter=200)
    >>> out["rate"]
    [0.0, 1.0]
    """
    from ..measure.coded import GaussianMeasurement, gaussian_matrix

    if method not in ("taf", "wf"):
        raise ValueError(f"method: expected 'taf' or 'wf', got {method!r}")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"trials: expected a positive int, got {trials!r}")
    if isinstance(rng, bool) or not isinstance(rng, int):
        raise TypeError(f"rng: expected an int base seed, got {type(rng).__name__}")
    dtype = torch.complex128 if complex else torch.float64
    out = {"ratio": [], "rate": [], "median_error": []}
    for i, r in enumerate(tqdm(list(ratios), disable=not progress, desc=method.upper())):
        check_positive(r, "ratios")
        m = max(1, round(r * n))
        g = as_generator(rng + 7919 * i)
        x = torch.randn(trials, n, generator=g, dtype=torch.float64)
        if complex:
            x = (x + 1j * torch.randn(trials, n, generator=g, dtype=torch.float64)) / math.sqrt(2)
        op = GaussianMeasurement(gaussian_matrix(m, n, batch=(trials,), complex=complex, rng=g))
        y = op.A(x).abs() ** 2
        if method == "wf":
            z0 = spectral_init(y, op, x.shape, method="wf", rng=g, dtype=dtype)
            z, _ = wirtinger_flow(y, op, z0, n_iter=n_iter, t0=t0)
        else:
            z0 = spectral_init(y, op, x.shape, method="orthogonal", rng=g, dtype=dtype)
            z, _ = truncated_amplitude_flow(y, op, z0, n_iter=n_iter)
        err = relative_error(z, x)
        out["ratio"].append(float(r))
        out["rate"].append(float((err < tol).to(torch.float64).mean()))
        out["median_error"].append(float(err.median()))
    return out


def transition_ratio(ratios, rates, *, level: float = 0.5) -> float:
    """The oversampling ratio where the success rate first reaches ``level`` (linear interpolation).

    Returns ``inf`` when it never does.

    >>> transition_ratio([2, 3, 4], [0.0, 0.2, 0.8])
    3.5
    """
    pairs = list(zip([float(r) for r in ratios], [float(p) for p in rates]))
    for (r0, p0), (r1, p1) in zip(pairs[:-1], pairs[1:]):
        if p0 < level <= p1:
            return r0 + (level - p0) / (p1 - p0) * (r1 - r0)
    if pairs and pairs[0][1] >= level:
        return pairs[0][0]
    return float("inf")
