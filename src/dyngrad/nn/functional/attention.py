"""Attention functionals of ``nn.functional``: ``scaled_dot_product_attention``."""

from __future__ import annotations

import math

from ..._numpy import np
from ...ops import linalg as _linalg
from ...ops import scatter as _scatter
from ...ops import softmax as _softmax
from ...tensor import Tensor, _wrap

__all__ = ["scaled_dot_product_attention"]


def _bias_from_mask(mask: Tensor, dtype: np.dtype, keep_is_true: bool):
    """A bool mask becomes an additive constant array (0 or -inf); a float mask is added as is
    (it may require grad). ``keep_is_true``: True marks the allowed positions (SDPA's convention)
    rather than the masked ones (MultiheadAttention's)."""
    m = mask._data
    if m.dtype == np.bool_:
        blocked = ~m if keep_is_true else m
        return np.where(blocked, dtype.type(-np.inf), dtype.type(0))
    if m.dtype.kind != "f":
        raise RuntimeError(f"attention: expected a bool or floating point attn_mask, got dtype {mask.dtype}")
    return mask


def _add_bias(scores: Tensor, bias, zero_dead_rows: bool = True) -> tuple:
    """``scores + bias``, with rows whose bias is -inf everywhere made finite (they are zeroed
    after the softmax): a fully masked query then attends to nothing, as PyTorch's SDPA, and its
    gradient stays finite."""
    data = bias._data if isinstance(bias, Tensor) else bias
    dead = np.isneginf(data).all(-1, keepdims=True) if zero_dead_rows and data.shape[-1] else None
    if dead is None or not dead.any():
        return scores + (bias if isinstance(bias, Tensor) else _wrap(bias)), None
    if isinstance(bias, Tensor):
        bias = _scatter.masked_fill(bias, _wrap(dead), 0.0)
    else:
        bias = _wrap(np.where(dead, data.dtype.type(0), data))
    return scores + bias, dead


def attention_weights(query: Tensor, key: Tensor, bias, scale: float, zero_dead_rows: bool = True) -> Tensor:
    """``softmax(query @ key^T * scale + bias)`` over the last dim; fully masked rows give zeros
    (SDPA) or, with ``zero_dead_rows=False``, NaN (MultiheadAttention's need_weights path)."""
    scores = _linalg.matmul(query, key.transpose(-2, -1)) * scale
    dead = None
    if bias is not None:
        scores, dead = _add_bias(scores, bias, zero_dead_rows)
    weights = _softmax.softmax(scores, -1)
    if dead is not None:
        weights = _scatter.masked_fill(weights, _wrap(dead), 0.0)
    return weights


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(Q K^T * scale + mask) V`` over the last two dims (``(..., L, E)``, ``(..., S, E)``,
    ``(..., S, Ev)`` -> ``(..., L, Ev)``). A bool ``attn_mask`` marks the positions that MAY be
    attended (True); a float one is added to the scores. ``is_causal`` masks the upper triangle.
    ``dropout_p`` applies to the attention weights whenever it is > 0 (there is no training flag)."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            "scaled_dot_product_attention: expected query, key and value to be at least 2-D, got "
            f"query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim}"
        )
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            "scaled_dot_product_attention: expected query, key and value to have the same dtype, got "
            f"query.dtype: {query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype}"
        )
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"scaled_dot_product_attention: query {list(query.shape)} and key {list(key.shape)} must share their "
            f"last dim, and key and value {list(value.shape)} their sequence dim (-2)"
        )
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        groups = query.shape[-3] // key.shape[-3]
        key = _repeat_heads(key, groups)
        value = _repeat_heads(value, groups)
    dt = query._data.dtype
    length, source = query.shape[-2], key.shape[-2]
    bias = None
    if is_causal:
        bias = np.triu(np.full((length, source), -np.inf, dt), 1)
    elif attn_mask is not None:
        bias = _bias_from_mask(attn_mask, dt, keep_is_true=True)
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    weights = attention_weights(query, key, bias, factor)
    if dropout_p > 0.0:
        from .. import functional  # the package's dropout (wherever it is defined)

        weights = functional.dropout(weights, dropout_p, True)
    return _linalg.matmul(weights, value)


def _repeat_heads(t: Tensor, groups: int) -> Tensor:
    """``repeat_interleave(groups, dim=-3)`` by expand + reshape."""
    shape = tuple(t.shape)
    expanded = t.unsqueeze(-3).expand(*shape[:-2], groups, *shape[-2:])
    return expanded.reshape(*shape[:-3], shape[-3] * groups, *shape[-2:])
