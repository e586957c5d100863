r"""U-Net and residual U-Net for image-to-image regression (hologram → phase).

The encoder halves the resolution ``depth`` times while doubling the number of
channels; the decoder mirrors it with transposed convolutions and skip
connections (concatenation). Inputs must have ``H`` and ``W`` divisible by
``2**depth``.
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_real, check_tensor

__all__ = ["ConvBlock", "ResBlock", "UNet", "ResUNet", "check_image_batch"]


def check_image_batch(x, in_channels: int, multiple: int, name: str = "x") -> torch.Tensor:
    """Raise unless ``x`` is real ``(B, in_channels, H, W)``, ``H, W`` multiples of ``multiple``."""
    check_tensor(x, name)
    check_real(x, name)
    if x.ndim != 4 or x.shape[1] != in_channels:
        raise ValueError(f"{name}: expected shape (B, {in_channels}, H, W), got {tuple(x.shape)}")
    h, w = x.shape[-2:]
    if h % multiple or w % multiple:
        raise ValueError(
            f"{name}: expected H and W divisible by {multiple} (2**depth), got {h}x{w}"
        )
    return x


class ConvBlock(nn.Sequential):
    """Two 3×3 convolutions, each followed by batch norm and ReLU."""

    def __init__(self, in_channels: int, out_channels: int, *, norm: bool = True):
        layers = []
        for c_in in (in_channels, out_channels):
            layers += [nn.Conv2d(c_in, out_channels, 3, padding=1, bias=not norm)]
            if norm:
                layers.append(nn.BatchNorm2d(out_channels))
            layers.append(nn.ReLU(inplace=True))
        super().__init__(*layers)


class ResBlock(nn.Module):
    """Residual block ``relu(x' + conv(bn(relu(conv(x)))))``, 1×1 shortcut if channels change."""

    def __init__(self, in_channels: int, out_channels: int, *, norm: bool = True):
        super().__init__()
        bn = (lambda c: nn.BatchNorm2d(c)) if norm else (lambda c: nn.Identity())
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=not norm),
            bn(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=not norm),
            bn(out_channels),
        )
        self.skip = (
            nn.Identity()
            if in_channels == out_channels
            else nn.Conv2d(in_channels, out_channels, 1, bias=False)
        )
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.act(self.skip(x) + self.body(x))


class Encoder(nn.Module):
    """U-Net contracting path; returns the bottleneck and the skip features (finest first)."""

    def __init__(self, in_channels, width, depth, block, norm):
        super().__init__()
        chans = [width * 2**i for i in range(depth + 1)]
        self.blocks = nn.ModuleList(
            [block(in_channels, chans[0], norm=norm)]
            + [block(chans[i], chans[i + 1], norm=norm) for i in range(depth)]
        )
        self.pool = nn.MaxPool2d(2)
        self.channels = chans

    def forward(self, x):
        skips = []
        for i, blk in enumerate(self.blocks):
            x = blk(x if i == 0 else self.pool(x))
            skips.append(x)
        return skips.pop(), skips


class Decoder(nn.Module):
    """U-Net expanding path ending in a 1×1 convolution to ``out_channels``."""

    def __init__(self, out_channels, channels, block, norm):
        super().__init__()
        depth = len(channels) - 1
        self.ups = nn.ModuleList(
            [
                nn.ConvTranspose2d(channels[i + 1], channels[i], 2, stride=2)
                for i in reversed(range(depth))
            ]
        )
        self.blocks = nn.ModuleList(
            [block(2 * channels[i], channels[i], norm=norm) for i in reversed(range(depth))]
        )
        self.head = nn.Conv2d(channels[0], out_channels, 1)

    def forward(self, x, skips):
        for up, blk, skip in zip(self.ups, self.blocks, reversed(skips)):
            x = blk(torch.cat([up(x), skip], dim=1))
        return self.head(x)


class UNet(nn.Module):
    r"""U-Net (Ronneberger et al. 2015) mapping ``(B, C_in, H, W)`` to ``(B, C_out, H, W)``.

    A learned end-to-end map :math:`\hat\theta = f_\omega(I)`, e.g. from an in-line
    hologram to the phase, trained on pairs by minimising
    :math:`\sum_i \|f_\omega(I_i)-\theta_i\|_2^2`.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input (e.g. 1 hologram) and output (e.g. 1 phase map).
    depth : int
        Number of 2× down-samplings; ``H`` and ``W`` must be divisible by ``2**depth``.
    width : int
        Channels of the first level (doubled at each level).
    residual : bool
        Residual blocks instead of plain double convolutions (a residual U-Net).
    norm : bool
        Batch normalisation in the blocks.

    Raises
    ------
    ValueError
        For non-positive ``depth``/``width``/channels; at call time for an input
        of the wrong shape or spatial size.

    References
    ----------
    1. O. Ronneberger, P. Fischer, T. Brox, "U-Net: convolutional networks for
       biomedical image segmentation," MICCAI (2015).
    2. K. Wang, J. Dou, Q. Kemao, J. Di, J. Zhao, "Y-Net: a one-to-two deep learning
       framework for digital holographic reconstruction," Opt. Lett. 44, 4765 (2019).

    Examples
    --------
    >>> net = UNet(1, 1, depth=2, width=4)
    >>> net(torch.zeros(2, 1, 16, 16)).shape
    torch.Size([2, 1, 16, 16])
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        *,
        depth: int = 3,
        width: int = 16,
        residual: bool = False,
        norm: bool = True,
    ):
        super().__init__()
        for name, v in (
            ("in_channels", in_channels),
            ("out_channels", out_channels),
            ("depth", depth),
            ("width", width),
        ):
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name}: expected a positive int, got {v!r}")
        block = ResBlock if residual else ConvBlock
        self.in_channels, self.out_channels, self.depth = in_channels, out_channels, depth
        self.encoder = Encoder(in_channels, width, depth, block, norm)
        self.decoder = Decoder(out_channels, self.encoder.channels, block, norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch(x, self.in_channels, 2**self.depth)
        bottleneck, skips = self.encoder(x)
        return self.decoder(bottleneck, skips)


class ResUNet(UNet):
    """:class:`UNet` with residual blocks (same arguments, ``residual=True``).

    >>> ResUNet(1, 2, depth=1, width=4)(torch.zeros(1, 1, 8, 8)).shape
    torch.Size([1, 2, 8, 8])
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        *,
        depth: int = 3,
        width: int = 16,
        norm: bool = True,
    ):
        super().__init__(
            in_channels, out_channels, depth=depth, width=width, residual=True, norm=norm
        )
