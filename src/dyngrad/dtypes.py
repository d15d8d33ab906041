"""dtypes: the dyngrad dtype objects, their NumPy counterparts, and PyTorch's promotion rules."""

from __future__ import annotations

from ._numpy import np

# Printed in front of dtype and Size reprs; compat.install() switches it to "torch" so that a
# PyTorch script prints exactly what it prints under PyTorch.
display_prefix = ["dyngrad"]


class dtype:  # noqa: N801 - PyTorch's name
    """A tensor element type (``dyngrad.float32`` ...), backed by a NumPy dtype."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_category")

    def __init__(self, name: str, np_dtype, category: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = category == FLOAT
        self.is_signed = category == FLOAT or (category == INT and self.np.kind == "i")
        self.itemsize = self.np.itemsize
        self._category = category

    @property
    def is_complex(self) -> bool:
        return False

    def to_real(self) -> dtype:
        return self

    def __repr__(self) -> str:
        return f"{display_prefix[0]}.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


def _by_name(name: str) -> dtype:
    return _BY_NAME[name]


# categories, ordered as PyTorch orders them for promotion
BOOL, INT, FLOAT = 0, 1, 2

float16 = dtype("float16", np.float16, FLOAT)
float32 = dtype("float32", np.float32, FLOAT)
float64 = dtype("float64", np.float64, FLOAT)
int8 = dtype("int8", np.int8, INT)
int16 = dtype("int16", np.int16, INT)
int32 = dtype("int32", np.int32, INT)
int64 = dtype("int64", np.int64, INT)
uint8 = dtype("uint8", np.uint8, INT)
bool_ = dtype("bool", np.bool_, BOOL)

ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool_)
_BY_NAME = {d.name: d for d in ALL}
# keyed by NumPy dtype: a Tensor's dtype is looked up from its array on every access
_FROM_NP = {d.np: d for d in ALL}

ALIASES = {
    "half": float16, "float": float32, "double": float64, "short": int16, "int": int32,
    "long": int64, "bool": bool_,
}

_default = [float32]


def get_default_dtype() -> dtype:
    """The dtype of new floating tensors (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d: dtype) -> None:
    """Set the dtype new floating tensors get; only float32 and float64 are allowed, as in PyTorch."""
    if d not in (float32, float64, float16):
        raise TypeError(f"set_default_dtype: only floating dtypes are supported, got {d}")
    _default[0] = d


def from_numpy_dtype(np_dtype) -> dtype:
    """The dyngrad dtype of a NumPy dtype; a clear TypeError for the ones dyngrad lacks."""
    try:
        return _FROM_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        names = ", ".join(d.name for d in ALL)
        raise TypeError(
            f"can't convert NumPy dtype {np_dtype} to a dyngrad dtype; supported: {names}"
        ) from None


def to_numpy_dtype(d) -> np.dtype:
    """The NumPy dtype for a dyngrad dtype (also accepts NumPy dtypes and Python types)."""
    if isinstance(d, dtype):
        return d.np
    if d is float:
        return _default[0].np
    if d is int:
        return int64.np
    if d is bool:
        return bool_.np
    return from_numpy_dtype(d).np


def as_dtype(d) -> dtype:
    """Normalise anything dtype-like (dyngrad dtype, NumPy dtype, Python type, name) to a dtype."""
    if isinstance(d, dtype):
        return d
    if isinstance(d, str):
        name = d.removeprefix("torch.").removeprefix("dyngrad.")
        if name in _BY_NAME:
            return _BY_NAME[name]
        if name in ALIASES:
            return ALIASES[name]
        raise TypeError(f"unknown dtype name {d!r}")
    return _FROM_NP[to_numpy_dtype(d)]


def _promote_pair(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a._category != b._category:  # unlike NumPy, float16 + int64 stays float16
        return a if a._category > b._category else b
    return _FROM_NP[np.promote_types(a.np, b.np)]


def _scalar_category(x) -> int:
    if isinstance(x, (bool, np.bool_)):
        return BOOL
    if isinstance(x, (int, np.integer)):
        return INT
    return FLOAT


_DEFAULT_OF_CATEGORY = {BOOL: bool_, INT: int64}


def result_type(*operands) -> dtype:
    """PyTorch's promotion: tensors with dimensions outrank 0-dim tensors, which outrank Python
    scalars; a lower-ranked operand only counts when its category (bool < int < float) is higher,
    and a scalar then contributes its category's default dtype."""
    dim_t = zero_t = None
    scalar_cat = -1
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            if x.ndim:
                dim_t = d if dim_t is None else _promote_pair(dim_t, d)
            else:
                zero_t = d if zero_t is None else _promote_pair(zero_t, d)
        else:
            scalar_cat = max(scalar_cat, _scalar_category(x))
    result = dim_t
    if zero_t is not None:
        if result is None:
            result = zero_t
        elif zero_t._category > result._category:  # same category: no widening
            result = zero_t
    if scalar_cat >= 0:
        if result is None:
            result = _default[0] if scalar_cat == FLOAT else _DEFAULT_OF_CATEGORY[scalar_cat]
        elif scalar_cat > result._category:
            result = _default[0] if scalar_cat == FLOAT else _DEFAULT_OF_CATEGORY[scalar_cat]
    return result
