"""Input guards shared by every public function.

Each guard raises ``TypeError`` (wrong kind of object or dtype) or
``ValueError`` (wrong shape, value or device) with a message that names the
argument, what was expected, and what came.
"""

from __future__ import annotations

import math
from numbers import Real

import torch

__all__ = [
    "check_tensor",
    "check_complex",
    "check_real",
    "check_finite",
    "check_min_ndim",
    "check_shape_2d",
    "check_positive",
    "check_nonnegative",
    "check_same_device",
    "check_nonnegative_tensor",
    "check_int",
]


def check_tensor(x, name: str) -> torch.Tensor:
    """Raise ``TypeError`` unless ``x`` is a ``torch.Tensor``."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"{name}: expected a torch.Tensor, got {type(x).__name__}; "
            "convert arrays with prcore.backend.as_tensor"
        )
    return x


def check_complex(x, name: str) -> torch.Tensor:
    """Raise unless ``x`` is a complex tensor."""
    check_tensor(x, name)
    if not x.is_complex():
        raise TypeError(
            f"{name}: expected a complex tensor (complex64/complex128), got dtype {x.dtype}; "
            f"use {name}.to(torch.complex64) or prcore.data.complex_field(amplitude, phase)"
        )
    return x


def check_real(x, name: str) -> torch.Tensor:
    """Raise unless ``x`` is a real floating-point tensor."""
    check_tensor(x, name)
    if x.is_complex() or not x.is_floating_point():
        raise TypeError(f"{name}: expected a real floating-point tensor, got dtype {x.dtype}")
    return x


def check_finite(x: torch.Tensor, name: str) -> torch.Tensor:
    """Raise ``ValueError`` if ``x`` holds NaN or Inf.

    Fast path: NaN and Inf are absorbing under addition, so a finite sum proves
    every entry finite with one reduction (much cheaper than ``isfinite`` on
    complex tensors). Only a non-finite sum (a bad entry, or an overflow of the
    sum) triggers the exact element-wise check.
    """
    if not (x.is_floating_point() or x.is_complex()) or x.numel() == 0:
        return x
    if bool(torch.isfinite(x.detach().sum())):
        return x
    bad = ~torch.isfinite(x)
    if bool(bad.any()):
        raise ValueError(f"{name}: expected finite values, got {int(bad.sum())} NaN/Inf entries")
    return x


def check_min_ndim(x: torch.Tensor, ndim: int, name: str, layout: str = "(..., H, W)"):
    """Raise ``ValueError`` if ``x`` has fewer than ``ndim`` dimensions."""
    if x.ndim < ndim:
        raise ValueError(
            f"{name}: expected at least {ndim} dimensions {layout}, got shape {tuple(x.shape)}"
        )
    return x


def check_shape_2d(shape, name: str = "shape") -> tuple[int, int]:
    """Return ``shape`` as a pair of positive ints, or raise."""
    try:
        h, w = (int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name}: expected a pair (H, W) of positive ints, got {shape!r}"
        ) from None
    if h <= 0 or w <= 0:
        raise ValueError(f"{name}: expected positive sizes, got {shape!r}")
    return h, w


def _scalar_value(value, name):
    if isinstance(value, torch.Tensor):
        if value.is_complex():
            raise TypeError(f"{name}: expected a real number, got a complex tensor")
        return value.detach()
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__}")
    return value


def check_positive(value, name: str, unit: str = ""):
    """Raise unless ``value`` (number or tensor) is finite and > 0."""
    v = _scalar_value(value, name)
    unit_s = f" {unit}" if unit else ""
    if isinstance(v, torch.Tensor):
        if not bool(torch.isfinite(v).all()) or not bool((v > 0).all()):
            raise ValueError(f"{name}: expected finite values > 0{unit_s}, got {v.tolist()}")
    elif not math.isfinite(v) or v <= 0:
        raise ValueError(f"{name}: expected a finite value > 0{unit_s}, got {v!r}")
    return value


def check_nonnegative(value, name: str, unit: str = ""):
    """Raise unless ``value`` (number or tensor) is finite and >= 0."""
    v = _scalar_value(value, name)
    unit_s = f" {unit}" if unit else ""
    if isinstance(v, torch.Tensor):
        if not bool(torch.isfinite(v).all()) or not bool((v >= 0).all()):
            raise ValueError(f"{name}: expected finite values >= 0{unit_s}, got {v.tolist()}")
    elif not math.isfinite(v) or v < 0:
        raise ValueError(f"{name}: expected a finite value >= 0{unit_s}, got {v!r}")
    return value


def check_nonnegative_tensor(x: torch.Tensor, name: str, atol: float = 0.0) -> torch.Tensor:
    """Raise unless a real tensor (e.g. an intensity) is >= -atol everywhere."""
    check_real(x, name)
    check_finite(x, name)
    lo = float(x.detach().min()) if x.numel() else 0.0
    if lo < -atol:
        raise ValueError(f"{name}: expected non-negative values (an intensity), got min {lo:.3g}")
    return x


def check_same_device(*named: tuple[str, torch.Tensor]) -> None:
    """Raise ``ValueError`` if the given ``(name, tensor)`` pairs live on different devices."""
    tensors = [(n, t) for n, t in named if isinstance(t, torch.Tensor)]
    if not tensors:
        return
    dev0 = tensors[0][1].device
    for n, t in tensors[1:]:
        if t.device != dev0:
            raise ValueError(
                f"{n}: expected a tensor on {dev0} (same device as {tensors[0][0]}), got {t.device}"
            )


def check_int(value, name: str, minimum: int = 0) -> int:
    """Raise ``ValueError`` unless ``value`` is an int (not a bool) >= ``minimum``; return it.

    >>> check_int(3, "n_iter", minimum=1)
    3
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        what = {0: "a non-negative int", 1: "a positive int"}.get(minimum, f"an int >= {minimum}")
        raise ValueError(f"{name}: expected {what}, got {value!r}")
    return value
