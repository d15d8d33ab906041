"""Comparisons, logical and bitwise ops, closeness tests, and the selecting ops built on them
(maximum, minimum, clamp, where) or blend (lerp) the operands. Re-exported by ``elementwise``.

Comparisons, logical/bitwise ops and the is* tests give bool (or integer) tensors, which never
require grad: they are plain functions without a graph node, the cheapest path there is."""

from __future__ import annotations

from .. import dtypes
from .._numpy import np
from ..autograd.function import Op, apply_inplace
from ._util import Tensor, _wrap, out_variant
from .elementwise import _Binary, _broadcast_error, _check_inplace_shape, _not_for, _operands, _unbroadcast

__all__ = [
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or",
    "bitwise_xor", "bitwise_not", "isnan", "isinf", "isfinite", "isclose", "allclose", "equal",
    "maximum", "minimum", "clamp", "clip", "clamp_min", "clamp_max", "clamp_", "clip_", "clamp_min_",
    "clamp_max_", "where", "lerp",
]


def _tensor(out) -> Tensor:
    return _wrap(out if type(out) is np.ndarray else np.asarray(out))


def _binary_fn(ufunc, name: str, kinds: str = "", doc: str = ""):
    """A broadcasting function of two operands (a number allowed on either side) that records
    nothing; ``kinds`` lists the dtype kinds it accepts (all when empty)."""

    @out_variant
    def op(input, other) -> Tensor:
        xa, xb = _operands(input, other, name)
        if kinds:
            kind = (xa if isinstance(xa, np.ndarray) else xb).dtype.kind
            if kind not in kinds:
                dt = dtypes.result_type(input, other).name
                raise NotImplementedError(f'"{name}" not implemented for \'{dt}\' tensors (integer or bool only)')
        try:
            return _tensor(ufunc(xa, xb))
        except ValueError:
            raise _broadcast_error(name, xa, xb) from None

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


eq = _binary_fn(np.equal, "eq", doc="``input == other`` elementwise, as a bool tensor.")
ne = _binary_fn(np.not_equal, "ne", doc="``input != other`` elementwise, as a bool tensor.")
lt = _binary_fn(np.less, "lt", doc="``input < other`` elementwise, as a bool tensor.")
le = _binary_fn(np.less_equal, "le", doc="``input <= other`` elementwise, as a bool tensor.")
gt = _binary_fn(np.greater, "gt", doc="``input > other`` elementwise, as a bool tensor.")
ge = _binary_fn(np.greater_equal, "ge", doc="``input >= other`` elementwise, as a bool tensor.")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

bitwise_and = _binary_fn(np.bitwise_and, "bitwise_and", "iub", "``input & other`` (integer or bool).")
bitwise_or = _binary_fn(np.bitwise_or, "bitwise_or", "iub", "``input | other`` (integer or bool).")
bitwise_xor = _binary_fn(np.bitwise_xor, "bitwise_xor", "iub", "``input ^ other`` (integer or bool).")


def _logical(ufunc, name: str):
    @out_variant
    def op(input: Tensor, other: Tensor) -> Tensor:
        xa = input._data if isinstance(input, Tensor) else input
        xb = other._data if isinstance(other, Tensor) else other
        try:
            return _tensor(ufunc(xa, xb))
        except ValueError:
            raise _broadcast_error(name, xa, xb) from None

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name.replace('_', ' ')} of the operands' truth values, as a bool tensor."
    return op


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


@out_variant
def logical_not(input: Tensor) -> Tensor:
    """Elementwise ``not`` of the truth values, as a bool tensor."""
    return _wrap(np.logical_not(input._data))


@out_variant
def bitwise_not(input: Tensor) -> Tensor:
    """``~input``: bitwise not of integers, logical not of bools."""
    if input._data.dtype.kind not in "iub":
        raise NotImplementedError(
            f"\"bitwise_not\" not implemented for '{input.dtype.name}' tensors (integer or bool only)")
    return _tensor(np.invert(input._data))


def isnan(input: Tensor) -> Tensor:
    """Where ``input`` is NaN (never, for integer tensors)."""
    d = input._data
    return _tensor(np.isnan(d) if d.dtype.kind == "f" else np.zeros(d.shape, bool))


def isinf(input: Tensor) -> Tensor:
    """Where ``input`` is +-infinity."""
    d = input._data
    return _tensor(np.isinf(d) if d.dtype.kind == "f" else np.zeros(d.shape, bool))


def isfinite(input: Tensor) -> Tensor:
    """Where ``input`` is neither infinite nor NaN."""
    d = input._data
    return _tensor(np.isfinite(d) if d.dtype.kind == "f" else np.ones(d.shape, bool))


def _close_operands(input: Tensor, other: Tensor, op: str):
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}(): argument 'other' must be Tensor, not {type(other).__name__}")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{op}: {input.dtype.name} did not match {other.dtype.name} (both "
                           "tensors must have the same dtype)")
    return input._data, other._data


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Where ``|input - other| <= atol + rtol * |other|`` (equal infinities are close)."""
    a, b = _close_operands(input, other, "isclose")
    try:
        if a.dtype.kind == "b":
            return _tensor(np.equal(a, b))
        return _tensor(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))
    except ValueError:
        raise _broadcast_error("isclose", a, b) from None


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether every element of ``input`` is close to ``other`` (see ``isclose``)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """Whether both tensors have the same shape and the same values."""
    if not isinstance(other, Tensor):
        raise TypeError(f"equal(): argument 'other' must be Tensor, not {type(other).__name__}")
    a, b = input._data, other._data
    return a.shape == b.shape and bool(np.array_equal(a, b))


# --- maximum, minimum ------------------------------------------------------------------------


class Maximum(_Binary):
    """Elementwise max; where the operands tie, each gets half the gradient (as in PyTorch)."""

    stateless = False
    ufunc = staticmethod(np.maximum)
    wins = staticmethod(np.greater)  # where input 0 alone is selected

    def forward(self, a, b):
        if not isinstance(b, Tensor) or not isinstance(a, Tensor):
            bad = b if isinstance(a, Tensor) else a
            raise TypeError(f"{type(self).__name__.lower()}(): expected Tensor operands, got "
                            f"{type(bad).__name__}")
        xa, xb = self._arrays(a, b, type(self).__name__.lower())
        if self.needs_input_grad:
            self.save_for_backward(a, b)
        try:
            return self.ufunc(xa, xb)
        except ValueError:
            raise _broadcast_error(type(self).__name__.lower(), xa, xb) from None

    def backward(self, g):
        a, b = self.saved_tensors
        xa, xb = a._data, b._data
        tie = xa == xb
        dt = g._data.dtype
        n = self.needs_input_grad
        ga = g * _wrap(np.where(tie, 0.5, self.wins(xa, xb)).astype(dt)) if n[0] else None
        gb = g * _wrap(np.where(tie, 0.5, self.wins(xb, xa)).astype(dt)) if n[1] else None
        return self._grads(ga, gb)


class Minimum(Maximum):
    ufunc = staticmethod(np.minimum)
    wins = staticmethod(np.less)


@out_variant
def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum (NaN propagates)."""
    return Maximum.apply(input, other)


@out_variant
def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum (NaN propagates)."""
    return Minimum.apply(input, other)


# --- clamp -----------------------------------------------------------------------------------


class Clamp(Op):
    """``min(max(x, lo), hi)``; the bounds are numbers, tensors or None.

    Gradients as PyTorch's: x gets it where ``lo <= x <= hi`` (bounds included), a tensor ``lo``
    where ``x < lo < hi``, a tensor ``hi`` where ``x > hi`` or ``hi < lo`` (then hi wins)."""

    _release_attrs = ("lo", "hi")

    def forward(self, x, lo, hi):
        d = x._data
        bounds = [v for v in (lo, hi) if v is not None]
        if d.dtype.kind == "f" and all(type(v) is float or type(v) is int for v in bounds):
            vlo, vhi = lo, hi
        else:
            rt = dtypes.result_type(x, *bounds).np
            d = d.astype(rt, copy=False)
            vlo, vhi = (v._data.astype(rt, copy=False) if isinstance(v, Tensor) else v for v in (lo, hi))
        if self.needs_input_grad:
            self.shapes = [(v._data.shape, v._data.dtype) if isinstance(v, Tensor) else None for v in (x, lo, hi)]
            self.lo, self.hi = lo, hi
            self.save_for_backward(x, lo if isinstance(lo, Tensor) else None, hi if isinstance(hi, Tensor) else None)
        try:
            out = d if vlo is None else np.maximum(d, vlo)
            return out if vhi is None else np.minimum(out, vhi)
        except ValueError:
            raise _broadcast_error("clamp", *(np.shape(v) for v in (d, vlo, vhi) if v is not None)) from None

    def backward(self, g):
        x, lo_t, hi_t = self.saved_tensors
        xd = x._data
        lo = lo_t._data if lo_t is not None else self.lo
        hi = hi_t._data if hi_t is not None else self.hi
        n = self.needs_input_grad
        grads = [None, None, None]
        if n[0]:
            keep = True if lo is None else xd >= lo
            if hi is not None:
                keep = keep & (xd <= hi)
            grads[0] = where(_tensor(keep), g, 0.0)
        if n[1]:
            keep = xd < lo if hi is None else (xd < lo) & (lo < hi)
            grads[1] = where(_tensor(keep), g, 0.0)
        if n[2]:
            keep = xd > hi if lo is None else (xd > hi) | (hi < lo)
            grads[2] = where(_tensor(keep), g, 0.0)
        return tuple(gr if gr is None else _unbroadcast(gr, *self.shapes[i]) for i, gr in enumerate(grads))

    # PyTorch's node names, with number bounds and with a tensor bound
    names = ("ClampBackward1", "ClampBackward0")

    def name(self) -> str:
        return self.names[any(s is not None for s in self.shapes[1:])]


class ClampMin(Clamp):
    """``clamp_min``: a ``Clamp`` with no upper bound, named as PyTorch's."""

    names = ("ClampMinBackward0", "ClampMinBackward1")


class ClampMax(Clamp):
    """``clamp_max``: a ``Clamp`` with no lower bound, named as PyTorch's."""

    names = ("ClampMaxBackward0", "ClampMaxBackward1")


def _bounds(lo, hi, op: str) -> None:
    if lo is None and hi is None:
        raise RuntimeError(f"{op}: At least one of 'min' or 'max' must not be None")


@out_variant
def clamp(input: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    """Limit ``input`` to ``[min, max]``; either bound may be a number, a tensor or None."""
    _bounds(min, max, "clamp")
    return Clamp.apply(input, min, max)


clip = clamp


def clamp_min(input: Tensor, min) -> Tensor:  # noqa: A002
    """``clamp(input, min=min)``."""
    return ClampMin.apply(input, min, None)


def clamp_max(input: Tensor, max) -> Tensor:  # noqa: A002
    """``clamp(input, max=max)``."""
    return ClampMax.apply(input, None, max)


def clamp_(input: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    """In-place ``clamp``."""
    return _clamp_inplace(Clamp, input, min, max, "clamp_")


clip_ = clamp_


def clamp_min_(input: Tensor, min) -> Tensor:  # noqa: A002
    return _clamp_inplace(ClampMin, input, min, None, "clamp_min_")


def clamp_max_(input: Tensor, max) -> Tensor:  # noqa: A002
    return _clamp_inplace(ClampMax, input, None, max, "clamp_max_")


def _clamp_inplace(op: type, input: Tensor, lo, hi, name: str) -> Tensor:
    _bounds(lo, hi, name)
    _check_inplace_shape(input, name, lo, hi)
    return apply_inplace(op, input, lo, hi)


# --- where -----------------------------------------------------------------------------------


class Where(_Binary):
    """``input`` where ``condition`` holds, else ``other``; all three broadcast."""

    stateless = False
    _release_attrs = ("cond",)

    def forward(self, cond, a, b):
        c = cond._data
        if c.dtype != np.bool_:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                               f"{cond.dtype.name}")
        if isinstance(a, Tensor) or isinstance(b, Tensor):
            xa, xb = _operands(a, b, "where")
        else:  # two numbers: their PyTorch dtype, not NumPy's
            rt = dtypes.result_type(a, b).np
            xa, xb = np.asarray(a, rt), np.asarray(b, rt)
        if self.needs_input_grad:
            self._meta(a, b)
            self.cond = c
        try:
            return np.where(c, xa, xb)
        except ValueError:
            raise _broadcast_error("where", c, np.shape(xa), np.shape(xb)) from None

    def backward(self, g):
        n = self.needs_input_grad
        c = _wrap(self.cond)
        ga = Where.apply(c, g, 0.0) if n[1] else None
        gb = Where.apply(c, 0.0, g) if n[2] else None
        return None, _unbroadcast(ga, self.sa, self.da) if n[1] else None, \
            _unbroadcast(gb, self.sb, self.db) if n[2] else None


def where(condition: Tensor, input=None, other=None) -> Tensor | tuple:
    """``input`` where ``condition`` is True, else ``other`` (numbers allowed); with only a
    condition, the indices of its True elements (``nonzero(as_tuple=True)``)."""
    if input is None and other is None:
        return tuple(_wrap(i.astype(np.int64, copy=False)) for i in np.nonzero(condition._data))
    if input is None or other is None:
        raise TypeError("where: expected both input and other, or neither")
    return Where.apply(condition, input, other)


# --- lerp ------------------------------------------------------------------------------------


class Lerp(Op):
    """``start + weight * (end - start)``, computed from the nearer end as PyTorch does."""

    _release_attrs = ("w",)

    def forward(self, start, end, weight):
        s, e = start._data, end._data
        _not_for(start, "lerp", "biu")
        if e.dtype != s.dtype:
            raise RuntimeError(f"lerp: expected dtype {start.dtype.name} for `end` but got dtype {end.dtype.name}")
        w = weight
        if isinstance(weight, Tensor):
            w = weight._data
            if w.dtype != s.dtype:
                if w.ndim:
                    raise RuntimeError(
                        f"lerp: expected dtype {start.dtype.name} for `weight` but got dtype {weight.dtype.name}")
                w = w.astype(s.dtype)
        n = self.needs_input_grad
        if n:
            self.meta = (s.shape, e.shape, weight._data.shape if isinstance(weight, Tensor) else None)
            self.w = weight
            self.save_for_backward(start if n[2] else None, end if n[2] else None,
                                   weight if isinstance(weight, Tensor) else None)
        try:
            diff = e - s
            if isinstance(w, np.ndarray):
                return np.where(np.abs(w) < 0.5, s + w * diff, e - diff * (1 - w))
            return s + w * diff if -0.5 < w < 0.5 else e - diff * (1 - w)
        except ValueError:
            raise _broadcast_error("lerp", s, e, np.shape(w)) from None

    def backward(self, g):
        start, end, w_t = self.saved_tensors
        w = w_t if w_t is not None else self.w
        n = self.needs_input_grad
        s_shape, e_shape, w_shape = self.meta
        dt = g._data.dtype
        return (
            _unbroadcast(g * (1 - w), s_shape, dt) if n[0] else None,
            _unbroadcast(g * w, e_shape, dt) if n[1] else None,
            _unbroadcast(g * (end - start), w_shape, dt) if n[2] else None,
        )


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """``input + weight * (end - input)``; ``weight`` is a number or a tensor."""
    return Lerp.apply(input, end, weight)


def lerp_(self: Tensor, end: Tensor, weight) -> Tensor:
    _check_inplace_shape(self, "lerp_", end, weight)
    return apply_inplace(Lerp, self, end, weight)
