"""Machine instructions per op of the per-op overhead chain, counted by valgrind's callgrind.

    python benchmarks/instructions.py                 # this repository's src
    python benchmarks/instructions.py --src A --src B # compare two source trees

Wall-clock ratios on a shared VM move by 10-20 % from one minute to the next; an instruction count
does not move at all (same interpreter, same inputs, hash seed and address layout fixed), so a
change of a few percent in the Python overhead per op shows plainly. Instructions are not time
(NumPy's SIMD loops and Python's bytecode run at different rates), so confirm a gain with run.py.

Each figure is the difference between two runs that differ only in how many chains they build
(forward) or run backward through, divided by the number of ops: start-up and import cancel out.
Needs valgrind on PATH; Linux only."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# run under valgrind: build K chains (forward) or build K and run backward through them
_CHILD = r"""
import sys
sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2])
import numpy as np
import dyngrad as L
from workloads import _chain
k, mode = int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(0)
x, a, b = (L.tensor(rng.standard_normal(16).astype(np.float32), requires_grad=True) for _ in range(3))
c = L.tensor(rng.uniform(1.0, 2.0, 16).astype(np.float32), requires_grad=True)
seed = L.ones(16)
for _ in range(20):
    _chain(x, a, b, c).backward(seed)
if mode == "fwd":
    for _ in range(k):
        _chain(x, a, b, c)
else:
    outs = [_chain(x, a, b, c) for _ in range(k)]
    if mode == "bwd":
        for y in outs:
            y.backward(seed)
"""


def _instructions(src: str, k: int, mode: str, script: str) -> int:
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", sys.executable,
               script, src, HERE, str(k), mode]
        if shutil.which("setarch"):
            cmd = ["setarch", "-R", *cmd]  # no address randomisation: set and dict layouts repeat
        err = subprocess.run(cmd, env=env, capture_output=True, text=True).stderr
    found = re.search(r"Collected\s*:\s*(\d+)", err)
    if not found:
        raise SystemExit(f"callgrind gave no count for {src} ({mode}):\n{err[-2000:]}")
    return int(found.group(1))


def per_op(src: str, chains: int = 200) -> tuple[float, float]:
    """(forward, backward) instructions per op of the chain, for the dyngrad source tree ``src``."""
    from workloads import CHAIN_OPS

    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(_CHILD)
    runs = [(chains, "fwd"), (0, "fwd"), (chains, "bwd"), (chains, "build")]
    try:
        with ThreadPoolExecutor(2) as pool:  # one valgrind per core
            n_fwd, n_none, n_bwd, n_build = pool.map(lambda r: _instructions(src, *r, f.name), runs)
    finally:
        os.unlink(f.name)
    ops = chains * CHAIN_OPS
    return (n_fwd - n_none) / ops, (n_bwd - n_build) / ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", action="append", help="a dyngrad source folder (repeatable); "
                        "default: this repository's src")
    parser.add_argument("--chains", type=int, default=200, help="chains of 50 ops per count")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not on PATH: this count needs it")
    sys.path.insert(0, HERE)
    print(f"python {sys.version.split()[0]}; instructions per op of the 50-op chain (callgrind)")
    for src in args.src or [os.path.join(REPO, "src")]:
        fwd, bwd = per_op(os.path.abspath(src), args.chains)
        print(f"  {src}: forward {fwd:,.0f}, backward {bwd:,.0f}")


if __name__ == "__main__":
    main()
