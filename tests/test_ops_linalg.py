"""Linear-algebra ops against PyTorch, with gradchecks (cases in CASES, checks from optable)."""

import numpy as np
import pytest

import dyngrad
from optable import OpCase, parametrize

try:
    import torch
except ImportError:
    torch = None


def _linear(L, *args):
    f = L.nn.functional.linear if L is torch else L.linear
    return f(*args)


CASES = [
    # matmul: every rank combination
    OpCase("matmul Tensor.matmul Tensor.__matmul__", lambda L, a, b: a @ b, [(3, 4), (4, 5)], gradgrad=True),
    OpCase("matmul", lambda L, a, b: L.matmul(a, b), [(4,), (4,)], gradgrad=True),
    OpCase("matmul", lambda L, a, b: L.matmul(a, b), [(4,), (4, 3)], gradgrad=True),
    OpCase("matmul", lambda L, a, b: L.matmul(a, b), [(3, 4), (4,)], gradgrad=True),
    OpCase("matmul", lambda L, a, b: L.matmul(a, b), [(2, 3, 4), (4,)], gradgrad=True),
    OpCase("matmul", lambda L, a, b: L.matmul(a, b), [(4,), (2, 4, 3)], gradgrad=True),
    OpCase("matmul", lambda L, a, b: L.matmul(a, b), [(2, 3, 4), (2, 4, 5)], gradgrad=True),
    OpCase("matmul", lambda L, a, b: L.matmul(a, b), [(2, 1, 3, 4), (5, 4, 2)], gradgrad=True),
    OpCase("matmul", lambda L, a, b: L.matmul(a, b), [(2, 3, 4), (4, 5)], gradgrad=True),
    OpCase("matmul", lambda L, a, b: L.matmul(a, b), [(3, 4), (2, 2, 4, 5)], gradgrad=True),
    OpCase("matmul", lambda L, a, b: L.matmul(a, b), [(1, 3, 4), (2, 1, 4, 1)], gradgrad=True),
    OpCase("matmul", lambda L, a, b: L.matmul(a, b), [(0, 3), (3, 2)]),
    OpCase("matmul", lambda L, a, b: L.matmul(a, b), [(2, 0), (0, 2)]),
    OpCase("Tensor.__rmatmul__", lambda L, a, b: b.__rmatmul__(a), [(3, 4), (4, 2)]),
    # the named 2-D / 3-D / vector products
    OpCase("mm Tensor.mm", lambda L, a, b: L.mm(a, b) + a.mm(b), [(3, 4), (4, 5)], gradgrad=True),
    OpCase("mm", lambda L, a, b: L.mm(a, b), [(1, 1), (1, 3)], gradgrad=True),
    OpCase("bmm Tensor.bmm", lambda L, a, b: L.bmm(a, b) + a.bmm(b), [(2, 3, 4), (2, 4, 5)], gradgrad=True),
    OpCase("mv Tensor.mv", lambda L, a, b: L.mv(a, b) + a.mv(b), [(3, 4), (4,)], gradgrad=True),
    OpCase("dot Tensor.dot", lambda L, a, b: L.dot(a, b) + a.dot(b), [(5,), (5,)], gradgrad=True),
    OpCase("inner", lambda L, a, b: L.inner(a, b), [(2, 3), (4, 3)], gradgrad=True),
    OpCase("inner", lambda L, a, b: L.inner(a, b), [(3,), (2, 5, 3)], gradgrad=True),
    OpCase("inner", lambda L, a, b: L.inner(a, b), [(), (2, 3)], gradgrad=True),
    OpCase("outer Tensor.outer", lambda L, a, b: L.outer(a, b) + a.outer(b), [(3,), (4,)], gradgrad=True),
    OpCase("ger Tensor.ger", lambda L, a, b: L.ger(a, b) + a.ger(b), [(3,), (1,)], gradgrad=True),
    # beta * input + alpha * product
    OpCase("addmm Tensor.addmm", lambda L, c, a, b: L.addmm(c, a, b), [(3, 5), (3, 4), (4, 5)], gradgrad=True),
    OpCase("addmm", lambda L, c, a, b: c.addmm(a, b, beta=0.5, alpha=-2.0), [(5,), (3, 4), (4, 5)], gradgrad=True),
    OpCase("addmm", lambda L, c, a, b: L.addmm(c, a, b, beta=0), [(3, 1), (3, 4), (4, 5)], gradgrad=True),
    OpCase("addmm", lambda L, c, a, b: L.addmm(c, a, b, alpha=0), [(), (3, 4), (4, 5)]),
    OpCase("addmv", lambda L, c, a, b: L.addmv(c, a, b), [(3,), (3, 4), (4,)], gradgrad=True),
    OpCase("addmv", lambda L, c, a, b: L.addmv(c, a, b, beta=2, alpha=0.5), [(), (3, 4), (4,)], gradgrad=True),
    OpCase("baddbmm", lambda L, c, a, b: L.baddbmm(c, a, b), [(2, 3, 5), (2, 3, 4), (2, 4, 5)], gradgrad=True),
    OpCase("baddbmm", lambda L, c, a, b: L.baddbmm(c, a, b, beta=-1, alpha=3), [(3, 1), (2, 3, 4), (2, 4, 5)],
           gradgrad=True),
    # linear = x @ W.T + b
    OpCase("linear", lambda L, x, w, b: _linear(L, x, w, b), [(4, 3), (5, 3), (5,)], gradgrad=True),
    OpCase("linear", lambda L, x, w: _linear(L, x, w), [(2, 4, 3), (5, 3)], gradgrad=True),
    OpCase("linear", lambda L, x, w, b: _linear(L, x, w, b), [(3,), (5, 3), (5,)], gradgrad=True),
    OpCase("linear", lambda L, x, w, b: _linear(L, x, w, b), [(2, 1, 3), (5, 3), ()], gradgrad=True),
    OpCase("linear", lambda L, x, w: _linear(L, x, w), [(2, 4, 3), (3,)], gradgrad=True),
    OpCase("linear", lambda L, x, w, b: _linear(L, x, w, b), [(2, 4, 3), (5, 3), (4, 5)], gradgrad=True),
    OpCase("linear", lambda L, x, w, b: _linear(L, x, w[:, ::2], b), [(2, 4, 3), (5, 6), (5,)], gradgrad=True),
    # einsum
    OpCase("einsum", lambda L, a, b: L.einsum("ij,jk->ik", a, b), [(3, 4), (4, 5)], gradgrad=True),
    OpCase("einsum", lambda L, a, b: L.einsum("ij,jk", [a, b]), [(3, 4), (4, 5)], gradgrad=True),
    OpCase("einsum", lambda L, a, b: L.einsum("bij,bjk->bik", a, b), [(2, 3, 4), (2, 4, 5)], gradgrad=True),
    OpCase("einsum", lambda L, a, b: L.einsum("...ij,...jk", a, b), [(2, 3, 4), (4, 5)], gradgrad=True),
    OpCase("einsum", lambda L, a, b: L.einsum("i...,i...->...", a, b), [(3, 2, 4), (3, 4)], gradgrad=True),
    OpCase("einsum", lambda L, a: L.einsum("i...->...", a), [(2, 3, 4)], gradgrad=True),
    OpCase("einsum", lambda L, a: L.einsum("ij->j", a), [(3, 4)], gradgrad=True),
    OpCase("einsum", lambda L, a: L.einsum("ij->", a), [(3, 4)], gradgrad=True),
    OpCase("einsum", lambda L, a: L.einsum("ba", a), [(3, 4)], gradgrad=True),
    OpCase("einsum", lambda L, a: L.einsum("ij->ij", a) * 2, [(3, 4)], gradgrad=True),
    OpCase("einsum", lambda L, a, b: L.einsum("i,j->ij", a, b), [(3,), (4,)], gradgrad=True),
    OpCase("einsum", lambda L, a, b: L.einsum("i,i", a, b), [(3,), (3,)], gradgrad=True),
    OpCase("einsum", lambda L, a, b: L.einsum("aB,cb", a, b), [(2, 3), (4, 3)], gradgrad=True),
    OpCase("einsum", lambda L, a, b: L.einsum("ij,ij->ij", a, b), [(2, 1), (1, 4)], gradgrad=True),
    OpCase("einsum", lambda L, a, b: L.einsum("ij,jk->", a, b), [(3, 1), (4, 5)], gradgrad=True),
    OpCase("einsum", lambda L, a, b, c: L.einsum("ij,jk,kl->il", a, b, c), [(2, 3), (3, 4), (4, 5)], gradgrad=True),
    OpCase("einsum", lambda L, a, b: L.einsum(" b i , b j -> b i j ", a, b), [(2, 3), (2, 4)], gradgrad=True),
    OpCase("einsum", lambda L, a, b: L.einsum("bij,bkj->bik", a, b), [(2, 3, 4), (2, 5, 4)], gradgrad=True),
    OpCase("einsum", lambda L, a, b: L.einsum("ijk,jl->li", a, b), [(2, 3, 4), (3, 5)], gradgrad=True),
    OpCase("einsum", lambda L, a, b: L.einsum("ij,kl->jk", a, b), [(2, 3), (4, 5)], gradgrad=True),
    OpCase("einsum", lambda L, a, b: L.einsum("bi,bj->b", a, b), [(0, 3), (0, 3)]),
    OpCase("einsum", lambda L, a: L.einsum("ii->i", a), [(3, 3)], gradgrad=True),
    OpCase("einsum", lambda L, a: L.einsum("ii", a), [(3, 3)], gradgrad=True),
    OpCase("einsum", lambda L, a, b: L.einsum("iij,j->i", a, b), [(3, 3, 2), (2,)], gradgrad=True),
    OpCase("einsum", lambda L, a: L.einsum("...,...", a, a), [(2, 3)], gradgrad=True),
    # tensordot
    OpCase("tensordot", lambda L, a, b: L.tensordot(a, b), [(2, 3, 4), (3, 4, 5)], gradgrad=True),
    OpCase("tensordot", lambda L, a, b: L.tensordot(a, b, dims=1), [(3, 4), (4, 5)], gradgrad=True),
    OpCase("tensordot", lambda L, a, b: L.tensordot(a, b, dims=0), [(2, 3), (4,)], gradgrad=True),
    OpCase("tensordot", lambda L, a, b: L.tensordot(a, b, dims=([1, 0], [0, 2])), [(3, 2, 4), (2, 5, 3)],
           gradgrad=True),
    OpCase("tensordot", lambda L, a, b: L.tensordot(a, b, ([-1], [0])), [(3, 4), (4, 2)], gradgrad=True),
    # trace, diag, diagonal
    OpCase("trace", lambda L, a: L.trace(a), [(3, 4)], gradgrad=True),
    OpCase("trace", lambda L, a: L.trace(a), [(4, 2)], gradgrad=True),
    OpCase("diag", lambda L, a: L.diag(a), [(3,)], gradgrad=True),
    OpCase("diag", lambda L, a: L.diag(a, 1), [(3,)], gradgrad=True),
    OpCase("diag", lambda L, a: L.diag(a, -2), [(2,)], gradgrad=True),
    OpCase("diag", lambda L, a: L.diag(a), [(3, 4)], gradgrad=True),
    OpCase("diag", lambda L, a: L.diag(a, 2), [(3, 4)], gradgrad=True),
    OpCase("diag", lambda L, a: L.diag(a, -1), [(3, 4)], gradgrad=True),
    OpCase("diag", lambda L, a: L.diag(a, 5), [(3, 4)]),
    OpCase("diagonal", lambda L, a: L.diagonal(a), [(3, 4)], gradgrad=True),
    OpCase("diagonal", lambda L, a: L.diagonal(a, 1, 0, 2), [(3, 4, 5)], gradgrad=True),
    OpCase("diagonal", lambda L, a: L.diagonal(a, offset=-1, dim1=-1, dim2=0), [(3, 4, 5)], gradgrad=True),
    OpCase("diagonal", lambda L, a: L.diagonal(a, 1, 2, 1) * 3, [(2, 3, 4)], gradgrad=True),
    OpCase("diagonal", lambda L, a: L.diagonal(a, 7), [(3, 4)]),
]

globals().update(parametrize(CASES))


def _t(*shape, dtype=dyngrad.float32):
    return dyngrad.zeros(*shape, dtype=dtype)


# --- error messages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: dyngrad.mm(_t(2, 3), _t(4, 5)), r"mm: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
        (lambda: _t(2, 3) @ _t(4, 5), r"matmul: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
        (lambda: _t(2, 3, 4) @ _t(3, 4, 6), r"matmul: the batch dimensions of shapes \[2, 3, 4\] and \[3, 4, 6\]"),
        (lambda: _t(3) @ _t(4), r"matmul: inconsistent tensor size.*\[3\] and \[4\]"),
        (lambda: _t(5) @ _t(2, 4, 3), r"matmul: mat1 and mat2 shapes cannot be multiplied \(1x5 and 4x3\)"),
        (lambda: dyngrad.matmul(_t(), _t(3)), r"matmul: both arguments need to be at least 1D, but they are 0D and 1D"),
        (lambda: dyngrad.mm(_t(3), _t(3, 4)), r"mm: self must be a matrix, got 1-D"),
        (lambda: dyngrad.mm(_t(2, 3), _t(3)), r"mm: mat2 must be a matrix, got 1-D"),
        (lambda: dyngrad.bmm(_t(2, 3), _t(2, 3, 4)), r"bmm: batch1 must be a 3D tensor, got 2-D"),
        (lambda: dyngrad.bmm(_t(2, 2, 3), _t(3, 3, 4)), r"bmm: expected size .* \[2, 3\] but got: \[3, 3\]"),
        (lambda: dyngrad.mv(_t(2, 3), _t(4)), r"mv: size mismatch, got mat \(2x3\), vec \(4\)"),
        (lambda: dyngrad.mv(_t(2, 3), _t(3, 1)), r"mv: expected a matrix and a vector, got 2-D and 2-D"),
        (lambda: dyngrad.dot(_t(2), _t(3)), r"dot: inconsistent tensor size.*2 and 3"),
        (lambda: dyngrad.dot(_t(2, 1), _t(2)), r"dot: 1D tensors expected, but got 2D and 1D"),
        (lambda: dyngrad.outer(_t(2, 1), _t(2)), r"outer: expected 1-D argument self, but got 2-D"),
        (lambda: dyngrad.addmm(_t(5), _t(3, 3), _t(3, 4)), r"addmm: input of shape \[5\] cannot be broadcast .*\[3, 4\]"),
        (lambda: dyngrad.addmv(_t(2), _t(3, 3), _t(3)), r"addmv: input of shape \[2\] cannot be broadcast"),
        (lambda: dyngrad.baddbmm(_t(2, 3), _t(2, 3, 3), _t(2, 3, 3)), r"baddbmm: input of shape \[2, 3\]"),
        (lambda: dyngrad.linear(_t(2, 3), _t(4, 5)), r"linear: mat1 and mat2 shapes cannot be multiplied \(2x3 and 5x4\)"),
        (lambda: dyngrad.linear(_t(2, 3), _t(4, 3), _t(5)), r"linear \(bias\): input of shape \[5\]"),
        (lambda: dyngrad.trace(_t(3)), r"trace: expected a matrix, but got tensor with dim 1"),
        (lambda: dyngrad.diag(_t(2, 3, 4)), r"diag\(\): Supports 1D or 2D tensors. Got 3D"),
        (lambda: dyngrad.diagonal(_t(3, 4, 5), 1, 1, 1), r"diagonal dimensions cannot be identical 1, 1"),
        (lambda: dyngrad.einsum("ii->i", _t(3, 4)), r"einsum\(\): subscript i is repeated for operand 0 but the sizes"),
        (lambda: dyngrad.einsum("ij,jk", _t(3, 4), _t(5, 6)), r"einsum\(\): subscript j has size 5 for operand 1"),
        (lambda: dyngrad.einsum("ij,jk->ik", _t(3, 4)), r"einsum\(\): fewer operands"),
        (lambda: dyngrad.einsum("i,i", _t(2), _t(2), _t(2)), r"einsum\(\): more operands"),
        (lambda: dyngrad.einsum("ijk,jk->ik", _t(3, 4), _t(4, 5)), r"number of subscripts in the equation \(3\)"),
        (lambda: dyngrad.einsum("ij->ik", _t(3, 4)), r"output subscript k does not appear"),
        (lambda: dyngrad.einsum("ij->ii", _t(3, 3)), r"output subscript i appears more than once"),
        (lambda: dyngrad.einsum("i1", _t(3)), r"invalid subscript given at index 1"),
        (lambda: dyngrad.einsum("i.,i", _t(2), _t(2)), r"found '\.'"),
        (lambda: dyngrad.tensordot(_t(3, 4), _t(5, 5), dims=1), r"contracted dimensions need to match.*size 4.*size 5"),
        (lambda: dyngrad.tensordot(_t(3, 4), _t(3, 4), dims=([0], [0, 1])), r"both dimension lists should have same length"),
        (lambda: dyngrad.tensordot(_t(3, 4), _t(3, 4), dims=-1), r"tensordot expects dims >= 0"),
        (lambda: dyngrad.tensordot(_t(3, 4), _t(3, 4), dims=3), r"tensordot expects dims <= ndim"),
        (lambda: dyngrad.tensordot(_t(2, 3), _t(3, 2), dims=([1, 1], [0, 0])), r"dim 1 appears multiple times"),
    ],
)
def test_shape_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


def test_dim_out_of_range_is_index_error():
    with pytest.raises(IndexError):
        dyngrad.diagonal(_t(3), 0)
    with pytest.raises(IndexError):
        dyngrad.tensordot(_t(3, 4), _t(4, 3), dims=([2], [0]))


@pytest.mark.parametrize(
    "call",
    [
        lambda a, b: dyngrad.matmul(a, b),
        lambda a, b: a @ b,
        lambda a, b: dyngrad.mm(a, b),
        lambda a, b: dyngrad.linear(a, b),
        lambda a, b: dyngrad.einsum("ij,jk", a, b),
        lambda a, b: dyngrad.tensordot(a, b, 1),
        lambda a, b: dyngrad.addmm(a, a, b),
    ],
)
def test_dtype_mismatch_raises_like_torch(call):
    a, b = _t(3, 3), _t(3, 3, dtype=dyngrad.float64)
    with pytest.raises(RuntimeError, match="same dtype"):
        call(a, b)


def test_dtype_mismatch_of_the_other_products():
    f, d = dyngrad.float32, dyngrad.float64
    for call in (
        lambda: dyngrad.bmm(_t(1, 3, 3), _t(1, 3, 4, dtype=d)),
        lambda: dyngrad.mv(_t(3, 3), _t(3, dtype=d)),
        lambda: dyngrad.dot(_t(3), _t(3, dtype=d)),
        lambda: dyngrad.linear(_t(2, 3), _t(4, 3), _t(4, dtype=d)),
        lambda: dyngrad.addmv(_t(3, dtype=f), _t(3, 3, dtype=d), _t(3, dtype=d)),
    ):
        with pytest.raises(RuntimeError, match="same dtype"):
            call()


def test_bool_products_are_not_implemented():
    b = dyngrad.ones(3, 3, dtype=dyngrad.bool)
    with pytest.raises(NotImplementedError, match="Bool"):
        dyngrad.mm(b, b)
    with pytest.raises(NotImplementedError, match="Bool"):
        dyngrad.trace(b)


def test_non_tensor_operand_is_type_error():
    with pytest.raises(TypeError, match="matmul"):
        dyngrad.matmul(_t(3, 3), np.zeros((3, 3)))
    with pytest.raises(TypeError, match="einsum"):
        dyngrad.einsum("i,i", _t(3), [1.0, 2.0, 3.0])


# --- result dtypes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, fn",
    [
        ("matmul i32", lambda L: L.matmul(L.ones(2, 3, dtype=L.int32), L.ones(3, dtype=L.int32))),
        ("matmul i64", lambda L: L.ones(2, 3, dtype=L.int64) @ L.ones(3, 2, dtype=L.int64)),
        ("matmul f64", lambda L: L.ones(2, 3, dtype=L.float64) @ L.ones(3, dtype=L.float64)),
        ("dot i32", lambda L: L.dot(L.ones(3, dtype=L.int32), L.ones(3, dtype=L.int32))),
        ("outer i64 f32", lambda L: L.outer(L.ones(3, dtype=L.int64), L.ones(2))),
        ("outer f32 f64", lambda L: L.outer(L.ones(3), L.ones(2, dtype=L.float64))),
        ("trace i32", lambda L: L.trace(L.ones(3, 3, dtype=L.int32))),
        ("trace u8", lambda L: L.trace(L.ones(3, 3, dtype=L.uint8))),
        ("trace f64", lambda L: L.trace(L.ones(3, 3, dtype=L.float64))),
        ("diag i32", lambda L: L.diag(L.ones(3, dtype=L.int32))),
        ("einsum i64", lambda L: L.einsum("i,j", L.ones(3, dtype=L.int64), L.ones(2, dtype=L.int64))),
        ("einsum sum i32", lambda L: L.einsum("i->", L.ones(3, dtype=L.int32))),
        ("einsum dot i32", lambda L: L.einsum("i,i->", L.ones(3, dtype=L.int32), L.ones(3, dtype=L.int32))),
        ("addmm i64", lambda L: L.addmm(L.ones(3, dtype=L.int64), L.ones(2, 3, dtype=L.int64),
                                       L.ones(3, 3, dtype=L.int64), alpha=2)),
        ("linear f64", lambda L: (L.nn.functional.linear if L is torch else L.linear)(
            L.ones(2, 3, dtype=L.float64), L.ones(4, 3, dtype=L.float64), L.ones(4, dtype=L.float64))),
    ],
)
@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_result_dtype_and_value_match_torch(name, fn):
    y, z = fn(dyngrad), fn(torch)
    assert y.dtype.name == str(z.dtype).removeprefix("torch."), name
    assert tuple(y.shape) == tuple(z.shape), name
    np.testing.assert_array_equal(y.numpy(), z.numpy())


def test_float32_stays_float32_with_gradients():
    a = dyngrad.randn(8, 8, requires_grad=True)
    b = dyngrad.randn(8, 8, requires_grad=True)
    y = dyngrad.addmm(dyngrad.randn(8), a, b, beta=0.5, alpha=2.0)
    y.sum().backward()
    assert y.dtype == dyngrad.float32 and a.grad.dtype == dyngrad.float32 and b.grad.dtype == dyngrad.float32
    x = dyngrad.randn(4, 3, requires_grad=True)
    w = dyngrad.randn(5, 3, requires_grad=True)
    out = dyngrad.linear(x, w, dyngrad.randn(5, requires_grad=True))
    out.sum().backward()
    assert out._data.dtype == np.float32 and w.grad._data.dtype == np.float32


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rows, bias", [(16, True), (64, False), (15, True), (65, True), (32, "matmul")])
def test_linear_few_rows_path_matches_torch(dtype, rows, bias):
    # 16-64 rows against a weight of 32K+ entries run as (W @ x.T).T (an OpenBLAS speed path), in
    # linear and in matmul with a transposed weight: values, both gradients and a second
    # derivative as PyTorch's, at the bounds and just outside
    rng = np.random.default_rng(rows)
    xa, wa, ba = rng.standard_normal((rows, 256)), rng.standard_normal((128, 256)), rng.standard_normal(128)
    eps = 1e-12 if dtype == "float64" else 1e-5  # of each array's largest entry: sums of ~1e4 terms
    results = []
    for L in (dyngrad, torch):
        dt = getattr(L, dtype)
        x, w = (L.tensor(a, dtype=dt, requires_grad=True) for a in (xa, wa))
        if bias == "matmul":
            y = x @ w.t()
        else:
            y = _linear(L, x, w, L.tensor(ba, dtype=dt, requires_grad=True) if bias else None)
        gx, gw = L.autograd.grad((y * y).sum(), [x, w], create_graph=True)
        (hx,) = L.autograd.grad((gw * gw).sum(), [x])
        results.append([t.detach().numpy() for t in (y, gx, gw, hx)] + [y.is_contiguous()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=eps, atol=eps * np.abs(theirs).max())


# --- views and copies ------------------------------------------------------------------------


def test_diagonal_is_a_writable_view():
    x = dyngrad.zeros(3, 4)
    d = dyngrad.diagonal(x, 1)
    assert d._base is x and np.shares_memory(d._data, x._data)
    d.add_(1.0)
    expected = np.zeros((3, 4), np.float32)
    expected[[0, 1, 2], [1, 2, 3]] = 1
    np.testing.assert_array_equal(x.numpy(), expected)
    assert x._version == d._version == 1


def test_diagonal_of_a_modified_view_is_rejected_in_backward():
    x = dyngrad.randn(3, 3, requires_grad=True)
    y = x * 1
    d = dyngrad.diagonal(y)
    z = (d * d).sum()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_diag_of_matrix_is_a_copy():
    x = dyngrad.ones(3, 3)
    d = dyngrad.diag(x)
    assert d._base is None and not np.shares_memory(d._data, x._data)


def test_einsum_permutation_does_not_alias_its_input():
    x = dyngrad.randn(2, 3)
    y = dyngrad.einsum("ij->ji", x)
    assert not np.shares_memory(y._data, x._data)
    np.testing.assert_array_equal(y.numpy(), x.numpy().T)


def test_matmul_of_a_transposed_view():
    a = dyngrad.randn(64, 64)
    b = dyngrad.randn(64, 64)
    np.testing.assert_allclose((a @ b.t()).numpy(), a.numpy() @ b.numpy().T, rtol=1e-5, atol=1e-5)


def test_grad_fn_names():
    a = dyngrad.randn(3, 3, requires_grad=True)
    v = dyngrad.randn(3, requires_grad=True)
    assert dyngrad.mm(a, a).grad_fn.name() == "MmBackward0"
    assert dyngrad.dot(v, v).grad_fn.name() == "DotBackward0"
    assert dyngrad.addmm(a, a, a).grad_fn.name() == "AddmmBackward0"
    assert dyngrad.trace(a).grad_fn.name() == "TraceBackward0"
    assert dyngrad.diagonal(a).grad_fn.name() == "DiagonalBackward0"


def test_addmm_beta_zero_ignores_nan_input():
    c = dyngrad.full((2, 2), float("nan"), requires_grad=True)
    a = dyngrad.eye(2)
    y = dyngrad.addmm(c, a, a, beta=0)
    assert not np.isnan(y.detach().numpy()).any()
    y.sum().backward()
    np.testing.assert_array_equal(c.grad.numpy(), np.zeros((2, 2)))
