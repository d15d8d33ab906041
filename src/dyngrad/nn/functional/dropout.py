"""Dropout lives with the other functional primitives in ``dyngrad.ops.nn_misc``."""

from ...ops.nn_misc import alpha_dropout, dropout, dropout1d, dropout2d, dropout3d

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout"]
