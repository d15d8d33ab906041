# ruff: noqa: N803  (the table functions take the library as L, as in optable)
"""Indexing ops against PyTorch, with gradchecks (cases in CASES, checks from optable), plus
views, in-place writes, errors and return types."""

import numpy as np
import pytest

import dyngrad
from optable import Const, OpCase, needs_torch, parametrize, torch


def C(*values, dtype=np.int64):
    """A constant index/mask input."""
    return Const(lambda rng: np.array(values, dtype=dtype))


def MASK(shape, p=0.5):
    return Const(lambda rng: rng.random(shape) < p)


I3 = C(0, 2, 0, -1)  # repeated and negative
ROWS = C([0, 2], [1, 1], [2, 0])  # (3, 2), a repeat in row 1


def _set_basic(L, a, b):
    x = a * 1
    x[0] = b
    return x


def _set_slice_broadcast(L, a, b):
    x = a * 1
    x[:, 1:3] = b  # (2,) broadcast into (3, 2)
    return x


def _set_advanced(L, a, b, i):
    x = a * 1
    x[i] = b  # repeated rows: gradient of b counts each position
    return x


def _set_mask(L, a, m):
    x = a * 1
    x[m] = 0.5
    return x


def _set_int_adv(L, a, b, i):
    x = a * 1
    x[1, :, i] = b
    return x


def _inplace(method, *args, **kwargs):
    def fn(L, a, *rest):
        x = a * 1
        getattr(x, method)(*args, *rest, **kwargs)
        return x

    return fn


CASES = [
    # getitem: basic (views)
    OpCase("getitem Tensor.__getitem__", lambda L, a: a[1], [(3, 4)], gradgrad=True),
    OpCase("getitem", lambda L, a: a[:, 1:3], [(3, 4)], gradgrad=True),
    OpCase("getitem", lambda L, a: a[::2, None, ..., -1], [(5, 2, 4)], gradgrad=True),
    OpCase("getitem", lambda L, a: a[-1, 1:100:2], [(3, 4)]),
    OpCase("getitem", lambda L, a: a[1, 2], [(3, 4)], gradgrad=True),
    OpCase("getitem", lambda L, a: a[...], [()]),
    OpCase("getitem", lambda L, a: a[None], [()]),
    OpCase("getitem", lambda L, a: a[2:2], [(3, 4)]),
    # getitem: advanced (copies), repeated indices accumulate in backward
    OpCase("getitem", lambda L, a, i: a[i], [(3, 4), I3], gradgrad=True),
    OpCase("getitem", lambda L, a, i: a[:, i], [(3, 4), I3], gradgrad=True),
    OpCase("getitem", lambda L, a, i: a[i, 1:], [(3, 4), I3]),
    OpCase("getitem", lambda L, a, i: a[1, :, i], [(2, 3, 4), I3], gradgrad=True),
    OpCase("getitem", lambda L, a, i: a[i, :, i], [(4, 3, 4), I3]),
    OpCase("getitem", lambda L, a, i, j: a[i, j], [(3, 4), C([0], [2]), C(1, 1, 3)], gradgrad=True),
    OpCase("getitem", lambda L, a, i: a[None, i, None], [(3, 4), ROWS]),
    OpCase("getitem", lambda L, a, m: a[m], [(3, 4), MASK((3, 4))], gradgrad=True),
    OpCase("getitem", lambda L, a, m: a[:, m], [(3, 4), MASK((4,))]),
    OpCase("getitem", lambda L, a, m: a[m, 2], [(3, 4), MASK((3,))]),
    OpCase("getitem", lambda L, a: a[[0, 0, 2]], [(3, 4)], gradgrad=True),
    OpCase("getitem", lambda L, a: a[[True, False, True]], [(3, 4)]),
    OpCase("getitem", lambda L, a, i: a[i], [(3, 4), Const(lambda rng: np.array([1, 1], np.int32))]),
    OpCase("getitem", lambda L, a, i: a[i], [(3, 4), C(1)]),  # 0-dim index tensor acts as an int
    OpCase("getitem", lambda L, a, i: a[i], [(3, 4), Const(lambda rng: np.zeros(0, np.int64))]),
    # setitem: in place on a non-leaf, graph recorded
    OpCase("setitem Tensor.__setitem__", _set_basic, [(3, 4), (4,)], gradgrad=True),
    OpCase("setitem", _set_slice_broadcast, [(3, 4), (2,)], gradgrad=True),
    OpCase("setitem", _set_advanced, [(3, 4), (1, 4), C(2, 0)], gradgrad=True),
    OpCase("setitem", _set_mask, [(3, 4), MASK((3, 4))]),
    OpCase("setitem", _set_int_adv, [(2, 3, 4), (3, 1), C(0, 3)]),
    OpCase("index_put", lambda L, a, b, i: L.index_put(a, (i,), b, accumulate=True),
           [(3, 4), (4,), C(0, 2, 0)], gradgrad=True),
    OpCase("index_put", lambda L, a, b, i, j: L.index_put(a, (i, j), b), [(3, 4), (2,), C(0, 2), C(1, 3)]),
    OpCase("index_put_", lambda L, a, b, i: L.index_put_(a * 1, (i,), b, accumulate=True), [(3, 4), (4, 4), I3]),
    # gather / scatter
    OpCase("gather Tensor.gather", lambda L, a, i: L.gather(a, 1, i), [(3, 4), ROWS], gradgrad=True),
    OpCase("gather", lambda L, a, i: a.gather(0, i), [(3, 4), C([2, 0, 2, 1], [2, 2, 0, 0])], gradgrad=True),
    OpCase("gather", lambda L, a, i: a.gather(-1, i), [(2, 3, 4), Const(lambda rng: rng.integers(0, 4, (2, 2, 5)))]),
    OpCase("gather", lambda L, a, i: a.gather(0, i), [(), C(0)]),
    OpCase("scatter Tensor.scatter", lambda L, a, b, i: a.scatter(1, i, b), [(3, 4), (3, 2), C([0, 2], [1, 3], [3, 2])]),
    OpCase("scatter", lambda L, a, i: L.scatter(a, 0, i, value=2.5), [(3, 4), C([0, 2, 1, 0])]),
    OpCase("scatter", lambda L, a, i: a.scatter(1, i, 0.5), [(3, 4), C([0, 2], [1, 3], [3, 2])]),
    OpCase("scatter_add Tensor.scatter_add", lambda L, a, b, i: a.scatter_add(1, i, b), [(3, 4), (3, 2), ROWS],
           gradgrad=True),
    OpCase("scatter_add", lambda L, a, b, i: L.scatter_add(a, 0, i, b), [(3, 4), (2, 4), C([0, 0, 2, 2], [0, 1, 0, 0])],
           gradgrad=True),
    OpCase("scatter_ Tensor.scatter_", _inplace("scatter_", 1), [(3, 4), C([0, 2], [1, 3], [3, 2]), (3, 2)]),
    OpCase("scatter_", _inplace("scatter_", 0, value=-1.0), [(3, 4), C([0, 2, 1, 0])]),
    OpCase("scatter_add_ Tensor.scatter_add_", _inplace("scatter_add_", 1), [(3, 4), ROWS, (3, 2)]),
    # index_select / index_add / index_fill
    OpCase("index_select Tensor.index_select", lambda L, a, i: L.index_select(a, 0, i), [(3, 4), C(2, 0, 2)],
           gradgrad=True),
    OpCase("index_select", lambda L, a, i: a.index_select(-1, i), [(2, 3, 4), C(3, 3, 0, 1, 3)], gradgrad=True),
    OpCase("index_select", lambda L, a, i: a.index_select(1, i), [(3, 4), C(1)]),
    OpCase("index_add Tensor.index_add", lambda L, a, b, i: L.index_add(a, 1, i, b), [(3, 4), (3, 3), C(1, 1, 3)],
           gradgrad=True),
    OpCase("index_add", lambda L, a, b, i: a.index_add(0, i, b, alpha=-2.0), [(3, 4), (4, 4), C(2, 0, 2, 2)]),
    OpCase("index_add_ Tensor.index_add_", _inplace("index_add_", 0), [(3, 4), C(2, 2), (2, 4)]),
    OpCase("index_fill", lambda L, a, i: L.index_fill(a, 1, i, 0.5), [(3, 4), C(1, 1, -1)], gradgrad=True),
    OpCase("index_fill", lambda L, a, v, i: L.index_fill(a, 0, i, v), [(3, 4), (), C(2, 0)], gradgrad=True),
    OpCase("index_fill_ Tensor.index_fill_", _inplace("index_fill_", 1), [(3, 4), C(0, 3, 0), ()]),
    # masks, take, nonzero
    OpCase("masked_fill Tensor.masked_fill", lambda L, a, m: a.masked_fill(m, -1.5), [(3, 4), MASK((3, 4))],
           gradgrad=True),
    OpCase("masked_fill", lambda L, a, m, v: L.masked_fill(a, m, v), [(3, 4), MASK((4,)), ()], gradgrad=True),
    OpCase("masked_fill", lambda L, a, m: a.masked_fill(m, 2.0), [(4,), MASK((2, 3, 4))]),
    OpCase("masked_fill_ Tensor.masked_fill_", _inplace("masked_fill_"), [(3, 4), MASK((3, 1)), ()]),
    OpCase("masked_select Tensor.masked_select", lambda L, a, m: L.masked_select(a, m), [(3, 4), MASK((3, 4))],
           gradgrad=True),
    OpCase("masked_select", lambda L, a, m: a.masked_select(m), [(4,), MASK((2, 4))]),
    OpCase("take Tensor.take", lambda L, a, i: L.take(a, i), [(3, 4), C([0, 11], [-1, 0], [5, 5])], gradgrad=True),
    OpCase("take", lambda L, a, i: a.take(i), [(), C(0)]),
    OpCase("nonzero Tensor.nonzero", lambda L, m: L.nonzero(m), [C([0, 1, 2], [3, 0, 0])], grad=False),
    OpCase("nonzero", lambda L, m: m.nonzero(as_tuple=True), [C([0, 1, 2], [3, 0, 0])], grad=False),
    OpCase("nonzero", lambda L, m: L.nonzero(m), [Const(lambda rng: np.array(2.0))], grad=False),
    # triangles
    OpCase("tril Tensor.tril", lambda L, a: L.tril(a), [(3, 4)], gradgrad=True),
    OpCase("tril", lambda L, a: a.tril(-1), [(2, 4, 3)]),
    OpCase("triu Tensor.triu", lambda L, a: L.triu(a, 1), [(3, 4)], gradgrad=True),
    OpCase("triu", lambda L, a: a.triu(-1), [(2, 3, 3)]),
    # sorting
    OpCase("sort Tensor.sort", lambda L, a: L.sort(a), [(3, 4)], domain="away", gradgrad=True),
    OpCase("sort", lambda L, a: a.sort(dim=0, descending=True), [(3, 4)], domain="away"),
    OpCase("sort", lambda L, a: L.sort(a, stable=True), [()], domain="away"),
    OpCase("argsort Tensor.argsort", lambda L, a: L.argsort(a, dim=0), [(4, 3)], domain="away", grad=False),
    OpCase("argsort", lambda L, a: a.argsort(descending=True), [(3, 5)], domain="away", grad=False),
    OpCase("topk Tensor.topk", lambda L, a: L.topk(a, 2), [(3, 4)], domain="away", gradgrad=True),
    OpCase("topk", lambda L, a: a.topk(3, dim=0, largest=False), [(4, 3)], domain="away"),
    OpCase("topk", lambda L, a: a.topk(0), [(3, 4)], domain="away"),
    OpCase("unique Tensor.unique", lambda L, a: L.unique(a, return_inverse=True, return_counts=True),
           [C([3, 1, 2, 1], [2, 2, 0, 3])], grad=False),
    OpCase("unique", lambda L, a: a.unique(dim=1, return_inverse=True), [C([1, 2, 1], [0, 5, 0])], grad=False),
    OpCase("unique", lambda L, a: L.unique(a), [Const(lambda rng: np.array([np.nan, 1.0, np.nan, 0.5]))], grad=False),
]

globals().update(parametrize(CASES))


def _t(values, dtype=None):
    return dyngrad.from_numpy(np.array(values, dtype=dtype))


# --- views --------------------------------------------------------------------------------------


def test_basic_indexing_returns_views_sharing_memory():
    x = _t(np.arange(12.0).reshape(3, 4))
    for key in (1, (slice(None), 2), (slice(0, 3, 2), None, Ellipsis), (1, 2), Ellipsis, _t(1)):
        v = x[key]
        assert v._base is x, key
        assert np.shares_memory(v.numpy(), x.numpy()), key
    v = x[1]
    v[0] = 100.0
    assert x[1, 0].item() == 100.0
    assert x._version == v._version == 1
    assert x[1:][0]._base is x  # a view of a view has the root as base


def test_advanced_indexing_copies():
    x = _t(np.arange(12.0).reshape(3, 4))
    for key in ([0, 1], _t([1, 2]), _t([True, False, True]), (0, [1, 2]), True):
        y = x[key]
        assert y._base is None and not np.shares_memory(y.numpy(), x.numpy()), key


def test_bool_mask_indexing():
    a = np.arange(12.0).reshape(3, 4)
    x = _t(a)
    m = a % 3 == 0
    np.testing.assert_array_equal(x[_t(m)].numpy(), a[m])
    np.testing.assert_array_equal(x[_t(m[:, 0]), 1].numpy(), a[m[:, 0], 1])
    assert x[_t(True)].shape == (1, 3, 4)
    assert x[_t(False)].shape == (0, 3, 4)
    with pytest.warns(UserWarning, match="uint8"):
        np.testing.assert_array_equal(x[_t([1, 0, 1], np.uint8)].numpy(), a[[0, 2]])


def test_repeated_index_gradient_accumulates():
    a = dyngrad.from_numpy(np.zeros((3, 2))).requires_grad_()
    a[_t([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [[3, 3], [0, 0], [1, 1]])


def _index_patterns(rng, n):
    """Index vectors for add_rows_at: no repeats, repeats in several rounds, a heavy head (Zipf),
    one index only, negative indices that alias positive ones, and a 2-D index."""
    zipf = np.minimum(rng.zipf(1.5, 300) - 1, n - 1)
    unique = rng.permutation(n)[:40]
    rounds = np.concatenate([unique, unique[:20], unique[:3], unique[:20][::-1]])  # rounds of 40, 20, ...
    aliased = np.concatenate([rng.integers(0, n, 50), rng.integers(-n, 0, 50), np.array([-1, n - 1, -1])])
    return [unique, rounds, zipf, np.full(30, 7), aliased, rounds.reshape(-1, 1)[:80].reshape(8, 10)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_add_rows_at_is_add_at_bit_for_bit(dtype):
    from dyngrad.ops._util import add_rows_at

    rng = np.random.default_rng(0)
    n = 64
    for idx in _index_patterns(rng, n):
        for row_shape in [(96,), (4, 32), (3,)]:  # (3,): rows too short for the rounds
            target = (rng.standard_normal((n, *row_shape)) * 100).astype(dtype)
            rows = (rng.standard_normal(idx.shape + row_shape) * 100).astype(dtype)
            for r in (rows, rows[(0,) * idx.ndim]):  # full rows, and one row broadcast to all
                expected = target.copy()
                np.add.at(expected, idx, r)
                got = target.copy()
                add_rows_at(got, idx, r)
                np.testing.assert_array_equal(got, expected, err_msg=f"{idx.shape} {row_shape}")
    # into a view whose first axis is not the memory's first (index_add along dim 1)
    base = rng.standard_normal((5, n, 80)).astype(dtype)
    idx = _index_patterns(rng, n)[1]
    rows = rng.standard_normal((idx.size, 5, 80)).astype(dtype)
    expected, got = base.copy(), base.copy()
    np.add.at(np.moveaxis(expected, 1, 0), idx, rows)
    add_rows_at(np.moveaxis(got, 1, 0), idx, rows)
    np.testing.assert_array_equal(got, expected)


def test_add_rows_at_mixed_dtypes_cast_as_add_at():
    from dyngrad.ops._util import add_rows_at

    idx = np.arange(40) % 20
    target = np.arange(20 * 70).reshape(20, 70) - 700
    rows = np.full((40, 70), -0.5)  # int target, float rows: add.at truncates each sum
    expected, got = target.copy(), target.copy()
    np.add.at(expected, idx, rows)
    add_rows_at(got, idx, rows)
    np.testing.assert_array_equal(got, expected)


@needs_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_many_repeated_rows_match_torch(dtype):
    """Gradients of embedding, index_select and getitem, and index_add's values, with indices
    repeated over several rounds (add_rows_at's fancy-index path), against PyTorch's."""
    rng = np.random.default_rng(1)
    idx = np.concatenate([rng.permutation(100)[:50], rng.integers(0, 100, 60), np.full(20, 3)])
    w = rng.standard_normal((100, 72)).astype(dtype)
    g = rng.standard_normal((idx.size, 72)).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    lookups = {
        "embedding": lambda L, w, i: L.nn.functional.embedding(i, w),
        "index_select": lambda L, w, i: L.index_select(w, 0, i),
        "getitem": lambda L, w, i: w[i],
    }
    for name, lookup in lookups.items():
        grads = []
        for L in (dyngrad, torch):
            wt = L.tensor(w, requires_grad=True)
            lookup(L, wt, L.tensor(idx)).backward(L.tensor(g))
            grads.append(wt.grad.numpy())
        np.testing.assert_allclose(grads[0], grads[1], err_msg=name, **tol)
    sums = [L.tensor(np.zeros_like(w)).index_add(0, L.tensor(idx), L.tensor(g)).numpy() for L in (dyngrad, torch)]
    np.testing.assert_allclose(sums[0], sums[1], **tol)

# --- setitem ------------------------------------------------------------------------------------


@needs_torch
def test_setitem_records_the_graph():
    rng = np.random.default_rng(0)
    av, bv, gv = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((3, 4))
    grads = []
    for L in (dyngrad, torch):
        a = L.from_numpy(av.copy()).requires_grad_()
        b = L.from_numpy(bv.copy()).requires_grad_()
        x = a.clone()
        x[0] = b
        x[1:, 2] = b[1] * 2
        assert x.grad_fn is not None
        x.backward(L.from_numpy(gv.copy()))
        grads.append((a.grad.numpy(), b.grad.numpy(), x.detach().numpy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_setitem_broadcasting_values_and_casts():
    x = dyngrad.from_numpy(np.zeros((2, 3)))
    x[0] = _t([[1.0, 2.0, 3.0]])  # extra leading ones are dropped
    x[1, :] = 7
    x[:, 0] = _t(np.array([5.0], np.float32))
    np.testing.assert_array_equal(x.numpy(), [[5, 2, 3], [5, 7, 7]])
    x[...] = _t([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(x.numpy(), [[1, 2, 3], [1, 2, 3]])
    y = dyngrad.from_numpy(np.zeros(3, np.int64))
    y[0] = 2.7
    y[_t([1, 2])] = _t([3.9, -1.5])
    assert y.tolist() == [2, 3, -1] and y.dtype == dyngrad.int64
    z = dyngrad.from_numpy(np.zeros(3))
    z[_t([True, False, True])] = _t([1.0, 2.0])
    assert z.tolist() == [1.0, 0.0, 2.0]
    with pytest.raises(RuntimeError, match=r"shape mismatch: value tensor of shape \[3\] cannot be broadcast"):
        z[_t([True, False, True])] = _t([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="shape mismatch"):
        x[0] = _t(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        _t([1.0]).expand(3)[0] = 2.0


def test_setitem_value_gradient_with_broadcast_and_dtype():
    a = dyngrad.from_numpy(np.zeros((3, 4))).requires_grad_()
    b = dyngrad.from_numpy(np.ones((1, 1), np.float32)).requires_grad_()
    x = a * 1
    x[1:, ::2] = b
    x.sum().backward()
    assert b.grad.shape == (1, 1) and b.grad.dtype == dyngrad.float32 and b.grad.item() == 4.0
    np.testing.assert_array_equal(a.grad.numpy()[1:, ::2], 0)
    assert a.grad.numpy().sum() == 8


def test_setitem_on_leaf_requiring_grad_raises():
    a = dyngrad.from_numpy(np.zeros(3)).requires_grad_()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        a[0] = 1.0
    with dyngrad.no_grad():
        a[0] = 1.0
    assert a[0].item() == 1.0


def test_setitem_on_view_updates_base_and_its_graph():
    a = dyngrad.from_numpy(np.zeros((2, 3))).requires_grad_()
    b = dyngrad.from_numpy(np.ones(())).requires_grad_()
    x = a * 1
    row = x[1]
    row[2] = b * 3
    assert x[1, 2].item() == 3.0
    x.sum().backward()
    assert b.grad.item() == 3.0
    np.testing.assert_array_equal(a.grad.numpy(), [[1, 1, 1], [1, 1, 0]])


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, message",
    [
        (5, "index 5 is out of bounds for dimension 0 with size 3"),
        (-4, "index -4 is out of bounds for dimension 0 with size 3"),
        ((slice(None), 4), "index 4 is out of bounds for dimension 1 with size 4"),
        ([0, 7], "index 7 is out of bounds for dimension 0 with size 3"),
        ((0, _t([1, -5])), "index -5 is out of bounds for dimension 1 with size 4"),
        ((0, 0, 0), "too many indices for tensor of dimension 2"),
        (_t([True, False]), r"The shape of the mask \[2\] at index 0 does not match the shape of the indexed tensor \[3, 4\] at index 0"),
        (_t([1.0]), "tensors used as indices must be long, int, byte or bool tensors"),
        (_t([1], np.int16), "tensors used as indices must be long, int, byte or bool tensors"),
        (1.5, r"only integers, slices \(`:`\), ellipsis \(`...`\), None"),
        ((Ellipsis, Ellipsis), "single ellipsis"),
    ],
)
def test_getitem_errors(key, message):
    x = _t(np.zeros((3, 4)))
    with pytest.raises(IndexError, match=message):
        x[key]
    with pytest.raises(IndexError, match=message):
        x[key] = 1.0


def test_getitem_errors_slices_and_0dim():
    x = _t(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1]
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        x[::0]
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        _t(1.0)[0]


def test_index_op_errors():
    x = _t(np.zeros((2, 3)))
    i = _t([[0, 1], [1, 0]])
    with pytest.raises(RuntimeError, match=r"gather\(\): Expected dtype int32 or int64 for index"):
        x.gather(1, _t([[0.0]]))
    with pytest.raises(RuntimeError, match=r"gather\(\): index 5 is out of bounds for dimension 1 with size 3"):
        x.gather(1, _t([[0, 5]]))
    with pytest.raises(RuntimeError, match="gather.*index -1 is out of bounds"):
        x.gather(1, _t([[-1]]))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        x.gather(1, _t([0, 1]))
    with pytest.raises(RuntimeError, match=r"Expected index \[3, 2\] to be no larger than self \[2, 3\] apart from dimension 1"):
        x.gather(1, _t(np.zeros((3, 2), np.int64)))
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.gather(2, i)
    with pytest.raises(RuntimeError, match="to be no larger size than src"):
        x.scatter(1, i, _t(np.ones((1, 2))))
    with pytest.raises(RuntimeError, match="self.dtype to be equal to src.dtype"):
        x.scatter_add(1, i, _t(np.ones((2, 2), np.float32)))
    with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply"):
        x.scatter(1, i, 1.0, reduce="sum")
    with pytest.raises(IndexError, match="Index is supposed to be a vector"):
        x.index_select(1, i)
    with pytest.raises(RuntimeError, match=r"index_select\(\): index 3 is out of bounds for dimension 1 with size 3"):
        x.index_select(1, _t([3]))
    with pytest.raises(RuntimeError, match="Number of indices \\(2\\) should be equal to source.size\\(dim\\): \\(3\\)"):
        x.index_add(1, _t([0, 0]), _t(np.ones((2, 3))))
    with pytest.raises(RuntimeError, match="must have the same scalar type"):
        x.index_add(1, _t([0]), _t(np.ones((2, 1), np.float32)))
    with pytest.raises(IndexError, match="Expected dtype int64 for index"):
        dyngrad.index_fill(x, 1, _t([0], np.int32), 1.0)
    with pytest.raises(RuntimeError, match="only supports a 0-dimensional value tensor"):
        x.masked_fill(_t([True, False, True]), _t([1.0]))
    with pytest.raises(RuntimeError, match="only supports boolean masks"):
        x.masked_fill(_t([1, 0, 1]), 1.0)
    with pytest.raises(RuntimeError, match=r"masked_fill_: output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        _t(np.zeros(3)).masked_fill_(_t(np.ones((2, 3), bool)), 1.0)
    with pytest.raises(RuntimeError, match="expected BoolTensor for mask"):
        x.masked_select(_t([1, 0, 1]))
    with pytest.raises(IndexError, match="out of range: tried to access index 6 on a tensor of 6 elements"):
        x.take(_t([6]))
    with pytest.raises(RuntimeError, match="Expected a long tensor for index"):
        x.take(_t([1], np.int32))
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        x.topk(4)
    with pytest.raises(RuntimeError, match="topk does not support bool"):
        _t([True, False]).topk(1)
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        _t([1.0, 2.0]).tril()


def test_scatter_with_reduce_has_no_gradient():
    a = dyngrad.from_numpy(np.ones((2, 3))).requires_grad_()
    y = a.scatter(1, _t([[0], [2]]), 2.0, reduce="multiply")
    np.testing.assert_array_equal(y.detach().numpy(), [[2, 1, 1], [1, 1, 2]])
    with pytest.raises(RuntimeError, match="derivative for scatter with reduce"):
        y.sum().backward()


# --- results: dtypes, named tuples, sorting details ----------------------------------------------


def test_integer_and_bool_inputs_keep_their_dtype():
    x = _t([[3, 1, 2], [0, 5, 4]])
    assert x.sort().values.dtype == dyngrad.int64
    assert x.gather(1, _t([[0]])).dtype == dyngrad.int64
    assert x.masked_fill(_t([True, False, False]), 2.7).tolist() == [[2, 1, 2], [2, 5, 4]]
    assert x[_t([True, False])].dtype == dyngrad.int64
    assert x.nonzero().dtype == dyngrad.int64 and x.argsort().dtype == dyngrad.int64
    assert _t([[True, True]]).tril().tolist() == [[True, False]]
    assert not x.sort().values.requires_grad


def test_sort_and_topk_return_named_tuples():
    x = _t([[3.0, 1.0, 2.0]])
    r = x.sort()
    values, indices = r
    assert r.values is values and r.indices is indices
    assert type(r).__name__ == "sort" and "return_types.sort(" in repr(r)
    t = x.topk(2)
    assert type(t).__name__ == "topk" and t.indices.tolist() == [[0, 2]]


def test_sort_is_stable_and_puts_nan_last_or_first():
    nan = float("nan")
    x = _t([3.0, nan, 1.0, 3.0])
    assert x.sort().indices.tolist() == [2, 0, 3, 1]
    assert x.sort(descending=True).indices.tolist() == [1, 0, 3, 2]
    assert _t([2, 1, 2, 1]).argsort(descending=True, stable=True).tolist() == [0, 2, 1, 3]


def test_nonzero_as_tuple_of_0dim():
    (i,) = _t(5.0).nonzero(as_tuple=True)
    assert i.tolist() == [0]
    assert _t(0.0).nonzero().shape == (0, 0)


def test_gradient_of_gather_double_backward_shape():
    a = dyngrad.from_numpy(np.arange(6.0).reshape(2, 3)).requires_grad_()
    y = a.gather(1, _t([[0, 0], [2, 1]]))
    (g,) = dyngrad.autograd.grad((y * y).sum(), a, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), [[0, 0, 0], [0, 8, 10]])
    g.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [[4, 0, 0], [0, 2, 2]])


def test_scatter_src_larger_than_index_gets_a_zero_padded_gradient():
    # PyTorch itself fails here ("invalid gradient ... got [2, 1] but expected shape compatible with [3, 3]")
    a = dyngrad.from_numpy(np.zeros((2, 3))).requires_grad_()
    src = dyngrad.from_numpy(np.arange(9.0).reshape(3, 3)).requires_grad_()
    y = a.scatter_add(1, _t([[2], [2]]), src) + a.scatter(0, _t([[1, 0]]), src)
    np.testing.assert_array_equal(y.detach().numpy(), [[0, 1, 0], [0, 0, 3]])
    y.sum().backward()
    np.testing.assert_array_equal(src.grad.numpy(), [[2, 1, 0], [1, 0, 0], [0, 0, 0]])


def test_unique_is_recorded_but_not_differentiable_as_in_torch():
    x = dyngrad.tensor([2.0, 1.0, 2.0], requires_grad=True)
    u = dyngrad.unique(x)
    assert u.requires_grad and u.tolist() == [1.0, 2.0]
    with pytest.raises(NotImplementedError, match="derivative for 'unique' is not implemented"):
        u.sum().backward()
