"""nn.Module's contract, checked against PyTorch: registration, iteration order, state_dict,
load_state_dict, hooks, modes, conversion, reprs, containers and Parameter."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import dyngrad
from dyngrad import nn
from optable import needs_torch

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


@pytest.fixture
def torch_names():
    """Print dtypes and sizes as ``torch.float32`` / ``torch.Size``, to compare reprs and messages."""
    saved = dyngrad.dtypes.display_prefix[0]
    dyngrad.dtypes.display_prefix[0] = "torch"
    yield
    dyngrad.dtypes.display_prefix[0] = saved


def build(L):
    """The same nested model in either library: custom modules, Sequential, ModuleList, ModuleDict,
    buffers (one non-persistent), a shared submodule and a None parameter."""

    class Block(L.nn.Module):
        def __init__(self, n):
            super().__init__()
            self.fc = L.nn.Linear(n, n)
            self.act = L.nn.ReLU()
            self.register_buffer("running", L.zeros(n))
            self.register_buffer("scratch", L.ones(1), persistent=False)
            self.scale = L.nn.Parameter(L.ones(1))

        def forward(self, x):
            return self.act(self.fc(x)) * self.scale + self.running

    class Net(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = L.nn.Sequential(L.nn.Linear(3, 4), L.nn.Tanh())
            self.blocks = L.nn.ModuleList([Block(4), Block(4)])
            self.heads = L.nn.ModuleDict({"a": L.nn.Linear(4, 2), "b": L.nn.Linear(4, 1, bias=False)})
            self.shared = self.stem[0]
            self.register_parameter("unused", None)
            self.register_buffer("steps", L.tensor(0))

        def forward(self, x):
            x = self.stem(x)
            for block in self.blocks:
                x = block(x)
            return self.heads["a"](x)

    return Net()


def _same_weights(src, dst):
    state = {k: dyngrad.from_numpy(v.detach().numpy().copy()) for k, v in src.state_dict().items()}
    dst.load_state_dict(state)


# --- iteration order and names --------------------------------------------------------------------


@needs_torch
def test_names_and_order_match_torch():
    ours, theirs = build(dyngrad), build(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == [
        n for n, _ in theirs.named_parameters(remove_duplicate=False)
    ]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_modules(remove_duplicate=False)] == [
        n for n, _ in theirs.named_modules(remove_duplicate=False)
    ]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [n for n, _ in ours.named_parameters(prefix="model", recurse=False)] == [
        n for n, _ in theirs.named_parameters(prefix="model", recurse=False)
    ]
    assert [n for n, _ in ours.blocks[0].named_parameters(recurse=False)] == ["scale"]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))
    assert len(list(ours.modules())) == len(list(theirs.modules()))
    assert len(list(ours.children())) == len(list(theirs.children()))
    assert [type(m).__name__ for m in ours.modules()] == [type(m).__name__ for m in theirs.modules()]


@needs_torch
def test_nested_repr_matches_torch():
    assert repr(build(dyngrad)) == repr(build(torch))
    many = lambda L: L.nn.Sequential(  # noqa: E731
        L.nn.ModuleList([L.nn.Linear(2, 2) for _ in range(3)] + [L.nn.ReLU(), L.nn.ReLU(), L.nn.Linear(2, 3)]),
        L.nn.Sequential(OrderedDict(fc=L.nn.Linear(1, 1), act=L.nn.GELU("tanh"))),
        L.nn.ModuleList(),
        L.nn.Module(),
    )
    assert repr(many(dyngrad)) == repr(many(torch))


@needs_torch
def test_parameter_containers_repr_match_torch(torch_names):
    def make(L):
        m = L.nn.Module()
        m.plist = L.nn.ParameterList([L.nn.Parameter(L.ones(2, 3)), L.zeros(3, dtype=L.float64)])
        m.pdict = L.nn.ParameterDict({"a": L.nn.Parameter(L.ones(2, 3)), "b": L.zeros(3, dtype=L.float64)})
        return m

    assert repr(make(dyngrad)) == repr(make(torch))
    assert [n for n, _ in make(dyngrad).named_parameters()] == [n for n, _ in make(torch).named_parameters()]


# --- registration -----------------------------------------------------------------------------------


def _agrees(m, gone=()) -> bool:
    """Every registered member is the module's attribute, and the names in ``gone`` are not."""
    for registry in (m._parameters, m._buffers, m._modules):
        for name, value in registry.items():
            assert getattr(m, name) is value and m.__dict__[name] is value, name
    for name in gone:
        assert name not in m.__dict__ and not hasattr(m, name), name
    return True


def test_members_stay_the_attributes_through_every_change():
    import copy
    import pickle

    m = nn.Module()
    m.a = nn.Parameter(dyngrad.ones(2))
    m.sub = nn.Linear(2, 2)
    m.register_buffer("buf", dyngrad.zeros(2))
    assert _agrees(m)
    m._parameters["b"] = nn.Parameter(dyngrad.zeros(1))  # the registries written directly
    del m._modules["sub"]
    assert _agrees(m, gone=["sub"]) and m.b is m._parameters["b"]
    assert m._parameters.pop("b") is not None and m._parameters.pop("b", None) is None
    m._buffers.update(c=dyngrad.ones(3))
    m._buffers.setdefault("d", dyngrad.ones(4))
    m._buffers |= {"e": None}
    assert _agrees(m, gone=["b"]) and m.e is None
    m._buffers.popitem()
    m._parameters.clear()
    assert _agrees(m, gone=["a", "e"])
    m._buffers = {"fresh": dyngrad.ones(1)}  # a registry replaced wholesale
    assert _agrees(m, gone=["buf", "c", "d"]) and type(m._buffers) is not dict
    m.w = nn.Parameter(dyngrad.ones(2))
    m.w = None
    del m.fresh
    assert _agrees(m, gone=["fresh"]) and m.w is None
    m.sub = nn.Linear(2, 2)
    m.to(dyngrad.float64)
    assert _agrees(m.sub) and m.sub.weight.dtype == dyngrad.float64
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m)), copy.copy(m)):
        assert _agrees(clone) and _agrees(clone.sub)
        clone.sub = nn.Linear(3, 3)  # a clone's registry is its own
        assert m.sub.weight.shape == (2, 2) and m._modules["sub"] is m.sub
    assert copy.deepcopy(m).sub.weight is not m.sub.weight


def test_sequential_renumbering_leaves_no_stale_members():
    seq = nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Tanh())
    del seq[0]
    assert list(seq._modules) == ["0", "1"] and _agrees(seq, gone=["2"])
    assert isinstance(getattr(seq, "0"), nn.ReLU)
    seq.insert(0, nn.Sigmoid())
    assert _agrees(seq) and isinstance(seq[0], nn.Sigmoid) and len(seq) == 3


def test_attribute_assignment_registers():
    m = nn.Module()
    m.w = nn.Parameter(dyngrad.ones(2))
    m.sub = nn.Linear(2, 2)
    m.register_buffer("buf", dyngrad.zeros(2))
    m.plain = dyngrad.ones(1)  # a plain tensor is just an attribute
    assert list(m._parameters) == ["w"] and list(m._modules) == ["sub"] and list(m._buffers) == ["buf"]
    assert "plain" not in m.state_dict() and m.__dict__["w"] is m._parameters["w"]
    m.buf = dyngrad.ones(2)  # assigning a tensor to a buffer name replaces the buffer
    assert m._buffers["buf"].numpy().tolist() == [1.0, 1.0]
    m.w = None  # None keeps the slot (like bias=False)
    assert "w" in m._parameters and m.w is None and "w" not in m.state_dict()
    m.sub = nn.Parameter(dyngrad.ones(1))  # re-registering under another kind moves it
    assert "sub" not in m._modules and "sub" in m._parameters
    del m.sub
    assert "sub" not in m._parameters
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'sub'"):
        m.sub
    assert {"w", "buf"} <= set(dir(m))


def test_registration_errors_match_torchs_messages():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign 'torch.FloatTensor' as parameter 'weight' "
                                        r"\(torch.nn.Parameter or None expected\)"):
        m.weight = dyngrad.ones(2, 2)
    with pytest.raises(KeyError, match="buffer name can"):
        m.register_buffer("a.b", dyngrad.ones(1))
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        m.register_buffer("weight", dyngrad.ones(1))
    with pytest.raises(TypeError, match=r"cannot assign 'int' object to buffer 'x' \(torch Tensor or None required\)"):
        m.register_buffer("x", 3)
    with pytest.raises(TypeError, match=r"cannot assign 'torch.FloatTensor' object to parameter 'x'"):
        m.register_parameter("x", dyngrad.ones(1))
    m.register_buffer("b", dyngrad.ones(1))
    with pytest.raises(TypeError, match=r"cannot assign 'int' as buffer 'b'"):
        m.b = 3
    m.child = nn.ReLU()
    with pytest.raises(TypeError, match=r"cannot assign 'int' as child module 'child'"):
        m.child = 3
    with pytest.raises(KeyError, match="module name can.*t be empty string"):
        m.add_module("", nn.ReLU())
    with pytest.raises(KeyError, match=r"module name can.*t contain \".\", got: a.b"):
        m.add_module("a.b", nn.ReLU())
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        m.add_module("q", 3)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(dyngrad.ones(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()


def test_get_submodule_parameter_buffer():
    net = build(dyngrad)
    assert net.get_submodule("blocks.1.fc") is net.blocks[1].fc
    assert net.get_submodule("") is net
    assert net.get_parameter("heads.a.bias") is net.heads["a"].bias
    assert net.get_buffer("blocks.0.running") is net.blocks[0].running
    with pytest.raises(AttributeError, match="ReLU has no attribute `x`"):
        net.get_submodule("blocks.0.act.x")
    with pytest.raises(AttributeError, match="`bias` is not an nn.Module"):
        net.get_submodule("heads.a.bias")
    with pytest.raises(AttributeError, match="`running` is not an nn.Parameter"):
        net.get_parameter("blocks.0.running")


# --- state_dict / load_state_dict -------------------------------------------------------------------


def test_state_dict_values_are_detached_and_share_memory():
    net = build(dyngrad)
    sd = net.state_dict()
    w = sd["stem.0.weight"]
    assert not w.requires_grad and w.grad_fn is None and not isinstance(w, nn.Parameter)
    w[0, 0] = 42.0
    assert net.stem[0].weight[0, 0].item() == 42.0
    assert "blocks.0.scratch" not in sd  # non-persistent buffer
    assert net.state_dict(keep_vars=True)["stem.0.weight"] is net.stem[0].weight
    assert list(net.heads.state_dict(prefix="heads.")) == ["heads.a.weight", "heads.a.bias", "heads.b.weight"]


@needs_torch
def test_load_state_dict_from_torch_round_trip():
    theirs = build(torch)
    ours = build(dyngrad)
    result = ours.load_state_dict({k: dyngrad.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    weight = ours.stem[0].weight
    assert isinstance(weight, nn.Parameter) and weight.requires_grad  # loaded in place
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(dyngrad.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


@needs_torch
def test_load_state_dict_strict_error_matches_torch_and_loads_nothing(torch_names):
    def bad_state(L, model):
        sd = dict(model.state_dict())
        del sd["heads.a.bias"]
        sd["stem.0.weight"] = L.zeros(5, 3)
        sd["blocks.0.extra"] = L.zeros(1)
        sd["nothing.here"] = L.zeros(1)
        sd["blocks.1.fc.weight"] = L.full((4, 4), 7.0)
        return sd

    ours, theirs = build(dyngrad), build(torch)
    before = {k: v.numpy().copy() for k, v in ours.state_dict().items()}
    with pytest.raises(RuntimeError) as our_error:
        ours.load_state_dict(bad_state(dyngrad, ours))
    with pytest.raises(RuntimeError) as their_error:
        theirs.load_state_dict(bad_state(torch, theirs))
    assert str(our_error.value) == str(their_error.value)
    for k, v in ours.state_dict().items():  # nothing was loaded (PyTorch loads the good keys)
        np.testing.assert_array_equal(v.numpy(), before[k], err_msg=k)


@needs_torch
def test_load_state_dict_non_strict_matches_torch():
    def partial(L, model):
        sd = dict(model.state_dict())
        del sd["blocks.0.fc.bias"]
        sd["heads.c.weight"] = L.zeros(1)
        sd["blocks.0.fc.weight.extra"] = L.zeros(1)  # under a tensor's name: nobody reports it
        return sd

    ours, theirs = build(dyngrad), build(torch)
    a = ours.load_state_dict(partial(dyngrad, ours), strict=False)
    b = theirs.load_state_dict(partial(torch, theirs), strict=False)
    assert a.missing_keys == b.missing_keys and a.unexpected_keys == b.unexpected_keys
    assert repr(a) == repr(b)
    missing, unexpected = a  # a named tuple
    assert missing == ["blocks.0.fc.bias"]


def test_load_state_dict_shape_mismatch_raises_even_when_not_strict():
    lin = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with shape"):
        lin.load_state_dict({"weight": dyngrad.zeros(2, 2)}, strict=False)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        lin.load_state_dict([("weight", dyngrad.zeros(2, 3))])


def test_load_state_dict_casts_and_copies_into_the_same_memory():
    lin = nn.Linear(3, 2)
    weight = lin.weight
    data = weight._data
    version = weight._version
    lin.load_state_dict({"weight": dyngrad.ones(2, 3, dtype=dyngrad.float64), "bias": dyngrad.zeros(2)})
    assert lin.weight is weight and weight._data is data and weight.dtype == dyngrad.float32
    assert weight._version > version
    np.testing.assert_array_equal(data, np.ones((2, 3)))


def test_extra_state_round_trip():
    class WithExtra(nn.Module):
        def __init__(self):
            super().__init__()
            self.value = 1

        def get_extra_state(self):
            return {"value": self.value}

        def set_extra_state(self, state):
            self.value = state["value"]

    a, b = WithExtra(), WithExtra()
    a.value = 5
    assert list(a.state_dict()) == ["_extra_state"]
    b.load_state_dict(a.state_dict())
    assert b.value == 5


# --- hooks -------------------------------------------------------------------------------------------


def test_forward_hooks_modify_and_remove():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: calls.append(("pre", m, len(args))) or (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append(("fwd", args[0].sum().item())) or out + 1)
    out = lin(dyngrad.ones(2))
    assert calls == [("pre", lin, 1), ("fwd", 0.0)]
    np.testing.assert_allclose(out.detach().numpy(), lin.bias.detach().numpy() + 1)
    h1.remove()
    h2.remove()
    h2.remove()  # removing twice is harmless
    calls.clear()
    np.testing.assert_allclose(lin(dyngrad.zeros(2)).detach().numpy(), lin.bias.detach().numpy())
    assert calls == [] and not lin._forward_hooks and not lin._forward_pre_hooks
    # a non-tuple result of a pre-hook becomes the single argument
    lin.register_forward_pre_hook(lambda m, args: args[0] * 0)
    np.testing.assert_allclose(lin(dyngrad.ones(2)).detach().numpy(), lin.bias.detach().numpy())


def test_hook_order_prepend_and_context_manager():
    m = nn.Identity()
    order = []
    m.register_forward_hook(lambda *a: order.append("first"))
    m.register_forward_hook(lambda *a: order.append("zeroth"), prepend=True)
    with m.register_forward_hook(lambda *a: order.append("temporary")):
        m(dyngrad.ones(1))
    m(dyngrad.ones(1))
    assert order == ["zeroth", "first", "temporary", "zeroth", "first"]


class _TwoInTwoOut:
    """A module taking (tensor, number, tensor) and returning two tensors, in either library."""

    @staticmethod
    def make(L):
        class M(L.nn.Module):
            def forward(self, a, k, b):
                return a * k + b, b * 2

        return M()


@needs_torch
def test_full_backward_hook_arguments_match_torch():
    records = {}

    def run(L):
        seen = []
        m = _TwoInTwoOut.make(L)
        m.register_full_backward_hook(
            lambda mod, gi, go: seen.append(
                (mod is m, [None if g is None else g.detach().numpy().copy() for g in gi],
                 [None if g is None else g.detach().numpy().copy() for g in go])
            )
        )
        a = L.tensor([1.0, 2.0], requires_grad=True)
        b = L.tensor([[3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
        out = m(a, 3, b)
        assert isinstance(out, tuple) and out[1].grad_fn is None
        (out[0] * L.tensor([[1.0, -1.0]])).sum().backward()
        b.requires_grad_()
        m(a, 3, b)[1].sum().backward()
        records[L.__name__] = seen

    run(dyngrad)
    run(torch)
    ours, theirs = records["dyngrad"], records["torch"]
    assert len(ours) == len(theirs) == 2
    for (same_a, gi_a, go_a), (same_b, gi_b, go_b) in zip(ours, theirs):
        assert same_a and same_b
        for x, y in zip(gi_a + go_a, gi_b + go_b):
            assert (x is None) == (y is None)
            if x is not None:
                np.testing.assert_array_equal(x, y)
        assert len(gi_a) == len(gi_b) and len(go_a) == len(go_b)


def test_full_backward_hook_can_replace_grad_input_and_be_removed():
    lin = nn.Linear(2, 2)
    handle = lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    x = dyngrad.randn(1, 2, requires_grad=True)
    lin(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((1, 2)))
    assert lin.weight.grad is not None  # parameter gradients are untouched
    handle.remove()
    x.grad = None
    lin(x).sum().backward()
    assert np.abs(x.grad.numpy()).sum() > 0


def test_full_backward_hook_without_input_grad_warns_like_torch():
    lin = nn.Linear(2, 2)
    seen = []
    lin.register_full_backward_hook(lambda m, gi, go: seen.append((gi, [tuple(g.shape) for g in go])))
    with pytest.warns(UserWarning, match="Full backward hook is firing when gradients are computed with respect"):
        lin(dyngrad.randn(2)).sum().backward()
    assert seen == [((None,), [(2,)])]


# --- modes, grads, conversion ---------------------------------------------------------------------


def test_train_eval_propagate():
    net = build(dyngrad)
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.blocks.train()
    assert net.blocks[1].act.training and not net.training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        net.train("yes")


def test_zero_grad_and_requires_grad_():
    lin = nn.Linear(3, 2)
    lin(dyngrad.randn(4, 3)).sum().backward()
    grad = lin.weight.grad
    lin.zero_grad(set_to_none=False)
    assert lin.weight.grad is grad and not grad.numpy().any()
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None
    lin.requires_grad_(False)
    assert not any(p.requires_grad for p in lin.parameters())


def test_apply_order_matches_torch():
    order = {}
    for L in (dyngrad, torch) if torch is not None else (dyngrad,):
        seen = []
        build(L).apply(lambda m, seen=seen: seen.append(type(m).__name__))
        order[L.__name__] = seen
    if torch is not None:
        assert order["dyngrad"] == order["torch"]


def test_to_double_half_keep_parameter_objects():
    net = build(dyngrad)
    weight = net.stem[0].weight
    net(dyngrad.randn(2, 3)).sum().backward()
    assert net.double() is net
    assert net.stem[0].weight is weight and weight.dtype == dyngrad.float64
    assert weight.grad.dtype == dyngrad.float64
    assert net.blocks[0].running.dtype == dyngrad.float64
    assert net.steps.dtype == dyngrad.int64  # integer buffers keep their dtype
    net.to(dyngrad.float32)
    assert weight.dtype == dyngrad.float32 and weight.requires_grad
    net.half()
    assert weight.dtype == dyngrad.float16
    assert net.to("cpu") is net and net.cpu() is net
    with pytest.raises(RuntimeError, match="not available"):
        net.to("cuda")
    with pytest.raises(TypeError, match="only accepts floating point"):
        net.to(dyngrad.int32)


def test_deepcopy_and_pickle_keep_structure():
    net = build(dyngrad)
    clone = copy.deepcopy(net)
    assert clone.shared is clone.stem[0]  # sharing preserved
    assert isinstance(clone.stem[0].weight, nn.Parameter)
    assert clone.stem[0].weight._data is not net.stem[0].weight._data
    again = pickle.loads(pickle.dumps(nn.Sequential(nn.Linear(2, 3), nn.ReLU())))
    assert isinstance(again[0].weight, nn.Parameter) and again[0].weight.requires_grad


def test_forward_missing():
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required "forward" function'):
        nn.Module()(dyngrad.ones(1))


# --- Parameter ---------------------------------------------------------------------------------------


@needs_torch
def test_parameter_repr_matches_torch():
    assert repr(nn.Parameter(dyngrad.ones(2))) == repr(torch.nn.Parameter(torch.ones(2)))
    assert repr(nn.Parameter(dyngrad.ones(2, 2), requires_grad=False)) == repr(
        torch.nn.Parameter(torch.ones(2, 2), requires_grad=False)
    )
    assert repr(nn.Parameter()) == repr(torch.nn.Parameter())


def test_parameter_shares_memory_and_ops_return_tensors():
    t = dyngrad.zeros(3)
    p = nn.Parameter(t)
    assert p._data is t._data and p.requires_grad and p.is_leaf and isinstance(p, dyngrad.Tensor)
    t[0] = 5.0
    assert p[0].item() == 5.0 and p._version == t._version
    y = p * 2
    assert type(y) is dyngrad.Tensor
    assert type(p.detach()) is dyngrad.Tensor
    assert isinstance(copy.deepcopy(p), nn.Parameter)
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        nn.Parameter(dyngrad.tensor([1, 2]))


# --- containers ----------------------------------------------------------------------------------------


@needs_torch
def test_sequential_operations_match_torch():
    def ops(L):
        a, b, c, d = L.nn.ReLU(), L.nn.Tanh(), L.nn.Sigmoid(), L.nn.GELU()
        s = L.nn.Sequential(a, b, c)
        out = [len(s), s[0] is a, s[-1] is c, type(s[1:]).__name__, [type(m).__name__ for m in s[::2]]]
        s.append(d)
        s.insert(1, L.nn.Identity())
        s.insert(-1, L.nn.SiLU())
        out.append(list(s._modules))
        out.append([type(m).__name__ for m in s])
        del s[1]
        out.append(list(s._modules))
        out.append(type(s.pop(0)).__name__)
        s.extend([L.nn.Softsign()])
        s[0] = L.nn.Mish()
        out.append([type(m).__name__ for m in s])
        out.append([type(m).__name__ for m in s + L.nn.Sequential(L.nn.ReLU())])
        out.append(list((s * 2)._modules))
        del s[1:3]
        out.append(list(s._modules))
        out.append(repr(s))
        return out

    assert ops(dyngrad) == ops(torch)
    with pytest.raises(IndexError, match="index 3 is out of range"):
        nn.Sequential(nn.ReLU())[3]
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential class"):
        nn.Sequential() + [nn.ReLU()]


def test_sequential_forward_and_ordered_dict_names():
    s = nn.Sequential(OrderedDict(first=nn.Identity(), act=nn.Tanh()))
    assert list(s._modules) == ["first", "act"]
    x = dyngrad.tensor([0.5])
    np.testing.assert_allclose(s(x).numpy(), np.tanh([0.5]), rtol=1e-6)


@needs_torch
def test_module_list_and_dict_operations_match_torch():
    def ops(L):
        ml = L.nn.ModuleList([L.nn.ReLU(), L.nn.Tanh()])
        ml.append(L.nn.Sigmoid())
        ml.extend([L.nn.GELU()])
        ml.insert(1, L.nn.Identity())
        ml += [L.nn.SiLU()]
        out = [len(ml), [type(m).__name__ for m in ml], type(ml[1:3]).__name__, type(ml[-1]).__name__]
        del ml[0]
        out.append(list(ml._modules))
        out.append(type(ml.pop(-1)).__name__)
        ml[0] = L.nn.Mish()
        out.append(repr(ml + L.nn.ModuleList([L.nn.ReLU()])))
        md = L.nn.ModuleDict({"b": L.nn.ReLU(), "a": L.nn.Tanh()})
        md["c"] = L.nn.Identity()
        md.update([("d", L.nn.GELU())])
        out += [list(md), list(md.keys()), "a" in md, type(md.pop("b")).__name__, len(md), repr(md)]
        return out

    assert ops(dyngrad) == ops(torch)
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable, but got int"):
        nn.ModuleList().extend(3)
    with pytest.raises(IndexError, match="index 2 is out of range"):
        nn.ModuleList([nn.ReLU()])[2]


def test_parameter_list_and_dict():
    pl = nn.ParameterList([dyngrad.ones(2), nn.Parameter(dyngrad.zeros(3))])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 2
    pl.append(dyngrad.ones(1))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    assert pl[-1].shape == (1,) and len(pl[1:]) == 2
    pd = nn.ParameterDict({"w": dyngrad.ones(2)})
    pd["b"] = nn.Parameter(dyngrad.zeros(1))
    assert list(pd) == ["w", "b"] and isinstance(pd["w"], nn.Parameter) and "b" in pd
    assert [n for n, _ in pd.named_parameters()] == ["w", "b"]
    del pd["w"]
    assert list(pd.keys()) == ["b"] and len(pd) == 1
    with pytest.raises(TypeError, match="Index given to ParameterDict cannot be used as a key"):
        pd[0]
