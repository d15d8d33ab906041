"""Elementwise ops against PyTorch, with gradchecks (cases in CASES, checks from optable), plus
result dtypes, errors, gradients at special points and in-place semantics."""

import numpy as np
import pytest

import dyngrad
from optable import Const, OpCase, needs_torch, parametrize, torch


def _bools(shape):
    return Const(lambda rng: rng.random(shape) > 0.5)


def _ints(shape, lo=-5, hi=6):
    return Const(lambda rng: rng.integers(lo, hi, shape))


def _softplus(L, a, *args):
    return L.nn.functional.softplus(a, *args) if L is torch else a.softplus(*args)


def _with_specials(rng):
    return np.array([1.5, np.nan, np.inf, -np.inf, 0.0, -2.0])


SPECIALS = Const(_with_specials, keep_dtype=False)

CASES = [
    # --- arithmetic ---
    OpCase("add Tensor.add Tensor.__add__", lambda L, a, b: a + b, [(3, 4), (4,)], gradgrad=True),
    OpCase("add Tensor.__radd__", lambda L, a: 2.5 + a, [(3, 4)], gradgrad=True),
    OpCase("add", lambda L, a, b: L.add(a, b, alpha=-1.5), [(2, 1, 3), (4, 1)], gradgrad=True),
    OpCase("add", lambda L, a, b: a.add(b), [(), (3,)], gradgrad=True),
    OpCase("add", lambda L, a, b: a + b, [(0, 3), (3,)]),
    OpCase("sub subtract Tensor.sub Tensor.subtract Tensor.__sub__", lambda L, a, b: a - b, [(2, 3, 4), (3, 1)],
           gradgrad=True),
    OpCase("sub Tensor.__rsub__", lambda L, a: 1 - a, [(5,)]),
    OpCase("sub subtract", lambda L, a, b: L.subtract(a, b, alpha=2), [(3,), (2, 3)], gradgrad=True),
    OpCase("mul multiply Tensor.mul Tensor.multiply Tensor.__mul__", lambda L, a, b: a * b, [(3, 4), (3, 4)],
           gradgrad=True),
    OpCase("mul Tensor.__rmul__", lambda L, a: 3 * a, [(3, 4)], gradgrad=True),
    OpCase("mul", lambda L, a, b: L.mul(a, b), [(2, 1, 4), (3, 1)], gradgrad=True),
    OpCase("mul", lambda L, a, b: a * b, [(), ()], gradgrad=True),
    OpCase("div divide true_divide Tensor.div Tensor.divide Tensor.true_divide Tensor.__truediv__",
           lambda L, a, b: a / b, [(3, 4), (4,)], domain="nonzero", gradgrad=True),
    OpCase("div Tensor.__rtruediv__", lambda L, a: 2 / a, [(3, 4)], domain="nonzero", gradgrad=True),
    OpCase("div", lambda L, a: L.div(a, 4), [(2, 3)], gradgrad=True),
    OpCase("div", lambda L, a, b: L.div(a, b, rounding_mode="floor"), [(3, 4), (4,)], domain="nonzero"),
    OpCase("div", lambda L, a, b: a.div(b, rounding_mode="trunc"), [(3, 4), (3, 1)], domain="nonzero"),
    OpCase("divide", lambda L, a, i: L.divide(a, i), [(2, 5), Const(lambda rng: rng.integers(1, 4, (5,)))],
           gradgrad=True),
    OpCase("floor_divide Tensor.floor_divide Tensor.__floordiv__", lambda L, a, b: a // b, [(3, 4), (4,)],
           domain="nonzero", grad=False),
    OpCase("floor_divide Tensor.__rfloordiv__", lambda L, a: 3 // a, [(3, 4)], domain="nonzero", grad=False),
    OpCase("remainder Tensor.remainder Tensor.__mod__", lambda L, a, b: a % b, [(3, 4), (4,)], domain="nonzero",
           gradgrad=True),
    OpCase("remainder Tensor.__rmod__", lambda L, a: 2.5 % a, [(3, 4)], domain="nonzero", grad=False),
    OpCase("remainder", lambda L, a: L.remainder(a, -0.7), [(3, 4)]),
    OpCase("fmod Tensor.fmod", lambda L, a, b: L.fmod(a, b), [(3, 4), (3, 1)], domain="nonzero", gradgrad=True),
    OpCase("fmod", lambda L, a: a.fmod(0.6), [(5,)]),
    OpCase("pow Tensor.pow Tensor.__pow__", lambda L, a: a**3, [(3, 4)], gradgrad=True),
    OpCase("pow", lambda L, a: a**2, [(3, 4)], gradgrad=True),
    OpCase("pow", lambda L, a: L.pow(a, 0.5), [(3, 4)], domain="positive", gradgrad=True),
    OpCase("pow", lambda L, a: a.pow(-1.5), [(2, 3)], domain="positive", gradgrad=True),
    OpCase("pow", lambda L, a: a**-1, [(2, 3)], domain="nonzero", gradgrad=True),
    OpCase("pow", lambda L, a: a**-2, [(2, 3)], domain="nonzero", gradgrad=True),
    OpCase("pow", lambda L, a: a**0, [(2, 3)]),
    OpCase("pow", lambda L, a, b: a**b, [(3, 4), (4,)], domain="positive", gradgrad=True),
    OpCase("pow", lambda L, a, b: L.pow(a, b), [(3, 1), (2, 1, 4)], domain="positive", gradgrad=True),
    OpCase("pow Tensor.__rpow__", lambda L, a: 2.0**a, [(3, 4)], gradgrad=True),
    OpCase("pow", lambda L, a: L.pow(1.7, a), [()], gradgrad=True),
    OpCase("square Tensor.square", lambda L, a: L.square(a), [(3, 4)], gradgrad=True),
    OpCase("neg negative Tensor.neg Tensor.negative Tensor.__neg__", lambda L, a: -a, [(3, 4)], gradgrad=True),
    OpCase("negative", lambda L, a: L.negative(a), [()]),
    OpCase("abs absolute Tensor.abs Tensor.absolute Tensor.__abs__", lambda L, a: L.abs(a), [(3, 4)], domain="away",
           gradgrad=True),
    OpCase("absolute", lambda L, a: abs(a) + L.absolute(a), [(5,)], domain="away"),
    # --- exponentials, logs, roots ---
    OpCase("exp Tensor.exp", lambda L, a: L.exp(a), [(3, 4)], gradgrad=True),
    OpCase("exp", lambda L, a: a.exp(), [()], gradgrad=True),
    OpCase("exp", lambda L, a: L.exp(a), [(0, 2)]),
    OpCase("exp2 Tensor.exp2", lambda L, a: L.exp2(a), [(3, 4)], gradgrad=True),
    OpCase("expm1 Tensor.expm1", lambda L, a: a.expm1(), [(3, 4)], gradgrad=True),
    OpCase("log Tensor.log", lambda L, a: L.log(a), [(3, 4)], domain="positive", gradgrad=True),
    OpCase("log2 Tensor.log2", lambda L, a: a.log2(), [(3, 4)], domain="positive", gradgrad=True),
    OpCase("log10 Tensor.log10", lambda L, a: L.log10(a), [(3, 4)], domain="positive", gradgrad=True),
    OpCase("log1p Tensor.log1p", lambda L, a: a.log1p(), [(3, 4)], domain="positive", gradgrad=True),
    OpCase("sqrt Tensor.sqrt", lambda L, a: L.sqrt(a), [(3, 4)], domain="positive", gradgrad=True),
    OpCase("rsqrt Tensor.rsqrt", lambda L, a: a.rsqrt(), [(3, 4)], domain="positive", gradgrad=True),
    OpCase("reciprocal Tensor.reciprocal", lambda L, a: L.reciprocal(a), [(3, 4)], domain="nonzero", gradgrad=True),
    # --- trigonometric, hyperbolic ---
    OpCase("sin Tensor.sin", lambda L, a: L.sin(a), [(3, 4)], gradgrad=True),
    OpCase("cos Tensor.cos", lambda L, a: a.cos(), [(3, 4)], gradgrad=True),
    OpCase("tan Tensor.tan", lambda L, a: L.tan(a), [(3, 4)], domain="unit", gradgrad=True),
    OpCase("asin arcsin Tensor.asin", lambda L, a: L.asin(a) + L.arcsin(a), [(3, 4)], domain="unit", gradgrad=True),
    OpCase("acos arccos Tensor.acos", lambda L, a: a.acos() + L.arccos(a), [(3, 4)], domain="unit", gradgrad=True),
    OpCase("atan arctan Tensor.atan", lambda L, a: L.atan(a) + L.arctan(a), [(3, 4)], gradgrad=True),
    OpCase("sinh Tensor.sinh", lambda L, a: L.sinh(a), [(3, 4)], gradgrad=True),
    OpCase("cosh Tensor.cosh", lambda L, a: a.cosh(), [(3, 4)], gradgrad=True),
    OpCase("tanh Tensor.tanh", lambda L, a: L.tanh(a), [(3, 4)], gradgrad=True),
    # --- activations, special functions ---
    OpCase("sigmoid Tensor.sigmoid", lambda L, a: L.sigmoid(a), [(3, 4)], gradgrad=True),
    OpCase("sigmoid", lambda L, a: (a * 60).sigmoid(), [(20,)]),
    # 0-dim operands: the fused backward primitives (tanh, sigmoid, div, pow 2) get NumPy scalars
    OpCase("tanh sigmoid div pow", lambda L, a, b: L.tanh(a) * L.sigmoid(b) + a / (b * b + 1) + a**2,
           [(), ()], gradgrad=True),
    OpCase("relu Tensor.relu", lambda L, a: L.relu(a), [(3, 4)], domain="away", gradgrad=True),
    OpCase("Tensor.softplus", lambda L, a: _softplus(L, a), [(3, 4)], gradgrad=True),
    OpCase("Tensor.softplus", lambda L, a: _softplus(L, a * 3, 2.0, 1.5), [(4, 5)], domain="away", gradgrad=True),
    OpCase("erf Tensor.erf", lambda L, a: L.erf(a), [(3, 4)], gradgrad=True),
    # --- rounding (zero gradients) ---
    OpCase("sign Tensor.sign", lambda L, a: L.sign(a), [(3, 4)], domain="away"),
    OpCase("floor Tensor.floor", lambda L, a: L.floor(a * 3), [(3, 4)]),
    OpCase("ceil Tensor.ceil", lambda L, a: (a * 3).ceil(), [(3, 4)]),
    OpCase("round Tensor.round", lambda L, a: L.round(a * 3), [(3, 4)]),
    OpCase("round", lambda L, a: L.round(a * 30, decimals=1), [(3, 4)]),
    OpCase("round", lambda L, a: (a * 300).round(decimals=-1), [(3, 4)]),
    OpCase("trunc Tensor.trunc", lambda L, a: L.trunc(a * 3), [(3, 4)]),
    OpCase("frac Tensor.frac", lambda L, a: (a * 3).frac(), [(3, 4)], gradgrad=True),
    # --- clamp, maximum, minimum, where ---
    OpCase("clamp clip Tensor.clamp Tensor.clip", lambda L, a: L.clamp(a, -0.5, 0.5) + L.clip(a, max=0.2),
           [(3, 4)], gradgrad=True),
    OpCase("clamp", lambda L, a, lo, hi: L.clamp(a, lo, hi), [(3, 4), (4,), (3, 1)], gradgrad=True),
    OpCase("clamp", lambda L, a, lo: a.clamp(min=lo), [(3, 4), ()], gradgrad=True),
    OpCase("clamp", lambda L, a, hi: L.clamp(a, max=hi) + L.clamp(a, L.tensor(-1.0, dtype=a.dtype), hi),
           [(3, 4), (3, 1)]),
    OpCase("clamp_min Tensor.clamp_min", lambda L, a: L.clamp_min(a, 0.1) + a.clamp_min(-0.3), [(3, 4)]),
    OpCase("clamp_max Tensor.clamp_max", lambda L, a, b: L.clamp_max(a, b), [(3, 4), (3, 4)]),
    OpCase("maximum Tensor.maximum", lambda L, a, b: L.maximum(a, b), [(3, 4), (4,)], gradgrad=True),
    OpCase("atan2 arctan2 Tensor.atan2", lambda L, a, b: L.atan2(a, b) + L.arctan2(b, a) + a.atan2(b * 2),
           [(3, 4), (4,)], gradgrad=True),
    OpCase("minimum Tensor.minimum", lambda L, a, b: a.minimum(b), [(2, 1, 3), (4, 1)], gradgrad=True),
    OpCase("where Tensor.where", lambda L, c, a, b: L.where(c, a, b), [_bools((3, 4)), (3, 4), (3, 4)],
           gradgrad=True),
    OpCase("where", lambda L, c, a, b: L.where(c, a, b), [_bools((2, 1, 4)), (3, 1), (4,)], gradgrad=True),
    OpCase("where", lambda L, c, a: L.where(c, a, 0.0) + a.where(c, -1), [_bools((3, 4)), (3, 4)], gradgrad=True),
    OpCase("where", lambda L, c, b: L.where(c, 2.5, b), [_bools((4,)), (3, 4)], gradgrad=True),
    OpCase("where", lambda L, c: L.where(c, 1.0, 0), [_bools((3, 4))], grad=False),
    OpCase("where", lambda L, c: L.where(c), [_bools((3, 4))], grad=False),
    # --- lerp, addcmul, addcdiv ---
    OpCase("lerp Tensor.lerp", lambda L, a, b: L.lerp(a, b, 0.3) + a.lerp(b, 0.8), [(3, 4), (4,)], gradgrad=True),
    OpCase("lerp", lambda L, a, b, w: L.lerp(a, b, w), [(3, 4), (3, 4), (3, 1)], gradgrad=True),
    OpCase("lerp", lambda L, a, b, w: a.lerp(b, w), [(3, 4), (4,), ()], gradgrad=True),
    OpCase("addcmul", lambda L, a, b, c: L.addcmul(a, b, c, value=0.5), [(3, 4), (4,), (3, 1)], gradgrad=True),
    OpCase("addcmul", lambda L, a, b, c: L.addcmul(a, b, c), [(), (3,), (3,)], gradgrad=True),
    OpCase("addcdiv", lambda L, a, b, c: L.addcdiv(a, b, c, value=-2), [(3, 4), (3, 4), (4,)], domain="nonzero",
           gradgrad=True),
    # --- copies and casts ---
    OpCase("clone Tensor.clone", lambda L, a: L.clone(a) * 2, [(3, 4)], gradgrad=True),
    OpCase("clone", lambda L, a: a.t().clone(), [(3, 4)]),
    OpCase("cast", lambda L, a: a.to(L.float64) * a.double(), [(3, 4)], gradgrad=True),
    # --- comparisons, logical, bitwise, closeness (no gradients) ---
    OpCase("eq Tensor.eq Tensor.__eq__", lambda L, a, b: (L.eq(a, b), a == a, a.eq(0.5)), [(3, 4), (4,)], grad=False),
    OpCase("ne not_equal Tensor.ne Tensor.__ne__ Tensor.not_equal",
           lambda L, a, b: (L.ne(a, b), a != a, L.not_equal(a, 0), a.not_equal(b)), [(3, 4), (4,)], grad=False),
    OpCase("lt less Tensor.lt Tensor.__lt__ Tensor.less",
           lambda L, a, b: (L.lt(a, b), a < 0, L.less(a, b), a.less(0.1)), [(3, 4), (4,)], grad=False),
    OpCase("le less_equal Tensor.le Tensor.__le__ Tensor.less_equal",
           lambda L, a, b: (L.le(a, b), a <= b, L.less_equal(a, 0), a.le(b)), [(3, 4), (4,)], grad=False),
    OpCase("gt greater Tensor.gt Tensor.__gt__ Tensor.greater",
           lambda L, a, b: (L.gt(a, b), 0 > a, L.greater(a, b), a.gt(0)), [(3, 4), (4,)], grad=False),
    OpCase("ge greater_equal Tensor.ge Tensor.__ge__ Tensor.greater_equal",
           lambda L, a, b: (L.ge(a, b), a >= b, L.greater_equal(a, 0), a.greater_equal(b)), [(3, 4), (4,)],
           grad=False),
    OpCase("eq lt", lambda L, a, i: (L.eq(i, 2), i < 1.5, L.lt(a, i)), [(5,), _ints((5,))], grad=False),
    OpCase("logical_and Tensor.logical_and", lambda L, a, b: L.logical_and(a > 0, b), [(3, 4), (4,)], grad=False),
    OpCase("logical_or Tensor.logical_or", lambda L, a, b: (a > 0).logical_or(b > 0.5), [(3, 4), (4,)], grad=False),
    OpCase("logical_xor Tensor.logical_xor", lambda L, c, b: L.logical_xor(c, b), [_bools((3, 4)), _bools((4,))],
           grad=False),
    OpCase("logical_not Tensor.logical_not", lambda L, a, i: (L.logical_not(a > 0), i.logical_not()),
           [(3, 4), _ints((4,))], grad=False),
    OpCase("bitwise_and Tensor.__and__", lambda L, i, j: (L.bitwise_and(i, j), i & 3), [_ints((3, 4)), _ints((4,))],
           grad=False),
    OpCase("bitwise_or Tensor.__or__", lambda L, c, d: (L.bitwise_or(c, d), c | d), [_bools((3, 4)), _bools((4,))],
           grad=False),
    OpCase("bitwise_xor Tensor.__xor__", lambda L, i, c: (L.bitwise_xor(i, c), i ^ 6), [_ints((3, 4)), _bools((4,))],
           grad=False),
    OpCase("bitwise_not Tensor.__invert__", lambda L, i, c: (L.bitwise_not(i), ~c), [_ints((3, 4)), _bools((4,))],
           grad=False),
    OpCase("isnan Tensor.isnan", lambda L, s, i: (L.isnan(s), i.isnan()), [SPECIALS, _ints((3,))], grad=False),
    OpCase("isinf Tensor.isinf", lambda L, s: (L.isinf(s), s.isinf()), [SPECIALS], grad=False),
    OpCase("isfinite Tensor.isfinite", lambda L, s: L.isfinite(s), [SPECIALS], grad=False),
    OpCase("isclose Tensor.isclose", lambda L, a, b: (L.isclose(a, a + b * 1e-6), a.isclose(b, atol=0.5)),
           [(3, 4), (4,)], grad=False),
    OpCase("isclose", lambda L, s: L.isclose(s, s, equal_nan=True), [SPECIALS], grad=False),
    OpCase("allclose Tensor.allclose", lambda L, a, b: (L.allclose(a, a + b * 1e-9), a.allclose(b),
                                                       L.allclose(a, b, atol=10)), [(3, 4), (4,)], grad=False),
    OpCase("equal Tensor.equal", lambda L, a, b: (L.equal(a, a * 1), a.equal(b), L.equal(a, a[:1])),
           [(3, 4), (3, 4)], grad=False),
    # --- in place (on a non-leaf copy, so the leaf itself is never written) ---
    OpCase("Tensor.add_ Tensor.__iadd__", lambda L, a, b: (a * 1).add_(b, alpha=2), [(3, 4), (4,)], gradgrad=True),
    OpCase("Tensor.add_", lambda L, a: L.zeros(3, 4, dtype=a.dtype).add_(a), [(3, 4)]),
    OpCase("Tensor.sub_ Tensor.__isub__", lambda L, a, b: (a * 1).sub_(b), [(3, 4), (3, 1)], gradgrad=True),
    OpCase("Tensor.mul_ Tensor.__imul__", lambda L, a, b: (a * 1).mul_(b), [(3, 4), (4,)], gradgrad=True),
    OpCase("Tensor.mul_", lambda L, a: (a * 1).mul_(a), [(3, 4)], gradgrad=True),
    OpCase("Tensor.div_ Tensor.__itruediv__", lambda L, a, b: (a * 1).div_(b), [(3, 4), (4,)], domain="nonzero",
           gradgrad=True),
    OpCase("Tensor.div_", lambda L, a, b: (a * 1).div_(b, rounding_mode="floor"), [(3, 4), (4,)], domain="nonzero"),
    OpCase("Tensor.pow_", lambda L, a, b: (a * 1).pow_(2) + (a * 1).pow_(b), [(3, 4), (4,)], domain="positive",
           gradgrad=True),
    OpCase("neg_ Tensor.neg_", lambda L, a: L.neg_(a * 1), [(3, 4)]),
    OpCase("abs_ Tensor.abs_", lambda L, a: (a * 1).abs_(), [(3, 4)], domain="away"),
    OpCase("exp_ Tensor.exp_", lambda L, a: L.exp_(a * 1), [(3, 4)], gradgrad=True),
    OpCase("log_ Tensor.log_", lambda L, a: (a * 1).log_(), [(3, 4)], domain="positive", gradgrad=True),
    OpCase("sqrt_ Tensor.sqrt_", lambda L, a: L.sqrt_(a * 1), [(3, 4)], domain="positive", gradgrad=True),
    OpCase("sigmoid_ Tensor.sigmoid_", lambda L, a: (a * 1).sigmoid_(), [(3, 4)], gradgrad=True),
    OpCase("tanh_ Tensor.tanh_", lambda L, a: L.tanh_(a * 1), [(3, 4)], gradgrad=True),
    OpCase("relu_ Tensor.relu_", lambda L, a: (a * 1).relu_(), [(3, 4)], domain="away"),
    OpCase("clamp_ clip_ Tensor.clamp_ Tensor.clip_", lambda L, a: L.clamp_(a * 1, -0.5, 0.5) + (a * 1).clip_(0.1),
           [(3, 4)]),
    OpCase("clamp_min_ clamp_max_ Tensor.clamp_min_ Tensor.clamp_max_",
           lambda L, a, b: L.clamp_min_(a * 1, b) + (a * 1).clamp_max_(0.2) + L.clamp_max_(a * 1, b), [(3, 4), (4,)]),
    OpCase("Tensor.lerp_", lambda L, a, b, w: (a * 1).lerp_(b, w), [(3, 4), (4,), (3, 1)], gradgrad=True),
    OpCase("Tensor.addcmul_", lambda L, a, b, c: (a * 1).addcmul_(b, c, value=2), [(3, 4), (4,), (3, 4)],
           gradgrad=True),
    OpCase("Tensor.addcdiv_", lambda L, a, b, c: (a * 1).addcdiv_(b, c, value=0.5), [(3, 4), (4,), (3, 4)],
           domain="nonzero", gradgrad=True),
    OpCase("zero_ Tensor.zero_", lambda L, a: L.zero_(a * 1) + a, [(3, 4)]),
    OpCase("fill_ Tensor.fill_", lambda L, a: (a * 1).fill_(2.5) * a, [(3, 4)]),
    OpCase("fill_", lambda L, a, v: L.fill_(a * 1, v) * a, [(3, 4), ()], gradgrad=True),
    OpCase("Tensor.copy_", lambda L, a, b: (a * 1).copy_(b) * a, [(3, 4), (4,)], gradgrad=True),
    OpCase("Tensor.copy_", lambda L, a, i: (a * 1).copy_(i), [(3, 4), _ints((3, 4))]),
    OpCase("Tensor.copy_", lambda L, a, b: L.zeros(3, 4, dtype=L.float64).copy_(b) * a, [(3, 4), (3, 4)]),
]

globals().update(parametrize(CASES))


# --- result dtypes with integer and bool operands --------------------------------------------------


def _int_inputs(L):
    i = L.tensor([-3, 0, 2, 5])
    b = L.tensor([True, False, True, False])
    f = L.tensor([1.5, -2.0, 0.0, 3.25])
    i32 = L.tensor([1, -2, 3, 4], dtype=L.int32)
    return i, b, f, i32


DTYPE_CASES = {
    "int+int": lambda i, b, f, j, L: i + i, "int+scalar": lambda i, b, f, j, L: i + 3,
    "int+float scalar": lambda i, b, f, j, L: i + 0.5, "int32+int": lambda i, b, f, j, L: j + 7,
    "int32+int64": lambda i, b, f, j, L: j + i, "int32+0dim int64": lambda i, b, f, j, L: j + L.tensor(2),
    "int32+0dim float64": lambda i, b, f, j, L: j * L.tensor(2.5, dtype=L.float64),
    "bool+bool": lambda i, b, f, j, L: b + b, "bool*bool": lambda i, b, f, j, L: b * b,
    "bool+int": lambda i, b, f, j, L: b + 1, "int*bool": lambda i, b, f, j, L: i * b,
    "int/int": lambda i, b, f, j, L: i / (j + 10), "int/scalar": lambda i, b, f, j, L: 2 / (i + 10),
    "int//int": lambda i, b, f, j, L: i // -2, "int//float": lambda i, b, f, j, L: i // 2.0,
    "int%int": lambda i, b, f, j, L: i % 3, "-int%int": lambda i, b, f, j, L: L.remainder(-i, 4),
    "fmod int": lambda i, b, f, j, L: L.fmod(i, -3), "div trunc int": lambda i, b, f, j, L: L.div(i, -2, rounding_mode="trunc"),
    "div floor int": lambda i, b, f, j, L: L.div(i, 4, rounding_mode="floor"),
    "div trunc float": lambda i, b, f, j, L: L.div(i, 2.5, rounding_mode="trunc"),
    "int**2": lambda i, b, f, j, L: i**2, "bool**2": lambda i, b, f, j, L: b**2, "int**0.5": lambda i, b, f, j, L: (i + 3) ** 0.5,
    "int**int tensor": lambda i, b, f, j, L: L.tensor([-1, 2, 1, -1, 0]) ** L.tensor([-1, -1, -3, -2, 2]),
    "2**int": lambda i, b, f, j, L: 2**i, "2.0**int": lambda i, b, f, j, L: 2.0**i, "int**float": lambda i, b, f, j, L: (i + 4) ** f,
    "square bool": lambda i, b, f, j, L: L.square(b), "square int": lambda i, b, f, j, L: L.square(j),
    "abs int": lambda i, b, f, j, L: L.abs(i), "neg int32": lambda i, b, f, j, L: -j,
    "sign int": lambda i, b, f, j, L: L.sign(i), "sign bool": lambda i, b, f, j, L: L.sign(b),
    "exp int": lambda i, b, f, j, L: L.exp(i), "exp bool": lambda i, b, f, j, L: L.exp(b),
    "sqrt int": lambda i, b, f, j, L: L.sqrt(j + 2), "sigmoid int": lambda i, b, f, j, L: L.sigmoid(i),
    "reciprocal int": lambda i, b, f, j, L: L.reciprocal(i + 10), "erf int": lambda i, b, f, j, L: L.erf(i),
    "floor int": lambda i, b, f, j, L: L.floor(i), "round int": lambda i, b, f, j, L: L.round(j),
    "trunc int": lambda i, b, f, j, L: L.trunc(i), "relu int": lambda i, b, f, j, L: L.relu(i),
    "clamp int": lambda i, b, f, j, L: L.clamp(i, 0, 3), "clamp int float": lambda i, b, f, j, L: L.clamp(i, 0.5),
    "clamp bool": lambda i, b, f, j, L: L.clamp(b, 0), "clamp int tensor": lambda i, b, f, j, L: L.clamp(j, L.tensor(1.5)),
    "maximum int float": lambda i, b, f, j, L: L.maximum(i, f), "minimum bool": lambda i, b, f, j, L: L.minimum(b, b),
    "where int scalar": lambda i, b, f, j, L: L.where(b, i, 0.5), "where scalars": lambda i, b, f, j, L: L.where(b, 1, 0),
    "where float scalars": lambda i, b, f, j, L: L.where(b, 1.0, 0), "where mixed": lambda i, b, f, j, L: L.where(b, j, f),
    "addcmul int": lambda i, b, f, j, L: L.addcmul(i, i, i), "addcmul float": lambda i, b, f, j, L: L.addcmul(f, i, i, value=0.5),
    "eq int float": lambda i, b, f, j, L: L.eq(i, 1.5), "lt int float": lambda i, b, f, j, L: i < f,
    "bitwise int bool": lambda i, b, f, j, L: L.bitwise_and(i, b), "bitwise bool int": lambda i, b, f, j, L: b | 1,
    "bitwise bool bool": lambda i, b, f, j, L: b & True, "invert int": lambda i, b, f, j, L: ~j,
    "logical int float": lambda i, b, f, j, L: L.logical_and(i, f), "logical_not float": lambda i, b, f, j, L: L.logical_not(f),
    "isnan int": lambda i, b, f, j, L: L.isnan(i), "isfinite bool": lambda i, b, f, j, L: L.isfinite(b),
    "isclose int": lambda i, b, f, j, L: L.isclose(i, i + 1), "equal int float": lambda i, b, f, j, L: L.equal(i, i.float()),
    "add_ int": lambda i, b, f, j, L: j.clone().add_(3), "float add_ int": lambda i, b, f, j, L: f.clone().add_(i),
    "fill_ int": lambda i, b, f, j, L: i.clone().fill_(2.7), "fill_ bool": lambda i, b, f, j, L: i.clone().fill_(True),
    "copy_ int into float": lambda i, b, f, j, L: L.zeros(2, 4).copy_(j), "copy_ float into int": lambda i, b, f, j, L: j.clone().copy_(f),
    "add alpha int": lambda i, b, f, j, L: i.sub(1, alpha=2), "add alpha bool": lambda i, b, f, j, L: b.add(b, alpha=True),
    "0dim": lambda i, b, f, j, L: L.tensor(3) * L.tensor(2), "0dim int/": lambda i, b, f, j, L: L.tensor(3) / 2,
}


@needs_torch
@pytest.mark.parametrize("name", sorted(DTYPE_CASES))
def test_int_and_bool_result_dtypes(name):
    fn = DTYPE_CASES[name]
    y = fn(*_int_inputs(dyngrad), dyngrad)
    z = fn(*_int_inputs(torch), torch)
    if not isinstance(z, torch.Tensor):
        assert y == z
        return
    assert y.dtype.name == str(z.dtype).removeprefix("torch."), f"{name}: {y.dtype} vs torch's {z.dtype}"
    assert not y.requires_grad
    if z.dtype.is_floating_point:  # NumPy's and PyTorch's exp may differ in the last bit
        np.testing.assert_allclose(y.numpy(), z.numpy(), rtol=3e-7)
    else:
        np.testing.assert_array_equal(y.numpy(), z.numpy())


def test_python_scalars_keep_the_tensor_dtype():
    x = dyngrad.tensor([1.0, 2.0], dtype=dyngrad.float64)
    assert (x * 2).dtype == dyngrad.float64
    assert (x.float() + 2.5).dtype == dyngrad.float32
    assert (dyngrad.tensor([1, 2], dtype=dyngrad.int8) + 1).dtype == dyngrad.int8
    assert (dyngrad.tensor([1, 2], dtype=dyngrad.int8) + 1.5).dtype == dyngrad.float32


def test_comparisons_and_rounding_grad_flags():
    x = dyngrad.tensor([1.5, -0.5], requires_grad=True)
    for y in (x > 0, x == x, dyngrad.isnan(x), dyngrad.logical_not(x)):
        assert not y.requires_grad and y.grad_fn is None and y.dtype == dyngrad.bool
    for y in (dyngrad.floor(x), dyngrad.sign(x), dyngrad.round(x)):
        assert y.requires_grad  # like PyTorch: a float result in the graph, with zero gradient
    dyngrad.floor(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


# --- gradients at special points, against PyTorch ----------------------------------------------

SPECIAL = {
    "relu at 0": (lambda L, x: L.relu(x), [[-1.0, 0.0, 2.0]]),
    "relu_ at 0": (lambda L, x: (x * 1).relu_(), [[-1.0, 0.0, 2.0]]),
    "abs at 0": (lambda L, x: L.abs(x), [[-1.0, 0.0, -0.0, 2.0]]),
    "sign": (lambda L, x: L.sign(x), [[-1.0, 0.0, 2.0]]),
    "clamp at the bounds": (lambda L, x: L.clamp(x, -1, 1), [[-2.0, -1.0, 0.0, 1.0, 2.0]]),
    "clamp min > max": (lambda L, x: L.clamp(x, 1, -1), [[-2.0, -1.0, 0.0, 1.0, 2.0]]),
    "clamp tensor bounds": (lambda L, x, lo, hi: L.clamp(x, lo, hi),
                            [[-2.0, -1.0, 0.0, 1.0, 2.0, 0.5], [-1.0] * 5 + [1.0], [1.0] * 5 + [-1.0]]),
    "clamp tensor min": (lambda L, x, lo: L.clamp(x, lo), [[-2.0, -1.0, 0.0], [-1.0, -1.0, -1.0]]),
    "clamp tensor max": (lambda L, x, hi: L.clamp(x, max=hi), [[2.0, 1.0, 0.0], [1.0, 1.0, 1.0]]),
    "maximum ties": (lambda L, a, b: L.maximum(a, b), [[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]]),
    "minimum ties": (lambda L, a, b: L.minimum(a, b), [[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]]),
    "maximum broadcast ties": (lambda L, a, b: L.maximum(a, b), [[[1.0, 2.0], [2.0, 2.0]], [2.0, 2.0]]),
    "sqrt near 0": (lambda L, x: L.sqrt(x), [[0.0, 1e-30, 4.0]]),
    "rsqrt at 0": (lambda L, x: L.rsqrt(x), [[0.0, 1.0]]),
    "log at 0": (lambda L, x: L.log(x), [[0.0, 1.0]]),
    "reciprocal at 0": (lambda L, x: L.reciprocal(x), [[0.0, 2.0]]),
    "x**2 at 0": (lambda L, x: x**2, [[0.0, 1.0]]),
    "x**0": (lambda L, x: x**0, [[0.0, 1.0]]),
    "x**0.5 at 0": (lambda L, x: x**0.5, [[0.0, 1.0]]),
    "x**-1 at 0": (lambda L, x: x**-1, [[0.0, 1.0]]),
    "x**3 negative": (lambda L, x: x**3, [[-2.0, 0.0]]),
    "x**y zero base": (lambda L, x, y: x**y, [[0.0, 0.0, 0.0, 2.0, -2.0], [0.0, 1.0, -1.0, 0.0, 0.5]]),
    "0**y": (lambda L, y: 0.0**y, [[0.0, 1.0, -1.0]]),
    "2**y": (lambda L, y: 2**y, [[0.0, 1.0, -1.0]]),
    "-2**y": (lambda L, y: (-2.0) ** y, [[0.0, 1.0, -1.0]]),
    "1**y": (lambda L, y: L.pow(1, y), [[0.0, 1.0, -1.0]]),
    "where broadcast": (lambda L, a, b: L.where(L.tensor([[True, False]]), a, b), [[[1.0, 2.0], [3.0, 4.0]], [5.0]]),
    "where scalar other": (lambda L, a: L.where(L.tensor([True, False, True]), a, 0.0), [[1.0, 2.0, 3.0]]),
    "lerp tensor weight": (lambda L, a, b, w: L.lerp(a, b, w), [[1.0, 2.0, 3.0], [3.0, 5.0, -1.0], [0.2, 0.5, 0.7]]),
    "lerp weight 0.5": (lambda L, a, b: L.lerp(a, b, 0.5), [[1.0, 2.0], [3.0, 5.0]]),
    "floor ceil round trunc": (lambda L, x: L.floor(x) + L.ceil(x) + L.round(x) + L.trunc(x), [[1.5, -0.5, 2.0]]),
    "frac": (lambda L, x: L.frac(x), [[1.5, -0.5, 2.0]]),
    "div floor/trunc": (lambda L, a, b: L.div(a, b, rounding_mode="floor") + L.div(a, b, rounding_mode="trunc"),
                        [[3.0, -3.0], [2.0, 2.0]]),
    "remainder": (lambda L, a, b: L.remainder(a, b), [[3.0, -3.0, 3.0], [2.0, 2.0, -2.0]]),
    "fmod": (lambda L, a, b: L.fmod(a, b), [[3.0, -3.0, 3.0], [2.0, 2.0, -2.0]]),
    "softplus at threshold": (lambda L, x: _softplus(L, x, 2, 1), [[0.0, 0.4, 0.5, 0.6, 2.0]]),
    "sigmoid saturated": (lambda L, x: L.sigmoid(x), [[-100.0, -20.0, 0.0, 20.0, 100.0]]),
    "tanh saturated": (lambda L, x: L.tanh(x), [[-30.0, 0.0, 30.0]]),
    "exp overflow": (lambda L, x: L.exp(x), [[-1000.0, 0.0, 1000.0]]),
    "copy_ broadcast": (lambda L, a, b: (a * 1).copy_(b), [[[1.0, 2.0], [3.0, 4.0]], [5.0, 6.0]]),
    "fill_ 0-dim": (lambda L, a, v: (a * 1).fill_(v), [[1.0, 2.0, 3.0], 2.5]),
}


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_gradient_at_special_points(name, dtype):
    fn, values = SPECIAL[name]
    results = []
    for L in (dyngrad, torch):
        xs = [L.from_numpy(np.array(v, dtype=dtype)).requires_grad_() for v in values]
        y = fn(L, *xs)
        y.sum().backward()
        results.append([y.detach().numpy()] + [x.grad.numpy() if x.grad is not None else None for x in xs])
    for i, (a, b) in enumerate(zip(*results)):
        if b is None:
            assert a is None or not a.any(), f"{name}: result {i} should have no gradient"
            continue
        assert a.dtype == b.dtype, f"{name}: result {i} dtype"
        np.testing.assert_allclose(a, b, rtol=1e-6 if dtype == "float32" else 1e-14, atol=0, equal_nan=True,
                                   err_msg=f"{name}: result {i} (0: value, then input grads)")


# --- errors ------------------------------------------------------------------------------------

ERRORS = {
    "add broadcast": (lambda L: L.ones(3) + L.ones(2), ["add", r"\[3\]", r"\[2\]"]),
    "mul broadcast": (lambda L: L.ones(2, 3) * L.ones(4), ["mul", r"\[2, 3\]", r"\[4\]"]),
    "sub broadcast": (lambda L: L.sub(L.ones(3), L.ones(2, 2)), ["sub", r"\[3\]", r"\[2, 2\]"]),
    "div broadcast": (lambda L: L.ones(3) / L.ones(2), ["div", r"\[3\]", r"\[2\]"]),
    "pow broadcast": (lambda L: L.ones(3) ** L.ones(2), ["pow", r"\[3\]", r"\[2\]"]),
    "maximum broadcast": (lambda L: L.maximum(L.ones(3), L.ones(2)), ["maximum", r"\[3\]", r"\[2\]"]),
    "where broadcast": (lambda L: L.where(L.ones(3) > 0, L.ones(2), 0.0), ["where", r"\[3\]", r"\[2\]"]),
    "clamp broadcast": (lambda L: L.clamp(L.ones(3), L.ones(2)), ["clamp", r"\[3\]", r"\[2\]"]),
    "lerp broadcast": (lambda L: L.lerp(L.ones(3), L.ones(2), 0.5), ["lerp", r"\[3\]", r"\[2\]"]),
    "eq broadcast": (lambda L: L.ones(3) == L.ones(2), ["eq", r"\[3\]", r"\[2\]"]),
    "logical broadcast": (lambda L: L.logical_and(L.ones(3), L.ones(2)), ["logical_and", r"\[3\]"]),
    "addcmul broadcast": (lambda L: L.addcmul(L.ones(3), L.ones(2), L.ones(3)), ["addcmul", r"\[3\]", r"\[2\]"]),
    "copy_ broadcast": (lambda L: L.zeros(3).copy_(L.ones(2)), ["copy_", r"\[3\]", r"\[2\]"]),
    "add_ bigger other": (lambda L: L.zeros(3).add_(L.zeros(2, 3)), ["add_", r"\[3\]", r"\[2, 3\]"]),
    "add_ float into int": (lambda L: L.tensor([1, 2]).add_(1.5), ["can't be cast"]),
    "mul_ float into int": (lambda L: L.tensor([1, 2]).mul_(L.ones(2)), ["can't be cast"]),
    "add_ int into bool": (lambda L: L.tensor([True]).add_(1), ["can't be cast"]),
    "int ** negative": (lambda L: L.tensor([2, 3]) ** -1, ["negative integer powers"]),
    "int pow_ negative": (lambda L: L.tensor([2, 3]).pow_(-2), ["negative integer powers"]),
    "clamp no bounds": (lambda L: L.clamp(L.ones(2)), ["clamp", "min", "max"]),
    "where int condition": (lambda L: L.where(L.tensor([1, 0]), 1.0, 0.0), ["where", "bool"]),
    "lerp dtypes": (lambda L: L.lerp(L.ones(2), L.ones(2, dtype=L.float64), 0.5), ["lerp", "float64"]),
    "lerp int": (lambda L: L.lerp(L.tensor([1]), L.tensor([2]), 0.5), ["lerp", "int64"]),
    "bad rounding mode": (lambda L: L.div(L.ones(2), 2, rounding_mode="round"), ["div", "rounding_mode"]),
    "int floor_divide by 0": (lambda L: L.tensor([1, 2]) // 0, ["ZeroDivisionError"]),
    "int remainder by 0": (lambda L: L.remainder(L.tensor([1, 2]), L.tensor([1, 0])), ["ZeroDivisionError"]),
    "int fmod by 0": (lambda L: L.fmod(L.tensor([1, 2]), 0), ["ZeroDivisionError"]),
    "bool - bool": (lambda L: L.tensor([True]) - L.tensor([False]), ["sub", "bool"]),
    "-bool": (lambda L: -L.tensor([True]), ["neg", "bool"]),
    "abs bool": (lambda L: L.abs(L.tensor([True])), ["abs", "bool"]),
    "relu bool": (lambda L: L.relu(L.tensor([True])), ["relu", "oolean"]),
    "frac int": (lambda L: L.frac(L.tensor([1])), ["frac", "int64"]),
    "ceil bool": (lambda L: L.ceil(L.tensor([True])), ["ceil", "bool"]),
    "round int decimals": (lambda L: L.round(L.tensor([1]), decimals=1), ["round", "int64"]),
    "bitwise float": (lambda L: L.bitwise_and(L.ones(2), L.ones(2)), ["bitwise_and", "float32"]),
    "bitwise_not float": (lambda L: L.bitwise_not(L.ones(2)), ["bitwise_not", "float32"]),
    "addcdiv int": (lambda L: L.addcdiv(L.tensor([1]), L.tensor([1]), L.tensor([1])), ["addcdiv", "nteger"]),
    "int alpha float": (lambda L: L.tensor([1]).add(L.tensor([1]), alpha=0.5), ["alpha"]),
    "fill_ 1-d value": (lambda L: L.zeros(3).fill_(L.ones(2)), ["fill_", "0-dimension"]),
    "isclose dtypes": (lambda L: L.isclose(L.ones(2), L.ones(2, dtype=L.float64)), ["isclose", "float32", "float64"]),
    "maximum number": (lambda L: L.maximum(L.ones(2), 2.0), ["maximum", "float"]),
    "eq None": (lambda L: L.eq(L.ones(2), None), ["eq", "NoneType"]),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_pytorch(name):
    fn, patterns = ERRORS[name]
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(type(expected.value)) as got:
        fn(dyngrad)
    for p in patterns:
        assert __import__("re").search(p, str(got.value)), f"{name}: {p!r} not in {got.value}"


@pytest.mark.parametrize("op, name", [(lambda x: x // 2, "floor_divide"), (lambda x: 2.5 % x, "remainder")])
def test_ops_without_a_derivative_raise_in_backward(op, name):
    x = dyngrad.tensor([3.0, -3.0], requires_grad=True)
    y = op(x)
    assert y.requires_grad  # as in PyTorch: the error comes with backward
    with pytest.raises(RuntimeError, match=name):
        y.sum().backward()


# --- in place ----------------------------------------------------------------------------------


@pytest.mark.parametrize("op", [
    lambda x: x.add_(1), lambda x: x.mul_(2), lambda x: x.exp_(), lambda x: x.clamp_(0, 1),
    lambda x: x.zero_(), lambda x: x.fill_(3.0), lambda x: x.copy_(dyngrad.ones(2)), lambda x: x.relu_(),
    lambda x: x.addcmul_(dyngrad.ones(2), dyngrad.ones(2)), lambda x: x.lerp_(dyngrad.ones(2), 0.5),
])
def test_inplace_on_a_leaf_requiring_grad_raises(op):
    x = dyngrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        op(x)
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0])  # untouched
    with dyngrad.no_grad():
        op(x)  # allowed without grad recording, as in PyTorch
    assert x.grad_fn is None


def test_version_counter_catches_input_modified_after_mul():
    x = dyngrad.tensor([1.0, 2.0], requires_grad=True)
    w = dyngrad.tensor([3.0, 4.0], requires_grad=True)
    a = x * 1
    y = a * w  # mul saves a for w's gradient
    a.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_mul_saves_only_what_backward_needs():
    # w's gradient needs a, but a's gradient needs w only: modifying a constant-side operand is fine
    x = dyngrad.tensor([1.0, 2.0], requires_grad=True)
    c = dyngrad.tensor([3.0, 4.0])
    y = x * c
    x2 = x * 1
    z = c * x2
    x2.mul_(5)  # not saved by z's Mul (c needs no gradient)
    (y.sum() + z.sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 8.0])


def test_inplace_returns_self_and_bumps_version():
    x = dyngrad.tensor([1.0, -2.0])
    data = x.numpy()
    v = x._version
    for y in (x.add_(1), x.mul_(2), x.clamp_(0, 3), x.pow_(2), x.neg_(), x.abs_(), x.sqrt_(), x.zero_(), x.fill_(2)):
        assert y is x
    assert x._version == v + 9
    assert np.shares_memory(x.numpy(), data)
    np.testing.assert_array_equal(data, [2.0, 2.0])


_OTHER = np.array([[0.5, -1.0, 2.0], [1.0, 3.0, -2.0]], np.float32)


@pytest.mark.parametrize("name,op,expected,grad", [
    ("Relu", lambda x: x.relu_(), lambda d: np.maximum(d, 0), lambda d: (d > 0).astype(np.float32)),
    ("Add", lambda x: x.add_(dyngrad.from_numpy(_OTHER)), lambda d: d + _OTHER, np.ones_like),
    ("Sub", lambda x: x.sub_(dyngrad.from_numpy(_OTHER), alpha=2), lambda d: d - 2 * _OTHER, np.ones_like),
])
def test_inplace_ops_compute_into_the_tensors_own_array(monkeypatch, name, op, expected, grad):
    # ops that declare writes_into get the tensor's array as ``out`` from apply_inplace (one pass,
    # no temporary copied over it), recorded or not, on a non-contiguous tensor too
    from dyngrad.ops import elementwise, unary

    cls = getattr(unary, name, None) or getattr(elementwise, name)
    handed = []
    forward = cls.forward
    monkeypatch.setattr(cls, "forward", lambda self, *a, out=None, **k: handed.append(out) or forward(
        self, *a, out=out, **k))
    data = np.array([[-1.0, 2.0, 0.0], [3.0, -4.0, 5.0]], np.float32)
    leaf = dyngrad.tensor(data, requires_grad=True)
    x = leaf * 1
    buf = x._data
    assert op(x) is x and handed[-1] is buf and x._data is buf
    np.testing.assert_array_equal(buf, expected(data))
    x.sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), grad(data))
    with dyngrad.no_grad():
        t = dyngrad.from_numpy(np.ascontiguousarray(data.T)).t()
        op(t)
    assert handed[-1] is t._data
    np.testing.assert_array_equal(t.numpy(), expected(data))


def test_inplace_add_of_a_wider_dtype_is_computed_then_cast():
    # float32 += float64: the float64 result is not written into the float32 array by the ufunc but
    # cast over it, as PyTorch does; an int tensor refuses a float result before any write
    x = dyngrad.tensor([1.0, 2.0])
    x.add_(dyngrad.tensor([0.1, 0.2], dtype=dyngrad.float64))
    assert x.dtype == dyngrad.float32
    np.testing.assert_array_equal(x.numpy(), np.array([1.1, 2.2], np.float64).astype(np.float32))
    i = dyngrad.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.sub_(0.5)
    np.testing.assert_array_equal(i.numpy(), [1, 2])
    a = dyngrad.tensor(np.arange(9.0).reshape(3, 3))
    a.add_(a.t())  # input and output overlap: NumPy's ufunc buffers, the result is as if copied
    np.testing.assert_array_equal(a.numpy(), np.arange(9.0).reshape(3, 3) + np.arange(9.0).reshape(3, 3).T)


def test_inplace_with_grad_rewires_the_graph():
    a = dyngrad.tensor([1.0, 2.0], requires_grad=True)
    b = dyngrad.tensor([3.0, 4.0], requires_grad=True)
    buf = dyngrad.zeros(2)
    buf.add_(a).mul_(b)  # buf did not require grad: now it does, through both ops
    assert buf.requires_grad and buf.grad_fn is not None
    buf.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 2.0])


def test_copy_and_fill_semantics():
    x = dyngrad.zeros(2, 3)
    x.copy_(dyngrad.tensor([1, 2, 3]))  # broadcast and cast
    np.testing.assert_array_equal(x.numpy(), [[1, 2, 3], [1, 2, 3]])
    assert x.dtype == dyngrad.float32
    i = dyngrad.tensor([1, 2])
    i.fill_(2.7)
    np.testing.assert_array_equal(i.numpy(), [2, 2])
    src = dyngrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = dyngrad.tensor(2.0, requires_grad=True)
    y = dyngrad.zeros(2, 3).copy_(src)
    z = dyngrad.zeros(4).fill_(v)
    (y.sum() + (z * 2).sum()).backward()
    np.testing.assert_array_equal(src.grad.numpy(), [2.0, 2.0, 2.0])
    assert v.grad.item() == 8.0


def test_clone_keeps_strides_and_memory_is_fresh():
    x = dyngrad.ones(3, 4).t()
    c = x.clone()
    assert c.stride() == x.stride()
    assert not np.shares_memory(c.numpy(), x.numpy())


def test_where_with_only_a_condition_gives_indices():
    idx = dyngrad.where(dyngrad.tensor([[True, False], [False, True]]))
    assert len(idx) == 2 and all(t.dtype == dyngrad.int64 for t in idx)
    np.testing.assert_array_equal(idx[0].numpy(), [0, 1])
    np.testing.assert_array_equal(idx[1].numpy(), [0, 1])


def test_no_numpy_warnings_for_domain_errors():
    """Like PyTorch, nan/inf results are silent, under Python's default warning filters (dyngrad
    filters NumPy's RuntimeWarnings raised from its own modules; np.errstate per op costs ~1us)."""
    import subprocess
    import sys

    code = (
        "import dyngrad; x = dyngrad.tensor([-1.0, 0.0, 1000.0])\n"
        "dyngrad.log(x), dyngrad.sqrt(x), 1 / x, x**-0.5, dyngrad.exp(x), dyngrad.sigmoid(-x), x % 0.0\n"
        "w = x.clone().requires_grad_(); dyngrad.sqrt(w), dyngrad.exp(w), 1 / w  # recorded\n"
        "with dyngrad.no_grad():\n    dyngrad.sqrt(x), dyngrad.log(x), x / 0.0, dyngrad.exp(x)\n"
        "import numpy as np; np.log(np.array([-1.0]))  # the user's own NumPy call still warns"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stderr.count("RuntimeWarning") == 1 and "<string>" in proc.stderr, proc.stderr


def _fast_ops():
    from dyngrad.autograd.function import Op

    def walk(c):
        for s in c.__subclasses__():
            yield s
            yield from walk(s)

    return sorted({c for c in walk(Op) if c.__dict__.get("no_grad_ufunc") is not None}, key=lambda c: c.__name__)


def _outcome(call, args):
    try:
        out = call(*args)
    except Exception as e:  # noqa: BLE001 - the error itself is compared
        return type(e), str(e)
    out = np.asarray(out._data if isinstance(out, dyngrad.Tensor) else out)
    return out.dtype, out.shape, out.tobytes()


@pytest.mark.parametrize("op", _fast_ops(), ids=lambda c: c.__name__)
def test_no_grad_ufunc_path_gives_what_the_forward_gives(op):
    """Under no_grad an op with a ``no_grad_ufunc`` runs it on the arrays without a node: the
    values (to the bit), dtypes, shapes and errors must be those of its forward."""
    rng = np.random.default_rng(0)
    binary = getattr(op.__dict__["no_grad_ufunc"], "nin", 1) == 2
    cases = []
    for dt in (np.float32, np.float64, np.float16):
        a = rng.uniform(0.2, 0.9, (3, 4)).astype(dt)
        if binary:
            cases += [(a, rng.uniform(0.2, 0.9, (4,)).astype(dt)), (a, 0.3), (a, 2), (a[0, 0], a[1, 1])]
        else:
            cases += [(a,), (a[0, 0],)]
    if binary:  # off the fast path: other dtypes, a scalar first, operands that don't broadcast
        cases += [(rng.uniform(0.2, 0.9, 3).astype(np.float32), np.arange(1, 4)), (0.5, np.ones(3, np.float32)),
                  (np.ones(3, np.float32), np.ones(3)), (np.ones(3, np.float32), np.ones(4, np.float32))]
    else:
        cases += [(np.arange(1, 4),)]
    for case in cases:
        args = [dyngrad.tensor(np.asarray(v)) if isinstance(v, (np.ndarray, np.generic)) else v for v in case]
        with dyngrad.no_grad():
            fast = _outcome(op.apply, args)
            forward = _outcome(op().forward, args)  # what apply ran before the fast path
            out = op.apply(*args) if not isinstance(fast[0], type) else None
        assert fast == forward, (op.__name__, case)
        assert out is None or (out.grad_fn is None and not out.requires_grad)


@needs_torch
@pytest.mark.parametrize("exponent", [3, -2, 3.0, -2.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pow_3_and_minus_2_are_torch_s_products_to_the_bit(exponent, dtype):
    """x ** 3 and x ** -2 are PyTorch's (x * x) * x and 1 / (x * x), bit for bit (np.power's
    values differ in the last bit for about a third of floats), specials included."""
    x = np.random.default_rng(0).standard_normal(4096).astype(dtype)
    x[:6] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30]
    with np.errstate(all="ignore"):
        ours = (dyngrad.tensor(x) ** exponent).numpy()
    theirs = (torch.from_numpy(x) ** exponent).numpy()
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours.view(np.uint8), theirs.view(np.uint8))

