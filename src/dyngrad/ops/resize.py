"""Padding and resampling: ``pad`` (constant, reflect, replicate, circular) and ``interpolate``
(nearest, linear, bilinear).

Constant padding is its own adjoint with the pads negated (negative pads crop), so its backward
is the same op. The other modes pair ``Pad`` with ``PadAdjoint``, which folds the gradient of the
border back onto the entries the border copied. Linear/bilinear interpolation is separable: one
matmul per resized axis with a constant (out, in) interpolation matrix; nearest is an index
gather. Both are then differentiable to any order by the ops they are made of."""

from __future__ import annotations

import math

from .._numpy import np
from ..autograd.function import Op
from ._util import Tensor, _wrap, shape_str
from .indexing import getitem
from .linalg import matmul

__all__ = ["pad", "interpolate"]


# --- pad ---------------------------------------------------------------------------------------


def _pairs(pad: tuple, ndim: int) -> list:
    """[(axis, lo, hi)] from PyTorch's pad tuple (last dim first)."""
    return [(ndim - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)]


def _constant_pad(a: np.ndarray, pairs: list, value) -> np.ndarray:
    crop = [slice(None)] * a.ndim
    for axis, lo, hi in pairs:
        crop[axis] = slice(max(-lo, 0), a.shape[axis] - max(-hi, 0))
    a = a[tuple(crop)]
    grow = [(0, 0)] * a.ndim
    for axis, lo, hi in pairs:
        grow[axis] = (max(lo, 0), max(hi, 0))
    if not any(lo or hi for lo, hi in grow):
        return a.copy()
    out = np.full(tuple(n + lo + hi for n, (lo, hi) in zip(a.shape, grow)), value, a.dtype)
    out[tuple(slice(lo, lo + n) for n, (lo, _) in zip(a.shape, grow))] = a
    return out


class ConstantPad(Op):
    """Pads with ``value`` (negative pads crop); the gradient is the same op with the pads negated."""

    stateless = True

    def forward(self, x, *, pairs: list, value):
        self.pairs = pairs
        return _constant_pad(x._data, pairs, value)

    def backward(self, g):
        return ConstantPad.apply(g, pairs=[(axis, -lo, -hi) for axis, lo, hi in self.pairs], value=0)

    def name(self) -> str:
        return "ConstantPadNdBackward0"


_NUMPY_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _take(a: np.ndarray, axis: int, sl: slice) -> np.ndarray:
    key = [slice(None)] * a.ndim
    key[axis] = sl
    return a[tuple(key)]


def _pad_adjoint(g: np.ndarray, pairs: list, mode: str) -> np.ndarray:
    """Sum the gradient of the padded border back into the entries it was copied from."""
    for axis, lo, hi in pairs:
        n = g.shape[axis] - lo - hi
        core = _take(g, axis, slice(lo, lo + n)).copy()
        left, right = _take(g, axis, slice(0, lo)), _take(g, axis, slice(lo + n, None))
        if mode == "reflect":  # left border is x[lo], ..., x[1]; right is x[n-2], ..., x[n-1-hi]
            _take(core, axis, slice(1, lo + 1))[...] += np.flip(left, axis)
            _take(core, axis, slice(n - 1 - hi, n - 1))[...] += np.flip(right, axis)
        elif mode == "replicate":
            _take(core, axis, slice(0, 1))[...] += left.sum(axis, keepdims=True)
            _take(core, axis, slice(n - 1, n))[...] += right.sum(axis, keepdims=True)
        else:  # circular: left border is x[n-lo:], right border is x[:hi]
            _take(core, axis, slice(n - lo, n))[...] += left
            _take(core, axis, slice(0, hi))[...] += right
        g = core
    return g


class Pad(Op):
    """reflect / replicate / circular padding of the last dims."""

    stateless = True

    def forward(self, x, *, pairs: list, mode: str):
        self.pairs, self.mode = pairs, mode
        widths = [(0, 0)] * x._data.ndim
        for axis, lo, hi in pairs:
            widths[axis] = (lo, hi)
        return np.pad(x._data, widths, mode=_NUMPY_MODE[mode])

    def backward(self, g):
        return PadAdjoint.apply(g, pairs=self.pairs, mode=self.mode)

    def name(self) -> str:
        return {"reflect": "ReflectionPad", "replicate": "ReplicationPad", "circular": "CircularPad"}[
            self.mode] + f"{len(self.pairs)}DBackward0"


class PadAdjoint(Op):
    stateless = True

    def forward(self, g, *, pairs: list, mode: str):
        self.pairs, self.mode = pairs, mode
        return np.ascontiguousarray(_pad_adjoint(g._data, pairs, mode))

    def backward(self, h):
        return Pad.apply(h, pairs=self.pairs, mode=self.mode)


def _check_mode_pad(input: Tensor, pairs: list, mode: str) -> None:
    nd, npad = input._data.ndim, len(pairs)
    if npad not in (1, 2, 3) or nd not in (npad + 1, npad + 2):
        raise NotImplementedError(
            f"pad: Padding size {2 * npad} is not supported for {nd}D input tensor (mode '{mode}').\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    shape = input._data.shape
    for axis, lo, hi in pairs:
        n = shape[axis]
        if min(lo, hi) < 0:
            raise RuntimeError(f"pad: negative padding {(lo, hi)} is only supported in 'constant' mode")
        if mode == "reflect" and max(lo, hi) >= n:
            raise RuntimeError(
                f"pad: Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({lo}, {hi}) at dimension {axis} of input {shape_str(shape)}"
            )
        if mode == "circular" and max(lo, hi) > n:
            raise RuntimeError(
                f"pad: Padding value causes wrapping around more than once (padding ({lo}, {hi}) at "
                f"dimension {axis} of input {shape_str(shape)})"
            )
        if mode == "replicate" and n == 0 and (lo or hi):
            raise RuntimeError(f"pad: cannot replicate-pad the empty dimension {axis} of input {shape_str(shape)}")


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims: pad = (last_lo, last_hi, prev_lo, prev_hi, ...)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    pad = tuple(pad)
    if len(pad) % 2:
        raise RuntimeError(f"pad: Padding length must be divisible by 2 (got pad={list(pad)})")
    nd = input._data.ndim
    if len(pad) > 2 * nd:
        raise RuntimeError(
            f"pad: Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {nd}"
        )
    pairs = _pairs(pad, nd)
    if mode == "constant":
        shape = input._data.shape
        for axis, lo, hi in pairs:
            if shape[axis] + lo + hi < 0:
                raise RuntimeError(
                    f"pad: The input size {shape[axis]}, plus negative padding {lo} and {hi} resulted "
                    f"in a negative output size, which is invalid. Check dimension {axis} of your input."
                )
        return ConstantPad.apply(input, pairs=pairs, value=0 if value is None else value)
    if mode not in _NUMPY_MODE:
        raise NotImplementedError(
            f"pad: Unrecognised padding mode {mode} (expected 'constant', 'reflect', 'replicate' or 'circular')"
        )
    if value is not None and value != 0:
        raise RuntimeError(f'pad: Padding mode "{mode}" doesn\'t take in value argument')
    _check_mode_pad(input, pairs, mode)
    return Pad.apply(input, pairs=pairs, mode=mode)


# --- interpolate -------------------------------------------------------------------------------

_MODE_DIMS = {"linear": 1, "bilinear": 2}


def _nearest_index(n_in: int, n_out: int, scale) -> np.ndarray:
    """PyTorch's 'nearest' source index: floor(dst * scale) in float32, clamped."""
    s = np.float32(1.0 / scale) if scale else np.float32(n_in / n_out)
    src = np.floor(np.arange(n_out, dtype=np.float32) * s).astype(np.int64)
    return np.minimum(src, n_in - 1)


def _linear_matrix(n_in: int, n_out: int, align_corners: bool, scale, dtype) -> np.ndarray:
    """(n_out, n_in) matrix of 1-D linear interpolation weights, PyTorch's source-index rule."""
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        ratio = 1.0 / scale if scale else n_in / n_out
        src = np.maximum(ratio * (dst + 0.5) - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = src - i0
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    np.add.at(m, (rows, i0), 1.0 - lam)
    np.add.at(m, (rows, i1), lam)
    return m.astype(dtype)


def _out_sizes(input: Tensor, nsp: int, size, scale_factor, recompute_scale_factor) -> tuple:
    """(output sizes, per-dim scale used for source indices or None)."""
    spatial = input._data.shape[2:]
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = (size,) * nsp if isinstance(size, (int, np.integer)) else tuple(size)
        if len(sizes) != nsp:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {list(spatial)} and output size of {list(sizes)}. Please provide "
                "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format."
            )
        return tuple(int(s) for s in sizes), (None,) * nsp
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = (scale_factor,) * nsp if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
    if len(scales) != nsp:
        raise ValueError(
            f"Input and scale_factor must have the same number of spatial dimensions, but got input with "
            f"spatial dimensions of {list(spatial)} and scale_factor of shape {list(scales)}."
        )
    sizes = tuple(int(math.floor(n * float(s))) for n, s in zip(spatial, scales))
    return sizes, ((None,) * nsp if recompute_scale_factor else tuple(float(s) for s in scales))


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims of (N, C, L) or (N, C, H, W): modes 'nearest', 'linear', 'bilinear'."""
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): argument 'input' must be Tensor, not {type(input).__name__}")
    nd = input._data.ndim
    if mode == "nearest":
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: linear | bilinear | "
                "bicubic | trilinear"
            )
        if nd not in (3, 4):
            raise NotImplementedError(
                f"interpolate: mode 'nearest' supports 3D and 4D input, got input of size {shape_str(input.shape)}"
            )
    elif mode in _MODE_DIMS:
        if nd != _MODE_DIMS[mode] + 2:
            raise NotImplementedError(f"Got {nd}D input, but {mode} mode needs {_MODE_DIMS[mode] + 2}D input")
    else:
        raise NotImplementedError(
            f"interpolate: mode '{mode}' is not supported (supported: 'nearest', 'linear', 'bilinear')"
        )
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    nsp = nd - 2
    sizes, scales = _out_sizes(input, nsp, size, scale_factor, recompute_scale_factor)
    if any(s <= 0 for s in sizes):
        raise RuntimeError(
            f"interpolate: Input and output sizes should be greater than 0, but got input "
            f"{list(input._data.shape[2:])} and output {list(sizes)}"
        )
    spatial = input._data.shape[2:]
    if mode == "nearest":
        if input._data.dtype.kind != "f":
            raise NotImplementedError(f'"upsample_nearest{nsp}d" not implemented for \'{input.dtype.name}\'')
        idx = [_nearest_index(n, o, s) for n, o, s in zip(spatial, sizes, scales)]
        if nsp == 1:
            return getitem(input, (slice(None), slice(None), idx[0]))
        return getitem(input, (slice(None), slice(None), idx[0][:, None], idx[1][None, :]))
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"upsample_{mode}" not implemented for \'{input.dtype.name}\'')
    dt = input._data.dtype
    mats = [_linear_matrix(n, o, bool(align_corners), s, dt) for n, o, s in zip(spatial, sizes, scales)]
    out = input
    if nsp == 2:
        out = matmul(_wrap(mats[0]), out)
    return matmul(out, _wrap(np.ascontiguousarray(mats[-1].T)))
