"""Sliding windows over (N, C, H, W) arrays, shared by convolution, pooling and unfold/fold:
their geometry (``_Geom``), zero padding, the strided window view (no copy), im2col and its
adjoint col2im."""

from __future__ import annotations

from numpy.lib.stride_tricks import as_strided

from .._numpy import np

# --- window geometry -------------------------------------------------------------------------


def _ints(value, n: int, name: str, op: str) -> tuple:
    """An int-or-sequence argument as a tuple of ``n`` ints (PyTorch's message otherwise)."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    values = tuple(int(v) for v in value)
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise RuntimeError(
            f"{op}: expected {name} to be a single integer value or a list of {n} values to match "
            f"the convolution dimensions, but got {name}={list(values)}"
        )
    return values


class _Geom:
    """Where the windows lie, in 2-D terms: kernel (kh, kw), stride, dilation and padding
    ((top, bottom), (left, right)) of the internal (N, C, H, W) layout. ``nsp`` is the op's
    number of spatial dims (1 runs on a height-1 view) and ``batched`` whether the op's tensors
    have a batch dim."""

    __slots__ = ("kernel", "stride", "pads", "dilation", "groups", "nsp", "batched")

    def __init__(self, kernel, stride, pads, dilation, groups=1, nsp=2, batched=True):
        if nsp == 1:  # the height axis of a 1-D op: one row, no padding
            kernel, stride, dilation = (1, *kernel), (1, *stride), (1, *dilation)
            pads = ((0, 0), *pads)
        self.kernel, self.stride, self.pads, self.dilation = tuple(kernel), tuple(stride), tuple(pads), tuple(dilation)
        self.groups, self.nsp, self.batched = groups, nsp, batched

    def out_size(self, h: int, w: int) -> tuple:
        """Number of window positions along each axis (floor mode)."""
        return tuple(
            (n + lo + hi - d * (k - 1) - 1) // s + 1
            for n, (lo, hi), k, s, d in zip((h, w), self.pads, self.kernel, self.stride, self.dilation)
        )

    def to4(self, a: np.ndarray) -> np.ndarray:
        """An array of the op's own layout as a view (N, C, H, W)."""
        if not self.batched:
            a = a[None]
        if self.nsp == 1:
            a = a[:, :, None, :]
        return a

    def from4(self, a: np.ndarray) -> np.ndarray:
        """The inverse of ``to4``."""
        if self.nsp == 1:
            a = a[:, :, 0]
        if not self.batched:
            a = a[0]
        return a

    def weight4(self, w: np.ndarray) -> np.ndarray:
        return w[:, :, None, :] if self.nsp == 1 else w

    def weight_from4(self, w: np.ndarray) -> np.ndarray:
        return w[:, :, 0] if self.nsp == 1 else w


def _pad_zero(x4: np.ndarray, pads: tuple, fill=0) -> np.ndarray:
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return x4
    n, c, h, w = x4.shape
    shape = (n, c, h + pt + pb, w + pl + pr)
    # zeros come from calloc, often pages the kernel zeroed already: 10-20 % faster than np.full
    xp = np.zeros(shape, x4.dtype) if fill == 0 else np.full(shape, fill, x4.dtype)
    xp[:, :, pt:pt + h, pl:pl + w] = x4
    return xp


def _windows(xp: np.ndarray, geom: _Geom, out_hw: tuple) -> np.ndarray:
    """The read-only view (N, C, kh, kw, Ho, Wo) of the windows of a padded (N, C, Hp, Wp) array."""
    (kh, kw), (sh, sw), (dh, dw) = geom.kernel, geom.stride, geom.dilation
    sn, sc, sy, sx = xp.strides
    return as_strided(
        xp, xp.shape[:2] + (kh, kw) + tuple(out_hw), (sn, sc, sy * dh, sx * dw, sy * sh, sx * sw),
        writeable=False,
    )


def _im2col(x4: np.ndarray, geom: _Geom, out_hw: tuple) -> np.ndarray:
    """The column matrix (N, C*kh*kw, Ho*Wo) of x4 (one strided copy)."""
    v = _windows(_pad_zero(x4, geom.pads), geom, out_hw)
    n, c, kh, kw, ho, wo = v.shape
    return v.reshape(n, c * kh * kw, ho * wo)


def _col2im(d: np.ndarray, geom: _Geom, hw: tuple) -> np.ndarray:
    """The adjoint of the window view: ``d`` (*lead, kh, kw, Ho, Wo), any strides; every entry is
    added to the pixel its window position reads. Returns (*lead, H, W). One vectorised strided
    add per kernel position (kh*kw iterations)."""
    *lead, kh, kw, ho, wo = d.shape
    (sh, sw), (dh, dw), ((pt, pb), (pl, pr)) = geom.stride, geom.dilation, geom.pads
    h, w = hw
    hp = max(h + pt + pb, (ho - 1) * sh + (kh - 1) * dh + 1)
    wp = max(w + pl + pr, (wo - 1) * sw + (kw - 1) * dw + 1)
    out = np.zeros((*lead, hp, wp), d.dtype)
    if ho > 0 and wo > 0:
        for i in range(kh):
            rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
            for j in range(kw):
                out[..., rows, j * dw:j * dw + sw * (wo - 1) + 1:sw] += d[..., i, j, :, :]
    return out[..., pt:pt + h, pl:pl + w]
