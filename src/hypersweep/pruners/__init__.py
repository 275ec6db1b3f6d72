"""Pruners stop hopeless trials early: ``hs.pruners.Median``, ``Patience``, ``Threshold``,
combined with ``AnyOf`` / ``AllOf``, or ``NoPruning``."""

from .base import NoPruning, Pruner
from .compose import AllOf, AnyOf
from .median import Median
from .patience import Patience
from .threshold import Threshold

__all__ = ["AllOf", "AnyOf", "Median", "NoPruning", "Patience", "Pruner", "Threshold"]
