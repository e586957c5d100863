"""Zernike polynomials: Noll table, orthonormality over the disk, known shapes."""

import math

import pytest
import torch

from prcore.optics.zernike import noll_to_nm, zernike, zernike_basis

# Noll (1976), Table 1: j -> (n, m); even j carry cos (m > 0), odd j sin (m < 0)
NOLL = {
    1: (0, 0), 2: (1, 1), 3: (1, -1), 4: (2, 0), 5: (2, -2), 6: (2, 2), 7: (3, -1), 8: (3, 1),
    9: (3, -3), 10: (3, 3), 11: (4, 0), 12: (4, 2), 13: (4, -2), 14: (4, 4), 15: (4, -4),
    16: (5, 1), 17: (5, -1), 18: (5, 3), 19: (5, -3), 20: (5, 5), 21: (5, -5), 22: (6, 0),
}


def test_noll_to_nm_table():
    assert {j: noll_to_nm(j) for j in NOLL} == NOLL


def test_noll_to_nm_covers_each_mode_once():
    seen = [noll_to_nm(j) for j in range(1, 67)]  # radial orders 0..10
    assert len(set(seen)) == len(seen)
    for n, m in seen:
        assert abs(m) <= n and (n - m) % 2 == 0


@pytest.mark.parametrize("j", [0, -1, 1.5, True])
def test_noll_to_nm_rejects_bad_index(j):
    with pytest.raises(ValueError, match="^j"):
        noll_to_nm(j)


def _unit_disk(n):
    c = (torch.arange(n, dtype=torch.float64) - (n - 1) / 2) / (n / 2)
    return (c.reshape(-1, 1) ** 2 + c.reshape(1, -1) ** 2) <= 1


def test_zernike_orthonormal_over_disk():
    # mean over the disk of Z_i Z_j = delta_ij up to the discretisation of the disk edge
    n = 256
    basis = zernike_basis(21, (n, n))
    disk = _unit_disk(n)
    zs = basis[:, disk]
    gram = zs @ zs.T / disk.sum()
    assert float((gram - torch.eye(21, dtype=torch.float64)).abs().max()) < 5e-3


def test_zernike_known_shapes():
    n = 65
    c = (torch.arange(n, dtype=torch.float64) - (n - 1) / 2) / (n / 2)
    y, x = c.reshape(-1, 1), c.reshape(1, -1)
    disk = _unit_disk(n)
    rho2 = x**2 + y**2
    expected = {
        1: torch.ones_like(rho2),
        2: 2 * x.expand(n, n),  # tilt: 2 rho cos(theta)
        3: 2 * y.expand(n, n),
        4: math.sqrt(3) * (2 * rho2 - 1),  # defocus
        6: math.sqrt(6) * (x**2 - y**2),  # astigmatism: sqrt(6) rho^2 cos(2 theta)
        11: math.sqrt(5) * (6 * rho2**2 - 6 * rho2 + 1),  # spherical
    }
    for j, ref in expected.items():
        z = zernike(j, (n, n))
        torch.testing.assert_close(z[disk], ref[disk], msg=f"Z{j}")
        assert bool((z[~disk] == 0).all())


def test_zernike_radius_dtype_and_device(device):
    z = zernike(4, (32, 32), radius=8, device=device, dtype=torch.float32)
    assert z.dtype == torch.float32 and z.device.type == device.type
    assert int((z != 0).sum()) < 16 * 16  # disk of radius 8 px
    with pytest.raises(ValueError, match="^radius"):
        zernike(4, (8, 8), radius=0)
    with pytest.raises(ValueError, match="^n_modes"):
        zernike_basis(0, (8, 8))
