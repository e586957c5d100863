r"""Far-field (Fourier-magnitude) measurements for coherent diffraction imaging, and supports.

A coherent diffraction experiment records :math:`|\mathcal{F}\{x\}|` of an
object :math:`x` that sits inside a known region (the *support*) of a larger,
zero-padded field. Padding the object before the FFT samples its diffraction
pattern finer than the Nyquist rate of the object's own size: this
*oversampling* is what makes the phase recoverable (Miao et al. 1998).

Conventions: the FFT is unitary (``norm="ortho"``), so Parseval holds without
factors; diffraction patterns are returned in FFT order (zero frequency at
index ``[0, 0]``; use ``torch.fft.fftshift`` for display); the object is
centred in the padded grid (index ``(P - H) // 2``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .._checks import (
    check_complex,
    check_finite,
    check_min_ndim,
    check_positive,
    check_real,
    check_shape_2d,
    check_tensor,
)
from ..backend import complex_dtype
from .operator import LinearOperator, register_linear_example

__all__ = [
    "FarField",
    "padded_shape",
    "embed",
    "crop",
    "far_field",
    "diffraction_magnitude",
    "box_support",
    "disk_support",
    "threshold_support",
    "oversampling_ratio",
    "autocorrelation",
]


def padded_shape(shape, oversampling: float) -> tuple[int, int]:
    """Detector grid ``(ceil(s H), ceil(s W))`` for a linear oversampling factor ``s >= 1``.

    Examples
    --------
    >>> padded_shape((32, 20), 2.0)
    (64, 40)
    >>> padded_shape((32, 32), 1.5)
    (48, 48)
    """
    h, w = check_shape_2d(shape)
    check_positive(oversampling, "oversampling")
    if oversampling < 1:
        raise ValueError(f"oversampling: expected a linear factor >= 1, got {oversampling!r}")
    # round before ceil so 1.1 * 10 = 11.000000000000002 gives 11, not 12
    return (math.ceil(round(oversampling * h, 9)), math.ceil(round(oversampling * w, 9)))


def _offsets(small, big):
    (h, w), (p, q) = small, big
    return (p - h) // 2, (q - w) // 2


def embed(x: torch.Tensor, shape) -> torch.Tensor:
    """Zero-pad ``x`` ``(..., H, W)`` to ``(..., P, Q)``, centred (offset ``(P - H) // 2``).

    The adjoint of :func:`crop`.

    Examples
    --------
    >>> embed(torch.ones(2, 2), (4, 4)).sum().item(), embed(torch.ones(2, 2), (4, 4))[1, 1].item()
    (4.0, 1.0)
    """
    check_tensor(x, "x")
    check_min_ndim(x, 2, "x")
    p, q = check_shape_2d(shape)
    h, w = x.shape[-2:]
    if p < h or q < w:
        raise ValueError(f"shape: expected a grid at least as large as x {(h, w)}, got {(p, q)}")
    t, left = _offsets((h, w), (p, q))
    return F.pad(x, (left, q - w - left, t, p - h - t))


def crop(x: torch.Tensor, shape) -> torch.Tensor:
    """The centred ``(..., H, W)`` window of ``x`` ``(..., P, Q)``; the adjoint of :func:`embed`.

    Examples
    --------
    >>> crop(embed(torch.arange(4.0).reshape(2, 2), (5, 5)), (2, 2)).tolist()
    [[0.0, 1.0], [2.0, 3.0]]
    """
    check_tensor(x, "x")
    check_min_ndim(x, 2, "x")
    h, w = check_shape_2d(shape)
    p, q = x.shape[-2:]
    if p < h or q < w:
        raise ValueError(f"shape: expected a window no larger than x {(p, q)}, got {(h, w)}")
    t, left = _offsets((h, w), (p, q))
    return x[..., t:t + h, left:left + w]


def far_field(x: torch.Tensor, *, oversampling: float = 1.0) -> torch.Tensor:
    r"""Unitary Fourier transform of ``x`` zero-padded by ``oversampling``: the far-field amplitude.

    .. math:: y = \mathcal{F}_{\mathrm{u}}\{\mathrm{pad}(x)\},\qquad
              \mathcal{F}_{\mathrm{u}} = \tfrac{1}{\sqrt{PQ}}\,\mathrm{DFT}

    Parameters
    ----------
    x : Tensor, shape ``(..., H, W)``, complex
        Exit wave of the object.
    oversampling : float, default 1
        Linear oversampling factor per axis (detector grid ``ceil(s H) x ceil(s W)``).

    Returns
    -------
    Tensor, shape ``(..., P, Q)``, complex, FFT order

    Raises
    ------
    TypeError
        If ``x`` is not complex.
    ValueError
        If ``x`` has fewer than 2 dimensions or NaN/Inf, or ``oversampling < 1``.

    References
    ----------
    1. J. W. Goodman, *Introduction to Fourier Optics*, 3rd ed. (2005), ch. 4.

    Examples
    --------
    >>> x = torch.ones(4, 4, dtype=torch.complex128)
    >>> y = far_field(x, oversampling=2.0)
    >>> y.shape, round(float(y.abs().square().sum()), 6)  # Parseval: energy 16 kept
    (torch.Size([8, 8]), 16.0)
    """
    check_complex(x, "x")
    check_min_ndim(x, 2, "x")
    check_finite(x, "x")
    shape = padded_shape(x.shape[-2:], oversampling)
    return torch.fft.fft2(embed(x, shape), norm="ortho")


def diffraction_magnitude(x: torch.Tensor, *, oversampling: float = 1.0) -> torch.Tensor:
    r"""Far-field magnitude :math:`|\mathcal{F}_{\mathrm{u}}\{\mathrm{pad}(x)\}|` of an object.

    Same arguments as :func:`far_field`; returns a real tensor ``(..., P, Q)`` in FFT order.

    Examples
    --------
    >>> m = diffraction_magnitude(torch.ones(2, 2, dtype=torch.complex64), oversampling=2.0)
    >>> m.dtype, round(float(m[0, 0]), 4)  # DC term: sum / sqrt(16)
    (torch.float32, 1.0)
    """
    return far_field(x, oversampling=oversampling).abs()


class FarField(LinearOperator):
    r"""Zero-padded unitary Fourier transform, the linear part of a CDI measurement.

    .. math:: A x = \mathcal{F}_{\mathrm{u}}\{\mathrm{pad}(x)\},\qquad
              A^H y = \mathrm{crop}(\mathcal{F}_{\mathrm{u}}^{-1}\{y\})

    With ``oversampling = 1`` the operator is unitary; with padding it is an
    isometry (:math:`A^H A = I`). The measured data are :math:`|A x|`.

    Parameters
    ----------
    shape : tuple of int
        ``(H, W)`` of the object.
    oversampling : float, default 2
        Linear oversampling per axis; the detector grid is :func:`padded_shape`.
        The areal oversampling ratio of Miao et al. is ``oversampling**2`` for
        an object filling its ``H x W`` box.

    Raises
    ------
    ValueError
        For a bad shape or ``oversampling < 1``; when applied, for inputs whose
        last dimensions do not match.

    References
    ----------
    1. J. Miao, D. Sayre and H. N. Chapman, "Phase retrieval from the magnitude
       of the Fourier transforms of nonperiodic objects," J. Opt. Soc. Am. A 15,
       1662 (1998).

    Examples
    --------
    >>> op = FarField((8, 8), oversampling=2.0)
    >>> x = torch.randn(8, 8, dtype=torch.complex128)
    >>> op.out_shape, bool(torch.allclose(op.A_adjoint(op.A(x)), x))
    ((16, 16), True)
    """

    def __init__(self, shape, *, oversampling: float = 2.0):
        super().__init__()
        self.shape = check_shape_2d(shape)
        self.oversampling = float(oversampling)
        self.out_shape = padded_shape(self.shape, self.oversampling)

    def _check(self, x, name, shape):
        check_complex(x, name)
        check_min_ndim(x, 2, name)
        if tuple(x.shape[-2:]) != shape:
            raise ValueError(
                f"{name}: expected last dimensions {shape}, got shape {tuple(x.shape)}")

    def A(self, x):  # noqa: N802
        self._check(x, "x", self.shape)
        return torch.fft.fft2(embed(x, self.out_shape), norm="ortho")

    def A_adjoint(self, y):  # noqa: N802
        self._check(y, "y", self.out_shape)
        return crop(torch.fft.ifft2(y, norm="ortho"), self.shape)

    def extra_repr(self):
        return f"shape={self.shape}, oversampling={self.oversampling:g}, out_shape={self.out_shape}"


@register_linear_example("FarField")
def _example_far_field(dtype, device):
    return FarField((6, 5), oversampling=1.7), (2, 6, 5)


@register_linear_example("FarField[unpadded]")
def _example_far_field_unpadded(dtype, device):
    return FarField((8, 8), oversampling=1.0), (8, 8)


def box_support(shape, size, *, device=None) -> torch.Tensor:
    """Boolean mask ``(H, W)`` that is True on a centred ``size = (h, w)`` rectangle.

    Placed like :func:`embed`, so ``box_support(padded, obj_shape)`` is the
    support of an embedded object.

    Examples
    --------
    >>> box_support((4, 6), (2, 2)).int().tolist()
    [[0, 0, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0], [0, 0, 1, 1, 0, 0], [0, 0, 0, 0, 0, 0]]
    """
    shape = check_shape_2d(shape)
    size = check_shape_2d(size, "size")
    return embed(torch.ones(size, dtype=torch.bool, device=device), shape)


def disk_support(shape, radius: float, *, device=None) -> torch.Tensor:
    """Boolean disk of ``radius`` pixels centred at ``(H // 2, W // 2)``, shape ``(H, W)``.

    Examples
    --------
    >>> int(disk_support((9, 9), 2.0).sum())
    13
    """
    h, w = check_shape_2d(shape)
    check_positive(radius, "radius", "px")
    y = torch.arange(h, device=device).reshape(h, 1) - h // 2
    x = torch.arange(w, device=device).reshape(1, w) - w // 2
    return (y**2 + x**2) <= radius**2


def threshold_support(image: torch.Tensor, threshold: float = 0.1) -> torch.Tensor:
    r"""Support :math:`\{r : |x(r)| > t \max|x|\}` of an image (real or complex), per image.

    Examples
    --------
    >>> threshold_support(torch.tensor([[0.0, 0.05, 1.0]]), 0.1).tolist()
    [[False, False, True]]
    """
    check_tensor(image, "image")
    check_min_ndim(image, 2, "image")
    check_finite(image, "image")
    if not 0 <= threshold < 1:
        raise ValueError(f"threshold: expected a fraction in [0, 1), got {threshold!r}")
    a = image.abs()
    return a > threshold * a.amax(dim=(-2, -1), keepdim=True)


def oversampling_ratio(support: torch.Tensor) -> float:
    r"""Areal oversampling ratio :math:`\sigma = (P Q) / |S|` of a support mask (Miao et al. 1998).

    Unique recovery of a generic 2-D object needs :math:`\sigma > 2`.

    Examples
    --------
    >>> oversampling_ratio(box_support((64, 64), (32, 32)))
    4.0
    """
    check_tensor(support, "support")
    if support.ndim != 2:
        raise ValueError(
            f"support: expected one mask of shape (H, W), got shape {tuple(support.shape)}")
    n = int(support.bool().sum())
    if n == 0:
        raise ValueError("support: expected at least one True pixel, got an empty mask")
    return support.numel() / n


def autocorrelation(magnitude: torch.Tensor) -> torch.Tensor:
    r"""Autocorrelation of the object from its Fourier magnitude, centred (``fftshift``-ed).

    .. math:: (x \star x)(r) = \mathcal{F}^{-1}\{|\mathcal{F} x|^2\}(r)

    Its extent is twice the object's, which bounds the support (a first
    support estimate in CDI).

    Parameters
    ----------
    magnitude : Tensor, shape ``(..., P, Q)``, real, >= 0, FFT order

    Returns
    -------
    Tensor, shape ``(..., P, Q)``, complex, zero lag at ``(P // 2, Q // 2)``

    Examples
    --------
    >>> m = diffraction_magnitude(torch.ones(2, 2, dtype=torch.complex128), oversampling=2.0)
    >>> int((autocorrelation(m).abs() > 1e-9).sum())  # a 3 x 3 triangle
    9
    """
    check_real(magnitude, "magnitude")
    check_min_ndim(magnitude, 2, "magnitude")
    check_finite(magnitude, "magnitude")
    c = torch.fft.ifft2(magnitude.square().to(complex_dtype(magnitude.dtype)), norm="ortho")
    return torch.fft.fftshift(c, dim=(-2, -1))
