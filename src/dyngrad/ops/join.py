"""Pieces and joins: cat, stack, split, chunk, unbind, narrow, unfold (sliding windows), and the
rearranging copies repeat, tile, flip, roll. Re-exported by ``shape.py`` (import from there)."""

from __future__ import annotations

__all__ = [
    "cat",
    "concat",
    "concatenate",
    "stack",
    "hstack",
    "vstack",
    "split",
    "chunk",
    "unbind",
    "tile",
    "flip",
    "roll",
    "narrow",
]


from .. import dtypes
from .._numpy import np
from ..autograd.function import Op
from . import shape as _shape  # a module object: shape.py imports this file at its end
from ._util import Tensor, _wrap, norm_dim, norm_dims, shape_str


def _tensor_list(tensors, op: str) -> tuple:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): argument 'tensors' must be a tuple or list of Tensors, not Tensor")
    tensors = tuple(tensors)
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(
                f"{op}(): expected a sequence of Tensors, but element {i} is {type(x).__name__}"
            )
    return tensors


def _promoted(tensors: tuple) -> np.dtype:
    dt = tensors[0].dtype
    for x in tensors[1:]:
        if x.dtype is not dt:
            dt = dtypes._promote_pair(dt, x.dtype)
    return dt.np


def _to_dtype(g: Tensor, dt: np.dtype) -> Tensor:
    if g._data.dtype == dt:
        return g
    from .elementwise import cast

    return cast(g, dtypes._FROM_NP[dt])


# --- cat / stack ---------------------------------------------------------------------------


def _skipped(shape: tuple) -> bool:
    # PyTorch lets 1-D empty tensors join anything (a legacy rule): they are left out
    return shape == (0,)


def _uniform(tensors, same_shape: bool) -> int:
    """The ndim of ``tensors`` when it is a non-empty list or tuple of Tensors of one dtype and
    one ndim (>= 1), the first not 1-D empty (and all of one shape if ``same_shape``); else -1.
    The common case, in which NumPy's own checks are enough (a fast path)."""
    if type(tensors) is not list and type(tensors) is not tuple or not tensors:
        return -1
    first = tensors[0]
    if not isinstance(first, Tensor):
        return -1
    d0 = first._data
    shape, dt = d0.shape, d0.dtype
    nd = len(shape)
    if not nd or shape == (0,):
        return -1
    for x in tensors:
        if not isinstance(x, Tensor):
            return -1
        d = x._data
        if d.dtype is not dt or (d.shape != shape if same_shape else d.ndim != nd):
            return -1
    return nd


class Cat(Op):
    stateless = True

    def forward(self, *xs, dim, dtype):
        arrays = [x._data for x in xs]
        self.shapes = [a.shape for a in arrays]
        self.dtypes = [a.dtype for a in arrays]
        self.dim = dim
        if dtype is None:  # the fast path of cat: one dtype, one ndim, nothing to skip
            return np.concatenate(arrays, dim)
        kept = [a for a in arrays if not _skipped(a.shape)] or arrays
        return np.concatenate(kept, axis=dim, dtype=dtype)

    def backward(self, g):
        grads = []
        offset = 0
        all_skipped = all(_skipped(s) for s in self.shapes)
        for i, (shape, dt) in enumerate(zip(self.shapes, self.dtypes)):
            if _skipped(shape) and not all_skipped:
                grads.append(_wrap(np.zeros(shape, dt)) if self.needs_input_grad[i] else None)
                continue
            size = shape[self.dim]
            if self.needs_input_grad[i]:
                grads.append(_to_dtype(Narrow.apply(g, self.dim, offset, size), dt))
            else:
                grads.append(None)
            offset += size
        return tuple(grads)


def cat(tensors, dim: int = 0) -> Tensor:
    """The tensors joined along ``dim`` (same shape elsewhere; 1-D empty tensors are skipped);
    the result has the promoted dtype of all inputs."""
    nd = _uniform(tensors, False)
    if nd > 0 and type(dim) is int and -nd <= dim < nd:
        try:
            return Cat.apply(*tensors, dim=dim + nd if dim < 0 else dim, dtype=None)
        except ValueError:
            pass  # sizes that don't fit: the checks below raise PyTorch's error
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of Tensors")
    for i, x in enumerate(tensors):
        if x._data.ndim == 0:
            raise RuntimeError(f"cat(): zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [(i, x._data.shape) for i, x in enumerate(tensors) if not _skipped(x._data.shape)]
    if kept:
        ref = kept[0][1]
        d = norm_dim(dim, len(ref), "cat")
        for i, s in kept[1:]:
            if len(s) != len(ref):
                raise RuntimeError(
                    f"cat(): Tensors must have same number of dimensions: got {len(ref)} and {len(s)} "
                    f"(shapes {shape_str(ref)} and {shape_str(s)} of tensors {kept[0][0]} and {i})"
                )
            for k in range(len(ref)):
                if k != d and s[k] != ref[k]:
                    raise RuntimeError(
                        f"cat(): Sizes of tensors must match except in dimension {d}. Expected size "
                        f"{ref[k]} but got size {s[k]} for tensor number {i} in the list (shapes "
                        f"{shape_str(ref)} and {shape_str(s)})."
                    )
    else:
        d = norm_dim(dim, 1, "cat")
    return Cat.apply(*tensors, dim=d, dtype=_promoted(tensors))


def concat(tensors, dim: int = 0) -> Tensor:
    """Alias of ``cat``."""
    return cat(tensors, dim)


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Alias of ``cat`` (NumPy's argument name)."""
    return cat(tensors, axis)


class Stack(Op):
    stateless = True

    def forward(self, *xs, dim, dtype):
        self.dtypes = [x._data.dtype for x in xs]
        self.dim = dim
        # np.stack's own Python layers cost more than the copy for small inputs: the inputs (one
        # shape) get a size-1 dim at ``dim`` and are concatenated along it
        shape = xs[0]._data.shape
        new = shape[:dim] + (1,) + shape[dim:]
        return np.concatenate([x._data.reshape(new) for x in xs], dim, dtype=dtype)

    def backward(self, g):
        parts = unbind(g, self.dim)
        return tuple(
            _to_dtype(p, dt) if need else None
            for p, dt, need in zip(parts, self.dtypes, self.needs_input_grad)
        )


def stack(tensors, dim: int = 0) -> Tensor:
    """The tensors (all of one shape) joined along a new dim ``dim``."""
    nd = _uniform(tensors, True)
    if nd > 0 and type(dim) is int and -nd - 1 <= dim <= nd:
        return Stack.apply(*tensors, dim=dim + nd + 1 if dim < 0 else dim, dtype=None)
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]._data.shape
    for i, x in enumerate(tensors[1:], 1):
        if x._data.shape != ref:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {shape_str(ref)} at entry 0 and "
                f"{shape_str(x._data.shape)} at entry {i}"
            )
    d = norm_dim(dim, len(ref) + 1, "stack")
    return Stack.apply(*tensors, dim=d, dtype=_promoted(tensors))


def hstack(tensors) -> Tensor:
    """Join column-wise: along dim 0 for 1-D tensors, dim 1 otherwise (0-D become 1-D)."""
    tensors = _tensor_list(tensors, "hstack")
    if not tensors:
        raise RuntimeError("hstack expects a non-empty TensorList")
    tensors = [x if x._data.ndim else _shape.reshape(x, (1,)) for x in tensors]
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """Join row-wise along dim 0, after making each tensor at least 2-D."""
    tensors = _tensor_list(tensors, "vstack")
    if not tensors:
        raise RuntimeError("vstack expects a non-empty TensorList")
    tensors = [
        x if x._data.ndim >= 2 else _shape.reshape(x, (1, x._data.size)) for x in tensors
    ]
    return cat(tensors, 0)


# --- narrow / unfold --------------------------------------------------------------------------


class Narrow(Op):
    stateless = True
    is_view = True

    def forward(self, x, dim, start, length):
        self.shape = x._data.shape
        self.where = (dim, start, length)
        return x._data[(slice(None),) * dim + (slice(start, start + length),)]

    def backward(self, g):
        return NarrowBackward.apply(g, self.shape, *self.where)

    def name(self) -> str:
        return "SliceBackward0"


class NarrowBackward(Op):
    """Zeros of the input's shape with the narrowed window holding the gradient."""

    stateless = True

    def forward(self, g, shape, dim, start, length):
        self.where = (dim, start, length)
        out = np.zeros(shape, g._data.dtype)
        out[(slice(None),) * dim + (slice(start, start + length),)] = g._data
        return out

    def backward(self, gg):
        return Narrow.apply(gg, *self.where)


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """A view of ``length`` entries of dim ``dim`` from ``start`` (which may be negative)."""
    shape = input._data.shape
    if not shape:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = norm_dim(dim, len(shape), "narrow")
    size = shape[d]
    start = int(start)
    length = int(length)
    if not -size <= start <= size:
        raise IndexError(
            f"narrow: start out of range (expected to be in range of [{-size}, {size}], but got {start})"
        )
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative (got {length}).")
    if start + length > size:
        raise RuntimeError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension size ({size}) of dim {d} "
            f"of a tensor of shape {shape_str(shape)}."
        )
    return Narrow.apply(input, d, start, length)


class Unfold(Op):
    """Sliding windows along one dim, as a strided view (windows may overlap)."""

    stateless = True
    is_view = True

    def forward(self, x, dim, size, step):
        d = x._data
        self.shape = d.shape
        self.where = (dim, size, step)
        count = (d.shape[dim] - size) // step + 1
        st = d.strides
        return np.lib.stride_tricks.as_strided(
            d,
            shape=d.shape[:dim] + (count,) + d.shape[dim + 1 :] + (size,),
            strides=st[:dim] + (st[dim] * step,) + st[dim + 1 :] + (st[dim],),
        )

    def backward(self, g):
        return UnfoldBackward.apply(g, self.shape, *self.where)


class UnfoldBackward(Op):
    """Each window's gradient added back at its place (overlaps sum)."""

    stateless = True

    def forward(self, g, shape, dim, size, step):
        self.where = (dim, size, step)
        gd = g._data
        out = np.zeros(shape, gd.dtype)
        count = gd.shape[dim]
        lead = (slice(None),) * dim
        for k in range(size):  # offset k of every window: a strided slice with no repeats
            out[lead + (slice(k, k + step * (count - 1) + 1, step),)] += gd[..., k]
        return out

    def backward(self, gg):
        return Unfold.apply(gg, *self.where)


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Every window of ``size`` entries of dim ``dimension``, ``step`` apart, as a new last dim."""
    shape = input._data.shape
    d = norm_dim(dimension, len(shape), "unfold")
    length = shape[d] if shape else 1
    if size < 0:
        raise RuntimeError(f"unfold: size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(
            f"unfold: maximum size for tensor at dimension {d} is {length} but size is {size} "
            f"(tensor shape {shape_str(shape)})"
        )
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if not shape:
        view = _shape.View.apply
        return view(Unfold.apply(view(input, (1,)), 0, size, step), (size,))
    return Unfold.apply(input, d, size, step)


# --- split / chunk / unbind ----------------------------------------------------------------


class Split(Op):
    """Consecutive views along ``dim`` with the given sizes."""

    stateless = True
    is_view = True

    def forward(self, x, *, dim, sizes):
        d = x._data
        self.shape = d.shape
        self.dtype = d.dtype
        self.dim = dim
        self.sizes = sizes
        lead = (slice(None),) * dim
        out = []
        start = 0
        for s in sizes:
            out.append(d[lead + (slice(start, start + s),)])
            start += s
        return tuple(out)

    def backward(self, *grads):
        shape = list(self.shape)
        parts = []
        for g, s in zip(grads, self.sizes):
            if g is None:
                shape[self.dim] = s
                g = _wrap(np.zeros(shape, self.dtype))
            parts.append(g)
        return cat(parts, self.dim)

    def name(self) -> str:
        return "SplitWithSizesBackward0"


def _split_dim(input: Tensor, dim: int, op: str) -> int:
    if input._data.ndim == 0:
        raise IndexError(f"{op}: Dimension specified as {dim} but tensor has no dimensions")
    return norm_dim(dim, input._data.ndim, op)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Views of consecutive pieces along ``dim``: each of ``split_size`` entries (the last may be
    smaller), or of the listed sizes (which must add up to the dim's size)."""
    d = _split_dim(tensor, dim, "split")
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)) or (
        isinstance(split_size_or_sections, Tensor) and split_size_or_sections._data.ndim == 0
    ):
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0 and n != 0:
            raise RuntimeError(
                f"split: split_size can only be 0 if dimension size is 0, but got dimension size of {n}"
            )
        sizes = [size] * (n // size) if size else []
        if size and n % size:
            sizes.append(n % size)
        sizes = sizes or [n]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                f"split_sizes={sizes}"
            )
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                f"dimension {d}, shape {shape_str(tensor._data.shape)}), but got split_sizes={sizes}"
            )
    return Split.apply(tensor, dim=d, sizes=tuple(sizes))


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` views of equal size (the last may be smaller) along ``dim``."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _split_dim(input, dim, "chunk")
    n = input._data.shape[d]
    if n == 0:
        return Split.apply(input, dim=d, sizes=(0,) * chunks)
    return split(input, -(-n // chunks), d)


class Unbind(Op):
    stateless = True
    is_view = True

    def forward(self, x, dim):
        d = x._data
        self.shape = d.shape
        self.dtype = d.dtype
        self.dim = dim
        lead = (slice(None),) * dim
        return tuple(d[lead + (i,)] for i in range(d.shape[dim]))

    def backward(self, *grads):
        if all(g is None for g in grads):
            return None
        part = self.shape[: self.dim] + self.shape[self.dim + 1 :]
        parts = [g if g is not None else _wrap(np.zeros(part, self.dtype)) for g in grads]
        return stack(parts, self.dim)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim`` (views), that dim removed."""
    return Unbind.apply(input, _split_dim(input, dim, "unbind"))


# --- repeat / tile / flip / roll -----------------------------------------------------------


class Repeat(Op):
    stateless = True

    def forward(self, x, reps):
        d = x._data
        self.shape = d.shape
        self.reps = reps
        return np.tile(d, reps)

    def backward(self, g):
        from .reduction import sum as _sum

        padded = (1,) * (len(self.reps) - len(self.shape)) + self.shape
        # each output dim k is (rep k, size k): sum the rep axes away
        split_shape = tuple(v for r, s in zip(self.reps, padded) for v in (r, s))
        summed = _sum(_shape.reshape(g, split_shape), tuple(range(0, len(split_shape), 2)))
        return _shape.reshape(summed, self.shape)


def repeat(input: Tensor, *sizes) -> Tensor:
    """``input`` repeated ``sizes[k]`` times along dim k (extra leading sizes add dims)."""
    reps = _shape._sizes(sizes, "repeat")
    shape = input._data.shape
    if len(reps) < len(shape):
        raise RuntimeError(
            f"repeat: Number of dimensions of repeat dims ({len(reps)}) can not be smaller than "
            f"number of dimensions of tensor ({len(shape)}, shape {shape_str(shape)})"
        )
    if any(r < 0 for r in reps):
        padded = (1,) * (len(reps) - len(shape)) + shape
        raise RuntimeError(
            f"repeat: Trying to create tensor with negative dimension "
            f"{min(r * s for r, s in zip(reps, padded))}: {[r * s for r, s in zip(reps, padded)]}"
        )
    return Repeat.apply(input, reps)


def tile(input: Tensor, *dims_args, dims=None) -> Tensor:
    """``repeat`` where missing leading repetitions count as 1."""
    reps = _shape._dims_arg(dims_args, dims, "tile")
    lead = input._data.ndim - len(reps)
    return repeat(input, (1,) * lead + reps if lead > 0 else reps)


class Flip(Op):
    stateless = True

    def forward(self, x, dims):
        self.dims = dims
        d = x._data
        return np.flip(d, dims).copy() if dims else d.copy()

    def backward(self, g):
        return Flip.apply(g, self.dims)


def flip(input: Tensor, *dims_args, dims=None) -> Tensor:
    """A copy with the order of entries reversed along ``dims``."""
    given = _shape._dims_arg(dims_args, dims, "flip")
    n = input._data.ndim
    axes = norm_dims(given, n, "flip") if given else ()
    return Flip.apply(input, axes if n else ())


class Roll(Op):
    stateless = True

    def forward(self, x, shifts, dims):
        self.shifts = shifts
        self.dims = dims
        return np.roll(x._data, shifts, dims)

    def backward(self, g):
        return Roll.apply(g, tuple(-s for s in self.shifts), self.dims)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Entries shifted circularly by ``shifts`` along ``dims`` (the flattened tensor when None)."""
    shifts = _shape._sizes((shifts,), "roll")
    n = input._data.ndim
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return Roll.apply(input, shifts, None)
    axes = tuple(norm_dim(d, n, "roll") for d in _shape._sizes((dims,), "roll"))
    if len(axes) != len(shifts):
        raise RuntimeError(
            f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(axes)}"
        )
    if n == 0:
        return Roll.apply(input, shifts, None)
    return Roll.apply(input, shifts, axes)
