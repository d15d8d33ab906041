"""Elementwise primitives: forward on arrays, backward with dyngrad ops, side by side.

Binary ops broadcast like PyTorch and promote dtypes by its rules; their backward sums the
gradient back to each input's shape (``_unbroadcast``)."""

from __future__ import annotations

__all__ = [
    "add",
    "sub",
    "subtract",
    "mul",
    "multiply",
    "div",
    "divide",
    "true_divide",
    "neg",
    "negative",
    "exp",
    "log",
    "clone",
    "cast",
]


import numpy as np

from .. import dtypes
from ..autograd.function import Op, apply_inplace
from ._util import Tensor, _wrap, binary_arrays, float_array


def _unbroadcast(g: Tensor, shape: tuple, dtype: np.dtype) -> Tensor:
    """Sum a gradient of the broadcast shape back to an input's shape and dtype."""
    if g._data.shape != shape:
        g = sum_to(g, shape)
    if g._data.dtype != dtype:
        g = cast(g, dtypes._FROM_NP[dtype])
    return g


def _broadcast_error(op: str, a, b) -> RuntimeError:
    sa = list(np.shape(a))
    sb = list(np.shape(b))
    return RuntimeError(
        f"{op}: shapes {sa} and {sb} cannot be broadcast together (each dimension must match or "
        "be 1, aligned from the right)"
    )


class _Binary(Op):
    """Base of broadcasting binary ops: remembers input shapes/dtypes for ``_unbroadcast``."""

    stateless = True  # keeps shapes only

    def _meta(self, a, b):
        self.sa = a._data.shape if isinstance(a, Tensor) else ()
        self.da = a._data.dtype if isinstance(a, Tensor) else None
        self.sb = b._data.shape if isinstance(b, Tensor) else ()
        self.db = b._data.dtype if isinstance(b, Tensor) else None

    def _grads(self, ga, gb):
        n = self.needs_input_grad
        return (
            _unbroadcast(ga, self.sa, self.da) if n[0] else None,
            _unbroadcast(gb, self.sb, self.db) if n[1] else None,
        )


class Add(_Binary):
    def forward(self, a, b, alpha=1):
        xa, xb = binary_arrays(a, b, "add")
        self._meta(a, b)
        self.alpha = alpha
        try:
            return xa + xb if alpha == 1 else xa + alpha * xb
        except ValueError:
            raise _broadcast_error("add", xa, xb) from None

    def backward(self, g):
        return self._grads(g, g if self.alpha == 1 else g * self.alpha)


class Sub(_Binary):
    def forward(self, a, b, alpha=1):
        xa, xb = binary_arrays(a, b, "sub")
        if getattr(xa, "dtype", None) == np.bool_ and getattr(xb, "dtype", np.bool_) == np.bool_:
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported")
        self._meta(a, b)
        self.alpha = alpha
        try:
            return xa - xb if alpha == 1 else xa - alpha * xb
        except ValueError:
            raise _broadcast_error("sub", xa, xb) from None

    def backward(self, g):
        return self._grads(g, -g if self.alpha == 1 else g * -self.alpha)


class Mul(_Binary):
    stateless = False

    def forward(self, a, b):
        xa, xb = binary_arrays(a, b, "mul")
        self._meta(a, b)
        self.save_for_backward(a if isinstance(a, Tensor) else None, b if isinstance(b, Tensor) else None)
        self.ca, self.cb = a, b  # a Python scalar operand, used as is in backward
        try:
            return xa * xb
        except ValueError:
            raise _broadcast_error("mul", xa, xb) from None

    def backward(self, g):
        a, b = self.saved_tensors
        n = self.needs_input_grad
        return self._grads(
            g * (b if b is not None else self.cb) if n[0] else None,
            g * (a if a is not None else self.ca) if n[1] else None,
        )


class Div(_Binary):
    stateless = False

    def forward(self, a, b):
        xa, xb = binary_arrays(a, b, "div")
        if isinstance(xa, np.ndarray) and xa.dtype.kind != "f" or (
            not isinstance(xa, np.ndarray) and isinstance(xb, np.ndarray) and xb.dtype.kind != "f"
        ):
            f = dtypes.get_default_dtype().np  # true division of integers gives floats
            xa = np.asarray(xa, f) if isinstance(xa, np.ndarray) else float(xa)
            xb = np.asarray(xb, f) if isinstance(xb, np.ndarray) else float(xb)
        self._meta(a, b)
        self.save_for_backward(a if isinstance(a, Tensor) else None, b if isinstance(b, Tensor) else None)
        self.ca, self.cb = a, b
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                return xa / xb
        except ValueError:
            raise _broadcast_error("div", xa, xb) from None

    def backward(self, g):
        a, b = self.saved_tensors
        n = self.needs_input_grad
        ga = g / (b if b is not None else self.cb) if n[0] else None
        gb = -g * (a if a is not None else self.ca) / (b * b) if n[1] else None
        return self._grads(ga, gb)


def add(input, other, *, alpha=1, out=None) -> Tensor:
    """``input + alpha * other``, broadcasting."""
    return Add.apply(input, other, alpha=alpha)


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """``input - alpha * other``, broadcasting."""
    return Sub.apply(input, other, alpha=alpha)


subtract = sub


def mul(input, other, *, out=None) -> Tensor:
    """``input * other``, broadcasting."""
    return Mul.apply(input, other)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """``input / other``; ``rounding_mode`` 'trunc' or 'floor' rounds the quotient."""
    if rounding_mode is None:
        return Div.apply(input, other)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        q = Div.apply(input, other)
        r = trunc(q)
        rt = dtypes.result_type(input, other)
        return r if rt.is_floating_point else cast(r, rt)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found {rounding_mode!r}")


divide = true_divide = div


# --- unary -----------------------------------------------------------------------------------


class Neg(Op):
    stateless = True

    def forward(self, x):
        if x._data.dtype == np.bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported.")
        return np.negative(x._data)

    def backward(self, g):
        return -g


class Exp(Op):
    save_output = True

    def forward(self, x):
        return np.exp(float_array(x))

    def backward(self, g):
        return g * self.output


class Log(Op):
    def forward(self, x):
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(float_array(x))

    def backward(self, g):
        (x,) = self.saved_tensors
        return g / x


def neg(input) -> Tensor:
    return Neg.apply(input)


negative = neg


def exp(input) -> Tensor:
    return Exp.apply(input)


def log(input) -> Tensor:
    return Log.apply(input)


# --- casts and copies ------------------------------------------------------------------------


class Cast(Op):
    stateless = True

    def forward(self, x, dtype):
        self.src = x.dtype
        return x._data.astype(dtype.np)

    def backward(self, g):
        return cast(g, self.src)

    def name(self) -> str:
        return "ToCopyBackward0"


class Clone(Op):
    stateless = True

    def forward(self, x):
        return x._data.copy()

    def backward(self, g):
        return g


def cast(input: Tensor, dtype) -> Tensor:
    """A copy of ``input`` converted to ``dtype`` (differentiable between float dtypes)."""
    dtype = dtypes.as_dtype(dtype)
    if input._data.dtype == dtype.np:
        return input
    return Cast.apply(input, dtype)


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    return Clone.apply(input)


# --- in place --------------------------------------------------------------------------------


def add_(self: Tensor, other, *, alpha=1) -> Tensor:
    return apply_inplace(Add, self, other, alpha=alpha)


def sub_(self: Tensor, other, *, alpha=1) -> Tensor:
    return apply_inplace(Sub, self, other, alpha=alpha)


def mul_(self: Tensor, other) -> Tensor:
    return apply_inplace(Mul, self, other)


def div_(self: Tensor, other, *, rounding_mode=None) -> Tensor:
    if rounding_mode is not None:
        return copy_(self, div(self, other, rounding_mode=rounding_mode))
    return apply_inplace(Div, self, other)


from .reduction import sum_to  # noqa: E402  (reduction's backward uses this module too)
