"""``dyngrad.nn``: modules, layers, initialisation and the functional API (``torch.nn``)."""

from __future__ import annotations

from . import functional, init, utils
from .layers import *  # noqa: F403
from .layers import __all__ as _layers_all
from .module import Module
from .parameter import Buffer, Parameter

__all__ = ["Module", "Parameter", "Buffer", "functional", "init", "utils", *_layers_all]
