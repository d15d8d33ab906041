"""Collation: turning a list of samples into a batch (``default_collate``) and converting a single
sample's NumPy data to tensors (``default_convert``), with PyTorch's rules:

* tensors are stacked along a new dim 0; NumPy arrays become tensors first (string/object arrays
  are refused); NumPy scalars become a 1-D tensor of their dtype;
* Python floats give a float64 tensor, ints (and bools) ``tensor(batch)`` (int64, bool, or the
  default float dtype when a float follows a leading int); strings and bytes stay a list;
* mappings, named tuples and sequences are collated field by field (tuples become lists).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, Sequence

from ..._numpy import np
from ...creation import as_tensor, tensor
from ...dtypes import _FROM_NP, float64
from ...ops.join import stack
from ...tensor import Tensor, _wrap

__all__ = ["default_collate", "default_convert"]

_UNSUPPORTED = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_numpy_value(elem_type: type) -> bool:
    # NumPy arrays and scalars, but not np.str_ / np.bytes_ (handled as strings)
    return elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_", "bytes_")


def _is_text_array(array: np.ndarray) -> bool:
    return array.dtype.kind in "SUO"


def _rebuild_mapping(elem: Mapping, values: dict) -> Mapping:
    """A mapping of ``elem``'s type holding ``values`` (a plain dict when that type can't be built)."""
    try:
        if isinstance(elem, MutableMapping):
            clone = copy.copy(elem)  # keeps extra state, e.g. a defaultdict's factory
            clone.update(values)
            return clone
        return type(elem)(values)
    except TypeError:
        return values


def _from_array(array: np.ndarray) -> Tensor:
    return _wrap(array) if array.dtype in _FROM_NP else as_tensor(array)


def default_collate(batch):
    """Collate a list of samples into a batch (see the module docstring for the rules)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch, 0)
    elem_type = type(elem)
    if _is_numpy_value(elem_type):
        if isinstance(elem, np.ndarray):
            if _is_text_array(elem):
                raise TypeError(_UNSUPPORTED.format(elem.dtype))
            return stack([as_tensor(b) for b in batch], 0)
        if getattr(elem, "shape", None) == ():
            if all(type(b) is elem_type for b in batch):
                return _from_array(np.array(batch))  # keeps e.g. int32 (tensor() would widen it)
            return as_tensor(batch)
    if isinstance(elem, float):
        return tensor(batch, dtype=float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        return _rebuild_mapping(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple
        return elem_type(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        collated = [default_collate(samples) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return collated  # PyTorch returns tuples as lists
        try:
            return elem_type(collated)
        except TypeError:
            return collated
    raise TypeError(_UNSUPPORTED.format(elem_type))


def default_convert(data):
    """Convert NumPy arrays and scalars in a sample (also inside mappings and sequences) to
    tensors; everything else is returned as is."""
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if _is_numpy_value(elem_type):
        if isinstance(data, np.ndarray) and elem_type.__name__ == "ndarray" and _is_text_array(data):
            return data
        return as_tensor(data)
    if isinstance(data, Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        converted = [default_convert(d) for d in data]
        try:
            return elem_type(converted)
        except TypeError:
            return converted
    return data
