"""Powers: ``pow`` (tensor or number exponent, either side) and ``square``, with their backward
primitives. Part of the elementwise family, re-exported by ``elementwise``."""

from __future__ import annotations

from .. import dtypes
from .._numpy import np
from ..autograd.function import Op, apply_inplace
from ._util import Tensor, _wrap, out_variant
from .comparison import where
from .elementwise import (
    _Binary,
    _broadcast_error,
    _check_inplace_shape,
    _no_bool_pair,
    _same_float,
    _unbroadcast,
    _zeros_like,
)
from .unary import log

__all__ = ["pow", "square"]


def _int_power(xa, xb):
    """Integer ``xa ** xb`` with PyTorch's answers for negative exponents: 1 ** n = 1,
    (-1) ** n = +-1, anything else 0 (NumPy refuses them)."""
    neg = np.less(xb, 0)
    if not neg.any():
        return np.power(xa, xb)
    out = np.power(xa, np.where(neg, 0, xb))
    odd = np.bitwise_and(xb, 1).astype(bool)
    special = np.where(np.equal(xa, 1), 1, np.where(np.equal(xa, -1), np.where(odd, -1, 1), 0))
    return np.where(neg, special, out).astype(out.dtype)


class PowScalar(Op):
    """``x ** p`` for a number ``p``."""

    def forward(self, x, *, exponent):
        d = x._data
        p = exponent
        if type(p) is not int and type(p) is not float:
            p = exponent.item() if isinstance(exponent, np.generic) else exponent
            if not isinstance(p, (int, float)):
                raise TypeError(f"pow: expected a number or a Tensor as exponent, got {type(p).__name__}")
        if not (d.dtype.kind == "f" and (type(p) is float or type(p) is int)):
            rt = dtypes.result_type(x, p).np
            if rt.kind != "f" and p < 0:
                raise RuntimeError("pow: Integers to negative integer powers are not allowed.")
            if rt.kind == "b":  # bool ** bool stays bool in PyTorch: x ** True is x, x ** False True
                return d.copy() if p else np.ones_like(d)
            d = d.astype(rt, copy=False)
        if self.needs_input_grad:
            self.p = p
            self.save_for_backward(x)
        if p == 2:
            return np.square(d)
        if p == 0.5:
            return np.sqrt(d)
        if d.dtype.kind == "f":
            if p == -1:
                return np.reciprocal(d)
            # products, as PyTorch computes these two: its values to the bit (np.power's differ
            # in the last bit for ~30 % of floats) and no pow call per element (~45 ns each for a
            # negative base)
            if p == 3 and d.dtype.itemsize >= 4:  # (float16: PyTorch rounds once, from float32)
                cube = np.square(d)
                cube *= d
                return cube
            if p == -2 and d.dtype.itemsize >= 4:
                inverse = np.square(d)
                return np.reciprocal(inverse, out=inverse)
        return np.power(d, p)

    def backward(self, g):
        p = self.p
        if p == 0:
            return _zeros_like(g)
        (x,) = self.saved_tensors
        if p == 2:
            return ScaledMul.apply(g, x, c=2.0) if _same_float(g, x) else g * (x * 2.0)
        return g * (pow(x, p - 1) * p)

    def name(self) -> str:
        return "PowBackward0"


class ScaledMul(Op):
    """``g * (x * c)`` for a number ``c`` as one primitive (``x ** 2``'s backward), in that
    operation order. Linear in each tensor: its backward is the same op."""

    def forward(self, g, x, *, c):
        gd = g._data
        if self.needs_input_grad:
            self.c = c
            self.save_for_backward(g, x)
        xd = x._data
        # c as a 0-d array of x's float dtype, as _operands makes it (the weak scalar's value
        # without its ~0.2 us promotion); inline: through _operands this backward costs 0.15 us more
        t = np.multiply(xd, np.array(c, xd.dtype) if xd.dtype.kind == "f" else c)
        if type(t) is not np.ndarray or t.shape != gd.shape or t.dtype is not gd.dtype:
            return gd * t
        return np.multiply(gd, t, t)

    def backward(self, gg):
        g, x = self.saved_tensors
        n, c = self.needs_input_grad, self.c
        return (_unbroadcast(ScaledMul.apply(gg, x, c=c), g._data.shape, g._data.dtype) if n[0] else None,
                _unbroadcast(ScaledMul.apply(gg, g, c=c), x._data.shape, x._data.dtype) if n[1] else None)

    def name(self) -> str:
        return "PowBackwardBackward0"


class Pow(_Binary):
    """``a ** b`` for a tensor exponent ``b`` (``a`` a tensor or a number)."""

    stateless = False
    save_output = True

    def forward(self, a, b):
        _no_bool_pair(a, b, "pow")
        xa, xb = self._arrays(a, b, "pow")
        n = self.needs_input_grad
        if n:
            self.save_for_backward(a if isinstance(a, Tensor) else None, b)
        try:
            if (xa if isinstance(xa, np.ndarray) else xb).dtype.kind != "f":
                return _int_power(xa, xb)
            return np.power(xa, xb)
        except ValueError:
            raise _broadcast_error("pow", xa, xb) from None

    def backward(self, g):
        a, b = self.saved_tensors
        n = self.needs_input_grad
        ga = gb = None
        xb = b._data
        if n[0]:  # b * a ** (b - 1), but 0 where b == 0 (even at a == 0)
            ga = g * where(_wrap(xb == 0), 0.0, b * pow(a, b - 1))
        if n[1]:  # out * log(a), but 0 where a == 0 and b >= 0 (the limit)
            if a is not None:
                xa, log_a = a._data, log(a)
            else:
                xa = self.ca
                log_a = float(np.log(np.float64(xa)))
            gb = g * where(_wrap((xa == 0) & (xb >= 0)), 0.0, self.output * log_a)
        return self._grads(ga, gb)


@out_variant
def pow(input, exponent) -> Tensor:
    """``input ** exponent``; either may be a number (not both)."""
    if isinstance(exponent, Tensor):
        return Pow.apply(input, exponent)
    if not isinstance(input, Tensor):
        raise TypeError(f"pow: expected a Tensor base or exponent, got {type(input).__name__} and "
                        f"{type(exponent).__name__}")
    return PowScalar.apply(input, exponent=exponent)


def square(input) -> Tensor:
    """``input ** 2`` (bool becomes int64, as in PyTorch)."""
    return PowScalar.apply(input, exponent=2)


def pow_(self: Tensor, exponent) -> Tensor:
    if isinstance(exponent, Tensor):
        _check_inplace_shape(self, "pow_", exponent)
        return apply_inplace(Pow, self, exponent)
    return apply_inplace(PowScalar, self, exponent=exponent)
