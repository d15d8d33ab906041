"""The classification losses over class scores: ``cross_entropy`` and ``nll_loss``.

cross_entropy is fused: log_softmax and the target weighting in one op whose gradient is
``softmax - target`` (``SoftmaxCrossEntropyIndex`` for class-index targets, a gather instead of a
dense one-hot product; ``SoftmaxCrossEntropy`` for probability targets and label smoothing).
nll_loss is one op too (``NllLossIndex``), with the values and gradients of its composition (a
gather, a product, a sum and a division) to the bit."""

from __future__ import annotations

__all__ = ["cross_entropy", "nll_loss"]

from .._numpy import np
from ..autograd import grad_mode
from ..autograd.function import Op
from ._loss_args import _reduction
from ._util import Tensor, _wrap, shape_str
from .reduction import sum
from .scatter import ScatterAdd
from .softmax import _row_blocks, _shifted_exp, log_softmax, softmax


def _reduce_array(per: np.ndarray, reduction: str, denom) -> np.ndarray:
    """The fused cross-entropies' per-target losses reduced: as they are, summed, or summed / denom."""
    if reduction == "none":
        return per
    total = np.add.reduce(per, axis=None)  # the ufunc method: np.sum's wrapper costs ~1 µs a call
    return total / denom if reduction == "mean" else total


def _per_row_grad(g, reduction: str, denom, per_target: bool = False):
    """The loss gradient (a Tensor, or its array when no graph is recorded) as a factor per
    (N, 1, d1, ...) row of the input (``per_target``: per (N, d1, ...) target): the adjoint of
    ``_reduce_array``."""
    if reduction == "none":
        return g if per_target else g[:, None]
    if reduction == "mean":  # every target ignored (denom 0): PyTorch's gradient is 0, not g / 0
        return g / denom if denom else g * 0.0
    return g


class SoftmaxCrossEntropy(Op):
    """``-sum_c q[:, c] * log_softmax(x)[:, c]`` over the class dim 1, reduced: ``q`` holds the
    target distribution with the class weights, label smoothing and ignored targets folded in,
    so one backward serves every variant: ``dx = g * (softmax(x) * sum_c q - q)``."""

    _release_attrs = ("logp",)

    def forward(self, x, q, *, reduction, denom):
        d = x._data
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            shifted = d - np.max(d, axis=1, keepdims=True) if d.size else d
            logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
            out = _reduce_array(-np.sum(q._data * logp, axis=1), reduction, denom)
        if self.needs_input_grad:
            self.reduction, self.denom, self.logp = reduction, denom, logp
            self.save_for_backward(x, q)
        return np.asarray(out, d.dtype)

    def backward(self, g):
        x, q = self.saved_tensors
        g = _per_row_grad(g, self.reduction, self.denom)
        if grad_mode.enabled:  # the backward is being recorded: make it a function of x
            logp, p = log_softmax(x, 1), softmax(x, 1)
        else:
            logp = _wrap(self.logp)
            p = _wrap(np.exp(self.logp))
        need = self.needs_input_grad
        gx = g * (p * sum(q, 1, True) - q) if need[0] else None
        gq = -g * logp if need[1] else None
        return gx, gq

    def name(self) -> str:
        return "LogSoftmaxBackward0"


class SoftmaxCrossEntropyIndex(Op):
    """The class-index case of ``SoftmaxCrossEntropy`` without label smoothing: the loss of each
    target is ``-wt * log_softmax(x)[n, t]`` (``wt`` = class weight of the target, 0 where
    ignored), read with a gather instead of a dense one-hot product. Forward makes one buffer
    ``exp(x - max)`` and keeps it with its row sums; the first-order backward is
    ``g * wt * (softmax - onehot)`` in NumPy. A recorded backward (create_graph) uses the
    dyngrad formula of ``SoftmaxCrossEntropy`` so that it can be differentiated again."""

    _release_attrs = ("at", "exp", "sums", "wt")

    @staticmethod
    def _exp_rows(d: np.ndarray) -> tuple:
        """``(row max, exp(d - row max), its row sums)`` over the class dim 1, in one buffer,
        a block of rows at a time over large inputs (see ``_row_blocks``)."""
        blocks = _row_blocks(d, 1)
        if blocks is None:
            return _shifted_exp(d, 1)
        kept = d.shape[:1] + (1,) + d.shape[2:]
        row_max, e, sums = np.empty(kept, d.dtype), np.empty(d.shape, d.dtype), np.empty(kept, d.dtype)
        for b in blocks:
            _shifted_exp(d[b], 1, row_max[b], e[b], sums[b])
        return row_max, e, sums

    def forward(self, x, *, safe, wt, reduction, denom):
        d = x._data
        row_max, e, sums = self._exp_rows(d)
        at = _target_index(safe)
        # log_softmax at the targets only: (x_t - max) - log(sum exp(x - max)); the row stats
        # (N, 1, d1, ...) hold one value per target position: [:, 0] lines them up, no gather
        logp_t = (d[at] - row_max[:, 0]) - np.log(sums[:, 0])
        out = _reduce_array(-(wt * logp_t) if wt is not None else np.negative(logp_t), reduction, denom)
        if self.needs_input_grad:
            self.reduction, self.denom, self.wt = reduction, denom, wt
            self.exp, self.sums, self.at = e, sums, at
            self.save_for_backward(x)
        return np.asarray(out, d.dtype)

    def backward(self, g):
        (x,) = self.saved_tensors
        dt = x._data.dtype
        wt = np.expand_dims(self.wt, 1) if self.wt is not None else None
        if grad_mode.enabled:  # the backward is being recorded: make it a function of x
            g = _per_row_grad(g, self.reduction, self.denom)
            q = np.zeros(x._data.shape, dt)
            q[self.at] = self.wt if wt is not None else 1
            p = softmax(x, 1)
            return g * ((p * _wrap(wt) if wt is not None else p) - _wrap(q))
        gd = _per_row_grad(g._data, self.reduction, self.denom)
        # g * wt * softmax, then g * wt subtracted at the targets; written over the exp buffer,
        # which a second backward (retain_graph) then recomputes
        e, sums = self.exp, self.sums
        if e is None:
            _, e, sums = self._exp_rows(x._data)
        self.exp = None
        scale = np.asarray(gd * wt if wt is not None else gd, dt)
        gx = np.multiply(e, scale / sums, out=e)
        gx[self.at] -= scale[:, 0] if scale.ndim else scale
        return _wrap(gx)

    def name(self) -> str:  # PyTorch's top node here (its log_softmax node below it is fused in)
        return "NllLossBackward0"


def _target_index(safe: np.ndarray) -> tuple:
    """Index tuple into (N, C, d1, ...) picking class ``safe[n, d1, ...]`` at each position."""
    if safe.ndim == 1:
        return np.arange(safe.shape[0]), safe
    grids = np.indices(safe.shape, sparse=True)
    return (grids[0], safe, *grids[1:])


def _class_targets(input: Tensor, target: Tensor, weight, ignore_index: int, op: str,
                   unweighted_ok: bool = False) -> tuple:
    """Check class-index targets against (N, C, d1, ...) input; returns ``(safe targets, per-target
    weights (0 where ignored), number of classes)``, targets as arrays shaped (N, d1, ...). With
    ``unweighted_ok`` the weights are None when they would all be 1."""
    xs, t = input._data.shape, target._data
    if t.dtype.kind not in "iu" or t.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target.dtype}")
    if len(xs) == 0:
        raise ValueError(f"{op}: expected an input of 1 or more dims (C) or (N, C, ...), got a 0-dim tensor")
    c = xs[1] if len(xs) > 1 else xs[0]
    if len(xs) <= 2:
        if t.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if len(xs) == 2 and t.shape[:1] != xs[:1]:
            raise ValueError(f"Expected input batch_size ({xs[0]}) to match target batch_size ({t.shape[0] if t.ndim else 1}).")
        if len(xs) == 1 and t.ndim != 0:
            raise RuntimeError(f"{op}: unbatched input of shape {shape_str(xs)} expects a 0-dim target, got {shape_str(t.shape)}")
    elif t.shape != xs[:1] + xs[2:]:
        raise RuntimeError(f"Expected target size {shape_str(xs[:1] + xs[2:])}, got {shape_str(t.shape)}")
    if weight is not None and (weight._data.ndim != 1 or weight._data.shape[0] != c):
        raise RuntimeError(
            f"weight tensor should be defined either for all {c} classes or no classes but got weight tensor "
            f"of shape: {shape_str(weight._data.shape)}"
        )
    t = t.astype(np.int64, copy=False)
    if unweighted_ok and weight is None and t.size and not 0 <= ignore_index < c:
        # every target a class (viewed unsigned, a negative one is past any c: one reduction),
        # so none is ignored: weight 1 everywhere
        if np.maximum.reduce(t.view(np.uint64), axis=None) < c:
            return t, None, c
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= c))
    if bad.any():
        raise IndexError(f"{op}: target {int(t[bad].flat[0])} is out of bounds for {c} classes")
    safe = np.where(valid, t, 0)
    dt = input._data.dtype
    wt = weight._data.astype(dt, copy=False)[safe] * valid if weight is not None else valid.astype(dt)
    return safe, wt, c


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """``nll_loss(log_softmax(input, 1), target)`` with class-index or class-probability targets,
    class weights, ``ignore_index`` and ``label_smoothing`` (mixing in the uniform distribution)."""
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    x = input
    unbatched = x._data.ndim == 1
    if unbatched:
        x = x.unsqueeze(0)
    dt = x._data.dtype
    if dt.kind != "f":
        raise RuntimeError(f"cross_entropy: expected a floating point input, got {input.dtype}")
    eps = float(label_smoothing)
    if target._data.dtype.kind == "f":
        if target.shape != input.shape:
            raise RuntimeError(
                f"cross_entropy: probability targets must have the input's shape {shape_str(input.shape)}, "
                f"got {shape_str(target.shape)}"
            )
        if ignore_index != -100:
            raise RuntimeError("ignore_index is not supported for floating point target")
        c = x._data.shape[1]
        if weight is not None and (weight._data.ndim != 1 or weight._data.shape[0] != c):
            raise RuntimeError(
                f"weight tensor should be defined either for all {c} classes or no classes but got weight "
                f"tensor of shape: {shape_str(weight._data.shape)}"
            )
        q = target.unsqueeze(0) if unbatched else target
        if q._data.dtype != dt:
            q = q.to(input.dtype)
        if eps:
            q = q * (1 - eps) + eps / c
        if weight is not None:
            q = q * weight.detach().to(input.dtype).reshape((1, c) + (1,) * (x._data.ndim - 2))
        denom = x._data.size // c if c else 0
    else:
        t = target.reshape(1) if unbatched else target
        safe, wt, c = _class_targets(x, t, weight, ignore_index, "cross_entropy", not eps)
        if not eps and x._data.size:
            denom = wt.sum() if wt is not None else safe.size
            out = SoftmaxCrossEntropyIndex.apply(x, safe=safe, wt=wt, reduction=reduction, denom=denom)
            return out.squeeze(0) if unbatched and reduction == "none" else out
        qa = np.zeros(x._data.shape, dt)
        if eps:
            w_c = weight._data.astype(dt, copy=False) if weight is not None else np.ones(c, dt)
            valid = (wt != 0) if weight is None else (t._data != ignore_index)
            shape = (1, c) + (1,) * (x._data.ndim - 2)
            qa += (eps / c) * w_c.reshape(shape) * np.expand_dims(valid, 1)
        picked = np.take_along_axis(qa, safe[:, None], 1) + ((1 - eps) * wt)[:, None]
        np.put_along_axis(qa, safe[:, None], picked, 1)
        q = _wrap(qa)
        denom = wt.sum()
    out = SoftmaxCrossEntropy.apply(x, q, reduction=reduction, denom=denom)
    return out.squeeze(0) if unbatched and reduction == "none" else out


class NllLossIndex(Op):
    """``-wt * x[n, t]`` for log-probabilities x (N, C, d1, ...) and class-index targets, reduced:
    one node, PyTorch's NllLossBackward0, where the composition made four. The gradient is
    ``-g' * wt`` added at the targets to zeros (``g'`` the reduction's gradient), as the
    composition's gather backward adds it: an ignored target (wt 0) leaves +0."""

    _release_attrs = ("at", "wt", "safe")

    def forward(self, x, *, safe, wt, reduction, denom):
        d = x._data
        at = _target_index(safe)
        per = d[at] * -wt if wt is not None else np.negative(d[at])
        if reduction == "mean" and not denom:  # every target ignored: 0 / 0, a nan as PyTorch's
            with np.errstate(invalid="ignore"):
                out = _reduce_array(per, reduction, denom)
        else:
            out = _reduce_array(per, reduction, denom)
        if self.needs_input_grad:
            self.shape, self.safe, self.at, self.wt = d.shape, safe, at, wt
            self.reduction, self.denom = reduction, denom
        return np.asarray(out, d.dtype)

    def backward(self, g):
        wt, zeros = self.wt, np.zeros(self.shape, g._data.dtype)
        if grad_mode.enabled:  # the backward is being recorded: a function of g
            rows = _per_row_grad(g, self.reduction, self.denom, per_target=True)
            rows = rows * _wrap(-wt) if wt is not None else -rows
            if rows.ndim != len(self.shape) - 1:
                rows = rows.expand(*self.safe.shape)
            return ScatterAdd.apply(_wrap(zeros), rows.unsqueeze(1), index=self.safe[:, None], dim=1)
        rows = _per_row_grad(g._data, self.reduction, self.denom, per_target=True)
        zeros[self.at] += rows * -wt if wt is not None else np.negative(rows)
        return _wrap(zeros)

    def name(self) -> str:
        return "NllLossBackward0"


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``-weight[t] * input[n, t]`` for log-probability ``input`` (N, C, d1, ...) and class-index
    targets; the mean divides by the summed weights of the targets not ignored."""
    reduction = _reduction(size_average, reduce, reduction)
    x, t = input, target
    unbatched = x._data.ndim == 1
    if unbatched:
        x, t = x.unsqueeze(0), t.reshape(1)
    if x._data.dtype.kind == "f" and x._data.size:
        safe, wt, _ = _class_targets(x, t, weight, ignore_index, "nll_loss", True)
        denom = (wt.sum() if wt is not None else safe.size) if reduction == "mean" else None
        out = NllLossIndex.apply(x, safe=safe, wt=wt, reduction=reduction, denom=denom)
        return out.squeeze(0) if unbatched and reduction == "none" else out
    safe, wt, _ = _class_targets(x, t, weight, ignore_index, "nll_loss")
    picked = x.gather(1, _wrap(safe[:, None])).squeeze(1)
    loss = picked * _wrap(-wt)
    if reduction == "none":
        return loss.squeeze(0) if unbatched else loss
    total = loss.sum()
    if reduction != "mean":
        return total
    denom = wt.sum()
    if denom == 0:  # every target ignored: PyTorch's loss is 0/0 = nan, its gradient 0
        return total + float("nan")
    return total / _wrap(np.asarray(denom, wt.dtype))
