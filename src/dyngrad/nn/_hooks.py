"""Hook handles and the machinery of full backward hooks on modules."""

from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict
from collections.abc import Callable

from ..autograd import grad_mode
from ..autograd.function import Function
from ..tensor import Tensor

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """What ``register_*_hook`` returns: ``remove()`` takes the hook out again (also usable as a
    context manager)."""

    _next_id = itertools.count()

    def __init__(self, hooks_dict: OrderedDict):
        self.hooks_dict_ref = hooks_dict
        self.id = next(RemovableHandle._next_id)

    @classmethod
    def add(cls, hooks_dict: OrderedDict, hook: Callable, prepend: bool = False) -> RemovableHandle:
        handle = cls(hooks_dict)
        hooks_dict[handle.id] = hook
        if prepend:
            hooks_dict.move_to_end(handle.id, last=False)
        return handle

    def remove(self) -> None:
        self.hooks_dict_ref.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class _BackwardHookState:
    """Ties one call of a module to its backward: the output side records ``grad_output``, the
    input side then calls the user hooks with ``(module, grad_input, grad_output)``."""

    def __init__(self, module, n_inputs: int, input_index: list):
        self.module = module
        self.n_inputs = n_inputs
        self.input_index = input_index
        self.n_outputs = 0
        self.output_index: list = []
        self.grad_outputs = None
        self.has_input_hook = False

    def packed(self, index: list, grads: tuple, n: int) -> tuple:
        out = [None] * n
        for i, g in zip(index, grads):
            out[i] = g
        return tuple(out)

    def call_user_hooks(self, grad_input: tuple) -> tuple:
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, self.grad_outputs)
            if result is None:
                continue
            result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
            if len(result) != len(grad_input):
                raise RuntimeError(
                    f"Backward hook returned an invalid number of grad_input, got {len(result)}, but "
                    f"expected {len(grad_input)}"
                )
            grad_input = result
        return grad_input


class _InputHook(Function):
    """Identity on the module's tensor inputs; its backward sees the gradients w.r.t. them."""

    @staticmethod
    def forward(ctx, state, *tensors):
        # as in PyTorch: inputs that don't require grad stay so inside forward, and their
        # grad_input is zeros (missing gradients are materialised on this side)
        ctx.state = state
        ctx.mark_non_differentiable(*(t for t in tensors if not t.requires_grad))
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        if state.grad_outputs is None:  # the outputs were not part of this backward pass
            return (None, *grads)
        grad_input = state.call_user_hooks(state.packed(state.input_index, grads, state.n_inputs))
        return (None, *(grad_input[i] for i in state.input_index))


class _OutputHook(Function):
    """Identity on the module's outputs; its backward records ``grad_output``."""

    @staticmethod
    def forward(ctx, state, *tensors):
        ctx.state = state
        ctx.set_materialize_grads(False)
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        state.grad_outputs = state.packed(state.output_index, grads, state.n_outputs)
        if not state.has_input_hook:
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to module "
                "outputs since no inputs require gradients.",
                stacklevel=2,
            )
            state.call_user_hooks((None,) * state.n_inputs)
        return (None, *grads)


def full_backward_hook_call(module, args: tuple, kwargs: dict, run_forward_hooks: Callable):
    """Run ``module.forward`` with identity nodes around it that call its full backward hooks."""
    input_index = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    state = _BackwardHookState(module, len(args), input_index)
    if grad_mode.is_grad_enabled() and any(args[i].requires_grad for i in input_index):
        wrapped = _InputHook.apply(state, *(args[i] for i in input_index))
        args = list(args)
        for i, t in zip(input_index, wrapped):
            args[i] = t
        args = tuple(args)
        state.has_input_hook = True
    output = run_forward_hooks(args, module.forward(*args, **kwargs))
    single = not isinstance(output, tuple)
    outs = (output,) if single else output
    state.n_outputs = len(outs)
    state.output_index = [
        i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad
    ]
    if not state.output_index or not grad_mode.is_grad_enabled():
        return output
    wrapped = _OutputHook.apply(state, *(outs[i] for i in state.output_index))
    outs = list(outs)
    for i, t in zip(state.output_index, wrapped):
        outs[i] = t
    return outs[0] if single else tuple(outs)
