"""Shape ops: views where PyTorch gives views, forward and backward side by side."""

from __future__ import annotations

__all__ = [
    "expand",
    "reshape",
]


import numpy as np

from ..autograd.function import Op
from ._util import Tensor, shape_str


def _sizes(args) -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3)."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        return tuple(int(s) for s in args[0])
    return tuple(int(s) for s in args)


class Expand(Op):
    """Broadcast to a larger shape without copying (a read-only view)."""

    stateless = True
    is_view = True

    def forward(self, x, shape):
        self.shape = x._data.shape
        return np.broadcast_to(x._data, shape)

    def backward(self, g):
        return sum_to(g, self.shape)


def _expanded_shape(src: tuple, sizes: tuple) -> tuple:
    if len(sizes) < len(src):
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({len(src)})"
        )
    lead = len(sizes) - len(src)
    out = list(sizes)
    for i, s in enumerate(src):
        want = sizes[lead + i]
        if want == -1:
            out[lead + i] = s
        elif s != want and s != 1:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({want}) must match the existing size "
                f"({s}) at non-singleton dimension {lead + i}. Target sizes: {list(sizes)}. "
                f"Tensor sizes: {shape_str(src)}"
            )
    return tuple(out)


def expand(input: Tensor, *sizes) -> Tensor:
    """A broadcast view of ``input`` with the given sizes (-1 keeps a size)."""
    shape = _expanded_shape(input._data.shape, _sizes(sizes))
    if shape == input._data.shape:
        return input
    return Expand.apply(input, shape)


class Reshape(Op):
    stateless = True

    def forward(self, x, shape):
        self.shape = x._data.shape
        return x._data.reshape(shape)

    def backward(self, g):
        return reshape(g, self.shape)


def _infer(shape: tuple, numel: int, op: str, src: tuple) -> tuple:
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred")
    if -1 in shape:
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    n = 1
    for s in shape:
        n *= s
    if n != numel:
        raise RuntimeError(
            f"{op}: shape '{list(shape)}' is invalid for input of size {numel} (input shape {shape_str(src)})"
        )
    return shape


def reshape(input: Tensor, *shape) -> Tensor:
    """The same elements in a new shape: a view when possible, else a copy."""
    shape = _infer(_sizes(shape), input._data.size, "reshape", input._data.shape)
    if shape == input._data.shape:
        return input
    return Reshape.apply(input, shape)


from .reduction import sum_to  # noqa: E402
