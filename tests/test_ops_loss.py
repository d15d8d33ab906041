"""Loss functions against PyTorch (table cases: every option and reduction, values and gradients,
gradcheck and gradgradcheck), plus the error messages and edge cases."""

import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import dyngrad
from dyngrad.ops import loss
from optable import Const, OpCase, needs_torch, parametrize, torch

DG = SimpleNamespace(**{n: getattr(loss, n) for n in loss.__all__})


def F(L):
    return torch.nn.functional if L is torch else DG


def _classes(shape, c, ignore=None):
    """Class-index targets in [0, c), some set to ``ignore``."""
    def make(rng):
        t = rng.integers(0, c, shape)
        if ignore is not None:
            t.reshape(-1)[::3] = ignore
        return t
    return Const(make)


def _probs(shape, axis=1):
    def make(rng):
        e = np.exp(rng.standard_normal(shape))
        return e / e.sum(axis=axis, keepdims=True)
    return Const(make, keep_dtype=False)


def _weights(shape, lo=0.2, hi=2.0):
    return Const(lambda rng: rng.uniform(lo, hi, shape), keep_dtype=False)


def _signs(shape):
    return Const(lambda rng: rng.choice([-1.0, 1.0], shape), keep_dtype=False)


def _unit(shape):
    return Const(lambda rng: rng.uniform(0.05, 0.95, shape), keep_dtype=False)


def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


REDUCTIONS = ["mean", "sum", "none"]

CASES = []
for r in REDUCTIONS:
    CASES += [
        OpCase("mse_loss", lambda L, x, y, r=r: F(L).mse_loss(x, y, reduction=r), [(3, 4), (3, 4)], gradgrad=True),
        OpCase("l1_loss", lambda L, x, y, r=r: F(L).l1_loss(x, y, reduction=r), [(3, 4), (3, 4)], domain="away"),
        OpCase("smooth_l1_loss", lambda L, x, y, r=r: F(L).smooth_l1_loss(x, y, reduction=r, beta=0.5),
               [(4, 5), (4, 5)], gradgrad=True),
        OpCase("huber_loss", lambda L, x, y, r=r: F(L).huber_loss(x, y, reduction=r, delta=0.8), [(4, 5), (4, 5)],
               gradgrad=True),
        OpCase("mse_loss l1_loss huber_loss",
               lambda L, x, y, w, r=r: F(L).mse_loss(x, y, reduction=r, weight=w)
               + F(L).l1_loss(x, y, reduction=r, weight=w) + F(L).huber_loss(x, y, reduction=r, weight=w),
               [(3, 4), (3, 4), _weights((3, 4))], domain="away"),  # |x - y| kinks: no gradgradcheck
        # --- cross_entropy: class indices ---
        OpCase("cross_entropy", lambda L, x, t, r=r: F(L).cross_entropy(x, t, reduction=r),
               [(5, 4), _classes((5,), 4)], gradgrad=True),
        OpCase("cross_entropy", lambda L, x, t, w, r=r: F(L).cross_entropy(x, t, w, ignore_index=2, reduction=r),
               [(6, 4), _classes((6,), 4), _weights((4,))], gradgrad=True),
        OpCase("cross_entropy", lambda L, x, t, w, r=r: F(L).cross_entropy(x, t, w, reduction=r, label_smoothing=0.2),
               [(5, 4), _classes((5,), 4, ignore=-100), _weights((4,))], gradgrad=True),
        OpCase("cross_entropy", lambda L, x, t, r=r: F(L).cross_entropy(x, t, reduction=r, label_smoothing=0.1),
               [(2, 3, 4, 2), _classes((2, 4, 2), 3, ignore=-100)], gradgrad=True),
        OpCase("cross_entropy", lambda L, x, t, w, r=r: F(L).cross_entropy(x, t, w, ignore_index=0, reduction=r),
               [(2, 3, 5), _classes((2, 5), 3), _weights((3,))], gradgrad=True),
        OpCase("cross_entropy", lambda L, x, t, r=r: F(L).cross_entropy(x, t, reduction=r), [(4,), Const(
            lambda rng: np.array(2))], gradgrad=True),
        # --- cross_entropy: class probabilities (the target is differentiable too) ---
        OpCase("cross_entropy", lambda L, x, p, r=r: F(L).cross_entropy(x, p.softmax(1), reduction=r),
               [(4, 5), (4, 5)], gradgrad=True),
        OpCase("cross_entropy",
               lambda L, x, p, w, r=r: F(L).cross_entropy(x, p, w, reduction=r, label_smoothing=0.3),
               [(3, 4, 2), _probs((3, 4, 2)), _weights((4,))], gradgrad=True),
        # --- nll_loss ---
        OpCase("nll_loss", lambda L, x, t, r=r: F(L).nll_loss(x.log_softmax(1), t, reduction=r),
               [(5, 4), _classes((5,), 4)], gradgrad=True),
        OpCase("nll_loss", lambda L, x, t, w, r=r: F(L).nll_loss(x, t, w, ignore_index=1, reduction=r),
               [(2, 3, 2, 2), _classes((2, 2, 2), 3), _weights((3,))], gradgrad=True,
               noncontig=False),  # torch's nll_loss2d backward refuses non-contiguous input
        OpCase("nll_loss", lambda L, x, t, r=r: F(L).nll_loss(x, t, reduction=r), [(3,), Const(lambda rng: np.array(1))],
               gradgrad=True),
        # --- binary cross entropy ---
        OpCase("binary_cross_entropy",
               lambda L, x, t, r=r: F(L).binary_cross_entropy(x.sigmoid(), t.sigmoid(), reduction=r),
               [(3, 4), (3, 4)], gradgrad=True),
        OpCase("binary_cross_entropy",
               lambda L, x, t, w, r=r: F(L).binary_cross_entropy(x, t, w, reduction=r),
               [_unit((3, 4)), _unit((3, 4)), _weights((4,))], grad=False),
        OpCase("binary_cross_entropy_with_logits",
               lambda L, x, t, r=r: F(L).binary_cross_entropy_with_logits(x * 3, t, reduction=r),
               [(3, 4), _unit((3, 4))], gradgrad=True),
        OpCase("binary_cross_entropy_with_logits",
               lambda L, x, t, w, pw, r=r: F(L).binary_cross_entropy_with_logits(x, t.sigmoid(), w, reduction=r,
                                                                                pos_weight=pw),
               [(2, 3, 4), (2, 3, 4), _weights((3, 1)), _weights((4,))], gradgrad=True),
        # --- divergences and margins ---
        OpCase("kl_div", lambda L, x, t, r=r: _quiet(lambda: F(L).kl_div(x.log_softmax(1), t.softmax(1), reduction=r)),
               [(3, 4), (3, 4)], gradgrad=True),
        OpCase("kl_div", lambda L, x, t, r=r: F(L).kl_div(x, t, reduction=r, log_target=True), [(3, 4), (3, 4)],
               gradgrad=True),
        OpCase("cosine_embedding_loss",
               lambda L, a, b, y, r=r: F(L).cosine_embedding_loss(a, b, y, margin=-0.3, reduction=r),
               [(4, 5), (4, 5), Const(lambda rng: np.array([1, -1, -1, 1]))], gradgrad=True),
        OpCase("margin_ranking_loss",
               lambda L, a, b, y, r=r: F(L).margin_ranking_loss(a, b, y, margin=0.1, reduction=r),
               [(6,), (6,), _signs((6,))], domain="away", gradgrad=True),
        OpCase("triplet_margin_loss",
               lambda L, a, p, n, r=r: F(L).triplet_margin_loss(a, p, n, margin=2.0, reduction=r),
               [(4, 3), (4, 3), (4, 3)], gradgrad=True),
    ]

CASES += [
    OpCase("mse_loss", lambda L, x, y: _quiet(lambda: F(L).mse_loss(x, y)), [(3, 4), (4,)], gradgrad=True),
    OpCase("mse_loss", lambda L, x, y: F(L).mse_loss(x, y, size_average=False), [(3, 4), (3, 4)]),
    # 0-dim inputs: no gradgrad (gradcheck.py's grad_outputs for 0-dim outputs are Python floats; see report)
    OpCase("mse_loss", lambda L, x, y: F(L).mse_loss(x, y), [(), ()]),
    OpCase("l1_loss", lambda L, x, y: F(L).l1_loss(x, y, reduce=False), [(2, 3), (2, 3)], domain="away"),
    OpCase("smooth_l1_loss", lambda L, x, y: F(L).smooth_l1_loss(x * 2, y), [(4, 5), (4, 5)], gradgrad=True),
    OpCase("smooth_l1_loss", lambda L, x, y: F(L).smooth_l1_loss(x, y, beta=0.0), [(4, 5), (4, 5)], domain="away"),
    OpCase("huber_loss", lambda L, x, y: F(L).huber_loss(x * 2, y), [(4, 5), (4, 5)], gradgrad=True),
    OpCase("cross_entropy", lambda L, x, t: F(L).cross_entropy(x * 30, t), [(5, 6), _classes((5,), 6)],
           gradgrad=True),
    OpCase("cross_entropy", lambda L, x, t: F(L).cross_entropy(x, t), [(0, 3), Const(lambda rng: np.zeros(0, np.int64))]),
    OpCase("cross_entropy", lambda L, x, t: F(L).cross_entropy(x, t, reduction="sum"),
           [(3, 4), Const(lambda rng: np.full(3, -100))]),
    OpCase("binary_cross_entropy", lambda L, x, t: F(L).binary_cross_entropy(x, t),
           [Const(lambda rng: np.array([0.0, 1.0, 0.5, 1e-50]), keep_dtype=False),
            Const(lambda rng: np.array([1.0, 0.0, 0.3, 1.0]), keep_dtype=False)], grad=False),
    OpCase("binary_cross_entropy_with_logits", lambda L, x, t: F(L).binary_cross_entropy_with_logits(x * 100, t),
           [(6,), _unit((6,))], gradgrad=True),
    OpCase("kl_div", lambda L, x, t: F(L).kl_div(x, t, reduction="batchmean"),
           [(3, 4), Const(lambda rng: np.array([[0.0, 0.5, 0.5, 0.0]] * 3), keep_dtype=False)], gradgrad=True),
    OpCase("kl_div", lambda L, x, t: F(L).kl_div(x, t.softmax(0), reduction="batchmean"), [(4,), (4,)],
           gradgrad=True),
    OpCase("cosine_embedding_loss", lambda L, a, b, y: F(L).cosine_embedding_loss(a, b, y), [(5,), (5,), Const(
        lambda rng: np.array(-1))]),
    OpCase("triplet_margin_loss", lambda L, a, p, n: F(L).triplet_margin_loss(a, p, n, p=1, eps=1e-3, swap=True),
           [(4, 3), (4, 3), (4, 3)], domain="away", gradgrad=True),
    OpCase("triplet_margin_loss", lambda L, a, p, n: F(L).triplet_margin_loss(a, p * 0.2, n, margin=0.5, p=3,
                                                                             swap=True, reduction="none"),
           [(5, 2), (5, 2), (5, 2)], gradgrad=True),
]

globals().update(parametrize(CASES))


def test_cross_entropy_target_out_of_range_names_index_and_classes():
    x = dyngrad.randn(4, 10, requires_grad=True)
    with pytest.raises(IndexError, match="cross_entropy: target 12 is out of bounds for 10 classes"):
        loss.cross_entropy(x, dyngrad.tensor([1, 2, 12, 3]))
    with pytest.raises(IndexError, match="target -5 is out of bounds for 10 classes"):
        loss.cross_entropy(x, dyngrad.tensor([1, 2, -5, 3]))
    with pytest.raises(IndexError, match="nll_loss: target 10 is out of bounds for 10 classes"):
        loss.nll_loss(x, dyngrad.tensor([1, 10, 0, 3]))
    with pytest.raises(IndexError, match="cross_entropy: target 10 is out of bounds for 10 classes"):
        loss.cross_entropy(x, dyngrad.tensor([1, 10, 0, 3]))  # one past the last class
    with pytest.raises(IndexError, match="cross_entropy: target -1 is out of bounds for 10 classes"):
        loss.cross_entropy(x, dyngrad.tensor([1, -1, 0, 3]), ignore_index=5)
    assert x.grad is None


def test_cross_entropy_shape_and_option_errors():
    x = dyngrad.randn(4, 10)
    with pytest.raises(ValueError, match=r"Expected input batch_size \(4\) to match target batch_size \(3\)"):
        loss.cross_entropy(x, dyngrad.tensor([1, 2, 3]))
    with pytest.raises(RuntimeError, match=r"Expected target size \[3, 5\], got \[3, 4\]"):
        loss.cross_entropy(dyngrad.randn(3, 4, 5), dyngrad.zeros(3, 4, dtype=dyngrad.int64))
    with pytest.raises(RuntimeError, match=r"must have the input's shape \[4, 10\], got \[4, 9\]"):
        loss.cross_entropy(x, dyngrad.rand(4, 9))
    with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
        loss.cross_entropy(x, dyngrad.rand(4, 10), ignore_index=1)
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0. Got: 1.5"):
        loss.cross_entropy(x, dyngrad.tensor([1, 2, 3, 4]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="defined either for all 10 classes or no classes but got weight tensor "
                                           r"of shape: \[5\]"):
        loss.cross_entropy(x, dyngrad.tensor([1, 2, 3, 4]), weight=dyngrad.ones(5))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got"):
        loss.cross_entropy(x, dyngrad.tensor([1, 2, 3, 4], dtype=dyngrad.int32))
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        loss.cross_entropy(x, dyngrad.tensor([1, 2, 3, 4]), reduction="foo")


def test_all_ignored_mean_is_nan_like_torch():
    out = loss.cross_entropy(dyngrad.randn(3, 4), dyngrad.tensor([-100, -100, -100]))
    assert np.isnan(out.item())


def test_other_loss_errors():
    with pytest.raises(ValueError, match=r"Weights and input must have the same size."):
        loss.mse_loss(dyngrad.randn(3, 4), dyngrad.randn(3, 4), weight=dyngrad.rand(4))
    with pytest.raises(ValueError, match=r"different to the input size .* is deprecated"):
        loss.binary_cross_entropy(dyngrad.rand(3), dyngrad.rand(3, 1))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        loss.binary_cross_entropy(dyngrad.tensor([1.5]), dyngrad.rand(1))
    with pytest.raises(RuntimeError, match="all elements of target should be between 0 and 1"):
        loss.binary_cross_entropy(dyngrad.rand(1), dyngrad.tensor([-0.5]))
    with pytest.raises(ValueError, match=r"Target size .* must be the same as input size"):
        loss.binary_cross_entropy_with_logits(dyngrad.rand(3), dyngrad.rand(3, 1))
    with pytest.raises(RuntimeError, match="All input tensors should have same dimension"):
        loss.margin_ranking_loss(dyngrad.randn(3), dyngrad.randn(3, 1), dyngrad.ones(3))
    with pytest.raises(RuntimeError, match="anchor 2D, positive 1D, and negative 2D inputs"):
        loss.triplet_margin_loss(dyngrad.randn(3, 4), dyngrad.randn(4), dyngrad.randn(3, 4))
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        loss.kl_div(dyngrad.randn(3), dyngrad.rand(3), reduction="batchsum")
    with pytest.warns(UserWarning, match="target size"):
        loss.mse_loss(dyngrad.randn(3, 4), dyngrad.randn(4))
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        loss.kl_div(dyngrad.randn(3), dyngrad.rand(3))


def test_bce_is_finite_at_0_and_1():
    x = dyngrad.tensor([0.0, 1.0, 0.5], requires_grad=True)
    out = loss.binary_cross_entropy(x, dyngrad.tensor([1.0, 0.0, 0.5]), reduction="none")
    np.testing.assert_allclose(out.detach().numpy(), [100.0, 100.0, np.log(2)], rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1e12, 1e12, 0.0], rtol=1e-6)


@needs_torch
def test_cross_entropy_second_derivative_through_create_graph_matches_torch():
    a = np.random.default_rng(0).standard_normal((4, 5))
    t = np.array([0, 3, 1, 4])
    out = []
    for L, F_ in ((dyngrad, loss), (torch, torch.nn.functional)):
        x = L.tensor(a, requires_grad=True)
        w = L.tensor(np.linspace(0.5, 2, 5))
        (g,) = L.autograd.grad(F_.cross_entropy(x, L.tensor(t), w, label_smoothing=0.1), x, create_graph=True)
        (gg,) = L.autograd.grad((g ** 2).sum(), x)
        out.append(gg.numpy())
    np.testing.assert_allclose(out[0], out[1], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_backward_twice_with_retain_graph(weighted):
    """The class-index backward writes its gradient over the forward's exp buffer; a second
    backward (retain_graph) recomputes it and gives the same gradient."""
    rng = np.random.default_rng(3)
    x = dyngrad.from_numpy(rng.standard_normal((5, 7)).astype(np.float32)).requires_grad_()
    t = dyngrad.from_numpy(rng.integers(0, 7, 5))
    w = dyngrad.from_numpy(rng.uniform(0.5, 2.0, 7).astype(np.float32)) if weighted else None
    loss_value = DG.cross_entropy(x, t, weight=w)
    loss_value.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    x.grad = None
    loss_value.backward()
    np.testing.assert_array_equal(x.grad.numpy(), first)
    p = np.exp(x.detach().numpy().astype(np.float64))
    p /= p.sum(1, keepdims=True)
    p[np.arange(5), t.numpy()] -= 1
    wt = w.numpy()[t.numpy()] if weighted else np.ones(5)
    np.testing.assert_allclose(first, p * wt[:, None] / wt.sum(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("shape, dim", [((64, 10), 1), ((1000, 3), 1), ((5, 70, 10), -1), ((300, 32), 1),
                                        ((40000, 10), 1), ((64, 10), 0)])
def test_softmaxes_over_short_rows_take_the_transposed_max_to_the_same_bits(shape, dim, monkeypatch):
    """Many short rows: the row max is reduced on the transposed copy (40000 x 10 also by
    blocks of rows, the max written into each block's share); softmax, log_softmax and
    cross-entropy come out bit for bit as with NumPy's reduction along the rows."""
    from dyngrad.ops import softmax as sm

    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    x[1, ...] = -np.inf
    x[2, ..., 1] = np.nan
    x[4, ..., 2] = np.inf
    target = rng.integers(0, shape[1], shape[:1] + shape[2:])

    def run():
        t = dyngrad.tensor(x, requires_grad=True)
        out = [dyngrad.softmax(t, dim).detach().numpy(), dyngrad.log_softmax(t, dim).detach().numpy()]
        if dim == 1 and len(shape) == 2:
            loss_ = dyngrad.nn.functional.cross_entropy(t, dyngrad.tensor(target), reduction="none")
            loss_.sum().backward()
            out += [loss_.detach().numpy(), t.grad.numpy()]
        return out

    transposed = run()
    monkeypatch.setattr(sm, "_SHORT_ROW", 0)
    along_rows = run()
    for a, b in zip(transposed, along_rows):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape, dim", [((700, 1000), 1), ((40, 30, 400), -1), ((30, 200, 7, 11), 1)])
def test_softmaxes_over_large_inputs_run_by_blocks_of_rows_to_the_same_bits(shape, dim, monkeypatch):
    """Over a few cache-sized blocks, softmax, log_softmax and cross-entropy run a block of rows
    at a time: every row's arithmetic is the same as in one pass over the whole array."""
    from dyngrad.ops import softmax as sm

    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    x[3, ...] = -np.inf  # an all -inf row in the first block
    x[-1, 0] = np.nan
    target = rng.integers(0, shape[1], shape[:1] + shape[2:])

    def run():
        t = dyngrad.tensor(x, requires_grad=True)
        loss_ = dyngrad.nn.functional.cross_entropy(t, dyngrad.tensor(target), reduction="sum") if dim == 1 else None
        if loss_ is not None:
            loss_.backward()
        return (dyngrad.softmax(t, dim).detach().numpy(), dyngrad.log_softmax(t, dim).detach().numpy(),
                None if loss_ is None else (loss_.item(), t.grad.numpy()))

    assert len(sm._row_blocks(x, dim % x.ndim)) > 2
    blocked = run()
    monkeypatch.setattr(sm, "_BLOCKS_FROM", x.size)
    assert sm._row_blocks(x, dim % x.ndim) is None
    whole = run()
    for a, b in zip(blocked[:2], whole[:2]):
        np.testing.assert_array_equal(a, b)
    if blocked[2] is not None:
        assert blocked[2][0] == whole[2][0] or (np.isnan(blocked[2][0]) and np.isnan(whole[2][0]))
        np.testing.assert_array_equal(blocked[2][1], whole[2][1])
    if torch is not None:
        np.testing.assert_allclose(blocked[0], torch.softmax(torch.tensor(x), dim).numpy(), rtol=1e-5, atol=1e-7)


def _composed_mse(x, y, reduction):
    """mse_loss as dyngrad composed it before its fused op: a subtraction, a square, a reduction."""
    diff = x - y
    sq = diff * diff
    return sq.mean() if reduction == "mean" else sq.sum() if reduction == "sum" else sq


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(7, 9), (), (0, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mse_loss_is_one_node_with_the_composition_s_bits(reduction, shape, dtype):
    """The fused mse_loss (one MseLossBackward0 node) gives the composed formula's value and
    gradients bit for bit, for the input and the target, and its first backward again under
    create_graph (so a second derivative is the composition's too)."""
    rng = np.random.default_rng(1)
    xa, ya = (rng.standard_normal(shape).astype(dtype) for _ in range(2))
    ga = rng.standard_normal(shape).astype(dtype) if reduction == "none" else np.asarray(0.3, dtype)
    results = []
    for fn in (lambda x, y: loss.mse_loss(x, y, reduction=reduction), lambda x, y: _composed_mse(x, y, reduction)):
        x, y = dyngrad.tensor(xa, requires_grad=True), dyngrad.tensor(ya, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no division-by-zero warning over an empty input
            out = fn(x, y)
            gx, gy = dyngrad.autograd.grad(out, (x, y), dyngrad.tensor(ga), create_graph=True)
        (ggx,) = dyngrad.autograd.grad((gx * gx).sum() + gy.sum(), (x,), allow_unused=True)
        results.append((out, gx, gy, ggx))
    (out, gx, gy, ggx), composed = results
    assert out.grad_fn.name() == "MseLossBackward0" and composed[0].grad_fn.name() != "MseLossBackward0"
    for a, b in zip((out, gx, gy, ggx), composed):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        assert a.dtype == b.dtype


def test_mse_loss_first_order_backward_on_arrays_matches_the_composition_bit_for_bit():
    rng = np.random.default_rng(2)
    xa, ya = (rng.standard_normal((63, 10)).astype(np.float32) for _ in range(2))
    grads = []
    for fn in (loss.mse_loss, lambda x, y: _composed_mse(x, y, "mean")):
        x, y = dyngrad.tensor(xa, requires_grad=True), dyngrad.tensor(ya, requires_grad=True)
        for g in (1.0, *np.random.default_rng(4).random(6)):  # some g / n round apart from g * (1 / n)
            fn(x, y).backward(dyngrad.tensor(g, dtype=dyngrad.float32))
        grads.append((x.grad.numpy(), y.grad.numpy()))
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


@needs_torch
def test_mse_loss_grad_fn_is_named_as_in_torch():
    x, y = np.random.default_rng(3).standard_normal((2, 3, 4))
    names = []
    for L in (dyngrad, torch):
        t = L.tensor(x, requires_grad=True)
        names.append([F(L).mse_loss(t, L.tensor(y), reduction=r).grad_fn.name() for r in REDUCTIONS])
    assert names[0] == names[1] == ["MseLossBackward0"] * 3


def test_mse_loss_backward_refuses_an_input_modified_in_place():
    x = dyngrad.rand(3, requires_grad=True)
    y = x * 1
    out = loss.mse_loss(y, dyngrad.rand(3))
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()


def _composed_nll(x, target, weight, ignore_index, reduction):
    """nll_loss as dyngrad composed it before its fused op: a gather, a product, a sum, a division."""
    t = target.numpy()
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    dt = x.detach().numpy().dtype
    wt = (weight.numpy()[safe] if weight is not None else np.ones(t.shape, dt)) * valid
    picked = x.gather(1, dyngrad.tensor(safe[:, None])).squeeze(1)
    out = picked * dyngrad.tensor(-wt.astype(dt))
    if reduction == "none":
        return out
    total = out.sum()
    if reduction == "sum":
        return total
    denom = wt.astype(dt).sum()
    return total + float("nan") if denom == 0 else total / dyngrad.tensor(np.asarray(denom, dt))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [None, 2, "all"])
@pytest.mark.parametrize("shape", [(6, 5), (4, 5, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nll_loss_is_one_node_with_the_composition_s_bits(reduction, weighted, ignore, shape, dtype):
    """The fused nll_loss (one NllLossBackward0 node) gives the composed formula's value and
    gradient bit for bit (+0 where a target is ignored), and under create_graph a gradient that
    is a function of the incoming one, as the composition's."""
    rng = np.random.default_rng(5)
    xa = rng.standard_normal(shape).astype(dtype)
    ta = rng.integers(0, shape[1], shape[:1] + shape[2:])
    if ignore == "all":
        ta[...] = -100
    elif ignore is not None:
        ta.reshape(-1)[::2] = ignore
    ignore_index = -100 if ignore in (None, "all") else ignore
    weight = dyngrad.tensor(rng.uniform(0.2, 2.0, shape[1]).astype(dtype)) if weighted else None
    target = dyngrad.tensor(ta)
    # g > 0 somewhere: g * -wt is -0 at an ignored target, which the gradient must not hold
    ga = rng.standard_normal(ta.shape).astype(dtype) if reduction == "none" else np.asarray(0.3, dtype)
    results = []
    for fn in (lambda x: loss.nll_loss(x, target, weight=weight, ignore_index=ignore_index, reduction=reduction),
               lambda x: _composed_nll(x, target, weight, ignore_index, reduction)):
        x = dyngrad.tensor(xa, requires_grad=True)
        g = dyngrad.tensor(ga, requires_grad=True)
        (first,) = dyngrad.autograd.grad(fn(x), (x,), g)
        out = fn(x)
        (gx,) = dyngrad.autograd.grad(out, (x,), g, create_graph=True)
        (gg,) = dyngrad.autograd.grad((gx * gx).sum(), (g,))
        results.append((out, first, gx, gg))
    assert results[0][0].grad_fn.name() == "NllLossBackward0"
    for a, b in zip(*results):
        a, b = a.detach().numpy(), b.detach().numpy()
        np.testing.assert_array_equal(a, b)
        # (every target ignored: the mean is 0 / 0, a nan with the sign bit set as PyTorch's)
        np.testing.assert_array_equal(np.signbit(a[~np.isnan(a)]), np.signbit(b[~np.isnan(b)]))


def test_nll_loss_first_order_backward_on_arrays_matches_the_composition_bit_for_bit():
    rng = np.random.default_rng(6)
    xa = rng.standard_normal((63, 10)).astype(np.float32)
    target = dyngrad.tensor(rng.integers(0, 10, 63))
    grads, gs = [], (1.0, *rng.random(6))
    for fn in (lambda x: loss.nll_loss(x, target), lambda x: _composed_nll(x, target, None, -100, "mean")):
        x = dyngrad.tensor(xa, requires_grad=True)
        for g in gs:
            fn(x).backward(dyngrad.tensor(g, dtype=dyngrad.float32))
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(*grads)


@needs_torch
def test_nll_loss_grad_fn_is_named_as_in_torch():
    x = np.random.default_rng(7).standard_normal((4, 5))
    names = []
    for L in (dyngrad, torch):
        t = L.tensor(x, requires_grad=True)
        names.append([F(L).nll_loss(t, L.tensor([0, 4, 2, 1]), reduction=r).grad_fn.name() for r in REDUCTIONS])
        names[-1].append(bool(np.signbit(F(L).nll_loss(t, L.tensor([-100] * 4)).detach().numpy())))
    assert names[0] == names[1] == ["NllLossBackward0"] * 3 + [True]


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn, param", [("smooth_l1_loss", "beta"), ("huber_loss", "delta")])
@pytest.mark.parametrize("value", [1.0, 3.0, 0.3])
def test_smooth_l1_and_huber_are_one_node_with_torch_s_bits(fn, param, value, dtype, reduction):
    """One node named as PyTorch's; per-entry values and the gradient bit for bit with PyTorch's
    (its vectorised loop: 3072 entries leave it no scalar tail, whose rounding differs), a
    reduced value to its summation order's tolerance."""
    rng = np.random.default_rng(8)
    x, y = (rng.standard_normal(3072) * 2).astype(dtype), rng.standard_normal(3072).astype(dtype)
    x[:4] = [np.nan, np.inf, -np.inf, 0.0]
    ga = rng.standard_normal(3072).astype(dtype) if reduction == "none" else np.asarray(-0.7, dtype)
    results = []
    for L in (dyngrad, torch):
        t = L.tensor(x, requires_grad=True)
        out = getattr(F(L), fn)(t, L.tensor(y), reduction=reduction, **{param: value})
        (gx,) = L.autograd.grad(out, t, L.tensor(ga))
        results.append((out.grad_fn.name(), out.detach().numpy(), gx.numpy()))
    (name, out, gx), (tname, tout, tgx) = results
    assert name == tname
    np.testing.assert_array_equal(gx.view(np.uint8), tgx.view(np.uint8))
    if reduction == "none":
        np.testing.assert_array_equal(out.view(np.uint8), tout.view(np.uint8))
    else:
        np.testing.assert_allclose(out, tout, rtol=1e-6 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("fn, param", [("smooth_l1_loss", "beta"), ("huber_loss", "delta"), ("mse_loss", None)])
def test_pointwise_losses_gradgrad_through_their_recorded_backward(fn, param):
    rng = np.random.default_rng(9)
    x, y = rng.standard_normal((2, 5, 3)) * 2
    kwargs = {param: 1.3} if param else {}
    for reduction in REDUCTIONS:
        assert dyngrad.autograd.gradgradcheck(
            lambda a, b, r=reduction: getattr(loss, fn)(a, b, reduction=r, **kwargs),
            (dyngrad.tensor(x, requires_grad=True), dyngrad.tensor(y, requires_grad=True)))


def _assert_the_composition_s_bits(fused, composed, arrays, grad_out, name: str) -> None:
    """``fused`` records one node called ``name``, and its value and gradients (first order, and
    recorded under create_graph) for each of ``arrays`` (inputs that require grad) are
    ``composed``'s bit for bit."""
    results = []
    for fn in (fused, composed):
        inputs = [dyngrad.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*inputs)
        first = dyngrad.autograd.grad(out, inputs, dyngrad.tensor(grad_out))
        recorded = dyngrad.autograd.grad(fn(*inputs), inputs, dyngrad.tensor(grad_out), create_graph=True)
        results.append((out, *first, *recorded))
    assert results[0][0].grad_fn.name() == name
    for a, b in zip(*results):
        bits = [np.atleast_1d(v.detach().numpy()).view(np.uint8) for v in (a, b)]
        np.testing.assert_array_equal(*bits)


def _composed_bce(x, t, w, reduction):
    """binary_cross_entropy as dyngrad composed it before: the elementwise op, a product, a mean."""
    per = loss.BinaryCrossEntropy.apply(x, t)
    per = per * w if w is not None else per
    return per.mean() if reduction == "mean" else per.sum() if reduction == "sum" else per


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_binary_cross_entropy_is_one_node_with_the_composition_s_bits(reduction, weighted, dtype):
    rng = np.random.default_rng(10)
    xa, ta = rng.uniform(0, 1, (2, 7, 9)).astype(dtype), rng.uniform(0, 1, (2, 7, 9)).astype(dtype)
    xa.reshape(-1)[:3] = [0.0, 1.0, 0.5]
    w = dyngrad.tensor(rng.uniform(0.2, 2.0, 9).astype(dtype)) if weighted else None
    ga = rng.standard_normal(xa.shape).astype(dtype) if reduction == "none" else np.asarray(0.3, dtype)
    _assert_the_composition_s_bits(lambda x, t: loss.binary_cross_entropy(x, t, w, reduction=reduction),
                                   lambda x, t: _composed_bce(x, t, w, reduction), (xa, ta), ga,
                                   "BinaryCrossEntropyBackward0")


def test_binary_cross_entropy_weight_is_not_differentiable_as_in_torch():
    x, t = dyngrad.rand(4, requires_grad=True), dyngrad.rand(4)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        loss.binary_cross_entropy(x, t, weight=dyngrad.rand(4, requires_grad=True))
    with dyngrad.no_grad():
        loss.binary_cross_entropy(x, t, weight=dyngrad.rand(4, requires_grad=True))


def _composed_bce_logits(x, t, w, pw, reduction):
    """binary_cross_entropy_with_logits as dyngrad composed it before its fused op."""
    sp = loss.SoftplusNeg.apply(x)
    out = (1 - t) * x + (((pw - 1) * t + 1) * sp if pw is not None else sp)
    out = out * w if w is not None else out
    return out.mean() if reduction == "mean" else out.sum() if reduction == "sum" else out


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_bce_with_logits_is_one_node_with_the_composition_s_bits(reduction, weighted, pos_weighted, dtype):
    rng = np.random.default_rng(11)
    xa, ta = (rng.standard_normal((3, 7, 9)) * 4).astype(dtype), rng.uniform(0, 1, (3, 7, 9)).astype(dtype)
    xa.reshape(-1)[:3] = [0.0, 50.0, -50.0]
    w = dyngrad.tensor(rng.uniform(0.2, 2.0, (7, 9)).astype(dtype)) if weighted else None
    pw = dyngrad.tensor(rng.uniform(0.2, 3.0, 9).astype(dtype)) if pos_weighted else None
    ga = rng.standard_normal(xa.shape).astype(dtype) if reduction == "none" else np.asarray(0.3, dtype)
    _assert_the_composition_s_bits(
        lambda x, t: loss.binary_cross_entropy_with_logits(x, t, w, reduction=reduction, pos_weight=pw),
        lambda x, t: _composed_bce_logits(x, t, w, pw, reduction), (xa, ta), ga,
        "BinaryCrossEntropyWithLogitsBackward0")


def test_bce_with_logits_names_a_weight_that_does_not_broadcast():
    x, t = dyngrad.rand(3, 4, requires_grad=True), dyngrad.rand(3, 4)
    with pytest.raises(RuntimeError, match=r"size of tensor a \(4\) must match the size of tensor b \(5\)"):
        loss.binary_cross_entropy_with_logits(x, t, weight=dyngrad.rand(5))
    with pytest.raises(RuntimeError, match=r"size of tensor a \(5\) must match the size of tensor b \(4\)"):
        loss.binary_cross_entropy_with_logits(x, t, pos_weight=dyngrad.rand(5))
