"""Machine instructions per op of the per-op overhead chain, counted by valgrind's callgrind.

    python benchmarks/instructions.py                 # this repository's src
    python benchmarks/instructions.py --src A --src B # compare two source trees
    python benchmarks/instructions.py --mlp           # per s06 step, against plain NumPy's step
    python benchmarks/instructions.py --mlp --caches  # its simulated cache misses per step

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

# run under valgrind: k s06 MLP steps after 5 of warm-up, dyngrad's (mode "dyngrad") or the
# plain-NumPy step of the `bounds` workload (mode "numpy")
_MLP_CHILD = r"""
import sys
sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2])
import dyngrad, references, workloads
k, mode = int(sys.argv[3]), sys.argv[4]
step = references.make_mlp_floor() if mode == "numpy" else workloads.make_mlp(dyngrad)
step(5)
step(k)
"""


def _valgrind(tool: list, src: str, k: int, mode: str, script: str, out: str) -> str:
    """Run ``script`` under valgrind with the ``tool`` options (output file ``out``); its stderr."""
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    name = tool[0].split("=")[1]  # "--tool=callgrind": its output option is --callgrind-out-file
    cmd = ["valgrind", *tool, f"--{name}-out-file={out}", sys.executable, script, src, HERE,
           str(k), mode]
    if shutil.which("setarch"):
        cmd = ["setarch", "-R", *cmd]  # no address randomisation: set and dict layouts repeat
    return subprocess.run(cmd, env=env, capture_output=True, text=True).stderr


def _instructions(src: str, k: int, mode: str, script: str, kinds: dict | None = None) -> int:
    """The instructions of one run of ``script``; ``kinds``, if given, gets them by kind of code."""
    with tempfile.TemporaryDirectory() as tmp:
        err = _valgrind(["--tool=callgrind"], src, k, mode, script, f"{tmp}/out")
        found = re.search(r"Collected\s*:\s*(\d+)", err)
        if not found:
            raise SystemExit(f"callgrind gave no count for {src} ({mode}):\n{err[-2000:]}")
        if kinds is not None:
            kinds.update(_by_kind(f"{tmp}/out"))
    return int(found.group(1))


# cachegrind's model of this machine's caches: L1i 32K, L1d 48K, and the 2 MB L2 as its last
# level (a miss there goes to the shared L3 or memory)
_CACHES = ["--tool=cachegrind", "--cache-sim=yes", "--I1=32768,8,64", "--D1=49152,12,64", "--LL=2097152,16,64"]
_MISSES = {"instructions": "I   refs", "L1i misses": "I1  misses", "L1d misses": "D1  misses",
           "L2 misses (code)": "LLi misses", "L2 misses (data)": "LLd misses"}


def _cache_misses(src: str, k: int, mode: str, script: str) -> dict:
    """Instructions and simulated cache misses of one run of ``script`` (see _CACHES)."""
    with tempfile.TemporaryDirectory() as tmp:
        err = _valgrind(_CACHES, src, k, mode, script, f"{tmp}/out")
    counts = {}
    for name, label in _MISSES.items():
        found = re.search(re.escape(label) + r":\s*([\d,]+)", err)
        if not found:
            raise SystemExit(f"cachegrind gave no {label!r} for {src} ({mode}):\n{err[-2000:]}")
        counts[name] = int(found.group(1).replace(",", ""))
    return counts


def _by_kind(out_file: str) -> dict:
    """Instructions per kind of code (the interpreter, NumPy, BLAS, the C library, other), from
    callgrind_annotate's per-function lines ("count (pct) file:function [object]")."""
    text = subprocess.run(["callgrind_annotate", "--threshold=100", out_file], capture_output=True,
                          text=True).stdout
    kinds: dict = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([\s\d.]+%\)\s+.*\[(.*)\]\s*$", line)
        if not m:
            continue
        obj = os.path.basename(m.group(2))
        kind = ("BLAS" if "blas" in obj else  # (NumPy's OpenBLAS lies in numpy.libs)
                "NumPy" if "numpy" in m.group(2) else
                "interpreter" if obj.startswith(("python", "libpython")) else
                "C library" if obj.startswith(("libc.", "libm.", "ld-linux")) else "other")
        kinds[kind] = kinds.get(kind, 0) + int(m.group(1).replace(",", ""))
    return kinds


def per_mlp_step(src: str, numpy_floor: bool = False, steps: int = 20, caches: bool = False) -> tuple[float, dict]:
    """Instructions per s06 MLP step (dyngrad from ``src``, or the plain-NumPy step), and how
    they split between the interpreter, NumPy, BLAS and the rest: the difference of a run of
    10 + ``steps`` steps and one of 10. With ``caches``: instead of the split, the simulated
    cache misses per step (``_CACHES``)."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(_MLP_CHILD)
    mode = "numpy" if numpy_floor else "dyngrad"
    few: dict = {}
    many: dict = {}

    def run(k: int, into: dict) -> int:
        if caches:
            into.update(_cache_misses(src, k, mode, f.name))
            return into["instructions"]
        return _instructions(src, k, mode, f.name, into)

    try:
        with ThreadPoolExecutor(2) as pool:  # one valgrind per core
            n_few, n_many = pool.map(lambda r: run(*r), ((10, few), (10 + steps, many)))
    finally:
        os.unlink(f.name)
    return (n_many - n_few) / steps, {k: (many[k] - few.get(k, 0)) / steps for k in many}


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
    parser.add_argument("--mlp", action="store_true", help="instructions per s06 MLP step instead, "
                        "beside the plain-NumPy step's, split by kind of code")
    parser.add_argument("--caches", action="store_true", help="with --mlp: simulated cache misses per "
                        "step (cachegrind: L1i, L1d, and the 2 MB L2 as last level) instead of the split")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not on PATH: this count needs it")
    sys.path.insert(0, HERE)
    if args.mlp:
        what = "cache misses (cachegrind)" if args.caches else "instructions (callgrind)"
        print(f"python {sys.version.split()[0]}; per s06 MLP step: {what}")
        rows = [("plain NumPy", *per_mlp_step(os.path.join(REPO, "src"), numpy_floor=True, caches=args.caches))]
        rows += [(f"dyngrad {src}", *per_mlp_step(os.path.abspath(src), caches=args.caches))
                 for src in args.src or [os.path.join(REPO, "src")]]
        for label, total, kinds in rows:
            if args.caches:
                print(f"  {label}: " + ", ".join(f"{k} {v:,.0f}" for k, v in kinds.items()))
                continue
            split = ", ".join(f"{k} {v:,.0f}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
            print(f"  {label}: {total:,.0f} ({split})")
        return
    print(f"python {sys.version.split()[0]}; instructions per op of the 50-op chain (callgrind)")
    for src in args.src or [os.path.join(REPO, "src")]:
        fwd, bwd = per_op(os.path.abspath(src), args.chains)
        print(f"  {src}: forward {fwd:,.0f}, backward {bwd:,.0f}")


if __name__ == "__main__":
    main()
