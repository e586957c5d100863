r"""The review's DL in-processing strategies, each trained or set up with an explicit budget.

Every function here builds one strategy of the review's Table 4 on *given*
data and returns a :class:`Strategy`: a predictor mapping in-line holograms
``(B, 1, H, W)`` to phase maps ``(B, 1, H, W)`` (radians), the wall-clock
training time, and what data the training needed. Chapters and the Table 4
comparison call the same functions, so their numbers are comparable.

========================  ================================  ===============
function                  strategy (review section)         training data
========================  ================================  ===============
:func:`network_only`      dataset-driven U-Net (Eq. 1)      paired
:func:`physics_driven`    trained physics-driven, tPD (2)   holograms only
:func:`fine_tuned`        tPD + per-sample fine-tune (3)    holograms only
:func:`untrained`         untrained physics-driven, uPD     none
:func:`deep_image_prior`  DIP with noise input (Eq. 6)      none
:func:`physics_connect`   back-propagate, then U-Net        paired
:func:`red_denoiser`      RED with a trained DnCNN (Eq. 5)  phase maps only
:func:`generative_prior`  VAE decoder + latent search (7)   phase maps only
:func:`unrolled`          unrolled gradient solver          paired
:func:`iterative`         Gerchberg–Saxton, no learning     none
========================  ================================  ===============

``train`` arguments are datasets of ``(hologram (1, H, W), phase (1, H, W))``
pairs (e.g. :meth:`prcore.data.datasets.HologramDataset.materialize`);
strategies that must not see labels take only the holograms from it, those
that learn a prior take only the phases. ``operator`` is the assumed forward
model, ``IntensityMeasurement(FreeSpacePropagation(...))``.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn
from torch.utils.data import TensorDataset

from .. import metrics
from .._checks import check_positive, check_real
from ..measure.intensity import IntensityMeasurement
from ..nets.decoder import ConvVAE, vae_loss
from ..nets.dncnn import DnCNN
from ..nets.unet import UNet
from ..nets.unrolled import UnrolledSolver
from .fit import fit, make_loader
from .losses import PhysicsLoss, mse
from .solvers import (
    as_denoiser,
    fit_untrained,
    gerchberg_saxton_inline,
    latent_search,
    red,
    reinitialize,
)

__all__ = [
    "Strategy",
    "backpropagate",
    "network_only",
    "physics_driven",
    "fine_tuned",
    "untrained",
    "deep_image_prior",
    "physics_connect",
    "red_denoiser",
    "generative_prior",
    "unrolled",
    "iterative",
    "assess",
    "time_per_image",
]


@dataclass(frozen=True)
class Strategy:
    """A phase-recovery strategy ready to use: ``strategy(holograms) -> phases``.

    Attributes
    ----------
    name : str
        Short label.
    predict : callable
        Holograms ``(B, 1, H, W)`` (real, >= 0) -> phase ``(B, 1, H, W)`` in radians.
    train_time : float
        Wall-clock seconds spent training (0 when nothing is trained).
    data : str
        What the training needed: ``"paired"``, ``"holograms only"``,
        ``"phase maps only"`` or ``"none"``.
    per_sample : bool
        True when inference optimises anew for every hologram.
    model : nn.Module or None
        The trained network, if any.
    history : dict
        Training history (from :func:`prcore.learn.fit.fit`), plus ``"monitor"``
        (the value of ``monitor(predict)`` after each epoch) when one was given.
    """

    name: str
    predict: Callable
    train_time: float
    data: str
    per_sample: bool = False
    model: nn.Module | None = None
    history: dict = field(default_factory=dict)

    def __call__(self, holograms: torch.Tensor) -> torch.Tensor:
        return self.predict(holograms)


# --------------------------------------------------------------------------- helpers


def _check_operator(operator):
    if not isinstance(operator, IntensityMeasurement):
        raise TypeError(
            "operator: expected an IntensityMeasurement(FreeSpacePropagation(...)), "
            f"got {type(operator).__name__}"
        )


def _check_holograms(holograms):
    check_real(holograms, "holograms")
    if holograms.ndim != 4 or holograms.shape[1] != 1:
        raise ValueError(
            f"holograms: expected shape (B, 1, H, W), got {tuple(holograms.shape)}"
        )


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}: expected a positive int, got {value!r}")


def _tensors(train, name="train"):
    """``(holograms (n, 1, H, W), phases (n, 1, H, W))`` of a dataset of pairs."""
    if isinstance(train, TensorDataset):
        x, y = train.tensors[:2]
    else:
        if not hasattr(train, "__len__") or len(train) == 0:
            raise ValueError(f"{name}: expected a non-empty dataset of (hologram, phase) pairs")
        x = torch.stack([train[i][0] for i in range(len(train))])
        y = torch.stack([train[i][1] for i in range(len(train))])
    if x.ndim != 4 or x.shape[1] != 1 or y.shape != x.shape:
        raise ValueError(
            f"{name}: expected pairs of (1, H, W) holograms and (1, H, W) phases, got "
            f"{tuple(x.shape[1:])} and {tuple(y.shape[1:])}"
        )
    return x.float(), y.float()


def _seeded(net, seed):
    return reinitialize(net, rng=int(seed))


def _train(model, data, loss_fn, *, epochs, batch_size, lr, seed, device, cosine, monitor,
           predictor):
    """Adam (+ cosine decay) through :func:`fit`; returns (history, training seconds)."""
    _positive_int(epochs, "epochs")
    _positive_int(batch_size, "batch_size")
    check_positive(lr, "lr")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs) if cosine else None
    loader = make_loader(data, batch_size=batch_size, seed=seed)
    values = []

    def callback(epoch, history):
        if monitor is not None:
            values.append(float(monitor(predictor)))
            model.train()

    hist = fit(model, loader, loss_fn, opt, epochs=epochs, device=device, seed=seed,
               scheduler=sched, callback=callback, progress=False)
    if monitor is not None:
        hist["monitor"] = values
    hist["steps_per_epoch"] = len(loader)
    return hist, float(sum(hist["time"]))


def _net_predictor(net, transform=None):
    """Eval-mode, no-grad predictor on the network's device; output on the input's device."""

    def predict(holograms):
        _check_holograms(holograms)
        dev = next(net.parameters()).device
        net.eval()
        with torch.no_grad():
            x = holograms.to(dev)
            out = net(transform(x) if transform is not None else x)
        return out.to(holograms.device)

    return predict


def backpropagate(holograms: torch.Tensor, operator) -> torch.Tensor:
    r"""Back-propagated field :math:`P^H\sqrt{I}` of holograms ``(B, 1, H, W)`` (complex).

    Its phase is the object phase corrupted by the twin image.

    >>> from prcore.measure import FreeSpacePropagation
    >>> op = IntensityMeasurement(FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6))
    >>> u = backpropagate(torch.ones(1, 1, 8, 8), op)
    >>> u.dtype, round(float(u.abs().mean()), 4)
    (torch.complex64, 1.0)
    """
    _check_operator(operator)
    _check_holograms(holograms)
    return operator.linear.A_adjoint(holograms.clamp_min(0).sqrt().to(torch.complex64))


class _BackpropInput(nn.Module):
    """Network on the (real, imag) channels of the back-propagated hologram."""

    def __init__(self, operator, net):
        super().__init__()
        self.operator, self.net = operator, net

    def forward(self, holograms):
        u = backpropagate(holograms, self.operator)[:, 0]
        return self.net(torch.stack([u.real, u.imag], dim=1))


class _UnrolledPhase(nn.Module):
    """Unrolled solver on holograms ``(B, 1, H, W)``; returns the complex field ``(B, 1, H, W)``.

    ``init="phase"`` starts from the phase-only projection of the back-propagated
    field (the back-propagated field itself is a stationary point of the data
    term when the propagation is unitary), ``"backprop"`` from that field.
    """

    def __init__(self, solver, operator, init):
        super().__init__()
        self.solver, self.operator, self.init = solver, operator, init

    def forward(self, holograms, return_all: bool = False):
        u = backpropagate(holograms, self.operator)
        if self.init == "phase":
            u = torch.polar(torch.ones_like(u.real), torch.angle(u))
        return self.solver(holograms, u, return_all=return_all)


def _field_loss(field, phase):
    """Complex MSE between the estimated field and the phase object :math:`e^{i\\theta}`."""
    return mse(field, torch.polar(torch.ones_like(phase), phase))


def _unet(in_channels, width, depth, seed):
    return _seeded(UNet(in_channels, 1, depth=depth, width=width), seed)


def _indexed(callback, i):
    """``callback(i, k, field)`` as the ``callback(k, field)`` of a per-sample solver."""
    return None if callback is None else (lambda k, u: callback(i, k, u))


def _per_sample(run):
    """Predictor that calls ``run(hologram (H, W), index) -> phase (H, W)`` image by image."""

    def predict(holograms):
        _check_holograms(holograms)
        return torch.stack([run(h[0], i)[None] for i, h in enumerate(holograms)])

    return predict


# --------------------------------------------------------------------------- strategies


def network_only(train, *, epochs: int, batch_size: int = 16, lr: float = 3e-3,
                 width: int = 8, depth: int = 3, seed: int = 0, device="cpu",
                 cosine: bool = True, monitor: Callable | None = None) -> Strategy:
    r"""Dataset-driven network (DD): a U-Net trained on hologram/phase pairs.

    .. math:: \hat\omega = \arg\min_\omega \sum_i \|f_\omega(I_i) - \theta_i\|_2^2

    (review Eq. 1). Inference is one forward pass.

    Parameters
    ----------
    train : Dataset of ``(hologram (1, H, W), phase (1, H, W))``
        Paired training data.
    epochs : int
        Passes over ``train``.
    batch_size, lr : int, float
        Adam mini-batch size and learning rate (cosine decay unless ``cosine=False``).
    width, depth : int
        U-Net channels at full resolution and number of down-samplings.
    seed : int
        Initial weights and shuffling.
    device : str or torch.device
        Where to train.
    monitor : callable, optional
        ``monitor(predict) -> float`` after each epoch (e.g. the test error),
        stored in ``history["monitor"]``; its time is not counted in ``train_time``.

    Returns
    -------
    Strategy
        ``data="paired"``.

    Raises
    ------
    ValueError
        Malformed ``train`` or non-positive budgets.

    References
    ----------
    1. H. Wang, M. Lyu, G. Situ, "eHoloNet: a learning-based end-to-end approach
       for in-line digital holographic reconstruction," Opt. Express 26, 22603 (2018).
    2. K. Wang et al., "On the use of deep learning for phase recovery," Light
       Sci. Appl. 13, 4 (2024), Eq. (1).

    Examples
    --------
    >>> data = TensorDataset(torch.rand(4, 1, 8, 8), torch.rand(4, 1, 8, 8))
    >>> s = network_only(data, epochs=1, width=2, depth=1)
    >>> s(torch.rand(2, 1, 8, 8)).shape, s.data
    (torch.Size([2, 1, 8, 8]), 'paired')
    """
    x, y = _tensors(train)
    net = _unet(1, width, depth, seed)
    predict = _net_predictor(net)
    hist, t = _train(net, TensorDataset(x, y), mse, epochs=epochs, batch_size=batch_size, lr=lr,
                     seed=seed, device=device, cosine=cosine, monitor=monitor, predictor=predict)
    return Strategy("network-only (DD)", predict, t, "paired", False, net, hist)


def physics_driven(train, operator, *, epochs: int, batch_size: int = 16, lr: float = 3e-3,
                   width: int = 8, depth: int = 3, seed: int = 0, device="cpu",
                   cosine: bool = True, monitor: Callable | None = None) -> Strategy:
    r"""Trained physics-driven network (tPD): a U-Net trained on holograms alone, via the physics.

    .. math:: \hat\omega = \arg\min_\omega \sum_i \|I_i - H(e^{i f_\omega(I_i)})\|_2^2

    (review Eq. 2 summed over a training set). The phases in ``train`` are
    never read: only its holograms enter the loss.

    Parameters
    ----------
    train : Dataset of ``(hologram, phase)`` pairs
        Only the holograms are used.
    operator : IntensityMeasurement
        The forward model :math:`H` assumed in the loss.
    epochs, batch_size, lr, width, depth, seed, device, cosine, monitor
        As in :func:`network_only`.

    Returns
    -------
    Strategy
        ``data="holograms only"``.

    Raises
    ------
    TypeError
        ``operator`` is not an :class:`~prcore.measure.intensity.IntensityMeasurement`.

    References
    ----------
    1. F. Wang et al., "Phase imaging with an untrained neural network," Light
       Sci. Appl. 9, 77 (2020).
    2. K. Wang et al., "On the use of deep learning for phase recovery," Light
       Sci. Appl. 13, 4 (2024), Eq. (2).

    Examples
    --------
    >>> from prcore.measure import FreeSpacePropagation
    >>> op = IntensityMeasurement(FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6))
    >>> data = TensorDataset(torch.rand(4, 1, 8, 8), torch.full((4, 1, 8, 8), float("nan")))
    >>> s = physics_driven(data, op, epochs=1, width=2, depth=1)  # NaN labels: never read
    >>> s.data
    'holograms only'
    """
    _check_operator(operator)
    x, _ = _tensors(train)
    net = _unet(1, width, depth, seed)
    predict = _net_predictor(net)
    hist, t = _train(net, TensorDataset(x, x), PhysicsLoss(operator), epochs=epochs,
                     batch_size=batch_size, lr=lr, seed=seed, device=device, cosine=cosine,
                     monitor=monitor, predictor=predict)
    return Strategy("trained physics-driven (tPD)", predict, t, "holograms only", False, net, hist)


def fine_tuned(base: Strategy, operator, *, n_iter: int, lr: float = 1e-3,
               callback: Callable | None = None) -> Strategy:
    r"""Per-sample fine-tuning of a trained network through the physics (tPD + Eq. 3).

    .. math:: \hat\omega_x = \arg\min_\omega \|I_x - H(e^{i f_\omega(I_x)})\|_2^2,
              \quad \omega \leftarrow \omega_{\text{trained}}

    A fresh copy of ``base.model`` (in eval mode: batch-norm statistics frozen)
    is optimised with Adam for every hologram, starting from the trained weights.

    Parameters
    ----------
    base : Strategy
        A strategy with a ``model`` mapping holograms to phases (:func:`physics_driven`,
        :func:`network_only`).
    operator : IntensityMeasurement
    n_iter : int
        Adam steps per hologram.
    lr : float
        Adam learning rate.
    callback : callable, optional
        ``callback(i, k, field)`` after step ``k`` on hologram ``i`` of a call.

    Returns
    -------
    Strategy
        ``per_sample=True``, the base's ``train_time`` and ``data``.

    Raises
    ------
    ValueError
        ``base`` has no model.

    References
    ----------
    1. K. Wang et al., "On the use of deep learning for phase recovery," Light
       Sci. Appl. 13, 4 (2024), Eq. (3).

    Examples
    --------
    >>> from prcore.measure import FreeSpacePropagation
    >>> op = IntensityMeasurement(FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6))
    >>> data = TensorDataset(torch.rand(4, 1, 8, 8), torch.rand(4, 1, 8, 8))
    >>> s = fine_tuned(physics_driven(data, op, epochs=1, width=2, depth=1), op, n_iter=2)
    >>> s(torch.rand(2, 1, 8, 8)).shape, s.per_sample
    (torch.Size([2, 1, 8, 8]), True)
    """
    _check_operator(operator)
    _positive_int(n_iter, "n_iter")
    if not isinstance(base, Strategy) or base.model is None:
        raise ValueError("base: expected a Strategy with a trained model")

    def run(h, i):
        net = copy.deepcopy(base.model).eval()
        dev = next(net.parameters()).device
        u, _ = fit_untrained(net, h.to(dev), operator, n_iter=n_iter, lr=lr,
                             callback=_indexed(callback, i))
        return torch.angle(u).to(h.device)

    return Strategy(base.name + " + fine-tune", _per_sample(run), base.train_time, base.data,
                    True, base.model, base.history)


def untrained(operator, *, n_iter: int, lr: float = 1e-2, width: int = 8, depth: int = 3,
              seed: int = 0, callback: Callable | None = None) -> Strategy:
    r"""Untrained physics-driven network (uPD, PhysenNet): a fresh U-Net fitted to each hologram.

    .. math:: \hat\omega = \arg\min_\omega \|I_x - H(e^{i f_\omega(I_x)})\|_2^2

    (review Eq. 2), see :func:`prcore.learn.solvers.fit_untrained`; every
    hologram starts from the same seeded random weights.

    Parameters
    ----------
    operator : IntensityMeasurement
    n_iter : int
        Adam steps per hologram.
    lr : float
    width, depth : int
        U-Net size.
    seed : int
        Initial weights.
    callback : callable, optional
        ``callback(i, k, field)`` after step ``k`` on hologram ``i`` of a call.

    Returns
    -------
    Strategy
        ``train_time=0``, ``data="none"``, ``per_sample=True``.

    References
    ----------
    1. F. Wang et al., "Phase imaging with an untrained neural network," Light
       Sci. Appl. 9, 77 (2020).

    Examples
    --------
    >>> from prcore.measure import FreeSpacePropagation
    >>> op = IntensityMeasurement(FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6))
    >>> s = untrained(op, n_iter=2, width=2, depth=1)
    >>> s(torch.rand(1, 1, 8, 8)).shape, s.data
    (torch.Size([1, 1, 8, 8]), 'none')
    """
    _check_operator(operator)
    _positive_int(n_iter, "n_iter")

    def run(h, i):
        net = _unet(1, width, depth, seed).to(h.device)
        u, _ = fit_untrained(net, h, operator, n_iter=n_iter, lr=lr,
                             callback=_indexed(callback, i))
        return torch.angle(u)

    return Strategy("untrained physics-driven (uPD)", _per_sample(run), 0.0, "none", True)


def deep_image_prior(operator, *, n_iter: int, lr: float = 1e-2, width: int = 8,
                     depth: int = 3, seed: int = 0) -> Strategy:
    r"""Deep image prior: a fresh U-Net fed fixed noise, fitted to each hologram (review Eq. 6).

    .. math:: \hat\omega = \arg\min_\omega \|I_x - H(e^{i g_\omega(z_f)})\|_2^2

    Parameters and returns as :func:`untrained` (the input is seeded noise, not the hologram).

    References
    ----------
    1. D. Ulyanov, A. Vedaldi and V. Lempitsky, "Deep image prior," CVPR (2018).

    Examples
    --------
    >>> from prcore.measure import FreeSpacePropagation
    >>> op = IntensityMeasurement(FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6))
    >>> deep_image_prior(op, n_iter=2, width=2, depth=1)(torch.rand(1, 1, 8, 8)).shape
    torch.Size([1, 1, 8, 8])
    """
    _check_operator(operator)
    _positive_int(n_iter, "n_iter")

    def run(h, i):
        net = _unet(1, width, depth, seed).to(h.device)
        u, _ = fit_untrained(net, h, operator, n_iter=n_iter, lr=lr, input="noise", rng=seed)
        return torch.angle(u)

    return Strategy("deep image prior (DIP)", _per_sample(run), 0.0, "none", True)


def physics_connect(train, operator, *, epochs: int, batch_size: int = 16, lr: float = 3e-3,
                    width: int = 8, depth: int = 3, seed: int = 0, device="cpu",
                    cosine: bool = True, monitor: Callable | None = None) -> Strategy:
    r"""Physics-connect-network (PcN): back-propagate, then a U-Net removes the twin image.

    .. math:: \hat\theta = f_\omega\big(\mathrm{Re}\,P^H\sqrt{I},\ \mathrm{Im}\,P^H\sqrt{I}\big),
              \qquad \hat\omega = \arg\min_\omega \sum_i \|\hat\theta_i - \theta_i\|_2^2

    The physics does the refocusing, so the network only learns to remove
    artefacts (Rivenson et al. 2018). Arguments as :func:`network_only`;
    ``operator`` defines the back-propagation.

    Returns
    -------
    Strategy
        ``data="paired"``.

    References
    ----------
    1. Y. Rivenson, Y. Zhang, H. Günaydın, D. Teng and A. Ozcan, "Phase recovery
       and holographic image reconstruction using deep learning in neural
       networks," Light Sci. Appl. 7, 17141 (2018).

    Examples
    --------
    >>> from prcore.measure import FreeSpacePropagation
    >>> op = IntensityMeasurement(FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6))
    >>> data = TensorDataset(torch.rand(4, 1, 8, 8), torch.rand(4, 1, 8, 8))
    >>> physics_connect(data, op, epochs=1, width=2, depth=1)(torch.rand(2, 1, 8, 8)).shape
    torch.Size([2, 1, 8, 8])
    """
    _check_operator(operator)
    x, y = _tensors(train)
    model = _BackpropInput(operator, _unet(2, width, depth, seed))
    predict = _net_predictor(model)
    hist, t = _train(model, TensorDataset(x, y), mse, epochs=epochs, batch_size=batch_size,
                     lr=lr, seed=seed, device=device, cosine=cosine, monitor=monitor,
                     predictor=predict)
    return Strategy("physics-connect-network (PcN)", predict, t, "paired", False, model, hist)


def red_denoiser(train, operator, *, epochs: int, n_iter: int, step: float = 0.25,
                 lam: float = 0.5, sigma: float = 0.1, max_phase: float = math.pi,
                 batch_size: int = 16, lr: float = 3e-3, width: int = 16, depth: int = 5,
                 seed: int = 0, device="cpu") -> Strategy:
    r"""Network-in-physics: RED gradient steps with a DnCNN trained to denoise phase maps.

    .. math:: \theta_{k+1} = \theta_k - \tau\big(\nabla \tfrac12\|H(e^{i\theta_k}) - I\|^2
              + \lambda(\theta_k - D(\theta_k))\big)

    (review Eq. 5). The DnCNN learns to remove Gaussian noise of standard
    deviation up to ``sigma`` (in units of ``max_phase``) from the *phases* of
    ``train`` alone; no hologram is used in training. Inference starts from
    the back-propagated phase and runs ``n_iter`` steps.

    Parameters
    ----------
    train : Dataset of ``(hologram, phase)`` pairs
        Only the phases are used.
    operator : IntensityMeasurement
    epochs : int
        Denoiser training epochs.
    n_iter, step, lam : int, float, float
        RED iterations, step size :math:`\tau` and weight :math:`\lambda`.
    sigma, max_phase : float
        Training noise level (fraction of ``max_phase``) and phase scale (rad).
    batch_size, lr, width, depth, seed, device
        Denoiser training settings and DnCNN size.

    Returns
    -------
    Strategy
        ``data="phase maps only"``, ``per_sample=True``.

    References
    ----------
    1. C. A. Metzler et al., "prDeep: robust phase retrieval with a flexible deep
       network," ICML (2018).
    2. Y. Romano, M. Elad and P. Milanfar, "The little engine that could:
       regularization by denoising (RED)," SIAM J. Imaging Sci. 10, 1804 (2017).

    Examples
    --------
    >>> from prcore.measure import FreeSpacePropagation
    >>> op = IntensityMeasurement(FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6))
    >>> data = TensorDataset(torch.full((4, 1, 8, 8), float("nan")), torch.rand(4, 1, 8, 8))
    >>> s = red_denoiser(data, op, epochs=1, n_iter=2, width=2, depth=2)  # NaN holograms: unused
    >>> s(torch.rand(1, 1, 8, 8)).shape, s.data
    (torch.Size([1, 1, 8, 8]), 'phase maps only')
    """
    _check_operator(operator)
    _positive_int(n_iter, "n_iter")
    check_positive(max_phase, "max_phase", "rad")
    check_positive(sigma, "sigma")
    _, y = _tensors(train)
    clean = y / max_phase
    g = torch.Generator().manual_seed(int(seed))
    levels = sigma * torch.rand(clean.shape[0], 1, 1, 1, generator=g)
    noisy = clean + levels * torch.randn(clean.shape, generator=g)
    net = _seeded(DnCNN(1, depth=depth, width=width), seed)
    hist, t = _train(net, TensorDataset(noisy, clean), mse, epochs=epochs, batch_size=batch_size,
                     lr=lr, seed=seed, device=device, cosine=True, monitor=None, predictor=None)
    net.eval()
    denoise = as_denoiser(net, scale=max_phase)

    def run(h, i):
        x0 = torch.angle(backpropagate(h[None, None], operator))[0, 0]
        x, _ = red(h, operator, lambda v: denoise(v.to(next(net.parameters()).device)).to(v),
                   x0, n_iter=n_iter, step=step, lam=lam)
        return x

    return Strategy("RED + trained DnCNN", _per_sample(run), t, "phase maps only", True, net,
                    hist)


def generative_prior(train, operator, *, epochs: int, n_iter: int, lr: float = 5e-2,
                     latent_dim: int = 16, max_phase: float = math.pi, batch_size: int = 16,
                     train_lr: float = 3e-3, width: int = 16, beta: float = 0.1,
                     seed: int = 0, device="cpu") -> Strategy:
    r"""Generative prior: a VAE decoder trained on phase maps, its latent code fitted per hologram.

    .. math:: \hat z = \arg\min_z \|I_x - H(e^{i\,s\,G(z)})\|_2^2, \qquad \hat\theta = s\,G(\hat z)

    (review Eq. 7) with :math:`s` = ``max_phase``; the VAE
    (:class:`prcore.nets.decoder.ConvVAE`) sees only the phases of ``train``;
    the search starts from :math:`z = 0` (the prior's mean) with Adam.

    Parameters
    ----------
    train : Dataset of pairs
        Only the phases are used.
    operator : IntensityMeasurement
    epochs : int
        VAE training epochs.
    n_iter, lr : int, float
        Latent-search Adam steps and learning rate.
    latent_dim, width, beta : int, int, float
        VAE size and KL weight.
    max_phase : float
        Phase scale (rad): the decoder outputs [0, 1].
    batch_size, train_lr, seed, device
        VAE training settings.

    Returns
    -------
    Strategy
        ``data="phase maps only"``, ``per_sample=True``.

    References
    ----------
    1. A. Bora, A. Jalal, E. Price and A. G. Dimakis, "Compressed sensing using
       generative models," ICML (2017).
    2. P. Hand, O. Leong and V. Voroninski, "Phase retrieval under a generative
       prior," NeurIPS (2018).

    Examples
    --------
    >>> from prcore.measure import FreeSpacePropagation
    >>> op = IntensityMeasurement(FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6))
    >>> data = TensorDataset(torch.rand(4, 1, 8, 8), torch.rand(4, 1, 8, 8))
    >>> s = generative_prior(data, op, epochs=1, n_iter=2, latent_dim=2, width=2)
    >>> s(torch.rand(1, 1, 8, 8)).shape
    torch.Size([1, 1, 8, 8])
    """
    _check_operator(operator)
    _positive_int(n_iter, "n_iter")
    check_positive(max_phase, "max_phase", "rad")
    _, y = _tensors(train)
    clean = (y / max_phase).clamp(0, 1)
    vae = _seeded(ConvVAE(tuple(y.shape[-2:]), latent_dim=latent_dim, width=width), seed)

    class _Wrap(nn.Module):
        def __init__(self, vae):
            super().__init__()
            self.vae = vae

        def forward(self, x):
            return self.vae(x, rng=None)

    def loss_fn(out, x):
        recon, mu, logvar = out
        return vae_loss(recon, x, mu, logvar, beta=beta) / x[0].numel()

    hist, t = _train(_Wrap(vae), TensorDataset(clean, clean), loss_fn, epochs=epochs,
                     batch_size=batch_size, lr=train_lr, seed=seed, device=device, cosine=True,
                     monitor=None, predictor=None)
    vae.eval()
    for p in vae.parameters():
        p.requires_grad_(False)

    def run(h, i):
        dev = next(vae.parameters()).device
        z0 = torch.zeros(1, latent_dim, device=dev)
        x, _ = latent_search(h[None].to(dev), operator, lambda z: max_phase * vae.decode(z), z0,
                             n_iter=n_iter, lr=lr)
        return x[0].to(h.device)

    return Strategy("generative prior (VAE)", _per_sample(run), t, "phase maps only", True, vae,
                    hist)


def unrolled(train, operator, *, epochs: int, n_stages: int = 5, width: int = 16,
             n_layers: int = 3, step_size: float = 0.05, init: str = "phase",
             batch_size: int = 16, lr: float = 3e-3, seed: int = 0, device="cpu",
             cosine: bool = True, monitor: Callable | None = None) -> Strategy:
    r"""Physics-in-network: a K-stage unrolled gradient solver trained end to end.

    .. math:: u_{k+1} = D_k\big(u_k - \alpha_k \nabla_u \tfrac12\|H(u_k) - I\|^2\big),
              \quad \mathcal L = \sum_i \|u_K(I_i) - e^{i\theta_i}\|_2^2

    with :class:`prcore.nets.unrolled.UnrolledSolver` (learned CNNs :math:`D_k`
    and step sizes :math:`\alpha_k`). The start is :math:`u_0 = e^{i\arg P^H\sqrt{I}}`
    (``init="phase"``; the back-propagated field itself, ``init="backprop"``, is a
    stationary point of the data term for a unitary propagation, so plain
    gradient steps would not move it). The prediction is :math:`\arg u_K`.

    Parameters
    ----------
    train : Dataset of pairs
        Paired training data.
    operator : IntensityMeasurement
        The forward model inside every stage.
    epochs : int
    n_stages, width, n_layers, step_size : int, int, int, float
        Unrolled solver settings (K, CNN size, initial step size).
    init : {"phase", "backprop"}
        Starting estimate.
    batch_size, lr, seed, device, cosine, monitor
        As in :func:`network_only`.

    Returns
    -------
    Strategy
        ``data="paired"``; ``model(holograms, return_all=True)`` returns the final
        field and the list of the K + 1 iterates (complex ``(B, 1, H, W)``),
        ``model.solver`` is the :class:`UnrolledSolver`.

    References
    ----------
    1. V. Monga, Y. Li and Y. C. Eldar, "Algorithm unrolling," IEEE Signal
       Process. Mag. 38, 18 (2021).
    2. K. Wang et al., "On the use of deep learning for phase recovery," Light
       Sci. Appl. 13, 4 (2024), physics-in-network strategy.

    Examples
    --------
    >>> from prcore.measure import FreeSpacePropagation
    >>> op = IntensityMeasurement(FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6))
    >>> data = TensorDataset(torch.rand(4, 1, 8, 8), torch.rand(4, 1, 8, 8))
    >>> s = unrolled(data, op, epochs=1, n_stages=2, width=2)
    >>> s(torch.rand(2, 1, 8, 8)).shape, s.model.solver.n_stages
    (torch.Size([2, 1, 8, 8]), 2)
    """
    _check_operator(operator)
    if init not in ("phase", "backprop"):
        raise ValueError(f"init: expected 'phase' or 'backprop', got {init!r}")
    x, y = _tensors(train)
    solver = _seeded(UnrolledSolver(operator, n_stages=n_stages, width=width, n_layers=n_layers,
                                    step_size=step_size), seed)
    model = _UnrolledPhase(solver, operator, init)
    predict = _net_predictor(model, None)

    def predict_phase(holograms):
        return torch.angle(predict(holograms))

    hist, t = _train(model, TensorDataset(x, y), _field_loss, epochs=epochs,
                     batch_size=batch_size, lr=lr, seed=seed, device=device, cosine=cosine,
                     monitor=monitor, predictor=predict_phase)
    return Strategy(f"unrolled solver (K = {n_stages})", predict_phase, t, "paired", False,
                    model, hist)


def iterative(operator, *, n_iter: int) -> Strategy:
    r"""Classical baseline: single-plane Gerchberg–Saxton with a phase-only object constraint.

    .. math:: u_{k+1} = P_{|u|=1}\Big(P^H\big(\sqrt{I}\,e^{i\arg(P u_k)}\big)\Big)

    (see :func:`prcore.learn.solvers.gerchberg_saxton_inline`), run on the whole batch.

    Parameters
    ----------
    operator : IntensityMeasurement
    n_iter : int
        Iterations.

    Returns
    -------
    Strategy
        ``train_time=0``, ``data="none"``, ``per_sample=True``.

    References
    ----------
    1. R. W. Gerchberg and W. O. Saxton, Optik 35, 237 (1972).

    Examples
    --------
    >>> from prcore.measure import FreeSpacePropagation
    >>> op = IntensityMeasurement(FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6))
    >>> iterative(op, n_iter=3)(torch.ones(2, 1, 8, 8)).abs().max() < 1e-5
    tensor(True)
    """
    _check_operator(operator)
    _positive_int(n_iter, "n_iter")

    def predict(holograms):
        _check_holograms(holograms)
        u, _ = gerchberg_saxton_inline(holograms[:, 0], operator.linear, n_iter=n_iter)
        return torch.angle(u)[:, None]

    return Strategy(f"Gerchberg–Saxton ({n_iter} it.)", predict, 0.0, "none", True)


# --------------------------------------------------------------------------- assessment


def time_per_image(strategy: Callable, holograms: torch.Tensor, *, repeats: int = 1) -> float:
    """Seconds per hologram, calling ``strategy`` on one hologram at a time (best of ``repeats``).

    One warm-up call on the first hologram is not timed; CUDA work is synchronised.

    >>> time_per_image(lambda x: x, torch.zeros(3, 1, 4, 4)) < 1.0
    True
    """
    _check_holograms(holograms)
    _positive_int(repeats, "repeats")
    sync = torch.cuda.synchronize if holograms.is_cuda else (lambda: None)
    strategy(holograms[:1])
    best = math.inf
    for _ in range(repeats):
        sync()
        t0 = time.perf_counter()
        for k in range(len(holograms)):
            strategy(holograms[k:k + 1])
        sync()
        best = min(best, (time.perf_counter() - t0) / len(holograms))
    return best


def assess(strategy: Callable, holograms: torch.Tensor, phases: torch.Tensor, *,
           max_phase: float = math.pi) -> dict:
    r"""Phase error of a strategy on a test set: RMSE (offset removed, mod 2π) and SSIM.

    .. math::
        \mathrm{RMSE} = \frac1N\sum_n
        \sqrt{\overline{\mathrm{wrap}(\hat\theta_n - c_n - \theta_n)^2}}

    with :math:`c_n` the global offset (:func:`prcore.metrics.phase_rmse`);
    SSIM (:func:`prcore.metrics.ssim`) compares the offset-aligned estimate with
    the truth over the range ``max_phase``.

    Returns
    -------
    dict
        ``{"rmse": rad, "ssim": float, "rmse_per_image": Tensor (N,), "prediction": Tensor}``.

    Raises
    ------
    ValueError
        Mismatched shapes.

    Examples
    --------
    >>> th = torch.rand(2, 1, 16, 16)
    >>> out = assess(lambda I: th + 1.0, torch.ones(2, 1, 16, 16), th)
    >>> round(out["rmse"], 5), round(out["ssim"], 5)
    (0.0, 1.0)
    """
    _check_holograms(holograms)
    if phases.shape != holograms.shape:
        raise ValueError(
            f"phases: expected the holograms' shape {tuple(holograms.shape)}, "
            f"got {tuple(phases.shape)}"
        )
    pred = strategy(holograms).detach().float()
    per = metrics.phase_rmse(pred, phases)[:, 0]
    aligned = phases + metrics.wrap(metrics.remove_global_phase(pred, phases) - phases)
    s = metrics.ssim(aligned, phases, data_range=max_phase)[:, 0]
    return {"rmse": float(per.mean()), "ssim": float(s.mean()), "rmse_per_image": per,
            "prediction": pred}
