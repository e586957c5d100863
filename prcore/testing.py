"""Public assertions shared by the tests and the book."""

from __future__ import annotations

import math

import torch

from .metrics import wrap

__all__ = ["TOLERANCES", "tolerance", "assert_phase_close", "assert_adjoint", "assert_close"]

#: default (rtol, atol) per dtype for round trips through one FFT pair
TOLERANCES = {
    torch.float32: (1e-5, 1e-5),
    torch.complex64: (1e-5, 1e-5),
    torch.float64: (1e-10, 1e-12),
    torch.complex128: (1e-10, 1e-12),
}


def tolerance(dtype: torch.dtype) -> tuple[float, float]:
    """``(rtol, atol)`` for ``dtype`` from :data:`TOLERANCES`."""
    try:
        return TOLERANCES[dtype]
    except KeyError:
        raise ValueError(
            f"dtype: no tolerance defined for {dtype}; expected one of {list(TOLERANCES)}"
        ) from None


def assert_close(actual: torch.Tensor, expected: torch.Tensor, *, rtol=None, atol=None, msg=""):
    """``torch.testing.assert_close`` with the dtype's tolerance from :data:`TOLERANCES`."""
    r, a = tolerance(actual.dtype)
    torch.testing.assert_close(actual, expected, rtol=r if rtol is None else rtol,
                               atol=a if atol is None else atol, msg=msg or None)


def assert_phase_close(phase, reference, *, atol: float = 1e-6, remove_offset: bool = True,
                       mask=None):
    """Assert two phase maps agree modulo 2π (and a global offset, by default).

    >>> p = torch.rand(8, 8, dtype=torch.float64)
    >>> assert_phase_close(p + 2 * math.pi + 0.3, p)
    """
    if phase.shape != reference.shape:
        raise AssertionError(
            f"phase shapes differ: {tuple(phase.shape)} vs {tuple(reference.shape)}"
        )
    d = wrap(phase - reference)
    if remove_offset:
        sel = d if mask is None else d[mask]
        c = torch.atan2(torch.sin(sel).mean(), torch.cos(sel).mean())
        d = wrap(d - c)
    if mask is not None:
        d = d[mask]
    err = float(d.abs().max())
    if not err <= atol:
        raise AssertionError(f"phases differ by up to {err:.3g} rad (modulo 2π"
                             f"{', global offset removed' if remove_offset else ''}); "
                             f"tolerance {atol:.3g}")


def assert_adjoint(op, x_shape, *, dtype=torch.complex128, device="cpu", rtol: float = 1e-10,
                   rng=0):
    """Assert ``<A x, y> == <x, A^H y>`` for random complex ``x`` and ``y``.

    The check would fail for an operator whose ``A_adjoint`` is not its adjoint
    (e.g. propagation by ``+z`` in both directions).
    """
    g = torch.Generator(device="cpu").manual_seed(rng)
    x = torch.randn(x_shape, dtype=dtype, generator=g).to(device)
    Ax = op.A(x)
    y = torch.randn(Ax.shape, dtype=Ax.dtype, generator=g).to(device)
    lhs = torch.vdot(Ax.flatten(), y.flatten())
    rhs = torch.vdot(x.flatten(), op.A_adjoint(y).flatten())
    scale = max(abs(complex(lhs)), abs(complex(rhs)), 1e-300)
    err = abs(complex(lhs) - complex(rhs)) / scale
    if not err <= rtol or math.isnan(err):
        raise AssertionError(f"adjoint test failed for {type(op).__name__}: "
                             f"<Ax,y>={complex(lhs):.6g}, "
                             f"<x,A^H y>={complex(rhs):.6g}, relative error {err:.3g} > {rtol:.1g}")
