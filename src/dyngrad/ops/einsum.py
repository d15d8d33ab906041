"""einsum and tensordot (part of the linear-algebra family; re-exported by ``linalg``).

``einsum`` first brings an equation to a canonical form: ellipses spelled out with spare letters,
the output explicit, a subscript repeated within one operand taken as a diagonal (a dyngrad
``diagonal`` view, so it is differentiable). The ``Einsum`` primitive then only sees distinct
subscripts per operand. Its forward runs a two-operand einsum as one (batched) matmul on BLAS with
a cached plan, and others with ``np.einsum`` on a cached contraction path. The gradient of each
operand is again an einsum, of the output gradient with the other operands, so it is
differentiable to any order."""

from __future__ import annotations

__all__ = ["einsum", "tensordot"]

import string

from .._numpy import np
from ..autograd.function import Op
from ._util import Tensor, norm_dim, shape_str

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # sorted as in the implicit output
_PARSED: dict = {}  # (equation, operand shapes) -> its canonical form (see _parse)
_PLANS: dict = {}  # (equation, shapes) -> a matmul plan (two operands) or an np.einsum path


def _prod(sizes) -> int:
    n = 1
    for s in sizes:
        n *= s
    return n


def _pair_plan(ins: tuple, out: str, sa: tuple, sb: tuple):
    """How to run a two-operand einsum as one (batched) matmul: axes to sum away first, the
    permutation and 3-D shape of each operand, and the output's shape and permutation. None when
    a shared subscript broadcasts (size 1 against n): np.einsum handles that."""
    a, b = ins
    size = dict(zip(a, sa))
    for c, s in zip(b, sb):
        if size.setdefault(c, s) != s:
            return None
    batch = [c for c in out if c in a and c in b]
    free_a = [c for c in out if c in a and c not in b]
    free_b = [c for c in out if c in b and c not in a]
    contr = [c for c in a if c in b and c not in out]
    sum_a = tuple(i for i, c in enumerate(a) if c not in b and c not in out)
    sum_b = tuple(i for i, c in enumerate(b) if c not in a and c not in out)
    rest_a = [c for c in a if c in b or c in out]
    rest_b = [c for c in b if c in a or c in out]
    perm_a = tuple(rest_a.index(c) for c in batch + free_a + contr)
    perm_b = tuple(rest_b.index(c) for c in batch + contr + free_b)
    nb, nc = _prod(size[c] for c in batch), _prod(size[c] for c in contr)
    shape_a = (nb, _prod(size[c] for c in free_a), nc)
    shape_b = (nb, nc, _prod(size[c] for c in free_b))
    got = batch + free_a + free_b
    shape_r = tuple(size[c] for c in got)
    perm_r = tuple(got.index(c) for c in out)
    return sum_a, sum_b, perm_a, perm_b, shape_a, shape_b, shape_r, perm_r


def _pair_einsum(plan, xa: np.ndarray, xb: np.ndarray) -> np.ndarray:
    sum_a, sum_b, perm_a, perm_b, shape_a, shape_b, shape_r, perm_r = plan
    if sum_a:
        xa = xa.sum(axis=sum_a)
    if sum_b:
        xb = xb.sum(axis=sum_b)
    xa = xa.transpose(perm_a).reshape(shape_a)
    xb = xb.transpose(perm_b).reshape(shape_b)
    r = np.matmul(xa[0], xb[0]) if shape_a[0] == 1 else np.matmul(xa, xb)
    return r.reshape(shape_r).transpose(perm_r)


def _einsum_arrays(ins: tuple, out: str, arrays: list) -> np.ndarray:
    eq = ",".join(ins) + "->" + out
    if len(arrays) < 2:
        return np.einsum(eq, *arrays)
    key = (eq, tuple(a.shape for a in arrays))
    plan = _PLANS.get(key)
    if plan is None:
        if len(_PLANS) > 4096:
            _PLANS.clear()
        if len(arrays) == 2:
            plan = _pair_plan(ins, out, arrays[0].shape, arrays[1].shape)
        if plan is None:
            plan = np.einsum_path(eq, *arrays, optimize="greedy")[0]
        _PLANS[key] = plan
    if len(arrays) == 2 and type(plan) is tuple:
        return _pair_einsum(plan, arrays[0], arrays[1])
    return np.einsum(eq, *arrays, optimize=plan)


class Einsum(Op):
    """An einsum in canonical form: ``ins`` (one string of distinct letters per operand) and an
    explicit output ``out``; size-1 dims broadcast against the other operands."""

    def forward(self, *operands, ins: tuple, out: str, int64: bool = False):
        self.save_for_backward(*operands)
        self.ins, self.out = ins, out
        arrays = [o._data for o in operands]
        result = _einsum_arrays(ins, out, arrays)
        if len(arrays) == 1 and np.may_share_memory(result, arrays[0]):
            result = result.copy()  # a pure permutation comes back as a view of the input
        if int64:
            result = np.asarray(result, np.int64)
        return result

    def backward(self, g):
        operands = self.saved_tensors
        grads = []
        for k, (x, sub) in enumerate(zip(operands, self.ins)):
            if not self.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [j for j in range(len(operands)) if j != k]
            seen = set(self.out).union(*(self.ins[j] for j in others))
            kept = "".join(c for c in sub if c in seen)
            gk = _canonical([g, *(operands[j] for j in others)], (self.out, *(self.ins[j] for j in others)), kept)
            grads.append(_to_operand_shape(gk, sub, kept, x._data.shape))
        return tuple(grads)


def _to_operand_shape(gk: Tensor, sub: str, kept: str, shape: tuple) -> Tensor:
    """Bring a gradient over the subscripts ``kept`` to the operand's own shape: subscripts only
    this operand had (summed in forward) are broadcast back, size-1 dims that broadcast in
    forward are summed."""
    if len(kept) < len(sub):
        gk = reshape(gk, tuple(gk._data.shape[kept.index(c)] if c in kept else 1 for c in sub))
    gshape = gk._data.shape
    if any(s == 1 and t != 1 for s, t in zip(shape, gshape)):
        gk = sum_to(gk, tuple(1 if s == 1 else t for s, t in zip(shape, gshape)))
    if gk._data.shape != shape:
        gk = expand(gk, shape)
    return gk


def _canonical(operands: list, ins: tuple, out: str, int64: bool = False) -> Tensor:
    if len(operands) == 1 and ins[0] == out:
        return operands[0]
    return Einsum.apply(*operands, ins=tuple(ins), out=out, int64=int64)


# --- parsing ---------------------------------------------------------------------------------


def _err(msg: str) -> RuntimeError:
    return RuntimeError("einsum(): " + msg)


def _parse_term(term: str, pos: int) -> list:
    """Subscript letters of one term, with ``...`` as the item ``Ellipsis``."""
    items, i = [], 0
    while i < len(term):
        c = term[i]
        if c == ".":
            if term[i : i + 3] != "..." or Ellipsis in items:
                raise _err(f"found '.' at index {pos + i} that is not part of a single ellipsis '...'")
            items.append(Ellipsis)
            i += 3
            continue
        if c not in _LETTERS:
            raise _err(
                f"invalid subscript given at index {pos + i} in the equation string, subscripts must be in [a-zA-Z]"
            )
        items.append(c)
        i += 1
    return items


def _operand_letters(items: list, shape: tuple, k: int, ell: str) -> list:
    n = len(shape)
    named = len(items) - (Ellipsis in items)
    if Ellipsis not in items and named != n:
        raise _err(
            f"the number of subscripts in the equation ({named}) does not match the number of dimensions "
            f"({n}) for operand {k} and no ellipsis was given"
        )
    if named > n:
        raise _err(
            f"the number of subscripts in the equation ({named}) is more than the number of dimensions "
            f"({n}) for operand {k}"
        )
    letters = []
    for c in items:
        if c is Ellipsis:
            letters.extend(ell[len(ell) - (n - named) :])
        else:
            letters.append(c)
    return letters


def einsum(equation, *operands) -> Tensor:
    """Einstein summation: ``einsum("ij,jk->ik", a, b)``; operands may also be given as one list.
    Supports ``...``, the implicit output (no ``->``), repeated subscripts (diagonals) and size-1
    broadcasting."""
    if not isinstance(equation, str):
        raise TypeError(
            f"einsum(): expected the equation string first, got {type(equation).__name__} "
            "(the sublist format einsum(op, [0, 1], ...) is not supported)"
        )
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for k, x in enumerate(operands):
        if not isinstance(x, Tensor):
            raise TypeError(f"einsum(): operand {k} must be a Tensor, not {type(x).__name__}")
    key = (equation, tuple(x._data.shape for x in operands))
    parsed = _PARSED.get(key)
    if parsed is None:
        if len(_PARSED) > 4096:
            _PARSED.clear()
        parsed = _PARSED[key] = _parse(equation, key[1])
    subs, diagonals, out, sums_alone = parsed
    ops = list(operands)
    for k, steps in diagonals:
        for i, j in steps:
            ops[k] = diagonal(ops[k], 0, i, j)
    dt = ops[0]._data.dtype
    for k, x in enumerate(ops[1:], 1):
        if x._data.dtype != dt:
            raise RuntimeError(
                f"einsum(): expected all operands to have the same dtype, but operand 0 is {ops[0].dtype} "
                f"and operand {k} is {x.dtype}"
            )
    # PyTorch sums a subscript found in one operand only with sum(), which widens integers
    return _canonical(ops, subs, out, sums_alone and dt.kind in "biu")


def _parse(equation: str, shapes: tuple) -> tuple:
    """The canonical form of ``equation`` for operands of ``shapes``: per-operand subscripts
    (distinct letters), the diagonals to take first ``[(operand, [(dim1, dim2), ...])]``, the
    output subscripts, and whether a subscript is summed within a single operand."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    if "->" in rhs:
        raise _err(f"invalid equation {equation!r}: more than one '->'")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise _err("fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise _err("more operands were provided than specified in the equation")
    pos, parsed = 0, []
    for term in terms:
        parsed.append(_parse_term(term, pos))
        pos += len(term) + 1
    out_items = _parse_term(rhs, len(lhs) + 2) if arrow else None

    used = {c for items in parsed for c in items if c is not Ellipsis}
    n_ell = max(
        (len(shape) - (len(items) - 1) for items, shape in zip(parsed, shapes) if Ellipsis in items),
        default=0,
    )
    spare = [c for c in _LETTERS if c not in used]
    if n_ell > len(spare):
        raise _err("too many dimensions: at most 52 distinct subscripts are supported")
    ell = "".join(spare[:n_ell])
    subs = [_operand_letters(items, shape, k, ell) for k, (items, shape) in enumerate(zip(parsed, shapes))]

    sizes: dict = {}
    for k, (letters, shape) in enumerate(zip(subs, shapes)):
        own: dict = {}
        for c, s in zip(letters, shape):
            if own.setdefault(c, s) != s:
                raise _err(f"subscript {c} is repeated for operand {k} but the sizes don't match, {s} != {own[c]}")
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = s
            elif s != prev and s != 1:
                raise _err(
                    f"subscript {c} has size {s} for operand {k} (shape {shape_str(shape)}) which "
                    f"does not broadcast with previously seen size {prev}"
                )

    if out_items is None:  # implicit: the ellipsis dims, then subscripts seen once, sorted
        counts: dict = {}
        for letters in subs:
            for c in letters:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(c for c in _LETTERS if counts.get(c) == 1 and c not in ell)
    else:
        out = ""
        for c in out_items:
            piece = ell if c is Ellipsis else c
            for d in piece:
                if d in out:
                    raise _err(f"output subscript {d} appears more than once in the output")
                if d not in sizes and d not in ell:
                    raise _err(f"output subscript {d} does not appear in the equation for any input operand")
            out += piece

    diagonals = []
    for k, letters in enumerate(subs):
        steps, subs[k] = _diagonal_steps(letters)
        if steps:
            diagonals.append((k, steps))
    sums_alone = any(c not in out and sum(c in s for s in subs) == 1 for s in subs for c in s)
    return tuple("".join(s) for s in subs), tuple(diagonals), out, sums_alone


def _diagonal_steps(letters: list) -> tuple:
    """A subscript repeated within one operand means its diagonal, taken with ``diagonal(x, 0,
    i, j)`` (which moves it last): the (i, j) of each step and the letters left."""
    letters, steps = list(letters), []
    while len(set(letters)) < len(letters):
        c = next(c for c in letters if letters.count(c) > 1)
        i = letters.index(c)
        j = letters.index(c, i + 1)
        steps.append((i, j))
        letters = [d for n, d in enumerate(letters) if n not in (i, j)] + [c]
    return steps, letters


# --- tensordot -------------------------------------------------------------------------------


def _dims_list(d, n: int, which: str) -> list:
    if isinstance(d, Tensor):
        d = d.tolist()
    if isinstance(d, (int, np.integer)):
        d = [d]
    dims = [norm_dim(int(v), n, "tensordot") for v in d]
    if len(set(dims)) != len(dims):
        dup = next(v for v in dims if dims.count(v) > 1)
        raise RuntimeError(f"tensordot: dim {dup} appears multiple times in the list of dims of {which}")
    return dims


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Contract the last ``dims`` dims of ``a`` with the first of ``b``, or the dims listed in
    ``dims = (dims_a, dims_b)``; the free dims of ``a`` then of ``b`` remain."""
    for x, name in ((a, "a"), (b, "b")):
        if not isinstance(x, Tensor):
            raise TypeError(f"tensordot(): argument '{name}' must be Tensor, not {type(x).__name__}")
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        dims = int(dims)
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > na or dims > nb:
            raise RuntimeError(
                f"tensordot expects dims <= ndim of both inputs, but got dims={dims} for shapes "
                f"{shape_str(a._data.shape)} and {shape_str(b._data.shape)}"
            )
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        if len(dims) != 2:
            raise RuntimeError(f"tensordot: dims must be an int or a pair of dim lists, got {dims!r}")
        da, db = _dims_list(dims[0], na, "a"), _dims_list(dims[1], nb, "b")
        if len(da) != len(db):
            raise RuntimeError(
                f"tensordot: both dimension lists should have same length, got {len(da)} and {len(db)}"
            )
    for i, j in zip(da, db):
        if a._data.shape[i] != b._data.shape[j]:
            raise RuntimeError(
                f"tensordot: contracted dimensions need to match, but first has size {a._data.shape[i]} in "
                f"dim {i} and second has size {b._data.shape[j]} in dim {j} (shapes "
                f"{shape_str(a._data.shape)} and {shape_str(b._data.shape)})"
            )
    if na + nb - len(da) > len(_LETTERS):
        raise RuntimeError("tensordot: too many dimensions (at most 52 in all are supported)")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"tensordot: both inputs should have same dtype, got {a.dtype} and {b.dtype}")
    letters = iter(_LETTERS)
    sa = [next(letters) for _ in range(na)]
    sb = [next(letters) for _ in range(nb)]
    for i, j in zip(da, db):
        sb[j] = sa[i]
    out = "".join(c for n, c in enumerate(sa) if n not in da) + "".join(
        c for n, c in enumerate(sb) if n not in db
    )
    return _canonical([a, b], ("".join(sa), "".join(sb)), out)


from .linalg import diagonal  # noqa: E402
from .reduction import sum_to  # noqa: E402
from .shape import expand, reshape  # noqa: E402
