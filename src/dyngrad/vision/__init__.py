"""``dyngrad.vision``: torchvision's datasets and transforms for dyngrad (``datasets``, ``transforms``)."""

from . import datasets, transforms

__all__ = ["datasets", "transforms"]
