"""The ``reduction`` argument of the loss functions, with PyTorch's deprecated ``size_average`` and
``reduce`` folded in."""

from __future__ import annotations

import warnings

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(size_average, reduce, reduction: str, allowed=_REDUCTIONS) -> str:
    """The reduction, from PyTorch's deprecated ``size_average``/``reduce`` when either is given."""
    if size_average is not None or reduce is not None:
        warnings.warn("size_average and reduce args will be deprecated, please use reduction='"
                      + ("none" if reduce is False else "sum" if size_average is False else "mean")
                      + "' instead.", UserWarning, stacklevel=3)
        if reduce is False:
            reduction = "none"
        elif size_average is False:
            reduction = "sum"
        else:
            reduction = "mean"
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction
