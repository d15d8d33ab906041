"""state_dict and load_state_dict, mixed into Module: PyTorch's keys, order and error messages;
loading checks every entry first and copies nothing unless all of them are fine."""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Mapping
from typing import Any

from .._numpy import np
from ..tensor import Tensor

__all__ = ["StateDictMixin"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it expected but did not find, and the reverse."""

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class StateDictMixin:
    """The state_dict half of ``Module`` (kept in its own file for size)."""

    def get_extra_state(self) -> Any:
        raise RuntimeError(
            "Reached a code path in Module.get_extra_state() that should never be called."
        )

    def set_extra_state(self, state: Any) -> None:
        raise RuntimeError(
            "Reached a code path in Module.set_extra_state() that should never be called."
        )

    def _has_extra_state(self) -> bool:
        return type(self).get_extra_state is not StateDictMixin.get_extra_state

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()
        if self._has_extra_state():
            destination[prefix + "_extra_state"] = self.get_extra_state()

    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False) -> dict:
        """Every parameter and persistent buffer by dotted name, in PyTorch's order; the values
        are detached tensors sharing the module's memory (``keep_vars=True``: the tensors)."""
        if args:  # the deprecated positional form state_dict(destination, prefix, keep_vars)
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
            if len(args) > 2:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def _load_from_state_dict(self, state_dict: Mapping, prefix: str, local_metadata: dict, strict: bool,
                              missing_keys: list, unexpected_keys: list, error_msgs: list) -> None:
        """Check this module's own entries of ``state_dict`` and plan their copies (see
        ``load_state_dict``: nothing is written until every module has been checked)."""
        local = {**self._parameters, **{k: v for k, v in self._buffers.items()
                                         if k not in self._non_persistent_buffers_set}}
        for name, target in local.items():
            if target is None:
                continue
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                error_msgs.append(
                    f'While copying the parameter named "{key}", expected torch.Tensor or Tensor-like '
                    f"object from checkpoint but received {type(value)}"
                )
                continue
            if target.ndim == 0 and value.ndim == 1 and value.numel() == 1:
                value = value.reshape(())  # an old checkpoint format PyTorch still accepts
            if tuple(value.shape) != tuple(target.shape):
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {value.shape} from checkpoint, "
                    f"the shape in current model is {target.shape}."
                )
                continue
            _plan_copy(target, value)
        extra_key = prefix + "_extra_state"
        if type(self).set_extra_state is not StateDictMixin.set_extra_state:
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        elif strict and extra_key in state_dict:
            unexpected_keys.append(extra_key)
        if strict:
            for key in state_dict:
                if not key.startswith(prefix) or key == extra_key:
                    continue
                parts = key[len(prefix):].split(".", 1)
                # a dotted rest must name a child module; an undotted one a local tensor
                if (len(parts) > 1 and parts[0] not in self._modules) or (
                    len(parts) == 1 and parts[0] not in local
                ):
                    unexpected_keys.append(key)

    def load_state_dict(self, state_dict: Mapping, strict: bool = True, assign: bool = False) -> _IncompatibleKeys:
        """Copy ``state_dict``'s tensors into the parameters and buffers, in place.

        With ``strict`` every expected key must be present and no other may be; a shape mismatch
        is always an error. On any error nothing is loaded and a RuntimeError lists every problem.
        Returns ``(missing_keys, unexpected_keys)``."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing, unexpected, errors = [], [], []
        plan: list = []
        _load_plans.append(plan)
        try:
            for prefix, module in self.named_modules(remove_duplicate=False):
                module._load_from_state_dict(
                    state_dict, prefix + "." if prefix else "", {}, True, missing, unexpected, errors
                )
        finally:
            _load_plans.pop()
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError(
                "Error(s) in loading state_dict for {}:\n\t{}".format(type(self).__name__, "\n\t".join(errors))
            )
        for target, value in plan:
            if assign:
                target._data = value._data.astype(target._data.dtype, copy=False)
                target._vc = None
            else:
                _copy_into(target, value)
        return _IncompatibleKeys(missing, unexpected)


# load_state_dict collects the copies here and performs them only when every check passed; a
# direct call of _load_from_state_dict (no plan active) copies at once, as in PyTorch.
_load_plans: list = []


def _plan_copy(target: Tensor, value: Tensor) -> None:
    if _load_plans:
        _load_plans[-1].append((target, value))
    else:
        _copy_into(target, value)


def _copy_into(target: Tensor, value: Tensor) -> None:
    """``target.copy_(value)`` under no_grad, without recording anything."""
    src = value._data
    if src is not target._data:
        np.copyto(target._data, src, casting="unsafe")
    target._bump()
