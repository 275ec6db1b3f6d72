"""Combine pruners: ``AnyOf`` stops when one of them says so, ``AllOf`` when all agree."""

from __future__ import annotations

from ..history import Fidelity, History
from ..trial import FrozenTrial
from .base import Pruner


def _check(kind: str, pruners: tuple[Pruner, ...]) -> tuple[Pruner, ...]:
    if not pruners:
        raise ValueError(f"{kind}: needs at least one pruner, but got none")
    for i, p in enumerate(pruners):
        if not isinstance(p, Pruner):
            raise ValueError(f"{kind}: argument {i} must be a Pruner, but got {p!r}")
    return pruners


class AnyOf(Pruner):
    """Prune when any of the pruners says so: e.g. a trial's own plateau
    (``Patience``) or a poor rank among other trials (``ASHA``).

    Every pruner is asked, in order, until one says prune; pruners are pure, so
    skipping the rest changes nothing.

    >>> import hypersweep as hs
    >>> from hypersweep.history import History
    >>> from hypersweep.trial import Direction, FrozenTrial, TrialState
    >>> t = FrozenTrial(number=0, state=TrialState.RUNNING, intermediate={0: float("nan")})
    >>> history = History(Direction.MINIMIZE, None, lambda: [t])
    >>> hs.pruners.AnyOf(hs.pruners.NoPruning(), hs.pruners.Threshold()).prune(history, t)
    True
    """

    def __init__(self, *pruners: Pruner) -> None:
        self.pruners = _check("AnyOf", pruners)

    def prune(self, history: History, trial: FrozenTrial) -> bool:
        return any(p.prune(history, trial) for p in self.pruners)

    def fidelity(self) -> Fidelity | None:
        """The rungs of the pruners combined (see ``Fidelity.combine``)."""
        return Fidelity.combine([p.fidelity() for p in self.pruners])


class AllOf(Pruner):
    """Prune only when every pruner says so: a conservative combination, e.g. a
    trial both poorly ranked and no longer improving.

    >>> import hypersweep as hs
    >>> from hypersweep.history import History
    >>> from hypersweep.trial import Direction, FrozenTrial, TrialState
    >>> t = FrozenTrial(number=0, state=TrialState.RUNNING, intermediate={0: float("nan")})
    >>> history = History(Direction.MINIMIZE, None, lambda: [t])
    >>> hs.pruners.AllOf(hs.pruners.NoPruning(), hs.pruners.Threshold()).prune(history, t)
    False
    """

    def __init__(self, *pruners: Pruner) -> None:
        self.pruners = _check("AllOf", pruners)

    def prune(self, history: History, trial: FrozenTrial) -> bool:
        return all(p.prune(history, trial) for p in self.pruners)

    def fidelity(self) -> Fidelity | None:
        """The rungs of the pruners combined (see ``Fidelity.combine``)."""
        return Fidelity.combine([p.fidelity() for p in self.pruners])
