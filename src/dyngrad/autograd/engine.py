"""The engine: run the backward graph from some outputs, by dependency counting.

1. Walk the graph from the roots (iteratively) and count, for each node, the edges that lead to it.
2. Start from the roots; a node runs once every gradient it waits for has arrived (its count is 0).
   Running a node means: tensor hooks on its incoming gradients, then its ``backward``, whose
   results are summed into the buffers of the nodes it points to.
3. Leaves are ``AccumulateGrad`` nodes, which add into ``tensor.grad`` (one without hooks as soon as
   its last gradient arrives, not through the ready list); ``grad()`` instead captures the
   gradients of the requested inputs and only runs the nodes that lead to them.
A node's saved tensors are dropped as soon as it has run, unless ``retain_graph``.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from .._numpy import np
from ..tensor import Tensor, _wrap
from . import grad_mode
from .function import _RELEASED, Node, _freed_error, _padded_grads


class AccumulateGrad(Node):
    """The node of a leaf tensor: adds the gradient that reaches it into ``tensor.grad``."""

    def __init__(self, tensor: Tensor):
        self._var = weakref.ref(tensor)

    def name(self) -> str:
        return "AccumulateGrad"

    @property
    def variable(self) -> Tensor | None:
        return self._var()


def _store_grad(t: Tensor, g: Tensor, create_graph: bool, handed_out: set) -> None:
    """Add ``g`` into ``t.grad``. A gradient array that is a view, or that went to another tensor
    in this pass, is copied first: in-place edits of one ``.grad`` must never reach another."""
    if g._data.dtype != t._data.dtype:
        g = _wrap(g._data.astype(t._data.dtype))
    old = t._grad
    if old is None:
        if create_graph:
            t._grad = g
            return
        data = g._data
        if id(data) in handed_out or data.base is not None:
            data = data.copy()
        handed_out.add(id(data))
        t._grad = _wrap(data)
    elif create_graph or old._requires_grad:
        t._grad = old + g
    else:
        np.add(old._data, g._data, out=old._data)


def _accumulate_leaf(node: AccumulateGrad, g: Tensor, create_graph: bool, handed_out: set) -> None:
    """A leaf's node run: ``g`` into its tensor's ``.grad``, then the post-accumulate hooks."""
    t = node._var()
    if t is None:
        return
    _store_grad(t, g, create_graph, handed_out)
    if t._post_acc_hooks:
        for hook in list(t._post_acc_hooks):
            if hook(t) is not None:
                raise RuntimeError("Tensor post accumulate grad hooks should return None.")


def _sum(a: Tensor, b: Tensor, create_graph: bool) -> Tensor:
    return a + b if create_graph else _wrap(a._data + b._data)


def _accumulate(buf: list, nr: int, g: Tensor, node: Node, create_graph: bool) -> None:
    """Add ``g`` into ``buf[nr]``, the gradient buffer of ``node``. A sum made here is marked as
    belonging to that buffer alone (``_sum_for``, a weak reference to the node: no cycle, and no
    node kept alive by a gradient) until the node runs: later contributions are added into it in
    place, so a tensor used at every step of a loop costs one array, not one per use. Once the
    node has run, its backward may pass the sum on, shared: the mark then names a node that
    accumulates nothing more in this pass."""
    a = buf[nr]
    mark = a._sum_for
    if mark is not None and mark() is node:
        total, more = a._data, g._data
        if total.shape == more.shape and total.dtype is more.dtype:  # (dtypes are singletons)
            np.add(total, more, total)
            return
    total = buf[nr] = _sum(a, g, create_graph)
    if not create_graph and type(total._data) is np.ndarray:  # 0-d sums come out as NumPy scalars
        total._sum_for = weakref.ref(node)


def _graph_order(roots: list[Node]) -> dict:
    """For every node reachable from ``roots`` (the roots included), ``[the number of edges that
    point to it, None]``: the second slot is for its gradient buffer, one list per node so that
    delivering a gradient along an edge costs one dict lookup. The entries double as the visited
    set: a node is walked when first counted."""
    pending = {r: [0, None] for r in roots}
    # None at the bottom of the stack (and of the ready lists of _leading_to and run_backward)
    # ends the walk: a list that pops empty frees its buffer and the next append allocates
    # another, two trips to the allocator per node of a chain (3.5 % of the backward's instructions)
    stack = [None, *pending]
    while (node := stack.pop()) is not None:
        for e in node._edges:
            if e is not None:
                child = e[0] if type(e) is tuple else e  # (see Node._edges)
                state = pending.get(child)
                if state is not None:
                    state[0] += 1
                else:
                    pending[child] = [1, None]
                    stack.append(child)
    return pending


def _children(node: Node) -> list:
    """The nodes ``node``'s edges lead to (an edge is a node or a ``(node, output_nr)`` tuple)."""
    return [e[0] if type(e) is tuple else e for e in node._edges if e is not None]


def _leading_to(roots: list[Node], graph: dict, targets: set) -> set:
    """The nodes whose backward must run for some target to get its gradient (``graph``: as
    ``_graph_order`` gives it)."""
    pending = {node: state[0] for node, state in graph.items()}
    order = []
    ready = [None] + [r for r in dict.fromkeys(roots) if pending[r] == 0]  # (see _graph_order)
    while (node := ready.pop()) is not None:
        order.append(node)
        for child in _children(node):
            pending[child] -= 1
            if pending[child] == 0:
                ready.append(child)
    needed: set = set()
    for node in reversed(order):
        for child in _children(node):
            if child in targets or child in needed:
                needed.add(node)
                break
    return needed


def _apply_pre_hooks(node: Node, buf: list) -> None:
    for nr, hooks in node._pre_hooks.items():
        if nr == -1:
            for h in list(hooks):
                r = h(tuple(buf))
                if r is not None:
                    buf[:] = list(r)
            continue
        for h in list(hooks):
            if buf[nr] is not None:
                r = h(buf[nr])
                if r is not None:
                    buf[nr] = r


def run_backward(
    roots: Sequence[tuple],
    root_grads: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    targets: Sequence[tuple] | None = None,
) -> list | None:
    """Propagate ``root_grads`` from the edges ``roots``. Without ``targets``, accumulate into the
    leaves' ``.grad``; with them (a list of edges), return their gradients instead."""
    root_nodes = [e[0] for e in roots]
    pending = _graph_order(root_nodes)  # {node: [edges yet to deliver, gradient buffer]}
    capture = None
    needed = None
    if targets is not None:
        capture = {}
        for i, (node, nr) in enumerate(targets):
            capture.setdefault(node, []).append((nr, i))
        needed = _leading_to(root_nodes, pending, set(capture))
    captured: list = [None] * (len(targets) if targets is not None else 0)

    for (node, nr), g in zip(roots, root_grads):
        state = pending[node]
        buf = state[1]
        if buf is None:
            buf = state[1] = [None] * node._n_out
        buf[nr] = g if buf[nr] is None else _sum(buf[nr], g, create_graph)
    ready = [None] + [n for n in dict.fromkeys(root_nodes) if pending[n][0] == 0]
    handed_out = {id(g._data) for g in root_grads}  # the caller may hold these
    prev_mode = grad_mode.enabled
    grad_mode.enabled = create_graph
    try:
        while (node := ready.pop()) is not None:
            buf = pending.pop(node)[1]
            if buf is None:
                buf = [None] * node._n_out
            flagged = node._flagged
            if flagged:
                if node._pre_hooks:
                    _apply_pre_hooks(node, buf)
                if node._retain:
                    for nr, ref in node._retain.items():
                        t = ref()
                        if t is not None and buf[nr] is not None:
                            _store_grad_retained(t, buf[nr], create_graph)
            if capture is not None:
                if node in capture:
                    for nr, i in capture[node]:
                        captured[i] = buf[nr]
                if node not in needed:
                    continue  # leaves included: grad() leaves .grad alone
            elif type(node) is AccumulateGrad:
                if buf[0] is not None:
                    _accumulate_leaf(node, buf[0], create_graph, handed_out)
                continue
            edges = node._edges
            if buf[0] is None and all(g is None for g in buf):
                grads = (None,) * len(edges)
            else:
                if flagged and node._saved is _RELEASED:  # an earlier pass freed what backward reads
                    raise _freed_error(node)
                grads = node.backward(buf[0]) if len(buf) == 1 else node.backward(*buf)
                if type(grads) is not tuple:
                    grads = (grads,)
                if len(grads) != len(edges):
                    grads = _padded_grads(node, grads)
                if flagged and node._post_hooks:
                    for h in node._post_hooks:
                        h(grads, tuple(buf))
            if not retain_graph and not node.stateless:
                # drop what backward needed: saved tensors, the output, the arrays the op kept on
                # itself (its _release_attrs); the graph's shape stays for inspection. Stores, not
                # a new __dict__ (~0.5 us a node: CPython 3.11 first makes the instance's inline
                # attributes a dict), except for a custom Function's ctx, which may hold anything
                release = node._release_attrs
                if release is None:
                    node.__dict__ = {"_edges": edges, "_n_out": node._n_out, "_flagged": True, "_saved": _RELEASED}
                else:
                    node._saved = _RELEASED
                    node._flagged = True
                    node._out = None
                    for name in release:
                        setattr(node, name, None)
            for e, g in zip(edges, grads):
                if e is None:
                    continue
                if type(e) is tuple:  # (see Node._edges)
                    child, nr = e
                else:
                    child, nr = e, 0
                state = pending[child]
                if g is not None:
                    b = state[1]
                    if b is None:
                        if child._n_out == 1:
                            state[1] = [g]
                        else:
                            b = state[1] = [None] * child._n_out
                            b[nr] = g
                    elif b[nr] is None:
                        b[nr] = g
                    else:
                        _accumulate(b, nr, g, child, create_graph)
                state[0] -= 1
                if state[0]:
                    continue
                if type(child) is AccumulateGrad and not child._flagged and capture is None:
                    # a leaf's gradient is complete: stored now rather than after a trip through
                    # the ready list (leaves with hooks are flagged, and keep the order of that list)
                    if state[1] is not None:
                        _accumulate_leaf(child, state[1][0], create_graph, handed_out)
                elif needed is None or child in needed or child in capture:
                    ready.append(child)
    finally:
        grad_mode.enabled = prev_mode
    return captured if targets is not None else None


def _store_grad_retained(t: Tensor, g: Tensor, create_graph: bool) -> None:
    # a retained non-leaf gradient is the tensor's own copy, as in PyTorch
    if t._grad is None:
        t._grad = g if create_graph else _wrap(g._data.copy())
    else:
        t._grad = _sum(t._grad, g, create_graph)


def _make_grads(outputs: Sequence[Tensor], grads: Sequence, what: str) -> list[Tensor]:
    result = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if not out._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs ({what} got an output "
                    f"of shape {list(out.shape)}; pass a gradient of that shape)"
                )
            shape = out._data.shape  # (np.ones is a Python function: 4x the time of np.array)
            g = _wrap(np.array(1, out._data.dtype) if shape == () else np.ones(shape, out._data.dtype))
        elif not isinstance(g, Tensor):
            g = _wrap(np.asarray(g, dtype=out._data.dtype))
        elif g._data.shape != out._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {out.shape}."
            )
        elif g._data.dtype != out._data.dtype:  # as PyTorch: the output's dtype (formulas rely on it)
            g = g.to(out.dtype)
        result.append(g)
    return result


def _as_seq(x) -> list:
    if isinstance(x, Tensor):
        return [x]
    if x is None:
        return [None]
    return list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the graph's leaves (or only of
    ``inputs``)."""
    outputs = _as_seq(tensors)
    grads = _as_seq(grad_tensors) if grad_tensors is not None else [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(grads)} gradients for {len(outputs)} tensors")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outputs, grads, "backward")
    roots = [t._edge() for t in outputs]
    if inputs is None:
        run_backward(roots, grads, retain_graph, create_graph)
        return
    inputs = _as_seq(inputs)
    if not inputs:
        raise RuntimeError("backward: 'inputs' argument to backward() cannot be empty")
    found = run_backward(roots, grads, retain_graph, create_graph, [t._edge() for t in inputs])
    handed_out: set = set()
    for t, g in zip(inputs, found):
        if g is not None:
            _store_grad(t, g, create_graph, handed_out)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs`` (nothing goes into ``.grad``)."""
    if is_grads_batched:
        raise NotImplementedError("dyngrad does not implement autograd.grad(is_grads_batched=True) yet")
    outs = _as_seq(outputs)
    ins = _as_seq(inputs)
    grads = _as_seq(grad_outputs) if grad_outputs is not None else [None] * len(outs)
    if len(grads) != len(outs):
        raise RuntimeError(
            f"grad_outputs has {len(grads)} tensors but outputs has {len(outs)}; they must match"
        )
    if allow_unused is None:
        allow_unused = materialize_grads
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor) or not t._requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outs, grads, "grad")
    found = run_backward(
        [t._edge() for t in outs], grads, retain_graph, create_graph, [t._edge() for t in ins]
    )
    result = []
    for i, (t, g) in enumerate(zip(ins, found)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {i}) appears to not have been used "
                    "in the graph. Set allow_unused=True if this is the desired behavior."
                )
            if materialize_grads:
                g = _wrap(np.zeros_like(t._data))
        elif g._data.dtype != t._data.dtype:
            g = g.to(t.dtype)
        result.append(g)
    return tuple(result)
