r"""Through-focus intensity stacks: the measurements of TIE and multi-height phase recovery."""

from __future__ import annotations

import torch

from .._checks import check_complex, check_finite, check_min_ndim, check_positive, check_real
from ..backend import as_tensor
from ..optics.grid import pixel_pair
from ..optics.propagation import angular_spectrum

__all__ = ["defocus_stack", "tie_stack"]


def _distances(distances, device) -> torch.Tensor:
    if isinstance(distances, torch.Tensor):
        check_real(distances, "distances")
        z = distances
    else:
        try:
            z = as_tensor([float(d) for d in distances], dtype=torch.float64)
        except TypeError:
            raise TypeError("distances: expected a sequence of floats (metres) or a 1-D tensor, "
                            f"got {type(distances).__name__}") from None
    if z.ndim != 1 or z.numel() == 0:
        raise ValueError("distances: expected a non-empty 1-D sequence, "
                         f"got shape {tuple(z.shape)}")
    check_finite(z, "distances")
    return z.to(device=device)


def defocus_stack(field, distances, wavelength, pixel_size, *, bandlimit: bool = True,
                  pad: bool = False) -> torch.Tensor:
    r"""Intensities of ``field`` propagated to each of ``distances``: a through-focus stack.

    .. math:: I_d = \big|\mathcal{F}^{-1}\{\mathcal{F}\{U\}\,H_{z_d}\}\big|^2,\qquad d = 1\dots D,

    with the angular-spectrum transfer function :math:`H_z`
    (:func:`prcore.optics.angular_spectrum`).

    Parameters
    ----------
    field : Tensor, shape ``(..., H, W)``, complex
        Field at the reference (in-focus) plane.
    distances : sequence of float or Tensor, shape ``(D,)``
        Defocus distances in metres (negative: before the reference plane).
        A tensor may require grad.
    wavelength : float
        Metres.
    pixel_size : float or (float, float)
        Metres.
    bandlimit, pad : bool
        As in :func:`prcore.optics.angular_spectrum`.

    Returns
    -------
    Tensor, shape ``(..., D, H, W)``, real (the field's real dtype)

    Raises
    ------
    TypeError
        ``field`` not complex, ``distances`` not numbers.
    ValueError
        ``field`` with fewer than 2 dimensions or non-finite values, empty or
        non-finite distances, non-positive wavelength or pixel size.

    References
    ----------
    1. M. R. Teague, "Deterministic phase retrieval: a Green's function solution,"
       J. Opt. Soc. Am. 73, 1434 (1983).

    Examples
    --------
    >>> u = torch.ones(2, 16, 16, dtype=torch.complex64)
    >>> stack = defocus_stack(u, [-1e-4, 0.0, 1e-4], 633e-9, 2e-6)
    >>> stack.shape, bool(torch.allclose(stack, torch.ones_like(stack)))
    (torch.Size([2, 3, 16, 16]), True)
    """
    check_complex(field, "field")
    check_min_ndim(field, 2, "field")
    check_finite(field, "field")
    check_positive(wavelength, "wavelength", "m")
    pixel_pair(pixel_size)
    z = _distances(distances, field.device)
    out = angular_spectrum(field.unsqueeze(-3), z, wavelength, pixel_size, bandlimit=bandlimit,
                           pad=pad)
    return out.real**2 + out.imag**2


def tie_stack(field, defocus, wavelength, pixel_size, **kwargs) -> torch.Tensor:
    r"""The three TIE intensities :math:`(I_{-\Delta z}, I_0, I_{+\Delta z})`, ``(..., 3, H, W)``.

    A shortcut for ``defocus_stack(field, [-defocus, 0, defocus], ...)``.

    Parameters
    ----------
    field : Tensor, shape ``(..., H, W)``, complex
    defocus : float
        :math:`\Delta z > 0` in metres.
    wavelength : float
        Metres.
    pixel_size : float or (float, float)
        Metres.

    Raises
    ------
    ValueError
        ``defocus`` not positive, or as :func:`defocus_stack`.

    Examples
    --------
    >>> tie_stack(torch.ones(8, 8, dtype=torch.complex128), 1e-5, 633e-9, 1e-6).shape
    torch.Size([3, 8, 8])
    """
    check_positive(defocus, "defocus", "m")
    dz = float(defocus)
    return defocus_stack(field, [-dz, 0.0, dz], wavelength, pixel_size, **kwargs)
