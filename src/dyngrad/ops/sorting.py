"""Sorting: sort, argsort, topk, unique. The order is computed on arrays (stable, NaN counted as
the largest value, as in PyTorch); the values are then gathered with the differentiable Gather,
whose backward scatters the gradient back. Re-exported by indexing.py."""

from __future__ import annotations

__all__ = ["argsort", "sort", "topk", "unique"]

from collections import namedtuple

from .. import dtypes
from .._numpy import np
from ..autograd.function import Op
from ._util import Tensor, _wrap, norm_dim, out_variant


def _return_type(name: str, fields: tuple) -> type:
    """A named tuple printed like ``torch.return_types.sort(values=..., indices=...)``."""
    base = namedtuple(name, fields)

    def _repr(self) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"{dtypes.display_prefix[0]}.return_types.{name}(\n{body})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": _repr})
    cls.__module__ = "dyngrad.return_types"
    return cls


_SortResult = _return_type("sort", ("values", "indices"))
_TopkResult = _return_type("topk", ("values", "indices"))


def _order(d: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """Stable sorting indices along ``dim``; descending keeps equal elements in their original
    order and puts NaN first (sorting the reversed array and reversing back)."""
    if d.ndim == 0:
        return np.zeros((), np.int64)
    if not descending:
        return np.argsort(d, axis=dim, kind="stable")
    n = d.shape[dim]
    rev = np.argsort(np.flip(d, dim), axis=dim, kind="stable")
    return (n - 1) - np.flip(rev, dim)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The int64 indices that sort ``input`` along ``dim`` (always stable)."""
    dim = norm_dim(dim, input._data.ndim, "argsort")
    return _wrap(_order(input._data, dim, descending).astype(np.int64, copy=False))


def _values(input: Tensor, idx: np.ndarray, dim: int) -> Tensor:
    return Gather.apply(input, index=idx, dim=dim)


@out_variant
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """``(values, indices)`` of ``input`` sorted along ``dim`` (always stable)."""
    dim = norm_dim(dim, input._data.ndim, "sort")
    idx = _order(input._data, dim, descending).astype(np.int64, copy=False)
    return _SortResult(_values(input, idx, dim), _wrap(idx))


@out_variant
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """``(values, indices)`` of the ``k`` largest (or smallest) elements along ``dim``, in order."""
    d = input._data
    if d.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes")
    dim = norm_dim(dim, d.ndim, "topk")
    size = d.shape[dim] if d.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: selected index k out of range (k={k}, size of dim {dim} is {size})")
    idx = _order(d, dim, largest).astype(np.int64, copy=False)
    if d.ndim and k < size:
        idx = np.ascontiguousarray(idx[(slice(None),) * dim + (slice(0, k),)])
    return _TopkResult(_values(input, idx, dim), _wrap(idx))


class Unique(Op):
    """The sorted distinct values (or slices along ``dim``), with the inverse indices and counts
    when asked. Not differentiable, as in PyTorch: its float output records a node whose backward
    raises."""

    def forward(self, x, *, return_inverse, return_counts, dim):
        d = x._data
        if dim is not None:  # NumPy finds distinct slices along axis 0
            d = np.moveaxis(d, dim, 0)
        values, inverse, counts = np.unique(d.reshape(-1) if dim is None else d, return_inverse=True,
                                            return_counts=True, axis=None if dim is None else 0,
                                            equal_nan=False)
        if dim is not None:
            values = np.moveaxis(values, 0, dim)
        out = (np.ascontiguousarray(values),)
        if return_inverse:
            out += (inverse.reshape(x._data.shape if dim is None else -1).astype(np.int64),)
        if return_counts:
            out += (counts.astype(np.int64),)
        return out

    def backward(self, *grads):
        raise NotImplementedError("the derivative for 'unique' is not implemented.")


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None):
    """The distinct elements of ``input`` (sorted; with ``dim``, the distinct slices along it), and
    optionally the index of each element's value in them and each value's count."""
    if dim is not None:
        dim = norm_dim(dim, input._data.ndim, "unique")
    # PyTorch's CPU kernel sorts whatever ``sorted`` says; so does this one
    out = Unique.apply(input, return_inverse=return_inverse, return_counts=return_counts, dim=dim)
    return out if return_inverse or return_counts else out[0]


from .scatter import Gather  # noqa: E402
