r"""Real-space ptychography: scan positions, probes and the far-field forward model.

A localised probe :math:`P` illuminates the object :math:`O` at overlapping
positions :math:`r_k`; the detector in the far field records

.. math:: I_k = |\mathcal{F}\{P \cdot O_{r_k}\}|^2, \qquad k = 1, \dots, K,

where :math:`O_{r_k}` is the ``(h, w)`` window of the object at the ``k``-th
position. Positions are integer top-left corners of the window in object
pixels, shape ``(K, 2)`` as ``(row, column)``. The Fourier transform is the
unitary ``torch.fft.fft2(..., norm="ortho")`` and patterns are in FFT order
(zero frequency at index ``[0, 0]``; ``torch.fft.fftshift`` them to display).
"""

from __future__ import annotations

import math

import torch

from .._checks import (
    check_complex,
    check_finite,
    check_min_ndim,
    check_nonnegative,
    check_positive,
    check_shape_2d,
    check_tensor,
)
from ..backend import as_generator
from ..optics.grid import coordinates
from ..optics.propagation import angular_spectrum
from .intensity import intensity
from .operator import LinearOperator, Operator, register_linear_example

__all__ = [
    "raster_scan",
    "step_for_overlap",
    "overlap_ratio",
    "circular_probe",
    "probe_diameter",
    "extract_patches",
    "scatter_patches",
    "check_positions",
    "exit_waves",
    "ptychography_intensity",
    "PtychographyLinear",
    "Ptychography",
]


def raster_scan(object_shape, probe_shape, step: float, *, jitter: float = 0.0,
                rng=None) -> torch.Tensor:
    r"""Integer top-left positions of a raster scan that covers the object, with optional jitter.

    Rows and columns of windows start at 0 and advance by ``step`` pixels until
    the last window touches the far edge (which is always included). Each
    position then moves by a uniform random offset in ``[-jitter, jitter]``
    pixels (clamped to the object), which breaks the periodic raster grid
    pathology of ptychography with an unknown probe.

    Parameters
    ----------
    object_shape : (int, int)
        ``(H, W)`` of the object in pixels.
    probe_shape : (int, int)
        ``(h, w)`` of the probe window, at most ``(H, W)``.
    step : float
        Distance between neighbouring positions, pixels (> 0).
    jitter : float
        Maximum random offset, pixels (>= 0).
    rng : torch.Generator, int or None
        Randomness for the jitter.

    Returns
    -------
    Tensor, shape ``(K, 2)``, int64
        ``(row, column)`` of each window's top-left corner.

    Raises
    ------
    ValueError
        Non-positive ``step``, negative ``jitter``, or a probe larger than the object.

    Examples
    --------
    >>> raster_scan((8, 8), (4, 4), 2).shape
    torch.Size([9, 2])
    >>> raster_scan((8, 8), (4, 4), 4)[:, 1].tolist()
    [0, 4, 0, 4]
    """
    H, W = check_shape_2d(object_shape, "object_shape")
    h, w = check_shape_2d(probe_shape, "probe_shape")
    check_positive(step, "step", "pixels")
    check_nonnegative(jitter, "jitter", "pixels")
    if h > H or w > W:
        raise ValueError(f"probe_shape: expected at most object_shape {(H, W)}, got {(h, w)}")

    def axis(n, m):
        last = n - m
        pos = [round(i * step) for i in range(int(math.floor(last / step)) + 1)]
        if pos[-1] != last:
            pos.append(last)
        return torch.tensor(pos, dtype=torch.float64)

    ry, rx = axis(H, h), axis(W, w)
    pos = torch.stack(torch.meshgrid(ry, rx, indexing="ij"), -1).reshape(-1, 2)
    if jitter > 0:
        g = as_generator(rng)
        pos = pos + (2 * torch.rand(pos.shape, generator=g, dtype=torch.float64) - 1) * jitter
    pos = torch.round(pos)
    pos[:, 0] = pos[:, 0].clamp(0, H - h)
    pos[:, 1] = pos[:, 1].clamp(0, W - w)
    return pos.to(torch.int64)


def step_for_overlap(diameter: float, overlap: float) -> float:
    r"""Scan step (pixels) giving a linear overlap ratio ``overlap`` for a probe of ``diameter``.

    .. math:: s = d\,(1 - o)

    >>> step_for_overlap(20, 0.6)
    8.0
    """
    check_positive(diameter, "diameter", "pixels")
    check_nonnegative(overlap, "overlap")
    if overlap >= 1:
        raise ValueError(f"overlap: expected a ratio in [0, 1), got {overlap!r}")
    return float(diameter) * (1.0 - float(overlap))


def overlap_ratio(step: float, diameter: float, *, kind: str = "linear") -> float:
    r"""Overlap of two circular probes of ``diameter`` whose centres are ``step`` apart.

    ``kind="linear"`` is :math:`o = 1 - s/d` (Bunk et al. 2008); ``kind="area"`` is
    the fraction of the disk's area shared with its neighbour,

    .. math:: o_A = \frac{2}{\pi}\left(\arccos\frac{s}{d}
              - \frac{s}{d}\sqrt{1-\frac{s^2}{d^2}}\right).

    Both are 0 for ``step >= diameter``.

    References
    ----------
    1. O. Bunk, M. Dierolf, S. Kynde, I. Johnson, O. Marti, F. Pfeiffer, "Influence of the
       overlap parameter on the convergence of the ptychographical iterative engine,"
       Ultramicroscopy 108, 481 (2008).

    Examples
    --------
    >>> overlap_ratio(8, 20)
    0.6
    >>> round(overlap_ratio(0, 20, kind="area"), 6)
    1.0
    """
    check_nonnegative(step, "step", "pixels")
    check_positive(diameter, "diameter", "pixels")
    t = min(float(step) / float(diameter), 1.0)
    if kind == "linear":
        return 1.0 - t
    if kind == "area":
        return (2 / math.pi) * (math.acos(t) - t * math.sqrt(1 - t * t))
    raise ValueError(f"kind: expected 'linear' or 'area', got {kind!r}")


def circular_probe(shape, *, radius: float, pixel_size: float, wavelength: float,
                   defocus: float = 0.0, dtype=torch.complex64, device=None) -> torch.Tensor:
    r"""A pinhole probe: a circular aperture of ``radius`` propagated by ``defocus`` metres.

    .. math:: P = \mathcal{P}_{z}\{\mathrm{circ}(r / a)\}

    with :math:`\mathcal{P}_z` the band-limited angular spectrum. Defocus spreads the
    probe's Fourier spectrum and gives it a curved phase, as in typical
    experiments. The probe is scaled so that its maximum amplitude is 1.

    Parameters
    ----------
    shape : (int, int)
        ``(h, w)`` samples of the probe window.
    radius : float
        Aperture radius in metres.
    pixel_size, wavelength, defocus : float
        Metres.

    Returns
    -------
    Tensor, shape ``(h, w)``, complex

    Examples
    --------
    >>> p = circular_probe((32, 32), radius=8e-6, pixel_size=1e-6, wavelength=500e-9, defocus=20e-6)
    >>> p.shape, round(float(p.abs().max()), 4)
    (torch.Size([32, 32]), 1.0)
    """
    h, w = check_shape_2d(shape)
    check_positive(radius, "radius", "m")
    check_positive(pixel_size, "pixel_size", "m")
    check_positive(wavelength, "wavelength", "m")
    y, x = coordinates((h, w), pixel_size, device=device)
    ap = ((y**2 + x**2) <= radius**2).to(torch.complex128)
    if defocus != 0:
        ap = angular_spectrum(ap, float(defocus), wavelength, pixel_size)
    ap = ap / ap.abs().max()
    return ap.to(dtype)


def probe_diameter(probe: torch.Tensor, *, energy: float = 0.9) -> float:
    r"""Diameter (pixels) of the disc about the intensity centroid holding ``energy`` of the power.

    This encircled-energy width is the :math:`d` of the overlap ratio
    :math:`1 - s/d`; for a mildly defocused pinhole it is close to the pinhole diameter.

    >>> p = torch.zeros(33, 33, dtype=torch.complex64); p[16, 16] = 1
    >>> probe_diameter(p)
    0.0
    """
    check_complex(probe, "probe")
    check_finite(probe, "probe")
    if probe.ndim != 2:
        raise ValueError(f"probe: expected shape (h, w), got {tuple(probe.shape)}")
    if not 0 < energy < 1:
        raise ValueError(f"energy: expected a fraction in (0, 1), got {energy!r}")
    w = (probe.abs() ** 2).to(torch.float64)
    total = w.sum()
    if float(total) == 0:
        raise ValueError("probe: expected a probe with non-zero power, got all zeros")
    w = w / total
    h, wd = probe.shape
    y = torch.arange(h, dtype=torch.float64, device=probe.device)[:, None]
    x = torch.arange(wd, dtype=torch.float64, device=probe.device)[None, :]
    r = torch.sqrt((y - (w * y).sum()) ** 2 + (x - (w * x).sum()) ** 2).flatten()
    rs, order = torch.sort(r)
    cum = torch.cumsum(w.flatten()[order], 0)
    return 2 * float(rs[int((cum < energy).sum())])


def check_positions(positions, object_shape, window_shape, name: str = "positions") -> torch.Tensor:
    """Validate integer window positions ``(K, 2)`` inside an object; return them as int64."""
    check_tensor(positions, name)
    if positions.ndim != 2 or positions.shape[-1] != 2 or positions.shape[0] == 0:
        raise ValueError(f"{name}: expected shape (K, 2) with K >= 1, got {tuple(positions.shape)}")
    if positions.is_complex() or positions.is_floating_point():
        if not bool((positions == torch.round(positions)).all()):
            raise ValueError(f"{name}: expected integer pixel positions, got fractional values")
    H, W = object_shape
    h, w = window_shape
    pos = positions.to(torch.int64)
    lo, hi_y, hi_x = int(pos.min()), int(pos[:, 0].max()), int(pos[:, 1].max())
    if lo < 0 or hi_y > H - h or hi_x > W - w:
        raise ValueError(f"{name}: expected windows of {(h, w)} inside {(H, W)} "
                         f"(0 <= row <= {H - h}, 0 <= column <= {W - w}), "
                         f"got rows {int(pos[:, 0].min())}..{hi_y} and "
                         f"columns {int(pos[:, 1].min())}..{hi_x}")
    return pos


def _flat_index(positions, window_shape, W, device):
    h, w = window_shape
    iy = positions[:, 0, None, None].to(device) + torch.arange(h, device=device)[None, :, None]
    ix = positions[:, 1, None, None].to(device) + torch.arange(w, device=device)[None, None, :]
    return iy * W + ix  # (K, h, w)


def extract_patches(obj: torch.Tensor, positions: torch.Tensor, window_shape) -> torch.Tensor:
    r"""Windows of ``obj`` at ``positions``: :math:`(S_k O)(r) = O(r + r_k)`.

    Parameters
    ----------
    obj : Tensor, shape ``(..., H, W)``
    positions : Tensor, shape ``(K, 2)``, integer
        Top-left corners ``(row, column)``.
    window_shape : (int, int)
        ``(h, w)``.

    Returns
    -------
    Tensor, shape ``(..., K, h, w)``

    Examples
    --------
    >>> o = torch.arange(16.0).reshape(4, 4)
    >>> extract_patches(o, torch.tensor([[1, 2]]), (2, 2)).tolist()
    [[[6.0, 7.0], [10.0, 11.0]]]
    """
    check_tensor(obj, "obj")
    check_min_ndim(obj, 2, "obj")
    H, W = obj.shape[-2:]
    h, w = check_shape_2d(window_shape, "window_shape")
    pos = check_positions(positions, (H, W), (h, w))
    idx = _flat_index(pos, (h, w), W, obj.device)
    flat = obj.reshape(*obj.shape[:-2], H * W)
    return flat[..., idx.reshape(-1)].reshape(*obj.shape[:-2], pos.shape[0], h, w)


def scatter_patches(patches: torch.Tensor, positions: torch.Tensor, object_shape) -> torch.Tensor:
    r"""Adjoint of :func:`extract_patches`: add each window back, :math:`\sum_k S_k^T p_k`.

    Parameters
    ----------
    patches : Tensor, shape ``(..., K, h, w)``
    positions : Tensor, shape ``(K, 2)``, integer
    object_shape : (int, int)

    Returns
    -------
    Tensor, shape ``(..., H, W)``

    Examples
    --------
    >>> p = torch.ones(2, 2, 2)
    >>> scatter_patches(p, torch.tensor([[0, 0], [0, 1]]), (2, 3)).tolist()
    [[1.0, 2.0, 1.0], [1.0, 2.0, 1.0]]
    """
    check_tensor(patches, "patches")
    check_min_ndim(patches, 3, "patches", "(..., K, h, w)")
    H, W = check_shape_2d(object_shape, "object_shape")
    K, h, w = patches.shape[-3:]
    pos = check_positions(positions, (H, W), (h, w))
    if pos.shape[0] != K:
        raise ValueError(f"positions: expected {K} rows (one per patch), got {pos.shape[0]}")
    idx = _flat_index(pos, (h, w), W, patches.device).reshape(-1)
    lead = patches.shape[:-3]
    out = torch.zeros(*lead, H * W, dtype=patches.dtype, device=patches.device)
    out = out.index_add(-1, idx, patches.reshape(*lead, K * h * w))
    return out.reshape(*lead, H, W)


def _check_probe(probe):
    check_complex(probe, "probe")
    check_min_ndim(probe, 2, "probe")
    check_finite(probe, "probe")
    return probe


def exit_waves(obj: torch.Tensor, probe: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    r"""Exit waves :math:`\psi_k = P \cdot O_{r_k}`, shape ``(..., K, h, w)``.

    ``probe`` has shape ``(..., h, w)`` broadcastable with ``obj.shape[:-2]``.

    >>> o = torch.ones(4, 4, dtype=torch.complex64)
    >>> p = 2 * torch.ones(2, 2, dtype=torch.complex64)
    >>> exit_waves(o, p, torch.tensor([[0, 0], [2, 2]])).shape
    torch.Size([2, 2, 2])
    """
    check_complex(obj, "obj")
    check_finite(obj, "obj")
    _check_probe(probe)
    patches = extract_patches(obj, positions, probe.shape[-2:])
    return probe.unsqueeze(-3) * patches


def ptychography_intensity(obj: torch.Tensor, probe: torch.Tensor,
                           positions: torch.Tensor) -> torch.Tensor:
    r"""Far-field ptychographic diffraction patterns.

    .. math:: I_k = \left|\mathcal{F}\{P \cdot O_{r_k}\}\right|^2

    with the unitary FFT, so :math:`\sum I_k = \sum_k \|P\,O_{r_k}\|^2` (Parseval).

    Parameters
    ----------
    obj : Tensor, shape ``(..., H, W)``, complex
        Object transmission.
    probe : Tensor, shape ``(..., h, w)``, complex
        Illumination.
    positions : Tensor, shape ``(K, 2)``, integer
        Top-left corners of the probe window in the object, pixels.

    Returns
    -------
    Tensor, shape ``(..., K, h, w)``, real
        Patterns in FFT order.

    Raises
    ------
    TypeError
        Real ``obj`` or ``probe``.
    ValueError
        Positions outside the object, non-finite inputs.

    References
    ----------
    1. J. M. Rodenburg, H. M. L. Faulkner, "A phase retrieval algorithm for shifting
       illumination," Appl. Phys. Lett. 85, 4795 (2004).

    Examples
    --------
    >>> o = torch.ones(8, 8, dtype=torch.complex64)
    >>> p = torch.ones(4, 4, dtype=torch.complex64)
    >>> I = ptychography_intensity(o, p, raster_scan((8, 8), (4, 4), 2))
    >>> I.shape, round(float(I[0, 0, 0]), 4)
    (torch.Size([9, 4, 4]), 16.0)
    """
    return intensity(torch.fft.fft2(exit_waves(obj, probe, positions), norm="ortho"))


class PtychographyLinear(LinearOperator):
    r"""Linear part of ptychography (fixed probe), :math:`O \mapsto \{\mathcal{F}(P\,S_k O)\}_k`.

    ``A_adjoint`` is :math:`\sum_k S_k^T\, \bar P\, \mathcal{F}^{-1} y_k`.

    Parameters
    ----------
    probe : Tensor, shape ``(h, w)``, complex
    positions : Tensor, shape ``(K, 2)``, integer
    object_shape : (int, int)

    Examples
    --------
    >>> p = torch.ones(4, 4, dtype=torch.complex64)
    >>> op = PtychographyLinear(p, raster_scan((8, 8), (4, 4), 2), (8, 8))
    >>> op.A(torch.ones(8, 8, dtype=torch.complex64)).shape
    torch.Size([9, 4, 4])
    """

    def __init__(self, probe: torch.Tensor, positions: torch.Tensor, object_shape):
        super().__init__()
        _check_probe(probe)
        self.object_shape = check_shape_2d(object_shape, "object_shape")
        pos = check_positions(positions, self.object_shape, probe.shape[-2:])
        self.register_buffer("probe", probe)
        self.register_buffer("positions", pos)

    def A(self, x):  # noqa: N802
        check_complex(x, "x")
        if tuple(x.shape[-2:]) != self.object_shape:
            raise ValueError(f"x: expected last dimensions {self.object_shape}, "
                             f"got {tuple(x.shape)}")
        patches = extract_patches(x, self.positions, self.probe.shape[-2:])
        return torch.fft.fft2(self.probe.to(x.dtype) * patches, norm="ortho")

    def A_adjoint(self, y):  # noqa: N802
        check_complex(y, "y")
        waves = torch.fft.ifft2(y, norm="ortho") * self.probe.conj().to(y.dtype)
        return scatter_patches(waves, self.positions, self.object_shape)

    def extra_repr(self):
        return (f"object_shape={self.object_shape}, probe_shape={tuple(self.probe.shape)}, "
                f"K={len(self.positions)}")


class Ptychography(Operator):
    """The nonlinear measurement ``O -> |F(P S_k O)|^2``; see :func:`ptychography_intensity`.

    >>> p = torch.ones(4, 4, dtype=torch.complex64)
    >>> op = Ptychography(p, raster_scan((8, 8), (4, 4), 4), (8, 8))
    >>> op(torch.ones(8, 8, dtype=torch.complex64)).shape
    torch.Size([4, 4, 4])
    """

    def __init__(self, probe: torch.Tensor, positions: torch.Tensor, object_shape):
        super().__init__()
        self.linear = PtychographyLinear(probe, positions, object_shape)

    def A(self, x):  # noqa: N802
        return intensity(self.linear.A(x))


@register_linear_example("PtychographyLinear")
def _example_ptychography(dtype, device):
    g = torch.Generator().manual_seed(0)
    probe = torch.randn(6, 5, dtype=dtype, generator=g).to(device)
    pos = raster_scan((12, 11), (6, 5), 3, jitter=1, rng=1)
    return PtychographyLinear(probe, pos, (12, 11)), (2, 12, 11)
