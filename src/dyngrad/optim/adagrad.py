"""Adagrad: per-coordinate steps scaled by the accumulated squared gradients (Duchi et al.)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._numpy import np
from ..tensor import Tensor, _wrap
from .optimizer import (
    Optimizer,
    _addcdiv_,
    _check_lr,
    _check_nonnegative,
    _params_with_grad,
    _scalar_state,
    _step_count,
    _weight_decayed,
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, with learning-rate decay; its state exists from construction (as PyTorch's)."""

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ):
        _check_lr(lr)
        _check_nonnegative("lr_decay", lr_decay)
        _check_nonnegative("weight_decay", weight_decay)
        _check_nonnegative("initial_accumulator_value", initial_accumulator_value)
        _check_nonnegative("epsilon", eps)
        defaults = dict(
            lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, foreach=foreach,
            maximize=maximize, differentiable=differentiable, fused=fused,
        )  # fmt: skip
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _scalar_state(0.0)
                init = group["initial_accumulator_value"]
                state["sum"] = _wrap(np.full_like(p._data, init))

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        lr_decay = group["lr_decay"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        maximize = group["maximize"]
        for p, grad in _params_with_grad(group):
            param = p._data
            state = self.state[p]
            step = _step_count(state)
            grad = _weight_decayed(grad, param, weight_decay, maximize)
            clr = lr / (1 + (step - 1) * lr_decay)
            state_sum = state["sum"]._data
            work = np.multiply(grad, grad, out=np.empty_like(param))
            state_sum += work
            std = np.sqrt(state_sum)
            std += eps
            _addcdiv_(param, grad, std, -clr, work)
            p._bump()
