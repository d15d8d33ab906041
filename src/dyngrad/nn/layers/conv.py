"""Convolution layers: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d (``torch.nn`` conv modules).

Attributes, parameter shapes, default initialisation (kaiming_uniform_(a=sqrt(5)) on the weight,
then U(-1/sqrt(fan_in), 1/sqrt(fan_in)) on the bias, drawn in that order) and ``repr`` follow
PyTorch, so a model built after the same ``manual_seed`` has PyTorch's weights."""

from __future__ import annotations

import math

from ... import creation
from ...ops import conv as _conv
from ...ops.resize import pad as _pad
from ...tensor import Tensor
from .. import init
from ..module import Module
from ..parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(value, n: int) -> tuple:
    """An int (or a 1-sequence) repeated to ``n`` dims; sequences of length ``n`` as tuples."""
    if isinstance(value, (list, tuple)):
        if len(value) == 1 and n > 1:
            return tuple(value) * n
        return tuple(value)
    return (value,) * n


def _check_spatial_rank(layer: Module, input, nsp: int) -> None:
    """``input`` is a Tensor of ``nsp + 1`` (unbatched) or ``nsp + 2`` (batched) dims, else an
    error naming ``layer``'s path."""
    if not isinstance(input, Tensor):
        raise layer._input_error(f"expected a Tensor input, got {type(input).__name__}", TypeError)
    nd = input.ndim
    if nd not in (nsp + 1, nsp + 2):
        raise layer._input_error(
            f"expected {nsp + 1}D (unbatched) or {nsp + 2}D (batched) input, got {nd}D input "
            f"(input shape {list(input.shape)})"
        )


class _ConvNd(Module):
    """Shared state, init, checks and repr of the convolution layers (``nsp`` spatial dims)."""

    nsp: int = 0
    _op_name: str = ""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride, padding, dilation,
                 transposed: bool, output_padding, groups: int, bias: bool, padding_mode: str,
                 device=None, dtype=None) -> None:
        super().__init__()
        n = self.nsp
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {set(_PADDING_MODES)}, but got padding_mode='{padding_mode}'"
            )
        kernel_size, stride, dilation = _tuple(kernel_size, n), _tuple(stride, n), _tuple(dilation, n)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string '{padding}', should be one of {{'same', 'valid'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _tuple(padding, n)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = _tuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's layout (last dim first, (lo, hi) each) for the non-'zeros' padding modes
        if padding == "same":
            pads = []
            for d, k in zip(reversed(dilation), reversed(kernel_size)):
                total = d * (k - 1)
                pads += [total // 2, total - total // 2]
            self._reversed_padding_repeated_twice = pads
        elif padding == "valid":
            self._reversed_padding_repeated_twice = [0, 0] * n
        else:
            self._reversed_padding_repeated_twice = [p for p in reversed(padding) for _ in range(2)]
        factory = {"device": device, "dtype": dtype}
        if transposed:
            shape = (in_channels, out_channels // groups, *kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *kernel_size)
        self.weight = Parameter(creation.empty(shape, **factory))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, **factory))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _check_input(self, input: Tensor) -> None:
        """Rank and channel count, reported with the layer's path."""
        _check_spatial_rank(self, input, self.nsp)
        n, nd = self.nsp, input.ndim
        channels = input.shape[nd - n - 1]
        if channels != self.in_channels:
            raise self._input_error(
                f"expected input with {self.in_channels} channels, got {channels} channels "
                f"(input shape {list(input.shape)})"
            )

    def extra_repr(self) -> str:
        n = self.nsp
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * n:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"


class _Conv(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False, 0, groups,
                         bias, padding_mode, device, dtype)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        fn = getattr(_conv, self._op_name)
        if self.padding_mode != "zeros":
            padded = _pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return fn(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) or (C_in, L) input; weight (C_out, C_in/groups, k)."""

    nsp = 1
    _op_name = "conv1d"


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W) or (C_in, H, W) input; weight (C_out, C_in/groups, kh, kw)."""

    nsp = 2
    _op_name = "conv2d"


class _ConvTranspose(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros", device=None,
                 dtype=None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True, output_padding,
                         groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input: Tensor, output_size) -> tuple:
        """The output_padding that gives ``output_size`` (its last ``nsp`` entries are the spatial
        sizes); PyTorch's ValueError when no output_padding in [0, stride) reaches it."""
        if output_size is None:
            return self.output_padding
        n = self.nsp
        output_size = list(output_size)
        if len(output_size) not in (n, n + 1, n + 2):
            raise ValueError(
                f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have {n} or {n + 2} elements "
                f"(got {len(output_size)})"
            )
        output_size = output_size[-n:]
        spatial = input.shape[-n:]
        min_sizes = [
            (size - 1) * s - 2 * p + d * (k - 1) + 1
            for size, s, p, d, k in zip(spatial, self.stride, self.padding, self.dilation, self.kernel_size)
        ]
        max_sizes = [m + s - 1 for m, s in zip(min_sizes, self.stride)]
        for want, lo, hi in zip(output_size, min_sizes, max_sizes):
            if not lo <= want <= hi:
                raise ValueError(
                    f"requested an output size of {tuple(output_size)}, but valid sizes range from {min_sizes} "
                    f"to {max_sizes} (for an input of {input.shape[-n:]})"
                )
        return tuple(want - lo for want, lo in zip(output_size, min_sizes))

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        self._check_input(input)
        output_padding = self._output_padding(input, output_size)
        fn = getattr(_conv, self._op_name)
        return fn(input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups,
                  self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution (the adjoint of Conv1d); weight (C_in, C_out/groups, k)."""

    nsp = 1
    _op_name = "conv_transpose1d"


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution (the adjoint of Conv2d); weight (C_in, C_out/groups, kh, kw)."""

    nsp = 2
    _op_name = "conv_transpose2d"
