"""NAdam: Adam with Nesterov momentum (Dozat), with momentum decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._numpy import np
from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _adam_decayed_grad,
    _addcdiv_,
    _check_adam_args,
    _check_nonnegative,
    _params_with_grad,
    _scalar_state,
    _step_count,
    _update_adam_moments,
    _zeros_like,
)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam: Adam with Nesterov momentum and a decaying momentum schedule."""

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ):
        _check_adam_args(lr, eps, betas, weight_decay)
        _check_nonnegative("momentum_decay", momentum_decay)
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
            momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize, foreach=foreach, capturable=capturable,
            differentiable=differentiable,
        )  # fmt: skip
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        momentum_decay = group["momentum_decay"]
        decoupled = group["decoupled_weight_decay"]
        maximize = group["maximize"]
        for p, grad in _params_with_grad(group):
            param = p._data
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["mu_product"] = _scalar_state(1.0)
                state["exp_avg"] = _zeros_like(p)
                state["exp_avg_sq"] = _zeros_like(p)
            step = _step_count(state)
            bias_correction2 = 1 - beta2**step
            grad = _adam_decayed_grad(grad, param, lr, weight_decay, decoupled, maximize)
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            # the running product is a scalar tensor: it rounds to its own dtype each step
            mu_product_array = state["mu_product"]._data
            mu_product_array *= mu
            mu_product = float(mu_product_array)
            exp_avg = state["exp_avg"]._data
            exp_avg_sq = state["exp_avg_sq"]._data
            work = np.empty_like(param)
            _update_adam_moments(exp_avg, exp_avg_sq, grad, beta1, beta2, work)
            denom = np.divide(exp_avg_sq, bias_correction2, out=np.empty_like(param))
            np.sqrt(denom, out=denom)
            mu_product_next = mu_product * mu_next
            denom += eps
            _addcdiv_(param, grad, denom, -lr * (1.0 - mu) / (1.0 - mu_product), work)
            _addcdiv_(param, exp_avg, denom, (-lr * mu_next) / (1.0 - mu_product_next), work)
            p._bump()
