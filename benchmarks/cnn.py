"""Time one training step of the seed CNN (seed_programs/s08_cifar_cnn.py) in dyngrad and PyTorch.

conv(3->32, 3x3, pad 1) - relu - maxpool 2 - conv(32->64, 3x3, pad 1) - relu - maxpool 2 -
linear(4096->128) - relu - dropout (a fixed mask, the same in both) - linear(128->10) -
cross-entropy; backward; a plain SGD update on the arrays. Batch 64 of 3x32x32, float32.
Both run single-threaded (torch.set_num_threads(1), OpenBLAS limited to one thread before NumPy
loads; pass --threads N to change both). Prints median ms per step after warm-up and the ratio.

    python benchmarks/cnn.py [--steps 20] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=20, help="timed steps (after 3 warm-up steps)")
parser.add_argument("--threads", type=int, default=1, help="BLAS / torch threads")
parser.add_argument("--batch", type=int, default=64)
args = parser.parse_args()
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)  # must precede the first NumPy import

import numpy as np  # noqa: E402

import dyngrad  # noqa: E402
from dyngrad.ops.conv import conv2d  # noqa: E402
from dyngrad.ops.pooling import max_pool2d  # noqa: E402

LR = 0.01


def make_params(rng: np.random.Generator) -> list[np.ndarray]:
    """Kaiming-uniform-like float32 weights, zero biases: conv1, conv2, fc1, fc2."""
    shapes = [((32, 3, 3, 3), 27), ((64, 32, 3, 3), 288), ((128, 4096), 4096), ((10, 128), 128)]
    params = []
    for shape, fan_in in shapes:
        bound = 1.0 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, shape).astype(np.float32))
        params.append(np.zeros(shape[0], np.float32))
    return params


def dyngrad_step(params: list, x, labels, mask):
    w1, b1, w2, b2, f1, fb1, f2, fb2 = params
    h = max_pool2d(dyngrad.relu(conv2d(x, w1, b1, padding=1)), 2, 2)
    h = max_pool2d(dyngrad.relu(conv2d(h, w2, b2, padding=1)), 2, 2)
    h = h.view(-1, 64 * 8 * 8)
    h = dyngrad.relu(dyngrad.linear(h, f1, fb1)) * mask
    logits = dyngrad.linear(h, f2, fb2)
    logp = dyngrad.log_softmax(logits, 1)
    loss = -dyngrad.gather(logp, 1, labels).mean()
    loss.backward()
    with dyngrad.no_grad():
        for p in params:
            p._data -= LR * p.grad._data  # plain SGD on the arrays
            p.grad = None
    return loss.item()


def torch_step(torch, params: list, x, labels, mask):
    F = torch.nn.functional  # noqa: N806 - the usual alias
    w1, b1, w2, b2, f1, fb1, f2, fb2 = params
    h = F.max_pool2d(F.relu(F.conv2d(x, w1, b1, padding=1)), 2, 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2, padding=1)), 2, 2)
    h = h.view(-1, 64 * 8 * 8)
    h = F.relu(F.linear(h, f1, fb1)) * mask
    logits = F.linear(h, f2, fb2)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= LR * p.grad
            p.grad = None
    return loss.item()


def median_ms(step, steps: int) -> tuple[float, list]:
    losses = [step() for _ in range(3)]  # warm-up
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        losses.append(step())
        times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times)), losses


def main() -> None:
    rng = np.random.default_rng(0)
    n = args.batch
    arrays = make_params(rng)
    x = rng.standard_normal((n, 3, 32, 32)).astype(np.float32)
    labels = rng.integers(0, 10, n)
    mask = ((rng.random((n, 128)) > 0.5) * 2.0).astype(np.float32)  # dropout p=0.5, fixed

    d_params = [dyngrad.from_numpy(a.copy()).requires_grad_() for a in arrays]
    d_args = (dyngrad.from_numpy(x), dyngrad.from_numpy(labels[:, None]), dyngrad.from_numpy(mask))
    d_ms, d_losses = median_ms(lambda: dyngrad_step(d_params, *d_args), args.steps)

    try:
        import torch
    except ImportError:
        print(f"dyngrad: {d_ms:.1f} ms/step (PyTorch not installed: no comparison)")
        return
    torch.set_num_threads(args.threads)
    t_params = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]
    t_args = (torch.from_numpy(x), torch.from_numpy(labels), torch.from_numpy(mask))
    t_ms, t_losses = median_ms(lambda: torch_step(torch, t_params, *t_args), args.steps)

    print(f"seed CNN training step, batch {n}, float32, {args.threads} thread(s), median of {args.steps}")
    print(f"  dyngrad {d_ms:8.1f} ms/step   (loss {d_losses[0]:.4f} -> {d_losses[-1]:.4f})")
    print(f"  torch   {t_ms:8.1f} ms/step   (loss {t_losses[0]:.4f} -> {t_losses[-1]:.4f})")
    print(f"  ratio dyngrad/torch: {d_ms / t_ms:.2f}")
    if abs(d_losses[0] - t_losses[0]) > 1e-3 * max(1.0, abs(t_losses[0])):
        print("  WARNING: first losses differ: the two programs do not compute the same thing", file=sys.stderr)


if __name__ == "__main__":
    main()
