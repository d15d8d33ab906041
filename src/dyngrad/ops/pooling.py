"""Pooling: max/avg pooling over sliding windows, adaptive pooling.

A pooling runs one vectorised NumPy op per kernel position (kh*kw iterations over whole tensors),
never a loop over pixels or over the batch: average pooling over strided views of the padded
input, max pooling over contiguous slices of its stride phases (``_phase_planes``). Max pooling
keeps, per output, the kernel position of its maximum: its backward scatters the gradient there
with kh*kw strided writes (``MaxPoolScatter``), whose own backward gathers from the same
positions (``MaxPoolGather``): both linear, so double backward works. Average pooling is the
linear pair ``AvgPool``/``AvgPoolAdjoint``. Adaptive average pooling is avg_pool when the sizes
divide, else two matmuls with constant averaging matrices; adaptive max pooling keeps flat
indices and scatters with ``np.bincount``."""

from __future__ import annotations

import functools
import math

from .._numpy import np
from ..autograd.function import Op
from ._util import Tensor, _wrap, shape_str
from .linalg import matmul
from .reduction import mean
from .windows import _col2im, _Geom, _ints, _pad_zero

__all__ = [
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
    "adaptive_max_pool1d", "adaptive_max_pool2d",
]


# --- geometry and checks -----------------------------------------------------------------------


def _pool_out(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length; in ceil mode the last window must start inside the input
    or its left padding."""
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _pool_rank(x, nsp: int, op: str) -> bool:
    """True when ``x`` has a batch dim; PyTorch's error when its rank fits neither layout."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    nd = x._data.ndim
    if nd not in (nsp + 1, nsp + 2) or any(n == 0 for n in x._data.shape[1 if nd == nsp + 2 else 0:]):
        raise RuntimeError(
            f"{op}: Expected {nsp + 1}D (unbatched) or {nsp + 2}D (batched) non-empty input, but got "
            f"input of size: {shape_str(x._data.shape)}"
        )
    return nd == nsp + 2


def _int_arg(v) -> bool:
    return type(v) is int or v is None or (type(v) is tuple and all(type(e) is int for e in v))


def _pool_geom(op, nsp, x, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
    """(geometry, output size (Ho, Wo)) of a max/avg pooling; the padding at the high end is
    widened so that ceil-mode windows lie inside the padded buffer. Made once per input shape
    and int arguments (its checks cost more than a small pooling: 18 of 38 us on 8x4x4x5)."""
    batched = _pool_rank(x, nsp, op)
    args = (kernel_size, stride, padding, dilation)
    make = _cached_pool_geom if all(_int_arg(v) for v in args) else _new_pool_geom
    return make(op, nsp, x._data.shape, batched, *args, bool(ceil_mode))


def _new_pool_geom(op, nsp, shape, batched, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
    kernel = _ints(kernel_size, nsp, "kernel_size", op)
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _ints(
        stride, nsp, "stride", op)
    pads, dilation = _ints(padding, nsp, "padding", op), _ints(dilation, nsp, "dilation", op)
    for values, what in ((kernel, "kernel_size"), (stride, "stride"), (dilation, "dilation")):
        if any(v <= 0 for v in values):
            raise RuntimeError(f"{op}: {what} should be greater than zero, but got {what}={list(values)}")
    size = shape[-nsp:]
    for p, k, d in zip(pads, kernel, dilation):
        if p < 0 or p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(
                f"{op}: pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d}"
            )
    out = tuple(_pool_out(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip(size, kernel, stride, pads, dilation))
    if any(o < 1 for o in out):
        lead = shape[-nsp - 1]
        raise RuntimeError(
            f"{op}: Given input size: ({'x'.join(map(str, (lead, *size)))}). Calculated output size: "
            f"({'x'.join(map(str, (lead, *out)))}). Output size is too small"
        )
    widened = tuple(
        (p, max(p, (o - 1) * s + d * (k - 1) + 1 - n - p))
        for n, k, s, p, d, o in zip(size, kernel, stride, pads, dilation, out)
    )
    geom = _Geom(kernel, stride, widened, dilation, 1, nsp, batched)
    return geom, ((1, *out) if nsp == 1 else out)


_cached_pool_geom = functools.lru_cache(maxsize=1024)(_new_pool_geom)

def _positions(geom: _Geom) -> list:
    """(k, row offset, col offset) of each kernel position k = i * kw + j."""
    (kh, kw), (dh, dw) = geom.kernel, geom.dilation
    return [(i * kw + j, i * dh, j * dw) for i in range(kh) for j in range(kw)]


def _strided(a4: np.ndarray, geom: _Geom, r: int, c: int, out_hw: tuple) -> np.ndarray:
    (sh, sw), (ho, wo) = geom.stride, out_hw
    return a4[:, :, r:r + sh * (ho - 1) + 1:sh, c:c + sw * (wo - 1) + 1:sw]


def _overlapping(geom: _Geom) -> bool:
    return any(s < d * (k - 1) + 1 for k, s, d in zip(geom.kernel, geom.stride, geom.dilation))


def _padded_shape(geom: _Geom, shape4: tuple) -> tuple:
    (pt, pb), (pl, pr) = geom.pads
    return shape4[:2] + (shape4[2] + pt + pb, shape4[3] + pl + pr)


# --- max pooling -------------------------------------------------------------------------------


def _phase_planes(x4: np.ndarray, geom: _Geom, out_hw: tuple, fill) -> tuple:
    """The padded ``x4`` split by stride phase, and every kernel position's window values as a
    flat, contiguous slice of it. Phase plane (r, s) holds the padded pixels (a*sh + r, b*sw + s)
    at (a, b), so kernel position (i, j) of output (y, x) is entry (y + i*dh // sh, x + j*dw // sw)
    of plane (i*dh % sh, j*dw % sw): over the flattened planes, one offset per position. Entry k
    of every slice then belongs to output k of the (N, C, Hq, Wq) layout, whose [:, :, :Ho, :Wo]
    are the real outputs (the rest is overhang, computed and dropped). Returns (slices, that
    layout). Strided window views would instead give ufunc loops over rows of Wo entries with
    stride sw; here each ufunc runs over one contiguous run."""
    (kh, kw), (sh, sw), (dh, dw) = geom.kernel, geom.stride, geom.dilation
    (pt, _), (pl, _) = geom.pads
    n, c, h, w = x4.shape
    ho, wo = out_hw
    hq, wq = ho + (kh - 1) * dh // sh, wo + (kw - 1) * dw // sw
    planes = np.full((sh, sw, n, c, hq, wq), fill, x4.dtype)
    for r in range(sh):
        a0 = -(-(pt - r) // sh) if pt > r else 0  # the plane's first row inside the input
        y0 = a0 * sh + r - pt
        rows = min(hq - a0, -(-(h - y0) // sh))
        for q in range(sw):
            b0 = -(-(pl - q) // sw) if pl > q else 0
            x0 = b0 * sw + q - pl
            cols = min(wq - b0, -(-(w - x0) // sw))
            if rows > 0 and cols > 0:
                planes[r, q, :, :, a0:a0 + rows, b0:b0 + cols] = \
                    x4[:, :, y0:y0 + (rows - 1) * sh + 1:sh, x0:x0 + (cols - 1) * sw + 1:sw]
    flat = planes.reshape(sh, sw, -1)
    offsets = [((i * dh) % sh, (j * dw) % sw, (i * dh) // sh * wq + (j * dw) // sw)
               for i in range(kh) for j in range(kw)]
    span = flat.shape[2] - offsets[-1][2]  # the last position has the largest offset
    return [flat[r, q, o:o + span] for r, q, o in offsets], (n, c, hq, wq)


def _max_windows(x4: np.ndarray, geom: _Geom, out_hw: tuple, need_arg: bool) -> tuple:
    """Max over each window and (if ``need_arg``) the kernel position 0 .. kh*kw-1 of its first
    occurrence, as PyTorch picks it; a NaN wins (the last NaN of its window, as in PyTorch)."""
    kind = x4.dtype.kind
    fill = -np.inf if kind == "f" else (np.iinfo(x4.dtype).min if kind in "iu" else False)
    cands, layout = _phase_planes(x4, geom, out_hw, fill)
    span = cands[0].shape[0]
    best = np.empty(math.prod(layout), x4.dtype)  # the whole layout, so that it can be cropped
    head = best[:span]
    if len(cands) == 1:
        np.copyto(head, cands[0])
    else:
        np.maximum(cands[0], cands[1], out=head)
        for cand in cands[2:]:
            np.maximum(head, cand, out=head)  # unmasked ufuncs: several times faster than masked writes
    if not need_arg:
        return _outputs_of(best, layout, out_hw), None
    arg = np.zeros(best.shape, np.uint8 if len(cands) <= 256 else np.int32)
    # (a NaN read only by the overhang's windows takes the exact path too: same results, slower)
    if kind == "f" and np.isnan(head).any():
        _max_windows_nan(cands, head, arg[:span])
    else:
        # the first position equal to the max, as ne0 * (1 + ne1 * (1 + ... ne[kk-2])) with ne_k
        # "position k is not the max": plain unmasked ufuncs, three per position
        ne = np.empty(span, bool)
        arg_head = arg[:span]
        for cand in reversed(cands[:-1]):
            np.not_equal(cand, head, out=ne)
            arg_head += 1
            np.multiply(arg_head, ne, out=arg_head)
    return _outputs_of(best, layout, out_hw), _outputs_of(arg, layout, out_hw)


def _outputs_of(flat: np.ndarray, layout: tuple, out_hw: tuple) -> np.ndarray:
    """The real outputs (N, C, Ho, Wo) of values laid out over ``_phase_planes``'s (N, C, Hq, Wq)."""
    return np.ascontiguousarray(flat.reshape(layout)[:, :, :out_hw[0], :out_hw[1]])


def _max_windows_nan(cands: list, best: np.ndarray, arg: np.ndarray) -> None:
    """Into ``best`` and ``arg`` (zeros): the exact running max/argmax with PyTorch's rule
    ``val > max or isnan(val)``."""
    np.copyto(best, cands[0])
    for k, cand in enumerate(cands[1:], 1):
        take = (cand > best) | np.isnan(cand)
        np.copyto(best, cand, where=take)
        np.putmask(arg, take, k)


def _flat_indices(arg: np.ndarray, geom: _Geom, width: int, padded: bool = False) -> np.ndarray:
    """Kernel positions as flat indices (row * width + col) within each input plane: PyTorch's
    indices, or (``padded``) indices into the padded planes."""
    (kh, kw), (sh, sw), (dh, dw) = geom.kernel, geom.stride, geom.dilation
    (pt, _), (pl, _) = ((0, 0), (0, 0)) if padded else geom.pads
    ho, wo = arg.shape[2:]
    idx = np.array([i * dh * width + j * dw for i in range(kh) for j in range(kw)], np.intp)[arg]
    idx += ((np.arange(ho) * sh - pt) * width)[:, None] + (np.arange(wo) * sw - pl)
    return idx


def _buffer_indices(arg: np.ndarray, geom: _Geom, padded: tuple) -> np.ndarray:
    """Flat indices into a whole padded (N, C, Hp, Wp) buffer of each window's argmax."""
    n, c, hp, wp = padded
    idx = _flat_indices(arg, geom, wp, padded=True)
    idx += (np.arange(n * c) * (hp * wp)).reshape(n, c, 1, 1)
    return idx


class MaxPool(Op):
    """Max over windows; keeps the argmax kernel positions for backward."""

    _release_attrs = ("arg",)

    def forward(self, x, *, geom: _Geom, out_hw: tuple, return_indices: bool):
        x4 = geom.to4(x._data)
        out, arg = _max_windows(x4, geom, out_hw, bool(self.needs_input_grad) or return_indices)
        if self.needs_input_grad:
            self.geom, self.arg, self.shape4 = geom, arg, x4.shape
        if return_indices:
            return geom.from4(out), geom.from4(_flat_indices(arg, geom, x4.shape[3]).astype(np.int64, copy=False))
        return geom.from4(out)

    def backward(self, g, _indices_grad=None):
        return MaxPoolScatter.apply(g, geom=self.geom, arg=self.arg, shape4=self.shape4)

    def name(self) -> str:
        return f"MaxPool{self.geom.nsp}DWithIndicesBackward0"


class MaxPoolScatter(Op):
    """Gradient of max pooling: each output's gradient goes to its window's argmax."""

    _release_attrs = ("arg",)

    def forward(self, g, *, geom: _Geom, arg: np.ndarray, shape4: tuple):
        g4 = geom.to4(g._data)
        out_hw = g4.shape[2:]
        self.geom, self.arg, self.shape4 = geom, arg, shape4
        padded = _padded_shape(geom, shape4)
        if _overlapping(geom):  # one unbuffered add per window, in PyTorch's order
            gp = np.zeros(padded, g4.dtype)
            # flat 1-D operands: NumPy's fast path for add.at
            np.add.at(gp.reshape(-1), _buffer_indices(arg, geom, padded).reshape(-1), g4.reshape(-1))
        else:
            # windows that tile the buffer exactly write every entry once: no zero fill needed
            tiled = geom.kernel == geom.stride and geom.dilation == (1, 1) and padded[2:] == (
                out_hw[0] * geom.stride[0], out_hw[1] * geom.stride[1])
            # g * hit is much faster than a masked write, but inf * 0 would leak NaN elsewhere
            finite = g4.dtype.kind != "f" or np.isfinite(g4.sum())
            gp = (np.empty if tiled else np.zeros)(padded, g4.dtype)
            for k, r, c in _positions(geom):  # disjoint windows: each padded pixel written once
                view = _strided(gp, geom, r, c, out_hw)
                if finite:
                    np.multiply(g4, arg == k, out=view)
                else:
                    np.copyto(view, np.where(arg == k, g4, 0))
        (pt, _), (pl, _) = geom.pads
        h, w = shape4[2:]
        return geom.from4(np.ascontiguousarray(gp[:, :, pt:pt + h, pl:pl + w]))

    def backward(self, h):
        return MaxPoolGather.apply(h, geom=self.geom, arg=self.arg)


class MaxPoolGather(Op):
    """The adjoint of ``MaxPoolScatter``: reads each window's argmax entry of ``h``."""

    _release_attrs = ("arg",)

    def forward(self, h, *, geom: _Geom, arg: np.ndarray):
        h4 = geom.to4(h._data)
        self.geom, self.arg, self.shape4 = geom, arg, h4.shape
        hp = np.ascontiguousarray(_pad_zero(h4, geom.pads))
        out = hp.reshape(-1)[_buffer_indices(arg, geom, hp.shape)]
        return geom.from4(out)

    def backward(self, g):
        return MaxPoolScatter.apply(g, geom=self.geom, arg=self.arg, shape4=self.shape4)


def _max_pool(op, nsp, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    geom, out_hw = _pool_geom(op, nsp, input, kernel_size, stride, padding, dilation, ceil_mode)
    if input._data.dtype == np.bool_:
        raise RuntimeError(f'"{op}" not implemented for \'Bool\'')
    return MaxPool.apply(input, geom=geom, out_hw=out_hw, return_indices=bool(return_indices))


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """1-D max pooling of (N, C, L) or (C, L); with return_indices also the argmax positions."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """2-D max pooling of (N, C, H, W) or (C, H, W); indices are flat (h * W + w) per plane."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


# --- average pooling ---------------------------------------------------------------------------


class AvgPool(Op):
    """Window sums divided by ``divisor`` (a scalar or a per-output-position array)."""

    _release_attrs = ("divisor",)

    def forward(self, x, *, geom: _Geom, out_hw: tuple, divisor):
        x4 = geom.to4(x._data)
        self.geom, self.shape4, self.divisor = geom, x4.shape, divisor
        xp = _pad_zero(x4, geom.pads)
        total = None
        for _k, r, c in _positions(geom):
            view = _strided(xp, geom, r, c, out_hw)
            total = view.copy() if total is None else np.add(total, view, out=total)
        if total.dtype.kind == "f":
            total /= divisor
        else:  # integer pooling truncates, as PyTorch's integer division does
            total = (total / divisor).astype(total.dtype)
        return geom.from4(total)

    def backward(self, g):
        return AvgPoolAdjoint.apply(g, geom=self.geom, shape4=self.shape4, divisor=self.divisor)

    def name(self) -> str:
        return f"AvgPool{self.geom.nsp}DBackward0"


class AvgPoolAdjoint(Op):
    """Gradient of average pooling: each output's gradient / divisor spread over its window."""

    stateless = True

    def forward(self, g, *, geom: _Geom, shape4: tuple, divisor):
        g4 = geom.to4(g._data)
        self.geom, self.shape4, self.divisor, self.out_hw = geom, shape4, divisor, g4.shape[2:]
        scaled = g4 / np.asarray(divisor, g4.dtype)
        kh, kw = geom.kernel
        d = np.broadcast_to(scaled[:, :, None, None], scaled.shape[:2] + (kh, kw) + scaled.shape[2:])
        return geom.from4(np.ascontiguousarray(_col2im(d, geom, shape4[2:])))

    def backward(self, h):
        return AvgPool.apply(h, geom=self.geom, out_hw=self.out_hw, divisor=self.divisor)


def _divisor(geom: _Geom, size: tuple, out_hw: tuple, count_include_pad: bool, divisor_override, dtype):
    """What each window sum is divided by: the override, or per output position the window's
    size clipped to the padded input (count_include_pad) or to the input."""
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("avg_pool: divisor must be not zero")
        return dtype.type(divisor_override)
    factors = []
    for n, k, s, (p, _), o in zip(size, geom.kernel, geom.stride, geom.pads, out_hw):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if count_include_pad:
            factors.append(end - start)
        else:
            factors.append(np.minimum(end, n) - np.maximum(start, 0))
    div = np.multiply.outer(*factors).astype(dtype if dtype.kind == "f" else np.float64)
    return div.reshape(()) if div.size == 1 else div


def _avg_pool(op, nsp, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    geom, out_hw = _pool_geom(op, nsp, input, kernel_size, stride, padding, 1, ceil_mode)
    if input._data.dtype == np.bool_:
        raise RuntimeError(f'"{op}" not implemented for \'Bool\'')
    size = (1, *input._data.shape[-1:]) if nsp == 1 else input._data.shape[-2:]
    div = _divisor(geom, size, out_hw, count_include_pad, divisor_override, input._data.dtype)
    return AvgPool.apply(input, geom=geom, out_hw=out_hw, divisor=div)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling of (N, C, L) or (C, L)."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """2-D average pooling of (N, C, H, W) or (C, H, W)."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# --- adaptive pooling --------------------------------------------------------------------------


def _adaptive_sizes(op: str, nsp: int, input, output_size) -> tuple:
    """(batched, input spatial size, output spatial size); None in output_size keeps the input's."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    nd = input._data.ndim
    if nd not in (nsp + 1, nsp + 2):
        raise RuntimeError(
            f"{op}(): Expected {nsp + 1}D or {nsp + 2}D tensor, but got {shape_str(input._data.shape)}"
        )
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"{op}" not implemented for \'{input.dtype.name}\'')
    size = tuple(input._data.shape[-nsp:])
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * nsp
    output_size = tuple(output_size)
    if len(output_size) != nsp:
        raise RuntimeError(f"{op}: output_size must be {nsp} ints, but got {list(output_size)}")
    out = tuple(n if o is None else int(o) for n, o in zip(size, output_size))
    if any(o < 0 for o in out):
        raise RuntimeError(f"{op}: elements of output_size must be non-negative, but got {list(out)}")
    if any(n == 0 for n in size):
        raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, "
                           f"but input has sizes {shape_str(input._data.shape)}")
    return nd == nsp + 2, size, out


def _bounds(n: int, o: int) -> tuple:
    """Adaptive windows along one axis: [floor(i*n/o), ceil((i+1)*n/o))."""
    i = np.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)


def _averaging_matrix(n: int, o: int, dtype) -> np.ndarray:
    start, end = _bounds(n, o)
    cols = np.arange(n)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _adaptive_avg(op: str, nsp: int, input, output_size) -> Tensor:
    batched, size, out = _adaptive_sizes(op, nsp, input, output_size)
    if all(o == 1 for o in out):
        return mean(input, tuple(range(-nsp, 0)), keepdim=True)
    if all(o and n % o == 0 for n, o in zip(size, out)):  # regular windows: plain average pooling
        kernel = tuple(n // o for n, o in zip(size, out))
        geom = _Geom(kernel, kernel, ((0, 0),) * nsp, (1,) * nsp, 1, nsp, batched)
        out_hw = (1, *out) if nsp == 1 else out
        return AvgPool.apply(input, geom=geom, out_hw=out_hw, divisor=input._data.dtype.type(math.prod(kernel)))
    dt = input._data.dtype
    result = input
    if nsp == 2:
        result = matmul(_wrap(_averaging_matrix(size[0], out[0], dt)), result)
    return matmul(result, _wrap(np.ascontiguousarray(_averaging_matrix(size[-1], out[-1], dt).T)))


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, L) or (C, L) to ``output_size`` windows of near-equal length."""
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, H, W) or (C, H, W) to an ``output_size`` grid of windows."""
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def _adaptive_max_windows(x4: np.ndarray, out: tuple) -> tuple:
    """Max and flat index over adaptive windows: one gather per offset inside the largest
    window; shorter windows repeat their last element (never a strictly greater value)."""
    h, w = x4.shape[2:]
    (rs, re), (cs, ce) = _bounds(h, out[0]), _bounds(w, out[1])
    best = idx = None
    nan_aware = np.isnan(np.max(x4)) if x4.size else False
    for a in range(int((re - rs).max())):
        rows = np.minimum(rs + a, re - 1)[:, None]
        for b in range(int((ce - cs).max())):
            cols = np.minimum(cs + b, ce - 1)[None, :]
            cand = x4[:, :, rows, cols]
            flat = rows * w + cols
            if best is None:
                best, idx = cand, np.broadcast_to(flat, cand.shape).copy()
                continue
            take = cand > best
            if nan_aware:
                take |= np.isnan(cand)
            np.copyto(best, cand, where=take)
            np.copyto(idx, flat, where=take)
    return best, idx


class AdaptiveMaxPool(Op):
    _release_attrs = ("idx",)

    def forward(self, x, *, geom: _Geom, out_hw: tuple, return_indices: bool):
        x4 = geom.to4(x._data)
        out, idx = _adaptive_max_windows(x4, out_hw)
        if self.needs_input_grad:
            self.geom, self.idx, self.shape4 = geom, idx, x4.shape
        if return_indices:
            return geom.from4(out), geom.from4(idx)
        return geom.from4(out)

    def backward(self, g, _indices_grad=None):
        return PlaneScatter.apply(g, geom=self.geom, idx=self.idx, shape4=self.shape4)

    def name(self) -> str:
        return f"AdaptiveMaxPool{self.geom.nsp}DBackward0"


class PlaneScatter(Op):
    """Adds each entry of g (N, C, Ho, Wo) at its flat index in its (H, W) plane."""

    _release_attrs = ("idx",)

    def forward(self, g, *, geom: _Geom, idx: np.ndarray, shape4: tuple):
        g4 = geom.to4(g._data)
        self.geom, self.idx, self.shape4 = geom, idx, shape4
        n, c, h, w = shape4
        planes = np.arange(n * c, dtype=np.int64)[:, None] * (h * w)
        where = (idx.reshape(n * c, -1) + planes).ravel()
        out = np.bincount(where, weights=g4.reshape(-1), minlength=n * c * h * w)
        return geom.from4(out.astype(g4.dtype, copy=False).reshape(shape4))

    def backward(self, h):
        return PlaneGather.apply(h, geom=self.geom, idx=self.idx)


class PlaneGather(Op):
    """The adjoint of ``PlaneScatter``: reads h (N, C, H, W) at the flat indices."""

    _release_attrs = ("idx",)

    def forward(self, h, *, geom: _Geom, idx: np.ndarray):
        h4 = geom.to4(h._data)
        self.geom, self.idx, self.shape4 = geom, idx, h4.shape
        n, c = h4.shape[:2]
        got = np.take_along_axis(h4.reshape(n, c, -1), idx.reshape(n, c, -1), axis=2)
        return geom.from4(got.reshape(idx.shape))

    def backward(self, g):
        return PlaneScatter.apply(g, geom=self.geom, idx=self.idx, shape4=self.shape4)


def _adaptive_max(op: str, nsp: int, input, output_size, return_indices: bool):
    batched, size, out = _adaptive_sizes(op, nsp, input, output_size)
    if any(o == 0 for o in out):
        raise RuntimeError(f"{op}: output_size must be positive, but got {list(out)}")
    geom = _Geom((1,) * nsp, (1,) * nsp, ((0, 0),) * nsp, (1,) * nsp, 1, nsp, batched)
    out_hw = (1, *out) if nsp == 1 else out
    return AdaptiveMaxPool.apply(input, geom=geom, out_hw=out_hw, return_indices=bool(return_indices))


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, L) or (C, L) to ``output_size`` windows; indices flat per plane."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling of (N, C, H, W) or (C, H, W) to an ``output_size`` grid; indices flat per plane."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)

