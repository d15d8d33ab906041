"""How an Op runs: ``apply``, generated per Op class with its forward's parameters, and the
wrapping of its outputs (views, several outputs).

The source of a class's ``apply`` is assembled from the templates below and compiled once per
distinct text; ``inspect.getsource(SomeOp.apply)`` shows it, and tracebacks show its lines."""

from __future__ import annotations

import inspect
import linecache
import types
from typing import TYPE_CHECKING

from .._numpy import np
from ..tensor import Tensor
from . import grad_mode

if TYPE_CHECKING:
    from .function import Node

_new = object.__new__
_FLOAT32 = np.dtype(np.float32)


class _AllFalse(tuple):
    """needs_input_grad when nothing is recorded: False at every index. An empty tuple, so that
    ``if self.needs_input_grad:`` in every forward costs no Python call."""

    __slots__ = ()

    def __getitem__(self, i):
        return False


NO_GRAD = _AllFalse()


# ``apply`` is generated per Op class from the text below, with the parameters of the class's
# ``forward``: a call with fixed parameters costs CPython 3.11 no argument tuple or dict, and the
# input block written out per positional parameter instead of a loop (together ~0.2-0.3 us of a
# ~1.5 us recorded op; ``inspect.getsource(Mul.apply)`` shows one). ``{inputs}`` is one ``_INPUT``
# block per positional parameter (and a loop over a ``*args`` parameter's), then ``_NO_GRAD`` for
# an op with a ``no_grad_ufunc``; ``{tail}`` is ``_TAIL``, or for a view op a call of ``_outputs``.
_APPLY = """\
def apply({params}):
    _edges = None
    if grad_mode.enabled:
{inputs}\
    _node = cls()
    _node.needs_input_grad = NO_GRAD if _edges is None else _edges
    _out = {forward}
{tail}"""

# one positional input: its edge, in a local of its own (``{e}``), made when it needs a gradient
# (most calls outside training record nothing). ``_GATHER`` then packs the edges into a tuple, one
# allocation where a list is two; the tuple doubles as needs_input_grad
_INPUT = """\
        if isinstance({x}, Tensor):
            if {x}._base is not None and {x}._vc[0] != {x}._view_ver:
                {x}._sync_view()  # its base was written in place since: it may need grad now
            if {x}._requires_grad:
                _fn = {x}.grad_fn
                if _fn is None:  # a leaf: its AccumulateGrad node
                    {e} = {x}._acc_node or {x}._edge()[0]
                else:  # its node alone for a first output (no tuple to make), see Node
                    {e} = (_fn, {x}._output_nr) if {x}._output_nr else _fn
"""

_GATHER = """\
        if {any_edge}:
            _edges = ({edges})
"""

# ``fast`` (the class's no_grad_ufunc) on the arrays of float operands of one dtype (a Python
# float or int second operand counts as one): no node, no forward. Anything else (other dtypes,
# operands that don't broadcast) falls through to the op's forward, its promotions and errors.
_NO_GRAD = """\
    elif isinstance({x}, Tensor){settings_unset}:
        _d = {x}._data
        _dt = _d.dtype
{second}        if {second_ok}(_dt is _FLOAT32 or _dt.kind == "f"):
            try:
                _out = fast({operands})
            except ValueError:
                _out = None
            if _out is not None:
                _t = _new(Tensor)
                _t._data = _out if type(_out) is np.ndarray else np.asarray(_out)
                _t._base = None
                return _t
"""

# the recorded forward of a unary op whose forward is its ufunc on float data and that saves only
# its output (exp, tanh, sigmoid...): the ufunc itself, without forward's call
_UFUNC_FORWARD = ("fast({x}._data) if isinstance({x}, Tensor) and ({x}._data.dtype is _FLOAT32 or "
                  "{x}._data.dtype.kind == \"f\") else _node.forward({x})")

# a binary op's second operand: its array when it has the first one's dtype; a Python float or
# int made a 0-d array of that dtype, as ``_operands`` makes it (the bits of NumPy's weak scalar)
_SECOND = """\
        if isinstance({y}, Tensor):
            _y = {y}._data if {y}._data.dtype is _dt else None
        elif type({y}) is float or type({y}) is int:
            _y = np.array({y}, _dt)
        else:
            _y = None
"""

# one ndarray output, not a view (dtypes are singletons: ``is`` first)
_TAIL = """\
    if type(_out) is not np.ndarray:
        return _outputs(_node, _out, _edges, None)
    _t = _new(Tensor)
    _t._data = _out
    _t._base = None  # read whenever the tensor is an op's input: on the instance, that read is fast
    if _edges is not None and (_out.dtype is _FLOAT32 or _out.dtype.kind == "f"):
        _node._edges = _edges
        _t._requires_grad = True
        _t.grad_fn = _node
        _t._output_nr = 0
{save_output}\
    return _t
"""

# the output saved at version 0; its version counter is made when first needed, and the node
# then takes it (Tensor._new_vc): no counter for an output nobody views or writes. (_out_vc is
# stored all the same: backward's read of it is then an instance read, the fast one)
_SAVE_OUTPUT = """\
        _node._out = _out
        _node._out_vc = None
"""


_CO_VARARGS, _CO_VARKEYWORDS = inspect.CO_VARARGS, inspect.CO_VARKEYWORDS
# names the generated code uses: a forward parameter may not take one of them
_RESERVED = {"cls", "fast", "Tensor", "grad_mode", "NO_GRAD", "np", "_new", "_FLOAT32", "_outputs"}
_compiled: dict = {}  # generated source -> the code of its function (many ops share a signature)


def _apply_for(cls):
    """The ``apply`` of the Op class ``cls``, generated from ``_APPLY`` with the parameters of
    ``cls.forward`` (their names and defaults: keyword calls work as on forward). Positional
    parameters are the inputs, whose edges the node records (one per positional parameter; a
    ``*args`` parameter gives one per argument); keyword-only ones are settings. The class and its
    flags are read once, here."""
    forward = cls.forward
    co = forward.__code__
    names = co.co_varnames
    inputs = list(names[1:co.co_argcount])  # without self
    settings = list(names[co.co_argcount:co.co_argcount + co.co_kwonlyargcount])
    rest = iter(names[co.co_argcount + co.co_kwonlyargcount:])
    varargs = next(rest) if co.co_flags & _CO_VARARGS else None
    varkw = next(rest) if co.co_flags & _CO_VARKEYWORDS else None
    clash = [n for n in inputs + settings + [varargs, varkw] if n and (n in _RESERVED or n.startswith("_"))]
    if clash:
        raise TypeError(f"{cls.__name__}.forward: parameter names {clash} are reserved for the generated apply")
    kwdefaults = forward.__kwdefaults__ or {}

    params = inputs + ([f"*{varargs}"] if varargs else ["*"] if settings else []) + settings
    args = inputs + ([f"*{varargs}"] if varargs else []) + [f"{n}={n}" for n in settings]
    if varkw:
        params.append(f"**{varkw}")
        args.append(f"**{varkw}")
    slots = [f"_e{i}" for i in range(len(inputs))]
    input_blocks = f"        {' = '.join(slots)} = None\n" if slots else ""
    input_blocks += "".join(_INPUT.format(x=x, e=slot) for x, slot in zip(inputs, slots))
    any_edge = [f"{slot} is not None" for slot in slots]
    if varargs:  # one edge per argument it takes, after the named inputs'
        input_blocks += (f"        _rest = [None] * len({varargs})\n"
                         f"        for _i, _x in enumerate({varargs}):\n"
                         + _indent(_INPUT.format(x="_x", e="_rest[_i]")))
        slots.append("*_rest")
        any_edge.append("_rest.count(None) != len(_rest)")
    if slots:
        edges = ", ".join(slots) + ("," if len(slots) == 1 else "")  # (a one-tuple's comma)
        input_blocks += _GATHER.format(any_edge=" or ".join(any_edge), edges=edges)
    fast = cls.__dict__.get("no_grad_ufunc")
    no_grad = ""
    # the ufunc is the whole forward only with the settings at their defaults (the same objects)
    if (fast is not None and not varargs and len(inputs) == getattr(fast, "nin", 1)
            and all(n in kwdefaults for n in settings)):
        unset = "".join(f" and {n} is _default_{n}" for n in settings) + (f" and not {varkw}" if varkw else "")
        binary = len(inputs) == 2
        no_grad = _NO_GRAD.format(x=inputs[0], settings_unset=unset, second=_SECOND.format(y=inputs[1]) if binary else "",
                                  second_ok="_y is not None and " if binary else "",
                                  operands="_d, _y" if binary else "_d")
    forward_call = f"_node.forward({', '.join(args)})"
    if no_grad and len(inputs) == 1 and not settings and not varkw and cls.save_output:
        forward_call = _UFUNC_FORWARD.format(x=inputs[0])
    if cls.is_view:
        tail = f"    return _outputs(_node, _out, _edges, {inputs[0] if inputs else varargs + '[0]'})\n"
    else:
        tail = _TAIL.format(save_output=_SAVE_OUTPUT if cls.save_output else "")
    source = _APPLY.format(params=", ".join(params), inputs=input_blocks + no_grad or "        pass\n",
                           forward=forward_call, tail=tail)

    code = _compiled.get(source)
    if code is None:
        filename = f"<dyngrad generated apply #{len(_compiled)}>"
        scratch: dict = {}
        exec(compile(source, filename, "exec"), scratch)
        code = _compiled[source] = scratch["apply"].__code__
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # for tracebacks
    # __name__: the op's module, for warnings raised in apply (dyngrad filters NumPy's RuntimeWarnings
    # by module: see __init__.py)
    namespace = {"__name__": cls.__module__, "cls": cls, "fast": fast, "Tensor": Tensor, "grad_mode": grad_mode,
                 "NO_GRAD": NO_GRAD, "np": np, "_new": _new, "_FLOAT32": _FLOAT32, "_outputs": _outputs}
    namespace.update((f"_default_{n}", v) for n, v in kwdefaults.items())
    # a code object of its own per class: CPython keeps its attribute caches there (see _own_copy)
    apply = types.FunctionType(code.replace(co_qualname=f"{cls.__qualname__}.apply"), namespace, "apply",
                               forward.__defaults__)
    apply.__kwdefaults__ = forward.__kwdefaults__
    apply.__doc__ = f"Run {cls.__name__} on its inputs and record it when one needs a gradient."
    return apply


def _indent(text: str) -> str:
    return "".join("    " + line if line.strip() else line for line in text.splitlines(True))


def _outputs(node: Node, out, edges: tuple | None, view_of: Tensor | None):
    """What the generated ``apply`` leaves to this: several outputs, a view of input ``view_of``
    (None for an op that is not a view), or a result that is not an ndarray."""
    if type(out) is tuple:
        return _wrap_outputs(node, out, edges, view_of)
    t = _new(Tensor)
    t._data = out if type(out) is np.ndarray else np.asarray(out)
    if view_of is not None:
        _make_view(t, view_of)
    else:
        t._base = None
    if edges is not None and t._data.dtype.kind == "f":
        node._edges = edges
        t._requires_grad = True
        t.grad_fn = node
        t._output_nr = 0
        if node.save_output:
            node._out = t._data
            if t._vc is not None:  # a view's, shared with its base (else see _SAVE_OUTPUT)
                node._out_vc = t._vc
                node._out_ver = t._vc[0]
    return t


def _make_view(t: Tensor, src: Tensor) -> None:
    base = src._base if src._base is not None else src
    t._base = base
    t._vc = base._vc_get()
    t._view_ver = t._vc[0]
    meta = src._view_meta if grad_mode.enabled else "no_grad"
    if meta is not None:
        t._view_meta = meta


def _wrap_outputs(node: Node, outs: tuple, edges: tuple | None, view_of: Tensor | None) -> tuple:
    node._n_out = len(outs)
    results = []
    for i, o in enumerate(outs):
        t = _new(Tensor)
        t._data = o if type(o) is np.ndarray else np.asarray(o)
        if view_of is not None:
            _make_view(t, view_of)
            if grad_mode.enabled:
                t._view_meta = "multi" if edges is not None else "no_grad multi"
        if edges is not None and t._data.dtype.kind == "f":
            t._requires_grad = True
            t.grad_fn = node
            t._output_nr = i
        results.append(t)
    if edges is not None:
        node._edges = edges
    return tuple(results)
