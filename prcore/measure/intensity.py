"""Intensity detection and detector noise."""

from __future__ import annotations

import torch

from .._checks import (
    check_complex,
    check_finite,
    check_nonnegative,
    check_nonnegative_tensor,
    check_positive,
    check_real,
)
from ..backend import as_generator
from .operator import LinearOperator, Operator

__all__ = ["intensity", "Intensity", "IntensityMeasurement", "poisson_noise", "gaussian_noise"]


def intensity(field: torch.Tensor) -> torch.Tensor:
    """``|field|^2``: what a square-law detector records.

    >>> intensity(torch.tensor([3 + 4j])).tolist()
    [25.0]
    """
    check_complex(field, "field")
    check_finite(field, "field")
    return field.real**2 + field.imag**2


class Intensity(Operator):
    """The nonlinear operator ``x -> |x|^2``."""

    def A(self, x):  # noqa: N802
        return intensity(x)


class IntensityMeasurement(Operator):
    """``y = |A x|^2`` for a linear operator ``A`` (e.g. free-space propagation).

    Examples
    --------
    >>> from prcore.measure import FreeSpacePropagation
    >>> op = IntensityMeasurement(FreeSpacePropagation((8, 8), 1e-4, 500e-9, 2e-6))
    >>> op(torch.ones(8, 8, dtype=torch.complex64)).dtype
    torch.float32
    """

    def __init__(self, linear: LinearOperator):
        super().__init__()
        if not isinstance(linear, LinearOperator):
            raise TypeError(f"linear: expected a LinearOperator, got {type(linear).__name__}")
        self.linear = linear

    def A(self, x):  # noqa: N802
        return intensity(self.linear.A(x))


def poisson_noise(intensity: torch.Tensor, photons: float, *, rng=None) -> torch.Tensor:
    """Shot noise: ``Poisson(photons * I) / photons`` (same mean as ``I``).

    ``photons`` is the expected photon count for a pixel of intensity 1.

    Raises
    ------
    ValueError
        Negative or non-finite intensities, non-positive ``photons``.

    Examples
    --------
    >>> y = poisson_noise(torch.full((100, 100), 4.0), 1e4, rng=0)
    >>> abs(float(y.mean()) - 4.0) < 0.01
    True
    """
    check_nonnegative_tensor(intensity, "intensity")
    check_positive(photons, "photons")
    g = as_generator(rng, device=intensity.device)
    counts = torch.poisson((intensity * photons).to(torch.float64), generator=g)
    return (counts / photons).to(intensity.dtype)


def gaussian_noise(intensity: torch.Tensor, sigma: float, *, rng=None,
                   clip: bool = False) -> torch.Tensor:
    """Additive white Gaussian noise of standard deviation ``sigma`` (clip at 0 with ``clip``).

    >>> y = gaussian_noise(torch.zeros(200, 200), 0.1, rng=0)
    >>> round(float(y.std()), 2)
    0.1
    """
    check_real(intensity, "intensity")
    check_finite(intensity, "intensity")
    check_nonnegative(sigma, "sigma")
    g = as_generator(rng, device=intensity.device)
    noise = torch.randn(intensity.shape, generator=g, device=intensity.device,
                        dtype=intensity.dtype)
    out = intensity + sigma * noise
    return out.clamp_min(0) if clip else out
