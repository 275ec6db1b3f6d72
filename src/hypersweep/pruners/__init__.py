"""Pruners stop hopeless trials early: ``hs.pruners.Median``, ``NoPruning``."""

from .base import NoPruning, Pruner
from .median import Median

__all__ = ["Median", "NoPruning", "Pruner"]
