"""Whether ops record the graph: no_grad, enable_grad, set_grad_enabled, inference_mode."""

from __future__ import annotations

import functools

# Read on every op; a module attribute is the cheapest global switch Python has.
enabled = True


def is_grad_enabled() -> bool:
    """True when operations are being recorded for autograd."""
    return enabled


class _GradMode:
    """Base of the grad-mode context managers; each also works as a decorator."""

    mode = True

    def _fresh(self) -> _GradMode:
        return type(self)()

    def __enter__(self):
        global enabled
        self._prev = enabled
        enabled = self.mode

    def __exit__(self, *exc):
        global enabled
        enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self._fresh():  # a fresh manager per call: calls may nest or recurse
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):  # noqa: N801
    """Context manager / decorator that turns graph recording off."""

    mode = False


class enable_grad(_GradMode):  # noqa: N801
    """Context manager / decorator that turns graph recording on (inside a no_grad block)."""

    mode = True


class set_grad_enabled(_GradMode):  # noqa: N801
    """Set grad mode: takes effect at once when called, and is undone on leaving a ``with``."""

    def __init__(self, mode: bool):
        global enabled
        self._prev = enabled
        self.mode = bool(mode)
        enabled = self.mode

    def _fresh(self) -> _GradMode:
        return _Fixed(self.mode)

    def __enter__(self):
        pass

    def __call__(self, fn):
        global enabled
        enabled = self._prev  # used as a decorator, the constructor's switch must not leak
        return super().__call__(fn)


class _Fixed(_GradMode):
    def __init__(self, mode: bool):
        self.mode = mode


class inference_mode(_GradMode):  # noqa: N801
    """Like ``no_grad`` (dyngrad has no separate inference tensors); ``mode=False`` is a no-op."""

    def __init__(self, mode: bool = True):
        self._requested = mode
        self.mode = enabled if not mode else False

    def _fresh(self) -> _GradMode:
        return inference_mode(self._requested)

    def __enter__(self):
        if not self._requested:
            self.mode = enabled
        super().__enter__()


def is_inference_mode_enabled() -> bool:
    return False
