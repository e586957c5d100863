"""Seeded phantoms (shipped images, procedural cells, Zernike surfaces) and torch Datasets
that simulate in-line holograms on the fly."""

# Every public name of the submodules is re-exported here (each submodule defines __all__).
from . import datasets as _datasets
from . import phantoms as _phantoms
from .datasets import *  # noqa: E402,F401,F403
from .phantoms import *  # noqa: E402,F401,F403

__all__ = [
    *_phantoms.__all__,
    *_datasets.__all__,
]

if len(set(__all__)) != len(__all__):  # a name exported twice would silently shadow another
    _dup = sorted({n for n in __all__ if __all__.count(n) > 1})
    raise ImportError(f"{__name__}: duplicate public names {_dup}")
