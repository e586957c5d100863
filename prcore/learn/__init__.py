"""Learning: losses (pixel, NPCC, SSIM, physics), the ``fit`` loop, checkpoints, evaluation."""

from .checkpoint import load_checkpoint, save_checkpoint
from .cycle import PhysicsCycle, cycle_loss
from .evaluate import affine_calibration, evaluate, predict
from .fit import epoch_seed, fit, is_distributed, make_loader
from .losses import PhysicsLoss, mae, mse, npcc_loss, physics_field, physics_loss, ssim_loss

__all__ = [
    "PhysicsCycle",
    "PhysicsLoss",
    "affine_calibration",
    "cycle_loss",
    "epoch_seed",
    "evaluate",
    "fit",
    "is_distributed",
    "load_checkpoint",
    "mae",
    "make_loader",
    "mse",
    "npcc_loss",
    "physics_field",
    "physics_loss",
    "predict",
    "save_checkpoint",
    "ssim_loss",
]
