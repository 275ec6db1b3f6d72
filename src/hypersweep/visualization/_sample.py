"""What a plot of a large study draws: every trial up to a limit, then a fixed sample.

A page cannot show 20,000 markers, hover texts or parallel-coordinate lines any
better than 2,000, and building and shipping them costs seconds and gigabytes.
Above ``LIMIT`` trials the plots draw a deterministic sample: every trial that set
a new best value (so the best-so-far line is exact), the best ``LIMIT // 10``
COMPLETE trials, and an even spread over trial numbers of the rest. Pages say so.

The sample is chosen from the storage's brief rows (number, state, value of every
trial) and only the chosen trials are read whole: a 20,000-trial study costs the
decoding of 2,000 trials, not 20,000.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..multiobjective import pareto_mask, to_loss
from ..trial import Direction, FrozenTrial, TrialState, evolve

if TYPE_CHECKING:
    from ..study import Study

LIMIT = 2000  # trials a plot draws at most
IMPORTANCE_LIMIT = 500  # trials the pages' importance learns from in plan()


def _finite(t: FrozenTrial) -> bool:
    return t.state is TrialState.COMPLETE and t.value is not None and math.isfinite(t.value)


def even(trials: Sequence[Any], limit: int) -> list[Any]:
    """At most ``limit`` trials evenly spread over the sequence, first and last included."""
    n = len(trials)
    if n <= limit:
        return list(trials)
    if limit <= 1:
        return list(trials[:limit])
    picks = sorted({round(i * (n - 1) / (limit - 1)) for i in range(limit)})
    return [trials[i] for i in picks]


def sample(
    trials: Sequence[Any],
    direction: Direction,
    limit: int = LIMIT,
    directions: Sequence[Direction] = (),
) -> list[Any]:
    """The trials a plot draws (all of them up to ``limit``), in their original order;
    they may be FrozenTrials or the storage's briefs (number, state, value). With
    several ``directions``, the non-dominated trials take the place of the best ones."""
    if len(trials) <= limit:
        return list(trials)
    if len(directions) > 1:
        return _sample_front(trials, directions, limit)
    minimize = direction is Direction.MINIMIZE
    keep: dict[int, Any] = {}
    best: float | None = None
    for t in trials:  # every new best so far
        if _finite(t) and (best is None or (t.value < best if minimize else t.value > best)):
            best = t.value
            keep[t.number] = t
    done = sorted((t for t in trials if _finite(t)), key=lambda t: t.value, reverse=not minimize)
    for t in done[: limit // 10]:
        keep[t.number] = t
    rest = [t for t in trials if t.number not in keep]
    for t in even(rest, max(0, limit - len(keep))):
        keep[t.number] = t
    return [t for t in trials if t.number in keep]


def _sample_front(trials: Sequence[Any], directions: Sequence[Direction], limit: int) -> list[Any]:
    """A multi-objective sample: the non-dominated COMPLETE trials (an even spread of at
    most half the limit when the front is larger), then an even spread of the rest."""
    m = len(directions)
    done = [t for t in trials if t.state is TrialState.COMPLETE and t.values is not None
            and len(t.values) == m and all(math.isfinite(v) for v in t.values)]  # fmt: skip
    keep: dict[int, Any] = {}
    if done:
        mask = pareto_mask(to_loss([t.values for t in done], directions))
        for t in even([t for t, on in zip(done, mask) if on], limit // 2):
            keep[t.number] = t
    rest = [t for t in trials if t.number not in keep]
    for t in even(rest, max(0, limit - len(keep))):
        keep[t.number] = t
    return [t for t in trials if t.number in keep]


def best_of(trials: Sequence[Any], direction: Direction) -> Any:
    """The best COMPLETE trial (the lower number on a tie, NaN never), or None."""
    sign = direction.sign()
    best = None
    for t in trials:
        v = t.value
        if (
            t.state is TrialState.COMPLETE
            and v is not None
            and not math.isnan(v)
            and (best is None or sign * v < sign * best.value)
        ):
            best = t
    return best


def resolved(study: Any, trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    """Stored trials with their real parameter values, rebuilt through the study's space
    (as ``study.trials`` gives them); the stored values where the space no longer fits."""
    space = getattr(study, "space", None)
    out = []
    for t in trials:
        rebuilt = t
        if space is not None and t.flat:
            # a space that changed since the trial ran: keep the stored values
            with contextlib.suppress(KeyError, ValueError):
                rebuilt = evolve(t, params=space.build(t.flat))
        out.append(rebuilt)
    return out


def light_reader(study: Any) -> tuple[Any, int] | None:
    """(storage, study id) when the study's storage can read briefs, else None."""
    storage, record = getattr(study, "storage", None), getattr(study, "record", None)
    sid = getattr(record, "study_id", None)
    if hasattr(storage, "read_briefs") and isinstance(sid, int):
        return storage, sid
    return None


@dataclass(frozen=True)
class Snapshot:
    """A study as the plots read it, with a fixed list of trials (read once, maybe sampled).

    It has the attributes plots use (name, direction, space, sampler, user_attrs,
    trials, best_trial), so ``plot_*(snapshot)`` draws what it would for the study.
    ``every`` holds every trial, as the storage's briefs when the trials were sampled.
    """

    study: Any
    trials: list[FrozenTrial]
    total: int
    every: Sequence[Any] = ()
    # what several plots of one snapshot compute alike (a trial table, the finite briefs)
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, study: Study, limit: int = LIMIT, briefs: Sequence[Any] | None = None
           ) -> Snapshot:  # fmt: skip
        """The snapshot of ``study``; ``briefs``: its storage's briefs, when already read."""
        reader = light_reader(study)
        dirs = tuple(getattr(study, "directions", None) or (study.direction,))
        if reader is not None:
            storage, sid = reader
            if briefs is None:
                briefs = storage.read_briefs(sid).trials
            if len(briefs) > limit:
                picked = [b.number for b in sample(briefs, study.direction, limit, dirs)]
                trials = resolved(study, storage.read_numbers(sid, picked))
                return cls(study, trials, len(briefs), briefs)
        trials = list(study.trials)
        return cls(study, sample(trials, study.direction, limit, dirs), len(trials), trials)

    @property
    def sampled(self) -> bool:
        return len(self.trials) < self.total

    def __getattr__(self, name: str) -> Any:  # name, direction, space, sampler, user_attrs...
        return getattr(self.study, name)

    @property
    def best_trial(self) -> FrozenTrial:
        if not self.sampled:
            return self.study.best_trial
        best = best_of(self.every, self.study.direction)
        if best is None:
            raise ValueError(f"study {self.study.name!r} has no COMPLETE trial with a value yet")
        return self.trials_of([best.number])[0]

    def trials_of(self, numbers: Sequence[int]) -> list[FrozenTrial]:
        """Whole trials of these numbers, in number order: from the snapshot, and what it
        does not hold read from storage."""
        held = {t.number: t for t in self.trials}
        missing = [n for n in numbers if n not in held]
        reader = light_reader(self.study)
        if missing and reader is not None:
            storage, sid = reader
            read = resolved(self.study, storage.read_numbers(sid, missing))
            held.update((t.number, t) for t in read)
        return [held[n] for n in sorted(set(numbers)) if n in held]

    def with_trials(self, trials: list[FrozenTrial]) -> Snapshot:
        return Snapshot(self.study, trials, self.total, self.every)


def note(snapshot: Snapshot) -> str | None:
    """What a page says when its plots draw a sample (None when they draw every trial)."""
    if not snapshot.sampled:
        return None
    if len(getattr(snapshot, "directions", None) or ()) > 1:
        return (
            f"The plots draw {len(snapshot.trials):,} of the {snapshot.total:,} trials: the "
            f"non-dominated ones (at most {LIMIT // 2:,}) and an even spread of the rest; the "
            f"hypervolume is computed over every trial."
        )
    return (
        f"The plots draw {len(snapshot.trials):,} of the {snapshot.total:,} trials: every new "
        f"best, the best {LIMIT // 10:,} and an even spread of the rest; parameter importance "
        f"is learnt from an even spread of at most {IMPORTANCE_LIMIT:,} COMPLETE trials."
    )
