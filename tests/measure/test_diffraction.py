"""Tests for prcore.measure.diffraction: far-field operator, padding, supports."""

import pytest
import torch

from prcore.measure.diffraction import (
    FarField,
    autocorrelation,
    box_support,
    crop,
    diffraction_magnitude,
    disk_support,
    embed,
    far_field,
    oversampling_ratio,
    padded_shape,
    threshold_support,
)
from prcore.measure.operator import linear_examples
from prcore.testing import assert_adjoint


def _rand(shape, seed=0, dtype=torch.complex128, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, dtype=dtype, generator=g).to(device)


@pytest.mark.parametrize("name", ["FarField", "FarField[unpadded]"])
def test_far_field_adjoint_registered(name):
    factory = linear_examples()[name]
    op, shape = factory(torch.complex128, "cpu")
    assert_adjoint(op, shape)


def test_far_field_adjoint_fails_for_wrong_adjoint():
    class Wrong(FarField):
        def A_adjoint(self, y):  # noqa: N802
            return crop(torch.fft.fft2(y, norm="ortho"), self.shape)

    with pytest.raises(AssertionError):
        assert_adjoint(Wrong((6, 6), oversampling=2.0), (6, 6))


def test_far_field_isometry_and_parseval(device):
    op = FarField((12, 10), oversampling=2.0)
    x = _rand((3, 12, 10), device=device)
    y = op.A(x)
    assert y.shape == (3, 24, 20) and y.device.type == device.type
    torch.testing.assert_close(op.A_adjoint(y), x)  # A^H A = I
    torch.testing.assert_close(y.abs().square().sum(), x.abs().square().sum())


def test_far_field_matches_dft_of_padded_object():
    x = _rand((5, 4), seed=1)
    y = far_field(x, oversampling=2.0)
    big = torch.zeros(10, 8, dtype=x.dtype)
    big[2:7, 2:6] = x
    torch.testing.assert_close(y, torch.fft.fft2(big) / (80 ** 0.5))


def test_diffraction_magnitude_translation_invariant():
    x = torch.zeros(8, 8, dtype=torch.complex128)
    x[1:4, 2:5] = _rand((3, 3), seed=2)
    m1 = diffraction_magnitude(x, oversampling=2.0)
    m2 = diffraction_magnitude(x.roll((2, 1), (-2, -1)), oversampling=2.0)
    m3 = diffraction_magnitude(torch.flip(x, (-2, -1)).conj(), oversampling=2.0)
    torch.testing.assert_close(m1, m2)
    # the twin has the same modulus up to the circular shift from the flip
    torch.testing.assert_close(torch.sort(m1.flatten())[0], torch.sort(m3.flatten())[0])


def test_embed_crop_round_trip_and_adjoint():
    x = _rand((2, 3, 5), seed=3)
    assert embed(x, (7, 9)).shape == (2, 7, 9)
    torch.testing.assert_close(crop(embed(x, (7, 9)), (3, 5)), x)
    y = _rand((2, 7, 9), seed=4)
    lhs = torch.vdot(embed(x, (7, 9)).flatten(), y.flatten())
    rhs = torch.vdot(x.flatten(), crop(y, (3, 5)).flatten())
    torch.testing.assert_close(lhs, rhs)


def test_padded_shape_values():
    assert padded_shape((10, 10), 1.0) == (10, 10)
    assert padded_shape((10, 20), 1.1) == (11, 22)
    assert padded_shape((32, 32), 2 ** 0.5) == (46, 46)


def test_supports_and_ratio():
    s = box_support((64, 64), (32, 16))
    assert s.dtype == torch.bool and int(s.sum()) == 512
    assert oversampling_ratio(s) == 8.0
    d = disk_support((65, 65), 10.0)
    assert abs(int(d.sum()) - 3.14159 * 100) < 20
    t = threshold_support(torch.tensor([[0.0, 0.2, 1.0], [0.05, 0.5, 0.0]]), 0.1)
    assert t.tolist() == [[False, True, True], [False, True, False]]


def test_autocorrelation_extent_is_twice_the_object():
    x = torch.zeros(32, 32, dtype=torch.complex128)
    x[:6, :4] = 1.0 + _rand((6, 4), seed=5).abs()
    ac = autocorrelation(diffraction_magnitude(x, oversampling=1.0))
    nz = ac.abs() > 1e-9
    rows = nz.any(-1).nonzero().flatten()
    cols = nz.any(-2).nonzero().flatten()
    assert (int(rows.max() - rows.min()) + 1, int(cols.max() - cols.min()) + 1) == (11, 7)
    assert int(ac.abs().flatten().argmax()) == 16 * 32 + 16  # zero lag at the centre


def test_far_field_rejects_bad_input():
    with pytest.raises(TypeError, match="complex"):
        far_field(torch.ones(4, 4))
    with pytest.raises(ValueError, match=">= 1"):
        far_field(torch.ones(4, 4, dtype=torch.complex64), oversampling=0.5)
    with pytest.raises(ValueError, match="last dimensions"):
        FarField((4, 4)).A(torch.ones(5, 4, dtype=torch.complex64))
    with pytest.raises(ValueError, match="at least as large"):
        embed(torch.ones(4, 4), (3, 8))
    with pytest.raises(ValueError, match="empty"):
        oversampling_ratio(torch.zeros(4, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="positive"):
        box_support((4, 4), (0, 2))
