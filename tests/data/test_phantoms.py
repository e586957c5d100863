"""Phantoms: seeded determinism, documented ranges, shipped images load offline."""

import math
import socket

import pytest
import torch

from prcore.data.phantoms import (
    SKIMAGE_IMAGES,
    cell_phantom,
    complex_field,
    digits,
    gaussian_bumps,
    image_phantom,
    lfw_faces,
    load_image,
    normalize,
    random_patches,
    resize,
    zernike_surface,
)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a phantom tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


_SEEDED = {
    "gaussian_bumps": lambda rng: gaussian_bumps((24, 20), 4, rng=rng),
    "cell_phantom": lambda rng: cell_phantom((32, 32), rng=rng),
    "random_patches": lambda rng: random_patches(
        torch.rand(40, 40, generator=torch.Generator().manual_seed(0)), 3, 8, rng=rng
    ),
}


@pytest.mark.parametrize("name", list(_SEEDED))
def test_phantom_deterministic_with_rng(name):
    make = _SEEDED[name]
    torch.testing.assert_close(make(3), make(3), rtol=0, atol=0)
    torch.testing.assert_close(make(torch.Generator().manual_seed(3)), make(3), rtol=0, atol=0)
    assert not torch.equal(make(3), make(4))


def test_gaussian_bumps_range_and_shape():
    b = gaussian_bumps((24, 20), 5, rng=0, height=(0.3, 1.0))
    assert b.shape == (24, 20) and b.dtype == torch.float32
    assert float(b.min()) >= 0
    assert 0.3 * 0.5 < float(b.max()) <= 5 * 1.0  # at least one bump peak is on or near the grid


def test_cell_phantom_range():
    p = cell_phantom((48, 64), n_cells=2, rng=1, max_phase=3.0, dtype=torch.float64)
    assert p.shape == (48, 64) and p.dtype == torch.float64
    assert float(p.max()) == pytest.approx(3.0)
    assert float(p.min()) >= 0
    assert float((p == 0).float().mean()) > 0.05  # background outside the cells


def test_zernike_surface_range_and_values():
    s = zernike_surface((33, 33), [0.0, 0.0, 1.0])  # defocus only
    assert float(s[16, 16]) == pytest.approx(-math.sqrt(3), abs=1e-4)
    assert float(s.max()) <= math.sqrt(3) + 1e-5
    with pytest.raises(ValueError, match="^coefficients"):
        zernike_surface((8, 8), [])


@pytest.mark.parametrize("name", SKIMAGE_IMAGES)
def test_load_image_offline_in_unit_range(name, no_network):
    img = load_image(name, (32, 32))
    assert img.shape == (32, 32) and img.dtype == torch.float32
    assert float(img.min()) == pytest.approx(0.0, abs=1e-6)
    assert float(img.max()) == pytest.approx(1.0, abs=1e-6)


def test_load_image_full_size_and_unknown_name(no_network):
    cam = load_image("camera", dtype=torch.float64)
    assert cam.shape == (512, 512) and cam.dtype == torch.float64
    with pytest.raises(ValueError, match="^name"):
        load_image("lena")


def test_lfw_faces_and_digits_offline(no_network):
    faces = lfw_faces()
    assert faces.shape == (200, 25, 25)
    assert float(faces.amin()) >= 0 and float(faces.amax()) <= 1
    imgs, labels = digits((16, 16))
    assert imgs.shape == (1797, 16, 16) and labels.shape == (1797,)
    assert float(imgs.min()) >= 0 and float(imgs.max()) <= 1
    assert set(labels.tolist()) == set(range(10))


def test_image_phantom_phase_and_amplitude_ranges():
    u = image_phantom("camera", (32, 32), max_phase=2.0, dtype=torch.complex128)
    assert u.dtype == torch.complex128
    torch.testing.assert_close(u.abs(), torch.ones(32, 32, dtype=torch.float64))
    phase = torch.angle(u) % (2 * math.pi)
    assert float(phase.max()) == pytest.approx(2.0, abs=1e-6)
    v = image_phantom("camera", (32, 32), amplitude="moon")
    assert float(v.abs().min()) == pytest.approx(0.5, abs=1e-5)
    assert float(v.abs().max()) == pytest.approx(1.0, abs=1e-5)


def test_complex_field_and_rejects_negative_amplitude():
    u = complex_field(
        torch.full((2, 2), 2.0), torch.full((2, 2), math.pi / 2), dtype=torch.complex128
    )
    torch.testing.assert_close(u, torch.full((2, 2), 2j, dtype=torch.complex128))
    assert complex_field(phase=torch.zeros(3, 3)).dtype == torch.complex64
    with pytest.raises(ValueError, match="^amplitude"):
        complex_field(torch.tensor([[-1.0]]))
    with pytest.raises(ValueError, match="^complex_field"):
        complex_field()


def test_normalize_and_resize():
    x = torch.tensor([[1.0, 3.0], [5.0, 9.0]])
    torch.testing.assert_close(normalize(x), torch.tensor([[0.0, 0.25], [0.5, 1.0]]))
    torch.testing.assert_close(normalize(torch.ones(2, 2)), torch.zeros(2, 2))
    r = resize(torch.ones(3, 10, 12), (5, 6))
    assert r.shape == (3, 5, 6)
    torch.testing.assert_close(r, torch.ones(3, 5, 6))
    with pytest.raises(ValueError, match="^size"):
        random_patches(torch.ones(8, 8), 2, 9)
