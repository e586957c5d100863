"""Tests for prcore.recover.wirtinger (spectral init, Wirtinger flow, truncated amplitude flow)."""

import pytest
import torch

from prcore.measure.coded import CodedDiffraction, GaussianMeasurement, coded_masks, gaussian_matrix
from prcore.recover.wirtinger import (
    relative_error,
    spectral_init,
    success_rate,
    success_vs_oversampling,
    transition_ratio,
    truncated_amplitude_flow,
    wirtinger_flow,
)

N, T = 16, 8


def _problem(ratio, complex=True, seed=0):
    g = torch.Generator().manual_seed(seed)
    dtype = torch.complex128 if complex else torch.float64
    x = torch.randn(T, N, dtype=dtype, generator=g)
    op = GaussianMeasurement(gaussian_matrix(ratio * N, N, batch=(T,), rng=seed + 1,
                                             complex=complex))
    return x, op, op.A(x).abs() ** 2


def test_spectral_init_improves_with_measurements():
    errs = []
    for ratio in (2, 12):
        x, op, y = _problem(ratio)
        x0 = spectral_init(y, op, x.shape, method="orthogonal", rng=0)
        errs.append(float(relative_error(x0, x).median()))
    assert errs[1] < 0.7 < errs[0]


def test_spectral_init_norm_estimate():
    x, op, y = _problem(10)
    x0 = spectral_init(y, op, x.shape, method="wf", rng=0)
    ratio = torch.linalg.vector_norm(x0, dim=-1) / torch.linalg.vector_norm(x, dim=-1)
    assert float((ratio - 1).abs().max()) < 0.3


def test_wirtinger_flow_recovers_complex_gaussian_up_to_global_phase():
    x, op, y = _problem(8)
    x0 = spectral_init(y, op, x.shape, method="wf", rng=0)
    z, hist = wirtinger_flow(y, op, x0, n_iter=400, t0=50)
    assert success_rate(z, x) == 1.0
    assert hist["loss"][-1] < 1e-12 * hist["loss"][0]


def test_truncated_amplitude_flow_recovers_complex_and_real():
    for complex in (True, False):
        x, op, y = _problem(6, complex=complex)
        x0 = spectral_init(y, op, x.shape, method="orthogonal", rng=0,
                           dtype=torch.complex128 if complex else torch.float64)
        z, _ = truncated_amplitude_flow(y, op, x0, n_iter=200)
        assert success_rate(z, x) >= 0.85


def test_flows_fail_when_measurements_are_too_few():
    """m = 2n complex measurements cannot determine a complex n-vector (needs ~4n)."""
    x, op, y = _problem(2)
    x0 = spectral_init(y, op, x.shape, method="orthogonal", rng=0)
    z, _ = truncated_amplitude_flow(y, op, x0, n_iter=200)
    assert success_rate(z, x) == 0.0
    assert float(relative_error(z, x).median()) > 0.3


def test_truncated_amplitude_flow_coded_diffraction_image():
    g = torch.Generator().manual_seed(3)
    x = torch.polar(0.5 + torch.rand(16, 16, generator=g, dtype=torch.float64),
                    torch.rand(16, 16, generator=g, dtype=torch.float64) * 2)
    op = CodedDiffraction(coded_masks(6, (16, 16), rng=0))
    y = op.A(x).abs() ** 2
    x0 = spectral_init(y, op, (16, 16), method="orthogonal", ndim=2, rng=0)
    z, _ = truncated_amplitude_flow(y, op, x0, n_iter=300, ndim=2)
    assert float(relative_error(z, x, ndim=2)) < 1e-6


def test_relative_error_and_success_rate():
    x = torch.randn(3, 5, dtype=torch.complex128)
    c = torch.exp(torch.tensor(0.4j, dtype=torch.complex128))
    assert float(relative_error(x * c, x).max()) < 1e-12
    assert success_rate(torch.stack([x[0], 2 * x[1], x[2]]), x) == pytest.approx(2 / 3)


def test_flows_reject_bad_input():
    x, op, y = _problem(4)
    with pytest.raises(ValueError, match="non-negative"):
        wirtinger_flow(-y, op, x, n_iter=1)
    with pytest.raises(ValueError, match="op.A"):
        truncated_amplitude_flow(y[:, :10], op, x, n_iter=1)
    with pytest.raises(TypeError, match="LinearOperator"):
        spectral_init(y, lambda z: z, x.shape)
    with pytest.raises(ValueError, match="method"):
        spectral_init(y, op, x.shape, method="bogus")


def test_success_vs_oversampling_is_seeded_and_separates_regimes():
    a = success_vs_oversampling(8, [1, 8], trials=4, method="wf", n_iter=300, t0=50)
    b = success_vs_oversampling(8, [1, 8], trials=4, method="wf", n_iter=300, t0=50)
    assert a == b
    assert a["rate"] == [0.0, 1.0] and a["median_error"][0] > 0.3
    with pytest.raises(ValueError, match="method"):
        success_vs_oversampling(8, [1], trials=1, method="hio", n_iter=1)


def test_transition_ratio_interpolates():
    assert transition_ratio([1, 2, 3], [0.0, 0.25, 0.75]) == pytest.approx(2.5)
    assert transition_ratio([1, 2], [0.0, 0.1]) == float("inf")
    assert transition_ratio([1, 2], [0.6, 1.0]) == 1.0
