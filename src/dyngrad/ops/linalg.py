"""Linear algebra: matmul and friends, on BLAS through NumPy; forward and backward side by side.

Every product (matmul, mm, bmm, mv, dot, addmm, ..., linear) runs ``np.matmul`` on the operands'
own arrays (C-contiguous or transposed views go straight to BLAS, float32 stays float32). Their
backward is ``_matmul_grads``: matmuls against transposed views, summed over broadcast batch
dims. einsum and tensordot live in ``einsum.py`` and are re-exported here."""

from __future__ import annotations

__all__ = [
    "matmul",
    "mm",
    "bmm",
    "mv",
    "dot",
    "inner",
    "outer",
    "ger",
    "addmm",
    "addmv",
    "baddbmm",
    "linear",
    "einsum",
    "tensordot",
    "trace",
    "diag",
    "diagonal",
]


from .._numpy import np
from ..autograd import grad_mode
from ..autograd.function import Op
from ._util import Tensor, _wrap, norm_dim, shape_str

# --- checks and messages ---------------------------------------------------------------------


def _need_tensor(x, op: str, name: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _same_dtype(op: str, *tensors: Tensor) -> None:
    """PyTorch's products do not promote: every operand must have the same dtype."""
    first = tensors[0]._data.dtype
    for t in tensors[1:]:
        if t is not None and t._data.dtype != first:
            got = ", ".join(str(u.dtype) for u in tensors if u is not None)
            raise RuntimeError(f"{op}: expected all operands to have the same dtype, but got {got}")
    if first == np.bool_:
        raise NotImplementedError(f'"{op}" not implemented for \'Bool\'')


def _mat(shape: tuple) -> str:
    return "x".join(map(str, shape))


def _need_ndim(x: Tensor, n: int, op: str, name: str) -> None:
    if x._data.ndim != n:
        what = {1: "a vector", 2: "a matrix", 3: "a 3D tensor"}[n]
        raise RuntimeError(
            f"{op}: {name} must be {what}, got {x._data.ndim}-D tensor of shape {shape_str(x._data.shape)}"
        )


def _matmul_shape_error(op: str, sa: tuple, sb: tuple) -> RuntimeError:
    if len(sa) == 1 and len(sb) == 1:
        return RuntimeError(
            f"{op}: inconsistent tensor size, expected tensors of the same number of elements, but got "
            f"shapes {shape_str(sa)} and {shape_str(sb)}"
        )
    ma = (1,) + sa if len(sa) == 1 else sa[-2:]
    mb = sb + (1,) if len(sb) == 1 else sb[-2:]
    if ma[-1] != mb[0 if len(mb) == 1 else -2]:
        return RuntimeError(
            f"{op}: mat1 and mat2 shapes cannot be multiplied ({_mat(ma)} and {_mat(mb)}) "
            f"(input shapes {shape_str(sa)} and {shape_str(sb)})"
        )
    return RuntimeError(
        f"{op}: the batch dimensions of shapes {shape_str(sa)} and {shape_str(sb)} cannot be broadcast "
        "together (each batch dimension must match or be 1, aligned from the right)"
    )


# --- the product and its gradients -----------------------------------------------------------


def _few_rows_times_transposed(x: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    """``x @ w.T`` for a 2-D ``x`` of 16-64 rows and a C-contiguous ``w`` of 32K+ entries, as the
    transposed (F-ordered) view of ``w @ x.T``; None for other operands. OpenBLAS's AVX-512
    kernels run ``x @ w.T`` slowly there (packing the transposed ``w`` dominates): measured
    0.5-0.92x of its time on 8 shapes, with the caller's copy of the small result (1.0-1.07x with
    its AVX2 kernels)."""
    if x.ndim == 2 and w.ndim == 2 and 16 <= x.shape[0] <= 64 and w.size >= 1 << 15 and w.flags.c_contiguous:
        return np.matmul(w, x.T).T
    return None


def _matmul_arrays(xa: np.ndarray, xb: np.ndarray, op: str) -> np.ndarray:
    """``np.matmul``, with a batched left operand against a shared matrix done as one GEMM."""
    try:
        if xb.ndim == 2 and xb.flags.f_contiguous and not xb.flags.c_contiguous:
            yt = _few_rows_times_transposed(xa, xb.T)
            if yt is not None:
                return np.ascontiguousarray(yt)
        if xa.ndim > 2 and xb.ndim <= 2 and xa.flags.c_contiguous:
            lead = xa.shape[:-1]
            out = np.matmul(xa.reshape(-1, xa.shape[-1]), xb)
            return out.reshape(lead + out.shape[1:]) if xb.ndim == 2 else out.reshape(lead)
        return np.matmul(xa, xb)
    except ValueError:
        raise _matmul_shape_error(op, xa.shape, xb.shape) from None


def _transposed(x: Tensor) -> Tensor:
    n = x._data.ndim
    return Transpose.apply(x, n - 2, n - 1)


def _matmul_grads(a: Tensor, b: Tensor, g: Tensor, needs) -> tuple:
    """Gradients of ``matmul(a, b)`` for its output gradient ``g``, any ranks: 1-D operands are
    promoted to matrices (and the gradient shaped back), broadcast batch dims are summed. The
    products call the primitive directly: the forward checked these operands already."""
    na, nb = a._data.ndim, b._data.ndim
    if na == 1 and nb == 1:  # dot product: g is 0-dim
        return (g * b if needs[0] else None, g * a if needs[1] else None)
    sa, sb = a._data.shape, b._data.shape
    a2 = reshape(a, (1,) + sa) if na == 1 else a
    b2 = reshape(b, sb + (1,)) if nb == 1 else b
    g2 = g
    if na == 1:
        g2 = unsqueeze(g2, -2 if nb > 1 else -1)
    if nb == 1:
        g2 = unsqueeze(g2, -1)
    ga = gb = None
    if needs[0]:
        ga = MatMul.apply(g2, _transposed(b2))
        if ga._data.shape != a2._data.shape:
            ga = sum_to(ga, a2._data.shape)
        if na == 1:
            ga = reshape(ga, sa)
    if needs[1]:
        if nb <= 2 and a2._data.ndim > 2:
            # a shared right matrix: one GEMM over the flattened batch instead of a batched
            # product summed afterwards
            k = a2._data.shape[-1]
            gb = MatMul.apply(_transposed(reshape(a2, (-1, k))), reshape(g2, (-1, g2._data.shape[-1])))
        else:
            gb = MatMul.apply(_transposed(a2), g2)
            if gb._data.shape != b2._data.shape:
                gb = sum_to(gb, b2._data.shape)
        if nb == 1:
            gb = reshape(gb, sb)
    return ga, gb


class MatMul(Op):
    opname = "matmul"

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return _matmul_arrays(a._data, b._data, self.opname)

    def backward(self, g):
        a, b = self.saved_tensors
        return _matmul_grads(a, b, g, self.needs_input_grad)


class Mm(MatMul):
    opname = "mm"


class Bmm(MatMul):
    opname = "bmm"


class Mv(MatMul):
    opname = "mv"


class Dot(MatMul):
    opname = "dot"


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """The matrix product with NumPy/PyTorch rank rules: 1-D operands are promoted to matrices
    and the added dim removed again, batch dims broadcast."""
    _need_tensor(input, "matmul", "input")
    _need_tensor(other, "matmul", "other")
    if input._data.ndim == 0 or other._data.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need to be at least 1D, but they are {input._data.ndim}D and "
            f"{other._data.ndim}D"
        )
    _same_dtype("matmul", input, other)
    return MatMul.apply(input, other)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """The product of two matrices (no broadcasting)."""
    _need_tensor(input, "mm", "input")
    _need_tensor(mat2, "mm", "mat2")
    _need_ndim(input, 2, "mm", "self")
    _need_ndim(mat2, 2, "mm", "mat2")
    sa, sb = input._data.shape, mat2._data.shape
    if sa[1] != sb[0]:
        raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied ({_mat(sa)} and {_mat(sb)})")
    _same_dtype("mm", input, mat2)
    return Mm.apply(input, mat2)


def _check_bmm(op: str, b1: Tensor, b2: Tensor) -> None:
    _need_ndim(b1, 3, op, "batch1")
    _need_ndim(b2, 3, op, "batch2")
    s1, s2 = b1._data.shape, b2._data.shape
    if s1[0] != s2[0] or s1[2] != s2[1]:
        raise RuntimeError(
            f"{op}: expected size for first two dimensions of batch2 tensor to be: "
            f"[{s1[0]}, {s1[2]}] but got: [{s2[0]}, {s2[1]}] (batch1 {shape_str(s1)}, batch2 {shape_str(s2)})"
        )


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of two 3-D tensors with the same batch size."""
    _need_tensor(input, "bmm", "input")
    _need_tensor(mat2, "bmm", "mat2")
    _check_bmm("bmm", input, mat2)
    _same_dtype("bmm", input, mat2)
    return Bmm.apply(input, mat2)


def _check_mv(op: str, mat: Tensor, vec: Tensor) -> None:
    if mat._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(
            f"{op}: expected a matrix and a vector, got {mat._data.ndim}-D and {vec._data.ndim}-D tensors "
            f"(shapes {shape_str(mat._data.shape)} and {shape_str(vec._data.shape)})"
        )
    if mat._data.shape[1] != vec._data.shape[0]:
        raise RuntimeError(
            f"{op}: size mismatch, got mat ({_mat(mat._data.shape)}), vec ({vec._data.shape[0]})"
        )


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix-vector product."""
    _need_tensor(input, "mv", "input")
    _need_tensor(vec, "mv", "vec")
    _check_mv("mv", input, vec)
    _same_dtype("mv", input, vec)
    return Mv.apply(input, vec)


def dot(input: Tensor, other: Tensor) -> Tensor:
    """The dot product of two 1-D tensors of the same size (a 0-dim tensor)."""
    _need_tensor(input, "dot", "input")
    _need_tensor(other, "dot", "tensor")
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(
            f"dot: 1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors"
        )
    if input._data.shape != other._data.shape:
        raise RuntimeError(
            f"dot: inconsistent tensor size, expected tensors of the same number of elements, but got "
            f"{input._data.shape[0]} and {other._data.shape[0]} elements"
        )
    _same_dtype("dot", input, other)
    return Dot.apply(input, other)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum of products over the last dims (a scalar times a tensor when either is 0-dim)."""
    _need_tensor(input, "inner", "input")
    _need_tensor(other, "inner", "other")
    if input._data.ndim == 0 or other._data.ndim == 0:
        return input * other
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(
            f"inner: the last dimensions of the inputs must match, got shapes {shape_str(input._data.shape)} "
            f"and {shape_str(other._data.shape)}"
        )
    return tensordot(input, other, ([-1], [-1]))


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two vectors (dtypes promote, as for ``mul``)."""
    for x, name in ((input, "self"), (vec2, "vec2")):
        _need_tensor(x, "outer", name)
        if x._data.ndim != 1:
            raise RuntimeError(f"outer: expected 1-D argument {name}, but got {x._data.ndim}-D")
    return unsqueeze(input, 1) * vec2


def ger(input: Tensor, vec2: Tensor) -> Tensor:
    """Alias of ``outer``."""
    return outer(input, vec2)


# --- beta * input + alpha * product ----------------------------------------------------------


class AddMatMul(Op):
    """``beta * input + alpha * (m1 @ m2)`` in one pass: the product is scaled and the input
    added in place; with ``beta == 0`` the input is ignored (nan/inf in it do not propagate)."""

    opname = "addmm"

    def forward(self, input, m1, m2, *, beta=1, alpha=1):
        self.save_for_backward(m1, m2)
        self.beta, self.alpha, self.ishape = beta, alpha, input._data.shape
        out = _matmul_arrays(m1._data, m2._data, self.opname)
        if alpha != 1:
            out *= alpha
        if beta != 0:
            out += input._data if beta == 1 else beta * input._data
        return out

    def backward(self, g):
        n = self.needs_input_grad
        m1, m2 = self.saved_tensors
        gi = None
        if n[0]:
            gi = g if self.beta == 1 else g * self.beta
            if gi._data.shape != self.ishape:
                gi = sum_to(gi, self.ishape)
        gp = g if self.alpha == 1 else g * self.alpha
        return (gi,) + _matmul_grads(m1, m2, gp, n[1:])

    def name(self) -> str:
        return self.opname.capitalize() + "Backward0"


class AddMv(AddMatMul):
    opname = "addmv"


class BAddBmm(AddMatMul):
    opname = "baddbmm"


def _scalars(x: Tensor, beta, alpha) -> tuple:
    """Integer tensors take integer factors (PyTorch truncates them)."""
    if x._data.dtype.kind in "iu":
        return int(beta), int(alpha)
    return beta, alpha


def _check_input_broadcasts(op: str, input: Tensor, out_shape: tuple) -> None:
    si = input._data.shape
    ok = len(si) <= len(out_shape) and all(
        s in (1, o) for s, o in zip(si[::-1], out_shape[::-1])
    )
    if not ok:
        raise RuntimeError(
            f"{op}: input of shape {shape_str(si)} cannot be broadcast to the product's shape "
            f"{shape_str(out_shape)}"
        )


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to the product's shape."""
    for x, name in ((input, "input"), (mat1, "mat1"), (mat2, "mat2")):
        _need_tensor(x, "addmm", name)
    _need_ndim(mat1, 2, "addmm", "mat1")
    _need_ndim(mat2, 2, "addmm", "mat2")
    s1, s2 = mat1._data.shape, mat2._data.shape
    if s1[1] != s2[0]:
        raise RuntimeError(f"addmm: mat1 and mat2 shapes cannot be multiplied ({_mat(s1)} and {_mat(s2)})")
    _check_input_broadcasts("addmm", input, (s1[0], s2[1]))
    _same_dtype("addmm", input, mat1, mat2)
    beta, alpha = _scalars(input, beta, alpha)
    return AddMatMul.apply(input, mat1, mat2, beta=beta, alpha=alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    for x, name in ((input, "input"), (mat, "mat"), (vec, "vec")):
        _need_tensor(x, "addmv", name)
    _check_mv("addmv", mat, vec)
    _check_input_broadcasts("addmv", input, mat._data.shape[:1])
    _same_dtype("addmv", input, mat, vec)
    beta, alpha = _scalars(input, beta, alpha)
    return AddMv.apply(input, mat, vec, beta=beta, alpha=alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    for x, name in ((input, "input"), (batch1, "batch1"), (batch2, "batch2")):
        _need_tensor(x, "baddbmm", name)
    _check_bmm("baddbmm", batch1, batch2)
    s1, s2 = batch1._data.shape, batch2._data.shape
    _check_input_broadcasts("baddbmm", input, (s1[0], s1[1], s2[2]))
    _same_dtype("baddbmm", input, batch1, batch2)
    beta, alpha = _scalars(input, beta, alpha)
    return BAddBmm.apply(input, batch1, batch2, beta=beta, alpha=alpha)


# --- linear: the nn layer's primitive --------------------------------------------------------


class Linear(Op):
    """``input @ weight.T + bias``: one GEMM on the transposed weight view, bias added in place."""

    def forward(self, x, w, b=None):
        xd, wd = x._data, w._data
        self.save_for_backward(x, w)
        self.bshape = b._data.shape if b is not None else None
        if wd.ndim == 1:
            out = np.asarray(_matmul_arrays(xd, wd, "linear"))
        elif (yt := _few_rows_times_transposed(xd, wd)) is not None:
            if b is None:
                return np.ascontiguousarray(yt)
            return np.add(yt, b._data, out=np.empty(yt.shape, yt.dtype))  # the bias add writes C order
        elif xd.ndim > 2 and xd.flags.c_contiguous:
            out = np.matmul(xd.reshape(-1, xd.shape[-1]), wd.T).reshape(xd.shape[:-1] + wd.shape[:1])
        else:
            out = np.matmul(xd, wd.T)
        if b is not None:
            out += b._data
        return out

    def backward(self, g):
        x, w = self.saved_tensors
        n = self.needs_input_grad
        if not grad_mode.enabled and w._data.ndim == 2 and x._data.ndim >= 2:
            return self._first_order(x._data, w._data, g._data, n)
        gb = None
        if n[2]:
            gb = sum_to(g, self.bshape) if g._data.shape != self.bshape else g
        if w._data.ndim == 1:
            return _matmul_grads(x, w, g, n) + (gb,)
        # the primitives directly: forward checked the operands, a backward need not again
        gx = MatMul.apply(g, w) if n[0] else None
        gw = None
        if n[1]:
            k, o = x._data.shape[-1], w._data.shape[0]
            g2 = g if g._data.ndim == 2 else reshape(g, (-1, o))
            x2 = x if x._data.ndim == 2 else reshape(x, (-1, k))
            gw = MatMul.apply(_transposed(g2), x2)
        return gx, gw, gb

    def _first_order(self, xd: np.ndarray, wd: np.ndarray, gd: np.ndarray, n) -> tuple:
        """The products of the recorded formula below on the arrays, when the gradient's own graph
        is not being recorded: one step instead of four primitives' dispatch (a transpose, two
        matmuls and a sum) for the most common layer of all."""
        gx = _wrap(_matmul_arrays(gd, wd, "linear")) if n[0] else None
        g2 = gd.reshape(-1, gd.shape[-1]) if gd.ndim != 2 else gd
        gw = _wrap(np.matmul(g2.T, xd.reshape(-1, xd.shape[-1]) if xd.ndim != 2 else xd)) if n[1] else None
        gb = _wrap(_sum_to_array(gd, self.bshape)) if n[2] else None
        return gx, gw, gb

    def name(self) -> str:
        return "AddmmBackward0" if self.bshape is not None else "MmBackward0"


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` over the last dim of ``input`` (weight: (out, in) or (in,))."""
    if isinstance(input, Tensor) and isinstance(weight, Tensor):  # a layer's call: checked cheaply
        xd, wd = input._data, weight._data
        if (wd.ndim == 2 and xd.ndim and xd.shape[-1] == wd.shape[1] and xd.dtype == wd.dtype
                and xd.dtype.kind == "f" and (bias is None or (
                    isinstance(bias, Tensor) and bias._data.shape == wd.shape[:1] and bias._data.dtype == xd.dtype))):
            return Linear.apply(input, weight, bias)
    _need_tensor(input, "linear", "input")
    _need_tensor(weight, "linear", "weight")
    xs, ws = input._data.shape, weight._data.shape
    if input._data.ndim == 0 or weight._data.ndim not in (1, 2):
        raise RuntimeError(
            f"linear: expected input of at least 1 dim and a 1-D or 2-D weight, got shapes "
            f"{shape_str(xs)} and {shape_str(ws)}"
        )
    if xs[-1] != ws[-1]:
        raise RuntimeError(
            f"linear: mat1 and mat2 shapes cannot be multiplied ({_mat((int(np.prod(xs[:-1])), xs[-1]))} "
            f"and {_mat(ws[::-1])}) (input shape {shape_str(xs)}, weight shape {shape_str(ws)})"
        )
    if bias is not None:
        _need_tensor(bias, "linear", "bias")
        if weight._data.ndim == 1:
            raise RuntimeError("linear: a bias needs a 2-D weight, got a 1-D weight")
        _check_input_broadcasts("linear (bias)", bias, xs[:-1] + ws[:1])
    _same_dtype("linear", input, weight, bias)
    return Linear.apply(input, weight, bias)


# --- trace, diag, diagonal -------------------------------------------------------------------


class Trace(Op):
    stateless = True

    def forward(self, x):
        d = x._data
        self.shape, self.dtype = d.shape, d.dtype
        return np.asarray(np.trace(d, dtype=np.int64 if d.dtype.kind in "iu" else None))

    def backward(self, g):
        return g * _wrap(np.eye(*self.shape, dtype=self.dtype))


def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a matrix (integer inputs sum to int64)."""
    _need_tensor(input, "trace", "input")
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return Trace.apply(input)


def _diagonal_view(d: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """``np.diagonal``, writable when ``d`` is (PyTorch's diagonal is a writable view)."""
    v = np.diagonal(d, offset, dim1, dim2)
    if d.flags.writeable:
        v.flags.writeable = True
    return v


class Diagonal(Op):
    """A view of the diagonal of dims ``dim1``/``dim2``, appended as the last dim."""

    stateless = True
    is_view = True

    def forward(self, x, offset, dim1, dim2):
        self.shape, self.args = x._data.shape, (offset, dim1, dim2)
        return _diagonal_view(x._data, offset, dim1, dim2)

    def backward(self, g):
        return DiagonalScatter.apply(g, self.shape, *self.args)


class DiagonalScatter(Op):
    """Zeros of ``shape`` with ``src`` written on a diagonal: the adjoint of ``Diagonal``."""

    stateless = True

    def forward(self, src, shape, offset, dim1, dim2):
        self.args = (offset, dim1, dim2)
        out = np.zeros(shape, src._data.dtype)
        _diagonal_view(out, offset, dim1, dim2)[...] = src._data
        return out

    def backward(self, g):
        return Diagonal.apply(g, *self.args)

    def name(self) -> str:
        return "DiagonalBackwardBackward0"


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A view of a diagonal (``offset`` > 0 above the main one); it becomes the last dim."""
    _need_tensor(input, "diagonal", "input")
    n = input._data.ndim
    d1, d2 = norm_dim(dim1, n, "diagonal"), norm_dim(dim2, n, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, int(offset), d1, d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """1-D input: a square matrix with it on a diagonal; 2-D input: a copy of a diagonal."""
    _need_tensor(input, "diag", "input")
    n = input._data.ndim
    if n == 1:
        size = input._data.shape[0] + abs(diagonal)
        return DiagonalScatter.apply(input, (size, size), int(diagonal), 0, 1)
    if n == 2:
        return clone(Diagonal.apply(input, int(diagonal), 0, 1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {n}D (shape {shape_str(input._data.shape)})")


from .einsum import einsum, tensordot  # noqa: E402
from .elementwise import clone  # noqa: E402
from .reduction import _sum_to_array, sum_to  # noqa: E402
from .shape import Transpose, reshape, unsqueeze  # noqa: E402
