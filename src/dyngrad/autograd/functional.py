"""Higher-level derivatives of a function (``dyngrad.autograd.functional``): jacobian, hessian,
vjp, jvp, vhp and hvp, each built from reverse-mode ``grad`` calls. As in PyTorch, a tuple of
inputs (or outputs) gives tuples in the result, a single tensor a tensor; an input that the
output does not depend on gets zeros (``strict=True`` raises instead)."""

from __future__ import annotations

from collections.abc import Callable

from ..tensor import Tensor
from . import grad_mode
from .engine import grad


def stack(tensors: list) -> Tensor:
    from ..ops.join import stack as _stack  # the ops import autograd: bound on use

    return _stack(tensors)

__all__ = ["jacobian", "hessian", "vjp", "jvp", "vhp", "hvp"]


def _as_tuple(x, what: str, fn: str) -> tuple[bool, tuple]:
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}: expected {what} to be a Tensor or a tuple of Tensors, got "
                            f"{type(t).__name__} at position {i}")
    return is_tuple, items


def _prepare(inputs: tuple, create_graph: bool) -> tuple:
    # fresh leaves (or, with create_graph, views that keep the caller's graph)
    return tuple(x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_(True)
                 for x in inputs)


def _grads(outputs, inputs: tuple, grad_outputs, create_graph: bool, strict: bool, fn: str) -> tuple:
    got = grad(outputs, inputs, grad_outputs, retain_graph=True, create_graph=create_graph, allow_unused=True)
    result = []
    for i, (g, x) in enumerate(zip(got, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"{fn}: the output is independent of input {i}; strict=True forbids that")
            g = x.new_zeros(x.shape)
        result.append(g if create_graph else g.detach())
    return tuple(result)


def _call(func: Callable, inputs: tuple, fn: str) -> tuple[bool, tuple]:
    with grad_mode.enable_grad():
        out = func(*inputs)
    return _as_tuple(out, "the function's outputs", fn)


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """d func(inputs) / d inputs: for each (output, input) pair a tensor of shape
    ``output.shape + input.shape``."""
    if strategy != "reverse-mode":
        raise NotImplementedError("jacobian: only strategy='reverse-mode' is supported")
    in_tuple, xs = _as_tuple(inputs, "inputs", "jacobian")
    xs = _prepare(xs, create_graph)
    out_tuple, outs = _call(func, xs, "jacobian")
    blocks = []
    for out in outs:
        flat = out.reshape(-1)
        rows = [_grads(flat[j], xs, None, create_graph, strict, "jacobian") for j in range(flat.numel())]
        per_input = []
        for i, x in enumerate(xs):
            if rows:
                jac = stack([r[i] for r in rows]).reshape(tuple(out.shape) + tuple(x.shape))
            else:
                jac = x.new_zeros(tuple(out.shape) + tuple(x.shape))
            per_input.append(jac)
        blocks.append(tuple(per_input) if in_tuple else per_input[0])
    return tuple(blocks) if out_tuple else blocks[0]


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The second derivatives of a scalar ``func``: ``input_i.shape + input_j.shape`` per pair."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*args):
        out = func(*args)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("hessian: the function must return a single-element Tensor")
        return _grads(out, args, None, True, strict, "hessian")

    h = jacobian(gradient, xs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                 strategy=outer_jacobian_strategy)
    return h if in_tuple else h[0][0]


def _v_tuple(v, like: tuple, fn: str, what: str) -> tuple:
    if v is None:
        if all(t.numel() == 1 for t in like):
            return tuple(t.new_ones(t.shape) for t in like)
        raise RuntimeError(f"{fn}: v can only be None if the {what} is a single-element Tensor")
    _, vs = _as_tuple(v, "v", fn)
    if len(vs) != len(like) or any(tuple(a.shape) != tuple(b.shape) for a, b in zip(vs, like)):
        raise RuntimeError(f"{fn}: v must have the shapes of the {what}: "
                           f"{[list(t.shape) for t in like]}, got {[list(t.shape) for t in vs]}")
    return vs


def _pack(items: tuple, as_tuple: bool):
    return items if as_tuple else items[0]


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "vjp")
    xs = _prepare(xs, create_graph)
    out_tuple, outs = _call(func, xs, "vjp")
    vs = _v_tuple(v, outs, "vjp", "outputs")
    result = _grads(outs, xs, vs, create_graph, strict, "vjp")
    outs = tuple(o if create_graph else o.detach() for o in outs)
    return _pack(outs, out_tuple), _pack(result, in_tuple)


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J v)``: the Jacobian-vector product (by differentiating a vjp in its vector)."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "jvp")
    xs = _prepare(xs, create_graph)
    vs = _v_tuple(v, xs, "jvp", "inputs")
    out_tuple, outs = _call(func, xs, "jvp")
    us = tuple(o.new_zeros(o.shape).requires_grad_(True) for o in outs)
    with grad_mode.enable_grad():
        g = _grads(outs, xs, us, True, strict, "jvp")
    result = _grads(g, us, vs, create_graph, strict, "jvp")
    outs = tuple(o if create_graph else o.detach() for o in outs)
    return _pack(outs, out_tuple), _pack(result, out_tuple)


def _second(func: Callable, inputs, v, create_graph: bool, strict: bool, fn: str, transpose: bool):
    in_tuple, xs = _as_tuple(inputs, "inputs", fn)
    xs = _prepare(xs, create_graph)
    vs = _v_tuple(v, xs, fn, "inputs")
    _, outs = _call(func, xs, fn)
    if len(outs) != 1 or outs[0].numel() != 1:
        raise RuntimeError(f"{fn}: the function must return a single-element Tensor")
    with grad_mode.enable_grad():
        g = _grads(outs[0], xs, None, True, strict, fn)
        # the Hessian is symmetric for smooth functions: v^T H and H v are one product, computed
        # as PyTorch does for each (hvp through a double vjp)
        if transpose:
            us = tuple(x.new_zeros(x.shape).requires_grad_(True) for x in xs)
            gu = _grads(g, xs, us, True, strict, fn)
            result = _grads(gu, us, vs, create_graph, strict, fn)
        else:
            result = _grads(g, xs, vs, create_graph, strict, fn)
    out = outs[0] if create_graph else outs[0].detach()
    return out, _pack(result, in_tuple)


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T H)`` for a scalar ``func``."""
    return _second(func, inputs, v, create_graph, strict, "vhp", transpose=False)


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H v)`` for a scalar ``func``."""
    return _second(func, inputs, v, create_graph, strict, "hvp", transpose=True)
