"""The seeded random number generator and the random creation functions.

Streams are bit-for-bit PyTorch's CPU streams for the same seed (see ``_generator.py`` for how
they are made), with one exception: ``randn``/``normal_`` on a contiguous float32 (or float16)
tensor of 16 or more elements. PyTorch computes that case with vectorised float32 log/sin/cos whose
last bits we do not reproduce: the same uniforms and the same Box-Muller layout are used, so the
values agree with PyTorch's to about 1 ulp (and the stream position afterwards is identical).
"""

from __future__ import annotations

import math

from . import dtypes
from ._generator import Generator, default_generator, fma32, fma64, gen, libm_log, libm_log1p
from ._numpy import np
from .autograd import grad_mode
from .autograd.function import Op, apply_inplace
from .device import device as _device
from .ops._util import out_variant
from .tensor import Tensor, _wrap

__all__ = [
    "Generator",
    "default_generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "rand",
    "randn",
    "randint",
    "randperm",
    "normal",
    "bernoulli",
    "multinomial",
    "rand_like",
    "randn_like",
    "randint_like",
    "uniform_",
    "normal_",
    "bernoulli_",
    "random_",
    "exponential_",
]

_TWO_PI = 2.0 * math.pi


# --- the default generator ----------------------------------------------------------------------


def manual_seed(seed) -> Generator:
    """Seed the default generator; returns it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state as a uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator's state from ``get_rng_state()``."""
    default_generator.set_state(new_state)


# --- helpers ------------------------------------------------------------------------------------


def _shape(size, name: str) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    shape = tuple(int(s) for s in size)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"{name}: Trying to create tensor with negative dimension: {list(shape)}")
    return shape


def _float_dtype(dtype, name: str) -> np.dtype:
    dt = dtypes.get_default_dtype().np if dtype is None else dtypes.to_numpy_dtype(dtype)
    if dt.kind != "f":
        raise NotImplementedError(f"{name}: not implemented for dtype {dtypes._FROM_NP[dt]}; expected a floating dtype")
    return dt


def _finish(arr: np.ndarray, requires_grad: bool, device) -> Tensor:
    if device is not None:
        _device(device)
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _memory_order(arr: np.ndarray) -> np.ndarray:
    """A view of ``arr`` whose C order is its memory order (PyTorch fills in memory order)."""
    if arr.flags.c_contiguous or arr.ndim < 2:
        return arr
    perm = sorted(range(arr.ndim), key=lambda d: -abs(arr.strides[d]))
    return arr.transpose(perm)


class _RandomFill(Op):
    """An in-place random fill seen by autograd: the gradient through it is zero."""

    stateless = True

    def forward(self, x, *, values):
        return values

    def backward(self, grad):
        return grad.mul(0)


def _check_inplace(x: Tensor, name: str) -> bool:
    """Whether the fill must be recorded; raises for a leaf that requires grad, like PyTorch."""
    rec = grad_mode.enabled and x._requires_grad
    if rec and x.grad_fn is None:
        raise RuntimeError(
            f"{name}: a leaf Variable that requires grad is being used in an in-place operation; "
            "wrap it in dyngrad.no_grad() (as nn.init does)"
        )
    return rec


def _fill(x: Tensor, rec: bool, flat: np.ndarray) -> Tensor:
    """Write ``flat`` (values in memory order) into ``x``."""
    if not rec:
        view = _memory_order(x._data)
        if view.flags.c_contiguous:
            view.reshape(-1)[...] = flat
        else:
            view[...] = flat.reshape(view.shape)
        x._bump()
        return x
    values = np.empty_like(x._data)
    _memory_order(values)[...] = flat.reshape(_memory_order(values).shape)
    return apply_inplace(_RandomFill, x, values=values)


def _fill_dtype(x: Tensor, name: str) -> np.dtype:
    dt = x._data.dtype
    if dt.kind != "f":
        raise NotImplementedError(f"{name}: not implemented for dtype {x.dtype}; expected a floating tensor")
    return dt


# --- uniform ------------------------------------------------------------------------------------


def _uniform_values(g: Generator, n: int, dt: np.dtype, low: float, high: float) -> np.ndarray:
    if dt == np.float64:
        u = g._uniform(n, dt)
        if low == 0.0 and high == 1.0:
            return u
        out = fma64(u, high - low, low)
        return np.where(out >= high, low, out)
    u = g._uniform(n, np.float32)
    if low == 0.0 and high == 1.0:
        return u.astype(dt, copy=False)
    lo32, hi32 = np.float32(low), np.float32(high)
    out = fma32(u, hi32 - lo32, lo32)  # PyTorch: fused u * (to - from) + from, then [from, to)
    return np.where(out >= hi32, lo32, out).astype(dt, copy=False)


@out_variant
def rand(*size, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False) -> Tensor:
    """Uniform values in [0, 1)."""
    shape = _shape(size, "rand")
    dt = _float_dtype(dtype, "rand")
    n = math.prod(shape)
    return _finish(gen(generator)._uniform(n, dt).reshape(shape), requires_grad, device)


def rand_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, generator=None) -> Tensor:
    return rand(input.shape, generator=generator, dtype=dtype or input.dtype, requires_grad=requires_grad)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill ``tensor`` in place with uniform values in [a, b)."""
    a, b = float(a), float(b)
    dt = _fill_dtype(tensor, "uniform_")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    rec = _check_inplace(tensor, "uniform_")
    return _fill(tensor, rec, _uniform_values(gen(generator), tensor._data.size, dt, a, b))


# --- normal -------------------------------------------------------------------------------------


def _box_muller_blocks(u: np.ndarray, two_pi, log) -> np.ndarray:
    """PyTorch's vectorised normal: in each block of 16 uniforms, the first 8 give the radii
    (from 1 - u) and the last 8 the angles; cos fills the first half, sin the second."""
    blocks = u.reshape(-1, 2, 8)
    radius = np.sqrt(blocks.dtype.type(-2.0) * log(blocks.dtype.type(1.0) - blocks[:, 0]))
    theta = two_pi * blocks[:, 1]
    out = np.empty_like(blocks)
    out[:, 0] = radius * np.cos(theta)
    out[:, 1] = radius * np.sin(theta)
    return out.reshape(-1)


def _normal_values(g: Generator, n: int, dt: np.dtype, mean: float, std: float, contiguous: bool) -> np.ndarray:
    if n >= 16 and contiguous:
        wide = dt == np.float64
        cdt = np.float64 if wide else np.float32
        u = g._uniform(n, cdt)
        two_pi = _TWO_PI if wide else np.float32(_TWO_PI)
        log = libm_log if wide else np.log
        z = np.empty(n, cdt)
        full = n - n % 16
        z[:full] = _box_muller_blocks(u[:full], two_pi, log)
        if full != n:
            # the tail: 16 fresh uniforms redo the last 16 positions
            z[n - 16:] = _box_muller_blocks(g._uniform(16, cdt), two_pi, log)
        if mean == 0.0 and std == 1.0:
            return z.astype(dt, copy=False)
        return (fma64(z, std, mean) if wide else fma32(z, std, mean)).astype(dt, copy=False)
    z = g._scalar_normals(n)
    if not (mean == 0.0 and std == 1.0):
        z = fma64(z, std, mean)
    return z.astype(dt, copy=False)


def _check_std(std: float) -> None:
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill ``tensor`` in place with normal values N(mean, std**2)."""
    mean, std = float(mean), float(std)
    dt = _fill_dtype(tensor, "normal_")
    _check_std(std)
    rec = _check_inplace(tensor, "normal_")
    arr = tensor._data
    values = _normal_values(gen(generator), arr.size, dt, mean, std, arr.flags.c_contiguous)
    return _fill(tensor, rec, values)


@out_variant
def randn(*size, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False) -> Tensor:
    """Standard normal values."""
    shape = _shape(size, "randn")
    dt = _float_dtype(dtype, "randn")
    values = _normal_values(gen(generator), math.prod(shape), dt, 0.0, 1.0, True)
    return _finish(values.reshape(shape), requires_grad, device)


def randn_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None) -> Tensor:
    return randn(input.shape, generator=generator, dtype=dtype or input.dtype, requires_grad=requires_grad)


@out_variant
def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, layout=None, device=None,
           requires_grad=False) -> Tensor:
    """Normal values; ``mean`` and/or ``std`` may be tensors (broadcast together), else ``size`` is needed."""
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (mean_t or std_t):
        if size is None:
            raise TypeError("normal(): with float mean and std, the size argument is required")
        t = _finish(np.empty(_shape((size,), "normal"), _float_dtype(dtype, "normal")), False, device)
        normal_(t, mean, std, generator=generator)
        if requires_grad:
            t.requires_grad_(True)
        return t
    if std_t and (std._data < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not std_t:
        _check_std(float(std))
    ref = mean if mean_t else std
    shape = np.broadcast_shapes(mean.shape if mean_t else (), std.shape if std_t else ())
    dt = dtypes.result_type(mean, std).np if mean_t and std_t else ref._data.dtype
    if dt.kind != "f":
        raise NotImplementedError(f"normal: not implemented for dtype {dtypes._FROM_NP[dt]}; expected floating tensors")
    z = _wrap(_normal_values(gen(generator), math.prod(shape), dt, 0.0, 1.0, True).reshape(shape))
    # z * std + mean with dyngrad ops: differentiable in mean and std, as in PyTorch
    return z * std + mean


# --- integers -----------------------------------------------------------------------------------


def _ints(g: Generator, n: int, low: int, high: int, wide: bool | None = None) -> np.ndarray:
    """``n`` integers in [low, high): a draw modulo the span. PyTorch draws 32 bits for spans below
    2**28 and 64 bits from there on (found by experiment); ``wide`` overrides that choice."""
    span = high - low
    if wide is None:
        wide = span >= (1 << 28)
    if not wide:
        vals = (g._u32(n) % np.uint64(span)).astype(np.int64)
    elif span >= (1 << 64):
        vals = g._u64(n).view(np.int64)
    else:
        vals = (g._u64(n) % np.uint64(span)).astype(np.int64)
    return vals + np.int64(low) if low else vals


@out_variant
def randint(*args, size=None, generator=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False) -> Tensor:
    """``randint(high, size)`` or ``randint(low, high, size)``: integers in [low, high); int64 by default."""
    if size is not None:
        args = args + (tuple(size),)
    size = args[-1] if args else None
    bounds = args[:-1]
    if size is None or not isinstance(size, (tuple, list)) or len(bounds) not in (1, 2):
        raise TypeError("randint() expects (high, size) or (low, high, size) with size a tuple of ints")
    low, high = (0, bounds[0]) if len(bounds) == 1 else bounds
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    shape = _shape((size,), "randint")
    dt = np.dtype(np.int64) if dtype is None else dtypes.to_numpy_dtype(dtype)
    vals = _ints(gen(generator), math.prod(shape), low, high).reshape(shape).astype(dt)
    return _finish(vals, requires_grad, device)


def randint_like(input: Tensor, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, generator=None) -> Tensor:
    """Integers in [low, high) with ``input``'s shape and (by default) dtype."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), generator=generator, dtype=dtype or input.dtype,
                   requires_grad=requires_grad)


# the default range of random_(): [0, 2**mantissa] for floats, [0, max] for integers
_RANDOM_SPAN = {
    np.dtype(np.float16): (1 << 11) + 1,
    np.dtype(np.float32): (1 << 24) + 1,
    np.dtype(np.float64): (1 << 53) + 1,
    np.dtype(np.int64): 1 << 63,
    np.dtype(np.int32): 1 << 31,
    np.dtype(np.int16): 1 << 15,
    np.dtype(np.int8): 1 << 7,
    np.dtype(np.uint8): 1 << 8,
    np.dtype(np.bool_): 2,
}


def random_(tensor: Tensor, *args, generator=None) -> Tensor:
    """``random_()``, ``random_(to)`` or ``random_(from, to)``: integers drawn in place."""
    if len(args) > 2:
        raise TypeError(f"random_() takes at most 2 positional bounds (got {len(args)})")
    dt = tensor._data.dtype
    top = _RANDOM_SPAN[dt]
    wide = None
    if not args:
        # the full default range: 64-bit draws only for int64 and float64
        low, high, wide = 0, top, dt in (np.int64, np.float64)
    elif len(args) == 1:
        low, high = 0, int(args[0])
    else:
        low = int(args[0])
        high = top if args[1] is None else int(args[1])
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    rec = _check_inplace(tensor, "random_")
    vals = _ints(gen(generator), tensor._data.size, low, high, wide)
    return _fill(tensor, rec, vals.astype(dt))


@out_variant
def randperm(n: int, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False) -> Tensor:
    """A random permutation of 0 .. n-1 (int64 by default).

    PyTorch shuffles with a forward Fisher-Yates pass (swap i with i + draw % (n - i)); both the
    draws and the swaps are vectorised here (``_forward_swaps``)."""
    n = int(n)
    if n < 0:
        raise RuntimeError(f"randperm: Trying to create tensor with negative dimension {n}: [{n}]")
    dt = np.dtype(np.int64) if dtype is None else dtypes.to_numpy_dtype(dtype)
    g = gen(generator)
    perm = np.arange(n)
    if n > 1:
        spans = np.arange(n, 1, -1, dtype=np.uint64)
        offsets = (g._u32(n - 1) if n < (1 << 32) else g._u64(n - 1)) % spans
        perm = _forward_swaps(n, offsets.astype(np.int64))
    return _finish(perm.astype(dt, copy=False), requires_grad, device)


def _forward_swaps(n: int, offsets: np.ndarray) -> np.ndarray:
    """The permutation that ``for i: swap(a[i], a[i + offsets[i]])`` makes of ``arange(n)``,
    without the sequential loop. Position i is final after step i, holding what position
    j = i + offsets[i] held just before; a position p >= i holds what the latest earlier step
    aimed at p moved there (that step's own a[k]), else p itself. So each step's a[i] is found by
    following "the latest earlier step that wrote position i" back to an untouched position
    (pointer jumping), and each result by one lookup of the latest earlier step with the same
    target. About 3x faster than the loop at 60,000 elements; equal, element for element."""
    idx = np.arange(n)
    target = idx.copy()
    target[:n - 1] += offsets  # the last position is a step that swaps with itself
    order = _stable_order(target)  # steps grouped by target, in step order
    by_target = target[order]
    starts = np.empty(n, bool)
    starts[0] = True
    np.not_equal(by_target[1:], by_target[:-1], out=starts[1:])
    earlier = np.full(n, -1)  # the latest earlier step with the same target, or -1
    earlier[order[1:]] = np.where(starts[1:], -1, order[:-1])
    wrote = np.full(n, -1)
    wrote[by_target] = order  # per position, the latest step aimed at it ...
    wrote = np.where(wrote == idx, earlier, wrote)  # ... other than the position's own step
    held = np.where(wrote >= 0, wrote, idx)  # a[i] before step i: held[i]'s, until a fixed point
    while True:
        nxt = held[held]
        if np.array_equal(nxt, held):
            break
        held = nxt
    return np.where(target == idx, held, np.where(earlier >= 0, held[np.maximum(earlier, 0)], target))


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """``argsort(keys, kind="stable")`` for keys in [0, 2**32): NumPy radix-sorts 16-bit keys
    (about 8x faster than its merge sort of wider ones), so sort by the low half, then the high."""
    if keys.size and keys.max() >= 1 << 32:
        return np.argsort(keys, kind="stable")
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    high = keys >> 16
    if high.any():
        order = order[np.argsort(high[order].astype(np.uint16), kind="stable")]
    return order


# --- bernoulli, exponential, multinomial --------------------------------------------------------


@out_variant
def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """0/1 values drawn with the probabilities in ``input`` (or the scalar ``p``), in its dtype."""
    if p is not None:
        return bernoulli_(_wrap(np.empty_like(input._data)), p, generator=generator)
    probs = input._data
    if probs.dtype.kind != "f":
        raise NotImplementedError(f"bernoulli: not implemented for dtype {input.dtype}; expected floating probabilities")
    if probs.size and not ((probs >= 0) & (probs <= 1)).all():
        raise RuntimeError("bernoulli: all elements of input must be in [0, 1]")
    flat = _memory_order(probs).reshape(-1)
    u = gen(generator)._uniform(flat.size, np.float64 if probs.dtype == np.float64 else np.float32)
    draws = (u < flat).astype(probs.dtype)
    result = np.empty_like(probs)
    _memory_order(result)[...] = draws.reshape(_memory_order(result).shape)
    return _wrap(result)


def bernoulli_(tensor: Tensor, p=0.5, generator=None) -> Tensor:
    """Fill ``tensor`` in place with 1 (probability ``p``) or 0; ``p`` may be a tensor."""
    g = gen(generator)
    n = tensor._data.size
    if isinstance(p, Tensor):
        probs = np.broadcast_to(p._data, tensor._data.shape)
        if probs.size and not ((probs >= 0) & (probs <= 1)).all():
            raise RuntimeError("bernoulli_: all elements of p must be in [0, 1]")
        rec = _check_inplace(tensor, "bernoulli_")
        probs = _memory_order(probs).reshape(-1) if probs.flags.c_contiguous else np.ascontiguousarray(probs).reshape(-1)
        u = g._uniform(n, np.float64 if p._data.dtype == np.float64 else np.float32)
        return _fill(tensor, rec, (u < probs).astype(tensor._data.dtype))
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    rec = _check_inplace(tensor, "bernoulli_")
    return _fill(tensor, rec, (g._uniform64(n) < p).astype(tensor._data.dtype))


def _exponential_values(g: Generator, n: int, lambd: float) -> np.ndarray:
    # PyTorch: -1/lambda * log1p(-u) on a float64 uniform (log1p from the C library)
    return (-1.0 / lambd) * libm_log1p(-g._uniform64(n))


def exponential_(tensor: Tensor, lambd: float = 1.0, generator=None) -> Tensor:
    """Fill ``tensor`` in place with exponential values of rate ``lambd``."""
    lambd = float(lambd)
    dt = _fill_dtype(tensor, "exponential_")
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    rec = _check_inplace(tensor, "exponential_")
    return _fill(tensor, rec, _exponential_values(gen(generator), tensor._data.size, lambd).astype(dt))


@out_variant
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Indices drawn from the rows of ``input`` (non-negative weights), int64."""
    w = input._data
    if w.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got {w.ndim} dims (shape {tuple(w.shape)})")
    if w.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    num_samples = int(num_samples)
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (got {num_samples})")
    rows = w.reshape(-1, w.shape[-1])
    n_cat = rows.shape[1]
    if not replacement and num_samples > n_cat:
        raise RuntimeError(
            f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
            f"(n_sample={num_samples}, categories={n_cat})"
        )
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    if (rows.sum(1) <= 0).any():
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    g = gen(generator)
    if replacement and num_samples > 1:  # PyTorch draws a single sample the way below, either way
        cdf = np.cumsum(rows.astype(np.float64), axis=1)
        cdf /= cdf[:, -1:]
        u = g._uniform64(rows.shape[0] * num_samples).reshape(rows.shape[0], num_samples)
        idx = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cdf, u)]) if rows.size else u.astype(np.int64)
        # rounding can leave u above the last cumulative value: take the last category with weight
        last = n_cat - 1 - np.argmax(rows[:, ::-1] > 0, axis=1)
        idx = np.minimum(idx, last[:, None])
    else:
        # PyTorch: divide by exponential noise, then take the top num_samples
        q = _exponential_values(g, rows.size, 1.0).astype(w.dtype).reshape(rows.shape)
        keys = rows / q
        idx = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    return _wrap(idx.astype(np.int64).reshape(w.shape[:-1] + (num_samples,)))
