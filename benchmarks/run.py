"""The dyngrad benchmark suite: every workload for dyngrad and for PyTorch in one invocation.

    python benchmarks/run.py                    # all workloads, 1 thread (about 2-3 minutes)
    python benchmarks/run.py --threads 1,max    # once at 1 thread, then at all cores
    python benchmarks/run.py --quick            # fewer rounds (under a minute)
    python benchmarks/run.py --only mlp,lstm    # a subset (names: see --list)
    python benchmarks/run.py --profile mlp      # cProfile of dyngrad's side of one workload

In-process workloads run the same code with ``L = dyngrad`` and ``L = torch``: after warm-up the two
libraries are timed in alternating rounds (the order flips every round) and the table gives the
median per call and the ratio dyngrad/PyTorch (lower is better). Subprocess workloads (end-to-end
s06, peak RSS, import time) start fresh interpreters, alternating too. The thread count is fixed
through OMP/OPENBLAS/MKL_NUM_THREADS before NumPy loads, and torch.set_num_threads. When PyTorch
is not installed the suite prints dyngrad's figures alone and says so. See BENCHMARKS.md."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(REPO), "shared")
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def _parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", default="1",
                   help="thread count for BLAS and torch: N, 'max' (all cores), or a list such as 1,max "
                        "(one run per setting); default 1")
    p.add_argument("--quick", action="store_true", help="fewer rounds: a rough picture in under a minute")
    p.add_argument("--only", default="", help="comma-separated workload names (see --list)")
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    p.add_argument("--profile", metavar="NAME", help="run dyngrad's side of one in-process workload under "
                   "cProfile and print the top functions by own time (no timing table)")
    p.add_argument("--profile-top", type=int, default=25, help="rows of the --profile listing")
    p.add_argument("--mnist", default=os.path.join(SHARED, "data", "mnist"),
                   help="folder with the four MNIST IDX files (.gz)")
    p.add_argument("--src", default=os.path.join(REPO, "src"),
                   help="the dyngrad source folder to benchmark (default: this repository's src)")
    p.add_argument("--seeds", default=os.path.join(SHARED, "seed_programs"), help="seed programs folder")
    return p.parse_args()


def _thread_settings(text: str) -> list[int]:
    cores = os.cpu_count() or 1
    return [cores if t.strip() == "max" else int(t) for t in text.split(",") if t.strip()]


ARGS = _parse_args()
THREADS = _thread_settings(ARGS.threads)
if len(THREADS) > 1 and not ARGS.list and not ARGS.profile:
    # One fresh process per setting: BLAS reads its thread count once, when NumPy loads it.
    argv = [a for a in sys.argv[1:]]
    i = argv.index("--threads") if "--threads" in argv else None
    if i is not None:
        del argv[i:i + 2]
    else:
        argv = [a for a in argv if not a.startswith("--threads=")]
    codes = [subprocess.call([sys.executable, os.path.abspath(__file__), "--threads", str(n), *argv])
             for n in THREADS]
    raise SystemExit(max(codes))
N_THREADS = THREADS[0]
for _var in THREAD_VARS:  # must precede the first NumPy import
    os.environ[_var] = str(N_THREADS)

import cProfile  # noqa: E402
import gc  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402

try:
    import torch
except ImportError:
    torch = None
if torch is not None:
    torch.set_num_threads(N_THREADS)

SRC = os.path.abspath(ARGS.src)
sys.path.insert(0, SRC)
import dyngrad  # noqa: E402

dyngrad.set_num_threads(N_THREADS)

sys.path.insert(0, HERE)
from references import (  # noqa: E402
    make_conv_gemm_time,
    make_minitape_chain,
    make_mlp_floor,
    make_resnet_convs,
    make_resnet_mkl,
)
from workloads import (  # noqa: E402
    CHAIN_OPS,
    Batch,
    MnistDir,
    make_chain,
    make_cnn,
    make_loader_dyngrad,
    make_loader_torch,
    make_lstm,
    make_matmul,
    make_mlp,
    make_mnist_dir,
    make_resnet,
    make_rnn,
)

# ----------------------------------------------------------------------------------------------
# Measurement

MIN_BATCH_S = 0.02  # calls per timed batch are chosen so that one batch lasts at least this long


def alternate(batch_d: Batch, batch_t: Batch | None, budget_s: float, min_rounds: int,
              max_rounds: int = 40, warmup: int = 2) -> tuple[float, float | None, str]:
    """Median seconds per call of each library, timed in alternating rounds after ``warmup`` calls,
    and a note: the number of rounds and the spread (quartiles) of the round-by-round ratios."""
    libs = [b for b in (batch_d, batch_t) if b is not None]
    for b in libs:
        for _ in range(warmup):
            b(1)
    one = [max(b(1), 1e-7) for b in libs]  # calibration call (a further warm-up)
    calls = [max(1, math.ceil(MIN_BATCH_S / t)) for t in one]
    round_s = sum(n * t for n, t in zip(calls, one))
    rounds = int(min(max_rounds, max(min_rounds, budget_s / round_s)))
    samples: list[list[float]] = [[] for _ in libs]
    for r in range(rounds):
        order = range(len(libs)) if r % 2 == 0 else reversed(range(len(libs)))
        for i in order:
            samples[i].append(libs[i](calls[i]) / calls[i])
    medians = [statistics.median(s) for s in samples]
    note = f"{rounds} rounds"
    if batch_t is not None and rounds >= 4:  # on a noisy machine the ratio moves from round to round
        q1, _, q3 = statistics.quantiles([d / t for d, t in zip(*samples)], n=4)
        note += f", round ratios {q1:.2f}-{q3:.2f}"
    return medians[0], (medians[1] if batch_t is not None else None), note


def _run_fresh(cmd: list[str], cwd: str | None = None, env_extra: dict | None = None) -> tuple[float, str]:
    """Wall seconds and stdout of a fresh interpreter running ``cmd`` with this run's thread setting."""
    env = dict(os.environ)
    env.update(env_extra or {})
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, proc.stdout


def alternate_fresh(cmd_d: Callable[[], float], cmd_t: Callable[[], float] | None,
                    rounds: int) -> tuple[float, float | None]:
    samples: tuple[list, list] = ([], [])
    for r in range(rounds):
        pair = [(0, cmd_d), (1, cmd_t)]
        for i, cmd in (pair if r % 2 == 0 else pair[::-1]):
            if cmd is not None:
                samples[i].append(cmd())
    return statistics.median(samples[0]), (statistics.median(samples[1]) if cmd_t else None)


def compile_bytecode() -> None:
    """Write dyngrad's bytecode (``__pycache__``, git-ignored) before timing fresh processes.

    An installed package, or any first import, leaves bytecode behind; PyTorch's came with its wheel.
    Where the environment sets PYTHONDONTWRITEBYTECODE (these machines do), an editable checkout never
    gets any and every fresh process would recompile all of dyngrad (~0.25 s here)."""
    import compileall

    compileall.compile_dir(os.path.join(SRC, "dyngrad"), quiet=1)


IMPORT_CODE = "import time; t = time.perf_counter(); import {0}; print(time.perf_counter() - t)"



# ----------------------------------------------------------------------------------------------
# The workloads, as rows of the table


@dataclass
class Row:
    key: str  # the --only name
    label: str
    unit: str
    scale: float  # seconds per call -> unit
    target: float | None  # maximal ratio dyngrad/PyTorch at 1 thread (None: no target)
    dyngrad: float | None = None
    torch: float | None = None
    note: str = ""
    absolute_target: float | None = None  # maximal dyngrad figure (in ``unit``) instead of a ratio

    @property
    def ratio(self) -> float | None:
        if self.dyngrad is None or not self.torch:
            return None
        return self.dyngrad / self.torch

    def verdict(self) -> str:
        if self.absolute_target is not None and self.dyngrad is not None:
            ok = self.dyngrad <= self.absolute_target
            return f"{'met' if ok else 'MISSED'} (<{self.absolute_target:g} {self.unit})"
        if self.target is None or self.ratio is None:
            return ""
        if self.ratio <= self.target:
            return f"met (<={self.target:g})"
        return f"MISSED (<={self.target:g}, {self.ratio / self.target:.2f}x over)"


WORKLOADS = {
    "overhead": "per-op overhead: a chain of 50 elementwise ops on (16,) float32, fwd and bwd timed apart",
    "matmul": "matmul 256x256 and 1024x1024 @, forward + backward",
    "mlp": "s06 MLP step 784-128-64-10, batch 64, SGD momentum (fwd+bwd+step)",
    "cnn": "s08 CNN step, batch 64 of 3x32x32, Adam",
    "resnet": "s09 ResNet step, batch 8 of 3x112x112, SGD momentum",
    "rnn": "s10 RNN classifier step, seq 12, batch 16, Adam",
    "lstm": "LSTM LM step: Embedding(10000,256)-LSTM(256,256,2)-Linear(256,10000), seq 35, batch 20, SGD",
    "dataloader": "one epoch of DataLoader(MNIST train, ToTensor, batch 64, shuffle)",
    "e2e": "end to end: s06_mnist_mlp.py with EPOCHS=1 in a fresh process (compat vs torch + _tvshim)",
    "rss": "peak RSS of a fresh process running 200 s06 MLP steps (batch 64)",
    "import": "`import dyngrad` vs `import torch` in a fresh process",
    "bounds": "reference points for the missed targets, against PyTorch: the per-op chain on a minimal "
              "tape, the s06 step in plain NumPy, the s09 convolutions alone and their time in GEMMs, "
              "the s09 step with dyngrad's GEMMs by MKL (needs `pip install mkl`; 1 thread)",
}

# in-process workloads: key -> list of (label, unit, scale, target, factory(L, twin) -> Batch, budget s)
IN_PROCESS = {
    "overhead": [("per-op overhead, forward", "µs/op", 1e6 / CHAIN_OPS, 0.8, "fwd", 5.0),
                 ("per-op overhead, backward", "µs/op", 1e6 / CHAIN_OPS, 0.8, "bwd", 5.0)],
    "matmul": [("matmul 256 fwd+bwd", "ms", 1e3, None, make_matmul(256), 4.0),
               ("matmul 1024 fwd+bwd", "ms", 1e3, None, make_matmul(1024), 6.0)],
    "mlp": [("MLP step (s06)", "ms", 1e3, 0.8, make_mlp, 6.0)],
    "cnn": [("CNN step (s08)", "ms", 1e3, 1.3, make_cnn, 10.0)],
    "resnet": [("ResNet step (s09)", "ms", 1e3, 1.3, make_resnet, 12.0)],
    "rnn": [("RNN step (s10)", "ms", 1e3, 1.0, make_rnn, 6.0)],
    "lstm": [("LSTM LM step", "ms", 1e3, 1.0, make_lstm, 12.0)],
    # rows labelled "reference:" time the reference in the dyngrad column (see references.py)
    "bounds": [
        ("reference: minimal tape, per-op forward", "µs/op", 1e6 / CHAIN_OPS, None,
         lambda: (make_minitape_chain(dyngrad)[0], make_chain(torch)[0] if torch else None), 5.0),
        ("reference: minimal tape, per-op backward", "µs/op", 1e6 / CHAIN_OPS, None,
         lambda: (make_minitape_chain(dyngrad)[1], make_chain(torch)[1] if torch else None), 5.0),
        ("reference: MLP step in plain NumPy", "ms", 1e3, None,
         lambda: (make_mlp_floor(), make_mlp(torch) if torch else None), 6.0),
        ("ResNet convolutions alone, fwd+bwd", "ms", 1e3, None,
         lambda: (make_resnet_convs(dyngrad), make_resnet_convs(torch) if torch else None), 8.0),
        ("ResNet convolutions alone: in GEMMs", "ms", 1e3, None,
         lambda: (make_conv_gemm_time(dyngrad), make_resnet_convs(torch) if torch else None), 8.0),
        # at one thread only: MKL's threads beside OpenBLAS's made two-thread timings erratic
        ("reference: ResNet step, dyngrad's GEMMs by MKL", "ms", 1e3, None,
         lambda: (make_resnet_mkl(dyngrad) if N_THREADS == 1 else None, make_resnet(torch) if torch else None),
         12.0),
    ],
}


def _factory(key: str, which):
    """(dyngrad batch, torch batch) for one in-process row."""
    if key == "bounds":
        return which()
    if key == "overhead":
        d_fwd, d_bwd = make_chain(dyngrad)
        t_fwd, t_bwd = make_chain(torch) if torch is not None else (None, None)
        return (d_fwd, t_fwd) if which == "fwd" else (d_bwd, t_bwd)
    if key == "matmul":
        return which(dyngrad), (which(torch) if torch is not None else None)
    batch_t = which(torch) if torch is not None else None
    return which(dyngrad, getattr(batch_t, "model", None)), batch_t


def run_in_process(key: str, quick: bool) -> list[Row]:
    rows = []
    for label, unit, scale, target, which, budget in IN_PROCESS[key]:
        row = Row(key, label, unit, scale, target)
        batch_d, batch_t = _factory(key, which)
        if batch_d is None:  # a reference that cannot run here
            row.note = "skipped: needs the mkl wheel (pip install mkl) and 1 thread"
            rows.append(row)
            continue
        d, t, row.note = alternate(batch_d, batch_t, budget / 4 if quick else budget, 3 if quick else 5)
        row.dyngrad, row.torch = d * scale, (t * scale if t is not None else None)
        rows.append(row)
        del batch_d, batch_t
        gc.collect()
    return rows


def run_dataloader(mnist: MnistDir | None, quick: bool) -> list[Row]:
    row = Row("dataloader", "DataLoader epoch (MNIST, 938 batches)", "s", 1.0, 0.1)
    if mnist is None:
        row.note = "skipped: MNIST files not found (--mnist)"
        return [row]
    batch_d = make_loader_dyngrad(mnist)
    batch_t = make_loader_torch(mnist) if torch is not None else None
    row.dyngrad, row.torch, row.note = alternate(batch_d, batch_t, 0.0, 1 if quick else 3, warmup=0 if quick else 1)
    return [row]


def run_e2e(mnist: MnistDir | None, seeds: str, quick: bool) -> list[Row]:
    row = Row("e2e", "end-to-end s06, 1 epoch (fresh process)", "s", 1.0, None)
    script = os.path.join(seeds, "s06_mnist_mlp.py")
    if mnist is None or not os.path.exists(script):
        row.note = "skipped: MNIST files or s06_mnist_mlp.py not found"
        return [row]
    accuracies = {}

    def runner(name: str, cmd: list[str], env_extra: dict) -> Callable[[], float]:
        def run() -> float:
            wall, out = _run_fresh(cmd, cwd=mnist.root, env_extra={"EPOCHS": "1", **env_extra})
            found = re.findall(r"Accuracy.*?([\d.]+) %", out)
            accuracies[name] = found[-1] if found else "?"
            return wall

        return run

    run_d = runner("dyngrad", [sys.executable, "-m", "dyngrad.compat", script],
                   {"PYTHONPATH": SRC})
    run_t = runner("torch", [sys.executable, script], {"PYTHONPATH": os.path.join(HERE, "_tvshim")}) \
        if torch is not None else None
    row.dyngrad, row.torch = alternate_fresh(run_d, run_t, 1 if quick else 3)
    row.note = "test accuracy " + ", ".join(f"{k} {v} %" for k, v in accuracies.items())
    return [row]


def run_rss(quick: bool) -> list[Row]:
    row = Row("rss", "peak RSS, 200 MLP steps (fresh process)", "MB", 1.0, 0.25)

    def runner(lib: str) -> Callable[[], float]:
        cmd = [sys.executable, os.path.join(HERE, "workloads.py"), "rss", lib]
        env = {"PYTHONPATH": SRC}

        def run() -> float:
            return int(_run_fresh(cmd, env_extra=env)[1].split()[-1]) / 1024  # KiB -> MiB

        return run

    row.dyngrad, row.torch = alternate_fresh(runner("dyngrad"), runner("torch") if torch else None, 1)
    return [row]


def run_import(quick: bool) -> list[Row]:
    row = Row("import", "import time (fresh process)", "s", 1.0, None, absolute_target=0.3)

    def runner(lib: str) -> Callable[[], float]:
        env = {"PYTHONPATH": SRC} if lib == "dyngrad" else {}
        return lambda: float(_run_fresh([sys.executable, "-c", IMPORT_CODE.format(lib)], env_extra=env)[1])

    rounds = 3 if quick else 7
    row.dyngrad, row.torch = alternate_fresh(runner("dyngrad"), runner("torch") if torch else None, rounds)
    row.note = f"median of {rounds}, bytecode compiled"
    return [row]


# ----------------------------------------------------------------------------------------------
# Report


def machine_info() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            models = re.findall(r"^model name\s*:\s*(.+)$", f.read(), re.M)
        cpu = models[0] if models else cpu
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    blas = "?"
    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{cfg.get('name')} {cfg.get('version')}"
    except Exception:  # noqa: BLE001 - show_config's layout is NumPy-version dependent
        pass
    torch_line = "PyTorch: NOT INSTALLED - dyngrad figures only, no comparison"
    if torch is not None:
        torch_blas = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
        torch_line = (f"torch {torch.__version__} (BLAS {torch_blas.group(1) if torch_blas else '?'}, "
                      f"torch.get_num_threads()={torch.get_num_threads()})")
    load = os.getloadavg() if hasattr(os, "getloadavg") else ()
    # an OpenBLAS kernel forced by the environment changes every GEMM-bound figure
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    if coretype:
        blas += f", OPENBLAS_CORETYPE={coretype} from the environment"
    return [
        f"threads: {N_THREADS} (OMP/OPENBLAS/MKL_NUM_THREADS={os.environ['OMP_NUM_THREADS']}"
        f"{', torch.set_num_threads' if torch is not None else ''})",
        f"CPU: {cpu}; {os.cpu_count()} logical cores ({usable} usable)",
        f"python {platform.python_version()}, numpy {np.__version__} (BLAS {blas}), dyngrad {dyngrad.__version__} "
        f"from {os.path.dirname(os.path.dirname(os.path.abspath(dyngrad.__file__)))}",
        torch_line,
        f"load average at start: {', '.join(f'{v:.2f}' for v in load)}",
    ]


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}" if v < 1 else f"{v:.2f}"


def print_table(rows: list[Row], markdown: bool) -> None:
    head = ["workload", "unit", "dyngrad", "PyTorch", "ratio", f"target ({N_THREADS} thr)", "note"]
    body = [[r.label, r.unit, _fmt(r.dyngrad), _fmt(r.torch), _fmt(r.ratio), r.verdict(), r.note] for r in rows]
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    print("  ".join("-" * w for w in widths))
    for line in body:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)))
    if markdown:
        print()
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for line in body:
            print("| " + " | ".join(line) + " |")


def profile(key: str, top: int) -> None:
    """cProfile of dyngrad's side of one in-process workload, sorted by own time."""
    profiled = [k for k in [*IN_PROCESS, "dataloader"] if k != "bounds"]
    if key not in profiled:
        sys.exit(f"--profile takes an in-process workload: {', '.join(profiled)}")
    mnist = None
    if key == "dataloader":
        mnist = make_mnist_dir(ARGS.mnist)
        batches = [make_loader_dyngrad(mnist)]
    else:
        batches = []
        for _label, _unit, _scale, _target, which, _budget in IN_PROCESS[key]:
            if key == "overhead":
                batches.append(make_chain(dyngrad)[0 if which == "fwd" else 1])
            elif key == "matmul":
                batches.append(which(dyngrad))
            else:
                batches.append(which(dyngrad, None))
    for b in batches:
        b(2)  # warm-up
    t1 = [max(b(1), 1e-6) for b in batches]
    calls = [max(3, math.ceil(2.0 / t)) for t in t1]  # about 2 s of calls each
    prof = cProfile.Profile()
    prof.enable()
    for b, n in zip(batches, calls):
        b(n)
    prof.disable()
    print(f"cProfile of dyngrad's side of '{key}' ({', '.join(map(str, calls))} calls), "
          f"{N_THREADS} thread(s); sorted by tottime")
    pstats.Stats(prof).strip_dirs().sort_stats("tottime").print_stats(top)
    if mnist is not None:
        shutil.rmtree(mnist.root, ignore_errors=True)


def main() -> None:
    if ARGS.list:
        for k, v in WORKLOADS.items():
            print(f"{k:<11}{v}")
        return
    if ARGS.profile:
        profile(ARGS.profile, ARGS.profile_top)
        return
    wanted = [w.strip() for w in ARGS.only.split(",") if w.strip()] or list(WORKLOADS)
    unknown = [w for w in wanted if w not in WORKLOADS]
    if unknown:
        sys.exit(f"unknown workloads {unknown}; known: {', '.join(WORKLOADS)}")
    print(f"dyngrad benchmark suite{' (--quick)' if ARGS.quick else ''}")
    for line in machine_info():
        print("  " + line)
    if torch is None:
        print("PyTorch is not installed: the table shows dyngrad's figures alone, with no ratios.")
    print(flush=True)
    mnist = make_mnist_dir(ARGS.mnist) if {"dataloader", "e2e"} & set(wanted) else None
    if {"e2e", "rss", "import"} & set(wanted):
        compile_bytecode()
    rows: list[Row] = []
    start = time.perf_counter()
    try:
        for key in wanted:
            t0 = time.perf_counter()
            if key in IN_PROCESS:
                new = run_in_process(key, ARGS.quick)
            elif key == "dataloader":
                new = run_dataloader(mnist, ARGS.quick)
            elif key == "e2e":
                new = run_e2e(mnist, ARGS.seeds, ARGS.quick)
            elif key == "rss":
                new = run_rss(ARGS.quick)
            else:
                new = run_import(ARGS.quick)
            rows += new
            for r in new:
                print(f"  {r.label}: dyngrad {_fmt(r.dyngrad)} {r.unit}, PyTorch {_fmt(r.torch)} {r.unit}, "
                      f"ratio {_fmt(r.ratio)}  [{time.perf_counter() - t0:.1f} s]", flush=True)
    finally:
        if mnist is not None:
            shutil.rmtree(mnist.root, ignore_errors=True)
    print()
    print_table(rows, ARGS.markdown)
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(f"\nratio = dyngrad / PyTorch (lower is better; on 'reference:' rows, the reference / PyTorch); "
          f"targets are set for 1 thread. "
          f"Total {time.perf_counter() - start:.0f} s; load average at end: {load}")


if __name__ == "__main__":
    main()
