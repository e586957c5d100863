"""Optics: sampling grids, free-space propagation, propagation regimes, transfer functions,
Fourier-domain helpers, Zernike polynomials."""

# Every public name of the submodules is re-exported here (each submodule defines __all__).
from . import fourier as _fourier
from . import grid as _grid
from . import propagation as _propagation
from . import regimes as _regimes
from . import transfer as _transfer
from . import zernike as _zernike
from .fourier import *  # noqa: E402,F401,F403
from .grid import *  # noqa: E402,F401,F403
from .propagation import *  # noqa: E402,F401,F403
from .regimes import *  # noqa: E402,F401,F403
from .transfer import *  # noqa: E402,F401,F403
from .zernike import *  # noqa: E402,F401,F403

__all__ = [
    *_grid.__all__,
    *_propagation.__all__,
    *_regimes.__all__,
    *_transfer.__all__,
    *_fourier.__all__,
    *_zernike.__all__,
]

if len(set(__all__)) != len(__all__):  # a name exported twice would silently shadow another
    _dup = sorted({n for n in __all__ if __all__.count(n) > 1})
    raise ImportError(f"{__name__}: duplicate public names {_dup}")
