"""Primitive ops, one file per family: elementwise, reduction, shape, indexing, linalg."""
