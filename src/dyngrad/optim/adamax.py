"""Adamax: Adam with the infinity norm of past gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._numpy import np
from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _addcdiv_,
    _check_adam_args,
    _lerp_,
    _params_with_grad,
    _scalar_state,
    _step_count,
    _weight_decayed,
    _zeros_like,
)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (Kingma & Ba): Adam's variant based on the infinity norm."""

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ):
        _check_adam_args(lr, eps, betas, weight_decay)
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
            maximize=maximize, differentiable=differentiable, capturable=capturable,
        )  # fmt: skip
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        maximize = group["maximize"]
        for p, grad in _params_with_grad(group):
            param = p._data
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["exp_avg"] = _zeros_like(p)
                state["exp_inf"] = _zeros_like(p)
            step = _step_count(state)
            grad = _weight_decayed(grad, param, weight_decay, maximize)
            exp_avg = state["exp_avg"]._data
            exp_inf = state["exp_inf"]._data
            _lerp_(exp_avg, grad, 1 - beta1)
            exp_inf *= beta2
            work = np.abs(grad, out=np.empty_like(param))
            work += eps
            np.maximum(exp_inf, work, out=exp_inf)
            bias_correction = 1 - beta1**step
            clr = lr / bias_correction
            _addcdiv_(param, exp_avg, exp_inf, -clr, work)
            p._bump()
