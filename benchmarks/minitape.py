"""A minimal tape: about the least a reverse-mode autograd can record per op, as a reference point
for the per-op overhead (run.py's ``bounds`` rows), not a library.

A tensor is three slots; an op records one tuple (its backward function and its inputs); backward
sorts the tape once and runs the functions on arrays. There are no dtype or broadcasting rules,
no version counters, views, hooks, no-grad mode or error checks: what dyngrad pays for those, and
for recording backward formulas as differentiable ops, is the distance between this tape and
dyngrad. It implements just the API of the per-op chain (``workloads.make_chain``), so that the
chain runs on it unchanged."""

from __future__ import annotations

import numpy as np


class Tensor:
    __slots__ = ("data", "node", "grad")

    def __init__(self, data: np.ndarray, node: tuple | None = None):
        self.data = data
        self.node = node  # (backward function, *inputs); None for a leaf
        self.grad = None

    def __mul__(self, other):
        if type(other) is Tensor:
            return Tensor(self.data * other.data, (_mul, self, other))
        return Tensor(self.data * other, (_scale, self, other))

    def __add__(self, other: Tensor) -> Tensor:
        return Tensor(self.data + other.data, (_add, self, other))

    def __sub__(self, other: Tensor) -> Tensor:
        return Tensor(self.data - other.data, (_sub, self, other))

    def __truediv__(self, other: Tensor) -> Tensor:
        return Tensor(self.data / other.data, (_div, self, other))

    def __pow__(self, k: float) -> Tensor:
        return Tensor(self.data**k, (_pow, self, k))

    def __neg__(self) -> Tensor:
        return Tensor(-self.data, (_neg, self))

    def tanh(self) -> Tensor:
        return Tensor(np.tanh(self.data), (_tanh, self))

    def sigmoid(self) -> Tensor:
        return Tensor(1 / (1 + np.exp(-self.data)), (_sigmoid, self))

    def exp(self) -> Tensor:
        return Tensor(np.exp(self.data), (_exp, self))

    def backward(self, grad: Tensor) -> None:
        """Accumulate the gradient of ``self`` (seeded with ``grad``) into the leaves' ``grad``."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # post-order: every tensor after the inputs it was computed from
            t, inputs_done = stack.pop()
            if inputs_done:
                order.append(t)
            elif id(t) not in seen:
                seen.add(id(t))
                stack.append((t, True))
                if t.node is not None:
                    stack.extend((p, False) for p in t.node[1:] if type(p) is Tensor)
        grads = {id(self): grad.data}
        for t in reversed(order):
            g = grads.pop(id(t), None)
            if g is None:
                continue
            if t.node is None:
                t.grad = g if t.grad is None else t.grad + g
                continue
            fn, *inputs = t.node
            for p, gp in zip(inputs, fn(g, t.data, *inputs)):
                if gp is not None:
                    k = id(p)
                    grads[k] = grads[k] + gp if k in grads else gp


# backward functions: (output gradient, output array, *inputs) -> one gradient (or None) per input
def _mul(g, out, a, b):
    return g * b.data, g * a.data


def _scale(g, out, a, k):
    return g * k, None


def _add(g, out, a, b):
    return g, g


def _sub(g, out, a, b):
    return g, -g


def _div(g, out, a, b):
    return g / b.data, -g * out / b.data


def _pow(g, out, a, k):
    return g * k * a.data ** (k - 1), None


def _neg(g, out, a):
    return (-g,)


def _tanh(g, out, a):
    return (g * (1 - out * out),)


def _sigmoid(g, out, a):
    return (g * out * (1 - out),)


def _exp(g, out, a):
    return (g * out,)


def tensor(data, requires_grad: bool = False) -> Tensor:
    return Tensor(np.asarray(data))


def ones(*shape: int) -> Tensor:
    return Tensor(np.ones(shape, np.float32))
