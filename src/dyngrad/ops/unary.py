"""Unary elementwise primitives (math, activations, rounding) and copies (cast, clone, copy_,
fill_): forward on arrays, backward with dyngrad ops, side by side. Re-exported by elementwise."""

from __future__ import annotations

import math

from .. import dtypes
from .._numpy import np
from ..autograd import grad_mode
from ..autograd.function import Op, apply_inplace
from ._util import FLOAT16, Tensor, _wrap, opmath
from .elementwise import (
    _broadcast_error,
    _check_inplace_shape,
    _default_float,
    _masked_grad,
    _not_for,
    _unbroadcast,
    _zeros_like,
)

__all__ = [
    "neg", "negative", "abs", "absolute", "exp", "exp2", "log", "log2", "log10", "log1p", "expm1",
    "sqrt", "rsqrt", "sin", "cos", "tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan",
    "sinh", "cosh", "tanh", "sigmoid", "relu", "erf", "sign", "floor", "ceil", "round", "trunc",
    "frac", "reciprocal", "clone", "cast", "neg_", "abs_", "exp_", "log_", "sqrt_", "sigmoid_",
    "tanh_", "relu_", "zero_", "fill_",
]

_ONES: dict = {}


def _one(dtype: np.dtype) -> np.ndarray:
    """A read-only 0-d 1 of ``dtype``: as a ufunc operand it costs no Python-scalar promotion."""
    one = _ONES.get(dtype)
    if one is None:
        one = _ONES[dtype] = np.ones((), dtype)
        one.flags.writeable = False
    return one


def _new_array(r) -> np.ndarray:
    """A ufunc's new result as an array to write into: NumPy gives a scalar for 0-dim operands."""
    return r if type(r) is np.ndarray else np.array(r)


def _sigmoid_array(d: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-d))`` in one buffer; exp's overflow for very negative d gives 0, as it
    should. Positional ``out``: cheaper than the keyword on small arrays."""
    if d.dtype is FLOAT16:
        return _sigmoid_array(opmath(d)).astype(np.float16)
    if not d.ndim:  # NumPy gives scalars for 0-dim operands, which can't be written into
        return np.reciprocal(np.exp(np.negative(d)) + 1)
    t = np.negative(d)
    np.exp(t, t)
    np.add(t, _one(t.dtype), t)
    return np.reciprocal(t, t)


_erf_impl: list = []


def _erf_array(d: np.ndarray) -> np.ndarray:
    """erf elementwise: SciPy's vectorised one when installed (imported on first use: it costs
    ~0.15 s of import time), else math.erf per element."""
    if not _erf_impl:
        try:
            from scipy.special import erf
        except ImportError:  # pragma: no cover - depends on the environment
            ufunc = np.frompyfunc(math.erf, 1, 1)

            def erf(a: np.ndarray) -> np.ndarray:
                return np.asarray(ufunc(a), dtype=a.dtype)

        _erf_impl.append(erf)
    return np.asarray(_erf_impl[0](d)).astype(d.dtype, copy=False)  # SciPy's float16 erf is float64


class _Unary(Op):
    """``ufunc`` on the data (integers become the default float). ``backward`` reads the saved
    input, or the output when ``save_output`` is set."""

    ufunc = None

    def __init_subclass__(cls, **kwargs):
        # unless a subclass changes forward, the ufunc on float data is its whole no-grad forward
        cls.no_grad_ufunc = cls.ufunc if cls.forward is _Unary.forward else None
        super().__init_subclass__(**kwargs)

    def forward(self, x):
        d = x._data
        if d.dtype.kind != "f":
            d = d.astype(_default_float())
        if not self.save_output:
            self.save_for_backward(x)
        return self.ufunc(d)


class Exp(_Unary):
    ufunc = np.exp
    save_output = True

    def backward(self, g):
        return g * self.output


class Exp2(_Unary):
    ufunc = np.exp2
    save_output = True

    def backward(self, g):
        return g * (self.output * math.log(2.0))


class Expm1(_Unary):
    ufunc = np.expm1
    save_output = True

    def backward(self, g):
        return g * (self.output + 1)


class Log(_Unary):
    ufunc = np.log

    def backward(self, g):
        (x,) = self.saved_tensors
        return g / x


class Log2(_Unary):
    ufunc = np.log2

    def backward(self, g):
        (x,) = self.saved_tensors
        return g / (x * math.log(2.0))


class Log10(_Unary):
    ufunc = np.log10

    def backward(self, g):
        (x,) = self.saved_tensors
        return g / (x * math.log(10.0))


class Log1p(_Unary):
    ufunc = np.log1p

    def backward(self, g):
        (x,) = self.saved_tensors
        return g / (x + 1)


class Sqrt(_Unary):
    ufunc = np.sqrt
    save_output = True

    def backward(self, g):
        return g / (self.output * 2)


class Rsqrt(_Unary):
    save_output = True

    @staticmethod
    def ufunc(d):
        return (1 / np.sqrt(opmath(d))).astype(d.dtype, copy=False)

    def backward(self, g):
        return -0.5 * g * pow(self.output, 3)


class Reciprocal(_Unary):
    save_output = True

    @staticmethod
    def ufunc(d):
        return 1 / d

    def backward(self, g):
        out = self.output
        return -g * (out * out)


class Sin(_Unary):
    ufunc = np.sin

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * cos(x)


class Cos(_Unary):
    ufunc = np.cos

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * -sin(x)


class Tan(_Unary):
    ufunc = np.tan
    save_output = True

    def backward(self, g):
        out = self.output
        return g * (out * out + 1)


class Asin(_Unary):
    ufunc = np.arcsin

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * rsqrt(-x * x + 1)


class Acos(_Unary):
    ufunc = np.arccos

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * -rsqrt(-x * x + 1)


class Atan(_Unary):
    ufunc = np.arctan

    def backward(self, g):
        (x,) = self.saved_tensors
        return g / (x * x + 1)


class Sinh(_Unary):
    ufunc = np.sinh

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * cosh(x)


class Cosh(_Unary):
    ufunc = np.cosh

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * sinh(x)


class Tanh(_Unary):
    ufunc = np.tanh
    save_output = True

    def backward(self, g):
        return TanhGrad.apply(g, self.output)


class TanhGrad(Op):
    """tanh's backward, ``g * (1 - y * y)`` for its output ``y``, as one primitive: one dispatch
    instead of three on the hot path (PyTorch's ``tanh_backward``)."""

    def forward(self, g, y):
        gd, yd = g._data, y._data
        if self.needs_input_grad:
            self.save_for_backward(g, y)
        t = _new_array(np.multiply(yd, yd))
        np.subtract(_one(t.dtype), t, t)  # positional out, a 0-d one: cheapest on small arrays
        return np.multiply(t, gd, t if t.shape == gd.shape and t.dtype == gd.dtype else None)

    def backward(self, gg):
        g, y = self.saved_tensors
        n = self.needs_input_grad
        return (TanhGrad.apply(gg, y) if n[0] else None,
                gg * g * (y * -2.0) if n[1] else None)

    def name(self) -> str:
        return "TanhBackwardBackward0"


class Sigmoid(_Unary):
    save_output = True

    ufunc = staticmethod(_sigmoid_array)

    def backward(self, g):
        return SigmoidGrad.apply(g, self.output)


class SigmoidGrad(Op):
    """sigmoid's backward, ``g * (1 - y) * y`` for its output ``y``, as one primitive (PyTorch's
    ``sigmoid_backward``)."""

    def forward(self, g, y):
        gd, yd = g._data, y._data
        if self.needs_input_grad:
            self.save_for_backward(g, y)
        t = _new_array(np.subtract(_one(yd.dtype), yd))
        t = np.multiply(gd, t, t if t.shape == gd.shape and t.dtype == gd.dtype else None)
        return np.multiply(t, yd, t)

    def backward(self, gg):
        g, y = self.saved_tensors
        n = self.needs_input_grad
        return (SigmoidGrad.apply(gg, y) if n[0] else None,
                gg * g * (1 - 2.0 * y) if n[1] else None)

    def name(self) -> str:
        return "SigmoidBackwardBackward0"


class Erf(_Unary):
    ufunc = staticmethod(_erf_array)

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * (exp(-(x * x)) * (2.0 / math.sqrt(math.pi)))


class Neg(Op):
    stateless = True
    no_grad_ufunc = np.negative

    def forward(self, x):
        if x._data.dtype == np.bool_:
            raise RuntimeError(
                "neg: Negation, the `-` operator, on a bool tensor is not supported. If you are "
                "trying to invert a mask, use the `~` or `logical_not()` operator instead."
            )
        return np.negative(x._data)

    def backward(self, g):
        return -g


def _sign_array(d: np.ndarray) -> np.ndarray:
    """-1, 0 or 1 in ``d``'s dtype; nan gives 0 (PyTorch's sign)."""
    if d.dtype.kind != "f":
        return d.copy() if d.dtype.kind == "b" else np.sign(d)
    s = (d > 0).astype(d.dtype)
    s -= d < 0
    return s


class Abs(Op):
    def forward(self, x):
        _not_for(x, "abs", "b")
        self.save_for_backward(x)
        return np.abs(x._data)

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * _wrap(_sign_array(x._data))


class Relu(Op):
    save_output = True
    writes_into = True

    def forward(self, x, *, out=None):
        d = x._data
        if d.dtype.kind == "b":
            raise RuntimeError("relu: Boolean inputs not supported for relu")
        # NumPy 2.4 on AVX-512 takes the scalar 0 through a SIMD loop: ~2x faster on large
        # tensors than against an array of zeros (whose allocation and fill cost more)
        return np.maximum(d, 0, out=out)

    def backward(self, g):
        # PyTorch: the gradient is blocked where x <= 0 (so 0 at x == 0) and passes through NaN;
        # the output is 0 exactly there
        return _masked_grad(g, self.output._data != 0)

    def name(self) -> str:
        return "ReluBackward0"


class Softplus(Op):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``."""

    def forward(self, x, beta, threshold):
        _not_for(x, "softplus", "biu")
        d = opmath(x._data)
        self.save_for_backward(x)
        self.beta, self.threshold = beta, threshold
        z = d * beta
        return np.where(z > threshold, d, np.log1p(np.exp(z)) / beta).astype(x._data.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved_tensors
        z = x * self.beta
        return where(_wrap(z._data > self.threshold), g, g * sigmoid(z))


class _ZeroGrad(Op):
    """A float result whose gradient is zero everywhere (floor, sign, ...), as in PyTorch."""

    stateless = True
    ufunc = None
    not_for = "b"  # dtype kinds the op refuses
    name_ = ""

    def forward(self, x):
        d = x._data
        _not_for(x, self.name_, self.not_for)
        return self.ufunc(d) if d.dtype.kind == "f" else d.copy()

    def backward(self, g):
        return _zeros_like(g)


class Floor(_ZeroGrad):
    ufunc, name_ = np.floor, "floor"


class Ceil(_ZeroGrad):
    ufunc, name_ = np.ceil, "ceil"


class Trunc(_ZeroGrad):
    ufunc, name_ = np.trunc, "trunc"


class Sign(_ZeroGrad):
    def forward(self, x):
        return _sign_array(x._data)


class Round(_ZeroGrad):
    name_ = "round"

    def forward(self, x, *, decimals=0):
        d = x._data
        _not_for(x, "round", "b" if decimals == 0 else "biu")
        if d.dtype.kind != "f":
            return d.copy()
        if decimals == 0:
            return np.rint(d)
        # PyTorch's order of operations, for the same rounding
        if decimals > 0:
            scale = 10.0**decimals
            return np.rint(d * scale) / scale
        scale = 10.0**-decimals
        return np.rint(d / scale) * scale


class Frac(Op):
    stateless = True

    def forward(self, x):
        _not_for(x, "frac", "biu")
        d = x._data
        return d - np.trunc(d)

    def backward(self, g):
        return g


# name: primitive, for the Tensor methods that are the primitive's apply itself (bound in
# tensor_methods._bind_ops: no wrapper call per op)
TENSOR_METHODS: dict = {}


def _unary(cls, name: str):
    def op(input: Tensor) -> Tensor:
        return cls.apply(input)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name} of ``input`` (integer inputs give the default float dtype)."
    TENSOR_METHODS[name] = cls
    return op


exp, exp2, expm1 = _unary(Exp, "exp"), _unary(Exp2, "exp2"), _unary(Expm1, "expm1")
log, log2, log10, log1p = _unary(Log, "log"), _unary(Log2, "log2"), _unary(Log10, "log10"), _unary(Log1p, "log1p")
sqrt, rsqrt, reciprocal = _unary(Sqrt, "sqrt"), _unary(Rsqrt, "rsqrt"), _unary(Reciprocal, "reciprocal")
sin, cos, tan = _unary(Sin, "sin"), _unary(Cos, "cos"), _unary(Tan, "tan")
asin, acos, atan = _unary(Asin, "asin"), _unary(Acos, "acos"), _unary(Atan, "atan")
sinh, cosh, tanh = _unary(Sinh, "sinh"), _unary(Cosh, "cosh"), _unary(Tanh, "tanh")
sigmoid, erf, relu = _unary(Sigmoid, "sigmoid"), _unary(Erf, "erf"), _unary(Relu, "relu")
neg, abs = _unary(Neg, "neg"), _unary(Abs, "abs")  # noqa: A001 - PyTorch's names
floor, ceil, trunc = _unary(Floor, "floor"), _unary(Ceil, "ceil"), _unary(Trunc, "trunc")
sign, frac = _unary(Sign, "sign"), _unary(Frac, "frac")
negative, absolute, arcsin, arccos, arctan = neg, abs, asin, acos, atan
TENSOR_METHODS.update(negative=Neg, absolute=Abs, arcsin=Asin, arccos=Acos, arctan=Atan)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001
    """Round half to even, to ``decimals`` decimal places."""
    return Round.apply(input, decimals=decimals)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * input)) / beta``; ``input`` itself where ``beta * input > threshold``."""
    return Softplus.apply(input, beta, threshold)


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
        return x._data.copy(order="K")  # keeps the strides of a dense input, as PyTorch's clone

    def backward(self, g):
        return g


def cast(input: Tensor, dtype) -> Tensor:
    """A copy of ``input`` converted to ``dtype`` (differentiable between float dtypes)."""
    dtype = dtypes.as_dtype(dtype)
    if input._data.dtype == dtype.np:
        return input
    return Cast.apply(input, dtype)


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy of ``input`` that the graph connects to it."""
    return Clone.apply(input)


class Copy(Op):
    """``self.copy_(src)``: ``src`` broadcast to self's shape and cast to its dtype."""

    stateless = True

    def forward(self, x, src):
        s = src._data
        if self.needs_input_grad:
            self.src_meta = (s.shape, s.dtype)
        if s.shape != x._data.shape:
            try:
                s = np.broadcast_to(s, x._data.shape)
            except ValueError:
                raise _broadcast_error("copy_", x._data, s) from None
        return s if s.dtype == x._data.dtype else s.astype(x._data.dtype)

    def backward(self, g):
        n = self.needs_input_grad
        return (_zeros_like(g) if n[0] else None, _unbroadcast(g, *self.src_meta) if n[1] else None)

    def name(self) -> str:
        return "CopyBackwards"


class Fill(Op):
    """``self.fill_(value)``: every element becomes ``value`` (a number or a 0-dim tensor)."""

    stateless = True

    def forward(self, x, value):
        if isinstance(value, Tensor):
            self.vdtype = value._data.dtype
            value = value._data
        return np.full(x._data.shape, value, x._data.dtype)

    def backward(self, g):
        n = self.needs_input_grad
        return (_zeros_like(g) if n[0] else None, cast(g.sum(), dtypes._FROM_NP[self.vdtype]) if n[1] else None)


def _unary_(cls):
    def op_(input: Tensor) -> Tensor:
        return apply_inplace(cls, input)

    return op_


neg_, abs_, exp_, log_, sqrt_ = _unary_(Neg), _unary_(Abs), _unary_(Exp), _unary_(Log), _unary_(Sqrt)
sigmoid_, tanh_, relu_ = _unary_(Sigmoid), _unary_(Tanh), _unary_(Relu)


def fill_(self: Tensor, value) -> Tensor:
    """Set every element to ``value`` (a number or a 0-dim tensor, whose gradient is the sum)."""
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        if grad_mode.enabled and (self._requires_grad or value._requires_grad):
            return apply_inplace(Fill, self, value)
    elif grad_mode.enabled and self._requires_grad:
        return apply_inplace(Fill, self, value)
    self._data.fill(value._data if isinstance(value, Tensor) else value)  # nothing to record
    self._bump()
    return self


def zero_(self: Tensor) -> Tensor:
    """Set every element to 0."""
    return fill_(self, 0)


def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast) into ``self``; the gradient flows to ``src``."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_: expected a Tensor as src, got {type(src).__name__}")
    if grad_mode.enabled and (self._requires_grad or src._requires_grad):
        return apply_inplace(Copy, self, src)
    if src._data.shape != self._data.shape:
        _check_inplace_shape(self, "copy_", src)
    np.copyto(self._data, src._data, casting="unsafe")
    self._bump()
    return self


from .comparison import where  # noqa: E402  (comparison imports this module's neighbours)
