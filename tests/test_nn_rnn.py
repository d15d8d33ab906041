"""Recurrent layers (RNN, LSTM, GRU) and cells against PyTorch.

Each layer is built in both libraries, PyTorch's weights are copied into dyngrad's, and outputs,
final states, input/initial-state gradients and parameter gradients are compared in float32 and
float64. The fused gate primitives are gradchecked (and gradgradchecked, which runs their
create_graph backward) through the cells."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dyngrad
from dyngrad.autograd import gradcheck, gradgradcheck
from dyngrad.nn.layers.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from optable import needs_torch

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

OURS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU, "RNNCell": RNNCell, "LSTMCell": LSTMCell, "GRUCell": GRUCell}
TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def _pair(name: str, dtype: str, *args, **kwargs):
    """The same layer in both libraries, PyTorch's weights copied into dyngrad's."""
    theirs = getattr(torch.nn, name)(*args, **kwargs).to(getattr(torch, dtype))
    ours = OURS[name](*args, **kwargs).to(getattr(dyngrad, dtype))
    ours.load_state_dict({k: dyngrad.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def _close(ours, theirs, dtype: str, what: str) -> None:
    assert ours is not None, f"{what}: dyngrad gave no gradient"
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), err_msg=what, **TOL[dtype])


def _flat(out) -> list:
    """(output, h_n) or (output, (h_n, c_n)) as a flat list."""
    result = []
    for o in out if isinstance(out, tuple) else (out,):
        result.extend(_flat(o) if isinstance(o, tuple) else [o])
    return result


LAYERS = [
    ("LSTM", dict(num_layers=2, bidirectional=True, batch_first=True), (3, 5, 4), True),
    ("LSTM", dict(num_layers=2, bidirectional=True), (5, 3, 4), False),
    ("LSTM", dict(num_layers=3), (6, 2, 4), True),
    ("LSTM", dict(bias=False, batch_first=True), (2, 4, 4), False),
    ("LSTM", dict(num_layers=2, bidirectional=True), (5, 4), True),  # unbatched
    ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True), (3, 5, 4), True),
    ("GRU", dict(num_layers=2), (5, 3, 4), False),
    ("GRU", dict(bias=False, bidirectional=True), (4, 2, 4), True),
    ("GRU", dict(num_layers=2), (5, 4), True),  # unbatched
    ("RNN", dict(), (5, 3, 4), False),
    ("RNN", dict(nonlinearity="relu", num_layers=2, bidirectional=True, batch_first=True), (3, 5, 4), True),
    ("RNN", dict(bias=False, num_layers=2), (4, 4), True),  # unbatched
    ("RNN", dict(num_layers=1), (1, 1, 4), True),  # one step, batch one
]


def _layer_id(case) -> str:
    name, kw, shape, hx = case
    flags = "-".join(f"{k}={v}" for k, v in kw.items())
    return f"{name}-{'x'.join(map(str, shape))}-{flags}{'-hx' if hx else ''}"


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", LAYERS, ids=[_layer_id(c) for c in LAYERS])
def test_layer_matches_torch(case, dtype):
    name, kw, shape, with_hx = case
    hidden = 6
    ours, theirs = _pair(name, dtype, 4, hidden, **kw)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    tx = torch.tensor(x, requires_grad=True)
    dx = dyngrad.tensor(x, requires_grad=True)
    t_states, d_states = [], []
    if with_hx:
        directions = 2 if kw.get("bidirectional") else 1
        batch = () if len(shape) == 2 else (shape[0] if kw.get("batch_first") else shape[1],)
        hshape = (kw.get("num_layers", 1) * directions, *batch, hidden)
        for _ in range(2 if name == "LSTM" else 1):
            h = rng.standard_normal(hshape).astype(dtype)
            t_states.append(torch.tensor(h, requires_grad=True))
            d_states.append(dyngrad.tensor(h, requires_grad=True))
    t_hx = None if not with_hx else (tuple(t_states) if name == "LSTM" else t_states[0])
    d_hx = None if not with_hx else (tuple(d_states) if name == "LSTM" else d_states[0])
    t_out = _flat(theirs(tx, t_hx))
    d_out = _flat(ours(dx, d_hx))
    assert len(t_out) == len(d_out)
    for i, (a, b) in enumerate(zip(d_out, t_out)):
        assert tuple(a.shape) == tuple(b.shape), f"output {i}"
        _close(a, b, dtype, f"output {i}")
    # a loss that weighs every output differently, so each gradient path is exercised
    weights = [rng.standard_normal(tuple(o.shape)).astype(dtype) for o in t_out]
    sum(((o * torch.tensor(w)).sum() for o, w in zip(t_out, weights)), torch.zeros((), dtype=t_out[0].dtype)).backward()
    total = None
    for o, w in zip(d_out, weights):
        term = (o * dyngrad.tensor(w)).sum()
        total = term if total is None else total + term
    total.backward()
    _close(dx.grad, tx.grad, dtype, "input grad")
    for i, (a, b) in enumerate(zip(d_states, t_states)):
        _close(a.grad, b.grad, dtype, f"hx[{i}] grad")
    for (n, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        _close(p.grad, q.grad, dtype, f"{n} grad")


CELLS = [
    ("RNNCell", dict(), (3, 4), True),
    ("RNNCell", dict(nonlinearity="relu", bias=False), (3, 4), False),
    ("RNNCell", dict(), (4,), True),  # unbatched
    ("LSTMCell", dict(), (3, 4), True),
    ("LSTMCell", dict(bias=False), (3, 4), False),
    ("LSTMCell", dict(), (4,), True),
    ("GRUCell", dict(), (3, 4), True),
    ("GRUCell", dict(bias=False), (3, 4), False),
    ("GRUCell", dict(), (4,), True),
]


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CELLS, ids=[_layer_id(c) for c in CELLS])
def test_cell_matches_torch(case, dtype):
    name, kw, shape, with_hx = case
    ours, theirs = _pair(name, dtype, 4, 5, **kw)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(dtype)
    tx, dx = torch.tensor(x, requires_grad=True), dyngrad.tensor(x, requires_grad=True)
    t_states, d_states = [], []
    if with_hx:
        for _ in range(2 if name == "LSTMCell" else 1):
            h = rng.standard_normal(shape[:-1] + (5,)).astype(dtype)
            t_states.append(torch.tensor(h, requires_grad=True))
            d_states.append(dyngrad.tensor(h, requires_grad=True))
    t_hx = None if not with_hx else (tuple(t_states) if name == "LSTMCell" else t_states[0])
    d_hx = None if not with_hx else (tuple(d_states) if name == "LSTMCell" else d_states[0])
    t_out, d_out = _flat(theirs(tx, t_hx)), _flat(ours(dx, d_hx))
    weights = [rng.standard_normal(tuple(o.shape)).astype(dtype) for o in t_out]
    for a, b in zip(d_out, t_out):
        assert tuple(a.shape) == tuple(b.shape)
        _close(a, b, dtype, "output")
    sum((o * torch.tensor(w)).sum() for o, w in zip(t_out, weights)).backward()
    total = (d_out[0] * dyngrad.tensor(weights[0])).sum()
    for o, w in zip(d_out[1:], weights[1:]):
        total = total + (o * dyngrad.tensor(w)).sum()
    total.backward()
    _close(dx.grad, tx.grad, dtype, "input grad")
    for a, b in zip(d_states, t_states):
        _close(a.grad, b.grad, dtype, "hx grad")
    for (n, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        _close(p.grad, q.grad, dtype, f"{n} grad")


# --- gradcheck / gradgradcheck (float64) ---------------------------------------------------------


def _cell_function(cell):
    """f(x, h[, c], *params) -> outputs, with the cell's parameters as explicit inputs."""
    names = [n for n, _ in cell.named_parameters()]
    n_states = 2 if isinstance(cell, LSTMCell) else 1

    def f(x, *rest):
        states, params = rest[:n_states], rest[n_states:]
        for n, p in zip(names, params):
            cell._parameters[n] = p
        out = cell(x, states if n_states == 2 else states[0])
        return out

    return f, [p.detach().clone().requires_grad_() for _, p in cell.named_parameters()], n_states


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("order", ["grad", "gradgrad"])
def test_cell_gradcheck(name, order):
    dyngrad.manual_seed(0)
    cell = OURS[name](3, 4).double()
    f, params, n_states = _cell_function(cell)
    rng = np.random.default_rng(2)
    x = dyngrad.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    states = [dyngrad.tensor(rng.standard_normal((2, 4)), requires_grad=True) for _ in range(n_states)]
    check = gradcheck if order == "grad" else gradgradcheck
    assert check(f, (x, *states, *params), eps=1e-6, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_small_layer_gradcheck(name):
    dyngrad.manual_seed(0)
    layer = OURS[name](2, 3, num_layers=2, bidirectional=True).double()
    rng = np.random.default_rng(3)
    x = dyngrad.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    w = dyngrad.tensor(layer.weight_hh_l0.detach().numpy().copy(), requires_grad=True)

    def f(x, w):
        layer._parameters["weight_hh_l0"] = w
        return _flat(layer(x))

    assert gradcheck(f, (x, w), eps=1e-6, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("kw", [dict(bidirectional=True), dict(batch_first=True, bidirectional=True)])
def test_lstm_layer_gradgradcheck(kw):
    """A layer direction is one primitive (LSTMSequence); its recorded backward (create_graph)
    replays the steps with the per-step primitives: second derivatives through the whole layer,
    to the input, the initial states and the recurrent weight."""
    dyngrad.manual_seed(0)
    layer = LSTM(2, 3, **kw).double()
    rng = np.random.default_rng(5)
    x = dyngrad.tensor(rng.standard_normal((2, 3, 2)), requires_grad=True)
    batch = 2 if kw.get("batch_first") else 3
    h0, c0 = (dyngrad.tensor(rng.standard_normal((2, batch, 3)), requires_grad=True) for _ in range(2))
    w = dyngrad.tensor(layer.weight_hh_l0.detach().numpy().copy(), requires_grad=True)

    def f(x, h0, c0, w):
        layer._parameters["weight_hh_l0"] = w
        return _flat(layer(x, (h0, c0)))

    assert gradgradcheck(f, (x, h0, c0, w), eps=1e-6, atol=1e-5, rtol=1e-4)
    # the recorded first derivatives are the arrays' ones
    inputs = (x, h0, c0, w)
    seeds = [dyngrad.tensor(rng.standard_normal(o.shape)) for o in f(*inputs)]
    recorded, plain = (dyngrad.autograd.grad(f(*inputs), inputs, seeds, create_graph=flag) for flag in (True, False))
    for a, b in zip(recorded, plain):
        np.testing.assert_allclose(a.detach().numpy(), b.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kw", [dict(), dict(batch_first=True), dict(bidirectional=True)])
def test_lstm_outputs_written_in_place_leave_its_backward_alone(kw):
    """The layer's outputs are its own arrays: writing into them changes nothing backward reads."""
    dyngrad.manual_seed(0)
    layer = LSTM(2, 3, **kw).double()
    x = dyngrad.tensor(np.random.default_rng(6).standard_normal((4, 2, 2)), requires_grad=True)
    grads = []
    for write in (False, True):
        x.grad = None
        layer.zero_grad()
        out, (h, c) = layer(x)
        loss = h.sum() + c.sum()
        if write:
            with dyngrad.no_grad():
                out.zero_()
                h.fill_(7.0)
        loss.backward()
        grads.append([x.grad.numpy().copy()] + [p.grad.numpy().copy() for p in layer.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


def test_lstm_gates_gradient_when_only_one_state_is_used():
    """h_n alone or c_n alone: the fused gates' backward gets a None for the other output."""
    layer = LSTM(2, 3).double()
    x = dyngrad.tensor(np.random.default_rng(4).standard_normal((4, 1, 2)), requires_grad=True)
    for pick in (0, 1):
        x.grad = None
        _, states = layer(x)
        states[pick].sum().backward()
        assert x.grad is not None and np.isfinite(x.grad.numpy()).all()
    assert gradcheck(lambda x: layer(x)[1][1], (x,), eps=1e-6, atol=1e-6, rtol=1e-4)


# --- construction: names, init, repr, errors -----------------------------------------------------

CONFIGS = [
    ("LSTM", (10, 20), dict(num_layers=2, batch_first=True, bidirectional=True)),
    ("LSTM", (3, 4), dict(bias=False, dropout=0.5, num_layers=2)),
    ("GRU", (3, 4), dict(num_layers=3, bidirectional=True)),
    ("GRU", (3, 4), dict()),
    ("RNN", (3, 4), dict(nonlinearity="relu", bias=False, num_layers=2, dropout=0.25)),
    ("RNNCell", (3, 4), dict(nonlinearity="relu", bias=False)),
    ("LSTMCell", (3, 4), dict()),
    ("GRUCell", (3, 4), dict(bias=False)),
]


@needs_torch
@pytest.mark.parametrize("name,args,kw", CONFIGS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CONFIGS)])
def test_state_dict_repr_and_default_init_match_torch(name, args, kw):
    dyngrad.manual_seed(7)
    torch.manual_seed(7)
    ours, theirs = OURS[name](*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    bound = 1 / np.sqrt(args[1])
    for key, value in theirs_sd.items():
        mine = ours_sd[key].numpy()
        assert mine.shape == tuple(value.shape), key
        assert np.abs(mine).max() <= bound, key
        np.testing.assert_allclose(mine, value.numpy(), rtol=1e-6, atol=1e-7, err_msg=key)


def test_repr_examples():
    assert repr(LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)) == (
        "LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)"
    )
    assert repr(RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity=relu)"


def test_constructor_errors():
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        LSTM(3, 0)
    with pytest.raises(ValueError, match="num_layers must be greater than zero"):
        GRU(3, 4, num_layers=0)
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match="hidden_size should be of type int"):
        GRU(3, 4.0)
    with pytest.raises(NotImplementedError, match="proj_size"):
        LSTM(3, 4, proj_size=2)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        LSTM(3, 4, dropout=0.3)


def test_forward_errors_name_the_layer_expected_and_got():
    lstm = LSTM(3, 4)
    with pytest.raises(RuntimeError, match=r"LSTM: input.size\(-1\) must be equal to input_size. Expected 3, got 5"):
        lstm(dyngrad.randn(2, 3, 5))
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D instead"):
        lstm(dyngrad.randn(2, 2, 3, 3))
    with pytest.raises(RuntimeError, match=r"LSTM: Expected hidden\[0\] size \(1, 2, 4\), got \[1, 3, 4\]"):
        lstm(dyngrad.randn(5, 2, 3), (dyngrad.randn(1, 3, 4), dyngrad.randn(1, 2, 4)))
    with pytest.raises(RuntimeError, match=r"LSTM: Expected hidden\[1\] size \(1, 2, 4\), got \[1, 2, 5\]"):
        lstm(dyngrad.randn(5, 2, 3), (dyngrad.randn(1, 2, 4), dyngrad.randn(1, 2, 5)))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D"):
        lstm(dyngrad.randn(5, 3), (dyngrad.randn(1, 1, 4), dyngrad.randn(1, 1, 4)))
    with pytest.raises(RuntimeError, match=r"GRU: Expected hidden size \(1, 2, 4\), got \[2, 2, 4\]"):
        GRU(3, 4)(dyngrad.randn(5, 2, 3), dyngrad.randn(2, 2, 4))
    with pytest.raises(RuntimeError, match="Expected sequence length to be larger than 0"):
        GRU(3, 4)(dyngrad.randn(0, 2, 3))
    with pytest.raises(ValueError, match="input dtype .*float64.* does not match weight dtype .*float32"):
        RNN(3, 4)(dyngrad.randn(5, 2, 3, dtype=dyngrad.float64))
    with pytest.raises(RuntimeError, match="LSTMCell: input has inconsistent input_size: got 5 expected 3"):
        LSTMCell(3, 4)(dyngrad.randn(2, 5))
    with pytest.raises(RuntimeError, match="RNNCell: Input batch size 2 doesn't match hidden0 batch size 3"):
        RNNCell(3, 4)(dyngrad.randn(2, 3), dyngrad.randn(3, 4))
    with pytest.raises(ValueError, match="GRUCell: Expected input to be 1D or 2D, got 3D instead"):
        GRUCell(3, 4)(dyngrad.randn(2, 2, 3))


def test_error_inside_a_model_names_the_path():
    class Model(dyngrad.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = GRU(3, 4)

        def forward(self, x):
            return self.encoder(x)

    with pytest.raises(RuntimeError, match=r"(GRU \(encoder\)|encoder \(GRU\)): input.size\(-1\) must be equal to input_size"):
        Model()(dyngrad.randn(2, 1, 7))


def test_empty_batch_gives_empty_outputs():
    out, h = GRU(3, 4, num_layers=2)(dyngrad.randn(5, 0, 3))
    assert tuple(out.shape) == (5, 0, 4) and tuple(h.shape) == (2, 0, 4)


# --- dropout between layers ----------------------------------------------------------------------


def test_dropout_only_between_layers_and_only_in_training():
    dyngrad.manual_seed(0)
    layer = LSTM(3, 5, num_layers=2, dropout=0.5)
    x = dyngrad.randn(6, 2, 3)
    layer.eval()
    a, (ha, _) = layer(x)
    b, (hb, _) = layer(x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    layer.train()
    c, (hc, _) = layer(x)
    assert not np.allclose(c.detach().numpy(), a.detach().numpy())
    # the first layer's final state never sees dropout
    np.testing.assert_allclose(hc[0].detach().numpy(), ha[0].detach().numpy(), rtol=1e-6)
    # p = 1 drops the whole first-layer output: the second layer then runs on zeros
    layer.dropout = 1.0
    d, _ = layer(x)
    zeros_in = LSTM(5, 5)
    zeros_in.load_state_dict({k[:-1] + "0": v for k, v in layer.state_dict().items() if k.endswith("l1")})
    expected, _ = zeros_in(dyngrad.zeros(6, 2, 5))
    np.testing.assert_allclose(d.detach().numpy(), expected.detach().numpy(), rtol=1e-6, atol=1e-7)


@needs_torch
def test_dropout_mask_matches_torch_after_same_seed():
    ours, theirs = _pair("GRU", "float64", 3, 4, num_layers=3, dropout=0.4, bidirectional=True)
    x = np.random.default_rng(5).standard_normal((5, 2, 3))
    dyngrad.manual_seed(11)
    torch.manual_seed(11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d_out, _ = ours(dyngrad.tensor(x))
        t_out, _ = theirs(torch.tensor(x))
    np.testing.assert_allclose(d_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_no_grad_forward_records_nothing():
    layer = LSTM(3, 4, num_layers=2, bidirectional=True)
    with dyngrad.no_grad():
        out, (h, c) = layer(dyngrad.randn(4, 2, 3))
    assert not out.requires_grad and out.grad_fn is None and h.grad_fn is None
