"""Creation functions: tensor, as_tensor, from_numpy, zeros/ones/full/empty (+ _like), arange,
linspace, eye. (Random ones live in ``random.py``.)"""

from __future__ import annotations

__all__ = [
    "tensor",
    "as_tensor",
    "asarray",
    "from_numpy",
    "zeros",
    "ones",
    "empty",
    "full",
    "zeros_like",
    "ones_like",
    "empty_like",
    "full_like",
    "arange",
    "linspace",
    "logspace",
    "eye",
]


import math

from . import dtypes
from ._numpy import np
from .device import device as _device
from .ops._util import out_variant
from .tensor import Tensor, _wrap


def _finish(data: np.ndarray, requires_grad: bool, device=None) -> Tensor:
    if device is not None:
        _device(device)
    t = _wrap(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _np_dtype(dtype, default=None) -> np.dtype | None:
    if dtype is None:
        return default
    return dtypes.to_numpy_dtype(dtypes.as_dtype(dtype) if isinstance(dtype, str) else dtype)


def _infer_array(data) -> np.ndarray:
    """PyTorch's dtype inference for ``tensor(data)``: Python floats give the default dtype,
    ints int64, bools bool; NumPy arrays and scalars keep theirs."""
    if isinstance(data, Tensor):
        return data._data.copy()
    if isinstance(data, np.ndarray):
        return data.copy()
    if isinstance(data, np.generic):
        return np.array(data)
    if isinstance(data, (list, tuple)) and _has_tensor(data):
        data = _tensors_to_arrays(data)
    arr = np.array(data)
    if arr.dtype == np.float64 and not _has_numpy_float64(data):
        arr = arr.astype(dtypes.get_default_dtype().np)
    elif arr.dtype.kind == "i" and arr.dtype != np.int64:
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "biuf":
        raise TypeError(
            f"tensor: could not infer a dtype for data of type {type(data).__name__} "
            f"(NumPy made it {arr.dtype}); expected numbers, bools, nested lists of them, or arrays"
        )
    return arr


def _has_tensor(seq) -> bool:
    return any(isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and _has_tensor(x)) for x in seq)


def _tensors_to_arrays(seq):
    return [
        x._data if isinstance(x, Tensor) else _tensors_to_arrays(x) if isinstance(x, (list, tuple)) else x
        for x in seq
    ]


def _has_numpy_float64(data) -> bool:
    if isinstance(data, (list, tuple)):
        return bool(data) and _has_numpy_float64(data[0])
    return isinstance(data, (np.float64, np.ndarray)) and np.asarray(data).dtype == np.float64


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (numbers, nested lists, arrays or tensors)."""
    if dtype is not None and not isinstance(data, (Tensor, np.ndarray)):
        # convert straight to the requested dtype: no detour through float32 for Python floats
        if isinstance(data, (list, tuple)) and _has_tensor(data):
            data = _tensors_to_arrays(data)
        arr = np.array(data, dtype=_np_dtype(dtype))
    else:
        arr = _infer_array(data)
        if dtype is not None:
            arr = arr.astype(_np_dtype(dtype), copy=False)
    return _finish(arr, requires_grad, device)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory with a NumPy array or tensor when the dtype allows."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and data.dtype in dtypes._FROM_NP:
        want = _np_dtype(dtype, data.dtype)
        return _finish(data if want == data.dtype else data.astype(want), False, device)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (no copy)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    dtypes.from_numpy_dtype(ndarray.dtype)
    return _wrap(ndarray)


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = tuple(int(s) for s in size)
    if any(s < 0 for s in out):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(out)}")
    return out


def _filled(fill, size, dtype, device, requires_grad, default=None) -> Tensor:
    dt = _np_dtype(dtype, default or dtypes.get_default_dtype().np)
    shape = _size(size)
    if fill == 0:
        arr = np.zeros(shape, dt)
    elif fill == 1:
        arr = np.ones(shape, dt)
    else:
        arr = np.full(shape, fill, dt)
    return _finish(arr, requires_grad, device)


@out_variant
def zeros(*size, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    return _filled(0, size, dtype, device, requires_grad)


@out_variant
def ones(*size, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    return _filled(1, size, dtype, device, requires_grad)


@out_variant
def empty(*size, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False, memory_format=None) -> Tensor:
    dt = _np_dtype(dtype, dtypes.get_default_dtype().np)
    return _finish(np.empty(_size(size), dt), requires_grad, device)


@out_variant
def full(size, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = dtypes.result_type(fill_value)
    return _filled(fill_value, (size,), dtype, device, requires_grad)


def _like(input: Tensor, dtype):
    return dtype if dtype is not None else input.dtype


def zeros_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _filled(0, (input.shape,), _like(input, dtype), device, requires_grad)


def ones_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _filled(1, (input.shape,), _like(input, dtype), device, requires_grad)


def empty_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _finish(np.empty(input._data.shape, _np_dtype(_like(input, dtype))), requires_grad, device)


def full_like(input: Tensor, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _filled(fill_value, (input.shape,), _like(input, dtype), device, requires_grad)


@out_variant
def arange(start, end=None, step=1, *, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) in steps of ``step``."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"arange: upper bound and larger bound inconsistent with step sign (start={start}, end={end}, step={step})"
        )
    n = math.ceil((end - start) / step)
    if dtype is None:
        dtype = dtypes.result_type(*vals) if not all(isinstance(v, int) for v in vals) else dtypes.int64
        if dtype is not dtypes.int64:
            dtype = dtypes.get_default_dtype()
    dt = _np_dtype(dtype)
    if dt.kind in "iu":
        arr = np.arange(start, start + n * step, step, dtype=np.int64)[:n].astype(dt)
    else:
        arr = (start + np.arange(n, dtype=np.float64) * step).astype(dt)
    return _finish(arr, requires_grad, device)


def _linspace_values(start: float, end: float, steps: int, dt: np.dtype) -> np.ndarray:
    """PyTorch's linspace (found by experiment): ``step = (end - start) / (steps - 1)`` in the
    dtype (integer dtypes truncate the ends first); the first ``steps // 2`` values are ``fma(i, step, start)``, the rest count back from
    the end: ``fma(-(steps - 1 - i), step, end)``. Integer dtypes truncate the float64 values."""
    from ._generator import fma32, fma64

    if steps == 0:
        return np.empty(0, dt)
    if steps == 1:
        return np.array([start], dtype=np.float64).astype(dt)
    wide = dt.kind != "f" or dt == np.float64
    ct = np.float64 if wide else np.float32
    fma = fma64 if wide else fma32
    lo, hi = (ct(start), ct(end)) if dt.kind == "f" else (ct(math.trunc(start)), ct(math.trunc(end)))
    step = (hi - lo) / ct(steps - 1)
    half = steps // 2
    out = np.empty(steps, ct)
    out[:half] = fma(np.arange(half, dtype=ct), step, lo)
    out[half:] = fma(-np.arange(steps - 1 - half, -1, -1, dtype=ct), step, hi)
    return np.trunc(out).astype(dt) if dt.kind != "f" else out.astype(dt, copy=False)


@out_variant
def linspace(start, end, steps: int, *, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (bit-exact with PyTorch)."""
    dt = _np_dtype(dtype, dtypes.get_default_dtype().np)
    steps = int(steps)
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative (got {steps})")
    start, end = (float(v.item()) if isinstance(v, Tensor) else float(v) for v in (start, end))
    return _finish(_linspace_values(start, end, steps, dt), requires_grad, device)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    dt = _np_dtype(dtype, dtypes.get_default_dtype().np)
    arr = np.power(base, np.linspace(float(start), float(end), int(steps))).astype(dt)
    return _finish(arr, requires_grad, device)


@out_variant
def eye(n: int, m: int | None = None, *, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """A 2-D tensor with ones on the diagonal."""
    dt = _np_dtype(dtype, dtypes.get_default_dtype().np)
    return _finish(np.eye(n, m if m is not None else n, dtype=dt), requires_grad, device)


def _legacy_tensor(args: tuple, kwargs: dict) -> np.ndarray:
    """``Tensor(*sizes)`` (uninitialised float) or ``Tensor(data)`` (float copy)."""
    if kwargs:
        raise TypeError(f"Tensor(): unexpected keyword arguments {sorted(kwargs)}")
    dt = dtypes.get_default_dtype().np
    if not args:
        return np.empty((0,), dt)
    if all(isinstance(a, (int, np.integer)) for a in args):
        return np.zeros(tuple(int(a) for a in args), dt)
    if len(args) == 1:
        a = args[0]
        if isinstance(a, Tensor):
            return a._data
        return np.array(a, dtype=dt)
    raise TypeError(f"Tensor(): can't construct from {args!r}")
