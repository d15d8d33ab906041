"""Tensor repr, formatted character for character as PyTorch formats it.

The layout rules (chosen by observing PyTorch's output):
- Every element of a tensor is printed with one shared formatter whose mode is picked from the
  finite nonzero values: integer-valued floats print as ``1.``, otherwise fixed point with
  ``precision`` decimals, or scientific notation when the magnitudes span more than 1000x, exceed
  1e8, or (non-integer values only) fall below 1e-4. Every element is right-aligned to the width
  of the widest finite nonzero value (nan/inf/0 do not widen the columns).
- A tensor with more than ``threshold`` elements is summarised: each dimension longer than
  ``2 * edgeitems`` shows its first and last ``edgeitems`` entries around ``...``, and the
  formatter only looks at the elements shown.
- A row wraps to fit ``linewidth``; nested brackets are indented under ``tensor(``.
- Suffixes (``size=``, ``dtype=``, ``grad_fn=``/``requires_grad=``) follow the values, each moved
  to a new line when it would overflow ``linewidth``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

from . import dtypes
from ._numpy import np

__all__ = ["set_printoptions"]

_PREFIX = "tensor("

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}

_options: dict = dict(_PROFILES["default"], sci_mode=None)


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print, as ``torch.set_printoptions``: a ``profile`` ("default", "short",
    "full") first sets the four sizes, explicit arguments then override it. ``sci_mode`` is always
    assigned (None: automatic), so any call without it turns a forced mode off, as in PyTorch."""
    if profile is not None and profile in _PROFILES:  # PyTorch ignores unknown profile names
        _options.update(_PROFILES[profile])
    for name, value in (
        ("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems), ("linewidth", linewidth),
    ):
        if value is not None:
            _options[name] = value
    _options["sci_mode"] = sci_mode


def get_printoptions() -> dict:
    """The current print options, as ``torch._tensor_str.get_printoptions``."""
    return dict(_options)


@contextlib.contextmanager
def printoptions(**kwargs) -> Iterator[None]:
    """Print options in force only inside a ``with`` block (``torch._tensor_str.printoptions``)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        _options.clear()
        _options.update(saved)


class _ElementFormatter:
    """Formats single elements of one tensor so that they line up in columns."""

    def __init__(self, shown: np.ndarray, precision: int, forced_sci: bool | None):
        self.precision = precision
        self.is_float = shown.dtype.kind == "f"
        self.int_mode = True  # float values that are all whole numbers print as "3."
        self.sci_mode = False
        self.width = 1
        flat = shown.reshape(-1)
        if not self.is_float:
            if flat.size:
                self.width = max(len(str(v)) for v in flat.tolist())
            return
        values = flat[np.isfinite(flat) & (flat != 0)]
        if values.size:
            magnitudes = np.abs(values.astype(np.float64))
            smallest, largest = magnitudes.min(), magnitudes.max()
            self.int_mode = bool(np.all(values == np.ceil(values)))
            spread = largest / smallest > 1000.0 or largest > 1.0e8
            self.sci_mode = spread if self.int_mode else spread or smallest < 1.0e-4
            if forced_sci is not None:
                self.sci_mode = forced_sci
            if self.sci_mode:
                spec, extra = f".{precision}e", 0
            elif self.int_mode:
                spec, extra = ".0f", 1  # the "." after a whole number
            else:
                spec, extra = f".{precision}f", 0
            self.width = max(len(format(v, spec)) for v in values.tolist()) + extra
        elif forced_sci is not None:
            self.sci_mode = forced_sci

    def __call__(self, value) -> str:
        if not self.is_float:
            text = str(value)
        elif self.sci_mode:
            text = format(value, f".{self.precision}e")
        elif self.int_mode:
            text = format(value, ".0f")
            if math.isfinite(value):
                text += "."
        else:
            text = format(value, f".{self.precision}f")
        return text.rjust(self.width)


def _shown_elements(a: np.ndarray, edgeitems: int) -> np.ndarray:
    """The elements a summarised print shows (the formatter is fitted to these only)."""
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        if a.shape[0] > 2 * edgeitems:
            # a[-0:] is the whole row: with edgeitems=0 PyTorch fits the formatter to all of it
            return np.concatenate((a[:edgeitems], a[-edgeitems:]))
        return a
    if not edgeitems:
        return np.empty((0,) * a.ndim, a.dtype)
    n = a.shape[0]
    rows = range(n) if n <= 2 * edgeitems else [*range(edgeitems), *range(n - edgeitems, n)]
    return np.stack([_shown_elements(a[i], edgeitems) for i in rows])


def _layout(a: np.ndarray, indent: int, summarize: bool, fmt: _ElementFormatter) -> str:
    """The bracketed values of ``a``, its continuation lines indented by ``indent`` + 1."""
    if a.ndim == 0:
        return fmt(a.item())
    edgeitems = _options["edgeitems"]
    n = a.shape[0]
    elide = summarize and n > 2 * edgeitems
    if a.ndim == 1:
        if summarize and not edgeitems:
            items = ["..."]
        elif elide:
            items = [fmt(v) for v in a[:edgeitems].tolist()] + [" ..."]
            items += [fmt(v) for v in a[n - edgeitems:].tolist()]
        else:
            items = [fmt(v) for v in a.tolist()]
        per_line = max(1, math.floor((_options["linewidth"] - indent) / (fmt.width + 2)))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    if elide:
        parts = [_layout(a[i], indent + 1, summarize, fmt) for i in range(edgeitems)] + ["..."]
        parts += [_layout(a[i], indent + 1, summarize, fmt) for i in range(n - edgeitems, n)]
    else:
        parts = [_layout(a[i], indent + 1, summarize, fmt) for i in range(n)]
    # sub-tensors are separated by one blank line per dimension beyond the second
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _values_str(a: np.ndarray, indent: int) -> str:
    if a.dtype == np.float16:  # PyTorch formats half through float32 (same values)
        a = a.astype(np.float32)
    summarize = a.size > _options["threshold"]
    shown = _shown_elements(a, _options["edgeitems"]) if summarize else a
    fmt = _ElementFormatter(shown, _options["precision"], _options["sci_mode"])
    return _layout(a, indent, summarize, fmt)


def _append_suffixes(text: str, suffixes: list, indent: int) -> str:
    """Closes ``tensor(...)``, each suffix after ", " or on its own line when it would not fit."""
    parts = [text]
    # PyTorch counts the last line as two characters longer than it is; kept so that the same
    # suffixes move to a new line at the same place (tests: i16-suffix-boundary-18).
    line_len = len(text) - text.rfind("\n") + 1
    linewidth = _options["linewidth"]
    for suffix in suffixes:
        if line_len + len(suffix) + 2 > linewidth:
            parts.append(",\n" + " " * indent + suffix)
            line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t) -> str:
    """``repr(t)`` as PyTorch prints it, e.g. ``tensor([1., 2.], requires_grad=True)``."""
    a = t._data
    dtype = t.dtype
    default = dtypes.get_default_dtype()
    indent = len(_PREFIX)
    suffixes = []
    if a.size == 0:
        if a.ndim != 1:  # as NumPy: the shape is only implied for a 1-D empty tensor
            suffixes.append(f"size={tuple(a.shape)}")
        # no values to tell an int tensor from a float one: only the default float dtype is implied
        if dtype is not default:
            suffixes.append(f"dtype={dtype!r}")
        body = "[]"
    else:
        if not _options["edgeitems"]:  # values may all be elided: PyTorch then always states the shape
            suffixes.append(f"size={tuple(a.shape)}")
        if dtype is not default and dtype is not dtypes.int64 and dtype is not dtypes.bool_:
            suffixes.append(f"dtype={dtype!r}")
        body = _values_str(a, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _append_suffixes(_PREFIX + body, suffixes, indent)
