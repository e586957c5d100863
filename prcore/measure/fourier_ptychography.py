r"""Fourier ptychography: LED-array illumination, a low-NA objective, low-resolution images.

A thin object :math:`o` is lit by a plane wave from LED :math:`k`, tilted by
the spatial frequency :math:`f_k = (\sin\theta_y, \sin\theta_x)/\lambda`. The
tilt shifts the object spectrum; the objective passes only the disc
:math:`|f| \le \mathrm{NA}/\lambda` (the pupil :math:`P`), and the camera
records

.. math:: I_k = \left|\mathcal{F}^{-1}\{P(f)\,\hat o(f + f_k)\}\right|^2 .

Each image is a low-resolution view of a different region of the spectrum;
stitched together they cover a synthetic aperture of
:math:`\mathrm{NA}_{obj} + \mathrm{NA}_{ill}`. Here the high-resolution object
has shape ``(H, W)`` at ``pixel_size`` metres; the images have ``(h, w)``
pixels at ``pixel_size * H / h`` (the camera pitch divided by the
magnification). Spectrum shifts are rounded to whole frequency samples
:math:`1/(H\,\Delta x)`, so each image is a window of the centred spectrum.
"""

from __future__ import annotations

import torch

from .._checks import (
    check_complex,
    check_finite,
    check_positive,
    check_shape_2d,
    check_tensor,
)
from ..optics.grid import pixel_pair
from .intensity import intensity
from .operator import LinearOperator, Operator, register_linear_example
from .ptychography import check_positions, extract_patches, scatter_patches

__all__ = [
    "led_array",
    "led_shifts",
    "circular_pupil",
    "synthetic_na",
    "grating_chart",
    "spectrum_windows",
    "fp_fields",
    "fp_intensity",
    "FourierPtychographyLinear",
    "FourierPtychography",
]


def led_array(n_side: int, *, pitch: float, height: float, wavelength: float):
    r"""Illumination spatial frequencies of an ``n_side x n_side`` LED grid below the sample.

    An LED at :math:`(x, y)` a distance ``height`` below the sample gives

    .. math:: f = \frac{1}{\lambda}\,\frac{(y, x)}{\sqrt{x^2 + y^2 + h^2}},\qquad
              \mathrm{NA}_{ill} = \lambda |f|.

    Parameters
    ----------
    n_side : int
        LEDs per side (odd puts one on the axis).
    pitch, height, wavelength : float
        Metres.

    Returns
    -------
    freqs : Tensor, shape ``(K, 2)``, float64
        ``(fy, fx)`` in cycles/m, sorted by illumination NA (on-axis first).
    na : Tensor, shape ``(K,)``, float64
        Illumination NA of each LED.

    Examples
    --------
    >>> f, na = led_array(3, pitch=4e-3, height=80e-3, wavelength=500e-9)
    >>> f.shape, float(na[0]), round(float(na[-1]), 4)
    (torch.Size([9, 2]), 0.0, 0.0705)
    """
    if isinstance(n_side, bool) or not isinstance(n_side, int) or n_side < 1:
        raise ValueError(f"n_side: expected a positive int, got {n_side!r}")
    check_positive(pitch, "pitch", "m")
    check_positive(height, "height", "m")
    check_positive(wavelength, "wavelength", "m")
    c = (torch.arange(n_side, dtype=torch.float64) - (n_side - 1) / 2) * pitch
    yy, xx = torch.meshgrid(c, c, indexing="ij")
    r = torch.sqrt(xx**2 + yy**2 + height**2)
    freqs = torch.stack([yy / r, xx / r], -1).reshape(-1, 2) / wavelength
    na = torch.linalg.vector_norm(freqs, dim=-1) * wavelength
    order = torch.argsort(na, stable=True)
    return freqs[order], na[order]


def led_shifts(freqs: torch.Tensor, object_shape, pixel_size) -> torch.Tensor:
    r"""Round illumination frequencies to whole samples of the object spectrum.

    .. math:: s_k = \mathrm{round}(f_k\, N \Delta x)

    Returns an int64 tensor ``(K, 2)`` of ``(row, column)`` shifts.

    >>> led_shifts(torch.tensor([[0.0, 1e5]]), (64, 64), 1e-6).tolist()
    [[0, 6]]
    """
    check_tensor(freqs, "freqs")
    if freqs.ndim != 2 or freqs.shape[-1] != 2:
        raise ValueError(f"freqs: expected shape (K, 2), got {tuple(freqs.shape)}")
    H, W = check_shape_2d(object_shape, "object_shape")
    dy, dx = pixel_pair(pixel_size)
    scale = torch.tensor([H * dy, W * dx], dtype=torch.float64, device=freqs.device)
    return torch.round(freqs.to(torch.float64) * scale).to(torch.int64)


def circular_pupil(shape, *, na: float, wavelength: float, pixel_size, dtype=torch.complex64,
                   device=None) -> torch.Tensor:
    r"""Coherent transfer function of an aberration-free objective, centred (``fftshift`` order).

    .. math:: P(f) = \mathbb{1}\left[|f| \le \mathrm{NA}/\lambda\right]

    ``shape`` and ``pixel_size`` are those of the low-resolution images.

    >>> p = circular_pupil((16, 16), na=0.1, wavelength=500e-9, pixel_size=1e-6)
    >>> int(p.real.sum()), float(p[8, 8].real)
    (37, 1.0)
    """
    h, w = check_shape_2d(shape)
    check_positive(na, "na")
    check_positive(wavelength, "wavelength", "m")
    dy, dx = pixel_pair(pixel_size)
    fy = torch.fft.fftshift(torch.fft.fftfreq(h, d=dy, dtype=torch.float64, device=device))
    fx = torch.fft.fftshift(torch.fft.fftfreq(w, d=dx, dtype=torch.float64, device=device))
    inside = fy[:, None] ** 2 + fx[None, :] ** 2 <= (na / wavelength) ** 2
    return inside.to(dtype)


def synthetic_na(na_obj: float, na_illumination) -> float:
    r"""Synthetic NA of FP, :math:`\mathrm{NA}_{obj} + \max_k \mathrm{NA}_{ill,k}`.

    >>> synthetic_na(0.1, torch.tensor([0.0, 0.15]))
    0.25
    """
    check_positive(na_obj, "na_obj")
    return float(na_obj) + float(torch.as_tensor(na_illumination).max())


def grating_chart(shape, periods, *, pixel_size: float, contrast: float = 0.4,
                  dtype=torch.float32) -> torch.Tensor:
    r"""Amplitude test chart: horizontal bands of vertical sinusoidal gratings.

    Band :math:`i` (of ``len(periods)`` equal bands) holds

    .. math:: a(x) = 1 - c + c\cos(2\pi x / p_i),

    so its Fourier content sits only at :math:`0` and :math:`\pm 1/p_i`. A coherent
    imager of numerical aperture NA passes the grating only if :math:`1/p_i \le
    \mathrm{NA}/\lambda`, which makes the chart a direct resolution (NA) test.

    Parameters
    ----------
    shape : (int, int)
        ``(H, W)``.
    periods : sequence of float
        Grating periods in metres (choose ``W * pixel_size / p`` integer to avoid leakage).
    pixel_size : float
        Metres.
    contrast : float
        :math:`c` in (0, 0.5].

    Returns
    -------
    Tensor, shape ``(H, W)``, real, in ``[1 - 2c, 1]``

    Examples
    --------
    >>> a = grating_chart((8, 8), [4e-6, 2e-6], pixel_size=1e-6)
    >>> a.shape, round(float(a.max()), 4), round(float(a.min()), 4)
    (torch.Size([8, 8]), 1.0, 0.2)
    """
    H, W = check_shape_2d(shape)
    check_positive(pixel_size, "pixel_size", "m")
    if not 0 < contrast <= 0.5:
        raise ValueError(f"contrast: expected a value in (0, 0.5], got {contrast!r}")
    periods = [float(p) for p in periods]
    if not periods:
        raise ValueError("periods: expected at least one grating period, got none")
    for p in periods:
        check_positive(p, "periods", "m")
    x = torch.arange(W, dtype=torch.float64) * pixel_size
    out = torch.empty(H, W, dtype=torch.float64)
    edges = [round(i * H / len(periods)) for i in range(len(periods) + 1)]
    for p, r0, r1 in zip(periods, edges[:-1], edges[1:]):
        out[r0:r1] = 1 - contrast + contrast * torch.cos(2 * torch.pi * x / p)
    return out.to(dtype)


def spectrum_windows(shifts: torch.Tensor, object_shape, image_shape) -> torch.Tensor:
    """Top-left corners ``(K, 2)`` of the ``(h, w)`` windows of the centred object spectrum.

    Window ``k`` is centred on the sample ``(H//2, W//2) + shifts[k]``; raises if
    one falls outside the object's spectrum (the object grid is too coarse for
    that illumination angle).

    >>> spectrum_windows(torch.tensor([[0, 0], [0, 3]]), (16, 16), (8, 8)).tolist()
    [[4, 4], [4, 7]]
    """
    H, W = check_shape_2d(object_shape, "object_shape")
    h, w = check_shape_2d(image_shape, "image_shape")
    check_tensor(shifts, "shifts")
    if shifts.ndim != 2 or shifts.shape[-1] != 2:
        raise ValueError(f"shifts: expected shape (K, 2), got {tuple(shifts.shape)}")
    centre = torch.tensor([H // 2 - h // 2, W // 2 - w // 2], dtype=torch.int64,
                          device=shifts.device)
    corners = shifts.to(torch.int64) + centre
    try:
        return check_positions(corners, (H, W), (h, w), "shifts")
    except ValueError as err:
        raise ValueError(f"{err}; the high-resolution grid must hold every shifted pupil: "
                         "use a finer object pixel_size or a smaller illumination NA") from None


def _check_object(obj):
    check_complex(obj, "obj")
    check_finite(obj, "obj")
    if obj.ndim < 2:
        raise ValueError(f"obj: expected at least 2 dimensions (..., H, W), got {tuple(obj.shape)}")
    return obj


def fp_fields(obj: torch.Tensor, pupil: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    r"""Low-resolution complex fields :math:`g_k = c\,\mathcal{F}_h^{-1}\{P\,\hat o(f + f_k)\}`.

    The scale :math:`c = hw/(HW)` makes a uniform object of value 1 give images of 1.

    Parameters
    ----------
    obj : Tensor, shape ``(..., H, W)``, complex
    pupil : Tensor, shape ``(h, w)``, complex, centred
    shifts : Tensor, shape ``(K, 2)``, integer

    Returns
    -------
    Tensor, shape ``(..., K, h, w)``, complex
    """
    _check_object(obj)
    check_complex(pupil, "pupil")
    H, W = obj.shape[-2:]
    h, w = pupil.shape[-2:]
    corners = spectrum_windows(shifts, (H, W), (h, w))
    spec = torch.fft.fftshift(torch.fft.fft2(obj), dim=(-2, -1))
    win = extract_patches(spec, corners, (h, w)) * pupil.to(obj.dtype)
    scale = (h * w) / (H * W)
    return torch.fft.ifft2(torch.fft.ifftshift(win, dim=(-2, -1))) * scale


def fp_intensity(obj: torch.Tensor, pupil: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    r"""Low-resolution Fourier-ptychographic images.

    .. math:: I_k = \left|\tfrac{hw}{HW}\,\mathcal{F}_h^{-1}\{P(f)\,\hat o(f + f_k)\}\right|^2

    Parameters
    ----------
    obj : Tensor, shape ``(..., H, W)``, complex
        High-resolution object transmission at ``pixel_size``.
    pupil : Tensor, shape ``(h, w)``, complex
        Centred pupil on the images' frequency grid (:func:`circular_pupil`).
    shifts : Tensor, shape ``(K, 2)``, integer
        Spectrum shifts from :func:`led_shifts`.

    Returns
    -------
    Tensor, shape ``(..., K, h, w)``, real

    Raises
    ------
    TypeError
        Real ``obj`` or ``pupil``.
    ValueError
        A shifted pupil falls outside the object's spectrum.

    References
    ----------
    1. G. Zheng, R. Horstmeyer, C. Yang, "Wide-field, high-resolution Fourier
       ptychographic microscopy," Nat. Photonics 7, 739 (2013).

    Examples
    --------
    >>> obj = torch.ones(32, 32, dtype=torch.complex64)
    >>> pupil = circular_pupil((8, 8), na=0.1, wavelength=500e-9, pixel_size=4e-6)
    >>> I = fp_intensity(obj, pupil, torch.tensor([[0, 0], [0, 6]]))
    >>> round(float(I[0].mean()), 4), round(float(I[1].mean()), 4)  # bright field, dark field
    (1.0, 0.0)
    """
    return intensity(fp_fields(obj, pupil, shifts))


class FourierPtychographyLinear(LinearOperator):
    r"""The linear part of FP: object :math:`\mapsto` low-resolution fields ``(..., K, h, w)``.

    ``A_adjoint`` pads each image's spectrum (times :math:`\bar P`) back into its
    window of the object spectrum and sums, then inverse-transforms.

    Examples
    --------
    >>> pupil = circular_pupil((8, 8), na=0.1, wavelength=500e-9, pixel_size=4e-6)
    >>> op = FourierPtychographyLinear(pupil, torch.tensor([[0, 0], [2, -1]]), (32, 32))
    >>> op.A(torch.ones(32, 32, dtype=torch.complex64)).shape
    torch.Size([2, 8, 8])
    """

    def __init__(self, pupil: torch.Tensor, shifts: torch.Tensor, object_shape):
        super().__init__()
        check_complex(pupil, "pupil")
        if pupil.ndim != 2:
            raise ValueError(f"pupil: expected shape (h, w), got {tuple(pupil.shape)}")
        self.object_shape = check_shape_2d(object_shape, "object_shape")
        self.register_buffer("pupil", pupil)
        self.register_buffer("shifts", shifts.to(torch.int64))
        self.register_buffer("corners", spectrum_windows(shifts, self.object_shape, pupil.shape))

    def A(self, x):  # noqa: N802
        _check_object(x)
        if tuple(x.shape[-2:]) != self.object_shape:
            raise ValueError(f"x: expected last dimensions {self.object_shape}, "
                             f"got {tuple(x.shape)}")
        return fp_fields(x, self.pupil, self.shifts)

    def A_adjoint(self, y):  # noqa: N802
        check_complex(y, "y")
        spec = torch.fft.fftshift(torch.fft.fft2(y), dim=(-2, -1)) * self.pupil.conj().to(y.dtype)
        full = scatter_patches(spec, self.corners, self.object_shape)
        return torch.fft.ifft2(torch.fft.ifftshift(full, dim=(-2, -1)))


class FourierPtychography(Operator):
    """The nonlinear FP measurement ``o -> |A o|^2``; see :func:`fp_intensity`."""

    def __init__(self, pupil: torch.Tensor, shifts: torch.Tensor, object_shape):
        super().__init__()
        self.linear = FourierPtychographyLinear(pupil, shifts, object_shape)

    def A(self, x):  # noqa: N802
        return intensity(self.linear.A(x))


@register_linear_example("FourierPtychographyLinear")
def _example_fp(dtype, device):
    g = torch.Generator().manual_seed(0)
    pupil = torch.randn(6, 7, dtype=dtype, generator=g).to(device)
    shifts = torch.tensor([[0, 0], [1, -2], [-3, 2], [2, 3]], device=device)
    return FourierPtychographyLinear(pupil, shifts, (16, 18)), (2, 16, 18)

