"""Test tooling: a minimal torchvision stand-in for running seed programs under real PyTorch."""

from . import datasets, transforms

__all__ = ["datasets", "transforms"]
