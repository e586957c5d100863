r"""Fourier-ptychographic reconstruction by sequential alternating projections.

The object spectrum :math:`\hat o` is stitched from the low-resolution images one
LED at a time (Zheng et al. 2013): for image :math:`k`, the current estimate of
the window :math:`\hat o(f + f_k)` is filtered by the pupil, transformed to the
image plane, given the measured modulus :math:`\sqrt{I_k}` (keeping its phase),
and transformed back; the change updates the window. Visiting the LEDs from the
centre outwards, overlapping windows pass phase information from the
bright-field images to the dark-field ones. With ``update_pupil`` the pupil is
refined as well, which is the embedded pupil recovery of Ou et al. (2014), i.e.
ePIE in the Fourier domain (:func:`prcore.recover.ptychography.pie_update`).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import torch
from tqdm.auto import tqdm

from .._checks import (
    check_complex,
    check_finite,
    check_int,
    check_nonnegative,
    check_nonnegative_tensor,
    check_positive,
    check_real,
    check_shape_2d,
)
from ..measure.fourier_ptychography import spectrum_windows
from .ptychography import pie_update

__all__ = ["FPResult", "fp_recover", "upsample_image", "grating_modulation", "resolved_period"]


class FPResult(NamedTuple):
    """The high-resolution object ``(H, W)`` and the pupil ``(h, w)`` (centred)."""

    obj: torch.Tensor
    pupil: torch.Tensor


def upsample_image(image: torch.Tensor, shape) -> torch.Tensor:
    r"""Band-limited (Fourier zero-padding) upsampling of ``(..., h, w)`` to ``(..., H, W)``.

    Values are preserved (a constant stays the same constant); real input gives
    real output. This is the baseline a single low-NA image offers at the
    high-resolution grid.

    >>> upsample_image(torch.ones(4, 4), (8, 8)).mean().item()
    1.0
    """
    H, W = check_shape_2d(shape)
    h, w = image.shape[-2:]
    if H < h or W < w:
        raise ValueError(f"shape: expected at least the image size {(h, w)}, got {(H, W)}")
    real = not image.is_complex()
    spec = torch.fft.fftshift(torch.fft.fft2(image), dim=(-2, -1))
    full = torch.zeros(*image.shape[:-2], H, W, dtype=spec.dtype, device=image.device)
    t, left = H // 2 - h // 2, W // 2 - w // 2
    full[..., t:t + h, left:left + w] = spec
    out = torch.fft.ifft2(torch.fft.ifftshift(full, dim=(-2, -1))) * (H * W) / (h * w)
    return out.real if real else out


def fp_recover(intensities: torch.Tensor, shifts: torch.Tensor, pupil: torch.Tensor, object_shape,
               *, n_iter: int, obj0: torch.Tensor | None = None, alpha: float = 1.0,
               beta: float = 1.0, update_pupil: bool = False, callback: Callable | None = None,
               progress: bool = False):
    r"""Recover a high-resolution complex object from Fourier-ptychographic images.

    For each LED :math:`k` (in the given order, bright field first):

    .. math::

        \psi &= P\,\hat o_k, \qquad
        g = c\,\mathcal{F}^{-1}\psi, \qquad
        \psi' = \mathcal{F}\Big\{\sqrt{I_k}\,\frac{g}{|g|}\Big\} / c, \\
        \hat o_k &\leftarrow \hat o_k + \alpha\,\frac{\bar P}{\max|P|^2}(\psi' - \psi),

    with :math:`\hat o_k` the window of the centred spectrum and :math:`c = hw/(HW)`.

    Parameters
    ----------
    intensities : Tensor, shape ``(K, h, w)``, real, >= 0
        Low-resolution images, e.g. from :func:`prcore.measure.fourier_ptychography.fp_intensity`.
    shifts : Tensor, shape ``(K, 2)``, integer
        Spectrum shifts (:func:`prcore.measure.fourier_ptychography.led_shifts`).
    pupil : Tensor, shape ``(h, w)``, complex
        Centred pupil (initial guess when ``update_pupil``).
    object_shape : (int, int)
        ``(H, W)`` of the high-resolution object.
    n_iter : int
        Sweeps over all LEDs.
    obj0 : Tensor, shape ``(H, W)``, complex, optional
        Initial object; default the upsampled amplitude of the first image.
    alpha, beta : float
        Spectrum and pupil step sizes.
    update_pupil : bool
        Refine the pupil (embedded pupil recovery), kept inside the support of the
        initial pupil (the objective's NA).
    callback : callable, optional
        ``callback(it, obj, pupil)`` after every sweep.
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    result : FPResult
        ``(obj, pupil)``.
    history : dict
        ``"error"``: normalised amplitude error :math:`\sum(|g|-\sqrt I)^2/\sum I` per sweep.

    Raises
    ------
    TypeError
        Real ``pupil`` or ``obj0``.
    ValueError
        Negative intensities, mismatched shapes, windows outside the spectrum.

    References
    ----------
    1. G. Zheng, R. Horstmeyer, C. Yang, "Wide-field, high-resolution Fourier
       ptychographic microscopy," Nat. Photonics 7, 739 (2013).
    2. X. Ou, G. Zheng, C. Yang, "Embedded pupil function recovery for Fourier
       ptychographic microscopy," Opt. Express 22, 4960 (2014).

    Examples
    --------
    >>> from prcore.measure.fourier_ptychography import circular_pupil, fp_intensity
    >>> g = torch.Generator().manual_seed(0)
    >>> obj = torch.exp(0.5j * torch.rand(32, 32, generator=g, dtype=torch.float64))
    >>> pupil = circular_pupil((16, 16), na=0.3, wavelength=1e-6, pixel_size=1e-6,
    ...                        dtype=torch.complex128)
    >>> shifts = torch.tensor([[0, 0], [0, 3], [3, 0], [0, -3], [-3, 0]])
    >>> (rec, _), hist = fp_recover(fp_intensity(obj, pupil, shifts), shifts, pupil, (32, 32),
    ...                             n_iter=20)
    >>> hist["error"][-1] < 0.1 * hist["error"][0]
    True
    """
    check_nonnegative_tensor(intensities, "intensities")
    if intensities.ndim != 3:
        raise ValueError(f"intensities: expected shape (K, h, w), got {tuple(intensities.shape)}")
    check_complex(pupil, "pupil")
    check_finite(pupil, "pupil")
    K, h, w = intensities.shape
    if tuple(pupil.shape) != (h, w):
        raise ValueError(f"pupil: expected shape {(h, w)} (the images' size), "
                         f"got {tuple(pupil.shape)}")
    H, W = check_shape_2d(object_shape, "object_shape")
    corners = spectrum_windows(shifts, (H, W), (h, w))
    if corners.shape[0] != K:
        raise ValueError(f"shifts: expected {K} rows (one per image), got {corners.shape[0]}")
    check_int(n_iter, "n_iter", minimum=0)
    check_positive(alpha, "alpha")
    check_nonnegative(beta, "beta")
    dtype = pupil.dtype
    amp = torch.sqrt(intensities).to(device=pupil.device, dtype=pupil.real.dtype)
    if obj0 is None:
        obj0 = upsample_image(amp[0], (H, W)).to(dtype)
    else:
        check_complex(obj0, "obj0")
        check_finite(obj0, "obj0")
        if tuple(obj0.shape) != (H, W):
            raise ValueError(f"obj0: expected shape {(H, W)}, got {tuple(obj0.shape)}")
    spec = torch.fft.fftshift(torch.fft.fft2(obj0.to(dtype)))
    support = (pupil.abs() > 0).to(pupil.dtype)
    pupil = pupil.clone()
    scale = (h * w) / (H * W)
    tiny = torch.finfo(amp.dtype).tiny
    total = max(float((amp**2).sum()), tiny)
    history = {"error": []}

    def to_object(s):
        return torch.fft.ifft2(torch.fft.ifftshift(s))

    for it in tqdm(range(n_iter), disable=not progress, desc="FP"):
        err = 0.0
        for k in range(K):
            y0, x0 = int(corners[k, 0]), int(corners[k, 1])
            patch = spec[y0:y0 + h, x0:x0 + w]
            psi = pupil * patch
            g = torch.fft.ifft2(torch.fft.ifftshift(psi)) * scale
            mod = g.abs()
            err += float(((mod - amp[k]) ** 2).sum())
            g_new = amp[k] * g / mod.clamp_min(tiny)
            psi_new = torch.fft.fftshift(torch.fft.fft2(g_new)) / scale
            new_patch, pupil = pie_update(patch, pupil, psi_new - psi, alpha=alpha, beta=beta,
                                          update_probe=update_pupil)
            if update_pupil:
                pupil = pupil * support
            spec[y0:y0 + h, x0:x0 + w] = new_patch
        history["error"].append(err / total)
        if callback is not None:
            callback(it, to_object(spec), pupil.clone())
    return FPResult(to_object(spec), pupil), history


def grating_modulation(image: torch.Tensor, periods, *, pixel_size: float) -> torch.Tensor:
    r"""Modulation depth of each band of a grating chart.

    The chart is :func:`~prcore.measure.fourier_ptychography.grating_chart`.

    For band :math:`i` (rows split as in the chart) the modulation is the
    amplitude of the Fourier component at :math:`1/p_i` relative to the mean,

    .. math:: m_i = \frac{2\,|\langle a(x)\, e^{-2\pi i x/p_i}\rangle|}{\langle a \rangle},

    which is :math:`c/(1-c)` for a perfectly imaged chart (:math:`2c/(1-c)` for a
    period of exactly two pixels) and 0 once the grating is beyond the imager's cutoff.

    Parameters
    ----------
    image : Tensor, shape ``(H, W)``, real
        An amplitude image of the chart.
    periods : sequence of float
        Metres, as given to the chart.
    pixel_size : float
        Metres.

    Returns
    -------
    Tensor, shape ``(len(periods),)``

    Examples
    --------
    >>> from prcore.measure.fourier_ptychography import grating_chart
    >>> a = grating_chart((16, 16), [4e-6, 8e-6], pixel_size=1e-6, contrast=0.25)
    >>> [round(v, 4) for v in grating_modulation(a, [4e-6, 8e-6], pixel_size=1e-6).tolist()]
    [0.3333, 0.3333]
    """
    check_real(image, "image")
    check_finite(image, "image")
    if image.ndim != 2:
        raise ValueError(f"image: expected shape (H, W), got {tuple(image.shape)}")
    check_positive(pixel_size, "pixel_size", "m")
    H, W = image.shape
    periods = [float(p) for p in periods]
    x = torch.arange(W, dtype=torch.float64, device=image.device) * pixel_size
    edges = [round(i * H / len(periods)) for i in range(len(periods) + 1)]
    out = []
    for p, r0, r1 in zip(periods, edges[:-1], edges[1:]):
        band = image[r0:r1].to(torch.float64)
        c = (band * torch.exp(-2j * torch.pi * x / p)).mean()
        out.append(2 * c.abs() / band.mean().abs().clamp_min(1e-300))
    return torch.stack(out)


def resolved_period(modulation: torch.Tensor, periods, *, threshold: float) -> float:
    """The finest period whose modulation exceeds ``threshold`` (``inf`` if none does).

    >>> resolved_period(torch.tensor([0.6, 0.5, 0.01]), [4e-6, 3e-6, 2e-6], threshold=0.1)
    3e-06
    """
    ok = [float(p) for p, m in zip(periods, modulation.tolist()) if m > threshold]
    return min(ok) if ok else float("inf")
