"""The Tensor object itself: attributes, conversions, dtype rules, devices, views and memory."""

import copy
import pickle

import numpy as np
import pytest

import dyngrad
from optable import needs_torch, torch


def test_shape_is_a_size_tuple():
    x = dyngrad.zeros(2, 3)
    assert isinstance(x.shape, dyngrad.Size) and isinstance(x.shape, tuple)
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.shape[1:] == dyngrad.Size([3]) and isinstance(x.shape[1:], dyngrad.Size)
    assert x.shape.numel() == 6 and x.numel() == 6 and x.ndim == 2 and x.dim() == 2
    assert repr(x.shape) == "dyngrad.Size([2, 3])"
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.size(2)


def test_dtypes_and_their_numpy_counterparts():
    for name in ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]:
        dt = getattr(dyngrad, name)
        t = dyngrad.zeros(2, dtype=dt)
        assert t.dtype is dt and t.numpy().dtype == np.dtype(name if name != "bool" else np.bool_)
    assert dyngrad.float is dyngrad.float32 and dyngrad.long is dyngrad.int64 and dyngrad.half is dyngrad.float16
    assert dyngrad.float32.is_floating_point and not dyngrad.int64.is_floating_point
    assert repr(dyngrad.float64) == "dyngrad.float64"


def test_default_dtype_and_python_scalar_promotion():
    assert dyngrad.tensor([1.0, 2.0]).dtype is dyngrad.float32
    assert dyngrad.tensor([1, 2]).dtype is dyngrad.int64
    x32 = dyngrad.ones(2)
    assert (x32 * 2.5).dtype is dyngrad.float32  # Python scalars don't promote a float32 tensor
    assert (dyngrad.tensor([1, 2]) * 2.5).dtype is dyngrad.float32  # int tensor, float scalar
    assert (dyngrad.tensor([1, 2], dtype=dyngrad.int32) + 3).dtype is dyngrad.int32
    assert (x32 + dyngrad.ones(2, dtype=dyngrad.float64)).dtype is dyngrad.float64
    assert (x32 + dyngrad.tensor(1.0, dtype=dyngrad.float64)).dtype is dyngrad.float32  # 0-dim: same category
    dyngrad.set_default_dtype(dyngrad.float64)
    try:
        assert dyngrad.tensor([1.5]).dtype is dyngrad.float64 and dyngrad.get_default_dtype() is dyngrad.float64
    finally:
        dyngrad.set_default_dtype(dyngrad.float32)


def test_device_is_cpu_and_cuda_is_a_clear_error():
    x = dyngrad.ones(2)
    assert x.device == dyngrad.device("cpu") and str(x.device) == "cpu" and not x.is_cuda
    assert x.to("cpu") is x
    with pytest.raises(RuntimeError, match="'cuda'.*not available.*CPU"):
        x.to("cuda")
    with pytest.raises(RuntimeError, match="not available"):
        dyngrad.zeros(2, device="cuda:0")


def test_item_tolist_numpy_and_array_protocol():
    x = dyngrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert dyngrad.tensor([7]).item() == 7 and isinstance(dyngrad.tensor([7]).item(), int)
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()
    a = x.numpy()
    a[0, 0] = 10.0  # numpy() shares memory
    assert x[0, 0].item() == 10.0
    assert np.asarray(x) is a or np.shares_memory(np.asarray(x), a)
    w = dyngrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        w.numpy()
    assert float(dyngrad.tensor(2.5)) == 2.5 and int(dyngrad.tensor(3)) == 3


def test_from_numpy_is_zero_copy_and_as_tensor_shares_when_it_can():
    a = np.arange(6.0)
    t = dyngrad.from_numpy(a)
    a[0] = 42
    assert t[0].item() == 42 and t.dtype is dyngrad.float64
    assert np.shares_memory(dyngrad.as_tensor(a).numpy(), a)
    assert not np.shares_memory(dyngrad.tensor(a).numpy(), a)
    with pytest.raises(TypeError):
        dyngrad.from_numpy(np.array(["a"]))


def test_clone_detach_and_conversions():
    x = dyngrad.tensor([1.5, -2.5], requires_grad=True)
    y = x * 2
    assert y.grad_fn is not None and not y.is_leaf and x.is_leaf
    c = y.clone()
    assert c.grad_fn.name() == "CloneBackward0" and not np.shares_memory(c.detach().numpy(), y.detach().numpy())
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad and np.shares_memory(d.numpy(), y.detach().numpy())
    assert y.long().dtype is dyngrad.int64 and y.long().tolist() == [3, -5]
    assert y.double().dtype is dyngrad.float64 and y.double().requires_grad
    assert y.half().dtype is dyngrad.float16 and y.int().dtype is dyngrad.int32 and y.bool().dtype is dyngrad.bool
    assert y.float() is y and y.type_as(dyngrad.zeros(1, dtype=dyngrad.float64)).dtype is dyngrad.float64
    assert y.to(dyngrad.float64).dtype is dyngrad.float64
    y2 = y.detach().clone()
    y2.detach_()
    assert y2.is_leaf
    z = dyngrad.zeros(3, 4).t()
    assert not z.is_contiguous() and z.contiguous().is_contiguous()


def test_requires_grad_flag_rules():
    x = dyngrad.zeros(2)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    y = dyngrad.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="floating point"):
        dyngrad.tensor([1, 2]).requires_grad = True


def test_grad_assignment_is_checked():
    x = dyngrad.zeros(2, requires_grad=True)
    x.grad = dyngrad.ones(2)
    with pytest.raises(RuntimeError, match="different size"):
        x.grad = dyngrad.ones(3)
    x.grad = None
    assert x.grad is None


def test_python_protocols():
    x = dyngrad.tensor([1.0, 2.0, 3.0])
    assert len(x) == 3 and [t.item() for t in x] == [1.0, 2.0, 3.0]
    assert bool(dyngrad.tensor([1.0])) and not bool(dyngrad.tensor(0.0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)
    assert (x == None) is False  # noqa: E711 - PyTorch's behaviour
    assert f"{dyngrad.tensor(2.5):.2f}" == "2.50"
    assert [10, 20, 30][dyngrad.tensor(1)] == 20  # __index__
    with pytest.raises(TypeError):
        len(dyngrad.tensor(1.0))


def test_pickle_and_deepcopy_of_leaves():
    x = dyngrad.tensor([1.0, 2.0], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == [1.0, 2.0] and y.requires_grad
    z = copy.deepcopy(x)
    z.detach().zero_()
    assert x.tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)


def test_legacy_tensor_constructor():
    assert dyngrad.Tensor(2, 3).shape == (2, 3) and dyngrad.Tensor(2, 3).dtype is dyngrad.float32
    assert dyngrad.Tensor([1, 2]).dtype is dyngrad.float32


@needs_torch
def test_repr_matches_pytorch_for_a_graph_output():
    dyngrad.dtypes.display_prefix[0] = "torch"
    try:
        a = np.array([0.5, 1.0, 2.0], dtype=np.float32)
        ours = dyngrad.from_numpy(a.copy()).requires_grad_() * 2
        theirs = torch.from_numpy(a.copy()).requires_grad_() * 2
        assert repr(ours) == repr(theirs)
        assert repr(ours.shape) == repr(theirs.shape)
    finally:
        dyngrad.dtypes.display_prefix[0] = "dyngrad"


def test_out_argument_writes_into_the_given_tensor():
    out = dyngrad.empty(3)
    assert dyngrad.add(dyngrad.ones(3), 2, out=out) is out and out.tolist() == [3.0, 3.0, 3.0]
    assert out._version == 1
    small = dyngrad.empty(1)
    dyngrad.zeros(2, 2, out=small)  # resized, as PyTorch does
    assert small.shape == (2, 2)
    flags = dyngrad.empty(2, dtype=dyngrad.bool)
    dyngrad.eq(dyngrad.tensor([1, 2]), 1, out=flags)
    assert flags.tolist() == [True, False]
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        dyngrad.mul(dyngrad.ones(2, requires_grad=True), 2, out=dyngrad.empty(2))
    with pytest.raises(RuntimeError, match="can't be cast"):
        dyngrad.add(dyngrad.ones(2), 0.5, out=dyngrad.empty(2, dtype=dyngrad.int64))


def test_unary_tensor_methods_are_the_module_functions():
    """The unary Tensor methods are bound to their primitives (tensor_methods._bind_ops): each
    gives what dyngrad.<name> gives, and records the same node."""
    from dyngrad.ops.unary import TENSOR_METHODS

    x = dyngrad.tensor([0.25, 0.5, 0.75], requires_grad=True)
    assert {"exp", "tanh", "sigmoid", "relu", "neg", "abs", "arcsin", "negative", "absolute"} <= set(TENSOR_METHODS)
    for name in TENSOR_METHODS:
        by_method, by_function = getattr(x, name)(), getattr(dyngrad, name)(x)
        np.testing.assert_array_equal(by_method.detach().numpy(), by_function.detach().numpy(), err_msg=name)
        assert type(by_method.grad_fn) is type(by_function.grad_fn), name


def test_tensors_hash_by_identity():
    # as PyTorch's: dict keys and set members by object, whatever their values (== is elementwise)
    a, b = dyngrad.zeros(2), dyngrad.zeros(2)
    state = {a: "a", b: "b"}
    assert state[a] == "a" and state[b] == "b" and len({a, b, a}) == 2
    assert hash(a) == hash(a) and b not in {a}
