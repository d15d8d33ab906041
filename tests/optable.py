"""The table-driven op test harness shared by the per-family test files.

An ``OpCase`` names the dyngrad op(s) it covers and gives ``fn(lib, *inputs)``, written once and
run with ``lib`` = dyngrad and ``lib`` = torch. Each family file lists its cases in ``CASES`` and
parametrises three checks over them: parity with PyTorch (values and gradients, float32 and
float64, contiguous and not), finite-difference gradcheck in float64, and (``gradgrad=True``)
second-order gradgradcheck. ``test_coverage.py`` fails when an op has no case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import dyngrad

try:
    import torch
except ImportError:  # parity tests skip, visibly; gradchecks need no torch
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed: parity test skipped")

TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


@dataclass
class Const:
    """An input that never requires grad: an index array, a mask, an int tensor..."""

    make: Callable[[np.random.Generator], np.ndarray]
    keep_dtype: bool = True  # False: cast to the case's float dtype like the other inputs


@dataclass
class OpCase:
    names: str  # the op names covered, space-separated: "exp Tensor.exp"
    fn: Callable  # fn(lib, *inputs) -> tensor or tuple of tensors
    inputs: list  # per input: a shape tuple (random float tensor), a Const, or a number
    domain: str = "real"  # real | positive | unit (-1, 1) | nonzero | away (|x| > 0.1, no ties)
    grad: bool = True  # float inputs require grad and gradients are compared
    gradgrad: bool = False
    noncontig: bool = True  # also run with non-contiguous float inputs
    tol: dict = field(default_factory=dict)  # per dtype overrides: {"float32": dict(rtol=..)}
    id: str = ""

    def __post_init__(self):
        if not self.id:
            self.id = self.names.split()[0] + "-" + "x".join(
                "_".join(map(str, s)) if isinstance(s, tuple) else "c" for s in self.inputs
            )


def _draw(shape: tuple, domain: str, rng: np.random.Generator) -> np.ndarray:
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "unit":
        return rng.uniform(-0.9, 0.9, shape)
    if domain in ("nonzero", "away"):
        mag = rng.uniform(0.2, 2.0, shape)
        sign = rng.choice([-1.0, 1.0], shape)
        out = mag * sign
        if domain == "away" and out.size:
            # distinct values, so max/sort/median have one answer and no finite-difference kinks
            out = out.reshape(-1)
            out[:] = np.sign(out) * (0.2 + np.argsort(rng.random(out.size)) * (1.8 / max(out.size, 1)))
            out = out.reshape(shape)
        return out
    return rng.standard_normal(shape)


def make_arrays(case: OpCase, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    out = []
    for spec in case.inputs:
        if isinstance(spec, tuple):
            out.append(_draw(spec, case.domain, rng))
        elif isinstance(spec, Const):
            out.append(spec)
            spec.value = spec.make(rng)
        else:
            out.append(spec)
    return out


def _to_lib(lib, arrays: list, dtype: str, noncontig: bool, grad: bool) -> list:
    result = []
    for a in arrays:
        if isinstance(a, Const):
            v = a.value if a.keep_dtype else a.value.astype(dtype)
            result.append(lib.from_numpy(np.array(v)) if lib is not None else v)
            continue
        if not isinstance(a, np.ndarray):
            result.append(a)
            continue
        a = a.astype(dtype)
        if noncontig and a.ndim >= 2:
            a = np.ascontiguousarray(a.swapaxes(-1, -2)).swapaxes(-1, -2)  # same values, other strides
        else:
            a = a.copy()
        t = lib.from_numpy(a)
        if grad:
            t.requires_grad_(True)
        result.append(t)
    return result


def _outs(x) -> list:
    return list(x) if isinstance(x, (tuple, list)) else [x]


def _np(t) -> np.ndarray:
    if isinstance(t, dyngrad.Tensor):
        return t.detach().numpy()
    return t.detach().numpy()


def check_parity(case: OpCase, dtype: str, noncontig: bool = False) -> None:
    """Values and gradients of dyngrad and PyTorch on the same inputs."""
    arrays = make_arrays(case)
    grad = case.grad
    xs = _to_lib(dyngrad, arrays, dtype, noncontig, grad)
    ts = _to_lib(torch, arrays, dtype, noncontig, grad)
    ys = _outs(case.fn(dyngrad, *xs))
    zs = _outs(case.fn(torch, *ts))
    assert len(ys) == len(zs), f"{case.id}: {len(ys)} outputs vs torch's {len(zs)}"
    tol = {**TOL[dtype], **case.tol.get(dtype, {})}
    for i, (y, z) in enumerate(zip(ys, zs)):
        if not isinstance(z, torch.Tensor):
            assert y == z, f"{case.id} output {i}: {y!r} != torch's {z!r}"
            continue
        assert isinstance(y, dyngrad.Tensor), f"{case.id} output {i}: not a Tensor but {type(y)}"
        assert tuple(y.shape) == tuple(z.shape), f"{case.id} output {i}: shape {y.shape} vs {z.shape}"
        assert y.dtype.name == str(z.dtype).removeprefix("torch."), (
            f"{case.id} output {i}: dtype {y.dtype} vs torch's {z.dtype}"
        )
        np.testing.assert_allclose(_np(y), _np(z), **tol, err_msg=f"{case.id} output {i} values")
    if not grad:
        return
    rng = np.random.default_rng(1)
    diff_y, diff_z, gos = [], [], []
    for y, z in zip(ys, zs):
        if isinstance(z, torch.Tensor) and z.requires_grad:
            assert y.requires_grad, f"{case.id}: output should require grad"
            go = rng.standard_normal(tuple(z.shape)).astype(str(z.dtype).removeprefix("torch."))
            diff_y.append(y)
            diff_z.append(z)
            gos.append(go)
    if not diff_z:
        return
    leaves_x = [x for x in xs if isinstance(x, dyngrad.Tensor) and x.requires_grad]
    leaves_t = [t for t in ts if isinstance(t, torch.Tensor) and t.requires_grad]
    gx = dyngrad.autograd.grad(diff_y, leaves_x, [dyngrad.from_numpy(g.copy()) for g in gos], allow_unused=True)
    gt = torch.autograd.grad(diff_z, leaves_t, [torch.from_numpy(g.copy()) for g in gos], allow_unused=True)
    for i, (a, b) in enumerate(zip(gx, gt)):
        if b is None:
            assert a is None or not np.any(_np(a)), f"{case.id}: grad {i} should be None/zero"
            continue
        assert a is not None, f"{case.id}: grad of input {i} is None but torch has one"
        assert tuple(a.shape) == tuple(b.shape), f"{case.id} grad {i}: shape {a.shape} vs {b.shape}"
        assert a.dtype.name == str(b.dtype).removeprefix("torch."), f"{case.id} grad {i} dtype"
        np.testing.assert_allclose(_np(a), _np(b), **tol, err_msg=f"{case.id} grad of input {i}")


def _gc_inputs(case: OpCase) -> list:
    return _to_lib(dyngrad, make_arrays(case), "float64", False, True)


def check_gradcheck(case: OpCase) -> None:
    xs = _gc_inputs(case)
    assert dyngrad.autograd.gradcheck(lambda *a: case.fn(dyngrad, *a), xs, eps=1e-6, atol=1e-5, rtol=1e-3)


def check_gradgradcheck(case: OpCase) -> None:
    xs = _gc_inputs(case)
    assert dyngrad.autograd.gradgradcheck(lambda *a: case.fn(dyngrad, *a), xs, eps=1e-6, atol=1e-5, rtol=1e-3)


def parametrize(cases: list[OpCase]) -> dict[str, Any]:
    """The three standard tests for a family's ``CASES``; use as ``globals().update(...)``."""

    @needs_torch
    @pytest.mark.parametrize("dtype", ["float32", "float64"])
    @pytest.mark.parametrize("case", cases, ids=lambda c: c.id)
    def test_parity(case, dtype):
        check_parity(case, dtype)

    @needs_torch
    @pytest.mark.parametrize("case", [c for c in cases if c.noncontig and any(
        isinstance(s, tuple) and len(s) >= 2 for s in c.inputs)], ids=lambda c: c.id)
    def test_parity_noncontiguous(case):
        check_parity(case, "float64", noncontig=True)

    @pytest.mark.parametrize("case", [c for c in cases if c.grad], ids=lambda c: c.id)
    def test_gradcheck(case):
        check_gradcheck(case)

    @pytest.mark.parametrize("case", [c for c in cases if c.grad and c.gradgrad], ids=lambda c: c.id)
    def test_gradgradcheck(case):
        check_gradgradcheck(case)

    return {
        "test_parity": test_parity,
        "test_parity_noncontiguous": test_parity_noncontiguous,
        "test_gradcheck": test_gradcheck,
        "test_gradgradcheck": test_gradgradcheck,
    }
