r"""DnCNN: a residual denoiser that predicts the noise and subtracts it."""

from __future__ import annotations

import torch
from torch import nn

from .unet import check_image_batch

__all__ = ["DnCNN"]


class DnCNN(nn.Module):
    r"""Denoising CNN (Zhang et al. 2017): :math:`\hat x = y - R_\omega(y)`.

    ``depth`` 3×3 convolutions of ``width`` channels (batch norm and ReLU in
    between) estimate the residual :math:`R_\omega(y)`.

    Parameters
    ----------
    channels : int
        Image channels (input = output).
    depth : int
        Number of convolution layers (>= 2).
    width : int
        Feature channels.
    residual : bool
        Subtract the prediction from the input (the DnCNN form); otherwise return it.

    References
    ----------
    1. K. Zhang, W. Zuo, Y. Chen, D. Meng, L. Zhang, "Beyond a Gaussian denoiser:
       residual learning of deep CNN for image denoising," IEEE TIP 26, 3142 (2017).

    Examples
    --------
    >>> net = DnCNN(1, depth=3, width=8)
    >>> net(torch.zeros(2, 1, 10, 12)).shape
    torch.Size([2, 1, 10, 12])
    """

    def __init__(
        self, channels: int = 1, *, depth: int = 8, width: int = 32, residual: bool = True
    ):
        super().__init__()
        if not isinstance(depth, int) or depth < 2:
            raise ValueError(f"depth: expected an int >= 2, got {depth!r}")
        if not isinstance(channels, int) or channels < 1 or not isinstance(width, int) or width < 1:
            raise ValueError(
                f"channels, width: expected positive ints, got {channels!r}, {width!r}"
            )
        layers = [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [
                nn.Conv2d(width, width, 3, padding=1, bias=False),
                nn.BatchNorm2d(width),
                nn.ReLU(inplace=True),
            ]
        layers.append(nn.Conv2d(width, channels, 3, padding=1))
        self.body = nn.Sequential(*layers)
        self.channels, self.residual = channels, residual

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        check_image_batch(y, self.channels, 1, name="y")
        r = self.body(y)
        return y - r if self.residual else r
