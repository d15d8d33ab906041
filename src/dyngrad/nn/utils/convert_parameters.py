"""Flatten parameters into one vector and back."""

from __future__ import annotations

from collections.abc import Iterable

from ...tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable)."""
    from ... import cat

    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Point each parameter's data at its slice of ``vec`` (the inverse of parameters_to_vector)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    data = vec._data.reshape(-1)
    for param in parameters:
        n = param.numel()
        param._data = data[pointer:pointer + n].reshape(param._data.shape)
        param._vc = None
        pointer += n
    if pointer != data.size:
        raise RuntimeError(
            f"vector_to_parameters: the vector has {data.size} elements but the parameters have {pointer}"
        )
