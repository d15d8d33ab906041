"""Variance, standard deviation and norms: forward on arrays, backward with dyngrad ops."""

from __future__ import annotations

__all__ = [
    "var",
    "std",
    "var_mean",
    "std_mean",
    "norm",
]

import math
import warnings

from .._numpy import np
from ..autograd.function import Op
from ._util import Tensor, _wrap, out_variant
from .reduction import (
    _cast_input,
    _dims,
    _reduced_numel,
    _spread,
    amax,
    amin,
    mean,
    sum,
)


def _check_float(input: Tensor, op: str) -> None:
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: std and var only support floating point and complex dtypes, got {input.dtype}")


def _correction(dim, unbiased, correction, op: str):
    """Sort out PyTorch's overlapping arguments: ``var(x, False)`` means unbiased=False."""
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{op}(): got a bool dim and unbiased={unbiased!r}")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}(): pass either unbiased or correction, not both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return dim, correction


class Var(Op):
    """The variance with ``correction``: squared deviations summed over ``N - correction``."""

    def forward(self, x, *, dims=(), keepdim=False, correction=1, op="var"):
        d = x._data
        self.shape = d.shape
        self.dims = dims
        self.keepdim = keepdim
        n = _reduced_numel(d.shape, dims)
        dof = n - correction
        if dof <= 0:
            warnings.warn(
                f"{op}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                "reduction factor (input numel divided by output numel).",
                UserWarning,
                stacklevel=4,
            )
        self.scale = 2.0 / dof if dof > 0 else math.inf
        self.save_for_backward(x)
        dev = d - d.mean(axis=dims, keepdims=True) if n else d
        out = np.asarray(np.sum(dev * dev, axis=dims, keepdims=keepdim) / max(dof, 0))
        return out.astype(d.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved_tensors
        g = _spread(g, self.shape, self.dims, self.keepdim)
        return g * (x - mean(x, self.dims, True)) * self.scale


class Std(Var):
    """sqrt(var); where the deviation is 0 everywhere the gradient is 0 (PyTorch's choice)."""

    save_output = True

    def forward(self, x, *, dims=(), keepdim=False, correction=1, op="std"):
        return np.sqrt(Var.forward(self, x, dims=dims, keepdim=keepdim, correction=correction, op=op))

    def backward(self, g):
        grad_var = Var.backward(self, g)
        out = _spread(self.output, self.shape, self.dims, self.keepdim)
        zero = out._data == 0
        if not zero.any():
            return grad_var / (2 * out)
        return grad_var / (2 * out + _wrap(zero.astype(out._data.dtype))) * _wrap(~zero)


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """The variance over ``dim``, divided by ``N - correction`` (default 1, Bessel's)."""
    _check_float(input, "var")
    dim, correction = _correction(dim, unbiased, correction, "var")
    dims = _dims(dim, input._data.ndim, "var")
    return Var.apply(input, dims=dims, keepdim=keepdim, correction=correction, op="var")


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> Tensor:
    """The standard deviation over ``dim``, with ``correction`` as in ``var``."""
    _check_float(input, "std")
    dim, correction = _correction(dim, unbiased, correction, "std")
    dims = _dims(dim, input._data.ndim, "std")
    return Std.apply(input, dims=dims, keepdim=keepdim, correction=correction, op="std")


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    """``(var, mean)`` over ``dim``."""
    v = var(input, dim, unbiased, keepdim, correction=correction)
    dim, _ = _correction(dim, unbiased, correction, "var_mean")
    return v, mean(input, dim, keepdim)


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    """``(std, mean)`` over ``dim``."""
    s = std(input, dim, unbiased, keepdim, correction=correction)
    dim, _ = _correction(dim, unbiased, correction, "std_mean")
    return s, mean(input, dim, keepdim)


# --- norms -----------------------------------------------------------------------------------


class AbsPow(Op):
    """``|x| ** q`` (``signed``: ``sign(x) * |x| ** q``), the building block of p-norms. In
    derivatives (``zero_at_zero``) the value at x = 0 is taken as 0, so kinks and poles at 0 give
    a 0 gradient as in PyTorch rather than NaN."""

    def forward(self, x, *, q=1.0, signed=False, zero_at_zero=False):
        d = x._data
        self.q, self.signed = q, signed
        self.save_for_backward(x)
        out = np.abs(d) ** q if q != 1 else np.abs(d)
        if signed:
            out = np.sign(d) * out
        if zero_at_zero:
            out = np.where(d == 0, 0, out).astype(d.dtype, copy=False)
        return out

    def backward(self, g):
        (x,) = self.saved_tensors
        q = self.q
        if q == 0:
            return g * 0
        return g * AbsPow.apply(x, q=q - 1, signed=not self.signed, zero_at_zero=True) * q

    def name(self) -> str:
        return "PowBackward0"


def _abs_pow(x: Tensor, q: float) -> Tensor:
    return AbsPow.apply(x, q=float(q))


class Norm2(Op):
    """The Euclidean norm; its gradient at 0 is 0, not NaN."""

    save_output = True

    def forward(self, x, *, dims=(), keepdim=False):
        d = x._data
        self.shape = d.shape
        self.dims = dims
        self.keepdim = keepdim
        self.save_for_backward(x)
        return np.sqrt(np.sum(d * d, axis=dims, keepdims=keepdim))

    def backward(self, g):
        (x,) = self.saved_tensors
        g = _spread(g, self.shape, self.dims, self.keepdim)
        out = _spread(self.output, self.shape, self.dims, self.keepdim)
        zero = out._data == 0
        if zero.any():  # x is 0 there too: dividing by 1 gives the 0 gradient
            out = out + _wrap(zero.astype(out._data.dtype))
        return g * x / out

    def name(self) -> str:  # Tensor.norm runs linalg.vector_norm in PyTorch 2
        return "LinalgVectorNormBackward0"


class NormZero(Op):
    """The "0-norm": how many elements are nonzero; its gradient is 0."""

    stateless = True

    def forward(self, x, *, dims=(), keepdim=False):
        self.shape = x._data.shape
        return np.count_nonzero(x._data, axis=dims, keepdims=keepdim).astype(x._data.dtype)

    def backward(self, g):
        return None


@out_variant
def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """The p-norm over ``dim``: 'fro' (or 2), 1, inf, -inf, 0 or any number."""
    if input._data.dtype.kind != "f" and dtype is None:
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {input.dtype}"
        )
    x = _cast_input(input, dtype)
    if p is None:
        p = "fro"
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    if isinstance(p, str):
        if p == "nuc":
            raise NotImplementedError("norm: the nuclear norm (p='nuc') is not supported; use an SVD")
        if p != "fro":
            raise RuntimeError(f"norm: p must be 'fro', 'nuc' or a number, got {p!r}")
        if dim is not None and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
        p = 2
    dims = _dims(dim, x._data.ndim, "norm")
    p = float(p)
    if p == 2:
        return Norm2.apply(x, dims=dims, keepdim=keepdim)
    if p == math.inf:
        return amax(_abs_pow(x, 1), dims, keepdim)
    if p == -math.inf:
        return amin(_abs_pow(x, 1), dims, keepdim)
    if p == 0:
        return NormZero.apply(x, dims=dims, keepdim=keepdim)
    total = sum(_abs_pow(x, p), dims, keepdim)
    return total if p == 1 else _abs_pow(total, 1 / p)
