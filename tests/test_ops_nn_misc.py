"""dropout, embedding, one_hot, normalize, cosine_similarity and pairwise_distance against PyTorch
(table cases), plus dropout's masks and scaling, embedding's gradients and error messages."""

import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import dyngrad
from dyngrad.ops import nn_misc
from optable import Const, OpCase, needs_torch, parametrize, torch

DG = SimpleNamespace(**{n: getattr(nn_misc, n) for n in nn_misc.__all__})


def F(L):
    return torch.nn.functional if L is torch else DG


def _ids(shape, hi):
    return Const(lambda rng: rng.integers(0, hi, shape))


def _seeded(L, fn):
    """Run ``fn`` right after seeding ``L``'s generator: dyngrad's masks are torch's."""
    L.manual_seed(7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


CASES = [
    # --- dropout: the same seed gives PyTorch's mask; eval/p=0 are the identity ---
    OpCase("dropout", lambda L, x: _seeded(L, lambda: F(L).dropout(x, 0.3)), [(6, 7)], gradgrad=True),
    OpCase("dropout", lambda L, x: _seeded(L, lambda: F(L).dropout(x)), [(2, 3, 4)], gradgrad=True),
    OpCase("dropout", lambda L, x: F(L).dropout(x, 0.5, training=False) * 1, [(3, 4)], gradgrad=True),
    OpCase("dropout", lambda L, x: _seeded(L, lambda: F(L).dropout(x, 1.0)), [(3, 4)]),
    OpCase("dropout", lambda L, x: F(L).dropout(x, 0.0) * 1, [(3,)]),
    OpCase("dropout", lambda L, x: _seeded(L, lambda: F(L).dropout(x * 1, 0.4, inplace=True)), [(5, 4)]),
    OpCase("dropout1d", lambda L, x: _seeded(L, lambda: F(L).dropout1d(x, 0.4)), [(3, 4, 5)], gradgrad=True),
    OpCase("dropout1d", lambda L, x: _seeded(L, lambda: F(L).dropout1d(x, 0.4)), [(4, 5)]),
    OpCase("dropout2d", lambda L, x: _seeded(L, lambda: F(L).dropout2d(x, 0.5)), [(3, 4, 2, 2)], gradgrad=True),
    OpCase("dropout2d", lambda L, x: _seeded(L, lambda: F(L).dropout2d(x, 0.5)), [(3, 4, 5)]),
    OpCase("dropout2d", lambda L, x: F(L).dropout2d(x, 0.5, False) * 1, [(3, 4, 2, 2)]),
    OpCase("dropout3d", lambda L, x: _seeded(L, lambda: F(L).dropout3d(x, 0.5)), [(2, 3, 2, 2, 2)]),
    OpCase("dropout3d", lambda L, x: _seeded(L, lambda: F(L).dropout3d(x, 0.2)), [(4, 2, 2, 3)]),
    OpCase("alpha_dropout", lambda L, x: _seeded(L, lambda: F(L).alpha_dropout(x, 0.3, True)), [(6, 5)],
           gradgrad=True),
    OpCase("alpha_dropout", lambda L, x: F(L).alpha_dropout(x, 0.3) * 1, [(6, 5)]),
    # --- embedding ---
    OpCase("embedding", lambda L, i, w: F(L).embedding(i, w), [_ids((4,), 5), (5, 3)], gradgrad=True),
    OpCase("embedding", lambda L, i, w: F(L).embedding(i, w), [Const(lambda rng: np.array([[1, 1, 2], [1, 0, 1]])),
                                                               (3, 4)], gradgrad=True),
    # padding_idx's row gets no gradient: the output there is masked so that this is the true derivative
    OpCase("embedding", lambda L, i, w: F(L).embedding(i, w, padding_idx=1) * (i != 1).unsqueeze(-1),
           [Const(lambda rng: np.array([[1, 1, 2], [3, 0, 1]])), (4, 2)], gradgrad=True),
    OpCase("embedding", lambda L, i, w: F(L).embedding(i, w, padding_idx=-1) * (i != 3).unsqueeze(-1),
           [_ids((2, 5), 4), (4, 3)]),
    OpCase("embedding", lambda L, i, w: F(L).embedding(i, w), [Const(lambda rng: np.array(2)), (3, 3)]),
    OpCase("embedding", lambda L, i, w: F(L).embedding(i, w), [Const(lambda rng: np.zeros(0, np.int64)), (3, 3)]),
    OpCase("embedding", lambda L, i, w: F(L).embedding(i, w * 1, max_norm=1.0), [_ids((5,), 4), (4, 3)], grad=False),
    # --- one_hot (integers: no gradients) ---
    OpCase("one_hot", lambda L, i: F(L).one_hot(i), [_ids((5,), 4)], grad=False),
    OpCase("one_hot", lambda L, i: F(L).one_hot(i, 6), [_ids((2, 3), 4)], grad=False),
    OpCase("one_hot", lambda L, i: F(L).one_hot(i, 3), [Const(lambda rng: np.zeros(0, np.int64))], grad=False),
    OpCase("one_hot", lambda L, i: F(L).one_hot(i, 3), [Const(lambda rng: np.array(2))], grad=False),
    # --- normalize, cosine_similarity, pairwise_distance ---
    OpCase("normalize", lambda L, x: F(L).normalize(x), [(3, 4)], gradgrad=True),
    OpCase("normalize", lambda L, x: F(L).normalize(x, 1.0, -1), [(2, 3, 4)], domain="away", gradgrad=True),
    OpCase("normalize", lambda L, x: F(L).normalize(x, 3, 0, 1e-6), [(4, 2)], gradgrad=True),
    OpCase("normalize", lambda L, x: F(L).normalize(x * 1e-14, dim=1), [(2, 3)], gradgrad=True),
    OpCase("cosine_similarity", lambda L, a, b: F(L).cosine_similarity(a, b), [(3, 4), (3, 4)], gradgrad=True),
    OpCase("cosine_similarity", lambda L, a, b: F(L).cosine_similarity(a, b, dim=-1), [(3, 1, 4), (5, 4)],
           gradgrad=True),
    OpCase("cosine_similarity", lambda L, a, b: F(L).cosine_similarity(a, b, 0, 1e-3), [(4,), (4,)], gradgrad=True),
    # norms below eps: values are torch's; its gradient there is not the clamp's (see report), not compared
    OpCase("cosine_similarity", lambda L, a, b: F(L).cosine_similarity(a * 1e-9, b), [(2, 3), (2, 3)], grad=False),
    OpCase("pairwise_distance", lambda L, a, b: F(L).pairwise_distance(a, b), [(3, 4), (3, 4)], gradgrad=True),
    OpCase("pairwise_distance", lambda L, a, b: F(L).pairwise_distance(a, b, 1.0, 1e-3, True), [(3, 4), (4,)],
           domain="away", gradgrad=True),
    OpCase("pairwise_distance", lambda L, a, b: F(L).pairwise_distance(a, b, 3.0), [(2, 3, 4), (2, 3, 4)],
           gradgrad=True),
    OpCase("pairwise_distance", lambda L, a, b: F(L).pairwise_distance(a, b, keepdim=True), [(5,), (5,)],
           gradgrad=True),
]

globals().update(parametrize(CASES))


# --- dropout ---------------------------------------------------------------------------------------


def test_dropout_scales_kept_elements_and_drops_about_p():
    dyngrad.manual_seed(0)
    x = dyngrad.ones(20000)
    y = nn_misc.dropout(x, 0.25)
    vals = set(np.unique(y.numpy()).tolist())
    assert vals == {0.0, np.float32(1 / 0.75).item()}
    assert abs((y.numpy() == 0).mean() - 0.25) < 0.02
    assert x.tolist()[:3] == [1.0, 1.0, 1.0]  # not in place


def test_dropout_eval_and_p0_return_the_input_and_p1_zeros():
    x = dyngrad.randn(3, 4, requires_grad=True)
    assert nn_misc.dropout(x, 0.5, training=False) is x
    assert nn_misc.dropout(x, 0.0) is x
    y = nn_misc.dropout(x, 1.0)
    assert not y.detach().numpy().any() and y.requires_grad


def test_dropout_inplace_writes_into_the_input():
    dyngrad.manual_seed(1)
    x = dyngrad.ones(50)
    y = nn_misc.dropout(x, 0.5, inplace=True)
    assert y is x and (x.numpy() == 0).any() and (x.numpy() == 2).any()


def test_dropout_gradient_is_the_mask():
    dyngrad.manual_seed(2)
    x = dyngrad.randn(40, requires_grad=True)
    y = nn_misc.dropout(x, 0.5)
    y.sum().backward()
    kept = y.detach().numpy() != 0
    np.testing.assert_array_equal(x.grad.numpy(), np.where(kept, 2.0, 0.0))


def test_channel_dropout_zeroes_whole_channels():
    dyngrad.manual_seed(3)
    y = nn_misc.dropout2d(dyngrad.ones(4, 8, 3, 3), 0.5).numpy()
    per_channel = y.reshape(4, 8, -1)
    assert all(len(set(c.tolist())) == 1 for c in per_channel.reshape(32, 9))
    assert (per_channel == 0).any() and (per_channel == 2).any()


@needs_torch
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_masks_and_stream_are_torchs(p):
    x = np.random.default_rng(0).standard_normal((17, 9)).astype(np.float32)
    torch.manual_seed(11)
    yt = torch.nn.functional.dropout(torch.tensor(x), p)
    after_t = torch.rand(4)
    dyngrad.manual_seed(11)
    yd = nn_misc.dropout(dyngrad.tensor(x), p)
    after_d = dyngrad.rand(4)
    np.testing.assert_array_equal(yd.numpy(), yt.numpy())
    np.testing.assert_array_equal(after_d.numpy(), after_t.numpy())


def test_dropout_errors_and_warnings():
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn_misc.dropout(dyngrad.ones(3), 1.5)
    with pytest.raises(ValueError, match="but got -0.1"):
        nn_misc.dropout2d(dyngrad.ones(2, 3, 4, 4), -0.1)
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        nn_misc.dropout1d(dyngrad.ones(2, 3, 4, 5))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        nn_misc.dropout2d(dyngrad.ones(2, 3, 4))
    with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):
        nn_misc.dropout3d(dyngrad.ones(2, 3, 4))


# --- embedding -------------------------------------------------------------------------------------


def test_embedding_padding_row_gets_no_gradient_and_repeats_accumulate():
    w = dyngrad.ones(4, 2, requires_grad=True)
    idx = dyngrad.tensor([[0, 2, 0], [2, 2, 3]])
    out = nn_misc.embedding(idx, w, padding_idx=2)
    assert out.shape == (2, 3, 2)
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[2, 2], [0, 0], [0, 0], [1, 1]])


@needs_torch
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_embedding_scale_grad_by_freq_matches_torch(padding_idx):
    idx = np.array([[0, 2, 2], [2, 1, 0]])
    w = np.random.default_rng(0).standard_normal((3, 4))
    g = np.random.default_rng(1).standard_normal((2, 3, 4))
    grads = []
    for L, F_ in ((dyngrad, nn_misc), (torch, torch.nn.functional)):
        wt = L.tensor(w, requires_grad=True)
        out = F_.embedding(L.tensor(idx), wt, padding_idx=padding_idx, scale_grad_by_freq=True)
        out.backward(L.tensor(g))
        grads.append(wt.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_embedding_max_norm_renormalises_looked_up_rows_in_place():
    w = dyngrad.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    nn_misc.embedding(dyngrad.tensor([0, 1]), w, max_norm=1.0)
    np.testing.assert_allclose(w.numpy()[0], [0.6, 0.8], rtol=1e-5)
    np.testing.assert_allclose(w.numpy()[1], [0.3, 0.4])
    np.testing.assert_allclose(w.numpy()[2], [6.0, 8.0])  # not looked up: unchanged


def test_embedding_errors():
    w = dyngrad.randn(3, 2)
    with pytest.raises(IndexError, match="index out of range in self"):
        nn_misc.embedding(dyngrad.tensor([1, 5]), w)
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar types: Long, Int"):
        nn_misc.embedding(dyngrad.tensor([1.0, 2.0]), w)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn_misc.embedding(dyngrad.tensor([1]), w, padding_idx=3)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn_misc.embedding(dyngrad.tensor([1]), w, padding_idx=-4)


# --- one_hot and similarities --------------------------------------------------------------------


def test_one_hot_dtype_and_errors():
    y = nn_misc.one_hot(dyngrad.tensor([0, 2]))
    assert y.dtype == dyngrad.int64 and y.tolist() == [[1, 0, 0], [0, 0, 1]]
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        nn_misc.one_hot(dyngrad.tensor([1, 5]), 3)
    with pytest.raises(RuntimeError, match="Class values must be non-negative."):
        nn_misc.one_hot(dyngrad.tensor([1, -1]), 3)
    with pytest.raises(RuntimeError, match="Can not infer total number of classes from empty tensor."):
        nn_misc.one_hot(dyngrad.tensor([], dtype=dyngrad.int64))
    with pytest.raises(RuntimeError, match="only applicable to index tensor of type LongTensor"):
        nn_misc.one_hot(dyngrad.tensor([1.0]))


def test_similarity_errors():
    with pytest.raises(RuntimeError, match=r"x1 of shape \[3, 4\] and x2 of shape \[3, 5\]"):
        nn_misc.cosine_similarity(dyngrad.randn(3, 4), dyngrad.randn(3, 5))
    with pytest.raises(IndexError):
        nn_misc.cosine_similarity(dyngrad.randn(3, 4), dyngrad.randn(3, 4), dim=2)
