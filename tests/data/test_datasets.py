import math

import pytest
import torch

from prcore.data.datasets import HologramDataset, make_datasets, make_splits, source_pool
from prcore.measure.intensity import intensity
from prcore.optics.propagation import angular_spectrum

KW = dict(shape=(32, 32), distance=1e-3, wavelength=532e-9, pixel_size=4e-6)


@pytest.mark.parametrize("source", ["patches", "faces", "digits", "cells"])
def test_hologram_dataset_shapes_ranges_determinism(source):
    ds = HologramDataset(source, n=3, seed=5, **KW)
    holo, phase = ds[1]
    assert holo.shape == phase.shape == (1, 32, 32)
    assert holo.dtype == phase.dtype == torch.float32
    assert float(phase.min()) >= 0 and float(phase.max()) <= math.pi + 1e-5
    assert float(phase.max() - phase.min()) > 0.5
    assert float(holo.min()) >= 0
    again = HologramDataset(source, n=3, seed=5, **KW)[1]
    assert torch.equal(again[0], holo) and torch.equal(again[1], phase)
    assert not torch.equal(ds[0][1], phase)


def test_hologram_is_the_propagated_intensity():
    ds = HologramDataset("cells", n=2, **KW)
    holo, phase = ds[0]
    field = torch.polar(torch.ones_like(phase[0]), phase[0]).to(torch.complex64)
    expect = intensity(angular_spectrum(field, KW["distance"], KW["wavelength"], KW["pixel_size"]))
    torch.testing.assert_close(holo[0], expect, rtol=1e-4, atol=1e-5)
    # a phase object at z = 0 is invisible; at z > 0 it shows up as contrast
    flat = HologramDataset("cells", n=1, **{**KW, "distance": 1e-9})[0][0]
    assert float(flat.std()) < 1e-3 < float(holo.std())
    # energy of a pure phase object is conserved (mean intensity 1)
    assert abs(float(holo.mean()) - 1) < 1e-3


def test_hologram_dataset_amplitude_and_noise():
    ds = HologramDataset("faces", n=2, amplitude=(0.5, 1.0), photons=100.0, sigma=0.01, **KW)
    holo, target = ds[0]
    assert target.shape == (2, 32, 32)
    assert float(target[0].min()) >= 0.5 - 1e-6 and float(target[0].max()) <= 1.0 + 1e-6
    clean = HologramDataset("faces", n=2, amplitude=(0.5, 1.0), **KW)[0][0]
    noise = float((holo - clean).std())
    assert 0.03 < noise < 0.3  # shot noise of 100 photons ~ sqrt(I / 100) ~ 0.1


def test_make_splits_disjoint_pools():
    for source in ("patches", "faces", "digits", "cells"):
        s = make_splits(source, (0.6, 0.2, 0.2), seed=1)
        parts = [set(v) for v in s.values()]
        assert all(parts) and not (
            parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2]
        )
        assert sum(map(len, parts)) <= len(source_pool(source))
    assert make_splits("faces", seed=3) == make_splits("faces", seed=3)
    assert make_splits("faces", seed=3) != make_splits("faces", seed=4)


def test_make_datasets_never_share_source_images():
    tr, va, te = make_datasets("digits", (20, 5, 5), **KW)
    assert not set(tr.pool) & set(te.pool) and not set(tr.pool) & set(va.pool)
    x, y = tr.tensors()
    assert x.shape == (20, 1, 32, 32) and y.shape == (20, 1, 32, 32)
    assert len(tr.materialize()) == 20


def test_hologram_dataset_rejects_bad_input():
    with pytest.raises(ValueError, match="source"):
        HologramDataset("mnist", n=1, **KW)
    with pytest.raises(ValueError, match="not in the 'faces' family"):
        HologramDataset("faces", n=1, pool=[500], **KW)
    with pytest.raises(ValueError, match="wavelength"):
        HologramDataset("cells", n=1, **{**KW, "wavelength": -1.0})
    with pytest.raises(ValueError, match="n:"):
        HologramDataset("cells", n=0, **KW)
    with pytest.raises(ValueError, match="fractions"):
        make_splits("faces", (0.9, 0.5, 0.1))
    with pytest.raises(IndexError):
        HologramDataset("cells", n=2, **KW)[2]
