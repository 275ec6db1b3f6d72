"""What a plot of a large study draws: every trial up to a limit, then a fixed sample.

A page cannot show 20,000 markers, hover texts or parallel-coordinate lines any
better than 2,000, and building and shipping them costs seconds and gigabytes.
Above ``LIMIT`` trials the plots draw a deterministic sample: every trial that set
a new best value (so the best-so-far line is exact), the best ``LIMIT // 10``
COMPLETE trials, and an even spread over trial numbers of the rest. Pages say so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..trial import Direction, FrozenTrial, TrialState

if TYPE_CHECKING:
    from ..study import Study

LIMIT = 2000  # trials a plot draws at most
IMPORTANCE_LIMIT = 500  # trials the importance forest learns from in plan()


def _finite(t: FrozenTrial) -> bool:
    return t.state is TrialState.COMPLETE and t.value is not None and math.isfinite(t.value)


def even(trials: Sequence[FrozenTrial], limit: int) -> list[FrozenTrial]:
    """At most ``limit`` trials evenly spread over the sequence, first and last included."""
    n = len(trials)
    if n <= limit:
        return list(trials)
    if limit <= 1:
        return list(trials[:limit])
    picks = sorted({round(i * (n - 1) / (limit - 1)) for i in range(limit)})
    return [trials[i] for i in picks]


def sample(
    trials: Sequence[FrozenTrial], direction: Direction, limit: int = LIMIT
) -> list[FrozenTrial]:
    """The trials a plot draws (all of them up to ``limit``), in their original order."""
    if len(trials) <= limit:
        return list(trials)
    minimize = direction is Direction.MINIMIZE
    keep: dict[int, FrozenTrial] = {}
    best: float | None = None
    for t in trials:  # every new best so far
        if _finite(t) and (best is None or (t.value < best if minimize else t.value > best)):  # type: ignore[operator]
            best = t.value
            keep[t.number] = t
    done = sorted((t for t in trials if _finite(t)), key=lambda t: t.value, reverse=not minimize)  # type: ignore[arg-type, return-value]
    for t in done[: limit // 10]:
        keep[t.number] = t
    rest = [t for t in trials if t.number not in keep]
    for t in even(rest, max(0, limit - len(keep))):
        keep[t.number] = t
    return [t for t in trials if t.number in keep]


@dataclass(frozen=True)
class Snapshot:
    """A study as the plots read it, with a fixed list of trials (read once, maybe sampled).

    It has the attributes plots use (name, direction, space, sampler, user_attrs,
    trials, best_trial), so ``plot_*(snapshot)`` draws what it would for the study.
    """

    study: Any
    trials: list[FrozenTrial]
    total: int

    @classmethod
    def of(cls, study: Study, limit: int = LIMIT) -> Snapshot:
        trials = list(study.trials)
        return cls(study, sample(trials, study.direction, limit), len(trials))

    @property
    def sampled(self) -> bool:
        return len(self.trials) < self.total

    def __getattr__(self, name: str) -> Any:  # name, direction, space, sampler, user_attrs...
        return getattr(self.study, name)

    @property
    def best_trial(self) -> FrozenTrial:
        return self.study.best_trial

    def with_trials(self, trials: list[FrozenTrial]) -> Snapshot:
        return Snapshot(self.study, trials, self.total)


def note(snapshot: Snapshot) -> str | None:
    """What a page says when its plots draw a sample (None when they draw every trial)."""
    if not snapshot.sampled:
        return None
    return (
        f"The plots draw {len(snapshot.trials):,} of the {snapshot.total:,} trials: every new "
        f"best, the best {LIMIT // 10:,} and an even spread of the rest; parameter importance "
        f"is learnt from an even spread of at most {IMPORTANCE_LIMIT:,} COMPLETE trials."
    )
