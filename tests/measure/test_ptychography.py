"""Tests for prcore.measure.ptychography."""

import math

import pytest
import torch

from prcore.measure.operator import linear_examples
from prcore.measure.ptychography import (
    Ptychography,
    PtychographyLinear,
    circular_probe,
    extract_patches,
    overlap_ratio,
    probe_diameter,
    ptychography_intensity,
    raster_scan,
    scatter_patches,
    step_for_overlap,
)
from prcore.testing import assert_adjoint, assert_close


def _random_field(shape, seed=0, dtype=torch.complex128, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, dtype=dtype, generator=g).to(device)


def test_raster_scan_covers_object_edges():
    pos = raster_scan((20, 17), (6, 5), 4)
    assert int(pos[:, 0].min()) == 0 and int(pos[:, 0].max()) == 14
    assert int(pos[:, 1].min()) == 0 and int(pos[:, 1].max()) == 12


def test_raster_scan_jitter_is_seeded_and_inside():
    a = raster_scan((40, 40), (10, 10), 5, jitter=2, rng=3)
    b = raster_scan((40, 40), (10, 10), 5, jitter=2, rng=3)
    assert torch.equal(a, b)
    assert not torch.equal(a, raster_scan((40, 40), (10, 10), 5))
    assert int(a.min()) >= 0 and int(a.max()) <= 30


def test_raster_scan_rejects_bad_input():
    with pytest.raises(ValueError, match="step"):
        raster_scan((10, 10), (4, 4), 0)
    with pytest.raises(ValueError, match="probe_shape"):
        raster_scan((10, 10), (12, 4), 1)


def test_overlap_ratio_known_values():
    assert overlap_ratio(step_for_overlap(10, 0.6), 10) == pytest.approx(0.6)
    assert overlap_ratio(10, 10, kind="area") == pytest.approx(0.0)
    # half-diameter step: lens-shaped overlap of two unit discs, closed form
    t = 0.5
    expected = (2 / math.pi) * (math.acos(t) - t * math.sqrt(1 - t * t))
    assert overlap_ratio(5, 10, kind="area") == pytest.approx(expected)
    with pytest.raises(ValueError, match="overlap"):
        step_for_overlap(10, 1.0)


def test_extract_scatter_adjoint(device):
    pos = raster_scan((12, 10), (5, 4), 3, jitter=1, rng=0)
    x = _random_field((2, 12, 10), 1, device=device)
    y = _random_field((2, len(pos), 5, 4), 2, device=device)
    lhs = torch.vdot(extract_patches(x, pos, (5, 4)).flatten(), y.flatten())
    rhs = torch.vdot(x.flatten(), scatter_patches(y, pos, (12, 10)).flatten())
    assert abs(complex(lhs - rhs)) < 1e-10 * abs(complex(lhs))


def test_extract_patches_rejects_positions_outside():
    with pytest.raises(ValueError, match="inside"):
        extract_patches(torch.zeros(8, 8), torch.tensor([[0, 5]]), (4, 4))


def test_ptychography_linear_adjoint_registered(device):
    factory = linear_examples()["PtychographyLinear"]
    op, shape = factory(torch.complex128, device)
    assert_adjoint(op, shape, device=device)


def test_ptychography_intensity_parseval(device):
    obj = _random_field((16, 16), 0, device=device)
    probe = circular_probe((8, 8), radius=3e-6, pixel_size=1e-6, wavelength=5e-7, defocus=5e-6,
                           dtype=torch.complex128, device=device)
    pos = raster_scan((16, 16), (8, 8), 3)
    I = ptychography_intensity(obj, probe, pos)
    waves = probe * extract_patches(obj, pos, (8, 8))
    assert_close(I.sum(dim=(-2, -1)), (waves.abs() ** 2).sum(dim=(-2, -1)))


def test_ptychography_intensity_plane_wave_is_delta():
    """A uniform probe on a uniform object diffracts into the zero-frequency pixel only."""
    obj = torch.full((8, 8), 2 + 0j, dtype=torch.complex128)
    probe = torch.ones(4, 4, dtype=torch.complex128)
    I = ptychography_intensity(obj, probe, raster_scan((8, 8), (4, 4), 4))
    assert_close(I[:, 0, 0], torch.full((4,), 64.0, dtype=torch.float64))
    assert float(I[:, 1:, :].abs().max()) < 1e-20


def test_ptychography_intensity_batched_equals_loop():
    objs = _random_field((3, 10, 10), 4)
    probe = _random_field((4, 4), 5)
    pos = raster_scan((10, 10), (4, 4), 3)
    batched = ptychography_intensity(objs, probe, pos)
    for i in range(3):
        assert_close(batched[i], ptychography_intensity(objs[i], probe, pos))


def test_ptychography_intensity_invariant_to_global_phases():
    obj = _random_field((12, 12), 6)
    probe = _random_field((6, 6), 7)
    pos = raster_scan((12, 12), (6, 6), 2)
    a = ptychography_intensity(obj, probe, pos)
    c1 = torch.exp(torch.tensor(0.7j, dtype=torch.complex128))
    c2 = torch.exp(torch.tensor(-1.1j, dtype=torch.complex128))
    b = ptychography_intensity(obj * c1, probe * c2, pos)
    assert_close(a, b)


def test_ptychography_operator_matches_function():
    obj = _random_field((12, 12), 8)
    probe = _random_field((6, 6), 9)
    pos = raster_scan((12, 12), (6, 6), 3)
    assert_close(Ptychography(probe, pos, (12, 12))(obj), ptychography_intensity(obj, probe, pos))


def test_ptychography_rejects_real_and_bad_shapes():
    probe = torch.ones(4, 4, dtype=torch.complex64)
    pos = raster_scan((8, 8), (4, 4), 2)
    with pytest.raises(TypeError, match="complex"):
        ptychography_intensity(torch.ones(8, 8), probe, pos)
    with pytest.raises(ValueError, match=r"\(K, 2\)"):
        ptychography_intensity(torch.ones(8, 8, dtype=torch.complex64), probe, torch.zeros(3))
    op = PtychographyLinear(probe, pos, (8, 8))
    with pytest.raises(ValueError, match="last dimensions"):
        op.A(torch.ones(9, 8, dtype=torch.complex64))


def test_circular_probe_defocus_spreads_but_keeps_power():
    kw = dict(radius=5e-6, pixel_size=1e-6, wavelength=5e-7, dtype=torch.complex128)
    p0 = circular_probe((48, 48), **kw)
    p1 = circular_probe((48, 48), defocus=40e-6, **kw)
    assert probe_diameter(p1) > probe_diameter(p0)
    assert probe_diameter(p0) == pytest.approx(10.0, abs=1.5)


def test_probe_diameter_rejects_zero_probe():
    with pytest.raises(ValueError, match="non-zero"):
        probe_diameter(torch.zeros(4, 4, dtype=torch.complex64))


def test_ptychography_intensity_gradcheck():
    obj = _random_field((6, 6), 10).requires_grad_()
    probe = _random_field((3, 3), 11).requires_grad_()
    pos = raster_scan((6, 6), (3, 3), 2)
    assert torch.autograd.gradcheck(lambda o, p: ptychography_intensity(o, p, pos), (obj, probe))
