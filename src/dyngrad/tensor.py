"""Tensor: a NumPy array plus what autograd needs (grad, grad_fn, version counter).

Ops live in ``dyngrad.ops``; the methods that delegate to them (``t.exp()``, ``t.sum()``, ...)
are inherited from ``TensorMethods`` in tensor_methods.py."""

from __future__ import annotations

from typing import Any

from . import dtypes
from ._numpy import np
from .device import cpu
from .device import device as _device
from .tensor_methods import TensorMethods, _bind_ops

_new = object.__new__


class Size(tuple):
    """A tensor's shape: a tuple of ints, as ``torch.Size``."""

    def __repr__(self) -> str:
        return f"{dtypes.display_prefix[0]}.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))


def _wrap(data: np.ndarray) -> Tensor:
    """A new tensor over ``data`` without copying or checking (the ops' fast constructor)."""
    t = _new(Tensor)
    t._data = data
    t._base = None  # see Tensor._edge
    return t


class Tensor(TensorMethods):
    """A multi-dimensional array on the CPU, recorded by autograd when it requires grad."""

    # Defaults live on the class: a new tensor only stores what differs (less work per op).
    _requires_grad = False
    _grad = None
    grad_fn = None
    _output_nr = 0
    _base = None
    _view_ver = 0  # a view's version when its grad_fn was made: if the counter moved on, the base
    # (or another view of it) was written in place and the grad_fn is rebuilt from the base's
    _vc = None  # version counter, a one-element list shared with views; made on first need
    _acc_node = None  # this leaf's AccumulateGrad node (its edge in a graph), made once
    # why this view may not be written in place while that is recorded, as in PyTorch: "multi"
    # (an output of split/chunk/unbind, or a view of one), "no_grad" (made with grad mode off),
    # "no_grad multi" (an output of split/chunk/unbind whose base needed no grad)
    _view_meta = None
    _retains_grad = False
    _post_acc_hooks = None  # [hook(tensor)] run after backward accumulated into this leaf's .grad
    _sum_for = None  # weakref to the node whose gradient buffer this sum was made for (engine._accumulate)
    # NumPy defers to our reflected operators instead of converting us into an array
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _share_instance_keys(cls)

    def __init__(self, *args, **kwargs):
        # torch.Tensor(data) / torch.Tensor(*sizes): the legacy float constructor
        from .creation import _legacy_tensor

        self._data = _legacy_tensor(args, kwargs)

    # --- what a tensor is ------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_dim(dim, self._data.ndim, "size")]

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes._FROM_NP[self._data.dtype]

    @property
    def device(self) -> _device:
        return cpu

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def stride(self, dim: int | None = None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_dim(dim, self._data.ndim, "stride")]

    def is_contiguous(self, memory_format=None) -> bool:
        return self._data.flags.c_contiguous

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    # by identity, as PyTorch's (``__eq__`` is elementwise); object's own C slot, not a Python
    # method: optimizers look their state up by parameter on every step
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._data.size} values is ambiguous"
            )
        return bool(self._data.reshape(()))

    def __int__(self) -> int:
        return int(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()))

    def __complex__(self) -> complex:
        return complex(self.item())

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return repr(self)

    def __repr__(self) -> str:
        from ._format import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    # --- conversion ------------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, force: bool = False) -> np.ndarray:
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self._data
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def __reduce_ex__(self, protocol):
        # pickling (DataLoader workers, copy.deepcopy); dyngrad.save never uses pickle
        return (_rebuild, (self._data, self._requires_grad, type(self)))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol"
            )
        t = _rebuild(self._data.copy(), self._requires_grad, type(self))
        if self._grad is not None:
            t._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = t
        return t

    def to(self, *args, **kwargs) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``; copies only when
        something changes (or ``copy=True``)."""
        dt = kwargs.get("dtype")
        copy = kwargs.get("copy", False)
        if "device" in kwargs:
            _device(kwargs["device"])
        for a in args:
            if isinstance(a, Tensor):
                dt = a.dtype
            elif isinstance(a, (dtypes.dtype, type, np.dtype)):
                dt = a
            elif isinstance(a, (str, _device, int)):
                _device(a)  # validates: 'cuda' gives a clear error
        if dt is None:
            return self.clone() if copy else self
        dt = dtypes.as_dtype(dt)
        if dt.np == self._data.dtype and not copy:
            return self
        from .ops.elementwise import cast

        return cast(self, dt)

    def type(self, dtype=None, **kwargs):
        if dtype is None:
            return f"torch.{_TYPE_NAMES[self.dtype.name]}"
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            dtype = {v: k for k, v in _TYPE_NAMES.items()}[dtype.rsplit(".", 1)[-1]]
        return self.to(dtypes.as_dtype(dtype))

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def half(self) -> Tensor:
        return self.to(dtypes.float16)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def short(self) -> Tensor:
        return self.to(dtypes.int16)

    def byte(self) -> Tensor:
        return self.to(dtypes.uint8)

    def char(self) -> Tensor:
        return self.to(dtypes.int8)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool_)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def cpu(self) -> Tensor:
        return self

    def cuda(self, *args, **kwargs):
        _device("cuda")

    def pin_memory(self) -> Tensor:
        return self

    def share_memory_(self) -> Tensor:
        return self

    # --- autograd --------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        self._sync_view()  # a view whose base was written in place may require grad now
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients (got {self.dtype})"
            )
        if self.grad_fn is None:
            self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad(self) -> Tensor | None:
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad must be a Tensor or None, got {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: {list(value.shape)} "
                    f"vs the tensor's {list(self.shape)}"
                )
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def data(self) -> Tensor:
        """The same memory without autograd history (changes through it are not tracked)."""
        t = _wrap(self._data)
        return t

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    @property
    def _version(self) -> int:
        vc = self._vc
        return 0 if vc is None else vc[0]

    def _vc_get(self) -> list:
        vc = self._vc
        if vc is None:
            vc = self._new_vc()
        return vc

    def _bump(self) -> None:
        vc = self._vc
        if vc is None:
            vc = self._new_vc()
        vc[0] += 1

    def _new_vc(self) -> list:
        """This tensor's version counter, made at its first need (a view, an alias, a write). The
        node that saved this tensor as its output saved it at version 0 without a counter (see
        ``_apply._SAVE_OUTPUT``): it takes this one now, so that a later write shows there."""
        vc = self._vc = [0]
        fn = self.grad_fn
        if fn is not None and fn._out is self._data and fn._out_vc is None:
            fn._out_vc = vc
        return vc

    def _sync_view(self) -> None:
        """A view whose base was written in place after its grad_fn was made gets the grad_fn
        rebuilt from the base (Op.apply makes the same test inline, on its hot path)."""
        if self._base is not None and self._vc[0] != self._view_ver:
            from .ops.inplace_view import refresh_view  # the ops import this module: bound on use

            refresh_view(self)

    def _edge(self) -> tuple:
        """``(node, output_nr)``: where this tensor's gradient goes (a graph's edges store the node
        alone when output_nr is 0, see Node)."""
        self._sync_view()
        fn = self.grad_fn
        if fn is not None:
            return (fn, self._output_nr)
        node = self._acc_node
        if node is None:
            node = self._acc_node = _engine.AccumulateGrad(self)
            # what ``Op.apply`` reads of every input, now in this leaf's own dict too (the values
            # stay those the class gives): CPython 3.11's cached attribute read at a call site
            # misses on an object without the attribute in its own dict, and a site that meets
            # leaves and op outputs alike then falls back to the slow lookup for both
            self.grad_fn = None
            self._base = self._base
        return (node, 0)

    def _alias(self) -> Tensor:
        """Another tensor object on the same memory, history and version counter."""
        t = _wrap(self._data)
        t._vc = self._vc_get()
        t._base = self._base
        t._view_ver = self._view_ver
        if self._requires_grad:
            t._requires_grad = True
            t.grad_fn = self.grad_fn
            t._output_nr = self._output_nr
            if self.grad_fn is None:
                self._edge()
                t._acc_node = self._acc_node
        return t

    def detach(self) -> Tensor:
        """The same memory and version counter, cut from the graph."""
        t = _wrap(self._data)
        t._vc = self._vc_get()
        return t

    def detach_(self) -> Tensor:
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        self._output_nr = 0
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        import weakref

        fn = self.grad_fn
        if fn._retain is None:
            fn._retain = {}
            fn._flagged = True
        fn._retain[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``remove()``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node, nr = self._edge()
        return node._add_pre_hook(nr, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs after backward has accumulated into this leaf's ``.grad``; it must
        return None. Returns a handle with ``remove()``."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        from .autograd.function import _RemovableHandle

        if self._post_acc_hooks is None:
            self._post_acc_hooks = []
            self._edge()[0]._flagged = True  # the engine runs a flagged leaf's node in order
        self._post_acc_hooks.append(hook)
        return _RemovableHandle(self._post_acc_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Accumulate the gradient of this tensor into the leaves' ``.grad``."""
        _engine.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # --- operators -------------------------------------------------------------------------
    # +, -, *, / and unary - are their primitives' apply itself, ** is pow without its out=
    # wrapper (bound at the end of this file: no wrapper call per op); the reflected ones swap
    # the operands
    def __radd__(self, other):
        return _ew.Add.apply(other, self)

    def __rsub__(self, other):
        return _ew.Sub.apply(other, self)

    def __rmul__(self, other):
        return _ew.Mul.apply(other, self)

    def __rtruediv__(self, other):
        return _ew.Div.apply(other, self)

    def __floordiv__(self, other):
        return _ew.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ew.floor_divide(other, self)

    def __mod__(self, other):
        return _ew.remainder(self, other)

    def __rmod__(self, other):
        return _ew.remainder(other, self)

    def __rpow__(self, other):
        return _ew.pow(other, self)

    def __matmul__(self, other):
        return _la.matmul(self, other)

    def __rmatmul__(self, other):
        return _la.matmul(other, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ew.abs(self)

    def __invert__(self):
        if self._data.dtype.kind == "f":
            raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
        return _ew.bitwise_not(self)

    def __and__(self, other):
        return _ew.bitwise_and(self, other)

    __rand__ = __and__

    def __or__(self, other):
        return _ew.bitwise_or(self, other)

    __ror__ = __or__

    def __xor__(self, other):
        return _ew.bitwise_xor(self, other)

    __rxor__ = __xor__

    def __eq__(self, other):
        if not isinstance(other, (Tensor, int, float, bool, np.number, np.bool_)):
            return NotImplemented  # PyTorch: t == None is False
        return _ew.eq(self, other)

    def __ne__(self, other):
        if not isinstance(other, (Tensor, int, float, bool, np.number, np.bool_)):
            return NotImplemented
        return _ew.ne(self, other)

    def __lt__(self, other):
        return _ew.lt(self, other)

    def __le__(self, other):
        return _ew.le(self, other)

    def __gt__(self, other):
        return _ew.gt(self, other)

    def __ge__(self, other):
        return _ew.ge(self, other)

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __getitem__(self, key):
        return _ix.getitem(self, key)

    def __setitem__(self, key, value) -> None:
        _ix.setitem(self, key, value)


# Every attribute a tensor may hold in its own dict: ``_data`` and each name the class gives a
# default to (derived, so that a new one cannot be forgotten here).
_INSTANCE_ATTRS = ("_data",) + tuple(
    name for name, value in vars(Tensor).items()
    if not name.startswith("__") and not callable(value) and not isinstance(value, (property, classmethod))
)


def _share_instance_keys(cls: type) -> None:
    """Enter all of ``_INSTANCE_ATTRS`` into the table of attribute names that CPython 3.11 shares
    between the instances of ``cls``, through one throwaway instance. The table stops growing once
    some 30 instances exist: a tensor that later gets a name missing from it (a leaf's ``_grad`` at
    the first backward, say) keeps its attributes in a dict of its own instead, and every attribute
    read of it, and at any call site that also meets other tensors, takes the slow path."""
    t = _new(cls)
    for name in _INSTANCE_ATTRS:
        setattr(t, name, None)


_share_instance_keys(Tensor)


def _rebuild(data, requires_grad, cls):
    t = _new(cls)
    t._data = data
    if requires_grad:
        t._requires_grad = True
    return t


_TYPE_NAMES = {
    "float16": "HalfTensor", "float32": "FloatTensor", "float64": "DoubleTensor",
    "int8": "CharTensor", "int16": "ShortTensor", "int32": "IntTensor", "int64": "LongTensor",
    "uint8": "ByteTensor", "bool": "BoolTensor",
}


def _dim(d: int, ndim: int, op: str) -> int:
    """Normalise a possibly negative dim, with PyTorch's error when it is out of range."""
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(
            f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})"
        )
    return d + n if d < 0 else d


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


# The op modules and the engine import Tensor from here, so they are imported (and bound for the
# mixin's methods, and for backward: an import statement in a method costs ~1 us a call) after it
# is defined.
from .autograd import engine as _engine  # noqa: E402
from .ops import elementwise as _ew  # noqa: E402
from .ops import indexing as _ix  # noqa: E402
from .ops import linalg as _la  # noqa: E402

_bind_ops()
Tensor.__add__, Tensor.__sub__ = _ew.Add.apply, _ew.Sub.apply
Tensor.__mul__, Tensor.__truediv__, Tensor.__neg__ = _ew.Mul.apply, _ew.Div.apply, _ew.Neg.apply
Tensor.__pow__ = _ew.pow.__wrapped__
