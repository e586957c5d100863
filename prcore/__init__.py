"""prcore: physics and networks for the executable companion to
"On the use of deep learning for phase recovery" (Wang et al., Light Sci. Appl. 2024).

Subpackages: :mod:`prcore.optics` (grids, propagation), :mod:`prcore.measure`
(forward models, noise), :mod:`prcore.recover` (classical reconstruction),
:mod:`prcore.nets` (architectures), :mod:`prcore.learn` (losses, training,
per-sample solvers), :mod:`prcore.data` (phantoms, datasets),
:mod:`prcore.metrics`, :mod:`prcore.viz`, :mod:`prcore.claims` (the book's
reproduced numbers). Physics (optics, measure, recover) never imports learning.
"""

from . import backend, claims, data, learn, measure, metrics, nets, optics, recover, testing

__version__ = "0.1.0"

__all__ = [
    "backend",
    "claims",
    "data",
    "learn",
    "measure",
    "metrics",
    "nets",
    "optics",
    "recover",
    "testing",
    "__version__",
]
