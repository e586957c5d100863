"""Image and phase metrics: invariances, known values, agreement with scikit-image / numpy."""

import math

import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

from prcore.metrics import (
    complex_rmse,
    npcc,
    phase_rmse,
    psnr,
    remove_global_phase,
    rmse,
    ssim,
    wrap,
)


def _rand(shape, seed=0):
    return torch.rand(shape, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def _checker(n):
    i = torch.arange(n)
    return ((i.reshape(-1, 1) + i.reshape(1, -1)) % 2 * 2 - 1).to(torch.float64)  # +-1, zero mean


def test_wrap_range_and_values():
    p = torch.linspace(-20, 20, 1001, dtype=torch.float64)
    w = wrap(p)
    assert float(w.min()) >= -math.pi and float(w.max()) < math.pi + 1e-12
    torch.testing.assert_close(torch.exp(1j * w), torch.exp(1j * p))
    assert float(wrap(torch.tensor(3 * math.pi / 2))) == pytest.approx(-math.pi / 2)


def test_phase_rmse_invariant_to_offset_and_wraps():
    ref = 4 * _rand((2, 16, 16))
    err = 0.05 * _rand((2, 16, 16), seed=1)
    base = phase_rmse(ref + err, ref)
    k = torch.randint(-3, 4, (2, 16, 16), generator=torch.Generator().manual_seed(2))
    shifted = ref + err + 1.7 + 2 * math.pi * k  # global offset and pixel-wise 2 pi wraps
    torch.testing.assert_close(phase_rmse(shifted, ref), base)
    assert phase_rmse(ref + 2.5, ref).abs().max() < 1e-12


def test_phase_rmse_known_value():
    # a zero-mean +-a error: the optimal offset is 0 and the RMSE is a
    ref = _rand((16, 16))
    a = 0.2
    assert float(phase_rmse(ref + a * _checker(16), ref)) == pytest.approx(a, rel=1e-9)
    assert float(phase_rmse(ref + a * _checker(16) + 1.0, ref, wrapped=False)) == pytest.approx(
        a, rel=1e-9)
    # the unwrapped variant does not forgive 2 pi jumps: it must see them
    jump = ref.clone()
    jump[:, :8] += 2 * math.pi
    assert float(phase_rmse(jump, ref, wrapped=False)) == pytest.approx(math.pi, rel=1e-9)
    assert float(phase_rmse(jump, ref)) < 1e-12


def test_phase_rmse_mask_restricts_the_average():
    ref = torch.zeros(8, 8, dtype=torch.float64)
    ph = ref.clone()
    ph[:, 4:] = 1.0 + 0.1 * _checker(8)[:, 4:]
    mask = torch.zeros(8, 8, dtype=torch.bool)
    mask[:, 4:] = True
    assert float(phase_rmse(ph, ref, mask=mask)) == pytest.approx(0.1, rel=1e-9)
    assert float(phase_rmse(ph, ref)) > 0.3


def test_remove_global_phase_aligns():
    ref = _rand((8, 8))
    out = remove_global_phase(ref - 0.8, ref)
    torch.testing.assert_close(out, ref)


def test_complex_rmse_ignores_global_phase():
    g = torch.Generator().manual_seed(3)
    u = torch.randn(8, 8, dtype=torch.complex128, generator=g)
    assert float(complex_rmse(u * complex(math.cos(1.0), math.sin(1.0)), u)) < 1e-12
    assert float(complex_rmse(1.1 * u, u)) == pytest.approx(0.1, rel=1e-9)


def test_rmse_and_psnr_known_values():
    ref = torch.zeros(2, 4, 4, dtype=torch.float64)
    ref[:, 0, 0] = 1.0  # range 1
    x = ref + 0.1
    torch.testing.assert_close(rmse(x, ref), torch.full((2,), 0.1, dtype=torch.float64))
    # 10 log10(1 / 0.01) = 20 dB, with explicit and default (max - min of reference) range
    twenty = torch.full((2,), 20.0, dtype=torch.float64)
    torch.testing.assert_close(psnr(x, ref, data_range=1.0), twenty)
    torch.testing.assert_close(psnr(x, ref), twenty)
    assert float(psnr(x, ref, data_range=10.0)[0]) == pytest.approx(40.0)


@pytest.mark.parametrize("data_range", [1.0, 2.5])
def test_ssim_matches_skimage(data_range):
    for seed in range(3):
        ref = _rand((40, 33), seed=seed)
        x = (ref + 0.2 * _rand((40, 33), seed=10 + seed)) * data_range
        ref = ref * data_range
        ours = float(ssim(x, ref, data_range=data_range))
        theirs = structural_similarity(x.numpy(), ref.numpy(), gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False, data_range=data_range)
        assert ours == pytest.approx(theirs, abs=1e-6)
        assert ours < 0.99  # the images differ: a constant-1 implementation fails


def test_ssim_batched_and_identity():
    x = _rand((3, 24, 24))
    torch.testing.assert_close(ssim(x, x), torch.ones(3, dtype=torch.float64))
    y = _rand((3, 24, 24), seed=4)
    torch.testing.assert_close(ssim(x, y), torch.stack([ssim(a, b) for a, b in zip(x, y)]))


def test_npcc_equals_negative_pearson():
    x, y = _rand((2, 16, 16), seed=5), _rand((2, 16, 16), seed=6)
    y = y + 0.5 * x  # correlated
    out = npcc(x, y)
    for k in range(2):
        r = np.corrcoef(x[k].numpy().ravel(), y[k].numpy().ravel())[0, 1]
        assert float(out[k]) == pytest.approx(-r, abs=1e-12)
    assert float(npcc(3 * x[0] + 1, x[0])) == pytest.approx(-1.0)
    assert float(npcc(-x[0], x[0])) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "fn, exc, name",
    [
        (lambda: psnr(torch.zeros(4, 4), torch.zeros(4, 5)), ValueError, "x and reference"),
        (lambda: ssim(torch.zeros(8, 8), torch.zeros(8, 8)), ValueError, "x"),
        (lambda: npcc(torch.zeros(4, 4, dtype=torch.complex64), torch.zeros(4, 4)), TypeError, "x"),
        (lambda: rmse(np.zeros((4, 4)), torch.zeros(4, 4)), TypeError, "x"),
        (lambda: phase_rmse(torch.full((4, 4), float("nan")), torch.zeros(4, 4)), ValueError,
         "phase"),
        (lambda: phase_rmse(torch.zeros(4, 4), torch.zeros(4, 4, device="meta")), ValueError,
         "reference"),
    ],
)
def test_metrics_reject_bad_input(fn, exc, name):
    with pytest.raises(exc, match=rf"^{name}\b"):
        fn()
