"""Creation functions: values and dtypes equal PyTorch's, errors like PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import dyngrad

torch = pytest.importorskip("torch")


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else t._data


CASES = {
    "tensor_ints": lambda L: L.tensor([[1, 2], [3, 4]]),
    "tensor_floats": lambda L: L.tensor([1.5, 2.0]),
    "tensor_mixed": lambda L: L.tensor([1, 2.5]),
    "tensor_bools": lambda L: L.tensor([True, False]),
    "tensor_scalar": lambda L: L.tensor(3.25),
    "tensor_int_scalar": lambda L: L.tensor(7),
    "tensor_empty": lambda L: L.tensor([]),
    "tensor_np_f64": lambda L: L.tensor(np.arange(3.0)),
    "tensor_np_i32": lambda L: L.tensor(np.arange(3, dtype=np.int32)),
    "tensor_np_scalar": lambda L: L.tensor(np.float64(2.5)),
    "tensor_list_of_0dim": lambda L: L.tensor([L.tensor(1.5), L.tensor(2.0)]),
    "tensor_dtype": lambda L: L.tensor([1, 2], dtype=L.float64),
    "as_tensor": lambda L: L.as_tensor([1.0, 2.0], dtype=L.float64),
    "from_numpy": lambda L: L.from_numpy(np.ones((2, 2), np.float32)),
    "zeros": lambda L: L.zeros(2, 3),
    "zeros_tuple_int": lambda L: L.zeros((2, 3), dtype=L.int64),
    "ones": lambda L: L.ones([3]),
    "ones_0dim": lambda L: L.ones(()),
    "full_int": lambda L: L.full((2,), 3),
    "full_float": lambda L: L.full((2,), 2.5),
    "full_bool": lambda L: L.full((2,), True),
    "zeros_like": lambda L: L.zeros_like(L.ones(2, dtype=L.int32)),
    "ones_like": lambda L: L.ones_like(L.ones(2), dtype=L.float64),
    "full_like": lambda L: L.full_like(L.ones(2, 2), 7.5),
    "empty_shape": lambda L: L.zeros_like(L.empty(2, 0)),
    "arange_int": lambda L: L.arange(5),
    "arange_start_end_step": lambda L: L.arange(1, 10, 3),
    "arange_negative_step": lambda L: L.arange(5, -3, -2),
    "arange_float_start": lambda L: L.arange(0.0, 5),
    "arange_float_step_count": lambda L: L.arange(0, 1, 0.1),
    "arange_float_count_edge": lambda L: L.arange(0, 0.3, 0.1),
    "arange_halves": lambda L: L.arange(1, 2.5, 0.5),
    "arange_dtype": lambda L: L.arange(4, dtype=L.float64),
    "arange_tensor_bound": lambda L: L.arange(L.tensor(3)),
    "linspace": lambda L: L.linspace(0, 1, 5),
    "linspace_odd": lambda L: L.linspace(0.3, -2.1, 33),
    "linspace_f64": lambda L: L.linspace(-1.7, 9.3, 101, dtype=L.float64),
    "linspace_int": lambda L: L.linspace(-3, 10, 7, dtype=L.int64),
    "linspace_one": lambda L: L.linspace(2, 3, 1),
    "linspace_zero": lambda L: L.linspace(2, 3, 0),
    "logspace": lambda L: L.logspace(0, 2, 5),
    "logspace_base2": lambda L: L.logspace(-1, 1, 5, base=2, dtype=L.float64),
    "eye": lambda L: L.eye(3),
    "eye_rect": lambda L: L.eye(2, 4, dtype=L.int64),
    "legacy_sizes": lambda L: L.Tensor(2, 3).zero_(),
    "legacy_list": lambda L: L.Tensor([1, 2, 3]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_creation_matches_torch(name):
    got, want = _np(CASES[name](dyngrad)), _np(CASES[name](torch))
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_linspace_is_bit_exact_over_many_ranges():
    rng = np.random.default_rng(0)
    for _ in range(200):
        a, b = (float(v) for v in rng.normal(size=2) * 10)
        n = int(rng.integers(2, 300))
        for dt in ("float32", "float64"):
            np.testing.assert_array_equal(
                _np(dyngrad.linspace(a, b, n, dtype=getattr(dyngrad, dt))),
                _np(torch.linspace(a, b, n, dtype=getattr(torch, dt))),
            )


def test_arange_counts_and_closeness():
    """Counts are exact; float values within an ulp (PyTorch's float arange is not reproduced bit for bit)."""
    rng = np.random.default_rng(1)
    for _ in range(200):
        a = float(np.round(rng.normal() * 10, 2))
        step = float(np.round(abs(rng.normal()), 2)) or 0.1
        b = a + step * float(rng.integers(1, 60)) + float(rng.choice([0.0, 1e-9, -1e-9]))
        got, want = _np(dyngrad.arange(a, b, step)), _np(torch.arange(a, b, step))
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=2e-7, atol=1e-6)


def test_memory_sharing():
    arr = np.zeros(3, np.float32)
    t = dyngrad.from_numpy(arr)
    arr[0] = 5
    assert t._data[0] == 5
    assert dyngrad.as_tensor(arr)._data is arr
    assert dyngrad.tensor(arr)._data is not arr


def test_requires_grad():
    t = dyngrad.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf
    assert dyngrad.zeros(2, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        dyngrad.tensor([1, 2], requires_grad=True)


def test_errors():
    with pytest.raises(RuntimeError, match="negative"):
        dyngrad.zeros(2, -1)
    with pytest.raises(RuntimeError, match="negative"):
        dyngrad.ones(-3)
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        dyngrad.arange(0, 1, 0)
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        dyngrad.arange(1, 0, 1)
    with pytest.raises(RuntimeError, match="non-negative"):
        dyngrad.linspace(0, 1, -1)
    with pytest.raises(TypeError, match="from_numpy"):
        dyngrad.from_numpy([1, 2])
    with pytest.raises(TypeError):
        dyngrad.tensor(["a", "b"])


def test_tensor_with_float64_dtype_keeps_python_float_precision():
    assert dyngrad.tensor([0.1], dtype=dyngrad.float64).item() == 0.1
    assert dyngrad.tensor(0.1, dtype=dyngrad.float64).item() == 0.1
