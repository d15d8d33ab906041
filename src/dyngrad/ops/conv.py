"""Convolutions (1-D and 2-D, plain and transposed) and im2col/col2im (``unfold``/``fold``).

Every convolution is BLAS matmuls: the windows of the zero-padded input are a strided view
(``as_strided``, no copy), copied chunk by chunk of the batch into the column matrix
(C*kh*kw, images*L) and multiplied by the weight matrix. Three primitives cover a convolution and
all its derivatives:

* ``Conv``            y  = conv(x, w)              (+ bias)
* ``ConvInputGrad``   dx = conv_input_grad(g, w)   (its adjoint in x; also conv_transpose)
* ``ConvWeightGrad``  dw = conv_weight_grad(x, g)  (its adjoint in w)

Each is bilinear and the derivatives of each are the other two, so the backward of any of them
is built from the three and double backward works. ``Unfold`` (im2col) and ``Fold`` (col2im) are
each other's adjoints. 1-D ops run as 2-D ops on a height-1 view, unbatched inputs on a batch of
one: ``_Geom`` carries the window geometry and the reshapes."""

from __future__ import annotations

import math

from .._numpy import np
from ..autograd.function import Op
from ._util import Tensor, shape_str
from .reduction import sum as _sum
from .windows import _col2im, _Geom, _im2col, _ints, _pad_zero, _windows

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]


# --- the three convolution kernels on arrays --------------------------------------------------
#
# Each kernel walks the batch in chunks of images, with one GEMM per chunk over its folded column
# matrix (C*kh*kw, images*Ho*Wo). A chunk's columns (or the GEMM result that col2im sums) stay in
# cache between the copy that makes them and the GEMM that reads them, and no batch-sized
# temporary is allocated. Measured on the s08/s09 training steps, that made the whole step ~9%
# faster than one GEMM per image over a stored batch-wide column matrix, which ran mostly from
# fresh, page-faulting memory; so the weight gradient rebuilds the columns, chunk by chunk (kept
# from the forward instead, the s08 step measured 10% slower). From _PER_IMAGE positions per
# image, the forward and the weight gradient run one GEMM per image of the chunk instead, which
# writes its (O, Ho*Wo) block of the output, or reads g, in place: no transposing copy (measured
# 0.65-1.0x of the per-chunk GEMM and copy there; 1.34x at 7x7 positions). An image whose column
# matrix alone is over _BAND_FROM chunks is done in bands of output rows, a chunk each, for the
# same reason as the chunks: a 3x3 convolution of 64 channels at 56x56 (7 chunks; a ResNet-18's
# first stage at 224x224) measured 0.71x forward, 0.78x weight gradient; at 1.7 to 3.4 chunks
# (the s09 ResNet's stem and 28x28 stage) 0.95-1.08x, so those stay whole.

_CHUNK = 1 << 18  # elements of a chunk's column matrix: 1 MiB in float32, about an L2 cache
_MIN_WIDTH = 512  # GEMM columns per chunk at least: narrower ones run BLAS inefficiently
_PER_IMAGE = 256
_BAND_FROM = 4


def _chunks(n: int, rows: int, positions: int) -> list:
    """Batch slices (n0, n1) whose column matrices have ``rows`` x images*``positions`` entries."""
    step = max(1, _CHUNK // max(1, rows * positions), -(-_MIN_WIDTH // max(1, positions)))
    return [(n0, min(n, n0 + step)) for n0 in range(0, n, step)]


def _image_blocks(n: int, rows: int, ho: int, wo: int) -> list:
    """Blocks (n0, n1, r0, r1) for the per-image GEMMs: images n0:n1 whole (r0, r1 = 0, Ho) as
    ``_chunks`` groups them, or, when one image's column matrix is over _BAND_FROM chunks, single
    images in bands of output rows r0:r1 of about a chunk each."""
    if rows * ho * wo <= _BAND_FROM * _CHUNK:
        return [(n0, n1, 0, ho) for n0, n1 in _chunks(n, rows, ho * wo)]
    band = max(1, _CHUNK // (rows * wo))
    return [(i, i + 1, r0, min(ho, r0 + band)) for i in range(n) for r0 in range(0, ho, band)]


def _cols(xp: np.ndarray, geom: _Geom, out_hw: tuple, band: tuple | None = None) -> np.ndarray:
    """The folded column matrix (C*kh*kw, N*Ho*Wo) of the padded xp (one strided copy); with
    ``band`` = (r0, r1), of output rows r0:r1 only."""
    v = _windows(xp, geom, out_hw)
    if band is not None:
        v = v[..., band[0]:band[1], :]
    n, c, kh, kw, ho, wo = v.shape
    return v.transpose(1, 2, 3, 0, 4, 5).reshape(c * kh * kw, n * ho * wo)


def _channels_first(g4: np.ndarray, groups: int) -> np.ndarray:
    """(N, O, Ho, Wo) -> (G, O/G, N*Ho*Wo), a copy: the gradient as the folded GEMM reads it."""
    n, o = g4.shape[:2]
    g2 = np.empty((o, n) + g4.shape[2:], g4.dtype)
    np.copyto(g2, g4.transpose(1, 0, 2, 3))
    return g2.reshape(groups, o // groups, -1)


def _pointwise(geom: _Geom, kernel: tuple) -> bool:
    """A 1x1 kernel at stride 1 without padding: the input is its own column matrix."""
    return kernel == (1, 1) and geom.stride == (1, 1) and not any(p for pair in geom.pads for p in pair)


def _conv_arrays(x4, w4, geom: _Geom, out_hw=None, xp=None) -> np.ndarray:
    """(N, C, H, W) -> (N, O, Ho, Wo); ``xp``: x4 zero-padded, if the caller has it."""
    n = x4.shape[0]
    o, groups = w4.shape[0], geom.groups
    ho, wo = out_hw if out_hw is not None else geom.out_size(*x4.shape[2:])
    wg = w4.reshape(groups, o // groups, -1)
    if _pointwise(geom, w4.shape[2:]) and (ho, wo) == x4.shape[2:]:
        return np.matmul(wg, x4.reshape(n, groups, -1, ho * wo)).reshape(n, o, ho, wo)
    out = np.empty((n, o, ho, wo), np.result_type(x4, w4))
    xp = _pad_zero(x4, geom.pads) if xp is None else xp
    rows = wg.shape[2] * groups
    if ho * wo >= _PER_IMAGE:
        out5 = out.reshape(n, groups, o // groups, ho * wo)
        for n0, n1, r0, r1 in _image_blocks(n, rows, ho, wo):
            cols = _cols(xp[n0:n1], geom, (ho, wo), (r0, r1))
            stack = cols.reshape(groups, -1, n1 - n0, (r1 - r0) * wo).transpose(2, 0, 1, 3)  # (n, G, k, L)
            np.matmul(wg, stack, out=out5[n0:n1, :, :, r0 * wo:r1 * wo])
        return out
    for n0, n1 in _chunks(n, rows, ho * wo):
        cols = _cols(xp[n0:n1], geom, (ho, wo))
        y = np.matmul(wg, cols.reshape(groups, -1, cols.shape[1]))  # (G, O/G, n*L): (O, n, L)
        np.copyto(out[n0:n1], y.reshape(o, n1 - n0, ho, wo).transpose(1, 0, 2, 3))
    return out


def _conv_weight_grad_arrays(x4, g4, geom: _Geom, wshape4: tuple, xp=None) -> np.ndarray:
    """Adjoint of the convolution in its weight: g @ cols^T, summed over the batch; ``xp``: x4
    zero-padded, if the caller has it."""
    n, o, ho, wo = g4.shape
    groups = geom.groups
    og, k = o // groups, math.prod(wshape4[1:])
    if _pointwise(geom, wshape4[2:]) and (ho, wo) == x4.shape[2:]:
        gw = np.matmul(g4.reshape(n, groups, og, ho * wo),
                       x4.reshape(n, groups, k, ho * wo).transpose(0, 1, 3, 2))
        return (gw[0] if n == 1 else gw.sum(0)).reshape(wshape4)
    # OpenBLAS runs cols @ g^T (G, k, O/G) ~10% faster than g @ cols^T (G, O/G, k) when O/G is
    # small (measured up to 64), and slower from O/G = 256 (1.15-1.5x)
    transposed = og < 128
    gw = None
    xp = _pad_zero(x4, geom.pads) if xp is None else xp
    if ho * wo >= _PER_IMAGE:  # (n, G, k, L) and g in place as (n, G, O/G, L)
        g5 = g4.reshape(n, groups, og, ho * wo)
        blocks = ((_cols(xp[n0:n1], geom, (ho, wo), (r0, r1)).reshape(groups, k, n1 - n0, -1).transpose(2, 0, 1, 3),
                   g5[n0:n1, :, :, r0 * wo:r1 * wo]) for n0, n1, r0, r1 in _image_blocks(n, k * groups, ho, wo))
    else:  # (G, k, n*L) and (G, O/G, n*L)
        blocks = ((_cols(xp[n0:n1], geom, (ho, wo)).reshape(groups, k, -1), _channels_first(g4[n0:n1], groups))
                  for n0, n1 in _chunks(n, k * groups, ho * wo))
    for cols, g3 in blocks:
        part = (np.matmul(cols, np.swapaxes(g3, -1, -2)) if transposed
                else np.matmul(g3, np.swapaxes(cols, -1, -2)))
        if part.ndim == 4:
            part = part.sum(0)
        gw = part if gw is None else np.add(gw, part, out=gw)
    if transposed:
        gw = np.ascontiguousarray(gw.transpose(0, 2, 1))
    return gw.reshape(wshape4)


def _conv_input_grad_arrays(g4, w4, geom: _Geom, hw: tuple) -> np.ndarray:
    """Adjoint of the convolution in its input: (N, O, Ho, Wo) -> (N, C, H, W)."""
    n, o, ho, wo = g4.shape
    _, cg, kh, kw = w4.shape
    groups = geom.groups
    og, c = o // groups, groups * cg
    wt = w4.reshape(groups, og, cg * kh * kw).transpose(0, 2, 1)
    if _pointwise(geom, (kh, kw)) and (ho, wo) == tuple(hw):
        return np.matmul(wt, g4.reshape(n, groups, og, ho * wo)).reshape(n, c, *hw)
    (dh, dw), ((pt, pb), (pl, pr)) = geom.dilation, geom.pads
    h, w = hw
    reach = ((kh - 1) * dh, (kw - 1) * dw)
    exact = (h + pt + pb, w + pl + pr) == (ho + reach[0], wo + reach[1])  # no output_padding
    if (geom.stride == (1, 1) and exact and cg >= 64 and max(pt, pb) <= reach[0]
            and max(pl, pr) <= reach[1]):
        # at stride 1 the adjoint is a convolution of g with the flipped kernel, channels swapped:
        # its GEMM sums over O*kh*kw rather than O. Measured 9-17% faster than the wide or col2im
        # paths below when that GEMM has 64 or more rows (C/G); slower under (32 rows: 1.2x)
        flipped = w4.reshape(groups, og, cg, kh, kw)[..., ::-1, ::-1].transpose(0, 2, 1, 3, 4)
        pads = ((reach[0] - pt, reach[0] - pb), (reach[1] - pl, reach[1] - pr))
        adjoint = _Geom((kh, kw), (1, 1), pads, (dh, dw), groups)
        return _conv_arrays(g4, np.ascontiguousarray(flipped).reshape(c, og, kh, kw), adjoint, hw)
    out = np.empty((n, c, h, w), np.result_type(g4, w4))
    if geom.stride == (1, 1) and exact and 8 * (kw - 1) * dw <= wo and np.isfinite(w4).all():
        _input_grad_wide(g4, wt, geom, out)
        return out
    for n0, n1 in _chunks(n, cg * kh * kw * groups, ho * wo):
        d = np.matmul(wt, _channels_first(g4[n0:n1], groups))  # (G, Cg*kh*kw, n*L)
        d = d.reshape(c, kh, kw, n1 - n0, ho, wo).transpose(0, 3, 1, 2, 4, 5)
        np.copyto(out[n0:n1], _col2im(d, geom, hw).transpose(1, 0, 2, 3))
    return out


def _input_grad_wide(g4, wt, geom: _Geom, out: np.ndarray) -> None:
    """``_conv_input_grad_arrays`` at stride 1 into ``out``. col2im's kh*kw strided adds run over
    rows of only Wo entries, slowly; here the GEMM runs over rows widened to the padded width Wp
    by zero columns of g (zero products: the caller checks that w is finite), so that each window
    position's block lands on the padded image at one flat offset: kh*kw adds over whole planes,
    for (Wp - Wo) / Wo more GEMM work (at most 1/8: the caller's condition)."""
    n, o, ho, wo = g4.shape
    c, (kh, kw), groups = out.shape[1], geom.kernel, geom.groups
    (dh, dw), ((pt, _), (pl, _)) = geom.dilation, geom.pads
    h, w = out.shape[2:]
    hp, wp = ho + (kh - 1) * dh, wo + (kw - 1) * dw
    for n0, n1 in _chunks(n, wt.shape[1] * groups, ho * wp):
        gw = np.zeros((o, n1 - n0, ho, wp), g4.dtype)
        gw[..., :wo] = g4[n0:n1].transpose(1, 0, 2, 3)
        d = np.matmul(wt, gw.reshape(groups, o // groups, -1)).reshape(c, kh, kw, n1 - n0, ho * wp)
        # each plane gets room past its end for the overhang of the last row's widened columns
        planes = np.zeros((c, n1 - n0, hp * wp + (kw - 1) * dw), out.dtype)
        for i in range(kh):
            for j in range(kw):
                at = i * dh * wp + j * dw
                planes[:, :, at:at + ho * wp] += d[:, i, j]
        x = planes[:, :, :hp * wp].reshape(c, n1 - n0, hp, wp)[:, :, pt:pt + h, pl:pl + w]
        np.copyto(out[n0:n1], x.transpose(1, 0, 2, 3))


# --- the primitives ----------------------------------------------------------------------------


class Conv(Op):
    """conv(x, w) + b."""

    _release_attrs = ("xp",)

    def forward(self, x, w, b=None, *, geom: _Geom, out_hw=None):
        x4 = geom.to4(x._data)
        n = self.needs_input_grad
        xp = _pad_zero(x4, geom.pads)
        out = _conv_arrays(x4, geom.weight4(w._data), geom, out_hw, xp)
        if b is not None:
            out += b._data.reshape(-1, 1, 1)
        if n:
            self.geom, self.hw = geom, x4.shape[2:]
            self.save_for_backward(x if n[1] else None, w if n[0] else None)
            self.wshape = w._data.shape
            # the weight's gradient reads the same padded input: pad once (x's version is checked)
            self.xp = xp if n[1] else None
        return geom.from4(out)

    def backward(self, g):
        x, w = self.saved_tensors
        n, geom = self.needs_input_grad, self.geom
        gx = ConvInputGrad.apply(g, w, geom=geom, hw=self.hw) if n[0] else None
        gw = ConvWeightGrad.apply(x, g, geom=geom, wshape=self.wshape, xp=self.xp) if n[1] else None
        gb = None
        if len(n) > 2 and n[2]:
            gb = _sum(g, (0, *range(2, g.ndim)) if geom.batched else tuple(range(1, g.ndim)))
            return gx, gw, gb
        return gx, gw

    def name(self) -> str:
        return "ConvolutionBackward0"


class ConvInputGrad(Op):
    """The adjoint of ``Conv`` in its input, g (N, O, ...) -> (N, C, *hw); conv_transpose."""

    def forward(self, g, w, *, geom: _Geom, hw: tuple):
        g4 = geom.to4(g._data)
        out = _conv_input_grad_arrays(g4, geom.weight4(w._data), geom, hw)
        n = self.needs_input_grad
        if n:
            self.geom, self.hw, self.ghw = geom, hw, g4.shape[2:]
            self.wshape = w._data.shape
            self.save_for_backward(g if n[1] else None, w if n[0] else None)
        return geom.from4(out)

    def backward(self, h):
        g, w = self.saved_tensors
        n, geom = self.needs_input_grad, self.geom
        dg = Conv.apply(h, w, geom=geom, out_hw=self.ghw) if n[0] else None
        dw = ConvWeightGrad.apply(h, g, geom=geom, wshape=self.wshape) if n[1] else None
        return dg, dw

    def name(self) -> str:
        return "ConvolutionBackwardBackward0"


class ConvWeightGrad(Op):
    """The adjoint of ``Conv`` in its weight, (x, g) -> dw."""

    def forward(self, x, g, *, geom: _Geom, wshape: tuple, xp=None):
        x4 = geom.to4(x._data)
        wshape4 = wshape[:2] + (1,) + wshape[2:] if geom.nsp == 1 else wshape
        out = _conv_weight_grad_arrays(x4, geom.to4(g._data), geom, wshape4, xp)
        n = self.needs_input_grad
        if n:
            self.geom, self.hw = geom, x4.shape[2:]
            self.ghw = geom.to4(g._data).shape[2:]
            self.save_for_backward(x if n[1] else None, g if n[0] else None)
        return geom.weight_from4(out)

    def backward(self, h):
        x, g = self.saved_tensors
        n, geom = self.needs_input_grad, self.geom
        dx = ConvInputGrad.apply(g, h, geom=geom, hw=self.hw) if n[0] else None
        dg = Conv.apply(x, h, geom=geom, out_hw=self.ghw) if n[1] else None
        return dx, dg

    def name(self) -> str:
        return "ConvolutionBackwardBackward0"


# --- argument checks ---------------------------------------------------------------------------


def _need_tensor(x, op: str, name: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position 1) must be Tensor, not {type(x).__name__}")


def _check_input_rank(x: Tensor, nsp: int, op: str) -> bool:
    """True when ``x`` has a batch dim; PyTorch's error when its rank fits neither layout."""
    _need_tensor(x, op, "input")
    nd = x._data.ndim
    if nd not in (nsp + 1, nsp + 2):
        raise RuntimeError(
            f"Expected {nsp + 1}D (unbatched) or {nsp + 2}D (batched) input to {op}, but got input "
            f"of size: {shape_str(x._data.shape)}"
        )
    return nd == nsp + 2


def _check_dtypes(op: str, x: Tensor, w: Tensor, b) -> None:
    dts = [x._data.dtype, w._data.dtype] + ([b._data.dtype] if b is not None else [])
    if any(d != dts[0] for d in dts):
        got = f"input {x.dtype.name}, weight {w.dtype.name}" + (f", bias {b.dtype.name}" if b is not None else "")
        raise RuntimeError(f"{op}: expected input, weight and bias of the same dtype, but got {got}")
    if dts[0] == np.bool_:
        raise RuntimeError(f'"{op}" not implemented for \'Bool\'')


def _positive(values: tuple, what: str, op: str) -> None:
    if any(v <= 0 for v in values):
        raise RuntimeError(f"{op}: non-positive {what} is not supported (got {what}={list(values)})")


def _spatial(shape: tuple, nsp: int) -> tuple:
    return tuple(shape[-nsp:])


def _conv_geom(op: str, nsp: int, x: Tensor, w: Tensor, b, stride, padding, dilation, groups) -> _Geom:
    batched = _check_input_rank(x, nsp, op)
    _need_tensor(w, op, "weight")
    ws, xs = w._data.shape, x._data.shape
    xs4 = xs if batched else (1,) + xs
    if w._data.ndim != nsp + 2:
        raise RuntimeError(
            f"{op}: expected a {nsp + 2}-dimensional weight (out_channels, in_channels/groups, "
            f"*kernel_size) for input {shape_str(xs)}, but got weight of size {shape_str(ws)}"
        )
    stride, dilation = _ints(stride, nsp, "stride", op), _ints(dilation, nsp, "dilation", op)
    _positive(stride, "stride", op)
    _positive(dilation, "dilation", op)
    if groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported (got groups={groups})")
    if ws[0] % groups:
        raise RuntimeError(
            f"{op}: Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {shape_str(ws)} instead"
        )
    if xs4[1] != ws[1] * groups:
        raise RuntimeError(
            f"{op}: Given groups={groups}, weight of size {shape_str(ws)}, expected input{shape_str(xs4)} "
            f"to have {ws[1] * groups} channels, but got {xs4[1]} channels instead"
        )
    if b is not None:
        _need_tensor(b, op, "bias")
        if b._data.shape != (ws[0],):
            raise RuntimeError(
                f"{op}: Given weight of size {shape_str(ws)}, expected bias to be 1-dimensional with "
                f"{ws[0]} elements, but got bias of size {shape_str(b._data.shape)} instead"
            )
    _check_dtypes(op, x, w, b)
    kernel = _spatial(ws, nsp)
    pads = _conv_pads(op, padding, nsp, kernel, stride, dilation)
    size = _spatial(xs, nsp)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(size, pads))
    eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < k for p, k in zip(padded, eff)):
        raise RuntimeError(
            f"{op}: Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than actual "
            f"input size (input {shape_str(xs)}, weight {shape_str(ws)})"
        )
    return _Geom(kernel, stride, pads, dilation, groups, nsp, batched)


def _conv_pads(op: str, padding, nsp: int, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """Padding as ((lo, hi), ...) per spatial dim: 'valid', 'same' (asymmetric for even
    kernels: the extra row goes at the end, as in PyTorch) or ints."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nsp
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions")
            totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in totals)
        raise RuntimeError(f"{op}: Invalid padding string: '{padding}' (expected 'same' or 'valid')")
    pads = _ints(padding, nsp, "padding", op)
    if any(p < 0 for p in pads):
        raise RuntimeError(f"{op}: negative padding is not supported (got padding={list(pads)})")
    return tuple((p, p) for p in pads)


# --- public functions --------------------------------------------------------------------------


def _conv(op, nsp, input, weight, bias, stride, padding, dilation, groups) -> Tensor:
    geom = _conv_geom(op, nsp, input, weight, bias, stride, padding, dilation, groups)
    return Conv.apply(input, weight, bias, geom=geom)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of (N, C, L) or (C, L) input with (O, C/groups, k) weight."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) of (N, C, H, W) or (C, H, W) input with (O, C/groups, kh, kw) weight."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(op, nsp, input, weight, bias, stride, padding, output_padding, groups, dilation) -> Tensor:
    batched = _check_input_rank(input, nsp, op)
    _need_tensor(weight, op, "weight")
    xs, ws = input._data.shape, weight._data.shape
    xs4 = xs if batched else (1,) + xs
    if weight._data.ndim != nsp + 2:
        raise RuntimeError(
            f"{op}: expected a {nsp + 2}-dimensional weight (in_channels, out_channels/groups, "
            f"*kernel_size) for input {shape_str(xs)}, but got weight of size {shape_str(ws)}"
        )
    stride, dilation = _ints(stride, nsp, "stride", op), _ints(dilation, nsp, "dilation", op)
    pads, out_pads = _ints(padding, nsp, "padding", op), _ints(output_padding, nsp, "output_padding", op)
    _positive(stride, "stride", op)
    _positive(dilation, "dilation", op)
    if any(p < 0 for p in pads + out_pads):
        raise RuntimeError(f"{op}: negative padding is not supported (got padding={list(pads)}, "
                           f"output_padding={list(out_pads)})")
    if any(op_ >= s and op_ >= d for op_, s, d in zip(out_pads, stride, dilation)):
        raise RuntimeError(
            f"{op}: output padding must be smaller than either stride or dilation, but got "
            f"output_padding={list(out_pads)}, stride={list(stride)}, dilation={list(dilation)}"
        )
    if groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported (got groups={groups})")
    if xs4[1] != ws[0]:
        raise RuntimeError(
            f"{op}: Given transposed=1, weight of size {shape_str(ws)}, expected input{shape_str(xs4)} "
            f"to have {ws[0]} channels, but got {xs4[1]} channels instead"
        )
    if ws[0] % groups:
        raise RuntimeError(
            f"{op}: Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {shape_str(ws)} instead"
        )
    out_channels = ws[1] * groups
    if bias is not None:
        _need_tensor(bias, op, "bias")
        if bias._data.shape != (out_channels,):
            raise RuntimeError(
                f"{op}: Given transposed=1, weight of size {shape_str(ws)}, expected bias to be "
                f"1-dimensional with {out_channels} elements, but got bias of size "
                f"{shape_str(bias._data.shape)} instead"
            )
    _check_dtypes(op, input, weight, bias)
    kernel = _spatial(ws, nsp)
    out_size = tuple(
        (n - 1) * s - 2 * p + d * (k - 1) + q + 1
        for n, s, p, d, k, q in zip(_spatial(xs, nsp), stride, pads, dilation, kernel, out_pads)
    )
    if any(n <= 0 for n in out_size):
        raise RuntimeError(f"{op}: Given input size {shape_str(xs)} and weight {shape_str(ws)}, the calculated "
                           f"output size {list(out_size)} is too small")
    geom = _Geom(kernel, stride, tuple((p, p) for p in pads), dilation, groups, nsp, batched)
    hw = (1, *out_size) if nsp == 1 else out_size
    # the weight's roles swap: (C_in, C_out/groups, k) is a conv weight (O, C/groups, k) read backwards
    out = ConvInputGrad.apply(input, weight, geom=geom, hw=hw)
    if bias is not None:
        out = out + bias.reshape((-1,) + (1,) * nsp)
    return out


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """1-D transposed convolution (the adjoint of conv1d) with (C_in, C_out/groups, k) weight."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding,
                           groups, dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-D transposed convolution (the adjoint of conv2d) with (C_in, C_out/groups, kh, kw) weight."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding,
                           groups, dilation)


# --- im2col / col2im ---------------------------------------------------------------------------


class Unfold(Op):
    """im2col: (N, C, H, W) -> (N, C*kh*kw, L), columns ordered (C, kh, kw) like PyTorch."""

    stateless = True

    def forward(self, x, *, geom: _Geom):
        x4 = geom.to4(x._data)
        self.geom, self.hw = geom, x4.shape[2:]
        cols = _im2col(x4, geom, geom.out_size(*x4.shape[2:]))
        return cols if geom.batched else cols[0]

    def backward(self, g):
        return Fold.apply(g, geom=self.geom, hw=self.hw)

    def name(self) -> str:
        return "Im2ColBackward0"


class Fold(Op):
    """col2im: (N, C*kh*kw, L) -> (N, C, H, W), summing overlapping window entries."""

    stateless = True

    def forward(self, cols, *, geom: _Geom, hw: tuple):
        c = cols._data if geom.batched else cols._data[None]
        self.geom = geom
        (kh, kw), (ho, wo) = geom.kernel, geom.out_size(*hw)
        d = c.reshape(c.shape[0], -1, kh, kw, ho, wo)
        out = np.ascontiguousarray(_col2im(d, geom, hw))
        return out if geom.batched else out[0]

    def backward(self, g):
        return Unfold.apply(g, geom=self.geom)

    def name(self) -> str:
        return "Col2ImBackward0"


def _fold_geom(op, kernel_size, dilation, padding, stride, batched) -> _Geom:
    kernel = _ints(kernel_size, 2, "kernel_size", op)
    dilation, stride = _ints(dilation, 2, "dilation", op), _ints(stride, 2, "stride", op)
    pads = _ints(padding, 2, "padding", op)
    _positive(kernel, "kernel_size", op)
    _positive(stride, "stride", op)
    _positive(dilation, "dilation", op)
    if any(p < 0 for p in pads):
        raise RuntimeError(f"{op}: negative padding is not supported (got padding={list(pads)})")
    return _Geom(kernel, stride, tuple((p, p) for p in pads), dilation, 1, 2, batched)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """im2col: sliding blocks of (N, C, H, W) (or (C, H, W)) as columns (N, C*kh*kw, L)."""
    _need_tensor(input, "unfold", "input")
    if input._data.ndim not in (3, 4):
        raise RuntimeError(
            f"unfold: expected 3D (unbatched) or 4D (batched) input, but got input of size: "
            f"{shape_str(input._data.shape)}"
        )
    geom = _fold_geom("unfold", kernel_size, dilation, padding, stride, input._data.ndim == 4)
    blocks = geom.out_size(*input._data.shape[-2:])
    if any(b < 1 for b in blocks):
        raise RuntimeError(
            f"unfold: Given input with spatial size {tuple(input._data.shape[-2:])}, kernel_size="
            f"{geom.kernel}, dilation={geom.dilation}, padding={tuple(p for p, _ in geom.pads)}, "
            f"calculated shape of the array of sliding blocks as {blocks}, but its components must "
            "be at least one."
        )
    return Unfold.apply(input, geom=geom)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """col2im, the adjoint of unfold: columns (N, C*kh*kw, L) summed into (N, C, *output_size)."""
    _need_tensor(input, "fold", "input")
    xs = input._data.shape
    if input._data.ndim not in (2, 3):
        raise RuntimeError(
            f"fold: expected 2D (unbatched) or 3D (batched) input, but got input of size: {shape_str(xs)}"
        )
    geom = _fold_geom("fold", kernel_size, dilation, padding, stride, input._data.ndim == 3)
    hw = _ints(output_size, 2, "output_size", "fold")
    kh, kw = geom.kernel
    if xs[-2] % (kh * kw):
        raise RuntimeError(
            f"fold: Expected size of input's dimension {input._data.ndim - 2} to be divisible by the "
            f"product of kernel_size, but got input.size({input._data.ndim - 2})={xs[-2]} and "
            f"kernel_size={geom.kernel}."
        )
    blocks = geom.out_size(*hw)
    if any(b < 1 for b in blocks) or xs[-1] != blocks[0] * blocks[1]:
        raise RuntimeError(
            f"fold: Given output_size={hw}, kernel_size={geom.kernel}, dilation={geom.dilation}, "
            f"padding={tuple(p for p, _ in geom.pads)}, stride={geom.stride}, expected size of "
            f"input's dimension {input._data.ndim - 1} to match the calculated number of sliding "
            f"blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
            f"input.size({input._data.ndim - 1})={xs[-1]}."
        )
    return Fold.apply(input, geom=geom, hw=hw)
