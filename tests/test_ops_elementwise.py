"""Elementwise ops against PyTorch, with gradchecks (cases in CASES, checks from optable)."""

from optable import OpCase, parametrize

CASES = [
    OpCase("add Tensor.add Tensor.__add__", lambda L, a, b: a + b, [(3, 4), (4,)], gradgrad=True),
    OpCase("add", lambda L, a: 2.5 + a, [(3, 4)]),
    OpCase("sub Tensor.__sub__", lambda L, a, b: a - b, [(2, 3, 4), (3, 1)], gradgrad=True),
    OpCase("sub Tensor.__rsub__", lambda L, a: 1 - a, [(5,)]),
    OpCase("mul Tensor.__mul__", lambda L, a, b: a * b, [(3, 4), (3, 4)], gradgrad=True),
    OpCase("mul", lambda L, a, b: a * b, [(2, 1, 4), (3, 1)], gradgrad=True),
    OpCase("div Tensor.__truediv__", lambda L, a, b: a / b, [(3, 4), (4,)], domain="nonzero", gradgrad=True),
    OpCase("div Tensor.__rtruediv__", lambda L, a: 2 / a, [(3, 4)], domain="nonzero", gradgrad=True),
    OpCase("neg Tensor.__neg__", lambda L, a: -a, [(3, 4)]),
    OpCase("exp", lambda L, a: L.exp(a), [(3, 4)], gradgrad=True),
    OpCase("log", lambda L, a: L.log(a), [(3, 4)], domain="positive", gradgrad=True),
]

globals().update(parametrize(CASES))
