"""NumPy's namespace as a plain module, which every dyngrad module imports as ``np``.

NumPy 2 gives its module a ``__getattr__`` (for the parts it loads lazily), and CPython 3.11 then
caches no attribute load from that module: every ``np.<name>`` takes the generic lookup, ~14 ns
more than a cached one, several times per op (measured: 3-4 % of the per-op overhead). This module
holds the same objects under the same names, without the hook, so those loads are cached.

The copy is taken when dyngrad is imported; ``numpy.random``, which NumPy loads on first use, is
loaded first so that it is in it. A test checks that every ``np.<name>`` in dyngrad's source is."""

import types

import numpy
import numpy.random  # noqa: F401 - enters ``random`` into NumPy's namespace

np = types.ModuleType(numpy.__name__, numpy.__doc__)
np.__dict__.update((name, value) for name, value in vars(numpy).items() if name not in ("__getattr__", "__dir__"))
