"""batch_norm, layer_norm, group_norm and instance_norm against PyTorch (table cases), plus the
running statistics, eval mode and error messages."""

from types import SimpleNamespace

import numpy as np
import pytest

import dyngrad
from dyngrad.ops import normalization
from optable import Const, OpCase, needs_torch, parametrize, torch

DG = SimpleNamespace(**{n: getattr(normalization, n) for n in normalization.__all__})


def F(L):
    return torch.nn.functional if L is torch else DG


def _stat(c, lo=-1.0, hi=1.0):
    """A running statistic of c channels (a constant in the case's float dtype)."""
    return Const(lambda rng: rng.uniform(lo, hi, (c,)), keep_dtype=False)


def _bn_train(L, x, *params):
    c = x.shape[1]
    rm, rv = L.zeros(c, dtype=x.dtype), L.ones(c, dtype=x.dtype)
    return F(L).batch_norm(x, rm, rv, *params, training=True, momentum=0.3, eps=1e-3)


CASES = [
    # --- batch_norm, training: batch statistics ---
    OpCase("batch_norm", lambda L, x, w, b: _bn_train(L, x, w, b), [(5, 3), (3,), (3,)], gradgrad=True),
    OpCase("batch_norm", lambda L, x, w, b: _bn_train(L, x, w, b), [(2, 3, 4), (3,), (3,)], gradgrad=True),
    OpCase("batch_norm", lambda L, x, w, b: _bn_train(L, x, w, b), [(2, 3, 2, 3), (3,), (3,)], gradgrad=True),
    OpCase("batch_norm", lambda L, x: _bn_train(L, x), [(3, 2, 4)], gradgrad=True),
    OpCase("batch_norm", lambda L, x, w: _bn_train(L, x, w), [(4, 2, 2), (2,)], gradgrad=True),
    OpCase("batch_norm", lambda L, x, b: F(L).batch_norm(x, None, None, None, b, True), [(4, 2, 3), (2,)],
           gradgrad=True),
    # --- batch_norm, eval: running statistics ---
    OpCase("batch_norm", lambda L, x, rm, rv, w, b: F(L).batch_norm(x, rm, rv, w, b),
           [(4, 3), _stat(3), _stat(3, 0.5, 2.0), (3,), (3,)], gradgrad=True),
    OpCase("batch_norm", lambda L, x, rm, rv, w, b: F(L).batch_norm(x, rm, rv, w, b, False, 0.1, 1e-2),
           [(2, 3, 2, 2), _stat(3), _stat(3, 0.5, 2.0), (3,), (3,)], gradgrad=True),
    OpCase("batch_norm", lambda L, x, rm, rv: F(L).batch_norm(x, rm, rv), [(2, 3, 5), _stat(3), _stat(3, 0.5, 2.0)],
           gradgrad=True),
    # --- layer_norm ---
    OpCase("layer_norm", lambda L, x, w, b: F(L).layer_norm(x, (4,), w, b), [(3, 4), (4,), (4,)], gradgrad=True),
    OpCase("layer_norm", lambda L, x, w, b: F(L).layer_norm(x, [3, 4], w, b, 1e-3), [(2, 3, 4), (3, 4), (3, 4)],
           gradgrad=True),
    OpCase("layer_norm", lambda L, x: F(L).layer_norm(x, (5,)), [(2, 2, 5)], gradgrad=True),
    OpCase("layer_norm", lambda L, x, w: F(L).layer_norm(x, (2, 3), w), [(2, 3), (2, 3)], gradgrad=True),
    OpCase("layer_norm", lambda L, x, b: F(L).layer_norm(x, (3,), None, b), [(4, 3), (3,)], gradgrad=True),
    # --- group_norm ---
    OpCase("group_norm", lambda L, x, w, b: F(L).group_norm(x, 3, w, b), [(2, 6, 4), (6,), (6,)], gradgrad=True),
    OpCase("group_norm", lambda L, x, w, b: F(L).group_norm(x, 2, w, b, 1e-3), [(2, 4, 2, 3), (4,), (4,)],
           gradgrad=True),
    OpCase("group_norm", lambda L, x: F(L).group_norm(x, 1), [(3, 4, 2)], gradgrad=True),
    OpCase("group_norm", lambda L, x, w: F(L).group_norm(x, 4, w), [(2, 4, 3), (4,)], gradgrad=True),
    # --- instance_norm ---
    OpCase("instance_norm", lambda L, x, w, b: F(L).instance_norm(x, weight=w, bias=b), [(2, 3, 5), (3,), (3,)],
           gradgrad=True),
    OpCase("instance_norm", lambda L, x: F(L).instance_norm(x, eps=1e-3), [(2, 2, 3, 2)], gradgrad=True),
    OpCase("instance_norm", lambda L, x, rm, rv, w: F(L).instance_norm(x, rm, rv, w, use_input_stats=False),
           [(2, 3, 4), _stat(3), _stat(3, 0.5, 2.0), (3,)], gradgrad=True),
]

globals().update(parametrize(CASES))


def _pair(shape, seed=0, dtype="float32"):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return dyngrad.tensor(a), torch.tensor(a)


@needs_torch
@pytest.mark.parametrize("momentum", [0.1, 0.5])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 4)])
def test_batch_norm_running_stats_follow_torch_over_several_steps(shape, momentum):
    c = shape[1]
    rm_d, rv_d = dyngrad.zeros(c), dyngrad.ones(c)
    rm_t, rv_t = torch.zeros(c), torch.ones(c)
    for step in range(4):
        x_d, x_t = _pair(shape, seed=step)
        x_d = x_d * (step + 1) + step  # statistics that move
        x_t = x_t * (step + 1) + step
        y_d = normalization.batch_norm(x_d, rm_d, rv_d, training=True, momentum=momentum)
        y_t = torch.nn.functional.batch_norm(x_t, rm_t, rv_t, training=True, momentum=momentum)
        np.testing.assert_allclose(y_d.numpy(), y_t.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(rm_d.numpy(), rm_t.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rv_d.numpy(), rv_t.numpy(), rtol=1e-5, atol=1e-6)
    assert rv_d.dtype == dyngrad.float32
    # eval with the running statistics gives torch's result too
    x_d, x_t = _pair(shape, seed=9)
    y_d = normalization.batch_norm(x_d, rm_d, rv_d, training=False)
    y_t = torch.nn.functional.batch_norm(x_t, rm_t, rv_t, training=False)
    np.testing.assert_allclose(y_d.numpy(), y_t.numpy(), rtol=1e-5, atol=1e-5)


def test_batch_norm_running_var_is_unbiased_and_updated_in_place():
    x = dyngrad.tensor([[1.0], [3.0]], dtype=dyngrad.float64)  # mean 2, biased var 1, unbiased var 2
    rm, rv = dyngrad.zeros(1, dtype=dyngrad.float64), dyngrad.ones(1, dtype=dyngrad.float64)
    mem = rm.numpy()
    version = rv._version
    y = normalization.batch_norm(x, rm, rv, training=True, momentum=0.5, eps=0.0)
    assert rm.tolist() == [1.0] and rv.tolist() == [1.5]
    assert rm.numpy() is mem or np.shares_memory(rm.numpy(), mem)
    assert rv._version > version
    assert y.flatten().tolist() == [-1.0, 1.0]  # normalised with the biased variance


def test_batch_norm_no_grad_updates_stats_and_eval_leaves_them():
    rm, rv = dyngrad.zeros(2), dyngrad.ones(2)
    x = dyngrad.randn(8, 2) + 3
    with dyngrad.no_grad():
        normalization.batch_norm(x, rm, rv, training=True)
    assert np.all(rm.numpy() > 0.1)
    before = rm.numpy().copy(), rv.numpy().copy()
    normalization.batch_norm(x, rm, rv, training=False)
    np.testing.assert_array_equal(rm.numpy(), before[0])
    np.testing.assert_array_equal(rv.numpy(), before[1])


def test_batch_norm_momentum_none_is_accepted_and_leaves_stats():
    rm, rv = dyngrad.zeros(2), dyngrad.ones(2)
    normalization.batch_norm(dyngrad.randn(4, 2) + 5, rm, rv, training=True, momentum=None)
    assert rm.tolist() == [0.0, 0.0] and rv.tolist() == [1.0, 1.0]


def test_batch_norm_grad_flows_to_input_weight_bias():
    x = dyngrad.randn(4, 3, requires_grad=True)
    w, b = dyngrad.ones(3, requires_grad=True), dyngrad.zeros(3, requires_grad=True)
    y = normalization.batch_norm(x, None, None, w, b, training=True)
    (y * y).sum().backward()
    assert x.grad.shape == (4, 3) and w.grad.shape == (3,) and b.grad.shape == (3,)
    # sum of normalised squares per channel is N: d/dw of sum(y^2) = 2 * N with w = 1
    np.testing.assert_allclose(w.grad.numpy(), np.full(3, 8.0), rtol=1e-3)


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size \[1, 3\]"):
        normalization.batch_norm(dyngrad.randn(1, 3), dyngrad.zeros(3), dyngrad.ones(3), training=True)
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        normalization.batch_norm(dyngrad.randn(2, 3), None, None)
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 4"):
        normalization.batch_norm(dyngrad.randn(2, 3), dyngrad.zeros(4), dyngrad.ones(4), training=True)
    with pytest.raises(RuntimeError, match="weight should contain 3 elements not 4"):
        normalization.batch_norm(dyngrad.randn(2, 3), None, None, dyngrad.ones(4), training=True)
    rm = dyngrad.zeros(3)
    with pytest.raises(RuntimeError, match="bias should contain 3 elements not 2"):
        normalization.batch_norm(dyngrad.randn(2, 3) + 1, rm, None, None, dyngrad.ones(2), training=True)
    assert rm.tolist() == [0.0, 0.0, 0.0]  # nothing changed before the error


def test_layer_and_group_norm_errors():
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[5\], expected input with shape \[\*, 5\], "
                                           r"but got input of size\[3, 4\]"):
        normalization.layer_norm(dyngrad.randn(3, 4), (5,))
    with pytest.raises(RuntimeError, match=r"divisible by num_groups, but got input of shape \[2, 6, 4\] and num_groups=4"):
        normalization.group_norm(dyngrad.randn(2, 6, 4), 4)
    with pytest.raises(RuntimeError, match="weight should contain 6 elements not 5"):
        normalization.group_norm(dyngrad.randn(2, 6, 4), 3, dyngrad.ones(5))


def test_batch_norm_second_derivative_with_create_graph_matches_torch():
    a = np.random.default_rng(3).standard_normal((4, 3))
    x_d = dyngrad.tensor(a, requires_grad=True)
    x_t = torch.tensor(a, requires_grad=True)
    outs = []
    for L, F_, x in ((dyngrad, normalization, x_d), (torch, torch.nn.functional, x_t)):
        y = F_.batch_norm(x, None, None, training=True)
        (g,) = L.autograd.grad((y ** 3).sum(), x, create_graph=True)
        (gg,) = L.autograd.grad((g * g).sum(), x)
        outs.append(gg.detach().numpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-8, atol=1e-10)


def _affine_norm(F_, kind: str, x, w, b):
    """``kind`` of normalisation from the functional module ``F_``, with weight and bias."""
    if kind == "batch_norm":
        return F_.batch_norm(x, None, None, w, b, training=True)
    if kind == "instance_norm":
        return F_.instance_norm(x, weight=w, bias=b)
    if kind == "group_norm":
        return F_.group_norm(x, 2, w, b)
    return F_.layer_norm(x, tuple(w.shape), w, b)


@needs_torch
@pytest.mark.parametrize("kind", ["batch_norm", "instance_norm", "group_norm", "layer_norm"])
def test_float16_statistics_do_not_overflow(kind):
    """float16 input whose per-group sum of squares passes float16's 65504: the statistics and
    the backward's sums are taken in float32, as PyTorch does; results stay float16."""
    rng = np.random.default_rng(4)
    shape = (4, 4, 96, 96)  # 9216 values per instance: sums of squares ~80000
    x = (rng.standard_normal(shape) * 3 + 5).astype(np.float16)
    g = rng.standard_normal(shape).astype(np.float16)
    n_par = shape[-1] if kind == "layer_norm" else shape[1]
    results = []
    for L, F_ in ((dyngrad, normalization), (torch, torch.nn.functional)):
        xt = L.tensor(x, requires_grad=True)
        w = L.tensor(np.linspace(0.5, 1.5, n_par).astype(np.float16), requires_grad=True)
        b = L.tensor(np.linspace(-1, 1, n_par).astype(np.float16), requires_grad=True)
        y = _affine_norm(F_, kind, xt, w, b)
        y.backward(L.tensor(g))
        results.append([t.detach().numpy() for t in (y, xt.grad, w.grad, b.grad)])
    for ours, theirs in zip(*results):
        assert ours.dtype == np.float16
        scale = np.abs(theirs.astype(np.float64)).max()
        np.testing.assert_allclose(ours.astype(np.float64), theirs.astype(np.float64), rtol=0, atol=1e-2 * scale)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("dtypes_", [("float16", "float32"), ("float32", "float16"), ("float64", "float32"),
                                     ("float32", "float64")])
def test_parameter_dtype_mixes_are_accepted_or_refused_like_torch(dtypes_):
    def run(L):
        F = L.nn.functional
        x = L.ones(4, 3, 5, 6).to(getattr(L, dtypes_[0]))

        def p(n, fill=1.0):
            return L.full((n,), fill, dtype=getattr(L, dtypes_[1]))

        calls = [lambda: F.layer_norm(x, (6,), p(6), p(6, 0.0)),
                 lambda: F.batch_norm(x, p(3, 0.0), p(3), p(3), p(3, 0.0), training=True),
                 lambda: F.group_norm(x, 3, p(3), p(3, 0.0)),
                 lambda: F.instance_norm(x, weight=p(3), bias=p(3, 0.0))]
        out = []
        for call in calls:
            try:
                out.append(str(call().dtype).split(".")[-1])
            except RuntimeError:
                out.append("refused")
        return out

    assert run(dyngrad) == run(torch)
