r"""Per-sample optimisation: phase recovery of one measurement with a network inside the loop.

These solvers answer "DL in-processing" schemes of the review that need no
(or no paired) training data and instead optimise *for each measurement*:

* :func:`fit_untrained` -- physics-driven untrained network (uPD, PhysenNet):
  fit the weights :math:`\omega` of a randomly initialised network so that the
  physical model applied to its output reproduces the measured intensity,
  :math:`\min_\omega \|I_x - H(f_\omega(I_x))\|_2^2`.
* :func:`deep_image_prior` -- the same mechanics with a fixed random input
  (a structural prior, :math:`\min_\omega \|I_x - H(g_\omega(z_f))\|_2^2`).
* :func:`red` -- regularisation by denoising / plug-and-play (prDeep): gradient
  steps on :math:`\tfrac12\|H(\theta) - I_x\|^2 + \tfrac{\lambda}{2}\theta^T(\theta - D(\theta))`.
* :func:`latent_search` -- generative prior: search the latent code of a
  trained generator, :math:`\min_z \|I_x - H(G(z))\|_2^2`.
* :func:`gradient_descent` and :func:`gerchberg_saxton_inline` -- plain
  iterative baselines with no learned prior, for "with prior vs without".

Conventions: ``measurement`` is a real intensity ``(H, W)`` or ``(N, H, W)``;
``forward`` is any differentiable callable mapping a complex field of that
shape to a predicted intensity (typically
``prcore.measure.IntensityMeasurement(FreeSpacePropagation(...))``); each
solver returns ``(result, history)`` where ``history["loss"][k]`` is the data
misfit :math:`\tfrac12\|H(\cdot) - I_x\|^2` (sum over pixels, mean over the
batch) *before* step ``k`` and ``history["time"]`` the wall-clock seconds of
the loop. Results are detached; devices and dtypes follow the measurement.
The iterative solvers treat a batch ``(N, H, W)`` as N independent problems
(each image takes the step it would take alone).
"""

from __future__ import annotations

import time
from typing import Callable

import torch
from torch import nn
from tqdm.auto import tqdm

from .._checks import (
    check_complex,
    check_finite,
    check_int,
    check_nonnegative,
    check_nonnegative_tensor,
    check_positive,
    check_real,
    check_same_device,
)
from ..backend import as_generator, complex_dtype

__all__ = [
    "phase_to_field",
    "data_misfit",
    "as_denoiser",
    "reinitialize",
    "fit_untrained",
    "deep_image_prior",
    "red",
    "latent_search",
    "gradient_descent",
    "gerchberg_saxton_inline",
]


# --------------------------------------------------------------------------- helpers


def phase_to_field(phase: torch.Tensor) -> torch.Tensor:
    r"""A phase-only object :math:`e^{i\theta}` from a real phase map ``(..., H, W)`` (radians).

    >>> phase_to_field(torch.zeros(2, 2)).dtype
    torch.complex64
    """
    check_real(phase, "phase")
    return torch.polar(torch.ones_like(phase), phase)


def data_misfit(prediction: torch.Tensor, measurement: torch.Tensor) -> torch.Tensor:
    r"""Data term :math:`\tfrac12\|H(x) - I_x\|_2^2`: sum over ``(H, W)``, mean over leading dims.

    Summing over pixels keeps the per-pixel gradient independent of the image
    size, so one step size fits every resolution.

    >>> float(data_misfit(torch.ones(2, 2), torch.zeros(2, 2)))
    2.0
    """
    if prediction.shape != measurement.shape:
        raise ValueError(
            f"forward: expected a prediction of the measurement's shape "
            f"{tuple(measurement.shape)}, got {tuple(prediction.shape)}"
        )
    r = prediction - measurement
    return 0.5 * (r * r).sum(dim=(-2, -1)).mean()


def as_denoiser(net: nn.Module, *, scale: float = 1.0, offset: float = 0.0) -> Callable:
    r"""Wrap an image-to-image network ``(N, 1, H, W)`` as a denoiser of maps ``(..., H, W)``.

    The map is brought to the network's range, :math:`D(x) = s\,f((x - o)/s) + o`,
    with ``scale`` :math:`s` and ``offset`` :math:`o` (e.g. a DnCNN trained on
    images in [0, 1] denoises phases in [0, π] with ``scale=math.pi``). The
    call runs without autograd and in the network's mode (call ``net.eval()``).

    >>> d = as_denoiser(nn.Identity(), scale=2.0)
    >>> d(torch.ones(3, 4, 4)).shape
    torch.Size([3, 4, 4])
    """
    if not isinstance(net, nn.Module):
        raise TypeError(f"net: expected a torch.nn.Module, got {type(net).__name__}")
    check_positive(scale, "scale")

    def denoise(x: torch.Tensor) -> torch.Tensor:
        lead, hw = x.shape[:-2], x.shape[-2:]
        with torch.no_grad():
            y = net(((x - offset) / scale).reshape(-1, 1, *hw))
        return (y.reshape(*lead, *hw) * scale + offset).to(x.dtype)

    return denoise


def reinitialize(net: nn.Module, *, rng=None) -> nn.Module:
    """Re-draw every layer's parameters (``reset_parameters``) from ``rng``; returns ``net``.

    Makes "a randomly initialised network" reproducible without touching the
    global seed: the draws happen inside :func:`torch.random.fork_rng`.

    >>> a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    >>> _ = reinitialize(a, rng=0), reinitialize(b, rng=0)
    >>> bool(torch.equal(a.weight, b.weight))
    True
    """
    if not isinstance(net, nn.Module):
        raise TypeError(f"net: expected a torch.nn.Module, got {type(net).__name__}")
    seed = int(torch.randint(0, 2**62, (1,), generator=as_generator(rng)))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for m in net.modules():
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
    return net


def _check_n_iter(n_iter):
    check_int(n_iter, "n_iter", minimum=1)


def _check_measurement(measurement):
    check_real(measurement, "measurement")
    if measurement.ndim not in (2, 3):
        raise ValueError(
            "measurement: expected an intensity (H, W) or (N, H, W), "
            f"got shape {tuple(measurement.shape)}"
        )
    check_nonnegative_tensor(measurement, "measurement")
    return measurement


def _check_callable(f, name):
    if not callable(f):
        raise TypeError(f"{name}: expected a callable, got {type(f).__name__}")


def _net_output_to_field(out: torch.Tensor, lead_shape, output: str) -> torch.Tensor:
    """Network output ``(N, C, H, W)`` -> complex field of shape ``lead_shape + (H, W)``."""
    if out.ndim == 3:
        out = out.unsqueeze(1)
    if out.ndim != 4:
        raise ValueError(f"net: expected an output (N, C, H, W), got shape {tuple(out.shape)}")
    need = 1 if output == "phase" else 2
    if out.shape[1] < need:
        raise ValueError(
            f"net: output={output!r} needs >= {need} output channels, got {out.shape[1]}"
        )
    phase = out[:, 0]
    amp = out[:, 1] if output == "complex" else torch.ones_like(phase)
    return torch.polar(amp, phase).reshape(*lead_shape, *out.shape[-2:])


# --------------------------------------------------------------------------- untrained networks


def fit_untrained(
    net: nn.Module,
    measurement: torch.Tensor,
    forward: Callable,
    *,
    n_iter: int,
    lr: float = 1e-2,
    input: torch.Tensor | str | None = None,
    input_noise: float = 0.0,
    output: str = "phase",
    rng=None,
    callback: Callable | None = None,
    progress: bool = False,
):
    r"""Physics-driven untrained network (uPD): fit a network to one measurement via the physics.

    .. math::
        \hat\omega = \arg\min_\omega \tfrac12\,\|I_x - H(f_\omega(z))\|_2^2,
        \qquad \hat u = f_{\hat\omega}(z),

    where :math:`H` is ``forward``, :math:`z` the network input (the measured
    intensity itself, as in PhysenNet, or fixed noise, as in the deep image
    prior) and :math:`f_\omega` outputs the phase (channel 0) and, with
    ``output="complex"``, the amplitude (channel 1). Optimised with Adam. The
    network's parameters are updated **in place** (pass a copy to keep it).

    Parameters
    ----------
    net : nn.Module
        Maps the input ``(N, C, H', W')`` to ``(N, 1 or 2, H, W)`` real maps.
    measurement : Tensor, shape ``(H, W)`` or ``(N, H, W)``, real
        Measured intensity :math:`I_x` (arbitrary units, >= 0).
    forward : callable
        Complex field of the measurement's shape -> predicted intensity (same shape).
    n_iter : int
        Number of Adam steps (> 0).
    lr : float
        Adam learning rate.
    input : Tensor ``(N, C, H', W')``, ``"measurement"``, ``"noise"`` or None
        Network input; None or ``"measurement"`` feeds :math:`I_x` as ``(N, 1, H, W)``;
        ``"noise"`` draws a fixed U(0, 0.1) map ``(N, 1, H, W)`` from ``rng``.
    input_noise : float
        Standard deviation of fresh Gaussian noise added to the input at each
        step (the perturbation regulariser of Ulyanov et al.); 0 disables it.
    output : {"phase", "complex"}
        Phase-only object :math:`e^{i f_0}` or complex object :math:`f_1 e^{i f_0}`.
    rng : torch.Generator, int or None
        Randomness of the noise input and of ``input_noise``.
    callback : callable, optional
        ``callback(k, field)`` after step ``k`` with the detached current estimate.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    field : Tensor, the measurement's shape, complex
        The network's estimate after the last step.
    history : dict
        ``"loss"`` (per step, before the update), ``"time"`` (s).

    Raises
    ------
    TypeError
        ``net`` not a module, ``forward`` not callable, a complex measurement.
    ValueError
        Non-positive ``n_iter``/``lr``, NaN or negative measurement, a
        prediction whose shape differs from the measurement, a bad ``output``.

    References
    ----------
    1. F. Wang, Y. Bian, H. Wang, M. Lyu, G. Pedrini, W. Osten, G. Barbastathis
       and G. Situ, "Phase imaging with an untrained neural network," Light Sci.
       Appl. 9, 77 (2020).
    2. D. Ulyanov, A. Vedaldi and V. Lempitsky, "Deep image prior," CVPR (2018).
    3. K. Wang et al., "On the use of deep learning for phase recovery," Light
       Sci. Appl. 13, 4 (2024), Eqs. (2) and (6).

    Examples
    --------
    >>> net = reinitialize(nn.Conv2d(1, 1, 3, padding=1), rng=0)
    >>> y = torch.ones(8, 8)
    >>> u, hist = fit_untrained(net, y, lambda u: u.abs() ** 2, n_iter=3, rng=0)
    >>> u.shape, len(hist["loss"])
    (torch.Size([8, 8]), 3)
    """
    if not isinstance(net, nn.Module):
        raise TypeError(f"net: expected a torch.nn.Module, got {type(net).__name__}")
    _check_measurement(measurement)
    _check_callable(forward, "forward")
    _check_n_iter(n_iter)
    check_positive(lr, "lr")
    check_nonnegative(input_noise, "input_noise")
    if output not in ("phase", "complex"):
        raise ValueError(f"output: expected 'phase' or 'complex', got {output!r}")
    y = measurement
    lead = y.shape[:-2]
    batch = y.reshape(-1, *y.shape[-2:])
    g = as_generator(rng, device=y.device)
    if input is None or (isinstance(input, str) and input == "measurement"):
        z = batch.unsqueeze(1)
    elif isinstance(input, str) and input == "noise":
        z = 0.1 * torch.rand(
            batch.shape[0], 1, *batch.shape[-2:], generator=g, device=y.device, dtype=y.dtype
        )
    elif isinstance(input, torch.Tensor):
        check_real(input, "input")
        check_finite(input, "input")
        check_same_device(("measurement", y), ("input", input))
        z = input
    else:
        raise ValueError(f"input: expected a tensor, 'measurement', 'noise' or None, got {input!r}")
    params = [p for p in net.parameters() if p.requires_grad]
    if not params:
        raise ValueError("net: expected trainable parameters, got none")
    opt = torch.optim.Adam(params, lr=lr)
    history = {"loss": []}
    t0 = time.perf_counter()
    field = None
    for k in tqdm(range(n_iter), disable=not progress, desc="fit_untrained"):
        zk = (
            z + input_noise * torch.randn(z.shape, generator=g, device=z.device, dtype=z.dtype)
            if input_noise > 0
            else z
        )
        field = _net_output_to_field(net(zk), lead, output)
        loss = data_misfit(forward(field), y)
        if not torch.isfinite(loss.detach()):
            raise FloatingPointError(
                f"fit_untrained: the loss became {float(loss)} at step {k}; lower lr"
            )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        history["loss"].append(float(loss.detach()))
        if callback is not None:
            with torch.no_grad():
                callback(k, _net_output_to_field(net(z), lead, output))
    with torch.no_grad():
        field = _net_output_to_field(net(z), lead, output)
    history["time"] = time.perf_counter() - t0
    return field.detach(), history


def deep_image_prior(
    generator: nn.Module,
    measurement: torch.Tensor,
    forward: Callable,
    *,
    n_iter: int,
    lr: float = 1e-2,
    input_shape=None,
    input: torch.Tensor | None = None,
    input_noise: float = 0.0,
    output: str = "phase",
    rng=None,
    callback: Callable | None = None,
    progress: bool = False,
):
    r"""Deep image prior: an untrained generator fed a *fixed random* code, fitted via the physics.

    .. math::
        \hat\omega = \arg\min_\omega \tfrac12\,\|I_x - H(g_\omega(z_f))\|_2^2,
        \qquad z_f \sim \mathcal U(0, 0.1)\ \text{fixed},

    This is :func:`fit_untrained` with an input that does not depend on the
    sample (review Eq. 6): only the architecture of :math:`g_\omega` acts as
    the prior, so the generator cannot be pre-trained. ``input_shape`` is the
    shape of the code for one image, ``(C, h, w)`` (e.g. a deep decoder's
    ``(channels, H/2^k, W/2^k)``), drawn from ``rng``; or pass ``input``; or
    give neither for a generator that holds its own fixed code and is called
    without arguments (:class:`prcore.nets.DeepDecoder`,
    :class:`prcore.nets.DeepImagePrior`; ``input_noise`` is then unused).

    Parameters
    ----------
    generator : nn.Module
        Maps ``(N, C, h, w)`` to ``(N, 1 or 2, H, W)``.
    measurement, forward, n_iter, lr, input_noise, output, rng, callback, progress
        As in :func:`fit_untrained`.
    input_shape : tuple of int, optional
        ``(C, h, w)`` of the fixed random code.
    input : Tensor ``(N, C, h, w)``, optional
        The fixed code itself (overrides ``input_shape``).

    Returns
    -------
    field : Tensor, complex, the measurement's shape
    history : dict
        As in :func:`fit_untrained`.

    Raises
    ------
    ValueError
        Neither ``input_shape`` nor ``input`` given, or as :func:`fit_untrained`.

    References
    ----------
    1. D. Ulyanov, A. Vedaldi and V. Lempitsky, "Deep image prior," CVPR (2018).
    2. G. Jagatap and C. Hegde, "Algorithmic guarantees for inverse imaging with
       untrained network priors," NeurIPS (2019).
    3. K. Wang et al., "On the use of deep learning for phase recovery," Light
       Sci. Appl. 13, 4 (2024), Eq. (6).

    Examples
    --------
    >>> gen = reinitialize(nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(4, 1, 1)), rng=0)
    >>> u, h = deep_image_prior(gen, torch.ones(8, 8), lambda u: u.abs() ** 2, n_iter=2,
    ...                         input_shape=(4, 4, 4), rng=0)
    >>> u.shape
    torch.Size([8, 8])
    """
    _check_measurement(measurement)
    if not isinstance(generator, nn.Module):
        raise TypeError(f"generator: expected a torch.nn.Module, got {type(generator).__name__}")
    if input is None and input_shape is None:
        # the generator owns its fixed code (prcore.nets.DeepDecoder, DeepImagePrior)
        generator = _OwnInput(generator)
        input = measurement.new_zeros(1 if measurement.ndim == 2 else measurement.shape[0], 1)
    elif input is None:
        shape = tuple(int(s) for s in input_shape)
        if len(shape) != 3 or min(shape) <= 0:
            raise ValueError(
                f"input_shape: expected (C, h, w) of positive ints, got {input_shape!r}"
            )
        n = 1 if measurement.ndim == 2 else measurement.shape[0]
        g = as_generator(rng, device=measurement.device)
        input = 0.1 * torch.rand(
            n, *shape, generator=g, device=measurement.device, dtype=measurement.dtype
        )
        rng = g
    return fit_untrained(
        generator,
        measurement,
        forward,
        n_iter=n_iter,
        lr=lr,
        input=input,
        input_noise=input_noise,
        output=output,
        rng=rng,
        callback=callback,
        progress=progress,
    )


class _OwnInput(nn.Module):
    """Adapter: a generator called without arguments, presented as ``f(z)`` (``z`` ignored)."""

    def __init__(self, generator: nn.Module):
        super().__init__()
        self.generator = generator

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out = self.generator()
        return out.expand(z.shape[0], *out.shape[1:]) if out.shape[0] != z.shape[0] else out


# --------------------------------------------------------------------------- iterative solvers


def _check_iterate(x0, measurement, to_field, forward):
    check_real(x0, "x0")
    check_finite(x0, "x0")
    check_same_device(("measurement", measurement), ("x0", x0))
    _check_callable(to_field, "to_field")
    _check_callable(forward, "forward")
    with torch.no_grad():
        pred = forward(to_field(x0))
    if pred.shape != measurement.shape:
        raise ValueError(
            f"x0: forward(to_field(x0)) has shape {tuple(pred.shape)}, expected the measurement's "
            f"shape {tuple(measurement.shape)}"
        )


def _data_value_and_grad(x, measurement, forward, to_field):
    """``(f(x), grad f(x))`` of the data term through autograd (never touches module .grad).

    The gradient is that of the *sum* over the batch, so each image of a batch
    takes the same step as it would alone; the returned value is the batch mean.
    """
    x = x.detach().requires_grad_(True)
    loss = data_misfit(forward(to_field(x)), measurement)
    n_images = max(1, measurement[..., 0, 0].numel())
    (grad,) = torch.autograd.grad(loss * n_images, [x])
    return loss.detach(), grad


def gradient_descent(
    measurement: torch.Tensor,
    forward: Callable,
    x0: torch.Tensor,
    *,
    n_iter: int,
    step: float,
    to_field: Callable = phase_to_field,
    callback: Callable | None = None,
    progress: bool = False,
):
    r"""Plain gradient descent on the data term, no prior: the baseline of the prior-based solvers.

    .. math::
        x_{k+1} = x_k - \tau\,\nabla_x \tfrac12\,\|H(T(x_k)) - I_x\|_2^2,

    with :math:`T` = ``to_field`` (default :math:`e^{ix}`, a phase-only object)
    and the gradient computed by autograd through ``forward``.

    Parameters
    ----------
    measurement : Tensor, shape ``(H, W)`` or ``(N, H, W)``, real
        Measured intensity.
    forward : callable
        Complex field -> predicted intensity of the measurement's shape.
    x0 : Tensor, real
        Initial unknown (a phase map in radians for the default ``to_field``).
    n_iter : int
        Number of steps (> 0).
    step : float
        Step size :math:`\tau` (> 0).
    to_field : callable
        Unknown -> complex field.
    callback : callable, optional
        ``callback(k, x)`` after step ``k``.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    x : Tensor, like ``x0``
    history : dict
        ``"loss"`` per step (before the update) and ``"time"`` (s).

    Raises
    ------
    ValueError
        Non-positive ``n_iter``/``step``, NaN or negative measurement, an
        ``x0`` whose prediction does not match the measurement's shape.

    References
    ----------
    1. J. R. Fienup, "Phase retrieval algorithms: a comparison," Appl. Opt. 21,
       2758 (1982).

    Examples
    --------
    >>> y = torch.ones(4, 4)
    >>> x, h = gradient_descent(y, lambda u: u.abs() ** 2, torch.zeros(4, 4), n_iter=2, step=0.1)
    >>> h["loss"]
    [0.0, 0.0]
    """
    _check_measurement(measurement)
    _check_n_iter(n_iter)
    check_positive(step, "step")
    _check_iterate(x0, measurement, to_field, forward)
    x = x0.detach().clone()
    history = {"loss": []}
    t0 = time.perf_counter()
    for k in tqdm(range(n_iter), disable=not progress, desc="gradient_descent"):
        loss, grad = _data_value_and_grad(x, measurement, forward, to_field)
        x = x - step * grad
        history["loss"].append(float(loss.detach()))
        if callback is not None:
            callback(k, x)
    history["time"] = time.perf_counter() - t0
    return x, history


def red(
    measurement: torch.Tensor,
    forward: Callable,
    denoiser: Callable,
    x0: torch.Tensor,
    *,
    n_iter: int,
    step: float,
    lam: float,
    to_field: Callable = phase_to_field,
    callback: Callable | None = None,
    progress: bool = False,
):
    r"""Regularisation by denoising (RED / prDeep): gradient descent with a denoiser as the prior.

    .. math::
        \min_x\ \tfrac12\|H(T(x)) - I_x\|_2^2 + \tfrac{\lambda}{2}\, x^T\big(x - D(x)\big),
        \qquad
        x_{k+1} = x_k - \tau\Big(\nabla_x \tfrac12\|H(T(x_k)) - I_x\|_2^2
        + \lambda\,\big(x_k - D(x_k)\big)\Big),

    (review Eq. 5). The data gradient comes from autograd through ``forward``;
    the prior's gradient is the denoiser residual :math:`x - D(x)` (Romano et
    al.), so :math:`D` is any callable -- a trained DnCNN wrapped by
    :func:`as_denoiser` or a classical filter -- and is never differentiated.
    With :math:`D(x) = x` (or ``lam = 0``) this is exactly :func:`gradient_descent`.

    Parameters
    ----------
    measurement : Tensor, shape ``(H, W)`` or ``(N, H, W)``, real
        Measured intensity.
    forward : callable
        Complex field -> predicted intensity of the measurement's shape.
    denoiser : callable
        Real map of ``x0``'s shape -> denoised map of the same shape.
    x0 : Tensor, real
        Initial unknown (phase in radians for the default ``to_field``).
    n_iter : int
        Number of steps (> 0).
    step : float
        Step size :math:`\tau` (> 0).
    lam : float
        Regularisation weight :math:`\lambda` (>= 0).
    to_field : callable
        Unknown -> complex field (default :math:`e^{ix}`).
    callback : callable, optional
        ``callback(k, x)`` after step ``k``.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    x : Tensor, like ``x0``
    history : dict
        ``"loss"`` (data term per step), ``"prior"`` (:math:`\tfrac12 x^T(x - D(x))`
        per step, averaged over the batch) and ``"time"`` (s).

    Raises
    ------
    ValueError
        As :func:`gradient_descent`; negative ``lam``; a denoiser output of another shape.

    References
    ----------
    1. Y. Romano, M. Elad and P. Milanfar, "The little engine that could:
       regularization by denoising (RED)," SIAM J. Imaging Sci. 10, 1804 (2017).
    2. C. A. Metzler, P. Schniter, A. Veeraraghavan and R. G. Baraniuk, "prDeep:
       robust phase retrieval with a flexible deep network," ICML (2018).
    3. K. Wang et al., "On the use of deep learning for phase recovery," Light
       Sci. Appl. 13, 4 (2024), Eq. (5).

    Examples
    --------
    >>> y = torch.ones(4, 4)
    >>> x, h = red(y, lambda u: u.abs() ** 2, lambda x: 0 * x, torch.ones(4, 4), n_iter=1,
    ...            step=0.5, lam=1.0)
    >>> float(x[0, 0])  # the zero "denoiser" shrinks x: 1 - 0.5 * (1 - 0)
    0.5
    """
    _check_measurement(measurement)
    _check_n_iter(n_iter)
    check_positive(step, "step")
    check_nonnegative(lam, "lam")
    _check_callable(denoiser, "denoiser")
    _check_iterate(x0, measurement, to_field, forward)
    x = x0.detach().clone()
    history = {"loss": [], "prior": []}
    t0 = time.perf_counter()
    for k in tqdm(range(n_iter), disable=not progress, desc="red"):
        loss, grad = _data_value_and_grad(x, measurement, forward, to_field)
        with torch.no_grad():
            d = denoiser(x)
        if not isinstance(d, torch.Tensor) or d.shape != x.shape:
            got = tuple(d.shape) if isinstance(d, torch.Tensor) else type(d).__name__
            raise ValueError(f"denoiser: expected an output of shape {tuple(x.shape)}, got {got}")
        residual = x - d
        history["loss"].append(float(loss.detach()))
        history["prior"].append(float(0.5 * (x * residual).sum(dim=(-2, -1)).mean()))
        x = x - step * (grad + lam * residual)
        if callback is not None:
            callback(k, x)
    history["time"] = time.perf_counter() - t0
    return x, history


def latent_search(
    measurement: torch.Tensor,
    forward: Callable,
    generator: Callable,
    z0: torch.Tensor,
    *,
    n_iter: int,
    lr: float = 1e-2,
    to_field: Callable = phase_to_field,
    callback: Callable | None = None,
    progress: bool = False,
):
    r"""Generative prior: search the latent code of a trained generator to fit the measurement.

    .. math::
        \hat z = \arg\min_z \tfrac12\,\|I_x - H(T(G(z)))\|_2^2,\qquad \hat x = G(\hat z),

    (review Eq. 7), optimised with Adam over :math:`z` only. The solution is
    confined to the generator's range: low-dimensional and robust when the
    object resembles the training set, biased when it does not. The
    generator's weights are not changed and get no ``.grad``.

    Parameters
    ----------
    measurement : Tensor, shape ``(H, W)`` or ``(N, H, W)``, real
        Measured intensity.
    forward : callable
        Complex field -> predicted intensity of the measurement's shape.
    generator : callable
        Latent ``z`` (e.g. ``(N, d)``) -> real map whose shape is the
        measurement's, or ``(N, 1, H, W)`` (the channel is squeezed).
    z0 : Tensor, real
        Initial latent code.
    n_iter : int
        Number of Adam steps (> 0).
    lr : float
        Adam learning rate (> 0).
    to_field : callable
        Generator output -> complex field (default :math:`e^{ix}`).
    callback : callable, optional
        ``callback(k, z)`` after step ``k``.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    x : Tensor, the measurement's shape, real
        :math:`G(\hat z)`, the recovered map (phase for the default ``to_field``).
    history : dict
        ``"loss"`` per step, ``"z"`` (the final latent code) and ``"time"`` (s).

    Raises
    ------
    ValueError
        As :func:`gradient_descent`; a generator output that does not fit the measurement.

    References
    ----------
    1. A. Bora, A. Jalal, E. Price and A. G. Dimakis, "Compressed sensing using
       generative models," ICML (2017).
    2. P. Hand, O. Leong and V. Voroninski, "Phase retrieval under a generative
       prior," NeurIPS (2018).
    3. K. Wang et al., "On the use of deep learning for phase recovery," Light
       Sci. Appl. 13, 4 (2024), Eq. (7).

    Examples
    --------
    >>> G = lambda z: z.reshape(1, 2, 2)
    >>> y = torch.ones(1, 2, 2)
    >>> x, h = latent_search(y, lambda u: u.abs() ** 2, G, torch.zeros(1, 4), n_iter=2)
    >>> x.shape, h["z"].shape
    (torch.Size([1, 2, 2]), torch.Size([1, 4]))
    """
    _check_measurement(measurement)
    _check_n_iter(n_iter)
    check_positive(lr, "lr")
    _check_callable(generator, "generator")
    _check_callable(forward, "forward")
    _check_callable(to_field, "to_field")
    check_real(z0, "z0")
    check_finite(z0, "z0")
    check_same_device(("measurement", measurement), ("z0", z0))

    def render(z):
        x = generator(z)
        if x.shape != measurement.shape and x.ndim == measurement.ndim + 1 and x.shape[-3] == 1:
            x = x.squeeze(-3)
        if x.shape != measurement.shape and x.numel() == measurement.numel():
            x = x.reshape(measurement.shape)
        if x.shape != measurement.shape:
            raise ValueError(
                f"generator: expected an output of the measurement's shape "
                f"{tuple(measurement.shape)}, got {tuple(x.shape)}"
            )
        return x

    n_images = max(1, measurement[..., 0, 0].numel())
    z = z0.detach().clone().requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    history = {"loss": []}
    t0 = time.perf_counter()
    for k in tqdm(range(n_iter), disable=not progress, desc="latent_search"):
        loss = data_misfit(forward(to_field(render(z))), measurement)
        (grad,) = torch.autograd.grad(loss * n_images, [z])  # per-image gradients
        opt.zero_grad(set_to_none=True)
        z.grad = grad
        opt.step()
        history["loss"].append(float(loss.detach()))
        if callback is not None:
            callback(k, z.detach())
    with torch.no_grad():
        x = render(z)
    history["z"] = z.detach()
    history["time"] = time.perf_counter() - t0
    return x.detach(), history


def gerchberg_saxton_inline(
    measurement: torch.Tensor,
    propagation,
    x0: torch.Tensor | None = None,
    *,
    n_iter: int,
    constraint: str = "phase",
    callback: Callable | None = None,
    progress: bool = False,
):
    r"""Single-plane Gerchberg–Saxton for an in-line hologram: alternating projections, no prior.

    .. math::
        u_{k+1} = P_{obj}\Big(P^{H}\big(\sqrt{I_x}\,e^{i\arg(P u_k)}\big)\Big),

    with :math:`P` the linear propagation to the detector and :math:`P_{obj}`
    the object-plane constraint: ``"phase"`` sets :math:`|u| = 1` (a
    phase-only object), ``"none"`` keeps the back-propagated field (which
    makes the twin image a fixed point). The first estimate defaults to the
    back-propagated hologram :math:`P^H\sqrt{I_x}`.

    Parameters
    ----------
    measurement : Tensor, shape ``(H, W)`` or ``(N, H, W)``, real
        Measured intensity.
    propagation : LinearOperator
        Object-to-detector propagation with ``A`` and ``A_adjoint`` (e.g.
        :class:`prcore.measure.FreeSpacePropagation`).
    x0 : Tensor, complex, optional
        Initial object field.
    n_iter : int
        Number of iterations (> 0).
    constraint : {"phase", "none"}
        Object-plane constraint.
    callback : callable, optional
        ``callback(k, u)`` after iteration ``k``.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    u : Tensor, complex, the measurement's shape
    history : dict
        ``"loss"``: :math:`\tfrac12\||P u_k|^2 - I_x\|^2` per iteration and ``"time"`` (s).

    Raises
    ------
    TypeError
        ``propagation`` without ``A``/``A_adjoint``, a real ``x0``.
    ValueError
        As :func:`gradient_descent`; an unknown ``constraint``.

    References
    ----------
    1. R. W. Gerchberg and W. O. Saxton, "A practical algorithm for the
       determination of phase from image and diffraction plane pictures,"
       Optik 35, 237 (1972).

    Examples
    --------
    >>> from prcore.measure import FreeSpacePropagation
    >>> P = FreeSpacePropagation((16, 16), 1e-4, 500e-9, 2e-6)
    >>> u, h = gerchberg_saxton_inline(torch.ones(16, 16), P, n_iter=2)
    >>> round(h["loss"][0], 6)
    0.0
    """
    _check_measurement(measurement)
    _check_n_iter(n_iter)
    if not (hasattr(propagation, "A") and hasattr(propagation, "A_adjoint")):
        raise TypeError(
            f"propagation: expected a linear operator with A and A_adjoint, got "
            f"{type(propagation).__name__}"
        )
    if constraint not in ("phase", "none"):
        raise ValueError(f"constraint: expected 'phase' or 'none', got {constraint!r}")
    amp = torch.sqrt(measurement)
    cdt = complex_dtype(measurement.dtype)
    if x0 is None:
        u = propagation.A_adjoint(amp.to(cdt))
    else:
        check_complex(x0, "x0")
        check_finite(x0, "x0")
        check_same_device(("measurement", measurement), ("x0", x0))
        if x0.shape != measurement.shape:
            raise ValueError(
                f"x0: expected the measurement's shape {tuple(measurement.shape)}, "
                f"got {tuple(x0.shape)}"
            )
        u = x0.clone()
    if constraint == "phase":
        u = torch.polar(torch.ones_like(amp), torch.angle(u))
    history = {"loss": []}
    t0 = time.perf_counter()
    with torch.no_grad():
        for k in tqdm(range(n_iter), disable=not progress, desc="gerchberg_saxton_inline"):
            v = propagation.A(u)
            history["loss"].append(float(data_misfit(v.abs() ** 2, measurement)))
            v = torch.polar(amp, torch.angle(v))
            u = propagation.A_adjoint(v)
            if constraint == "phase":
                u = torch.polar(torch.ones_like(amp), torch.angle(u))
            if callback is not None:
                callback(k, u)
    history["time"] = time.perf_counter() - t0
    return u, history
