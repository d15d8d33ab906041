"""Linear algebra: matmul and friends, on BLAS through NumPy; forward and backward side by side."""

from __future__ import annotations

__all__ = [
]

