"""Reductions: forward on arrays, backward with dyngrad ops, side by side.

This module holds sums, products, extrema and logical reductions; the statistical ones (var, std,
norm) live in ``moments``, the softmax family in ``softmax`` and the scans in ``cumulative``. All
of them are re-exported here, because ``Tensor`` methods call ``reduction.<name>``."""

from __future__ import annotations

__all__ = [
    "sum",
    "sum_to_size",
    "mean",
    "prod",
    "max",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "median",
    "count_nonzero",
    "all",
    "any",
]

import builtins

from .. import dtypes
from .._numpy import np
from ..autograd import grad_mode
from ..autograd.function import Op
from ._util import Tensor, _wrap, norm_dim, norm_dims, opmath_dtype

# --- helpers ---------------------------------------------------------------------------------

_add_reduce = np.add.reduce  # the ufunc method skips ndarray.sum / np.sum's Python layers
_all_dims_cache: dict = {}


def _all_dims(ndim: int) -> tuple:
    """``(0, ..., ndim - 1)``, cached: what a reduction over every dim reduces."""
    dims = _all_dims_cache.get(ndim)
    if dims is None:
        dims = _all_dims_cache[ndim] = tuple(range(ndim))
    return dims



def _dims(dim, ndim: int, op: str) -> tuple:
    """``dim`` (int, sequence or None) as sorted non-negative axes; a 0-dim tensor accepts dim 0
    or -1 like PyTorch and has no axis to reduce."""
    dims = norm_dims(dim, ndim, op)
    return dims if ndim else ()


def _kept_shape(shape: tuple, dims: tuple) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _spread(g: Tensor, shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """A reduced gradient broadcast back over the input's ``shape``."""
    # the shapes are known to fit: the ops themselves, without reshape/expand's argument checks
    if not keepdim and g._data.ndim != len(shape):
        g = View.apply(g, _kept_shape(shape, dims))
    return g if g._data.shape == shape else Expand.apply(g, shape)


def _as_np_dtype(dtype) -> np.dtype | None:
    return None if dtype is None else dtypes.as_dtype(dtype).np


def _cast_input(input: Tensor, dtype) -> Tensor:
    """``input`` converted to the ``dtype=`` argument (differentiably) before reducing."""
    if dtype is None:
        return input
    return cast(input, dtypes.as_dtype(dtype))


def _reduced_numel(shape: tuple, dims: tuple) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


class _ReturnType(tuple):
    """A ``(values, indices)`` pair, like ``torch.return_types.max``."""

    _name = "return_type"
    _fields = ("values", "indices")

    def __new__(cls, values: Tensor, indices: Tensor):
        return tuple.__new__(cls, (values, indices))

    @property
    def values(self) -> Tensor:
        return self[0]

    @property
    def indices(self) -> Tensor:
        return self[1]

    def __repr__(self) -> str:
        return (
            f"{dtypes.display_prefix[0]}.return_types.{self._name}(\n"
            f"values={self[0]!r},\nindices={self[1]!r})"
        )

    def __reduce__(self):
        return (type(self), (self[0], self[1]))


def _return_type(name: str) -> type:
    return type(name, (_ReturnType,), {"_name": name, "__module__": "dyngrad.return_types"})


return_types_max = _return_type("max")
return_types_min = _return_type("min")
return_types_median = _return_type("median")


# --- sums ------------------------------------------------------------------------------------


def _sum_to_array(d: np.ndarray, shape: tuple) -> np.ndarray:
    """The array ``d`` summed down to the broadcast-compatible ``shape``."""
    if d.shape[1:] == shape:  # one leading dim to sum (a linear layer's bias): 1.7x faster than below
        return np.add.reduce(d, axis=0)
    lead = d.ndim - len(shape)
    kept = tuple(lead + i for i, s in enumerate(shape) if s == 1 and d.shape[lead + i] != 1)
    if not kept:  # only leading dims to sum away: a new array of ``shape`` (a bias's gradient)
        return np.add.reduce(d, axis=tuple(range(lead))) if lead else d
    out = np.add.reduce(d, axis=tuple(range(lead)) + kept, keepdims=True)
    return out.reshape(shape) if lead else out


class SumTo(Op):
    """Sum a broadcast result back to ``shape`` (the adjoint of ``expand``)."""

    stateless = True

    def forward(self, x, shape):
        self.shape = x._data.shape
        return _sum_to_array(x._data, shape)

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
    """Sum ``input`` down to ``size``, which ``input`` must be expandable from."""
    if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    src = input._data.shape
    lead = len(src) - len(size)
    if lead < 0 or builtins.any(s != 1 and s != src[lead + i] for i, s in enumerate(size)):
        raise RuntimeError(f"sum_to_size: size {{{list(size)}}} is not expandable to size {{{list(src)}}}.")
    return sum_to(input, size)


class Sum(Op):
    stateless = True

    def forward(self, x, *, dims=(), keepdim=False):
        d = x._data
        self.shape = d.shape
        self.dims = dims
        self.keepdim = keepdim
        # integer and bool sums accumulate in int64, as in PyTorch
        return _add_reduce(d, dims, np.int64 if d.dtype.kind in "biu" else None, None, keepdim)

    def backward(self, g):
        return _spread(g, self.shape, self.dims, self.keepdim)


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum over ``dim`` (an int, a tuple, or every dim when None)."""
    if dtype is None:  # the common calls, without the general normalisation
        n = input._data.ndim
        if dim is None:
            return Sum.apply(input, dims=_all_dims(n), keepdim=keepdim)
        if type(dim) is int and -n <= dim < n:
            return SumDim.apply(input, dims=(dim + n if dim < 0 else dim,), keepdim=keepdim)
    dims = _dims(dim, input._data.ndim, "sum")
    return (Sum if dim is None else SumDim).apply(_cast_input(input, dtype), dims=dims, keepdim=keepdim)


class SumDim(Sum):
    """``sum`` over given dims: PyTorch names its node SumBackward1 (SumBackward0: every dim)."""

    def name(self) -> str:
        return "SumBackward1"


class Mean(Op):
    stateless = True

    def forward(self, x, *, dims=(), keepdim=False):
        d = x._data
        self.shape = d.shape
        self.dims = dims
        self.keepdim = keepdim
        n = self.n = _reduced_numel(d.shape, dims)
        return _mean_array(d, dims, keepdim, n)

    def backward(self, g):
        return _spread(g, self.shape, self.dims, self.keepdim) / self.n


def _mean_array(d: np.ndarray, dims: tuple, keepdim: bool, n: int):
    """The mean of float ``d`` over ``dims`` (``n`` values each), as ndarray.mean computes it,
    without its Python layers: the ops that average (Mean, the fused losses, the norms' moments)
    share it, so that their means agree to the bit. The mean of nothing is nan."""
    if not n:
        return np.full(_add_reduce(d, dims, None, None, keepdim).shape, np.nan, d.dtype)
    if d.dtype.itemsize < 4:  # float16 accumulates in float32 in NumPy's mean
        return d.mean(axis=dims, keepdims=keepdim)
    total = _add_reduce(d, dims, None, None, keepdim)
    return np.true_divide(total, n, out=total) if type(total) is np.ndarray else total / n


class MeanDim(Mean):
    """``mean`` over given dims: PyTorch names its node MeanBackward1 (MeanBackward0: every dim)."""

    def name(self) -> str:
        return "MeanBackward1"


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The mean over ``dim`` (float input, or a float ``dtype=``)."""
    if dtype is None and input._data.dtype.kind == "f":  # the common calls
        n = input._data.ndim
        if dim is None:
            return Mean.apply(input, dims=_all_dims(n), keepdim=keepdim)
        if type(dim) is int and -n <= dim < n:
            return MeanDim.apply(input, dims=(dim + n if dim < 0 else dim,), keepdim=keepdim)
    want = input.dtype if dtype is None else dtypes.as_dtype(dtype)
    if not want.is_floating_point:
        which = "Input" if dtype is None else "Optional"
        raise RuntimeError(
            f"mean(): could not infer output dtype. {which} dtype must be either a floating point "
            f"or complex dtype. Got: {want.name}"
        )
    dims = _dims(dim, input._data.ndim, "mean")
    return (Mean if dim is None else MeanDim).apply(_cast_input(input, dtype), dims=dims, keepdim=keepdim)


class Prod(Op):
    save_output = True

    def forward(self, x, *, dims=(), keepdim=False):
        d = x._data
        self.shape = d.shape
        self.dims = dims
        self.keepdim = keepdim
        self.save_for_backward(x)
        # PyTorch multiplies integers in int64 and float16 in float32 (rounded once)
        result = np.int64 if d.dtype.kind in "biu" else d.dtype
        acc = np.int64 if d.dtype.kind in "biu" else opmath_dtype(d)
        return np.asarray(d.prod(axis=dims, keepdims=keepdim, dtype=acc)).astype(result, copy=False)

    def backward(self, g):
        (x,) = self.saved_tensors
        shape, dims = self.shape, self.dims
        g = _spread(g, shape, dims, self.keepdim)
        if not (x._data == 0).any():
            return g * _spread(self.output, shape, dims, self.keepdim) / x
        return g * _prod_of_others(x, dims)


def _first_zero(zero: np.ndarray, dims: tuple) -> np.ndarray:
    """A mask of the first zero (in C order over ``dims``) of each reduced slice."""
    k = len(dims)
    moved = np.moveaxis(zero, dims, range(-k, 0))
    flat = moved.reshape(moved.shape[: moved.ndim - k] + (-1,))
    first = flat & (np.cumsum(flat, axis=-1) == 1)
    return np.moveaxis(first.reshape(moved.shape), range(-k, 0), dims)


def _prod_of_others(x: Tensor, dims: tuple) -> Tensor:
    """For each element, the product of the other elements of its slice: the gradient of prod.

    It is built so that its own derivatives are right too, even at zeros. The product is affine in
    the slice's first zero x_z: with x1 = x where x_z is replaced by the constant 1, the product of
    the others is others(x1) at z and x_z * others(x1) elsewhere. x1 has one zero fewer, so this
    recursion ends after as many steps as zeros; from 3 zeros on, the others' product and its
    first derivative are 0, which ends it sooner."""
    d = x._data
    zero = d == 0
    if not zero.any():
        return prod_dims(x, dims, keepdim=True) / x
    dt = d.dtype
    n_zero = zero.sum(axis=dims, keepdims=True)
    many = n_zero >= 3
    first = (_first_zero(zero, dims) & ~many) | (zero & many)
    first_f = first.astype(dt)
    x1 = x * _wrap(1 - first_f) + _wrap(first_f)
    zero_value = sum(x * _wrap(first_f * ~many), dims, keepdim=True)  # x_z: 0, but not constant
    # x_z away from z; 1 at z and throughout the slices without zeros
    plain = first | (n_zero == 0)
    factor = zero_value * _wrap((~plain).astype(dt)) + _wrap(plain.astype(dt))
    others = _prod_of_others(x1, dims) * factor
    return others * _wrap((~many).astype(dt)) if many.any() else others


def prod_dims(input: Tensor, dims: tuple, keepdim: bool = False) -> Tensor:
    """The product over several dims (PyTorch's prod takes one): for backward formulas."""
    return Prod.apply(input, dims=dims, keepdim=keepdim)


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The product over ``dim`` (an int), or of every element when None."""
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"prod(): argument 'dim' must be an int, not {type(dim).__name__}")
    dims = _dims(dim, input._data.ndim, "prod")
    return Prod.apply(_cast_input(input, dtype), dims=dims, keepdim=keepdim and dim is not None)


# --- extrema ---------------------------------------------------------------------------------


def _check_nonempty(d: np.ndarray, dims: tuple, op: str) -> None:
    if d.size == 0:
        for i in dims:
            if d.shape[i] == 0:
                raise IndexError(f"{op}(): Expected reduction dim {i} to have non-zero size.")
        if not dims:
            raise RuntimeError(
                f"{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                "the reduction dim with the 'dim' argument."
            )


class _Extreme(Op):
    """amax / amin, and max() / min() over every element: the gradient is shared evenly between
    the elements equal to the extreme (found in backward: a forward whose gradient is never
    asked for makes one pass), as PyTorch shares it: ``g / count`` there, its sign on the zeros
    elsewhere for amax/amin (``g / count * hit``) and +0 for max()/min()."""

    _release_attrs = ("extreme",)

    reduce = np.maximum.reduce

    def forward(self, x, *, dims=(), keepdim=False, op="amax"):
        d = x._data
        _check_nonempty(d, dims, op)
        self.shape = d.shape
        self.dims = dims
        self.keepdim = keepdim
        out = self.reduce(d, dims, None, None, True)
        if d.dtype.kind == "f" and self.needs_input_grad:
            self.extreme, self.op = out, op
            self.save_for_backward(x)
        return out if keepdim else out.reshape(tuple(s for i, s in enumerate(d.shape) if i not in dims))

    def backward(self, g):
        (x,) = self.saved_tensors
        d, out = x._data, self.extreme
        hit = d == out
        if np.isnan(out).any():  # a nan is the extreme of its group: the group's nans share
            hit |= np.isnan(d) & np.isnan(out)
        count = hit.sum(axis=self.dims, keepdims=True).astype(d.dtype)
        everywhere = self.op in ("max", "min")
        if grad_mode.enabled:  # the backward is being recorded: a function of g
            gx = _spread(g, self.shape, self.dims, self.keepdim) / _wrap(count) * _wrap(hit.astype(d.dtype))
            return gx + 0.0 if everywhere else gx
        gd = g._data if self.keepdim else g._data.reshape(_kept_shape(self.shape, self.dims))
        gx = np.multiply(gd / count, hit, dtype=d.dtype)
        if everywhere:
            gx += 0.0  # -0 (a negative g times a miss) + 0 is +0; every other value stays
        return _wrap(gx)

    def name(self) -> str:  # PyTorch's: max() and min() are MaxBackward1 / MinBackward1
        return self.op.capitalize() + ("Backward1" if self.op in ("max", "min") else "Backward0")


class Amax(_Extreme):
    reduce = np.maximum.reduce


class Amin(_Extreme):
    reduce = np.minimum.reduce


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The maximum over ``dim`` (every dim when empty); ties share the gradient evenly."""
    dims = _dims(dim if dim != () else None, input._data.ndim, "amax")
    return Amax.apply(input, dims=dims, keepdim=keepdim, op="amax")


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The minimum over ``dim`` (every dim when empty); ties share the gradient evenly."""
    dims = _dims(dim if dim != () else None, input._data.ndim, "amin")
    return Amin.apply(input, dims=dims, keepdim=keepdim, op="amin")


class _ExtremeDim(Op):
    """max / min / median along one dim: values and the index each came from (which gets the
    whole gradient)."""

    _release_attrs = ("idx",)

    def forward(self, x, *, dim=0, keepdim=False, op="max"):
        d = x._data
        shape = self.shape = d.shape
        self.keepdim = keepdim
        if d.ndim == 0:
            self.dims = ()
            return d.copy(), np.zeros((), np.int64)
        self.dims = (dim,)
        if not d.size:
            _check_nonempty(d, (dim,), op)
        kept = shape[:dim] + (1,) + shape[dim + 1 :]
        idx = self.pick(d, dim).astype(np.int64, copy=False).reshape(kept)
        values = d[idx] if d.ndim == 1 else np.take_along_axis(d, idx, dim)
        if d.dtype.kind == "f" and self.needs_input_grad:
            self.idx = idx
        if not keepdim:
            reduced = shape[:dim] + shape[dim + 1 :]
            values, idx = values.reshape(reduced), idx.reshape(reduced)
        return values, idx

    def backward(self, gv, gi=None):
        if gv is None:
            return None
        if not self.dims:
            return gv
        if not self.keepdim:
            gv = View.apply(gv, self.idx.shape)
        return PickSpread.apply(gv, idx=self.idx, dim=self.dims[0], shape=self.shape)


class PickSpread(Op):
    """A gradient ``g`` (kept dims) put at ``idx`` along ``dim`` in zeros of ``shape``: the
    backward of max/min/median along a dim. Its adjoint picks the gradient at ``idx`` again."""

    _release_attrs = ("idx",)

    def forward(self, g, *, idx, dim, shape):
        self.idx, self.dim = idx, dim
        out = np.zeros(shape, g._data.dtype)
        np.put_along_axis(out, idx, g._data, dim)
        return out

    def backward(self, h):
        return Pick.apply(h, idx=self.idx, dim=self.dim)

    def name(self) -> str:
        return "ValueSelectingReductionBackward0"


class Pick(Op):
    """The elements at ``idx`` along ``dim`` (kept dims): the adjoint of ``PickSpread``."""

    _release_attrs = ("idx",)

    def forward(self, h, *, idx, dim):
        d = h._data
        self.idx, self.dim, self.shape = idx, dim, d.shape
        return np.take_along_axis(d, idx, dim)

    def backward(self, g):
        return PickSpread.apply(g, idx=self.idx, dim=self.dim, shape=self.shape)


class MaxDim(_ExtremeDim):
    @staticmethod
    def pick(d, dim):
        return d.argmax(dim)  # NaN counts as the largest, and the first tie wins

    def name(self) -> str:
        return "MaxBackward0"


class MinDim(_ExtremeDim):
    @staticmethod
    def pick(d, dim):
        return d.argmin(dim)

    def name(self) -> str:
        return "MinBackward0"


class MedianDim(_ExtremeDim):
    @staticmethod
    def pick(d, dim):
        n = d.shape[dim]
        order = np.argsort(d, axis=dim, kind="stable")  # NaN sorts last
        idx = np.take(order, (n - 1) // 2, axis=dim)
        if d.dtype.kind == "f":
            nan = np.isnan(d)
            has_nan = nan.any(axis=dim)
            if has_nan.any():  # a NaN in a slice is its median, as in PyTorch
                idx = np.where(has_nan, np.argmax(nan, axis=dim), idx)
        return idx

    def name(self) -> str:
        return "MedianBackward1"


def _extreme(input: Tensor, dim, keepdim: bool, op: str, full, along, result, binary):
    if dim is None:
        if keepdim:
            raise TypeError(f"{op}(): keepdim=True needs a dim")
        return full(input)
    n = input._data.ndim
    if type(dim) is int and -n <= dim < n:  # the common call
        values, indices = along.apply(input, dim=dim + n if dim < 0 else dim, keepdim=keepdim, op=op)
        return result(values, indices)
    if isinstance(dim, Tensor):
        return binary(input, dim)
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}(): argument 'dim' must be an int or a Tensor, not {type(dim).__name__}")
    d = norm_dim(int(dim), input._data.ndim, op)
    values, indices = along.apply(input, dim=d, keepdim=keepdim, op=op)
    return result(values, indices)


def max(input: Tensor, dim=None, keepdim: bool = False):
    """The largest element; with an int ``dim``, ``(values, indices)`` along it; with a Tensor,
    the elementwise ``maximum``."""
    return _extreme(input, dim, keepdim, "max", _full_max, MaxDim, return_types_max, _maximum)


def min(input: Tensor, dim=None, keepdim: bool = False):
    """The smallest element; with an int ``dim``, ``(values, indices)`` along it; with a Tensor,
    the elementwise ``minimum``."""
    return _extreme(input, dim, keepdim, "min", _full_min, MinDim, return_types_min, _minimum)


def _full_max(x: Tensor) -> Tensor:
    _check_nonempty(x._data, (), "max")
    return Amax.apply(x, dims=tuple(range(x._data.ndim)), keepdim=False, op="max")


def _full_min(x: Tensor) -> Tensor:
    _check_nonempty(x._data, (), "min")
    return Amin.apply(x, dims=tuple(range(x._data.ndim)), keepdim=False, op="min")


def _maximum(a: Tensor, b: Tensor) -> Tensor:
    from .elementwise import maximum

    return maximum(a, b)


def _minimum(a: Tensor, b: Tensor) -> Tensor:
    from .elementwise import minimum

    return minimum(a, b)


class Median(Op):
    """The lower median of all elements; ties share the gradient evenly, as in PyTorch."""

    _release_attrs = ("share",)

    def forward(self, x):
        d = x._data
        self.shape = d.shape
        if d.size == 0:
            return np.asarray(np.nan, d.dtype)
        flat = d.reshape(-1)
        if d.dtype.kind == "f" and np.isnan(flat).any():
            out = np.asarray(np.nan, d.dtype)
        else:
            out = np.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2]
        if d.dtype.kind == "f" and self.needs_input_grad:
            hit = (d == out) | (np.isnan(d) & np.isnan(out))
            self.share = hit / hit.sum()
        return np.asarray(out)

    def backward(self, g):
        return expand(g, self.shape) * _wrap(self.share)


def median(input: Tensor, dim=None, keepdim: bool = False):
    """The lower median of all elements; with ``dim``, ``(values, indices)`` along it."""
    if input._data.dtype == np.bool_:
        raise NotImplementedError('"median_cpu" not implemented for \'Bool\'')
    if dim is None:
        return Median.apply(input)
    d = norm_dim(int(dim), input._data.ndim, "median")
    values, indices = MedianDim.apply(input, dim=d, keepdim=keepdim, op="median")
    return return_types_median(values, indices)


def _arg_extreme(input: Tensor, dim, keepdim: bool, op: str, pick) -> Tensor:
    d = input._data
    if d.dtype == np.bool_:
        raise RuntimeError(f'"{op}_cpu" not implemented for \'Bool\'')
    if dim is None:
        if d.size == 0:
            raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0.")
        out = pick(d.reshape(-1))
        return _wrap(np.full((1,) * d.ndim if keepdim else (), out, np.int64))
    axis = norm_dim(int(dim), d.ndim, op)
    if d.ndim == 0:
        return _wrap(np.zeros((), np.int64))
    _check_nonempty(d, (axis,), op)
    return _wrap(np.asarray(pick(d, axis=axis, keepdims=keepdim), np.int64))


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """The index of the largest element (of the flattened input when ``dim`` is None)."""
    return _arg_extreme(input, dim, keepdim, "argmax", np.argmax)


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """The index of the smallest element (of the flattened input when ``dim`` is None)."""
    return _arg_extreme(input, dim, keepdim, "argmin", np.argmin)


# --- counting and logic ----------------------------------------------------------------------


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """How many elements along ``dim`` (an int, a tuple, or all) are not zero (int64)."""
    dims = _dims(dim, input._data.ndim, "count_nonzero")
    return _wrap(np.asarray(np.count_nonzero(input._data, axis=dims), np.int64))


def _logical(input: Tensor, dim, keepdim: bool, op: str, fn) -> Tensor:
    d = input._data
    dims = _dims(dim, d.ndim, op)
    out = np.asarray(fn(d, axis=dims, keepdims=keepdim))
    # uint8 stays uint8 (PyTorch's legacy rule); every other dtype gives bool
    return _wrap(out.astype(np.uint8) if d.dtype == np.uint8 else out)


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Whether every element along ``dim`` is nonzero."""
    return _logical(input, dim, keepdim, "all", np.all)


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Whether some element along ``dim`` is nonzero."""
    return _logical(input, dim, keepdim, "any", np.any)


from .cumulative import *  # noqa: E402,F403
from .cumulative import __all__ as _cumulative_all  # noqa: E402
from .elementwise import cast  # noqa: E402
from .moments import *  # noqa: E402,F403
from .moments import __all__ as _moments_all  # noqa: E402
from .shape import Expand, View, expand  # noqa: E402
from .softmax import *  # noqa: E402,F403
from .softmax import __all__ as _softmax_all  # noqa: E402

__all__ += _moments_all + _softmax_all + _cumulative_all
