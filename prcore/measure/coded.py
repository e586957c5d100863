r"""Random measurement models of phase-retrieval theory: Gaussian matrices and coded diffraction.

Non-convex phase-retrieval algorithms (Wirtinger flow, amplitude flow) come with
guarantees for two models of measurement vectors :math:`a_i`:

* **Gaussian**: :math:`y_i = |a_i^H x|^2` with i.i.d. standard (real or
  circular complex) normal :math:`a_i`, so :math:`\mathbb E[a_i a_i^H] = I`.
  Signals are vectors ``(..., n)``; a batch of matrices ``(..., m, n)``
  runs independent trials at once.
* **Coded diffraction patterns (CDP)**: :math:`y_{l} = |\mathcal F(D_l x)|^2`
  for :math:`L` random phase/amplitude masks :math:`D_l` (Candès, Li and
  Soltanolkotabi 2015), an optical setting with a mask in front of the sample.
  Signals are images ``(..., H, W)``; measurements ``(..., L, H, W)``.
"""

from __future__ import annotations

import math

import torch

from .._checks import check_shape_2d, check_tensor
from ..backend import as_generator
from .operator import LinearOperator, register_linear_example

__all__ = ["gaussian_matrix", "GaussianMeasurement", "coded_masks", "CodedDiffraction"]


def _check_count(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}: expected a positive int, got {value!r}")
    return value


def gaussian_matrix(m: int, n: int, *, batch=(), complex: bool = True, rng=None,
                    dtype: torch.dtype | None = None, device=None) -> torch.Tensor:
    r"""Random measurement matrix with i.i.d. standard normal entries, shape ``(*batch, m, n)``.

    Complex entries are circular, :math:`(g_1 + i g_2)/\sqrt 2`, so every entry has
    unit variance and :math:`\mathbb E[A^H A] = m I`.

    Parameters
    ----------
    m, n : int
        Number of measurements and signal length.
    batch : tuple of int
        Leading batch shape (independent trials).
    complex : bool
        Complex (default) or real Gaussian.
    rng : torch.Generator, int or None
    dtype : torch.dtype, optional
        Default ``complex128`` (or ``float64`` when real).

    Examples
    --------
    >>> A = gaussian_matrix(2000, 4, rng=0)
    >>> round(float((A.abs() ** 2).mean()), 1)
    1.0
    """
    _check_count(m, "m")
    _check_count(n, "n")
    batch = tuple(int(b) for b in batch)
    g = as_generator(rng)
    real = torch.float64 if dtype is None else (dtype.to_real() if dtype.is_complex else dtype)
    shape = (*batch, m, n)
    if complex:
        a = torch.randn(shape, generator=g, dtype=real) + 1j * torch.randn(shape, generator=g,
                                                                           dtype=real)
        a = a / math.sqrt(2)
        out_dtype = dtype if dtype is not None and dtype.is_complex else a.dtype
    else:
        a = torch.randn(shape, generator=g, dtype=real)
        out_dtype = real
    return a.to(dtype=out_dtype, device=device)


class GaussianMeasurement(LinearOperator):
    r"""``A x = M x`` for a (batch of) matrices ``M`` of shape ``(..., m, n)``; ``A^H y = M^H y``.

    Signals ``x`` have shape ``(..., n)``, measurements ``(..., m)``; batch dimensions
    broadcast.

    Examples
    --------
    >>> op = GaussianMeasurement(gaussian_matrix(6, 3, rng=0))
    >>> op.A(torch.ones(3, dtype=torch.complex128)).shape
    torch.Size([6])
    """

    def __init__(self, matrix: torch.Tensor):
        super().__init__()
        check_tensor(matrix, "matrix")
        if matrix.ndim < 2:
            raise ValueError(f"matrix: expected shape (..., m, n), got {tuple(matrix.shape)}")
        self.register_buffer("matrix", matrix)

    @property
    def n(self) -> int:
        """Signal length."""
        return self.matrix.shape[-1]

    @property
    def m(self) -> int:
        """Number of measurements."""
        return self.matrix.shape[-2]

    def row_norms_sq(self) -> torch.Tensor:
        r""":math:`\|a_i\|^2`, shape ``(..., m)``."""
        return (self.matrix.abs() ** 2).sum(-1)

    def A(self, x):  # noqa: N802
        check_tensor(x, "x")
        if x.shape[-1] != self.n:
            raise ValueError(f"x: expected last dimension {self.n} (signal length), "
                             f"got shape {tuple(x.shape)}")
        return (self.matrix.to(torch.promote_types(self.matrix.dtype, x.dtype))
                @ x.unsqueeze(-1)).squeeze(-1)

    def A_adjoint(self, y):  # noqa: N802
        check_tensor(y, "y")
        if y.shape[-1] != self.m:
            raise ValueError(f"y: expected last dimension {self.m} (measurements), "
                             f"got shape {tuple(y.shape)}")
        mh = self.matrix.mH.to(torch.promote_types(self.matrix.dtype, y.dtype))
        return (mh @ y.unsqueeze(-1)).squeeze(-1)

    def extra_repr(self):
        return f"matrix_shape={tuple(self.matrix.shape)}, dtype={self.matrix.dtype}"


def coded_masks(n_masks: int, shape, *, rng=None, dtype=torch.complex128, device=None):
    r"""Random octanary modulation masks of Candès, Li and Soltanolkotabi (2015), ``(L, H, W)``.

    Each entry is :math:`b_1 b_2` with :math:`b_1` uniform in
    :math:`\{1, -1, i, -i\}` and :math:`b_2 = \sqrt2/2` (probability 4/5) or
    :math:`\sqrt3` (probability 1/5), so :math:`\mathbb E|d|^2 = 1`.

    References
    ----------
    1. E. J. Candès, X. Li, M. Soltanolkotabi, "Phase retrieval from coded
       diffraction patterns," Appl. Comput. Harmon. Anal. 39, 277 (2015).

    Examples
    --------
    >>> d = coded_masks(4, (64, 64), rng=0)
    >>> d.shape, round(float((d.abs() ** 2).mean()), 1)
    (torch.Size([4, 64, 64]), 1.0)
    """
    _check_count(n_masks, "n_masks")
    h, w = check_shape_2d(shape)
    g = as_generator(rng)
    phase = torch.randint(0, 4, (n_masks, h, w), generator=g)
    b1 = torch.tensor([1, -1, 1j, -1j], dtype=torch.complex128)[phase]
    u = torch.rand(n_masks, h, w, generator=g, dtype=torch.float64)
    b2 = torch.where(u < 0.8, math.sqrt(2) / 2, math.sqrt(3))
    return (b1 * b2).to(dtype=dtype, device=device)


class CodedDiffraction(LinearOperator):
    r"""Coded diffraction patterns: :math:`x \mapsto \{\mathcal F(D_l\,x)\}_{l=1}^{L}`.

    Unitary FFT (``norm="ortho"``), so :math:`A^H A = \sum_l |D_l|^2 \approx L\,I`.
    Input ``(..., H, W)``; output ``(..., L, H, W)``.

    Examples
    --------
    >>> op = CodedDiffraction(coded_masks(3, (8, 8), rng=0))
    >>> op.A(torch.ones(2, 8, 8, dtype=torch.complex128)).shape
    torch.Size([2, 3, 8, 8])
    """

    def __init__(self, masks: torch.Tensor):
        super().__init__()
        check_tensor(masks, "masks")
        if masks.ndim != 3 or not masks.is_complex():
            raise ValueError(f"masks: expected a complex tensor of shape (L, H, W), "
                             f"got {tuple(masks.shape)} {masks.dtype}")
        self.register_buffer("masks", masks)

    def row_norms_sq(self) -> torch.Tensor:
        r""":math:`\|a_i\|^2 = \frac{1}{HW}\sum_j |d_l(j)|^2` per measurement, ``(L, H, W)``."""
        per_mask = (self.masks.abs() ** 2).mean(dim=(-2, -1), keepdim=True)
        return per_mask.expand(self.masks.shape)

    def A(self, x):  # noqa: N802
        check_tensor(x, "x")
        if tuple(x.shape[-2:]) != tuple(self.masks.shape[-2:]):
            raise ValueError(f"x: expected last dimensions {tuple(self.masks.shape[-2:])}, "
                             f"got {tuple(x.shape)}")
        return torch.fft.fft2(self.masks.to(x.dtype) * x.unsqueeze(-3), norm="ortho")

    def A_adjoint(self, y):  # noqa: N802
        check_tensor(y, "y")
        if tuple(y.shape[-3:]) != tuple(self.masks.shape):
            raise ValueError(f"y: expected last dimensions {tuple(self.masks.shape)}, "
                             f"got {tuple(y.shape)}")
        return (self.masks.conj().to(y.dtype) * torch.fft.ifft2(y, norm="ortho")).sum(-3)


@register_linear_example("GaussianMeasurement")
def _example_gaussian(dtype, device):
    return GaussianMeasurement(gaussian_matrix(7, 5, batch=(2,), rng=0, dtype=dtype,
                                               device=device)), (2, 5)


@register_linear_example("CodedDiffraction")
def _example_cdp(dtype, device):
    return CodedDiffraction(coded_masks(3, (6, 5), rng=0, dtype=dtype, device=device)), (2, 6, 5)
