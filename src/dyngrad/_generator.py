"""The CPU random generator: a 32-bit Mersenne Twister whose streams match PyTorch's CPU generator.

Everything here was found by experiment against PyTorch (same seed, compare outputs):

* ``manual_seed(s)`` seeds MT19937 exactly like ``np.random.RandomState(s & 0xFFFFFFFF)``.
* A 64-bit draw is two 32-bit draws, the first one the high half.
* A float32 uniform is ``(u32 & 0xFFFFFF) / 2**24``; a float64 one ``(u64 & (2**53 - 1)) / 2**53``.
* Scalar normals use Box-Muller on a pair of float64 uniforms ``(a, b)``:
  ``r = sqrt(-2 log1p(-b))``, ``theta = 2 pi a``; ``r cos(theta)`` is returned and ``r sin(theta)``
  is cached in the generator (one cache, shared by every dtype, cleared by seeding).
* Results go through the C library's ``log``/``log1p``/``cos``/``sin`` (what Python's ``math`` calls)
  and PyTorch scales with a fused multiply-add; NumPy's own ``log``/``log1p`` differ from the C
  library in the last bit now and then, hence ``libm_log`` and ``libm_log1p`` below.
"""

from __future__ import annotations

import math
import os

from ._numpy import np
from .device import device as _device

_U64 = np.uint64
_MASK24 = _U64(0xFFFFFF)
_MASK53 = _U64((1 << 53) - 1)
_SHIFT32 = _U64(32)
_TWO_PI = 2.0 * math.pi
# PyTorch's default seed for a new Generator
_DEFAULT_SEED = 67280421310721
_STATE_BYTES = 5056  # the size of PyTorch's CPU generator state


class Generator:
    """A random number generator (``torch.Generator``); only the CPU device exists."""

    def __init__(self, device="cpu"):
        self.device = _device(device)
        self._bits = np.random.MT19937()
        self.manual_seed(_DEFAULT_SEED)

    def __repr__(self) -> str:
        return f"<dyngrad.Generator object at {id(self):#x}>"

    # --- seeding ---------------------------------------------------------------------------
    def manual_seed(self, seed) -> Generator:
        """Seed the generator; returns it."""
        seed = int(seed)
        if not -(1 << 63) <= seed < (1 << 64):
            raise RuntimeError(f"manual_seed: seed must be within the range [-0x8000_0000_0000_0000, "
                               f"0xffff_ffff_ffff_ffff], got {seed}")
        seed &= (1 << 64) - 1
        key, pos = np.random.RandomState(seed & 0xFFFFFFFF).get_state()[1:3]
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._seed = seed
        self._cached_normal = None  # the second value of the last Box-Muller pair
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy; returns the seed."""
        seed = int.from_bytes(os.urandom(8), "little") & ((1 << 63) - 1)
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        return self._seed

    # --- state -----------------------------------------------------------------------------
    def get_state(self):
        """The whole state as a uint8 tensor of PyTorch's size and layout."""
        from .tensor import _wrap

        st = self._bits.state["state"]
        pos = int(st["pos"])
        buf = np.zeros(_STATE_BYTES, np.uint8)
        head = buf[:24]
        head[:8] = np.frombuffer(np.uint64(self._seed).tobytes(), np.uint8)
        left = 1 if pos >= 624 else 625 - pos
        head[8:12] = np.frombuffer(np.int32(left).tobytes(), np.uint8)
        head[12:16] = np.frombuffer(np.int32(1).tobytes(), np.uint8)
        head[16:24] = np.frombuffer(np.uint64(0 if pos >= 624 else pos).tobytes(), np.uint8)
        buf[24:24 + 624 * 8] = np.frombuffer(st["key"].astype(np.uint64).tobytes(), np.uint8)
        tail = 24 + 624 * 8
        if self._cached_normal is not None:
            buf[tail + 8:tail + 16] = np.frombuffer(np.float64(self._cached_normal).tobytes(), np.uint8)
            buf[tail + 24] = 1
        return _wrap(buf)

    def set_state(self, new_state) -> Generator:
        """Restore a state from ``get_state()`` (or ``torch.get_rng_state()``)."""
        data = getattr(new_state, "_data", new_state)
        buf = np.ascontiguousarray(np.asarray(data))
        if buf.dtype != np.uint8 or buf.shape != (_STATE_BYTES,):
            raise RuntimeError(
                f"set_state: expected a uint8 tensor of {_STATE_BYTES} bytes from get_state(), "
                f"got dtype {buf.dtype} and shape {tuple(buf.shape)}"
            )
        raw = buf.tobytes()
        seed = int(np.frombuffer(raw[:8], np.uint64)[0])
        left = int(np.frombuffer(raw[8:12], np.int32)[0])
        nxt = int(np.frombuffer(raw[16:24], np.uint64)[0])
        key = np.frombuffer(raw[24:24 + 624 * 8], np.uint64).astype(np.uint32)
        pos = 624 if left <= 1 else nxt
        tail = 24 + 624 * 8
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key.copy(), "pos": pos}}
        self._seed = seed
        self._cached_normal = float(np.frombuffer(raw[tail + 8:tail + 16], np.float64)[0]) if raw[tail + 24] else None
        return self

    # --- raw draws -------------------------------------------------------------------------
    def _u32(self, n: int) -> np.ndarray:
        """``n`` raw 32-bit draws (as uint64)."""
        return self._bits.random_raw(n)

    def _u64(self, n: int) -> np.ndarray:
        """``n`` 64-bit draws, each made of two 32-bit ones (high half first)."""
        raw = self._bits.random_raw(2 * n)
        return (raw[0::2] << _SHIFT32) | raw[1::2]

    def _uniform(self, n: int, np_dtype) -> np.ndarray:
        """``n`` uniforms in [0, 1) as PyTorch's ``rand`` makes them for this dtype."""
        if np_dtype == np.float64:
            return (self._u64(n) & _MASK53).astype(np.float64) * 2.0**-53
        return ((self._u32(n) & _MASK24).astype(np.float32) * np.float32(2.0**-24)).astype(np_dtype, copy=False)

    def _uniform64(self, n: int) -> np.ndarray:
        return (self._u64(n) & _MASK53).astype(np.float64) * 2.0**-53

    def _scalar_normals(self, n: int) -> np.ndarray:
        """``n`` standard normals (float64) from the scalar Box-Muller path, using the cache."""
        out = np.empty(n)
        if n == 0:
            return out
        start = 0
        if self._cached_normal is not None:
            out[0] = self._cached_normal
            self._cached_normal = None
            start = 1
        pairs = (n - start + 1) // 2
        if pairs:
            ab = self._uniform64(2 * pairs)
            radius = np.sqrt(-2.0 * libm_log1p(-ab[1::2]))
            theta = _TWO_PI * ab[0::2]
            both = np.empty(2 * pairs)
            both[0::2] = radius * np.cos(theta)
            both[1::2] = radius * np.sin(theta)
            out[start:] = both[: n - start]
            if (n - start) % 2:
                self._cached_normal = float(both[-1])
        return out


# --- the C library's results, vectorised -------------------------------------------------------

_py_log1p = np.frompyfunc(math.log1p, 1, 1)
_py_log = np.frompyfunc(math.log, 1, 1)


def libm_log1p(x: np.ndarray) -> np.ndarray:
    """``log1p`` exactly as the C library computes it (its last bit is not NumPy's)."""
    return _py_log1p(x).astype(np.float64) if x.size else np.empty(x.shape)


def libm_log(x: np.ndarray) -> np.ndarray:
    """``log`` exactly as the C library (< 0.52 ulp error) computes it, vectorised.

    NumPy's result is checked against an extended-precision log; only the values that lie too
    close to a rounding midpoint to decide are recomputed through ``math.log``."""
    y = np.log(x)
    if x.size == 0:
        return y
    exact = np.log(x.astype(np.longdouble))
    ulp = np.spacing(np.abs(y)).astype(np.longdouble)
    d = (exact - y) / ulp
    k = np.rint(d)
    y = y + (k * ulp).astype(np.float64)
    unsure = np.abs(d - k) > 0.48
    if unsure.any():
        y[unsure] = _py_log(x[unsure]).astype(np.float64)
    return y


def _two_sum(a: np.ndarray, b: np.ndarray):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a: np.ndarray):
    c = 134217729.0 * a
    hi = c - (c - a)
    return hi, a - hi


def _round_odd_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a + b`` rounded to odd: exact, or the neighbour with an odd last bit."""
    s, e = _two_sum(a, b)
    s = np.asarray(s, np.float64)
    inexact_even = (e != 0) & ((s.view(np.int64) & 1) == 0)
    if inexact_even.any():
        s = np.where(inexact_even, np.nextafter(s, np.where(e > 0, np.inf, -np.inf)), s)
    return s


def fma64(a, b, c) -> np.ndarray:
    """Correctly rounded ``a * b + c`` in float64 (Boldo-Melquiond: exact product, round to odd)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    c = np.asarray(c, np.float64)
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    p_err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    th, tl = _two_sum(c, p)
    return th + _round_odd_sum(tl, p_err)


def fma32(a, b, c) -> np.ndarray:
    """Correctly rounded ``a * b + c`` for float32 operands (the product is exact in float64)."""
    p = np.asarray(a, np.float32).astype(np.float64) * np.float64(np.float32(b))
    return _round_odd_sum(p, np.broadcast_to(np.float64(np.float32(c)), p.shape)).astype(np.float32)


default_generator = Generator()
default_generator.seed()


def gen(generator) -> Generator:
    """The generator to draw from: the given one or the default."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a dyngrad.Generator, got {type(generator).__name__}")
    return generator
