"""Finite-difference checks of gradients (first order) and of gradients of gradients."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .._numpy import np
from ..tensor import Tensor, _wrap
from . import grad_mode
from .engine import grad as _grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _as_tuple(x) -> tuple:
    return x if isinstance(x, tuple) else (x,) if isinstance(x, Tensor) else tuple(x)


def _outputs(func: Callable, inputs: tuple) -> list[Tensor]:
    return [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor) and o.is_floating_point()]


def _numerical(func, inputs, diff_idx, eps) -> list[list[np.ndarray]]:
    """jac[i][o]: d out[o] / d inputs[i], shape (inputs[i].numel(), out[o].numel())."""
    with grad_mode.no_grad():
        outs = _outputs(func, inputs)
        jac = []
        for i in diff_idx:
            x = inputs[i]._data
            cols = [np.zeros((x.size, o.numel())) for o in outs]
            for k, idx in enumerate(np.ndindex(x.shape)):  # in x's own memory, whatever its strides
                orig = x[idx]
                x[idx] = orig + eps
                plus = [o._data.astype(np.float64).reshape(-1) for o in _outputs(func, inputs)]
                x[idx] = orig - eps
                minus = [o._data.astype(np.float64).reshape(-1) for o in _outputs(func, inputs)]
                x[idx] = orig
                for c, p, m in zip(cols, plus, minus):
                    c[k] = (p - m) / (2 * eps)
            jac.append(cols)
    return jac


def _analytical(func, inputs, diff_idx) -> list[list[np.ndarray]]:
    outs = _outputs(func, inputs)
    jac = [[np.zeros((inputs[i].numel(), o.numel())) for o in outs] for i in diff_idx]
    for oi, o in enumerate(outs):
        if not o._requires_grad:
            continue
        for j in range(o.numel()):
            go = np.zeros(o._data.shape, o._data.dtype)
            go.reshape(-1)[j] = 1
            gs = _grad(
                o, [inputs[i] for i in diff_idx], _wrap(go), retain_graph=True, allow_unused=True
            )
            for n, g in enumerate(gs):
                if g is not None:
                    jac[n][oi][:, j] = g._data.astype(np.float64).reshape(-1)
    return jac


def gradcheck(
    func: Callable,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    fast_mode: bool = False,
    masked=None,
) -> bool:
    """Compare the gradients autograd computes for ``func`` with central finite differences.
    Inputs that require grad should be float64."""
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for i in diff_idx:
        if inputs[i]._data.dtype != np.float64:
            import warnings

            warnings.warn(
                f"gradcheck: input {i} is {inputs[i].dtype}, not float64; the check may fail "
                "for lack of precision",
                stacklevel=2,
            )
        if not inputs[i]._data.flags.writeable:
            raise ValueError(f"gradcheck: input {i} is read-only; the finite differences write into it")
    num = _numerical(func, inputs, diff_idx, eps)
    ana = _analytical(func, inputs, diff_idx)
    for n, i in enumerate(diff_idx):
        for oi, (a, b) in enumerate(zip(ana[n], num[n])):
            if not np.allclose(a, b, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {oi} with respect to input {i},\n"
                    f"numerical:{b}\nanalytical:{a}\n"
                )
    return True


def gradgradcheck(
    func: Callable,
    inputs,
    grad_outputs: Sequence[Tensor] | None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    **kwargs,
) -> bool:
    """gradcheck applied to the gradient of ``func`` (checks second derivatives)."""
    inputs = _as_tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [
            _wrap(np.asarray(rng.standard_normal(o._data.shape))).requires_grad_() for o in outs
        ]
    grad_outputs = list(_as_tuple(grad_outputs))
    n_in = len(inputs)

    def first_grads(*args):
        xs, gos = args[:n_in], args[n_in:]
        with grad_mode.enable_grad():  # also when the numerical pass calls us under no_grad
            ys = _outputs(func, xs)
            dx = [x for x in xs if isinstance(x, Tensor) and x._requires_grad]
            gs = _grad(ys, dx, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(
        first_grads, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
        raise_exception=raise_exception,
    )
