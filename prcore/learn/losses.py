r"""Training losses: pixel losses, NPCC and SSIM, and physics-consistency losses.

Every loss takes ``(prediction, target)`` tensors of equal shape
``(B, C, H, W)`` (or any ``(..., H, W)``) and returns a scalar, the mean over
the images, so they plug into :func:`prcore.learn.fit.fit` directly.
"""

from __future__ import annotations

import torch

from .. import metrics
from .._checks import check_real, check_tensor
from ..measure.operator import Operator

__all__ = ["mse", "mae", "npcc_loss", "ssim_loss", "physics_field", "physics_loss", "PhysicsLoss"]


def _pair(pred, target):
    check_tensor(pred, "pred")
    check_tensor(target, "target")
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target: expected equal shapes, got {tuple(pred.shape)} "
            f"and {tuple(target.shape)}"
        )


def mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    r"""Mean squared error :math:`\frac1N\sum (\hat y - y)^2` (complex: :math:`|\hat y - y|^2`).

    >>> float(mse(torch.ones(2, 2), torch.zeros(2, 2)))
    1.0
    """
    _pair(pred, target)
    return (pred - target).abs().pow(2).mean()


def mae(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    r"""Mean absolute error :math:`\frac1N\sum |\hat y - y|`.

    >>> float(mae(torch.full((2, 2), -2.0), torch.zeros(2, 2)))
    2.0
    """
    _pair(pred, target)
    return (pred - target).abs().mean()


def npcc_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    r"""Mean negative Pearson correlation over images (-1 is a perfect match up to an affine map).

    .. math:: L = \frac1B\sum_b -\frac{\langle \hat y_b-\bar{\hat y}_b,\,y_b-\bar y_b\rangle}
              {\|\hat y_b-\bar{\hat y}_b\|\,\|y_b-\bar y_b\|}

    Blind to the offset and scale of the prediction: a network trained with it
    must be rescaled (e.g. by a least-squares fit on training data) before
    absolute errors are measured.

    References
    ----------
    1. S. Li, M. Deng, J. Lee, A. Sinha, G. Barbastathis, "Imaging through glass diffusers
       using densely connected convolutional networks," Optica 5, 803 (2018).

    >>> x = torch.rand(2, 1, 8, 8, dtype=torch.float64)
    >>> round(float(npcc_loss(2 * x + 1, x)), 6), round(float(npcc_loss(-x, x)), 6)
    (-1.0, 1.0)
    """
    _pair(pred, target)
    return metrics.npcc(pred, target).mean()


def ssim_loss(
    pred: torch.Tensor, target: torch.Tensor, *, data_range: float | None = None, win_size: int = 7
) -> torch.Tensor:
    r"""``1 - SSIM`` averaged over images (Gaussian window, see :func:`prcore.metrics.ssim`).

    >>> x = torch.rand(1, 1, 16, 16, dtype=torch.float64)
    >>> round(float(ssim_loss(x, x)), 6)
    0.0
    """
    _pair(pred, target)
    return 1 - metrics.ssim(pred, target, data_range=data_range, win_size=win_size).mean()


def physics_field(phase: torch.Tensor, amplitude: torch.Tensor | None = None) -> torch.Tensor:
    r"""The complex object :math:`a\,e^{i\theta}` from a predicted phase (and amplitude).

    >>> physics_field(torch.zeros(1, 2, 2)).dtype
    torch.complex64
    """
    check_real(phase, "phase")
    if amplitude is None:
        return torch.polar(torch.ones_like(phase), phase)
    check_real(amplitude, "amplitude")
    if amplitude.shape != phase.shape:
        raise ValueError(
            f"amplitude: expected the phase's shape {tuple(phase.shape)}, "
            f"got {tuple(amplitude.shape)}"
        )
    return torch.polar(amplitude, phase)


def physics_loss(
    phase: torch.Tensor,
    hologram: torch.Tensor,
    operator: Operator,
    *,
    amplitude: torch.Tensor | None = None,
    loss=mse,
) -> torch.Tensor:
    r"""Physics-consistency loss: distance of :math:`H(a e^{i\theta})` to the measured hologram.

    .. math:: L = \| I - H(a\,e^{i\hat\theta}) \|_2^2

    the loss of physics-driven training (Eqs. 2-3 of the review), with :math:`H`
    an intensity measurement such as
    ``IntensityMeasurement(FreeSpacePropagation(...))``.

    Parameters
    ----------
    phase : Tensor, shape ``(..., H, W)``, real
        Predicted phase in radians.
    hologram : Tensor, same shape, real
        Measured intensity.
    operator : prcore.measure.operator.Operator
        Forward model from the complex object to the intensity.
    amplitude : Tensor, same shape, optional
        Predicted amplitude (default: a pure phase object).
    loss : callable
        ``loss(simulated, measured)``; :func:`mse` by default.

    Raises
    ------
    TypeError
        If ``operator`` is not an Operator or the maps are not real tensors.
    ValueError
        For mismatched shapes.

    References
    ----------
    1. F. Wang, Y. Bian, H. Wang, et al., "Phase imaging with an untrained neural network,"
       Light Sci. Appl. 9, 77 (2020).

    Examples
    --------
    >>> from prcore.measure.intensity import IntensityMeasurement
    >>> from prcore.measure.propagation import FreeSpacePropagation
    >>> op = IntensityMeasurement(FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6))
    >>> theta = torch.rand(1, 8, 8)
    >>> float(physics_loss(theta, op(physics_field(theta)), op)) < 1e-10
    True
    """
    if not isinstance(operator, Operator):
        raise TypeError(
            f"operator: expected a prcore.measure Operator, got {type(operator).__name__}"
        )
    check_real(hologram, "hologram")
    if hologram.shape != phase.shape:
        raise ValueError(
            f"hologram: expected the phase's shape {tuple(phase.shape)}, "
            f"got {tuple(hologram.shape)}"
        )
    return loss(operator(physics_field(phase, amplitude)), hologram)


class PhysicsLoss(torch.nn.Module):
    """:func:`physics_loss` as a module ``loss(prediction, hologram)`` for ``fit``.

    ``prediction`` is the phase ``(B, 1, H, W)`` or, with ``amplitude_channel``,
    ``(B, 2, H, W)`` holding amplitude (channel 0) and phase (channel 1) as a Y-Net outputs.

    >>> from prcore.measure.intensity import IntensityMeasurement
    >>> from prcore.measure.propagation import FreeSpacePropagation
    >>> op = IntensityMeasurement(FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6))
    >>> float(PhysicsLoss(op)(torch.zeros(1, 1, 8, 8), torch.ones(1, 1, 8, 8))) < 1e-10
    True
    """

    def __init__(self, operator: Operator, *, amplitude_channel: bool = False, loss=mse):
        super().__init__()
        if not isinstance(operator, Operator):
            raise TypeError(
                f"operator: expected a prcore.measure Operator, got {type(operator).__name__}"
            )
        self.operator, self.amplitude_channel, self.loss = operator, amplitude_channel, loss

    def forward(self, prediction: torch.Tensor, hologram: torch.Tensor) -> torch.Tensor:
        if self.amplitude_channel:
            if prediction.ndim != 4 or prediction.shape[1] != 2:
                raise ValueError(
                    f"prediction: expected (B, 2, H, W) amplitude and phase, "
                    f"got {tuple(prediction.shape)}"
                )
            return physics_loss(
                prediction[:, 1:],
                hologram,
                self.operator,
                amplitude=prediction[:, :1],
                loss=self.loss,
            )
        return physics_loss(prediction, hologram, self.operator, loss=self.loss)
