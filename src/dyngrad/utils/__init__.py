"""Utilities: data loading lives in :mod:`dyngrad.utils.data`."""

from . import data

__all__ = ["data"]
