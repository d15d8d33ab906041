"""``dyngrad.nn.functional``: the stateless functions behind the layers (``torch.nn.functional``).

Activations and linear live here; the primitives that are ops of their own (losses, normalisation,
dropout, embedding, conv, pooling) live in ``dyngrad.ops`` and are re-exported."""

from __future__ import annotations

from ...ops import conv as _conv
from ...ops import loss as _loss
from ...ops import nn_misc as _nn_misc
from ...ops import normalization as _normalization
from ...ops import pooling as _pooling
from ...ops import resize as _resize
from ...ops.conv import *  # noqa: F403
from ...ops.loss import *  # noqa: F403
from ...ops.nn_misc import *  # noqa: F403
from ...ops.normalization import *  # noqa: F403
from ...ops.pooling import *  # noqa: F403
from ...ops.resize import *  # noqa: F403
from . import activation as _activation
from . import attention as _attention
from . import linear as _linear
from .activation import *  # noqa: F403
from .attention import *  # noqa: F403
from .linear import *  # noqa: F403

__all__ = (
    _activation.__all__ + _linear.__all__ + _nn_misc.__all__ + _normalization.__all__ + _loss.__all__
    + _conv.__all__ + _pooling.__all__ + _resize.__all__ + _attention.__all__
)
