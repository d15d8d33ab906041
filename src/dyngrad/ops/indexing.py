"""Indexing ops: __getitem__/__setitem__, gather/scatter, index_* and masks; forward and backward
side by side. Sorting (sort/argsort/topk/unique) lives in ``sorting.py`` and is re-exported here.

Keys are parsed once (``_parse_key``) into a ``_Key``: a basic part (ints, slices, None, Ellipsis,
applied first, as PyTorch does) and an advanced part (index arrays and masks, NumPy's rules).
Every index-taking primitive has an adjoint primitive (take <-> accumulate, gather <-> scatter_add)
so that gradients of any order exist."""

from __future__ import annotations

__all__ = [
    "getitem",
    "setitem",
    "index_put",
    "index_put_",
    "gather",
    "scatter",
    "scatter_",
    "scatter_add",
    "scatter_add_",
    "index_select",
    "index_add",
    "index_add_",
    "index_fill",
    "index_fill_",
    "masked_fill",
    "masked_fill_",
    "masked_select",
    "take",
    "nonzero",
    "tril",
    "triu",
    "argsort",
    "sort",
    "topk",
    "unique",
]

import warnings

from .._numpy import np
from ..autograd.function import Op, apply_inplace
from ._util import Tensor, _wrap, add_rows_at, shape_str

_INDEX_DTYPES = (np.dtype(np.int64), np.dtype(np.int32))
_FULL = slice(None)


# --- keys ----------------------------------------------------------------------------------


class _Key:
    """A parsed index: ``basic`` (a tuple ending in Ellipsis, or None) is applied first, giving a
    view; ``adv`` (a tuple with index arrays, or None) is then applied to that view. ``unique``:
    the advanced part never selects an element twice (masks only), so plain assignment can
    replace accumulation."""

    __slots__ = ("basic", "adv", "unique")

    def __init__(self, basic, adv, unique):
        self.basic = basic
        self.adv = adv
        self.unique = unique


def _bad_index(k) -> IndexError:
    return IndexError(
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
        f"indices (got {type(k).__name__})"
    )


def _key_array(a: np.ndarray, from_tensor: bool):
    """An index array as what it acts as: an int (0-dim integer), a bool mask, an int array."""
    kind = a.dtype.kind
    if kind == "b":
        return a
    if kind in "iu":
        if a.ndim == 0:
            return int(a)
        if a.dtype == np.uint8 and from_tensor:
            warnings.warn(
                "indexing with dtype uint8 is deprecated, please use a dtype bool instead", UserWarning, 2
            )
            return a.astype(np.bool_)
        if from_tensor and a.dtype not in _INDEX_DTYPES:
            raise IndexError(
                f"tensors used as indices must be long, int, byte or bool tensors (got {a.dtype})"
            )
        return a
    raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors (got {a.dtype})")


def _convert(k):
    if type(k) is int or k is None or k is Ellipsis:
        return k
    if type(k) is slice:
        if k.step is not None:
            step = k.step.__index__()
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step < 0:
                raise ValueError(f"step must be greater than zero (got {step}): negative steps are not supported")
        return k
    if isinstance(k, (bool, np.bool_)):
        return np.array(bool(k))
    if isinstance(k, (int, np.integer)):
        return int(k)
    if isinstance(k, Tensor):
        return _key_array(k._data, True)
    if isinstance(k, np.ndarray):
        return _key_array(k, False)
    if isinstance(k, (list, tuple)):
        a = np.asarray([v._data if isinstance(v, Tensor) else v for v in k])
        if a.size == 0:
            a = a.astype(np.int64)
        return _key_array(a, False)
    raise _bad_index(k)


def _legacy_sequence(key: list) -> bool:
    """PyTorch reads a list holding slices, None, Ellipsis, tensors or lists as a tuple of indices."""
    return any(v is None or v is Ellipsis or isinstance(v, (slice, list, tuple, Tensor, np.ndarray)) for v in key)


def _out_of_bounds(value: int, dim: int, size: int) -> IndexError:
    return IndexError(f"index {value} is out of bounds for dimension {dim} with size {size}")


def _check_array_range(a: np.ndarray, dim: int, size: int) -> None:
    if a.size and (a.min() < -size or a.max() >= size):
        bad = a[(a < -size) | (a >= size)].flat[0]
        raise _out_of_bounds(int(bad), dim, size)


def _parse_key(shape: tuple, key) -> _Key:
    if type(key) is not tuple:
        key = tuple(key) if isinstance(key, list) and _legacy_sequence(key) else (key,)
    items = [_convert(k) for k in key]
    ndim = len(shape)
    consumed = 0
    n_ellipsis = 0
    has_int = has_array = has_int_array = False
    for it in items:
        if it is Ellipsis:
            n_ellipsis += 1
        elif type(it) is int:
            consumed += 1
            has_int = True
        elif type(it) is slice:
            consumed += 1
        elif it is not None:
            has_array = True
            if it.dtype.kind == "b":
                consumed += it.ndim
            else:
                consumed += 1
                has_int_array = True
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > ndim:
        if ndim == 0:
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                "in C++ to convert a 0-dim tensor to a number"
            )
        raise IndexError(f"too many indices for tensor of dimension {ndim} (got {consumed} indices)")
    d = 0
    for it in items:
        if it is Ellipsis:
            d += ndim - consumed
        elif type(it) is int:
            if not -shape[d] <= it < shape[d]:
                raise _out_of_bounds(it, d, shape[d])
            d += 1
        elif type(it) is slice:
            d += 1
        elif it is not None:
            if it.dtype.kind == "b":
                for i, s in enumerate(it.shape):
                    if s != shape[d + i]:
                        raise IndexError(
                            f"The shape of the mask {list(it.shape)} at index {i} does not match the "
                            f"shape of the indexed tensor {list(shape)} at index {d + i}"
                        )
                d += it.ndim
            else:
                _check_array_range(it, d, shape[d])
                d += 1
    if not has_array:
        return _Key(tuple(items) if n_ellipsis else (*items, Ellipsis), None, True)
    if not has_int:
        return _Key(None, tuple(items), not has_int_array)
    # PyTorch applies ints as selections before the advanced indices: split in two stages
    first, second = [], []
    for it in items:
        if type(it) is int:
            first.append(it)
        elif it is None or type(it) is slice:
            first.append(it)
            second.append(slice(None))
        elif it is Ellipsis:
            first.append(it)
            second.append(it)
        else:
            first.extend([slice(None)] * (it.ndim if it.dtype.kind == "b" else 1))
            second.append(it)
    if not n_ellipsis:
        first.append(Ellipsis)
    return _Key(tuple(first), tuple(second), not has_int_array)


def _lead_array(adv: tuple):
    """(d, array) when ``adv`` is d full slices then one int array: the fast add.at case."""
    last = adv[-1]
    if type(last) is not np.ndarray or last.dtype.kind == "b":
        return None
    for it in adv[:-1]:
        if type(it) is not slice or it != _FULL:
            return None
    return len(adv) - 1, last


def _accumulate(target: np.ndarray, key: _Key, v) -> None:
    """``target[key.adv] += v``, counting repeated indices every time."""
    adv = key.adv
    if key.unique:
        target[adv] += v
        return
    if isinstance(v, np.ndarray) and v.ndim:
        lead = 0
        while lead < v.ndim and v.shape[lead] == 1:
            lead += 1
        v = v.reshape(v.shape[lead:])  # leading ones broadcast anyway; add.at refuses them
    fast = _lead_array(adv)
    if fast is None:
        np.add.at(target, adv, v)
        return
    d, idx = fast
    if d == 0:
        add_rows_at(target, idx, v)
        return
    # add.at's fast path wants the index on the first axis
    v = np.broadcast_to(v, target.shape[:d] + idx.shape + target.shape[d + 1 :])
    src = np.moveaxis(v, tuple(range(d, d + idx.ndim)), tuple(range(idx.ndim)))
    add_rows_at(np.moveaxis(target, d, 0), idx, src)


def _region_shape(target_shape: tuple, adv: tuple) -> tuple:
    return np.broadcast_to(np.empty((), np.int8), target_shape)[adv].shape


def _take(g: Tensor, key: _Key) -> Tensor:
    if key.adv is None:
        return View.apply(g, key=key.basic)
    return Index.apply(g, key=key)


# --- getitem ---------------------------------------------------------------------------------


class View(Op):
    """Basic indexing (ints, slices, None, Ellipsis): a NumPy view of the input."""

    stateless = True
    is_view = True

    def forward(self, x, key):
        self.key = key
        self.shape = x._data.shape
        return x._data[key]

    def backward(self, g):
        return ViewScatter.apply(g, key=self.key, shape=self.shape)

    def name(self) -> str:
        return "SliceBackward0"


class ViewScatter(Op):
    """Zeros of ``shape`` with the basic-index region set to the input (the adjoint of View)."""

    stateless = True

    def forward(self, g, *, key, shape):
        self.key = key
        out = np.zeros(shape, g._data.dtype)
        out[key] = g._data
        return out

    def backward(self, gg):
        return View.apply(gg, key=self.key)


class Index(Op):
    """Advanced indexing (index arrays, masks): a copy."""

    _release_attrs = ("key",)

    def forward(self, x, *, key):
        self.key = key
        self.shape = x._data.shape
        d = x._data
        if key.basic is not None:
            d = d[key.basic]
        return d[key.adv]

    def backward(self, g):
        return IndexAccumulate.apply(g, key=self.key, shape=self.shape)


class IndexAccumulate(Op):
    """Zeros of ``shape`` with the input added at the key, repeated indices adding up (the
    adjoint of Index)."""

    _release_attrs = ("key",)

    def forward(self, g, *, key, shape):
        self.key = key
        out = np.zeros(shape, g._data.dtype)
        _accumulate(out[key.basic] if key.basic is not None else out, key, g._data)
        return out

    def backward(self, gg):
        return Index.apply(gg, key=self.key)


def getitem(input: Tensor, key) -> Tensor:
    """``input[key]``: a view for ints/slices/None/Ellipsis, a copy for index tensors and masks."""
    if type(key) is int:
        shape = input._data.shape
        if shape and -shape[0] <= key < shape[0]:
            return View.apply(input, key=(key, Ellipsis))
    elif type(key) is slice and key.step is None and input._data.ndim:
        return View.apply(input, key=(key, Ellipsis))  # what _parse_key makes of it
    k = _parse_key(input._data.shape, key)
    if k.adv is None:
        return View.apply(input, key=k.basic)
    return Index.apply(input, key=k)


# --- setitem / index_put ---------------------------------------------------------------------


class IndexPut(Op):
    """``x`` with ``x[key] = value`` (or ``+= value`` when accumulating); ``inplace`` writes
    into x's own memory (only through apply_inplace, which versions it)."""

    _release_attrs = ("key",)

    def forward(self, x, value, *, key, accumulate=False, inplace=False):
        self.key = key
        self.accumulate = accumulate
        is_tensor = isinstance(value, Tensor)
        if is_tensor:
            self.vshape = value._data.shape
            self.vdtype = value._data.dtype
        v = value._data if is_tensor else value
        out = x._data if inplace else x._data.copy()
        if not out.flags.writeable:
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a single "
                "memory location (an expanded tensor?). Please clone() the tensor before writing into it."
            )
        target = out[key.basic] if key.basic is not None else out
        try:
            if key.adv is None:
                if accumulate:
                    target += v
                else:
                    target[...] = v
            elif accumulate:
                _accumulate(target, key, v)
            else:
                target[key.adv] = v
        except ValueError:
            region = target.shape if key.adv is None else _region_shape(target.shape, key.adv)
            raise RuntimeError(
                f"shape mismatch: value tensor of shape {shape_str(np.shape(v))} cannot be broadcast to "
                f"indexing result of shape {shape_str(region)}"
            ) from None
        return out

    def backward(self, g):
        n = self.needs_input_grad
        gx = gv = None
        if n[0]:
            gx = g if self.accumulate else IndexPut.apply(g, 0, key=self.key)
        if n[1]:
            gv = _sum_back(_take(g, self.key), self.vshape, self.vdtype)
        return gx, gv


def _sum_back(r: Tensor, shape: tuple, dtype: np.dtype) -> Tensor:
    """A gradient of an indexed region summed back to the shape of the value broadcast into it
    (which may carry extra leading ones)."""
    if r._data.shape != shape:
        extra = len(shape) - r._data.ndim
        core = shape[extra:] if extra > 0 else shape
        r = sum_to(r, core)
        if extra > 0:
            r = reshape(r, shape)
    if r._data.dtype != dtype:
        r = cast(r, _dtypes._FROM_NP[dtype])
    return r


def _value_arg(value, op: str):
    if isinstance(value, (Tensor, int, float, bool, np.number, np.bool_)):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return _wrap(np.asarray(value))
    raise TypeError(f"{op}: can't assign a {type(value).__name__} to a Tensor (expected a Tensor or a number)")


def setitem(input: Tensor, key, value) -> None:
    """``input[key] = value`` in place, recorded by autograd; ``value`` broadcasts and is cast to
    ``input``'s dtype."""
    k = _parse_key(input._data.shape, key)
    apply_inplace(IndexPut, input, _value_arg(value, "setitem"), key=k, inplace=True)


def _index_put_key(input: Tensor, indices, op: str) -> _Key:
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{op}(): indices must be a tuple of Tensors, got {type(indices).__name__}")
    for i in indices:
        if i is not None and not isinstance(i, Tensor):
            raise TypeError(f"{op}(): indices must be a tuple of Tensors, got an element of type {type(i).__name__}")
    return _parse_key(input._data.shape, tuple(slice(None) if i is None else i for i in indices))


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` put at ``indices`` (a tuple of index tensors); with
    ``accumulate`` repeated indices add up."""
    k = _index_put_key(input, indices, "index_put")
    return IndexPut.apply(input, _value_arg(values, "index_put"), key=k, accumulate=accumulate)


def index_put_(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """In-place ``index_put``."""
    k = _index_put_key(input, indices, "index_put_")
    return apply_inplace(IndexPut, input, _value_arg(values, "index_put_"), key=k, accumulate=accumulate, inplace=True)


# ops the backwards above use, and the rest of the family (built on the primitives above)
from .. import dtypes as _dtypes  # noqa: E402
from .elementwise import cast  # noqa: E402
from .reduction import sum_to  # noqa: E402
from .scatter import (  # noqa: E402
    gather,
    index_add,
    index_add_,
    index_fill,
    index_fill_,
    index_select,
    masked_fill,
    masked_fill_,
    masked_select,
    nonzero,
    scatter,
    scatter_,
    scatter_add,
    scatter_add_,
    take,
    tril,
    triu,
)
from .shape import reshape  # noqa: E402
from .sorting import argsort, sort, topk, unique  # noqa: E402

