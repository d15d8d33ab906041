"""Runnable examples: ``python -m dyngrad.examples.<name>``."""
