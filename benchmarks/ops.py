"""Per-op timings of dyngrad against PyTorch, forward and forward+backward, in one run.

    python benchmarks/ops.py [--threads N] [--ops add,matmul,...] [--rounds R]

Both libraries run the same ops on the same float32 data, a small (16,) and a mid-size (256, 256)
case. Timings alternate between the libraries round by round after a warm-up, and the table shows
per-call medians in microseconds and the ratio dyngrad/torch (below 1: dyngrad is faster). BLAS
(NumPy) and torch use 1 thread unless --threads says otherwise. An op dyngrad does not have yet
(AttributeError / NotImplementedError) is listed as skipped. Runs in well under 2 minutes."""

from __future__ import annotations

import argparse
import os
import sys


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1, help="BLAS / torch threads (default 1)")
    p.add_argument("--ops", default="", help="comma-separated subset of ops to run")
    p.add_argument("--rounds", type=int, default=15, help="alternating timing rounds per case")
    p.add_argument("--target-ms", type=float, default=4.0, help="wall time of one timed batch")
    return p.parse_args()


ARGS = _args()
# The thread count must be fixed before NumPy loads its BLAS: env vars now, threadpoolctl later.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
            "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import time  # noqa: E402

import numpy as np  # noqa: E402

try:
    from threadpoolctl import threadpool_limits  # noqa: E402
except ImportError:
    threadpool_limits = None

import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
import dyngrad  # noqa: E402

torch.set_num_threads(ARGS.threads)
if threadpool_limits is not None:
    _LIMITS = threadpool_limits(limits=ARGS.threads)


def _functional(lib):
    """torch.nn.functional, or dyngrad's (falling back to the top-level namespace)."""
    nn = getattr(lib, "nn", None)
    return getattr(nn, "functional", lib) if nn is not None else lib


def _linear(lib, x, w):
    return _functional(lib).linear(x, w)


# name -> (fn(lib, *inputs), number of inputs (all of the case's shape), value domain)
OPS = {
    "add": (lambda lib, a, b: a + b, 2, "real"),
    "mul": (lambda lib, a, b: a * b, 2, "real"),
    "div": (lambda lib, a, b: a / b, 2, "positive"),
    "exp": (lambda lib, a: lib.exp(a), 1, "real"),
    "log": (lambda lib, a: lib.log(a), 1, "positive"),
    "tanh": (lambda lib, a: lib.tanh(a), 1, "real"),
    "sigmoid": (lambda lib, a: lib.sigmoid(a), 1, "real"),
    "relu": (lambda lib, a: lib.relu(a), 1, "real"),
    "pow 2": (lambda lib, a: a**2, 1, "real"),
    "sum": (lambda lib, a: a.sum(), 1, "real"),
    "mean dim": (lambda lib, a: a.mean(-1), 1, "real"),
    "max dim": (lambda lib, a: a.max(-1)[0], 1, "real"),
    "softmax": (lambda lib, a: lib.softmax(a, -1), 1, "real"),
    "log_softmax": (lambda lib, a: lib.log_softmax(a, -1), 1, "real"),
    "matmul": (lambda lib, a, b: a @ b, 2, "real"),
    "linear": (lambda lib, a, b: _linear(lib, a, b), 2, "real"),
    "einsum": (lambda lib, a, b: lib.einsum("ij,jk->ik" if a.ndim == 2 else "i,i->", a, b), 2, "real"),
    "getitem slice": (lambda lib, a: a[1:-1], 1, "real"),
    "transpose+reshape": (lambda lib, a: a.t().reshape(-1), 1, "real"),
    "cat": (lambda lib, a, b: lib.cat([a, b]), 2, "real"),
    "stack": (lambda lib, a, b: lib.stack([a, b]), 2, "real"),
    "where": (lambda lib, a, b: lib.where(a > 0, a, b), 2, "real"),
    "mse_loss": (lambda lib, a, b: _functional(lib).mse_loss(a, b), 2, "real"),
}
SIZES = [(16,), (256, 256)]


def _inputs(n: int, shape: tuple, domain: str, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    if domain == "positive":
        return [rng.uniform(0.5, 2.0, shape).astype(np.float32) for _ in range(n)]
    return [rng.standard_normal(shape).astype(np.float32) for _ in range(n)]


def _make(lib, arrays: list) -> list:
    return [lib.from_numpy(a.copy()).requires_grad_(True) for a in arrays]


def _runners(lib, fn, arrays: list):
    xs = _make(lib, arrays)

    def forward():
        return fn(lib, *xs)

    y = forward()
    grad_out = lib.ones_like(y)

    def forward_backward():
        lib.autograd.grad([fn(lib, *xs)], xs, [grad_out], allow_unused=True)

    return forward, forward_backward


def _calibrate(f, target_s: float) -> int:
    """Calls per timed batch so that one batch lasts about ``target_s``."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        dt = time.perf_counter() - t0
        if dt >= target_s / 4 or n >= 1 << 16:
            return max(1, int(n * target_s / max(dt, 1e-9)))
        n *= 4


def _batch(f, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t0) / n


def _compare(fd, ft, rounds: int, target_s: float) -> tuple:
    """Median µs per call of ``fd`` and ``ft``, timed in alternating batches after warm-up."""
    for f in (fd, ft, fd, ft):
        f()
    nd, nt = _calibrate(fd, target_s), _calibrate(ft, target_s)
    td, tt = [], []
    for r in range(rounds):
        # alternate which library goes first, so neither always follows the other's cache state
        if r % 2:
            tt.append(_batch(ft, nt))
            td.append(_batch(fd, nd))
        else:
            td.append(_batch(fd, nd))
            tt.append(_batch(ft, nt))
    return float(np.median(td)) * 1e6, float(np.median(tt)) * 1e6


def main() -> None:
    wanted = [o.strip() for o in ARGS.ops.split(",") if o.strip()] or list(OPS)
    unknown = [o for o in wanted if o not in OPS]
    if unknown:
        sys.exit(f"unknown ops {unknown}; known: {', '.join(OPS)}")
    blas = "threadpoolctl" if threadpool_limits is not None else "env vars"
    print(f"dyngrad {dyngrad.__version__} vs torch {torch.__version__}, numpy {np.__version__}; "
          f"{ARGS.threads} thread(s) (BLAS limited via {blas}); float32; medians of {ARGS.rounds} rounds")
    header = f"{'op':<20}{'size':<12}{'pass':<10}{'dyngrad µs':>12}{'torch µs':>12}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    skipped = []
    target_s = ARGS.target_ms / 1e3
    t_start = time.perf_counter()
    for name in wanted:
        fn, n_in, domain = OPS[name]
        for shape in SIZES:
            arrays = _inputs(n_in, shape, domain)
            size = "x".join(map(str, shape))
            try:
                d_fwd, d_fb = _runners(dyngrad, fn, arrays)
                d_fb()
            except (AttributeError, NotImplementedError) as e:
                skipped.append(f"{name} {size}: {type(e).__name__}: {e}")
                continue
            except Exception as e:  # an op in progress elsewhere must not stop the benchmark
                skipped.append(f"{name} {size}: failed with {type(e).__name__}: {e}")
                continue
            t_fwd, t_fb = _runners(torch, fn, arrays)
            for label, fd, ft in (("fwd", d_fwd, t_fwd), ("fwd+bwd", d_fb, t_fb)):
                us_d, us_t = _compare(fd, ft, ARGS.rounds, target_s)
                print(f"{name:<20}{size:<12}{label:<10}{us_d:>12.1f}{us_t:>12.1f}{us_d / us_t:>8.2f}", flush=True)
    if skipped:
        print("\nskipped (not available in dyngrad at this time):")
        for s in skipped:
            print("  " + s)
    print(f"\ntotal {time.perf_counter() - t_start:.1f} s")


if __name__ == "__main__":
    main()
