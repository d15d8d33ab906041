"""scaled_dot_product_attention, MultiheadAttention, TransformerEncoderLayer and TransformerEncoder
against PyTorch: the same weights copied in, outputs, attention weights, input and parameter
gradients in float32 and float64; masks (bool and float), state_dict keys, init, dropout."""

from __future__ import annotations

import numpy as np
import pytest

import dyngrad
from dyngrad.autograd import gradcheck, gradgradcheck
from dyngrad.nn.functional.attention import scaled_dot_product_attention
from dyngrad.nn.layers.transformer import MultiheadAttention, TransformerEncoder, TransformerEncoderLayer
from optable import needs_torch

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

TOL = {"float32": dict(rtol=2e-5, atol=5e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def _copy(theirs, ours) -> None:
    ours.load_state_dict({k: dyngrad.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})


def _close(ours, theirs, dtype: str, what: str) -> None:
    assert ours is not None, f"{what}: dyngrad gave None"
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), err_msg=what, **TOL[dtype])


def _inputs(arrays, dtype):
    t = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    d = [dyngrad.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    return t, d


def _backward_both(t_out, d_out, rng):
    w = rng.standard_normal(tuple(t_out.shape)).astype(str(t_out.dtype).split(".")[-1])
    (t_out * torch.tensor(w)).sum().backward()
    (d_out * dyngrad.tensor(w)).sum().backward()


# --- scaled_dot_product_attention ----------------------------------------------------------------

SDPA = [
    ("plain", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), {}),
    ("bool-mask", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), {"mask": "bool"}),
    ("float-mask", (2, 4, 5), (2, 6, 5), (2, 6, 3), {"mask": "float"}),
    ("causal-scale", (3, 4, 5), (3, 6, 5), (3, 6, 2), {"is_causal": True, "scale": 0.3}),
    ("unbatched", (4, 5), (6, 5), (6, 7), {"mask": "bool"}),
    ("fully-masked-row", (2, 4, 5), (2, 6, 5), (2, 6, 3), {"mask": "dead"}),
]


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,qs,ks,vs,opts", SDPA, ids=[c[0] for c in SDPA])
def test_sdpa_matches_torch(name, qs, ks, vs, opts, dtype):
    rng = np.random.default_rng(0)
    (tq, tk, tv), (dq, dk, dv) = _inputs([rng.standard_normal(s) for s in (qs, ks, vs)], dtype)
    kwargs_t, kwargs_d = {}, {}
    mask = opts.get("mask")
    if mask in ("bool", "dead"):
        m = rng.random((qs[-2], ks[-2])) > 0.3
        m[:, 0] = True
        if mask == "dead":
            m[1] = False  # query 1 may attend nothing: PyTorch gives zeros there
        kwargs_t["attn_mask"], kwargs_d["attn_mask"] = torch.tensor(m), dyngrad.tensor(m)
    elif mask == "float":
        m = rng.standard_normal((qs[-2], ks[-2])).astype(dtype)
        kwargs_t["attn_mask"] = torch.tensor(m, requires_grad=True)
        kwargs_d["attn_mask"] = dyngrad.tensor(m, requires_grad=True)
    for key in ("is_causal", "scale"):
        if key in opts:
            kwargs_t[key] = kwargs_d[key] = opts[key]
    t_out = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, **kwargs_t)
    d_out = scaled_dot_product_attention(dq, dk, dv, **kwargs_d)
    assert tuple(d_out.shape) == tuple(t_out.shape)
    _close(d_out, t_out, dtype, "output")
    _backward_both(t_out, d_out, rng)
    for a, b, n in zip((dq, dk, dv), (tq, tk, tv), "qkv"):
        _close(a.grad, b.grad, dtype, f"{n} grad")
    if mask == "float":
        _close(kwargs_d["attn_mask"].grad, kwargs_t["attn_mask"].grad, dtype, "mask grad")


def test_sdpa_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(1)
    q, k, v = (dyngrad.tensor(rng.standard_normal(s), requires_grad=True) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 3)))
    mask = dyngrad.tensor(rng.random((3, 5)) > 0.3)

    def f(q, k, v):
        return scaled_dot_product_attention(q, k, v, attn_mask=mask)

    assert gradcheck(f, (q, k, v), eps=1e-6, atol=1e-6, rtol=1e-4)
    assert gradgradcheck(f, (q, k, v), eps=1e-6, atol=1e-6, rtol=1e-4)


def test_sdpa_errors_and_dropout():
    q = dyngrad.randn(2, 3, 4)
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when is_causal=True"):
        scaled_dot_product_attention(q, q, q, attn_mask=dyngrad.ones(3, 3, dtype=dyngrad.bool), is_causal=True)
    with pytest.raises(RuntimeError, match="same dtype"):
        scaled_dot_product_attention(q, q.double(), q)
    with pytest.raises(RuntimeError, match="at least 2-D"):
        scaled_dot_product_attention(q[0, 0], q[0, 0], q[0, 0])
    v = dyngrad.ones(2, 3, 4)
    out = scaled_dot_product_attention(q, q, v, dropout_p=0.5)  # dropout whenever p > 0
    values = np.unique(np.round(out.numpy(), 5))
    assert not np.allclose(out.numpy(), 1.0) and values.min() >= 0


# --- MultiheadAttention --------------------------------------------------------------------------

MHA = [
    ("self", dict(), "self", {}),
    ("self-bool-masks", dict(), "self", {"attn_mask": "bool", "key_padding_mask": "bool"}),
    ("cross-float-masks", dict(), "cross", {"attn_mask": "float", "key_padding_mask": "float"}),
    ("batch-first-per-head", dict(batch_first=True), "cross", {"average_attn_weights": False,
                                                             "key_padding_mask": "bool"}),
    ("no-weights", dict(batch_first=True), "self", {"need_weights": False, "attn_mask": "bool",
                                                    "key_padding_mask": "bool"}),
    ("kdim-vdim-bias-kv-zero-attn", dict(kdim=5, vdim=3, add_bias_kv=True, add_zero_attn=True), "cross",
     {"attn_mask": "bool", "key_padding_mask": "bool"}),
    ("no-bias", dict(bias=False), "cross", {"attn_mask": "3d"}),
    ("unbatched", dict(), "cross", {"key_padding_mask": "bool", "average_attn_weights": False}),
    ("causal-hint", dict(), "self", {"attn_mask": "causal", "is_causal": True}),
]


def _mha_inputs(kw, kind, unbatched, rng, length=4, source=5, batch=3, embed=8):
    kdim, vdim = kw.get("kdim", embed), kw.get("vdim", embed)
    if kind == "self":
        source = length
    lead_q = (length,) if unbatched else ((batch, length) if kw.get("batch_first") else (length, batch))
    lead_k = (source,) if unbatched else ((batch, source) if kw.get("batch_first") else (source, batch))
    if kind == "self":
        return [rng.standard_normal(lead_q + (embed,))], length, source
    arrays = [rng.standard_normal(lead_q + (embed,)), rng.standard_normal(lead_k + (kdim,)),
              rng.standard_normal(lead_k + (vdim,))]
    return arrays, length, source


def _masks(opts, length, source, batch, heads, unbatched, rng, dtype):
    t_kw, d_kw = {}, {}
    for key in ("need_weights", "average_attn_weights", "is_causal"):
        if key in opts:
            t_kw[key] = d_kw[key] = opts[key]
    kind = opts.get("attn_mask")
    if kind is not None:
        if kind == "causal":
            m = np.triu(np.ones((length, source), bool), 1)
        elif kind == "3d":
            m = rng.standard_normal((batch * heads, length, source)).astype(dtype)
        else:
            m = rng.random((length, source)) > 0.7
            m[:, 0] = False  # no query is fully masked
            if kind == "float":
                m = np.where(m, -np.inf, rng.standard_normal(m.shape)).astype(dtype)
        t_kw["attn_mask"], d_kw["attn_mask"] = torch.tensor(m), dyngrad.tensor(m)
    kind = opts.get("key_padding_mask")
    if kind is not None:
        m = np.zeros((source,) if unbatched else (batch, source), bool)
        m[..., -1] = True
        if not unbatched:
            m[0, -2] = True
        if kind == "float":
            m = np.where(m, -np.inf, 0.25).astype(dtype)
        t_kw["key_padding_mask"], d_kw["key_padding_mask"] = torch.tensor(m), dyngrad.tensor(m)
    return t_kw, d_kw


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kw,kind,opts", MHA, ids=[c[0] for c in MHA])
def test_multihead_attention_matches_torch(name, kw, kind, opts, dtype):
    rng = np.random.default_rng(2)
    heads, batch = 2, 3
    theirs = torch.nn.MultiheadAttention(8, heads, **kw).to(getattr(torch, dtype))
    ours = MultiheadAttention(8, heads, **kw).to(getattr(dyngrad, dtype))
    _copy(theirs, ours)
    unbatched = name == "unbatched"
    arrays, length, source = _mha_inputs(kw, kind, unbatched, rng, batch=batch)
    t_in, d_in = _inputs(arrays, dtype)
    t_kw, d_kw = _masks(opts, length, source, batch, heads, unbatched, rng, dtype)
    t_qkv = t_in * 3 if kind == "self" else t_in
    d_qkv = d_in * 3 if kind == "self" else d_in
    t_out, t_w = theirs(*t_qkv, **t_kw)
    d_out, d_w = ours(*d_qkv, **d_kw)
    assert tuple(d_out.shape) == tuple(t_out.shape)
    _close(d_out, t_out, dtype, "attn_output")
    if t_w is None:
        assert d_w is None
    else:
        assert tuple(d_w.shape) == tuple(t_w.shape)
        _close(d_w, t_w, dtype, "attn_weights")
    _backward_both(t_out, d_out, rng)
    for i, (a, b) in enumerate(zip(d_in, t_in)):
        _close(a.grad, b.grad, dtype, f"input {i} grad")
    for (n, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        _close(p.grad, q.grad, dtype, f"{n} grad")


@needs_torch
@pytest.mark.parametrize("kw", [dict(), dict(kdim=5, vdim=3, add_bias_kv=True, bias=False)], ids=["qkv", "separate"])
def test_multihead_attention_state_dict_and_init_match_torch(kw):
    dyngrad.manual_seed(3)
    torch.manual_seed(3)
    ours, theirs = MultiheadAttention(8, 2, **kw), torch.nn.MultiheadAttention(8, 2, **kw)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    for key, value in theirs_sd.items():
        np.testing.assert_allclose(ours_sd[key].numpy(), value.numpy(), rtol=1e-6, atol=1e-7, err_msg=key)


def test_multihead_attention_gradcheck():
    dyngrad.manual_seed(0)
    mha = MultiheadAttention(4, 2).double()
    rng = np.random.default_rng(4)
    q = dyngrad.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    kv = dyngrad.tensor(rng.standard_normal((5, 2, 4)), requires_grad=True)
    w = mha.in_proj_weight.detach().clone().requires_grad_()
    pad = dyngrad.tensor(np.array([[False] * 4 + [True], [False] * 5]))

    def f(q, kv, w):
        mha._parameters["in_proj_weight"] = w
        return mha(q, kv, kv, key_padding_mask=pad)

    assert gradcheck(f, (q, kv, w), eps=1e-6, atol=1e-6, rtol=1e-4)
    assert gradgradcheck(lambda q: mha(q, q, q)[0], (q,), eps=1e-6, atol=1e-6, rtol=1e-4)


def test_multihead_attention_errors():
    mha = MultiheadAttention(8, 2)
    q = dyngrad.randn(4, 3, 8)
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        MultiheadAttention(8, 3)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        mha(q, q, q, is_causal=True)
    with pytest.raises(AssertionError, match="was expecting embedding dimension of 8, but got 5"):
        mha(dyngrad.randn(4, 3, 5), q, q)
    with pytest.raises(AssertionError, match="does not match value shape"):
        mha(q, q[:3], q)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is \[3, 3\], but should be \(4, 4\)"):
        mha(q, q, q, attn_mask=dyngrad.zeros(3, 3))
    with pytest.raises(AssertionError, match="key_padding_mask"):
        mha(q, q, q, key_padding_mask=dyngrad.zeros(3, 3))
    with pytest.raises(AssertionError, match="only bool and floating types of attn_mask are supported"):
        mha(q, q, q, attn_mask=dyngrad.zeros(4, 4, dtype=dyngrad.int64))


def test_multihead_attention_dropout_only_in_training():
    dyngrad.manual_seed(0)
    mha = MultiheadAttention(8, 2, dropout=0.5)
    q = dyngrad.randn(4, 3, 8)
    mha.eval()
    a, wa = mha(q, q, q)
    b, _ = mha(q, q, q)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    np.testing.assert_allclose(wa.detach().numpy().sum(-1), 1.0, rtol=1e-5)
    mha.train()
    c, wc = mha(q, q, q)
    assert not np.allclose(c.detach().numpy(), a.detach().numpy())
    assert (wc.detach().numpy() == 0).any()  # the returned weights are the dropped-out ones, as PyTorch


# --- TransformerEncoderLayer / TransformerEncoder ------------------------------------------------

ENCODER = [
    ("post-norm-relu", dict(), {}),
    ("pre-norm-gelu-batch-first", dict(norm_first=True, activation="gelu", batch_first=True), {"padding": True}),
    ("causal-mask", dict(), {"mask": "causal"}),
    ("no-bias", dict(bias=False, layer_norm_eps=1e-3), {"mask": "float"}),
]


def _encoder_pair(kw, dtype, num_layers=None, norm=False):
    theirs = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kw).to(getattr(torch, dtype))
    ours = TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kw).to(getattr(dyngrad, dtype))
    if num_layers is not None:
        t_norm = torch.nn.LayerNorm(8).to(getattr(torch, dtype)) if norm else None
        d_norm = type(ours.norm1)(8).to(getattr(dyngrad, dtype)) if norm else None
        theirs = torch.nn.TransformerEncoder(theirs, num_layers, norm=t_norm, enable_nested_tensor=False)
        ours = TransformerEncoder(ours, num_layers, norm=d_norm)
    # distinct weights per parameter (LayerNorm starts at ones/zeros): perturb them the same way
    rng = np.random.default_rng(5)
    with torch.no_grad():
        for p in theirs.parameters():
            p.add_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.1, dtype=p.dtype))
    _copy(theirs, ours)
    return ours, theirs


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("stack", [None, 2], ids=["layer", "encoder"])
@pytest.mark.parametrize("name,kw,opts", ENCODER, ids=[c[0] for c in ENCODER])
def test_encoder_matches_torch(name, kw, opts, stack, dtype):
    ours, theirs = _encoder_pair(kw, dtype, stack, norm=stack is not None)
    rng = np.random.default_rng(6)
    length, batch = 5, 3
    shape = (batch, length, 8) if kw.get("batch_first") else (length, batch, 8)
    (tx,), (dx,) = _inputs([rng.standard_normal(shape)], dtype)
    t_kw, d_kw = {}, {}
    mask_name = "src_mask" if stack is None else "mask"
    if opts.get("mask") == "causal":
        m = torch.nn.Transformer.generate_square_subsequent_mask(length).to(getattr(torch, dtype))
        t_kw[mask_name], d_kw[mask_name] = m, dyngrad.tensor(m.numpy())
    elif opts.get("mask") == "float":
        m = rng.standard_normal((length, length)).astype(dtype)
        t_kw[mask_name], d_kw[mask_name] = torch.tensor(m), dyngrad.tensor(m)
    if opts.get("padding"):
        m = np.zeros((batch, length), bool)
        m[0, -2:] = True
        t_kw["src_key_padding_mask"], d_kw["src_key_padding_mask"] = torch.tensor(m), dyngrad.tensor(m)
    t_out, d_out = theirs(tx, **t_kw), ours(dx, **d_kw)
    _close(d_out, t_out, dtype, "output")
    _backward_both(t_out, d_out, rng)
    _close(dx.grad, tx.grad, dtype, "input grad")
    for (n, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        _close(p.grad, q.grad, dtype, f"{n} grad")


@needs_torch
def test_encoder_state_dict_keys_and_deep_copies():
    layer = TransformerEncoderLayer(8, 2, 16, activation=dyngrad.nn.GELU())
    t_layer = torch.nn.TransformerEncoderLayer(8, 2, 16, activation=torch.nn.GELU())
    assert list(layer.state_dict()) == list(t_layer.state_dict())
    assert [n for n, _ in layer.named_children()] == [n for n, _ in t_layer.named_children()]
    encoder = TransformerEncoder(layer, 3, enable_nested_tensor=True)
    t_encoder = torch.nn.TransformerEncoder(t_layer, 3, enable_nested_tensor=False)
    assert list(encoder.state_dict()) == list(t_encoder.state_dict())
    assert encoder.layers[0].linear1.weight is not layer.linear1.weight
    assert encoder.layers[0].linear1.weight is not encoder.layers[1].linear1.weight
    np.testing.assert_array_equal(encoder.layers[2].linear1.weight.detach().numpy(), layer.linear1.weight.detach().numpy())


def test_encoder_layer_callable_activation_and_errors():
    layer = TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=lambda x: x * 0, bias=False)
    layer.eval()
    x = dyngrad.randn(4, 2, 8)
    # a zero feed-forward block (no biases): the output is norm2(norm1(x + attention))
    attended = layer.norm1(x + layer.self_attn(x, x, x, need_weights=False)[0])
    np.testing.assert_allclose(layer(x).detach().numpy(), layer.norm2(attended).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        TransformerEncoderLayer(8, 2, activation="tanh")


def test_encoder_dropout_train_vs_eval():
    dyngrad.manual_seed(0)
    encoder = TransformerEncoder(TransformerEncoderLayer(8, 2, 16, dropout=0.3), 2)
    x = dyngrad.randn(5, 2, 8)
    encoder.eval()
    a, b = encoder(x), encoder(x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    encoder.train()
    assert not np.allclose(encoder(x).detach().numpy(), a.detach().numpy())
