"""Forward models that make measurements (holograms, through-focus stacks, Shack–Hartmann spots,
diffraction patterns, ptychographic scans, coded measurements) and detector noise."""

# Every public name of the submodules is re-exported here (each submodule defines __all__).
from . import coded as _coded
from . import diffraction as _diffraction
from . import focus as _focus
from . import fourier_ptychography as _fourier_ptychography
from . import holography as _holography
from . import intensity as _intensity
from . import operator as _operator
from . import propagation as _propagation
from . import ptychography as _ptychography
from . import wavefront as _wavefront
from .coded import *  # noqa: E402,F401,F403
from .diffraction import *  # noqa: E402,F401,F403
from .focus import *  # noqa: E402,F401,F403
from .fourier_ptychography import *  # noqa: E402,F401,F403
from .holography import *  # noqa: E402,F401,F403
from .intensity import *  # noqa: E402,F401,F403
from .operator import *  # noqa: E402,F401,F403
from .propagation import *  # noqa: E402,F401,F403
from .ptychography import *  # noqa: E402,F401,F403
from .wavefront import *  # noqa: E402,F401,F403

__all__ = [
    *_operator.__all__,
    *_propagation.__all__,
    *_intensity.__all__,
    *_holography.__all__,
    *_focus.__all__,
    *_wavefront.__all__,
    *_diffraction.__all__,
    *_ptychography.__all__,
    *_fourier_ptychography.__all__,
    *_coded.__all__,
]

if len(set(__all__)) != len(__all__):  # a name exported twice would silently shadow another
    _dup = sorted({n for n in __all__ if __all__.count(n) > 1})
    raise ImportError(f"{__name__}: duplicate public names {_dup}")
