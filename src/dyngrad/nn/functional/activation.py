"""Activation functions of ``nn.functional``.

The nn-specific ones are primitives here (one NumPy pass forward); their backward multiplies the
gradient by the derivative written with dyngrad ops, so second derivatives work. Piecewise-linear
activations keep a constant slope array (their second derivative is zero). ``relu``, ``sigmoid``,
``tanh``, ``softplus``, ``softmax`` and ``log_softmax`` are dyngrad's own ops."""

from __future__ import annotations

import math
import warnings

from ..._numpy import np
from ...autograd.function import Op, apply_inplace
from ...ops import unary as _unary
from ...ops._util import opmath
from ...ops.comparison import where
from ...tensor import Tensor, _wrap

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "elu", "elu_", "selu", "selu_",
    "celu", "celu_", "gelu", "silu", "mish", "hardtanh", "hardtanh_", "hardsigmoid", "hardswish",
    "softplus", "softsign", "sigmoid", "tanh", "softmax", "log_softmax", "logsigmoid", "threshold",
    "threshold_",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_BETA = math.sqrt(2.0 / math.pi)
_GELU_KAPPA = 0.044715


def _opmath_data(x: Tensor, op: str) -> tuple:
    """``x``'s array for a formula of several steps (float16 computed in float32, see
    ``ops._util.opmath``) and the dtype to round the result to."""
    d = _float_data(x, op)
    return opmath(d), d.dtype


def _float_data(x: Tensor, op: str) -> np.ndarray:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    d = x._data
    if d.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input tensor, got dtype {x.dtype}")
    return d


# --- piecewise linear: the derivative is a constant array ---------------------------------------


class _Sloped(Op):
    """Forward returns ``(output, slope)``; backward is ``g * slope``."""

    _release_attrs = ("slope",)

    def forward(self, x, **settings):
        out, slope = self.compute(_float_data(x, self.op_name), **settings)
        self.slope = slope
        return out

    def backward(self, g):
        return g * _wrap(self.slope)


class LeakyRelu(_Sloped):
    op_name = "leaky_relu"

    @staticmethod
    def compute(d, negative_slope):
        slope = np.where(d > 0, 1.0, negative_slope).astype(d.dtype)
        return d * slope, slope


class Hardtanh(_Sloped):
    op_name = "hardtanh"

    @staticmethod
    def compute(d, min_val, max_val):
        # PyTorch's gradient is zero at the kinks themselves and passes through NaN (its mask is
        # "not (x <= min or x >= max)")
        slope = np.logical_not((d <= min_val) | (d >= max_val)).astype(d.dtype)
        return np.clip(d, min_val, max_val).astype(d.dtype, copy=False), slope


class Threshold(_Sloped):
    op_name = "threshold"

    @staticmethod
    def compute(d, threshold, value):
        # PyTorch: value where x <= threshold, else x (NaN stays); the gradient likewise
        below = d <= threshold
        return np.where(below, d.dtype.type(value), d), np.logical_not(below).astype(d.dtype)


class Hardsigmoid(_Sloped):
    op_name = "hardsigmoid"

    @staticmethod
    def compute(d):
        # PyTorch's backward multiplies by 1/6 rounded to float32, in every dtype
        slope = ((d > -3) & (d < 3)).astype(d.dtype) * d.dtype.type(np.float32(1.0) / np.float32(6.0))
        return np.minimum(np.maximum(d + 3, 0), 6) / d.dtype.type(6), slope


# --- smooth (or piecewise smooth): derivative from dyngrad ops ---------------------------------


class Elu(Op):
    """PyTorch's generalised ELU: ``scale * x`` for x > 0, else
    ``scale * alpha * (exp(x * input_scale) - 1)``; ELU, SELU and CELU are settings of it."""

    def forward(self, x, alpha, scale, input_scale, backward_input_scale=None):
        d = _float_data(x, "elu")
        self.save_for_backward(x)
        self.alpha, self.scale = alpha, scale
        self.input_scale = input_scale if backward_input_scale is None else backward_input_scale
        positive = d > 0
        with np.errstate(over="ignore"):
            neg = np.expm1(np.minimum(d, 0) * input_scale) * (alpha * scale)
        return np.where(positive, d * scale, neg).astype(d.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved_tensors
        d = x._data
        below = d <= 0
        negative = below.astype(d.dtype)
        # exp(x * input_scale) only where x <= 0: the exponent is 0 elsewhere (no overflow, and
        # NaN inputs take the positive branch, as in PyTorch)
        exponent = where(_wrap(below), x, 0.0) * self.input_scale
        slope = _wrap((1 - negative) * self.scale) + _unary.exp(exponent) * _wrap(
            negative * (self.alpha * self.scale * self.input_scale)
        )
        return g * slope


class Gelu(Op):
    """``x * Phi(x)`` with the normal CDF ``Phi`` (or its tanh approximation)."""

    def forward(self, x, *, approximate):
        d, dt = _opmath_data(x, "gelu")
        self.save_for_backward(x)
        self.approximate = approximate
        if approximate == "tanh":
            inner = (d + d * d * d * _GELU_KAPPA) * _GELU_BETA
            return (d * 0.5 * (1 + np.tanh(inner))).astype(dt, copy=False)
        return (d * 0.5 * (1 + _unary._erf_array(d * _SQRT_HALF))).astype(dt, copy=False)

    def backward(self, g):
        (x,) = self.saved_tensors
        if self.approximate == "tanh":
            x2 = x * x
            t = _unary.tanh((x + x2 * x * _GELU_KAPPA) * _GELU_BETA)
            inner_derivative = (x2 * (3 * _GELU_KAPPA) + 1) * _GELU_BETA
            slope = (t + 1) * 0.5 + x * 0.5 * (1 - t * t) * inner_derivative
        else:
            cdf = (_unary.erf(x * _SQRT_HALF) + 1) * 0.5
            slope = cdf + x * _unary.exp(x * x * -0.5) * _INV_SQRT_2PI
        return g * slope


class Silu(Op):
    def forward(self, x):
        d, dt = _opmath_data(x, "silu")
        self.save_for_backward(x)
        return (d / (1 + np.exp(-d))).astype(dt, copy=False)

    def backward(self, g):
        (x,) = self.saved_tensors
        s = _unary.sigmoid(x)
        return g * (s * (x * (1 - s) + 1))


class Mish(Op):
    def forward(self, x):
        d, dt = _opmath_data(x, "mish")
        self.save_for_backward(x)
        return (d * np.tanh(np.logaddexp(0, d))).astype(dt, copy=False)

    def backward(self, g):
        (x,) = self.saved_tensors
        t = _unary.tanh(_unary.softplus(x))
        return g * (t + x * _unary.sigmoid(x) * (1 - t * t))


class LogSigmoid(Op):
    """``log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))``, finite for every x."""

    def forward(self, x):
        d, dt = _opmath_data(x, "logsigmoid")
        self.save_for_backward(x)
        return (np.minimum(d, 0) - np.log1p(np.exp(-np.abs(d)))).astype(dt, copy=False)

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * _unary.sigmoid(-x)


class Hardswish(Op):
    """``x * relu6(x + 3) / 6``: zero below -3, ``x`` above 3, quadratic between."""

    def forward(self, x):
        d = _float_data(x, "hardswish")
        self.save_for_backward(x)
        return d * np.minimum(np.maximum(d + 3, 0), 6) / d.dtype.type(6)

    def backward(self, g):
        (x,) = self.saved_tensors
        d = x._data
        middle = ((d >= -3) & (d <= 3)).astype(d.dtype)
        above = (d > 3).astype(d.dtype)
        # PyTorch: 0 for x < -3, x / 3 + 0.5 for -3 <= x <= 3, 1 above
        return g * (x * _wrap(middle / 3) + _wrap(middle * 0.5 + above))


class Prelu(Op):
    """``max(0, x) + weight * min(0, x)``, one weight per channel (dim 1) or a single one."""

    def forward(self, x, weight):
        d = _float_data(x, "prelu")
        w = weight._data
        if w.size != 1:
            if d.ndim < 1 or d.shape[min(1, d.ndim - 1)] != w.size:
                channels = d.shape[1] if d.ndim >= 2 else (d.shape[0] if d.ndim else 1)
                raise RuntimeError(
                    f"prelu: the number of weights ({w.size}) must be 1 or the number of channels "
                    f"of the input (its dim 1: {channels}); input shape {list(d.shape)}"
                )
            shape = [1] * d.ndim
            shape[min(1, d.ndim - 1)] = w.size
            w = w.reshape(shape)
        else:
            w = w.reshape(())
        self.wshape = weight._data.shape
        self.bshape = w.shape
        self.save_for_backward(x, weight)
        return np.where(d > 0, d, d * w).astype(np.result_type(d, w), copy=False)

    def backward(self, g):
        from ...ops.reduction import sum_to

        x, weight = self.saved_tensors
        negative = (x._data <= 0).astype(x._data.dtype)
        w = weight.reshape(self.bshape)
        gx = gw = None
        if self.needs_input_grad[0]:
            gx = g * (_wrap(1 - negative) + w * _wrap(negative))
        if self.needs_input_grad[1]:
            gw = sum_to(g * x * _wrap(negative), self.bshape).reshape(self.wshape)
        return gx, gw

    def name(self) -> str:
        return "PreluKernelBackward0"


# --- public functions ---------------------------------------------------------------------------


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(0, input)``."""
    return _unary.relu_(input) if inplace else _unary.relu(input)


def relu_(input: Tensor) -> Tensor:
    return _unary.relu_(input)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` clamped to ``[min_val, max_val]``."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return apply_inplace(Hardtanh, input, min_val=min_val, max_val=max_val)
    return Hardtanh.apply(input, min_val=min_val, max_val=max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(0, input), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``input`` where positive, ``negative_slope * input`` elsewhere."""
    if inplace:
        return apply_inplace(LeakyRelu, input, negative_slope=negative_slope)
    return LeakyRelu.apply(input, negative_slope=negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """Leaky ReLU with a learned slope per channel (dim 1)."""
    return Prelu.apply(input, weight)


def _elu(input: Tensor, alpha: float, scale: float, input_scale: float, inplace: bool,
         backward_input_scale: float | None = None) -> Tensor:
    if inplace:
        return apply_inplace(Elu, input, alpha, scale, input_scale, backward_input_scale)
    return Elu.apply(input, alpha, scale, input_scale, backward_input_scale)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` where positive, ``alpha * (exp(input) - 1)`` elsewhere."""
    return _elu(input, alpha, 1.0, 1.0, inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return _elu(input, alpha, 1.0, 1.0, True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Scaled ELU with the self-normalising constants."""
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace)


def selu_(input: Tensor) -> Tensor:
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0, True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu: alpha must not be 0")
    # PyTorch's backward rounds alpha to float32 before taking 1 / alpha: mirrored for equal grads
    return _elu(input, alpha, 1.0, 1.0 / alpha, inplace, 1.0 / float(np.float32(alpha)))


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``input * Phi(input)`` (``approximate='tanh'``: the tanh approximation)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate!r}")
    return Gelu.apply(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * sigmoid(input)`` (swish)."""
    if inplace:
        return apply_inplace(Silu, input)
    return Silu.apply(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * tanh(softplus(input))``."""
    if inplace:
        return apply_inplace(Mish, input)
    return Mish.apply(input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(input + 3) / 6``."""
    if inplace:
        return apply_inplace(Hardsigmoid, input)
    return Hardsigmoid.apply(input)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * relu6(input + 3) / 6``."""
    if inplace:
        return apply_inplace(Hardswish, input)
    return Hardswish.apply(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * input)) / beta``, linear above ``threshold``."""
    return _unary.softplus(input, beta, threshold)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``value`` where ``input <= threshold``, else ``input``."""
    if inplace:
        return apply_inplace(Threshold, input, threshold=threshold, value=value)
    return Threshold.apply(input, threshold=threshold, value=value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return apply_inplace(Threshold, input, threshold=threshold, value=value)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(input))``, computed without overflow."""
    return LogSigmoid.apply(input)


def softsign(input: Tensor) -> Tensor:
    """``input / (1 + |input|)``."""
    return input / (_unary.abs(input) + 1)


def sigmoid(input: Tensor) -> Tensor:
    return _unary.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return _unary.tanh(input)


def _softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
        "as an argument.",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``exp(input)`` normalised to sum to 1 along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim)
    return input.softmax(dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """``log(softmax(input, dim))``, computed stably."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim)
    return input.log_softmax(dim, dtype=dtype)
