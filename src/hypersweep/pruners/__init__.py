"""Pruners stop hopeless trials early: ``hs.pruners.Forecast`` (the default: finished
peers' moves from where the trial stands), ``ASHA``, ``Hyperband``, ``Median``,
``Patience``, ``Threshold``, ``CannotWin`` (exact, for a mean of n bounded parts such as
CV folds or seeds), ``PairedTest`` (a signed-rank test of those parts against the best
trial's), combined with ``AnyOf`` / ``AllOf``, or ``NoPruning``."""

from .asha import ASHA
from .base import NoPruning, Pruner
from .cannot_win import CannotWin
from .compose import AllOf, AnyOf
from .default import default_pruner
from .forecast import Forecast
from .hyperband import Hyperband
from .median import Median
from .paired import PairedTest
from .patience import Patience
from .threshold import Threshold

__all__ = [
    "ASHA",
    "AllOf",
    "AnyOf",
    "CannotWin",
    "Forecast",
    "Hyperband",
    "Median",
    "NoPruning",
    "PairedTest",
    "Patience",
    "Pruner",
    "Threshold",
    "default_pruner",
]
