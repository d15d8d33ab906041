"""Every public op has a test case: the union of the family tables must name each op."""

import importlib

import pytest

FAMILIES = {
    "dyngrad.ops.elementwise": "test_ops_elementwise",
    "dyngrad.ops.reduction": "test_ops_reduction",
    "dyngrad.ops.shape": "test_ops_shape",
    "dyngrad.ops.indexing": "test_ops_indexing",
    "dyngrad.ops.linalg": "test_ops_linalg",
    "dyngrad.ops.normalization": "test_ops_normalization",
    "dyngrad.ops.loss": "test_ops_loss",
    "dyngrad.ops.nn_misc": "test_ops_nn_misc",
    "dyngrad.ops.conv": "test_ops_conv",
    "dyngrad.ops.pooling": "test_ops_pooling",
    "dyngrad.ops.resize": "test_ops_pooling",
}
# Public names that are not ops of their own: dtype casts used by Tensor.to, aliases tested
# through the name they alias.
NOT_OPS = {"cast"}


def _covered() -> set:
    names = set()
    for test_module in FAMILIES.values():
        for case in importlib.import_module(test_module).CASES:
            names.update(case.names.split())
    return names


@pytest.mark.parametrize("module", sorted(FAMILIES))
def test_every_op_has_a_case(module):
    ops = set(importlib.import_module(module).__all__) - NOT_OPS
    missing = sorted(ops - _covered())
    assert not missing, f"{module}: ops without a test case in any CASES table: {missing}"


def test_the_check_itself_can_fail():
    assert "surely_not_an_op" not in _covered()


def test_every_tensor_method_delegates_to_an_existing_function():
    """Tensor's thin delegations (tensor_methods.py) and operators (tensor.py) must all land on a
    function that exists."""
    import inspect
    import re

    from dyngrad.tensor import Tensor

    modules = {
        "_ew": "dyngrad.ops.elementwise", "_red": "dyngrad.ops.reduction", "_sh": "dyngrad.ops.shape",
        "_ix": "dyngrad.ops.indexing", "_la": "dyngrad.ops.linalg", "_rnd": "dyngrad.random",
    }
    # every class Tensor's methods come from (the TensorMethods mixin and Tensor itself)
    source = "".join(inspect.getsource(cls) for cls in Tensor.__mro__ if cls.__module__.startswith("dyngrad."))
    calls = set(re.findall(r"\b(_ew|_red|_sh|_ix|_la|_rnd)\.(\w+)\(", source))
    assert len(calls) > 100
    missing = sorted(
        f"{modules[m]}.{name}" for m, name in calls if not hasattr(importlib.import_module(modules[m]), name)
    )
    assert not missing, f"Tensor methods delegate to functions that don't exist: {missing}"
