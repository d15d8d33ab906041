"""Reductions (sums, extrema, moments, norms, softmax, scans) against PyTorch, with gradchecks."""

import math

import numpy as np
import pytest

import dyngrad
from optable import Const, OpCase, needs_torch, parametrize

try:
    import torch
except ImportError:
    torch = None

INF = math.inf


def _bools(shape):
    return Const(lambda rng: rng.random(shape) < 0.5)


def _floats_with_zeros(shape):
    return Const(lambda rng: np.where(rng.random(shape) < 0.3, 0.0, rng.standard_normal(shape)).astype(np.float32))


def _ints(shape):
    return Const(lambda rng: rng.integers(-5, 5, shape))


CASES = [
    # --- sum / mean / prod -----------------------------------------------------------------
    OpCase("sum Tensor.sum", lambda L, a: L.sum(a), [(3, 4)], gradgrad=True),
    OpCase("sum", lambda L, a: L.sum(a, dim=1), [(3, 4)], gradgrad=True),
    OpCase("sum", lambda L, a: a.sum((0, -1), keepdim=True), [(2, 3, 4)], gradgrad=True),
    OpCase("sum", lambda L, a: a.sum(-2), [(2, 3, 4)]),
    OpCase("sum", lambda L, a: a.sum(0), [()], gradgrad=True),
    OpCase("sum", lambda L, a: a.sum(1), [(0, 3)]),
    OpCase("sum", lambda L, a: a.sum(1, dtype=L.float64), [(2, 3)], gradgrad=True),
    OpCase("sum", lambda L, a: L.sum(a, dim=[1, 0]), [(2, 3)]),
    OpCase("sum", lambda L, a: L.sum(a, 0), [Const(lambda rng: rng.integers(0, 9, (3, 2)).astype(np.int32))], grad=False),
    OpCase("mean Tensor.mean", lambda L, a: L.mean(a), [(3, 4)], gradgrad=True),
    OpCase("mean", lambda L, a: a.mean(-1, keepdim=True), [(2, 3, 4)], gradgrad=True),
    OpCase("mean", lambda L, a: a.mean((0, 2)), [(2, 3, 4)]),
    OpCase("mean", lambda L, a: a.mean(dtype=L.float64), [(2, 3)]),
    OpCase("mean", lambda L, a: L.mean(a, 0, dtype=L.float32), [_ints((3, 2))], grad=False),
    OpCase("prod Tensor.prod", lambda L, a: L.prod(a), [(3, 4)], domain="nonzero", gradgrad=True),
    OpCase("prod", lambda L, a: a.prod(1), [(3, 4)], gradgrad=True),
    OpCase("prod", lambda L, a: a.prod(-1, keepdim=True), [(2, 3, 4)], gradgrad=True),
    OpCase("prod", lambda L, a: a.prod(0, dtype=L.float64), [(4, 2)]),
    OpCase("prod", lambda L, a: a.prod(0), [()]),
    OpCase("prod", lambda L, a: L.prod(a, 1), [_floats_with_zeros((4, 5))], grad=False),
    OpCase("sum_to_size Tensor.sum_to_size", lambda L, a: a.sum_to_size(3, 1), [(2, 3, 4)], gradgrad=True),
    OpCase("sum_to_size", lambda L, a: a.sum_to_size((1, 4)), [(3, 4)]),
    # --- extrema -----------------------------------------------------------------------------
    OpCase("max Tensor.max", lambda L, a: L.max(a), [(3, 4)], domain="away"),
    OpCase("max", lambda L, a: a.max(1), [(3, 4)], domain="away"),
    OpCase("max", lambda L, a: L.max(a, dim=-1, keepdim=True), [(2, 3, 4)], domain="away"),
    OpCase("max", lambda L, a: a.max(0), [()]),
    OpCase("max", lambda L, a, b: L.max(a, b), [(3, 4), (4,)], domain="away"),
    OpCase("max", lambda L, a: a.max(0), [_ints((3, 4))], grad=False),
    OpCase("min Tensor.min", lambda L, a: L.min(a), [(3, 4)], domain="away"),
    OpCase("min", lambda L, a: a.min(0), [(3, 4)], domain="away"),
    OpCase("min", lambda L, a: L.min(a, 1, True), [(2, 3, 4)], domain="away"),
    OpCase("min", lambda L, a, b: a.min(b), [(3, 4), (3, 4)], domain="away"),
    OpCase("amax Tensor.amax", lambda L, a: L.amax(a), [(3, 4)], domain="away", gradgrad=True),
    OpCase("amax", lambda L, a: a.amax((0, 2)), [(2, 3, 4)], domain="away", gradgrad=True),
    OpCase("amax", lambda L, a: a.amax(-1, keepdim=True), [(2, 3, 4)], domain="away"),
    OpCase("amax", lambda L, a: a.amax(1), [_ints((3, 4))], grad=False),
    OpCase("amin Tensor.amin", lambda L, a: L.amin(a, 1), [(3, 4)], domain="away", gradgrad=True),
    OpCase("amin", lambda L, a: a.amin((-1, 0), True), [(3, 4)], domain="away"),
    OpCase("argmax Tensor.argmax", lambda L, a: L.argmax(a), [(3, 4)], domain="away", grad=False),
    OpCase("argmax", lambda L, a: a.argmax(1), [(3, 4)], domain="away", grad=False),
    OpCase("argmax", lambda L, a: a.argmax(-1, keepdim=True), [(2, 3, 4)], domain="away", grad=False),
    OpCase("argmax", lambda L, a: a.argmax(keepdim=True), [(2, 3)], domain="away", grad=False),
    OpCase("argmin Tensor.argmin", lambda L, a: L.argmin(a), [(3, 4)], domain="away", grad=False),
    OpCase("argmin", lambda L, a: a.argmin(0, True), [(3, 4)], domain="away", grad=False),
    OpCase("argmin", lambda L, a: a.argmin(0), [_ints((5, 2))], grad=False),
    OpCase("median", lambda L, a: L.median(a), [(3, 4)], domain="away"),
    OpCase("median", lambda L, a: L.median(a), [(5,)], domain="away"),
    OpCase("median", lambda L, a: L.median(a, 1), [(3, 5)], domain="away"),
    OpCase("median", lambda L, a: L.median(a, -1, keepdim=True), [(2, 3, 4)], domain="away"),
    OpCase("count_nonzero", lambda L, a: L.count_nonzero(a), [_floats_with_zeros((4, 5))], grad=False),
    OpCase("count_nonzero", lambda L, a: L.count_nonzero(a, 1), [_floats_with_zeros((4, 5))], grad=False),
    OpCase("count_nonzero", lambda L, a: L.count_nonzero(a, (0, -1)), [_floats_with_zeros((2, 3, 4))], grad=False),
    OpCase("all Tensor.all", lambda L, a: L.all(a), [_bools((3, 4))], grad=False),
    OpCase("all", lambda L, a: a.all(1), [_bools((3, 4))], grad=False),
    OpCase("all", lambda L, a: a.all(-1, keepdim=True), [_floats_with_zeros((3, 4))], grad=False),
    OpCase("any Tensor.any", lambda L, a: L.any(a), [_bools((3, 4))], grad=False),
    OpCase("any", lambda L, a: a.any(0), [_floats_with_zeros((3, 4))], grad=False),
    OpCase("any", lambda L, a: a.any(1, True), [Const(lambda rng: rng.integers(0, 2, (3, 4)).astype(np.uint8))],
           grad=False),
    # --- var / std -----------------------------------------------------------------------------
    OpCase("var Tensor.var", lambda L, a: L.var(a), [(3, 4)], gradgrad=True),
    OpCase("var", lambda L, a: L.var(a, 0), [(3, 4)], gradgrad=True),
    OpCase("var", lambda L, a: a.var((0, -1), keepdim=True), [(2, 3, 4)], gradgrad=True),
    OpCase("var", lambda L, a: a.var(1, unbiased=False), [(3, 4)]),
    OpCase("var", lambda L, a: a.var(1, correction=2), [(3, 4)]),
    OpCase("var", lambda L, a: L.var(a, False), [(3, 4)]),
    OpCase("std Tensor.std", lambda L, a: L.std(a), [(3, 4)], gradgrad=True),
    OpCase("std", lambda L, a: a.std(-1, keepdim=True), [(2, 3, 4)], gradgrad=True),
    OpCase("std", lambda L, a: a.std((0, 1), correction=0), [(2, 3, 4)]),
    OpCase("var_mean", lambda L, a: L.var_mean(a, 1), [(3, 4)], gradgrad=True),
    OpCase("var_mean", lambda L, a: L.var_mean(a, (0, 1), correction=0, keepdim=True), [(3, 4)]),
    OpCase("std_mean", lambda L, a: L.std_mean(a), [(3, 4)], gradgrad=True),
    OpCase("std_mean", lambda L, a: L.std_mean(a, -1, unbiased=False), [(2, 3, 4)]),
    # --- norms -------------------------------------------------------------------------------
    OpCase("norm Tensor.norm", lambda L, a: L.norm(a), [(3, 4)], gradgrad=True),
    OpCase("norm", lambda L, a: a.norm(dim=1), [(3, 4)], gradgrad=True),
    OpCase("norm", lambda L, a: a.norm("fro", (0, 1), keepdim=True), [(2, 3, 4)]),
    OpCase("norm", lambda L, a: a.norm(2, -1, True), [(2, 3, 4)], gradgrad=True),
    OpCase("norm", lambda L, a: a.norm(1, 0), [(3, 4)], domain="away", gradgrad=True),
    OpCase("norm", lambda L, a: a.norm(INF), [(3, 4)], domain="away"),
    OpCase("norm", lambda L, a: a.norm(-INF, 1), [(3, 4)], domain="away"),
    OpCase("norm", lambda L, a: a.norm(0, 1), [(3, 4)], domain="away"),
    OpCase("norm", lambda L, a: a.norm(3, 1), [(3, 4)], domain="away", gradgrad=True),
    OpCase("norm", lambda L, a: a.norm(0.5), [(3, 4)], domain="away", gradgrad=True),
    OpCase("norm", lambda L, a: a.norm(-1.5, (0, 1)), [(3, 4)], domain="away"),
    OpCase("norm", lambda L, a: L.norm(a, dim=0, dtype=L.float64), [(3, 4)]),
    # --- logsumexp / softmax -------------------------------------------------------------------
    OpCase("logsumexp Tensor.logsumexp", lambda L, a: L.logsumexp(a, 1), [(3, 4)], gradgrad=True),
    OpCase("logsumexp", lambda L, a: a.logsumexp((0, -1), keepdim=True), [(2, 3, 4)], gradgrad=True),
    OpCase("logsumexp", lambda L, a: a.logsumexp(0), [()]),
    OpCase("logsumexp", lambda L, a: L.logsumexp(a, 0), [_ints((4, 2))], grad=False),
    OpCase("softmax Tensor.softmax", lambda L, a: L.softmax(a, 1), [(3, 4)], gradgrad=True),
    OpCase("softmax", lambda L, a: a.softmax(0), [(2, 3, 4)], gradgrad=True),
    OpCase("softmax", lambda L, a: a.softmax(-1, dtype=L.float64), [(3, 4)]),
    OpCase("softmax", lambda L, a: a.softmax(0), [()]),
    OpCase("log_softmax Tensor.log_softmax", lambda L, a: L.log_softmax(a, 1), [(3, 4)], gradgrad=True),
    OpCase("log_softmax", lambda L, a: a.log_softmax(-2), [(2, 3, 4)], gradgrad=True),
    OpCase("log_softmax", lambda L, a: a.log_softmax(0, dtype=L.float64), [(5,)]),
    # --- scans -------------------------------------------------------------------------------
    OpCase("cumsum Tensor.cumsum", lambda L, a: L.cumsum(a, 1), [(3, 4)], gradgrad=True),
    OpCase("cumsum", lambda L, a: a.cumsum(-3), [(2, 3, 4)], gradgrad=True),
    OpCase("cumsum", lambda L, a: a.cumsum(0, dtype=L.float64), [(5,)]),
    OpCase("cumsum", lambda L, a: a.cumsum(0), [()]),
    OpCase("cumsum", lambda L, a: a.cumsum(1), [_ints((3, 4))], grad=False),
    OpCase("cumprod Tensor.cumprod", lambda L, a: L.cumprod(a, 1), [(3, 4)], gradgrad=True),
    OpCase("cumprod", lambda L, a: a.cumprod(0), [(2, 3, 4)], gradgrad=True),
    OpCase("cumprod", lambda L, a: a.cumprod(-1, dtype=L.float64), [(5,)]),
    OpCase("cumprod", lambda L, a: a.cumprod(0), [_floats_with_zeros((6, 3))], grad=False),
]

globals().update(parametrize(CASES))


# --- named tuples ------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["max", "min", "median"])
def test_dim_reductions_return_named_values_and_indices(op):
    x = dyngrad.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    result = getattr(dyngrad, op)(x, 1)
    values, indices = result  # unpacks like a tuple
    assert result.values is values and result.indices is indices
    assert result[0] is values and len(result) == 2
    assert indices.dtype == dyngrad.int64
    assert type(result).__name__ == op
    expected = {"max": ([5.0, 6.0], [1, 2]), "min": ([1.0, 2.0], [0, 1]), "median": ([3.0, 4.0], [2, 0])}[op]
    assert values.tolist() == expected[0] and indices.tolist() == expected[1]
    text = repr(result)
    assert text.startswith(f"dyngrad.return_types.{op}(\nvalues=tensor(") and "\nindices=tensor(" in text


def test_max_without_dim_is_a_tensor_and_shares_ties_evenly():
    x = dyngrad.tensor([[1.0, 3.0, 3.0], [2.0, 3.0, 0.0]], requires_grad=True)
    y = x.max()
    assert isinstance(y, dyngrad.Tensor) and y.shape == ()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 1 / 3, 1 / 3], [0, 1 / 3, 0]], rtol=1e-6)


def test_max_with_dim_sends_the_gradient_to_the_returned_index():
    x = dyngrad.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    values, indices = x.max(1)
    assert indices.tolist() == [1, 0]  # the first of tied maxima, as in PyTorch
    values.sum().backward()
    assert x.grad.tolist() == [[0, 1, 0], [1, 0, 0]]


def test_amax_shares_ties_evenly():
    x = dyngrad.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    x.amax(1).sum().backward()
    assert x.grad.tolist() == [[0, 0.5, 0.5], [0.5, 0.5, 0]]


@needs_torch
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("call", ["max()", "min()", "amax(1)", "amin(0)", "amax((0, 2), keepdim=True)"])
def test_extreme_gradients_are_torch_s_to_the_bit(call, dtype, create_graph):
    """Ties share g / count in the input's dtype; the other entries hold g's sign times zero for
    amax/amin and +0 for max()/min(), as PyTorch's do (a negative g shows the difference)."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, (3, 4, 5)).astype(dtype)  # many ties
    ga = rng.uniform(-1.0, 0.5, tuple(eval(f"torch.from_numpy(x).{call}").shape)).astype(dtype)
    grads = []
    for L in (dyngrad, torch):
        t = L.tensor(x, requires_grad=True)
        y = eval(f"t.{call}")
        (gx,) = L.autograd.grad(y, t, L.tensor(ga), create_graph=create_graph and L is dyngrad)
        grads.append(gx.detach().numpy())
    assert grads[0].dtype == grads[1].dtype
    np.testing.assert_array_equal(grads[0].view(np.uint8), grads[1].view(np.uint8))


# --- dtypes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("src", ["int32", "int64", "bool", "uint8"])
@pytest.mark.parametrize("op", ["sum", "prod"])
def test_integer_sums_and_products_give_int64(op, src):
    x = dyngrad.ones(2, 3, dtype=getattr(dyngrad, "bool" if src == "bool" else src))
    assert getattr(dyngrad, op)(x).dtype == dyngrad.int64
    assert getattr(x, op)(1).dtype == dyngrad.int64


def test_integer_scans_give_int64_and_keep_values():
    x = dyngrad.tensor([1, 2, 3], dtype=dyngrad.int32)
    assert x.cumsum(0).dtype == dyngrad.int64 and x.cumsum(0).tolist() == [1, 3, 6]
    assert x.cumprod(0).dtype == dyngrad.int64 and x.cumprod(0).tolist() == [1, 2, 6]


def test_sum_dtype_argument():
    x = dyngrad.tensor([1.5, 2.5], requires_grad=True)
    y = x.sum(dtype=dyngrad.float64)
    assert y.dtype == dyngrad.float64
    y.backward()
    assert x.grad.dtype == dyngrad.float32


def test_mean_of_integers_raises_like_pytorch():
    x = dyngrad.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype.*Long|mean\(\).*int64"):
        dyngrad.mean(x)
    with pytest.raises(RuntimeError, match="mean"):
        x.mean(dtype=dyngrad.int64)
    assert x.mean(dtype=dyngrad.float64).item() == 2.0


@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std_of_integers_raise(op):
    with pytest.raises(RuntimeError, match="floating point"):
        getattr(dyngrad, op)(dyngrad.tensor([1, 2, 3]))


def test_norm_of_integers_raises_and_softmax_of_integers_too():
    with pytest.raises(RuntimeError, match="floating point"):
        dyngrad.norm(dyngrad.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match="softmax"):
        dyngrad.softmax(dyngrad.tensor([1, 2]), 0)
    assert dyngrad.softmax(dyngrad.tensor([1, 2]), 0, dtype=dyngrad.float64).dtype == dyngrad.float64


def test_logical_reductions_dtypes():
    assert dyngrad.tensor([1.0, 0.0]).all().dtype == dyngrad.bool
    assert dyngrad.tensor([1, 0], dtype=dyngrad.uint8).any().dtype == dyngrad.uint8
    assert dyngrad.tensor([[1.0, 0.0], [2.0, 3.0]]).all(1).tolist() == [False, True]


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "logsumexp", "var", "std", "argmax", "count_nonzero"])
def test_out_of_range_dim_raises_index_error(op):
    x = dyngrad.ones(2, 3)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        getattr(dyngrad, op)(x, 2)


@pytest.mark.parametrize("op", ["max", "min", "median", "prod", "softmax", "log_softmax", "cumsum", "cumprod"])
def test_out_of_range_dim_raises_for_single_dim_ops(op):
    with pytest.raises(IndexError, match="Dimension out of range"):
        getattr(dyngrad, op)(dyngrad.ones(2, 3), -3)


def test_repeated_dim_raises():
    with pytest.raises(RuntimeError, match="appears multiple times"):
        dyngrad.ones(2, 3).sum((0, -2))


def test_reducing_an_empty_dim_to_an_extreme_raises():
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified"):
        dyngrad.ones(0).max()
    with pytest.raises(IndexError, match=r"amax\(\): Expected reduction dim 0 to have non-zero size"):
        dyngrad.ones(0, 3).amax(0)
    assert dyngrad.ones(0, 3).amax(1).shape == (0,)


def test_sum_to_size_rejects_shapes_it_cannot_reach():
    with pytest.raises(RuntimeError, match=r"size \{\[4\]\} is not expandable to size \{\[2, 3\]\}"):
        dyngrad.ones(2, 3).sum_to_size(4)


def test_prod_takes_one_dim():
    with pytest.raises(TypeError, match="prod"):
        dyngrad.prod(dyngrad.ones(2, 3), (0, 1))


def test_var_with_correction_past_the_sample_size_warns_and_gives_inf():
    x = dyngrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        v = x.var(correction=7)
    assert v.item() == math.inf


# --- numerics ----------------------------------------------------------------------------------


def test_softmax_of_large_values_stays_finite():
    x = dyngrad.tensor([[1000.0, 0.0, -1000.0], [3e38, 3e38, 0.0]], requires_grad=True)
    y = dyngrad.softmax(x, 1)
    assert np.isfinite(y.detach().numpy()).all()
    np.testing.assert_allclose(y.detach().numpy(), [[1, 0, 0], [0.5, 0.5, 0]], atol=1e-7)
    ls = dyngrad.log_softmax(x, 1)
    assert ls.detach().numpy()[0].tolist() == [0.0, -1000.0, -2000.0]
    (y.sum() + ls.sum()).backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_logsumexp_is_stable_and_handles_minus_inf():
    x = dyngrad.tensor([[1000.0, 1000.0], [-INF, -INF], [-INF, 0.0]])
    out = dyngrad.logsumexp(x, 1).numpy()
    np.testing.assert_allclose(out[0], 1000 + math.log(2))
    assert out[1] == -INF and out[2] == 0.0
    assert dyngrad.logsumexp(dyngrad.ones(0, 2), 0).tolist() == [-INF, -INF]


def test_norm_gradient_at_zero_is_zero():
    for dim in (None, 1):
        x = dyngrad.zeros(2, 3, requires_grad=True)
        dyngrad.norm(x, dim=dim).sum().backward()
        assert x.grad.tolist() == [[0.0] * 3] * 2
    x = dyngrad.zeros(3, requires_grad=True)
    x.norm(3).backward()
    assert x.grad.tolist() == [0.0] * 3


def test_std_gradient_of_a_constant_is_zero():
    x = dyngrad.full((4,), 0.1, requires_grad=True)
    x.std().backward()
    assert x.grad.tolist() == [0.0] * 4


# --- gradients through zeros ---------------------------------------------------------------------


ZERO_INPUTS = {
    "one_zero": [[2.0, 0.0, 3.0, -1.5], [1.5, 2.0, -0.5, 3.0]],
    "two_zeros": [[0.0, 2.0, 0.0, 3.0], [1.5, 0.0, -0.5, 3.0]],
    "many_zeros": [[0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 2.0]],
    "mixed": [[0.0, 2.0, 0.0, 3.0, 0.0, 1.5], [1.0, 0.0, 2.0, 0.5, 0.0, -1.0], [1.0, 2.0, 0.0, 0.5, 3.0, -1.0]],
}

ZERO_OPS = {
    "prod": lambda L, x: L.prod(x),
    "prod_dim": lambda L, x: L.prod(x, 1),
    "prod_dim0": lambda L, x: L.prod(x, 0, keepdim=True),
    "cumprod": lambda L, x: L.cumprod(x, 1),
    "cumprod0": lambda L, x: L.cumprod(x, 0),
}


@needs_torch
@pytest.mark.parametrize("inputs", sorted(ZERO_INPUTS))
@pytest.mark.parametrize("op", sorted(ZERO_OPS))
def test_products_with_zeros_match_torch_gradients(op, inputs):
    data = np.array(ZERO_INPUTS[inputs])
    fn = ZERO_OPS[op]
    x = dyngrad.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    y, z = fn(dyngrad, x), fn(torch, t)
    go = np.random.default_rng(0).standard_normal(tuple(z.shape))
    y.backward(dyngrad.tensor(go))
    z.backward(torch.tensor(go))
    np.testing.assert_allclose(y.detach().numpy(), z.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("inputs", sorted(ZERO_INPUTS))
@pytest.mark.parametrize("op", sorted(ZERO_OPS))
def test_products_with_zeros_pass_gradcheck(op, inputs):
    # products are polynomials: finite differences are exact enough even at the zeros
    x = dyngrad.tensor(ZERO_INPUTS[inputs], dtype=dyngrad.float64, requires_grad=True)
    assert dyngrad.autograd.gradcheck(lambda a: ZERO_OPS[op](dyngrad, a), [x], eps=1e-6, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("inputs", sorted(ZERO_INPUTS))
@pytest.mark.parametrize("op", sorted(ZERO_OPS))
def test_products_with_zeros_pass_gradgradcheck(op, inputs):
    # the backward formulas stay exact as functions, so second derivatives are right at zeros too
    x = dyngrad.tensor(ZERO_INPUTS[inputs], dtype=dyngrad.float64, requires_grad=True)
    assert dyngrad.autograd.gradgradcheck(lambda a: ZERO_OPS[op](dyngrad, a), [x], eps=1e-6, atol=1e-5, rtol=1e-3)
