"""Binary arithmetic over every pair of dtypes, a 0-d operand and Python scalars: the result dtype,
the values, and the refusals (bool subtraction, floor division, remainder and power of two bools)
as in PyTorch."""

import itertools
import warnings

import numpy as np
import pytest

import dyngrad

try:
    import torch
except ImportError:
    torch = None

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
OPS = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "floordiv": lambda a, b: a // b, "mod": lambda a, b: a % b,
    "pow": lambda a, b: a ** b, "eq": lambda a, b: a == b,
}


def _outcome(op, a, b):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = op(a, b)
        return str(r.dtype).split(".")[-1], np.asarray(r.numpy(), float)
    except (RuntimeError, NotImplementedError, TypeError) as e:
        return type(e).__name__


def _same(ours, theirs) -> bool:
    if isinstance(ours, str) or isinstance(theirs, str):
        return ours == theirs  # the same exception type
    return ours[0] == theirs[0] and np.allclose(ours[1], theirs[1], equal_nan=True)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("left", DTYPES)
def test_every_dtype_pair_and_python_scalar_like_torch(left):
    mismatches = []
    cases = [(right, zero_d) for right in DTYPES for zero_d in (False, True)] + [(s, None) for s in (2, 2.5, True)]
    for (right, zero_d), (name, op) in itertools.product(cases, OPS.items()):
        outcomes = []
        for L in (dyngrad, torch):
            a = L.tensor([1, 2, 3]).to(getattr(L, left))
            if zero_d is None:
                b = right
            else:
                b = L.tensor(2 if zero_d else [2, 1, 2]).to(getattr(L, right))
            outcomes.append(_outcome(op, a, b))
        if not _same(*outcomes):
            mismatches.append((left, right, zero_d, name, outcomes[0], outcomes[1]))
    assert not mismatches, mismatches[:5]


def test_median_of_bool_is_refused_as_in_torch():
    with pytest.raises(NotImplementedError, match="median"):
        dyngrad.tensor([True, False]).median()
