"""Conv, pooling, normalisation, dropout, embedding, loss and resizing layers against PyTorch.

Each layer is built in both libraries, PyTorch's parameters and buffers are copied into dyngrad's
layer, and outputs, input gradients, parameter gradients and buffers after the step are compared
in float32 and float64. Default initialisation is compared after the same seed, and so are reprs,
state_dict keys, BatchNorm's running statistics over several steps and the dropout masks."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import dyngrad
import dyngrad.nn
from dyngrad.nn.layers.conv import Conv1d, Conv2d, ConvTranspose2d
from dyngrad.nn.layers.dropout import Dropout
from dyngrad.nn.layers.loss import CrossEntropyLoss, MSELoss
from dyngrad.nn.layers.normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from dyngrad.nn.layers.pooling import MaxPool2d
from dyngrad.nn.layers.sparse import Embedding
from optable import needs_torch

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

DNN = dyngrad.nn  # the dyngrad side of each comparison, as torch.nn is torch's


def NN(L):  # noqa: N802 - reads like `nn.`
    return torch.nn if L is torch else DNN


# --- input specs ----------------------------------------------------------------------------------


class U:
    """A float input drawn from U(lo, hi) that requires grad."""

    def __init__(self, shape, lo=-1.0, hi=1.0):
        self.shape, self.lo, self.hi = shape, lo, hi


class C:
    """A constant input (targets, indices); float arrays take the case's dtype."""

    def __init__(self, make):
        self.make = make


def _arrays(specs, dtype, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for spec in specs:
        if isinstance(spec, tuple):
            out.append((rng.standard_normal(spec).astype(dtype), True))
        elif isinstance(spec, U):
            out.append((rng.uniform(spec.lo, spec.hi, spec.shape).astype(dtype), True))
        else:
            a = np.asarray(spec.make(rng))
            out.append((a.astype(dtype) if a.dtype.kind == "f" else a, False))
    return out


def _labels(n, c, shape=None):
    return C(lambda rng: rng.integers(0, c, shape or (n,)))


def _signs(n):
    return C(lambda rng: rng.choice([-1.0, 1.0], n))


LAYERS = [
    # convolutions: stride, padding (int, tuple, 'same', 'valid'), padding modes, dilation, groups
    ("Conv1d", lambda nn: nn.Conv1d(3, 4, 3), [(2, 3, 9)], {}),
    ("Conv1d-stride-pad-dil", lambda nn: nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2),
     [(2, 4, 11)], {}),
    ("Conv1d-same-even", lambda nn: nn.Conv1d(2, 3, 4, padding="same", dilation=2), [(2, 2, 10)], {}),
    ("Conv1d-unbatched-nobias", lambda nn: nn.Conv1d(2, 3, 2, bias=False), [(2, 7)], {}),
    ("Conv1d-circular", lambda nn: nn.Conv1d(2, 3, 3, padding=2, padding_mode="circular"), [(2, 2, 6)], {}),
    ("Conv2d", lambda nn: nn.Conv2d(3, 5, 3, padding=1), [(2, 3, 7, 6)], {}),
    ("Conv2d-odd", lambda nn: nn.Conv2d(4, 6, (3, 2), stride=(2, 3), padding=(1, 2), dilation=(2, 1), groups=2),
     [(2, 4, 9, 11)], {}),
    ("Conv2d-depthwise", lambda nn: nn.Conv2d(3, 6, 3, groups=3, bias=False), [(1, 3, 5, 5)], {}),
    ("Conv2d-same", lambda nn: nn.Conv2d(2, 3, (2, 3), padding="same"), [(2, 2, 5, 6)], {}),
    ("Conv2d-valid-unbatched", lambda nn: nn.Conv2d(2, 3, 3, padding="valid"), [(2, 5, 5)], {}),
    ("Conv2d-reflect", lambda nn: nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="reflect"), [(2, 2, 5, 6)], {}),
    ("Conv2d-replicate-same", lambda nn: nn.Conv2d(2, 2, 4, padding="same", padding_mode="replicate"),
     [(1, 2, 6, 5)], {}),
    ("Conv2d-circular", lambda nn: nn.Conv2d(2, 2, 3, stride=2, padding=1, padding_mode="circular"),
     [(2, 2, 6, 7)], {}),
    ("ConvTranspose1d", lambda nn: nn.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1),
     [(2, 3, 5)], {}),
    ("ConvTranspose1d-groups-dil", lambda nn: nn.ConvTranspose1d(4, 6, 3, groups=2, dilation=2, bias=False),
     [(2, 4, 5)], {}),
    ("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), [(2, 3, 4, 5)], {}),
    ("ConvTranspose2d-odd", lambda nn: nn.ConvTranspose2d(4, 4, (2, 3), stride=(2, 3), padding=(0, 1),
                                                          output_padding=(1, 2), groups=2, dilation=(1, 1)),
     [(1, 4, 3, 4)], {}),
    ("ConvTranspose2d-output_size", lambda nn: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1),
     [(2, 2, 4, 4)], {"output_size": (8, 8)}),
    ("ConvTranspose2d-output_size-full", lambda nn: nn.ConvTranspose2d(2, 3, 3, stride=3),
     [(2, 2, 3, 3)], {"output_size": [2, 3, 10, 11]}),
    ("ConvTranspose2d-unbatched", lambda nn: nn.ConvTranspose2d(2, 3, 2, stride=2), [(2, 3, 3)], {}),
    # pooling
    ("MaxPool1d", lambda nn: nn.MaxPool1d(3), [(2, 3, 10)], {}),
    ("MaxPool1d-odd", lambda nn: nn.MaxPool1d(3, stride=2, padding=1, dilation=2, ceil_mode=True), [(2, 3, 10)], {}),
    ("MaxPool1d-indices", lambda nn: nn.MaxPool1d(2, return_indices=True), [(3, 9)], {}),
    ("MaxPool2d", lambda nn: nn.MaxPool2d(2), [(2, 3, 6, 7)], {}),
    ("MaxPool2d-odd", lambda nn: nn.MaxPool2d((3, 2), stride=(2, 1), padding=1, dilation=(1, 2), ceil_mode=True),
     [(2, 2, 7, 8)], {}),
    ("MaxPool2d-overlap-indices", lambda nn: nn.MaxPool2d(3, stride=2, padding=1, return_indices=True),
     [(1, 2, 7, 7)], {}),
    ("MaxPool2d-ceil-unbatched", lambda nn: nn.MaxPool2d(2, ceil_mode=True), [(2, 5, 5)], {}),
    ("AvgPool1d", lambda nn: nn.AvgPool1d(3, stride=2, padding=1), [(2, 3, 10)], {}),
    ("AvgPool1d-ceil-nopad", lambda nn: nn.AvgPool1d(4, stride=3, padding=2, ceil_mode=True,
                                                     count_include_pad=False), [(2, 3, 10)], {}),
    ("AvgPool2d", lambda nn: nn.AvgPool2d(2), [(2, 3, 6, 6)], {}),
    ("AvgPool2d-odd", lambda nn: nn.AvgPool2d((3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True,
                                              count_include_pad=False), [(2, 2, 8, 7)], {}),
    ("AvgPool2d-divisor", lambda nn: nn.AvgPool2d(3, stride=2, padding=1, divisor_override=2), [(2, 2, 7, 7)], {}),
    ("AdaptiveAvgPool1d", lambda nn: nn.AdaptiveAvgPool1d(4), [(2, 3, 10)], {}),
    ("AdaptiveAvgPool2d", lambda nn: nn.AdaptiveAvgPool2d((3, 4)), [(2, 3, 7, 9)], {}),
    ("AdaptiveAvgPool2d-one", lambda nn: nn.AdaptiveAvgPool2d(1), [(2, 3, 5, 5)], {}),
    ("AdaptiveAvgPool2d-None", lambda nn: nn.AdaptiveAvgPool2d((None, 2)), [(3, 5, 6)], {}),
    ("AdaptiveMaxPool1d", lambda nn: nn.AdaptiveMaxPool1d(3, return_indices=True), [(2, 3, 10)], {}),
    ("AdaptiveMaxPool2d", lambda nn: nn.AdaptiveMaxPool2d((2, 3)), [(2, 3, 7, 8)], {}),
    ("AdaptiveMaxPool2d-indices", lambda nn: nn.AdaptiveMaxPool2d(3, return_indices=True), [(2, 5, 7)], {}),
    # normalisation (training mode: batch statistics, running statistics updated)
    ("BatchNorm1d", lambda nn: nn.BatchNorm1d(4), [(5, 4)], {}),
    ("BatchNorm1d-3d", lambda nn: nn.BatchNorm1d(3, momentum=0.3), [(4, 3, 6)], {}),
    ("BatchNorm1d-noaffine", lambda nn: nn.BatchNorm1d(3, affine=False), [(4, 3, 6)], {}),
    ("BatchNorm2d", lambda nn: nn.BatchNorm2d(3), [(2, 3, 4, 5)], {}),
    ("BatchNorm2d-cma", lambda nn: nn.BatchNorm2d(3, momentum=None, eps=1e-3), [(2, 3, 4, 5)], {}),
    ("BatchNorm2d-untracked", lambda nn: nn.BatchNorm2d(3, track_running_stats=False), [(2, 3, 4, 5)], {}),
    ("BatchNorm2d-nobias", lambda nn: nn.BatchNorm2d(3, bias=False), [(2, 3, 4, 5)], {}),
    ("LayerNorm", lambda nn: nn.LayerNorm(5), [(3, 4, 5)], {}),
    ("LayerNorm-2d", lambda nn: nn.LayerNorm((4, 5), eps=1e-3), [(3, 4, 5)], {}),
    ("LayerNorm-nobias", lambda nn: nn.LayerNorm([5], bias=False), [(2, 5)], {}),
    ("LayerNorm-noaffine", lambda nn: nn.LayerNorm(5, elementwise_affine=False), [(2, 5)], {}),
    ("GroupNorm", lambda nn: nn.GroupNorm(2, 4), [(3, 4, 5)], {}),
    ("GroupNorm-2d", lambda nn: nn.GroupNorm(3, 6, eps=1e-3), [(2, 6, 3, 4)], {}),
    ("GroupNorm-noaffine", lambda nn: nn.GroupNorm(1, 4, affine=False), [(2, 4, 3)], {}),
    # dropout in eval mode is the identity (training mode: tests below, with the seed)
    ("Dropout-p0", lambda nn: nn.Dropout(0.0), [(3, 4)], {}),
    # embedding
    ("Embedding", lambda nn: nn.Embedding(10, 3), [C(lambda rng: rng.integers(0, 10, (4, 5)))], {}),
    ("Embedding-padding-freq", lambda nn: nn.Embedding(6, 4, padding_idx=2, scale_grad_by_freq=True),
     [C(lambda rng: np.array([[0, 2, 2, 5], [5, 5, 1, 2]]))], {}),
    ("Embedding-max_norm", lambda nn: nn.Embedding(6, 4, max_norm=1.0, norm_type=1.0),
     [C(lambda rng: np.array([1, 3, 3, 0]))], {}),
    # resizing and similarities
    ("Upsample-nearest", lambda nn: nn.Upsample(scale_factor=2), [(2, 3, 4, 5)], {}),
    ("Upsample-nearest-size-1d", lambda nn: nn.Upsample(size=7), [(2, 3, 4)], {}),
    ("Upsample-bilinear", lambda nn: nn.Upsample(scale_factor=(1.5, 2), mode="bilinear"), [(2, 2, 4, 5)], {}),
    ("Upsample-bilinear-corners", lambda nn: nn.Upsample(size=(7, 3), mode="bilinear", align_corners=True),
     [(1, 2, 4, 5)], {}),
    ("Upsample-linear", lambda nn: nn.Upsample(scale_factor=3, mode="linear"), [(2, 2, 4)], {}),
    ("UpsamplingNearest2d", lambda nn: nn.UpsamplingNearest2d(scale_factor=2), [(1, 2, 3, 3)], {}),
    ("UpsamplingBilinear2d", lambda nn: nn.UpsamplingBilinear2d(size=(5, 4)), [(1, 2, 3, 3)], {}),
    ("PixelShuffle", lambda nn: nn.PixelShuffle(2), [(2, 8, 3, 4)], {}),
    ("PixelShuffle-unbatched", lambda nn: nn.PixelShuffle(3), [(9, 2, 2)], {}),
    ("PixelUnshuffle", lambda nn: nn.PixelUnshuffle(2), [(2, 3, 4, 6)], {}),
    ("CosineSimilarity", lambda nn: nn.CosineSimilarity(), [(4, 5), (4, 5)], {}),
    ("CosineSimilarity-dim", lambda nn: nn.CosineSimilarity(dim=-1, eps=1e-6), [(3, 4, 5), (4, 5)], {}),
    ("PairwiseDistance", lambda nn: nn.PairwiseDistance(), [(4, 5), (4, 5)], {}),
    ("PairwiseDistance-p1-keepdim", lambda nn: nn.PairwiseDistance(p=1.0, keepdim=True), [(4, 5), (1, 5)], {}),
    # losses
    ("MSELoss", lambda nn: nn.MSELoss(), [(4, 5), C(lambda rng: rng.standard_normal((4, 5)))], {}),
    ("MSELoss-sum", lambda nn: nn.MSELoss(reduction="sum"), [(4, 5), (4, 5)], {}),
    ("L1Loss-none", lambda nn: nn.L1Loss(reduction="none"), [(4, 5), C(lambda rng: rng.standard_normal((4, 5)))],
     {}),
    ("SmoothL1Loss", lambda nn: nn.SmoothL1Loss(beta=0.5), [(4, 5), (4, 5)], {}),
    ("HuberLoss", lambda nn: nn.HuberLoss(delta=0.7, reduction="sum"), [(4, 5), (4, 5)], {}),
    ("CrossEntropyLoss", lambda nn: nn.CrossEntropyLoss(), [(6, 4), _labels(6, 4)], {}),
    ("CrossEntropyLoss-weighted", lambda nn: _with_weight(nn.CrossEntropyLoss, [1.0, 2.0, 0.5, 1.5],
                                                          ignore_index=1, label_smoothing=0.1),
     [(6, 4), _labels(6, 4)], {}),
    ("CrossEntropyLoss-spatial-none", lambda nn: nn.CrossEntropyLoss(reduction="none"),
     [(2, 3, 4, 5), _labels(2, 3, (2, 4, 5))], {}),
    ("CrossEntropyLoss-probs", lambda nn: nn.CrossEntropyLoss(label_smoothing=0.2),
     [(5, 3), C(lambda rng: rng.dirichlet(np.ones(3), 5))], {}),
    ("NLLLoss", lambda nn: nn.NLLLoss(), [(6, 4), _labels(6, 4)], {}),
    ("NLLLoss-weighted", lambda nn: _with_weight(nn.NLLLoss, [1.0, 0.2, 3.0], ignore_index=0, reduction="sum"),
     [(6, 3), _labels(6, 3)], {}),
    ("BCELoss", lambda nn: nn.BCELoss(), [U((4, 3), 0.05, 0.95), C(lambda rng: rng.uniform(0, 1, (4, 3)))], {}),
    ("BCELoss-weighted", lambda nn: _with_weight(nn.BCELoss, [0.5, 1.0, 2.0], reduction="none"),
     [U((4, 3), 0.05, 0.95), C(lambda rng: rng.integers(0, 2, (4, 3)).astype(float))], {}),
    ("BCEWithLogitsLoss", lambda nn: nn.BCEWithLogitsLoss(), [(4, 3), C(lambda rng: rng.uniform(0, 1, (4, 3)))],
     {}),
    ("BCEWithLogitsLoss-pos_weight", lambda nn: _with_weight(nn.BCEWithLogitsLoss, None, reduction="sum",
                                                             pos_weight=[1.0, 3.0, 0.5]),
     [(4, 3), C(lambda rng: rng.integers(0, 2, (4, 3)).astype(float))], {}),
    ("KLDivLoss", lambda nn: nn.KLDivLoss(reduction="batchmean"), [(4, 3), C(lambda rng: rng.dirichlet(np.ones(3), 4))],
     {}),
    ("KLDivLoss-log_target", lambda nn: nn.KLDivLoss(reduction="sum", log_target=True), [(4, 3), (4, 3)], {}),
    ("CosineEmbeddingLoss", lambda nn: nn.CosineEmbeddingLoss(margin=0.2), [(5, 4), (5, 4), _signs(5)], {}),
    ("MarginRankingLoss", lambda nn: nn.MarginRankingLoss(margin=0.1), [(5,), (5,), _signs(5)], {}),
    ("TripletMarginLoss", lambda nn: nn.TripletMarginLoss(), [(5, 4), (5, 4), (5, 4)], {}),
    ("TripletMarginLoss-swap", lambda nn: nn.TripletMarginLoss(margin=0.5, p=1.0, swap=True, reduction="none"),
     [(5, 4), (5, 4), (5, 4)], {}),
]


def _with_weight(cls, weight, pos_weight=None, **kwargs):
    """A weighted loss of the library ``cls`` belongs to, with float32 weight buffers."""
    lib = torch if cls.__module__.startswith("torch") else dyngrad
    if pos_weight is not None:
        kwargs["pos_weight"] = lib.tensor(pos_weight)
    return cls(weight=None if weight is None else lib.tensor(weight), **kwargs)


def _copy_state(src, dst) -> None:
    state = {k: dyngrad.from_numpy(v.detach().numpy().copy()) for k, v in src.state_dict().items()}
    dst.load_state_dict(state)


def _outputs(out) -> list:
    return list(out) if isinstance(out, tuple) else [out]


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,make,specs,call", LAYERS, ids=[case[0] for case in LAYERS])
def test_layer_matches_torch(name, make, specs, call, dtype):
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-11)
    theirs = make(torch.nn).to(getattr(torch, dtype))
    ours = make(DNN).to(getattr(dyngrad, dtype))
    _copy_state(theirs, ours)
    arrays = _arrays(specs, dtype)
    xs = [dyngrad.tensor(a, requires_grad=g) for a, g in arrays]
    ts = [torch.tensor(a, requires_grad=g) for a, g in arrays]
    ys, zs = _outputs(ours(*xs, **call)), _outputs(theirs(*ts, **call))
    assert len(ys) == len(zs)
    assert ys[0].dtype.name == dtype
    for y, z in zip(ys, zs):
        assert tuple(y.shape) == tuple(z.shape)
        np.testing.assert_allclose(y.detach().numpy(), z.detach().numpy(), **tol)
    for y, z in zip(ys[1:], zs[1:]):  # return_indices: the argmax positions, exactly
        assert y.dtype.name == "int64"
        np.testing.assert_array_equal(y.numpy(), z.numpy())
    go = np.random.default_rng(1).standard_normal(tuple(zs[0].shape)).astype(dtype)
    ys[0].backward(dyngrad.tensor(go))
    zs[0].backward(torch.tensor(go))
    for x, t in zip(xs, ts):
        if t.requires_grad:
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), **tol)
    params, torch_params = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert list(params) == list(torch_params)
    for key, p in torch_params.items():
        np.testing.assert_allclose(params[key].grad.numpy(), p.grad.numpy(), **tol, err_msg=key)
    # buffers after the step (running statistics, embedding rows renormalised by max_norm)
    state, torch_state = ours.state_dict(), theirs.state_dict()
    assert list(state) == list(torch_state)
    for key, value in torch_state.items():
        assert state[key].dtype.name == str(value.dtype).removeprefix("torch."), key
        np.testing.assert_allclose(state[key].numpy(), value.numpy(), **tol, err_msg=key)


# --- default initialisation: identical to PyTorch's after the same seed ----------------------------

INITS = [
    ("Conv1d", lambda nn: nn.Conv1d(3, 5, 4, stride=2)),
    ("Conv1d-groups", lambda nn: nn.Conv1d(4, 6, 3, groups=2, bias=False)),
    ("Conv2d", lambda nn: nn.Conv2d(3, 16, 3, padding=1)),
    ("Conv2d-rect", lambda nn: nn.Conv2d(4, 8, (3, 2), groups=4)),
    ("ConvTranspose1d", lambda nn: nn.ConvTranspose1d(3, 4, 3)),
    ("ConvTranspose2d", lambda nn: nn.ConvTranspose2d(4, 6, 3, groups=2)),
    ("Embedding", lambda nn: nn.Embedding(10, 4, padding_idx=3)),
    ("Embedding-large", lambda nn: nn.Embedding(50, 8)),
    ("BatchNorm2d", lambda nn: nn.BatchNorm2d(4)),
    ("LayerNorm", lambda nn: nn.LayerNorm((2, 3))),
    ("GroupNorm", lambda nn: nn.GroupNorm(2, 4)),
    ("Stack", lambda nn: nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ConvTranspose2d(4, 2, 2),
                                       nn.Embedding(5, 3), nn.Linear(3, 2))),
]


@needs_torch
@pytest.mark.parametrize("name,make", INITS, ids=[n for n, _ in INITS])
def test_default_init_is_torchs_after_same_seed(name, make):
    dyngrad.manual_seed(123)
    torch.manual_seed(123)
    ours, theirs = make(DNN).state_dict(), make(torch.nn).state_dict()
    assert list(ours) == list(theirs)
    for key, value in theirs.items():
        if "Embedding" in name or (name == "Stack" and key.startswith("3.")):
            # torch's vectorised float32 normal_ (16+ values) rounds its Box-Muller
            # transcendentals differently: equal to 1-2 ulp
            np.testing.assert_allclose(ours[key].numpy(), value.numpy(), rtol=3e-7, atol=0, err_msg=key)
        else:
            np.testing.assert_array_equal(ours[key].numpy(), value.numpy(), err_msg=key)
    if name == "Embedding":
        assert not ours["weight"].numpy()[3].any()


@needs_torch
def test_default_init_float64_and_the_draws_that_follow():
    """The init consumes exactly PyTorch's draws: what comes next is the same too."""
    dyngrad.manual_seed(3)
    torch.manual_seed(3)
    ours = DNN.Embedding(30, 5, dtype=dyngrad.float64)
    theirs = torch.nn.Embedding(30, 5, dtype=torch.float64)
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    DNN.Conv2d(2, 3, 3)
    torch.nn.Conv2d(2, 3, 3)
    np.testing.assert_array_equal(dyngrad.rand(7).numpy(), torch.rand(7).numpy())


# --- repr and state_dict keys ----------------------------------------------------------------------

REPRS = [
    lambda nn: nn.Conv2d(3, 16, 3, padding=1, bias=False),
    lambda nn: nn.Conv2d(3, 16, kernel_size=3, stride=1, padding=1),
    lambda nn: nn.Conv2d(4, 4, (3, 5), stride=2, groups=2), lambda nn: nn.Conv2d(2, 2, 3, padding="valid"),
    lambda nn: nn.Conv2d(3, 3, 3, padding=(1, 2), stride=(2, 1), dilation=(1, 2)),
    lambda nn: nn.Conv2d(3, 3, 3, dilation=2, groups=3, padding_mode="replicate"),
    lambda nn: nn.Conv1d(3, 4, 3, padding="same", padding_mode="reflect", dilation=2),
    lambda nn: nn.Conv1d(2, 4, 3, padding=2, padding_mode="circular"),
    lambda nn: nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=1),
    lambda nn: nn.ConvTranspose2d(4, 4, 3, groups=2, padding=1, dilation=2),
    lambda nn: nn.ConvTranspose1d(3, 4, 3, dilation=2, bias=False), lambda nn: nn.MaxPool2d(2, 2),
    lambda nn: nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    lambda nn: nn.MaxPool2d((2, 3), stride=1, return_indices=True, ceil_mode=True),
    lambda nn: nn.MaxPool1d(3, stride=2, padding=1, dilation=2, ceil_mode=True), lambda nn: nn.AvgPool2d(7, stride=1),
    lambda nn: nn.AvgPool2d((2, 3), stride=(1, 2), padding=1, ceil_mode=True), lambda nn: nn.AvgPool1d(3),
    lambda nn: nn.AvgPool1d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    lambda nn: nn.AdaptiveAvgPool2d((1, None)), lambda nn: nn.AdaptiveAvgPool1d(3),
    lambda nn: nn.AdaptiveMaxPool2d(2, return_indices=True), lambda nn: nn.AdaptiveMaxPool1d(2),
    lambda nn: nn.BatchNorm2d(16),
    lambda nn: nn.BatchNorm1d(3, eps=1e-3, momentum=None, affine=False, track_running_stats=False),
    lambda nn: nn.BatchNorm2d(4, bias=False), lambda nn: nn.LayerNorm(4),
    lambda nn: nn.LayerNorm((2, 3), elementwise_affine=False), lambda nn: nn.LayerNorm(3, bias=False),
    lambda nn: nn.GroupNorm(2, 4), lambda nn: nn.GroupNorm(2, 4, affine=False), lambda nn: nn.Dropout(),
    lambda nn: nn.Dropout(0.2, True), lambda nn: nn.Dropout1d(), lambda nn: nn.Dropout2d(0.3),
    lambda nn: nn.Dropout3d(), lambda nn: nn.AlphaDropout(0.1), lambda nn: nn.Embedding(10, 3),
    lambda nn: nn.Embedding(10, 3, padding_idx=-2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, sparse=True),
    lambda nn: nn.Embedding(5, 2, norm_type=3), lambda nn: nn.Upsample(scale_factor=2),
    lambda nn: nn.Upsample(scale_factor=(2, 3)),
    lambda nn: nn.Upsample(size=(3, 4), mode="bilinear", align_corners=True), lambda nn: nn.Upsample(size=5),
    lambda nn: nn.UpsamplingNearest2d(scale_factor=2), lambda nn: nn.UpsamplingBilinear2d(size=4),
    lambda nn: nn.PixelShuffle(2), lambda nn: nn.PixelUnshuffle(3), lambda nn: nn.CosineSimilarity(dim=0),
    lambda nn: nn.PairwiseDistance(p=1.0, keepdim=True), lambda nn: nn.MSELoss(),
    lambda nn: nn.L1Loss(reduction="sum"), lambda nn: nn.SmoothL1Loss(beta=0.5), lambda nn: nn.HuberLoss(),
    lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1), lambda nn: nn.NLLLoss(), lambda nn: nn.BCELoss(),
    lambda nn: nn.BCEWithLogitsLoss(), lambda nn: nn.KLDivLoss(), lambda nn: nn.CosineEmbeddingLoss(),
    lambda nn: nn.MarginRankingLoss(), lambda nn: nn.TripletMarginLoss(),
]


@needs_torch
@pytest.mark.parametrize("make", REPRS)
def test_layer_repr_attributes_and_state_keys_match_torch(make):
    ours, theirs = make(DNN), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(ours._buffers) == list(theirs._buffers)
    assert list(ours._parameters) == list(theirs._parameters)
    public = {k: v for k, v in vars(theirs).items() if not k.startswith("_") and k != "training"}
    for key, value in public.items():
        assert getattr(ours, key) == value, key


@needs_torch
def test_weighted_loss_buffers_follow_state_dict_and_dtype():
    for lib, nn in ((dyngrad, DNN), (torch, torch.nn)):
        ce = nn.CrossEntropyLoss(weight=lib.tensor([1.0, 2.0]))
        bce = nn.BCEWithLogitsLoss(weight=lib.ones(3), pos_weight=lib.tensor([2.0, 1.0, 1.0]))
        assert list(ce.state_dict()) == ["weight"]
        assert list(bce.state_dict()) == ["weight", "pos_weight"]
        assert ce.double().weight.dtype == lib.float64
        assert list(nn.NLLLoss().state_dict()) == []


@needs_torch
def test_legacy_size_average_and_reduce_map_to_reduction():
    for kwargs, expected in (({"size_average": False}, "sum"), ({"reduce": False}, "none"),
                             ({"size_average": True, "reduce": True}, "mean")):
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            ours = DNN.MSELoss(**kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert torch.nn.MSELoss(**kwargs).reduction == ours.reduction == expected


# --- BatchNorm: train / eval, running statistics ---------------------------------------------------


@needs_torch
@pytest.mark.parametrize("momentum", [0.1, None, 0.5])
@pytest.mark.parametrize("cls,shape", [("BatchNorm2d", (4, 3, 5, 6)), ("BatchNorm1d", (6, 3)),
                                        ("BatchNorm1d", (4, 3, 7))])
def test_batchnorm_running_stats_over_steps_and_eval(cls, shape, momentum):
    ours = getattr(DNN, cls)(3, momentum=momentum)
    theirs = getattr(torch.nn, cls)(3, momentum=momentum)
    rng = np.random.default_rng(0)
    for step in range(4):
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(np.float32)
        np.testing.assert_allclose(ours(dyngrad.tensor(x)).detach().numpy(),
                                   theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    assert ours.num_batches_tracked.dtype == dyngrad.int64
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 4
    for key in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, key).numpy(), getattr(theirs, key).numpy(), rtol=1e-5, atol=1e-6)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    xs, ts = dyngrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, z = ours(xs), theirs(ts)
    np.testing.assert_allclose(y.detach().numpy(), z.detach().numpy(), rtol=1e-5, atol=1e-5)
    y.sum().backward()
    z.sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), ts.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert ours.num_batches_tracked.item() == 4  # eval does not count


@needs_torch
def test_batchnorm_untracked_uses_batch_stats_in_eval_and_reset():
    ours, theirs = DNN.BatchNorm2d(2, track_running_stats=False).eval(), torch.nn.BatchNorm2d(2,
                                                                                               track_running_stats=False).eval()
    x = np.random.default_rng(0).standard_normal((3, 2, 4, 4)).astype(np.float32) * 3 + 1
    np.testing.assert_allclose(ours(dyngrad.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    assert ours.running_mean is None and ours.num_batches_tracked is None
    bn = DNN.BatchNorm1d(2)
    bn(dyngrad.randn(5, 2) + 3)
    bn.reset_running_stats()
    assert bn.num_batches_tracked.item() == 0 and bn.running_mean.numpy().tolist() == [0, 0]
    # a model's state loads into torch's and back
    theirs = torch.nn.BatchNorm1d(2)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in bn.state_dict().items()})


@needs_torch
def test_batchnorm_one_value_per_channel_in_training_raises():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        DNN.BatchNorm1d(3)(dyngrad.randn(1, 3))
    bn = DNN.BatchNorm1d(3).eval()
    assert bn(dyngrad.randn(1, 3)).shape == (1, 3)


# --- dropout ---------------------------------------------------------------------------------------


@needs_torch
@pytest.mark.parametrize("cls,shape,p", [("Dropout", (8, 50), 0.3), ("Dropout", (4, 5, 6), 0.5),
                                         ("Dropout1d", (4, 6, 5), 0.4), ("Dropout1d", (6, 5), 0.5),
                                         ("Dropout2d", (3, 8, 4, 4), 0.25), ("Dropout3d", (2, 4, 2, 3, 3), 0.5),
                                         ("AlphaDropout", (6, 40), 0.2)])
def test_dropout_layers_match_torch_after_same_seed_and_are_identity_in_eval(cls, shape, p):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    ours, theirs = getattr(DNN, cls)(p), getattr(torch.nn, cls)(p)
    dyngrad.manual_seed(11)
    torch.manual_seed(11)
    xs, ts = dyngrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, z = ours(xs), theirs(ts)
    np.testing.assert_allclose(y.detach().numpy(), z.detach().numpy(), rtol=1e-6, atol=1e-6)
    y.sum().backward()
    z.sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), ts.grad.numpy(), rtol=1e-6, atol=1e-6)
    if cls != "AlphaDropout":  # kept elements scaled by 1 / (1 - p)
        kept = y.detach().numpy() != 0
        np.testing.assert_allclose(y.detach().numpy()[kept], x[kept] / (1 - p), rtol=1e-6)
    ours.eval()
    assert ours(xs) is xs


def test_dropout_inplace_and_bad_p():
    x = dyngrad.ones(100)
    y = Dropout(0.5, inplace=True)(x)
    assert y is x and set(np.unique(x.numpy())) <= {0.0, 2.0}
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        Dropout(1.5)


# --- embedding -------------------------------------------------------------------------------------


@needs_torch
def test_embedding_from_pretrained_and_weight_argument():
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    ours = DNN.Embedding.from_pretrained(dyngrad.tensor(table), padding_idx=1)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table), padding_idx=1)
    assert repr(ours) == repr(theirs)
    assert not ours.weight.requires_grad
    np.testing.assert_array_equal(ours.weight.detach().numpy(), table)  # padding row kept: not initialised
    idx = np.array([[0, 3], [1, 1]])
    np.testing.assert_array_equal(ours(dyngrad.tensor(idx)).numpy(), theirs(torch.tensor(idx)).numpy())
    trainable = Embedding.from_pretrained(dyngrad.tensor(table), freeze=False)
    assert trainable.weight.requires_grad
    shared = dyngrad.zeros(2, 2)
    e = Embedding(2, 2, _weight=shared)
    shared.add_(1)
    assert e.weight.detach().numpy().tolist() == [[1, 1], [1, 1]]
    with pytest.raises(AssertionError, match="Shape of weight does not match"):
        Embedding(3, 2, _weight=dyngrad.zeros(2, 2))
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be 2-dimensional"):
        Embedding.from_pretrained(dyngrad.zeros(4))
    for bad in (5, -6):
        with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
            Embedding(5, 2, padding_idx=bad)
    assert Embedding(5, 2, padding_idx=-1).padding_idx == 4


def test_embedding_bad_indices():
    with pytest.raises(IndexError, match="index out of range in self"):
        Embedding(5, 2)(dyngrad.tensor([5]))
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices'"):
        Embedding(5, 2)(dyngrad.tensor([1.0]))


# --- constructor errors ----------------------------------------------------------------------------

CTOR_ERRORS = [
    (lambda nn: nn.Conv2d(3, 4, 3, groups=2), "in_channels must be divisible by groups"),
    (lambda nn: nn.Conv2d(4, 3, 3, groups=2), "out_channels must be divisible by groups"),
    (lambda nn: nn.Conv2d(4, 4, 3, groups=0), "groups must be a positive integer"),
    (lambda nn: nn.Conv2d(4, 4, 3, padding="same", stride=2), "padding='same' is not supported for strided"),
    (lambda nn: nn.Conv1d(4, 4, 3, padding="full"), "Invalid padding string 'full'"),
    (lambda nn: nn.Conv2d(4, 4, 3, padding_mode="mirror"), "padding_mode must be one of"),
    (lambda nn: nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"),
     'Only "zeros" padding mode is supported for ConvTranspose2d'),
    (lambda nn: nn.GroupNorm(3, 4), r"num_channels \(4\) must be divisible by num_groups \(3\)"),
    (lambda nn: nn.Dropout2d(-0.1), "dropout probability has to be between 0 and 1"),
]


@needs_torch
@pytest.mark.parametrize("make,message", CTOR_ERRORS)
def test_constructor_errors_match_torch(make, message):
    with pytest.raises(ValueError, match=message):
        make(torch.nn)
    with pytest.raises(ValueError, match=message):
        make(DNN)


# --- wrong inputs name the layer and its path ------------------------------------------------------


class _Net(dyngrad.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = dyngrad.nn.Sequential(Conv2d(3, 16, 3, padding=1))
        self.layer2 = dyngrad.nn.Sequential(Conv2d(16, 32, 3, padding=1), BatchNorm2d(32))

    def forward(self, x):
        return self.layer2(x)  # skips layer1: a wrong channel count for layer2.0


def test_conv_wrong_channels_names_the_layer_path():
    with pytest.raises(RuntimeError, match=r"^layer2\.0 \(Conv2d\): expected input with 16 channels, got 8 "
                                           r"channels \(input shape \[4, 8, 32, 32\]\)$"):
        _Net()(dyngrad.randn(4, 8, 32, 32))
    with pytest.raises(RuntimeError, match=r"^Conv2d: expected input with 3 channels, got 4 channels "
                                           r"\(input shape \[4, 5, 5\]\)$"):
        Conv2d(3, 2, 3)(dyngrad.randn(4, 5, 5))
    with pytest.raises(RuntimeError, match=r"^Conv1d: expected 2D \(unbatched\) or 3D \(batched\) input, got 4D "
                                           r"input \(input shape \[1, 2, 3, 4\]\)$"):
        Conv1d(2, 2, 1)(dyngrad.randn(1, 2, 3, 4))
    with pytest.raises(RuntimeError, match=r"^1 \(ConvTranspose2d\): expected input with 2 channels"):
        dyngrad.nn.Sequential(Conv2d(1, 3, 1), ConvTranspose2d(2, 2, 2))(dyngrad.randn(1, 1, 4, 4))
    with pytest.raises(TypeError, match=r"^Conv2d: expected a Tensor input, got ndarray"):
        Conv2d(1, 1, 1)(np.ones((1, 1, 2, 2)))


def test_norm_and_pool_wrong_inputs_name_the_layer():
    model = dyngrad.nn.Sequential(Conv2d(3, 4, 3, padding=1), BatchNorm2d(5))
    with pytest.raises(RuntimeError, match=r"^1 \(BatchNorm2d\): expected input with 5 channels, got 4 channels "
                                           r"\(input shape \[2, 4, 6, 6\]\)$"):
        model(dyngrad.randn(2, 3, 6, 6))
    with pytest.raises(ValueError, match=r"^BatchNorm1d: expected 2D or 3D input \(got 4D input\)$"):
        BatchNorm1d(3)(dyngrad.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"^BatchNorm2d: expected 4D input \(got 3D input\)$"):
        BatchNorm2d(3)(dyngrad.randn(2, 3, 4))
    with pytest.raises(RuntimeError, match=r"^BatchNorm1d: expected input with 3 features, got 4 features"):
        BatchNorm1d(3)(dyngrad.randn(2, 4))
    with pytest.raises(RuntimeError, match=r"^LayerNorm: expected input with shape \[\*, 3\], got input of "
                                           r"shape \[2, 4\]$"):
        LayerNorm(3)(dyngrad.randn(2, 4))
    with pytest.raises(RuntimeError, match=r"^GroupNorm: expected input \(N, 4, \*\) with 4 channels, got 3 "
                                           r"channels"):
        GroupNorm(2, 4)(dyngrad.randn(2, 3))
    with pytest.raises(RuntimeError, match=r"^0 \(MaxPool2d\): expected 3D \(unbatched\) or 4D \(batched\) input, "
                                           r"got 2D input \(input shape \[3, 3\]\)$"):
        dyngrad.nn.Sequential(MaxPool2d(2))(dyngrad.randn(3, 3))


@needs_torch
def test_conv_transpose_bad_output_size():
    message = r"requested an output size of \(20, 20\), but valid sizes range from \[9, 9\] to \[10, 10\]"
    for lib, nn in ((torch, torch.nn), (dyngrad, DNN)):
        with pytest.raises(ValueError, match=message):
            nn.ConvTranspose2d(3, 3, 3, stride=2)(lib.ones(1, 3, 4, 4), output_size=(20, 20))


def test_loss_forward_errors_come_from_the_functions():
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        MSELoss(reduction="avg")(dyngrad.ones(2), dyngrad.ones(2))
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0"):
        CrossEntropyLoss(label_smoothing=2.0)(dyngrad.ones(2, 3), dyngrad.tensor([0, 1]))


@needs_torch
def test_to_double_converts_parameters_and_buffers_but_not_the_counter():
    ours = DNN.Sequential(DNN.Conv2d(2, 3, 3), DNN.BatchNorm2d(3)).double()
    assert ours[0].weight.dtype == dyngrad.float64
    assert ours[1].running_var.dtype == dyngrad.float64
    assert ours[1].num_batches_tracked.dtype == dyngrad.int64
    y = ours(dyngrad.randn(2, 2, 5, 5, dtype=dyngrad.float64))
    assert y.dtype == dyngrad.float64 and ours[1].num_batches_tracked.item() == 1


def test_init_bounds_follow_fan_in():
    conv = ConvTranspose2d(4, 6, 3, groups=2)
    fan_in = conv.weight.shape[1] * 9
    assert conv.weight.shape == (4, 3, 3, 3)
    assert np.abs(conv.bias.detach().numpy()).max() <= 1 / math.sqrt(fan_in)
