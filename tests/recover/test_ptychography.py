"""Tests for prcore.recover.ptychography (ePIE)."""

import pytest
import torch

from prcore.measure.ptychography import (
    circular_probe,
    probe_diameter,
    ptychography_intensity,
    raster_scan,
    step_for_overlap,
)
from prcore.recover.ptychography import (
    epie,
    object_error,
    pie_update,
    register_shift,
    shift_image,
)


def _object(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    smooth = torch.nn.functional.avg_pool2d(torch.rand(1, 1, n + 2, n + 2, generator=g,
                                                       dtype=torch.float64), 3, 1)[0, 0]
    amp = 0.7 + 0.3 * torch.rand(n, n, generator=g, dtype=torch.float64)
    return amp * torch.exp(0.5j * (smooth - smooth.mean()) / smooth.std())


def _setup(n=32, h=16, overlap=0.7, seed=0):
    kw = dict(radius=4e-6, pixel_size=1e-6, wavelength=5e-7, dtype=torch.complex128)
    probe = circular_probe((h, h), defocus=10e-6, **kw)
    nominal = circular_probe((h, h), **kw)
    step = step_for_overlap(probe_diameter(probe), overlap)
    pos = raster_scan((n, n), (h, h), step, jitter=1, rng=seed)
    obj = _object(n, seed)
    mask = torch.zeros(n, n, dtype=torch.bool)
    mask[h // 2 - 4:n - h // 2 + 4, h // 2 - 4:n - h // 2 + 4] = True
    return obj, probe, nominal, pos, mask


def test_epie_known_probe_recovers_object():
    obj, probe, _, pos, mask = _setup()
    I = ptychography_intensity(obj, probe, pos)
    (rec, p), hist = epie(I, pos, obj.shape, probe, n_iter=40, update_probe=False, rng=0)
    assert torch.equal(p, probe)
    assert float(object_error(rec, obj, mask)) < 0.05
    assert hist["error"][-1] < 0.05 * hist["error"][0]


def test_epie_probe_update_recovers_probe_and_object():
    obj, probe, nominal, pos, mask = _setup()
    I = ptychography_intensity(obj, probe, pos)
    (rec, p), hist = epie(I, pos, obj.shape, nominal, n_iter=60, rng=0)
    assert float(object_error(p, probe, align=True)) < 0.06
    assert float(object_error(rec, obj, mask, align=True)) < 0.12
    # without refinement the wrong (in-focus) probe leaves a large error
    (rec0, _), _ = epie(I, pos, obj.shape, nominal, n_iter=60, update_probe=False, rng=0)
    assert float(object_error(rec0, obj, mask, align=True)) > 2 * float(object_error(rec, obj, mask,
                                                                                      align=True))


def test_epie_low_overlap_is_worse():
    errs = []
    for overlap in (0.1, 0.7):
        obj, probe, nominal, pos, mask = _setup(overlap=overlap)
        I = ptychography_intensity(obj, probe, pos)
        (rec, _), _ = epie(I, pos, obj.shape, nominal, n_iter=40, rng=0)
        errs.append(float(object_error(rec, obj, mask, align=True)))
    assert errs[0] > 2 * errs[1]


def test_epie_callback_and_history_length():
    obj, probe, _, pos, _ = _setup(n=24, h=8)
    seen = []
    I = ptychography_intensity(obj, probe, pos)
    _, hist = epie(I, pos, obj.shape, probe, n_iter=3, rng=0,
                   callback=lambda it, o, p: seen.append(it))
    assert seen == [0, 1, 2] and len(hist["error"]) == 3


def test_epie_rejects_bad_input():
    probe = torch.ones(4, 4, dtype=torch.complex64)
    pos = raster_scan((8, 8), (4, 4), 2)
    I = torch.ones(len(pos), 4, 4)
    with pytest.raises(ValueError, match="non-negative"):
        epie(-I, pos, (8, 8), probe, n_iter=1)
    with pytest.raises(TypeError, match="complex"):
        epie(I, pos, (8, 8), probe.real, n_iter=1)
    with pytest.raises(ValueError, match="probe"):
        epie(I, pos, (8, 8), torch.ones(5, 5, dtype=torch.complex64), n_iter=1)
    with pytest.raises(ValueError, match="rows"):
        epie(I[:3], pos, (8, 8), probe, n_iter=1)


def test_pie_update_full_step_replaces_exit_wave_under_flat_probe():
    patch = torch.randn(4, 4, dtype=torch.complex128)
    probe = torch.ones(4, 4, dtype=torch.complex128)
    delta = torch.randn(4, 4, dtype=torch.complex128)
    new, _ = pie_update(patch, probe, delta, alpha=1.0, beta=1.0, update_probe=False)
    torch.testing.assert_close(probe * new, probe * patch + delta)


def test_register_shift_recovers_subpixel_shift():
    ref = _object(32, 3)
    dy, dx = register_shift(shift_image(ref, (0.4, -2.7)), ref, upsample=20)
    assert dy == pytest.approx(-0.4, abs=0.051) and dx == pytest.approx(2.7, abs=0.051)


def test_object_error_ignores_complex_scale_and_shift():
    ref = _object(32, 4)
    moved = (0.5 + 0.5j) * shift_image(ref, (1.0, 2.0))
    assert float(object_error(moved, ref)) > 0.1
    assert float(object_error(moved, ref, align=True)) < 1e-8
