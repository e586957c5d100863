r"""Image-quality metrics on tensors, with phase-aware variants.

Phase maps are compared after removing the global phase offset (which no
intensity measurement can see) and wrapping the difference to (-π, π].
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ._checks import check_finite, check_real, check_tensor

__all__ = ["wrap", "remove_global_phase", "phase_rmse", "rmse", "psnr", "ssim", "npcc",
           "complex_rmse"]


def _pair(x, y, name_x="x", name_y="y", real=True):
    check_tensor(x, name_x)
    check_tensor(y, name_y)
    if real:
        check_real(x, name_x)
        check_real(y, name_y)
    if x.shape != y.shape:
        raise ValueError(f"{name_x} and {name_y}: expected equal shapes, "
                         f"got {tuple(x.shape)} and {tuple(y.shape)}")
    if x.device != y.device:
        raise ValueError(f"{name_y}: expected a tensor on {x.device}, got {y.device}")
    check_finite(x, name_x)
    check_finite(y, name_y)


def wrap(phase: torch.Tensor) -> torch.Tensor:
    """Wrap to (-π, π].

    >>> round(float(wrap(torch.tensor(3 * math.pi / 2))), 4)
    -1.5708
    """
    return torch.remainder(phase + math.pi, 2 * math.pi) - math.pi


def _mean_hw(x, mask):
    if mask is None:
        return x.mean(dim=(-2, -1))
    m = mask.to(x.dtype)
    return (x * m).sum(dim=(-2, -1)) / m.sum(dim=(-2, -1)).clamp_min(1)


def remove_global_phase(phase: torch.Tensor, reference: torch.Tensor, mask=None) -> torch.Tensor:
    r"""Shift ``phase`` by the constant that best aligns it with ``reference`` (per image).

    The offset is :math:`c = \arg \sum e^{i(\phi_{ref}-\phi)}` over the image (or ``mask``),
    which minimises the wrapped squared error for small errors.
    """
    _pair(phase, reference, "phase", "reference")
    d = reference - phase
    c = torch.atan2(_mean_hw(torch.sin(d), mask), _mean_hw(torch.cos(d), mask))
    return phase + c[..., None, None]


def phase_rmse(phase: torch.Tensor, reference: torch.Tensor, *, mask=None, wrapped: bool = True):
    """RMSE (rad) between phase maps after removing the global offset, per image ``(...)``.

    With ``wrapped`` the difference is wrapped to (-π, π] (phases equal modulo 2π
    have zero error); without it the offset is the mean difference (for unwrapped maps).

    >>> p = torch.rand(2, 8, 8, dtype=torch.float64)
    >>> phase_rmse(p + 1.0, p).abs().max() < 1e-12
    tensor(True)
    """
    _pair(phase, reference, "phase", "reference")
    if wrapped:
        err = wrap(remove_global_phase(phase, reference, mask) - reference)
    else:
        d = phase - reference
        err = d - _mean_hw(d, mask)[..., None, None]
    return torch.sqrt(_mean_hw(err**2, mask))


def complex_rmse(field: torch.Tensor, reference: torch.Tensor):
    r"""Relative error :math:`\min_{|c|=1} \|c\,u - u_{ref}\| / \|u_{ref}\|` (global phase)."""
    check_tensor(field, "field")
    check_tensor(reference, "reference")
    if field.shape != reference.shape:
        raise ValueError(f"field and reference: expected equal shapes, "
                         f"got {tuple(field.shape)} and {tuple(reference.shape)}")
    inner = (reference * field.conj()).sum(dim=(-2, -1))
    c = torch.exp(1j * torch.angle(inner))
    diff = c[..., None, None] * field - reference
    norm = torch.linalg.vector_norm
    return norm(diff, dim=(-2, -1)) / norm(reference, dim=(-2, -1))


def rmse(x: torch.Tensor, y: torch.Tensor):
    """Root-mean-square error over the last two dimensions.

    >>> float(rmse(torch.zeros(2, 2), torch.ones(2, 2)))
    1.0
    """
    _pair(x, y)
    return torch.sqrt(((x - y) ** 2).mean(dim=(-2, -1)))


def psnr(x: torch.Tensor, reference: torch.Tensor, *, data_range: float | None = None):
    r"""Peak signal-to-noise ratio in dB, :math:`10\log_{10}(R^2/\mathrm{MSE})`, per image.

    ``data_range`` defaults to ``max - min`` of ``reference`` (per image).

    >>> float(psnr(torch.full((4, 4), 0.1), torch.zeros(4, 4), data_range=1.0))
    20.0
    """
    _pair(x, reference, "x", "reference")
    mse = ((x - reference) ** 2).mean(dim=(-2, -1))
    if data_range is None:
        r = reference.amax(dim=(-2, -1)) - reference.amin(dim=(-2, -1))
    else:
        r = torch.as_tensor(float(data_range), dtype=x.dtype, device=x.device)
    return 10 * torch.log10(r**2 / mse.clamp_min(torch.finfo(x.dtype).tiny))


def _gaussian_window(size, sigma, dtype, device):
    t = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    g = torch.exp(-(t**2) / (2 * sigma**2))
    g = g / g.sum()
    return g


def ssim(x: torch.Tensor, reference: torch.Tensor, *, data_range: float | None = None,
         win_size: int = 11, sigma: float = 1.5):
    """Structural similarity (Wang et al. 2004) with a Gaussian window, per image ``(...)``.

    Uses K1 = 0.01, K2 = 0.03 and averages the SSIM map over the valid region
    (no padding), as scikit-image's ``structural_similarity(gaussian_weights=True,
    use_sample_covariance=False)`` does.

    References
    ----------
    1. Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality
       assessment: from error visibility to structural similarity," IEEE TIP 13, 600 (2004).

    >>> x = torch.rand(32, 32, dtype=torch.float64)
    >>> round(float(ssim(x, x)), 6)
    1.0
    """
    _pair(x, reference, "x", "reference")
    h, w = x.shape[-2:]
    if h < win_size or w < win_size:
        raise ValueError(
            f"x: expected images of at least {win_size}x{win_size} for SSIM, got {h}x{w}"
        )
    lead = x.shape[:-2]
    a = x.reshape(-1, 1, h, w)
    b = reference.reshape(-1, 1, h, w)
    if data_range is None:
        r = b.amax(dim=(-2, -1), keepdim=True) - b.amin(dim=(-2, -1), keepdim=True)
        r = r.clamp_min(1e-12)
    else:
        r = torch.as_tensor(float(data_range), dtype=x.dtype, device=x.device)
    g = _gaussian_window(win_size, sigma, x.dtype, x.device)

    def filt(t):
        t = F.conv2d(t, g.reshape(1, 1, -1, 1))
        return F.conv2d(t, g.reshape(1, 1, 1, -1))

    mu_a, mu_b = filt(a), filt(b)
    saa = filt(a * a) - mu_a**2
    sbb = filt(b * b) - mu_b**2
    sab = filt(a * b) - mu_a * mu_b
    c1, c2 = (0.01 * r) ** 2, (0.03 * r) ** 2
    s = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a**2 + mu_b**2 + c1) * (saa + sbb + c2))
    return s.mean(dim=(-3, -2, -1)).reshape(lead)


def npcc(x: torch.Tensor, y: torch.Tensor):
    r"""Negative Pearson correlation coefficient per image, in [-1, 1] (-1 is perfect).

    .. math::
        \mathrm{NPCC} = -\frac{\sum (x-\bar x)(y-\bar y)}
                               {\sqrt{\sum (x-\bar x)^2 \sum (y-\bar y)^2}}

    Insensitive to affine changes of ``x``; used as a loss by Li et al. (2018) for
    phase retrieval of sparse objects.

    >>> x = torch.rand(8, 8, dtype=torch.float64)
    >>> round(float(npcc(3 * x + 1, x)), 6)
    -1.0
    """
    _pair(x, y)
    xc = x - x.mean(dim=(-2, -1), keepdim=True)
    yc = y - y.mean(dim=(-2, -1), keepdim=True)
    num = (xc * yc).sum(dim=(-2, -1))
    den = torch.sqrt((xc**2).sum(dim=(-2, -1)) * (yc**2).sum(dim=(-2, -1)))
    return -num / den.clamp_min(torch.finfo(x.dtype).tiny)
