"""Optics: sampling grids, free-space propagation, Zernike polynomials."""

from .grid import Grid, coordinates, critical_distance, frequencies, pixel_pair
from .propagation import (
    Propagated,
    SamplingWarning,
    angular_spectrum,
    angular_spectrum_transfer,
    apply_transfer,
    check_sampling,
    fraunhofer,
    fresnel,
    fresnel_transfer,
)
from .zernike import noll_to_nm, zernike, zernike_basis

__all__ = [
    "Grid", "coordinates", "critical_distance", "frequencies", "pixel_pair",
    "Propagated", "SamplingWarning", "angular_spectrum", "angular_spectrum_transfer",
    "apply_transfer", "check_sampling", "fraunhofer", "fresnel", "fresnel_transfer",
    "noll_to_nm", "zernike", "zernike_basis",
]
