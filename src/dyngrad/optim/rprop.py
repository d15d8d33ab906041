"""Rprop: resilient backpropagation, a step size per weight driven by the gradient's sign."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._numpy import np
from ..tensor import Tensor, _wrap
from .optimizer import Optimizer, _check_lr, _params_with_grad, _scalar_state, _step_count, _zeros_like

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop: each weight's step grows by ``etas[1]`` while its gradient keeps its sign, shrinks
    by ``etas[0]`` when the sign flips (that step's update is then skipped), within
    ``step_sizes``; the weight moves by its step against the gradient's sign."""

    def __init__(
        self,
        params: Iterable[Tensor] | Iterable[dict],
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(
            lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
            differentiable=differentiable, capturable=capturable,
        )  # fmt: skip
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        etaminus, etaplus = group["etas"]
        step_min, step_max = group["step_sizes"]
        for p, grad in _params_with_grad(group):
            param = p._data
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _scalar_state(0.0)
                state["prev"] = _zeros_like(p)
                state["step_size"] = _wrap(np.full_like(param, group["lr"]))
            _step_count(state)
            grad = np.negative(grad, out=np.empty_like(grad)) if group["maximize"] else grad.copy()  # arrays, 0-dim too
            prev, step_size = state["prev"]._data, state["step_size"]._data
            sign = np.asarray(np.sign(grad * prev))  # an array also for 0-dim parameters
            factor = sign.copy()  # NaN stays NaN, as in PyTorch
            factor[sign > 0] = etaplus
            factor[sign < 0] = etaminus
            factor[sign == 0] = 1
            step_size *= factor
            np.clip(step_size, step_min, step_max, out=step_size)
            grad[factor == etaminus] = 0  # a flipped sign: no move this step, and no memory of it
            param -= np.sign(grad) * step_size
            prev[...] = grad
            p._bump()
