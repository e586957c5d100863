r"""Ptychographic reconstruction: the extended ptychographical iterative engine (ePIE).

ePIE visits the scan positions one at a time. At each position it forms the exit
wave :math:`\psi = P\,O_k`, replaces the modulus of its far field by the measured
one, and spreads the change :math:`\Delta\psi = \psi' - \psi` back onto the object
window and the probe with steps weighted by the other factor:

.. math::

    O_k &\leftarrow O_k + \alpha \frac{\bar P}{\max |P|^2} \Delta\psi, \\
    P &\leftarrow P + \beta \frac{\bar O_k}{\max |O_k|^2} \Delta\psi.

Overlap between neighbouring windows couples the positions; that redundancy is
what lets one recover object *and* probe.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import torch
from tqdm.auto import tqdm

from .._checks import (
    check_complex,
    check_finite,
    check_int,
    check_min_ndim,
    check_nonnegative,
    check_nonnegative_tensor,
    check_positive,
    check_shape_2d,
)
from ..backend import as_generator
from ..measure.ptychography import check_positions

__all__ = ["EpieResult", "epie", "pie_update", "modulus_error", "object_error", "register_shift",
           "shift_image"]


class EpieResult(NamedTuple):
    """The reconstructed object ``(H, W)`` and probe ``(h, w)``."""

    obj: torch.Tensor
    probe: torch.Tensor


def pie_update(patch, probe, delta, *, alpha: float, beta: float, update_probe: bool):
    r"""One ePIE step for the object window and the probe, given the exit-wave change ``delta``.

    .. math:: O \leftarrow O + \alpha \bar P \Delta\psi / \max|P|^2,\quad
              P \leftarrow P + \beta \bar O \Delta\psi / \max|O|^2

    Both updates use the values *before* the step. Returns ``(new_patch, new_probe)``.

    >>> p = torch.ones(2, 2, dtype=torch.complex128)
    >>> o, q = pie_update(p, p, 0.5 * p, alpha=1.0, beta=1.0, update_probe=False)
    >>> float(o[0, 0].real), bool(torch.equal(q, p))
    (1.5, True)
    """
    tiny = torch.finfo(delta.real.dtype).tiny
    new_patch = patch + (alpha / probe.abs().amax().square().clamp_min(tiny)) * probe.conj() * delta
    if update_probe:
        probe = probe + (beta / patch.abs().amax().square().clamp_min(tiny)) * patch.conj() * delta
    return new_patch, probe


def modulus_error(model_amplitude: torch.Tensor, measured_amplitude: torch.Tensor) -> float:
    r"""Normalised Fourier-modulus error :math:`\sum(|\Psi|-\sqrt I)^2 / \sum I`.

    >>> modulus_error(torch.ones(3), torch.ones(3))
    0.0
    """
    num = ((model_amplitude - measured_amplitude) ** 2).sum()
    den = (measured_amplitude**2).sum().clamp_min(torch.finfo(measured_amplitude.dtype).tiny)
    return float(num / den)


def register_shift(obj: torch.Tensor, reference: torch.Tensor, *,
                   upsample: int = 20) -> tuple[float, float]:
    r"""Sub-pixel translation ``(dy, dx)`` (pixels) that best aligns ``obj`` with ``reference``.

    The peak of the cross-correlation :math:`\mathcal{F}^{-1}\{\hat O_{ref}\,\bar{\hat O}\}` is
    found on the pixel grid and refined to ``1/upsample`` pixel with a local
    matrix-multiply DFT (Guizar-Sicairos et al. 2008). Ptychography with an unknown
    probe determines object and probe only up to a common translation, so
    reconstructions are registered before they are compared.

    Parameters
    ----------
    obj, reference : Tensor, shape ``(H, W)``, complex

    Returns
    -------
    (float, float)
        Shift to apply to ``obj`` (see :func:`shift_image`).

    References
    ----------
    1. M. Guizar-Sicairos, S. T. Thurman, J. R. Fienup, "Efficient subpixel image
       registration algorithms," Opt. Lett. 33, 156 (2008).

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> ref = torch.randn(32, 32, dtype=torch.complex128, generator=g)
    >>> dy, dx = register_shift(shift_image(ref, (-1.5, 2.25)), ref)
    >>> round(dy, 2), round(dx, 2)
    (1.5, -2.25)
    """
    check_complex(obj, "obj")
    check_complex(reference, "reference")
    if obj.ndim != 2 or obj.shape != reference.shape:
        raise ValueError(f"obj and reference: expected equal (H, W) shapes, got {tuple(obj.shape)} "
                         f"and {tuple(reference.shape)}")
    H, W = obj.shape
    X = (torch.fft.fft2(reference.to(torch.complex128))
         * torch.fft.fft2(obj.to(torch.complex128)).conj())
    cc = torch.fft.ifft2(X).abs()
    i = int(cc.argmax())
    py, px = i // W, i % W
    py = py - H if py > H // 2 else py
    px = px - W if px > W // 2 else px
    t = torch.arange(-1.5 * upsample, 1.5 * upsample + 1, dtype=torch.float64,
                     device=obj.device) / upsample
    fy = torch.fft.fftfreq(H, dtype=torch.float64, device=obj.device)
    fx = torch.fft.fftfreq(W, dtype=torch.float64, device=obj.device)
    Ey = torch.exp(2j * torch.pi * (py + t)[:, None] * fy[None, :])
    Ex = torch.exp(2j * torch.pi * fx[:, None] * (px + t)[None, :])
    fine = (Ey @ X @ Ex).abs()
    j = int(fine.argmax())
    return float(py + t[j // len(t)]), float(px + t[j % len(t)])


def shift_image(obj: torch.Tensor, shift) -> torch.Tensor:
    r"""Translate ``(..., H, W)`` by ``(dy, dx)`` pixels (circularly, by a Fourier phase ramp).

    .. math:: O'(r) = O(r - s) = \mathcal{F}^{-1}\{\hat O(f)\,e^{-2\pi i f\cdot s}\}

    >>> x = torch.zeros(1, 4, dtype=torch.complex128); x[0, 0] = 1
    >>> shift_image(x, (0, 1)).abs().round().tolist()
    [[0.0, 1.0, 0.0, 0.0]]
    """
    check_complex(obj, "obj")
    H, W = obj.shape[-2:]
    fy = torch.fft.fftfreq(H, dtype=torch.float64, device=obj.device)[:, None]
    fx = torch.fft.fftfreq(W, dtype=torch.float64, device=obj.device)[None, :]
    ramp = torch.exp(-2j * torch.pi * (fy * float(shift[0]) + fx * float(shift[1]))).to(obj.dtype)
    return torch.fft.ifft2(torch.fft.fft2(obj) * ramp)


def object_error(obj: torch.Tensor, reference: torch.Tensor, mask=None, *,
                 align: bool = False) -> torch.Tensor:
    r"""Relative error after the best complex scale :math:`c` (global phase *and* amplitude).

    .. math:: e = \min_{c \in \mathbb{C}} \frac{\|c\,O - O_{ref}\|}{\|O_{ref}\|}

    Ptychography determines object and probe only up to :math:`O c,\ P / c` (and,
    with an unknown probe, a common translation: ``align=True`` first registers
    ``obj`` with :func:`register_shift`). ``mask`` (bool ``(H, W)``) restricts the
    comparison to e.g. the well-illuminated region. Returns a tensor of shape ``(...)``.

    >>> o = torch.randn(8, 8, dtype=torch.complex128)
    >>> float(object_error((2 - 1j) * o, o)) < 1e-12
    True
    """
    check_complex(obj, "obj")
    check_complex(reference, "reference")
    if obj.shape != reference.shape:
        raise ValueError(f"obj and reference: expected equal shapes, got {tuple(obj.shape)} and "
                         f"{tuple(reference.shape)}")
    if align:
        m = 1 if mask is None else mask.to(obj.device)
        obj = shift_image(obj, register_shift(obj * m, reference * m))
    if mask is not None:
        m = mask.to(obj.device)
        obj, reference = obj * m, reference * m
    num = (obj.conj() * reference).sum(dim=(-2, -1))
    den = (obj.abs() ** 2).sum(dim=(-2, -1)).clamp_min(torch.finfo(obj.real.dtype).tiny)
    c = (num / den)[..., None, None]
    return (torch.linalg.vector_norm(c * obj - reference, dim=(-2, -1))
            / torch.linalg.vector_norm(reference, dim=(-2, -1)))


def epie(intensities: torch.Tensor, positions: torch.Tensor, object_shape, probe: torch.Tensor, *,
         n_iter: int, obj0: torch.Tensor | None = None, alpha: float = 1.0, beta: float = 1.0,
         update_probe: bool = True, probe_start: int = 1, rng=None,
         callback: Callable | None = None, progress: bool = False):
    r"""Recover object and probe from far-field ptychographic data with ePIE.

    Each iteration visits all ``K`` positions in a random order (from ``rng``); at
    each one the exit wave's Fourier modulus is replaced by :math:`\sqrt{I_k}` and
    the change is fed back with :func:`pie_update`:

    .. math:: \psi' = \mathcal{F}^{-1}\Big\{\sqrt{I_k}
              \,\frac{\mathcal{F}\psi}{|\mathcal{F}\psi|}\Big\},\qquad
              \Delta\psi = \psi' - \psi.

    Parameters
    ----------
    intensities : Tensor, shape ``(K, h, w)``, real, >= 0
        Diffraction patterns in FFT order, as made by
        :func:`prcore.measure.ptychography.ptychography_intensity`.
    positions : Tensor, shape ``(K, 2)``, integer
        Top-left window corners, pixels.
    object_shape : (int, int)
        ``(H, W)``.
    probe : Tensor, shape ``(h, w)``, complex
        Initial probe guess (e.g. the nominal aperture).
    n_iter : int
        Sweeps over all positions.
    obj0 : Tensor, shape ``(H, W)``, complex, optional
        Initial object (default: ones, i.e. free space).
    alpha, beta : float
        Object and probe step sizes (ePIE's defaults are 1).
    update_probe : bool
        Refine the probe (ePIE) or keep it fixed (PIE with a known probe).
    probe_start : int
        First iteration (0-based) at which the probe is updated; a few object-only
        sweeps first stabilise the reconstruction.
    rng : torch.Generator, int or None
        Order of the positions in each sweep.
    callback : callable, optional
        ``callback(it, obj, probe)`` after every sweep.
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    result : EpieResult
        ``(obj, probe)``.
    history : dict
        ``"error"``: the normalised Fourier error (:func:`modulus_error`) of each
        sweep, computed on the fly.

    Raises
    ------
    TypeError
        Real ``probe`` or ``obj0``.
    ValueError
        Negative or non-finite intensities, wrong shapes, positions outside the object.

    References
    ----------
    1. A. M. Maiden, J. M. Rodenburg, "An improved ptychographical phase retrieval
       algorithm for diffractive imaging," Ultramicroscopy 109, 1256 (2009).
    2. P. Thibault, M. Dierolf, O. Bunk, A. Menzel, F. Pfeiffer, "Probe retrieval in
       ptychographic coherent diffractive imaging," Ultramicroscopy 109, 338 (2009).

    Examples
    --------
    >>> from prcore.measure.ptychography import circular_probe, ptychography_intensity, raster_scan
    >>> g = torch.Generator().manual_seed(0)
    >>> o = torch.exp(1j * torch.rand(24, 24, generator=g, dtype=torch.float64))
    >>> p = circular_probe((8, 8), radius=3e-6, pixel_size=1e-6, wavelength=5e-7,
    ...                    dtype=torch.complex128)
    >>> pos = raster_scan((24, 24), (8, 8), 2)
    >>> (obj, probe), hist = epie(ptychography_intensity(o, p, pos), pos, (24, 24), p, n_iter=30,
    ...                           update_probe=False, rng=0)
    >>> float(object_error(obj[4:-4, 4:-4], o[4:-4, 4:-4])) < 1e-4
    True
    """
    check_nonnegative_tensor(intensities, "intensities")
    check_min_ndim(intensities, 3, "intensities", "(K, h, w)")
    if intensities.ndim != 3:
        raise ValueError(f"intensities: expected shape (K, h, w), got {tuple(intensities.shape)}")
    check_complex(probe, "probe")
    check_finite(probe, "probe")
    K, h, w = intensities.shape
    if tuple(probe.shape) != (h, w):
        raise ValueError(f"probe: expected shape {(h, w)} (the patterns' size), "
                         f"got {tuple(probe.shape)}")
    H, W = check_shape_2d(object_shape, "object_shape")
    pos = check_positions(positions, (H, W), (h, w))
    if pos.shape[0] != K:
        raise ValueError(f"positions: expected {K} rows (one per pattern), got {pos.shape[0]}")
    check_int(n_iter, "n_iter", minimum=0)
    check_positive(alpha, "alpha")
    check_nonnegative(beta, "beta")
    if obj0 is None:
        obj = torch.ones(H, W, dtype=probe.dtype, device=probe.device)
    else:
        check_complex(obj0, "obj0")
        check_finite(obj0, "obj0")
        if tuple(obj0.shape) != (H, W):
            raise ValueError(f"obj0: expected shape {(H, W)}, got {tuple(obj0.shape)}")
        obj = obj0.to(dtype=probe.dtype).clone()
    amp = torch.sqrt(intensities).to(device=probe.device, dtype=probe.real.dtype)
    probe = probe.clone()
    g = as_generator(rng)
    tiny = torch.finfo(amp.dtype).tiny
    total = max(float(amp.square().sum()), tiny)
    history = {"error": []}
    for it in tqdm(range(n_iter), disable=not progress, desc="ePIE"):
        err_num = torch.zeros((), dtype=amp.dtype, device=amp.device)
        upd_probe = update_probe and it >= probe_start
        for k in torch.randperm(K, generator=g).tolist():
            y0, x0 = int(pos[k, 0]), int(pos[k, 1])
            patch = obj[y0:y0 + h, x0:x0 + w]
            psi = probe * patch
            Psi = torch.fft.fft2(psi, norm="ortho")
            mod = Psi.abs()
            err_num = err_num + (mod - amp[k]).square().sum()
            Psi_new = amp[k] * Psi / mod.clamp_min(tiny)
            delta = torch.fft.ifft2(Psi_new, norm="ortho") - psi
            new_patch, probe = pie_update(patch, probe, delta, alpha=alpha, beta=beta,
                                          update_probe=upd_probe)
            obj[y0:y0 + h, x0:x0 + w] = new_patch
        history["error"].append(float(err_num) / total)
        if callback is not None:
            callback(it, obj.clone(), probe.clone())
    return EpieResult(obj, probe), history
