"""Helpers shared by the op families: operand promotion, dims, error messages."""

from __future__ import annotations

import functools
import math

from .. import dtypes
from .._numpy import np
from ..tensor import Tensor, _dim, _wrap

__all__ = ["Tensor", "_wrap", "norm_dim", "norm_dims", "binary_arrays", "float_array", "as_tensor_arg", "opmath",
           "opmath_dtype", "FLOAT16"]


FLOAT16 = np.dtype(np.float16)  # dtypes of native arrays are singletons: ``is`` costs ~20 ns, ``==`` ~75


def opmath_dtype(d: np.ndarray):
    """The dtype PyTorch computes a float16 array's formulas and sums in: float32, the result
    rounded to float16 once (NumPy would round every step; float16 sums of squares overflow at
    65504). None for every other dtype: the array's own."""
    return np.float32 if d.dtype is FLOAT16 else None


def opmath(d: np.ndarray) -> np.ndarray:
    """``d`` as ``opmath_dtype`` computes it: float16 in float32, other dtypes as they are."""
    return d.astype(np.float32) if d.dtype is FLOAT16 else d


def norm_dim(d: int, ndim: int, op: str) -> int:
    return _dim(d, ndim, op)


def norm_dims(dim, ndim: int, op: str) -> tuple:
    """``dim`` as a sorted tuple of non-negative ints; None (or ()) means every dim."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (_dim(int(dim), ndim, op),)
    dims = tuple(_dim(int(d), ndim, op) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"{op}: dim {list(dim)} appears multiple times in the list of dims")
    return tuple(sorted(dims)) if dims else tuple(range(ndim))


def _value(x):
    return x._data if isinstance(x, Tensor) else x


def binary_arrays(a, b, op: str):
    """The operands of a binary op as arrays (or Python scalars) of their common dtype."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        xa, xb = a._data, b._data
        if xa.dtype is xb.dtype or xa.dtype == xb.dtype:
            return xa, xb
    elif not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected at least one Tensor, got {type(a).__name__} and {type(b).__name__}")
    for v in (a, b):
        if not isinstance(v, (Tensor, int, float, bool, np.number, np.bool_)):
            raise TypeError(
                f"{op}: unsupported operand type {type(v).__name__} (expected a Tensor or a number)"
            )
    rt = dtypes.result_type(a, b).np
    return _cast(a, rt), _cast(b, rt)


def _cast(v, rt: np.dtype):
    if isinstance(v, Tensor):
        d = v._data
        return d if d.dtype == rt else d.astype(rt)
    if rt.kind == "f" and isinstance(v, (int, bool, np.integer, np.bool_)):
        return float(v)
    if rt.kind in "iu" and isinstance(v, (bool, np.bool_)):
        return int(v)
    return v


def float_array(x: Tensor) -> np.ndarray:
    """The data of ``x``, as the default float dtype when it is an integer or bool tensor (what
    PyTorch's float-only functions such as exp do)."""
    d = x._data
    if d.dtype.kind == "f":
        return d
    return d.astype(dtypes.get_default_dtype().np)


def as_tensor_arg(x, op: str, like: Tensor | None = None) -> Tensor:
    """``x`` as a Tensor: numbers become 0-dim tensors (of ``like``'s dtype when given)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (int, float, bool, np.number, np.bool_)):
        if like is not None:
            return _wrap(np.asarray(x, dtype=dtypes.result_type(like, x).np))
        return _wrap(np.asarray(x, dtype=dtypes.result_type(x).np))
    raise TypeError(f"{op}: expected a Tensor or a number, got {type(x).__name__}")


def shape_str(shape) -> str:
    return str(list(shape))


def write_out(result: Tensor, out: Tensor, op: str) -> Tensor:
    """PyTorch's ``out=``: ``result`` copied into ``out`` (resized when its shape differs)."""
    from ..autograd import grad_mode

    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if grad_mode.enabled and (result._requires_grad or out._requires_grad):
        raise RuntimeError(
            f"{op}(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad."
        )
    src = result._data
    if not np.can_cast(src.dtype, out._data.dtype, "same_kind"):
        raise RuntimeError(f"{op}(): result type {result.dtype} can't be cast to the desired output type {out.dtype}")
    if out._data.shape != src.shape:
        out._data = src.astype(out._data.dtype)  # PyTorch resizes out to the result's shape
    else:
        np.copyto(out._data, src, casting="unsafe")
    out._bump()
    return out


def out_variant(fn):
    """Give ``fn`` PyTorch's keyword-only ``out=`` argument (see ``write_out``)."""

    @functools.wraps(fn)
    def with_out(*args, out=None, **kwargs):
        result = fn(*args, **kwargs)
        return result if out is None else write_out(result, out, with_out.__name__)

    return with_out


def add_rows_at(target: np.ndarray, idx: np.ndarray, rows) -> None:
    """``np.add.at(target, idx, rows)``: ``target[idx[i]] += rows[i]`` for each i in turn, repeated
    indices adding up, with the additions into each row in the same order (so the same bits).

    NumPy's add.at walks wide rows one index at a time (~6 ns per element). Here the k-th
    occurrences of the indices are added by one fancy-index update per k (within one k no index
    repeats) while such a round has at least _ROUND_ROWS rows; the rarer repeats left go through
    add.at. Rows of few elements stay with add.at, which is fast there."""
    if (idx.size < _ROUND_ROWS or target.ndim < 2 or math.prod(target.shape[1:]) < _ROUND_WIDTH
            or getattr(rows, "dtype", None) != target.dtype):  # add.at's own casting for mixed dtypes
        np.add.at(target, idx, rows)
        return
    n = target.shape[0]
    rows = np.broadcast_to(rows, idx.shape + target.shape[1:]).reshape((idx.size,) + target.shape[1:])
    idx = idx.reshape(-1)
    if idx.min() < 0:  # -1 and n - 1 are one row: make them one index
        idx = np.where(idx < 0, idx + n, idx)
    order = np.argsort(idx, kind="stable")  # stable: each index's occurrences keep their order
    s = idx[order]
    first = np.empty(s.size, bool)
    first[0] = True
    np.not_equal(s[1:], s[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    if starts.size == s.size:  # no repeats: one round, in any order
        target[idx] += rows
        return
    if starts.size < _ROUND_ROWS:  # few distinct indices: not even one round
        np.add.at(target, idx, rows)
        return
    rank = np.arange(s.size) - np.repeat(starts, np.diff(np.append(starts, s.size)))
    by_rank = order[np.argsort(rank, kind="stable")]  # occurrence 0 of every index, then 1, ...
    done = 0
    for count in np.bincount(rank).tolist():
        if count < _ROUND_ROWS:
            break
        take = by_rank[done:done + count]
        target[idx[take]] += rows[take]
        done += count
    if done < s.size:
        rest = by_rank[done:]
        np.add.at(target, idx[rest], rows[rest])


_ROUND_ROWS = 16  # rows per fancy-index round at least (fewer: add.at's per-row loop is as fast)
_ROUND_WIDTH = 64  # elements per row at least
