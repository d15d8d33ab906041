"""logsumexp, softmax and log_softmax, computed stably (shifted by the maximum)."""

from __future__ import annotations

__all__ = [
    "logsumexp",
    "softmax",
    "log_softmax",
]

from .._numpy import np
from ..autograd.function import Op
from ._util import FLOAT16, Tensor, float_array, norm_dim, opmath
from .reduction import _cast_input, _dims, _spread, sum


def _shift(d: np.ndarray, dims) -> np.ndarray:
    """The max over ``dims`` (kept), or 0 where it is infinite, so that ``d - shift`` never
    subtracts inf from inf when a slice is all -inf (or holds +inf)."""
    if d.size == 0:
        return np.zeros((1,) * d.ndim, d.dtype)
    m = np.max(d, axis=dims, keepdims=True)
    return np.where(np.isfinite(m), m, 0).astype(d.dtype, copy=False)


class LogSumExp(Op):
    save_output = True

    def forward(self, x, *, dims=(), keepdim=False):
        d = float_array(x)
        self.shape = d.shape
        self.dims = dims
        self.keepdim = keepdim
        self.save_for_backward(x)
        m = _shift(d, dims)
        out = np.log(np.sum(np.exp(d - m), axis=dims, keepdims=True)) + m
        return out if keepdim else out.reshape(tuple(s for i, s in enumerate(d.shape) if i not in dims))

    def backward(self, g):
        (x,) = self.saved_tensors
        out = _spread(self.output, self.shape, self.dims, self.keepdim)
        return _spread(g, self.shape, self.dims, self.keepdim) * (x - out).exp()

    def name(self) -> str:
        return "LogsumexpBackward0"


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, without overflow."""
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' must be tuple of ints, not NoneType")
    dims = _dims(dim, input._data.ndim, "logsumexp")
    return LogSumExp.apply(input, dims=dims, keepdim=keepdim)


def _softmax_input(input: Tensor, dim, dtype, op: str) -> tuple:
    if dim is None:
        raise TypeError(f"{op}(): argument 'dim' must be int, not NoneType")
    x = _cast_input(input, dtype)
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f'"{op}_lastdim_kernel_impl" not implemented for \'{x.dtype.name}\'')
    return x, norm_dim(int(dim), x._data.ndim, op) if x._data.ndim else ()


# the ufunc methods skip np.max / np.sum's Python wrappers. fmax, not maximum: a NaN in a row then
# leaves its max finite, but the exp and the sum of that row are NaN all the same, so every result
# is; and on short rows fmax's reduction is faster (256 x 256: 20 against 27 us; 64 x 10: 3.0
# against 3.9)
_max_reduce = np.fmax.reduce
_add_reduce = np.add.reduce
_BLOCK = 1 << 17  # elements of a block of rows: 512 KiB in float32, well inside an L2 cache
_BLOCKS_FROM = 2 * _BLOCK  # smaller arrays run whole


def _row_blocks(d: np.ndarray, dim: int) -> list | None:
    """Slices of dim 0 cutting ``d`` into blocks of about _BLOCK elements, for the several passes
    of a softmax over ``dim`` (not 0): each block's passes then run from cache instead of memory
    (a (700, 10000) cross-entropy inside an LSTM training step: 15.6 -> 9.5 ms). Each row's
    arithmetic is unchanged, so the result is the same to the bit. None for small arrays."""
    if dim == 0 or d.size <= _BLOCKS_FROM:
        return None
    n = d.shape[0]
    step = max(1, _BLOCK * n // d.size)
    return [slice(i, i + step) for i in range(0, n, step)]


_SHORT_ROW = 32  # entries per row at most for _row_max's transposed reduction (measured up to 32)


def _row_max(d: np.ndarray, dim: int, out: np.ndarray | None = None) -> np.ndarray:
    """The max over ``dim``, kept (into ``out`` if given). NumPy's reduction along a short
    contiguous last axis costs ~40 ns per row: for 64 or more rows of at most _SHORT_ROW entries
    the transposed copy is reduced over its first axis instead (64 x 10: 3.0 -> 1.3 us; 10000 x
    10: 365 -> 42 us; 32 entries: 1.9-2.3x). A max is exact, so the values are the same."""
    c = d.shape[-1] if d.ndim else 0
    many_short_rows = 0 < c <= _SHORT_ROW and d.size >= 64 * c
    if not (many_short_rows and d.ndim > 1 and dim in (-1, d.ndim - 1) and d.flags.c_contiguous):
        return _max_reduce(d, dim, None, out, True)
    m = _max_reduce(d.reshape(-1, c).T.copy(), 0).reshape(d.shape[:-1] + (1,))
    if out is None:
        return m
    np.copyto(out, m)
    return out


def _shifted_exp(d: np.ndarray, dim: int, row_max=None, e=None, sums=None) -> tuple:
    """``(max over dim, exp(d - max), its sums over dim)``, the maxima and sums kept; written into
    the arrays given (a block's share of the caller's outputs), else fresh ones."""
    row_max = _row_max(d, dim, row_max)
    e = np.subtract(d, row_max, out=e)
    np.exp(e, out=e)
    return row_max, e, _add_reduce(e, dim, None, sums, True)


def _softmax_rows(d: np.ndarray, dim: int, out: np.ndarray | None = None) -> np.ndarray:
    _, e, sums = _shifted_exp(d, dim, e=out)
    e /= sums
    return e


def _log_softmax_rows(d: np.ndarray, dim: int, out: np.ndarray | None = None) -> np.ndarray:
    shifted = np.subtract(d, _row_max(d, dim), out=out)
    total = _add_reduce(np.exp(shifted), dim, None, None, True)
    shifted -= np.log(total, out=total)
    return shifted


def _by_row_blocks(rows, d: np.ndarray, dim: int) -> np.ndarray:
    """``rows(d, dim)``, run a block of rows at a time into one output over large arrays."""
    blocks = _row_blocks(d, dim)
    if blocks is None:
        return rows(d, dim)
    out = np.empty(d.shape, d.dtype)
    for b in blocks:
        rows(d[b], dim, out[b])
    return out


def _softmax_array(d: np.ndarray, dim: int) -> np.ndarray:
    if d.dtype is FLOAT16:  # in float32, rounded once, as PyTorch's kernel
        return _softmax_array(opmath(d), dim).astype(np.float16)
    if d.ndim == 1:  # NumPy scalars are cheaper operands than the (1,)-shaped kept reductions
        e = d - _max_reduce(d)
        np.exp(e, out=e)
        e /= _add_reduce(e)
        return e
    return _softmax_rows(d, dim) if d.size <= _BLOCKS_FROM else _by_row_blocks(_softmax_rows, d, dim)


def _log_softmax_array(d: np.ndarray, dim: int) -> np.ndarray:
    if d.dtype is FLOAT16:  # in float32, rounded once, as PyTorch's kernel
        return _log_softmax_array(opmath(d), dim).astype(np.float16)
    if d.ndim == 1:
        shifted = d - _max_reduce(d)
        shifted -= np.log(_add_reduce(np.exp(shifted)))
        return shifted
    return _log_softmax_rows(d, dim) if d.size <= _BLOCKS_FROM else _by_row_blocks(_log_softmax_rows, d, dim)


class Softmax(Op):
    save_output = True

    def forward(self, x, *, dim=-1):
        d = x._data
        self.dim = dim
        if not d.size:
            return d.copy()
        if not d.ndim:  # NumPy gives scalars for 0-dim operands, which can't be written into
            return _softmax_array(d.reshape(1), 0).reshape(())
        return _softmax_array(d, dim)

    def backward(self, g):
        return SoftmaxBackward.apply(g, self.output, dim=self.dim)


class SoftmaxBackward(Op):
    """``y * (g - sum(g * y))`` for the softmax output ``y``, in one pass over NumPy arrays.

    Its own gradients (double backward): to ``g`` the same formula with the incoming gradient;
    to ``y``: ``h * (g - sum(g * y)) - sum(h * y) * g``."""

    def forward(self, g, y, *, dim):
        gd, yd = g._data, y._data
        self.dim = dim
        self.save_for_backward(g, y)
        gy = gd * yd
        gy -= yd * (_add_reduce(gy) if gy.ndim == 1 else _add_reduce(gy, dim, None, None, True))
        return gy

    def backward(self, h):
        g, y = self.saved_tensors
        dim = self.dim
        n = self.needs_input_grad
        gg = SoftmaxBackward.apply(h, y, dim=dim) if n[0] else None
        gy = h * (g - sum(g * y, dim, True)) - sum(h * y, dim, True) * g if n[1] else None
        return gg, gy


class LogSoftmax(Op):
    save_output = True

    def forward(self, x, *, dim=-1):
        d = x._data
        self.dim = dim
        if not d.size:
            return d.copy()
        if not d.ndim:
            return _log_softmax_array(d.reshape(1), 0).reshape(())
        return _log_softmax_array(d, dim)

    def backward(self, g):
        return LogSoftmaxBackward.apply(g, self.output, dim=self.dim)


class LogSoftmaxBackward(Op):
    """``g - exp(y) * sum(g)`` for the log_softmax output ``y``, in one pass over NumPy arrays.

    Its own gradients (double backward): to ``g``: ``h - sum(h * exp(y))``; to ``y``:
    ``-h * exp(y) * sum(g)``."""

    def forward(self, g, y, *, dim):
        gd = g._data
        self.dim = dim
        self.save_for_backward(g, y)
        e = np.exp(y._data, out=np.empty(y._data.shape, y._data.dtype))  # an array even for 0-dim
        e *= _add_reduce(gd) if gd.ndim == 1 else _add_reduce(gd, dim, None, None, True)
        return np.subtract(gd, e, out=e) if gd.dtype == e.dtype else gd - e

    def backward(self, h):
        g, y = self.saved_tensors
        dim = self.dim
        n = self.needs_input_grad
        he = h * y.exp()
        gg = h - sum(he, dim, True) if n[0] else None
        gy = -(he * sum(g, dim, True)) if n[1] else None
        return gg, gy


def softmax(input: Tensor, dim, dtype=None) -> Tensor:
    """``exp(input)`` normalised to sum to 1 along ``dim``."""
    if dtype is None and type(dim) is int:  # the common call: float input, dim in range
        d = input._data
        if d.dtype.kind == "f" and -d.ndim <= dim < d.ndim:
            return Softmax.apply(input, dim=dim)
    x, d = _softmax_input(input, dim, dtype, "softmax")
    return Softmax.apply(x, dim=d)


def log_softmax(input: Tensor, dim, dtype=None) -> Tensor:
    """``log(softmax(input, dim))``, computed without under/overflow."""
    if dtype is None and type(dim) is int:
        d = input._data
        if d.dtype.kind == "f" and -d.ndim <= dim < d.ndim:
            return LogSoftmax.apply(input, dim=dim)
    x, d = _softmax_input(input, dim, dtype, "log_softmax")
    return LogSoftmax.apply(x, dim=d)
