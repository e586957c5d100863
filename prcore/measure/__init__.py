"""Forward models that make measurements, and detector noise."""

from .intensity import Intensity, IntensityMeasurement, gaussian_noise, intensity, poisson_noise
from .operator import Composition, LinearOperator, Operator, linear_examples, register_linear_example
from .propagation import FreeSpacePropagation

__all__ = [
    "Operator", "LinearOperator", "Composition", "register_linear_example", "linear_examples",
    "FreeSpacePropagation", "Intensity", "IntensityMeasurement", "intensity",
    "poisson_noise", "gaussian_noise",
]
