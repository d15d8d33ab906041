"""Benchmark tooling, not part of dyngrad: ``matmul`` with its products done by Intel MKL's
``cblas_sgemm`` / ``cblas_dgemm`` (by ctypes) instead of NumPy's OpenBLAS. ``references`` routes
dyngrad's convolution and linear-layer products through it, so that run.py's ``bounds`` rows can
show how much of a gap to PyTorch (whose products are MKL's and oneDNN's) is the BLAS library
rather than dyngrad's own code. Needs the ``mkl`` wheel (``pip install mkl``, ~230 MB); dyngrad
itself uses NumPy's BLAS only."""

from __future__ import annotations

import ctypes
import importlib.metadata

import numpy as np

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_GEMMS: dict = {}  # dtype -> the cblas function, once loaded


def load() -> bool:
    """Whether MKL's runtime library could be loaded (from the ``mkl`` wheel's files)."""
    if not _GEMMS:
        try:
            dist = importlib.metadata.distribution("mkl")
        except importlib.metadata.PackageNotFoundError:
            return False
        paths = [dist.locate_file(f) for f in dist.files or () if f.name.startswith("libmkl_rt.so")]
        if not paths:
            return False
        lib = ctypes.CDLL(str(paths[0]))
        for dtype, name, scalar in ((np.float32, "cblas_sgemm", ctypes.c_float),
                                    (np.float64, "cblas_dgemm", ctypes.c_double)):
            fn = getattr(lib, name)
            fn.restype = None
            fn.argtypes = [ctypes.c_int] * 6 + [scalar, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                                                ctypes.c_int, scalar, ctypes.c_void_p, ctypes.c_int]
            _GEMMS[np.dtype(dtype)] = fn
    return True


def _operand(a: np.ndarray) -> tuple | None:
    """(transpose flag, leading dimension) under which BLAS reads the 2-D ``a`` in place: one of
    its strides must be one element; None otherwise."""
    rows, cols = a.shape
    item = a.itemsize
    s0, s1 = a.strides
    if s1 == item and s0 % item == 0 and (rows == 1 or s0 >= cols * item):
        return _NO_TRANS, max(s0 // item, cols, 1)
    if s0 == item and s1 % item == 0 and (cols == 1 or s1 >= rows * item):
        return _TRANS, max(s1 // item, rows, 1)
    return None


def _gemm_2d(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> bool:
    """``out = a @ b`` by MKL; False (nothing written) when an operand's layout does not allow it."""
    m, k = a.shape
    n = b.shape[1]
    oa, ob = _operand(a), _operand(b)
    s0, s1 = out.strides
    item = out.itemsize
    if oa is None or ob is None or s1 != item or s0 % item or (m > 1 and s0 < n * item):
        return False
    _GEMMS[a.dtype](_ROW_MAJOR, oa[0], ob[0], m, n, k, 1.0, a.ctypes.data, oa[1], b.ctypes.data, ob[1],
                    0.0, out.ctypes.data, max(s0 // item, n, 1))
    return True


def matmul(a, b, out=None, **kwargs):
    """``np.matmul`` with the 2-D products of float32/float64 operands (batched ones one slice at
    a time) done by MKL; everything else, and small or empty products, by NumPy."""
    if (kwargs or type(a) is not np.ndarray or type(b) is not np.ndarray or a.dtype != b.dtype
            or a.dtype not in _GEMMS or a.ndim < 2 or b.ndim < 2):
        return np.matmul(a, b, out=out, **kwargs)
    (m, k), (k2, n) = a.shape[-2:], b.shape[-2:]
    if k != k2 or not k or m * n * k < 1 << 16:
        return np.matmul(a, b, out=out)
    lead = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    if out is None:
        out = np.empty(lead + (m, n), a.dtype)
    elif out.shape != lead + (m, n) or out.dtype != a.dtype:
        return np.matmul(a, b, out=out)
    a, b = np.broadcast_to(a, lead + (m, k)), np.broadcast_to(b, lead + (k, n))
    for i in np.ndindex(*lead):
        if not _gemm_2d(a[i], b[i], out[i]):
            np.matmul(a[i], b[i], out=out[i])
    return out
