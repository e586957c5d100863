"""Networks: U-Net, residual U-Net, Y-Net, DnCNN, deep decoder / DIP, VAE, unrolled solver."""

from .decoder import ConvVAE, DeepDecoder, DeepImagePrior, vae_loss
from .dncnn import DnCNN
from .unet import ResUNet, UNet
from .unrolled import UnrolledSolver, data_gradient
from .ynet import YNet

__all__ = [
    "ConvVAE",
    "DeepDecoder",
    "DeepImagePrior",
    "DnCNN",
    "ResUNet",
    "UNet",
    "UnrolledSolver",
    "YNet",
    "data_gradient",
    "vae_loss",
]
