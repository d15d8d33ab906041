"""Linear maps of ``nn.functional``: ``linear`` (x @ W.T + b) and ``bilinear`` (x1 A x2 + b)."""

from __future__ import annotations

from ...ops import linalg as _linalg
from ...tensor import Tensor

__all__ = ["linear", "bilinear"]


# ``input @ weight.T + bias`` (input (*, in_features), weight (out_features, in_features), bias
# (out_features,)): the op itself, not a wrapper (a call less on every linear layer's forward)
linear = _linalg.linear


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]``."""
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear: weight must be 3-dimensional (out, in1, in2), got shape {list(weight.shape)}")
    out_features, in1, in2 = weight.shape
    if input1.shape[:-1] != input2.shape[:-1] or input1.ndim == 0:
        raise RuntimeError(
            f"bilinear: input1 and input2 must have the same shape except for their last dimension, got "
            f"{list(input1.shape)} and {list(input2.shape)}"
        )
    if input1.shape[-1] != in1 or input2.shape[-1] != in2:
        raise RuntimeError(
            f"bilinear: expected input1 with {in1} and input2 with {in2} features in their last dimension "
            f"(weight shape {list(weight.shape)}), got shapes {list(input1.shape)} and {list(input2.shape)}"
        )
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # (N, in1) @ (in1, out * in2): one matmul, then the in2 contraction as a product and sum
    projected = x1.matmul(weight.permute(1, 0, 2).reshape(in1, out_features * in2))
    y = (projected.reshape(-1, out_features, in2) * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(*lead, out_features)
