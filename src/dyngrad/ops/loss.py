"""Loss functions of ``nn.functional``, with PyTorch's formulas, reductions and edge cases
(cross_entropy and nll_loss live in ``cross_entropy`` and are re-exported here).

The common ones are fused ops, one node each as in PyTorch (its grad_fn names), with their own
backward on arrays and a recorded one for higher orders: mse_loss, smooth_l1_loss and huber_loss
(``_PointwiseLoss``), binary_cross_entropy (the logs clamped at -100, the gradient kept finite at
0 and 1 as PyTorch's) and binary_cross_entropy_with_logits (``log(1 + exp(-x))`` stable for any
x). Unusual operands (broadcast, mixed dtypes, float16, a weight that requires grad) and the
other losses are compositions of dyngrad ops."""

from __future__ import annotations

__all__ = [
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "cosine_embedding_loss",
    "margin_ranking_loss",
    "triplet_margin_loss",
]

import warnings

from .._numpy import np
from ..autograd import grad_mode
from ..autograd.function import Op
from ._loss_args import _REDUCTIONS, _reduction
from ._util import Tensor, _wrap, shape_str
from .comparison import clamp_min, minimum, where
from .cross_entropy import cross_entropy, nll_loss
from .nn_misc import pairwise_distance
from .reduction import _add_reduce, _all_dims, _mean_array, sum
from .unary import _sigmoid_array


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _warn_size(input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). This will "
            "likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


def _weighted(loss: Tensor, weight, reduction: str, weighted_mean: bool) -> Tensor:
    """Scale ``loss`` elementwise by ``weight``; the mean is then ``sum(w * l) / sum(w)`` when
    ``weighted_mean`` (mse, l1) and the plain mean of ``w * l`` otherwise (huber), as in PyTorch."""
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != loss.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean" and weighted_mean:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def _reduce_entries(out: np.ndarray, reduction: str):
    """Per-entry losses reduced as Sum and Mean compute them."""
    if reduction == "none":
        return out
    dims = _all_dims(out.ndim)
    if reduction == "mean":
        return _mean_array(out, dims, False, out.size)
    return _add_reduce(out, dims, None, None, False)


class _PointwiseLoss(Op):
    """A loss of ``d = input - target`` entry by entry, reduced ('none', 'mean', 'sum'), for an
    input and a target of one shape and one float dtype: one node, as PyTorch's, where the
    composition made several. Subclasses give the per-entry loss and its derivative ``dl/dd``
    times ``g' = g / numel`` (mean) or ``g``, on arrays and (for a recorded backward) on
    tensors; the target's gradient is minus the input's."""

    _release_attrs = ("diff",)

    def forward(self, x, t, *, reduction, param=None):
        diff = np.subtract(x._data, t._data)
        self.param = param
        out = self.loss(diff)
        self.n = out.size
        out = _reduce_entries(out, reduction)
        if self.needs_input_grad:
            self.reduction, self.diff = reduction, diff
            self.save_for_backward(x, t)
        return out

    def backward(self, g):
        # the mean's gradient g / numel (none to divide when the input is empty: no entries)
        n = self.n if self.reduction == "mean" and self.n else None
        x, t = self.saved_tensors  # (checks that neither was modified in place since, as PyTorch)
        if grad_mode.enabled:  # the backward is being recorded: a function of input and target
            gx = self.recorded_grad(x - t, g, n)
        else:
            gx = _wrap(np.asarray(self.grad(self.diff, g._data, n)))  # (0-d operands: a scalar)
        need = self.needs_input_grad
        return (gx if need[0] else None), (-gx if need[1] else None)


class MseLoss(_PointwiseLoss):
    """``d ** 2``. Its gradient is the composition's (a subtraction, a square, a mean) to the
    bit: ``h + h`` with ``h = g' * d``."""

    def loss(self, d):
        return np.multiply(d, d)

    def grad(self, d, g, n):
        h = np.multiply(g / n if n else g, d)
        h += h
        return h

    def recorded_grad(self, d, g, n):
        h = (g / n if n else g) * d
        return h + h

    def name(self) -> str:
        return "MseLossBackward0"


class SmoothL1Loss(_PointwiseLoss):
    """``0.5 d**2 / beta`` where ``|d| < beta``, ``|d| - 0.5 beta`` elsewhere, with PyTorch's
    operation order: its values to the bit entry by entry, and its gradient, ``(d / beta) / numel
    * g`` inside (the mean's; ``(d / beta) * g`` for the others) and ``-/+ g / numel`` beyond."""

    def loss(self, d):
        beta = self.param
        a = np.abs(d)
        return np.where(a < beta, np.multiply(d, 0.5) * d / beta, a - 0.5 * beta)

    def grad(self, d, g, n):
        beta, inside = self.param, d / self.param
        if n:
            inside *= 1 / n
        scale = (1 / n) * g if n else g
        return np.where(d < -beta, -scale, np.where(d > beta, scale, inside * g))

    def recorded_grad(self, d, g, n):
        beta, inside = self.param, d / self.param
        scale = (1 / n) * g if n else g
        dd = d.detach()._data
        return where(_wrap(dd < -beta), -scale, where(_wrap(dd > beta), scale, (inside * (1 / n) if n else inside) * g))

    def name(self) -> str:
        return "SmoothL1LossBackward0"


class HuberLoss(_PointwiseLoss):
    """``0.5 d**2`` where ``|d| < delta``, ``delta (|d| - 0.5 delta)`` elsewhere, with PyTorch's
    operation order: its values to the bit entry by entry, and its gradient, ``d / numel * g``
    inside (the mean's; ``d * g`` for the others) and ``-/+ (delta / numel) * g`` beyond."""

    def loss(self, d):
        delta = self.param
        a = np.abs(d)
        return np.where(a < delta, np.multiply(d, 0.5) * d, (a - 0.5 * delta) * delta)

    def grad(self, d, g, n):
        delta = self.param
        beyond = self._scale(d.dtype.type, n) * g
        return np.where(d < -delta, -beyond, np.where(d > delta, beyond, (d * (1 / n) if n else d) * g))

    def recorded_grad(self, d, g, n):
        delta = self.param
        beyond = g * self._scale(g._data.dtype.type, n)
        dd = d.detach()._data
        return where(_wrap(dd < -delta), -beyond, where(_wrap(dd > delta), beyond, (d * (1 / n) if n else d) * g))

    def _scale(self, dtype, n):
        """``delta / numel`` (the mean's) as PyTorch rounds it: ``1 / numel`` and the product
        each in the input's dtype; ``delta`` for the other reductions."""
        return dtype(1 / n) * dtype(self.param) if n else self.param

    def name(self) -> str:
        return "HuberLossBackward0"


def _fusable(input, target, weight=None) -> bool:
    """Operands a ``_PointwiseLoss`` takes: tensors of one shape and one float32/64 dtype, no
    weight (broadcast or mixed operands, float16 and weights stay composed)."""
    return (weight is None and isinstance(input, Tensor) and isinstance(target, Tensor)
            and input._data.shape == target._data.shape and input._data.dtype == target._data.dtype
            and input._data.dtype.kind == "f" and input._data.dtype.itemsize >= 4)


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """The (optionally weighted) squared error ``(input - target) ** 2``, reduced."""
    reduction = _reduction(size_average, reduce, reduction)
    _warn_size(input, target)
    if _fusable(input, target, weight):
        return MseLoss.apply(input, target, reduction=reduction)
    diff = input - target
    return _weighted(diff * diff, weight, reduction, True)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """The (optionally weighted) absolute error ``|input - target|``, reduced."""
    reduction = _reduction(size_average, reduce, reduction)
    _warn_size(input, target)
    return _weighted((input - target).abs(), weight, reduction, True)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """``0.5 * d**2 / beta`` where ``|d| < beta``, ``|d| - 0.5 * beta`` elsewhere (``d = input - target``)."""
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _warn_size(input, target)
    if beta > 0 and _fusable(input, target):
        return SmoothL1Loss.apply(input, target, reduction=reduction, param=float(beta))
    diff = input - target
    z = diff.abs()
    if beta == 0:
        return _reduce(z, reduction)
    small = _wrap(z._data < beta)
    return _reduce(where(small, diff * 0.5 * diff / beta, z - 0.5 * beta), reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 * d**2`` where ``|d| < delta``, ``delta * (|d| - 0.5 * delta)`` elsewhere."""
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _warn_size(input, target)
    if _fusable(input, target, weight):
        return HuberLoss.apply(input, target, reduction=reduction, param=float(delta))
    diff = input - target
    z = diff.abs()
    small = _wrap(z._data < delta)
    loss = where(small, diff * 0.5 * diff, (z - 0.5 * delta) * delta)
    return _weighted(loss, weight, reduction, False)


# --- binary cross entropy ------------------------------------------------------------------------------


class BinaryCrossEntropy(Op):
    """``-(t * log(x) + (1 - t) * log(1 - x))`` elementwise, each log clamped at -100, times a
    constant ``weight`` (as PyTorch's, not differentiable), reduced: one node, PyTorch's
    BinaryCrossEntropyBackward0, with the values and gradients of the composition it replaced (the
    op, a product and a mean) to the bit. The input gradient ``g' (x - t) / max(x (1 - x), 1e-12)``
    stays finite at 0 and 1 as in PyTorch (``g'``: the reduction's gradient times the weight)."""

    _release_attrs = ("weight",)

    def forward(self, x, t, *, weight=None, reduction="none"):
        d, td = x._data, t._data
        with np.errstate(divide="ignore", invalid="ignore"):
            log_x = np.maximum(np.log(d), -100)
            log_1mx = np.maximum(np.log1p(-d), -100)
        out = -(td * log_x + (1 - td) * log_1mx)
        if weight is not None:
            out = out * weight
        self.n = out.size
        if self.needs_input_grad:
            self.weight, self.reduction = weight, reduction
            self.save_for_backward(x, t)
        return _reduce_entries(out, reduction)

    def backward(self, g):
        x, t = self.saved_tensors
        need = self.needs_input_grad
        n = self.n if self.reduction == "mean" and self.n else None
        if grad_mode.enabled:  # the backward is being recorded: a function of x, t and g
            if n:
                g = g / n
            if self.weight is not None:
                g = g * _wrap(self.weight)
            gx = g * (x - t) / clamp_min(x * (1 - x), 1e-12) if need[0] else None
            gt = g * ((-x).log1p() - x.log()) if need[1] else None
            return gx, gt
        gd = g._data / n if n else g._data
        if self.weight is not None:
            gd = gd * self.weight
        xd, td = x._data, t._data
        gx = gt = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if need[0]:
                gx = _wrap(np.asarray(gd * (xd - td) / np.maximum(xd * (1 - xd), 1e-12)))
            if need[1]:
                gt = _wrap(np.asarray(gd * (np.log1p(-xd) - np.log(xd))))
        return gx, gt


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """The binary cross entropy of probabilities ``input`` against ``target``, each element
    optionally rescaled by ``weight`` (broadcast to the input; a constant, as in PyTorch)."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) is "
            "deprecated. Please ensure they have the same size."
        )
    d = input._data
    if d.size and not ((d >= 0) & (d <= 1)).all():
        raise RuntimeError("all elements of input should be between 0 and 1")
    td = target._data
    if td.size and not ((td >= 0) & (td <= 1)).all():
        raise RuntimeError("all elements of target should be between 0 and 1")
    w = None
    if weight is not None:
        try:
            np.broadcast_to(weight._data, d.shape)
        except ValueError:
            raise RuntimeError(
                f"binary_cross_entropy: weight of shape {shape_str(weight.shape)} does not broadcast to the "
                f"input's shape {shape_str(input.shape)}"
            ) from None
        if weight.requires_grad and grad_mode.enabled:
            raise RuntimeError("The function 'binary_cross_entropy' is not differentiable with respect to "
                               "argument 'weight'. This input cannot have requires_grad True.")
        w = weight._data
    if d.dtype == td.dtype and d.dtype.kind == "f" and (w is None or w.dtype == d.dtype):
        return BinaryCrossEntropy.apply(input, target, weight=w, reduction=reduction)
    loss = BinaryCrossEntropy.apply(input, target)  # mixed dtypes: composed, as they promote
    return _reduce(loss * weight if weight is not None else loss, reduction)


class SoftplusNeg(Op):
    """``log(1 + exp(-x))``, exact and finite for every x; its gradient is ``sigmoid(x) - 1``."""

    def forward(self, x):
        d = x._data
        self.save_for_backward(x)
        return np.log1p(np.exp(-np.abs(d))) + np.maximum(-d, 0)

    def backward(self, g):
        (x,) = self.saved_tensors
        return g * (x.sigmoid() - 1)


class BinaryCrossEntropyWithLogits(Op):
    """``(1 - t) x + lw log(1 + exp(-x))`` with ``lw = (pos_weight - 1) t + 1`` (1 without a
    pos_weight), times a constant ``weight``, reduced: one node, PyTorch's
    BinaryCrossEntropyWithLogitsBackward0, with the values and gradients of the composition it
    replaced (``SoftplusNeg``, products, a sum, a mean) to the bit: ``g' (1 - t) + g' lw
    (sigmoid(x) - 1)`` for x and ``-g' x + g' log(1 + exp(-x)) (pos_weight - 1)`` for t."""

    _release_attrs = ("weight", "pos_weight", "softplus")

    def forward(self, x, t, *, weight=None, pos_weight=None, reduction="mean"):
        d, td = x._data, t._data
        softplus = np.log1p(np.exp(-np.abs(d))) + np.maximum(-d, 0)
        lw = None if pos_weight is None else (pos_weight - 1) * td + 1
        out = (1 - td) * d + (softplus if lw is None else lw * softplus)
        if weight is not None:
            out = out * weight
        self.n = out.size
        if self.needs_input_grad:
            self.weight, self.pos_weight, self.reduction = weight, pos_weight, reduction
            self.softplus = softplus if pos_weight is not None else None  # (t's gradient reads it)
            self.save_for_backward(x, t)
        return _reduce_entries(out, reduction)

    def backward(self, g):
        x, t = self.saved_tensors
        n = self.n if self.reduction == "mean" and self.n else None
        pw = self.pos_weight
        if grad_mode.enabled:  # the backward is being recorded: a function of x, t and g
            g = g / n if n else g
            g = g * _wrap(self.weight) if self.weight is not None else g
            lw = None if pw is None else _wrap(pw - 1) * t + 1
            gx = g * (1 - t) + (g if lw is None else g * lw) * (x.sigmoid() - 1)
            gt = -(g * x)
            if pw is not None:
                gt = gt + g * SoftplusNeg.apply(x) * _wrap(pw - 1)
        else:
            xd, td = x._data, t._data
            gd = g._data / n if n else g._data
            if self.weight is not None:
                gd = gd * self.weight
            lw = None if pw is None else (pw - 1) * td + 1
            gx = gd * (1 - td) + (gd if lw is None else gd * lw) * (_sigmoid_array(xd) - 1)
            gt = np.negative(gd * xd)
            if pw is not None:
                gt = gt + gd * self.softplus * (pw - 1)
            gx, gt = _wrap(np.asarray(gx)), _wrap(np.asarray(gt))
        need = self.needs_input_grad
        return (gx if need[0] else None), (gt if need[1] else None)


def _fit(shape: tuple, arrays: list) -> bool:
    """Whether ``arrays`` broadcast to ``shape`` without widening it."""
    try:
        return np.broadcast_shapes(shape, *(a.shape for a in arrays)) == shape
    except ValueError:
        return False


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """``binary_cross_entropy(sigmoid(input), target)`` computed stably from the logits;
    ``pos_weight`` scales the positive term (per class, broadcast along the last dim)."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    d = input._data
    consts = [v._data for v in (weight, pos_weight) if v is not None]
    if (d.dtype.kind == "f" and target._data.dtype == d.dtype
            and all(c.dtype == d.dtype for c in consts) and _fit(d.shape, consts)
            and not any(v is not None and v.requires_grad for v in (weight, pos_weight))):
        return BinaryCrossEntropyWithLogits.apply(
            input, target, weight=None if weight is None else weight._data,
            pos_weight=None if pos_weight is None else pos_weight._data, reduction=reduction)
    # mixed dtypes, a weight that requires grad, broadcasts the loss up or does not broadcast
    # (the composition's product raises the broadcast error): composed
    log1p_exp_neg = SoftplusNeg.apply(input)
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + log_weight * log1p_exp_neg
    else:
        loss = (1 - target) * input + log1p_exp_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# --- divergences and margin losses -----------------------------------------------------------------


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """``target * (log(target) - input)`` (``input`` holds log-probabilities; ``target`` too when
    ``log_target``); 'batchmean' divides the sum by the batch size, 'mean' by every element."""
    reduction = _reduction(size_average, reduce, reduction, _REDUCTIONS + ("batchmean",))
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            UserWarning,
            stacklevel=2,
        )
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # 0 * log(0) is 0: the log is taken of 1 where the target is not positive
        positive = target._data > 0
        safe = target if positive.all() else where(_wrap(positive), target, _wrap(np.ones((), target._data.dtype)))
        loss = target * (safe.log() - input)
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``target`` is 1, ``max(0, cos(x1, x2) - margin)`` where it is -1."""
    reduction = _reduction(size_average, reduce, reduction)
    if target._data.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.shape != input2.shape:
        raise RuntimeError(
            f"cosine_embedding_loss: input1 of shape {shape_str(input1.shape)} and input2 of shape "
            f"{shape_str(input2.shape)} must have the same shape"
        )
    if input1.ndim != target._data.ndim + 1:
        raise RuntimeError(
            f"{target._data.ndim}D target tensor expects {target._data.ndim + 1}D input tensors, but found inputs "
            f"with sizes {shape_str(input1.shape)} and {shape_str(input2.shape)}."
        )
    dim = input1.ndim - 1
    eps = 1e-12  # PyTorch's: added to each squared magnitude
    dot = sum(input1 * input2, dim)
    mag = ((sum(input1 * input1, dim) + eps) * (sum(input2 * input2, dim) + eps)).sqrt()
    cos = dot / mag
    t = target._data
    zero = _wrap(np.zeros((), cos._data.dtype))
    loss = where(_wrap(t == 1), 1 - cos, zero) + where(_wrap(t == -1), clamp_min(cos - margin, 0), zero)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``: input1 should rank above input2 where
    target is 1, below where it is -1."""
    reduction = _reduction(size_average, reduce, reduction)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {shape_str(input1.shape)}, input2: {shape_str(input2.shape)}, target: {shape_str(target.shape)} "
        )
    return _reduce(clamp_min(-target * (input1 - input2) + margin, 0), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``d`` the pairwise p-norm distance; ``swap``
    uses ``min(d(a, n), d(p, n))`` as the negative distance."""
    reduction = _reduction(size_average, reduce, reduction)
    nd = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(nd)) != 1:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but "
            f"got: anchor {nd[0]}D, positive {nd[1]}D, and negative {nd[2]}D inputs"
        )
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(clamp_min(margin + d_pos - d_neg, 0), reduction)


