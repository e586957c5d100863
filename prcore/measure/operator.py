"""Operator base classes and the registry of linear-operator examples.

Operators are thin ``nn.Module`` shells around pure functions: they hold
buffers (e.g. a transfer function) and call the physics. ``A`` is the forward
model; linear operators add ``A_adjoint``. Every linear operator in prcore
registers a small example with :func:`register_linear_example` so one test
checks ``<A x, y> = <x, A^H y>`` for all of them.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

__all__ = [
    "Operator",
    "LinearOperator",
    "Composition",
    "register_linear_example",
    "linear_examples",
]


class Operator(nn.Module):
    """A forward model ``y = A(x)``. Subclasses implement :meth:`A`."""

    def A(self, x: torch.Tensor) -> torch.Tensor:  # noqa: N802 (the operator's conventional name)
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.A(x)

    def __matmul__(self, other: "Operator") -> "Operator":
        """``A @ B`` is the composition ``x -> A(B(x))``."""
        return Composition(self, other)


class LinearOperator(Operator):
    """A linear forward model with an adjoint ``A_adjoint``."""

    def A_adjoint(self, y: torch.Tensor) -> torch.Tensor:  # noqa: N802
        raise NotImplementedError

    def A_normal(self, x: torch.Tensor) -> torch.Tensor:  # noqa: N802
        """``A^H A x``."""
        return self.A_adjoint(self.A(x))


class Composition(Operator):
    """``outer(inner(x))``; linear (with an adjoint) when both parts are."""

    def __init__(self, outer: Operator, inner: Operator):
        super().__init__()
        self.outer, self.inner = outer, inner

    def A(self, x):  # noqa: N802
        return self.outer.A(self.inner.A(x))

    def A_adjoint(self, y):  # noqa: N802
        if not (isinstance(self.outer, LinearOperator) and isinstance(self.inner, LinearOperator)):
            raise TypeError("A_adjoint: the composition has a nonlinear part, so it has no adjoint")
        return self.inner.A_adjoint(self.outer.A_adjoint(y))


_LINEAR_EXAMPLES: dict[str, Callable] = {}


def register_linear_example(name: str):
    """Register ``factory(dtype, device) -> (operator, input_shape)`` under ``name``.

    The factory builds a small instance of a linear operator; the adjoint test
    in ``tests/measure/test_adjoint.py`` runs over all of them.
    """

    def deco(factory):
        prev = _LINEAR_EXAMPLES.get(name)
        # a module imported twice (e.g. doctests under --import-mode=importlib) re-registers the
        # same factory; only a different factory under the same name is a mistake
        same = prev is not None and (prev.__module__, prev.__qualname__) == (
            factory.__module__, factory.__qualname__)
        if prev is not None and not same:
            raise ValueError(f"register_linear_example: {name!r} is already registered "
                             f"by {prev.__module__}.{prev.__qualname__}")
        _LINEAR_EXAMPLES[name] = factory
        return factory

    return deco


def linear_examples() -> dict[str, Callable]:
    """All registered linear-operator example factories, by name."""
    return dict(_LINEAR_EXAMPLES)
