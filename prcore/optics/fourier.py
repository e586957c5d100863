r"""Fourier magnitude and phase: hybrids, and the fields a Fourier intensity cannot tell apart.

A far-field (Fraunhofer) detector records :math:`|\mathcal{F}\{u\}|^2`. These
helpers build the classic demonstrations that the Fourier *phase* carries most
of an image's structure (Oppenheim & Lim) and that one Fourier magnitude is
shared by many different fields (the ambiguities of phase retrieval). All
transforms are discrete and circular on the ``(..., H, W)`` grid, so the
equalities below hold to machine precision.
"""

from __future__ import annotations

import torch

from .._checks import check_finite, check_min_ndim, check_same_device, check_tensor

__all__ = [
    "fourier_magnitude",
    "swap_fourier_phase",
    "flip_conjugate",
    "circular_convolve",
    "distance_modulo_trivial",
]


def _check_image(x, name):
    check_tensor(x, name)
    if not (x.is_complex() or x.is_floating_point()):
        raise TypeError(f"{name}: expected a floating or complex tensor, got dtype {x.dtype}")
    check_min_ndim(x, 2, name)
    check_finite(x, name)
    return x


def _check_pair(x, y, name_x, name_y):
    _check_image(x, name_x)
    _check_image(y, name_y)
    check_same_device((name_x, x), (name_y, y))
    if x.shape[-2:] != y.shape[-2:]:
        raise ValueError(f"{name_y}: expected the image size {tuple(x.shape[-2:])} of {name_x}, "
                         f"got {tuple(y.shape[-2:])}")


def fourier_magnitude(x: torch.Tensor) -> torch.Tensor:
    r"""Magnitude of the unitary 2-D DFT, :math:`|\mathcal{F}\{x\}|`.

    .. math:: |X[k]| = \Big|\frac{1}{\sqrt{HW}}\sum_n x[n]\,e^{-2\pi i\,k\cdot n/N}\Big|

    Parameters
    ----------
    x : Tensor, shape ``(..., H, W)``, real or complex

    Returns
    -------
    Tensor, shape ``(..., H, W)``, real (the matching real dtype), FFT order.

    Raises
    ------
    TypeError
        If ``x`` is not a floating or complex tensor.
    ValueError
        If ``x`` has fewer than 2 dimensions or non-finite values.

    Examples
    --------
    >>> x = torch.zeros(4, 4); x[1, 2] = 2.0
    >>> fourier_magnitude(x).unique().tolist()  # a point has a flat spectrum
    [0.5]
    """
    _check_image(x, "x")
    return torch.fft.fft2(x, norm="ortho").abs()


def swap_fourier_phase(magnitude_from: torch.Tensor, phase_from: torch.Tensor) -> torch.Tensor:
    r"""Hybrid image with the Fourier magnitude of one image and the Fourier phase of another.

    .. math:: h = \mathcal{F}^{-1}\big\{|\mathcal{F}\{m\}|\;e^{i\arg\mathcal{F}\{p\}}\big\}

    For two real images the spectrum keeps its Hermitian symmetry, so the
    hybrid is real and returned as such; otherwise it is complex.

    Parameters
    ----------
    magnitude_from : Tensor, shape ``(..., H, W)``
        Image ``m`` that gives the Fourier magnitude.
    phase_from : Tensor, shape ``(..., H, W)``
        Image ``p`` that gives the Fourier phase (broadcast against ``m``).

    Returns
    -------
    Tensor, shape ``(..., H, W)``
        Real if both inputs are real, complex otherwise.

    Raises
    ------
    TypeError, ValueError
        For non-tensors, integer dtypes, fewer than 2 dimensions, non-finite
        values, different image sizes or devices.

    References
    ----------
    1. A. V. Oppenheim and J. S. Lim, "The importance of phase in signals,"
       Proc. IEEE 69, 529-541 (1981).

    Examples
    --------
    >>> m = torch.rand(8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> h = swap_fourier_phase(m, torch.roll(m, 3, dims=-1))  # same magnitude, shifted phase
    >>> bool(torch.allclose(h, torch.roll(m, 3, dims=-1)))
    True
    """
    _check_pair(magnitude_from, phase_from, "magnitude_from", "phase_from")
    mag = torch.fft.fft2(magnitude_from).abs()
    spec = torch.fft.fft2(phase_from)
    unit = torch.sgn(spec)  # e^{i arg}, and 0 where the spectrum vanishes
    hybrid = torch.fft.ifft2(mag * unit)
    if not (magnitude_from.is_complex() or phase_from.is_complex()):
        return hybrid.real
    return hybrid


def flip_conjugate(x: torch.Tensor) -> torch.Tensor:
    r"""The twin image :math:`x^*[-n]` (indices modulo the grid): same Fourier magnitude as ``x``.

    .. math:: \mathcal{F}\{x^*[-n]\}[k] = \big(\mathcal{F}\{x\}[k]\big)^*

    Parameters
    ----------
    x : Tensor, shape ``(..., H, W)``, real or complex

    Returns
    -------
    Tensor, shape ``(..., H, W)``: ``x`` rotated by 180° about index 0 and conjugated.

    Raises
    ------
    TypeError, ValueError
        As :func:`fourier_magnitude`.

    Examples
    --------
    >>> x = torch.tensor([[1 + 1j, 2 + 0j], [3 + 0j, 4 - 1j]])
    >>> flip_conjugate(x)
    tensor([[1.-1.j, 2.-0.j],
            [3.-0.j, 4.+1.j]])
    >>> y = torch.arange(9.0).reshape(3, 3)
    >>> flip_conjugate(y)[0].tolist()  # row 0 keeps index 0, then reverses
    [0.0, 2.0, 1.0]
    """
    _check_image(x, "x")
    y = torch.roll(torch.flip(x, dims=(-2, -1)), shifts=(1, 1), dims=(-2, -1))
    return y.conj().resolve_conj() if y.is_complex() else y


def circular_convolve(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    r"""Circular 2-D convolution by FFT, :math:`(a \circledast b)[n] = \sum_m a[m]\,b[n-m]`.

    .. math:: \mathcal{F}\{a \circledast b\} = \mathcal{F}\{a\}\,\mathcal{F}\{b\}

    Because the magnitude of a product is the product of magnitudes,
    ``circular_convolve(a, b)`` and ``circular_convolve(a, flip_conjugate(b))``
    share one Fourier magnitude although they are, in general, different
    objects: a non-trivial ambiguity of phase retrieval.

    Parameters
    ----------
    a, b : Tensor, shape ``(..., H, W)``, real or complex (broadcast)

    Returns
    -------
    Tensor, shape ``(..., H, W)``: real if both inputs are real.

    Raises
    ------
    TypeError, ValueError
        As :func:`swap_fourier_phase`.

    Examples
    --------
    >>> a = torch.zeros(4, 4); a[0, 1] = 1.0
    >>> b = torch.zeros(4, 4); b[2, 0] = 3.0
    >>> circular_convolve(a, b).nonzero().tolist(), float(circular_convolve(a, b)[2, 1])
    ([[2, 1]], 3.0)
    """
    _check_pair(a, b, "a", "b")
    out = torch.fft.ifft2(torch.fft.fft2(a) * torch.fft.fft2(b))
    if not (a.is_complex() or b.is_complex()):
        return out.real
    return out


def distance_modulo_trivial(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Relative distance between two fields after the best global phase, circular shift and twin.

    .. math::
        d(x, y) = \min_{|c|=1,\; s,\; \tilde y \in \{y,\, y^*[-n]\}}
        \frac{\|x - c\,\tilde y[n - s]\|}{\|x\|}
        = \frac{\big(\|x\|^2 + \|y\|^2
        - 2\max_{s,\tilde y}|\langle x, \tilde y[\cdot - s]\rangle|\big)^{1/2}}{\|x\|}

    These are the *trivial* ambiguities of a Fourier-magnitude measurement: a
    distance near 0 means ``y`` is ``x`` up to them, a large distance means the
    two fields are genuinely different. The maximum over all shifts is one
    cross-correlation by FFT.

    Parameters
    ----------
    x, y : Tensor, shape ``(..., H, W)``, real or complex (broadcast)

    Returns
    -------
    Tensor, shape ``(...)``, real: the relative distance (0 for identical fields).

    Raises
    ------
    TypeError, ValueError
        As :func:`swap_fourier_phase`; ``ValueError`` if ``x`` is zero.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(1)
    >>> x = torch.randn(8, 8, dtype=torch.complex128, generator=g)
    >>> y = 1j * torch.roll(flip_conjugate(x), (2, 5), dims=(-2, -1))
    >>> float(distance_modulo_trivial(x, y)) < 1e-7
    True
    >>> z = torch.randn(8, 8, dtype=torch.complex128, generator=g)
    >>> float(distance_modulo_trivial(x, z)) > 1
    True
    """
    _check_pair(x, y, "x", "y")
    nx2 = (x.abs() ** 2).sum(dim=(-2, -1))
    if bool((nx2 == 0).any()):
        raise ValueError("x: expected a non-zero field, got an all-zero image")
    ny2 = (y.abs() ** 2).sum(dim=(-2, -1))
    fx = torch.fft.fft2(x)
    best = None
    for cand in (y, flip_conjugate(y)):
        # <x, cand shifted by s> for every s at once: ifft(X conj(Y))
        corr = torch.fft.ifft2(fx * torch.fft.fft2(cand).conj()).abs().amax(dim=(-2, -1))
        best = corr if best is None else torch.maximum(best, corr)
    d2 = (nx2 + ny2 - 2 * best).clamp_min(0)
    return torch.sqrt(d2 / nx2)
