"""Display helpers for amplitude, phase and complex fields (the only matplotlib import)."""

from __future__ import annotations

import math

import numpy as np

from .backend import to_numpy

__all__ = ["complex_to_rgb", "show", "show_field", "compare", "animate_frames"]


def complex_to_rgb(field, *, amplitude_scale: float | None = None) -> np.ndarray:
    """Map a complex field ``(H, W)`` to RGB: hue = phase, brightness = amplitude.

    >>> import torch
    >>> complex_to_rgb(torch.ones(2, 2, dtype=torch.complex64)).shape
    (2, 2, 3)
    """
    from matplotlib.colors import hsv_to_rgb

    u = to_numpy(field)
    if not np.iscomplexobj(u):
        raise TypeError(f"field: expected a complex array, got dtype {u.dtype}")
    amp = np.abs(u)
    scale = amplitude_scale or (amp.max() if amp.max() > 0 else 1.0)
    hsv = np.stack(
        [(np.angle(u) + math.pi) / (2 * math.pi), np.ones_like(amp), np.clip(amp / scale, 0, 1)], -1
    )
    return hsv_to_rgb(hsv)


def _extent(shape, pixel_size, unit):
    if pixel_size is None:
        return None, "pixels"
    scale = {"m": 1.0, "mm": 1e3, "um": 1e6}[unit]
    dy, dx = (pixel_size, pixel_size) if np.isscalar(pixel_size) else pixel_size
    h, w = shape
    return [
        -w / 2 * dx * scale,
        w / 2 * dx * scale,
        h / 2 * dy * scale,
        -h / 2 * dy * scale,
    ], unit.replace("um", "µm")


def show(
    image,
    ax=None,
    *,
    title=None,
    cmap="gray",
    colorbar=True,
    pixel_size=None,
    unit="um",
    vmin=None,
    vmax=None,
    label=None,
):
    """Show a real 2-D image (tensor or array) with an optional colorbar; returns the axes."""
    import matplotlib.pyplot as plt

    img = to_numpy(image)
    if img.ndim != 2 or np.iscomplexobj(img):
        raise ValueError(
            f"image: expected a real 2-D image, got shape {img.shape} and dtype {img.dtype}"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    extent, axis_unit = _extent(img.shape, pixel_size, unit)
    im = ax.imshow(img, cmap=cmap, extent=extent, vmin=vmin, vmax=vmax)
    if extent is not None:
        ax.set_xlabel(f"x ({axis_unit})")
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    if colorbar:
        cb = plt.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        if label:
            cb.set_label(label)
    return ax


def show_field(
    field, ax=None, *, kind: str = "phase", title=None, pixel_size=None, unit="um", colorbar=True
):
    """Show a complex field as ``"amplitude"``, ``"phase"`` (twilight colormap, radians),
    ``"intensity"`` or ``"complex"`` (hue/brightness)."""
    import matplotlib.pyplot as plt

    u = to_numpy(field)
    if u.ndim != 2 or not np.iscomplexobj(u):
        raise ValueError(
            f"field: expected a complex 2-D field, got shape {u.shape} and dtype {u.dtype}"
        )
    if kind == "amplitude":
        return show(np.abs(u), ax, title=title, pixel_size=pixel_size, unit=unit, colorbar=colorbar)
    if kind == "intensity":
        return show(
            np.abs(u) ** 2, ax, title=title, pixel_size=pixel_size, unit=unit, colorbar=colorbar
        )
    if kind == "phase":
        return show(
            np.angle(u),
            ax,
            title=title,
            cmap="twilight",
            pixel_size=pixel_size,
            unit=unit,
            vmin=-math.pi,
            vmax=math.pi,
            colorbar=colorbar,
            label="rad",
        )
    if kind == "complex":
        if ax is None:
            _, ax = plt.subplots(figsize=(4, 4))
        extent, _ = _extent(u.shape, pixel_size, unit)
        ax.imshow(complex_to_rgb(u), extent=extent)
        if title:
            ax.set_title(title, fontsize=10)
        if extent is None:
            ax.set_xticks([])
            ax.set_yticks([])
        return ax
    raise ValueError(f"kind: expected 'amplitude', 'phase', 'intensity' or 'complex', got {kind!r}")


def compare(
    images: dict,
    *,
    ncols: int | None = None,
    cmap="gray",
    size: float = 3.0,
    suptitle=None,
    colorbar=True,
    shared_range: bool = False,
):
    """A grid of titled real images (``{title: image}``); returns the figure.

    Complex entries are shown as their phase. With ``shared_range`` all panels
    share one colour scale.
    """
    import matplotlib.pyplot as plt

    n = len(images)
    if n == 0:
        raise ValueError("images: expected at least one image, got none")
    ncols = ncols or min(n, 4)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    arrays = {k: to_numpy(v) for k, v in images.items()}
    arrays = {k: (np.angle(v) if np.iscomplexobj(v) else v) for k, v in arrays.items()}
    vmin = min(float(a.min()) for a in arrays.values()) if shared_range else None
    vmax = max(float(a.max()) for a in arrays.values()) if shared_range else None
    for ax, (title, img) in zip(axes.flat, arrays.items()):
        show(img, ax, title=title, cmap=cmap, colorbar=colorbar, vmin=vmin, vmax=vmax)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def animate_frames(
    frames, labels, *, cmap="gray", title="", size=4.0, vmin=None, vmax=None, interval=400
):
    """A kernel-free slider: precomputed frames as a self-contained JS/HTML animation.

    Returns an ``IPython.display.HTML`` object (matplotlib's ``to_jshtml``) whose
    slider and buttons work in a static page without a kernel.
    """
    import matplotlib.pyplot as plt
    from IPython.display import HTML
    from matplotlib import animation

    arrs = [to_numpy(f) for f in frames]
    if len(arrs) == 0 or len(arrs) != len(labels):
        raise ValueError(
            f"frames/labels: expected equal, non-zero lengths, got {len(arrs)} and {len(labels)}"
        )
    vmin = min(float(a.min()) for a in arrs) if vmin is None else vmin
    vmax = max(float(a.max()) for a in arrs) if vmax is None else vmax
    fig, ax = plt.subplots(figsize=(size, size))
    im = ax.imshow(arrs[0], cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xticks([])
    ax.set_yticks([])
    ttl = ax.set_title(f"{title}{labels[0]}", fontsize=10)

    def update(i):
        im.set_data(arrs[i])
        ttl.set_text(f"{title}{labels[i]}")
        return im, ttl

    anim = animation.FuncAnimation(fig, update, frames=len(arrs), interval=interval, blit=False)
    plt.rcParams["animation.embed_limit"] = 50.0
    html = HTML(anim.to_jshtml(default_mode="once"))
    plt.close(fig)
    return html
