"""Functional primitives of ``nn`` that are neither normalisation nor losses: dropout (element-
and channel-wise), embedding, one_hot and the vector similarities (normalize, cosine_similarity,
pairwise_distance)."""

from __future__ import annotations

__all__ = [
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "alpha_dropout",
    "embedding",
    "one_hot",
    "normalize",
    "cosine_similarity",
    "pairwise_distance",
]

import math
import warnings

from .._numpy import np
from ..autograd.function import Op
from ..random import bernoulli_
from ._util import Tensor, _wrap, add_rows_at, norm_dim, shape_str
from .comparison import clamp_min
from .moments import norm
from .reduction import sum

# --- dropout -------------------------------------------------------------------------------------


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input: Tensor, shape: tuple, p: float) -> Tensor:
    """``bernoulli(1 - p) / (1 - p)`` of ``shape`` in ``input``'s dtype: drawn as PyTorch draws
    it (``empty(shape).bernoulli_(1 - p)``), so the same seed drops the same elements."""
    d = input._data
    # like empty_like, a full-size mask takes the input's memory layout: the draws fill it in memory order
    keep = _wrap(np.empty_like(d) if shape == d.shape else np.empty(shape, d.dtype))
    bernoulli_(keep, 1.0 - p)
    keep._data /= 1.0 - p
    return keep


def _apply_mask(input: Tensor, shape: tuple, p: float, inplace: bool) -> Tensor:
    if p == 1.0:
        mask = _wrap(np.zeros(shape, input._data.dtype))
    else:
        mask = _keep_mask(input, shape, p)
    return input.mul_(mask) if inplace else input * mask


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the others by ``1 / (1 - p)``; the
    identity when not ``training``."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    return _apply_mask(input, input._data.shape, p, inplace)


def _feature_dropout(input: Tensor, p: float, inplace: bool, batched: bool) -> Tensor:
    """Zero whole channels: one draw per (sample, channel), or per channel when not ``batched``."""
    shape = input._data.shape
    lead = 2 if batched else 1
    mask_shape = shape[:lead] + (1,) * (len(shape) - lead)
    return _apply_mask(input, mask_shape, p, inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) input with probability ``p``."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that dropout1d exists to "
            "provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an "
            "optional batch dimension (i.e. 2D or 3D inputs)."
        )
    if not training or p == 0.0:
        return input
    return _feature_dropout(input, p, inplace, batched=nd == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) or (C, H, W) input with probability ``p``. Like PyTorch,
    3D input is taken as (N, C, L) (with a warning)."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will result in an error "
            "in a future release. To retain the behavior and silence this warning, please use dropout instead. "
            "Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial dimensions, a "
            "channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            UserWarning,
            stacklevel=2,
        )
    if nd == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is "
            "desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will "
            "change in a future release to interpret the input as one without a batch dimension, i.e. shape "
            "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d "
            "instead.",
            UserWarning,
            stacklevel=2,
        )
    if nd < 2:
        raise RuntimeError(f"dropout2d: expected an input of at least 2 dims, got {shape_str(input._data.shape)}")
    if not training or p == 0.0:
        return input
    return _feature_dropout(input, p, inplace, batched=True)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability ``p``."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {nd}-D input to dropout3d, which is deprecated and will result in an error "
            "in a future release. To retain the behavior and silence this warning, please use dropout instead. "
            "Note that dropout3d exists to provide channel-wise dropout on inputs with 3 spatial dimensions, a "
            "channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).",
            UserWarning,
            stacklevel=2,
        )
    if nd < 1:
        raise RuntimeError("dropout3d: expected an input of at least 1 dim, got a 0-dim tensor")
    if not training or p == 0.0:
        return input
    return _feature_dropout(input, p, inplace, batched=nd == 5)


# SELU's constants: alpha_dropout keeps a SELU network's activations at mean 0 and variance 1
_SELU_ALPHA_SCALED = 1.7580993408473766


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped elements become SELU's negative saturation value, and an
    affine map restores the input's mean and variance."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        mask = _wrap(np.zeros(input._data.shape, input._data.dtype))
        return input.mul_(mask) if inplace else input * mask
    keep = _wrap(np.empty_like(input._data))
    bernoulli_(keep, 1.0 - p)
    a = 1.0 / math.sqrt((_SELU_ALPHA_SCALED**2 * p + 1) * (1 - p))
    k = keep._data
    shift = _wrap(((k - 1) * (_SELU_ALPHA_SCALED * a) + _SELU_ALPHA_SCALED * a * p).astype(k.dtype, copy=False))
    scale = _wrap((k * a).astype(k.dtype, copy=False))
    if inplace:
        return input.mul_(scale).add_(shift)
    return input * scale + shift


# --- embedding -------------------------------------------------------------------------------------


class Embedding(Op):
    """``weight[indices]``: rows of the table. The gradient adds each output row's gradient into
    its table row (``EmbeddingRowsAdd``)."""

    _release_attrs = ("indices", "coef")

    def forward(self, weight, *, indices, coef=None):
        self.indices, self.coef, self.num = indices, coef, weight._data.shape[0]
        return weight._data[indices]

    def backward(self, g):
        if self.coef is not None:
            g = g * _wrap(self.coef)
        return EmbeddingRowsAdd.apply(g, indices=self.indices, num=self.num)


class EmbeddingRowsAdd(Op):
    """A zero table of ``num`` rows with each row of ``rows`` added at its index (repeats add up)."""

    _release_attrs = ("indices",)

    def forward(self, rows, *, indices, num):
        self.indices = indices
        r = rows._data
        out = np.zeros((num,) + r.shape[indices.ndim:], r.dtype)
        add_rows_at(out, indices.reshape(-1), r.reshape((-1,) + r.shape[indices.ndim:]))
        return out

    def backward(self, g):
        return Embedding.apply(g, indices=self.indices)


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Look up the rows of ``weight`` at the integer ``input``. ``padding_idx``'s row gets no
    gradient; ``max_norm`` renormalises the looked-up rows of ``weight`` in place first."""
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        name = getattr(input, "dtype", idx.dtype)
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {name} instead (while checking arguments for embedding)"
        )
    if weight._data.ndim != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D, got shape {shape_str(weight._data.shape)}")
    num = weight._data.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            padding_idx += num
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise IndexError(f"index out of range in self (embedding: index {bad} for a table of {num} rows)")
    if max_norm is not None:
        _embedding_renorm(weight, idx, float(max_norm), float(norm_type))
    coef = None
    if padding_idx is not None or scale_grad_by_freq:
        coef = np.ones(idx.shape + (1,), weight._data.dtype)
        if scale_grad_by_freq:
            counts = np.bincount(idx.reshape(-1), minlength=num)
            coef[..., 0] /= counts[idx]
        if padding_idx is not None:
            coef[idx == padding_idx] = 0
    return Embedding.apply(weight, indices=idx, coef=coef)


def _embedding_renorm(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Scale the looked-up rows whose norm exceeds ``max_norm`` down to it, in place (no grad)."""
    w = weight._data
    rows = np.unique(idx)
    norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
    over = norms > max_norm
    if over.any():
        r = rows[over]
        w[r] *= (max_norm / (norms[over] + 1e-7))[:, None].astype(w.dtype)
        weight._bump()


# --- one_hot -------------------------------------------------------------------------------------


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot vectors of the class indices in ``tensor`` along a new last dim."""
    idx = tensor._data
    if idx.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    if idx.size:
        if idx.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if idx.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(idx.shape + (num_classes,), np.int64)
    np.put_along_axis(out, idx[..., None], 1, axis=-1)
    return _wrap(out)


# --- similarities ----------------------------------------------------------------------------------


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``."""
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported")
    denom = clamp_min(norm(input, p, dim, keepdim=True), eps)
    return input / denom


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim`` (broadcasting); each norm is
    clamped to at least ``eps``."""
    nd = max(x1._data.ndim, x2._data.ndim)
    try:
        np.broadcast_shapes(x1._data.shape, x2._data.shape)
    except ValueError:
        raise RuntimeError(
            f"cosine_similarity: x1 of shape {shape_str(x1._data.shape)} and x2 of shape "
            f"{shape_str(x2._data.shape)} do not broadcast"
        ) from None
    d = norm_dim(dim, nd, "cosine_similarity") - nd  # counted from the end: the inputs may differ in ndim
    n1 = clamp_min(norm(x1, 2, d, keepdim=True), eps)
    n2 = clamp_min(norm(x2, 2, d, keepdim=True), eps)
    return sum((x1 / n1) * (x2 / n2), d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dim."""
    nd = max(x1._data.ndim, x2._data.ndim)
    diff = x1 - x2 + eps
    if nd == 0:
        raise RuntimeError("pairwise_distance: expected inputs of at least 1 dim, got 0-dim tensors")
    return norm(diff, p, -1, keepdim=keepdim)


