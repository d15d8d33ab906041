"""dyngrad: a deep-learning framework on NumPy with a dynamic graph and PyTorch's API."""

from __future__ import annotations

import warnings as _warnings

# PyTorch computes log(-1), 1/0, exp(1000) silently (nan/inf), so dyngrad's ops must too. NumPy
# attributes its floating-point warnings to the calling module: ignoring them for dyngrad's own
# modules costs nothing per op (np.errstate would cost ~1us per op) and leaves user code alone.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"dyngrad\.")

from . import dtypes as _dtypes
from .device import device
from .dtypes import (
    bool_ as bool,  # noqa: A004 - PyTorch's names shadow builtins inside this namespace only
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from .tensor import Size, Tensor, is_tensor
from .autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from . import autograd
from .creation import *  # noqa: F403
from .random import *  # noqa: F403
from .ops.elementwise import *  # noqa: F403
from .ops.reduction import *  # noqa: F403
from .ops.shape import *  # noqa: F403
from .ops.indexing import *  # noqa: F403
from .ops.linalg import *  # noqa: F403
from ._format import *  # noqa: F403
from . import nn  # noqa: E402
from . import optim, utils  # noqa: E402
from .serialization import load, save  # noqa: E402
from . import backends, cuda  # noqa: E402
from .threads import get_num_interop_threads, get_num_threads, set_num_interop_threads, set_num_threads

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001

__version__ = "0.1.0"


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def numel(input: Tensor) -> int:
    return input.numel()


def is_storage(obj) -> bool:
    return False


del _dtypes


def __getattr__(name: str):
    # dyngrad.vision is imported on first use: most programs never touch it (~40 ms of import)
    if name == "vision":
        import importlib

        return importlib.import_module(".vision", __name__)
    raise AttributeError(f"module 'dyngrad' has no attribute {name!r}")
