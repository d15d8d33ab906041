"""Scans: cumsum and cumprod along one dim (forward on arrays, backward with dyngrad ops)."""

from __future__ import annotations

__all__ = [
    "cumsum",
    "cumprod",
]

from .._numpy import np
from ..autograd.function import Op
from ._util import Tensor, _wrap, norm_dim, opmath_dtype, out_variant
from .reduction import _cast_input, sum


def _scan(scan, d: np.ndarray, dim: int) -> np.ndarray:
    """``np.cumsum``/``np.cumprod`` along ``dim`` as PyTorch scans: integers in int64, float16
    accumulated in float32 (each output rounded once; a float16 running sum drifts)."""
    if d.dtype.kind in "biu":
        return scan(d, axis=dim, dtype=np.int64)
    return scan(d, axis=dim, dtype=opmath_dtype(d)).astype(d.dtype, copy=False)


class Cumsum(Op):
    """Running sum along ``dim`` (``reverse``: from the end, the adjoint of the forward scan)."""

    stateless = True

    def forward(self, x, *, dim=0, reverse=False):
        d = x._data
        self.dim, self.reverse = dim, reverse
        if d.ndim == 0:
            return d.astype(np.int64 if d.dtype.kind in "biu" else d.dtype)
        if reverse:
            return np.flip(_scan(np.cumsum, np.flip(d, dim), dim), dim)
        return _scan(np.cumsum, d, dim)

    def backward(self, g):
        return Cumsum.apply(g, dim=self.dim, reverse=not self.reverse)


def _reverse_cumsum(g: Tensor, dim: int) -> Tensor:
    return Cumsum.apply(g, dim=dim, reverse=True)


class Cumprod(Op):
    save_output = True

    def forward(self, x, *, dim=0):
        d = x._data
        self.dim = dim
        self.save_for_backward(x)
        if d.ndim == 0:
            return d.astype(np.int64 if d.dtype.kind in "biu" else d.dtype)
        return _scan(np.cumprod, d, dim)

    def backward(self, g):
        (x,) = self.saved_tensors
        if x._data.ndim == 0:
            return g
        if not (x._data == 0).any():
            # d out_k / d x_i = out_k / x_i for k >= i
            return _reverse_cumsum(g * self.output, self.dim) / x
        return _cumprod_grad(x, g, self.dim, exact_derivative=True)


def _cumprod_grad(x: Tensor, g: Tensor, dim: int, exact_derivative: bool) -> Tensor:
    """The gradient of ``cumprod(x, dim)`` for x with zeros, as a function that can itself be
    differentiated (when ``exact_derivative``; otherwise only its value is right).

    Per slice, with z its first zero and x1 = x where x_z is replaced by the constant 1 (so that
    out1 = cumprod(x1) never holds x_z): the running products are out1_k before z and
    x_z * out1_k from z on. Before z the gradient is then the usual reverse sum divided by x_i;
    at z it is the reverse sum of g * out1; past z every product holds x_z, so it is x_z times the
    gradient for x1 (worked out the same way, one zero fewer)."""
    d = x._data
    zero = d == 0
    if not zero.any():
        return _reverse_cumsum(g * Cumprod.apply(x, dim=dim), dim) / x
    dt = d.dtype
    n = d.shape[dim]
    shape = [1] * d.ndim
    shape[dim] = n
    pos = np.arange(n).reshape(shape)
    first = np.where(zero.any(axis=dim, keepdims=True), np.argmax(zero, axis=dim, keepdims=True), n)
    before = (pos < first).astype(dt)
    at = (pos == first).astype(dt)
    x1 = x * _wrap(1 - at) + _wrap(at)
    out1 = Cumprod.apply(x1, dim=dim)
    zero_value = sum(x * _wrap(at), dim, keepdim=True)  # x_z: 0, but not a constant
    weight = _wrap(before) + zero_value * _wrap(1 - before)
    safe = x + _wrap(zero.astype(dt))  # x before z; the masked positions divide by 1
    grad = _reverse_cumsum(g * out1 * weight, dim) / safe * _wrap(before)
    grad = grad + _reverse_cumsum(g * out1, dim) * _wrap(at)
    if exact_derivative:
        # past z: x_z * grad(x1), whose value is 0 but whose derivative in x_z is not
        past = (pos > first).astype(dt)
        grad = grad + _cumprod_grad(x1, g, dim, False) * zero_value * _wrap(past)
    return grad


def _scan_dim(input: Tensor, dim, op: str) -> int:
    if dim is None:
        raise TypeError(f"{op}(): argument 'dim' must be int, not NoneType")
    return norm_dim(int(dim), input._data.ndim, op)


@out_variant
def cumsum(input: Tensor, dim, *, dtype=None) -> Tensor:
    """Running sum along ``dim`` (integers and bools accumulate in int64)."""
    x = _cast_input(input, dtype)
    return Cumsum.apply(x, dim=_scan_dim(x, dim, "cumsum"))


@out_variant
def cumprod(input: Tensor, dim, *, dtype=None) -> Tensor:
    """Running product along ``dim``; the gradient is exact with zeros in the input."""
    x = _cast_input(input, dtype)
    return Cumprod.apply(x, dim=_scan_dim(x, dim, "cumprod"))
