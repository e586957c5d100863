"""Learning: losses (pixel, NPCC, SSIM, physics), the ``fit`` loop, checkpoints, evaluation,
per-sample solvers (uPD, deep image prior, RED, latent search) and the in-processing strategies.

:mod:`prcore.learn.strategies` is exported as a module (``learn.strategies.network_only(...)``):
its ``deep_image_prior`` trains a strategy, while :func:`prcore.learn.solvers.deep_image_prior`
is the per-sample solver exported here.
"""

from . import strategies
from .checkpoint import load_checkpoint, save_checkpoint
from .cycle import PhysicsCycle, cycle_loss
from .evaluate import affine_calibration, evaluate, predict
from .fit import epoch_seed, fit, is_distributed, make_loader
from .losses import PhysicsLoss, mae, mse, npcc_loss, physics_field, physics_loss, ssim_loss
from .solvers import (
    as_denoiser,
    data_misfit,
    deep_image_prior,
    fit_untrained,
    gerchberg_saxton_inline,
    gradient_descent,
    latent_search,
    phase_to_field,
    red,
    reinitialize,
)

__all__ = [
    "PhysicsCycle",
    "PhysicsLoss",
    "affine_calibration",
    "as_denoiser",
    "cycle_loss",
    "data_misfit",
    "deep_image_prior",
    "epoch_seed",
    "evaluate",
    "fit",
    "fit_untrained",
    "gerchberg_saxton_inline",
    "gradient_descent",
    "is_distributed",
    "latent_search",
    "load_checkpoint",
    "mae",
    "make_loader",
    "mse",
    "npcc_loss",
    "phase_to_field",
    "physics_field",
    "physics_loss",
    "predict",
    "red",
    "reinitialize",
    "save_checkpoint",
    "ssim_loss",
    "strategies",
]
