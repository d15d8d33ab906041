"""Elementwise primitives: forward on arrays, backward with dyngrad ops, side by side.

This file holds the arithmetic (add ... div, remainder, addcmul, addcdiv) and the helpers the
family shares. Unary math, activations, rounding and copies live in ``unary.py``; comparisons,
logical and bitwise ops and the selecting ops (clamp, maximum/minimum, where, lerp) in
``comparison.py``; pow and square in ``power.py``. All are re-exported from here, so
``dyngrad.ops.elementwise`` is the family's one namespace.

Binary ops broadcast like PyTorch and promote dtypes by its rules; their backward sums the
gradient back to each input's shape (``_unbroadcast``)."""

from __future__ import annotations

from .. import dtypes
from .._numpy import np
from ..autograd.function import Op, apply_inplace
from ._util import Tensor, _wrap, binary_arrays, out_variant

__all__ = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "addcmul", "addcdiv",
]  # + unary.__all__ + comparison.__all__ + power.__all__, appended at the bottom

def _default_float() -> np.dtype:
    return dtypes._default[0].np


def _unbroadcast(g: Tensor, shape: tuple, dtype: np.dtype) -> Tensor:
    """Sum a gradient of the broadcast shape back to an input's shape and dtype."""
    if g._data.shape != shape:
        g = sum_to(g, shape)
    if g._data.dtype != dtype:
        g = cast(g, dtypes._FROM_NP[dtype])
    return g


def _zeros_like(g: Tensor) -> Tensor:
    return _wrap(np.zeros(g._data.shape, g._data.dtype))


# the integer type of each float width, to select a float's bits with a bitwise and
_BITS = {2: np.int16, 4: np.int32, 8: np.int64}


class MaskedGrad(Op):
    """``g`` where the bool array ``mask`` is True, else +0: the backward of the ops that pass a
    gradient through or block it (relu). Done on the bits: ``g``'s bits and'ed with a mask of
    all ones or all zeros, so a blocked position is exactly +0 whatever ``g`` holds there (inf,
    nan, a negative number, whose product with a False would be nan or -0) and a passed one is
    ``g`` bit for bit (nan included), as in PyTorch, in one pass besides the mask's. Linear in
    ``g`` and its own adjoint: its backward is the same op, which keeps double backward in
    dyngrad ops."""

    _release_attrs = ("mask",)

    def forward(self, g, *, mask):
        self.mask = mask
        gd = g._data
        bits = _BITS.get(gd.dtype.itemsize) if gd.dtype.kind == "f" else None
        if bits is None:
            return np.where(mask, gd, gd.dtype.type(0))
        keep = np.negative(mask, dtype=bits)  # -1 (all ones) or 0
        into = keep if type(keep) is np.ndarray and keep.shape == gd.shape else None  # (0-d: scalars)
        return np.bitwise_and(gd.view(bits), keep, out=into).view(gd.dtype)

    def backward(self, gg):
        return MaskedGrad.apply(gg, mask=self.mask)


def _masked_grad(g: Tensor, mask: np.ndarray) -> Tensor:
    """``g`` where ``mask``, else 0 (see ``MaskedGrad``)."""
    return MaskedGrad.apply(g, mask=mask)


def _not_for(x: Tensor, op: str, kinds: str) -> None:
    """PyTorch's error for a dtype an op has no kernel for (``kinds``: NumPy dtype kinds)."""
    if x._data.dtype.kind in kinds:
        raise NotImplementedError(f'"{op}" not implemented for \'{x.dtype.name}\' tensors')


def _broadcast_error(op: str, *shapes) -> RuntimeError:
    """PyTorch's message for operands that don't broadcast, prefixed by the op and all shapes."""
    shapes = [tuple(np.shape(s)) if not isinstance(s, tuple) else s for s in shapes]
    detail = ""
    for i in range(1, len(shapes)):
        a, b = shapes[0], shapes[i]
        for k in range(1, min(len(a), len(b)) + 1):
            if a[-k] != b[-k] and a[-k] != 1 and b[-k] != 1:
                dim = max(len(a), len(b)) - k
                detail = (f"The size of tensor a ({a[-k]}) must match the size of tensor b ({b[-k]}) "
                          f"at non-singleton dimension {dim}")
                break
        if detail:
            break
    got = " and ".join(str(list(s)) for s in shapes)
    return RuntimeError(f"{op}: {detail or 'shapes do not broadcast'} (shapes {got} cannot be broadcast "
                        "together: each dimension must match or be 1, aligned from the right)")


def _operands(a, b, op: str):
    """The operands as arrays (a Python int may stay one) of their PyTorch result dtype.

    NumPy treats a Python scalar as weakly typed, as PyTorch does: with a float array it is cast
    to the array's dtype. Made a 0-d array of that dtype here, it gives the same values, and the
    ufunc skips NumPy's scalar promotion (~0.4 us of a ~0.9 us call on a small array)."""
    if isinstance(a, Tensor):
        xa = a._data
        if isinstance(b, Tensor):
            if xa.dtype == b._data.dtype:
                return xa, b._data
        else:
            tb = type(b)
            if tb is float or tb is int:
                k = xa.dtype.kind
                if k == "f":
                    return xa, np.array(b, xa.dtype)
                if tb is int and k in "iu":
                    return xa, b
    elif isinstance(b, Tensor):
        ta = type(a)
        if ta is float or ta is int:
            xb = b._data
            k = xb.dtype.kind
            if k == "f":
                return np.array(a, xb.dtype), xb
            if ta is int and k in "iu":
                return a, xb
    if op == "sub":  # off the fast paths: where a bool meets another dtype in a subtraction
        error = _bool_sub_error(a, b)
        if error is not None:
            raise error
    return binary_arrays(a, b, op)


def _is_bool(v) -> bool:
    return type(v) is bool or (isinstance(v, Tensor) and v._data.dtype == np.bool_)


def _bool_sub_error(a, b) -> RuntimeError | None:
    """PyTorch's refusal of a subtraction with a bool operand (None if there is none)."""
    if _is_bool(a) and _is_bool(b):
        return RuntimeError("sub: Subtraction, the `-` operator, with two bool tensors is not supported. "
                            "Use the `^` or `logical_xor()` operator instead.")
    if _is_bool(a) or _is_bool(b):
        return RuntimeError("sub: Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                            "are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return None


def _no_bool_pair(a, b, op: str) -> None:
    """PyTorch has no kernel of ``op`` for two bool operands."""
    if _is_bool(a) and _is_bool(b):
        raise NotImplementedError(f'"{op}" not implemented for \'Bool\'')


def _float_operands(a, b, op: str):
    """Like ``_operands`` but integer/bool operands become the default float dtype."""
    xa, xb = _operands(a, b, op)
    arr = xa if isinstance(xa, np.ndarray) else xb
    if arr.dtype.kind == "f":
        return xa, xb
    f = _default_float()
    return np.asarray(xa, f), np.asarray(xb, f)


class _Binary(Op):
    """Base of broadcasting binary ops: remembers input shapes/dtypes for ``_unbroadcast``."""

    stateless = True  # keeps shapes only
    # the inputs' shapes and dtypes; None when both are the output's (two tensors of one shape and
    # dtype): their gradients then need neither a sum nor a cast (the engine gives a root's
    # gradient its output's dtype)
    sa = da = sb = db = None

    def _arrays(self, a, b, op: str, floats: bool = False):
        """``_operands`` (``_float_operands`` with ``floats``) and, while recording, ``_meta``: one
        call, and for two tensors of one dtype (the common case) no further one."""
        if isinstance(a, Tensor) and isinstance(b, Tensor):
            xa, xb = a._data, b._data
            dt = xa.dtype
            if (dt is xb.dtype or dt == xb.dtype) and (not floats or dt.kind == "f"):
                if self.needs_input_grad:
                    sa, sb = xa.shape, xb.shape
                    if sa != sb:
                        self.sa, self.da, self.sb, self.db = sa, dt, sb, dt
                return xa, xb
        xa, xb = _float_operands(a, b, op) if floats else _operands(a, b, op)
        if self.needs_input_grad:
            # with a number, the tensor needs grad (so it is a float) and the output has its shape
            # and dtype: its gradient needs neither a sum nor a cast, so keep only the number
            if type(b) is float or type(b) is int:
                self.cb = b
            elif type(a) is float or type(a) is int:
                self.ca = a
            else:
                self._meta(a, b)
        return xa, xb

    def _meta(self, a, b):
        if isinstance(a, Tensor):
            self.sa, self.da = a._data.shape, a._data.dtype
        else:
            self.ca = a  # a Python scalar operand, used as is in backward
        if isinstance(b, Tensor):
            self.sb, self.db = b._data.shape, b._data.dtype
        else:
            self.cb = b

    def _grads(self, ga, gb):
        n = self.needs_input_grad
        if self.sa is None and self.sb is None:  # both inputs of the output's shape and dtype
            return ga if n[0] else None, gb if n[1] else None
        # most gradients already have the input's shape and dtype: no call then (a dtype that is
        # not the same object may still be equal: _unbroadcast compares them properly)
        if not n[0]:
            ga = None
        elif ga._data.shape != self.sa or ga._data.dtype is not self.da:
            ga = _unbroadcast(ga, self.sa, self.da)
        if not n[1]:
            gb = None
        elif gb._data.shape != self.sb or gb._data.dtype is not self.db:
            gb = _unbroadcast(gb, self.sb, self.db)
        return ga, gb


def _check_alpha(alpha, xa, xb, op: str) -> None:
    arr = xa if isinstance(xa, np.ndarray) else xb
    if type(alpha) is float and arr.dtype.kind in "iub":
        raise RuntimeError(f"{op}: For integral input tensors, argument alpha must not be a floating point number.")
    if type(alpha) is bool and arr.dtype.kind != "b":
        raise RuntimeError(f"{op}: Boolean alpha only supported for Boolean results.")


def _into(ufunc, xa, xb, out: np.ndarray):
    """``ufunc(xa, xb)``, written into ``out`` (an in-place op's tensor) when the result has its
    dtype; else a new array, which ``apply_inplace`` casts and checks before copying it over."""
    if out.dtype == np.result_type(xa, xb):
        return ufunc(xa, xb, out=out)
    return ufunc(xa, xb)


class Add(_Binary):
    no_grad_ufunc = np.add
    alpha = 1
    writes_into = True

    def forward(self, a, b, *, alpha=1, out=None):
        xa, xb = self._arrays(a, b, "add")
        if alpha != 1 and self.needs_input_grad:
            self.alpha = alpha
        if alpha != 1 or type(alpha) is not int:
            _check_alpha(alpha, xa, xb, "add")
            xb = xb * alpha
        try:
            return xa + xb if out is None else _into(np.add, xa, xb, out)
        except ValueError:
            raise _broadcast_error("add", xa, xb) from None

    def backward(self, g):
        return self._grads(g, g if self.alpha == 1 else g * self.alpha)


class Sub(_Binary):
    no_grad_ufunc = np.subtract
    alpha = 1
    writes_into = True

    def forward(self, a, b, *, alpha=1, out=None):
        xa, xb = self._arrays(a, b, "sub")
        if alpha != 1 and self.needs_input_grad:
            self.alpha = alpha
        try:
            if alpha != 1 or type(alpha) is not int:
                _check_alpha(alpha, xa, xb, "sub")
                xb = xb * alpha
            return xa - xb if out is None else _into(np.subtract, xa, xb, out)
        except ValueError:
            raise _broadcast_error("sub", xa, xb) from None
        except TypeError:  # NumPy refuses bool - bool
            refusal = _bool_sub_error(a, b)
            if refusal is None:
                raise
            raise refusal from None

    def backward(self, g):
        return self._grads(g, -g if self.alpha == 1 else g * -self.alpha)


class Mul(_Binary):
    no_grad_ufunc = np.multiply
    stateless = False
    _saved = (None, None)  # what a product with a number saves: nothing (the number is kept as ca/cb)

    def forward(self, a, b):
        xa, xb = self._arrays(a, b, "mul")
        n = self.needs_input_grad
        if n:  # like PyTorch, save an operand only when the other one needs its gradient
            saved_b = b if n[0] and isinstance(b, Tensor) else None
            saved_a = a if n[1] and isinstance(a, Tensor) else None
            if saved_b is not None or saved_a is not None:
                self.save_for_backward(saved_b, saved_a)
        try:
            return xa * xb
        except ValueError:
            raise _broadcast_error("mul", xa, xb) from None

    def backward(self, g):
        b, a = self.saved_tensors
        n = self.needs_input_grad
        return self._grads(
            g * (b if b is not None else self.cb) if n[0] else None,
            g * (a if a is not None else self.ca) if n[1] else None,
        )


class Div(_Binary):
    no_grad_ufunc = np.true_divide
    stateless = False

    def forward(self, a, b):
        xa, xb = self._arrays(a, b, "div", floats=True)
        n = self.needs_input_grad
        if n:
            self.save_for_backward(a if n[1] and isinstance(a, Tensor) else None,
                                   b if isinstance(b, Tensor) else None)
        try:
            return xa / xb
        except ValueError:
            raise _broadcast_error("div", xa, xb) from None

    def backward(self, g):
        a, b = self.saved_tensors
        n = self.needs_input_grad
        den = b if b is not None else self.cb
        ga = g / den if n[0] else None
        gb = None
        if n[1]:
            num = a if a is not None else self.ca
            if _same_float(g, b, num):
                gb = DivGrad.apply(g, num, b)
            else:
                gb = -g * (num / den) / den
        return self._grads(ga, gb)


def _same_float(g: Tensor, x: Tensor, other=None) -> bool:
    """Whether NumPy on these operands gives what the composite dyngrad formula gives: one float
    dtype (``other`` may be a Python number), so no promotion rule can differ."""
    dt = x._data.dtype
    if (g._data.dtype is not dt and g._data.dtype != dt) or dt.kind != "f":
        return False
    return other is None or type(other) is float or type(other) is int or (
        isinstance(other, Tensor) and (other._data.dtype is dt or other._data.dtype == dt))


class DivGrad(Op):
    """The divisor's gradient of ``a / b``, ``-g * (a / b) / b``, as one primitive (one dispatch
    instead of four on the hot path), in that formula's operation order."""

    def forward(self, g, a, b):
        gd, bd = g._data, b._data
        if self.needs_input_grad:
            if not isinstance(a, Tensor):
                self.ca = a
            self.save_for_backward(g, a if isinstance(a, Tensor) else None, b)
        t = np.divide(a._data if isinstance(a, Tensor) else a, bd)
        # -(g * q) / b is -g * q / b exactly: rounding is sign-symmetric
        if type(t) is not np.ndarray or t.shape != gd.shape or t.dtype is not gd.dtype:
            return np.negative(gd * t / bd)  # 0-d (NumPy scalars) or broadcasting g
        np.multiply(gd, t, t)  # positional out: cheaper on small arrays
        np.divide(t, bd, t)
        return np.negative(t, t)

    def backward(self, gg):
        g, a, b = self.saved_tensors
        n = self.needs_input_grad
        num = a if a is not None else self.ca
        return (
            _unbroadcast(DivGrad.apply(gg, num, b), g._data.shape, g._data.dtype) if n[0] else None,
            _unbroadcast(DivGrad.apply(gg, g, b), a._data.shape, a._data.dtype) if n[1] else None,
            _unbroadcast(DivGrad.apply(gg * g, num, b) / b * -2.0, b._data.shape, b._data.dtype)
            if n[2] else None,
        )

    def name(self) -> str:
        return "DivBackwardBackward0"


def _int_zero_check(xb, op: str) -> None:
    if np.any(xb == 0):
        raise RuntimeError(f"{op}: ZeroDivisionError (integer division by zero)")


class DivRounded(_Binary):
    """``a / b`` rounded toward zero ('trunc') or down ('floor'); the gradients are zero."""

    def forward(self, a, b, *, mode):
        _no_bool_pair(a, b, "div_floor" if mode == "floor" else "div_trunc")
        xa, xb = self._arrays(a, b, "div")
        try:
            if (xa if isinstance(xa, np.ndarray) else xb).dtype.kind == "f":
                return np.floor_divide(xa, xb) if mode == "floor" else np.trunc(xa / xb)
            _int_zero_check(xb, "div")
            q = np.floor_divide(xa, xb)
            if mode == "trunc":  # floor and trunc differ for inexact negative quotients
                q = q + ((q < 0) & (q * xb != xa))
            return q
        except ValueError:
            raise _broadcast_error("div", xa, xb) from None

    def backward(self, g):
        n = self.needs_input_grad
        gd = g._data  # the inputs' shape and dtype when none was kept (see _Binary)
        sa, da = (gd.shape, gd.dtype) if self.sa is None else (self.sa, self.da)
        sb, db = (gd.shape, gd.dtype) if self.sb is None else (self.sb, self.db)
        return _wrap(np.zeros(sa, da)) if n[0] else None, _wrap(np.zeros(sb, db)) if n[1] else None

    def name(self) -> str:
        return "DivBackward3"


class FloorDivide(DivRounded):
    def forward(self, a, b):
        return DivRounded.forward(self, a, b, mode="floor")

    def backward(self, g):
        raise RuntimeError("derivative for floor_divide is not implemented")

    def name(self) -> str:
        return "FloorDivideBackward0"


class Remainder(_Binary):
    """Python's ``%``: the result has the sign of the divisor (``fmod``: of the dividend)."""

    stateless = False
    ufunc = staticmethod(np.remainder)
    rounding = "floor"

    def forward(self, a, b):
        _no_bool_pair(a, b, type(self).__name__.lower())
        xa, xb = self._arrays(a, b, type(self).__name__.lower())
        n = self.needs_input_grad
        if n:
            if n[1]:
                self.save_for_backward(a if isinstance(a, Tensor) else None, b)
        if (xa if isinstance(xa, np.ndarray) else xb).dtype.kind != "f":
            _int_zero_check(xb, type(self).__name__.lower())
        try:
            return self.ufunc(xa, xb)
        except ValueError:
            raise _broadcast_error(type(self).__name__.lower(), xa, xb) from None

    def backward(self, g):
        gb = None
        if self.needs_input_grad[1]:
            a, b = self.saved_tensors
            if a is None:  # PyTorch has no derivative for number % tensor
                raise RuntimeError(f"derivative for {type(self).__name__.lower()} with a number as input "
                                   "(number % tensor) is not implemented")
            gb = -g * div(a, b, rounding_mode=self.rounding)
        return self._grads(g, gb)


class Fmod(Remainder):
    ufunc = staticmethod(np.fmod)
    rounding = "trunc"


@out_variant
def add(input, other, *, alpha=1) -> Tensor:
    """``input + alpha * other``, broadcasting."""
    return Add.apply(input, other, alpha=alpha)


@out_variant
def sub(input, other, *, alpha=1) -> Tensor:
    """``input - alpha * other``, broadcasting."""
    return Sub.apply(input, other, alpha=alpha)


subtract = sub


@out_variant
def mul(input, other) -> Tensor:
    """``input * other``, broadcasting."""
    return Mul.apply(input, other)


multiply = mul


def _check_rounding_mode(mode) -> None:
    if mode != "trunc" and mode != "floor":
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found {mode!r}")


@out_variant
def div(input, other, *, rounding_mode: str | None = None) -> Tensor:
    """``input / other`` (true division); ``rounding_mode`` 'trunc' or 'floor' rounds the quotient."""
    if rounding_mode is None:
        return Div.apply(input, other)
    _check_rounding_mode(rounding_mode)
    return DivRounded.apply(input, other, mode=rounding_mode)


divide = true_divide = div


@out_variant
def floor_divide(input, other) -> Tensor:
    """``input // other``: the quotient rounded down (not differentiable, as in PyTorch)."""
    return FloorDivide.apply(input, other)


@out_variant
def remainder(input, other) -> Tensor:
    """Python's modulus: ``input - floor(input / other) * other``."""
    return Remainder.apply(input, other)


@out_variant
def fmod(input, other) -> Tensor:
    """C's modulus: ``input - trunc(input / other) * other``."""
    return Fmod.apply(input, other)


# --- addcmul, addcdiv -----------------------------------------------------------------------


class _Addc(Op):
    """``input + value * t1 OP t2`` in one pass (the optimizers' workhorse)."""

    divide = False

    def forward(self, x, t1, t2, *, value=1):
        d, d1, d2 = x._data, t1._data, t2._data
        rt = d.dtype
        if not (rt == d1.dtype == d2.dtype):
            rt = dtypes.result_type(x, t1, t2).np
            d, d1, d2 = d.astype(rt, copy=False), d1.astype(rt, copy=False), d2.astype(rt, copy=False)
        if self.divide and rt.kind != "f":
            raise RuntimeError(
                "addcdiv: Integer division with addcdiv is no longer supported; use "
                "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs")
        if isinstance(value, Tensor):
            value = value.item()
        if rt.kind != "f" and type(value) is float:
            value = int(value)  # PyTorch casts value to the integer dtype
        n = self.needs_input_grad
        if n:
            self.value = value
            self.shapes = (d.shape, d1.shape, d2.shape)
            self.dtypes = (x._data.dtype, t1._data.dtype, t2._data.dtype)
            self.save_for_backward(t1 if n[2] else None, t2 if n[1] or (n[2] and self.divide) else None)
        try:
            if not self.divide:
                return d + value * d1 * d2
            return d + value * d1 / d2
        except ValueError:
            raise _broadcast_error(type(self).__name__.lower(), d, d1, d2) from None

    def backward(self, g):
        t1, t2 = self.saved_tensors
        n, v = self.needs_input_grad, self.value
        (s0, s1, s2), (d0, d1, d2) = self.shapes, self.dtypes
        if self.divide:
            g1 = g * v / t2 if n[1] else None
            g2 = -g * v * t1 / (t2 * t2) if n[2] else None
        else:
            g1 = g * t2 * v if n[1] else None
            g2 = g * t1 * v if n[2] else None
        return (_unbroadcast(g, s0, d0) if n[0] else None,
                _unbroadcast(g1, s1, d1) if n[1] else None,
                _unbroadcast(g2, s2, d2) if n[2] else None)


class Addcmul(_Addc):
    divide = False


class Addcdiv(_Addc):
    divide = True


@out_variant
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``input + value * tensor1 * tensor2``."""
    return Addcmul.apply(input, tensor1, tensor2, value=value)


@out_variant
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``input + value * tensor1 / tensor2``."""
    return Addcdiv.apply(input, tensor1, tensor2, value=value)


# --- in place --------------------------------------------------------------------------------


def _check_inplace_shape(x: Tensor, op: str, *others) -> None:
    """An in-place result must keep ``x``'s shape: ``others`` may only broadcast up to it."""
    shape = x._data.shape
    for o in others:
        if isinstance(o, Tensor) and o._data.shape != shape:
            try:
                full = np.broadcast_shapes(shape, o._data.shape)
            except ValueError:
                raise _broadcast_error(op, shape, o._data.shape) from None
            if full != shape:
                raise RuntimeError(f"{op}: output with shape {list(shape)} doesn't match the broadcast "
                                   f"shape {list(full)}")


def add_(self: Tensor, other, *, alpha=1) -> Tensor:
    _check_inplace_shape(self, "add_", other)
    return apply_inplace(Add, self, other, alpha=alpha)


def sub_(self: Tensor, other, *, alpha=1) -> Tensor:
    _check_inplace_shape(self, "sub_", other)
    return apply_inplace(Sub, self, other, alpha=alpha)


def mul_(self: Tensor, other) -> Tensor:
    _check_inplace_shape(self, "mul_", other)
    return apply_inplace(Mul, self, other)


def div_(self: Tensor, other, *, rounding_mode: str | None = None) -> Tensor:
    _check_inplace_shape(self, "div_", other)
    if rounding_mode is not None:
        _check_rounding_mode(rounding_mode)
        return apply_inplace(DivRounded, self, other, mode=rounding_mode)
    return apply_inplace(Div, self, other)


def addcmul_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    _check_inplace_shape(self, "addcmul_", tensor1, tensor2)
    return apply_inplace(Addcmul, self, tensor1, tensor2, value=value)


def addcdiv_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    _check_inplace_shape(self, "addcdiv_", tensor1, tensor2)
    return apply_inplace(Addcdiv, self, tensor1, tensor2, value=value)


# the family's other files build on the helpers above
from . import binary_math as _binary_math  # noqa: E402
from . import comparison as _comparison  # noqa: E402
from . import power as _power  # noqa: E402
from . import unary as _unary_ops  # noqa: E402
from .binary_math import *  # noqa: E402, F403
from .binary_math import atan2_  # noqa: E402, F401  (for tensor_methods.py)
from .comparison import *  # noqa: E402, F403
from .comparison import lerp_, where  # noqa: E402, F401  (lerp_: for tensor.py)
from .power import *  # noqa: E402, F403
from .power import pow_  # noqa: E402, F401  (for tensor.py)
from .unary import *  # noqa: E402, F403
from .unary import Neg, cast, copy_, log, softplus  # noqa: E402, F401  (Neg, copy_, softplus: for tensor.py)

__all__ += _unary_ops.__all__ + _comparison.__all__ + _power.__all__ + _binary_math.__all__

from .reduction import sum_to  # noqa: E402  (after cast: reduction imports it from here)
