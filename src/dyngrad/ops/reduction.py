"""Reductions: forward on arrays, backward with dyngrad ops, side by side."""

from __future__ import annotations

__all__ = [
    "sum",
    "sum_to_size",
]


import numpy as np

from ..autograd.function import Op
from ._util import Tensor, norm_dims


class SumTo(Op):
    """Sum a broadcast result back to ``shape`` (the adjoint of ``expand``)."""

    stateless = True

    def forward(self, x, shape):
        self.shape = x._data.shape
        d = x._data
        lead = d.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and d.shape[lead + i] != 1
        )
        out = d.sum(axis=axes, keepdims=True) if axes else d
        return out.reshape(shape) if lead else out

    def backward(self, g):
        return expand(g, self.shape)

    def name(self) -> str:
        return "SumToSizeBackward0"


def sum_to(input: Tensor, shape) -> Tensor:
    """Sum ``input`` down to the broadcast-compatible ``shape``."""
    shape = tuple(shape)
    if input._data.shape == shape:
        return input
    return SumTo.apply(input, shape)


def sum_to_size(input: Tensor, *size) -> Tensor:
    if len(size) == 1 and not isinstance(size[0], int):
        size = tuple(size[0])
    return sum_to(input, size)


class Sum(Op):
    stateless = True

    def forward(self, x, dims, keepdim, dtype):
        d = x._data
        self.shape = d.shape
        self.dims = dims
        self.keepdim = keepdim
        if dtype is None and d.dtype.kind in "biu":
            dtype = np.int64  # integer sums never overflow their narrow type, as in PyTorch
        return np.asarray(d.sum(axis=dims, keepdims=keepdim, dtype=dtype))

    def backward(self, g):
        if not self.keepdim:
            g = g.reshape(_kept_shape(self.shape, self.dims))
        return expand(g, self.shape)


def _kept_shape(shape: tuple, dims: tuple) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum over ``dim`` (an int, a tuple, or every dim when None)."""
    dims = norm_dims(dim, input._data.ndim, "sum")
    return Sum.apply(input, dims, keepdim, dtype.np if dtype is not None else None)


from .shape import expand  # noqa: E402
