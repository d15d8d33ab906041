"""Tensor repr, formatted as PyTorch formats it."""

from __future__ import annotations


def tensor_repr(t) -> str:
    body = repr(t._data.tolist())
    extra = ""
    if t.grad_fn is not None:
        extra = f", grad_fn=<{t.grad_fn.name()}>"
    elif t._requires_grad:
        extra = ", requires_grad=True"
    return f"tensor({body}{extra})"
