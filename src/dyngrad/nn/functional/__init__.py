"""``dyngrad.nn.functional``: the stateless functions behind the layers (``torch.nn.functional``)."""

from __future__ import annotations

from .activation import *  # noqa: F403
from .activation import __all__ as _activation_all
from .dropout import *  # noqa: F403
from .dropout import __all__ as _dropout_all
from .linear import *  # noqa: F403
from .linear import __all__ as _linear_all

__all__ = _activation_all + _dropout_all + _linear_all
