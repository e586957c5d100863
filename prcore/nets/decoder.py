r"""Generators: the deep decoder / deep-image-prior from a fixed random input, and a small VAE.

Untrained generators are priors by architecture: fitting their weights so that
the physics of the output matches a measurement favours natural-looking
images (Ulyanov et al. 2018; Heckel & Hand 2019). The VAE is a trained
generative prior: its decoder maps a low-dimensional latent code to an image.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_int, check_real, check_shape_2d, check_tensor
from ..backend import as_generator
from .unet import UNet

__all__ = ["DeepDecoder", "DeepImagePrior", "ConvVAE", "vae_loss"]


def _positive_int(v, name):
    return check_int(v, name, minimum=1)


class DeepDecoder(nn.Module):
    r"""Deep decoder: a fixed random tensor up-sampled by 1×1 convolutions, ReLU and channel norm.

    .. math:: x = \sigma\big(W_L\,\mathrm{up}(\ldots \mathrm{relu}(\mathrm{bn}(W_1 z))\ldots)\big)

    The input :math:`z` (``width`` channels at ``shape / 2**n_up``) is drawn once
    from ``rng`` and stored as a buffer; only the weights are fitted.

    Parameters
    ----------
    shape : tuple of int
        Output ``(H, W)``; both divisible by ``2**n_up``.
    out_channels : int
        Output channels (e.g. 1 phase map, or 2 for amplitude and phase).
    width : int
        Channels of every layer.
    n_up : int
        Number of 2× bilinear up-samplings.
    output : {"sigmoid", "linear"}
        Output non-linearity (``"sigmoid"`` gives images in [0, 1]).
    rng : torch.Generator, int or None
        Draws the fixed input and the initial weights.

    References
    ----------
    1. R. Heckel and P. Hand, "Deep decoder: concise image representations from
       untrained non-convolutional networks," ICLR (2019).

    Examples
    --------
    >>> net = DeepDecoder((16, 16), width=8, n_up=2, rng=0)
    >>> net().shape
    torch.Size([1, 1, 16, 16])
    """

    def __init__(
        self,
        shape,
        out_channels: int = 1,
        *,
        width: int = 32,
        n_up: int = 4,
        output: str = "sigmoid",
        rng=None,
    ):
        super().__init__()
        h, w = check_shape_2d(shape)
        _positive_int(out_channels, "out_channels")
        _positive_int(width, "width")
        if not isinstance(n_up, int) or n_up < 0:
            raise ValueError(f"n_up: expected an int >= 0, got {n_up!r}")
        if h % 2**n_up or w % 2**n_up:
            raise ValueError(
                f"shape: expected sizes divisible by 2**n_up = {2**n_up}, got {(h, w)}"
            )
        if output not in ("sigmoid", "linear"):
            raise ValueError(f"output: expected 'sigmoid' or 'linear', got {output!r}")
        g = as_generator(rng)
        self.shape, self.output = (h, w), output
        self.register_buffer("z", torch.rand(1, width, h // 2**n_up, w // 2**n_up, generator=g))
        layers = []
        for _ in range(n_up):
            layers += [
                nn.Conv2d(width, width, 1, bias=False),
                nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                nn.ReLU(),
                nn.BatchNorm2d(width),
            ]
        layers += [
            nn.Conv2d(width, width, 1, bias=False),
            nn.ReLU(),
            nn.BatchNorm2d(width),
            nn.Conv2d(width, out_channels, 1),
        ]
        self.net = nn.Sequential(*layers)
        _init_from(self.net, g)

    def forward(self) -> torch.Tensor:
        out = self.net(self.z)
        return torch.sigmoid(out) if self.output == "sigmoid" else out


def _init_from(module: nn.Module, g: torch.Generator) -> None:
    """Re-draw conv weights from ``g`` (Kaiming-uniform bounds) so construction is seeded."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                fan_in = (
                    m.weight[0].numel()
                    if not isinstance(m, nn.ConvTranspose2d)
                    else m.weight.shape[0] * m.weight[0, 0].numel()
                )
                bound = 1.0 / math.sqrt(max(fan_in, 1))
                m.weight.copy_(
                    (torch.rand(m.weight.shape, generator=g) * 2 - 1) * bound * math.sqrt(3)
                )
                if m.bias is not None:
                    m.bias.copy_((torch.rand(m.bias.shape, generator=g) * 2 - 1) * bound)


class DeepImagePrior(nn.Module):
    r"""Deep image prior: a U-Net fed with a fixed random image, :math:`x = f_\omega(z)`.

    Parameters
    ----------
    shape : tuple of int
        Output ``(H, W)``, divisible by ``2**depth``.
    out_channels : int
        Output channels.
    in_channels : int
        Channels of the fixed noise input.
    depth, width : int
        As :class:`prcore.nets.unet.UNet`.
    noise_std : float
        Scale of the fixed input, uniform in ``[0, noise_std)`` and drawn once from ``rng``.
    rng : torch.Generator, int or None

    References
    ----------
    1. D. Ulyanov, A. Vedaldi, V. Lempitsky, "Deep image prior," CVPR (2018).

    Examples
    --------
    >>> DeepImagePrior((16, 16), depth=2, width=4, rng=0)().shape
    torch.Size([1, 1, 16, 16])
    """

    def __init__(
        self,
        shape,
        out_channels: int = 1,
        *,
        in_channels: int = 8,
        depth: int = 3,
        width: int = 16,
        noise_std: float = 0.1,
        rng=None,
    ):
        super().__init__()
        h, w = check_shape_2d(shape)
        g = as_generator(rng)
        self.net = UNet(in_channels, out_channels, depth=depth, width=width)
        _init_from(self.net, g)
        self.register_buffer("z", noise_std * torch.rand(1, in_channels, h, w, generator=g))

    def forward(self) -> torch.Tensor:
        return self.net(self.z)


class ConvVAE(nn.Module):
    r"""A small convolutional variational auto-encoder for a learned generative prior.

    The encoder maps an image to the mean and log-variance of a Gaussian latent
    :math:`q(z|x)`; the decoder :math:`G(z)` maps a latent code back to an image
    in [0, 1]. After training, :meth:`decode` is a generator whose latent space
    can be searched to fit a measurement.

    Parameters
    ----------
    shape : tuple of int
        Image ``(H, W)``, divisible by 4.
    channels : int
        Image channels.
    latent_dim : int
        Size of the latent code.
    width : int
        Feature channels of the first convolution (doubled once).

    References
    ----------
    1. D. P. Kingma and M. Welling, "Auto-encoding variational Bayes," ICLR (2014).
    2. A. Bora, A. Jalal, E. Price, A. G. Dimakis, "Compressed sensing using
       generative models," ICML (2017).

    Examples
    --------
    >>> vae = ConvVAE((16, 16), latent_dim=4, width=4)
    >>> recon, mu, logvar = vae(torch.rand(3, 1, 16, 16))
    >>> recon.shape, mu.shape
    (torch.Size([3, 1, 16, 16]), torch.Size([3, 4]))
    """

    def __init__(self, shape, channels: int = 1, *, latent_dim: int = 16, width: int = 16):
        super().__init__()
        h, w = check_shape_2d(shape)
        if h % 4 or w % 4:
            raise ValueError(f"shape: expected sizes divisible by 4, got {(h, w)}")
        _positive_int(channels, "channels")
        _positive_int(latent_dim, "latent_dim")
        _positive_int(width, "width")
        self.shape, self.channels, self.latent_dim = (h, w), channels, latent_dim
        self._feat = (2 * width, h // 4, w // 4)
        n_feat = 2 * width * (h // 4) * (w // 4)
        self.enc = nn.Sequential(
            nn.Conv2d(channels, width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
        )
        self.to_stats = nn.Linear(n_feat, 2 * latent_dim)
        self.from_latent = nn.Linear(latent_dim, n_feat)
        self.dec = nn.Sequential(
            nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1),
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance ``(B, latent_dim)`` of :math:`q(z|x)`."""
        check_tensor(x, "x")
        check_real(x, "x")
        if x.ndim != 4 or tuple(x.shape[1:]) != (self.channels, *self.shape):
            raise ValueError(
                f"x: expected shape (B, {self.channels}, {self.shape[0]}, {self.shape[1]}), "
                f"got {tuple(x.shape)}"
            )
        mu, logvar = self.to_stats(self.enc(x)).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images ``(B, C, H, W)`` in [0, 1] from latent codes ``(B, latent_dim)``."""
        check_tensor(z, "z")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z: expected shape (B, {self.latent_dim}), got {tuple(z.shape)}")
        return torch.sigmoid(self.dec(self.from_latent(z).view(-1, *self._feat)))

    def forward(self, x: torch.Tensor, *, rng=None):
        """``(reconstruction, mu, logvar)``; training samples :math:`z=\\mu+\\sigma\\epsilon`."""
        mu, logvar = self.encode(x)
        if self.training:
            g = as_generator(rng, device=x.device) if rng is not None else None
            eps = torch.randn(mu.shape, generator=g, device=mu.device, dtype=mu.dtype)
            z = mu + torch.exp(0.5 * logvar) * eps
        else:
            z = mu
        return self.decode(z), mu, logvar


def vae_loss(
    recon: torch.Tensor,
    x: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    *,
    beta: float = 1.0,
) -> torch.Tensor:
    r"""Negative ELBO per image: squared error plus :math:`\beta` times the KL to N(0, I).

    .. math:: \frac{1}{B}\sum_b \|\hat x_b - x_b\|^2 + \beta\, \mathrm{KL}(q(z|x_b)\,\|\,N(0, I))

    >>> z = torch.zeros(2, 3)
    >>> float(vae_loss(torch.ones(2, 1, 4, 4), torch.ones(2, 1, 4, 4), z, z))
    0.0
    """
    if recon.shape != x.shape:
        raise ValueError(
            f"recon and x: expected equal shapes, got {tuple(recon.shape)} and {tuple(x.shape)}"
        )
    rec = F.mse_loss(recon, x, reduction="sum") / x.shape[0]
    kl = -0.5 * torch.sum(1 + logvar - mu**2 - logvar.exp()) / x.shape[0]
    return rec + beta * kl
