r"""Unpaired (cycle-consistent) training with a physics model as the forward half.

A CycleGAN learns two generators, intensity → phase and phase → intensity, from
unpaired sets. When the forward physics :math:`H` is known it can replace the
second generator (Lee et al. 2021): only the phase network :math:`G` is
learned, from holograms :math:`\{I_j\}` and *unrelated* phase maps
:math:`\{\theta_k\}`, with the two cycle-consistency terms

.. math::
    L = \|H(e^{iG(I_j)}) - I_j\|^2 + \lambda\,\|G(H(e^{i\theta_k})) - \theta_k\|^2 .

The adversarial terms of a CycleGAN are left out: with an exact forward model
the two cycles already pin the phase down.
"""

from __future__ import annotations

import torch
from torch import nn

from ..measure.operator import Operator
from .losses import mse, physics_field

__all__ = ["PhysicsCycle", "cycle_loss"]


class PhysicsCycle(nn.Module):
    r"""Wrap a phase network and a forward model into the two cycles of unpaired training.

    ``forward(x)`` takes ``x`` of shape ``(B, 2, H, W)``: channel 0 a measured
    hologram :math:`I_j`, channel 1 an unpaired phase :math:`\theta_k` (radians),
    and returns ``(B, 2, H, W)``: :math:`H(e^{iG(I_j)})` and :math:`G(H(e^{i\theta_k}))`.
    Train with ``fit(cycle, loader_of_(x, x), cycle_loss, ...)``; infer with ``cycle.generator``.

    Parameters
    ----------
    generator : nn.Module
        The phase network ``(B, 1, H, W) -> (B, 1, H, W)``.
    operator : prcore.measure.operator.Operator
        Forward model from the complex object to the intensity (e.g.
        ``IntensityMeasurement(FreeSpacePropagation(...))``).

    References
    ----------
    1. D. Yin, Z. Gu, Y. Zhang, F. Gu, S. Nie, J. Ma, C. Yuan, "Digital holographic
       reconstruction based on deep learning framework with unpaired data,"
       IEEE Photonics J. 12, 3900312 (2020).
    2. C. Lee, G. Song, H. Kim, J. C. Ye, M. Jang, "Deep learning based on parameterized
       physical forward model for adaptive holographic imaging with unpaired data,"
       Nat. Mach. Intell. 5, 35 (2023).

    Examples
    --------
    >>> from prcore.measure.intensity import IntensityMeasurement
    >>> from prcore.measure.propagation import FreeSpacePropagation
    >>> op = IntensityMeasurement(FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6))
    >>> cyc = PhysicsCycle(nn.Conv2d(1, 1, 3, padding=1), op)
    >>> cyc(torch.rand(2, 2, 8, 8)).shape
    torch.Size([2, 2, 8, 8])
    """

    def __init__(self, generator: nn.Module, operator: Operator):
        super().__init__()
        if not isinstance(operator, Operator):
            raise TypeError(
                f"operator: expected a prcore.measure Operator, got {type(operator).__name__}"
            )
        self.generator, self.operator = generator, operator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 2:
            raise ValueError(
                f"x: expected (B, 2, H, W) = (hologram, unpaired phase), got {tuple(x.shape)}"
            )
        holo, phase = x[:, :1], x[:, 1:]
        holo_cycle = self.operator(physics_field(self.generator(holo)))
        phase_cycle = self.generator(self.operator(physics_field(phase)))
        return torch.cat([holo_cycle, phase_cycle], dim=1)


def cycle_loss(prediction: torch.Tensor, x: torch.Tensor, *, phase_weight: float = 1.0):
    r"""Sum of the hologram-cycle and (weighted) phase-cycle mean squared errors.

    .. math:: L = \mathrm{MSE}(\hat I, I) + \lambda\,\mathrm{MSE}(\hat\theta, \theta)

    >>> x = torch.rand(2, 2, 4, 4)
    >>> float(cycle_loss(x, x))
    0.0
    """
    if prediction.shape != x.shape or x.ndim != 4 or x.shape[1] != 2:
        raise ValueError(f"prediction and x: expected equal (B, 2, H, W) shapes, got "
                         f"{tuple(prediction.shape)} and {tuple(x.shape)}")
    return mse(prediction[:, :1], x[:, :1]) + phase_weight * mse(prediction[:, 1:], x[:, 1:])
