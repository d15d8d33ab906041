"""nn layers, activations, functional, init and utils against PyTorch.

Activations go through the op table (parity in float32/float64, non-contiguous inputs, gradcheck
and gradgradcheck). Layers are built in both libraries, PyTorch's weights are copied into dyngrad's
layer, and outputs, input gradients and parameter gradients are compared."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import dyngrad
import dyngrad.nn  # noqa: F401 - registers dyngrad.nn for the L.nn.functional cases
from dyngrad import nn
from optable import OpCase, needs_torch, parametrize

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


def F(L):  # noqa: N802 - reads like the usual `F.`
    return L.nn.functional


CASES = [
    OpCase("relu ReLU", lambda L, x: F(L).relu(x), [(3, 4)]),
    OpCase("relu6 ReLU6", lambda L, x: F(L).relu6(x * 5), [(4, 5)]),
    OpCase("leaky_relu LeakyReLU", lambda L, x: F(L).leaky_relu(x, 0.2), [(3, 4)], gradgrad=True),
    OpCase("leaky_relu", lambda L, x: F(L).leaky_relu(x), [(5,)]),
    OpCase("prelu PReLU", lambda L, x, w: F(L).prelu(x, w), [(2, 3, 4), (3,)], gradgrad=True),
    OpCase("prelu", lambda L, x, w: F(L).prelu(x, w), [(2, 3), (1,)], gradgrad=True),
    OpCase("elu ELU", lambda L, x: F(L).elu(x * 3), [(3, 4)], gradgrad=True),
    OpCase("elu", lambda L, x: F(L).elu(x, alpha=0.5), [(6,)], gradgrad=True),
    OpCase("selu SELU", lambda L, x: F(L).selu(x * 2), [(3, 4)], gradgrad=True),
    OpCase("celu CELU", lambda L, x: F(L).celu(x * 2, alpha=0.7), [(3, 4)], gradgrad=True),
    OpCase("gelu GELU", lambda L, x: F(L).gelu(x * 2), [(3, 4)], gradgrad=True),
    OpCase("gelu", lambda L, x: F(L).gelu(x * 3, approximate="tanh"), [(3, 4)], gradgrad=True),
    OpCase("gelu", lambda L, x: F(L).gelu(x), [()], gradgrad=True),
    OpCase("silu SiLU", lambda L, x: F(L).silu(x * 3), [(3, 4)], gradgrad=True),
    OpCase("mish Mish", lambda L, x: F(L).mish(x * 3), [(3, 4)], gradgrad=True),
    OpCase("hardtanh Hardtanh", lambda L, x: F(L).hardtanh(x * 2), [(3, 4)]),
    OpCase("hardtanh", lambda L, x: F(L).hardtanh(x * 2, -0.5, 1.5), [(3, 4)]),
    OpCase("hardsigmoid Hardsigmoid", lambda L, x: F(L).hardsigmoid(x * 4), [(3, 4)]),
    OpCase("hardswish Hardswish", lambda L, x: F(L).hardswish(x * 4), [(4, 5)], gradgrad=True),
    OpCase("softplus Softplus", lambda L, x: F(L).softplus(x * 3), [(3, 4)], gradgrad=True),
    OpCase("softplus", lambda L, x: F(L).softplus(x * 3, beta=2.0, threshold=3.0), [(3, 4)]),
    OpCase("softsign Softsign", lambda L, x: F(L).softsign(x), [(3, 4)], gradgrad=True),
    OpCase("logsigmoid LogSigmoid", lambda L, x: F(L).logsigmoid(x * 8), [(3, 4)], gradgrad=True),
    OpCase("threshold Threshold", lambda L, x: F(L).threshold(x * 2, 0.3, -1.5), [(3, 4)]),
    OpCase("sigmoid Sigmoid", lambda L, x: F(L).sigmoid(x), [(3, 4)], gradgrad=True),
    OpCase("tanh Tanh", lambda L, x: F(L).tanh(x), [(3, 4)], gradgrad=True),
    OpCase("softmax Softmax", lambda L, x: F(L).softmax(x, dim=1), [(3, 4)], gradgrad=True),
    OpCase("log_softmax LogSoftmax", lambda L, x: F(L).log_softmax(x, -1), [(2, 3, 4)], gradgrad=True),
    OpCase("linear Linear", lambda L, x, w, b: F(L).linear(x, w, b), [(5, 3), (4, 3), (4,)], gradgrad=True),
    OpCase("linear", lambda L, x, w: F(L).linear(x, w), [(2, 5, 3), (4, 3)], gradgrad=True),
    OpCase("linear", lambda L, x, w, b: F(L).linear(x, w, b), [(3,), (4, 3), (4,)]),
    OpCase("bilinear Bilinear", lambda L, a, b, w, c: F(L).bilinear(a, b, w, c),
           [(5, 3), (5, 2), (4, 3, 2), (4,)], gradgrad=True),
    OpCase("bilinear", lambda L, a, b, w: F(L).bilinear(a, b, w), [(2, 5, 3), (2, 5, 2), (4, 3, 2)]),
]

globals().update(parametrize(CASES))


def test_every_functional_name_has_a_case():
    covered = {n for c in CASES for n in c.names.split()}
    # the functional names defined in nn/functional itself; those re-exported from dyngrad.ops
    # are covered through tests/test_coverage.py
    import importlib

    own = [n for m in ("activation", "linear") for n in importlib.import_module(f"dyngrad.nn.functional.{m}").__all__]
    inplace_aliases = {n for n in own if n.endswith("_")}
    missing = sorted(set(own) - covered - inplace_aliases)
    assert not missing, f"nn.functional without a case: {missing}"


# --- in-place activations ---------------------------------------------------------------------

INPLACE = [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.1}), ("elu", {}), ("selu", {}),
    ("celu", {}), ("silu", {}), ("mish", {}), ("hardtanh", {}), ("hardsigmoid", {}), ("hardswish", {}),
    ("threshold", {"threshold": 0.5, "value": -2.0}),
]


@needs_torch
@pytest.mark.parametrize("name,kwargs", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_activation_matches_torch(name, kwargs):
    data = np.random.default_rng(0).standard_normal((3, 4)) * 4
    leaf_x = dyngrad.tensor(data, requires_grad=True)
    leaf_t = torch.tensor(data, requires_grad=True)
    x = leaf_x * 1
    t = leaf_t * 1
    y = getattr(nn.functional, name)(x, inplace=True, **kwargs)
    z = getattr(torch.nn.functional, name)(t, inplace=True, **kwargs)
    assert y is x
    np.testing.assert_allclose(x.detach().numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12)
    y.sum().backward()
    z.sum().backward()
    np.testing.assert_allclose(leaf_x.grad.numpy(), leaf_t.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_inplace_activation_on_leaf_requiring_grad_raises():
    x = dyngrad.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        nn.functional.elu(x, inplace=True)


# --- layers against PyTorch with copied weights -------------------------------------------------

LAYERS = [
    ("Linear", lambda L: L.nn.Linear(3, 8), [(5, 3)]),
    ("Linear-3d", lambda L: L.nn.Linear(4, 2), [(2, 3, 4)]),
    ("Linear-1d", lambda L: L.nn.Linear(4, 2), [(4,)]),
    ("Linear-nobias", lambda L: L.nn.Linear(3, 2, bias=False), [(5, 3)]),
    ("Bilinear", lambda L: L.nn.Bilinear(3, 2, 4), [(5, 3), (5, 2)]),
    ("Identity", lambda L: L.nn.Identity(54, unused="x"), [(2, 3)]),
    ("Flatten", lambda L: L.nn.Flatten(), [(2, 3, 4, 5)]),
    ("Flatten-range", lambda L: L.nn.Flatten(0, 1), [(2, 3, 4)]),
    ("Unflatten", lambda L: L.nn.Unflatten(1, (2, 5)), [(3, 10, 2)]),
    ("PReLU", lambda L: L.nn.PReLU(), [(4, 3)]),
    ("PReLU-channels", lambda L: L.nn.PReLU(3, init=0.1), [(2, 3, 4)]),
    ("ReLU", lambda L: L.nn.ReLU(), [(3, 4)]),
    ("ReLU6", lambda L: L.nn.ReLU6(), [(3, 4)]),
    ("LeakyReLU", lambda L: L.nn.LeakyReLU(0.3), [(3, 4)]),
    ("ELU", lambda L: L.nn.ELU(0.8), [(3, 4)]),
    ("SELU", lambda L: L.nn.SELU(), [(3, 4)]),
    ("CELU", lambda L: L.nn.CELU(1.3), [(3, 4)]),
    ("GELU", lambda L: L.nn.GELU(), [(3, 4)]),
    ("GELU-tanh", lambda L: L.nn.GELU("tanh"), [(3, 4)]),
    ("SiLU", lambda L: L.nn.SiLU(), [(3, 4)]),
    ("Mish", lambda L: L.nn.Mish(), [(3, 4)]),
    ("Sigmoid", lambda L: L.nn.Sigmoid(), [(3, 4)]),
    ("Tanh", lambda L: L.nn.Tanh(), [(3, 4)]),
    ("Hardtanh", lambda L: L.nn.Hardtanh(-2.0, 2.0), [(3, 4)]),
    ("Hardsigmoid", lambda L: L.nn.Hardsigmoid(), [(3, 4)]),
    ("Hardswish", lambda L: L.nn.Hardswish(), [(3, 4)]),
    ("Softplus", lambda L: L.nn.Softplus(2.0, 5.0), [(3, 4)]),
    ("Softsign", lambda L: L.nn.Softsign(), [(3, 4)]),
    ("Softmax", lambda L: L.nn.Softmax(dim=-1), [(3, 4)]),
    ("LogSoftmax", lambda L: L.nn.LogSoftmax(dim=0), [(3, 4)]),
    ("Sequential", lambda L: L.nn.Sequential(L.nn.Linear(4, 6), L.nn.GELU(), L.nn.Linear(6, 2)), [(5, 4)]),
]


def _copy_weights(src, dst) -> None:
    state = {k: dyngrad.from_numpy(v.detach().numpy().copy()) for k, v in src.state_dict().items()}
    dst.load_state_dict(state)


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,make,shapes", LAYERS, ids=[n for n, _, _ in LAYERS])
def test_layer_matches_torch(name, make, shapes, dtype):
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    torch_layer = make(torch).to(getattr(torch, dtype))
    layer = make(dyngrad).to(getattr(dyngrad, dtype))
    _copy_weights(torch_layer, layer)
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(dtype) * 2 for s in shapes]
    xs = [dyngrad.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = layer(*xs)
    z = torch_layer(*ts)
    assert y.dtype.name == dtype
    np.testing.assert_allclose(y.detach().numpy(), z.detach().numpy(), **tol)
    go = rng.standard_normal(tuple(z.shape)).astype(dtype)
    y.backward(dyngrad.tensor(go))
    z.backward(torch.tensor(go))
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), **tol)
    params = dict(layer.named_parameters())
    torch_params = dict(torch_layer.named_parameters())
    assert list(params) == list(torch_params)
    for key, p in torch_params.items():
        np.testing.assert_allclose(params[key].grad.numpy(), p.grad.numpy(), **tol, err_msg=key)


REPRS = [
    lambda L: L.nn.ReLU(), lambda L: L.nn.ReLU(True), lambda L: L.nn.ReLU6(True), lambda L: L.nn.LeakyReLU(),
    lambda L: L.nn.LeakyReLU(0.2, True), lambda L: L.nn.PReLU(3), lambda L: L.nn.ELU(), lambda L: L.nn.ELU(0.5, True),
    lambda L: L.nn.SELU(True), lambda L: L.nn.CELU(), lambda L: L.nn.GELU(), lambda L: L.nn.GELU("tanh"),
    lambda L: L.nn.SiLU(True), lambda L: L.nn.Mish(), lambda L: L.nn.Sigmoid(), lambda L: L.nn.Tanh(),
    lambda L: L.nn.Hardtanh(), lambda L: L.nn.Hardtanh(-2, 2, True), lambda L: L.nn.Hardsigmoid(True),
    lambda L: L.nn.Hardswish(True), lambda L: L.nn.Softplus(), lambda L: L.nn.Softsign(),
    lambda L: L.nn.Softmax(), lambda L: L.nn.Softmax(1), lambda L: L.nn.LogSoftmax(dim=-1),
    lambda L: L.nn.Flatten(), lambda L: L.nn.Unflatten(1, (2, 5)), lambda L: L.nn.Identity(),
    lambda L: L.nn.Bilinear(2, 3, 4), lambda L: L.nn.Linear(2, 3, bias=False), lambda L: L.nn.Linear(3, 8),
]


@needs_torch
@pytest.mark.parametrize("make", REPRS)
def test_layer_repr_matches_torch(make):
    assert repr(make(dyngrad)) == repr(make(torch))


# --- default initialisation: same distributions, same order -----------------------------------

INITS = [
    ("Linear", lambda L: L.nn.Linear(7, 5)),
    ("Linear-nobias", lambda L: L.nn.Linear(7, 5, bias=False)),
    ("Bilinear", lambda L: L.nn.Bilinear(3, 4, 2)),
    ("PReLU", lambda L: L.nn.PReLU(4)),
    ("Sequential", lambda L: L.nn.Sequential(L.nn.Linear(3, 4), L.nn.ReLU(), L.nn.Linear(4, 2))),
]


@needs_torch
@pytest.mark.parametrize("name,make", INITS, ids=[n for n, _ in INITS])
def test_default_init_is_torchs_after_same_seed(name, make):
    dyngrad.manual_seed(123)
    torch.manual_seed(123)
    ours = make(dyngrad).state_dict()
    theirs = make(torch).state_dict()
    assert list(ours) == list(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key].numpy(), theirs[key].numpy(), rtol=1e-6, atol=1e-7, err_msg=key)


INIT_FNS = [
    ("uniform_", lambda I, t: I.uniform_(t, -0.5, 2.0)),
    ("normal_", lambda I, t: I.normal_(t, 1.0, 0.3)),
    ("xavier_uniform_", lambda I, t: I.xavier_uniform_(t, gain=2.0)),
    ("xavier_normal_", lambda I, t: I.xavier_normal_(t)),
    ("kaiming_uniform_", lambda I, t: I.kaiming_uniform_(t, a=0.1, mode="fan_out", nonlinearity="relu")),
    ("kaiming_normal_", lambda I, t: I.kaiming_normal_(t, nonlinearity="leaky_relu")),
    ("trunc_normal_", lambda I, t: I.trunc_normal_(t, mean=0.2, std=0.5, a=-0.3, b=0.9)),
    ("trunc_normal_-narrow", lambda I, t: I.trunc_normal_(t, std=1.0, a=1.5, b=3.0)),
    ("trunc_normal_-default", lambda I, t: I.trunc_normal_(t)),
    ("orthogonal_", lambda I, t: I.orthogonal_(t, gain=1.5)),
    ("constant_", lambda I, t: I.constant_(t, 0.25)),
    ("zeros_", lambda I, t: I.zeros_(t)),
    ("ones_", lambda I, t: I.ones_(t)),
]


@needs_torch
@pytest.mark.parametrize("shape", [(6, 4), (3, 5, 2)])
@pytest.mark.parametrize("name,fn", INIT_FNS, ids=[n for n, _ in INIT_FNS])
def test_init_function_matches_torch_after_same_seed(name, fn, shape):
    dyngrad.manual_seed(7)
    torch.manual_seed(7)
    ours = dyngrad.nn.Parameter(dyngrad.empty(shape))
    theirs = torch.nn.Parameter(torch.empty(shape))
    assert fn(nn.init, ours) is ours
    fn(torch.nn.init, theirs)
    assert ours.requires_grad and ours.grad_fn is None
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_eye_and_init_errors():
    t = dyngrad.empty(3, 4)
    nn.init.eye_(t)
    np.testing.assert_array_equal(t.numpy(), np.eye(3, 4))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        nn.init.eye_(dyngrad.empty(3))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(dyngrad.empty(3))
    with pytest.raises(ValueError, match="Mode fan_middle not supported"):
        nn.init.kaiming_uniform_(dyngrad.empty(3, 3), mode="fan_middle")
    with pytest.raises(ValueError, match="Unsupported nonlinearity softmax"):
        nn.init.calculate_gain("softmax")
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions"):
        nn.init.orthogonal_(dyngrad.empty(3))
    with pytest.warns(UserWarning, match="zero-element"):
        nn.init.kaiming_uniform_(dyngrad.empty(0, 3))


@needs_torch
@pytest.mark.parametrize("args", [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",),
                                  ("leaky_relu", 0.2), ("selu",)])
def test_calculate_gain_and_fans_match_torch(args):
    assert nn.init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args), rel=1e-15)
    for shape in [(3, 4), (5, 2, 3, 3)]:
        assert nn.init._calculate_fan_in_and_fan_out(dyngrad.empty(shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def test_orthogonal_is_orthogonal():
    for shape in [(5, 3), (3, 5)]:
        q = nn.init.orthogonal_(dyngrad.empty(shape)).numpy().astype(np.float64)
        gram = q.T @ q if shape[0] >= shape[1] else q @ q.T
        np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-5)


def test_trunc_normal_stays_in_bounds_and_has_the_right_moments():
    dyngrad.manual_seed(0)
    t = nn.init.trunc_normal_(dyngrad.empty(20000, dtype=dyngrad.float64), std=1.0, a=-1.0, b=2.0)
    d = t.numpy()
    assert d.min() >= -1.0 and d.max() <= 2.0
    # mean of N(0, 1) truncated to [-1, 2]: (phi(-1) - phi(2)) / (Phi(2) - Phi(-1))
    phi = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    assert abs(d.mean() - (phi(-1) - phi(2)) / (cdf(2) - cdf(-1))) < 0.02


# --- dropout ------------------------------------------------------------------------------------


@needs_torch
@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 1.0])
def test_dropout_matches_torch_after_same_seed(p):
    data = np.random.default_rng(0).standard_normal((4, 50)).astype(np.float32)
    dyngrad.manual_seed(3)
    torch.manual_seed(3)
    x = dyngrad.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    y = nn.functional.dropout(x, p)
    z = torch.nn.functional.dropout(t, p)
    np.testing.assert_allclose(y.detach().numpy(), z.detach().numpy(), rtol=1e-6)
    y.sum().backward()
    z.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)


def test_dropout_identity_when_not_training_and_errors():
    x = dyngrad.randn(3, 4)
    assert nn.functional.dropout(x, 0.5, training=False) is x
    assert nn.functional.dropout(x, 0.0) is x
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.functional.dropout(x, 1.5)
    y = x.clone()
    assert nn.functional.dropout(y, 0.5, inplace=True) is y


def test_dropout_scales_kept_elements():
    dyngrad.manual_seed(0)
    y = nn.functional.dropout(dyngrad.ones(10000), 0.25).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02


# --- errors name the layer ------------------------------------------------------------------------


def test_linear_wrong_features_names_the_layer_and_its_path():
    model = nn.Sequential(nn.Linear(784, 10))
    with pytest.raises(RuntimeError, match=r"^0 \(Linear\): expected input with 784 features in its last "
                                           r"dimension, got shape \[64, 100\]$"):
        model(dyngrad.randn(64, 100))
    with pytest.raises(RuntimeError, match=r"^Linear: expected input with 784 features"):
        model[0](dyngrad.randn(64, 100))


def test_nested_error_path_and_note_on_op_errors():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer2 = nn.Sequential(nn.Linear(4, 3), nn.Bilinear(3, 2, 1))

        def forward(self, x):
            return self.layer2[1](self.layer2[0](x), x)

    with pytest.raises(RuntimeError, match=r"^layer2\.0 \(Linear\): expected input with 4 features"):
        Net()(dyngrad.randn(2, 5))
    with pytest.raises(RuntimeError, match=r"^layer2\.1 \(Bilinear\): expected input2 with 2 features"):
        Net()(dyngrad.randn(2, 4))

    class Bad(nn.Module):
        def forward(self, x):
            return x + dyngrad.ones(7)

    model = nn.Sequential(nn.Identity(), Bad())
    with pytest.raises(RuntimeError) as info:
        model(dyngrad.ones(3))
    assert info.value.__notes__ == ["(raised while calling 1 (Bad))"]


def test_activation_errors():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        nn.functional.gelu(dyngrad.ones(2), approximate="fast")
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.raises(RuntimeError, match="leaky_relu: expected a floating point input"):
        nn.functional.leaky_relu(dyngrad.tensor([1, -2]))
    with pytest.raises(RuntimeError, match="prelu: the number of weights"):
        nn.functional.prelu(dyngrad.ones(2, 3), dyngrad.ones(4))


def test_softmax_without_dim_warns_and_picks_torchs_dim():
    x = dyngrad.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = nn.Softmax()(x)
    np.testing.assert_allclose(y.sum(1).numpy(), np.ones(2), rtol=1e-6)
    with warnings.catch_warnings(), pytest.warns(UserWarning):
        y = nn.functional.log_softmax(dyngrad.randn(3))
    np.testing.assert_allclose(np.exp(y.numpy()).sum(), 1.0, rtol=1e-6)


# --- utils ----------------------------------------------------------------------------------------


def _params_with_grads(L, grads):
    params = []
    for g in grads:
        p = L.nn.Parameter(L.zeros(g.shape, dtype=getattr(L, str(g.dtype))))
        p.grad = L.tensor(g.copy())
        params.append(p)
    return params


@needs_torch
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf"), "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(5).astype(np.float32)]
    ours = _params_with_grads(dyngrad, grads)
    theirs = _params_with_grads(torch, grads)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.dtype == dyngrad.float32 and total.ndim == 0
    np.testing.assert_allclose(total.numpy(), expected.numpy(), rtol=1e-5)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_edge_cases():
    p = nn.Parameter(dyngrad.ones(3))
    assert nn.utils.clip_grad_norm_(p, 1.0).item() == 0.0  # no gradients: norm 0
    p.grad = dyngrad.tensor([3.0, 4.0, 0.0])
    assert nn.utils.clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8, 0.0], rtol=1e-5)
    p.grad = dyngrad.tensor([float("nan"), 1.0, 0.0])
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from `parameters` is non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


@needs_torch
def test_clip_grad_value_matches_torch():
    grads = [np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)]
    ours = _params_with_grads(dyngrad, grads)
    theirs = _params_with_grads(torch, grads)
    assert nn.utils.clip_grad_value_(ours, 0.5) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    np.testing.assert_array_equal(ours[0].grad.numpy(), theirs[0].grad.numpy())


def test_parameters_to_vector_and_back():
    layer = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(layer.parameters())
    assert vec.shape == (8,)
    np.testing.assert_array_equal(vec.detach().numpy()[:6], layer.weight.detach().numpy().reshape(-1))
    vec.sum().backward()  # differentiable, as in PyTorch
    np.testing.assert_array_equal(layer.bias.grad.numpy(), np.ones(2))
    new = dyngrad.arange(8.0)
    nn.utils.vector_to_parameters(new, layer.parameters())
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(layer.bias.detach().numpy(), [6.0, 7.0])
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        nn.utils.vector_to_parameters([1.0], layer.parameters())


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, side):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, 3)) for n in (4, 1, 2)]
    xs = [dyngrad.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = nn.utils.rnn.pad_sequence(xs, batch_first=batch_first, padding_value=-1.5, padding_side=side)
    z = torch.nn.utils.rnn.pad_sequence(ts, batch_first=batch_first, padding_value=-1.5, padding_side=side)
    np.testing.assert_array_equal(y.detach().numpy(), z.detach().numpy())
    w = rng.standard_normal(tuple(z.shape))
    (y * dyngrad.tensor(w)).sum().backward()
    (z * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts):
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
