"""``torch.cuda`` as seen from a CPU-only library: nothing is available, and asking for a device
says so clearly."""

from __future__ import annotations


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Accepted (there is no CUDA generator to seed)."""


manual_seed_all = manual_seed


def synchronize(device=None) -> None:
    """Nothing to wait for on the CPU."""


def empty_cache() -> None:
    """Nothing is cached."""


def current_device() -> int:
    raise RuntimeError("dyngrad has no CUDA devices (torch.cuda.is_available() is False)")


get_device_name = current_device
