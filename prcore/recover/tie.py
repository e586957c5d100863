r"""Transport of intensity (TIE) and weak-object (CTF) phase recovery from defocused intensities.

The transport of intensity equation links the axial derivative of the
intensity to the transverse phase gradient,

.. math:: -k\,\frac{\partial I}{\partial z} = \nabla_\perp\cdot\big(I\,\nabla_\perp\phi\big),
          \qquad k = 2\pi/\lambda .

Its solvers here are spectral (FFT) Poisson solvers with periodic boundaries
(the object should lie inside the field of view, as in the simulations of
:mod:`prcore.measure.focus`; measured data are usually padded first). The
weak-object solver :func:`ctf_phase` inverts the phase transfer function of
defocus (:mod:`prcore.optics.transfer`) from one or several distances.
"""

from __future__ import annotations

import math

import torch

from .._checks import (
    check_finite,
    check_min_ndim,
    check_nonnegative,
    check_positive,
    check_real,
    check_tensor,
)
from ..backend import as_tensor
from ..optics.grid import frequencies, pixel_pair
from ..optics.transfer import weak_object_transfer

__all__ = [
    "intensity_derivative",
    "tie_forward",
    "inverse_laplacian",
    "tie_uniform",
    "tie_teague",
    "tie",
    "ctf_phase",
    "low_frequency_fraction",
]


def _check_image(x, name):
    check_tensor(x, name)
    check_real(x, name)
    check_min_ndim(x, 2, name)
    check_finite(x, name)
    return x


def _wavenumbers(shape, pixel_size, device, dtype):
    """``(2 pi i fy, 2 pi i fx)`` with the Nyquist bin of even sizes zeroed (real derivatives)."""
    h, w = shape
    fy, fx = frequencies((h, w), pixel_size, device=device, dtype=dtype)
    if h % 2 == 0:
        fy = fy.clone()
        fy[h // 2] = 0
    if w % 2 == 0:
        fx = fx.clone()
        fx[:, w // 2] = 0
    return 2j * math.pi * fy, 2j * math.pi * fx


def _gradient(x, pixel_size):
    ky, kx = _wavenumbers(x.shape[-2:], pixel_size, x.device, x.dtype)
    X = torch.fft.fft2(x)
    return torch.fft.ifft2(ky * X).real, torch.fft.ifft2(kx * X).real


def _divergence(gy, gx, pixel_size):
    ky, kx = _wavenumbers(gy.shape[-2:], pixel_size, gy.device, gy.dtype)
    return torch.fft.ifft2(ky * torch.fft.fft2(gy) + kx * torch.fft.fft2(gx)).real


def intensity_derivative(i_minus, i_plus, defocus) -> torch.Tensor:
    r"""Central-difference estimate of :math:`\partial I/\partial z` from two defocused images.

    .. math:: \frac{\partial I}{\partial z} \approx \frac{I_{+\Delta z} - I_{-\Delta z}}{2\Delta z}

    Parameters
    ----------
    i_minus, i_plus : Tensor, shape ``(..., H, W)``, real
        Intensities at :math:`-\Delta z` and :math:`+\Delta z`.
    defocus : float
        :math:`\Delta z > 0` in metres.

    Returns
    -------
    Tensor, shape ``(..., H, W)``, intensity per metre

    Raises
    ------
    ValueError
        Shapes differ, non-finite values, ``defocus <= 0``.

    Examples
    --------
    >>> intensity_derivative(torch.zeros(2, 2), torch.ones(2, 2), 0.5).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    _check_image(i_minus, "i_minus")
    _check_image(i_plus, "i_plus")
    if i_minus.shape != i_plus.shape:
        raise ValueError(f"i_plus: expected the shape of i_minus {tuple(i_minus.shape)}, "
                         f"got {tuple(i_plus.shape)}")
    check_positive(defocus, "defocus", "m")
    return (i_plus - i_minus) / (2 * float(defocus))


def tie_forward(intensity, phase, wavelength, pixel_size) -> torch.Tensor:
    r"""The axial intensity derivative that the TIE predicts for a given intensity and phase.

    .. math:: \frac{\partial I}{\partial z} = -\frac{1}{k}\,\nabla_\perp\cdot(I\,\nabla_\perp\phi)

    computed with spectral (FFT) derivatives, i.e. for periodic maps.

    Parameters
    ----------
    intensity : Tensor, shape ``(..., H, W)``, real, >= 0
    phase : Tensor, shape ``(..., H, W)``, real, radians
    wavelength : float
        Metres.
    pixel_size : float or (float, float)
        Metres.

    Returns
    -------
    Tensor, shape ``(..., H, W)``, intensity per metre

    References
    ----------
    1. M. R. Teague, "Deterministic phase retrieval: a Green's function solution,"
       J. Opt. Soc. Am. 73, 1434 (1983).

    Examples
    --------
    >>> phase = torch.zeros(8, 8, dtype=torch.float64)
    >>> float(tie_forward(torch.ones(8, 8, dtype=torch.float64), phase, 500e-9, 1e-6).abs().max())
    0.0
    """
    _check_image(intensity, "intensity")
    _check_image(phase, "phase")
    check_positive(wavelength, "wavelength", "m")
    pixel_pair(pixel_size)
    gy, gx = _gradient(phase, pixel_size)
    k = 2 * math.pi / float(wavelength)
    return -_divergence(intensity * gy, intensity * gx, pixel_size) / k


def inverse_laplacian(x, pixel_size, *, alpha: float = 0.0) -> torch.Tensor:
    r"""Solve :math:`\nabla^2 u = x` with periodic boundaries by FFT, Tikhonov-regularised.

    .. math::
        \hat u(f) = -\frac{q}{q^2 + \alpha}\,\hat x(f),\qquad q = 4\pi^2 |f|^2 \Delta^2,

    with :math:`q` the Laplacian symbol in pixel units (:math:`\Delta` the pixel
    size, so :math:`0 \le q \le 2\pi^2`) and the result scaled back to metres.
    ``alpha = 0`` is the exact inverse with the undefined zero-frequency term
    (the mean of ``u``) set to 0; ``alpha > 0`` damps the frequencies with
    :math:`q \lesssim \sqrt\alpha`, where noise is amplified most.

    Parameters
    ----------
    x : Tensor, shape ``(..., H, W)``, real
        Right-hand side (units of ``u`` per square metre).
    pixel_size : float or (float, float)
        Metres.
    alpha : float
        Tikhonov parameter (dimensionless, >= 0).

    Returns
    -------
    Tensor, shape ``(..., H, W)``, zero mean

    Examples
    --------
    >>> n = 32; x = torch.arange(n, dtype=torch.float64) * 2 * math.pi / n
    >>> u = torch.cos(x).expand(n, n)          # period n pixels of 1 m
    >>> lap = -(2 * math.pi / n) ** 2 * u
    >>> bool(torch.allclose(inverse_laplacian(lap, 1.0), u))
    True
    """
    _check_image(x, "x")
    check_nonnegative(alpha, "alpha")
    dy, dx = pixel_pair(pixel_size)
    h, w = x.shape[-2:]
    fy, fx = frequencies((h, w), (1.0, dx / dy), device=x.device, dtype=x.dtype)
    q = 4 * math.pi**2 * (fy**2 + fx**2)  # in units of 1/dy^2
    if alpha > 0:
        inv = -q / (q**2 + alpha)
    else:
        safe_q = torch.where(q > 0, q, torch.ones_like(q))
        inv = torch.where(q > 0, -1.0 / safe_q, torch.zeros_like(q))
    return torch.fft.ifft2(torch.fft.fft2(x) * inv).real * dy**2


def tie_uniform(didz, intensity, wavelength, pixel_size, *, alpha: float = 0.0) -> torch.Tensor:
    r"""TIE phase for a (nearly) uniform intensity: one FFT Poisson solve.

    With :math:`I \approx I_0` constant the TIE becomes a Poisson equation,

    .. math:: \nabla^2\phi = -\frac{k}{I_0}\frac{\partial I}{\partial z},

    solved by :func:`inverse_laplacian` (Tikhonov ``alpha`` at low frequencies).

    Parameters
    ----------
    didz : Tensor, shape ``(..., H, W)``, real
        Axial intensity derivative (intensity per metre), e.g. from
        :func:`intensity_derivative`.
    intensity : Tensor, shape ``(..., H, W)``, or float
        In-focus intensity; its mean over the image is :math:`I_0`.
    wavelength : float
        Metres.
    pixel_size : float or (float, float)
        Metres.
    alpha : float
        Tikhonov parameter of :func:`inverse_laplacian`.

    Returns
    -------
    Tensor, shape ``(..., H, W)``, phase in radians (zero mean)

    Raises
    ------
    ValueError
        Non-finite input, non-positive intensity mean, wavelength or pixel size.

    References
    ----------
    1. M. R. Teague, J. Opt. Soc. Am. 73, 1434 (1983).
    2. C. Zuo et al., "Transport of intensity equation: a tutorial,"
       Opt. Lasers Eng. 135, 106187 (2020).

    Examples
    --------
    >>> n = 64; x = torch.arange(n, dtype=torch.float64)
    >>> phi = 0.1 * torch.cos(2 * math.pi * x / n).expand(n, n)
    >>> d = tie_forward(torch.ones(n, n, dtype=torch.float64), phi, 500e-9, 1e-6)
    >>> bool(torch.allclose(tie_uniform(d, 1.0, 500e-9, 1e-6), phi))
    True
    """
    _check_image(didz, "didz")
    check_positive(wavelength, "wavelength", "m")
    if isinstance(intensity, torch.Tensor):
        _check_image(intensity, "intensity")
        i0 = intensity.mean(dim=(-2, -1), keepdim=True)
        check_positive(i0, "intensity mean")
    else:
        check_positive(intensity, "intensity")
        i0 = float(intensity)
    k = 2 * math.pi / float(wavelength)
    return inverse_laplacian(-k * didz / i0, pixel_size, alpha=alpha)


def tie_teague(didz, intensity, wavelength, pixel_size, *, alpha: float = 0.0,
               floor: float = 1e-3) -> torch.Tensor:
    r"""TIE phase for a non-uniform intensity: Teague's two Poisson solves by FFT.

    An auxiliary potential :math:`\psi` with :math:`\nabla\psi = I\nabla\phi` turns
    the TIE into two Poisson equations,

    .. math::
        \nabla^2\psi = -k\frac{\partial I}{\partial z},\qquad
        \nabla^2\phi = \nabla\cdot\Big(\frac{\nabla\psi}{I}\Big),

    each solved by :func:`inverse_laplacian`. The division uses
    :math:`\max(I, \text{floor}\cdot\max I)` so dark pixels do not blow up.
    (The decomposition assumes the transverse flux :math:`I\nabla\phi` is curl-free.)

    Parameters
    ----------
    didz : Tensor, shape ``(..., H, W)``, real
        Axial intensity derivative (per metre).
    intensity : Tensor, shape ``(..., H, W)``, real, >= 0
        In-focus intensity.
    wavelength : float
        Metres.
    pixel_size : float or (float, float)
        Metres.
    alpha : float
        Tikhonov parameter of both Poisson solves.
    floor : float
        Relative intensity floor in ``(0, 1]``.

    Returns
    -------
    Tensor, shape ``(..., H, W)``, phase in radians (zero mean)

    Raises
    ------
    ValueError
        Shapes differ, negative intensity, non-finite input, bad ``floor``.

    References
    ----------
    1. M. R. Teague, "Deterministic phase retrieval: a Green's function solution,"
       J. Opt. Soc. Am. 73, 1434 (1983).
    2. C. Zuo et al., Opt. Lasers Eng. 135, 106187 (2020).

    Examples
    --------
    >>> n = 64; x = torch.arange(n, dtype=torch.float64) * 2 * math.pi / n
    >>> phi = 0.2 * torch.sin(x).expand(n, n)
    >>> inten = 1 + 0.3 * torch.sin(x).expand(n, n)  # flux I grad(phi): curl-free, zero mean
    >>> d = tie_forward(inten, phi, 500e-9, 1e-6)
    >>> bool(torch.allclose(tie_teague(d, inten, 500e-9, 1e-6), phi, atol=1e-10))
    True
    """
    _check_image(didz, "didz")
    _check_image(intensity, "intensity")
    if intensity.shape[-2:] != didz.shape[-2:]:
        raise ValueError(f"intensity: expected last dimensions {tuple(didz.shape[-2:])}, "
                         f"got shape {tuple(intensity.shape)}")
    if bool((intensity < 0).any()):
        raise ValueError("intensity: expected non-negative values, "
                         f"got min {float(intensity.min()):.3g}")
    check_positive(wavelength, "wavelength", "m")
    check_positive(floor, "floor")
    if floor > 1:
        raise ValueError(f"floor: expected a fraction in (0, 1], got {floor}")
    k = 2 * math.pi / float(wavelength)
    inten = intensity.to(didz.dtype)
    psi = inverse_laplacian(-k * didz, pixel_size, alpha=alpha)
    gy, gx = _gradient(psi, pixel_size)
    safe = torch.maximum(inten, floor * inten.amax(dim=(-2, -1), keepdim=True)).clamp_min(
        torch.finfo(inten.dtype).tiny)
    div = _divergence(gy / safe, gx / safe, pixel_size)
    return inverse_laplacian(div, pixel_size, alpha=alpha)


def tie(stack, defocus, wavelength, pixel_size, *, method: str = "teague", **kwargs):
    r"""TIE phase from a three-plane stack :math:`(I_{-\Delta z}, I_0, I_{+\Delta z})`.

    Central difference (:func:`intensity_derivative`), then :func:`tie_teague`
    (``method="teague"``) or :func:`tie_uniform` (``method="uniform"``).

    Parameters
    ----------
    stack : Tensor, shape ``(..., 3, H, W)``, real
        As made by :func:`prcore.measure.focus.tie_stack`.
    defocus : float
        :math:`\Delta z` in metres.
    wavelength : float
        Metres.
    pixel_size : float or (float, float)
        Metres.
    method : {"teague", "uniform"}
    **kwargs
        ``alpha`` (and ``floor`` for Teague).

    Returns
    -------
    Tensor, shape ``(..., H, W)``, radians

    Examples
    --------
    >>> tie(torch.ones(3, 8, 8), 1e-5, 500e-9, 1e-6).abs().max().item()
    0.0
    """
    _check_image(stack, "stack")
    check_min_ndim(stack, 3, "stack", "(..., 3, H, W)")
    if stack.shape[-3] != 3:
        raise ValueError("stack: expected 3 planes (-dz, 0, +dz) in dimension -3, "
                         f"got shape {tuple(stack.shape)}")
    didz = intensity_derivative(stack[..., 0, :, :], stack[..., 2, :, :], defocus)
    if method == "teague":
        return tie_teague(didz, stack[..., 1, :, :], wavelength, pixel_size, **kwargs)
    if method == "uniform":
        return tie_uniform(didz, stack[..., 1, :, :], wavelength, pixel_size, **kwargs)
    raise ValueError(f"method: expected 'teague' or 'uniform', got {method!r}")


def ctf_phase(stack, distances, wavelength, pixel_size, *, alpha: float = 1e-3) -> torch.Tensor:
    r"""Weak-phase recovery from one or several defocused intensities (contrast transfer function).

    For a weak, non-absorbing object each normalised intensity obeys
    :math:`\tilde I_d(f) - \delta(f) = \mathrm{PTF}_{z_d}(f)\,\tilde\phi(f)`
    (:func:`prcore.optics.transfer.defocus_ptf`). The regularised least-squares
    solution over all distances is

    .. math::
        \hat\phi(f) = \frac{\sum_d \mathrm{PTF}_{z_d}(f)\,\big(\tilde I_d(f) - \delta(f)\big)}
                           {\sum_d \mathrm{PTF}_{z_d}(f)^2 + \alpha}.

    One distance leaves the frequencies where its PTF is near zero (low
    frequencies, and the zeros of :math:`\sin(\pi\lambda z f^2)`) to noise and
    the regulariser; several distances cover each other's gaps.

    Parameters
    ----------
    stack : Tensor, shape ``(..., D, H, W)``, real
        Intensities at ``distances`` (each is divided by its mean).
    distances : sequence of float or Tensor, shape ``(D,)``
        Metres.
    wavelength : float
        Metres.
    pixel_size : float or (float, float)
        Metres.
    alpha : float
        Tikhonov parameter (dimensionless, > 0 keeps :math:`f = 0` finite).

    Returns
    -------
    Tensor, shape ``(..., H, W)``, radians (zero mean)

    Raises
    ------
    ValueError
        ``D`` does not match the number of distances; bad physical parameters.

    References
    ----------
    1. P. Cloetens et al., "Holotomography: quantitative phase tomography with
       micrometer resolution using hard synchrotron radiation x rays,"
       Appl. Phys. Lett. 75, 2912 (1999).
    2. C. Zuo et al., Opt. Lasers Eng. 135, 106187 (2020).

    Examples
    --------
    >>> from prcore.measure.focus import defocus_stack
    >>> n = 64; x = torch.arange(n, dtype=torch.float64)
    >>> phi = 0.01 * torch.cos(2 * math.pi * 4 * x / n).expand(n, n)
    >>> u = torch.polar(torch.ones_like(phi), phi)
    >>> zs = [2e-4, 8e-4]
    >>> rec = ctf_phase(defocus_stack(u, zs, 500e-9, 2e-6), zs, 500e-9, 2e-6, alpha=1e-8)
    >>> bool((rec - phi).abs().max() < 1e-4)
    True
    """
    _check_image(stack, "stack")
    check_min_ndim(stack, 3, "stack", "(..., D, H, W)")
    z = as_tensor(distances, dtype=torch.float64).flatten()
    if z.numel() != stack.shape[-3]:
        raise ValueError(f"distances: expected {stack.shape[-3]} distances (one per plane), "
                         f"got {z.numel()}")
    check_nonnegative(alpha, "alpha")
    h, w = stack.shape[-2:]
    ptf, _ = weak_object_transfer((h, w), z.to(stack.device), wavelength, pixel_size,
                                  device=stack.device, dtype=stack.dtype)
    mean = stack.mean(dim=(-2, -1), keepdim=True)
    check_positive(mean, "stack mean")
    spec = torch.fft.fft2(stack / mean - 1)
    num = (ptf * spec).sum(dim=-3)
    den = (ptf**2).sum(dim=-3) + alpha
    den = torch.where(den > 0, den, torch.ones_like(den))
    out = torch.fft.ifft2(num / den).real
    return out - out.mean(dim=(-2, -1), keepdim=True)


def low_frequency_fraction(error, cutoff: float) -> torch.Tensor:
    r"""Fraction of an image's (zero-mean) power at spatial frequencies below ``cutoff`` × Nyquist.

    .. math::
        \frac{\sum_{0 < |f| < c f_N} |\hat e(f)|^2}{\sum_{f \ne 0} |\hat e(f)|^2},
        \qquad f_N = \tfrac{1}{2\Delta}

    with frequencies in cycles/pixel. White noise gives about the area ratio
    :math:`\pi c^2/4`; the "cloudy" TIE artefact concentrates its power far below.

    Parameters
    ----------
    error : Tensor, shape ``(..., H, W)``, real
    cutoff : float
        In ``(0, 1]``, a fraction of the Nyquist frequency.

    Returns
    -------
    Tensor, shape ``(...)``

    Examples
    --------
    >>> n = 64; x = torch.arange(n, dtype=torch.float64)
    >>> e = torch.cos(2 * math.pi * x / n).expand(n, n)   # 1 cycle per image
    >>> float(low_frequency_fraction(e, 0.1))
    1.0
    """
    _check_image(error, "error")
    check_positive(cutoff, "cutoff")
    if cutoff > 1:
        raise ValueError(f"cutoff: expected a fraction of Nyquist in (0, 1], got {cutoff}")
    h, w = error.shape[-2:]
    fy, fx = frequencies((h, w), 1.0, device=error.device, dtype=torch.float64)
    fr = torch.sqrt(fx**2 + fy**2) / 0.5
    p = torch.fft.fft2(error).abs() ** 2
    p = p * (fr > 0)
    low = (p * (fr < cutoff)).sum(dim=(-2, -1))
    return low / p.sum(dim=(-2, -1)).clamp_min(torch.finfo(p.dtype).tiny)

