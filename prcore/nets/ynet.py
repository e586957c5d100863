r"""Y-Net: one encoder, two decoders (amplitude and phase) from one intensity image."""

from __future__ import annotations

import torch
from torch import nn

from .unet import ConvBlock, Decoder, Encoder, ResBlock, check_image_batch

__all__ = ["YNet"]


class YNet(nn.Module):
    r"""A one-to-two network: shared encoder, an amplitude decoder and a phase decoder.

    .. math:: (\hat a, \hat\theta) = (g_a(e(I)),\; g_\theta(e(I)))

    The output stacks the two heads along the channel axis:
    ``out[:, 0]`` is the amplitude, ``out[:, 1]`` the phase (radians), so a
    plain loss on a ``(B, 2, H, W)`` target trains both; :meth:`split` returns them apart.

    Parameters
    ----------
    in_channels : int
        Input channels (1 for a single hologram).
    depth, width, residual, norm
        As :class:`prcore.nets.unet.UNet`.

    References
    ----------
    1. K. Wang, J. Dou, Q. Kemao, J. Di, J. Zhao, "Y-Net: a one-to-two deep learning
       framework for digital holographic reconstruction," Opt. Lett. 44, 4765 (2019).

    Examples
    --------
    >>> net = YNet(1, depth=2, width=4)
    >>> amp, phase = net.split(net(torch.zeros(1, 1, 16, 16)))
    >>> amp.shape, phase.shape
    (torch.Size([1, 1, 16, 16]), torch.Size([1, 1, 16, 16]))
    """

    def __init__(
        self,
        in_channels: int = 1,
        *,
        depth: int = 3,
        width: int = 16,
        residual: bool = False,
        norm: bool = True,
    ):
        super().__init__()
        for name, v in (("in_channels", in_channels), ("depth", depth), ("width", width)):
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name}: expected a positive int, got {v!r}")
        block = ResBlock if residual else ConvBlock
        self.in_channels, self.depth = in_channels, depth
        self.encoder = Encoder(in_channels, width, depth, block, norm)
        self.amplitude_decoder = Decoder(1, self.encoder.channels, block, norm)
        self.phase_decoder = Decoder(1, self.encoder.channels, block, norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch(x, self.in_channels, 2**self.depth)
        bottleneck, skips = self.encoder(x)
        return torch.cat(
            [self.amplitude_decoder(bottleneck, skips), self.phase_decoder(bottleneck, skips)],
            dim=1,
        )

    @staticmethod
    def split(out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(amplitude, phase)``, each ``(B, 1, H, W)``, from a ``(B, 2, H, W)`` output."""
        if out.ndim != 4 or out.shape[1] != 2:
            raise ValueError(f"out: expected shape (B, 2, H, W), got {tuple(out.shape)}")
        return out[:, :1], out[:, 1:]
