"""autograd.functional (jacobian, hessian, vjp, jvp, vhp, hvp) and Tensor.new_* against PyTorch."""

import numpy as np
import pytest

import dyngrad

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _all_results(L):
    rng = np.random.default_rng(0)
    xa, ya, va, wa = rng.standard_normal((2, 3)), rng.standard_normal(3), rng.standard_normal((2, 3)), rng.standard_normal(3)
    af = L.autograd.functional
    x, y = L.tensor(xa), L.tensor(ya)

    def f(x):
        return (x.exp() * x).sum(0)

    def g(x, y):
        return (x * y).sin().sum(), x.sum() * y

    def s(x, y):
        return (x * x * y).sum() + (y**3).sum()

    out = [af.jacobian(f, x)]
    out += [b for block in af.jacobian(g, (x, y)) for b in block]
    out += [af.hessian(lambda x: (x**3).sum() + (x[0] * x[1]).sum(), x)]
    out += [b for block in af.hessian(s, (x, y)) for b in block]
    out += list(af.vjp(f, x, L.tensor(wa))) + list(af.jvp(f, x, L.tensor(va)))
    v = (L.tensor(va), L.tensor(wa))
    for fn in (af.vhp, af.hvp):
        value, prods = fn(s, (x, y), v)
        out += [value, *prods]
    out += list(af.vjp(lambda x: (x * x).sum(), x))  # v defaults to 1 for a scalar output
    return [t.detach().numpy() for t in out]


@needs_torch
def test_functional_derivatives_match_torch():
    for ours, theirs in zip(_all_results(dyngrad), _all_results(torch)):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_jacobian_create_graph_and_strict():
    x = dyngrad.tensor([1.0, 2.0], requires_grad=True)
    jac = dyngrad.autograd.functional.jacobian(lambda t: t**3, x, create_graph=True)
    assert jac.requires_grad and jac.tolist() == [[3.0, 0.0], [0.0, 12.0]]
    jac.sum().backward()  # d/dx of sum(3 x^2 on the diagonal) = 6 x
    assert x.grad.tolist() == [6.0, 12.0]
    y = dyngrad.tensor([1.0])
    zeros = dyngrad.autograd.functional.jacobian(lambda a, b: a * 2, (x, y))
    assert zeros[1].tolist() == [[0.0], [0.0]]
    with pytest.raises(RuntimeError, match="independent of input 1"):
        dyngrad.autograd.functional.jacobian(lambda a, b: a * 2, (x, y), strict=True)


@needs_torch
def test_new_tensor_methods_match_torch():
    def make(L):
        x = L.ones(2, dtype=L.float64)
        return [x.new_zeros(2, 3), x.new_zeros((2,)), x.new_ones(3, dtype=L.int32), x.new_full((2,), 7),
                x.new_tensor([1, 2]), x.new_tensor([1.5], requires_grad=True), x.new_empty(4)]

    for ours, theirs in zip(make(dyngrad), make(torch)):
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
        assert tuple(ours.shape) == tuple(theirs.shape) and ours.requires_grad == theirs.requires_grad
        if ours.numel() and theirs is not None and tuple(ours.shape) != (4,):
            np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
