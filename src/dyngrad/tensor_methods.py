"""Tensor's op methods (``t.exp()``, ``t.sum(1)``, ``t.view(2, 3)``, ...): one-line delegations
to the functions in ``dyngrad.ops`` and ``dyngrad.random``.

They are a mixin of their own only so that tensor.py, which says what a tensor is, stays readable."""

from __future__ import annotations


class TensorMethods:
    """The op methods of ``Tensor`` (its base class); tensor.py defines the rest of Tensor."""

    __slots__ = ()  # no state here: Tensor's instances keep the layout they would have without the mixin

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

    def square(self):
        return _ew.square(self)

    def softplus(self, beta=1.0, threshold=20.0):
        return _ew.softplus(self, beta, threshold)

    def round(self, decimals=0):
        return _ew.round(self, decimals=decimals)

    def clamp(self, min=None, max=None):
        return _ew.clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min):
        return _ew.clamp_min(self, min)

    def clamp_max(self, max):
        return _ew.clamp_max(self, max)

    def maximum(self, other):
        return _ew.maximum(self, other)

    def atan2(self, other):
        return _ew.atan2(self, other)

    arctan2 = atan2

    def atan2_(self, other):
        return _ew.atan2_(self, other)

    arctan2_ = atan2_

    def minimum(self, other):
        return _ew.minimum(self, other)

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
        return _ew.clamp_min_(self, min)

    def clamp_max_(self, max):
        return _ew.clamp_max_(self, max)

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

    def transpose_(self, dim0, dim1):
        return _sh.transpose_(self, dim0, dim1)

    swapaxes_ = swapdims_ = transpose_

    def t_(self):
        return _sh.t_(self)

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

    # --- new tensors like this one (its dtype unless told) ---------------------------------
    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        return _cr.zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        return _cr.ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        return _cr.empty(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None,
                 pin_memory=False):
        return _cr.full(size, fill_value, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        return _cr.tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return _ix.topk(self, k, dim, largest, sorted)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        return _ix.unique(self, sorted, return_inverse, return_counts, dim)

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


# The op modules import Tensor, which subclasses this class, so they cannot be imported up here:
# tensor.py calls this once Tensor exists, binding them as this module's globals for the methods.
def _bind_ops() -> None:
    global _cr, _ew, _ix, _la, _red, _rnd, _sh
    from . import creation as _cr
    from . import random as _rnd
    from .ops import elementwise as _ew
    from .ops import indexing as _ix
    from .ops import linalg as _la
    from .ops import reduction as _red
    from .ops import shape as _sh
    from .ops.unary import TENSOR_METHODS

    for name, op in TENSOR_METHODS.items():  # x.exp() is Exp.apply(x): no wrapper call per op
        setattr(TensorMethods, name, op.apply)
