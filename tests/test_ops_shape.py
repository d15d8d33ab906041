"""Shape ops against PyTorch (table-driven), plus view semantics, in-place metadata ops and errors."""

import numpy as np
import pytest

import dyngrad
from dyngrad.ops import shape as shape_ops
from optable import Const, OpCase, parametrize

try:
    import torch
except ImportError:
    torch = None


def _int_tensor(shape, dtype=np.int32):
    return Const(lambda rng: rng.integers(-5, 5, shape).astype(dtype))


C = OpCase
CASES = [
    # view / reshape (view needs compatible strides: non-contiguous parity off where it would fail)
    C("Tensor.view", lambda L, a: a.view(2, 2, 3), [(4, 3)], gradgrad=True),
    C("Tensor.view", lambda L, a: a.view((-1, 6)), [(4, 3)], noncontig=False, gradgrad=True),
    C("Tensor.view", lambda L, a: a.view(-1), [(2, 3, 2)], noncontig=False),
    C("Tensor.view_as", lambda L, a, b: a.view_as(b), [(4, 3), _int_tensor((3, 4))], noncontig=False),
    C("Tensor.view", lambda L, a: a.view(1, 1), [()]),
    C("Tensor.view", lambda L, a: a.view([]), [(1, 1)]),
    C("Tensor.view", lambda L, a: a.view(3, 0, 2), [(0, 3)]),
    C("Tensor.view", lambda L, a: a.view(-1), [(3, 0)]),
    C("reshape Tensor.reshape", lambda L, a: L.reshape(a, (3, -1)), [(2, 3, 2)], gradgrad=True),
    C("reshape Tensor.reshape", lambda L, a: a.reshape(6, 2), [(2, 3, 2)]),
    C("reshape", lambda L, a: L.reshape(a.t(), (-1,)), [(2, 3)], gradgrad=True),
    C("reshape", lambda L, a: L.reshape(a, (1,)), [()]),
    C("reshape", lambda L, a: L.reshape(a, shape=(3, 2)), [(6,)]),
    C("reshape", lambda L, a: L.reshape(a, ()), [(1, 1, 1)]),
    C("Tensor.reshape_as", lambda L, a, b: a.reshape_as(b), [(4, 3), _int_tensor((2, 6))]),
    C("flatten Tensor.flatten", lambda L, a: L.flatten(a), [(2, 3, 4)], gradgrad=True),
    C("flatten", lambda L, a: L.flatten(a, 1), [(2, 3, 4)]),
    C("flatten", lambda L, a: a.flatten(-2, -1), [(2, 3, 4)]),
    C("flatten", lambda L, a: L.flatten(a, 0, 1), [(2, 3, 4)]),
    C("flatten", lambda L, a: L.flatten(a), [()]),
    C("flatten", lambda L, a: L.flatten(a * 1, 1, 1), [(2, 3, 4)]),
    C("unflatten Tensor.unflatten", lambda L, a: L.unflatten(a, 1, (2, 2)), [(3, 4)], gradgrad=True),
    C("unflatten", lambda L, a: a.unflatten(-1, (-1, 2, 1)), [(3, 4)]),
    C("unflatten", lambda L, a: L.unflatten(a, 0, (1, 3)), [(3, 4)]),
    # squeeze / unsqueeze
    C("squeeze Tensor.squeeze", lambda L, a: L.squeeze(a), [(1, 3, 1)], gradgrad=True),
    C("squeeze", lambda L, a: a.squeeze(0), [(1, 3, 1)]),
    C("squeeze", lambda L, a: a.squeeze(-1), [(1, 3, 1)]),
    C("squeeze", lambda L, a: a.squeeze(1), [(1, 3, 1)]),
    C("squeeze", lambda L, a: L.squeeze(a, (0, 2)), [(1, 3, 1, 2)]),
    C("squeeze", lambda L, a: L.squeeze(a, (-1, 1)), [(1, 3, 1)]),
    C("squeeze", lambda L, a: L.squeeze(a), [()]),
    C("squeeze", lambda L, a: L.squeeze(a, 0), [()]),
    C("squeeze", lambda L, a: L.squeeze(a, -1), [(1,)]),
    C("unsqueeze Tensor.unsqueeze", lambda L, a: L.unsqueeze(a, 0), [(2, 3)], gradgrad=True),
    C("unsqueeze", lambda L, a: a.unsqueeze(-1), [(2, 3)]),
    C("unsqueeze", lambda L, a: a.unsqueeze(1), [(2, 3)]),
    C("unsqueeze", lambda L, a: a.unsqueeze(-3), [(2, 3)]),
    C("unsqueeze", lambda L, a: L.unsqueeze(a, 0), [()]),
    C("unsqueeze", lambda L, a: L.unsqueeze(a, -1), [()]),
    C("Tensor.squeeze_", lambda L, a: (a * 1).squeeze_(0), [(1, 3)], gradgrad=True),
    C("Tensor.squeeze_", lambda L, a: (a * 1).squeeze_(), [(1, 3, 1)]),
    C("Tensor.unsqueeze_", lambda L, a: (a * 1).unsqueeze_(-1), [(2, 3)], gradgrad=True),
    # transpose family
    C("transpose Tensor.transpose", lambda L, a: L.transpose(a, 0, 2), [(2, 3, 4)], gradgrad=True),
    C("transpose", lambda L, a: a.transpose(-1, -2), [(2, 3, 4)]),
    C("transpose", lambda L, a: a.transpose(1, 1), [(2, 3)]),
    C("transpose", lambda L, a: L.transpose(a, 0, -1), [()]),
    C("swapaxes Tensor.swapaxes", lambda L, a: L.swapaxes(a, 0, 1), [(2, 3)], gradgrad=True),
    C("swapaxes", lambda L, a: a.swapaxes(-1, 0), [(2, 3, 4)]),
    C("swapdims Tensor.swapdims", lambda L, a: L.swapdims(a, -1, 0), [(2, 3, 4)], gradgrad=True),
    C("swapdims", lambda L, a: a.swapdims(0, 1), [(2, 3)]),
    C("t Tensor.t", lambda L, a: L.t(a), [(2, 3)], gradgrad=True),
    C("t", lambda L, a: a.t(), [(3,)]),
    C("t", lambda L, a: L.t(a), [()]),
    C("Tensor.T", lambda L, a: a.T, [(2, 3)]),
    C("Tensor.mT", lambda L, a: a.mT, [(2, 3, 4)]),
    C("permute Tensor.permute", lambda L, a: L.permute(a, (2, 0, 1)), [(2, 3, 4)], gradgrad=True),
    C("permute", lambda L, a: a.permute(1, -1, 0), [(2, 3, 4)]),
    C("permute", lambda L, a: a.permute([1, 0]), [(2, 3)]),
    C("permute", lambda L, a: L.permute(a, dims=(1, 0)), [(2, 3)]),
    C("permute", lambda L, a: a.permute(()), [()]),
    C("movedim Tensor.movedim", lambda L, a: L.movedim(a, 0, -1), [(2, 3, 4)], gradgrad=True),
    C("movedim", lambda L, a: a.movedim((0, 1), (2, 0)), [(2, 3, 4)]),
    C("movedim", lambda L, a: a.movedim(-1, 1), [(2, 3, 4, 5)]),
    C("moveaxis Tensor.moveaxis", lambda L, a: L.moveaxis(a, (2, 0), (0, 1)), [(2, 3, 4)], gradgrad=True),
    C("moveaxis", lambda L, a: a.moveaxis(0, 0), [()]),
    # expand
    C("Tensor.expand", lambda L, a: a.expand(2, 3, 4), [(3, 1)], gradgrad=True),
    C("Tensor.expand", lambda L, a: a.expand(-1, 4), [(3, 1)]),
    C("Tensor.expand", lambda L, a: a.expand((2, 3)), [()]),
    C("Tensor.expand", lambda L, a: a.expand(0, 3), [(1, 3)]),
    C("Tensor.expand", lambda L, a: a.expand(2, 3) * 1, [(2, 3)]),
    C("Tensor.expand_as", lambda L, a, b: a.expand_as(b), [(1, 4), _int_tensor((3, 4))]),
    C("broadcast_to Tensor.broadcast_to", lambda L, a: L.broadcast_to(a, (2, 3)), [(3,)], gradgrad=True),
    C("broadcast_to", lambda L, a: a.broadcast_to((4, -1, 2)), [(3, 1)]),
    # repeat / tile
    C("Tensor.repeat", lambda L, a: a.repeat(2, 1, 3), [(2, 3)], gradgrad=True),
    C("Tensor.repeat", lambda L, a: a.repeat(2, 2), [(2, 3)]),
    C("Tensor.repeat", lambda L, a: a.repeat((1, 3)), [(2, 1)]),
    C("Tensor.repeat", lambda L, a: a.repeat(3), [()]),
    C("Tensor.repeat", lambda L, a: a.repeat(0, 2), [(2, 3)]),
    C("tile Tensor.tile", lambda L, a: L.tile(a, (2,)), [(2, 3)], gradgrad=True),
    C("tile", lambda L, a: a.tile(2, 1, 2), [(2, 3)]),
    C("tile", lambda L, a: L.tile(a, dims=(2, 3)), [(3,)]),
    C("tile", lambda L, a: L.tile(a, (2,)), [()]),
    # cat / stack
    C("cat", lambda L, a, b: L.cat([a, b]), [(2, 3), (4, 3)], gradgrad=True),
    C("cat", lambda L, a, b, c: L.cat([a, b, c], dim=-1), [(2, 1), (2, 3), (2, 2)], gradgrad=True),
    C("cat", lambda L, a, b: L.cat([a, b], 1), [(2, 3), (0,)]),
    C("cat", lambda L, a, b: L.cat([a, b]), [(0,), (0,)]),
    C("cat", lambda L, a, b: L.cat([a, b], 0), [(0, 3), (2, 3)]),
    C("cat", lambda L, a: L.cat([a]), [(2, 3)]),
    C("cat", lambda L, a, b: L.cat([a, b]), [(3,), (2,)]),
    C("cat", lambda L, a, b: L.cat([a, b, a], 1), [(2, 3), (2, 1)]),
    C("cat", lambda L, a, b: L.cat([a, b], 0), [(2, 3), _int_tensor((1, 3))]),
    C("cat", lambda L, a, b: L.cat([a, b.double()], 0), [(2, 3), (1, 3)]),
    C("concat", lambda L, a, b: L.concat((a, b), 1), [(2, 3), (2, 2)], gradgrad=True),
    C("concatenate", lambda L, a, b: L.concatenate([a, b], axis=-2), [(2, 3), (1, 3)], gradgrad=True),
    C("stack", lambda L, a, b: L.stack([a, b]), [(2, 3), (2, 3)], gradgrad=True),
    C("stack", lambda L, a, b, c: L.stack((a, b, c), dim=-1), [(2, 3), (2, 3), (2, 3)], gradgrad=True),
    C("stack", lambda L, a, b: L.stack([a, b], 1), [(2, 3), (2, 3)]),
    C("stack", lambda L, a, b: L.stack([a, b]), [(), ()]),
    C("stack", lambda L, a, b: L.stack([a, b], -1), [(2,), _int_tensor((2,), np.int64)]),
    C("stack", lambda L, a, b: L.stack([a, b]), [(0, 2), (0, 2)]),
    C("hstack", lambda L, a, b: L.hstack([a, b]), [(3,), (2,)], gradgrad=True),
    C("hstack", lambda L, a, b: L.hstack((a, b)), [(2, 3), (2, 1)], gradgrad=True),
    C("hstack", lambda L, a, b: L.hstack([a, b]), [(), ()]),
    C("vstack", lambda L, a, b: L.vstack([a, b]), [(3,), (3,)], gradgrad=True),
    C("vstack", lambda L, a, b: L.vstack((a, b)), [(2, 3), (1, 3)], gradgrad=True),
    C("vstack", lambda L, a, b: L.vstack([a, b]), [(), ()]),
    # split / chunk / unbind (tuples of views)
    C("split Tensor.split", lambda L, a: L.split(a, 2), [(5, 3)], gradgrad=True),
    C("split", lambda L, a: a.split([1, 3, 1]), [(5, 3)], gradgrad=True),
    C("split", lambda L, a: L.split(a, 2, dim=-1), [(3, 5)]),
    C("split", lambda L, a: a.split(5, 1), [(3, 5)]),
    C("split", lambda L, a: a.split([0, 2, 0], 0), [(2, 3)]),
    C("split", lambda L, a: a.split(2)[1], [(5, 3)], gradgrad=True),
    C("split", lambda L, a: a.split(2)[0:3:2], [(5, 3)]),
    C("chunk Tensor.chunk", lambda L, a: L.chunk(a, 3), [(5, 2)], gradgrad=True),
    C("chunk", lambda L, a: a.chunk(2, -1), [(3, 5)]),
    C("chunk", lambda L, a: a.chunk(4), [(6,)]),
    C("chunk", lambda L, a: a.chunk(2)[1], [(4, 3)]),
    C("unbind Tensor.unbind", lambda L, a: L.unbind(a), [(3, 2)], gradgrad=True),
    C("unbind", lambda L, a: a.unbind(-1), [(2, 3, 4)], gradgrad=True),
    C("unbind", lambda L, a: a.unbind(1)[0], [(2, 3)], gradgrad=True),
    C("unbind", lambda L, a: L.unbind(a), [(1,)]),
    # flip / roll
    C("flip Tensor.flip", lambda L, a: L.flip(a, (0,)), [(3, 4)], gradgrad=True),
    C("flip", lambda L, a: a.flip(0, -1), [(2, 3, 4)]),
    C("flip", lambda L, a: L.flip(a, dims=[-2]), [(2, 3, 4)]),
    C("flip", lambda L, a: L.flip(a, (0,)), [()]),
    C("roll Tensor.roll", lambda L, a: L.roll(a, 1), [(3, 4)], gradgrad=True),
    C("roll", lambda L, a: L.roll(a, (1, -2), (0, 1)), [(3, 4)], gradgrad=True),
    C("roll", lambda L, a: a.roll(-1, 1), [(3, 4)]),
    C("roll", lambda L, a: a.roll(7, -1), [(3, 4)]),
    C("roll", lambda L, a: a.roll((1, 1), (0, 0)), [(3, 4)]),
    C("roll", lambda L, a: L.roll(a, 2), [()]),
    # narrow / unfold / contiguous
    C("narrow Tensor.narrow", lambda L, a: L.narrow(a, 1, 1, 2), [(2, 4)], gradgrad=True),
    C("narrow", lambda L, a: a.narrow(-1, -2, 2), [(2, 3, 4)]),
    C("narrow", lambda L, a: a.narrow(0, 0, 0), [(2, 3)]),
    C("narrow", lambda L, a: a.narrow(0, 2, 1), [(3,)]),
    C("Tensor.unfold", lambda L, a: a.unfold(1, 2, 1), [(2, 5)], gradgrad=True),
    C("Tensor.unfold", lambda L, a: a.unfold(0, 2, 2), [(5,)], gradgrad=True),
    C("Tensor.unfold", lambda L, a: a.unfold(-1, 3, 2), [(2, 3, 7)]),
    C("Tensor.unfold", lambda L, a: a.unfold(0, 3, 1), [(4, 2)]),
    C("Tensor.unfold", lambda L, a: a.unfold(0, 1, 1), [()]),
    C("Tensor.unfold", lambda L, a: a.unfold(1, 0, 1), [(2, 3)]),
    C("Tensor.contiguous", lambda L, a: a.t().contiguous(), [(2, 3)], gradgrad=True),
    C("Tensor.contiguous", lambda L, a: (a * 2).contiguous(), [(2, 3)]),
    # chains of views
    C("Tensor.view Tensor.transpose", lambda L, a: a.transpose(0, 1).reshape(6).view(3, 2), [(2, 3)],
      gradgrad=True),
    C("Tensor.unfold Tensor.permute", lambda L, a: a.permute(1, 0).unfold(0, 2, 1).sum(-1), [(3, 4)]),
]

globals().update(parametrize(CASES))


def _arange(*shape, dtype=np.float32):
    return dyngrad.from_numpy(np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape))


# --- view semantics ----------------------------------------------------------------------------

VIEW_OPS = {
    "view": lambda x: x.view(3, 4),
    "reshape": lambda x: x.reshape(-1),
    "flatten": lambda x: x.flatten(),
    "unflatten": lambda x: x.unflatten(1, (2, 2)),
    "squeeze": lambda x: x.unsqueeze(0).squeeze(),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "transpose": lambda x: x.transpose(0, 1),
    "t": lambda x: x.t(),
    "permute": lambda x: x.permute(1, 0),
    "movedim": lambda x: x.movedim(0, 1),
    "expand": lambda x: x.unsqueeze(0).expand(2, 3, 4),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "unbind": lambda x: x.unbind(0)[1],
    "split": lambda x: x.split(2, 1)[1],
    "chunk": lambda x: x.chunk(2, 0)[0],
    "unfold": lambda x: x.unfold(1, 2, 1),
}


@pytest.mark.parametrize("name", sorted(VIEW_OPS))
def test_view_ops_share_memory_version_and_base(name):
    x = _arange(3, 4)
    y = VIEW_OPS[name](x)
    assert np.shares_memory(x.numpy(), y.numpy()), f"{name} copied"
    assert y._base is x
    y2 = y.view(y.shape)  # a view of a view has the root as its base
    assert y2._base is x
    before = x._version
    x._bump()
    assert y._version == before + 1 == y2._version


def test_writing_through_a_view_is_seen_by_the_base_and_back():
    x = _arange(2, 3)
    y = x.view(3, 2)
    y.numpy()[2, 1] = -1.0
    assert x.numpy()[1, 2] == -1.0
    x.numpy()[0, 0] = 42.0
    assert y.numpy()[0, 0] == 42.0


def test_view_on_a_transposed_tensor_raises_and_names_shapes():
    x = _arange(2, 3).t()
    with pytest.raises(RuntimeError, match=r"view size is not compatible with input tensor's size and "
                       r"stride.*\[6\].*\[3, 2\].*Use \.reshape\(\.\.\.\) instead"):
        x.view(6)
    y = x.reshape(6)  # reshape copies instead
    assert y._base is None and not np.shares_memory(x.numpy(), y.numpy())
    np.testing.assert_array_equal(y.numpy(), [0, 3, 1, 4, 2, 5])


def test_reshape_is_a_view_when_the_strides_allow():
    x = _arange(2, 3, 4)
    assert x.reshape(6, 4)._base is x
    t = x.transpose(1, 2)  # (2, 4, 3), strides (12, 1, 4): dim 1 still splits, dims 1 and 2 can't merge
    assert t.reshape(2, 2, 2, 3)._base is x
    assert t.reshape(2, 12)._base is None


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("make", [
    lambda L, x: x.permute(2, 0, 1),
    lambda L, x: x.transpose(0, 1),
    lambda L, x: x.narrow(2, 1, 2),
    lambda L, x: x.unfold(1, 1, 2),
    lambda L, x: x.narrow(0, 0, 1).expand(2, 3, 4),
    lambda L, x: x.unsqueeze(2).expand(2, 3, 2, 4),
], ids=["permute", "transpose", "narrow", "step", "expand", "expand-mid"])
def test_view_succeeds_exactly_when_torch_does(make):
    src = np.arange(24.0).reshape(2, 3, 4)
    x = make(dyngrad, dyngrad.from_numpy(src.copy()))
    z = make(torch, torch.from_numpy(src.copy()))
    n = x.numel()
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    shapes = [(n,)] + [(a, n // a) for a in divisors] + [
        (a, b, n // (a * b)) for a in divisors for b in divisors if n % (a * b) == 0
    ]
    checked = 0
    for shape in shapes:
        checked += 1
        try:
            expected = z.view(shape)
        except RuntimeError:
            with pytest.raises(RuntimeError, match="view size is not compatible"):
                x.view(shape)
            continue
        got = x.view(shape)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
        assert got.stride() == expected.stride()
    assert checked


def test_view_as_dtype_reinterprets_bits():
    x = dyngrad.from_numpy(np.array([1.0, -2.0], dtype=np.float32)).requires_grad_()
    y = x.view(dyngrad.int32)
    assert y.dtype == dyngrad.int32 and not y.requires_grad and y._base is x
    np.testing.assert_array_equal(y.numpy(), np.array([1.0, -2.0], np.float32).view(np.int32))
    with pytest.raises(RuntimeError, match="view"):
        dyngrad.from_numpy(np.zeros((3,), np.float32)).view(dyngrad.float64)


def test_view_backward_through_the_base():
    x = dyngrad.from_numpy(np.arange(6.0)).requires_grad_()
    y = x.view(2, 3).t().unsqueeze(0)
    (y * dyngrad.from_numpy(np.arange(6.0).reshape(1, 3, 2))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.arange(6.0).reshape(3, 2).T.reshape(-1))


def test_multi_output_ops_give_tuples_with_output_numbers():
    x = dyngrad.from_numpy(np.arange(10.0).reshape(5, 2)).requires_grad_()
    parts = x.split(2)
    assert type(parts) is tuple and [p.shape[0] for p in parts] == [2, 2, 1]
    assert [p.output_nr for p in parts] == [0, 1, 2]
    assert parts[0].grad_fn is parts[2].grad_fn
    assert type(x.unbind()) is tuple and len(x.unbind(1)) == 2
    assert type(x.chunk(1)) is tuple and x.chunk(1)[0].shape == (5, 2)
    (parts[2] * 3).sum().backward()  # only one output used: the others get zeros
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0]] * 4 + [[3, 3]])


def test_flatten_start_equal_end_and_contiguous_return_the_input():
    x = _arange(2, 3)
    assert x.flatten(1, 1) is x and x.flatten(-1, 1) is x
    assert x.contiguous() is x
    y = _arange(4)
    assert y.flatten() is y


# --- in-place metadata ops ---------------------------------------------------------------------


def test_unsqueeze_and_squeeze_in_place_change_the_tensor_itself():
    x = _arange(2, 3)
    v = x._version
    assert x.unsqueeze_(0) is x and x.shape == (1, 2, 3)
    assert x.squeeze_() is x and x.shape == (2, 3)
    assert x._version == v + 2


def test_in_place_metadata_ops_are_recorded_in_the_graph():
    a = dyngrad.from_numpy(np.arange(6.0).reshape(2, 3)).requires_grad_()
    b = a * 2
    b.unsqueeze_(0)
    assert b.shape == (1, 2, 3) and b.grad_fn is not None
    b.squeeze_(0)
    (b * dyngrad.from_numpy(np.arange(6.0).reshape(2, 3))).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), 2 * np.arange(6.0).reshape(2, 3))


def test_in_place_metadata_op_on_a_leaf_requiring_grad_raises():
    a = dyngrad.from_numpy(np.zeros((1, 3))).requires_grad_()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad.*unsqueeze_"):
        a.unsqueeze_(0)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad.*squeeze_"):
        a.squeeze_(0)
    assert a.shape == (1, 3)
    with dyngrad.no_grad():
        a.squeeze_(0)
    assert a.shape == (3,)


def test_in_place_metadata_op_invalidates_saved_tensors():
    a = dyngrad.from_numpy(np.ones((2, 3))).requires_grad_()
    w = dyngrad.from_numpy(np.ones((2, 3))).requires_grad_()
    c = a * 1
    d = c * w  # saves c
    c.unsqueeze_(0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        d.sum().backward()


# --- dtypes ------------------------------------------------------------------------------------


def test_cat_and_stack_promote_dtypes_like_torch():
    i32 = dyngrad.from_numpy(np.zeros((2,), np.int32))
    b = dyngrad.from_numpy(np.zeros((2,), np.bool_))
    f64 = dyngrad.from_numpy(np.zeros((2,), np.float64))
    i64_0d = dyngrad.from_numpy(np.array(1, np.int64))
    f32_0d = dyngrad.from_numpy(np.array(1.0, np.float32))
    assert dyngrad.cat([i32, b]).dtype == dyngrad.int32
    assert dyngrad.cat([i32, f64]).dtype == dyngrad.float64
    assert dyngrad.cat([dyngrad.from_numpy(np.zeros(0)), i32]).dtype == dyngrad.float64
    assert dyngrad.stack([i64_0d, f32_0d]).dtype == dyngrad.float32
    assert dyngrad.stack([f32_0d, dyngrad.from_numpy(np.array(1.0))]).dtype == dyngrad.float64


@pytest.mark.parametrize("op", [
    lambda x: x.flip(0), lambda x: x.roll(1), lambda x: x.repeat(2, 1), lambda x: x.view(-1),
    lambda x: x.t(), lambda x: x.split(1)[0], lambda x: dyngrad.cat([x, x]), lambda x: x.unfold(1, 2, 1),
])
def test_integer_inputs_keep_their_dtype(op):
    x = dyngrad.from_numpy(np.arange(6, dtype=np.int16).reshape(2, 3))
    y = op(x)
    assert y.dtype == dyngrad.int16 and not y.requires_grad


def test_results_of_copying_ops_do_not_share_memory():
    x = _arange(2, 3)
    for y in (x.flip(0), x.roll(1), x.repeat(1, 1), x.tile((1,)), dyngrad.cat([x]), dyngrad.stack([x])):
        assert not np.shares_memory(x.numpy(), y.numpy())


# --- errors ------------------------------------------------------------------------------------


def test_wrong_sizes_name_the_op_the_shape_and_the_input():
    x = _arange(2, 3)
    with pytest.raises(RuntimeError, match=r"view: shape '\[4, 2\]' is invalid for input of size 6 "
                       r"\(input shape \[2, 3\]\)"):
        x.view(4, 2)
    with pytest.raises(RuntimeError, match=r"reshape: shape '\[-1, 4\]' is invalid .* size 6 .*\[2, 3\]"):
        x.reshape(-1, 4)
    with pytest.raises(RuntimeError, match="view: only one dimension can be inferred"):
        x.view(-1, -1)
    with pytest.raises(RuntimeError, match=r"invalid shape dimension -2"):
        x.reshape(-2, -3)
    with pytest.raises(RuntimeError, match="ambiguous"):
        dyngrad.from_numpy(np.zeros((0, 3))).view(0, -1)
    with pytest.raises(RuntimeError, match=r"unflatten: Provided sizes \[2, 2\] .* dim 1 \(3\)"):
        x.unflatten(1, (2, 2))
    with pytest.raises(RuntimeError, match="unflatten: sizes must be non-empty"):
        x.unflatten(1, ())


def test_cat_errors_name_the_dim_and_shapes():
    a, b = _arange(2, 3), _arange(3, 3)
    with pytest.raises(RuntimeError, match=r"cat\(\): Sizes of tensors must match except in dimension 1\. "
                       r"Expected size 2 but got size 3 for tensor number 1.*\[2, 3\] and \[3, 3\]"):
        dyngrad.cat([a, b], 1)
    with pytest.raises(RuntimeError, match=r"same number of dimensions: got 2 and 3"):
        dyngrad.cat([a, _arange(2, 3, 1)])
    with pytest.raises(RuntimeError, match=r"zero-dimensional tensor \(at position 1\)"):
        dyngrad.cat([a, dyngrad.from_numpy(np.array(1.0, np.float32))])
    with pytest.raises(ValueError, match="non-empty list"):
        dyngrad.cat([])
    with pytest.raises(IndexError, match=r"cat: Dimension out of range \(expected to be in range of "
                       r"\[-2, 1\], but got 2\)"):
        dyngrad.cat([a, a], 2)
    with pytest.raises(TypeError, match="tuple or list of Tensors"):
        dyngrad.cat(a)
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \[2, 3\] "
                       r"at entry 0 and \[3, 3\] at entry 1"):
        dyngrad.stack([a, b])
    with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
        dyngrad.stack([])


def test_split_chunk_unbind_errors():
    x = _arange(5)
    with pytest.raises(RuntimeError, match=r"split_sizes to sum exactly to 5 .*split_sizes=\[2, 2\]"):
        x.split([2, 2])
    with pytest.raises(RuntimeError, match="non-negative entries"):
        x.split([2, -1, 4])
    with pytest.raises(RuntimeError, match="split_size can only be 0 if dimension size is 0"):
        x.split(0)
    with pytest.raises(RuntimeError, match="split_size be non-negative"):
        x.split(-1)
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0, got: 0"):
        x.chunk(0)
    with pytest.raises(IndexError, match="tensor has no dimensions"):
        dyngrad.from_numpy(np.array(1.0)).unbind()
    empty = dyngrad.from_numpy(np.zeros(0))
    assert [p.shape for p in empty.split(2)] == [(0,)]
    assert [p.shape for p in empty.chunk(3)] == [(0,)] * 3


def test_dim_and_argument_errors():
    x = _arange(2, 3)
    with pytest.raises(IndexError, match=r"transpose: Dimension out of range .*got 2"):
        x.transpose(0, 2)
    with pytest.raises(IndexError, match=r"unsqueeze: Dimension out of range \(expected to be in range of "
                       r"\[-3, 2\], but got 3\)"):
        x.unsqueeze(3)
    with pytest.raises(RuntimeError, match=r"t\(\) expects a tensor with <= 2 dimensions, but self is 3D"):
        _arange(2, 3, 4).t()
    with pytest.raises(RuntimeError, match=r"input.dim\(\) = 2 is not equal to len\(dims\) = 1"):
        x.permute(0)
    with pytest.raises(RuntimeError, match="duplicate dims"):
        x.permute(0, 0)
    with pytest.raises(RuntimeError, match="movedim: repeated dim in `source`"):
        _arange(2, 3, 4).movedim((0, 0), (1, 2))
    with pytest.raises(RuntimeError, match="should contain the same number of dims"):
        _arange(2, 3, 4).movedim((0, 1), (1,))
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        x.flatten(1, 0)
    with pytest.raises(RuntimeError, match=r"squeeze: dim \[0, 0\] appears multiple times"):
        x.squeeze((0, 0))
    with pytest.raises(RuntimeError, match=r"Number of dimensions of repeat dims \(1\) can not be smaller"):
        x.repeat(2)
    with pytest.raises(RuntimeError, match="negative dimension"):
        x.repeat(-1, 1)
    with pytest.raises(RuntimeError, match=r"roll: shifts and dimensions must align\. shifts: 2, dims:1"):
        x.roll((1, 2), (0,))
    with pytest.raises(RuntimeError, match=r"flip: dim \[0, 0\] appears multiple times"):
        x.flip(0, 0)


def test_narrow_unfold_expand_errors():
    x = _arange(2, 3)
    with pytest.raises(RuntimeError, match=r"start \(2\) \+ length \(2\) exceeds dimension size \(3\)"):
        x.narrow(1, 2, 2)
    with pytest.raises(IndexError, match=r"start out of range"):
        x.narrow(1, -4, 1)
    with pytest.raises(RuntimeError, match="cannot be applied to a 0-dim tensor"):
        dyngrad.from_numpy(np.array(1.0)).narrow(0, 0, 1)
    assert x.narrow(1, dyngrad.from_numpy(np.array(1)), 2).shape == (2, 2)
    with pytest.raises(RuntimeError, match=r"maximum size for tensor at dimension 1 is 3 but size is 4"):
        x.unfold(1, 4, 1)
    with pytest.raises(RuntimeError, match="step is 0 but must be > 0"):
        x.unfold(1, 2, 0)
    with pytest.raises(RuntimeError, match=r"expanded size of the tensor \(3\) must match the existing size "
                       r"\(2\) at non-singleton dimension 0"):
        x.expand(3, -1)
    with pytest.raises(RuntimeError, match=r"\(-1\) isn't allowed in a leading, non-existing dimension 0"):
        x.expand(-1, 2, 3)
    with pytest.raises(RuntimeError, match=r"number of sizes provided \(1\) must be greater or equal"):
        x.expand(2)


def test_shape_module_exports_what_tensor_methods_use():
    for name in ["view", "expand", "repeat", "contiguous", "unfold", "squeeze_", "unsqueeze_", *shape_ops.__all__]:
        assert callable(getattr(shape_ops, name)), name
    if torch is not None:
        missing = [n for n in shape_ops.__all__ if not hasattr(torch, n)]
        assert not missing, f"not PyTorch functions: {missing}"
