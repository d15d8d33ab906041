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


def _numpy_names_used(root) -> dict:
    """{name: first file} of every ``np.<name>`` attribute load in the Python files under root."""
    import ast

    used: dict = {}
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "np":
                used.setdefault(node.attr, path.name)
    return used


def test_every_numpy_name_dyngrad_uses_is_in_its_copy_of_the_namespace(tmp_path):
    """dyngrad's modules read NumPy through ``dyngrad._numpy.np``, a copy of NumPy's namespace
    taken at import (without NumPy's module ``__getattr__``, which keeps CPython 3.11 from caching
    the loads): a name NumPy only provides lazily would be missing from it."""
    import pathlib

    import numpy

    from dyngrad import _numpy

    def missing(root) -> dict:
        return {name: where for name, where in _numpy_names_used(root).items() if not hasattr(_numpy.np, name)}

    assert "__getattr__" not in vars(_numpy.np) and _numpy.np.ndarray is numpy.ndarray
    source = pathlib.Path(_numpy.__file__).parent
    assert {"ndarray", "matmul", "random"} <= set(_numpy_names_used(source))
    assert not missing(source), f"np.<name> missing from dyngrad._numpy.np: {missing(source)}"
    # the check itself: a name the copy lacks, used in a source file, is reported
    (tmp_path / "uses_it.py").write_text("import numpy as np\nnp.not_in_numpy_at_all(1)\n")
    assert missing(tmp_path) == {"not_in_numpy_at_all": "uses_it.py"}
