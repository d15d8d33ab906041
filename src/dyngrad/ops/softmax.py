"""logsumexp, softmax and log_softmax, computed stably (shifted by the maximum)."""

from __future__ import annotations

__all__ = [
    "logsumexp",
    "softmax",
    "log_softmax",
]

import numpy as np

from ..autograd.function import Op
from ._util import Tensor, float_array, norm_dim
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

    def forward(self, x, dims=(), keepdim=False):
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


class Softmax(Op):
    save_output = True

    def forward(self, x, dim=-1):
        d = x._data
        self.dim = dim
        e = np.exp(d - np.max(d, axis=dim, keepdims=True)) if d.size else d.copy()
        e /= np.sum(e, axis=dim, keepdims=True)
        return e

    def backward(self, g):
        y = self.output
        gy = g * y
        return gy - y * sum(gy, self.dim, True)


class LogSoftmax(Op):
    save_output = True

    def forward(self, x, dim=-1):
        d = x._data
        self.dim = dim
        if not d.size:
            return d.copy()
        shifted = d - np.max(d, axis=dim, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))

    def backward(self, g):
        return g - self.output.exp() * sum(g, self.dim, True)


def softmax(input: Tensor, dim, dtype=None) -> Tensor:
    """``exp(input)`` normalised to sum to 1 along ``dim``."""
    x, d = _softmax_input(input, dim, dtype, "softmax")
    return Softmax.apply(x, dim=d)


def log_softmax(input: Tensor, dim, dtype=None) -> Tensor:
    """``log(softmax(input, dim))``, computed without under/overflow."""
    x, d = _softmax_input(input, dim, dtype, "log_softmax")
    return LogSoftmax.apply(x, dim=d)
