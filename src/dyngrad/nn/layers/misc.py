"""Resizing and similarity layers: Upsample (and its fixed-mode variants), PixelShuffle,
PixelUnshuffle, CosineSimilarity, PairwiseDistance."""

from __future__ import annotations

from ...ops import nn_misc as _misc
from ...ops.resize import interpolate
from ...tensor import Tensor
from ..module import Module

__all__ = [
    "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle", "PixelUnshuffle",
    "CosineSimilarity", "PairwiseDistance",
]


class Upsample(Module):
    """Resize the spatial dims to ``size`` or by ``scale_factor`` (``interpolate`` as a layer)."""

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour 2-D upsampling."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear 2-D upsampling with ``align_corners=True``."""

    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


def _check_pixel_input(layer: Module, input: Tensor) -> None:
    if not isinstance(input, Tensor):
        raise layer._input_error(f"expected a Tensor input, got {type(input).__name__}", TypeError)
    if input.ndim < 3:
        raise layer._input_error(
            f"expected an input of at least 3 dims (*, C, H, W), got {input.ndim}D input "
            f"(input shape {list(input.shape)})"
        )


class PixelShuffle(Module):
    """(*, C * r * r, H, W) -> (*, C, H * r, W * r), with r = ``upscale_factor``."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        _check_pixel_input(self, input)
        r = self.upscale_factor
        *lead, c, h, w = input.shape
        if c % (r * r):
            raise self._input_error(
                f"expected the number of input channels to be divisible by the square of upscale_factor ({r * r}), "
                f"got {c} channels (input shape {list(input.shape)})"
            )
        k = len(lead)
        x = input.reshape(*lead, c // (r * r), r, r, h, w)
        x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
        return x.reshape(*lead, c // (r * r), h * r, w * r)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H * r, W * r) -> (*, C * r * r, H, W), with r = ``downscale_factor``."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        _check_pixel_input(self, input)
        r = self.downscale_factor
        *lead, c, h, w = input.shape
        if h % r or w % r:
            raise self._input_error(
                f"expected height and width divisible by downscale_factor ({r}), got input shape {list(input.shape)}"
            )
        k = len(lead)
        x = input.reshape(*lead, c, h // r, r, w // r, r)
        x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
        return x.reshape(*lead, c * r * r, h // r, w // r)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class CosineSimilarity(Module):
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim``."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return _misc.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` along the last dim."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return _misc.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
