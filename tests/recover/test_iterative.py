"""Tests for prcore.recover.iterative: projections, GS/ER/HIO/RAAR, ambiguity alignment."""

import cmath

import pytest
import torch

from prcore.measure.diffraction import box_support, diffraction_magnitude, embed
from prcore.metrics import complex_rmse
from prcore.recover.iterative import (
    align_to_reference,
    er,
    fourier_error,
    fourier_projection,
    gs,
    hio,
    raar,
    random_start,
    support_projection,
)


def _rand(shape, seed=0, dtype=torch.complex128, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, dtype=dtype, generator=g).to(device)


def _cdi(seed=0, n=12, oversampling=2.0):
    """A real non-negative n x n object, its padded reference, magnitude and support."""
    g = torch.Generator().manual_seed(seed)
    obj = torch.rand(n, n, dtype=torch.float64, generator=g).to(torch.complex128)
    m = diffraction_magnitude(obj, oversampling=oversampling)
    ref = embed(obj, m.shape)
    return ref, m, box_support(m.shape, (n, n))


# --------------------------------------------------------------------------- projections


def test_fourier_projection_idempotent(device):
    x = _rand((2, 16, 16), device=device)
    m = _rand((16, 16), seed=1, device=device).abs().real
    p = fourier_projection(x, m)
    torch.testing.assert_close(fourier_projection(p, m), p)
    torch.testing.assert_close(torch.fft.fft2(p, norm="ortho").abs(), m.expand(2, 16, 16))


def test_fourier_projection_is_nearest_point():
    x = _rand((16, 16))
    m = _rand((16, 16), seed=1).abs().real
    p = fourier_projection(x, m)
    d_p = torch.linalg.vector_norm(p - x)
    for seed in range(5):  # other members of the set M are farther from x
        other = random_start(m, rng=seed).to(torch.complex128)
        assert d_p < torch.linalg.vector_norm(other - x)


@pytest.mark.parametrize("kw", [{}, {"real": True}, {"nonnegative": True}])
def test_support_projection_idempotent(kw, device):
    x = _rand((16, 16), device=device)
    s = box_support((16, 16), (6, 8), device=device)
    p = support_projection(x, s, **kw)
    torch.testing.assert_close(support_projection(p, s, **kw), p)
    assert bool((p[~s] == 0).all())
    if kw:
        assert bool((p.imag == 0).all())
    if kw.get("nonnegative"):
        assert bool((p.real >= 0).all())
    assert support_projection(x, s) is not x  # the input is not mutated
    torch.testing.assert_close(x, _rand((16, 16), device=device))


def test_fourier_error_invariant_to_trivial_ambiguities():
    ref, m, _ = _cdi(seed=1)
    twin = torch.flip(ref, (-2, -1)).conj().roll((3, -2), (-2, -1)) * cmath.exp(0.7j)
    assert float(fourier_error(twin, m)) < 1e-12
    assert float(fourier_error(ref + 0.1, m)) > 1e-2


# --------------------------------------------------------------------------- algorithms


def test_hio_er_recover_real_nonnegative_object():
    ref, m, s = _cdi(seed=0)
    x, hist = hio(m, s, n_iter=300, nonnegative=True, rng=0)
    x, _ = er(m, s, x, n_iter=50, nonnegative=True)
    assert hist["error"].shape == (300,)
    assert float(complex_rmse(align_to_reference(x, ref), ref)) < 1e-4
    assert float(fourier_error(x, m)) < 1e-4


def test_raar_recovers_real_nonnegative_object():
    ref, m, s = _cdi(seed=3)
    x, hist = raar(m, s, n_iter=300, nonnegative=True, rng=3)
    assert float(hist["error"][-1]) < 1e-4
    assert float(complex_rmse(align_to_reference(x, ref), ref)) < 1e-4


def test_hio_recovers_complex_object_with_support_only():
    ref, m, s = _cdi(seed=0)
    x, hist = hio(m, s, n_iter=500, rng=0)
    assert float(complex_rmse(align_to_reference(x, ref), ref)) < 1e-3


def test_er_error_never_increases_and_stagnates_above_hio():
    ref, m, s = _cdi(seed=1)
    x0 = random_start(m, rng=1)
    _, h_er = er(m, s, x0, n_iter=300, nonnegative=True)
    x_hio, h_hio = hio(m, s, x0, n_iter=300, nonnegative=True)
    e = h_er["error"]
    assert bool((e[1:] <= e[:-1] * (1 + 1e-9)).all())
    assert float(e[-1]) > 1e-2  # ER stagnates...
    assert float(fourier_error(x_hio, m)) < 0.1 * float(e[-1])  # ...where HIO does not


def test_gs_error_never_increases_and_keeps_amplitude():
    a = 0.5 + torch.rand(16, 16, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    ph = torch.zeros(16, 16, dtype=torch.float64)
    ph[3:9, 5:12] = 1.0
    m = torch.fft.fft2(torch.polar(a, ph), norm="ortho").abs()
    x, hist = gs(m, a, n_iter=100, rng=0)
    e = hist["error"]
    assert bool((e[1:] <= e[:-1] * (1 + 1e-9)).all())
    torch.testing.assert_close(x.abs(), a)
    assert float(e[-1]) < 0.5 * float(e[0])


def test_hio_batched_equals_loop():
    refs, ms, ss = zip(*[_cdi(seed=k, n=8) for k in range(2)])
    m = torch.stack(ms)
    x0 = torch.stack([random_start(mk, rng=k) for k, mk in enumerate(ms)])
    xb, hb = hio(m, ss[0], x0, n_iter=20, nonnegative=True)
    assert hb["error"].shape == (20, 2)
    for k in range(2):
        xk, hk = hio(ms[k], ss[0], x0[k], n_iter=20, nonnegative=True)
        torch.testing.assert_close(xb[k], xk)
        torch.testing.assert_close(hb["error"][:, k], hk["error"])


def test_hio_deterministic_with_seed_and_callback():
    _, m, s = _cdi(seed=2, n=8)
    seen = []
    x1, h1 = hio(m, s, n_iter=10, rng=5, callback=lambda k, x, e: seen.append((k, float(e))))
    x2, h2 = hio(m, s, n_iter=10, rng=5)
    torch.testing.assert_close(x1, x2)
    assert [k for k, _ in seen] == list(range(10))
    assert seen[-1][1] == pytest.approx(float(h1["error"][-1]))


def test_iterative_follows_device_and_dtype(device):
    _, m, s = _cdi(seed=0, n=8)
    m32, s = m.float().to(device), s.to(device)
    for f in (er, hio, raar):
        x, hist = f(m32, s, n_iter=3, rng=0)
        assert x.dtype == torch.complex64 and x.device.type == device.type
        assert hist["error"].dtype == torch.float64


# --------------------------------------------------------------------------- ambiguities


def test_align_to_reference_recovers_translated_twin_exactly(device):
    ref = torch.zeros(2, 16, 16, dtype=torch.complex128)
    ref[:, 3:8, 4:9] = _rand((2, 5, 5), seed=7)
    ref = ref.to(device)
    shifted = ref.roll((4, -3), (-2, -1)) * cmath.exp(1.1j)
    twin = torch.flip(ref, (-2, -1)).conj().roll((-2, 5), (-2, -1)) * -1j
    mixed = torch.stack([shifted[0], twin[1]])  # each image has its own ambiguity
    torch.testing.assert_close(align_to_reference(mixed, ref), ref)
    torch.testing.assert_close(align_to_reference(shifted, ref), ref)


def test_align_to_reference_without_flip_keeps_twin():
    ref = torch.zeros(12, 12, dtype=torch.complex128)
    ref[2:6, 3:6] = _rand((4, 3), seed=8)
    twin = torch.flip(ref, (-2, -1)).conj()
    aligned = align_to_reference(twin, ref, conjugate_flip=False)
    assert float(complex_rmse(aligned, ref)) > 0.1
    assert float(complex_rmse(align_to_reference(twin, ref), ref)) < 1e-12


# --------------------------------------------------------------------------- bad input


def test_hio_rejects_negative_magnitude():
    _, m, s = _cdi(n=8)
    bad = m.clone()
    bad[0, 1] = -1.0
    with pytest.raises(ValueError, match="non-negative"):
        hio(bad, s, n_iter=2)


def test_hio_rejects_complex_magnitude():
    _, m, s = _cdi(n=8)
    with pytest.raises(TypeError, match="real"):
        hio(m.to(torch.complex128), s, n_iter=2)


def test_hio_rejects_support_larger_than_field():
    _, m, _ = _cdi(n=8)
    with pytest.raises(ValueError, match="larger than"):
        hio(m, torch.ones(20, 16, dtype=torch.bool), n_iter=2)


def test_hio_rejects_support_of_wrong_shape():
    _, m, _ = _cdi(n=8)
    with pytest.raises(ValueError, match="embed"):
        hio(m, torch.ones(8, 8, dtype=torch.bool), n_iter=2)
    with pytest.raises(ValueError, match="empty"):
        hio(m, torch.zeros(16, 16, dtype=torch.bool), n_iter=2)
    with pytest.raises(ValueError, match="boolean"):
        hio(m, torch.full((16, 16), 0.5), n_iter=2)


@pytest.mark.parametrize("beta", [0.0, -0.5, 1.5, float("nan")])
def test_hio_rejects_beta_outside_unit_interval(beta):
    _, m, s = _cdi(n=8)
    with pytest.raises(ValueError, match="beta"):
        hio(m, s, n_iter=2, beta=beta)
    with pytest.raises(ValueError, match="beta"):
        raar(m, s, n_iter=2, beta=beta)


def test_iterative_rejects_bad_start_and_iterations():
    _, m, s = _cdi(n=8)
    with pytest.raises(TypeError, match="complex"):
        er(m, s, torch.ones(16, 16), n_iter=2)
    with pytest.raises(ValueError, match="shape"):
        er(m, s, torch.ones(8, 8, dtype=torch.complex128), n_iter=2)
    with pytest.raises(ValueError, match="n_iter"):
        er(m, s, n_iter=0)
    with pytest.raises(ValueError, match="amplitude"):
        gs(m, torch.ones(8, 8, dtype=torch.float64), n_iter=2)


def test_align_to_reference_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="shape"):
        align_to_reference(torch.ones(4, 4, dtype=torch.complex64), torch.ones(4, 5))
