"""Tensor: a NumPy array plus what autograd needs (grad, grad_fn, version counter).

Ops live in ``dyngrad.ops``; the methods here only delegate to them."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes
from .device import cpu
from .device import device as _device

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
    return t


class Tensor:
    """A multi-dimensional array on the CPU, recorded by autograd when it requires grad."""

    # Defaults live on the class: a new tensor only stores what differs (less work per op).
    _requires_grad = False
    _grad = None
    grad_fn = None
    _output_nr = 0
    _base = None
    _vc = None  # version counter, a one-element list shared with views; made on first need
    _acc = None  # this leaf's AccumulateGrad node
    _retains_grad = False
    # NumPy defers to our reflected operators instead of converting us into an array
    __array_ufunc__ = None
    __array_priority__ = 1000

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

    def __hash__(self) -> int:
        return id(self)

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
            vc = self._vc = [0]
        return vc

    def _bump(self) -> None:
        vc = self._vc
        if vc is None:
            self._vc = [1]
        else:
            vc[0] += 1

    def _edge(self) -> tuple:
        fn = self.grad_fn
        if fn is not None:
            return (fn, self._output_nr)
        acc = self._acc
        if acc is None:
            from .autograd.engine import AccumulateGrad

            acc = self._acc = AccumulateGrad(self)
        return (acc, 0)

    def _alias(self) -> Tensor:
        """Another tensor object on the same memory, history and version counter."""
        t = _wrap(self._data)
        t._vc = self._vc_get()
        t._base = self._base
        if self._requires_grad:
            t._requires_grad = True
            t.grad_fn = self.grad_fn
            t._output_nr = self._output_nr
            if self.grad_fn is None:
                t._acc = self._edge()[0]
        return t

    def detach(self) -> Tensor:
        """The same memory and version counter, cut from the graph."""
        t = _wrap(self._data)
        t._vc = self._vc_get()
        return t

    def detach_(self) -> Tensor:
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
        fn._retain[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``remove()``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node, nr = self._edge()
        return node._add_pre_hook(nr, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Accumulate the gradient of this tensor into the leaves' ``.grad``."""
        from .autograd.engine import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # --- methods: thin delegations to the op functions -------------------------------------
    # elementwise
    def add(self, other, alpha=1):
        return _ew.add(self, other, alpha=alpha)

    def sub(self, other, alpha=1):
        return _ew.sub(self, other, alpha=alpha)

    subtract = sub

    def mul(self, other):
        return _ew.mul(self, other)

    multiply = mul

    def div(self, other, rounding_mode=None):
        return _ew.div(self, other, rounding_mode=rounding_mode)

    divide = true_divide = div

    def floor_divide(self, other):
        return _ew.floor_divide(self, other)

    def remainder(self, other):
        return _ew.remainder(self, other)

    def fmod(self, other):
        return _ew.fmod(self, other)

    def pow(self, exponent):
        return _ew.pow(self, exponent)

    def neg(self):
        return _ew.neg(self)

    negative = neg

    def abs(self):
        return _ew.abs(self)

    absolute = abs

    def exp(self):
        return _ew.exp(self)

    def exp2(self):
        return _ew.exp2(self)

    def log(self):
        return _ew.log(self)

    def log2(self):
        return _ew.log2(self)

    def log10(self):
        return _ew.log10(self)

    def log1p(self):
        return _ew.log1p(self)

    def expm1(self):
        return _ew.expm1(self)

    def sqrt(self):
        return _ew.sqrt(self)

    def rsqrt(self):
        return _ew.rsqrt(self)

    def square(self):
        return _ew.square(self)

    def sin(self):
        return _ew.sin(self)

    def cos(self):
        return _ew.cos(self)

    def tan(self):
        return _ew.tan(self)

    def asin(self):
        return _ew.asin(self)

    def acos(self):
        return _ew.acos(self)

    def atan(self):
        return _ew.atan(self)

    def sinh(self):
        return _ew.sinh(self)

    def cosh(self):
        return _ew.cosh(self)

    def tanh(self):
        return _ew.tanh(self)

    def sigmoid(self):
        return _ew.sigmoid(self)

    def relu(self):
        return _ew.relu(self)

    def softplus(self, beta=1.0, threshold=20.0):
        return _ew.softplus(self, beta, threshold)

    def erf(self):
        return _ew.erf(self)

    def sign(self):
        return _ew.sign(self)

    def floor(self):
        return _ew.floor(self)

    def ceil(self):
        return _ew.ceil(self)

    def round(self, decimals=0):
        return _ew.round(self, decimals=decimals)

    def trunc(self):
        return _ew.trunc(self)

    def frac(self):
        return _ew.frac(self)

    def clamp(self, min=None, max=None):
        return _ew.clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min):
        return _ew.clamp(self, min, None)

    def clamp_max(self, max):
        return _ew.clamp(self, None, max)

    def maximum(self, other):
        return _ew.maximum(self, other)

    def minimum(self, other):
        return _ew.minimum(self, other)

    def reciprocal(self):
        return _ew.reciprocal(self)

    def lerp(self, end, weight):
        return _ew.lerp(self, end, weight)

    def where(self, condition, other):
        return _ew.where(condition, self, other)

    def eq(self, other):
        return _ew.eq(self, other)

    def ne(self, other):
        return _ew.ne(self, other)

    def lt(self, other):
        return _ew.lt(self, other)

    def le(self, other):
        return _ew.le(self, other)

    def gt(self, other):
        return _ew.gt(self, other)

    def ge(self, other):
        return _ew.ge(self, other)

    less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne

    def logical_and(self, other):
        return _ew.logical_and(self, other)

    def logical_or(self, other):
        return _ew.logical_or(self, other)

    def logical_xor(self, other):
        return _ew.logical_xor(self, other)

    def logical_not(self):
        return _ew.logical_not(self)

    def isnan(self):
        return _ew.isnan(self)

    def isinf(self):
        return _ew.isinf(self)

    def isfinite(self):
        return _ew.isfinite(self)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _ew.allclose(self, other, rtol, atol, equal_nan)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _ew.isclose(self, other, rtol, atol, equal_nan)

    def equal(self, other):
        return _ew.equal(self, other)

    def clone(self, memory_format=None):
        return _ew.clone(self)

    # in place
    def add_(self, other, alpha=1):
        return _ew.add_(self, other, alpha=alpha)

    def sub_(self, other, alpha=1):
        return _ew.sub_(self, other, alpha=alpha)

    def mul_(self, other):
        return _ew.mul_(self, other)

    def div_(self, other, rounding_mode=None):
        return _ew.div_(self, other, rounding_mode=rounding_mode)

    def pow_(self, exponent):
        return _ew.pow_(self, exponent)

    def neg_(self):
        return _ew.neg_(self)

    def abs_(self):
        return _ew.abs_(self)

    def exp_(self):
        return _ew.exp_(self)

    def log_(self):
        return _ew.log_(self)

    def sqrt_(self):
        return _ew.sqrt_(self)

    def sigmoid_(self):
        return _ew.sigmoid_(self)

    def tanh_(self):
        return _ew.tanh_(self)

    def relu_(self):
        return _ew.relu_(self)

    def clamp_(self, min=None, max=None):
        return _ew.clamp_(self, min, max)

    clip_ = clamp_

    def clamp_min_(self, min):
        return _ew.clamp_(self, min, None)

    def clamp_max_(self, max):
        return _ew.clamp_(self, None, max)

    def lerp_(self, end, weight):
        return _ew.lerp_(self, end, weight)

    def addcmul_(self, tensor1, tensor2, value=1):
        return _ew.addcmul_(self, tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1, tensor2, value=1):
        return _ew.addcdiv_(self, tensor1, tensor2, value=value)

    def zero_(self):
        return _ew.zero_(self)

    def fill_(self, value):
        return _ew.fill_(self, value)

    def copy_(self, src, non_blocking=False):
        return _ew.copy_(self, src)

    def uniform_(self, a=0.0, b=1.0, generator=None):
        return _rnd.uniform_(self, a, b, generator=generator)

    def normal_(self, mean=0.0, std=1.0, generator=None):
        return _rnd.normal_(self, mean, std, generator=generator)

    def bernoulli_(self, p=0.5, generator=None):
        return _rnd.bernoulli_(self, p, generator=generator)

    def random_(self, *args, generator=None):
        return _rnd.random_(self, *args, generator=generator)

    def exponential_(self, lambd=1.0, generator=None):
        return _rnd.exponential_(self, lambd, generator=generator)

    def bernoulli(self, p=None, generator=None):
        return _rnd.bernoulli(self, p, generator=generator)

    def masked_fill_(self, mask, value):
        return _ix.masked_fill_(self, mask, value)

    def index_fill_(self, dim, index, value):
        return _ix.index_fill_(self, dim, index, value)

    def scatter_(self, dim, index, src=None, value=None, reduce=None):
        return _ix.scatter_(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add_(self, dim, index, src):
        return _ix.scatter_add_(self, dim, index, src)

    def index_add_(self, dim, index, source, alpha=1):
        return _ix.index_add_(self, dim, index, source, alpha=alpha)

    # reductions
    def sum(self, dim=None, keepdim=False, dtype=None):
        return _red.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=None, keepdim=False, dtype=None):
        return _red.mean(self, dim, keepdim, dtype=dtype)

    def prod(self, dim=None, keepdim=False, dtype=None):
        return _red.prod(self, dim, keepdim, dtype=dtype)

    def max(self, dim=None, keepdim=False):
        return _red.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return _red.min(self, dim, keepdim)

    def amax(self, dim=(), keepdim=False):
        return _red.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        return _red.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return _red.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return _red.argmin(self, dim, keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _red.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _red.std(self, dim, unbiased, keepdim, correction=correction)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return _red.norm(self, p, dim, keepdim, dtype=dtype)

    def logsumexp(self, dim, keepdim=False):
        return _red.logsumexp(self, dim, keepdim)

    def softmax(self, dim, dtype=None):
        return _red.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim, dtype=None):
        return _red.log_softmax(self, dim, dtype=dtype)

    def cumsum(self, dim, dtype=None):
        return _red.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim, dtype=None):
        return _red.cumprod(self, dim, dtype=dtype)

    def all(self, dim=None, keepdim=False):
        return _red.all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        return _red.any(self, dim, keepdim)

    def median(self, dim=None, keepdim=False):
        return _red.median(self, dim, keepdim)

    def count_nonzero(self, dim=None):
        return _red.count_nonzero(self, dim)

    def sum_to_size(self, *size):
        return _red.sum_to_size(self, *size)

    # shape
    def view(self, *shape):
        return _sh.view(self, *shape)

    def view_as(self, other):
        return _sh.view(self, other.shape)

    def reshape(self, *shape, **kwargs):
        return _sh.reshape(self, *shape, **kwargs)

    def reshape_as(self, other):
        return _sh.reshape(self, other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return _sh.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes):
        return _sh.unflatten(self, dim, sizes)

    def squeeze(self, dim=None):
        return _sh.squeeze(self, dim)

    def unsqueeze(self, dim):
        return _sh.unsqueeze(self, dim)

    def squeeze_(self, dim=None):
        return _sh.squeeze_(self, dim)

    def unsqueeze_(self, dim):
        return _sh.unsqueeze_(self, dim)

    def transpose(self, dim0, dim1):
        return _sh.transpose(self, dim0, dim1)

    swapaxes = swapdims = transpose

    def t(self):
        return _sh.t(self)

    def permute(self, *dims, **kwargs):
        return _sh.permute(self, *dims, **kwargs)

    def movedim(self, source, destination):
        return _sh.movedim(self, source, destination)

    moveaxis = movedim

    @property
    def T(self):  # noqa: N802
        return _sh.permute(self, *range(self._data.ndim - 1, -1, -1))

    @property
    def mT(self):  # noqa: N802
        return _sh.transpose(self, -2, -1)

    def expand(self, *sizes):
        return _sh.expand(self, *sizes)

    def expand_as(self, other):
        return _sh.expand(self, other.shape)

    def broadcast_to(self, size):
        return _sh.expand(self, size)

    def repeat(self, *sizes):
        return _sh.repeat(self, *sizes)

    def tile(self, *dims, **kwargs):
        return _sh.tile(self, *dims, **kwargs)

    def split(self, split_size, dim=0):
        return _sh.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return _sh.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        return _sh.unbind(self, dim)

    def flip(self, *dims, **kwargs):
        return _sh.flip(self, *dims, **kwargs)

    def roll(self, shifts, dims=None):
        return _sh.roll(self, shifts, dims)

    def narrow(self, dim, start, length):
        return _sh.narrow(self, dim, start, length)

    def contiguous(self, memory_format=None):
        return _sh.contiguous(self)

    def unfold(self, dimension, size, step):
        return _sh.unfold(self, dimension, size, step)

    # indexing
    def gather(self, dim, index):
        return _ix.gather(self, dim, index)

    def scatter(self, dim, index, src=None, value=None, reduce=None):
        return _ix.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim, index, src):
        return _ix.scatter_add(self, dim, index, src)

    def index_select(self, dim, index):
        return _ix.index_select(self, dim, index)

    def index_add(self, dim, index, source, alpha=1):
        return _ix.index_add(self, dim, index, source, alpha=alpha)

    def index_fill(self, dim, index, value):
        return _ix.index_fill(self, dim, index, value)

    def index_put(self, indices, values, accumulate=False):
        return _ix.index_put(self, indices, values, accumulate)

    def index_put_(self, indices, values, accumulate=False):
        return _ix.index_put_(self, indices, values, accumulate)

    def masked_fill(self, mask, value):
        return _ix.masked_fill(self, mask, value)

    def masked_select(self, mask):
        return _ix.masked_select(self, mask)

    def take(self, index):
        return _ix.take(self, index)

    def nonzero(self, as_tuple=False):
        return _ix.nonzero(self, as_tuple=as_tuple)

    def argsort(self, dim=-1, descending=False, stable=False):
        return _ix.argsort(self, dim, descending, stable=stable)

    def sort(self, dim=-1, descending=False, stable=False):
        return _ix.sort(self, dim, descending, stable=stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return _ix.topk(self, k, dim, largest, sorted)

    def tril(self, diagonal=0):
        return _ix.tril(self, diagonal)

    def triu(self, diagonal=0):
        return _ix.triu(self, diagonal)

    # linear algebra
    def matmul(self, other):
        return _la.matmul(self, other)

    def mm(self, mat2):
        return _la.mm(self, mat2)

    def bmm(self, mat2):
        return _la.bmm(self, mat2)

    def mv(self, vec):
        return _la.mv(self, vec)

    def dot(self, other):
        return _la.dot(self, other)

    def outer(self, vec2):
        return _la.outer(self, vec2)

    ger = outer

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        return _la.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return _la.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def inner(self, other):
        return _la.inner(self, other)

    def trace(self):
        return _la.trace(self)

    def diag(self, diagonal=0):
        return _la.diag(self, diagonal)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return _la.diagonal(self, offset, dim1, dim2)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return _la.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    # --- operators -------------------------------------------------------------------------
    # the arithmetic operators call their primitive directly: one Python frame less per op
    def __add__(self, other):
        return _ew.Add.apply(self, other)

    def __radd__(self, other):
        return _ew.Add.apply(other, self)

    def __sub__(self, other):
        return _ew.Sub.apply(self, other)

    def __rsub__(self, other):
        return _ew.Sub.apply(other, self)

    def __mul__(self, other):
        return _ew.Mul.apply(self, other)

    def __rmul__(self, other):
        return _ew.Mul.apply(other, self)

    def __truediv__(self, other):
        return _ew.Div.apply(self, other)

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

    def __pow__(self, other):
        return _ew.pow(self, other)

    def __rpow__(self, other):
        return _ew.pow(other, self)

    def __matmul__(self, other):
        return _la.matmul(self, other)

    def __rmatmul__(self, other):
        return _la.matmul(other, self)

    def __neg__(self):
        return _ew.Neg.apply(self)

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


# The op modules import Tensor from here, so they are imported after it is defined.
from . import random as _rnd  # noqa: E402
from .ops import elementwise as _ew  # noqa: E402
from .ops import indexing as _ix  # noqa: E402
from .ops import linalg as _la  # noqa: E402
from .ops import reduction as _red  # noqa: E402
from .ops import shape as _sh  # noqa: E402
