"""Pruners stop hopeless trials early: ``hs.pruners.ASHA``, ``Hyperband``, ``Median``,
``Patience``, ``Threshold``, combined with ``AnyOf`` / ``AllOf``, or ``NoPruning``."""

from .asha import ASHA
from .base import NoPruning, Pruner
from .compose import AllOf, AnyOf
from .hyperband import Hyperband
from .median import Median
from .patience import Patience
from .threshold import Threshold

__all__ = [
    "ASHA",
    "AllOf",
    "AnyOf",
    "Hyperband",
    "Median",
    "NoPruning",
    "Patience",
    "Pruner",
    "Threshold",
]
