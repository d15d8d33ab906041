"""Dropout of ``nn.functional``."""

from __future__ import annotations

from ... import creation
from ...tensor import Tensor

__all__ = ["dropout"]


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` (identity
    when not ``training``). The mask is drawn like PyTorch's: ``bernoulli_(1 - p)`` on a new
    tensor of the input's shape, so the same seed drops the same elements."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        keep = creation.zeros_like(input)
    else:
        keep = creation.empty_like(input).bernoulli_(1.0 - p)
        keep._data /= 1.0 - p
    return input.mul_(keep) if inplace else input * keep
