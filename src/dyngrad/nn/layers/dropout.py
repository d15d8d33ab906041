"""Dropout layers: Dropout, Dropout1d/2d/3d (whole channels) and AlphaDropout (for SELU networks).

Active in training mode only; the masks are drawn as PyTorch draws them, so the same seed drops
the same elements."""

from __future__ import annotations

from ...ops import nn_misc as _misc
from ...tensor import Tensor
from ..module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` (training only)."""

    def forward(self, input: Tensor) -> Tensor:
        return _misc.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) or (C, L) input with probability ``p`` (training only)."""

    def forward(self, input: Tensor) -> Tensor:
        return _misc.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) or (C, H, W) input with probability ``p`` (training only)."""

    def forward(self, input: Tensor) -> Tensor:
        return _misc.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability ``p`` (training only)."""

    def forward(self, input: Tensor) -> Tensor:
        return _misc.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps a SELU network's mean and variance (training only)."""

    def forward(self, input: Tensor) -> Tensor:
        return _misc.alpha_dropout(input, self.p, self.training, self.inplace)
