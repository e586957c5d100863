"""Tests for prcore.learn.strategies: each strategy trains, predicts and is reproducible."""

import math

import pytest
import torch
from torch.utils.data import TensorDataset

from prcore.data.datasets import HologramDataset
from prcore.learn import strategies as st
from prcore.measure.intensity import IntensityMeasurement
from prcore.measure.propagation import FreeSpacePropagation
from prcore.metrics import phase_rmse

N = 16
PHYS = dict(shape=(N, N), distance=5e-4, wavelength=532e-9, pixel_size=4e-6)
NET = dict(width=4, depth=1)
LEARN = dict(width=8, depth=2, batch_size=8, lr=1e-2)  # learns in a few steps


@pytest.fixture(scope="module")
def operator():
    return IntensityMeasurement(FreeSpacePropagation((N, N), 5e-4, 532e-9, 4e-6))


@pytest.fixture(scope="module")
def data():
    train = HologramDataset("cells", n=64, seed=0, pool=list(range(0, 500)), **PHYS)
    test = HologramDataset("cells", n=4, seed=1, pool=list(range(1000, 1100)), **PHYS)
    return train.materialize(), test.tensors()


def _bp_error(operator, I, theta):
    return float(phase_rmse(torch.angle(st.backpropagate(I, operator)), theta).mean())


def test_network_only_fields_deterministic_and_learns(data, operator):
    train, (I, theta) = data
    a = st.network_only(train, epochs=4, seed=3, **LEARN)
    assert a.data == "paired" and not a.per_sample and a.train_time > 0
    assert len(a.history["train_loss"]) == 4 and a.history["steps_per_epoch"] == 8
    assert st.assess(a, I, theta)["rmse"] < 0.7 * _bp_error(operator, I, theta)
    b, c = (st.network_only(train, epochs=1, seed=3, **NET) for _ in range(2))
    torch.testing.assert_close(b(I), c(I), rtol=0, atol=0)


def test_network_only_monitor_called_each_epoch(data):
    train, (I, theta) = data
    s = st.network_only(train, epochs=2, monitor=lambda p: float(p(I).mean()), **NET)
    assert len(s.history["monitor"]) == 2


def test_physics_driven_never_reads_labels(data, operator):
    train, (I, theta) = data
    x, y = train.tensors
    nan_labels = TensorDataset(x, torch.full_like(y, math.nan))
    a = st.physics_driven(nan_labels, operator, epochs=1, seed=1, **NET)
    b = st.physics_driven(train, operator, epochs=1, seed=1, **NET)
    assert a.data == "holograms only"
    torch.testing.assert_close(a(I), b(I), rtol=0, atol=0)


def test_physics_driven_learns_from_holograms(data, operator):
    train, (I, theta) = data
    s = st.physics_driven(train, operator, epochs=4, seed=1, **LEARN)
    assert st.assess(s, I, theta)["rmse"] < 0.8 * _bp_error(operator, I, theta)


def test_fine_tuned_reduces_data_misfit(data, operator):
    train, (I, theta) = data
    base = st.physics_driven(train, operator, epochs=2, seed=0, **NET)
    losses = []
    tuned = st.fine_tuned(base, operator, n_iter=30, lr=3e-3,
                          callback=lambda i, k, u: losses.append(
                              float(((operator(u) - I[i, 0]) ** 2).sum())))
    pred = tuned(I[:1])
    assert tuned.per_sample and tuned.train_time == base.train_time and pred.shape == (1, 1, N, N)
    assert losses[-1] < 0.5 * losses[0]


def test_fine_tuned_rejects_strategy_without_model(operator):
    with pytest.raises(ValueError, match="base"):
        st.fine_tuned(st.iterative(operator, n_iter=2), operator, n_iter=2)


def test_untrained_recovers_phase(data, operator):
    _, (I, theta) = data
    s = st.untrained(operator, n_iter=80, lr=2e-2, seed=0, **NET)
    out = st.assess(s, I[:1], theta[:1])
    assert s.data == "none" and s.train_time == 0 and s.per_sample
    assert out["rmse"] < 0.5 * _bp_error(operator, I[:1], theta[:1])
    torch.testing.assert_close(s(I[:1]), out["prediction"], rtol=0, atol=0)  # deterministic


def test_deep_image_prior_shape_and_data(operator):
    s = st.deep_image_prior(operator, n_iter=3, **NET)
    assert s(torch.ones(1, 1, N, N)).shape == (1, 1, N, N) and s.data == "none"


def test_physics_connect_deterministic(data, operator):
    train, (I, theta) = data
    a = st.physics_connect(train, operator, epochs=1, seed=0, **NET)
    b = st.physics_connect(train, operator, epochs=1, seed=0, **NET)
    assert a.data == "paired"
    torch.testing.assert_close(a(I), b(I), rtol=0, atol=0)


def test_red_denoiser_uses_only_phases(data, operator):
    train, (I, theta) = data
    x, y = train.tensors
    nan_holograms = TensorDataset(torch.full_like(x, math.nan), y)
    s = st.red_denoiser(nan_holograms, operator, epochs=1, n_iter=20, width=4, depth=3)
    assert s.data == "phase maps only" and s.per_sample
    assert torch.isfinite(s(I[:1])).all()


def test_generative_prior_shape(data, operator):
    train, (I, _) = data
    s = st.generative_prior(train, operator, epochs=1, n_iter=3, latent_dim=4, width=4)
    assert s(I[:2]).shape == (2, 1, N, N) and s.data == "phase maps only"


def test_unrolled_returns_all_stages(data, operator):
    train, (I, theta) = data
    s = st.unrolled(train, operator, epochs=2, n_stages=3, width=4)
    field, iterates = s.model(I, return_all=True)
    assert len(iterates) == 4 and field.shape == (4, 1, N, N) and field.is_complex()
    assert st.assess(s, I, theta)["rmse"] < _bp_error(operator, I, theta)


def test_unrolled_rejects_bad_init(data, operator):
    with pytest.raises(ValueError, match="init"):
        st.unrolled(data[0], operator, epochs=1, init="zeros")


def test_iterative_beats_backpropagation(data, operator):
    _, (I, theta) = data
    s = st.iterative(operator, n_iter=50)
    assert st.assess(s, I, theta)["rmse"] < _bp_error(operator, I, theta)


def test_assess_offset_is_free():
    theta = torch.rand(3, 1, N, N, dtype=torch.float64)
    out = st.assess(lambda I: theta - 2.0, torch.ones(3, 1, N, N), theta)
    assert out["rmse"] < 1e-6 and abs(out["ssim"] - 1) < 1e-6  # predictions are float32


def test_assess_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="phases"):
        st.assess(lambda I: I, torch.ones(2, 1, N, N), torch.ones(2, N, N))


def test_strategies_reject_bad_operator(data):
    with pytest.raises(TypeError, match="operator"):
        st.physics_driven(data[0], FreeSpacePropagation((N, N), 5e-4, 532e-9, 4e-6), epochs=1)
    with pytest.raises(TypeError, match="operator"):
        st.untrained(None, n_iter=1)


def test_network_only_rejects_bad_inputs():
    with pytest.raises(ValueError, match="train"):
        st.network_only(TensorDataset(torch.ones(4, 2, 8, 8), torch.ones(4, 2, 8, 8)), epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        st.network_only(TensorDataset(torch.ones(4, 1, 8, 8), torch.ones(4, 1, 8, 8)), epochs=0)


def test_time_per_image_positive():
    assert st.time_per_image(lambda x: x + 1, torch.zeros(3, 1, 4, 4), repeats=2) > 0
    with pytest.raises(ValueError, match="holograms"):
        st.time_per_image(lambda x: x, torch.zeros(3, 4, 4))
