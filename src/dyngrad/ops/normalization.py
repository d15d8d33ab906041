"""Normalisation primitives behind ``nn.functional``: batch_norm, layer_norm, group_norm and
instance_norm.

All four go through one fused op, ``Normalize``: ``(x - mean) * rsqrt(var + eps) * weight + bias``
with the statistics taken over some dims of ``x`` (training, layer, group and instance norm) or
given as constants (batch norm in eval mode). Its backward uses the statistics kept from forward;
when the backward itself is being recorded (``create_graph``) it recomputes them with dyngrad ops
from ``x``, so the second derivative is exact."""

from __future__ import annotations

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm"]

import functools
import math

from .._numpy import np
from ..autograd import grad_mode
from ..autograd.function import Op
from ._util import Tensor, _wrap, opmath_dtype, shape_str
from .reduction import _mean_array, mean, sum


@functools.lru_cache(maxsize=256)
def _groups(shape: tuple, dims: tuple) -> tuple:
    """For reductions of an array of ``shape`` over ``dims``: the einsum subscripts of a
    per-group dot product, the kept shape, and the number of values per group (made once per
    shape: building them cost more than the einsum on small tensors)."""
    letters = "abcdefghijklmnopqrstuvwxyz"[: len(shape)]
    kept = "".join(c for i, c in enumerate(letters) if i not in dims)
    keep_shape = tuple(1 if i in dims else n for i, n in enumerate(shape))
    return f"{letters},{letters}->{kept}", keep_shape, math.prod(shape[i] for i in dims)


def _dot_over(a: np.ndarray, b: np.ndarray, dims: tuple) -> np.ndarray:
    """``sum(a * b)`` over ``dims`` (kept), without the product as a temporary."""
    subscripts, keep_shape, _ = _groups(a.shape, dims)
    return np.einsum(subscripts, a, b, dtype=opmath_dtype(a)).reshape(keep_shape)


def _moments(d: np.ndarray, dims: tuple) -> tuple:
    """Mean and biased variance of ``d`` over ``dims`` (kept), and ``d - mean``: a fresh array
    that ``Normalize`` may take over as its output buffer."""
    count = _groups(d.shape, dims)[2]
    with np.errstate(invalid="ignore", divide="ignore"):
        m = _mean_array(d, dims, True, count)
        xc = d - m
        return m, _dot_over(xc, xc, dims) / count if count else np.full_like(m, np.nan), xc


class Normalize(Op):
    """``y = (x - mean) * rsqrt(var + eps) * weight + bias``.

    ``stats``: ``(mean, var)`` arrays broadcastable to ``x``. ``from_input``: they are ``x``'s own
    moments over ``dims`` (so they depend on ``x`` in backward) rather than constants.
    ``param_shape``: the shape weight and bias are viewed as to broadcast against ``x``;
    ``param_dims``: the dims of ``x`` they broadcast over (their gradients are summed there)."""

    _release_attrs = ("invstd", "mean_arr", "scale")

    def forward(self, x, weight=None, bias=None, *, stats, from_input, dims=(), eps=1e-5, param_shape=None,
                param_dims=()):
        d = x._data
        m, v = stats[:2]
        # parameters constant along the normalised dims (batch and instance norm): the weight
        # folds into the per-group scale (one pass over y instead of two), and the backward's
        # sums over those dims give the parameters' gradients too (_backward_arrays)
        constant = set(dims) <= set(param_dims) or weight is bias is None
        with np.errstate(invalid="ignore", divide="ignore"):
            invstd = (1.0 / np.sqrt(v + eps)).astype(d.dtype, copy=False)
            y = stats[2] if len(stats) > 2 else d - m  # d - m is ours to overwrite
            scale = invstd * weight._data.reshape(param_shape) if weight is not None and constant else invstd
            y *= scale
            if weight is not None and not constant:
                y *= weight._data.reshape(param_shape)
        if self.needs_input_grad:
            self.dims, self.param_shape, self.param_dims, self.eps = dims, param_shape, param_dims, eps
            self.from_input = from_input
            self.sums_fold = from_input and constant
            self.mean_arr, self.invstd, self.scale = m, invstd, scale
            self.bias_shape = bias._data.shape if bias is not None else None
            self.save_for_backward(x, weight)
        if bias is not None:
            y += bias._data.reshape(param_shape)
        return y

    def _xhat(self, x: Tensor) -> tuple:
        """``(xhat, invstd)`` as tensors: differentiable functions of ``x`` when the backward is
        being recorded, constants made from the forward's statistics otherwise."""
        if grad_mode.enabled:
            if self.from_input:
                xc = x - mean(x, self.dims, True)
                invstd = (mean(xc * xc, self.dims, True) + self.eps).rsqrt()
                return xc * invstd, invstd
            invstd = _wrap(self.invstd)
            return (x - _wrap(self.mean_arr)) * invstd, invstd
        return _wrap((x._data - self.mean_arr) * self.invstd), _wrap(self.invstd)

    def backward(self, g):
        x, weight = self.saved_tensors
        if not grad_mode.enabled and self.sums_fold:
            return self._backward_arrays(g._data, x._data, weight)
        need = self.needs_input_grad
        xhat, invstd = self._xhat(x)
        gx = gw = gb = None
        if need[0]:
            gxhat = g * weight.reshape(self.param_shape) if weight is not None else g
            if self.from_input:
                dims = self.dims
                gx = (gxhat - mean(gxhat, dims, True) - xhat * mean(gxhat * xhat, dims, True)) * invstd
            else:
                gx = gxhat * invstd
        pd = self.param_dims  # () means nothing to sum over (dyngrad's sum would take it as every dim)
        if len(need) > 1 and need[1]:
            gw = g * xhat
            gw = (sum(gw, pd) if pd else gw).reshape(weight.shape)
        if len(need) > 2 and need[2]:
            gb = (sum(g, pd) if pd else g).reshape(self.bias_shape)
        return (gx, gw, gb)[: len(need)]

    def _backward_arrays(self, g: np.ndarray, x: np.ndarray, weight) -> tuple:
        """The first-order backward above in a few NumPy passes, for statistics of x itself and
        a weight constant along the normalised dims: there, with xc = x - mean and M values per
        group, gx = weight * invstd * (g - sum(g) / M - xc * invstd**2 * sum(g * xc) / M), and the
        two sums also give the weight's and bias's gradients."""
        need, dims, invstd = self.needs_input_grad, self.dims, self.invstd
        count = _groups(x.shape, dims)[2]
        with np.errstate(invalid="ignore", divide="ignore"):
            xc = x - self.mean_arr
            sum_g = g.sum(axis=dims, keepdims=True, dtype=opmath_dtype(g))
            sum_gxc = _dot_over(g, xc, dims)
            gx = gw = gb = None
            # the parameters broadcast over the normalised dims and maybe more (instance norm's batch)
            extra = tuple(i for i in self.param_dims if i not in dims)
            if len(need) > 1 and need[1]:
                gw = (sum_gxc * invstd).sum(axis=extra).reshape(weight.shape)
                gw = _wrap(gw.astype(weight._data.dtype, copy=False))
            if len(need) > 2 and need[2]:
                gb = _wrap(sum_g.sum(axis=extra).reshape(self.bias_shape).astype(g.dtype, copy=False))
            if need[0]:
                xc *= sum_gxc * (invstd * invstd / count)
                xc += sum_g / count
                gx = np.subtract(g, xc, out=xc)
                gx *= self.scale
                gx = _wrap(gx)
        return (gx, gw, gb)[: len(need)]


class BatchNormalize(Normalize):
    """batch_norm's ``Normalize``, named as PyTorch's node."""

    def name(self) -> str:
        return "NativeBatchNormBackward0"


class LayerNormalize(Normalize):
    """layer_norm's ``Normalize``, named as PyTorch's node."""

    def name(self) -> str:
        return "NativeLayerNormBackward0"


def _normalize(x: Tensor, weight, bias, op: type = Normalize, **settings) -> Tensor:
    """``op`` (a ``Normalize``) with weight/bias passed positionally only when given."""
    if bias is not None:
        return op.apply(x, weight, bias, **settings)
    if weight is not None:
        return op.apply(x, weight, **settings)
    return op.apply(x, **settings)


def _check_float(input: Tensor, op: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input, got {input.dtype}")


def _check_param(t, name: str, n: int | None, input: Tensor, op: str) -> None:
    """``t`` (if given) has ``n`` elements (if ``n`` is given) and the input's dtype, or float32
    beside a float16 input (PyTorch's mixed precision); PyTorch refuses other mixes."""
    if t is None:
        return
    if n is not None and t._data.size != n:
        raise RuntimeError(f"{name} should contain {n} elements not {t._data.size}")
    dt = input._data.dtype
    if t._data.dtype not in (dt, opmath_dtype(input._data) or dt):  # (np.dtype == None is float64)
        raise RuntimeError(f"{op}: mixed dtype: {name} is {t.dtype}, the input {input.dtype} (parameters must "
                           "share the input's dtype, or be float32 beside a float16 input)")


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float | None = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) over the batch and spatial dims. Training: batch statistics,
    and the running ones (if given) move towards them by ``momentum``, in place (the running
    variance gets the unbiased batch variance). Eval: the running statistics."""
    _check_float(input, "batch_norm")
    d = input._data
    if d.ndim < 2:
        raise ValueError(f"batch_norm: expected 2D or more input (N, C, ...), got input of size {shape_str(d.shape)}")
    c = d.shape[1]
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"), (bias, "bias")):
        _check_param(t, name, c, input, "batch_norm")
    dims = (0,) + tuple(range(2, d.ndim))
    param_shape = (1, c) + (1,) * (d.ndim - 2)
    if training:
        n = d.size // c if c else 0
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {shape_str(d.shape)}")
        stats = _moments(d, dims)
        _update_running_stats(running_mean, running_var, *stats[:2], momentum, n)
        return _normalize(input, weight, bias, BatchNormalize, stats=stats, from_input=True, dims=dims,
                          eps=eps, param_shape=param_shape, param_dims=dims)
    if running_mean is None or running_var is None:
        raise RuntimeError(f"{'running_mean' if running_mean is None else 'running_var'} must be defined in evaluation mode")
    stats = (running_mean._data.reshape(param_shape), running_var._data.reshape(param_shape))
    return _normalize(input, weight, bias, BatchNormalize, stats=stats, from_input=False, eps=eps,
                      param_shape=param_shape, param_dims=dims)


def _update_running_stats(running_mean, running_var, m: np.ndarray, v: np.ndarray, momentum, n: int) -> None:
    """``running = (1 - momentum) * running + momentum * batch``, in place; the running variance
    takes the unbiased batch variance (``v`` is the biased one over ``n`` values)."""
    if momentum is None:
        momentum = 0.0  # the module turns momentum=None into its cumulative-average factor itself
    if running_mean is not None:
        rm = running_mean._data
        rm[...] = momentum * m.reshape(rm.shape) + (1 - momentum) * rm
        running_mean._bump()
    if running_var is not None:
        rv = running_var._data
        rv[...] = momentum * (v.reshape(rv.shape) * (n / (n - 1))) + (1 - momentum) * rv
        running_var._bump()


def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims, then scale and shift elementwise."""
    _check_float(input, "layer_norm")
    if isinstance(normalized_shape, (int, np.integer)):
        normalized_shape = (int(normalized_shape),)
    normalized_shape = tuple(int(s) for s in normalized_shape)
    shape = input._data.shape
    k = len(normalized_shape)
    if k == 0 or k > len(shape) or shape[len(shape) - k:] != normalized_shape:
        raise RuntimeError(
            f"Given normalized_shape={shape_str(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(map(str, normalized_shape))}], but got input of size{shape_str(shape)}"
        )
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and tuple(t._data.shape) != normalized_shape:
            raise RuntimeError(
                f"layer_norm: expected {name} of shape {shape_str(normalized_shape)}, got {shape_str(t._data.shape)}"
            )
        _check_param(t, name, None, input, "layer_norm")
    nd = len(shape)
    dims = tuple(range(nd - k, nd))
    return _normalize(input, weight, bias, LayerNormalize, stats=_moments(input._data, dims), from_input=True,
                      dims=dims, eps=eps, param_shape=normalized_shape, param_dims=tuple(range(nd - k)))


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Split the channels (dim 1) into ``num_groups`` groups and normalise each group of each
    sample over its channels and spatial dims; then a per-channel scale and shift."""
    _check_float(input, "group_norm")
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"group_norm: expected input of at least 2 dims (N, C, *), got {shape_str(shape)}")
    c = shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{shape_str(shape)} and num_groups={num_groups}"
        )
    _check_param(weight, "weight", c, input, "group_norm")
    _check_param(bias, "bias", c, input, "group_norm")
    grouped = input.reshape(shape[0], num_groups, -1)
    y = Normalize.apply(grouped, stats=_moments(grouped._data, (2,)), from_input=True, dims=(2,), eps=eps)
    y = y.reshape(shape)
    param_shape = (1, c) + (1,) * (len(shape) - 2)
    # float32 parameters beside a float16 input: the result stays float16, as in PyTorch
    if weight is not None:
        y = y * weight.reshape(param_shape).to(y.dtype)
    if bias is not None:
        y = y + bias.reshape(param_shape).to(y.dtype)
    return y


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample over its spatial dims (batch norm per instance);
    running statistics, if given, are updated with the batch average of the instance ones."""
    _check_float(input, "instance_norm")
    shape = input._data.shape
    if len(shape) < 3:
        raise ValueError(f"instance_norm: expected input of at least 3 dims (N, C, *), got {shape_str(shape)}")
    c = shape[1]
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"), (bias, "bias")):
        _check_param(t, name, c, input, "instance_norm")
    dims = tuple(range(2, len(shape)))
    param_shape = (1, c) + (1,) * (len(shape) - 2)
    param_dims = (0,) + dims
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
        stats = (running_mean._data.reshape(param_shape), running_var._data.reshape(param_shape))
        return _normalize(input, weight, bias, stats=stats, from_input=False, eps=eps, param_shape=param_shape,
                          param_dims=param_dims)
    n = int(np.prod(shape[2:]))
    if n <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {shape_str(shape)}")
    m, v, xc = _moments(input._data, dims)
    _update_running_stats(running_mean, running_var, m.mean(axis=0), v.mean(axis=0), momentum, n)
    return _normalize(input, weight, bias, stats=(m, v, xc), from_input=True, dims=dims, eps=eps,
                      param_shape=param_shape, param_dims=param_dims)
