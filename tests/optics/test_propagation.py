"""Physics invariants of prcore.optics.propagation.

Each test states the property it checks and is written so that it fails when
the propagator is broken (wrong sign, wrong scale, wrong frequency grid, ...):
closed-form cases (Gaussian beam, Talbot), round trips, Parseval, agreement
between the three propagators where their approximations hold (and
disagreement where they do not), sampling warnings, gradients, batching,
devices, dtypes, an independent peer (nrefocus), and bad input.
"""

import math
import warnings

import numpy as np
import pytest
import torch

from prcore.optics.grid import coordinates, critical_distance
from prcore.optics.propagation import (
    SamplingWarning,
    angular_spectrum,
    angular_spectrum_transfer,
    apply_transfer,
    check_sampling,
    fraunhofer,
    fresnel,
    fresnel_transfer,
)

LAM = 633e-9  # He-Ne wavelength, metres


def _rel(a, b):
    """Relative L2 error ``||a - b|| / ||b||``."""
    return float(torch.linalg.vector_norm(a - b) / torch.linalg.vector_norm(b))


def _gaussian(shape, pixel_size, w0, *, dtype=torch.complex128, device="cpu"):
    """Gaussian beam waist ``exp(-r^2 / w0^2)`` centred at index (H//2, W//2)."""
    y, x = coordinates(shape, pixel_size, device=device)
    return torch.exp(-(x**2 + y**2) / w0**2).to(dtype)


def _bandlimited_field(shape, frac, *, seed=0, dtype=torch.complex128, device="cpu"):
    """Random complex field whose spectrum lies inside ``|f| < frac * Nyquist`` (per axis)."""
    h, w = shape
    g = torch.Generator().manual_seed(seed)
    spec = torch.randn(h, w, dtype=torch.complex128, generator=g)
    fy = torch.fft.fftfreq(h, dtype=torch.float64).reshape(h, 1) * 2  # in units of Nyquist
    fx = torch.fft.fftfreq(w, dtype=torch.float64).reshape(1, w) * 2
    spec = spec * ((fy.abs() < frac) & (fx.abs() < frac))
    return torch.fft.ifft2(spec).to(dtype=dtype, device=device)


def _second_moment_width(intensity, y, x):
    """1/e^2 half widths ``(w_y, w_x) = 2 sqrt(<(y - <y>)^2>)`` of an intensity."""
    p = intensity / intensity.sum()
    my, mx = (p * y).sum(), (p * x).sum()
    return float(2 * torch.sqrt((p * (y - my) ** 2).sum())), float(
        2 * torch.sqrt((p * (x - mx) ** 2).sum())
    )


# --------------------------------------------------------------------------- identity, round trip


@pytest.mark.parametrize("pad", [False, True])
@pytest.mark.parametrize("method", ["asm", "asm-nobl", "fresnel"])
def test_propagation_identity_at_zero_distance(device, method, pad):
    # pixel 2 um > lambda / 2: every sampled frequency propagates, so z = 0 must be exactly identity
    u = _bandlimited_field((16, 24), 1.0, seed=1, device=device)
    if method == "fresnel":
        out = fresnel(u, 0.0, LAM, 2e-6, pad=pad).field
    else:
        out = angular_spectrum(u, 0.0, LAM, 2e-6, bandlimit=method == "asm", pad=pad)
    torch.testing.assert_close(out, u, rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", ["asm", "asm-nobl", "fresnel"])
def test_propagation_round_trip_without_pad(device, method):
    # a field inside the band limit of the ASM mask comes back exactly after z then -z
    u = _bandlimited_field((32, 32), 0.5, seed=2, device=device)
    z, dx = 3e-4, 2e-6  # beyond the critical distance N dx^2 / lambda = 0.2 mm: bandlimit matters
    if method == "fresnel":
        z = 1e-4
        fwd = fresnel(u, z, LAM, dx).field
        back = fresnel(fwd, -z, LAM, dx).field
    else:
        bl = method == "asm"
        if not bl:
            z = 1e-4
        fwd = angular_spectrum(u, z, LAM, dx, bandlimit=bl)
        back = angular_spectrum(fwd, -z, LAM, dx, bandlimit=bl)
    assert _rel(fwd, u) > 0.1  # the field really changed on the way
    torch.testing.assert_close(back, u, rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", ["asm", "fresnel"])
def test_propagation_round_trip_with_pad(method):
    # with zero padding the field must stay inside the window: a Gaussian that barely spreads
    shape, dx, z = (64, 64), 2e-6, 5e-4  # w(z) = 14 um, half window 64 um
    u = _gaussian(shape, dx, 10e-6)
    if method == "fresnel":
        fwd = fresnel(u, z, LAM, dx, pad=True).field
        back = fresnel(fwd, -z, LAM, dx, pad=True).field
    else:
        fwd = angular_spectrum(u, z, LAM, dx, pad=True)
        back = angular_spectrum(fwd, -z, LAM, dx, pad=True)
    assert _rel(fwd, u) > 0.5
    assert _rel(back, u) < 1e-6


def test_angular_spectrum_round_trip_removes_out_of_band_part():
    # the band-limited ASM is a projection: what it drops at z does not come back at -z
    u = _bandlimited_field((32, 32), 1.0, seed=3)
    back = angular_spectrum(angular_spectrum(u, 3e-3, LAM, 2e-6), -3e-3, LAM, 2e-6)
    assert _rel(back, u) > 0.1


# --------------------------------------------------------------------------- Parseval


@pytest.mark.parametrize("pad", [False, True])
def test_angular_spectrum_conserves_energy(pad):
    u = _bandlimited_field((32, 32), 0.5, seed=4)
    if pad:  # padding: the field must not leave the window
        u = _gaussian((64, 64), 2e-6, 10e-6)
    out = angular_spectrum(u, 3e-4, LAM, 2e-6, pad=pad)
    e0, e1 = float((u.abs() ** 2).sum()), float((out.abs() ** 2).sum())
    assert _rel(out, u) > 0.1
    assert abs(e1 / e0 - 1) < 1e-9


def test_fresnel_transfer_conserves_energy():
    u = _bandlimited_field((32, 32), 1.0, seed=5)  # the Fresnel transfer function is unimodular
    out = fresnel(u, 1e-4, LAM, 2e-6).field
    assert abs(float((out.abs() ** 2).sum() / (u.abs() ** 2).sum()) - 1) < 1e-12


@pytest.mark.parametrize("form", ["single_fft", "fraunhofer"])
def test_single_fft_conserves_energy_across_pixel_change(form):
    # sum |U|^2 dx^2 is the power; the output pitch lambda z / (N dx) differs from the input pitch
    shape, dx, z = (32, 48), 2e-6, 1e-2
    u = _bandlimited_field(shape, 1.0, seed=6)
    if form == "single_fft":
        out = fresnel(u, z, LAM, dx, method="single_fft")
    else:
        out = fraunhofer(u, z, LAM, dx)
    dy2, dx2 = out.pixel_size if isinstance(out.pixel_size, tuple) else (out.pixel_size,) * 2
    assert dx2 == pytest.approx(LAM * z / (48 * dx)) and dy2 == pytest.approx(LAM * z / (32 * dx))
    p_in = float((u.abs() ** 2).sum()) * dx * dx
    p_out = float((out.field.abs() ** 2).sum()) * dy2 * dx2
    assert p_out == pytest.approx(p_in, rel=1e-10)


# --------------------------------------------------------------------------- closed-form cases


def test_angular_spectrum_gaussian_beam_width():
    # w(z) = w0 sqrt(1 + (z/zR)^2), zR = pi w0^2 / lambda; width from second moments of |U|^2.
    # All distances in one call (a tensor of distances gives a stack of fields).
    shape, dx, w0 = (256, 256), 2e-6, 20e-6
    zr = math.pi * w0**2 / LAM
    ratios = torch.tensor([0.5, 1.0, 2.0, 3.0], dtype=torch.float64)
    y, x = coordinates(shape, dx)
    out = angular_spectrum(_gaussian(shape, dx, w0), ratios * zr, LAM, dx)
    for i, r in enumerate(ratios.tolist()):
        wy, wx = _second_moment_width(out[i].abs() ** 2, y, x)
        expected = w0 * math.sqrt(1 + r**2)
        assert wx / expected - 1 == pytest.approx(0, abs=0.01), r
        assert wy / expected - 1 == pytest.approx(0, abs=0.01), r
    # the beam really spread: a no-op propagator (w = w0) would fail by > 10 %
    assert _second_moment_width(out[0].abs() ** 2, y, x)[1] / w0 - 1 > 0.1


@pytest.mark.parametrize("z_over_zr", [1.0, 3.0])
def test_fresnel_single_fft_gaussian_beam_width(z_over_zr):
    # the single-FFT form changes the pixel: widths are measured on its output grid
    shape, dx, w0 = (256, 256), 2e-6, 20e-6
    zr = math.pi * w0**2 / LAM
    z = z_over_zr * zr  # both above N dx^2 / lambda = 1.6 mm
    out = fresnel(_gaussian(shape, dx, w0), z, LAM, dx, method="single_fft")
    y, x = coordinates(shape, out.pixel_size)
    wy, wx = _second_moment_width(out.field.abs() ** 2, y, x)
    expected = w0 * math.sqrt(1 + z_over_zr**2)
    assert wx / expected - 1 == pytest.approx(0, abs=0.01)
    assert wy / expected - 1 == pytest.approx(0, abs=0.01)


def _gaussian_beam(y, x, z, w0, lam):
    """Paraxial Gaussian beam at ``z`` (waist ``w0`` at z = 0, unit peak there), piston dropped."""
    zr = math.pi * w0**2 / lam
    w = w0 * math.sqrt(1 + (z / zr) ** 2)
    inv_r = z / (z**2 + zr**2)  # 1 / R(z)
    r2 = x**2 + y**2
    phase = math.pi * r2 * inv_r / lam - math.atan2(z, zr)  # curvature and Gouy phase
    return (w0 / w) * torch.exp(-r2 / w**2) * torch.exp(1j * phase)


@pytest.mark.parametrize("form", ["asm", "fresnel", "single_fft"])
def test_propagation_gaussian_beam_complex_field(form):
    # amplitude, curvature and Gouy phase against the closed form (sign errors in any chirp fail)
    shape, dx, w0 = (256, 256), 2e-6, 20e-6
    zr = math.pi * w0**2 / LAM
    u = _gaussian(shape, dx, w0)
    if form == "asm":
        z, out, px = 3 * zr, angular_spectrum(u, 3 * zr, LAM, dx), dx
    elif form == "fresnel":
        z, out, px = (
            zr,
            fresnel(u, zr, LAM, dx, pad=True).field,
            dx,
        )  # padded: z < 2 N dx^2 / lambda
    else:
        res = fresnel(u, 3 * zr, LAM, dx, method="single_fft")
        z, out, px = 3 * zr, res.field, res.pixel_size
    y, x = coordinates(shape, px)
    ref = _gaussian_beam(y, x, z, w0, LAM)
    assert float((out - ref).abs().max()) < 2e-3 * float(ref.abs().max())
    bright = ref.abs() > 0.05 * ref.abs().max()
    assert float(torch.angle(out * ref.conj())[bright].abs().max()) < 5e-3


def test_angular_spectrum_drops_evanescent_waves():
    # pixel 0.2 um < lambda / 2: frequencies above 1 / lambda are evanescent and must vanish
    dx = 0.2e-6
    u = _bandlimited_field((32, 32), 1.0, seed=12)
    out = angular_spectrum(u, 1e-7, LAM, dx, bandlimit=False)
    fy = torch.fft.fftfreq(32, d=dx, dtype=torch.float64).reshape(32, 1)
    fx = torch.fft.fftfreq(32, d=dx, dtype=torch.float64).reshape(1, 32)
    evanescent = LAM**2 * (fx**2 + fy**2) >= 1
    spec_in, spec_out = torch.fft.fft2(u), torch.fft.fft2(out)
    assert float(spec_in[evanescent].abs().mean()) > 0.1  # there was something to remove
    assert float(spec_out[evanescent].abs().max()) < 1e-12
    torch.testing.assert_close(spec_out[~evanescent].abs(), spec_in[~evanescent].abs())


def _grating(shape=(64, 64), dx=0.5e-6, period=2e-6):
    """Cosine amplitude grating ``1 + cos(2 pi x / d) / 2`` (16 periods on the grid)."""
    y, x = coordinates(shape, dx)
    return (1 + 0.5 * torch.cos(2 * math.pi * x / period)).expand(shape).to(torch.complex128)


@pytest.mark.parametrize("bandlimit", [True, False])
def test_angular_spectrum_talbot_self_imaging(bandlimit):
    # non-paraxial Talbot length of a grating with orders 0 and +-1:
    # z_T = lambda / (1 - sqrt(1 - lambda^2 / d^2))
    d, dx = 2e-6, 0.5e-6  # lambda / d = 0.32: far from paraxial
    g = _grating(dx=dx, period=d)
    zt = LAM / (1 - math.sqrt(1 - LAM**2 / d**2))
    assert zt < critical_distance(g.shape, dx, LAM)  # no sampling warning needed
    torch.testing.assert_close(
        angular_spectrum(g, zt, LAM, dx, bandlimit=bandlimit), g, rtol=0, atol=1e-10
    )
    # half the Talbot length: the same grating shifted by half a period (2 pixels)
    half = angular_spectrum(g, zt / 2, LAM, dx, bandlimit=bandlimit)
    torch.testing.assert_close(half, torch.roll(g, 2, dims=-1), rtol=0, atol=1e-10)
    assert float((half - g).abs().max()) > 0.5
    # the paraxial length 2 d^2 / lambda (2.6 % longer) is not a self-image of the exact propagator
    assert (
        float((angular_spectrum(g, 2 * d**2 / LAM, LAM, dx, bandlimit=bandlimit) - g).abs().max())
        > 0.05
    )


def test_fresnel_talbot_self_imaging():
    # the paraxial propagator self-images at the paraxial Talbot length 2 d^2 / lambda
    d, dx = 2e-6, 0.5e-6
    g = _grating(dx=dx, period=d)
    zt = 2 * d**2 / LAM
    torch.testing.assert_close(fresnel(g, zt, LAM, dx).field, g, rtol=0, atol=1e-10)
    torch.testing.assert_close(
        fresnel(g, zt / 2, LAM, dx).field, torch.roll(g, 2, dims=-1), rtol=0, atol=1e-10
    )


# --------------------------------------------------------------------------- propagators agree


def test_fresnel_matches_angular_spectrum_paraxial():
    # a wide Gaussian (divergence lambda / (pi w0) = 0.016 rad): paraxial, Fresnel = ASM
    shape, dx, lam, z = (128, 128), 0.5e-6, 0.5e-6, 5e-5
    u = _gaussian(shape, dx, 10e-6)
    a = angular_spectrum(u, z, lam, dx)
    f = fresnel(u, z, lam, dx).field
    assert _rel(f, a) < 1e-4
    assert _rel(a, u) > 0.01


def test_fresnel_differs_from_angular_spectrum_at_large_angles():
    # a 0.7 um waist diverges by ~0.23 rad: the paraxial phase error is large
    shape, dx, lam, z = (128, 128), 0.5e-6, 0.5e-6, 2e-5
    u = _gaussian(shape, dx, 0.7e-6)
    a = angular_spectrum(u, z, lam, dx)
    f = fresnel(u, z, lam, dx).field
    assert _rel(f, a) > 0.05


def _square_aperture(n, side):
    u = torch.zeros(n, n, dtype=torch.complex128)
    lo = n // 2 - side // 2
    u[lo : lo + side, lo : lo + side] = 1
    return u


def test_fraunhofer_matches_angular_spectrum_far_field():
    # a 18 um square aperture at z = N dx^2 / lambda (Fresnel number 0.08): then the Fraunhofer
    # pitch lambda z / (N dx) equals dx, so the two intensities share the grid without resampling.
    n, dx, lam = 256, 2e-6, 0.5e-6
    z = critical_distance((n, n), dx, lam)
    u = _square_aperture(n, 9)
    i_asm = angular_spectrum(u, z, lam, dx, pad=True).abs() ** 2  # padded: a linear convolution
    far = fraunhofer(u, z, lam, dx)
    assert far.pixel_size == pytest.approx(dx)
    i_fr = far.field.abs() ** 2
    # absolute scale (both conserve power) and the sinc^2 shape normalised to its peak
    assert float(i_asm.max() / i_fr.max()) == pytest.approx(1, abs=0.02)
    assert float((i_asm / i_asm.max() - i_fr / i_fr.max()).abs().max()) < 0.02
    # sanity: the pattern's first zero sits at lambda z / a from the centre (28 px here)
    first_zero = round(lam * z / (9 * dx) / dx)
    assert float(i_fr[n // 2, n // 2 + first_zero] / i_fr.max()) < 1e-2


def test_fraunhofer_differs_from_angular_spectrum_near_field():
    # a 30 um aperture at the same distance (Fresnel number 0.22): Fraunhofer is no longer valid
    n, dx, lam = 256, 2e-6, 0.5e-6
    z = critical_distance((n, n), dx, lam)
    u = _square_aperture(n, 15)
    i_asm = angular_spectrum(u, z, lam, dx, pad=True).abs() ** 2
    i_fr = fraunhofer(u, z, lam, dx).field.abs() ** 2
    assert abs(float(i_asm.max() / i_fr.max()) - 1) > 0.05


# --------------------------------------------------------------------------- sampling warnings

_SHAPE, _DX = (32, 32), 2e-6
_ZC = critical_distance(_SHAPE, _DX, LAM)  # 0.2 mm
_ZC_PAD = critical_distance((64, 64), _DX, LAM)

_WARN_CASES = {
    "asm-nobl-far": (lambda u: angular_spectrum(u, 2 * _ZC, LAM, _DX, bandlimit=False), _ZC),
    "asm-nobl-far-neg": (lambda u: angular_spectrum(u, -2 * _ZC, LAM, _DX, bandlimit=False), _ZC),
    "asm-nobl-pad-far": (
        lambda u: angular_spectrum(u, 3 * _ZC, LAM, _DX, bandlimit=False, pad=True),
        _ZC_PAD,
    ),
    "asm-nobl-tensor-far": (
        lambda u: angular_spectrum(
            u, torch.tensor([0.5 * _ZC, 2 * _ZC], dtype=torch.float64), LAM, _DX, bandlimit=False
        ),
        _ZC,
    ),
    "fresnel-far": (lambda u: fresnel(u, 2 * _ZC, LAM, _DX), _ZC),
    "single_fft-near": (lambda u: fresnel(u, 0.5 * _ZC, LAM, _DX, method="single_fft"), _ZC),
    "fraunhofer-near": (lambda u: fraunhofer(u, 0.5 * _ZC, LAM, _DX), _ZC),
}

_NO_WARN_CASES = {
    "asm-bl-far": lambda u: angular_spectrum(u, 10 * _ZC, LAM, _DX),
    "asm-nobl-near": lambda u: angular_spectrum(u, 0.9 * _ZC, LAM, _DX, bandlimit=False),
    "asm-nobl-pad-mid": lambda u: angular_spectrum(
        u, 1.5 * _ZC, LAM, _DX, bandlimit=False, pad=True
    ),
    "fresnel-near": lambda u: fresnel(u, -0.9 * _ZC, LAM, _DX),
    "single_fft-far": lambda u: fresnel(u, 1.1 * _ZC, LAM, _DX, method="single_fft"),
    "fraunhofer-far": lambda u: fraunhofer(u, 1.1 * _ZC, LAM, _DX),
}


@pytest.mark.parametrize("case", list(_WARN_CASES))
def test_check_sampling_warns_with_critical_distance(case):
    fn, zc = _WARN_CASES[case]
    u = torch.ones(_SHAPE, dtype=torch.complex64)
    with pytest.warns(SamplingWarning, match="critical distance") as rec:
        fn(u)
    assert f"{zc:.4g} m" in str(rec[0].message)


@pytest.mark.parametrize("case", list(_NO_WARN_CASES))
def test_check_sampling_silent_when_sampled(case):
    u = torch.ones(_SHAPE, dtype=torch.complex64)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingWarning)
        _NO_WARN_CASES[case](u)


def test_check_sampling_returns_critical_distance_and_rejects_method():
    assert check_sampling(0.0, LAM, _DX, _SHAPE, method="asm") == pytest.approx(32 * _DX**2 / LAM)
    with pytest.raises(ValueError, match="method"):
        check_sampling(1e-3, LAM, _DX, _SHAPE, method="spherical")


# --------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("method", ["asm", "asm-nobl", "fresnel"])
def test_propagation_gradcheck_distance(method):
    # d U / d z in float64; eps is in metres, so it has to be tiny (1e-10 m)
    u = _bandlimited_field((8, 8), 1.0, seed=7)
    dx = 2e-6  # N dx^2 / lambda = 50 um > z: no sampling warning
    z = torch.tensor(2e-5, dtype=torch.float64, requires_grad=True)
    if method == "fresnel":

        def fn(d):
            return fresnel(u, d, LAM, dx).field
    else:

        def fn(d):
            return angular_spectrum(u, d, LAM, dx, bandlimit=method == "asm")

    assert torch.autograd.gradcheck(fn, (z,), eps=1e-10, atol=1e-6, rtol=1e-4)
    # and the derivative is not trivially zero
    assert float(torch.autograd.grad(fn(z).real.sum() + fn(z).imag.pow(2).sum(), z)[0].abs()) > 0


def test_angular_spectrum_gradcheck_field():
    u = _bandlimited_field((6, 6), 1.0, seed=8).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda v: angular_spectrum(v, 3e-5, LAM, 2e-6, pad=True), (u,))


# ------------------------------------------------------------------ batching, devices, dtypes


@pytest.mark.parametrize("method", ["asm", "fresnel"])
def test_propagation_batched_equals_loop(device, method):
    def prop(u, z):
        if method == "fresnel":
            return fresnel(u, z, LAM, 2e-6).field
        return angular_spectrum(u, z, LAM, 2e-6)

    u = torch.stack([_bandlimited_field((16, 16), 1.0, seed=s, device=device) for s in range(3)])
    zs = [1e-5, 5e-5, -3e-5]
    loop = torch.stack([prop(u[i], zs[i]) for i in range(3)])
    # one distance per field
    zt = torch.tensor(zs, dtype=torch.float64, device=device)
    torch.testing.assert_close(prop(u, zt), loop, rtol=0, atol=1e-12)
    # a scalar distance over a batch
    torch.testing.assert_close(
        prop(u, 5e-5), torch.stack([prop(v, 5e-5) for v in u]), rtol=0, atol=1e-12
    )
    # a tensor of distances broadcasting over a leading batch dimension: (2, 3, H, W) with (3,)
    u2 = torch.stack([u, u.conj()])
    out = prop(u2, zt)
    assert out.shape == (2, 3, 16, 16)
    torch.testing.assert_close(out[0], loop, rtol=0, atol=1e-12)
    torch.testing.assert_close(
        out[1], torch.stack([prop(u[i].conj(), zs[i]) for i in range(3)]), rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
@pytest.mark.parametrize("form", ["asm", "asm-pad", "fresnel", "single_fft", "fraunhofer"])
def test_propagation_dtype_and_device_follow_input(device, dtype, form):
    u = _bandlimited_field((16, 16), 1.0, seed=9, dtype=dtype, device=device)
    if form.startswith("asm"):
        out = angular_spectrum(u, 1e-5, LAM, 2e-6, pad=form == "asm-pad")
    elif form == "fresnel":
        out = fresnel(u, 1e-5, LAM, 2e-6).field
    elif form == "single_fft":
        out = fresnel(u, 1e-3, LAM, 2e-6, method="single_fft").field
    else:
        out = fraunhofer(u, 1e-3, LAM, 2e-6).field
    assert out.dtype == dtype
    assert out.device == u.device
    assert out.shape == u.shape


def test_apply_transfer_does_not_mutate_inputs_and_broadcasts():
    u = _bandlimited_field((8, 8), 1.0, seed=13)
    h = angular_spectrum_transfer(
        (8, 8), torch.tensor([1e-5, 2e-5, 3e-5], dtype=torch.float64), LAM, 2e-6
    )
    u0, h0 = u.clone(), h.clone()
    out = apply_transfer(u, h)  # one field, three distances
    assert out.shape == (3, 8, 8)
    torch.testing.assert_close(out[1], angular_spectrum(u, 2e-5, LAM, 2e-6), rtol=0, atol=1e-12)
    assert torch.equal(u, u0) and torch.equal(h, h0)
    with torch.inference_mode():
        apply_transfer(u, h[0])
    assert torch.equal(u, u0) and torch.equal(h, h0)


def test_apply_transfer_gradient_wrt_transfer():
    u = _bandlimited_field((6, 6), 1.0, seed=14)
    h = angular_spectrum_transfer((6, 6), 1e-5, LAM, 2e-6).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: apply_transfer(u, t), (h,))


def test_angular_spectrum_complex64_precision_at_5mm():
    # DESIGN.md: without the piston 2 pi z / lambda (5e4 rad at 5 mm), complex64 keeps ~1e-5
    u = _bandlimited_field((256, 256), 0.8, seed=10)
    ref = angular_spectrum(u, 5e-3, LAM, 2e-6)
    single = angular_spectrum(u.to(torch.complex64), 5e-3, LAM, 2e-6)
    assert single.dtype == torch.complex64
    err = float((single.to(torch.complex128) - ref).abs().max() / ref.abs().max())
    assert err < 1e-5


def test_transfer_functions_dtype_and_unit_modulus():
    h_asm = angular_spectrum_transfer((8, 8), 1e-3, LAM, 2e-6, dtype=torch.complex64)
    h_fr = fresnel_transfer((8, 8), 1e-3, LAM, 2e-6, dtype=torch.complex64)
    assert h_asm.dtype == h_fr.dtype == torch.complex64
    assert float((h_fr.abs() - 1).abs().max()) < 1e-6
    # the band-limited mask at 1 mm keeps a central block and drops the rest
    kept = h_asm.abs() > 0.5
    assert bool(kept[0, 0]) and not bool(kept.all())


# --------------------------------------------------------------------------- independent peer


@pytest.mark.parametrize("kernel", ["helmholtz", "fresnel"])
def test_propagation_matches_nrefocus(kernel):
    # nrefocus.refocus(field, d, nm, res, method, padding) works in pixels: distance d = z / dx,
    # wavelength res = lambda / dx, medium index nm = 1. Its "helmholtz" kernel is the
    # (non-band-limited, piston-free) angular spectrum exp(i d (sqrt(km^2 - k^2) - km)), compared
    # with angular_spectrum(bandlimit=False, pad=False); its "fresnel" kernel with the Fresnel
    # transfer function (pad=False). padding=False: nrefocus' own linear-ramp padding differs
    # from our zero padding.
    nrefocus = pytest.importorskip("nrefocus")
    shape, dx, z = (64, 64), 1e-6, 5e-5  # below N dx^2 / lambda = 0.1 mm
    g = torch.Generator().manual_seed(11)
    u = _gaussian(shape, dx, 10e-6) * torch.exp(
        0.5j * torch.randn(shape, generator=g, dtype=torch.float64)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nrefocus warns about optional FFT back ends at import
        ref = nrefocus.refocus(u.numpy(), z / dx, 1.0, LAM / dx, method=kernel, padding=False)
    ref = torch.from_numpy(np.asarray(ref, dtype=np.complex128))
    if kernel == "helmholtz":
        out = angular_spectrum(u, z, LAM, dx, bandlimit=False)
    else:
        out = fresnel(u, z, LAM, dx).field
    assert _rel(out, u) > 0.1
    assert float((out.abs() - ref.abs()).abs().max()) < 1e-10 * float(ref.abs().max())
    bright = ref.abs() > 1e-3 * ref.abs().max()
    assert float(torch.angle(out * ref.conj())[bright].abs().max()) < 1e-9


# --------------------------------------------------------------------------- bad input

_U = torch.ones(8, 8, dtype=torch.complex128)

_BAD = {
    "rank-1": (lambda: angular_spectrum(_U[0], 1e-4, LAM, 1e-6), ValueError, "field"),
    "real-field": (lambda: angular_spectrum(_U.real, 1e-4, LAM, 1e-6), TypeError, "field"),
    "nan-field": (
        lambda: angular_spectrum(_U * float("nan"), 1e-4, LAM, 1e-6),
        ValueError,
        "field",
    ),
    "inf-field": (lambda: fresnel(_U * float("inf"), 1e-4, LAM, 1e-6), ValueError, "field"),
    "list-field": (lambda: angular_spectrum([[1j]], 1e-4, LAM, 1e-6), TypeError, "field"),
    "zero-wavelength": (lambda: angular_spectrum(_U, 1e-4, 0.0, 1e-6), ValueError, "wavelength"),
    "neg-wavelength": (lambda: fresnel(_U, 1e-4, -LAM, 1e-6), ValueError, "wavelength"),
    "inf-wavelength": (lambda: fraunhofer(_U, 1.0, float("inf"), 1e-6), ValueError, "wavelength"),
    "neg-pixel": (lambda: angular_spectrum(_U, 1e-4, LAM, -1e-6), ValueError, "pixel_size"),
    "zero-pixel-pair": (lambda: fresnel(_U, 1e-4, LAM, (1e-6, 0.0)), ValueError, "pixel_size"),
    "pixel-triple": (
        lambda: angular_spectrum(_U, 1e-4, LAM, (1e-6,) * 3),
        ValueError,
        "pixel_size",
    ),
    "nan-distance": (lambda: angular_spectrum(_U, float("nan"), LAM, 1e-6), ValueError, "distance"),
    "inf-distance-tensor": (
        lambda: fresnel(_U, torch.tensor([float("inf")], dtype=torch.float64), LAM, 1e-6),
        ValueError,
        "distance",
    ),
    "int-distance-tensor": (
        lambda: angular_spectrum(_U, torch.tensor(1), LAM, 1e-6),
        TypeError,
        "distance",
    ),
    "str-distance": (lambda: angular_spectrum(_U, "1e-4", LAM, 1e-6), TypeError, "distance"),
    "meta-distance-asm": (
        lambda: angular_spectrum(_U, torch.tensor(1e-4, device="meta"), LAM, 1e-6),
        ValueError,
        "distance",
    ),
    "meta-distance-fresnel": (
        lambda: fresnel(_U, torch.tensor(1e-4, device="meta"), LAM, 1e-6),
        ValueError,
        "distance",
    ),
    "meta-distance-single": (
        lambda: fresnel(_U, torch.tensor(1.0, device="meta"), LAM, 1e-6, method="single_fft"),
        ValueError,
        "distance",
    ),
    "meta-distance-fraunhofer": (
        lambda: fraunhofer(_U, torch.tensor(1.0, device="meta"), LAM, 1e-6),
        ValueError,
        "distance",
    ),
    "neg-distance-fraunhofer": (lambda: fraunhofer(_U, -1.0, LAM, 1e-6), ValueError, "distance"),
    "vector-distance-single": (
        lambda: fresnel(_U, torch.ones(2, dtype=torch.float64), LAM, 1e-6, method="single_fft"),
        ValueError,
        "distance",
    ),
    "bad-method": (lambda: fresnel(_U, 1e-4, LAM, 1e-6, method="two_fft"), ValueError, "method"),
    "nan-field-apply": (
        lambda: apply_transfer(_U * float("nan"), torch.ones(8, 8, dtype=torch.complex128)),
        ValueError,
        "field",
    ),
    "inf-imag-field-pad": (
        lambda: angular_spectrum(_U + 1j * float("inf"), 1e-4, LAM, 1e-6, pad=True),
        ValueError,
        "field",
    ),
    "transfer-shape": (
        lambda: apply_transfer(_U, torch.ones(4, 4, dtype=torch.complex128)),
        ValueError,
        "transfer",
    ),
    "transfer-meta": (
        lambda: apply_transfer(_U, torch.ones(8, 8, dtype=torch.complex128, device="meta")),
        ValueError,
        "transfer",
    ),
}


@pytest.mark.parametrize("case", list(_BAD))
def test_propagation_rejects_bad_input(case):
    fn, exc, name = _BAD[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamplingWarning)
        with pytest.raises(exc, match=rf"^{name}\b"):
            fn()
