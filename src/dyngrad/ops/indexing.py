"""Indexing ops: __getitem__/__setitem__, gather/scatter, masks; forward and backward side by side."""

from __future__ import annotations

__all__ = [
]

