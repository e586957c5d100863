"""prcore: physics and networks for the executable companion to
"On the use of deep learning for phase recovery" (Wang et al., Light Sci. Appl. 2024).

Subpackages: :mod:`prcore.optics` (grids, propagation), :mod:`prcore.measure`
(forward models, noise), :mod:`prcore.recover` (classical reconstruction),
:mod:`prcore.data` (phantoms), :mod:`prcore.metrics`, :mod:`prcore.viz`,
:mod:`prcore.claims` (the book's reproduced numbers).
"""

from . import backend, claims, data, measure, metrics, optics, recover, testing

__version__ = "0.1.0"

__all__ = ["backend", "claims", "data", "measure", "metrics", "optics", "recover", "testing", "__version__"]
