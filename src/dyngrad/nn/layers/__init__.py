"""The layers of ``dyngrad.nn``, one family per module."""

from __future__ import annotations

from .activation import *  # noqa: F403
from .activation import __all__ as _activation_all
from .container import *  # noqa: F403
from .container import __all__ as _container_all
from .conv import *  # noqa: F403
from .conv import __all__ as _conv_all
from .dropout import *  # noqa: F403
from .dropout import __all__ as _dropout_all
from .linear import *  # noqa: F403
from .linear import __all__ as _linear_all
from .loss import *  # noqa: F403
from .loss import __all__ as _loss_all
from .misc import *  # noqa: F403
from .misc import __all__ as _misc_all
from .normalization import *  # noqa: F403
from .normalization import __all__ as _normalization_all
from .pooling import *  # noqa: F403
from .pooling import __all__ as _pooling_all
from .rnn import *  # noqa: F403
from .rnn import __all__ as _rnn_all
from .sparse import *  # noqa: F403
from .sparse import __all__ as _sparse_all
from .transformer import *  # noqa: F403
from .transformer import __all__ as _transformer_all

__all__ = (
    _activation_all + _container_all + _linear_all + _conv_all + _pooling_all + _normalization_all
    + _dropout_all + _sparse_all + _loss_all + _misc_all + _rnn_all + _transformer_all
)
