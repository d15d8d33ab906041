"""Indexing along a dim (gather/scatter, index_select/add/fill), masks, take, nonzero, tril/triu.

Index tensors are validated by the public functions (dtype, shape, range) so that the primitives'
forwards stay lean; a primitive's backward uses its adjoint (gather <-> scatter_add,
index_select <-> index accumulation) so gradients of any order exist. Re-exported by indexing.py."""

from __future__ import annotations

__all__ = [
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
]

from .._numpy import np
from ..autograd.function import Op, apply_inplace
from ._util import Tensor, _wrap, add_rows_at, norm_dim, out_variant, shape_str
from .indexing import _INDEX_DTYPES, Index, ViewScatter, _Key

_INT64 = (np.dtype(np.int64),)


def _index(index, op: str, allowed=_INDEX_DTYPES, exc=RuntimeError) -> np.ndarray:
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): index must be a Tensor, got {type(index).__name__}")
    a = index._data
    if a.dtype not in allowed:
        want = "int64" if allowed is _INT64 else "int32 or int64"
        raise exc(f"{op}(): Expected dtype {want} for index, but got {index.dtype}")
    return a


def _check_range(a: np.ndarray, dim: int, size: int, op: str, negative_ok: bool = False, exc=RuntimeError) -> None:
    low = -size if negative_ok else 0
    if a.size and (a.min() < low or a.max() >= size):
        bad = a[(a < low) | (a >= size)].flat[0]
        raise exc(f"{op}(): index {bad} is out of bounds for dimension {dim} with size {size}")


def _shape1(shape: tuple) -> tuple:
    """A 0-dim tensor acts as a 1-element vector for dim-wise indexing."""
    return shape if shape else (1,)


def _dim_key(idx: np.ndarray, dim: int, unique: bool = False) -> _Key:
    """The key that selects ``idx`` along ``dim`` (what index_select does)."""
    return _Key(None, (slice(None),) * dim + (idx,), unique)


# --- gather / scatter ------------------------------------------------------------------------


def _linear(idx: np.ndarray, dim: int, shape: tuple) -> np.ndarray:
    """Flat positions, in a C-ordered array of ``shape``, of the elements gather/scatter address."""
    ndim = len(shape)
    strides = [1] * ndim
    for d in range(ndim - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]
    lin = idx.astype(np.int64) * strides[dim]
    for d in range(ndim):
        if d != dim and idx.shape[d] > 1:
            lin = lin + (np.arange(idx.shape[d]) * strides[d]).reshape([-1 if e == d else 1 for e in range(ndim)])
    return lin


def _crop(a: np.ndarray, shape: tuple) -> np.ndarray:
    return a if a.shape == shape else a[tuple(slice(0, s) for s in shape)]


def _pad_to(t: Tensor, shape: tuple) -> Tensor:
    """``t`` in the top corner of zeros of ``shape`` (src larger than the index in scatter)."""
    if t._data.shape == shape:
        return t
    if t._data.ndim != len(shape):
        return t.reshape(shape)
    key = tuple(slice(0, s) for s in t._data.shape) + (Ellipsis,)
    return ViewScatter.apply(t, key=key, shape=shape)


class Gather(Op):
    _release_attrs = ("index",)

    def forward(self, x, *, index, dim):
        self.index = index
        self.dim = dim
        self.shape = x._data.shape
        xd = x._data
        if xd.ndim == 0:
            return xd.reshape(1)[index.reshape(-1)].reshape(index.shape)
        crop = tuple(slice(None) if d == dim else slice(0, s) for d, s in enumerate(index.shape))
        return np.take_along_axis(xd[crop], index, axis=dim)

    def backward(self, g):
        zeros = _wrap(np.zeros(self.shape, g._data.dtype))
        return ScatterAdd.apply(zeros, g, index=self.index, dim=self.dim)


class ScatterAdd(Op):
    _release_attrs = ("index",)

    def forward(self, x, src, *, index, dim):
        self.index = index
        self.dim = dim
        self.src_shape = src._data.shape
        out = x._data.copy()
        idx = index.reshape(_shape1(index.shape))
        np.add.at(out.reshape(-1), _linear(idx, dim, _shape1(out.shape)), _crop(src._data.reshape(_shape1(self.src_shape)), idx.shape))
        return out

    def backward(self, g):
        n = self.needs_input_grad
        gsrc = _pad_to(Gather.apply(g, index=self.index, dim=self.dim), self.src_shape) if n[1] else None
        return (g if n[0] else None), gsrc


class Scatter(Op):
    """``x`` with ``src`` (a tensor or a number) written at ``index`` along ``dim``; ``reduce``
    'add'/'multiply' combines instead (no gradient, as in PyTorch)."""

    _release_attrs = ("index",)

    def forward(self, x, src, *, index, dim, reduce=None):
        self.index = index
        self.dim = dim
        self.reduce = reduce
        out = x._data.copy()
        idx = index.reshape(_shape1(index.shape))
        lin = _linear(idx, dim, _shape1(out.shape))
        flat = out.reshape(-1)
        if isinstance(src, Tensor):
            self.src_shape = src._data.shape
            v = _crop(src._data.reshape(_shape1(self.src_shape)), idx.shape)
        else:
            v = src
        if reduce is None:
            flat[lin] = v
        elif reduce == "add":
            np.add.at(flat, lin, v)
        else:
            np.multiply.at(flat, lin, v)
        return out

    def backward(self, g):
        if self.reduce is not None:
            raise RuntimeError(f"the derivative for scatter with reduce={self.reduce!r} is not implemented")
        n = self.needs_input_grad
        gx = Scatter.apply(g, 0, index=self.index, dim=self.dim) if n[0] else None
        gsrc = _pad_to(Gather.apply(g, index=self.index, dim=self.dim), self.src_shape) if n[1] else None
        return gx, gsrc


def _check_gather_shapes(op: str, x: Tensor, idx: np.ndarray, dim: int, src=None) -> None:
    xs = _shape1(x._data.shape)
    ishape = _shape1(idx.shape)
    if len(ishape) != len(xs):
        raise RuntimeError(
            f"{op}(): Index tensor must have the same number of dimensions as input tensor "
            f"(index {shape_str(idx.shape)}, input {shape_str(x._data.shape)})"
        )
    ss = _shape1(src._data.shape) if isinstance(src, Tensor) else None
    if ss is not None and len(ss) != len(ishape):
        raise RuntimeError(
            f"{op}(): Index tensor must have the same number of dimensions as src tensor "
            f"(index {shape_str(idx.shape)}, src {shape_str(src._data.shape)})"
        )
    for d, s in enumerate(ishape):
        if (d != dim and s > xs[d]) or (ss is not None and s > ss[d]):
            extra = f" and to be no larger size than src {shape_str(src._data.shape)}" if ss is not None else ""
            raise RuntimeError(
                f"{op}(): Expected index {shape_str(idx.shape)} to be no larger than self "
                f"{shape_str(x._data.shape)} apart from dimension {dim}{extra}"
            )
    _check_range(idx, dim, xs[dim], op)


def _same_dtype(op: str, x: Tensor, src) -> None:
    if isinstance(src, Tensor) and src._data.dtype != x._data.dtype:
        raise RuntimeError(
            f"{op}(): Expected self.dtype to be equal to src.dtype (got {x.dtype} and {src.dtype})"
        )


@out_variant
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` for dim 0 (and likewise for other dims)."""
    idx = _index(index, "gather")
    dim = norm_dim(dim, input._data.ndim, "gather")
    _check_gather_shapes("gather", input, idx, dim)
    return Gather.apply(input, index=idx, dim=dim)


def _scatter_args(op: str, input: Tensor, dim: int, index: Tensor, src, value, reduce):
    idx = _index(index, op.rstrip("_"))
    dim = norm_dim(dim, input._data.ndim, op)
    if src is None:
        if value is None:
            raise TypeError(f"{op}(): expected a src tensor or a value")
        src = value
    if not isinstance(src, (Tensor, int, float, bool, np.number, np.bool_)):
        raise TypeError(f"{op}(): src must be a Tensor or a number, got {type(src).__name__}")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"{op}(): reduce argument must be either add or multiply, got {reduce!r}")
    _same_dtype(op.rstrip("_"), input, src)
    _check_gather_shapes(op, input, idx, dim, src)
    return idx, dim, src


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor, or the number ``value``) written at ``index``
    along ``dim``."""
    idx, dim, src = _scatter_args("scatter", input, dim, index, src, value, reduce)
    return Scatter.apply(input, src, index=idx, dim=dim, reduce=reduce)


def scatter_(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:
    """In-place ``scatter``."""
    idx, dim, src = _scatter_args("scatter_", input, dim, index, src, value, reduce)
    return apply_inplace(Scatter, input, src, index=idx, dim=dim, reduce=reduce)


def _scatter_add_args(op: str, input: Tensor, dim: int, index: Tensor, src) -> tuple:
    if not isinstance(src, Tensor):
        raise TypeError(f"{op}(): src must be a Tensor, got {type(src).__name__}")
    return _scatter_args(op, input, dim, index, src, None, None)[:2]


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats add up)."""
    idx, dim = _scatter_add_args("scatter_add", input, dim, index, src)
    return ScatterAdd.apply(input, src, index=idx, dim=dim)


def scatter_add_(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """In-place ``scatter_add``."""
    idx, dim = _scatter_add_args("scatter_add_", input, dim, index, src)
    return apply_inplace(ScatterAdd, input, src, index=idx, dim=dim)


# --- index_select / index_add / index_fill ---------------------------------------------------


def _vector_index(op: str, index, allowed=_INDEX_DTYPES, exc=RuntimeError) -> np.ndarray:
    idx = _index(index, op, allowed, exc)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector (got shape {shape_str(idx.shape)})")
    return idx.reshape(-1)


@out_variant
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``input`` at positions ``index`` (a vector) along ``dim``."""
    idx = _vector_index("index_select", index)
    dim = norm_dim(dim, input._data.ndim, "index_select")
    shape = _shape1(input._data.shape)
    _check_range(idx, dim, shape[dim], "index_select")
    if input._data.ndim == 0:
        if idx.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
        return Index.apply(input.reshape(1), key=_dim_key(idx, 0)).reshape(())
    return Index.apply(input, key=_dim_key(idx, dim))


class IndexAdd(Op):
    _release_attrs = ("index",)

    def forward(self, x, src, *, index, dim, alpha=1):
        self.index = index
        self.dim = dim
        self.alpha = alpha
        self.src_shape = src._data.shape
        out = x._data.copy()
        s = src._data if alpha == 1 else src._data * alpha
        o1 = out.reshape(_shape1(out.shape))
        add_rows_at(np.moveaxis(o1, dim, 0), index, np.moveaxis(s.reshape(_shape1(s.shape)), dim, 0))
        return out

    def backward(self, g):
        n = self.needs_input_grad
        gsrc = None
        if n[1]:
            g1 = g if g._data.ndim else g.reshape(1)
            gsrc = Index.apply(g1, key=_dim_key(self.index, self.dim))
            if self.alpha != 1:
                gsrc = gsrc * self.alpha
            if gsrc._data.shape != self.src_shape:
                gsrc = gsrc.reshape(self.src_shape)
        return (g if n[0] else None), gsrc


def _index_add_args(op: str, input: Tensor, dim: int, index: Tensor, source) -> tuple:
    idx = _vector_index(op, index)
    dim = norm_dim(dim, input._data.ndim, op)
    if not isinstance(source, Tensor):
        raise TypeError(f"{op}(): source must be a Tensor, got {type(source).__name__}")
    xs, ss = input._data.shape, source._data.shape
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"{op}(): self ({input.dtype}) and source ({source.dtype}) must have the same scalar type")
    if len(xs) != len(ss) and not (len(xs) <= 1 and len(ss) <= 1):
        raise RuntimeError(
            f"{op}(): source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {shape_str(xs)} source.shape = {shape_str(ss)}"
        )
    xs1, ss1 = _shape1(xs), _shape1(ss)
    if ss1[dim] != idx.size:
        raise RuntimeError(
            f"{op}(): Number of indices ({idx.size}) should be equal to source.size(dim): ({ss1[dim]}), for dim: {dim}"
        )
    if any(a != b for d, (a, b) in enumerate(zip(xs1, ss1)) if d != dim):
        raise RuntimeError(
            f"{op}(): source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {shape_str(xs)} source.shape = {shape_str(ss)}"
        )
    _check_range(idx, dim, xs1[dim], op)
    return idx, dim


@out_variant
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at positions ``index`` along ``dim``."""
    idx, dim = _index_add_args("index_add", input, dim, index, source)
    return IndexAdd.apply(input, source, index=idx, dim=dim, alpha=alpha)


def index_add_(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """In-place ``index_add``."""
    idx, dim = _index_add_args("index_add_", input, dim, index, source)
    return apply_inplace(IndexAdd, input, source, index=idx, dim=dim, alpha=alpha)


class IndexFill(Op):
    _release_attrs = ("index",)

    def forward(self, x, value, *, index, dim):
        self.index = index
        self.dim = dim
        if isinstance(value, Tensor):
            self.vdtype = value.dtype
            value = value._data
        out = x._data.copy()
        out.reshape(_shape1(out.shape))[(slice(None),) * dim + (index,)] = value
        return out

    def backward(self, g):
        n = self.needs_input_grad
        gx = IndexFill.apply(g, 0, index=self.index, dim=self.dim)
        gv = (g - gx).sum().to(self.vdtype) if n[1] else None
        return (gx if n[0] else None), gv


def _fill_value(op: str, value):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                f"{op} only supports a 0-dimensional value tensor, but got tensor with {value._data.ndim} dimension(s)."
            )
        return value
    if isinstance(value, (int, float, bool, np.number, np.bool_)):
        return value
    raise TypeError(f"{op}(): value must be a number or a 0-dimensional Tensor, got {type(value).__name__}")


def _index_fill_args(op: str, input: Tensor, dim: int, index: Tensor, value) -> tuple:
    idx = _index(index, op, _INT64, IndexError)
    if idx.ndim > 1:
        raise RuntimeError(f"{op}(): Index has to be a vector/scalar (got shape {shape_str(idx.shape)})")
    idx = idx.reshape(-1)
    dim = norm_dim(dim, input._data.ndim, op)
    size = _shape1(input._data.shape)[dim]
    if idx.size and (idx.min() < -size or idx.max() >= size):
        bad = idx[(idx < -size) | (idx >= size)][0]
        raise IndexError(f"{op}(): index {bad} is out of bounds for dimension {dim} with size {size}")
    return idx, dim, _fill_value("index_fill_", value)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of ``input`` with the slices at ``index`` along ``dim`` set to ``value``."""
    idx, dim, value = _index_fill_args("index_fill", input, dim, index, value)
    return IndexFill.apply(input, value, index=idx, dim=dim)


def index_fill_(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """In-place ``index_fill``."""
    idx, dim, value = _index_fill_args("index_fill_", input, dim, index, value)
    return apply_inplace(IndexFill, input, value, index=idx, dim=dim)


# --- masks -----------------------------------------------------------------------------------


class MaskedFill(Op):
    _release_attrs = ("mask",)

    def forward(self, x, value, *, mask):
        self.mask = mask
        xd = x._data
        self.shape = xd.shape
        self.dtype = xd.dtype
        if isinstance(value, Tensor):
            self.vdtype = value.dtype
            value = value._data
        return np.where(mask, np.asarray(value).astype(xd.dtype, copy=False), xd)

    def backward(self, g):
        n = self.needs_input_grad
        gm = MaskedFill.apply(g, 0, mask=self.mask)
        gx = _unbroadcast(gm, self.shape, self.dtype) if n[0] else None
        gv = (g - gm).sum().to(self.vdtype) if n[1] else None
        return gx, gv


def _mask(op: str, mask, kind: str = "masked_fill_ only supports boolean masks") -> np.ndarray:
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): mask must be a bool Tensor, got {type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"{kind}, but got mask with dtype {mask.dtype}")
    return mask._data


def _broadcast(op: str, a: tuple, b: tuple) -> tuple:
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        raise RuntimeError(
            f"{op}: the shape of the mask {shape_str(b)} must be broadcastable with the input "
            f"{shape_str(a)}"
        ) from None


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``input`` with the positions where ``mask`` is True set to ``value`` (broadcasting)."""
    m = _mask("masked_fill", mask)
    _broadcast("masked_fill", input._data.shape, m.shape)
    return MaskedFill.apply(input, _fill_value("masked_fill_", value), mask=m)


def masked_fill_(input: Tensor, mask: Tensor, value) -> Tensor:
    """In-place ``masked_fill``; ``mask`` must broadcast to ``input``'s shape."""
    m = _mask("masked_fill_", mask)
    shape = _broadcast("masked_fill_", input._data.shape, m.shape)
    if shape != input._data.shape:
        raise RuntimeError(
            f"masked_fill_: output with shape {shape_str(input._data.shape)} doesn't match the "
            f"broadcast shape {shape_str(shape)}"
        )
    return apply_inplace(MaskedFill, input, _fill_value("masked_fill_", value), mask=m)


@out_variant
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where ``mask`` is True, as a 1-D tensor (both broadcast)."""
    m = _mask("masked_select", mask, "masked_select: expected BoolTensor for mask")
    shape = _broadcast("masked_select", input._data.shape, m.shape)
    return Index.apply(expand(input, shape), key=_Key(None, (np.broadcast_to(m, shape),), True))


def take(input: Tensor, index: Tensor) -> Tensor:
    """``input`` read as 1-D at positions ``index`` (negative counts from the end); the result
    has ``index``'s shape."""
    if not isinstance(index, Tensor):
        raise TypeError(f"take(): index must be a Tensor, got {type(index).__name__}")
    idx = index._data
    if idx.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {index.dtype}")
    n = input._data.size
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)].flat[0]
        raise IndexError(f"take(): out of range: tried to access index {bad} on a tensor of {n} elements.")
    return Index.apply(input.reshape(-1), key=_Key(None, (idx,), False))


@out_variant
def nonzero(input: Tensor, *, as_tuple: bool = False):
    """The indices of the non-zero elements: an (n, ndim) int64 tensor, or with ``as_tuple``
    one 1-D tensor per dim."""
    d = input._data
    if as_tuple:
        return tuple(_wrap(i.astype(np.int64, copy=False)) for i in np.nonzero(np.atleast_1d(d)))
    return _wrap(np.argwhere(d).astype(np.int64, copy=False))


# --- triangles -------------------------------------------------------------------------------


class Tri(Op):
    """The lower (``upper=False``) or upper triangle of the last two dims, the rest zeroed."""

    stateless = True

    def forward(self, x, *, diagonal, upper):
        self.diagonal = diagonal
        self.upper = upper
        return (np.triu if upper else np.tril)(x._data, diagonal)

    def backward(self, g):
        return Tri.apply(g, diagonal=self.diagonal, upper=self.upper)

    def name(self) -> str:
        return "TriuBackward0" if self.upper else "TrilBackward0"


def _tri(op: str, input: Tensor, diagonal: int, upper: bool) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions (got shape {shape_str(input._data.shape)})")
    return Tri.apply(input, diagonal=int(diagonal), upper=upper)


@out_variant
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle (on and below ``diagonal``) of the last two dims; the rest is 0."""
    return _tri("tril", input, diagonal, False)


@out_variant
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle (on and above ``diagonal``) of the last two dims; the rest is 0."""
    return _tri("triu", input, diagonal, True)


from .elementwise import _unbroadcast  # noqa: E402
from .shape import expand  # noqa: E402
