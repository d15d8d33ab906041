"""Devices. dyngrad computes on the CPU with NumPy; this is where another backend would plug in."""

from __future__ import annotations


class device:  # noqa: N801 - PyTorch's name
    """``dyngrad.device('cpu')``; any other device type gives a clear error."""

    __slots__ = ("type", "index")

    def __new__(cls, type_or_device="cpu", index: int | None = None):
        if isinstance(type_or_device, device):
            return type_or_device
        if isinstance(type_or_device, int):
            type_or_device = "cuda"
        name = str(type_or_device)
        kind, _, idx = name.partition(":")
        if kind != "cpu":
            raise RuntimeError(
                f"device {name!r} is not available: dyngrad computes on the CPU with NumPy and has "
                "no CUDA, MPS or other accelerator backend; use 'cpu' (torch.cuda.is_available() "
                "is False under dyngrad)"
            )
        if (idx and idx != "0") or index not in (None, 0):
            raise RuntimeError(f"cpu device index must be 0, got {name!r}")
        return cpu

    def __repr__(self) -> str:
        return "device(type='cpu')"

    def __str__(self) -> str:
        return "cpu"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            return other in ("cpu", "cpu:0")
        return isinstance(other, device)

    def __hash__(self) -> int:
        return hash("cpu")

    def __reduce__(self):
        return (device, ("cpu",))


cpu = object.__new__(device)
cpu.type = "cpu"
cpu.index = None
