"""numpy <-> torch bridge, dtype helpers, generators, input guards and shared asserts."""

import math

import numpy as np
import pytest
import torch

from prcore import _checks
from prcore.backend import as_generator, as_tensor, complex_dtype, real_dtype, to_numpy
from prcore.testing import assert_close, assert_phase_close, tolerance


def test_as_tensor_and_to_numpy_round_trip():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = as_tensor(a)
    assert t.dtype == torch.float32 and t.shape == (2, 3)
    np.testing.assert_array_equal(to_numpy(t), a)
    assert as_tensor(a, dtype=torch.float64).dtype == torch.float64
    assert as_tensor(np.asfortranarray(a)).is_contiguous()
    x = torch.ones(2, requires_grad=True)
    assert isinstance(to_numpy(x * 2), np.ndarray)  # detached
    assert to_numpy(torch.ones(2, dtype=torch.bfloat16)).dtype == np.float32
    with pytest.raises(TypeError, match="^as_tensor"):
        as_tensor(np.array(["a"]))


def test_complex_and_real_dtype():
    assert complex_dtype(torch.float32) == torch.complex64
    assert complex_dtype(torch.float64) == torch.complex128
    assert complex_dtype(torch.complex64) == torch.complex64
    assert real_dtype(torch.complex128) == torch.float64
    assert real_dtype(torch.float32) == torch.float32
    with pytest.raises(TypeError, match="^complex_dtype"):
        complex_dtype(torch.int64)
    with pytest.raises(TypeError, match="^real_dtype"):
        real_dtype(torch.int32)


def test_as_generator_seeds_and_passes_through():
    a = torch.rand(3, generator=as_generator(5))
    b = torch.rand(3, generator=as_generator(np.int64(5)))
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    g = torch.Generator()
    assert as_generator(g) is g
    assert isinstance(as_generator(None), torch.Generator)
    state = torch.random.get_rng_state()
    as_generator(None)
    assert torch.equal(state, torch.random.get_rng_state())  # the global seed is untouched
    with pytest.raises(TypeError, match="^rng"):
        as_generator(1.5)
    with pytest.raises(TypeError, match="^rng"):
        as_generator(True)


@pytest.mark.parametrize(
    "fn, exc, message",
    [
        (
            lambda: _checks.check_tensor([1.0], "x"),
            TypeError,
            "x: expected a torch.Tensor, got list",
        ),
        (lambda: _checks.check_complex(torch.ones(2), "u"), TypeError, "u: expected a complex"),
        (
            lambda: _checks.check_real(torch.ones(2, dtype=torch.int64), "a"),
            TypeError,
            "a: expected a real floating-point tensor, got dtype torch.int64",
        ),
        (lambda: _checks.check_real(torch.ones(2, dtype=torch.complex64), "a"), TypeError, "a:"),
        (
            lambda: _checks.check_finite(torch.tensor([1.0, math.inf, math.nan]), "v"),
            ValueError,
            "v: expected finite values, got 2 NaN/Inf",
        ),
        (
            lambda: _checks.check_min_ndim(torch.ones(3), 2, "f"),
            ValueError,
            r"f: expected at least 2 dimensions \(\.\.\., H, W\), got shape \(3,\)",
        ),
        (lambda: _checks.check_shape_2d((3,), "shape"), ValueError, "shape: expected a pair"),
        (lambda: _checks.check_shape_2d((3, 0), "shape"), ValueError, "shape: expected positive"),
        (
            lambda: _checks.check_positive(0.0, "wavelength", "m"),
            ValueError,
            "wavelength: expected a finite value > 0 m, got 0.0",
        ),
        (lambda: _checks.check_positive(math.inf, "w"), ValueError, "w:"),
        (
            lambda: _checks.check_positive(torch.tensor([1.0, -1.0]), "z", "m"),
            ValueError,
            r"z: expected finite values > 0 m, got \[1.0, -1.0\]",
        ),
        (lambda: _checks.check_positive("1", "w"), TypeError, "w: expected a real number, got str"),
        (lambda: _checks.check_positive(True, "w"), TypeError, "w:"),
        (lambda: _checks.check_positive(torch.tensor(1j), "w"), TypeError, "w: expected a real"),
        (lambda: _checks.check_nonnegative(-1e-9, "sigma"), ValueError, "sigma: expected a finite"),
        (lambda: _checks.check_nonnegative(torch.tensor([-1.0]), "s"), ValueError, "s:"),
        (
            lambda: _checks.check_nonnegative_tensor(torch.tensor([0.5, -0.2]), "I"),
            ValueError,
            "I: expected non-negative values",
        ),
        (
            lambda: _checks.check_same_device(
                ("a", torch.ones(1)), ("b", torch.ones(1, device="meta"))
            ),
            ValueError,
            "b: expected a tensor on cpu",
        ),
    ],
)
def test_checks_raise_with_argument_name(fn, exc, message):
    with pytest.raises(exc, match=f"^{message}"):
        fn()


def test_check_finite_fast_path_is_exact():
    # the sum of huge finite values overflows: still finite entries, so no error
    _checks.check_finite(torch.full((4,), 3e38), "x")
    _checks.check_finite(torch.full((4,), 3e38 + 3e38j, dtype=torch.complex64), "x")
    _checks.check_finite(torch.arange(5), "x")  # integers are always finite
    _checks.check_finite(torch.empty(0), "x")
    # +inf and -inf cancel to NaN in the sum; a lone NaN in the imaginary part is caught
    with pytest.raises(ValueError, match="got 2 NaN/Inf"):
        _checks.check_finite(torch.tensor([math.inf, -math.inf, 1.0]), "x")
    with pytest.raises(ValueError, match="got 1 NaN/Inf"):
        _checks.check_finite(torch.tensor([1 + 0j, complex(0, math.nan)]), "x")


def test_checks_accept_good_input():
    x = torch.ones(2, 3, dtype=torch.complex64)
    assert _checks.check_complex(x, "x") is x
    assert _checks.check_min_ndim(x, 2, "x") is x
    assert _checks.check_shape_2d([4, 5]) == (4, 5)
    assert _checks.check_positive(torch.tensor([1.0, 2.0]), "z") is not None
    assert _checks.check_nonnegative(0, "s") == 0
    _checks.check_nonnegative_tensor(torch.tensor([-1e-12, 1.0]), "I", atol=1e-9)
    _checks.check_same_device(("a", torch.ones(1)), ("b", 3.0), ("c", torch.ones(1)))


def test_assert_phase_close_modulo_two_pi_and_offset():
    p = torch.rand(8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert_phase_close(p + 2 * math.pi + 0.3, p)
    assert_phase_close(p - 4 * math.pi, p, remove_offset=False)
    with pytest.raises(AssertionError, match="phases differ"):
        assert_phase_close(p + 0.3, p, remove_offset=False)
    with pytest.raises(AssertionError, match="phases differ"):
        assert_phase_close(p + 0.01 * torch.arange(64.0).reshape(8, 8), p)
    mask = torch.zeros(8, 8, dtype=torch.bool)
    mask[:4] = True
    q = p.clone()
    q[4:] += 1.0  # error outside the mask only
    assert_phase_close(q, p, mask=mask)
    with pytest.raises(AssertionError, match="shapes differ"):
        assert_phase_close(p[:4], p)


def test_tolerance_table_and_assert_close():
    assert tolerance(torch.complex64) == (1e-5, 1e-5)
    assert tolerance(torch.float64)[0] <= 1e-10
    with pytest.raises(ValueError, match="^dtype"):
        tolerance(torch.int8)
    x = torch.ones(3, dtype=torch.float64)
    assert_close(x + 1e-13, x)
    with pytest.raises(AssertionError):
        assert_close(x + 1e-6, x)
