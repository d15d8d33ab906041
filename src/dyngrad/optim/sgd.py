"""SGD: stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._numpy import np
from ..tensor import Tensor, _wrap
from .optimizer import Optimizer, _blockwise, _check_lr, _params_with_grad, _weight_decayed

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum / Nesterov momentum)."""

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ):
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
            nesterov=nesterov, maximize=maximize, foreach=foreach,
            differentiable=differentiable, fused=fused,
        )  # fmt: skip
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        momentum = group["momentum"]
        dampening = group["dampening"]
        nesterov = group["nesterov"]
        weight_decay = group["weight_decay"]
        maximize = group["maximize"]
        for p, grad in _params_with_grad(group):
            param = p._data
            grad = _weight_decayed(grad, param, weight_decay, maximize)
            buf, fresh = None, False
            if momentum != 0:
                state = self.state[p]
                buf_t = state.get("momentum_buffer")
                fresh = buf_t is None
                if fresh:
                    buf = np.array(grad, copy=True)
                    state["momentum_buffer"] = _wrap(buf)
                else:
                    buf = buf_t._data
            arrays = (param, grad) if buf is None else (param, grad, buf)
            _blockwise(_sgd_update, arrays, 1, lr=lr, momentum=momentum, dampening=dampening,
                       nesterov=nesterov, fresh=fresh)
            p._bump()


def _sgd_update(work, param, grad, buf=None, *, lr: float, momentum: float, dampening: float,
                nesterov: bool, fresh: bool) -> None:
    """SGD's update of ``param`` (the whole or a block) in place; ``work``: scratch; ``buf``: the
    momentum buffer (None without momentum), just made from ``grad`` when ``fresh``."""
    if buf is not None:
        if not fresh:
            buf *= momentum
            # grad * 1 is grad exactly: skip the product when there is no dampening
            buf += grad if dampening == 0 else np.multiply(grad, 1 - dampening, out=work)
        if nesterov:
            step = np.multiply(buf, momentum, out=work)
            step += grad
            grad = step
        else:
            grad = buf
    param += np.multiply(grad, -lr, out=work)
