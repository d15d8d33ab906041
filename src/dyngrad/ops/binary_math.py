"""Two-argument math functions (atan2). Re-exported by ``elementwise``."""

from __future__ import annotations

from .._numpy import np
from ..autograd.function import apply_inplace
from ._util import Tensor, _wrap, out_variant
from .comparison import where
from .elementwise import _Binary, _broadcast_error, _check_inplace_shape

__all__ = ["atan2", "arctan2"]


class Atan2(_Binary):
    """The angle of the point (``other``, ``input``): ``arctan(input / other)`` in the right
    quadrant. Its gradients are ``other / r2`` and ``-input / r2`` with ``r2 = input^2 +
    other^2``, and 0 at the origin, as PyTorch gives."""

    stateless = False

    def forward(self, a, b):
        xa, xb = self._arrays(a, b, "atan2", floats=True)
        if self.needs_input_grad:
            self.save_for_backward(a, b)
        try:
            return np.arctan2(xa, xb)
        except ValueError:
            raise _broadcast_error("atan2", xa, xb) from None

    def backward(self, g):
        a, b = self.saved_tensors
        n = self.needs_input_grad
        r2 = a * a + b * b
        origin = _wrap(r2._data == 0)
        # 1 / r2, but 0 at the origin (and no infinity in the graph a double backward walks)
        recip = where(origin, 0.0, 1.0 / where(origin, 1.0, r2))
        return self._grads(g * b * recip if n[0] else None, g * -a * recip if n[1] else None)


@out_variant
def atan2(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise ``atan2(input, other)``, broadcasting (integers give the default float)."""
    for v, name in ((input, "input"), (other, "other")):
        if not isinstance(v, Tensor):
            raise TypeError(f"atan2(): argument '{name}' must be Tensor, not {type(v).__name__}")
    return Atan2.apply(input, other)


arctan2 = atan2


def atan2_(self: Tensor, other: Tensor) -> Tensor:
    _check_inplace_shape(self, "atan2_", other)
    return apply_inplace(Atan2, self, other)
