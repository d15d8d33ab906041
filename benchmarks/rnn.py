"""Recurrent-layer timings of dyngrad against PyTorch, forward + backward, in one run.

    python benchmarks/rnn.py [--threads N] [--rounds R]

Cases: a 2-layer LSTM (hidden 256, seq 35, batch 20, input 256) and the seed RNN classifier step
(``seed_programs/s10_rnn_classifier.py``: RNN(8, 32, batch_first) + Linear(32, 2) on the last step,
cross-entropy, seq 12, batch 16). Both libraries run the same float32 data; rounds alternate
between the libraries after a warm-up; the table gives medians in milliseconds and the ratio
dyngrad/torch (below 1: dyngrad is faster). BLAS (NumPy) and torch use 1 thread by default."""

from __future__ import annotations

import argparse
import os
import sys


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1, help="BLAS / torch threads (default 1)")
    p.add_argument("--rounds", type=int, default=21, help="alternating timing rounds per case")
    return p.parse_args()


ARGS = _args()
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
from dyngrad.nn.layers.rnn import LSTM, RNN  # noqa: E402

torch.set_num_threads(ARGS.threads)
if threadpool_limits is not None:
    _LIMITS = threadpool_limits(limits=ARGS.threads)


def _copy(theirs, ours) -> None:
    ours.load_state_dict({k: dyngrad.from_numpy(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()})


def lstm_case():
    """2-layer LSTM, hidden 256, seq 35, batch 20: forward, sum of outputs, backward."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((35, 20, 256)).astype(np.float32)
    theirs, ours = torch.nn.LSTM(256, 256, 2), LSTM(256, 256, 2)
    _copy(theirs, ours)
    tx, dx = torch.tensor(x), dyngrad.tensor(x)

    def run_torch():
        out, (h, c) = theirs(tx)
        (out.sum() + h.sum()).backward()

    def run_dyngrad():
        out, (h, c) = ours(dx)
        (out.sum() + h.sum()).backward()

    return run_torch, run_dyngrad


def seed_rnn_case():
    """s10_rnn_classifier's step: RNN(8, 32, batch_first) + Linear on the last step, seq 12, batch 16."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((16, 12, 8)).astype(np.float32)
    y = (x.sum(axis=(1, 2)) > 0).astype(np.int64)

    def build(lib, rnn_cls):
        class Model(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = rnn_cls(8, 32, batch_first=True)
                self.fc = lib.nn.Linear(32, 2)

            def forward(self, inp, hidden):
                out, hidden = self.rnn(inp, hidden)
                return self.fc(out[:, -1, :]), hidden

        return Model()

    theirs, ours = build(torch, torch.nn.RNN), build(dyngrad, RNN)
    _copy(theirs, ours)
    tx, ty, th = torch.tensor(x), torch.tensor(y), torch.zeros(1, 16, 32)
    dx, dy, dh = dyngrad.tensor(x), dyngrad.tensor(y), dyngrad.zeros(1, 16, 32)

    def run_torch():
        logits, _ = theirs(tx, th)
        torch.nn.functional.cross_entropy(logits, ty).backward()

    def run_dyngrad():
        logits, _ = ours(dx, dh)
        dyngrad.nn.functional.cross_entropy(logits, dy).backward()

    return run_torch, run_dyngrad



def measure(make, rounds: int) -> tuple:
    run_torch, run_dyngrad = make()
    for f in (run_torch, run_dyngrad):  # warm-up, and a guess of how many calls make a batch
        f()
    start = time.perf_counter()
    run_dyngrad()
    inner = max(1, int(0.02 / max(time.perf_counter() - start, 1e-6)))
    times = {"torch": [], "dyngrad": []}
    for _ in range(rounds):
        for name, f in (("torch", run_torch), ("dyngrad", run_dyngrad)):
            start = time.perf_counter()
            for _ in range(inner):
                f()
            times[name].append((time.perf_counter() - start) / inner * 1e3)
    return float(np.median(times["torch"])), float(np.median(times["dyngrad"]))


def main() -> None:
    cases = [("LSTM 2x256, seq 35, batch 20 (fwd+bwd)", lstm_case),
             ("seed RNN classifier step, seq 12, batch 16", seed_rnn_case)]
    print(f"threads={ARGS.threads}, rounds={ARGS.rounds}")
    print(f"{'case':<46}{'torch ms':>10}{'dyngrad ms':>12}{'ratio':>8}")
    for name, make in cases:
        t, d = measure(make, ARGS.rounds)
        print(f"{name:<46}{t:>10.3f}{d:>12.3f}{d / t:>8.2f}")


if __name__ == "__main__":
    main()
