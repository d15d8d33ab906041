"""Image transforms with torchvision's names, arguments, random draws and reprs.

Inputs: NumPy uint8 (or float) arrays HxW / HxWxC, dyngrad tensors (..., C, H, W), and PIL images
when Pillow is installed; a transform returns the kind it was given. Tensors are transformed as
data (the results are not recorded by autograd, except ``Normalize`` which uses dyngrad ops).
Values follow torchvision's tensor implementation (uint8 computed in float32 then rounded for
geometric ops, truncated for colour ops); PIL images go through the same array code, so they can
differ from torchvision's PIL backend in the last grey level for resampling.

Random transforms draw from dyngrad's default generator exactly as torchvision draws from torch's
(``rand(1) < p`` for flips, ``randint`` for crops, ``uniform_`` for angles and jitter factors,
``randperm(4)`` for the jitter order), so with the same seed the same images change the same way.

``ToTensor``, ``Normalize`` and ``Compose`` of those have ``batch(x)``: the same values for a
stacked batch at once (what datasets' ``__getitems__`` fast path uses).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

from .. import dtypes
from .._numpy import np
from ..random import rand, randint, randperm, uniform_
from ..tensor import Tensor, _wrap
from . import _functional as F

try:  # Pillow is optional
    from PIL import Image
except ImportError:  # pragma: no cover - depends on the environment
    Image = None

__all__ = [
    "InterpolationMode", "Compose", "ToTensor", "PILToTensor", "ToPILImage", "Normalize", "Lambda",
    "RandomHorizontalFlip", "RandomVerticalFlip", "Pad", "CenterCrop", "RandomCrop", "Resize",
    "RandomRotation", "ColorJitter",
]


class InterpolationMode(Enum):
    NEAREST = "nearest"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"


# --- input kinds --------------------------------------------------------------------------------


def _unpack(img: Any) -> tuple[np.ndarray, tuple]:
    """``img`` as a (..., C, H, W) array and what is needed to give the same kind back."""
    if isinstance(img, Tensor):
        if img.dim() < 2:
            raise TypeError(f"Tensor is not a torch image: expected (..., C, H, W), got shape {list(img.shape)}")
        return (img._data[None] if img.dim() == 2 else img._data), ("tensor", img.dim())
    if Image is not None and isinstance(img, Image.Image):
        arr, info = _unpack(np.asarray(img))
        return arr, ("pil", info)
    if isinstance(img, np.ndarray):
        if img.ndim == 2:
            return img[None], ("array", 2)
        if img.ndim == 3:
            return img.transpose(2, 0, 1), ("array", 3)
        raise ValueError(f"a NumPy image must be HxW or HxWxC, got shape {img.shape}")
    raise TypeError(f"img should be a NumPy HxW/HxWxC array, a Tensor or a PIL Image. Got {type(img)}")


def _pack(chw: np.ndarray, info: tuple) -> Any:
    kind, extra = info
    if kind == "tensor":
        return _wrap(np.ascontiguousarray(chw[0] if extra == 2 else chw))
    if kind == "array":
        return np.ascontiguousarray(chw[0] if extra == 2 else chw.transpose(1, 2, 0))
    return Image.fromarray(_pack(chw, extra))


def _size(h_w: Any, name: str = "size") -> tuple[int, int]:
    if isinstance(h_w, numbers.Number):
        return int(h_w), int(h_w)
    if isinstance(h_w, Sequence) and len(h_w) == 1:
        return int(h_w[0]), int(h_w[0])
    if isinstance(h_w, Sequence) and len(h_w) == 2:
        return int(h_w[0]), int(h_w[1])
    raise ValueError(f"Please provide only two dimensions (h, w) for {name}.")


def _ltrb(padding: Any) -> tuple[int, int, int, int]:
    if isinstance(padding, numbers.Number):
        p = int(padding)
        return p, p, p, p
    if len(padding) == 1:
        return (int(padding[0]),) * 4
    if len(padding) == 2:
        return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
    return tuple(int(p) for p in padding)


def _check_padding(padding: Any, padding_mode: str) -> None:
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if isinstance(padding, Sequence) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")
    if padding_mode not in F._PAD_MODES:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")


def _interp(mode: Any) -> InterpolationMode:
    mode = InterpolationMode(mode.value if isinstance(mode, Enum) else mode)
    if mode not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR):
        raise NotImplementedError(f"interpolation {mode.value!r} is not supported (nearest, bilinear)")
    return mode


# --- composition and conversion -----------------------------------------------------------------


class Compose:
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = transforms

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    @property
    def batch_capable(self) -> bool:
        return all(callable(getattr(t, "batch", None)) and getattr(t, "batch_capable", True) for t in self.transforms)

    def batch(self, x: Any) -> Any:
        """Apply each transform's ``batch`` to a stacked batch (all must be batch-capable)."""
        for t in self.transforms:
            x = t.batch(x)
        return x

    def __repr__(self) -> str:
        return self.__class__.__name__ + "(" + "".join(f"\n    {t}" for t in self.transforms) + "\n)"


class ToTensor:
    """HxW / HxWxC array or PIL image → float tensor CxHxW; uint8 is scaled to [0, 1]."""

    def __call__(self, pic: Any) -> Tensor:
        if Image is not None and isinstance(pic, Image.Image):
            arr = np.array(pic)
            pic = arr.astype(np.uint8) * 255 if pic.mode == "1" else arr
        if not isinstance(pic, np.ndarray):
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        chw = pic[None] if pic.ndim == 2 else pic.transpose(2, 0, 1)
        return _wrap(self._scale(chw))

    @staticmethod
    def _scale(arr: np.ndarray) -> np.ndarray:
        if arr.dtype == np.uint8:
            return arr.astype(dtypes.get_default_dtype().np) / np.float32(255)
        return np.ascontiguousarray(arr)

    def batch(self, x: np.ndarray) -> Tensor:
        """A stacked uint8 batch N x H x W or N x H x W x C → float tensor N x C x H x W."""
        x = getattr(x, "_data", x)
        nchw = x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)
        return _wrap(self._scale(nchw))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class PILToTensor:
    """HxW / HxWxC array or PIL image → tensor CxHxW keeping the dtype (no scaling)."""

    def __call__(self, pic: Any) -> Tensor:
        arr = np.asarray(pic)
        return _wrap(np.ascontiguousarray(arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


class ToPILImage:
    """Tensor CxHxW or array HxWxC → PIL image (needs Pillow); float values are scaled by 255."""

    def __init__(self, mode: str | None = None) -> None:
        if Image is None:
            raise ImportError("ToPILImage needs Pillow (pip install pillow); dyngrad's transforms work on arrays without it")
        self.mode = mode

    def __call__(self, pic: Any) -> Any:
        if isinstance(pic, Tensor):
            arr = pic._data
            arr = arr[None] if arr.ndim == 2 else arr
            if arr.dtype.kind == "f":
                arr = (arr * 255).astype(np.uint8)
            arr = arr.transpose(1, 2, 0)
        elif isinstance(pic, np.ndarray):
            arr = pic
        else:
            raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
        if arr.ndim == 3 and arr.shape[2] == 1:
            arr = arr[:, :, 0]
        img = Image.fromarray(np.ascontiguousarray(arr))
        return img.convert(self.mode) if self.mode is not None and self.mode != img.mode else img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(" + (f"mode={self.mode}" if self.mode is not None else "") + ")"


class Normalize:
    """``(tensor - mean) / std`` per channel of a float tensor (..., C, H, W)."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.dim() < 3:
            raise ValueError(
                f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = {tensor.size()}"
            )
        dt = tensor._data.dtype
        mean = np.asarray(getattr(self.mean, "_data", self.mean), dt).reshape(-1, 1, 1)
        std = np.asarray(getattr(self.std, "_data", self.std), dt).reshape(-1, 1, 1)
        if (std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
        if self.inplace:
            return tensor.sub_(_wrap(mean)).div_(_wrap(std))
        return tensor.sub(_wrap(mean)).div(_wrap(std))

    batch = __call__  # a batch N x C x H x W broadcasts against the per-channel statistics

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """Apply a user function."""

    def __init__(self, lambd: Callable) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}()"


# --- geometry -----------------------------------------------------------------------------------


def _coin(p: float) -> bool:
    """``torch.rand(1) < p`` (the comparison is in float32, as PyTorch promotes)."""
    return bool(rand(1)._data[0] < np.float32(p))


class RandomHorizontalFlip:
    """Flip left-right with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img: Any) -> Any:
        if _coin(self.p):
            arr, info = _unpack(img)
            return _pack(arr[..., ::-1], info)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    """Flip upside down with probability ``p``."""

    def __call__(self, img: Any) -> Any:
        if _coin(self.p):
            arr, info = _unpack(img)
            return _pack(arr[..., ::-1, :], info)
        return img


class Pad:
    """Pad the borders: ``padding`` int, (left/right, top/bottom) or (left, top, right, bottom)."""

    def __init__(self, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> None:
        _check_padding(padding, padding_mode)
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def __call__(self, img: Any) -> Any:
        arr, info = _unpack(img)
        return _pack(F.pad(arr, _ltrb(self.padding), self.fill, self.padding_mode), info)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class CenterCrop:
    """Crop the centre (padding with zeros when the image is smaller)."""

    def __init__(self, size: Any) -> None:
        self.size = _size(size)

    def __call__(self, img: Any) -> Any:
        arr, info = _unpack(img)
        return _pack(F.center_crop(arr, self.size), info)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size})"


class RandomCrop:
    """Crop at a random place, after optional padding (``pad_if_needed`` pads to at least ``size``)."""

    def __init__(self, size: Any, padding: Any = None, pad_if_needed: bool = False, fill: Any = 0,
                 padding_mode: str = "constant") -> None:
        self.size = _size(size)
        if padding is not None:
            _check_padding(padding, padding_mode)
        elif padding_mode not in F._PAD_MODES:
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img: Any, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """A random (top, left, height, width) crop of ``output_size``; draws like torchvision."""
        arr, _ = _unpack(img)
        return RandomCrop._params(*arr.shape[-2:], output_size)

    @staticmethod
    def _params(h: int, w: int, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        i = int(randint(0, h - th + 1, (1,)).item())
        j = int(randint(0, w - tw + 1, (1,)).item())
        return i, j, th, tw

    def __call__(self, img: Any) -> Any:
        arr, info = _unpack(img)
        if self.padding is not None:
            arr = F.pad(arr, _ltrb(self.padding), self.fill, self.padding_mode)
        h, w = arr.shape[-2:]
        if self.pad_if_needed and w < self.size[1]:
            arr = F.pad(arr, (self.size[1] - w, 0) * 2, self.fill, self.padding_mode)
        h, w = arr.shape[-2:]
        if self.pad_if_needed and h < self.size[0]:
            arr = F.pad(arr, (0, self.size[0] - h) * 2, self.fill, self.padding_mode)
        i, j, th, tw = self._params(*arr.shape[-2:], self.size)
        return _pack(F.crop(arr, i, j, th, tw), info)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size}, padding={self.padding})"


class Resize:
    """Resize to ``size`` (h, w), or an int: the smaller edge, keeping the aspect ratio.

    Bilinear (antialiased when shrinking, like torchvision's default) or nearest."""

    def __init__(self, size: Any, interpolation: Any = InterpolationMode.BILINEAR, max_size: int | None = None,
                 antialias: bool | None = True) -> None:
        if not isinstance(size, (int, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size = size
        self.max_size = max_size
        self.interpolation = _interp(interpolation)
        self.antialias = antialias

    def __call__(self, img: Any) -> Any:
        arr, info = _unpack(img)
        h, w = arr.shape[-2:]
        out_size = F.resized_size(h, w, self.size, self.max_size)
        antialias = self.antialias is not False
        return _pack(F.resize(arr, out_size, self.interpolation.value, antialias), info)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class RandomRotation:
    """Rotate by an angle drawn uniformly from ``degrees`` (a number d means (-d, d))."""

    def __init__(self, degrees: Any, interpolation: Any = InterpolationMode.NEAREST, expand: bool = False,
                 center: Sequence[float] | None = None, fill: Any = 0) -> None:
        if isinstance(degrees, numbers.Number):
            if degrees < 0:
                raise ValueError("If degrees is a single number, it must be positive.")
            degrees = [-degrees, degrees]
        elif not isinstance(degrees, Sequence) or len(degrees) != 2:
            raise ValueError("If degrees is a sequence, it must be of len 2.")
        if expand:
            raise NotImplementedError("RandomRotation(expand=True) is not supported yet")
        if center is not None and (not isinstance(center, Sequence) or len(center) != 2):
            raise ValueError("If center is a sequence, it must be of len 2.")
        self.degrees = [float(d) for d in degrees]
        self.interpolation = _interp(interpolation)
        self.expand = expand
        self.center = center
        self.fill = fill

    @staticmethod
    def get_params(degrees: list[float]) -> float:
        """The angle: ``empty(1).uniform_(lo, hi)`` in float32, as torchvision draws it."""
        return _uniform(degrees[0], degrees[1])

    def __call__(self, img: Any) -> Any:
        arr, info = _unpack(img)
        angle = self.get_params(self.degrees)
        fill = self.fill
        if isinstance(fill, (tuple, list)) and len(fill) == 1:
            fill = fill[0]
        return _pack(F.rotate(arr, angle, self.interpolation.value, self.center, fill), info)

    def __repr__(self) -> str:
        s = f"{self.__class__.__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}, " \
            f"expand={self.expand}"
        if self.center is not None:
            s += f", center={self.center}"
        if self.fill is not None:
            s += f", fill={self.fill}"
        return s + ")"


# --- colour -------------------------------------------------------------------------------------


def _uniform(lo: float, hi: float) -> float:
    """``float(torch.empty(1).uniform_(lo, hi))``."""
    t = _wrap(np.empty(1, np.float32))
    return float(uniform_(t, lo, hi)._data[0])


class ColorJitter:
    """Randomly change brightness, contrast, saturation and hue, in a random order."""

    def __init__(self, brightness: Any = 0, contrast: Any = 0, saturation: Any = 0, hue: Any = 0) -> None:
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def _check_input(value: Any, name: str, center: float = 1, bound: tuple = (0, float("inf")),
                     clip_first_on_zero: bool = True) -> tuple[float, float] | None:
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {value}.")
        return None if value[0] == value[1] == center else tuple(value)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        """(order, b, c, s, h): ``randperm(4)`` then one uniform per enabled factor, as torchvision."""
        order = randperm(4)
        factors = [None if r is None else _uniform(r[0], r[1]) for r in (brightness, contrast, saturation, hue)]
        return (order, *factors)

    def __call__(self, img: Any) -> Any:
        order, b, c, s, h = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        arr, info = _unpack(img)
        for fn_id in order._data.tolist():
            if fn_id == 0 and b is not None:
                arr = F.adjust_brightness(arr, b)
            elif fn_id == 1 and c is not None:
                arr = F.adjust_contrast(arr, c)
            elif fn_id == 2 and s is not None:
                arr = F.adjust_saturation(arr, s)
            elif fn_id == 3 and h is not None:
                arr = F.adjust_hue(arr, h)
        return _pack(arr, info)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")
