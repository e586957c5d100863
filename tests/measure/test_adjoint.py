"""One adjoint test for every registered linear operator: <A x, y> = <x, A^H y> in complex128.

Operators register a small example with
``@prcore.measure.operator.register_linear_example``. Every submodule of
``prcore.measure`` and ``prcore.recover`` is imported first, so operators added
later in new modules are picked up without editing this file. A module that
fails to import shows up as a failing ``test_operator_modules_import`` case
instead of hiding its operators.
"""

import importlib
import pkgutil

import pytest
import torch

import prcore.measure
import prcore.recover
from prcore.measure.operator import linear_examples
from prcore.measure.propagation import FreeSpacePropagation
from prcore.testing import assert_adjoint


def _import_all(*packages):
    errors = {}
    for pkg in packages:
        for info in pkgutil.walk_packages(pkg.__path__, prefix=pkg.__name__ + "."):
            try:
                importlib.import_module(info.name)
            except Exception as exc:  # reported by test_operator_modules_import
                errors[info.name] = f"{type(exc).__name__}: {exc}"
    return errors


_IMPORT_ERRORS = _import_all(prcore.measure, prcore.recover)
_EXAMPLES = linear_examples()


def test_operator_modules_import():
    assert not _IMPORT_ERRORS, f"modules that failed to import: {_IMPORT_ERRORS}"


def test_linear_examples_registered():
    # the three propagation examples at least; a broken registry would leave it empty
    assert {"FreeSpacePropagation[asm]", "FreeSpacePropagation[fresnel]"} <= set(_EXAMPLES)


@pytest.mark.parametrize("name", sorted(_EXAMPLES))
def test_linear_operator_adjoint(name, device):
    op, x_shape = _EXAMPLES[name](torch.complex128, device)
    assert_adjoint(op, x_shape, dtype=torch.complex128, device=device, rtol=1e-10)


class _WrongAdjoint(FreeSpacePropagation):
    """Propagation by +z in both directions: not the adjoint."""

    def A_adjoint(self, y):  # noqa: N802
        return self.A(y)


def test_assert_adjoint_fails_for_wrong_adjoint():
    op = _WrongAdjoint((16, 16), 3e-4, 633e-9, 2e-6, dtype=torch.complex128)
    with pytest.raises(AssertionError, match="adjoint test failed"):
        assert_adjoint(op, (16, 16))


def test_assert_adjoint_fails_for_scaled_adjoint():
    class Scaled(FreeSpacePropagation):
        def A_adjoint(self, y):  # noqa: N802
            return 1.001 * super().A_adjoint(y)

    op = Scaled((8, 8), 1e-4, 633e-9, 2e-6, dtype=torch.complex128)
    with pytest.raises(AssertionError, match="relative error"):
        assert_adjoint(op, (8, 8))


def test_assert_adjoint_fails_for_phase_error():
    # same magnitude of <x, A^H y>, wrong phase: a magnitude-only comparison would miss it
    class Rotated(FreeSpacePropagation):
        def A_adjoint(self, y):  # noqa: N802
            return 1j * super().A_adjoint(y)

    op = Rotated((8, 8), 1e-4, 633e-9, 2e-6, dtype=torch.complex128)
    with pytest.raises(AssertionError, match="adjoint test failed"):
        assert_adjoint(op, (8, 8))


def test_composition_adjoint():
    a = FreeSpacePropagation((12, 12), 1e-4, 633e-9, 2e-6, dtype=torch.complex128)
    b = FreeSpacePropagation((12, 12), 5e-5, 633e-9, 2e-6, method="fresnel", dtype=torch.complex128)
    assert_adjoint(a @ b, (12, 12))
