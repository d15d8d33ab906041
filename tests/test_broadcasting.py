"""Hypothesis: binary ops broadcast any compatible shapes like PyTorch (values and gradients)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dyngrad
from optable import needs_torch, torch

BINARY = {
    "add": lambda L, a, b: a + b,
    "sub": lambda L, a, b: a - b,
    "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / (b * b + 1),
    "maximum": lambda L, a, b: L.maximum(a, b),
    "pow": lambda L, a, b: (a * a + 1) ** b,
    "where": lambda L, a, b: L.where(a > b, a, b),
}


@needs_torch
@settings(max_examples=40, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
       op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**16))
def test_binary_broadcasting_matches_torch(shapes, op, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    out = {}
    for lib in (dyngrad, torch):
        x = lib.tensor(a, requires_grad=True)
        y = lib.tensor(b, requires_grad=True)
        z = BINARY[op](lib, x, y)
        z.backward(lib.ones_like(z))
        out[lib] = (z.detach().numpy(), x.grad.numpy(), y.grad.numpy())
    assert out[dyngrad][0].shape == shapes.result_shape
    for ours, theirs in zip(out[dyngrad], out[torch]):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=4))
@settings(max_examples=30, deadline=None)
def test_incompatible_shapes_name_the_op_and_shapes(shapes):
    sa, sb = shapes.input_shapes
    bad = tuple(s + 5 for s in sb)  # sizes > 1 that differ from every size in sa
    try:
        np.broadcast_shapes(sa, bad)
        return  # compatible after all (sa has 1s where they meet)
    except ValueError:
        pass
    x, y = dyngrad.zeros(sa), dyngrad.zeros(bad)
    with pytest.raises(RuntimeError, match=r"add.*\[.*\].*\[.*\]"):
        x + y



SCALARS = [0.5, -0.0, 1 / 3, 7, 0, -3, 1e5, 65519.0, 65520.0, 3e-8, 1e39, -1e39, 1e-45,
           float("inf"), float("-inf"), float("nan"), 2**70]
UFUNCS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("op", sorted(UFUNCS))
def test_python_scalar_operand_takes_the_tensor_dtype(dtype, op):
    # the operand fast path hands NumPy a 0-d array of the tensor's dtype instead of the Python
    # scalar: the values must be NumPy's for the weakly typed scalar, bit for bit (signed zeros,
    # overflow to inf, nan), with the scalar on either side
    fn = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b}[op]
    vals = np.array([0.0, -0.0, 1.5, -2.25, 3e-5, 6e4, np.inf, -np.inf, np.nan, 1e-7], dtype)
    x = dyngrad.tensor(vals)
    with np.errstate(all="ignore"):
        for s in SCALARS:
            for ours, expected in ((fn(x, s), UFUNCS[op](vals, s)), (fn(s, x), UFUNCS[op](s, vals))):
                assert ours.dtype.name == dtype
                np.testing.assert_array_equal(ours.numpy(), expected, err_msg=f"{op} with {s!r}", strict=True)
                assert (np.signbit(ours.numpy()) == np.signbit(expected)).all(), (op, s)
