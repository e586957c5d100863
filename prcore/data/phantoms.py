r"""Seeded test objects: shipped images mapped to amplitude/phase, and procedural phantoms.

Every phantom is generated here or read from an image that scikit-image or
scikit-learn ship inside their packages; nothing is downloaded.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from .._checks import check_finite, check_positive, check_real, check_shape_2d
from ..backend import as_generator, as_tensor
from ..optics.zernike import zernike_basis

__all__ = [
    "SKIMAGE_IMAGES",
    "load_image",
    "lfw_faces",
    "digits",
    "resize",
    "normalize",
    "complex_field",
    "image_phantom",
    "gaussian_bumps",
    "cell_phantom",
    "zernike_surface",
    "random_patches",
]

SKIMAGE_IMAGES = ("camera", "cell", "coins", "moon", "astronaut", "brick", "grass", "gravel",
                  "text", "page", "horse", "clock", "coffee", "chelsea", "rocket",
                  "immunohistochemistry")


def normalize(img: torch.Tensor) -> torch.Tensor:
    """Scale each image ``(..., H, W)`` to [0, 1] (constant images become 0)."""
    check_real(img, "img")
    lo = img.amin(dim=(-2, -1), keepdim=True)
    hi = img.amax(dim=(-2, -1), keepdim=True)
    return (img - lo) / (hi - lo).clamp_min(torch.finfo(img.dtype).eps)


def resize(img: torch.Tensor, shape) -> torch.Tensor:
    """Resize ``(..., H, W)`` real images to ``shape`` (bilinear, antialiased when shrinking)."""
    check_real(img, "img")
    h, w = check_shape_2d(shape)
    lead = img.shape[:-2]
    x = img.reshape(-1, 1, *img.shape[-2:])
    shrink = x.shape[-2] > h or x.shape[-1] > w
    y = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=shrink)
    return y.reshape(*lead, h, w)


def load_image(name: str, shape=None, *, dtype=torch.float32) -> torch.Tensor:
    """A grey-level image shipped with scikit-image, in [0, 1], shape ``(H, W)``.

    Parameters
    ----------
    name : str
        One of :data:`SKIMAGE_IMAGES` (``"camera"``, ``"cell"``, ``"coins"``, ...).
    shape : tuple of int, optional
        Resize to ``(H, W)``; the central square crop is taken first if ``H == W``.

    Examples
    --------
    >>> load_image("camera", (64, 64)).shape
    torch.Size([64, 64])
    """
    if name not in SKIMAGE_IMAGES:
        raise ValueError(f"name: expected one of {SKIMAGE_IMAGES}, got {name!r}")
    import skimage.data
    from skimage.color import rgb2gray

    arr = getattr(skimage.data, name)()
    if arr.ndim == 3:
        arr = rgb2gray(arr[..., :3])
    img = normalize(torch.as_tensor(np.asarray(arr, dtype=np.float64)))
    if shape is not None:
        h, w = check_shape_2d(shape)
        if h == w:
            s = min(img.shape)
            t, l = (img.shape[0] - s) // 2, (img.shape[1] - s) // 2
            img = img[t:t + s, l:l + s]
        img = normalize(resize(img, (h, w)))
    return img.to(dtype)


def lfw_faces(shape=None, *, dtype=torch.float32) -> torch.Tensor:
    """The 200 LFW face crops scikit-image ships (25×25 px), in [0, 1], shape ``(200, H, W)``."""
    import skimage.data

    faces = torch.as_tensor(np.asarray(skimage.data.lfw_subset(), dtype=np.float64))
    faces = normalize(faces)
    if shape is not None:
        faces = normalize(resize(faces, shape))
    return faces.to(dtype)


def digits(shape=None, *, dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 1797 handwritten digits (8×8), in [0, 1]; returns ``(images, labels)``."""
    from sklearn.datasets import load_digits

    d = load_digits()
    imgs = torch.as_tensor(d.images / 16.0)
    if shape is not None:
        imgs = resize(imgs, shape).clamp(0, 1)
    return imgs.to(dtype), torch.as_tensor(d.target)


def random_patches(image: torch.Tensor, n: int, size: int, *, rng=None) -> torch.Tensor:
    """``n`` random ``size``×``size`` crops of an image ``(H, W)``, each rescaled to [0, 1].

    >>> random_patches(load_image("camera"), 3, 32, rng=0).shape
    torch.Size([3, 32, 32])
    """
    check_real(image, "image")
    h, w = image.shape[-2:]
    if size > min(h, w):
        raise ValueError(f"size: expected <= {min(h, w)} for an image of shape "
                         f"{tuple(image.shape)}, got {size}")
    g = as_generator(rng)
    ys = torch.randint(0, h - size + 1, (n,), generator=g)
    xs = torch.randint(0, w - size + 1, (n,), generator=g)
    crops = [image[y:y + size, x:x + size] for y, x in zip(ys.tolist(), xs.tolist())]
    return normalize(torch.stack(crops))


def complex_field(amplitude=None, phase=None, *, dtype=torch.complex64) -> torch.Tensor:
    r"""Build :math:`a\,e^{i\phi}` from real amplitude and/or phase maps (either may be None).

    >>> u = complex_field(torch.ones(2, 2), torch.full((2, 2), math.pi))
    >>> bool(torch.allclose(u, -torch.ones(2, 2, dtype=torch.complex64)))
    True
    """
    if amplitude is None and phase is None:
        raise ValueError("complex_field: expected an amplitude, a phase, or both; got neither")
    ref = amplitude if amplitude is not None else phase
    ref = as_tensor(ref)
    rdt = torch.float64 if dtype == torch.complex128 else torch.float32
    if amplitude is not None:
        a = as_tensor(amplitude, dtype=rdt)
    else:
        a = torch.ones(ref.shape, dtype=rdt)
    p = as_tensor(phase, dtype=rdt) if phase is not None else torch.zeros(ref.shape, dtype=rdt)
    check_finite(a, "amplitude")
    check_finite(p, "phase")
    if (a < 0).any():
        raise ValueError(f"amplitude: expected values >= 0, got min {float(a.min()):.3g}")
    return torch.polar(a, p.to(a.device)).to(dtype)


def image_phantom(name: str = "camera", shape=(128, 128), *, max_phase: float = math.pi,
                  amplitude: str | float = 1.0, dtype=torch.complex64) -> torch.Tensor:
    """A complex object whose phase is a shipped image scaled to ``[0, max_phase]``.

    ``amplitude`` is a constant, or the name of another shipped image mapped to
    [0.5, 1] (a weakly absorbing object).

    >>> image_phantom("camera", (32, 32)).shape
    torch.Size([32, 32])
    """
    phase = load_image(name, shape, dtype=torch.float64) * max_phase
    if isinstance(amplitude, str):
        amp = 0.5 + 0.5 * load_image(amplitude, shape, dtype=torch.float64)
    else:
        check_positive(amplitude, "amplitude")
        amp = torch.full_like(phase, float(amplitude))
    return complex_field(amp, phase, dtype=dtype)


def gaussian_bumps(shape, n_bumps: int = 5, *, rng=None, width=(0.05, 0.15), height=(0.3, 1.0),
                   dtype=torch.float32) -> torch.Tensor:
    """Sum of ``n_bumps`` random Gaussian bumps, shape ``(H, W)``.

    Widths are fractions of the smaller side; heights are drawn in ``height``.

    >>> b = gaussian_bumps((32, 32), 3, rng=0)
    >>> b.shape, bool(b.min() >= 0)
    (torch.Size([32, 32]), True)
    """
    h, w = check_shape_2d(shape)
    g = as_generator(rng)
    y = torch.arange(h, dtype=torch.float64).reshape(h, 1)
    x = torch.arange(w, dtype=torch.float64).reshape(1, w)
    out = torch.zeros(h, w, dtype=torch.float64)
    side = min(h, w)
    for _ in range(n_bumps):
        u = torch.rand(4, generator=g, dtype=torch.float64)
        cy, cx = u[0] * h, u[1] * w
        s = (width[0] + (width[1] - width[0]) * u[2]) * side
        a = height[0] + (height[1] - height[0]) * u[3]
        out += a * torch.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * s**2))
    return out.to(dtype)


def cell_phantom(shape, *, n_cells: int = 3, rng=None, max_phase: float = 2.0, dtype=torch.float32):
    r"""Phase map of a few cells: smooth ellipsoids with a denser nucleus and granules.

    The optical thickness of an ellipsoid is :math:`\propto\sqrt{1-r^2}` inside
    its boundary; the nucleus adds a smaller ellipsoid. Scaled so the maximum is
    ``max_phase`` radians.

    >>> p = cell_phantom((64, 64), rng=1)
    >>> round(float(p.max()), 4)
    2.0
    """
    h, w = check_shape_2d(shape)
    g = as_generator(rng)
    y = torch.arange(h, dtype=torch.float64).reshape(h, 1)
    x = torch.arange(w, dtype=torch.float64).reshape(1, w)
    out = torch.zeros(h, w, dtype=torch.float64)
    side = min(h, w)

    def ellipsoid(cy, cx, ry, rx, ang):
        c, s = math.cos(ang), math.sin(ang)
        yy, xx = y - cy, x - cx
        u = (c * xx + s * yy) / rx
        v = (-s * xx + c * yy) / ry
        return torch.sqrt((1 - u**2 - v**2).clamp_min(0))

    for _ in range(n_cells):
        r = torch.rand(8, generator=g, dtype=torch.float64).tolist()
        cy, cx = (0.2 + 0.6 * r[0]) * h, (0.2 + 0.6 * r[1]) * w
        ry = (0.12 + 0.1 * r[2]) * side
        rx = (0.12 + 0.1 * r[3]) * side
        ang = math.pi * r[4]
        out += ellipsoid(cy, cx, ry, rx, ang)
        out += 0.8 * ellipsoid(cy + 0.2 * ry * (r[5] - 0.5), cx + 0.2 * rx * (r[6] - 0.5),
                               0.4 * ry, 0.4 * rx, ang + r[7])
        for _ in range(4):
            q = torch.rand(2, generator=g, dtype=torch.float64).tolist()
            gy, gx = cy + 0.6 * ry * (q[0] - 0.5), cx + 0.6 * rx * (q[1] - 0.5)
            out += 0.15 * ellipsoid(gy, gx, 0.08 * side, 0.08 * side, 0.0)
    out = out / out.max().clamp_min(1e-12) * max_phase
    return out.to(dtype)


def zernike_surface(shape, coefficients, *, start: int = 2, dtype=torch.float32) -> torch.Tensor:
    """Wavefront ``sum_j c_j Z_j`` (radians) on the inscribed disk, Noll indices from ``start``.

    >>> s = zernike_surface((33, 33), [0.0, 0.0, 1.0])  # pure defocus (Z4)
    >>> round(float(s[16, 16]), 4)
    -1.7321
    """
    c = torch.as_tensor(coefficients, dtype=torch.float64)
    if c.ndim != 1 or c.numel() == 0:
        raise ValueError(
            f"coefficients: expected a non-empty 1-D sequence, got shape {tuple(c.shape)}"
        )
    check_finite(c, "coefficients")
    basis = zernike_basis(c.numel(), shape, start=start)
    return torch.einsum("j,jhw->hw", c, basis).to(dtype)
