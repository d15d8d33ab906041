"""Optimizer: the base of dyngrad's optimizers, with PyTorch's contract (param groups, per-parameter
state, zero_grad, step(closure), state_dict / load_state_dict).

Updates run on the parameters' NumPy arrays in place, outside the graph: no graph is recorded, float32
stays float32 (NumPy 2 keeps Python floats "weak"), and each update bumps the parameter's version
counter as PyTorch's in-place ops do."""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

from .. import dtypes
from .._numpy import np
from ..autograd import grad_mode
from ..tensor import Tensor, _wrap

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a hyper-parameter that every param group must give (no default)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj: Any) -> str:
    if isinstance(obj, Tensor):
        return f"{dtypes.display_prefix[0]}.{obj.dtype.name.capitalize()}Tensor"
    return type(obj).__name__


def _scalar_np_dtype() -> np.dtype:
    # PyTorch keeps 'step' (and NAdam's 'mu_product') as float32 tensors, float64 when that is the default
    return np.dtype(np.float64) if dtypes.get_default_dtype() is dtypes.float64 else np.dtype(np.float32)


def _scalar_state(value: float) -> Tensor:
    """A 0-dim tensor of the scalar dtype, as PyTorch's state['step']."""
    return _wrap(np.array(value, dtype=_scalar_np_dtype()))


def _zeros_like(p: Tensor) -> Tensor:
    return _wrap(np.zeros_like(p._data))


def _check_lr(lr: Any) -> None:
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_nonnegative(name: str, value: float) -> None:
    # `not 0 <= value` (rather than `value < 0`) also rejects NaN, as PyTorch's checks do
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name} value: {value}")


def _check_betas(betas: tuple[float, float]) -> None:
    for i, beta in enumerate(betas[:2]):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def _check_adam_args(lr: Any, eps: float, betas: tuple[float, float], weight_decay: float) -> None:
    """The checks shared by the Adam family, in PyTorch's order (which decides the error for several bad values)."""
    _check_lr(lr)
    _check_nonnegative("epsilon", eps)
    _check_betas(betas)
    _check_nonnegative("weight_decay", weight_decay)


class Optimizer:
    """Base class of all optimizers: holds ``param_groups`` (dicts of parameters and their options)
    and ``state`` (a dict per parameter, keyed by the parameter tensor)."""

    # keys whose state tensor keeps its own dtype on load (PyTorch keeps 'step' as saved)
    _keep_dtype_keys = frozenset({"step"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {_typename(params)}"
            )
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    # --- groups ----------------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (a dict with 'params' and per-group options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)
        # (name, tensor) pairs, as from named_parameters(): the names are kept in 'param_names'
        names = [p[0] for p in param_group["params"] if isinstance(p, tuple)]
        if names:
            if len(names) != len(param_group["params"]):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are missing"
                )
            param_group["params"] = [p[1] for p in param_group["params"]]
            param_group["param_names"] = names
        if self.param_groups and ("param_names" in param_group) != ("param_names" in self.param_groups[0]):
            raise ValueError("all optimizer param groups should be with/without names.")
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is {_typename(param)}"
                )
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization parameter " + name
                )
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; "
                "in future, this will cause an error; "
                "see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if not seen.isdisjoint(id(p) for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        # options added after a state_dict was saved get their defaults
        for group in self.param_groups:
            for name, default in self.defaults.items():
                if default is not required:
                    group.setdefault(name, default)
        # PyTorch turns a Python-number 'step' into a scalar tensor
        for param_state in self.state.values():
            if isinstance(param_state, dict) and "step" in param_state:
                step = param_state["step"]
                if not isinstance(step, Tensor):
                    param_state["step"] = _scalar_state(float(step))

    def __repr__(self) -> str:
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group.keys()):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
            if i != len(self.param_groups) - 1:
                lines.append("")
        lines.append(")")
        return "\n".join(lines)

    # --- gradients and steps ---------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized parameters (to None by default)."""
        for group in self.param_groups:
            for p in group["params"]:
                grad = p._grad
                if grad is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if grad.grad_fn is not None:
                        grad.detach_()
                    else:
                        grad.requires_grad_(False)
                    grad._data[...] = 0
                    grad._bump()

    def _evaluate_closure(self, closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        previous = grad_mode.enabled
        grad_mode.enabled = True
        try:
            return closure()
        finally:
            grad_mode.enabled = previous

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step (re-evaluating the model with ``closure`` if given)."""
        loss = self._evaluate_closure(closure)
        previous = grad_mode.enabled
        grad_mode.enabled = False
        try:
            for group in self.param_groups:
                self._update_group(group)
        finally:
            grad_mode.enabled = previous
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError

    # --- state_dict ------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]} as PyTorch's;
        the state tensors are the optimizer's own (not copies)."""
        index_of: dict[int, int] = {}
        start = 0
        packed_groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index_of.setdefault(id(p), i)
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            start += len(packed["params"])
            packed_groups.append(packed)
        packed_state = {(index_of[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": packed_state, "param_groups": packed_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state_dict made by ``state_dict()`` (of this or PyTorch's layout)."""
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        param_of = dict(
            zip(
                chain.from_iterable(s["params"] for s in saved_groups),
                chain.from_iterable(g["params"] for g in groups),
            )
        )
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in param_of:
                param = param_of[key]
                state[param] = self._cast_state(param, value)
            else:
                state[key] = value
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            new_groups.append(saved)
        self.__setstate__({"state": state, "param_groups": new_groups})

    def _cast_state(self, param: Tensor, value: Any, key: str | None = None) -> Any:
        # floating state follows the parameter's dtype (as PyTorch's load); 'step' stays as saved
        if isinstance(value, Tensor):
            if key in self._keep_dtype_keys or not param.is_floating_point():
                return value
            if value._data.dtype != param._data.dtype:
                return _wrap(value._data.astype(param._data.dtype))
            return value
        if isinstance(value, dict):
            return {k: self._cast_state(param, v, key=k) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self._cast_state(param, v) for v in value)
        return value


def _params_with_grad(group: dict[str, Any]):
    """(param, grad array) for the group's parameters that have a gradient."""
    for p in group["params"]:
        g = p._grad
        if g is not None:
            yield p, g._data


# elements per block of an update run block by block: a block of each operand and of the scratch
# arrays stays in cache between the update's passes (and no parameter-sized temporary is made)
_BLOCK = 1 << 16


def _blocks(*arrays: np.ndarray) -> list | None:
    """Tuples of flat views of the same-sized ``arrays``, _BLOCK elements at a time, for an
    elementwise update run block by block: the same operations per element, so the same result
    as on the whole arrays. Measured against whole-array updates: Adam and SGD 1.7-1.8x as fast
    at 512K and 2.5M elements. None for arrays not all C-contiguous: update them whole."""
    n = arrays[0].size
    if not all(a.flags.c_contiguous for a in arrays):
        return None
    flat = [a.reshape(-1) for a in arrays]
    return [tuple(f[i:i + _BLOCK] for f in flat) for i in range(0, n, _BLOCK)]


def _blockwise(update, arrays: tuple, scratches: int, **settings) -> None:
    """``update(*scratch, *arrays, **settings)``, an elementwise update in place, on the arrays
    whole or block by block (``_blocks``); ``scratch``: ``scratches`` arrays of the block's shape
    and dtype, to write temporaries into. Arrays of up to two blocks are updated whole (no gain
    from blocks there)."""
    first = arrays[0]
    blocks = _blocks(*arrays) if first.size > 2 * _BLOCK else None
    if blocks is None:
        if scratches == 1:  # (no list to build for the common case)
            update(np.empty_like(first), *arrays, **settings)
        else:
            update(*[np.empty_like(first) for _ in range(scratches)], *arrays, **settings)
        return
    scratch = [np.empty(_BLOCK, first.dtype) for _ in range(scratches)]
    for block in blocks[:-1]:
        update(*scratch, *block, **settings)
    last = blocks[-1]
    update(*[s[:last[0].size] for s in scratch], *last, **settings)


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """start += weight * (end - start) in place, in PyTorch's lerp order."""
    diff = np.subtract(end, start)
    if abs(weight) < 0.5:
        diff *= weight
        start += diff
    else:
        diff *= 1 - weight
        np.subtract(end, diff, out=start)


def _addcmul_(target: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float, work: np.ndarray) -> None:
    """target += value * t1 * t2 (PyTorch's addcmul_ order), using ``work`` as scratch."""
    np.multiply(t1, value, out=work)
    work *= t2
    target += work


def _addcdiv_(target: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float, work: np.ndarray) -> None:
    """target += value * t1 / t2 (PyTorch's addcdiv_ order), using ``work`` as scratch."""
    np.multiply(t1, value, out=work)
    work /= t2
    target += work


def _weight_decayed(grad: np.ndarray, param: np.ndarray, weight_decay: float, maximize: bool) -> np.ndarray:
    """The gradient with maximize and L2 weight decay applied (never the caller's array modified)."""
    if maximize:
        grad = np.negative(grad)
        if weight_decay != 0:
            work = np.multiply(param, weight_decay)
            grad += work
        return grad
    if weight_decay != 0:
        work = np.multiply(param, weight_decay)
        work += grad
        return work
    return grad


def _step_count(state: dict[str, Any]) -> float:
    """Counts one more step in the parameter's ``state['step']`` tensor; returns the new count."""
    step_array = state["step"]._data
    step_array += 1
    return float(step_array)


def _adam_decayed_grad(
    grad: np.ndarray, param: np.ndarray, lr: float, weight_decay: float, decoupled: bool, maximize: bool
) -> np.ndarray:
    """The gradient after the Adam family's weight decay: decoupled (AdamW) decay shrinks ``param`` in place,
    otherwise L2 decay joins the gradient."""
    if decoupled:
        if weight_decay != 0:
            param *= 1 - lr * weight_decay
        return _weight_decayed(grad, param, 0, maximize)
    return _weight_decayed(grad, param, weight_decay, maximize)


def _update_adam_moments(
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    grad: np.ndarray,
    beta1: float,
    beta2: float,
    work: np.ndarray,
) -> None:
    """Adam's running moments in place: ``exp_avg`` lerps toward grad, ``exp_avg_sq`` toward grad**2."""
    _lerp_(exp_avg, grad, 1 - beta1)
    exp_avg_sq *= beta2
    _addcmul_(exp_avg_sq, grad, grad, 1 - beta2, work)
