"""Classical phase recovery: phase shifting, off-axis, Shack–Hartmann, TIE, GS/ER/HIO/RAAR,
multi-height, ptychography, Fourier ptychography, Wirtinger/amplitude flow, unwrapping."""

# Every public name of the submodules is re-exported here (each submodule defines __all__).
from . import fourier_ptychography as _fourier_ptychography
from . import holography as _holography
from . import iterative as _iterative
from . import multiheight as _multiheight
from . import ptychography as _ptychography
from . import shack_hartmann as _shack_hartmann
from . import tie as _tie
from . import unwrap as _unwrap
from . import wirtinger as _wirtinger
from .fourier_ptychography import *  # noqa: E402,F401,F403
from .holography import *  # noqa: E402,F401,F403
from .iterative import *  # noqa: E402,F401,F403
from .multiheight import *  # noqa: E402,F401,F403
from .ptychography import *  # noqa: E402,F401,F403
from .shack_hartmann import *  # noqa: E402,F401,F403
from .tie import *  # noqa: E402,F401,F403
from .unwrap import *  # noqa: E402,F401,F403
from .wirtinger import *  # noqa: E402,F401,F403

__all__ = [
    *_holography.__all__,
    *_shack_hartmann.__all__,
    *_tie.__all__,
    *_iterative.__all__,
    *_multiheight.__all__,
    *_ptychography.__all__,
    *_fourier_ptychography.__all__,
    *_wirtinger.__all__,
    *_unwrap.__all__,
]

if len(set(__all__)) != len(__all__):  # a name exported twice would silently shadow another
    _dup = sorted({n for n in __all__ if __all__.count(n) > 1})
    raise ImportError(f"{__name__}: duplicate public names {_dup}")
