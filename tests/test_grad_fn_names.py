"""The names of the nodes common calls record, against PyTorch's (``grad_fn.name()``): what a
printed or inspected graph shows."""

import numpy as np
import pytest

import dyngrad

try:
    import torch
except ImportError:
    torch = None

CALLS = {
    "sum()": lambda L, x: x.sum(),
    "sum(1)": lambda L, x: x.sum(1),
    "sum((0, 1))": lambda L, x: x.sum((0, 1)),
    "mean()": lambda L, x: x.mean(),
    "mean(-1, keepdim)": lambda L, x: x.mean(-1, keepdim=True),
    "max()": lambda L, x: x.max(),
    "min()": lambda L, x: x.min(),
    "max(1)": lambda L, x: x.max(1)[0],
    "amax(1)": lambda L, x: x.amax(1),
    "amin(0)": lambda L, x: x.amin(0),
    "clamp(numbers)": lambda L, x: x.clamp(-0.5, 0.5),
    "clamp(min=number)": lambda L, x: x.clamp(min=0.1),
    "clamp(tensors)": lambda L, x: x.clamp(L.zeros(5), L.ones(5)),
    "clamp_min(number)": lambda L, x: x.clamp_min(0.1),
    "clamp_max(tensor)": lambda L, x: x.clamp_max(L.ones(5)),
    "F.clamp_min": lambda L, x: L.clamp_min(x, 0.1),
    "clamp_ in place": lambda L, x: (x * 1).clamp_(0.1, 0.5),
    "clamp_min_ in place": lambda L, x: (x * 1).clamp_min_(0.1),
    "clamp_max_ in place": lambda L, x: (x * 1).clamp_max_(L.ones(5)),
    "norm()": lambda L, x: x.norm(),
    "norm(dim=1)": lambda L, x: x.norm(dim=1),
    "logsumexp": lambda L, x: L.logsumexp(x, 1),
    "softmax": lambda L, x: x.softmax(1),
    "var": lambda L, x: x.var(1),
    "std": lambda L, x: x.std(),
    "layer_norm": lambda L, x: L.nn.functional.layer_norm(x, (5,)),
    "LayerNorm": lambda L, x: L.nn.LayerNorm(5)(x),
    "BatchNorm1d": lambda L, x: L.nn.BatchNorm1d(5)(x),
    "batch_norm (eval)": lambda L, x: L.nn.functional.batch_norm(x, L.zeros(5), L.ones(5)),
    "prelu": lambda L, x: L.nn.functional.prelu(x, L.tensor(np.array([0.25], np.float32))),
    "cosine_similarity": lambda L, x: L.nn.functional.cosine_similarity(x, x * 2),
    "mse_loss": lambda L, x: L.nn.functional.mse_loss(x, x.detach() * 2),
    "smooth_l1_loss": lambda L, x: L.nn.functional.smooth_l1_loss(x, x.detach() * 2),
    "huber_loss": lambda L, x: L.nn.functional.huber_loss(x, x.detach() * 2),
    "nll_loss": lambda L, x: L.nn.functional.nll_loss(x, L.tensor([0, 4, 2, 1])),
    "cross_entropy": lambda L, x: L.nn.functional.cross_entropy(x, L.tensor([0, 4, 2, 1])),
    "x ** 3": lambda L, x: x**3,
    "binary_cross_entropy": lambda L, x: L.nn.functional.binary_cross_entropy(x.sigmoid(), x.detach().sigmoid()),
    "binary_cross_entropy weighted": lambda L, x: L.nn.functional.binary_cross_entropy(
        x.sigmoid(), x.detach().sigmoid(), L.ones(5), reduction="sum"),
    "binary_cross_entropy_with_logits": lambda L, x: L.nn.functional.binary_cross_entropy_with_logits(
        x, x.detach().sigmoid(), pos_weight=L.ones(5) * 2),
}


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed: no reference names")
@pytest.mark.parametrize("call", list(CALLS))
def test_grad_fn_is_named_as_in_torch(call):
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    names = [CALLS[call](L, L.tensor(x, requires_grad=True)).grad_fn.name() for L in (dyngrad, torch)]
    assert names[0] == names[1]
