"""Tests of prcore.learn.solvers: per-sample optimisation with and without learned priors."""

import math

import pytest
import torch
from torch import nn

from prcore.learn.solvers import (
    as_denoiser,
    data_misfit,
    deep_image_prior,
    fit_untrained,
    gerchberg_saxton_inline,
    gradient_descent,
    latent_search,
    phase_to_field,
    red,
    reinitialize,
)
from prcore.measure import FreeSpacePropagation, IntensityMeasurement
from prcore.metrics import phase_rmse

N = 16


def _problem(dtype=torch.float64, device="cpu", amplitude=0.8):
    """A weak phase object (two Gaussian bumps) and its in-line hologram at 0.4 mm.

    4 µm pixels keep the band-limit mask of the ASM open (16 px * (4 µm)^2 / 0.5 µm = 0.51 mm),
    so the propagation is unitary.
    """
    cdt = torch.complex128 if dtype == torch.float64 else torch.complex64
    y, x = torch.meshgrid(torch.arange(N, dtype=dtype), torch.arange(N, dtype=dtype), indexing="ij")
    phase = amplitude * (
        torch.exp(-((y - 5) ** 2 + (x - 6) ** 2) / 8)
        + 0.7 * torch.exp(-((y - 11) ** 2 + (x - 10) ** 2) / 6)
    )
    phase = phase.to(device)
    prop = FreeSpacePropagation((N, N), 4e-4, 500e-9, 4e-6, dtype=cdt, device=device)
    forward = IntensityMeasurement(prop)
    holo = forward(phase_to_field(phase))
    return phase, prop, forward, holo


def _tiny_net(cin=1, cout=1, rng=0, dtype=torch.float32):
    """A small CNN (float32: float64 convolutions are slow on CPU)."""
    net = nn.Sequential(
        nn.Conv2d(cin, 8, 3, padding=1),
        nn.Tanh(),
        nn.Conv2d(8, 8, 3, padding=1),
        nn.Tanh(),
        nn.Conv2d(8, cout, 3, padding=1),
    )
    return reinitialize(net, rng=rng).to(dtype)


def _gaussian_blur(x, sigma=1.0):
    k = torch.arange(-2, 3, dtype=x.dtype, device=x.device)
    g = torch.exp(-(k**2) / (2 * sigma**2))
    g = g / g.sum()
    lead = x.shape[:-2]
    t = x.reshape(-1, 1, *x.shape[-2:])
    pad, conv = nn.functional.pad, nn.functional.conv2d
    t = conv(pad(t, (2, 2, 0, 0), mode="replicate"), g.reshape(1, 1, 1, 5))
    t = conv(pad(t, (0, 0, 2, 2), mode="replicate"), g.reshape(1, 1, 5, 1))
    return t.reshape(*lead, *x.shape[-2:])


# ----------------------------------------------------------------------------- helpers


def test_data_misfit_gradcheck():
    phase, _, forward, holo = _problem()
    x = (0.3 * phase).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: data_misfit(forward(phase_to_field(t)), holo), (x,))


def test_reinitialize_deterministic():
    a, b, c = _tiny_net(rng=3), _tiny_net(rng=3), _tiny_net(rng=4)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a[0].weight, c[0].weight)


def test_as_denoiser_scales_to_network_range():
    d = as_denoiser(nn.Identity(), scale=math.pi, offset=1.0)
    x = torch.rand(2, 4, 4)
    torch.testing.assert_close(d(x), x)
    conv = nn.Conv2d(1, 1, 1, bias=False)
    nn.init.constant_(conv.weight, 0.5)
    halve = as_denoiser(conv, scale=2.0, offset=1.0)
    torch.testing.assert_close(halve(x), 0.5 * (x - 1.0) + 1.0)
    with pytest.raises(TypeError, match="nn.Module"):
        as_denoiser(lambda x: x)


# ----------------------------------------------------------------------------- baselines


def test_gradient_descent_reduces_misfit(device):
    phase, _, forward, holo = _problem(device=device)
    x, hist = gradient_descent(holo, forward, torch.zeros_like(phase), n_iter=60, step=0.2)
    assert x.device == holo.device and x.dtype == phase.dtype
    assert hist["loss"][-1] < 0.05 * hist["loss"][0]
    assert float(phase_rmse(x, phase)) < 0.5 * float(phase_rmse(torch.zeros_like(phase), phase))


@pytest.mark.parametrize("solver", ["gd", "red", "gs"])
def test_solvers_batched_equals_loop(solver):
    phase, prop, forward, _ = _problem()
    phases = torch.stack([phase, 0.5 * phase.flip(-1), phase.T])
    holos = forward(phase_to_field(phases))

    def run(y):
        x0 = torch.zeros_like(y)
        if solver == "gd":
            return gradient_descent(y, forward, x0, n_iter=10, step=0.2)[0]
        if solver == "red":
            return red(y, forward, _gaussian_blur, x0, n_iter=10, step=0.2, lam=1.0)[0]
        return gerchberg_saxton_inline(y, prop, n_iter=10)[0]

    torch.testing.assert_close(run(holos), torch.stack([run(h) for h in holos]))


def test_gerchberg_saxton_inline_reduces_misfit():
    phase, prop, _, holo = _problem()
    u, hist = gerchberg_saxton_inline(holo, prop, n_iter=40)
    assert u.is_complex() and u.shape == holo.shape
    assert hist["loss"][-1] < 0.1 * hist["loss"][0]
    torch.testing.assert_close(u.abs(), torch.ones_like(holo))


def test_gerchberg_saxton_inline_true_field_is_fixed_point():
    phase, prop, _, holo = _problem()
    truth = phase_to_field(phase)
    u, hist = gerchberg_saxton_inline(holo, prop, truth, n_iter=3, constraint="none")
    assert max(hist["loss"]) < 1e-20
    torch.testing.assert_close(u, truth)


# ----------------------------------------------------------------------------- RED


def test_red_identity_denoiser_equals_gradient_descent():
    phase, _, forward, holo = _problem()
    x0 = torch.zeros_like(phase)
    x_gd, h_gd = gradient_descent(holo, forward, x0, n_iter=25, step=0.2)
    x_red, h_red = red(holo, forward, lambda x: x.clone(), x0, n_iter=25, step=0.2, lam=5.0)
    torch.testing.assert_close(x_red, x_gd, rtol=0, atol=1e-12)
    assert h_red["loss"] == pytest.approx(h_gd["loss"], rel=1e-12)
    # ... and a denoiser that does something makes a difference (the test above can fail)
    x_blur, _ = red(holo, forward, _gaussian_blur, x0, n_iter=25, step=0.2, lam=5.0)
    assert float((x_blur - x_gd).abs().max()) > 1e-3


def test_red_prior_step_matches_closed_form():
    # with a flat measurement explained by any phase the data gradient of a uniform phase is 0,
    # so one step is x - step * lam * (x - D(x)) exactly
    y = torch.ones(8, 8, dtype=torch.float64)
    x0 = torch.full((8, 8), 0.7, dtype=torch.float64)
    x, hist = red(y, lambda u: u.abs() ** 2, lambda x: 0.5 * x, x0, n_iter=1, step=0.1, lam=2.0)
    torch.testing.assert_close(x, x0 - 0.1 * 2.0 * 0.5 * x0)
    assert hist["prior"][0] == pytest.approx(0.5 * float((x0 * 0.5 * x0).sum()))


def test_red_smoothing_prior_helps_under_noise():
    phase, _, forward, holo = _problem()
    g = torch.Generator().manual_seed(0)
    noisy = (holo + 0.08 * torch.randn(holo.shape, generator=g, dtype=holo.dtype)).clamp_min(0)
    x0 = torch.zeros_like(phase)
    x_gd, _ = gradient_descent(noisy, forward, x0, n_iter=80, step=0.2)
    x_red, h = red(noisy, forward, _gaussian_blur, x0, n_iter=80, step=0.2, lam=2.0)
    assert h["loss"][-1] < 0.2 * h["loss"][0]
    assert float(phase_rmse(x_red, phase)) < float(phase_rmse(x_gd, phase))


# ----------------------------------------------------------------------------- untrained networks


def test_fit_untrained_reduces_misfit():
    phase, _, forward, holo = _problem(dtype=torch.float32)
    u, hist = fit_untrained(_tiny_net(), holo, forward, n_iter=60, lr=1e-2, rng=0)
    assert u.shape == holo.shape and u.dtype == torch.complex64
    assert hist["loss"][-1] < 0.2 * hist["loss"][0]
    assert hist["time"] > 0


def test_fit_untrained_complex_output_uses_amplitude_channel():
    _, _, forward, holo = _problem(dtype=torch.float32)
    u, hist = fit_untrained(_tiny_net(cout=2), holo, forward, n_iter=5, output="complex", rng=0)
    assert not torch.allclose(u.abs(), torch.ones_like(holo))
    with pytest.raises(ValueError, match="2 output channels"):
        fit_untrained(_tiny_net(cout=1), holo, forward, n_iter=1, output="complex")


def test_fit_untrained_deterministic_with_rng():
    _, _, forward, holo = _problem(dtype=torch.float32)

    def run(seed):
        calls = []
        u, h = fit_untrained(
            _tiny_net(rng=1),
            holo,
            forward,
            n_iter=8,
            input="noise",
            input_noise=0.05,
            rng=seed,
            callback=lambda k, u: calls.append(k),
        )
        assert calls == list(range(8))
        return u, h

    (u1, h1), (u2, h2), (u3, _) = run(7), run(7), run(8)
    assert torch.equal(u1, u2) and h1["loss"] == h2["loss"]
    assert not torch.equal(u1, u3)


def test_deep_image_prior_reduces_misfit():
    _, _, forward, holo = _problem(dtype=torch.float32)
    gen = reinitialize(
        nn.Sequential(
            nn.Upsample(scale_factor=4, mode="bilinear"),
            nn.Conv2d(8, 16, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 1, 3, padding=1),
        ),
        rng=0,
    )
    u, hist = deep_image_prior(gen, holo, forward, n_iter=60, lr=1e-2, input_shape=(8, 4, 4), rng=0)
    assert u.shape == holo.shape
    assert hist["loss"][-1] < 0.3 * hist["loss"][0]


def test_deep_image_prior_generator_with_own_code():
    _, _, forward, holo = _problem(dtype=torch.float32)

    class Own(nn.Module):
        def __init__(self):
            super().__init__()
            g = torch.Generator().manual_seed(0)
            self.register_buffer("z", torch.rand(1, 4, N, N, generator=g))
            self.conv = reinitialize(nn.Conv2d(4, 1, 3, padding=1), rng=0)

        def forward(self):
            return self.conv(self.z)

    u, hist = deep_image_prior(Own(), holo, forward, n_iter=30, lr=2e-2)
    assert u.shape == holo.shape and hist["loss"][-1] < hist["loss"][0]


# ----------------------------------------------------------------------------- generative prior


def test_latent_search_recovers_linear_latent():
    phase, _, forward, _ = _problem()
    g = torch.Generator().manual_seed(0)
    W = torch.randn(N * N, 4, generator=g, dtype=torch.float64) / N
    W = W - W.mean(dim=0)  # no global-phase direction in the generator's range

    def generator(z):
        return (W @ z.reshape(4)).reshape(1, N, N)

    z_true = torch.tensor([[3.0, -2.0, 1.5, 2.5]], dtype=torch.float64)
    holo = forward(phase_to_field(generator(z_true)))
    x, hist = latent_search(
        holo, forward, generator, torch.zeros(1, 4, dtype=torch.float64), n_iter=300, lr=0.05
    )
    assert hist["loss"][-1] < 1e-3 * hist["loss"][0]
    torch.testing.assert_close(hist["z"], z_true, rtol=0, atol=0.05)
    assert x.shape == holo.shape


def test_latent_search_leaves_generator_untouched():
    _, _, forward, holo = _problem(dtype=torch.float32)
    gen = reinitialize(nn.Sequential(nn.Linear(3, N * N), nn.Unflatten(1, (1, N, N))), rng=0)
    before = [p.clone() for p in gen.parameters()]
    x, hist = latent_search(holo, forward, gen, torch.zeros(1, 3), n_iter=5)
    assert x.shape == holo.shape
    assert all(p.grad is None for p in gen.parameters())
    assert all(torch.equal(p, q) for p, q in zip(before, gen.parameters()))


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("solver", ["gd", "red", "latent", "untrained", "gs"])
def test_solvers_reject_bad_input(solver):
    phase, prop, forward, holo = _problem()
    x0 = torch.zeros_like(phase)

    def call(y=holo, n_iter=3, x=x0):
        if solver == "gd":
            return gradient_descent(y, forward, x, n_iter=n_iter, step=0.1)
        if solver == "red":
            return red(y, forward, _gaussian_blur, x, n_iter=n_iter, step=0.1, lam=1.0)
        if solver == "latent":
            return latent_search(
                y, forward, lambda z: z.reshape(x.shape), x.reshape(1, -1), n_iter=n_iter
            )
        if solver == "untrained":
            return fit_untrained(_tiny_net(), y, forward, n_iter=n_iter)
        return gerchberg_saxton_inline(y, prop, n_iter=n_iter)

    bad = holo.clone()
    bad[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        call(y=bad)
    with pytest.raises(ValueError, match="n_iter"):
        call(n_iter=0)
    with pytest.raises(TypeError, match="real"):
        call(y=holo.to(torch.complex128))
    with pytest.raises(ValueError, match="shape"):
        if solver in ("gd", "red", "latent"):
            call(x=torch.zeros(N, N + 1, dtype=torch.float64))
        else:
            call(y=holo[None, None])


def test_red_rejects_negative_lam_and_bad_denoiser():
    phase, _, forward, holo = _problem()
    x0 = torch.zeros_like(phase)
    with pytest.raises(ValueError, match="lam"):
        red(holo, forward, _gaussian_blur, x0, n_iter=1, step=0.1, lam=-1.0)
    with pytest.raises(ValueError, match="denoiser"):
        red(holo, forward, lambda x: x[:-1], x0, n_iter=1, step=0.1, lam=1.0)


def test_deep_image_prior_rejects_bad_input_shape():
    _, _, forward, holo = _problem()
    with pytest.raises(ValueError, match="input_shape"):
        deep_image_prior(_tiny_net(), holo, forward, n_iter=1, input_shape=(8, 4))
