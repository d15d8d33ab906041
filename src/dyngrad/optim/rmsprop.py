"""RMSprop: gradients divided by a running root mean square (Hinton), optionally centered."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._numpy import np
from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _addcdiv_,
    _addcmul_,
    _check_lr,
    _check_nonnegative,
    _lerp_,
    _params_with_grad,
    _scalar_state,
    _weight_decayed,
    _zeros_like,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, with optional momentum and the centered (variance-normalized) variant."""

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ):
        _check_lr(lr)
        _check_nonnegative("epsilon", eps)
        _check_nonnegative("momentum", momentum)
        _check_nonnegative("weight_decay", weight_decay)
        _check_nonnegative("alpha", alpha)
        defaults = dict(
            lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
            weight_decay=weight_decay, capturable=capturable, foreach=foreach,
            maximize=maximize, differentiable=differentiable,
        )  # fmt: skip
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        alpha = group["alpha"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        momentum = group["momentum"]
        centered = group["centered"]
        maximize = group["maximize"]
        for p, grad in _params_with_grad(group):
            param = p._data
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["square_avg"] = _zeros_like(p)
                if momentum > 0:
                    state["momentum_buffer"] = _zeros_like(p)
                if centered:
                    state["grad_avg"] = _zeros_like(p)
            state["step"]._data += 1
            grad = _weight_decayed(grad, param, weight_decay, maximize)
            square_avg = state["square_avg"]._data
            work = np.empty_like(param)
            square_avg *= alpha
            _addcmul_(square_avg, grad, grad, 1 - alpha, work)
            if centered:
                grad_avg = state["grad_avg"]._data
                _lerp_(grad_avg, grad, 1 - alpha)
                avg = np.multiply(grad_avg, -1, out=np.empty_like(param))
                avg *= grad_avg
                avg += square_avg
                np.sqrt(avg, out=avg)
            else:
                avg = np.sqrt(square_avg)
            avg += eps
            if momentum > 0:
                buf = state["momentum_buffer"]._data
                buf *= momentum
                _addcdiv_(buf, grad, avg, 1, work)
                np.multiply(buf, -lr, out=work)
                param += work
            else:
                _addcdiv_(param, grad, avg, -lr, work)
            p._bump()
