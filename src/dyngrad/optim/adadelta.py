"""Adadelta: steps scaled by running averages of squared gradients and updates (Zeiler)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._numpy import np
from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _addcmul_,
    _check_lr,
    _check_nonnegative,
    _params_with_grad,
    _scalar_state,
    _weight_decayed,
    _zeros_like,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012)."""

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonnegative("epsilon", eps)
        _check_nonnegative("weight_decay", weight_decay)
        defaults = dict(
            lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
            capturable=capturable, foreach=foreach, differentiable=differentiable,
        )  # fmt: skip
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        rho = group["rho"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        maximize = group["maximize"]
        for p, grad in _params_with_grad(group):
            param = p._data
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["square_avg"] = _zeros_like(p)
                state["acc_delta"] = _zeros_like(p)
            state["step"]._data += 1
            grad = _weight_decayed(grad, param, weight_decay, maximize)
            square_avg = state["square_avg"]._data
            acc_delta = state["acc_delta"]._data
            work = np.empty_like(param)
            square_avg *= rho
            _addcmul_(square_avg, grad, grad, 1 - rho, work)
            std = np.add(square_avg, eps, out=np.empty_like(param))
            np.sqrt(std, out=std)
            delta = np.add(acc_delta, eps, out=np.empty_like(param))
            np.sqrt(delta, out=delta)
            delta /= std
            delta *= grad
            acc_delta *= rho
            _addcmul_(acc_delta, delta, delta, 1 - rho, work)
            delta *= -lr
            param += delta
            p._bump()
