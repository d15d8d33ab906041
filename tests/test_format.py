"""Tensor printing against PyTorch: the same NumPy values must print as the same string.

Each ``ReprCase`` builds a NumPy array, wraps it with ``from_numpy`` in dyngrad and in torch,
optionally makes it a requires-grad leaf or the output of an op, and compares ``repr`` under the
given print options and default dtype (both restored afterwards)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest

import dyngrad
from dyngrad import _format

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed: repr parity test skipped")

f16, f32, f64 = np.float16, np.float32, np.float64
NAN, INF = np.nan, np.inf


@dataclass
class ReprCase:
    id: str
    make: Callable[[np.random.Generator], np.ndarray]
    requires_grad: bool = False
    op: Callable | None = None  # op(lib, tensor) -> tensor: gives the printed tensor a grad_fn
    printopts: dict = field(default_factory=dict)
    default_dtype: str | None = None  # "float64": run under set_default_dtype(float64)


def arr(values, dtype=f32):
    return lambda rng: np.array(values, dtype=dtype)


def randn(*shape, dtype=f32, scale=1.0):
    return lambda rng: (rng.standard_normal(shape) * scale).astype(dtype)


def randint(low, high, *shape, dtype=np.int64):
    return lambda rng: rng.integers(low, high, shape).astype(dtype)


CASES = [
    # --- the basics -------------------------------------------------------------------------
    ReprCase("f32-int-valued", arr([1.0, 2.0])),
    ReprCase("f32-scalar", arr(3.0)),
    ReprCase("f32-scalar-fraction-grad", arr(2.5), requires_grad=True),
    ReprCase("i64-vector", arr([1, 2, 3], np.int64)),
    ReprCase("bool-vector", arr([True, False], np.bool_)),
    ReprCase("f64-suffix", arr([0.1, 2.0], f64)),
    ReprCase("f32-small-goes-sci", arr([1e-5, 1.0])),
    ReprCase("f32-add-grad_fn", arr([0.8138, 1.7701, 5.7919]), requires_grad=True, op=lambda lib, t: t + t),
    ReprCase("f32-exp-grad_fn-2d", randn(2, 3), requires_grad=True, op=lambda lib, t: lib.exp(t)),
    ReprCase("f32-int-valued-negative", arr([-3.0, 0.0, 12.0, 105.0])),
    # --- scientific-mode rules ----------------------------------------------------------------
    ReprCase("f32-int-valued-huge", arr([1e9, 1.0])),
    ReprCase("f32-int-valued-spread", arr([1.0, 5000.0, 3.0])),
    ReprCase("f32-int-valued-under-spread", arr([1.0, 999.0, -3.0])),
    ReprCase("f32-mixed-magnitudes", arr([1e-3, 1e3, 5.25, -7.5])),
    ReprCase("f32-tiny", arr([1e-8, 2.5e-8, -3e-9])),
    ReprCase("f32-huge-fraction", arr([1.5e12, 3.25e12])),
    ReprCase("f64-just-below-1e-4", arr([9.9e-5, 0.5], f64)),
    ReprCase("f32-randn-scaled-1e5", randn(6, scale=1e5)),
    # --- nan, inf, zeros -----------------------------------------------------------------------
    ReprCase("f32-nonfinite-int-mode", arr([NAN, INF, -INF, 1.0])),
    ReprCase("f32-nonfinite-fraction", arr([NAN, INF, -INF, 1.5])),
    ReprCase("f32-all-nan", arr([NAN, NAN])),
    ReprCase("f32-nonfinite-sci", arr([NAN, 1e-6, -INF, 2.0])),
    ReprCase("f32-negative-zero", arr([0.0, -0.0])),
    ReprCase("f32-negative-zero-fraction", arr([-0.0, 1.5])),
    ReprCase("f32-scalar-negative-zero", arr(-0.0)),
    ReprCase("f32-scalar-nan", arr(NAN)),
    ReprCase("f64-scalar-inf", arr(-INF, f64)),
    ReprCase("f32-zeros-2d", lambda rng: np.zeros((2, 3), f32)),
    # --- layouts -----------------------------------------------------------------------------
    ReprCase("f32-2d", randn(3, 4)),
    ReprCase("f32-3d", randn(2, 3, 4)),
    ReprCase("f32-4d", randn(2, 2, 2, 3)),
    ReprCase("f32-size-one-dims", randn(1, 1, 3)),
    ReprCase("f32-column", randn(4, 1)),
    ReprCase("f32-transposed-view", lambda rng: rng.standard_normal((3, 5)).astype(f32).T),
    ReprCase("f32-int-valued-2d-widths", arr([[1.0, -200.0], [35.0, 4.0]])),
    ReprCase("f32-4d-grad", randn(2, 1, 2, 2), requires_grad=True),
    # --- wrapping at linewidth 80 -----------------------------------------------------------------
    ReprCase("f32-wide-row", randn(30)),
    ReprCase("f32-wide-2d", randn(3, 25, scale=100)),
    ReprCase("f32-wide-3d", randn(2, 2, 17)),
    ReprCase("i64-wide-row", randint(-10**6, 10**6, 40)),
    ReprCase("f64-wide-row-grad", randn(20, dtype=f64), requires_grad=True),
    ReprCase("f32-sci-wide-row", randn(14, scale=1e-6)),
    # --- summarised ---------------------------------------------------------------------------
    ReprCase("f32-2000-summarised", randn(2000)),
    ReprCase("f64-40x40-summarised", randn(40, 40, dtype=f64)),
    ReprCase("f32-3d-summarised", randn(12, 10, 10)),
    ReprCase("f32-4d-summarised", randn(7, 2, 8, 10)),
    ReprCase("f32-5d-summarised", randn(10, 10, 10, 10, 10)),
    ReprCase("i64-2000-summarised", randint(-500, 500, 2000)),
    ReprCase("f32-summarised-spread-hidden", lambda rng: np.r_[np.ones(3), np.full(1000, 1e9), np.ones(3)].astype(f32)),
    ReprCase("f32-summarised-short-rows", randn(300, 4)),
    ReprCase("bool-summarised", lambda rng: rng.random((50, 30)) > 0.5),
    ReprCase("f32-1001-summarised-grad", randn(1001), requires_grad=True, op=lambda lib, t: t * 2),
    # --- every dtype ----------------------------------------------------------------------------
    ReprCase("f16-fraction", arr([1.1, 2.2, -3.3], f16)),
    ReprCase("f16-int-valued", arr([[1.0, 2.0], [3.0, -4.0]], f16)),
    ReprCase("f16-scalar", arr(0.1, f16)),
    ReprCase("i8-2d", randint(-128, 128, 3, 4, dtype=np.int8)),
    ReprCase("u8-vector", arr([0, 7, 255], np.uint8)),
    ReprCase("u8-scalar", arr(9, np.uint8)),
    ReprCase("i16-vector", arr([-32768, 5, 32767], np.int16)),
    ReprCase("i32-3d", randint(-50, 50, 2, 2, 3, dtype=np.int32)),
    ReprCase("i64-scalar", arr(-42, np.int64)),
    ReprCase("bool-2d", lambda rng: rng.random((3, 4)) > 0.5),
    ReprCase("bool-scalar", arr(True, np.bool_)),
    # --- empty tensors ---------------------------------------------------------------------------
    ReprCase("f32-empty", lambda rng: np.zeros(0, f32)),
    ReprCase("f32-empty-0x3", lambda rng: np.zeros((0, 3), f32)),
    ReprCase("i64-empty", lambda rng: np.zeros(0, np.int64)),
    ReprCase("bool-empty-3d", lambda rng: np.zeros((2, 0, 3), np.bool_)),
    ReprCase("f64-empty", lambda rng: np.zeros((0,), f64)),
    ReprCase("f32-empty-grad", lambda rng: np.zeros((2, 0), f32), requires_grad=True),
    ReprCase("i32-empty-2d", lambda rng: np.zeros((4, 0), np.int32)),
    # --- suffix order and suffix wrapping --------------------------------------------------------
    ReprCase("f64-grad-suffix-order", arr([1.0, 2.0], f64), requires_grad=True),
    ReprCase("f64-grad_fn-suffix-order", arr([1.5, 2.0], f64), requires_grad=True, op=lambda lib, t: t * 3),
    ReprCase("f16-grad", arr([0.5, 1.0], f16), requires_grad=True),
    *(ReprCase(f"f64-suffix-wrap-{n}", randn(n, dtype=f64, scale=10), requires_grad=True) for n in range(3, 10)),
    *(ReprCase(f"f32-grad_fn-wrap-{n}", randn(n, scale=10), requires_grad=True, op=lambda lib, t: t + 1)
      for n in range(5, 10)),
    # the suffix-wrap rule counts the first line 2 characters longer than it is: n=18 is where that shows
    *(ReprCase(f"i16-suffix-boundary-{n}", lambda rng, n=n: np.arange(n, dtype=np.int16) % 10) for n in range(17, 20)),
    ReprCase("f64-2d-suffix-wrap", randn(2, 7, dtype=f64, scale=10), requires_grad=True),
    # --- print options -----------------------------------------------------------------------------
    ReprCase("opt-precision-2", randn(2, 3), printopts=dict(precision=2)),
    ReprCase("opt-precision-8-f64", randn(4, dtype=f64), printopts=dict(precision=8)),
    ReprCase("opt-precision-0", arr([1.25, 3.5]), printopts=dict(precision=0)),
    ReprCase("opt-sci-true", arr([1.5, 20.25]), printopts=dict(sci_mode=True)),
    ReprCase("opt-sci-true-int-valued", arr([1.0, 20.0]), printopts=dict(sci_mode=True)),
    ReprCase("opt-sci-false-tiny", arr([1e-6, 2.5]), printopts=dict(sci_mode=False)),
    ReprCase("opt-sci-false-huge-int", arr([1e10, 1.0]), printopts=dict(sci_mode=False)),
    ReprCase("opt-profile-short", randn(2000), printopts=dict(profile="short")),
    ReprCase("opt-profile-full", randn(1200), printopts=dict(profile="full")),
    ReprCase("opt-linewidth-40", randn(3, 9), printopts=dict(linewidth=40)),
    ReprCase("opt-linewidth-40-suffix", randn(5, dtype=f64), requires_grad=True, printopts=dict(linewidth=40)),
    ReprCase("opt-linewidth-tiny", randn(2, 3), printopts=dict(linewidth=5)),
    ReprCase("opt-threshold-5-edge-1", randn(4, 4), printopts=dict(threshold=5, edgeitems=1)),
    ReprCase("opt-edgeitems-0-1d", randn(20), printopts=dict(threshold=5, edgeitems=0)),
    ReprCase("opt-edgeitems-0-2d", randn(4, 5), printopts=dict(threshold=5, edgeitems=0)),
    ReprCase("opt-edgeitems-0-not-summarised", arr([0, 1, 2], np.int8), printopts=dict(edgeitems=0)),
    ReprCase("opt-edgeitems-0-scalar", arr(2.5), printopts=dict(threshold=0, edgeitems=0)),
    ReprCase("opt-edgeitems-0-empty", lambda rng: np.zeros(0, f32), printopts=dict(edgeitems=0)),
    ReprCase("opt-threshold-0-scalar", arr(2.5), printopts=dict(threshold=0)),
    ReprCase("opt-edgeitems-5-summarised", randn(30, 40), printopts=dict(edgeitems=5)),
    # --- default dtype float64 ---------------------------------------------------------------------
    ReprCase("dd64-f64-no-suffix", arr([0.5, 1.0], f64), default_dtype="float64"),
    ReprCase("dd64-f32-suffix", arr([0.5, 1.0], f32), default_dtype="float64"),
    ReprCase("dd64-f32-empty", lambda rng: np.zeros(0, f32), default_dtype="float64"),
    ReprCase("dd64-f64-empty", lambda rng: np.zeros((0, 2), f64), default_dtype="float64"),
    ReprCase("dd64-i64", arr([1, 2], np.int64), default_dtype="float64"),
    ReprCase("dd64-f32-grad", arr([1.5, 2.0], f32), requires_grad=True, default_dtype="float64"),
]


@pytest.fixture
def torch_prefix():
    """dyngrad prints dtypes as torch.* (what compat does), restored afterwards."""
    saved = dyngrad.dtypes.display_prefix[0]
    dyngrad.dtypes.display_prefix[0] = "torch"
    yield
    dyngrad.dtypes.display_prefix[0] = saved


def _build(lib, case: ReprCase, array: np.ndarray):
    t = lib.from_numpy(array.copy())
    if case.requires_grad:
        t.requires_grad_()
    if case.op is not None:
        t = case.op(lib, t)
    return t


def _repr_under(lib, case: ReprCase, array: np.ndarray) -> str:
    tensor_str = _format if lib is dyngrad else torch._tensor_str
    set_printoptions = _format.set_printoptions if lib is dyngrad else torch.set_printoptions
    saved_opts = tensor_str.get_printoptions()
    saved_default = lib.get_default_dtype()
    try:
        if case.default_dtype:
            lib.set_default_dtype(getattr(lib, case.default_dtype))
        if case.printopts:
            set_printoptions(**case.printopts)
        t = _build(lib, case, array)
        text = repr(t)
        assert str(t) == text
        return text
    finally:
        lib.set_default_dtype(saved_default)
        set_printoptions(**saved_opts)


@needs_torch
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_repr_matches_torch(case: ReprCase, torch_prefix):
    array = case.make(np.random.default_rng(0))
    expected = _repr_under(torch, case, array)
    got = _repr_under(dyngrad, case, array)
    assert got == expected, f"\ndyngrad:\n{got}\ntorch:\n{expected}"


def test_table_is_diverse():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    dtypes_seen = {c.make(np.random.default_rng(0)).dtype.name for c in CASES}
    assert dtypes_seen >= {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"}


def test_known_strings(torch_prefix):
    # Pinned strings (checked against PyTorch 2.13), so the main rules hold even without torch.
    x = dyngrad.from_numpy(np.array([1.6276, 3.5403, 11.5839], f32)).requires_grad_()
    assert repr(x) == "tensor([ 1.6276,  3.5403, 11.5839], requires_grad=True)"
    assert repr(x + 0) == "tensor([ 1.6276,  3.5403, 11.5839], grad_fn=<AddBackward0>)"
    assert repr(dyngrad.from_numpy(np.array([True, False]))) == "tensor([ True, False])"
    assert repr(dyngrad.from_numpy(np.array([0.1, 2.0]))) == "tensor([0.1000, 2.0000], dtype=torch.float64)"
    assert repr(dyngrad.from_numpy(np.array([1e-5, 1.0], f32))) == "tensor([1.0000e-05, 1.0000e+00])"
    assert repr(dyngrad.from_numpy(np.array([NAN, INF, -INF, 1.5], f32))) == "tensor([   nan,    inf,   -inf, 1.5000])"
    assert repr(dyngrad.from_numpy(np.zeros((0, 3), np.int64))) == "tensor([], size=(0, 3), dtype=torch.int64)"
    assert repr(dyngrad.from_numpy(np.arange(4, dtype=f32).reshape(2, 2))) == "tensor([[0., 1.],\n        [2., 3.]])"
    assert repr(dyngrad.from_numpy(np.ones((2, 1, 1), np.int32))) == (
        "tensor([[[1]],\n\n        [[1]]], dtype=torch.int32)"
    )
    summary = repr(dyngrad.from_numpy(np.arange(2000, dtype=np.int64)))
    assert summary == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"


def test_dtype_suffix_follows_display_prefix():
    assert dyngrad.dtypes.display_prefix[0] == "dyngrad"
    t = dyngrad.from_numpy(np.array([1, 2], np.int8))
    assert repr(t) == "tensor([1, 2], dtype=dyngrad.int8)"


def test_printoptions_state_matches_torch_semantics():
    saved = _format.get_printoptions()
    try:
        assert saved == {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
        _format.set_printoptions(sci_mode=True, precision=2)
        assert _format.get_printoptions()["sci_mode"] is True
        _format.set_printoptions(precision=3)  # a call without sci_mode turns it back to automatic
        opts = _format.get_printoptions()
        assert opts["sci_mode"] is None and opts["precision"] == 3
        _format.set_printoptions(profile="no-such-profile")  # ignored, as in PyTorch
        assert _format.get_printoptions()["precision"] == 3
        _format.set_printoptions(profile="short", edgeitems=4)  # arguments override the profile
        assert _format.get_printoptions() == {
            "precision": 2, "threshold": 1000, "edgeitems": 4, "linewidth": 80, "sci_mode": None,
        }
        _format.set_printoptions(profile="full")
        assert _format.get_printoptions()["threshold"] == float("inf")
    finally:
        _format.set_printoptions(**saved)
    assert _format.get_printoptions() == saved


@needs_torch
def test_printoptions_sequence_matches_torch():
    calls = [dict(precision=2, sci_mode=True), dict(linewidth=60), dict(profile="short", threshold=7),
             dict(profile="full"), dict(profile="default")]
    saved_d, saved_t = _format.get_printoptions(), torch._tensor_str.get_printoptions()
    try:
        for kwargs in calls:
            _format.set_printoptions(**kwargs)
            torch.set_printoptions(**kwargs)
            assert _format.get_printoptions() == torch._tensor_str.get_printoptions(), kwargs
    finally:
        _format.set_printoptions(**saved_d)
        torch.set_printoptions(**saved_t)


def test_printoptions_context_restores():
    before = _format.get_printoptions()
    with _format.printoptions(precision=1, linewidth=20):
        assert repr(dyngrad.from_numpy(np.array([0.25, 1.5], f32))) == "tensor([0.2, 1.5])"
    assert _format.get_printoptions() == before


@needs_torch
def test_format_of_tensors_matches_torch():
    for values, spec in [(np.array(2.5, f32), ".3f"), (np.array(7, np.int64), "05d"), (np.array(1.0), "")]:
        assert format(dyngrad.from_numpy(values), spec) == format(torch.from_numpy(values), spec)
    assert f"{dyngrad.from_numpy(np.array(0.125, f32)):.2e}" == "1.25e-01"


def test_set_printoptions_is_exported():
    assert "set_printoptions" in _format.__all__
    assert dyngrad.set_printoptions is _format.set_printoptions


@needs_torch
def test_format_spec_on_a_tensor_with_dims_is_an_error_as_in_torch():
    assert format(dyngrad.from_numpy(np.ones(2, f32)), "") == format(torch.from_numpy(np.ones(2, f32)), "")
    with pytest.raises(TypeError, match="unsupported format string passed to Tensor.__format__"):
        format(dyngrad.from_numpy(np.ones(2, f32)), ">50")
