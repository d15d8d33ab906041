"""The layers of ``dyngrad.nn``, one family per module."""

from __future__ import annotations

from .activation import *  # noqa: F403
from .activation import __all__ as _activation_all
from .container import *  # noqa: F403
from .container import __all__ as _container_all
from .linear import *  # noqa: F403
from .linear import __all__ as _linear_all
from .rnn import *  # noqa: F403
from .rnn import __all__ as _rnn_all
from .transformer import *  # noqa: F403
from .transformer import __all__ as _transformer_all

__all__ = _activation_all + _container_all + _linear_all + _rnn_all + _transformer_all
