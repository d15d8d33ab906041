"""Parameter: a tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

from .. import dtypes
from .._numpy import np
from ..tensor import Tensor

__all__ = ["Parameter", "Buffer"]

_new = object.__new__


class Parameter(Tensor):
    """A leaf tensor that requires grad (by default) and that a ``Module`` registers when it is
    assigned as an attribute. It shares ``data``'s memory and version counter: no copy."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            array = np.empty((0,), dtypes.get_default_dtype().np)
            vc = None
        elif isinstance(data, Tensor):
            array = data._data
            vc = data._vc_get()
        else:
            raise TypeError(
                f"Parameter(data): data must be a Tensor (or None), got {type(data).__name__}"
            )
        p = _new(cls)
        p._data = array
        if vc is not None:
            p._vc = vc
        if requires_grad:
            p.requires_grad_(True)  # raises for integer data, as PyTorch does
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        pass  # everything happens in __new__ (Tensor.__init__ is the legacy constructor)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data, self._requires_grad))


def _rebuild_parameter(data: np.ndarray, requires_grad: bool) -> Parameter:
    p = _new(Parameter)
    p._data = data
    if requires_grad:
        p._requires_grad = True
    return p


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute
    (``torch.nn.Buffer``); ``persistent=False`` keeps it out of the state_dict."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            data = Tensor.__new__(Tensor)
            data._data = np.empty((0,), dtypes.get_default_dtype().np)
        t = _new(cls)
        t._data = data._data
        t._vc = data._vc_get()
        t.persistent = persistent
        return t

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True):
        pass
