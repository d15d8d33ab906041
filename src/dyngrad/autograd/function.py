"""Graph nodes. ``Op`` is the base of every primitive: ``forward`` on NumPy arrays, ``backward`` on
Tensors (so a backward is itself differentiable). ``Function`` is the user-facing custom op."""

from __future__ import annotations

import types
from typing import Any

from .._numpy import np
from ..tensor import Tensor, _wrap
from . import grad_mode
from ._apply import NO_GRAD, _apply_for

_new = object.__new__


_RELEASED = ("released",)  # a node's _saved once the engine has freed what it kept


class Node:
    """A node of the backward graph: a tensor's ``grad_fn``.

    ``_edges[i]`` is where the gradient of forward input ``i`` goes: the node itself when it is
    that node's first output, else ``(node, output_nr)`` (most edges are the former: no tuple per
    input), or None when that input needs no gradient."""

    _edges: tuple = ()
    _saved: tuple = ()
    _saved_versions: tuple = ()
    _n_out = 1
    _pre_hooks = None  # {output_nr: [hook]}: tensor hooks, may replace the gradient
    _retain = None  # {output_nr: weakref to a tensor that called retain_grad()}
    _post_hooks = None  # [hook(grad_inputs, grad_outputs)]
    # hooks or a retained gradient were set, or the node was released: the engine reads this one
    # flag per node and looks closer only when it is set
    _flagged = False
    # per input, truthy when it needs a gradient: while recording, the tuple of edges itself, else
    # NO_GRAD. ``apply`` sets it on every node it makes. The class default is a plain tuple on
    # purpose: CPython 3.11 specialises no load or store of an instance attribute whose class
    # default is an instance of a Python-defined class such as NO_GRAD's (~3x slower, at several
    # reads per op)
    needs_input_grad: Any = ()
    _pads_settings = False  # backward must return exactly one gradient per input
    save_output = False  # an Op whose backward uses its output sets this
    stateless = False  # an Op that keeps nothing for backward: it can run again after release
    # the attributes besides _saved and _out in which the node keeps arrays or tensors for its
    # backward: the engine sets them to None once it has run (tests/test_autograd_release.py
    # checks that no node keeps an array past its backward); None: drop every attribute
    _release_attrs: tuple | None = ()
    _out = None
    # the version counter of the tensor _out belongs to, and its version then; None while that
    # tensor has no counter (Tensor._new_vc gives it over when it is made)
    _out_vc = None
    _out_ver = 0

    def name(self) -> str:
        return type(self).__name__ + "Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"

    @property
    def next_functions(self) -> tuple:
        return tuple(e if type(e) is tuple else (e, 0) if e is not None else (None, 0) for e in self._edges)

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward."""
        if self._post_hooks is None:
            self._post_hooks = []
            self._flagged = True
        self._post_hooks.append(fn)
        return _RemovableHandle(self._post_hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node's backward and may replace the gradients."""
        return self._add_pre_hook(-1, fn)

    def _add_pre_hook(self, output_nr: int, fn):
        if self._pre_hooks is None:
            self._pre_hooks = {}
            self._flagged = True
        hooks = self._pre_hooks.setdefault(output_nr, [])
        hooks.append(fn)
        return _RemovableHandle(hooks, fn)

    # --- saved tensors -------------------------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        if self.needs_input_grad is NO_GRAD:
            return  # nothing is being recorded
        self._saved = tensors
        for t in tensors:
            if t is not None and t._vc is not None:
                break
        else:  # all without a version counter, at version 0: the class default (empty) says so
            return
        versions = []  # a plain loop: cheaper than a comprehension's frame on this hot path
        for t in tensors:
            versions.append(0 if t is None or t._vc is None else t._vc[0])
        self._saved_versions = versions

    @property
    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is _RELEASED:
            raise _freed_error(self)
        versions = self._saved_versions
        if versions:
            for t, v in zip(saved, versions):
                if t is not None:
                    vc = t._vc
                    if vc is not None and vc[0] != v:
                        raise _version_error(self, t, v)
        else:  # all were at version 0 (a second loop: zip with itertools.repeat(0) costs ~0.12 us more)
            for t in saved:
                if t is not None:
                    vc = t._vc
                    if vc is not None and vc[0]:
                        raise _version_error(self, t, 0)
        return saved

    @property
    def output(self) -> Tensor:
        """The op's (first) output, for backward formulas; connected to the graph so that a
        backward run with ``create_graph`` can be differentiated again."""
        out = self._out
        if out is None:  # released
            raise _freed_error(self)
        vc = self._out_vc
        if vc is not None and vc[0] != self._out_ver:
            raise _version_error(self, None, self._out_ver, vc[0])
        t = _new(Tensor)  # _wrap, inline on this hot path
        t._data = out
        t._base = None
        if grad_mode.enabled:
            t._requires_grad = True
            t.grad_fn = self
        return t

    def backward(self, *grads):
        raise NotImplementedError(f"{type(self).__name__} has no backward")


class _RemovableHandle:
    """What ``register_hook`` returns: ``remove()`` takes the hook out again."""

    def __init__(self, hooks: list, fn):
        self._hooks = hooks
        self._fn = fn

    def remove(self) -> None:
        if any(h is self._fn for h in self._hooks):
            self._hooks.remove(self._fn)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _graph_edge(edge: tuple):
    """``(node, output_nr)`` as a graph's edges store it (see Node)."""
    return edge if edge[1] else edge[0]


def _freed_error(node: Node) -> RuntimeError:
    return RuntimeError(
        f"Trying to backward through the graph a second time (or to use saved tensors of "
        f"{node.name()} after they were freed). Saved intermediate values of the graph are freed "
        "when you call .backward() or autograd.grad(). Pass retain_graph=True the first time if "
        "you need to backward through the graph a second time."
    )


def _padded_grads(node: Node, grads) -> tuple:
    """The gradients a backward returned (a tuple), one per input: an Op's settings after its
    tensors (which have no gradient) are padded with None."""
    missing = len(node._edges) - len(grads)
    if missing:
        if missing < 0 or not node._pads_settings:
            raise RuntimeError(
                f"function {node.name()} returned an incorrect number of gradients "
                f"(expected {len(node._edges)}, got {len(grads)})"
            )
        grads += (None,) * missing
    return grads


def _version_error(node: Node, t, expected: int, got: int | None = None) -> RuntimeError:
    what = f"a tensor of shape {list(t.shape)} and dtype {t.dtype}" if t is not None else "its output"
    if got is None:
        got = t._version
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {what}, saved by {node.name()}, is at version {got}; expected version "
        f"{expected} instead."
    )


def _own_copy(fn):
    """A copy of the function ``fn`` with a code object of its own. CPython keeps its attribute
    caches in the code object: a hot function shared by every Op class sees a different class at
    each call and its caches never settle; a copy per class keeps each class's calls monomorphic."""
    copy = types.FunctionType(fn.__code__.replace(), fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__, copy.__qualname__, copy.__doc__ = fn.__kwdefaults__, fn.__qualname__, fn.__doc__
    return copy


# Node methods and properties on the per-op hot path: each Op class gets its own copy (see _own_copy)
_HOT_METHODS = ("save_for_backward", "_arrays", "_grads", "saved_tensors", "output")


class Op(Node):
    """Base of the primitives. Subclasses define ``forward(self, <inputs>, *, <settings>)``, which
    reads input arrays as ``x._data`` and returns an ndarray (or a tuple of them), and
    ``backward(self, *grad_outputs)`` written with dyngrad ops, returning one gradient (or None)
    per positional input. Positional parameters are the inputs (tensors or numbers; each gets an
    edge); settings (dims, flags, index arrays) are keyword-only.

    ``cls.apply``, with forward's parameters, runs the op and records it (see ``_apply_for``)."""

    is_view = False  # forward returns a view of input 0: the output shares its version counter
    _pads_settings = True  # positional inputs after those backward returns gradients for get None
    # The function (a ufunc, or one taking and giving arrays) that IS the op's forward when nothing
    # is recorded, for float tensor operands of one dtype (a Python float or int as a binary op's
    # second operand): ``apply`` then calls it on the arrays and makes no node. For a unary op that
    # saves only its output (``save_output``) it is its recorded forward on float data too. Read
    # from the class's own dict only: a subclass that changes forward does not inherit it.
    no_grad_ufunc = None
    # forward takes ``out=``, an array of its result's shape and dtype to write the result into,
    # and keeps nothing that reads its input: ``apply_inplace`` then writes straight into the
    # tensor (one pass, no temporary) instead of copying a new result over it
    writes_into = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "apply" not in cls.__dict__ and hasattr(cls, "forward"):
            cls.apply = staticmethod(_apply_for(cls))
        for name in _HOT_METHODS:
            member = getattr(cls, name, None)
            if isinstance(member, property):
                setattr(cls, name, property(_own_copy(member.fget), doc=member.__doc__))
            elif member is not None:
                setattr(cls, name, _own_copy(member))


def apply_inplace(cls, x: Tensor, *args, **kwargs) -> Tensor:
    """Run the primitive ``cls`` on ``x`` and write the result into ``x``'s own memory.

    The graph then sees ``x`` as the op's output; a saved copy of the old ``x`` is made only when
    the op kept it for its backward."""
    rec = grad_mode.enabled and (
        x._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
    )
    if x._view_meta is not None and grad_mode.enabled and (rec or x._base._requires_grad):
        raise _inplace_view_error(x)
    if x._base is not None and not x._data.flags.writeable and _repeats(x._data):
        # an expanded view: one memory location stands for several elements
        raise RuntimeError(
            f"{cls.__name__.lower()}_: unsupported operation: more than one element of the written-to "
            f"tensor (shape {list(x.shape)}, strides {list(x.stride())}) refers to a single memory "
            "location. Please clone() the tensor before performing the operation."
        )
    if rec and x.grad_fn is None and x._requires_grad:
        raise RuntimeError(
            f"a leaf Variable that requires grad is being used in an in-place operation "
            f"({cls.__name__.lower()}_); wrap it in dyngrad.no_grad() or use the out-of-place op"
        )
    if rec and x._base is not None:
        from ..ops.inplace_view import apply_inplace_on_view

        return apply_inplace_on_view(cls, x, *args, **kwargs)
    if cls.writes_into:
        kwargs["out"] = x._data
    if not rec:
        node = _new(cls)
        node.needs_input_grad = NO_GRAD
        out = node.forward(x, *args, **kwargs)
        _write_into(x, out, cls)
        x._bump()
        return x
    old = x._alias()
    y = cls.apply(old, *args, **kwargs)
    node = y.grad_fn
    if any(s is old for s in node._saved):
        # the op needs the value before the write: keep a private copy of it
        old._data = old._data.copy()
        old._vc = [0]
        if node._saved_versions:  # (empty: all at version 0, as the private copy is)
            node._saved_versions = [0 if s is old else v for s, v in zip(node._saved, node._saved_versions)]
    _write_into(x, y._data, cls)
    x._bump()
    _rebind(x, node)
    if node._out is not None:
        node._out = x._data
        node._out_vc = x._vc
        node._out_ver = x._vc[0]
    return x


def _rebind(t: Tensor, node: Node) -> None:
    """Make output 0 of ``node`` the history of ``t``, which an in-place op rewrote. A retained
    gradient moves along: ``.grad`` is then the gradient of ``t`` as it now is, as in PyTorch."""
    old, old_nr = t.grad_fn, t._output_nr
    t.grad_fn = node
    t._output_nr = 0
    t._requires_grad = True
    if t._retains_grad and old is not node:
        if old is not None and old._retain:
            old._retain.pop(old_nr, None)
        t._retains_grad = False
        t.retain_grad()


def _repeats(a: np.ndarray) -> bool:
    """Whether some memory location of ``a`` stands for several of its elements (a 0 stride)."""
    return any(st == 0 and n > 1 for st, n in zip(a.strides, a.shape))


def _inplace_view_error(x: Tensor) -> RuntimeError:
    """PyTorch's refusal to record an in-place write into a view whose history cannot say it."""
    meta = x._view_meta
    if meta == "no_grad":
        return RuntimeError(
            "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
            "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
            "your code by moving both the view and the inplace either both inside the no_grad block "
            "(if you don't want the inplace to be tracked) or both outside (if you want the inplace "
            "to be tracked)."
        )
    if meta == "multi" and x.grad_fn is not None:
        what = f"Output {x._output_nr} of {x.grad_fn.name().removesuffix('Backward0')} is a view and is"
    else:
        what = "A view was created in no_grad mode and is"
    return RuntimeError(
        f"{what} being modified inplace. This view is the output of a function that returns multiple "
        "views. Such functions do not allow the output views to be modified inplace. You should "
        "replace the inplace operation by an out-of-place one."
    )


def _write_into(x: Tensor, out: np.ndarray, cls) -> None:
    if out.dtype != x._data.dtype and not np.can_cast(out.dtype, x._data.dtype, "same_kind"):
        raise RuntimeError(
            f"{cls.__name__.lower()}_: result type {out.dtype} can't be cast to the desired "
            f"output type {x._data.dtype} of the in-place operation"
        )
    if out is not x._data:
        np.copyto(x._data, out, casting="unsafe")


# --- user-defined functions -----------------------------------------------------------------


class FunctionCtx(Node):
    """The ``ctx`` of a custom ``Function``: also its graph node."""

    _release_attrs = None  # whatever backward() set on ctx: the engine drops all of it

    def mark_dirty(self, *tensors) -> None:
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_diff = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = value

    def save_for_backward(self, *tensors) -> None:
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save tensors (or None), got {type(t).__name__}"
                )
        Node.save_for_backward(self, *tensors)

    def name(self) -> str:
        return self._fn_cls.__name__ + "Backward"

    @property
    def saved_tensors(self) -> tuple:
        saved = Node.saved_tensors.fget(self)
        outputs = self.__dict__.get("_saved_outputs")
        if outputs and grad_mode.enabled:
            # a saved output, unpacked while create_graph records: it is this node's output again,
            # so second derivatives flow through it
            saved = list(saved)
            for j, i in outputs.items():
                t = saved[j]._alias()
                t._requires_grad = True
                t.grad_fn = self
                t._output_nr = i
                saved[j] = t
            saved = tuple(saved)
        return saved

    def backward(self, *grads):
        if getattr(self, "_materialize", True):
            grads = tuple(
                g if g is not None else _zeros_like_output(self, i) for i, g in enumerate(grads)
            )
        return self._fn_cls.backward(self, *grads)


def _zeros_like_output(ctx: FunctionCtx, i: int) -> Tensor:
    shape, dt = ctx._out_meta[i]
    return _wrap(np.zeros(shape, dt))


class FunctionMeta(type):
    """Gives each Function subclass a ctx class of its own, named like PyTorch's."""

    def __init__(cls, name, bases, ns):
        super().__init__(name, bases, ns)
        cls._backward_cls = type(name + "Backward", (FunctionCtx,), {"_fn_cls": cls})


class Function(metaclass=FunctionMeta):
    """A user-defined differentiable op: static ``forward(ctx, *args)`` computes with tensors (grad
    is off inside), static ``backward(ctx, *grad_outputs)`` returns one gradient per input."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, ...)")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = _new(cls._backward_cls)
        needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        record = grad_mode.enabled and any(needs)
        ctx.needs_input_grad = needs
        prev = grad_mode.enabled
        grad_mode.enabled = False
        try:
            out = cls.forward(ctx, *args, **kwargs)
        finally:
            grad_mode.enabled = prev
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        if not record:
            return out
        non_diff = {id(t) for t in getattr(ctx, "_non_diff", ())}
        dirty = {id(t) for t in getattr(ctx, "_dirty", ())}
        ctx._edges = tuple(_graph_edge(a._edge()) if n else None for a, n in zip(args, needs))
        ctx._n_out = len(outs)
        ctx._out_meta = []
        results = []
        saved_ids = {id(t): i for i, t in enumerate(ctx._saved) if t is not None}
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                results.append(o)
                ctx._out_meta.append(((), np.float32))
                continue
            ctx._out_meta.append((o._data.shape, o._data.dtype))
            if id(o) in dirty:
                o._bump()
                t = o
            elif any(o is a for a in args) or o.grad_fn is not None or o._requires_grad:
                t = o._alias()  # an input returned as is: a new tensor on the same memory
            else:
                t = o
            if id(o) not in non_diff and t._data.dtype.kind == "f":
                t._requires_grad = True
                t.grad_fn = ctx
                t._output_nr = i
            results.append(t)
            if id(o) in saved_ids:  # saving an output: keep a graph-free alias (no cycle) and
                j = saved_ids[id(o)]  # reconnect it on unpacking (see FunctionCtx.saved_tensors)
                saved = list(ctx._saved)
                saved[j] = o.detach()
                ctx._saved = tuple(saved)
                if t.grad_fn is ctx:
                    ctx._saved_outputs = {**ctx.__dict__.get("_saved_outputs", {}), j: i}
        return results[0] if single else tuple(results)


def once_differentiable(fn):
    """Accepted for PyTorch compatibility; dyngrad's custom backwards already run without grad
    unless create_graph is set."""
    return fn
