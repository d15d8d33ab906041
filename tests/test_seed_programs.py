"""The acceptance programs in ../shared/seed_programs, run unchanged under dyngrad.compat.

Programs whose output is deterministic must print exactly what they print under PyTorch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seed_programs"
MNIST = SEEDS.parent / "data" / "mnist"

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed programs not found at {SEEDS}")

try:
    import torch  # noqa: F401

    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False


def run(program: str, *, under_torch: bool, cwd: Path, env: dict | None = None, timeout: int = 300) -> str:
    cmd = [sys.executable, str(SEEDS / program)]
    if not under_torch:
        cmd[1:1] = ["-m", "dyngrad.compat"]
    full_env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
    proc = subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{program} failed under {'torch' if under_torch else 'dyngrad'}:\n{proc.stderr[-3000:]}"
    return proc.stdout


# deterministic programs: identical output to PyTorch's
EXACT = ["s01_scalar_chain.py", "s02_grad_basics.py", "s13_higher_order.py"]


@needs_seeds
@pytest.mark.parametrize("program", EXACT)
def test_prints_what_pytorch_prints(program, tmp_path):
    ours = run(program, under_torch=False, cwd=tmp_path)
    if not HAVE_TORCH:
        pytest.skip("PyTorch is not installed: ran under dyngrad, but can't compare with PyTorch's output")
    theirs = run(program, under_torch=True, cwd=tmp_path)
    assert ours == theirs
