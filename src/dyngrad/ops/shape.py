"""Shape ops: views where PyTorch gives views, forward and backward side by side.

A view op returns a NumPy view of its input (``is_view = True``), so the two share memory and
the version counter, as in PyTorch. Joining, splitting, slicing and copying ops (cat, split,
narrow, unfold, repeat, flip, ...) live in ``join.py``; this module re-exports them so ``Tensor`` finds every shape op here."""

from __future__ import annotations

__all__ = [
    "reshape",
    "flatten",
    "unflatten",
    "squeeze",
    "unsqueeze",
    "transpose",
    "swapaxes",
    "swapdims",
    "t",
    "permute",
    "movedim",
    "moveaxis",
    "broadcast_to",
    # from join.py
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
# Tensor-only methods (PyTorch has no torch.<name> for them): view, expand, repeat, contiguous,
# unfold, squeeze_, unsqueeze_, transpose_, t_. They are module functions here, outside __all__.


from .. import dtypes
from .._numpy import np
from ..autograd import grad_mode
from ..autograd._apply import _make_view
from ..autograd.function import Op, _rebind, _repeats
from ._util import Tensor, _wrap, norm_dim, shape_str


def _sizes(args: tuple, op: str = "") -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3)."""
    if len(args) == 1:
        a = args[0]
        if isinstance(a, (tuple, list)) or (isinstance(a, Tensor) and a._data.ndim == 1):
            args = a
    try:
        return tuple(int(s) for s in args)
    except TypeError:
        raise TypeError(
            f"{op}: sizes must be ints or a sequence of ints, got {[type(s).__name__ for s in args]}"
        ) from None


def _dims_arg(args: tuple, kw, op: str) -> tuple:
    """The dims of ``f(x, 1, 0)``, ``f(x, (1, 0))`` and ``f(x, dims=(1, 0))``."""
    if kw is not None:
        if args:
            raise TypeError(f"{op}() got multiple values for argument 'dims'")
        args = (kw,)
    if not args:
        raise TypeError(f'{op}() missing 1 required positional arguments: "dims"')
    return _sizes(args, op)


# --- view / reshape ------------------------------------------------------------------------


class View(Op):
    """The same memory seen with another shape (fails where a copy would be needed)."""

    stateless = True
    is_view = True

    def forward(self, x, shape):
        d = x._data
        self.shape = d.shape
        return d.reshape(shape, copy=False)  # ValueError when the strides don't allow a view

    def backward(self, g):
        return reshape(g, self.shape)


class Squeeze(View):
    pass


class Unsqueeze(View):
    pass


class Reshape(Op):
    """A reshape that had to copy (the input's strides allow no view)."""

    stateless = True

    def forward(self, x, shape):
        self.shape = x._data.shape
        # the same C-order copy as ndarray.reshape makes, but NumPy's ascontiguousarray is faster
        return np.ascontiguousarray(x._data).reshape(shape)

    def backward(self, g):
        return reshape(g, self.shape)

    def name(self) -> str:
        return "UnsafeViewBackward0"


def _infer(shape: tuple, numel: int, op: str, src: tuple) -> tuple:
    """``shape`` with its -1 resolved, checked against the input's element count."""
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"{op}: invalid shape dimension {s} at index {i} of shape {list(shape)}")
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred (shape {list(shape)})")
    if -1 in shape:
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        if known == 0:
            if numel == 0:
                raise RuntimeError(
                    f"{op}: cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                    "unspecified dimension size -1 can be any value and is ambiguous"
                )
        elif numel % known == 0:
            return tuple(numel // known if s == -1 else s for s in shape)
    else:
        n = 1
        for s in shape:
            n *= s
        if n == numel:
            return shape
    raise RuntimeError(
        f"{op}: shape '{list(shape)}' is invalid for input of size {numel} (input shape {shape_str(src)})"
    )


def view(input: Tensor, *shape) -> Tensor:
    """The same memory in a new shape (sizes or a tuple, one -1 inferred), or reinterpreted as
    another dtype; raises when the strides allow no view (use ``reshape``)."""
    if len(shape) == 1 and isinstance(shape[0], dtypes.dtype):
        return _view_dtype(input, shape[0])
    d = input._data
    new = _infer(_sizes(shape, "view"), d.size, "view", d.shape)
    try:
        return View.apply(input, new)
    except ValueError:
        raise RuntimeError(
            f"view size is not compatible with input tensor's size and stride (view: requested "
            f"shape {list(new)} of an input of shape {shape_str(d.shape)} and strides "
            f"{[s // d.itemsize for s in d.strides]}; at least one dimension spans across two "
            "contiguous subspaces). Use .reshape(...) instead."
        ) from None


def _view_dtype(input: Tensor, dt: dtypes.dtype) -> Tensor:
    # a reinterpretation of the bits: never differentiable, as in PyTorch
    d = input._data
    try:
        out = d.view(dt.np)
    except ValueError:
        raise RuntimeError(
            f"view: cannot view a tensor of shape {shape_str(d.shape)}, strides "
            f"{[s // d.itemsize for s in d.strides]} and dtype {input.dtype} as {dt}: the last "
            "dimension must be contiguous and its size divisible by the ratio of the element sizes"
        ) from None
    t = _wrap(out)
    _make_view(t, input)
    return t


def reshape(input: Tensor, *shape_args, shape=None) -> Tensor:
    """The same elements in a new shape (sizes or a tuple, one -1 inferred): a view when the
    strides allow it, else a copy."""
    d = input._data
    if shape is not None:
        shape_args = (*shape_args, shape)
    if len(shape_args) == 1 and type(shape_args[0]) is int:  # x.reshape(n) and x.reshape(-1)
        n = shape_args[0]
        new = (d.size,) if n == -1 or n == d.size else _infer(shape_args, d.size, "reshape", d.shape)
    else:
        new = _infer(_sizes(shape_args, "reshape"), d.size, "reshape", d.shape)
    try:
        return View.apply(input, new)
    except ValueError:  # the strides allow no view
        return Reshape.apply(input, new)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dims ``start_dim..end_dim`` merged into one (a view when possible)."""
    shape = input._data.shape
    n = len(shape)
    if n == 0:
        return reshape(input, (1,))
    a = norm_dim(start_dim, n, "flatten")
    b = norm_dim(end_dim, n, "flatten")
    if a > b:
        raise RuntimeError(
            f"flatten() has invalid args: start_dim cannot come after end_dim (got start_dim="
            f"{start_dim}, end_dim={end_dim} for a tensor of shape {shape_str(shape)})"
        )
    if a == b:
        return input  # PyTorch returns the input itself here
    merged = 1
    for s in shape[a : b + 1]:
        merged *= s
    return reshape(input, shape[:a] + (merged,) + shape[b + 1 :])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Dim ``dim`` split into ``sizes`` (one of them may be -1)."""
    shape = input._data.shape
    d = norm_dim(dim, len(shape), "unflatten")
    sizes = _sizes((sizes,), "unflatten")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if sizes.count(-1) > 1:
        raise RuntimeError(f"unflatten: only one dimension can be inferred (sizes {list(sizes)})")
    known = 1
    for s in sizes:
        if s != -1:
            known *= s
    if -1 in sizes and known and shape[d] % known == 0:
        sizes = tuple(shape[d] // known if s == -1 else s for s in sizes)
    elif known != shape[d] or -1 in sizes:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {d} "
            f"({shape[d]}) in the input tensor of shape {shape_str(shape)}"
        )
    return View.apply(input, shape[:d] + sizes + shape[d + 1 :])


# --- squeeze / unsqueeze -------------------------------------------------------------------


def _squeezed_shape(shape: tuple, dim, op: str) -> tuple:
    n = len(shape)
    if dim is None:
        return tuple(s for s in shape if s != 1)
    if isinstance(dim, (int, np.integer)):
        dims = (norm_dim(int(dim), n, op),)
    else:
        dims = tuple(norm_dim(int(d), n, op) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"{op}: dim {list(dim)} appears multiple times in the list of dims")
    if n == 0:
        return shape
    return tuple(s for i, s in enumerate(shape) if s != 1 or i not in dims)


def _unsqueezed_shape(shape: tuple, dim: int, op: str) -> tuple:
    d = norm_dim(int(dim), len(shape) + 1, op)
    return shape[:d] + (1,) + shape[d:]


def squeeze(input: Tensor, dim=None) -> Tensor:
    """A view without the size-1 dims (all of them, or those among ``dim``: an int or tuple)."""
    return Squeeze.apply(input, _squeezed_shape(input._data.shape, dim, "squeeze"))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """A view with a new size-1 dim at ``dim`` (in ``[-ndim-1, ndim]``)."""
    return Unsqueeze.apply(input, _unsqueezed_shape(input._data.shape, dim, "unsqueeze"))


def _metadata_inplace(input: Tensor, op: str, cls, *args) -> Tensor:
    """Give ``input`` itself the view ``cls`` makes of it (a new shape or strides, same memory);
    recorded in the graph like PyTorch's in-place ops."""
    record = grad_mode.enabled and input._requires_grad
    if record and input.grad_fn is None:
        raise RuntimeError(
            f"a leaf Variable that requires grad is being used in an in-place operation ({op}); "
            "wrap it in dyngrad.no_grad() or use the out-of-place op"
        )
    out = cls.apply(input._alias(), *args)
    input._data = out._data
    if record:
        _rebind(input, out.grad_fn)
    input._bump()  # what saved the old shape for backward must see the change
    return input


def squeeze_(input: Tensor, dim=None) -> Tensor:
    """In-place ``squeeze``: ``input`` itself loses its size-1 dims."""
    return _metadata_inplace(input, "squeeze_", Squeeze, _squeezed_shape(input._data.shape, dim, "squeeze_"))


def unsqueeze_(input: Tensor, dim: int) -> Tensor:
    """In-place ``unsqueeze``: ``input`` itself gets a size-1 dim at ``dim``."""
    return _metadata_inplace(input, "unsqueeze_", Unsqueeze, _unsqueezed_shape(input._data.shape, dim, "unsqueeze_"))


# --- transpose / permute -------------------------------------------------------------------


class Transpose(Op):
    stateless = True
    is_view = True

    def forward(self, x, dim0, dim1):
        self.dims = (dim0, dim1)
        d = x._data
        return d.view() if dim0 == dim1 else d.swapaxes(dim0, dim1)

    def backward(self, g):
        return Transpose.apply(g, *self.dims)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """A view with dims ``dim0`` and ``dim1`` swapped."""
    n = input._data.ndim
    return Transpose.apply(input, norm_dim(dim0, n, "transpose"), norm_dim(dim1, n, "transpose"))


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """Alias of ``transpose``."""
    return transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Alias of ``transpose``."""
    return transpose(input, dim0, dim1)


def _matrix_dims(input: Tensor, op: str) -> tuple:
    n = input._data.ndim
    if n > 2:
        raise RuntimeError(
            f"{op} expects a tensor with <= 2 dimensions, but self is {n}D (shape "
            f"{shape_str(input._data.shape)}); use transpose(dim0, dim1) or mT"
        )
    return 0, n - 1 if n else 0


def t(input: Tensor) -> Tensor:
    """The transpose of a matrix; 0-D and 1-D tensors come back as (a view of) themselves."""
    return Transpose.apply(input, *_matrix_dims(input, "t()"))


def transpose_(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """In-place ``transpose``: ``input`` itself gets dims ``dim0`` and ``dim1`` swapped."""
    n = input._data.ndim
    return _metadata_inplace(input, "transpose_", Transpose, norm_dim(dim0, n, "transpose_"), norm_dim(dim1, n, "transpose_"))


def t_(input: Tensor) -> Tensor:
    """In-place ``t``."""
    return _metadata_inplace(input, "t_", Transpose, *_matrix_dims(input, "t_()"))


class Permute(Op):
    stateless = True
    is_view = True

    def forward(self, x, perm):
        self.perm = perm
        return x._data.transpose(perm)

    def backward(self, g):
        return Permute.apply(g, tuple(np.argsort(self.perm).tolist()))


def _perm(dims: tuple, n: int, op: str) -> tuple:
    if len(dims) != n:
        raise RuntimeError(
            f"{op}: number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {n} is not equal to len(dims) = {len(dims)}"
        )
    perm = tuple(norm_dim(d, n, op) for d in dims)
    if len(set(perm)) != n:
        raise RuntimeError(f"{op}(): duplicate dims are not allowed (got {list(dims)})")
    return perm


def permute(input: Tensor, *dims_args, dims=None) -> Tensor:
    """A view with the dims reordered: ``permute(x, (2, 0, 1))`` or ``x.permute(2, 0, 1)``."""
    return Permute.apply(input, _perm(_dims_arg(dims_args, dims, "permute"), input._data.ndim, "permute"))


def movedim(input: Tensor, source, destination) -> Tensor:
    """A view with the dims ``source`` moved to positions ``destination`` (ints or tuples)."""
    n = input._data.ndim
    src = _sizes((source,), "movedim")
    dst = _sizes((destination,), "movedim")
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain "
            f"the same number of dims as destination ({list(dst)} dims)"
        )
    src = tuple(norm_dim(d, n, "movedim") for d in src)
    dst = tuple(norm_dim(d, n, "movedim") for d in dst)
    for what, ds, given in (("source", src, source), ("destination", dst, destination)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"movedim: repeated dim in `{what}` ({list(_sizes((given,)))})")
    if n == 0:
        return Permute.apply(input, ())
    perm = [-1] * n
    for s, d in zip(src, dst):
        perm[d] = s
    rest = iter(i for i in range(n) if i not in src)
    perm = tuple(p if p >= 0 else next(rest) for p in perm)
    return Permute.apply(input, perm)


def moveaxis(input: Tensor, source, destination) -> Tensor:
    """Alias of ``movedim``."""
    return movedim(input, source, destination)


# --- expand --------------------------------------------------------------------------------


class Expand(Op):
    """Broadcast to a larger shape without copying: a view, read-only where it repeats elements
    (in-place ops on it then raise, as in PyTorch)."""

    stateless = True
    is_view = True

    def forward(self, x, shape):
        self.shape = x._data.shape
        out = np.broadcast_to(x._data, shape)
        if x._data.flags.writeable and not _repeats(out):  # new size-1 dims only: writable
            out = np.lib.stride_tricks.as_strided(x._data, out.shape, out.strides)
        return out

    def backward(self, g):
        return sum_to(g, self.shape)


def _expanded_shape(src: tuple, sizes: tuple) -> tuple:
    if len(sizes) < len(src):
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({len(src)}) (sizes {list(sizes)}, tensor shape "
            f"{shape_str(src)})"
        )
    lead = len(sizes) - len(src)
    for i in range(lead):
        if sizes[i] < 0:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({sizes[i]}) isn't allowed in a leading, "
                f"non-existing dimension {i} (sizes {list(sizes)}, tensor shape {shape_str(src)})"
            )
    out = list(sizes)
    for i, s in enumerate(src):
        want = sizes[lead + i]
        if want == -1:
            out[lead + i] = s
        elif s != want and (s != 1 or want < 0):
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({want}) must match the existing size "
                f"({s}) at non-singleton dimension {lead + i}. Target sizes: {list(sizes)}. "
                f"Tensor sizes: {shape_str(src)}"
            )
    return tuple(out)


def expand(input: Tensor, *sizes) -> Tensor:
    """A broadcast view of ``input`` with the given sizes (-1 keeps a size)."""
    shape = _expanded_shape(input._data.shape, _sizes(sizes, "expand"))
    if shape == input._data.shape:
        return input  # a no-op: skip the graph node (backward formulas call this a lot)
    return Expand.apply(input, shape)


def broadcast_to(input: Tensor, shape) -> Tensor:
    """``input`` expanded to ``shape`` (a view)."""
    return expand(input, shape)


# --- contiguous ----------------------------------------------------------------------------


class Contiguous(Op):
    stateless = True

    def forward(self, x):
        return np.ascontiguousarray(x._data)

    def backward(self, g):
        return g

    def name(self) -> str:
        return "CloneBackward0"


def contiguous(input: Tensor) -> Tensor:
    """``input`` itself when C-contiguous, else a C-contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    return Contiguous.apply(input)


from .join import (  # noqa: E402
    cat,
    chunk,
    concat,
    concatenate,
    flip,
    hstack,
    narrow,
    repeat,  # noqa: F401 - Tensor.repeat only
    roll,
    split,
    stack,
    tile,
    unbind,
    unfold,  # noqa: F401 - Tensor.unfold only
    vstack,
)
from .reduction import sum_to  # noqa: E402
