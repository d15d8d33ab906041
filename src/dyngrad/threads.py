"""How many threads BLAS uses: ``set_num_threads`` / ``get_num_threads`` (threadpoolctl when it
is installed; otherwise the setting is recorded and only the environment at start-up applies)."""

from __future__ import annotations

import os

_threads = [int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or (os.cpu_count() or 1)]


def set_num_threads(n: int) -> None:
    """Limit BLAS (matmul, conv) to ``n`` threads."""
    if int(n) < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n}")
    _threads[0] = int(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=int(n), user_api="blas")


def get_num_threads() -> int:
    return _threads[0]


def set_num_interop_threads(n: int) -> None:
    """Accepted: dyngrad runs ops one after another in the calling thread."""


def get_num_interop_threads() -> int:
    return 1
