"""How many threads BLAS uses: ``set_num_threads`` / ``get_num_threads``. Changing it at run time
needs threadpoolctl (``pip install dyngrad[threads]``); without it only the environment at start-up
(``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``) applies, and ``set_num_threads`` says so once."""

from __future__ import annotations

import os
import warnings

_threads = [int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or (os.cpu_count() or 1)]
_warned: list = []


def _threadpoolctl():
    try:
        import threadpoolctl
    except ImportError:
        return None
    return threadpoolctl


def set_num_threads(n: int) -> None:
    """Limit BLAS (matmul, conv) to ``n`` threads."""
    if isinstance(n, bool) or int(n) != n or int(n) < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {n}")
    _threads[0] = int(n)
    tpc = _threadpoolctl()
    if tpc is None:
        if not _warned:
            _warned.append(True)
            warnings.warn(
                "dyngrad.set_num_threads: threadpoolctl is not installed, so the BLAS thread count "
                "cannot change at run time (pip install threadpoolctl, or set OMP_NUM_THREADS before "
                "start-up)", RuntimeWarning, stacklevel=2,
            )
        return
    tpc.threadpool_limits(limits=int(n), user_api="blas")


def get_num_threads() -> int:
    """The BLAS thread count: what BLAS reports when threadpoolctl can ask it, else the setting."""
    tpc = _threadpoolctl()
    if tpc is not None:
        counts = [p["num_threads"] for p in tpc.threadpool_info() if p.get("user_api") == "blas"]
        if counts:
            return max(counts)
    return _threads[0]


def set_num_interop_threads(n: int) -> None:
    """Accepted: dyngrad runs ops one after another in the calling thread."""


def get_num_interop_threads() -> int:
    return 1
