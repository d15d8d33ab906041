"""Reference points for the targets that dyngrad misses (run.py's ``bounds`` rows): what a workload
costs with as little framework as possible, timed against PyTorch like every other row.

- the per-op chain on a minimal tape (``minitape``): what recording costs with no features;
- the s06 MLP step written out in NumPy (the floor: no framework at all);
- the s09 ResNet step's convolutions (forward and backward of each layer, alone) in dyngrad and
  PyTorch, and the part of dyngrad's time spent in its GEMMs (BLAS): the rest is im2col copies,
  padding and col2im sums;
- the s09 ResNet step with dyngrad's GEMMs done by MKL instead of OpenBLAS (``mkl_gemm``; needs
  the ``mkl`` wheel): what the same code takes with PyTorch's BLAS library."""

# ruff: noqa: N803, N806 - ``L`` is the library (dyngrad or torch), as in workloads.py
from __future__ import annotations

import contextlib
import importlib
import time
from collections.abc import Iterator

import minitape
import mkl_gemm
import numpy as np
from workloads import Batch, _chain, _resnet_model, looped, make_chain, make_resnet


def _chain_grads(L, arrays: list) -> list:
    leaves = [L.tensor(a.copy(), requires_grad=True) for a in arrays]
    _chain(*leaves).backward(L.ones(16))
    return [t.grad if L is minitape else t.grad.numpy() for t in leaves]


def make_minitape_chain(dyngrad) -> tuple[Batch, Batch]:
    """``make_chain`` on the minimal tape, once its gradients of the chain are checked against
    dyngrad's (a reference that computed something else would prove nothing)."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(16).astype(np.float32) for _ in range(3)]
    arrays.append(rng.uniform(1.0, 2.0, 16).astype(np.float32))
    pairs = zip(_chain_grads(minitape, arrays), _chain_grads(dyngrad, arrays))
    if not all(np.allclose(a, b, rtol=1e-4, atol=1e-6) for a, b in pairs):
        raise AssertionError("the minimal tape's gradients of the chain differ from dyngrad's")
    return make_chain(minitape)


def make_mlp_floor() -> Batch:
    """One s06 step (784-128-64-10, batch 64, cross-entropy, SGD lr 0.1 momentum 0.5) in plain
    NumPy. The first layer's product is made as ``(w1 @ x.T).T``, as dyngrad's Linear makes it for
    a few rows against a large weight: OpenBLAS runs ``x @ w1.T`` slower."""
    rng = np.random.default_rng(0)
    sizes = [(784, 128), (128, 64), (64, 10)]
    weights = [rng.standard_normal((o, i), dtype=np.float32) * np.float32(i**-0.5) for i, o in sizes]
    params = weights + [np.zeros(o, np.float32) for _, o in sizes]
    momenta: list = [None] * len(params)
    x = rng.random((64, 784), dtype=np.float32)
    target = rng.integers(0, 10, 64)
    rows = np.arange(64)

    def step() -> None:
        (w1, w2, w3), (b1, b2, b3) = weights, params[3:]
        a1 = np.maximum((w1 @ x.T).T + b1, 0)
        a2 = np.maximum(a1 @ w2.T + b2, 0)
        z = a2 @ w3.T + b3
        e = np.exp(z - z.max(1, keepdims=True))
        p = e / e.sum(1, keepdims=True)
        float(-np.log(p[rows, target]).mean())  # the loss, as the step's caller would read it
        p[rows, target] -= 1
        g3 = p / 64
        g2 = (g3 @ w3) * (a2 != 0)
        g1 = (g2 @ w2) * (a1 != 0)
        grads = [g1.T @ x, g2.T @ a1, g3.T @ a2, g1.sum(0), g2.sum(0), g3.sum(0)]
        for i, (param, grad) in enumerate(zip(params, grads)):
            if momenta[i] is None:
                momenta[i] = grad
            else:
                momenta[i] *= 0.5
                momenta[i] += grad
            param -= 0.1 * momenta[i]

    return looped(step)


def resnet_convs(L) -> list[tuple]:
    """(conv module, input shape) of every convolution of the s09 ResNet on its batch of 8."""
    model = _resnet_model(L)
    found = []
    for m in model.modules():
        if isinstance(m, L.nn.Conv2d):
            m.register_forward_hook(lambda mod, inp, out: found.append((mod, tuple(inp[0].shape))))
    with L.no_grad():
        model(L.zeros(8, 3, 112, 112))
    return found


def make_resnet_convs(L) -> Batch:
    """Forward and backward of each s09 ResNet convolution alone (no bias; the stem's input needs
    no gradient), the layer's gradient seeded with ones."""
    rng = np.random.default_rng(0)
    F = L.nn.functional
    layers = []
    for i, (conv, shape) in enumerate(resnet_convs(L)):
        x = L.from_numpy(rng.standard_normal(shape, dtype=np.float32)).requires_grad_(i > 0)
        w = conv.weight.detach().clone().requires_grad_()
        y = F.conv2d(x, w, stride=conv.stride, padding=conv.padding)
        layers.append((x, w, conv.stride, conv.padding, L.ones_like(y)))

    def step() -> None:
        for x, w, stride, padding, seed in layers:
            x.grad = w.grad = None
            F.conv2d(x, w, stride=stride, padding=padding).backward(seed)

    return looped(step)


class _NumpyWithMatmul:
    """Stands in for NumPy in a dyngrad kernel module: ``matmul`` is the function given, every
    other name is NumPy's."""

    def __init__(self, matmul):
        self.matmul = matmul

    def __getattr__(self, name: str):
        return getattr(np, name)


@contextlib.contextmanager
def _kernels_matmul(matmul, modules: tuple) -> Iterator[None]:
    """Inside the block, the ``np.matmul`` calls of the dyngrad ``modules`` (names) call ``matmul``;
    each module gets its own ``np`` back after."""
    loaded = [importlib.import_module(name) for name in modules]
    saved = [module.np for module in loaded]
    for module in loaded:
        module.np = _NumpyWithMatmul(matmul)
    try:
        yield
    finally:
        for module, own in zip(loaded, saved):
            module.np = own


def make_conv_gemm_time(dyngrad) -> Batch:
    """``make_resnet_convs(dyngrad)``, reporting only the seconds spent in its kernels' GEMMs
    (``np.matmul`` in ``dyngrad.ops.conv``, timed where they run: on column blocks the kernel has
    just written, as in a real step): the BLAS part of dyngrad's convolutions."""
    run = make_resnet_convs(dyngrad)

    def batch(n: int) -> float:
        seconds = [0.0]

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return np.matmul(*args, **kwargs)
            finally:
                seconds[0] += time.perf_counter() - t0

        with _kernels_matmul(timed, ("dyngrad.ops.conv",)):
            run(n)
        return seconds[0]

    return batch


def make_resnet_mkl(dyngrad) -> Batch | None:
    """``make_resnet(dyngrad)`` with the products of its convolutions and linear layer done by MKL
    (``mkl_gemm.matmul``); None when the ``mkl`` wheel is not installed."""
    if not mkl_gemm.load():
        return None
    run = make_resnet(dyngrad)

    def batch(n: int) -> float:
        with _kernels_matmul(mkl_gemm.matmul, ("dyngrad.ops.conv", "dyngrad.ops.linalg")):
            return run(n)

    return batch
