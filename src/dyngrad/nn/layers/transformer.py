"""Attention layers: MultiheadAttention, TransformerEncoderLayer and TransformerEncoder, with
PyTorch's parameter names, initialisation, masks and shapes."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

from ... import creation
from ..._numpy import np
from ...ops import join as _join
from ...ops import linalg as _linalg
from ...ops import normalization as _norm
from ...tensor import Tensor, _wrap
from .. import functional as F
from .. import init
from ..functional.attention import _bias_from_mask, attention_weights, scaled_dot_product_attention
from ..module import Module
from ..parameter import Parameter
from .container import ModuleList
from .linear import Linear

__all__ = ["MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder"]


class _LayerNorm(Module):
    """Stand-in for ``nn.LayerNorm`` (used only while dyngrad.nn has none): same parameter names."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        factory = {"device": device, "dtype": dtype}
        weight = Parameter(creation.ones(shape, **factory)) if elementwise_affine else None
        self.register_parameter("weight", weight)
        self.register_parameter("bias", Parameter(creation.zeros(shape, **factory)) if elementwise_affine and bias
                                else None)

    def forward(self, input: Tensor) -> Tensor:
        return _norm.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class _Dropout(Module):
    """Stand-in for ``nn.Dropout`` (used only while dyngrad.nn has none)."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


def _layer(name: str, fallback: type) -> type:
    from .. import layers

    return getattr(layers, name, fallback)


def _check_mask_dtype(mask, name: str) -> None:
    if mask is not None and mask._data.dtype != np.bool_ and mask._data.dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of {name} are supported")


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of ``embed_dim // num_heads`` features each.

    ``forward(query, key, value)`` takes ``(L, N, E)`` / ``(S, N, kdim)`` / ``(S, N, vdim)`` (batch
    first with ``batch_first``, or unbatched 2-D) and returns ``(attn_output, attn_weights)``; the
    weights are averaged over heads unless ``average_attn_weights=False``, None when
    ``need_weights=False``. Bool masks mark the positions NOT allowed (True); float masks are added."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None, dtype=None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and num_heads={num_heads} "
                "instead"
            )
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(creation.empty((3 * embed_dim, embed_dim), **factory))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = Parameter(creation.empty((embed_dim, embed_dim), **factory))
            self.k_proj_weight = Parameter(creation.empty((embed_dim, self.kdim), **factory))
            self.v_proj_weight = Parameter(creation.empty((embed_dim, self.vdim), **factory))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(creation.empty(3 * embed_dim, **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, **factory)
        if add_bias_kv:
            self.bias_k = Parameter(creation.empty((1, 1, embed_dim), **factory))
            self.bias_v = Parameter(creation.empty((1, 1, embed_dim), **factory))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        # PyTorch's order: out_proj was initialised (kaiming) when built, then these
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def __setstate__(self, state: dict) -> None:
        state.setdefault("_qkv_same_embed_dim", True)
        super().__setstate__(state)

    # --- forward ---
    def _check_inputs(self, query: Tensor, key: Tensor, value: Tensor) -> bool:
        for name, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor):
                raise self._input_error(f"expected {name} to be a Tensor, got {type(t).__name__}", TypeError)
        if query.ndim not in (2, 3):
            raise self._input_error(
                f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query tensor",
                AssertionError,
            )
        if key.ndim != query.ndim or value.ndim != query.ndim:
            raise self._input_error(
                f"For {'batched (3-D)' if query.ndim == 3 else 'unbatched (2-D)'} `query`, expected `key` and "
                f"`value` to be {query.ndim}-D but found {key.ndim}-D and {value.ndim}-D tensors respectively",
                AssertionError,
            )
        if query.shape[-1] != self.embed_dim:
            raise self._input_error(
                f"was expecting embedding dimension of {self.embed_dim}, but got {query.shape[-1]}", AssertionError
            )
        if key.shape[-1] != self.kdim or value.shape[-1] != self.vdim:
            raise self._input_error(
                f"expected key with {self.kdim} and value with {self.vdim} features, got key shape "
                f"{list(key.shape)} and value shape {list(value.shape)}",
                AssertionError,
            )
        if key.shape[:-1] != value.shape[:-1]:
            raise self._input_error(
                f"key shape {list(key.shape)} does not match value shape {list(value.shape)}", AssertionError
            )
        return query.ndim == 3

    def _project(self, query: Tensor, key: Tensor, value: Tensor) -> tuple:
        e = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else _join.chunk(b, 3)
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            if query is key and key is value:  # self-attention: one matmul for q, k and v
                return _join.chunk(_linalg.linear(query, w, b), 3, -1)
            wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return _linalg.linear(query, wq, bq), _linalg.linear(key, wk, bk), _linalg.linear(value, wv, bv)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple:
        batched = self._check_inputs(query, key, value)
        _check_mask_dtype(key_padding_mask, "key_padding_mask")
        _check_mask_dtype(attn_mask, "attn_mask")
        if is_causal and attn_mask is None:
            raise RuntimeError(
                "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
                "`generate_square_subsequent_mask` to create this mask."
            )
        if batched and self.batch_first:
            same_kv = key is value
            same_qk = query is key
            query = query.transpose(0, 1)
            key = query if same_qk else key.transpose(0, 1)
            value = key if same_kv else value.transpose(0, 1)
        if not batched:
            same_qk, same_kv = query is key, key is value
            query = query.unsqueeze(1)
            key = query if same_qk else key.unsqueeze(1)
            value = key if same_kv else value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        tgt_len, bsz, e = query.shape
        heads, hd = self.num_heads, self.head_dim
        q, k, v = self._project(query, key, value)
        if self.bias_k is not None:
            k = _join.cat([k, self.bias_k.expand(1, bsz, e)])
            v = _join.cat([v, self.bias_v.expand(1, bsz, e)])
        dt = q._data.dtype
        bias = self._mask_bias(attn_mask, key_padding_mask, tgt_len, bsz, k.shape[0], dt)
        # (L, N, E) -> (N * heads, L, head_dim)
        q = q.reshape(tgt_len, bsz * heads, hd).transpose(0, 1)
        k = k.reshape(k.shape[0], bsz * heads, hd).transpose(0, 1)
        v = v.reshape(v.shape[0], bsz * heads, hd).transpose(0, 1)
        if self.add_zero_attn:
            zeros = _wrap(np.zeros((bsz * heads, 1, hd), dt))
            k = _join.cat([k, zeros], 1)
            v = _join.cat([v, zeros], 1)
            if bias is not None:
                bias = _pad_last(bias)
        src_len = k.shape[1]
        p = self.dropout if self.training else 0.0
        if need_weights:
            weights = attention_weights(q, k, bias, 1.0 / math.sqrt(hd), zero_dead_rows=False)
            if p > 0.0:
                weights = F.dropout(weights, p, True)
            out = _linalg.bmm(weights, v)
        else:
            weights = None
            b4 = None if bias is None else _view_heads(bias, bsz, heads, tgt_len, src_len)
            out = scaled_dot_product_attention(
                q.reshape(bsz, heads, tgt_len, hd), k.reshape(bsz, heads, src_len, hd),
                v.reshape(bsz, heads, src_len, hd), attn_mask=b4, dropout_p=p,
            ).reshape(bsz * heads, tgt_len, hd)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, e)
        out = self.out_proj(out).reshape(tgt_len, bsz, e)
        if weights is not None:
            weights = weights.reshape(bsz, heads, tgt_len, src_len)
            if average_attn_weights:
                weights = weights.mean(1)
        if not batched:
            return out.squeeze(1), (weights.squeeze(0) if weights is not None else None)
        if self.batch_first:
            out = out.transpose(0, 1)
        return out, weights

    def _mask_bias(self, attn_mask, key_padding_mask, tgt_len: int, bsz: int, src_len: int, dt: np.dtype):
        """The additive mask: ``(L, S)`` or ``(N * heads, L, S)`` (array or float Tensor), or None."""
        bias = None
        if attn_mask is not None:
            if attn_mask.ndim == 2:
                if tuple(attn_mask.shape) != (tgt_len, src_len - (self.bias_k is not None)):
                    raise self._input_error(
                        f"The shape of the 2D attn_mask is {list(attn_mask.shape)}, but should be "
                        f"({tgt_len}, {src_len - (self.bias_k is not None)})."
                    )
            elif attn_mask.ndim == 3:
                want = (bsz * self.num_heads, tgt_len, src_len - (self.bias_k is not None))
                if tuple(attn_mask.shape) != want:
                    raise self._input_error(
                        f"The shape of the 3D attn_mask is {list(attn_mask.shape)}, but should be {want}."
                    )
            else:
                raise self._input_error(f"attn_mask's dimension {attn_mask.ndim} is not supported")
            bias = _as_float(_bias_from_mask(attn_mask, dt, keep_is_true=False), dt)
            if self.bias_k is not None:
                bias = _pad_last(bias)
        if key_padding_mask is not None:
            want = src_len - (self.bias_k is not None)
            if key_padding_mask.ndim != 2 or tuple(key_padding_mask.shape) != (bsz, want):
                raise self._input_error(
                    f"expected key_padding_mask of shape {[bsz, want]}, got {list(key_padding_mask.shape)}",
                    AssertionError,
                )
            pad = _as_float(_bias_from_mask(key_padding_mask, dt, keep_is_true=False), dt)
            if self.bias_k is not None:
                pad = _pad_last(pad)
            # (N, S) -> (N * heads, 1, S)
            pad = pad.reshape(bsz, 1, 1, src_len).expand(bsz, self.num_heads, 1, src_len)
            pad = pad.reshape(bsz * self.num_heads, 1, src_len)
            bias = pad if bias is None else bias + pad
        return bias


def _as_float(x, dt: np.dtype) -> Tensor:
    """A mask bias as a tensor of the query's dtype (a float mask of another dtype is cast)."""
    if not isinstance(x, Tensor):
        return _wrap(x)
    return x if x._data.dtype == dt else x.to(_wrap(np.zeros((), dt)).dtype)


def _pad_last(t: Tensor) -> Tensor:
    """One zero column appended along the last dim (the extra key of add_bias_kv/add_zero_attn)."""
    zeros = _wrap(np.zeros(tuple(t.shape[:-1]) + (1,), t._data.dtype))
    return _join.cat([t, zeros], -1)


def _view_heads(bias: Tensor, bsz: int, heads: int, tgt_len: int, src_len: int) -> Tensor:
    if bias.ndim == 2:
        return bias
    return bias.expand(bsz * heads, tgt_len, src_len).reshape(bsz, heads, tgt_len, src_len)


def _activation(activation) -> Callable:
    if isinstance(activation, str):
        if activation == "relu":
            return F.relu
        if activation == "gelu":
            return F.gelu
        raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    return activation


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with dropout, a residual connection and a
    LayerNorm (after the residual, or before the block with ``norm_first``)."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable = F.relu, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        layer_norm = _layer("LayerNorm", _LayerNorm)
        dropout_layer = _layer("Dropout", _Dropout)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = dropout_layer(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = layer_norm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = layer_norm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = dropout_layer(dropout)
        self.dropout2 = dropout_layer(dropout)
        self.activation = _activation(activation)

    def forward(self, src: Tensor, src_mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x: Tensor, attn_mask, key_padding_mask, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


def _is_causal_mask(mask: Tensor, size: int) -> bool:
    if tuple(mask.shape) != (size, size):
        return False
    m = mask._data
    upper = np.triu(np.ones((size, size), np.bool_), 1)
    if m.dtype == np.bool_:
        return bool(np.array_equal(m, upper))
    return bool(np.array_equal(np.isneginf(m), upper) and not np.any(m[~upper]))


class TransformerEncoder(Module):
    """``num_layers`` deep copies of ``encoder_layer`` applied in turn, then ``norm`` if given."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        # nested tensors (the padding fast path) do not exist here: the flag is accepted and ignored
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(self, src: Tensor, mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        if is_causal is None:
            seq_len = src.shape[1 if getattr(self.layers[0].self_attn, "batch_first", False) and src.ndim == 3
                                else 0] if len(self.layers) else 0
            is_causal = mask is not None and _is_causal_mask(mask, seq_len)
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output
