"""Array kernels behind ``dyngrad.vision.transforms``.

Every kernel takes and returns a NumPy array laid out ``(..., C, H, W)`` (the layout of a tensor
image; NumPy HxW / HxWxC arrays and PIL images are converted to it and back by the transforms).
Results follow torchvision's tensor semantics: uint8 images are computed in float32 and rounded
(geometric ops) or truncated (colour ops) back to uint8, float images are clamped to [0, 1] by the
colour ops.
"""

from __future__ import annotations

import math

from .._numpy import np

_PAD_MODES = ("constant", "edge", "reflect", "symmetric")


def _as_float(img: np.ndarray) -> np.ndarray:
    return img if img.dtype.kind == "f" else img.astype(np.float32)


def _round_back(out: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Back to the input dtype after a float computation (geometric ops round, like torchvision)."""
    if dtype.kind == "f":
        return out.astype(dtype, copy=False)
    info = np.iinfo(dtype)
    return np.clip(np.rint(out), info.min, info.max).astype(dtype)


# --- padding and cropping -----------------------------------------------------------------------


def pad(img: np.ndarray, ltrb: tuple[int, int, int, int], fill=0, mode: str = "constant") -> np.ndarray:
    """Pad the last two axes by (left, top, right, bottom); negative amounts crop."""
    left, top, right, bottom = ltrb
    h, w = img.shape[-2:]
    img = img[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    widths = [(0, 0)] * (img.ndim - 2) + [(max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0))]
    if mode != "constant":
        return np.pad(img, widths, mode=mode)
    if isinstance(fill, (tuple, list)):
        if len(fill) == 1:
            fill = fill[0]
        else:  # one fill value per channel
            channels = [np.pad(img[..., c:c + 1, :, :], widths, constant_values=v) for c, v in enumerate(fill)]
            if len(fill) != img.shape[-3]:
                raise ValueError(f"fill has {len(fill)} values for an image with {img.shape[-3]} channels")
            return np.concatenate(channels, axis=-3)
    return np.pad(img, widths, constant_values=fill)


def crop(img: np.ndarray, top: int, left: int, height: int, width: int) -> np.ndarray:
    """Crop; regions outside the image are filled with zeros (torchvision's crop)."""
    h, w = img.shape[-2:]
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        region = img[..., max(top, 0):min(bottom, h), max(left, 0):min(right, w)]
        ltrb = (max(-left, 0), max(-top, 0), max(right - w, 0), max(bottom - h, 0))
        return pad(region, ltrb, 0)
    return img[..., top:bottom, left:right]


def center_crop(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    th, tw = size
    h, w = img.shape[-2:]
    if th > h or tw > w:
        ltrb = ((tw - w) // 2 if tw > w else 0, (th - h) // 2 if th > h else 0,
                (tw - w + 1) // 2 if tw > w else 0, (th - h + 1) // 2 if th > h else 0)
        img = pad(img, ltrb, 0)
        h, w = img.shape[-2:]
        if (h, w) == (th, tw):
            return img
    top, left = int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))
    return crop(img, top, left, th, tw)


# --- resizing -----------------------------------------------------------------------------------


def _linear_weights(n_in: int, n_out: int, antialias: bool) -> np.ndarray:
    """The (n_out, n_in) matrix of a separable bilinear resize (align_corners=False).

    With antialias and downscaling, the triangle filter is widened by the scale factor (what
    PyTorch's antialiased interpolate and PIL compute); otherwise it is plain bilinear."""
    scale = n_in / n_out
    weights = np.zeros((n_out, n_in), np.float64)
    if antialias and scale > 1.0:
        support = scale
        for i in range(n_out):
            center = scale * (i + 0.5)
            lo = max(int(center - support + 0.5), 0)
            hi = min(int(center + support + 0.5), n_in)
            taps = np.arange(lo, hi)
            w = np.maximum(0.0, 1.0 - np.abs((taps - center + 0.5) / scale))
            total = w.sum()
            weights[i, lo:hi] = w / total if total else 0.0
        return weights
    src = np.maximum((np.arange(n_out) + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    frac = src - i0
    rows = np.arange(n_out)
    np.add.at(weights, (rows, i0), 1.0 - frac)
    np.add.at(weights, (rows, i1), frac)
    return weights


def _nearest_index(n_in: int, n_out: int) -> np.ndarray:
    scale = np.float32(n_in / n_out)
    return np.minimum(np.floor(np.arange(n_out, dtype=np.float32) * scale).astype(np.int64), n_in - 1)


def resize(img: np.ndarray, size: tuple[int, int], interpolation: str = "bilinear", antialias: bool = True) -> np.ndarray:
    """Resize the last two axes to ``size`` = (height, width)."""
    h, w = img.shape[-2:]
    oh, ow = size
    if (oh, ow) == (h, w):
        return img
    if interpolation == "nearest":
        return img[..., _nearest_index(h, oh)[:, None], _nearest_index(w, ow)[None, :]]
    if interpolation != "bilinear":
        raise NotImplementedError(f"resize: interpolation {interpolation!r} is not supported (nearest, bilinear)")
    x = _as_float(img)
    wh = _linear_weights(h, oh, antialias).astype(x.dtype)
    ww = _linear_weights(w, ow, antialias).astype(x.dtype)
    out = np.matmul(np.matmul(wh, x), ww.T)
    return _round_back(out, img.dtype)


def resized_size(h: int, w: int, size, max_size: int | None) -> tuple[int, int]:
    """torchvision's output size: an int (or 1-sequence) is the smaller edge, keeping the aspect."""
    if isinstance(size, int) or len(size) == 1:
        requested = size if isinstance(size, int) else size[0]
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(
                    f"max_size = {max_size} must be strictly greater than the requested size for the smaller "
                    f"edge size = {size}"
                )
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the smaller edge")
    return int(size[0]), int(size[1])


# --- rotation -----------------------------------------------------------------------------------


def rotate(img: np.ndarray, angle: float, interpolation: str = "nearest", center=None, fill=0) -> np.ndarray:
    """Rotate counter-clockwise by ``angle`` degrees about the centre (torchvision's sampling grid:
    pixel centres, zeros outside, then ``fill`` where the sampled mask says "outside")."""
    h, w = img.shape[-2:]
    cx, cy = (0.0, 0.0) if center is None else (center[0] - w * 0.5, center[1] - h * 0.5)
    theta = math.radians(angle)
    m = [math.cos(theta), -math.sin(theta), 0.0, math.sin(theta), math.cos(theta), 0.0]
    m[2] = cx - m[0] * cx - m[1] * cy
    m[5] = cy - m[3] * cx - m[4] * cy
    f32 = np.float32
    # the grid in float32 as torchvision builds it: normalised source coordinates in [-1, 1]
    xs = (np.arange(w, dtype=f32) - f32(w * 0.5 - 0.5))[None, :]
    ys = (np.arange(h, dtype=f32) - f32(h * 0.5 - 0.5))[:, None]
    t = np.array(m, f32) / np.array([w * 0.5, w * 0.5, w * 0.5, h * 0.5, h * 0.5, h * 0.5], f32)
    gx = xs * t[0] + ys * t[1] + t[2]
    gy = xs * t[3] + ys * t[4] + t[5]
    sx = ((gx + f32(1)) * f32(w) - f32(1)) / f32(2)  # back to pixel coordinates (align_corners=False)
    sy = ((gy + f32(1)) * f32(h) - f32(1)) / f32(2)
    x = _as_float(img)
    fills = np.broadcast_to(np.asarray(fill if fill is not None else 0, x.dtype).reshape(-1, 1, 1),
                            img.shape[-3:]) if img.ndim >= 3 else np.asarray(fill or 0, x.dtype)
    if interpolation == "nearest":
        ix, iy = np.rint(sx).astype(np.int64), np.rint(sy).astype(np.int64)
        inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        out = x[..., np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1)]
        out = np.where(inside, out, fills)
    elif interpolation == "bilinear":
        x0, y0 = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
        fx, fy = (sx - x0).astype(x.dtype), (sy - y0).astype(x.dtype)
        out = np.zeros(x.shape, x.dtype)
        mask = np.zeros((h, w), x.dtype)
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                xi, yi = x0 + dx, y0 + dy
                ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
                weight = np.where(ok, wx * wy, 0).astype(x.dtype)
                out += x[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)] * weight
                mask += weight
        out = out * mask + (1 - mask) * fills
    else:
        raise NotImplementedError(f"rotate: interpolation {interpolation!r} is not supported (nearest, bilinear)")
    return _round_back(out, img.dtype)


# --- colour -------------------------------------------------------------------------------------


def _bound(dtype: np.dtype) -> float:
    return 1.0 if dtype.kind == "f" else float(np.iinfo(dtype).max)


def _blend(img: np.ndarray, other, ratio: float) -> np.ndarray:
    x = _as_float(img)
    r = x.dtype.type(ratio)
    out = np.clip(r * x + (x.dtype.type(1.0) - r) * other, 0, _bound(img.dtype))
    return out.astype(img.dtype)  # truncates for integer images, as torchvision's .to(dtype)


def grayscale(img: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma, keeping a channel axis of size 1 (in the image's dtype, truncated)."""
    x = _as_float(img)
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    f = x.dtype.type
    return (f(0.2989) * r + f(0.587) * g + f(0.114) * b).astype(img.dtype)[..., None, :, :]


def adjust_brightness(img: np.ndarray, factor: float) -> np.ndarray:
    return _blend(img, 0, factor)


def adjust_contrast(img: np.ndarray, factor: float) -> np.ndarray:
    gray = grayscale(img) if img.shape[-3] == 3 else img
    dtype = img.dtype if img.dtype.kind == "f" else np.dtype(np.float32)
    mean = gray.astype(np.float64).mean(axis=(-3, -2, -1), keepdims=True).astype(dtype)
    return _blend(img, mean, factor)


def adjust_saturation(img: np.ndarray, factor: float) -> np.ndarray:
    if img.shape[-3] == 1:
        return img
    return _blend(img, grayscale(img), factor)


def _rgb_to_hsv(x: np.ndarray) -> np.ndarray:
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    maxc, minc = x.max(axis=-3), x.min(axis=-3)
    same = maxc == minc
    chroma = maxc - minc
    s = chroma / np.where(same, 1, maxc)
    div = np.where(same, 1, chroma)
    rc, gc, bc = (maxc - r) / div, (maxc - g) / div, (maxc - b) / div
    hue = np.where(maxc == r, bc - gc, np.where(maxc == g, 2.0 + rc - bc, 4.0 + gc - rc))
    hue = np.fmod(hue / 6.0 + 1.0, 1.0).astype(x.dtype)
    return np.stack([hue, s, maxc], axis=-3)


def _hsv_to_rgb(x: np.ndarray) -> np.ndarray:
    h, s, v = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int64) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    r = np.choose(i, [v, q, p, p, t, v])
    g = np.choose(i, [t, v, v, q, p, p])
    b = np.choose(i, [p, p, t, v, v, q])
    return np.stack([r, g, b], axis=-3).astype(x.dtype)


def adjust_hue(img: np.ndarray, factor: float) -> np.ndarray:
    if not -0.5 <= factor <= 0.5:
        raise ValueError(f"hue_factor ({factor}) is not in [-0.5, 0.5].")
    if img.shape[-3] == 1:
        return img
    x = img if img.dtype.kind == "f" else img.astype(np.float32) / np.float32(255.0)
    hsv = _rgb_to_hsv(x)
    hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + x.dtype.type(factor), 1.0)
    out = _hsv_to_rgb(hsv)
    if img.dtype.kind != "f":
        return (out * np.float32(255.0)).astype(img.dtype)
    return out
