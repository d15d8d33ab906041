"""A node frees what its backward needed as soon as it has run (unless retain_graph): after
backward, no node of any op case still holds an array or a tensor (the op declares the attributes
it keeps them in as ``_release_attrs``; the engine clears those, its saved tensors and output)."""

import importlib

import numpy as np
import pytest

import dyngrad
from optable import _outs, _to_lib, make_arrays
from test_coverage import FAMILIES


def _cases():
    seen = {}
    for module in sorted(set(FAMILIES.values())):
        for case in importlib.import_module(module).CASES:
            if case.grad:
                seen.setdefault(case.id, case)
    return list(seen.values())


def _holds(value) -> bool:
    if isinstance(value, (np.ndarray, dyngrad.Tensor)):
        return True
    return isinstance(value, (tuple, list)) and any(_holds(v) for v in value)


def _kept(root) -> list:
    """(node class, attribute) for every array or tensor still held by a node of the graph."""
    kept, stack, seen = [], [root], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        kept += [(type(node).__name__, name) for name, value in vars(node).items() if _holds(value)]
        stack.extend(e for e, _ in node.next_functions if e is not None)
    return kept


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.id)
def test_no_node_keeps_an_array_after_backward(case):
    xs = _to_lib(dyngrad, make_arrays(case), "float64", False, True)
    outs = [o for o in _outs(case.fn(dyngrad, *xs)) if isinstance(o, dyngrad.Tensor) and o.requires_grad]
    if not outs:
        pytest.skip("no differentiable output")
    total = sum((o * o).sum() for o in outs)
    total.backward()
    assert _kept(total.grad_fn) == []


def test_the_check_sees_a_kept_array():
    from dyngrad.autograd.function import Op

    class Keeps(Op):
        def forward(self, x):
            self.copy = x._data.copy()
            return x._data * 2

        def backward(self, g):
            return g * 2

    y = Keeps.apply(dyngrad.ones(2, requires_grad=True)).sum()
    y.backward()
    assert _kept(y.grad_fn) == [("Keeps", "copy")]
