"""Hand-made learning curves for pruner tests."""

from __future__ import annotations

from collections.abc import Sequence

from hypersweep.history import History
from hypersweep.trial import Direction, FrozenTrial, TrialState


def frozen(
    number: int, curve: dict[int, float], state: TrialState = TrialState.COMPLETE
) -> FrozenTrial:
    values = (curve[max(curve)],) if curve and state is TrialState.COMPLETE else None
    return FrozenTrial(number=number, state=state, intermediate=dict(curve), values=values)


def running(number: int, curve: dict[int, float]) -> FrozenTrial:
    return frozen(number, curve, TrialState.RUNNING)


def history(trials: Sequence[FrozenTrial], direction: str = "minimize") -> History:
    listed = list(trials)
    return History(Direction.parse(direction), None, lambda: listed)


def curve(*values: float) -> dict[int, float]:
    """Values reported at steps 0, 1, 2, ..."""
    return dict(enumerate(values))
