"""ASGD: averaged stochastic gradient descent (Polyak-Ruppert averaging in ``state['ax']``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._numpy import np
from ..tensor import Tensor
from .optimizer import Optimizer, _check_lr, _check_nonnegative, _params_with_grad, _scalar_state, _zeros_like

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """SGD with a decaying step ``eta = lr / (1 + lambd * lr * t) ** alpha`` and a running average
    of the parameters (``state['ax']``) from step ``t0`` on."""

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ):
        _check_lr(lr)
        _check_nonnegative("weight_decay", weight_decay)
        defaults = dict(
            lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
            maximize=maximize, differentiable=differentiable, capturable=capturable,
        )  # fmt: skip
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
        weight_decay = group["weight_decay"]
        for p, grad in _params_with_grad(group):
            param = p._data
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["eta"] = _scalar_state(lr)
                state["mu"] = _scalar_state(1.0)
                state["ax"] = _zeros_like(p)
            step = state["step"]._data
            step += 1
            if group["maximize"]:
                grad = np.negative(grad)
            if weight_decay != 0:
                grad = grad + param * weight_decay
            eta = float(state["eta"]._data)  # the stored (scalar-dtype) value, as PyTorch reads it
            param *= 1 - lambd * eta
            param += grad * -eta
            ax, mu = state["ax"]._data, state["mu"]._data
            if float(mu) != 1:
                ax += (param - ax) * mu
            else:
                ax[...] = param
            # the schedule in the step counter's dtype, as PyTorch computes it on that tensor: its
            # power is correctly rounded (NumPy's float32 power is not always), and a number
            # divided by a tensor is the tensor's reciprocal times the number
            base = 1 + lambd * lr * step
            power = np.asarray(float(base) ** alpha, step.dtype)
            state["eta"]._data[...] = np.reciprocal(power) * lr
            state["mu"]._data[...] = 1 / max(1, step - t0)
            p._bump()
