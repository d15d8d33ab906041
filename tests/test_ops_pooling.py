"""Pooling, pad and interpolate against PyTorch (cases in CASES, checks from optable), plus
indices, NaN/tie rules and errors."""

import types

import numpy as np
import pytest

import dyngrad
import dyngrad.ops.pooling as pool_ops
import dyngrad.ops.resize as resize_ops
from optable import Const, OpCase, parametrize

try:
    import torch
except ImportError:
    torch = None

_DG = types.SimpleNamespace(**{n: getattr(m, n) for m in (pool_ops, resize_ops) for n in m.__all__})


def F(L):
    """torch.nn.functional, or dyngrad's functions of the same names."""
    return _DG if L is dyngrad else L.nn.functional


def _mp(**kw):
    return lambda L, x: F(L).max_pool2d(x, **kw)


def _ap(**kw):
    return lambda L, x: F(L).avg_pool2d(x, **kw)


A = "away"  # distinct values: one argmax per window, no finite-difference kinks

CASES = [
    # max pooling
    OpCase("max_pool2d", _mp(kernel_size=2), [(2, 3, 4, 6)], domain=A, gradgrad=True, id="max_pool2d-k2"),
    OpCase("max_pool2d", _mp(kernel_size=3, stride=2, padding=1), [(2, 2, 7, 6)], domain=A, gradgrad=True,
           id="max_pool2d-overlap-pad"),
    OpCase("max_pool2d", _mp(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)), [(2, 2, 7, 8)],
           domain=A, id="max_pool2d-nonsquare-dilation"),
    OpCase("max_pool2d", _mp(kernel_size=3, stride=2, ceil_mode=True), [(2, 2, 8, 7)], domain=A, gradgrad=True,
           id="max_pool2d-ceil"),
    OpCase("max_pool2d", _mp(kernel_size=2, stride=1, padding=1, dilation=2, ceil_mode=True), [(1, 2, 5, 6)],
           domain=A, id="max_pool2d-ceil-dilation"),
    OpCase("max_pool2d", _mp(kernel_size=2, return_indices=True), [(2, 5, 6)], domain=A,
           id="max_pool2d-unbatched-indices"),
    OpCase("max_pool2d", _mp(kernel_size=(2, 3), stride=2, padding=1, return_indices=True), [(2, 3, 5, 7)],
           domain=A, id="max_pool2d-indices-padded"),
    OpCase("max_pool1d", lambda L, x: F(L).max_pool1d(x, 3, 2, 1), [(2, 3, 9)], domain=A, gradgrad=True,
           id="max_pool1d-basic"),
    OpCase("max_pool1d", lambda L, x: F(L).max_pool1d(x, 2, dilation=2, ceil_mode=True, return_indices=True),
           [(3, 8)], domain=A, id="max_pool1d-unbatched-indices"),
    # average pooling
    OpCase("avg_pool2d", _ap(kernel_size=2), [(2, 3, 4, 6)], gradgrad=True, id="avg_pool2d-k2"),
    OpCase("avg_pool2d", _ap(kernel_size=3, stride=2, padding=1), [(2, 2, 7, 6)], gradgrad=True,
           id="avg_pool2d-pad-include"),
    OpCase("avg_pool2d", _ap(kernel_size=3, stride=2, padding=1, count_include_pad=False), [(2, 2, 7, 6)],
           gradgrad=True, id="avg_pool2d-pad-exclude"),
    OpCase("avg_pool2d", _ap(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), ceil_mode=True), [(2, 2, 8, 5)],
           id="avg_pool2d-ceil-nonsquare"),
    OpCase("avg_pool2d", _ap(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
           [(1, 2, 6, 6)], id="avg_pool2d-ceil-exclude"),
    OpCase("avg_pool2d", _ap(kernel_size=2, divisor_override=3), [(3, 4, 4)], id="avg_pool2d-divisor-unbatched"),
    OpCase("avg_pool1d", lambda L, x: F(L).avg_pool1d(x, 3, 2, 1, True, False), [(2, 3, 8)], gradgrad=True,
           id="avg_pool1d-ceil-exclude"),
    OpCase("avg_pool1d", lambda L, x: F(L).avg_pool1d(x, 2), [(3, 7)], id="avg_pool1d-unbatched"),
    # adaptive pooling
    OpCase("adaptive_avg_pool2d", lambda L, x: F(L).adaptive_avg_pool2d(x, (3, 4)), [(2, 3, 7, 9)],
           gradgrad=True, id="adaptive_avg_pool2d-uneven"),
    OpCase("adaptive_avg_pool2d", lambda L, x: F(L).adaptive_avg_pool2d(x, (2, None)), [(2, 3, 6, 5)],
           id="adaptive_avg_pool2d-even-none"),
    OpCase("adaptive_avg_pool2d", lambda L, x: F(L).adaptive_avg_pool2d(x, 1), [(3, 5, 4)],
           id="adaptive_avg_pool2d-global-unbatched"),
    OpCase("adaptive_avg_pool2d", lambda L, x: F(L).adaptive_avg_pool2d(x, (6, 7)), [(1, 2, 4, 5)],
           id="adaptive_avg_pool2d-upsample"),
    OpCase("adaptive_avg_pool1d", lambda L, x: F(L).adaptive_avg_pool1d(x, 3), [(2, 3, 7)], gradgrad=True,
           id="adaptive_avg_pool1d-uneven"),
    OpCase("adaptive_max_pool2d", lambda L, x: F(L).adaptive_max_pool2d(x, (3, 4), return_indices=True),
           [(2, 3, 7, 9)], domain=A, gradgrad=True, id="adaptive_max_pool2d-uneven-indices"),
    OpCase("adaptive_max_pool2d", lambda L, x: F(L).adaptive_max_pool2d(x, 2), [(3, 6, 4)], domain=A,
           id="adaptive_max_pool2d-even-unbatched"),
    OpCase("adaptive_max_pool1d", lambda L, x: F(L).adaptive_max_pool1d(x, 4, True), [(2, 3, 7)], domain=A,
           id="adaptive_max_pool1d-indices"),
    # pad
    OpCase("pad", lambda L, x: F(L).pad(x, (1, 2, 0, 3)), [(2, 3, 4, 5)], gradgrad=True, id="pad-constant"),
    OpCase("pad", lambda L, x: F(L).pad(x, (-1, 2, 1, -2), value=1.5), [(2, 4, 5)], gradgrad=True,
           id="pad-constant-negative-value"),
    OpCase("pad", lambda L, x: F(L).pad(x, (1, 1, 1, 1, 1, 1)), [(2, 3, 4)], id="pad-constant-3d"),
    OpCase("pad", lambda L, x: F(L).pad(x, (2, 1), "reflect"), [(3, 4, 5)], gradgrad=True, id="pad-reflect-1d"),
    OpCase("pad", lambda L, x: F(L).pad(x, (2, 1, 1, 3), "reflect"), [(2, 3, 4, 5)], gradgrad=True,
           id="pad-reflect-2d"),
    OpCase("pad", lambda L, x: F(L).pad(x, (1, 2, 3, 0), "replicate"), [(2, 3, 4, 5)], gradgrad=True,
           id="pad-replicate-2d"),
    OpCase("pad", lambda L, x: F(L).pad(x, (1, 1, 2, 0, 0, 1), "replicate"), [(1, 2, 3, 4, 3)],
           id="pad-replicate-3d"),
    OpCase("pad", lambda L, x: F(L).pad(x, (2, 3, 1, 3), "circular"), [(2, 3, 4, 5)], gradgrad=True,
           id="pad-circular-2d"),
    OpCase("pad", lambda L, x: F(L).pad(x, (1, 2), "circular"), [(3, 5)], id="pad-circular-unbatched"),
    # interpolate
    OpCase("interpolate", lambda L, x: F(L).interpolate(x, size=(7, 9)), [(2, 3, 4, 5)], gradgrad=True,
           id="interpolate-nearest-size"),
    OpCase("interpolate", lambda L, x: F(L).interpolate(x, scale_factor=(1.7, 0.6)), [(2, 3, 4, 5)],
           id="interpolate-nearest-scale"),
    OpCase("interpolate", lambda L, x: F(L).interpolate(x, scale_factor=3), [(2, 3, 5)],
           id="interpolate-nearest-1d"),
    OpCase("interpolate", lambda L, x: F(L).interpolate(x, size=(7, 9), mode="bilinear"), [(2, 3, 4, 5)],
           gradgrad=True, id="interpolate-bilinear"),
    OpCase("interpolate", lambda L, x: F(L).interpolate(x, size=(3, 8), mode="bilinear", align_corners=True),
           [(2, 3, 4, 5)], gradgrad=True, id="interpolate-bilinear-align"),
    OpCase("interpolate", lambda L, x: F(L).interpolate(x, scale_factor=1.5, mode="bilinear"), [(1, 2, 4, 5)],
           id="interpolate-bilinear-scale"),
    OpCase("interpolate", lambda L, x: F(L).interpolate(x, size=7, mode="linear", align_corners=False),
           [(2, 3, 5)], id="interpolate-linear"),
    # pooling of a constant-valued index input is not differentiable: indices alone
    OpCase("max_pool2d", lambda L, x: F(L).max_pool2d(x, 2, return_indices=True)[1],
           [Const(lambda rng: rng.permutation(32).reshape(1, 2, 4, 4).astype(np.float32))], grad=False,
           id="max_pool2d-indices-only"),
]

globals().update(parametrize(CASES))


def test_every_function_has_a_case():
    covered = {n for c in CASES for n in c.names.split()}
    assert set(pool_ops.__all__ + resize_ops.__all__) - covered == set()


def _both(array):
    return dyngrad.from_numpy(array.copy()), torch.from_numpy(array.copy())


needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


@needs_torch
@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=(2, 3), dilation=(2, 1), stride=1)])
def test_max_pool2d_indices_equal_torch(kw):
    rng = np.random.default_rng(5)
    d, t = _both(rng.standard_normal((2, 3, 7, 8)).astype(np.float32))
    dv, di = pool_ops.max_pool2d(d, return_indices=True, **kw)
    tv, ti = torch.nn.functional.max_pool2d(t, return_indices=True, **kw)
    assert di.dtype == dyngrad.int64
    np.testing.assert_array_equal(di.numpy(), ti.numpy())
    np.testing.assert_array_equal(dv.numpy(), tv.numpy())


@needs_torch
def test_ties_pick_the_first_maximum_and_route_the_gradient_there():
    x = np.zeros((1, 1, 4, 4), np.float32)
    x[0, 0, 1, 1] = x[0, 0, 0, 1] = 1.0  # two maxima in the first window
    d, t = _both(x)
    d.requires_grad_(), t.requires_grad_()
    dv, di = pool_ops.max_pool2d(d, 2, return_indices=True)
    tv, ti = torch.nn.functional.max_pool2d(t, 2, return_indices=True)
    np.testing.assert_array_equal(di.numpy(), ti.numpy())
    dv.sum().backward()
    tv.sum().backward()
    np.testing.assert_array_equal(d.grad.numpy(), t.grad.numpy())


@needs_torch
@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=(3, 2), stride=1), dict(kernel_size=2, dilation=2),
                                # stride phases read at several offsets, with gaps, mixed per axis
                                dict(kernel_size=2, stride=3), dict(kernel_size=(3, 2), stride=(2, 3), padding=1,
                                                                    dilation=(1, 2), ceil_mode=True),
                                dict(kernel_size=3, stride=2, padding=1, dilation=2)])
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_many_ties_pick_torchs_index(kw, dtype):
    """Values from {0, 1, 2}: most windows hold their maximum several times, at every position."""
    x = np.random.default_rng(9).integers(0, 3, (2, 3, 9, 10)).astype(dtype)
    d, t = _both(x)
    dv, di = pool_ops.max_pool2d(d, return_indices=True, **kw)
    tv, ti = torch.nn.functional.max_pool2d(t, return_indices=True, **kw)
    np.testing.assert_array_equal(di.numpy(), ti.numpy())
    np.testing.assert_array_equal(dv.numpy(), tv.numpy())
    if dtype == np.float32:
        d.requires_grad_(), t.requires_grad_()
        g = np.random.default_rng(10).standard_normal(tuple(tv.shape)).astype(np.float32)
        pool_ops.max_pool2d(d, **kw).backward(dyngrad.from_numpy(g))
        torch.nn.functional.max_pool2d(t, **kw).backward(torch.from_numpy(g))
        # overlapping windows add several gradients into one pixel, in another order than torch's
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


@needs_torch
@pytest.mark.parametrize("fn", ["max_pool2d", "adaptive_max_pool2d"])
def test_nan_propagates_like_torch(fn):
    x = np.arange(32, dtype=np.float32).reshape(1, 2, 4, 4)
    x[0, 0, 0, 1] = x[0, 1, 2, 2] = x[0, 1, 3, 3] = np.nan
    d, t = _both(x)
    dv, di = getattr(pool_ops, fn)(d, 2, return_indices=True)
    tv, ti = getattr(torch.nn.functional, fn)(t, 2, return_indices=True)
    np.testing.assert_array_equal(dv.numpy(), tv.numpy())  # NaNs in the same places
    np.testing.assert_array_equal(di.numpy(), ti.numpy())
    if fn == "max_pool2d":  # overlapping windows, padded: a NaN is in several windows
        dv, di = pool_ops.max_pool2d(d, 3, 2, 1, return_indices=True)
        tv, ti = torch.nn.functional.max_pool2d(t, 3, 2, 1, return_indices=True)
        np.testing.assert_array_equal(dv.numpy(), tv.numpy())
        np.testing.assert_array_equal(di.numpy(), ti.numpy())


def test_max_pool_backward_with_an_infinite_gradient_stays_local():
    x = dyngrad.from_numpy(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)).requires_grad_()
    y = pool_ops.max_pool2d(x, 2)
    y.backward(dyngrad.from_numpy(np.array([[[[np.inf, 1.0], [1.0, 1.0]]]], np.float32)))
    g = x.grad.numpy()[0, 0]
    assert g[1, 1] == np.inf and np.isfinite(np.delete(g.ravel(), 5)).all()


def test_integer_pooling_keeps_dtype():
    x = dyngrad.from_numpy(np.arange(16, dtype=np.int64).reshape(1, 1, 4, 4))
    assert pool_ops.max_pool2d(x, 2).dtype == dyngrad.int64
    assert pool_ops.max_pool2d(x, 2).numpy().ravel().tolist() == [5, 7, 13, 15]
    assert pool_ops.avg_pool2d(x, 2).dtype == dyngrad.int64


def _t(*shape):
    return dyngrad.from_numpy(np.ones(shape, np.float32))


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: pool_ops.max_pool2d(_t(3, 5), 3), RuntimeError,
         r"max_pool2d: Expected 3D \(unbatched\) or 4D \(batched\) non-empty input, but got input of size: \[3, 5\]"),
        (lambda: pool_ops.max_pool2d(_t(2, 3, 5, 5), 3, padding=2), RuntimeError,
         r"max_pool2d: pad should be at most half of effective kernel size, but got pad=2, kernel_size=3"),
        (lambda: pool_ops.max_pool2d(_t(2, 3, 2, 2), 3), RuntimeError,
         r"max_pool2d: Given input size: \(3x2x2\)\. Calculated output size: \(3x0x0\)\. Output size is too small"),
        (lambda: pool_ops.avg_pool2d(_t(2, 3, 2, 2), 3), RuntimeError, r"avg_pool2d: .*Output size is too small"),
        (lambda: pool_ops.avg_pool1d(_t(5), 2), RuntimeError, r"avg_pool1d: Expected 2D \(unbatched\) or 3D"),
        (lambda: pool_ops.max_pool2d(_t(1, 1, 4, 4), 0), RuntimeError, r"kernel_size should be greater than zero"),
        (lambda: pool_ops.adaptive_avg_pool2d(_t(5), 2), RuntimeError,
         r"adaptive_avg_pool2d\(\): Expected 3D or 4D tensor, but got \[5\]"),
        (lambda: pool_ops.adaptive_max_pool2d(dyngrad.from_numpy(np.zeros((1, 4, 4), np.int64)), 2),
         NotImplementedError, r"\"adaptive_max_pool2d\" not implemented for 'int64'"),
        (lambda: resize_ops.pad(_t(2, 5), (1, 1, 1)), RuntimeError, r"Padding length must be divisible by 2"),
        (lambda: resize_ops.pad(_t(2, 5), (1,) * 6), RuntimeError,
         r"Padding length should be less than or equal to two times the input dimension but got padding "
         r"length 6 and input of dimension 2"),
        (lambda: resize_ops.pad(_t(5), (1, 1), "reflect"), NotImplementedError,
         r"Padding size 2 is not supported for 1D input tensor"),
        (lambda: resize_ops.pad(_t(2, 3), (3, 0), "reflect"), RuntimeError,
         r"Padding size should be less than the corresponding input dimension.*\[2, 3\]"),
        (lambda: resize_ops.pad(_t(2, 5), (6, 6), "circular"), RuntimeError,
         r"Padding value causes wrapping around more than once"),
        (lambda: resize_ops.pad(_t(1, 2, 5), (1, 1), "foo"), NotImplementedError, r"Unrecognised padding mode foo"),
        (lambda: resize_ops.pad(_t(1, 2, 5), (1, 1), "reflect", value=1.0), RuntimeError,
         r"Padding mode \"reflect\" doesn't take in value argument"),
        (lambda: resize_ops.interpolate(_t(1, 2, 5, 5)), ValueError, r"either size or scale_factor should be defined"),
        (lambda: resize_ops.interpolate(_t(1, 2, 5, 5), size=3, scale_factor=2), ValueError,
         r"only one of size or scale_factor should be defined"),
        (lambda: resize_ops.interpolate(_t(1, 2, 5, 5), size=3, align_corners=True), ValueError,
         r"align_corners option can only be set with the interpolating modes"),
        (lambda: resize_ops.interpolate(_t(1, 2, 5, 5), size=3, mode="linear"), NotImplementedError,
         r"Got 4D input, but linear mode needs 3D input"),
    ],
)
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_pool_grad_fn_names():
    x = _t(1, 1, 4, 4).requires_grad_()
    assert pool_ops.max_pool2d(x, 2).grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    assert pool_ops.avg_pool2d(x, 2).grad_fn.name() == "AvgPool2DBackward0"
    assert resize_ops.pad(x, (1, 1, 1, 1), "reflect").grad_fn.name() == "ReflectionPad2DBackward0"


def test_inference_skips_argmax_bookkeeping():
    x = _t(1, 1, 4, 4)  # no grad: the op keeps nothing
    y = pool_ops.max_pool2d(x, 2)
    assert y.grad_fn is None and tuple(y.shape) == (1, 1, 2, 2)


def test_pooling_geometry_made_once_per_shape_and_arguments_still_checks_each_call():
    from dyngrad.ops import pooling

    F = dyngrad.nn.functional
    x = dyngrad.randn(2, 3, 8, 8)
    cache = pooling._cached_pool_geom
    cache.cache_clear()
    assert F.max_pool2d(x, 2).shape == (2, 3, 4, 4)
    assert F.max_pool2d(x, 2).shape == (2, 3, 4, 4) and cache.cache_info().currsize == 1
    assert F.max_pool2d(x, 3, 1).shape == (2, 3, 6, 6)  # other arguments, other entry
    assert F.avg_pool2d(x, (2, 2)).shape == (2, 3, 4, 4)
    assert F.max_pool2d(x, [2, 2]).shape == (2, 3, 4, 4)  # a list: made afresh, not kept
    assert cache.cache_info().currsize == 3
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.max_pool2d(x, 2, padding=2)  # an error is not kept either
