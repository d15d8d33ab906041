"""Convolutions and unfold/fold against PyTorch (cases in CASES, checks from optable), plus errors."""

import types

import numpy as np
import pytest

import dyngrad
import dyngrad.ops.conv as conv_ops
from optable import OpCase, parametrize

try:
    import torch
except ImportError:
    torch = None

# PyTorch warns that 'same' padding with an even kernel copies the input: not our concern here
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")

_DG = types.SimpleNamespace(**{n: getattr(conv_ops, n) for n in conv_ops.__all__})


def F(L):
    """torch.nn.functional, or dyngrad's functions of the same names."""
    return _DG if L is dyngrad else L.nn.functional


CASES = [
    # conv2d
    OpCase("conv2d", lambda L, x, w, b: F(L).conv2d(x, w, b, padding=1), [(2, 3, 5, 5), (4, 3, 3, 3), (4,)],
           gradgrad=True, id="conv2d-pad1-bias"),
    OpCase("conv2d", lambda L, x, w: F(L).conv2d(x, w, stride=2, padding=(1, 0), dilation=(1, 2)),
           [(2, 2, 7, 6), (3, 2, 3, 2)], gradgrad=True, id="conv2d-stride-dilation-nonsquare"),
    OpCase("conv2d", lambda L, x, w, b: F(L).conv2d(x, w, b, stride=(1, 2), groups=2),
           [(2, 4, 5, 6), (6, 2, 2, 3), (6,)], gradgrad=True, id="conv2d-groups"),
    OpCase("conv2d", lambda L, x, w: F(L).conv2d(x, w, groups=3, padding=1), [(1, 3, 4, 4), (3, 1, 3, 3)],
           id="conv2d-depthwise"),
    OpCase("conv2d", lambda L, x, w: F(L).conv2d(x, w, padding="same"), [(2, 2, 5, 6), (3, 2, 4, 2)],
           gradgrad=True, id="conv2d-same-even-kernel"),
    OpCase("conv2d", lambda L, x, w: F(L).conv2d(x, w, padding="same", dilation=2), [(1, 2, 6, 5), (2, 2, 3, 2)],
           id="conv2d-same-dilated"),
    OpCase("conv2d", lambda L, x, w: F(L).conv2d(x, w, padding="valid"), [(2, 2, 4, 5), (3, 2, 2, 2)],
           id="conv2d-valid"),
    OpCase("conv2d", lambda L, x, w, b: F(L).conv2d(x, w, b, 2, 1), [(3, 6, 5), (2, 3, 3, 3), (2,)],
           id="conv2d-unbatched"),
    OpCase("conv2d", lambda L, x, w: F(L).conv2d(x, w), [(2, 3, 1, 1), (4, 3, 1, 1)], id="conv2d-1x1"),
    # conv1d
    OpCase("conv1d", lambda L, x, w, b: F(L).conv1d(x, w, b, padding=1), [(2, 3, 7), (4, 3, 3), (4,)],
           gradgrad=True, id="conv1d-pad1-bias"),
    OpCase("conv1d", lambda L, x, w: F(L).conv1d(x, w, stride=2, padding=2, dilation=2, groups=2),
           [(2, 4, 9), (6, 2, 3)], gradgrad=True, id="conv1d-stride-dilation-groups"),
    OpCase("conv1d", lambda L, x, w: F(L).conv1d(x, w, padding="same"), [(2, 2, 7), (3, 2, 4)],
           id="conv1d-same-even-kernel"),
    OpCase("conv1d", lambda L, x, w: F(L).conv1d(x, w, stride=3), [(3, 8), (2, 3, 2)], id="conv1d-unbatched"),
    # transposed
    OpCase("conv_transpose2d",
           lambda L, x, w, b: F(L).conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2),
           [(2, 4, 3, 4), (4, 3, 3, 2), (6,)], gradgrad=True, id="conv_transpose2d-stride-outpad-groups"),
    OpCase("conv_transpose2d", lambda L, x, w: F(L).conv_transpose2d(x, w, dilation=2, output_padding=1),
           [(1, 3, 4, 3), (3, 2, 2, 3)], gradgrad=True, id="conv_transpose2d-dilation-outpad"),
    OpCase("conv_transpose2d", lambda L, x, w: F(L).conv_transpose2d(x, w, stride=(1, 2), padding=(0, 1)),
           [(3, 4, 3), (3, 2, 2, 3)], id="conv_transpose2d-unbatched"),
    OpCase("conv_transpose1d", lambda L, x, w, b: F(L).conv_transpose1d(x, w, b, stride=3, padding=1),
           [(2, 3, 5), (3, 2, 4), (2,)], gradgrad=True, id="conv_transpose1d-stride"),
    OpCase("conv_transpose1d", lambda L, x, w: F(L).conv_transpose1d(x, w, output_padding=1, stride=2, groups=3),
           [(3, 4), (3, 1, 2)], id="conv_transpose1d-unbatched-groups"),
    # im2col / col2im
    OpCase("unfold", lambda L, x: F(L).unfold(x, 2), [(2, 3, 4, 5)], gradgrad=True, id="unfold-basic"),
    OpCase("unfold", lambda L, x: F(L).unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=2), [(2, 2, 6, 7)],
           gradgrad=True, id="unfold-all-params"),
    OpCase("unfold", lambda L, x: F(L).unfold(x, 3, padding=1), [(2, 4, 4)], id="unfold-unbatched"),
    OpCase("fold", lambda L, x: F(L).fold(x, (4, 5), 2), [(2, 12, 12)], gradgrad=True, id="fold-basic"),
    OpCase("fold", lambda L, x: F(L).fold(x, (6, 7), (2, 3), padding=1, stride=(2, 1), dilation=(1, 2)),
           [(2, 12, 20)], gradgrad=True, id="fold-all-params"),
    OpCase("fold", lambda L, x: F(L).fold(x, 4, 3, padding=1, stride=2), [(18, 4)], id="fold-unbatched"),
]

globals().update(parametrize(CASES))


def test_every_function_has_a_case():
    covered = {n for c in CASES for n in c.names.split()}
    assert set(conv_ops.__all__) - covered == set()


def _t(*shape, dtype=np.float32):
    return dyngrad.from_numpy(np.random.default_rng(0).standard_normal(shape).astype(dtype))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: conv_ops.conv2d(_t(3, 4), _t(8, 3, 3, 3)),
         r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[3, 4\]"),
        (lambda: conv_ops.conv1d(_t(2, 3, 5, 5), _t(4, 3, 3)), r"input to conv1d.*\[2, 3, 5, 5\]"),
        (lambda: conv_ops.conv2d(_t(2, 4, 5, 5), _t(8, 3, 3, 3)),
         r"conv2d: Given groups=1, weight of size \[8, 3, 3, 3\], expected input\[2, 4, 5, 5\] to have 3 "
         r"channels, but got 4 channels instead"),
        (lambda: conv_ops.conv2d(_t(2, 3, 2, 2), _t(8, 3, 3, 3)),
         r"conv2d: Calculated padded input size per channel: \(2 x 2\)\. Kernel size: \(3 x 3\)\. Kernel size "
         r"can't be greater than actual input size"),
        (lambda: conv_ops.conv1d(_t(2, 3, 2), _t(4, 3, 2), dilation=2), r"conv1d: .*\(2\)\. Kernel size: \(3\)"),
        (lambda: conv_ops.conv2d(_t(2, 6, 5, 5), _t(7, 2, 3, 3), groups=3),
         r"expected weight to be divisible by 3 at dimension 0"),
        (lambda: conv_ops.conv2d(_t(2, 3, 5, 5), _t(8, 3, 3, 3), _t(7)),
         r"expected bias to be 1-dimensional with 8 elements, but got bias of size \[7\]"),
        (lambda: conv_ops.conv2d(_t(2, 3, 5, 5), _t(8, 3, 3)), r"conv2d: expected a 4-dimensional weight"),
        (lambda: conv_ops.conv2d(_t(2, 3, 5, 5), _t(8, 3, 3, 3), stride=2, padding="same"),
         r"padding='same' is not supported for strided convolutions"),
        (lambda: conv_ops.conv2d(_t(2, 3, 5, 5), _t(8, 3, 3, 3), padding="foo"), r"Invalid padding string: 'foo'"),
        (lambda: conv_ops.conv2d(_t(2, 3, 5, 5), _t(8, 3, 3, 3), padding=-1), r"negative padding is not supported"),
        (lambda: conv_ops.conv2d(_t(2, 3, 5, 5), _t(8, 3, 3, 3), stride=0), r"non-positive stride"),
        (lambda: conv_ops.conv2d(_t(2, 3, 5, 5), _t(8, 3, 3, 3), dilation=0), r"non-positive dilation"),
        (lambda: conv_ops.conv2d(_t(2, 3, 5, 5), _t(8, 3, 3, 3), stride=(1, 1, 1)),
         r"expected stride to be a single integer value or a list of 2 values"),
        (lambda: conv_ops.conv2d(_t(2, 3, 5, 5, dtype=np.float64), _t(8, 3, 3, 3)),
         r"conv2d: expected input, weight and bias of the same dtype, but got input float64, weight float32"),
        (lambda: conv_ops.conv_transpose2d(_t(2, 3, 5, 5), _t(4, 3, 3, 3)),
         r"Given transposed=1, weight of size \[4, 3, 3, 3\], expected input\[2, 3, 5, 5\] to have 4 channels"),
        (lambda: conv_ops.conv_transpose2d(_t(2, 3, 5, 5), _t(3, 3, 3, 3), stride=2, output_padding=2),
         r"output padding must be smaller than either stride or dilation"),
        (lambda: conv_ops.unfold(_t(1, 3, 2, 2), 3),
         r"calculated shape of the array of sliding blocks as \(0, 0\), but its components must be at least one"),
        (lambda: conv_ops.unfold(_t(3, 5), 3), r"unfold: expected 3D \(unbatched\) or 4D \(batched\) input"),
        (lambda: conv_ops.fold(_t(1, 12, 5), (4, 4), 2),
         r"calculated number of sliding blocks 3 \* 3 = 9, but got input.size\(2\)=5"),
        (lambda: conv_ops.fold(_t(1, 10, 9), (4, 4), 2), r"to be divisible by the product of kernel_size"),
    ],
)
def test_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_errors_are_raised_where_torch_raises():
    """The bad calls above are also errors in PyTorch (same conditions)."""
    tf = torch.nn.functional
    with pytest.raises(RuntimeError):
        tf.conv2d(torch.randn(2, 3, 2, 2), torch.randn(8, 3, 3, 3))
    with pytest.raises(RuntimeError):
        tf.conv_transpose2d(torch.randn(2, 3, 5, 5), torch.randn(3, 3, 3, 3), output_padding=1)


def test_float32_stays_float32_and_grad_fn_name():
    x, w = _t(2, 3, 6, 6).requires_grad_(), _t(4, 3, 3, 3).requires_grad_()
    y = conv_ops.conv2d(x, w, padding=1)
    assert y.dtype == dyngrad.float32 and tuple(y.shape) == (2, 4, 6, 6)
    assert y.grad_fn.name() == "ConvolutionBackward0"
    y.sum().backward()
    assert x.grad.dtype == dyngrad.float32 and w.grad.dtype == dyngrad.float32
    assert x.grad._data.flags.c_contiguous


def test_inplace_change_of_input_after_conv_is_detected():
    x, w = _t(1, 2, 4, 4), _t(3, 2, 3, 3).requires_grad_()
    y = conv_ops.conv2d(x, w)
    x.add_(1.0)  # the weight gradient needs the old x
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_double_backward_through_conv_matches_torch():
    """d/dx of |d conv/dw|^2: exercises ConvWeightGrad's own backward."""
    rng = np.random.default_rng(3)
    xa, wa = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    results = []
    for L in (dyngrad, torch):
        x, w = L.from_numpy(xa.copy()).requires_grad_(), L.from_numpy(wa.copy()).requires_grad_()
        y = F(L).conv2d(x, w, stride=2, padding=1)
        (gw,) = L.autograd.grad((y * y).sum(), [w], create_graph=True)
        (gx,) = L.autograd.grad((gw * gw).sum(), [x])
        results.append(gx.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10)


def test_integer_conv_keeps_dtype():
    x = dyngrad.from_numpy(np.arange(16, dtype=np.int64).reshape(1, 1, 4, 4))
    w = dyngrad.from_numpy(np.ones((1, 1, 2, 2), np.int64))
    y = conv_ops.conv2d(x, w)
    assert y.dtype == dyngrad.int64
    assert y.numpy()[0, 0, 0, 0] == 0 + 1 + 4 + 5


# Each kernel has several code paths (the stride-1 input gradient as a convolution with the
# flipped kernel from 64 channels per group, or else "wide"; 1x1 without im2col; col2im
# otherwise; a GEMM per image from 256 positions) and walks the batch in chunks; every path and
# chunking must give PyTorch's values, gradients and second derivatives.
_PATH_CASES = [
    ("conv2d", dict(padding=1), (3, 2, 5, 17), (4, 2, 3, 3)),  # wide input grad
    ("conv2d", dict(padding="same", dilation=(1, 2), groups=2), (3, 4, 4, 33), (6, 2, 3, 3)),  # wide, dilated
    ("conv2d", dict(padding="same"), (3, 2, 4, 17), (3, 2, 2, 2)),  # wide, asymmetric padding
    ("conv2d", dict(stride=2, padding=1), (3, 2, 7, 9), (4, 2, 3, 3)),  # col2im
    ("conv2d", dict(padding=(0, 1), groups=3), (3, 3, 4, 5), (3, 1, 3, 3)),  # depthwise, col2im
    ("conv2d", dict(groups=2), (3, 4, 5, 6), (6, 2, 1, 1)),  # 1x1
    ("conv2d", dict(stride=2), (3, 4, 5, 6), (6, 4, 1, 1)),  # 1x1 strided: windows after all
    ("conv2d", dict(padding=1), (2, 18, 16), (3, 2, 3, 3)),  # unbatched, wide
    ("conv1d", dict(padding=1), (3, 2, 20), (4, 2, 3)),  # wide
    ("conv_transpose2d", dict(), (3, 3, 4, 17), (3, 2, 3, 3)),  # its forward is the wide input grad
    ("conv_transpose2d", dict(dilation=2, output_padding=1), (3, 3, 4, 5), (3, 2, 2, 3)),  # col2im
    ("conv2d", dict(padding=1), (2, 64, 4, 5), (3, 64, 3, 3)),  # flipped kernel
    ("conv2d", dict(padding=1, groups=2), (2, 4, 16, 17), (6, 2, 3, 3)),  # 256+ positions: a GEMM per image
    ("conv2d", dict(padding=1), (2, 64, 16, 17), (3, 64, 3, 3)),  # flipped kernel, a GEMM per image
    ("conv2d", dict(padding=1), (2, 1, 16, 16), (128, 1, 3, 3)),  # a GEMM per image, 128 outputs
    # flipped kernel: grouped, dilated, asymmetric padding
    ("conv2d", dict(padding="same", dilation=(2, 1), groups=2), (2, 128, 5, 4), (4, 64, 3, 2)),
    ("conv2d", dict(padding=3), (2, 64, 3, 3), (2, 64, 3, 3)),  # padding past the kernel: col2im
    ("conv_transpose2d", dict(padding=1), (2, 3, 4, 5), (3, 64, 3, 3)),  # its forward: flipped kernel
    # output_padding at stride 1 (dilation 2): not the flipped kernel, whose windows would overrun
    ("conv_transpose2d", dict(dilation=2, output_padding=1), (2, 3, 4, 5), (3, 64, 3, 3)),
]


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("chunk", ["default", "tiny", "bands"])
@pytest.mark.parametrize("fn, kw, xshape, wshape", _PATH_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(_PATH_CASES)])
def test_every_kernel_path_and_chunking_matches_torch(monkeypatch, chunk, fn, kw, xshape, wshape):
    if chunk == "tiny":  # one image per chunk; a GEMM per image runs over bands of one output row
        monkeypatch.setattr(conv_ops, "_CHUNK", 1)
        monkeypatch.setattr(conv_ops, "_MIN_WIDTH", 1)
    elif chunk == "bands":  # a GEMM per image over bands of several rows (the first such case: 3, 3, ..., 1)
        monkeypatch.setattr(conv_ops, "_CHUNK", 2000)
        monkeypatch.setattr(conv_ops, "_BAND_FROM", 1)
    rng = np.random.default_rng(7)
    xa, wa = rng.standard_normal(xshape), rng.standard_normal(wshape)
    results = []
    for L in (dyngrad, torch):
        x, w = L.from_numpy(xa.copy()).requires_grad_(), L.from_numpy(wa.copy()).requires_grad_()
        y = getattr(F(L), fn)(x, w, **kw)
        r = L.from_numpy(np.random.default_rng(8).standard_normal(tuple(y.shape)))
        gx, gw = L.autograd.grad((y * r).sum(), [x, w], create_graph=True)
        hx, hw = L.autograd.grad((gx * gx).sum() + (gw * gw).sum() + (gx.sum() * gw.sum()), [x, w])
        results.append([a.detach().numpy() for a in (y, gx, gw, hx, hw)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_bands_of_output_rows_cover_each_image_once(monkeypatch):
    monkeypatch.setattr(conv_ops, "_CHUNK", 2000)
    monkeypatch.setattr(conv_ops, "_BAND_FROM", 1)
    blocks = conv_ops._image_blocks(2, 36, 16, 17)  # the groups=2 GEMM-per-image case above
    assert blocks[:2] == [(0, 1, 0, 3), (0, 1, 3, 6)] and blocks[5] == (0, 1, 15, 16) and len(blocks) == 12
    monkeypatch.setattr(conv_ops, "_BAND_FROM", 5)  # an image's 9,792 entries are 4.9 chunks: whole
    assert conv_ops._image_blocks(2, 36, 16, 17) == [(0, 2, 0, 16)]  # _chunks: both images in one


def test_the_path_cases_reach_the_flipped_kernel_input_gradient(monkeypatch):
    """From 64 channels per group the stride-1 input gradient is a forward convolution."""
    calls = []
    forward = conv_ops._conv_arrays
    monkeypatch.setattr(conv_ops, "_conv_arrays", lambda *a: calls.append(a[1].shape) or forward(*a))
    x = dyngrad.from_numpy(np.ones((2, 64, 4, 5))).requires_grad_()
    conv_ops.conv2d(x, dyngrad.from_numpy(np.ones((3, 64, 3, 3))), padding=1).sum().backward()
    assert calls == [(3, 64, 3, 3), (64, 3, 3, 3)]  # the forward, then the flipped weight


def test_the_path_cases_reach_the_wide_input_gradient(monkeypatch):
    """The cases above marked 'wide' do run it (the path choice depends on the shapes)."""
    calls = []
    wide = conv_ops._input_grad_wide
    monkeypatch.setattr(conv_ops, "_input_grad_wide", lambda *a: calls.append(1) or wide(*a))
    x = dyngrad.from_numpy(np.ones((3, 2, 5, 17))).requires_grad_()
    conv_ops.conv2d(x, dyngrad.from_numpy(np.ones((4, 2, 3, 3))), padding=1).sum().backward()
    assert calls
