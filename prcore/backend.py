"""The only bridge between numpy and torch, plus dtype and random-generator helpers."""

from __future__ import annotations

import numpy as np
import torch

__all__ = [
    "as_tensor",
    "to_numpy",
    "complex_dtype",
    "real_dtype",
    "as_generator",
]

_REAL_TO_COMPLEX = {
    torch.float16: torch.complex64,
    torch.bfloat16: torch.complex64,
    torch.float32: torch.complex64,
    torch.float64: torch.complex128,
}
_COMPLEX_TO_REAL = {torch.complex64: torch.float32, torch.complex128: torch.float64}


def as_tensor(x, *, dtype: torch.dtype | None = None, device=None) -> torch.Tensor:
    """Convert an array-like to a tensor without copying when possible.

    Examples
    --------
    >>> as_tensor(np.ones(2)).dtype
    torch.float64
    """
    if isinstance(x, torch.Tensor):
        return x.to(dtype=dtype or x.dtype, device=device or x.device)
    arr = np.asarray(x)
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"as_tensor: expected a numeric array, got dtype {arr.dtype}")
    return torch.as_tensor(np.ascontiguousarray(arr), dtype=dtype, device=device)


def to_numpy(x) -> np.ndarray:
    """Return a numpy array for a tensor (detached, on CPU) or an array-like."""
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype == torch.bfloat16 or x.dtype == torch.float16:
            x = x.float()
        return x.cpu().numpy()
    return np.asarray(x)


def complex_dtype(dtype: torch.dtype) -> torch.dtype:
    """The complex dtype matching a real or complex ``dtype``.

    >>> complex_dtype(torch.float64)
    torch.complex128
    """
    if dtype in _COMPLEX_TO_REAL:
        return dtype
    try:
        return _REAL_TO_COMPLEX[dtype]
    except KeyError:
        raise TypeError(f"complex_dtype: expected a floating dtype, got {dtype}") from None


def real_dtype(dtype: torch.dtype) -> torch.dtype:
    """The real dtype matching a complex or real ``dtype``.

    >>> real_dtype(torch.complex64)
    torch.float32
    """
    if dtype in _REAL_TO_COMPLEX:
        return dtype
    try:
        return _COMPLEX_TO_REAL[dtype]
    except KeyError:
        raise TypeError(f"real_dtype: expected a floating or complex dtype, got {dtype}") from None


def as_generator(rng=None, device=None) -> torch.Generator:
    """Return a ``torch.Generator`` from ``rng`` (a Generator, an int seed or None).

    ``None`` gives a freshly, non-deterministically seeded generator; the
    library never touches the global seed.

    >>> g = as_generator(0)
    >>> torch.rand(1, generator=g).item() == torch.rand(1, generator=as_generator(0)).item()
    True
    """
    if isinstance(rng, torch.Generator):
        return rng
    dev = torch.device(device) if device is not None else torch.device("cpu")
    g = torch.Generator(device=dev)
    if rng is None:
        g.seed()
    elif isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        g.manual_seed(int(rng))
    else:
        raise TypeError(
            f"rng: expected a torch.Generator, an int seed or None, got {type(rng).__name__}"
        )
    return g
