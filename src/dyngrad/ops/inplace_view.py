"""In-place ops on views, as PyTorch records them.

Writing into a view changes its base, so the base's graph must change too. Any view (slice,
transpose, narrow...) is a window of the base's memory, described by its shape, strides and offset.
The op runs out of place on the window's old value; ``CopySlices`` then writes the result into the
base, becoming the base's new ``grad_fn``, and the view becomes a window of that new base."""

from __future__ import annotations

from .._numpy import np
from ..autograd import grad_mode
from ..autograd.function import Op, _rebind
from ..tensor import Tensor, _wrap

__all__: list[str] = []


def _geometry(view: np.ndarray, base: np.ndarray, what: str):
    """Where ``view`` lies in ``base``, as windows laid on the base and on its gradients (which
    are read in C order) need it: (shape, strides, offset) in elements of a C-contiguous base;
    for a base in any other layout, an index array of the view's shape holding each element's
    C-order position in the base."""
    offset = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    if base.flags.c_contiguous:
        # in elements, not bytes: the window is also laid on gradients of another dtype
        return view.shape, tuple(st // base.itemsize for st in view.strides), offset // base.itemsize
    # the byte offset of each view element, taken apart along the base's axes from the widest
    # stride down (the layouts slicing and transposing make: each stride spans the smaller ones)
    rem = np.full(view.shape, offset, np.intp)
    for axis, (n, st) in enumerate(zip(view.shape, view.strides)):
        rem = rem + (np.arange(n, dtype=np.intp) * st).reshape((-1,) + (1,) * (view.ndim - axis - 1))
    index = [None] * base.ndim
    for axis in sorted(range(base.ndim), key=lambda a: -base.strides[a]):
        step = base.strides[axis]
        if step <= 0:
            index[axis], rem = np.zeros_like(rem), rem
            continue
        index[axis], rem = np.divmod(rem, step)
    if rem.any() or any(((i < 0) | (i >= n)).any() for i, n in zip(index, base.shape) if i.size):
        raise NotImplementedError(
            f"{what} on a view of a tensor with this memory layout (shape {list(base.shape)}, "
            f"strides {list(base.strides)} bytes) is not supported by dyngrad yet; call "
            ".contiguous() on the base first"
        )
    return np.ravel_multi_index(tuple(index), base.shape) if base.ndim else np.zeros(view.shape, np.intp)


def _window(arr: np.ndarray, geometry) -> np.ndarray:
    """The window of ``arr`` (read in C order): a view of a C-contiguous ``arr`` at a strided
    geometry, else a gathered copy."""
    if type(geometry) is np.ndarray:
        return np.ascontiguousarray(arr).reshape(-1)[geometry]
    shape, strides, offset = geometry
    flat = np.ascontiguousarray(arr).reshape(-1)
    return np.lib.stride_tricks.as_strided(flat[offset:], shape=shape, strides=tuple(st * arr.itemsize for st in strides))


def _write_window(arr: np.ndarray, geometry, values) -> None:
    """Write ``values`` into the window of ``arr``, in ``arr``'s own memory."""
    if type(geometry) is np.ndarray:
        arr.flat[geometry] = np.broadcast_to(values, geometry.shape)  # .flat: C order, any layout
    else:
        _window(arr, geometry)[...] = values  # a strided geometry is only made for C-contiguous bases


class Window(Op):
    """A view of ``base`` at a fixed geometry (a copy for an index geometry)."""

    is_view = True
    stateless = True

    def forward(self, base, geometry):
        self.geometry = geometry
        self.base_shape = base._data.shape
        return _window(base._data, geometry)

    def backward(self, g):
        return WindowScatter.apply(g, geometry=self.geometry, shape=self.base_shape)

    def name(self) -> str:
        return "AsStridedBackward0"


class WindowScatter(Op):
    """Zeros of the base's shape with the window filled by the input (the adjoint of Window)."""

    stateless = True

    def forward(self, g, geometry, shape):
        self.geometry = geometry
        out = np.zeros(shape, g._data.dtype)
        _write_window(out, geometry, g._data)
        return out

    def backward(self, gg):
        return Window.apply(gg, geometry=self.geometry)


class CopySlices(Op):
    """The base after its window was overwritten by ``src`` (runs in place on the base's memory)."""

    stateless = True

    def forward(self, base, src, geometry):
        self.geometry = geometry
        _write_window(base._data, geometry, src._data)
        return base._data

    def backward(self, g):
        mask = np.ones(g._data.shape, g._data.dtype)
        _write_window(mask, self.geometry, 0)
        g_base = g * _wrap(mask) if self.needs_input_grad[0] else None
        g_src = Window.apply(g, geometry=self.geometry)
        return g_base, g_src


def apply_inplace_on_view(cls, view: Tensor, *args, **kwargs) -> Tensor:
    """``cls`` in place on ``view`` while recording the graph: see the module docstring."""
    base = view._base
    name = cls.__name__.lower()
    if base.grad_fn is None and base._requires_grad:
        raise RuntimeError(
            f"a view of a leaf Variable that requires grad is being used in an in-place operation "
            f"({name}_); wrap it in dyngrad.no_grad() or clone the leaf first"
        )
    geometry = _geometry(view._data, base._data, f"{name}_: in-place operation")
    old = Window.apply(base._alias(), geometry=geometry)
    y = cls.apply(old, *args, **kwargs)
    node = y.grad_fn
    if node is not None and any(s is old for s in node._saved):
        # the op needs the window's old value, which the write below overwrites
        old._data = old._data.copy()
        old._vc = [0]
        old._base = None
        node._saved_versions = tuple(0 if s is old else v for s, v in zip(node._saved, node._saved_versions))
    if y._data.dtype != view._data.dtype:
        y = y.to(view.dtype)
    new_base = CopySlices.apply(base._alias(), y, geometry=geometry)
    base._bump()
    if new_base.grad_fn is not None:
        _rebind(base, new_base.grad_fn)
        if node is not None and node._out is not None:
            node._out = view._data
            node._out_vc = base._vc
            node._out_ver = base._vc[0]
        _rebind(view, Window.apply(base, geometry=geometry).grad_fn)
    view._view_ver = base._vc[0]
    return view


def refresh_view(view: Tensor) -> None:
    """Rebuild the grad_fn of a view whose base was written in place after the view's grad_fn
    was made (by an op on the base or on another view of it): the view becomes a window of the
    base as it is now, as in PyTorch, so its gradient flows through the in-place op."""
    base = view._base
    view._view_ver = base._vc[0]
    if not base._requires_grad:
        return
    geometry = _geometry(view._data, base._data, "using a view after its base was written in place")
    with grad_mode.enable_grad():  # also when asked for an edge under no_grad
        fresh = Window.apply(base, geometry=geometry)
    _rebind(view, fresh.grad_fn)
