"""The seeded random number generator and the random creation functions."""

from __future__ import annotations

__all__ = [
]

