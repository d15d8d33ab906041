"""Adam and AdamW (Adam with decoupled weight decay)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .._numpy import np
from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _adam_decayed_grad,
    _addcdiv_,
    _blockwise,
    _check_adam_args,
    _params_with_grad,
    _scalar_state,
    _step_count,
    _update_adam_moments,
    _zeros_like,
)

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba), with optional AMSGrad and (``decoupled_weight_decay``) AdamW's decay."""

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ):
        _check_adam_args(lr, eps, betas, weight_decay)
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            maximize=maximize, foreach=foreach, capturable=capturable,
            differentiable=differentiable, fused=fused,
            decoupled_weight_decay=decoupled_weight_decay,
        )  # fmt: skip
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        amsgrad = group["amsgrad"]
        maximize = group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        for p, grad in _params_with_grad(group):
            param = p._data
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["exp_avg"] = _zeros_like(p)
                state["exp_avg_sq"] = _zeros_like(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = _zeros_like(p)
            step = _step_count(state)
            grad = _adam_decayed_grad(grad, param, lr, weight_decay, decoupled, maximize)
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = math.sqrt(bias_correction2)
            arrays = (param, grad, state["exp_avg"]._data, state["exp_avg_sq"]._data)
            if amsgrad:
                arrays += (state["max_exp_avg_sq"]._data,)
            _blockwise(_adam_update, arrays, 2, betas=(beta1, beta2), eps=eps, step_size=step_size,
                       bias_correction2_sqrt=bias_correction2_sqrt)
            p._bump()


def _adam_update(work, denom, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, *, betas: tuple,
                 eps: float, step_size: float, bias_correction2_sqrt: float) -> None:
    """Adam's update of ``param`` (the whole or a block) and its moments in place; ``work`` and
    ``denom``: scratch."""
    _update_adam_moments(exp_avg, exp_avg_sq, grad, betas[0], betas[1], work)
    second = exp_avg_sq
    if max_exp_avg_sq is not None:  # AMSGrad
        second = np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
    denom = np.sqrt(second, out=denom)
    denom /= bias_correction2_sqrt
    denom += eps
    _addcdiv_(param, exp_avg, denom, -step_size, work)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): the parameter shrinks by
    ``lr * weight_decay`` before each Adam step."""

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ):
        super().__init__(
            params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            foreach=foreach, maximize=maximize, capturable=capturable,
            differentiable=differentiable, fused=fused, decoupled_weight_decay=True,
        )  # fmt: skip

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
